//! Answers that are not quite the spec's: keys missing, `null` where the spec has a value,
//! enum values from a newer server, numbers as strings. All decode; what is unknown says so.

use std::collections::HashMap;

use serde_json::json;

use super::list;
use crate::cloudtower::backups::{id_index, parent_id};
use crate::cloudtower::convert;
use crate::cloudtower::wire::*;
use vmdeck_model::{AgentState, ClusterState, Named, TaskState, VmPower};

#[test]
fn a_vm_with_little_and_odd_data() {
    let body = json!([{
        "id": "vm-1",
        "name": 42,
        "status": "MIGRATING",
        "vm_tools_status": null,
        "vcpu": "4",
        "memory": "8589934592",
        "ips": null,
        "cluster": "not-an-object",
        "host": null,
        "cpu": {"cores": "2", "sockets": null},
        "entityAsyncStatus": "UPDATING",
        "local_created_at": "1970-01-01T00:00:00.000Z",
        "future_field": {"nested": [1, 2, 3]}
    }])
    .to_string();
    let raw: Vec<Vm> = list(&body);
    let vm = convert::vm(&raw[0], &Named::new("c9", "fallback"));
    assert_eq!(vm.name, "42");
    assert_eq!(vm.power, VmPower::Unknown("migrating".into()));
    assert_eq!(vm.agent, AgentState::Unknown(String::new()));
    assert_eq!(vm.vcpu, Some(4));
    assert_eq!(vm.memory_bytes, Some(8 << 30));
    assert_eq!(vm.ip, "");
    assert_eq!(vm.cluster, Named::new("c9", "fallback"));
    assert_eq!(vm.action.as_deref(), Some("updating"));
    // The epoch is what servers send for "never set".
    assert_eq!(vm.created, None);
    assert!(vm.details.iter().all(|d| d.label != "CPU"));
    assert!(
        vm.details
            .iter()
            .any(|d| d.label == "VMTools" && d.value == "not reported")
    );
}

#[test]
fn an_empty_object_is_a_vm_with_nothing_known() {
    let raw: Vec<Vm> = list("[{}]");
    let vm = convert::vm(&raw[0], &Named::default());
    assert_eq!(vm.id, "");
    assert_eq!(vm.power, VmPower::Unknown(String::new()));
    assert_eq!(vm.vcpu, None);
}

#[test]
fn tools_states_map_to_agent_states() {
    for (wire, agent) in [
        ("RUNNING", AgentState::Connected),
        ("NOT_RUNNING", AgentState::Disconnected),
        ("NOT_INSTALLED", AgentState::NotInstalled),
        ("RESTRICTION", AgentState::Unknown("restricted".into())),
        ("UPGRADING", AgentState::Unknown("upgrading".into())),
    ] {
        assert_eq!(convert::agent(&ToolsStatus::parse(wire)), agent, "{wire}");
    }
}

#[test]
fn cluster_states_from_newer_servers() {
    let raw: Vec<Cluster> = list(
        &json!([
            {"id": "a", "name": "a", "connect_state": "CONNECTED_ERROR", "disconnected_reason": "LOAD_CLUSTER_UNHEALTHY"},
            {"id": "b", "name": "b", "connect_state": "SLEEPING"},
            {"id": "c", "name": "c", "connect_state": null},
            {"id": "d", "name": "d", "connect_state": "DISCONNECTED"},
        ])
        .to_string(),
    );
    let states: Vec<ClusterState> = raw.iter().map(convert::cluster_state).collect();
    assert_eq!(
        states[0],
        ClusterState::Degraded("connected with errors: load cluster unhealthy".into())
    );
    assert_eq!(
        states[1],
        ClusterState::Degraded("connection state SLEEPING".into())
    );
    assert_eq!(states[2], ClusterState::Unknown);
    assert_eq!(
        states[3],
        ClusterState::Failed(
            "CloudTower is disconnected from this cluster: no reason given".into()
        )
    );
}

