//! The ZStack `/zstack/v1` dialect of the simulator, over real sockets, checked against
//! `specs/zstack/ENDPOINTS.md`, the SDK route table and the disaster-recovery manual
//! (`seeds/004_*`, examples under `tests/fixtures/zstack/manual/`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use vmdeck::sim::{DEFAULT_PASSWORD, SimConfig, SimServer};

mod sim_common;

use sim_common::{DocRules, doc_key_problems, fast, s, serve, wait_until};

// ---- harness -------------------------------------------------------------------------------

fn sha512_hex(s: &str) -> String {
    Sha512::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Backups move hundreds of GiB: a quicker clock keeps those tests short, yet slow
/// enough to see a backup while it is `Creating` (15 s at least: 250 ms).
fn quick() -> SimConfig {
    SimConfig {
        time_scale: 60.0,
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
    let server = serve(config).await;
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
    let rules = DocRules {
        null_matches_anything: false,
        empty_list_is_missing: true,
    };
    let problems = doc_key_problems(doc, ours, rules);
    assert!(problems.is_empty(), "{name}: {problems:?}\nours: {ours:#}");
}

fn fixture(name: &str) -> Value {
    sim_common::fixture("zstack/manual", name)
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
    // the session was made after the clock started
    assert!(server.clock().elapsed() >= 7200.0);
    assert_eq!(zs.get("/zones").await.json()["error"]["code"], "ID.1001");
    // the renewed one lives on
    zs.session = second;
    assert_eq!(zs.get("/zones").await.status, 200);
}

// ---- RestServer-level answers -------------------------------------------------------------

#[tokio::test]
async fn rest_server_refusals_are_plain_text() {
    let (_server, zs) = start(fast()).await;
    let vm = s(&zs.list("/vm-instances?limit=1").await[0]["uuid"]).to_string();
    let auth = zs.auth();
    let check = |r: Reply, status: u16, text: &str| {
        assert_eq!((r.status, r.text.as_str()), (status, text));
        assert_eq!(r.content_type, None);
    };
    check(
        zs.send("GET", "/no-such-thing", None, &auth).await,
        404,
        "no api mapping to /v1/no-such-thing",
    );
    check(
        zs.send("GET", "/zones/", None, &auth).await,
        404,
        "no api mapping to /v1/zones/",
    );
    check(
        zs.send("POST", "/accounts/login", Some("{}".into()), &auth)
            .await,
        405,
        "The method[POST] is not allowed for the path[/v1/accounts/login]",
    );
    check(
        zs.send("PATCH", &format!("/vm-instances/{vm}"), None, &auth)
            .await,
        405,
        &format!("The method[PATCH] is not allowed for the path[/v1/vm-instances/{vm}]"),
    );
    // the action key picks the API; none known is a 400
    check(
        zs.send(
            "PUT",
            &format!("/vm-instances/{vm}/actions"),
            Some(json!({"flyVmInstance": {}}).to_string()),
            &auth,
        )
        .await,
        400,
        &format!(
            "the body doesn't contain action mapping to the URL[/v1/vm-instances/{vm}/actions]"
        ),
    );
    // malformed JSON: Gson's exception, a 500 with its message
    for bad in ["{\"stopVmInstance\": ", "[1,2]", "\"x\""] {
        let r = zs
            .send(
                "PUT",
                &format!("/vm-instances/{vm}/actions"),
                Some(bad.into()),
                &auth,
            )
            .await;
        assert_eq!(r.status, 500, "{bad}");
        assert!(
            !r.text.is_empty() && !r.text.contains("internal simulator error"),
            "{bad}: {}",
            r.text
        );
        assert!(
            serde_json::from_str::<Value>(&r.text).is_err(),
            "plain text: {}",
            r.text
        );
    }
    // a wrapper that is not an object, a field of the wrong type: Gson again
    let r = zs
        .send(
            "POST",
            "/database-backups",
            Some(json!({"params": [1]}).to_string()),
            &auth,
        )
        .await;
    assert_eq!(r.status, 500);
    let r = zs
        .send(
            "POST",
            "/database-backups",
            Some(json!({"params": {"name": ["x"], "backupStorageUuid": "x"}}).to_string()),
            &auth,
        )
        .await;
    assert_eq!(r.status, 500);
    assert!(
        r.text.contains("Expected a string but was BEGIN_ARRAY"),
        "{}",
        r.text
    );
    // query string problems
    check(
        zs.send("GET", "/vm-instances?limit=ten", None, &auth).await,
        400,
        "Invalid query parameter. 'limit' must be an integer",
    );
    check(
        zs.send("GET", "/vm-instances?start=-", None, &auth).await,
        400,
        "Invalid query parameter. 'start' must be an integer",
    );
    let r = zs.send("GET", "/vm-instances?q=nameweb", None, &auth).await;
    assert_eq!(r.status, 400);
    assert!(
        r.text.starts_with("Invalid query parameter. The 'nameweb' in the parameter[q] doesn't contain any query operator."),
        "{}",
        r.text
    );
    // the job URL takes GET only
    check(
        zs.send(
            "DELETE",
            "/api-jobs/0123456789ab4def8123456789abcdef",
            None,
            &auth,
        )
        .await,
        405,
        "only GET method is allowed for querying job status",
    );
    // X-Job-UUID must be 32 characters
    let mut h = auth.clone();
    h.push(("X-Job-UUID", "not-a-uuid".into()));
    check(
        zs.send(
            "PUT",
            &format!("/vm-instances/{vm}/actions"),
            Some(json!({"rebootVmInstance": {}}).to_string()),
            &h,
        )
        .await,
        400,
        "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped",
    );
    // an SDK API the simulator does not implement is routed, then refused by the API
    let e = zs
        .refused(
            "PUT",
            &format!("/vm-instances/{vm}/actions"),
            Some(json!({"cloneVmInstance": {"names": ["x"]}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1014");
    assert!(s(&e["details"]).contains("APICloneVmInstanceMsg"), "{e}");
}

// ---- api-jobs --------------------------------------------------------------------------------

#[tokio::test]
async fn async_apis_answer_202_with_a_foreign_location_and_poll_to_the_result() {
    // a slow clock: the 5 s stop must still be running when we look
    let (_server, zs) = start(SimConfig {
        time_scale: 5.0,
        ..Default::default()
    })
    .await;
    let running = zs.vms_in("Running").await;
    let vm = s(&running[0]["uuid"]).to_string();
    let r = zs
        .send(
            "PUT",
            &format!("/vm-instances/{vm}/actions"),
            Some(json!({"stopVmInstance": {}}).to_string()),
            &zs.auth(),
        )
        .await;
    assert_eq!(r.status, 202);
    let body = r.json();
    let location = s(&body["location"]);
    // the MN's own address, not ours: a client must rebuild the URL from its base
    let url = url::Url::parse(location).unwrap();
    assert_eq!(url.host_str(), Some("172.20.0.10"));
    assert_eq!(url.port(), Some(8080));
    assert!(!location.starts_with(&zs.root));
    assert_eq!(
        url.path().rsplit_once('/').unwrap().0,
        "/zstack/v1/api-jobs"
    );
    let id = job_id(location);
    assert!(is_zstack_uuid(&id), "{id}");
    assert_eq!(body["apiTimeout"], 1_800_000);
    // running: 202 with an empty body; the VM is Stopping meanwhile
    let first = zs.poll(&id).await;
    assert_eq!((first.status, first.text.as_str()), (202, ""));
    assert_eq!(zs.vm(&vm).await["state"], "Stopping");
    let done = zs.wait(&id).await;
    assert_eq!(done.status, 200);
    assert_eq!(done.json()["inventory"]["state"], "Stopped");
    // polling again gives the same result
    assert_eq!(zs.poll(&id).await.json(), done.json());
    // a failure is 503 with the ErrorCode
    let e = zs
        .refused(
            "PUT",
            &format!("/vm-instances/{vm}/actions"),
            Some(json!({"rebootVmInstance": {}})),
        )
        .await;
    assert_eq!(error_code(&e), "VM.1010");
    assert_eq!(
        e["details"],
        "current vm instance state[Stopped] doesn't allow to proceed message[org.zstack.header.vm.APIRebootVmInstanceMsg], allowed states are [Running]"
    );
    // unknown job: 404 plain text
    let r = zs.poll("0123456789ab4def8123456789abcdef").await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (404, "the job has been expired")
    );
}

#[tokio::test]
async fn a_client_chosen_job_uuid_names_the_job_and_cannot_run_twice() {
    let (_server, zs) = start(fast()).await;
    let volume = s(&zs.list("/volumes?q=type=Root&limit=1").await[0]["uuid"]).to_string();
    let before = zs.snapshots_of(&volume).await.len();
    let job = "d825b1a26f4e474b8c59306081920ff2";
    let mut h = zs.auth();
    h.push(("X-Job-UUID", job.to_string()));
    let body = json!({"params": {"name": "once"}}).to_string();
    let path = format!("/volumes/{volume}/volume-snapshots");
    let r = zs.send("POST", &path, Some(body.clone()), &h).await;
    assert_eq!(r.status, 202);
    assert_eq!(
        s(&r.json()["location"]),
        format!("http://172.20.0.10:8080/zstack/v1/api-jobs/{job}")
    );
    // the same job uuid again, while running and after: refused, nothing runs
    let again = zs.send("POST", &path, Some(body.clone()), &h).await;
    assert_eq!(
        (again.status, again.text.clone()),
        (400, format!("Duplicate job uuid[{job}]"))
    );
    let done = zs.wait(job).await;
    assert_eq!(done.status, 200);
    assert_eq!(done.json()["inventory"]["name"], "once");
    let later = zs.send("POST", &path, Some(body), &h).await;
    assert_eq!(later.status, 400);
    assert_eq!(zs.snapshots_of(&volume).await.len(), before + 1);
}

#[tokio::test]
async fn finished_jobs_expire_three_simulated_hours_after_they_were_created() {
    let (server, zs) = start(SimConfig {
        time_scale: 5000.0,
        ..Default::default()
    })
    .await;
    let db = s(&zs.list("/database-backups?limit=1").await[0]["uuid"]).to_string();
    let t0 = server.clock().elapsed();
    let id = zs
        .submit("DELETE", &format!("/database-backups/{db}"), None)
        .await;
    assert_eq!(zs.wait(&id).await.status, 200);
    assert!(server.clock().elapsed() - t0 < 10_800.0);
    // polling needs no session, which is good: it expires before the job does
    wait_until("the job expires", || async {
        zs.poll(&id).await.status == 404
    })
    .await;
    assert!(server.clock().elapsed() - t0 >= 10_800.0);
    assert_eq!(zs.poll(&id).await.text, "the job has been expired");
}

// ---- the query API ---------------------------------------------------------------------------

fn uuids(list: &[Value]) -> BTreeSet<String> {
    list.iter().map(|v| s(&v["uuid"]).to_string()).collect()
}

/// SQL LIKE, case-insensitive, for checking the server.
fn like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    go(&t, &p)
}

#[tokio::test]
async fn every_query_operator_matches_a_client_side_filter() {
    let (_server, zs) = start(fast()).await;
    let all = zs.list("/vm-instances").await;
    assert_eq!(all.len(), 100, "the default world has about 100 VMs");
    let expect = |f: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        uuids(&all.iter().filter(|v| f(v)).cloned().collect::<Vec<_>>())
    };
    let got = |q: Vec<String>| {
        let zs = &zs;
        async move {
            let query: Vec<String> = q
                .iter()
                .map(|c| {
                    format!(
                        "q={}",
                        url::form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
                    )
                })
                .collect();
            uuids(&zs.list(&format!("/vm-instances?{}", query.join("&"))).await)
        }
    };
    let n = |v: &Value, k: &str| v[k].as_f64().unwrap();
    let name0 = s(&all[0]["name"]).to_string();

    let cases: Vec<(Vec<String>, BTreeSet<String>)> = vec![
        (
            vec![format!("name={name0}")],
            expect(&|v| v["name"] == name0.as_str()),
        ),
        // MySQL's utf8_general_ci: case does not matter
        (
            vec![format!("name={}", name0.to_uppercase())],
            expect(&|v| v["name"] == name0.as_str()),
        ),
        (
            vec!["state!=Running".into()],
            expect(&|v| v["state"] != "Running"),
        ),
        (vec!["cpuNum>4".into()], expect(&|v| n(v, "cpuNum") > 4.0)),
        (vec!["cpuNum>=4".into()], expect(&|v| n(v, "cpuNum") >= 4.0)),
        (
            vec!["memorySize<4294967296".into()],
            expect(&|v| n(v, "memorySize") < 4294967296.0),
        ),
        (
            vec!["memorySize<=4294967296".into()],
            expect(&|v| n(v, "memorySize") <= 4294967296.0),
        ),
        (
            vec![format!(
                "uuid?={},{},{}",
                s(&all[1]["uuid"]),
                s(&all[5]["uuid"]),
                s(&all[9]["uuid"])
            )],
            uuids(&[all[1].clone(), all[5].clone(), all[9].clone()]),
        ),
        (
            vec!["state!?=Running,Stopped".into()],
            expect(&|v| v["state"] == "Paused"),
        ),
        (
            vec!["name~=%db%".into()],
            expect(&|v| like(s(&v["name"]), "%db%")),
        ),
        (
            vec!["name~=k8s-_aster%".into()],
            expect(&|v| s(&v["name"]).starts_with("k8s-master")),
        ),
        (
            vec!["name!~=%db%".into()],
            expect(&|v| !like(s(&v["name"]), "%db%")),
        ),
        (
            vec!["hostUuid is null".into()],
            expect(&|v| v.get("hostUuid").is_none()),
        ),
        (
            vec!["hostUuid not null".into()],
            expect(&|v| v.get("hostUuid").is_some()),
        ),
        (
            vec!["description is null".into()],
            expect(&|v| v.get("description").is_none()),
        ),
        // NULL never compares: rows without a description are not "!= x"
        (
            vec!["description!=x".into()],
            expect(&|v| v.get("description").is_some()),
        ),
        // An id condition is answered through the uuid index: the same rows as a scan,
        // case-insensitive, each once, ANDed with the rest.
        (
            vec![format!("uuid={}", s(&all[3]["uuid"]).to_uppercase())],
            uuids(&[all[3].clone()]),
        ),
        (
            vec![
                format!(
                    "uuid?={},{},{},00000000000000000000000000000000,x",
                    s(&all[2]["uuid"]),
                    s(&all[7]["uuid"]),
                    s(&all[2]["uuid"])
                ),
                "state=Running".into(),
            ],
            expect(&|v| {
                (v["uuid"] == all[2]["uuid"] || v["uuid"] == all[7]["uuid"])
                    && v["state"] == "Running"
            }),
        ),
        // conditions are ANDed
        (
            vec!["state=Running".into(), "cpuNum>=8".into()],
            expect(&|v| v["state"] == "Running" && n(v, "cpuNum") >= 8.0),
        ),
        (
            vec!["createDate>2000-01-01 00:00:00".into()],
            expect(&|_| true),
        ),
        (vec!["createDate>2999-01-01".into()], BTreeSet::new()),
        // the value is not trimmed
        (vec![format!("name= {name0}")], BTreeSet::new()),
    ];
    for (q, want) in cases {
        assert!(
            !want.is_empty() || q[0].contains("2999") || q[0].starts_with("name= "),
            "{q:?} tests nothing"
        );
        assert_eq!(got(q.clone()).await, want, "{q:?}");
    }
    assert!(all.iter().any(|v| v["state"] == "Paused"));
    assert!(all.iter().any(|v| v.get("hostUuid").is_none()));

    // expanded fields: nics, volumes, host, cluster, zone
    let with_data = all
        .iter()
        .find(|v| v["allVolumes"].as_array().unwrap().len() > 1)
        .unwrap();
    let nic_ip = s(&with_data["vmNics"][0]["ip"]);
    assert!(
        got(vec![format!("vmNics.ip={nic_ip}")])
            .await
            .contains(s(&with_data["uuid"]))
    );
    let data_vol = s(&with_data["allVolumes"][1]["uuid"]);
    assert_eq!(
        got(vec![format!("allVolumes.uuid={data_vol}")]).await,
        uuids(std::slice::from_ref(with_data))
    );
    let running = all.iter().find(|v| v["state"] == "Running").unwrap();
    let host = zs.one("/hosts", s(&running["hostUuid"])).await;
    let host_ip = s(&host["managementIp"]).to_string();
    let host_uuid = s(&host["uuid"]).to_string();
    assert_eq!(
        got(vec![format!("host.managementIp={host_ip}")]).await,
        expect(&|v| v.get("hostUuid").is_some_and(|h| h == host_uuid.as_str()))
    );
    let clusters = zs.list("/clusters").await;
    let dev = clusters
        .iter()
        .find(|c| c["name"] == "研发测试集群")
        .unwrap();
    assert_eq!(
        got(vec!["cluster.name=研发测试集群".into()]).await,
        expect(&|v| v["clusterUuid"] == dev["uuid"])
    );
    let zones = zs.list("/zones").await;
    let dr = zones.iter().find(|z| z["name"] == "ZONE-DR").unwrap();
    assert_eq!(
        got(vec!["zone.name=ZONE-DR".into()]).await,
        expect(&|v| v["zoneUuid"] == dr["uuid"])
    );
    // NICs by their VMs (a page's NICs are asked for a hundred VM uuids at a time): the
    // indexed answer is the scan's, in the table's order.
    let picked: Vec<&Value> = all.iter().step_by(7).collect();
    let list = picked
        .iter()
        .rev()
        .map(|v| s(&v["uuid"]))
        .collect::<Vec<_>>()
        .join(",");
    let nics = zs
        .list(&format!("/vm-instances/nics?q=vmInstanceUuid?={list}"))
        .await;
    let all_nics = zs.list("/vm-instances/nics?limit=10000").await;
    let wanted: BTreeSet<&str> = picked.iter().map(|v| s(&v["uuid"])).collect();
    let scanned: Vec<&Value> = all_nics
        .iter()
        .filter(|n| wanted.contains(s(&n["vmInstanceUuid"])))
        .collect();
    assert!(!nics.is_empty());
    assert_eq!(
        nics.iter().map(|n| s(&n["uuid"])).collect::<Vec<_>>(),
        scanned.iter().map(|n| s(&n["uuid"])).collect::<Vec<_>>()
    );
    // snapshots by their volume's VM
    let vm = s(&with_data["uuid"]);
    let vols: BTreeSet<String> = with_data["allVolumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| s(&v["uuid"]).to_string())
        .collect();
    let mut expected_snaps = BTreeSet::new();
    for v in &vols {
        expected_snaps.extend(uuids(&zs.snapshots_of(v).await));
    }
    assert_eq!(
        uuids(
            &zs.list(&format!("/volume-snapshots?q=volume.vmInstanceUuid={vm}"))
                .await
        ),
        expected_snaps
    );
    // booleans and system tags
    for t in zs.list("/volume-snapshots/trees?q=current=true").await {
        assert_eq!(t["current"], true);
    }
    let remote = zs.list("/backup-storage?q=__systemTag__=remote").await;
    assert_eq!(remote.len(), 1);
    assert_eq!(remote[0]["name"], "远程灾备仓库");

    // bad conditions are the API's argerr
    for (q, what) in [
        ("noSuchField=1", "condition name[noSuchField] is invalid"),
        ("vmNics=1", ""),
        ("cpuNum>many", "invalid value[many]"),
        (
            "host.noSuchField=1",
            "condition name[host.noSuchField] is invalid",
        ),
    ] {
        let r = zs.get(&format!("/vm-instances?q={q}")).await;
        if what.is_empty() {
            assert_eq!(r.status, 200, "{q}: {}", r.text);
            continue;
        }
        assert_eq!(r.status, 503, "{q}: {}", r.text);
        assert_eq!(r.json()["error"]["code"], "SYS.1007");
        assert!(
            s(&r.json()["error"]["details"]).contains(what),
            "{q}: {}",
            r.text
        );
    }
}

#[tokio::test]
async fn paging_counting_sorting_and_fields() {
    let (_server, zs) = start(fast()).await;
    let all = zs.list("/volumes").await;
    let total = all.len();
    assert!(total > 150, "root and data volumes: {total}");
    // pages with replyWithCount reassemble the whole list
    let mut paged = Vec::new();
    let mut start = 0;
    loop {
        let r = zs
            .get(&format!(
                "/volumes?start={start}&limit=40&replyWithCount=true"
            ))
            .await
            .json();
        assert_eq!(r["total"], total);
        let page = r["inventories"].as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 40);
        paged.extend(page);
        start += 40;
    }
    assert_eq!(paged, all);
    // no total unless asked
    assert!(
        zs.get("/volumes?limit=2")
            .await
            .json()
            .get("total")
            .is_none()
    );
    // count=true: only the total
    let c = zs.get("/volumes?count=true&q=type=Data").await.json();
    let data = all.iter().filter(|v| v["type"] == "Data").count();
    assert_eq!(c, json!({"total": data, "schema": {}}));
    // sort: + ascending, - descending, by time for dates, case-insensitive for text
    let by_size: Vec<u64> = zs
        .list("/volumes?sort=%2Bsize&limit=1000")
        .await
        .iter()
        .map(|v| v["size"].as_u64().unwrap())
        .collect();
    assert!(by_size.windows(2).all(|w| w[0] <= w[1]));
    let desc: Vec<u64> = zs
        .list("/volumes?sort=-size")
        .await
        .iter()
        .map(|v| v["size"].as_u64().unwrap())
        .collect();
    assert!(desc.windows(2).all(|w| w[0] >= w[1]));
    // a raw `+` decodes to a space, which is trimmed: still ascending
    let plus: Vec<u64> = zs
        .list("/volumes?sort=+size")
        .await
        .iter()
        .map(|v| v["size"].as_u64().unwrap())
        .collect();
    assert_eq!(plus, by_size);
    let snaps = zs
        .list("/volume-snapshots?sort=-createDate&limit=1000")
        .await;
    let order: Vec<String> = snaps.iter().map(|s| s["uuid"].to_string()).collect();
    let mut by_time = snaps.clone();
    by_time.sort_by_key(|x| std::cmp::Reverse(java_date_key(s(&x["createDate"]))));
    let expected: Vec<String> = by_time.iter().map(|s| s["uuid"].to_string()).collect();
    // ties keep their order either way; compare the times
    let times = |l: &[Value]| {
        l.iter()
            .map(|x| java_date_key(s(&x["createDate"])))
            .collect::<Vec<_>>()
    };
    assert_eq!(times(&snaps), times(&by_time), "{order:?} vs {expected:?}");
    let names: Vec<String> = zs
        .list("/vm-instances?sort=name")
        .await
        .iter()
        .map(|v| s(&v["name"]).to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    // fields trims the inventories
    let trimmed = zs.list("/vm-instances?fields=uuid,name&limit=3").await;
    for v in &trimmed {
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            vec!["name", "uuid"]
        );
    }
    let r = zs.get("/vm-instances?fields=uuid,nope").await;
    assert_eq!(
        (r.status, &r.json()["error"]["code"]),
        (503, &json!("SYS.1007"))
    );
    let r = zs.get("/vm-instances?sort=nope").await;
    assert_eq!(
        (r.status, &r.json()["error"]["code"]),
        (503, &json!("SYS.1007"))
    );
    // GET <resource>/{uuid} is a query by uuid: a list, other parameters ignored
    let v = &all[3];
    let r = zs
        .get(&format!(
            "/volumes/{}?q=type=nothing&limit=0",
            s(&v["uuid"])
        ))
        .await
        .json();
    assert_eq!(r["inventories"], json!([v]));
    let r = zs.get("/volumes/0123456789ab4def8123456789abcdef").await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"inventories": [], "schema": {}}))
    );
    // unknown parameters (the manual's old `condition=`) are ignored
    assert_eq!(
        zs.list("/vm-instances?condition=state=Running").await.len(),
        100
    );
    // only the first `fields` value counts, as in RestServer
    let first_only = zs
        .list("/vm-instances?fields=uuid&fields=name&limit=1")
        .await;
    assert_eq!(first_only[0].as_object().unwrap().len(), 1);
}

