//! Unit tests of the CloudTower backend without a server:
//!
//! * `decode`: the spec's shapes (fixtures built from the spec's schemas by
//!   `tests/fixtures/cloudtower-client/make_fixtures.py`) decoded and converted.
//! * `lenient`: missing optional keys, `null`s, unknown enum values, numbers as strings.
//! * `hostile`: error bodies, HTML, truncation, and bodies that must never panic (proptest).
//! * `plans`: the exact requests `plan` builds, and what it refuses.

mod decode;
mod hostile;
mod lenient;
mod plans;

use serde::de::DeserializeOwned;

use super::answer;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../..",
            "/tests/fixtures/cloudtower-client/",
            $name
        ))
    };
}
pub(crate) use fixture;

/// A list answer decoded as a read decodes it.
fn list<T: DeserializeOwned>(body: &str) -> Vec<T> {
    answer::decode_list("/v2/api/x", body.as_bytes(), false).expect("decodes")
}

fn one<T: DeserializeOwned>(body: &str) -> T {
    answer::decode("/v2/api/x", body.as_bytes()).expect("decodes")
}
