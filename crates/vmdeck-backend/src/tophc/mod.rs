//! Topsec TopHC `/v1` backend.
//!
//! * `session`: login (MD5 password), bearer token, re-login, the one request path.
//! * `envelope`: `Output` / `BatchOutput` / `each_range_list_state` and error mapping.
//! * `wire`: the documented JSON as forgiving serde types (`backend::lenient`).
//! * `convert`: wire → neutral model (including the snapshot tree).
//! * `reads`: the read calls; `ops`: `plan` + `submit`; `watch`: one `TaskWatch` per kind.
//!
//! The spec is `shared/specs/compute-v1/ENDPOINTS.md` and the Chinese docs next to it.

mod console;
mod convert;
mod envelope;
mod ops;
mod reads;
mod session;
mod watch;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::{Backend, BackendError, HttpCall, Result, SubmitError, TaskWatch, VmQuery};
use crate::{Connection, Identity, Language, WatchTiming};
use session::Api;
use vmdeck_model::operation::Operation;
use vmdeck_model::*;
use wire::RangeState;

/// TopHC's plans need no session: the preview of an operation is its calls, whoever asks.
pub use ops::plan;

/// Page size when a read fetches everything.
const ALL_PAGE_SIZE: u32 = 500;
/// A server that ignores paging must not keep us looping.
const MAX_PAGES: u32 = 1000;
/// The fan-out probe that marks failing clusters must not hold up the cluster list.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct TopHc {
    id: Identity,
    api: Arc<Api>,
    timing: WatchTiming,
}

/// What TopHC can do (ENDPOINTS §4.5 power operations, §4.7–4.8).
pub fn capabilities() -> Capabilities {
    Capabilities {
        snapshot_layout: SnapshotLayout::Tree,
        memory_snapshots: true,
        consistent_snapshots: false,
        volume_snapshots: false,
        snapshot_groups: false,
        edit_snapshot_description: true,
        per_disk_rollback: true,
        snapshot_delete: SnapshotDeleteRule::RefusedWithManyChildren,
        rollback_requires_stopped: false,
        power_actions: true,
        rebuild_vm_from_snapshot: false,
        backup_categories: vec![BackupCategory::Vm],
        backup_points: true,
        backup_full_or_incremental: true,
        backup_plans: false,
        backup_chains: false,
        restore_to_new_vm: true,
        restore_placement: RestorePlacement::ZoneGroupDisks,
        restore_in_place: false,
        backup_sync: false,
        backup_templates: false,
        remote_backups: true,
        database_backups: false,
        task_api: false,
        platform_tasks: false,
        cluster_backups: true,
        console: true,
    }
}

fn backup_page(
    list: &wire::BackupList,
    query: &BackupQuery,
    lang: Language,
) -> Listing<Page<Backup>> {
    let failures = envelope::range_failures(&list.each_range_list_state, lang);
    let cluster = query.scope.cluster();
    let items: Vec<Backup> = list
        .list
        .iter()
        .map(|b| convert::backup(b, cluster))
        .collect();
    let total = list
        .total_count
        .unsigned()
        .unwrap_or(query.page.offset() + items.len() as u64);
    Listing {
        value: Page {
            items,
            total,
            request: query.page,
        },
        failures,
    }
}

/// Decodes one `/v1/compute/backup/list` answer (status 200, `body` as received) exactly as
/// the backend does: envelope, lenient wire types, conversion. Public for the decode
/// benchmark; the backend itself goes through its session.
pub fn decode_backup_page(body: &[u8], query: &BackupQuery) -> Result<Listing<Page<Backup>>> {
    let path = "/v1/compute/backup/list";
    let lang = Language::default();
    match envelope::read_answer(path, 200, body, lang)? {
        envelope::Answer::Data(data) => {
            let list: wire::BackupList = envelope::decode_data(path, data)?;
            Ok(backup_page(&list, query, lang))
        }
        envelope::Answer::SessionRefused(e) => Err(e),
    }
}

/// The profile's url as a base: no trailing `/`, and no trailing `/v1` (the paths have it).
fn base_url(url: &str) -> String {
    super::http::server_root(url, &["/v1"])
}

