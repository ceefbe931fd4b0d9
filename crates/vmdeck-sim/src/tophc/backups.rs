//! VM backups (`compute/backup.md`).
//!
//! Choices the docs leave open:
//! * `list` is newest first per cluster; `filter_backup_name` and
//!   `filter_backup_description` are substring matches; `start_time`/`end_time` keep
//!   `start_time <= create_time <= end_time` (0 = unset).
//! * `inspect` without `cluster_uuid` searches every reachable cluster.
//! * `create`: the backup is listed at once with status 1 and the VM's action is
//!   `backing_up`; after 20 s + 0.02 s per GiB of disk it becomes status 0 — or status 2
//!   after 10 s if the backup point is unhealthy (`Bpstate:"unhealthy"`).
//! * `delete` of a backup in progress: 22405. Deleting also removes the data from the
//!   backup point (so it leaves `remote/list`).
//! * `restore`: every documented field is required (10001 naming the first one missing);
//!   the backup must have status 0 (22402); `zone_uuid` (10203), `object_group` (10204),
//!   each `pool_uuid` (10205) must exist in the cluster, each `target_device` must be one
//!   of the backup's disks (22406), `new_vm_name` must be unused in the cluster (22007).
//!   The new VM belongs to the object group's tenant, starts `shutoff` with action
//!   `restoring` for 30 s + 0.01 s per GiB, then becomes `noaction`.
//! * `remote/list` needs `cluster_uuid` and `backuppoint_uuid`; it lists this cluster's
//!   backups on that point and the ones other clusters left there, newest first;
//!   `vm_infos` covers the VMs of the page. `Filename` is `vm_<VmUUID>/<UUID>.meta`,
//!   `ExpiredTime` 0.
//! * `remote/import` is all-or-nothing: each item needs `UUID` and `BpUUID` (a backup
//!   point of the cluster, else 10206); one already in the cluster's list is 22403; one not
//!   on that backup point is 22404. Imported backups belong to the backup point's tenant.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::wire::{self, ApiError, ApiResult, Query};
use super::world::*;
use crate::ids::Uid;

/// A `ComputeBackupBaseInfo`.
pub fn backup_json(w: &World, b: &Backup) -> Value {
    let tn = &w.tenants[b.tenant];
    let cl = &w.clusters[b.cluster];
    let bp = &w.bps[b.bp];
    let disks: Vec<Value> = b
        .disks
        .iter()
        .map(|d| {
            json!({
                "target_device": d.dev,
                "backup_uuid": d.backup_uuid.to_string(),
                "capacity": d.capacity,
                "replica": d.replica,
                "share": d.share,
            })
        })
        .collect();
    json!({
        "tenant": tn.uuid.to_string(),
        "tenant_name": tn.name,
        "cluster_uuid": cl.uuid.to_string(),
        "cluster_name": cl.name,
        "namespace": b.namespace.to_string(),
        "uuid": b.uuid.to_string(),
        "compute_uuid": b.compute_uuid.to_string(),
        "compute_name": b.compute_name,
        "backup_point_uuid": bp.uuid.to_string(),
        "backup_point_name": bp.name,
        "name": b.name,
        "description": b.description,
        "create_time": b.create_time,
        "status": b.status,
        "disks": disks,
    })
}

/// The parts of a `ComputeVmBackup` both kinds of backup have.
struct RawBackup<'a> {
    uuid: Uid,
    namespace: Uid,
    vm_uuid: Uid,
    bp: usize,
    name: &'a str,
    desc: &'a str,
    ctime: i64,
    status: u8,
    disks: &'a [BackupDisk],
    cluster: (Uid, &'a str),
}

/// A `ComputeRemoteBackup` (`ComputeVmBackup` + `ClusterIdentifier`).
fn remote_json(w: &World, r: &RawBackup) -> Value {
    let mut disks = Map::new();
    for d in r.disks {
        disks.insert(
            d.dev.clone(),
            json!({
                "BackupUUID": d.backup_uuid.to_string(),
                "Capacity": d.capacity,
                "Replica": d.replica,
                "VolSnapUUID": d.volsnap.to_string(),
                "share": d.share,
            }),
        );
    }
    json!({
        "UUID": r.uuid.to_string(),
        "NsUUID": r.namespace.to_string(),
        "VmUUID": r.vm_uuid.to_string(),
        "BpUUID": w.bps[r.bp].uuid.to_string(),
        "Name": r.name,
        "Desc": r.desc,
        "Ctime": r.ctime,
        "DiskBackups": disks,
        "Status": r.status,
        "Filename": format!("vm_{}/{}.meta", r.vm_uuid, r.uuid),
        "ExpiredTime": 0,
        "cluster_uuid": r.cluster.0.to_string(),
        "cluster_name": r.cluster.1,
        "cluster_mode": "",
    })
}

