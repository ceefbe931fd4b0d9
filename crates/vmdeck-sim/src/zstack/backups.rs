//! Volume backups and VM backups (the premium disaster-recovery module; seed 004 ch. 4).
//!
//! A VM backup has no row of its own: it is the volume backups sharing a `groupUuid`
//! (root and data volumes of one VM, same `vmInstanceUuid`, same name). Backups live on
//! ImageStore backup storages, each copy a `backupStorageRefs` entry.
//!
//! Rules (from ZStack's `VolumeBackupApiInterceptor`):
//! * Create: the backup storage must be an Enabled ImageStore ("Unexpected backup
//!   storage[type:..,uuid:..]"), the volume attached to a Running or Paused VM.
//!   `mode` `full|incremental|auto` (default `auto`: incremental when a backup of the
//!   volume is already on that store). Rows exist at once with status `Creating`.
//! * Revert (volume or whole VM): the backup must be Enabled and its volume still there,
//!   the VM Stopped ("VM is not in stopped state: Running"). Without a backup storage the
//!   MN picks a connected, enabled, non-remote store holding the backup, or fails "No
//!   available backup storage found" (a backup only on the remote store must be recovered
//!   first). The body field is spelled `backupStrogeUuid` upstream; `backupStorageUuid` is
//!   accepted too. While it runs the VM is `VolumeRecovering`; afterwards the volume's disk
//!   is new, so no snapshot tree is current and the next snapshot starts a new tree.
//! * Sync `{src, dst}` copies a backup from `src` to `dst`; recover `{src, dst}` copies it
//!   back from `dst` (the remote store) to `src` (the local store that receives it), as the
//!   manual defines the two fields. The new copy is `Downloading`, then `Ready`; a copy
//!   that is already `Ready` answers at once.
//! * Delete with `backupStorageUuids` removes those copies only; a backup without copies is
//!   gone. Deleting what does not exist succeeds.
//! * Templates from a backup (root or data) need the backup on the given store; the image
//!   is `Creating`, then `Ready`.

use serde_json::{Value, json};

use super::inventory;
use super::lookup::lookup;
use super::snapshots::resource_uuid;
use super::wire::java_list;
use super::wire::{ErrorCode, Fail};
use super::world::{
    BackupRef, GIB, Image, ImageRef, Kind, Stamp, VolumeBackup, World, drop_copies,
};
use super::{Call, Done, Outcome, Uid};

/// Create: this much plus [`PER_GIB_SECS`] per GiB of the volume's data.
pub const BACKUP_SECS: f64 = 15.0;
pub const RESTORE_SECS: f64 = 30.0;
pub const COPY_SECS: f64 = 10.0;
pub const TEMPLATE_SECS: f64 = 10.0;
pub const DELETE_SECS: f64 = 3.0;
pub const PER_GIB_SECS: f64 = 0.1;
pub const COPY_PER_GIB_SECS: f64 = 0.05;

fn gib(bytes: u64) -> f64 {
    bytes as f64 / GIB as f64
}

/// `current backup storage state[Disabled] doesn't allow to proceed message[..]`.
pub fn bs_state_ok(w: &World, bs: usize, class: &str) -> Result<(), Fail> {
    let b = &w.backup_storages[bs];
    if b.state != "Enabled" {
        return Err(ErrorCode::operr(format!(
            "current backup storage state[{}] doesn't allow to proceed message[{class}], allowed states are {}",
            b.state,
            java_list(&["Enabled"])
        ))
        .into());
    }
    Ok(())
}

pub fn image_store_ok(w: &World, bs: usize) -> Result<(), Fail> {
    let b = &w.backup_storages[bs];
    if !b.is_image_store() {
        return Err(ErrorCode::operr(format!(
            "Unexpected backup storage[type:{},uuid:{}]",
            b.bs_type, b.uuid
        ))
        .into());
    }
    Ok(())
}

fn bs_param(w: &World, c: &Call, field: &str) -> Result<usize, Fail> {
    lookup(w, c, field, Kind::BackupStorage, "BackupStorageVO")
}

fn install_path(w: &World, bs: usize, vol: Uid, backup: Uid) -> String {
    format!(
        "zstore://{}/vol-{vol}@{}",
        w.backup_storages[bs].url.trim_start_matches('/'),
        &backup.to_string()[..16]
    )
}

