//! What every platform's task watch shares: how it paces itself, when it gives up, and
//! whether it follows an accepted call or looks for the effect of one whose answer was lost.

use std::time::Duration;

/// How watches pace themselves and when they give up.
#[derive(Clone, Copy, Debug)]
pub struct WatchTiming {
    /// Between polls.
    pub interval: Duration,
    /// How long a missing effect (or a task the platform no longer lists) is given to show
    /// up before the watch concludes: a slow platform may update the resource a moment after
    /// it answered.
    pub settle: Duration,
    /// How long a [`Mode::Verify`] watch looks for the effect of a call whose answer was lost.
    pub verify_window: Duration,
    /// Absolute limit for any watch; past it the task is `Unknown`.
    pub deadline: Duration,
}

impl Default for WatchTiming {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            settle: Duration::from_secs(15),
            verify_window: Duration::from_secs(60),
            deadline: Duration::from_secs(12 * 3600),
        }
    }
}

impl WatchTiming {
    /// How long an absent effect is given in `mode`.
    pub fn patience(&self, mode: Mode) -> Duration {
        match mode {
            Mode::Normal => self.settle,
            Mode::Verify => self.verify_window.max(self.settle),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The platform accepted the call.
    Normal,
    /// The call went out but its answer was lost: it may or may not have been acted on.
    Verify,
}
