//! Finding out from the resource itself whether an operation took effect, for when its
//! api-job cannot tell us any more (404: expired, or never registered because the request
//! got lost). Each operation names what it changes; `check` reads that and says what it
//! sees. Nothing here ever sends a mutation.

use super::reads;
use super::session::Api;
use super::wire::{
    DatabaseBackup, LongJob, LongJobState, Query, SnapshotGroup, SnapshotStatus, VmInstance,
    VmState, VolumeBackup, VolumeSnapshot,
};
use crate::Result;

/// What a re-read shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The operation's effect is there.
    Done,
    /// The resource is still changing; look again.
    InProgress,
    /// The effect is not there (yet): the reason, for when we stop looking.
    Absent(String),
    /// Nothing vmdeck can read tells whether it happened.
    CannotTell(String),
}

/// Which backup list a backup operation changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupKind {
    Volume,
    Vm,
    Database,
}

/// What an operation changes, in terms vmdeck can read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    SnapshotCreated {
        volume: String,
        name: String,
    },
    GroupCreated {
        vm: String,
        name: String,
    },
    SnapshotDescribed {
        id: String,
        description: String,
    },
    GroupDescribed {
        id: String,
        description: String,
    },
    VolumeReverted {
        snapshot: String,
    },
    GroupReverted {
        group: String,
    },
    SnapshotDeleted {
        id: String,
    },
    GroupDeleted {
        id: String,
    },
    VmPower {
        vm: String,
        want: VmState,
    },
    VolumeBackupCreated {
        volume: String,
        name: String,
    },
    VmBackupCreated {
        vm: String,
        name: String,
    },
    DatabaseBackupCreated {
        name: String,
    },
    BackupDeleted {
        kind: BackupKind,
        id: String,
    },
    /// A sync or recover: the backup gets a copy on `storage`.
    BackupCopied {
        kind: BackupKind,
        id: String,
        storage: String,
    },
    Exported {
        id: String,
        storage: String,
    },
    ExportDeleted {
        id: String,
        storage: String,
    },
    /// A long job asked to cancel: it reads `Canceled` (or `Canceling`, still stopping).
    LongJobCanceled {
        id: String,
    },
    /// Reverts from backups, database recovery, templates: no state to read back.
    Unreadable(String),
}

async fn first<T: serde::de::DeserializeOwned>(api: &Api, q: reads::Query) -> Result<Option<T>> {
    let reply: Query<T> = api.read_once(&q.call()).await?;
    Ok(reply.into_items().into_iter().next())
}

async fn all<T: serde::de::DeserializeOwned>(api: &Api, q: reads::Query) -> Result<Vec<T>> {
    let reply: Query<T> = api
        .read_once(&q.page(0, reads::ALL_PAGE_SIZE).call())
        .await?;
    Ok(reply.into_items())
}

fn on_storage(refs: &[super::wire::BackupStorageRef], storage: &str) -> bool {
    refs.iter()
        .any(|r| r.backup_storage_uuid.as_str() == storage)
}

fn ready(status: &str) -> Effect {
    match status.trim().to_ascii_lowercase().as_str() {
        "creating" | "syncing" | "recovering" => Effect::InProgress,
        "failed" | "error" => Effect::Absent(format!("it is marked {status}")),
        _ => Effect::Done,
    }
}

