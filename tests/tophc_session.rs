//! Session rules of the TopHC backend against a tiny fake manager that counts requests:
//! a refused session is renewed once, a read is repeated once, a mutation never is, the
//! token is renewed before its `exp`, and many refusals at once cause one login.
//! (The simulator covers the rest end to end; here every request can be counted.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use secrecy::SecretString;
use serde_json::{Value, json};
use vmdeck::backend::tophc::TopHc;
use vmdeck::backend::{Backend, BackendError, SubmitError, VmQuery};
use vmdeck::config::Profile;
use vmdeck::model::{Named, Platform, VmRef};
use vmdeck::operation::Operation;

#[derive(Clone, Copy, PartialEq)]
enum Refusal {
    Scode(i64),
    Http(u16),
}

#[derive(Default)]
struct Fake {
    valid: String,
    logins: u32,
    /// Token lifetime written into the JWT (seconds).
    life: i64,
    refusal: Option<Refusal>,
    /// Refuse even fresh tokens.
    refuse_all: bool,
    reads: u32,
    refused: u32,
    mutations: u32,
    last_login_body: Value,
}

type Shared = Arc<Mutex<Fake>>;

fn jwt(life: i64, n: u32) -> String {
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let iat = 1_700_000_000i64;
    format!(
        "{}.{}.sig{n}",
        b64(json!({"alg": "HS256", "typ": "JWT"})),
        b64(json!({"user_name": "admin", "iat": iat, "exp": iat + life}))
    )
}

fn ok(data: Value) -> Response {
    Json(json!({"scode": 0, "desc": "", "message": "success", "message_cn": "成功", "stack": null, "data": data}))
        .into_response()
}

/// The token check every handler but login does.
fn check(state: &Shared, headers: &HeaderMap) -> Option<Response> {
    let mut s = state.lock().unwrap();
    let sent = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if sent == format!("Bearer {}", s.valid) && !s.refuse_all {
        return None;
    }
    s.refused += 1;
    Some(match s.refusal.unwrap_or(Refusal::Scode(10003)) {
        Refusal::Scode(code) => Json(json!({"scode": code, "desc": "", "message": "token invalid or expired",
                                          "message_cn": "token无效或过期", "stack": null, "data": null}))
        .into_response(),
        Refusal::Http(status) => (StatusCode::from_u16(status).unwrap(), "unauthorized").into_response(),
    })
}

async fn login(State(state): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = state.lock().unwrap();
    s.logins += 1;
    s.last_login_body = body;
    let token = jwt(s.life, s.logins);
    s.valid = token.clone();
    ok(json!({"token": token, "user_name": "admin", "user_role": "administrator"}))
}

async fn list(State(state): State<Shared>, headers: HeaderMap) -> Response {
    state.lock().unwrap().reads += 1;
    if let Some(r) = check(&state, &headers) {
        return r;
    }
    ok(
        json!({"domains": [{"uuid": "vm-1", "name": "web", "state": "running", "action": "noaction"}],
              "total_count": 1, "each_range_list_state": []}),
    )
}

async fn create(State(state): State<Shared>, headers: HeaderMap) -> Response {
    state.lock().unwrap().mutations += 1;
    if let Some(r) = check(&state, &headers) {
        return r;
    }
    ok(json!({}))
}

async fn fake(life: i64) -> (Shared, TopHc) {
    let state: Shared = Arc::new(Mutex::new(Fake {
        life,
        ..Default::default()
    }));
    let app = axum::Router::new()
        .route("/v1/authentication/login", post(login))
        .route("/v1/compute/list", get(list))
        .route("/v1/compute/vsd/snapshot/create", post(create))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut profile = Profile::new(Platform::TopHc, url, "admin");
    profile.tenant = Some("acme".into());
    let backend = TopHc::connect(&profile, SecretString::from("s3cret"))
        .await
        .expect("login");
    (state, backend)
}

fn cluster() -> Named {
    Named::new("c1", "c")
}

