//! SmartX CloudTower `/v2/api` dialect: a stateful, seeded imitation of a CloudTower 4.6
//! following the official OpenAPI document (`specs/cloudtower/4.6.0-swagger.json`, see
//! `ENDPOINTS.md` next to it).
//!
//! Routes: `GET /get-version`, `GET /resource-changes` (`changes`), `POST /login`; the lists, each with its `-connection`
//! count: `get-clusters`, `get-hosts`, `get-vdses`, `get-vlans`, `get-vms`,
//! `get-vm-disks`, `get-vm-volumes`, `get-vm-snapshots`, `get-iscsi-lun-snapshots`,
//! `get-tasks`, `get-backup-services`, `get-backup-store-repositories`,
//! `get-backup-plans`, `get-backup-restore-points`, `get-backup-plan-executions`,
//! `get-backup-target-executions`, `get-backup-restore-executions`; the operations in
//! `OPS` below (power in `inventory`, snapshots in `snapshots`, backups in `backups`).
//!
//! * `spec`: the request schemas of the official document (generated into
//!   `spec/requests.json` by `scripts/cloudtower-schemas.py`) and their validator.
//! * `wire`: `ErrorBody`, languages, timestamps, ids. `query`: Prisma-1 `where`, `orderBy`
//!   and paging over rendered models.
//! * `world` / `seed`: the state, tasks and simulated time; its deterministic generation.
//! * `auth`: `/login` and tokens. `tasks`: `Task` and what tasks do when they end.
//! * `inventory` (clusters, hosts, VDSes, VLANs, VMs, disks, volumes, LUN snapshots,
//!   power), `snapshots`, `backups`: one file per resource family, each with its rules in
//!   its docs.
//!
//! Every request locks the world (a std `Mutex`, never held across an await), ends the
//! tasks that are due by the simulated clock, then runs its handler.
//!
//! # Contract where the spec is silent
//!
//! * Every operation is `POST` with a JSON body, except `GET /get-version` (bare JSON
//!   string `"4.6.0"`, no auth). An empty body counts as `{}`. Every body is validated
//!   against the spec's request schema: unknown keys (`additionalProperties: false`, e.g.
//!   a misspelt `where` key), wrong types, bad enum values, missing required fields: 400
//!   `ErrorBody` whose `message` names the place (`where.nme is not allowed: VmWhereInput
//!   has no field "nme"`) and `props: {"path": …}`. Unreadable JSON: 400. Unknown path or
//!   wrong method: 404 `ErrorBody`. A handler bug: 500 `ErrorBody`.
//! * `ErrorBody` is `{message, status, path, operationName, code?, props?}`: `code` (only
//!   `ResourceLocked`) and `props` only when set (the spec does not let them be `null`);
//!   no `stack`. `path` is the operation path (`/get-vms`), `operationName` its
//!   operationId (`GetVms`). Every answer has an `x-tower-request-id` header.
//! * Auth: `Authorization: <token>` (bare, no `Bearer`). Missing: 401 `Unauthorized:
//!   missing token`; unknown (or `Bearer …`): 401 `Unauthorized: unknown token`; issued
//!   before `Faults::expire_sessions()`: 401 `Unauthorized: session expired`. Tokens never
//!   expire otherwise. Users: `admin` and `lina` (source `LOCAL`), `zhangwei` (张伟) and
//!   `ops-wang` (source `LDAP`, or `AUTHN` with any `auth_config_id`), all with
//!   `SimConfig.password`. Wrong user, password or source: 400 `Login failed: wrong
//!   username or password`. `SSO`: 400.
//! * `content-language: zh-CN` gives Chinese task descriptions, task error messages and
//!   `ErrorBody.message`; anything else gives English.
//! * Models render every key of their schema: optional ones as explicit `null`, empty
//!   relation lists as `[]`. Ids are 25-character cuids that sort by creation time;
//!   `local_id`s are UUIDs; times are `2025-12-25T06:26:25.000Z`.
//! * Lists: `where` as in Prisma 1 (a key set to `null` sets no condition; a relation
//!   filter on a `null` relation does not match); `orderBy` one `<field>_ASC|_DESC`, nulls
//!   last ascending, ties by id; no `orderBy`: by id (= creation order). `first`/`skip`/
//!   `last`/`after`/`before` as Prisma 1 (an unknown cursor gives `[]`, a negative count
//!   400). `-connection` counts after `where`, ignoring paging.
//! * Mutations answer `WithTask<T>[]`, one per item matched or given (nothing matched:
//!   `[]`). Array-bodied operations (`rebuild-vm-from-snapshot`) also take a single object
//!   and then answer a single `WithTask`. A request is checked whole before anything
//!   starts: one refused item refuses all.
//! * Tasks are `PENDING` for 0.5–1 simulated second, then `EXECUTING` (progress and steps
//!   move with time; step `unit` is `PERCENT`, or `BYTE` for backups and restores), then
//!   `SUCCESSED` (progress 1) or `FAILED` (progress where it stopped, `error_code` and
//!   `error_message` set, `resource_rollbacked: true`). `user` is who asked;
//!   `args` the request; `resource_id`/`resource_type`/`resource_mutation` the resource.
//!   Times per operation are in the docs of `inventory`, `snapshots` and `backups`.
//! * Busy: a VM held by a running task (or being created) refuses further operations
//!   with 400 `code: ResourceLocked` (`props.task_id` names the task); so do snapshots
//!   and restore points that are being created or deleted, and a backup plan that is
//!   running. A VM of the DISCONNECTED cluster `edge-branch-04` (status `UNKNOWN`)
//!   refuses every operation with a 400.
//! * Deterministic failures (never random): VM `故障演示-存储异常` fails its snapshot and
//!   rollback tasks; plans on and restores from the repository `nfs-offsite-dr` (status
//!   `ERROR`) fail with `BACKUP_STORE_UNAVAILABLE`; every fifth task of other users fails.
//! * Other users (`张伟`, `李娜`, `ops-wang`) start a task every 40–90 simulated seconds
//!   from 20 s after start (migrate/edit/export VM, upload an ISO); these change nothing the
//!   simulator models and lock nothing. The seeded history holds finished backup,
//!   snapshot and other users' tasks from the day before.
//! * Sizes: `SimConfig.vms` (default 100) over four clusters, `snapshots` per VM at most
//!   (default 6; the first VM of each cluster has exactly that many), `backups` restore
//!   points in total (default 300) over six plans.

