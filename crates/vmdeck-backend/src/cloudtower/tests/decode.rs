//! The spec's response shapes (every key of the model, optional ones `null`) decoded and
//! turned into the neutral model.

use std::collections::HashMap;

use serde_json::Value;

use super::{fixture, list, one};
use crate::cloudtower::backups::{cluster_points_where, filter_where, vm_points_where};
use crate::cloudtower::convert;
use crate::cloudtower::wire::*;
use vmdeck_model::{
    AgentState, BackupCategory, BackupFilter, BackupKind, BackupStatus, ClusterState, Detail,
    Named, NodeKind, Platform, TaskState, Timestamp, VmPower,
};

fn ts(s: &str) -> Option<Timestamp> {
    Some(s.parse().unwrap())
}

fn detail<'a>(details: &'a [Detail], label: &str) -> &'a str {
    details
        .iter()
        .find(|d| d.label == label)
        .map(|d| d.value.as_str())
        .unwrap_or_else(|| panic!("no detail {label:?} in {details:?}"))
}

fn c1() -> Named {
    Named::new("ckx7k2m9r00a90958qz1h3d4e", "prod-cluster-01")
}

#[test]
fn clusters_healthy_and_disconnected_with_the_reason() {
    let raw: Vec<Cluster> = list(fixture!("clusters.json"));
    let clusters: Vec<vmdeck_model::Cluster> = raw.iter().map(convert::cluster).collect();
    assert_eq!(clusters[0].name, "prod-cluster-01");
    assert_eq!(clusters[0].state, ClusterState::Healthy);
    assert_eq!(detail(&clusters[0].details, "Version"), "6.1.0");
    assert_eq!(detail(&clusters[0].details, "VMs"), "42 (30 running)");
    // `used_memory_bytes` is a double in the spec.
    assert_eq!(
        detail(&clusters[0].details, "Memory"),
        "34.6 GiB of 768.0 GiB"
    );
    match &clusters[1].state {
        ClusterState::Failed(why) => {
            assert!(why.contains("load cluster network error"), "{why}");
            assert!(why.contains("2025-12-24 22:10:00 UTC"), "{why}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn vms_with_power_tools_and_addresses() {
    let raw: Vec<Vm> = list(fixture!("vms.json"));
    let vms: Vec<vmdeck_model::Vm> = raw
        .iter()
        .map(|v| convert::vm(v, &Named::default()))
        .collect();
    let web = &vms[0];
    assert_eq!(web.id, "ckx7k3a5t00d10958l0m3x9qp");
    assert_eq!(web.power, VmPower::Running);
    assert_eq!(web.agent, AgentState::Connected);
    assert_eq!(web.ip, "10.10.12.21");
    assert_eq!(detail(&web.details, "IPs"), "10.10.12.21, 192.168.5.3");
    assert_eq!(detail(&web.details, "Host"), "node-a1 (10.10.0.11)");
    assert_eq!(detail(&web.details, "VMTools"), "running, version 3.2.0");
    assert_eq!(detail(&web.details, "CPU"), "2 socket(s) × 2 core(s)");
    assert_eq!(detail(&web.details, "Backup plans"), "nightly-full");
    assert_eq!(web.cluster, c1());
    assert_eq!(web.os, "CentOS Linux 7");
    assert_eq!(web.vcpu, Some(4));
    assert_eq!(web.memory_bytes, Some(8 << 30));
    assert_eq!(web.created, ts("2025-11-02T08:00:00Z"));
    assert_eq!(web.action, None);

    let db = &vms[1];
    assert_eq!(db.name, "财务系统-db01");
    assert_eq!(db.power, VmPower::Stopped);
    assert_eq!(db.agent, AgentState::NotInstalled);
    assert_eq!(db.ip, "");
    assert_eq!(
        detail(&db.details, "Protected"),
        "yes (deletion is blocked)"
    );

    let count: Connection = one(fixture!("vms_connection.json"));
    assert_eq!(count.count(), Some(117));
}

#[test]
fn vm_detail_joins_disks_and_volumes() {
    let vm: Vec<Vm> = list(fixture!("vms.json"));
    let disks: Vec<VmDisk> = list(fixture!("vm_disks.json"));
    let vols: Vec<VmVolume> = list(fixture!("vm_volumes.json"));
    let d = convert::vm_detail(&vm[0], &c1(), &disks, &vols);
    assert_eq!(d.disks.len(), 3);
    assert_eq!(d.disks[0].device, "vda");
    assert_eq!(d.disks[0].volume.name, "web-01-root");
    assert_eq!(d.disks[0].capacity, Some(40 << 30));
    assert!(d.disks[0].is_root);
    assert_eq!(d.disks[0].disk_type.as_deref(), Some("disk (VIRTIO)"));
    // No `device`: named by bus and position.
    assert_eq!(d.disks[1].device, "virtio 1");
    assert!(!d.disks[1].is_root);
    // The CD-ROM boots first but is not the root disk; its image is what it holds.
    assert!(!d.disks[2].is_root);
    assert_eq!(d.disks[2].volume.name, "centos7.iso");
    assert_eq!(d.disks[2].capacity, None);
    assert_eq!(
        detail(&d.details, "Volume web-01-data"),
        "100.0 GiB replica 3 thick provision, shared"
    );
}

#[test]
fn snapshots_are_a_flat_list_by_time_with_their_storage_chain() {
    let snaps: Vec<VmSnapshot> = list(fixture!("vm_snapshots.json"));
    let luns: Vec<LunSnapshot> = list(fixture!("lun_snapshots.json"));
    let luns: HashMap<String, LunSnapshot> =
        luns.into_iter().map(|l| (l.name.0.clone(), l)).collect();
    let tree = convert::snapshot_tree(&snaps, &luns, Vec::new());
    // Oldest first (the fixture lists newest first), then "now".
    assert_eq!(tree.roots.len(), 3);
    let names: Vec<String> = tree
        .roots
        .iter()
        .map(|r| match &tree.nodes[*r].kind {
            NodeKind::Snapshot(s) => s.name.clone(),
            NodeKind::Now { label } => format!("<{label}>"),
            NodeKind::Group { label } => label.clone(),
        })
        .collect();
    assert_eq!(names, ["daily", "before-upgrade", "<now>"]);
    assert!(tree.problems.is_empty());

    let s = tree
        .snapshot(tree.find("ckx7k5s0000i10958snap0001").unwrap())
        .unwrap();
    assert_eq!(s.created, ts("2025-12-25T06:26:25Z"));
    assert_eq!(s.memory, Some(false));
    assert_eq!(s.size, Some(1 << 30));
    assert!(detail(&s.details, "Consistency").starts_with("file-system-consistent"));
    // Seed 000: disk → snapshot_local_id (a LUN snapshot name) → its local_id in ZBS.
    assert_eq!(
        detail(&s.details, "Disk vda"),
        "volume vol-1-local → LUN snapshot lun-snap-aaa → ZBS zbs-7d1e-aaa (LUN web-01-root-lun, 512.0 MiB unique)"
    );
    assert_eq!(
        detail(&s.details, "Disk virtio 1"),
        "volume vol-2-local → LUN snapshot lun-snap-bbb (not found by CloudTower)"
    );
    // The CD-ROM holds no data and is left out.
    assert_eq!(s.disks.len(), 2);
    assert_eq!(s.disks[0].snapshot_id, "zbs-7d1e-aaa");
    assert_eq!(s.disks[0].volume_id, "vol-1-local");
    assert_eq!(s.disks[1].snapshot_id, "lun-snap-bbb");

    let daily = tree
        .snapshot(tree.find("ckx7k5s0000i10958snap0000").unwrap())
        .unwrap();
    assert_eq!(detail(&daily.details, "Consistency"), "crash-consistent");
    assert_eq!(daily.description, "automatic");
}

#[test]
fn tasks_end_by_status_never_by_progress() {
    let tasks: Vec<Task> = list(fixture!("tasks.json"));
    let states: Vec<TaskState> = tasks.iter().map(convert::task_state).collect();
    assert_eq!(states[0], TaskState::Queued);
    assert_eq!(
        states[1],
        TaskState::Running {
            progress: Some(0.42)
        }
    );
    match &states[2] {
        TaskState::Failed { message } => {
            assert!(message.contains("I/O error while restoring"), "{message}");
            assert!(message.contains("ZBS_SNAPSHOT_IO_ERROR"), "{message}");
            assert!(message.contains("rolled the resource back"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // SUCCESSED with progress 0 is done.
    assert_eq!(states[3], TaskState::Succeeded);

    let done = convert::platform_task(&tasks[3]);
    assert_eq!(done.title, "Create snapshot before-upgrade of VM web-01");
    assert_eq!(done.target, "vm snapshot before-upgrade");
    assert_eq!(done.user, "admin");
    assert_eq!(done.started, ts("2025-12-25T06:26:21Z"));
    assert_eq!(done.finished, ts("2025-12-25T06:26:30Z"));
    let failed = convert::platform_task(&tasks[2]);
    assert_eq!(failed.user, "张伟");
    assert_eq!(failed.target, "vm ckx7k3a5t00d10958l0m3x9qp");
    assert_eq!(
        detail(&failed.details, "Error code"),
        "ZBS_SNAPSHOT_IO_ERROR"
    );
    // Not started yet: the creation time stands in.
    let running = convert::platform_task(&tasks[1]);
    assert_eq!(
        detail(&running.details, "Step restore_data"),
        "42/100 percent"
    );
}

#[test]
fn restore_points_as_backups() {
    let points: Vec<RestorePoint> = list(fixture!("restore_points.json"));
    let full = convert::backup(&points[2], c1(), None);
    assert_eq!(full.name, "web-01 2025-12-20 01:00:00");
    assert_eq!(full.kind, Some(BackupKind::Full));
    assert_eq!(full.category, BackupCategory::Vm);
    assert_eq!(
        full.point,
        Some(Named::new("ckx7k4p0000f10958plan0001", "nightly-full"))
    );
    assert_eq!(full.parent, None);
    assert_eq!(full.status, BackupStatus::Done);
    assert_eq!(full.total_size(), Some(20 << 30));
    assert_eq!(
        full.description,
        "Full restore point made on schedule by plan nightly-full"
    );
    assert_eq!(detail(&full.details, "Compressed"), "yes, ratio 2.00");
    assert_eq!(full.vm, Named::new("ckx7k3a5t00d10958l0m3x9qp", "web-01"));

    let inc = convert::backup(&points[1], c1(), None);
    assert_eq!(inc.kind, Some(BackupKind::Incremental));
    assert_eq!(inc.parent.as_deref(), Some("ckx7k8r0000p10958rpt00001"));
    assert!(inc.description.contains("on demand"), "{}", inc.description);

    // The VM is gone and the restore point is being deleted.
    let orphan = convert::backup(&points[0], c1(), Some("ckx7k8r0000p10958rpt00002".into()));
    assert_eq!(orphan.vm, Named::new("", "web-01"));
    assert_eq!(orphan.status, BackupStatus::InProgress);
    assert_eq!(orphan.parent.as_deref(), Some("ckx7k8r0000p10958rpt00002"));

    let count: Connection = one(fixture!("restore_points_connection.json"));
    assert_eq!(count.count(), Some(3));
}

#[test]
fn backup_plans_with_schedule_and_last_result() {
    let plans: Vec<BackupPlan> = list(fixture!("backup_plans.json"));
    let p = convert::backup_plan(&plans[0], &c1());
    assert_eq!(p.name, "nightly-full");
    assert_eq!(p.status, "working");
    assert_eq!(p.last_result, "partly failed");
    assert_eq!(p.last_run, ts("2025-12-25T01:00:00Z"));
    assert_eq!(p.next_run, ts("2025-12-26T01:00:00Z"));
    assert_eq!(p.backup_count, Some(3));
    assert_eq!(
        p.vms,
        vec![Named::new("ckx7k3a5t00d10958l0m3x9qp", "web-01")]
    );
    assert_eq!(detail(&p.details, "Full backups"), "weekly at SUN 01:00");
    assert_eq!(detail(&p.details, "Incremental backups"), "daily at 01:30");
    assert_eq!(detail(&p.details, "Keep"), "count 14");
    assert_eq!(detail(&p.details, "Repository"), "nfs-main");
    assert_eq!(detail(&p.details, "Last message"), "1 of 3 VMs failed");
    assert_eq!(detail(&p.details, "Last manual run"), "never run");
}

#[test]
fn executions_say_how_restores_and_plan_runs_went() {
    let execs: Vec<RestoreExecution> = list(fixture!("restore_executions.json"));
    assert_eq!(execs[0].status, ExecutionStatus::Running);
    assert_eq!(
        convert::execution_state(&execs[0].status),
        Some(TaskState::Running { progress: None })
    );
    let runs: Vec<PlanExecution> = list(fixture!("plan_executions.json"));
    match convert::plan_run_state(&runs[0]) {
        Some(TaskState::Failed { message }) => {
            assert_eq!(
                message,
                "the plan run partly failed (2 of 3 VM backups succeeded)"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn restore_choices_parts() {
    let meta: VmMetaData = one(fixture!("metadata.json"));
    assert_eq!(meta.vm_nics.len(), 3);
    assert_eq!(meta.vm_nics[0].vlan_local_id.as_str(), "vlan-100-local");
    assert_eq!(meta.memory.bytes(), Some(8 << 30));
    let hosts: Vec<Host> = list(fixture!("hosts.json"));
    let h = convert::host_choice(&hosts[0]);
    assert_eq!(h.name, "node-a1 (10.10.0.11)");
    assert_eq!(h.cluster_id, c1().id);
    let vlans: Vec<Vlan> = list(fixture!("vlans.json"));
    let vdses: Vec<Vds> = list(fixture!("vdses.json"));
    let of_vds: HashMap<String, (String, String)> = vdses
        .iter()
        .map(|v| {
            let c = v.cluster.as_ref().unwrap();
            (v.id.0.clone(), (c.id.0.clone(), c.name.0.clone()))
        })
        .collect();
    let n = convert::network(&vlans[0], &of_vds);
    assert_eq!(n.id, "ckx7kbv0000u10958vlan0001");
    assert_eq!(n.name, "vm-network (VLAN 100, prod-cluster-01)");
    assert_eq!(n.cluster_id, c1().id, "the VLAN's cluster, through its VDS");
    // Without the VDS map the name still says the VLAN.
    assert_eq!(
        convert::network(&vlans[1], &HashMap::new()).name,
        "db-vlan-200 (VLAN 200)"
    );
}

#[test]
fn login_error_body_and_mutation_answers() {
    let login: WithTask<LoginResponse> = one(fixture!("login.json"));
    assert!(login.task_id.non_empty().is_none());
    assert!(login.data.token.starts_with("eyJhbGciOiJIUzI1NiJ9."));

    let e = crate::cloudtower::answer::read_answer(
        "/v2/api/rollback-vm",
        400,
        Some("req-123"),
        fixture!("error_body.json").into(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        crate::BackendError::Platform {
            platform: Platform::CloudTower,
            code: "ResourceLocked".into(),
            message: "VM ckx7k3a5t00d10958l0m3x9qp is locked by task ckx7k7t0000n10958task0003 (request req-123)".into(),
        }
    );

    let created: Vec<WithTask<Value>> = crate::cloudtower::answer::decode_list(
        "/v2/api/create-vm-snapshot",
        fixture!("create_vm_snapshot.json").as_bytes(),
        true,
    )
    .unwrap();
    assert_eq!(created[0].task_id.as_str(), "ckx7k7t0000n10958task0001");
    assert_eq!(created[0].data["id"], "ckx7k5s0000i10958snap0001");
    let deleted: Vec<WithTask<Value>> = list(fixture!("delete_restore_point.json"));
    assert_eq!(deleted[0].data.as_array().map(Vec::len), Some(2));
    let in_place: Vec<WithTask<Value>> = list(fixture!("restore_in_place.json"));
    assert!(in_place[0].task_id.non_empty().is_none());
    let rolled: Vec<WithTask<Vm>> = list(fixture!("rollback_vm.json"));
    assert_eq!(rolled[0].data.name.as_str(), "web-01");
    let run: Vec<WithTask<PlanExecution>> = list(fixture!("execute_backup_plan.json"));
    assert_eq!(run[0].data.status, PlanRunStatus::Running);
}

#[test]
fn restore_point_filters_follow_the_spec_keys() {
    assert_eq!(
        vm_points_where("vm1", Some("uuid-1")),
        serde_json::json!({"OR": [{"vm": {"id": "vm1"}}, {"vm_local_id": "uuid-1"}]})
    );
    assert_eq!(
        vm_points_where("vm1", None),
        serde_json::json!({"vm": {"id": "vm1"}})
    );
    assert_eq!(
        vm_points_where("", Some("uuid-1")),
        serde_json::json!({"vm_local_id": "uuid-1"})
    );
    assert_eq!(
        cluster_points_where("c1", Some("cl-uuid")),
        serde_json::json!({"cluster_local_id": "cl-uuid"})
    );
    assert_eq!(
        cluster_points_where("c1", Some(" ")),
        serde_json::json!({"vm": {"cluster": {"id": "c1"}}})
    );
    let f = BackupFilter {
        name: " web ".into(),
        point_id: Some("plan1".into()),
        since: ts("2025-12-20T00:00:00Z"),
        until: ts("2025-12-21T12:30:00.5Z"),
    };
    assert_eq!(
        filter_where(&f),
        serde_json::json!({
            "vm_name_contains": "web",
            "backup_plan": {"id": "plan1"},
            "local_created_at_gte": "2025-12-20T00:00:00.000Z",
            "local_created_at_lte": "2025-12-21T12:30:00.500Z",
        })
    );
    assert!(filter_where(&BackupFilter::default()).is_null());
}

#[test]
fn enum_values_and_type_names_read_as_words() {
    use crate::cloudtower::convert::words;
    assert_eq!(words("WAITING_EXECUTE"), "waiting execute");
    assert_eq!(words("VmSnapshot"), "vm snapshot");
    assert_eq!(words("IscsiLunSnapshot"), "iscsi lun snapshot");
    assert_eq!(words(" Vm "), "vm");
    assert_eq!(words("ELF_IMAGE"), "elf image");
    assert_eq!(words(""), "");
}