fn mode_param(c: &Call) -> Result<&'static str, Fail> {
    match c.p.str("mode")?.as_deref() {
        None | Some("auto") => Ok("auto"),
        Some("full") => Ok("full"),
        Some("incremental") => Ok("incremental"),
        Some(other) => Err(ErrorCode::argerr(format!(
            "valid value for field[mode] of message[{}] are [full, incremental, auto], but {other} found",
            c.class
        ))
        .into()),
    }
}

/// A backup about to be taken.
struct NewBackup<'a> {
    volume: usize,
    bs: usize,
    uuid: Uid,
    name: &'a str,
    description: Option<String>,
    mode: &'static str,
    group: Option<Uid>,
}

/// Starts a backup: the row, `Creating`.
fn start_backup(w: &mut World, n: NewBackup) -> usize {
    let NewBackup {
        volume: v,
        bs,
        uuid,
        name,
        description,
        mode,
        group,
    } = n;
    let vol = &w.volumes[v];
    let vol_uuid = vol.uuid;
    let has_previous = w.volume_backups.iter().any(|b| {
        !b.deleted
            && b.volume == Some(v)
            && b.refs.iter().any(|r| r.bs == bs && r.status == "Ready")
    });
    let mode = match mode {
        "auto" if has_previous => "incremental",
        "auto" => "full",
        m => m,
    };
    let size = if mode == "incremental" {
        (vol.actual_size / 10).max(64 << 20)
    } else {
        vol.actual_size
    };
    let vm_uuid = w.vm_of_volume(v).map(|vm| w.vms[vm].uuid);
    let now = w.now;
    let path = install_path(w, bs, vol_uuid, uuid);
    let idx = w.volume_backups.len();
    w.volume_backups.push(VolumeBackup {
        uuid,
        name: name.to_string(),
        description,
        volume: Some(v),
        volume_uuid: vol_uuid,
        vm_uuid,
        root: w.volumes[v].root,
        state: "Enabled",
        status: "Creating",
        size,
        mode,
        group,
        metadata: format!("{{\"volumeUuid\":\"{vol_uuid}\",\"size\":{size},\"format\":\"qcow2\"}}"),
        refs: vec![BackupRef {
            bs,
            install_path: path,
            status: "Creating",
            export_url: None,
            stamp: Stamp::at(now),
        }],
        stamp: Stamp::at(now),
        deleted: false,
    });
    w.register(uuid, Kind::VolumeBackup, idx);
    idx
}

fn finish_backup(w: &mut World, b: usize) {
    let now = w.now;
    let size = w.volume_backups[b].size;
    let backup = &mut w.volume_backups[b];
    backup.status = "Ready";
    backup.stamp.last_op = now;
    for r in &mut backup.refs {
        r.status = "Ready";
        r.stamp.last_op = now;
    }
    let bs = backup.refs.first().map(|r| r.bs);
    if let Some(bs) = bs {
        w.backup_storages[bs].used += size;
    }
}

fn vm_for_backup(w: &World, v: usize, root: bool) -> Result<usize, Fail> {
    let uuid = w.volumes[v].uuid;
    let Some(vm) = w.vm_of_volume(v) else {
        return Err(ErrorCode::operr(format!(
            "Failed to create volume backup for volume[uuid:{uuid}], because it is not attached to any vm"
        ))
        .into());
    };
    if !matches!(w.vms[vm].state, "Running" | "Paused") {
        let what = if root {
            "the vm is"
        } else {
            "its attached volume is"
        };
        return Err(ErrorCode::operr(format!(
            "Failed to create volume backup for volume[uuid:{uuid}], because {what} not in state[Running, Paused]"
        ))
        .into());
    }
    Ok(vm)
}

pub fn create_volume_backup(w: &mut World, c: &Call) -> Outcome {
    let v = lookup(w, c, "volumeUuid", Kind::Volume, "VolumeVO")?;
    let bs = bs_param(w, c, "backupStorageUuid")?;
    let name = c.p.required("name", &c.class)?;
    let description = c.p.str("description")?;
    let mode = mode_param(c)?;
    image_store_ok(w, bs)?;
    bs_state_ok(w, bs, &c.class)?;
    vm_for_backup(w, v, w.volumes[v].root)?;
    let uuid = resource_uuid(w, c)?;
    let b = start_backup(
        w,
        NewBackup {
            volume: v,
            bs,
            uuid,
            name: &name,
            description,
            mode,
            group: None,
        },
    );
    let secs = BACKUP_SECS + PER_GIB_SECS * gib(w.volume_backups[b].size);
    Ok(Done::later(secs, move |w: &mut World| {
        finish_backup(w, b);
        Ok(json!({ "inventory": inventory::volume_backup(w, b) }))
    }))
}

