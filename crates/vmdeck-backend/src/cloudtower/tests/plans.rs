//! `plan` builds exactly the spec's request bodies, and refuses what CloudTower cannot do.

use serde_json::{Value, json};

use super::list;
use crate::BackendError;
use crate::LoginSource;
use crate::cloudtower::facts::Facts;
use crate::cloudtower::ops::plan;
use crate::cloudtower::reads;
use crate::cloudtower::session::login_call;
use crate::cloudtower::wire;
use vmdeck_model::operation::Operation;
use vmdeck_model::*;

fn vm() -> VmRef {
    VmRef {
        cluster: Named::new("c1", "prod-cluster-01"),
        id: "vm1".into(),
        name: "web-01".into(),
        tenant: None,
    }
}

fn snap() -> SnapshotRef {
    SnapshotRef {
        id: "s1".into(),
        name: "before-upgrade".into(),
        volume: None,
    }
}

fn point() -> BackupRef {
    BackupRef {
        id: "rp1".into(),
        name: "web-01 2025-12-20 01:00:00".into(),
        category: BackupCategory::Vm,
        cluster: Named::new("c1", "prod-cluster-01"),
        tenant: None,
        vm: Named::new("vm1", "web-01"),
        volume: None,
        locations: vec![],
    }
}

fn create(consistent: bool) -> Operation {
    Operation::CreateSnapshot {
        vm: vm(),
        name: " nightly ".into(),
        description: "taken by vmdeck".into(),
        memory: false,
        consistent,
        volume: None,
    }
}

/// The one call of `op`, as (path, body).
fn call(op: &Operation) -> (String, Value) {
    let calls = plan(op, &Facts::default()).unwrap_or_else(|e| panic!("{}: {e}", op.title()));
    assert_eq!(calls.len(), 1, "{}", op.title());
    assert_eq!(calls[0].method, reqwest::Method::POST);
    assert!(calls[0].query.is_empty());
    assert!(calls[0].headers.is_empty());
    (
        calls[0].path.clone(),
        calls[0].body.clone().unwrap_or(Value::Null),
    )
}

fn refused(op: &Operation, facts: &Facts) -> String {
    match plan(op, facts) {
        Err(BackendError::Refused(why)) => why,
        other => panic!("{} should be refused, got {other:?}", op.title()),
    }
}

#[test]
fn snapshots_crash_and_file_system_consistent() {
    assert_eq!(
        call(&create(false)),
        (
            "/v2/api/create-vm-snapshot".into(),
            json!({"data": [{"vm_id": "vm1", "name": "nightly", "consistent_type": "CRASH_CONSISTENT"}]})
        )
    );
    assert_eq!(
        call(&create(true)).1,
        json!({"data": [{"vm_id": "vm1", "name": "nightly", "consistent_type": "FILE_SYSTEM_CONSISTENT"}]})
    );
}

fn facts_with_tools(status: &str) -> Facts {
    let facts = Facts::default();
    let vms: Vec<wire::Vm> = list(
        &json!([{"id": "vm1", "name": "web-01", "local_id": "u1", "vm_tools_status": status}])
            .to_string(),
    );
    facts.note_vm(&vms[0]);
    facts
}

#[test]
fn file_system_consistent_needs_vmtools_running() {
    for (status, word) in [
        ("NOT_RUNNING", "not running"),
        ("NOT_INSTALLED", "not installed"),
        ("RESTRICTION", "restriction"),
    ] {
        let why = refused(&create(true), &facts_with_tools(status));
        assert!(why.contains("needs VMTools running"), "{why}");
        assert!(why.contains(&format!("VM web-01 is {word}")), "{why}");
        assert!(why.contains("crash-consistent"), "{why}");
        // A crash-consistent one is fine.
        assert!(plan(&create(false), &facts_with_tools(status)).is_ok());
    }
    assert!(plan(&create(true), &facts_with_tools("RUNNING")).is_ok());
}

