//! Fixtures shared by the UI tests: a deterministic app built through its public API, the
//! way the event loop builds it (keys and fetcher events), with fixed clocks.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use vmdeck::app::{App, Pane, Session};
use vmdeck::fetcher::{Command, Event};
use vmdeck::model::*;

pub fn tophc_caps() -> Capabilities {
    vmdeck::backend::tophc::capabilities()
}

pub fn session() -> Session {
    Session {
        profile: "lab".into(),
        platform: Platform::TopHc,
        endpoint: "https://10.30.33.25:8080".into(),
        user: "admin".into(),
        read_only: false,
        caps: tophc_caps(),
        backup_page_size: 10,
        refresh_every: Some(std::time::Duration::from_secs(30)),
    }
}

pub fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

/// 2024-03-01 08:00 UTC
pub const T0: i64 = 1_709_280_000;

pub fn cluster(id: &str, name: &str) -> Cluster {
    Cluster {
        id: id.into(),
        name: name.into(),
        state: ClusterState::Healthy,
        details: vec![],
    }
}

pub fn vm(i: usize, name: &str, power: VmPower) -> Vm {
    Vm {
        id: format!("vm-{i:04}"),
        name: name.into(),
        cluster: Named::new("c1", "host3222-cvm3322"),
        tenant: Some(Named::new("t1", "ops")),
        power,
        action: None,
        agent: AgentState::Connected,
        ip: format!("10.30.12.{}", 10 + i % 200),
        zone: Some(Named::new("z1", "default")),
        group: Some(Named::new("g1", "生产")),
        os: "CentOS x64".into(),
        vcpu: Some(4),
        memory_bytes: Some(8 << 30),
        created: Some(ts(T0)),
        details: vec![Detail::new("Type", "GUS")],
    }
}

pub fn snap(name: &str, t: i64, desc: &str) -> Snapshot {
    Snapshot {
        description: desc.into(),
        created: Some(ts(t)),
        disks: vec![
            SnapshotDisk {
                device: "sda".into(),
                volume_id: "vol-a".into(),
                snapshot_id: format!("{name}-sda"),
            },
            SnapshotDisk {
                device: "sdb".into(),
                volume_id: "vol-b".into(),
                snapshot_id: format!("{name}-sdb"),
            },
        ],
        ..Snapshot::named(name)
    }
}

/// origin → base-install → (pre-upgrade → now, 试验分支 → experiment-2)
pub fn demo_tree() -> SnapshotTree {
    let e = |c: &str, p: Option<&str>| (c.to_string(), p.map(str::to_string));
    SnapshotTree::build(TreeInput {
        snapshots: vec![
            snap("origin", T0, "clean install"),
            snap("base-install", T0 + 3600, "packages and users"),
            snap("pre-upgrade", T0 + 86_400, "before kernel 5.14"),
            Snapshot {
                memory: Some(true),
                ..snap("试验分支", T0 + 90_000, "memory snapshot")
            },
            snap("experiment-2", T0 + 95_000, ""),
        ],
        parent_of: vec![
            e("origin", None),
            e("base-install", Some("origin")),
            e("pre-upgrade", Some("base-install")),
            e("试验分支", Some("base-install")),
            e("experiment-2", Some("试验分支")),
        ],
        children_of: vec![],
        now: Some(Some("pre-upgrade".into())),
        now_label: "now".into(),
    })
}

pub fn backup(i: usize, status: BackupStatus) -> Backup {
    Backup {
        id: format!("bk-{i:05}"),
        name: format!("web-01-nightly-{i:03}"),
        description: "CDP策略自动生成备份".into(),
        category: BackupCategory::Vm,
        vm: Named::new("vm-0001", "web-01"),
        volume: None,
        root_volume: false,
        cluster: Named::new("c1", "host3222-cvm3322"),
        tenant: None,
        point: Some(Named::new("bp1", "nfs_type_1")),
        created: Some(ts(T0 + i as i64 * 86_400)),
        status,
        kind: Some(if i.is_multiple_of(7) {
            BackupKind::Full
        } else {
            BackupKind::Incremental
        }),
        disks: vec![
            BackupDisk {
                device: "sda".into(),
                id: format!("d{i}a"),
                capacity: Some(20 << 30),
                details: vec![],
            },
            BackupDisk {
                device: "sdb".into(),
                id: format!("d{i}b"),
                capacity: Some(100 << 30),
                details: vec![],
            },
        ],
        details: vec![],
        locations: Vec::new(),
        parent: None,
    }
}

