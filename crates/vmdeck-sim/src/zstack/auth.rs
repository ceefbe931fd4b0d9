//! Sessions: `PUT /v1/accounts/login` (`logInByAccount`, sha512-hex password), `OAuth
//! <session>` on later calls, logout, validate, renew. A session lasts
//! [`SESSION_TIMEOUT_SECS`] simulated seconds from login (`identity.session.timeout`; calls
//! do not extend it, RenewSession does) and dies with `Faults::expire_sessions()`.

use serde_json::json;
use sha2::{Digest, Sha512};

use super::inventory;
use super::wire::{ErrorCode, ID_AUTH};
use super::world::{Session, World};
use super::{Call, Done, Outcome, Uid};

pub const SESSION_TIMEOUT_SECS: i64 = 7200;
pub const ACCOUNT_NAME: &str = "admin";
/// `identity.session.maxConcurrent`: the oldest session goes when a login exceeds it.
pub const MAX_SESSIONS: usize = 500;

pub fn sha512_hex(s: &str) -> String {
    Sha512::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `session` (the text after `OAuth`) is a live session of the current epoch.
pub fn valid(w: &World, session: Option<&str>, epoch: u64) -> bool {
    session
        .and_then(Uid::parse)
        .and_then(|u| w.sessions.get(&u))
        .is_some_and(|s| s.epoch == epoch && w.now < s.expire)
}

pub fn login(w: &mut World, c: &Call) -> Outcome {
    let name = c.p.required("accountName", &c.class)?;
    let password = c.p.required("password", &c.class)?;
    if name != ACCOUNT_NAME || password != c.password_sha512 {
        return Err(ErrorCode::new(ID_AUTH, "wrong account name or password").into());
    }
    if w.sessions.len() >= MAX_SESSIONS
        && let Some(oldest) = w
            .sessions
            .values()
            .min_by_key(|s| (s.create, s.uuid))
            .map(|s| s.uuid)
    {
        w.sessions.remove(&oldest);
    }
    let uuid = w.new_uid();
    let s = Session {
        uuid,
        create: w.now,
        expire: w.now + SESSION_TIMEOUT_SECS,
        epoch: c.epoch,
    };
    let inv = inventory::session(w, &s);
    w.sessions.insert(uuid, s);
    Ok(Done::Now(json!({ "inventory": inv })))
}

pub fn logout(w: &mut World, c: &Call) -> Outcome {
    if let Some(u) = c.p.str("sessionUuid")?.as_deref().and_then(Uid::parse) {
        w.sessions.remove(&u);
    }
    Ok(Done::Now(json!({})))
}

pub fn validate(w: &mut World, c: &Call) -> Outcome {
    let s = c.p.str("sessionUuid")?;
    Ok(Done::Now(
        json!({ "valid": valid(w, s.as_deref(), c.epoch) }),
    ))
}

pub fn renew(w: &mut World, c: &Call) -> Outcome {
    let target = c.p.str("sessionUuid")?.unwrap_or_default();
    let duration = c.p.i64("duration")?.unwrap_or(SESSION_TIMEOUT_SECS);
    let Some(u) = Uid::parse(&target).filter(|u| w.sessions.contains_key(u)) else {
        return Err(ErrorCode::session_expired().into());
    };
    let epoch = c.epoch;
    Ok(Done::later(0.5, move |w: &mut World| {
        let now = w.now;
        let Some(s) = w
            .sessions
            .get_mut(&u)
            .filter(|s| s.epoch == epoch && now < s.expire)
        else {
            return Err(ErrorCode::session_expired());
        };
        s.expire = now.saturating_add(duration.max(1));
        let s = s.clone();
        Ok(json!({ "inventory": inventory::session(w, &s) }))
    }))
}
