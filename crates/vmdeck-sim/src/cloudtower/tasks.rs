//! Tasks: how they render (`get-tasks`), what they do when they end, and the activity of
//! other users that appears over simulated time.

use rand::Rng;
use serde_json::{Value, json};

use super::wire::{Lang, ts};
use super::world::*;

/// A task for `effect`, by `user`, ready for [`World::push_task`].
#[allow(clippy::too_many_arguments)]
pub fn new_task(
    w: &mut World,
    user: usize,
    cluster: Option<usize>,
    desc: (String, String),
    key: &str,
    resource: (&'static str, String, String),
    mutation: &'static str,
    args: Value,
    steps: Vec<Step>,
    effect: Effect,
) -> Task {
    let (resource_type, resource_id, resource_name) = resource;
    let id = w.new_id(w.now);
    Task {
        id,
        user,
        cluster,
        created_ms: w.now,
        start_ms: w.now,
        end_ms: w.now,
        desc_en: desc.0,
        desc_zh: desc.1,
        key: key.to_string(),
        resource_type,
        resource_id: resource_id.clone(),
        mutation,
        args,
        snapshot: json!({"typename": resource_type, "id": resource_id, "name": resource_name})
            .to_string(),
        steps,
        failure: None,
        effect,
        task_type: None,
        holds_vms: Vec::new(),
        holds_plan: None,
        done: false,
        paused_ms: None,
    }
}

pub fn percent_steps(keys: &[&'static str]) -> Vec<Step> {
    keys.iter()
        .map(|k| Step {
            key: k,
            unit: "PERCENT",
            total: 100.0,
        })
        .collect()
}

/// `Task`, every key of the model present.
pub fn render(w: &World, t: usize, lang: Lang) -> Value {
    let task = &w.tasks[t];
    let now = w.now;
    let status = task.status(now);
    let frac = task.fraction(now);
    let n = task.steps.len().max(1) as f64;
    let span = (task.end_ms - task.start_ms).max(1) as f64 / 1000.0;
    let steps: Vec<Value> = task
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let share = ((frac * n) - i as f64).clamp(0.0, 1.0);
            let finished = share >= 1.0;
            json!({
                "key": s.key,
                "current": (s.total * share).round(),
                "total": s.total,
                "per_second": if status == "EXECUTING" && !finished { (s.total * n / span).round() } else { 0.0 },
                "finished": finished,
                "unit": s.unit,
            })
        })
        .collect();
    let failed = status == "FAILED";
    let progress = match status {
        "SUCCESSED" => 1.0,
        "PENDING" => 0.0,
        _ => (frac * 100.0).round() / 100.0,
    };
    let user = &w.users[task.user];
    json!({
        "id": task.id,
        "status": status,
        "progress": progress,
        "description": lang.pick(&task.desc_en, &task.desc_zh),
        "local_created_at": ts(task.created_ms),
        "internal": false,
        "args": task.args,
        "snapshot": task.snapshot,
        "steps": steps,
        "started_at": (now >= task.start_ms).then(|| ts(task.start_ms)),
        "finished_at": task.finished(now).then(|| ts(task.end_ms)),
        "error_code": if failed { task.failure.as_ref().map(|f| f.code) } else { None },
        "error_message": if failed { task.failure.as_ref().map(|f| lang.pick(&f.en, &f.zh).to_string()) } else { None },
        "key": task.key,
        "resource_id": task.resource_id,
        "resource_type": task.resource_type,
        "resource_mutation": task.mutation,
        "resource_rollbacked": if failed { Some(true) } else { None },
        "resource_rollback_error": null,
        "resource_rollback_retry_count": if failed { Some(0) } else { None },
        "type": task.task_type,
        "cluster": task.cluster.map(|c| json!({"id": w.clusters[c].id, "name": w.clusters[c].name})),
        "user": {"id": user.id, "name": user.name},
    })
}

/// Applies what a task does, at its end (`ok`: it succeeded; otherwise undo).
pub fn apply(w: &mut World, effect: Effect, ok: bool) {
    let now = w.now;
    match effect {
        Effect::Nothing => {}
        Effect::SnapshotCreate { snap } => {
            let v = w.snapshots[snap].vm;
            let luns: Vec<usize> = w.snapshots[snap]
                .disks
                .iter()
                .filter_map(|d| d.lun_snapshot)
                .collect();
            if ok {
                w.snapshots[snap].state = None;
                for l in luns {
                    w.lun_snapshots[l].state = None;
                }
                // The guest keeps writing after the snapshot: a rollback visibly undoes it.
                for d in w.vms[v].disks.clone() {
                    if let Some(vol) = w.disks[d].volume {
                        let volume = &mut w.volumes[vol];
                        volume.used = (volume.used + volume.size / 50).min(volume.size);
                    }
                }
            } else {
                w.snapshots[snap].gone = true;
                for l in luns {
                    w.lun_snapshots[l].gone = true;
                }
                w.vms[v].snapshots.retain(|&s| s != snap);
            }
        }
        Effect::Rollback { vm, snap } => {
            if ok {
                let s = w.snapshots[snap].clone();
                for d in &s.disks {
                    if let Some(vol) = d.volume
                        && !w.volumes[vol].gone
                    {
                        w.volumes[vol].used = d.used;
                    }
                }
                let v = &mut w.vms[vm];
                v.vcpu = s.vcpu;
                v.sockets = s.sockets;
                v.cores = s.cores;
                v.memory = s.memory;
                v.ha = s.ha;
                // A snapshot holds no memory: the VM comes back powered off.
                power(v, "STOPPED", now);
            }
        }
        Effect::Rebuild { vm, start } => {
            if ok {
                let v = &mut w.vms[vm];
                v.state = None;
                if start {
                    power(v, "RUNNING", now);
                }
            } else {
                drop_vm(w, vm);
            }
        }
        Effect::SnapshotDelete { snap } => {
            if ok {
                let v = w.snapshots[snap].vm;
                w.snapshots[snap].gone = true;
                for d in w.snapshots[snap].disks.clone() {
                    if let Some(l) = d.lun_snapshot {
                        w.lun_snapshots[l].gone = true;
                    }
                }
                w.vms[v].snapshots.retain(|&s| s != snap);
            } else {
                w.snapshots[snap].state = None;
            }
        }
        Effect::Power { vm, to, host } => {
            if ok {
                let hosts = w.clusters[w.vms[vm].cluster].hosts.clone();
                let v = &mut w.vms[vm];
                if to == "RUNNING" {
                    v.host = host.or(v.host).or(hosts.first().copied());
                }
                power(v, to, now);
            }
        }
        Effect::DeleteVm { vm } => {
            if ok {
                drop_vm(w, vm);
            } else {
                w.vms[vm].state = None;
            }
        }
        Effect::BackupRun { exec } => super::backups::finish_run(w, exec, ok),
        Effect::Restore { exec } => super::backups::finish_restore(w, exec, ok),
        Effect::RestorePointDelete { rps } => {
            for r in rps {
                if ok {
                    w.restore_points[r].gone = true;
                }
                w.restore_points[r].state = None;
            }
        }
    }
}

