//! Wire types → the neutral model. Pure functions; nothing here can fail on odd values.

use serde_json::Value;

use super::wire::{
    AllowedCluster, BackupInfo, BackupPointWire, Compute, Disk, GroupNode, Pool, RemoteBackupWire,
    SnapshotTreeWire, VmInfo, VsdSnapshot, Zone,
};
use crate::BackendError;
use crate::lenient::{Flag, Int, Pairs, Str, parse_flag};
use vmdeck_model::{
    AgentState, Backup, BackupCategory, BackupDisk, BackupKind, BackupPoint, BackupStatus, Cluster,
    ClusterState, Detail, Named, RemoteBackup, Snapshot, SnapshotDisk, SnapshotTree, Timestamp,
    TreeInput, Vm, VmDetail, VmDisk, VmPower, human_bytes,
};

/// The tree's pseudo-node for the VM's current state.
pub const HEAD: &str = "head";

/// Unix time → timestamp; 0/negative is "unset". Milli-, micro- and nanoseconds, which
/// some TopHC calls use, are recognised by size.
pub fn time(v: Int) -> Option<Timestamp> {
    let mut t = v.get().filter(|t| *t > 0)?;
    while t > 100_000_000_000 {
        t /= 1000;
    }
    Timestamp::from_second(t).ok()
}

pub fn power(state: &str) -> VmPower {
    match state.trim().to_ascii_lowercase().as_str() {
        "running" => VmPower::Running,
        "shutoff" => VmPower::Stopped,
        "shutdown" => VmPower::Stopping,
        "paused" => VmPower::Paused,
        "pmsuspend" | "pmsuspended" => VmPower::Suspended,
        "crashed" => VmPower::Crashed,
        _ => VmPower::Unknown(state.to_string()),
    }
}

/// The operation in progress; `noaction` (or nothing) is idle.
pub fn action(a: &str) -> Option<String> {
    let a = a.trim();
    (!a.is_empty() && !a.eq_ignore_ascii_case("noaction")).then(|| a.to_string())
}

pub fn is_busy(a: &str) -> bool {
    action(a).is_some()
}

pub fn agent(s: &str) -> AgentState {
    match s.trim().to_ascii_lowercase().as_str() {
        "connected" => AgentState::Connected,
        "disconnected" | "disconnect" => AgentState::Disconnected,
        "pending" => AgentState::Pending,
        _ => AgentState::Unknown(s.to_string()),
    }
}

fn named(id: &Str, name: &Str) -> Option<Named> {
    (!id.is_empty() || !name.is_empty()).then(|| Named::new(id.as_str(), name.as_str()))
}

fn push(
    details: &mut Vec<Detail>,
    label: impl Into<std::borrow::Cow<'static, str>>,
    value: impl Into<String>,
) {
    let value = value.into();
    if !value.trim().is_empty() {
        details.push(Detail::new(label, value));
    }
}

/// IPs from `interface_ips`, whose item shape the docs never show: strings, or objects
/// with an `ip`-like key, are taken.
fn ips(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
        Value::Array(items) => items.iter().for_each(|i| ips(i, out)),
        Value::Object(m) => {
            for key in ["ip", "IP", "address", "bound_ip", "ips"] {
                if let Some(v) = m.get(key) {
                    ips(v, out);
                }
            }
        }
        _ => {}
    }
}