#[test]
fn rollback_delete_and_rebuild() {
    assert_eq!(
        call(&Operation::RollbackSnapshot {
            vm: vm(),
            snapshot: snap(),
            memory: false
        }),
        (
            "/v2/api/rollback-vm".into(),
            json!({"where": {"id": "vm1"}, "data": {"snapshot_id": "s1"}})
        )
    );
    assert_eq!(
        call(&Operation::DeleteSnapshot {
            vm: vm(),
            snapshot: snap(),
            descendants: 0
        }),
        (
            "/v2/api/delete-vm-snapshot".into(),
            json!({"where": {"id": "s1"}})
        )
    );
    // The body is an array of VmRebuildParams.
    assert_eq!(
        call(&Operation::RebuildFromSnapshot {
            vm: vm(),
            snapshot: snap(),
            new_vm_name: "web-01-copy".into(),
            power_on: true
        }),
        (
            "/v2/api/rebuild-vm-from-snapshot".into(),
            json!([{"rebuild_from_snapshot_id": "s1", "name": "web-01-copy", "cluster_id": "c1", "status": "RUNNING"}])
        )
    );
}

#[test]
fn power() {
    assert_eq!(
        call(&Operation::StopVm {
            vm: vm(),
            force: false
        }),
        (
            "/v2/api/shutdown-vm".into(),
            json!({"where": {"id": "vm1"}})
        )
    );
    assert_eq!(
        call(&Operation::StopVm {
            vm: vm(),
            force: true
        })
        .0,
        "/v2/api/poweroff-vm"
    );
    assert_eq!(
        call(&Operation::StartVm { vm: vm() }),
        ("/v2/api/start-vm".into(), json!({"where": {"id": "vm1"}}))
    );
}

#[test]
fn backups_restore_run_and_delete() {
    assert_eq!(
        call(&Operation::RestoreInPlace {
            backup: point(),
            power_on: true
        }),
        (
            "/v2/api/backup-restore-vm-in-place".into(),
            json!({"where": {"id": "rp1"}, "data": {"startup_after_restore": true}})
        )
    );
    let spec = RestoreSpec {
        new_vm_name: "web-01-restored".into(),
        cluster: Some(Named::new("c2", "dr-site")),
        host: Some(Named::new("h7", "node-b2")),
        networks: vec![
            NetworkMapping {
                from: Named::new("vlan-a", "vm-network"),
                to: Named::new("vlan-x", "dr-network"),
            },
            NetworkMapping {
                from: Named::new("vlan-b", "db"),
                to: Named::new("vlan-x", "dr-network"),
            },
        ],
        power_on: false,
        ..Default::default()
    };
    assert_eq!(
        call(&Operation::RestoreBackup {
            backup: point(),
            spec: spec.clone()
        }),
        (
            "/v2/api/backup-rebuild-vm".into(),
            json!({"where": {"id": "rp1"}, "data": {
                "rebuild_name": "web-01-restored",
                "rebuild_target_cluster_id": "c2",
                "rebuild_target_host_id": "h7",
                "startup_after_restore": false,
                "rebuild_network_mapping": [
                    {"src_vlan_id": "vlan-a", "dst_vlan_id": "vlan-x"},
                    {"src_vlan_id": "vlan-b", "dst_vlan_id": "vlan-x"},
                ],
            }})
        )
    );
    // No mapping is a valid (empty) array.
    let bare = RestoreSpec {
        networks: vec![],
        ..spec.clone()
    };
    assert_eq!(
        call(&Operation::RestoreBackup {
            backup: point(),
            spec: bare
        })
        .1["data"]["rebuild_network_mapping"],
        json!([])
    );
    for (full, kind) in [(true, "FULL"), (false, "INCREMENTAL")] {
        assert_eq!(
            call(&Operation::RunBackupPlan {
                cluster: Named::default(),
                plan: Named::new("p1", "nightly-full"),
                full
            }),
            (
                "/v2/api/execute-backup-plan".into(),
                json!({"where": {"id": "p1"}, "data": {"type": kind}})
            )
        );
    }
    assert_eq!(
        call(&Operation::DeleteBackup { backup: point() }),
        (
            "/v2/api/delete-backup-restore-point".into(),
            json!({"where": {"id": "rp1"}})
        )
    );

    // What the form must fill in.
    let f = Facts::default();
    let no_host = RestoreSpec {
        host: None,
        ..spec.clone()
    };
    assert!(
        refused(
            &Operation::RestoreBackup {
                backup: point(),
                spec: no_host
            },
            &f
        )
        .contains("host")
    );
    let no_cluster = RestoreSpec {
        cluster: Some(Named::new(" ", "")),
        ..spec.clone()
    };
    assert!(
        refused(
            &Operation::RestoreBackup {
                backup: point(),
                spec: no_cluster
            },
            &f
        )
        .contains("cluster")
    );
    let twice = RestoreSpec {
        networks: vec![spec.networks[0].clone(), spec.networks[0].clone()],
        ..spec.clone()
    };
    assert!(
        refused(
            &Operation::RestoreBackup {
                backup: point(),
                spec: twice
            },
            &f
        )
        .contains("mapped twice")
    );
    let unmapped = RestoreSpec {
        networks: vec![NetworkMapping {
            from: Named::new("vlan-a", "vm-network"),
            to: Named::default(),
        }],
        ..spec
    };
    assert!(
        refused(
            &Operation::RestoreBackup {
                backup: point(),
                spec: unmapped
            },
            &f
        )
        .contains("vm-network")
    );
}

