//! Wire types → the neutral model. Pure functions over what was read; nothing here can
//! fail on odd values. Wall-clock times are read in the management node's zone.

use jiff::tz::TimeZone;

use super::known::Known;
use super::time::Date;
use super::wire::{
    BackupStorage, BackupStorageRef, Cluster as WireCluster, DatabaseBackup, EnableState, LongJob,
    LongJobState, SnapshotGroup, VmInstance, VmState, Volume, VolumeBackup, VolumeSnapshot,
    VolumeType,
};
use crate::lenient::Str;
use vmdeck_model::{
    AgentState, Backup, BackupCategory, BackupDisk, BackupKind, BackupPoint, BackupStatus, Cluster,
    ClusterState, Detail, Named, PlatformTask, Snapshot, SnapshotDisk, TaskState, Timestamp, Vm,
    VmDetail, VmDisk, VmPower, human_bytes,
};

/// What conversions need besides the record: the MN's zone and the names learned so far.
pub struct Ctx<'a> {
    pub tz: &'a TimeZone,
    pub known: &'a Known,
}

impl Ctx<'_> {
    pub fn time(&self, d: &Date) -> Option<Timestamp> {
        d.in_zone(self.tz)
    }

    fn named(&self, uuid: &Str) -> Option<Named> {
        uuid.non_empty().map(|u| self.known.named(u))
    }
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

fn bytes(v: Option<u64>) -> String {
    v.map(human_bytes).unwrap_or_default()
}

// ---------------------------------------------------------------- clusters

pub fn cluster(c: &WireCluster, ctx: &Ctx) -> Cluster {
    let state = match &c.state {
        EnableState::Enabled => ClusterState::Healthy,
        EnableState::Disabled => ClusterState::Degraded("disabled".into()),
        EnableState::Unknown(s) if s.is_empty() => ClusterState::Unknown,
        EnableState::Unknown(s) => ClusterState::Degraded(s.clone()),
    };
    let mut details = Vec::new();
    if let Some(z) = ctx.named(&c.zone_uuid) {
        push(&mut details, "Zone", z.name);
    }
    push(&mut details, "Hypervisor", c.hypervisor_type.as_str());
    push(&mut details, "Architecture", c.architecture.as_str());
    push(&mut details, "State", c.state.as_wire());
    push(&mut details, "Description", c.description.as_str());
    if let Some(t) = ctx.time(&c.create_date) {
        details.push(Detail::time("Created", t));
    }
    Cluster {
        id: c.uuid.0.clone(),
        name: c.name.non_empty().unwrap_or(&c.uuid).to_string(),
        state,
        details,
    }
}

// ---------------------------------------------------------------- VMs

/// Power state and the operation in progress. Transitional states keep the power the VM
/// has while they run (a migrating VM is running).
pub fn power(state: &VmState) -> (VmPower, Option<String>) {
    let busy = |p: VmPower, what: &str| (p, Some(what.to_string()));
    match state {
        VmState::Running => (VmPower::Running, None),
        VmState::Stopped => (VmPower::Stopped, None),
        VmState::Paused => (VmPower::Paused, None),
        VmState::Crashed => (VmPower::Crashed, None),
        VmState::Starting => busy(VmPower::Starting, "starting"),
        VmState::Stopping => busy(VmPower::Stopping, "stopping"),
        VmState::Rebooting => busy(VmPower::Running, "rebooting"),
        VmState::Migrating => busy(VmPower::Running, "migrating"),
        VmState::Pausing => busy(VmPower::Running, "pausing"),
        VmState::Resuming => busy(VmPower::Paused, "resuming"),
        VmState::VolumeMigrating => busy(VmPower::Stopped, "migrating volumes"),
        VmState::VolumeRecovering => busy(VmPower::Stopped, "recovering volumes"),
        VmState::Destroying => busy(VmPower::Unknown("destroying".into()), "destroying"),
        VmState::Expunging => busy(VmPower::Unknown("expunging".into()), "expunging"),
        VmState::Created => (VmPower::Unknown("created".into()), None),
        VmState::Destroyed => (VmPower::Unknown("destroyed".into()), None),
        VmState::Error => (VmPower::Unknown("error".into()), None),
        VmState::NoState => (VmPower::Unknown("no state".into()), None),
        VmState::Unknown(s) => (VmPower::Unknown(s.clone()), None),
    }
}

