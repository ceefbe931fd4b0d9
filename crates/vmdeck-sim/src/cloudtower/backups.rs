//! The built-in backup service: services, store repositories, plans, restore points and
//! executions (how they render), and `execute-backup-plan`, `backup-restore-vm-in-place`,
//! `backup-rebuild-vm`, `delete-backup-restore-point`,
//! `get-backup-restore-point-metadata`.
//!
//! * Execute (10 s + 0.1 s per GiB read, at most 600 s): one `BackupPlanExecution`
//!   (`method: MANUAL`) with one `BackupTargetExecution` per VM of the plan; when the task
//!   succeeds each VM gets a new restore point. `INCREMENTAL` points have
//!   `parent_restore_point` = the VM's previous point in the plan (its id); a VM with no
//!   point yet gets a `FULL` one. A `STOPPED` plan or one without VMs: 400; a plan already
//!   running: `ResourceLocked`. The repository `nfs-offsite-dr` is in `ERROR`: executions
//!   of plans on it (`灾备-异地备份`) and restores from it always fail
//!   (`BACKUP_STORE_UNAVAILABLE`).
//! * Restore in place (15 s + 0.1 s per GiB): the VM's volumes get back the data of the
//!   point, its CPU and memory its stored configuration; it ends `RUNNING` when
//!   `startup_after_restore`, else `STOPPED`. The VM must still exist (else 400: rebuild).
//! * Rebuild (20 s + 0.1 s per GiB): a new VM (`entityAsyncStatus: CREATING` at once) in
//!   the target cluster/host. Each stored NIC's VLAN goes through
//!   `rebuild_network_mapping` (`src_vlan_id` → `dst_vlan_id`); an unmapped NIC keeps its
//!   VLAN in the same cluster and is a 400 in another one.
//! * Delete (2 s): a point and every point whose chain depends on it (its incrementals)
//!   go together; each element's `data` lists them all with `entityAsyncStatus:
//!   DELETING`. Points being restored from are `ResourceLocked`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::inventory::{check_operable, nested_vm};
use super::seed::{add_point, add_target, last_point, new_disk, new_volume, store_vm};
use super::tasks::{new_task, power};
use super::wire::{ApiError, ApiResult, ts};
use super::world::*;
use super::{Req, matched};

const DAY: i64 = 86_400_000;

fn nested(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name})
}

fn seconds_for(bytes: i64, base: f64) -> f64 {
    (base + bytes as f64 / GIB as f64 * 0.1).min(600.0)
}

fn live_points(w: &World) -> impl Iterator<Item = (usize, &RestorePoint)> {
    w.restore_points.iter().enumerate().filter(|(_, r)| !r.gone)
}

pub fn service(w: &World, i: usize) -> Value {
    let s = &w.services[i];
    super::wire::join_all([
        json!({
            "id": s.id,
            "name": s.name,
            "kube_config": s.kube_config,
            "status": s.status,
            "description": s.description,
            "application": null,
            "running_vm": null,
            "backup_clusters": s.clusters.iter().map(|&c| nested(&w.clusters[c].id, &w.clusters[c].name)).collect::<Vec<_>>(),
            "backup_plans": w.plans.iter().filter(|p| p.service == i).map(|p| nested(&p.id, &p.name)).collect::<Vec<_>>(),
            "backup_store_repositories": w.repos.iter().filter(|r| r.service == i).map(|r| nested(&r.id, &r.name)).collect::<Vec<_>>(),
            "management_network_ip": s.ip,
            "management_network_gateway": "10.10.0.1",
            "management_network_subnet_mask": "255.255.255.0",
            "management_network_vlan": "mgt-network",
        }),
        json!({
            "storage_network_ip": s.storage_ip,
            "storage_network_gateway": "10.10.1.1",
            "storage_network_subnet_mask": "255.255.255.0",
            "storage_network_vlan": "storage-network",
            "storage_network_type": "STORAGE",
            "backup_network_ip": null,
            "backup_network_gateway": null,
            "backup_network_subnet_mask": null,
            "backup_network_vlan": null,
            "backup_network_type": "MANAGEMENT",
            "backup_rd_iops_max": null,
            "backup_wr_iops_max": null,
            "restore_rd_iops_max": null,
            "restore_wr_iops_max": null,
        }),
        json!({
            "max_parallel_backup_jobs": 4,
            "max_parallel_restore_jobs": 2,
            "max_job_retry_times": 3,
            "retry_interval": 300,
            "entityAsyncStatus": null,
            "network_status": s.clusters.iter().map(|&c| json!({"cluster": w.clusters[c].id, "status": "CONNECTED"})).collect::<Vec<_>>(),
        }),
    ])
}

