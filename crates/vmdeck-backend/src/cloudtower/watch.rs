//! Following a submitted operation to its end.
//!
//! * [`Tasks`]: the platform accepted the call and named its task(s): poll `get-tasks`
//!   until each task's `status` says it ended (never `progress`: finished tasks have been
//!   seen at 0). Restores and plan runs are then followed on their own execution record,
//!   which says whether the backup service finished the job.
//! * [`Verify`]: the call went out but its answer was lost. Nothing is sent again; a
//!   [`Probe`] re-reads the resource to see whether the operation took effect, comparing
//!   with what existed before the call (read by `ops::baseline`), and the task stays
//!   `Unknown` if nothing shows up in time.
//!
//! A read that fails inside a watch is returned as `Err` (the tracker counts those); a
//! platform answer meaning "it failed" becomes `Failed { message }`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::json;

use super::convert;
use super::reads;
use super::session::Api;
use super::wire::{self, AsyncStatus, VmStatus};
use crate::lenient::Int;
use crate::{Result, TaskWatch, WatchTiming};
use vmdeck_model::{TaskState, VmRef};

fn unknown(reason: impl Into<String>) -> TaskState {
    TaskState::Unknown {
        reason: reason.into(),
    }
}

fn running(progress: Option<f32>) -> TaskState {
    TaskState::Running { progress }
}

/// What a probe of the resource sees.
#[derive(Clone, Debug, PartialEq)]
pub enum Seen {
    /// No sign of the operation (yet).
    NotYet,
    /// The operation is under way.
    Busy(Option<f32>),
    Done,
    Failed(String),
}

impl Seen {
    fn from_state(s: TaskState) -> Seen {
        match s {
            TaskState::Queued => Seen::Busy(None),
            TaskState::Running { progress } | TaskState::Paused { progress } => {
                Seen::Busy(progress)
            }
            TaskState::Succeeded => Seen::Done,
            TaskState::Failed { message } => Seen::Failed(message),
            TaskState::Canceled => Seen::Failed("the task was canceled".into()),
            TaskState::Unknown { .. } => Seen::NotYet,
        }
    }
}

/// How to recognise an operation's effect by re-reading. `before` sets hold the ids that
/// existed before the call, so an older resource with the same name is not taken for it.
#[derive(Clone, Debug)]
pub enum Probe {
    SnapshotCreated {
        vm: VmRef,
        name: String,
        before: HashSet<String>,
        found: Option<String>,
    },
    SnapshotDeleted {
        id: String,
        name: String,
    },
    /// A rollback leaves nothing to read afterwards: a new task about the VM, or the VM
    /// seen busy, is the only trace.
    RolledBack {
        vm: VmRef,
        snapshot_id: String,
        tasks_before: HashSet<String>,
        found: Option<String>,
    },
    VmCreated {
        name: String,
        before: HashSet<String>,
    },
    VmPower {
        vm: VmRef,
        want: VmStatus,
    },
    RestorePointDeleted {
        id: String,
        name: String,
    },
    /// A restore execution (in place, or rebuild) that was not there before.
    Restore {
        filter: serde_json::Value,
        before: HashSet<String>,
        found: Option<String>,
    },
    PlanRun {
        plan_id: String,
        before: HashSet<String>,
        found: Option<String>,
    },
}

impl Probe {
    /// A restore execution known by id (the id the accepted call answered with).
    pub fn restore_by_id(id: String) -> Probe {
        Probe::Restore {
            filter: json!({"id": id}),
            before: HashSet::new(),
            found: Some(id),
        }
    }

    pub fn plan_run_by_id(plan_id: String, id: String) -> Probe {
        Probe::PlanRun {
            plan_id,
            before: HashSet::new(),
            found: Some(id),
        }
    }