pub fn vm(c: &Compute, cluster: &Named) -> Vm {
    let mut all_ips = Vec::new();
    if let Some(ip) = c.first_shown_ip.non_empty() {
        all_ips.push(ip.to_string());
    }
    ips(&c.interface_ips, &mut all_ips);
    for i in c.interfaces.iter().chain(c.interface.iter()) {
        if let Some(ip) = i.bound_ip.non_empty() {
            all_ips.push(ip.to_string());
        }
    }
    all_ips.dedup();
    let mut seen = std::collections::HashSet::new();
    all_ips.retain(|ip| seen.insert(ip.clone()));

    let macs: Vec<&str> = {
        let mut seen = std::collections::HashSet::new();
        c.interfaces
            .iter()
            .chain(c.interface.iter())
            .filter_map(|i| i.mac_address.non_empty())
            .filter(|m| seen.insert(*m))
            .collect()
    };

    let mut details = Vec::new();
    push(&mut details, "Type", c.kind.as_str());
    push(&mut details, "Tenant", c.tenant_name.as_str());
    push(&mut details, "Namespace", c.namespace.as_str());
    push(&mut details, "Owner", c.owner_name.as_str());
    if all_ips.len() > 1 {
        push(&mut details, "IPs", all_ips.join(", "));
    }
    push(&mut details, "MAC", macs.join(", "));
    if let Some(used) = c.total_used.unsigned().filter(|u| *u > 0) {
        push(&mut details, "Disk used", human_bytes(used));
    }
    if c.is_external_disk.is_true() {
        push(&mut details, "Shared storage", "yes");
    }
    if c.recover_to_related_zones.get() == Some(1) {
        push(&mut details, "Active-active", "on");
    }
    if let Some(t) = time(c.modify_time) {
        details.push(Detail::time("Modified", t));
    }
    push(&mut details, "HA", c.ha_mode.as_str());
    push(&mut details, "Firmware", c.os_loader_path.as_str());
    if let (Some(s), Some(k)) = (c.cpu_sockets.get(), c.cpu_socket_cores.get())
        && s > 0
        && k > 0
    {
        push(
            &mut details,
            "CPU topology",
            format!("{s} socket(s) × {k} core(s)"),
        );
    }
    push(&mut details, "Template", c.parent_uuid.as_str());

    let stat = c.statistic.as_ref();
    let vcpu = c
        .cpu_current
        .unsigned()
        .filter(|v| *v > 0)
        .or_else(|| {
            stat.and_then(|s| s.cpu.as_ref())
                .and_then(|p| p.logical.unsigned())
        })
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v > 0);
    let memory_bytes = c
        .mem_size
        .unsigned()
        .filter(|v| *v > 0)
        .or_else(|| {
            stat.and_then(|s| s.mem.as_ref())
                .and_then(|p| p.logical.unsigned())
        })
        .filter(|v| *v > 0);

    Vm {
        id: c.uuid.0.clone(),
        name: c.name.0.clone(),
        cluster: Named::new(
            c.cluster_uuid.non_empty().unwrap_or(&cluster.id),
            c.cluster_name.non_empty().unwrap_or(&cluster.name),
        ),
        tenant: c
            .tenant
            .non_empty()
            .map(|t| Named::new(t, c.tenant_name.as_str())),
        power: power(&c.state),
        action: action(&c.action),
        agent: agent(&c.ga_state),
        ip: all_ips.first().cloned().unwrap_or_default(),
        zone: named(&c.zone, &c.zone_name),
        group: named(&c.object_group, &c.object_group_name),
        os: c.os.0.clone(),
        vcpu,
        memory_bytes,
        created: time(c.create_time),
        details,
    }
}

fn disk(d: &Disk) -> VmDisk {
    let src = d
        .disk_vsd_source
        .as_ref()
        .or(d.disk_block_source.as_ref())
        .or(d.disk_volume_source.as_ref());
    let (volume, pool, capacity, disk_type) = if let Some(s) = src {
        let vol_name = s.volume_name.non_empty().unwrap_or(s.volume.as_str());
        let pool_id = s.pool_uuid.non_empty().unwrap_or(s.pool.as_str());
        (
            Named::new(s.volume_uuid.as_str(), vol_name),
            (!pool_id.is_empty() || !s.pool_name.is_empty())
                .then(|| Named::new(pool_id, s.pool_name.as_str())),
            s.disk_capacity.unsigned(),
            s.drive_type.non_empty().map(str::to_string),
        )
    } else if let Some(p) = &d.disk_source_passthrough {
        (
            Named::new(p.disk_id.as_str(), p.disk_path.as_str()),
            None,
            p.disk_capacity.unsigned(),
            Some("passthrough".to_string()),
        )
    } else {
        (Named::default(), None, None, None)
    };
    VmDisk {
        device: d.disk_target_device.0.clone(),
        volume,
        pool,
        capacity,
        disk_type,
        is_root: d.disk_is_system.is_true(),
    }
}

