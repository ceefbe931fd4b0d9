//! ZStack `/zstack/v1` dialect: a stateful, seeded imitation of a ZStack management node
//! (MN), following `specs/zstack/ENDPOINTS.md`, the SDK route table (`sdk_routes.tsv`, copied
//! here) and the disaster-recovery manual (`seeds/004_*`).
//!
//! * `routes`: RestServer's routing over all 1905 SDK actions; `wire`: Gson JSON, ErrorCodes,
//!   plain-text refusals, parameter coercion; `time`: the MN's dates.
//! * `world` / `seed`: the state and its rules (snapshot life cycle); its deterministic
//!   generation. `jobs`: the api-job store and simulated time. `query` / `tables`: the query
//!   API over every resource. `inventory`: the JSON of each resource.
//! * `auth`, `infra`, `vms`, `snapshots`, `backups`, `database`, `longjobs`: one file per
//!   API family; `handlers` says which file answers which action.
//!
//! Every request locks the world (a std `Mutex`, never held across an await), first runs
//! the api-jobs that are due by the simulated clock, then answers.
//!
//! # Contract where the spec is silent (or where the source says more)
//!
//! * **Transport.** No `Content-Type` on any answer. An empty answer object is an empty
//!   body, as RestServer sends it: a running job polls `202` with an empty body, a
//!   result-less API (delete, revert, logout…) ends `200` with an empty body (the manual
//!   writes `{}`). Nulls are left out; `= < > & '` come as `\u003d`…; numbers are integers.
//! * **Dates** are `MMM d, yyyy h:mm:ss a` (Java 8, `Locale.US`) in the MN's zone,
//!   [`MN_TIME_ZONE`] = Asia/Shanghai, fixed UTC+8, no zone in the text.
//!   `GET /v1/management-nodes/platform-timezone` answers `{"timezone":"Asia/Shanghai",
//!   "offset":"+08:00"}`; `getCurrentTime` the simulated clock. Query conditions on `*Date`
//!   fields accept that form, `yyyy-MM-dd[ HH:mm:ss]` (MN time) or epoch milliseconds.
//! * **Routing.** Unknown path: 404 `no api mapping to /v1/…`; a path of another method: 405
//!   `The method[M] is not allowed for the path[/v1/…]` (RestServer with `checkHttpMethod`);
//!   PUT on a shared actions URL without a known key: 400 `the body doesn't contain action
//!   mapping to the URL[/v1/…]` (without any body: 500 with an empty body, RestServer's
//!   NullPointerException). Bodies that are not a JSON object, and fields Gson cannot
//!   convert (a list for a string…): 500 with Gson's exception text. A unique API (login)
//!   whose wrapper key is missing runs without parameters, so the API refuses it as SYS.1007
//!   "field[..] of message[..] is mandatory, can not be null". SDK actions the simulator does
//!   not implement are routed and answer SYS.1014 (sync: 503; async: the job fails).
//! * **Auth.** Account `admin`, password = sha512 hex (lower case) of
//!   `SimConfig.password`; wrong: 503 ID.1000 "wrong account name or password". Sessions last
//!   7200 simulated seconds from login (RenewSession sets `now + duration`), at most 500
//!   (the oldest goes), and all die with `Faults::expire_sessions()`. Polling api-jobs,
//!   login, LogOut, ValidateSession and GetVersion need no session.
//! * **api-jobs.** `location` is `http://172.20.0.10:8080/zstack/v1/api-jobs/<id>` (the
//!   MN's internal address, unreachable from the client) and `apiTimeout` is given (ms,
//!   `X-API-Timeout` seconds × 1000, default 1 800 000; not enforced). `X-Job-UUID` must be
//!   32 characters (else 400) and names the job; reusing one whose record still exists is
//!   400 `Duplicate job uuid[<id>]` and runs nothing. A finished job's record expires
//!   [`COMPLETED_JOB_EXPIRE_SECS`] (10 800 s, `rest.completedApi.expiredPeriod`) after the
//!   job was created; then polling is 404 `the job has been expired`, and the uuid may be
//!   used again. Refusals by the API's interceptor end the job after 0.2 s. `X-Web-Hook`
//!   is not called.
//! * **Queries** (see `query`): MySQL semantics with case-insensitive text, `NULL` never
//!   compares, any-value semantics on lists and expanded fields, only the first `fields`,
//!   `sort`, `limit`… value counts, an unknown condition field, sort field or `fields` name
//!   is 503 SYS.1007, and so is a `fields` name that is not a primitive of the queried class
//!   (a joined or nested list, `tree`, a subclass field such as an image store's
//!   `hostname`). An equality condition on the type field (`type=ImageStoreBackupStorage`,
//!   `hypervisorType=KVM`) makes the subclass the queried class. `__systemTag__=remote` finds the remote backup storage; there are no
//!   other tags. Queryable: zones, clusters, hosts, primary-storage, backup-storage (+
//!   image-store), l3-networks, images, vm-instances (+ nics), volumes, volume-snapshots,
//!   volume-snapshots/trees, volume-snapshots/group, volume-backups, database-backups,
//!   longjobs, management-nodes.
//! * **Timings** (simulated seconds): VM start 6, stop 5 (cold 1), reboot 8, pause/resume 1;
//!   snapshot 2; revert 4; snapshot delete 2 + 0.5 per snapshot in the subtree; group 3 + 1
//!   per volume (+5 with memory), group revert 5; volume/VM backup 15 + 0.1 per GiB; restore
//!   from a backup 30 + 0.1 per GiB; sync/recover 10 + 0.05 per GiB; templates 10 + 0.05 per
//!   GiB; backup delete 3; database backup 12, export 5, sync 8, recover 30, delete 2; other
//!   small updates 0.5. Rows being made are listed at once (`Creating`, copies
//!   `Downloading`); the VM is `Starting`, `Stopping`, … or `VolumeRecovering` meanwhile.
//! * **World** (defaults: [`DEFAULT_VMS`] VMs, [`DEFAULT_BACKUPS`] VM backups plus a third as
//!   many single-volume backups, up to [`DEFAULT_SNAPSHOTS`] snapshots per root volume): two
//!   zones, three clusters (Ceph, LocalStorage, SharedBlock primary storage; one host in
//!   Maintenance), backup storages `imagestore-主仓库` and `imagestore-dr` (local),
//!   `远程灾备仓库` (remote, tag `remote`), `sftp-legacy` (no volume backups) and
//!   `imagestore-维护中` (Disabled); VMs Running, Stopped or Paused with root and data
//!   volumes; snapshot trees with branches and older trees; snapshot groups; VM backups,
//!   some synced to the remote store, some only there, a few Disabled, three of a deleted
//!   VM; 14 daily database backups (7 synced, 2 exported); 3 finished long jobs.
//!
//! Details per API family are in the docs of `vms`, `snapshots`, `backups`, `database` and
//! `longjobs`.

