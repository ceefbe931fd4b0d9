//! Decoding and conversion against the documents' own examples (verbatim fixtures under
//! `tests/fixtures/tophc/doc-examples/`), lenient and hostile variants, and the calls `plan` builds.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::envelope::{self, Answer, check_batch, decode_data, range_failures, read_answer};
use super::wire::*;
use super::{convert, ops, reads};
use crate::{BackendError, Language};
use vmdeck_model::operation::Operation;
use vmdeck_model::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../..",
            "/tests/fixtures/tophc/doc-examples/",
            $name
        ))
    };
}

/// The `data` of a successful answer.
fn data_of(path: &str, body: &str) -> Value {
    match read_answer(path, 200, body.as_bytes(), Language::English) {
        Ok(Answer::Data(v)) => v,
        other => panic!("{path}: {other:?}"),
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> T {
    decode_data("/x", data_of("/x", body)).unwrap()
}

fn cluster() -> Named {
    Named::new("c27a25bc-5da2-430f-bfaf-6c8d33f21128", "host3223-cvm3323")
}

fn ts(s: i64) -> Option<Timestamp> {
    Some(Timestamp::from_second(s).unwrap())
}

// ------------------------------------------------------------------ envelope

#[test]
fn login_old_envelope_status_code_and_message_en() {
    let login: LoginData = decode(fixture!("login_status_code.json"));
    assert_eq!(login.user_name.as_str(), "hhh");
    assert_eq!(login.user_role.as_str(), "administrator");
    assert!(login.token.starts_with("eyJhbGciOiJIUzI1NiIs"));
    assert_eq!(
        super::session::token_lifetime(&login.token, 0),
        Some(std::time::Duration::from_secs(300_000))
    );
}

#[test]
fn login_new_envelope_scode_and_message() {
    // Same payload in the new envelope (hand-made: the docs show login only in the old one).
    let body = fixture!("login_status_code.json")
        .replace("\"status_code\"", "\"scode\"")
        .replace("\"message_en\"", "\"message\"");
    let login: LoginData = decode(&body);
    assert_eq!(
        login.tenant_uuid.as_str(),
        "4a7e240b-14aa-11e9-b0b9-5256ff003400"
    );
    assert!(!login.is_deploy_mode.is_true());
}

#[test]
fn logout_with_messagecn_and_string_data() {
    assert_eq!(
        data_of(
            "/v1/authentication/logout",
            fixture!("logout_messageCn.json")
        ),
        json!("")
    );
    // Empty payloads decode as an empty object.
    let b: BackupCreated = decode(fixture!("logout_messageCn.json"));
    assert!(b.backup_uuid.is_empty());
}

#[test]
fn old_style_success_envelope() {
    let v = data_of("/x", fixture!("spec_success_status_code.json"));
    assert_eq!(v["volume"]["uuid"], "c7e3ffe3-b072-477e-a92b-8d01243530a9");
}

#[test]
fn error_envelope_with_stack_becomes_platform_error() {
    let e = read_answer(
        "/v1/user/x",
        200,
        fixture!("spec_error_stack.json").as_bytes(),
        Language::English,
    )
    .unwrap_err();
    assert_eq!(
        e,
        BackendError::Platform {
            platform: Platform::TopHc,
            code: "10183".into(),
            message: "user not exist (用户不存在)".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "TopHC error 10183: user not exist (用户不存在)"
    );
}

/// With `language = "zh-CN"` the Chinese message leads, the English one follows.
#[test]
fn in_chinese_message_cn_leads() {
    let cases = [
        (
            json!({"scode": 22102, "message": "VM is not cloning", "message_cn": "虚拟机不在克隆中", "desc": "vm-1"}),
            "虚拟机不在克隆中 (VM is not cloning) — vm-1",
        ),
        (
            json!({"scode": 1, "message": "only english"}),
            "only english",
        ),
        (
            json!({"scode": 1, "message_en": "old", "messageCn": "旧"}),
            "旧 (old)",
        ),
    ];
    for (body, want) in cases {
        match read_answer("/p", 200, body.to_string().as_bytes(), Language::Chinese) {
            Err(BackendError::Platform { message, .. }) => assert_eq!(message, want, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    let batch = json!({"results": [{"scode": 22300, "message": "volume busy", "message_cn": "卷忙", "data": {}}]});
    let outcome = check_batch("/p", batch, Language::Chinese, |_, _| "sdb".into()).unwrap();
    assert_eq!(
        outcome.failure_text(),
        "sdb: error 22300: 卷忙 (volume busy)"
    );
}

#[test]
fn error_message_joins_present_parts_only() {
    let cases = [
        (
            json!({"scode": 22102, "message": "VM is not cloning", "message_cn": "虚拟机不在克隆中", "desc": "vm-1"}),
            "VM is not cloning (虚拟机不在克隆中) — vm-1",
        ),
        (
            json!({"scode": 1, "message": "a", "message_cn": "", "desc": ""}),
            "a",
        ),
        (
            json!({"scode": 1, "message_cn": "中文", "desc": "d"}),
            "中文 — d",
        ),
        (json!({"scode": 1, "desc": "only\n desc"}), "only desc"),
        (
            json!({"scode": 1, "message_en": "old", "messageCn": "旧"}),
            "old (旧)",
        ),
        (json!({"scode": 1}), "no message"),
        (
            json!({"scode": "20926", "message": "x", "message_cn": "x"}),
            "x",
        ),
        (
            json!({"scode": 10000, "message": "Manager server error: dial tcp: i/o timeout",
                   "message_cn": "服务器出错: dial tcp: i/o timeout", "desc": "dial tcp: i/o timeout"}),
            "Manager server error: dial tcp: i/o timeout (服务器出错: dial tcp: i/o timeout)",
        ),
    ];
    for (body, want) in cases {
        match read_answer("/p", 200, body.to_string().as_bytes(), Language::English) {
            Err(BackendError::Platform { message, .. }) => assert_eq!(message, want, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn session_refusals_are_recognised() {
    for code in [10002, 10003] {
        let body = json!({"scode": code, "message": "token invalid"}).to_string();
        assert!(matches!(
            read_answer("/p", 200, body.as_bytes(), Language::English),
            Ok(Answer::SessionRefused(_))
        ));
    }
    for status in [401, 403] {
        assert!(matches!(
            read_answer("/p", status, b"<html>no</html>", Language::English),
            Ok(Answer::SessionRefused(_))
        ));
    }
}

#[test]
fn hostile_bodies_give_readable_errors() {
    let reason = |status: u16, body: &[u8]| match read_answer(
        "/v1/compute/list",
        status,
        body,
        Language::English,
    ) {
        Err(e) => e.to_string(),
        Ok(a) => panic!("accepted {a:?}"),
    };
    let html = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";
    let e = reason(502, html);
    assert!(
        e.contains("HTTP 502") && e.contains("502 Bad Gateway"),
        "{e}"
    );
    let e = reason(200, html);
    assert!(e.contains("HTML page"), "{e}");
    let e = reason(200, br#"{"scode":0,"data":{"domains":[{"uuid":"#);
    assert!(e.contains("cut off"), "{e}");
    let e = reason(200, b"");
    assert!(e.contains("empty body"), "{e}");
    let e = reason(200, b"[1,2,3]");
    assert!(e.contains("expected a TopHC answer object"), "{e}");
    let e = reason(200, b"\"ok\"");
    assert!(e.contains("a string"), "{e}");
    let e = reason(200, br#"{"data":{}}"#);
    assert!(e.contains("no scode"), "{e}");
    let e = reason(200, br#"{"scode":"zero","data":{}}"#);
    assert!(e.contains("no scode"), "{e}");
    let e = reason(404, b"404 page not found");
    assert!(e.contains("unknown route"), "{e}");
    let e = reason(200, b"\xff\xfe garbage");
    assert!(e.contains("not valid JSON"), "{e}");
    // Wrong types inside `data`.
    let data = data_of("/p", r#"{"scode":0,"data":{"domains":"oops"}}"#);
    let e = decode_data::<ComputeList>("/v1/compute/list", data)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/v1/compute/list") && e.contains("expected a list"),
        "{e}"
    );
    let data = data_of("/p", r#"{"scode":0,"data":{"domains":[5]}}"#);
    let e = decode_data::<ComputeList>("/p", data)
        .unwrap_err()
        .to_string();
    assert!(e.contains("struct Compute"), "{e}");
    let data = data_of("/p", r#"{"scode":0,"data":[1]}"#);
    assert!(decode_data::<SnapshotTreeData>("/p", data).is_err());
}

#[test]
fn a_platform_error_on_a_non_200_status_keeps_its_code() {
    let body = json!({"scode": 10000, "message": "Manager server error", "desc": "db"});
    match read_answer("/p", 500, body.to_string().as_bytes(), Language::English) {
        Err(BackendError::Platform { code, .. }) => assert_eq!(code, "10000"),
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------------ batch & fan-out

#[test]
fn documented_batch_example_is_invalid_json_and_says_so() {
    let e = read_answer(
        "/v1/compute/batch_start",
        200,
        fixture!("spec_batch.json").as_bytes(),
        Language::English,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not valid JSON"), "{e}");
}

#[test]
fn batch_items_are_checked_one_by_one() {
    let repaired = fixture!("spec_batch.json").replace("[....]", "[]");
    let data = data_of("/v1/compute/batch_start", &repaired);
    let outcome = check_batch("/p", data, Language::English, |_, d| {
        d["host"].as_str().unwrap_or("?").to_string()
    })
    .unwrap();
    assert_eq!(outcome.succeeded, vec!["123aaaaa".to_string()]);
    assert_eq!(
        outcome.failed,
        vec![(
            "123aaaaa".to_string(),
            11000,
            "User Not Exist (用户不存在)".to_string()
        )]
    );
    // The example says fail: 2 but lists one failure.
    assert_eq!(outcome.unlisted_failures, 1);
    assert!(!outcome.all_ok());
    assert!(outcome.failure_text().contains("1 more failure"));
}

#[test]
fn disk_rollback_batch_with_a_failed_disk() {
    let body = json!({"scode": 0, "message": "success", "data": {"success": 1, "fail": 1, "results": [
        {"scode": 0, "message": "success", "data": {"VolumeUuid": "v1", "SnapshotUuid": "s1", "DiskDrive": "sda"}},
        {"scode": 22300, "message": "volume busy", "message_cn": "卷忙", "desc": "v2",
         "stack": ["host:10.30.33.23,pid:26372,module:center"],
         "data": {"VolumeUuid": "v2", "SnapshotUuid": "s2", "DiskDrive": "sdb"}}
    ]}});
    let data = data_of("/p", &body.to_string());
    let outcome = check_batch("/p", data, Language::English, |_, d| {
        d["DiskDrive"].as_str().unwrap().into()
    })
    .unwrap();
    assert_eq!(outcome.succeeded, vec!["sda".to_string()]);
    assert_eq!(
        outcome.failure_text(),
        "sdb: error 22300: volume busy (卷忙) — v2"
    );
    assert_eq!(outcome.unlisted_failures, 0);
    let e = outcome.to_error().to_string();
    assert!(e.starts_with("TopHC error 22300"), "{e}");
}

#[test]
fn each_range_list_state_failure_becomes_cluster_failure() {
    let mut v: Value = serde_json::from_str(fixture!("compute_list.json")).unwrap();
    v["data"]["each_range_list_state"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "cluster_uuid": "650ea11b-b7fb-4269-8232-aa53865aab3b",
            "cluster_name": "host3222-cvm3322",
            "cluster_mode": "",
            "namespace_uuid": "",
            "namespace_name": "",
            "result": {"scode": 10000, "desc": "dial tcp 10.30.33.22:9990: i/o timeout",
                       "message": "Manager server error", "message_cn": "服务器出错", "stack": null, "data": ""},
            "total_count": 0
        }));
    let list: ComputeList = decode(&v.to_string());
    assert_eq!(
        list.domains.len(),
        1,
        "the rest of the data is still returned"
    );
    let failures = range_failures(&list.each_range_list_state, Language::English);
    assert_eq!(
        failures,
        vec![ClusterFailure {
            cluster_id: "650ea11b-b7fb-4269-8232-aa53865aab3b".into(),
            cluster_name: "host3222-cvm3322".into(),
            message: "error 10000: Manager server error (服务器出错) — dial tcp 10.30.33.22:9990: i/o timeout".into(),
        }]
    );
}

// ------------------------------------------------------------------ clusters & VMs

#[test]
fn allowed_clusters() {
    let list: AllowedClusters = decode(fixture!("allow_list.json"));
    assert_eq!(list.total_count.get(), Some(1));
    let c = convert::cluster(&list.list[0]);
    assert_eq!(c.id, "7015835c-56a6-4773-937c-1dbcbe5dfba5");
    assert_eq!(c.name, "cluster_2020_0820");
    assert_eq!(c.state, ClusterState::Healthy);
    assert!(c.details.contains(&Detail::new("Master", "10.30.10.68")));
    let sick: AllowedCluster =
        serde_json::from_value(json!({"uuid": "u", "name": "n", "is_health": false})).unwrap();
    assert!(matches!(
        convert::cluster(&sick).state,
        ClusterState::Failed(_)
    ));
    let stopped: AllowedCluster =
        serde_json::from_value(json!({"uuid": "u", "is_stop": "true", "is_health": true})).unwrap();
    assert!(matches!(
        convert::cluster(&stopped).state,
        ClusterState::Failed(_)
    ));
    let unknown: AllowedCluster = serde_json::from_value(json!({"uuid": "u"})).unwrap();
    assert_eq!(convert::cluster(&unknown).state, ClusterState::Unknown);
    assert_eq!(convert::cluster(&unknown).name, "u");
}

#[test]
fn compute_list_example() {
    let list: ComputeList = decode(fixture!("compute_list.json"));
    assert_eq!(list.total_count.get(), Some(1));
    assert!(range_failures(&list.each_range_list_state, Language::English).is_empty());
    let vm = convert::vm(&list.domains[0], &Named::new("other", "other"));
    assert_eq!(vm.id, "b31d4319-476a-4f67-9c37-3cf5f4d54f0f");
    assert_eq!(vm.name, "test-clone");
    assert_eq!(vm.cluster, cluster(), "the VM's own cluster wins");
    assert_eq!(
        vm.tenant,
        Some(Named::new("a5badacf-a25c-4171-9aff-b619fc2d300a", "ycb1"))
    );
    assert_eq!(vm.power, VmPower::Stopped);
    assert_eq!(vm.action, None);
    assert_eq!(vm.agent, AgentState::Disconnected);
    assert_eq!(vm.ip, "");
    assert_eq!(
        vm.zone,
        Some(Named::new(
            "2871bab9-d6ed-4100-8d74-9c4442b52bb5",
            "default"
        ))
    );
    assert_eq!(
        vm.group,
        Some(Named::new(
            "e9017aa7-e19b-47b0-b638-e639aa9451c6",
            "default"
        ))
    );
    assert_eq!(vm.os, "CentOS x64");
    assert_eq!(vm.vcpu, Some(1));
    assert_eq!(vm.memory_bytes, Some(1_073_741_824));
    assert_eq!(vm.created, ts(1_629_783_924));
    assert!(vm.details.contains(&Detail::new("Type", "GUS")));
    assert!(
        vm.details
            .contains(&Detail::new("MAC", "52:56:ff:ab:36:81"))
    );
    assert!(vm.details.contains(&Detail::new("Disk used", "2.3 GiB")));
}

#[test]
fn compute_inspect_example_with_replica_as_string() {
    let c: Compute = decode(fixture!("compute_inspect.json"));
    let d = convert::vm_detail(&c, &cluster());
    assert_eq!(d.vm.name, "test-clone");
    assert_eq!(d.vm.vcpu, Some(1), "cpu_current is the string \"1\"");
    assert_eq!(d.vm.memory_bytes, Some(1_073_741_824));
    assert_eq!(d.vm.ip, "192.123.123.10");
    assert_eq!(
        d.disks,
        vec![VmDisk {
            device: "sda".into(),
            volume: Named::new(
                "42d2fc4e-9025-418b-871d-2d588873528b",
                "test-clone-volume-1"
            ),
            pool: Some(Named::new(
                "42b3e3b6-b1d1-44c0-bf5c-b9cf73d594df",
                "ycb1-1000"
            )),
            capacity: Some(21_474_836_480),
            disk_type: Some("HDD".into()),
            is_root: true,
        }]
    );
    assert_eq!(
        c.disks[0].disk_vsd_source.as_ref().unwrap().replica.get(),
        Some(1)
    );
    assert!(
        d.details
            .contains(&Detail::new("Disk sda", "scsi, 1 replica(s), cache none"))
    );
    assert!(d.vm.details.contains(&Detail::new("HA", "on")));
    // Nothing secret from the answer ends up on screen.
    let all = format!("{:?}", d);
    assert!(
        !all.contains("7260a00f0794c10c7ed0652b0e465dd0"),
        "spice password leaked"
    );
}

#[test]
fn lenient_vm_variants() {
    let c: Compute = serde_json::from_value(json!({
        "uuid": 7, "name": null, "state": "migrating_somewhere", "ga_state": "disconnect",
        "action": "backing_up", "create_time": "1629783924", "interface_ips": ["10.0.0.5", {"ip": "10.0.0.6"}],
        "statistic": null, "interface": null, "disks": null, "unknown_key": {"deep": [1, 2]},
        "mem_size": "2147483648", "cpu_current": 4.0, "is_external_disk": "true",
    }))
    .unwrap();
    let vm = convert::vm(&c, &cluster());
    assert_eq!(vm.id, "7");
    assert_eq!(vm.name, "");
    assert_eq!(vm.power, VmPower::Unknown("migrating_somewhere".into()));
    assert_eq!(vm.agent, AgentState::Disconnected);
    assert_eq!(vm.action.as_deref(), Some("backing_up"));
    assert_eq!(vm.created, ts(1_629_783_924));
    assert_eq!(vm.ip, "10.0.0.5");
    assert!(
        vm.details
            .contains(&Detail::new("IPs", "10.0.0.5, 10.0.0.6"))
    );
    assert_eq!(vm.memory_bytes, Some(2_147_483_648));
    assert_eq!(vm.vcpu, Some(4));
    assert_eq!(vm.cluster, cluster());
    assert_eq!(vm.tenant, None);
    for (state, power) in [
        ("running", VmPower::Running),
        ("shutdown", VmPower::Stopping),
        ("paused", VmPower::Paused),
        ("pmsuspend", VmPower::Suspended),
        ("crashed", VmPower::Crashed),
        ("blocked", VmPower::Unknown("blocked".into())),
        ("", VmPower::Unknown("".into())),
    ] {
        assert_eq!(convert::power(state), power);
    }
    assert_eq!(convert::action(" noaction "), None);
    assert_eq!(convert::action(""), None);
    assert_eq!(convert::agent("weird"), AgentState::Unknown("weird".into()));
    // An empty object is a VM with nothing known, not an error.
    let c: Compute = serde_json::from_value(json!({})).unwrap();
    assert_eq!(
        convert::vm(&c, &cluster()).power,
        VmPower::Unknown(String::new())
    );
}

#[test]
fn disks_of_other_sources_and_the_system_disk() {
    let c: Compute = serde_json::from_value(json!({
        "disks": [
            {"disk_target_device": "vdb", "disk_volume_source": {"pool": "p1", "volume": "shared-vol", "volume_uuid": "v2", "disk_capacity": "1024", "pool_name": "nfs"}},
            {"disk_target_device": "vda", "disk_block_source": {"volume_uuid": "v1", "volume_name": "blk", "pool_uuid": "p0", "drive_type": "SSD"}, "disk_is_system": 1},
            {"disk_target_device": "sdc", "disk_source_passthrough": {"disk_id": "d9", "disk_path": "/dev/sdz", "disk_capacity": 5}},
            {"disk_target_device": "sdd"}
        ]
    }))
    .unwrap();
    let d = convert::vm_detail(&c, &cluster());
    assert_eq!(d.disks[0].volume, Named::new("v2", "shared-vol"));
    assert_eq!(d.disks[0].pool, Some(Named::new("p1", "nfs")));
    assert_eq!(d.disks[0].capacity, Some(1024));
    assert!(!d.disks[0].is_root);
    assert!(d.disks[1].is_root);
    assert_eq!(d.disks[1].disk_type.as_deref(), Some("SSD"));
    assert_eq!(d.disks[2].disk_type.as_deref(), Some("passthrough"));
    assert_eq!(d.disks[3].volume, Named::default());
}

// ------------------------------------------------------------------ snapshots

fn vm_ref() -> VmRef {
    VmRef {
        cluster: Named::new("650ea11b-b7fb-4269-8232-aa53865aab3b", "host3222-cvm3322"),
        id: "b6b0e5b9-dacd-432b-9b83-c3e89799009d".into(),
        name: "test-templ".into(),
        tenant: Some(Named::new("a5badacf-a25c-4171-9aff-b619fc2d300a", "ycb1")),
    }
}

#[test]
fn snapshot_examples_build_a_tree() {
    let list: SnapshotList = decode(fixture!("snapshot_list.json"));
    let get: VsdSnapshot = decode(fixture!("snapshot_get.json"));
    let head: VsdSnapshot = decode(fixture!("snapshot_head.json"));
    let tree: SnapshotTreeData = decode(fixture!("snapshot_tree.json"));
    assert_eq!(list.total_count.get(), Some(1));
    assert_eq!(get.name.as_str(), "origin");
    let s = convert::snapshot(&list.list[0]);
    assert_eq!(s.id, "origin");
    assert_eq!(s.name, "origin");
    assert_eq!(s.created, ts(1_631_166_673));
    assert_eq!(s.memory, None);
    assert_eq!(
        s.disks,
        vec![SnapshotDisk {
            device: "sda".into(),
            volume_id: "3e8b046d-99a2-4a28-ba73-01c8af4d85e0".into(),
            snapshot_id: "25a949de-eaad-4f99-9bf8-b794578d8cfe".into(),
        }]
    );
    let t = convert::snapshot_tree(tree.tree, &list.list, Ok(head));
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert_eq!(t.snapshot_count(), 1);
    let origin = t.find("origin").unwrap();
    assert_eq!(t.current_snapshot(), Some(origin));
    assert_eq!(t.roots, vec![origin]);
    // "head" is a marker, not a snapshot.
    assert!(t.find("head").is_none());
    assert_eq!(t.now_markers().count(), 1);
}

fn snap(name: &str, t: i64) -> VsdSnapshot {
    serde_json::from_value(json!({"name": name, "ctime": t})).unwrap()
}

fn tree_wire(parents: Value, children: Value) -> Option<SnapshotTreeWire> {
    Some(
        serde_json::from_value(json!({"UUID": "vm", "Parents": parents, "Children": children}))
            .unwrap(),
    )
}

fn no_head() -> Result<VsdSnapshot, BackendError> {
    Err(BackendError::Platform {
        platform: Platform::TopHc,
        code: "22400".into(),
        message: "vm has no snapshot".into(),
    })
}

#[test]
fn tree_with_branches_and_head_crosscheck() {
    let list = vec![snap("a", 1), snap("b", 2), snap("c", 3), snap("d", 4)];
    let tree = tree_wire(
        json!({"a": "", "b": "a", "c": "a", "d": "c", "head": "d"}),
        json!({"": {"Children": ["a"]}, "a": {"Children": ["b", "c"]}, "c": {"Children": ["d"]}, "d": {"Children": ["head"]}}),
    );
    let t = convert::snapshot_tree(tree.clone(), &list, Ok(snap("d", 4)));
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    let a = t.find("a").unwrap();
    assert_eq!(t.snapshot_children(a), 2);
    assert_eq!(t.current_snapshot(), t.find("d"));
    // /head disagrees with the tree: the tree wins and the tree says so.
    let t = convert::snapshot_tree(tree, &list, Ok(snap("b", 2)));
    assert_eq!(t.current_snapshot(), t.find("d"));
    assert_eq!(t.problems.len(), 1);
    assert!(
        t.problems[0].contains("/snapshot/head says \"b\""),
        "{:?}",
        t.problems
    );
}

#[test]
fn vm_without_snapshots_is_fine_when_head_errors() {
    let tree = tree_wire(json!({"head": ""}), json!({"": {"Children": ["head"]}}));
    let t = convert::snapshot_tree(tree, &[], no_head());
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert_eq!(t.snapshot_count(), 0);
    assert_eq!(t.now_markers().count(), 1);
    assert_eq!(t.current_snapshot(), None);
    // An empty tree: the same.
    let t = convert::snapshot_tree(tree_wire(json!({}), json!({})), &[], no_head());
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert_eq!(t.now_markers().count(), 1);
    let t = convert::snapshot_tree(None, &[], no_head());
    assert!(t.problems.is_empty(), "{:?}", t.problems);
}

#[test]
fn tree_without_head_uses_the_head_call_and_notes_when_both_are_silent() {
    let list = vec![snap("a", 1), snap("b", 2)];
    let tree = tree_wire(json!({"a": "", "b": "a"}), json!(null));
    let t = convert::snapshot_tree(tree.clone(), &list, Ok(snap("a", 1)));
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert_eq!(t.current_snapshot(), t.find("a"));
    let t = convert::snapshot_tree(tree, &list, no_head());
    assert_eq!(t.current_snapshot(), None);
    assert!(
        t.problems[0].contains("did not say which snapshot"),
        "{:?}",
        t.problems
    );
}

#[test]
fn memory_flag_and_lenient_snapshot_fields() {
    let s: VsdSnapshot = serde_json::from_value(json!({
        "name": "m1", "ctime": "1631166673", "attr": {"domain_memory": "true", "screenshot": 12},
        "disk_snapshot_list": null, "vm_detail": {"anything": true}
    }))
    .unwrap();
    let s = convert::snapshot(&s);
    assert_eq!(s.memory, Some(true));
    assert_eq!(s.created, ts(1_631_166_673));
    assert!(s.details.contains(&Detail::new("screenshot", "12")));
    let s: VsdSnapshot =
        serde_json::from_value(json!({"name": "m2", "attr": {"domain_memory": "false"}})).unwrap();
    assert_eq!(convert::snapshot(&s).memory, Some(false));
    // The Children entry as a bare list is read too.
    let tree = tree_wire(json!({}), json!({"": ["a"], "a": {"Children": ["head"]}}));
    let t = convert::snapshot_tree(tree, &[snap("a", 1)], Ok(snap("a", 1)));
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert_eq!(t.current_snapshot(), t.find("a"));
}

// ------------------------------------------------------------------ backups

#[test]
fn backup_examples() {
    let list: BackupList = decode(fixture!("backup_list.json"));
    assert!(list.list.is_empty());
    assert_eq!(list.total_count.get(), Some(0));
    assert!(range_failures(&list.each_range_list_state, Language::English).is_empty());

    let info: BackupInfo = decode(fixture!("backup_inspect.json"));
    let b = convert::backup(&info, &Named::new("x", "x"));
    assert_eq!(b.id, "e6568a55-f381-4cc0-8f82-19f2ad0b9ae4");
    assert_eq!(b.status, BackupStatus::Done);
    assert_eq!(
        b.vm,
        Named::new("9cfe5e48-a677-424d-8ed2-f7f791d50dd2", "gg_ubuntu")
    );
    assert_eq!(
        b.cluster,
        Named::new("650ea11b-b7fb-4269-8232-aa53865aab3b", "host3222-cvm3322")
    );
    assert_eq!(
        b.point,
        Some(Named::new(
            "16eda2b2-7859-4576-b3a0-1c54d479086a",
            "gg_nfs_202197"
        ))
    );
    assert_eq!(b.tenant.as_ref().unwrap().name, "gg_tenant");
    assert_eq!(b.description, "CDP策略自动生成备份");
    assert_eq!(b.created, ts(1_631_086_225));
    assert_eq!(b.kind, None);
    assert_eq!(b.disks.len(), 1);
    assert_eq!(b.disks[0].device, "sda");
    assert_eq!(b.disks[0].id, "f48296c3-5f41-4c52-8ec5-442ffbc5dfe3");
    assert_eq!(b.total_size(), Some(5_368_709_120));

    let created: BackupCreated = decode(fixture!("backup_create.json"));
    assert_eq!(
        created.backup_uuid.as_str(),
        "7cfb9378-71ef-4011-9e70-3544a0038137"
    );
    let _: Value = data_of("/p", fixture!("backup_delete.json"));
    let _: Value = data_of("/p", fixture!("backup_restore.json"));
    let p: Progress = decode(fixture!("restore_progress.json"));
    assert_eq!(p.progress.0, Some(0.0));
}

#[test]
fn backup_status_values() {
    for (v, want) in [
        (json!(0), BackupStatus::Done),
        (json!("1"), BackupStatus::InProgress),
        (json!(2), BackupStatus::Failed),
        (json!(7), BackupStatus::Unknown("status 7".into())),
        (json!(null), BackupStatus::Unknown(String::new())),
    ] {
        let b: BackupInfo = serde_json::from_value(json!({"status": v})).unwrap();
        assert_eq!(convert::backup(&b, &cluster()).status, want);
    }
    let b: BackupInfo =
        serde_json::from_value(json!({"full_backup": false, "disks": [{"capacity": null}]}))
            .unwrap();
    let b = convert::backup(&b, &cluster());
    assert_eq!(b.kind, Some(BackupKind::Incremental));
    assert_eq!(b.total_size(), None);
    assert_eq!(b.cluster, cluster());
}

#[test]
fn backup_points_example_never_reads_the_password() {
    let list: BackupPointList = decode(fixture!("backuppoint_list.json"));
    let p = convert::backup_point(&list.list[0]);
    assert_eq!(p.id, "d2ac682b-8243-4870-b352-70db99b3a1c2");
    assert_eq!(p.name, "nfs_type_1");
    assert_eq!(p.kind, "nfs");
    assert_eq!(p.state, "healthy");
    assert!(p.details.contains(&Detail::new("Server", "10.30.12.165")));
    assert!(p.details.contains(&Detail::new(
        "Directory",
        "/exports/eaee0463-d336-419e-aff1-29609f1e8af2/data"
    )));
    let secret: BackupPointWire = serde_json::from_value(
        json!({"UUID": "u", "Name": "n", "indentify": {"IP": "1.2.3.4", "Pwd": "hunter2"}}),
    )
    .unwrap();
    assert!(!format!("{:?}", convert::backup_point(&secret)).contains("hunter2"));
}

#[test]
fn remote_backups_keep_the_raw_record() {
    // Shape from backup.md's ComputeRemoteBackup / ComputeVmBackup (no example in the docs).
    let raw = json!({
        "UUID": "rb-1", "NsUUID": "ns", "VmUUID": "vm-9", "BpUUID": "bp-1", "Name": "nightly",
        "Desc": "", "Ctime": 1631086225, "Status": 0, "Filename": "f", "ExpiredTime": 0,
        "DiskBackups": {"sda": {"BackupUUID": "db1", "Capacity": 100, "Replica": 2, "VolSnapUUID": "vs", "share": false},
                        "sdb": {"BackupUUID": "db2", "Capacity": "50", "Replica": 2, "VolSnapUUID": "vs2", "share": false}},
        "cluster_uuid": "c-other", "cluster_name": "far-away", "cluster_mode": ""
    });
    let body = json!({"scode": 0, "data": {"total_count": 1, "backups": [raw.clone()],
        "vm_infos": {"vm-9": {"Name": "db-server"}}}});
    let list: RemoteBackupList = decode(&body.to_string());
    let items: Vec<RemoteBackup> = list
        .backups
        .0
        .into_iter()
        .map(|r| convert::remote_backup(r, &list.vm_infos).unwrap())
        .collect();
    assert_eq!(items[0].id, "rb-1");
    assert_eq!(items[0].vm_name, "db-server");
    assert_eq!(items[0].cluster_name, "far-away");
    assert_eq!(items[0].size, Some(150));
    assert_eq!(items[0].status, BackupStatus::Done);
    assert_eq!(items[0].opaque, raw);
    assert!(convert::remote_backup(json!("x"), &list.vm_infos).is_err());
}

// ------------------------------------------------------------------ restore choices

#[test]
fn restore_choice_examples() {
    let zones: ZoneList = decode(fixture!("zone_list.json"));
    let zones: Vec<Named> = zones.list.iter().map(convert::zone).collect();
    assert_eq!(
        zones,
        vec![
            Named::new("c12cf7ea-829a-4b26-a8ad-ceaec7ed1736", "子集群191"),
            Named::new("866982bd-73a8-4eb6-be60-8e227835c38b", "default"),
        ]
    );
    let tree: GroupTree = decode(fixture!("group_tree.json"));
    assert_eq!(
        convert::groups(&tree.list),
        vec![Named::new(
            "0a5d3331-d9fe-4f6a-9c90-879dde781794",
            "ycb1 / default"
        )]
    );
    let pools: PoolList = decode(fixture!("pool_internal_list.json"));
    assert_eq!(pools.list.len(), 2);
    let usable: Vec<Named> = pools
        .list
        .iter()
        .filter(|p| !convert::is_repository(p))
        .map(convert::pool)
        .collect();
    assert_eq!(
        usable,
        vec![Named::new("36ed1968-6680-4e94-a823-a914c9ecca2c", "TopHC")]
    );
}

#[test]
fn nested_groups_get_paths() {
    let tree: Vec<GroupNode> = serde_json::from_value(json!([
        {"UUID": "t", "Name": "tenant", "fake": true, "tenant_name": "acme", "Children": [
            {"UUID": "g1", "Name": "prod", "fake": false, "Children": [
                {"UUID": "g2", "Name": "db", "Children": null}
            ]},
            {"UUID": "", "Name": "broken"}
        ]}
    ]))
    .unwrap();
    assert_eq!(
        convert::groups(&tree),
        vec![
            Named::new("g1", "acme / prod"),
            Named::new("g2", "acme / prod / db")
        ]
    );
}

// ------------------------------------------------------------------ plan

fn body_of(op: &Operation) -> (String, Value) {
    let calls = ops::plan(op).unwrap();
    assert_eq!(calls.len(), 1);
    (calls[0].path.clone(), calls[0].body.clone().unwrap())
}

/// Every key of the documented request example appears in our body with the same value.
fn assert_covers(doc: &str, ours: &Value) {
    let doc: Value = serde_json::from_str(doc).unwrap();
    for (k, v) in doc.as_object().unwrap() {
        assert_eq!(ours.get(k), Some(v), "key {k}: ours {ours}");
    }
}

#[test]
fn snapshot_calls_match_the_documented_requests() {
    let vm = vm_ref();
    let snap_ref = |n: &str| SnapshotRef {
        id: n.into(),
        name: n.into(),
        volume: None,
    };
    let (path, body) = body_of(&Operation::CreateSnapshot {
        vm: vm.clone(),
        name: "temp".into(),
        description: String::new(),
        memory: false,
        consistent: false,
        volume: None,
    });
    assert_eq!(path, "/v1/compute/vsd/snapshot/create");
    assert_covers(fixture!("req_snapshot_create.json"), &body);
    assert_eq!(body["vm_type"], "GUS");
    assert_eq!(body["cluster_name"], "host3222-cvm3322");

    let (path, body) = body_of(&Operation::EditSnapshot {
        vm: vm.clone(),
        snapshot: snap_ref("temp"),
        description: "desc".into(),
    });
    assert_eq!(path, "/v1/compute/vsd/snapshot/modify");
    assert_covers(fixture!("req_snapshot_modify.json"), &body);

    let (path, body) = body_of(&Operation::RollbackSnapshot {
        vm: vm.clone(),
        snapshot: snap_ref("origin"),
        memory: false,
    });
    assert_eq!(path, "/v1/compute/vsd/snapshot/rollback");
    assert_covers(fixture!("req_snapshot_rollback.json"), &body);

    let (path, body) = body_of(&Operation::DeleteSnapshot {
        vm: vm.clone(),
        snapshot: snap_ref("temp"),
        descendants: 0,
    });
    assert_eq!(path, "/v1/compute/vsd/snapshot/delete");
    assert_covers(fixture!("req_snapshot_delete.json"), &body);

    let (path, body) = body_of(&Operation::RollbackDisks {
        vm,
        snapshot: snap_ref("origin"),
        disks: vec![SnapshotDisk {
            device: "sda".into(),
            volume_id: "3e8b046d-99a2-4a28-ba73-01c8af4d85e0".into(),
            snapshot_id: "25a949de-eaad-4f99-9bf8-b794578d8cfe".into(),
        }],
    });
    assert_eq!(path, "/v1/compute/volume/snapshot/rollback");
    assert_eq!(
        body["disk_snapshot_list"],
        json!([{"VolumeUuid": "3e8b046d-99a2-4a28-ba73-01c8af4d85e0",
                "SnapshotUuid": "25a949de-eaad-4f99-9bf8-b794578d8cfe", "DiskDrive": "sda"}])
    );
    assert_eq!(body["compute_uuid"], "b6b0e5b9-dacd-432b-9b83-c3e89799009d");
}

#[test]
fn power_calls_match_the_documented_requests() {
    let vm = |cluster: &str, tenant: &str, id: &str, name: &str| VmRef {
        cluster: Named::new(cluster, "c"),
        id: id.into(),
        name: name.into(),
        tenant: Some(Named::new(tenant, "t")),
    };
    let test_api = vm(
        "c27a25bc-5da2-430f-bfaf-6c8d33f21128",
        "a5badacf-a25c-4171-9aff-b619fc2d300a",
        "76a8ef31-a98d-485c-b967-97cefefa5088",
        "test-api",
    );
    let (path, body) = body_of(&Operation::StopVm {
        vm: test_api.clone(),
        force: true,
    });
    assert_eq!(path, "/v1/compute/shutoff");
    assert_covers(fixture!("req_compute_shutoff.json"), &body);

    let (path, body) = body_of(&Operation::StopVm {
        vm: vm(
            "bdc01c45-973c-4b7b-a565-7a03c74379e4",
            "a0313629-10fd-48dc-9e92-5dff744a3c0e",
            "dbffd091-63b7-451c-831b-6f8154c007e4",
            "centos-cgt",
        ),
        force: false,
    });
    assert_eq!(path, "/v1/compute/shutdown");
    assert_covers(fixture!("req_compute_shutdown.json"), &body);

    // The example also asks for cloud-init, which vmdeck leaves out on purpose.
    let (path, body) = body_of(&Operation::StartVm { vm: test_api });
    assert_eq!(path, "/v1/compute/start");
    let mut doc: Value = serde_json::from_str(fixture!("req_compute_start.json")).unwrap();
    assert_eq!(
        doc.as_object_mut().unwrap().remove("cloud_init"),
        Some(json!(true))
    );
    assert_covers(&doc.to_string(), &body);
    assert_eq!(body.get("cloud_init"), None);

    let no_id = VmRef::default();
    assert!(ops::plan(&Operation::StartVm { vm: no_id }).is_err());
}

#[test]
fn backup_calls_match_the_documented_requests() {
    let vm = VmRef {
        cluster: Named::new("650ea11b-b7fb-4269-8232-aa53865aab3b", "c"),
        id: "b6b0e5b9-dacd-432b-9b83-c3e89799009d".into(),
        name: "vm".into(),
        tenant: Some(Named::new("a5badacf-a25c-4171-9aff-b619fc2d300a", "t")),
    };
    let (path, body) = body_of(&Operation::CreateBackup {
        vm: vm.clone(),
        point: Named::new("281db4b0-c8ea-413a-9e93-64f47d7c952e", "nfs"),
        name: "test-api".into(),
        description: String::new(),
        full: true,
        volume: None,
    });
    assert_eq!(path, "/v1/compute/backup/create");
    assert_covers(fixture!("req_backup_create.json"), &body);

    let backup = BackupRef {
        id: "7cfb9378-71ef-4011-9e70-3544a0038137".into(),
        name: "test-api".into(),
        cluster: vm.cluster.clone(),
        tenant: vm.tenant.clone(),
        vm: Named::new(vm.id.clone(), "vm"),
        category: Default::default(),
        locations: Vec::new(),
        volume: None,
    };
    let (path, body) = body_of(&Operation::DeleteBackup {
        backup: backup.clone(),
    });
    assert_eq!(path, "/v1/compute/backup/delete");
    let mut doc: Value = serde_json::from_str(fixture!("req_backup_delete.json")).unwrap();
    // The delete example carries a compute_uuid the struct does not define; not sent.
    doc.as_object_mut().unwrap().remove("compute_uuid");
    assert_covers(&doc.to_string(), &body);

    let restore = BackupRef {
        id: "71779ff5-9e8d-4d37-a085-b3ce540de072".into(),
        name: String::new(),
        cluster: Named::new("bdc01c45-973c-4b7b-a565-7a03c74379e4", ""),
        tenant: None,
        vm: Named::new("e3174e1d-bc9b-4fe5-8d4c-8d4245ff9a1a", ""),
        category: Default::default(),
        locations: Vec::new(),
        volume: None,
    };
    let spec = RestoreSpec {
        new_vm_name: "test-restore".into(),
        zone_id: "b9652fb7-f399-4826-a26c-aa5b4183183b".into(),
        group_id: "f6e13b23-ce72-427b-98e6-99b10a78b4f4".into(),
        disks: vec![RestoreDiskSpec {
            device: "sda".into(),
            pool_id: "965588d9-1ef9-4e32-b4da-57ea47dd4326".into(),
            volume_name: "restore-1".into(),
            disk_type: "HDD".into(),
        }],
        cluster: None,
        host: None,
        networks: Vec::new(),
        power_on: false,
    };
    let (path, body) = body_of(&Operation::RestoreBackup {
        backup: restore,
        spec,
    });
    assert_eq!(path, "/v1/compute/backup/restore");
    assert_covers(fixture!("req_backup_restore.json"), &body);

    let progress = reads::restore_progress(&VmRef {
        cluster: Named::new("650ea11b-b7fb-4269-8232-aa53865aab3b", ""),
        id: "25c77828-9309-412b-be4a-74c05237f3f0".into(),
        name: String::new(),
        tenant: Some(Named::new("a5badacf-a25c-4171-9aff-b619fc2d300a", "")),
    });
    assert_eq!(progress.path, "/v1/compute/backup/restore/progress");
    assert_covers(
        fixture!("req_restore_progress.json"),
        progress.body.as_ref().unwrap(),
    );

    let rb = RemoteBackup {
        id: "rb".into(),
        name: "n".into(),
        vm_name: String::new(),
        cluster_name: String::new(),
        created: None,
        status: BackupStatus::Done,
        size: None,
        opaque: json!({"UUID": "rb", "Extra": [1]}),
    };
    let (path, body) = body_of(&Operation::ImportRemoteBackups {
        cluster: Named::new("c1", "c"),
        point: Named::new("bp", "p"),
        backups: vec![rb],
    });
    assert_eq!(path, "/v1/compute/backup/remote/import");
    assert_eq!(
        body,
        json!({"cluster_uuid": "c1", "backup": [{"UUID": "rb", "Extra": [1]}]})
    );
}

#[test]
fn plan_refuses_what_cannot_work() {
    let vm = vm_ref();
    let refused = |op: Operation| match ops::plan(&op) {
        Err(BackendError::Refused(why)) => why,
        other => panic!("{op:?} → {other:?}"),
    };
    let create = |name: &str| Operation::CreateSnapshot {
        vm: vm.clone(),
        name: name.into(),
        description: String::new(),
        memory: true,
        consistent: false,
        volume: None,
    };
    assert!(refused(create("")).contains("snapshot name"));
    assert!(refused(create("   ")).contains("snapshot name"));
    assert!(refused(create("head")).contains("head"));
    assert!(
        refused(Operation::RollbackDisks {
            vm: vm.clone(),
            snapshot: SnapshotRef::default(),
            disks: vec![],
        })
        .contains("no snapshot")
    );
    assert!(
        refused(Operation::RollbackDisks {
            vm: vm.clone(),
            snapshot: SnapshotRef {
                id: "a".into(),
                name: "a".into(),
                volume: None,
            },
            disks: vec![],
        })
        .contains("at least one disk")
    );
    assert!(
        refused(Operation::CreateBackup {
            vm: vm.clone(),
            point: Named::default(),
            name: "b".into(),
            description: String::new(),
            full: false,
            volume: None,
        })
        .contains("backup point")
    );
    let good = RestoreSpec {
        new_vm_name: "n".into(),
        zone_id: "z".into(),
        group_id: "g".into(),
        disks: vec![RestoreDiskSpec {
            device: "sda".into(),
            pool_id: "p".into(),
            volume_name: "v".into(),
            disk_type: "HDD".into(),
        }],
        cluster: None,
        host: None,
        networks: Vec::new(),
        power_on: false,
    };
    let backup = BackupRef {
        id: "b".into(),
        ..Default::default()
    };
    let restore = |f: &dyn Fn(&mut RestoreSpec)| {
        let mut spec = good.clone();
        f(&mut spec);
        Operation::RestoreBackup {
            backup: backup.clone(),
            spec,
        }
    };
    assert!(ops::plan(&restore(&|_| {})).is_ok());
    assert!(refused(restore(&|s| s.new_vm_name.clear())).contains("name for the new VM"));
    assert!(refused(restore(&|s| s.zone_id.clear())).contains("zone"));
    assert!(refused(restore(&|s| s.group_id.clear())).contains("group"));
    assert!(refused(restore(&|s| s.disks[0].pool_id.clear())).contains("storage pool"));
    assert!(refused(restore(&|s| s.disks[0].volume_name.clear())).contains("volume name"));
    assert!(refused(restore(&|s| s.disks[0].disk_type.clear())).contains("disk type"));
    assert!(refused(restore(&|s| s.disks.clear())).contains("at least one disk"));
    assert!(
        refused(restore(&|s| {
            let d = s.disks[0].clone();
            s.disks.push(d)
        }))
        .contains("twice")
    );
    assert!(
        refused(Operation::ImportRemoteBackups {
            cluster: Named::new("c", "c"),
            point: Named::default(),
            backups: vec![],
        })
        .contains("at least one backup")
    );
}

#[test]
fn read_calls_page_with_both_names() {
    let q = BackupQuery {
        scope: BackupScope::Vm {
            cluster: Named::new("c1", "c"),
            vm: Named::new("vm1", "v"),
        },
        page: PageRequest { index: 3, size: 20 },
        filter: BackupFilter {
            name: "nightly".into(),
            point_id: Some("bp".into()),
            since: ts(1000),
            until: None,
        },
        category: Default::default(),
    };
    let call = reads::backup_list(&q);
    let qs = call.path_and_query();
    for part in [
        "cluster_uuid=c1",
        "filter_vm_uuid=vm1",
        "filter_backup_name=nightly",
        "filter_backup_point_uuid=bp",
        "start_time=1000",
        "end_time=0",
        "page_number=3",
        "page_num=3",
        "page_size=20",
    ] {
        assert!(qs.contains(part), "{part} missing from {qs}");
    }
    let q = BackupQuery {
        scope: BackupScope::Cluster {
            cluster: Named::new("c1", "c"),
        },
        ..q
    };
    assert!(
        reads::backup_list(&q)
            .path_and_query()
            .contains("filter_vm_uuid=&")
    );
    let call = reads::remote_backups("c1", "bp1", PageRequest { index: 0, size: 50 });
    assert!(call.path_and_query().contains("backuppoint_uuid=bp1"));
    let call = reads::compute_list_search("c1", "web 01");
    assert!(call.path_and_query().contains("filter_fuzzy=web+01"));
    assert!(
        !reads::compute_list_search("c1", "")
            .path_and_query()
            .contains("filter_fuzzy")
    );
}

#[test]
fn capabilities_are_tophc_s() {
    let c = super::capabilities();
    assert_eq!(c.snapshot_layout, SnapshotLayout::Tree);
    assert!(c.memory_snapshots && c.edit_snapshot_description && c.per_disk_rollback);
    assert_eq!(
        c.snapshot_delete,
        SnapshotDeleteRule::RefusedWithManyChildren
    );
    assert!(!c.rollback_requires_stopped && !c.rebuild_vm_from_snapshot);
    assert!(
        c.power_actions,
        "start, shutdown and shutoff (ENDPOINTS §4.5)"
    );
    assert!(c.backup_points && c.backup_full_or_incremental && c.restore_to_new_vm);
    assert!(!c.restore_in_place && c.remote_backups && !c.database_backups);
    assert!(!c.task_api && c.cluster_backups);
    assert_eq!(super::base_url("https://h:8080/v1/"), "https://h:8080");
    assert_eq!(super::base_url(" http://h "), "http://h");
}

// ------------------------------------------------------------------ never panic

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z0-9 ._-]{0,8}".prop_map(Value::from),
        prop_oneof![
            Just("head"),
            Just(""),
            Just("1"),
            Just("true"),
            Just("noaction"),
            Just("running")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        let keys = prop_oneof![
            "[a-z_]{1,6}",
            Just("scode".to_string()),
            Just("data".to_string()),
            Just("list".to_string()),
            Just("domains".to_string()),
            Just("Parents".to_string()),
            Just("Children".to_string()),
            Just("tree".to_string()),
            Just("results".to_string()),
            Just("each_range_list_state".to_string()),
            Just("result".to_string()),
            Just("disks".to_string()),
            Just("name".to_string()),
            Just("head".to_string()),
            Just("".to_string()),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Runs every decoder and converter on `data`; only checks that nothing panics.
fn exercise(data: Value) {
    let c = cluster();
    if let Ok(l) = decode_data::<ComputeList>("/p", data.clone()) {
        for d in l.domains.iter() {
            let _ = convert::vm_detail(d, &c);
        }
        let _ = range_failures(&l.each_range_list_state, Language::English);
    }
    if let Ok(d) = decode_data::<Compute>("/p", data.clone()) {
        let _ = convert::vm_detail(&d, &c);
    }
    let list = decode_data::<SnapshotList>("/p", data.clone()).unwrap_or_default();
    let head = decode_data::<VsdSnapshot>("/p", data.clone());
    if let Ok(t) = decode_data::<SnapshotTreeData>("/p", data.clone()) {
        let tree = convert::snapshot_tree(t.tree, &list.list, head);
        for n in 0..tree.nodes.len() {
            let _ = tree.ancestors(n);
        }
    }
    if let Ok(l) = decode_data::<BackupList>("/p", data.clone()) {
        l.list.iter().for_each(|b| drop(convert::backup(b, &c)));
    }
    if let Ok(l) = decode_data::<RemoteBackupList>("/p", data.clone()) {
        for r in l.backups.0.clone() {
            let _ = convert::remote_backup(r, &l.vm_infos);
        }
    }
    if let Ok(l) = decode_data::<BackupPointList>("/p", data.clone()) {
        l.list.iter().for_each(|p| drop(convert::backup_point(p)));
    }
    if let Ok(l) = decode_data::<GroupTree>("/p", data.clone()) {
        let _ = convert::groups(&l.list);
    }
    if let Ok(l) = decode_data::<PoolList>("/p", data.clone()) {
        l.list.iter().for_each(|p| {
            let _ = convert::is_repository(p);
        });
    }
    if let Ok(l) = decode_data::<AllowedClusters>("/p", data.clone()) {
        l.list.iter().for_each(|p| drop(convert::cluster(p)));
    }
    let _ = decode_data::<ZoneList>("/p", data.clone());
    let _ = decode_data::<LoginData>("/p", data.clone());
    let _ = decode_data::<Progress>("/p", data.clone());
    let _ = check_batch("/p", data, Language::English, |i, _| i.to_string());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_json_never_panics(v in any_json()) {
        let body = v.to_string();
        let _ = read_answer("/p", 200, body.as_bytes(), Language::English);
        let _ = envelope::decode_output("/p", body.as_bytes());
        exercise(v.clone());
        // The same inside a successful envelope.
        let wrapped = json!({"scode": 0, "data": v});
        if let Ok(Answer::Data(d)) = read_answer("/p", 200, wrapped.to_string().as_bytes(), Language::English) {
            exercise(d);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), status in 100u16..600) {
        let _ = read_answer("/p", status, &bytes, Language::English);
    }

    #[test]
    fn arbitrary_trees_stay_well_formed(
        parents in prop::collection::vec(("[a-d]|head|", "[a-d]|head|"), 0..8),
        children in prop::collection::vec(("[a-d]|head|", prop::collection::vec("[a-d]|head", 0..4)), 0..6),
        listed in prop::collection::vec("[a-e]", 0..6),
        head in prop::option::of("[a-e]"),
    ) {
        let tree = tree_wire(
            Value::Object(parents.into_iter().map(|(c, p)| (c, Value::from(p))).collect()),
            Value::Object(children.into_iter().map(|(p, k)| (p, json!({"Children": k}))).collect()),
        );
        let list: Vec<VsdSnapshot> = listed.iter().enumerate().map(|(i, n)| snap(n, i as i64 + 1)).collect();
        let head = head.map(|h| snap(&h, 1)).ok_or_else(|| no_head().unwrap_err());
        let t = convert::snapshot_tree(tree, &list, head);
        prop_assert!(t.find("head").is_none() || listed.iter().any(|n| n == "head"));
        prop_assert!(t.now_markers().count() <= 1);
        let mut reached = vec![false; t.nodes.len()];
        let mut stack = t.roots.clone();
        while let Some(n) = stack.pop() {
            prop_assert!(!reached[n]);
            reached[n] = true;
            stack.extend(t.nodes[n].children.iter().copied());
        }
        prop_assert!(reached.iter().all(|r| *r));
    }
}

#[test]
fn which_failures_leave_a_mutation_s_outcome_unknown() {
    let outcome_unknown = BackendError::outcome_unknown;
    let path = || "/p".to_string();
    assert!(outcome_unknown(&BackendError::Timeout {
        path: path(),
        secs: 30
    }));
    assert!(outcome_unknown(&BackendError::Transport {
        path: path(),
        reason: "reset".into()
    }));
    assert!(outcome_unknown(&BackendError::Decode {
        path: path(),
        reason: "HTML".into()
    }));
    assert!(outcome_unknown(&BackendError::Http {
        status: 504,
        path: path(),
        excerpt: String::new()
    }));
    // Definite refusals: nothing happened.
    assert!(!outcome_unknown(&BackendError::Http {
        status: 404,
        path: path(),
        excerpt: String::new()
    }));
    assert!(!outcome_unknown(&BackendError::Platform {
        platform: Platform::TopHc,
        code: "22303".into(),
        message: String::new()
    }));
    assert!(!outcome_unknown(&BackendError::Connect {
        url: path(),
        reason: "refused".into()
    }));
    assert!(!outcome_unknown(&BackendError::Refused("x".into())));
}
