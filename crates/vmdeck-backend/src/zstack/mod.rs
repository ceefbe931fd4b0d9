//! ZStack REST (`/zstack/v1`) backend.
//!
//! * `session`: login (sha512 password), `OAuth` session, re-login, the request paths
//!   (reads, async mutations, api-job polls); `envelope`: what an answer means.
//! * `wire`, `time`: Gson's JSON as forgiving serde types (`backend::lenient`), its
//!   zone-less dates.
//! * `reads`: the query API and every read; `known`: names and root volumes learned.
//! * `convert`, `tree`, `backups`: wire → neutral model (snapshot trees per volume, VM
//!   backups formed from volume backups by `groupUuid`).
//! * `ops`: `plan` + `submit`; `jobs`: following the job uuid we chose; `verify`: re-reading
//!   the resource when the job is gone.
//!
//! The spec is `shared/specs/zstack/ENDPOINTS.md` with `sdk_routes.tsv`, and the ZStack
//! 3.0 disaster-recovery manual (`shared/seeds/004_*`, chapter 4) for backups.

mod backups;
mod console;
mod convert;
mod envelope;
mod jobs;
mod known;
mod ops;
mod reads;
mod session;
mod time;
mod tree;
mod verify;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::tz::TimeZone;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::{
    Backend, BackendError, HttpCall, Result, SubmitError, TaskWatch, VmQuery, unsupported,
};
use crate::{Connection, Identity, WatchTiming};
use convert::Ctx;
use known::{Known, Storage};
use reads::{ALL_PAGE_SIZE, Query};
use session::Api;
use vmdeck_model::operation::Operation;
use vmdeck_model::*;

/// A server that ignores paging must not keep us looping.
const MAX_PAGES: u32 = 1000;
/// Long jobs shown in Tasks.
const LONG_JOBS: u32 = 50;

/// What ZStack can do. Snapshot groups depend on the server (3.6+), found at connect.
pub fn capabilities(snapshot_groups: bool) -> Capabilities {
    Capabilities {
        snapshot_layout: SnapshotLayout::PerVolumeTrees,
        memory_snapshots: false,
        consistent_snapshots: false,
        volume_snapshots: true,
        snapshot_groups,
        // UpdateVolumeSnapshot / UpdateVolumeSnapshotGroup.
        edit_snapshot_description: true,
        per_disk_rollback: false,
        snapshot_delete: SnapshotDeleteRule::RemovesDescendants,
        rollback_requires_stopped: true,
        power_actions: true,
        rebuild_vm_from_snapshot: false,
        backup_categories: vec![
            BackupCategory::Vm,
            BackupCategory::Volume,
            BackupCategory::Database,
        ],
        backup_points: true,
        // `mode: full | incremental` on CreateVolumeBackup / CreateVmBackup.
        backup_full_or_incremental: true,
        backup_plans: false,
        backup_chains: false,
        // The 3.0 manual documents no VM made from a backup.
        restore_to_new_vm: false,
        restore_placement: RestorePlacement::NameOnly,
        restore_in_place: true,
        backup_sync: true,
        backup_templates: true,
        remote_backups: false,
        database_backups: true,
        task_api: true,
        platform_tasks: true,
        cluster_backups: true,
        console: true,
    }
}

/// The profile's url as the server root: `http://mn:8080`, with a trailing `/zstack` or
/// `/zstack/v1` taken off (every path starts with `/zstack/v1`).
pub fn root_url(url: &str) -> String {
    super::http::server_root(url, &["/zstack/v1", "/zstack"])
}

/// `"3.6.0"` → `(3, 6)`.
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.trim().split(['.', '-', ' ']);
    let major = parts.next()?.trim_start_matches(['v', 'V']).parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

pub struct ZStack {
    id: Identity,
    version: Option<String>,
    api: Arc<Api>,
    known: Arc<Known>,
    pending: ops::Pending,
    tz: TimeZone,
    timing: WatchTiming,
}

/// Items that say who they are, so a server ignoring `start` cannot make us loop.
trait Keyed {
    fn key(&self) -> &str;
}

macro_rules! keyed {
    ($($t:ty),*) => {$(impl Keyed for $t { fn key(&self) -> &str { self.uuid.as_str() } })*};
}
keyed!(
    wire::Zone,
    wire::Cluster,
    wire::VmInstance,
    wire::VmNic,
    wire::Volume,
    wire::VolumeSnapshot,
    wire::SnapshotTree,
    wire::SnapshotGroup,
    wire::BackupStorage,
    wire::VolumeBackup,
    wire::LongJob
);

