//! Every `Operation` as the documented TopHC call. `plan` builds the calls (the preview shows
//! exactly these); `submit` sends exactly those, once. Client-side rules refuse here, before
//! anything is sent.

use std::sync::Arc;

use serde_json::{Value, json};

use super::envelope;
use super::reads::{compute_identifier, scope};
use super::session::Api;
use super::watch;
use super::wire::BackupCreated;
use crate::{BackendError, Done, HttpCall, Result, SubmitError, TaskWatch, refuse};
use crate::{Mode, WatchTiming};
use vmdeck_model::operation::Operation;

fn require(value: &str, why: &str) -> Result<()> {
    if value.trim().is_empty() {
        refuse(why)
    } else {
        Ok(())
    }
}

fn with(mut base: serde_json::Map<String, Value>, extra: Value) -> Value {
    if let Value::Object(extra) = extra {
        base.extend(extra);
    }
    Value::Object(base)
}

/// A power call's `ComputeIdentifier`, with the empty `owner` every documented power
/// request carries.
fn power_body(vm: &vmdeck_model::VmRef) -> Value {
    with(compute_identifier(vm), json!({"owner": ""}))
}

/// The calls `op` makes, or why vmdeck refuses it.
pub fn plan(op: &Operation) -> Result<Vec<HttpCall>> {
    let call = match op {
        Operation::CreateSnapshot {
            vm,
            name,
            description,
            memory,
            consistent,
            volume,
        } => {
            require(&vm.id, "the VM has no id")?;
            if *consistent {
                return refuse("TopHC has no file-system-consistent snapshots");
            }
            if volume.is_some() {
                return refuse("TopHC snapshots whole VMs, not single volumes");
            }
            require(name, "enter a snapshot name")?;
            if name.trim() == super::convert::HEAD {
                return refuse(
                    "\"head\" is the name TopHC gives the VM's current state; choose another snapshot name",
                );
            }
            HttpCall::post(
                "/v1/compute/vsd/snapshot/create",
                with(
                    compute_identifier(vm),
                    json!({"name": name, "description": description, "domain_memory": memory}),
                ),
            )
        }
        Operation::EditSnapshot {
            vm,
            snapshot,
            description,
        } => {
            require(&vm.id, "the VM has no id")?;
            require(&snapshot.id, "no snapshot chosen")?;
            HttpCall::post(
                "/v1/compute/vsd/snapshot/modify",
                with(
                    compute_identifier(vm),
                    json!({"name": snapshot.id, "description": description}),
                ),
            )
        }
        Operation::RollbackSnapshot {
            vm,
            snapshot,
            memory,
        } => {
            require(&vm.id, "the VM has no id")?;
            require(&snapshot.id, "no snapshot chosen")?;
            HttpCall::post(
                "/v1/compute/vsd/snapshot/rollback",
                with(
                    compute_identifier(vm),
                    json!({"name": snapshot.id, "domain_memory": memory}),
                ),
            )
        }
        Operation::RollbackDisks {
            vm,
            snapshot,
            disks,
        } => {
            require(&vm.id, "the VM has no id")?;
            require(&snapshot.id, "no snapshot chosen")?;
            if disks.is_empty() {
                return refuse("choose at least one disk to roll back");
            }
            for d in disks {
                if d.volume_id.trim().is_empty() || d.snapshot_id.trim().is_empty() {
                    return refuse(format!(
                        "disk {} has no volume or snapshot id in snapshot \"{}\"; it cannot be rolled back on its own",
                        d.device, snapshot.name
                    ));
                }
            }
            let list: Vec<Value> = disks
                .iter()
                .map(|d| {
                    json!({"VolumeUuid": d.volume_id, "SnapshotUuid": d.snapshot_id, "DiskDrive": d.device})
                })
                .collect();
            HttpCall::post(
                "/v1/compute/volume/snapshot/rollback",
                with(compute_identifier(vm), json!({"disk_snapshot_list": list})),
            )
        }
        Operation::DeleteSnapshot { vm, snapshot, .. } => {
            require(&vm.id, "the VM has no id")?;
            require(&snapshot.id, "no snapshot chosen")?;
            HttpCall::post(
                "/v1/compute/vsd/snapshot/delete",
                with(compute_identifier(vm), json!({"name": snapshot.id})),
            )
        }
        Operation::CreateBackup {
            vm,
            point,
            name,
            description,
            full,
            volume,
        } => {
            require(&vm.id, "the VM has no id")?;
            if volume.is_some() {
                return refuse("TopHC backs up whole VMs, not single volumes");
            }
            require(&point.id, "choose a backup point")?;
            require(name, "enter a backup name")?;
            HttpCall::post(
                "/v1/compute/backup/create",
                with(
                    scope(&vm.cluster, vm.tenant.as_ref()),
                    json!({
                        "backup_point_uuid": point.id,
                        "compute_uuid": vm.id,
                        "compute_name": vm.name,
                        "backup_name": name,
                        "description": description,
                        "full_backup": full,
                    }),
                ),
            )
        }
        Operation::DeleteBackup { backup } => {
            require(&backup.id, "no backup chosen")?;
            HttpCall::post(
                "/v1/compute/backup/delete",
                with(
                    scope(&backup.cluster, backup.tenant.as_ref()),
                    json!({"backup_uuid": backup.id, "backup_name": backup.name}),
                ),
            )
        }
        Operation::RestoreBackup { backup, spec } => {
            require(&backup.id, "no backup chosen")?;
            require(&spec.new_vm_name, "enter a name for the new VM")?;
            require(
                &spec.zone_id,
                "choose a zone (resource pool) for the new VM",
            )?;
            require(&spec.group_id, "choose a VM group for the new VM")?;
            if spec.disks.is_empty() {
                return refuse("the restore needs at least one disk");
            }
            let mut devices = std::collections::HashSet::new();
            for d in &spec.disks {
                require(&d.device, "a restore disk has no device name")?;
                if !devices.insert(d.device.as_str()) {
                    return refuse(format!("disk {} is listed twice", d.device));
                }
                require(
                    &d.pool_id,
                    &format!("disk {}: choose a storage pool", d.device),
                )?;
                require(
                    &d.volume_name,
                    &format!("disk {}: enter a volume name", d.device),
                )?;
                require(
                    &d.disk_type,
                    &format!("disk {}: choose a disk type (HDD, SSD)", d.device),
                )?;
            }
            let disks: Vec<Value> = spec
                .disks
                .iter()
                .map(|d| {
                    json!({
                        "target_device": d.device,
                        "pool_uuid": d.pool_id,
                        "volume_name": d.volume_name,
                        "usd_type": d.disk_type,
                    })
                })
                .collect();
            HttpCall::post(
                "/v1/compute/backup/restore",
                with(
                    scope(&backup.cluster, backup.tenant.as_ref()),
                    json!({
                        "backup_uuid": backup.id,
                        "backup_name": backup.name,
                        "compute_uuid": backup.vm.id,
                        "compute_name": backup.vm.name,
                        "new_vm_name": spec.new_vm_name,
                        "restore_disks": disks,
                        "object_group": spec.group_id,
                        "zone_uuid": spec.zone_id,
                    }),
                ),
            )
        }
        Operation::ImportRemoteBackups {
            cluster,
            point: _,
            backups,
        } => {
            require(&cluster.id, "no cluster chosen")?;
            if backups.is_empty() {
                return refuse("choose at least one backup to import");
            }
            let items: Vec<Value> = backups.iter().map(|b| b.opaque.clone()).collect();
            HttpCall::post(
                "/v1/compute/backup/remote/import",
                json!({"cluster_uuid": cluster.id, "backup": items}),
            )
        }
        Operation::StopVm { vm, force } => {
            require(&vm.id, "the VM has no id")?;
            // `shutdown` asks the guest through its agent and may never take effect;
            // `shutoff` cuts the power and is done when it answers.
            let path = if *force {
                "/v1/compute/shutoff"
            } else {
                "/v1/compute/shutdown"
            };
            HttpCall::post(path, power_body(vm))
        }
        Operation::StartVm { vm } => {
            require(&vm.id, "the VM has no id")?;
            // No `cloud_init`: the docs' example sends it, but it takes an IDE slot.
            HttpCall::post("/v1/compute/start", power_body(vm))
        }
        other => {
            return refuse(format!(
                "TopHC has no \"{}\" operation",
                other.title().to_lowercase()
            ));
        }
    };
    Ok(vec![call])
}

