//! One `TaskWatch` per kind of operation. TopHC has no task API (ENDPOINTS §3): every watch
//! re-reads the resource the operation changes.
//!
//! Each watch runs in one of two modes:
//! * `Normal`: the platform accepted the call; follow it until it ends.
//! * `Verify`: the call went out but its answer was lost; look for its effect, report
//!   `Succeeded` when it is visible, and `Unknown` if it does not show up in time.
//!   Nothing is ever sent again.
//!
//! A read that fails inside a watch is returned as `Err` (the tracker counts those); a
//! platform answer that means "it failed" becomes `Failed { message }`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::convert;
use super::reads;
use super::session::Api;
use super::wire::{
    BackupInfo, BackupList, Compute, ComputeList, Progress, SnapshotList, VsdSnapshot,
};
use crate::{BackendError, Mode, Result, TaskWatch, WatchTiming};
use vmdeck_model::{BackupRef, Named, TaskState, VmPower, VmRef};

/// Shared bookkeeping: when the watch started and since when "no effect, nothing running"
/// has held.
struct Clock {
    timing: WatchTiming,
    mode: Mode,
    started: Instant,
    quiet_since: Option<Instant>,
}

impl Clock {
    fn new(timing: WatchTiming, mode: Mode) -> Self {
        Self {
            timing,
            mode,
            started: Instant::now(),
            quiet_since: None,
        }
    }

    /// Something is still happening: reset the quiet period.
    fn busy(&mut self) {
        self.quiet_since = None;
    }

    /// Nothing is running and the effect is not there. True once that has lasted long
    /// enough to conclude (`settle`; for a lost answer, the verify window).
    fn quiet_too_long(&mut self) -> bool {
        let since = *self.quiet_since.get_or_insert_with(Instant::now);
        let limit = self.timing.patience(self.mode);
        since.elapsed() >= limit
    }

    /// Like `quiet_too_long`, with a longer wait for effects that take their time.
    fn quiet_longer_than(&mut self, at_least: Duration) -> bool {
        let since = *self.quiet_since.get_or_insert_with(Instant::now);
        since.elapsed() >= at_least && self.quiet_too_long()
    }

    fn past_deadline(&self) -> bool {
        self.started.elapsed() >= self.timing.deadline
    }

    fn lost_prefix(&self) -> &'static str {
        match self.mode {
            Mode::Normal => "",
            Mode::Verify => "the answer was lost and ",
        }
    }
}

fn unknown(reason: impl Into<String>) -> TaskState {
    TaskState::Unknown {
        reason: reason.into(),
    }
}

fn running(progress: Option<f32>) -> TaskState {
    TaskState::Running { progress }
}

async fn inspect(api: &Api, vm: &VmRef) -> Result<Compute> {
    api.read_once(&reads::inspect_vm(vm)).await
}

/// The snapshot if it exists. `/get` answers an error for a missing snapshot (code not
/// documented), so an error is confirmed against the list before saying "absent".
async fn find_snapshot(api: &Api, vm: &VmRef, name: &str) -> Result<Option<VsdSnapshot>> {
    match api
        .read_once::<VsdSnapshot>(&reads::snapshot_get(vm, name))
        .await
    {
        Ok(s) if s.name.as_str() == name => return Ok(Some(s)),
        Ok(_) | Err(BackendError::Platform { .. }) => {}
        Err(e) => return Err(e),
    }
    let list: SnapshotList = api
        .read_once(&reads::paged(reads::snapshot_list(vm, name), 0, 100))
        .await?;
    Ok(list.list.0.into_iter().find(|s| s.name.as_str() == name))
}

// ------------------------------------------------------------------ snapshot create

pub struct SnapshotCreated {
    pub api: Arc<Api>,
    pub vm: VmRef,
    pub name: String,
    pub memory: bool,
    clock: Clock,
}

impl SnapshotCreated {
    pub fn new(
        api: Arc<Api>,
        vm: VmRef,
        name: String,
        memory: bool,
        t: WatchTiming,
        mode: Mode,
    ) -> Self {
        Self {
            api,
            vm,
            name,
            memory,
            clock: Clock::new(t, mode),
        }
    }
}