fn raw_own<'a>(w: &'a World, b: &'a Backup) -> RawBackup<'a> {
    RawBackup {
        uuid: b.uuid,
        namespace: b.namespace,
        vm_uuid: b.compute_uuid,
        bp: b.bp,
        name: &b.name,
        desc: &b.description,
        ctime: b.create_time,
        status: b.status,
        disks: &b.disks,
        cluster: (w.clusters[b.cluster].uuid, &w.clusters[b.cluster].name),
    }
}

fn raw_foreign(f: &ForeignBackup) -> RawBackup<'_> {
    RawBackup {
        uuid: f.uuid,
        namespace: f.namespace,
        vm_uuid: f.vm_uuid,
        bp: f.bp,
        name: &f.name,
        desc: &f.description,
        ctime: f.ctime,
        status: f.status,
        disks: &f.disks,
        cluster: (f.origin_uuid, &f.origin_name),
    }
}

/// `{VmUUID: {Name}}` for the given backups: the VM's current name where we know the VM.
fn vm_infos(w: &World, items: &[(Uid, &str)]) -> Value {
    let mut m = Map::new();
    for (vm, recorded) in items {
        let name = w
            .vm_index
            .get(vm)
            .map(|&i| w.vms[i].name.as_str())
            .unwrap_or(recorded);
        m.insert(vm.to_string(), json!({ "Name": name }));
    }
    Value::Object(m)
}

/// `GET /v1/compute/backup/list`
pub fn list(w: &mut World, q: &Query) -> ApiResult {
    let paging = q.paging()?;
    let tenant = q.s("tenant");
    let vm = q.s("filter_vm_uuid");
    let vm_uid = Uid::parse(vm);
    let name = q.s("filter_backup_name");
    let bp = q.s("filter_backup_point_uuid");
    let bp_uid = Uid::parse(bp);
    let desc = q.s("filter_backup_description");
    let start = q.int("start_time")?.unwrap_or(0);
    let end = q.int("end_time")?.unwrap_or(0);
    let (found, states) = w.fan_out(q.s("cluster_uuid"), tenant, |c| {
        w.clusters[c]
            .backup_order
            .iter()
            .copied()
            .filter(|&i| {
                let b = &w.backups[i];
                (vm.is_empty() || vm_uid == Some(b.compute_uuid))
                    && (bp.is_empty() || bp_uid == Some(w.bps[b.bp].uuid))
                    && b.name.contains(name)
                    && b.description.contains(desc)
                    && (start <= 0 || b.create_time >= start)
                    && (end <= 0 || b.create_time <= end)
                    && w.tenant_matches(tenant, b.tenant)
            })
            .collect()
    })?;
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|&i| backup_json(w, &w.backups[i]))
        .collect();
    Ok(json!({ "list": list, "total_count": found.len(), "each_range_list_state": states }))
}

