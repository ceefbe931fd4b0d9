//! Every mutation vmdeck can perform, as a value. The preview dialog, the fetcher's
//! read-only guard and the task tracker all work from this one description.
//!
//! Each platform's backend turns the operations it supports into HTTP calls (`plan`) and
//! sends them (`submit`); the UI offers an operation only when the platform's
//! `Capabilities` say it exists, so a backend may refuse the others.

use secrecy::{ExposeSecret, SecretString};

use crate::{
    BackupCategory, BackupRef, Named, RemoteBackup, RestoreSpec, SnapshotDisk, SnapshotRef, VmRef,
};

/// A secret an operation needs (a database password). Never printed: `Debug` shows dots,
/// and previews redact it; compared by value so a planned operation is found again.
#[derive(Clone)]
pub struct Secret(pub SecretString);

impl Secret {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(••••)")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    CreateSnapshot {
        vm: VmRef,
        name: String,
        description: String,
        memory: bool,
        /// File-system-consistent (guest tools quiesce the file systems first).
        consistent: bool,
        /// One volume only; `None` snapshots the whole VM (a snapshot group on ZStack).
        volume: Option<Named>,
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
        /// Snapshots below it that the platform deletes with it.
        descendants: usize,
    },
    /// A new VM made from a snapshot; the VM the snapshot is of stays as it is.
    RebuildFromSnapshot {
        vm: VmRef,
        snapshot: SnapshotRef,
        new_vm_name: String,
        power_on: bool,
    },
    StopVm {
        vm: VmRef,
        /// Power off at once instead of asking the guest to shut down.
        force: bool,
    },
    StartVm {
        vm: VmRef,
    },
    CreateBackup {
        vm: VmRef,
        point: Named,
        name: String,
        description: String,
        full: bool,
        /// One volume only (a volume backup); `None` backs up the whole VM.
        volume: Option<Named>,
    },
    DeleteBackup {
        backup: BackupRef,
    },
    /// A new VM from a backup; the backed-up VM is not touched.
    RestoreBackup {
        backup: BackupRef,
        spec: RestoreSpec,
    },
    /// The backed-up VM (or volume) itself goes back to the backup.
    RestoreInPlace {
        backup: BackupRef,
        power_on: bool,
    },
    /// Run a backup plan now instead of waiting for its schedule.
    RunBackupPlan {
        cluster: Named,
        plan: Named,
        full: bool,
    },
    /// Copy a backup to another backup storage.
    SyncBackup {
        backup: BackupRef,
        to: Named,
    },
    /// Bring a backup that only another backup storage holds back into use here.
    RecoverBackup {
        backup: BackupRef,
        from: Named,
    },
    /// A root or data volume template made from a volume backup.
    CreateTemplateFromBackup {
        backup: BackupRef,
        name: String,
        root: bool,
        storage: Named,
    },
    CreateDatabaseBackup {
        storage: Named,
    },
    /// The management node's database goes back to this backup.
    RecoverDatabaseBackup {
        backup: BackupRef,
        /// The management node's MySQL root password, which the platform wants for this.
        mysql_root_password: Secret,
    },
    /// Make a database backup downloadable from a backup storage.
    ExportDatabaseBackup {
        backup: BackupRef,
        storage: Named,
    },
    DeleteExportedDatabaseBackup {
        backup: BackupRef,
        storage: Named,
    },
    ImportRemoteBackups {
        cluster: Named,
        point: Named,
        backups: Vec<RemoteBackup>,
    },
    /// Ask the platform to stop work in progress that it can stop (a ZStack long job).
    CancelTask {
        /// The id the platform cancels it by (a long job's uuid), and its title.
        task: Named,
        /// What it works on, as the Tasks pane shows it.
        target: String,
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
    /// A stable machine name for the kind of operation (the journal's `operation.kind`),
    /// unlike `title`, which is worded for the screen and may change.
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::CreateSnapshot { .. } => "create_snapshot",
            Operation::EditSnapshot { .. } => "edit_snapshot",
            Operation::RollbackSnapshot { .. } => "rollback_snapshot",
            Operation::RollbackDisks { .. } => "rollback_disks",
            Operation::DeleteSnapshot { .. } => "delete_snapshot",
            Operation::RebuildFromSnapshot { .. } => "rebuild_from_snapshot",
            Operation::StopVm { .. } => "stop_vm",
            Operation::StartVm { .. } => "start_vm",
            Operation::CreateBackup { .. } => "create_backup",
            Operation::DeleteBackup { .. } => "delete_backup",
            Operation::RestoreBackup { .. } => "restore_backup",
            Operation::RestoreInPlace { .. } => "restore_in_place",
            Operation::RunBackupPlan { .. } => "run_backup_plan",
            Operation::SyncBackup { .. } => "sync_backup",
            Operation::RecoverBackup { .. } => "recover_backup",
            Operation::CreateTemplateFromBackup { .. } => "create_template_from_backup",
            Operation::CreateDatabaseBackup { .. } => "create_database_backup",
            Operation::RecoverDatabaseBackup { .. } => "recover_database_backup",
            Operation::ExportDatabaseBackup { .. } => "export_database_backup",
            Operation::DeleteExportedDatabaseBackup { .. } => "delete_exported_database_backup",
            Operation::ImportRemoteBackups { .. } => "import_remote_backups",
            Operation::CancelTask { .. } => "cancel_task",
        }
    }

    /// Short verb phrase for the task list and dialog titles.
    pub fn title(&self) -> &'static str {
        match self {
            Operation::CreateSnapshot { volume: None, .. } => "Create snapshot",
            Operation::CreateSnapshot { .. } => "Snapshot volume",
            Operation::EditSnapshot { .. } => "Edit snapshot",
            Operation::RollbackSnapshot {
                snapshot: SnapshotRef { volume: None, .. },
                ..
            } => "Roll back VM",
            Operation::RollbackSnapshot { .. } => "Revert volume",
            Operation::RollbackDisks { .. } => "Roll back disks",
            Operation::DeleteSnapshot { .. } => "Delete snapshot",
            Operation::RebuildFromSnapshot { .. } => "VM from snapshot",
            Operation::StopVm { force: false, .. } => "Shut down VM",
            Operation::StopVm { .. } => "Power off VM",
            Operation::StartVm { .. } => "Start VM",
            Operation::CreateBackup { volume: None, .. } => "Create backup",
            Operation::CreateBackup { .. } => "Back up volume",
            Operation::DeleteBackup { .. } => "Delete backup",
            Operation::RestoreBackup { .. } => "Restore backup",
            Operation::RestoreInPlace { .. } => "Restore in place",
            Operation::RunBackupPlan { .. } => "Run backup plan",
            Operation::SyncBackup { .. } => "Sync backup",
            Operation::RecoverBackup { .. } => "Recover backup",
            Operation::CreateTemplateFromBackup { .. } => "Create template",
            Operation::CreateDatabaseBackup { .. } => "Back up database",
            Operation::RecoverDatabaseBackup { .. } => "Recover database",
            Operation::ExportDatabaseBackup { .. } => "Export DB backup",
            Operation::DeleteExportedDatabaseBackup { .. } => "Delete DB export",
            Operation::ImportRemoteBackups { .. } => "Import backups",
            Operation::CancelTask { .. } => "Cancel task",
        }
    }

    /// What the operation acts on, as an operator would say it.
    pub fn target(&self) -> String {
        self.target_parts().to_string()
    }

    /// [`Operation::target`] in three parts: the name it acts on is the part that gives way
    /// when the target is cut (in the middle), so what was done to it stays readable.
    pub fn target_parts(&self) -> TargetParts {
        match self {
            Operation::CreateSnapshot {
                vm,
                name,
                volume: None,
                ..
            } => TargetParts::new("", &vm.name, format!(" ← snapshot {name}")),
            // A volume's name usually carries its VM's ("ROOT-for-web-01"); the snapshot's
            // name must stay readable in a narrow Tasks pane.
            Operation::CreateSnapshot {
                name,
                volume: Some(v),
                ..
            } => TargetParts::new("", &v.name, format!(" ← snapshot {name}")),
            Operation::EditSnapshot { vm, snapshot, .. }
            | Operation::RollbackSnapshot { vm, snapshot, .. }
            | Operation::RollbackDisks { vm, snapshot, .. }
            | Operation::DeleteSnapshot { vm, snapshot, .. } => {
                let owner = snapshot.volume.as_ref().map_or(&vm.name, |v| &v.name);
                TargetParts::new("", owner, format!(" · snapshot {}", snapshot.name))
            }
            Operation::RebuildFromSnapshot {
                snapshot,
                new_vm_name,
                ..
            } => TargetParts::new(
                "snapshot ",
                &snapshot.name,
                format!(" → new VM {new_vm_name}"),
            ),
            Operation::StopVm { vm, .. } | Operation::StartVm { vm } => {
                TargetParts::new("VM ", &vm.name, "")
            }
            Operation::CreateBackup {
                vm,
                point,
                volume: None,
                ..
            } => TargetParts::new("", &vm.name, format!(" → {}", point.name)),
            Operation::CreateBackup {
                vm,
                point,
                volume: Some(v),
                ..
            } => TargetParts::new("", &vm.name, format!(" / {} → {}", v.name, point.name)),
            Operation::DeleteBackup { backup }
            | Operation::RecoverDatabaseBackup { backup, .. }
            | Operation::RestoreInPlace { backup, .. } => backup_target_parts(backup),
            Operation::RestoreBackup { backup, spec } => TargetParts::new(
                "backup ",
                &backup.name,
                format!(" → new VM {}", spec.new_vm_name),
            ),
            Operation::RunBackupPlan { plan, full, .. } => TargetParts::new(
                "plan ",
                &plan.name,
                format!(" ({})", if *full { "full" } else { "incremental" }),
            ),
            Operation::SyncBackup { backup, to } => {
                backup_target_parts(backup).then(format!(" → {}", to.name))
            }
            Operation::RecoverBackup { backup, from } => {
                backup_target_parts(backup).then(format!(" ← {}", from.name))
            }
            Operation::CreateTemplateFromBackup { backup, name, .. } => {
                backup_target_parts(backup).then(format!(" → template {name}"))
            }
            Operation::CreateDatabaseBackup { storage } => {
                TargetParts::new("database → ", &storage.name, "")
            }
            Operation::ExportDatabaseBackup { backup, storage }
            | Operation::DeleteExportedDatabaseBackup { backup, storage } => {
                backup_target_parts(backup).then(format!(" on {}", storage.name))
            }
            Operation::ImportRemoteBackups { point, backups, .. } => TargetParts::new(
                format!("{} backup(s) from ", backups.len()),
                &point.name,
                "",
            ),
            Operation::CancelTask { task, target } if target.is_empty() => {
                TargetParts::new("", &task.name, "")
            }
            Operation::CancelTask { task, target } => {
                TargetParts::new("", &task.name, format!(" · {target}"))
            }
        }
    }

    /// What will happen, in plain sentences, for the preview.
    pub fn effects(&self) -> Vec<String> {
        match self {
            Operation::CreateSnapshot {
                vm,
                name,
                memory,
                consistent,
                volume,
                ..
            } => {
                let mut v = vec![match volume {
                    None => format!("Take snapshot \"{name}\" of VM {}.", vm.name),
                    Some(vol) => format!(
                        "Take snapshot \"{name}\" of volume {} of VM {}.",
                        vol.name, vm.name
                    ),
                }];
                if *memory {
                    v.push("Memory state is saved too; the snapshot is usable only once the memory dump has uploaded.".into());
                }
                if *consistent {
                    v.push("The guest tools flush and freeze the file systems first (file-system consistent).".into());
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
                    match &snapshot.volume {
                        None => format!("VM {} returns to snapshot \"{}\".", vm.name, snapshot.name),
                        Some(vol) => format!(
                            "Volume {} of VM {} returns to snapshot \"{}\".",
                            vol.name, vm.name, snapshot.name
                        ),
                    },
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
            Operation::DeleteSnapshot {
                vm,
                snapshot,
                descendants,
            } => {
                let mut v = vec![format!(
                    "Snapshot \"{}\" of VM {} is deleted. This cannot be undone.",
                    snapshot.name, vm.name
                )];
                if *descendants > 0 {
                    v.push(format!(
                        "The {descendants} snapshot(s) below it are deleted with it."
                    ));
                }
                v
            }
            Operation::RebuildFromSnapshot {
                vm,
                snapshot,
                new_vm_name,
                power_on,
            } => vec![
                format!(
                    "Create a new VM \"{new_vm_name}\" from snapshot \"{}\" of VM {}.",
                    snapshot.name, vm.name
                ),
                format!("VM {} itself is not touched.", vm.name),
                if *power_on {
                    "The new VM is started once it is built.".into()
                } else {
                    "The new VM stays stopped.".into()
                },
            ],
            Operation::StopVm { vm, force } => vec![if *force {
                format!(
                    "VM {} is powered off at once, like pulling the plug: unsaved guest data is lost.",
                    vm.name
                )
            } else {
                format!(
                    "VM {} is asked to shut down; its services stop until it is started again.",
                    vm.name
                )
            }],
            Operation::StartVm { vm } => vec![format!("VM {} is started.", vm.name)],
            Operation::CreateBackup {
                vm,
                point,
                full,
                name,
                volume,
                ..
            } => vec![format!(
                "Write a {} backup \"{name}\" of {} to {}.",
                if *full { "full" } else { "incremental" },
                match volume {
                    None => format!("VM {}", vm.name),
                    Some(v) => format!("volume {} of VM {}", v.name, vm.name),
                },
                point.name
            )],
            Operation::DeleteBackup { backup } => vec![match (backup.category, &backup.volume) {
                (BackupCategory::Vm, None) => format!(
                    "Backup \"{}\" of VM {} is deleted, with its data on the backup point. This cannot be undone.",
                    backup.name, backup.vm.name
                ),
                _ => format!(
                    "{} is deleted, with its data on the backup storage. This cannot be undone.",
                    capitalize(&backup_target(backup))
                ),
            }],
            Operation::RestoreBackup { backup, spec } => {
                let mut v = vec![
                    format!(
                        "Create a new VM \"{}\" from backup \"{}\".",
                        spec.new_vm_name, backup.name
                    ),
                    format!("The original VM {} is not touched.", backup.vm.name),
                ];
                if let Some(c) = &spec.cluster {
                    let host = spec
                        .host
                        .as_ref()
                        .map(|h| format!(", host {}", h.name))
                        .unwrap_or_default();
                    v.push(format!("It is placed in cluster {}{host}.", c.name));
                }
                for m in &spec.networks {
                    v.push(format!(
                        "What was on network {} is attached to {}.",
                        m.from.name, m.to.name
                    ));
                }
                if spec.power_on {
                    v.push("The new VM is started once it is restored.".into());
                }
                v
            }
            Operation::RestoreInPlace { backup, power_on } => {
                let what = match &backup.volume {
                    Some(vol) => format!("Volume {} of VM {}", vol.name, backup.vm.name),
                    None => format!("VM {}", backup.vm.name),
                };
                let mut v = vec![
                    format!("{what} is overwritten with backup \"{}\".", backup.name),
                    "Everything written since that backup is lost.".into(),
                ];
                if *power_on {
                    v.push("The VM is started once it is restored.".into());
                }
                v
            }
            Operation::RunBackupPlan { plan, full, .. } => vec![format!(
                "Backup plan {} runs now ({}), backing up every VM in it.",
                plan.name,
                if *full {
                    "full backup"
                } else {
                    "incremental backup"
                }
            )],
            Operation::SyncBackup { backup, to } => vec![format!(
                "Copy {} to backup storage {}.",
                backup_target(backup),
                to.name
            )],
            Operation::RecoverBackup { backup, from } => vec![format!(
                "Bring {} back from backup storage {} so it can be used here.",
                backup_target(backup),
                from.name
            )],
            Operation::CreateTemplateFromBackup {
                backup,
                name,
                root,
                storage,
            } => vec![format!(
                "Create {} volume template \"{name}\" on {} from {}.",
                if *root { "a root" } else { "a data" },
                storage.name,
                backup_target(backup)
            )],
            Operation::CreateDatabaseBackup { storage } => vec![format!(
                "Back up the management node's database to {}.",
                storage.name
            )],
            Operation::RecoverDatabaseBackup { backup, .. } => vec![
                format!(
                    "The management node's database is replaced by backup \"{}\".",
                    backup.name
                ),
                "Every change made on the platform since that backup is forgotten by it.".into(),
            ],
            Operation::ExportDatabaseBackup { backup, storage } => vec![format!(
                "Export database backup \"{}\" from {} so it can be downloaded.",
                backup.name, storage.name
            )],
            Operation::DeleteExportedDatabaseBackup { backup, storage } => vec![format!(
                "The exported copy of database backup \"{}\" on {} is deleted; the backup itself stays.",
                backup.name, storage.name
            )],
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
            Operation::CancelTask { task, target } => vec![
                match target.as_str() {
                    "" => format!("Ask the platform to cancel \"{}\".", task.name),
                    t => format!("Ask the platform to cancel \"{}\" (on {t}).", task.name),
                },
                "What it has done so far stays done: the task ends Canceled, or Failed where its work cannot stop halfway.".into(),
            ],
        }
    }

    pub fn danger(&self) -> Danger {
        match self {
            Operation::CreateSnapshot { .. }
            | Operation::CreateBackup { .. }
            | Operation::RestoreBackup { .. }
            | Operation::ImportRemoteBackups { .. }
            | Operation::EditSnapshot { .. }
            | Operation::RebuildFromSnapshot { .. }
            | Operation::StartVm { .. }
            | Operation::RunBackupPlan { .. }
            | Operation::SyncBackup { .. }
            | Operation::RecoverBackup { .. }
            | Operation::CreateTemplateFromBackup { .. }
            | Operation::CreateDatabaseBackup { .. }
            | Operation::ExportDatabaseBackup { .. } => Danger::Additive,
            Operation::RollbackSnapshot { .. }
            | Operation::RollbackDisks { .. }
            | Operation::DeleteSnapshot { .. }
            | Operation::StopVm { .. }
            | Operation::DeleteBackup { .. }
            | Operation::RestoreInPlace { .. }
            | Operation::RecoverDatabaseBackup { .. }
            | Operation::DeleteExportedDatabaseBackup { .. }
            | Operation::CancelTask { .. } => Danger::Destructive,
        }
    }

    /// The name the operator must type to confirm, for rollbacks, deletes and anything that
    /// overwrites or stops a VM.
    pub fn typed_confirmation(&self) -> Option<&str> {
        match self {
            Operation::RollbackSnapshot { snapshot, .. }
            | Operation::RollbackDisks { snapshot, .. }
            | Operation::DeleteSnapshot { snapshot, .. } => Some(&snapshot.name),
            Operation::DeleteBackup { backup }
            | Operation::RecoverDatabaseBackup { backup, .. }
            | Operation::DeleteExportedDatabaseBackup { backup, .. } => Some(&backup.name),
            Operation::RestoreInPlace { backup, .. } => Some(&backup.vm.name),
            Operation::StopVm { vm, .. } => Some(&vm.name),
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
            | Operation::RebuildFromSnapshot { vm, .. }
            | Operation::StopVm { vm, .. }
            | Operation::StartVm { vm }
            | Operation::CreateBackup { vm, .. } => Some(vm),
            _ => None,
        }
    }

    /// The backup the operation is about, when there is one.
    pub fn backup(&self) -> Option<&BackupRef> {
        match self {
            Operation::DeleteBackup { backup }
            | Operation::RestoreBackup { backup, .. }
            | Operation::RestoreInPlace { backup, .. }
            | Operation::SyncBackup { backup, .. }
            | Operation::RecoverBackup { backup, .. }
            | Operation::CreateTemplateFromBackup { backup, .. }
            | Operation::RecoverDatabaseBackup { backup, .. }
            | Operation::ExportDatabaseBackup { backup, .. }
            | Operation::DeleteExportedDatabaseBackup { backup, .. } => Some(backup),
            _ => None,
        }
    }

    /// True when the operation changes which backups exist or where they are, so the
    /// Backups pane should be re-read when it ends.
    pub fn changes_backups(&self) -> bool {
        matches!(
            self,
            Operation::CreateBackup { .. }
                | Operation::DeleteBackup { .. }
                | Operation::RunBackupPlan { .. }
                | Operation::SyncBackup { .. }
                | Operation::RecoverBackup { .. }
                | Operation::CreateDatabaseBackup { .. }
                | Operation::ExportDatabaseBackup { .. }
                | Operation::DeleteExportedDatabaseBackup { .. }
                | Operation::ImportRemoteBackups { .. }
        )
    }

    /// True when the operation makes a new VM, so VM lists should be re-read when it ends.
    pub fn creates_vm(&self) -> bool {
        matches!(
            self,
            Operation::RestoreBackup { .. } | Operation::RebuildFromSnapshot { .. }
        )
    }

    /// The cluster the operation runs in (empty for platform-wide ones).
    pub fn cluster(&self) -> &Named {
        static NONE: Named = Named {
            id: String::new(),
            name: String::new(),
        };
        match self {
            Operation::CreateSnapshot { vm, .. }
            | Operation::EditSnapshot { vm, .. }
            | Operation::RollbackSnapshot { vm, .. }
            | Operation::RollbackDisks { vm, .. }
            | Operation::DeleteSnapshot { vm, .. }
            | Operation::RebuildFromSnapshot { vm, .. }
            | Operation::StopVm { vm, .. }
            | Operation::StartVm { vm }
            | Operation::CreateBackup { vm, .. } => &vm.cluster,
            Operation::DeleteBackup { backup }
            | Operation::RestoreBackup { backup, .. }
            | Operation::RestoreInPlace { backup, .. }
            | Operation::SyncBackup { backup, .. }
            | Operation::RecoverBackup { backup, .. }
            | Operation::CreateTemplateFromBackup { backup, .. }
            | Operation::RecoverDatabaseBackup { backup, .. }
            | Operation::ExportDatabaseBackup { backup, .. }
            | Operation::DeleteExportedDatabaseBackup { backup, .. } => &backup.cluster,
            Operation::RunBackupPlan { cluster, .. }
            | Operation::ImportRemoteBackups { cluster, .. } => cluster,
            Operation::CreateDatabaseBackup { .. } | Operation::CancelTask { .. } => &NONE,
        }
    }
}

/// "backup X of VM Y", "volume backup X of VM Y / vol", "database backup X".
fn backup_target(b: &BackupRef) -> String {
    backup_target_parts(b).to_string()
}

fn backup_target_parts(b: &BackupRef) -> TargetParts {
    match (b.category, &b.volume) {
        (BackupCategory::Database, _) => TargetParts::new("database backup ", &b.name, ""),
        (_, Some(v)) => TargetParts::new(
            "volume backup ",
            &b.name,
            format!(" of {} / {}", b.vm.name, v.name),
        ),
        _ => TargetParts::new("backup ", &b.name, format!(" of {}", b.vm.name)),
    }
}

/// An operation's target as `head`, `name`, `tail`: the name is what gives way when it is cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetParts {
    pub head: String,
    pub name: String,
    pub tail: String,
}