#[async_trait]
impl TaskWatch for SnapshotCreated {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.clock.past_deadline() {
            return Ok(unknown(format!(
                "snapshot \"{}\" was still not complete after {}s",
                self.name,
                self.clock.timing.deadline.as_secs()
            )));
        }
        let found = find_snapshot(&self.api, &self.vm, &self.name).await?;
        // While the VM is busy (a memory snapshot's dump is still uploading) the snapshot
        // is not usable yet, even if it is listed.
        let vm = inspect(&self.api, &self.vm).await?;
        if convert::is_busy(&vm.action) {
            self.clock.busy();
            return Ok(running(None));
        }
        if found.is_some() {
            return Ok(TaskState::Succeeded);
        }
        if self.clock.quiet_too_long() {
            return Ok(unknown(format!(
                "{}snapshot \"{}\" has not appeared although VM {} is idle; see the VM's operation log",
                self.clock.lost_prefix(),
                self.name,
                self.vm.name
            )));
        }
        Ok(running(None))
    }

    fn interval(&self) -> Duration {
        if self.memory {
            self.clock.timing.interval * 2
        } else {
            self.clock.timing.interval
        }
    }
}

// ------------------------------------------------------------------ snapshot edit

/// Only used after a lost answer: an accepted edit is complete at once (`Done`).
pub struct SnapshotEdited {
    api: Arc<Api>,
    vm: VmRef,
    name: String,
    description: String,
    clock: Clock,
}

impl SnapshotEdited {
    pub fn new(
        api: Arc<Api>,
        vm: VmRef,
        name: String,
        description: String,
        t: WatchTiming,
    ) -> Self {
        Self {
            api,
            vm,
            name,
            description,
            clock: Clock::new(t, Mode::Normal),
        }
    }
}

#[async_trait]
impl TaskWatch for SnapshotEdited {
    async fn poll(&mut self) -> Result<TaskState> {
        let found = find_snapshot(&self.api, &self.vm, &self.name).await?;
        match found {
            Some(s) if s.description.as_str() == self.description => Ok(TaskState::Succeeded),
            Some(_) if !self.clock.quiet_too_long() => Ok(running(None)),
            Some(_) => Ok(unknown(format!(
                "the answer was lost and snapshot \"{}\" still has another description",
                self.name
            ))),
            None => Ok(TaskState::Failed {
                message: format!("snapshot \"{}\" no longer exists", self.name),
            }),
        }
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval
    }
}

// ------------------------------------------------------------------ rollback (whole VM)

pub struct RolledBack {
    api: Arc<Api>,
    vm: VmRef,
    target: String,
    clock: Clock,
}

impl RolledBack {
    pub fn new(api: Arc<Api>, vm: VmRef, target: String, t: WatchTiming, mode: Mode) -> Self {
        Self {
            api,
            vm,
            target,
            clock: Clock::new(t, mode),
        }
    }
}

#[async_trait]
impl TaskWatch for RolledBack {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.clock.past_deadline() {
            return Ok(unknown("the rollback was still running at the deadline"));
        }
        let vm = inspect(&self.api, &self.vm).await?;
        if convert::is_busy(&vm.action) {
            self.clock.busy();
            return Ok(running(None));
        }
        let head = match self
            .api
            .read_once::<VsdSnapshot>(&reads::snapshot_head(&self.vm))
            .await
        {
            Ok(h) => Some(h.name.0),
            Err(BackendError::Platform { .. }) => None,
            Err(e) => return Err(e),
        };
        if head.as_deref() == Some(self.target.as_str()) {
            return Ok(TaskState::Succeeded);
        }
        if !self.clock.quiet_too_long() {
            return Ok(running(None));
        }
        let now_on = head.map_or("no snapshot".to_string(), |h| format!("snapshot \"{h}\""));
        Ok(match self.clock.mode {
            Mode::Normal => TaskState::Failed {
                message: format!(
                    "VM {} is idle but sits on {now_on}, not on \"{}\": the rollback did not take effect",
                    self.vm.name, self.target
                ),
            },
            Mode::Verify => unknown(format!(
                "the answer was lost and VM {} sits on {now_on}, not on \"{}\"",
                self.vm.name, self.target
            )),
        })
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval
    }
}

// ------------------------------------------------------------------ rollback (disks)

pub struct DisksRolledBack {
    api: Arc<Api>,
    vm: VmRef,
    /// Items of the batch that failed while others succeeded.
    partial_failure: Option<String>,
    seen_busy: bool,
    clock: Clock,
}

impl DisksRolledBack {
    pub fn new(
        api: Arc<Api>,
        vm: VmRef,
        partial_failure: Option<String>,
        t: WatchTiming,
        mode: Mode,
    ) -> Self {
        Self {
            api,
            vm,
            partial_failure,
            seen_busy: false,
            clock: Clock::new(t, mode),
        }
    }
}