mod auth;
mod backups;
mod consoles;
mod database;
mod handlers;
mod ids;
mod infra;
mod inventory;
mod jobs;
mod longjobs;
mod lookup;
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
    Later { secs: f64, finish: world::Finish },
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

/// `Authorization: OAuth <session>`, checked as RestServer does before anything else the
/// API needs: the session text, or `None` for APIs without a session.
fn session_header(api: &routes::ApiDef, headers: &HeaderMap) -> Result<Option<String>, Fail> {
    if !api.session {
        return Ok(None);
    }
    let auth = header(headers, "Authorization")
        .ok_or_else(|| Fail::Rest(400, "missing header 'Authorization'".into()))?
        .trim();
    if !auth.starts_with("OAuth") {
        return Err(Fail::Rest(400, "Authorization type must be 'OAuth'".into()));
    }
    Ok(Some(auth.replacen("OAuth", "", 1).trim().to_string()))
}

/// The API's parameters: the query string for GET/DELETE, else the body's wrapper object.
fn api_params(
    method: &Method,
    api: &routes::ApiDef,
    body: Option<&Map<String, Value>>,
    vars: Vec<(String, String)>,
    pairs: Vec<(String, String)>,
) -> Result<Params, Fail> {
    if *method == Method::GET || *method == Method::DELETE {
        return Ok(Params::from_query(pairs, vars));
    }
    match body.and_then(|b| b.get(&api.param)) {
        None | Some(Value::Null) => Ok(Params::from_json(Map::new(), vars)),
        Some(Value::Object(m)) => Ok(Params::from_json(m.clone(), vars)),
        Some(other) => {
            let kind = if other.is_array() {
                "BEGIN_ARRAY"
            } else {
                "a value"
            };
            Err(Fail::Rest(
                500,
                format!(
                    "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was {kind} at path $"
                ),
            ))
        }
    }
}