/// The address to show: the default network's NIC first, then the lowest device id.
pub fn primary_ip(v: &VmInstance, nics: &[&super::wire::VmNic]) -> String {
    let mut list: Vec<&super::wire::VmNic> = nics.to_vec();
    list.sort_by_key(|n| {
        (
            n.l3_network_uuid.as_str() != v.default_l3_network_uuid.as_str()
                || v.default_l3_network_uuid.is_empty(),
            n.device_id.get().unwrap_or(i64::MAX),
        )
    });
    list.iter()
        .find_map(|n| n.ip.non_empty())
        .unwrap_or_default()
        .to_string()
}

/// A VM from the list (no nested lists: its NICs were read apart) or from `vm_detail`.
pub fn vm(v: &VmInstance, nics: &[&super::wire::VmNic], fallback_cluster: &Named, ctx: &Ctx) -> Vm {
    ctx.known.learn(&v.uuid, &v.name);
    ctx.known.learn_root(&v.uuid, &v.root_volume_uuid);
    ctx.known.learn_zone(&v.uuid, &v.zone_uuid);
    let (power, action) = power(&v.state);
    let cluster = ctx
        .named(&v.cluster_uuid)
        .unwrap_or_else(|| fallback_cluster.clone());
    let own: Vec<&super::wire::VmNic> = v.vm_nics.iter().collect();
    let ip = if own.is_empty() {
        primary_ip(v, nics)
    } else {
        primary_ip(v, &own)
    };
    let mut details = Vec::new();
    push(&mut details, "State", v.state.as_wire());
    if let Some(h) = ctx.named(&v.host_uuid) {
        push(&mut details, "Host", h.name);
    }
    push(&mut details, "Hypervisor", v.hypervisor_type.as_str());
    push(&mut details, "Architecture", v.architecture.as_str());
    push(&mut details, "Platform", v.platform.as_str());
    push(&mut details, "Root volume", v.root_volume_uuid.as_str());
    push(&mut details, "UUID", v.uuid.as_str());
    push(&mut details, "Description", v.description.as_str());
    if let Some(t) = ctx.time(&v.last_op_date) {
        details.push(Detail::time("Last change", t));
    }
    let os = v
        .guest_os_type
        .non_empty()
        .or(v.platform.non_empty())
        .unwrap_or_default()
        .to_string();
    Vm {
        id: v.uuid.0.clone(),
        name: v.name.0.clone(),
        cluster,
        tenant: None,
        power,
        action,
        // ZStack's inventory says nothing about guest tools.
        agent: AgentState::Unknown(String::new()),
        ip,
        zone: ctx.named(&v.zone_uuid),
        group: None,
        os,
        vcpu: v.cpu_num.get().and_then(|n| u32::try_from(n).ok()),
        memory_bytes: v.memory_size.unsigned(),
        created: ctx.time(&v.create_date),
        details,
    }
}

/// Root first, then data volumes by device id; memory and cache volumes last.
pub fn volume_order(v: &Volume) -> (u8, i64) {
    let kind = match v.kind {
        VolumeType::Root => 0,
        VolumeType::Data => 1,
        _ => 2,
    };
    (kind, v.device_id.get().unwrap_or(i64::MAX))
}

/// "root volume", "data volume 1" — what the operator calls it when it has no name.
pub fn volume_label(v: &Volume) -> String {
    let name = v.name.non_empty().unwrap_or(&v.uuid);
    match (&v.kind, v.device_id.get()) {
        (VolumeType::Root, _) => format!("Root volume {name}"),
        (VolumeType::Data, Some(d)) => format!("Data volume {name} (device {d})"),
        (VolumeType::Data, None) => format!("Data volume {name}"),
        (other, _) => format!("{} volume {name}", other.as_wire()),
    }
}

pub fn vm_detail(v: &VmInstance, fallback_cluster: &Named, ctx: &Ctx) -> VmDetail {
    let vm = vm(v, &[], fallback_cluster, ctx);
    let mut volumes: Vec<&Volume> = v
        .all_volumes
        .iter()
        .filter(|vol| matches!(vol.kind, VolumeType::Root | VolumeType::Data))
        .collect();
    volumes.sort_by_key(|vol| volume_order(vol));
    let disks = volumes
        .iter()
        .map(|vol| {
            ctx.known.learn(&vol.uuid, &vol.name);
            VmDisk {
                device: match (&vol.kind, vol.device_id.get()) {
                    (VolumeType::Root, _) => "root".into(),
                    (_, Some(d)) => format!("data {d}"),
                    _ => "data".into(),
                },
                volume: Named::new(vol.uuid.as_str(), vol.name.non_empty().unwrap_or(&vol.uuid)),
                pool: ctx.named(&vol.primary_storage_uuid),
                capacity: vol.size.unsigned(),
                disk_type: vol.format.non_empty().map(str::to_string),
                is_root: vol.kind == VolumeType::Root,
            }
        })
        .collect();
    let mut details = vm.details.clone();
    let ips: Vec<&str> = v.vm_nics.iter().filter_map(|n| n.ip.non_empty()).collect();
    push(&mut details, "IP addresses", ips.join(", "));
    push(&mut details, "Image", v.image_uuid.as_str());
    VmDetail { vm, disks, details }
}

