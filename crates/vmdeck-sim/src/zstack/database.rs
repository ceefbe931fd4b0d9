//! Backups of the MN's own database (seed 004 §4.14–4.21).
//!
//! * Create `POST /v1/database-backups {params:{name, backupStorageUuid}}` on an Enabled
//!   ImageStore → `{"inventory": DatabaseBackup}` (`Creating`, then `Ready`).
//! * Delete `DELETE /v1/database-backups/{uuid}?backupStorageUuids=` (those copies only,
//!   or all); deleting what does not exist succeeds.
//! * Export `PUT /v1/database-backups/{db}/backup-storage/{bs}/actions` sets the copy's
//!   `exportUrl` and answers `{"databaseBackupUrl": url}`; exporting twice is refused with
//!   upstream's "database backup[uuid<uuid>] has been exported from backupStorage[uuid:..]"
//!   (sic). Deleting the export (`DELETE /v1/exported-database-backup/{db}/backup-storage/
//!   {bs}`) clears it, and is refused when there is none.
//! * `GET /v1/database-backups/image-store?url=ssh://user:pass@host[:port]/path` (sync)
//!   lists the database backups stored on the image store at `host` as registry `infos`.
//! * Recover `PUT /v1/database-backups/actions {recoverDatabaseFromBackup:{uuid? |
//!   backupStorageUrl + backupInstallPath, mysqlRootPassword}}` → `{"logListenPort": N}`.
//!   As RestServer reads PUT parameters from the body only, the manual's `?uuid=` in the
//!   URL is ignored. The simulated MN allows covering its database
//!   (`allowCoverDatabase=true`) and the inventory is left as it is.
//! * Sync `PUT /v1/database-backups/{uuid}/actions
//!   {syncDatabaseBackupFromImageStoreBackupStorage:{src, dst}}` → `{"inventory": ..}`.

use serde_json::json;

use super::backups::{bs_state_ok, image_store_ok};
use super::inventory;
use super::lookup::lookup;
use super::snapshots::resource_uuid;
use super::time::java_date;
use super::wire::{ErrorCode, Fail};
use super::world::{BackupRef, DatabaseBackup, Kind, MIB, Stamp, World, drop_copies};
use super::{Call, Done, MN_VERSION, Outcome};

pub const CREATE_SECS: f64 = 12.0;
pub const DELETE_SECS: f64 = 2.0;
pub const EXPORT_SECS: f64 = 5.0;
pub const SYNC_SECS: f64 = 8.0;
pub const RECOVER_SECS: f64 = 30.0;
/// The port the UI would tail the recovery log on.
pub const LOG_LISTEN_PORT: u16 = 8095;

fn bs_param(w: &World, c: &Call, field: &str) -> Result<usize, Fail> {
    lookup(w, c, field, Kind::BackupStorage, "BackupStorageVO")
}

fn db_param(w: &World, c: &Call, field: &str) -> Result<usize, Fail> {
    lookup(w, c, field, Kind::DatabaseBackup, "DatabaseBackupVO")
}

pub fn create(w: &mut World, c: &Call) -> Outcome {
    let name = c.p.required("name", &c.class)?;
    let bs = bs_param(w, c, "backupStorageUuid")?;
    let description = c.p.str("description")?;
    bs_state_ok(w, bs, &c.class)?;
    image_store_ok(w, bs)?;
    let uuid = resource_uuid(w, c)?;
    let now = w.now;
    let size = (150 + uuid.0 % 120) as u64 * MIB;
    let idx = w.db_backups.len();
    w.db_backups.push(DatabaseBackup {
        uuid,
        name,
        description,
        state: "Enabled",
        status: "Creating",
        size,
        metadata: format!("{{\"version\":\"{MN_VERSION}\"}}"),
        refs: vec![BackupRef {
            bs,
            install_path: format!("zstore://zsbak/{uuid}"),
            status: "Creating",
            export_url: None,
            stamp: Stamp::at(now),
        }],
        stamp: Stamp::at(now),
        deleted: false,
    });
    w.register(uuid, Kind::DatabaseBackup, idx);
    Ok(Done::later(CREATE_SECS, move |w: &mut World| {
        let now = w.now;
        let b = &mut w.db_backups[idx];
        b.status = "Ready";
        b.stamp.last_op = now;
        for r in &mut b.refs {
            r.status = "Ready";
            r.stamp.last_op = now;
        }
        w.backup_storages[bs].used += size;
        Ok(json!({ "inventory": inventory::db_backup(w, idx) }))
    }))
}

