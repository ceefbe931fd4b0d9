//! The fetcher: runs backend calls as tokio tasks so the UI loop never waits on the network.
//!
//! Commands come in over a channel, results go out as [`Event`]s tagged with the
//! generation of the request, so the app can drop answers the user has moved past. A new
//! load for the same slot aborts the one in flight. Operations run through the task tracker:
//! sent once, then followed with the platform's [`TaskWatch`] until they end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::AbortHandle;

use crate::{Backend, BackendError, HttpCall, SubmitError, TaskWatch, VmQuery};
use vmdeck_model::operation::Operation;
use vmdeck_model::{
    Backup, BackupPlan, BackupPoint, BackupQuery, BackupRef, Cluster, ConsoleAccess, Listing,
    Named, Page, PageRequest, PlatformTask, RemoteBackup, RestoreChoices, SnapshotTree, TaskId,
    TaskState, Vm, VmDetail, VmRef,
};
use vmdeck_model::{ChangeCursor, VmChanges};

/// Identifies one request so its answer can be matched (and dropped when stale).
pub type Generation = u64;

/// VM lists are read in pages of this size and shown as they arrive.
pub const VM_CHUNK: u32 = 500;

#[derive(Clone, Debug)]
pub enum Command {
    LoadClusters {
        seq: Generation,
    },
    LoadVms {
        seq: Generation,
        cluster: Named,
    },
    /// What changed in a VM listing since a complete one (the refresh interval's read on
    /// platforms that can say).
    LoadVmChanges {
        seq: Generation,
        cluster: Named,
        since: ChangeCursor,
    },
    /// The rows on screen read again, page by page, where the platform keeps no change log
    /// (answered as `Event::VmChanges`).
    LoadVmPages {
        seq: Generation,
        cluster: Named,
        pages: Vec<vmdeck_model::ShownPage>,
    },
    LoadVmDetail {
        seq: Generation,
        vm: VmRef,
    },
    LoadSnapshots {
        seq: Generation,
        vm: VmRef,
    },
    LoadBackups {
        seq: Generation,
        query: BackupQuery,
    },
    LoadBackupPoints {
        seq: Generation,
        cluster: Named,
    },
    LoadRemoteBackups {
        seq: Generation,
        cluster: Named,
        point: Named,
        page: PageRequest,
    },
    LoadRestoreChoices {
        seq: Generation,
        backup: BackupRef,
    },
    /// A read even for read-only profiles: it only hands out a console URL.
    LoadConsole {
        seq: Generation,
        vm: VmRef,
    },
    LoadBackupPlans {
        seq: Generation,
        cluster: Named,
    },
    LoadBackupChain {
        seq: Generation,
        backup: BackupRef,
    },
    LoadPlatformTasks {
        seq: Generation,
        cluster: Named,
    },
    /// Ask the backend for the exact calls an operation plan makes (for the preview).
    Plan {
        seq: Generation,
        ops: Vec<Operation>,
    },
    /// [`Command::Plan`] for the operations of a bulk, each planned on its own: one the
    /// platform refuses is skipped, not the whole bulk.
    PlanEach {
        seq: Generation,
        ops: Vec<Operation>,
    },
    /// Each VM's snapshots named as given (a bulk rollback's targets): the trees are read
    /// four at a time, and only the matches kept.
    FindSnapshots {
        seq: Generation,
        targets: Vec<(VmRef, String)>,
    },
    /// Run operations one after the other; a step runs only if the one before succeeded.
    Execute {
        steps: Vec<(TaskId, Operation)>,
    },
    /// One operation per target (the marked VMs), each on its own, none ever retried. At
    /// most the site's bulk limit run at once; the rest stay queued until one ends. A
    /// failure stops none of the others, unless `stop_at_failure`: then the first member
    /// that fails (or whose outcome stays unknown) cancels those not sent yet, as
    /// [`Command::CancelBulk`] would. `group` names the bulk for whoever records it.
    ExecuteBulk {
        group: u64,
        steps: Vec<(TaskId, Operation)>,
        stop_at_failure: bool,
        /// At most this many at once instead of the site's limit (one VM's snapshots: 1).
        limit: Option<usize>,
    },
    /// The members of bulk `group` not sent yet end at once, never sent; those already
    /// sent run to their end (the platforms here cannot take a sent operation back).
    CancelBulk {
        group: u64,
    },
    /// The change journal (`:journal`): a file of up to 40 MiB, read off the UI loop.
    ReadJournal {
        seq: Generation,
        path: std::path::PathBuf,
    },
    /// A list exported (`ctrl-s`): `contents` to a new file at `path` (relative to the
    /// current directory), never over an existing one.
    WriteExport {
        path: std::path::PathBuf,
        contents: Vec<u8>,
        rows: usize,
    },
}

