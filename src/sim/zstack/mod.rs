//! ZStack `/zstack/v1` dialect (module docs are completed below the code overview).

mod auth;
mod backups;
mod database;
mod handlers;
mod ids;
mod infra;
mod inventory;
mod jobs;
mod longjobs;
mod query;
mod routes;
mod seed;
mod snapshots;
mod tables;
mod time;
mod vms;
mod wire;
mod world;

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Faults, SimClock, SimConfig, SimContext};
pub use ids::Uid;
pub use jobs::COMPLETED_JOB_EXPIRE_SECS;
pub use seed::{DEFAULT_BACKUPS, DEFAULT_SNAPSHOTS, DEFAULT_VMS, MN_HOST, MN_VERSION};
pub use time::{MN_TIME_ZONE, java_date};
pub use wire::ALL_CODES;
use wire::{ErrorCode, Fail, Params};
pub use world::World;

/// What every request shares.
pub struct Shared {
    world: Mutex<World>,
    pub clock: SimClock,
    pub faults: Faults,
    password_sha512: String,
}

impl Shared {
    pub fn new(config: &SimConfig, ctx: SimContext) -> Shared {
        let now = ctx.clock.unix();
        let anchor = now - now.rem_euclid(86_400);
        let mut world = seed::build(config, anchor, now);
        world.elapsed = ctx.clock.elapsed();
        Shared {
            world: Mutex::new(world),
            password_sha512: auth::sha512_hex(&config.password),
            clock: ctx.clock,
            faults: ctx.faults,
        }
    }

    /// The world, brought up to the current simulated time.
    pub fn world(&self) -> MutexGuard<'_, World> {
        let mut w = self.world.lock().unwrap_or_else(|e| e.into_inner());
        w.advance(self.clock.elapsed(), self.clock.unix());
        w
    }
}

type App = Arc<Shared>;

/// What a handler gives back: an answer now, or work that takes simulated time.
pub enum Done {
    Now(Value),
    Later { secs: f64, finish: jobs::Finish },
}

impl Done {
    pub fn later(
        secs: f64,
        finish: impl FnOnce(&mut World) -> Result<Value, ErrorCode> + Send + 'static,
    ) -> Done {
        Done::Later {
            secs,
            finish: Box::new(finish),
        }
    }
}

pub type Outcome = Result<Done, Fail>;

/// One API call as a handler sees it.
pub struct Call<'a> {
    pub api: &'a routes::ApiDef,
    /// The message class, e.g. `org.zstack.header.vm.APIStopVmInstanceMsg`.
    pub class: String,
    pub p: Params,
    pub session: Option<Uid>,
    /// The session epoch of `Faults` at the time of the call.
    pub epoch: u64,
    pub password_sha512: &'a str,
}

/// The `/zstack/v1` router (nested under `/zstack/v1` by `sim::router`). Everything goes
/// through one dispatcher that routes like RestServer (see [`routes`]).
pub fn router(config: &SimConfig, ctx: SimContext) -> Router {
    let shared = Arc::new(Shared::new(config, ctx));
    Router::new().fallback(dispatch).with_state(shared)
}

/// Java's `URLDecoder.decode`: `%xx` sequences and `+` as a space.
fn url_decode(s: &str) -> Result<String, Fail> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                let Some(v) = hex else {
                    return Err(Fail::Rest(
                        500,
                        "URLDecoder: Illegal hex characters in escape (%) pattern".into(),
                    ));
                };
                out.push(v);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// The body as RestServer reads it: empty or `null` is no body; anything but an object is
/// Gson's exception, a 500.
fn parse_body(body: &[u8]) -> Result<Option<Map<String, Value>>, Fail> {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(Value::Null) => Ok(None),
        Ok(other) => {
            let kind = match other {
                Value::Array(_) => "BEGIN_ARRAY",
                Value::String(_) => "STRING",
                Value::Number(_) => "NUMBER",
                _ => "BOOLEAN",
            };
            Err(Fail::Rest(
                500,
                format!(
                    "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was {kind} at line 1 column 1 path $"
                ),
            ))
        }
        Err(e) => Err(Fail::Rest(
            500,
            format!(
                "com.google.gson.stream.MalformedJsonException: {} at line {} column {} path $",
                e,
                e.line(),
                e.column()
            ),
        )),
    }
}

