//! One module per platform behind one async trait. The trait speaks the neutral model; paging
//! names, envelopes, id-by-name snapshots and job polling stay inside each platform's module.

pub mod cloudtower;
mod connection;
mod credential;
mod error;
pub mod fetcher;
pub mod http;
pub mod journal;
mod lenient;
pub mod tophc;
mod watch;
pub mod zstack;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;

pub use connection::{Connection, Language, LoginSource};
pub(crate) use error::refuse;
pub use error::{BackendError, Result};
pub use http::HttpCall;
pub use watch::{Mode, WatchTiming};

use vmdeck_model::operation::Operation;
use vmdeck_model::{
    Backup, BackupPlan, BackupPoint, BackupQuery, BackupRef, Capabilities, Cluster, ConsoleAccess,
    Listing, Named, Page, PageRequest, Platform, PlatformTask, RemoteBackup, RestoreChoices,
    SnapshotTree, TaskState, Vm, VmDetail, VmRef,
};
use vmdeck_model::{ChangeCursor, ShownPage, VmChanges};

/// What a VM list asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VmQuery {
    pub page: Option<PageRequest>,
    /// Substring the platform matches against name (and, where it can, IP or id).
    pub search: String,
}

/// What every backend knows of itself once logged in.
#[derive(Clone, Debug)]
pub struct Identity {
    pub platform: Platform,
    pub caps: Capabilities,
    /// Base URL, for the status bar.
    pub endpoint: String,
    /// Who we are logged in as, for the status bar.
    pub user: String,
}

/// A platform, logged in and ready. Implementations must be cheap to share (`Arc`) and safe to
/// call from many tasks at once.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Which platform this is, what it can do, and where and as whom we are logged in.
    fn identity(&self) -> &Identity;
    fn platform(&self) -> Platform {
        self.identity().platform
    }
    fn capabilities(&self) -> &Capabilities {
        &self.identity().caps
    }
    /// Base URL, for the status bar.
    fn endpoint(&self) -> &str {
        &self.identity().endpoint
    }
    /// Who we are logged in as, for the status bar.
    fn user(&self) -> &str {
        &self.identity().user
    }

    async fn clusters(&self) -> Result<Listing<Vec<Cluster>>>;
    /// VMs of a cluster; a cluster with an empty id means every cluster (failed ones are
    /// reported in the listing's `failures`).
    async fn vms(&self, cluster: &Named, query: &VmQuery) -> Result<Listing<Page<Vm>>>;
    async fn vm_detail(&self, vm: &VmRef) -> Result<VmDetail>;
    async fn snapshots(&self, vm: &VmRef) -> Result<SnapshotTree>;
    /// Backups of a VM or a cluster (empty cluster id: every cluster).
    async fn backups(&self, query: &BackupQuery) -> Result<Listing<Page<Backup>>>;
    async fn backup_points(&self, cluster: &Named) -> Result<Vec<BackupPoint>>;
    async fn remote_backups(
        &self,
        cluster: &Named,
        point: &Named,
        page: PageRequest,
    ) -> Result<Page<RemoteBackup>>;
    /// What the "restore to a new VM" form offers for this backup.
    async fn restore_choices(&self, backup: &BackupRef) -> Result<RestoreChoices>;

    /// Backup plans of a cluster (empty id: every cluster). Platforms with
    /// `Capabilities::backup_plans`.
    async fn backup_plans(&self, _cluster: &Named) -> Result<Vec<BackupPlan>> {
        Err(unsupported(self.platform(), "backup plans"))
    }

    /// Every backup of the chain `backup` belongs to (the full one and the incrementals
    /// built on it), in any order; `Backup::parent` links them. Platforms with
    /// `Capabilities::backup_chains`.
    async fn backup_chain(&self, _backup: &BackupRef) -> Result<Vec<Backup>> {
        Err(unsupported(self.platform(), "backup chains"))
    }

    /// How the operator's browser reaches `vm`'s console. A read: it changes nothing on
    /// the platform, so read-only profiles may ask. Platforms with `Capabilities::console`.
    async fn console(&self, _vm: &VmRef) -> Result<ConsoleAccess> {
        Err(unsupported(self.platform(), "console access"))
    }

    /// Recent work on the platform, newest first, including what others started.
    /// Platforms with `Capabilities::platform_tasks`.
    async fn platform_tasks(&self, _cluster: &Named) -> Result<Vec<PlatformTask>> {
        Ok(Vec::new())
    }

    /// Where the platform's record of changes stands now, asked just before a complete VM
    /// listing of `cluster` starts, so nothing that changes while it arrives is missed.
    /// `None`: the platform has no means to say what changed (the interval re-reads).
    async fn vm_change_cursor(&self, _cluster: &Named) -> Result<Option<ChangeCursor>> {
        Ok(None)
    }

    /// What changed in `cluster`'s VM listing since `since` (from `vm_change_cursor` or an
    /// earlier answer). Only for platforms whose `vm_change_cursor` gives one.
    async fn vm_changes(&self, _cluster: &Named, _since: &ChangeCursor) -> Result<VmChanges> {
        Ok(VmChanges::Resync)
    }

    /// The refresh interval's read where there is no change log: the listing's pages that
    /// hold the rows on screen, read again as they were asked for, answered as
    /// [`VmChanges::Partial`]. `Resync` (the default): the platform re-reads everything.
    async fn vm_pages(&self, _cluster: &Named, _pages: &[ShownPage]) -> Result<VmChanges> {
        Ok(VmChanges::Resync)
    }

    /// The exact calls `submit` will make for this operation, for the preview. A platform
    /// rule that already forbids the operation is reported here as `Refused`.
    fn plan(&self, op: &Operation) -> Result<Vec<HttpCall>>;

    /// Sends the operation once. Never retried: if the answer is lost the caller gets a
    /// watch that re-reads the resource to find out what happened.
    async fn submit(&self, op: &Operation) -> std::result::Result<Box<dyn TaskWatch>, SubmitError>;

    /// One VM of a bulk operation: sent as `submit` sends it; the journal records the bulk
    /// (`group`) it is one of.
    async fn submit_member(
        &self,
        op: &Operation,
        _group: &str,
    ) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
        self.submit(op).await
    }

    /// Ends the session if the platform has one. Best effort.
    async fn logout(&self) {}
}

