//! VM snapshots: how they render, and `create-vm-snapshot`, `rollback-vm`,
//! `rebuild-vm-from-snapshot`, `delete-vm-snapshot`.
//!
//! * Create: the snapshot is listed at once with `entityAsyncStatus: CREATING` (its id is
//!   the one `data.id` gave), with one iSCSI LUN snapshot per `DISK` (named by the frozen
//!   disk's `snapshot_local_id`), and loses the flag when the task succeeds (3 s + 1 s per
//!   disk). `FILE_SYSTEM_CONSISTENT` needs `vm_tools_status: RUNNING`, otherwise 400 at
//!   once. After a snapshot the guest keeps writing: each volume's `used_size` grows by 2 %
//!   of its size, so a rollback shows.
//! * Rollback (5 s): the VM's volumes get back the `used_size` they had in the snapshot,
//!   `vcpu`/`cpu`/`memory`/`ha` come back from the snapshot, and the VM ends `STOPPED`
//!   (a snapshot holds no memory). The snapshot must belong to each VM matched.
//! * Rebuild (20 s): a new VM (`entityAsyncStatus: CREATING` at once, `STOPPED`, or
//!   `RUNNING` at the end when `status: RUNNING` was asked) in the snapshot's cluster,
//!   with new volumes holding the snapshot's data and the snapshot's NICs (or `vm_nics`
//!   with `connect_vlan_id`). `vm_disks` is ignored. The task's `args` keep the request,
//!   `rebuild_from_snapshot_id` included; the new VM's `description` defaults to
//!   `Rebuilt from snapshot <name>`.
//! * Delete (2 s): `entityAsyncStatus: DELETING`, then gone with its LUN snapshots.
//! * The VM `故障演示-存储异常` exists to show failures: its snapshot and rollback tasks
//!   always end `FAILED` (`VM_SNAPSHOT_CREATE_FAILED` / `VM_ROLLBACK_FAILED`).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::inventory::{check_operable, nested_cluster, nested_vm};
use super::seed::{add_snapshot, new_disk, new_volume};
use super::tasks::{new_task, percent_steps};
use super::wire::{ApiError, ApiResult, ts};
use super::world::*;
use super::{Req, matched};

pub fn render(w: &World, s: usize) -> Value {
    let snap = &w.snapshots[s];
    let size: i64 = snap.disks.iter().map(|d| d.size).sum();
    let disks: Vec<Value> = snap
        .disks
        .iter()
        .map(|d| {
            let data = d.kind == "DISK";
            json!({
                "boot": d.boot,
                "bus": d.bus,
                "index": d.index,
                "type": d.kind,
                "path": d.path,
                "size": d.size,
                "storage_policy_uuid": d.policy_uuid,
                "vm_volume_local_id": d.volume_local_id,
                "elf_image_local_id": "",
                "svt_image_local_id": "",
                "disk_name": if data { Some(d.volume_name.clone()) } else { None },
                "image_name": d.image_name,
                "key": null,
                "disabled": false,
                "snapshot_local_id": d.lun_snapshot.map(|l| w.lun_snapshots[l].name.clone()),
                "vm_volume_snapshot_uuid": d.volume_snapshot_uuid,
                "vm_volume_template_uuid": null,
                "max_bandwidth": null,
                "max_bandwidth_policy": null,
                "max_iops": null,
                "max_iops_policy": null,
            })
        })
        .collect();
    let nics: Vec<Value> = snap
        .nics
        .iter()
        .map(|n| {
            let vlan = &w.vlans[n.vlan];
            json!({
                "index": n.index,
                "mac_address": n.mac,
                "ip_address": n.ip,
                "gateway": n.gateway,
                "subnet_mask": n.mask,
                "vlan": {
                    "name": vlan.name,
                    "vlan_id": vlan.vlan_id,
                    "vlan_local_id": vlan.local_id,
                    "vds_ovs": "ovsbr-internal",
                    "network_ids": [],
                },
                "enabled": true,
                "mirror": false,
                "model": n.model,
            })
        })
        .collect();
    json!({
        "id": snap.id,
        "name": snap.name,
        "local_id": snap.local_id,
        "description": snap.description,
        "consistent_type": snap.consistent,
        "cluster": nested_cluster(w, snap.cluster),
        "vcpu": snap.vcpu,
        "cpu": {"cores": snap.cores, "sockets": snap.sockets},
        "cpu_model": snap.cpu_model,
        "memory": snap.memory,
        "size": size,
        "ha": snap.ha,
        "firmware": snap.firmware,
        "clock_offset": snap.clock_offset,
        "win_opt": snap.win_opt,
        "vm": nested_vm(w, snap.vm),
        "local_created_at": ts(snap.created_ms),
        "entityAsyncStatus": snap.state.map(Async::as_str),
        "labels": [],
        "snapshot_group": null,
        "io_policy": "RESTRICT_EACH_DISK",
        "max_bandwidth": null,
        "max_bandwidth_policy": null,
        "max_iops": null,
        "max_iops_policy": null,
        "vm_disks": disks,
        "vm_nics": nics,
    })
}