pub fn repo(w: &World, i: usize) -> Value {
    let r = &w.repos[i];
    let points: Vec<(usize, &RestorePoint)> = live_points(w)
        .filter(|(_, p)| w.plans[p.plan].repo == i)
        .collect();
    let used = r.base_used + points.iter().map(|(_, p)| p.physical).sum::<i64>();
    let iscsi = r.kind == "ISCSI";
    json!({
        "id": r.id,
        "name": r.name,
        "type": r.kind,
        "status": r.status,
        "total_capacity": r.total,
        "used_data_space": used,
        "used_data_space_usage": (used as f64 / r.total.max(1) as f64 * 10_000.0).round() / 10_000.0,
        "valid_data_space": r.total - used,
        "createdAt": ts(r.created_ms),
        "description": r.description,
        "error_code": r.error_code,
        "backup_service": nested(&w.services[r.service].id, &w.services[r.service].name),
        "nfs_server": if iscsi { None } else { Some(r.address.clone()) },
        "nfs_path": if iscsi { None } else { Some(r.path.clone()) },
        "iscsi_ip": if iscsi { Some(r.address.clone()) } else { None },
        "iscsi_port": if iscsi { Some(3260) } else { None },
        "iscsi_target_iqn": if iscsi { Some(r.path.clone()) } else { None },
        "iscsi_lun_id": if iscsi { Some("0") } else { None },
        "iscsi_chap_name": null,
        "iscsi_chap_secret": null,
        "update_timestamp": ts(r.created_ms + 86_400_000),
        "entityAsyncStatus": null,
        "backup_plans": w.plans.iter().filter(|p| p.repo == i).map(|p| nested(&p.id, &p.name)).collect::<Vec<_>>(),
        "backup_restore_points": points.iter().map(|(_, p)| json!({"id": p.id})).collect::<Vec<_>>(),
    })
}

/// `status` of a plan execution while its task runs, or its result.
fn exec_status(w: &World, e: usize) -> (&'static str, &'static str) {
    let ex = &w.plan_execs[e];
    match (ex.result, ex.task) {
        (Some(r), _) => r,
        (None, Some(t)) if w.tasks[t].status(w.now) == "PENDING" => ("WAITING_EXECUTE", "STARTING"),
        _ => ("RUNNING", "RUNNING"),
    }
}

fn next_run(w: &World, p: &Plan) -> Option<String> {
    if p.status != "WORKING" {
        return None;
    }
    let day_start = w.now - w.now.rem_euclid(DAY);
    let mut at = day_start + p.hour * 3_600_000 + p.minute * 60_000;
    if at <= w.now {
        at += DAY;
    }
    Some(ts(at))
}

pub fn plan(w: &World, i: usize) -> Value {
    let p = &w.plans[i];
    let points: Vec<&RestorePoint> = live_points(w)
        .filter(|(_, r)| r.plan == i)
        .map(|(_, r)| r)
        .collect();
    let last = |manual: bool| {
        p.executions
            .iter()
            .rev()
            .copied()
            .find(|&e| w.plan_execs[e].manual == manual)
    };
    let status_of = |e: Option<usize>| e.map_or("NEVER_EXECUTE", |e| exec_status(w, e).0);
    let (auto, manual) = (last(false), last(true));
    let message = |e: Option<usize>| {
        e.filter(|&e| exec_status(w, e).0 == "FAILED")
            .map(|_| "备份存储仓库不可用 (BACKUP_STORE_UNAVAILABLE)".to_string())
    };
    let count = |e: Option<usize>, total: bool| {
        e.map(|e| {
            let ex = &w.plan_execs[e];
            if total {
                ex.targets.len() as i64
            } else {
                ex.success
            }
        })
    };
    let total: i64 = points.iter().map(|r| r.size).sum();
    let physical: i64 = points.iter().map(|r| r.physical).sum();
    let logical: i64 = points.iter().map(|r| r.logical).sum();
    super::wire::join_all([
        json!({
            "id": p.id,
            "name": p.name,
            "description": p.description,
            "status": p.status,
            "phase": match p.status { "WORKING" => "WAITING_SCHEDULE", "PAUSED" => "PAUSED", _ => "STOPPED" },
            "createdAt": ts(p.created_ms),
            "backup_service": nested(&w.services[p.service].id, &w.services[p.service].name),
            "backup_store_repository": nested(&w.repos[p.repo].id, &w.repos[p.repo].name),
            "enable_window": false,
            "window_start": null,
            "window_end": null,
            "full_period": p.full_period,
            "full_interval": 1,
            "full_time_point": {"hour": p.hour, "minute": p.minute, "weekday": p.full_weekday, "date": null, "date_position": []},
        }),
        json!({
            "incremental_period": "DAILY",
            "incremental_interval": 1,
            "incremental_time_points": [{"hour": p.hour, "minute": p.minute, "weekday": null, "date": null, "date_position": []}],
            "incremental_weekdays": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"],
            "keep_policy": "COUNT",
            "keep_policy_value": p.keep_count,
            "snapshot_consistent_type": p.consistent,
            "compression": p.compression,
            "compression_ratio": if p.compression { 0.62 } else { 1.0 },
            "delete_strategy": null,
            "backup_delay_option": "KEEP_GO_ON",
            "next_execute_time": next_run(w, p),
            "last_execute_status": status_of(auto),
            "last_execute_status_message": message(auto),
        }),
        json!({
            "last_execute_success_job_count": count(auto, false),
            "last_execute_total_job_count": count(auto, true),
            "last_executed_at": auto.map(|e| ts(w.plan_execs[e].created_ms)),
            "last_manual_execute_status": status_of(manual),
            "last_manual_execute_status_message": message(manual),
            "last_manual_execute_success_job_count": count(manual, false),
            "last_manual_execute_total_job_count": count(manual, true),
            "last_manual_executed_at": manual.map(|e| ts(w.plan_execs[e].created_ms)),
            "backup_restore_point_count": points.len(),
            "backup_total_size": total,
            "logical_size": logical,
            "physical_size": physical,
            "valid_size_of_backup_object": logical,
            "valid_size_of_restore_point": total,
        }),
        json!({
            "entityAsyncStatus": null,
            "vms": p.vms.iter().filter(|&&v| !w.vms[v].gone).map(|&v| nested(&w.vms[v].id, &w.vms[v].name)).collect::<Vec<_>>(),
            "backup_plan_executions": p.executions.iter().map(|&e| json!({"id": w.plan_execs[e].id})).collect::<Vec<_>>(),
            "backup_restore_points": points.iter().map(|r| json!({"id": r.id})).collect::<Vec<_>>(),
        }),
    ])
}

