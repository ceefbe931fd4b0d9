//! TopHC `/v1` dialect: a stateful, seeded imitation of a Topsec TopHC manager, following
//! the API documents under `specs/compute-v1/` (see `ENDPOINTS.md`).
//!
//! * `wire`: envelope, error-code table, parameter parsing, paging.
//! * `world` / `seed`: the state, its rules and simulated time; its deterministic generation.
//! * `auth`: login/logout and the bearer-token check.
//! * `clusters`, `compute`, `snapshots`, `backups`: one file per resource family.
//!
//! Every request locks the world (a std `Mutex`, never held across an await), first
//! completes the operations that are due by the simulated clock, then runs its handler.
//!
//! # Contract where the documents are silent
//!
//! Details per endpoint are in the module docs of `clusters`, `compute`, `snapshots` and
//! `backups`; the error codes are the table in `wire` (`ALL_CODES`). In short:
//!
//! * Envelope `Output` on HTTP 200 for success and failure; errors have a `stack` array and
//!   `data: null`. Unknown route or wrong method: HTTP 404 `404 page not found`.
//!   `GET /v1/system/version` alone answers in the old envelope of its doc example
//!   (`status_code`, `message_en`, `message_cn`, `data`).
//! * Auth: `Authorization: Bearer <jwt>` (a bare token is accepted too). No header: 10002
//!   "Unauthorized: missing token"; bad signature, expired (`exp` = `iat` + 300000 simulated
//!   seconds), logged out, or older than `expire_sessions()`: 10003 "Token is invalid or has
//!   expired". Login: only tenant `system`, user `admin`, `password` = lower-case hex md5
//!   (10183 unknown user/tenant or `is_ldap:true`, 10184 wrong password, 10001 bad body).
//!   Logout needs no valid token, always answers `data: ""`, and revokes the token it gets.
//! * Paging: `page_number` wins over `page_num`; 0-based; `page_size <= 0` means all.
//!   Bad integers/booleans in the query string: 10001.
//! * Fan-out (empty `cluster_uuid`): items merged in cluster order; one
//!   `each_range_list_state` entry per cluster with `cluster_uuid, cluster_name,
//!   cluster_mode (""), namespace_uuid, namespace_name` (the `tenant`'s, or ""),
//!   `result`, `total_count`. The unreachable cluster `edge-cluster-04` has
//!   `result.scode` 10000 "Manager server error: dial tcp 10.30.40.5:9000: i/o timeout";
//!   asked for alone, that is the top-level answer of every call.
//! * VM `action` values: `noaction`, `snapshotting` (create, 3 s; 8 s with memory),
//!   `rollbacking` (4 s), `snapshot_deleting` (2 s), `backing_up` (20 s + 0.02 s/GiB),
//!   `restoring` (30 s + 0.01 s/GiB). Graceful shutdown: state `shutdown` for 5 s with
//!   action `noaction`. After a start the agent is `pending` for 8 s. Any operation on a
//!   VM that is not idle: 22001 "VM is busy: `<action>`" (or "shutdown").
//! * Times are simulated (`SimClock`); operations finish when a later request looks.

mod auth;
mod backups;
mod clusters;
mod compute;
mod seed;
mod snapshots;
mod wire;
mod world;

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use serde::de::DeserializeOwned;

use super::{Faults, SimClock, SimConfig, SimContext};
pub use crate::ids::Uid;
pub use wire::{ALL_CODES, Code};
use wire::{ApiError, ApiResult, Query, parse_body, respond};
pub use world::World;

/// What every handler shares.
pub struct Shared {
    world: Mutex<World>,
    pub clock: SimClock,
    pub faults: Faults,
    auth: auth::Auth,
}

impl Shared {
    pub fn new(config: &SimConfig, ctx: SimContext) -> Shared {
        let now = ctx.clock.unix();
        let anchor = now - now.rem_euclid(86_400);
        Shared {
            world: Mutex::new(seed::build(config, anchor, now)),
            auth: auth::Auth::new(config.seed, &config.password),
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

    /// Runs a handler on the world and answers with the envelope. A panic (a bug) becomes
    /// scode 10000 instead of a dropped connection.
    fn run(&self, f: impl FnOnce(&mut World) -> ApiResult) -> Response {
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut w = self.world();
            f(&mut w)
        }))
        .unwrap_or_else(|_| Err(ApiError::new(wire::SERVER_ERROR, "internal error")));
        respond(result)
    }
}

