//! The TopHC `/v1` dialect of the simulator, over real sockets, checked against what the
//! TopHC documents say (`specs/compute-v1/`).

use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use serde_json::{Value, json};
use vmdeck::sim::{DEFAULT_PASSWORD, SimConfig, SimServer};

mod sim_common;

use sim_common::{DocRules, at, doc_key_problems, fast, poll, s, serve};

// ---- harness -------------------------------------------------------------------------------

struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn start(config: SimConfig) -> (SimServer, Api) {
    let server = serve(config).await;
    let mut api = Api {
        base: server.base_url(),
        http: reqwest::Client::new(),
        token: String::new(),
    };
    api.token = api.login(DEFAULT_PASSWORD).await["data"]["token"]
        .as_str()
        .expect("login gives a token")
        .to_string();
    (server, api)
}

impl Api {
    fn url(&self, path: &str, q: &[(&str, &str)]) -> String {
        let mut u = url::Url::parse(&format!("{}{}", self.base, path)).unwrap();
        if !q.is_empty() {
            u.query_pairs_mut().extend_pairs(q);
        }
        u.to_string()
    }

    async fn login(&self, password: &str) -> Value {
        let body = json!({"tenant": "system", "user": "admin", "password": md5_hex(password), "is_ldap": false});
        self.send_post("/v1/authentication/login", body.to_string(), None)
            .await
            .1
    }

