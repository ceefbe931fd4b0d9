//! Volume snapshots and VM snapshot groups.
//!
//! * `POST /v1/volumes/{volumeUuid}/volume-snapshots {params:{name, description?,
//!   resourceUuid?}}` → `{"inventory": VolumeSnapshot}`. The row exists at once with status
//!   `Creating` (placed by the life-cycle rules in `World::take_snapshot`), `Ready` when the
//!   job ends. Allowed while the VM is Running, Paused or Stopped.
//! * `PUT /v1/volume-snapshots/{uuid}/actions {revertVolumeFromSnapshot:{}}` → `{}`. The
//!   snapshot must be Enabled and Ready and the VM Stopped (else SYS.1006 "unable to reset
//!   volume[..] to snapshot[..], the vm[..] volume attached to is not in Stopped state,
//!   current state is Running"). Afterwards the snapshot is `latest` and its tree `current`.
//! * `DELETE /v1/volume-snapshots/{uuid}` → `{}`: the snapshot and its whole subtree go
//!   `Deleting`, then disappear. A well-formed uuid that does not exist succeeds at once.
//! * Groups (3.6+): `POST /v1/volume-snapshots/group {params:{rootVolumeUuid, name,
//!   withMemory?}}` takes one snapshot per attached volume, each with `groupUuid`;
//!   `revertVmFromSnapshotGroup` needs a Stopped VM (a memory group leaves it Running) and
//!   answers `{"results":[{snapshotUuid, volumeUuid, success, error?}]}`; deleting a group
//!   deletes its snapshots (with their subtrees) and answers the same shape; `ungroup`
//!   drops the group and keeps the snapshots.

use serde_json::{Value, json};

use super::ids::{Uid, looks_like_uuid};
use super::inventory;
use super::lookup::lookup;
use super::wire::{ErrorCode, Fail};
use super::world::{GroupRef, Kind, SnapshotGroup, Stamp, World};
use super::{Call, Done, Outcome};

pub const CREATE_SECS: f64 = 2.0;
pub const REVERT_SECS: f64 = 4.0;
/// Delete: this much plus [`DELETE_SECS_PER_NODE`] per snapshot in the subtree.
pub const DELETE_SECS: f64 = 2.0;
pub const DELETE_SECS_PER_NODE: f64 = 0.5;
pub const GROUP_SECS: f64 = 3.0;
pub const GROUP_SECS_PER_VOLUME: f64 = 1.0;
pub const GROUP_MEMORY_SECS: f64 = 5.0;
pub const GROUP_REVERT_SECS: f64 = 5.0;

/// The `resourceUuid` a client chose, or a fresh one.
pub fn resource_uuid(w: &mut World, c: &Call) -> Result<Uid, Fail> {
    match c.p.str("resourceUuid")? {
        None => Ok(w.new_uid()),
        Some(s) => match Uid::parse(&s) {
            Some(u) if !w.index.contains_key(&u) => Ok(u),
            Some(_) => Err(ErrorCode::argerr(format!(
                "resource[uuid:{s}] has been occupied by another resource"
            ))
            .into()),
            None => Err(ErrorCode::argerr(format!(
                "invalid value[{s}] of field[resourceUuid], it must be a UUID without '-'"
            ))
            .into()),
        },
    }
}

fn snapshot_vm_state_ok(w: &World, v: usize) -> Result<(), Fail> {
    if let Some(vm) = w.vm_of_volume(v) {
        let state = w.vms[vm].state;
        if !matches!(state, "Running" | "Paused" | "Stopped") {
            return Err(ErrorCode::operr(format!(
                "the volume[uuid:{}] is attached to the vm[uuid:{}] in state[{state}], a snapshot can only be taken when the vm is Running, Paused or Stopped",
                w.volumes[v].uuid, w.vms[vm].uuid
            ))
            .into());
        }
    }
    Ok(())
}

pub fn create(w: &mut World, c: &Call) -> Outcome {
    let v = lookup(w, c, "volumeUuid", Kind::Volume, "VolumeVO")?;
    let name = c.p.required("name", &c.class)?;
    let description = c.p.str("description")?;
    if w.volumes[v].status != "Ready" {
        return Err(ErrorCode::operr(format!(
            "volume[uuid:{}] is not Ready, current status is {}",
            w.volumes[v].uuid, w.volumes[v].status
        ))
        .into());
    }
    snapshot_vm_state_ok(w, v)?;
    let uuid = resource_uuid(w, c)?;
    let s = w.take_snapshot(v, uuid, name, description, w.now, "Creating");
    Ok(Done::later(CREATE_SECS, move |w: &mut World| {
        w.snapshots[s].status = "Ready";
        w.snapshots[s].stamp.last_op = w.now;
        Ok(json!({ "inventory": inventory::snapshot(w, s) }))
    }))
}

