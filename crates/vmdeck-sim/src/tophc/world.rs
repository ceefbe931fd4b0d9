//! The simulated TopHC world: clusters and what they hold, the rules operations obey, and
//! simulated time. Long operations record when they finish and are completed lazily by
//! [`World::advance`], which every request calls first.

use std::collections::BTreeSet;

use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::wire::{self, ApiError};
use crate::ids::Uid;

// Simulated durations (seconds of `SimClock`). Undocumented upstream; chosen here.
pub const SHUTDOWN_SECS: f64 = 5.0;
pub const SNAPSHOT_CREATE_SECS: f64 = 3.0;
pub const SNAPSHOT_MEMORY_SECS: f64 = 8.0;
pub const ROLLBACK_SECS: f64 = 4.0;
pub const SNAPSHOT_DELETE_SECS: f64 = 2.0;
/// Backup create: this much plus [`BACKUP_SECS_PER_GIB`] per GiB of disk capacity.
pub const BACKUP_BASE_SECS: f64 = 20.0;
pub const BACKUP_SECS_PER_GIB: f64 = 0.02;
/// A backup to an unhealthy backup point fails (status 2) after this long.
pub const BACKUP_FAIL_SECS: f64 = 10.0;
/// Backup restore: this much plus [`RESTORE_SECS_PER_GIB`] per GiB restored.
pub const RESTORE_BASE_SECS: f64 = 30.0;
pub const RESTORE_SECS_PER_GIB: f64 = 0.01;
/// After a start (or a memory rollback) the guest agent reports `pending`, then `connected`.
pub const AGENT_CONNECT_SECS: f64 = 8.0;

pub const GIB: u64 = 1 << 30;

// `action` values. The first and `restoring` are documented; the others are the
// simulator's names for the operations the docs mention without naming.
pub const NOACTION: &str = "noaction";
pub const ACTION_SNAPSHOTTING: &str = "snapshotting";
pub const ACTION_ROLLBACKING: &str = "rollbacking";
pub const ACTION_SNAPSHOT_DELETING: &str = "snapshot_deleting";
pub const ACTION_BACKING_UP: &str = "backing_up";
pub const ACTION_RESTORING: &str = "restoring";

