//! Clusters, hosts, VDSes, VLANs, VMs, VM disks, VM volumes and iSCSI LUN snapshots: how
//! they render, and the VM power operations (`start-vm`, `shutdown-vm`, `poweroff-vm`).
//!
//! * Each cluster has one VDS (`vds-ovsbr-internal`, bridge `ovsbr-internal`, type `VM`,
//!   bond `active-backup`) carrying all of its VLANs, VM networks as well as management
//!   and storage. Its `nics` are `[]`, like the hosts' (physical NICs are not modelled).
//!
//! * Power operations take `{where: VmWhereInput}` and answer one `WithTask<Vm>` per VM
//!   matched (none matched: `[]`). Start: 5 s (`data.host_id`, if given, must be in the
//!   VM's cluster and is where it runs); shutdown (graceful, needs VMTools
//!   `RUNNING`, otherwise 400): 8 s; poweroff: 2 s. A VM already in the wanted state, busy
//!   (`ResourceLocked`), or on a disconnected cluster is refused with a 400.

use serde_json::{Value, json};

use super::tasks::{new_task, percent_steps};
use super::wire::{ApiError, ApiResult, ts};
use super::world::*;
use super::{Req, matched};

fn nested(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name})
}

pub fn nested_cluster(w: &World, c: usize) -> Value {
    nested(&w.clusters[c].id, &w.clusters[c].name)
}

pub fn nested_vds(w: &World, d: usize) -> Value {
    nested(&w.vdses[d].id, &w.vdses[d].name)
}

pub fn nested_host(w: &World, h: usize) -> Value {
    let host = &w.hosts[h];
    json!({"id": host.id, "name": host.name, "management_ip": host.ip})
}

pub fn nested_vm(w: &World, v: usize) -> Value {
    if w.vms[v].gone {
        Value::Null
    } else {
        nested(&w.vms[v].id, &w.vms[v].name)
    }
}

/// A sum that sticks at `i64::MAX` / `i64::MIN` instead of overflowing.
fn saturating_sum(it: impl Iterator<Item = i64>) -> i64 {
    it.fold(0, i64::saturating_add)
}

