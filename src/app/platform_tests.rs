//! The flows other platforms add (plans, restore placements, volume snapshots, stop first,
//! backup categories, storages, platform tasks), driven by keys and events as the loop
//! would, with each platform's real `capabilities()`, so a change in what a platform can do
//! shows here in the flows it changes.

use super::tests::{code, key, ready_app_with, seq_of, session, type_text};
use super::*;
use crate::app::dialog::FormDialog;
use crate::backend::BackendError;
use crate::fetcher::Event;
use crate::model::*;
use crate::operation::Operation;
use crossterm::event::KeyCode;

fn cloudtower_caps() -> Capabilities {
    crate::backend::cloudtower::capabilities()
}

fn zstack_caps() -> Capabilities {
    crate::backend::zstack::capabilities(true)
}

fn app_with(caps: Capabilities) -> App {
    let mut s = session(false);
    s.caps = caps;
    ready_app_with(s)
}

/// The backup points the app asked for arrive.
fn points_arrive(app: &mut App, points: Vec<BackupPoint>) {
    let seq = app.backups.points_seq;
    app.on_event(Event::BackupPoints {
        seq,
        result: Ok(points),
    });
}

fn confirm_steps(app: &App) -> Vec<Operation> {
    match &app.dialog {
        Some(Dialog::Confirm(cd)) => cd.steps.clone(),
        _ => panic!("no confirm dialog open"),
    }
}

fn restore_point(id: &str, parent: Option<&str>, kind: BackupKind) -> Backup {
    Backup {
        id: id.into(),
        name: format!("web-01 {id}"),
        description: String::new(),
        category: BackupCategory::Vm,
        vm: Named::new("v1", "web-01"),
        volume: None,
        root_volume: false,
        cluster: Named::new("c1", "host3222-cvm3322"),
        tenant: None,
        point: Some(Named::new("plan1", "nightly")),
        locations: vec![],
        parent: parent.map(str::to_string),
        created: Some(Timestamp::from_second(1_700_000_000).unwrap()),
        status: BackupStatus::Done,
        kind: Some(kind),
        disks: vec![],
        details: vec![],
    }
}

/// Shows these backups in the Backups pane (as the answer to the pane's own load).
fn show_backups(app: &mut App, items: Vec<Backup>) {
    app.focus = Pane::Backups;
    let cmds = app.load_backups();
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackups { seq, .. } => Some(*seq),
        _ => None,
    });
    let n = items.len() as u64;
    app.on_event(Event::Backups {
        seq,
        result: Ok(Listing::complete(Page {
            items,
            total: n,
            request: PageRequest::first(10),
        })),
    });
}

fn plan() -> BackupPlan {
    BackupPlan {
        id: "plan1".into(),
        name: "nightly".into(),
        cluster: Named::new("c1", "host3222-cvm3322"),
        status: "working".into(),
        last_result: "success".into(),
        last_run: None,
        next_run: None,
        vms: vec![Named::new("v1", "web-01")],
        backup_count: Some(3),
        size: None,
        details: vec![],
    }
}

#[test]
fn keys_the_platform_lacks_are_not_offered() {
    let app = app_with(cloudtower_caps());
    let footer = app.keymap.footer_for(Pane::Snapshots, Some(app.caps()));
    assert!(footer.iter().any(|(_, h)| *h == "new VM from snapshot"));
    assert!(!footer.iter().any(|(_, h)| *h == "roll back disks"));
    let mut app = app_with(tophc_caps_plain());
    app.focus = Pane::Snapshots;
    let cmds = app.handle_key(key('b'));
    assert!(cmds.is_empty() && app.dialog.is_none());
    assert!(
        app.status.as_ref().unwrap().text.contains("cannot do that"),
        "says why"
    );
}

fn tophc_caps_plain() -> Capabilities {
    crate::backend::tophc::capabilities()
}

