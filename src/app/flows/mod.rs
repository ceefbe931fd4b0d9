//! Operation flows: the form each operation starts with, and how a filled form becomes
//! the `Operation`s the confirm dialog previews. One file per family.

pub mod backup;
pub mod plan;
pub mod snapshot;

use jiff::Timestamp;

use super::form::Form;
use crate::model::{BackupFilter, BackupRef, Named, SnapshotDisk, SnapshotRef, VmRef};
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
    CreateBackup {
        vm: VmRef,
    },
    Restore {
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
}

impl Purpose {
    /// Validates the form; `Err` is shown inside the form.
    pub fn submit(&self, form: &Form, now: Timestamp) -> Result<Submitted, String> {
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
            Purpose::CreateBackup { vm } => ops(backup::create(vm, form)?),
            Purpose::Restore { backup } => ops(backup::restore(backup, form)?),
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