impl Target {
    pub async fn check(&self, api: &Api) -> Result<Effect> {
        Ok(match self {
            Target::SnapshotCreated { volume, name } => {
                let list: Vec<VolumeSnapshot> = all(api, reads::snapshots_of(volume)).await?;
                match list.iter().find(|s| s.name.as_str() == name) {
                    Some(s) if s.status == SnapshotStatus::Creating => Effect::InProgress,
                    Some(_) => Effect::Done,
                    None => Effect::Absent(format!("the volume has no snapshot named \"{name}\"")),
                }
            }
            Target::GroupCreated { vm, name } => {
                let list: Vec<SnapshotGroup> = all(api, reads::groups_of(vm)).await?;
                if list.iter().any(|g| g.name.as_str() == name) {
                    Effect::Done
                } else {
                    Effect::Absent(format!("the VM has no snapshot group named \"{name}\""))
                }
            }
            Target::SnapshotDescribed { id, description } => {
                match first::<VolumeSnapshot>(api, reads::snapshot(id)).await? {
                    Some(s) if s.description.as_str() == description => Effect::Done,
                    Some(_) => Effect::Absent("the snapshot's description is unchanged".into()),
                    None => Effect::Absent("the snapshot no longer exists".into()),
                }
            }
            Target::GroupDescribed { id, description } => {
                match first::<SnapshotGroup>(api, reads::group(id)).await? {
                    Some(g) if g.description.as_str() == description => Effect::Done,
                    Some(_) => Effect::Absent("the group's description is unchanged".into()),
                    None => Effect::Absent("the snapshot group no longer exists".into()),
                }
            }
            Target::VolumeReverted { snapshot } => {
                match first::<VolumeSnapshot>(api, reads::snapshot(snapshot)).await? {
                    Some(s) if s.latest.is_true() => Effect::Done,
                    Some(_) => Effect::Absent(
                        "the volume is not on that snapshot (it is not marked latest)".into(),
                    ),
                    None => Effect::Absent("the snapshot no longer exists".into()),
                }
            }
            Target::GroupReverted { group } => {
                let Some(g) = first::<SnapshotGroup>(api, reads::group(group)).await? else {
                    return Ok(Effect::Absent("the snapshot group no longer exists".into()));
                };
                let mut off = 0;
                for r in g
                    .volume_snapshot_refs
                    .iter()
                    .filter(|r| !r.snapshot_deleted.is_true())
                {
                    match first::<VolumeSnapshot>(api, reads::snapshot(&r.volume_snapshot_uuid))
                        .await?
                    {
                        Some(s) if s.latest.is_true() => {}
                        _ => off += 1,
                    }
                }
                if off == 0 {
                    Effect::Done
                } else {
                    Effect::Absent(format!("{off} volume(s) are not on the group's snapshots"))
                }
            }
            Target::SnapshotDeleted { id } => {
                match first::<VolumeSnapshot>(api, reads::snapshot(id)).await? {
                    None => Effect::Done,
                    Some(s) if s.status == SnapshotStatus::Deleted => Effect::Done,
                    Some(s) if s.status == SnapshotStatus::Deleting => Effect::InProgress,
                    Some(_) => Effect::Absent("the snapshot is still there".into()),
                }
            }
            Target::GroupDeleted { id } => {
                match first::<SnapshotGroup>(api, reads::group(id)).await? {
                    None => Effect::Done,
                    Some(_) => Effect::Absent("the snapshot group is still there".into()),
                }
            }
            Target::VmPower { vm, want } => {
                match first::<VmInstance>(api, reads::vm_state(vm)).await? {
                    Some(v) if v.state == *want => Effect::Done,
                    Some(v)
                        if matches!(
                            v.state,
                            VmState::Starting | VmState::Stopping | VmState::Rebooting
                        ) =>
                    {
                        Effect::InProgress
                    }
                    Some(v) => Effect::Absent(format!("the VM is {}", v.state.as_wire())),
                    None => Effect::Absent("the VM no longer exists".into()),
                }
            }
            Target::VolumeBackupCreated { volume, name } => {
                let list: Vec<VolumeBackup> = all(
                    api,
                    reads::volume_backups()
                        .eq("volumeUuid", volume)
                        .sort("-createDate"),
                )
                .await?;
                match list.iter().find(|b| b.name.as_str() == name) {
                    Some(b) => ready(&b.status),
                    None => Effect::Absent(format!("the volume has no backup named \"{name}\"")),
                }
            }
            Target::VmBackupCreated { vm, name } => {
                let list: Vec<VolumeBackup> = all(
                    api,
                    reads::volume_backups()
                        .eq("vmInstanceUuid", vm)
                        .q("groupUuid not null")
                        .sort("-createDate"),
                )
                .await?;
                match list.iter().find(|b| b.name.as_str() == name) {
                    Some(b) => ready(&b.status),
                    None => Effect::Absent(format!("the VM has no backup named \"{name}\"")),
                }
            }
            Target::DatabaseBackupCreated { name } => {
                let list: Vec<DatabaseBackup> =
                    all(api, reads::database_backups().sort("-createDate")).await?;
                match list.iter().find(|b| b.name.as_str() == name) {
                    Some(b) => ready(&b.status),
                    None => Effect::Absent(format!("there is no database backup named \"{name}\"")),
                }
            }
            Target::BackupDeleted { kind, id } => {
                let gone = match kind {
                    BackupKind::Volume => first::<VolumeBackup>(api, reads::volume_backup(id))
                        .await?
                        .is_none(),
                    BackupKind::Vm => first::<VolumeBackup>(
                        api,
                        reads::vm_backup_members(std::slice::from_ref(id)),
                    )
                    .await?
                    .is_none(),
                    BackupKind::Database => {
                        first::<DatabaseBackup>(api, reads::database_backup(id))
                            .await?
                            .is_none()
                    }
                };
                if gone {
                    Effect::Done
                } else {
                    Effect::Absent("the backup is still listed".into())
                }
            }
            Target::BackupCopied { kind, id, storage } => {
                let copied = match kind {
                    BackupKind::Volume => first::<VolumeBackup>(api, reads::volume_backup(id))
                        .await?
                        .map(|b| on_storage(&b.backup_storage_refs, storage)),
                    BackupKind::Vm => {
                        let members: Vec<VolumeBackup> =
                            all(api, reads::vm_backup_members(std::slice::from_ref(id))).await?;
                        (!members.is_empty()).then(|| {
                            members
                                .iter()
                                .all(|m| on_storage(&m.backup_storage_refs, storage))
                        })
                    }
                    BackupKind::Database => {
                        first::<DatabaseBackup>(api, reads::database_backup(id))
                            .await?
                            .map(|b| on_storage(&b.backup_storage_refs, storage))
                    }
                };
                match copied {
                    Some(true) => Effect::Done,
                    Some(false) => Effect::Absent("the backup has no copy on that storage".into()),
                    None => Effect::Absent("the backup no longer exists".into()),
                }
            }
            Target::Exported { id, storage } | Target::ExportDeleted { id, storage } => {
                let want_export = matches!(self, Target::Exported { .. });
                let Some(b) = first::<DatabaseBackup>(api, reads::database_backup(id)).await?
                else {
                    return Ok(Effect::Absent(
                        "the database backup no longer exists".into(),
                    ));
                };
                let exported = b.backup_storage_refs.iter().any(|r| {
                    r.backup_storage_uuid.as_str() == storage && r.export_url.non_empty().is_some()
                });
                match (want_export, exported) {
                    (true, true) | (false, false) => Effect::Done,
                    (true, false) => Effect::Absent("no exported copy is listed".into()),
                    (false, true) => Effect::Absent("the exported copy is still listed".into()),
                }
            }
            Target::LongJobCanceled { id } => {
                match first::<LongJob>(api, reads::long_job(id)).await? {
                    None => Effect::Absent("the long job is no longer listed".into()),
                    Some(j) => match j.state {
                        LongJobState::Canceled => Effect::Done,
                        LongJobState::Canceling => Effect::InProgress,
                        s => Effect::Absent(format!("the long job is {}", s.as_wire())),
                    },
                }
            }
            Target::Unreadable(what) => Effect::CannotTell(what.clone()),
        })
    }
}