pub fn cluster(w: &World, c: usize) -> Value {
    let cl = &w.clusters[c];
    let vms: Vec<&Vm> = w.vms.iter().filter(|v| v.cluster == c && !v.gone).collect();
    let count = |s: &str| vms.iter().filter(|v| v.status == s).count();
    let hosts: Vec<&Host> = cl.hosts.iter().map(|&h| &w.hosts[h]).collect();
    let cores: i64 = hosts.iter().map(|h| h.cores).sum();
    let mem: i64 = hosts.iter().map(|h| h.memory).sum();
    let prov_mem = saturating_sum(vms.iter().map(|v| v.memory));
    let prov_cores = saturating_sum(vms.iter().map(|v| v.vcpu));
    let active_cores = saturating_sum(vms.iter().filter(|v| v.status == "RUNNING").map(|v| v.vcpu));
    let hz = cores * 2_100_000_000;
    let used_mem: f64 = vms
        .iter()
        .filter(|v| v.status == "RUNNING")
        .map(|v| v.memory as f64 * v.memory_usage / 100.0)
        .sum::<f64>()
        + hosts.len() as f64 * 24.0 * GIB as f64;
    let connected = cl.connected;
    let vdses: Vec<Value> = (0..w.vdses.len())
        .filter(|&d| w.vdses[d].cluster == c)
        .map(|d| nested_vds(w, d))
        .collect();
    super::wire::join_all([
        json!({
            "id": cl.id,
            "name": cl.name,
            "local_id": cl.local_id,
            "ip": cl.ip,
            "version": cl.version,
            "type": cl.kind,
            "architecture": cl.arch,
            "hypervisor": "ELF",
            "connect_state": if connected { "CONNECTED" } else { "DISCONNECTED" },
            "disconnected_date": cl.disconnected_ms.map(ts),
            "disconnected_reason": if connected { None } else { Some("LOAD_CLUSTER_NETWORK_ERROR") },
            "dns": ["10.0.0.2", "114.114.114.114"],
            "ntp_servers": ["ntp.aliyun.com"],
            "ntp_mode": "EXTERNAL",
        }),
        json!({
            "recommended_cpu_models": if cl.arch == "AARCH64" { vec!["Kunpeng-920"] } else { vec!["Cascadelake-Server", "Skylake-Server"] },
            "total_cpu_models": if cl.arch == "AARCH64" { vec!["Kunpeng-920"] } else { vec!["Cascadelake-Server", "Skylake-Server", "Broadwell"] },
            "current_cpu_model": if cl.arch == "AARCH64" { "Kunpeng-920" } else { "Cascadelake-Server" },
            "management_vip": cl.ip,
            "iscsi_vip": format!("10.{}.1.10", cl.net),
            "mgt_gateway": format!("10.{}.0.1", cl.net),
            "mgt_netmask": "255.255.255.0",
            "software_edition": cl.edition,
            "license_type": "PERPETUAL",
            "license_serial": cl.license_serial,
            "license_sign_date": ts(cl.created_ms),
            "license_expire_date": null,
            "maintenance_start_date": ts(cl.created_ms),
            "maintenance_end_date": ts(cl.created_ms + 3 * 365 * 86_400_000),
        }),
        json!({
            "entityAsyncStatus": null,
            "host_num": hosts.len(),
            "vm_num": vms.len(),
            "running_vm_num": count("RUNNING"),
            "stopped_vm_num": count("STOPPED"),
            "suspended_vm_num": count("SUSPENDED"),
            "total_cpu_cores": cores,
            "total_cpu_sockets": hosts.iter().map(|h| h.sockets).sum::<i64>(),
            "total_cpu_hz": hz,
            "used_cpu_hz": if connected { hz as f64 * 0.18 } else { 0.0 },
            "total_memory_bytes": mem,
            "used_memory_bytes": used_mem,
            "provisioned_memory_bytes": prov_mem,
            "provisioned_cpu_cores": prov_cores,
        }),
        json!({
            "provisioned_cpu_cores_for_active_vm": active_cores,
            "provisioned_ratio": (prov_mem as f64 / mem.max(1) as f64 * 10_000.0).round() / 10_000.0,
            "provisioned_for_active_vm_ratio": (active_cores as f64 / cores.max(1) as f64 * 10_000.0).round() / 10_000.0,
            "total_data_capacity": cl.capacity,
            "used_data_space": cl.used_space,
            "valid_data_space": cl.capacity,
            "failure_data_space": 0,
            "total_cache_capacity": hosts.len() as i64 * 1600 * GIB,
            "max_chunk_num": 255,
            "max_physical_data_capacity": cl.capacity * 2,
            "max_physical_data_capacity_per_node": cl.capacity * 2 / hosts.len().max(1) as i64,
            "migration_data_size": 0,
            "migration_speed": 0,
            "recover_data_size": 0,
        }),
        json!({
            "recover_speed": 0,
            "reserved_cpu_cores_for_system_service": hosts.len() as i64 * 4,
            "application_highest_version": null,
            "upgrade_tool_version": null,
            "auto_converge": true,
            "has_metrox": false,
            "is_all_flash": cl.net == 10,
            "stretch": false,
            "rdma_enabled": false,
            "vhost_enabled": cl.kind == "SMTX_OS",
            "nvmf_enabled": false,
            "nvme_over_tcp_enabled": false,
            "nvme_over_rdma_enabled": false,
            "pmem_enabled": false,
        }),
        json!({
            "applications": [],
            "consistency_groups": [],
            "datacenters": [],
            "hosts": cl.hosts.iter().map(|&h| nested_host(w, h)).collect::<Vec<_>>(),
            "labels": [],
            "vdses": vdses,
            "vm_folders": [],
            "vm_templates": [],
            "vms": vms.iter().map(|v| nested(&v.id, &v.name)).collect::<Vec<_>>(),
            "zones": [],
            "settings": null,
            "everoute_cluster": null,
            "witness": null,
            "vcenterAccount": null,
        }),
        json!({
            "metro_availability_checklist": null,
        }),
    ])
}

