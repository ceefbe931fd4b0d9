//! The CloudTower `/v2/api` dialect of the simulator, over real sockets, checked against
//! the official OpenAPI document (`specs/cloudtower/4.6.0-swagger.json`, extracted into
//! `tests/fixtures/cloudtower/schemas.json` and `crates/vmdeck-sim/src/cloudtower/spec/requests.json`
//! by `scripts/cloudtower-schemas.py`).
//!
//! Every request a test sends through `Api::post` is first checked against the spec's
//! request schema, and every answer against the spec's answer schema (with every key of a
//! model required: the simulator sends optional keys as explicit `null`).

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vmdeck::sim::{DEFAULT_PASSWORD, SimConfig, SimServer};

mod sim_common;

use sim_common::{at, fast, s, serve};

// ---- schemas --------------------------------------------------------------------------------

static ANSWERS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("fixtures/cloudtower/schemas.json")).unwrap()
});
static REQUESTS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!(
        "../crates/vmdeck-sim/src/cloudtower/spec/requests.json"
    ))
    .unwrap()
});
/// Answer definitions with every property required (except `ErrorBody`, whose optional
/// keys the spec does not let be `null`): the simulator's "every key present" rule.
fn strict(defs: &Value) -> Value {
    let mut defs = defs.clone();
    for (name, def) in defs.as_object_mut().unwrap() {
        if name == "ErrorBody" {
            continue;
        }
        tighten(def);
    }
    defs
}

fn tighten(s: &mut Value) {
    if let Some(obj) = s.as_object_mut() {
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            let keys: Vec<Value> = props.keys().map(|k| json!(k)).collect();
            obj.insert("required".into(), Value::Array(keys));
        }
        for v in obj.values_mut() {
            tighten(v);
        }
    } else if let Some(arr) = s.as_array_mut() {
        for v in arr {
            tighten(v);
        }
    }
}

/// One validator for a whole schema file: its root has one property per
/// `"<operation> <what>"`, so the definitions are compiled once.
fn compile(doc: &Value, defs: Value, parts: &[&str]) -> jsonschema::Validator {
    let mut props = serde_json::Map::new();
    for (op, entry) in doc["operations"].as_object().unwrap() {
        for part in parts {
            if let Some(schema) = entry.get(*part) {
                props.insert(format!("{op} {part}"), schema.clone());
            }
        }
    }
    let root = json!({"type": "object", "properties": props, "definitions": defs});
    jsonschema::draft7::new(&root).unwrap()
}

static ANSWER_CHECK: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    compile(
        &ANSWERS,
        strict(&ANSWERS["definitions"]),
        &["200", "400", "404", "500"],
    )
});
static REQUEST_CHECK: LazyLock<jsonschema::Validator> =
    LazyLock::new(|| compile(&REQUESTS, REQUESTS["definitions"].clone(), &["request"]));

fn problems(v: &jsonschema::Validator, key: String, instance: Value) -> Vec<String> {
    let wrapped = json!({ key: instance });
    v.iter_errors(&wrapped)
        .take(8)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Problems of `answer` to `op` with HTTP `status` against the official schema.
fn answer_problems(op: &str, status: u16, answer: &Value) -> Vec<String> {
    assert!(
        !ANSWERS["operations"][op][status.to_string()].is_null(),
        "the spec documents no {status} for {op}"
    );
    problems(&ANSWER_CHECK, format!("{op} {status}"), answer.clone())
}

fn assert_answer(op: &str, status: u16, answer: &Value) {
    let p = answer_problems(op, status, answer);
    assert!(p.is_empty(), "{op} {status} breaks the spec: {p:#?}");
}

fn request_problems(op: &str, body: &Value) -> Vec<String> {
    if REQUESTS["operations"][op]["request"].is_null() {
        return vec![];
    }
    problems(&REQUEST_CHECK, format!("{op} request"), body.clone())
}

// ---- harness --------------------------------------------------------------------------------

struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
    lang: Option<&'static str>,
}

struct Answer {
    status: u16,
    request_id: Option<String>,
    body: Value,
}

async fn start(config: SimConfig) -> (SimServer, Api) {
    // Compile the schemas before the simulated clock starts.
    LazyLock::force(&REQUEST_CHECK);
    LazyLock::force(&ANSWER_CHECK);
    let server = serve(config).await;
    let mut api = Api {
        base: format!("{}/v2/api", server.base_url()),
        http: reqwest::Client::new(),
        token: String::new(),
        lang: None,
    };
    api.token = api.login("admin", DEFAULT_PASSWORD, "LOCAL").await;
    (server, api)
}

