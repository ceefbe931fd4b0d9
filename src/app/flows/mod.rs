//! Operation flows: the form each operation starts with, and how a filled form becomes
//! the `Operation`s the confirm dialog previews. One file per family.

pub mod backup;
pub mod plan;
pub mod power;
pub mod restore;
pub mod snapshot;
pub mod storage;

use jiff::Timestamp;

use super::form::Form;
use crate::model::{
    Backup, BackupFilter, BackupRef, Capabilities, Named, SnapshotDisk, SnapshotRef, VmRef,
};
use crate::operation::Operation;

/// What a form is for, with the context its submit needs.
#[derive(Clone, Debug)]
pub enum Purpose {
    CreateSnapshot {
        vm: VmRef,
    },
    EditSnapshot {
        vm: VmRef,
        snapshot: SnapshotRef,
    },
    Rollback {
        vm: VmRef,
        snapshot: SnapshotRef,
    },
    RollbackDisks {
        vm: VmRef,
        snapshot: SnapshotRef,
        disks: Vec<SnapshotDisk>,
    },
    Rebuild {
        vm: VmRef,
        snapshot: SnapshotRef,
    },
    StopVm {
        vm: VmRef,
    },
    CreateBackup {
        vm: VmRef,
    },
    CreateDatabaseBackup,
    /// In place or as a new VM: the answer opens the next form.
    RestoreMode {
        backup: Box<Backup>,
    },
    Restore {
        backup: BackupRef,
    },
    RestoreInPlace {
        backup: BackupRef,
    },
    RecoverDatabase {
        backup: BackupRef,
    },
    SyncBackup {
        backup: BackupRef,
    },
    RecoverBackup {
        backup: BackupRef,
    },
    CreateTemplate {
        backup: BackupRef,
    },
    ExportDatabase {
        backup: BackupRef,
    },
    DeleteExported {
        backup: BackupRef,
    },
    FilterBackups,
    ChooseRemotePoint {
        cluster: Named,
    },
    RunPlan {
        cluster: Named,
        plan: Named,
    },
}

/// A submitted form's result.
pub enum Submitted {
    /// Operations to preview and confirm, with warnings to show beside them.
    Operations {
        steps: Vec<Operation>,
        warnings: Vec<String>,
    },
    Filter(BackupFilter),
    RemotePoint {
        cluster: Named,
        point: Named,
    },
    RestoreMode {
        backup: Box<Backup>,
        in_place: bool,
    },
}

impl Purpose {
    /// Validates the form; `Err` is shown inside the form.
    pub fn submit(
        &self,
        form: &Form,
        caps: &Capabilities,
        now: Timestamp,
    ) -> Result<Submitted, String> {
        let ops = |steps| {
            Ok(Submitted::Operations {
                steps,
                warnings: Vec::new(),
            })
        };
        match self {
            Purpose::CreateSnapshot { vm } => ops(snapshot::create(vm, form)?),
            Purpose::EditSnapshot { vm, snapshot } => ops(snapshot::edit(vm, snapshot, form)?),
            Purpose::Rollback { vm, snapshot } => ops(snapshot::rollback(vm, snapshot, form, now)?),
            Purpose::RollbackDisks {
                vm,
                snapshot,
                disks,
            } => ops(snapshot::rollback_disks(vm, snapshot, disks, form)?),
            Purpose::Rebuild { vm, snapshot } => ops(snapshot::rebuild(vm, snapshot, form)?),
            Purpose::StopVm { vm } => ops(power::stop(vm, form)?),
            Purpose::CreateBackup { vm } => ops(backup::create(vm, form)?),
            Purpose::CreateDatabaseBackup => ops(storage::database_backup(form)?),
            Purpose::RestoreMode { backup } => Ok(Submitted::RestoreMode {
                backup: backup.clone(),
                in_place: restore::mode_in_place(form),
            }),
            Purpose::Restore { backup } => ops(restore::new_vm(backup, form, caps)?),
            Purpose::RestoreInPlace { backup } => ops(restore::in_place(backup, form)?),
            Purpose::RecoverDatabase { backup } => ops(restore::recover_database(backup, form)?),
            Purpose::SyncBackup { backup } => ops(storage::sync(backup, form)?),
            Purpose::RecoverBackup { backup } => ops(storage::recover(backup, form)?),
            Purpose::CreateTemplate { backup } => ops(storage::template(backup, form)?),
            Purpose::ExportDatabase { backup } => ops(storage::export(backup, form, true)?),
            Purpose::DeleteExported { backup } => ops(storage::export(backup, form, false)?),
            Purpose::FilterBackups => backup::filter(form).map(Submitted::Filter),
            Purpose::RunPlan { cluster, plan } => ops(plan::run(cluster, plan, form)?),
            Purpose::ChooseRemotePoint { cluster } => {
                let (id, name) = form.choice("point").ok_or("choose a backup point first")?;
                Ok(Submitted::RemotePoint {
                    cluster: cluster.clone(),
                    point: Named::new(id, name),
                })
            }
        }
    }
}

/// `yyyymmdd-hhmmss` in UTC, for default names.
pub fn stamp(now: Timestamp) -> String {
    now.strftime("%Y%m%d-%H%M%S").to_string()
}
