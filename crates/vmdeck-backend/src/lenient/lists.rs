//! Lists. `null` is always an empty list, and an object is always an error (the answer is
//! shaped differently from what the platform describes). What a *scalar* means differs:
//!
//! * [`List`]: only a blank string is empty; `"surprise"` or `5` is an error. TopHC and
//!   ZStack: a list that comes as something else (often the answer's own rows) means the
//!   answer is not what we think it is, and showing "nothing" would be wrong.
//! * [`LooseList`]: any scalar is empty. CloudTower: its answers are typed by an OpenAPI
//!   spec, and a scalar in a list field of an otherwise good row (`"vm_nics": false`)
//!   says nothing about the row.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Unexpected, Visitor};

/// A list; `null` and `""` are empty. Another scalar or an object is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct List<T>(pub Vec<T>);

/// A list; `null` and every other scalar are empty. An object is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct LooseList<T>(pub Vec<T>);

/// What `Default`, `Deref` and iteration do: the same for both kinds.
macro_rules! vec_like {
    ($name:ident) => {
        impl<T> Default for $name<T> {
            fn default() -> Self {
                $name(Vec::new())
            }
        }

        impl<T> std::ops::Deref for $name<T> {
            type Target = Vec<T>;
            fn deref(&self) -> &Vec<T> {
                &self.0
            }
        }

        impl<T> IntoIterator for $name<T> {
            type Item = T;
            type IntoIter = std::vec::IntoIter<T>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.into_iter()
            }
        }

        impl<'a, T> IntoIterator for &'a $name<T> {
            type Item = &'a T;
            type IntoIter = std::slice::Iter<'a, T>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }
    };
}

vec_like!(List);
vec_like!(LooseList);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Items::new(false)).map(List)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LooseList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Items::new(true)).map(LooseList)
    }
}

/// Reads the items of either kind of list.
struct Items<T> {
    scalars_are_empty: bool,
    item: PhantomData<T>,
}

impl<T> Items<T> {
    fn new(scalars_are_empty: bool) -> Self {
        Self {
            scalars_are_empty,
            item: PhantomData,
        }
    }

    fn scalar<E: de::Error>(self, got: Unexpected) -> Result<Vec<T>, E> {
        if self.scalars_are_empty {
            Ok(Vec::new())
        } else {
            Err(E::invalid_type(got, &"a list"))
        }
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
        self.scalar(Unexpected::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
        self.scalar(Unexpected::Signed(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
        self.scalar(Unexpected::Unsigned(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
        self.scalar(Unexpected::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        if v.trim().is_empty() {
            Ok(Vec::new())
        } else {
            self.scalar(Unexpected::Str(v))
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
        // The hint comes from the server: a cap keeps a lying one from reserving gigabytes.
        let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = a.next_element()? {
            out.push(item);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lenient::Int;
    use serde_json::json;

    #[test]
    fn items_take_whatever_their_type_takes() {
        let l: List<Int> = serde_json::from_value(json!([1, "2", null])).unwrap();
        assert_eq!(l.0, vec![Int(Some(1)), Int(Some(2)), Int(None)]);
        let l: LooseList<Int> = serde_json::from_value(json!([1, "2", null])).unwrap();
        assert_eq!(l.0, vec![Int(Some(1)), Int(Some(2)), Int(None)]);
    }

    #[test]
    fn a_list_is_empty_for_null_and_blank_and_refuses_other_values() {
        for v in [json!(null), json!(""), json!("  "), json!([])] {
            let l: List<Int> = serde_json::from_value(v.clone()).unwrap();
            assert!(l.is_empty(), "{v}");
        }
        for v in [json!("surprise"), json!(5), json!(false), json!({"a": 1})] {
            let e = serde_json::from_value::<List<Int>>(v.clone()).unwrap_err();
            assert!(e.to_string().contains("expected a list"), "{v}: {e}");
        }
    }

    #[test]
    fn a_loose_list_is_empty_for_any_scalar_but_refuses_objects() {
        for v in [json!(null), json!(false), json!(3), json!(-1.5), json!("x")] {
            let l: LooseList<Int> = serde_json::from_value(v.clone()).unwrap();
            assert!(l.is_empty(), "{v}");
        }
        assert!(serde_json::from_value::<LooseList<Int>>(json!({"a": 1})).is_err());
    }
}
