//! VM snapshots (`compute/snapshot.md`), identified by name within a VM.
//!
//! Choices the docs leave open:
//! * `list` is in creation order; `filter_name` is a substring match. A snapshot being
//!   created is not listed until it is done (3 s, 8 s with memory); one being deleted is
//!   listed until it is gone (2 s).
//! * `tree`: `Parents` has every snapshot and `head`; `Children` has an entry only for
//!   nodes that have children (like the doc example), children in creation order, `head`
//!   last. A VM without snapshots: `{"Parents":{"head":""},"Children":{"":{"Children":["head"]}}}`.
//! * `head` on a VM that sits on no snapshot: 22305 "VM has no current snapshot".
//! * `create`: `name` is required and unique per VM (22302); `head` is reserved (10001).
//!   `domain_memory:true` needs a running VM (22004). Memory snapshots carry
//!   `"attr":{"domain_memory":"true"}`, others `"attr":null`.
//! * `rollback` returns `{}` (the doc example's answer). It powers the VM off at once,
//!   action `rollbacking` for 4 s, then `head` moves under the target; with
//!   `domain_memory:true` (only on a memory snapshot, else 22304) the VM ends `running`,
//!   otherwise `shutoff`.
//! * `delete` is refused with 22303 when the snapshot has more than one child snapshot
//!   (`head` does not count); children and `head` re-attach to its parent.
//! * `volume/snapshot/rollback` is synchronous: top-level 22001 if busy, 22003 if not shut
//!   off; per item 22306 when the volume is not the VM's or the disk snapshot is unknown.
//! * Every operation on a busy VM (including `modify`) is refused with 22001.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::compute::ComputeIdentifier;
use super::wire::{self, ApiError, ApiResult, Query};
use super::world::*;
use crate::ids::Uid;

pub const HEAD: &str = "head";

/// A `GetVsdSnapshotResponse`.
pub fn snapshot_json(w: &World, i: usize, s: &Snapshot) -> Value {
    let vm = &w.vms[i];
    let tn = &w.tenants[vm.tenant];
    let disks: Vec<Value> = vm
        .disks
        .iter()
        .zip(&s.disk_snaps)
        .map(|(d, snap)| {
            json!({
                "VolumeUuid": d.volume_uuid.to_string(),
                "SnapshotUuid": snap.to_string(),
                "DiskDrive": d.dev,
            })
        })
        .collect();
    json!({
        "tenant": tn.uuid.to_string(),
        "tenant_name": tn.name,
        "namespace": tn.namespace.to_string(),
        "uuid": s.uuid.to_string(),
        "compute_uuid": vm.uuid.to_string(),
        "name": s.name,
        "description": s.description,
        "ctime": s.ctime,
        "vm_detail": null,
        "screenshot_url": "",
        "screenshot_url_ssl": "",
        "domain_remote_url": "",
        "disk_snapshot_list": disks,
        "attr": if s.memory { json!({"domain_memory": "true"}) } else { Value::Null },
    })
}

fn vm_of(w: &World, q: &Query) -> Result<usize, ApiError> {
    w.vm(q.s("cluster_uuid"), q.s("tenant"), q.s("compute_uuid"))
}

/// `GET /v1/compute/vsd/snapshot/list`
pub fn list(w: &mut World, q: &Query) -> ApiResult {
    let paging = q.paging()?;
    let i = vm_of(w, q)?;
    let name = q.s("filter_name");
    let found: Vec<&Snapshot> = w.vms[i]
        .snaps
        .iter()
        .filter(|s| s.name.contains(name))
        .collect();
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|s| snapshot_json(w, i, s))
        .collect();
    Ok(json!({ "list": list, "total_count": found.len() }))
}