    /// Why an operation is `Unknown` when its effect never showed.
    fn missing(&self) -> String {
        match self {
            Probe::SnapshotCreated { vm, name, .. } => {
                format!("no new snapshot \"{name}\" has appeared on VM {}", vm.name)
            }
            Probe::SnapshotDeleted { name, .. } => format!("snapshot \"{name}\" is still there"),
            Probe::RolledBack { vm, .. } => format!(
                "CloudTower shows no task and no change on VM {} that would tell whether it was rolled back; check the VM's tasks",
                vm.name
            ),
            Probe::VmCreated { name, .. } => format!("no new VM \"{name}\" has appeared"),
            Probe::VmPower { vm, want } => format!(
                "VM {} is not {} yet",
                vm.name,
                convert::words(want.as_wire())
            ),
            Probe::RestorePointDeleted { name, .. } => {
                format!("restore point \"{name}\" is still there")
            }
            Probe::Restore { .. } => {
                "no new restore has been recorded for this restore point".into()
            }
            Probe::PlanRun { .. } => "no new run of the plan has been recorded".into(),
        }
    }

    pub async fn look(&mut self, api: &Api) -> Result<Seen> {
        match self {
            Probe::SnapshotCreated {
                vm,
                name,
                before,
                found,
            } => {
                let list: Vec<wire::VmSnapshot> = match found {
                    Some(id) => api.read_list_once(&reads::snapshot(id)).await?,
                    None => {
                        api.read_list_once(&reads::snapshots_named(&vm.id, name))
                            .await?
                    }
                };
                let hit = list.into_iter().find(|s| match found {
                    Some(id) => s.id.as_str() == id,
                    None => s.name.as_str() == name && !before.contains(s.id.as_str()),
                });
                Ok(match hit {
                    None if found.is_some() => Seen::Failed(format!(
                        "snapshot \"{name}\" disappeared while it was being created"
                    )),
                    None => Seen::NotYet,
                    Some(s) => {
                        *found = Some(s.id.0.clone());
                        if s.async_status == AsyncStatus::Creating {
                            Seen::Busy(None)
                        } else {
                            Seen::Done
                        }
                    }
                })
            }
            Probe::SnapshotDeleted { id, .. } => {
                let list: Vec<wire::VmSnapshot> = api.read_list_once(&reads::snapshot(id)).await?;
                Ok(match list.into_iter().find(|s| s.id.as_str() == id) {
                    None => Seen::Done,
                    Some(s) if s.async_status == AsyncStatus::Deleting => Seen::Busy(None),
                    Some(_) => Seen::NotYet,
                })
            }
            Probe::RolledBack {
                vm,
                snapshot_id,
                tasks_before,
                found,
            } => {
                let tasks: Vec<wire::Task> = api
                    .read_list_once(&reads::tasks_of_resource(&vm.id))
                    .await?;
                let task = tasks.into_iter().find(|t| match found {
                    Some(id) => t.id.as_str() == id,
                    None => {
                        !t.id.is_empty()
                            && !tasks_before.contains(t.id.as_str())
                            && is_rollback(t, snapshot_id)
                    }
                });
                if let Some(t) = task {
                    *found = Some(t.id.0.clone());
                    return Ok(Seen::from_state(convert::task_state(&t)));
                }
                let list: Vec<wire::Vm> = api.read_list_once(&reads::vm(&vm.id)).await?;
                Ok(match list.into_iter().find(|v| v.id.as_str() == vm.id) {
                    Some(v) if v.async_status == AsyncStatus::Updating => Seen::Busy(None),
                    _ => Seen::NotYet,
                })
            }
            Probe::VmCreated { name, before } => {
                let list: Vec<wire::Vm> = api.read_list_once(&reads::vms_named(name)).await?;
                Ok(
                    match list
                        .into_iter()
                        .find(|v| v.name.as_str() == name && !before.contains(v.id.as_str()))
                    {
                        None => Seen::NotYet,
                        Some(v) if v.async_status == AsyncStatus::Creating => Seen::Busy(None),
                        Some(_) => Seen::Done,
                    },
                )
            }
            Probe::VmPower { vm, want } => {
                let list: Vec<wire::Vm> = api.read_list_once(&reads::vm(&vm.id)).await?;
                Ok(match list.into_iter().find(|v| v.id.as_str() == vm.id) {
                    None => Seen::Failed(format!("VM {} no longer exists", vm.name)),
                    Some(v) if v.status == *want => Seen::Done,
                    Some(v) if !v.async_status.is_absent() => Seen::Busy(None),
                    Some(_) => Seen::NotYet,
                })
            }
            Probe::RestorePointDeleted { id, .. } => {
                let list: Vec<wire::RestorePoint> =
                    api.read_list_once(&reads::restore_point(id)).await?;
                Ok(match list.into_iter().find(|p| p.id.as_str() == id) {
                    None => Seen::Done,
                    Some(p) if p.async_status == AsyncStatus::Deleting => Seen::Busy(None),
                    Some(_) => Seen::NotYet,
                })
            }
            Probe::Restore {
                filter,
                before,
                found,
            } => {
                let call = match found {
                    Some(id) => reads::restore_executions(json!({"id": id})),
                    None => reads::restore_executions(filter.clone()),
                };
                let list: Vec<wire::RestoreExecution> = api.read_list_once(&call).await?;
                let hit = list.into_iter().find(|e| match found {
                    Some(id) => e.id.as_str() == id,
                    None => !e.id.is_empty() && !before.contains(e.id.as_str()),
                });
                Ok(match hit {
                    None => Seen::NotYet,
                    Some(e) => {
                        *found = Some(e.id.0.clone());
                        match convert::execution_state(&e.status) {
                            Some(TaskState::Running { .. }) => {
                                Seen::Busy(bytes_progress(e.read_bytes, e.total_bytes))
                            }
                            Some(s) => Seen::from_state(s),
                            None => Seen::Busy(None),
                        }
                    }
                })
            }
            Probe::PlanRun {
                plan_id,
                before,
                found,
            } => {
                let call = match found {
                    Some(id) => reads::plan_executions(json!({"id": id})),
                    None => reads::plan_executions(json!({"backup_plan": {"id": plan_id}})),
                };
                let list: Vec<wire::PlanExecution> = api.read_list_once(&call).await?;
                let hit = list.into_iter().find(|e| match found {
                    Some(id) => e.id.as_str() == id,
                    None => !e.id.is_empty() && !before.contains(e.id.as_str()),
                });
                Ok(match hit {
                    None => Seen::NotYet,
                    Some(e) => {
                        *found = Some(e.id.0.clone());
                        convert::plan_run_state(&e).map_or(Seen::Busy(None), Seen::from_state)
                    }
                })
            }
        }
    }
}