/// Why volume `v` cannot be reset to snapshot `s` now, if it cannot.
fn revert_refusal(w: &World, s: usize) -> Option<ErrorCode> {
    let snap = &w.snapshots[s];
    if snap.state != "Enabled" {
        return Some(ErrorCode::operr(format!(
            "volume snapshot[uuid:{}] is in state {}, cannot revert volume to it",
            snap.uuid, snap.state
        )));
    }
    if snap.status != "Ready" {
        return Some(ErrorCode::operr(format!(
            "volume snapshot[uuid:{}] is not Ready, current status is {}",
            snap.uuid, snap.status
        )));
    }
    let v = snap.volume;
    if let Some(vm) = w.vm_of_volume(v)
        && w.vms[vm].state != "Stopped"
    {
        return Some(ErrorCode::operr(format!(
            "unable to reset volume[uuid:{}] to snapshot[uuid:{}], the vm[uuid:{}] volume attached to is not in Stopped state, current state is {}",
            w.volumes[v].uuid, snap.uuid, w.vms[vm].uuid, w.vms[vm].state
        )));
    }
    None
}

pub fn revert(w: &mut World, c: &Call) -> Outcome {
    let s = lookup(w, c, "uuid", Kind::Snapshot, "VolumeSnapshotVO")?;
    if let Some(e) = revert_refusal(w, s) {
        return Err(e.into());
    }
    let uuid = w.snapshots[s].uuid;
    Ok(Done::later(REVERT_SECS, move |w: &mut World| {
        if w.snapshots[s].deleted {
            return Err(ErrorCode::not_found(
                "uuid",
                &uuid.to_string(),
                "VolumeSnapshotVO",
            ));
        }
        let now = w.now;
        w.revert_to_snapshot(s, now);
        Ok(json!({}))
    }))
}

/// Marks a subtree `Deleting`; the job deletes it.
fn start_delete(w: &mut World, s: usize) -> usize {
    let nodes = w.subtree(s);
    for &n in &nodes {
        w.snapshots[n].status = "Deleting";
    }
    nodes.len()
}

pub fn delete(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    let Some(s) = w.find(Kind::Snapshot, &uuid) else {
        if looks_like_uuid(&uuid) {
            return Ok(Done::Now(json!({})));
        }
        return Err(ErrorCode::not_found("uuid", &uuid, "VolumeSnapshotVO").into());
    };
    if w.snapshots[s].status == "Deleting" {
        return Err(
            ErrorCode::operr(format!("volume snapshot[uuid:{uuid}] is being deleted")).into(),
        );
    }
    let n = start_delete(w, s);
    Ok(Done::later(
        DELETE_SECS + DELETE_SECS_PER_NODE * n as f64,
        move |w: &mut World| {
            if !w.snapshots[s].deleted {
                let now = w.now;
                w.delete_snapshot_subtree(s, now);
            }
            Ok(json!({}))
        },
    ))
}

pub fn update(w: &mut World, c: &Call) -> Outcome {
    let s = lookup(w, c, "uuid", Kind::Snapshot, "VolumeSnapshotVO")?;
    let name = c.p.str("name")?;
    let description = c.p.str("description")?;
    Ok(Done::later(0.5, move |w: &mut World| {
        if w.snapshots[s].deleted {
            return Err(ErrorCode::not_found(
                "uuid",
                &w.snapshots[s].uuid.to_string(),
                "VolumeSnapshotVO",
            ));
        }
        let snap = &mut w.snapshots[s];
        if let Some(n) = name {
            snap.name = n;
        }
        if description.is_some() {
            snap.description = description;
        }
        snap.stamp.last_op = w.now;
        Ok(json!({ "inventory": inventory::snapshot(w, s) }))
    }))
}

pub fn batch_delete(w: &mut World, c: &Call) -> Outcome {
    let uuids =
        c.p.str_list("uuids")?
            .ok_or_else(|| ErrorCode::mandatory("uuids", &c.class))?;
    let mut targets = Vec::new();
    for u in &uuids {
        match w.find(Kind::Snapshot, u) {
            Some(s) => targets.push((u.clone(), Some(s))),
            None => targets.push((u.clone(), None)),
        }
    }
    let volumes: std::collections::BTreeSet<usize> = targets
        .iter()
        .filter_map(|(_, s)| s.map(|s| w.snapshots[s].volume))
        .collect();
    if volumes.len() > 1 {
        return Err(ErrorCode::argerr(
            "the volume snapshots to delete in one batch must belong to the same volume",
        )
        .into());
    }
    let mut n = 0;
    for (_, s) in &targets {
        if let Some(s) = *s
            && w.snapshots[s].status != "Deleting"
        {
            n += start_delete(w, s);
        }
    }
    Ok(Done::later(
        DELETE_SECS + DELETE_SECS_PER_NODE * n as f64,
        move |w: &mut World| {
            let mut results = Vec::new();
            for (u, s) in targets {
                if let Some(s) = s
                    && !w.snapshots[s].deleted
                {
                    let now = w.now;
                    w.delete_snapshot_subtree(s, now);
                }
                results.push(json!({"snapshotUuid": u, "success": true}));
            }
            Ok(json!({ "results": results, "success": true }))
        },
    ))
}

