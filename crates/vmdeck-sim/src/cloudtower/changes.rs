//! `GET /resource-changes`: the record of changes the official SDK's watch reads
//! (`GetResourceChanges` in the 4.6.0 document, response `ResourceChangeResponse`).
//!
//! # Contract where the spec is silent
//!
//! * Revisions are decimal strings of one counter: the seeded world is revision `1`, and
//!   every change to a VM takes the next one. A VM changes when a task that holds it starts
//!   (its `entityAsyncStatus`) and when it ends (power state, rollback, a rebuilt VM ready),
//!   when it is created (a rebuild from a snapshot or a backup: action `CREATE`) and when it
//!   is removed (action `DELETE`); everything else is `UPDATE`. `resource_type` is `Vm`,
//!   `resource_id` its id, `new_value` the VM as `get-vms` renders it then (empty for
//!   `DELETE`), `old_value` empty, `created_at` the simulated time, `prev_revision` the
//!   revision before.
//! * Query: `start_revision` (inclusive; absent: from the oldest kept), `resource_type`,
//!   `resource_id`, `action` (exact matches), `limit` 1–1000 (default 100). Events come in
//!   revision order, at most `limit` of them; a client pages on from the last `revision`
//!   plus one. `currentRevision` is the newest revision, `compactRevision` the oldest one still
//!   answerable.
//! * The log keeps changes for 30 simulated minutes and at most 10,000 of them (etcd-style
//!   auto-compaction). A `start_revision` below `compactRevision` is answered 200 with
//!   `data: []`, `ec: "COMPACTED"` and `error: {message}`: the client has to read the
//!   resources again in full. Otherwise `ec` is `""` and `error` is `null`.
//! * Not a number, or `limit` outside 1–1000: 400 `ErrorBody`. Authorization as for every
//!   other operation.

use std::collections::{HashMap, VecDeque};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::wire::{ApiError, Lang, json_response, ts};
use super::{App, World, fail};

const PATH: &str = "/resource-changes";
/// How long a change stays answerable, in simulated milliseconds.
const RETAIN_MS: i64 = 30 * 60 * 1000;
const RETAIN_MAX: usize = 10_000;
const DEFAULT_LIMIT: usize = 100;

#[derive(Clone, Debug)]
struct Change {
    revision: u64,
    at_ms: i64,
    action: &'static str,
    resource_id: String,
    new_value: String,
}

/// The world's record of changes (see the module docs).
#[derive(Clone, Debug)]
pub struct ChangeLog {
    current: u64,
    /// Oldest revision whose changes are all still kept.
    compact: u64,
    events: VecDeque<Change>,
    /// VMs that existed at the last change noted: a higher index is a new VM.
    seen_vms: usize,
}

impl Default for ChangeLog {
    fn default() -> Self {
        ChangeLog {
            current: 1,
            compact: 1,
            events: VecDeque::new(),
            seen_vms: usize::MAX,
        }
    }
}

impl ChangeLog {
    /// The seeded world is revision 1: its `vms` VMs are not changes.
    pub fn start(&mut self, vms: usize) {
        self.seen_vms = vms;
    }

    fn compact_to(&mut self, now: i64) {
        while let Some(first) = self.events.front() {
            if self.events.len() <= RETAIN_MAX && now - first.at_ms <= RETAIN_MS {
                break;
            }
            self.compact = first.revision + 1;
            self.events.pop_front();
        }
    }
}

impl World {
    /// Notes that VM `v` changed (created, if it is newer than every VM noted before; gone,
    /// if it is).
    pub fn note_vm(&mut self, v: usize) {
        let seen = self.changes.seen_vms.min(self.vms.len());
        let action = if self.vms[v].gone {
            "DELETE"
        } else if v >= seen {
            "CREATE"
        } else {
            "UPDATE"
        };
        self.changes.seen_vms = seen.max(self.vms.len());
        let new_value = if action == "DELETE" {
            String::new()
        } else {
            super::inventory::vm(self, v).to_string()
        };
        let log = &mut self.changes;
        log.current += 1;
        log.events.push_back(Change {
            revision: log.current,
            at_ms: self.now,
            action,
            resource_id: self.vms[v].id.clone(),
            new_value,
        });
        let now = self.now;
        log.compact_to(now);
    }
}

fn bad(what: &str, value: &str) -> ApiError {
    ApiError::bad(
        format!("{what} must be {}: {value:?}", expected(what)),
        format!("{what} 须为{}：{value:?}", expected_zh(what)),
    )
}

fn expected(what: &str) -> &'static str {
    if what == "limit" {
        "an integer from 1 to 1000"
    } else {
        "a revision (a decimal number)"
    }
}

fn expected_zh(what: &str) -> &'static str {
    if what == "limit" {
        " 1 到 1000 的整数"
    } else {
        "版本号（十进制数）"
    }
}

pub async fn handler(
    State(s): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    match answer(&s, &headers, &params) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => fail(&e, PATH, lang),
    }
}

fn answer(
    s: &super::Shared,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let Some(token) = super::auth::token(headers) else {
        return Err(ApiError::unauthorized("missing token"));
    };
    s.auth
        .verify(&token, s.faults.session_epoch())
        .map_err(ApiError::unauthorized)?;
    let start = match params.get("start_revision") {
        None => None,
        Some(r) => Some(r.parse::<u64>().map_err(|_| bad("start_revision", r))?),
    };
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(bad("limit", l)),
        },
    };
    let mut w = s.world();
    let now = w.now;
    w.changes.compact_to(now);
    let log = &w.changes;
    let revisions = json!({
        "currentRevision": log.current.to_string(),
        "compactRevision": log.compact.to_string(),
    });
    let start = start.unwrap_or(log.compact);
    if start < log.compact {
        let mut v = revisions;
        v["data"] = json!([]);
        v["ec"] = json!("COMPACTED");
        v["error"] = json!({"message": format!(
            "required revision {start} has been compacted (compact revision {})",
            log.compact
        )});
        return Ok(v);
    }
    let matches = |c: &&Change| {
        let is = |key: &str, value: &str| params.get(key).is_none_or(|p| p == value);
        is("resource_type", "Vm") && is("resource_id", &c.resource_id) && is("action", c.action)
    };
    let from = log.events.partition_point(|c| c.revision < start);
    let data: Vec<Value> = log
        .events
        .range(from..)
        .filter(matches)
        .take(limit)
        .map(|c| {
            json!({
                "revision": c.revision.to_string(),
                "prev_revision": (c.revision - 1).to_string(),
                "created_at": ts(c.at_ms),
                "action": c.action,
                "resource_type": "Vm",
                "resource_id": c.resource_id,
                "new_value": c.new_value,
                "old_value": "",
            })
        })
        .collect();
    let mut v = revisions;
    v["data"] = Value::Array(data);
    v["ec"] = json!("");
    v["error"] = Value::Null;
    Ok(v)
}
