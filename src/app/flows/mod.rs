//! Operation flows, one file per family (snapshot, backup, restore, storage, plan, power):
//! each holds the checks that open its forms (`start_*` on `App`), the forms, and how a
//! filled form becomes the `Operation`s the confirm dialog previews. Adding an operation
//! touches its family here, its backend plans and its simulator — nothing else in the app.
//! This file holds what the families share: `Purpose`, opening a form, confirming, running.

pub mod backup;
pub mod bulk;
pub mod cancel;
pub mod console;
pub mod plan;
pub mod power;
pub mod restore;
pub mod snapshot;
pub mod storage;

use super::form::Form;
use crate::app::dialog::{ConfirmDialog, Dialog, FormDialog, PlanState};
use crate::app::{App, Level, form};
use crate::fetcher::Command;
use crate::operation::Operation;
use jiff::Timestamp;

use crate::model::{
    Backup, BackupFilter, BackupRef, Capabilities, Named, SnapshotDisk, SnapshotRef, VmRef,
};

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
    /// A snapshot of each marked VM.
    BulkSnapshot {
        vms: Vec<crate::model::Vm>,
    },
    /// A backup of each marked VM.
    BulkBackup {
        vms: Vec<crate::model::Vm>,
    },
    /// Stopping each marked VM.
    BulkStop {
        vms: Vec<crate::model::Vm>,
    },
    /// Rolling each marked VM back to its snapshot of a given name.
    BulkRollback {
        vms: Vec<crate::model::Vm>,
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
    /// One operation per marked VM, with the marked VMs left out and why.
    Bulk {
        steps: Vec<Operation>,
        skipped: Vec<String>,
    },
    /// Each VM's snapshot of this name is to be looked up first (a bulk rollback).
    FindSnapshots {
        targets: Vec<(VmRef, String)>,
        skipped: Vec<String>,
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
            Purpose::BulkSnapshot { vms } => bulk::snapshots(vms, form, now),
            Purpose::BulkStop { vms } => bulk::stops(vms, form),
            Purpose::BulkBackup { vms } => bulk::backups(vms, form, now),
            Purpose::BulkRollback { vms } => bulk::rollbacks(vms, form, caps, now),
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

impl App {
    pub(in crate::app) fn require_vm(&mut self) -> Option<(VmRef, crate::model::Vm)> {
        let vm = self.vms.chosen.clone();
        let row = self.vms.chosen_vm().cloned().or_else(|| {
            self.vms
                .detail
                .as_ref()
                .filter(|d| Some(&d.vm.id) == vm.as_ref().map(|v| &v.id))
                .map(|d| d.vm.clone())
        });
        match (vm, row) {
            (Some(r), Some(v)) => Some((r, v)),
            _ => {
                self.say(Level::Warn, "choose a VM first (Enter on a VM)");
                None
            }
        }
    }

    /// The chosen VM's configuration, when it has arrived.
    pub(in crate::app) fn chosen_detail(&self) -> Option<&crate::model::VmDetail> {
        let id = &self.vms.chosen.as_ref()?.id;
        self.vms.detail.as_ref().filter(|d| &d.vm.id == id)
    }

    pub(in crate::app) fn open_form(&mut self, form: form::Form, purpose: Purpose) {
        self.dialog = Some(Dialog::Form(FormDialog { form, purpose }));
        self.show_needs();
    }

    /// Opens the preview for these steps and asks the backend for the exact calls.
    pub(in crate::app) fn confirm(
        &mut self,
        steps: Vec<Operation>,
        warnings: Vec<String>,
    ) -> Vec<Command> {
        let typed = steps
            .last()
            .and_then(|op| op.typed_confirmation())
            .map(|name| (name.to_string(), tui_input::Input::default()));
        let seq = self.next_seq();
        self.dialog = Some(Dialog::Confirm(ConfirmDialog {
            steps: steps.clone(),
            warnings,
            plan: PlanState::Loading,
            plan_seq: seq,
            typed,
            scroll: 0,
            read_only: self.session.read_only,
            bulk: None,
        }));
        vec![Command::Plan { seq, ops: steps }]
    }

    pub(in crate::app) fn execute(&mut self, steps: Vec<Operation>) -> Vec<Command> {
        let now = self.now;
        let mut tagged = Vec::new();
        // Oldest first in the list means adding in reverse keeps step 1 above step 2.
        for op in steps.iter() {
            let id = self.tasks.add(op.clone(), now);
            tagged.push((id, op.clone()));
        }
        if let Some((id, _)) = tagged.first() {
            self.tasks.select(*id);
        }
        let last = steps.last().map(|o| o.title()).unwrap_or("");
        self.say(Level::Info, format!("{last} started — follow it in Tasks"));
        vec![Command::Execute { steps: tagged }]
    }
}