pub fn host(w: &World, h: usize) -> Value {
    let host = &w.hosts[h];
    let vms: Vec<&Vm> = w
        .vms
        .iter()
        .filter(|v| v.host == Some(h) && !v.gone)
        .collect();
    let count = |s: &str| vms.iter().filter(|v| v.status == s).count();
    let prov_mem = saturating_sum(vms.iter().map(|v| v.memory));
    let running_mem = saturating_sum(
        vms.iter()
            .filter(|v| v.status != "STOPPED")
            .map(|v| v.memory),
    );
    let os_mem = 24 * GIB;
    let connected = w.clusters[host.cluster].connected;
    super::wire::join_all([
        json!({
            "id": host.id,
            "name": host.name,
            "local_id": host.local_id,
            "cluster": nested_cluster(w, host.cluster),
            "management_ip": host.ip,
            "data_ip": host.data_ip,
            "access_ip": host.ip,
            "hypervisor_ip": host.ip,
            "vmotion_ip": null,
            "allocatable_memory_bytes": host.memory.saturating_sub(os_mem).saturating_sub(running_mem),
            "allocable_cpu_cores_for_vm_exclusive": host.cores - 8,
            "chunk_id": format!("{}", h + 1),
            "compatible_cpu_models": if host.cpu_model.starts_with("Kunpeng") { vec!["Kunpeng-920"] } else { vec!["Cascadelake-Server", "Skylake-Server"] },
            "cpu_brand": host.cpu_model,
        }),
        json!({
            "cpu_model": host.cpu_model,
            "cpu_vendor": if host.cpu_model.starts_with("Kunpeng") { "HiSilicon" } else { "GenuineIntel" },
            "cpu_fan_speed": [7200.0, 7150.0],
            "cpu_fan_speed_unit": "RPM",
            "cpu_hz_per_core": 2_100_000_000i64,
            "cpu_temperature_celsius": [52, 55],
            "disks": [],
            "entityAsyncStatus": null,
            "failure_data_space": 0,
            "gpu_devices": [],
            "hdd_data_capacity": host.disks * 4000 * GIB,
            "hdd_disk_count": host.disks,
            "host_state": null,
            "iommu": "ENABLE",
        }),
        json!({
            "ipmi": null,
            "is_os_in_raid1": true,
            "labels": [],
            "lsm_cap_disk_safe_umount": true,
            "model": host.model,
            "nested_virtualization": false,
            "nic_count": 4,
            "nics": [],
            "node_topo_local_id": null,
            "os_memory_bytes": os_mem,
            "os_version": "el7.x86_64",
            "pmem_dimm_capacity": 0,
            "pmem_dimm_count": 0,
            "pmem_dimms": [],
        }),
        json!({
            "pmem_disk_count": 0,
            "provisioned_cpu_cores": vms.iter().map(|v| v.vcpu).sum::<i64>(),
            "provisioned_memory_bytes": prov_mem,
            "running_pause_vm_memory_bytes": running_mem,
            "running_vm_num": count("RUNNING"),
            "stopped_vm_num": count("STOPPED"),
            "suspended_vm_num": count("SUSPENDED"),
            "vm_num": vms.len(),
            "scvm_cpu": 8,
            "scvm_memory": 16 * GIB,
            "scvm_name": null,
            "serial": host.serial,
            "ssd_data_capacity": 2 * 1600 * GIB,
            "ssd_disk_count": 2,
        }),
        json!({
            "state": "IN_USE",
            "status": host.status,
            "total_cache_capacity": 2 * 1600 * GIB,
            "total_cpu_cores": host.cores,
            "total_cpu_hz": host.cores * 2_100_000_000,
            "total_cpu_sockets": host.sockets,
            "total_data_capacity": host.disks * 4000 * GIB,
            "total_memory_bytes": host.memory,
            "usb_devices": [],
            "used_cpu_hz": if connected { host.cores as f64 * 2.1e9 * 0.2 } else { 0.0 },
            "used_data_space": host.disks * 1200 * GIB,
            "used_memory_bytes": os_mem.saturating_add(running_mem / 2) as f64,
            "vms": vms.iter().map(|v| nested(&v.id, &v.name)).collect::<Vec<_>>(),
            "vsphereEsxiAccount": null,
        }),
        json!({
            "with_faster_ssd_as_cache": true,
            "zone": null,
        }),
    ])
}