#[async_trait]
impl TaskWatch for DisksRolledBack {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.clock.past_deadline() {
            return Ok(unknown(
                "the disk rollback was still running at the deadline",
            ));
        }
        let vm = inspect(&self.api, &self.vm).await?;
        if convert::is_busy(&vm.action) {
            self.seen_busy = true;
            self.clock.busy();
            return Ok(running(None));
        }
        match (self.clock.mode, &self.partial_failure) {
            (Mode::Normal, Some(failed)) => Ok(TaskState::Failed {
                message: format!("some disks were not rolled back: {failed}"),
            }),
            (Mode::Normal, None) => Ok(TaskState::Succeeded),
            (Mode::Verify, _) if self.seen_busy => Ok(TaskState::Succeeded),
            // Disk contents cannot be read back; if the VM was never seen busy there is
            // nothing to tell the rollback happened.
            (Mode::Verify, _) if self.clock.quiet_too_long() => Ok(unknown(format!(
                "the answer was lost and TopHC keeps nothing vmdeck can read to tell whether the disks of {} were rolled back; check the VM's operation log",
                self.vm.name
            ))),
            (Mode::Verify, _) => Ok(running(None)),
        }
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval
    }
}

// ------------------------------------------------------------------ power

/// The power state a start or stop leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Power {
    On,
    /// `graceful`: a shutdown, which the guest may take its time over or ignore.
    Off {
        graceful: bool,
    },
}

impl Power {
    fn reached(self, p: &VmPower) -> bool {
        match self {
            Power::On => p.is_running(),
            Power::Off { .. } => p.is_stopped(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Power::On => "running",
            Power::Off { .. } => "shut off",
        }
    }
}

pub struct PowerReached {
    api: Arc<Api>,
    vm: VmRef,
    want: Power,
    clock: Clock,
}

impl PowerReached {
    pub fn new(api: Arc<Api>, vm: VmRef, want: Power, t: WatchTiming, mode: Mode) -> Self {
        Self {
            api,
            vm,
            want,
            clock: Clock::new(t, mode),
        }
    }
}

#[async_trait]
impl TaskWatch for PowerReached {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.clock.past_deadline() {
            return Ok(unknown(format!(
                "VM {} was still not {} at the deadline",
                self.vm.name,
                self.want.label()
            )));
        }
        let c = inspect(&self.api, &self.vm).await?;
        let power = convert::power(&c.state);
        let busy = convert::is_busy(&c.action);
        if self.want.reached(&power) && !busy {
            return Ok(TaskState::Succeeded);
        }
        // `shutdown` is the state of a guest on its way down.
        if busy || matches!(power, VmPower::Stopping | VmPower::Starting) {
            self.clock.busy();
            return Ok(running(None));
        }
        let now = power.label().to_string();
        if let Power::Off { graceful: true } = self.want {
            // TopHC only passes the request to the guest; it may shut down much later, or
            // never (ENDPOINTS §4.5), so this is not a failure.
            if !self
                .clock
                .quiet_longer_than(self.clock.timing.verify_window)
            {
                return Ok(running(None));
            }
            return Ok(unknown(format!(
                "{}VM {} is still {now}: its guest has not acted on the shutdown request and may ignore it; power it off to stop it at once",
                self.clock.lost_prefix(),
                self.vm.name
            )));
        }
        if !self.clock.quiet_too_long() {
            return Ok(running(None));
        }
        Ok(match self.clock.mode {
            Mode::Normal => TaskState::Failed {
                message: format!(
                    "VM {} is {now}, not {}: the platform accepted the call but it did not take effect",
                    self.vm.name,
                    self.want.label()
                ),
            },
            Mode::Verify => unknown(format!(
                "the answer was lost and VM {} is {now}, not {}",
                self.vm.name,
                self.want.label()
            )),
        })
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval
    }
}

// ------------------------------------------------------------------ snapshot delete

pub struct SnapshotDeleted {
    api: Arc<Api>,
    vm: VmRef,
    name: String,
    clock: Clock,
}

impl SnapshotDeleted {
    pub fn new(api: Arc<Api>, vm: VmRef, name: String, t: WatchTiming, mode: Mode) -> Self {
        Self {
            api,
            vm,
            name,
            clock: Clock::new(t, mode),
        }
    }
}

