//! What the CloudTower and ZStack views look like, as insta snapshots of a ratatui
//! TestBackend: the same panes, shaped by each platform's capabilities (a flat snapshot
//! list, per-volume trees, restore points with plans and chains, backup kinds, work others
//! started).

mod common;

use std::time::Duration;

use common::*;
use crossterm::event::KeyCode;
use vmdeck::app::{App, Pane, Session};
use vmdeck::backend::{cloudtower, zstack};
use vmdeck::fetcher::{Command, Event};
use vmdeck::model::*;

fn session_for(platform: Platform, caps: Capabilities) -> Session {
    Session {
        profile: format!("lab-{}", platform.id()),
        platform,
        caps,
        ..session()
    }
}

/// Clusters, a few VMs, the first one chosen; time fixed.
fn app_on(session: Session, clusters: Vec<Cluster>, vms: Vec<Vm>) -> App {
    let mut app = App::new(session);
    app.tz = jiff::tz::TimeZone::UTC;
    app.wall = ts(T0 + 100_000);
    let start = std::time::Instant::now();
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
    app.on_event(Event::Clusters {
        seq: cseq,
        result: Ok(Listing::complete(clusters)),
    });
    let n = vms.len() as u64;
    app.on_event(Event::Vms {
        seq: vseq,
        result: Ok(Listing::complete(Page {
            items: vms,
            total: n,
            request: PageRequest::first(500),
        })),
        done: true,
    });
    app.focus = Pane::Vms;
    app.handle_key(code(KeyCode::Enter));
    app.status = None;
    app
}

fn tower_vm(i: usize, name: &str, power: VmPower, agent: AgentState) -> Vm {
    Vm {
        id: format!("ckvm{i:021}"),
        cluster: Named::new("ckcl000000000000000000001", "SMTX-生产集群"),
        tenant: None,
        agent,
        zone: None,
        group: None,
        ..vm(i, name, power)
    }
}

fn tower_snapshot(name: &str, t: i64, consistent: bool) -> Snapshot {
    Snapshot {
        id: format!("cksnap-{name}"),
        created: Some(ts(t)),
        size: Some(12 << 30),
        details: vec![
            Detail::new(
                "Consistency",
                if consistent {
                    "file-system-consistent"
                } else {
                    "crash-consistent"
                },
            ),
            Detail::new("Disk vda", "LUN snapshot vmsnap-vda-1 (local id 8d1f…)"),
        ],
        ..Snapshot::named(name)
    }
}

fn restore_point(id: &str, parent: Option<&str>, kind: BackupKind, day: i64) -> Backup {
    Backup {
        id: id.into(),
        name: format!("crm-app-01 2024-03-{:02} 00:31:11", day + 1),
        description: String::new(),
        category: BackupCategory::Vm,
        vm: Named::new("ckvm000000000000000000001", "crm-app-01"),
        volume: None,
        root_volume: false,
        cluster: Named::new("ckcl000000000000000000001", "SMTX-生产集群"),
        tenant: None,
        point: Some(Named::new("ckplan1", "核心数据库-每日备份")),
        locations: vec![],
        parent: parent.map(str::to_string),
        created: Some(ts(T0 + day * 86_400)),
        status: BackupStatus::Done,
        kind: Some(kind),
        disks: vec![BackupDisk {
            device: "all disks".into(),
            id: id.into(),
            capacity: Some(if kind == BackupKind::Full {
                88 << 30
            } else {
                3 << 30
            }),
            details: vec![],
        }],
        details: vec![Detail::new("Consistency", "crash-consistent")],
    }
}