mod auth;
mod backups;
mod changes;
mod inventory;
mod query;
pub mod seed;
mod snapshots;
pub mod spec;
mod tasks;
pub mod wire;
mod world;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Faults, SimClock, SimConfig, SimContext};
use query::{ListArgs, Resolver};
use wire::{ApiError, ApiResult, Lang, json_response};
pub use world::{Kind, World};

/// What every handler shares.
pub struct Shared {
    world: Mutex<World>,
    pub clock: SimClock,
    pub faults: Faults,
    auth: auth::Auth,
}

/// A request as handlers see it: validated body, language, the user asking.
pub struct Req {
    pub body: Value,
    pub lang: Lang,
    pub user: usize,
}

fn now_ms(clock: &SimClock) -> i64 {
    (clock.unix_f64() * 1000.0) as i64
}

impl Shared {
    pub fn new(config: &SimConfig, ctx: SimContext) -> Shared {
        let now = now_ms(&ctx.clock);
        let anchor = now - now.rem_euclid(86_400_000);
        let mut world = seed::build(config, anchor, now);
        world.changes.start(world.vms.len());
        Shared {
            world: Mutex::new(world),
            auth: auth::Auth::new(config.seed, &config.password),
            clock: ctx.clock,
            faults: ctx.faults,
        }
    }

    /// The world, brought up to the current simulated time.
    pub fn world(&self) -> MutexGuard<'_, World> {
        let mut w = self.world.lock().unwrap_or_else(|e| e.into_inner());
        w.advance(now_ms(&self.clock));
        w
    }
}

type App = Arc<Shared>;

#[derive(Clone, Copy)]
enum Handler {
    List(Kind),
    Count(Kind),
    Op(fn(&mut World, &Req) -> ApiResult),
    Login,
}

