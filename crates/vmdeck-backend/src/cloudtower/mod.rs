//! SmartX CloudTower `/v2/api` backend (official OpenAPI 4.6.0).
//!
//! * `session`: login (LOCAL/LDAP) or API token, `Authorization`, `content-language`,
//!   re-login once on 401, the one request path. `answer`: status codes and `ErrorBody`.
//! * `wire`: the spec's JSON as forgiving serde types (`backend::lenient`); `time`: its
//!   timestamps.
//! * `convert/`: wire → neutral model (inventory, tasks, backups). `facts`: what reads
//!   taught us (VMTools states, local ids).
//! * `reads`: the read calls; `inventory` (clusters, VMs, snapshots with their storage
//!   chain) and `backups` (restore points, plans, chains, restore choices, tasks) use them.
//! * `ops`: `plan` + `submit`; `watch`: following `task_id`s, and re-reading after a lost answer.
//!
//! The spec is `shared/specs/cloudtower/4.6.0-swagger.json`, summarised in `ENDPOINTS.md`
//! next to it; seeds 000/001 describe the storage chain of a snapshot.

mod answer;
mod backups;
mod changes;
mod console;
mod convert;
mod facts;
mod inventory;
mod ops;
mod reads;
mod session;
mod time;
mod watch;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::http::HttpOptions;
use super::{Backend, BackendError, HttpCall, Result, SubmitError, TaskWatch, VmQuery};
use crate::{Connection, Identity, WatchTiming};
use facts::Facts;
use session::{Api, Credentials};
use vmdeck_model::operation::Operation;
use vmdeck_model::*;

/// A server that ignores paging must not keep us looping.
const MAX_PAGES: u64 = 1000;

pub struct CloudTower {
    id: Identity,
    api: Arc<Api>,
    facts: Arc<Facts>,
    timing: WatchTiming,
}

/// What CloudTower 4.6.0 can do, as vmdeck uses it.
pub fn capabilities() -> Capabilities {
    Capabilities {
        snapshot_layout: SnapshotLayout::Flat,
        memory_snapshots: false,
        consistent_snapshots: true,
        volume_snapshots: false,
        snapshot_groups: false,
        // The spec has no operation that changes a VM snapshot.
        edit_snapshot_description: false,
        per_disk_rollback: false,
        snapshot_delete: SnapshotDeleteRule::Single,
        rollback_requires_stopped: false,
        // `shutdown-vm`, `poweroff-vm` and `start-vm` take just `{where}`.
        power_actions: true,
        rebuild_vm_from_snapshot: true,
        backup_categories: vec![BackupCategory::Vm],
        backup_points: false,
        backup_full_or_incremental: false,
        backup_plans: true,
        backup_chains: true,
        restore_to_new_vm: true,
        restore_placement: RestorePlacement::ClusterHostNetworks,
        restore_in_place: true,
        backup_sync: false,
        backup_templates: false,
        remote_backups: false,
        database_backups: false,
        task_api: true,
        platform_tasks: true,
        cluster_backups: true,
        console: true,
    }
}

/// The profile's url as the server root: no trailing `/`, and no trailing `/v2/api`
/// (the paths have it).
fn base_url(url: &str) -> String {
    super::http::server_root(url, &[session::PREFIX, "/v2"])
}

impl CloudTower {
    /// Logs in with a password, or checks the API token (`profile.uses_token`: then
    /// `secret` is the token). A refused login is `Auth`, an unreachable url `Connect`, a
    /// server that is not a CloudTower a `Decode` error saying so.
    pub async fn connect(conn: impl Into<Connection>, secret: SecretString) -> Result<Self> {
        let conn = conn.into();
        let http = conn.http.clone();
        Self::connect_with(conn, secret, http).await
    }

    /// [`CloudTower::connect`] with other HTTP options (tests use a short timeout).
    pub async fn connect_with(
        conn: impl Into<Connection>,
        secret: SecretString,
        http: HttpOptions,
    ) -> Result<Self> {
        let profile = conn.into();
        let base = base_url(&profile.url);
        super::http::check_server_root(&base, &profile.url)?;
        let user = profile.username.trim().to_string();
        let credentials = if profile.uses_token {
            Credentials::Token
        } else {
            if user.is_empty() {
                return Err(BackendError::Auth(
                    "no username: set username in the profile (or token_env/token_command for an API token)"
                        .into(),
                ));
            }
            Credentials::Password {
                user: user.clone(),
                source: profile.login_source,
            }
        };
        let timeout = http.timeout.unwrap_or(super::http::DEFAULT_TIMEOUT);
        let client = super::http::build_client(&http).map_err(BackendError::Refused)?;
        let api = Arc::new(Api::new(
            client,
            base.clone(),
            profile.language,
            credentials,
            secret,
            timeout,
        ));
        api.start().await?;
        Ok(Self {
            id: Identity {
                platform: Platform::CloudTower,
                caps: capabilities(),
                endpoint: base,
                user: match (profile.uses_token, user.is_empty()) {
                    (true, true) => "API token".into(),
                    (true, false) => format!("{user} (API token)"),
                    _ => user,
                },
            },
            api,
            facts: Arc::new(Facts::default()),
            timing: WatchTiming::default(),
        })
    }

