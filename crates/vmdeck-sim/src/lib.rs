//! The simulator: a real HTTP server speaking each platform's dialect under its own prefix,
//! with seeded, deterministic, stateful inventories. `vmdeck --demo` runs it in-process on
//! an ephemeral loopback port; `vmdeck sim --listen ADDR` runs it standalone.

pub mod clock;
pub mod cloudtower;
pub mod faults;
pub mod ids;
pub mod seed_util;
pub mod tls;
pub mod tophc;
pub mod zstack;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use clock::SimClock;
pub use faults::{Fault, Faults};

pub const DEFAULT_PASSWORD: &str = "vmdeck-demo";
pub const DEFAULT_USER: &str = "admin";

/// How big and how fast the simulated world is. Sizes apply to each dialect; `None` lets
/// each dialect use its own default (TopHC about 50 VMs, CloudTower and ZStack about 100).
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub password: String,
    /// VMs across the dialect's clusters.
    pub vms: Option<usize>,
    /// VM backups across the dialect's clusters.
    pub backups: Option<usize>,
    /// Snapshots per VM, at most (the first VM of each cluster gets exactly this many).
    pub snapshots: Option<usize>,
    /// Simulated seconds per real second. 1.0 for the demo; tests go faster.
    pub time_scale: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            password: DEFAULT_PASSWORD.to_string(),
            vms: None,
            backups: None,
            snapshots: None,
            time_scale: 1.0,
        }
    }
}

/// Shared by every dialect's handlers.
#[derive(Clone)]
pub struct SimContext {
    pub clock: SimClock,
    pub faults: Faults,
}

/// A running simulator.
pub struct SimServer {
    addr: SocketAddr,
    tls: bool,
    faults: Faults,
    clock: SimClock,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// Binds `listen` (use port 0 for an ephemeral port) and serves plain HTTP until dropped.
    pub async fn start(listen: SocketAddr, config: SimConfig) -> std::io::Result<SimServer> {
        Self::start_with(listen, config, None).await
    }

    /// Like [`SimServer::start`], over HTTPS with the given certificate.
    pub async fn start_tls(
        listen: SocketAddr,
        config: SimConfig,
        tls: tls::SelfSigned,
    ) -> std::io::Result<SimServer> {
        Self::start_with(listen, config, Some(tls)).await
    }

    async fn start_with(
        listen: SocketAddr,
        config: SimConfig,
        tls: Option<tls::SelfSigned>,
    ) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let ctx = SimContext {
            clock: SimClock::new(config.time_scale),
            faults: Faults::default(),
        };
        let app = router(&config, ctx.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let is_tls = tls.is_some();
        let task = tokio::spawn(async move {
            if let Some(cert) = tls {
                if let Err(e) = tls::serve(listener, app, cert, rx).await {
                    tracing::error!(error = %e, "simulator (TLS) stopped");
                }
                return;
            }
            let serve = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "simulator stopped");
            }
        });
        Ok(SimServer {
            addr,
            tls: is_tls,
            faults: ctx.faults,
            clock: ctx.clock,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or https) — each dialect lives under its own prefix below it.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Fault injection, for tests.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// All dialects, each under its prefix, plus the fault-injection admin routes.
pub fn router(config: &SimConfig, ctx: SimContext) -> Router {
    // The three worlds are independent (each draws from its own seeded streams), so they
    // are laid out side by side: at full size that halves the start-up on two cores.
    let (tophc, cloudtower, zstack) = std::thread::scope(|s| {
        let tophc = s.spawn(|| tophc::router(config, ctx.clone()));
        let cloudtower = s.spawn(|| cloudtower::router(config, ctx.clone()));
        let zstack = zstack::router(config, ctx.clone());
        let join = |h: std::thread::ScopedJoinHandle<'_, Router>| {
            h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
        };
        (join(tophc), join(cloudtower), zstack)
    });
    Router::new()
        .nest("/v1", tophc)
        .nest("/v2/api", cloudtower)
        .nest("/zstack/v1", zstack)
        .merge(faults::admin_router(ctx.faults.clone()))
        .layer(axum::middleware::from_fn_with_state(
            ctx.faults.clone(),
            faults::apply,
        ))
        .with_state(())
}

/// Keeps the type name stable for callers that only need to share the context.
pub type SharedContext = Arc<SimContext>;
