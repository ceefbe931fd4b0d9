//! The state of the CloudTower world, its tasks and simulated time.
//!
//! Every mutation becomes a [`Task`] with a queue time (`PENDING`), a duration
//! (`EXECUTING`, progress and steps moving) and an [`Effect`] applied when it ends
//! (`SUCCESSED`), or undone when it fails (`FAILED`). Tasks end lazily: each request first
//! calls [`World::advance`], which applies every effect that is due, in the order the tasks
//! ended. Other users' tasks appear over simulated time the same way.

use std::collections::BTreeSet;
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::wire::{cuid, uuid};

pub const GIB: i64 = 1 << 30;

/// Every model the simulator lists (and can resolve in a relation filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Cluster,
    Host,
    Vlan,
    Vds,
    Vm,
    VmDisk,
    VmVolume,
    VmSnapshot,
    IscsiLunSnapshot,
    Task,
    BackupService,
    BackupStoreRepository,
    BackupPlan,
    BackupRestorePoint,
    BackupPlanExecution,
    BackupTargetExecution,
    BackupRestoreExecution,
}

impl Kind {
    /// The model for a where-input name (`VmWhereInput` → `Vm`).
    pub fn from_where_input(name: &str) -> Option<Kind> {
        Some(match name.strip_suffix("WhereInput")? {
            "Cluster" => Kind::Cluster,
            "Host" => Kind::Host,
            "Vlan" => Kind::Vlan,
            "Vds" => Kind::Vds,
            "Vm" => Kind::Vm,
            "VmDisk" => Kind::VmDisk,
            "VmVolume" => Kind::VmVolume,
            "VmSnapshot" => Kind::VmSnapshot,
            "IscsiLunSnapshot" => Kind::IscsiLunSnapshot,
            "Task" => Kind::Task,
            "BackupService" => Kind::BackupService,
            "BackupStoreRepository" => Kind::BackupStoreRepository,
            "BackupPlan" => Kind::BackupPlan,
            "BackupRestorePoint" => Kind::BackupRestorePoint,
            "BackupPlanExecution" => Kind::BackupPlanExecution,
            "BackupTargetExecution" => Kind::BackupTargetExecution,
            "BackupRestoreExecution" => Kind::BackupRestoreExecution,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub name: String,
    pub username: String,
    /// `LOCAL` or `LDAP`.
    pub source: &'static str,
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub id: String,
    pub local_id: String,
    pub name: String,
    pub ip: String,
    pub version: &'static str,
    pub kind: &'static str,
    pub arch: &'static str,
    pub connected: bool,
    pub created_ms: i64,
    pub disconnected_ms: Option<i64>,
    pub hosts: Vec<usize>,
    pub target_id: String,
    pub target_name: String,
    pub net: u8,
    pub edition: &'static str,
    pub license_serial: String,
    pub capacity: i64,
    pub used_space: i64,
}

#[derive(Clone, Debug)]
pub struct Host {
    pub id: String,
    pub local_id: String,
    pub name: String,
    pub cluster: usize,
    pub ip: String,
    pub data_ip: String,
    pub cores: i64,
    pub sockets: i64,
    pub memory: i64,
    pub model: &'static str,
    pub cpu_model: &'static str,
    pub serial: String,
    pub status: &'static str,
    pub disks: i64,
}

/// A distributed virtual switch: one OVS bridge spanning the hosts of its cluster, carrying
/// that cluster's VLANs.
#[derive(Clone, Debug)]
pub struct Vds {
    pub id: String,
    pub local_id: String,
    pub name: String,
    pub cluster: usize,
    pub ovsbr_name: String,
    pub bond_mode: &'static str,
}

#[derive(Clone, Debug)]
pub struct Vlan {
    pub id: String,
    pub local_id: String,
    pub name: String,
    pub cluster: usize,
    pub vds: usize,
    pub vlan_id: i64,
    pub kind: &'static str,
    pub gateway: Option<String>,
    pub subnet: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Nic {
    pub id: String,
    pub local_id: String,
    pub mac: String,
    pub ip: String,
    pub vlan: usize,
    pub gateway: String,
    pub mask: String,
    pub model: &'static str,
}

#[derive(Clone, Debug)]
pub struct VmDisk {
    pub id: String,
    pub vm: usize,
    pub boot: i64,
    pub bus: &'static str,
    /// `DISK` or `CD_ROM`.
    pub kind: &'static str,
    pub volume: Option<usize>,
    pub key: i64,
    pub serial: String,
    pub device: String,
    pub gone: bool,
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub id: String,
    pub local_id: String,
    pub name: String,
    pub cluster: usize,
    pub size: i64,
    /// Bytes written by the guest: what a rollback or restore visibly puts back.
    pub used: i64,
    pub policy: &'static str,
    pub created_ms: i64,
    pub lun_id: String,
    pub lun_name: String,
    /// The ZBS volume behind the LUN.
    pub zbs_id: String,
    pub disks: Vec<usize>,
    pub gone: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Async {
    Creating,
    Updating,
    Deleting,
}

impl Async {
    pub fn as_str(self) -> &'static str {
        match self {
            Async::Creating => "CREATING",
            Async::Updating => "UPDATING",
            Async::Deleting => "DELETING",
        }
    }
}

#[derive(Clone, Debug)]
pub struct LunSnapshot {
    pub id: String,
    pub local_id: String,
    /// What `NestedFrozenDisks.snapshot_local_id` names.
    pub name: String,
    pub cluster: usize,
    pub lun_id: String,
    pub lun_name: String,
    pub created_ms: i64,
    pub unique_size: i64,
    pub state: Option<Async>,
    pub gone: bool,
}

#[derive(Clone, Debug)]
pub struct FrozenDisk {
    pub boot: i64,
    pub bus: &'static str,
    pub index: i64,
    pub kind: &'static str,
    pub path: String,
    pub size: i64,
    pub used: i64,
    pub policy_uuid: String,
    pub volume_local_id: String,
    pub volume_name: String,
    pub volume: Option<usize>,
    pub image_name: Option<String>,
    /// The LUN snapshot holding this disk's data (`DISK`s only).
    pub lun_snapshot: Option<usize>,
    pub volume_snapshot_uuid: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FrozenNic {
    pub index: i64,
    pub mac: String,
    pub ip: String,
    pub gateway: String,
    pub mask: String,
    pub vlan: usize,
    pub model: &'static str,
}

#[derive(Clone, Debug)]
pub struct VmSnapshot {
    pub id: String,
    pub local_id: String,
    pub name: String,
    pub description: String,
    pub vm: usize,
    pub cluster: usize,
    pub consistent: &'static str,
    pub created_ms: i64,
    pub vcpu: i64,
    pub sockets: i64,
    pub cores: i64,
    pub memory: i64,
    pub cpu_model: String,
    pub ha: bool,
    pub firmware: &'static str,
    pub clock_offset: &'static str,
    pub win_opt: bool,
    pub disks: Vec<FrozenDisk>,
    pub nics: Vec<FrozenNic>,
    pub state: Option<Async>,
    pub gone: bool,
}

#[derive(Clone, Debug)]
pub struct Vm {
    pub id: String,
    pub local_id: String,
    pub name: String,
    pub description: String,
    pub cluster: usize,
    pub host: Option<usize>,
    pub status: &'static str,
    pub tools: &'static str,
    pub tools_version: Option<String>,
    pub vcpu: i64,
    pub sockets: i64,
    pub cores: i64,
    pub memory: i64,
    pub cpu_model: String,
    pub firmware: &'static str,
    pub clock_offset: &'static str,
    pub ha: bool,
    pub guest_os: &'static str,
    pub os: Option<String>,
    pub hostname: Option<String>,
    pub created_ms: i64,
    pub last_shutdown_ms: Option<i64>,
    pub disks: Vec<usize>,
    pub nics: Vec<Nic>,
    pub snapshots: Vec<usize>,
    pub plans: Vec<usize>,
    pub cpu_usage: f64,
    pub memory_usage: f64,
    pub win_opt: bool,
    pub bios_uuid: String,
    /// The task holding the VM, if any.
    pub busy: Option<usize>,
    pub state: Option<Async>,
    /// Snapshot tasks and rollbacks on this VM always fail (a documented demo VM).
    pub faulty: bool,
    pub gone: bool,
}

#[derive(Clone, Debug)]
pub struct BackupService {
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: &'static str,
    pub clusters: Vec<usize>,
    pub ip: String,
    pub storage_ip: String,
    pub kube_config: String,
}

#[derive(Clone, Debug)]
pub struct Repo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub error_code: Option<&'static str>,
    pub total: i64,
    pub base_used: i64,
    pub created_ms: i64,
    pub service: usize,
    pub address: String,
    pub path: String,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub description: String,
    pub service: usize,
    pub repo: usize,
    pub vms: Vec<usize>,
    pub status: &'static str,
    pub full_period: &'static str,
    pub full_weekday: Option<&'static str>,
    pub hour: i64,
    pub minute: i64,
    pub keep_count: i64,
    pub consistent: &'static str,
    pub compression: bool,
    pub created_ms: i64,
    pub executions: Vec<usize>,
    pub busy: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct PlanExecution {
    pub id: String,
    pub local_id: String,
    pub plan: usize,
    pub created_ms: i64,
    pub manual: bool,
    /// `FULL` or `INCREMENTAL`.
    pub kind: &'static str,
    pub targets: Vec<usize>,
    pub task: Option<usize>,
    /// Final `status`/`state` once done (while running they follow the task).
    pub result: Option<(&'static str, &'static str)>,
    pub success: i64,
    pub duration_s: i64,
}

#[derive(Clone, Debug)]
pub struct TargetExecution {
    pub id: String,
    pub local_id: String,
    pub plan_exec: usize,
    pub vm: usize,
    pub vm_name: String,
    pub vm_local_id: String,
    pub cluster_local_id: String,
    pub kind: &'static str,
    pub executed_ms: i64,
    pub total_bytes: i64,
    pub duration_s: i64,
    pub restore_point: Option<usize>,
    pub parent_backup: String,
    /// Final status once done.
    pub result: Option<&'static str>,
}

/// The VM as stored with a restore point (what `get-backup-restore-point-metadata` gives
/// and what a restore puts back).
#[derive(Clone, Debug)]
pub struct StoredVm {
    pub name: String,
    pub local_id: String,
    pub description: String,
    pub vcpu: i64,
    pub sockets: i64,
    pub cores: i64,
    pub memory: i64,
    pub cpu_model: String,
    pub firmware: &'static str,
    pub clock_offset: &'static str,
    pub ha: bool,
    pub guest_os: &'static str,
    pub tools: &'static str,
    pub win_opt: bool,
    pub cluster: usize,
    pub host_local_id: Option<String>,
    /// `(bus, boot, kind, volume name, size, used, policy, zbs id)` per disk.
    pub disks: Vec<StoredDisk>,
    pub nics: Vec<Nic>,
}

#[derive(Clone, Debug)]
pub struct StoredDisk {
    pub bus: &'static str,
    pub boot: i64,
    pub kind: &'static str,
    pub volume_name: Option<String>,
    pub path: Option<String>,
    pub size: i64,
    pub used: i64,
    pub policy: &'static str,
    pub zbs_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct RestorePoint {
    pub id: String,
    pub local_id: String,
    pub plan: usize,
    pub target_exec: usize,
    pub vm: usize,
    pub kind: &'static str,
    pub manual: bool,
    pub consistent: &'static str,
    pub created_ms: i64,
    pub size: i64,
    pub logical: i64,
    pub physical: i64,
    pub parent: Option<usize>,
    pub restores: Vec<usize>,
    /// Shared: a plan's runs keep the same few VMs, so 100,000 points hold a few hundred
    /// distinct configurations.
    pub stored: Arc<StoredVm>,
    pub state: Option<Async>,
    pub gone: bool,
}

#[derive(Clone, Debug)]
pub struct RestoreExecution {
    pub id: String,
    pub name: String,
    pub rp: usize,
    pub rebuild: Option<RebuildTarget>,
    pub startup: bool,
    pub executed_ms: i64,
    pub total_bytes: i64,
    pub duration_s: i64,
    pub task: Option<usize>,
    pub result: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct RebuildTarget {
    pub name: String,
    pub cluster: usize,
    pub host: usize,
    pub mapping: Vec<(String, String)>,
    /// The placeholder VM, created at once with `entityAsyncStatus: CREATING`.
    pub vm: usize,
}

/// What a task does when it ends.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Other users' activity and history: nothing to apply.
    Nothing,
    SnapshotCreate {
        snap: usize,
    },
    Rollback {
        vm: usize,
        snap: usize,
    },
    Rebuild {
        vm: usize,
        start: bool,
    },
    SnapshotDelete {
        snap: usize,
    },
    Power {
        vm: usize,
        to: &'static str,
        host: Option<usize>,
    },
    DeleteVm {
        vm: usize,
    },
    BackupRun {
        exec: usize,
    },
    Restore {
        exec: usize,
    },
    RestorePointDelete {
        rps: Vec<usize>,
    },
}

#[derive(Clone, Debug)]
pub struct Step {
    pub key: &'static str,
    pub unit: &'static str,
    pub total: f64,
}

#[derive(Clone, Debug)]
pub struct Failure {
    pub code: &'static str,
    pub en: String,
    pub zh: String,
}

#[derive(Clone, Debug)]
pub struct Task {
    pub id: String,
    pub user: usize,
    pub cluster: Option<usize>,
    pub created_ms: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub desc_en: String,
    pub desc_zh: String,
    pub key: String,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub mutation: &'static str,
    pub args: Value,
    pub snapshot: String,
    pub steps: Vec<Step>,
    pub failure: Option<Failure>,
    pub effect: Effect,
    pub task_type: Option<&'static str>,
    /// VMs and plans the task holds until it ends.
    pub holds_vms: Vec<usize>,
    pub holds_plan: Option<usize>,
    pub done: bool,
    /// Someone paused it then, and nobody has resumed it: `PAUSED` from then on, its
    /// progress where it stopped, never finished.
    pub paused_ms: Option<i64>,
}

/// `PENDING` until `start_ms`, `EXECUTING` until `end_ms`, then `SUCCESSED` or `FAILED`;
/// `PAUSED` from `paused_ms`.
/// A failing task stops at this fraction of its steps.
pub const FAIL_AT: f64 = 0.6;

impl Task {
    pub fn status(&self, now: i64) -> &'static str {
        if now < self.start_ms {
            "PENDING"
        } else if self.paused_ms.is_some_and(|p| now >= p) {
            "PAUSED"
        } else if now < self.end_ms {
            "EXECUTING"
        } else if self.failure.is_some() {
            "FAILED"
        } else {
            "SUCCESSED"
        }
    }

    /// How far the work has come, 0..=1.
    pub fn fraction(&self, now: i64) -> f64 {
        let span = (self.end_ms - self.start_ms).max(1) as f64;
        let now = self.paused_ms.map_or(now, |p| now.min(p));
        let f = ((now - self.start_ms) as f64 / span).clamp(0.0, 1.0);
        if self.failure.is_some() {
            f * FAIL_AT
        } else {
            f
        }
    }

    pub fn running(&self, now: i64) -> bool {
        now < self.end_ms || self.status(now) == "PAUSED"
    }

    pub fn finished(&self, now: i64) -> bool {
        matches!(self.status(now), "SUCCESSED" | "FAILED")
    }
}

#[derive(Clone, Debug)]
pub struct World {
    /// Simulated unix time in milliseconds, as of the last `advance`.
    pub now: i64,
    pub seed: u64,
    pub fingerprint: u64,
    pub counter: u64,
    pub rng: ChaCha8Rng,
    pub users: Vec<User>,
    pub clusters: Vec<Cluster>,
    pub hosts: Vec<Host>,
    pub vdses: Vec<Vds>,
    pub vlans: Vec<Vlan>,
    pub vms: Vec<Vm>,
    pub disks: Vec<VmDisk>,
    pub volumes: Vec<Volume>,
    pub lun_snapshots: Vec<LunSnapshot>,
    pub snapshots: Vec<VmSnapshot>,
    pub tasks: Vec<Task>,
    pub services: Vec<BackupService>,
    pub repos: Vec<Repo>,
    pub plans: Vec<Plan>,
    pub plan_execs: Vec<PlanExecution>,
    pub target_execs: Vec<TargetExecution>,
    pub restore_points: Vec<RestorePoint>,
    pub restore_execs: Vec<RestoreExecution>,
    /// Every id → what it names.
    /// Fx: a big world registers hundreds of thousands of ids at start-up.
    pub index: rustc_hash::FxHashMap<String, (Kind, usize)>,
    /// Tasks not yet ended: `(end_ms, task)`.
    pub pending: BTreeSet<(i64, usize)>,
    /// When the next task by another user appears, and its number.
    pub next_background: (i64, u64),
    /// What `/resource-changes` answers.
    pub changes: super::changes::ChangeLog,
}

impl World {
    /// Brings the world up to `now` (unix ms): ends every task that is due, in order, and
    /// lets other users start theirs.
    pub fn advance(&mut self, now: i64) {
        let now = now.max(self.now);
        let before = self.now;
        while self.next_background.0 <= now {
            let (at, k) = self.next_background;
            self.now = at;
            super::tasks::spawn_background(self, k);
            let gap = 40_000 + (splitmix(self.seed ^ k) % 50_000) as i64;
            self.next_background = (at + gap, k + 1);
        }
        // Tasks end at their own time, whatever was spawned meanwhile.
        self.now = before;
        while let Some(&(end, t)) = self.pending.first() {
            if end > now {
                break;
            }
            self.pending.remove(&(end, t));
            self.now = end.max(self.now);
            self.finish(t);
        }
        self.now = now;
    }

    fn finish(&mut self, t: usize) {
        let task = &mut self.tasks[t];
        if task.done {
            return;
        }
        task.done = true;
        let ok = task.failure.is_none();
        let effect = task.effect.clone();
        let vms = std::mem::take(&mut task.holds_vms);
        let plan = task.holds_plan.take();
        for &v in &vms {
            if self.vms[v].busy == Some(t) {
                self.vms[v].busy = None;
                if self.vms[v].state == Some(Async::Updating) {
                    self.vms[v].state = None;
                }
            }
        }
        if let Some(p) = plan
            && self.plans[p].busy == Some(t)
        {
            self.plans[p].busy = None;
        }
        super::tasks::apply(self, effect, ok);
        for v in vms {
            self.note_vm(v);
        }
    }

    /// A new id, sorting after every id made before it.
    pub fn new_id(&mut self, ms: i64) -> String {
        self.counter += 1;
        cuid(ms, self.counter, self.fingerprint, &mut self.rng)
    }

    pub fn new_uuid(&mut self) -> String {
        uuid(&mut self.rng)
    }

    pub fn register(&mut self, id: &str, kind: Kind, i: usize) {
        self.index.insert(id.to_string(), (kind, i));
    }

    pub fn lookup(&self, kind: Kind, id: &str) -> Option<usize> {
        match self.index.get(id) {
            Some(&(k, i)) if k == kind => Some(i),
            _ => None,
        }
    }

    /// Queues a task: `queue_s` pending, then `run_s` executing.
    pub fn push_task(&mut self, mut task: Task, queue_s: f64, run_s: f64) -> usize {
        let t = self.tasks.len();
        task.created_ms = self.now;
        task.start_ms = self.now + (queue_s * 1000.0) as i64;
        let run = (run_s * 1000.0) as i64;
        task.end_ms = task.start_ms
            + if task.failure.is_some() {
                (run as f64 * FAIL_AT) as i64
            } else {
                run
            };
        for &v in &task.holds_vms {
            self.vms[v].busy = Some(t);
        }
        if let Some(p) = task.holds_plan {
            self.plans[p].busy = Some(t);
        }
        self.register(&task.id.clone(), Kind::Task, t);
        self.pending.insert((task.end_ms, t));
        let held = task.holds_vms.clone();
        self.tasks.push(task);
        for v in held {
            self.note_vm(v);
        }
        t
    }

    pub fn vm_alive(&self, id: &str) -> Option<usize> {
        self.lookup(Kind::Vm, id).filter(|&i| !self.vms[i].gone)
    }

    /// A deterministic generator for things numbered `k` (background tasks).
    pub fn rng_for(&self, k: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(splitmix(self.seed ^ k.wrapping_mul(0x2545_f491_4f6c_dd1d)))
    }

    pub fn random_mac(&mut self) -> String {
        crate::seed_util::mac(&mut self.rng, &[0x52, 0x54, 0x00])
    }
}

pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