type App = Arc<Shared>;

/// A GET route: query string in, `Output` out.
fn get_q(f: fn(&mut World, &Query) -> ApiResult) -> MethodRouter<App> {
    get(
        move |State(s): State<App>, RawQuery(q): RawQuery| async move {
            let q = Query::parse(q.as_deref());
            s.run(|w| f(w, &q))
        },
    )
}

/// A POST route: JSON body in, `Output` out. A body that does not parse is 10001.
fn post_b<B: DeserializeOwned + Send + 'static>(
    f: fn(&mut World, B) -> ApiResult,
) -> MethodRouter<App> {
    post(move |State(s): State<App>, body: Bytes| async move {
        match parse_body::<B>(&body) {
            Ok(b) => s.run(|w| f(w, b)),
            Err(e) => respond(Err(e)),
        }
    })
}

/// The `/v1` router (nested under `/v1` by `sim::router`).
pub fn router(config: &SimConfig, ctx: SimContext) -> Router {
    let shared = Arc::new(Shared::new(config, ctx));
    Router::new()
        // clusters, tenants, zones, groups, pools, backup points
        .route("/user/cluster/allow/list", get_q(clusters::allow_list))
        .route("/cluster/list", get_q(clusters::list))
        .route("/cluster/get", get_q(clusters::get))
        .route("/tenant/list", get_q(clusters::tenant_list))
        .route("/zone/list", get_q(clusters::zone_list))
        .route("/zone/inspect", get_q(clusters::zone_inspect))
        .route("/compute/group/tree", get_q(clusters::group_tree))
        .route("/pool/internal/list", get_q(clusters::pool_list))
        .route(
            "/volume/internal/backuppoint/list",
            get_q(clusters::backup_point_list),
        )
        .route("/system/version", get(clusters::version))
        // VMs
        .route("/compute/list", get_q(compute::list))
        .route("/compute/inspect", get_q(compute::inspect))
        .route("/compute/state/summary", get_q(compute::state_summary))
        .route("/compute/start", post_b(compute::start))
        .route("/compute/shutoff", post_b(compute::shutoff))
        .route("/compute/shutdown", post_b(compute::shutdown))
        .route(
            "/compute/backup/restore/progress",
            post_b(compute::restore_progress),
        )
        // snapshots
        .route("/compute/vsd/snapshot/list", get_q(snapshots::list))
        .route("/compute/vsd/snapshot/get", get_q(snapshots::get))
        .route("/compute/vsd/snapshot/tree", get_q(snapshots::tree))
        .route("/compute/vsd/snapshot/head", get_q(snapshots::head))
        .route("/compute/vsd/snapshot/create", post_b(snapshots::create))
        .route("/compute/vsd/snapshot/modify", post_b(snapshots::modify))
        .route(
            "/compute/vsd/snapshot/rollback",
            post_b(snapshots::rollback),
        )
        .route("/compute/vsd/snapshot/delete", post_b(snapshots::delete))
        .route(
            "/compute/volume/snapshot/rollback",
            post_b(snapshots::volume_rollback),
        )
        // backups
        .route("/compute/backup/list", get_q(backups::list))
        .route("/compute/backup/inspect", get_q(backups::inspect))
        .route("/compute/backup/create", post_b(backups::create))
        .route("/compute/backup/delete", post_b(backups::delete))
        .route("/compute/backup/restore", post_b(backups::restore))
        .route("/compute/backup/remote/list", get_q(backups::remote_list))
        .route(
            "/compute/backup/remote/import",
            post_b(backups::remote_import),
        )
        // everything above needs a token
        .route_layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            auth::require_token,
        ))
        .route("/authentication/login", post(auth::login))
        .route("/authentication/logout", post(auth::logout))
        .fallback(wire::not_found)
        .method_not_allowed_fallback(wire::not_found)
        .with_state(shared)
}