async fn dispatch(
    State(s): State<App>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw_query): RawQuery,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        handle(
            &s,
            &method,
            uri.path(),
            raw_query.as_deref(),
            &headers,
            &body,
        )
    }));
    result.unwrap_or_else(|_| wire::text(500, "internal simulator error"))
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn handle(
    s: &Shared,
    method: &Method,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    match try_handle(s, method, raw_path, raw_query, headers, body) {
        Ok(r) => r,
        Err(f) => wire::fail_response(&f),
    }
}

fn try_handle(
    s: &Shared,
    method: &Method,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Fail> {
    let decoded = url_decode(raw_path)?;
    let full = decoded
        .strip_prefix("/zstack")
        .unwrap_or(&decoded)
        .to_string();
    let rel = full.strip_prefix("/v1").unwrap_or(&full).to_string();

    let segs: Vec<&str> = rel.split('/').filter(|x| !x.is_empty()).collect();
    if let ["api-jobs", id] = segs.as_slice() {
        if *method != Method::GET {
            return Err(Fail::Rest(
                405,
                "only GET method is allowed for querying job status".into(),
            ));
        }
        return Ok(poll_job(s, id));
    }

    let body = parse_body(body)?;
    let api = routes::resolve(method, &rel, body.as_ref(), &full)?;

    let session = if api.session {
        let auth = header(headers, "Authorization")
            .ok_or_else(|| Fail::Rest(400, "missing header 'Authorization'".into()))?
            .trim();
        if !auth.starts_with("OAuth") {
            return Err(Fail::Rest(400, "Authorization type must be 'OAuth'".into()));
        }
        Some(auth.replacen("OAuth", "", 1).trim().to_string())
    } else {
        None
    };
    let vars = routes::extract_vars(&api.path, &rel);
    let pairs = query_pairs(raw_query);

    if api.is_query {
        return Ok(run_query(s, api, session.as_deref(), &vars, &pairs));
    }

    let params = if *method == Method::GET || *method == Method::DELETE {
        Params::from_query(pairs.clone(), vars)
    } else {
        let inner = body.as_ref().and_then(|b| b.get(&api.param));
        match inner {
            None | Some(Value::Null) => Params::from_json(Map::new(), vars),
            Some(Value::Object(m)) => Params::from_json(m.clone(), vars),
            Some(other) => {
                let kind = if other.is_array() {
                    "BEGIN_ARRAY"
                } else {
                    "a value"
                };
                return Err(Fail::Rest(
                    500,
                    format!(
                        "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was {kind} at path $"
                    ),
                ));
            }
        }
    };

    let job_uuid = match header(headers, "X-Job-UUID") {
        Some(j) if j.len() != 32 => {
            return Err(Fail::Rest(
                400,
                "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped".into(),
            ));
        }
        Some(j) => Some(j.to_string()),
        None => None,
    };
    let api_timeout_ms = header(headers, "X-API-Timeout")
        .and_then(|t| t.trim().parse::<i64>().ok())
        .map(|secs| secs.saturating_mul(1000))
        .unwrap_or(1_800_000);

    let (handler, package) = match handlers::find(&api.action) {
        Some(h) => (Some(h.0), h.1),
        None => (None, "org.zstack.header"),
    };
    let session_uid = session.as_deref().and_then(Uid::parse);
    let epoch = s.faults.session_epoch();
    let call = Call {
        api,
        class: format!("{package}.{}", api.msg_name()),
        p: params,
        session: session_uid,
        epoch,
        password_sha512: &s.password_sha512,
    };

    let mut w = s.world();
    let session_ok = !api.session || auth::valid(&w, session.as_deref(), epoch);
    if !api.poll {
        let outcome = if !session_ok {
            Err(Fail::Api(ErrorCode::session_expired()))
        } else {
            match handler {
                Some(h) => h(&mut w, &call),
                None => Err(Fail::Api(not_implemented(&call))),
            }
        };
        return match outcome {
            Ok(Done::Now(v)) => Ok(wire::json_response(200, &v)),
            Ok(Done::Later { finish, .. }) => match finish(&mut w) {
                Ok(v) => Ok(wire::json_response(200, &v)),
                Err(e) => Ok(wire::error_response(&e)),
            },
            Err(f) => Err(f),
        };
    }

    let id = match job_uuid {
        Some(j) if w.jobs.exists(&j) => {
            return Err(Fail::Rest(400, format!("Duplicate job uuid[{j}]")));
        }
        Some(j) => j,
        None => w.new_uid().to_string(),
    };
    let outcome = if !session_ok {
        Err(Fail::Api(ErrorCode::session_expired()))
    } else {
        match handler {
            Some(h) => h(&mut w, &call),
            None => Err(Fail::Api(not_implemented(&call))),
        }
    };
    match outcome {
        Err(Fail::Rest(status, text)) => return Err(Fail::Rest(status, text)),
        Err(Fail::Api(e)) => w.schedule(
            id.clone(),
            &api.action,
            true,
            jobs::MIN_JOB_SECS,
            Box::new(move |_| Err(e)),
        ),
        Ok(Done::Now(v)) => w.schedule(
            id.clone(),
            &api.action,
            true,
            jobs::MIN_JOB_SECS,
            Box::new(move |_| Ok(v)),
        ),
        Ok(Done::Later { secs, finish }) => w.schedule(
            id.clone(),
            &api.action,
            true,
            secs.max(jobs::MIN_JOB_SECS),
            finish,
        ),
    }
    drop(w);
    Ok(wire::json_response(
        202,
        &json!({
            "location": format!("http://{MN_HOST}:8080/zstack/v1/api-jobs/{id}"),
            "apiTimeout": api_timeout_ms,
        }),
    ))
}

fn not_implemented(c: &Call) -> ErrorCode {
    ErrorCode::new(
        wire::SYS_NOT_SUPPORTED,
        format!(
            "the simulated management node does not implement {}",
            c.class
        ),
    )
}

fn poll_job(s: &Shared, id: &str) -> Response {
    let w = s.world();
    match w.jobs.poll(id) {
        jobs::Poll::Expired => wire::text(404, "the job has been expired"),
        jobs::Poll::Running => wire::json_response(202, &json!({})),
        jobs::Poll::Done(Ok(v)) => wire::json_response(200, v),
        jobs::Poll::Done(Err(e)) => wire::error_response(e),
    }
}

fn run_query(
    s: &Shared,
    api: &routes::ApiDef,
    session: Option<&str>,
    vars: &[(String, String)],
    pairs: &[(String, String)],
) -> Response {
    // `GET <resource>/{uuid}`: only `uuid=<uuid>`, everything else ignored
    let req = match vars.iter().find(|(k, _)| k == "uuid") {
        Some((_, u)) => query::QueryRequest {
            conds: vec![query::Cond {
                name: "uuid".into(),
                op: query::Op::Eq,
                value: u.clone(),
            }],
            ..Default::default()
        },
        None => match query::parse_request(pairs) {
            Ok(r) => r,
            Err(f) => return wire::fail_response(&f),
        },
    };
    let epoch = s.faults.session_epoch();
    let w = s.world();
    if !auth::valid(&w, session, epoch) {
        return wire::error_response(&ErrorCode::session_expired());
    }
    let Some(table) = tables::for_query(&api.action) else {
        return wire::error_response(&ErrorCode::new(
            wire::SYS_NOT_SUPPORTED,
            format!(
                "the simulated management node does not implement org.zstack.header.{}",
                api.msg_name()
            ),
        ));
    };
    match query::run(&w, table, &req) {
        Ok(v) => wire::json_response(200, &v),
        Err(e) => wire::error_response(&e),
    }
}