pub fn vds(w: &World, d: usize) -> Value {
    let vds = &w.vdses[d];
    let vlans: Vec<Value> = (0..w.vlans.len())
        .filter(|&v| w.vlans[v].vds == d)
        .map(|v| nested(&w.vlans[v].id, &w.vlans[v].name))
        .collect();
    json!({
        "id": vds.id,
        "local_id": vds.local_id,
        "name": vds.name,
        "cluster": nested_cluster(w, vds.cluster),
        "type": "VM",
        "internal": false,
        "ovsbr_name": vds.ovsbr_name,
        "bond_mode": vds.bond_mode,
        "work_mode": null,
        "vlans_num": vlans.len(),
        "vlans": vlans,
        "nics": [],
        "labels": [],
        "everoute_cluster": null,
        "entityAsyncStatus": null,
    })
}

pub fn vlan(w: &World, i: usize) -> Value {
    let v = &w.vlans[i];
    let nics: Vec<Value> = w
        .vms
        .iter()
        .filter(|vm| !vm.gone && vm.cluster == v.cluster)
        .flat_map(|vm| vm.nics.iter())
        .filter(|n| n.vlan == i)
        .map(|n| json!({"id": n.id}))
        .collect();
    json!({
        "id": v.id,
        "local_id": v.local_id,
        "name": v.name,
        "vlan_id": v.vlan_id,
        "type": v.kind,
        "mode_type": "VLAN_ACCESS",
        "network_ids": [],
        "gateway_ip": v.gateway,
        "gateway_subnetmask": v.subnet,
        "subnetmask": v.subnet,
        "qos_burst": null,
        "qos_max_bandwidth": null,
        "qos_min_bandwidth": null,
        "qos_priority": null,
        "entityAsyncStatus": null,
        "labels": [],
        "vds": nested_vds(w, v.vds),
        "vm_nics": nics,
    })
}