impl TopHc {
    /// Logs in. A wrong password or user is `Auth`; an unreachable url `Connect`; a server
    /// that is not a TopHC manager a `Decode` error saying so.
    pub async fn connect(conn: impl Into<Connection>, password: SecretString) -> Result<Self> {
        let profile = conn.into();
        let base = base_url(&profile.url);
        super::http::check_server_root(&base, &profile.url)?;
        let user = profile.username.trim().to_string();
        if user.is_empty() {
            return Err(BackendError::Auth(
                "no username: set username in the profile".into(),
            ));
        }
        let tenant = profile
            .tenant
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or("system")
            .to_string();
        let client = super::http::build_client(&profile.http).map_err(BackendError::Refused)?;
        let api = Arc::new(Api::new(
            client,
            base.clone(),
            user.clone(),
            tenant.clone(),
            password,
            profile.language,
        ));
        api.login().await?;
        Ok(Self {
            id: Identity {
                platform: Platform::TopHc,
                caps: capabilities(),
                endpoint: base,
                user: if tenant == "system" {
                    user
                } else {
                    format!("{user}@{tenant}")
                },
            },
            api,
            timing: WatchTiming::default(),
        })
    }

    /// Changes how watches pace themselves and when they give up (tests use short times).
    pub fn with_watch_timing(mut self, timing: WatchTiming) -> Self {
        self.timing = timing;
        self
    }

    /// Reads every page of a list, following `page_number`/`page_num`, and collects the
    /// clusters that failed on the way.
    async fn fetch_all<D: ListPage>(
        &self,
        call: &HttpCall,
        size: u32,
    ) -> Result<(Vec<D::Item>, Vec<ClusterFailure>)> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut failures: Vec<ClusterFailure> = Vec::new();
        for index in 0..MAX_PAGES {
            let page: D = self
                .api
                .read(&reads::paged(call.clone(), index, size))
                .await?;
            let (batch, total, states) = page.into_parts();
            for f in envelope::range_failures(&states, self.api.language()) {
                if !failures.contains(&f) {
                    failures.push(f);
                }
            }
            let n = batch.len();
            let mut new = 0usize;
            for item in batch {
                let key = D::key(&item);
                if key.is_empty() || seen.insert(key) {
                    items.push(item);
                    new += 1;
                }
            }
            let complete = match total {
                Some(t) => items.len() as u64 >= t,
                None => (n as u64) < u64::from(size),
            };
            if n == 0 || new == 0 || complete {
                break;
            }
        }
        Ok((items, failures))
    }
}

/// A list payload: its items, the total the server reports, and the fan-out states.
trait ListPage: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<u64>, Vec<RangeState>);
    /// Identity, to notice a server that ignores paging.
    fn key(item: &Self::Item) -> String;
}

impl ListPage for wire::ComputeList {
    type Item = wire::Compute;
    fn into_parts(self) -> (Vec<wire::Compute>, Option<u64>, Vec<RangeState>) {
        (
            self.domains.0,
            self.total_count.unsigned(),
            self.each_range_list_state.0,
        )
    }
    fn key(item: &wire::Compute) -> String {
        item.uuid.0.clone()
    }
}

impl ListPage for wire::SnapshotList {
    type Item = wire::VsdSnapshot;
    fn into_parts(self) -> (Vec<wire::VsdSnapshot>, Option<u64>, Vec<RangeState>) {
        (self.list.0, self.total_count.unsigned(), Vec::new())
    }
    fn key(item: &wire::VsdSnapshot) -> String {
        item.name.0.clone()
    }
}

impl ListPage for wire::AllowedClusters {
    type Item = wire::AllowedCluster;
    fn into_parts(self) -> (Vec<wire::AllowedCluster>, Option<u64>, Vec<RangeState>) {
        (self.list.0, self.total_count.unsigned(), Vec::new())
    }
    fn key(item: &wire::AllowedCluster) -> String {
        item.uuid.0.clone()
    }
}

impl ListPage for wire::BackupPointList {
    type Item = wire::BackupPointWire;
    fn into_parts(self) -> (Vec<wire::BackupPointWire>, Option<u64>, Vec<RangeState>) {
        (self.list.0, self.total_count.unsigned(), Vec::new())
    }
    fn key(item: &wire::BackupPointWire) -> String {
        item.uuid.0.clone()
    }
}

