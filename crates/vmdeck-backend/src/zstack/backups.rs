//! Backup lists, paged by the server (ENDPOINTS §9, manual §4.3, §4.16).
//!
//! * Volume backups: `volume-backups` rows without a `groupUuid`.
//! * VM backups have no inventory of their own: they are the volume backups sharing a
//!   `groupUuid`. The server pages over the root volume's row of each group (`type=Root`),
//!   one row per VM backup, so totals are right; the other members are read by group.
//!   A server that leaves `type` out gets the groups formed on our side.
//! * Database backups: `database-backups`, which belong to no cluster.
//!
//! A cluster's backups are those of its VMs (`vmInstance.clusterUuid`, an expanded field).

use std::collections::HashMap;

use jiff::tz::TimeZone;

use super::convert::{self, BackupOwner, Ctx};
use super::known::Known;
use super::reads::{self, Query, like};
use super::session::Api;
use super::time::sql_time;
use super::wire::{DatabaseBackup, Query as Reply, VmInstance, Volume, VolumeBackup};
use crate::Result;
use vmdeck_model::{
    Backup, BackupCategory, BackupFilter, BackupQuery, BackupScope, Listing, Named, Page,
    PageRequest, Timestamp,
};

/// Groups formed on our side read at most this many rows.
const CLIENT_GROUPING_MAX: u32 = 5000;

pub struct Lister<'a> {
    pub api: &'a Api,
    pub known: &'a Known,
    pub tz: &'a TimeZone,
}

