//! VMs: list, inspect, state summary, power operations, restore progress.
//!
//! Choices the docs leave open:
//! * Lists are ordered per cluster newest first (`create_time` descending); a fan-out merges
//!   clusters in `cluster/list` order, then pages.
//! * `filter_name` is a case-sensitive substring match; `filter_uuid`, `filter_user_uuid`,
//!   `filter_host_type`, `filter_object_group`, `filter_zone`, `filter_state`,
//!   `filter_agent`, `filter_action` are exact; `filter_vm_ip` and `filter_mac_address` are
//!   substring matches (case-insensitive) on any NIC.
//! * A `tenant` that is not a tenant uuid of the cluster matches nothing (no error).
//! * `interface_ips` is an array of IP strings; `cluster_total_resource` is `null`.
//! * Operations need a `cluster_uuid` (10001 without); a non-empty `tenant` that is not
//!   the VM's makes the VM "not exist" (22002).
//! * start: `shutoff` + idle → `running` at once, agent `pending`, `connected` 8 s later.
//!   shutoff: `running` + idle → `shutoff` at once (22004 otherwise, e.g. `paused`).
//!   shutdown: `running` + idle + agent `connected` → state `shutdown` (action stays
//!   `noaction`) for 5 s, then `shutoff`; meanwhile every operation on the VM (shutoff
//!   included) gets 22001 "VM is busy: shutdown".

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::wire::{self, ApiError, ApiResult, Query};
use super::world::*;
use crate::ids::Uid;

/// `ComputeIdentifier` (with `CommonClusterTenantScope` flattened).
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ComputeIdentifier {
    pub cluster_uuid: String,
    pub cluster_name: String,
    pub cluster_mode: String,
    pub tenant: String,
    pub tenant_name: String,
    pub namespace_uuid: String,
    pub namespace_name: String,
    pub multiple: bool,
    pub vm_type: String,
    pub compute_uuid: String,
    pub compute_name: String,
    pub owner: String,
}

impl ComputeIdentifier {
    pub fn vm(&self, w: &World) -> Result<usize, ApiError> {
        w.vm(&self.cluster_uuid, &self.tenant, &self.compute_uuid)
    }
}

fn ratio_pct(r: f64) -> f64 {
    (r * 10_000.0).round() / 100.0
}

/// The fields `ComputeInfo` and `ComputeInspectInfo` share, in a map to extend.
fn common(w: &World, i: usize) -> Map<String, Value> {
    let vm = &w.vms[i];
    let tn = &w.tenants[vm.tenant];
    let grp = &w.groups[vm.group];
    let zone = &w.zones[vm.zone];
    let ips: Vec<&String> = vm.ips().collect();
    let machine = vm
        .host
        .filter(|_| vm.state != "shutoff")
        .and_then(|h| w.clusters[vm.cluster].hosts.get(h))
        .map(|h| h.uuid.to_string())
        .unwrap_or_default();
    let v = json!({
        "tenant": tn.uuid.to_string(),
        "tenant_name": tn.name,
        "owner_is_ldap": false,
        "owner": "",
        "owner_name": "",
        "uuid": vm.uuid.to_string(),
        "name": vm.name,
        "type": vm.vm_type,
        "create_time": vm.create_time,
        "modify_time": vm.modify_time,
        "deleted_time": 0,
        "state": vm.state,
        "ga_state": vm.ga_state,
        "action": vm.action(),
        "os": vm.os,
        "first_shown_ip": ips.first().map(|s| s.as_str()).unwrap_or(""),
        "vdc_agent": "",
        "vdc_agent_list": null,
        "vdc_pool_uuid": "",
        "vdc_pool_name": "",
        "create_type": "",
        "namespace": tn.namespace.to_string(),
        "machine_uuid": machine,
        "labels": null,
        "interface_ips": ips,
        "attr": null,
    });
    let rest = json!({
        "object_group": grp.uuid.to_string(),
        "object_group_name": grp.name,
        "plan": "",
        "plan_name": "",
        "plan_master_cluster_uuid": "",
        "plan_master_cluster_name": "",
        "plan_slave_cluster_uuid": "",
        "plan_slave_cluster_name": "",
        "running_cluster": "",
        "zone": zone.uuid.to_string(),
        "zone_name": zone.name,
        "strategy": "",
        "strategy_name": "",
        "spice_port_mapping": true,
        "console_server_listen_port": 0,
        "task_tag": u32::from(vm.vm_type == "GDT"),
        "recover_to_related_zones": 2,
        "master_zone_take_over": 2,
        "is_external_disk": vm.external,
        "kvm_clock_enable": true,
        "virt_nested_enable": false,
        "memory_huge_pages_enable": false,
        "has_passthrough_disk": false,
        "cluster_uuid": w.clusters[vm.cluster].uuid.to_string(),
        "cluster_name": w.clusters[vm.cluster].name,
    });
    let mut m = match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Value::Object(r) = rest {
        m.extend(r);
    }
    m
}