impl ListPage for wire::ZoneList {
    type Item = wire::Zone;
    fn into_parts(self) -> (Vec<wire::Zone>, Option<u64>, Vec<RangeState>) {
        (self.list.0, self.total_count.unsigned(), Vec::new())
    }
    fn key(item: &wire::Zone) -> String {
        item.uuid.0.clone()
    }
}

impl ListPage for wire::PoolList {
    type Item = wire::Pool;
    fn into_parts(self) -> (Vec<wire::Pool>, Option<u64>, Vec<RangeState>) {
        (
            self.list.0,
            self.total_count.unsigned(),
            self.each_range_list_state.0,
        )
    }
    fn key(item: &wire::Pool) -> String {
        item.uuid.0.clone()
    }
}

#[async_trait]
impl Backend for TopHc {
    fn identity(&self) -> &Identity {
        &self.id
    }

    async fn clusters(&self) -> Result<Listing<Vec<Cluster>>> {
        let (list, _) = self
            .fetch_all::<wire::AllowedClusters>(&reads::cluster_allow_list(), 100)
            .await?;
        let mut clusters: Vec<Cluster> = list.iter().map(convert::cluster).collect();
        // A fan-out VM list (empty cluster_uuid) reports each cluster's own result: the
        // way to learn that a cluster is down. One VM per page keeps it cheap.
        let probe = reads::paged(reads::compute_list(""), 0, 1);
        let failures =
            match tokio::time::timeout(PROBE_TIMEOUT, self.api.read::<wire::ComputeList>(&probe))
                .await
            {
                Ok(Ok(p)) => {
                    envelope::range_failures(&p.each_range_list_state, self.api.language())
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "cluster health probe failed");
                    Vec::new()
                }
                Err(_) => {
                    tracing::warn!("cluster health probe timed out");
                    Vec::new()
                }
            };
        for f in &failures {
            if let Some(c) = clusters.iter_mut().find(|c| {
                (!f.cluster_id.is_empty() && c.id == f.cluster_id) || c.name == f.cluster_name
            }) {
                c.state = ClusterState::Failed(f.message.clone());
            }
        }
        Ok(Listing {
            value: clusters,
            failures,
        })
    }

    async fn vms(&self, cluster: &Named, query: &VmQuery) -> Result<Listing<Page<Vm>>> {
        let call = reads::compute_list_search(&cluster.id, query.search.trim());
        let (raw, total, failures, request) = match query.page {
            Some(page) => {
                let list: wire::ComputeList = self
                    .api
                    .read(&reads::paged(call, page.index, page.size))
                    .await?;
                let failures =
                    envelope::range_failures(&list.each_range_list_state, self.api.language());
                let total = list.total_count.unsigned();
                let items = list.domains.0;
                let total = total.unwrap_or(page.offset() + items.len() as u64);
                (items, total, failures, page)
            }
            None => {
                let (items, failures) = self
                    .fetch_all::<wire::ComputeList>(&call, ALL_PAGE_SIZE)
                    .await?;
                let total = items.len() as u64;
                let size = u32::try_from(total).unwrap_or(u32::MAX);
                (items, total, failures, PageRequest { index: 0, size })
            }
        };
        let items = raw.iter().map(|c| convert::vm(c, cluster)).collect();
        Ok(Listing {
            value: Page {
                items,
                total,
                request,
            },
            failures,
        })
    }

    /// TopHC keeps no change log and no query on `modify_time`: the interval reads again
    /// the pages that hold the rows on screen (one request each, its `total_count` with it),
    /// and `r` everything.
    async fn vm_pages(&self, cluster: &Named, pages: &[ShownPage]) -> Result<VmChanges> {
        let mut upserts: Vec<Vm> = Vec::new();
        let mut were: Vec<&String> = Vec::new();
        let mut total = None;
        for shown in pages {
            let query = VmQuery {
                page: Some(shown.page),
                search: String::new(),
            };
            let listing = self.vms(cluster, &query).await?;
            total = Some(listing.value.total);
            upserts.extend(listing.value.items);
            were.extend(&shown.ids);
        }
        let Some(total) = total else {
            return Ok(VmChanges::Resync);
        };
        // Gone from the pages read; one that only moved to a neighbouring page was read too.
        let here: HashSet<&str> = upserts.iter().map(|v| v.id.as_str()).collect();
        let deleted = were
            .into_iter()
            .filter(|id| !here.contains(id.as_str()))
            .cloned()
            .collect();
        Ok(VmChanges::Partial {
            upserts,
            deleted,
            total,
        })
    }

    async fn console(&self, vm: &VmRef) -> Result<ConsoleAccess> {
        self.read_console(vm).await
    }

    async fn vm_detail(&self, vm: &VmRef) -> Result<VmDetail> {
        let c: wire::Compute = self.api.read(&reads::inspect_vm(vm)).await?;
        Ok(convert::vm_detail(&c, &vm.cluster))
    }

    async fn snapshots(&self, vm: &VmRef) -> Result<SnapshotTree> {
        let tree_call = reads::snapshot_tree(vm);
        let list_call = reads::snapshot_list(vm, "");
        let head_call = reads::snapshot_head(vm);
        let (tree, list, head) = tokio::join!(
            self.api.read::<wire::SnapshotTreeData>(&tree_call),
            self.fetch_all::<wire::SnapshotList>(&list_call, ALL_PAGE_SIZE),
            self.api.read::<wire::VsdSnapshot>(&head_call),
        );
        let tree = tree?.tree;
        let (list, _) = list?;
        Ok(convert::snapshot_tree(tree, &list, head))
    }

    async fn backups(&self, query: &BackupQuery) -> Result<Listing<Page<Backup>>> {
        let list: wire::BackupList = self.api.read(&reads::backup_list(query)).await?;
        Ok(backup_page(&list, query, self.api.language()))
    }

    async fn backup_points(&self, cluster: &Named) -> Result<Vec<BackupPoint>> {
        let (list, _) = self
            .fetch_all::<wire::BackupPointList>(&reads::backup_points(&cluster.id), 100)
            .await?;
        Ok(list.iter().map(convert::backup_point).collect())
    }

    async fn remote_backups(
        &self,
        cluster: &Named,
        point: &Named,
        page: PageRequest,
    ) -> Result<Page<RemoteBackup>> {
        let call = reads::remote_backups(&cluster.id, &point.id, page);
        let list: wire::RemoteBackupList = self.api.read(&call).await?;
        let total = list.total_count.unsigned();
        let mut items = Vec::with_capacity(list.backups.len());
        for raw in list.backups.0 {
            items.push(
                convert::remote_backup(raw, &list.vm_infos).map_err(|reason| {
                    BackendError::Decode {
                        path: call.path.clone(),
                        reason,
                    }
                })?,
            );
        }
        let total = total.unwrap_or(page.offset() + items.len() as u64);
        Ok(Page {
            items,
            total,
            request: page,
        })
    }

    async fn restore_choices(&self, backup: &BackupRef) -> Result<RestoreChoices> {
        let cluster = &backup.cluster;
        let zones_call = reads::zones(&cluster.id);
        let groups_call = reads::group_tree(&cluster.id);
        let pools_call = reads::internal_pools(&cluster.id);
        let (zones, groups, pools) = tokio::join!(
            self.fetch_all::<wire::ZoneList>(&zones_call, 100),
            self.api.read::<wire::GroupTree>(&groups_call),
            self.fetch_all::<wire::PoolList>(&pools_call, 100),
        );
        let (zones, _) = zones?;
        let groups = groups?;
        let (pools, _) = pools?;
        Ok(RestoreChoices {
            zones: zones.iter().map(convert::zone).collect(),
            groups: convert::groups(&groups.list),
            pools: pools
                .iter()
                .filter(|p| !convert::is_repository(p))
                .filter(|p| p.cluster_uuid.is_empty() || p.cluster_uuid.as_str() == cluster.id)
                .map(convert::pool)
                .collect(),
            disk_types: convert::disk_types(),
            ..Default::default()
        })
    }

    fn plan(&self, op: &Operation) -> Result<Vec<HttpCall>> {
        ops::plan(op)
    }

    async fn submit(&self, op: &Operation) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
        ops::submit(&self.api, self.timing, op).await
    }

    async fn logout(&self) {
        self.api.logout().await;
    }
}
