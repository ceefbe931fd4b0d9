//! Scalars that never fail: a string, an integer, a number and a boolean, each taking the
//! other kinds a server may send instead, and "absent" for anything else.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::absent_on_structures;

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

/// An integer; accepts `1`, `1.0`, `1.073741824E9`, `"1"`, `" 1 "` (a fraction is cut
/// off). Anything else, booleans included, is `None`: a `true` where a count belongs
/// says nothing about the count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Int(pub Option<i64>);

impl Int {
    pub fn get(self) -> Option<i64> {
        self.0
    }

    /// A non-negative value as u64 (sizes, counts).
    pub fn unsigned(self) -> Option<u64> {
        self.0.and_then(|v| u64::try_from(v).ok())
    }
}

fn float_to_int(v: f64) -> Option<i64> {
    // `as` saturates and turns NaN into 0; only finite values within range are taken.
    (v.is_finite() && v.abs() < 9.2e18).then_some(v.trunc() as i64)
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

/// A floating-point number; accepts numbers and numeric strings. Not-a-number and the
/// infinities are `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Float(pub Option<f64>);

impl Float {
    pub fn get(self) -> Option<f64> {
        self.0
    }

    /// A byte count sent as a double (CloudTower's `VmMetaData.memory`), rounded.
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

/// A boolean; accepts `true`, `1`, and the words of [`parse_flag`] (and their opposites).
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

/// `true`/`1`/`yes`/`on` and `false`/`0`/`no`/`off`, in any case; anything else is `None`.
pub fn parse_flag(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn from<T: serde::de::DeserializeOwned>(v: &Value) -> T {
        serde_json::from_value(v.clone()).unwrap()
    }

    #[test]
    fn strings_take_numbers_and_booleans_and_nothing_else() {
        for (v, want) in [
            (json!("a b"), "a b"),
            (json!(12), "12"),
            (json!(-1.5), "-1.5"),
            (json!(true), "true"),
            (json!(null), ""),
            (json!([1, 2]), ""),
            (json!({"a": [1, 2]}), ""),
        ] {
            assert_eq!(from::<Str>(&v).as_str(), want, "{v}");
        }
        assert_eq!(Str::from(" x ").non_empty(), Some("x"));
        assert_eq!(Str::from("  ").non_empty(), None);
        assert_eq!(from::<Str>(&json!(null)).non_empty(), None);
    }

    #[test]
    fn integers_from_numbers_strings_and_doubles() {
        for (v, want) in [
            (json!(1_073_741_824), Some(1_073_741_824)),
            (json!(1.073741824E9), Some(1_073_741_824)),
            (json!("1"), Some(1)),
            (json!(" 42 "), Some(42)),
            (json!("2147483648"), Some(2_147_483_648)),
            (json!("2.9"), Some(2)),
            (json!(3.5), Some(3)),
            (json!(-3.5), Some(-3)),
            (json!(1e300), None),
            (json!(u64::MAX), None),
            (json!(true), None),
            (json!("abc"), None),
            (json!(""), None),
            (json!(null), None),
            (json!([1]), None),
            (json!({"n": 1}), None),
        ] {
            assert_eq!(from::<Int>(&v).0, want, "{v}");
        }
        assert_eq!(Int(Some(-1)).unsigned(), None);
        assert_eq!(Int(Some(7)).unsigned(), Some(7));
    }

    #[test]
    fn floats_and_byte_counts() {
        assert_eq!(from::<Float>(&json!("0.5")).get(), Some(0.5));
        assert_eq!(from::<Float>(&json!(3)).get(), Some(3.0));
        for v in [
            json!("NaN"),
            json!("inf"),
            json!(true),
            json!(null),
            json!([]),
        ] {
            assert_eq!(from::<Float>(&v).get(), None, "{v}");
        }
        let f: Float = from(&json!("37145039556.9504"));
        assert_eq!(f.bytes(), Some(37_145_039_557));
        assert_eq!(from::<Float>(&json!(-1)).bytes(), None);
    }

    #[test]
    fn flags_from_booleans_numbers_and_words() {
        for (v, want) in [
            (json!(true), Some(true)),
            (json!(0), Some(false)),
            (json!(2), Some(true)),
            (json!("true"), Some(true)),
            (json!("TRUE"), Some(true)),
            (json!("False"), Some(false)),
            (json!(" 1 "), Some(true)),
            (json!("yes"), Some(true)),
            (json!("off"), Some(false)),
            (json!("maybe"), None),
            (json!(null), None),
            (json!({}), None),
        ] {
            assert_eq!(from::<Flag>(&v).0, want, "{v}");
        }
    }
}