/// The sequence number of the first command `pick` accepts.
pub fn seq_of(cmds: &[Command], pick: impl Fn(&Command) -> Option<u64>) -> u64 {
    cmds.iter().find_map(pick).expect("command not issued")
}

/// `app` drawn on a `w`×`h` TestBackend, in the dark theme.
pub fn render(app: &App, w: u16, h: u16) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| vmdeck::ui::draw(f, app, &vmdeck::theme::Theme::dark()))
        .unwrap();
    t
}

/// The text on a rendered screen, one line per row, wide characters as they read.
pub fn screen_text(app: &App, w: u16, h: u16) -> String {
    let t = render(app, w, h);
    let buf = t.backend().buffer();
    let mut rows = Vec::new();
    for y in 0..h {
        let (mut row, mut x) = (String::new(), 0);
        while x < w {
            let s = buf[(x, y)].symbol();
            row.push_str(s);
            // A wide character covers the next cell too.
            x += unicode_width::UnicodeWidthStr::width(s).max(1) as u16;
        }
        rows.push(row);
    }
    rows.join("\n")
}

pub fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    )
}

pub fn code(k: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(k, crossterm::event::KeyModifiers::NONE)
}

/// The main screen with a failed cluster, `vms` VMs, the second VM chosen, its tree and a
/// page of backups, and a few tasks in every state.
pub fn main_app(vms: usize) -> App {
    let mut app = App::new(session());
    app.tz = jiff::tz::TimeZone::UTC;
    app.wall = ts(T0 + 100_000);
    let start = Instant::now();
    app.now = start;
    let cmds = app.start();
    let cseq = seq_of(&cmds, |c| match c {
        Command::LoadClusters { seq } => Some(*seq),
        _ => None,
    });
    let vseq = seq_of(&cmds, |c| match c {
        Command::LoadVms { seq, .. } => Some(*seq),
        _ => None,
    });
    let mut failing = cluster("c4", "edge-cluster-04");
    failing.state = ClusterState::Failed("unreachable".into());
    app.on_event(Event::Clusters {
        seq: cseq,
        result: Ok(Listing::complete(vec![
            cluster("c1", "host3222-cvm3322"),
            cluster("c2", "生产集群-A"),
            cluster("c3", "dr-site-02"),
            failing,
        ])),
    });
    let names = [
        "web-01",
        "财务系统-db01",
        "数据库主节点",
        "cache-02",
        "build-agent-7",
    ];
    let items: Vec<Vm> = (0..vms)
        .map(|i| {
            let name = if i < names.len() {
                names[i].to_string()
            } else {
                format!("vm-{i:05}")
            };
            let power = match i % 4 {
                0 | 1 => VmPower::Running,
                2 => VmPower::Stopped,
                _ => VmPower::Paused,
            };
            let mut v = vm(i, &name, power);
            if i == 3 {
                v.action = Some("backing_up".into());
            }
            v
        })
        .collect();
    app.on_event(Event::Vms {
        seq: vseq,
        result: Ok(Listing {
            value: Page {
                total: items.len() as u64,
                items,
                request: PageRequest::first(500),
            },
            failures: vec![ClusterFailure {
                cluster_id: "c4".into(),
                cluster_name: "edge-cluster-04".into(),
                message:
                    "TopHC error 10000: Manager server error: dial tcp 10.30.40.5:9000: i/o timeout"
                        .into(),
            }],
        }),
        done: true,
    });
    app.focus = Pane::Vms;
    app.handle_key(code(crossterm::event::KeyCode::Down));
    let cmds = app.handle_key(code(crossterm::event::KeyCode::Enter));
    let _ = cmds;
    add_tasks(&mut app, start);
    let sseq = app.snapshots.seq;
    let bseq = app.backups.seq;
    app.on_event(Event::Snapshots {
        seq: sseq,
        result: Ok(demo_tree()),
    });
    app.on_event(Event::Backups {
        seq: bseq,
        result: Ok(Listing::complete(Page {
            items: (0..10)
                .map(|i| {
                    backup(
                        20 + i,
                        match i {
                            1 => BackupStatus::InProgress,
                            4 => BackupStatus::Failed,
                            _ => BackupStatus::Done,
                        },
                    )
                })
                .collect(),
            total: 117,
            request: PageRequest { index: 2, size: 10 },
        })),
    });
    app.now = start + Duration::from_secs(75);
    app.status = None;
    app
}