pub fn vm(w: &World, v: usize) -> Value {
    let vm = &w.vms[v];
    let vols: Vec<&Volume> = vm
        .disks
        .iter()
        .filter_map(|&d| w.disks[d].volume)
        .map(|x| &w.volumes[x])
        .collect();
    let size: i64 = vols.iter().map(|x| x.size).sum();
    let used: i64 = vols.iter().map(|x| x.used).sum();
    let guest = vm.tools == "RUNNING";
    let ips: Vec<&str> = vm
        .nics
        .iter()
        .map(|n| n.ip.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    super::wire::join_all([
        json!({
            "id": vm.id,
            "name": vm.name,
            "status": vm.status,
            "local_id": vm.local_id,
            "vcpu": vm.vcpu,
            "cpu": {"cores": vm.cores, "sockets": vm.sockets},
            "cpu_model": vm.cpu_model,
            "guest_cpu_model": null,
            "memory": vm.memory,
            "description": vm.description,
            "ha": vm.ha,
            "firmware": vm.firmware,
            "clock_offset": vm.clock_offset,
            "in_recycle_bin": false,
        }),
        json!({
            "internal": false,
            "ips": ips.join(","),
            "nested_virtualization": false,
            "node_ip": vm.host.map(|h| w.hosts[h].ip.clone()).unwrap_or_default(),
            "out_uninstall_usb": [],
            "protected": false,
            "vm_tools_status": vm.tools,
            "vm_tools_version": vm.tools_version,
            "win_opt": vm.win_opt,
            "cluster": nested_cluster(w, vm.cluster),
            "host": vm.host.map(|h| nested_host(w, h)),
            "folder": null,
            "labels": [],
            "vm_disks": vm.disks.iter().filter(|&&d| !w.disks[d].gone).map(|&d| json!({"id": w.disks[d].id})).collect::<Vec<_>>(),
        }),
        json!({
            "vm_nics": vm.nics.iter().map(|n| json!({"id": n.id})).collect::<Vec<_>>(),
            "snapshots": vm.snapshots.iter().map(|&s| nested(&w.snapshots[s].id, &w.snapshots[s].name)).collect::<Vec<_>>(),
            "snapshot_plan": null,
            "backup_plans": vm.plans.iter().map(|&p| nested(&w.plans[p].id, &w.plans[p].name)).collect::<Vec<_>>(),
            "gpu_devices": [],
            "pci_nics": [],
            "usb_devices": [],
            "vm_placement_group": [],
            "isolation_policy": null,
            "entity_filter_results": [],
            "entityAsyncStatus": vm.state.map(Async::as_str),
            "guest_os_type": vm.guest_os,
            "os": vm.os,
            "hostname": vm.hostname,
        }),
        json!({
            "kernel_info": if guest && vm.guest_os == "LINUX" { Some("3.10.0-1160.el7.x86_64") } else { None },
            "dns_servers": if guest { Some("10.0.0.2") } else { None },
            "bios_uuid": vm.bios_uuid,
            "original_name": null,
            "vm_usage": null,
            "video_type": "CIRRUS",
            "io_policy": "RESTRICT_EACH_DISK",
            "max_bandwidth": null,
            "max_bandwidth_policy": null,
            "max_iops": null,
            "max_iops_policy": null,
            "cpu_usage": vm.cpu_usage,
            "memory_usage": vm.memory_usage,
            "guest_used_size": if guest { Some(used / 10 * 9) } else { None },
        }),
        json!({
            "guest_size_usage": if guest { Some(((used as f64 * 0.9) / size.max(1) as f64 * 10_000.0).round() / 10_000.0) } else { None },
            "size": size,
            "provisioned_size": size,
            "logical_size_bytes": size,
            "unique_size": used,
            "unique_logical_size": used as f64,
            "used_size": used,
            "used_size_usage": (used as f64 / size.max(1) as f64 * 10_000.0).round() / 10_000.0,
            "local_created_at": ts(vm.created_ms),
            "last_shutdown_time": vm.last_shutdown_ms.map(ts),
            "deleted_at": null,
            "cloud_init_supported": false,
        }),
    ])
}

pub fn vm_disk(w: &World, d: usize) -> Value {
    let disk = &w.disks[d];
    let cd = disk.kind == "CD_ROM";
    json!({
        "id": disk.id,
        "boot": disk.boot,
        "bus": disk.bus,
        "type": disk.kind,
        "vm": nested(&w.vms[disk.vm].id, &w.vms[disk.vm].name),
        "vm_volume": disk.volume.map(|v| nested(&w.volumes[v].id, &w.volumes[v].name)),
        "elf_image": null,
        "svt_image": null,
        "device": disk.device,
        "serial": if cd { None } else { Some(disk.serial.clone()) },
        "key": disk.key,
        "disabled": false,
        "cloud_init_image_name": null,
        "cloud_init_image_path": null,
        "unsafe_image_path": null,
        "unsafe_image_uuid": null,
        "unsafe_provision": null,
        "max_iops": if cd { None } else { Some(0) },
        "max_iops_policy": if cd { None } else { Some("DYNAMIC") },
        "max_bandwidth": if cd { None } else { Some(0) },
        "max_bandwidth_policy": if cd { None } else { Some("DYNAMIC") },
    })
}

pub fn vm_volume(w: &World, i: usize) -> Value {
    let v = &w.volumes[i];
    let usage = (v.used as f64 / v.size.max(1) as f64 * 10_000.0).round() / 10_000.0;
    json!({
        "id": v.id,
        "name": v.name,
        "local_id": v.local_id,
        "local_created_at": ts(v.created_ms),
        "path": format!("/usr/share/smartx/volumes/{}", v.local_id),
        "size": v.size,
        "sharing": false,
        "mounting": v.disks.iter().any(|&d| !w.disks[d].gone),
        "elf_storage_policy": v.policy,
        "cluster": nested_cluster(w, v.cluster),
        "description": "",
        "type": "KVM_VOLUME_ISCSI",
        "lun": nested(&v.lun_id, &v.lun_name),
        "vm_disks": v.disks.iter().filter(|&&d| !w.disks[d].gone).map(|&d| json!({"id": w.disks[d].id})).collect::<Vec<_>>(),
        "labels": [],
        "entityAsyncStatus": null,
        "used_size": v.used,
        "used_size_usage": usage,
        "unique_size": v.used,
        "unique_logical_size": v.used as f64,
        "guest_used_size": null,
        "guest_size_usage": null,
    })
}

pub fn lun_snapshot(w: &World, i: usize) -> Value {
    let s = &w.lun_snapshots[i];
    let cl = &w.clusters[s.cluster];
    json!({
        "id": s.id,
        "name": s.name,
        "local_id": s.local_id,
        "local_created_at": ts(s.created_ms),
        "unique_size": s.unique_size,
        "iscsi_target": nested(&cl.target_id, &cl.target_name),
        "iscsi_lun": nested(&s.lun_id, &s.lun_name),
        "consistency_group_snapshot": null,
        "labels": [],
        "entityAsyncStatus": s.state.map(Async::as_str),
    })
}

// ---- power operations ---------------------------------------------------------------------

/// Refuses an operation on VM `v` that is gone, on a disconnected cluster, or busy.
pub fn check_operable(w: &World, v: usize) -> Result<(), ApiError> {
    let vm = &w.vms[v];
    let cl = &w.clusters[vm.cluster];
    if !cl.connected {
        return Err(ApiError::bad(
            format!(
                "Cluster {} is disconnected: VM {} cannot be operated",
                cl.name, vm.name
            ),
            format!("集群 {} 已断开连接，无法操作虚拟机 {}", cl.name, vm.name),
        ));
    }
    if let Some(t) = vm.busy
        && w.tasks[t].running(w.now)
    {
        return Err(ApiError::locked("VM", "虚拟机", &vm.name, &w.tasks[t].id));
    }
    if vm.state == Some(Async::Creating) {
        return Err(ApiError::locked("VM", "虚拟机", &vm.name, "creating"));
    }
    Ok(())
}

fn power_op(
    w: &mut World,
    req: &Req,
    (to, host): (&'static str, Option<usize>),
    secs: f64,
    (verb_en, verb_zh, key, mutation): (&str, &str, &str, &'static str),
) -> ApiResult {
    let vms = matched(w, req, Kind::Vm, &req.body["where"])?;
    for &v in &vms {
        check_operable(w, v)?;
        let vm = &w.vms[v];
        let ok = match to {
            "RUNNING" => vm.status != "RUNNING",
            _ => vm.status == "RUNNING" || vm.status == "SUSPENDED",
        };
        if !ok {
            return Err(ApiError::bad(
                format!("VM {} is {}: cannot {verb_en} it", vm.name, vm.status),
                format!("虚拟机 {} 当前状态为 {}，无法{verb_zh}", vm.name, vm.status),
            ));
        }
        if mutation == "shutDownVm" && vm.tools != "RUNNING" {
            return Err(ApiError::bad(
                format!(
                    "VM {} cannot shut down gracefully: VMTools is {} (use poweroff-vm)",
                    vm.name, vm.tools
                ),
                format!(
                    "虚拟机 {} 的 VMTools 状态为 {}，无法正常关机（请使用强制关机）",
                    vm.name, vm.tools
                ),
            ));
        }
    }
    let mut out = Vec::new();
    for v in vms {
        let name = w.vms[v].name.clone();
        let id = w.vms[v].id.clone();
        let mut task = new_task(
            w,
            req.user,
            Some(w.vms[v].cluster),
            (
                format!("{verb_en} VM {name}"),
                format!("{verb_zh}虚拟机 {name}"),
            ),
            key,
            ("Vm", id.clone(), name),
            mutation,
            json!({"where": {"id": id}}),
            percent_steps(&["power"]),
            Effect::Power { vm: v, to, host },
        );
        task.holds_vms = vec![v];
        let t = w.push_task(task, 0.5, secs);
        w.vms[v].state = Some(Async::Updating);
        out.push(json!({"task_id": w.tasks[t].id, "data": vm(w, v)}));
    }
    Ok(Value::Array(out))
}

pub fn start(w: &mut World, req: &Req) -> ApiResult {
    let host = match req.body["data"]["host_id"].as_str() {
        Some(h) => Some(
            w.lookup(Kind::Host, h)
                .ok_or_else(|| ApiError::not_found("Host", "主机", h))?,
        ),
        None => None,
    };
    if let Some(h) = host {
        for v in matched(w, req, Kind::Vm, &req.body["where"])? {
            if w.vms[v].cluster != w.hosts[h].cluster {
                return Err(ApiError::bad(
                    format!(
                        "Host {} is not in the cluster of VM {}",
                        w.hosts[h].name, w.vms[v].name
                    ),
                    format!(
                        "主机 {} 与虚拟机 {} 不在同一集群",
                        w.hosts[h].name, w.vms[v].name
                    ),
                ));
            }
        }
    }
    power_op(
        w,
        req,
        ("RUNNING", host),
        5.0,
        ("Start", "开机", "vm.start", "startVm"),
    )
}

pub fn shutdown(w: &mut World, req: &Req) -> ApiResult {
    power_op(
        w,
        req,
        ("STOPPED", None),
        8.0,
        ("Shut down", "关机", "vm.shutdown", "shutDownVm"),
    )
}

pub fn poweroff(w: &mut World, req: &Req) -> ApiResult {
    power_op(
        w,
        req,
        ("STOPPED", None),
        2.0,
        ("Power off", "强制关机", "vm.poweroff", "poweroffVm"),
    )
}

/// `delete-vm`: `VmDeleteParams` (`where`, `effect.include_snapshots`). A running or
/// suspended VM is refused (power it off first); the task (2 s) removes the VM with its
/// disks and volumes.
pub fn delete(w: &mut World, req: &Req) -> ApiResult {
    let vms = matched(w, req, Kind::Vm, &req.body["where"])?;
    for &v in &vms {
        check_operable(w, v)?;
        let vm = &w.vms[v];
        if vm.status == "RUNNING" || vm.status == "SUSPENDED" {
            return Err(ApiError::bad(
                format!(
                    "VM {} is {}: power it off before deleting it",
                    vm.name, vm.status
                ),
                format!(
                    "虚拟机 {} 当前状态为 {}，请先关机再删除",
                    vm.name, vm.status
                ),
            ));
        }
    }
    let mut out = Vec::new();
    for v in vms {
        let name = w.vms[v].name.clone();
        let id = w.vms[v].id.clone();
        let mut task = new_task(
            w,
            req.user,
            Some(w.vms[v].cluster),
            (format!("Delete VM {name}"), format!("删除虚拟机 {name}")),
            "vm.delete",
            ("Vm", id.clone(), name),
            "deleteVm",
            req.body.clone(),
            percent_steps(&["delete"]),
            Effect::DeleteVm { vm: v },
        );
        task.holds_vms = vec![v];
        let t = w.push_task(task, 0.5, 2.0);
        w.vms[v].state = Some(Async::Deleting);
        out.push(json!({"task_id": w.tasks[t].id, "data": vm(w, v)}));
    }
    Ok(Value::Array(out))
}

/// `get-vm-vnc-info` (seed 001): `{vm: VmWhereUniqueInput}` → `VmVncInfo`. The
/// `terminal` token is new on every call, derived from the VM and the sim clock so a
/// run is reproducible. A VM that is not running has no console to reach: 400.
pub fn vnc_info(w: &mut World, req: &Req) -> ApiResult {
    let by = &req.body["vm"];
    let v = match (by["id"].as_str(), by["local_id"].as_str()) {
        (Some(id), _) => w
            .lookup(Kind::Vm, id)
            .filter(|&v| !w.vms[v].gone)
            .ok_or_else(|| ApiError::not_found("Vm", "虚拟机", id))?,
        (None, Some(local)) => w
            .vms
            .iter()
            .position(|x| !x.gone && x.local_id == local)
            .ok_or_else(|| ApiError::not_found("Vm", "虚拟机", local))?,
        (None, None) => {
            return Err(ApiError::bad(
                "vm: one of id, local_id is required",
                "vm: 需要 id 或 local_id",
            ));
        }
    };
    let vm = &w.vms[v];
    if vm.status != "RUNNING" {
        return Err(ApiError::bad(
            format!(
                "VM {} is not running ({}): no VNC console",
                vm.name, vm.status
            ),
            format!("虚拟机 {} 未运行({}),无法打开 VNC 终端", vm.name, vm.status),
        ));
    }
    let cluster_ip = w.clusters[vm.cluster].ip.clone();
    let host_ip = vm.host.map(|h| w.hosts[h].ip.clone());
    let token = vnc_token(w.seed, &vm.id, w.now);
    Ok(json!({
        "vm": self::vm(w, v),
        "terminal": token,
        "redirect": format!("/vnc/{}", vm.local_id),
        "direct": host_ip.map(|ip| format!("{ip}:5900")),
        "cluster_ip": cluster_ip,
    }))
}

fn vnc_token(seed: u64, vm: &str, now_ms: i64) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"vmdeck-sim-cloudtower-vnc");
    h.update(seed.to_le_bytes());
    h.update(vm.as_bytes());
    h.update(now_ms.to_le_bytes());
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
