use std::time::Duration;

/// vmdeck's own id for a tracked operation (unique per run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

/// Progress as a platform reports it: a fraction, or only "it is moving".
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TaskProgress {
    Fraction(f32),
    Indeterminate,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TaskState {
    Queued,
    Running {
        progress: Option<f32>,
    },
    /// Stopped partway (CloudTower `PAUSED`, a ZStack long job `Suspended`): not over, and
    /// not moving either.
    Paused {
        progress: Option<f32>,
    },
    Succeeded,
    Failed {
        message: String,
    },
    /// Stopped on request before it finished (a ZStack long job canceled, a bulk's VM
    /// taken off the queue before it was sent): whatever it had done stays done.
    Canceled,
    /// We could not tell whether it happened (the answer was lost, or the platform forgot).
    Unknown {
        reason: String,
    },
}

impl TaskState {
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskState::Succeeded
                | TaskState::Failed { .. }
                | TaskState::Canceled
                | TaskState::Unknown { .. }
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running { .. } => "running",
            TaskState::Paused { .. } => "paused",
            TaskState::Succeeded => "succeeded",
            TaskState::Failed { .. } => "failed",
            TaskState::Canceled => "canceled",
            TaskState::Unknown { .. } => "unknown",
        }
    }

    /// Its time does not run: it ended, or it is paused.
    pub fn clock_stopped(&self) -> bool {
        self.is_terminal() || matches!(self, TaskState::Paused { .. })
    }

    /// Clamped 0..=1 progress when the platform reports one.
    pub fn progress(&self) -> Option<f32> {
        match self {
            TaskState::Running { progress } | TaskState::Paused { progress } => {
                progress.map(|p| p.clamp(0.0, 1.0))
            }
            TaskState::Succeeded => Some(1.0),
            _ => None,
        }
    }
}

/// Who started a task: operations from this vmdeck, or work others started on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskOrigin {
    Ours,
    Others,
}

/// Human-friendly elapsed time: "4s", "2m05s", "1h02m".
pub fn format_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_formats() {
        assert_eq!(format_elapsed(Duration::from_secs(4)), "4s");
        assert_eq!(format_elapsed(Duration::from_secs(125)), "2m05s");
        assert_eq!(format_elapsed(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn progress_is_clamped() {
        let s = TaskState::Running {
            progress: Some(1.7),
        };
        assert_eq!(s.progress(), Some(1.0));
        assert!(!s.is_terminal());
        assert!(TaskState::Unknown { reason: "x".into() }.is_terminal());
        let paused = TaskState::Paused {
            progress: Some(0.4),
        };
        assert!(!paused.is_terminal() && paused.clock_stopped());
        assert_eq!((paused.label(), paused.progress()), ("paused", Some(0.4)));
    }
}
