//! Starting snapshot operations: create, edit, roll back (whole VM, chosen disks, a
//! volume), rebuild a new VM from one, delete.

use super::super::*;
use crate::model::{NodeId, NodeKind, Snapshot};

impl App {
    pub(in crate::app) fn selected_snapshot_or_say(&mut self) -> Option<(NodeId, Snapshot)> {
        match self.snapshots.selected_snapshot() {
            Some((n, s)) => Some((n, s.clone())),
            None => {
                self.say(Level::Warn, "select a snapshot first");
                None
            }
        }
    }

    /// The volume whose snapshots the cursor is among: the selected snapshot's, or the
    /// first snapshot's under the selected heading.
    fn volume_under_cursor(&self) -> Option<Named> {
        let tree = self.snapshots.tree.as_ref()?;
        let node = self.snapshots.selected_node()?;
        if let Some(s) = tree.snapshot(node) {
            return s.volume.clone();
        }
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            let n = tree.node(n)?;
            if let NodeKind::Snapshot(s) = &n.kind {
                return s.volume.clone();
            }
            stack.extend(n.children.iter().rev());
        }
        None
    }

    pub(in crate::app) fn start_create_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let volume = self.volume_under_cursor();
        let form = flows::snapshot::create_form(
            &vm,
            self.chosen_detail(),
            self.caps(),
            volume.as_ref(),
            self.wall,
        );
        self.open_form(form, Purpose::CreateSnapshot { vm: vmref });
        vec![]
    }

    pub(in crate::app) fn start_edit_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        self.open_form(
            flows::snapshot::edit_form(&snap),
            Purpose::EditSnapshot {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        );
        vec![]
    }

    pub(in crate::app) fn start_rollback(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        if self.caps().rollback_requires_stopped && !vm.power.is_stopped() {
            let why = format!(
                "The platform reverts only a stopped VM; {} is {}.",
                vm.name,
                vm.power.label()
            );
            self.offer_stop(&vmref, &vm, "Cannot revert yet", why);
            return vec![];
        }
        let form = flows::snapshot::rollback_form(&vm, &snap, self.caps(), self.wall);
        self.open_form(
            form,
            Purpose::Rollback {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        );
        vec![]
    }

    pub(in crate::app) fn start_rollback_disks(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        if self.caps().per_disk_rollback && !vm.power.is_stopped() {
            let why = format!(
                "Per-disk rollback needs the VM shut off; {} is {}.",
                vm.name,
                vm.power.label()
            );
            self.offer_stop(&vmref, &vm, "Cannot roll back disks yet", why);
            return vec![];
        }
        match flows::snapshot::rollback_disks_form(&vm, &snap, self.caps()) {
            Ok(form) => self.open_form(
                form,
                Purpose::RollbackDisks {
                    vm: vmref,
                    snapshot: snap.to_ref(),
                    disks: snap.disks.clone(),
                },
            ),
            Err(why) => self.message("Cannot roll back disks", vec![why], true),
        }
        vec![]
    }

    pub(in crate::app) fn start_rebuild(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        self.open_form(
            flows::snapshot::rebuild_form(&vm, &snap),
            Purpose::Rebuild {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        );
        vec![]
    }

    pub(in crate::app) fn start_delete_snapshot(&mut self) -> Vec<Command> {
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
}
