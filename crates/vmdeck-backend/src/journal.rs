//! The change journal: every mutation, appended to a JSONL file and flushed to disk
//! *before* it is sent, and its outcome appended when known. After a crash or a lost SSH
//! session the journal shows what was in flight.
//!
//! One dedicated thread owns the file, so a slow disk never stalls a tokio worker (or the UI
//! loop beside them) and lines never interleave. [`Journaled`] wraps a [`Backend`]: its
//! `submit` is the one door every mutation passes, in the dashboard's fetcher and in the
//! headless commands alike, so nothing reaches a platform unjournaled.
//!
//! The calls written are `Backend::plan`'s, with the preview's redaction: credentials never
//! travel in a plan (they are added by each session when sending) and secret-looking body
//! fields are masked.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::http::redact;
use crate::{Backend, BackendError, HttpCall, Identity, SubmitError, TaskWatch, VmQuery};
use vmdeck_model::operation::Operation;
use vmdeck_model::{
    Backup, BackupPlan, BackupPoint, BackupQuery, BackupRef, ChangeCursor, Cluster, ConsoleAccess,
    Listing, Named, Page, PageRequest, PlatformTask, RemoteBackup, RestoreChoices, SnapshotTree,
    TaskState, Vm, VmChanges, VmDetail, VmRef,
};

/// The file name inside the state directory.
pub const FILE_NAME: &str = "journal.jsonl";
/// A journal this big is rotated to `journal.jsonl.1` before the next line.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated files kept (`.1` newest … `.3` oldest).
pub const KEEP: usize = 3;

/// What kind of thing a journal entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A change sent to a platform.
    Mutation,
    /// A VM's console access was handed out (its URL and token are not kept: they open
    /// the VM's screen to whoever holds them).
    Console,
}

/// The operation, as the screen titles it and as a machine names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationInfo {
    pub title: String,
    pub kind: String,
}

/// One HTTP call as planned, secrets removed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub method: String,
    /// Path and percent-encoded query below the base URL.
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl From<&HttpCall> for Call {
    fn from(c: &HttpCall) -> Self {
        Call {
            method: c.method.to_string(),
            path: c.path_and_query(),
            headers: c.headers.clone(),
            body: c.body.as_ref().map(redact),
        }
    }
}

/// The line written before a mutation is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339, UTC.
    pub time: String,
    pub id: String,
    pub kind: EntryKind,
    pub site: String,
    pub platform: String,
    pub user: String,
    pub operation: OperationInfo,
    pub target: String,
    pub calls: Vec<Call>,
    /// The bulk operation this entry is one VM of; `None` for a single operation.
    #[serde(default)]
    pub group: Option<String>,
}

/// How a mutation ended, as far as vmdeck could tell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    /// The platform refused or the task failed; `code` is the platform's own when it gave one.
    Failed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        message: String,
    },
    /// The answer was lost or the task could not be followed to its end.
    Unknown {
        reason: String,
    },
    /// After an unknown, re-reading the resource showed this.
    Verified {
        succeeded: bool,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        message: String,
    },
    /// The platform took it and nobody followed it further (`vmdeck … ` without `--wait`).
    Accepted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task: Option<String>,
    },
}

impl Outcome {
    /// One short phrase for tables.
    pub fn label(&self) -> String {
        match self {
            Outcome::Succeeded => "succeeded".into(),
            Outcome::Failed {
                code: Some(c),
                message,
            } => format!("failed: {c}: {message}"),
            Outcome::Failed {
                code: None,
                message,
            } => format!("failed: {message}"),
            Outcome::Unknown { reason } => format!("unknown: {reason}"),
            Outcome::Verified {
                succeeded: true, ..
            } => "unknown, then verified done".into(),
            Outcome::Verified { message, .. } => {
                format!("unknown, then verified failed: {message}")
            }
            Outcome::Accepted { task: Some(t) } => format!("accepted (task {t})"),
            Outcome::Accepted { task: None } => "accepted".into(),
        }
    }
}

/// The line written when an entry's outcome is known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeLine {
    pub time: String,
    /// The entry this is the outcome of.
    pub id: String,
    pub outcome: Outcome,
}

/// One line of the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum Line {
    Begin(Entry),
    Outcome(OutcomeLine),
}

