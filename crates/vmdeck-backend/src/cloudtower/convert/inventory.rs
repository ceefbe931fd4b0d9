//! Clusters, VMs with their disks, and snapshots with their storage chain.

use std::collections::HashMap;

use super::{named, push, push_bytes, utc, words};
use crate::cloudtower::time;
use crate::cloudtower::wire::{
    self, AsyncStatus, ConnectState, Consistency, ToolsStatus, VmStatus,
};
use crate::lenient::Str;
use vmdeck_model::{
    AgentState, Cluster, ClusterState, Named, Snapshot, SnapshotDisk, SnapshotTree, Vm, VmDetail,
    VmDisk, VmPower, human_bytes,
};

/// Label of the marker for the VM's current state in the (flat) snapshot list.
pub const NOW: &str = "now";

// ------------------------------------------------------------------ clusters

pub fn cluster_state(c: &wire::Cluster) -> ClusterState {
    let reason = || {
        let mut r = match c.disconnected_reason.non_empty() {
            Some(code) => words(code),
            None => "no reason given".to_string(),
        };
        if let Some(t) = time::parse(&c.disconnected_date) {
            r.push_str(&format!(" since {}", utc(&t)));
        }
        r
    };
    match &c.connect_state {
        ConnectState::Connected => ClusterState::Healthy,
        ConnectState::Disconnected => ClusterState::Failed(format!(
            "CloudTower is disconnected from this cluster: {}",
            reason()
        )),
        ConnectState::ConnectedError => {
            ClusterState::Degraded(format!("connected with errors: {}", reason()))
        }
        ConnectState::Initializing => {
            ClusterState::Degraded("CloudTower is still connecting to this cluster".into())
        }
        ConnectState::Removing => ClusterState::Degraded("being removed from CloudTower".into()),
        ConnectState::Unknown(s) if s.trim().is_empty() => ClusterState::Unknown,
        ConnectState::Unknown(s) => ClusterState::Degraded(format!("connection state {s}")),
    }
}

pub fn cluster(c: &wire::Cluster) -> Cluster {
    let mut d = Vec::new();
    push(&mut d, "Type", words(&c.kind));
    push(&mut d, "Version", c.version.as_str());
    push(&mut d, "Hypervisor", words(&c.hypervisor));
    push(&mut d, "Architecture", c.architecture.as_str());
    push(&mut d, "IP", c.ip.as_str());
    push(&mut d, "Management VIP", c.management_vip.as_str());
    push(&mut d, "Edition", words(&c.software_edition));
    if let Some(n) = c.host_num.get() {
        push(&mut d, "Hosts", n.to_string());
    }
    if let Some(n) = c.vm_num.get() {
        let running = c
            .running_vm_num
            .get()
            .map(|r| format!(" ({r} running)"))
            .unwrap_or_default();
        push(&mut d, "VMs", format!("{n}{running}"));
    }
    if let Some(n) = c.total_cpu_cores.get() {
        push(&mut d, "CPU cores", n.to_string());
    }
    if let Some(total) = c.total_memory_bytes.unsigned() {
        let used = c
            .used_memory_bytes
            .bytes()
            .map(|u| format!("{} of ", human_bytes(u)))
            .unwrap_or_default();
        push(&mut d, "Memory", format!("{used}{}", human_bytes(total)));
    }
    if let Some(total) = c.total_data_capacity.unsigned() {
        let used = c
            .used_data_space
            .unsigned()
            .map(|u| format!("{} of ", human_bytes(u)))
            .unwrap_or_default();
        push(&mut d, "Storage", format!("{used}{}", human_bytes(total)));
    }
    push(&mut d, "Local ID", c.local_id.as_str());
    Cluster {
        id: c.id.0.clone(),
        name: c.name.0.clone(),
        state: cluster_state(c),
        details: d,
    }
}

// ------------------------------------------------------------------ VMs

