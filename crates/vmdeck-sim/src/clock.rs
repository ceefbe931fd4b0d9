//! Simulated time. Operations record when they started in simulated seconds and are
//! finished lazily when a later request looks at them, so no background tasks are needed
//! and a run is reproducible.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug)]
pub struct SimClock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    epoch_at_start: f64,
    scale: f64,
}

impl SimClock {
    /// `scale` simulated seconds pass per real second.
    pub fn new(scale: f64) -> Self {
        let epoch_at_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Self {
            inner: Arc::new(Inner {
                started: Instant::now(),
                epoch_at_start,
                scale: if scale.is_finite() && scale > 0.0 {
                    scale
                } else {
                    1.0
                },
            }),
        }
    }

    /// Simulated seconds since the simulator started.
    pub fn elapsed(&self) -> f64 {
        self.inner.started.elapsed().as_secs_f64() * self.inner.scale
    }

    /// Simulated wall-clock time, unix seconds.
    pub fn unix(&self) -> i64 {
        (self.inner.epoch_at_start + self.elapsed()) as i64
    }

    /// Simulated wall-clock time, unix seconds with fraction.
    pub fn unix_f64(&self) -> f64 {
        self.inner.epoch_at_start + self.elapsed()
    }

    pub fn scale(&self) -> f64 {
        self.inner.scale
    }
}
