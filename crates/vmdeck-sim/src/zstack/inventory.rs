//! Inventories: the JSON of each resource as the MN's `*Inventory` classes serialise it
//! (field names per `ENDPOINTS.md` §7–§9 and the SDK). `None`s become nulls and are left
//! out on the wire by [`super::wire::gson`].

use serde_json::{Value, json};

use super::ids::Uid;
use super::time::java_date;
use super::world::*;

fn d(t: i64) -> Value {
    json!(java_date(t))
}

fn stamp(v: &mut Value, s: &Stamp) {
    v["createDate"] = d(s.create);
    v["lastOpDate"] = d(s.last_op);
}

pub fn mn(w: &World) -> Value {
    json!({
        "uuid": w.mn.uuid.to_string(),
        "hostName": w.mn.host_name,
        "joinDate": java_date(w.mn.join),
        "heartBeat": java_date(w.now),
    })
}

pub fn zone(w: &World, i: usize) -> Value {
    let z = &w.zones[i];
    let mut v = json!({
        "uuid": z.uuid.to_string(), "name": z.name, "description": z.description,
        "state": "Enabled", "type": "zstack", "isDefault": z.is_default,
    });
    stamp(&mut v, &z.stamp);
    v
}

pub fn cluster(w: &World, i: usize) -> Value {
    let c = &w.clusters[i];
    let mut v = json!({
        "uuid": c.uuid.to_string(), "name": c.name, "description": c.description,
        "state": "Enabled", "hypervisorType": "KVM", "zoneUuid": w.zones[c.zone].uuid.to_string(),
        "type": "zstack", "architecture": "x86_64",
    });
    stamp(&mut v, &c.stamp);
    v
}

/// Memory the running VMs of a host take.
fn host_used(w: &World, h: usize) -> (u64, u64) {
    w.vms
        .iter()
        .filter(|vm| !vm.deleted && vm.host == Some(h))
        .fold((0, 0), |(c, m), vm| (c + vm.cpu_num as u64, m + vm.memory))
}

pub fn host(w: &World, i: usize) -> Value {
    let h = &w.hosts[i];
    let (cpu_used, mem_used) = host_used(w, i);
    let total_cpu = h.cpu_num as u64 * 4;
    let mut v = json!({
        "uuid": h.uuid.to_string(), "name": h.name, "zoneUuid": w.zones[h.zone].uuid.to_string(),
        "clusterUuid": w.clusters[h.cluster].uuid.to_string(), "managementIp": h.ip,
        "hypervisorType": "KVM", "state": h.state, "status": h.status,
        "totalCpuCapacity": total_cpu, "availableCpuCapacity": total_cpu.saturating_sub(cpu_used),
        "cpuSockets": h.cpu_sockets, "totalMemoryCapacity": h.memory,
        "availableMemoryCapacity": h.memory.saturating_sub(mem_used), "cpuNum": h.cpu_num,
        "architecture": "x86_64", "username": "root", "sshPort": 22,
        "osDistribution": h.os.0, "osRelease": h.os.1, "osVersion": h.os.2,
        "cpuStatus": "Normal", "memoryStatus": "Normal", "diskStatus": "Normal",
        "nicStatus": "Normal", "gpuStatus": "Normal", "powerSupplyStatus": "Normal",
        "fanStatus": "Normal", "raidStatus": "Normal", "temperatureStatus": "Normal",
    });
    stamp(&mut v, &h.stamp);
    v
}

pub fn primary_storage(w: &World, i: usize) -> Value {
    let p = &w.primary_storages[i];
    let used: u64 = w
        .volumes
        .iter()
        .filter(|v| !v.deleted && v.ps == i)
        .map(|v| v.actual_size)
        .sum();
    let clusters: Vec<String> = w
        .clusters
        .iter()
        .filter(|c| c.ps == i)
        .map(|c| c.uuid.to_string())
        .collect();
    let mut v = json!({
        "uuid": p.uuid.to_string(), "name": p.name, "url": p.url, "type": p.ps_type,
        "zoneUuid": w.zones[p.zone].uuid.to_string(), "state": "Enabled", "status": "Connected",
        "totalCapacity": p.total, "availableCapacity": p.total.saturating_sub(used),
        "totalPhysicalCapacity": p.total, "availablePhysicalCapacity": p.total.saturating_sub(used),
        "systemUsedCapacity": 0, "attachedClusterUuids": clusters,
    });
    stamp(&mut v, &p.stamp);
    v
}