fn fail(e: &ApiError, path: &str, lang: Lang) -> Response {
    let op = spec::spec()
        .operations
        .get(path)
        .map(|o| o.operation_id.as_str());
    json_response(e.status, &e.body(path, op, lang))
}

fn call(s: &Shared, path: &str, handler: Handler, headers: &HeaderMap, bytes: &Bytes) -> Response {
    let lang = Lang::from_headers(headers);
    let user_id = match handler {
        Handler::Login => None,
        _ => match auth::token(headers) {
            None => return fail(&ApiError::unauthorized("missing token"), path, lang),
            Some(t) => match s.auth.verify(&t, s.faults.session_epoch()) {
                Ok(id) => Some(id),
                Err(why) => return fail(&ApiError::unauthorized(why), path, lang),
            },
        },
    };
    let mut body: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                let err = ApiError::bad(
                    format!("Request body is not valid JSON: {e}"),
                    format!("请求体不是合法的 JSON：{e}"),
                );
                return fail(&err, path, lang);
            }
        }
    };
    let schema = spec::spec()
        .operations
        .get(path)
        .and_then(|o| o.request.as_ref());
    let mut single = false;
    if let Some(schema) = schema {
        let wants_array = schema.get("type") == Some(&json!("array"));
        if wants_array && body.is_object() {
            single = true;
            body = Value::Array(vec![body]);
        }
        if let Err(inv) = spec::spec().validate(schema, &body, "") {
            let mut err = ApiError::bad(inv.en, inv.zh);
            err.props = Some(json!({"path": inv.at}));
            return fail(&err, path, lang);
        }
    }
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut w = s.world();
        let user = match &user_id {
            Some(id) => match w.users.iter().position(|u| &u.id == id) {
                Some(u) => u,
                None => return Err(ApiError::unauthorized("unknown token")),
            },
            None => 0,
        };
        let req = Req { body, lang, user };
        match handler {
            Handler::List(kind) => list(&w, kind, &req, false),
            Handler::Count(kind) => list(&w, kind, &req, true),
            Handler::Op(f) => f(&mut w, &req),
            Handler::Login => {
                let u = s.auth.login(&w, &req.body)?;
                let token = s
                    .auth
                    .issue(&w.users[u].id, s.faults.session_epoch(), w.now);
                Ok(json!({"task_id": null, "data": {"token": token}}))
            }
        }
    }))
    .unwrap_or_else(|_| Err(ApiError::internal()));
    match result {
        Ok(Value::Array(mut items)) if single && items.len() == 1 => {
            json_response(StatusCode::OK, &items.remove(0))
        }
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => fail(&e, path, lang),
    }
}

// ---- models ---------------------------------------------------------------------------------

fn visible(w: &World, kind: Kind) -> Vec<usize> {
    fn live<T>(items: &[T], gone: impl Fn(&T) -> bool) -> Vec<usize> {
        (0..items.len()).filter(|&i| !gone(&items[i])).collect()
    }
    match kind {
        Kind::Cluster => (0..w.clusters.len()).collect(),
        Kind::Host => (0..w.hosts.len()).collect(),
        Kind::Vds => (0..w.vdses.len()).collect(),
        Kind::Vlan => (0..w.vlans.len()).collect(),
        Kind::Vm => live(&w.vms, |v| v.gone),
        Kind::VmDisk => live(&w.disks, |d| d.gone),
        Kind::VmVolume => live(&w.volumes, |v| v.gone),
        Kind::VmSnapshot => live(&w.snapshots, |s| s.gone),
        Kind::IscsiLunSnapshot => live(&w.lun_snapshots, |s| s.gone),
        Kind::Task => (0..w.tasks.len()).collect(),
        Kind::BackupService => (0..w.services.len()).collect(),
        Kind::BackupStoreRepository => (0..w.repos.len()).collect(),
        Kind::BackupPlan => (0..w.plans.len()).collect(),
        Kind::BackupRestorePoint => live(&w.restore_points, |r| r.gone),
        Kind::BackupPlanExecution => (0..w.plan_execs.len()).collect(),
        Kind::BackupTargetExecution => (0..w.target_execs.len()).collect(),
        Kind::BackupRestoreExecution => (0..w.restore_execs.len()).collect(),
    }
}