pub fn create_vm_backup(w: &mut World, c: &Call) -> Outcome {
    let root = lookup(w, c, "rootVolumeUuid", Kind::Volume, "VolumeVO")?;
    let bs = bs_param(w, c, "backupStorageUuid")?;
    let name = c.p.required("name", &c.class)?;
    let description = c.p.str("description")?;
    let mode = mode_param(c)?;
    image_store_ok(w, bs)?;
    bs_state_ok(w, bs, &c.class)?;
    if !w.volumes[root].root {
        return Err(ErrorCode::operr(format!(
            "Volume[uuid:{}] is not root volume",
            w.volumes[root].uuid
        ))
        .into());
    }
    let vm = match w.vm_of_volume(root) {
        Some(vm) if matches!(w.vms[vm].state, "Running" | "Paused") => vm,
        other => {
            let vm_uuid = other
                .map(|vm| w.vms[vm].uuid.to_string())
                .unwrap_or_default();
            return Err(ErrorCode::operr(format!(
                "Failed to create backups for VM[uuid:{vm_uuid}], because it is not in state[Running, Paused]"
            ))
            .into());
        }
    };
    let group = resource_uuid(w, c)?;
    let mut rows = Vec::new();
    let mut bytes = 0;
    for v in w.vms[vm].volumes.clone() {
        let u = w.new_uid();
        let b = start_backup(
            w,
            NewBackup {
                volume: v,
                bs,
                uuid: u,
                name: &name,
                description: description.clone(),
                mode,
                group: Some(group),
            },
        );
        bytes += w.volume_backups[b].size;
        rows.push(b);
    }
    let secs = BACKUP_SECS + PER_GIB_SECS * gib(bytes);
    Ok(Done::later(secs, move |w: &mut World| {
        let mut out = Vec::new();
        for &b in &rows {
            finish_backup(w, b);
            out.push(inventory::volume_backup(w, b));
        }
        Ok(json!({ "inventories": out }))
    }))
}

/// The live backups of a VM backup group.
fn group_rows(w: &World, group: &str) -> Vec<usize> {
    let Some(g) = Uid::parse(group) else {
        return vec![];
    };
    (0..w.volume_backups.len())
        .filter(|&b| !w.volume_backups[b].deleted && w.volume_backups[b].group == Some(g))
        .collect()
}

fn stores_param(w: &World, c: &Call) -> Result<Option<Vec<usize>>, Fail> {
    // the manual spells the parameter both `backupStorageUuids` and `backupStorageUids`
    let list = match c.p.str_list("backupStorageUuids")? {
        Some(l) => Some(l),
        None => c.p.str_list("backupStorageUids")?,
    };
    let Some(list) = list else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for u in list {
        match w.find(Kind::BackupStorage, &u) {
            Some(bs) => out.push(bs),
            None => {
                return Err(
                    ErrorCode::not_found("backupStorageUuids", &u, "BackupStorageVO").into(),
                );
            }
        }
    }
    Ok(Some(out))
}

pub fn delete_volume_backup(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    let stores = stores_param(w, c)?;
    let Some(b) = w.find(Kind::VolumeBackup, &uuid) else {
        return Ok(Done::Now(json!({})));
    };
    Ok(Done::later(DELETE_SECS, move |w: &mut World| {
        if !w.volume_backups[b].deleted {
            drop_copies(
                &mut w.volume_backups[b],
                &mut w.backup_storages,
                stores.as_deref(),
                w.now,
            );
        }
        Ok(json!({}))
    }))
}

pub fn delete_vm_backup(w: &mut World, c: &Call) -> Outcome {
    let group = c.p.required("groupUuid", &c.class)?;
    let stores = stores_param(w, c)?;
    let rows = group_rows(w, &group);
    if rows.is_empty() {
        return Ok(Done::Now(json!({})));
    }
    Ok(Done::later(DELETE_SECS, move |w: &mut World| {
        for b in rows {
            if !w.volume_backups[b].deleted {
                drop_copies(
                    &mut w.volume_backups[b],
                    &mut w.backup_storages,
                    stores.as_deref(),
                    w.now,
                );
            }
        }
        Ok(json!({}))
    }))
}

fn ready_on(w: &World, b: usize, bs: usize) -> bool {
    w.volume_backups[b]
        .refs
        .iter()
        .any(|r| r.bs == bs && r.status == "Ready")
}

