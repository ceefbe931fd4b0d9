//! Fault injection, switchable per request path: latency, error statuses, malformed or
//! truncated bodies, lost answers, expired sessions. Tests drive it in-process through
//! [`Faults`] or over HTTP through `/__sim/faults`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer normally, but this much later.
    Latency { ms: u64 },
    /// Answer with this status and body instead of running the handler.
    Status {
        status: u16,
        body: String,
        #[serde(default)]
        content_type: Option<String>,
    },
    /// Run the handler, then replace the body (malformed JSON, wrong types…).
    ReplaceBody { body: String },
    /// Run the handler, then send only the first half of its body.
    Truncate,
    /// Run the handler (the mutation happens), then break the connection mid-answer.
    LoseAnswer,
}

#[derive(Clone, Debug)]
struct Rule {
    path: String,
    fault: Fault,
    remaining: Option<u32>,
}

#[derive(Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<Rule>>>,
    session_epoch: Arc<AtomicU64>,
    /// Every distinct `Authorization` value clients sent, so tests can look for session
    /// tokens where they must never be (logs, journals, the screen).
    credentials: Arc<Mutex<std::collections::BTreeSet<String>>>,
    traffic: Arc<Mutex<Traffic>>,
}

/// What clients asked for since the last reset: requests and answer bytes, and, while
/// recording, each request whole, so a benchmark can say what a refresh cost on the wire
/// and replay the same requests with a bare HTTP client (`/__sim/traffic`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Traffic {
    pub requests: u64,
    /// Answer bodies, as sent.
    pub bytes: u64,
    #[serde(default)]
    pub record: bool,
    #[serde(default)]
    pub log: Vec<Recorded>,
}

/// One request as the client sent it (its `Authorization` too: the simulator's own
/// sessions, for the replay).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Faults {
    /// Injects `fault` on requests whose path starts with `path`, for the next `times`
    /// requests (`None`: until cleared).
    pub fn inject(&self, path: &str, fault: Fault, times: Option<u32>) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Rule {
                path: path.to_string(),
                fault,
                remaining: times,
            });
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Invalidates every session issued so far, as if they had all expired.
    pub fn expire_sessions(&self) {
        self.session_epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Dialects stamp sessions with this and refuse sessions from an older epoch.
    pub fn session_epoch(&self) -> u64 {
        self.session_epoch.load(Ordering::SeqCst)
    }

    /// The session tokens and ids clients have presented (`Authorization` values, without
    /// their `Bearer `/`OAuth ` scheme), in no particular order.
    pub fn credentials_seen(&self) -> Vec<String> {
        self.credentials
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Zeroes the counters and the log; `record` keeps each request from now on.
    pub fn reset_traffic(&self, record: bool) {
        *self.traffic.lock().unwrap_or_else(|e| e.into_inner()) = Traffic {
            record,
            ..Traffic::default()
        };
    }

    pub fn traffic(&self) -> Traffic {
        self.traffic
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn take(&self, path: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let idx = rules.iter().position(|r| path.starts_with(&r.path))?;
        let fault = rules[idx].fault.clone();
        if let Some(n) = rules[idx].remaining.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                rules.remove(idx);
            }
        }
        Some(fault)
    }
}

/// Middleware applying the first matching fault.
pub async fn apply(State(faults): State<Faults>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/__sim") {
        return next.run(req).await;
    }
    if let Some(v) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = v.split_once(' ').map_or(v, |(_, t)| t).to_string();
        faults
            .credentials
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token);
    }
    let record = faults
        .traffic
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .record;
    let req = if record {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let seen = Recorded {
            method: parts.method.to_string(),
            uri: parts
                .uri
                .path_and_query()
                .map_or_else(|| path.clone(), |p| p.to_string()),
            headers: parts
                .headers
                .iter()
                .filter(|(k, _)| *k != header::HOST && *k != header::CONTENT_LENGTH)
                .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
                .collect(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        faults
            .traffic
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .log
            .push(seen);
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let resp = apply_fault(&faults, &path, req, next).await;
    let sent = axum::body::HttpBody::size_hint(resp.body())
        .exact()
        .unwrap_or(0);
    let mut t = faults.traffic.lock().unwrap_or_else(|e| e.into_inner());
    t.requests += 1;
    t.bytes += sent;
    drop(t);
    resp
}

async fn apply_fault(faults: &Faults, path: &str, req: Request, next: Next) -> Response {
    let Some(fault) = faults.take(path) else {
        return next.run(req).await;
    };
    tracing::debug!(%path, ?fault, "injecting fault");
    match fault {
        Fault::Latency { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Fault::Status {
            status,
            body,
            content_type,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let ct = content_type.unwrap_or_else(|| guess_content_type(&body).into());
            (status, [(header::CONTENT_TYPE, ct)], body).into_response()
        }
        Fault::ReplaceBody { body } => {
            let resp = next.run(req).await;
            let (mut parts, _) = resp.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        Fault::Truncate => {
            let resp = next.run(req).await;
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(half))
        }
        Fault::LoseAnswer => {
            let resp = next.run(req).await;
            let (mut parts, _) = resp.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            let broken = futures::stream::once(async {
                Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated lost answer",
                ))
            });
            Response::from_parts(parts, Body::from_stream(broken))
        }
    }
}

fn guess_content_type(body: &str) -> &'static str {
    let t = body.trim_start();
    if t.starts_with('<') {
        "text/html; charset=utf-8"
    } else if t.starts_with('{') || t.starts_with('[') {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    }
}

#[derive(Deserialize)]
struct InjectBody {
    path: String,
    fault: Fault,
    times: Option<u32>,
}

#[derive(Deserialize)]
struct ResetBody {
    #[serde(default)]
    record: bool,
}

/// `POST /__sim/faults {path, fault, times?}`, `POST /__sim/faults/clear`,
/// `POST /__sim/expire-sessions`, `GET /__sim/traffic`, `POST /__sim/traffic/reset {record}`.
pub fn admin_router(faults: Faults) -> Router {
    Router::new()
        .route(
            "/__sim/faults",
            post(
                |State(f): State<Faults>, Json(b): Json<InjectBody>| async move {
                    f.inject(&b.path, b.fault, b.times);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/__sim/faults/clear",
            post(|State(f): State<Faults>| async move {
                f.clear();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/traffic",
            get(|State(f): State<Faults>| async move { Json(f.traffic()) }),
        )
        .route(
            "/__sim/traffic/reset",
            post(
                |State(f): State<Faults>, Json(b): Json<ResetBody>| async move {
                    f.reset_traffic(b.record);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/__sim/expire-sessions",
            post(|State(f): State<Faults>| async move {
                f.expire_sessions();
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(faults)
}