/// A task about the VM is taken for our rollback only if it is one: its `args` (where
/// servers keep the request) name the snapshot, or its key or mutation says rollback.
/// Others may be migrating or editing the same VM meanwhile.
fn is_rollback(t: &wire::Task, snapshot_id: &str) -> bool {
    let args = t.args.to_string();
    if !snapshot_id.is_empty() && args.contains(&format!("\"{snapshot_id}\"")) {
        return true;
    }
    [t.key.as_str(), t.resource_mutation.as_str()]
        .iter()
        .any(|s| s.to_ascii_lowercase().contains("rollback"))
}

fn bytes_progress(read: Int, total: Int) -> Option<f32> {
    match (read.get(), total.get()) {
        (Some(r), Some(t)) if t > 0 && r >= 0 => Some((r as f64 / t as f64).clamp(0.0, 1.0) as f32),
        _ => None,
    }
}

// ------------------------------------------------------------------ tasks

/// Follows the tasks an accepted call named, then (for restores and plan runs) the
/// execution record. With no task ids (`task_id: null`: already done) only the follow-up
/// is read, if there is one.
pub struct Tasks {
    api: Arc<Api>,
    ids: Vec<String>,
    then: Option<Probe>,
    timing: WatchTiming,
    started: Instant,
    missing_since: Option<Instant>,
    tasks_done_at: Option<Instant>,
}

impl Tasks {
    pub fn new(api: Arc<Api>, ids: Vec<String>, then: Option<Probe>, timing: WatchTiming) -> Self {
        Self {
            api,
            ids,
            then,
            timing,
            started: Instant::now(),
            missing_since: None,
            tasks_done_at: None,
        }
    }