    async fn send_get(&self, url: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.get(url);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn send_post(&self, path: &str, body: String, token: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// GET with the session; asserts HTTP 200 and returns the whole envelope.
    async fn get(&self, path: &str, q: &[(&str, &str)]) -> Value {
        let (status, v) = self.send_get(&self.url(path, q), Some(&self.token)).await;
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    /// POST with the session; asserts HTTP 200 and returns the whole envelope.
    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, v) = self
            .send_post(path, body.to_string(), Some(&self.token))
            .await;
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    /// GET that must succeed; returns `data`.
    async fn data(&self, path: &str, q: &[(&str, &str)]) -> Value {
        ok(self.get(path, q).await)
    }

    async fn clusters(&self) -> (Vec<Value>, Value) {
        let list = self.data("/v1/user/cluster/allow/list", &[]).await["list"]
            .as_array()
            .unwrap()
            .clone();
        let healthy: Vec<Value> = list
            .iter()
            .filter(|c| c["is_health"] == true)
            .cloned()
            .collect();
        let failing = list
            .iter()
            .find(|c| c["is_health"] == false)
            .unwrap()
            .clone();
        (healthy, failing)
    }

    async fn vms(&self, cluster: &str) -> Vec<Value> {
        self.data("/v1/compute/list", &[("cluster_uuid", cluster)])
            .await["domains"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn inspect(&self, cluster: &str, vm: &str) -> Value {
        self.data(
            "/v1/compute/inspect",
            &[("cluster_uuid", cluster), ("compute_uuid", vm)],
        )
        .await
    }

    async fn tree(&self, cluster: &str, vm: &str) -> Value {
        self.data(
            "/v1/compute/vsd/snapshot/tree",
            &[("cluster_uuid", cluster), ("compute_uuid", vm)],
        )
        .await["tree"]
            .clone()
    }

    async fn snapshots(&self, cluster: &str, vm: &str) -> Vec<Value> {
        self.data(
            "/v1/compute/vsd/snapshot/list",
            &[
                ("cluster_uuid", cluster),
                ("compute_uuid", vm),
                ("filter_name", ""),
            ],
        )
        .await["list"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Polls `inspect` until the VM's action is `noaction`.
    async fn wait_idle(&self, cluster: &str, vm: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.inspect(cluster, vm).await;
            if v["action"] == "noaction" && v["state"] != "shutdown" {
                return v;
            }
            assert!(Instant::now() < deadline, "VM stays busy: {}", v["action"]);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn ok(v: Value) -> Value {
    assert_eq!(v["scode"], 0, "expected success: {v}");
    assert_eq!(v["message"], "success");
    assert_eq!(v["message_cn"], "成功");
    assert_eq!(v["desc"], "");
    assert_eq!(v["stack"], Value::Null);
    v["data"].clone()
}

fn refused(v: &Value, scode: i64) {
    assert_eq!(v["scode"], scode, "expected scode {scode}: {v}");
    assert_eq!(v["data"], Value::Null, "{v}");
    assert!(!v["message"].as_str().unwrap().is_empty());
    assert!(!v["message_cn"].as_str().unwrap().is_empty());
    let stack = v["stack"].as_array().expect("errors carry a stack");
    assert!(
        stack[0]
            .as_str()
            .unwrap()
            .contains(&format!("code:{scode}"))
    );
}

fn fixture(name: &str) -> Value {
    sim_common::fixture("tophc", &format!("{name}.json"))
}

fn assert_like_doc(name: &str, ours: &Value) {
    assert_like(name, &fixture(name), ours);
}

fn assert_like(name: &str, doc: &Value, ours: &Value) {
    let rules = DocRules {
        null_matches_anything: true,
        empty_list_is_missing: false,
    };
    let problems = doc_key_problems(doc, ours, rules);
    assert!(problems.is_empty(), "{name}: {problems:#?}\nours: {ours:#}");
}

fn keys(v: &Value) -> std::collections::BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

// ---- authentication ----------------------------------------------------------------------

#[tokio::test]
async fn login_gives_a_documented_answer_and_an_hs256_jwt() {
    let (_server, api) = start(fast()).await;
    let v = api.login(DEFAULT_PASSWORD).await;
    let data = ok(v);
    let expected: std::collections::BTreeSet<String> = [
        "user_role",
        "token",
        "user_uuid",
        "user_name",
        "ldap_enabled",
        "tenant_uuid",
        "default_cluster_uuid",
        "is_deploy_mode",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(keys(&data), expected);
    assert_eq!(data["user_name"], "admin");
    let token = s(&data["token"]);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Value = serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["typ"], "JWT");
    let payload: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    for k in [
        "user_name",
        "tenant",
        "user_uuid",
        "role",
        "is_ldap",
        "iat",
        "exp",
        "client_ip",
    ] {
        assert!(payload.get(k).is_some(), "payload lacks {k}: {payload}");
    }
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        300_000
    );
    assert_eq!(payload["client_ip"], "127.0.0.1");
    assert_eq!(payload["tenant"], data["tenant_uuid"]);

    // Wrong password, unknown user, bad JSON, missing fields.
    refused(&api.login("nope").await, 10184);
    let other = json!({"tenant": "system", "user": "root", "password": md5_hex(DEFAULT_PASSWORD)});
    refused(
        &api.send_post("/v1/authentication/login", other.to_string(), None)
            .await
            .1,
        10183,
    );
    let upper = json!({"tenant": "system", "user": "admin", "password": md5_hex(DEFAULT_PASSWORD).to_uppercase()});
    refused(
        &api.send_post("/v1/authentication/login", upper.to_string(), None)
            .await
            .1,
        10184,
    );
    for bad in ["{", "", "[]", r#"{"user":5}"#, r#"{"user":"admin"}"#] {
        let (status, v) = api
            .send_post("/v1/authentication/login", bad.to_string(), None)
            .await;
        assert_eq!(status, 200);
        refused(&v, 10001);
        assert!(s(&v["message"]).starts_with("Parse parameter error: "));
    }
}

#[tokio::test]
async fn missing_bad_expired_and_logged_out_tokens_are_refused() {
    let (server, api) = start(fast()).await;
    let url = api.url("/v1/cluster/list", &[]);

    let (status, v) = api.send_get(&url, None).await;
    assert_eq!(status, 200);
    refused(&v, 10002);
    assert_eq!(v["message"], "Unauthorized: missing token");
    assert_eq!(v["message_cn"], "未授权：缺少令牌");

    for bad in ["garbage", "a.b.c", &format!("{}x", api.token)] {
        let (status, v) = api.send_get(&url, Some(bad)).await;
        assert_eq!(status, 200);
        refused(&v, 10003);
        assert_eq!(v["message"], "Token is invalid or has expired");
        assert_eq!(v["message_cn"], "令牌无效或已过期");
    }

    // A good token works until the sessions are expired.
    let (_, v) = api.send_get(&url, Some(&api.token)).await;
    ok(v);
    server.faults().expire_sessions();
    let (status, v) = api.send_get(&url, Some(&api.token)).await;
    assert_eq!(status, 200);
    refused(&v, 10003);
    // A new login works again.
    let fresh = s(&ok(api.login(DEFAULT_PASSWORD).await)["token"]).to_string();
    let (_, v) = api.send_get(&url, Some(&fresh)).await;
    ok(v);

    // Logout answers data "" and ends that session.
    let (status, v) = api
        .send_post("/v1/authentication/logout", "{}".into(), Some(&fresh))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ok(v), json!(""));
    let (_, v) = api.send_get(&url, Some(&fresh)).await;
    refused(&v, 10003);

    // Also over the admin route.
    let fresh = s(&ok(api.login(DEFAULT_PASSWORD).await)["token"]).to_string();
    let r = api
        .http
        .post(format!("{}/__sim/expire-sessions", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (_, v) = api.send_get(&url, Some(&fresh)).await;
    refused(&v, 10003);
}

#[tokio::test]
async fn unknown_routes_are_http_404() {
    let (_server, api) = start(fast()).await;
    for path in ["/v1/nope", "/v1/compute/list/extra", "/v2/compute/list"] {
        let (status, _) = api.send_get(&api.url(path, &[]), Some(&api.token)).await;
        assert_eq!(status, 404, "{path}");
    }
    // Wrong method on a known route: 404 too, like the Go router.
    let (status, _) = api
        .send_post("/v1/compute/list", "{}".into(), Some(&api.token))
        .await;
    assert_eq!(status, 404);
}

// ---- clusters and their inventory ----------------------------------------------------------

#[tokio::test]
async fn clusters_tenants_zones_pools_backup_points_and_version() {
    let (_server, api) = start(fast()).await;
    let allowed = api.data("/v1/user/cluster/allow/list", &[]).await;
    assert_eq!(allowed["total_count"], 4);
    assert_like_doc("allowed_cluster", &allowed["list"][0]);
    let names: Vec<&str> = allowed["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["name"]))
        .collect();
    assert_eq!(
        names,
        [
            "host3222-cvm3322",
            "生产集群-A",
            "dr-site-02",
            "edge-cluster-04"
        ]
    );
    let (healthy, failing) = api.clusters().await;
    assert_eq!(healthy.len(), 3);
    assert_eq!(failing["name"], "edge-cluster-04");

    let list = api
        .data("/v1/cluster/list", &[("page_num", "0"), ("page_size", "2")])
        .await;
    assert_eq!(list["total_count"], 4);
    assert_eq!(list["list"].as_array().unwrap().len(), 2);
    assert_like_doc("cluster_list_item", &list["list"][0]);
    let one = api
        .data("/v1/cluster/list", &[("filter_name", "dr-site")])
        .await;
    assert_eq!(one["total_count"], 1);

    let c0 = s(&healthy[0]["uuid"]);
    let got = api.data("/v1/cluster/get", &[("cluster_uuid", c0)]).await;
    assert_like_doc("cluster_get", &got);
    // The failing cluster, asked for directly, is a top-level error.
    let v = api
        .get("/v1/cluster/get", &[("cluster_uuid", s(&failing["uuid"]))])
        .await;
    refused(&v, 10000);
    assert!(s(&v["message"]).starts_with("Manager server error: dial tcp 10.30.40.5:9000"));
    refused(
        &api.get(
            "/v1/cluster/get",
            &[("cluster_uuid", "00000000-0000-4000-8000-000000000000")],
        )
        .await,
        10201,
    );

    let tenants = api
        .data(
            "/v1/tenant/list",
            &[("cluster_uuid", c0), ("system", "true")],
        )
        .await;
    assert_like_doc("tenant", &tenants["list"][0]);
    assert!(
        tenants["latest_used_tenants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "All" && t["uuid"] == "")
    );
    let without_system = api.data("/v1/tenant/list", &[("cluster_uuid", c0)]).await;
    assert_eq!(
        without_system["total_count"].as_u64().unwrap() + 1,
        tenants["total_count"].as_u64().unwrap()
    );

    let zones = api.data("/v1/zone/list", &[("cluster_uuid", c0)]).await;
    assert!(zones["total_count"].as_u64().unwrap() >= 1);
    assert_like_doc("zone", &zones["list"][0]);
    assert!(zones["list"][0]["Statistic"]["USDSIzeUsage"].is_number());
    let zone = api
        .data(
            "/v1/zone/inspect",
            &[
                ("cluster_uuid", c0),
                ("zone_uuid", s(&zones["list"][0]["UUID"])),
            ],
        )
        .await;
    assert_eq!(zone["UUID"], zones["list"][0]["UUID"]);
    refused(&api.get("/v1/zone/list", &[]).await, 10001);

    let pools = api.data("/v1/pool/internal/list", &[]).await;
    assert_like_doc("pool", &pools["List"][0]);
    assert_eq!(
        pools["TotalCount"].as_u64().unwrap() as usize,
        pools["List"].as_array().unwrap().len()
    );
    assert!(
        pools["List"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["attr"]["ComputeRepository"].is_string())
    );
    assert_eq!(pools["each_range_list_state"].as_array().unwrap().len(), 4);

    let bps = api
        .data(
            "/v1/volume/internal/backuppoint/list",
            &[("cluster_uuid", c0)],
        )
        .await;
    assert_like_doc("backup_point", &bps["list"][0]);
    assert!(bps["list"][0].get("indentify").is_some());
    assert!(
        bps["list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["Bpstate"] != "healthy")
    );

    // The old envelope, as the doc example shows it.
    let version = api.get("/v1/system/version", &[]).await;
    assert_eq!(version["status_code"], 0);
    assert_eq!(version["message_en"], "success");
    assert!(version["data"]["version"].is_string());
}

#[tokio::test]
async fn object_group_tree_runs_cluster_tenant_namespace_groups() {
    let (_server, api) = start(fast()).await;
    let tree = api.data("/v1/compute/group/tree", &[]).await;
    assert_eq!(tree["total_count"], 3);
    let states = tree["each_range_list_state"].as_array().unwrap();
    assert_eq!(states.len(), 4);
    assert_eq!(
        states.iter().filter(|s| s["result"]["scode"] != 0).count(),
        1
    );
    let cluster = &tree["list"][0];
    assert_like_doc("group_tree_cluster_node", cluster);
    assert_eq!(cluster["fake"], true);
    let tenant = &cluster["Children"][0];
    let namespace = &tenant["Children"][0];
    assert_eq!(tenant["fake"], true);
    assert_eq!(namespace["fake"], true);
    let default = &namespace["Children"][0];
    assert_eq!(default["Name"], "default");
    assert_eq!(default["fake"], false);
    assert_eq!(default["Namespace"], namespace["UUID"]);

    // Cluster and tenant given: a single tenant node, groups beneath.
    let c = s(&cluster["UUID"]);
    let t = s(&tenant["UUID"]);
    let one = api
        .data(
            "/v1/compute/group/tree",
            &[("cluster_uuid", c), ("tenant", t)],
        )
        .await;
    assert_eq!(one["total_count"], 1);
    assert_eq!(one["list"][0]["UUID"], t);
    assert_eq!(one["list"][0]["Children"][0]["Name"], "default");

    // RefCount adds up to the VMs of the cluster.
    fn refs(n: &Value) -> u64 {
        n["RefCount"].as_u64().unwrap()
            + n["Children"]
                .as_array()
                .map(|c| c.iter().map(refs).sum())
                .unwrap_or(0)
    }
    let vms = api.vms(c).await;
    assert_eq!(refs(cluster) as usize, vms.len());
}

// ---- VMs -----------------------------------------------------------------------------------

#[tokio::test]
async fn compute_list_fans_out_and_reports_the_failing_cluster() {
    let (_server, api) = start(fast()).await;
    let (healthy, failing) = api.clusters().await;
    let all = api.get("/v1/compute/list", &[]).await;
    let data = ok(all);
    // (the example's `object_group_counts` is keyed by its own group uuids)
    let mut doc = fixture("compute_list_data");
    doc["object_group_counts"] = json!({});
    assert_like("compute_list_data", &doc, &data);
    let states = data["each_range_list_state"].as_array().unwrap();
    assert_eq!(states.len(), 4);
    for st in states {
        for k in [
            "cluster_uuid",
            "cluster_name",
            "cluster_mode",
            "namespace_uuid",
            "namespace_name",
            "result",
            "total_count",
        ] {
            assert!(st.get(k).is_some(), "{k} missing in {st}");
        }
        assert_like_doc("each_range_list_state", st);
    }
    let bad = states
        .iter()
        .find(|s| s["cluster_uuid"] == failing["uuid"])
        .unwrap();
    assert_eq!(bad["result"]["scode"], 10000);
    assert_eq!(bad["result"]["data"], "");
    assert!(s(&bad["result"]["message"]).contains("i/o timeout"));
    assert_eq!(bad["total_count"], 0);
    let sum: u64 = states
        .iter()
        .map(|s| s["total_count"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, data["total_count"].as_u64().unwrap());
    assert_eq!(data["total_count"], 50);
    let domains = data["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 50);
    assert!(domains.iter().all(|d| d["cluster_uuid"] != failing["uuid"]));
    assert!(domains.iter().any(|d| d["name"] == "财务系统-db01"));
    let counted: u64 = data["object_group_counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted, 50);
    assert!(data.get("cluster_total_resource").is_some());

    // The failing cluster asked for directly: top-level error.
    refused(
        &api.get("/v1/compute/list", &[("cluster_uuid", s(&failing["uuid"]))])
            .await,
        10000,
    );
    // One cluster: one state entry.
    let one = api
        .data(
            "/v1/compute/list",
            &[("cluster_uuid", s(&healthy[0]["uuid"]))],
        )
        .await;
    assert_eq!(one["each_range_list_state"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn compute_items_have_every_key_of_the_doc_examples() {
    let (_server, api) = start(fast()).await;
    let (healthy, _) = api.clusters().await;
    let c = s(&healthy[0]["uuid"]);
    let vms = api.vms(c).await;
    let doc = fixture("compute_info");
    for vm in &vms {
        assert_like_doc("compute_info", vm);
        assert_eq!(keys(vm), keys(&doc), "ComputeInfo key set");
    }
    let doc = fixture("compute_inspect");
    for vm in vms.iter().take(10) {
        let detail = api.inspect(c, s(&vm["uuid"])).await;
        assert_like_doc("compute_inspect", &detail);
        assert_eq!(keys(&detail), keys(&doc), "ComputeInspectInfo key set");
        let disk = &detail["disks"][0]["disk_vsd_source"];
        assert!(disk["replica"].is_string(), "replica is a string: {disk}");
        assert_eq!(detail["uuid"], vm["uuid"]);
    }
    refused(
        &api.get(
            "/v1/compute/inspect",
            &[
                ("cluster_uuid", c),
                ("compute_uuid", "00000000-0000-4000-8000-000000000000"),
            ],
        )
        .await,
        22002,
    );
    refused(
        &api.get("/v1/compute/inspect", &[("cluster_uuid", c)]).await,
        10001,
    );
}

#[tokio::test]
async fn paging_honours_both_names_is_zero_based_and_counts_the_filtered_total() {
    let (_server, api) = start(fast()).await;
    let all: Vec<Value> = api.data("/v1/compute/list", &[]).await["domains"]
        .as_array()
        .unwrap()
        .clone();
    let uuids = |d: &Value| -> Vec<String> {
        d["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| s(&v["uuid"]).to_string())
            .collect()
    };
    let all_ids: Vec<String> = all.iter().map(|v| s(&v["uuid"]).to_string()).collect();
    let p0 = api
        .data("/v1/compute/list", &[("page_num", "0"), ("page_size", "7")])
        .await;
    assert_eq!(uuids(&p0), all_ids[0..7]);
    assert_eq!(p0["total_count"], 50);
    let by_num = api
        .data("/v1/compute/list", &[("page_num", "2"), ("page_size", "7")])
        .await;
    let by_number = api
        .data(
            "/v1/compute/list",
            &[("page_number", "2"), ("page_size", "7")],
        )
        .await;
    assert_eq!(uuids(&by_num), all_ids[14..21]);
    assert_eq!(uuids(&by_number), all_ids[14..21]);
    // Both given and different: page_number wins.
    let both = api
        .data(
            "/v1/compute/list",
            &[("page_num", "5"), ("page_number", "1"), ("page_size", "7")],
        )
        .await;
    assert_eq!(uuids(&both), all_ids[7..14]);
    // Last page is partial; past the end is empty; totals stay.
    let last = api
        .data("/v1/compute/list", &[("page_num", "7"), ("page_size", "7")])
        .await;
    assert_eq!(uuids(&last), all_ids[49..50]);
    let past = api
        .data(
            "/v1/compute/list",
            &[("page_num", "99"), ("page_size", "7")],
        )
        .await;
    assert!(uuids(&past).is_empty());
    assert_eq!(past["total_count"], 50);
    for size in ["0", "-1", ""] {
        let every = api
            .data(
                "/v1/compute/list",
                &[("page_num", "3"), ("page_size", size)],
            )
            .await;
        assert_eq!(uuids(&every).len(), 50);
    }
    // Filtered totals.
    let running = api
        .data(
            "/v1/compute/list",
            &[("filter_state", "running"), ("page_size", "3")],
        )
        .await;
    let n_running = all.iter().filter(|v| v["state"] == "running").count();
    assert_eq!(running["total_count"], n_running);
    assert!(
        running["domains"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["state"] == "running")
    );
    // Backup list paging too.
    let b = api
        .data(
            "/v1/compute/backup/list",
            &[("page_num", "1"), ("page_size", "25")],
        )
        .await;
    assert_eq!(b["list"].as_array().unwrap().len(), 25);
    assert_eq!(b["total_count"], 400);
}

#[tokio::test]
async fn compute_filters() {
    let (_server, api) = start(fast()).await;
    let all: Vec<Value> = api.data("/v1/compute/list", &[]).await["domains"]
        .as_array()
        .unwrap()
        .clone();
    let count = |q: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.data("/v1/compute/list", &q).await["total_count"]
                .as_u64()
                .unwrap() as usize
        }
    };
    let vm = all.iter().find(|v| v["first_shown_ip"] != "").unwrap();
    let uuid = s(&vm["uuid"]);
    assert_eq!(
        count(vec![("filter_fuzzy", uuid[..13].to_uppercase())]).await,
        1
    );
    assert_eq!(count(vec![("filter_uuid", uuid.to_string())]).await, 1);
    let ip = s(&vm["first_shown_ip"]).to_string();
    assert!(count(vec![("filter_fuzzy", ip.clone())]).await >= 1);
    assert!(count(vec![("filter_vm_ip", ip)]).await >= 1);
    let mac = s(&vm["interface"][0]["mac_address"]).to_uppercase();
    assert_eq!(count(vec![("filter_fuzzy", mac.clone())]).await, 1);
    assert_eq!(count(vec![("filter_mac_address", mac)]).await, 1);
    let db = all
        .iter()
        .filter(|v| s(&v["name"]).contains("数据库"))
        .count();
    assert_eq!(count(vec![("filter_name", "数据库".into())]).await, db);
    assert_eq!(count(vec![("filter_fuzzy", "数据库".into())]).await, db);
    let gdt = all.iter().filter(|v| v["type"] == "GDT").count();
    assert_eq!(count(vec![("filter_host_type", "GDT".into())]).await, gdt);
    for (param, field, value) in [
        ("filter_agent", "ga_state", "connected"),
        ("filter_action", "action", "noaction"),
        ("filter_state", "state", "shutoff"),
        ("filter_zone", "zone", s(&vm["zone"])),
        (
            "filter_object_group",
            "object_group",
            s(&vm["object_group"]),
        ),
        ("tenant", "tenant", s(&vm["tenant"])),
    ] {
        let n = all.iter().filter(|v| v[field] == value).count();
        assert_eq!(count(vec![(param, value.to_string())]).await, n, "{param}");
    }
    assert_eq!(count(vec![("filter_fuzzy", "no-such-vm".into())]).await, 0);
}

#[tokio::test]
async fn power_operations_follow_the_documented_preconditions() {
    let (_server, api) = start(at(5.0)).await;
    let (healthy, _) = api.clusters().await;
    let c = s(&healthy[0]["uuid"]).to_string();
    let vms = api.vms(&c).await;
    let body = |vm: &Value| json!({"cluster_uuid": c, "tenant": vm["tenant"], "compute_uuid": vm["uuid"], "compute_name": vm["name"], "owner": "", "vm_type": "GUS"});
    let off = vms.iter().find(|v| v["state"] == "shutoff").unwrap();
    let on = vms
        .iter()
        .find(|v| v["state"] == "running" && v["ga_state"] == "connected")
        .unwrap();

    refused(&api.post("/v1/compute/shutoff", body(off)).await, 22004);
    refused(&api.post("/v1/compute/start", body(on)).await, 22003);
    ok(api.post("/v1/compute/start", body(off)).await);
    let v = api.inspect(&c, s(&off["uuid"])).await;
    assert_eq!(v["state"], "running");
    assert_eq!(v["ga_state"], "pending");
    // The agent is not connected yet: graceful shutdown is refused.
    refused(&api.post("/v1/compute/shutdown", body(off)).await, 22005);
    ok(api.post("/v1/compute/shutoff", body(off)).await);
    assert_eq!(api.inspect(&c, s(&off["uuid"])).await["state"], "shutoff");

    // Graceful shutdown takes a few simulated seconds.
    ok(api.post("/v1/compute/shutdown", body(on)).await);
    let v = api.inspect(&c, s(&on["uuid"])).await;
    assert_eq!(v["state"], "shutdown");
    refused(&api.post("/v1/compute/start", body(on)).await, 22001);
    let busy = api.post("/v1/compute/shutoff", body(on)).await;
    refused(&busy, 22001);
    assert_eq!(busy["message"], "VM is busy: shutdown");
    let v = api.wait_idle(&c, s(&on["uuid"])).await;
    assert_eq!(v["state"], "shutoff");

    let summary = api
        .data("/v1/compute/state/summary", &[("cluster_uuid", &c)])
        .await;
    assert_eq!(summary["total"], vms.len());
    let now = api.vms(&c).await;
    assert_eq!(
        summary["running_count"],
        now.iter().filter(|v| v["state"] == "running").count()
    );
    assert_eq!(
        summary["shutoff_count"],
        now.iter().filter(|v| v["state"] == "shutoff").count()
    );
    refused(
        &api.post("/v1/compute/start", json!({"compute_uuid": on["uuid"]}))
            .await,
        10001,
    );
    refused(
        &api.post(
            "/v1/compute/start",
            json!({"cluster_uuid": c, "compute_uuid": 5}),
        )
        .await,
        10001,
    );
}

// ---- snapshots -----------------------------------------------------------------------------

/// Checks the invariants of a snapshot tree against the snapshot list.
fn check_tree(tree: &Value, list: &[Value], vm: &str) {
    assert_eq!(tree["UUID"], vm);
    let parents = tree["Parents"].as_object().unwrap();
    let children = tree["Children"].as_object().unwrap();
    assert_eq!(parents.len(), list.len() + 1, "every snapshot and head");
    assert!(parents.contains_key("head"));
    assert!(children.contains_key(""), "the virtual root");
    for snap in list {
        let name = s(&snap["name"]);
        let parent = s(&parents[name]);
        assert!(
            children[parent]["Children"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == name)
        );
        // A plausible world: taken after the snapshot it grows from.
        if let Some(p) = list.iter().find(|x| x["name"] == parent) {
            assert!(
                snap["ctime"].as_i64() > p["ctime"].as_i64(),
                "{vm}: {name} is not newer than its parent {parent}"
            );
        }
    }
    let head_parent = s(&parents["head"]);
    let mentions: usize = children
        .values()
        .map(|c| {
            c["Children"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| *n == "head")
                .count()
        })
        .sum();
    assert_eq!(mentions, 1);
    assert!(
        children[head_parent]["Children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "head")
    );
    assert!(!children.contains_key("head"));
}

fn child_count(tree: &Value, name: &str) -> usize {
    tree["Children"]
        .get(name)
        .and_then(|c| c["Children"].as_array())
        .map(|c| c.iter().filter(|n| *n != "head").count())
        .unwrap_or(0)
}

#[tokio::test]
async fn snapshot_trees_have_the_documented_shape() {
    let (_server, api) = start(fast()).await;
    let doc = fixture("snapshot_tree");
    let (healthy, _) = api.clusters().await;
    let (mut none, mut branched, mut middle) = (0, 0, 0);
    for cluster in &healthy {
        let c = s(&cluster["uuid"]);
        for vm in api.vms(c).await {
            let id = s(&vm["uuid"]);
            let tree = api.tree(c, id).await;
            assert_eq!(keys(&tree), keys(&doc));
            let list = api.snapshots(c, id).await;
            check_tree(&tree, &list, id);
            let inspect = api.inspect(c, id).await;
            for snap in &list {
                assert_like_doc("snapshot", snap);
                let disks = snap["disk_snapshot_list"].as_array().unwrap();
                assert_eq!(disks.len(), inspect["disks"].as_array().unwrap().len());
                assert!(disks[0].get("VolumeUuid").is_some());
            }
            let head = api
                .get(
                    "/v1/compute/vsd/snapshot/head",
                    &[("cluster_uuid", c), ("compute_uuid", id)],
                )
                .await;
            let head_parent = s(&tree["Parents"]["head"]);
            if head_parent.is_empty() {
                refused(&head, 22305);
            } else {
                assert_eq!(ok(head)["name"], head_parent);
            }
            if list.is_empty() {
                none += 1;
                assert_eq!(tree["Parents"], json!({"head": ""}));
                assert_eq!(tree["Children"], json!({"": {"Children": ["head"]}}));
            }
            if list.iter().any(|x| child_count(&tree, s(&x["name"])) > 1) {
                branched += 1;
            }
            if !list.is_empty() && child_count(&tree, head_parent) > 0 {
                middle += 1;
            }
        }
        // The first VM of each cluster has exactly `snapshots` snapshots.
        let first = &api.vms(c).await[0];
        assert_eq!(api.snapshots(c, s(&first["uuid"])).await.len(), 6);
    }
    assert!(
        none > 0 && branched > 0 && middle > 0,
        "{none} {branched} {middle}"
    );
}

#[tokio::test]
async fn snapshot_rules() {
    let (_server, api) = start(at(5.0)).await;
    let (healthy, _) = api.clusters().await;
    let c = s(&healthy[0]["uuid"]).to_string();
    let vm = api.vms(&c).await[0].clone();
    let id = s(&vm["uuid"]).to_string();
    assert_eq!(vm["state"], "running");
    let body = |extra: Value| {
        let mut b = json!({"cluster_uuid": c, "tenant": vm["tenant"], "compute_uuid": id, "compute_name": vm["name"]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let before = api.tree(&c, &id).await;
    let old_head = s(&before["Parents"]["head"]).to_string();

    // create: returns at once, appears after a few simulated seconds.
    ok(api
        .post(
            "/v1/compute/vsd/snapshot/create",
            body(json!({"name": "t1", "description": "first", "domain_memory": false})),
        )
        .await);
    assert!(
        api.snapshots(&c, &id)
            .await
            .iter()
            .all(|x| x["name"] != "t1")
    );
    assert_eq!(api.inspect(&c, &id).await["action"], "snapshotting");
    let busy = api
        .post(
            "/v1/compute/vsd/snapshot/create",
            body(json!({"name": "t2"})),
        )
        .await;
    refused(&busy, 22001);
    assert!(s(&busy["message"]).contains("snapshotting"));
    refused(
        &api.post("/v1/compute/shutoff", body(json!({}))).await,
        22001,
    );
    api.wait_idle(&c, &id).await;
    let tree = api.tree(&c, &id).await;
    assert_eq!(tree["Parents"]["head"], "t1");
    assert_eq!(tree["Parents"]["t1"], old_head.as_str());
    let t1 = api
        .data(
            "/v1/compute/vsd/snapshot/get",
            &[("cluster_uuid", &c), ("compute_uuid", &id), ("name", "t1")],
        )
        .await;
    assert_eq!(t1["description"], "first");
    assert_eq!(t1["attr"], Value::Null);
    let head = api
        .data(
            "/v1/compute/vsd/snapshot/head",
            &[("cluster_uuid", &c), ("compute_uuid", &id)],
        )
        .await;
    assert_eq!(head["name"], "t1");

    // names: unique per VM, required, `head` reserved.
    refused(
        &api.post(
            "/v1/compute/vsd/snapshot/create",
            body(json!({"name": "t1"})),
        )
        .await,
        22302,
    );
    refused(
        &api.post("/v1/compute/vsd/snapshot/create", body(json!({})))
            .await,
        10001,
    );
    refused(
        &api.post(
            "/v1/compute/vsd/snapshot/create",
            body(json!({"name": "head"})),
        )
        .await,
        10001,
    );

    // modify: description only.
    ok(api
        .post(
            "/v1/compute/vsd/snapshot/modify",
            body(json!({"name": "t1", "description": "changed"})),
        )
        .await);
    let t1 = api
        .data(
            "/v1/compute/vsd/snapshot/get",
            &[("cluster_uuid", &c), ("compute_uuid", &id), ("name", "t1")],
        )
        .await;
    assert_eq!(t1["description"], "changed");
    refused(
        &api.get(
            "/v1/compute/vsd/snapshot/get",
            &[
                ("cluster_uuid", &c),
                ("compute_uuid", &id),
                ("name", "nope"),
            ],
        )
        .await,
        22301,
    );

    // memory snapshot on the running VM.
    ok(api
        .post(
            "/v1/compute/vsd/snapshot/create",
            body(json!({"name": "m1", "domain_memory": true})),
        )
        .await);
    api.wait_idle(&c, &id).await;
    let m1 = api
        .data(
            "/v1/compute/vsd/snapshot/get",
            &[("cluster_uuid", &c), ("compute_uuid", &id), ("name", "m1")],
        )
        .await;
    assert_eq!(m1["attr"]["domain_memory"], "true");
    assert_eq!(api.tree(&c, &id).await["Parents"]["m1"], "t1");

    // memory needs a running VM.
    ok(api.post("/v1/compute/shutoff", body(json!({}))).await);
    refused(
        &api.post(
            "/v1/compute/vsd/snapshot/create",
            body(json!({"name": "m2", "domain_memory": true})),
        )
        .await,
        22004,
    );

    // rollback: memory only from a memory snapshot; moves head; ends running with memory.
    refused(
        &api.post(
            "/v1/compute/vsd/snapshot/rollback",
            body(json!({"name": "t1", "domain_memory": true})),
        )
        .await,
        22304,
    );
    ok(api
        .post(
            "/v1/compute/vsd/snapshot/rollback",
            body(json!({"name": "t1", "domain_memory": false})),
        )
        .await);
    assert_eq!(api.inspect(&c, &id).await["action"], "rollbacking");
    let v = api.wait_idle(&c, &id).await;
    assert_eq!(v["state"], "shutoff");
    assert_eq!(api.tree(&c, &id).await["Parents"]["head"], "t1");
    ok(api
        .post(
            "/v1/compute/vsd/snapshot/rollback",
            body(json!({"name": "m1", "domain_memory": true})),
        )
        .await);
    let v = api.wait_idle(&c, &id).await;
    assert_eq!(v["state"], "running");
    assert_eq!(api.tree(&c, &id).await["Parents"]["head"], "m1");

    // delete: refused with more than one child (head does not count).
    let tree = api.tree(&c, &id).await;
    let names: Vec<String> = tree["Parents"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "head")
        .cloned()
        .collect();
    let forked = names
        .iter()
        .find(|n| child_count(&tree, n) > 1)
        .expect("the first VM has a fork");
    let v = api
        .post(
            "/v1/compute/vsd/snapshot/delete",
            body(json!({"name": forked})),
        )
        .await;
    refused(&v, 22303);
    // t1 has one child (m1) and head is on m1: deletable; m1 moves up.
    assert_eq!(child_count(&tree, "t1"), 1);
    ok(api
        .post(
            "/v1/compute/vsd/snapshot/delete",
            body(json!({"name": "t1"})),
        )
        .await);
    assert_eq!(api.inspect(&c, &id).await["action"], "snapshot_deleting");
    assert!(
        api.snapshots(&c, &id)
            .await
            .iter()
            .any(|x| x["name"] == "t1")
    );
    api.wait_idle(&c, &id).await;
    let after = api.tree(&c, &id).await;
    assert!(after["Parents"].get("t1").is_none());
    assert_eq!(after["Parents"]["m1"], old_head.as_str());
    assert_eq!(after["Parents"]["head"], "m1");
    check_tree(&after, &api.snapshots(&c, &id).await, &id);
    // Deleting the snapshot head sits on moves head to its parent.
    ok(api
        .post(
            "/v1/compute/vsd/snapshot/delete",
            body(json!({"name": "m1"})),
        )
        .await);
    api.wait_idle(&c, &id).await;
    assert_eq!(
        api.tree(&c, &id).await["Parents"]["head"],
        old_head.as_str()
    );

    // volume rollback: needs the VM shut off; one result per disk, echoing the item.
    let target = &api.snapshots(&c, &id).await[0];
    let disks = target["disk_snapshot_list"].as_array().unwrap().clone();
    let mut items = disks.clone();
    items.push(json!({"VolumeUuid": "00000000-0000-4000-8000-000000000000", "SnapshotUuid": "x", "DiskDrive": "sdz"}));
    refused(
        &api.post(
            "/v1/compute/volume/snapshot/rollback",
            body(json!({"disk_snapshot_list": items})),
        )
        .await,
        22003,
    );
    ok(api.post("/v1/compute/shutoff", body(json!({}))).await);
    let batch = ok(api
        .post(
            "/v1/compute/volume/snapshot/rollback",
            body(json!({"disk_snapshot_list": items})),
        )
        .await);
    assert_eq!(batch["success"], disks.len());
    assert_eq!(batch["fail"], 1);
    let results = batch["results"].as_array().unwrap();
    assert_eq!(results.len(), disks.len() + 1);
    assert_eq!(results[0]["scode"], 0);
    assert_eq!(results[0]["data"], disks[0]);
    assert_eq!(results[disks.len()]["scode"], 22306);
    assert_eq!(results[disks.len()]["data"], items[disks.len()]);
    refused(
        &api.post(
            "/v1/compute/volume/snapshot/rollback",
            body(json!({"disk_snapshot_list": []})),
        )
        .await,
        10001,
    );
}

// ---- backups -------------------------------------------------------------------------------

#[tokio::test]
async fn backup_list_filters_and_fan_out() {
    let (_server, api) = start(fast()).await;
    let (healthy, failing) = api.clusters().await;
    let all = api.data("/v1/compute/backup/list", &[]).await;
    assert_eq!(all["total_count"], 400);
    let list = all["list"].as_array().unwrap();
    assert_like_doc("backup", &list[0]);
    assert!(list.iter().any(|b| b["status"] == 2));
    assert!(list.iter().all(|b| b["status"] != 1));
    assert!(
        list.iter()
            .all(|b| !b["disks"].as_array().unwrap().is_empty())
    );
    let states = all["each_range_list_state"].as_array().unwrap();
    assert_eq!(states.len(), 4);
    let bad = states
        .iter()
        .find(|s| s["cluster_uuid"] == failing["uuid"])
        .unwrap();
    assert_ne!(bad["result"]["scode"], 0);
    // newest first within each cluster, spread over months
    for cl in &healthy {
        let times: Vec<i64> = list
            .iter()
            .filter(|b| b["cluster_uuid"] == cl["uuid"])
            .map(|b| b["create_time"].as_i64().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]));
    }
    let times: Vec<i64> = list
        .iter()
        .map(|b| b["create_time"].as_i64().unwrap())
        .collect();
    let span = times.iter().max().unwrap() - times.iter().min().unwrap();
    assert!(span > 60 * 86_400, "spread over months");

    let c = s(&healthy[0]["uuid"]);
    let count = |q: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let mut q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
            q.push(("cluster_uuid", c));
            api.data("/v1/compute/backup/list", &q).await["total_count"]
                .as_u64()
                .unwrap() as usize
        }
    };
    let mine: Vec<&Value> = list.iter().filter(|b| b["cluster_uuid"] == c).collect();
    assert_eq!(count(vec![]).await, mine.len());
    let b0 = mine[mine.len() / 2];
    let n_vm = mine
        .iter()
        .filter(|b| b["compute_uuid"] == b0["compute_uuid"])
        .count();
    assert_eq!(
        count(vec![("filter_vm_uuid", s(&b0["compute_uuid"]).into())]).await,
        n_vm
    );
    let n_bp = mine
        .iter()
        .filter(|b| b["backup_point_uuid"] == b0["backup_point_uuid"])
        .count();
    assert_eq!(
        count(vec![(
            "filter_backup_point_uuid",
            s(&b0["backup_point_uuid"]).into()
        )])
        .await,
        n_bp
    );
    let n_full = mine
        .iter()
        .filter(|b| s(&b["name"]).contains("full-"))
        .count();
    assert_eq!(
        count(vec![("filter_backup_name", "full-".into())]).await,
        n_full
    );
    let n_cdp = mine
        .iter()
        .filter(|b| s(&b["description"]).contains("CDP"))
        .count();
    assert_eq!(
        count(vec![("filter_backup_description", "CDP".into())]).await,
        n_cdp
    );
    let t = b0["create_time"].as_i64().unwrap();
    let n_after = mine
        .iter()
        .filter(|b| b["create_time"].as_i64().unwrap() >= t)
        .count();
    let n_before = mine
        .iter()
        .filter(|b| b["create_time"].as_i64().unwrap() <= t)
        .count();
    assert_eq!(
        count(vec![
            ("start_time", t.to_string()),
            ("end_time", "0".into())
        ])
        .await,
        n_after
    );
    assert_eq!(
        count(vec![
            ("start_time", "0".into()),
            ("end_time", t.to_string())
        ])
        .await,
        n_before
    );
    let tenant = s(&b0["tenant"]);
    let n_tenant = mine.iter().filter(|b| b["tenant"] == tenant).count();
    assert_eq!(count(vec![("tenant", tenant.into())]).await, n_tenant);

    let one = api
        .data(
            "/v1/compute/backup/inspect",
            &[("backup_uuid", s(&b0["uuid"]))],
        )
        .await;
    assert_eq!(&one, b0);
    refused(
        &api.get(
            "/v1/compute/backup/inspect",
            &[("backup_uuid", "00000000-0000-4000-8000-000000000000")],
        )
        .await,
        22401,
    );
    refused(
        &api.get("/v1/compute/backup/list", &[("start_time", "soon")])
            .await,
        10001,
    );
}

#[tokio::test]
async fn backup_create_runs_in_simulated_time() {
    let (_server, api) = start(at(10.0)).await;
    let (healthy, _) = api.clusters().await;
    let c = s(&healthy[0]["uuid"]).to_string();
    let vms = api.vms(&c).await;
    // The smallest VM, so the copy is quick.
    let vm = vms
        .iter()
        .skip(1)
        .min_by_key(|v| v["statistic"]["disk"]["total"].as_u64().unwrap())
        .unwrap()
        .clone();
    let bps = api
        .data(
            "/v1/volume/internal/backuppoint/list",
            &[("cluster_uuid", &c)],
        )
        .await["list"]
        .as_array()
        .unwrap()
        .clone();
    let good = bps.iter().find(|b| b["Bpstate"] == "healthy").unwrap();
    let bad = bps.iter().find(|b| b["Bpstate"] != "healthy").unwrap();
    let body = |bp: &Value, name: &str| json!({"cluster_uuid": c, "tenant": vm["tenant"], "compute_uuid": vm["uuid"], "backup_point_uuid": bp["UUID"], "backup_name": name, "description": "test", "full_backup": true});

    let created = ok(api
        .post("/v1/compute/backup/create", body(good, "api-full"))
        .await);
    let uuid = s(&created["backup_uuid"]).to_string();
    let inspect = || {
        let api = &api;
        let c = c.clone();
        let uuid = uuid.clone();
        async move {
            api.data(
                "/v1/compute/backup/inspect",
                &[("cluster_uuid", &c), ("backup_uuid", &uuid)],
            )
            .await
        }
    };
    let b = inspect().await;
    assert_eq!(b["status"], 1);
    assert_eq!(b["name"], "api-full");
    assert_eq!(b["compute_uuid"], vm["uuid"]);
    assert_eq!(
        api.inspect(&c, s(&vm["uuid"])).await["action"],
        "backing_up"
    );
    let listed = api
        .data(
            "/v1/compute/backup/list",
            &[("cluster_uuid", &c), ("page_size", "1")],
        )
        .await;
    assert_eq!(listed["list"][0]["uuid"], uuid.as_str());
    // busy VM
    refused(
        &api.post("/v1/compute/backup/create", body(good, "again"))
            .await,
        22001,
    );
    // in progress: cannot delete
    refused(
        &api.post(
            "/v1/compute/backup/delete",
            json!({"cluster_uuid": c, "backup_uuid": uuid}),
        )
        .await,
        22405,
    );
    let done = poll(
        || async {
            let b = inspect().await;
            (b["status"] != 1).then_some(b)
        },
        "backup to finish",
    )
    .await;
    assert_eq!(done["status"], 0);
    assert_eq!(api.inspect(&c, s(&vm["uuid"])).await["action"], "noaction");

    // To the unhealthy backup point: fails.
    let failed = ok(api
        .post("/v1/compute/backup/create", body(bad, "api-bad"))
        .await);
    let failed_uuid = s(&failed["backup_uuid"]).to_string();
    let end = poll(
        || async {
            let b = api
                .data(
                    "/v1/compute/backup/inspect",
                    &[("backup_uuid", &failed_uuid)],
                )
                .await;
            (b["status"] != 1).then_some(b)
        },
        "backup to fail",
    )
    .await;
    assert_eq!(end["status"], 2);

    // delete
    ok(api
        .post(
            "/v1/compute/backup/delete",
            json!({"cluster_uuid": c, "backup_uuid": failed_uuid, "backup_name": "api-bad"}),
        )
        .await);
    refused(
        &api.get(
            "/v1/compute/backup/inspect",
            &[("backup_uuid", &failed_uuid)],
        )
        .await,
        22401,
    );
    refused(
        &api.post(
            "/v1/compute/backup/create",
            json!({"cluster_uuid": c, "compute_uuid": vm["uuid"]}),
        )
        .await,
        10001,
    );
}

#[tokio::test]
async fn restore_creates_a_new_vm_that_restores_with_progress() {
    let (_server, api) = start(at(10.0)).await;
    let (healthy, _) = api.clusters().await;
    let c = s(&healthy[1]["uuid"]).to_string();
    let backups = api
        .data("/v1/compute/backup/list", &[("cluster_uuid", &c)])
        .await["list"]
        .as_array()
        .unwrap()
        .clone();
    let backup = backups
        .iter()
        .filter(|b| b["status"] == 0)
        .min_by_key(|b| {
            b["disks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["capacity"].as_u64().unwrap())
                .sum::<u64>()
        })
        .unwrap()
        .clone();
    let groups = api
        .data(
            "/v1/compute/group/tree",
            &[("cluster_uuid", &c), ("tenant", s(&backup["tenant"]))],
        )
        .await;
    let group = s(&groups["list"][0]["Children"][0]["UUID"]).to_string();
    let zone =
        s(&api.data("/v1/zone/list", &[("cluster_uuid", &c)]).await["list"][0]["UUID"]).to_string();
    let pools = api
        .data("/v1/pool/internal/list", &[("cluster_uuid", &c)])
        .await;
    let pool = pools["List"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["attr"].is_null())
        .unwrap()["uuid"]
        .clone();
    let disks: Vec<Value> = backup["disks"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"target_device": d["target_device"], "pool_uuid": pool, "volume_name": format!("restore-{i}"), "usd_type": "HDD"}))
        .collect();
    let full = json!({
        "cluster_uuid": c, "tenant": "", "backup_uuid": backup["uuid"], "backup_name": backup["name"],
        "compute_uuid": backup["compute_uuid"], "compute_name": "", "object_group": group,
        "new_vm_name": "restored-vm", "zone_uuid": zone, "restore_disks": disks,
    });
    for field in [
        "backup_uuid",
        "new_vm_name",
        "restore_disks",
        "object_group",
        "zone_uuid",
    ] {
        let mut b = full.clone();
        b.as_object_mut().unwrap().remove(field);
        let v = api.post("/v1/compute/backup/restore", b).await;
        refused(&v, 10001);
        assert!(s(&v["message"]).contains(field), "{v}");
    }
    let mut b = full.clone();
    b["restore_disks"][0]["usd_type"] = json!("");
    refused(&api.post("/v1/compute/backup/restore", b).await, 10001);
    let mut b = full.clone();
    b["restore_disks"][0]["target_device"] = json!("sdz");
    refused(&api.post("/v1/compute/backup/restore", b).await, 22406);

    let before = api.vms(&c).await.len();
    assert_eq!(
        ok(api.post("/v1/compute/backup/restore", full.clone()).await),
        json!({})
    );
    let found = api
        .data(
            "/v1/compute/list",
            &[("cluster_uuid", &c), ("filter_name", "restored-vm")],
        )
        .await;
    assert_eq!(found["total_count"], 1);
    let vm = found["domains"][0].clone();
    assert_eq!(vm["action"], "restoring");
    assert_eq!(vm["state"], "shutoff");
    assert_ne!(vm["uuid"], backup["compute_uuid"]);
    assert_eq!(api.vms(&c).await.len(), before + 1);
    let restoring = api
        .data(
            "/v1/compute/list",
            &[("cluster_uuid", &c), ("filter_action", "restoring")],
        )
        .await;
    assert_eq!(restoring["total_count"], 1);
    // Same name again: refused.
    refused(&api.post("/v1/compute/backup/restore", full).await, 22007);

    let id = json!({"cluster_uuid": c, "tenant": vm["tenant"], "compute_uuid": vm["uuid"], "compute_name": vm["name"]});
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let last = loop {
        let v = api
            .post("/v1/compute/backup/restore/progress", id.clone())
            .await;
        if v["scode"] != 0 {
            break v;
        }
        seen.push(v["data"]["progress"].as_i64().unwrap());
        assert!(Instant::now() < deadline, "restore never finishes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    refused(&last, 22006);
    assert!(!seen.is_empty());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.iter().all(|p| (0..=100).contains(p)));
    let done = api.inspect(&c, s(&vm["uuid"])).await;
    assert_eq!(done["action"], "noaction");
    assert_eq!(done["disks"].as_array().unwrap().len(), disks.len());
    assert_eq!(
        done["disks"][0]["disk_vsd_source"]["volume_name"],
        "restore-0"
    );
    // Not restoring (any more): an error.
    refused(
        &api.post(
            "/v1/compute/backup/restore/progress",
            json!({"cluster_uuid": c, "compute_uuid": api.vms(&c).await[5]["uuid"]}),
        )
        .await,
        22006,
    );
}

#[tokio::test]
async fn remote_backups_list_and_import() {
    let (_server, api) = start(fast()).await;
    let (healthy, _) = api.clusters().await;
    let c = s(&healthy[0]["uuid"]).to_string();
    let bps = api
        .data(
            "/v1/volume/internal/backuppoint/list",
            &[("cluster_uuid", &c)],
        )
        .await["list"]
        .as_array()
        .unwrap()
        .clone();
    let bp = s(&bps[0]["UUID"]).to_string();
    let remote = api
        .data(
            "/v1/compute/backup/remote/list",
            &[("cluster_uuid", &c), ("backuppoint_uuid", &bp)],
        )
        .await;
    let backups = remote["backups"].as_array().unwrap();
    assert_eq!(
        remote["total_count"].as_u64().unwrap() as usize,
        backups.len()
    );
    for b in backups {
        for k in [
            "UUID",
            "NsUUID",
            "VmUUID",
            "BpUUID",
            "Name",
            "Desc",
            "Ctime",
            "DiskBackups",
            "Status",
            "Filename",
            "ExpiredTime",
            "cluster_uuid",
            "cluster_name",
            "cluster_mode",
        ] {
            assert!(b.get(k).is_some(), "{k} missing: {b}");
        }
        assert_eq!(b["BpUUID"], bp.as_str());
        let disk = b["DiskBackups"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        for k in ["BackupUUID", "Capacity", "Replica", "VolSnapUUID", "share"] {
            assert!(disk.get(k).is_some());
        }
    }
    let foreign: Vec<&Value> = backups
        .iter()
        .filter(|b| b["cluster_uuid"] != c.as_str())
        .collect();
    assert!(
        !foreign.is_empty(),
        "other clusters' backups are on the point"
    );
    assert!(backups.iter().any(|b| b["cluster_uuid"] == c.as_str()));
    for f in &foreign {
        assert!(remote["vm_infos"][s(&f["VmUUID"])]["Name"].is_string());
        refused(
            &api.get(
                "/v1/compute/backup/inspect",
                &[("cluster_uuid", &c), ("backup_uuid", s(&f["UUID"]))],
            )
            .await,
            22401,
        );
    }
    let paged = api
        .data(
            "/v1/compute/backup/remote/list",
            &[
                ("cluster_uuid", &c),
                ("backuppoint_uuid", &bp),
                ("page_number", "1"),
                ("page_size", "2"),
            ],
        )
        .await;
    assert_eq!(paged["backups"].as_array().unwrap().len(), 2);
    assert_eq!(paged["backups"][0], backups[2]);
    // The parameter is `backuppoint_uuid` (sic).
    refused(
        &api.get(
            "/v1/compute/backup/remote/list",
            &[("cluster_uuid", &c), ("backup_point_uuid", &bp)],
        )
        .await,
        10001,
    );

    let pick = (*foreign[0]).clone();
    let imported = ok(api
        .post(
            "/v1/compute/backup/remote/import",
            json!({"cluster_uuid": c, "backup": [pick]}),
        )
        .await);
    assert_eq!(imported["backups"][0]["UUID"], pick["UUID"]);
    assert_eq!(imported["backups"][0]["cluster_uuid"], c.as_str());
    let now = api
        .data(
            "/v1/compute/backup/inspect",
            &[("cluster_uuid", &c), ("backup_uuid", s(&pick["UUID"]))],
        )
        .await;
    assert_eq!(now["name"], pick["Name"]);
    assert_eq!(now["status"], 0);
    let total_before = api
        .data("/v1/compute/backup/list", &[("cluster_uuid", &c)])
        .await["total_count"]
        .as_u64()
        .unwrap();
    refused(
        &api.post(
            "/v1/compute/backup/remote/import",
            json!({"cluster_uuid": c, "backup": [pick]}),
        )
        .await,
        22403,
    );
    let mut bogus = pick.clone();
    bogus["UUID"] = json!("00000000-0000-4000-8000-000000000000");
    refused(
        &api.post(
            "/v1/compute/backup/remote/import",
            json!({"cluster_uuid": c, "backup": [bogus]}),
        )
        .await,
        22404,
    );
    refused(
        &api.post(
            "/v1/compute/backup/remote/import",
            json!({"cluster_uuid": c, "backup": []}),
        )
        .await,
        10001,
    );
    assert_eq!(
        api.data("/v1/compute/backup/list", &[("cluster_uuid", &c)])
            .await["total_count"],
        total_before
    );
}

// ---- faults, determinism, scale, garbage ---------------------------------------------------

#[tokio::test]
async fn a_lost_answer_still_performs_the_mutation() {
    let (server, api) = start(fast()).await;
    let (healthy, _) = api.clusters().await;
    let c = s(&healthy[0]["uuid"]).to_string();
    let vm = api
        .vms(&c)
        .await
        .into_iter()
        .find(|v| v["state"] == "shutoff")
        .unwrap();
    server
        .faults()
        .inject("/v1/compute/start", vmdeck::sim::Fault::LoseAnswer, Some(1));
    let r = api
        .http
        .post(format!("{}/v1/compute/start", api.base))
        .header("Authorization", format!("Bearer {}", api.token))
        .body(json!({"cluster_uuid": c, "compute_uuid": vm["uuid"]}).to_string())
        .send()
        .await;
    let lost = match r {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(lost, "the answer should be lost");
    assert_eq!(api.inspect(&c, s(&vm["uuid"])).await["state"], "running");
}

async fn snapshot_of_the_world(api: &Api) -> Value {
    let mut out = json!({});
    out["vms"] = api.data("/v1/compute/list", &[]).await;
    out["backups"] = api.data("/v1/compute/backup/list", &[]).await;
    out["groups"] = api.data("/v1/compute/group/tree", &[]).await;
    out["pools"] = api.data("/v1/pool/internal/list", &[]).await;
    out["clusters"] = api.data("/v1/user/cluster/allow/list", &[]).await;
    let (healthy, _) = api.clusters().await;
    let mut trees = Vec::new();
    for cl in &healthy {
        let c = s(&cl["uuid"]);
        for vm in api.vms(c).await.iter().take(4) {
            trees.push(api.tree(c, s(&vm["uuid"])).await);
            trees.push(json!(api.snapshots(c, s(&vm["uuid"])).await));
            trees.push(api.inspect(c, s(&vm["uuid"])).await);
        }
        let bp = &api
            .data(
                "/v1/volume/internal/backuppoint/list",
                &[("cluster_uuid", c)],
            )
            .await["list"][0]["UUID"];
        trees.push(
            api.data(
                "/v1/compute/backup/remote/list",
                &[("cluster_uuid", c), ("backuppoint_uuid", s(bp))],
            )
            .await,
        );
    }
    out["details"] = json!(trees);
    out
}

#[tokio::test]
async fn same_seed_same_json() {
    let (_a, api_a) = start(fast()).await;
    let (_b, api_b) = start(fast()).await;
    let a = snapshot_of_the_world(&api_a).await;
    let b = snapshot_of_the_world(&api_b).await;
    assert!(a == b, "two simulators with the same seed differ");
    let (_c, api_c) = start(SimConfig {
        seed: 4242,
        ..fast()
    })
    .await;
    let c = snapshot_of_the_world(&api_c).await;
    assert!(a != c);
}

#[tokio::test]
async fn a_big_world_starts_and_pages() {
    let t0 = Instant::now();
    let (_server, api) = start(SimConfig {
        vms: Some(10_000),
        backups: Some(100_000),
        snapshots: Some(1_000),
        time_scale: 50.0,
        ..Default::default()
    })
    .await;
    let started = t0.elapsed();
    // Speed is measured in benches/; here only that a big world is built and served right.
    eprintln!("big world: started in {started:?}");

    let t = Instant::now();
    let vms = api
        .data(
            "/v1/compute/list",
            &[("page_num", "3"), ("page_size", "50")],
        )
        .await;
    assert_eq!(vms["total_count"], 10_000);
    assert_eq!(vms["domains"].as_array().unwrap().len(), 50);
    let backups = api
        .data(
            "/v1/compute/backup/list",
            &[
                ("page_num", "10"),
                ("page_size", "50"),
                ("filter_backup_name", "full-"),
            ],
        )
        .await;
    assert!(backups["total_count"].as_u64().unwrap() > 10_000);
    let all_backups = api
        .data("/v1/compute/backup/list", &[("page_size", "100")])
        .await;
    assert_eq!(all_backups["total_count"], 100_000);
    let fuzzy = api
        .data(
            "/v1/compute/list",
            &[("filter_fuzzy", "数据库"), ("page_size", "20")],
        )
        .await;
    assert!(fuzzy["total_count"].as_u64().unwrap() > 0);
    let pages = t.elapsed();
    eprintln!("big world: 4 list pages in {pages:?}");

    let (healthy, _) = api.clusters().await;
    for cl in &healthy {
        let c = s(&cl["uuid"]);
        let first = &api
            .data(
                "/v1/compute/list",
                &[("cluster_uuid", c), ("page_size", "2")],
            )
            .await["domains"][0];
        let id = s(&first["uuid"]);
        let page = api
            .data(
                "/v1/compute/vsd/snapshot/list",
                &[
                    ("cluster_uuid", c),
                    ("compute_uuid", id),
                    ("page_size", "10"),
                ],
            )
            .await;
        assert_eq!(page["total_count"], 1_000);
        let tree = api.tree(c, id).await;
        assert_eq!(tree["Parents"].as_object().unwrap().len(), 1_001);
    }
}

/// Random query strings and bodies: never a 5xx, always an envelope (or a 404).
#[test]
fn garbage_never_breaks_the_server() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (server, api) = rt.block_on(start(fast()));
    let gets = [
        "/v1/compute/list",
        "/v1/compute/inspect",
        "/v1/compute/state/summary",
        "/v1/compute/backup/list",
        "/v1/compute/backup/inspect",
        "/v1/compute/backup/remote/list",
        "/v1/compute/vsd/snapshot/list",
        "/v1/compute/vsd/snapshot/tree",
        "/v1/compute/vsd/snapshot/head",
        "/v1/compute/vsd/snapshot/get",
        "/v1/cluster/list",
        "/v1/cluster/get",
        "/v1/user/cluster/allow/list",
        "/v1/zone/list",
        "/v1/tenant/list",
        "/v1/pool/internal/list",
        "/v1/compute/group/tree",
        "/v1/volume/internal/backuppoint/list",
    ];
    let posts = [
        "/v1/authentication/login",
        "/v1/compute/start",
        "/v1/compute/shutoff",
        "/v1/compute/shutdown",
        "/v1/compute/backup/restore/progress",
        "/v1/compute/vsd/snapshot/create",
        "/v1/compute/vsd/snapshot/modify",
        "/v1/compute/vsd/snapshot/rollback",
        "/v1/compute/vsd/snapshot/delete",
        "/v1/compute/volume/snapshot/rollback",
        "/v1/compute/backup/create",
        "/v1/compute/backup/delete",
        "/v1/compute/backup/restore",
        "/v1/compute/backup/remote/import",
    ];
    let (cluster, vm) = rt.block_on(async {
        let (healthy, _) = api.clusters().await;
        let c = s(&healthy[0]["uuid"]).to_string();
        let vm = s(&api.vms(&c).await[0]["uuid"]).to_string();
        (c, vm)
    });
    let param_names = prop::sample::select(vec![
        "cluster_uuid",
        "compute_uuid",
        "tenant",
        "page_num",
        "page_number",
        "page_size",
        "filter_name",
        "filter_fuzzy",
        "filter_state",
        "start_time",
        "end_time",
        "backup_uuid",
        "backuppoint_uuid",
        "name",
        "system",
        "include_trash_vm",
        "filter_recover_to_related_zones",
        "filter_no_external_storage",
    ]);
    let values = prop_oneof![
        Just(cluster.clone()),
        Just(vm.clone()),
        Just("99999999999999999999999".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("9223372036854775807".to_string()),
        "[0-9]{1,4}",
        "\\PC{0,12}",
        "[%&=+#;?]{0,6}",
    ];
    let query = prop::collection::vec((param_names, values), 0..6);
    // One runner per phase: a runner counts its cases across runs, so a shared one would
    // leave the second phase with nothing to do.
    let runner = || {
        TestRunner::new(Config {
            cases: std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(256),
            failure_persistence: None,
            ..Config::default()
        })
    };
    let gets_run = std::cell::Cell::new(0u32);
    runner()
        .run(&(0..gets.len(), query), |(g, pairs)| {
            gets_run.set(gets_run.get() + 1);
            let raw: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let url = format!("{}{}?{}", api.base, gets[g], raw.join("&"));
            let (status, v) = rt.block_on(api.send_get(&url, Some(&api.token)));
            prop_assert!(status == 200 || status == 404, "{url}: {status}");
            if status == 200 {
                prop_assert!(v["scode"].is_i64(), "{url}: {v}");
            }
            Ok(())
        })
        .unwrap();

    let json_values = prop_oneof![
        Just(json!(null)),
        Just(json!(true)),
        Just(json!(1e300)),
        Just(json!(-1)),
        Just(json!("x")),
        Just(json!([])),
        Just(json!({})),
        Just(json!([{"UUID": 5}])),
        Just(json!(cluster.clone())),
        Just(json!(vm.clone())),
    ];
    let fields = prop::sample::select(vec![
        "cluster_uuid",
        "compute_uuid",
        "tenant",
        "name",
        "domain_memory",
        "description",
        "backup_uuid",
        "backup_point_uuid",
        "backup_name",
        "new_vm_name",
        "restore_disks",
        "disk_snapshot_list",
        "backup",
        "object_group",
        "zone_uuid",
        "password",
        "user",
        "multiple",
    ]);
    let body = prop_oneof![
        prop::collection::btree_map(fields, json_values, 0..6)
            .prop_map(|m| serde_json::to_string(&m).unwrap()),
        "\\PC{0,40}",
    ];
    let posts_run = std::cell::Cell::new(0u32);
    runner()
        .run(&(0..posts.len(), body), |(p, body)| {
            posts_run.set(posts_run.get() + 1);
            let (status, v) = rt.block_on(api.send_post(posts[p], body.clone(), Some(&api.token)));
            prop_assert_eq!(status, 200, "{} {}", posts[p], body);
            prop_assert!(v["scode"].is_i64(), "{} {}: {}", posts[p], body, v);
            Ok(())
        })
        .unwrap();
    assert!(gets_run.get() > 0 && posts_run.get() > 0, "both phases ran");
    drop(server);
}