impl Api {
    async fn send(&self, path: &str, body: &str, token: Option<&str>) -> Answer {
        let mut req = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        if let Some(l) = self.lang {
            req = req.header("content-language", l);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let request_id = resp
            .headers()
            .get("x-tower-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = resp.text().await.unwrap();
        Answer {
            status,
            request_id,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    async fn login(&self, user: &str, password: &str, source: &str) -> String {
        let a = self
            .send(
                "/login",
                &json!({"username": user, "password": password, "source": source}).to_string(),
                None,
            )
            .await;
        assert_eq!(a.status, 200, "login: {}", a.body);
        assert_answer("/login", 200, &a.body);
        assert!(a.body["task_id"].is_null());
        s(&a.body["data"]["token"]).to_string()
    }

    /// A spec-valid request that must succeed; the answer must follow the spec.
    async fn post(&self, path: &str, body: Value) -> Value {
        let p = request_problems(path, &body);
        assert!(
            p.is_empty(),
            "the test's own {path} body breaks the spec: {p:#?}"
        );
        let a = self.send(path, &body.to_string(), Some(&self.token)).await;
        assert_eq!(a.status, 200, "{path} {body}: {}", a.body);
        assert!(a.request_id.is_some(), "{path}: no x-tower-request-id");
        assert_answer(path, 200, &a.body);
        a.body
    }

    /// A request that must be refused with `status`; the `ErrorBody` must follow the spec.
    async fn refused(&self, path: &str, body: Value, status: u16) -> Value {
        let a = self.send(path, &body.to_string(), Some(&self.token)).await;
        assert_eq!(a.status, status, "{path} {body}: {}", a.body);
        assert!(a.request_id.is_some());
        if status != 401 {
            assert_answer(path, status, &a.body);
        }
        check_error_body(&a.body, status, path);
        a.body
    }

    async fn list(&self, op: &str, body: Value) -> Vec<Value> {
        self.post(op, body).await.as_array().unwrap().clone()
    }

    async fn count(&self, op: &str, filter: Value) -> u64 {
        let v = self
            .post(&format!("{op}-connection"), json!({"where": filter}))
            .await;
        v["aggregate"]["count"].as_u64().unwrap()
    }

    async fn one(&self, op: &str, id: &str) -> Value {
        let list = self.list(op, json!({"where": {"id": id}})).await;
        assert_eq!(list.len(), 1, "{op} {id}");
        list[0].clone()
    }

    async fn task(&self, id: &str) -> Value {
        self.one("/get-tasks", id).await
    }

    /// Polls the task until it ends; returns every status seen and the final task.
    async fn wait_task(&self, id: &str) -> (Vec<String>, Value) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen: Vec<String> = Vec::new();
        loop {
            let t = self.task(id).await;
            let st = s(&t["status"]).to_string();
            if seen.last() != Some(&st) {
                seen.push(st.clone());
            }
            if st == "SUCCESSED" || st == "FAILED" {
                return (seen, t);
            }
            assert!(Instant::now() < deadline, "task {id} never ends: {t}");
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    }

    async fn wait_ok(&self, id: &str) -> Value {
        let (_, t) = self.wait_task(id).await;
        assert_eq!(t["status"], "SUCCESSED", "{t}");
        t
    }

    async fn clusters(&self) -> Vec<Value> {
        self.list("/get-clusters", json!({"orderBy": "name_ASC"}))
            .await
    }

    async fn connected_cluster(&self) -> Value {
        self.list(
            "/get-clusters",
            json!({"where": {"connect_state": "CONNECTED", "name": "SMTX-生产集群"}}),
        )
        .await[0]
            .clone()
    }

    async fn vm_by_name(&self, name: &str) -> Value {
        let l = self
            .list("/get-vms", json!({"where": {"name": name}}))
            .await;
        assert_eq!(l.len(), 1, "VM {name}");
        l[0].clone()
    }

    async fn vm(&self, id: &str) -> Value {
        self.one("/get-vms", id).await
    }

    async fn snapshots_of(&self, vm: &str) -> Vec<Value> {
        self.list(
            "/get-vm-snapshots",
            json!({"where": {"vm": {"id": vm}}, "orderBy": "local_created_at_ASC"}),
        )
        .await
    }

    async fn volumes_of(&self, vm: &str) -> Vec<Value> {
        self.list(
            "/get-vm-volumes",
            json!({"where": {"vm_disks_some": {"vm": {"id": vm}}}, "orderBy": "name_ASC"}),
        )
        .await
    }

    /// A connected-cluster VM with VMTools running, not the failure demo VM.
    async fn tools_vm(&self) -> Value {
        self.vm_by_name("财务系统-db01").await
    }
}

fn check_error_body(b: &Value, status: u16, path: &str) {
    assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
    assert_eq!(b["status"], status, "{b}");
    assert_eq!(b["path"], path, "{b}");
    for k in b.as_object().unwrap().keys() {
        assert!(
            [
                "message",
                "status",
                "path",
                "code",
                "props",
                "stack",
                "operationName"
            ]
            .contains(&k.as_str()),
            "ErrorBody key {k}"
        );
    }
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter().map(|v| s(&v["id"]).to_string()).collect()
}

fn is_cuid(id: &str) -> bool {
    id.len() == 25
        && id.starts_with('c')
        && id
            .bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
}

fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_time(t: &str) -> bool {
    t.parse::<jiff::Timestamp>().is_ok() && t.len() == 24 && t.ends_with('Z') && &t[19..20] == "."
}

fn used(volumes: &[Value]) -> Vec<i64> {
    volumes
        .iter()
        .map(|v| v["used_size"].as_i64().unwrap())
        .collect()
}

// ---- auth and errors ------------------------------------------------------------------------

#[tokio::test]
async fn version_login_and_tokens() {
    let (server, api) = start(fast()).await;
    let resp = api
        .http
        .get(format!("{}/get-version", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-tower-request-id"));
    let v: Value = resp.json().await.unwrap();
    assert_answer("/get-version", 200, &v);
    assert_eq!(v, "4.6.0");

    // LOCAL and LDAP users; AUTHN needs an auth config id.
    assert!(api.token.starts_with("eyJ"));
    let ldap = api.login("zhangwei", DEFAULT_PASSWORD, "LDAP").await;
    let _ = api.login("ops-wang", DEFAULT_PASSWORD, "LDAP").await;
    let authn = api
        .send(
            "/login",
            &json!({"username": "zhangwei", "password": DEFAULT_PASSWORD, "source": "AUTHN", "auth_config_id": "cfg1"}).to_string(),
            None,
        )
        .await;
    assert_eq!(authn.status, 200);
    for (user, pw, source) in [
        ("admin", "wrong", "LOCAL"),
        ("nobody", DEFAULT_PASSWORD, "LOCAL"),
        ("admin", DEFAULT_PASSWORD, "LDAP"),
        ("zhangwei", DEFAULT_PASSWORD, "LOCAL"),
        ("zhangwei", DEFAULT_PASSWORD, "AUTHN"),
        ("admin", DEFAULT_PASSWORD, "SSO"),
    ] {
        let a = api
            .send(
                "/login",
                &json!({"username": user, "password": pw, "source": source}).to_string(),
                None,
            )
            .await;
        assert_eq!(a.status, 400, "{user}/{source}: {}", a.body);
        assert_answer("/login", 400, &a.body);
        check_error_body(&a.body, 400, "/login");
        assert_eq!(a.body["operationName"], "Login");
    }
    let missing = api
        .send("/login", &json!({"username": "admin"}).to_string(), None)
        .await;
    assert_eq!(missing.status, 400);
    assert!(s(&missing.body["message"]).contains("password"));

    // The user of a token is who tasks belong to.
    let ldap_api = Api {
        base: api.base.clone(),
        http: api.http.clone(),
        token: ldap,
        lang: None,
    };
    let vms = ldap_api.list("/get-vms", json!({"first": 1})).await;
    assert_eq!(vms.len(), 1);

    // No token, unknown token, `Bearer` prefix: 401 with an ErrorBody.
    for token in [
        None,
        Some("nope"),
        Some(format!("Bearer {}", api.token).as_str()),
    ] {
        let a = api.send("/get-vms", "{}", token).await;
        assert_eq!(a.status, 401, "{token:?}");
        assert!(a.request_id.is_some());
        check_error_body(&a.body, 401, "/get-vms");
    }
    let a = api.send("/get-vms", "{}", None).await;
    assert!(s(&a.body["message"]).contains("missing token"));

    // Tokens do not expire by themselves; expire_sessions() ends every one issued before.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        api.send("/get-vms-connection", "{}", Some(&api.token))
            .await
            .status,
        200
    );
    server.faults().expire_sessions();
    let a = api.send("/get-vms", "{}", Some(&api.token)).await;
    assert_eq!(a.status, 401);
    assert!(
        s(&a.body["message"]).contains("session expired"),
        "{}",
        a.body
    );
    assert_eq!(
        ldap_api
            .send("/get-vms", "{}", Some(&ldap_api.token))
            .await
            .status,
        401
    );
    let fresh = api.login("admin", DEFAULT_PASSWORD, "LOCAL").await;
    assert_eq!(api.send("/get-vms", "{}", Some(&fresh)).await.status, 200);
}

#[tokio::test]
async fn bad_requests_get_the_spec_error_body() {
    let (_server, mut api) = start(fast()).await;
    // Unknown key in a where input (additionalProperties: false), wrong type, bad enum,
    // bad orderBy, negative count, unreadable JSON, wrong body shape.
    let cases = [
        (json!({"where": {"nmae": "x"}}), "where.nmae"),
        (
            json!({"where": {"cluster": {"bogus": 1}}}),
            "where.cluster.bogus",
        ),
        (json!({"where": {"vcpu": "4"}}), "where.vcpu"),
        (json!({"where": {"status": "RUNING"}}), "where.status"),
        (json!({"orderBy": "name_UP"}), "orderBy"),
        (json!({"first": "ten"}), "first"),
        (json!({"wheer": {}}), "wheer"),
        (json!([]), "body"),
    ];
    for (body, place) in cases {
        assert!(!request_problems("/get-vms", &body).is_empty(), "{body}");
        let e = api.refused("/get-vms", body.clone(), 400).await;
        assert!(s(&e["message"]).contains(place), "{body}: {e}");
        assert_eq!(e["operationName"], "GetVms");
    }
    let e = api.refused("/get-vms", json!({"first": -1}), 400).await;
    assert!(s(&e["message"]).contains("first"));
    let a = api.send("/get-vms", "{\"where\":", Some(&api.token)).await;
    assert_eq!(a.status, 400);
    check_error_body(&a.body, 400, "/get-vms");
    // Mutations: missing required fields.
    let e = api
        .refused(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": "x"}]}),
            400,
        )
        .await;
    assert!(s(&e["message"]).contains("data[0].name"), "{e}");
    // Unknown operation / wrong method: 404 ErrorBody.
    let a = api.send("/get-nothing", "{}", Some(&api.token)).await;
    assert_eq!(a.status, 404);
    assert!(a.request_id.is_some());
    check_error_body(&a.body, 404, "/get-nothing");
    let g = api
        .http
        .get(format!("{}/get-vms", api.base))
        .header("Authorization", &api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(g.status(), 404);
    // Unknown ids: 404.
    let e = api
        .refused(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": "cnonexistent0000000000000", "name": "s"}]}),
            404,
        )
        .await;
    assert!(s(&e["message"]).contains("cnonexistent"));
    // Messages follow content-language.
    api.lang = Some("zh-CN");
    let e = api
        .refused("/get-vms", json!({"where": {"nmae": "x"}}), 400)
        .await;
    assert!(s(&e["message"]).contains("不被允许"), "{e}");
}

// ---- reads ----------------------------------------------------------------------------------

#[tokio::test]
async fn paging_follows_prisma_and_connection_counts_the_filtered_total() {
    let (_server, api) = start(fast()).await;
    let total = api.count("/get-vms", json!({})).await;
    assert_eq!(total, 100);
    let all = api.list("/get-vms", json!({"orderBy": "name_ASC"})).await;
    assert_eq!(all.len(), 100);
    let mut paged = Vec::new();
    for page in 0..7 {
        let p = api
            .list(
                "/get-vms",
                json!({"orderBy": "name_ASC", "first": 15, "skip": page * 15}),
            )
            .await;
        assert!(p.len() <= 15);
        paged.extend(p);
    }
    assert_eq!(ids(&paged), ids(&all));
    let names: Vec<&str> = all.iter().map(|v| s(&v["name"])).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // Without orderBy: by id, which is creation order.
    let by_id = api.list("/get-vms", json!({})).await;
    let mut want = ids(&by_id);
    want.sort();
    assert_eq!(ids(&by_id), want);
    // last / skip / after / before.
    let last = api.list("/get-vms", json!({"last": 7, "skip": 3})).await;
    assert_eq!(ids(&last), want[90..97].to_vec());
    let after = api
        .list("/get-vms", json!({"after": want[4], "first": 3}))
        .await;
    assert_eq!(ids(&after), want[5..8].to_vec());
    let before = api
        .list("/get-vms", json!({"before": want[10], "last": 5}))
        .await;
    assert_eq!(ids(&before), want[5..10].to_vec());
    let skip_after = api
        .list("/get-vms", json!({"after": want[4], "skip": 3, "first": 5}))
        .await;
    assert_eq!(ids(&skip_after), want[8..13].to_vec());

    // The connection count follows where and ignores paging.
    let running = api.count("/get-vms", json!({"status": "RUNNING"})).await;
    let listed = api
        .list(
            "/get-vms",
            json!({"where": {"status": "RUNNING"}, "first": 2}),
        )
        .await;
    assert_eq!(listed.len(), 2);
    let c = api
        .post(
            "/get-vms-connection",
            json!({"where": {"status": "RUNNING"}, "first": 2, "skip": 1}),
        )
        .await;
    assert_eq!(c["aggregate"]["count"].as_u64(), Some(running));
    assert!(running > 20 && running < 100);
    // Every list has its connection twin.
    for op in [
        "/get-clusters",
        "/get-hosts",
        "/get-vdses",
        "/get-vlans",
        "/get-vm-disks",
        "/get-vm-volumes",
        "/get-vm-snapshots",
        "/get-iscsi-lun-snapshots",
        "/get-tasks",
        "/get-backup-services",
        "/get-backup-store-repositories",
        "/get-backup-plans",
        "/get-backup-restore-points",
        "/get-backup-plan-executions",
        "/get-backup-target-executions",
        "/get-backup-restore-executions",
    ] {
        let n = api.count(op, json!({})).await;
        let l = api.list(op, json!({})).await;
        assert_eq!(n as usize, l.len(), "{op}");
        assert!(n > 0, "{op} is empty");
    }
}

#[tokio::test]
async fn where_filters_and_order_by() {
    let (_server, api) = start(fast()).await;
    let cl = api.connected_cluster().await;
    let cid = s(&cl["id"]);
    let in_cluster = api
        .list("/get-vms", json!({"where": {"cluster": {"id": cid}}}))
        .await;
    assert!(in_cluster.iter().all(|v| v["cluster"]["id"] == cid));
    assert_eq!(in_cluster.len() as u64, cl["vm_num"].as_u64().unwrap());
    // Nested filter on a field the reference does not carry: resolved in full.
    let by_state = api
        .count(
            "/get-vms",
            json!({"cluster": {"connect_state": "DISCONNECTED"}}),
        )
        .await;
    let unknown = api.count("/get-vms", json!({"status": "UNKNOWN"})).await;
    assert_eq!(by_state, unknown);
    assert!(unknown > 0);
    let two_hops = api
        .count("/get-vm-snapshots", json!({"vm": {"cluster": {"id": cid}}}))
        .await;
    let direct = api
        .count("/get-vm-snapshots", json!({"cluster": {"id": cid}}))
        .await;
    assert_eq!(two_hops, direct);

    let contains = api
        .list("/get-vms", json!({"where": {"name_contains": "数据库"}}))
        .await;
    assert!(!contains.is_empty());
    assert!(contains.iter().all(|v| s(&v["name"]).contains("数据库")));
    let st: BTreeSet<String> = api
        .list(
            "/get-vms",
            json!({"where": {"status_in": ["STOPPED", "SUSPENDED"]}}),
        )
        .await
        .iter()
        .map(|v| s(&v["status"]).to_string())
        .collect();
    assert_eq!(
        st,
        BTreeSet::from(["STOPPED".to_string(), "SUSPENDED".to_string()])
    );
    let total = api.count("/get-vms", json!({})).await;
    let running = api.count("/get-vms", json!({"status": "RUNNING"})).await;
    let not_running = api
        .count("/get-vms", json!({"status_not": "RUNNING"}))
        .await;
    assert_eq!(running + not_running, total);
    let nor = api
        .count("/get-vms", json!({"NOT": [{"status": "RUNNING"}]}))
        .await;
    assert_eq!(nor, not_running);
    let or = api
        .count(
            "/get-vms",
            json!({"OR": [{"status": "RUNNING"}, {"status": "STOPPED"}]}),
        )
        .await;
    let and = api
        .count(
            "/get-vms",
            json!({"AND": [{"status": "RUNNING"}, {"vm_tools_status": "RUNNING"}]}),
        )
        .await;
    assert!(or > running && and < running && and > 0);
    let big = api
        .list(
            "/get-vms",
            json!({"where": {"vcpu_gte": 8}, "orderBy": "vcpu_DESC"}),
        )
        .await;
    let cpus: Vec<i64> = big.iter().map(|v| v["vcpu"].as_i64().unwrap()).collect();
    assert!(cpus.iter().all(|&c| c >= 8));
    assert!(cpus.windows(2).all(|w| w[0] >= w[1]));
    // A null-valued key sets no condition.
    assert_eq!(api.count("/get-vms", json!({"name": null})).await, total);
    // To-many: VMs with snapshots; volumes of a VM; every / none.
    let with = api
        .count(
            "/get-vms",
            json!({"snapshots_some": {"consistent_type": "FILE_SYSTEM_CONSISTENT"}}),
        )
        .await;
    assert!(with > 0 && with < total);
    let none = api.count("/get-vms", json!({"snapshots_none": {}})).await;
    let some = api.count("/get-vms", json!({"snapshots_some": {}})).await;
    assert_eq!(none + some, total);
    let vm = api.tools_vm().await;
    let vols = api.volumes_of(s(&vm["id"])).await;
    let disks = api
        .list(
            "/get-vm-disks",
            json!({"where": {"vm": {"id": vm["id"]}, "type": "DISK"}}),
        )
        .await;
    assert_eq!(vols.len(), disks.len());
    assert!(!vols.is_empty());
    // Dates compare as strings of one format.
    let snaps = api.snapshots_of(s(&vm["id"])).await;
    let mid = s(&snaps[snaps.len() / 2]["local_created_at"]);
    let later = api
        .count(
            "/get-vm-snapshots",
            json!({"vm": {"id": vm["id"]}, "local_created_at_gt": mid}),
        )
        .await;
    assert_eq!(later as usize, snaps.len() - snaps.len() / 2 - 1);
    // Task by user, newest first.
    let tasks = api
        .list(
            "/get-tasks",
            json!({"where": {"user": {"name_not": "admin"}}, "orderBy": "local_created_at_DESC", "first": 5}),
        )
        .await;
    assert!(!tasks.is_empty());
    assert!(tasks.iter().all(|t| t["user"]["name"] != "admin"));
    let times: Vec<&str> = tasks.iter().map(|t| s(&t["local_created_at"])).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn the_inventory_holds_together() {
    let (_server, api) = start(fast()).await;
    let clusters = api.clusters().await;
    assert_eq!(clusters.len(), 4);
    let states: Vec<&str> = clusters.iter().map(|c| s(&c["connect_state"])).collect();
    assert_eq!(states.iter().filter(|&&st| st == "DISCONNECTED").count(), 1);
    for c in &clusters {
        assert!(is_cuid(s(&c["id"])) && is_uuid(s(&c["local_id"])), "{c}");
        let hosts = api
            .list("/get-hosts", json!({"where": {"cluster": {"id": c["id"]}}}))
            .await;
        assert_eq!(hosts.len() as u64, c["host_num"].as_u64().unwrap());
        let vlans = api
            .list(
                "/get-vlans",
                json!({"where": {"vds": {"id": c["vdses"][0]["id"]}}}),
            )
            .await;
        assert!(vlans.iter().any(|v| v["type"] == "VM"));
        assert!(vlans.iter().any(|v| v["type"] == "MANAGEMENT"));
    }
    assert!(
        clusters.iter().any(|c| !s(&c["name"]).is_ascii()),
        "some Chinese names"
    );
    let vms = api.list("/get-vms", json!({})).await;
    let tools: BTreeSet<&str> = vms.iter().map(|v| s(&v["vm_tools_status"])).collect();
    assert!(
        tools.contains("RUNNING")
            && tools.contains("NOT_INSTALLED")
            && tools.contains("NOT_RUNNING")
    );
    let statuses: BTreeSet<&str> = vms.iter().map(|v| s(&v["status"])).collect();
    assert!(statuses.contains("RUNNING") && statuses.contains("STOPPED"));
    for v in &vms {
        assert!(is_cuid(s(&v["id"])), "{}", v["id"]);
        assert!(is_uuid(s(&v["local_id"])));
        assert!(
            is_time(s(&v["local_created_at"])),
            "{}",
            v["local_created_at"]
        );
        if v["status"] == "RUNNING" {
            assert!(!v["host"].is_null());
            assert_eq!(v["node_ip"], v["host"]["management_ip"]);
        }
    }
    // The storage chain of a VM snapshot (seed 000): each DISK's snapshot_local_id names a
    // LUN snapshot.
    let vm = api.tools_vm().await;
    let snaps = api.snapshots_of(s(&vm["id"])).await;
    assert_eq!(
        snaps.len(),
        6,
        "the showcase VM has exactly `snapshots` snapshots"
    );
    let kinds: BTreeSet<&str> = snaps.iter().map(|x| s(&x["consistent_type"])).collect();
    assert_eq!(kinds.len(), 2, "both consistency types");
    for snap in &snaps {
        let names: Vec<&str> = snap["vm_disks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["type"] == "DISK")
            .map(|d| s(&d["snapshot_local_id"]))
            .collect();
        assert!(!names.is_empty());
        let luns = api
            .list(
                "/get-iscsi-lun-snapshots",
                json!({"where": {"name_in": names}}),
            )
            .await;
        assert_eq!(luns.len(), names.len());
        for l in &luns {
            assert!(is_uuid(s(&l["local_id"])));
        }
        for d in snap["vm_disks"].as_array().unwrap() {
            if d["type"] == "CD_ROM" {
                assert!(d["snapshot_local_id"].is_null());
            }
        }
    }
    assert_eq!(vm["snapshots"].as_array().unwrap().len(), 6);
}

/// `get-vdses` is how a client learns a VLAN's cluster (VLAN `vds` → VDS `cluster`), e.g.
/// to offer a restored VM the networks of its target cluster.
#[tokio::test]
async fn vdses_tie_every_vlan_to_its_cluster() {
    let (_server, api) = start(fast()).await;
    let clusters = api.clusters().await;
    let vdses = api.list("/get-vdses", json!({})).await;
    assert_eq!(vdses.len(), clusters.len(), "one VDS per cluster");
    let by_id: HashMap<&str, &Value> = vdses.iter().map(|d| (s(&d["id"]), d)).collect();
    for c in &clusters {
        let listed = c["vdses"].as_array().unwrap();
        assert_eq!(listed.len(), 1, "{}", c["name"]);
        let d = by_id[s(&listed[0]["id"])];
        assert_eq!(d["cluster"], json!({"id": c["id"], "name": c["name"]}));
        assert_eq!(d["name"], listed[0]["name"]);
        assert!(is_cuid(s(&d["id"])) && is_uuid(s(&d["local_id"])), "{d}");
    }
    let local_ids: BTreeSet<&str> = vdses.iter().map(|d| s(&d["local_id"])).collect();
    assert_eq!(local_ids.len(), vdses.len(), "local ids are distinct");

    // Every VLAN names a listed VDS, and that VDS lists it back.
    let vlans = api.list("/get-vlans", json!({})).await;
    assert!(!vlans.is_empty());
    for v in &vlans {
        let d = by_id
            .get(s(&v["vds"]["id"]))
            .unwrap_or_else(|| panic!("VLAN {} names an unlisted VDS: {}", v["name"], v["vds"]));
        assert_eq!(v["vds"]["name"], d["name"]);
        let back = d["vlans"].as_array().unwrap();
        assert!(
            back.contains(&json!({"id": v["id"], "name": v["name"]})),
            "{d}"
        );
    }
    let total: usize = vdses
        .iter()
        .map(|d| {
            assert_eq!(
                d["vlans_num"].as_u64(),
                Some(d["vlans"].as_array().unwrap().len() as u64)
            );
            d["vlans"].as_array().unwrap().len()
        })
        .sum();
    assert_eq!(total, vlans.len(), "each VLAN is on exactly one VDS");
    // The cluster through the VDS is the cluster of the VMs plugged into the VLAN.
    for c in &clusters {
        let vm = &api
            .list(
                "/get-vms",
                json!({"where": {"cluster": {"id": c["id"]}}, "first": 1}),
            )
            .await[0];
        let nics: Vec<Value> = vm["vm_nics"].as_array().unwrap().to_vec();
        assert!(!nics.is_empty(), "{}", vm["name"]);
        let ids: Vec<Value> = nics.iter().map(|n| n["id"].clone()).collect();
        let used = api
            .list(
                "/get-vlans",
                json!({"where": {"vm_nics_some": {"id_in": ids}}}),
            )
            .await;
        assert!(!used.is_empty());
        for v in &used {
            assert_eq!(by_id[s(&v["vds"]["id"])]["cluster"]["id"], c["id"], "{v}");
        }
    }

    // where: by cluster, by id, by a field only the full cluster has, by a VLAN.
    let c0 = &clusters[0];
    let mine = api
        .list(
            "/get-vdses",
            json!({"where": {"cluster": {"id": c0["id"]}}}),
        )
        .await;
    assert_eq!(ids(&mine), [s(&c0["vdses"][0]["id"])]);
    let all_ids = ids(&vdses);
    let two = api
        .list(
            "/get-vdses",
            json!({"where": {"id_in": [all_ids[3], all_ids[1]]}}),
        )
        .await;
    assert_eq!(ids(&two), [all_ids[1].clone(), all_ids[3].clone()]);
    assert_eq!(
        ids(&api
            .list("/get-vdses", json!({"where": {"id": all_ids[2]}}))
            .await),
        [all_ids[2].clone()]
    );
    let down = api
        .list(
            "/get-vdses",
            json!({"where": {"cluster": {"connect_state": "DISCONNECTED"}}}),
        )
        .await;
    assert_eq!(down.len(), 1);
    assert_eq!(down[0]["cluster"]["name"], "edge-branch-04");
    let holding = api
        .list(
            "/get-vdses",
            json!({"where": {"vlans_some": {"id": vlans[0]["id"]}}}),
        )
        .await;
    assert_eq!(ids(&holding), [s(&vlans[0]["vds"]["id"])]);
    assert!(
        api.list(
            "/get-vdses",
            json!({"where": {"cluster": {"id": c0["id"]}, "id_not": c0["vdses"][0]["id"]}})
        )
        .await
        .is_empty()
    );
    api.refused(
        "/get-vdses",
        json!({"where": {"clustr": {"id": c0["id"]}}}),
        400,
    )
    .await;

    // orderBy, paging, and the count (after where, ignoring paging).
    let mut want = all_ids.clone();
    want.sort();
    assert_eq!(all_ids, want, "no orderBy: by id");
    want.reverse();
    assert_eq!(
        ids(&api.list("/get-vdses", json!({"orderBy": "id_DESC"})).await),
        want
    );
    let by_local = api
        .list("/get-vdses", json!({"orderBy": "local_id_ASC"}))
        .await;
    let locals: Vec<&str> = by_local.iter().map(|d| s(&d["local_id"])).collect();
    assert_eq!(locals, local_ids.iter().copied().collect::<Vec<_>>());
    let page = api.list("/get-vdses", json!({"first": 2, "skip": 1})).await;
    assert_eq!(ids(&page), all_ids[1..3].to_vec());
    let n = api
        .post("/get-vdses-connection", json!({"first": 1, "skip": 1}))
        .await;
    assert_eq!(n["aggregate"]["count"].as_u64(), Some(vdses.len() as u64));
    assert_eq!(
        api.count("/get-vdses", json!({"cluster": {"id": c0["id"]}}))
            .await,
        1
    );
    assert_eq!(
        api.count("/get-vdses", json!({"name": "no-such-vds"}))
            .await,
        0
    );

    // A VLAN filter through the VDS to its cluster: exactly that cluster's VLANs.
    let mut seen = BTreeSet::new();
    for c in &clusters {
        let through = api
            .list(
                "/get-vlans",
                json!({"where": {"vds": {"cluster": {"id": c["id"]}}}}),
            )
            .await;
        let direct = api
            .list(
                "/get-vlans",
                json!({"where": {"vds": {"id": c["vdses"][0]["id"]}}}),
            )
            .await;
        assert!(!through.is_empty(), "{}", c["name"]);
        assert_eq!(ids(&through), ids(&direct), "{}", c["name"]);
        let on_vds: BTreeSet<String> = by_id[s(&c["vdses"][0]["id"])]["vlans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| s(&v["id"]).to_string())
            .collect();
        assert_eq!(ids(&through).into_iter().collect::<BTreeSet<_>>(), on_vds);
        assert_eq!(
            api.count("/get-vlans", json!({"vds": {"cluster": {"id": c["id"]}}}))
                .await,
            through.len() as u64
        );
        for v in &through {
            assert!(seen.insert(s(&v["id"]).to_string()), "{v} in two clusters");
        }
    }
    assert_eq!(seen.len(), vlans.len());
    let none = api
        .list(
            "/get-vlans",
            json!({"where": {"vds": {"cluster": {"id": "no-such-cluster"}}}}),
        )
        .await;
    assert!(none.is_empty());
}

// ---- snapshots ------------------------------------------------------------------------------

#[tokio::test]
async fn snapshot_create_runs_as_a_task() {
    let (_server, api) = start(at(4.0)).await;
    let vm = api.tools_vm().await;
    let vid = s(&vm["id"]);
    let before = api.snapshots_of(vid).await.len();
    let r = api
        .post(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": vid, "name": "api-snap", "consistent_type": "FILE_SYSTEM_CONSISTENT"}]}),
        )
        .await;
    let r = r.as_array().unwrap();
    assert_eq!(r.len(), 1);
    let task_id = s(&r[0]["task_id"]).to_string();
    let snap_id = s(&r[0]["data"]["id"]).to_string();
    assert!(is_cuid(&snap_id));
    // Listed at once, being created, with its LUN snapshots.
    let snap = api.one("/get-vm-snapshots", &snap_id).await;
    assert_eq!(snap["entityAsyncStatus"], "CREATING");
    assert_eq!(snap["consistent_type"], "FILE_SYSTEM_CONSISTENT");
    let t = api.task(&task_id).await;
    assert_eq!(t["status"], "PENDING", "{t}");
    assert_eq!(t["resource_id"], snap_id.as_str());
    assert_eq!(t["user"]["name"], "admin");
    // The VM is busy: a second operation is refused with ResourceLocked.
    let e = api
        .refused(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": vid, "name": "again"}]}),
            400,
        )
        .await;
    assert_eq!(e["code"], "ResourceLocked", "{e}");
    let (seen, done) = api.wait_task(&task_id).await;
    assert_eq!(seen, ["PENDING", "EXECUTING", "SUCCESSED"], "{seen:?}");
    assert_eq!(done["progress"], 1.0);
    assert!(done["error_code"].is_null() && done["error_message"].is_null());
    assert!(is_time(s(&done["finished_at"])));
    assert!(
        done["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|st| st["finished"] == true)
    );
    let snap = api.one("/get-vm-snapshots", &snap_id).await;
    assert!(snap["entityAsyncStatus"].is_null());
    assert_eq!(api.snapshots_of(vid).await.len(), before + 1);
    assert_eq!(snap["vm"]["id"], vid);
    let names: Vec<&str> = snap["vm_disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["snapshot_local_id"].as_str())
        .collect();
    let luns = api
        .list(
            "/get-iscsi-lun-snapshots",
            json!({"where": {"name_in": names}}),
        )
        .await;
    assert_eq!(luns.len(), names.len());
    assert!(luns.iter().all(|l| l["entityAsyncStatus"].is_null()));
    let vm_now = api.vm(vid).await;
    assert!(
        vm_now["snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == snap_id.as_str())
    );
}

#[tokio::test]
async fn snapshot_rules_are_enforced() {
    let (_server, api) = start(fast()).await;
    // File-system consistency needs VMTools running.
    let no_tools = api
        .list(
            "/get-vms",
            json!({"where": {"vm_tools_status_not": "RUNNING", "cluster": {"connect_state": "CONNECTED"}}, "first": 1}),
        )
        .await;
    let v = &no_tools[0];
    let e = api
        .refused(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": v["id"], "name": "fs", "consistent_type": "FILE_SYSTEM_CONSISTENT"}]}),
            400,
        )
        .await;
    assert!(s(&e["message"]).contains("VMTools"), "{e}");
    // Crash-consistent is fine (and the default).
    let r = api
        .post(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": v["id"], "name": "crash"}]}),
        )
        .await;
    assert_eq!(r[0]["data"]["consistent_type"], "CRASH_CONSISTENT");
    api.wait_ok(s(&r[0]["task_id"])).await;
    // A VM of the disconnected cluster refuses.
    let lost = api
        .list(
            "/get-vms",
            json!({"where": {"status": "UNKNOWN"}, "first": 1}),
        )
        .await;
    let e = api
        .refused(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": lost[0]["id"], "name": "x"}]}),
            400,
        )
        .await;
    assert!(s(&e["message"]).contains("disconnected"));
    // The same VM twice in one request: refused whole, nothing started.
    let tv = api.tools_vm().await;
    let n = api.snapshots_of(s(&tv["id"])).await.len();
    let e = api
        .refused(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": tv["id"], "name": "a"}, {"vm_id": tv["id"], "name": "b"}]}),
            400,
        )
        .await;
    assert_eq!(e["code"], "ResourceLocked");
    assert_eq!(api.snapshots_of(s(&tv["id"])).await.len(), n);
    // Rollback to another VM's snapshot; unknown snapshot.
    let other = api.snapshots_of(s(&v["id"])).await;
    let e = api
        .refused(
            "/rollback-vm",
            json!({"where": {"id": tv["id"]}, "data": {"snapshot_id": other[0]["id"]}}),
            400,
        )
        .await;
    assert!(s(&e["message"]).contains("does not belong"));
    api.refused(
        "/rollback-vm",
        json!({"where": {"id": tv["id"]}, "data": {"snapshot_id": "cmissing00000000000000000"}}),
        404,
    )
    .await;
    // A where that matches nothing does nothing.
    let none = api
        .post(
            "/delete-vm-snapshot",
            json!({"where": {"id": "cmissing00000000000000000"}}),
        )
        .await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn rollback_puts_the_disks_back() {
    let (_server, api) = start(fast()).await;
    let vm = api.tools_vm().await;
    let vid = s(&vm["id"]);
    let snaps = api.snapshots_of(vid).await;
    let oldest = &snaps[0];
    let now_used = used(&api.volumes_of(vid).await);
    // A new snapshot, then the guest writes on: volumes grow.
    let r = api
        .post(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": vid, "name": "pre"}]}),
        )
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let grown = used(&api.volumes_of(vid).await);
    assert!(
        grown.iter().zip(&now_used).all(|(g, n)| g > n),
        "{grown:?} {now_used:?}"
    );
    // Roll back to the oldest snapshot: its data, its CPU and memory, powered off.
    let r = api
        .post(
            "/rollback-vm",
            json!({"where": {"id": vid}, "data": {"snapshot_id": oldest["id"]}}),
        )
        .await;
    assert_eq!(r.as_array().unwrap().len(), 1);
    assert_eq!(r[0]["data"]["id"], vid);
    let locked = api.vm(vid).await;
    assert_eq!(locked["entityAsyncStatus"], "UPDATING");
    let t = api.wait_ok(s(&r[0]["task_id"])).await;
    assert_eq!(t["resource_mutation"], "rollbackVm");
    let after = api.vm(vid).await;
    assert_eq!(after["status"], "STOPPED");
    assert!(after["entityAsyncStatus"].is_null());
    assert_eq!(after["vcpu"], oldest["vcpu"]);
    assert_eq!(after["memory"], oldest["memory"]);
    let vols = api.volumes_of(vid).await;
    let snapshot_volumes: BTreeSet<&str> = oldest["vm_disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "DISK")
        .map(|d| s(&d["vm_volume_local_id"]))
        .collect();
    let vm_volumes: BTreeSet<&str> = vols.iter().map(|v| s(&v["local_id"])).collect();
    assert_eq!(snapshot_volumes, vm_volumes);
    // The oldest snapshot holds less data than the VM had even before the new snapshot.
    assert!(
        used(&vols).iter().zip(&now_used).all(|(a, n)| a < n),
        "{:?} {now_used:?}",
        used(&vols)
    );
    assert!(
        used(&vols).iter().zip(&grown).all(|(a, g)| a < g),
        "rolled back data is older"
    );
}

#[tokio::test]
async fn rebuild_creates_a_new_vm() {
    let (_server, api) = start(fast()).await;
    let vm = api.tools_vm().await;
    let snaps = api.snapshots_of(s(&vm["id"])).await;
    let snap = &snaps[1];
    let host = &vm["host"]["id"];
    let vlan = api
        .list(
            "/get-vlans",
            json!({"where": {"name": "dmz-300", "vds": {"id": api.connected_cluster().await["vdses"][0]["id"]}}}),
        )
        .await;
    let before = api.count("/get-vms", json!({})).await;
    let r = api
        .post(
            "/rebuild-vm-from-snapshot",
            json!([{"rebuild_from_snapshot_id": snap["id"], "name": "重建-测试", "host_id": host,
                    "status": "RUNNING", "vm_nics": [{"connect_vlan_id": vlan[0]["id"]}]}]),
        )
        .await;
    let r = r.as_array().unwrap();
    let new_id = s(&r[0]["data"]["id"]).to_string();
    let placeholder = api.vm(&new_id).await;
    assert_eq!(placeholder["entityAsyncStatus"], "CREATING");
    let e = api
        .refused("/start-vm", json!({"where": {"id": new_id}}), 400)
        .await;
    assert_eq!(e["code"], "ResourceLocked");
    let t = api.wait_ok(s(&r[0]["task_id"])).await;
    assert_eq!(t["args"]["rebuild_from_snapshot_id"], snap["id"]);
    assert_eq!(t["resource_id"], new_id.as_str());
    let new_vm = api.vm(&new_id).await;
    assert!(new_vm["entityAsyncStatus"].is_null());
    assert_eq!(new_vm["status"], "RUNNING");
    assert_eq!(new_vm["name"], "重建-测试");
    assert_eq!(new_vm["host"]["id"], *host);
    assert_eq!(new_vm["vcpu"], snap["vcpu"]);
    assert_eq!(api.count("/get-vms", json!({})).await, before + 1);
    let data_disks = snap["vm_disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "DISK")
        .count();
    assert_eq!(api.volumes_of(&new_id).await.len(), data_disks);
    assert_eq!(new_vm["vm_nics"].as_array().unwrap().len(), 1);
    // A single object (off-spec, but real servers take it) gets a single WithTask.
    let single = api
        .send(
            "/rebuild-vm-from-snapshot",
            &json!({"rebuild_from_snapshot_id": snap["id"], "name": "single"}).to_string(),
            Some(&api.token),
        )
        .await;
    assert_eq!(single.status, 200, "{}", single.body);
    let single = single.body;
    assert!(single.is_object(), "{single}");
    assert_answer("/rebuild-vm-from-snapshot", 200, &json!([single.clone()]));
    api.wait_ok(s(&single["task_id"])).await;
    // Another cluster cannot use this snapshot.
    let other = api
        .list(
            "/get-clusters",
            json!({"where": {"name": "smtx-dev-cluster"}}),
        )
        .await;
    let e = api
        .refused(
            "/rebuild-vm-from-snapshot",
            json!([{"rebuild_from_snapshot_id": snap["id"], "name": "x", "cluster_id": other[0]["id"]}]),
            400,
        )
        .await;
    assert!(s(&e["message"]).contains("cluster"));
}

#[tokio::test]
async fn rebuild_refuses_memory_out_of_range() {
    let (_server, api) = start(fast()).await;
    let vm = api.tools_vm().await;
    let snaps = api.snapshots_of(s(&vm["id"])).await;
    let snap = &snaps[0];
    let before = api.count("/get-vms", json!({})).await;
    for (memory, unit) in [
        (json!(9_223_372_036_854_775_807_i64), "B"),
        (json!(1_099_511_627_776_i64), "PB"),
        (json!(65), "TB"),
        (json!(0), "GB"),
        (json!(-1), "GB"),
    ] {
        let e = api
            .refused(
                "/rebuild-vm-from-snapshot",
                json!([{"rebuild_from_snapshot_id": snap["id"], "name": "too-big",
                        "memory": memory, "memory_unit": unit}]),
                400,
            )
            .await;
        assert!(s(&e["message"]).contains("memory"), "{e}");
    }
    assert_eq!(api.count("/get-vms", json!({})).await, before);
    assert!(!api.clusters().await.is_empty());
    assert!(!api.list("/get-hosts", json!({})).await.is_empty());
    // The top of the range is still accepted.
    let r = api
        .post(
            "/rebuild-vm-from-snapshot",
            json!([{"rebuild_from_snapshot_id": snap["id"], "name": "64-tib",
                    "memory": 64, "memory_unit": "TB"}]),
        )
        .await;
    let id = s(&r[0]["data"]["id"]).to_string();
    assert_eq!(api.vm(&id).await["memory"], 64_i64 << 40);
    assert!(!api.clusters().await.is_empty());
    assert!(!api.list("/get-hosts", json!({})).await.is_empty());
}

#[tokio::test]
async fn delete_snapshot_removes_it_and_its_lun_snapshots() {
    let (_server, api) = start(at(5.0)).await;
    let vm = api.tools_vm().await;
    let snaps = api.snapshots_of(s(&vm["id"])).await;
    let victim = &snaps[2];
    let names: Vec<&str> = victim["vm_disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["snapshot_local_id"].as_str())
        .collect();
    let r = api
        .post(
            "/delete-vm-snapshot",
            json!({"where": {"id": victim["id"]}}),
        )
        .await;
    assert_eq!(r[0]["data"]["id"], victim["id"]);
    let during = api.one("/get-vm-snapshots", s(&victim["id"])).await;
    assert_eq!(during["entityAsyncStatus"], "DELETING");
    api.wait_ok(s(&r[0]["task_id"])).await;
    assert_eq!(
        api.count("/get-vm-snapshots", json!({"id": victim["id"]}))
            .await,
        0
    );
    assert_eq!(
        api.count("/get-iscsi-lun-snapshots", json!({"name_in": names}))
            .await,
        0
    );
    assert_eq!(api.snapshots_of(s(&vm["id"])).await.len(), snaps.len() - 1);
}

#[tokio::test]
async fn the_failure_demo_vm_fails_with_code_and_message() {
    let (_server, mut api) = start(fast()).await;
    let vm = api.vm_by_name("故障演示-存储异常").await;
    let before = api.snapshots_of(s(&vm["id"])).await.len();
    api.lang = Some("zh-CN");
    let r = api
        .post(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": vm["id"], "name": "will-fail"}]}),
        )
        .await;
    let (seen, t) = api.wait_task(s(&r[0]["task_id"])).await;
    assert_eq!(seen.last().unwrap(), "FAILED");
    assert_eq!(t["error_code"], "VM_SNAPSHOT_CREATE_FAILED");
    assert!(s(&t["error_message"]).contains("快照失败"), "{t}");
    assert!(s(&t["description"]).contains("创建快照"));
    assert!(t["progress"].as_f64().unwrap() < 1.0);
    assert_eq!(api.snapshots_of(s(&vm["id"])).await.len(), before);
    api.lang = Some("en-US");
    let t = api.task(s(&r[0]["task_id"])).await;
    assert!(s(&t["error_message"]).contains("Failed to snapshot"));
    assert!(s(&t["description"]).starts_with("Create snapshot"));
    // Its rollbacks fail too, and leave the VM as it was.
    let snaps = api.snapshots_of(s(&vm["id"])).await;
    let snap = snaps.first().expect("the faulty VM has a snapshot");
    let r = api
        .post(
            "/rollback-vm",
            json!({"where": {"id": vm["id"]}, "data": {"snapshot_id": snap["id"]}}),
        )
        .await;
    let (_, t) = api.wait_task(s(&r[0]["task_id"])).await;
    assert_eq!(t["status"], "FAILED");
    assert_eq!(t["error_code"], "VM_ROLLBACK_FAILED");
    assert_eq!(api.vm(s(&vm["id"])).await["status"], vm["status"]);
}

#[tokio::test]
async fn power_operations() {
    let (_server, api) = start(fast()).await;
    let stopped = api
        .list(
            "/get-vms",
            json!({"where": {"status": "STOPPED", "vm_tools_status": "NOT_RUNNING"}, "first": 1}),
        )
        .await;
    let vid = s(&stopped[0]["id"]).to_string();
    let e = api
        .refused("/poweroff-vm", json!({"where": {"id": vid}}), 400)
        .await;
    assert!(s(&e["message"]).contains("STOPPED"));
    let cluster = api
        .one("/get-clusters", s(&stopped[0]["cluster"]["id"]))
        .await;
    let host = cluster["hosts"][1]["id"].clone();
    let r = api
        .post(
            "/start-vm",
            json!({"where": {"id": vid}, "data": {"host_id": host}}),
        )
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let on = api.vm(&vid).await;
    assert_eq!(on["status"], "RUNNING");
    assert_eq!(on["vm_tools_status"], "RUNNING");
    assert_eq!(on["host"]["id"], host);
    let r = api
        .post("/shutdown-vm", json!({"where": {"id": vid}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    assert_eq!(api.vm(&vid).await["status"], "STOPPED");
    // Graceful shutdown needs VMTools; poweroff does not.
    let no_tools = api
        .list(
            "/get-vms",
            json!({"where": {"status": "RUNNING", "vm_tools_status": "NOT_INSTALLED"}, "first": 1}),
        )
        .await;
    let e = api
        .refused(
            "/shutdown-vm",
            json!({"where": {"id": no_tools[0]["id"]}}),
            400,
        )
        .await;
    assert!(s(&e["message"]).contains("VMTools"));
    let r = api
        .post("/poweroff-vm", json!({"where": {"id": no_tools[0]["id"]}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    assert_eq!(api.vm(s(&no_tools[0]["id"])).await["status"], "STOPPED");
}

// ---- tasks ----------------------------------------------------------------------------------

#[tokio::test]
async fn other_users_work_appears_over_time() {
    let (_server, api) = start(fast()).await;
    let history = api
        .count("/get-tasks", json!({"user": {"name_not": "admin"}}))
        .await;
    assert!(history > 0, "seeded history has other users' tasks");
    let failed = api.count("/get-tasks", json!({"status": "FAILED"})).await;
    assert!(failed > 0);
    // 20 simulated seconds after start, then every 40–90 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let fresh = api
            .list(
                "/get-tasks",
                json!({"where": {"user": {"name_not": "admin"}, "status_in": ["PENDING", "EXECUTING"]},
                       "orderBy": "local_created_at_DESC"}),
            )
            .await;
        if let Some(t) = fresh.first() {
            assert_ne!(t["user"]["name"], "admin");
            assert!(!t["cluster"].is_null());
            let (_, done) = api.wait_task(s(&t["id"])).await;
            assert!(done["status"] == "SUCCESSED" || done["status"] == "FAILED");
            break;
        }
        assert!(Instant::now() < deadline, "no background task appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        api.count("/get-tasks", json!({"user": {"name_not": "admin"}}))
            .await
            > history
    );
}

/// `PAUSED` is in the spec's `TaskStatus`: the history holds paused work, stopped where it
/// was paused (progress and steps frozen, nothing per second, never finished).
#[tokio::test]
async fn the_history_holds_a_paused_task_that_stays_put() {
    let (_server, api) = start(fast()).await;
    let paused = api
        .list("/get-tasks", json!({"where": {"status": "PAUSED"}}))
        .await;
    assert_eq!(paused.len(), 1, "{paused:?}");
    let t = &paused[0];
    assert_answer("/get-tasks", 200, &json!([t]));
    let progress = t["progress"].as_f64().unwrap();
    assert!(progress > 0.0 && progress < 1.0, "{t}");
    assert!(
        t["finished_at"].is_null() && !t["started_at"].is_null(),
        "{t}"
    );
    assert!(
        t["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["per_second"] == 0.0 && s["finished"] == false),
        "{t}"
    );
    assert!(t["error_message"].is_null());
    // Time passes; it does not move.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = api.one("/get-tasks", s(&t["id"])).await;
    assert_eq!(again["status"], "PAUSED");
    assert_eq!(again["progress"], t["progress"]);
    assert_eq!(again["steps"], t["steps"]);
}

// ---- backups --------------------------------------------------------------------------------

async fn plan_named(api: &Api, name: &str) -> Value {
    api.list("/get-backup-plans", json!({"where": {"name": name}}))
        .await[0]
        .clone()
}

#[tokio::test]
async fn backup_inventory_and_chains() {
    let (_server, api) = start(fast()).await;
    let services = api.list("/get-backup-services", json!({})).await;
    assert_eq!(services[0]["status"], "RUNNING");
    let repos = api.list("/get-backup-store-repositories", json!({})).await;
    assert!(repos.iter().any(|r| r["status"] == "ERROR"));
    let points = api.count("/get-backup-restore-points", json!({})).await;
    assert!((250..=400).contains(&points), "{points}");
    let plans = api.list("/get-backup-plans", json!({})).await;
    assert_eq!(plans.len(), 6);
    for p in &plans {
        let n = api
            .count(
                "/get-backup-restore-points",
                json!({"backup_plan": {"id": p["id"]}}),
            )
            .await;
        assert_eq!(n, p["backup_restore_point_count"].as_u64().unwrap());
    }
    // Chains: every INCREMENTAL has a parent of the same VM and plan, every FULL none.
    let all = api
        .list(
            "/get-backup-restore-points",
            json!({"orderBy": "local_created_at_ASC"}),
        )
        .await;
    let by_id: HashMap<&str, &Value> = all.iter().map(|r| (s(&r["id"]), r)).collect();
    let mut incrementals = 0;
    for r in &all {
        match s(&r["type"]) {
            "FULL" => assert!(r["parent_restore_point"].is_null()),
            _ => {
                incrementals += 1;
                let parent = by_id[s(&r["parent_restore_point"])];
                assert_eq!(parent["vm_local_id"], r["vm_local_id"]);
                assert_eq!(parent["backup_plan"]["id"], r["backup_plan"]["id"]);
                assert!(s(&parent["local_created_at"]) < s(&r["local_created_at"]));
            }
        }
    }
    assert!(incrementals > 100);
    // A deleted VM keeps its restore points.
    let orphans = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"vm_name": "old-erp-app-已删除"}}),
        )
        .await;
    assert!(!orphans.is_empty());
    assert!(orphans.iter().all(|r| r["vm"].is_null()));
    // Executions and targets link up.
    let e = api
        .list(
            "/get-backup-plan-executions",
            json!({"orderBy": "local_created_at_DESC", "first": 1}),
        )
        .await;
    let targets = api
        .list(
            "/get-backup-target-executions",
            json!({"where": {"backup_plan_execution": {"id": e[0]["id"]}}}),
        )
        .await;
    assert_eq!(
        targets.len() as u64,
        e[0]["total_job_count"].as_u64().unwrap()
    );
    // Metadata by id and by local id; unknown: 404.
    let rp = &all[0];
    let m = api
        .post(
            "/get-backup-restore-point-metadata",
            json!({"where": {"id": rp["id"]}}),
        )
        .await;
    assert_eq!(m["name"], rp["vm_name"]);
    let m2 = api
        .post(
            "/get-backup-restore-point-metadata",
            json!({"where": {"local_id": rp["local_id"]}}),
        )
        .await;
    assert_eq!(m, m2);
    assert!(!m["vm_disks"].as_array().unwrap().is_empty());
    api.refused(
        "/get-backup-restore-point-metadata",
        json!({"where": {"id": "cmissing00000000000000000"}}),
        404,
    )
    .await;
}

#[tokio::test]
async fn executing_a_plan_makes_restore_points() {
    let (_server, api) = start(at(10.0)).await;
    let plan = plan_named(&api, "核心数据库-每日备份").await;
    let before = plan["backup_restore_point_count"].as_u64().unwrap();
    let vms = plan["vms"].as_array().unwrap().len() as u64;
    let r = api
        .post(
            "/execute-backup-plan",
            json!({"where": {"id": plan["id"]}, "data": {"type": "INCREMENTAL"}}),
        )
        .await;
    let exec_id = s(&r[0]["data"]["id"]).to_string();
    assert_eq!(r[0]["data"]["method"], "MANUAL");
    let e = api
        .refused(
            "/execute-backup-plan",
            json!({"where": {"id": plan["id"]}, "data": {"type": "FULL"}}),
            400,
        )
        .await;
    assert_eq!(e["code"], "ResourceLocked");
    let t = api.task(s(&r[0]["task_id"])).await;
    assert_eq!(t["type"], "BACKUP");
    let (seen, t) = api.wait_task(s(&r[0]["task_id"])).await;
    assert_eq!(seen.last().unwrap(), "SUCCESSED", "{t}");
    assert!(seen.contains(&"EXECUTING".to_string()));
    let ex = api.one("/get-backup-plan-executions", &exec_id).await;
    assert_eq!(ex["status"], "SUCCESS");
    assert_eq!(ex["success_job_count"].as_u64(), Some(vms));
    let plan = plan_named(&api, "核心数据库-每日备份").await;
    assert_eq!(
        plan["backup_restore_point_count"].as_u64(),
        Some(before + vms)
    );
    assert_eq!(plan["last_manual_execute_status"], "SUCCESS");
    let newest = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"backup_plan": {"id": plan["id"]}, "creation": "MANUAL"}}),
        )
        .await;
    assert_eq!(newest.len() as u64, vms);
    for p in &newest {
        assert_eq!(p["type"], "INCREMENTAL");
        assert!(p["parent_restore_point"].is_string());
    }
    // FULL: no parent.
    let r = api
        .post(
            "/execute-backup-plan",
            json!({"where": {"id": plan["id"]}, "data": {"type": "FULL"}}),
        )
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let fulls = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"backup_plan": {"id": plan["id"]}, "creation": "MANUAL", "type": "FULL"}}),
        )
        .await;
    assert_eq!(fulls.len() as u64, vms);
    assert!(fulls.iter().all(|p| p["parent_restore_point"].is_null()));
    // The plan on the broken repository fails; a stopped plan is refused.
    let broken = plan_named(&api, "灾备-异地备份").await;
    let r = api
        .post(
            "/execute-backup-plan",
            json!({"where": {"id": broken["id"]}, "data": {"type": "FULL"}}),
        )
        .await;
    let (_, t) = api.wait_task(s(&r[0]["task_id"])).await;
    assert_eq!(t["status"], "FAILED");
    assert_eq!(t["error_code"], "BACKUP_STORE_UNAVAILABLE");
    assert!(
        t["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("nfs-offsite-dr"))
    );
    let ex = api
        .one("/get-backup-plan-executions", s(&r[0]["data"]["id"]))
        .await;
    assert_eq!(ex["status"], "FAILED");
    let stopped = plan_named(&api, "测试环境-备份").await;
    api.refused(
        "/execute-backup-plan",
        json!({"where": {"id": stopped["id"]}, "data": {"type": "FULL"}}),
        400,
    )
    .await;
}

#[tokio::test]
async fn restore_in_place_and_rebuild_from_a_restore_point() {
    let (_server, api) = start(fast()).await;
    let plan = plan_named(&api, "web服务-备份").await;
    let vm_ref = &plan["vms"][0];
    let vid = s(&vm_ref["id"]);
    let points = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"vm": {"id": vid}}, "orderBy": "local_created_at_ASC"}),
        )
        .await;
    let rp = &points[0];
    let meta = api
        .post(
            "/get-backup-restore-point-metadata",
            json!({"where": {"id": rp["id"]}}),
        )
        .await;
    let stored: Vec<f64> = meta["vm_disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "DISK")
        .map(|d| d["vm_volume_size"].as_f64().unwrap())
        .collect();
    assert!(!stored.is_empty());
    let r = api
        .post(
            "/backup-restore-vm-in-place",
            json!({"where": {"id": rp["id"]}, "data": {"startup_after_restore": true}}),
        )
        .await;
    let exec = &r[0]["data"];
    assert_eq!(exec["mode"], "INPLACE");
    assert_eq!(exec["backup_restore_point"]["id"], rp["id"]);
    let e = api
        .refused("/poweroff-vm", json!({"where": {"id": vid}}), 400)
        .await;
    assert_eq!(e["code"], "ResourceLocked");
    let t = api.wait_ok(s(&r[0]["task_id"])).await;
    assert_eq!(t["type"], "BACKUP");
    let ex = api
        .one("/get-backup-restore-executions", s(&exec["id"]))
        .await;
    assert_eq!(ex["status"], "SUCCESS");
    assert_eq!(api.vm(vid).await["status"], "RUNNING");
    let rp_now = api.one("/get-backup-restore-points", s(&rp["id"])).await;
    assert!(
        rp_now["backup_restore_executions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == exec["id"])
    );

    // Rebuild into another cluster needs a network mapping.
    let dr = api
        .list("/get-clusters", json!({"where": {"name": "灾备集群-DR"}}))
        .await;
    let dr = &dr[0];
    let dst_vlan = api
        .list(
            "/get-vlans",
            json!({"where": {"vds": {"id": dr["vdses"][0]["id"]}, "type": "VM"}, "first": 1}),
        )
        .await;
    let data = |mapping: Value| {
        json!({"where": {"id": rp["id"]}, "data": {
            "rebuild_name": "恢复-新虚拟机", "rebuild_target_cluster_id": dr["id"],
            "rebuild_target_host_id": dr["hosts"][0]["id"], "startup_after_restore": false,
            "rebuild_network_mapping": mapping}})
    };
    let e = api
        .refused("/backup-rebuild-vm", data(json!([])), 400)
        .await;
    assert!(s(&e["message"]).contains("rebuild_network_mapping"), "{e}");
    let vm_full = api.vm(vid).await;
    let nics = api
        .list("/get-vlans", json!({"where": {"vm_nics_some": {"id_in": vm_full["vm_nics"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect::<Vec<_>>()}}}))
        .await;
    let mapping: Vec<Value> = nics
        .iter()
        .map(|v| json!({"src_vlan_id": v["id"], "dst_vlan_id": dst_vlan[0]["id"]}))
        .collect();
    let r = api.post("/backup-rebuild-vm", data(json!(mapping))).await;
    assert_eq!(r[0]["data"]["mode"], "REBUILD");
    assert_eq!(r[0]["data"]["rebuild_target_cluster"], dr["id"]);
    api.wait_ok(s(&r[0]["task_id"])).await;
    let new_vm = api.vm_by_name("恢复-新虚拟机").await;
    assert_eq!(new_vm["cluster"]["id"], dr["id"]);
    assert_eq!(new_vm["status"], "STOPPED");
    assert_eq!(api.volumes_of(s(&new_vm["id"])).await.len(), stored.len());

    // A deleted VM cannot be restored in place, but can be rebuilt.
    let orphan = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"vm_name": "old-erp-app-已删除"}, "first": 1}),
        )
        .await;
    let e = api
        .refused(
            "/backup-restore-vm-in-place",
            json!({"where": {"id": orphan[0]["id"]}, "data": {"startup_after_restore": false}}),
            400,
        )
        .await;
    assert!(s(&e["message"]).contains("backup-rebuild-vm"));
    // Restores from the broken repository fail.
    let broken = plan_named(&api, "灾备-异地备份").await;
    let bp = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"backup_plan": {"id": broken["id"]}}, "first": 1}),
        )
        .await;
    let r = api
        .post(
            "/backup-restore-vm-in-place",
            json!({"where": {"id": bp[0]["id"]}, "data": {"startup_after_restore": false}}),
        )
        .await;
    let (_, t) = api.wait_task(s(&r[0]["task_id"])).await;
    assert_eq!(t["status"], "FAILED");
    assert_eq!(t["error_code"], "BACKUP_STORE_UNAVAILABLE");
    let ex = api
        .one("/get-backup-restore-executions", s(&r[0]["data"]["id"]))
        .await;
    assert_eq!(ex["status"], "FAILED");
}

#[tokio::test]
async fn deleting_a_restore_point_takes_its_dependents() {
    let (_server, api) = start(fast()).await;
    let fulls = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"type": "FULL", "vm": {"id_not": null}}, "orderBy": "local_created_at_DESC", "first": 1}),
        )
        .await;
    let full = &fulls[0];
    // Its dependents: the incrementals after it, chained by parent.
    let all = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"vm_local_id": full["vm_local_id"], "backup_plan": {"id": full["backup_plan"]["id"]}}}),
        )
        .await;
    let mut chain = BTreeSet::from([s(&full["id"]).to_string()]);
    loop {
        let grown: Vec<String> = all
            .iter()
            .filter(|r| {
                r["parent_restore_point"]
                    .as_str()
                    .is_some_and(|p| chain.contains(p))
            })
            .map(|r| s(&r["id"]).to_string())
            .filter(|id| !chain.contains(id))
            .collect();
        if grown.is_empty() {
            break;
        }
        chain.extend(grown);
    }
    let total = api.count("/get-backup-restore-points", json!({})).await;
    let r = api
        .post(
            "/delete-backup-restore-point",
            json!({"where": {"id": full["id"]}}),
        )
        .await;
    let r = r.as_array().unwrap();
    assert_eq!(r.len(), 1);
    let data = r[0]["data"].as_array().unwrap();
    let deleted: BTreeSet<String> = data.iter().map(|d| s(&d["id"]).to_string()).collect();
    assert_eq!(deleted, chain);
    assert!(data.iter().all(|d| d["entityAsyncStatus"] == "DELETING"));
    api.wait_ok(s(&r[0]["task_id"])).await;
    assert_eq!(
        api.count("/get-backup-restore-points", json!({})).await,
        total - chain.len() as u64
    );
}