/// `GET /v1/compute/backup/inspect`
pub fn inspect(w: &mut World, q: &Query) -> ApiResult {
    let backup = q.req("backup_uuid")?;
    let clusters = w.scope(q.s("cluster_uuid"))?;
    let b = clusters
        .into_iter()
        .filter(|&c| w.reachable(c).is_ok())
        .find_map(|c| w.backup_in(c, backup).ok())
        .filter(|&b| w.tenant_matches(q.s("tenant"), w.backups[b].tenant))
        .ok_or_else(|| ApiError::new(wire::BACKUP_NOT_EXIST, backup))?;
    Ok(backup_json(w, &w.backups[b]))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateBody {
    cluster_uuid: String,
    tenant: String,
    backup_point_uuid: String,
    compute_uuid: String,
    backup_name: String,
    description: String,
    full_backup: bool,
    // the rest of `CommonClusterTenantScope`, typed so wrong types are refused
    cluster_name: String,
    tenant_name: String,
    namespace_uuid: String,
    namespace_name: String,
    multiple: bool,
    vm_type: String,
}

/// `POST /v1/compute/backup/create`
pub fn create(w: &mut World, b: CreateBody) -> ApiResult {
    let c = w.cluster(&b.cluster_uuid)?;
    for (field, v) in [
        ("backup_point_uuid", &b.backup_point_uuid),
        ("compute_uuid", &b.compute_uuid),
        ("backup_name", &b.backup_name),
    ] {
        if v.is_empty() {
            return Err(ApiError::required(field));
        }
    }
    let i = w.vm(&b.cluster_uuid, &b.tenant, &b.compute_uuid)?;
    let bp = w.bp_in(c, &b.backup_point_uuid)?;
    w.vms[i].check_idle()?;
    let _ = b.full_backup;
    let uuid = w.new_uid();
    let vm = &w.vms[i];
    let disk_specs: Vec<(String, u64, u32)> = vm
        .disks
        .iter()
        .map(|d| (d.dev.clone(), d.capacity, w.pools[d.pool].replica))
        .collect();
    let gib = vm.capacity() / GIB;
    let (tenant, compute_uuid, compute_name) = (vm.tenant, vm.uuid, vm.name.clone());
    let disks = disk_specs
        .into_iter()
        .map(|(dev, capacity, replica)| BackupDisk {
            dev,
            backup_uuid: Uid::random(&mut w.rng),
            capacity,
            replica,
            share: false,
            volsnap: Uid::random(&mut w.rng),
        })
        .collect();
    let idx = w.backups.len();
    w.backups.push(Backup {
        uuid,
        cluster: c,
        tenant,
        namespace: w.tenants[tenant].namespace,
        compute_uuid,
        compute_name,
        bp,
        name: b.backup_name,
        description: b.description,
        create_time: w.unix,
        status: 1,
        disks,
        deleted: false,
    });
    w.backup_index.insert(uuid, idx);
    w.clusters[c].backup_order.insert(0, idx);
    let secs = if w.bps[bp].healthy {
        BACKUP_BASE_SECS + BACKUP_SECS_PER_GIB * gib as f64
    } else {
        BACKUP_FAIL_SECS
    };
    w.start_op(i, OpKind::BackingUp { backup: idx }, secs);
    Ok(json!({ "backup_uuid": uuid.to_string() }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteBody {
    cluster_uuid: String,
    tenant: String,
    backup_uuid: String,
    backup_name: String,
}

/// `POST /v1/compute/backup/delete`
pub fn delete(w: &mut World, b: DeleteBody) -> ApiResult {
    let c = w.cluster(&b.cluster_uuid)?;
    let idx = w.backup_in(c, &b.backup_uuid)?;
    if !w.tenant_matches(&b.tenant, w.backups[idx].tenant) {
        return Err(ApiError::new(wire::BACKUP_NOT_EXIST, b.backup_uuid));
    }
    if w.backups[idx].status == 1 {
        return Err(ApiError::new(wire::BACKUP_IN_PROGRESS, b.backup_name));
    }
    w.backups[idx].deleted = true;
    let uuid = w.backups[idx].uuid;
    w.backup_index.remove(&uuid);
    w.clusters[c].backup_order.retain(|&i| i != idx);
    w.foreign.retain(|f| f.uuid != uuid);
    Ok(json!({}))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RestoreDisk {
    target_device: String,
    pool_uuid: String,
    volume_name: String,
    usd_type: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RestoreBody {
    cluster_uuid: String,
    tenant: String,
    backup_uuid: String,
    backup_name: String,
    new_vm_name: String,
    restore_disks: Vec<RestoreDisk>,
    object_group: String,
    zone_uuid: String,
    compute_uuid: String,
    compute_name: String,
    multiple: bool,
    vm_type: String,
}

/// `POST /v1/compute/backup/restore`: always a new VM, restoring asynchronously.
pub fn restore(w: &mut World, b: RestoreBody) -> ApiResult {
    if b.cluster_uuid.is_empty() {
        return Err(ApiError::required("cluster_uuid"));
    }
    for (field, v) in [
        ("backup_uuid", &b.backup_uuid),
        ("new_vm_name", &b.new_vm_name),
    ] {
        if v.is_empty() {
            return Err(ApiError::required(field));
        }
    }
    if b.restore_disks.is_empty() {
        return Err(ApiError::required("restore_disks"));
    }
    for d in &b.restore_disks {
        for (field, v) in [
            ("restore_disks.target_device", &d.target_device),
            ("restore_disks.pool_uuid", &d.pool_uuid),
            ("restore_disks.volume_name", &d.volume_name),
            ("restore_disks.usd_type", &d.usd_type),
        ] {
            if v.is_empty() {
                return Err(ApiError::required(field));
            }
        }
    }
    for (field, v) in [
        ("object_group", &b.object_group),
        ("zone_uuid", &b.zone_uuid),
    ] {
        if v.is_empty() {
            return Err(ApiError::required(field));
        }
    }
    let c = w.cluster(&b.cluster_uuid)?;
    let bi = w.backup_in(c, &b.backup_uuid)?;
    let backup = &w.backups[bi];
    if backup.status != 0 {
        return Err(ApiError::new(
            wire::BACKUP_NOT_AVAILABLE,
            format!("status {}", backup.status),
        ));
    }
    let zone = Uid::parse(&b.zone_uuid)
        .and_then(|u| {
            w.clusters[c]
                .zones
                .iter()
                .copied()
                .find(|&z| w.zones[z].uuid == u)
        })
        .ok_or_else(|| ApiError::new(wire::ZONE_NOT_EXIST, b.zone_uuid.clone()))?;
    let group = Uid::parse(&b.object_group)
        .and_then(|u| {
            (0..w.groups.len()).find(|&g| w.groups[g].cluster == c && w.groups[g].uuid == u)
        })
        .ok_or_else(|| ApiError::new(wire::GROUP_NOT_EXIST, b.object_group.clone()))?;
    let mut seen = HashSet::new();
    let mut disks = Vec::new();
    for (k, d) in b.restore_disks.iter().enumerate() {
        let bd = backup
            .disks
            .iter()
            .find(|x| x.dev == d.target_device)
            .filter(|_| seen.insert(d.target_device.clone()))
            .ok_or_else(|| ApiError::new(wire::BACKUP_DISK_NOT_EXIST, d.target_device.clone()))?;
        let pool = Uid::parse(&d.pool_uuid)
            .and_then(|u| {
                w.clusters[c]
                    .pools
                    .iter()
                    .copied()
                    .find(|&p| w.pools[p].uuid == u && !w.pools[p].repo)
            })
            .ok_or_else(|| ApiError::new(wire::POOL_NOT_EXIST, d.pool_uuid.clone()))?;
        let bus = match d.target_device.get(..2) {
            Some("vd") => "virtio",
            Some("hd") => "ide",
            _ => "scsi",
        };
        disks.push((
            d.target_device.clone(),
            bus,
            d.volume_name.clone(),
            bd.capacity,
            pool,
            k == 0,
        ));
    }
    if w.clusters[c]
        .vm_order
        .iter()
        .any(|&i| w.vms[i].name == b.new_vm_name)
    {
        return Err(ApiError::new(wire::VM_NAME_EXISTS, b.new_vm_name));
    }
    let source = w.vm_index.get(&backup.compute_uuid).map(|&i| &w.vms[i]);
    let (os, cpus, sockets, mem, uefi) = source
        .map(|v| (v.os.clone(), v.cpus, v.sockets, v.mem, v.uefi))
        .unwrap_or_else(|| ("CentOS x64".to_string(), 2, 1, 4 * GIB, false));
    let gib: u64 = disks.iter().map(|d| d.3).sum::<u64>() / GIB;
    let tenant = w.groups[group].tenant;
    let uuid = w.new_uid();
    let disks: Vec<Disk> = disks
        .into_iter()
        .map(|(dev, bus, volume_name, capacity, pool, is_system)| Disk {
            dev,
            bus,
            volume_uuid: Uid::random(&mut w.rng),
            volume_name,
            capacity,
            used: 0,
            pool,
            is_system,
        })
        .collect();
    let mac_bits = w.new_uid().0;
    let nic = Nic {
        id: w.new_uid(),
        mac: format!(
            "52:56:ff:{:02x}:{:02x}:{:02x}",
            mac_bits as u8,
            (mac_bits >> 8) as u8,
            (mac_bits >> 16) as u8
        ),
        ips: Vec::new(),
        network: "vlan-业务网".to_string(),
        port_group: w.new_uid(),
        port_group_name: "pg-vlan14".to_string(),
        vlan: 14,
    };
    let i = w.vms.len();
    let parent_uuid = w.new_uid();
    w.vms.push(Vm {
        uuid,
        name: b.new_vm_name,
        cluster: c,
        tenant,
        zone,
        group,
        vm_type: "GUS",
        os,
        state: "shutoff",
        ga_state: "disconnected",
        has_agent: true,
        create_time: w.unix,
        modify_time: w.unix,
        cpus,
        sockets,
        mem,
        disks,
        nics: vec![nic],
        ha_mode: "on",
        uefi,
        host: None,
        parent_uuid,
        spice_port: 5900 + (i % 100) as u32,
        spice_password: format!("{:032x}", parent_uuid.0),
        external: false,
        load: Load::default(),
        snaps: Vec::new(),
        head: String::new(),
        op: None,
        agent_at: None,
    });
    w.vm_index.insert(uuid, i);
    w.clusters[c].vm_order.insert(0, i);
    w.start_op(
        i,
        OpKind::Restoring,
        RESTORE_BASE_SECS + RESTORE_SECS_PER_GIB * gib as f64,
    );
    Ok(json!({}))
}

/// `GET /v1/compute/backup/remote/list`
pub fn remote_list(w: &mut World, q: &Query) -> ApiResult {
    let c = w.cluster(q.s("cluster_uuid"))?;
    let paging = q.paging()?;
    let bp = w.bp_in(c, q.req("backuppoint_uuid")?)?;
    let mut items: Vec<RawBackup> = w.clusters[c]
        .backup_order
        .iter()
        .map(|&i| &w.backups[i])
        .filter(|b| b.bp == bp)
        .map(|b| raw_own(w, b))
        .collect();
    items.extend(
        w.foreign
            .iter()
            .filter(|f| f.bp == bp && !w.backup_index.contains_key(&f.uuid))
            .map(raw_foreign),
    );
    items.sort_by_key(|r| std::cmp::Reverse(r.ctime));
    let page = paging.slice(&items);
    let backups: Vec<Value> = page.iter().map(|r| remote_json(w, r)).collect();
    let names: Vec<(Uid, &str)> = page
        .iter()
        .map(|r| {
            let recorded = w
                .foreign
                .iter()
                .find(|f| f.uuid == r.uuid)
                .map(|f| f.vm_name.as_str())
                .or_else(|| {
                    w.backup_index
                        .get(&r.uuid)
                        .map(|&i| w.backups[i].compute_name.as_str())
                })
                .unwrap_or("");
            (r.vm_uuid, recorded)
        })
        .collect();
    Ok(json!({
        "total_count": items.len(),
        "backups": backups,
        "vm_infos": vm_infos(w, &names),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportItem {
    #[serde(rename = "UUID")]
    uuid: String,
    #[serde(rename = "BpUUID")]
    bp_uuid: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportBody {
    cluster_uuid: String,
    backup: Vec<ImportItem>,
}

/// `POST /v1/compute/backup/remote/import`
pub fn remote_import(w: &mut World, b: ImportBody) -> ApiResult {
    let c = w.cluster(&b.cluster_uuid)?;
    if b.backup.is_empty() {
        return Err(ApiError::required("backup"));
    }
    let mut picked = Vec::new();
    let mut seen = HashSet::new();
    for item in &b.backup {
        if item.uuid.is_empty() {
            return Err(ApiError::required("backup.UUID"));
        }
        if item.bp_uuid.is_empty() {
            return Err(ApiError::required("backup.BpUUID"));
        }
        let bp = w.bp_in(c, &item.bp_uuid)?;
        let uuid = Uid::parse(&item.uuid);
        let present = uuid
            .and_then(|u| w.backup_index.get(&u))
            .is_some_and(|&i| w.backups[i].cluster == c);
        if present || uuid.is_some_and(|u| !seen.insert(u)) {
            return Err(ApiError::new(
                wire::BACKUP_ALREADY_EXISTS,
                item.uuid.clone(),
            ));
        }
        let f = uuid
            .and_then(|u| w.foreign.iter().position(|f| f.uuid == u && f.bp == bp))
            .ok_or_else(|| ApiError::new(wire::BACKUP_NOT_ON_BACKUP_POINT, item.uuid.clone()))?;
        picked.push(f);
    }
    let mut imported = Vec::new();
    for f in picked {
        let fb = w.foreign[f].clone();
        let tenant = w.bps[fb.bp].tenant;
        let idx = w.backups.len();
        w.backups.push(Backup {
            uuid: fb.uuid,
            cluster: c,
            tenant,
            namespace: w.tenants[tenant].namespace,
            compute_uuid: fb.vm_uuid,
            compute_name: fb.vm_name.clone(),
            bp: fb.bp,
            name: fb.name.clone(),
            description: fb.description.clone(),
            create_time: fb.ctime,
            status: fb.status,
            disks: fb.disks.clone(),
            deleted: false,
        });
        w.backup_index.insert(fb.uuid, idx);
        let order = &w.clusters[c].backup_order;
        let at = order.partition_point(|&i| w.backups[i].create_time >= fb.ctime);
        w.clusters[c].backup_order.insert(at, idx);
        imported.push(idx);
    }
    let backups: Vec<Value> = imported
        .iter()
        .map(|&i| remote_json(w, &raw_own(w, &w.backups[i])))
        .collect();
    let names: Vec<(Uid, &str)> = imported
        .iter()
        .map(|&i| {
            (
                w.backups[i].compute_uuid,
                w.backups[i].compute_name.as_str(),
            )
        })
        .collect();
    Ok(json!({ "backups": backups, "vm_infos": vm_infos(w, &names) }))
}