/// A `ComputeInfo` (an item of `/v1/compute/list`).
pub fn info(w: &World, i: usize) -> Value {
    let vm = &w.vms[i];
    let mut m = common(w, i);
    let on = vm.state == "running" || vm.state == "paused" || vm.state == "shutdown";
    let l = if on { vm.load.clone() } else { Load::default() };
    let total = vm.capacity();
    let used: u64 = vm.disks.iter().map(|d| d.used).sum();
    let mem_used = (vm.mem as f64 * l.mem_ratio) as u64;
    m.insert(
        "statistic".into(),
        json!({
            "cpu": {"ratio": l.cpu_ratio, "logical": vm.cpus, "physical": if on { vm.cpus } else { 0 }},
            "mem": {"ratio": l.mem_ratio, "logical": vm.mem, "physical": mem_used},
            "disk": {
                "rd_bytes": l.rd_bytes,
                "wr_bytes": l.wr_bytes,
                "total": total,
                "used": used,
                "used_percent": if total > 0 { ratio_pct(used as f64 / total as f64) } else { 0.0 },
            },
            "network": {"rx_bytes": l.rx_bytes, "tx_bytes": l.tx_bytes},
            "process": {
                "cpu_usage": ratio_pct(l.cpu_ratio),
                "mem_usage": mem_used,
                "cpu_ratio": l.cpu_ratio,
                "mem_ratio": l.mem_ratio,
                "host_cpu_total_rate": ratio_pct(l.cpu_ratio / 8.0),
                "host_mem_total_rate": ratio_pct(l.mem_ratio / 16.0),
            },
            "cpu_info": {"used_percent": ratio_pct(l.cpu_ratio), "cores": vm.cpus, "mhz": 2200},
            "mem_info": {
                "used_percent": ratio_pct(l.mem_ratio),
                "total": vm.mem,
                "available": vm.mem - mem_used.min(vm.mem),
                "used": mem_used,
            },
        }),
    );
    let nics: Vec<Value> = vm
        .nics
        .iter()
        .map(|n| {
            json!({
                "interface_type": n.network,
                "mac_address": n.mac,
                "target_dev": "",
                "port_group": n.port_group.to_string(),
                "vlan_tag_ids": [n.vlan],
                "driver": null,
                "vhost_queue": 0,
                "name": "",
            })
        })
        .collect();
    m.insert("interface".into(), nics.into());
    m.insert("total_used".into(), used.into());
    Value::Object(m)
}

