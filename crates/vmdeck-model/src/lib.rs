//! Neutral types every platform is translated into. The UI and the fetcher only ever see
//! these; JSON shapes stay inside `backend::<platform>`.

mod capabilities;
mod changes;
mod console;
pub mod operation;
mod paging;
pub mod snapshot_tree;
mod task;

pub use capabilities::{
    BackupCategory, Capabilities, RestorePlacement, SnapshotDeleteRule, SnapshotLayout,
};
pub use changes::{ChangeCursor, ShownPage, VmChanges};
pub use console::{ConsoleAccess, ConsoleProtocol, hide_token};
pub use paging::{Page, PageRequest, page_count};
pub use snapshot_tree::{NodeId, NodeKind, SnapshotNode, SnapshotTree, TreeInput};
pub use task::{TaskId, TaskOrigin, TaskProgress, TaskState, format_elapsed};

pub use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which dialect a profile speaks. The UI never branches on this; it asks [`Capabilities`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    #[serde(rename = "tophc")]
    TopHc,
    #[serde(rename = "cloudtower")]
    CloudTower,
    #[serde(rename = "zstack")]
    ZStack,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::TopHc, Platform::CloudTower, Platform::ZStack];

    /// The id used in config files and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Platform::TopHc => "tophc",
            Platform::CloudTower => "cloudtower",
            Platform::ZStack => "zstack",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Platform::TopHc => "TopHC",
            Platform::CloudTower => "CloudTower",
            Platform::ZStack => "ZStack",
        }
    }

    pub fn from_id(id: &str) -> Option<Platform> {
        Platform::ALL
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(id))
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// A labelled value for the details pane. Backends add platform-specific facts here so the
/// UI can show them without knowing what they mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    /// Almost always a literal: 10,000 VMs carry some 180,000 details, and their labels
    /// cost nothing then.
    pub label: std::borrow::Cow<'static, str>,
    pub value: String,
    /// When the value is a time: the UI shows it in the viewer's zone and the format of
    /// every other time, `value` being only its fallback.
    pub at: Option<Timestamp>,
}

impl Detail {
    pub fn new(label: impl Into<std::borrow::Cow<'static, str>>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
            at: None,
        }
    }

    pub fn time(label: impl Into<std::borrow::Cow<'static, str>>, at: Timestamp) -> Self {
        Self {
            label: label.into(),
            value: at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            at: Some(at),
        }
    }
}

/// A reference to something by id, with the name people know it by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Named {
    pub id: String,
    pub name: String,
}

