//! Field types that take whatever a CloudTower (or something in front of it) sends.
//!
//! The spec types its answers well, but servers are newer or older than the spec and
//! proxies mangle things: a scalar of the wrong kind becomes "absent" instead of failing the
//! whole answer, numbers may come as strings, lists and objects may be `null`, and an enum
//! string the spec does not know becomes `Unknown(text)` (see [`wire_enum!`]).
//! A list or object where something of a different *structure* was expected still fails,
//! with serde's readable message: that answer is not what the spec describes.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Visitor methods shared by the scalar types: `null`, lists and objects become the
/// type's default ("absent").
macro_rules! absent_on_structures {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            Deserialize::deserialize(d)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
    };
}

/// A string; numbers and booleans are written out, anything else is `""`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(pub String);

impl Str {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trimmed string, or `None` when blank.
    pub fn non_empty(&self) -> Option<&str> {
        let t = self.0.trim();
        (!t.is_empty()).then_some(t)
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(s.to_string())
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str, E> {
                Ok(Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str, E> {
                Ok(Str(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Str, E> {
                Ok(Str(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Str, E> {
                Ok(Str(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Str, E> {
                Ok(Str(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Str, E> {
                Ok(Str(v.to_string()))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// An integer; accepts `1`, `1.0`, `"1"`, `" 1 "`. Anything else is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Int(pub Option<i64>);

impl Int {
    pub fn get(self) -> Option<i64> {
        self.0
    }

    /// Non-negative value as u64 (sizes, counts).
    pub fn unsigned(self) -> Option<u64> {
        self.0.and_then(|v| u64::try_from(v).ok())
    }
}

fn float_to_int(v: f64) -> Option<i64> {
    // `as` saturates and turns NaN into 0; only finite values within range are taken.
    (v.is_finite() && v.abs() < 9.2e18).then_some(v.trunc() as i64)
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                Ok(Int(i64::try_from(v).ok()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int, E> {
                Ok(Int(float_to_int(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Int, E> {
                Ok(Int(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
                let v = v.trim();
                Ok(Int(v
                    .parse::<i64>()
                    .ok()
                    .or_else(|| v.parse::<f64>().ok().and_then(float_to_int))))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// A floating-point number; accepts numbers and numeric strings.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Float(pub Option<f64>);

impl Float {
    pub fn get(self) -> Option<f64> {
        self.0
    }

    /// A byte count sent as a double (`VmMetaData.memory`, `used_memory_bytes`).
    pub fn bytes(self) -> Option<u64> {
        self.0
            .filter(|v| *v >= 0.0 && *v < 1.8e19)
            .map(|v| v.round() as u64)
    }
}

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Float;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Float, E> {
                Ok(Float(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Float, E> {
                Ok(Float(Some(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Float, E> {
                Ok(Float(v.is_finite().then_some(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Float, E> {
                Ok(Float(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Float, E> {
                Ok(Float(
                    v.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                ))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// A boolean; accepts `true`, `1`, `"true"`, `"1"` (and their opposites).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flag(pub Option<bool>);

impl Flag {
    pub fn is_true(self) -> bool {
        self.0 == Some(true)
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flag, E> {
                Ok(Flag(Some(v != 0)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
                Ok(Flag(Some(v != 0)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Flag, E> {
                Ok(Flag(Some(v != 0.0)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                Ok(Flag(match v.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" => Some(true),
                    "false" | "0" => Some(false),
                    _ => None,
                }))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// A list; `null` (or any scalar: a list field holding `false` says nothing) is empty. An
/// object where the spec has a list is a different structure, and an error.
#[derive(Clone, Debug, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<List<T>, D::Error> {
                List::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = a.next_element()? {
                    out.push(item);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A nested object (`NestedCluster`, `NestedVm`, …): `null` or a scalar is `None`; an
/// object is decoded as `T`.
#[derive(Clone, Debug, PartialEq)]
pub struct Maybe<T>(pub Option<T>);

impl<T> Default for Maybe<T> {
    fn default() -> Self {
        Maybe(None)
    }
}

impl<T> Maybe<T> {
    pub fn as_ref(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Maybe<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Maybe<T>, E> {
                Ok(Maybe(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Maybe<T>, E> {
                Ok(Maybe(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Maybe<T>, D::Error> {
                Maybe::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Maybe<T>, E> {
                Ok(Maybe(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Maybe<T>, E> {
                Ok(Maybe(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Maybe<T>, E> {
                Ok(Maybe(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Maybe<T>, E> {
                Ok(Maybe(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Maybe<T>, E> {
                Ok(Maybe(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Maybe<T>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Maybe(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Maybe<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(a)).map(|t| Maybe(Some(t)))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A spec enum that keeps values it does not know: `Unknown(text)`; `null` or a missing
/// key is `Unknown("")` (see `is_absent`). Matching ignores case, because some proxies
/// and older servers differ there and nothing is gained by refusing.
macro_rules! wire_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            Unknown(String),
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// The spec's spelling (the server's, for an unknown value).
            pub fn as_wire(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(s) => s,
                }
            }

            /// `null`, missing or blank.
            pub fn is_absent(&self) -> bool {
                matches!(self, $name::Unknown(s) if s.trim().is_empty())
            }

            pub fn parse(s: &str) -> Self {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($text) {
                    return $name::$variant;
                })+
                $name::Unknown(t.to_string())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <$crate::backend::cloudtower::lenient::Str as serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

pub(crate) use wire_enum;

/// An RFC 3339 timestamp as CloudTower writes them (`2025-12-25T06:26:25.000Z`). The epoch
/// itself, which servers send for dates never set, is "unset"; so is anything unreadable.
/// Epoch seconds or milliseconds as a number are accepted too.
pub fn time(s: &Str) -> Option<jiff::Timestamp> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let ts = match t.parse::<jiff::Timestamp>() {
        Ok(ts) => ts,
        Err(_) => {
            let mut n = t.parse::<i64>().ok()?;
            while n > 100_000_000_000 {
                n /= 1000;
            }
            jiff::Timestamp::from_second(n).ok()?
        }
    };
    (ts.as_second() > 0).then_some(ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    wire_enum! {
        pub enum Color { Red = "RED", DarkBlue = "DARK_BLUE" }
    }

    #[test]
    fn scalars_take_what_comes() {
        let s: Str = serde_json::from_value(json!(12)).unwrap();
        assert_eq!(s.as_str(), "12");
        let s: Str = serde_json::from_value(json!(null)).unwrap();
        assert_eq!(s.non_empty(), None);
        let s: Str = serde_json::from_value(json!({"a": [1]})).unwrap();
        assert_eq!(s.as_str(), "");
        for (v, want) in [
            (json!("1"), Some(1)),
            (json!(" 42 "), Some(42)),
            (json!("2.9"), Some(2)),
            (json!(3.5), Some(3)),
            (json!(1.0e300), None),
            (json!(true), None),
            (json!("abc"), None),
            (json!(null), None),
            (json!([1]), None),
            (json!(u64::MAX), None),
        ] {
            let i: Int = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(i.0, want, "{v}");
        }
        let f: Float = serde_json::from_value(json!("37145039556.9504")).unwrap();
        assert_eq!(f.bytes(), Some(37_145_039_557));
        let f: Float = serde_json::from_value(json!(-1)).unwrap();
        assert_eq!(f.bytes(), None);
        for (v, want) in [
            (json!(true), Some(true)),
            (json!(0), Some(false)),
            (json!("TRUE"), Some(true)),
            (json!("maybe"), None),
            (json!(null), None),
        ] {
            let b: Flag = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(b.0, want, "{v}");
        }
    }

    #[test]
    fn lists_and_objects_accept_scalars_but_lists_refuse_objects() {
        for v in [json!(null), json!(false), json!(3), json!("x")] {
            let l: List<Str> = serde_json::from_value(v.clone()).unwrap();
            assert!(l.is_empty(), "{v}");
        }
        let l: List<Int> = serde_json::from_value(json!([1, "2", null])).unwrap();
        assert_eq!(l.0, vec![Int(Some(1)), Int(Some(2)), Int(None)]);
        assert!(serde_json::from_value::<List<Str>>(json!({"a": 1})).is_err());

        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct N {
            id: Str,
        }
        let m: Maybe<N> = serde_json::from_value(json!({"id": "c1", "x": 2})).unwrap();
        assert_eq!(m.0.unwrap().id.as_str(), "c1");
        for v in [json!(null), json!("c1"), json!(5), json!([{"id": "c1"}])] {
            let m: Maybe<N> = serde_json::from_value(v.clone()).unwrap();
            assert!(m.0.is_none(), "{v}");
        }
    }

    #[test]
    fn enums_keep_unknown_values() {
        let c: Color = serde_json::from_value(json!("DARK_BLUE")).unwrap();
        assert_eq!(c, Color::DarkBlue);
        let c: Color = serde_json::from_value(json!("red")).unwrap();
        assert_eq!(c, Color::Red);
        let c: Color = serde_json::from_value(json!("ULTRAVIOLET")).unwrap();
        assert_eq!(c, Color::Unknown("ULTRAVIOLET".into()));
        assert_eq!(c.as_wire(), "ULTRAVIOLET");
        let c: Color = serde_json::from_value(json!(null)).unwrap();
        assert!(c.is_absent());
        let c: Color = serde_json::from_value(json!(7)).unwrap();
        assert_eq!(c, Color::Unknown("7".into()));
    }

    #[test]
    fn times_are_rfc3339_and_the_epoch_is_unset() {
        let t = time(&Str::from("2025-12-25T06:26:25.000Z")).unwrap();
        assert_eq!(t.as_second(), 1_766_643_985);
        assert_eq!(time(&Str::from("1970-01-01T00:00:00.000Z")), None);
        assert_eq!(time(&Str::from("")), None);
        assert_eq!(time(&Str::from("yesterday")), None);
        assert_eq!(
            time(&Str::from("1766643985000")).map(|t| t.as_second()),
            Some(1_766_643_985)
        );
    }
}