// ---------------------------------------------------------------- snapshots

pub fn snapshot(s: &VolumeSnapshot, volume: Option<Named>, ctx: &Ctx) -> Snapshot {
    let mut details = Vec::new();
    push(&mut details, "Status", s.status.as_wire());
    push(&mut details, "State", s.state.as_wire());
    push(&mut details, "Type", s.kind.as_str());
    push(&mut details, "Volume type", s.volume_type.as_wire());
    push(&mut details, "Format", s.format.as_str());
    if let Some(d) = s.distance.get() {
        push(&mut details, "Chain depth", d.to_string());
    }
    if s.latest.is_true() {
        push(
            &mut details,
            "Latest",
            "yes: the volume's next snapshot goes below it",
        );
    }
    push(&mut details, "Tree", s.tree_uuid.as_str());
    push(&mut details, "Snapshot group", s.group_uuid.as_str());
    push(&mut details, "UUID", s.uuid.as_str());
    let disks = vec![SnapshotDisk {
        device: volume.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
        volume_id: s.volume_uuid.0.clone(),
        snapshot_id: s.uuid.0.clone(),
    }];
    Snapshot {
        id: s.uuid.0.clone(),
        name: s.name.non_empty().unwrap_or(&s.uuid).to_string(),
        description: s.description.0.clone(),
        created: ctx.time(&s.create_date),
        memory: Some(s.volume_type == VolumeType::Memory),
        size: s.size.unsigned(),
        disks,
        volume,
        details,
    }
}

/// A VM-level snapshot group, shown as one snapshot of the whole VM (`volume: None`).
pub fn group_snapshot(g: &SnapshotGroup, ctx: &Ctx) -> Snapshot {
    let mut details = Vec::new();
    let count = g
        .snapshot_count
        .unsigned()
        .unwrap_or(g.volume_snapshot_refs.len() as u64);
    push(&mut details, "Volumes", count.to_string());
    let deleted = g
        .volume_snapshot_refs
        .iter()
        .filter(|r| r.snapshot_deleted.is_true())
        .count();
    if deleted > 0 {
        push(
            &mut details,
            "Incomplete",
            format!("{deleted} of its volume snapshots were deleted"),
        );
    }
    push(&mut details, "UUID", g.uuid.as_str());
    let mut refs: Vec<_> = g.volume_snapshot_refs.iter().collect();
    refs.sort_by_key(|r| r.device_id.get().unwrap_or(i64::MAX));
    let disks = refs
        .iter()
        .map(|r| SnapshotDisk {
            device: r
                .volume_name
                .non_empty()
                .unwrap_or(&r.volume_uuid)
                .to_string(),
            volume_id: r.volume_uuid.0.clone(),
            snapshot_id: r.volume_snapshot_uuid.0.clone(),
        })
        .collect();
    Snapshot {
        id: g.uuid.0.clone(),
        name: g.name.non_empty().unwrap_or(&g.uuid).to_string(),
        description: g.description.0.clone(),
        created: ctx.time(&g.create_date),
        memory: None,
        size: None,
        disks,
        volume: None,
        details,
    }
}

// ---------------------------------------------------------------- backup storages

pub fn backup_point(b: &BackupStorage) -> BackupPoint {
    let mut details = Vec::new();
    push(&mut details, "URL", b.url.as_str());
    push(&mut details, "Host", b.hostname.as_str());
    push(&mut details, "Status", b.status.as_str());
    if let (Some(total), Some(avail)) =
        (b.total_capacity.unsigned(), b.available_capacity.unsigned())
    {
        push(
            &mut details,
            "Capacity",
            format!("{} free of {}", human_bytes(avail), human_bytes(total)),
        );
    }
    push(&mut details, "Description", b.description.as_str());
    let state = match (b.state.as_wire(), b.status.non_empty()) {
        ("", Some(status)) => status.to_string(),
        (state, Some(status)) => format!("{state}, {status}"),
        (state, None) => state.to_string(),
    };
    BackupPoint {
        id: b.uuid.0.clone(),
        name: b.name.non_empty().unwrap_or(&b.uuid).to_string(),
        kind: b.kind.0.clone(),
        state,
        details,
    }
}

