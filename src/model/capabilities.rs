/// What a platform can do. The UI asks these questions instead of checking the platform name,
/// so a fourth platform only has to fill this in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    pub snapshot_layout: SnapshotLayout,
    pub memory_snapshots: bool,
    pub edit_snapshot_description: bool,
    /// Roll back chosen disks only (TopHC `volume/snapshot/rollback`).
    pub per_disk_rollback: bool,
    pub snapshot_delete: SnapshotDeleteRule,
    /// The platform refuses to roll back a running VM.
    pub rollback_requires_stopped: bool,
    pub rebuild_vm_from_snapshot: bool,
    /// Backups are written to named backup points / storages the user chooses.
    pub backup_points: bool,
    pub backup_full_or_incremental: bool,
    pub restore_to_new_vm: bool,
    pub restore_in_place: bool,
    pub remote_backups: bool,
    pub database_backups: bool,
    /// The platform has a task API (otherwise the tracker polls resources).
    pub task_api: bool,
    /// Backups can be listed for a whole cluster, not only per VM.
    pub cluster_backups: bool,
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