pub fn restore_point(w: &World, i: usize) -> Value {
    let r = &w.restore_points[i];
    let plan = &w.plans[r.plan];
    let vm = &w.vms[r.vm];
    json!({
        "id": r.id,
        "local_id": r.local_id,
        "slice": format!("{}/{}", vm.local_id, r.local_id),
        "backup_plan": nested(&plan.id, &plan.name),
        "backup_target_execution": {"id": w.target_execs[r.target_exec].id},
        "vm": nested_vm(w, r.vm),
        "vm_name": r.stored.name,
        "vm_local_id": r.stored.local_id,
        "cluster_local_id": w.clusters[r.stored.cluster].local_id,
        "type": r.kind,
        "creation": if r.manual { "MANUAL" } else { "AUTO" },
        "snapshot_consistent_type": r.consistent,
        "local_created_at": ts(r.created_ms),
        "size": r.size,
        "logical_size": r.logical,
        "physical_size": r.physical,
        "valid_size": r.size,
        "valid_capacity": r.logical,
        "compressed": plan.compression,
        "compression_ratio": if plan.compression { 0.62 } else { 1.0 },
        "parent_restore_point": r.parent.map(|p| w.restore_points[p].id.clone()),
        "backup_restore_executions": r.restores.iter().map(|&e| json!({"id": w.restore_execs[e].id})).collect::<Vec<_>>(),
        "entityAsyncStatus": r.state.map(Async::as_str),
    })
}

pub fn plan_execution(w: &World, i: usize) -> Value {
    let ex = &w.plan_execs[i];
    let plan = &w.plans[ex.plan];
    let (status, state) = exec_status(w, i);
    let done = ex.result.is_some();
    json!({
        "id": ex.id,
        "local_id": ex.local_id,
        "local_created_at": ts(ex.created_ms),
        "method": if ex.manual { "MANUAL" } else { "AUTO" },
        "status": status,
        "state": state,
        "type": ex.kind,
        "executed_at": ts(ex.created_ms),
        "duration": if done { Some(ex.duration_s) } else { None },
        "success_job_count": ex.success,
        "total_job_count": ex.targets.len(),
        "backup_plan": nested(&plan.id, &plan.name),
        "deletable_flag_marked": false,
        "entityAsyncStatus": null,
    })
}

pub fn target_execution(w: &World, i: usize) -> Value {
    let t = &w.target_execs[i];
    let task = w.plan_execs[t.plan_exec].task;
    let (status, frac) = match (t.result, task) {
        (Some(r), _) => (r, if r == "SUCCESS" { 1.0 } else { 0.6 }),
        (None, Some(k)) if w.tasks[k].status(w.now) == "PENDING" => ("PENDING", 0.0),
        (None, Some(k)) => ("RUNNING", w.tasks[k].fraction(w.now)),
        (None, None) => ("PENDING", 0.0),
    };
    json!({
        "id": t.id,
        "local_id": t.local_id,
        "executed_at": ts(t.executed_ms),
        "backup_group": w.plan_execs[t.plan_exec].local_id,
        "parent_backup": t.parent_backup,
        "type": t.kind,
        "status": status,
        "vm": nested_vm(w, t.vm),
        "vm_name": t.vm_name,
        "vm_local_id": t.vm_local_id,
        "cluster_local_id": t.cluster_local_id,
        "read_bytes": (t.total_bytes as f64 * frac) as i64,
        "total_bytes": t.total_bytes,
        "duration": t.result.map(|_| t.duration_s),
        "retry_times": 0,
        "backup_plan_execution": {"id": w.plan_execs[t.plan_exec].id},
        "backup_restore_point": t.restore_point.map(|r| json!({"id": w.restore_points[r].id})),
        "entityAsyncStatus": null,
    })
}