pub fn is_image_store(b: &BackupStorage) -> bool {
    b.kind
        .as_str()
        .eq_ignore_ascii_case("ImageStoreBackupStorage")
}

// ---------------------------------------------------------------- backups

fn backup_status(status: &str) -> BackupStatus {
    match status.trim().to_ascii_lowercase().as_str() {
        "ready" | "done" | "completed" | "succeeded" => BackupStatus::Done,
        "creating" | "syncing" | "recovering" | "restoring" | "exporting" => {
            BackupStatus::InProgress
        }
        "failed" | "error" => BackupStatus::Failed,
        _ => BackupStatus::Unknown(status.to_string()),
    }
}

fn kind(mode: &str) -> Option<BackupKind> {
    match mode.trim().to_ascii_lowercase().as_str() {
        "full" => Some(BackupKind::Full),
        "incremental" => Some(BackupKind::Incremental),
        _ => None,
    }
}

/// Copies in the order they were made: the first is where the backup was written,
/// the others came from syncs.
fn sorted_refs(refs: &[BackupStorageRef], ctx: &Ctx) -> Vec<BackupStorageRef> {
    let mut refs: Vec<BackupStorageRef> = refs
        .iter()
        .filter(|r| r.backup_storage_uuid.non_empty().is_some())
        .cloned()
        .collect();
    refs.sort_by_key(|r| ctx.time(&r.create_date));
    refs.dedup_by(|a, b| a.backup_storage_uuid == b.backup_storage_uuid);
    refs
}

fn locations(refs: &[BackupStorageRef], ctx: &Ctx) -> Vec<Named> {
    refs.iter()
        .map(|r| ctx.known.named(&r.backup_storage_uuid))
        .collect()
}

fn ref_details(refs: &[BackupStorageRef], ctx: &Ctx, details: &mut Vec<Detail>) {
    for r in refs {
        let bs = ctx.known.named(&r.backup_storage_uuid).name;
        let status = r
            .status
            .non_empty()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        push(
            details,
            format!("On {bs}"),
            format!("{}{status}", r.install_path.as_str()),
        );
        if let Some(url) = r.export_url.non_empty() {
            push(details, format!("Exported from {bs}"), url);
        }
    }
}

/// Which cluster a backup belongs to: the asked one when the list was for a cluster,
/// else its VM's (when known).
pub struct BackupOwner {
    pub vm: Named,
    pub cluster: Named,
}

/// A volume backup on its own (`groupUuid` unset).
pub fn volume_backup(b: &VolumeBackup, owner: &BackupOwner, ctx: &Ctx) -> Backup {
    let refs = sorted_refs(&b.backup_storage_refs, ctx);
    let mut details = Vec::new();
    push(&mut details, "Mode", b.mode.as_str());
    push(&mut details, "Status", b.status.as_str());
    push(&mut details, "State", b.state.as_wire());
    push(&mut details, "Volume type", b.kind.as_wire());
    push(&mut details, "Size", bytes(b.size.unsigned()));
    ref_details(&refs, ctx, &mut details);
    push(&mut details, "UUID", b.uuid.as_str());
    let volume = b.volume_uuid.non_empty().map(|u| ctx.known.named(u));
    Backup {
        id: b.uuid.0.clone(),
        name: b.name.non_empty().unwrap_or(&b.uuid).to_string(),
        description: b.description.0.clone(),
        category: BackupCategory::Volume,
        vm: owner.vm.clone(),
        volume: volume.clone(),
        root_volume: b.kind == VolumeType::Root,
        cluster: owner.cluster.clone(),
        tenant: None,
        point: locations(&refs, ctx).into_iter().next(),
        locations: locations(&refs, ctx),
        parent: None,
        created: ctx.time(&b.create_date),
        status: backup_status(&b.status),
        kind: kind(&b.mode),
        disks: vec![BackupDisk {
            device: volume.map(|v| v.name).unwrap_or_default(),
            id: b.uuid.0.clone(),
            capacity: b.size.unsigned(),
            details: Vec::new(),
        }],
        details,
    }
}