#[test]
fn consistent_snapshots_need_the_guest_tools() {
    let mut app = app_with(cloudtower_caps());
    app.focus = Pane::Snapshots;
    app.handle_key(key('c'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("form")
    };
    let f = fd
        .form
        .fields
        .iter()
        .find(|f| f.key == "consistent")
        .unwrap();
    assert!(f.enabled.is_ok(), "tools run in web-01");
    assert!(!fd.form.has("memory"), "no memory snapshots here");
    app.handle_key(code(KeyCode::Enter));
    let steps = confirm_steps(&app);
    assert!(matches!(
        &steps[0],
        Operation::CreateSnapshot {
            consistent: true,
            volume: None,
            ..
        }
    ));

    // Without tools the option is greyed out with the reason.
    app.dialog = None;
    if let Some(v) = app.vms.list.items.iter_mut().find(|v| v.id == "v1") {
        v.agent = AgentState::NotInstalled;
    }
    app.handle_key(key('c'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("form")
    };
    let f = fd
        .form
        .fields
        .iter()
        .find(|f| f.key == "consistent")
        .unwrap();
    assert!(f.enabled.as_ref().unwrap_err().contains("guest tools"));
}

#[test]
fn rebuild_from_snapshot_previews_a_new_vm() {
    let mut app = app_with(cloudtower_caps());
    app.focus = Pane::Snapshots;
    app.handle_key(key('b'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("form")
    };
    assert_eq!(fd.form.text("new_vm_name"), "web-01-from-a");
    app.handle_key(code(KeyCode::Enter));
    let steps = confirm_steps(&app);
    match &steps[0] {
        Operation::RebuildFromSnapshot {
            snapshot,
            new_vm_name,
            ..
        } => {
            assert_eq!(snapshot.name, "a");
            assert_eq!(new_vm_name, "web-01-from-a");
        }
        other => panic!("{other:?}"),
    }
    assert!(steps[0].typed_confirmation().is_none(), "additive");
}

#[test]
fn plans_list_their_backups_and_run_now() {
    let mut app = app_with(cloudtower_caps());
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('p'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPlans { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::BackupPlans {
        seq,
        result: Ok(vec![plan()]),
    });
    // x: run now, incremental by default, as a previewed operation.
    app.handle_key(key('x'));
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(
        confirm_steps(&app),
        vec![Operation::RunBackupPlan {
            cluster: Named::new("c1", "host3222-cvm3322"),
            plan: Named::new("plan1", "nightly"),
            full: false,
        }]
    );
    // Enter on a plan: the Backups pane lists what it made.
    app.dialog = None;
    let cmds = app.handle_key(key('p'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPlans { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::BackupPlans {
        seq,
        result: Ok(vec![plan()]),
    });
    let cmds = app.handle_key(code(KeyCode::Enter));
    assert!(app.dialog.is_none());
    assert!(cmds.iter().any(|c| matches!(c,
        Command::LoadBackups { query, .. }
            if matches!(&query.scope, BackupScope::Plan { plan, .. } if plan.id == "plan1"))));
}

#[test]
fn create_backup_where_plans_make_them_opens_the_plans() {
    let mut app = app_with(cloudtower_caps());
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('c'));
    assert!(matches!(app.dialog, Some(Dialog::Plans(_))));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadBackupPlans { .. }))
    );
}

#[test]
fn restore_asks_how_then_places_the_new_vm_by_host_and_network() {
    let mut app = app_with(cloudtower_caps());
    show_backups(&mut app, vec![restore_point("rp1", None, BackupKind::Full)]);
    app.handle_key(key('R'));
    // First the mode; the default is the harmless one.
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("mode form")
    };
    assert_eq!(fd.form.choice("mode").unwrap().0, "new");
    let cmds = app.handle_key(code(KeyCode::Enter));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadRestoreChoices { seq, backup } if backup.id == "rp1" => Some(*seq),
        _ => None,
    });
    app.on_event(Event::RestoreChoices {
        seq,
        result: Ok(RestoreChoices {
            clusters: vec![
                Named::new("c0", "other-cluster"),
                Named::new("c1", "host3222-cvm3322"),
            ],
            hosts: vec![
                HostChoice {
                    id: "h0".into(),
                    name: "node-0".into(),
                    cluster_id: "c0".into(),
                },
                HostChoice {
                    id: "h1".into(),
                    name: "node-1".into(),
                    cluster_id: "c1".into(),
                },
            ],
            networks: vec![
                NetworkChoice {
                    id: "vl1".into(),
                    name: "vm-net (VLAN 10, host3222-cvm3322)".into(),
                    cluster_id: "c1".into(),
                },
                NetworkChoice {
                    id: "vl0".into(),
                    name: "vm-net (VLAN 10, other-cluster)".into(),
                    cluster_id: "c0".into(),
                },
                NetworkChoice {
                    id: "vl2".into(),
                    name: "dr-net (VLAN 20, other-cluster)".into(),
                    cluster_id: "c0".into(),
                },
            ],
            source_networks: vec![Named::new("vl1", "vm-net")],
            ..Default::default()
        }),
    });
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("restore form")
    };
    assert_eq!(
        fd.form.choice("host").unwrap().0,
        "c1|h1",
        "the backup's own cluster first"
    );
    assert_eq!(fd.form.choice("net.vl1").unwrap().0, "vl1", "same network");
    // Another cluster's host: only that cluster's networks, the same-named one first.
    let host_row = fd.form.fields.iter().position(|f| f.key == "host").unwrap();
    while app
        .dialog
        .as_ref()
        .is_some_and(|d| matches!(d, Dialog::Form(f) if f.form.focus != host_row))
    {
        app.handle_key(code(KeyCode::Tab));
    }
    app.handle_key(code(KeyCode::Left));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("restore form")
    };
    assert_eq!(fd.form.choice("host").unwrap().0, "c0|h0");
    assert_eq!(fd.form.choice("net.vl1").unwrap().0, "vl0", "vm-net of c0");
    // Another network chosen by hand survives focus passing through the host field.
    let net_row = fd
        .form
        .fields
        .iter()
        .position(|f| f.key == "net.vl1")
        .unwrap();
    let focus_on = |app: &mut App, row: usize, back: bool| {
        while app
            .dialog
            .as_ref()
            .is_some_and(|d| matches!(d, Dialog::Form(f) if f.form.focus != row))
        {
            app.handle_key(code(if back { KeyCode::BackTab } else { KeyCode::Tab }));
        }
    };
    focus_on(&mut app, net_row, false);
    app.handle_key(code(KeyCode::Right));
    focus_on(&mut app, host_row, true);
    focus_on(&mut app, net_row, false);
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("restore form")
    };
    assert_eq!(fd.form.choice("net.vl1").unwrap().0, "vl2", "kept");
    focus_on(&mut app, host_row, true);
    // And back.
    app.handle_key(code(KeyCode::Right));
    app.handle_key(code(KeyCode::Enter));
    match &confirm_steps(&app)[0] {
        Operation::RestoreBackup { spec, .. } => {
            assert_eq!(spec.cluster, Some(Named::new("c1", "host3222-cvm3322")));
            assert_eq!(spec.host, Some(Named::new("h1", "node-1")));
            assert_eq!(
                spec.networks,
                vec![NetworkMapping {
                    from: Named::new("vl1", "vm-net"),
                    to: Named::new("vl1", "vm-net (VLAN 10, host3222-cvm3322)"),
                }]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn restore_in_place_wants_the_vm_name_typed() {
    let mut app = app_with(cloudtower_caps());
    show_backups(&mut app, vec![restore_point("rp1", None, BackupKind::Full)]);
    app.handle_key(key('R'));
    app.handle_key(code(KeyCode::Right)); // in place
    app.handle_key(code(KeyCode::Enter));
    app.handle_key(code(KeyCode::Enter)); // the in-place form as it is
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("confirm")
    };
    assert!(matches!(cd.steps[0], Operation::RestoreInPlace { .. }));
    assert_eq!(cd.typed.as_ref().unwrap().0, "web-01");
    let cmds = app.handle_key(code(KeyCode::Enter));
    assert!(cmds.is_empty(), "not without the name");
}

#[test]
fn the_chain_of_the_selected_backup_is_read_once_the_cursor_rests() {
    let mut app = app_with(cloudtower_caps());
    show_backups(
        &mut app,
        vec![
            restore_point("rp2", Some("rp1"), BackupKind::Incremental),
            restore_point("rp1", None, BackupKind::Full),
        ],
    );
    let now = app.now + std::time::Duration::from_millis(200);
    let cmds = app.tick(now, app.wall);
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupChain { seq, backup } if backup.id == "rp2" => Some(*seq),
        _ => None,
    });
    app.on_event(Event::BackupChain {
        seq,
        result: Ok(vec![
            restore_point("rp1", None, BackupKind::Full),
            restore_point("rp2", Some("rp1"), BackupKind::Incremental),
            restore_point("rp3", Some("rp2"), BackupKind::Incremental),
        ]),
    });
    // Moving within the same chain reads nothing more.
    app.handle_key(key('j'));
    let cmds = app.tick(now, app.wall);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Command::LoadBackupChain { .. }))
    );
    // Deleting the full one warns about what builds on it.
    app.handle_key(key('d'));
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("confirm")
    };
    assert!(cd.warnings.iter().any(|w| w.contains("2 incremental")));
}

