/// What a platform can do. The UI asks these questions instead of checking the platform name,
/// so a fourth platform only has to fill this in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    pub snapshot_layout: SnapshotLayout,
    pub memory_snapshots: bool,
    /// File-system-consistent snapshots are possible while the guest tools run (CloudTower).
    pub consistent_snapshots: bool,
    /// Snapshots are taken per volume (ZStack).
    pub volume_snapshots: bool,
    /// A VM-level snapshot takes one snapshot of each volume as a group (ZStack 3.6+).
    pub snapshot_groups: bool,
    pub edit_snapshot_description: bool,
    /// Roll back chosen disks only (TopHC `volume/snapshot/rollback`).
    pub per_disk_rollback: bool,
    pub snapshot_delete: SnapshotDeleteRule,
    /// The platform refuses to roll back a running VM, or to restore one in place.
    pub rollback_requires_stopped: bool,
    /// vmdeck can stop and start VMs (offered before an operation that needs the VM stopped).
    pub power_actions: bool,
    pub rebuild_vm_from_snapshot: bool,
    /// The kinds of backup the Backups pane can show, the first being the default.
    pub backup_categories: Vec<BackupCategory>,
    /// Backups are written to named backup points / storages the user chooses.
    pub backup_points: bool,
    pub backup_full_or_incremental: bool,
    /// Backups are made by plans that can also be run on demand (CloudTower).
    pub backup_plans: bool,
    /// Incremental backups hang off a parent; the chain can be read (CloudTower).
    pub backup_chains: bool,
    pub restore_to_new_vm: bool,
    /// What the "restore to a new VM" form asks for.
    pub restore_placement: RestorePlacement,
    pub restore_in_place: bool,
    /// Copy a backup to another backup storage, and bring one back from it (ZStack).
    pub backup_sync: bool,
    /// Make root/data volume templates from a volume backup (ZStack).
    pub backup_templates: bool,
    pub remote_backups: bool,
    pub database_backups: bool,
    /// The platform has a task API (otherwise the tracker polls resources).
    pub task_api: bool,
    /// The platform lists work others started, shown beside ours in Tasks.
    pub platform_tasks: bool,
    /// Backups can be listed for a whole cluster, not only per VM.
    pub cluster_backups: bool,
    /// `Backend::console` gives a URL the operator's browser can open (`v`).
    pub console: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotLayout {
    /// One tree per VM (TopHC).
    Tree,
    /// A flat list ordered by time (CloudTower).
    Flat,
    /// One or more trees per volume (ZStack).
    PerVolumeTrees,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotDeleteRule {
    /// Deletes only that snapshot.
    Single,
    /// The platform refuses when the snapshot has more than one child (TopHC).
    RefusedWithManyChildren,
    /// Every descendant goes too (ZStack).
    RemovesDescendants,
}

/// Which backups a list holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BackupCategory {
    /// Whole-VM backups (TopHC backups, CloudTower restore points, ZStack VM backups).
    #[default]
    Vm,
    /// One volume's backups (ZStack).
    Volume,
    /// Backups of the management node's database (ZStack).
    Database,
}

impl BackupCategory {
    pub fn label(self) -> &'static str {
        match self {
            BackupCategory::Vm => "VM backups",
            BackupCategory::Volume => "volume backups",
            BackupCategory::Database => "database backups",
        }
    }
}

/// Where "restore to a new VM" puts the new VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestorePlacement {
    /// Zone, object group, and per disk a pool, volume name and type (TopHC).
    ZoneGroupDisks,
    /// Target cluster and host, and each network of the backup mapped to one there (CloudTower).
    ClusterHostNetworks,
    /// The platform places it; only a name is asked (ZStack).
    NameOnly,
}