/// A VM backup: the volume backups sharing one `groupUuid`, the root one first.
pub fn vm_backup(group: &str, members: &[&VolumeBackup], owner: &BackupOwner, ctx: &Ctx) -> Backup {
    let mut members: Vec<&VolumeBackup> = members.to_vec();
    members.sort_by_key(|m| (m.kind != VolumeType::Root, ctx.time(&m.create_date)));
    let head = members.first().copied();
    let name = head
        .and_then(|h| h.name.non_empty())
        .unwrap_or(group)
        .to_string();
    // A location counts when every member has a copy there.
    let mut refs = head
        .map(|h| sorted_refs(&h.backup_storage_refs, ctx))
        .unwrap_or_default();
    refs.retain(|r| {
        members.iter().all(|m| {
            m.backup_storage_refs
                .iter()
                .any(|x| x.backup_storage_uuid == r.backup_storage_uuid)
        })
    });
    let statuses: Vec<BackupStatus> = members.iter().map(|m| backup_status(&m.status)).collect();
    let status = if statuses.contains(&BackupStatus::Failed) {
        BackupStatus::Failed
    } else if statuses.contains(&BackupStatus::InProgress) {
        BackupStatus::InProgress
    } else if !statuses.is_empty() && statuses.iter().all(|s| *s == BackupStatus::Done) {
        BackupStatus::Done
    } else {
        statuses
            .into_iter()
            .find(|s| *s != BackupStatus::Done)
            .unwrap_or(BackupStatus::Unknown(String::new()))
    };
    let mut details = Vec::new();
    if let Some(h) = head {
        push(&mut details, "Mode", h.mode.as_str());
        push(&mut details, "Status", h.status.as_str());
    }
    push(&mut details, "Volumes", members.len().to_string());
    let total: Option<u64> = members
        .iter()
        .map(|m| m.size.unsigned())
        .try_fold(0u64, |acc, s| s.map(|s| acc.saturating_add(s)));
    push(&mut details, "Size", bytes(total));
    ref_details(&refs, ctx, &mut details);
    push(&mut details, "Group UUID", group);
    let disks = members
        .iter()
        .map(|m| {
            let vol = m
                .volume_uuid
                .non_empty()
                .map(|u| ctx.known.named(u).name)
                .unwrap_or_default();
            BackupDisk {
                device: match m.kind {
                    VolumeType::Root => format!("root {vol}"),
                    _ => format!("data {vol}"),
                }
                .trim()
                .to_string(),
                id: m.uuid.0.clone(),
                capacity: m.size.unsigned(),
                details: vec![Detail::new("Volume", m.volume_uuid.as_str())],
            }
        })
        .collect();
    Backup {
        id: group.to_string(),
        name,
        description: head.map(|h| h.description.0.clone()).unwrap_or_default(),
        category: BackupCategory::Vm,
        vm: owner.vm.clone(),
        volume: None,
        root_volume: false,
        cluster: owner.cluster.clone(),
        tenant: None,
        point: locations(&refs, ctx).into_iter().next(),
        locations: locations(&refs, ctx),
        parent: None,
        created: head.and_then(|h| ctx.time(&h.create_date)),
        status,
        kind: head.and_then(|h| kind(&h.mode)),
        disks,
        details,
    }
}

pub fn database_backup(b: &DatabaseBackup, ctx: &Ctx) -> Backup {
    let refs = sorted_refs(&b.backup_storage_refs, ctx);
    let mut details = Vec::new();
    push(&mut details, "Status", b.status.as_str());
    push(&mut details, "State", b.state.as_wire());
    push(&mut details, "Metadata", b.metadata.as_str());
    ref_details(&refs, ctx, &mut details);
    push(&mut details, "UUID", b.uuid.as_str());
    // The dump is its one "disk": so the list's size column and Details' total read it.
    let disks = b
        .size
        .unsigned()
        .map(|size| {
            vec![BackupDisk {
                device: "database".into(),
                id: b.uuid.0.clone(),
                capacity: Some(size),
                details: Vec::new(),
            }]
        })
        .unwrap_or_default();
    Backup {
        id: b.uuid.0.clone(),
        name: b.name.non_empty().unwrap_or(&b.uuid).to_string(),
        description: b.description.0.clone(),
        category: BackupCategory::Database,
        vm: Named::default(),
        volume: None,
        root_volume: false,
        cluster: Named::default(),
        tenant: None,
        point: locations(&refs, ctx).into_iter().next(),
        locations: locations(&refs, ctx),
        parent: None,
        created: ctx.time(&b.create_date),
        status: if b.status.is_empty() {
            BackupStatus::Done
        } else {
            backup_status(&b.status)
        },
        kind: None,
        disks,
        details,
    }
}

