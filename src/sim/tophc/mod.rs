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
//! Undocumented choices (the client must match them) are collected in the module docs of
//! `wire` (error codes), `world` (action names, timings) and the handler files.

mod auth;
mod backups;
mod clusters;
mod compute;
mod ids;
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
pub use ids::Uid;
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