pub fn backup_storage(w: &World, i: usize) -> Value {
    let b = &w.backup_storages[i];
    let zones: Vec<String> = b
        .zones
        .iter()
        .map(|&z| w.zones[z].uuid.to_string())
        .collect();
    let mut v = json!({
        "uuid": b.uuid.to_string(), "name": b.name, "url": b.url, "description": b.description,
        "totalCapacity": b.total, "availableCapacity": b.total.saturating_sub(b.used),
        "type": b.bs_type, "state": b.state, "status": b.status, "attachedZoneUuids": zones,
    });
    if b.is_image_store() || b.bs_type == "SftpBackupStorage" {
        v["hostname"] = json!(b.hostname);
        v["username"] = json!("root");
        v["sshPort"] = json!(22);
    }
    stamp(&mut v, &b.stamp);
    v
}

pub fn l3(w: &World, i: usize) -> Value {
    let l = &w.l3s[i];
    let mut v = json!({
        "uuid": l.uuid.to_string(), "name": l.name, "type": "L3BasicNetwork",
        "zoneUuid": w.zones[l.zone].uuid.to_string(), "state": "Enabled", "system": false,
        "category": "Private", "ipVersion": 4, "enableIPAM": true,
    });
    stamp(&mut v, &l.stamp);
    v
}

pub fn image(w: &World, i: usize) -> Value {
    let m = &w.images[i];
    let refs: Vec<Value> = m
        .refs
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let mut v = json!({
                "id": n as u64 + 1 + i as u64 * 4, "imageUuid": m.uuid.to_string(),
                "backupStorageUuid": w.backup_storages[r.bs].uuid.to_string(),
                "installPath": r.install_path, "status": r.status,
            });
            stamp(&mut v, &r.stamp);
            v
        })
        .collect();
    let mut v = json!({
        "uuid": m.uuid.to_string(), "name": m.name, "description": m.description,
        "state": "Enabled", "status": m.status, "size": m.size, "actualSize": m.actual_size,
        "md5Sum": "not calculated", "url": format!("http://172.20.0.10:8001/imagestore/download/{}.qcow2", m.uuid),
        "mediaType": m.media_type, "guestOsType": m.guest_os_type, "type": "zstack",
        "platform": m.platform, "architecture": m.architecture, "format": m.format,
        "system": m.system, "virtio": true, "backupStorageRefs": refs,
    });
    stamp(&mut v, &m.stamp);
    v
}

pub fn nic(w: &World, vm: usize, n: &Nic) -> Value {
    let l3 = &w.l3s[n.l3];
    let vm_uuid = w.vms[vm].uuid.to_string();
    let mut v = json!({
        "uuid": n.uuid.to_string(), "vmInstanceUuid": vm_uuid,
        "l3NetworkUuid": l3.uuid.to_string(), "ip": n.ip, "mac": n.mac,
        "netmask": "255.255.255.0", "gateway": format!("{}.1", l3.prefix), "ipVersion": 4,
        "deviceId": n.device_id, "internalName": n.internal_name, "driverType": "virtio",
        "type": "VNIC", "state": "enable", "hypervisorType": "KVM",
        "usedIps": [{
            "uuid": format!("{:032x}", n.uuid.0 ^ 0x1111), "ip": n.ip, "ipVersion": 4,
            "l3NetworkUuid": l3.uuid.to_string(), "netmask": "255.255.255.0",
            "gateway": format!("{}.1", l3.prefix), "vmNicUuid": n.uuid.to_string(),
        }],
    });
    stamp(&mut v, &w.vms[vm].stamp);
    v
}