    /// The combined state of the tasks, or `None` when all have succeeded.
    async fn tasks_state(&mut self) -> Result<Option<TaskState>> {
        if self.ids.is_empty() {
            return Ok(None);
        }
        let list: Vec<wire::Task> = self.api.read_list_once(&reads::tasks(&self.ids)).await?;
        let mut states = Vec::with_capacity(self.ids.len());
        let mut missing = Vec::new();
        for id in &self.ids {
            match list.iter().find(|t| t.id.as_str() == id.as_str()) {
                Some(t) => states.push(convert::task_state(t)),
                None => missing.push(id.clone()),
            }
        }
        if let Some(failed) = states
            .iter()
            .find(|s| matches!(s, TaskState::Failed { .. }))
        {
            return Ok(Some(failed.clone()));
        }
        if !missing.is_empty() {
            let since = *self.missing_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= self.timing.settle {
                return Ok(Some(unknown(format!(
                    "CloudTower no longer lists task {}; check the resource",
                    missing.join(", ")
                ))));
            }
            return Ok(Some(running(None)));
        }
        self.missing_since = None;
        if states.iter().all(|s| *s == TaskState::Succeeded) {
            return Ok(None);
        }
        if states.iter().all(|s| *s == TaskState::Queued) {
            return Ok(Some(TaskState::Queued));
        }
        let progress: Vec<f32> = states
            .iter()
            .map(|s| match s {
                TaskState::Succeeded => Some(1.0),
                other => other.progress(),
            })
            .collect::<Option<Vec<f32>>>()
            .unwrap_or_default();
        let avg =
            (!progress.is_empty()).then(|| progress.iter().sum::<f32>() / progress.len() as f32);
        // Paused while nothing else moves: the operation waits for someone to resume it.
        let paused = states.iter().any(|s| matches!(s, TaskState::Paused { .. }))
            && states
                .iter()
                .all(|s| matches!(s, TaskState::Paused { .. } | TaskState::Succeeded));
        Ok(Some(if paused {
            TaskState::Paused { progress: avg }
        } else {
            running(avg)
        }))
    }
}

#[async_trait]
impl TaskWatch for Tasks {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.started.elapsed() >= self.timing.deadline {
            return Ok(unknown(format!(
                "still not finished after {}s; check CloudTower's task list",
                self.timing.deadline.as_secs()
            )));
        }
        if self.tasks_done_at.is_none() {
            if let Some(state) = self.tasks_state().await? {
                return Ok(state);
            }
            self.tasks_done_at = Some(Instant::now());
        }
        let Some(probe) = self.then.as_mut() else {
            return Ok(TaskState::Succeeded);
        };
        Ok(match probe.look(&self.api).await? {
            Seen::Done => TaskState::Succeeded,
            Seen::Failed(message) => TaskState::Failed { message },
            Seen::Busy(p) => running(p),
            // The task said it succeeded; a record that never shows is no reason to doubt it.
            Seen::NotYet
                if self
                    .tasks_done_at
                    .is_some_and(|at| at.elapsed() >= self.timing.settle)
                    || self.ids.is_empty() && self.started.elapsed() >= self.timing.settle =>
            {
                TaskState::Succeeded
            }
            Seen::NotYet => running(None),
        })
    }

    fn interval(&self) -> Duration {
        self.timing.interval
    }

    fn platform_id(&self) -> Option<String> {
        self.ids.first().cloned()
    }
}

// ------------------------------------------------------------------ lost answers

/// After a lost answer: re-reads until the effect shows, `Unknown` if it never does.
pub struct Verify {
    api: Arc<Api>,
    probe: Probe,
    timing: WatchTiming,
    started: Instant,
    quiet_since: Option<Instant>,
}

impl Verify {
    pub fn new(api: Arc<Api>, probe: Probe, timing: WatchTiming) -> Self {
        Self {
            api,
            probe,
            timing,
            started: Instant::now(),
            quiet_since: None,
        }
    }
}

#[async_trait]
impl TaskWatch for Verify {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.started.elapsed() >= self.timing.deadline {
            return Ok(unknown(format!(
                "the answer was lost and the operation was still not finished after {}s",
                self.timing.deadline.as_secs()
            )));
        }
        Ok(match self.probe.look(&self.api).await? {
            Seen::Done => TaskState::Succeeded,
            Seen::Failed(message) => TaskState::Failed { message },
            Seen::Busy(p) => {
                self.quiet_since = None;
                running(p)
            }
            Seen::NotYet => {
                let since = *self.quiet_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.timing.verify_window {
                    unknown(format!("the answer was lost and {}", self.probe.missing()))
                } else {
                    running(None)
                }
            }
        })
    }

    fn interval(&self) -> Duration {
        self.timing.interval
    }
}