// ---------------------------------------------------------------- long jobs

/// `APIRevertVolumeFromSnapshotMsg` → "Revert volume from snapshot".
pub fn job_title(job_name: &str) -> String {
    let core = job_name
        .rsplit('.')
        .next()
        .unwrap_or(job_name)
        .trim_start_matches("API")
        .trim_end_matches("Msg");
    let mut out = String::new();
    for (i, c) in core.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a failed long job's `jobResult` says: the `JobResultError` ZStack writes since
/// 2020, or the `ErrorCode` (bare or under `"error"`) older MNs wrote and kept rows still hold.
fn job_failure(result: &str) -> String {
    use super::envelope::compose;
    use super::wire::{ErrorCode, JobResultError};
    let r = result.trim();
    let coded =
        |e: &ErrorCode| format!("{}: {}", e.code.non_empty().unwrap_or("error"), compose(e));
    if let Some(e) = super::envelope::error_of(r.as_bytes()) {
        return coded(&e);
    }
    if let Ok(e) = serde_json::from_str::<ErrorCode>(r)
        && (e.code.non_empty().is_some() || e.details.non_empty().is_some())
    {
        return coded(&e);
    }
    if let Ok(j) = serde_json::from_str::<JobResultError>(r) {
        let detail = j.detail.as_str().trim();
        let cause = j.cause.as_str().trim();
        if !detail.is_empty() || !cause.is_empty() {
            // As an ErrorCode, so it reads like every other ZStack error; the cause is
            // the detail itself when the error had none.
            let elaboration = j.message.0.map(|m| m.message_en).unwrap_or_default();
            let root = (!cause.is_empty() && !detail.contains(cause)).then(|| ErrorCode {
                details: cause.into(),
                ..ErrorCode::default()
            });
            let e = ErrorCode {
                details: detail.into(),
                elaboration,
                cause: crate::lenient::Maybe(root.map(Box::new)),
                ..ErrorCode::default()
            };
            return compose(&e);
        }
    }
    if r.is_empty() {
        "the long job failed without saying why".into()
    } else {
        r.chars().take(300).collect()
    }
}

pub fn long_job(j: &LongJob, ctx: &Ctx) -> PlatformTask {
    let state = match &j.state {
        LongJobState::Waiting => TaskState::Queued,
        // Its MN went away (or someone suspended it): it waits to be resumed.
        LongJobState::Suspended => TaskState::Paused { progress: None },
        LongJobState::Running | LongJobState::Canceling => TaskState::Running { progress: None },
        LongJobState::Succeeded => TaskState::Succeeded,
        LongJobState::Canceled => TaskState::Canceled,
        LongJobState::Failed => TaskState::Failed {
            message: job_failure(&j.job_result),
        },
        LongJobState::Unknown(s) => TaskState::Unknown {
            reason: format!("ZStack reports long job state \"{s}\""),
        },
    };
    let title = j
        .name
        .non_empty()
        .map(str::to_string)
        .unwrap_or_else(|| job_title(&j.job_name));
    let target = j
        .target_resource_uuid
        .non_empty()
        .map(|u| ctx.known.named(u).name)
        .unwrap_or_default();
    let mut details = Vec::new();
    push(&mut details, "Job", j.job_name.as_str());
    push(&mut details, "State", j.state.as_wire());
    push(&mut details, "Long job", j.uuid.as_str());
    push(&mut details, "API", j.api_id.as_str());
    if let Some(secs) = j.execute_time.unsigned() {
        push(
            &mut details,
            "Ran for",
            vmdeck_model::format_elapsed(std::time::Duration::from_secs(secs)),
        );
    }
    push(&mut details, "Description", j.description.as_str());
    // LongJobApiInterceptor lets a job be canceled until it has ended.
    let cancel = matches!(
        j.state,
        LongJobState::Waiting | LongJobState::Running | LongJobState::Suspended
    )
    .then(|| j.uuid.non_empty().map(str::to_string))
    .flatten();
    PlatformTask {
        // The API id is the api-job uuid: the one our own watches report.
        id: j
            .api_id
            .non_empty()
            .or(j.uuid.non_empty())
            .unwrap_or_default()
            .to_string(),
        title,
        target,
        user: String::new(),
        started: ctx.time(&j.create_date),
        // The last change of a suspended job is its suspension: the clock stops there.
        finished: if state.clock_stopped() {
            ctx.time(&j.last_op_date)
        } else {
            None
        },
        state,
        details,
        cancel,
    }
}
