//! Every `Operation` as the documented ZStack call (`sdk_routes.tsv` for method, path and
//! body key; the manual's chapter 4 for the backup APIs). Each is one async API: `plan`
//! builds it with a fresh `X-Job-UUID`, `submit` sends exactly that call once and follows
//! the job by that uuid.
//!
//! Body shapes (ENDPOINTS §3): POST `{"params": {...}}`; PUT on `…/actions`
//! `{"<actionName>": {...}}`; DELETE takes its parameters in the query string.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use jiff::tz::TimeZone;
use reqwest::Method;
use serde_json::{Value, json};

use super::jobs::{self, Finished, JobWatch, ResultCheck};
use super::known::Known;
use super::reads;
use super::session::{Api, JOB_HEADER, Sent, V1};
use super::time;
use super::verify::{BackupKind, Target};
use super::wire::{Query, VmInstance, VmState};
use crate::{BackendError, HttpCall, Result, SubmitError, TaskWatch, refuse};
use crate::{Mode, WatchTiming};
use vmdeck_model::operation::Operation;
use vmdeck_model::{BackupCategory, BackupRef, SnapshotRef, VmRef};

/// Ids go into URL paths: anything but a plain id (which a hostile server could send)
/// would address another resource.
fn id<'a>(value: &'a str, what: &str) -> Result<&'a str> {
    let v = value.trim();
    if v.is_empty() {
        return refuse(format!("no {what} chosen"));
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return refuse(format!(
            "the {what} id \"{v}\" is not a ZStack uuid; refresh and choose it again"
        ));
    }
    Ok(v)
}

fn require(value: &str, why: &str) -> Result<()> {
    if value.trim().is_empty() {
        refuse(why)
    } else {
        Ok(())
    }
}

fn post(path: String, params: Value, job: &str) -> HttpCall {
    HttpCall::new(Method::POST, path, Some(json!({ "params": params }))).header(JOB_HEADER, job)
}

fn action(path: String, key: &str, fields: Value, job: &str) -> HttpCall {
    let mut body = serde_json::Map::new();
    body.insert(key.to_string(), fields);
    HttpCall::new(Method::PUT, path, Some(Value::Object(body))).header(JOB_HEADER, job)
}

fn delete(path: String, job: &str) -> HttpCall {
    HttpCall::new(Method::DELETE, path, None).header(JOB_HEADER, job)
}

/// What planning needs besides the operation.
pub struct PlanCtx<'a> {
    pub known: &'a Known,
    pub snapshot_groups: bool,
    pub tz: &'a TimeZone,
}

impl PlanCtx<'_> {
    fn root_volume(&self, vm: &VmRef) -> Result<String> {
        self.known.root_volume(&vm.id).ok_or_else(|| {
            BackendError::Refused(format!(
                "vmdeck has not read VM {}'s root volume yet; refresh the VM list and try again",
                vm.name
            ))
        })
    }

    fn groups(&self) -> Result<()> {
        if self.snapshot_groups {
            Ok(())
        } else {
            refuse(
                "this ZStack has no VM snapshot groups (they came with 3.6): choose one volume to snapshot",
            )
        }
    }
}

/// The backup storage a backup is copied from: the first of its copies not on `to`.
fn source(backup: &BackupRef, to: &str) -> Result<String> {
    if backup.locations.iter().any(|l| l.id == to) {
        return refuse(format!(
            "{} already has a copy on that backup storage",
            backup.name
        ));
    }
    backup
        .locations
        .iter()
        .find(|l| !l.id.is_empty() && l.id != to)
        .map(|l| l.id.clone())
        .ok_or_else(|| {
            BackendError::Refused(format!(
                "vmdeck does not know which backup storage holds {}; refresh the backup list",
                backup.name
            ))
        })
}

