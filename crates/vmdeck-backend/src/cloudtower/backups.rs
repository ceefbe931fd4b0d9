//! The backup service's restore points and plans, restore choices, and the task list.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use super::CloudTower;
use super::convert;
use super::reads;
use super::wire;
use crate::{BackendError, Result, unsupported};
use vmdeck_model::{
    Backup, BackupCategory, BackupFilter, BackupPlan, BackupQuery, BackupRef, BackupScope, Listing,
    Named, Page, Platform, PlatformTask, RestoreChoices, Timestamp,
};

/// How far `backup_chain` walks up `parent_restore_point` links before giving up.
const MAX_CHAIN: usize = 512;

/// A time as `where` compares them: the spec's own format (RFC 3339 UTC, milliseconds).
pub fn wire_time(t: &Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The part of a restore-point `where` that the filter adds (name, plan, time range).
pub fn filter_where(f: &BackupFilter) -> Value {
    let mut m = serde_json::Map::new();
    let name = f.name.trim();
    if !name.is_empty() {
        // Restore points have no name of their own; theirs is the VM's.
        m.insert("vm_name_contains".into(), Value::from(name));
    }
    if let Some(plan) = f.point_id.as_deref().filter(|p| !p.is_empty()) {
        m.insert("backup_plan".into(), json!({"id": plan}));
    }
    if let Some(t) = &f.since {
        m.insert("local_created_at_gte".into(), Value::from(wire_time(t)));
    }
    if let Some(t) = &f.until {
        m.insert("local_created_at_lte".into(), Value::from(wire_time(t)));
    }
    if m.is_empty() {
        Value::Null
    } else {
        Value::Object(m)
    }
}

/// Restore points of one VM: by its id, or by its local id, which the restore points keep
/// after the VM itself is gone (or was rebuilt with a new CloudTower id).
pub fn vm_points_where(vm_id: &str, vm_local_id: Option<&str>) -> Value {
    match vm_local_id.filter(|l| !l.trim().is_empty()) {
        Some(local) if !vm_id.is_empty() => {
            json!({"OR": [{"vm": {"id": vm_id}}, {"vm_local_id": local}]})
        }
        Some(local) => json!({"vm_local_id": local}),
        None => json!({"vm": {"id": vm_id}}),
    }
}

/// Restore points of a cluster: restore points name it by its local id; without one,
/// through their VM (which misses the points of deleted VMs).
pub fn cluster_points_where(cluster_id: &str, cluster_local_id: Option<&str>) -> Value {
    match cluster_local_id.filter(|l| !l.trim().is_empty()) {
        Some(local) => json!({"cluster_local_id": local}),
        None => json!({"vm": {"cluster": {"id": cluster_id}}}),
    }
}

impl CloudTower {
    async fn vm_local_id(&self, vm_id: &str) -> Option<String> {
        if vm_id.is_empty() {
            return None;
        }
        if let Some(f) = self.facts.vm(vm_id) {
            return Some(f.local_id).filter(|l| !l.is_empty());
        }
        match self.read_vm(vm_id).await {
            Ok(v) => v.local_id.non_empty().map(str::to_string),
            Err(e) => {
                tracing::debug!(error = %e, "VM not readable; restore points matched by id only");
                None
            }
        }
    }

    async fn cluster_local_id(&self, cluster_id: &str) -> Option<String> {
        if let Some(c) = self.facts.cluster(cluster_id) {
            return Some(c.local_id).filter(|l| !l.is_empty());
        }
        let list: Vec<wire::Cluster> =
            self.api.read_list(&reads::cluster(cluster_id)).await.ok()?;
        let c = list.into_iter().find(|c| c.id.as_str() == cluster_id)?;
        self.facts.note_cluster(&c);
        c.local_id.non_empty().map(str::to_string)
    }

    async fn scope_where(&self, scope: &BackupScope) -> Value {
        match scope {
            BackupScope::Vm { vm, .. } => {
                let local = self.vm_local_id(&vm.id).await;
                vm_points_where(&vm.id, local.as_deref())
            }
            BackupScope::Cluster { cluster } if cluster.id.is_empty() => Value::Null,
            BackupScope::Cluster { cluster } => {
                let local = self.cluster_local_id(&cluster.id).await;
                cluster_points_where(&cluster.id, local.as_deref())
            }
            BackupScope::Plan { plan, .. } => json!({"backup_plan": {"id": plan.id}}),
        }
    }

    /// The cluster a restore point's VM is in: the one asked about, else the one its
    /// `cluster_local_id` names.
    fn point_cluster(&self, asked: &Named, p: &wire::RestorePoint) -> Named {
        if !asked.id.is_empty() {
            return asked.clone();
        }
        self.facts
            .cluster_by_local_id(p.cluster_local_id.as_str())
            .unwrap_or_default()
    }

    pub(super) async fn read_backups(&self, query: &BackupQuery) -> Result<Listing<Page<Backup>>> {
        if query.category != BackupCategory::Vm {
            return Err(unsupported(
                Platform::CloudTower,
                &format!("{} (only VM restore points)", query.category.label()),
            ));
        }
        let filter = reads::and(
            self.scope_where(&query.scope).await,
            filter_where(&query.filter),
        );
        let page = query.page;
        let list_call = reads::restore_points(filter.clone(), page.size.max(1), page.offset());
        let count_call = reads::restore_points_count(filter);
        let (list, count) = tokio::join!(
            self.api.read_list::<wire::RestorePoint>(&list_call),
            self.api.read::<wire::Connection>(&count_call),
        );
        let list = list?;
        let shown = page.offset() + list.len() as u64;
        let total = match count {
            Ok(c) => c.count().unwrap_or(shown).max(shown),
            Err(e) => {
                tracing::warn!(error = %e, "get-backup-restore-points-connection failed");
                shown
            }
        };
        let ids = id_index(&list);
        let cluster = query.scope.cluster();
        let items = list
            .iter()
            .map(|p| convert::backup(p, self.point_cluster(cluster, p), parent_id(p, &ids)))
            .collect();
        Ok(Listing {
            value: Page {
                items,
                total,
                request: page,
            },
            failures: self.facts.failures(&cluster.id),
        })
    }

    pub(super) async fn read_backup_plans(&self, cluster: &Named) -> Result<Vec<BackupPlan>> {
        let plans: Vec<wire::BackupPlan> = self
            .fetch_all(
                |skip| reads::backup_plans(&cluster.id, skip),
                |p: &wire::BackupPlan| p.id.as_str(),
            )
            .await?;
        Ok(plans
            .iter()
            .map(|p| convert::backup_plan(p, cluster))
            .collect())
    }

    async fn restore_point(&self, id: &str) -> Result<Option<wire::RestorePoint>> {
        let list: Vec<wire::RestorePoint> = self.api.read_list(&reads::restore_point(id)).await?;
        Ok(list
            .into_iter()
            .find(|p| p.id.as_str() == id || p.local_id.as_str() == id))
    }

    /// The chain `backup` belongs to: the full restore point it builds on and every
    /// restore point whose `parent_restore_point` links lead to that full one. Links may
    /// name a parent by id or by local id; the answer always uses ids.
    pub(super) async fn read_backup_chain(&self, backup: &BackupRef) -> Result<Vec<Backup>> {
        let Some(start) = self.restore_point(&backup.id).await? else {
            return Err(BackendError::Platform {
                platform: Platform::CloudTower,
                code: "404".into(),
                message: format!("restore point \"{}\" no longer exists", backup.name),
            });
        };
        // Everything the same plan kept of the same VM: the chain is among these.
        let vm_where = vm_points_where(
            start.vm.as_ref().map_or("", |v| v.id.as_str()),
            start.vm_local_id.non_empty(),
        );
        let filter = match start.backup_plan.as_ref().and_then(|p| p.id.non_empty()) {
            Some(plan) => reads::and(json!({"backup_plan": {"id": plan}}), vm_where),
            None => vm_where,
        };
        let mut points: Vec<wire::RestorePoint> = self
            .fetch_all(
                |skip| reads::restore_points(filter.clone(), reads::PAGE, skip),
                |p: &wire::RestorePoint| p.id.as_str(),
            )
            .await?;
        if !points.iter().any(|p| p.id == start.id) {
            points.push(start.clone());
        }

        // Walk up to the full restore point, fetching parents the list did not have.
        let mut root = start.id.0.clone();
        let mut seen = HashSet::new();
        for _ in 0..MAX_CHAIN {
            if !seen.insert(root.clone()) {
                break; // a cycle: stop where it closes
            }
            let ids = id_index(&points);
            let Some(cur) = points.iter().find(|p| p.id.as_str() == root) else {
                break;
            };
            if cur.kind == wire::PointType::Full {
                break;
            }
            let Some(link) = cur.parent_restore_point.non_empty().map(str::to_string) else {
                break;
            };
            match ids.get(link.as_str()) {
                Some(parent) => root = parent.clone(),
                None => match self.restore_point(&link).await? {
                    Some(parent) => {
                        root = parent.id.0.clone();
                        points.push(parent);
                    }
                    None => break, // the parent is gone; the chain starts here
                },
            }
        }

        let ids = id_index(&points);
        let by_id: HashMap<&str, &wire::RestorePoint> =
            points.iter().map(|p| (p.id.as_str(), p)).collect();
        let reaches_root = |p: &wire::RestorePoint| {
            let mut cur = p;
            for _ in 0..MAX_CHAIN {
                if cur.id.as_str() == root {
                    return true;
                }
                let Some(next) = parent_id(cur, &ids).and_then(|id| by_id.get(id.as_str())) else {
                    return false;
                };
                cur = next;
            }
            false
        };
        let mut chain: Vec<&wire::RestorePoint> =
            points.iter().filter(|p| reaches_root(p)).collect();
        chain.sort_by_key(|p| (lenient_time(p), p.id.0.clone()));
        Ok(chain
            .into_iter()
            .map(|p| {
                let parent = if p.id.as_str() == root {
                    None
                } else {
                    parent_id(p, &ids)
                };
                let mut b = convert::backup(p, self.point_cluster(&backup.cluster, p), parent);
                if p.id.as_str() == root {
                    b.parent = None;
                }
                b
            })
            .collect())
    }

    /// Clusters, hosts and VM networks a restored VM can go to, and the networks the
    /// backed-up VM had (from the restore point's stored configuration).
    pub(super) async fn read_restore_choices(&self, backup: &BackupRef) -> Result<RestoreChoices> {
        let meta_call = reads::restore_point_metadata(&backup.id);
        let (clusters, hosts, vdses, vlans, meta) = tokio::join!(
            self.fetch_all(reads::clusters, |c: &wire::Cluster| c.id.as_str()),
            self.fetch_all(reads::hosts, |h: &wire::Host| h.id.as_str()),
            self.fetch_all(reads::vdses, |v: &wire::Vds| v.id.as_str()),
            self.fetch_all(reads::vm_vlans, |v: &wire::Vlan| v.id.as_str()),
            self.api.read::<wire::VmMetaData>(&meta_call),
        );
        let clusters = clusters?;
        self.facts.note_clusters(&clusters);
        // Only clusters CloudTower is connected to can take a restored VM.
        let usable: Vec<&wire::Cluster> = clusters
            .iter()
            .filter(|c| c.connect_state == wire::ConnectState::Connected)
            .collect();
        let usable_ids: HashSet<&str> = usable.iter().map(|c| c.id.as_str()).collect();
        let cluster_name: HashMap<&str, &str> = clusters
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect();
        // VDS → (cluster id, cluster name): a VLAN belongs to the cluster of its VDS.
        // Only the networks' cluster names depend on this; without it they are still offered.
        let vdses = vdses.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "get-vdses failed; networks are shown without their cluster");
            Vec::new()
        });
        let vds_cluster: HashMap<String, (String, String)> = vdses
            .iter()
            .filter_map(|v| {
                let c = v.cluster.as_ref()?;
                let name = cluster_name
                    .get(c.id.as_str())
                    .copied()
                    .unwrap_or(c.name.as_str());
                Some((v.id.0.clone(), (c.id.0.clone(), name.to_string())))
            })
            .collect();
        let vlans = vlans?;
        let meta = meta?;

        // The source VLANs by local id, named by CloudTower id where it still knows them.
        let mut source_local: Vec<(String, String)> = Vec::new();
        for nic in meta.vm_nics.iter() {
            let Some(local) = nic.vlan_local_id.non_empty() else {
                continue;
            };
            if !source_local.iter().any(|(l, _)| l == local) {
                source_local.push((local.to_string(), nic.vlan_name.0.clone()));
            }
        }
        let mut known: HashMap<String, wire::Vlan> = vlans
            .iter()
            .map(|v| (v.local_id.0.clone(), v.clone()))
            .collect();
        let missing: Vec<String> = source_local
            .iter()
            .filter(|(l, _)| !known.contains_key(l))
            .map(|(l, _)| l.clone())
            .collect();
        if !missing.is_empty() {
            match self
                .api
                .read_list::<wire::Vlan>(&reads::vlans_by_local_id(&missing))
                .await
            {
                Ok(found) => known.extend(found.into_iter().map(|v| (v.local_id.0.clone(), v))),
                Err(e) => tracing::debug!(error = %e, "source VLAN lookup failed"),
            }
        }
        let source_networks = source_local
            .iter()
            .map(|(local, name)| match known.get(local) {
                Some(v) => {
                    let mut n = convert::network(v, &vds_cluster).named();
                    if !name.is_empty() && !n.name.starts_with(name.as_str()) {
                        n.name = format!("{name} (now {})", n.name);
                    }
                    n
                }
                // Gone from CloudTower: only the backup remembers it.
                None => Named::new(
                    local.as_str(),
                    format!(
                        "{} (no longer in CloudTower)",
                        if name.is_empty() { local } else { name }
                    ),
                ),
            })
            .collect();

        Ok(RestoreChoices {
            clusters: usable
                .iter()
                .map(|c| Named::new(c.id.as_str(), c.name.as_str()))
                .collect(),
            hosts: hosts?
                .iter()
                .filter(|h| {
                    h.cluster
                        .as_ref()
                        .is_some_and(|c| usable_ids.contains(c.id.as_str()))
                })
                .map(convert::host_choice)
                .collect(),
            networks: vlans
                .iter()
                .filter(|v| {
                    // A VLAN whose cluster we cannot tell is offered; one of a
                    // disconnected cluster is not.
                    v.vds
                        .as_ref()
                        .and_then(|d| vds_cluster.get(d.id.as_str()))
                        .is_none_or(|(c, _)| usable_ids.contains(c.as_str()))
                })
                .map(|v| convert::network(v, &vds_cluster))
                .collect(),
            source_networks,
            ..Default::default()
        })
    }

    pub(super) async fn read_platform_tasks(&self, cluster: &Named) -> Result<Vec<PlatformTask>> {
        let mut tasks: Vec<wire::Task> = self
            .api
            .read_list(&reads::recent_tasks(&cluster.id))
            .await?;
        // Newest first, as asked, even from a server that ignored `orderBy`.
        tasks.sort_by_key(|t| std::cmp::Reverse(super::time::parse(&t.local_created_at)));
        Ok(tasks.iter().map(convert::platform_task).collect())
    }
}

/// Ids and local ids of restore points → their id.
pub(super) fn id_index(points: &[wire::RestorePoint]) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for p in points {
        if let Some(local) = p.local_id.non_empty() {
            m.insert(local.to_string(), p.id.0.clone());
        }
    }
    // Ids win over local ids when the two collide.
    for p in points {
        if !p.id.is_empty() {
            m.insert(p.id.0.clone(), p.id.0.clone());
        }
    }
    m
}

/// A restore point's parent as an id, when `parent_restore_point` (an id or a local id)
/// names one we know.
pub(super) fn parent_id(p: &wire::RestorePoint, ids: &HashMap<String, String>) -> Option<String> {
    let link = p.parent_restore_point.non_empty()?;
    ids.get(link).filter(|id| **id != p.id.0).cloned()
}

fn lenient_time(p: &wire::RestorePoint) -> Option<Timestamp> {
    super::time::parse(&p.local_created_at)
}
