//! Every mutation vmdeck can perform, as a value. The preview dialog, the fetcher's
//! read-only guard and the task tracker all work from this one description.

use crate::model::{BackupRef, Named, RemoteBackup, RestoreSpec, SnapshotDisk, SnapshotRef, VmRef};

#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    CreateSnapshot {
        vm: VmRef,
        name: String,
        description: String,
        memory: bool,
    },
    EditSnapshot {
        vm: VmRef,
        snapshot: SnapshotRef,
        description: String,
    },
    RollbackSnapshot {
        vm: VmRef,
        snapshot: SnapshotRef,
        memory: bool,
    },
    RollbackDisks {
        vm: VmRef,
        snapshot: SnapshotRef,
        disks: Vec<SnapshotDisk>,
    },
    DeleteSnapshot {
        vm: VmRef,
        snapshot: SnapshotRef,
    },
    CreateBackup {
        vm: VmRef,
        point: Named,
        name: String,
        description: String,
        full: bool,
    },
    DeleteBackup {
        backup: BackupRef,
    },
    RestoreBackup {
        backup: BackupRef,
        spec: RestoreSpec,
    },
    ImportRemoteBackups {
        cluster: Named,
        point: Named,
        backups: Vec<RemoteBackup>,
    },
}

/// How careful the confirmation must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Danger {
    /// Adds something; a yes/no confirmation.
    Additive,
    /// Changes or destroys state; confirmation, and for some the target's name typed.
    Destructive,
}