#[derive(Clone, Debug)]
pub struct Cluster {
    pub uuid: Uid,
    pub name: String,
    pub desc: String,
    pub ctime: i64,
    pub master_ip: String,
    /// `Some(detail)`: the cluster cannot be reached; every call about it fails with 10000.
    pub failure: Option<String>,
    pub hosts: Vec<Host>,
    pub tenants: Vec<usize>,
    pub zones: Vec<usize>,
    pub pools: Vec<usize>,
    pub bps: Vec<usize>,
    /// VMs in list order (newest first).
    pub vm_order: Vec<usize>,
    /// Live backups in list order (newest first).
    pub backup_order: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Host {
    pub uuid: Uid,
    pub ip: String,
    pub zone: usize,
    pub healthy: bool,
    pub system_service: bool,
    pub cpu_ghz: f64,
    pub mem: u64,
    pub disk: u64,
}

#[derive(Clone, Debug)]
pub struct Tenant {
    pub uuid: Uid,
    pub name: String,
    pub namespace: Uid,
    pub cluster: usize,
    pub create_time: i64,
    pub system: bool,
    pub admin_uuid: Uid,
    pub admin_name: String,
    pub user_group: Uid,
    pub users: u32,
}

#[derive(Clone, Debug)]
pub struct Zone {
    pub uuid: Uid,
    pub name: String,
    pub cluster: usize,
    pub ctime: i64,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub uuid: Uid,
    pub name: String,
    pub cluster: usize,
    pub tenant: usize,
    pub parent: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Pool {
    pub uuid: Uid,
    pub name: String,
    pub cluster: usize,
    pub tenant: usize,
    pub ctime: i64,
    pub size: u64,
    pub used: u64,
    pub repo: bool,
    pub replica: u32,
    pub drive_type: &'static str,
    pub volume_num: u32,
}

#[derive(Clone, Debug)]
pub struct BackupPoint {
    pub uuid: Uid,
    pub name: String,
    pub cluster: usize,
    pub tenant: usize,
    pub btype: &'static str,
    pub ip: String,
    pub root_dir: String,
    pub sub_dir: String,
    pub ctime: i64,
    pub mtime: i64,
    pub healthy: bool,
}

impl BackupPoint {
    pub fn state(&self) -> &'static str {
        if self.healthy { "healthy" } else { "unhealthy" }
    }
}

#[derive(Clone, Debug)]
pub struct Disk {
    pub dev: String,
    pub bus: &'static str,
    pub volume_uuid: Uid,
    pub volume_name: String,
    pub capacity: u64,
    pub used: u64,
    pub pool: usize,
    pub is_system: bool,
}

#[derive(Clone, Debug)]
pub struct Nic {
    pub id: Uid,
    pub mac: String,
    pub ips: Vec<String>,
    pub network: String,
    pub port_group: Uid,
    pub port_group_name: String,
    pub vlan: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Load {
    pub cpu_ratio: f64,
    pub mem_ratio: f64,
    pub rd_bytes: u64,
    pub wr_bytes: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub uuid: Uid,
    pub name: String,
    pub description: String,
    pub ctime: i64,
    /// Parent snapshot name; `""` is the virtual root.
    pub parent: String,
    pub memory: bool,
    /// One volume-snapshot uuid per VM disk, in the VM's disk order.
    pub disk_snaps: Vec<Uid>,
}

#[derive(Clone, Debug)]
pub enum OpKind {
    /// Graceful shutdown: state `shutdown` until done, action stays `noaction`.
    Shutdown,
    SnapshotCreate(Snapshot),
    Rollback {
        name: String,
        memory: bool,
    },
    SnapshotDelete {
        name: String,
    },
    BackingUp {
        backup: usize,
    },
    Restoring,
}

#[derive(Clone, Debug)]
pub struct VmOp {
    pub kind: OpKind,
    pub started: f64,
    pub done_at: f64,
}

#[derive(Clone, Debug)]
pub struct Vm {
    pub uuid: Uid,
    pub name: String,
    pub cluster: usize,
    pub tenant: usize,
    pub zone: usize,
    pub group: usize,
    pub vm_type: &'static str,
    pub os: String,
    pub state: &'static str,
    pub ga_state: &'static str,
    pub has_agent: bool,
    pub create_time: i64,
    pub modify_time: i64,
    pub cpus: u32,
    pub sockets: u32,
    pub mem: u64,
    pub disks: Vec<Disk>,
    pub nics: Vec<Nic>,
    pub ha_mode: &'static str,
    pub uefi: bool,
    /// Index into the cluster's hosts while running.
    pub host: Option<usize>,
    pub parent_uuid: Uid,
    pub spice_port: u32,
    pub spice_password: String,
    pub external: bool,
    pub load: Load,
    /// Snapshots in creation order.
    pub snaps: Vec<Snapshot>,
    /// Name of the snapshot the VM sits on (`""`: the root, i.e. none).
    pub head: String,
    pub op: Option<VmOp>,
    pub agent_at: Option<f64>,
}

impl Vm {
    pub fn action(&self) -> &'static str {
        match self.op.as_ref().map(|o| &o.kind) {
            None | Some(OpKind::Shutdown) => NOACTION,
            Some(OpKind::SnapshotCreate(_)) => ACTION_SNAPSHOTTING,
            Some(OpKind::Rollback { .. }) => ACTION_ROLLBACKING,
            Some(OpKind::SnapshotDelete { .. }) => ACTION_SNAPSHOT_DELETING,
            Some(OpKind::BackingUp { .. }) => ACTION_BACKING_UP,
            Some(OpKind::Restoring) => ACTION_RESTORING,
        }
    }

    /// Refuses with 22001 unless the VM is idle.
    pub fn check_idle(&self) -> Result<(), ApiError> {
        match &self.op {
            None => Ok(()),
            Some(VmOp {
                kind: OpKind::Shutdown,
                ..
            }) => Err(ApiError::new(wire::VM_BUSY, "shutdown")),
            Some(_) => Err(ApiError::new(wire::VM_BUSY, self.action())),
        }
    }