fn snapshot_ready(w: &World, id: &str) -> Result<usize, ApiError> {
    let s = w
        .lookup(Kind::VmSnapshot, id)
        .filter(|&s| !w.snapshots[s].gone)
        .ok_or_else(|| ApiError::not_found("VM snapshot", "虚拟机快照", id))?;
    if let Some(state) = w.snapshots[s].state {
        return Err(ApiError::locked(
            "VM snapshot",
            "虚拟机快照",
            &w.snapshots[s].name,
            state.as_str(),
        ));
    }
    Ok(s)
}

fn check_name(name: &str, what: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::bad(
            format!("{what} must not be empty"),
            format!("{what} 不能为空"),
        ));
    }
    Ok(())
}

pub fn create(w: &mut World, req: &Req) -> ApiResult {
    let items = req.body["data"].as_array().cloned().unwrap_or_default();
    let mut seen = HashSet::new();
    let mut plan = Vec::new();
    for it in &items {
        let vm_id = it["vm_id"].as_str().unwrap_or_default();
        let name = it["name"].as_str().unwrap_or_default().to_string();
        let consistent = match it["consistent_type"].as_str() {
            Some("FILE_SYSTEM_CONSISTENT") => "FILE_SYSTEM_CONSISTENT",
            _ => "CRASH_CONSISTENT",
        };
        let v = w
            .vm_alive(vm_id)
            .ok_or_else(|| ApiError::not_found("VM", "虚拟机", vm_id))?;
        check_operable(w, v)?;
        check_name(&name, "name")?;
        if !seen.insert(v) {
            return Err(ApiError::locked(
                "VM",
                "虚拟机",
                &w.vms[v].name,
                "another snapshot in this request",
            ));
        }
        let vm = &w.vms[v];
        if consistent == "FILE_SYSTEM_CONSISTENT" && vm.tools != "RUNNING" {
            return Err(ApiError::bad(
                format!(
                    "A FILE_SYSTEM_CONSISTENT snapshot of VM {} needs VMTools running in the guest (vm_tools_status is {})",
                    vm.name, vm.tools
                ),
                format!(
                    "虚拟机 {} 的 VMTools 未运行（vm_tools_status 为 {}），无法创建文件系统一致性快照",
                    vm.name, vm.tools
                ),
            ));
        }
        plan.push((v, name, consistent, it.clone()));
    }
    let mut out = Vec::new();
    for (v, name, consistent, args) in plan {
        let now = w.now;
        let s = add_snapshot(
            w,
            v,
            name.clone(),
            String::new(),
            consistent,
            now,
            1.0,
            Some(Async::Creating),
        );
        let vm_name = w.vms[v].name.clone();
        let disks = w.snapshots[s]
            .disks
            .iter()
            .filter(|d| d.kind == "DISK")
            .count();
        let mut task = new_task(
            w,
            req.user,
            Some(w.vms[v].cluster),
            (
                format!("Create snapshot {name} of VM {vm_name}"),
                format!("为虚拟机 {vm_name} 创建快照 {name}"),
            ),
            "vm.snapshot.create",
            ("VmSnapshot", w.snapshots[s].id.clone(), name.clone()),
            "createVmSnapshot",
            args,
            percent_steps(if consistent == "FILE_SYSTEM_CONSISTENT" {
                &["freeze_guest_fs", "snapshot_volumes", "thaw_guest_fs"]
            } else {
                &["snapshot_volumes", "save_config"]
            }),
            Effect::SnapshotCreate { snap: s },
        );
        if w.vms[v].faulty {
            task.failure = Some(Failure {
                code: "VM_SNAPSHOT_CREATE_FAILED",
                en: format!(
                    "Failed to snapshot the volumes of VM {vm_name}: ZBS returned an I/O error"
                ),
                zh: format!("虚拟机 {vm_name} 的卷快照失败：ZBS 返回 I/O 错误"),
            });
        }
        task.holds_vms = vec![v];
        let t = w.push_task(task, 1.0, 3.0 + disks as f64);
        out.push(json!({"task_id": w.tasks[t].id, "data": render(w, s)}));
    }
    Ok(Value::Array(out))
}