#[test]
fn task_states_the_spec_does_not_know_keep_the_task_open() {
    let raw: Vec<Task> = list(
        &json!([
            {"id": "t1", "status": "CANCELLED", "progress": 1},
            {"id": "t2", "status": "FAILED", "error_message": null, "description": "Delete VM x"},
            {"id": "t3", "status": "EXECUTING", "progress": "0.5"},
            {"id": "t4", "status": "EXECUTING", "progress": 57},
            {"id": "t5", "status": "PAUSED"},
        ])
        .to_string(),
    );
    let s: Vec<TaskState> = raw.iter().map(convert::task_state).collect();
    assert_eq!(s[0], TaskState::Running { progress: None });
    assert!(!s[0].is_terminal());
    assert_eq!(
        s[1],
        TaskState::Failed {
            message: "Delete VM x failed (CloudTower gave no reason)".into()
        }
    );
    assert_eq!(
        s[2],
        TaskState::Running {
            progress: Some(0.5)
        }
    );
    // A percentage where the spec has a fraction.
    assert_eq!(
        s[3],
        TaskState::Running {
            progress: Some(0.57)
        }
    );
    // In the spec's enum: stopped partway, not over.
    assert_eq!(s[4], TaskState::Paused { progress: None });
    assert!(!s[4].is_terminal());
    // A task whose `snapshot` is not JSON and whose resource is unnamed.
    let t = convert::platform_task(&raw[0]);
    assert_eq!(t.target, "");
    assert_eq!(t.title, "");
}

#[test]
fn restore_points_without_type_time_or_vm() {
    let raw: Vec<RestorePoint> = list(
        &json!([{"id": "rp", "local_id": "rp-local", "type": null, "size": "1024", "vm": null}])
            .to_string(),
    );
    let b = convert::backup(&raw[0], Named::default(), None);
    assert_eq!(b.kind, None);
    assert_eq!(b.name, "restore point rp-local");
    assert_eq!(b.total_size(), Some(1024));
    assert_eq!(b.created, None);
    assert_eq!(b.point, None);
}

#[test]
fn parents_named_by_local_id_resolve_to_ids() {
    let raw: Vec<RestorePoint> = list(
        &json!([
            {"id": "a", "local_id": "la", "type": "FULL"},
            {"id": "b", "local_id": "lb", "type": "INCREMENTAL", "parent_restore_point": "la"},
            {"id": "c", "local_id": "lc", "type": "INCREMENTAL", "parent_restore_point": "b"},
            {"id": "d", "local_id": "ld", "type": "INCREMENTAL", "parent_restore_point": "gone"},
            {"id": "e", "local_id": "le", "type": "INCREMENTAL", "parent_restore_point": "e"},
        ])
        .to_string(),
    );
    let ids = id_index(&raw);
    let parents: Vec<Option<String>> = raw.iter().map(|p| parent_id(p, &ids)).collect();
    assert_eq!(
        parents,
        [None, Some("a".into()), Some("b".into()), None, None]
    );
}

#[test]
fn plans_and_lists_that_are_null() {
    let raw: Vec<BackupPlan> = list(
        &json!([{"id": "p", "name": "p", "vms": null, "incremental_time_points": null,
                 "full_time_point": null, "status": "ARCHIVED", "last_execute_status": "QUEUED"}])
        .to_string(),
    );
    let p = convert::backup_plan(&raw[0], &Named::default());
    assert!(p.vms.is_empty());
    assert_eq!(p.status, "archived");
    assert_eq!(p.last_result, "queued");
    let snaps: Vec<VmSnapshot> = list(
        &json!([{"id": "s", "name": "s", "vm_disks": null, "consistent_type": "APP_CONSISTENT"}])
            .to_string(),
    );
    let tree = convert::snapshot_tree(&snaps, &HashMap::new(), vec![]);
    let s = tree.snapshot(tree.find("s").unwrap()).unwrap();
    assert!(s.disks.is_empty());
    assert!(
        s.details
            .iter()
            .any(|d| d.label == "Consistency" && d.value == "app consistent")
    );
}

#[test]
fn a_list_of_the_wrong_structure_is_a_readable_decode_error() {
    let e = crate::cloudtower::answer::decode_list::<Vm>(
        "/v2/api/get-vms",
        br#"[{"id": "a", "vm_disks": {"id": "x"}}]"#,
        false,
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("/v2/api/get-vms"), "{text}");
    assert!(text.contains("item 1"), "{text}");
    assert!(
        text.contains("does not match the CloudTower spec"),
        "{text}"
    );
}