pub fn restore_execution(w: &World, i: usize) -> Value {
    let e = &w.restore_execs[i];
    let (status, frac) = match (e.result, e.task) {
        (Some(r), _) => (r, if r == "SUCCESS" { 1.0 } else { 0.6 }),
        (None, Some(k)) if w.tasks[k].status(w.now) == "PENDING" => ("INITIALIZING", 0.0),
        (None, Some(k)) => ("RUNNING", w.tasks[k].fraction(w.now)),
        (None, None) => ("PENDING", 0.0),
    };
    json!({
        "id": e.id,
        "name": e.name,
        "executed_at": ts(e.executed_ms),
        "mode": if e.rebuild.is_some() { "REBUILD" } else { "INPLACE" },
        "status": status,
        "startup_after_restore": e.startup,
        "backup_restore_point": {"id": w.restore_points[e.rp].id},
        "rebuild_name": e.rebuild.as_ref().map(|r| r.name.clone()),
        "rebuild_target_cluster": e.rebuild.as_ref().map(|r| w.clusters[r.cluster].id.clone()),
        "rebuild_network_mapping": e.rebuild.as_ref().map(|r| r.mapping.iter().map(|(s, d)| json!({"src_vlan_id": s, "dst_vlan_id": d})).collect::<Vec<_>>()).unwrap_or_default(),
        "read_bytes": (e.total_bytes as f64 * frac) as i64,
        "total_bytes": e.total_bytes,
        "duration": e.result.map(|_| e.duration_s),
        "retry_times": 0,
        "entityAsyncStatus": null,
    })
}

/// `VmMetaData`: the VM configuration stored with a restore point.
pub fn metadata(w: &mut World, req: &Req) -> ApiResult {
    let wh = &req.body["where"];
    let found = match (wh["id"].as_str(), wh["local_id"].as_str()) {
        (Some(id), _) => w.lookup(Kind::BackupRestorePoint, id),
        (None, Some(local)) => w.restore_points.iter().position(|r| r.local_id == local),
        (None, None) => {
            return Err(ApiError::bad(
                "where needs id or local_id",
                "where 需要 id 或 local_id",
            ));
        }
    };
    let Some(r) = found.filter(|&r| !w.restore_points[r].gone) else {
        let id = wh["id"].as_str().or(wh["local_id"].as_str()).unwrap_or("");
        return Err(ApiError::not_found(
            "Backup restore point",
            "备份恢复点",
            id,
        ));
    };
    let s = &w.restore_points[r].stored;
    let cl = &w.clusters[s.cluster];
    Ok(super::wire::join_all([
        json!({
            "name": s.name,
            "local_id": s.local_id,
            "description": s.description,
            "vcpu": s.vcpu,
            "cpu_sockets": s.sockets,
            "cpu_cores": s.cores,
            "cpu_model": s.cpu_model,
            "cpu_exclusive_expected_enabled": false,
            "memory": s.memory as f64,
            "firmware": s.firmware,
            "clock_offset": s.clock_offset,
            "ha": s.ha,
            "ha_priority": "LEVEL_2_MEDIUM",
            "guest_os_type": s.guest_os,
        }),
        json!({
            "vm_tools_status": s.tools,
            "win_opt": s.win_opt,
            "video_type": "CIRRUS",
            "sync_vm_time_on_resume": false,
            "protected": false,
            "nested_virtualization": false,
            "internal": false,
            "boot_with_host": true,
            "io_policy": "RESTRICT_EACH_DISK",
            "max_iops": null,
            "max_iops_policy": null,
            "max_bandwidth": null,
            "max_bandwidth_policy": null,
            "host_local_id": s.host_local_id,
        }),
        json!({
            "cluster_local_id": cl.local_id,
            "cluster_type": cl.kind,
            "cluster_version": cl.version,
            "cluster_architecture": cl.arch,
            "cluster_vhost_enabled": cl.kind == "SMTX_OS",
            "vm_disks": s.disks.iter().map(|d| json!({
                "bus": d.bus,
                "boot": d.boot,
                "type": d.kind,
                "disabled": false,
                "vm_volume_name": d.volume_name,
                "vm_volume_path": d.path,
                "vm_volume_size": if d.kind == "DISK" { Some(d.size as f64) } else { None },
                "vm_volume_sharing": if d.kind == "DISK" { Some(false) } else { None },
                "vm_volume_mounting": if d.kind == "DISK" { Some(true) } else { None },
                "vm_volume_elf_storage_policy": if d.kind == "DISK" { Some(d.policy) } else { None },
                "vm_volume_lun_zbs_volume_id": d.zbs_id,
                "max_iops": null,
                "max_iops_policy": null,
                "max_bandwidth": null,
                "max_bandwidth_policy": null,
            })).collect::<Vec<_>>(),
            "vm_nics": s.nics.iter().map(|n| {
                let vl = &w.vlans[n.vlan];
                json!({
                    "local_id": n.local_id,
                    "mac_address": n.mac,
                    "model": n.model,
                    "enabled": true,
                    "mirror": false,
                    "vlan_name": vl.name,
                    "vlan_local_id": vl.local_id,
                    "vlan_mode_type": "VLAN_ACCESS",
                    "ingress_rate_limit_enabled": false,
                    "ingress_rate_limit_max_rate_in_bitps": null,
                    "ingress_rate_limit_burst_in_bit": null,
                    "egress_rate_limit_enabled": false,
                    "egress_rate_limit_max_rate_in_bitps": null,
                    "egress_rate_limit_burst_in_bit": null,
                })
            }).collect::<Vec<_>>(),
        }),
    ]))
}