/// Sends the planned call once and returns the watch that follows it.
pub async fn submit(
    api: &Arc<Api>,
    timing: WatchTiming,
    op: &Operation,
) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
    let calls = plan(op)?;
    debug_assert_eq!(calls.len(), 1, "every TopHC operation is one call");
    let Some(call) = calls.first() else {
        return Err(SubmitError::Rejected(BackendError::Refused(
            "nothing to send".into(),
        )));
    };
    match api.mutate(call).await {
        Ok(data) => accepted(api, timing, op, data, &call.path),
        Err(error) if error.outcome_unknown() => {
            tracing::warn!(path = %call.path, %error, "answer lost or unreadable; verifying instead of re-sending");
            Err(SubmitError::AnswerLost {
                error,
                verify: watch_for(api, timing, op, Mode::Verify),
            })
        }
        Err(e) => Err(SubmitError::Rejected(e)),
    }
}

/// The watch after the platform accepted the call, checking what its answer says.
fn accepted(
    api: &Arc<Api>,
    timing: WatchTiming,
    op: &Operation,
    data: Value,
    path: &str,
) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
    match op {
        Operation::RollbackDisks { disks, vm, .. } => {
            let outcome = envelope::check_batch(path, data, api.language(), |i, item| {
                item.get("DiskDrive")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .or_else(|| disks.get(i).map(|d| d.device.clone()))
                    .unwrap_or_else(|| format!("item {}", i + 1))
            })
            .map_err(SubmitError::Rejected)?;
            if !outcome.all_ok() && outcome.none_ok() {
                return Err(SubmitError::Rejected(outcome.to_error()));
            }
            let partial = (!outcome.all_ok()).then(|| outcome.failure_text());
            Ok(Box::new(watch::DisksRolledBack::new(
                api.clone(),
                vm.clone(),
                partial,
                timing,
                Mode::Normal,
            )))
        }
        Operation::CreateBackup { vm, name, .. } => {
            // The answer names the backup; without it, find it by name like after a loss.
            let id = envelope::decode_data::<BackupCreated>(path, data)
                .ok()
                .and_then(|b| b.backup_uuid.non_empty().map(str::to_string));
            Ok(Box::new(watch::BackupCreated::new(
                api.clone(),
                vm.clone(),
                name.clone(),
                id,
                timing,
                Mode::Normal,
            )))
        }
        _ => Ok(watch_for(api, timing, op, Mode::Normal)),
    }
}