enum Msg {
    Append(String, Option<oneshot::Sender<std::io::Result<()>>>),
    /// Answered once every line sent before it is on disk.
    Flush(std_mpsc::Sender<()>),
}

/// A handle on the journal's writer thread; cheap to clone.
#[derive(Clone)]
pub struct Journal {
    path: PathBuf,
    tx: std_mpsc::Sender<Msg>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Journal({})", self.path.display())
    }
}

impl Journal {
    /// A journal at `path`, rotated at [`MAX_BYTES`]. Nothing is opened until the first line;
    /// a file that cannot be written fails that line's append.
    pub fn open(path: impl Into<PathBuf>) -> Journal {
        Journal::with_limit(path, MAX_BYTES)
    }

    /// As [`Journal::open`], rotating at `max_bytes` (tests rotate small files).
    pub fn with_limit(path: impl Into<PathBuf>, max_bytes: u64) -> Journal {
        let path = path.into();
        let (tx, rx) = std_mpsc::channel();
        let p = path.clone();
        std::thread::Builder::new()
            .name("vmdeck-journal".into())
            .spawn(move || writer(&p, max_bytes, rx))
            .expect("a thread for the journal");
        Journal { path, tx }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a line and waits until it is on disk (fsync), without blocking the runtime.
    pub async fn append(&self, line: &Line) -> std::io::Result<()> {
        let text = serde_json::to_string(line).map_err(std::io::Error::other)?;
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Msg::Append(text, Some(done)))
            .map_err(|_| std::io::Error::other("the journal writer has stopped"))?;
        wait.await
            .unwrap_or_else(|_| Err(std::io::Error::other("the journal writer has stopped")))
    }

    /// Appends without waiting (from `Drop`, where nothing can be awaited).
    fn append_later(&self, line: &Line) {
        if let Ok(text) = serde_json::to_string(line) {
            let _ = self.tx.send(Msg::Append(text, None));
        }
    }