/// Tasks in each state, started at `start`.
fn add_tasks(app: &mut App, start: Instant) {
    let v = app.vms.list.items[1].to_ref();
    let ops = [
        vmdeck::operation::Operation::CreateSnapshot {
            vm: v.clone(),
            name: "before-upgrade".into(),
            description: String::new(),
            memory: false,
            consistent: false,
            volume: None,
        },
        vmdeck::operation::Operation::CreateBackup {
            vm: v.clone(),
            point: Named::new("bp1", "nfs_type_1"),
            name: "manual-1".into(),
            description: String::new(),
            full: true,
            volume: None,
        },
        vmdeck::operation::Operation::DeleteSnapshot {
            vm: v.clone(),
            snapshot: SnapshotRef {
                id: "old".into(),
                name: "old".into(),
                volume: None,
            },
            descendants: 0,
        },
    ];
    let mut ids = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        ids.push(app.tasks.add(op, start + Duration::from_secs(i as u64)));
    }
    app.on_event(Event::Task {
        id: ids[0],
        state: TaskState::Succeeded,
    });
    app.on_event(Event::Task {
        id: ids[1],
        state: TaskState::Running {
            progress: Some(0.42),
        },
    });
    app.now = start + Duration::from_secs(12);
    app.on_event(Event::Task {
        id: ids[2],
        state: TaskState::Failed {
            message: "TopHC error 22301: snapshot has more than one child".into(),
        },
    });
}

/// A tree that branches at every level, as the simulator's are: `snap-0000` → … →
/// `snap-{n-1}`, where each but the last also has a leaf `side-NNNN`; the VM is on the
/// deepest. Ids are `{prefix}{name}`.
pub fn deep_tree_input(n: usize, prefix: &str, volume: Option<Named>) -> TreeInput {
    let id = |name: &str| format!("{prefix}{name}");
    let mut snapshots = Vec::with_capacity(2 * n);
    let mut parent_of = Vec::with_capacity(2 * n);
    for i in 0..n {
        let name = format!("snap-{i:04}");
        let parent = (i > 0).then(|| id(&format!("snap-{:04}", i - 1)));
        snapshots.push(Snapshot {
            id: id(&name),
            created: Some(ts(T0 + i as i64 * 60)),
            description: if i % 2 == 0 {
                "升级前快照".into()
            } else {
                String::new()
            },
            volume: volume.clone(),
            ..Snapshot::named(name.clone())
        });
        parent_of.push((id(&name), parent.clone()));
        if i + 1 < n {
            let side = format!("side-{i:04}");
            snapshots.push(Snapshot {
                id: id(&side),
                created: Some(ts(T0 + i as i64 * 60 + 30)),
                volume: volume.clone(),
                ..Snapshot::named(side.clone())
            });
            parent_of.push((id(&side), Some(id(&name))));
        }
    }
    TreeInput {
        snapshots,
        parent_of,
        children_of: vec![],
        now: Some(Some(id(&format!("snap-{:04}", n - 1)))),
        now_label: "now".into(),
    }
}

/// The rows of the pane whose title starts with `title`: each row's cells between its
/// left and right borders, with whether both borders are intact (nothing drawn over them).
pub fn pane_rows(buffer: &ratatui::buffer::Buffer, title: &str) -> Vec<(String, bool)> {
    let w = buffer.area.width;
    let h = buffer.area.height;
    let row = |y: u16| -> Vec<&str> { (0..w).map(|x| buffer[(x, y)].symbol()).collect() };
    for y in 0..h {
        let cells = row(y);
        let line: String = cells.concat();
        let Some(at) = line
            .find(&format!("┏ {title}"))
            .or(line.find(&format!("╭ {title}")))
        else {
            continue;
        };
        let left = line[..at].chars().count() as u16;
        let right = (left + 1..w)
            .find(|&x| matches!(buffer[(x, y)].symbol(), "┓" | "╮"))
            .unwrap_or(w - 1);
        let mut out = Vec::new();
        for y in y + 1..h {
            let l = buffer[(left, y)].symbol();
            if matches!(l, "┗" | "╰") {
                break;
            }
            let r = buffer[(right, y)].symbol();
            let text: String = (left + 1..right).map(|x| buffer[(x, y)].symbol()).collect();
            // A double-width symbol in the last inner column is drawn over the border by the
            // terminal, though the buffer still holds the border's cell.
            let spills = unicode_width::UnicodeWidthStr::width(buffer[(right - 1, y)].symbol()) > 1;
            out.push((
                text,
                matches!(l, "┃" | "│") && matches!(r, "┃" | "│") && !spills,
            ));
        }
        return out;
    }
    panic!("no pane titled {title}");
}