fn cloudtower_app() -> App {
    let clusters = vec![
        Cluster {
            id: "ckcl000000000000000000001".into(),
            ..cluster("", "SMTX-生产集群")
        },
        Cluster {
            state: ClusterState::Failed(
                "CloudTower is disconnected from this cluster: load cluster network error".into(),
            ),
            ..cluster("ckcl000000000000000000004", "edge-branch-04")
        },
    ];
    let vms = vec![
        tower_vm(1, "crm-app-01", VmPower::Running, AgentState::Connected),
        tower_vm(2, "ad-域控-01", VmPower::Running, AgentState::NotInstalled),
        tower_vm(3, "gitlab", VmPower::Stopped, AgentState::Disconnected),
    ];
    let mut app = app_on(
        session_for(Platform::CloudTower, cloudtower::capabilities()),
        clusters,
        vms,
    );
    let sseq = app.snapshots.seq;
    app.on_event(Event::Snapshots {
        seq: sseq,
        result: Ok(SnapshotTree::flat(
            vec![
                tower_snapshot("初始化", T0, false),
                tower_snapshot("before-upgrade", T0 + 86_400, true),
                tower_snapshot("weekly", T0 + 2 * 86_400, true),
            ],
            Some("now".into()),
        )),
    });
    let bseq = app.backups.seq;
    app.on_event(Event::Backups {
        seq: bseq,
        result: Ok(Listing::complete(Page {
            items: vec![
                restore_point("rp3", Some("rp2"), BackupKind::Incremental, 3),
                restore_point("rp2", Some("rp1"), BackupKind::Incremental, 2),
                restore_point("rp1", None, BackupKind::Full, 1),
            ],
            total: 3,
            request: PageRequest::first(10),
        })),
    });
    // One of ours, and work others started.
    let vm = app.vms.chosen.clone().unwrap();
    let id = app.tasks.add(
        vmdeck::operation::Operation::CreateSnapshot {
            vm,
            name: "before-patch".into(),
            description: String::new(),
            memory: false,
            consistent: true,
            volume: None,
        },
        app.now,
    );
    app.on_event(Event::Task {
        id,
        state: TaskState::Running {
            progress: Some(0.6),
        },
    });
    let other = |id: &str, title: &str, target: &str, user: &str, state: TaskState| PlatformTask {
        id: id.into(),
        title: title.into(),
        target: target.into(),
        user: user.into(),
        state,
        started: Some(ts(T0 + 100_000 - 90)),
        finished: None,
        details: vec![Detail::new("Cluster", "SMTX-生产集群")],
        cancel: None,
    };
    let (now, wall) = (app.now, app.wall);
    app.tasks.set_platform_tasks(
        vec![
            other(
                "t1",
                "Migrate VM 邮件服务器",
                "vm 邮件服务器",
                "李娜",
                TaskState::Running {
                    progress: Some(0.3),
                },
            ),
            other(
                "t2",
                "Edit VM k8s-worker-02",
                "vm k8s-worker-02",
                "张伟",
                TaskState::Failed {
                    message: "The target host does not have enough free memory".into(),
                },
            ),
        ],
        now,
        wall,
    );
    app.now = now + Duration::from_secs(20);
    app
}