/// `fields` selects columns of the resource's own table: ZStack's query builder refuses a
/// joined list (`@Queryable`), an `@Unqueryable` field and a subclass's field, unless an
/// equality condition on the type field makes the subclass the inventory.
#[tokio::test]
async fn fields_are_the_inventorys_own_primitives() {
    let (_server, zs) = start(fast()).await;
    for (path, field, class) in [
        ("/backup-storage", "hostname", "BackupStorageInventory"),
        (
            "/backup-storage",
            "attachedZoneUuids",
            "BackupStorageInventory",
        ),
        (
            "/backup-storage/image-store",
            "attachedZoneUuids",
            "ImageStoreBackupStorageInventory",
        ),
        ("/vm-instances", "vmNics", "VmInstanceInventory"),
        ("/vm-instances", "allVolumes", "VmInstanceInventory"),
        ("/vm-instances/nics", "usedIps", "VmNicInventory"),
        (
            "/volume-snapshots",
            "backupStorageRefs",
            "VolumeSnapshotInventory",
        ),
        (
            "/volume-snapshots/trees",
            "tree",
            "VolumeSnapshotTreeInventory",
        ),
        (
            "/volume-backups",
            "backupStorageRefs",
            "VolumeBackupInventory",
        ),
        ("/hosts", "username", "HostInventory"),
        ("/vm-instances", "nope", "VmInstanceInventory"),
    ] {
        let r = zs.get(&format!("{path}?fields=uuid,{field}")).await;
        assert_eq!(r.status, 503, "{path} {field}: {}", r.text);
        let e = &r.json()["error"];
        assert_eq!(e["code"], "SYS.1007", "{path} {field}");
        let details = s(&e["details"]);
        let expected = format!(
            "field[{field}] is not a primitive of the inventory {class}; you cannot specify it in the parameter 'fields';valid fields are [uuid, "
        );
        assert!(details.starts_with(&expected), "{details}");
        assert!(!details.contains(&format!(" {field},")), "{details}");
    }
    // The subclass's own fields: from its own query, or when `type=` picks it.
    let stores = zs
        .list("/backup-storage/image-store?fields=uuid,hostname")
        .await;
    assert!(!stores.is_empty());
    for b in &stores {
        assert_eq!(b.as_object().unwrap().len(), 2, "{b}");
        assert!(b["hostname"].is_string(), "{b}");
    }
    let picked = zs
        .list("/backup-storage?q=type=ImageStoreBackupStorage&fields=uuid,hostname")
        .await;
    assert_eq!(picked.len(), stores.len());
    let sftp = zs
        .list("/backup-storage?q=type=SftpBackupStorage&fields=uuid,hostname")
        .await;
    assert!(!sftp.is_empty() && sftp.iter().all(|b| b["hostname"].is_string()));
    let kvm = zs
        .list("/hosts?q=hypervisorType=KVM&fields=uuid,username&limit=3")
        .await;
    assert!(!kvm.is_empty() && kvm.iter().all(|h| h["username"] == "root"));
    // A subclass field is no condition on the parent either.
    let r = zs.get("/backup-storage?q=hostname~=%25").await;
    assert_eq!(r.status, 503, "{}", r.text);
    // Without `fields`, the answer still carries everything, joined lists and each
    // row's subclass fields included.
    for b in zs.list("/backup-storage").await {
        assert!(b["attachedZoneUuids"].is_array(), "{b}");
        assert!(b["hostname"].is_string(), "{b}");
    }
}