#[test]
fn platform_tasks_show_beside_ours_without_doubles() {
    let mut app = app_with(cloudtower_caps());
    let cmds = app.tick(app.now, app.wall);
    let seq = platform_tasks_seq(&cmds);
    // One of ours is linked to platform task t1.
    let id = app.tasks.add(
        Operation::StartVm {
            vm: app.vms.chosen.clone().unwrap(),
        },
        app.now,
    );
    app.on_event(Event::TaskLinked {
        id,
        platform_id: "t1".into(),
    });
    let task = |id: &str, user: &str| PlatformTask {
        id: id.into(),
        title: "Create snapshot".into(),
        target: "db-01".into(),
        user: user.into(),
        state: TaskState::Running {
            progress: Some(0.5),
        },
        started: Some(app.wall),
        finished: None,
        details: vec![],
        cancel: None,
    };
    app.on_event(Event::PlatformTasks {
        seq,
        result: Ok(vec![task("t1", "admin"), task("t2", "alice")]),
    });
    let others: Vec<_> = app
        .tasks
        .list
        .items
        .iter()
        .filter(|t| t.origin == TaskOrigin::Others)
        .collect();
    assert_eq!(others.len(), 1, "t1 is ours and shown once");
    assert_eq!(others[0].user.as_deref(), Some("alice"));
    assert_eq!(app.tasks.running(), 1, "only ours count as running");
    // Re-read five seconds later, not on every tick.
    let cmds = app.tick(app.now + std::time::Duration::from_secs(1), app.wall);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Command::LoadPlatformTasks { .. }))
    );
    let cmds = app.tick(app.now + std::time::Duration::from_secs(6), app.wall);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadPlatformTasks { .. }))
    );
}

#[test]
fn revert_on_a_running_vm_offers_a_separate_stop_first() {
    let mut app = app_with(zstack_caps());
    app.focus = Pane::Snapshots;
    app.handle_key(key('R'));
    let Some(Dialog::Message(m)) = &app.dialog else {
        panic!("message")
    };
    assert!(m.lines[0].contains("only a stopped VM"), "{:?}", m.lines);
    assert_eq!(m.offer.as_ref().unwrap().key, 's');
    // s: the stop, as its own form and its own confirmation with the VM's name typed.
    app.handle_key(key('s'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("stop form")
    };
    assert_eq!(fd.form.choice("how").unwrap().0, "shutdown");
    app.handle_key(code(KeyCode::Enter));
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("confirm")
    };
    assert_eq!(
        cd.steps,
        vec![Operation::StopVm {
            vm: app.vms.chosen.clone().unwrap(),
            force: false
        }]
    );
    assert_eq!(cd.typed.as_ref().unwrap().0, "web-01");

    // Esc on the offer leaves everything as it was.
    app.dialog = None;
    app.handle_key(key('R'));
    app.handle_key(code(KeyCode::Esc));
    assert!(app.dialog.is_none());
}

#[test]
fn revert_on_a_stopped_vm_goes_straight_to_the_form() {
    let mut app = app_with(zstack_caps());
    if let Some(v) = app.vms.list.items.iter_mut().find(|v| v.id == "v1") {
        v.power = VmPower::Stopped;
    }
    app.focus = Pane::Snapshots;
    app.handle_key(key('R'));
    assert!(matches!(app.dialog, Some(Dialog::Form(_))));
}