/// `GET /v1/compute/vsd/snapshot/get`
pub fn get(w: &mut World, q: &Query) -> ApiResult {
    let i = vm_of(w, q)?;
    let name = q.req("name")?;
    let s = w.vms[i]
        .snapshot(name)
        .ok_or_else(|| ApiError::new(wire::SNAPSHOT_NOT_EXIST, name))?;
    Ok(snapshot_json(w, i, s))
}

#[derive(Serialize)]
struct ChildList {
    #[serde(rename = "Children")]
    children: Vec<String>,
}

/// `GET /v1/compute/vsd/snapshot/tree`
pub fn tree(w: &mut World, q: &Query) -> ApiResult {
    let i = vm_of(w, q)?;
    let vm = &w.vms[i];
    let mut parents: BTreeMap<&str, &str> = BTreeMap::new();
    let mut children: BTreeMap<&str, ChildList> = BTreeMap::new();
    let nodes = vm
        .snaps
        .iter()
        .map(|s| (s.name.as_str(), s.parent.as_str()))
        .chain(std::iter::once((HEAD, vm.head.as_str())));
    for (name, parent) in nodes {
        parents.insert(name, parent);
        children
            .entry(parent)
            .or_insert_with(|| ChildList {
                children: Vec::new(),
            })
            .children
            .push(name.to_string());
    }
    Ok(json!({
        "tree": {
            "UUID": vm.uuid.to_string(),
            "Parents": parents,
            "Children": children,
        }
    }))
}

