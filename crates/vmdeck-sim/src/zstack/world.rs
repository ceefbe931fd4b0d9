//! The simulated ZStack world: infrastructure, VMs and their volumes, snapshot trees,
//! snapshot groups, backups of three kinds, long jobs and api-jobs, with simulated time.
//! Rows are never moved: a deleted row is flagged, so indexes stay valid.

use std::collections::HashMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::ids::Uid;
use super::jobs::{self, Jobs};

pub const GIB: u64 = 1 << 30;
pub const MIB: u64 = 1 << 20;

/// `volumeSnapshot.incrementalSnapshot.maxNum`: a chain this deep starts a new tree.
pub const MAX_INCREMENTAL_SNAPSHOTS: usize = 64;

#[derive(Clone, Debug)]
pub struct Stamp {
    pub create: i64,
    pub last_op: i64,
}

impl Stamp {
    pub fn at(t: i64) -> Stamp {
        Stamp {
            create: t,
            last_op: t,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ManagementNode {
    pub uuid: Uid,
    pub host_name: String,
    pub join: i64,
    pub version: &'static str,
}

#[derive(Clone, Debug)]
pub struct Zone {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub is_default: bool,
    pub stamp: Stamp,
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub zone: usize,
    pub ps: usize,
    pub stamp: Stamp,
}

#[derive(Clone, Debug)]
pub struct Host {
    pub uuid: Uid,
    pub name: String,
    pub zone: usize,
    pub cluster: usize,
    pub ip: String,
    pub state: &'static str,
    pub status: &'static str,
    pub cpu_num: u32,
    pub cpu_sockets: u32,
    pub memory: u64,
    pub os: (&'static str, &'static str, &'static str),
    pub stamp: Stamp,
}

#[derive(Clone, Debug)]
pub struct PrimaryStorage {
    pub uuid: Uid,
    pub name: String,
    pub ps_type: &'static str,
    pub url: String,
    pub zone: usize,
    pub total: u64,
    pub stamp: Stamp,
}

#[derive(Clone, Debug)]
pub struct BackupStorage {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub bs_type: &'static str,
    pub url: String,
    pub hostname: String,
    pub state: &'static str,
    pub status: &'static str,
    pub total: u64,
    pub used: u64,
    pub zones: Vec<usize>,
    /// A disaster-recovery store in another site (system tag `remote`).
    pub remote: bool,
    pub stamp: Stamp,
}

impl BackupStorage {
    pub fn is_image_store(&self) -> bool {
        self.bs_type == "ImageStoreBackupStorage"
    }

    pub fn usable(&self) -> bool {
        self.state == "Enabled" && self.status == "Connected"
    }
}

#[derive(Clone, Debug)]
pub struct L3Network {
    pub uuid: Uid,
    pub name: String,
    pub zone: usize,
    /// First three octets, e.g. `10.10.1`.
    pub prefix: String,
    pub stamp: Stamp,
}

#[derive(Clone, Debug)]
pub struct ImageRef {
    pub bs: usize,
    pub install_path: String,
    pub status: &'static str,
    pub stamp: Stamp,
}

#[derive(Clone, Debug)]
pub struct Image {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub media_type: &'static str,
    pub platform: String,
    pub guest_os_type: Option<String>,
    pub architecture: &'static str,
    pub format: &'static str,
    pub status: &'static str,
    pub size: u64,
    pub actual_size: u64,
    pub system: bool,
    pub refs: Vec<ImageRef>,
    pub stamp: Stamp,
}

#[derive(Clone, Debug)]
pub struct Nic {
    pub uuid: Uid,
    pub l3: usize,
    pub ip: String,
    pub mac: String,
    pub device_id: u32,
    pub internal_name: String,
}

#[derive(Clone, Debug)]
pub struct Vm {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub zone: usize,
    pub cluster: usize,
    pub host: Option<usize>,
    pub last_host: Option<usize>,
    pub image: usize,
    pub instance_offering: Uid,
    pub platform: String,
    pub guest_os_type: String,
    pub cpu_num: u32,
    pub memory: u64,
    pub state: &'static str,
    /// Root first, then data volumes by device id.
    pub volumes: Vec<usize>,
    pub nics: Vec<Nic>,
    pub stamp: Stamp,
    pub deleted: bool,
}

impl Vm {
    pub fn root(&self) -> usize {
        self.volumes[0]
    }
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub ps: usize,
    pub vm: Option<usize>,
    pub root: bool,
    pub root_image: Option<usize>,
    pub disk_offering: Option<Uid>,
    pub install_path: String,
    pub size: u64,
    pub actual_size: u64,
    pub device_id: u32,
    pub status: &'static str,
    /// Its snapshot trees, oldest first.
    pub trees: Vec<usize>,
    pub stamp: Stamp,
    pub deleted: bool,
}

impl Volume {
    pub fn vtype(&self) -> &'static str {
        if self.root { "Root" } else { "Data" }
    }
}

#[derive(Clone, Debug)]
pub struct SnapshotBsRef {
    pub bs: usize,
    pub install_path: String,
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub volume: usize,
    pub tree: usize,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub install_path: String,
    pub size: u64,
    pub distance: u32,
    pub state: &'static str,
    pub status: &'static str,
    pub group: Option<usize>,
    pub bs_refs: Vec<SnapshotBsRef>,
    pub stamp: Stamp,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct SnapshotTree {
    pub uuid: Uid,
    pub volume: usize,
    pub current: bool,
    pub root: Option<usize>,
    /// The node the volume sat on when this tree was last current (`latest=true`).
    pub latest: Option<usize>,
    pub stamp: Stamp,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct GroupRef {
    pub snapshot: usize,
    pub volume: usize,
    pub device_id: u32,
    pub volume_name: String,
    pub volume_type: &'static str,
    pub install_path: String,
    pub snapshot_name: String,
    pub volume_last_attach: i64,
}

#[derive(Clone, Debug)]
pub struct SnapshotGroup {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub vm: usize,
    pub with_memory: bool,
    pub refs: Vec<GroupRef>,
    pub stamp: Stamp,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct BackupRef {
    pub bs: usize,
    pub install_path: String,
    pub status: &'static str,
    /// Database backups only: set once exported.
    pub export_url: Option<String>,
    pub stamp: Stamp,
}

/// A backup of either kind, as far as its copies on backup storages go.
pub trait Copies {
    fn copies(&mut self) -> &mut Vec<BackupRef>;
    fn size(&self) -> u64;
    /// Stamps the change and, when no copy is left, deletes the backup.
    fn touched(&mut self, now: i64);
}

macro_rules! copies {
    ($t:ty) => {
        impl Copies for $t {
            fn copies(&mut self) -> &mut Vec<BackupRef> {
                &mut self.refs
            }
            fn size(&self) -> u64 {
                self.size
            }
            fn touched(&mut self, now: i64) {
                self.stamp.last_op = now;
                if self.refs.is_empty() {
                    self.deleted = true;
                    self.status = "Deleted";
                }
            }
        }
    };
}
copies!(VolumeBackup);
copies!(DatabaseBackup);

/// Removes a backup's copies on `stores` (all of them when `None`) and frees their space on
/// each store; a backup left without copies is deleted. Both kinds of backup delete this way.
pub fn drop_copies(
    backup: &mut dyn Copies,
    storages: &mut [BackupStorage],
    stores: Option<&[usize]>,
    now: i64,
) {
    let size = backup.size();
    let mut freed = Vec::new();
    backup.copies().retain(|r| {
        let gone = stores.is_none_or(|s| s.contains(&r.bs));
        if gone {
            freed.push(r.bs);
        }
        !gone
    });
    backup.touched(now);
    for bs in freed {
        let s = &mut storages[bs];
        s.used = s.used.saturating_sub(size);
    }
}

#[derive(Clone, Debug)]
pub struct VolumeBackup {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    /// `None` once the volume is gone.
    pub volume: Option<usize>,
    /// What the row keeps of the volume (uuid survives the volume).
    pub volume_uuid: Uid,
    pub vm_uuid: Option<Uid>,
    pub root: bool,
    pub state: &'static str,
    pub status: &'static str,
    pub size: u64,
    pub mode: &'static str,
    pub group: Option<Uid>,
    pub metadata: String,
    pub refs: Vec<BackupRef>,
    pub stamp: Stamp,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct DatabaseBackup {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub state: &'static str,
    pub status: &'static str,
    pub size: u64,
    pub metadata: String,
    pub refs: Vec<BackupRef>,
    pub stamp: Stamp,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct LongJob {
    pub uuid: Uid,
    pub name: String,
    pub description: Option<String>,
    pub api_id: Uid,
    pub job_name: String,
    pub job_data: String,
    pub job_result: Option<String>,
    pub state: &'static str,
    pub target: Option<Uid>,
    pub execute_secs: Option<i64>,
    pub stamp: Stamp,
    pub deleted: bool,
}

/// Sessions live in the world so that the clock that expires them is the world's.
#[derive(Clone, Debug)]
pub struct Session {
    pub uuid: Uid,
    pub create: i64,
    pub expire: i64,
    pub epoch: u64,
}

pub struct World {
    /// Simulated seconds since start, and simulated unix time, as of the last `advance`.
    pub elapsed: f64,
    pub now: i64,
    pub rng: ChaCha8Rng,
    pub account_uuid: Uid,
    pub mn: ManagementNode,
    pub zones: Vec<Zone>,
    pub clusters: Vec<Cluster>,
    pub hosts: Vec<Host>,
    pub primary_storages: Vec<PrimaryStorage>,
    pub backup_storages: Vec<BackupStorage>,
    pub l3s: Vec<L3Network>,
    pub images: Vec<Image>,
    pub vms: Vec<Vm>,
    pub volumes: Vec<Volume>,
    pub snapshots: Vec<Snapshot>,
    pub trees: Vec<SnapshotTree>,
    pub groups: Vec<SnapshotGroup>,
    pub volume_backups: Vec<VolumeBackup>,
    pub db_backups: Vec<DatabaseBackup>,
    pub long_jobs: Vec<LongJob>,
    pub sessions: HashMap<Uid, Session>,
    pub jobs: Jobs<World>,
    /// Fx: a big world registers hundreds of thousands of uuids at start-up.
    pub index: rustc_hash::FxHashMap<Uid, (Kind, usize)>,
}

/// What a uuid names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Zone,
    Cluster,
    Host,
    PrimaryStorage,
    BackupStorage,
    L3,
    Image,
    Vm,
    Volume,
    Snapshot,
    Tree,
    Group,
    VolumeBackup,
    DatabaseBackup,
    LongJob,
    ManagementNode,
}

impl World {
    pub fn empty(seed: u64) -> World {
        World {
            elapsed: 0.0,
            now: 0,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5a57_ac4b),
            account_uuid: Uid(0),
            mn: ManagementNode {
                uuid: Uid(0),
                host_name: String::new(),
                join: 0,
                version: "",
            },
            zones: vec![],
            clusters: vec![],
            hosts: vec![],
            primary_storages: vec![],
            backup_storages: vec![],
            l3s: vec![],
            images: vec![],
            vms: vec![],
            volumes: vec![],
            snapshots: vec![],
            trees: vec![],
            groups: vec![],
            volume_backups: vec![],
            db_backups: vec![],
            long_jobs: vec![],
            sessions: HashMap::new(),
            jobs: Jobs::default(),
            index: Default::default(),
        }
    }

    /// A fresh uuid nobody holds (or the client's `resourceUuid`).
    pub fn new_uid(&mut self) -> Uid {
        loop {
            let u = Uid::random(&mut self.rng);
            if !self.index.contains_key(&u) {
                return u;
            }
        }
    }

    pub fn register(&mut self, uuid: Uid, kind: Kind, idx: usize) {
        self.index.insert(uuid, (kind, idx));
    }

    /// The live row of `kind` a uuid string names.
    pub fn find(&self, kind: Kind, uuid: &str) -> Option<usize> {
        let u = Uid::parse(uuid)?;
        let (k, i) = *self.index.get(&u)?;
        (k == kind && self.alive(k, i)).then_some(i)
    }

    pub fn alive(&self, kind: Kind, i: usize) -> bool {
        match kind {
            Kind::Vm => !self.vms[i].deleted,
            Kind::Volume => !self.volumes[i].deleted,
            Kind::Snapshot => !self.snapshots[i].deleted,
            Kind::Tree => !self.trees[i].deleted,
            Kind::Group => !self.groups[i].deleted,
            Kind::VolumeBackup => !self.volume_backups[i].deleted,
            Kind::DatabaseBackup => !self.db_backups[i].deleted,
            Kind::LongJob => !self.long_jobs[i].deleted,
            _ => true,
        }
    }

    pub fn vm_of_volume(&self, v: usize) -> Option<usize> {
        self.volumes[v].vm.filter(|&vm| !self.vms[vm].deleted)
    }

    /// Snapshot `s` and all its live descendants, parents before children.
    pub fn subtree(&self, s: usize) -> Vec<usize> {
        let mut out = vec![s];
        let mut i = 0;
        while i < out.len() {
            let n = out[i];
            out.extend(
                self.snapshots[n]
                    .children
                    .iter()
                    .copied()
                    .filter(|&c| !self.snapshots[c].deleted),
            );
            i += 1;
        }
        out
    }

    /// The volume's current tree, if any.
    pub fn current_tree(&self, v: usize) -> Option<usize> {
        self.trees_of(v)
            .into_iter()
            .find(|&t| self.trees[t].current)
    }

    pub fn trees_of(&self, v: usize) -> Vec<usize> {
        self.volumes[v]
            .trees
            .iter()
            .copied()
            .filter(|&t| !self.trees[t].deleted)
            .collect()
    }

    fn depth(&self, s: usize) -> usize {
        let mut d = 0;
        let mut cur = self.snapshots[s].parent;
        while let Some(p) = cur {
            d += 1;
            cur = self.snapshots[p].parent;
        }
        d
    }

    /// Takes a snapshot of volume `v` at unix time `t`, by the life-cycle rules: it becomes
    /// a child of the current tree's `latest` node and takes over `latest`; without a
    /// current tree (first snapshot, or the volume was replaced from a backup), or when the
    /// chain reached [`MAX_INCREMENTAL_SNAPSHOTS`], it is the root of a new current tree.
    pub fn take_snapshot(
        &mut self,
        v: usize,
        uuid: Uid,
        name: String,
        description: Option<String>,
        t: i64,
        status: &'static str,
    ) -> usize {
        let parent = self
            .current_tree(v)
            .and_then(|tr| self.trees[tr].latest.map(|l| (tr, l)))
            .filter(|&(_, l)| self.depth(l) + 1 < MAX_INCREMENTAL_SNAPSHOTS);
        let idx = self.snapshots.len();
        let tree = match parent {
            Some((tr, _)) => tr,
            None => {
                for tr in self.trees_of(v) {
                    self.trees[tr].current = false;
                }
                let tu = self.new_uid();
                let ti = self.trees.len();
                self.trees.push(SnapshotTree {
                    uuid: tu,
                    volume: v,
                    current: true,
                    root: Some(idx),
                    latest: None,
                    stamp: Stamp::at(t),
                    deleted: false,
                });
                self.register(tu, Kind::Tree, ti);
                self.volumes[v].trees.push(ti);
                ti
            }
        };
        let parent = parent.map(|(_, l)| l);
        let file = self.new_uid();
        let vol = &self.volumes[v];
        let install_path =
            volume_install_path(&self.primary_storages[vol.ps], vol.uuid, file, vol.root);
        let size = (vol.actual_size / 20).max(64 * MIB) + (uuid.0 % 512) as u64 * MIB;
        let distance = parent.map(|p| self.snapshots[p].distance + 1).unwrap_or(0);
        self.snapshots.push(Snapshot {
            uuid,
            name,
            description,
            volume: v,
            tree,
            parent,
            children: vec![],
            install_path,
            size,
            distance,
            state: "Enabled",
            status,
            group: None,
            bs_refs: vec![],
            stamp: Stamp::at(t),
            deleted: false,
        });
        self.register(uuid, Kind::Snapshot, idx);
        if let Some(p) = parent {
            self.snapshots[p].children.push(idx);
        }
        self.trees[tree].latest = Some(idx);
        self.trees[tree].stamp.last_op = t;
        idx
    }

    /// Reverts the volume to snapshot `s`: `s` becomes its tree's `latest`, its tree the
    /// volume's current one; the volume gets a new install path (a new top file on `s`).
    pub fn revert_to_snapshot(&mut self, s: usize, t: i64) {
        let (v, tree) = (self.snapshots[s].volume, self.snapshots[s].tree);
        for tr in self.trees_of(v) {
            self.trees[tr].current = tr == tree;
        }
        self.trees[tree].latest = Some(s);
        self.trees[tree].stamp.last_op = t;
        self.snapshots[s].stamp.last_op = t;
        let path = self.new_install_path(v);
        let vol = &mut self.volumes[v];
        vol.install_path = path;
        vol.stamp.last_op = t;
    }

    /// The volume's disk was replaced (revert from a backup): no tree is current any more,
    /// so its next snapshot starts a new tree.
    pub fn replace_volume_disk(&mut self, v: usize, t: i64) {
        for tr in self.trees_of(v) {
            self.trees[tr].current = false;
            self.trees[tr].stamp.last_op = t;
        }
        let path = self.new_install_path(v);
        let vol = &mut self.volumes[v];
        vol.install_path = path;
        vol.stamp.last_op = t;
    }

    /// Deletes snapshot `s` and all its descendants. When that takes the tree's `latest`
    /// node, the data is merged into the volume and `s`'s parent becomes `latest` (the
    /// volume now sits on it); deleting a tree's root deletes the tree.
    pub fn delete_snapshot_subtree(&mut self, s: usize, t: i64) -> Vec<usize> {
        let gone = self.subtree(s);
        let tree = self.snapshots[s].tree;
        let parent = self.snapshots[s].parent;
        let took_latest = self.trees[tree].latest.is_some_and(|l| gone.contains(&l));
        for &g in &gone {
            self.snapshots[g].deleted = true;
            self.snapshots[g].status = "Deleted";
        }
        if let Some(p) = parent {
            self.snapshots[p].children.retain(|c| !gone.contains(c));
            if took_latest {
                self.trees[tree].latest = Some(p);
            }
        } else {
            self.trees[tree].deleted = true;
            self.trees[tree].current = false;
            self.trees[tree].latest = None;
        }
        self.trees[tree].stamp.last_op = t;
        // a group whose snapshots are all gone goes with them
        let groups: Vec<usize> = gone
            .iter()
            .filter_map(|&g| self.snapshots[g].group)
            .collect();
        for g in groups {
            if self.groups[g]
                .refs
                .iter()
                .all(|r| self.snapshots[r.snapshot].deleted)
            {
                self.groups[g].deleted = true;
            }
        }
        gone
    }

    pub fn new_install_path(&mut self, v: usize) -> String {
        let file = self.new_uid();
        let vol = &self.volumes[v];
        let ps = &self.primary_storages[vol.ps];
        volume_install_path(ps, vol.uuid, file, vol.root)
    }
}

/// Where a volume (or a snapshot file of it) lives on its primary storage.
pub fn volume_install_path(ps: &PrimaryStorage, vol: Uid, file: Uid, root: bool) -> String {
    match ps.ps_type {
        "Ceph" => format!("ceph://pool-{}/{file}", &ps.uuid.to_string()[..8]),
        "SharedBlock" => format!("sharedblock://{}/{file}", ps.uuid),
        _ => {
            let kind = if root { "rootVolumes" } else { "dataVolumes" };
            format!(
                "{}/{kind}/acct-36c27e8ff05c4780bf6d2fa65700f22e/vol-{vol}/{file}.qcow2",
                ps.url
            )
        }
    }
}

/// The work of an api-job on this world.
pub type Finish = jobs::Finish<World>;

impl World {
    /// Brings the world to simulated time `elapsed` (`now` unix): runs every job that is
    /// due, each at its own moment and in order, then drops expired job records.
    pub fn advance(&mut self, elapsed: f64, now: i64) {
        let offset = now as f64 - elapsed;
        while let Some((id, finish, at)) = self.jobs.next_due(elapsed) {
            self.elapsed = at.max(self.elapsed);
            self.now = (offset + at) as i64;
            let result = finish(self);
            self.jobs.complete(&id, result);
        }
        self.elapsed = elapsed.max(self.elapsed);
        self.now = now.max(self.now);
        self.jobs.purge(self.now);
    }

    /// Schedules work `secs` from now (see [`Jobs::schedule`]).
    pub fn schedule(&mut self, id: String, api: &str, public: bool, secs: f64, finish: Finish) {
        let at = (self.elapsed, self.now);
        self.jobs.schedule(id, api, public, at, secs, finish);
    }
}