fn store_broken(w: &World, p: usize) -> Option<Failure> {
    let repo = &w.repos[w.plans[p].repo];
    (repo.status == "ERROR").then(|| Failure {
        code: "BACKUP_STORE_UNAVAILABLE",
        en: format!(
            "The backup store repository {} is not available ({})",
            repo.name,
            repo.error_code.unwrap_or("ERROR")
        ),
        zh: format!(
            "备份存储仓库 {} 不可用（{}）",
            repo.name,
            repo.error_code.unwrap_or("ERROR")
        ),
    })
}

pub fn execute(w: &mut World, req: &Req) -> ApiResult {
    let kind = match req.body["data"]["type"].as_str() {
        Some("FULL") => "FULL",
        _ => "INCREMENTAL",
    };
    let plans = matched(w, req, Kind::BackupPlan, &req.body["where"])?;
    for &p in &plans {
        let plan = &w.plans[p];
        if plan.status == "STOPPED" {
            return Err(ApiError::bad(
                format!("Backup plan {} is stopped", plan.name),
                format!("备份计划 {} 已停止", plan.name),
            ));
        }
        if let Some(t) = plan.busy
            && w.tasks[t].running(w.now)
        {
            return Err(ApiError::locked(
                "Backup plan",
                "备份计划",
                &plan.name,
                &w.tasks[t].id,
            ));
        }
        if !plan.vms.iter().any(|&v| !w.vms[v].gone) {
            return Err(ApiError::bad(
                format!("Backup plan {} has no VM to back up", plan.name),
                format!("备份计划 {} 没有可备份的虚拟机", plan.name),
            ));
        }
    }
    let mut out = Vec::new();
    for p in plans {
        let now = w.now;
        let eid = w.new_id(now);
        let local_id = w.new_uuid();
        let e = w.plan_execs.len();
        w.register(&eid, Kind::BackupPlanExecution, e);
        w.plan_execs.push(PlanExecution {
            id: eid,
            local_id,
            plan: p,
            created_ms: now,
            manual: true,
            kind,
            targets: Vec::new(),
            task: None,
            result: None,
            success: 0,
            duration_s: 0,
        });
        w.plans[p].executions.push(e);
        let mut bytes = 0;
        let mut steps = Vec::new();
        for v in w.plans[p].vms.clone() {
            if w.vms[v].gone {
                continue;
            }
            let parent = last_point(w, p, v);
            let vk = if parent.is_none() { "FULL" } else { kind };
            let used: i64 = store_vm(w, v, 1.0).disks.iter().map(|d| d.used).sum();
            let size = if vk == "FULL" {
                used
            } else {
                (used / 100 * 4).max(GIB)
            };
            bytes += size;
            add_target(w, e, v, vk, now, size, 0, parent, None);
            steps.push(Step {
                key: "backup_vm",
                unit: "BYTE",
                total: size as f64,
            });
        }
        let name = w.plans[p].name.clone();
        let mut task = new_task(
            w,
            req.user,
            w.plans[p].vms.first().map(|&v| w.vms[v].cluster),
            (
                format!("Execute backup plan {name} ({kind})"),
                format!(
                    "执行备份计划 {name}（{}）",
                    if kind == "FULL" { "全量" } else { "增量" }
                ),
            ),
            "backup-plan.execute",
            ("BackupPlan", w.plans[p].id.clone(), name),
            "executeBackupPlan",
            req.body.clone(),
            steps,
            Effect::BackupRun { exec: e },
        );
        task.task_type = Some("BACKUP");
        task.failure = store_broken(w, p);
        task.holds_plan = Some(p);
        let secs = seconds_for(bytes, 10.0);
        let t = w.push_task(task, 1.0, secs);
        w.plan_execs[e].task = Some(t);
        out.push(json!({"task_id": w.tasks[t].id, "data": plan_execution(w, e)}));
    }
    Ok(Value::Array(out))
}

pub fn finish_run(w: &mut World, e: usize, ok: bool) {
    let now = w.now;
    let p = w.plan_execs[e].plan;
    let mut success = 0;
    let started = w.plan_execs[e].created_ms;
    for t in w.plan_execs[e].targets.clone() {
        let v = w.target_execs[t].vm;
        let job_ok = ok && !w.vms[v].gone;
        w.target_execs[t].result = Some(if job_ok { "SUCCESS" } else { "FAILED" });
        w.target_execs[t].duration_s = (now - started) / 1000;
        if job_ok {
            success += 1;
            let kind = w.target_execs[t].kind;
            let parent = if kind == "FULL" {
                None
            } else {
                last_point(w, p, v)
            };
            let stored = store_vm(w, v, 1.0);
            let size = w.target_execs[t].total_bytes;
            add_point(w, p, t, v, kind, true, now, size, parent, stored.into());
        }
    }
    let ex = &mut w.plan_execs[e];
    ex.success = success;
    ex.duration_s = (now - started) / 1000;
    ex.result = Some(match (ok, success == ex.targets.len() as i64) {
        (true, true) => ("SUCCESS", "SUCCEED"),
        (true, false) => ("PARTIAL_SUCCESS", "PARTLY_FAILED"),
        _ => ("FAILED", "FAILED"),
    });
}