pub fn rollback(w: &mut World, req: &Req) -> ApiResult {
    let snap_id = req.body["data"]["snapshot_id"].as_str().unwrap_or_default();
    let s = snapshot_ready(w, snap_id)?;
    let vms = matched(w, req, Kind::Vm, &req.body["where"])?;
    for &v in &vms {
        if w.snapshots[s].vm != v {
            return Err(ApiError::bad(
                format!(
                    "Snapshot {} does not belong to VM {}",
                    w.snapshots[s].name, w.vms[v].name
                ),
                format!(
                    "快照 {} 不属于虚拟机 {}",
                    w.snapshots[s].name, w.vms[v].name
                ),
            ));
        }
        check_operable(w, v)?;
    }
    let mut out = Vec::new();
    for v in vms {
        let vm_name = w.vms[v].name.clone();
        let snap_name = w.snapshots[s].name.clone();
        let mut task = new_task(
            w,
            req.user,
            Some(w.vms[v].cluster),
            (
                format!("Roll back VM {vm_name} to snapshot {snap_name}"),
                format!("将虚拟机 {vm_name} 回滚至快照 {snap_name}"),
            ),
            "vm.rollback",
            ("Vm", w.vms[v].id.clone(), vm_name.clone()),
            "rollbackVm",
            req.body.clone(),
            percent_steps(&["stop_vm", "rollback_volumes", "restore_config"]),
            Effect::Rollback { vm: v, snap: s },
        );
        if w.vms[v].faulty {
            task.failure = Some(Failure {
                code: "VM_ROLLBACK_FAILED",
                en: format!(
                    "Failed to roll back the volumes of VM {vm_name}: ZBS returned an I/O error"
                ),
                zh: format!("虚拟机 {vm_name} 的卷回滚失败：ZBS 返回 I/O 错误"),
            });
        }
        task.holds_vms = vec![v];
        let t = w.push_task(task, 1.0, 5.0);
        w.vms[v].state = Some(Async::Updating);
        out.push(json!({"task_id": w.tasks[t].id, "data": super::inventory::vm(w, v)}));
    }
    Ok(Value::Array(out))
}

struct Rebuild {
    snap: usize,
    name: String,
    cluster: usize,
    host: Option<usize>,
    nics: Option<Vec<usize>>,
    /// The requested memory in bytes, checked to lie in `1 B ..= 64 TiB`.
    memory: Option<i64>,
    args: Value,
}

/// The largest memory a rebuilt VM may ask for: 64 TiB.
const MAX_MEMORY: i64 = 64 << 40;

/// `memory` × `memory_unit` of a rebuild request in bytes (`None`: keep the
/// snapshot's), refused with a 400 unless it is a whole number in `1 B ..= 64 TiB`.
fn requested_memory(it: &Value) -> Result<Option<i64>, ApiError> {
    let m = &it["memory"];
    if m.is_null() {
        return Ok(None);
    }
    let unit: i64 = match it["memory_unit"].as_str() {
        Some("B") => 1,
        Some("KB") => 1 << 10,
        Some("MB") => 1 << 20,
        Some("TB") => 1 << 40,
        Some("PB") => 1 << 50,
        _ => 1 << 30,
    };
    m.as_i64()
        .and_then(|m| m.checked_mul(unit))
        .filter(|b| (1..=MAX_MEMORY).contains(b))
        .map(Some)
        .ok_or_else(|| {
            let unit = it["memory_unit"].as_str().unwrap_or("GB");
            ApiError::bad(
                format!("memory {m} {unit} is out of range: a VM needs 1 B to 64 TiB of memory"),
                format!("内存 {m} {unit} 超出范围：虚拟机内存须在 1 B 至 64 TiB 之间"),
            )
        })
}

