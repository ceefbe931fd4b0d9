//! Field types that take what a ZStack server actually sends. Gson omits `null` fields, so
//! every field is optional; it writes `long`s that went through a `double` as `1.073741824E9`;
//! versions add fields and enum values. Scalars never fail: a value of the wrong kind
//! becomes "absent". Lists fail only when the value is another structure entirely.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Visitor methods shared by the scalar types: `null`, lists and objects are "absent".
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

/// An integer; accepts `1`, `1.073741824E9`, `"1"`, `" 1 "`. Anything else is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Int(pub Option<i64>);

impl Int {
    pub fn get(self) -> Option<i64> {
        self.0
    }

    /// A non-negative value (sizes, counts).
    pub fn unsigned(self) -> Option<u64> {
        self.0.and_then(|v| u64::try_from(v).ok())
    }
}

fn float_to_int(v: f64) -> Option<i64> {
    // `as` saturates at the ends; NaN and infinities are not numbers we can use.
    (v.is_finite() && v.abs() < 9.2e18).then_some(v.round() as i64)
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().and_then(float_to_int))
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
                Ok(Int(parse_int(v)))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// A boolean; accepts `true`, `"true"`, `1` (and their opposites).
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
                    "true" | "1" | "yes" => Some(true),
                    "false" | "0" | "no" => Some(false),
                    _ => None,
                }))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// A list; `null` and `""` are empty. Another structure is an error.
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
            fn visit_str<E: de::Error>(self, v: &str) -> Result<List<T>, E> {
                if v.trim().is_empty() {
                    Ok(List::default())
                } else {
                    Err(E::invalid_type(de::Unexpected::Str(v), &self))
                }
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

/// An enum of documented strings with `Unknown(String)` for everything else (a version
/// that adds a state, a typo, a number). Matching ignores case.
macro_rules! lenient_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            Unknown(String),
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl $name {
            pub fn parse(s: &str) -> Self {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case(stringify!($variant)) {
                    return $name::$variant;
                })+
                $name::Unknown(t.to_string())
            }

            /// The server's own word (empty when it sent none).
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                    $name::Unknown(s) => s,
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = $crate::backend::zstack::lenient::Str::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

pub(crate) use lenient_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_take_what_comes() {
        let s: Str = serde_json::from_value(json!(12)).unwrap();
        assert_eq!(s.as_str(), "12");
        let s: Str = serde_json::from_value(json!(null)).unwrap();
        assert_eq!(s.as_str(), "");
        assert_eq!(Str::from("  ").non_empty(), None);
        for (v, want) in [
            (json!(1_073_741_824), Some(1_073_741_824)),
            (json!(1.073741824E9), Some(1_073_741_824)),
            (json!("2147483648"), Some(2_147_483_648)),
            (json!(" 42 "), Some(42)),
            (json!(1e300), None),
            (json!("abc"), None),
            (json!(true), None),
            (json!(null), None),
            (json!([1]), None),
            (json!(u64::MAX), None),
        ] {
            let i: Int = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(i.0, want, "{v}");
        }
        for (v, want) in [
            (json!(true), Some(true)),
            (json!("false"), Some(false)),
            (json!(0), Some(false)),
            (json!("maybe"), None),
            (json!({}), None),
        ] {
            let b: Flag = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(b.0, want, "{v}");
        }
    }

    #[test]
    fn lists_accept_null_but_not_other_shapes() {
        let l: List<Str> = serde_json::from_value(json!(null)).unwrap();
        assert!(l.is_empty());
        let l: List<Int> = serde_json::from_value(json!([1, "2", null])).unwrap();
        assert_eq!(l.0, vec![Int(Some(1)), Int(Some(2)), Int(None)]);
        assert!(serde_json::from_value::<List<Str>>(json!({"a": 1})).is_err());
        assert!(serde_json::from_value::<List<Str>>(json!("x")).is_err());
    }

    lenient_enum!(Color { Red, DarkBlue });

    #[test]
    fn enums_keep_unknown_words() {
        assert_eq!(Color::parse("red"), Color::Red);
        assert_eq!(Color::parse(" DarkBlue "), Color::DarkBlue);
        assert_eq!(Color::parse("Mauve"), Color::Unknown("Mauve".into()));
        let c: Color = serde_json::from_value(json!(7)).unwrap();
        assert_eq!(c, Color::Unknown("7".into()));
        let c: Color = serde_json::from_value(json!(null)).unwrap();
        assert_eq!(c.as_str(), "");
    }
}
