//! Objects: a map kept in the server's key order, and a nested object that may be missing.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON object kept in the server's key order; `null`, `""` and `[]` are empty (some
/// servers write an empty map as `[]`). Another value is an error.
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

/// A nested object (CloudTower's `NestedCluster`, `NestedVm`, …): `null`, a scalar or a
/// list is `None`; an object is decoded as `T`, and fails only if `T` does.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lenient::Str;
    use serde_json::json;

    #[test]
    fn pairs_keep_the_servers_order_and_take_null_and_empty_lists() {
        let p: Pairs<Str> = serde_json::from_str(r#"{"b": "1", "a": 2}"#).unwrap();
        assert_eq!(p.0[0].0, "b");
        assert_eq!(p.get("a").unwrap().as_str(), "2");
        assert_eq!(p.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["b", "a"]);
        for v in [json!(null), json!([]), json!("")] {
            let p: Pairs<Str> = serde_json::from_value(v.clone()).unwrap();
            assert!(p.is_empty(), "{v}");
        }
        for v in [json!(5), json!("x"), json!([1])] {
            assert!(
                serde_json::from_value::<Pairs<Str>>(v.clone()).is_err(),
                "{v}"
            );
        }
    }

    #[test]
    fn maybe_is_an_object_or_nothing() {
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
}