pub fn vm(w: &World, i: usize) -> Value {
    let m = &w.vms[i];
    let c = &w.clusters[m.cluster];
    let vols: Vec<Value> = m.volumes.iter().map(|&v| volume(w, v)).collect();
    let nics: Vec<Value> = m.nics.iter().map(|n| nic(w, i, n)).collect();
    let mut v = json!({
        "uuid": m.uuid.to_string(), "name": m.name, "description": m.description,
        "zoneUuid": w.zones[m.zone].uuid.to_string(), "clusterUuid": c.uuid.to_string(),
        "imageUuid": w.images[m.image].uuid.to_string(),
        "hostUuid": m.host.map(|h| w.hosts[h].uuid.to_string()),
        "lastHostUuid": m.last_host.map(|h| w.hosts[h].uuid.to_string()),
        "instanceOfferingUuid": m.instance_offering.to_string(),
        "rootVolumeUuid": w.volumes[m.root()].uuid.to_string(),
        "platform": m.platform, "architecture": "x86_64",
        "defaultL3NetworkUuid": m.nics.first().map(|n| w.l3s[n.l3].uuid.to_string()),
        "type": "UserVm", "hypervisorType": "KVM", "memorySize": m.memory,
        "reservedMemorySize": 0, "cpuNum": m.cpu_num, "cpuSpeed": 0,
        "allocatorStrategy": "LeastVmPreferredHostAllocatorStrategy", "state": m.state,
        "vmNics": nics, "allVolumes": vols, "vmCdRoms": [], "guestOsType": m.guest_os_type,
    });
    stamp(&mut v, &m.stamp);
    v
}

pub fn volume(w: &World, i: usize) -> Value {
    let x = &w.volumes[i];
    let mut v = json!({
        "uuid": x.uuid.to_string(), "name": x.name, "description": x.description,
        "primaryStorageUuid": w.primary_storages[x.ps].uuid.to_string(),
        "vmInstanceUuid": x.vm.map(|vm| w.vms[vm].uuid.to_string()),
        "diskOfferingUuid": x.disk_offering.map(|u| u.to_string()),
        "rootImageUuid": x.root_image.map(|m| w.images[m].uuid.to_string()),
        "installPath": x.install_path, "type": x.vtype(), "format": "qcow2",
        "size": x.size, "actualSize": x.actual_size, "deviceId": x.device_id,
        "state": "Enabled", "status": x.status, "isShareable": false,
        "lastAttachDate": java_date(x.stamp.create),
    });
    stamp(&mut v, &x.stamp);
    v
}

pub fn snapshot(w: &World, i: usize) -> Value {
    let s = &w.snapshots[i];
    let vol = &w.volumes[s.volume];
    let tree = &w.trees[s.tree];
    let refs: Vec<Value> = s
        .bs_refs
        .iter()
        .map(|r| {
            json!({
                "volumeSnapshotUuid": s.uuid.to_string(),
                "backupStorageUuid": w.backup_storages[r.bs].uuid.to_string(),
                "installPath": r.install_path,
            })
        })
        .collect();
    let mut v = json!({
        "uuid": s.uuid.to_string(), "name": s.name, "description": s.description,
        "type": "Hypervisor", "volumeUuid": vol.uuid.to_string(),
        "treeUuid": tree.uuid.to_string(),
        "parentUuid": s.parent.map(|p| w.snapshots[p].uuid.to_string()),
        "primaryStorageUuid": w.primary_storages[vol.ps].uuid.to_string(),
        "primaryStorageInstallPath": s.install_path, "volumeType": vol.vtype(),
        "format": "qcow2", "latest": tree.latest == Some(i), "size": s.size,
        "distance": s.distance, "state": s.state, "status": s.status,
        "backupStorageRefs": refs,
        "groupUuid": s.group.map(|g| w.groups[g].uuid.to_string()),
    });
    stamp(&mut v, &s.stamp);
    v
}

fn leaf(w: &World, s: usize) -> Value {
    let children: Vec<Value> = w.snapshots[s]
        .children
        .iter()
        .filter(|&&c| !w.snapshots[c].deleted)
        .map(|&c| leaf(w, c))
        .collect();
    json!({
        "inventory": snapshot(w, s),
        "parentUuid": w.snapshots[s].parent.map(|p| w.snapshots[p].uuid.to_string()),
        "children": children,
    })
}

