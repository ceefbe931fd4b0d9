//! Following an async API by the job uuid we chose (ENDPOINTS §3–§4).
//!
//! `GET /zstack/v1/api-jobs/<uuid>` on our own base URL: 202 running, 200 done (with the
//! API's result), 503 failed (with its error), 404 gone. Because the uuid is ours, a call
//! whose answer was lost is found by polling it — the same watch, started in `Verify` mode
//! — and is never sent again.
//!
//! When the job is gone (404) before we saw its end — it expired, or the request never got
//! there — the watch re-reads the resource the operation changes ([`Target`]) and decides
//! from that: `Succeeded` when the effect is there, `Unknown` (with what it saw) when it
//! does not show up in time or cannot be read.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::envelope::{self, SESSION_INVALID};
use super::session::{Api, JobAnswer, job_error};
use super::verify::{Effect, Target};
use super::wire::{ErrorCode, Results};
use crate::{BackendError, Mode, Result, TaskWatch, WatchTiming};
use vmdeck_model::{Platform, TaskState};

/// A fresh job uuid in ZStack's form: a random (v4) uuid, 32 lower-case hex digits, no
/// dashes — the server checks `[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}`.
pub fn new_job_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What a successful result must also say (group APIs report per volume).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultCheck {
    Plain,
    /// `{"results": [{snapshotUuid, success, error?}]}`: every item must have succeeded.
    PerSnapshot,
}

/// The state a successful result stands for (group APIs can succeed for some volumes only).
pub fn result_state(check: ResultCheck, body: &[u8]) -> TaskState {
    if check == ResultCheck::PerSnapshot
        && let Ok(r) = serde_json::from_slice::<Results>(body)
    {
        let failed: Vec<String> = r
            .results
            .iter()
            .filter(|x| x.success.0 == Some(false))
            .map(|x| {
                let what = x
                    .snapshot_uuid
                    .non_empty()
                    .or(x.volume_uuid.non_empty())
                    .unwrap_or("a volume")
                    .to_string();
                match &x.error {
                    Some(e) => format!("{what}: {}", envelope::compose(e)),
                    None => what,
                }
            })
            .collect();
        if !failed.is_empty() {
            return TaskState::Failed {
                message: format!(
                    "{} of {} volume(s) failed: {}",
                    failed.len(),
                    r.results.len(),
                    failed.join("; ")
                ),
            };
        }
    }
    TaskState::Succeeded
}

pub struct JobWatch {
    api: Arc<Api>,
    job: String,
    target: Target,
    result: ResultCheck,
    mode: Mode,
    timing: WatchTiming,
    /// The job has answered at least once (202/200/503).
    seen: bool,
    /// Since when the job has been gone, and what the first re-read said.
    gone_since: Option<Instant>,
    started: Instant,
}

impl JobWatch {
    pub fn new(
        api: Arc<Api>,
        job: String,
        target: Target,
        result: ResultCheck,
        mode: Mode,
        timing: WatchTiming,
    ) -> Self {
        Self {
            api,
            job,
            target,
            result,
            mode,
            timing,
            seen: false,
            gone_since: None,
            started: Instant::now(),
        }
    }

    fn failed(e: &ErrorCode) -> TaskState {
        TaskState::Failed {
            message: job_error(e).to_string(),
        }
    }

    /// The job failed for an invalid session. That may be the API's own failure (the
    /// session expired before it ran: nothing happened) — or, on a server that wants a
    /// session for polling too, the poll's. A fresh session and one more look tell them
    /// apart; the mutation itself is never repeated.
    async fn session_failure(&mut self, e: &ErrorCode, generation: u64) -> Result<TaskState> {
        self.api.relogin(generation).await?;
        match self.api.poll_job(&self.job).await?.0 {
            JobAnswer::Failed(again) if again.code.as_str() == SESSION_INVALID => {
                Ok(TaskState::Failed {
                    message: BackendError::nothing_done(
                        Platform::ZStack,
                        &job_error(e),
                        SESSION_INVALID,
                    )
                    .to_string(),
                })
            }
            other => self.answer(other).await,
        }
    }

    async fn answer(&mut self, a: JobAnswer) -> Result<TaskState> {
        match a {
            JobAnswer::Running if self.started.elapsed() >= self.timing.deadline => {
                Ok(TaskState::Unknown {
                    reason: format!(
                        "job {} was still running at the deadline; check the platform",
                        self.job
                    ),
                })
            }
            JobAnswer::Running => {
                self.seen = true;
                self.gone_since = None;
                Ok(TaskState::Running { progress: None })
            }
            JobAnswer::Succeeded(body) => Ok(result_state(self.result, &body)),
            JobAnswer::Failed(e) => Ok(Self::failed(&e)),
            JobAnswer::Expired => self.reread().await,
        }
    }

    /// The job is gone: decide from the resource.
    async fn reread(&mut self) -> Result<TaskState> {
        let since = *self.gone_since.get_or_insert_with(Instant::now);
        let lead = if self.seen {
            format!("job {} expired before vmdeck saw its end", self.job)
        } else {
            match self.mode {
                Mode::Verify => format!("the answer was lost and ZStack knows no job {}", self.job),
                Mode::Normal => format!("ZStack no longer knows job {}", self.job),
            }
        };
        match self.target.check(&self.api).await? {
            Effect::Done => Ok(TaskState::Succeeded),
            Effect::InProgress => {
                self.gone_since = None;
                Ok(TaskState::Running { progress: None })
            }
            Effect::CannotTell(what) => Ok(TaskState::Unknown {
                reason: format!("{lead}, and {what}; check the platform"),
            }),
            Effect::Absent(what) => {
                let limit = self.timing.patience(self.mode);
                if since.elapsed() >= limit {
                    Ok(TaskState::Unknown {
                        reason: format!("{lead}; re-read: {what}"),
                    })
                } else {
                    Ok(TaskState::Running { progress: None })
                }
            }
        }
    }
}

#[async_trait]
impl TaskWatch for JobWatch {
    async fn poll(&mut self) -> Result<TaskState> {
        let (answer, generation) = self.api.poll_job(&self.job).await?;
        if let JobAnswer::Failed(e) = &answer {
            self.seen = true;
            if e.code.as_str() == SESSION_INVALID {
                let e = e.clone();
                return self.session_failure(&e, generation).await;
            }
        }
        if matches!(answer, JobAnswer::Succeeded(_)) {
            self.seen = true;
        }
        self.answer(answer).await
    }

    fn interval(&self) -> Duration {
        // Long jobs need no second-by-second polling once they have run a while.
        if self.started.elapsed() > Duration::from_secs(120) {
            self.timing.interval * 3
        } else {
            self.timing.interval
        }
    }

    fn platform_id(&self) -> Option<String> {
        Some(self.job.clone())
    }
}

/// An API that answered with its result at once (2xx without a job).
pub struct Finished {
    pub job: String,
    pub state: TaskState,
}

#[async_trait]
impl TaskWatch for Finished {
    async fn poll(&mut self) -> Result<TaskState> {
        Ok(self.state.clone())
    }
    fn interval(&self) -> Duration {
        Duration::ZERO
    }
    fn platform_id(&self) -> Option<String> {
        Some(self.job.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_uuids_have_zstacks_v4_form() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let u = new_job_uuid();
            assert_eq!(u.len(), 32, "{u}");
            assert!(
                u.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{u}"
            );
            assert_eq!(&u[12..13], "4", "{u}");
            assert!("89ab".contains(&u[16..17]), "{u}");
            assert!(seen.insert(u));
        }
    }
}
