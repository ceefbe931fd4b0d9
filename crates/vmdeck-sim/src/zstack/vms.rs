//! VM power actions, `PUT /v1/vm-instances/{uuid}/actions`: `startVmInstance {hostUuid?}`,
//! `stopVmInstance {type: grace|cold}`, `rebootVmInstance`, `pauseVmInstance`,
//! `resumeVmInstance`, each answering `{"inventory": VmInstance}` when done.
//!
//! The VM passes through the transitional state (`Starting`, `Stopping`, …) while the job
//! runs. Starting a running VM or stopping a stopped one succeeds at once, as ZStack does;
//! any other action in a state that does not allow it is `VM.1010` with ZStack's
//! "current vm instance state[..] doesn't allow to proceed message[..]" cause.

use serde_json::json;

use super::inventory;
use super::lookup::{lookup, lookup_opt};
use super::wire::java_list;
use super::wire::{ErrorCode, VM_STATE};
use super::world::{Kind, World};
use super::{Call, Done, Outcome};

pub const START_SECS: f64 = 6.0;
pub const STOP_GRACE_SECS: f64 = 5.0;
pub const STOP_COLD_SECS: f64 = 1.0;
pub const REBOOT_SECS: f64 = 8.0;
pub const PAUSE_SECS: f64 = 1.0;
pub const DESTROY_SECS: f64 = 2.0;

/// The refusal of an action in the wrong state.
pub fn not_in_state(state: &str, class: &str, allowed: &[&str]) -> ErrorCode {
    let details = format!(
        "current vm instance state[{state}] doesn't allow to proceed message[{class}], allowed states are {}",
        java_list(allowed)
    );
    ErrorCode::new(VM_STATE, details)
}

fn vm_of(w: &World, c: &Call) -> Result<usize, super::wire::Fail> {
    lookup(w, c, "uuid", Kind::Vm, "VmInstanceVO")
}

fn result(w: &World, vm: usize) -> serde_json::Value {
    json!({ "inventory": inventory::vm(w, vm) })
}

/// A transition: `from` states allowed, `via` while the job runs, `to` at the end.
fn transition(
    w: &mut World,
    c: &Call,
    vm: usize,
    from: &[&str],
    via: &'static str,
    to: &'static str,
    secs: f64,
) -> Outcome {
    let state = w.vms[vm].state;
    if !from.contains(&state) {
        return Err(not_in_state(state, &c.class, from).into());
    }
    w.vms[vm].state = via;
    w.vms[vm].stamp.last_op = w.now;
    Ok(Done::later(secs, move |w: &mut World| {
        let m = &mut w.vms[vm];
        m.state = to;
        m.stamp.last_op = w.now;
        if to == "Stopped" {
            m.last_host = m.host.or(m.last_host);
            m.host = None;
        }
        Ok(result(w, vm))
    }))
}

pub fn start(w: &mut World, c: &Call) -> Outcome {
    let vm = vm_of(w, c)?;
    let want = lookup_opt(w, c, "hostUuid", Kind::Host, "HostVO")?;
    let state = w.vms[vm].state;
    if state == "Running" {
        return Ok(Done::Now(result(w, vm)));
    }
    if state != "Stopped" {
        return Err(not_in_state(state, &c.class, &["Stopped", "Running"]).into());
    }
    let cluster = w.vms[vm].cluster;
    let host = match want {
        Some(h) if w.hosts[h].cluster != cluster || w.hosts[h].state != "Enabled" => {
            return Err(ErrorCode::operr(format!(
                "host[uuid:{}] is not in an Enabled state of the vm's cluster[uuid:{}]",
                w.hosts[h].uuid, w.clusters[cluster].uuid
            ))
            .into());
        }
        Some(h) => h,
        None => {
            let last = w.vms[vm]
                .last_host
                .filter(|&h| w.hosts[h].state == "Enabled");
            match last.or_else(|| {
                (0..w.hosts.len())
                    .find(|&h| w.hosts[h].cluster == cluster && w.hosts[h].state == "Enabled")
            }) {
                Some(h) => h,
                None => {
                    return Err(ErrorCode::operr(
                        "no host having cpu and memory available for the vm is found",
                    )
                    .into());
                }
            }
        }
    };
    w.vms[vm].state = "Starting";
    w.vms[vm].stamp.last_op = w.now;
    Ok(Done::later(START_SECS, move |w: &mut World| {
        let m = &mut w.vms[vm];
        m.state = "Running";
        m.host = Some(host);
        m.last_host = Some(host);
        m.stamp.last_op = w.now;
        Ok(result(w, vm))
    }))
}

pub fn stop(w: &mut World, c: &Call) -> Outcome {
    let vm = vm_of(w, c)?;
    let secs = match c.p.str("type")?.as_deref() {
        None | Some("grace") => STOP_GRACE_SECS,
        Some("cold") => STOP_COLD_SECS,
        Some(other) => {
            return Err(ErrorCode::argerr(format!(
                "valid value for field[type] of message[{}] are [grace, cold], but {other} found",
                c.class
            ))
            .into());
        }
    };
    if w.vms[vm].state == "Stopped" {
        return Ok(Done::Now(result(w, vm)));
    }
    transition(
        w,
        c,
        vm,
        &["Running", "Paused", "Unknown", "Stopped"],
        "Stopping",
        "Stopped",
        secs,
    )
}

pub fn reboot(w: &mut World, c: &Call) -> Outcome {
    let vm = vm_of(w, c)?;
    transition(w, c, vm, &["Running"], "Rebooting", "Running", REBOOT_SECS)
}

pub fn pause(w: &mut World, c: &Call) -> Outcome {
    let vm = vm_of(w, c)?;
    transition(w, c, vm, &["Running"], "Pausing", "Paused", PAUSE_SECS)
}

pub fn resume(w: &mut World, c: &Call) -> Outcome {
    let vm = vm_of(w, c)?;
    transition(w, c, vm, &["Paused"], "Resuming", "Running", PAUSE_SECS)
}

/// `DELETE /v1/vm-instances/{uuid}?deleteMode=Permissive|Enforcing`: the VM goes to the
/// recycle bin — state `Destroyed`, kept (and still queryable) until expunged — and its
/// `lastOpDate` moves, which is how a client that watches `lastOpDate` sees it go. A uuid
/// that names nothing succeeds, as ZStack's deletes do.
pub fn destroy(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    match c.p.str("deleteMode")?.as_deref() {
        None | Some("Permissive") | Some("Enforcing") => {}
        Some(other) => {
            return Err(ErrorCode::argerr(format!(
                "valid value for field[deleteMode] of message[{}] are [Permissive, Enforcing], but {other} found",
                c.class
            ))
            .into());
        }
    }
    let Some(vm) = w.find(Kind::Vm, &uuid) else {
        return Ok(Done::Now(json!({})));
    };
    if w.vms[vm].state == "Destroyed" {
        return Ok(Done::Now(json!({})));
    }
    w.vms[vm].state = "Destroying";
    w.vms[vm].stamp.last_op = w.now;
    Ok(Done::later(DESTROY_SECS, move |w: &mut World| {
        let m = &mut w.vms[vm];
        m.state = "Destroyed";
        m.last_host = m.host.or(m.last_host);
        m.host = None;
        m.stamp.last_op = w.now;
        Ok(json!({}))
    }))
}