fn usable_points(w: &World, req: &Req) -> Result<Vec<usize>, ApiError> {
    let rps = matched(w, req, Kind::BackupRestorePoint, &req.body["where"])?;
    for &r in &rps {
        if let Some(state) = w.restore_points[r].state {
            return Err(ApiError::locked(
                "Backup restore point",
                "备份恢复点",
                &w.restore_points[r].local_id,
                state.as_str(),
            ));
        }
    }
    Ok(rps)
}

fn new_restore(
    w: &mut World,
    req: &Req,
    r: usize,
    rebuild: Option<RebuildTarget>,
    startup: bool,
) -> Value {
    let now = w.now;
    let rp = w.restore_points[r].clone();
    let bytes: i64 = rp.stored.disks.iter().map(|d| d.used).sum();
    let id = w.new_id(now);
    let e = w.restore_execs.len();
    w.register(&id, Kind::BackupRestoreExecution, e);
    let (target_vm, cluster) = match &rebuild {
        Some(rb) => (rb.vm, rb.cluster),
        None => (rp.vm, w.vms[rp.vm].cluster),
    };
    let vm_name = w.vms[target_vm].name.clone();
    let when = ts(rp.created_ms);
    let (desc, mutation, key) = match &rebuild {
        Some(rb) => (
            (
                format!(
                    "Rebuild VM {} from the backup of {} ({when})",
                    rb.name, rp.stored.name
                ),
                format!(
                    "从 {} 的备份（{when}）重建虚拟机 {}",
                    rp.stored.name, rb.name
                ),
            ),
            "backupRebuildVm",
            "backup.restore.rebuild",
        ),
        None => (
            (
                format!("Restore VM {vm_name} in place from its backup ({when})"),
                format!("从备份（{when}）原地恢复虚拟机 {vm_name}"),
            ),
            "backupRestoreVmInPlace",
            "backup.restore.inplace",
        ),
    };
    let base = if rebuild.is_some() { 20.0 } else { 15.0 };
    w.restore_execs.push(RestoreExecution {
        id,
        name: format!("restore-{}-{}", rp.stored.name, &rp.local_id[..8]),
        rp: r,
        rebuild,
        startup,
        executed_ms: now,
        total_bytes: bytes,
        duration_s: 0,
        task: None,
        result: None,
    });
    w.restore_points[r].restores.push(e);
    let mut task = new_task(
        w,
        req.user,
        Some(cluster),
        desc,
        key,
        ("Vm", w.vms[target_vm].id.clone(), vm_name),
        mutation,
        req.body.clone(),
        vec![Step {
            key: "restore_volumes",
            unit: "BYTE",
            total: bytes as f64,
        }],
        Effect::Restore { exec: e },
    );
    task.task_type = Some("BACKUP");
    task.failure = store_broken(w, rp.plan);
    task.holds_vms = vec![target_vm];
    let t = w.push_task(task, 1.0, seconds_for(bytes, base));
    w.restore_execs[e].task = Some(t);
    if w.vms[target_vm].state.is_none() {
        w.vms[target_vm].state = Some(Async::Updating);
    }
    json!({"task_id": w.tasks[t].id, "data": restore_execution(w, e)})
}

pub fn restore_in_place(w: &mut World, req: &Req) -> ApiResult {
    let startup = req.body["data"]["startup_after_restore"]
        .as_bool()
        .unwrap_or(false);
    let rps = usable_points(w, req)?;
    let mut seen = BTreeSet::new();
    for &r in &rps {
        let v = w.restore_points[r].vm;
        if w.vms[v].gone {
            return Err(ApiError::bad(
                format!(
                    "VM {} no longer exists: rebuild it from the restore point instead (backup-rebuild-vm)",
                    w.restore_points[r].stored.name
                ),
                format!(
                    "虚拟机 {} 已不存在，请从恢复点重建虚拟机（backup-rebuild-vm）",
                    w.restore_points[r].stored.name
                ),
            ));
        }
        check_operable(w, v)?;
        if !seen.insert(v) {
            return Err(ApiError::locked(
                "VM",
                "虚拟机",
                &w.vms[v].name,
                "another restore in this request",
            ));
        }
    }
    let out = rps
        .into_iter()
        .map(|r| new_restore(w, req, r, None, startup))
        .collect();
    Ok(Value::Array(out))
}