    /// Changes how watches pace themselves and when they give up (tests use short times).
    pub fn with_watch_timing(mut self, timing: WatchTiming) -> Self {
        self.timing = timing;
        self
    }

    /// Reads every page of a list, `first`/`skip` at a time, until a short page. Rows
    /// already seen (by `key`) are dropped, and a page of nothing new ends the loop, so a
    /// server that ignores `skip` cannot make us loop.
    async fn fetch_all<T: DeserializeOwned>(
        &self,
        page: impl Fn(u64) -> HttpCall,
        key: impl Fn(&T) -> &str,
    ) -> Result<Vec<T>> {
        let mut items: Vec<T> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut skip = 0u64;
        for _ in 0..MAX_PAGES {
            let batch: Vec<T> = self.api.read_list(&page(skip)).await?;
            let n = batch.len() as u64;
            let mut new = 0;
            for item in batch {
                let k = key(&item);
                if k.is_empty() || seen.insert(k.to_string()) {
                    items.push(item);
                    new += 1;
                }
            }
            if n < u64::from(reads::PAGE) || new == 0 {
                break;
            }
            skip += n;
        }
        Ok(items)
    }
}

#[async_trait]
impl Backend for CloudTower {
    fn identity(&self) -> &Identity {
        &self.id
    }

    async fn clusters(&self) -> Result<Listing<Vec<Cluster>>> {
        self.read_clusters().await
    }

    async fn vms(&self, cluster: &Named, query: &VmQuery) -> Result<Listing<Page<Vm>>> {
        self.read_vms(cluster, query).await
    }

    async fn vm_change_cursor(&self, _cluster: &Named) -> Result<Option<ChangeCursor>> {
        self.read_change_cursor().await
    }

    async fn vm_changes(&self, cluster: &Named, since: &ChangeCursor) -> Result<VmChanges> {
        self.read_vm_changes(cluster, since).await
    }

    async fn vm_detail(&self, vm: &VmRef) -> Result<VmDetail> {
        self.read_vm_detail(vm).await
    }

    async fn snapshots(&self, vm: &VmRef) -> Result<SnapshotTree> {
        self.read_snapshots(vm).await
    }

    async fn console(&self, vm: &VmRef) -> Result<vmdeck_model::ConsoleAccess> {
        self.read_console(vm).await
    }

    async fn backups(&self, query: &BackupQuery) -> Result<Listing<Page<Backup>>> {
        self.read_backups(query).await
    }

    async fn backup_points(&self, _cluster: &Named) -> Result<Vec<BackupPoint>> {
        Err(super::unsupported(
            Platform::CloudTower,
            "backup points to choose (backup plans decide where backups go)",
        ))
    }

    async fn remote_backups(
        &self,
        _cluster: &Named,
        _point: &Named,
        _page: PageRequest,
    ) -> Result<Page<RemoteBackup>> {
        Err(super::unsupported(Platform::CloudTower, "remote backups"))
    }

    async fn restore_choices(&self, backup: &BackupRef) -> Result<RestoreChoices> {
        self.read_restore_choices(backup).await
    }

    async fn backup_plans(&self, cluster: &Named) -> Result<Vec<BackupPlan>> {
        self.read_backup_plans(cluster).await
    }

    async fn backup_chain(&self, backup: &BackupRef) -> Result<Vec<Backup>> {
        self.read_backup_chain(backup).await
    }

    async fn platform_tasks(&self, cluster: &Named) -> Result<Vec<PlatformTask>> {
        self.read_platform_tasks(cluster).await
    }

    fn plan(&self, op: &Operation) -> Result<Vec<HttpCall>> {
        ops::plan(op, &self.facts)
    }

    async fn submit(&self, op: &Operation) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
        ops::submit(&self.api, &self.facts, self.timing, op).await
    }
}