/// The watch for an operation, in either mode.
fn watch_for(
    api: &Arc<Api>,
    timing: WatchTiming,
    op: &Operation,
    mode: Mode,
) -> Box<dyn TaskWatch> {
    let api = api.clone();
    match op {
        Operation::CreateSnapshot {
            vm, name, memory, ..
        } => Box::new(watch::SnapshotCreated::new(
            api,
            vm.clone(),
            name.clone(),
            *memory,
            timing,
            mode,
        )),
        Operation::EditSnapshot {
            vm,
            snapshot,
            description,
        } => match mode {
            Mode::Normal => Box::new(Done),
            Mode::Verify => Box::new(watch::SnapshotEdited::new(
                api,
                vm.clone(),
                snapshot.id.clone(),
                description.clone(),
                timing,
            )),
        },
        Operation::RollbackSnapshot { vm, snapshot, .. } => Box::new(watch::RolledBack::new(
            api,
            vm.clone(),
            snapshot.id.clone(),
            timing,
            mode,
        )),
        Operation::RollbackDisks { vm, .. } => Box::new(watch::DisksRolledBack::new(
            api,
            vm.clone(),
            None,
            timing,
            mode,
        )),
        Operation::DeleteSnapshot { vm, snapshot, .. } => Box::new(watch::SnapshotDeleted::new(
            api,
            vm.clone(),
            snapshot.id.clone(),
            timing,
            mode,
        )),
        Operation::CreateBackup { vm, name, .. } => Box::new(watch::BackupCreated::new(
            api,
            vm.clone(),
            name.clone(),
            None,
            timing,
            mode,
        )),
        Operation::DeleteBackup { backup } => {
            Box::new(watch::BackupDeleted::new(api, backup.clone(), timing, mode))
        }
        Operation::RestoreBackup { backup, spec } => Box::new(watch::Restored::new(
            api,
            backup.cluster.clone(),
            spec.new_vm_name.clone(),
            timing,
            mode,
        )),
        Operation::ImportRemoteBackups {
            cluster, backups, ..
        } => match mode {
            Mode::Normal => Box::new(Done),
            Mode::Verify => Box::new(watch::Imported::new(
                api,
                cluster.clone(),
                backups.iter().map(|b| b.id.clone()).collect(),
                timing,
            )),
        },
        Operation::StopVm { vm, force } => Box::new(watch::PowerReached::new(
            api,
            vm.clone(),
            watch::Power::Off { graceful: !*force },
            timing,
            mode,
        )),
        Operation::StartVm { vm } => Box::new(watch::PowerReached::new(
            api,
            vm.clone(),
            watch::Power::On,
            timing,
            mode,
        )),
        // `plan` refuses every other operation, so `submit` never gets here with one.
        _ => Box::new(Done),
    }
}