#[test]
fn volume_snapshots_choose_the_volume_under_the_cursor() {
    let mut app = app_with(zstack_caps());
    let vm = app.vms.chosen.clone().unwrap();
    let detail_seq = app.vms.detail_seq;
    let disk = |id: &str, name: &str, dev: &str, root: bool| VmDisk {
        device: dev.into(),
        volume: Named::new(id, name),
        pool: None,
        capacity: None,
        disk_type: None,
        is_root: root,
    };
    app.on_event(Event::VmDetail {
        seq: detail_seq,
        result: Ok(Box::new(VmDetail {
            vm: app.vms.chosen_vm().unwrap().clone(),
            disks: vec![
                disk("vol-root", "web-01-root", "vda", true),
                disk("vol-data", "web-01-data", "vdb", false),
            ],
            details: vec![],
        })),
    });
    // The tree: one heading per volume; the cursor on a data-volume snapshot.
    let mut data_snap = Snapshot::named("d1");
    data_snap.id = "s-d1".into();
    data_snap.volume = Some(Named::new("vol-data", "web-01-data"));
    let tree = SnapshotTree::grouped(vec![(
        "data volume web-01-data".into(),
        SnapshotTree::flat(vec![data_snap], None),
    )]);
    let seq = app.snapshots.seq;
    app.on_event(Event::Snapshots {
        seq,
        result: Ok(tree),
    });
    let d1 = app.snapshots.tree.as_ref().unwrap().find("s-d1").unwrap();
    app.snapshots.select_node(d1);
    app.focus = Pane::Snapshots;
    app.handle_key(key('c'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("form")
    };
    assert_eq!(fd.form.choice("volume").unwrap().0, "vol-data");
    app.handle_key(code(KeyCode::Enter));
    match &confirm_steps(&app)[0] {
        Operation::CreateSnapshot {
            volume: Some(v),
            vm: target,
            ..
        } => {
            assert_eq!(v, &Named::new("vol-data", "web-01-data"));
            assert_eq!(target, &vm);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn backup_categories_cycle_and_each_asks_for_its_own_kind() {
    let mut app = app_with(zstack_caps());
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('t'));
    assert!(cmds.iter().any(|c| matches!(c,
        Command::LoadBackups { query, .. } if query.category == BackupCategory::Volume)));
    let cmds = app.handle_key(key('t'));
    assert!(cmds.iter().any(|c| matches!(c,
        Command::LoadBackups { query, .. } if query.category == BackupCategory::Database)));
    // c in database backups: back up the management node's database to a storage.
    points_arrive(
        &mut app,
        vec![BackupPoint {
            id: "bs1".into(),
            name: "image-store-1".into(),
            kind: "ImageStoreBackupStorage".into(),
            state: "Connected".into(),
            details: vec![],
        }],
    );
    app.handle_key(key('c'));
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(
        confirm_steps(&app),
        vec![Operation::CreateDatabaseBackup {
            storage: Named::new("bs1", "image-store-1"),
        }]
    );
    app.dialog = None;
    app.handle_key(key('t'));
    assert_eq!(app.backups.category, BackupCategory::Vm, "round again");
}

#[test]
fn sync_offers_only_storages_without_a_copy() {
    let mut app = app_with(zstack_caps());
    let point = |id: &str| BackupPoint {
        id: id.into(),
        name: format!("store-{id}"),
        kind: "ImageStoreBackupStorage".into(),
        state: "Connected".into(),
        details: vec![],
    };
    points_arrive(&mut app, vec![point("a"), point("b"), point("c")]);
    let mut b = restore_point("vb1", None, BackupKind::Full);
    b.point = None;
    b.locations = vec![Named::new("a", "store-a"), Named::new("b", "store-b")];
    show_backups(&mut app, vec![b]);
    app.handle_key(key('s'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("form")
    };
    assert_eq!(fd.form.choice("storage").unwrap().0, "c");
    app.handle_key(code(KeyCode::Enter));
    assert!(matches!(
        &confirm_steps(&app)[0],
        Operation::SyncBackup { to, .. } if to.id == "c"
    ));
    // Recover offers the storages that hold one.
    app.dialog = None;
    app.handle_key(key('v'));
    app.handle_key(code(KeyCode::Enter));
    assert!(matches!(
        &confirm_steps(&app)[0],
        Operation::RecoverBackup { from, .. } if from.id == "a"
    ));
}

#[test]
fn templates_come_from_volume_backups_only() {
    let mut app = app_with(zstack_caps());
    show_backups(&mut app, vec![restore_point("vb1", None, BackupKind::Full)]);
    app.handle_key(key('T'));
    let Some(Dialog::Message(m)) = &app.dialog else {
        panic!("explains")
    };
    assert!(m.lines[0].contains("volume backup"));
    app.dialog = None;
    points_arrive(
        &mut app,
        vec![BackupPoint {
            id: "bs1".into(),
            name: "image-store-1".into(),
            kind: "ImageStoreBackupStorage".into(),
            state: "Connected".into(),
            details: vec![],
        }],
    );
    let mut vb = restore_point("vol1", None, BackupKind::Full);
    vb.category = BackupCategory::Volume;
    // The backend says which volume is the root one; the name proves nothing.
    vb.volume = Some(Named::new("vol-1", "web-01-sys"));
    vb.root_volume = true;
    app.backups.category = BackupCategory::Volume;
    show_backups(&mut app, vec![vb]);
    app.handle_key(key('T'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("form")
    };
    assert_eq!(fd.form.choice("kind").unwrap().0, "root", "a root volume");
    app.handle_key(code(KeyCode::Enter));
    assert!(matches!(
        &confirm_steps(&app)[0],
        Operation::CreateTemplateFromBackup { root: true, storage, .. } if storage.id == "bs1"
    ));
}

#[test]
fn recovering_the_database_is_destructive_and_typed() {
    let mut app = app_with(zstack_caps());
    let mut db = restore_point("db1", None, BackupKind::Full);
    db.category = BackupCategory::Database;
    db.vm = Named::default();
    app.backups.category = BackupCategory::Database;
    show_backups(&mut app, vec![db]);
    app.handle_key(key('R'));
    // The platform wants its database's root password: typed, never shown.
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("password form")
    };
    assert!(fd.form.has("mysql_root_password"));
    app.handle_key(code(KeyCode::Enter));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("still the form")
    };
    assert!(
        fd.form
            .error
            .as_ref()
            .unwrap()
            .contains("MySQL root password")
    );
    type_text(&mut app, "r00t-pw");
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("form")
    };
    assert!(
        !format!("{:?}", fd.form).contains("r00t-pw"),
        "not in Debug"
    );
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    term.draw(|f| crate::ui::draw(f, &app, &crate::theme::Theme::dark()))
        .unwrap();
    let screen = format!("{}", term.backend());
    assert!(!screen.contains("r00t-pw"), "not on screen");
    assert!(screen.contains("•••••••"));
    app.handle_key(code(KeyCode::Enter));
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("confirm")
    };
    match &cd.steps[0] {
        Operation::RecoverDatabaseBackup {
            mysql_root_password,
            ..
        } => assert_eq!(mysql_root_password.expose(), "r00t-pw"),
        other => panic!("{other:?}"),
    }
    assert!(!format!("{:?}", cd.steps).contains("r00t-pw"));
    assert_eq!(cd.typed.as_ref().unwrap().0, "web-01 db1");
    type_text(&mut app, "web-01 db1");
    let cmds = app.handle_key(code(KeyCode::Enter));
    assert!(cmds.is_empty(), "still waiting for the preview's calls");
}

#[test]
fn our_tasks_list_above_the_platforms_whatever_its_clock_says() {
    let mut app = app_with(cloudtower_caps());
    let vm = app.vms.chosen.clone().unwrap();
    let id = app.tasks.add(Operation::StartVm { vm }, app.now);
    // A first listing, then ours is selected, then a second listing replaces the first:
    // the rows move under the cursor, the selection must not.
    let early = PlatformTask {
        id: "early".into(),
        title: "Edit VM".into(),
        target: "vm y".into(),
        user: "bob".into(),
        state: TaskState::Succeeded,
        started: Some(app.wall),
        finished: Some(app.wall),
        details: vec![],
        cancel: None,
    };
    let (now, wall) = (app.now, app.wall);
    app.tasks
        .set_platform_tasks(vec![early.clone(), early.clone()], now, wall);
    app.tasks.select(id);
    // The platform's clock runs ahead: its tasks look newer than ours.
    let ahead = app.wall + std::time::Duration::from_secs(600);
    let tasks: Vec<PlatformTask> = (0..30)
        .map(|i| PlatformTask {
            id: format!("t{i}"),
            title: "Export VM".into(),
            target: "vm x".into(),
            user: "alice".into(),
            state: TaskState::Succeeded,
            started: Some(ahead),
            finished: Some(ahead),
            details: vec![],
            cancel: None,
        })
        .collect();
    let seq = app.platform_tasks_seq;
    app.on_event(Event::PlatformTasks {
        seq,
        result: Ok(tasks),
    });
    assert_eq!(app.tasks.list.row(0).unwrap().id, id, "ours first");
    assert_eq!(
        app.tasks.list.items.len(),
        1 + crate::app::panes::PLATFORM_TASKS_SHOWN,
        "the platform's newest only"
    );
    assert_eq!(app.tasks.list.cursor.selected(), 0, "still on ours");
}

#[test]
fn the_selection_stays_on_our_task_while_the_platform_list_refreshes() {
    let mut app = app_with(cloudtower_caps());
    let listing = |n: usize, wall: Timestamp| -> Vec<PlatformTask> {
        (0..n)
            .map(|i| PlatformTask {
                id: format!("p{i}"),
                title: "Edit VM".into(),
                target: "vm y".into(),
                user: "bob".into(),
                state: TaskState::Succeeded,
                started: Some(wall),
                finished: Some(wall),
                details: vec![],
                cancel: None,
            })
            .collect()
    };
    let (now, wall) = (app.now, app.wall);
    app.tasks.set_platform_tasks(listing(20, wall), now, wall);
    // Run an operation as the keys would: the new task is selected.
    let vm = app.vms.chosen.clone().unwrap();
    let cmds = app.execute(vec![Operation::StartVm { vm }]);
    let Some(Command::Execute { steps }) = cmds.first() else {
        panic!("executes")
    };
    let id = steps[0].0;
    app.on_event(Event::Task {
        id,
        state: TaskState::Running { progress: None },
    });
    app.on_event(Event::TaskLinked {
        id,
        platform_id: "ours-on-platform".into(),
    });
    let mut again = listing(20, wall);
    again.insert(
        0,
        PlatformTask {
            id: "ours-on-platform".into(),
            ..again[0].clone()
        },
    );
    app.tasks.set_platform_tasks(again, now, wall);
    assert_eq!(app.tasks.selected().map(|t| t.id), Some(id));
    assert_eq!(app.tasks.list.cursor.selected(), 0);
}

// ------------------------------------------------------- reads that fail under a form

fn broken(path: &str) -> BackendError {
    BackendError::Decode {
        path: path.into(),
        reason: "EOF while parsing an object at line 1 column 4096".into(),
    }
}

fn form_of(app: &App) -> &FormDialog {
    match &app.dialog {
        Some(Dialog::Form(fd)) => fd,
        _ => panic!("no form open"),
    }
}

fn problem(app: &App, field: &str) -> Option<String> {
    form_of(app)
        .form
        .fields
        .iter()
        .find(|f| f.key == field)
        .and_then(|f| f.problem.clone())
}

/// Tab until `field` has the focus.
fn focus_field(app: &mut App, field: &str) {
    for _ in 0..10 {
        if form_of(app).form.focused_key() == Some(field) {
            return;
        }
        app.handle_key(code(KeyCode::Tab));
    }
    panic!("{field} never takes the focus");
}

fn detail_with_volumes(app: &App) -> VmDetail {
    let disk = |id: &str, dev: &str, root: bool| VmDisk {
        device: dev.into(),
        volume: Named::new(id, format!("web-01-{dev}")),
        pool: None,
        capacity: None,
        disk_type: None,
        is_root: root,
    };
    VmDetail {
        vm: app.vms.chosen_vm().unwrap().clone(),
        disks: vec![
            disk("vol-root", "vda", true),
            disk("vol-data", "vdb", false),
        ],
        details: vec![],
    }
}

#[test]
fn a_failed_vm_read_shows_in_the_snapshot_form_and_r_reads_it_again() {
    let mut app = app_with(zstack_caps());
    let seq = app.vms.detail_seq;
    app.on_event(Event::VmDetail {
        seq,
        result: Err(broken("/zstack/v1/vm-instances/v1")),
    });
    app.focus = Pane::Snapshots;
    app.handle_key(key('c'));
    let p = problem(&app, "volume").expect("the volume choice says why it is short");
    assert!(
        p.starts_with(
            "cannot read the VM's volumes: unexpected answer from /zstack/v1/vm-instances/v1"
        ) && p.ends_with("— r reads it again"),
        "{p}"
    );
    // Enter does not take "whole VM" as the answer: it was the only choice left.
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
    let why = form_of(&app).form.error.clone().unwrap();
    assert_eq!(
        why,
        "waiting for the VM's volumes, which could not be read: r reads it again"
    );
    // In the name field r is a letter; on the choice it reads again.
    app.handle_key(key('r'));
    assert!(form_of(&app).form.text("name").ends_with('r'));
    focus_field(&mut app, "volume");
    let cmds = app.handle_key(key('r'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadVmDetail { seq, vm } if vm.id == "v1" => Some(*seq),
        _ => None,
    });
    assert_eq!(problem(&app, "volume"), None, "reading again");
    assert!(
        app.handle_key(code(KeyCode::Enter)).is_empty(),
        "still waiting"
    );
    assert!(
        form_of(&app)
            .form
            .error
            .as_deref()
            .is_some_and(|e| e == "waiting for the VM's volumes (still being read)")
    );
    let detail = detail_with_volumes(&app);
    app.on_event(Event::VmDetail {
        seq,
        result: Ok(Box::new(detail)),
    });
    assert_eq!(app.vms.detail_error, None);
    assert_eq!(
        form_of(&app).form.error,
        None,
        "the refusal goes with the wait"
    );
    let options = match &form_of(&app)
        .form
        .fields
        .iter()
        .find(|f| f.key == "volume")
        .unwrap()
        .kind
    {
        form::FieldKind::Choice { options, .. } => options.len(),
        _ => 0,
    };
    assert_eq!(options, 3, "whole VM and both volumes");
    app.handle_key(code(KeyCode::Enter));
    assert!(matches!(
        &confirm_steps(&app)[0],
        Operation::CreateSnapshot { .. }
    ));
}

#[test]
fn ctrl_r_reads_again_from_a_text_field() {
    let mut app = app_with(zstack_caps());
    let seq = app.vms.detail_seq;
    app.on_event(Event::VmDetail {
        seq,
        result: Err(broken("/zstack/v1/vm-instances/v1")),
    });
    app.focus = Pane::Snapshots;
    app.handle_key(key('c'));
    assert_eq!(form_of(&app).form.focused_key(), Some("name"));
    let cmds = app.handle_key(crossterm::event::KeyEvent::new(
        KeyCode::Char('r'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadVmDetail { .. }))
    );
    assert!(!form_of(&app).form.text("name").ends_with('r'));
}

#[test]
fn a_failed_storage_read_shows_in_the_form_and_r_reads_it_again() {
    let mut app = app_with(zstack_caps());
    let seq = app.backups.points_seq;
    app.on_event(Event::BackupPoints {
        seq,
        result: Err(BackendError::Http {
            status: 502,
            path: "/zstack/v1/backup-storage".into(),
            excerpt: "Bad Gateway".into(),
        }),
    });
    app.focus = Pane::Backups;
    app.backups.category = BackupCategory::Database;
    let cmds = app.handle_key(key('c'));
    // Opening the form reads them again at once.
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPoints { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::BackupPoints {
        seq,
        result: Err(BackendError::Http {
            status: 502,
            path: "/zstack/v1/backup-storage".into(),
            excerpt: "Bad Gateway".into(),
        }),
    });
    let p = problem(&app, "storage").unwrap();
    assert!(
        p.starts_with("cannot read the backup storages: HTTP 502"),
        "{p}"
    );
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
    let cmds = app.handle_key(key('r'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPoints { seq, .. } => Some(*seq),
        _ => None,
    });
    points_arrive(
        &mut app,
        vec![BackupPoint {
            id: "bs1".into(),
            name: "image-store-1".into(),
            kind: "ImageStoreBackupStorage".into(),
            state: "Connected".into(),
            details: vec![],
        }],
    );
    assert_eq!(seq, app.backups.points_seq);
    assert_eq!(problem(&app, "storage"), None);
    app.handle_key(code(KeyCode::Enter));
    assert!(matches!(
        &confirm_steps(&app)[0],
        Operation::CreateDatabaseBackup { storage } if storage.id == "bs1"
    ));
}

#[test]
fn a_failed_placement_read_stays_in_the_restore_form_while_typing() {
    let mut app = app_with(cloudtower_caps());
    show_backups(&mut app, vec![restore_point("rp1", None, BackupKind::Full)]);
    app.handle_key(key('R'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadRestoreChoices { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::RestoreChoices {
        seq,
        result: Err(BackendError::Transport {
            path: "/v2/api/get-hosts".into(),
            reason: "connection reset".into(),
        }),
    });
    type_text(&mut app, "-x");
    let p = problem(&app, "host").expect("still said after typing");
    assert!(
        p.starts_with("cannot read where the VM can go: connection lost"),
        "{p}"
    );
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
    focus_field(&mut app, "host");
    let cmds = app.handle_key(key('r'));
    assert!(cmds.iter().any(|c| matches!(c,
        Command::LoadRestoreChoices { backup, .. } if backup.id == "rp1")));
    assert_eq!(problem(&app, "host"), None);
}

#[test]
fn the_platform_tasks_failure_is_said_once_and_kept_until_a_read_works() {
    let mut app = app_with(zstack_caps());
    let t0 = app.now;
    let read = |app: &mut App, at| {
        let cmds = app.tick(at, app.wall);
        seq_of(&cmds, |c| match c {
            Command::LoadPlatformTasks { seq, .. } => Some(*seq),
            _ => None,
        })
    };
    let seq = read(&mut app, t0);
    app.on_event(Event::PlatformTasks {
        seq,
        result: Err(broken("/zstack/v1/longjobs")),
    });
    let said = app.status.clone().unwrap();
    assert_eq!(said.level, Level::Error);
    assert!(
        said.text
            .starts_with("cannot read the platform's tasks: unexpected answer")
    );
    app.status = None;
    let seq = read(&mut app, t0 + std::time::Duration::from_secs(6));
    app.on_event(Event::PlatformTasks {
        seq,
        result: Err(broken("/zstack/v1/longjobs")),
    });
    assert!(app.status.is_none(), "said once, not every five seconds");
    assert!(app.platform_tasks_error.is_some());
    let seq = read(&mut app, t0 + std::time::Duration::from_secs(12));
    app.on_event(Event::PlatformTasks {
        seq,
        result: Ok(vec![]),
    });
    assert_eq!(app.platform_tasks_error, None);
}

#[test]
fn plans_and_remote_backups_read_again_on_r_after_a_failure() {
    let mut app = app_with(cloudtower_caps());
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('p'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPlans { seq, .. } => Some(*seq),
        _ => None,
    });
    assert!(app.handle_key(key('r')).is_empty(), "nothing failed yet");
    app.on_event(Event::BackupPlans {
        seq,
        result: Err(broken("/v2/api/get-backup-plans")),
    });
    let cmds = app.handle_key(key('r'));
    let again = seq_of(&cmds, |c| match c {
        Command::LoadBackupPlans { seq, .. } => Some(*seq),
        _ => None,
    });
    assert!(matches!(&app.dialog, Some(Dialog::Plans(pd)) if pd.loading && pd.seq == again));

    let mut app = app_with(crate::backend::tophc::capabilities());
    app.focus = Pane::Backups;
    let seq = app.backups.points_seq;
    app.on_event(Event::BackupPoints {
        seq,
        result: Ok(vec![BackupPoint {
            id: "bp1".into(),
            name: "nfs-1".into(),
            kind: "nfs".into(),
            state: String::new(),
            details: vec![],
        }]),
    });
    app.handle_key(key('i'));
    let seq = app.backups.points_seq;
    points_arrive(
        &mut app,
        vec![BackupPoint {
            id: "bp1".into(),
            name: "nfs-1".into(),
            kind: "nfs".into(),
            state: String::new(),
            details: vec![],
        }],
    );
    let _ = seq;
    let cmds = app.handle_key(code(KeyCode::Enter));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadRemoteBackups { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::RemoteBackups {
        seq,
        result: Err(broken("/v1/compute/backup/remote/list")),
    });
    let cmds = app.handle_key(key('r'));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadRemoteBackups { page, .. } if page.index == 0))
    );
    assert!(matches!(&app.dialog, Some(Dialog::Remote(rd)) if rd.loading));
}