#[test]
fn what_cloudtower_cannot_do_is_refused_with_a_reason() {
    let f = Facts::default();
    let memory = Operation::CreateSnapshot {
        vm: vm(),
        name: "m".into(),
        description: String::new(),
        memory: true,
        consistent: false,
        volume: None,
    };
    assert!(refused(&memory, &f).contains("no memory state"));
    let volume = Operation::CreateSnapshot {
        vm: vm(),
        name: "v".into(),
        description: String::new(),
        memory: false,
        consistent: false,
        volume: Some(Named::new("vol", "vol")),
    };
    assert!(refused(&volume, &f).contains("whole VMs"));
    let unnamed = Operation::CreateSnapshot {
        vm: vm(),
        name: "  ".into(),
        description: String::new(),
        memory: false,
        consistent: false,
        volume: None,
    };
    assert!(refused(&unnamed, &f).contains("name"));
    let edit = Operation::EditSnapshot {
        vm: vm(),
        snapshot: snap(),
        description: "x".into(),
    };
    assert!(refused(&edit, &f).contains("description"));
    let backup = Operation::CreateBackup {
        vm: vm(),
        point: Named::default(),
        name: "b".into(),
        description: String::new(),
        full: true,
        volume: None,
    };
    assert!(refused(&backup, &f).contains("backup plans"));
    for op in [
        Operation::SyncBackup {
            backup: point(),
            to: Named::default(),
        },
        Operation::RollbackDisks {
            vm: vm(),
            snapshot: snap(),
            disks: vec![],
        },
        Operation::CreateDatabaseBackup {
            storage: Named::default(),
        },
        Operation::ImportRemoteBackups {
            cluster: Named::default(),
            point: Named::default(),
            backups: vec![],
        },
    ] {
        let why = refused(&op, &f);
        assert!(why.starts_with("CloudTower has no \""), "{why}");
    }
    let rollback_memory = Operation::RollbackSnapshot {
        vm: vm(),
        snapshot: snap(),
        memory: true,
    };
    assert!(refused(&rollback_memory, &f).contains("memory"));
}

