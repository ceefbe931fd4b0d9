//! Clusters, VMs and snapshots: the reads behind the first three panes.

use std::collections::HashMap;

use super::convert;
use super::reads;
use super::wire;
use super::{CloudTower, VmQuery};
use crate::{BackendError, Result};
use vmdeck_model::{
    Cluster, ClusterState, Listing, Named, Page, PageRequest, SnapshotTree, Vm, VmDetail, VmRef,
};

impl CloudTower {
    pub(super) async fn read_clusters(&self) -> Result<Listing<Vec<Cluster>>> {
        let raw: Vec<wire::Cluster> = self
            .fetch_all(reads::clusters, |c: &wire::Cluster| c.id.as_str())
            .await?;
        self.facts.note_clusters(&raw);
        let clusters: Vec<Cluster> = raw.iter().map(convert::cluster).collect();
        let failures = clusters
            .iter()
            .filter_map(|c| match &c.state {
                ClusterState::Failed(why) => Some(vmdeck_model::ClusterFailure {
                    cluster_id: c.id.clone(),
                    cluster_name: c.name.clone(),
                    message: why.clone(),
                }),
                _ => None,
            })
            .collect();
        Ok(Listing {
            value: clusters,
            failures,
        })
    }

    /// One page (or, without `query.page`, all) of the VMs of a cluster (empty id: all),
    /// with the total from `get-vms-connection`. VMs of a disconnected cluster are listed
    /// from CloudTower's last view of them; the listing says so in `failures`.
    pub(super) async fn read_vms(
        &self,
        cluster: &Named,
        query: &VmQuery,
    ) -> Result<Listing<Page<Vm>>> {
        let filter = reads::vm_filter(&cluster.id, &query.search);
        // Which clusters fail is what CloudTower says of the clusters. Until that is known
        // (this answer can come before the Clusters pane's), it is read here alongside, so
        // the listing says why a cluster fails whichever answer arrives first.
        let clusters = async {
            if self.facts.covers(&cluster.id) {
                return;
            }
            match self
                .fetch_all(reads::clusters, |c: &wire::Cluster| c.id.as_str())
                .await
            {
                Ok(all) => self.facts.note_clusters(&all),
                Err(e) => tracing::warn!(error = %e, "get-clusters beside get-vms failed"),
            }
        };
        let vms = async {
            Ok::<_, BackendError>(match query.page {
                Some(page) => {
                    let list_call = reads::vms(filter.clone(), page.size.max(1), page.offset());
                    let count_call = reads::vms_count(filter);
                    let (list, count) = tokio::join!(
                        self.api.read_list::<wire::Vm>(&list_call),
                        self.api.read::<wire::Connection>(&count_call),
                    );
                    let list = list?;
                    // Without a count the page still shows; the total is what we know of.
                    let total = match count {
                        Ok(c) => c.count(),
                        Err(e) => {
                            tracing::warn!(error = %e, "get-vms-connection failed");
                            None
                        }
                    }
                    .unwrap_or(page.offset() + list.len() as u64)
                    .max(page.offset() + list.len() as u64);
                    (list, total, page)
                }
                None => {
                    let list = self
                        .fetch_all(
                            |skip| reads::vms(filter.clone(), reads::PAGE, skip),
                            |v: &wire::Vm| v.id.as_str(),
                        )
                        .await?;
                    let total = list.len() as u64;
                    let size = u32::try_from(total).unwrap_or(u32::MAX);
                    (list, total, PageRequest { index: 0, size })
                }
            })
        };
        let (vms, ()) = tokio::join!(vms, clusters);
        let (raw, total, request) = vms?;
        raw.iter().for_each(|v| self.facts.note_vm(v));
        let items = raw.iter().map(|v| convert::vm(v, cluster)).collect();
        Ok(Listing {
            value: Page {
                items,
                total,
                request,
            },
            failures: self.facts.failures(&cluster.id),
        })
    }

    /// Reads one VM fresh (and remembers what it says about VMTools).
    pub(super) async fn read_vm(&self, id: &str) -> Result<wire::Vm> {
        let call = reads::vm(id);
        let vm = self
            .api
            .read_list::<wire::Vm>(&call)
            .await?
            .into_iter()
            .find(|v| v.id.as_str() == id)
            .ok_or_else(|| vm_gone(&call.path, id))?;
        self.facts.note_vm(&vm);
        Ok(vm)
    }

    pub(super) async fn read_vm_detail(&self, vm: &VmRef) -> Result<VmDetail> {
        let disks_call = reads::vm_disks(&vm.id);
        let volumes_call = reads::vm_volumes(&vm.id);
        let (v, disks, volumes) = tokio::join!(
            self.read_vm(&vm.id),
            self.api.read_list::<wire::VmDisk>(&disks_call),
            self.api.read_list::<wire::VmVolume>(&volumes_call),
        );
        let v = v?;
        // `VmDisk` ids are not stable (ENDPOINTS §2.11): read fresh each time, never kept.
        let disks: Vec<wire::VmDisk> = disks?
            .into_iter()
            .filter(|d| d.vm.as_ref().is_none_or(|m| m.id.as_str() == vm.id))
            .collect();
        Ok(convert::vm_detail(&v, &vm.cluster, &disks, &volumes?))
    }

    /// The VM's snapshots by creation time with a "now" marker, each with its storage
    /// chain resolved through `get-iscsi-lun-snapshots` (seed 000). When that lookup
    /// fails the snapshots still show; the tree's `problems` say why the chain is missing.
    pub(super) async fn read_snapshots(&self, vm: &VmRef) -> Result<SnapshotTree> {
        let snaps: Vec<wire::VmSnapshot> = self
            .fetch_all(
                |skip| reads::vm_snapshots(&vm.id, skip),
                |s: &wire::VmSnapshot| s.id.as_str(),
            )
            .await?;
        let mut names: Vec<String> = snaps
            .iter()
            .flat_map(|s| s.vm_disks.iter())
            .filter_map(|d| d.snapshot_local_id.non_empty().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        let mut luns: HashMap<String, wire::LunSnapshot> = HashMap::new();
        let mut problems = Vec::new();
        // A 1,000-snapshot VM needs fifteen lookups: a few at once, answers taken in order.
        let calls: Vec<_> = names
            .chunks(reads::NAMES_PER_LOOKUP)
            .map(reads::lun_snapshots)
            .collect();
        'lookups: for window in calls.chunks(LOOKUPS_AT_ONCE) {
            let answers = futures::future::join_all(
                window
                    .iter()
                    .map(|call| self.api.read_list::<wire::LunSnapshot>(call)),
            )
            .await;
            for answer in answers {
                match answer {
                    Ok(found) => {
                        for l in found {
                            luns.insert(l.name.0.clone(), l);
                        }
                    }
                    Err(e) => {
                        problems.push(format!(
                            "the storage chain (iSCSI LUN snapshots) could not be read: {e}"
                        ));
                        break 'lookups;
                    }
                }
            }
        }
        Ok(convert::snapshot_tree(&snaps, &luns, problems))
    }
}

/// LUN snapshot lookups of one tree in flight together.
const LOOKUPS_AT_ONCE: usize = 4;

fn vm_gone(path: &str, id: &str) -> BackendError {
    BackendError::Platform {
        platform: vmdeck_model::Platform::CloudTower,
        code: "404".into(),
        message: format!("CloudTower has no VM with id {id} (it was deleted?) — asked {path}"),
    }
}