impl TargetParts {
    fn new(head: impl Into<String>, name: &str, tail: impl Into<String>) -> Self {
        Self {
            head: head.into(),
            name: name.to_string(),
            tail: tail.into(),
        }
    }

    /// These parts with more said after them.
    pub fn then(mut self, more: impl AsRef<str>) -> Self {
        self.tail.push_str(more.as_ref());
        self
    }
}

impl std::fmt::Display for TargetParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.head, self.name, self.tail)
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Tasks pane gives titles 16 columns: longer ones would be cut.
    #[test]
    fn titles_fit_the_tasks_pane() {
        let vm = VmRef::default();
        let backup = BackupRef::default();
        let snapshot = SnapshotRef::default();
        let named = Named::default();
        let volume = Some(Named::new("v", "v"));
        let ops = [
            Operation::CreateSnapshot {
                vm: vm.clone(),
                name: String::new(),
                description: String::new(),
                memory: false,
                consistent: false,
                volume: volume.clone(),
            },
            Operation::RollbackSnapshot {
                vm: vm.clone(),
                snapshot: SnapshotRef {
                    volume: volume.clone(),
                    ..snapshot.clone()
                },
                memory: false,
            },
            Operation::RebuildFromSnapshot {
                vm: vm.clone(),
                snapshot: snapshot.clone(),
                new_vm_name: String::new(),
                power_on: false,
            },
            Operation::StopVm {
                vm: vm.clone(),
                force: true,
            },
            Operation::CreateBackup {
                vm: vm.clone(),
                point: named.clone(),
                name: String::new(),
                description: String::new(),
                full: true,
                volume,
            },
            Operation::RestoreInPlace {
                backup: backup.clone(),
                power_on: false,
            },
            Operation::CreateTemplateFromBackup {
                backup: backup.clone(),
                name: String::new(),
                root: true,
                storage: named.clone(),
            },
            Operation::ExportDatabaseBackup {
                backup: backup.clone(),
                storage: named.clone(),
            },
            Operation::DeleteExportedDatabaseBackup {
                backup: backup.clone(),
                storage: named.clone(),
            },
            Operation::RecoverDatabaseBackup {
                backup,
                mysql_root_password: Secret(SecretString::from("x")),
            },
        ];
        for op in ops {
            assert!(op.title().chars().count() <= 16, "{}", op.title());
        }
    }
}