/// Sort key of a `MMM d, yyyy h:mm:ss a` date (same zone everywhere).
fn java_date_key(d: &str) -> (u32, u32, u32, u32, u32, u32) {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let p: Vec<&str> = d.split(' ').collect();
    let month = MONTHS.iter().position(|m| *m == p[0]).unwrap() as u32;
    let day: u32 = p[1].trim_end_matches(',').parse().unwrap();
    let year: u32 = p[2].parse().unwrap();
    let hms: Vec<u32> = p[3].split(':').map(|x| x.parse().unwrap()).collect();
    let hour = hms[0] % 12 + if p[4] == "PM" { 12 } else { 0 };
    (year, month, day, hour, hms[1], hms[2])
}

/// A seeded world the platform could have made: a snapshot's children were taken after it.
#[tokio::test]
async fn seeded_snapshot_children_are_newer_than_their_parents() {
    let (_server, zs) = start(fast()).await;
    let snaps = zs.list("/volume-snapshots?limit=10000").await;
    let born: std::collections::HashMap<&str, _> = snaps
        .iter()
        .map(|x| (s(&x["uuid"]), java_date_key(s(&x["createDate"]))))
        .collect();
    let named: std::collections::HashMap<&str, &str> = snaps
        .iter()
        .map(|x| (s(&x["uuid"]), s(&x["name"])))
        .collect();
    let mut children = 0;
    for x in &snaps {
        let Some(parent) = x["parentUuid"].as_str() else {
            continue;
        };
        children += 1;
        let p = born[parent];
        assert!(
            born[s(&x["uuid"])] > p,
            "{} ({}) is not newer than its parent {} ({p:?})",
            s(&x["name"]),
            s(&x["createDate"]),
            named[parent]
        );
    }
    assert!(children > 50, "{children}");
}

#[tokio::test]
async fn query_replies_carry_the_schema_and_follow_gson() {
    let (_server, zs) = start(fast()).await;
    let r = zs.get("/vm-instances?limit=2").await;
    assert!(r.content_type.is_none());
    let v = r.json();
    let schema = &v["schema"];
    assert_eq!(
        schema["inventories[0]"],
        "org.zstack.header.vm.VmInstanceInventory"
    );
    assert_eq!(
        schema["inventories[1]"],
        "org.zstack.header.vm.VmInstanceInventory"
    );
    assert_eq!(
        schema["inventories[0].vmNics[0]"],
        "org.zstack.header.vm.VmNicInventory"
    );
    assert_eq!(
        schema["inventories[0].allVolumes[0]"],
        "org.zstack.header.volume.VolumeInventory"
    );
    let hosts = zs.get("/hosts?limit=1").await.json();
    assert_eq!(
        hosts["schema"]["inventories[0]"],
        "org.zstack.kvm.KVMHostInventory"
    );
    let bs = zs.get("/backup-storage").await.json();
    for (i, b) in bs["inventories"].as_array().unwrap().iter().enumerate() {
        let class = s(&bs["schema"][format!("inventories[{i}]")]);
        match s(&b["type"]) {
            "ImageStoreBackupStorage" => {
                assert_eq!(
                    class,
                    "org.zstack.storage.backup.imagestore.ImageStoreBackupStorageInventory"
                );
                assert!(b["hostname"].is_string());
            }
            "SftpBackupStorage" => assert_eq!(
                class,
                "org.zstack.storage.backup.sftp.SftpBackupStorageInventory"
            ),
            other => panic!("unexpected type {other}"),
        }
    }
    let image_stores = zs.list("/backup-storage/image-store").await;
    assert!(
        image_stores
            .iter()
            .all(|b| b["type"] == "ImageStoreBackupStorage")
    );
    assert_eq!(image_stores.len(), 4);
    let trees = zs.get("/volume-snapshots/trees?limit=1").await.json();
    assert_eq!(
        trees["schema"]["inventories[0].tree"],
        "org.zstack.header.storage.snapshot.SnapshotLeafInventory"
    );
    assert_eq!(
        trees["schema"]["inventories[0].tree.inventory"],
        "org.zstack.header.storage.snapshot.VolumeSnapshotInventory"
    );

    // no nulls anywhere, ever; dates in the Java 8 form; uuids 32 hex v4
    for path in [
        "/zones",
        "/clusters",
        "/hosts",
        "/primary-storage",
        "/backup-storage",
        "/images",
        "/l3-networks",
        "/vm-instances",
        "/volumes",
        "/vm-instances/nics",
        "/volume-snapshots",
        "/volume-snapshots/trees",
        "/volume-snapshots/group",
        "/volume-backups",
        "/database-backups",
        "/longjobs",
        "/management-nodes",
    ] {
        let v = zs.get(path).await.json();
        assert_no_nulls(&v, path);
        let list = v["inventories"].as_array().unwrap();
        assert!(!list.is_empty(), "{path} is empty");
        for item in list {
            let obj = item.as_object().unwrap();
            if let Some(u) = obj.get("uuid") {
                assert!(is_zstack_uuid(s(u)), "{path}: {u}");
            }
            for key in ["createDate", "lastOpDate", "joinDate", "heartBeat"] {
                if let Some(d) = obj.get(key) {
                    assert!(is_java_date(s(d)), "{path}.{key}: {d}");
                }
            }
        }
    }

    // HTML-sensitive characters come escaped, as Gson writes them
    let volume = s(&zs.list("/volumes?limit=1").await[0]["uuid"]).to_string();
    let id = zs
        .submit(
            "POST",
            &format!("/volumes/{volume}/volume-snapshots"),
            Some(json!({"params": {"name": "a=b<c>&'d'"}})),
        )
        .await;
    let done = zs.wait(&id).await;
    assert!(
        done.text
            .contains(r"a\u003db\u003cc\u003e\u0026\u0027d\u0027"),
        "{}",
        done.text
    );
    assert_eq!(done.json()["inventory"]["name"], "a=b<c>&'d'");
}

// ---- VMs -------------------------------------------------------------------------------------

