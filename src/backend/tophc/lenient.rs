//! Field types that take what a TopHC server actually sends: numbers as strings
//! (`"replica":"1"`), `null` for anything, booleans as `0`/`1`, lists as `null`.
//! Scalars never fail: a value of the wrong kind becomes "absent". Lists and maps fail only
//! when the value is a different structure entirely, with serde's readable message.

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

    /// The string, or `None` when empty.
    pub fn non_empty(&self) -> Option<&str> {
        (!self.0.is_empty()).then_some(self.0.as_str())
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

/// An integer; accepts `1`, `1.0`, `"1"`, `" 1 "`, `true`. Anything else is `None`.
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
    // `as` saturates; NaN becomes 0, so screen it out.
    (v.is_finite()).then_some(v.trunc() as i64)
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
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Int, E> {
                Ok(Int(Some(i64::from(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
                Ok(Int(parse_int(v)))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// A floating-point number; accepts numbers and numeric strings.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Float(pub Option<f64>);

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

/// A boolean; accepts `true`, `1`, `"true"`, `"1"`, `"yes"`, `"on"` (and their opposites).
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
                Ok(Flag(parse_flag(v)))
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

pub fn parse_flag(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
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

/// A JSON object kept in the server's key order; `null` and `[]` are empty.
#[derive(Clone, Debug, PartialEq)]
pub struct Pairs<V>(pub Vec<(String, V)>);

impl<V> Default for Pairs<V> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<V> Pairs<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Pairs<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Pairs<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Pairs<T>, E> {
                Ok(Pairs::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Pairs<T>, E> {
                Ok(Pairs::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Pairs<T>, D::Error> {
                Pairs::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Pairs<T>, E> {
                if v.trim().is_empty() {
                    Ok(Pairs::default())
                } else {
                    Err(E::invalid_type(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Pairs<T>, A::Error> {
                // Some servers encode an empty map as `[]`.
                if a.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                Ok(Pairs::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Pairs<T>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

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
        let s: Str = serde_json::from_value(json!({"a": [1, 2]})).unwrap();
        assert_eq!(s.as_str(), "");
        for (v, want) in [
            (json!("1"), Some(1)),
            (json!(" 42 "), Some(42)),
            (json!("2.9"), Some(2)),
            (json!(3.5), Some(3)),
            (json!(true), Some(1)),
            (json!("abc"), None),
            (json!(""), None),
            (json!(null), None),
            (json!([1]), None),
            (json!(u64::MAX), None),
        ] {
            let i: Int = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(i.0, want, "{v}");
        }
        for (v, want) in [
            (json!(true), Some(true)),
            (json!(0), Some(false)),
            (json!("true"), Some(true)),
            (json!("False"), Some(false)),
            (json!("maybe"), None),
            (json!(null), None),
        ] {
            let b: Flag = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(b.0, want, "{v}");
        }
        let f: Float = serde_json::from_value(json!("0.5")).unwrap();
        assert_eq!(f.0, Some(0.5));
    }

    #[test]
    fn lists_and_maps_accept_null_but_not_other_shapes() {
        let l: List<Str> = serde_json::from_value(json!(null)).unwrap();
        assert!(l.is_empty());
        let l: List<Int> = serde_json::from_value(json!([1, "2", null])).unwrap();
        assert_eq!(l.0, vec![Int(Some(1)), Int(Some(2)), Int(None)]);
        assert!(serde_json::from_value::<List<Str>>(json!({"a": 1})).is_err());
        assert!(serde_json::from_value::<List<Str>>(json!("x")).is_err());
        let p: Pairs<Str> = serde_json::from_str(r#"{"b": "1", "a": 2}"#).unwrap();
        assert_eq!(p.0[0].0, "b");
        assert_eq!(p.get("a").unwrap().as_str(), "2");
        let p: Pairs<Str> = serde_json::from_value(json!([])).unwrap();
        assert!(p.is_empty());
        assert!(serde_json::from_value::<Pairs<Str>>(json!(5)).is_err());
    }
}