pub fn get_size(w: &mut World, c: &Call) -> Outcome {
    let s = lookup(w, c, "uuid", Kind::Snapshot, "VolumeSnapshotVO")?;
    let size = w.snapshots[s].size;
    Ok(Done::later(0.5, move |_| {
        Ok(json!({"size": size, "actualSize": size, "success": true}))
    }))
}

// ---- groups ----------------------------------------------------------------------------

fn group_of(w: &World, c: &Call) -> Result<usize, Fail> {
    lookup(w, c, "uuid", Kind::Group, "VolumeSnapshotGroupVO")
}

pub fn create_group(w: &mut World, c: &Call) -> Outcome {
    let root = lookup(w, c, "rootVolumeUuid", Kind::Volume, "VolumeVO")?;
    let name = c.p.required("name", &c.class)?;
    let description = c.p.str("description")?;
    let with_memory = c.p.bool("withMemory")?.unwrap_or(false);
    if !w.volumes[root].root {
        return Err(ErrorCode::argerr(format!(
            "volume[uuid:{}] is not a root volume",
            w.volumes[root].uuid
        ))
        .into());
    }
    let Some(vm) = w.vm_of_volume(root) else {
        return Err(ErrorCode::operr(format!(
            "root volume[uuid:{}] is not attached to any vm",
            w.volumes[root].uuid
        ))
        .into());
    };
    snapshot_vm_state_ok(w, root)?;
    if with_memory && w.vms[vm].state != "Running" {
        return Err(ErrorCode::operr(format!(
            "cannot take a memory snapshot of the vm[uuid:{}] in state[{}], it must be Running",
            w.vms[vm].uuid, w.vms[vm].state
        ))
        .into());
    }
    let gu = resource_uuid(w, c)?;
    let gi = w.groups.len();
    let now = w.now;
    let mut refs = Vec::new();
    for v in w.vms[vm].volumes.clone() {
        let su = w.new_uid();
        let s = w.take_snapshot(v, su, name.clone(), description.clone(), now, "Creating");
        w.snapshots[s].group = Some(gi);
        let vol = &w.volumes[v];
        refs.push(GroupRef {
            snapshot: s,
            volume: v,
            device_id: vol.device_id,
            volume_name: vol.name.clone(),
            volume_type: vol.vtype(),
            install_path: w.snapshots[s].install_path.clone(),
            snapshot_name: name.clone(),
            volume_last_attach: vol.stamp.create,
        });
    }
    let count = refs.len();
    w.groups.push(SnapshotGroup {
        uuid: gu,
        name,
        description,
        vm,
        with_memory,
        refs,
        stamp: Stamp::at(now),
        deleted: false,
    });
    w.register(gu, Kind::Group, gi);
    let secs = GROUP_SECS
        + GROUP_SECS_PER_VOLUME * count as f64
        + if with_memory { GROUP_MEMORY_SECS } else { 0.0 };
    Ok(Done::later(secs, move |w: &mut World| {
        for r in w.groups[gi].refs.clone() {
            if !w.snapshots[r.snapshot].deleted {
                w.snapshots[r.snapshot].status = "Ready";
                w.snapshots[r.snapshot].stamp.last_op = w.now;
            }
        }
        Ok(json!({ "inventory": inventory::group(w, gi) }))
    }))
}

fn result_item(w: &World, s: usize, v: usize, error: Option<ErrorCode>) -> Value {
    json!({
        "snapshotUuid": w.snapshots[s].uuid.to_string(),
        "volumeUuid": w.volumes[v].uuid.to_string(),
        "success": error.is_none(),
        "error": error.map(|e| e.to_value()),
    })
}

