//! Restore points, backup plans, restore and plan executions, and the restore form's choices.

use std::collections::HashMap;

use super::{action, consistency_label, named, push, push_bytes, when, words};
use crate::cloudtower::time;
use crate::cloudtower::wire::{
    self, AsyncStatus, Consistency, ExecutionStatus, PlanRunStatus, PlanStatus, PointType,
};
use crate::lenient::{Int, Str};
use vmdeck_model::{
    Backup, BackupCategory, BackupDisk, BackupKind, BackupPlan, BackupStatus, HostChoice, Named,
    NetworkChoice, TaskState,
};

// ------------------------------------------------------------------ backups

/// A name an operator recognises for a restore point, which has none of its own: the
/// VM's name and the time it was taken (UTC, to the second, so names differ).
pub fn restore_point_name(p: &wire::RestorePoint) -> String {
    let vm = p
        .vm_name
        .non_empty()
        .or_else(|| p.vm.as_ref().and_then(|v| v.name.non_empty()));
    let at = time::parse(&p.local_created_at).map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string());
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
        root_volume: false,
        cluster,
        tenant: None,
        point: plan,
        locations: Vec::new(),
        parent: parent.or_else(|| p.parent_restore_point.non_empty().map(str::to_string)),
        created: time::parse(&p.local_created_at),
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
    if let Some(t) = time::parse(&p.created_at) {
        d.push(vmdeck_model::Detail::time("Created", t));
    }
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
        last_run: time::parse(&p.last_executed_at),
        next_run: time::parse(&p.next_execute_time),
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

/// A VM network as a choice: "<name> (VLAN <n>, <cluster>)", with the cluster it belongs to
/// (from its VDS, `vds_cluster`: VDS id → (cluster id, cluster name)), because a restored
/// VM can only use networks of the cluster it is placed in.
pub fn network(v: &wire::Vlan, vds_cluster: &HashMap<String, (String, String)>) -> NetworkChoice {
    let cluster = v.vds.as_ref().and_then(|d| vds_cluster.get(d.id.as_str()));
    let mut extra = Vec::new();
    if let Some(n) = v.vlan_id.get() {
        extra.push(format!("VLAN {n}"));
    }
    if let Some((_, name)) = cluster {
        extra.push(name.clone());
    }
    let name = if extra.is_empty() {
        v.name.0.clone()
    } else {
        format!("{} ({})", v.name.as_str(), extra.join(", "))
    };
    NetworkChoice {
        id: v.id.0.clone(),
        name,
        cluster_id: cluster.map(|(id, _)| id.clone()).unwrap_or_default(),
    }
}