pub fn delete(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    let list = match c.p.str_list("backupStorageUuids")? {
        Some(l) => Some(l),
        None => c.p.str_list("backupStorageUids")?,
    };
    let stores = match list {
        None => None,
        Some(l) => {
            let mut out = Vec::new();
            for u in l {
                out.push(w.find(Kind::BackupStorage, &u).ok_or_else(|| {
                    ErrorCode::not_found("backupStorageUuids", &u, "BackupStorageVO")
                })?);
            }
            Some(out)
        }
    };
    let Some(b) = w.find(Kind::DatabaseBackup, &uuid) else {
        return Ok(Done::Now(json!({})));
    };
    Ok(Done::later(DELETE_SECS, move |w: &mut World| {
        let now = w.now;
        drop_copies(
            &mut w.db_backups[b],
            &mut w.backup_storages,
            stores.as_deref(),
            now,
        );
        Ok(json!({}))
    }))
}

fn copy_on(w: &World, b: usize, bs: usize) -> Option<usize> {
    w.db_backups[b]
        .refs
        .iter()
        .position(|r| r.bs == bs && r.status == "Ready")
}

fn not_on(w: &World, b: usize, bs: usize) -> Fail {
    ErrorCode::operr(format!(
        "database backup[uuid:{}] is not on backup storage[uuid:{}]",
        w.db_backups[b].uuid, w.backup_storages[bs].uuid
    ))
    .into()
}

pub fn export(w: &mut World, c: &Call) -> Outcome {
    let b = db_param(w, c, "databaseBackupUuid")?;
    let bs = bs_param(w, c, "backupStorageUuid")?;
    bs_state_ok(w, bs, &c.class)?;
    let Some(r) = copy_on(w, b, bs) else {
        return Err(not_on(w, b, bs));
    };
    if w.db_backups[b].refs[r].export_url.is_some() {
        return Err(ErrorCode::operr(format!(
            "database backup[uuid{}] has been exported from backupStorage[uuid:{}]",
            w.db_backups[b].uuid, w.backup_storages[bs].uuid
        ))
        .into());
    }
    Ok(Done::later(EXPORT_SECS, move |w: &mut World| {
        let url = format!(
            "http://{}:8001/export/{}/zstack-db-backup.gz",
            w.backup_storages[bs].hostname, w.db_backups[b].uuid
        );
        let now = w.now;
        if let Some(r) = w.db_backups[b].refs.iter_mut().find(|r| r.bs == bs) {
            r.export_url = Some(url.clone());
            r.stamp.last_op = now;
        }
        Ok(json!({ "databaseBackupUrl": url }))
    }))
}

pub fn delete_exported(w: &mut World, c: &Call) -> Outcome {
    let b = db_param(w, c, "databaseBackupUuid")?;
    let bs = bs_param(w, c, "backupStorageUuid")?;
    bs_state_ok(w, bs, &c.class)?;
    let exported = w.db_backups[b]
        .refs
        .iter()
        .any(|r| r.bs == bs && r.export_url.is_some());
    if !exported {
        return Err(ErrorCode::operr(format!(
            "database backup[uuid{}] has not been exported from backupStorage[uuid:{}]",
            w.db_backups[b].uuid, w.backup_storages[bs].uuid
        ))
        .into());
    }
    Ok(Done::later(DELETE_SECS, move |w: &mut World| {
        let now = w.now;
        for r in w.db_backups[b].refs.iter_mut().filter(|r| r.bs == bs) {
            r.export_url = None;
            r.stamp.last_op = now;
        }
        Ok(json!({}))
    }))
}

/// `ssh://username:password@hostname[:sshPort]/path`, as the interceptor checks it.
fn check_url(s: &str) -> Result<url::Url, Fail> {
    let bad = || {
        ErrorCode::operr(format!(
            "illegal url[{s}], correct example is ssh://username:password@hostname[:sshPort]/path"
        ))
    };
    let u = url::Url::parse(s).map_err(|_| bad())?;
    let path_ok = !u.path().is_empty() && u.path() != "/";
    if !path_ok || u.host_str().is_none_or(str::is_empty) || u.username().is_empty() {
        return Err(bad().into());
    }
    Ok(u)
}

