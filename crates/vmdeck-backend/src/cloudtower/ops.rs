//! Every supported `Operation` as the spec's call. `plan` builds the calls (the preview
//! shows exactly these); `submit` checks what must be checked fresh, reads what existed
//! before (so a lost answer can be verified), then sends the planned call once.
//!
//! Why VMTools is judged twice for a file-system-consistent snapshot: `plan` cannot touch
//! the network, so it refuses from what the last VM read said (`facts`), which makes the
//! preview say at once why the snapshot cannot be taken; `submit` reads the VM again right
//! before sending, because the guest may have stopped its tools since, and CloudTower would
//! then fail the task only after it started.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Value, json};

use super::answer;
use super::convert;
use super::facts::Facts;
use super::reads;
use super::session::{Api, op};
use super::watch::{Probe, Tasks, Verify};
use super::wire::{self, ToolsStatus, VmStatus, WithTask};
use crate::WatchTiming;
use crate::{BackendError, Done, HttpCall, Result, SubmitError, TaskWatch, refuse};
use vmdeck_model::VmRef;
use vmdeck_model::operation::Operation;

fn require(value: &str, why: &str) -> Result<()> {
    if value.trim().is_empty() {
        refuse(why)
    } else {
        Ok(())
    }
}

/// Why a file-system-consistent snapshot cannot be taken, if the VMTools state says so.
pub fn tools_refusal(vm: &VmRef, tools: &ToolsStatus) -> Option<String> {
    if *tools == ToolsStatus::Running {
        return None;
    }
    Some(format!(
        "a file-system-consistent snapshot needs VMTools running in the guest, and VMTools in VM {} is {}; take a crash-consistent snapshot instead, or start VMTools and try again",
        vm.name,
        convert::tools_label(tools)
    ))
}

/// The calls `op` makes, or why vmdeck refuses it.
pub fn plan(op_: &Operation, facts: &Facts) -> Result<Vec<HttpCall>> {
    let call = match op_ {
        Operation::CreateSnapshot {
            vm,
            name,
            memory,
            consistent,
            volume,
            // The spec's `create-vm-snapshot` has no description; it cannot be kept.
            description: _,
        } => {
            require(&vm.id, "the VM has no id")?;
            require(name, "enter a snapshot name")?;
            if *memory {
                return refuse("CloudTower snapshots hold no memory state");
            }
            if volume.is_some() {
                return refuse("CloudTower snapshots whole VMs, not single volumes");
            }
            if *consistent
                && let Some(why) = facts.vm(&vm.id).and_then(|f| tools_refusal(vm, &f.tools))
            {
                return refuse(why);
            }
            let kind = if *consistent {
                "FILE_SYSTEM_CONSISTENT"
            } else {
                "CRASH_CONSISTENT"
            };
            HttpCall::post(
                op("create-vm-snapshot"),
                json!({"data": [{"vm_id": vm.id, "name": name.trim(), "consistent_type": kind}]}),
            )
        }
        Operation::RollbackSnapshot {
            vm,
            snapshot,
            memory,
        } => {
            require(&vm.id, "the VM has no id")?;
            require(&snapshot.id, "no snapshot chosen")?;
            if *memory {
                return refuse("CloudTower snapshots hold no memory state to restore");
            }
            HttpCall::post(
                op("rollback-vm"),
                json!({"where": {"id": vm.id}, "data": {"snapshot_id": snapshot.id}}),
            )
        }
        Operation::DeleteSnapshot { snapshot, .. } => {
            require(&snapshot.id, "no snapshot chosen")?;
            HttpCall::post(
                op("delete-vm-snapshot"),
                json!({"where": {"id": snapshot.id}}),
            )
        }
        Operation::RebuildFromSnapshot {
            vm,
            snapshot,
            new_vm_name,
            power_on,
        } => {
            require(&snapshot.id, "no snapshot chosen")?;
            require(new_vm_name, "enter a name for the new VM")?;
            let mut params = json!({
                "rebuild_from_snapshot_id": snapshot.id,
                "name": new_vm_name.trim(),
                "status": if *power_on { "RUNNING" } else { "STOPPED" },
            });
            if !vm.cluster.id.is_empty() {
                params["cluster_id"] = Value::from(vm.cluster.id.as_str());
            }
            // The body is an array of `VmRebuildParams`.
            HttpCall::post(op("rebuild-vm-from-snapshot"), json!([params]))
        }
        Operation::StopVm { vm, force } => {
            require(&vm.id, "the VM has no id")?;
            let name = if *force { "poweroff-vm" } else { "shutdown-vm" };
            HttpCall::post(op(name), json!({"where": {"id": vm.id}}))
        }
        Operation::StartVm { vm } => {
            require(&vm.id, "the VM has no id")?;
            HttpCall::post(op("start-vm"), json!({"where": {"id": vm.id}}))
        }
        Operation::DeleteBackup { backup } => {
            require(&backup.id, "no restore point chosen")?;
            HttpCall::post(
                op("delete-backup-restore-point"),
                json!({"where": {"id": backup.id}}),
            )
        }
        Operation::RestoreInPlace { backup, power_on } => {
            require(&backup.id, "no restore point chosen")?;
            HttpCall::post(
                op("backup-restore-vm-in-place"),
                json!({"where": {"id": backup.id}, "data": {"startup_after_restore": power_on}}),
            )
        }
        Operation::RestoreBackup { backup, spec } => {
            require(&backup.id, "no restore point chosen")?;
            require(&spec.new_vm_name, "enter a name for the new VM")?;
            let cluster = spec
                .cluster
                .as_ref()
                .filter(|c| !c.id.trim().is_empty())
                .ok_or_else(|| BackendError::Refused("choose the cluster for the new VM".into()))?;
            let host = spec
                .host
                .as_ref()
                .filter(|h| !h.id.trim().is_empty())
                .ok_or_else(|| BackendError::Refused("choose the host for the new VM".into()))?;
            let mut sources = HashSet::new();
            let mut mapping = Vec::with_capacity(spec.networks.len());
            for m in &spec.networks {
                require(&m.from.id, "a network mapping has no source network")?;
                if m.to.id.trim().is_empty() {
                    return refuse(format!(
                        "choose the network for what was on {}",
                        m.from.name
                    ));
                }
                if !sources.insert(m.from.id.as_str()) {
                    return refuse(format!("network {} is mapped twice", m.from.name));
                }
                mapping.push(json!({"src_vlan_id": m.from.id, "dst_vlan_id": m.to.id}));
            }
            HttpCall::post(
                op("backup-rebuild-vm"),
                json!({
                    "where": {"id": backup.id},
                    "data": {
                        "rebuild_name": spec.new_vm_name.trim(),
                        "rebuild_target_cluster_id": cluster.id,
                        "rebuild_target_host_id": host.id,
                        "startup_after_restore": spec.power_on,
                        "rebuild_network_mapping": mapping,
                    }
                }),
            )
        }
        Operation::RunBackupPlan { plan, full, .. } => {
            require(&plan.id, "no backup plan chosen")?;
            HttpCall::post(
                op("execute-backup-plan"),
                json!({
                    "where": {"id": plan.id},
                    "data": {"type": if *full { "FULL" } else { "INCREMENTAL" }},
                }),
            )
        }
        Operation::EditSnapshot { .. } => {
            return refuse("CloudTower has no way to change a snapshot's description");
        }
        Operation::CreateBackup { .. } => {
            return refuse("CloudTower backs up through backup plans: run the VM's plan instead");
        }
        other => {
            return refuse(format!(
                "CloudTower has no \"{}\" operation",
                other.title().to_lowercase()
            ));
        }
    };
    Ok(vec![call])
}