/// Follows one submitted operation until the platform says it has ended.
#[async_trait]
pub trait TaskWatch: Send + Sync {
    /// Reads the platform once and says where the operation stands.
    async fn poll(&mut self) -> Result<TaskState>;
    /// How long to wait between polls.
    fn interval(&self) -> Duration {
        Duration::from_secs(1)
    }
    /// The platform's id for the work being followed (a CloudTower task, a ZStack job),
    /// so the Tasks pane can tell our work from others'.
    fn platform_id(&self) -> Option<String> {
        None
    }
}

/// Why a submit did not produce a normal watch.
pub enum SubmitError {
    /// The platform (or vmdeck) refused; nothing happened.
    Rejected(BackendError),
    /// The request went out but its answer was lost. `verify` re-reads the resource; until
    /// it knows, the task is `Unknown`.
    AnswerLost {
        error: BackendError,
        verify: Box<dyn TaskWatch>,
    },
}

impl std::fmt::Debug for SubmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubmitError::Rejected(e) => write!(f, "Rejected({e})"),
            SubmitError::AnswerLost { error, .. } => write!(f, "AnswerLost({error})"),
        }
    }
}

impl From<BackendError> for SubmitError {
    fn from(e: BackendError) -> Self {
        SubmitError::Rejected(e)
    }
}

/// A watch for operations that are complete as soon as the platform accepts them.
pub struct Done;

#[async_trait]
impl TaskWatch for Done {
    async fn poll(&mut self) -> Result<TaskState> {
        Ok(TaskState::Succeeded)
    }
    fn interval(&self) -> Duration {
        Duration::ZERO
    }
}

/// The answer for a read the platform does not have.
pub fn unsupported(platform: Platform, what: &str) -> BackendError {
    BackendError::Refused(format!("{platform} has no {what}"))
}

/// Logs in with the profile's platform and returns the ready backend.
pub async fn connect(
    conn: impl Into<Connection>,
    password: SecretString,
) -> Result<Arc<dyn Backend>> {
    let conn = conn.into();
    match conn.platform {
        Platform::TopHc => Ok(Arc::new(tophc::TopHc::connect(conn, password).await?)),
        Platform::CloudTower => Ok(Arc::new(
            cloudtower::CloudTower::connect(conn, password).await?,
        )),
        Platform::ZStack => Ok(Arc::new(zstack::ZStack::connect(conn, password).await?)),
    }
}