/// A `ComputeInspectInfo` + `ClusterIdentifier` (`/v1/compute/inspect`).
pub fn inspect_info(w: &World, i: usize) -> Value {
    let vm = &w.vms[i];
    let mut m = common(w, i);
    let disks: Vec<Value> = vm
        .disks
        .iter()
        .map(|d| {
            let pool = &w.pools[d.pool];
            let serial = d.bus == "scsi" || d.bus == "ide";
            let vol = d.volume_uuid.to_string();
            let hex: String = vol.chars().filter(|c| *c != '-').collect();
            json!({
                "disk_target_device": d.dev,
                "disk_target_bus": d.bus,
                "disk_vsd_source": {
                    "volume_uuid": vol,
                    "volume_name": d.volume_name,
                    "disk_capacity": d.capacity,
                    "pool_uuid": pool.uuid.to_string(),
                    "pool_name": pool.name,
                    "replica": pool.replica.to_string(),
                    "drive_type": pool.drive_type,
                    "redundancy": 1,
                    "attribute": null,
                    "vsd_vendor": "LIBTARGET",
                },
                "disk_cache_mode": "none",
                "backing_store": {"index": 0, "format": null, "source": null, "backing_store": null},
                "disks_serial": if serial { format!("T001-{}", &hex[16..]) } else { String::new() },
                "wwn": if serial { hex[..16].to_string() } else { String::new() },
                "disk_is_system": d.is_system,
            })
        })
        .collect();
    let interfaces: Vec<Value> = vm
        .nics
        .iter()
        .map(|n| {
            json!({
                "interface_id": n.id.to_string(),
                "interface_model_type": "virtio",
                "interface_type": n.network,
                "mac_address": n.mac,
                "target_dev": "",
                "port_group": n.port_group.to_string(),
                "port_group_name": n.port_group_name,
                "vlan_tag_ids": [n.vlan],
                "driver": null,
                "vhost_queue": 0,
                "bound_ip": n.ips.first().cloned().unwrap_or_default(),
                "name": "",
            })
        })
        .collect();
    let mut order: Vec<String> = vm.disks.iter().map(|d| d.dev.clone()).collect();
    order.extend(["hdd".to_string(), "fda".to_string()]);
    let first = vm.disks.first().map(|d| d.dev.as_str()).unwrap_or("sda");
    let extra = json!({
        "mem_size": vm.mem,
        "mem_max": 274_877_906_944u64,
        "memory_qos": {"hard_limit": 0, "soft_limit": 0, "swap_hard_limit": 0, "min_guarantee": 0},
        "compute_name": "",
        "ha_mode": vm.ha_mode,
        "os_loader_path": if vm.uefi { "UEFI" } else { "BIOS" },
        "video": [{"model_type": "vga", "heads": 0, "ram_size": 131_072, "vga_mem": 32_768}],
        "startup_setting": {"hosts": null, "labels": null},
        "vnc_enable": false,
        "mem_sec_enabled": false,
        "ha_config": {"priority": 0},
        "parent_uuid": vm.parent_uuid.to_string(),
        "migrate_dest": "",
        "baseline": "Haswell-noTSX-IBRS",
        "device_name": "",
        "import_machine": "",
        "exceed_cluster_baseline": false,
        "cpu_current": vm.cpus.to_string(),
        "cpu_max_count": vm.cpus * 2,
        "cpu_nr_count": 0,
        "cpu_sockets": vm.sockets,
        "cpu_socket_cores": vm.cpus.div_ceil(vm.sockets),
        "vnc_port": 0,
        "vnc_password": "",
        "streaming_mode": "filter",
        "compression_mode": "glz",
    });
    let extra2 = json!({
        "spice_port": vm.spice_port,
        "spice_password": vm.spice_password,
        "panic": "on",
        "interfaces": interfaces,
        "cdrom": {},
        "floppy": {},
        "disks": disks,
        "device_order": order,
        "disk_type": [{"type": 3, "value": first}, {"type": 1, "value": "hdd"}, {"type": 2, "value": "fda"}],
        "usbs": [{
            "bus": 2, "port": "4", "product_id": "", "product_name": "控制台USB重定向接口",
            "vendor_id": "", "vendor_name": "", "source_type": "spice_vmc",
        }],
        "cpu_reserve_enable": false,
        "cpu_reserve_numa": false,
        "memory_reserve_enable": false,
        "expand_config": {
            "cpu_auto_expand_enable": false, "memory_auto_expand_enable": false,
            "max_expand_cpu": 0, "max_expand_mem": 0, "expand_cpu": 0, "expand_mem": 0,
        },
        "data_localization_mode_on": "off",
        "pci_devices": null,
        "mdev_devices": null,
        "tpm_devices": null,
    });
    for e in [extra, extra2] {
        if let Value::Object(e) = e {
            m.extend(e);
        }
    }
    Value::Object(m)
}

struct VmFilter<'a> {
    tenant: &'a str,
    name: &'a str,
    uuid: Option<Option<Uid>>,
    user: &'a str,
    host_type: &'a str,
    fuzzy: &'a str,
    fuzzy_lower: String,
    ip: String,
    mac: String,
    group: &'a str,
    zone: &'a str,
    state: &'a str,
    agent: &'a str,
    action: &'a str,
    recover: Option<i64>,
    no_external: bool,
}

impl<'a> VmFilter<'a> {
    fn new(q: &'a Query) -> Result<Self, ApiError> {
        let uuid = match q.s("filter_uuid") {
            "" => None,
            u => Some(Uid::parse(u)),
        };
        Ok(VmFilter {
            tenant: q.s("tenant"),
            name: q.s("filter_name"),
            uuid,
            user: q.s("filter_user_uuid"),
            host_type: q.s("filter_host_type"),
            fuzzy: q.s("filter_fuzzy"),
            fuzzy_lower: q.s("filter_fuzzy").to_lowercase(),
            ip: q.s("filter_vm_ip").to_lowercase(),
            mac: q.s("filter_mac_address").to_lowercase(),
            group: q.s("filter_object_group"),
            zone: q.s("filter_zone"),
            state: q.s("filter_state"),
            agent: q.s("filter_agent"),
            action: q.s("filter_action"),
            recover: q
                .int("filter_recover_to_related_zones")?
                .filter(|&v| v != 0),
            no_external: q.bool("filter_no_external_storage")?.unwrap_or(false),
        })
    }