/// Sends the planned call once and returns the watch that follows it.
pub async fn submit(
    api: &Arc<Api>,
    facts: &Facts,
    timing: WatchTiming,
    op_: &Operation,
) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
    let calls = plan(op_, facts)?;
    let Some(call) = calls.first() else {
        return Err(SubmitError::Rejected(BackendError::Refused(
            "nothing to send".into(),
        )));
    };
    if let Operation::CreateSnapshot {
        vm,
        consistent: true,
        ..
    } = op_
    {
        let fresh = read_vm(api, &vm.id).await?;
        facts.note_vm(&fresh);
        if let Some(why) = tools_refusal(vm, &fresh.vm_tools_status) {
            return Err(SubmitError::Rejected(BackendError::Refused(why)));
        }
    }
    // Read before sending: if this fails nothing was sent and the operator may retry.
    let probe = baseline(api, op_).await?;
    match api.mutate(call).await {
        Ok(body) => accepted(api, timing, op_, &call.path, &body, probe),
        Err(error) if error.outcome_unknown() => {
            tracing::warn!(path = %call.path, %error, "answer lost or unreadable; verifying instead of re-sending");
            Err(SubmitError::AnswerLost {
                error,
                verify: Box::new(Verify::new(api.clone(), probe, timing)),
            })
        }
        Err(e) => Err(SubmitError::Rejected(e)),
    }
}

async fn read_vm(api: &Api, id: &str) -> Result<wire::Vm> {
    let call = reads::vm(id);
    api.read_list::<wire::Vm>(&call)
        .await?
        .into_iter()
        .find(|v| v.id.as_str() == id)
        .ok_or_else(|| BackendError::Refused(format!("CloudTower has no VM with id {id} any more")))
}

/// Ids of what matches `call` now.
async fn ids<T: serde::de::DeserializeOwned>(
    api: &Api,
    call: &HttpCall,
    id: impl Fn(&T) -> &str,
) -> Result<HashSet<String>> {
    let list: Vec<T> = api.read_list(call).await?;
    Ok(list.iter().map(|t| id(t).to_string()).collect())
}

