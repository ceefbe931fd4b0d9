//! Incremental refresh through `GET /resource-changes` (what the official SDK's watch
//! reads): the revision as a listing starts is the cursor; later, the VM events since it
//! name the VMs to read again by id, and a compacted revision means a complete re-read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::session::op;
use super::{CloudTower, convert, reads, wire};
use crate::{HttpCall, Result};
use vmdeck_model::{ChangeCursor, Named, VmChanges};

/// Events per answer: the spec's `ResourceChangeLimit` maximum.
const LIMIT: u32 = 1000;
/// Pages of events one refresh follows before a complete re-read is cheaper.
const MAX_PAGES: usize = 10;
/// VM ids per `id_in` read.
const IDS_PER_READ: usize = 200;

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "currentRevision")]
    current: String,
    #[serde(rename = "compactRevision")]
    compact: String,
    #[serde(default)]
    data: Vec<Event>,
    #[serde(default)]
    ec: Option<String>,
}

#[derive(Deserialize)]
struct Event {
    revision: String,
    #[serde(default)]
    resource_id: Option<String>,
}

/// `GET /v2/api/resource-changes` for VMs from `start` (inclusive; `None`: the oldest kept).
pub fn changes_call(start: Option<u64>, limit: u32) -> HttpCall {
    let call = HttpCall::get(op("resource-changes")).query("resource_type", "Vm");
    let call = match start {
        Some(s) => call.query("start_revision", s),
        None => call,
    };
    call.query("limit", limit)
}

fn revision(s: &str) -> Option<u64> {
    s.trim().parse().ok()
}

fn cursor(revision: u64) -> ChangeCursor {
    ChangeCursor(revision.to_string())
}

impl CloudTower {
    pub(super) async fn read_change_cursor(&self) -> Result<Option<ChangeCursor>> {
        let a: Answer = self.api.read(&changes_call(None, 1)).await?;
        Ok(revision(&a.current).map(cursor))
    }

    pub(super) async fn read_vm_changes(
        &self,
        cluster: &Named,
        since: &ChangeCursor,
    ) -> Result<VmChanges> {
        let Some(seen) = revision(&since.0) else {
            return Ok(VmChanges::Resync);
        };
        let mut start = seen + 1;
        let mut changed = BTreeMap::new();
        let mut now = seen;
        for _ in 0..MAX_PAGES {
            let a: Answer = self.api.read(&changes_call(Some(start), LIMIT)).await?;
            let refused =
                a.ec.as_deref()
                    .is_some_and(|ec| !ec.is_empty() && ec != "0");
            let compact = revision(&a.compact).unwrap_or(u64::MAX);
            if refused || compact > start {
                tracing::info!(
                    since = seen,
                    compact,
                    "CloudTower compacted its changes; reading all"
                );
                return Ok(VmChanges::Resync);
            }
            now = now.max(revision(&a.current).unwrap_or(now));
            let full = a.data.len() >= LIMIT as usize;
            for e in a.data {
                let Some(r) = revision(&e.revision) else {
                    return Ok(VmChanges::Resync);
                };
                start = start.max(r + 1);
                if let Some(id) = e.resource_id.filter(|id| !id.is_empty()) {
                    changed.insert(id, ());
                }
            }
            if !full {
                return self.changed_vms(cluster, changed, now.max(start - 1)).await;
            }
        }
        Ok(VmChanges::Resync)
    }

    /// Reads the changed VMs as they are now: those no longer in this cluster's listing
    /// (deleted, moved, in the recycle bin) are gone from it.
    async fn changed_vms(
        &self,
        cluster: &Named,
        changed: BTreeMap<String, ()>,
        now: u64,
    ) -> Result<VmChanges> {
        let filter = reads::vm_filter(&cluster.id, "");
        let ids: Vec<String> = changed.into_keys().collect();
        let mut upserts = Vec::new();
        let mut deleted = Vec::new();
        for chunk in ids.chunks(IDS_PER_READ) {
            let only = reads::and(filter.clone(), json!({"id_in": chunk}));
            let found: Vec<wire::Vm> = self
                .api
                .read_list(&reads::vms(only, IDS_PER_READ as u32, 0))
                .await?;
            for id in chunk {
                if !found.iter().any(|v| v.id.as_str() == id) {
                    deleted.push(id.clone());
                }
            }
            found.iter().for_each(|v| self.facts.note_vm(v));
            upserts.extend(found.iter().map(|v| convert::vm(v, cluster)));
        }
        let total = match self
            .api
            .read::<wire::Connection>(&reads::vms_count(filter))
            .await?
            .count()
        {
            Some(n) => n,
            None => return Ok(VmChanges::Resync),
        };
        Ok(VmChanges::Changed {
            upserts,
            deleted,
            total,
            next: cursor(now),
        })
    }
}