pub fn rebuild(w: &mut World, req: &Req) -> ApiResult {
    let d = &req.body["data"];
    let name = d["rebuild_name"].as_str().unwrap_or_default().to_string();
    if name.trim().is_empty() {
        return Err(ApiError::bad(
            "rebuild_name must not be empty",
            "rebuild_name 不能为空",
        ));
    }
    let cid = d["rebuild_target_cluster_id"].as_str().unwrap_or_default();
    let c = w
        .lookup(Kind::Cluster, cid)
        .ok_or_else(|| ApiError::not_found("Cluster", "集群", cid))?;
    if !w.clusters[c].connected {
        return Err(ApiError::bad(
            format!("Cluster {} is disconnected", w.clusters[c].name),
            format!("集群 {} 已断开连接", w.clusters[c].name),
        ));
    }
    let hid = d["rebuild_target_host_id"].as_str().unwrap_or_default();
    let h = w
        .lookup(Kind::Host, hid)
        .ok_or_else(|| ApiError::not_found("Host", "主机", hid))?;
    if w.hosts[h].cluster != c {
        return Err(ApiError::bad(
            format!(
                "Host {} is not in cluster {}",
                w.hosts[h].name, w.clusters[c].name
            ),
            format!(
                "主机 {} 不在集群 {} 中",
                w.hosts[h].name, w.clusters[c].name
            ),
        ));
    }
    let mut mapping = Vec::new();
    for m in d["rebuild_network_mapping"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let src = m["src_vlan_id"].as_str().unwrap_or_default().to_string();
        let dst = m["dst_vlan_id"].as_str().unwrap_or_default().to_string();
        let ok = w
            .lookup(Kind::Vlan, &dst)
            .is_some_and(|vl| w.vlans[vl].cluster == c);
        if !ok {
            return Err(ApiError::not_found("VLAN", "虚拟网络", &dst));
        }
        mapping.push((src, dst));
    }
    let startup = d["startup_after_restore"].as_bool().unwrap_or(false);
    let rps = usable_points(w, req)?;
    // Every NIC needs a network in the target cluster.
    for &r in &rps {
        for n in &w.restore_points[r].stored.nics {
            let vl = &w.vlans[n.vlan];
            let mapped = mapping.iter().any(|(s, _)| *s == vl.id);
            if !mapped && vl.cluster != c {
                return Err(ApiError::bad(
                    format!(
                        "NIC {} is on VLAN {} ({}) of another cluster: add it to rebuild_network_mapping",
                        n.mac, vl.name, vl.id
                    ),
                    format!(
                        "网卡 {} 所在的虚拟网络 {}（{}）不属于目标集群，请在 rebuild_network_mapping 中为其指定映射",
                        n.mac, vl.name, vl.id
                    ),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for r in rps {
        let v = rebuilt_vm(w, r, &name, c, h, &mapping);
        let target = RebuildTarget {
            name: name.clone(),
            cluster: c,
            host: h,
            mapping: mapping.clone(),
            vm: v,
        };
        out.push(new_restore(w, req, r, Some(target), startup));
    }
    Ok(Value::Array(out))
}

/// The placeholder of a VM being rebuilt from restore point `r`.
fn rebuilt_vm(
    w: &mut World,
    r: usize,
    name: &str,
    c: usize,
    h: usize,
    mapping: &[(String, String)],
) -> usize {
    let s = w.restore_points[r].stored.clone();
    let now = w.now;
    let v = w.vms.len();
    let id = w.new_id(now);
    let local_id = w.new_uuid();
    let bios_uuid = w.new_uuid();
    w.vms.push(Vm {
        id: id.clone(),
        local_id,
        name: name.to_string(),
        description: s.description.clone(),
        cluster: c,
        host: Some(h),
        status: "STOPPED",
        tools: if s.tools == "NOT_INSTALLED" {
            "NOT_INSTALLED"
        } else {
            "NOT_RUNNING"
        },
        tools_version: (s.tools != "NOT_INSTALLED").then(|| "3.2.0".to_string()),
        vcpu: s.vcpu,
        sockets: s.sockets,
        cores: s.cores,
        memory: s.memory,
        cpu_model: s.cpu_model.clone(),
        firmware: s.firmware,
        clock_offset: s.clock_offset,
        ha: s.ha,
        guest_os: s.guest_os,
        os: None,
        hostname: None,
        created_ms: now,
        last_shutdown_ms: None,
        disks: Vec::new(),
        nics: Vec::new(),
        snapshots: Vec::new(),
        plans: Vec::new(),
        cpu_usage: 0.0,
        memory_usage: 0.0,
        win_opt: s.win_opt,
        bios_uuid,
        busy: None,
        state: Some(Async::Creating),
        faulty: false,
        gone: false,
    });
    w.register(&id, Kind::Vm, v);
    let mut disks = Vec::new();
    for (k, d) in s.disks.iter().enumerate() {
        let vol = (d.kind == "DISK")
            .then(|| new_volume(w, c, &format!("{name}-disk-{}", k + 1), d.size, d.used, now));
        disks.push(new_disk(w, v, d.boot, d.bus, d.kind, vol));
    }
    w.vms[v].disks = disks;
    for (k, n) in s.nics.iter().enumerate() {
        let src = w.vlans[n.vlan].id.clone();
        let vlan = mapping
            .iter()
            .find(|(s, _)| *s == src)
            .and_then(|(_, d)| w.lookup(Kind::Vlan, d))
            .unwrap_or(n.vlan);
        let nic_id = w.new_id(now + k as i64);
        let nic_local = w.new_uuid();
        let vl = &w.vlans[vlan];
        let nic = Nic {
            id: nic_id,
            local_id: nic_local,
            mac: n.mac.clone(),
            ip: String::new(),
            vlan,
            gateway: vl.gateway.clone().unwrap_or_default(),
            mask: vl.subnet.clone().unwrap_or_default(),
            model: n.model,
        };
        w.vms[v].nics.push(nic);
    }
    v
}

pub fn finish_restore(w: &mut World, e: usize, ok: bool) {
    let now = w.now;
    let ex = w.restore_execs[e].clone();
    w.restore_execs[e].result = Some(if ok { "SUCCESS" } else { "FAILED" });
    w.restore_execs[e].duration_s = (now - ex.executed_ms) / 1000;
    let stored = w.restore_points[ex.rp].stored.clone();
    match ex.rebuild {
        Some(rb) => {
            if ok {
                w.vms[rb.vm].state = None;
                if ex.startup {
                    power(&mut w.vms[rb.vm], "RUNNING", now);
                }
            } else {
                super::tasks::drop_vm(w, rb.vm);
            }
        }
        None => {
            let v = w.restore_points[ex.rp].vm;
            if ok && !w.vms[v].gone {
                let vols: Vec<usize> = w.vms[v]
                    .disks
                    .iter()
                    .filter_map(|&d| w.disks[d].volume)
                    .collect();
                let data: Vec<&StoredDisk> =
                    stored.disks.iter().filter(|d| d.kind == "DISK").collect();
                for (vol, d) in vols.iter().zip(data) {
                    w.volumes[*vol].used = d.used.min(w.volumes[*vol].size);
                }
                let vm = &mut w.vms[v];
                vm.vcpu = stored.vcpu;
                vm.sockets = stored.sockets;
                vm.cores = stored.cores;
                vm.memory = stored.memory;
                power(vm, if ex.startup { "RUNNING" } else { "STOPPED" }, now);
            }
        }
    }
}

pub fn delete_points(w: &mut World, req: &Req) -> ApiResult {
    let rps = matched(w, req, Kind::BackupRestorePoint, &req.body["where"])?;
    let mut taken = BTreeSet::new();
    let mut groups = Vec::new();
    for r in rps {
        if taken.contains(&r) {
            continue;
        }
        // The point and every live point that depends on it.
        let mut group = vec![r];
        let mut k = 0;
        while k < group.len() {
            let p = group[k];
            for (c, rp) in live_points(w) {
                if rp.parent == Some(p) && !group.contains(&c) {
                    group.push(c);
                }
            }
            k += 1;
        }
        for &g in &group {
            let rp = &w.restore_points[g];
            if let Some(state) = rp.state {
                return Err(ApiError::locked(
                    "Backup restore point",
                    "备份恢复点",
                    &rp.local_id,
                    state.as_str(),
                ));
            }
            if let Some(t) = rp
                .restores
                .iter()
                .filter_map(|&e| w.restore_execs[e].task)
                .find(|&t| w.tasks[t].running(w.now))
            {
                return Err(ApiError::locked(
                    "Backup restore point",
                    "备份恢复点",
                    &rp.local_id,
                    &w.tasks[t].id,
                ));
            }
        }
        taken.extend(group.iter().copied());
        groups.push(group);
    }
    let mut out = Vec::new();
    for group in groups {
        let first = group[0];
        let rp = w.restore_points[first].clone();
        let when = ts(rp.created_ms);
        let task = new_task(
            w,
            req.user,
            Some(rp.stored.cluster),
            (
                format!(
                    "Delete restore point of VM {} ({when}) and {} dependent point(s)",
                    rp.stored.name,
                    group.len() - 1
                ),
                format!(
                    "删除虚拟机 {} 的备份恢复点（{when}）及其 {} 个依赖恢复点",
                    rp.stored.name,
                    group.len() - 1
                ),
            ),
            "backup.restore-point.delete",
            ("BackupRestorePoint", rp.id.clone(), rp.local_id.clone()),
            "deleteBackupRestorePoint",
            json!({"where": {"id": rp.id}}),
            super::tasks::percent_steps(&["delete_restore_points"]),
            Effect::RestorePointDelete { rps: group.clone() },
        );
        let mut task = task;
        task.task_type = Some("BACKUP");
        let t = w.push_task(task, 0.5, 2.0);
        let data: Vec<Value> = group
            .iter()
            .map(|&g| {
                w.restore_points[g].state = Some(Async::Deleting);
                json!({"id": w.restore_points[g].id, "entityAsyncStatus": "DELETING"})
            })
            .collect();
        out.push(json!({"task_id": w.tasks[t].id, "data": data}));
    }
    Ok(Value::Array(out))
}