fn not_on(w: &World, b: usize, bs: usize) -> Fail {
    ErrorCode::operr(format!(
        "volume backup[uuid:{}] is not on backup storage[uuid:{}]",
        w.volume_backups[b].uuid, w.backup_storages[bs].uuid
    ))
    .into()
}

/// `validateRevert`: checks one backup and picks the store to restore from.
fn validate_revert(
    w: &World,
    c: &Call,
    b: usize,
    bs: Option<usize>,
    expect_vm: Option<usize>,
) -> Result<(usize, usize), Fail> {
    let backup = &w.volume_backups[b];
    if backup.state != "Enabled" {
        return Err(ErrorCode::operr(format!(
            "volume backup[uuid:{}] is in state {}, cannot revert volume to it",
            backup.uuid, backup.state
        ))
        .into());
    }
    let Some(v) = backup.volume.filter(|&v| !w.volumes[v].deleted) else {
        return Err(ErrorCode::operr(format!(
            "original volume for backup[uuid:{}] has been deleted, cannot revert volume to it",
            backup.uuid
        ))
        .into());
    };
    let vm = w.vm_of_volume(v);
    if vm != expect_vm {
        return Err(ErrorCode::operr(format!(
            "original volume[uuid:{}] for backup[uuid:{}] is no longer attached to vm[uuid:{}]",
            w.volumes[v].uuid,
            backup.uuid,
            expect_vm
                .map(|m| w.vms[m].uuid.to_string())
                .unwrap_or_default()
        ))
        .into());
    }
    match vm {
        None if w.volumes[v].root => {
            return Err(ErrorCode::operr(format!(
                "VM not found with volume backup[uuid:{}]",
                backup.uuid
            ))
            .into());
        }
        Some(vm) if w.vms[vm].state != "Stopped" => {
            return Err(ErrorCode::operr(format!(
                "VM is not in stopped state: {}",
                w.vms[vm].state
            ))
            .into());
        }
        _ => {}
    }
    let bs = match bs {
        Some(bs) => {
            if !ready_on(w, b, bs) {
                return Err(not_on(w, b, bs));
            }
            bs
        }
        None => {
            let found = backup.refs.iter().find(|r| {
                let s = &w.backup_storages[r.bs];
                r.status == "Ready" && s.usable() && !s.remote
            });
            match found {
                Some(r) => r.bs,
                None => {
                    return Err(ErrorCode::operr("No available backup storage found").into());
                }
            }
        }
    };
    bs_state_ok(w, bs, &c.class)?;
    Ok((v, bs))
}

fn revert_store_param(w: &World, c: &Call) -> Result<Option<usize>, Fail> {
    for field in ["backupStrogeUuid", "backupStorageUuid"] {
        if c.p.str(field)?.is_some() {
            return Ok(Some(bs_param(w, c, field)?));
        }
    }
    Ok(None)
}

fn restore_secs(w: &World, volumes: &[usize]) -> f64 {
    RESTORE_SECS
        + PER_GIB_SECS
            * volumes
                .iter()
                .map(|&v| gib(w.volumes[v].actual_size))
                .sum::<f64>()
}

/// The VM is `VolumeRecovering` while its volumes are replaced.
fn start_restore(w: &mut World, vm: Option<usize>) -> Option<&'static str> {
    let vm = vm?;
    let before = w.vms[vm].state;
    w.vms[vm].state = "VolumeRecovering";
    Some(before)
}

fn finish_restore(
    w: &mut World,
    vm: Option<usize>,
    before: Option<&'static str>,
    pairs: &[(usize, usize)],
) {
    let now = w.now;
    for &(b, v) in pairs {
        w.replace_volume_disk(v, now);
        w.volumes[v].actual_size = w.volumes[v].actual_size.max(w.volume_backups[b].size);
    }
    if let (Some(vm), Some(state)) = (vm, before) {
        w.vms[vm].state = state;
        w.vms[vm].stamp.last_op = now;
    }
}

pub fn revert_volume(w: &mut World, c: &Call) -> Outcome {
    let b = lookup(w, c, "uuid", Kind::VolumeBackup, "VolumeBackupVO")?;
    let bs = revert_store_param(w, c)?;
    let expect = w.volume_backups[b].volume.and_then(|v| w.vm_of_volume(v));
    let (v, _bs) = validate_revert(w, c, b, bs, expect)?;
    let before = start_restore(w, expect);
    let secs = restore_secs(w, &[v]);
    Ok(Done::later(secs, move |w: &mut World| {
        finish_restore(w, expect, before, &[(b, v)]);
        Ok(json!({}))
    }))
}