    fn matches(&self, w: &World, vm: &Vm) -> bool {
        let uid_eq = |param: &str, u: Uid| param.is_empty() || Uid::parse(param) == Some(u);
        if !w.tenant_matches(self.tenant, vm.tenant)
            || !vm.name.contains(self.name)
            || self.uuid.is_some_and(|u| u != Some(vm.uuid))
            || !self.user.is_empty()
            || (!self.host_type.is_empty() && vm.vm_type != self.host_type)
            || !uid_eq(self.group, w.groups[vm.group].uuid)
            || !uid_eq(self.zone, w.zones[vm.zone].uuid)
            || (!self.state.is_empty() && vm.state != self.state)
            || (!self.agent.is_empty() && vm.ga_state != self.agent)
            || (!self.action.is_empty() && vm.action() != self.action)
            || self.recover.is_some_and(|r| r != 2)
            || (self.no_external && vm.external)
        {
            return false;
        }
        if !self.ip.is_empty() && !vm.ips().any(|ip| ip.contains(&self.ip)) {
            return false;
        }
        if !self.mac.is_empty() && !vm.nics.iter().any(|n| n.mac.contains(&self.mac)) {
            return false;
        }
        if !self.fuzzy.is_empty() {
            let f = &self.fuzzy_lower;
            return vm.name.contains(self.fuzzy)
                || vm.uuid.to_string().contains(f.as_str())
                || vm.ips().any(|ip| ip.to_lowercase().contains(f.as_str()))
                || vm.nics.iter().any(|n| n.mac.contains(f.as_str()));
        }
        true
    }
}

/// `GET /v1/compute/list`
pub fn list(w: &mut World, q: &Query) -> ApiResult {
    let paging = q.paging()?;
    q.bool("include_trash_vm")?;
    let filter = VmFilter::new(q)?;
    let (found, states) = w.fan_out(q.s("cluster_uuid"), q.s("tenant"), |c| {
        w.clusters[c]
            .vm_order
            .iter()
            .copied()
            .filter(|&i| filter.matches(w, &w.vms[i]))
            .collect()
    })?;
    let mut counts: Map<String, Value> = Map::new();
    let mut per_group = vec![0u64; w.groups.len()];
    for &i in &found {
        per_group[w.vms[i].group] += 1;
    }
    for (g, n) in per_group.iter().enumerate() {
        if *n > 0 {
            counts.insert(w.groups[g].uuid.to_string(), (*n).into());
        }
    }
    let domains: Vec<Value> = paging.slice(&found).iter().map(|&i| info(w, i)).collect();
    Ok(json!({
        "domains": domains,
        "total_count": found.len(),
        "each_range_list_state": states,
        "object_group_counts": counts,
        "cluster_total_resource": null,
    }))
}

/// `GET /v1/compute/inspect`
pub fn inspect(w: &mut World, q: &Query) -> ApiResult {
    q.bool("include_trash_vm")?;
    let i = w.vm(q.s("cluster_uuid"), q.s("tenant"), q.s("compute_uuid"))?;
    Ok(inspect_info(w, i))
}

/// `GET /v1/compute/state/summary`
pub fn state_summary(w: &mut World, q: &Query) -> ApiResult {
    let c = w.cluster(q.s("cluster_uuid"))?;
    let tenant = q.s("tenant");
    let machine = q.s("filter_machine_uuid");
    let mut n: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    let mut total = 0u64;
    for &i in &w.clusters[c].vm_order {
        let vm = &w.vms[i];
        if !w.tenant_matches(tenant, vm.tenant) {
            continue;
        }
        if !machine.is_empty() {
            let host = vm
                .host
                .and_then(|h| w.clusters[c].hosts.get(h))
                .map(|h| h.uuid);
            if host.is_none() || Uid::parse(machine) != host {
                continue;
            }
        }
        total += 1;
        *n.entry(vm.state).or_default() += 1;
        *n.entry(vm.action()).or_default() += 1;
    }
    let get = |k: &str| n.get(k).copied().unwrap_or(0);
    Ok(json!({
        "total": total,
        "no_state_count": get("nostate"),
        "running_count": get("running"),
        "blocked_count": get("blocked"),
        "paused_count": get("paused"),
        "shutdown_count": get("shutdown"),
        "shutoff_count": get("shutoff"),
        "crashed_count": get("crashed"),
        "pmsuspend_count": get("pmsuspend"),
        "cloning_count": get("cloning"),
        "save_count": get("save"),
        "migrating_count": get("migrating"),
        "pending_count": get("pending"),
        "importing_count": get("importing"),
        "unknown_count": get("unknown"),
        "restoring_count": get(ACTION_RESTORING),
    }))
}

