//! What the backend suites share: a simulator on a free loopback port, and following a
//! watch to its end the way the fetcher's tracker does.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use vmdeck::backend::TaskWatch;
use vmdeck::model::TaskState;
use vmdeck::sim::{SimConfig, SimServer};

/// A default simulator whose clock runs `time_scale` times faster than the wall clock.
pub async fn sim_at(time_scale: f64) -> SimServer {
    SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            time_scale,
            ..Default::default()
        },
    )
    .await
    .expect("simulator starts")
}

/// Polls a watch until it ends; tolerates a few read errors, as the tracker does, and
/// fails the test naming `what` when it is still going after `within`.
pub async fn follow_within(
    mut watch: Box<dyn TaskWatch>,
    what: &str,
    within: Duration,
) -> TaskState {
    let deadline = Instant::now() + within;
    let mut errors = 0;
    let mut last = None;
    loop {
        match watch.poll().await {
            Ok(s) if s.is_terminal() => return s,
            Ok(s) => last = Some(s),
            Err(e) => {
                errors += 1;
                assert!(errors <= 5, "{what}: too many read errors, last {e}");
            }
        }
        assert!(
            Instant::now() < deadline,
            "{what}: still {last:?} at the deadline"
        );
        tokio::time::sleep(watch.interval().max(Duration::from_millis(10))).await;
    }
}

/// Checks every 25 ms until `check` holds; fails the test naming `what` when it still does
/// not after `within`.
pub async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Every tracing event of this test binary, at every level, from any thread (the backend
/// logs from the runtime's workers): a global subscriber, installed once. Tests that search
/// it for their own secret may share it, since more text can only make the search harder.
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn start() -> &'static Self {
        static GLOBAL: std::sync::OnceLock<LogCapture> = std::sync::OnceLock::new();
        GLOBAL.get_or_init(|| {
            let sink = Self::default();
            let writer = sink.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .init();
            sink
        })
    }

    /// What was logged; refuses an empty capture, which would prove nothing.
    pub fn text(&self) -> String {
        let log = String::from_utf8_lossy(&self.0.lock().unwrap()).to_string();
        assert!(
            !log.is_empty(),
            "the capture saw nothing: the test would prove nothing"
        );
        log
    }
}

/// The parts of an incremental answer that must be one (a resync fails the test).
pub fn changed(
    c: vmdeck::model::VmChanges,
) -> (
    Vec<vmdeck::model::Vm>,
    Vec<String>,
    u64,
    vmdeck::model::ChangeCursor,
) {
    match c {
        vmdeck::model::VmChanges::Changed {
            upserts,
            deleted,
            total,
            next,
        } => (upserts, deleted, total, next),
        other => panic!("{other:?} where changes since a cursor were expected"),
    }
}