    pub fn snapshot(&self, name: &str) -> Option<&Snapshot> {
        self.snaps.iter().find(|s| s.name == name)
    }

    pub fn capacity(&self) -> u64 {
        self.disks.iter().map(|d| d.capacity).sum()
    }

    pub fn ips(&self) -> impl Iterator<Item = &String> {
        self.nics.iter().flat_map(|n| n.ips.iter())
    }
}

#[derive(Clone, Debug)]
pub struct BackupDisk {
    pub dev: String,
    pub backup_uuid: Uid,
    pub capacity: u64,
    pub replica: u32,
    pub share: bool,
    pub volsnap: Uid,
}

/// Backup status: 0 ok, 1 in progress, 2 failed.
#[derive(Clone, Debug)]
pub struct Backup {
    pub uuid: Uid,
    pub cluster: usize,
    pub tenant: usize,
    pub namespace: Uid,
    pub compute_uuid: Uid,
    pub compute_name: String,
    pub bp: usize,
    pub name: String,
    pub description: String,
    pub create_time: i64,
    pub status: u8,
    pub disks: Vec<BackupDisk>,
    pub deleted: bool,
}

/// A backup found on a backup point that this cluster's list does not hold: made by
/// another cluster (managed or not).
#[derive(Clone, Debug)]
pub struct ForeignBackup {
    pub uuid: Uid,
    pub namespace: Uid,
    pub vm_uuid: Uid,
    pub vm_name: String,
    pub bp: usize,
    pub name: String,
    pub description: String,
    pub ctime: i64,
    pub status: u8,
    pub disks: Vec<BackupDisk>,
    pub origin_uuid: Uid,
    pub origin_name: String,
}

#[derive(Clone, Debug)]
pub struct World {
    /// Simulated seconds since start, and simulated unix time, as of the last `advance`.
    pub now: f64,
    pub unix: i64,
    pub system_tenant: Uid,
    pub admin_uuid: Uid,
    pub clusters: Vec<Cluster>,
    pub tenants: Vec<Tenant>,
    pub zones: Vec<Zone>,
    pub groups: Vec<Group>,
    pub pools: Vec<Pool>,
    pub bps: Vec<BackupPoint>,
    pub vms: Vec<Vm>,
    pub backups: Vec<Backup>,
    pub foreign: Vec<ForeignBackup>,
    pub vm_index: rustc_hash::FxHashMap<Uid, usize>,
    pub backup_index: rustc_hash::FxHashMap<Uid, usize>,
    /// VMs with an operation or a timer in flight.
    pub pending: BTreeSet<usize>,
    /// Draws uuids for objects created at run time.
    pub rng: ChaCha8Rng,
}

impl World {
    /// Brings the world up to `now`: completes every operation that is due.
    pub fn advance(&mut self, now: f64, unix: i64) {
        self.now = self.now.max(now);
        self.unix = self.unix.max(unix);
        if self.pending.is_empty() {
            return;
        }
        let due: Vec<usize> = self
            .pending
            .iter()
            .copied()
            .filter(|&i| {
                let v = &self.vms[i];
                v.op.as_ref().is_some_and(|o| o.done_at <= self.now)
                    || v.agent_at.is_some_and(|t| t <= self.now)
            })
            .collect();
        for i in due {
            self.finish(i);
        }
    }

    fn finish(&mut self, i: usize) {
        let now = self.now;
        let unix = self.unix;
        if self.vms[i].agent_at.is_some_and(|t| t <= now) {
            let vm = &mut self.vms[i];
            vm.agent_at = None;
            if vm.state == "running" {
                vm.ga_state = if vm.has_agent {
                    "connected"
                } else {
                    "disconnected"
                };
            }
        }
        let done = self.vms[i].op.as_ref().is_some_and(|o| o.done_at <= now);
        if done && let Some(op) = self.vms[i].op.take() {
            self.complete(i, op.kind);
            self.vms[i].modify_time = unix;
        }
        let vm = &self.vms[i];
        if vm.op.is_none() && vm.agent_at.is_none() {
            self.pending.remove(&i);
        }
    }