/// Every row of a query, page by page (rows seen twice, as paging shifts under us, once).
async fn fetch_all<T: DeserializeOwned + Keyed>(api: &Api, q: &Query) -> Result<Vec<T>> {
    let mut items: Vec<T> = Vec::new();
    let mut seen = HashSet::new();
    for index in 0..MAX_PAGES {
        let start = u64::from(index) * u64::from(ALL_PAGE_SIZE);
        let reply: wire::Query<T> = api
            .read(&q.clone().page(start, ALL_PAGE_SIZE).call())
            .await?;
        let total = reply.total.unsigned();
        let batch = reply.into_items();
        let n = batch.len();
        let mut new = 0;
        for item in batch {
            let key = item.key().to_string();
            if key.is_empty() || seen.insert(key) {
                items.push(item);
                new += 1;
            }
        }
        let complete = match total {
            Some(t) => items.len() as u64 >= t,
            None => (n as u64) < u64::from(ALL_PAGE_SIZE),
        };
        if n == 0 || new == 0 || complete {
            break;
        }
    }
    Ok(items)
}

impl ZStack {
    /// Logs in and finds out what the server has. A wrong password is `Auth`, an
    /// unreachable url `Connect`, a server that is not ZStack a `Decode` error saying so.
    pub async fn connect(conn: impl Into<Connection>, password: SecretString) -> Result<Self> {
        let profile = conn.into();
        let root = root_url(&profile.url);
        super::http::check_server_root(&root, &profile.url)?;
        let user = profile.username.trim().to_string();
        if user.is_empty() {
            return Err(BackendError::Auth(
                "no username: set username (the ZStack account name) in the profile".into(),
            ));
        }
        let client = super::http::build_client(&profile.http).map_err(BackendError::Refused)?;
        let api = Arc::new(Api::new(client, root.clone(), user.clone(), &password));
        api.login().await?;
        let version = api.version().await;
        let groups = Self::detect_groups(&api, version.as_deref()).await;
        tracing::info!(version = ?version, snapshot_groups = groups, "connected to ZStack");
        let backend = Self {
            id: Identity {
                platform: Platform::ZStack,
                caps: capabilities(groups),
                endpoint: format!("{root}/zstack/v1"),
                user,
            },
            version,
            api,
            known: Arc::new(Known::default()),
            pending: ops::Pending::default(),
            tz: profile.time_zone.clone(),
            // ZStack drops a finished job at once; 10 s is plenty for its effect to show.
            timing: WatchTiming {
                settle: std::time::Duration::from_secs(10),
                ..WatchTiming::default()
            },
        };
        // Recovering a backup needs to know the storages; the forms list them anyway.
        if let Err(e) = backend.storages().await {
            tracing::debug!(error = %e, "backup storages not read at connect");
        }
        Ok(backend)
    }

    /// Snapshot groups came with 3.6. The query endpoint answers for itself: a count
    /// works where they exist, "no api mapping" (404) where not; the version decides
    /// when the probe says neither.
    async fn detect_groups(api: &Api, version: Option<&str>) -> bool {
        match api
            .read_once::<wire::Query<wire::SnapshotGroup>>(&reads::groups_probe())
            .await
        {
            Ok(_) => true,
            Err(BackendError::Http {
                status: 400 | 404 | 405,
                ..
            }) => false,
            Err(e) => {
                tracing::debug!(error = %e, "snapshot group probe failed; going by the version");
                version.and_then(major_minor).is_some_and(|v| v >= (3, 6))
            }
        }
    }

    /// Changes how watches pace themselves and when they give up (tests use short times).
    pub fn with_watch_timing(mut self, timing: WatchTiming) -> Self {
        self.timing = timing;
        self
    }

