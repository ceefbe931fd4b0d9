//! The api-job store (RestServer's `AsyncRestVO` table). An async API's work is a closure
//! run when its simulated time is up; a job's record is kept until
//! [`COMPLETED_JOB_EXPIRE_SECS`] after the job was created (`rest.completedApi.expiredPeriod`,
//! 3 h by default, counted from creation like the real clean-up query), then polling it
//! answers 404 `the job has been expired`.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::wire::ErrorCode;

/// `rest.completedApi.expiredPeriod` (seconds, counted from the job's creation).
pub const COMPLETED_JOB_EXPIRE_SECS: i64 = 10_800;
/// What a job takes at least, even when the interceptor refuses it at once.
pub const MIN_JOB_SECS: f64 = 0.2;

/// The work a job does when its time is up, on the world `W` it was scheduled in (generic so
/// the store does not depend on the world that holds it).
pub type Finish<W> = Box<dyn FnOnce(&mut W) -> Result<Value, ErrorCode> + Send>;

pub struct Job<W> {
    pub created_unix: i64,
    pub done_at: f64,
    pub result: Option<Result<Value, ErrorCode>>,
    finish: Option<Finish<W>>,
    /// Internal work (a long job's wrapped API) is not reachable through `/api-jobs`.
    pub public: bool,
}

pub struct Jobs<W> {
    jobs: HashMap<String, Job<W>>,
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

impl<W> Default for Jobs<W> {
    fn default() -> Self {
        Jobs {
            jobs: HashMap::new(),
            pending: BTreeMap::new(),
            seq: 0,
        }
    }
}

impl<W> Jobs<W> {
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
        finish: Finish<W>,
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
    pub fn next_due(&mut self, elapsed: f64) -> Option<(String, Finish<W>, f64)> {
        let (&key, _) = self.pending.iter().next()?;
        if f64::from_bits(key.0) > elapsed {
            return None;
        }
        let id = self.pending.remove(&key)?;
        let job = self.jobs.get_mut(&id)?;
        let finish = job.finish.take()?;
        Some((id, finish, job.done_at))
    }

    pub fn complete(&mut self, id: &str, result: Result<Value, ErrorCode>) {
        if let Some(j) = self.jobs.get_mut(id) {
            j.result = Some(result);
        }
    }

    pub fn purge(&mut self, now_unix: i64) {
        self.jobs.retain(|_, j| {
            j.result.is_none() || j.created_unix + COMPLETED_JOB_EXPIRE_SECS > now_unix
        });
    }
}