/// `GET /v1/compute/vsd/snapshot/head`
pub fn head(w: &mut World, q: &Query) -> ApiResult {
    let i = vm_of(w, q)?;
    let vm = &w.vms[i];
    let s = vm
        .snapshot(&vm.head)
        .ok_or_else(|| ApiError::new(wire::VM_NO_CURRENT_SNAPSHOT, vm.uuid.to_string()))?;
    Ok(snapshot_json(w, i, s))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SnapshotBody {
    #[serde(flatten)]
    id: ComputeIdentifier,
    name: String,
    description: String,
    domain_memory: bool,
}

/// The VM and the named, existing snapshot, with the VM idle.
fn target(w: &World, b: &SnapshotBody) -> Result<usize, ApiError> {
    let i = b.id.vm(w)?;
    if b.name.is_empty() {
        return Err(ApiError::required("name"));
    }
    w.vms[i].check_idle()?;
    if w.vms[i].snapshot(&b.name).is_none() {
        return Err(ApiError::new(wire::SNAPSHOT_NOT_EXIST, b.name.clone()));
    }
    Ok(i)
}

/// `POST /v1/compute/vsd/snapshot/create`
pub fn create(w: &mut World, b: SnapshotBody) -> ApiResult {
    let i = b.id.vm(w)?;
    if b.name.is_empty() {
        return Err(ApiError::required("name"));
    }
    if b.name == HEAD {
        return Err(ApiError::parse("snapshot name \"head\" is reserved"));
    }
    let vm = &w.vms[i];
    vm.check_idle()?;
    if vm.snapshot(&b.name).is_some() {
        return Err(ApiError::new(wire::SNAPSHOT_NAME_EXISTS, b.name));
    }
    if b.domain_memory && vm.state != "running" {
        return Err(ApiError::new(wire::VM_NOT_RUNNING, vm.state));
    }
    let parent = vm.head.clone();
    let ndisks = vm.disks.len();
    let snap = Snapshot {
        uuid: w.new_uid(),
        name: b.name,
        description: b.description,
        ctime: w.unix,
        parent,
        memory: b.domain_memory,
        disk_snaps: (0..ndisks).map(|_| Uid::random(&mut w.rng)).collect(),
    };
    let secs = if b.domain_memory {
        SNAPSHOT_MEMORY_SECS
    } else {
        SNAPSHOT_CREATE_SECS
    };
    w.start_op(i, OpKind::SnapshotCreate(snap), secs);
    Ok(json!({}))
}

/// `POST /v1/compute/vsd/snapshot/modify` (description only).
pub fn modify(w: &mut World, b: SnapshotBody) -> ApiResult {
    let i = target(w, &b)?;
    let unix = w.unix;
    let vm = &mut w.vms[i];
    if let Some(s) = vm.snaps.iter_mut().find(|s| s.name == b.name) {
        s.description = b.description;
    }
    vm.modify_time = unix;
    Ok(json!({}))
}

/// `POST /v1/compute/vsd/snapshot/rollback`
pub fn rollback(w: &mut World, b: SnapshotBody) -> ApiResult {
    let i = target(w, &b)?;
    let vm = &mut w.vms[i];
    if b.domain_memory && !vm.snapshot(&b.name).is_some_and(|s| s.memory) {
        return Err(ApiError::new(wire::SNAPSHOT_NO_MEMORY, b.name));
    }
    vm.state = "shutoff";
    vm.ga_state = "disconnected";
    vm.host = None;
    vm.agent_at = None;
    w.start_op(
        i,
        OpKind::Rollback {
            name: b.name,
            memory: b.domain_memory,
        },
        ROLLBACK_SECS,
    );
    Ok(json!({}))
}

/// `POST /v1/compute/vsd/snapshot/delete`
pub fn delete(w: &mut World, b: SnapshotBody) -> ApiResult {
    let i = target(w, &b)?;
    let children = w.vms[i].snaps.iter().filter(|s| s.parent == b.name).count();
    if children > 1 {
        return Err(ApiError::new(
            wire::SNAPSHOT_MULTIPLE_CHILDREN,
            format!("{} ({children} children)", b.name),
        ));
    }
    w.start_op(
        i,
        OpKind::SnapshotDelete { name: b.name },
        SNAPSHOT_DELETE_SECS,
    );
    Ok(json!({}))
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct DiskSnapshotInfo {
    #[serde(rename = "VolumeUuid")]
    volume_uuid: String,
    #[serde(rename = "SnapshotUuid")]
    snapshot_uuid: String,
    #[serde(rename = "DiskDrive")]
    disk_drive: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VolumeRollbackBody {
    #[serde(flatten)]
    id: ComputeIdentifier,
    disk_snapshot_list: Vec<DiskSnapshotInfo>,
}

/// `POST /v1/compute/volume/snapshot/rollback` → `BatchOutput`, one result per disk.
pub fn volume_rollback(w: &mut World, b: VolumeRollbackBody) -> ApiResult {
    let i = b.id.vm(w)?;
    if b.disk_snapshot_list.is_empty() {
        return Err(ApiError::required("disk_snapshot_list"));
    }
    let vm = &w.vms[i];
    vm.check_idle()?;
    if vm.state != "shutoff" {
        return Err(ApiError::new(wire::VM_NOT_SHUTOFF, vm.state));
    }
    let (mut success, mut fail) = (0, 0);
    let mut results = Vec::new();
    for item in &b.disk_snapshot_list {
        let echo = serde_json::to_value(item).unwrap_or(Value::Null);
        let disk = Uid::parse(&item.volume_uuid)
            .and_then(|u| vm.disks.iter().position(|d| d.volume_uuid == u));
        let snap = Uid::parse(&item.snapshot_uuid);
        let ok = match (disk, snap) {
            (Some(k), Some(s)) => vm.snaps.iter().any(|x| x.disk_snaps.get(k) == Some(&s)),
            _ => false,
        };
        if ok {
            success += 1;
            results.push(wire::ok_value(echo));
        } else {
            fail += 1;
            let e = ApiError::new(
                wire::DISK_SNAPSHOT_NOT_EXIST,
                format!("{}/{}", item.volume_uuid, item.snapshot_uuid),
            );
            results.push(e.to_output_with(echo));
        }
    }
    if success > 0 {
        w.vms[i].modify_time = w.unix;
    }
    Ok(json!({ "success": success, "fail": fail, "results": results }))
}