    /// The management node's version, when it said.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            tz: &self.tz,
            known: &self.known,
        }
    }

    fn plan_ctx(&self) -> ops::PlanCtx<'_> {
        ops::PlanCtx {
            known: &self.known,
            snapshot_groups: self.id.caps.snapshot_groups,
            tz: &self.tz,
        }
    }

    /// Every row of a query, page by page.
    async fn fetch_all<T: DeserializeOwned + Keyed>(&self, q: &Query) -> Result<Vec<T>> {
        fetch_all(&self.api, q).await
    }

    async fn storages(&self) -> Result<Vec<wire::BackupStorage>> {
        let list: Vec<wire::BackupStorage> = self.fetch_all(&reads::backup_storages()).await?;
        self.known.set_storages(
            list.iter()
                .map(|b| Storage {
                    id: b.uuid.0.clone(),
                    name: b.name.0.clone(),
                    image_store: convert::is_image_store(b),
                    enabled: b.state == wire::EnableState::Enabled,
                    zones: b.attached_zone_uuids.iter().map(|z| z.0.clone()).collect(),
                })
                .collect(),
        );
        Ok(list)
    }

    /// IPs for a page of VMs, from one NIC query per hundred VMs. Best effort.
    async fn nics(&self, vms: &[wire::VmInstance]) -> Vec<wire::VmNic> {
        let ids: Vec<String> = vms
            .iter()
            .map(|v| v.uuid.0.clone())
            .filter(|u| !u.is_empty())
            .collect();
        // A hundred uuids a query keeps the URL well inside what a manager's web server
        // takes; the queries of one page go out together rather than one after another.
        let queries: Vec<_> = ids.chunks(100).map(reads::nics).collect();
        let answers =
            futures::future::join_all(queries.iter().map(|q| self.fetch_all::<wire::VmNic>(q)))
                .await;
        let mut out = Vec::new();
        for answer in answers {
            match answer {
                Ok(list) => out.extend(list),
                Err(e) => {
                    tracing::warn!(error = %e, "NIC query failed; VM addresses left out");
                }
            }
        }
        out
    }

    async fn name_things(&self, vms: &[wire::VmInstance]) {
        let k = &self.known;
        k.resolve(
            &self.api,
            "clusters",
            vms.iter().map(|v| v.cluster_uuid.as_str()),
        )
        .await;
        k.resolve(&self.api, "zones", vms.iter().map(|v| v.zone_uuid.as_str()))
            .await;
        k.resolve(&self.api, "hosts", vms.iter().map(|v| v.host_uuid.as_str()))
            .await;
    }
}

#[async_trait]
impl Backend for ZStack {
    fn identity(&self) -> &Identity {
        &self.id
    }

    async fn clusters(&self) -> Result<Listing<Vec<Cluster>>> {
        let (zones_q, clusters_q) = (reads::zones(), reads::clusters());
        let (zones, clusters) = tokio::join!(
            self.fetch_all::<wire::Zone>(&zones_q),
            self.fetch_all::<wire::Cluster>(&clusters_q),
        );
        match zones {
            Ok(zones) => zones
                .iter()
                .for_each(|z| self.known.learn(&z.uuid, &z.name)),
            Err(e) => tracing::debug!(error = %e, "zones not read"),
        }
        let clusters = clusters?;
        for c in &clusters {
            self.known.learn(&c.uuid, &c.name);
        }
        let ctx = self.ctx();
        Ok(Listing::complete(
            clusters.iter().map(|c| convert::cluster(c, &ctx)).collect(),
        ))
    }

    async fn vms(&self, cluster: &Named, query: &VmQuery) -> Result<Listing<Page<Vm>>> {
        let q = reads::vms(&cluster.id, &query.search);
        let (raw, total, request) = match query.page {
            Some(page) => {
                let reply: wire::Query<wire::VmInstance> = self
                    .api
                    .read(&q.page(page.offset(), page.size).call())
                    .await?;
                let total = reply.total.unsigned();
                let items = reply.into_items();
                let total = total.unwrap_or(page.offset() + items.len() as u64);
                (items, total, page)
            }
            None => {
                let items = self.fetch_all::<wire::VmInstance>(&q).await?;
                let total = items.len() as u64;
                let size = u32::try_from(total).unwrap_or(u32::MAX);
                (items, total, PageRequest { index: 0, size })
            }
        };
        let (nics, ()) = tokio::join!(self.nics(&raw), self.name_things(&raw));
        let ctx = self.ctx();
        let mut by_vm: std::collections::HashMap<&str, Vec<&wire::VmNic>> =
            std::collections::HashMap::with_capacity(raw.len());
        for n in &nics {
            by_vm
                .entry(n.vm_instance_uuid.as_str())
                .or_default()
                .push(n);
        }
        let items = raw
            .iter()
            .map(|v| {
                let mine = by_vm.get(v.uuid.as_str()).map(Vec::as_slice).unwrap_or(&[]);
                convert::vm(v, mine, cluster, &ctx)
            })
            .collect();
        Ok(Listing::complete(Page {
            items,
            total,
            request,
        }))
    }

    async fn console(&self, vm: &VmRef) -> Result<ConsoleAccess> {
        self.read_console(vm).await
    }