impl Operation {
    /// Short verb phrase for the task list and dialog titles.
    pub fn title(&self) -> &'static str {
        match self {
            Operation::CreateSnapshot { .. } => "Create snapshot",
            Operation::EditSnapshot { .. } => "Edit snapshot",
            Operation::RollbackSnapshot { .. } => "Roll back VM",
            Operation::RollbackDisks { .. } => "Roll back disks",
            Operation::DeleteSnapshot { .. } => "Delete snapshot",
            Operation::CreateBackup { .. } => "Create backup",
            Operation::DeleteBackup { .. } => "Delete backup",
            Operation::RestoreBackup { .. } => "Restore backup",
            Operation::ImportRemoteBackups { .. } => "Import backups",
        }
    }

    /// What the operation acts on, as an operator would say it.
    pub fn target(&self) -> String {
        match self {
            Operation::CreateSnapshot { vm, name, .. } => format!("{} ← snapshot {name}", vm.name),
            Operation::EditSnapshot { vm, snapshot, .. }
            | Operation::RollbackSnapshot { vm, snapshot, .. }
            | Operation::RollbackDisks { vm, snapshot, .. }
            | Operation::DeleteSnapshot { vm, snapshot } => {
                format!("{} · snapshot {}", vm.name, snapshot.name)
            }
            Operation::CreateBackup { vm, point, .. } => format!("{} → {}", vm.name, point.name),
            Operation::DeleteBackup { backup } => {
                format!("backup {} of {}", backup.name, backup.vm.name)
            }
            Operation::RestoreBackup { backup, spec } => {
                format!("backup {} → new VM {}", backup.name, spec.new_vm_name)
            }
            Operation::ImportRemoteBackups { point, backups, .. } => {
                format!("{} backup(s) from {}", backups.len(), point.name)
            }
        }
    }

    /// What will happen, in plain sentences, for the preview.
    pub fn effects(&self) -> Vec<String> {
        match self {
            Operation::CreateSnapshot {
                vm, name, memory, ..
            } => {
                let mut v = vec![format!("Take snapshot \"{name}\" of VM {}.", vm.name)];
                if *memory {
                    v.push("Memory state is saved too; the snapshot is usable only once the memory dump has uploaded.".into());
                }
                v
            }
            Operation::EditSnapshot {
                snapshot,
                description,
                ..
            } => vec![format!(
                "Set the description of snapshot \"{}\" to \"{description}\".",
                snapshot.name
            )],
            Operation::RollbackSnapshot {
                vm,
                snapshot,
                memory,
            } => {
                let mut v = vec![
                    format!("VM {} returns to snapshot \"{}\".", vm.name, snapshot.name),
                    "Everything written since that snapshot and not saved in another snapshot is lost.".into(),
                ];
                if *memory {
                    v.push(
                        "The VM restarts into the running state saved with the snapshot.".into(),
                    );
                }
                v
            }
            Operation::RollbackDisks {
                vm,
                snapshot,
                disks,
            } => vec![
                format!(
                    "Disks {} of VM {} return to snapshot \"{}\".",
                    disks
                        .iter()
                        .map(|d| d.device.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    vm.name,
                    snapshot.name
                ),
                "Only disk data changes; the VM configuration stays as it is.".into(),
            ],
            Operation::DeleteSnapshot { vm, snapshot } => vec![format!(
                "Snapshot \"{}\" of VM {} is deleted. This cannot be undone.",
                snapshot.name, vm.name
            )],
            Operation::CreateBackup {
                vm,
                point,
                full,
                name,
                ..
            } => vec![format!(
                "Write a {} backup \"{name}\" of VM {} to {}.",
                if *full { "full" } else { "incremental" },
                vm.name,
                point.name
            )],
            Operation::DeleteBackup { backup } => vec![format!(
                "Backup \"{}\" of VM {} is deleted, with its data on the backup point. This cannot be undone.",
                backup.name, backup.vm.name
            )],
            Operation::RestoreBackup { backup, spec } => vec![
                format!(
                    "Create a new VM \"{}\" from backup \"{}\" ({} disk(s)).",
                    spec.new_vm_name,
                    backup.name,
                    spec.disks.len()
                ),
                format!("The original VM {} is not touched.", backup.vm.name),
            ],
            Operation::ImportRemoteBackups {
                cluster,
                point,
                backups,
            } => vec![format!(
                "Add {} backup(s) found on {} to cluster {}.",
                backups.len(),
                point.name,
                cluster.name
            )],
        }
    }

    pub fn danger(&self) -> Danger {
        match self {
            Operation::CreateSnapshot { .. }
            | Operation::CreateBackup { .. }
            | Operation::RestoreBackup { .. }
            | Operation::ImportRemoteBackups { .. }
            | Operation::EditSnapshot { .. } => Danger::Additive,
            Operation::RollbackSnapshot { .. }
            | Operation::RollbackDisks { .. }
            | Operation::DeleteSnapshot { .. }
            | Operation::DeleteBackup { .. } => Danger::Destructive,
        }
    }

    /// The name the operator must type to confirm, for rollbacks and deletes.
    pub fn typed_confirmation(&self) -> Option<&str> {
        match self {
            Operation::RollbackSnapshot { snapshot, .. }
            | Operation::RollbackDisks { snapshot, .. }
            | Operation::DeleteSnapshot { snapshot, .. } => Some(&snapshot.name),
            Operation::DeleteBackup { backup } => Some(&backup.name),
            _ => None,
        }
    }

    /// The VM whose views should be re-read when this finishes.
    pub fn vm(&self) -> Option<&VmRef> {
        match self {
            Operation::CreateSnapshot { vm, .. }
            | Operation::EditSnapshot { vm, .. }
            | Operation::RollbackSnapshot { vm, .. }
            | Operation::RollbackDisks { vm, .. }
            | Operation::DeleteSnapshot { vm, .. }
            | Operation::CreateBackup { vm, .. } => Some(vm),
            _ => None,
        }
    }

    /// The cluster the operation runs in.
    pub fn cluster(&self) -> &Named {
        match self {
            Operation::CreateSnapshot { vm, .. }
            | Operation::EditSnapshot { vm, .. }
            | Operation::RollbackSnapshot { vm, .. }
            | Operation::RollbackDisks { vm, .. }
            | Operation::DeleteSnapshot { vm, .. }
            | Operation::CreateBackup { vm, .. } => &vm.cluster,
            Operation::DeleteBackup { backup } | Operation::RestoreBackup { backup, .. } => {
                &backup.cluster
            }
            Operation::ImportRemoteBackups { cluster, .. } => cluster,
        }
    }
}
