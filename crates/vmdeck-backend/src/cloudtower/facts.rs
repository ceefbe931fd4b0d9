//! What reads have taught us that later calls need but the neutral types do not carry:
//! a VM's VMTools state (for the preview of a file-system-consistent snapshot, which
//! `plan` must judge without the network) and local id (restore points outlive their VM
//! and are matched by it), and a cluster's local id (restore points name their cluster by
//! it) and connection state. A cache, never the truth: `submit` re-reads before it acts.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::convert;
use super::wire::{self, ConnectState, ToolsStatus};
use vmdeck_model::{ClusterFailure, ClusterState, Named};

/// More VMs than this and the cache starts over (it is only a hint).
const MAX_VMS: usize = 50_000;

#[derive(Clone, Debug, PartialEq)]
pub struct VmFacts {
    pub name: String,
    pub tools: ToolsStatus,
    pub local_id: String,
}

#[derive(Clone, Debug)]
pub struct ClusterFacts {
    pub name: String,
    pub local_id: String,
    /// Why the cluster cannot be trusted right now (disconnected), if it cannot.
    pub failure: Option<String>,
}

#[derive(Default)]
pub struct Facts {
    vms: RwLock<HashMap<String, VmFacts>>,
    clusters: RwLock<HashMap<String, ClusterFacts>>,
    /// A listing of every cluster has been noted.
    all_clusters: AtomicBool,
}

impl Facts {
    pub fn note_vm(&self, v: &wire::Vm) {
        if v.id.is_empty() {
            return;
        }
        let mut vms = self.vms.write().unwrap_or_else(|e| e.into_inner());
        if vms.len() >= MAX_VMS && !vms.contains_key(v.id.as_str()) {
            vms.clear();
        }
        vms.insert(
            v.id.0.clone(),
            VmFacts {
                name: v.name.0.clone(),
                tools: v.vm_tools_status.clone(),
                local_id: v.local_id.0.clone(),
            },
        );
    }

    pub fn vm(&self, id: &str) -> Option<VmFacts> {
        self.vms
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    pub fn note_cluster(&self, c: &wire::Cluster) {
        if c.id.is_empty() {
            return;
        }
        let failure = match (&c.connect_state, convert::cluster_state(c)) {
            (ConnectState::Disconnected, ClusterState::Failed(why)) => Some(why),
            _ => None,
        };
        self.clusters
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                c.id.0.clone(),
                ClusterFacts {
                    name: c.name.0.clone(),
                    local_id: c.local_id.0.clone(),
                    failure,
                },
            );
    }

    /// Every cluster, from a listing of them all.
    pub fn note_clusters(&self, all: &[wire::Cluster]) {
        all.iter().for_each(|c| self.note_cluster(c));
        self.all_clusters.store(true, Ordering::Relaxed);
    }

    /// Whether what is noted tells which of `cluster_id`'s clusters (empty: all) fail.
    pub fn covers(&self, cluster_id: &str) -> bool {
        if cluster_id.is_empty() {
            self.all_clusters.load(Ordering::Relaxed)
        } else {
            self.cluster(cluster_id).is_some()
        }
    }

    pub fn cluster(&self, id: &str) -> Option<ClusterFacts> {
        self.clusters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// The cluster whose local id this is (restore points only carry that).
    pub fn cluster_by_local_id(&self, local_id: &str) -> Option<Named> {
        if local_id.trim().is_empty() {
            return None;
        }
        self.clusters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(_, c)| c.local_id == local_id)
            .map(|(id, c)| Named::new(id.as_str(), c.name.as_str()))
    }

    /// Disconnected clusters among `cluster_id` (empty: all known ones): what CloudTower
    /// shows of them may be stale.
    pub fn failures(&self, cluster_id: &str) -> Vec<ClusterFailure> {
        let clusters = self.clusters.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<ClusterFailure> = clusters
            .iter()
            .filter(|(id, _)| cluster_id.is_empty() || id.as_str() == cluster_id)
            .filter_map(|(id, c)| {
                c.failure.as_ref().map(|why| ClusterFailure {
                    cluster_id: id.clone(),
                    cluster_name: c.name.clone(),
                    message: why.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.cluster_name.cmp(&b.cluster_name));
        out
    }
}
