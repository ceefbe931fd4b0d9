//! Stopping and starting VMs (offered where an operation needs the VM stopped).

use crate::app::form::{Field, Form};
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
    // A shutdown goes through the guest's agent / tools; without them running the
    // platform refuses it, so power-off is the choice that can work.
    let tools_down = match vm.agent {
        AgentState::NotInstalled => Some("not installed"),
        AgentState::Disconnected => Some("not running"),
        AgentState::Pending => Some("not connected yet"),
        AgentState::Connected | AgentState::Unknown(_) => None,
    };
    if let Some(state) = tools_down {
        intro.push(format!(
            "Its guest agent / tools are {state}, so the guest cannot be asked to shut down: power off is chosen."
        ));
    }
    Form::new(
        format!("Stop {}", vm.name),
        vec![Field::choice(
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
            Some(if tools_down.is_some() {
                "poweroff"
            } else {
                "shutdown"
            }),
        )],
    )
    .with_intro(intro)
}

pub fn stop(vm: &VmRef, form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::StopVm {
        vm: vm.clone(),
        force: form.choice("how").is_some_and(|(h, _)| h == "poweroff"),
    }])
}
