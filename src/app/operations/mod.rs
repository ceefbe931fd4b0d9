//! Starting operations: the checks and forms before the preview, and running them. One
//! file per family, like `flows`; this file holds what they share.

use super::dialog::{ConfirmDialog, Dialog, FormDialog, PlanState};
use super::flows::Purpose;
use super::{App, Level, form};
use crate::fetcher::Command;
use crate::model::VmRef;
use crate::operation::Operation;

mod backup;
mod snapshot;
mod vm;

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