    /// Blocks until every line handed over so far is written. Call once at exit, off the
    /// runtime, so lines appended from `Drop` (tasks cut short) are not lost.
    pub fn flush_blocking(&self) {
        let (tx, rx) = std_mpsc::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

fn writer(path: &Path, max_bytes: u64, rx: std_mpsc::Receiver<Msg>) {
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Append(text, done) => {
                let result = write_line(path, max_bytes, &text);
                if let Err(e) = &result {
                    tracing::error!(path = %path.display(), error = %e, "cannot write the journal");
                }
                if let Some(done) = done {
                    let _ = done.send(result);
                }
            }
            Msg::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

fn write_line(path: &Path, max_bytes: u64, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len > 0 && len + text.len() as u64 + 1 > max_bytes {
        rotate(path)?;
    }
    let mut file = open_private(path)?;
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    file.write_all(&bytes)?;
    file.sync_data()
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // What was done, where and by whom: for the operator's eyes only.
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The path of the `n`th rotated file (`n` ≥ 1).
pub fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

fn rotate(path: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_file(rotated(path, KEEP));
    for n in (1..KEEP).rev() {
        let from = rotated(path, n);
        if from.exists() {
            std::fs::rename(&from, rotated(path, n + 1))?;
        }
    }
    std::fs::rename(path, rotated(path, 1))
}

/// An entry with its outcome, if one was written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    #[serde(flatten)]
    pub entry: Entry,
    /// The last outcome written for it (a verified one replaces the unknown before it).
    pub outcome: Option<Outcome>,
    /// When the outcome was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}

/// What an entry without an outcome says.
pub const NO_OUTCOME: &str = "no outcome (in flight, or vmdeck stopped first)";

impl Record {
    /// How it ended, as one phrase (the `vmdeck journal` table, the dashboard's journal).
    pub fn outcome_label(&self) -> String {
        self.outcome
            .as_ref()
            .map_or_else(|| NO_OUTCOME.to_string(), Outcome::label)
    }
}

/// Every entry of the journal and its rotated files, newest first, each with its outcome.
/// Lines that cannot be read (a crash mid-line, a newer vmdeck's kinds) are skipped.
pub fn read(path: &Path) -> std::io::Result<Vec<Record>> {
    let mut files: Vec<PathBuf> = (1..=KEEP).rev().map(|n| rotated(path, n)).collect();
    files.push(path.to_path_buf());
    let mut records: Vec<Record> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for file in files {
        let f = match File::open(&file) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for line in BufReader::new(f).lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<Line>(&line) {
                Ok(Line::Begin(entry)) => {
                    index.insert(entry.id.clone(), records.len());
                    records.push(Record {
                        entry,
                        outcome: None,
                        ended: None,
                    });
                }
                Ok(Line::Outcome(o)) => {
                    if let Some(&i) = index.get(&o.id) {
                        records[i].outcome = Some(o.outcome);
                        records[i].ended = Some(o.time);
                    }
                }
                Err(_) => {}
            }
        }
    }
    records.reverse();
    Ok(records)
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Unique enough across processes: the time in milliseconds and 32 random bits.
fn new_id() -> String {
    format!(
        "{:x}-{:08x}",
        jiff::Timestamp::now().as_millisecond(),
        rand::random::<u32>()
    )
}

fn failed(e: &BackendError) -> Outcome {
    match e {
        BackendError::Platform { code, message, .. } => Outcome::Failed {
            code: Some(code.clone()),
            message: message.clone(),
        },
        other => Outcome::Failed {
            code: None,
            message: other.to_string(),
        },
    }
}

/// A backend whose mutations are journaled: the begin line is on disk before `submit` is
/// passed on, and the outcome is appended as the returned watch learns it.
pub struct Journaled {
    inner: Arc<dyn Backend>,
    journal: Journal,
    site: String,
}

impl Journaled {
    pub fn wrap(inner: Arc<dyn Backend>, journal: Journal, site: impl Into<String>) -> Arc<Self> {
        Arc::new(Journaled {
            inner,
            journal,
            site: site.into(),
        })
    }

    fn entry(&self, op: &Operation, group: Option<&str>) -> Entry {
        // A plan the platform refuses is refused again by submit; the entry then holds no
        // calls and the refusal as its outcome.
        let calls = self
            .inner
            .plan(op)
            .map(|calls| calls.iter().map(Call::from).collect())
            .unwrap_or_default();
        Entry {
            time: now(),
            id: new_id(),
            kind: EntryKind::Mutation,
            site: self.site.clone(),
            platform: self.inner.platform().id().to_string(),
            user: self.inner.user().to_string(),
            operation: OperationInfo {
                title: op.title().to_string(),
                kind: op.kind().to_string(),
            },
            target: op.target(),
            calls,
            group: group.map(str::to_string),
        }
    }

    async fn submit_in(
        &self,
        op: &Operation,
        group: Option<&str>,
    ) -> Result<Box<dyn TaskWatch>, SubmitError> {
        let entry = self.entry(op, group);
        let id = entry.id.clone();
        if let Err(e) = self.journal.append(&Line::Begin(entry)).await {
            return Err(SubmitError::Rejected(BackendError::Refused(format!(
                "not sent: the journal {} cannot be written ({e})",
                self.journal.path().display()
            ))));
        }
        let mut recorder = Recorder {
            journal: self.journal.clone(),
            id,
            after_unknown: false,
            ended: false,
            polled: false,
            platform_id: None,
        };
        match self.inner.submit(op).await {
            Ok(watch) => {
                recorder.platform_id = watch.platform_id();
                Ok(Box::new(JournaledWatch {
                    inner: watch,
                    recorder,
                }))
            }
            Err(SubmitError::Rejected(e)) => {
                recorder.write(failed(&e), true).await;
                Err(SubmitError::Rejected(e))
            }
            Err(SubmitError::AnswerLost { error, verify }) => {
                recorder
                    .write(
                        Outcome::Unknown {
                            reason: format!("answer lost: {error}"),
                        },
                        false,
                    )
                    .await;
                recorder.after_unknown = true;
                Err(SubmitError::AnswerLost {
                    error,
                    verify: Box::new(JournaledWatch {
                        inner: verify,
                        recorder,
                    }),
                })
            }
        }
    }
}

/// Appends outcomes for one entry as its watch learns them.
struct Recorder {
    journal: Journal,
    id: String,
    /// The answer was lost: the next terminal state is a verification.
    after_unknown: bool,
    /// A final outcome has been written.
    ended: bool,
    polled: bool,
    platform_id: Option<String>,
}

impl Recorder {
    fn line(&self, outcome: Outcome) -> Line {
        Line::Outcome(OutcomeLine {
            time: now(),
            id: self.id.clone(),
            outcome,
        })
    }

    async fn write(&mut self, outcome: Outcome, last: bool) {
        if let Err(e) = self.journal.append(&self.line(outcome)).await {
            tracing::error!(error = %e, "cannot journal an outcome");
        }
        self.ended |= last;
    }

    async fn seen(&mut self, state: &TaskState) {
        if self.ended || !state.is_terminal() {
            return;
        }
        let outcome = match (state, self.after_unknown) {
            (TaskState::Succeeded, false) => Outcome::Succeeded,
            (TaskState::Succeeded, true) => Outcome::Verified {
                succeeded: true,
                message: String::new(),
            },
            (TaskState::Failed { message }, false) => Outcome::Failed {
                code: None,
                message: message.clone(),
            },
            (TaskState::Failed { message }, true) => Outcome::Verified {
                succeeded: false,
                message: message.clone(),
            },
            (TaskState::Unknown { reason }, _) => Outcome::Unknown {
                reason: reason.clone(),
            },
            (other, _) => Outcome::Unknown {
                reason: other.label().to_string(),
            },
        };
        self.write(outcome, true).await;
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let outcome = if self.polled {
            Outcome::Unknown {
                reason: "no longer followed before it ended".into(),
            }
        } else if self.after_unknown {
            return; // the unknown is already written
        } else {
            Outcome::Accepted {
                task: self.platform_id.clone(),
            }
        };
        self.journal.append_later(&self.line(outcome));
    }
}

struct JournaledWatch {
    inner: Box<dyn TaskWatch>,
    recorder: Recorder,
}

#[async_trait]
impl TaskWatch for JournaledWatch {
    async fn poll(&mut self) -> crate::Result<TaskState> {
        self.recorder.polled = true;
        let state = self.inner.poll().await;
        if let Ok(s) = &state {
            self.recorder.seen(s).await;
        }
        state
    }
    fn interval(&self) -> std::time::Duration {
        self.inner.interval()
    }
    fn platform_id(&self) -> Option<String> {
        self.inner.platform_id()
    }
}

#[async_trait]
impl Backend for Journaled {
    fn identity(&self) -> &Identity {
        self.inner.identity()
    }
    async fn clusters(&self) -> crate::Result<Listing<Vec<Cluster>>> {
        self.inner.clusters().await
    }
    async fn vms(&self, cluster: &Named, query: &VmQuery) -> crate::Result<Listing<Page<Vm>>> {
        self.inner.vms(cluster, query).await
    }
    async fn vm_detail(&self, vm: &VmRef) -> crate::Result<VmDetail> {
        self.inner.vm_detail(vm).await
    }
    async fn snapshots(&self, vm: &VmRef) -> crate::Result<SnapshotTree> {
        self.inner.snapshots(vm).await
    }
    async fn backups(&self, query: &BackupQuery) -> crate::Result<Listing<Page<Backup>>> {
        self.inner.backups(query).await
    }
    async fn backup_points(&self, cluster: &Named) -> crate::Result<Vec<BackupPoint>> {
        self.inner.backup_points(cluster).await
    }
    async fn remote_backups(
        &self,
        cluster: &Named,
        point: &Named,
        page: PageRequest,
    ) -> crate::Result<Page<RemoteBackup>> {
        self.inner.remote_backups(cluster, point, page).await
    }
    async fn restore_choices(&self, backup: &BackupRef) -> crate::Result<RestoreChoices> {
        self.inner.restore_choices(backup).await
    }
    async fn backup_plans(&self, cluster: &Named) -> crate::Result<Vec<BackupPlan>> {
        self.inner.backup_plans(cluster).await
    }
    async fn backup_chain(&self, backup: &BackupRef) -> crate::Result<Vec<Backup>> {
        self.inner.backup_chain(backup).await
    }
    /// Journaled like a change, though it changes nothing: who was handed a way onto
    /// which VM's screen is what a later review asks.
    async fn console(&self, vm: &VmRef) -> crate::Result<ConsoleAccess> {
        let result = self.inner.console(vm).await;
        let entry = Entry {
            time: now(),
            id: new_id(),
            kind: EntryKind::Console,
            site: self.site.clone(),
            platform: self.inner.platform().id().to_string(),
            user: self.inner.user().to_string(),
            operation: OperationInfo {
                title: "Open console".into(),
                kind: "console".into(),
            },
            target: format!("VM {}", vm.name),
            calls: vec![],
            group: None,
        };
        let outcome = match &result {
            Ok(_) => Outcome::Succeeded,
            Err(e) => failed(e),
        };
        let end = Line::Outcome(OutcomeLine {
            time: now(),
            id: entry.id.clone(),
            outcome,
        });
        // A read: a journal that cannot be written is reported, not a reason to refuse it.
        for line in [Line::Begin(entry), end] {
            if let Err(e) = self.journal.append(&line).await {
                tracing::error!(error = %e, "cannot journal a console opened");
            }
        }
        result
    }
    async fn platform_tasks(&self, cluster: &Named) -> crate::Result<Vec<PlatformTask>> {
        self.inner.platform_tasks(cluster).await
    }
    async fn vm_change_cursor(&self, cluster: &Named) -> crate::Result<Option<ChangeCursor>> {
        self.inner.vm_change_cursor(cluster).await
    }
    async fn vm_changes(&self, cluster: &Named, since: &ChangeCursor) -> crate::Result<VmChanges> {
        self.inner.vm_changes(cluster, since).await
    }
    async fn vm_pages(
        &self,
        cluster: &Named,
        pages: &[vmdeck_model::ShownPage],
    ) -> crate::Result<VmChanges> {
        self.inner.vm_pages(cluster, pages).await
    }
    fn plan(&self, op: &Operation) -> crate::Result<Vec<HttpCall>> {
        self.inner.plan(op)
    }

    /// Refuses to send what could not be journaled: the journal promises every change, and
    /// an operator who finds a change on the platform that the journal lacks can trust
    /// neither.
    async fn submit(&self, op: &Operation) -> Result<Box<dyn TaskWatch>, SubmitError> {
        self.submit_in(op, None).await
    }
    async fn submit_member(
        &self,
        op: &Operation,
        group: &str,
    ) -> Result<Box<dyn TaskWatch>, SubmitError> {
        self.submit_in(op, Some(group)).await
    }

    async fn logout(&self) {
        self.inner.logout().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn begin(n: usize) -> Line {
        Line::Begin(Entry {
            // Fixed, so every line is as long as the next and the files split where counted.
            time: "2026-12-03T12:00:00Z".into(),
            id: format!("e{n}"),
            kind: EntryKind::Mutation,
            site: "lab".into(),
            platform: "zstack".into(),
            user: "admin".into(),
            operation: OperationInfo {
                title: "Create snapshot".into(),
                kind: "create_snapshot".into(),
            },
            target: format!("VM vm-{n}"),
            calls: vec![],
            group: None,
        })
    }

    /// A full journal moves to `.1` (`.1` to `.2` …), the oldest beyond [`KEEP`] goes, and
    /// `read` still sees every kept entry, newest first, in a file only its owner reads.
    #[tokio::test]
    async fn rotation_keeps_three_old_files_and_read_sees_across_them() {
        let dir = std::env::temp_dir().join(format!("vmdeck-journal-rot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(FILE_NAME);
        let line_len = serde_json::to_string(&begin(10)).unwrap().len() as u64 + 1;
        // Two lines per file.
        let j = Journal::with_limit(&path, line_len * 2 + 1);
        for n in 10..20 {
            j.append(&begin(n)).await.unwrap();
        }
        for n in 1..=KEEP {
            assert!(rotated(&path, n).exists(), ".{n}");
        }
        assert!(!rotated(&path, KEEP + 1).exists(), "only {KEEP} kept");
        let ids: Vec<String> = read(&path)
            .unwrap()
            .into_iter()
            .map(|r| r.entry.id)
            .collect();
        // 10 lines, two per file, four files: the oldest two went with the file dropped.
        let want: Vec<String> = (12..20).rev().map(|n| format!("e{n}")).collect();
        assert_eq!(ids, want);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A line cut short by a crash is skipped; the lines after it are read.
    #[tokio::test]
    async fn a_torn_line_is_skipped() {
        let dir = std::env::temp_dir().join(format!("vmdeck-journal-torn-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(FILE_NAME);
        let j = Journal::open(&path);
        j.append(&begin(1)).await.unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"line\":\"begin\",\"ti\n")
            .unwrap();
        j.append(&begin(2)).await.unwrap();
        let ids: Vec<String> = read(&path)
            .unwrap()
            .into_iter()
            .map(|r| r.entry.id)
            .collect();
        assert_eq!(ids, ["e2", "e1"]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