pub fn revert_vm(w: &mut World, c: &Call) -> Outcome {
    let group = c.p.required("groupUuid", &c.class)?;
    let bs = revert_store_param(w, c)?;
    let rows = group_rows(w, &group);
    if rows.is_empty() {
        return Err(
            ErrorCode::operr(format!("No volume backup found for group uuid: {group}")).into(),
        );
    }
    let Some(&root) = rows.iter().find(|&&b| w.volume_backups[b].root) else {
        return Err(ErrorCode::operr(format!(
            "root volume backup of group[uuid:{group}] not found"
        ))
        .into());
    };
    let rb = &w.volume_backups[root];
    let current = rb.volume.and_then(|v| w.vm_of_volume(v));
    if let (Some(cur), Some(orig)) = (current, rb.vm_uuid)
        && w.vms[cur].uuid != orig
    {
        return Err(ErrorCode::operr(format!(
            "Current vm[uuid: {}] of the volume[uuid: {}] is no longer the vm[uuid: {orig}] that was used for backup",
            w.vms[cur].uuid, rb.volume_uuid
        ))
        .into());
    }
    let mut pairs = Vec::new();
    for &b in &rows {
        let (v, _) = validate_revert(w, c, b, bs, current)?;
        pairs.push((b, v));
    }
    let before = start_restore(w, current);
    let vols: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    let secs = restore_secs(w, &vols);
    Ok(Done::later(secs, move |w: &mut World| {
        finish_restore(w, current, before, &pairs);
        Ok(json!({}))
    }))
}

/// Copies backup `b` from `from` to `to`: `Ok(None)` when `to` already holds it.
fn start_copy(w: &mut World, b: usize, from: usize, to: usize) -> Result<Option<f64>, Fail> {
    if !ready_on(w, b, from) {
        return Err(not_on(w, b, from));
    }
    if ready_on(w, b, to) {
        return Ok(None);
    }
    let now = w.now;
    let path = install_path(
        w,
        to,
        w.volume_backups[b].volume_uuid,
        w.volume_backups[b].uuid,
    );
    let backup = &mut w.volume_backups[b];
    backup.refs.retain(|r| r.bs != to);
    backup.refs.push(BackupRef {
        bs: to,
        install_path: path,
        status: "Downloading",
        export_url: None,
        stamp: Stamp::at(now),
    });
    Ok(Some(COPY_PER_GIB_SECS * gib(backup.size)))
}

fn finish_copy(w: &mut World, b: usize, to: usize) {
    let now = w.now;
    let size = w.volume_backups[b].size;
    if let Some(r) = w.volume_backups[b]
        .refs
        .iter_mut()
        .find(|r| r.bs == to && r.status == "Downloading")
    {
        r.status = "Ready";
        r.stamp.last_op = now;
        w.backup_storages[to].used += size;
    }
}

/// `(src, dst)` of a sync or recover, checked like the interceptor does.
fn copy_params(w: &World, c: &Call) -> Result<(usize, usize), Fail> {
    let src = bs_param(w, c, "srcBackupStorageUuid")?;
    let dst = bs_param(w, c, "dstBackupStorageUuid")?;
    if src == dst {
        return Err(ErrorCode::argerr(
            "srcBackupStorageUuid and dstBackupStorageUuid cannot be the same backup storage",
        )
        .into());
    }
    bs_state_ok(w, dst, &c.class)?;
    bs_state_ok(w, src, &c.class)?;
    image_store_ok(w, dst)?;
    image_store_ok(w, src)?;
    Ok((src, dst))
}

/// Sync copies `src → dst`; recover copies `dst → src`.
fn copy_one(w: &mut World, c: &Call, recover: bool) -> Outcome {
    let b = lookup(w, c, "uuid", Kind::VolumeBackup, "VolumeBackupVO")?;
    let (src, dst) = copy_params(w, c)?;
    let (from, to) = if recover { (dst, src) } else { (src, dst) };
    match start_copy(w, b, from, to)? {
        None => Ok(Done::Now(
            json!({ "inventory": inventory::volume_backup(w, b) }),
        )),
        Some(secs) => Ok(Done::later(COPY_SECS + secs, move |w: &mut World| {
            finish_copy(w, b, to);
            Ok(json!({ "inventory": inventory::volume_backup(w, b) }))
        })),
    }
}

