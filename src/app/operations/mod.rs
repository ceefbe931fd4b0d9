//! Starting operations: the checks and forms before the preview, and running them.

mod backup;

use super::*;

impl App {
    pub(super) fn require_vm(&mut self) -> Option<(VmRef, crate::model::Vm)> {
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

    pub(super) fn start_create_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let form = flows::snapshot::create_form(&vm, self.caps(), self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::CreateSnapshot { vm: vmref },
        }));
        vec![]
    }

    pub(super) fn selected_snapshot_or_say(
        &mut self,
    ) -> Option<(crate::model::NodeId, crate::model::Snapshot)> {
        match self.snapshots.selected_snapshot() {
            Some((n, s)) => Some((n, s.clone())),
            None => {
                self.say(Level::Warn, "select a snapshot first");
                None
            }
        }
    }

    pub(super) fn start_edit_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        if !self.caps().edit_snapshot_description {
            self.say(
                Level::Warn,
                "this platform cannot change a snapshot's description",
            );
            return vec![];
        }
        self.dialog = Some(Dialog::Form(FormDialog {
            form: flows::snapshot::edit_form(&snap),
            purpose: Purpose::EditSnapshot {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        }));
        vec![]
    }

    pub(super) fn start_rollback(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        let form = flows::snapshot::rollback_form(&vm, &snap, self.caps(), self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::Rollback {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        }));
        vec![]
    }

    pub(super) fn start_rollback_disks(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        match flows::snapshot::rollback_disks_form(&vm, &snap, self.caps()) {
            Ok(form) => {
                self.dialog = Some(Dialog::Form(FormDialog {
                    form,
                    purpose: Purpose::RollbackDisks {
                        vm: vmref,
                        snapshot: snap.to_ref(),
                        disks: snap.disks.clone(),
                    },
                }));
            }
            Err(why) => self.message("Cannot roll back disks", vec![why], true),
        }
        vec![]
    }

    pub(super) fn start_delete_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let Some((node, _)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        let Some(tree) = self.snapshots.tree.as_ref() else {
            return vec![];
        };
        match flows::snapshot::delete(&vmref, tree, node, self.caps()) {
            Ok((steps, warnings)) => self.confirm(steps, warnings),
            Err(why) => {
                self.message("Cannot delete snapshot", vec![why], true);
                vec![]
            }
        }
    }

    pub(super) fn start_create_backup(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let form = flows::backup::create_form(&vmref, &self.backups.points, self.caps(), self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::CreateBackup { vm: vmref.clone() },
        }));
        if self.backups.points.is_empty() {
            return self.load_points(vmref.cluster);
        }
        vec![]
    }

    pub(super) fn selected_backup_or_say(&mut self) -> Option<crate::model::Backup> {
        let b = self.backups.selected().cloned();
        if b.is_none() {
            self.say(Level::Warn, "select a backup first");
        }
        b
    }

    pub(super) fn start_delete_backup(&mut self) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        let mut warnings = Vec::new();
        if b.status == crate::model::BackupStatus::InProgress {
            warnings.push("This backup is still being written.".into());
        }
        self.confirm(
            vec![Operation::DeleteBackup { backup: b.to_ref() }],
            warnings,
        )
    }

    pub(super) fn start_restore(&mut self) -> Vec<Command> {
        if !self.caps().restore_to_new_vm {
            self.say(
                Level::Warn,
                "this platform cannot restore a backup to a new VM",
            );
            return vec![];
        }
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        if b.status != crate::model::BackupStatus::Done {
            self.message(
                "Cannot restore",
                vec![format!(
                    "Backup {} is {}; only finished backups can be restored.",
                    b.name,
                    b.status.label()
                )],
                true,
            );
            return vec![];
        }
        let detail = self.vms.detail.as_ref().filter(|d| d.vm.id == b.vm.id);
        let choices = self
            .restore_choices
            .as_ref()
            .filter(|(c, _)| *c == b.cluster.id)
            .map(|(_, ch)| ch);
        let form = flows::backup::restore_form(&b, detail, choices, self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::Restore { backup: b.to_ref() },
        }));
        let seq = self.next_seq();
        self.choices_seq = seq;
        vec![Command::LoadRestoreChoices {
            seq,
            backup: b.to_ref(),
        }]
    }

    pub(super) fn start_remote(&mut self) -> Vec<Command> {
        if !self.caps().remote_backups {
            self.say(Level::Warn, "this platform has no remote backups to import");
            return vec![];
        }
        let cluster = self
            .backups
            .scope
            .as_ref()
            .map(|s| s.cluster().clone())
            .or_else(|| self.vms.cluster.clone())
            .filter(|c| !c.id.is_empty());
        let Some(cluster) = cluster else {
            self.say(
                Level::Warn,
                "choose a cluster first: remote backups belong to a cluster",
            );
            return vec![];
        };
        self.dialog = Some(Dialog::Form(FormDialog {
            form: flows::backup::remote_point_form(&self.backups.points),
            purpose: Purpose::ChooseRemotePoint {
                cluster: cluster.clone(),
            },
        }));
        self.load_points(cluster)
    }

    /// Opens the preview for these steps and asks the backend for the exact calls.
    pub(super) fn confirm(&mut self, steps: Vec<Operation>, warnings: Vec<String>) -> Vec<Command> {
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
        }));
        vec![Command::Plan { seq, ops: steps }]
    }

    pub(super) fn execute(&mut self, steps: Vec<Operation>) -> Vec<Command> {
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