pub fn list_on_image_store(w: &mut World, c: &Call) -> Outcome {
    let url = c.p.required("url", &c.class)?;
    let u = check_url(&url)?;
    let host = u.host_str().unwrap_or_default();
    let Some(bs) = (0..w.backup_storages.len())
        .find(|&i| w.backup_storages[i].hostname == host && w.backup_storages[i].is_image_store())
    else {
        return Err(ErrorCode::operr(format!(
            "unable to connect to the image store[hostname:{host}]: no route to host"
        ))
        .into());
    };
    let infos: Vec<_> = (0..w.db_backups.len())
        .filter(|&b| !w.db_backups[b].deleted && copy_on(w, b, bs).is_some())
        .map(|b| {
            let d = &w.db_backups[b];
            json!({
                "id": &d.uuid.to_string()[..16],
                "created": java_date(d.stamp.create),
                "author": "zstack",
                "arch": "amd64",
                "desc": d.name,
                "size": d.size,
                "virtualsize": d.size * 8 / 5,
                "name": d.uuid.to_string(),
            })
        })
        .collect();
    Ok(Done::Now(json!({ "infos": infos })))
}

pub fn recover(w: &mut World, c: &Call) -> Outcome {
    c.p.required("mysqlRootPassword", &c.class)?;
    let uuid = c.p.str("uuid")?;
    let url = c.p.str("backupStorageUrl")?;
    let path = c.p.str("backupInstallPath")?;
    match &uuid {
        None if url.is_none() || path.is_none() => {
            return Err(ErrorCode::argerr("installPath and bsUrl are both need").into());
        }
        None => {
            check_url(url.as_deref().unwrap_or_default())?;
        }
        Some(u) => {
            let ok = w.find(Kind::DatabaseBackup, u).is_some_and(|b| {
                w.db_backups[b].state == "Enabled" && w.db_backups[b].status == "Ready"
            });
            if !ok {
                return Err(ErrorCode::argerr(format!(
                    "databaseBackup[uuid:{u}] is not Enabled and Ready"
                ))
                .into());
            }
        }
    }
    Ok(Done::later(RECOVER_SECS, |_| {
        Ok(json!({ "logListenPort": LOG_LISTEN_PORT }))
    }))
}

pub fn sync(w: &mut World, c: &Call) -> Outcome {
    let b = db_param(w, c, "uuid")?;
    let src = bs_param(w, c, "srcBackupStorageUuid")?;
    let dst = bs_param(w, c, "dstBackupStorageUuid")?;
    if src == dst {
        return Err(ErrorCode::argerr(
            "srcBackupStorageUuid and dstBackupStorageUuid cannot be the same backup storage",
        )
        .into());
    }
    bs_state_ok(w, dst, &c.class)?;
    image_store_ok(w, dst)?;
    if copy_on(w, b, src).is_none() {
        return Err(not_on(w, b, src));
    }
    if copy_on(w, b, dst).is_some() {
        return Ok(Done::Now(
            json!({ "inventory": inventory::db_backup(w, b) }),
        ));
    }
    let now = w.now;
    let uuid = w.db_backups[b].uuid;
    let backup = &mut w.db_backups[b];
    backup.refs.retain(|r| r.bs != dst);
    backup.refs.push(BackupRef {
        bs: dst,
        install_path: format!("zstore://zsbak/{uuid}"),
        status: "Downloading",
        export_url: None,
        stamp: Stamp::at(now),
    });
    Ok(Done::later(SYNC_SECS, move |w: &mut World| {
        let now = w.now;
        let size = w.db_backups[b].size;
        if let Some(r) = w.db_backups[b]
            .refs
            .iter_mut()
            .find(|r| r.bs == dst && r.status == "Downloading")
        {
            r.status = "Ready";
            r.stamp.last_op = now;
            w.backup_storages[dst].used += size;
        }
        Ok(json!({ "inventory": inventory::db_backup(w, b) }))
    }))
}