fn id_of(w: &World, kind: Kind, i: usize) -> &str {
    match kind {
        Kind::Cluster => &w.clusters[i].id,
        Kind::Host => &w.hosts[i].id,
        Kind::Vds => &w.vdses[i].id,
        Kind::Vlan => &w.vlans[i].id,
        Kind::Vm => &w.vms[i].id,
        Kind::VmDisk => &w.disks[i].id,
        Kind::VmVolume => &w.volumes[i].id,
        Kind::VmSnapshot => &w.snapshots[i].id,
        Kind::IscsiLunSnapshot => &w.lun_snapshots[i].id,
        Kind::Task => &w.tasks[i].id,
        Kind::BackupService => &w.services[i].id,
        Kind::BackupStoreRepository => &w.repos[i].id,
        Kind::BackupPlan => &w.plans[i].id,
        Kind::BackupRestorePoint => &w.restore_points[i].id,
        Kind::BackupPlanExecution => &w.plan_execs[i].id,
        Kind::BackupTargetExecution => &w.target_execs[i].id,
        Kind::BackupRestoreExecution => &w.restore_execs[i].id,
    }
}

/// The value of one field of a row, as `render` would give it: the fields lists are ordered
/// by most directly, the rest from the rendered row.
fn sort_value(w: &World, kind: Kind, i: usize, field: &str, lang: Lang) -> Value {
    match (kind, field) {
        (Kind::Vm, "name") => Value::String(w.vms[i].name.clone()),
        (_, "id") => Value::String(id_of(w, kind, i).to_string()),
        _ => render(w, kind, i, lang)
            .get(field)
            .cloned()
            .unwrap_or(Value::Null),
    }
}

fn render(w: &World, kind: Kind, i: usize, lang: Lang) -> Value {
    match kind {
        Kind::Cluster => inventory::cluster(w, i),
        Kind::Host => inventory::host(w, i),
        Kind::Vds => inventory::vds(w, i),
        Kind::Vlan => inventory::vlan(w, i),
        Kind::Vm => inventory::vm(w, i),
        Kind::VmDisk => inventory::vm_disk(w, i),
        Kind::VmVolume => inventory::vm_volume(w, i),
        Kind::VmSnapshot => snapshots::render(w, i),
        Kind::IscsiLunSnapshot => inventory::lun_snapshot(w, i),
        Kind::Task => tasks::render(w, i, lang),
        Kind::BackupService => backups::service(w, i),
        Kind::BackupStoreRepository => backups::repo(w, i),
        Kind::BackupPlan => backups::plan(w, i),
        Kind::BackupRestorePoint => backups::restore_point(w, i),
        Kind::BackupPlanExecution => backups::plan_execution(w, i),
        Kind::BackupTargetExecution => backups::target_execution(w, i),
        Kind::BackupRestoreExecution => backups::restore_execution(w, i),
    }
}

/// Renders related resources for relation filters, once per request each.
struct View<'a> {
    w: &'a World,
    lang: Lang,
    memo: RefCell<HashMap<String, Option<Value>>>,
}

impl Resolver for View<'_> {
    fn resolve(&self, where_input: &str, id: &str) -> Option<Value> {
        if let Some(v) = self.memo.borrow().get(id) {
            return v.clone();
        }
        let found = Kind::from_where_input(where_input).and_then(|kind| {
            let i = self.w.lookup(kind, id)?;
            visible_one(self.w, kind, i).then(|| render(self.w, kind, i, self.lang))
        });
        self.memo.borrow_mut().insert(id.to_string(), found.clone());
        found
    }
}

fn visible_one(w: &World, kind: Kind, i: usize) -> bool {
    match kind {
        Kind::Vm => !w.vms[i].gone,
        Kind::VmDisk => !w.disks[i].gone,
        Kind::VmVolume => !w.volumes[i].gone,
        Kind::VmSnapshot => !w.snapshots[i].gone,
        Kind::IscsiLunSnapshot => !w.lun_snapshots[i].gone,
        Kind::BackupRestorePoint => !w.restore_points[i].gone,
        _ => true,
    }
}

