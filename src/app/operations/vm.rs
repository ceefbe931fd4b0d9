//! Starting VM power operations, and offering a stop where an operation needs one.

use super::super::*;
use crate::model::Vm;

impl App {
    /// The VM a power key acts on: the row under the cursor in VMs, else the chosen VM.
    fn power_target(&mut self) -> Option<(VmRef, Vm)> {
        if self.focus == Pane::Vms
            && let Some(v) = self.vms.selected()
        {
            return Some((v.to_ref(), v.clone()));
        }
        self.require_vm()
    }

    pub(in crate::app) fn start_stop_vm(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.power_target() else {
            return vec![];
        };
        if vm.power.is_stopped() {
            self.say(Level::Info, format!("{} is already stopped", vm.name));
            return vec![];
        }
        self.open_form(
            flows::power::stop_form(&vm, None),
            Purpose::StopVm { vm: vmref },
        );
        vec![]
    }

    pub(in crate::app) fn start_start_vm(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.power_target() else {
            return vec![];
        };
        if vm.power.is_running() {
            self.say(Level::Info, format!("{} is already running", vm.name));
            return vec![];
        }
        self.confirm(vec![Operation::StartVm { vm: vmref }], vec![])
    }

    /// Explains why `vm` must be stopped first and offers the stop as its own confirmed
    /// step (never folded silently into the operation that needed it).
    pub(in crate::app) fn offer_stop(&mut self, vmref: &VmRef, vm: &Vm, title: &str, why: String) {
        let mut lines = vec![why.clone()];
        if !self.caps().power_actions {
            lines.push("Stop it on the platform, then try again.".into());
            self.message(title, lines, true);
            return;
        }
        lines.push(format!(
            "Press s to stop {} first (you confirm that separately); when it is stopped, try again.",
            vm.name
        ));
        let form = flows::power::stop_form(vm, Some(&why));
        self.dialog = Some(Dialog::Message(Message {
            title: title.to_string(),
            lines,
            error: true,
            offer: Some(dialog::Offer {
                key: 's',
                label: format!("stop {}", vm.name),
                form: Box::new(FormDialog {
                    form,
                    purpose: Purpose::StopVm { vm: vmref.clone() },
                }),
            }),
        }));
    }
}