#[test]
fn reads_use_the_standard_list_body() {
    let c = reads::vms(reads::vm_filter("c1", " web "), 50, 100);
    assert_eq!(c.path, "/v2/api/get-vms");
    assert_eq!(
        c.body.unwrap(),
        json!({
            "where": {"cluster": {"id": "c1"}, "in_recycle_bin": false,
                      "OR": [{"name_contains": "web"}, {"ips_contains": "web"}]},
            "orderBy": "name_ASC",
            "first": 50,
            "skip": 100,
        })
    );
    let n = reads::vms_count(reads::vm_filter("", ""));
    assert_eq!(n.path, "/v2/api/get-vms-connection");
    assert_eq!(n.body.unwrap(), json!({"where": {"in_recycle_bin": false}}));
    let t = reads::recent_tasks("");
    assert_eq!(
        t.body.unwrap(),
        json!({"where": {"internal": false}, "orderBy": "local_created_at_DESC", "first": 50, "skip": 0})
    );
    assert_eq!(
        reads::tasks(&["t1".into()]).body.unwrap()["where"],
        json!({"id": "t1"})
    );
    assert_eq!(
        reads::tasks(&["t1".into(), "t2".into()]).body.unwrap()["where"],
        json!({"id_in": ["t1", "t2"]})
    );
    assert_eq!(
        reads::lun_snapshots(&["a".into(), "b".into()])
            .body
            .unwrap()["where"],
        json!({"name_in": ["a", "b"]})
    );
    assert_eq!(
        reads::and(json!({"a": 1}), json!({"b": 2})),
        json!({"AND": [{"a": 1}, {"b": 2}]})
    );
    assert_eq!(reads::and(Value::Null, json!({"b": 2})), json!({"b": 2}));
}

#[test]
fn the_login_preview_never_shows_the_password() {
    let call = login_call(
        "admin",
        LoginSource::Ldap,
        &secrecy::SecretString::from("s3cr3t-pw"),
    );
    let body = call.body.clone().unwrap();
    assert_eq!(body["username"], "admin");
    assert_eq!(body["password"], "s3cr3t-pw");
    assert_eq!(body["source"], "LDAP");
    let shown = call.to_string();
    assert!(!shown.contains("s3cr3t-pw"), "{shown}");
    assert!(shown.starts_with("POST /v2/api/login"), "{shown}");
}

#[test]
fn the_url_may_end_in_the_api_prefix() {
    use crate::cloudtower::base_url;
    for url in [
        "https://tower.example",
        "https://tower.example/",
        "https://tower.example/v2/api",
        "https://tower.example/v2/api/",
        " https://tower.example/v2 ",
    ] {
        assert_eq!(base_url(url), "https://tower.example", "{url}");
    }
    assert_eq!(base_url("http://x/tower/v2/api"), "http://x/tower");
}

#[test]
fn capabilities_are_cloudtower_s() {
    let c = crate::cloudtower::capabilities();
    assert_eq!(c.snapshot_layout, SnapshotLayout::Flat);
    assert!(c.consistent_snapshots && !c.memory_snapshots);
    assert!(c.backup_plans && c.backup_chains && c.restore_in_place && c.restore_to_new_vm);
    assert_eq!(c.restore_placement, RestorePlacement::ClusterHostNetworks);
    assert_eq!(c.backup_categories, vec![BackupCategory::Vm]);
    assert!(c.task_api && c.platform_tasks && c.cluster_backups && c.power_actions);
    assert!(!c.backup_points && !c.edit_snapshot_description && !c.remote_backups);
}

