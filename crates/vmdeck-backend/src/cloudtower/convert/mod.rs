//! Wire types → the neutral model. Pure functions; nothing here can fail on odd values.
//!
//! * `inventory`: clusters, VMs and their disks, snapshots with their storage chain.
//! * `tasks`: task states (decided by `status` alone) and the Tasks pane's rows.
//! * `backups`: restore points, plans, executions, and the restore form's choices.

mod backups;
mod inventory;
mod tasks;

pub use backups::*;
pub use inventory::*;
pub use tasks::*;

use super::time;
use super::wire;
use crate::lenient::Str;
use vmdeck_model::{Detail, Named, Timestamp, human_bytes};

pub(super) fn push(
    details: &mut Vec<Detail>,
    label: impl Into<std::borrow::Cow<'static, str>>,
    value: impl Into<String>,
) {
    let value = value.into();
    if !value.trim().is_empty() {
        details.push(Detail::new(label, value.trim()));
    }
}

pub(super) fn push_bytes(
    details: &mut Vec<Detail>,
    label: impl Into<std::borrow::Cow<'static, str>>,
    v: Option<u64>,
) {
    if let Some(b) = v {
        details.push(Detail::new(label, human_bytes(b)));
    }
}

pub(super) fn named(n: Option<&wire::Nested>) -> Option<Named> {
    n.filter(|n| !n.id.is_empty() || !n.name.is_empty())
        .map(|n| Named::new(n.id.as_str(), n.name.as_str()))
}

/// "WAITING_EXECUTE" → "waiting execute", "VmSnapshot" → "vm snapshot".
pub fn words(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut prev_lower = false;
    for ch in s.trim().chars() {
        if ch == '_' {
            out.push(' ');
        } else {
            if ch.is_uppercase() && prev_lower {
                out.push(' ');
            }
            out.extend(ch.to_lowercase());
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
    }
    out
}

pub(super) fn utc(ts: &Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub(super) fn when(s: &Str) -> String {
    time::parse(s).map(|t| utc(&t)).unwrap_or_default()
}