fn ensure_load(vm: &mut Vm) {
    if vm.load.cpu_ratio == 0.0 {
        let bits = vm.uuid.0;
        vm.load = Load {
            cpu_ratio: 0.02 + (bits % 60) as f64 / 100.0,
            mem_ratio: 0.25 + ((bits >> 8) % 60) as f64 / 100.0,
            rd_bytes: (bits >> 16) as u64 % (1 << 34),
            wr_bytes: (bits >> 40) as u64 % (1 << 34),
            rx_bytes: (bits >> 64) as u64 % (1 << 32),
            tx_bytes: (bits >> 80) as u64 % (1 << 32),
        };
    }
}

/// Powers VM `i` on (shared by start and memory rollback paths).
pub fn power_on(w: &mut World, i: usize) {
    let zone = w.vms[i].zone;
    let host = w.clusters[w.vms[i].cluster]
        .hosts
        .iter()
        .position(|h| h.zone == zone && h.healthy)
        .unwrap_or(0);
    let vm = &mut w.vms[i];
    vm.state = "running";
    vm.ga_state = "pending";
    vm.host = Some(host);
    vm.modify_time = w.unix;
    ensure_load(vm);
    w.start_agent_timer(i);
}

/// `POST /v1/compute/start`
pub fn start(w: &mut World, b: ComputeIdentifier) -> ApiResult {
    let i = b.vm(w)?;
    w.vms[i].check_idle()?;
    if w.vms[i].state != "shutoff" {
        return Err(ApiError::new(wire::VM_NOT_SHUTOFF, w.vms[i].state));
    }
    power_on(w, i);
    Ok(json!({}))
}

/// `POST /v1/compute/shutoff` (synchronous power-off).
pub fn shutoff(w: &mut World, b: ComputeIdentifier) -> ApiResult {
    let i = b.vm(w)?;
    let vm = &mut w.vms[i];
    vm.check_idle()?;
    if vm.state != "running" {
        return Err(ApiError::new(wire::VM_NOT_RUNNING, vm.state));
    }
    vm.state = "shutoff";
    vm.ga_state = "disconnected";
    vm.host = None;
    vm.agent_at = None;
    vm.modify_time = w.unix;
    w.pending.remove(&i);
    Ok(json!({}))
}

/// `POST /v1/compute/shutdown` (graceful; completes after [`SHUTDOWN_SECS`]).
pub fn shutdown(w: &mut World, b: ComputeIdentifier) -> ApiResult {
    let i = b.vm(w)?;
    let vm = &mut w.vms[i];
    vm.check_idle()?;
    if vm.state != "running" {
        return Err(ApiError::new(wire::VM_NOT_RUNNING, vm.state));
    }
    if vm.ga_state != "connected" {
        return Err(ApiError::new(wire::VM_AGENT_NOT_CONNECTED, vm.ga_state));
    }
    vm.state = "shutdown";
    w.start_op(i, OpKind::Shutdown, SHUTDOWN_SECS);
    Ok(json!({}))
}

/// `POST /v1/compute/backup/restore/progress` with the new VM's `ComputeIdentifier`.
pub fn restore_progress(w: &mut World, b: ComputeIdentifier) -> ApiResult {
    let i = b.vm(w)?;
    match &w.vms[i].op {
        Some(
            op @ VmOp {
                kind: OpKind::Restoring,
                ..
            },
        ) => {
            let span = (op.done_at - op.started).max(f64::EPSILON);
            let p = ((w.now - op.started) / span * 100.0)
                .floor()
                .clamp(0.0, 99.0) as u32;
            Ok(json!({ "progress": p }))
        }
        _ => Err(ApiError::new(wire::VM_NOT_RESTORING, w.vms[i].action())),
    }
}
