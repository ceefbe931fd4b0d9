//! The ZStack `/zstack/v1` dialect of the simulator, over real sockets, checked against
//! `specs/zstack/ENDPOINTS.md`, the SDK route table and the disaster-recovery manual
//! (`seeds/004_*`, examples under `tests/fixtures/zstack/manual/`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use vmdeck::sim::{DEFAULT_PASSWORD, SimConfig, SimServer};

// ---- harness -------------------------------------------------------------------------------

fn sha512_hex(s: &str) -> String {
    Sha512::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn fast() -> SimConfig {
    SimConfig {
        time_scale: 50.0,
        ..Default::default()
    }
}

/// Backups move hundreds of GiB: a quicker clock keeps those tests short.
fn quick() -> SimConfig {
    SimConfig {
        time_scale: 400.0,
        ..Default::default()
    }
}

struct Reply {
    status: u16,
    text: String,
    content_type: Option<String>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
}

struct Zs {
    root: String,
    base: String,
    http: reqwest::Client,
    session: String,
}

async fn start(config: SimConfig) -> (SimServer, Zs) {
    let server = SimServer::start("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let mut zs = Zs {
        root: server.base_url(),
        base: format!("{}/zstack/v1", server.base_url()),
        http: reqwest::Client::new(),
        session: String::new(),
    };
    zs.session = zs.login(DEFAULT_PASSWORD).await;
    (server, zs)
}

/// The uuid at the end of an api-job `location`.
fn job_id(location: &str) -> String {
    location.rsplit('/').next().unwrap_or_default().to_string()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

impl Zs {
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        headers: &[(&str, String)],
    ) -> Reply {
        let url = format!("{}{}", self.base, path);
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(m, &url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default().to_string());
        let text = resp.text().await.unwrap();
        Reply {
            status,
            text,
            content_type,
        }
    }

    fn auth(&self) -> Vec<(&'static str, String)> {
        vec![("Authorization", format!("OAuth {}", self.session))]
    }

    async fn login_reply(&self, body: Value) -> Reply {
        self.send("PUT", "/accounts/login", Some(body.to_string()), &[])
            .await
    }

    async fn login(&self, password: &str) -> String {
        let r = self
            .login_reply(json!({"logInByAccount": {"accountName": "admin", "password": sha512_hex(password)}}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        s(&r.json()["inventory"]["uuid"]).to_string()
    }

    async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, &self.auth()).await
    }

    /// A query's inventories (HTTP 200 expected).
    async fn list(&self, path: &str) -> Vec<Value> {
        let r = self.get(path).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        r.json()["inventories"]
            .as_array()
            .unwrap_or_else(|| panic!("GET {path}: no inventories: {}", r.text))
            .clone()
    }

    async fn one(&self, resource: &str, uuid: &str) -> Value {
        let l = self.list(&format!("{resource}/{uuid}")).await;
        assert_eq!(l.len(), 1, "{resource}/{uuid}: {l:?}");
        l[0].clone()
    }

    /// Submits an async API: 202 and the job id from `location`.
    async fn submit(&self, method: &str, path: &str, body: Option<Value>) -> String {
        let r = self
            .send(method, path, body.map(|b| b.to_string()), &self.auth())
            .await;
        assert_eq!(r.status, 202, "{method} {path}: {}", r.text);
        job_id(s(&r.json()["location"]))
    }

    async fn poll(&self, id: &str) -> Reply {
        self.send("GET", &format!("/api-jobs/{id}"), None, &[])
            .await
    }

    /// Polls a job until it is no longer 202.
    async fn wait(&self, id: &str) -> Reply {
        let t = Instant::now();
        loop {
            let r = self.poll(id).await;
            if r.status != 202 {
                return r;
            }
            assert!(r.text.is_empty(), "a running job answers an empty body");
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "job {id} never ended"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Submits and waits: the result (`{}` for an empty body) or the error object.
    async fn run(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let id = self.submit(method, path, body).await;
        let r = self.wait(&id).await;
        match r.status {
            200 if r.text.is_empty() => Ok(json!({})),
            200 => Ok(r.json()),
            503 => Err(r.json()["error"].clone()),
            other => panic!("job {id} of {method} {path}: HTTP {other} {}", r.text),
        }
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.run(method, path, body.clone())
            .await
            .unwrap_or_else(|e| panic!("{method} {path} {body:?} failed: {e}"))
    }

    async fn refused(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.run(method, path, body).await {
            Err(e) => e,
            Ok(v) => panic!("{method} {path} succeeded: {v}"),
        }
    }

    async fn vm(&self, uuid: &str) -> Value {
        self.one("/vm-instances", uuid).await
    }

    /// VMs in a state, in the platform's natural order.
    async fn vms_in(&self, state: &str) -> Vec<Value> {
        self.list(&format!("/vm-instances?q=state={state}")).await
    }

    async fn stop(&self, vm: &str) {
        let r = self
            .ok(
                "PUT",
                &format!("/vm-instances/{vm}/actions"),
                Some(json!({"stopVmInstance": {"type": "cold"}})),
            )
            .await;
        assert_eq!(r["inventory"]["state"], "Stopped");
    }

    async fn snapshots_of(&self, volume: &str) -> Vec<Value> {
        self.list(&format!("/volume-snapshots?q=volumeUuid={volume}"))
            .await
    }

    async fn trees_of(&self, volume: &str) -> Vec<Value> {
        self.list(&format!("/volume-snapshots/trees?q=volumeUuid={volume}"))
            .await
    }

    async fn backup_storages(&self) -> BTreeMap<String, Value> {
        self.list("/backup-storage")
            .await
            .into_iter()
            .map(|b| (s(&b["name"]).to_string(), b))
            .collect()
    }
}

fn error_code(e: &Value) -> &str {
    s(&e["code"])
}

/// Every key of `doc` (recursively, first element of lists) appears in `ours`, with the
/// same JSON kind (numbers are numbers, whether the manual prints `1.0E9` or not).
fn assert_like(name: &str, doc: &Value, ours: &Value) {
    fn walk(doc: &Value, ours: &Value, path: &str, problems: &mut Vec<String>) {
        match (doc, ours) {
            (Value::Object(d), Value::Object(o)) => {
                for (k, dv) in d {
                    match o.get(k) {
                        None => problems.push(format!("{path}.{k} missing")),
                        Some(ov) => walk(dv, ov, &format!("{path}.{k}"), problems),
                    }
                }
            }
            (Value::Array(d), Value::Array(o)) => {
                if let (Some(d0), Some(o0)) = (d.first(), o.first()) {
                    walk(d0, o0, &format!("{path}[0]"), problems);
                } else if !d.is_empty() {
                    problems.push(format!("{path} is empty"));
                }
            }
            (d, o) => {
                let kind = |v: &Value| match v {
                    Value::Null => "null",
                    Value::Bool(_) => "bool",
                    Value::Number(_) => "number",
                    Value::String(_) => "string",
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                };
                if kind(d) != kind(o) {
                    problems.push(format!("{path}: manual {d}, ours {o}"));
                }
            }
        }
    }
    let mut problems = Vec::new();
    walk(doc, ours, "$", &mut problems);
    assert!(problems.is_empty(), "{name}: {problems:?}\nours: {ours:#}");
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/zstack/manual/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn is_java_date(s: &str) -> bool {
    // MMM d, yyyy h:mm:ss a
    let parts: Vec<&str> = s.split(' ').collect();
    let [mon, day, year, clock, ampm] = parts.as_slice() else {
        return false;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let hms: Vec<&str> = clock.split(':').collect();
    MONTHS.contains(mon)
        && day.ends_with(',')
        && day
            .trim_end_matches(',')
            .parse::<u8>()
            .is_ok_and(|d| (1..=31).contains(&d))
        && !day.starts_with('0')
        && year.len() == 4
        && year.parse::<u16>().is_ok()
        && hms.len() == 3
        && hms[0].parse::<u8>().is_ok_and(|h| (1..=12).contains(&h))
        && !hms[0].starts_with('0')
        && hms[1].len() == 2
        && hms[2].len() == 2
        && matches!(*ampm, "AM" | "PM")
}

fn is_zstack_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 32
        && b.iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        && b[12] == b'4'
        && matches!(b[16], b'8' | b'9' | b'a' | b'b')
}

/// No `null` anywhere (Gson leaves null fields out).
fn assert_no_nulls(v: &Value, path: &str) {
    match v {
        Value::Null => panic!("null at {path}"),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| assert_no_nulls(v, &format!("{path}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| assert_no_nulls(v, &format!("{path}[{i}]"))),
        _ => {}
    }
}

async fn wait_until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let t = Instant::now();
    while !f().await {
        assert!(t.elapsed() < Duration::from_secs(60), "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// ---- authentication ----------------------------------------------------------------------

#[tokio::test]
async fn login_validate_renew_and_logout() {
    let (_server, zs) = start(fast()).await;
    let r = zs
        .login_reply(json!({"logInByAccount": {"accountName": "admin", "password": sha512_hex(DEFAULT_PASSWORD)}}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, None, "RestServer sets no content type");
    let inv = &r.json()["inventory"];
    assert_like(
        "3.7 login",
        &fixture("3_7-LogInByAccount.response.json")["inventory"],
        inv,
    );
    assert!(is_zstack_uuid(s(&inv["uuid"])));
    assert_eq!(inv["accountUuid"], "36c27e8ff05c4780bf6d2fa65700f22e");
    assert!(is_java_date(s(&inv["createDate"])), "{inv}");
    // expiredDate = createDate + 2 h, in the same MN-local form
    let hour = |d: &str| -> u32 {
        let clock = d.split(' ').nth(3).unwrap();
        let h: u32 = clock.split(':').next().unwrap().parse().unwrap();
        let pm = d.ends_with("PM");
        (h % 12) + if pm { 12 } else { 0 }
    };
    assert_eq!(
        (hour(s(&inv["createDate"])) + 2) % 24,
        hour(s(&inv["expiredDate"]))
    );

    // the password is the sha512 hex: the plain one, or upper-case hex, is refused
    for bad in [
        DEFAULT_PASSWORD.to_string(),
        sha512_hex(DEFAULT_PASSWORD).to_uppercase(),
        sha512_hex("wrong"),
    ] {
        let r = zs
            .login_reply(json!({"logInByAccount": {"accountName": "admin", "password": bad}}))
            .await;
        assert_eq!(r.status, 503);
        assert_eq!(
            r.json(),
            json!({"error": {"code": "ID.1000", "description": "Unable to authenticate a user", "details": "wrong account name or password"}})
        );
    }
    let r = zs
        .login_reply(json!({"logInByAccount": {"accountName": "root", "password": sha512_hex(DEFAULT_PASSWORD)}}))
        .await;
    assert_eq!(r.json()["error"]["code"], "ID.1000");

    // the manual's `loginByAccount` (lower-case i) is not the API's key: no parameters
    let mut manual = fixture("3_7-LogInByAccount.request.json");
    manual["loginByAccount"]["password"] = json!(sha512_hex(DEFAULT_PASSWORD));
    let r = zs.login_reply(manual).await;
    assert_eq!(r.status, 503);
    let e = &r.json()["error"];
    assert_eq!(e["code"], "SYS.1007");
    assert_eq!(
        e["details"],
        "field[accountName] of message[org.zstack.header.identity.APILogInByAccountMsg] is mandatory, can not be null"
    );

    // ValidateSession needs no Authorization
    let session = zs.session.clone();
    let r = zs
        .send(
            "GET",
            &format!("/accounts/sessions/{session}/valid"),
            None,
            &[],
        )
        .await;
    assert_eq!((r.status, r.json()), (200, json!({"valid": true})));

    // RenewSession is async and answers the session
    let renewed = zs
        .ok(
            "PUT",
            &format!("/accounts/sessions/{session}/renew"),
            Some(json!({"renewSession": {"duration": 3600}})),
        )
        .await;
    assert_eq!(renewed["inventory"]["uuid"], session.as_str());
    assert!(is_java_date(s(&renewed["inventory"]["expiredDate"])));

    // logout: sync, no Authorization, empty answer; the session is gone afterwards
    let r = zs
        .send(
            "DELETE",
            &format!("/accounts/sessions/{session}"),
            None,
            &[],
        )
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let r = zs.get("/zones").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"]["code"], "ID.1001");
    let r = zs
        .send(
            "GET",
            &format!("/accounts/sessions/{session}/valid"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.json(), json!({"valid": false}));
}

#[tokio::test]
async fn authorization_header_problems_are_plain_text_400() {
    let (_server, zs) = start(fast()).await;
    let vm = zs.list("/vm-instances?limit=1").await[0]["uuid"].clone();
    let cases: Vec<(&str, String, Option<String>)> = vec![
        ("GET", "/vm-instances".into(), None),
        ("GET", format!("/vm-instances/{}", s(&vm)), None),
        (
            "PUT",
            format!("/vm-instances/{}/actions", s(&vm)),
            Some(json!({"stopVmInstance": {}}).to_string()),
        ),
        (
            "DELETE",
            "/volume-snapshots/0123456789ab4def8123456789abcdef".into(),
            None,
        ),
    ];
    for (method, path, body) in cases {
        let r = zs.send(method, &path, body.clone(), &[]).await;
        assert_eq!(
            (r.status, r.text.as_str()),
            (400, "missing header 'Authorization'"),
            "{method} {path}"
        );
        assert_eq!(r.content_type, None);
        for other in ["Bearer abc", "ZStack key:sig", "oauth abc"] {
            let r = zs
                .send(
                    method,
                    &path,
                    body.clone(),
                    &[("Authorization", other.to_string())],
                )
                .await;
            assert_eq!(
                (r.status, r.text.as_str()),
                (400, "Authorization type must be 'OAuth'"),
                "{method} {path} {other}"
            );
        }
    }
    // an unknown session is not RestServer's business: the API answers ID.1001
    let r = zs
        .send(
            "GET",
            "/zones",
            None,
            &[(
                "Authorization",
                "OAuth 0123456789ab4def8123456789abcdef".into(),
            )],
        )
        .await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"]["code"], "ID.1001");
}

#[tokio::test]
async fn expired_sessions_fail_with_id_1001_sync_and_async() {
    let (server, zs) = start(fast()).await;
    let expected = json!({"error": {
        "code": "ID.1001",
        "description": "The session is invalid, either wrong session id or the session has been expired",
        "details": "Session expired",
    }});
    assert_eq!(zs.get("/zones").await.status, 200);
    server.faults().expire_sessions();
    // sync: 503 at once
    let r = zs.get("/zones").await;
    assert_eq!((r.status, r.json()), (503, expected.clone()));
    // async: 202, then the job ends 503 with the same error
    let vm = {
        let fresh = zs.login(DEFAULT_PASSWORD).await;
        let r = zs
            .send(
                "GET",
                "/vm-instances?limit=1",
                None,
                &[("Authorization", format!("OAuth {fresh}"))],
            )
            .await;
        s(&r.json()["inventories"][0]["uuid"]).to_string()
    };
    let before = zs
        .send(
            "GET",
            &format!("/vm-instances/{vm}"),
            None,
            &[(
                "Authorization",
                format!("OAuth {}", zs.login(DEFAULT_PASSWORD).await),
            )],
        )
        .await
        .json();
    let id = zs
        .submit(
            "PUT",
            &format!("/vm-instances/{vm}/actions"),
            Some(json!({"rebootVmInstance": {}})),
        )
        .await;
    let r = zs.wait(&id).await;
    assert_eq!((r.status, r.json()), (503, expected.clone()));
    // nothing happened to the VM
    let fresh = zs.login(DEFAULT_PASSWORD).await;
    let after = zs
        .send(
            "GET",
            &format!("/vm-instances/{vm}"),
            None,
            &[("Authorization", format!("OAuth {fresh}"))],
        )
        .await
        .json();
    assert_eq!(
        before["inventories"][0]["state"],
        after["inventories"][0]["state"]
    );
    let r = zs
        .send(
            "GET",
            &format!("/accounts/sessions/{}/valid", zs.session),
            None,
            &[],
        )
        .await;
    assert_eq!(r.json(), json!({"valid": false}));
}

#[tokio::test]
async fn sessions_time_out_after_two_simulated_hours_unless_renewed() {
    // 5000 simulated seconds per second: 7200 s pass in about 1.5 s
    let (server, mut zs) = start(SimConfig {
        time_scale: 5000.0,
        ..Default::default()
    })
    .await;
    let t0 = server.clock().elapsed();
    let first = zs.session.clone();
    let second = zs.login(DEFAULT_PASSWORD).await;
    zs.session = second.clone();
    let renewed = zs
        .ok(
            "PUT",
            &format!("/accounts/sessions/{second}/renew"),
            Some(json!({"renewSession": {"duration": 200000}})),
        )
        .await;
    assert_eq!(renewed["inventory"]["uuid"], second.as_str());
    zs.session = first;
    assert_eq!(zs.get("/zones").await.status, 200);
    wait_until("the first session expires", || async {
        zs.get("/zones").await.status == 503
    })
    .await;
    assert!(server.clock().elapsed() - t0 >= 7200.0);
    assert_eq!(zs.get("/zones").await.json()["error"]["code"], "ID.1001");
    // the renewed one lives on
    zs.session = second;
    assert_eq!(zs.get("/zones").await.status, 200);
}