pub fn revert_group(w: &mut World, c: &Call) -> Outcome {
    let g = group_of(w, c)?;
    let vm = w.groups[g].vm;
    let state = w.vms[vm].state;
    if state != "Stopped" {
        return Err(ErrorCode::operr(format!(
            "unable to revert vm[uuid:{}] from snapshot group[uuid:{}], the vm is not in Stopped state, current state is {state}",
            w.vms[vm].uuid, w.groups[g].uuid
        ))
        .into());
    }
    for r in &w.groups[g].refs {
        let s = &w.snapshots[r.snapshot];
        if !s.deleted && s.state != "Enabled" {
            return Err(ErrorCode::operr(format!(
                "volume snapshot[uuid:{}] of group[uuid:{}] is in state {}, cannot revert to it",
                s.uuid, w.groups[g].uuid, s.state
            ))
            .into());
        }
    }
    let memory = w.groups[g].with_memory;
    if memory {
        w.vms[vm].state = "VolumeRecovering";
    }
    Ok(Done::later(GROUP_REVERT_SECS, move |w: &mut World| {
        let now = w.now;
        let mut results = Vec::new();
        for r in w.groups[g].refs.clone() {
            let err = if w.snapshots[r.snapshot].deleted {
                Some(ErrorCode::not_found(
                    "uuid",
                    &w.snapshots[r.snapshot].uuid.to_string(),
                    "VolumeSnapshotVO",
                ))
            } else if w.vm_of_volume(r.volume) != Some(vm) {
                Some(ErrorCode::operr(format!(
                    "volume[uuid:{}] is no longer attached to the vm[uuid:{}]",
                    w.volumes[r.volume].uuid, w.vms[vm].uuid
                )))
            } else {
                w.revert_to_snapshot(r.snapshot, now);
                None
            };
            results.push(result_item(w, r.snapshot, r.volume, err));
        }
        if memory {
            let m = &mut w.vms[vm];
            m.state = "Running";
            m.host = m.last_host;
            m.stamp.last_op = now;
        }
        Ok(json!({ "results": results }))
    }))
}

pub fn delete_group(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    let Some(g) = w.find(Kind::Group, &uuid) else {
        if looks_like_uuid(&uuid) {
            return Ok(Done::Now(json!({})));
        }
        return Err(ErrorCode::not_found("uuid", &uuid, "VolumeSnapshotGroupVO").into());
    };
    let mut n = 0;
    for r in w.groups[g].refs.clone() {
        if !w.snapshots[r.snapshot].deleted && w.snapshots[r.snapshot].status != "Deleting" {
            n += start_delete(w, r.snapshot);
        }
    }
    Ok(Done::later(
        DELETE_SECS + DELETE_SECS_PER_NODE * n as f64,
        move |w: &mut World| {
            let now = w.now;
            let mut results = Vec::new();
            for r in w.groups[g].refs.clone() {
                if !w.snapshots[r.snapshot].deleted {
                    w.delete_snapshot_subtree(r.snapshot, now);
                }
                results.push(result_item(w, r.snapshot, r.volume, None));
            }
            w.groups[g].deleted = true;
            Ok(json!({ "results": results }))
        },
    ))
}

pub fn ungroup(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    let Some(g) = w.find(Kind::Group, &uuid) else {
        if looks_like_uuid(&uuid) {
            return Ok(Done::Now(json!({})));
        }
        return Err(ErrorCode::not_found("uuid", &uuid, "VolumeSnapshotGroupVO").into());
    };
    Ok(Done::later(0.5, move |w: &mut World| {
        for r in w.groups[g].refs.clone() {
            w.snapshots[r.snapshot].group = None;
        }
        w.groups[g].deleted = true;
        Ok(json!({}))
    }))
}

pub fn update_group(w: &mut World, c: &Call) -> Outcome {
    let g = group_of(w, c)?;
    let name = c.p.str("name")?;
    let description = c.p.str("description")?;
    Ok(Done::later(0.5, move |w: &mut World| {
        let grp = &mut w.groups[g];
        if let Some(n) = name {
            grp.name = n;
        }
        if description.is_some() {
            grp.description = description;
        }
        grp.stamp.last_op = w.now;
        Ok(json!({ "inventory": inventory::group(w, g) }))
    }))
}

/// `GET /v1/volume-snapshots/groups/availabilities?uuids=a&uuids=b` (sync).
pub fn check_groups(w: &mut World, c: &Call) -> Outcome {
    let uuids =
        c.p.str_list("uuids")?
            .ok_or_else(|| ErrorCode::mandatory("uuids", &c.class))?;
    let mut results = Vec::new();
    for u in uuids {
        let Some(g) = w.find(Kind::Group, &u) else {
            return Err(ErrorCode::not_found("uuids", &u, "VolumeSnapshotGroupVO").into());
        };
        let grp = &w.groups[g];
        let reason = grp.refs.iter().find_map(|r| {
            if w.snapshots[r.snapshot].deleted {
                Some(format!(
                    "volume snapshot[uuid:{}] has been deleted",
                    w.snapshots[r.snapshot].uuid
                ))
            } else if w.vm_of_volume(r.volume) != Some(grp.vm) {
                Some(format!(
                    "volume[uuid:{}] has been detached from the vm",
                    w.volumes[r.volume].uuid
                ))
            } else {
                None
            }
        });
        results.push(json!({"uuid": u, "available": reason.is_none(), "reason": reason}));
    }
    Ok(Done::Now(json!({ "results": results })))
}