type R<T> = Result<T, BackendError>;

#[derive(Debug)]
pub enum Event {
    Clusters {
        seq: Generation,
        result: R<Listing<Vec<Cluster>>>,
    },
    /// One chunk of a VM list; `done` on the last one.
    Vms {
        seq: Generation,
        result: R<Listing<Page<Vm>>>,
        done: bool,
    },
    /// Where the platform's changes stood as a VM listing started (before its first chunk);
    /// `None` when the platform cannot say what changed.
    VmCursor {
        seq: Generation,
        cursor: Option<ChangeCursor>,
    },
    VmChanges {
        seq: Generation,
        result: R<VmChanges>,
    },
    VmDetail {
        seq: Generation,
        result: R<Box<VmDetail>>,
    },
    Snapshots {
        seq: Generation,
        result: R<SnapshotTree>,
    },
    Backups {
        seq: Generation,
        result: R<Listing<Page<Backup>>>,
    },
    BackupPoints {
        seq: Generation,
        result: R<Vec<BackupPoint>>,
    },
    RemoteBackups {
        seq: Generation,
        result: R<Page<RemoteBackup>>,
    },
    RestoreChoices {
        seq: Generation,
        result: R<RestoreChoices>,
    },
    Console {
        seq: Generation,
        result: R<ConsoleAccess>,
    },
    /// Where an export went (an absolute path), or why it could not be written.
    Exported {
        rows: usize,
        result: Result<std::path::PathBuf, String>,
    },
    /// The journal's records, newest first, or why the file could not be read.
    Journal {
        seq: Generation,
        result: Result<Vec<crate::journal::Record>, String>,
    },
    BackupPlans {
        seq: Generation,
        result: R<Vec<BackupPlan>>,
    },
    BackupChain {
        seq: Generation,
        result: R<Vec<Backup>>,
    },
    PlatformTasks {
        seq: Generation,
        result: R<Vec<PlatformTask>>,
    },
    Plan {
        seq: Generation,
        result: R<Vec<HttpCall>>,
    },
    /// One result per target of a [`Command::FindSnapshots`], in its order.
    SnapshotsFound {
        seq: Generation,
        found: Vec<R<Vec<vmdeck_model::SnapshotRef>>>,
    },
    /// One result per operation of a [`Command::PlanEach`], in its order.
    PlanEach {
        seq: Generation,
        results: Vec<R<Vec<HttpCall>>>,
    },
    Task {
        id: TaskId,
        state: TaskState,
    },
    /// The platform's own id for one of our tasks became known.
    TaskLinked {
        id: TaskId,
        platform_id: String,
    },
}

/// Which answer a load fills; one request per slot is in flight at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Slot {
    Clusters,
    Vms,
    VmDetail,
    Snapshots,
    Backups,
    BackupPoints,
    RemoteBackups,
    RestoreChoices,
    Console,
    BackupPlans,
    BackupChain,
    PlatformTasks,
    Plan,
    Journal,
}

pub struct FetcherHandle {
    pub commands: mpsc::UnboundedSender<Command>,
    pub events: mpsc::UnboundedReceiver<Event>,
}

/// Operations of one bulk running at once on a site, unless its profile says otherwise.
pub const DEFAULT_BULK_CONCURRENCY: usize = 4;

/// Starts the fetcher on the current tokio runtime.
pub fn spawn(backend: Arc<dyn Backend>, read_only: bool) -> FetcherHandle {
    spawn_limited(backend, read_only, DEFAULT_BULK_CONCURRENCY)
}