pub fn vm_detail(c: &Compute, cluster: &Named) -> VmDetail {
    let mut disks: Vec<VmDisk> = c.disks.iter().map(disk).collect();
    // No disk flagged as the system disk: the first in boot order is.
    if !disks.is_empty() && !disks.iter().any(|d| d.is_root) {
        let first = c
            .device_order
            .iter()
            .find_map(|dev| disks.iter().position(|d| d.device == dev.as_str()))
            .unwrap_or(0);
        disks[first].is_root = true;
    }
    let mut details = Vec::new();
    for d in c.disks.iter() {
        let src = d
            .disk_vsd_source
            .as_ref()
            .or(d.disk_block_source.as_ref())
            .or(d.disk_volume_source.as_ref());
        let mut facts = vec![d.disk_target_bus.0.clone()];
        if let Some(r) = src.and_then(|s| s.replica.get()) {
            facts.push(format!("{r} replica(s)"));
        }
        if let Some(m) = d.disk_cache_mode.non_empty() {
            facts.push(format!("cache {m}"));
        }
        facts.retain(|f| !f.is_empty());
        push(
            &mut details,
            format!("Disk {}", d.disk_target_device.as_str()),
            facts.join(", "),
        );
    }
    VmDetail {
        vm: vm(c, cluster),
        disks,
        details,
    }
}

pub fn cluster(c: &AllowedCluster) -> Cluster {
    let state = if c.is_stop.is_true() {
        ClusterState::Failed("the cluster is stopped (taken out of use on the manager)".into())
    } else {
        match c.is_health {
            Flag(Some(false)) => {
                ClusterState::Failed("the manager reports the cluster as unhealthy".into())
            }
            Flag(Some(true)) => ClusterState::Healthy,
            Flag(None) => ClusterState::Unknown,
        }
    };
    let mut details = Vec::new();
    push(&mut details, "Master", c.master_address.as_str());
    push(&mut details, "Description", c.desc.as_str());
    if let Some(t) = time(c.create_time) {
        details.push(Detail::time("Created", t));
    }
    Cluster {
        id: c.uuid.0.clone(),
        name: c.name.non_empty().unwrap_or(c.uuid.as_str()).to_string(),
        state,
        details,
    }
}

pub fn snapshot(s: &VsdSnapshot) -> Snapshot {
    let memory = s.attr.get("domain_memory").and_then(|v| parse_flag(v));
    let mut details = Vec::new();
    push(&mut details, "UUID", s.uuid.as_str());
    for (k, v) in s.attr.iter().filter(|(k, _)| *k != "domain_memory") {
        push(&mut details, k.to_string(), v.as_str());
    }
    Snapshot {
        id: s.name.0.clone(),
        name: s.name.0.clone(),
        description: s.description.0.clone(),
        created: time(s.ctime),
        memory,
        size: None,
        volume: None,
        disks: s
            .disk_snapshot_list
            .iter()
            .map(|d| SnapshotDisk {
                device: d.disk_drive.0.clone(),
                volume_id: d.volume_uuid.0.clone(),
                snapshot_id: d.snapshot_uuid.0.clone(),
            })
            .collect(),
        details,
    }
}