    async fn vm_detail(&self, vm: &VmRef) -> Result<VmDetail> {
        let reply: wire::Query<wire::VmInstance> = self.api.read(&reads::vm(&vm.id)).await?;
        let Some(v) = reply.into_items().into_iter().next() else {
            return Err(BackendError::Refused(format!(
                "VM {} no longer exists on ZStack",
                vm.name
            )));
        };
        self.name_things(std::slice::from_ref(&v)).await;
        self.known
            .resolve(
                &self.api,
                "primary-storage",
                v.all_volumes
                    .iter()
                    .map(|vol| vol.primary_storage_uuid.as_str()),
            )
            .await;
        Ok(convert::vm_detail(&v, &vm.cluster, &self.ctx()))
    }

    async fn snapshots(&self, vm: &VmRef) -> Result<SnapshotTree> {
        let volumes: Vec<wire::Volume> = self
            .fetch_all(&reads::volumes_of(&vm.id))
            .await?
            .into_iter()
            .filter(|v: &wire::Volume| {
                matches!(v.kind, wire::VolumeType::Root | wire::VolumeType::Data)
            })
            .collect();
        let ids: Vec<String> = volumes.iter().map(|v| v.uuid.0.clone()).collect();
        let groups = async {
            if self.id.caps.snapshot_groups {
                self.fetch_all::<wire::SnapshotGroup>(&reads::groups_of(&vm.id))
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        };
        let (trees, snaps, groups) = if ids.is_empty() {
            (Ok(Vec::new()), Ok(Vec::new()), groups.await)
        } else {
            // The tree records without their nested `tree` (a 64-deep chain nests past
            // what a JSON parser should follow); the structure comes from the flat list.
            let trees_q = reads::trees(&ids).fields(&[
                "uuid",
                "volumeUuid",
                "current",
                "status",
                "createDate",
            ]);
            let snaps_q = Query::new("volume-snapshots")
                .any_of("volumeUuid", &ids)
                .sort("+createDate");
            tokio::join!(
                self.fetch_all::<wire::SnapshotTree>(&trees_q),
                self.fetch_all::<wire::VolumeSnapshot>(&snaps_q),
                groups,
            )
        };
        let trees = match trees {
            Ok(t) => t,
            Err(e @ BackendError::Decode { .. }) => {
                tracing::warn!(error = %e, "snapshot trees unreadable; judging 'now' from the snapshots");
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let groups = groups?;
        Ok(tree::vm_view(
            &volumes,
            &trees,
            &snaps?,
            groups.as_deref(),
            &self.ctx(),
        ))
    }

    async fn backups(&self, query: &BackupQuery) -> Result<Listing<Page<Backup>>> {
        backups::Lister {
            api: &self.api,
            known: &self.known,
            tz: &self.tz,
        }
        .list(query)
        .await
    }

    async fn backup_points(&self, _cluster: &Named) -> Result<Vec<BackupPoint>> {
        // Backup storages belong to zones, not clusters; every one is offered.
        let list = self.storages().await?;
        Ok(list.iter().map(convert::backup_point).collect())
    }

    async fn remote_backups(
        &self,
        _cluster: &Named,
        _point: &Named,
        _page: PageRequest,
    ) -> Result<Page<RemoteBackup>> {
        Err(unsupported(
            Platform::ZStack,
            "remote backup import (use Recover backup from another backup storage)",
        ))
    }

    async fn restore_choices(&self, _backup: &BackupRef) -> Result<RestoreChoices> {
        Err(unsupported(Platform::ZStack, "restore to a new VM"))
    }

    async fn platform_tasks(&self, _cluster: &Named) -> Result<Vec<PlatformTask>> {
        let reply: wire::Query<wire::LongJob> =
            self.api.read(&reads::long_jobs(LONG_JOBS).call()).await?;
        let jobs = reply.into_items();
        // A long job's target is a VM, a volume or an image, by uuid only.
        for resource in ["vm-instances", "volumes", "images"] {
            self.known
                .resolve(
                    &self.api,
                    resource,
                    jobs.iter().map(|j| j.target_resource_uuid.as_str()),
                )
                .await;
        }
        let ctx = self.ctx();
        Ok(jobs.iter().map(|j| convert::long_job(j, &ctx)).collect())
    }

    fn plan(&self, op: &Operation) -> Result<Vec<HttpCall>> {
        let ctx = self.plan_ctx();
        self.pending
            .get_or_plan(op, || ops::plan_with(op, &ctx, &jobs::new_job_uuid()))
            .map(|call| vec![call])
    }

    async fn submit(&self, op: &Operation) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
        ops::Submitter {
            api: &self.api,
            ctx: self.plan_ctx(),
            pending: &self.pending,
            timing: self.timing,
        }
        .submit(op)
        .await
    }

    async fn logout(&self) {
        self.api.logout().await;
    }
}