/// [`spawn`] with at most `bulk` operations of a bulk in flight at once.
pub fn spawn_limited(backend: Arc<dyn Backend>, read_only: bool, bulk: usize) -> FetcherHandle {
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let fetcher = Fetcher {
        backend,
        read_only,
        events: ev_tx,
        permits: Arc::new(Semaphore::new(4)),
        bulk: Arc::new(Semaphore::new(bulk.max(1))),
        cancels: HashMap::new(),
        in_flight: HashMap::new(),
    };
    tokio::spawn(fetcher.run(cmd_rx));
    FetcherHandle {
        commands: cmd_tx,
        events: ev_rx,
    }
}

struct Fetcher {
    backend: Arc<dyn Backend>,
    read_only: bool,
    events: mpsc::UnboundedSender<Event>,
    /// Reads in flight at once against one platform.
    permits: Arc<Semaphore>,
    /// Bulk operations in flight at once (submitted and not yet ended) on this site.
    bulk: Arc<Semaphore>,
    /// Each bulk's cancel switch, by group.
    cancels: HashMap<u64, Arc<tokio::sync::watch::Sender<bool>>>,
    in_flight: HashMap<Slot, AbortHandle>,
}

impl Fetcher {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        while let Some(cmd) = commands.recv().await {
            self.dispatch(cmd);
        }
        for (_, h) in self.in_flight.drain() {
            h.abort();
        }
    }

    fn dispatch(&mut self, cmd: Command) {
        let b = self.backend.clone();
        match cmd {
            Command::LoadClusters { seq } => self.load(Slot::Clusters, async move {
                Event::Clusters {
                    seq,
                    result: b.clusters().await,
                }
            }),
            Command::LoadVms { seq, cluster } => {
                let tx = self.events.clone();
                let permits = self.permits.clone();
                let task = tokio::spawn(async move {
                    load_vms(b, permits, tx, seq, cluster).await;
                });
                self.replace(Slot::Vms, task.abort_handle());
            }
            Command::LoadVmChanges {
                seq,
                cluster,
                since,
            } => self.load(Slot::Vms, async move {
                Event::VmChanges {
                    seq,
                    result: b.vm_changes(&cluster, &since).await,
                }
            }),
            Command::LoadVmPages {
                seq,
                cluster,
                pages,
            } => self.load(Slot::Vms, async move {
                Event::VmChanges {
                    seq,
                    result: b.vm_pages(&cluster, &pages).await,
                }
            }),
            Command::LoadVmDetail { seq, vm } => self.load(Slot::VmDetail, async move {
                Event::VmDetail {
                    seq,
                    result: b.vm_detail(&vm).await.map(Box::new),
                }
            }),
            Command::LoadSnapshots { seq, vm } => self.load(Slot::Snapshots, async move {
                Event::Snapshots {
                    seq,
                    result: b.snapshots(&vm).await,
                }
            }),
            Command::LoadBackups { seq, query } => self.load(Slot::Backups, async move {
                Event::Backups {
                    seq,
                    result: b.backups(&query).await,
                }
            }),
            Command::LoadBackupPoints { seq, cluster } => {
                self.load(Slot::BackupPoints, async move {
                    Event::BackupPoints {
                        seq,
                        result: b.backup_points(&cluster).await,
                    }
                })
            }
            Command::LoadRemoteBackups {
                seq,
                cluster,
                point,
                page,
            } => self.load(Slot::RemoteBackups, async move {
                Event::RemoteBackups {
                    seq,
                    result: b.remote_backups(&cluster, &point, page).await,
                }
            }),
            Command::LoadRestoreChoices { seq, backup } => {
                self.load(Slot::RestoreChoices, async move {
                    Event::RestoreChoices {
                        seq,
                        result: b.restore_choices(&backup).await,
                    }
                })
            }
            Command::LoadConsole { seq, vm } => self.load(Slot::Console, async move {
                Event::Console {
                    seq,
                    result: b.console(&vm).await,
                }
            }),
            Command::ReadJournal { seq, path } => self.load(Slot::Journal, async move {
                let read = tokio::task::spawn_blocking(move || {
                    crate::journal::read(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))
                });
                Event::Journal {
                    seq,
                    result: read.await.unwrap_or_else(|e| Err(e.to_string())),
                }
            }),
            Command::WriteExport {
                path,
                contents,
                rows,
            } => {
                let tx = self.events.clone();
                tokio::spawn(async move {
                    let write = tokio::task::spawn_blocking(move || write_new(&path, &contents));
                    let result = write.await.unwrap_or_else(|e| Err(e.to_string()));
                    let _ = tx.send(Event::Exported { rows, result });
                });
            }
            Command::LoadBackupPlans { seq, cluster } => self.load(Slot::BackupPlans, async move {
                Event::BackupPlans {
                    seq,
                    result: b.backup_plans(&cluster).await,
                }
            }),
            Command::LoadBackupChain { seq, backup } => self.load(Slot::BackupChain, async move {
                Event::BackupChain {
                    seq,
                    result: b.backup_chain(&backup).await,
                }
            }),
            Command::LoadPlatformTasks { seq, cluster } => {
                self.load(Slot::PlatformTasks, async move {
                    Event::PlatformTasks {
                        seq,
                        result: b.platform_tasks(&cluster).await,
                    }
                })
            }
            Command::Plan { seq, ops } => self.load(Slot::Plan, async move {
                let mut calls = Vec::new();
                let mut result = Ok(());
                for op in &ops {
                    match b.plan(op) {
                        Ok(c) => calls.extend(c),
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                Event::Plan {
                    seq,
                    result: result.map(|()| calls),
                }
            }),
            Command::FindSnapshots { seq, targets } => self.load(Slot::Plan, async move {
                use futures::StreamExt;
                let found = futures::stream::iter(targets)
                    .map(|(vm, name)| {
                        let b = b.clone();
                        async move {
                            let tree = b.snapshots(&vm).await?;
                            Ok(tree.named(&name).into_iter().map(|s| s.to_ref()).collect())
                        }
                    })
                    .buffered(4)
                    .collect()
                    .await;
                Event::SnapshotsFound { seq, found }
            }),
            Command::PlanEach { seq, ops } => self.load(Slot::Plan, async move {
                Event::PlanEach {
                    seq,
                    results: ops.iter().map(|op| b.plan(op)).collect(),
                }
            }),
            Command::Execute { steps } => {
                let tx = self.events.clone();
                if self.refuse_read_only(&steps) {
                    return;
                }
                tokio::spawn(run_steps(b, tx, steps));
            }
            Command::ExecuteBulk {
                group,
                steps,
                stop_at_failure,
                limit,
            } => {
                if self.refuse_read_only(&steps) {
                    return;
                }
                tracing::info!(
                    group,
                    targets = steps.len(),
                    stop_at_failure,
                    "bulk operation"
                );
                let (cancel, mut canceled) = tokio::sync::watch::channel(false);
                let cancel = Arc::new(cancel);
                self.cancels.insert(group, cancel.clone());
                let tx = self.events.clone();
                let limit = match limit {
                    Some(n) => Arc::new(tokio::sync::Semaphore::new(n.max(1))),
                    None => self.bulk.clone(),
                };
                // The app's group number is this session's; the journal's id is for good.
                let journal_group: Arc<str> =
                    format!("{:x}-{group}", jiff::Timestamp::now().as_millisecond()).into();
                // One task hands out the permits, so members start in the order given
                // (spawned tasks would race for them).
                tokio::spawn(async move {
                    for (id, op) in steps {
                        let permit = tokio::select! {
                            biased;
                            () = wait_canceled(&mut canceled) => None,
                            p = limit.clone().acquire_owned() => p.ok(),
                        };
                        // A cancel that came while it waited wins: nothing is sent.
                        let Some(permit) = permit.filter(|_| !*canceled.borrow()) else {
                            let _ = tx.send(Event::Task {
                                id,
                                state: TaskState::Canceled,
                            });
                            continue;
                        };
                        let (b, tx, g) = (b.clone(), tx.clone(), journal_group.clone());
                        let cancel = cancel.clone();
                        tokio::spawn(async move {
                            let _permit = permit;
                            let end = run_member(&*b, &tx, id, &op, Some(&g)).await;
                            let failed =
                                matches!(end, TaskState::Failed { .. } | TaskState::Unknown { .. });
                            if stop_at_failure && failed && !cancel.send_replace(true) {
                                tracing::info!(group, "bulk stopped at its first failure");
                            }
                        });
                    }
                });
            }
            Command::CancelBulk { group } => {
                if let Some(cancel) = self.cancels.get(&group) {
                    tracing::info!(group, "bulk canceled");
                    cancel.send_replace(true);
                }
            }
        }
    }

    /// Fails every step at once on a read-only profile (nothing is sent).
    fn refuse_read_only(&self, steps: &[(TaskId, Operation)]) -> bool {
        if !self.read_only {
            return false;
        }
        for (id, op) in steps {
            let _ = self.events.send(Event::Task {
                id: *id,
                state: TaskState::Failed {
                    message: format!(
                        "refused: this profile is read-only ({} was not sent)",
                        op.title().to_lowercase()
                    ),
                },
            });
        }
        true
    }

    fn load<F>(&mut self, slot: Slot, fut: F)
    where
        F: std::future::Future<Output = Event> + Send + 'static,
    {
        let tx = self.events.clone();
        let permits = self.permits.clone();
        let task = tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let _ = tx.send(fut.await);
        });
        self.replace(slot, task.abort_handle());
    }

    fn replace(&mut self, slot: Slot, handle: AbortHandle) {
        if let Some(old) = self.in_flight.insert(slot, handle) {
            old.abort();
        }
    }
}

