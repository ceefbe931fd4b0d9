//! What a server (or a proxy in front of it) may send instead of an answer: every case a
//! readable error, none a panic.

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::fixture;
use crate::BackendError;
use crate::cloudtower::answer::{Answer, decode, decode_list, read_answer};
use crate::cloudtower::backups::{id_index, parent_id};
use crate::cloudtower::convert;

use crate::cloudtower::wire::*;
use vmdeck_model::{Named, Platform};

fn answer(status: u16, body: &str) -> Result<Answer, BackendError> {
    read_answer(
        "/v2/api/get-vms",
        status,
        None,
        body.as_bytes().to_vec().into(),
    )
}

#[test]
fn html_error_pages_become_http_errors_with_an_excerpt() {
    let e = answer(
        502,
        "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
    )
    .unwrap_err();
    match &e {
        BackendError::Http {
            status, excerpt, ..
        } => {
            assert_eq!(*status, 502);
            assert!(excerpt.contains("502 Bad Gateway"), "{excerpt}");
            assert!(!excerpt.contains('<'), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.outcome_unknown(),
        "a gateway error leaves a mutation's outcome open"
    );
    let e = answer(404, "<html>Not Found</html>").unwrap_err();
    assert!(e.to_string().contains("is the url a CloudTower"), "{e}");
}

#[test]
fn the_spec_error_body_carries_code_or_status() {
    let body = json!({"message": "internal error", "status": 500, "path": "/get-vms"}).to_string();
    let e = answer(500, &body).unwrap_err();
    assert_eq!(
        e,
        BackendError::Platform {
            platform: Platform::CloudTower,
            code: "500".into(),
            message: "internal error".into()
        }
    );
    // CloudTower's own 500 is its answer: the mutation was refused, not lost.
    assert!(!e.outcome_unknown());
    let zh = json!({"message": "虚拟机不存在", "status": 404, "path": "/get-vms", "code": null})
        .to_string();
    assert_eq!(
        answer(404, &zh).unwrap_err().to_string(),
        "CloudTower error 404: 虚拟机不存在"
    );
}

#[test]
fn unauthorized_means_the_session_was_refused() {
    let body = json!({"message": "Unauthorized: unknown token", "status": 401, "path": "/get-vms"})
        .to_string();
    match answer(401, &body).unwrap() {
        Answer::SessionRefused(BackendError::Platform { code, message, .. }) => {
            assert_eq!(code, "401");
            assert_eq!(message, "Unauthorized: unknown token");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        answer(401, "").unwrap(),
        Answer::SessionRefused(_)
    ));
    assert!(
        matches!(answer(304, "").unwrap_err(), BackendError::Platform { code, .. } if code == "304")
    );
}

#[test]
fn broken_2xx_bodies_are_decode_errors_that_say_what_broke() {
    let cut = &fixture!("vms.json")[..300];
    let e = decode_list::<Vm>("/v2/api/get-vms", cut.as_bytes(), false).unwrap_err();
    assert!(e.to_string().contains("cut off"), "{e}");
    assert!(e.outcome_unknown());
    let e = decode_list::<Vm>(
        "/v2/api/get-vms",
        b"<!DOCTYPE html><title>Login</title>",
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("HTML page"), "{e}");
    let e = decode_list::<Vm>("/v2/api/get-vms", br#"{"id": "x"}"#, false).unwrap_err();
    assert!(
        e.to_string().contains("expected a list, got an object"),
        "{e}"
    );
    let e = decode_list::<Vm>("/v2/api/get-vms", b"42", false).unwrap_err();
    assert!(
        e.to_string().contains("expected a list, got a number"),
        "{e}"
    );
    let e = decode_list::<Vm>("/v2/api/get-vms", b"", false).unwrap_err();
    assert!(e.to_string().contains("empty body"), "{e}");
    // An ErrorBody with a 200 status is still an error, with the platform's words.
    let e = decode_list::<Vm>(
        "/v2/api/get-vms",
        br#"{"message": "license expired", "status": 403, "path": "/get-vms"}"#,
        false,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "CloudTower error 403: license expired");
    // A mutation answered with one object instead of a list: taken as one element.
    let one: Vec<WithTask<Value>> = decode_list(
        "/v2/api/x",
        br#"{"task_id": "t", "data": {"id": "v"}}"#,
        true,
    )
    .unwrap();
    assert_eq!(one[0].task_id.as_str(), "t");
    let e = decode::<Connection>("/v2/api/get-vms-connection", b"[1,2]").unwrap_err();
    assert!(
        e.to_string().contains("does not match the CloudTower spec"),
        "{e}"
    );
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9 ._:-]{0,10}".prop_map(Value::from),
        prop_oneof![
            Just("RUNNING"),
            Just("SUCCESSED"),
            Just("FAILED"),
            Just("FULL"),
            Just("INCREMENTAL"),
            Just("DISK"),
            Just("CD_ROM"),
            Just("2025-12-25T06:26:25.000Z"),
            Just("{\"name\": \"x\"}"),
            Just(""),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        let keys = prop_oneof![
            "[a-z_]{1,6}",
            prop_oneof![
                Just("id"),
                Just("name"),
                Just("status"),
                Just("type"),
                Just("data"),
                Just("task_id"),
                Just("vm"),
                Just("cluster"),
                Just("vm_disks"),
                Just("vm_nics"),
                Just("vlan"),
                Just("snapshot_local_id"),
                Just("local_id"),
                Just("parent_restore_point"),
                Just("aggregate"),
                Just("count"),
                Just("progress"),
                Just("steps"),
                Just("message"),
                Just("local_created_at"),
                Just("cpu"),
                Just("ips"),
                Just("full_time_point"),
                Just("incremental_time_points"),
                Just("connect_state"),
                Just("vm_tools_status"),
            ]
            .prop_map(str::to_string),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::hash_map(keys, inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Decodes `v` as every answer type and converts whatever decodes.
fn exercise(v: &Value) {
    let body = v.to_string();
    let b = body.as_bytes();
    let c = Named::new("c", "c");
    if let Ok(l) = decode_list::<Cluster>("/p", b, false) {
        l.iter().for_each(|x| drop(convert::cluster(x)));
    }
    if let Ok(l) = decode_list::<Vm>("/p", b, false) {
        l.iter().for_each(|x| drop(convert::vm(x, &c)));
        let _ = convert::vm_detail(&l.first().cloned().unwrap_or_default(), &c, &[], &[]);
    }
    if let Ok(l) = decode_list::<VmDisk>("/p", b, false) {
        let _ = convert::vm_detail(&Vm::default(), &c, &l, &[]);
    }
    if let Ok(l) = decode_list::<VmVolume>("/p", b, false) {
        let _ = convert::vm_detail(&Vm::default(), &c, &[], &l);
    }
    if let Ok(l) = decode_list::<VmSnapshot>("/p", b, false) {
        let luns: HashMap<String, LunSnapshot> = decode_list::<LunSnapshot>("/p", b, false)
            .unwrap_or_default()
            .into_iter()
            .map(|l| (l.name.0.clone(), l))
            .collect();
        let t = convert::snapshot_tree(&l, &luns, vec![]);
        assert_eq!(t.now_markers().count(), 1);
    }
    if let Ok(l) = decode_list::<Task>("/p", b, false) {
        l.iter().for_each(|x| {
            let _ = convert::task_state(x);
            let _ = convert::platform_task(x);
        });
    }
    if let Ok(l) = decode_list::<RestorePoint>("/p", b, false) {
        let ids = id_index(&l);
        l.iter()
            .for_each(|x| drop(convert::backup(x, c.clone(), parent_id(x, &ids))));
    }
    if let Ok(l) = decode_list::<BackupPlan>("/p", b, false) {
        l.iter().for_each(|x| drop(convert::backup_plan(x, &c)));
    }
    if let Ok(l) = decode_list::<RestoreExecution>("/p", b, false) {
        l.iter()
            .for_each(|x| drop(convert::execution_state(&x.status)));
    }
    if let Ok(l) = decode_list::<PlanExecution>("/p", b, false) {
        l.iter().for_each(|x| drop(convert::plan_run_state(x)));
    }
    if let Ok(l) = decode_list::<Host>("/p", b, false) {
        l.iter().for_each(|x| drop(convert::host_choice(x)));
    }
    if let Ok(l) = decode_list::<Vlan>("/p", b, false) {
        l.iter()
            .for_each(|x| drop(convert::network(x, &HashMap::new())));
    }
    let _ = decode_list::<Vds>("/p", b, false);
    let _ = decode_list::<WithTask<Value>>("/p", b, true);
    let _ = decode::<VmMetaData>("/p", b);
    let _ = decode::<Connection>("/p", b);
    let _ = decode::<WithTask<LoginResponse>>("/p", b);
    let _ = read_answer("/p", 400, Some("r"), body.clone().into_bytes().into());
}

/// Every scalar of `v`, with its path, so one can be replaced.
fn scalar_paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                scalar_paths(item, at, out);
                at.pop();
            }
        }
        Value::Object(m) => {
            for (k, item) in m {
                at.push(k.clone());
                scalar_paths(item, at, out);
                at.pop();
            }
        }
        _ => out.push(at.clone()),
    }
}

fn replace(v: &mut Value, path: &[String], with: Value) {
    let mut cur = v;
    for step in path {
        cur = match cur {
            Value::Array(items) => {
                match step.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(next) => next,
                    None => return,
                }
            }
            Value::Object(m) => match m.get_mut(step) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    *cur = with;
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
    ]
}

const FIXTURES: [&str; 12] = [
    fixture!("clusters.json"),
    fixture!("vms.json"),
    fixture!("vm_disks.json"),
    fixture!("vm_volumes.json"),
    fixture!("vm_snapshots.json"),
    fixture!("lun_snapshots.json"),
    fixture!("tasks.json"),
    fixture!("restore_points.json"),
    fixture!("backup_plans.json"),
    fixture!("restore_executions.json"),
    fixture!("hosts.json"),
    fixture!("vlans.json"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_json_never_panics(v in any_json()) {
        exercise(&v);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), status in 100u16..600) {
        let _ = read_answer("/p", status, None, bytes.clone().into());
        let _ = decode_list::<Vm>("/p", &bytes, true);
        let _ = decode::<VmMetaData>("/p", &bytes);
    }

    /// Any scalar of a spec-shaped answer replaced by any other scalar (a number as a
    /// string, a `null`, a wrong enum value): the answer still decodes, and converts.
    #[test]
    fn wrong_scalars_in_spec_shapes_still_decode(
        which in 0..FIXTURES.len(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), scalar()), 1..6),
    ) {
        let mut v: Value = serde_json::from_str(FIXTURES[which]).unwrap();
        let mut paths = Vec::new();
        scalar_paths(&v, &mut Vec::new(), &mut paths);
        for (i, s) in picks {
            if !paths.is_empty() {
                replace(&mut v, &paths[i.index(paths.len())], s);
            }
        }
        let b = v.to_string();
        let ok = match which {
            0 => decode_list::<Cluster>("/p", b.as_bytes(), false).is_ok(),
            1 => decode_list::<Vm>("/p", b.as_bytes(), false).is_ok(),
            2 => decode_list::<VmDisk>("/p", b.as_bytes(), false).is_ok(),
            3 => decode_list::<VmVolume>("/p", b.as_bytes(), false).is_ok(),
            4 => decode_list::<VmSnapshot>("/p", b.as_bytes(), false).is_ok(),
            5 => decode_list::<LunSnapshot>("/p", b.as_bytes(), false).is_ok(),
            6 => decode_list::<Task>("/p", b.as_bytes(), false).is_ok(),
            7 => decode_list::<RestorePoint>("/p", b.as_bytes(), false).is_ok(),
            8 => decode_list::<BackupPlan>("/p", b.as_bytes(), false).is_ok(),
            9 => decode_list::<RestoreExecution>("/p", b.as_bytes(), false).is_ok(),
            10 => decode_list::<Host>("/p", b.as_bytes(), false).is_ok(),
            _ => decode_list::<Vlan>("/p", b.as_bytes(), false).is_ok(),
        };
        prop_assert!(ok, "fixture {} with wrong scalars did not decode: {}", which, b);
        exercise(&v);
    }
}