fn copy_group(w: &mut World, c: &Call, recover: bool) -> Outcome {
    let group = c.p.required("groupUuid", &c.class)?;
    let (src, dst) = copy_params(w, c)?;
    let (from, to) = if recover { (dst, src) } else { (src, dst) };
    let rows = group_rows(w, &group);
    if rows.is_empty() {
        return Err(
            ErrorCode::operr(format!("No volume backup found for group uuid: {group}")).into(),
        );
    }
    for &b in &rows {
        if !ready_on(w, b, from) {
            return Err(not_on(w, b, from));
        }
    }
    let mut secs = 0.0;
    let mut copying = Vec::new();
    for &b in &rows {
        if let Some(s) = start_copy(w, b, from, to)? {
            secs += s;
            copying.push(b);
        }
    }
    let inventories = move |w: &World| -> Value {
        json!({ "inventories": rows.iter().map(|&b| inventory::volume_backup(w, b)).collect::<Vec<_>>() })
    };
    if copying.is_empty() {
        return Ok(Done::Now(inventories(w)));
    }
    Ok(Done::later(COPY_SECS + secs, move |w: &mut World| {
        for b in copying {
            finish_copy(w, b, to);
        }
        Ok(inventories(w))
    }))
}

pub fn sync_volume_backup(w: &mut World, c: &Call) -> Outcome {
    copy_one(w, c, false)
}

pub fn recover_volume_backup(w: &mut World, c: &Call) -> Outcome {
    copy_one(w, c, true)
}

pub fn sync_vm_backup(w: &mut World, c: &Call) -> Outcome {
    copy_group(w, c, false)
}

pub fn recover_vm_backup(w: &mut World, c: &Call) -> Outcome {
    copy_group(w, c, true)
}

fn template(w: &mut World, c: &Call, root: bool) -> Outcome {
    let b = lookup(w, c, "backupUuid", Kind::VolumeBackup, "VolumeBackupVO")?;
    let bs = bs_param(w, c, "backupStorageUuid")?;
    let name = c.p.required("name", &c.class)?;
    let description = c.p.str("description")?;
    let platform = c.p.str("platform")?;
    let guest_os = c.p.str("guestOsType")?;
    let system = c.p.bool("system")?.unwrap_or(false);
    bs_state_ok(w, bs, &c.class)?;
    image_store_ok(w, bs)?;
    if root && !w.volume_backups[b].root {
        return Err(ErrorCode::operr(format!(
            "volume backup[uuid:{}] is not a backup of a root volume",
            w.volume_backups[b].uuid
        ))
        .into());
    }
    if !ready_on(w, b, bs) {
        return Err(not_on(w, b, bs));
    }
    let uuid = resource_uuid(w, c)?;
    let backup = &w.volume_backups[b];
    let vm = backup
        .vm_uuid
        .and_then(|u| w.find(Kind::Vm, &u.to_string()));
    let size = backup
        .volume
        .map(|v| w.volumes[v].size)
        .unwrap_or(backup.size);
    let actual = backup.size;
    let now = w.now;
    let idx = w.images.len();
    w.images.push(Image {
        uuid,
        name,
        description,
        media_type: if root {
            "RootVolumeTemplate"
        } else {
            "DataVolumeTemplate"
        },
        platform: platform
            .or_else(|| vm.map(|m| w.vms[m].platform.clone()))
            .unwrap_or_else(|| "Linux".into()),
        guest_os_type: guest_os.or_else(|| vm.map(|m| w.vms[m].guest_os_type.clone())),
        architecture: "x86_64",
        format: "qcow2",
        status: "Creating",
        size,
        actual_size: actual,
        system,
        refs: vec![ImageRef {
            bs,
            install_path: format!("zstore://zstack/{uuid}@{}", &uuid.to_string()[..12]),
            status: "Downloading",
            stamp: Stamp::at(now),
        }],
        stamp: Stamp::at(now),
    });
    w.register(uuid, Kind::Image, idx);
    let secs = TEMPLATE_SECS + COPY_PER_GIB_SECS * gib(actual);
    Ok(Done::later(secs, move |w: &mut World| {
        let now = w.now;
        let img = &mut w.images[idx];
        img.status = "Ready";
        img.stamp.last_op = now;
        for r in &mut img.refs {
            r.status = "Ready";
            r.stamp.last_op = now;
        }
        Ok(json!({ "inventory": inventory::image(w, idx) }))
    }))
}

pub fn root_template(w: &mut World, c: &Call) -> Outcome {
    template(w, c, true)
}

pub fn data_template(w: &mut World, c: &Call) -> Outcome {
    template(w, c, false)
}