fn plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Lister<'_> {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            tz: self.tz,
            known: self.known,
        }
    }

    fn filtered(&self, mut q: Query, f: &BackupFilter) -> Query {
        if !f.name.trim().is_empty() {
            q = q.q(like("name", &f.name));
        }
        if let Some(p) = f.point_id.as_deref().filter(|p| plain_id(p)) {
            q = q.eq("backupStorage.uuid", p);
        }
        if let Some(t) = &f.since {
            q = q.q(format!("createDate>={}", sql_time(t, self.tz)));
        }
        if let Some(t) = &f.until {
            q = q.q(format!("createDate<={}", sql_time(t, self.tz)));
        }
        q.sort("-createDate")
    }

    pub async fn list(&self, query: &BackupQuery) -> Result<Listing<Page<Backup>>> {
        let page = match query.category {
            BackupCategory::Database => self.database(query).await?,
            BackupCategory::Volume => self.volumes(query).await?,
            BackupCategory::Vm => self.vm_backups(query).await?,
        };
        Ok(Listing::complete(page))
    }

    async fn database(&self, query: &BackupQuery) -> Result<Page<Backup>> {
        let p = query.page;
        let q = self
            .filtered(reads::database_backups(), &query.filter)
            .page(p.offset(), p.size);
        let reply: Reply<DatabaseBackup> = self.api.read(&q.call()).await?;
        let total = reply.total.unsigned();
        let items = reply.into_items();
        self.storages_named(items.iter().flat_map(|b| b.backup_storage_refs.iter()))
            .await;
        let ctx = self.ctx();
        let backups: Vec<Backup> = items
            .iter()
            .map(|b| convert::database_backup(b, &ctx))
            .collect();
        Ok(page_of(backups, total, p))
    }

    /// The scope as conditions; `None` when it cannot hold any backup.
    async fn scoped(
        &self,
        mut q: Query,
        scope: &BackupScope,
        standalone: bool,
    ) -> Result<Option<Query>> {
        match scope {
            BackupScope::Vm { vm, .. } => {
                if standalone {
                    // A volume backup need not name its VM: ask by the VM's volumes.
                    let vols: Reply<Volume> =
                        self.api.read(&reads::volumes_of(&vm.id).call()).await?;
                    let ids: Vec<String> = vols
                        .into_items()
                        .into_iter()
                        .map(|v| v.uuid.0)
                        .filter(|u| plain_id(u))
                        .collect();
                    if ids.is_empty() {
                        return Ok(None);
                    }
                    q = q.any_of("volumeUuid", &ids);
                } else {
                    q = q.eq("vmInstanceUuid", &vm.id);
                }
            }
            BackupScope::Cluster { cluster } => {
                if !cluster.id.is_empty() {
                    q = q.eq("vmInstance.clusterUuid", &cluster.id);
                }
            }
            // ZStack has no backup plans.
            BackupScope::Plan { .. } => return Ok(None),
        }
        Ok(Some(q))
    }

    async fn volumes(&self, query: &BackupQuery) -> Result<Page<Backup>> {
        let p = query.page;
        let base = reads::volume_backups().q("groupUuid is null");
        let Some(q) = self.scoped(base, &query.scope, true).await? else {
            return Ok(Page::empty(p));
        };
        let q = self.filtered(q, &query.filter).page(p.offset(), p.size);
        let reply: Reply<VolumeBackup> = self.api.read(&q.call()).await?;
        let total = reply.total.unsigned();
        let items = reply.into_items();
        let owners = self.owners(&items, &query.scope).await;
        let ctx = self.ctx();
        let backups = items
            .iter()
            .map(|b| convert::volume_backup(b, &owner_of(&owners, b, &query.scope, &ctx), &ctx))
            .collect();
        Ok(page_of(backups, total, p))
    }

    async fn vm_backups(&self, query: &BackupQuery) -> Result<Page<Backup>> {
        let p = query.page;
        let base = reads::volume_backups().q("groupUuid not null");
        let Some(scoped) = self.scoped(base, &query.scope, false).await? else {
            return Ok(Page::empty(p));
        };
        let heads_q = self
            .filtered(scoped.clone().eq("type", "Root"), &query.filter)
            .page(p.offset(), p.size);
        let heads: Reply<VolumeBackup> = self.api.read(&heads_q.call()).await?;
        let total = heads.total.unsigned();
        let heads = heads.into_items();
        let (groups, total): (Vec<String>, Option<u64>) =
            if !heads.is_empty() || total.unwrap_or(0) > 0 {
                (
                    heads
                        .iter()
                        .filter_map(|h| h.group_uuid.non_empty().map(str::to_string))
                        .collect(),
                    total,
                )
            } else {
                self.groups_on_our_side(scoped, query).await?
            };
        let groups: Vec<String> = groups.into_iter().filter(|g| plain_id(g)).collect();
        if groups.is_empty() {
            return Ok(page_of(Vec::new(), total, p));
        }
        // Every member, however many volumes a VM has: a cut list would drop disks.
        let members: Vec<VolumeBackup> =
            super::fetch_all(self.api, &reads::vm_backup_members(&groups)).await?;
        let owners = self.owners(&members, &query.scope).await;
        let ctx = self.ctx();
        let backups = groups
            .iter()
            .map(|g| {
                let mine: Vec<&VolumeBackup> = members
                    .iter()
                    .filter(|m| m.group_uuid.as_str() == g)
                    .collect();
                let owner = match mine.first() {
                    Some(m) => owner_of(&owners, m, &query.scope, &ctx),
                    None => BackupOwner {
                        vm: Named::default(),
                        cluster: query.scope.cluster().clone(),
                    },
                };
                convert::vm_backup(g, &mine, &owner, &ctx)
            })
            .collect();
        Ok(page_of(backups, total, p))
    }

    /// For servers whose volume backups carry no `type`: every member row, grouped here.
    async fn groups_on_our_side(
        &self,
        scoped: Query,
        query: &BackupQuery,
    ) -> Result<(Vec<String>, Option<u64>)> {
        let q = self
            .filtered(scoped, &query.filter)
            .page(0, CLIENT_GROUPING_MAX);
        let rows: Reply<VolumeBackup> = self.api.read(&q.call()).await?;
        let rows = rows.into_items();
        let ctx = self.ctx();
        // Newest first, one entry per group.
        let mut order: Vec<(Option<Timestamp>, String)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for r in &rows {
            let Some(g) = r.group_uuid.non_empty() else {
                continue;
            };
            let t = ctx.time(&r.create_date);
            match seen.get(g) {
                Some(&i) => {
                    if let Some(entry) = order.get_mut(i).filter(|e| t > e.0) {
                        entry.0 = t;
                    }
                }
                None => {
                    seen.insert(g.to_string(), order.len());
                    order.push((t, g.to_string()));
                }
            }
        }
        order.sort_by_key(|e| std::cmp::Reverse(e.0));
        let total = order.len() as u64;
        let p = query.page;
        let start = usize::try_from(p.offset()).unwrap_or(usize::MAX);
        let groups = order
            .into_iter()
            .skip(start)
            .take(p.size as usize)
            .map(|(_, g)| g)
            .collect();
        Ok((groups, Some(total)))
    }

    /// Names of the storages a list mentions.
    async fn storages_named<'b>(
        &self,
        refs: impl Iterator<Item = &'b super::wire::BackupStorageRef>,
    ) {
        let ids: Vec<String> = refs.map(|r| r.backup_storage_uuid.0.clone()).collect();
        self.known
            .resolve(self.api, "backup-storage", ids.iter().map(String::as_str))
            .await;
    }

    /// VM, cluster, volume and storage names for a page of volume backups. Best effort.
    async fn owners(&self, rows: &[VolumeBackup], scope: &BackupScope) -> HashMap<String, Named> {
        self.storages_named(rows.iter().flat_map(|b| b.backup_storage_refs.iter()))
            .await;
        self.known
            .resolve(
                self.api,
                "volumes",
                rows.iter().map(|b| b.volume_uuid.as_str()),
            )
            .await;
        let mut vm_cluster: HashMap<String, String> = HashMap::new();
        if let BackupScope::Vm { .. } = scope {
            return HashMap::new();
        }
        let mut vms: Vec<String> = rows
            .iter()
            .filter_map(|b| b.vm_instance_uuid.non_empty().map(str::to_string))
            .filter(|u| plain_id(u))
            .collect();
        vms.sort();
        vms.dedup();
        for chunk in vms.chunks(100) {
            let q = Query::new("vm-instances")
                .any_of("uuid", chunk)
                .fields(&["uuid", "name", "clusterUuid", "zoneUuid"])
                .page(0, chunk.len() as u32);
            match self.api.read::<Reply<VmInstance>>(&q.call()).await {
                Ok(reply) => {
                    for v in reply.into_items() {
                        self.known.learn(&v.uuid, &v.name);
                        self.known.learn_zone(&v.uuid, &v.zone_uuid);
                        vm_cluster.insert(v.uuid.0.clone(), v.cluster_uuid.0.clone());
                    }
                }
                Err(e) => tracing::debug!(error = %e, "VM look-up for backups failed"),
            }
        }
        self.known
            .resolve(
                self.api,
                "clusters",
                vm_cluster.values().map(String::as_str),
            )
            .await;
        vm_cluster
            .into_iter()
            .map(|(vm, c)| {
                let named = if c.is_empty() {
                    Named::default()
                } else {
                    self.known.named(&c)
                };
                (vm, named)
            })
            .collect()
    }
}

fn owner_of(
    clusters: &HashMap<String, Named>,
    b: &VolumeBackup,
    scope: &BackupScope,
    ctx: &Ctx,
) -> BackupOwner {
    match scope {
        BackupScope::Vm { cluster, vm } => BackupOwner {
            vm: vm.clone(),
            cluster: cluster.clone(),
        },
        _ => {
            let vm = b
                .vm_instance_uuid
                .non_empty()
                .map(|u| ctx.known.named(u))
                .unwrap_or_default();
            let cluster = match scope.cluster() {
                c if !c.id.is_empty() => c.clone(),
                _ => clusters.get(&vm.id).cloned().unwrap_or_default(),
            };
            BackupOwner { vm, cluster }
        }
    }
}

fn page_of(items: Vec<Backup>, total: Option<u64>, request: PageRequest) -> Page<Backup> {
    let total = total.unwrap_or(request.offset() + items.len() as u64);
    Page {
        items,
        total,
        request,
    }
}
