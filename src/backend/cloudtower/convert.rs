//! Wire types → the neutral model. Pure functions; nothing here can fail on odd values.

use std::collections::HashMap;

use super::lenient::{Float, Int, Str, time};
use super::wire::{
    self, AsyncStatus, ConnectState, Consistency, ExecutionStatus, PlanRunStatus, PlanStatus,
    PointType, TaskStatus, ToolsStatus, VmStatus,
};
use crate::model::{
    AgentState, Backup, BackupCategory, BackupDisk, BackupKind, BackupPlan, BackupStatus, Cluster,
    ClusterState, Detail, HostChoice, Named, PlatformTask, Snapshot, SnapshotDisk, SnapshotTree,
    TaskState, Timestamp, Vm, VmDetail, VmDisk, VmPower, human_bytes,
};

/// Label of the marker for the VM's current state in the (flat) snapshot list.
pub const NOW: &str = "now";

fn push(details: &mut Vec<Detail>, label: &str, value: impl Into<String>) {
    let value = value.into();
    if !value.trim().is_empty() {
        details.push(Detail::new(label, value.trim()));
    }
}

fn push_bytes(details: &mut Vec<Detail>, label: &str, v: Option<u64>) {
    if let Some(b) = v {
        details.push(Detail::new(label, human_bytes(b)));
    }
}

fn named(n: Option<&wire::Nested>) -> Option<Named> {
    n.filter(|n| !n.id.is_empty() || !n.name.is_empty())
        .map(|n| Named::new(n.id.as_str(), n.name.as_str()))
}

/// "WAITING_EXECUTE" → "waiting execute".
pub fn words(s: &str) -> String {
    s.trim().replace('_', " ").to_lowercase()
}