#[test]
fn cloudtower_main_screen() {
    let app = cloudtower_app();
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

/// A VM without VMTools cannot be shut down gracefully on CloudTower: the stop form
/// chooses power off and says why.
#[test]
fn cloudtower_stop_without_vmtools_chooses_power_off() {
    let mut app = cloudtower_app();
    app.focus = Pane::Vms;
    app.handle_key(key('j'));
    app.handle_key(key('S'));
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

fn screen_text(t: &ratatui::Terminal<ratatui::backend::TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A paused task is no running one: no spinner, its elapsed time stopped where it paused
/// (also across new listings, when the platform does not say since when), "paused" as its
/// outcome, and Details says `State: paused`.
#[test]
fn a_paused_task_shows_paused_with_its_clock_stopped() {
    let mut app = cloudtower_app();
    let (now, wall) = (app.now, app.wall);
    let paused = PlatformTask {
        id: "t9".into(),
        title: "Export VM gitlab".into(),
        target: "vm gitlab".into(),
        user: "王芳".into(),
        state: TaskState::Paused {
            progress: Some(0.35),
        },
        started: Some(ts(T0 + 100_000 - 300)),
        finished: None,
        details: vec![Detail::new("Status", "paused")],
        cancel: None,
    };
    app.tasks
        .set_platform_tasks(vec![paused.clone()], now, wall);
    // A minute later, the next listing: still paused, still 5 minutes in.
    let later = now + Duration::from_secs(60);
    app.tasks
        .set_platform_tasks(vec![paused], later, ts(T0 + 100_000 + 60));
    app.now = later + Duration::from_secs(60);
    app.focus = Pane::Tasks;
    app.tasks.list.select_key("platform:t9");
    let screen = render(&app, 150, 44);
    let text = screen_text(&screen);
    let row = text
        .lines()
        .find(|l| l.contains("vm gitlab · by 王"))
        .expect("the paused task's row");
    assert!(
        row.contains("‖") && row.contains("5m00s") && row.contains("paused"),
        "{row}"
    );
    assert!(!row.contains("working"), "{row}");
    assert!(
        text.contains("State: paused") || text.contains("State  paused"),
        "{text}"
    );
    insta::assert_snapshot!(screen.backend());
}

/// A canceled task reads as canceled (⊘), neither failed nor done.
#[test]
fn a_canceled_task_reads_canceled() {
    let mut app = cloudtower_app();
    let (now, wall) = (app.now, app.wall);
    let canceled = PlatformTask {
        id: "lj1".into(),
        title: "migrate-before-maintenance".into(),
        target: "堡垒机-01".into(),
        user: String::new(),
        state: TaskState::Canceled,
        started: Some(ts(T0 + 100_000 - 300)),
        finished: Some(ts(T0 + 100_000 - 60)),
        details: vec![],
        cancel: None,
    };
    app.tasks.set_platform_tasks(vec![canceled], now, wall);
    app.focus = Pane::Tasks;
    let text = screen_text(&render(&app, 150, 44));
    let row = text
        .lines()
        .find(|l| l.contains("migrate-before"))
        .expect("the canceled task's row");
    assert!(row.contains('⊘') && row.contains("canceled"), "{row}");
    assert!(!row.contains('✗') && !row.contains("succeeded"), "{row}");
}

#[test]
fn cloudtower_backup_chain_in_details() {
    let mut app = cloudtower_app();
    app.focus = Pane::Backups;
    let cmds = app.tick(app.now, app.wall);
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupChain { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::BackupChain {
        seq,
        result: Ok(vec![
            restore_point("rp1", None, BackupKind::Full, 1),
            restore_point("rp2", Some("rp1"), BackupKind::Incremental, 2),
            restore_point("rp3", Some("rp2"), BackupKind::Incremental, 3),
            restore_point("rp4", Some("rp3"), BackupKind::Incremental, 4),
        ]),
    });
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

/// A 30-point chain is one column in Details at 80×24: every incremental sits under the
/// full one at the same indent (it used to step right once per point, off the pane).
#[test]
fn cloudtower_30_point_chain_in_details_80x24() {
    let mut app = cloudtower_app();
    app.focus = Pane::Backups;
    let cmds = app.tick(app.now, app.wall);
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupChain { seq, .. } => Some(*seq),
        _ => None,
    });
    let ids: Vec<String> = (1..=30).map(|i| format!("rp{i}")).collect();
    let chain = (0..30)
        .map(|i| {
            let (parent, kind) = match i {
                0 => (None, BackupKind::Full),
                _ => (Some(ids[i - 1].as_str()), BackupKind::Incremental),
            };
            restore_point(&ids[i], parent, kind, i as i64)
        })
        .collect();
    app.on_event(Event::BackupChain {
        seq,
        result: Ok(chain),
    });
    // Details is not zoomable yet: the Details block alone, drawn at 80×24.
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    t.draw(|f| vmdeck::ui::details::draw(f, f.area(), &app, &vmdeck::theme::Theme::dark()))
        .unwrap();
    let buf = t.backend().buffer();
    let rows: Vec<String> = (0..24)
        .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    let at = rows
        .iter()
        .position(|r| r.contains("Chain"))
        .expect("a Chain section");
    let points: Vec<&String> = rows[at + 1..]
        .iter()
        .filter(|r| r.contains("incr "))
        .collect();
    assert!(points.len() >= 5, "{rows:#?}");
    // One column: every incremental starts where the first one does.
    let col = |r: &str| r.chars().position(|c| c == 'i').unwrap();
    assert!(points.iter().all(|r| col(r) == col(points[0])), "{rows:#?}");
    assert!(rows[at + 1].contains("full "), "{rows:#?}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn cloudtower_plans_dialog() {
    let mut app = cloudtower_app();
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('p'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPlans { seq, .. } => Some(*seq),
        _ => None,
    });
    let plan = |id: &str, name: &str, status: &str, last: &str, vms: usize| BackupPlan {
        id: id.into(),
        name: name.into(),
        cluster: Named::new("ckcl000000000000000000001", "SMTX-生产集群"),
        status: status.into(),
        last_result: last.into(),
        last_run: Some(ts(T0 + 90_000)),
        next_run: (status == "working").then(|| ts(T0 + 176_400)),
        vms: (0..vms)
            .map(|i| Named::new(format!("v{i}"), format!("vm-{i}")))
            .collect(),
        backup_count: Some(vms as u64 * 12),
        size: Some((vms as u64) << 36),
        details: vec![],
    };
    app.on_event(Event::BackupPlans {
        seq,
        result: Ok(vec![
            plan("p1", "核心数据库-每日备份", "working", "success", 5),
            plan("p2", "dev-nightly", "paused", "never run", 3),
            plan("p3", "灾备-异地备份", "working", "failed", 2),
        ]),
    });
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

#[test]
fn cloudtower_restore_to_a_new_vm_by_host_and_network() {
    let mut app = cloudtower_app();
    app.focus = Pane::Backups;
    app.handle_key(key('R'));
    let cmds = app.handle_key(code(KeyCode::Enter)); // as a new VM
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadRestoreChoices { seq, .. } => Some(*seq),
        _ => None,
    });
    let net = |id: &str, name: &str, cluster: &str| NetworkChoice {
        id: id.into(),
        name: name.into(),
        cluster_id: cluster.into(),
    };
    app.on_event(Event::RestoreChoices {
        seq,
        result: Ok(RestoreChoices {
            clusters: vec![Named::new("ckcl000000000000000000001", "SMTX-生产集群")],
            hosts: vec![
                HostChoice {
                    id: "h1".into(),
                    name: "node-10-01 (10.10.0.11)".into(),
                    cluster_id: "ckcl000000000000000000001".into(),
                },
                HostChoice {
                    id: "h2".into(),
                    name: "node-10-02 (10.10.0.12)".into(),
                    cluster_id: "ckcl000000000000000000001".into(),
                },
            ],
            networks: vec![
                net(
                    "vl1",
                    "业务网络 (VLAN 100, SMTX-生产集群)",
                    "ckcl000000000000000000001",
                ),
                net(
                    "vl2",
                    "dmz-300 (VLAN 300, SMTX-生产集群)",
                    "ckcl000000000000000000001",
                ),
            ],
            source_networks: vec![
                Named::new("vl1", "业务网络 (VLAN 100, SMTX-生产集群)"),
                Named::new("vl2", "dmz-300 (VLAN 300, SMTX-生产集群)"),
            ],
            ..Default::default()
        }),
    });
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

fn zs_snapshot(name: &str, t: i64, volume: &Named) -> Snapshot {
    Snapshot {
        id: format!("{name:0>32}"),
        created: Some(ts(t)),
        size: Some(1 << 30),
        volume: Some(volume.clone()),
        ..Snapshot::named(name)
    }
}

/// A root volume with two trees (the older one left by a revert) and a data volume.
fn zstack_tree() -> SnapshotTree {
    let root = Named::new("rootvol", "ROOT-for-erp-应用-01");
    let data = Named::new("datavol", "DATA-for-erp-应用-01");
    let e = |c: &str, p: Option<&str>| (format!("{c:0>32}"), p.map(|p| format!("{p:0>32}")));
    let current = SnapshotTree::build(TreeInput {
        snapshots: vec![
            zs_snapshot("release-0211", T0, &root),
            zs_snapshot("release-0310", T0 + 3600, &root),
            zs_snapshot("before-upgrade", T0 + 7200, &root),
            zs_snapshot("daily-0510", T0 + 9000, &root),
        ],
        parent_of: vec![
            e("release-0211", None),
            e("release-0310", Some("release-0211")),
            e("before-upgrade", Some("release-0211")),
            e("daily-0510", Some("before-upgrade")),
        ],
        children_of: vec![],
        now: Some(Some(format!("{:0>32}", "release-0310"))),
        now_label: "now".into(),
    });
    let old = SnapshotTree::build(TreeInput {
        snapshots: vec![zs_snapshot("初始安装", T0 - 86_400, &root)],
        parent_of: vec![e("初始安装", None)],
        children_of: vec![],
        now: None,
        now_label: "now".into(),
    });
    let data_tree = SnapshotTree::build(TreeInput {
        snapshots: vec![zs_snapshot("数据-每日", T0 + 5000, &data)],
        parent_of: vec![e("数据-每日", None)],
        children_of: vec![],
        now: Some(Some(format!("{:0>32}", "数据-每日"))),
        now_label: "now".into(),
    });
    SnapshotTree::grouped(vec![
        (
            "Root volume ROOT-for-erp-应用-01 · current tree".into(),
            current,
        ),
        ("Root volume ROOT-for-erp-应用-01 · older tree".into(), old),
        ("Data volume DATA-for-erp-应用-01".into(), data_tree),
    ])
}

fn zstack_app() -> App {
    let mut vms = vec![
        vm(1, "erp-应用-01", VmPower::Running),
        vm(2, "ad-域控-01", VmPower::Stopped),
    ];
    for v in &mut vms {
        v.cluster = Named::new("c1", "Cluster-1");
        v.group = None;
        v.tenant = None;
        v.zone = Some(Named::new("z1", "ZONE-1"));
        v.agent = AgentState::Unknown(String::new());
    }
    let mut app = app_on(
        session_for(Platform::ZStack, zstack::capabilities(true)),
        vec![cluster("c1", "Cluster-1"), cluster("c2", "dr-cluster")],
        vms,
    );
    let sseq = app.snapshots.seq;
    app.on_event(Event::Snapshots {
        seq: sseq,
        result: Ok(zstack_tree()),
    });
    let bseq = app.backups.seq;
    app.on_event(Event::Backups {
        seq: bseq,
        result: Ok(Listing::complete(Page::empty(PageRequest::first(10)))),
    });
    app
}

fn zs_backup(i: usize, category: BackupCategory, volume: Option<&str>) -> Backup {
    Backup {
        id: format!("{i:0>32}"),
        name: match category {
            BackupCategory::Database => format!("vmdeck-db-2024030{i}"),
            _ => format!("erp-应用-01-backup-{i}"),
        },
        description: String::new(),
        category,
        vm: if category == BackupCategory::Database {
            Named::default()
        } else {
            Named::new("vm-0001", "erp-应用-01")
        },
        volume: volume.map(|v| Named::new(v, v)),
        root_volume: volume.is_some_and(|v| v.starts_with("ROOT")),
        cluster: Named::new("c1", "Cluster-1"),
        tenant: None,
        point: Some(Named::new("bs1", "imagestore-主仓库")),
        locations: if i.is_multiple_of(2) {
            vec![
                Named::new("bs1", "imagestore-主仓库"),
                Named::new("bs3", "远程灾备仓库"),
            ]
        } else {
            vec![Named::new("bs1", "imagestore-主仓库")]
        },
        parent: None,
        created: Some(ts(T0 + i as i64 * 86_400)),
        status: if i == 3 {
            BackupStatus::InProgress
        } else {
            BackupStatus::Done
        },
        kind: Some(BackupKind::Full),
        disks: vec![BackupDisk {
            device: volume.unwrap_or("database").into(),
            id: format!("{i}"),
            capacity: Some(40 << 30),
            details: vec![],
        }],
        details: vec![],
    }
}

#[test]
fn zstack_volume_trees() {
    let mut app = zstack_app();
    app.focus = Pane::Snapshots;
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

#[test]
fn zstack_volume_backups_with_their_copies() {
    let mut app = zstack_app();
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('t'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackups { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::Backups {
        seq,
        result: Ok(Listing::complete(Page {
            items: (1..=4)
                .map(|i| {
                    zs_backup(
                        i,
                        BackupCategory::Volume,
                        Some(if i.is_multiple_of(2) {
                            "ROOT-for-erp-应用-01"
                        } else {
                            "DATA-for-erp-应用-01"
                        }),
                    )
                })
                .collect(),
            total: 4,
            request: PageRequest::first(10),
        })),
    });
    app.handle_key(key('j'));
    app.status = None;
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

#[test]
fn zstack_revert_on_a_running_vm_offers_the_stop_first() {
    let mut app = zstack_app();
    app.focus = Pane::Snapshots;
    app.handle_key(key('R'));
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

#[test]
fn zstack_database_backups() {
    let mut app = zstack_app();
    app.focus = Pane::Backups;
    app.handle_key(key('t'));
    let cmds = app.handle_key(key('t'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackups { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::Backups {
        seq,
        result: Ok(Listing::complete(Page {
            items: (1..=3)
                .map(|i| zs_backup(i, BackupCategory::Database, None))
                .collect(),
            total: 3,
            request: PageRequest::first(10),
        })),
    });
    app.status = None;
    insta::assert_snapshot!(render(&app, 150, 44).backend());
}

/// The platform's task list stopped answering: the pane says why above the rows it still
/// shows, marks them stale, and the status line says it.
#[test]
fn cloudtower_platform_tasks_that_cannot_be_read() {
    let mut app = cloudtower_app();
    app.focus = Pane::Tasks;
    let (now, wall) = (app.now, app.wall);
    let cmds = app.tick(now, wall);
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadPlatformTasks { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::PlatformTasks {
        seq,
        result: Err(vmdeck::backend::BackendError::Decode {
            path: "/v2/api/get-tasks".into(),
            reason: "EOF while parsing a list at line 1 column 2048".into(),
        }),
    });
    let t = render(&app, 150, 44);
    let screen = format!("{:?}", t.backend());
    assert!(screen.contains("on the platform (stale)"), "{screen}");
    assert!(
        screen.contains(
            "✗ cannot read the platform's tasks: unexpected answer from /v2/api/get-tasks"
        ),
        "{screen}"
    );
    assert!(screen.contains("邮件服务器"), "the old rows stay: {screen}");
    insta::assert_snapshot!(t.backend());
}

/// The VM's configuration could not be read: the snapshot form says so at the choice it
/// fills, and how to read it again, instead of offering only the whole VM for good.
#[test]
fn zstack_snapshot_form_when_the_vm_cannot_be_read() {
    let mut app = zstack_app();
    let seq = app.vms.detail_seq;
    app.on_event(Event::VmDetail {
        seq,
        result: Err(vmdeck::backend::BackendError::Decode {
            path: "/zstack/v1/vm-instances/vm-0001".into(),
            reason: "EOF while parsing an object at line 1 column 1311".into(),
        }),
    });
    app.focus = Pane::Snapshots;
    app.handle_key(key('c'));
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Enter));
    let t = render(&app, 150, 44);
    let screen = format!("{:?}", t.backend());
    assert!(
        screen.contains("✗ cannot read the VM's volumes: unexpected answer"),
        "{screen}"
    );
    assert!(!screen.contains("loading the VM's volumes"), "{screen}");
    insta::assert_snapshot!(t.backend());
}

/// ZStack's per-volume trees at depth: the root volume's 1,000-level tree (a branch at
/// every level) under its heading, the data volume's below; the deepest snapshot and where
/// the volume is now stay on screen at 40 and 200 columns.
#[test]
fn zstack_per_volume_trees_a_thousand_levels_deep() {
    let root = Named::new("rootvol", "ROOT-for-erp-应用-01");
    let data = Named::new("datavol", "DATA-for-erp-应用-01");
    let tree = SnapshotTree::grouped(vec![
        (
            "Root volume ROOT-for-erp-应用-01 · current tree".into(),
            SnapshotTree::build(deep_tree_input(1000, "r-", Some(root))),
        ),
        (
            "Data volume DATA-for-erp-应用-01".into(),
            SnapshotTree::build(deep_tree_input(3, "d-", Some(data))),
        ),
    ]);
    let mut app = zstack_app();
    let seq = app.snapshots.seq;
    app.on_event(Event::Snapshots {
        seq,
        result: Ok(tree),
    });
    app.focus = Pane::Snapshots;
    app.status = None;
    for (w, h) in [(40, 30), (200, 50)] {
        let t = render(&app, w, h);
        let text = format!("{:?}", t.backend());
        assert!(text.contains("snap-0999"), "{w}: {text}");
        assert!(text.contains("◆ now"), "{w}: {text}");
        for (row, intact) in pane_rows(t.backend().buffer(), "Snapshots") {
            assert!(intact, "{w}: a row wrote over the border: {row:?}");
        }
        insta::assert_snapshot!(format!("zstack_deep_volume_tree_{w}"), t.backend());
    }
}