/// The id of a to-one relation of item `i`, for the relations lists filter by most
/// (`Some(None)`: the relation is empty; `None`: not one of these).
fn relation_id<'a>(w: &'a World, kind: Kind, i: usize, key: &str) -> Option<Option<&'a str>> {
    let vm = |v: usize| (!w.vms[v].gone).then(|| w.vms[v].id.as_str());
    Some(match (kind, key) {
        (Kind::Vm, "cluster") => Some(w.clusters[w.vms[i].cluster].id.as_str()),
        (Kind::Host, "cluster") => Some(w.clusters[w.hosts[i].cluster].id.as_str()),
        (Kind::Vds, "cluster") => Some(w.clusters[w.vdses[i].cluster].id.as_str()),
        (Kind::Vlan, "vds") => Some(w.vdses[w.vlans[i].vds].id.as_str()),
        (Kind::VmDisk, "vm") => vm(w.disks[i].vm),
        (Kind::VmSnapshot, "vm") => vm(w.snapshots[i].vm),
        (Kind::VmSnapshot, "cluster") => Some(w.clusters[w.snapshots[i].cluster].id.as_str()),
        (Kind::BackupRestorePoint, "vm") => vm(w.restore_points[i].vm),
        (Kind::BackupRestorePoint, "backup_plan") => {
            Some(w.plans[w.restore_points[i].plan].id.as_str())
        }
        (Kind::BackupTargetExecution, "backup_plan_execution") => {
            Some(w.plan_execs[w.target_execs[i].plan_exec].id.as_str())
        }
        _ => return None,
    })
}

/// What the world alone tells of `filter` for row `i`: `Some(false)` when an entry surely
/// fails, `Some(true)` when every entry surely holds, `None` when the rendered row must be
/// matched. The common list filters (an id, a name, a cluster, VMs outside the recycle bin)
/// are decided without rendering 10,000 rows a page.
fn decide(
    w: &World,
    kind: Kind,
    i: usize,
    filter: &serde_json::Map<String, Value>,
    lists: &InLists,
) -> Option<bool> {
    let id = id_of(w, kind, i);
    let name = || match kind {
        Kind::Vm => Some(w.vms[i].name.as_str()),
        Kind::VmSnapshot => Some(w.snapshots[i].name.as_str()),
        Kind::IscsiLunSnapshot => Some(w.lun_snapshots[i].name.as_str()),
        _ => None,
    };
    let mut all_known = true;
    for (key, cond) in filter {
        let holds = match (key.as_str(), cond) {
            (_, Value::Null) => None,
            ("id", Value::String(want)) => Some(id == want),
            ("id_in", _) => Some(lists.holds("id_in", id)),
            ("name", Value::String(want)) => name().map(|n| n == want),
            ("name_in", _) => name().map(|n| lists.holds("name_in", n)),
            // The simulator keeps no VM in the recycle bin.
            ("in_recycle_bin", Value::Bool(want)) if kind == Kind::Vm => Some(!*want),
            (rel, Value::Object(sub)) => match (relation_id(w, kind, i, rel), sub.get("id")) {
                (Some(have), Some(Value::String(want))) if sub.len() == 1 => {
                    Some(have == Some(want.as_str()))
                }
                (Some(have), Some(Value::String(want))) if have != Some(want.as_str()) => {
                    Some(false)
                }
                _ => None,
            },
            _ => None,
        };
        match holds {
            Some(false) => return Some(false),
            Some(true) => {}
            None => all_known = false,
        }
    }
    all_known.then_some(true)
}

/// A filter's `*_in` lists as sets, made once per request: a tree's LUN lookup (200 names
/// against some 100,000 LUN snapshots) was otherwise 20 million comparisons a call.
struct InLists<'a>(HashMap<&'a str, HashSet<&'a str>>);

impl<'a> InLists<'a> {
    fn of(filter: &'a serde_json::Map<String, Value>) -> Self {
        InLists(
            filter
                .iter()
                .filter(|(k, _)| k.ends_with("_in"))
                .map(|(k, v)| {
                    let set = v.as_array().into_iter().flatten();
                    (k.as_str(), set.filter_map(Value::as_str).collect())
                })
                .collect(),
        )
    }