/// Every call the backend builds, checked against the official request schemas (the
/// simulator keeps them, generated from the 4.6.0 document): no unknown `where` key, no
/// wrong type, no missing required field.
#[test]
fn every_call_matches_the_spec_request_schema() {
    use crate::cloudtower::backups::{cluster_points_where, filter_where, vm_points_where};
    let spec = vmdeck_sim::cloudtower::spec::spec();
    let spec_ops = [
        create(false),
        create(true),
        Operation::RollbackSnapshot {
            vm: vm(),
            snapshot: snap(),
            memory: false,
        },
        Operation::DeleteSnapshot {
            vm: vm(),
            snapshot: snap(),
            descendants: 0,
        },
        Operation::RebuildFromSnapshot {
            vm: vm(),
            snapshot: snap(),
            new_vm_name: "n".into(),
            power_on: false,
        },
        Operation::StopVm {
            vm: vm(),
            force: false,
        },
        Operation::StopVm {
            vm: vm(),
            force: true,
        },
        Operation::StartVm { vm: vm() },
        Operation::DeleteBackup { backup: point() },
        Operation::RestoreInPlace {
            backup: point(),
            power_on: false,
        },
        Operation::RestoreBackup {
            backup: point(),
            spec: RestoreSpec {
                new_vm_name: "n".into(),
                cluster: Some(Named::new("c", "c")),
                host: Some(Named::new("h", "h")),
                networks: vec![NetworkMapping {
                    from: Named::new("a", "a"),
                    to: Named::new("b", "b"),
                }],
                ..Default::default()
            },
        },
        Operation::RunBackupPlan {
            cluster: Named::default(),
            plan: Named::new("p", "p"),
            full: true,
        },
    ];
    let mut calls: Vec<crate::HttpCall> = spec_ops
        .iter()
        .flat_map(|op| plan(op, &Facts::default()).unwrap())
        .collect();
    let since = BackupFilter {
        name: "web".into(),
        point_id: Some("p".into()),
        since: Some(Timestamp::UNIX_EPOCH),
        until: Some(Timestamp::MAX),
    };
    calls.extend([
        login_call("u", LoginSource::Local, &secrecy::SecretString::from("p")),
        reads::clusters(0),
        reads::cluster("c"),
        reads::count("get-clusters", Value::Null),
        reads::hosts(500),
        reads::vm_vlans(0),
        reads::vlans_by_local_id(&["l".into()]),
        reads::vms(reads::vm_filter("c", "x"), 10, 20),
        reads::vms_count(reads::vm_filter("", "")),
        reads::vm("v"),
        reads::vms_named("n"),
        reads::vm_disks("v"),
        reads::vm_volumes("v"),
        reads::vm_snapshots("v", 0),
        reads::snapshot("s"),
        reads::snapshots_named("v", "n"),
        reads::lun_snapshots(&["a".into()]),
        reads::tasks(&["t".into()]),
        reads::tasks(&["t".into(), "u".into()]),
        reads::recent_tasks(""),
        reads::recent_tasks("c"),
        reads::tasks_of_resource("v"),
        reads::restore_points(
            reads::and(vm_points_where("v", Some("l")), filter_where(&since)),
            5,
            5,
        ),
        reads::restore_points(cluster_points_where("c", Some("l")), 5, 0),
        reads::restore_points(cluster_points_where("c", None), 5, 0),
        reads::restore_points_count(vm_points_where("", Some("l"))),
        reads::restore_point("r"),
        reads::restore_point_metadata("r"),
        reads::backup_plans("", 0),
        reads::backup_plans("c", 0),
        reads::restore_executions(json!({"backup_restore_point": {"id": "r"}, "mode": "INPLACE"})),
        reads::restore_executions(
            json!({"backup_restore_point": {"id": "r"}, "mode": "REBUILD", "rebuild_name": "n"}),
        ),
        reads::restore_executions(json!({"id": "e"})),
        reads::vdses(0),
        reads::plan_executions(json!({"backup_plan": {"id": "p"}})),
        reads::plan_executions(json!({"id": "e"})),
    ]);
    for call in calls {
        let op = call.path.trim_start_matches("/v2/api");
        let entry = spec
            .operations
            .get(op)
            .unwrap_or_else(|| panic!("{op} is not in the spec's operations"));
        let schema = entry.request.clone().expect("a request schema");
        let body = call.body.clone().unwrap_or(Value::Null);
        if let Err(e) = spec.validate(&schema, &body, "") {
            panic!("{op}: {} — {}", e.at, e.en);
        }
    }
    // The check has teeth: a misspelt `where` key is refused.
    let vms = spec.operations["/get-vms"].request.clone().unwrap();
    assert!(
        spec.validate(&vms, &json!({"where": {"name_contain": "x"}}), "")
            .is_err()
    );
}