#[tokio::test]
async fn vm_power_actions_move_through_their_states() {
    let (_server, zs) = start(fast()).await;
    let vm = zs.vms_in("Running").await[0].clone();
    let id = s(&vm["uuid"]).to_string();
    let actions = format!("/vm-instances/{id}/actions");
    let host = s(&vm["hostUuid"]).to_string();
    // the manual's stop body
    let stopped = zs
        .ok(
            "PUT",
            &actions,
            Some(fixture("3_6-StopVmInstance.request.json")),
        )
        .await["inventory"]
        .clone();
    assert_eq!(stopped["state"], "Stopped");
    assert!(
        stopped.get("hostUuid").is_none(),
        "a stopped VM has no host"
    );
    assert_eq!(stopped["lastHostUuid"], host.as_str());
    // stopping a stopped VM succeeds at once
    assert_eq!(
        zs.ok(
            "PUT",
            &actions,
            Some(json!({"stopVmInstance": {"type": "cold"}}))
        )
        .await["inventory"]["state"],
        "Stopped"
    );
    let e = zs
        .refused(
            "PUT",
            &actions,
            Some(json!({"stopVmInstance": {"type": "hard"}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1007");
    // start on a host of another cluster: refused; on its own host (the manual's body)
    let other_host = zs
        .list(&format!("/hosts?q=clusterUuid!={}", s(&vm["clusterUuid"])))
        .await[0]["uuid"]
        .clone();
    let mut body = fixture("3_2-StartVmInstance.request.json");
    body["startVmInstance"]["hostUuid"] = other_host;
    assert_eq!(
        error_code(&zs.refused("PUT", &actions, Some(body.clone())).await),
        "SYS.1006"
    );
    body["startVmInstance"]["hostUuid"] = json!("0123456789ab4def8123456789abcdef");
    let e = zs.refused("PUT", &actions, Some(body.clone())).await;
    assert_eq!(
        (error_code(&e), s(&e["details"])),
        (
            "SYS.1003",
            "invalid field[hostUuid], resource[uuid:0123456789ab4def8123456789abcdef, type:HostVO] not found"
        )
    );
    body["startVmInstance"]["hostUuid"] = json!(host);
    let started = zs.ok("PUT", &actions, Some(body)).await["inventory"].clone();
    assert_eq!(
        (started["state"].clone(), started["hostUuid"].clone()),
        (json!("Running"), json!(host))
    );
    // starting a running VM succeeds at once
    assert_eq!(
        zs.ok("PUT", &actions, Some(json!({"startVmInstance": {}})))
            .await["inventory"]["state"],
        "Running"
    );
    for (action, via, end) in [
        ("rebootVmInstance", "Rebooting", "Running"),
        ("pauseVmInstance", "Pausing", "Paused"),
        ("resumeVmInstance", "Resuming", "Running"),
    ] {
        let job = zs.submit("PUT", &actions, Some(json!({action: {}}))).await;
        let during = zs.vm(&id).await["state"].clone();
        assert!(during == via || during == end, "{action}: {during}");
        let r = zs.wait(&job).await;
        assert_eq!(r.status, 200, "{action}: {}", r.text);
        assert_eq!(r.json()["inventory"]["state"], end);
    }
    let e = zs
        .refused("PUT", &actions, Some(json!({"resumeVmInstance": {}})))
        .await;
    assert_eq!(error_code(&e), "VM.1010");
    let e = zs
        .refused(
            "PUT",
            "/vm-instances/0123456789ab4def8123456789abcdef/actions",
            Some(json!({"startVmInstance": {}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1003");
}

// ---- snapshots -------------------------------------------------------------------------------

/// Checks a volume's trees against its snapshot list and the life-cycle invariants; returns
/// (trees, snapshots by uuid).
async fn check_volume_trees(zs: &Zs, volume: &str) -> (Vec<Value>, BTreeMap<String, Value>) {
    let snaps: BTreeMap<String, Value> = zs
        .snapshots_of(volume)
        .await
        .into_iter()
        .map(|x| (s(&x["uuid"]).to_string(), x))
        .collect();
    let trees = zs.trees_of(volume).await;
    assert!(
        trees.iter().filter(|t| t["current"] == true).count() <= 1,
        "one current tree at most"
    );
    let mut seen = BTreeSet::new();
    for t in &trees {
        let tu = s(&t["uuid"]);
        let mut latest = 0;
        let mut stack = vec![(t["tree"].clone(), None::<String>)];
        while let Some((leaf, parent)) = stack.pop() {
            let inv = &leaf["inventory"];
            let u = s(&inv["uuid"]).to_string();
            assert_eq!(inv["treeUuid"], tu);
            assert_eq!(inv.get("parentUuid").map(|p| s(p).to_string()), parent);
            assert_eq!(leaf.get("parentUuid").map(|p| s(p).to_string()), parent);
            assert!(leaf["children"].is_array(), "children always present");
            let listed = &snaps[&u];
            assert_eq!(listed["latest"], inv["latest"]);
            assert_eq!(listed["treeUuid"], tu);
            if inv["latest"] == true {
                latest += 1;
            }
            seen.insert(u.clone());
            for c in leaf["children"].as_array().unwrap() {
                stack.push((c.clone(), Some(u.clone())));
            }
        }
        assert_eq!(latest, 1, "one latest node per tree: {t:#}");
    }
    assert_eq!(
        seen,
        snaps.keys().cloned().collect::<BTreeSet<_>>(),
        "trees hold every snapshot"
    );
    (trees, snaps)
}

fn current_tree(trees: &[Value]) -> &Value {
    trees
        .iter()
        .find(|t| t["current"] == true)
        .expect("a current tree")
}

fn latest_of(tree: &Value) -> String {
    let mut stack = vec![tree["tree"].clone()];
    while let Some(l) = stack.pop() {
        if l["inventory"]["latest"] == true {
            return s(&l["inventory"]["uuid"]).to_string();
        }
        stack.extend(l["children"].as_array().unwrap().iter().cloned());
    }
    panic!("no latest")
}

fn children_of(tree: &Value, uuid: &str) -> Vec<String> {
    let mut stack = vec![tree["tree"].clone()];
    while let Some(l) = stack.pop() {
        let kids: Vec<Value> = l["children"].as_array().unwrap().clone();
        if l["inventory"]["uuid"] == uuid {
            return kids
                .iter()
                .map(|k| s(&k["inventory"]["uuid"]).to_string())
                .collect();
        }
        stack.extend(kids);
    }
    vec![]
}

#[tokio::test]
async fn seeded_snapshot_trees_follow_the_life_cycle_rules() {
    let (_server, zs) = start(fast()).await;
    let volumes = zs.list("/volumes").await;
    let mut with_snaps = 0;
    let mut multi_tree = 0;
    let mut branched = 0;
    for v in &volumes {
        let (trees, snaps) = check_volume_trees(&zs, s(&v["uuid"])).await;
        if snaps.is_empty() {
            continue;
        }
        with_snaps += 1;
        multi_tree += usize::from(trees.len() > 1);
        if trees
            .iter()
            .any(|t| snaps.keys().any(|u| children_of(t, u).len() > 1))
        {
            branched += 1;
        }
    }
    assert!(with_snaps > 50, "{with_snaps}");
    assert!(
        multi_tree > 3,
        "several trees where a restore replaced the disk: {multi_tree}"
    );
    assert!(
        branched > 3,
        "branches where a revert was followed by a snapshot: {branched}"
    );
    // the first VM of each cluster: exactly 6 snapshots on its root volume (besides group
    // snapshots), an older tree and a branch in the current one
    for c in zs.list("/clusters").await {
        let first = &zs
            .list(&format!(
                "/vm-instances?q=clusterUuid={}&limit=1",
                s(&c["uuid"])
            ))
            .await[0];
        let root = s(&first["rootVolumeUuid"]);
        let (trees, snaps) = check_volume_trees(&zs, root).await;
        let own = snaps
            .values()
            .filter(|x| x.get("groupUuid").is_none())
            .count();
        assert_eq!(own, 6, "{}", c["name"]);
        assert!(trees.len() >= 2);
        let cur = current_tree(&trees);
        assert!(
            snaps.keys().any(|u| children_of(cur, u).len() > 1),
            "{cur:#}"
        );
    }
}

#[tokio::test]
async fn snapshots_hang_under_latest_revert_needs_a_stopped_vm_and_delete_takes_the_subtree() {
    // a slower clock, to look at snapshots while they are created and deleted
    let (_server, zs) = start(SimConfig {
        time_scale: 5.0,
        ..Default::default()
    })
    .await;
    let vm = zs.vms_in("Running").await[0].clone();
    let vm_uuid = s(&vm["uuid"]).to_string();
    let root = s(&vm["rootVolumeUuid"]).to_string();
    let create = format!("/volumes/{root}/volume-snapshots");

    // the first snapshot (if none yet) opens a tree; later ones hang under `latest`
    let first = zs
        .ok("POST", &create, Some(json!({"params": {"name": "s1"}})))
        .await["inventory"]
        .clone();
    let (trees, _) = check_volume_trees(&zs, &root).await;
    assert_eq!(latest_of(current_tree(&trees)), s(&first["uuid"]));
    let id = zs
        .submit(
            "POST",
            &create,
            Some(json!({"params": {"name": "s2", "description": "second"}})),
        )
        .await;
    let during = zs.snapshots_of(&root).await;
    let creating = during
        .iter()
        .find(|x| x["name"] == "s2")
        .expect("listed while it is taken");
    assert_eq!(creating["status"], "Creating");
    let second = zs.wait(&id).await.json()["inventory"].clone();
    assert_eq!(second["status"], "Ready");
    assert_eq!(second["parentUuid"], first["uuid"]);
    assert_eq!(second["treeUuid"], first["treeUuid"]);
    assert_eq!(second["latest"], true);
    assert_eq!(second["distance"], first["distance"].as_u64().unwrap() + 1);
    assert_eq!(
        zs.one("/volume-snapshots", s(&first["uuid"])).await["latest"],
        false
    );
    let third = zs
        .ok("POST", &create, Some(json!({"params": {"name": "s3"}})))
        .await["inventory"]
        .clone();
    assert_eq!(third["parentUuid"], second["uuid"]);

    // revert while the VM runs: SYS.1006 with the platform's words
    let revert = |snap: &Value| format!("/volume-snapshots/{}/actions", s(&snap["uuid"]));
    let e = zs
        .refused(
            "PUT",
            &revert(&first),
            Some(json!({"revertVolumeFromSnapshot": {}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1006");
    assert_eq!(e["description"], "An operation failed");
    assert_eq!(
        s(&e["details"]),
        format!(
            "unable to reset volume[uuid:{root}] to snapshot[uuid:{}], the vm[uuid:{vm_uuid}] volume attached to is not in Stopped state, current state is Running",
            s(&first["uuid"])
        )
    );
    zs.stop(&vm_uuid).await;
    let path_before = zs.one("/volumes", &root).await["installPath"].clone();
    let r = zs
        .ok(
            "PUT",
            &revert(&first),
            Some(json!({"revertVolumeFromSnapshot": {}})),
        )
        .await;
    assert_eq!(r, json!({}), "RevertVolumeFromSnapshot answers nothing");
    assert_ne!(zs.one("/volumes", &root).await["installPath"], path_before);
    let (trees, _) = check_volume_trees(&zs, &root).await;
    let cur = current_tree(&trees);
    assert_eq!(cur["uuid"], first["treeUuid"]);
    assert_eq!(latest_of(cur), s(&first["uuid"]));
    // the next snapshot opens a branch under the reverted node
    let branch = zs
        .ok("POST", &create, Some(json!({"params": {"name": "branch"}})))
        .await["inventory"]
        .clone();
    assert_eq!(branch["parentUuid"], first["uuid"]);
    let (trees, _) = check_volume_trees(&zs, &root).await;
    let kids = children_of(current_tree(&trees), s(&first["uuid"]));
    assert_eq!(kids.len(), 2, "{kids:?}");

    // a revert into an older tree makes that tree current
    if let Some(old) = trees.iter().find(|t| t["current"] == false) {
        let target = old["tree"]["inventory"].clone();
        zs.ok(
            "PUT",
            &revert(&target),
            Some(json!({"revertVolumeFromSnapshot": {}})),
        )
        .await;
        let (trees, _) = check_volume_trees(&zs, &root).await;
        assert_eq!(current_tree(&trees)["uuid"], old["uuid"]);
        assert_eq!(latest_of(current_tree(&trees)), s(&target["uuid"]));
        zs.ok(
            "PUT",
            &revert(&second),
            Some(json!({"revertVolumeFromSnapshot": {}})),
        )
        .await;
    } else {
        zs.ok(
            "PUT",
            &revert(&second),
            Some(json!({"revertVolumeFromSnapshot": {}})),
        )
        .await;
    }

    // delete `second` (the latest, with `third` below): both go Deleting, then away, and
    // the parent becomes latest
    let id = zs
        .submit(
            "DELETE",
            &format!(
                "/volume-snapshots/{}?deleteMode=Permissive",
                s(&second["uuid"])
            ),
            None,
        )
        .await;
    let during: BTreeMap<String, Value> = zs
        .snapshots_of(&root)
        .await
        .into_iter()
        .map(|x| (s(&x["uuid"]).to_string(), x))
        .collect();
    assert_eq!(during[s(&second["uuid"])]["status"], "Deleting");
    assert_eq!(during[s(&third["uuid"])]["status"], "Deleting");
    assert_eq!(during[s(&branch["uuid"])]["status"], "Ready");
    let r = zs.wait(&id).await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let (trees, snaps) = check_volume_trees(&zs, &root).await;
    assert!(!snaps.contains_key(s(&second["uuid"])) && !snaps.contains_key(s(&third["uuid"])));
    assert!(snaps.contains_key(s(&branch["uuid"])));
    assert_eq!(latest_of(current_tree(&trees)), s(&first["uuid"]));
    assert_eq!(
        children_of(current_tree(&trees), s(&first["uuid"])),
        vec![s(&branch["uuid"]).to_string()]
    );
    // deleting the root takes the whole tree
    let tree_uuid = s(&first["treeUuid"]).to_string();
    let root_snap = s(&current_tree(&trees)["tree"]["inventory"]["uuid"]).to_string();
    zs.ok("DELETE", &format!("/volume-snapshots/{root_snap}"), None)
        .await;
    let (trees, _) = check_volume_trees(&zs, &root).await;
    assert!(trees.iter().all(|t| t["uuid"] != tree_uuid.as_str()));
    assert!(trees.iter().all(|t| t["current"] == false));
    // ... so the next snapshot starts a new current tree
    let fresh = zs
        .ok("POST", &create, Some(json!({"params": {"name": "fresh"}})))
        .await["inventory"]
        .clone();
    assert!(fresh.get("parentUuid").is_none());
    let (trees, _) = check_volume_trees(&zs, &root).await;
    assert_eq!(current_tree(&trees)["uuid"], fresh["treeUuid"]);

    // deleting what is gone: success if it looks like a uuid, else SYS.1003
    let r = zs
        .run(
            "DELETE",
            &format!("/volume-snapshots/{}", s(&third["uuid"])),
            None,
        )
        .await;
    assert_eq!(r, Ok(json!({})));
    let e = zs.refused("DELETE", "/volume-snapshots/nope", None).await;
    assert_eq!(
        (error_code(&e), s(&e["details"])),
        (
            "SYS.1003",
            "invalid field[uuid], resource[uuid:nope, type:VolumeSnapshotVO] not found"
        )
    );
    // creating needs a name and an existing volume
    let e = zs
        .refused("POST", &create, Some(json!({"params": {}})))
        .await;
    assert_eq!(
        s(&e["details"]),
        "field[name] of message[org.zstack.header.volume.APICreateVolumeSnapshotMsg] is mandatory, can not be null"
    );
    let e = zs
        .refused(
            "POST",
            "/volumes/0123456789ab4def8123456789abcdef/volume-snapshots",
            Some(json!({"params": {"name": "x"}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1003");
    // update and size
    let upd = zs
        .ok(
            "PUT",
            &revert(&fresh),
            Some(json!({"updateVolumeSnapshot": {"name": "renamed", "description": "d"}})),
        )
        .await;
    assert_eq!(
        (
            upd["inventory"]["name"].clone(),
            upd["inventory"]["description"].clone()
        ),
        (json!("renamed"), json!("d"))
    );
    let size = zs
        .ok(
            "PUT",
            &revert(&fresh),
            Some(json!({"getVolumeSnapshotSize": {}})),
        )
        .await;
    assert!(size["size"].as_u64().unwrap() > 0 && size["success"] == true);
}

#[tokio::test]
async fn snapshot_groups_take_revert_and_delete_every_volume_together() {
    let (_server, zs) = start(fast()).await;
    let vm = zs
        .vms_in("Running")
        .await
        .into_iter()
        .find(|v| v["allVolumes"].as_array().unwrap().len() >= 2)
        .expect("a running VM with a data volume");
    let vm_uuid = s(&vm["uuid"]).to_string();
    let volumes: Vec<String> = vm["allVolumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| s(&v["uuid"]).to_string())
        .collect();
    let create = json!({"params": {"rootVolumeUuid": vm["rootVolumeUuid"], "name": "整机快照-test", "withMemory": false}});
    let g = zs.ok("POST", "/volume-snapshots/group", Some(create)).await["inventory"].clone();
    assert_eq!(g["snapshotCount"], volumes.len());
    assert_eq!(g["vmInstanceUuid"], vm_uuid.as_str());
    let refs = g["volumeSnapshotRefs"].as_array().unwrap().clone();
    assert_eq!(
        refs.iter()
            .map(|r| s(&r["volumeUuid"]).to_string())
            .collect::<BTreeSet<_>>(),
        volumes.iter().cloned().collect()
    );
    for r in &refs {
        let snap = zs
            .one("/volume-snapshots", s(&r["volumeSnapshotUuid"]))
            .await;
        assert_eq!(snap["groupUuid"], g["uuid"]);
        assert_eq!(snap["latest"], true);
        assert_eq!(r["snapshotDeleted"], false);
    }
    let g_uuid = s(&g["uuid"]).to_string();
    assert!(
        uuids(
            &zs.list(&format!(
                "/volume-snapshots/group?q=vmInstanceUuid={vm_uuid}"
            ))
            .await
        )
        .contains(&g_uuid)
    );
    // memory snapshots need a running VM; revert needs a stopped one
    let actions = format!("/volume-snapshots/group/{g_uuid}/actions");
    let e = zs
        .refused(
            "PUT",
            &actions,
            Some(json!({"revertVmFromSnapshotGroup": {}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1006");
    zs.stop(&vm_uuid).await;
    let e = zs
        .refused("POST", "/volume-snapshots/group", Some(json!({"params": {"rootVolumeUuid": vm["rootVolumeUuid"], "name": "m", "withMemory": true}})))
        .await;
    assert_eq!(error_code(&e), "SYS.1006");
    let r = zs
        .ok(
            "PUT",
            &actions,
            Some(json!({"revertVmFromSnapshotGroup": {}})),
        )
        .await;
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), volumes.len());
    assert!(results.iter().all(|x| x["success"] == true), "{r}");
    for x in results {
        assert_eq!(
            zs.one("/volume-snapshots", s(&x["snapshotUuid"])).await["latest"],
            true
        );
    }
    // availability: all there; after deleting one member, not
    let avail = |u: String| {
        let zs = &zs;
        async move {
            zs.get(&format!(
                "/volume-snapshots/groups/availabilities?uuids={u}"
            ))
            .await
            .json()
        }
    };
    assert_eq!(avail(g_uuid.clone()).await["results"][0]["available"], true);
    let member = s(&refs[1]["volumeSnapshotUuid"]).to_string();
    zs.ok("DELETE", &format!("/volume-snapshots/{member}"), None)
        .await;
    let a = avail(g_uuid.clone()).await;
    assert_eq!(a["results"][0]["available"], false);
    assert!(a["results"][0]["reason"].is_string());
    let g_now = zs.one("/volume-snapshots/group", &g_uuid).await;
    let deleted: Vec<bool> = g_now["volumeSnapshotRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["snapshotDeleted"] == true)
        .collect();
    assert_eq!(deleted.iter().filter(|d| **d).count(), 1);
    let r = zs
        .ok(
            "PUT",
            &actions,
            Some(json!({"revertVmFromSnapshotGroup": {}})),
        )
        .await;
    let failed: Vec<&Value> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["success"] == false)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["snapshotUuid"], member.as_str());
    assert_eq!(failed[0]["error"]["code"], "SYS.1003");
    // delete the group: its snapshots go too
    let r = zs
        .ok("DELETE", &format!("/volume-snapshots/group/{g_uuid}"), None)
        .await;
    assert_eq!(r["results"].as_array().unwrap().len(), volumes.len());
    assert!(
        zs.list(&format!("/volume-snapshots/group/{g_uuid}"))
            .await
            .is_empty()
    );
    for x in &refs {
        assert!(
            zs.list(&format!(
                "/volume-snapshots/{}",
                s(&x["volumeSnapshotUuid"])
            ))
            .await
            .is_empty()
        );
    }
    // ungroup keeps the snapshots and forgets the group
    let g2 = zs
        .ok(
            "POST",
            "/volume-snapshots/group",
            Some(json!({"params": {"rootVolumeUuid": vm["rootVolumeUuid"], "name": "later"}})),
        )
        .await["inventory"]
        .clone();
    let g2_uuid = s(&g2["uuid"]).to_string();
    let kept: Vec<String> = g2["volumeSnapshotRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(&r["volumeSnapshotUuid"]).to_string())
        .collect();
    let r = zs
        .ok(
            "DELETE",
            &format!("/volume-snapshots/ungroup/{g2_uuid}"),
            None,
        )
        .await;
    assert_eq!(r, json!({}));
    assert!(
        zs.list(&format!("/volume-snapshots/group/{g2_uuid}"))
            .await
            .is_empty()
    );
    assert_eq!(kept.len(), volumes.len());
    for k in kept {
        let snap = zs.one("/volume-snapshots", &k).await;
        assert!(snap.get("groupUuid").is_none());
    }
}

// ---- backups ---------------------------------------------------------------------------------

struct Stores {
    local: String,
    remote: String,
    sftp: String,
    disabled: String,
}

async fn stores(zs: &Zs) -> Stores {
    let m = zs.backup_storages().await;
    let u = |n: &str| s(&m[n]["uuid"]).to_string();
    Stores {
        local: u("imagestore-主仓库"),
        remote: u("远程灾备仓库"),
        sftp: u("sftp-legacy"),
        disabled: u("imagestore-维护中"),
    }
}

/// A running VM of the main zone (its backups go to the main image store), with a data
/// volume.
async fn running_vm_in_main_zone(zs: &Zs) -> Value {
    let zone = zs.list("/zones?q=name=ZONE-1").await[0]["uuid"].clone();
    zs.vms_in("Running")
        .await
        .into_iter()
        .find(|v| v["zoneUuid"] == zone && v["allVolumes"].as_array().unwrap().len() >= 2)
        .expect("a running VM with a data volume in ZONE-1")
}

fn copies(b: &Value) -> BTreeMap<String, String> {
    b["backupStorageRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                s(&r["backupStorageUuid"]).to_string(),
                s(&r["status"]).to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn volume_backups_create_sync_recover_revert_template_and_delete() {
    let (_server, zs) = start(quick()).await;
    let st = stores(&zs).await;
    let vm = running_vm_in_main_zone(&zs).await;
    let vm_uuid = s(&vm["uuid"]).to_string();
    let data = s(&vm["allVolumes"][1]["uuid"]).to_string();
    let create = |v: &str| format!("/volumes/{v}/volume-backups");
    // the manual's body, with our uuids
    let mut body = fixture("4_1-CreateVolumeBackup.request.json");
    body["params"]["backupStorageUuid"] = json!(st.sftp);
    let e = zs.refused("POST", &create(&data), Some(body.clone())).await;
    assert_eq!(
        (error_code(&e), s(&e["details"])),
        (
            "SYS.1006",
            format!(
                "Unexpected backup storage[type:SftpBackupStorage,uuid:{}]",
                st.sftp
            )
            .as_str()
        )
    );
    body["params"]["backupStorageUuid"] = json!(st.disabled);
    let e = zs.refused("POST", &create(&data), Some(body.clone())).await;
    assert_eq!(
        s(&e["details"]),
        "current backup storage state[Disabled] doesn't allow to proceed message[org.zstack.header.storage.volume.backup.APICreateVolumeBackupMsg], allowed states are [Enabled]"
    );
    body["params"]["backupStorageUuid"] = json!(st.local);
    let id = zs.submit("POST", &create(&data), Some(body)).await;
    let creating = zs
        .list(&format!(
            "/volume-backups?q=volumeUuid={data}&sort=-createDate&limit=1"
        ))
        .await;
    assert_eq!(creating[0]["status"], "Creating");
    let r = zs.wait(&id).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let backup = r.json()["inventory"].clone();
    assert_like(
        "4.1 CreateVolumeBackup",
        &fixture("4_1-CreateVolumeBackup.response.json")["inventory"],
        &backup,
    );
    assert_eq!(
        (backup["status"].clone(), backup["type"].clone()),
        (json!("Ready"), json!("Data"))
    );
    assert_eq!(backup["vmInstanceUuid"], vm_uuid.as_str());
    assert!(matches!(s(&backup["mode"]), "full" | "incremental"));
    assert_eq!(
        copies(&backup),
        BTreeMap::from([(st.local.clone(), "Ready".to_string())])
    );
    let b = s(&backup["uuid"]).to_string();
    // the manual's query forms
    assert_like(
        "4.3 QueryVolumeBackup",
        &fixture("4_3-QueryVolumeBackup.response.json")["inventories"][0],
        &zs.list(&format!("/volume-backups?q=uuid={b}")).await[0],
    );
    assert_eq!(zs.one("/volume-backups", &b).await["uuid"], b.as_str());

    // sync to the remote store: a second copy, Downloading, then Ready
    let actions = format!("/volume-backups/{b}/actions");
    let mut sync = fixture("4_8-SyncBackupFromImageStoreBackupStorage.request.json");
    sync["syncBackupFromImageStoreBackupStorage"] =
        json!({"srcBackupStorageUuid": st.local, "dstBackupStorageUuid": st.remote});
    let id = zs.submit("PUT", &actions, Some(sync.clone())).await;
    assert_eq!(
        copies(&zs.one("/volume-backups", &b).await)[&st.remote],
        "Downloading"
    );
    let synced = zs.wait(&id).await.json()["inventory"].clone();
    assert_like(
        "4.8 Sync",
        &fixture("4_8-SyncBackupFromImageStoreBackupStorage.response.json")["inventory"],
        &synced,
    );
    assert_eq!(
        copies(&synced),
        BTreeMap::from([
            (st.local.clone(), "Ready".to_string()),
            (st.remote.clone(), "Ready".to_string())
        ])
    );
    // the manual's delete URL: only the local copy goes
    let r = zs
        .ok(
            "DELETE",
            &format!(
                "/volume-backups/{b}?backupStorageUuids={}&deleteMode=Permissive",
                st.local
            ),
            None,
        )
        .await;
    assert_eq!(r, json!({}));
    assert_eq!(
        copies(&zs.one("/volume-backups", &b).await),
        BTreeMap::from([(st.remote.clone(), "Ready".to_string())])
    );
    // syncing from a store that does not hold it
    let e = zs.refused("PUT", &actions, Some(sync.clone())).await;
    assert_eq!(
        s(&e["details"]),
        format!(
            "volume backup[uuid:{b}] is not on backup storage[uuid:{}]",
            st.local
        )
    );

    // revert needs a stopped VM, then a local copy
    let revert = json!({"revertVolumeFromVolumeBackup": {}});
    let e = zs.refused("PUT", &actions, Some(revert.clone())).await;
    assert_eq!(s(&e["details"]), "VM is not in stopped state: Running");
    zs.stop(&vm_uuid).await;
    let e = zs.refused("PUT", &actions, Some(revert.clone())).await;
    assert_eq!(s(&e["details"]), "No available backup storage found");
    // recover it from the remote store (src = the local store that receives it)
    let mut recover = fixture("4_7-RecoverBackupFromImageStoreBackupStorage.request.json");
    recover["recoverBackupFromImageStoreBackupStorage"] =
        json!({"srcBackupStorageUuid": st.local, "dstBackupStorageUuid": st.remote});
    let rec = zs.ok("PUT", &actions, Some(recover)).await["inventory"].clone();
    assert_like(
        "4.7 Recover",
        &fixture("4_7-RecoverBackupFromImageStoreBackupStorage.response.json")["inventory"],
        &rec,
    );
    assert_eq!(copies(&rec)[&st.local], "Ready");
    // the manual's body spells it `backupStrogeUuid`
    let mut manual = fixture("4_6-RevertVolumeFromVolumeBackup.request.json");
    manual["revertVolumeFromVolumeBackup"]["backupStrogeUuid"] = json!(st.local);
    let trees_before = zs.trees_of(&data).await;
    let id = zs.submit("PUT", &actions, Some(manual)).await;
    assert_eq!(zs.vm(&vm_uuid).await["state"], "VolumeRecovering");
    let r = zs.wait(&id).await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    assert_eq!(zs.vm(&vm_uuid).await["state"], "Stopped");
    // the disk was replaced: no tree is current, the next snapshot starts one
    let (trees, _) = check_volume_trees(&zs, &data).await;
    assert_eq!(trees.len(), trees_before.len());
    assert!(trees.iter().all(|t| t["current"] == false));
    let snap = zs
        .ok(
            "POST",
            &format!("/volumes/{data}/volume-snapshots"),
            Some(json!({"params": {"name": "after-restore"}})),
        )
        .await["inventory"]
        .clone();
    assert!(snap.get("parentUuid").is_none());
    let (trees, _) = check_volume_trees(&zs, &data).await;
    assert_eq!(trees.len(), trees_before.len() + 1);
    assert_eq!(current_tree(&trees)["uuid"], snap["treeUuid"]);
    // a backup on a stopped VM is refused
    let e = zs
        .refused(
            "POST",
            &create(&data),
            Some(json!({"params": {"backupStorageUuid": st.local, "name": "x"}})),
        )
        .await;
    assert_eq!(
        s(&e["details"]),
        format!(
            "Failed to create volume backup for volume[uuid:{data}], because its attached volume is not in state[Running, Paused]"
        )
    );

    // templates: a data template from a data backup (the manual's bodies)
    let mut tpl = fixture("4_4-CreateDataVolumeTemplateFromVolumeBackup.request.json");
    tpl["params"]["backupStorageUuid"] = json!(st.local);
    let image = zs
        .ok(
            "POST",
            &format!("/images/data-volume-templates/from/volume-template/{b}"),
            Some(tpl),
        )
        .await["inventory"]
        .clone();
    assert_like(
        "4.4 data template",
        &fixture("4_4-CreateDataVolumeTemplateFromVolumeBackup.response.json")["inventory"],
        &image,
    );
    assert_eq!(
        (image["mediaType"].clone(), image["status"].clone()),
        (json!("DataVolumeTemplate"), json!("Ready"))
    );
    assert_eq!(
        zs.one("/images", s(&image["uuid"])).await["name"],
        "template"
    );
    let mut root_tpl = fixture("4_5-CreateRootVolumeTemplateFromVolumeBackup.request.json");
    root_tpl["params"]["backupStorageUuid"] = json!(st.local);
    let e = zs
        .refused(
            "POST",
            &format!("/images/root-volume-templates/from/volume-template/{b}"),
            Some(root_tpl.clone()),
        )
        .await;
    assert_eq!(
        error_code(&e),
        "SYS.1006",
        "a data backup makes no root template"
    );
    let root_backups = zs
        .list(&format!(
            "/volume-backups?q=type=Root&q=backupStorageRefs.backupStorageUuid={}&q=vmInstance.uuid not null&limit=1",
            st.local
        ))
        .await;
    let rb = &root_backups[0];
    let owner = zs.vm(s(&rb["vmInstanceUuid"])).await;
    let image = zs
        .ok(
            "POST",
            &format!(
                "/images/root-volume-templates/from/volume-template/{}",
                s(&rb["uuid"])
            ),
            Some(root_tpl),
        )
        .await["inventory"]
        .clone();
    assert_like(
        "4.5 root template",
        &fixture("4_5-CreateRootVolumeTemplateFromVolumeBackup.response.json")["inventory"],
        &image,
    );
    assert_eq!(image["mediaType"], "RootVolumeTemplate");
    assert_eq!(image["platform"], owner["platform"]);
    assert_eq!(image["guestOsType"], owner["guestOsType"]);

    // delete it all; deleting again succeeds
    zs.ok("DELETE", &format!("/volume-backups/{b}"), None).await;
    assert!(zs.list(&format!("/volume-backups/{b}")).await.is_empty());
    assert_eq!(
        zs.run("DELETE", &format!("/volume-backups/{b}"), None)
            .await,
        Ok(json!({}))
    );

    // seeded backups: a disabled one, and ones whose VM is gone
    let disabled = zs.list("/volume-backups?q=state=Disabled").await;
    assert!(!disabled.is_empty());
    let e = zs
        .refused(
            "PUT",
            &format!("/volume-backups/{}/actions", s(&disabled[0]["uuid"])),
            Some(revert.clone()),
        )
        .await;
    assert!(
        s(&e["details"]).ends_with("is in state Disabled, cannot revert volume to it"),
        "{e}"
    );
    let orphans = zs
        .list("/volume-backups?q=name~=旧OA系统%&q=type=Root")
        .await;
    assert_eq!(orphans.len(), 3);
    let e = zs
        .refused(
            "PUT",
            &format!("/volume-backups/{}/actions", s(&orphans[0]["uuid"])),
            Some(revert),
        )
        .await;
    assert!(
        s(&e["details"]).contains("has been deleted, cannot revert volume to it"),
        "{e}"
    );
}

#[tokio::test]
async fn vm_backups_are_volume_backups_sharing_a_group_uuid() {
    let (_server, zs) = start(quick()).await;
    let st = stores(&zs).await;
    let vm = running_vm_in_main_zone(&zs).await;
    let vm_uuid = s(&vm["uuid"]).to_string();
    let root = s(&vm["rootVolumeUuid"]).to_string();
    let n = vm["allVolumes"].as_array().unwrap().len();
    let mut body = fixture("4_9-CreateVmBackup.request.json");
    body["params"]["backupStorageUuid"] = json!(st.local);
    let e = zs
        .refused(
            "POST",
            &format!("/volumes/{}/vm-backups", s(&vm["allVolumes"][1]["uuid"])),
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        s(&e["details"]),
        format!(
            "Volume[uuid:{}] is not root volume",
            s(&vm["allVolumes"][1]["uuid"])
        )
    );
    let made = zs
        .ok(
            "POST",
            &format!("/volumes/{root}/vm-backups"),
            Some(body.clone()),
        )
        .await;
    assert_like(
        "4.9 CreateVmBackup",
        &fixture("4_9-CreateVmBackup.response.json")["inventories"][0],
        &made["inventories"][0],
    );
    let rows = made["inventories"].as_array().unwrap().clone();
    assert_eq!(rows.len(), n);
    let group = s(&rows[0]["groupUuid"]).to_string();
    for r in &rows {
        assert_eq!(r["groupUuid"], group.as_str());
        assert_eq!(r["vmInstanceUuid"], vm_uuid.as_str());
        assert_eq!(r["name"], "backup-1");
    }
    assert_eq!(rows.iter().filter(|r| r["type"] == "Root").count(), 1);
    assert_eq!(
        uuids(
            &zs.list(&format!("/volume-backups?q=groupUuid={group}"))
                .await
        ),
        uuids(&rows)
    );

    let actions = format!("/vm-backups/{group}/actions");
    let mut sync = fixture("4_13-SyncVmBackupFromImageStoreBackupStorage.request.json");
    sync["syncVmBackupFromImageStoreBackupStorage"] =
        json!({"srcBackupStorageUuid": st.local, "dstBackupStorageUuid": st.remote});
    let synced = zs.ok("PUT", &actions, Some(sync)).await;
    assert_like(
        "4.13 SyncVmBackup",
        &fixture("4_13-SyncVmBackupFromImageStoreBackupStorage.response.json")["inventories"][0],
        &synced["inventories"][0],
    );
    for r in synced["inventories"].as_array().unwrap() {
        assert_eq!(copies(r).len(), 2);
    }
    // the manual's delete URL (spelled `backupStorageUids`): the local copies go
    zs.ok(
        "DELETE",
        &format!(
            "/vm-backups/{group}?backupStorageUids={}&deleteMode=Permissive",
            st.local
        ),
        None,
    )
    .await;
    for r in zs
        .list(&format!("/volume-backups?q=groupUuid={group}"))
        .await
    {
        assert_eq!(
            copies(&r),
            BTreeMap::from([(st.remote.clone(), "Ready".to_string())])
        );
    }
    let mut recover = fixture("4_12-RecoverVmBackupFromImageStoreBackupStorage.request.json");
    recover["recoverVmBackupFromImageStoreBackupStorage"] =
        json!({"srcBackupStorageUuid": st.local, "dstBackupStorageUuid": st.remote});
    let rec = zs.ok("PUT", &actions, Some(recover)).await;
    assert_like(
        "4.12 RecoverVmBackup",
        &fixture("4_12-RecoverVmBackupFromImageStoreBackupStorage.response.json")["inventories"][0],
        &rec["inventories"][0],
    );
    for r in rec["inventories"].as_array().unwrap() {
        assert_eq!(copies(r)[&st.local], "Ready");
    }

    // revert the whole VM: needs it stopped
    let mut revert = fixture("4_11-RevertVmFromVmBackup.request.json");
    revert["revertVmFromVmBackup"]["backupStorageUuid"] = json!(st.local);
    let e = zs.refused("PUT", &actions, Some(revert.clone())).await;
    assert_eq!(s(&e["details"]), "VM is not in stopped state: Running");
    zs.stop(&vm_uuid).await;
    let id = zs.submit("PUT", &actions, Some(revert)).await;
    assert_eq!(zs.vm(&vm_uuid).await["state"], "VolumeRecovering");
    assert_eq!(zs.wait(&id).await.status, 200);
    assert_eq!(zs.vm(&vm_uuid).await["state"], "Stopped");
    for v in vm["allVolumes"].as_array().unwrap() {
        let trees = zs.trees_of(s(&v["uuid"])).await;
        assert!(trees.iter().all(|t| t["current"] == false), "{}", v["uuid"]);
    }
    // a backup of a running VM is refused; so is an unknown group
    let e = zs
        .refused("POST", &format!("/volumes/{root}/vm-backups"), Some(body))
        .await;
    assert_eq!(
        s(&e["details"]),
        format!(
            "Failed to create backups for VM[uuid:{vm_uuid}], because it is not in state[Running, Paused]"
        )
    );
    let e = zs
        .refused(
            "PUT",
            "/vm-backups/0123456789ab4def8123456789abcdef/actions",
            Some(json!({"revertVmFromVmBackup": {}})),
        )
        .await;
    assert_eq!(
        s(&e["details"]),
        "No volume backup found for group uuid: 0123456789ab4def8123456789abcdef"
    );
    // delete the VM backup: every member goes
    assert_eq!(
        zs.ok("DELETE", &format!("/vm-backups/{group}"), None).await,
        json!({})
    );
    assert!(
        zs.list(&format!("/volume-backups?q=groupUuid={group}"))
            .await
            .is_empty()
    );
    // seeded VM backups: groups with root and data members
    let seeded = zs.list("/volume-backups?q=groupUuid not null").await;
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for b in seeded {
        groups
            .entry(s(&b["groupUuid"]).to_string())
            .or_default()
            .push(b);
    }
    assert!(groups.len() >= 100, "{}", groups.len());
    assert!(groups.values().any(|g| g.len() > 1));
    for g in groups.values() {
        let vms: BTreeSet<String> = g.iter().map(|b| b["vmInstanceUuid"].to_string()).collect();
        assert_eq!(vms.len(), 1);
        assert_eq!(g.iter().filter(|b| b["type"] == "Root").count(), 1);
    }
}

#[tokio::test]
async fn database_backups_create_export_list_sync_recover_and_delete() {
    let (_server, zs) = start(quick()).await;
    let st = stores(&zs).await;
    let seeded = zs.list("/database-backups").await;
    assert_eq!(seeded.len(), 14);
    // Every dump says how big it is (§4.16's `size`), the finished ones more than nothing.
    assert!(seeded.iter().all(|d| d["size"].as_i64().is_some()));
    assert!(
        seeded
            .iter()
            .filter(|d| d["status"] == "Ready")
            .all(|d| d["size"].as_i64() > Some(0))
    );
    assert!(seeded.iter().any(|d| {
        d["backupStorageRefs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.get("exportUrl").is_some())
    }));
    let mut body = fixture("4_14-CreateDatabaseBackup.request.json");
    body["params"]["backupStorageUuid"] = json!(st.local);
    body["params"]["description"] = json!("db-backup");
    let id = zs.submit("POST", "/database-backups", Some(body)).await;
    assert_eq!(
        zs.list("/database-backups?q=name=zstack-db").await[0]["status"],
        "Creating"
    );
    let db = zs.wait(&id).await.json()["inventory"].clone();
    assert_like(
        "4.14 CreateDatabaseBackup",
        &fixture("4_14-CreateDatabaseBackup.response.json")["inventory"],
        &db,
    );
    assert_eq!(db["status"], "Ready");
    let u = s(&db["uuid"]).to_string();
    assert_like(
        "4.16 QueryDatabaseBackup",
        &fixture("4_16-QueryDatabaseBackup.response.json")["inventories"][0],
        &zs.list(&format!("/database-backups?q=uuid={u}")).await[0],
    );
    // export: once
    let export = format!("/database-backups/{u}/backup-storage/{}/actions", st.local);
    let r = zs
        .ok(
            "PUT",
            &export,
            Some(fixture(
                "4_18-ExportDatabaseBackupFromBackupStorage.request.json",
            )),
        )
        .await;
    assert_like(
        "4.18 Export",
        &fixture("4_18-ExportDatabaseBackupFromBackupStorage.response.json"),
        &r,
    );
    let url = s(&r["databaseBackupUrl"]).to_string();
    assert!(url.starts_with("http://10.0.0.21:8001/"), "{url}");
    let refs = zs.one("/database-backups", &u).await["backupStorageRefs"].clone();
    assert_eq!(refs[0]["exportUrl"], url.as_str());
    let e = zs
        .refused(
            "PUT",
            &export,
            Some(json!({"exportDatabaseBackupFromBackupStorage": {}})),
        )
        .await;
    assert_eq!(
        s(&e["details"]),
        format!(
            "database backup[uuid{u}] has been exported from backupStorage[uuid:{}]",
            st.local
        )
    );
    // the image store lists what it holds (sync GET)
    let r = zs
        .get("/database-backups/image-store?url=ssh://root:password@10.0.0.21:22/zstack_bs&registryPort=8000.0")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let infos = r.json()["infos"].as_array().unwrap().clone();
    assert_like(
        "4.19 GetDatabaseBackupFromImageStore",
        &fixture("4_19-GetDatabaseBackupFromImageStore.response.json")["infos"][0],
        &infos[0],
    );
    assert!(infos.iter().any(|i| i["name"] == u.as_str()));
    let r = zs.get("/database-backups/image-store?url=10.0.0.21").await;
    assert_eq!(r.status, 503);
    assert!(s(&r.json()["error"]["details"]).starts_with("illegal url[10.0.0.21]"));
    let r = zs
        .get("/database-backups/image-store?url=ssh://root:password@localhost:22/zstack_bs")
        .await;
    assert_eq!(
        (r.status, &r.json()["error"]["code"]),
        (503, &json!("SYS.1006"))
    );
    // delete the export: once
    let exported = format!("/exported-database-backup/{u}/backup-storage/{}", st.local);
    assert_eq!(zs.ok("DELETE", &exported, None).await, json!({}));
    assert!(
        zs.one("/database-backups", &u).await["backupStorageRefs"][0]
            .get("exportUrl")
            .is_none()
    );
    let e = zs.refused("DELETE", &exported, None).await;
    assert_eq!(
        s(&e["details"]),
        format!(
            "database backup[uuid{u}] has not been exported from backupStorage[uuid:{}]",
            st.local
        )
    );
    // sync to the remote store
    let mut sync = fixture("4_21-SyncDatabaseBackupFromImageStoreBackupStorage.request.json");
    sync["syncDatabaseBackupFromImageStoreBackupStorage"] =
        json!({"srcBackupStorageUuid": st.local, "dstBackupStorageUuid": st.remote});
    let synced = zs
        .ok("PUT", &format!("/database-backups/{u}/actions"), Some(sync))
        .await["inventory"]
        .clone();
    assert_like(
        "4.21 Sync",
        &fixture("4_21-SyncDatabaseBackupFromImageStoreBackupStorage.response.json")["inventory"],
        &synced,
    );
    assert_eq!(synced["backupStorageRefs"].as_array().unwrap().len(), 2);
    // recover: the manual's body, by uuid, and the refusals
    let r = zs
        .ok(
            "PUT",
            "/database-backups/actions",
            Some(fixture("4_17-RecoverDatabaseFromBackup.request.json")),
        )
        .await;
    assert_like(
        "4.17 Recover",
        &fixture("4_17-RecoverDatabaseFromBackup.response.json"),
        &r,
    );
    let r = zs
        .ok(
            "PUT",
            "/database-backups/actions",
            Some(json!({"recoverDatabaseFromBackup": {"uuid": u, "mysqlRootPassword": "pw"}})),
        )
        .await;
    assert!(r["logListenPort"].as_u64().unwrap() > 0);
    let e = zs
        .refused(
            "PUT",
            "/database-backups/actions",
            Some(json!({"recoverDatabaseFromBackup": {"uuid": u}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1007");
    // `?uuid=` in the URL, as the manual writes it, is not read for a PUT
    let e = zs
        .refused(
            "PUT",
            &format!("/database-backups/actions?uuid={u}"),
            Some(json!({"recoverDatabaseFromBackup": {"mysqlRootPassword": "pw"}})),
        )
        .await;
    assert_eq!(s(&e["details"]), "installPath and bsUrl are both need");
    // delete the local copy (the manual's URL form), then the rest
    zs.ok(
        "DELETE",
        &format!("/database-backups/{u}?backupStorageUuids={}", st.local),
        None,
    )
    .await;
    let left = zs.one("/database-backups", &u).await;
    assert_eq!(
        copies(&left),
        BTreeMap::from([(st.remote.clone(), "Ready".to_string())])
    );
    zs.ok("DELETE", &format!("/database-backups/{u}"), None)
        .await;
    assert!(zs.list(&format!("/database-backups/{u}")).await.is_empty());
    let e = zs
        .refused(
            "POST",
            "/database-backups",
            Some(json!({"params": {"name": "x", "backupStorageUuid": st.disabled}})),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1006");
}

// ---- long jobs -------------------------------------------------------------------------------

#[tokio::test]
async fn long_jobs_run_the_wrapped_api_by_its_rules() {
    let (_server, zs) = start(fast()).await;
    assert_eq!(zs.list("/longjobs").await.len(), 5);
    let stopped = zs.vms_in("Stopped").await;
    let mut target = None;
    for vm in &stopped {
        let snaps = zs.snapshots_of(s(&vm["rootVolumeUuid"])).await;
        if let Some(x) = snaps.iter().find(|x| x["latest"] == false) {
            target = Some(x.clone());
            break;
        }
    }
    let snap = target.expect("a stopped VM with an older snapshot");
    let submit = |name: &str, data: Value| json!({"params": {"jobName": name, "jobData": data.to_string(), "targetResourceUuid": snap["volumeUuid"], "name": "回滚云盘"}});
    let job = zs
        .ok(
            "POST",
            "/longjobs",
            Some(submit(
                "APIRevertVolumeFromSnapshotMsg",
                json!({"uuid": snap["uuid"]}),
            )),
        )
        .await["inventory"]
        .clone();
    assert_eq!(job["state"], "Running");
    assert_eq!(job["jobName"], "APIRevertVolumeFromSnapshotMsg");
    let ju = s(&job["uuid"]).to_string();
    wait_until("the long job succeeds", || async {
        zs.one("/longjobs", &ju).await["state"] == "Succeeded"
    })
    .await;
    let done = zs.one("/longjobs", &ju).await;
    assert_eq!(done["jobResult"], "Succeeded");
    // Whole seconds, at least one (the work took well under a simulated minute).
    let secs = done["executeTime"].as_i64().unwrap();
    assert!((1..60).contains(&secs), "executeTime {secs}");
    assert_eq!(
        zs.one("/volume-snapshots", s(&snap["uuid"])).await["latest"],
        true
    );
    // refused by the wrapped API's own rule: the job fails with that error
    let running = zs.vms_in("Running").await;
    let mut busy = None;
    for vm in &running {
        if let Some(x) = zs.snapshots_of(s(&vm["rootVolumeUuid"])).await.first() {
            busy = Some(x.clone());
            break;
        }
    }
    let busy = busy.unwrap();
    let failed = zs
        .ok(
            "POST",
            "/longjobs",
            Some(submit(
                "APIRevertVolumeFromSnapshotMsg",
                json!({"uuid": busy["uuid"]}),
            )),
        )
        .await["inventory"]
        .clone();
    assert_eq!(failed["state"], "Failed");
    // A JobResultError, as MNs write it since 2020: no code, the details and the root cause.
    let result: Value = serde_json::from_str(s(&failed["jobResult"])).unwrap();
    assert!(result.get("code").is_none(), "{result}");
    assert!(
        s(&result["detail"]).contains("not in Stopped state"),
        "{result}"
    );
    assert_eq!(result["cause"], result["detail"]);
    assert_eq!(failed["executeTime"], 1);
    // a long-job API the simulator does not run; an API that is not one
    let other = zs
        .ok(
            "POST",
            "/longjobs",
            Some(submit("APIMigrateVmMsg", json!({"vmInstanceUuid": "x"}))),
        )
        .await["inventory"]
        .clone();
    assert_eq!(other["state"], "Failed");
    let e = zs
        .refused(
            "POST",
            "/longjobs",
            Some(submit("APIStartVmInstanceMsg", json!({}))),
        )
        .await;
    assert_eq!(error_code(&e), "SYS.1007");
    // delete a finished one
    assert_eq!(
        zs.ok("DELETE", &format!("/longjobs/{ju}"), None).await,
        json!({})
    );
    assert!(zs.list(&format!("/longjobs/{ju}")).await.is_empty());
}

#[tokio::test]
async fn the_long_job_history_holds_both_error_forms_and_suspended_work() {
    let (_server, zs) = start(fast()).await;
    let jobs = zs.list("/longjobs").await;
    let failed: Vec<Value> = jobs
        .iter()
        .filter(|j| j["state"] == "Failed")
        .map(|j| serde_json::from_str(s(&j["jobResult"])).unwrap())
        .collect();
    // Before 2020 the ErrorCode itself; since, a JobResultError naming the root cause.
    assert!(
        failed
            .iter()
            .any(|r| r["code"] == "SYS.1004" && r.get("detail").is_none())
    );
    assert!(failed.iter().any(|r| r.get("code").is_none()
        && s(&r["detail"]).starts_with("failed to migrate vm")
        && s(&r["cause"]).contains("not enough memory")));
    let suspended: Vec<&Value> = jobs.iter().filter(|j| j["state"] == "Suspended").collect();
    assert_eq!(suspended.len(), 1);
    // Not ended: neither a result nor a run time yet.
    assert!(suspended[0].get("jobResult").is_none(), "{}", suspended[0]);
    assert!(
        suspended[0].get("executeTime").is_none(),
        "{}",
        suspended[0]
    );
    for j in jobs.iter().filter(|j| j.get("executeTime").is_some()) {
        let secs = j["executeTime"].as_i64().unwrap();
        assert!((1..3600).contains(&secs), "seconds, not ms: {j}");
    }
}

// ---- the manual's query examples, version and time -----------------------------------------

#[tokio::test]
async fn the_manuals_query_examples_are_answered_as_rest_server_does() {
    let (_server, zs) = start(fast()).await;
    let all = zs.list("/vm-instances").await;
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|v| f(v)).count();
    let urls: Vec<Value> = serde_json::from_value(fixture("urls.json")).unwrap();
    let path_of = |u: &str| -> String {
        let at = u.find("zstack/v1").unwrap() + "zstack/v1".len();
        u[at..].to_string()
    };
    for entry in urls
        .iter()
        .filter(|e| e["section"].as_str().unwrap().starts_with('3'))
    {
        let path = path_of(s(&entry["url"]));
        let list = zs.list(&path).await;
        let expected = match path.as_str() {
            // `condition` is not a query parameter RestServer knows: ignored
            p if p.contains("condition=") => all.len(),
            "/vm-instances?q=cpuNum>5" => count(&|v| v["cpuNum"].as_u64().unwrap() > 5),
            "/vm-instances?q=hypervisorType=KVM&fields=uuid&fields=name" => {
                assert!(
                    list.iter()
                        .all(|v| v.as_object().unwrap().len() == 1 && v["uuid"].is_string())
                );
                all.len()
            }
            // the manual's names and addresses are not in this world
            _ => 0,
        };
        assert_eq!(list.len(), expected, "{path}");
    }
    // GET by uuid: the manual shows `inventory`, RestServer answers a one-element list
    let zone = zs.list("/zones?limit=1").await[0].clone();
    let r = zs.get(&format!("/zones/{}", s(&zone["uuid"]))).await.json();
    assert!(r.get("inventory").is_none());
    assert_like(
        "3.5 zone",
        &fixture("3_5-QueryZone.response.json")["inventory"],
        &r["inventories"][0],
    );
    // the manual's 202 shape (plus `apiTimeout`, which came with 4.x)
    let vm = s(&all[0]["uuid"]).to_string();
    let r = zs
        .send(
            "PUT",
            &format!("/vm-instances/{vm}/actions"),
            Some(json!({"rebootVmInstance": {}}).to_string()),
            &zs.auth(),
        )
        .await;
    assert_like("3.5 async", &fixture("3_5-async.response.json"), &r.json());
    // the manual's error example has the fields ours has
    let e = zs
        .refused("DELETE", "/volume-snapshots/not-a-uuid", None)
        .await;
    assert_like(
        "4.2 error",
        &fixture("4_2-DeleteVolumeBackup.error.json")["error"],
        &e,
    );
}

#[tokio::test]
async fn version_clock_and_time_zone_of_the_management_node() {
    let (server, zs) = start(fast()).await;
    let r = zs
        .send(
            "PUT",
            "/management-nodes/actions",
            Some(json!({"getVersion": {}}).to_string()),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"version": "4.8.0", "success": true}))
    );
    let r = zs
        .send(
            "PUT",
            "/management-nodes/actions",
            Some(json!({"getCurrentTime": {}}).to_string()),
            &[],
        )
        .await
        .json();
    let secs = r["currentTime"]["Seconds"].as_i64().unwrap();
    assert_eq!(
        r["currentTime"]["MillionSeconds"].as_i64().unwrap(),
        secs * 1000
    );
    assert!((secs - server.clock().unix()).abs() < 60);
    let tz = zs.get("/management-nodes/platform-timezone").await.json();
    assert_eq!(tz, json!({"timezone": "Asia/Shanghai", "offset": "+08:00"}));
    // dates are MN-local (UTC+8) with no zone: a session created now reads as now + 8 h UTC
    let login = zs
        .login_reply(json!({"logInByAccount": {"accountName": "admin", "password": sha512_hex(DEFAULT_PASSWORD)}}))
        .await
        .json();
    let created = java_date_key(s(&login["inventory"]["createDate"]));
    let shanghai = secs + 8 * 3600;
    let (h, m) = (
        (shanghai.rem_euclid(86_400) / 3600) as u32,
        (shanghai.rem_euclid(3600) / 60) as u32,
    );
    let minutes = |hh: u32, mm: u32| hh * 60 + mm;
    let diff = (minutes(created.3, created.4) as i64 - minutes(h, m) as i64).rem_euclid(1440);
    assert!(
        diff <= 2 || diff >= 1438,
        "created {created:?}, Shanghai now {h}:{m}"
    );
    let mn = zs.list("/management-nodes").await;
    assert_eq!(mn[0]["hostName"], "172.20.0.10");
}

// ---- determinism and size --------------------------------------------------------------------

async fn dump(zs: &Zs) -> Value {
    let mut out = json!({});
    for path in [
        "/zones",
        "/clusters",
        "/hosts",
        "/primary-storage",
        "/backup-storage",
        "/images",
        "/l3-networks",
        "/vm-instances",
        "/volumes",
        "/volume-snapshots",
        "/volume-snapshots/trees",
        "/volume-snapshots/group",
        "/volume-backups",
        "/database-backups",
        "/longjobs",
    ] {
        out[path] = zs.get(path).await.json();
    }
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_json() {
    let (_a, za) = start(fast()).await;
    let (_b, zb) = start(fast()).await;
    let a = dump(&za).await;
    assert!(
        a == dump(&zb).await,
        "two simulators with the same seed differ"
    );
    let (_c, zc) = start(SimConfig {
        seed: 4242,
        ..fast()
    })
    .await;
    assert!(a != dump(&zc).await);
    // sizes follow the configuration
    let (_d, zd) = start(SimConfig {
        vms: Some(12),
        backups: Some(9),
        snapshots: Some(2),
        ..fast()
    })
    .await;
    assert_eq!(zd.list("/vm-instances").await.len(), 12);
    let groups: BTreeSet<String> = zd
        .list("/volume-backups?q=groupUuid not null")
        .await
        .iter()
        .map(|b| s(&b["groupUuid"]).to_string())
        .collect();
    assert_eq!(
        groups.len(),
        9 + 3,
        "configured VM backups plus the deleted VM's"
    );
    for v in zd.list("/volumes?q=type=Root").await {
        let own = zd
            .list(&format!(
                "/volume-snapshots?q=volumeUuid={}&q=groupUuid is null",
                s(&v["uuid"])
            ))
            .await;
        assert!(own.len() <= 2);
    }
}

#[tokio::test]
async fn a_big_world_builds_and_pages() {
    let t0 = Instant::now();
    let (_server, zs) = start(SimConfig {
        vms: Some(10_000),
        time_scale: 50.0,
        ..Default::default()
    })
    .await;
    // speed is measured in benches/; here only that a big world is built and served right
    eprintln!("big ZStack world: started in {:?}", t0.elapsed());
    let page = zs
        .get("/vm-instances?start=9000&limit=50&replyWithCount=true")
        .await
        .json();
    assert_eq!(page["total"], 10_000);
    assert_eq!(page["inventories"].as_array().unwrap().len(), 50);
    // the default limit is 1000
    assert_eq!(zs.list("/vm-instances").await.len(), 1000);
    let running = zs
        .get("/vm-instances?q=state=Running&count=true")
        .await
        .json();
    assert!(running["total"].as_u64().unwrap() > 5000);
    let last = &page["inventories"][49];
    let ip = s(&last["vmNics"][0]["ip"]);
    let by_ip = zs
        .list(&format!("/vm-instances?q=vmNics.ip={ip}&fields=uuid"))
        .await;
    assert!(by_ip.iter().any(|v| v["uuid"] == last["uuid"]));
    // A VM's snapshot count is the sum of its volumes' (and the page holds at most 5).
    let mut with_snapshots = 0;
    for vm in page["inventories"].as_array().unwrap() {
        let snaps = zs
            .get(&format!(
                "/volume-snapshots?q=volume.vmInstanceUuid={}&replyWithCount=true&limit=5",
                s(&vm["uuid"])
            ))
            .await
            .json();
        let total = snaps["total"].as_u64().unwrap();
        let mut per_volume = 0;
        for vol in vm["allVolumes"].as_array().unwrap() {
            let c = zs
                .get(&format!(
                    "/volume-snapshots?q=volumeUuid={}&count=true",
                    s(&vol["uuid"])
                ))
                .await
                .json();
            per_volume += c["total"].as_u64().unwrap();
        }
        assert_eq!(total, per_volume, "{}", vm["uuid"]);
        assert_eq!(
            snaps["inventories"].as_array().unwrap().len() as u64,
            total.min(5)
        );
        if total > 0 {
            with_snapshots += 1;
        }
    }
    assert!(with_snapshots > 0, "no VM of the page has snapshots");
    let volumes = zs.get("/volumes?count=true").await.json();
    assert!(volumes["total"].as_u64().unwrap() >= 10_000);
}

// ---- garbage in ------------------------------------------------------------------------------

/// What any answer must look like: a status the platform uses, JSON where JSON is due, and
/// never the simulator's own crash answer.
fn sane(r: &Reply, what: &str) -> Result<(), String> {
    if r.text.contains("internal simulator error") {
        return Err(format!("{what}: the simulator crashed"));
    }
    match r.status {
        200 | 202 => {
            if !r.text.is_empty() && serde_json::from_str::<Value>(&r.text).is_err() {
                return Err(format!("{what}: {} with non-JSON {:?}", r.status, r.text));
            }
        }
        503 => {
            let v: Value =
                serde_json::from_str(&r.text).map_err(|e| format!("{what}: 503 not JSON: {e}"))?;
            if !v["error"]["code"].is_string() {
                return Err(format!("{what}: 503 without an error code: {v}"));
            }
        }
        400 | 404 | 405 | 500 => {
            if serde_json::from_str::<Value>(&r.text).is_ok_and(|v| v.is_object()) {
                return Err(format!(
                    "{what}: {} should be plain text: {}",
                    r.status, r.text
                ));
            }
        }
        other => return Err(format!("{what}: unexpected HTTP {other}: {}", r.text)),
    }
    Ok(())
}

#[test]
fn garbage_never_breaks_the_server() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let rt = tokio::runtime::Runtime::new().unwrap();
    // quick enough for every job to end soon, slow enough for the session to last
    let (server, zs) = rt.block_on(start(SimConfig {
        time_scale: 200.0,
        ..Default::default()
    }));
    let ids = rt.block_on(async {
        let vm = zs.list("/vm-instances?q=state=Running&limit=1").await[0].clone();
        let snap = zs.list("/volume-snapshots?limit=1").await[0]["uuid"].clone();
        let backup = zs
            .list("/volume-backups?q=groupUuid not null&limit=1")
            .await[0]
            .clone();
        let db = zs.list("/database-backups?limit=1").await[0]["uuid"].clone();
        let bs = zs.list("/backup-storage?limit=1").await[0]["uuid"].clone();
        let group = zs.list("/volume-snapshots/group?limit=1").await[0]["uuid"].clone();
        let job = zs.list("/longjobs?limit=1").await[0]["uuid"].clone();
        BTreeMap::from([
            ("vm", s(&vm["uuid"]).to_string()),
            ("root", s(&vm["rootVolumeUuid"]).to_string()),
            ("snap", s(&snap).to_string()),
            ("backup", s(&backup["uuid"]).to_string()),
            ("group", s(&backup["groupUuid"]).to_string()),
            ("db", s(&db).to_string()),
            ("bs", s(&bs).to_string()),
            ("sgroup", s(&group).to_string()),
            ("job", s(&job).to_string()),
        ])
    });
    let id = |k: &str| ids[k].clone();
    let queries = [
        "/zones",
        "/clusters",
        "/hosts",
        "/backup-storage",
        "/backup-storage/image-store",
        "/vm-instances",
        "/volumes",
        "/volume-snapshots",
        "/volume-snapshots/trees",
        "/volume-snapshots/group",
        "/volume-backups",
        "/database-backups",
        "/longjobs",
        "/vm-instances/nics",
        "/images",
        "/primary-storage",
    ];
    let fields = prop::sample::select(vec![
        "uuid",
        "name",
        "state",
        "createDate",
        "vmNics.ip",
        "allVolumes.uuid",
        "host.name",
        "volume.vmInstanceUuid",
        "__systemTag__",
        "cpuNum",
        "size",
        "current",
        "nope.x",
        "",
        "groupUuid",
        "backupStorageRefs.status",
    ]);
    let ops = prop::sample::select(vec![
        "=",
        "!=",
        ">",
        ">=",
        "<",
        "<=",
        "?=",
        "!?=",
        "~=",
        "!~=",
        " is null",
        " not null",
        "",
    ]);
    let values = prop_oneof![
        Just(id("vm")),
        Just("%".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("-1".to_string()),
        "[0-9]{1,4}",
        "\\PC{0,12}",
        "[%&=+#;?,_]{0,6}",
    ];
    let cond = (fields, ops, values).prop_map(|(f, o, v)| format!("q={f}{o}{v}"));
    let param = prop_oneof![
        cond,
        "(start|limit)=[-0-9a-z]{0,5}",
        "(count|replyWithCount)=(true|false|x)",
        "sort=[-+ ]?(name|createDate|size|nope|vmNics)",
        "fields=[a-zA-Z,]{0,20}",
        "\\PC{0,10}",
    ];
    let query = prop::collection::vec(param, 0..5);
    // a runner counts its successes across `run`s: one runner per phase, or the later
    // phases run nothing
    let cases: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let runner = || {
        TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        })
    };
    let runs = std::cell::Cell::new(0u32);
    runner()
        .run(&(0..queries.len(), query), |(q, params)| {
            runs.set(runs.get() + 1);
            let path = format!("{}?{}", queries[q], params.join("&"));
            let r = rt.block_on(zs.get(&path));
            sane(&r, &path).map_err(TestCaseError::fail)?;
            prop_assert!(
                matches!(r.status, 200 | 400 | 503),
                "{path}: {} {}",
                r.status,
                r.text
            );
            Ok(())
        })
        .unwrap();

    // bodies: the API's own wrapper key (or another), fields of every type
    let endpoints: Vec<(&str, String, &str)> = vec![
        (
            "PUT",
            format!("/vm-instances/{}/actions", id("vm")),
            "startVmInstance|stopVmInstance|rebootVmInstance|pauseVmInstance|resumeVmInstance",
        ),
        (
            "POST",
            format!("/volumes/{}/volume-snapshots", id("root")),
            "params",
        ),
        (
            "PUT",
            format!("/volume-snapshots/{}/actions", id("snap")),
            "revertVolumeFromSnapshot|updateVolumeSnapshot|getVolumeSnapshotSize",
        ),
        (
            "PUT",
            "/volume-snapshots/batch-delete".into(),
            "batchDeleteVolumeSnapshot",
        ),
        ("POST", "/volume-snapshots/group".into(), "params"),
        (
            "PUT",
            format!("/volume-snapshots/group/{}/actions", id("sgroup")),
            "revertVmFromSnapshotGroup|updateVolumeSnapshotGroup",
        ),
        (
            "POST",
            format!("/volumes/{}/volume-backups", id("root")),
            "params",
        ),
        (
            "POST",
            format!("/volumes/{}/vm-backups", id("root")),
            "params",
        ),
        (
            "PUT",
            format!("/volume-backups/{}/actions", id("backup")),
            "revertVolumeFromVolumeBackup|syncBackupFromImageStoreBackupStorage|recoverBackupFromImageStoreBackupStorage",
        ),
        (
            "PUT",
            format!("/vm-backups/{}/actions", id("group")),
            "revertVmFromVmBackup|syncVmBackupFromImageStoreBackupStorage|recoverVmBackupFromImageStoreBackupStorage",
        ),
        (
            "POST",
            format!(
                "/images/root-volume-templates/from/volume-template/{}",
                id("backup")
            ),
            "params",
        ),
        (
            "POST",
            format!(
                "/images/data-volume-templates/from/volume-template/{}",
                id("backup")
            ),
            "params",
        ),
        ("POST", "/database-backups".into(), "params"),
        (
            "PUT",
            "/database-backups/actions".into(),
            "recoverDatabaseFromBackup",
        ),
        (
            "PUT",
            format!("/database-backups/{}/actions", id("db")),
            "syncDatabaseBackupFromImageStoreBackupStorage",
        ),
        (
            "PUT",
            format!(
                "/database-backups/{}/backup-storage/{}/actions",
                id("db"),
                id("bs")
            ),
            "exportDatabaseBackupFromBackupStorage",
        ),
        ("POST", "/longjobs".into(), "params"),
        ("PUT", "/accounts/login".into(), "logInByAccount"),
        (
            "PUT",
            "/management-nodes/actions".into(),
            "getVersion|getCurrentTime",
        ),
    ];
    let json_values = prop_oneof![
        Just(json!(null)),
        Just(json!(true)),
        Just(json!(1e300)),
        Just(json!(-1)),
        Just(json!(9_223_372_036_854_775_807i64)),
        Just(json!("x")),
        Just(json!("")),
        Just(json!([])),
        Just(json!({})),
        Just(json!([{"uuid": 5}])),
        Just(json!(id("vm"))),
        Just(json!(id("root"))),
        Just(json!(id("snap"))),
        Just(json!(id("bs"))),
        Just(json!(id("backup"))),
        Just(json!("ssh://root:pw@10.0.0.21:22/zstack_bs")),
        Just(json!("{\"uuid\":\"x\"}")),
        Just(json!("APIRevertVolumeFromSnapshotMsg")),
        Just(json!([id("snap"), "x"])),
    ];
    let field_names = prop::sample::select(vec![
        "name",
        "description",
        "uuid",
        "uuids",
        "hostUuid",
        "type",
        "withMemory",
        "rootVolumeUuid",
        "backupStorageUuid",
        "backupStrogeUuid",
        "srcBackupStorageUuid",
        "dstBackupStorageUuid",
        "mode",
        "system",
        "platform",
        "resourceUuid",
        "jobName",
        "jobData",
        "targetResourceUuid",
        "mysqlRootPassword",
        "backupStorageUrl",
        "backupInstallPath",
        "accountName",
        "password",
        "duration",
    ]);
    let inner = prop::collection::btree_map(field_names, json_values.clone(), 0..6);
    let body = prop_oneof![
        4 => (any::<prop::sample::Index>(), inner.clone(), any::<bool>()).prop_map(|(i, m, own)| (Some((i, m, own)), String::new())),
        1 => "\\PC{0,40}".prop_map(|s| (None, s)),
        1 => json_values.prop_map(|v| (None, v.to_string())),
    ];
    let jobs = std::cell::RefCell::new(Vec::new());
    runner()
        .run(&(0..endpoints.len(), body), |(e, (shape, raw))| {
            runs.set(runs.get() + 1);
            let (method, path, keys) = &endpoints[e];
            let text = match shape {
                Some((i, fields, own)) => {
                    let keys: Vec<&str> = keys.split('|').collect();
                    let key = if own {
                        keys[i.index(keys.len())]
                    } else {
                        "somethingElse"
                    };
                    json!({ key: fields }).to_string()
                }
                None => raw,
            };
            let r = rt.block_on(zs.send(method, path, Some(text.clone()), &zs.auth()));
            sane(&r, &format!("{method} {path} {text}")).map_err(TestCaseError::fail)?;
            if r.status == 202 {
                jobs.borrow_mut().push(job_id(s(&r.json()["location"])));
            }
            Ok(())
        })
        .unwrap();

    // DELETE with garbage query strings
    let deletes = [
        format!("/volume-snapshots/{}", id("snap")),
        format!("/volume-backups/{}", id("backup")),
        format!("/vm-backups/{}", id("group")),
        format!("/database-backups/{}", id("db")),
        format!(
            "/exported-database-backup/{}/backup-storage/{}",
            id("db"),
            id("bs")
        ),
        format!("/volume-snapshots/group/{}", id("sgroup")),
        format!("/longjobs/{}", id("job")),
        "/volume-snapshots/%zz".to_string(),
        "/volume-snapshots/nope".to_string(),
    ];
    let dq = prop::collection::vec(
        prop_oneof![
            "(deleteMode|backupStorageUuids|backupStorageUids|backupStorageUuids\\.0)=\\PC{0,8}",
            "\\PC{0,12}"
        ],
        0..4,
    );
    runner()
        .run(&(0..deletes.len(), dq), |(d, q)| {
            runs.set(runs.get() + 1);
            let path = format!("{}?{}", deletes[d], q.join("&"));
            let r = rt.block_on(zs.send("DELETE", &path, None, &zs.auth()));
            sane(&r, &path).map_err(TestCaseError::fail)?;
            if r.status == 202 {
                jobs.borrow_mut().push(job_id(s(&r.json()["location"])));
            }
            Ok(())
        })
        .unwrap();

    assert!(runs.get() >= 3 * cases, "every phase ran: {}", runs.get());
    // every job ends, and polling it is sane too
    let jobs = jobs.into_inner();
    rt.block_on(async {
        for j in &jobs {
            let r = zs.wait(j).await;
            sane(&r, &format!("job {j}")).unwrap();
            assert!(
                matches!(r.status, 200 | 503 | 404),
                "job {j}: {} {}",
                r.status,
                r.text
            );
        }
        let r = zs.get("/vm-instances?limit=1").await;
        assert!(matches!(r.status, 200 | 503), "{}", r.text);
    });
    drop(server);
}

/// `/__sim/traffic` counts what clients asked for and the bytes answered, and while
/// recording keeps each request whole, so it can be sent again as it was.
#[tokio::test]
async fn the_simulator_counts_and_records_its_traffic() {
    let (server, zs) = start(fast()).await;
    let http = reqwest::Client::new();
    let admin = |p: &str| format!("{}/__sim/traffic{p}", server.base_url());
    let reset = http
        .post(admin("/reset"))
        .json(&serde_json::json!({"record": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    let a = zs.get("/vm-instances?limit=3").await;
    let b = zs.get("/clusters").await;
    let t: Value = http
        .get(admin(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["requests"], 2, "{t}");
    assert_eq!(
        t["bytes"].as_u64().unwrap(),
        (a.text.len() + b.text.len()) as u64
    );
    let log = t["log"].as_array().unwrap();
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["uri"], "/zstack/v1/vm-instances?limit=3");
    // Sent again as recorded, it answers the same.
    let mut again = http.get(format!("{}{}", server.base_url(), s(&log[0]["uri"])));
    for h in log[0]["headers"].as_array().unwrap() {
        again = again.header(s(&h[0]), s(&h[1]));
    }
    assert_eq!(again.send().await.unwrap().text().await.unwrap(), a.text);
    // Not recording: counted only.
    http.post(admin("/reset"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    zs.get("/clusters").await;
    let t: Value = http
        .get(admin(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (t["requests"].as_u64(), t["log"].as_array().map(Vec::len)),
        (Some(1), Some(0))
    );
}