    fn complete(&mut self, i: usize, kind: OpKind) {
        let now = self.now;
        match kind {
            OpKind::Shutdown => {
                let vm = &mut self.vms[i];
                vm.state = "shutoff";
                vm.ga_state = "disconnected";
                vm.host = None;
            }
            OpKind::SnapshotCreate(snap) => {
                let vm = &mut self.vms[i];
                vm.head = snap.name.clone();
                vm.snaps.push(snap);
            }
            OpKind::Rollback { name, memory } => {
                let vm = &mut self.vms[i];
                vm.head = name;
                if memory {
                    vm.state = "running";
                    vm.ga_state = "pending";
                    vm.agent_at = Some(now + AGENT_CONNECT_SECS);
                    vm.host.get_or_insert(0);
                } else {
                    vm.state = "shutoff";
                    vm.ga_state = "disconnected";
                    vm.host = None;
                }
            }
            OpKind::SnapshotDelete { name } => {
                let vm = &mut self.vms[i];
                if let Some(pos) = vm.snaps.iter().position(|s| s.name == name) {
                    let gone = vm.snaps.remove(pos);
                    for s in vm.snaps.iter_mut().filter(|s| s.parent == gone.name) {
                        s.parent = gone.parent.clone();
                    }
                    if vm.head == gone.name {
                        vm.head = gone.parent;
                    }
                }
            }
            OpKind::BackingUp { backup } => {
                let healthy = self.bps[self.backups[backup].bp].healthy;
                self.backups[backup].status = if healthy { 0 } else { 2 };
            }
            OpKind::Restoring => {}
        }
    }

    /// Starts `kind` on VM `i`, finishing `secs` simulated seconds from now.
    pub fn start_op(&mut self, i: usize, kind: OpKind, secs: f64) {
        self.vms[i].op = Some(VmOp {
            kind,
            started: self.now,
            done_at: self.now + secs,
        });
        self.vms[i].modify_time = self.unix;
        self.pending.insert(i);
    }

    pub fn start_agent_timer(&mut self, i: usize) {
        self.vms[i].agent_at = Some(self.now + AGENT_CONNECT_SECS);
        self.pending.insert(i);
    }

    pub fn new_uid(&mut self) -> Uid {
        Uid::random(&mut self.rng)
    }

    // ---- lookups ------------------------------------------------------------------------

    fn find_cluster(&self, param: &str) -> Result<usize, ApiError> {
        Uid::parse(param)
            .and_then(|u| self.clusters.iter().position(|c| c.uuid == u))
            .ok_or_else(|| ApiError::new(wire::CLUSTER_NOT_EXIST, param))
    }

    /// A specific, reachable cluster (`cluster_uuid` required).
    pub fn cluster(&self, param: &str) -> Result<usize, ApiError> {
        if param.is_empty() {
            return Err(ApiError::required("cluster_uuid"));
        }
        let c = self.find_cluster(param)?;
        self.reachable(c)?;
        Ok(c)
    }

    /// Err(10000) if the cluster cannot be reached.
    pub fn reachable(&self, c: usize) -> Result<(), ApiError> {
        match &self.clusters[c].failure {
            Some(detail) => Err(ApiError::new(wire::SERVER_ERROR, detail.clone())),
            None => Ok(()),
        }
    }

    /// The clusters a fan-out call covers: all of them for an empty `cluster_uuid`.
    pub fn scope(&self, param: &str) -> Result<Vec<usize>, ApiError> {
        if param.is_empty() {
            Ok((0..self.clusters.len()).collect())
        } else {
            self.cluster(param).map(|c| vec![c])
        }
    }

    /// The tenant named by a `tenant` parameter within cluster `c` (`None` for `""`).
    pub fn tenant_in(&self, c: usize, param: &str) -> Option<usize> {
        let u = Uid::parse(param)?;
        self.clusters[c]
            .tenants
            .iter()
            .copied()
            .find(|&t| self.tenants[t].uuid == u)
    }