#[async_trait]
impl TaskWatch for SnapshotDeleted {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.clock.past_deadline() {
            return Ok(unknown("the delete was still running at the deadline"));
        }
        if find_snapshot(&self.api, &self.vm, &self.name)
            .await?
            .is_none()
        {
            return Ok(TaskState::Succeeded);
        }
        let vm = inspect(&self.api, &self.vm).await?;
        if convert::is_busy(&vm.action) {
            self.clock.busy();
            return Ok(running(None));
        }
        if self.clock.quiet_too_long() {
            return Ok(unknown(format!(
                "{}snapshot \"{}\" is still there although VM {} is idle",
                self.clock.lost_prefix(),
                self.name,
                self.vm.name
            )));
        }
        Ok(running(None))
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval
    }
}

// ------------------------------------------------------------------ backup create

pub struct BackupCreated {
    api: Arc<Api>,
    vm: VmRef,
    name: String,
    /// Known from the create answer; found by name when the answer was lost.
    backup_id: Option<String>,
    clock: Clock,
}

impl BackupCreated {
    pub fn new(
        api: Arc<Api>,
        vm: VmRef,
        name: String,
        backup_id: Option<String>,
        t: WatchTiming,
        mode: Mode,
    ) -> Self {
        Self {
            api,
            vm,
            name,
            backup_id,
            clock: Clock::new(t, mode),
        }
    }

    /// The backup of this VM with this name; one still running is preferred, then the newest.
    async fn find(&self) -> Result<Option<BackupInfo>> {
        let list: BackupList = self
            .api
            .read_once(&reads::backups_named(
                &self.vm.cluster,
                &self.vm.id,
                &self.name,
            ))
            .await?;
        let mut matches: Vec<BackupInfo> = list
            .list
            .0
            .into_iter()
            .filter(|b| b.name.as_str() == self.name)
            .collect();
        matches.sort_by_key(|b| (b.status.get() == Some(1), b.create_time.get()));
        Ok(matches.pop())
    }
}

#[async_trait]
impl TaskWatch for BackupCreated {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.clock.past_deadline() {
            return Ok(unknown("the backup was still running at the deadline"));
        }
        let info = match &self.backup_id {
            Some(id) => {
                let call =
                    reads::backup_inspect(&self.vm.cluster.id, reads::tenant_of(&self.vm), id);
                self.api.read_once::<BackupInfo>(&call).await?
            }
            None => match self.find().await? {
                Some(b) => {
                    self.backup_id = Some(b.uuid.0.clone()).filter(|id| !id.is_empty());
                    b
                }
                None if self.clock.quiet_too_long() => {
                    return Ok(unknown(format!(
                        "{}no backup named \"{}\" of VM {} has appeared",
                        self.clock.lost_prefix(),
                        self.name,
                        self.vm.name
                    )));
                }
                None => return Ok(running(None)),
            },
        };
        Ok(match info.status.get() {
            Some(0) => TaskState::Succeeded,
            Some(2) => TaskState::Failed {
                message: format!(
                    "TopHC marked backup \"{}\" as failed (status 2); the cluster's operation log has the reason",
                    self.name
                ),
            },
            _ => running(None),
        })
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval * 2
    }
}

// ------------------------------------------------------------------ backup delete

pub struct BackupDeleted {
    api: Arc<Api>,
    backup: BackupRef,
    clock: Clock,
}

impl BackupDeleted {
    pub fn new(api: Arc<Api>, backup: BackupRef, t: WatchTiming, mode: Mode) -> Self {
        Self {
            api,
            backup,
            clock: Clock::new(t, mode),
        }
    }
}

#[async_trait]
impl TaskWatch for BackupDeleted {
    async fn poll(&mut self) -> Result<TaskState> {
        let b = &self.backup;
        let tenant = b.tenant.as_ref().map_or("", |t| t.id.as_str());
        let call = reads::backup_inspect(&b.cluster.id, tenant, &b.id);
        let gone = match self.api.read_once::<BackupInfo>(&call).await {
            Ok(info) => info.uuid.as_str() != b.id,
            // Not found is an error answer whose code is not documented: confirm by list.
            Err(BackendError::Platform { .. }) => {
                let list: BackupList = self
                    .api
                    .read_once(&reads::backups_named(&b.cluster, &b.vm.id, &b.name))
                    .await?;
                !list.list.iter().any(|x| x.uuid.as_str() == b.id)
            }
            Err(e) => return Err(e),
        };
        if gone {
            return Ok(TaskState::Succeeded);
        }
        if self.clock.quiet_too_long() {
            return Ok(unknown(format!(
                "{}backup \"{}\" is still listed",
                self.clock.lost_prefix(),
                b.name
            )));
        }
        Ok(running(None))
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval
    }
}

// ------------------------------------------------------------------ restore

pub struct Restored {
    api: Arc<Api>,
    cluster: Named,
    new_vm_name: String,
    /// The new VM, once found (the restore answer holds no id).
    new_vm: Option<VmRef>,
    last_progress: Option<f32>,
    clock: Clock,
}

