//! The lookups handlers share: the live row a uuid parameter names, refused the way ZStack's
//! API interceptor refuses a uuid it does not know.

use super::Call;
use super::wire::{ErrorCode, Fail};
use super::world::{Kind, World};

/// The live row a uuid parameter names, or `SYS.1003` as the API interceptor answers.
pub fn lookup(w: &World, c: &Call, field: &str, kind: Kind, vo: &str) -> Result<usize, Fail> {
    let uuid = c.p.required(field, &c.class)?;
    w.find(kind, &uuid)
        .ok_or_else(|| ErrorCode::not_found(field, &uuid, vo).into())
}

/// Like [`lookup`] for an optional parameter.
pub fn lookup_opt(
    w: &World,
    c: &Call,
    field: &str,
    kind: Kind,
    vo: &str,
) -> Result<Option<usize>, Fail> {
    match c.p.str(field)? {
        None => Ok(None),
        Some(u) => w
            .find(kind, &u)
            .map(Some)
            .ok_or_else(|| ErrorCode::not_found(field, &u, vo).into()),
    }
}