/// Reads a VM list chunk by chunk so the first rows show at once on big clusters.
/// VM pages asked for at once after the first: a big inventory then arrives at the pace of
/// the wire rather than one round trip after another, and one permit of the fetcher's four
/// stays free for the other panes.
const VM_PAGES_AHEAD: usize = 3;

async fn load_vms(
    backend: Arc<dyn Backend>,
    permits: Arc<Semaphore>,
    tx: mpsc::UnboundedSender<Event>,
    seq: Generation,
    cluster: Named,
) {
    let page = |index: u32| {
        let (backend, permits, cluster) = (backend.clone(), permits.clone(), cluster.clone());
        async move {
            let query = VmQuery {
                page: Some(PageRequest {
                    index,
                    size: VM_CHUNK,
                }),
                search: String::new(),
            };
            let _permit = permits.acquire().await;
            backend.vms(&cluster, &query).await
        }
    };
    let last = |result: &Result<Listing<Page<Vm>>, BackendError>| match result {
        Ok(listing) => listing.value.is_last() || listing.value.items.is_empty(),
        Err(_) => true,
    };
    // Asked before the first page, so a change made while the pages arrive is seen next
    // time rather than lost between two reads. A platform that cannot answer just gets
    // full re-reads.
    let cursor = {
        let _permit = permits.acquire().await;
        backend.vm_change_cursor(&cluster).await.ok().flatten()
    };
    if tx.send(Event::VmCursor { seq, cursor }).is_err() {
        return;
    }
    let first = page(0).await;
    let done = last(&first);
    let pages = first.as_ref().map_or(1, |l| l.value.page_count());
    if tx
        .send(Event::Vms {
            seq,
            result: first,
            done,
        })
        .is_err()
        || done
    {
        return;
    }
    // Delivered in order, so the list grows as it would one page at a time.
    let mut ahead = futures::stream::iter(1..pages)
        .map(page)
        .buffered(VM_PAGES_AHEAD);
    while let Some(result) = ahead.next().await {
        let done = last(&result);
        if tx.send(Event::Vms { seq, result, done }).is_err() || done {
            return;
        }
    }
    // The inventory grew while it was read: the pages past the first count, one by one.
    let mut index = pages;
    loop {
        let result = page(index).await;
        let done = last(&result);
        if tx.send(Event::Vms { seq, result, done }).is_err() || done {
            return;
        }
        index += 1;
    }
}