/// Where a recovered backup goes: a storage that has its record but not `from`; failing
/// that, the one enabled image store in the VM's zone (a remote store is in none).
fn receiver(backup: &BackupRef, from: &str, known: &Known) -> Result<String> {
    if let Some(l) = backup
        .locations
        .iter()
        .find(|l| !l.id.is_empty() && l.id != from)
    {
        return Ok(l.id.clone());
    }
    let zone = known.zone_of(&backup.vm.id);
    let others: Vec<_> = known
        .storages()
        .into_iter()
        .filter(|s| s.image_store && s.enabled && s.id != from)
        .filter(|s| zone.as_ref().is_none_or(|z| s.zones.contains(z)))
        .collect();
    match others.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => refuse(format!(
            "no enabled image-store backup storage{} could receive {}",
            if zone.is_some() {
                " in the VM's zone"
            } else {
                ""
            },
            backup.name
        )),
        many => refuse(format!(
            "{} could go to any of {}: vmdeck cannot tell which; use ZStack's UI for this one",
            backup.name,
            many.iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn backup_kind(b: &BackupRef) -> BackupKind {
    match b.category {
        BackupCategory::Vm => BackupKind::Vm,
        BackupCategory::Volume => BackupKind::Volume,
        BackupCategory::Database => BackupKind::Database,
    }
}

fn snapshot_target(s: &SnapshotRef) -> (&str, bool) {
    (s.id.as_str(), s.volume.is_none())
}

/// The one call `op` makes, with `job` as its `X-Job-UUID`, or why vmdeck refuses it.
pub fn plan_with(op: &Operation, ctx: &PlanCtx, job: &str) -> Result<HttpCall> {
    Ok(match op {
        Operation::CreateSnapshot {
            vm,
            name,
            description,
            memory,
            consistent,
            volume,
        } => {
            id(&vm.id, "VM")?;
            require(name, "enter a snapshot name")?;
            if *memory {
                return refuse("vmdeck takes ZStack snapshots of disks only, without memory");
            }
            if *consistent {
                return refuse("ZStack has no file-system-consistent snapshots");
            }
            match volume {
                Some(v) => post(
                    format!("{V1}/volumes/{}/volume-snapshots", id(&v.id, "volume")?),
                    json!({"name": name.trim(), "description": description}),
                    job,
                ),
                None => {
                    ctx.groups()?;
                    let root = ctx.root_volume(vm)?;
                    post(
                        format!("{V1}/volume-snapshots/group"),
                        json!({
                            "rootVolumeUuid": id(&root, "root volume")?,
                            "name": name.trim(),
                            "description": description,
                            "withMemory": false,
                        }),
                        job,
                    )
                }
            }
        }
        Operation::EditSnapshot {
            snapshot,
            description,
            ..
        } => {
            let (sid, group) = snapshot_target(snapshot);
            let sid = id(sid, "snapshot")?;
            if group {
                ctx.groups()?;
                action(
                    format!("{V1}/volume-snapshots/group/{sid}/actions"),
                    "updateVolumeSnapshotGroup",
                    json!({"description": description}),
                    job,
                )
            } else {
                action(
                    format!("{V1}/volume-snapshots/{sid}/actions"),
                    "updateVolumeSnapshot",
                    json!({"description": description}),
                    job,
                )
            }
        }
        Operation::RollbackSnapshot {
            snapshot, memory, ..
        } => {
            if *memory {
                return refuse("vmdeck's ZStack snapshots hold no memory to restore");
            }
            let (sid, group) = snapshot_target(snapshot);
            let sid = id(sid, "snapshot")?;
            if group {
                ctx.groups()?;
                action(
                    format!("{V1}/volume-snapshots/group/{sid}/actions"),
                    "revertVmFromSnapshotGroup",
                    json!({}),
                    job,
                )
            } else {
                action(
                    format!("{V1}/volume-snapshots/{sid}/actions"),
                    "revertVolumeFromSnapshot",
                    json!({}),
                    job,
                )
            }
        }
        Operation::DeleteSnapshot { snapshot, .. } => {
            let (sid, group) = snapshot_target(snapshot);
            let sid = id(sid, "snapshot")?;
            let path = if group {
                ctx.groups()?;
                format!("{V1}/volume-snapshots/group/{sid}")
            } else {
                format!("{V1}/volume-snapshots/{sid}")
            };
            delete(path, job).query("deleteMode", "Permissive")
        }
        Operation::StopVm { vm, force } => action(
            format!("{V1}/vm-instances/{}/actions", id(&vm.id, "VM")?),
            "stopVmInstance",
            json!({"type": if *force { "cold" } else { "grace" }}),
            job,
        ),
        Operation::StartVm { vm } => action(
            format!("{V1}/vm-instances/{}/actions", id(&vm.id, "VM")?),
            "startVmInstance",
            json!({}),
            job,
        ),
        Operation::CreateBackup {
            vm,
            point,
            name,
            description,
            full,
            volume,
        } => {
            id(&vm.id, "VM")?;
            let bs = id(&point.id, "backup storage")?;
            require(name, "enter a backup name")?;
            let params = json!({
                "backupStorageUuid": bs,
                "name": name.trim(),
                "description": description,
                "mode": if *full { "full" } else { "incremental" },
            });
            match volume {
                Some(v) => post(
                    format!("{V1}/volumes/{}/volume-backups", id(&v.id, "volume")?),
                    params,
                    job,
                ),
                None => {
                    let root = ctx.root_volume(vm)?;
                    post(
                        format!("{V1}/volumes/{}/vm-backups", id(&root, "root volume")?),
                        params,
                        job,
                    )
                }
            }
        }
        Operation::DeleteBackup { backup } => {
            let bid = id(&backup.id, "backup")?;
            match backup.category {
                BackupCategory::Vm => {
                    delete(format!("{V1}/vm-backups/{bid}"), job).query("deleteMode", "Permissive")
                }
                BackupCategory::Volume => delete(format!("{V1}/volume-backups/{bid}"), job)
                    .query("deleteMode", "Permissive"),
                BackupCategory::Database => {
                    // Every copy goes: the manual lists the storages explicitly.
                    let mut call = delete(format!("{V1}/database-backups/{bid}"), job);
                    for l in &backup.locations {
                        call = call.query("backupStorageUuids", id(&l.id, "backup storage")?);
                    }
                    call
                }
            }
        }
        Operation::RestoreInPlace { backup, power_on } => {
            if *power_on {
                return refuse(
                    "ZStack leaves the VM stopped after reverting it from a backup; start it afterwards as a separate step",
                );
            }
            let bid = id(&backup.id, "backup")?;
            // `backupStorageUuid` is optional: the MN picks a local store holding the
            // backup, which vmdeck cannot tell from a remote one.
            let fields = Value::Object(serde_json::Map::new());
            match backup.category {
                BackupCategory::Vm => action(
                    format!("{V1}/vm-backups/{bid}/actions"),
                    "revertVmFromVmBackup",
                    fields,
                    job,
                ),
                BackupCategory::Volume => action(
                    format!("{V1}/volume-backups/{bid}/actions"),
                    "revertVolumeFromVolumeBackup",
                    fields,
                    job,
                ),
                BackupCategory::Database => {
                    return refuse(
                        "a database backup is not restored in place: use \"Recover database\"",
                    );
                }
            }
        }
        Operation::SyncBackup { backup, to } => {
            let bid = id(&backup.id, "backup")?;
            let dst = id(&to.id, "backup storage")?;
            let src = source(backup, dst)?;
            let fields = json!({"srcBackupStorageUuid": src, "dstBackupStorageUuid": dst});
            match backup.category {
                BackupCategory::Vm => action(
                    format!("{V1}/vm-backups/{bid}/actions"),
                    "syncVmBackupFromImageStoreBackupStorage",
                    fields,
                    job,
                ),
                BackupCategory::Volume => action(
                    format!("{V1}/volume-backups/{bid}/actions"),
                    "syncBackupFromImageStoreBackupStorage",
                    fields,
                    job,
                ),
                BackupCategory::Database => action(
                    format!("{V1}/database-backups/{bid}/actions"),
                    "syncDatabaseBackupFromImageStoreBackupStorage",
                    fields,
                    job,
                ),
            }
        }
        Operation::RecoverBackup { backup, from } => {
            let bid = id(&backup.id, "backup")?;
            let holder = id(&from.id, "backup storage")?;
            // The manual: src is the storage that receives the backup, dst the one that
            // holds it (§4.7, §4.12).
            let into = receiver(backup, holder, ctx.known)?;
            let fields = json!({"srcBackupStorageUuid": into, "dstBackupStorageUuid": holder});
            match backup.category {
                BackupCategory::Vm => action(
                    format!("{V1}/vm-backups/{bid}/actions"),
                    "recoverVmBackupFromImageStoreBackupStorage",
                    fields,
                    job,
                ),
                BackupCategory::Volume => action(
                    format!("{V1}/volume-backups/{bid}/actions"),
                    "recoverBackupFromImageStoreBackupStorage",
                    fields,
                    job,
                ),
                BackupCategory::Database => {
                    return refuse(
                        "ZStack has no recover for database backups from another storage; sync it instead",
                    );
                }
            }
        }
        Operation::CreateTemplateFromBackup {
            backup,
            name,
            root,
            storage,
        } => {
            if backup.category != BackupCategory::Volume {
                return refuse(
                    "templates are made from volume backups; choose one volume's backup",
                );
            }
            let bid = id(&backup.id, "backup")?;
            let bs = id(&storage.id, "backup storage")?;
            require(name, "enter a template name")?;
            let kind = if *root {
                "root-volume-templates"
            } else {
                "data-volume-templates"
            };
            post(
                format!("{V1}/images/{kind}/from/volume-template/{bid}"),
                json!({
                    "backupStorageUuid": bs,
                    "name": name.trim(),
                    "description": format!("from volume backup {}", backup.name),
                    "system": false,
                }),
                job,
            )
        }
        Operation::CreateDatabaseBackup { storage } => post(
            format!("{V1}/database-backups"),
            json!({
                "name": format!("vmdeck-db-{}", time::stamp_now(ctx.tz)),
                "backupStorageUuid": id(&storage.id, "backup storage")?,
            }),
            job,
        ),
        // §4.17: by the backup's uuid (the manual's other form, a URL and install path, is
        // for backups the management node no longer lists); the MySQL root password is
        // required. The preview redacts it (`http::redact`).
        Operation::RecoverDatabaseBackup {
            backup,
            mysql_root_password,
        } => {
            if backup.category != BackupCategory::Database {
                return refuse("choose a database backup");
            }
            if mysql_root_password.expose().is_empty() {
                return refuse(
                    "ZStack needs the management node's MySQL root password to recover its database",
                );
            }
            action(
                format!("{V1}/database-backups/actions"),
                "recoverDatabaseFromBackup",
                json!({
                    "uuid": id(&backup.id, "database backup")?,
                    "mysqlRootPassword": mysql_root_password.expose(),
                }),
                job,
            )
        }
        Operation::ExportDatabaseBackup { backup, storage } => action(
            format!(
                "{V1}/database-backups/{}/backup-storage/{}/actions",
                id(&backup.id, "database backup")?,
                id(&storage.id, "backup storage")?
            ),
            "exportDatabaseBackupFromBackupStorage",
            json!({}),
            job,
        ),
        Operation::DeleteExportedDatabaseBackup { backup, storage } => delete(
            format!(
                "{V1}/exported-database-backup/{}/backup-storage/{}",
                id(&backup.id, "database backup")?,
                id(&storage.id, "backup storage")?
            ),
            job,
        ),
        Operation::RollbackDisks { .. } => {
            return refuse(
                "ZStack reverts volumes one by one: revert each volume from its own snapshot",
            );
        }
        Operation::RestoreBackup { .. } => {
            return refuse(
                "vmdeck restores ZStack backups in place (revert); it does not create new VMs from them",
            );
        }
        // §6: one of the long-job actions; the job must still be waiting, running or
        // suspended (the Tasks pane offers it only then, and the server checks again).
        Operation::CancelTask { task, .. } => action(
            format!("{V1}/longjobs/{}/actions", id(&task.id, "long job")?),
            "cancelLongJob",
            json!({}),
            job,
        ),
        other => {
            return refuse(format!(
                "ZStack has no \"{}\" operation",
                other.title().to_lowercase()
            ));
        }
    })
}

/// What the operation changes, for re-reading when its job cannot tell us, and how its
/// result is checked.
pub fn target_of(op: &Operation, call: &HttpCall) -> (Target, ResultCheck) {
    let plain = |t| (t, ResultCheck::Plain);
    match op {
        Operation::CreateSnapshot {
            vm, name, volume, ..
        } => plain(match volume {
            Some(v) => Target::SnapshotCreated {
                volume: v.id.clone(),
                name: name.trim().to_string(),
            },
            None => Target::GroupCreated {
                vm: vm.id.clone(),
                name: name.trim().to_string(),
            },
        }),
        Operation::EditSnapshot {
            snapshot,
            description,
            ..
        } => plain(match snapshot.volume {
            Some(_) => Target::SnapshotDescribed {
                id: snapshot.id.clone(),
                description: description.clone(),
            },
            None => Target::GroupDescribed {
                id: snapshot.id.clone(),
                description: description.clone(),
            },
        }),
        Operation::RollbackSnapshot { snapshot, .. } => match snapshot.volume {
            Some(_) => plain(Target::VolumeReverted {
                snapshot: snapshot.id.clone(),
            }),
            None => (
                Target::GroupReverted {
                    group: snapshot.id.clone(),
                },
                ResultCheck::PerSnapshot,
            ),
        },
        Operation::DeleteSnapshot { snapshot, .. } => match snapshot.volume {
            Some(_) => plain(Target::SnapshotDeleted {
                id: snapshot.id.clone(),
            }),
            None => (
                Target::GroupDeleted {
                    id: snapshot.id.clone(),
                },
                ResultCheck::PerSnapshot,
            ),
        },
        Operation::StopVm { vm, .. } => plain(Target::VmPower {
            vm: vm.id.clone(),
            want: VmState::Stopped,
        }),
        Operation::StartVm { vm } => plain(Target::VmPower {
            vm: vm.id.clone(),
            want: VmState::Running,
        }),
        Operation::CreateBackup {
            vm, name, volume, ..
        } => plain(match volume {
            Some(v) => Target::VolumeBackupCreated {
                volume: v.id.clone(),
                name: name.trim().to_string(),
            },
            None => Target::VmBackupCreated {
                vm: vm.id.clone(),
                name: name.trim().to_string(),
            },
        }),
        Operation::DeleteBackup { backup } => plain(Target::BackupDeleted {
            kind: backup_kind(backup),
            id: backup.id.clone(),
        }),
        Operation::SyncBackup { backup, to } => plain(Target::BackupCopied {
            kind: backup_kind(backup),
            id: backup.id.clone(),
            storage: to.id.clone(),
        }),
        Operation::RecoverBackup { backup, .. } => plain(Target::BackupCopied {
            kind: backup_kind(backup),
            id: backup.id.clone(),
            // The receiving storage was chosen when planning: read it back from the call.
            storage: call
                .body
                .as_ref()
                .and_then(|b| b.as_object())
                .and_then(|b| b.values().next())
                .and_then(|f| f.get("srcBackupStorageUuid"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        Operation::CreateDatabaseBackup { .. } => plain(Target::DatabaseBackupCreated {
            // The name was made up when planning: read it back from the call.
            name: call
                .body
                .as_ref()
                .and_then(|b| b.pointer("/params/name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        Operation::ExportDatabaseBackup { backup, storage } => plain(Target::Exported {
            id: backup.id.clone(),
            storage: storage.id.clone(),
        }),
        Operation::DeleteExportedDatabaseBackup { backup, storage } => {
            plain(Target::ExportDeleted {
                id: backup.id.clone(),
                storage: storage.id.clone(),
            })
        }
        Operation::RestoreInPlace { .. } => plain(Target::Unreadable(
            "a revert from a backup leaves nothing vmdeck can read back".into(),
        )),
        Operation::RecoverDatabaseBackup { .. } => plain(Target::Unreadable(
            "a database recovery leaves nothing vmdeck can read back".into(),
        )),
        Operation::CancelTask { task, .. } => plain(Target::LongJobCanceled {
            id: task.id.clone(),
        }),
        Operation::CreateTemplateFromBackup { .. } => plain(Target::Unreadable(
            "vmdeck does not list images to look for the template".into(),
        )),
        _ => plain(Target::Unreadable("vmdeck cannot read this back".into())),
    }
}

/// Plans shown in a preview and not sent yet, so `submit` sends exactly what was shown
/// (the same `X-Job-UUID`, the same made-up names). Bounded: previews that were cancelled
/// age out.
#[derive(Default)]
pub struct Pending {
    list: Mutex<VecDeque<(Operation, HttpCall)>>,
}

const PENDING_MAX: usize = 64;

impl Pending {
    /// The pending call for `op`, or `make()`'s (remembered for `take`).
    pub fn get_or_plan(
        &self,
        op: &Operation,
        make: impl FnOnce() -> Result<HttpCall>,
    ) -> Result<HttpCall> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, call)) = list.iter().find(|(o, _)| o == op) {
            return Ok(call.clone());
        }
        let call = make()?;
        if list.len() >= PENDING_MAX {
            list.pop_front();
        }
        list.push_back((op.clone(), call.clone()));
        Ok(call)
    }

    /// Removes and returns the pending call for `op`.
    pub fn take(&self, op: &Operation) -> Option<HttpCall> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let i = list.iter().position(|(o, _)| o == op)?;
        list.remove(i).map(|(_, c)| c)
    }
}

/// ZStack refuses to revert a volume of a VM that is not stopped (SYS.1006); say so
/// before sending anything. A VM that starts in between is refused by the server.
async fn require_stopped(api: &Api, vm: &VmRef) -> Result<()> {
    let reply: Query<VmInstance> = api.read(&reads::vm_state(&vm.id).call()).await?;
    let Some(v) = reply.into_items().into_iter().next() else {
        return refuse(format!("VM {} no longer exists", vm.name));
    };
    if v.state == VmState::Stopped {
        return Ok(());
    }
    refuse(format!(
        "ZStack reverts only while the VM is stopped, and VM {} is {}: stop it first (a separate, confirmed step), then revert",
        vm.name,
        match v.state.as_wire() {
            "" => "in an unknown state",
            s => s,
        }
    ))
}

/// Learns the root volume of `vm` when an operation needs it and no read has said.
async fn learn_root(api: &Api, known: &Known, vm: &VmRef) -> Result<()> {
    if known.root_volume(&vm.id).is_some() {
        return Ok(());
    }
    let reply: Query<VmInstance> = api.read(&reads::vm_state(&vm.id).call()).await?;
    if let Some(v) = reply.into_items().into_iter().next() {
        known.learn_root(&v.uuid, &v.root_volume_uuid);
    }
    Ok(())
}

pub struct Submitter<'a> {
    pub api: &'a Arc<Api>,
    pub ctx: PlanCtx<'a>,
    pub pending: &'a Pending,
    pub timing: WatchTiming,
}

impl Submitter<'_> {
    pub async fn submit(
        &self,
        op: &Operation,
    ) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
        match op {
            Operation::RollbackSnapshot { vm, .. } => require_stopped(self.api, vm).await?,
            Operation::RestoreInPlace { backup, .. }
                if backup.category != BackupCategory::Database =>
            {
                let vm = VmRef {
                    cluster: backup.cluster.clone(),
                    id: backup.vm.id.clone(),
                    name: backup.vm.name.clone(),
                    tenant: None,
                };
                require_stopped(self.api, &vm).await?
            }
            Operation::CreateSnapshot {
                vm, volume: None, ..
            }
            | Operation::CreateBackup {
                vm, volume: None, ..
            } => learn_root(self.api, self.ctx.known, vm).await?,
            _ => {}
        }
        let call = match self.pending.take(op) {
            Some(c) => c,
            None => plan_with(op, &self.ctx, &jobs::new_job_uuid())?,
        };
        let job = call
            .headers
            .iter()
            .find(|(k, _)| k == JOB_HEADER)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let (target, check) = target_of(op, &call);
        let watch = |job: String, mode| {
            Box::new(JobWatch::new(
                self.api.clone(),
                job,
                target.clone(),
                check,
                mode,
                self.timing,
            ))
        };
        match self.api.mutate(&call).await {
            Ok(Sent::Accepted { job }) => Ok(watch(job, Mode::Normal)),
            Ok(Sent::Done(body)) => Ok(Box::new(Finished {
                job,
                state: jobs::result_state(check, &body),
            })),
            Err(error) if error.outcome_unknown() => {
                tracing::warn!(path = %call.path, %error, job = %job,
                    "answer lost or unreadable; following the job instead of re-sending");
                Err(SubmitError::AnswerLost {
                    error,
                    verify: watch(job, Mode::Verify),
                })
            }
            Err(e) => Err(SubmitError::Rejected(e)),
        }
    }
}