pub fn tree(w: &World, i: usize) -> Value {
    let t = &w.trees[i];
    let mut v = json!({
        "uuid": t.uuid.to_string(), "volumeUuid": w.volumes[t.volume].uuid.to_string(),
        "current": t.current, "status": "Completed",
        "tree": t.root.filter(|&r| !w.snapshots[r].deleted).map(|r| leaf(w, r)),
    });
    stamp(&mut v, &t.stamp);
    v
}

pub fn group(w: &World, i: usize) -> Value {
    let g = &w.groups[i];
    let refs: Vec<Value> = g
        .refs
        .iter()
        .map(|r| {
            let mut v = json!({
                "volumeSnapshotUuid": w.snapshots[r.snapshot].uuid.to_string(),
                "volumeSnapshotGroupUuid": g.uuid.to_string(), "deviceId": r.device_id,
                "snapshotDeleted": w.snapshots[r.snapshot].deleted,
                "volumeUuid": w.volumes[r.volume].uuid.to_string(),
                "volumeName": r.volume_name, "volumeType": r.volume_type,
                "volumeSnapshotInstallPath": r.install_path,
                "volumeSnapshotName": r.snapshot_name,
                "volumeLastAttachDate": java_date(r.volume_last_attach),
            });
            stamp(&mut v, &g.stamp);
            v
        })
        .collect();
    let mut v = json!({
        "uuid": g.uuid.to_string(), "snapshotCount": g.refs.len(), "name": g.name,
        "description": g.description, "vmInstanceUuid": w.vms[g.vm].uuid.to_string(),
        "volumeSnapshotRefs": refs,
    });
    stamp(&mut v, &g.stamp);
    v
}

fn backup_refs(w: &World, owner: &str, uuid: Uid, refs: &[BackupRef]) -> Vec<Value> {
    refs.iter()
        .map(|r| {
            let mut v = json!({
                owner: uuid.to_string(),
                "backupStorageUuid": w.backup_storages[r.bs].uuid.to_string(),
                "installPath": r.install_path, "status": r.status, "exportUrl": r.export_url,
            });
            stamp(&mut v, &r.stamp);
            v
        })
        .collect()
}

pub fn volume_backup(w: &World, i: usize) -> Value {
    let b = &w.volume_backups[i];
    let mut v = json!({
        "uuid": b.uuid.to_string(), "volumeUuid": b.volume_uuid.to_string(), "name": b.name,
        "description": b.description, "type": if b.root { "Root" } else { "Data" },
        "state": b.state, "status": b.status, "size": b.size, "metadata": b.metadata,
        "groupUuid": b.group.map(|g| g.to_string()), "mode": b.mode,
        "vmInstanceUuid": b.vm_uuid.map(|u| u.to_string()), "hypervisorType": "KVM",
        "backupStorageRefs": backup_refs(w, "volumeBackupUuid", b.uuid, &b.refs),
    });
    stamp(&mut v, &b.stamp);
    v
}

pub fn db_backup(w: &World, i: usize) -> Value {
    let b = &w.db_backups[i];
    let mut v = json!({
        "uuid": b.uuid.to_string(), "name": b.name, "description": b.description,
        "state": b.state, "status": b.status, "size": b.size, "metadata": b.metadata,
        "backupStorageRefs": backup_refs(w, "databaseBackupUuid", b.uuid, &b.refs),
    });
    stamp(&mut v, &b.stamp);
    v
}

pub fn long_job(w: &World, i: usize) -> Value {
    let j = &w.long_jobs[i];
    let mut v = json!({
        "uuid": j.uuid.to_string(), "name": j.name, "description": j.description,
        "apiId": j.api_id.to_string(), "jobName": j.job_name, "jobData": j.job_data,
        "jobResult": j.job_result, "state": j.state,
        "targetResourceUuid": j.target.map(|u| u.to_string()),
        "managementNodeUuid": w.mn.uuid.to_string(), "executeTime": j.execute_secs,
    });
    stamp(&mut v, &j.stamp);
    v
}

pub fn session(w: &World, s: &Session) -> Value {
    json!({
        "uuid": s.uuid.to_string(), "accountUuid": w.account_uuid.to_string(),
        "userUuid": w.account_uuid.to_string(), "userType": "AccountVO",
        "expiredDate": java_date(s.expire), "createDate": java_date(s.create),
        "noSessionEvaluation": false,
    })
}