/// Sets the power state, with what follows for VMTools and usage.
pub fn power(v: &mut Vm, to: &'static str, now: i64) {
    let was_running = v.status == "RUNNING";
    v.status = to;
    match to {
        "RUNNING" => {
            if v.tools != "NOT_INSTALLED" {
                v.tools = "RUNNING";
            }
            v.cpu_usage = 3.5;
            v.memory_usage = 22.0;
        }
        _ => {
            if v.tools != "NOT_INSTALLED" {
                v.tools = "NOT_RUNNING";
            }
            v.cpu_usage = 0.0;
            v.memory_usage = 0.0;
            if was_running && to == "STOPPED" {
                v.last_shutdown_ms = Some(now);
            }
        }
    }
}

/// Removes a VM that was never finished (a failed rebuild), with its disks and volumes.
pub fn drop_vm(w: &mut World, vm: usize) {
    w.vms[vm].gone = true;
    for d in w.vms[vm].disks.clone() {
        w.disks[d].gone = true;
        if let Some(v) = w.disks[d].volume {
            w.volumes[v].gone = true;
        }
    }
}

const BACKGROUND: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Migrate VM {vm}",
        "迁移虚拟机 {vm}",
        "vm.migrate",
        "migrateVm",
        "Vm",
    ),
    (
        "Edit VM {vm}",
        "编辑虚拟机 {vm}",
        "vm.update",
        "updateVm",
        "Vm",
    ),
    (
        "Export VM {vm}",
        "导出虚拟机 {vm}",
        "vm.export",
        "exportVm",
        "Vm",
    ),
    (
        "Update NIC QoS of VM {vm}",
        "更新虚拟机 {vm} 的网卡 QoS",
        "vm.nic.update",
        "updateVmNic",
        "Vm",
    ),
    (
        "Upload ISO image CentOS-7-x86_64-DVD-2009.iso",
        "上传 ISO 映像 CentOS-7-x86_64-DVD-2009.iso",
        "elf-image.upload",
        "uploadElfImage",
        "ElfImage",
    ),
];

/// Task number `k` by another user: it touches nothing the simulator models (so it never
/// locks anything), runs 10–60 simulated seconds, and every fifth one fails.
pub fn spawn_background(w: &mut World, k: u64) {
    let mut rng = w.rng_for(k);
    let candidates: Vec<usize> = (0..w.vms.len().min(500))
        .filter(|&v| !w.vms[v].gone && w.clusters[w.vms[v].cluster].connected)
        .collect();
    let Some(&v) = candidates.get(rng.random_range(0..candidates.len().max(1))) else {
        return;
    };
    let (en, zh, key, mutation, rtype) = BACKGROUND[rng.random_range(0..BACKGROUND.len())];
    let vm = w.vms[v].name.clone();
    let user = 1 + rng.random_range(0..w.users.len().saturating_sub(1).max(1));
    let (rid, rname) = if rtype == "Vm" {
        (w.vms[v].id.clone(), vm.clone())
    } else {
        (w.new_id(w.now), "CentOS-7-x86_64-DVD-2009.iso".to_string())
    };
    let cluster = Some(w.vms[v].cluster);
    let mut task = new_task(
        w,
        user.min(w.users.len() - 1),
        cluster,
        (en.replace("{vm}", &vm), zh.replace("{vm}", &vm)),
        key,
        (
            if rtype == "Vm" { "Vm" } else { "ElfImage" },
            rid.clone(),
            rname,
        ),
        mutation,
        json!({ "id": rid }),
        percent_steps(&["prepare", "run"]),
        Effect::Nothing,
    );
    if k % 5 == 3 {
        task.failure = Some(Failure {
            code: "VM_MIGRATE_INSUFFICIENT_MEMORY",
            en: "The target host does not have enough free memory".into(),
            zh: "目标主机可用内存不足".into(),
        });
    }
    let secs = rng.random_range(10..60) as f64;
    w.push_task(task, 1.0, secs);
}