fn check_rebuild(w: &World, it: &Value) -> Result<Rebuild, ApiError> {
    let snap_id = it["rebuild_from_snapshot_id"].as_str().unwrap_or_default();
    let snap = snapshot_ready(w, snap_id)?;
    let name = it["name"].as_str().unwrap_or_default().to_string();
    check_name(&name, "name")?;
    let sc = w.snapshots[snap].cluster;
    let cluster = match it["cluster_id"].as_str() {
        Some(id) => w
            .lookup(Kind::Cluster, id)
            .ok_or_else(|| ApiError::not_found("Cluster", "集群", id))?,
        None => sc,
    };
    if cluster != sc {
        return Err(ApiError::bad(
            format!(
                "Snapshot {} lives in cluster {}: a VM can only be rebuilt from it there",
                w.snapshots[snap].name, w.clusters[sc].name
            ),
            format!(
                "快照 {} 位于集群 {}，只能在该集群中重建虚拟机",
                w.snapshots[snap].name, w.clusters[sc].name
            ),
        ));
    }
    if !w.clusters[cluster].connected {
        return Err(ApiError::bad(
            format!("Cluster {} is disconnected", w.clusters[cluster].name),
            format!("集群 {} 已断开连接", w.clusters[cluster].name),
        ));
    }
    let host = match it["host_id"].as_str() {
        Some(id) => {
            let h = w
                .lookup(Kind::Host, id)
                .ok_or_else(|| ApiError::not_found("Host", "主机", id))?;
            if w.hosts[h].cluster != cluster {
                return Err(ApiError::bad(
                    format!(
                        "Host {} is not in cluster {}",
                        w.hosts[h].name, w.clusters[cluster].name
                    ),
                    format!(
                        "主机 {} 不在集群 {} 中",
                        w.hosts[h].name, w.clusters[cluster].name
                    ),
                ));
            }
            Some(h)
        }
        None => None,
    };
    let nics = match it["vm_nics"].as_array() {
        Some(list) => {
            let mut out = Vec::new();
            for n in list {
                let Some(id) = n["connect_vlan_id"].as_str() else {
                    return Err(ApiError::bad(
                        "vm_nics[].connect_vlan_id is required",
                        "vm_nics[].connect_vlan_id 为必填项",
                    ));
                };
                let vl = w
                    .lookup(Kind::Vlan, id)
                    .filter(|&vl| w.vlans[vl].cluster == cluster)
                    .ok_or_else(|| ApiError::not_found("VLAN", "虚拟网络", id))?;
                out.push(vl);
            }
            Some(out)
        }
        None => None,
    };
    let memory = requested_memory(it)?;
    Ok(Rebuild {
        snap,
        name,
        cluster,
        host,
        nics,
        memory,
        args: it.clone(),
    })
}

pub fn rebuild(w: &mut World, req: &Req) -> ApiResult {
    let items = req.body.as_array().cloned().unwrap_or_default();
    let checked: Vec<Rebuild> = items
        .iter()
        .map(|it| check_rebuild(w, it))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for r in checked {
        let v = rebuild_vm(w, &r);
        let start = r.args["status"].as_str() == Some("RUNNING");
        let snap_name = w.snapshots[r.snap].name.clone();
        let mut task = new_task(
            w,
            req.user,
            Some(r.cluster),
            (
                format!("Rebuild VM {} from snapshot {snap_name}", r.name),
                format!("从快照 {snap_name} 重建虚拟机 {}", r.name),
            ),
            "vm.rebuild",
            ("Vm", w.vms[v].id.clone(), r.name.clone()),
            "rebuildVm",
            r.args.clone(),
            percent_steps(&["clone_volumes", "create_vm", "configure"]),
            Effect::Rebuild { vm: v, start },
        );
        task.holds_vms = vec![v];
        let t = w.push_task(task, 1.0, 20.0);
        out.push(json!({"task_id": w.tasks[t].id, "data": super::inventory::vm(w, v)}));
    }
    Ok(Value::Array(out))
}

