//! The change journal against the simulator over loopback: operations sent through the
//! dashboard's fetcher and the headless commands leave a begin line on disk before they
//! are sent and an outcome line after, and the file never holds a password or a session.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use serde_json::Value;
use vmdeck::backend::journal::{self, Journal, Journaled, Outcome};
use vmdeck::backend::{self, Backend, HttpCall, Identity, SubmitError, TaskWatch, VmQuery};
use vmdeck::config::Profile;
use vmdeck::fetcher::{self, Command, Event};
use vmdeck::model::{
    Backup, BackupPoint, BackupQuery, BackupRef, Cluster, Listing, Named, Page, PageRequest,
    Platform, RemoteBackup, RestoreChoices, SnapshotTree, TaskId, TaskState, Vm, VmDetail, VmRef,
};
use vmdeck::operation::Operation;
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, Fault, SimConfig, SimServer};

const PLATFORMS: [Platform; 3] = [Platform::TopHc, Platform::CloudTower, Platform::ZStack];

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vmdeck-journal-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn sim() -> SimServer {
    SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            time_scale: 200.0,
            ..Default::default()
        },
    )
    .await
    .expect("simulator")
}

async fn login(server: &SimServer, platform: Platform) -> Arc<dyn Backend> {
    let profile = Profile::new(platform, server.base_url(), DEFAULT_USER);
    backend::connect(&profile, SecretString::from(DEFAULT_PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("{platform}: login: {e}"))
}

async fn first_vm(b: &dyn Backend) -> Vm {
    let listing = b
        .vms(&Named::new("", "All clusters"), &VmQuery::default())
        .await
        .expect("vms");
    listing.value.items.into_iter().next().expect("a VM")
}

fn snapshot(vm: &Vm, name: &str) -> Operation {
    Operation::CreateSnapshot {
        vm: vm.to_ref(),
        name: name.into(),
        description: "journal test".into(),
        memory: false,
        consistent: false,
        volume: None,
    }
}

/// Runs `steps` through a fetcher as the dashboard does and returns each task's final state.
async fn execute(b: Arc<dyn Backend>, steps: Vec<Operation>) -> Vec<TaskState> {
    let n = steps.len();
    let mut f = fetcher::spawn(b, false);
    let steps: Vec<(TaskId, Operation)> = steps
        .into_iter()
        .enumerate()
        .map(|(i, op)| (TaskId(i as u64), op))
        .collect();
    f.commands.send(Command::Execute { steps }).unwrap();
    let mut states: Vec<Option<TaskState>> = vec![None; n];
    while states.iter().any(Option::is_none) {
        let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
            .await
            .expect("the task moves on")
            .expect("the fetcher runs");
        // A lost answer's Unknown is followed by what re-reading shows.
        if let Event::Task { id, state } = ev
            && state.is_terminal()
            && !matches!(state, TaskState::Unknown { .. })
        {
            states[id.0 as usize] = Some(state);
        }
    }
    states.into_iter().map(Option::unwrap).collect()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_never_holds_a_password_or_a_session_on_any_platform() {
    let server = sim().await;
    let dir = temp_dir("secrets");
    let path = dir.join("journal.jsonl");
    let journal = Journal::open(&path);
    for platform in PLATFORMS {
        let b = login(&server, platform).await;
        let vm = first_vm(&*b).await;
        let site = format!("lab-{}", platform.id());
        let jb = Journaled::wrap(b.clone(), journal.clone(), &site);
        let states = execute(
            jb,
            vec![
                snapshot(&vm, "journal-secrets"),
                Operation::StopVm {
                    vm: vm.to_ref(),
                    force: true,
                },
            ],
        )
        .await;
        assert_eq!(states[0], TaskState::Succeeded, "{platform}: {states:?}");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let seen = server.faults().credentials_seen();
    assert!(
        seen.len() >= 3,
        "each platform presented a session: {seen:?}"
    );
    assert!(!text.contains(DEFAULT_PASSWORD), "the password: {text}");
    for token in &seen {
        assert!(!token.is_empty());
        assert!(
            !text.contains(token.as_str()),
            "a session token {token}: {text}"
        );
    }
    // Every operation is there, begun and ended, site by site.
    let records = journal::read(&path).unwrap();
    assert_eq!(records.len(), 6, "{records:?}");
    for platform in PLATFORMS {
        let site = format!("lab-{}", platform.id());
        let mine: Vec<_> = records.iter().filter(|r| r.entry.site == site).collect();
        assert_eq!(mine.len(), 2, "{site}");
        assert!(mine.iter().all(|r| r.outcome.is_some()), "{site}: {mine:?}");
        let snap = mine
            .iter()
            .find(|r| r.entry.operation.kind == "create_snapshot")
            .expect("the snapshot");
        assert_eq!(snap.outcome, Some(Outcome::Succeeded));
        assert_eq!(snap.entry.platform, platform.id());
        assert_eq!(snap.entry.user, DEFAULT_USER);
        assert!(!snap.entry.calls.is_empty(), "the planned calls");
        assert_eq!(snap.entry.group, None);
        assert!(snap.entry.time.parse::<vmdeck::model::Timestamp>().is_ok());
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A real backend whose `submit` first reads the journal: the begin line must already be on
/// disk when the operation is handed over for sending.
struct LooksFirst {
    inner: Arc<dyn Backend>,
    path: PathBuf,
    begun_before_send: std::sync::Mutex<Vec<bool>>,
}

#[async_trait]
impl Backend for LooksFirst {
    fn identity(&self) -> &Identity {
        self.inner.identity()
    }
    async fn clusters(&self) -> backend::Result<Listing<Vec<Cluster>>> {
        self.inner.clusters().await
    }
    async fn vms(&self, c: &Named, q: &VmQuery) -> backend::Result<Listing<Page<Vm>>> {
        self.inner.vms(c, q).await
    }
    async fn vm_detail(&self, vm: &VmRef) -> backend::Result<VmDetail> {
        self.inner.vm_detail(vm).await
    }
    async fn snapshots(&self, vm: &VmRef) -> backend::Result<SnapshotTree> {
        self.inner.snapshots(vm).await
    }
    async fn backups(&self, q: &BackupQuery) -> backend::Result<Listing<Page<Backup>>> {
        self.inner.backups(q).await
    }
    async fn backup_points(&self, c: &Named) -> backend::Result<Vec<BackupPoint>> {
        self.inner.backup_points(c).await
    }
    async fn remote_backups(
        &self,
        c: &Named,
        p: &Named,
        page: PageRequest,
    ) -> backend::Result<Page<RemoteBackup>> {
        self.inner.remote_backups(c, p, page).await
    }
    async fn restore_choices(&self, b: &BackupRef) -> backend::Result<RestoreChoices> {
        self.inner.restore_choices(b).await
    }
    fn plan(&self, op: &Operation) -> backend::Result<Vec<HttpCall>> {
        self.inner.plan(op)
    }
    async fn submit(&self, op: &Operation) -> Result<Box<dyn TaskWatch>, SubmitError> {
        let on_disk = std::fs::read_to_string(&self.path).unwrap_or_default();
        let begun = on_disk
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|l| l["line"] == "begin" && l["target"] == op.target().as_str());
        self.begun_before_send.lock().unwrap().push(begun);
        self.inner.submit(op).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_begin_line_is_on_disk_before_the_operation_is_sent() {
    let server = sim().await;
    let dir = temp_dir("order");
    let path = dir.join("journal.jsonl");
    let b = login(&server, Platform::ZStack).await;
    let vm = first_vm(&*b).await;
    let looks = Arc::new(LooksFirst {
        inner: b,
        path: path.clone(),
        begun_before_send: Default::default(),
    });
    let jb = Journaled::wrap(looks.clone(), Journal::open(&path), "lab");
    let states = execute(jb, vec![snapshot(&vm, "journal-order")]).await;
    assert_eq!(states, [TaskState::Succeeded]);
    assert_eq!(*looks.begun_before_send.lock().unwrap(), [true]);
    let kinds: Vec<Value> = lines(&path).iter().map(|l| l["line"].clone()).collect();
    assert_eq!(kinds, ["begin", "outcome"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_journaled_unknown_then_verified() {
    let server = sim().await;
    let dir = temp_dir("lost");
    let path = dir.join("journal.jsonl");
    let b = login(&server, Platform::ZStack).await;
    let vm = first_vm(&*b).await;
    server.faults().inject(
        "/zstack/v1/volume-snapshots/group",
        Fault::LoseAnswer,
        Some(1),
    );
    let jb = Journaled::wrap(b, Journal::open(&path), "lab");
    let states = execute(jb, vec![snapshot(&vm, "journal-lost")]).await;
    assert_eq!(states, [TaskState::Succeeded]);
    let outcomes: Vec<String> = lines(&path)
        .iter()
        .filter(|l| l["line"] == "outcome")
        .map(|l| l["outcome"]["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, ["unknown", "verified"]);
    let records = journal::read(&path).unwrap();
    assert_eq!(
        records[0].outcome,
        Some(Outcome::Verified {
            succeeded: true,
            message: String::new()
        })
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_that_cannot_be_journaled_is_not_sent() {
    let server = sim().await;
    let dir = temp_dir("unwritable");
    // A directory where the file should be: every append fails.
    let path = dir.join("journal.jsonl");
    std::fs::create_dir_all(&path).unwrap();
    let b = login(&server, Platform::ZStack).await;
    let vm = first_vm(&*b).await;
    let jb = Journaled::wrap(b.clone(), Journal::open(&path), "lab");
    let states = execute(jb, vec![snapshot(&vm, "journal-refused")]).await;
    let TaskState::Failed { message } = &states[0] else {
        panic!("{states:?}");
    };
    assert!(
        message.starts_with("not sent: the journal") && message.contains("cannot be written"),
        "{message}"
    );
    let tree = b.snapshots(&vm.to_ref()).await.unwrap();
    assert!(
        !(0..tree.nodes.len())
            .filter_map(|n| tree.snapshot(n))
            .any(|s| s.name == "journal-refused"),
        "nothing reached the platform"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_profile_journals_nothing() {
    let server = sim().await;
    let dir = temp_dir("readonly");
    let path = dir.join("journal.jsonl");
    let b = login(&server, Platform::ZStack).await;
    let vm = first_vm(&*b).await;
    let jb = Journaled::wrap(b, Journal::open(&path), "lab");
    let mut f = fetcher::spawn(jb, true);
    f.commands
        .send(Command::Execute {
            steps: vec![(TaskId(0), snapshot(&vm, "journal-ro"))],
        })
        .unwrap();
    let ev = f.events.recv().await.unwrap();
    assert!(
        matches!(
            ev,
            Event::Task {
                state: TaskState::Failed { .. },
                ..
            }
        ),
        "{ev:?}"
    );
    assert!(!path.exists(), "no entry for what was never sent");
    let _ = std::fs::remove_dir_all(dir);
}

// The headless command, as a script meets it: the built binary on the demo.

fn vmdeck(state: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vmdeck"))
        .args(args)
        .env_remove("VMDECK_CONFIG")
        .env_remove("VMDECK_PROFILE")
        .env("XDG_STATE_HOME", state)
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("vmdeck-no-such-config-home"),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn vmdeck_journal_prints_what_headless_operations_did() {
    let state = temp_dir("headless");
    let vms = vmdeck(
        &state,
        &[
            "--demo",
            "get",
            "vms",
            "--site",
            "demo-zstack",
            "-o",
            "json",
        ],
    );
    let vms: Value = serde_json::from_slice(&vms.stdout).expect("vms as JSON");
    let vm = vms[0]["name"].as_str().unwrap().to_string();
    let made = vmdeck(
        &state,
        &[
            "--demo",
            "snapshot",
            "create",
            "--site",
            "demo-zstack",
            "--vm",
            &vm,
            "--name",
            "nightly",
            "--yes",
            "--wait",
        ],
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    let started = vmdeck(
        &state,
        &[
            "--demo",
            "vm",
            "start",
            "--site",
            "demo-tophc",
            "--vm",
            "no-such-vm",
            "--yes",
        ],
    );
    assert!(!started.status.success(), "no such VM: nothing sent");
    let sent = vmdeck(
        &state,
        &[
            "--demo",
            "snapshot",
            "create",
            "--site",
            "demo-tophc",
            "--vm",
            "财务系统-db01",
            "--name",
            "later",
            "--yes",
        ],
    );
    assert!(sent.status.success(), "{}", text(&sent.stderr));

    // JSON: newest first, every field.
    let out = vmdeck(&state, &["journal", "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let records: Value = serde_json::from_slice(&out.stdout).expect("a JSON array");
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["site"], "demo-tophc");
    assert_eq!(records[0]["outcome"]["state"], "accepted");
    assert_eq!(records[1]["site"], "demo-zstack");
    assert_eq!(records[1]["operation"]["kind"], "create_snapshot");
    assert_eq!(records[1]["operation"]["title"], "Create snapshot");
    assert_eq!(records[1]["outcome"]["state"], "succeeded");
    assert_eq!(records[1]["user"], "admin");
    assert_eq!(records[1]["platform"], "zstack");
    assert!(
        records[1]["calls"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("/zstack/v1/")
    );
    assert!(records[1]["target"].as_str().unwrap().contains("nightly"));

    // --site keeps one site's entries.
    let out = vmdeck(&state, &["journal", "--site", "demo-zstack", "-o", "jsonl"]);
    let only: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["site"], "demo-zstack");

    // --since: a span back from now.
    let out = vmdeck(&state, &["journal", "--since", "2h", "-o", "json"]);
    let recent: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(recent.as_array().unwrap().len(), 2);
    let out = vmdeck(&state, &["journal", "--since", "0s", "-o", "json"]);
    let none: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        none.as_array().unwrap().len(),
        0,
        "nothing in the last 0 seconds"
    );

    // A table: time, site, user, operation, target, outcome.
    let out = vmdeck(&state, &["journal", "-o", "table"]);
    let table = text(&out.stdout);
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 3, "{table}");
    for h in ["TIME", "SITE", "USER", "OPERATION", "TARGET", "OUTCOME"] {
        assert!(rows[0].contains(h), "{table}");
    }
    assert!(
        rows[1].contains("demo-tophc") && rows[1].contains("accepted"),
        "{table}"
    );
    assert!(
        rows[2].contains("demo-zstack")
            && rows[2].contains("Create snapshot")
            && rows[2].contains("succeeded"),
        "{table}"
    );

    // A bad span is one line.
    let out = vmdeck(&state, &["journal", "--since", "2 hours"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("is not a span"), "{err}");

    // The file holds no password.
    let file = std::fs::read_to_string(state.join("vmdeck/journal.jsonl")).unwrap();
    assert!(!file.contains(DEFAULT_PASSWORD));
    let _ = std::fs::remove_dir_all(state);
}

/// Opening a console changes nothing, but who was handed a way onto which VM's screen is
/// journaled — without the URL or its token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_opened_is_journaled_without_its_url_or_token() {
    let server = sim().await;
    let dir = temp_dir("console");
    let path = dir.join("journal.jsonl");
    let journal = Journal::open(&path);
    let mut urls = Vec::new();
    for platform in [Platform::CloudTower, Platform::ZStack] {
        let b = login(&server, platform).await;
        let vm = b
            .vms(&Named::new("", "All clusters"), &VmQuery::default())
            .await
            .expect("vms")
            .value
            .items
            .into_iter()
            .find(|v| v.power == vmdeck::model::VmPower::Running)
            .expect("a running VM");
        let jb = Journaled::wrap(b, journal.clone(), format!("lab-{}", platform.id()));
        let access = jb
            .console(&vm.to_ref())
            .await
            .unwrap_or_else(|e| panic!("{platform}: {e}"));
        assert!(
            access.url.contains("token="),
            "{platform}: a token to keep out"
        );
        urls.push((vm.name.clone(), access.url.clone()));
    }
    let text = std::fs::read_to_string(&path).unwrap();
    for (_, url) in &urls {
        let token = url.split("token=").nth(1).unwrap();
        let token = token.split('&').next().unwrap();
        assert!(!text.contains(token), "the token {token}: {text}");
        assert!(!text.contains(url.as_str()), "{text}");
    }
    let records = journal::read(&path).unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    for (r, (name, _)) in records.iter().rev().zip(&urls) {
        assert_eq!(r.entry.kind, journal::EntryKind::Console);
        assert_eq!(r.entry.target, format!("VM {name}"));
        assert_eq!(r.outcome, Some(Outcome::Succeeded));
        assert!(r.entry.calls.is_empty());
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The journal wraps every site's backend, so each read must reach the platform's own: a
/// default answer here would quietly turn incremental refresh off on CloudTower.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_passes_reads_through_to_the_platform() {
    let server = sim().await;
    let dir = temp_dir("reads");
    let b = login(&server, Platform::CloudTower).await;
    let all = Named::new("", "All clusters");
    let jb = Journaled::wrap(b, Journal::open(dir.join("journal.jsonl")), "lab");
    let cursor = jb
        .vm_change_cursor(&all)
        .await
        .expect("a cursor")
        .expect("CloudTower has a change log");
    assert!(matches!(
        jb.vm_changes(&all, &cursor).await.expect("changes"),
        vmdeck::model::VmChanges::Changed { .. }
    ));
    // TopHC's pages in view, too (without them its interval would read everything).
    let b = login(&server, Platform::TopHc).await;
    let jb = Journaled::wrap(b, Journal::open(dir.join("journal.jsonl")), "lab");
    let page = PageRequest { index: 0, size: 5 };
    let shown = [vmdeck::model::ShownPage { page, ids: vec![] }];
    assert!(matches!(
        jb.vm_pages(&all, &shown).await.expect("pages"),
        vmdeck::model::VmChanges::Partial { upserts, .. } if upserts.len() == 5
    ));
    let _ = std::fs::remove_dir_all(dir);
}

/// Waits for the fetcher's first event that `pick` takes.
async fn next_event<T>(f: &mut fetcher::FetcherHandle, pick: impl Fn(Event) -> Option<T>) -> T {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), f.events.recv())
            .await
            .expect("an answer")
            .expect("the fetcher runs");
        if let Some(t) = pick(ev) {
            return t;
        }
    }
}

/// `:journal` in the dashboard reads the file the operations wrote, through the fetcher,
/// and `:export` writes it as shown to a new file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_journal_shows_what_was_sent_and_exports_it() {
    let server = sim().await;
    let dir = temp_dir("view");
    let path = dir.join("journal.jsonl");
    let b = login(&server, Platform::TopHc).await;
    let vm = first_vm(&*b).await;
    let jb = Journaled::wrap(b.clone(), Journal::open(&path), "lab");
    let states = execute(jb, vec![snapshot(&vm, "journal-view")]).await;
    assert_eq!(states, vec![TaskState::Succeeded]);

    let mut app = vmdeck::app::App::new(vmdeck::app::Session {
        profile: "lab".into(),
        platform: Platform::TopHc,
        endpoint: server.base_url(),
        user: DEFAULT_USER.into(),
        read_only: false,
        caps: backend::tophc::capabilities(),
        backup_page_size: 10,
        refresh_every: None,
    });
    app.journal_path = Some(path.clone());
    let mut f = fetcher::spawn(b, false);
    for cmd in app.run_command("journal").unwrap() {
        f.commands.send(cmd).unwrap();
    }
    let ev = next_event(&mut f, |ev| {
        matches!(ev, Event::Journal { .. }).then_some(ev)
    })
    .await;
    app.on_event(ev);
    let view = app.journal_view().expect("the journal view");
    assert_eq!(view.error, None);
    let r = view.list.selected().expect("a row");
    assert!(r.entry.target.contains(&vm.name), "{r:?}");
    assert_eq!(r.entry.operation.kind, "create_snapshot");
    assert_eq!(r.outcome_label(), "succeeded");

    let out = dir.join("journal.csv");
    for cmd in app
        .run_command(&format!("export csv {}", out.display()))
        .unwrap()
    {
        f.commands.send(cmd).unwrap();
    }
    let ev = next_event(&mut f, |ev| {
        matches!(ev, Event::Exported { .. }).then_some(ev)
    })
    .await;
    app.on_event(ev);
    assert_eq!(
        app.status.as_ref().unwrap().text,
        format!("exported 1 row(s) to {}", out.display())
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("TIME,SITE,PLATFORM,USER,OPERATION,TARGET,OUTCOME")
    );
    let row = lines.next().unwrap();
    assert!(
        row.contains(&vm.name) && row.contains(",succeeded,") && row.contains(",lab,tophc,"),
        "{row}"
    );
    assert!(!csv.contains(DEFAULT_PASSWORD));
    // A second export to the same path is refused, and the file is kept.
    for cmd in app
        .run_command(&format!("export csv {}", out.display()))
        .unwrap()
    {
        f.commands.send(cmd).unwrap();
    }
    let ev = next_event(&mut f, |ev| {
        matches!(ev, Event::Exported { .. }).then_some(ev)
    })
    .await;
    app.on_event(ev);
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("exists; give another path"),
        "{:?}",
        app.status
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv);
    let _ = std::fs::remove_dir_all(dir);
}

/// Each VM of a bulk is journaled with the bulk it is one of: the same group id on every
/// member's line, none on a single operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_members_are_journaled_with_their_group() {
    let server = sim().await;
    let dir = temp_dir("group");
    let path = dir.join("journal.jsonl");
    let b = login(&server, Platform::TopHc).await;
    let vms = b
        .vms(&Named::new("", "All clusters"), &VmQuery::default())
        .await
        .expect("vms")
        .value
        .items;
    let jb = Journaled::wrap(b.clone(), Journal::open(&path), "lab");
    let mut f = fetcher::spawn(jb.clone(), false);
    let steps: Vec<(TaskId, Operation)> = vms[..2]
        .iter()
        .enumerate()
        .map(|(i, vm)| (TaskId(i as u64), snapshot(vm, "bulk-group")))
        .collect();
    f.commands
        .send(Command::ExecuteBulk {
            group: 7,
            steps,
            stop_at_failure: false,
            limit: None,
        })
        .unwrap();
    let mut ended = 0;
    while ended < 2 {
        let state = next_event(&mut f, |ev| match ev {
            Event::Task { state, .. } if state.is_terminal() => Some(state),
            _ => None,
        })
        .await;
        assert_eq!(state, TaskState::Succeeded);
        ended += 1;
    }
    execute(jb, vec![snapshot(&vms[2], "single")]).await;
    let records = journal::read(&path).unwrap();
    assert_eq!(records.len(), 3);
    let groups: Vec<Option<String>> = records.iter().map(|r| r.entry.group.clone()).collect();
    // Newest first: the single one, then the two members.
    assert_eq!(groups[0], None, "{groups:?}");
    let g = groups[1].clone().expect("a member's group");
    assert!(g.ends_with("-7"), "{g}");
    assert_eq!(groups[2].as_deref(), Some(g.as_str()));
    let _ = std::fs::remove_dir_all(dir);
}
