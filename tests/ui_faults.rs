//! The dashboard against the simulator while it misbehaves the way real servers and the
//! proxies in front of them do: the app, its fetcher and a backend talk to the simulator
//! over loopback HTTP, `POST /__sim/faults` breaks one read, and the test reads the screen.
//! One table per platform: every read a pane or a form uses, each under one of the faults
//! (an HTML 502, a body that is not what the platform sends, a truncated body, a lost
//! answer, a slow one), and what the operator must then see — the failure where they are
//! looking, and the data once the read is made again.

mod common;

use std::time::{Duration, Instant};

use common::{code, key, screen_text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use vmdeck::app::{App, Pane};
use vmdeck::config::Profile;
use vmdeck::fetcher::{self, Command, FetcherHandle};
use vmdeck::model::Platform;
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, SimConfig, SimServer};

const W: u16 = 150;
const H: u16 = 44;

/// The faults of `/__sim/faults`, each as a proxy or a broken server would send it.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// A proxy's HTML 502 page.
    Html502,
    /// A 200 whose body is not JSON the platform would send.
    Garbage,
    Truncate,
    LoseAnswer,
    /// The answer comes, 1.5 s late.
    Slow,
}

impl Fault {
    fn json(self) -> Value {
        match self {
            Fault::Html502 => json!({
                "kind": "status",
                "status": 502,
                "body": "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            }),
            Fault::Garbage => json!({"kind": "replace_body", "body": "{\"unexpected\": [1, 2"}),
            Fault::Truncate => json!({"kind": "truncate"}),
            Fault::LoseAnswer => json!({"kind": "lose_answer"}),
            Fault::Slow => json!({"kind": "latency", "ms": 1500}),
        }
    }

    /// What the screen says about it (a slow answer is not a failure).
    fn words(self) -> &'static str {
        match self {
            Fault::Html502 => "HTTP 502",
            Fault::Garbage | Fault::Truncate => "unexpected answer",
            Fault::LoseAnswer => "connection lost",
            Fault::Slow => "",
        }
    }
}

/// When the fault is switched on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum At {
    /// Before the first reads.
    Start,
    /// Once the VMs are listed, before one is chosen (its reads fail).
    Choose,
    /// Once a VM is chosen and its snapshots and backups are shown.
    Chosen,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Key(char),
    Code(KeyCode),
    Ctrl(char),
    /// Let time pass (reads that follow the screen on their own: the platform's tasks, a
    /// backup's chain) until this is on the screen.
    Ticks(&'static str),
    /// Let time pass until the app is in this state.
    Until(&'static str, fn(&App) -> bool),
}

/// The request path a fault is put on (the simulator matches it as a prefix).
#[derive(Clone, Copy, Debug)]
enum Path {
    Is(&'static str),
    /// This, then `/` and the id of the VM that is chosen.
    OfVm(&'static str),
}

impl Path {
    fn of(self, app: &App) -> String {
        match self {
            Path::Is(p) => p.to_string(),
            Path::OfVm(p) => {
                let vm = app.vms.selected().expect("a VM to choose");
                format!("{p}/{}", vm.id)
            }
        }
    }
}

struct Case {
    read: &'static str,
    path: Path,
    fault: Fault,
    at: At,
    /// Keys after the fault is on (and after the VM is chosen).
    steps: &'static [Step],
    /// On the screen, in this order; `{}` is the fault's words.
    expect: &'static [&'static str],
    /// The faults are cleared, these steps read again, and the failure leaves the screen
    /// for this.
    again: Option<(&'static [Step], &'static str, &'static str)>,
}

struct Live {
    app: App,
    fetcher: FetcherHandle,
    server: SimServer,
    http: reqwest::Client,
}

impl Live {
    async fn connect(platform: Platform) -> Live {
        let server = SimServer::start(
            "127.0.0.1:0".parse().unwrap(),
            SimConfig {
                time_scale: 100.0,
                ..Default::default()
            },
        )
        .await
        .expect("simulator starts");
        let mut profile = Profile::new(platform, server.base_url(), DEFAULT_USER);
        if platform == Platform::TopHc {
            profile.tenant = Some("system".into());
        }
        let backend = vmdeck::backend::connect(
            &profile,
            secrecy::SecretString::from(DEFAULT_PASSWORD.to_string()),
        )
        .await
        .expect("login to the simulator");
        let mut session = vmdeck::session::session_for("lab", &profile, &*backend);
        // Only what the test does re-reads the screen.
        session.refresh_every = None;
        let mut app = App::new(session);
        app.tz = jiff::tz::TimeZone::UTC;
        let fetcher = fetcher::spawn(backend, false);
        Live {
            app,
            fetcher,
            server,
            http: reqwest::Client::new(),
        }
    }

    fn send(&self, cmds: Vec<Command>) {
        for c in cmds {
            self.fetcher.commands.send(c).expect("the fetcher runs");
        }
    }

    async fn fault(&self, path: &str, fault: Fault) {
        let url = format!("{}/__sim/faults", self.server.base_url());
        let body = json!({"path": path, "fault": fault.json(), "times": null});
        let r = self.http.post(url).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }

    async fn clear_faults(&self) {
        let url = format!("{}/__sim/faults/clear", self.server.base_url());
        let r = self.http.post(url).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }

    fn press(&mut self, k: KeyEvent) {
        let cmds = self.app.handle_key(k);
        self.send(cmds);
    }

    /// Feeds the fetcher's answers to the app (and, with `ticks`, lets time pass) until
    /// `done` holds for the app and its screen; fails naming `what` after 20 s.
    async fn until(&mut self, what: &str, ticks: bool, done: impl Fn(&App, &str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if ticks {
                let cmds = self.app.tick(Instant::now(), jiff::Timestamp::now());
                self.send(cmds);
            }
            let screen = screen_text(&self.app, W, H);
            if done(&self.app, &screen) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited 20s for {what}; the screen:\n{screen}"
            );
            if let Ok(Some(ev)) =
                tokio::time::timeout(Duration::from_millis(50), self.fetcher.events.recv()).await
            {
                let cmds = self.app.on_event(ev);
                self.send(cmds);
            }
        }
    }

    async fn on_screen(&mut self, text: &str, ticks: bool) {
        self.until(&format!("{text:?} on the screen"), ticks, |_, s| {
            s.contains(text)
        })
        .await;
    }

    async fn run(&mut self, steps: &[Step]) {
        for step in steps {
            match *step {
                Step::Key(c) => self.press(key(c)),
                Step::Code(k) => self.press(code(k)),
                Step::Ctrl(c) => self.press(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
                Step::Ticks(text) => self.on_screen(text, true).await,
                Step::Until(what, done) => self.until(what, true, |app, _| done(app)).await,
            }
        }
    }

    /// The first reads are in: clusters, and VMs to choose from.
    async fn listed(&mut self) {
        self.until("the VMs", false, |app, _| {
            !app.clusters.loading && !app.vms.loading && !app.vms.list.items.is_empty()
        })
        .await;
    }

    /// Enter on the first VM.
    fn choose(&mut self) {
        self.app.focus = Pane::Vms;
        self.press(code(KeyCode::Enter));
    }

    /// The chosen VM's own reads are in.
    async fn shown(&mut self) {
        self.until(
            "the VM's snapshots, backups and details",
            false,
            |app, _| {
                app.snapshots.tree.is_some()
                    && app.backups.page.is_some()
                    && app.vms.detail.is_some()
                    && !app.backups.points_loading
            },
        )
        .await;
    }
}

async fn check(platform: Platform, cases: &[Case]) {
    for case in cases {
        let what = format!("{platform} {} under {:?}", case.read, case.fault);
        eprintln!("— {what}");
        let mut live = Live::connect(platform).await;
        let words = case.fault.words();
        if case.at == At::Start {
            live.fault(&case.path.of(&live.app), case.fault).await;
        }
        let cmds = live.app.start();
        live.send(cmds);
        if case.at != At::Start {
            live.listed().await;
            if live.app.caps().platform_tasks {
                // The platform's recent work is read once before anything breaks (before
                // a VM is chosen, so a backup's chain is not read yet).
                live.on_screen("on the platform", true).await;
            }
            if case.at == At::Chosen {
                live.choose();
                live.shown().await;
            }
            live.fault(&case.path.of(&live.app), case.fault).await;
            if case.at == At::Choose {
                live.choose();
            }
        }
        live.run(case.steps).await;
        let ticks = case.steps.iter().any(|s| matches!(s, Step::Ticks(_)));
        for text in case.expect {
            let text = text.replace("{}", words);
            live.until(&format!("{what}: {text:?}"), ticks, |_, s| {
                s.contains(&text)
            })
            .await;
        }
        if let Some((steps, gone, then)) = case.again {
            live.clear_faults().await;
            live.run(steps).await;
            let ticks = ticks || steps.iter().any(|s| matches!(s, Step::Ticks(_)));
            live.until(
                &format!("{what}, read again: {gone:?} gone and {then:?} shown"),
                ticks,
                |_, s| !s.contains(gone) && s.contains(then),
            )
            .await;
        }
    }
}

use Fault::*;
use Step::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zstack_reads_under_faults() {
    let cases = [
        Case {
            read: "clusters",
            path: Path::Is("/zstack/v1/clusters"),
            fault: Html502,
            at: At::Start,
            steps: &[],
            expect: &["HTTP 502 from"],
            again: Some((&[Key('r')], "HTTP 502 from", "● Cluster-1")),
        },
        Case {
            read: "VMs",
            path: Path::Is("/zstack/v1/vm-instances"),
            fault: Truncate,
            at: At::Start,
            steps: &[],
            expect: &["✗ {} from /zstack/v1/vm-instances"],
            again: None,
        },
        Case {
            read: "the VM for the snapshot form",
            path: Path::OfVm("/zstack/v1/vm-instances"),
            fault: Truncate,
            at: At::Choose,
            steps: &[Key('c'), Code(KeyCode::Enter)],
            expect: &[
                "✗ cannot read the VM's volumes: {}",
                "✗ waiting for the VM's volumes, which could not be read",
            ],
            again: Some((
                &[Ctrl('r')],
                "cannot read the VM's volumes",
                "volume) ▸  1/",
            )),
        },
        Case {
            read: "snapshots",
            path: Path::Is("/zstack/v1/volumes"),
            fault: LoseAnswer,
            at: At::Choose,
            steps: &[],
            expect: &["✗ {} during /zstack/v1/volumes"],
            again: Some((&[Key('r')], "connection lost", "◆ now")),
        },
        Case {
            read: "snapshots",
            path: Path::Is("/zstack/v1/volume-snapshots"),
            fault: Slow,
            at: At::Choose,
            steps: &[],
            expect: &["Loading snapshots…", "◆ now"],
            again: None,
        },
        Case {
            read: "backups",
            path: Path::Is("/zstack/v1/volume-backups"),
            fault: Html502,
            at: At::Choose,
            steps: &[],
            expect: &["✗ {} from /zstack/v1/volume-backups"],
            again: None,
        },
        Case {
            read: "backup storages for the backup form",
            path: Path::Is("/zstack/v1/backup-storage"),
            fault: Garbage,
            at: At::Choose,
            steps: &[Code(KeyCode::Tab), Key('c')],
            expect: &["✗ cannot read the backup storages: {}"],
            again: Some((
                &[Ctrl('r')],
                "cannot read the backup storages",
                "Backup storage",
            )),
        },
        Case {
            read: "the platform's tasks",
            path: Path::Is("/zstack/v1/longjobs"),
            fault: Truncate,
            at: At::Chosen,
            steps: &[Ticks("✗ cannot read the platform's tasks")],
            expect: &[
                "✗ cannot read the platform's tasks: {} from /zstack/v1/longjobs",
                "on the platform (stale)",
            ],
            again: Some((&[Ticks("on the platform")], "(stale)", "on the platform")),
        },
    ];
    check(Platform::ZStack, &cases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudtower_reads_under_faults() {
    let cases = [
        Case {
            read: "clusters",
            path: Path::Is("/v2/api/get-clusters"),
            fault: LoseAnswer,
            at: At::Start,
            steps: &[],
            expect: &["{} dur"],
            again: Some((&[Key('r')], "connection lost", "● SMTX-")),
        },
        Case {
            read: "VMs",
            path: Path::Is("/v2/api/get-vms"),
            fault: Garbage,
            at: At::Start,
            steps: &[],
            expect: &["✗ {} from /v2/api/get-vms"],
            again: Some((&[Key('r')], "✗ unexpected answer", "running")),
        },
        Case {
            read: "the VM's disks",
            path: Path::Is("/v2/api/get-vm-disks"),
            fault: Html502,
            at: At::Choose,
            steps: &[Code(KeyCode::Esc)],
            expect: &["✗ cannot read the VM's"],
            again: Some((&[Key('r')], "✗ cannot read the VM's", "Disks")),
        },
        Case {
            read: "snapshots",
            path: Path::Is("/v2/api/get-vm-snapshots"),
            fault: Truncate,
            at: At::Choose,
            steps: &[],
            expect: &["✗ {} from", "/v2/api/get-vm-snapshots: "],
            again: Some((&[Key('r')], "✗ unexpected answer", "◆ now")),
        },
        Case {
            read: "snapshots",
            path: Path::Is("/v2/api/get-vm-snapshots"),
            fault: Slow,
            at: At::Choose,
            steps: &[],
            expect: &["Loading snapshots…", "◆ now"],
            again: None,
        },
        Case {
            read: "restore points",
            path: Path::Is("/v2/api/get-backup-restore-points"),
            fault: Html502,
            at: At::Choose,
            steps: &[],
            expect: &["✗ {} from /v2/api/get-backup-restore-points"],
            again: Some((&[Key('r')], "✗ HTTP 502", "page 1/")),
        },
        Case {
            read: "a restore point's chain",
            path: Path::Is("/v2/api/get-backup-restore-points"),
            fault: Garbage,
            at: At::Chosen,
            steps: &[Code(KeyCode::Tab), Ticks("Chain")],
            expect: &["  ✗ {} from"],
            again: Some((
                &[
                    Key('r'),
                    Until("the chain", |app| {
                        app.backups
                            .chain
                            .as_ref()
                            .is_some_and(|c| !c.loading && !c.items.is_empty())
                    }),
                ],
                "  ✗ unexpected answer",
                "Chain",
            )),
        },
        Case {
            read: "backup plans",
            path: Path::Is("/v2/api/get-backup-plans"),
            fault: LoseAnswer,
            at: At::Chosen,
            steps: &[Code(KeyCode::Tab), Key('p')],
            expect: &["✗ {} during /v2/api/get-backup-plans", "nothing read"],
            again: Some((&[Key('r')], "nothing read", "plan(s)")),
        },
        Case {
            read: "where a restored VM can go",
            path: Path::Is("/v2/api/get-hosts"),
            fault: Html502,
            at: At::Chosen,
            steps: &[Code(KeyCode::Tab), Key('R'), Code(KeyCode::Enter)],
            expect: &["✗ cannot read where the VM can go: {}"],
            again: Some((
                &[Code(KeyCode::Tab), Key('r')],
                "cannot read where the VM can go",
                " · node-",
            )),
        },
        Case {
            read: "the platform's tasks",
            path: Path::Is("/v2/api/get-tasks"),
            fault: Html502,
            at: At::Chosen,
            steps: &[Ticks("✗ cannot read the platform's tasks")],
            expect: &[
                "✗ cannot read the platform's tasks: {} from /v2/api/get-tasks",
                "on the platform (stale)",
            ],
            again: Some((&[Ticks("on the platform")], "(stale)", "on the platform")),
        },
    ];
    check(Platform::CloudTower, &cases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tophc_reads_under_faults() {
    let cases = [
        Case {
            read: "clusters",
            path: Path::Is("/v1/user/cluster/allow/list"),
            fault: Truncate,
            at: At::Start,
            steps: &[],
            expect: &["{} f"],
            again: Some((&[Key('r')], "unexpected answer", "● dr-site-02")),
        },
        Case {
            read: "VMs",
            path: Path::Is("/v1/compute/list"),
            fault: Html502,
            at: At::Start,
            steps: &[],
            expect: &["{} from /v1/compute/list"],
            again: Some((&[Key('r')], "HTTP 502", "running")),
        },
        Case {
            read: "the VM's configuration",
            path: Path::Is("/v1/compute/inspect"),
            fault: LoseAnswer,
            at: At::Choose,
            steps: &[Code(KeyCode::Esc)],
            expect: &["✗ cannot read the VM's"],
            again: Some((&[Key('r')], "✗ cannot read the VM's", "Disks")),
        },
        Case {
            read: "the snapshot tree",
            path: Path::Is("/v1/compute/vsd/snapshot/tree"),
            fault: Garbage,
            at: At::Choose,
            steps: &[],
            expect: &["✗ {} from"],
            again: Some((&[Key('r')], "✗ unexpected answer", "◆ now")),
        },
        Case {
            read: "backups",
            path: Path::Is("/v1/compute/backup/list"),
            fault: Truncate,
            at: At::Choose,
            steps: &[],
            expect: &["✗ {} from /v1/compute/backup/list"],
            again: Some((&[Key('r')], "✗ unexpected answer", "page 1/")),
        },
        Case {
            read: "backups",
            path: Path::Is("/v1/compute/backup/list"),
            fault: Slow,
            at: At::Choose,
            steps: &[],
            expect: &["Loading backups…", "page 1/"],
            again: None,
        },
        Case {
            read: "backup points for the backup form",
            path: Path::Is("/v1/volume/internal/backuppoint/list"),
            fault: Html502,
            at: At::Choose,
            steps: &[Code(KeyCode::Tab), Key('c')],
            expect: &["✗ cannot read the backup points: {}"],
            again: Some((&[Ctrl('r')], "cannot read the backup points", "(nfs) ▸  1/")),
        },
        Case {
            read: "remote backups",
            path: Path::Is("/v1/compute/backup/remote/list"),
            fault: Garbage,
            at: At::Chosen,
            steps: &[
                Code(KeyCode::Tab),
                Key('i'),
                Until("the backup points", |app| !app.backups.points_loading),
                Code(KeyCode::Enter),
            ],
            expect: &["✗ {} from /v1/compute/backup/remote/list", "nothing read"],
            again: Some((&[Key('r')], "nothing read", "page 1/")),
        },
        Case {
            read: "where a restored VM can go",
            path: Path::Is("/v1/zone/list"),
            fault: LoseAnswer,
            at: At::Chosen,
            steps: &[Code(KeyCode::Tab), Key('R')],
            expect: &["✗ cannot read where the VM can go: {}"],
            again: Some((
                &[Code(KeyCode::Tab), Key('r')],
                "cannot read where the VM can go",
                "◂ ycb1 / default ▸",
            )),
        },
    ];
    check(Platform::TopHc, &cases).await;
}