    fn holds(&self, key: &str, x: &str) -> bool {
        self.0.get(key).is_some_and(|s| s.contains(x))
    }
}

fn where_input(kind: Kind) -> String {
    format!("{kind:?}WhereInput")
}

/// The resources of `kind` a mutation's `where` selects, in id order.
pub fn matched(w: &World, req: &Req, kind: Kind, filter: &Value) -> Result<Vec<usize>, ApiError> {
    let filter = filter.as_object().cloned().unwrap_or_default();
    let view = View {
        w,
        lang: req.lang,
        memo: RefCell::new(HashMap::new()),
    };
    let def = where_input(kind);
    let lists = InLists::of(&filter);
    let mut out: Vec<usize> = visible(w, kind)
        .into_iter()
        .filter(|&i| {
            decide(w, kind, i, &filter, &lists).unwrap_or_else(|| {
                let row = render(w, kind, i, req.lang);
                query::matches(spec::spec(), &view, &def, &filter, &row)
            })
        })
        .collect();
    out.sort_by(|&a, &b| id_of(w, kind, a).cmp(id_of(w, kind, b)));
    Ok(out)
}

fn list(w: &World, kind: Kind, req: &Req, count_only: bool) -> ApiResult {
    let args = ListArgs::parse(&req.body)?;
    let view = View {
        w,
        lang: req.lang,
        memo: RefCell::new(HashMap::new()),
    };
    let def = where_input(kind);
    let mut rows: Vec<(usize, &str, Option<Value>)> = visible(w, kind)
        .into_iter()
        .map(|i| (i, id_of(w, kind, i), None))
        .collect();
    if args.has_filter() {
        let lists = InLists::of(&args.filter);
        rows =
            rows.into_iter()
                .filter_map(
                    |(i, id, _)| match decide(w, kind, i, &args.filter, &lists) {
                        Some(false) => None,
                        Some(true) => Some((i, id, None)),
                        None => {
                            let row = render(w, kind, i, req.lang);
                            query::matches(spec::spec(), &view, &def, &args.filter, &row)
                                .then_some((i, id, Some(row)))
                        }
                    },
                )
                .collect();
    }
    if count_only {
        return Ok(json!({"aggregate": {"count": rows.len()}}));
    }
    // Only the field ordered by is worked out for every row; whole rows are rendered for
    // the page alone (rendering 10,000 VMs to sort them took a third of a second a page).
    let field = args.order_by.as_deref().and_then(|o| {
        o.strip_suffix("_ASC")
            .or_else(|| o.strip_suffix("_DESC"))
            .map(str::to_string)
    });
    let keys: Vec<Value> = match &field {
        Some(f) => rows
            .iter()
            .map(|(i, _, row)| {
                let v = match row {
                    Some(r) => r.get(f.as_str()).cloned().unwrap_or(Value::Null),
                    None => sort_value(w, kind, *i, f, req.lang),
                };
                json!({ f.as_str(): v })
            })
            .collect(),
        None => Vec::new(),
    };
    static NULL: Value = Value::Null;
    let mut order: Vec<(usize, &str, &Value)> = rows
        .iter()
        .enumerate()
        .map(|(p, (_, id, _))| (p, *id, keys.get(p).unwrap_or(&NULL)))
        .collect();
    query::sort_rows(&mut order, args.order_by.as_deref(), |(_, id, key)| {
        (id, key)
    });
    let ids: Vec<&str> = order.iter().map(|(_, id, _)| *id).collect();
    let range = query::window(&ids, &args);
    let page: Vec<Value> = order[range]
        .iter()
        .map(|(p, _, _)| {
            let (i, _, row) = &rows[*p];
            row.clone().unwrap_or_else(|| render(w, kind, *i, req.lang))
        })
        .collect();
    Ok(Value::Array(page))
}

// ---- routes ---------------------------------------------------------------------------------