/// The placeholder of a VM being rebuilt from a snapshot.
fn rebuild_vm(w: &mut World, r: &Rebuild) -> usize {
    let snap = w.snapshots[r.snap].clone();
    let src = w.vms[snap.vm].clone();
    let now = w.now;
    let v = w.vms.len();
    let id = w.new_id(now);
    let local_id = w.new_uuid();
    let bios_uuid = w.new_uuid();
    let a = &r.args;
    let vcpu = a["vcpu"].as_i64().unwrap_or(snap.vcpu).max(1);
    let sockets = a["cpu_sockets"].as_i64().unwrap_or(snap.sockets).max(1);
    let host = r.host.or(src.host.filter(|_| src.cluster == r.cluster));
    w.vms.push(Vm {
        id: id.clone(),
        local_id,
        name: r.name.clone(),
        description: a["description"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("Rebuilt from snapshot {}", snap.name)),
        cluster: r.cluster,
        host,
        status: "STOPPED",
        tools: if src.tools_version.is_some() {
            "NOT_RUNNING"
        } else {
            "NOT_INSTALLED"
        },
        tools_version: src.tools_version.clone(),
        vcpu,
        sockets,
        cores: a["cpu_cores"].as_i64().unwrap_or((vcpu / sockets).max(1)),
        memory: r.memory.unwrap_or(snap.memory),
        cpu_model: snap.cpu_model.clone(),
        firmware: match a["firmware"].as_str() {
            Some("UEFI") => "UEFI",
            Some("BIOS") => "BIOS",
            _ => snap.firmware,
        },
        clock_offset: snap.clock_offset,
        ha: a["ha"].as_bool().unwrap_or(snap.ha),
        guest_os: src.guest_os,
        os: src.os.clone(),
        hostname: None,
        created_ms: now,
        last_shutdown_ms: None,
        disks: Vec::new(),
        nics: Vec::new(),
        snapshots: Vec::new(),
        plans: Vec::new(),
        cpu_usage: 0.0,
        memory_usage: 0.0,
        win_opt: snap.win_opt,
        bios_uuid,
        busy: None,
        state: Some(Async::Creating),
        faulty: false,
        gone: false,
    });
    w.register(&id, Kind::Vm, v);
    let mut disks = Vec::new();
    for (k, d) in snap.disks.iter().enumerate() {
        let vol = (d.kind == "DISK").then(|| {
            new_volume(
                w,
                r.cluster,
                &format!("{}-disk-{}", r.name, k + 1),
                d.size,
                d.used,
                now,
            )
        });
        disks.push(new_disk(w, v, d.boot, d.bus, d.kind, vol));
    }
    w.vms[v].disks = disks;
    let vlans: Vec<usize> = match &r.nics {
        Some(list) => list.clone(),
        None => snap.nics.iter().map(|n| n.vlan).collect(),
    };
    for (k, vlan) in vlans.into_iter().enumerate() {
        let nic_id = w.new_id(now + k as i64);
        let nic_local = w.new_uuid();
        let mac = w.random_mac();
        let vl = &w.vlans[vlan];
        let nic = Nic {
            id: nic_id,
            local_id: nic_local,
            mac,
            ip: String::new(),
            vlan,
            gateway: vl.gateway.clone().unwrap_or_default(),
            mask: vl.subnet.clone().unwrap_or_default(),
            model: "VIRTIO",
        };
        w.vms[v].nics.push(nic);
    }
    v
}

pub fn delete(w: &mut World, req: &Req) -> ApiResult {
    let snaps = matched(w, req, Kind::VmSnapshot, &req.body["where"])?;
    for &s in &snaps {
        let snap = &w.snapshots[s];
        if let Some(state) = snap.state {
            return Err(ApiError::locked(
                "VM snapshot",
                "虚拟机快照",
                &snap.name,
                state.as_str(),
            ));
        }
        if !w.vms[snap.vm].gone {
            check_operable(w, snap.vm)?;
        } else if !w.clusters[snap.cluster].connected {
            return Err(ApiError::bad("Cluster is disconnected", "集群已断开连接"));
        }
    }
    let mut out = Vec::new();
    for s in snaps {
        let snap = w.snapshots[s].clone();
        let vm_name = w.vms[snap.vm].name.clone();
        let mut task = new_task(
            w,
            req.user,
            Some(snap.cluster),
            (
                format!("Delete snapshot {} of VM {vm_name}", snap.name),
                format!("删除虚拟机 {vm_name} 的快照 {}", snap.name),
            ),
            "vm.snapshot.delete",
            ("VmSnapshot", snap.id.clone(), snap.name.clone()),
            "deleteVmSnapshot",
            json!({"where": {"id": snap.id}}),
            percent_steps(&["delete_volume_snapshots"]),
            Effect::SnapshotDelete { snap: s },
        );
        if !w.vms[snap.vm].gone {
            task.holds_vms = vec![snap.vm];
        }
        let t = w.push_task(task, 0.5, 2.0);
        w.snapshots[s].state = Some(Async::Deleting);
        out.push(json!({"task_id": w.tasks[t].id, "data": {"id": snap.id}}));
    }
    Ok(Value::Array(out))
}