pub fn power(s: &VmStatus) -> VmPower {
    match s {
        VmStatus::Running => VmPower::Running,
        VmStatus::Stopped => VmPower::Stopped,
        VmStatus::Suspended => VmPower::Suspended,
        VmStatus::Deleted => VmPower::Unknown("deleted".into()),
        VmStatus::Unreported => VmPower::Unknown("unknown".into()),
        VmStatus::Unknown(s) => VmPower::Unknown(s.to_lowercase()),
    }
}

/// The VMTools state as the neutral agent state.
pub fn agent(s: &ToolsStatus) -> AgentState {
    match s {
        ToolsStatus::Running => AgentState::Connected,
        ToolsStatus::NotRunning => AgentState::Disconnected,
        ToolsStatus::NotInstalled => AgentState::NotInstalled,
        ToolsStatus::Restriction => AgentState::Unknown("restricted".into()),
        ToolsStatus::Unknown(s) => AgentState::Unknown(s.to_lowercase()),
    }
}

pub fn tools_label(s: &ToolsStatus) -> String {
    match s {
        ToolsStatus::Unknown(t) if t.trim().is_empty() => "not reported".into(),
        other => words(other.as_wire()),
    }
}

/// What a task is doing to the resource right now (`entityAsyncStatus`).
pub fn action(s: &AsyncStatus) -> Option<String> {
    match s {
        AsyncStatus::Creating => Some("creating".into()),
        AsyncStatus::Updating => Some("updating".into()),
        AsyncStatus::Deleting => Some("deleting".into()),
        AsyncStatus::Unknown(t) if t.trim().is_empty() => None,
        AsyncStatus::Unknown(t) => Some(t.to_lowercase()),
    }
}