fn job_uuid_header(headers: &HeaderMap) -> Result<Option<String>, Fail> {
    match header(headers, "X-Job-UUID") {
        Some(j) if j.len() != 32 => Err(Fail::Rest(
            400,
            "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped".into(),
        )),
        Some(j) => Ok(Some(j.to_string())),
        None => Ok(None),
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
    let session = session_header(api, headers)?;
    let vars = routes::extract_vars(&api.path, &rel);
    let pairs = query_pairs(raw_query);
    if api.is_query {
        return Ok(run_query(s, api, session.as_deref(), &vars, &pairs));
    }
    let params = api_params(method, api, body.as_ref(), vars, pairs)?;
    let job_uuid = job_uuid_header(headers)?;
    let api_timeout_ms = header(headers, "X-API-Timeout")
        .and_then(|t| t.trim().parse::<i64>().ok())
        .map(|secs| secs.saturating_mul(1000))
        .unwrap_or(1_800_000);

    let found = handlers::find(&api.action);
    let package = found.map(|f| f.1).unwrap_or("org.zstack.header");
    let epoch = s.faults.session_epoch();
    let call = Call {
        api,
        class: format!("{package}.{}", api.msg_name()),
        p: params,
        session: session.as_deref().and_then(Uid::parse),
        epoch,
        password_sha512: &s.password_sha512,
    };

    let mut w = s.world();
    let session_ok = !api.session || auth::valid(&w, session.as_deref(), epoch);
    let run = |w: &mut World| -> Outcome {
        if !session_ok {
            return Err(Fail::Api(ErrorCode::session_expired()));
        }
        match found {
            Some((handler, _)) => handler(w, &call),
            None => Err(Fail::Api(not_implemented(&call))),
        }
    };

    if !api.poll {
        return match run(&mut w)? {
            Done::Now(v) => Ok(wire::json_response(200, &v)),
            Done::Later { finish, .. } => match finish(&mut w) {
                Ok(v) => Ok(wire::json_response(200, &v)),
                Err(e) => Ok(wire::error_response(&e)),
            },
        };
    }

    // async: a job record first (a reused X-Job-UUID is refused before anything runs)
    let id = match job_uuid {
        Some(j) if w.jobs.exists(&j) => {
            return Err(Fail::Rest(400, format!("Duplicate job uuid[{j}]")));
        }
        Some(j) => j,
        None => w.new_uid().to_string(),
    };
    let (secs, finish): (f64, world::Finish) = match run(&mut w) {
        Err(Fail::Rest(status, text)) => return Err(Fail::Rest(status, text)),
        Err(Fail::Api(e)) => (jobs::MIN_JOB_SECS, Box::new(move |_| Err(e))),
        Ok(Done::Now(v)) => (jobs::MIN_JOB_SECS, Box::new(move |_| Ok(v))),
        Ok(Done::Later { secs, finish }) => (secs.max(jobs::MIN_JOB_SECS), finish),
    };
    w.schedule(id.clone(), &api.action, true, secs, finish);
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
