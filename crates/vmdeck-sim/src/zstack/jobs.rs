//! The api-job store (RestServer's `AsyncRestVO` table). An async API's work is a closure
//! run when its simulated time is up; a job's record is kept until
//! [`COMPLETED_JOB_EXPIRE_SECS`] after the job was created (`rest.completedApi.expiredPeriod`,
//! 3 h by default, counted from creation like the real clean-up query), then polling it
//! answers 404 `the job has been expired`.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::wire::ErrorCode;
use super::world::World;

/// `rest.completedApi.expiredPeriod` (seconds, counted from the job's creation).
pub const COMPLETED_JOB_EXPIRE_SECS: i64 = 10_800;
/// What a job takes at least, even when the interceptor refuses it at once.
pub const MIN_JOB_SECS: f64 = 0.2;

pub type Finish = Box<dyn FnOnce(&mut World) -> Result<Value, ErrorCode> + Send>;

pub struct Job {
    pub created_unix: i64,
    pub done_at: f64,
    pub result: Option<Result<Value, ErrorCode>>,
    finish: Option<Finish>,
    /// Internal work (a long job's wrapped API) is not reachable through `/api-jobs`.
    pub public: bool,
}

#[derive(Default)]
pub struct Jobs {
    jobs: HashMap<String, Job>,
    /// (done_at bits, sequence) → job id, for jobs still running. `done_at` is never
    /// negative, so its bit pattern orders like the number.
    pending: BTreeMap<(u64, u64), String>,
    seq: u64,
}

pub enum Poll<'a> {
    Running,
    Done(&'a Result<Value, ErrorCode>),
    Expired,
}

impl Jobs {
    pub fn exists(&self, id: &str) -> bool {
        self.jobs.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Records a job that finishes `secs` simulated seconds after `now` (simulated seconds
    /// since start, and unix time).
    pub fn schedule(
        &mut self,
        id: String,
        api: &str,
        public: bool,
        (now, now_unix): (f64, i64),
        secs: f64,
        finish: Finish,
    ) {
        let done_at = now + secs.max(0.0);
        self.seq += 1;
        self.pending
            .insert((done_at.to_bits(), self.seq), id.clone());
        tracing::debug!(job = %id, api, secs, "api-job scheduled");
        self.jobs.insert(
            id,
            Job {
                created_unix: now_unix,
                done_at,
                result: None,
                finish: Some(finish),
                public,
            },
        );
    }

    pub fn poll(&self, id: &str) -> Poll<'_> {
        match self.jobs.get(id) {
            Some(j) if j.public => match &j.result {
                Some(r) => Poll::Done(r),
                None => Poll::Running,
            },
            _ => Poll::Expired,
        }
    }

    /// The next job due at or before `elapsed`: its id, finish and due time.
    fn next_due(&mut self, elapsed: f64) -> Option<(String, Finish, f64)> {
        let (&key, _) = self.pending.iter().next()?;
        if f64::from_bits(key.0) > elapsed {
            return None;
        }
        let id = self.pending.remove(&key)?;
        let job = self.jobs.get_mut(&id)?;
        let finish = job.finish.take()?;
        Some((id, finish, job.done_at))
    }

    fn complete(&mut self, id: &str, result: Result<Value, ErrorCode>) {
        if let Some(j) = self.jobs.get_mut(id) {
            j.result = Some(result);
        }
    }

    fn purge(&mut self, now_unix: i64) {
        self.jobs.retain(|_, j| {
            j.result.is_none() || j.created_unix + COMPLETED_JOB_EXPIRE_SECS > now_unix
        });
    }
}

impl World {
    /// Brings the world to simulated time `elapsed` (`now` unix): runs every job that is
    /// due, each at its own moment and in order, then drops expired job records.
    pub fn advance(&mut self, elapsed: f64, now: i64) {
        let offset = now as f64 - elapsed;
        while let Some((id, finish, at)) = self.jobs.next_due(elapsed) {
            self.elapsed = at.max(self.elapsed);
            self.now = (offset + at) as i64;
            let result = finish(self);
            self.jobs.complete(&id, result);
        }
        self.elapsed = elapsed.max(self.elapsed);
        self.now = now.max(self.now);
        self.jobs.purge(self.now);
    }

    /// Schedules work `secs` from now (see [`Jobs::schedule`]).
    pub fn schedule(&mut self, id: String, api: &str, public: bool, secs: f64, finish: Finish) {
        let at = (self.elapsed, self.now);
        self.jobs.schedule(id, api, public, at, secs, finish);
    }
}