fn snapshot_op() -> Operation {
    Operation::CreateSnapshot {
        vm: VmRef {
            cluster: cluster(),
            id: "vm-1".into(),
            name: "web".into(),
            tenant: None,
        },
        name: "s1".into(),
        description: String::new(),
        memory: false,
        consistent: false,
        volume: None,
    }
}

fn expire(state: &Shared) {
    state.lock().unwrap().valid = "expired".into();
}

#[tokio::test]
async fn login_sends_tenant_user_and_md5() {
    let (state, backend) = fake(3600).await;
    let s = state.lock().unwrap();
    assert_eq!(
        s.last_login_body,
        json!({"tenant": "acme", "user": "admin", "password": "33e1b232a4e6fa0028a6670753749a17", "is_ldap": false})
    );
    assert_eq!(backend.user(), "admin@acme");
}

#[tokio::test]
async fn a_refused_read_logs_in_again_and_is_repeated_once() {
    for refusal in [
        Refusal::Scode(10003),
        Refusal::Scode(10002),
        Refusal::Http(401),
        Refusal::Http(403),
    ] {
        let (state, backend) = fake(3600).await;
        state.lock().unwrap().refusal = Some(refusal);
        expire(&state);
        let page = backend
            .vms(&cluster(), &VmQuery::default())
            .await
            .expect("read");
        assert_eq!(page.value.items[0].name, "web");
        let s = state.lock().unwrap();
        assert_eq!(s.logins, 2);
        assert_eq!(s.reads, 2, "sent, refused, repeated once");
    }
}

#[tokio::test]
async fn a_refused_mutation_is_never_repeated() {
    let (state, backend) = fake(3600).await;
    expire(&state);
    let e = match backend.submit(&snapshot_op()).await {
        Err(SubmitError::Rejected(e)) => e,
        other => panic!("{:?}", other.err()),
    };
    let text = e.to_string();
    assert!(
        text.contains("session had expired") && text.contains("run it again"),
        "{text}"
    );
    {
        let s = state.lock().unwrap();
        assert_eq!(s.mutations, 1, "not repeated");
        assert_eq!(s.logins, 2, "but the session is renewed");
    }
    // Run again by the operator: goes through with the new session.
    assert!(backend.submit(&snapshot_op()).await.is_ok());
    assert_eq!(state.lock().unwrap().mutations, 2);
}

#[tokio::test]
async fn a_server_that_keeps_refusing_gives_an_auth_error() {
    let (state, backend) = fake(3600).await;
    state.lock().unwrap().refuse_all = true;
    let e = backend
        .vms(&cluster(), &VmQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Auth(_)), "{e:?}");
    let s = state.lock().unwrap();
    assert_eq!(s.reads, 2, "one repeat, no loop");
    assert_eq!(s.logins, 2);
}

#[tokio::test]
async fn the_token_is_renewed_before_it_expires() {
    // A 2-second token is renewed after 1.8 s, before the server would refuse it.
    let (state, backend) = fake(2).await;
    tokio::time::sleep(Duration::from_millis(1900)).await;
    {
        // From now on the old token is refused: only a renewed one gets through.
        let mut s = state.lock().unwrap();
        s.valid = "only-a-new-login-knows-this".into();
    }
    // The renewal happens before sending; the fake sets `valid` at login.
    backend
        .vms(&cluster(), &VmQuery::default())
        .await
        .expect("read");
    let s = state.lock().unwrap();
    assert_eq!(s.logins, 2);
    assert_eq!(s.refused, 0, "nothing was sent with the old token");
}

#[tokio::test]
async fn many_refusals_at_once_log_in_once() {
    let (state, backend) = fake(3600).await;
    let backend = Arc::new(backend);
    expire(&state);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let b = backend.clone();
        tasks.push(tokio::spawn(async move {
            b.vms(&cluster(), &VmQuery::default()).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("read");
    }
    assert_eq!(state.lock().unwrap().logins, 2);
}

#[tokio::test]
async fn logout_with_an_expired_session_does_not_log_in_first() {
    let (state, backend) = fake(3600).await;
    expire(&state);
    backend.logout().await;
    assert_eq!(state.lock().unwrap().logins, 1);
}
