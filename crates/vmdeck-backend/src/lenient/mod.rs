//! Field types that take what a platform server actually sends, for every backend's
//! `wire` module.
//!
//! Servers are newer or older than their documents, and proxies and gateways mangle
//! answers: numbers come as strings (`"replica":"1"`) or as doubles (Gson's
//! `1.073741824E9`), booleans as `0`/`1`, `null` or a missing key for anything, enum
//! values nobody documented. So:
//!
//! * `scalars` ([`Str`], [`Int`], [`Float`], [`Flag`]) never fail: a value of the wrong
//!   kind is "absent", the type's default.
//! * `lists` ([`List`], [`LooseList`]) and `objects` ([`Pairs`], [`Maybe`]) take `null` as
//!   empty and fail only when the value is another structure entirely, with serde's
//!   readable message: that answer is not what the platform describes.
//! * `enums` ([`lenient_enum!`]) keep a value they do not know as `Unknown(text)`.
//!
//! Timestamps are written differently on each platform and are read there
//! (`cloudtower::time`, `zstack::time`).

mod enums;
mod lists;
mod objects;
mod scalars;

pub(crate) use enums::lenient_enum;
pub use lists::{List, LooseList};
pub use objects::{Maybe, Pairs};
pub use scalars::{Flag, Float, Int, Str, parse_flag};

/// Visitor methods for a type whose default means "absent": `null`, lists and objects
/// become that default (their contents are skipped, not parsed).
macro_rules! absent_on_structures {
    () => {
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            serde::Deserialize::deserialize(d)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            Ok(Default::default())
        }
    };
}

pub(crate) use absent_on_structures;