fn ips(s: &Str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|ip| !ip.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn vm(v: &wire::Vm, fallback_cluster: &Named) -> Vm {
    let ips = ips(&v.ips);
    let mut d = Vec::new();
    if let Some(h) = v.host.as_ref() {
        let ip = h
            .management_ip
            .non_empty()
            .map(|ip| format!(" ({ip})"))
            .unwrap_or_default();
        push(&mut d, "Host", format!("{}{ip}", h.name.as_str()));
    }
    let version = v
        .vm_tools_version
        .non_empty()
        .map(|ver| format!(", version {ver}"))
        .unwrap_or_default();
    push(
        &mut d,
        "VMTools",
        format!("{}{version}", tools_label(&v.vm_tools_status)),
    );
    if ips.len() > 1 {
        push(&mut d, "IPs", ips.join(", "));
    }
    push(&mut d, "Hostname", v.hostname.as_str());
    if let Some(cpu) = v.cpu.as_ref()
        && let (Some(s), Some(c)) = (cpu.sockets.get(), cpu.cores.get())
    {
        push(&mut d, "CPU", format!("{s} socket(s) × {c} core(s)"));
    }
    if v.ha.0.is_some() {
        push(&mut d, "HA", if v.ha.is_true() { "on" } else { "off" });
    }
    push(&mut d, "Firmware", v.firmware.as_str());
    push(&mut d, "Description", v.description.as_str());
    push(&mut d, "Usage", words(&v.vm_usage));
    if v.protected.is_true() {
        push(&mut d, "Protected", "yes (deletion is blocked)");
    }
    if v.in_recycle_bin.is_true() {
        push(&mut d, "Recycle bin", "yes");
    }
    push_bytes(&mut d, "Provisioned", v.provisioned_size.unsigned());
    push_bytes(&mut d, "Used", v.size.unsigned());
    if let Some(u) = v.cpu_usage.get() {
        push(&mut d, "CPU usage", format!("{u:.1}%"));
    }
    if let Some(u) = v.memory_usage.get() {
        push(&mut d, "Memory usage", format!("{u:.1}%"));
    }
    if !v.backup_plans.is_empty() {
        let names: Vec<&str> = v.backup_plans.iter().map(|p| p.name.as_str()).collect();
        push(&mut d, "Backup plans", names.join(", "));
    }
    if let Some(p) = v.snapshot_plan.as_ref() {
        push(&mut d, "Snapshot plan", p.name.as_str());
    }
    push(&mut d, "Local ID", v.local_id.as_str());

    let cluster = named(v.cluster.as_ref()).unwrap_or_else(|| fallback_cluster.clone());
    Vm {
        id: v.id.0.clone(),
        name: v.name.0.clone(),
        cluster,
        tenant: None,
        power: power(&v.status),
        action: action(&v.async_status),
        agent: agent(&v.vm_tools_status),
        ip: ips.first().cloned().unwrap_or_default(),
        zone: None,
        group: named(v.folder.as_ref()),
        os: v
            .os
            .non_empty()
            .map(str::to_string)
            .unwrap_or_else(|| words(&v.guest_os_type)),
        vcpu: v.vcpu.get().and_then(|n| u32::try_from(n).ok()),
        memory_bytes: v.memory.unsigned(),
        created: time::parse(&v.local_created_at),
        details: d,
    }
}

/// The VM with its disks: each `VmDisk` with the capacity of its `VmVolume`. CD-ROMs are
/// listed (an operator may want to see what is attached) but are never the root disk.
pub fn vm_detail(
    v: &wire::Vm,
    fallback_cluster: &Named,
    disks: &[wire::VmDisk],
    volumes: &[wire::VmVolume],
) -> VmDetail {
    let vm = vm(v, fallback_cluster);
    let by_id: HashMap<&str, &wire::VmVolume> =
        volumes.iter().map(|vol| (vol.id.as_str(), vol)).collect();
    let root_boot = disks
        .iter()
        .filter(|d| is_data_disk(&d.kind))
        .filter_map(|d| d.boot.get())
        .min();
    let mut out = Vec::with_capacity(disks.len());
    for (i, disk) in disks.iter().enumerate() {
        let vol_ref = disk.vm_volume.as_ref();
        let vol = vol_ref.and_then(|r| by_id.get(r.id.as_str()).copied());
        let device = disk
            .device
            .non_empty()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{} {}", disk.bus.as_str().to_lowercase(), i));
        let mut kind = words(&disk.kind);
        if let Some(bus) = disk.bus.non_empty() {
            kind = format!("{kind} ({bus})");
        }
        out.push(VmDisk {
            device,
            volume: vol_ref
                .map(|r| Named::new(r.id.as_str(), r.name.as_str()))
                .or_else(|| {
                    disk.elf_image
                        .as_ref()
                        .map(|m| Named::new("", m.name.as_str()))
                })
                .unwrap_or_default(),
            pool: None,
            capacity: vol.and_then(|v| v.size.unsigned()),
            disk_type: Some(kind).filter(|k| !k.trim().is_empty()),
            is_root: is_data_disk(&disk.kind)
                && root_boot.is_some()
                && disk.boot.get() == root_boot,
        });
    }
    let mut details = vm.details.clone();
    let nics = v.vm_nics.len();
    if nics > 0 {
        push(&mut details, "NICs", nics.to_string());
    }
    for vol in volumes {
        let policy = words(&vol.elf_storage_policy);
        let shared = if vol.sharing.is_true() {
            ", shared"
        } else {
            ""
        };
        let size = vol.size.unsigned().map(human_bytes).unwrap_or_default();
        push(
            &mut details,
            format!("Volume {}", vol.name.as_str()),
            format!("{size} {policy}{shared}"),
        );
    }
    VmDetail {
        vm,
        disks: out,
        details,
    }
}

fn is_data_disk(kind: &Str) -> bool {
    kind.trim().eq_ignore_ascii_case("DISK")
}

// ------------------------------------------------------------------ snapshots

pub fn consistency_label(c: &Consistency) -> String {
    match c {
        Consistency::Crash => "crash-consistent".into(),
        Consistency::FileSystem => "file-system-consistent (VMTools quiesced the guest)".into(),
        Consistency::Unknown(s) if s.trim().is_empty() => "not reported".into(),
        Consistency::Unknown(s) => words(s),
    }
}

/// One VM snapshot, with the storage chain of each disk: the frozen disk, the iSCSI LUN
/// snapshot named by its `snapshot_local_id`, and that LUN snapshot's `local_id` (its
/// identifier in ZBS). `luns` maps LUN snapshot names to what `get-iscsi-lun-snapshots`
/// said about them.
pub fn snapshot(s: &wire::VmSnapshot, luns: &HashMap<String, wire::LunSnapshot>) -> Snapshot {
    let mut d = Vec::new();
    push(&mut d, "Consistency", consistency_label(&s.consistent_type));
    if let Some(a) = action(&s.async_status) {
        push(&mut d, "State", a);
    }
    if let Some(g) = s.snapshot_group.as_ref() {
        push(&mut d, "Snapshot group", g.name.as_str());
    }
    if let (Some(cpu), Some(mem)) = (s.vcpu.get(), s.memory.unsigned()) {
        push(
            &mut d,
            "VM config",
            format!("{cpu} vCPU, {}", human_bytes(mem)),
        );
    }
    let mut disks = Vec::new();
    for (i, disk) in s.vm_disks.iter().enumerate() {
        // CD-ROMs hold no snapshot data (seed 000: "type 为 CD_ROM 可忽略").
        if !is_data_disk(&disk.kind) {
            continue;
        }
        let device = disk
            .disk_name
            .non_empty()
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "{} {}",
                    disk.bus.as_str().to_lowercase(),
                    disk.index.get().unwrap_or(i as i64)
                )
            });
        let lun_name = disk.snapshot_local_id.non_empty();
        let lun = lun_name.and_then(|n| luns.get(n));
        let chain = match (lun_name, lun) {
            (None, _) => "no LUN snapshot recorded".to_string(),
            (Some(name), None) => format!("LUN snapshot {name} (not found by CloudTower)"),
            (Some(name), Some(l)) => {
                let mut t = format!("LUN snapshot {name} → ZBS {}", l.local_id.as_str());
                if let Some(lun) = l.iscsi_lun.as_ref().and_then(|n| n.name.non_empty()) {
                    t.push_str(&format!(" (LUN {lun}"));
                    if let Some(u) = l.unique_size.unsigned() {
                        t.push_str(&format!(", {} unique", human_bytes(u)));
                    }
                    t.push(')');
                } else if let Some(u) = l.unique_size.unsigned() {
                    t.push_str(&format!(" ({} unique)", human_bytes(u)));
                }
                t
            }
        };
        let volume = disk
            .vm_volume_local_id
            .non_empty()
            .map(|v| format!("volume {v} → "))
            .unwrap_or_default();
        push(&mut d, format!("Disk {device}"), format!("{volume}{chain}"));
        disks.push(SnapshotDisk {
            device,
            volume_id: disk.vm_volume_local_id.0.clone(),
            snapshot_id: lun
                .and_then(|l| l.local_id.non_empty())
                .or(lun_name)
                .unwrap_or_default()
                .to_string(),
        });
    }
    push(&mut d, "Local ID", s.local_id.as_str());
    Snapshot {
        id: s.id.0.clone(),
        name: s.name.0.clone(),
        description: s.description.0.clone(),
        created: time::parse(&s.local_created_at),
        memory: Some(false),
        size: s.size.unsigned(),
        disks,
        volume: None,
        details: d,
    }
}

/// CloudTower's snapshots are a flat list: oldest first, then the VM's current state.
/// `problems` are things that went wrong on the way (the LUN lookup), shown with the tree.
pub fn snapshot_tree(
    snaps: &[wire::VmSnapshot],
    luns: &HashMap<String, wire::LunSnapshot>,
    problems: Vec<String>,
) -> SnapshotTree {
    let mut list: Vec<Snapshot> = snaps.iter().map(|s| snapshot(s, luns)).collect();
    // The server was asked for creation order; keep that promise even if it did not.
    list.sort_by_key(|s| (s.created.is_none(), s.created));
    let mut tree = SnapshotTree::flat(list, Some(NOW.to_string()));
    tree.problems = problems;
    tree
}