// ---- conformance, determinism, scale, robustness ---------------------------------------------

/// Every operation's answers, checked against the official schemas (in `Api::post` and
/// `Api::refused`), including tasks in each state and every list with paging.
#[tokio::test]
async fn every_answer_conforms_to_the_official_schemas() {
    let (_server, api) = start(at(10.0)).await;
    let lists = [
        "/get-clusters",
        "/get-hosts",
        "/get-vdses",
        "/get-vlans",
        "/get-vms",
        "/get-vm-disks",
        "/get-vm-volumes",
        "/get-vm-snapshots",
        "/get-iscsi-lun-snapshots",
        "/get-tasks",
        "/get-backup-services",
        "/get-backup-store-repositories",
        "/get-backup-plans",
        "/get-backup-restore-points",
        "/get-backup-plan-executions",
        "/get-backup-target-executions",
        "/get-backup-restore-executions",
    ];
    for op in lists {
        // Everything, once: each model of each kind is checked.
        let all = api.list(op, json!({})).await;
        assert!(!all.is_empty(), "{op}");
        for item in &all {
            assert!(is_cuid(s(&item["id"])), "{op}: {}", item["id"]);
        }
        api.post(&format!("{op}-connection"), json!({"first": 1}))
            .await;
        api.refused(op, json!({"where": {"no_such_key": 1}}), 400)
            .await;
    }
    // Mutations and the tasks they start, while pending, running, done.
    let vm = api.tools_vm().await;
    let vid = s(&vm["id"]);
    let r = api
        .post(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": vid, "name": "c1"}]}),
        )
        .await;
    let (seen, _) = api.wait_task(s(&r[0]["task_id"])).await;
    assert!(seen.len() >= 2);
    let snap = s(&r[0]["data"]["id"]).to_string();
    let r = api
        .post(
            "/rollback-vm",
            json!({"where": {"id": vid}, "data": {"snapshot_id": snap}}),
        )
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let r = api
        .post(
            "/rebuild-vm-from-snapshot",
            json!([{"rebuild_from_snapshot_id": snap, "name": "c-rebuilt"}]),
        )
        .await;
    let rebuilt = s(&r[0]["data"]["id"]).to_string();
    api.wait_ok(s(&r[0]["task_id"])).await;
    let r = api
        .post("/start-vm", json!({"where": {"id": rebuilt}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let r = api
        .post("/shutdown-vm", json!({"where": {"id": rebuilt}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let r = api
        .post("/start-vm", json!({"where": {"id": rebuilt}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let r = api
        .post("/poweroff-vm", json!({"where": {"id": rebuilt}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let r = api
        .post("/delete-vm-snapshot", json!({"where": {"id": snap}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let plan = plan_named(&api, "erp-weekly").await;
    let r = api
        .post(
            "/execute-backup-plan",
            json!({"where": {"id": plan["id"]}, "data": {"type": "INCREMENTAL"}}),
        )
        .await;
    api.post("/get-backup-plans", json!({"where": {"id": plan["id"]}}))
        .await;
    api.post(
        "/get-backup-plan-executions",
        json!({"where": {"id": r[0]["data"]["id"]}}),
    )
    .await;
    api.post(
        "/get-backup-target-executions",
        json!({"where": {"backup_plan_execution": {"id": r[0]["data"]["id"]}}}),
    )
    .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let rp = api
        .list(
            "/get-backup-restore-points",
            json!({"where": {"backup_plan": {"id": plan["id"]}, "vm": {"id_not": null}}, "first": 1}),
        )
        .await;
    api.post(
        "/get-backup-restore-point-metadata",
        json!({"where": {"id": rp[0]["id"]}}),
    )
    .await;
    let r = api
        .post(
            "/backup-restore-vm-in-place",
            json!({"where": {"id": rp[0]["id"]}, "data": {"startup_after_restore": false}}),
        )
        .await;
    api.post(
        "/get-backup-restore-executions",
        json!({"where": {"id": r[0]["data"]["id"]}}),
    )
    .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let cl = api.connected_cluster().await;
    let r = api
        .post(
            "/backup-rebuild-vm",
            json!({"where": {"id": rp[0]["id"]}, "data": {"rebuild_name": "c-from-backup",
                   "rebuild_target_cluster_id": cl["id"], "rebuild_target_host_id": cl["hosts"][0]["id"],
                   "startup_after_restore": true, "rebuild_network_mapping": []}}),
        )
        .await;
    api.post("/get-vms", json!({"where": {"name": "c-from-backup"}}))
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    let r = api
        .post(
            "/delete-backup-restore-point",
            json!({"where": {"id": rp[0]["id"]}}),
        )
        .await;
    api.wait_ok(s(&r[0]["task_id"])).await;
    // A failed task, in both languages.
    let bad = api.vm_by_name("故障演示-存储异常").await;
    let r = api
        .post(
            "/create-vm-snapshot",
            json!({"data": [{"vm_id": bad["id"], "name": "x"}]}),
        )
        .await;
    api.wait_task(s(&r[0]["task_id"])).await;
    // Every task, now in every state it reached.
    api.list("/get-tasks", json!({})).await;
    // Error answers of mutations.
    api.refused(
        "/rollback-vm",
        json!({"where": {"id": vid}, "data": {"snapshot_id": "cnope000000000000000000000"}}),
        404,
    )
    .await;
    api.refused(
        "/execute-backup-plan",
        json!({"where": {}, "data": {"type": "WEEKLY"}}),
        400,
    )
    .await;
    api.refused("/backup-rebuild-vm", json!({"where": {}, "data": {}}), 400)
        .await;
    api.refused("/delete-backup-restore-point", json!({}), 400)
        .await;
    api.refused(
        "/backup-restore-vm-in-place",
        json!({"where": {"id": "x"}}),
        400,
    )
    .await;
    api.refused(
        "/get-backup-restore-point-metadata",
        json!({"where": {"name": "x"}}),
        400,
    )
    .await;
}

/// The schema check is not vacuous: it catches a dropped required key, a dropped optional
/// key, a wrong type and an invalid enum value.
#[tokio::test]
async fn the_schema_check_catches_broken_answers() {
    let (_server, api) = start(fast()).await;
    let vms = api.list("/get-vms", json!({"first": 1})).await;
    let good = json!(vms);
    assert!(answer_problems("/get-vms", 200, &good).is_empty());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v[0]);
        v
    };
    let cases: Vec<(&str, Value)> = vec![
        (
            "required key dropped",
            broken(&|v| {
                v.as_object_mut().unwrap().remove("vm_tools_status");
            }),
        ),
        (
            "optional key dropped",
            broken(&|v| {
                v.as_object_mut().unwrap().remove("os");
            }),
        ),
        ("invalid enum", broken(&|v| v["status"] = json!("BOOTING"))),
        ("wrong type", broken(&|v| v["memory"] = json!("8G"))),
        (
            "null where not nullable",
            broken(&|v| v["ips"] = Value::Null),
        ),
        ("unknown key", broken(&|v| v["colour"] = json!("red"))),
        (
            "nested required key",
            broken(&|v| {
                v["cpu"].as_object_mut().unwrap().remove("cores");
            }),
        ),
    ];
    for (what, v) in cases {
        assert!(
            !answer_problems("/get-vms", 200, &v).is_empty(),
            "not caught: {what}"
        );
    }
    let t = api.list("/get-tasks", json!({"first": 1})).await;
    let mut bad_task = json!(t);
    bad_task[0]["status"] = json!("SUCCESS");
    assert!(!answer_problems("/get-tasks", 200, &bad_task).is_empty());
    let mut bad_count = api.post("/get-vms-connection", json!({})).await;
    bad_count["aggregate"]["count"] = json!(1.5);
    assert!(!answer_problems("/get-vms-connection", 200, &bad_count).is_empty());
    let err = json!({"message": "x", "status": 400, "path": "/get-vms", "code": "Locked"});
    assert!(!answer_problems("/get-vms", 400, &err).is_empty());
    // Requests too.
    assert!(!request_problems("/rollback-vm", &json!({"where": {"id": "x"}})).is_empty());
    assert!(
        request_problems(
            "/rollback-vm",
            &json!({"where": {"id": "x"}, "data": {"snapshot_id": "y"}})
        )
        .is_empty()
    );
}

#[tokio::test]
async fn a_lost_answer_still_performs_the_mutation() {
    let (server, api) = start(fast()).await;
    let vm = api.tools_vm().await;
    let before = api.snapshots_of(s(&vm["id"])).await.len();
    server.faults().inject(
        "/v2/api/create-vm-snapshot",
        vmdeck::sim::Fault::LoseAnswer,
        Some(1),
    );
    let body = json!({"data": [{"vm_id": vm["id"], "name": "lost"}]}).to_string();
    let sent = api
        .http
        .post(format!("{}/create-vm-snapshot", api.base))
        .header("Authorization", &api.token)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await;
    let lost = match sent {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(lost, "the answer should be lost");
    let snaps = api.snapshots_of(s(&vm["id"])).await;
    assert_eq!(snaps.len(), before + 1);
    let made = snaps.iter().find(|x| x["name"] == "lost").unwrap();
    let task = api
        .list(
            "/get-tasks",
            json!({"where": {"resource_id": made["id"], "resource_mutation": "createVmSnapshot"}}),
        )
        .await;
    assert_eq!(task.len(), 1);
    api.wait_ok(s(&task[0]["id"])).await;
}

async fn picture(api: &Api) -> Value {
    let mut out = serde_json::Map::new();
    for op in [
        "/get-clusters",
        "/get-hosts",
        "/get-vdses",
        "/get-vlans",
        "/get-vms",
        "/get-vm-disks",
        "/get-vm-volumes",
        "/get-vm-snapshots",
        "/get-iscsi-lun-snapshots",
        "/get-tasks",
        "/get-backup-services",
        "/get-backup-store-repositories",
        "/get-backup-plans",
        "/get-backup-restore-points",
        "/get-backup-plan-executions",
        "/get-backup-target-executions",
        "/get-backup-restore-executions",
    ] {
        out.insert(op.into(), json!(api.list(op, json!({})).await));
    }
    Value::Object(out)
}

#[tokio::test]
async fn same_seed_same_json() {
    // So slow that no task of another user starts during the test (the first comes 20
    // simulated seconds after start).
    let (_a, api_a) = start(at(0.25)).await;
    let (_b, api_b) = start(at(0.25)).await;
    let a = picture(&api_a).await;
    let b = picture(&api_b).await;
    assert!(a == b, "two simulators with the same seed differ");
    let (_c, api_c) = start(SimConfig {
        seed: 4242,
        ..at(0.25)
    })
    .await;
    let c = picture(&api_c).await;
    assert!(a["/get-vms"] != c["/get-vms"]);
}

#[tokio::test]
async fn a_big_world_builds_and_pages() {
    let t0 = Instant::now();
    let (_server, api) = start(SimConfig {
        vms: Some(10_000),
        time_scale: 50.0,
        ..Default::default()
    })
    .await;
    eprintln!("big world: started in {:?}", t0.elapsed());
    assert_eq!(api.count("/get-vms", json!({})).await, 10_000);
    let page = api
        .list(
            "/get-vms",
            json!({"orderBy": "name_ASC", "first": 50, "skip": 5_000}),
        )
        .await;
    assert_eq!(page.len(), 50);
    let next = api
        .list(
            "/get-vms",
            json!({"orderBy": "name_ASC", "first": 50, "skip": 5_050}),
        )
        .await;
    assert!(s(&page[49]["name"]) <= s(&next[0]["name"]));
    let cl = api.connected_cluster().await;
    let n = api
        .count(
            "/get-vms",
            json!({"cluster": {"id": cl["id"]}, "name_contains": "数据库"}),
        )
        .await;
    assert!(n > 0);
    let first = api
        .list(
            "/get-vms",
            json!({"where": {"cluster": {"id": cl["id"]}}, "first": 1}),
        )
        .await;
    let snaps = api.snapshots_of(s(&first[0]["id"])).await;
    assert!(!snaps.is_empty());
    assert!(api.count("/get-vm-snapshots", json!({})).await > 10_000);
}

/// Random bodies: never a 5xx, always JSON; refusals are `ErrorBody`s.
#[test]
fn garbage_never_breaks_the_server() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (server, api) = rt.block_on(start(fast()));
    let vm = rt.block_on(api.tools_vm());
    let vid = s(&vm["id"]).to_string();
    let paths = [
        "/login",
        "/get-vms",
        "/get-vms-connection",
        "/get-tasks",
        "/get-vm-snapshots",
        "/get-backup-restore-points",
        "/create-vm-snapshot",
        "/rollback-vm",
        "/rebuild-vm-from-snapshot",
        "/delete-vm-snapshot",
        "/start-vm",
        "/shutdown-vm",
        "/poweroff-vm",
        "/execute-backup-plan",
        "/backup-restore-vm-in-place",
        "/backup-rebuild-vm",
        "/delete-backup-restore-point",
        "/get-backup-restore-point-metadata",
    ];
    let leaf = prop_oneof![
        Just(json!(null)),
        Just(json!(true)),
        Just(json!(1e300)),
        Just(json!(-1)),
        Just(json!(2147483648i64)),
        Just(json!("x")),
        Just(json!([])),
        Just(json!({})),
        Just(json!(vid.clone())),
        Just(json!("RUNNING")),
        Just(json!("name_ASC")),
    ];
    let keys = prop::sample::select(vec![
        "where",
        "data",
        "first",
        "skip",
        "last",
        "after",
        "before",
        "orderBy",
        "id",
        "id_in",
        "name",
        "vm",
        "cluster",
        "AND",
        "OR",
        "NOT",
        "vm_id",
        "snapshot_id",
        "status_in",
        "snapshots_some",
        "username",
        "password",
        "type",
        "name_contains",
    ]);
    let value = leaf.prop_recursive(3, 24, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    });
    let body = prop_oneof![
        value.prop_map(|v| v.to_string()),
        "\\PC{0,40}",
        Just("{\"where\":{\"id\":".to_string()),
    ];
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(0..paths.len(), body), |(p, body)| {
            let a = rt.block_on(api.send(paths[p], &body, Some(&api.token)));
            prop_assert!(
                a.status < 500,
                "{} {}: {} {}",
                paths[p],
                body,
                a.status,
                a.body
            );
            prop_assert!(a.request_id.is_some());
            if a.status != 200 {
                prop_assert!(
                    a.body["message"].is_string(),
                    "{} {}: {}",
                    paths[p],
                    body,
                    a.body
                );
                prop_assert_eq!(a.body["status"].as_u64(), Some(a.status as u64));
            } else {
                prop_assert!(!a.body.is_string(), "{}: not JSON", paths[p]);
            }
            Ok(())
        })
        .unwrap();
    drop(server);
}

/// The official Python SDK (which checks required fields and enum values of what it
/// decodes) logs in, lists (VDSes and VLANs too), snapshots and polls tasks.
/// `scripts/cloudtower-sdk-check.sh` installs `cloudtower-sdk` into a venv under `target/`
/// the first time.
#[tokio::test]
async fn the_official_python_sdk_talks_to_the_simulator() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: python3 is not installed, so the CloudTower Python SDK cannot run");
        return;
    }
    let (server, _api) = start(fast()).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/cloudtower-sdk-check.sh"
    );
    let out = tokio::process::Command::new("bash")
        .arg(script)
        .arg(format!("{}/v2/api", server.base_url()))
        .arg(DEFAULT_PASSWORD)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK check failed:\n{stdout}\n{stderr}"
    );
    for line in [
        "ok: login",
        "ok: get_vdses",
        "ok: get_vms",
        "ok: create_vm_snapshot",
        "ok: get_tasks until SUCCESSED",
        "ok: get_iscsi_lun_snapshots",
    ] {
        assert!(
            stdout.contains(line),
            "missing {line:?}:\n{stdout}\n{stderr}"
        );
    }
}

/// `get-vm-vnc-info` (seed 001) answers `VmVncInfo` as the spec writes it, with a new
/// `terminal` token on every call; a stopped VM, an unknown id and a body without `vm`
/// are refused with the spec's `ErrorBody`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vnc_info_follows_the_spec() {
    let (_server, api) = start(fast()).await;
    let vms = api.list("/get-vms", json!({})).await;
    let running = vms
        .iter()
        .find(|v| v["status"] == "RUNNING")
        .expect("a running VM");
    let stopped = vms
        .iter()
        .find(|v| v["status"] == "STOPPED")
        .expect("a stopped VM");
    let id = s(&running["id"]);
    let first = api
        .post("/get-vm-vnc-info", json!({"vm": {"id": id}}))
        .await;
    assert_eq!(first["vm"]["id"], running["id"]);
    assert!(!s(&first["terminal"]).is_empty());
    assert!(!s(&first["cluster_ip"]).is_empty());
    let cluster = api.one("/get-clusters", s(&running["cluster"]["id"])).await;
    assert_eq!(first["cluster_ip"], cluster["ip"]);
    let by_local = api
        .post(
            "/get-vm-vnc-info",
            json!({"vm": {"local_id": s(&running["local_id"])}}),
        )
        .await;
    assert_eq!(by_local["vm"]["id"], running["id"]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let again = api
        .post("/get-vm-vnc-info", json!({"vm": {"id": id}}))
        .await;
    assert_ne!(
        first["terminal"], again["terminal"],
        "a token is handed out once"
    );

    let b = api
        .refused(
            "/get-vm-vnc-info",
            json!({"vm": {"id": s(&stopped["id"])}}),
            400,
        )
        .await;
    assert!(b.to_string().contains("not running"), "{b}");
    api.refused("/get-vm-vnc-info", json!({"vm": {"id": "nope"}}), 404)
        .await;
    api.refused("/get-vm-vnc-info", json!({}), 400).await;
}