impl Named {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterState {
    Healthy,
    /// Reachable but reporting trouble.
    Degraded(String),
    /// The platform said it could not reach or list this cluster.
    Failed(String),
    Unknown,
}

impl ClusterState {
    /// One word, and what the platform said when it is not healthy.
    pub fn label(&self) -> (&'static str, Option<&str>) {
        match self {
            ClusterState::Healthy => ("healthy", None),
            ClusterState::Degraded(m) => ("degraded", Some(m)),
            ClusterState::Failed(m) => ("failed", Some(m)),
            ClusterState::Unknown => ("unknown", None),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub id: String,
    pub name: String,
    pub state: ClusterState,
    pub details: Vec<Detail>,
}

/// A cluster that failed while the others answered (TopHC `each_range_list_state`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterFailure {
    pub cluster_id: String,
    pub cluster_name: String,
    pub message: String,
}

/// A result that may be partial: some clusters answered, some did not.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing<T> {
    pub value: T,
    pub failures: Vec<ClusterFailure>,
}

impl<T> Listing<T> {
    pub fn complete(value: T) -> Self {
        Self {
            value,
            failures: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VmPower {
    Running,
    Stopped,
    Paused,
    Suspended,
    Starting,
    Stopping,
    Crashed,
    Unknown(String),
}

impl VmPower {
    pub fn label(&self) -> &str {
        match self {
            VmPower::Running => "running",
            VmPower::Stopped => "stopped",
            VmPower::Paused => "paused",
            VmPower::Suspended => "suspended",
            VmPower::Starting => "starting",
            VmPower::Stopping => "stopping",
            VmPower::Crashed => "crashed",
            VmPower::Unknown(s) if s.is_empty() => "unknown",
            VmPower::Unknown(s) => s,
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self, VmPower::Running)
    }

    pub fn is_stopped(&self) -> bool {
        matches!(self, VmPower::Stopped)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AgentState {
    Connected,
    Disconnected,
    Pending,
    NotInstalled,
    Unknown(String),
}

impl AgentState {
    pub fn label(&self) -> &str {
        match self {
            AgentState::Connected => "connected",
            AgentState::Disconnected => "disconnected",
            AgentState::Pending => "pending",
            AgentState::NotInstalled => "none",
            AgentState::Unknown(s) if s.is_empty() => "unknown",
            AgentState::Unknown(s) => s,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Vm {
    pub id: String,
    pub name: String,
    pub cluster: Named,
    /// Tenant / project scope the platform files the VM under, when it has one.
    pub tenant: Option<Named>,
    pub power: VmPower,
    /// The platform-level operation in progress (`None` when idle).
    pub action: Option<String>,
    pub agent: AgentState,
    pub ip: String,
    pub zone: Option<Named>,
    pub group: Option<Named>,
    pub os: String,
    pub vcpu: Option<u32>,
    pub memory_bytes: Option<u64>,
    pub created: Option<Timestamp>,
    pub details: Vec<Detail>,
}

impl Vm {
    pub fn to_ref(&self) -> VmRef {
        VmRef {
            cluster: self.cluster.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            tenant: self.tenant.clone(),
        }
    }
}

/// What an operation needs to address a VM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VmRef {
    pub cluster: Named,
    pub id: String,
    pub name: String,
    pub tenant: Option<Named>,
}

/// A VM's disk as configured now (used to pre-fill restore forms).
#[derive(Clone, Debug, PartialEq)]
pub struct VmDisk {
    pub device: String,
    pub volume: Named,
    pub pool: Option<Named>,
    pub capacity: Option<u64>,
    pub disk_type: Option<String>,
    pub is_root: bool,
}

/// Everything the details pane and the forms need about one VM.
#[derive(Clone, Debug, PartialEq)]
pub struct VmDetail {
    pub vm: Vm,
    pub disks: Vec<VmDisk>,
    pub details: Vec<Detail>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The id operations use. TopHC addresses VM snapshots by name, so there it is the name.
    pub id: String,
    pub name: String,
    pub description: String,
    pub created: Option<Timestamp>,
    /// `Some(true)` when the snapshot holds memory state.
    pub memory: Option<bool>,
    pub size: Option<u64>,
    pub disks: Vec<SnapshotDisk>,
    /// The volume this snapshot is of, on platforms that snapshot volumes one by one
    /// (`None`: the whole VM).
    pub volume: Option<Named>,
    pub details: Vec<Detail>,
}

impl Snapshot {
    /// A snapshot known only by name (the tree mentions it, the list does not).
    pub fn named(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            id: name.clone(),
            name,
            description: String::new(),
            created: None,
            memory: None,
            size: None,
            disks: Vec::new(),
            volume: None,
            details: Vec::new(),
        }
    }

    pub fn to_ref(&self) -> SnapshotRef {
        SnapshotRef {
            id: self.id.clone(),
            name: self.name.clone(),
            volume: self.volume.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SnapshotDisk {
    pub device: String,
    pub volume_id: String,
    pub snapshot_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SnapshotRef {
    pub id: String,
    pub name: String,
    /// Set for a volume's snapshot (see [`Snapshot::volume`]).
    pub volume: Option<Named>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BackupStatus {
    Done,
    InProgress,
    Failed,
    Unknown(String),
}

impl BackupStatus {
    pub fn label(&self) -> &str {
        match self {
            BackupStatus::Done => "done",
            BackupStatus::InProgress => "in progress",
            BackupStatus::Failed => "failed",
            BackupStatus::Unknown(s) => s,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackupKind {
    Full,
    Incremental,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BackupDisk {
    pub device: String,
    pub id: String,
    pub capacity: Option<u64>,
    pub details: Vec<Detail>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Backup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: BackupCategory,
    /// The VM backed up (empty for database backups).
    pub vm: Named,
    /// The volume backed up, for volume backups.
    pub volume: Option<Named>,
    /// That volume is a VM's root (system) volume: a template from it is a root template.
    pub root_volume: bool,
    pub cluster: Named,
    pub tenant: Option<Named>,
    /// Where the backup lives (TopHC backup point, CloudTower plan, ZStack backup storage).
    pub point: Option<Named>,
    /// Every backup storage holding a copy (ZStack, after a sync); empty when unknown.
    pub locations: Vec<Named>,
    /// The backup an incremental one builds on (CloudTower `parent_restore_point`).
    pub parent: Option<String>,
    pub created: Option<Timestamp>,
    pub status: BackupStatus,
    pub kind: Option<BackupKind>,
    pub disks: Vec<BackupDisk>,
    pub details: Vec<Detail>,
}

impl Backup {
    pub fn total_size(&self) -> Option<u64> {
        self.disks
            .iter()
            .map(|d| d.capacity)
            .try_fold(0u64, |acc, c| c.map(|c| acc.saturating_add(c)))
            .filter(|_| !self.disks.is_empty())
    }

    pub fn to_ref(&self) -> BackupRef {
        BackupRef {
            id: self.id.clone(),
            name: self.name.clone(),
            category: self.category,
            cluster: self.cluster.clone(),
            tenant: self.tenant.clone(),
            vm: self.vm.clone(),
            volume: self.volume.clone(),
            locations: self.locations.clone(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BackupRef {
    pub id: String,
    pub name: String,
    pub category: BackupCategory,
    pub cluster: Named,
    pub tenant: Option<Named>,
    pub vm: Named,
    pub volume: Option<Named>,
    pub locations: Vec<Named>,
}

/// Which backups a list shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BackupScope {
    Vm {
        cluster: Named,
        vm: Named,
    },
    Cluster {
        cluster: Named,
    },
    /// What one backup plan made (CloudTower).
    Plan {
        cluster: Named,
        plan: Named,
    },
}

impl BackupScope {
    pub fn cluster(&self) -> &Named {
        match self {
            BackupScope::Vm { cluster, .. }
            | BackupScope::Cluster { cluster }
            | BackupScope::Plan { cluster, .. } => cluster,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BackupFilter {
    pub name: String,
    pub point_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl BackupFilter {
    pub fn is_empty(&self) -> bool {
        self.name.is_empty()
            && self.point_id.is_none()
            && self.since.is_none()
            && self.until.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BackupQuery {
    pub scope: BackupScope,
    pub category: BackupCategory,
    pub page: PageRequest,
    pub filter: BackupFilter,
}

/// A schedule that makes backups (CloudTower backup plan).
#[derive(Clone, Debug, PartialEq)]
pub struct BackupPlan {
    pub id: String,
    pub name: String,
    pub cluster: Named,
    /// The platform's word for its state ("working", "paused", …).
    pub status: String,
    /// How the last run went ("success", "failed", "never run", …).
    pub last_result: String,
    pub last_run: Option<Timestamp>,
    pub next_run: Option<Timestamp>,
    pub vms: Vec<Named>,
    pub backup_count: Option<u64>,
    pub size: Option<u64>,
    pub details: Vec<Detail>,
}

/// Work on the platform that vmdeck did not start (CloudTower tasks, ZStack long jobs).
#[derive(Clone, Debug, PartialEq)]
pub struct PlatformTask {
    pub id: String,
    pub title: String,
    pub target: String,
    /// Who started it, when the platform says.
    pub user: String,
    pub state: TaskState,
    pub started: Option<Timestamp>,
    /// When it ended, or was paused (a paused task's clock stops there); `None` if unknown.
    pub finished: Option<Timestamp>,
    pub details: Vec<Detail>,
    /// The id the platform cancels it by, while it can be canceled (a ZStack long job
    /// waiting, running or suspended); `None` where the platform cannot cancel it.
    pub cancel: Option<String>,
}

/// A place backups are written to (TopHC backup point, ZStack backup storage).
#[derive(Clone, Debug, PartialEq)]
pub struct BackupPoint {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub state: String,
    pub details: Vec<Detail>,
}

/// A backup found on a backup point that this cluster may not know yet.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteBackup {
    pub id: String,
    pub name: String,
    pub vm_name: String,
    pub cluster_name: String,
    pub created: Option<Timestamp>,
    pub status: BackupStatus,
    pub size: Option<u64>,
    /// The platform's own record, handed back unchanged when importing.
    pub opaque: serde_json::Value,
}

/// Choices a restore form offers, read from the platform. Each platform fills the part its
/// [`RestorePlacement`] needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreChoices {
    pub zones: Vec<Named>,
    pub groups: Vec<Named>,
    pub pools: Vec<Named>,
    pub disk_types: Vec<String>,
    pub clusters: Vec<Named>,
    pub hosts: Vec<HostChoice>,
    /// Networks a restored VM can be attached to.
    pub networks: Vec<NetworkChoice>,
    /// The networks the backed-up VM was attached to, to map onto `networks`.
    pub source_networks: Vec<Named>,
}

/// A network a restored VM can use; only networks of the cluster it goes to fit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkChoice {
    pub id: String,
    pub name: String,
    /// Empty when the platform does not say (then it is offered for every cluster).
    pub cluster_id: String,
}

impl NetworkChoice {
    pub fn named(&self) -> Named {
        Named::new(self.id.clone(), self.name.clone())
    }

    pub fn fits(&self, cluster_id: &str) -> bool {
        self.cluster_id.is_empty() || cluster_id.is_empty() || self.cluster_id == cluster_id
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostChoice {
    pub id: String,
    pub name: String,
    pub cluster_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RestoreDiskSpec {
    pub device: String,
    pub pool_id: String,
    pub volume_name: String,
    pub disk_type: String,
}

/// Where a restored VM goes. Fields a platform's [`RestorePlacement`] does not use stay empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RestoreSpec {
    pub new_vm_name: String,
    pub zone_id: String,
    pub group_id: String,
    pub disks: Vec<RestoreDiskSpec>,
    pub cluster: Option<Named>,
    pub host: Option<Named>,
    pub networks: Vec<NetworkMapping>,
    /// Start the VM once it is restored.
    pub power_on: bool,
}

/// "Attach what was on `from` to `to`."
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NetworkMapping {
    pub from: Named,
    pub to: Named,
}

/// How many backups of `chain` build on the backup `id`, directly or through others.
/// Cycles in the platform's parent links are tolerated.
pub fn chain_descendants(chain: &[Backup], id: &str) -> usize {
    let mut seen = std::collections::HashSet::from([id.to_string()]);
    let mut frontier = vec![id.to_string()];
    while let Some(cur) = frontier.pop() {
        for b in chain {
            if b.parent.as_deref() == Some(cur.as_str()) && seen.insert(b.id.clone()) {
                frontier.push(b.id.clone());
            }
        }
    }
    seen.len() - 1
}

/// Human-readable byte size ("20.0 GiB").
pub fn human_bytes(bytes: u64) -> String {
    bytesize::ByteSize::b(bytes).display().iec().to_string()
}

/// Local, minute-resolution rendering of a timestamp for tables.
pub fn short_time(ts: &Timestamp) -> String {
    ts.to_zoned(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}