fn utc(ts: &Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn when(s: &Str) -> String {
    time(s).map(|t| utc(&t)).unwrap_or_default()
}

// ------------------------------------------------------------------ clusters

pub fn cluster_state(c: &wire::Cluster) -> ClusterState {
    let reason = || {
        let mut r = match c.disconnected_reason.non_empty() {
            Some(code) => words(code),
            None => "no reason given".to_string(),
        };
        if let Some(t) = time(&c.disconnected_date) {
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
        created: time(&v.local_created_at),
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
            &format!("Volume {}", vol.name.as_str()),
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
        push(
            &mut d,
            &format!("Disk {device}"),
            format!("{volume}{chain}"),
        );
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
        created: time(&s.local_created_at),
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

// ------------------------------------------------------------------ tasks

/// Where a task stands. Only `status` decides that it ended: finished tasks have been seen
/// with `progress` 0 as well as 1 (ENDPOINTS §2.9).
pub fn task_state(t: &wire::Task) -> TaskState {
    match &t.status {
        TaskStatus::Pending => TaskState::Queued,
        TaskStatus::Executing | TaskStatus::Paused => TaskState::Running {
            progress: progress(t.progress),
        },
        TaskStatus::Succeeded => TaskState::Succeeded,
        TaskStatus::Failed => TaskState::Failed {
            message: failure_message(t),
        },
        // A status the spec does not know is not proof of an end: keep following.
        TaskStatus::Unknown(_) => TaskState::Running { progress: None },
    }
}

fn progress(p: Float) -> Option<f32> {
    p.get()
        .filter(|p| *p > 0.0)
        .map(|p| if p > 1.0 { p / 100.0 } else { p })
        .map(|p| p.clamp(0.0, 1.0) as f32)
}

/// "<error_message> (CloudTower error <error_code>)", with what was rolled back.
pub fn failure_message(t: &wire::Task) -> String {
    let msg = t
        .error_message
        .non_empty()
        .map(str::to_string)
        .unwrap_or_else(|| {
            let what = t.description.non_empty().unwrap_or("the task");
            format!("{what} failed (CloudTower gave no reason)")
        });
    let mut out = match t.error_code.non_empty() {
        Some(code) => format!("{msg} (CloudTower error {code})"),
        None => msg,
    };
    if t.resource_rollbacked.is_true() {
        out.push_str("; CloudTower rolled the resource back");
    } else if let Some(e) = t.resource_rollback_error.non_empty() {
        out.push_str(&format!("; rolling the resource back failed: {e}"));
    }
    out
}

/// The resource a task works on, as an operator would name it: the resource's name from
/// the task's `snapshot` (JSON text of the resource), else its type and id.
pub fn task_target(t: &wire::Task) -> String {
    let from_snapshot = serde_json::from_str::<serde_json::Value>(t.snapshot.as_str())
        .ok()
        .and_then(|v| {
            v.get("name")
                .and_then(|n| n.as_str())
                .map(|s| s.trim().to_string())
        })
        .filter(|s| !s.is_empty());
    let kind = t.resource_type.non_empty().map(words);
    match (from_snapshot, kind, t.resource_id.non_empty()) {
        (Some(name), Some(kind), _) => format!("{kind} {name}"),
        (Some(name), None, _) => name,
        (None, Some(kind), Some(id)) => format!("{kind} {id}"),
        (None, None, Some(id)) => id.to_string(),
        (None, Some(kind), None) => kind,
        (None, None, None) => String::new(),
    }
}

pub fn platform_task(t: &wire::Task) -> PlatformTask {
    let mut d = Vec::new();
    push(&mut d, "Status", words(t.status.as_wire()));
    if let Some(p) = t.progress.get() {
        push(
            &mut d,
            "Progress",
            format!("{:.0}%", (p.clamp(0.0, 1.0)) * 100.0),
        );
    }
    push(&mut d, "Error code", t.error_code.as_str());
    push(&mut d, "Error", t.error_message.as_str());
    if let Some(c) = t.cluster.as_ref() {
        push(&mut d, "Cluster", c.name.as_str());
    }
    push(&mut d, "Resource", t.resource_type.as_str());
    push(&mut d, "Resource ID", t.resource_id.as_str());
    push(&mut d, "Change", words(&t.resource_mutation));
    push(&mut d, "Kind", words(&t.kind));
    push(&mut d, "Key", t.key.as_str());
    for step in t.steps.iter() {
        let (Some(cur), Some(total)) = (step.current.get(), step.total.get()) else {
            continue;
        };
        let unit = words(&step.unit);
        let done = if step.finished.is_true() { " ✓" } else { "" };
        push(
            &mut d,
            &format!("Step {}", step.key.as_str()),
            format!("{cur}/{total} {unit}{done}"),
        );
    }
    push(&mut d, "Created", when(&t.local_created_at));
    PlatformTask {
        id: t.id.0.clone(),
        title: t
            .description
            .non_empty()
            .map(str::to_string)
            .unwrap_or_else(|| words(&t.key)),
        target: task_target(t),
        user: t
            .user
            .as_ref()
            .map(|u| u.name.0.clone())
            .unwrap_or_default(),
        state: task_state(t),
        started: time(&t.started_at).or_else(|| time(&t.local_created_at)),
        finished: time(&t.finished_at),
        details: d,
    }
}

// ------------------------------------------------------------------ backups

/// A name an operator recognises for a restore point, which has none of its own: the
/// VM's name and the time it was taken (UTC, to the second, so names differ).
pub fn restore_point_name(p: &wire::RestorePoint) -> String {
    let vm = p
        .vm_name
        .non_empty()
        .or_else(|| p.vm.as_ref().and_then(|v| v.name.non_empty()));
    let at = time(&p.local_created_at).map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string());
    match (vm, at) {
        (Some(vm), Some(at)) => format!("{vm} {at}"),
        (Some(vm), None) => format!("{vm} {}", p.local_id.as_str()),
        (None, Some(at)) => format!("restore point {at}"),
        (None, None) => format!("restore point {}", p.local_id.as_str()),
    }
}

pub fn kind(t: &PointType) -> Option<BackupKind> {
    match t {
        PointType::Full => Some(BackupKind::Full),
        PointType::Incremental => Some(BackupKind::Incremental),
        PointType::Unknown(_) => None,
    }
}

/// A restore point as a `Backup`. `cluster` is where its VM lives (restore points only
/// carry the cluster's local id); `parent` is the parent's id when the caller resolved
/// `parent_restore_point` (which may be an id or a local id) to one.
pub fn backup(p: &wire::RestorePoint, cluster: Named, parent: Option<String>) -> Backup {
    let mut d = Vec::new();
    let kind = kind(&p.kind);
    push(&mut d, "Type", words(p.kind.as_wire()));
    push(&mut d, "Created by", words(&p.creation));
    push(
        &mut d,
        "Consistency",
        consistency_label(&p.snapshot_consistent_type),
    );
    if let Some(a) = action(&p.async_status) {
        push(&mut d, "State", a);
    }
    push_bytes(&mut d, "Size", p.size.unsigned());
    push_bytes(&mut d, "Logical size", p.logical_size.unsigned());
    push_bytes(&mut d, "Physical size", p.physical_size.unsigned());
    push_bytes(&mut d, "Valid size", p.valid_size.unsigned());
    if p.compressed.is_true() {
        let ratio = p
            .compression_ratio
            .get()
            .map(|r| format!(", ratio {r:.2}"))
            .unwrap_or_default();
        push(&mut d, "Compressed", format!("yes{ratio}"));
    }
    push(&mut d, "Parent", p.parent_restore_point.as_str());
    let restores = p.backup_restore_executions.len();
    if restores > 0 {
        push(&mut d, "Restored", format!("{restores} time(s)"));
    }
    push(&mut d, "Local ID", p.local_id.as_str());
    push(&mut d, "VM local ID", p.vm_local_id.as_str());
    push(&mut d, "Slice", p.slice.as_str());

    let vm = match p.vm.as_ref() {
        Some(v) => Named::new(
            v.id.as_str(),
            v.name.non_empty().unwrap_or(p.vm_name.as_str()),
        ),
        // The VM is gone; its restore points stay.
        None => Named::new("", p.vm_name.as_str()),
    };
    let status = match &p.async_status {
        AsyncStatus::Creating | AsyncStatus::Updating | AsyncStatus::Deleting => {
            BackupStatus::InProgress
        }
        _ => BackupStatus::Done,
    };
    let plan = named(p.backup_plan.as_ref());
    let description = {
        let k = match kind {
            Some(BackupKind::Full) => "Full restore point",
            Some(BackupKind::Incremental) => "Incremental restore point",
            None => "Restore point",
        };
        let how = match p.creation.trim().to_ascii_uppercase().as_str() {
            "AUTO" => " made on schedule",
            "MANUAL" => " made on demand",
            _ => "",
        };
        let by = plan
            .as_ref()
            .map(|pl| format!(" by plan {}", pl.name))
            .unwrap_or_default();
        format!("{k}{how}{by}")
    };
    Backup {
        id: p.id.0.clone(),
        name: restore_point_name(p),
        description,
        category: BackupCategory::Vm,
        vm,
        volume: None,
        cluster,
        tenant: None,
        point: plan,
        locations: Vec::new(),
        parent: parent.or_else(|| p.parent_restore_point.non_empty().map(str::to_string)),
        created: time(&p.local_created_at),
        status,
        kind,
        // A restore point does not list its disks; its data size is shown as one entry
        // so the size column has something true to show.
        disks: p
            .size
            .unsigned()
            .map(|size| {
                vec![BackupDisk {
                    device: "all disks".into(),
                    id: p.local_id.0.clone(),
                    capacity: Some(size),
                    details: Vec::new(),
                }]
            })
            .unwrap_or_default(),
        details: d,
    }
}

fn time_point(t: &wire::TimePoint) -> String {
    let hm = match (t.hour.get(), t.minute.get()) {
        (Some(h), Some(m)) => format!("{h:02}:{m:02}"),
        _ => String::new(),
    };
    let mut s = hm;
    if let Some(w) = t.weekday.non_empty() {
        s = format!("{w} {s}");
    }
    if let Some(day) = t.date.get() {
        s = format!("day {day} {s}");
    }
    s.trim().to_string()
}

fn schedule(period: &Str, interval: Int, points: &[&wire::TimePoint]) -> String {
    let every = match interval.get() {
        Some(n) if n > 1 => format!("every {n} × {}", words(period)),
        _ => words(period),
    };
    let at: Vec<String> = points
        .iter()
        .map(|p| time_point(p))
        .filter(|s| !s.is_empty())
        .collect();
    if at.is_empty() {
        every
    } else {
        format!("{every} at {}", at.join(", "))
    }
}

pub fn run_status_label(s: &PlanRunStatus) -> String {
    match s {
        PlanRunStatus::NeverExecute => "never run".into(),
        PlanRunStatus::WaitingExecute => "waiting to run".into(),
        PlanRunStatus::PartialSuccess => "partly failed".into(),
        PlanRunStatus::Unknown(t) if t.trim().is_empty() => String::new(),
        other => words(other.as_wire()),
    }
}

pub fn backup_plan(p: &wire::BackupPlan, cluster: &Named) -> BackupPlan {
    let mut d = Vec::new();
    push(&mut d, "Description", p.description.as_str());
    push(&mut d, "Phase", words(&p.phase));
    let full_points: Vec<&wire::TimePoint> = p.full_time_point.as_ref().into_iter().collect();
    push(
        &mut d,
        "Full backups",
        schedule(&p.full_period, p.full_interval, &full_points),
    );
    let inc_points: Vec<&wire::TimePoint> = p.incremental_time_points.iter().collect();
    let mut inc = schedule(&p.incremental_period, p.incremental_interval, &inc_points);
    if !p.incremental_weekdays.is_empty() {
        let days: Vec<&str> = p.incremental_weekdays.iter().map(|w| w.as_str()).collect();
        inc.push_str(&format!(" on {}", days.join(", ")));
    }
    push(&mut d, "Incremental backups", inc);
    if p.enable_window.is_true() {
        push(
            &mut d,
            "Window",
            format!("{}–{}", p.window_start.as_str(), p.window_end.as_str()),
        );
    }
    let keep = match (p.keep_policy.non_empty(), p.keep_policy_value.get()) {
        (Some(k), Some(v)) => format!("{} {v}", words(k)),
        (Some(k), None) => words(k),
        _ => String::new(),
    };
    push(&mut d, "Keep", keep);
    push(
        &mut d,
        "Consistency",
        match &p.snapshot_consistent_type {
            Consistency::Unknown(s) if s.trim().is_empty() => String::new(),
            other => consistency_label(other),
        },
    );
    if p.compression.is_true() {
        push(&mut d, "Compression", "on");
    }
    if let Some(r) = p.backup_store_repository.as_ref() {
        push(&mut d, "Repository", r.name.as_str());
    }
    if let Some(s) = p.backup_service.as_ref() {
        push(&mut d, "Backup service", s.name.as_str());
    }
    push(
        &mut d,
        "Last message",
        p.last_execute_status_message.as_str(),
    );
    let manual = run_status_label(&p.last_manual_execute_status);
    if !manual.is_empty() {
        let at = when(&p.last_manual_executed_at);
        push(&mut d, "Last manual run", format!("{manual} {at}"));
    }
    push(&mut d, "Created", when(&p.created_at));
    let status = match &p.status {
        PlanStatus::Working => "working".to_string(),
        PlanStatus::Paused => "paused".to_string(),
        PlanStatus::Stopped => "stopped".to_string(),
        PlanStatus::Unknown(s) => words(s),
    };
    BackupPlan {
        id: p.id.0.clone(),
        name: p.name.0.clone(),
        cluster: cluster.clone(),
        status,
        last_result: run_status_label(&p.last_execute_status),
        last_run: time(&p.last_executed_at),
        next_run: time(&p.next_execute_time),
        vms: p
            .vms
            .iter()
            .map(|v| Named::new(v.id.as_str(), v.name.as_str()))
            .collect(),
        backup_count: p.backup_restore_point_count.unsigned(),
        size: p.backup_total_size.unsigned(),
        details: d,
    }
}

/// Where a restore or a plan run stands, from its own status.
pub fn execution_state(s: &ExecutionStatus) -> Option<TaskState> {
    match s {
        ExecutionStatus::Pending | ExecutionStatus::Initializing => Some(TaskState::Queued),
        ExecutionStatus::Running | ExecutionStatus::Paused => {
            Some(TaskState::Running { progress: None })
        }
        ExecutionStatus::Success => Some(TaskState::Succeeded),
        ExecutionStatus::Failed => Some(TaskState::Failed {
            message: "the backup service reports the restore as failed".into(),
        }),
        ExecutionStatus::Aborted => Some(TaskState::Failed {
            message: "the restore was aborted".into(),
        }),
        ExecutionStatus::Unknown(_) => None,
    }
}

pub fn plan_run_state(e: &wire::PlanExecution) -> Option<TaskState> {
    let jobs = match (e.success_job_count.get(), e.total_job_count.get()) {
        (Some(ok), Some(total)) => format!(" ({ok} of {total} VM backups succeeded)"),
        _ => String::new(),
    };
    match &e.status {
        PlanRunStatus::WaitingExecute => Some(TaskState::Queued),
        PlanRunStatus::Running | PlanRunStatus::Paused => Some(TaskState::Running {
            progress: match (e.success_job_count.get(), e.total_job_count.get()) {
                (Some(ok), Some(total)) if total > 0 => {
                    Some((ok as f32 / total as f32).clamp(0.0, 1.0))
                }
                _ => None,
            },
        }),
        PlanRunStatus::Success => Some(TaskState::Succeeded),
        PlanRunStatus::PartialSuccess => Some(TaskState::Failed {
            message: format!("the plan run partly failed{jobs}"),
        }),
        PlanRunStatus::Failed => Some(TaskState::Failed {
            message: format!("the plan run failed{jobs}"),
        }),
        PlanRunStatus::NeverExecute | PlanRunStatus::Unknown(_) => None,
    }
}

// ------------------------------------------------------------------ restore choices

pub fn host_choice(h: &wire::Host) -> HostChoice {
    let ip = h
        .management_ip
        .non_empty()
        .map(|ip| format!(" ({ip})"))
        .unwrap_or_default();
    HostChoice {
        id: h.id.0.clone(),
        name: format!("{}{ip}", h.name.as_str()),
        cluster_id: h
            .cluster
            .as_ref()
            .map(|c| c.id.0.clone())
            .unwrap_or_default(),
    }
}

/// A VM network as a choice: "<name> (VLAN <n>, <cluster>)". The cluster is in the name
/// because a restored VM can only use networks of the cluster it is placed in.
pub fn network(v: &wire::Vlan, cluster_of_vds: &HashMap<String, String>) -> Named {
    let mut extra = Vec::new();
    if let Some(n) = v.vlan_id.get() {
        extra.push(format!("VLAN {n}"));
    }
    if let Some(c) = v
        .vds
        .as_ref()
        .and_then(|d| cluster_of_vds.get(d.id.as_str()))
    {
        extra.push(c.clone());
    }
    let name = if extra.is_empty() {
        v.name.0.clone()
    } else {
        format!("{} ({})", v.name.as_str(), extra.join(", "))
    };
    Named::new(v.id.as_str(), name)
}