#[test]
fn a_dialog_or_chain_read_that_cannot_reach_the_platform_marks_it_unreachable() {
    let unreachable = || BackendError::Connect {
        url: "https://tower.example.net".into(),
        reason: "connection refused".into(),
    };
    let mut app = app_with(cloudtower_caps());
    app.connection = Connection::Connected;
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('p'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPlans { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::BackupPlans {
        seq,
        result: Err(unreachable()),
    });
    assert!(matches!(app.connection, Connection::Unreachable(_)));

    app.dialog = None;
    app.connection = Connection::Connected;
    show_backups(&mut app, vec![restore_point("rp1", None, BackupKind::Full)]);
    let now = app.now;
    let cmds = app.tick(now, app.wall);
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupChain { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::BackupChain {
        seq,
        result: Err(unreachable()),
    });
    assert!(matches!(app.connection, Connection::Unreachable(_)));
}

/// One of ours paused on the platform stops its clock and is not counted as running; moving
/// again starts it.
#[test]
fn a_paused_task_of_ours_stops_its_clock() {
    let mut app = app_with(cloudtower_caps());
    let vm = app.vms.chosen.clone().unwrap();
    let t0 = app.now;
    let id = app.tasks.add(Operation::StartVm { vm }, t0);
    let at = |s| t0 + std::time::Duration::from_secs(s);
    app.tasks
        .update(id, TaskState::Running { progress: None }, at(2));
    app.tasks.update(
        id,
        TaskState::Paused {
            progress: Some(0.5),
        },
        at(10),
    );
    let entry = app.tasks.list.items.iter().find(|t| t.id == id).unwrap();
    assert_eq!(entry.elapsed(at(300)).as_secs(), 10);
    assert_eq!(app.tasks.running(), 0);
    app.tasks.update(
        id,
        TaskState::Running {
            progress: Some(0.6),
        },
        at(400),
    );
    let entry = app.tasks.list.items.iter().find(|t| t.id == id).unwrap();
    assert_eq!(entry.elapsed(at(410)).as_secs(), 410);
    assert_eq!(app.tasks.running(), 1);
}

/// `x` on a long job ZStack can cancel previews `cancelLongJob` like any operation (its
/// call, a confirmation, read-only refused there); on work that cannot be canceled, and
/// on CloudTower, the key says why instead of doing nothing.
#[test]
fn x_on_a_long_job_previews_its_cancel_and_elsewhere_says_why_not() {
    let mut app = app_with(zstack_caps());
    app.session.platform = Platform::ZStack;
    let cmds = app.tick(app.now, app.wall);
    let seq = platform_tasks_seq(&cmds);
    let wall = app.wall;
    let job = move |id: &str, state: TaskState, cancel: Option<&str>| PlatformTask {
        id: id.into(),
        title: format!("job {id}"),
        target: "ROOT-for-db-01".into(),
        user: String::new(),
        state,
        started: Some(wall),
        finished: None,
        details: vec![],
        cancel: cancel.map(str::to_string),
    };
    app.on_event(Event::PlatformTasks {
        seq,
        result: Ok(vec![
            job("api-1", TaskState::Running { progress: None }, Some("lj-1")),
            job("api-2", TaskState::Running { progress: None }, None),
            job("api-3", TaskState::Canceled, None),
        ]),
    });
    app.focus = Pane::Tasks;
    let select = |app: &mut App, id: &str| {
        let key = format!("platform:{id}");
        app.tasks.list.select_key(&key);
        assert_eq!(app.tasks.selected().map(|t| t.key.clone()), Some(key));
    };
    select(&mut app, "api-1");
    let cmds = app.handle_key(key('x'));
    assert!(
        matches!(&cmds[..], [Command::Plan { ops, .. }] if ops.len() == 1),
        "{cmds:?}"
    );
    assert_eq!(
        confirm_steps(&app),
        vec![Operation::CancelTask {
            task: Named::new("lj-1", "job api-1"),
            target: "ROOT-for-db-01".into(),
        }]
    );
    app.dialog = None;

    let said = |app: &App| {
        app.status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    };
    select(&mut app, "api-2");
    assert!(app.handle_key(key('x')).is_empty());
    assert!(app.dialog.is_none());
    assert!(
        said(&app).contains("ZStack cancels long jobs only"),
        "{}",
        said(&app)
    );
    select(&mut app, "api-3");
    assert!(app.handle_key(key('x')).is_empty());
    assert!(
        said(&app).contains("already ended (canceled)"),
        "{}",
        said(&app)
    );

    // Read-only: the preview opens and refuses to run it.
    let mut ro = app_with(zstack_caps());
    ro.session.platform = Platform::ZStack;
    ro.session.read_only = true;
    let cmds = ro.tick(ro.now, ro.wall);
    let seq = platform_tasks_seq(&cmds);
    ro.on_event(Event::PlatformTasks {
        seq,
        result: Ok(vec![job("api-1", TaskState::Queued, Some("lj-1"))]),
    });
    ro.focus = Pane::Tasks;
    select(&mut ro, "api-1");
    ro.handle_key(key('x'));
    let Some(Dialog::Confirm(cd)) = &ro.dialog else {
        panic!("the preview opens")
    };
    assert!(cd.read_only);

    // CloudTower has no task cancel.
    let mut ct = app_with(cloudtower_caps());
    ct.session.platform = Platform::CloudTower;
    let cmds = ct.tick(ct.now, ct.wall);
    let seq = platform_tasks_seq(&cmds);
    ct.on_event(Event::PlatformTasks {
        seq,
        result: Ok(vec![job("t1", TaskState::Running { progress: None }, None)]),
    });
    ct.focus = Pane::Tasks;
    select(&mut ct, "t1");
    assert!(ct.handle_key(key('x')).is_empty());
    assert!(
        said(&ct).contains("CloudTower has no task cancel"),
        "{}",
        said(&ct)
    );
}

/// The read of the platform's task list a tick asked for.
fn platform_tasks_seq(cmds: &[Command]) -> u64 {
    seq_of(cmds, |c| match c {
        Command::LoadPlatformTasks { seq, .. } => Some(*seq),
        _ => None,
    })
}