impl Restored {
    pub fn new(
        api: Arc<Api>,
        cluster: Named,
        new_vm_name: String,
        t: WatchTiming,
        mode: Mode,
    ) -> Self {
        Self {
            api,
            cluster,
            new_vm_name,
            new_vm: None,
            last_progress: None,
            clock: Clock::new(t, mode),
        }
    }

    fn to_ref(&self, c: &Compute) -> VmRef {
        let vm = convert::vm(c, &self.cluster);
        vm.to_ref()
    }

    /// The new VM among those with exactly this name: one being restored first, then the
    /// newest.
    async fn find(&self) -> Result<Option<Compute>> {
        let list: ComputeList = self
            .api
            .read_once(&reads::compute_by_name(&self.cluster.id, &self.new_vm_name))
            .await?;
        let mut matches: Vec<Compute> = list
            .domains
            .0
            .into_iter()
            .filter(|c| c.name.as_str() == self.new_vm_name)
            .collect();
        matches.sort_by_key(|c| (c.action.as_str() == "restoring", c.create_time.get()));
        Ok(matches.pop())
    }
}

#[async_trait]
impl TaskWatch for Restored {
    async fn poll(&mut self) -> Result<TaskState> {
        if self.clock.past_deadline() {
            return Ok(unknown("the restore was still running at the deadline"));
        }
        let current = match &self.new_vm {
            None => match self.find().await? {
                Some(c) => {
                    self.new_vm = Some(self.to_ref(&c));
                    c
                }
                None if self.clock.quiet_too_long() => {
                    return Ok(unknown(format!(
                        "{}no VM named \"{}\" has appeared in cluster {}",
                        self.clock.lost_prefix(),
                        self.new_vm_name,
                        self.cluster.name
                    )));
                }
                None => return Ok(running(None)),
            },
            Some(vm) => {
                let list: ComputeList = self
                    .api
                    .read_once(&reads::compute_by_uuid(&self.cluster.id, &vm.id))
                    .await?;
                match list
                    .domains
                    .0
                    .into_iter()
                    .find(|c| c.uuid.as_str() == vm.id)
                {
                    Some(c) => c,
                    None => {
                        return Ok(TaskState::Failed {
                            message: format!(
                                "the new VM \"{}\" disappeared while it was being restored",
                                self.new_vm_name
                            ),
                        });
                    }
                }
            }
        };
        if !convert::is_busy(&current.action) {
            return Ok(TaskState::Succeeded);
        }
        self.clock.busy();
        if let Some(vm) = &self.new_vm {
            // Valid only while the VM is restoring; an error just means "no number now".
            match self
                .api
                .read_once::<Progress>(&reads::restore_progress(vm))
                .await
            {
                Ok(p) => {
                    if let Some(p) = p.progress.0 {
                        self.last_progress = Some((p as f32 / 100.0).clamp(0.0, 1.0));
                    }
                }
                Err(BackendError::Platform { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(running(self.last_progress))
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval * 2
    }
}

// ------------------------------------------------------------------ remote import

/// Only used after a lost answer: an accepted import is complete at once (`Done`).
pub struct Imported {
    api: Arc<Api>,
    cluster: Named,
    backup_ids: Vec<String>,
    clock: Clock,
}

impl Imported {
    pub fn new(api: Arc<Api>, cluster: Named, backup_ids: Vec<String>, t: WatchTiming) -> Self {
        Self {
            api,
            cluster,
            backup_ids,
            clock: Clock::new(t, Mode::Verify),
        }
    }
}

#[async_trait]
impl TaskWatch for Imported {
    async fn poll(&mut self) -> Result<TaskState> {
        let mut missing = 0;
        for id in &self.backup_ids {
            let call = reads::backup_inspect(&self.cluster.id, "", id);
            match self.api.read_once::<BackupInfo>(&call).await {
                Ok(b) if b.uuid.as_str() == id => {}
                Ok(_) | Err(BackendError::Platform { .. }) => missing += 1,
                Err(e) => return Err(e),
            }
        }
        if missing == 0 {
            return Ok(TaskState::Succeeded);
        }
        if self.clock.quiet_too_long() {
            return Ok(unknown(format!(
                "the answer was lost and {missing} of {} backup(s) are not in cluster {}",
                self.backup_ids.len(),
                self.cluster.name
            )));
        }
        Ok(running(None))
    }

    fn interval(&self) -> Duration {
        self.clock.timing.interval
    }
}