/// What existed before the call, as the probe that recognises the operation's effect.
pub async fn baseline(api: &Api, op_: &Operation) -> Result<Probe> {
    Ok(match op_ {
        Operation::CreateSnapshot { vm, name, .. } => Probe::SnapshotCreated {
            vm: vm.clone(),
            name: name.trim().to_string(),
            before: ids(
                api,
                &reads::snapshots_named(&vm.id, name.trim()),
                |s: &wire::VmSnapshot| s.id.as_str(),
            )
            .await?,
            found: None,
        },
        Operation::DeleteSnapshot { snapshot, .. } => Probe::SnapshotDeleted {
            id: snapshot.id.clone(),
            name: snapshot.name.clone(),
        },
        Operation::RollbackSnapshot { vm, snapshot, .. } => Probe::RolledBack {
            vm: vm.clone(),
            snapshot_id: snapshot.id.clone(),
            tasks_before: ids(api, &reads::tasks_of_resource(&vm.id), |t: &wire::Task| {
                t.id.as_str()
            })
            .await?,
            found: None,
        },
        Operation::RebuildFromSnapshot { new_vm_name, .. } => Probe::VmCreated {
            name: new_vm_name.trim().to_string(),
            before: ids(
                api,
                &reads::vms_named(new_vm_name.trim()),
                |v: &wire::Vm| v.id.as_str(),
            )
            .await?,
        },
        Operation::StopVm { vm, .. } => Probe::VmPower {
            vm: vm.clone(),
            want: VmStatus::Stopped,
        },
        Operation::StartVm { vm } => Probe::VmPower {
            vm: vm.clone(),
            want: VmStatus::Running,
        },
        Operation::DeleteBackup { backup } => Probe::RestorePointDeleted {
            id: backup.id.clone(),
            name: backup.name.clone(),
        },
        Operation::RestoreInPlace { backup, .. } => {
            let filter = json!({"backup_restore_point": {"id": backup.id}, "mode": "INPLACE"});
            Probe::Restore {
                before: ids(
                    api,
                    &reads::restore_executions(filter.clone()),
                    |e: &wire::RestoreExecution| e.id.as_str(),
                )
                .await?,
                filter,
                found: None,
            }
        }
        Operation::RestoreBackup { backup, spec } => {
            let filter = json!({
                "backup_restore_point": {"id": backup.id},
                "mode": "REBUILD",
                "rebuild_name": spec.new_vm_name.trim(),
            });
            Probe::Restore {
                before: ids(
                    api,
                    &reads::restore_executions(filter.clone()),
                    |e: &wire::RestoreExecution| e.id.as_str(),
                )
                .await?,
                filter,
                found: None,
            }
        }
        Operation::RunBackupPlan { plan, .. } => Probe::PlanRun {
            plan_id: plan.id.clone(),
            before: ids(
                api,
                &reads::plan_executions(json!({"backup_plan": {"id": plan.id}})),
                |e: &wire::PlanExecution| e.id.as_str(),
            )
            .await?,
            found: None,
        },
        // `plan` refuses everything else, so `submit` never gets here with another.
        other => {
            return Err(BackendError::Refused(format!(
                "CloudTower has no \"{}\" operation",
                other.title().to_lowercase()
            )));
        }
    })
}

/// How many resources one `WithTask.data` stands for (`delete-backup-restore-point`
/// answers a list of the deleted restore points in each element).
fn affected(data: &Value) -> usize {
    match data {
        Value::Array(items) => items.len(),
        Value::Null => 0,
        _ => 1,
    }
}

/// The watch after CloudTower accepted the call.
fn accepted(
    api: &Arc<Api>,
    timing: WatchTiming,
    op_: &Operation,
    path: &str,
    body: &[u8],
    probe: Probe,
) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
    let items: Vec<WithTask<Value>> = match answer::decode_list(path, body, true) {
        Ok(items) => items,
        // CloudTower answered 2xx, so it took the call; what it did is found by re-reading.
        Err(error) => {
            tracing::warn!(%path, %error, "unreadable answer to a mutation; verifying");
            return Err(SubmitError::AnswerLost {
                error,
                verify: Box::new(Verify::new(api.clone(), probe, timing)),
            });
        }
    };
    if items.iter().map(|i| affected(&i.data)).sum::<usize>() == 0 {
        return Err(SubmitError::Rejected(BackendError::Refused(format!(
            "CloudTower did nothing: {} matched nothing (was it deleted meanwhile?)",
            op_.target()
        ))));
    }
    let task_ids: Vec<String> = items
        .iter()
        .filter_map(|i| i.task_id.non_empty().map(str::to_string))
        .collect();
    let first_id = items
        .iter()
        .find_map(|i| i.data.get("id").and_then(Value::as_str).map(str::to_string));
    // Restores and plan runs have their own record, which says when the job really ended.
    let then = match (op_, first_id) {
        (Operation::RestoreInPlace { .. } | Operation::RestoreBackup { .. }, Some(id)) => {
            Some(Probe::restore_by_id(id))
        }
        (Operation::RunBackupPlan { plan, .. }, Some(id)) => {
            Some(Probe::plan_run_by_id(plan.id.clone(), id))
        }
        _ => None,
    };
    if task_ids.is_empty() && then.is_none() {
        // `task_id: null`: CloudTower finished the work before answering.
        return Ok(Box::new(Done));
    }
    Ok(Box::new(Tasks::new(api.clone(), task_ids, then, timing)))
}