/// Writes a file that must not exist yet, readable by its owner only (an inventory is no
/// one else's business), and answers its absolute path.
fn write_new(path: &std::path::Path, contents: &[u8]) -> Result<std::path::PathBuf, String> {
    use std::io::Write;
    let path = std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!(
            "{} exists; give another path (:export csv PATH)",
            path.display()
        ),
        _ => format!("cannot create {}: {e}", path.display()),
    })?;
    file.write_all(contents)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Returns once the bulk is canceled; never, if it cannot be any more.
async fn wait_canceled(canceled: &mut tokio::sync::watch::Receiver<bool>) {
    if canceled.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Longest we follow one operation before calling its outcome unknown.
const MAX_FOLLOW: Duration = Duration::from_secs(4 * 3600);
/// Consecutive failed polls before we give up and say we do not know.
const MAX_POLL_ERRORS: u32 = 5;

async fn run_steps(
    backend: Arc<dyn Backend>,
    tx: mpsc::UnboundedSender<Event>,
    steps: Vec<(TaskId, Operation)>,
) {
    let mut previous: Option<(&'static str, TaskState)> = None;
    for (id, op) in steps {
        if let Some((title, state)) = &previous
            && *state != TaskState::Succeeded
        {
            let _ = tx.send(Event::Task {
                id,
                state: TaskState::Failed {
                    message: format!(
                        "not started: the step before ({}) {}",
                        title.to_lowercase(),
                        state.label()
                    ),
                },
            });
            continue;
        }
        let final_state = run_one(&*backend, &tx, id, &op).await;
        previous = Some((op.title(), final_state));
    }
}

/// Sends one operation (once) and follows it. Returns the final state.
pub async fn run_one(
    backend: &dyn Backend,
    tx: &mpsc::UnboundedSender<Event>,
    id: TaskId,
    op: &Operation,
) -> TaskState {
    run_member(backend, tx, id, op, None).await
}

/// [`run_one`] for one VM of a bulk: the journal records the bulk it is one of.
async fn run_member(
    backend: &dyn Backend,
    tx: &mpsc::UnboundedSender<Event>,
    id: TaskId,
    op: &Operation,
    group: Option<&str>,
) -> TaskState {
    let send = |state: TaskState| {
        let _ = tx.send(Event::Task { id, state });
    };
    send(TaskState::Running { progress: None });
    let submitted = match group {
        Some(g) => backend.submit_member(op, g).await,
        None => backend.submit(op).await,
    };
    let watch = match submitted {
        Ok(watch) => watch,
        Err(SubmitError::Rejected(e)) => {
            let state = TaskState::Failed {
                message: e.to_string(),
            };
            send(state.clone());
            return state;
        }
        Err(SubmitError::AnswerLost { error, verify }) => {
            tracing::warn!(%error, op = op.title(), "answer lost; re-reading the resource");
            send(TaskState::Unknown {
                reason: format!("answer lost ({error}); re-reading to find out what happened"),
            });
            verify
        }
    };
    if let Some(platform_id) = watch.platform_id() {
        let _ = tx.send(Event::TaskLinked { id, platform_id });
    }
    follow(watch, &send).await
}

async fn follow(mut watch: Box<dyn TaskWatch>, send: &impl Fn(TaskState)) -> TaskState {
    let started = Instant::now();
    let mut errors = 0;
    let mut last: Option<TaskState> = None;
    loop {
        match watch.poll().await {
            Ok(state) => {
                errors = 0;
                if last.as_ref() != Some(&state) {
                    send(state.clone());
                }
                if state.is_terminal() {
                    return state;
                }
                last = Some(state);
            }
            Err(e) => {
                errors += 1;
                tracing::debug!(error = %e, errors, "task poll failed");
                if errors >= MAX_POLL_ERRORS {
                    let state = TaskState::Unknown {
                        reason: format!("lost track after {errors} failed reads: {e}"),
                    };
                    send(state.clone());
                    return state;
                }
            }
        }
        if started.elapsed() > MAX_FOLLOW {
            let state = TaskState::Unknown {
                reason: "still not finished after 4 hours; check the platform".into(),
            };
            send(state.clone());
            return state;
        }
        tokio::time::sleep(watch.interval()).await;
    }
}

#[cfg(test)]
mod export_tests {
    use super::write_new;

    #[test]
    fn an_export_is_a_new_private_file_and_never_overwrites() {
        let dir = std::env::temp_dir().join(format!(
            "vmdeck-export-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("vms.csv");
        let written = write_new(&path, b"NAME\nweb-01\n").unwrap();
        assert!(written.is_absolute());
        assert_eq!(std::fs::read(&path).unwrap(), b"NAME\nweb-01\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = write_new(&path, b"other").unwrap_err();
        assert!(again.contains("exists; give another path"), "{again}");
        assert_eq!(std::fs::read(&path).unwrap(), b"NAME\nweb-01\n");
        let missing = write_new(&dir.join("no/such/dir.csv"), b"x").unwrap_err();
        assert!(missing.starts_with("cannot create "), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