    /// Whether the `tenant` parameter admits tenant `t` (empty admits all).
    pub fn tenant_matches(&self, param: &str, t: usize) -> bool {
        param.is_empty() || Uid::parse(param) == Some(self.tenants[t].uuid)
    }

    /// VM `compute_uuid` in cluster `cluster_uuid`, checking `tenant` when given.
    pub fn vm(
        &self,
        cluster_param: &str,
        tenant: &str,
        compute_uuid: &str,
    ) -> Result<usize, ApiError> {
        let c = self.cluster(cluster_param)?;
        if compute_uuid.is_empty() {
            return Err(ApiError::required("compute_uuid"));
        }
        let i = Uid::parse(compute_uuid)
            .and_then(|u| self.vm_index.get(&u).copied())
            .filter(|&i| {
                self.vms[i].cluster == c && self.tenant_matches(tenant, self.vms[i].tenant)
            })
            .ok_or_else(|| ApiError::new(wire::VM_NOT_EXIST, compute_uuid))?;
        Ok(i)
    }

    pub fn backup_in(&self, c: usize, backup_uuid: &str) -> Result<usize, ApiError> {
        if backup_uuid.is_empty() {
            return Err(ApiError::required("backup_uuid"));
        }
        Uid::parse(backup_uuid)
            .and_then(|u| self.backup_index.get(&u).copied())
            .filter(|&b| self.backups[b].cluster == c && !self.backups[b].deleted)
            .ok_or_else(|| ApiError::new(wire::BACKUP_NOT_EXIST, backup_uuid))
    }

    pub fn bp_in(&self, c: usize, param: &str) -> Result<usize, ApiError> {
        Uid::parse(param)
            .and_then(|u| {
                self.clusters[c]
                    .bps
                    .iter()
                    .copied()
                    .find(|&b| self.bps[b].uuid == u)
            })
            .ok_or_else(|| ApiError::new(wire::BACKUP_POINT_NOT_EXIST, param))
    }

    // ---- fan-out --------------------------------------------------------------------------

    /// One `each_range_list_state` entry.
    pub fn range_state(
        &self,
        c: usize,
        tenant: Option<usize>,
        result: Result<usize, ApiError>,
    ) -> Value {
        let cl = &self.clusters[c];
        let (ns, ns_name) = match tenant {
            Some(t) => (
                self.tenants[t].namespace.to_string(),
                self.tenants[t].name.clone(),
            ),
            None => (String::new(), String::new()),
        };
        let (result, total) = match result {
            Ok(total) => (wire::ok_value(json!("")), total),
            Err(e) => (e.to_output_with(json!("")), 0),
        };
        json!({
            "cluster_uuid": cl.uuid.to_string(),
            "cluster_name": cl.name,
            "cluster_mode": "",
            "namespace_uuid": ns,
            "namespace_name": ns_name,
            "result": result,
            "total_count": total,
        })
    }

    /// Runs `per_cluster` over the clusters `cluster_param` covers, merging the items in
    /// cluster order and recording one `each_range_list_state` entry per cluster. A cluster
    /// that cannot be reached contributes an error entry and no items; asking for it alone
    /// is a top-level error.
    pub fn fan_out<T>(
        &self,
        cluster_param: &str,
        tenant_param: &str,
        mut per_cluster: impl FnMut(usize) -> Vec<T>,
    ) -> Result<(Vec<T>, Vec<Value>), ApiError> {
        let clusters = self.scope(cluster_param)?;
        let mut items = Vec::new();
        let mut states = Vec::with_capacity(clusters.len());
        for c in clusters {
            let tenant = self.tenant_in(c, tenant_param);
            if let Err(e) = self.reachable(c) {
                states.push(self.range_state(c, tenant, Err(e)));
                continue;
            }
            let found = per_cluster(c);
            states.push(self.range_state(c, tenant, Ok(found.len())));
            items.extend(found);
        }
        Ok((items, states))
    }
}
