//! Stopping and starting VMs (offered where an operation needs the VM stopped).

use crate::app::dialog::{self, Dialog, FormDialog, Message};
use crate::app::flows::Purpose;
use crate::app::form::{Field, Form};
use crate::app::{App, Level, Pane, flows};
use crate::fetcher::Command;
use crate::model::{AgentState, Vm, VmRef};
use crate::operation::Operation;

/// `why` says what the stop is for, when another operation asked for it.
pub fn stop_form(vm: &Vm, why: Option<&str>) -> Form {
    let mut intro = vec![format!(
        "{} is {}. Stopping it interrupts whatever it serves.",
        vm.name,
        vm.power.label()
    )];
    if let Some(why) = why {
        intro.push(why.to_string());
    }
    let tools_down = tools_down(vm);
    if let Some(state) = tools_down {
        intro.push(format!(
            "Its guest agent / tools are {state}, so the guest cannot be asked to shut down: power off is chosen."
        ));
    }
    Form::new(
        format!("Stop {}", vm.name),
        vec![how_field(tools_down.is_some())],
    )
    .with_intro(intro)
}

/// A shutdown goes through the guest's agent / tools; without them running the platform
/// refuses it, so power-off is the choice that can work. Says how they are, when down.
pub fn tools_down(vm: &Vm) -> Option<&'static str> {
    match vm.agent {
        AgentState::NotInstalled => Some("not installed"),
        AgentState::Disconnected => Some("not running"),
        AgentState::Pending => Some("not connected yet"),
        AgentState::Connected | AgentState::Unknown(_) => None,
    }
}

/// Shut down or power off; `poweroff` preselects the latter.
pub fn how_field(poweroff: bool) -> Field {
    Field::choice(
        "how",
        "How",
        vec![
            (
                "shutdown".into(),
                "shut down (the guest stops cleanly)".into(),
            ),
            (
                "poweroff".into(),
                "power off (at once; unsaved guest data is lost)".into(),
            ),
        ],
        Some(if poweroff { "poweroff" } else { "shutdown" }),
    )
}

pub fn stop(vm: &VmRef, form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::StopVm {
        vm: vm.clone(),
        force: form.choice("how").is_some_and(|(h, _)| h == "poweroff"),
    }])
}

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
        if let Some(cmds) = self.start_bulk_power(false) {
            return cmds;
        }
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
        if let Some(cmds) = self.start_bulk_power(true) {
            return cmds;
        }
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
