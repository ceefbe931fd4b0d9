//! Incremental refresh on ZStack, which keeps no change log: every row carries
//! `lastOpDate`, so the VMs touched since the newest one a listing saw are one query
//! (`lastOpDate>=T`), and the count catches what that cannot show. A destroyed VM stays in
//! the recycle bin with a fresh `lastOpDate` (state `Destroyed`): the same query names it
//! gone. An expunged or moved VM leaves no row: the count no longer adds up, and the app
//! reads everything again.
//!
//! The cursor is `T` in unix seconds. `lastOpDate` has whole seconds and `>=` is asked, so a
//! change in the very second of `T` is not missed (its row comes back once more, harmlessly).

use super::ZStack;
use super::reads::{self, Query, VM_FIELDS};
use super::time::sql_time;
use super::wire;
use crate::Result;
use vmdeck_model::{ChangeCursor, Named, Timestamp, VmChanges};

/// Changed VMs one refresh reads; more, and a complete re-read is as cheap and simpler.
const MAX_CHANGED: u32 = 1000;

/// Every user VM of the cluster, destroyed ones included (their change is a deletion).
fn touched(cluster: &Named) -> Query {
    let q = Query::new("vm-instances").eq("type", "UserVm");
    if cluster.id.is_empty() {
        q
    } else {
        q.eq("clusterUuid", &cluster.id)
    }
}

fn cursor(t: Timestamp) -> ChangeCursor {
    ChangeCursor(t.as_second().to_string())
}

impl ZStack {
    /// The newest `lastOpDate` among the cluster's VMs: what a listing starting now
    /// already shows.
    pub(super) async fn read_change_cursor(&self, cluster: &Named) -> Result<Option<ChangeCursor>> {
        let q = touched(cluster)
            .sort("-lastOpDate")
            .page(0, 1)
            .fields(&["uuid", "lastOpDate"]);
        let reply: wire::Query<wire::VmInstance> = self.api.read(&q.call()).await?;
        Ok(reply
            .into_items()
            .first()
            .and_then(|v| v.last_op_date.in_zone(&self.tz))
            .map(cursor))
    }

    pub(super) async fn read_vm_changes(
        &self,
        cluster: &Named,
        since: &ChangeCursor,
    ) -> Result<VmChanges> {
        let Some(t) = since
            .0
            .parse::<i64>()
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
        else {
            return Ok(VmChanges::Resync);
        };
        let q = touched(cluster)
            .q(format!("lastOpDate>={}", sql_time(&t, &self.tz)))
            .sort("+lastOpDate")
            .page(0, MAX_CHANGED)
            .fields(VM_FIELDS);
        let reply: wire::Query<wire::VmInstance> = self.api.read(&q.call()).await?;
        if reply
            .total
            .unsigned()
            .is_none_or(|n| n > u64::from(MAX_CHANGED))
        {
            return Ok(VmChanges::Resync);
        }
        let raw = reply.into_items();
        let newest = raw
            .iter()
            .filter_map(|v| v.last_op_date.in_zone(&self.tz))
            .max()
            .map_or(t, |n| n.max(t));
        // Gone exactly when the listing leaves it out (`reads::vms`: `state!=Destroyed`).
        let (gone, live): (Vec<_>, Vec<_>) = raw
            .into_iter()
            .partition(|v| matches!(v.state, wire::VmState::Destroyed));
        let upserts = self.vm_rows(&live, cluster).await;
        // The listing's own count (destroyed VMs left out), for the app to check its rows.
        let count: wire::Query<wire::VmInstance> = self
            .api
            .read(
                &reads::vms(&cluster.id, "")
                    .page(0, 1)
                    .fields(&["uuid"])
                    .call(),
            )
            .await?;
        let Some(total) = count.total.unsigned() else {
            return Ok(VmChanges::Resync);
        };
        Ok(VmChanges::Changed {
            upserts,
            deleted: gone.into_iter().map(|v| v.uuid.0).collect(),
            total,
            next: cursor(newest),
        })
    }
}