/// Names from a `Children` entry: `{"Children": [..]}` as documented, or a bare list.
fn child_names(v: &Value) -> Vec<String> {
    let list = match v {
        Value::Object(m) => m.get("Children").or_else(|| m.get("children")),
        Value::Array(_) => Some(v),
        _ => None,
    };
    match list {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn top(name: &str) -> Option<String> {
    (!name.is_empty()).then(|| name.to_string())
}

/// Builds the VM's snapshot tree from `/tree`, `/list` and `/head`.
///
/// `head` is the `/head` answer: the snapshot the VM sits on, or the error (which is
/// expected when the VM has no snapshot).
pub fn snapshot_tree(
    tree: Option<SnapshotTreeWire>,
    list: &[VsdSnapshot],
    head: Result<VsdSnapshot, BackendError>,
) -> SnapshotTree {
    let mut problems: Vec<String> = Vec::new();
    let mut input = TreeInput {
        snapshots: list.iter().map(snapshot).collect(),
        now_label: "now".into(),
        ..Default::default()
    };
    // Where the tree puts "head": Some(None) at the top, Some(Some(name)) under a snapshot.
    let mut tree_now: Option<Option<String>> = None;
    if let Some(tree) = &tree {
        for (child, parent) in tree.parents.iter() {
            if child == HEAD {
                tree_now = Some(top(parent));
            } else if parent.as_str() == HEAD {
                problems.push(format!(
                    "snapshot \"{child}\" is said to derive from the VM's current state; shown at the top level"
                ));
                input.parent_of.push((child.to_string(), None));
            } else {
                input.parent_of.push((child.to_string(), top(parent)));
            }
        }
        for (parent, entry) in tree.children.iter() {
            if parent == HEAD {
                continue;
            }
            let mut kids = child_names(entry);
            if kids.iter().any(|k| k == HEAD) {
                kids.retain(|k| k != HEAD);
                if tree_now.is_none() {
                    tree_now = Some(top(parent));
                }
            }
            input.children_of.push((top(parent), kids));
        }
    }

    // Exactly as sent, not trimmed: names are TopHC's snapshot ids and must match the tree's.
    let head_name = match &head {
        Ok(s) if !s.name.trim().is_empty() => Some(s.name.0.clone()),
        _ => None,
    };
    input.now = match (&tree_now, &head_name) {
        (Some(at), Some(h)) => {
            if at.as_deref() != Some(h.as_str()) {
                problems.push(format!(
                    "the snapshot tree puts the VM after {} but /snapshot/head says \"{h}\"; the marker follows the tree",
                    at.as_ref()
                        .map_or("no snapshot".to_string(), |a| format!("\"{a}\""))
                ));
            }
            tree_now.clone()
        }
        (Some(at), None) => {
            if let (Some(_), Err(e)) = (at, &head) {
                problems.push(format!("could not cross-check with /snapshot/head: {e}"));
            }
            tree_now.clone()
        }
        (None, Some(h)) => Some(Some(h.clone())),
        (None, None) => {
            if list.is_empty() && tree.as_ref().is_none_or(|t| t.parents.is_empty()) {
                Some(None)
            } else {
                let why = match &head {
                    Err(e) => format!(" (/snapshot/head: {e})"),
                    Ok(_) => String::new(),
                };
                problems.push(format!(
                    "TopHC did not say which snapshot the VM is on{why}"
                ));
                None
            }
        }
    };

    let mut built = SnapshotTree::build(input);
    problems.append(&mut built.problems);
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    built.problems = problems;
    built
}

pub fn backup_status(status: Int) -> BackupStatus {
    match status.get() {
        Some(0) => BackupStatus::Done,
        Some(1) => BackupStatus::InProgress,
        Some(2) => BackupStatus::Failed,
        Some(n) => BackupStatus::Unknown(format!("status {n}")),
        None => BackupStatus::Unknown(String::new()),
    }
}

pub fn backup(b: &BackupInfo, cluster: &Named) -> Backup {
    let disks = b
        .disks
        .iter()
        .map(|d| {
            let mut details = Vec::new();
            if let Some(r) = d.replica.get() {
                push(&mut details, "Replicas", r.to_string());
            }
            if d.share.is_true() {
                push(&mut details, "Shared volume", "yes");
            }
            BackupDisk {
                device: d.target_device.0.clone(),
                id: d.backup_uuid.0.clone(),
                capacity: d.capacity.unsigned(),
                details,
            }
        })
        .collect();
    let mut details = Vec::new();
    push(&mut details, "Tenant", b.tenant_name.as_str());
    push(&mut details, "Namespace", b.namespace.as_str());
    Backup {
        id: b.uuid.0.clone(),
        name: b.name.0.clone(),
        description: b.description.0.clone(),
        category: BackupCategory::Vm,
        vm: Named::new(b.compute_uuid.as_str(), b.compute_name.as_str()),
        volume: None,
        root_volume: false,
        locations: Vec::new(),
        parent: None,
        cluster: Named::new(
            b.cluster_uuid.non_empty().unwrap_or(&cluster.id),
            b.cluster_name.non_empty().unwrap_or(&cluster.name),
        ),
        tenant: b
            .tenant
            .non_empty()
            .map(|t| Named::new(t, b.tenant_name.as_str())),
        point: named(&b.backup_point_uuid, &b.backup_point_name),
        created: time(b.create_time),
        status: backup_status(b.status),
        kind: b.full_backup.0.map(|full| {
            if full {
                BackupKind::Full
            } else {
                BackupKind::Incremental
            }
        }),
        disks,
        details,
    }
}

pub fn backup_point(p: &BackupPointWire) -> BackupPoint {
    let mut details = Vec::new();
    if let Some(id) = &p.identify {
        let mut target = id.ip.0.clone();
        if let Some(port) = id.port.non_empty() {
            target = format!("{target}:{port}");
        }
        push(&mut details, "Server", target);
        let dir = match (id.root_dir.non_empty(), id.sub_dir.non_empty()) {
            (Some(r), Some(s)) => format!("{}/{}", r.trim_end_matches('/'), s),
            (Some(r), None) => r.to_string(),
            (None, Some(s)) => s.to_string(),
            (None, None) => String::new(),
        };
        push(&mut details, "Directory", dir);
    }
    push(&mut details, "Tenant", p.tenant_name.as_str());
    if let Some(r) = p.refs.get() {
        push(&mut details, "References", r.to_string());
    }
    if let Some(t) = time(p.ctime) {
        details.push(Detail::time("Created", t));
    }
    BackupPoint {
        id: p.uuid.0.clone(),
        name: p.name.non_empty().unwrap_or(p.uuid.as_str()).to_string(),
        kind: p.btype.0.clone(),
        state: p.bpstate.0.clone(),
        details,
    }
}

/// One `remote/list` item; the raw JSON is kept for `remote/import`.
pub fn remote_backup(raw: Value, vm_infos: &Pairs<VmInfo>) -> Result<RemoteBackup, String> {
    if !raw.is_object() {
        return Err(format!(
            "a backup entry is {}, not an object",
            crate::http::kind_of(&raw)
        ));
    }
    let w: RemoteBackupWire = serde_json::from_value(raw.clone()).map_err(|e| e.to_string())?;
    let vm_name = vm_infos
        .get(&w.vm_uuid)
        .and_then(|i| i.name.non_empty())
        .unwrap_or(w.vm_uuid.as_str())
        .to_string();
    let size = (!w.disk_backups.is_empty())
        .then(|| {
            w.disk_backups
                .iter()
                .map(|(_, d)| d.capacity.unsigned())
                .try_fold(0u64, |acc, c| c.map(|c| acc.saturating_add(c)))
        })
        .flatten();
    Ok(RemoteBackup {
        id: w.uuid.0.clone(),
        name: w.name.0.clone(),
        vm_name,
        cluster_name: w
            .cluster_name
            .non_empty()
            .unwrap_or(w.cluster_uuid.as_str())
            .to_string(),
        created: time(w.ctime),
        status: backup_status(w.status),
        size,
        opaque: raw,
    })
}

pub fn zone(z: &Zone) -> Named {
    Named::new(
        z.uuid.as_str(),
        z.name.non_empty().unwrap_or(z.uuid.as_str()),
    )
}

/// Real groups of a `/compute/group/tree`, skipping the `fake` cluster/tenant/namespace
/// levels. Names are "tenant / parent / group" so same-named groups stay apart.
pub fn groups(tree: &[GroupNode]) -> Vec<Named> {
    fn walk(node: &GroupNode, tenant: &str, path: &mut Vec<String>, out: &mut Vec<Named>) {
        let tenant = node.tenant_name.non_empty().unwrap_or(tenant).to_string();
        let real = !node.fake.is_true() && !node.uuid.is_empty();
        if real {
            path.push(
                node.name
                    .non_empty()
                    .unwrap_or(node.uuid.as_str())
                    .to_string(),
            );
            let mut label = path.join(" / ");
            if !tenant.is_empty() {
                label = format!("{tenant} / {label}");
            }
            if !out.iter().any(|g| g.id == node.uuid.as_str()) {
                out.push(Named::new(node.uuid.as_str(), label));
            }
        }
        for child in node.children.iter() {
            walk(child, &tenant, path, out);
        }
        if real {
            path.pop();
        }
    }
    let mut out = Vec::new();
    for node in tree {
        walk(node, "", &mut Vec::new(), &mut out);
    }
    out
}

/// Whether a pool is the image repository (`attr` has `ComputeRepository`), not a disk pool.
pub fn is_repository(p: &Pool) -> bool {
    match &p.attr {
        Value::Object(m) => m.contains_key("ComputeRepository"),
        Value::String(s) => s.contains("ComputeRepository"),
        _ => false,
    }
}

pub fn pool(p: &Pool) -> Named {
    Named::new(
        p.uuid.as_str(),
        p.name.non_empty().unwrap_or(p.uuid.as_str()),
    )
}

/// Disk types a restore can ask for.
pub fn disk_types() -> Vec<String> {
    vec!["HDD".into(), "SSD".into()]
}