const LISTS: &[(&str, &str, Kind)] = &[
    ("/get-clusters", "/get-clusters-connection", Kind::Cluster),
    ("/get-hosts", "/get-hosts-connection", Kind::Host),
    ("/get-vdses", "/get-vdses-connection", Kind::Vds),
    ("/get-vlans", "/get-vlans-connection", Kind::Vlan),
    ("/get-vms", "/get-vms-connection", Kind::Vm),
    ("/get-vm-disks", "/get-vm-disks-connection", Kind::VmDisk),
    (
        "/get-vm-volumes",
        "/get-vm-volumes-connection",
        Kind::VmVolume,
    ),
    (
        "/get-vm-snapshots",
        "/get-vm-snapshots-connection",
        Kind::VmSnapshot,
    ),
    (
        "/get-iscsi-lun-snapshots",
        "/get-iscsi-lun-snapshots-connection",
        Kind::IscsiLunSnapshot,
    ),
    ("/get-tasks", "/get-tasks-connection", Kind::Task),
    (
        "/get-backup-services",
        "/get-backup-services-connection",
        Kind::BackupService,
    ),
    (
        "/get-backup-store-repositories",
        "/get-backup-store-repositories-connection",
        Kind::BackupStoreRepository,
    ),
    (
        "/get-backup-plans",
        "/get-backup-plans-connection",
        Kind::BackupPlan,
    ),
    (
        "/get-backup-restore-points",
        "/get-backup-restore-points-connection",
        Kind::BackupRestorePoint,
    ),
    (
        "/get-backup-plan-executions",
        "/get-backup-plan-executions-connection",
        Kind::BackupPlanExecution,
    ),
    (
        "/get-backup-target-executions",
        "/get-backup-target-executions-connection",
        Kind::BackupTargetExecution,
    ),
    (
        "/get-backup-restore-executions",
        "/get-backup-restore-executions-connection",
        Kind::BackupRestoreExecution,
    ),
];

type OpFn = fn(&mut World, &Req) -> ApiResult;

const OPS: &[(&str, OpFn)] = &[
    ("/create-vm-snapshot", snapshots::create),
    ("/rollback-vm", snapshots::rollback),
    ("/rebuild-vm-from-snapshot", snapshots::rebuild),
    ("/delete-vm-snapshot", snapshots::delete),
    ("/start-vm", inventory::start),
    ("/shutdown-vm", inventory::shutdown),
    ("/poweroff-vm", inventory::poweroff),
    ("/delete-vm", inventory::delete),
    ("/get-vm-vnc-info", inventory::vnc_info),
    ("/get-backup-restore-point-metadata", backups::metadata),
    ("/execute-backup-plan", backups::execute),
    ("/backup-restore-vm-in-place", backups::restore_in_place),
    ("/backup-rebuild-vm", backups::rebuild),
    ("/delete-backup-restore-point", backups::delete_points),
];

fn route(path: &'static str, handler: Handler) -> axum::routing::MethodRouter<App> {
    post(
        move |State(s): State<App>, headers: HeaderMap, body: Bytes| async move {
            call(&s, path, handler, &headers, &body)
        },
    )
}

async fn not_found(req: Request) -> Response {
    let path = req.uri().path().to_string();
    let err = ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Cannot {} {path}", req.method()),
        format!("找不到 {} {path}", req.method()),
    );
    fail(&err, &path, Lang::from_headers(req.headers()))
}

async fn add_request_id(mut resp: Response) -> Response {
    wire::add_request_id(&mut resp);
    resp
}

/// The `/v2/api` router (nested under `/v2/api` by `sim::router`).
pub fn router(config: &SimConfig, ctx: SimContext) -> Router {
    let shared = Arc::new(Shared::new(config, ctx));
    let mut r = Router::new()
        .route("/login", route("/login", Handler::Login))
        .route(
            "/get-version",
            get(|| async { json_response(StatusCode::OK, &json!("4.6.0")) }),
        )
        .route("/resource-changes", get(changes::handler));
    for &(path, count, kind) in LISTS {
        r = r
            .route(path, route(path, Handler::List(kind)))
            .route(count, route(count, Handler::Count(kind)));
    }
    for &(path, f) in OPS {
        r = r.route(path, route(path, Handler::Op(f)));
    }
    r.fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(axum::middleware::map_response(add_request_id))
        .with_state(shared)
}
