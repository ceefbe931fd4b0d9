//! The app's update logic, driven by keys and events as the loop would, without a terminal.

use super::*;
use crate::fetcher::Event;
use crate::model::*;
use crate::operation::Operation;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(crate) fn tophc_caps() -> Capabilities {
    crate::backend::tophc::capabilities()
}

pub(crate) fn session(read_only: bool) -> Session {
    Session {
        profile: "lab".into(),
        platform: Platform::TopHc,
        endpoint: "http://127.0.0.1:8080".into(),
        user: "admin".into(),
        read_only,
        caps: tophc_caps(),
        backup_page_size: 10,
        refresh_every: Some(std::time::Duration::from_secs(30)),
    }
}

pub(crate) fn vm(id: &str, name: &str, power: VmPower) -> Vm {
    Vm {
        id: id.into(),
        name: name.into(),
        cluster: Named::new("c1", "host3222-cvm3322"),
        tenant: None,
        power,
        action: None,
        agent: AgentState::Connected,
        ip: "10.0.0.1".into(),
        zone: Some(Named::new("z1", "default")),
        group: Some(Named::new("g1", "default")),
        os: "CentOS x64".into(),
        vcpu: Some(2),
        memory_bytes: Some(4 << 30),
        created: None,
        details: vec![],
    }
}

fn snap(name: &str, t: i64) -> Snapshot {
    Snapshot {
        created: Some(Timestamp::from_second(t).unwrap()),
        disks: vec![SnapshotDisk {
            device: "sda".into(),
            volume_id: "vol-1".into(),
            snapshot_id: format!("vs-{name}"),
        }],
        ..Snapshot::named(name)
    }
}

/// origin → (a → now, b)
pub(crate) fn branched_tree() -> SnapshotTree {
    SnapshotTree::build(TreeInput {
        snapshots: vec![snap("origin", 1), snap("a", 2), snap("b", 3)],
        parent_of: vec![
            ("origin".into(), None),
            ("a".into(), Some("origin".into())),
            ("b".into(), Some("origin".into())),
        ],
        children_of: vec![],
        now: Some(Some("a".into())),
        now_label: "now".into(),
    })
}

pub(super) fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}
pub(super) fn code(k: KeyCode) -> KeyEvent {
    KeyEvent::new(k, KeyModifiers::NONE)
}
pub(super) fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        app.handle_key(key(c));
    }
}

pub(super) fn seq_of(cmds: &[Command], pick: impl Fn(&Command) -> Option<u64>) -> u64 {
    cmds.iter().find_map(pick).expect("command not issued")
}

/// An app connected, showing one cluster with two VMs, with `web-01` chosen.
fn ready_app(read_only: bool) -> App {
    ready_app_with(session(read_only))
}

/// Like [`ready_app`], for another platform's session.
pub(super) fn ready_app_with(session: Session) -> App {
    let mut app = App::new(session);
    app.tz = jiff::tz::TimeZone::UTC;
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
        result: Ok(Listing::complete(vec![Cluster {
            id: "c1".into(),
            name: "host3222-cvm3322".into(),
            state: ClusterState::Healthy,
            details: vec![],
        }])),
    });
    app.on_event(Event::Vms {
        seq: vseq,
        result: Ok(Listing::complete(Page {
            items: vec![
                vm("v1", "web-01", VmPower::Running),
                vm("v2", "db-01", VmPower::Stopped),
            ],
            total: 2,
            request: PageRequest::first(500),
        })),
        done: true,
    });
    app.focus = Pane::Vms;
    let cmds = app.handle_key(code(KeyCode::Enter));
    let sseq = seq_of(&cmds, |c| match c {
        Command::LoadSnapshots { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::Snapshots {
        seq: sseq,
        result: Ok(branched_tree()),
    });
    app
}

#[test]
fn start_loads_clusters_and_every_clusters_vms() {
    let mut app = App::new(session(false));
    let cmds = app.start();
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadClusters { .. }))
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadVms { cluster, .. } if cluster.id.is_empty()))
    );
}

#[test]
fn stale_answers_are_dropped() {
    let mut app = App::new(session(false));
    let first = app.start();
    let old = seq_of(&first, |c| match c {
        Command::LoadVms { seq, .. } => Some(*seq),
        _ => None,
    });
    // The user chose another cluster before the first answer came.
    app.clusters.set_clusters(vec![Cluster {
        id: "c1".into(),
        name: "one".into(),
        state: ClusterState::Healthy,
        details: vec![],
    }]);
    app.clusters.list.cursor.select(1, 2);
    app.focus = Pane::Clusters;
    let cmds = app.handle_key(code(KeyCode::Enter));
    let new = seq_of(&cmds, |c| match c {
        Command::LoadVms { seq, .. } => Some(*seq),
        _ => None,
    });
    assert_ne!(old, new);
    app.on_event(Event::Vms {
        seq: old,
        result: Ok(Listing::complete(Page {
            items: vec![vm("x", "stale", VmPower::Running)],
            total: 1,
            request: PageRequest::first(500),
        })),
        done: true,
    });
    assert!(app.vms.list.items.is_empty(), "stale list must not show");
}

#[test]
fn failed_cluster_is_named_and_others_still_show() {
    let mut app = App::new(session(false));
    let cmds = app.start();
    let vseq = seq_of(&cmds, |c| match c {
        Command::LoadVms { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::Vms {
        seq: vseq,
        result: Ok(Listing {
            value: Page {
                items: vec![vm("v1", "web-01", VmPower::Running)],
                total: 1,
                request: PageRequest::first(500),
            },
            failures: vec![ClusterFailure {
                cluster_id: "c9".into(),
                cluster_name: "edge-cluster-04".into(),
                message: "TopHC error 10000: Manager server error".into(),
            }],
        }),
        done: true,
    });
    assert_eq!(app.vms.list.items.len(), 1);
    assert_eq!(app.vms.failures[0].cluster_name, "edge-cluster-04");
}

#[test]
fn vm_chunks_append_and_keep_loading_flag() {
    let mut app = App::new(session(false));
    let cmds = app.start();
    let vseq = seq_of(&cmds, |c| match c {
        Command::LoadVms { seq, .. } => Some(*seq),
        _ => None,
    });
    let page = |index, n: usize| Page {
        items: (0..n)
            .map(|i| vm(&format!("v{index}-{i}"), "x", VmPower::Running))
            .collect(),
        total: 900,
        request: PageRequest { index, size: 500 },
    };
    app.on_event(Event::Vms {
        seq: vseq,
        result: Ok(Listing::complete(page(0, 500))),
        done: false,
    });
    assert!(app.vms.loading);
    app.on_event(Event::Vms {
        seq: vseq,
        result: Ok(Listing::complete(page(1, 400))),
        done: true,
    });
    assert!(!app.vms.loading);
    assert_eq!(app.vms.list.items.len(), 900);
}

/// A 900-VM listing in two chunks of the given seq, ids `v{index}-{i}`.
fn vm_chunk(seq: u64, index: u32, n: usize, done: bool) -> Event {
    Event::Vms {
        seq,
        result: Ok(Listing::complete(Page {
            items: (0..n)
                .map(|i| {
                    vm(
                        &format!("v{index}-{i}"),
                        &format!("vm-{index}-{i:03}"),
                        VmPower::Running,
                    )
                })
                .collect(),
            total: 900,
            request: PageRequest { index, size: 500 },
        })),
        done,
    }
}

fn load_vms_seq(cmds: &[Command]) -> Option<u64> {
    cmds.iter().find_map(|c| match c {
        Command::LoadVms { seq, .. } => Some(*seq),
        _ => None,
    })
}

#[test]
fn the_refresh_interval_does_not_restart_a_listing_still_arriving() {
    let mut app = App::new(session(false));
    let t0 = std::time::Instant::now();
    app.tick(t0, app.wall);
    let vseq = load_vms_seq(&app.start()).unwrap();
    app.on_event(vm_chunk(vseq, 0, 500, false));
    // The interval passes while the second chunk is still on its way.
    let cmds = app.tick(t0 + std::time::Duration::from_secs(31), app.wall);
    assert_eq!(
        load_vms_seq(&cmds),
        None,
        "the listing in flight is left to finish"
    );
    app.on_event(vm_chunk(vseq, 1, 400, true));
    assert_eq!(app.vms.list.items.len(), 900, "and it completes");
    let cmds = app.tick(t0 + std::time::Duration::from_secs(62), app.wall);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadVmPages { .. })),
        "a complete listing is re-read (without a change log, the pages in view): {cmds:?}"
    );
    // `r` restarts even a listing in flight: the way out of one that hangs.
    let mut app2 = App::new(session(false));
    let seq = load_vms_seq(&app2.start()).unwrap();
    app2.on_event(vm_chunk(seq, 0, 500, false));
    let cmds = app2.refresh();
    assert!(load_vms_seq(&cmds).is_some_and(|s| s != seq));
}

#[test]
fn a_re_read_keeps_the_rows_on_screen_until_it_is_complete_and_the_cursor_on_its_vm() {
    let mut app = App::new(session(false));
    let seq = load_vms_seq(&app.start()).unwrap();
    app.on_event(vm_chunk(seq, 0, 500, false));
    app.on_event(vm_chunk(seq, 1, 400, true));
    app.focus = Pane::Vms;
    for _ in 0..7 {
        app.handle_key(key('j'));
    }
    let on = app.vms.list.selected().unwrap().id.clone();
    let seq = load_vms_seq(&app.refresh()).unwrap();
    app.on_event(vm_chunk(seq, 0, 500, false));
    assert_eq!(
        app.vms.list.items.len(),
        900,
        "the old rows stay while the re-read arrives"
    );
    assert!(app.vms.incoming.is_some());
    // The new listing lacks the first VM: it only shows once complete.
    let Event::Vms {
        seq: s,
        result: Ok(mut last),
        done,
    } = vm_chunk(seq, 1, 400, true)
    else {
        unreachable!()
    };
    last.value.items.remove(0);
    app.on_event(Event::Vms {
        seq: s,
        result: Ok(last),
        done,
    });
    assert_eq!(app.vms.list.items.len(), 899);
    assert!(app.vms.incoming.is_none());
    assert_eq!(
        app.vms.list.selected().unwrap().id,
        on,
        "the cursor stays on the same VM"
    );
}

#[test]
fn a_failed_chunk_of_a_re_read_keeps_the_last_complete_listing_and_says_so() {
    let mut app = App::new(session(false));
    let seq = load_vms_seq(&app.start()).unwrap();
    app.on_event(vm_chunk(seq, 0, 500, false));
    app.on_event(vm_chunk(seq, 1, 400, true));
    let seq = load_vms_seq(&app.refresh()).unwrap();
    app.on_event(vm_chunk(seq, 0, 500, false));
    app.on_event(Event::Vms {
        seq,
        result: Err(crate::backend::BackendError::Decode {
            path: "/v1/compute/list".into(),
            reason: "truncated JSON".into(),
        }),
        done: true,
    });
    assert_eq!(app.vms.list.items.len(), 900);
    assert!(app.vms.incoming.is_none());
    let error = app.vms.error.clone().unwrap();
    assert!(
        error.contains("truncated JSON") && error.contains("last complete"),
        "{error}"
    );
}

#[test]
fn entering_a_vm_loads_its_snapshots_backups_and_points() {
    let mut app = ready_app(false);
    assert_eq!(app.focus, Pane::Snapshots);
    assert_eq!(app.vms.chosen.as_ref().unwrap().name, "web-01");
    // The tree opened on the snapshot the VM sits on.
    assert_eq!(app.snapshots.selected_snapshot().unwrap().1.name, "a");
    app.focus = Pane::Vms;
    let cmds = app.handle_key(code(KeyCode::Enter));
    assert!(cmds.iter().any(|c| matches!(c, Command::LoadBackups { query, .. } if matches!(&query.scope, BackupScope::Vm { vm, .. } if vm.id == "v1"))));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadVmDetail { .. }))
    );
}

#[test]
fn create_snapshot_runs_after_preview_and_confirm() {
    let mut app = ready_app(false);
    let cmds = app.handle_key(key('c'));
    assert!(cmds.is_empty());
    assert!(matches!(app.dialog, Some(Dialog::Form(_))));
    // Replace the default name.
    for _ in 0..40 {
        app.handle_key(code(KeyCode::Backspace));
    }
    type_text(&mut app, "before-upgrade");
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (pseq, ops) = cmds
        .iter()
        .find_map(|c| match c {
            Command::Plan { seq, ops } => Some((*seq, ops.clone())),
            _ => None,
        })
        .expect("preview asked for");
    assert!(
        matches!(&ops[0], Operation::CreateSnapshot { name, memory: false, .. } if name == "before-upgrade")
    );
    // Enter before the preview is ready does nothing.
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
    app.on_event(Event::Plan {
        seq: pseq,
        result: Ok(vec![crate::backend::HttpCall::post(
            "/v1/compute/vsd/snapshot/create",
            serde_json::json!({"name": "before-upgrade"}),
        )]),
    });
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (id, op) = cmds
        .iter()
        .find_map(|c| match c {
            Command::Execute { steps } => Some(steps[0].clone()),
            _ => None,
        })
        .expect("executed");
    assert!(matches!(op, Operation::CreateSnapshot { .. }));
    assert!(app.dialog.is_none());
    assert_eq!(app.tasks.list.items[0].state, TaskState::Queued);
    app.on_event(Event::Task {
        id,
        state: TaskState::Running { progress: None },
    });
    let cmds = app.on_event(Event::Task {
        id,
        state: TaskState::Succeeded,
    });
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadSnapshots { .. })),
        "the tree is re-read when the task ends"
    );
    assert_eq!(app.tasks.list.items.len(), 1, "ended tasks stay listed");
}

#[test]
fn memory_snapshot_needs_a_running_vm() {
    let mut app = ready_app(false);
    app.vms.list.items[0].power = VmPower::Stopped;
    app.handle_key(key('c'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("no form")
    };
    let mem = fd.form.fields.iter().find(|f| f.key == "memory").unwrap();
    assert!(mem.enabled.as_ref().unwrap_err().contains("running"));
}

#[test]
fn rollback_offers_safety_snapshot_and_needs_typed_name() {
    let mut app = ready_app(false);
    app.handle_key(key('R'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (pseq, ops) = cmds
        .iter()
        .find_map(|c| match c {
            Command::Plan { seq, ops } => Some((*seq, ops.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(ops.len(), 2, "safety snapshot first, on by default");
    assert!(
        matches!(&ops[0], Operation::CreateSnapshot { name, .. } if name.starts_with("before-rollback-"))
    );
    assert!(
        matches!(&ops[1], Operation::RollbackSnapshot { snapshot, .. } if snapshot.name == "a")
    );
    app.on_event(Event::Plan {
        seq: pseq,
        result: Ok(vec![]),
    });
    assert!(
        app.handle_key(code(KeyCode::Enter)).is_empty(),
        "name not typed yet"
    );
    type_text(&mut app, "x");
    assert!(
        app.handle_key(code(KeyCode::Enter)).is_empty(),
        "wrong name"
    );
    app.handle_key(code(KeyCode::Backspace));
    type_text(&mut app, "a");
    let cmds = app.handle_key(code(KeyCode::Enter));
    let steps = cmds
        .iter()
        .find_map(|c| match c {
            Command::Execute { steps } => Some(steps.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(app.tasks.list.items.len(), 2);
}

#[test]
fn rollback_without_safety_snapshot_is_one_step() {
    let mut app = ready_app(false);
    app.handle_key(key('R'));
    app.handle_key(code(KeyCode::Char(' '))); // untick the safety snapshot
    let cmds = app.handle_key(code(KeyCode::Enter));
    let ops = cmds
        .iter()
        .find_map(|c| match c {
            Command::Plan { ops, .. } => Some(ops.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(ops.len(), 1);
}

#[test]
fn delete_of_a_snapshot_with_two_children_is_refused_with_reason() {
    let mut app = ready_app(false);
    let origin = app.snapshots.tree.as_ref().unwrap().find("origin").unwrap();
    app.snapshots.select_node(origin);
    let cmds = app.handle_key(key('d'));
    assert!(cmds.is_empty());
    let Some(Dialog::Message(m)) = &app.dialog else {
        panic!("expected a refusal")
    };
    assert!(m.lines[0].contains("2 child snapshots"), "{:?}", m.lines);
}

#[test]
fn delete_leaf_asks_for_typed_name() {
    let mut app = ready_app(false);
    let b = app.snapshots.tree.as_ref().unwrap().find("b").unwrap();
    app.snapshots.select_node(b);
    let cmds = app.handle_key(key('d'));
    assert!(cmds.iter().any(|c| matches!(c, Command::Plan { .. })));
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("no confirm")
    };
    assert_eq!(cd.typed.as_ref().unwrap().0, "b");
}

#[test]
fn per_disk_rollback_of_a_running_vm_offers_the_stop_first() {
    let mut app = ready_app(false);
    app.handle_key(key('D'));
    let Some(Dialog::Message(m)) = &app.dialog else {
        panic!("expected the reason and the offer")
    };
    assert!(
        m.lines[0].contains("shut off") && m.lines[0].contains("running"),
        "{:?}",
        m.lines
    );
    assert_eq!(m.offer.as_ref().map(|o| o.key), Some('s'), "{:?}", m.lines);
    // s: the stop as its own form (shut down: web-01's agent is connected) and its own
    // confirmation; the rollback is not folded into it.
    app.handle_key(key('s'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("stop form")
    };
    assert_eq!(fd.form.choice("how").unwrap().0, "shutdown");
    let cmds = app.handle_key(code(KeyCode::Enter));
    let Some(Command::Plan { ops, .. }) = cmds.iter().find(|c| matches!(c, Command::Plan { .. }))
    else {
        panic!("no plan: {cmds:?}")
    };
    assert_eq!(
        ops,
        &vec![Operation::StopVm {
            vm: app.vms.chosen.clone().unwrap(),
            force: false
        }]
    );

    app.dialog = None;
    app.vms.list.items[0].power = VmPower::Stopped;
    app.handle_key(key('D'));
    assert!(matches!(app.dialog, Some(Dialog::Form(_))));
}

#[test]
fn stop_defaults_to_power_off_when_the_guest_tools_are_not_running() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    for (agent, default, said) in [
        (AgentState::Connected, "shutdown", None),
        (AgentState::Unknown(String::new()), "shutdown", None),
        (AgentState::NotInstalled, "poweroff", Some("not installed")),
        (AgentState::Disconnected, "poweroff", Some("not running")),
        (AgentState::Pending, "poweroff", Some("not connected yet")),
    ] {
        app.dialog = None;
        app.vms.list.items[0].agent = agent.clone();
        app.handle_key(key('S'));
        let Some(Dialog::Form(fd)) = &app.dialog else {
            panic!("stop form for {agent:?}")
        };
        assert_eq!(fd.form.choice("how").unwrap().0, default, "{agent:?}");
        let why = fd
            .form
            .intro
            .iter()
            .find(|l| l.contains("power off is chosen"));
        match said {
            Some(state) => assert!(
                why.is_some_and(|l| l.contains(state)),
                "{:?}",
                fd.form.intro
            ),
            None => assert!(why.is_none(), "{:?}", fd.form.intro),
        }
    }
}

#[test]
fn read_only_profile_blocks_confirmation() {
    let mut app = ready_app(true);
    app.handle_key(key('c'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let pseq = seq_of(&cmds, |c| match c {
        Command::Plan { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::Plan {
        seq: pseq,
        result: Ok(vec![]),
    });
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!()
    };
    assert!(cd.blocked_reason().unwrap().contains("read-only"));
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
}

#[test]
fn refused_plan_is_shown_and_blocks() {
    let mut app = ready_app(false);
    app.handle_key(key('c'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let pseq = seq_of(&cmds, |c| match c {
        Command::Plan { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::Plan {
        seq: pseq,
        result: Err(crate::backend::BackendError::Refused("no".into())),
    });
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!()
    };
    assert_eq!(cd.blocked_reason().as_deref(), Some("no"));
}

fn backup(i: usize) -> Backup {
    Backup {
        id: format!("b{i}"),
        name: format!("backup-{i}"),
        description: String::new(),
        vm: Named::new("v1", "web-01"),
        cluster: Named::new("c1", "host3222-cvm3322"),
        tenant: None,
        point: Some(Named::new("p1", "nfs-1")),
        created: Some(Timestamp::from_second(1_700_000_000 + i as i64).unwrap()),
        status: BackupStatus::Done,
        kind: Some(BackupKind::Full),
        disks: vec![BackupDisk {
            device: "sda".into(),
            id: "d".into(),
            capacity: Some(5 << 30),
            details: vec![],
        }],
        details: vec![],
        category: Default::default(),
        volume: None,
        root_volume: false,
        locations: Vec::new(),
        parent: None,
    }
}

fn backups_event(app: &mut App, seq: u64, index: u32, total: u64) {
    app.on_event(Event::Backups {
        seq,
        result: Ok(Listing::complete(Page {
            items: (0..10).map(|i| backup(index as usize * 10 + i)).collect(),
            total,
            request: PageRequest { index, size: 10 },
        })),
    });
}

#[test]
fn backup_paging_keys() {
    let mut app = ready_app(false);
    app.focus = Pane::Backups;
    let seq = app.backups.seq;
    backups_event(&mut app, seq, 0, 117);
    assert_eq!(app.backups.position_label(), "page 1/12 · 117 backups");
    let page_of = |cmds: &[Command]| {
        cmds.iter().find_map(|c| match c {
            Command::LoadBackups { query, .. } => Some(query.page.index),
            _ => None,
        })
    };
    assert_eq!(page_of(&app.handle_key(key(']'))), Some(1));
    assert_eq!(page_of(&app.handle_key(key('}'))), Some(11));
    let seq = app.backups.seq;
    backups_event(&mut app, seq, 11, 117);
    assert_eq!(
        page_of(&app.handle_key(key(']'))),
        None,
        "no page after the last"
    );
    assert_eq!(page_of(&app.handle_key(key('['))), Some(10));
    assert_eq!(page_of(&app.handle_key(key('{'))), Some(0));
}

#[test]
fn backup_filter_form_sets_the_query() {
    let mut app = ready_app(false);
    app.focus = Pane::Backups;
    app.handle_key(key('f'));
    type_text(&mut app, "nightly");
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Tab));
    type_text(&mut app, "2024-01-01");
    let cmds = app.handle_key(code(KeyCode::Enter));
    let q = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadBackups { query, .. } => Some(query.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(q.filter.name, "nightly");
    assert_eq!(q.filter.since.unwrap().as_second(), 1_704_067_200);
    assert_eq!(q.page.index, 0);
}

#[test]
fn bad_date_in_filter_stays_in_the_form() {
    let mut app = ready_app(false);
    app.focus = Pane::Backups;
    app.handle_key(key('f'));
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Tab));
    type_text(&mut app, "yesterday");
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!()
    };
    assert!(fd.form.error.as_ref().unwrap().contains("YYYY-MM-DD"));
}

#[test]
fn restore_form_is_prefilled_and_builds_the_operation() {
    let mut app = ready_app(false);
    app.vms.detail = Some(VmDetail {
        vm: vm("v1", "web-01", VmPower::Running),
        disks: vec![VmDisk {
            device: "sda".into(),
            volume: Named::new("vol", "web-01-sda"),
            pool: Some(Named::new("pool2", "ssd-pool")),
            capacity: Some(5 << 30),
            disk_type: Some("SSD".into()),
            is_root: true,
        }],
        details: vec![],
    });
    app.focus = Pane::Backups;
    let seq = app.backups.seq;
    backups_event(&mut app, seq, 0, 10);
    let cmds = app.handle_key(key('R'));
    let cseq = seq_of(&cmds, |c| match c {
        Command::LoadRestoreChoices { seq, .. } => Some(*seq),
        _ => None,
    });
    let zone_hint = |app: &App| match &app.dialog {
        Some(Dialog::Form(fd)) => fd
            .form
            .fields
            .iter()
            .find(|f| f.key == "zone")
            .unwrap()
            .hint
            .clone(),
        _ => panic!("the restore form"),
    };
    assert_eq!(
        zone_hint(&app).as_deref(),
        Some("loading zones, object groups and pools…")
    );
    app.on_event(Event::RestoreChoices {
        seq: cseq,
        result: Ok(RestoreChoices {
            zones: vec![Named::new("z0", "other"), Named::new("z1", "default")],
            groups: vec![Named::new("g1", "default")],
            pools: vec![
                Named::new("pool1", "hdd-pool"),
                Named::new("pool2", "ssd-pool"),
            ],
            disk_types: vec!["HDD".into(), "SSD".into()],
            clusters: Vec::new(),
            hosts: Vec::new(),
            networks: Vec::new(),
            source_networks: Vec::new(),
        }),
    });
    assert_eq!(zone_hint(&app), None, "the choices are here");
    let cmds = app.handle_key(code(KeyCode::Enter));
    let ops = cmds
        .iter()
        .find_map(|c| match c {
            Command::Plan { ops, .. } => Some(ops.clone()),
            _ => None,
        })
        .expect("restore previewed");
    let Operation::RestoreBackup { spec, .. } = &ops[0] else {
        panic!()
    };
    assert_eq!(spec.zone_id, "z1", "zone pre-filled from the VM");
    assert_eq!(
        spec.disks[0].pool_id, "pool2",
        "pool pre-filled from the VM's disk"
    );
    assert_eq!(spec.disks[0].disk_type, "SSD");
    assert!(spec.new_vm_name.starts_with("web-01-restored-"));
}

#[test]
fn task_failure_and_unknown_are_reported() {
    let mut app = ready_app(false);
    let id = app.tasks.add(
        Operation::DeleteBackup {
            backup: backup(1).to_ref(),
        },
        app.now,
    );
    let cmds = app.on_event(Event::Task {
        id,
        state: TaskState::Unknown {
            reason: "answer lost".into(),
        },
    });
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadBackups { .. })),
        "re-read after unknown"
    );
    assert_eq!(app.status.as_ref().unwrap().level, Level::Warn);
    app.on_event(Event::Task {
        id,
        state: TaskState::Succeeded,
    });
    assert_eq!(app.tasks.list.items[0].state, TaskState::Succeeded);
    assert_eq!(app.tasks.list.items[0].history.len(), 3);
}

#[test]
fn tab_cycles_panes_and_esc_goes_back() {
    let mut app = App::new(session(false));
    for expected in [
        Pane::Vms,
        Pane::Snapshots,
        Pane::Backups,
        Pane::Tasks,
        Pane::Clusters,
    ] {
        app.handle_key(code(KeyCode::Tab));
        assert_eq!(app.focus, expected);
    }
    app.handle_key(code(KeyCode::BackTab));
    assert_eq!(app.focus, Pane::Tasks);
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(app.focus, Pane::Vms);
    app.handle_key(key('q'));
    assert!(app.quit);
}

#[test]
fn create_backup_form_fills_points_when_they_arrive() {
    let mut app = ready_app(false);
    app.backups.points.clear();
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('c'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPoints { seq, .. } => Some(*seq),
        _ => None,
    });
    // Submitting before they arrive says why.
    app.handle_key(code(KeyCode::Enter));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!()
    };
    assert!(fd.form.error.as_ref().unwrap().contains("backup point"));
    app.on_event(Event::BackupPoints {
        seq,
        result: Ok(vec![BackupPoint {
            id: "bp1".into(),
            name: "nfs_type_1".into(),
            kind: "nfs".into(),
            state: "healthy".into(),
            details: vec![],
        }]),
    });
    let cmds = app.handle_key(code(KeyCode::Enter));
    let ops = cmds
        .iter()
        .find_map(|c| match c {
            Command::Plan { ops, .. } => Some(ops.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        matches!(&ops[0], Operation::CreateBackup { point, full: true, .. } if point.id == "bp1" && point.name == "nfs_type_1")
    );
}

#[test]
fn mouse_click_focuses_selects_and_enters() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut app = ready_app(false);
    app.focus = Pane::Clusters;
    let mut t = Terminal::new(TestBackend::new(140, 40)).unwrap();
    let theme = crate::theme::Theme::dark();
    t.draw(|f| crate::ui::draw(f, &app, &theme)).unwrap();
    let vms = app.pane_areas.get()[1];
    let click = |x, y| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    };
    // Header is the first inner row; the second VM is two rows below it.
    let cmds = app.handle_mouse(click(vms.x + 5, vms.y + 3));
    assert!(cmds.is_empty());
    assert_eq!(app.focus, Pane::Vms);
    assert_eq!(app.vms.selected().unwrap().name, "db-01");
    t.draw(|f| crate::ui::draw(f, &app, &theme)).unwrap();
    let cmds = app.handle_mouse(click(vms.x + 5, vms.y + 3));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadSnapshots { vm, .. } if vm.name == "db-01"))
    );
    // The wheel scrolls the pane under the pointer; mouse off ignores everything.
    app.mouse = false;
    assert!(app.handle_mouse(click(vms.x + 5, vms.y + 2)).is_empty());
    assert_eq!(app.focus, Pane::Snapshots);
}

#[test]
fn command_mode_completes_and_runs() {
    let mut app = ready_app(false);
    app.set_sites(
        vec![
            sites::SiteSummary::connected(session(false)),
            sites::SiteSummary::new("prod", Platform::TopHc, "http://10.0.0.9"),
        ],
        0,
    );
    app.handle_key(key(':'));
    assert!(app.prompt.is_some());
    type_text(&mut app, "ba");
    assert_eq!(app.prompt.as_ref().unwrap().candidates, ["backups"]);
    app.handle_key(code(KeyCode::Tab));
    assert_eq!(app.prompt.as_ref().unwrap().input.value(), "backups");
    app.handle_key(code(KeyCode::Enter));
    assert!(app.prompt.is_none());
    assert_eq!(app.focus, Pane::Backups);
    // Aliases.
    app.handle_key(key(':'));
    type_text(&mut app, "vm");
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.focus, Pane::Vms);
    // Arguments complete too; unknown things are explained in the prompt.
    app.handle_key(key(':'));
    type_text(&mut app, "profile p");
    assert_eq!(app.prompt.as_ref().unwrap().candidates, ["prod"]);
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Enter));
    // prod is still connecting: the switch waits for it.
    assert_eq!(app.sites.pending.as_ref().map(|p| p.0), Some(1));
    app.handle_key(key(':'));
    type_text(&mut app, "frobnicate");
    app.handle_key(code(KeyCode::Enter));
    assert!(
        app.prompt
            .as_ref()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .contains("frobnicate")
    );
    app.handle_key(code(KeyCode::Esc));
    app.handle_key(key(':'));
    type_text(&mut app, "q");
    app.handle_key(code(KeyCode::Enter));
    assert!(app.quit);
}

#[test]
fn filter_as_you_type_inverts_and_clears() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    app.handle_key(key('/'));
    type_text(&mut app, "db");
    assert_eq!(app.vms.list.rows(), 1, "filtered while typing");
    assert_eq!(app.vms.selected().unwrap().name, "db-01");
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.vms.list.rows(), 1, "kept after Enter");
    app.handle_key(key('/'));
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut app, "!db");
    assert_eq!(app.vms.selected().unwrap().name, "web-01");
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(app.vms.list.rows(), 2, "Esc clears the filter");
}

#[test]
fn sorting_from_keys_and_command() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    app.handle_key(key('o'));
    assert_eq!(app.vms.list.row(0).unwrap().name, "db-01", "by name");
    app.handle_key(key('O'));
    assert_eq!(app.vms.list.row(0).unwrap().name, "web-01", "reversed");
    assert!(app.state_changed);
    app.run_command("sort power").unwrap();
    assert_eq!(app.vms.list.row(0).unwrap().power, VmPower::Running);
    assert!(
        app.run_command("sort colour")
            .unwrap_err()
            .contains("colour")
    );
}

#[test]
fn sorts_round_trip_through_the_state_file_format() {
    let mut app = ready_app(false);
    app.run_command("vms").unwrap();
    app.run_command("sort ip desc").unwrap();
    let state = app.ui_state();
    assert_eq!(state.sort.get("vms").map(String::as_str), Some("ip:desc"));
    let text = toml::to_string(&state).unwrap();
    let back: crate::state::UiState = toml::from_str(&text).unwrap();
    let mut fresh = App::new(session(false));
    fresh.apply_ui_state(&back);
    assert_eq!(fresh.ui_state(), state);
    assert!(!fresh.state_changed);
    // Rubbish in the file is ignored, not fatal.
    let junk: crate::state::UiState =
        toml::from_str("[sort]\nvms = \"colour:sideways\"\nnope = \"x\"\n").unwrap();
    fresh.apply_ui_state(&junk);
}

#[test]
fn refresh_interval_rereads_quietly() {
    let mut app = ready_app(false);
    let t0 = app.now;
    assert!(
        app.tick(t0, app.wall)
            .iter()
            .all(|c| !matches!(c, Command::LoadClusters { .. }))
    );
    let cmds = app.tick(t0 + std::time::Duration::from_secs(31), app.wall);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadClusters { .. }))
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadSnapshots { .. }))
    );
    let cmds = app.tick(t0 + std::time::Duration::from_secs(40), app.wall);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Command::LoadClusters { .. })),
        "not again so soon"
    );
    app.session.refresh_every = None;
    let cmds = app.tick(t0 + std::time::Duration::from_secs(400), app.wall);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Command::LoadClusters { .. }))
    );
}

/// `r` says "refreshing…" while it re-reads, and not a moment after the lists are in.
#[test]
fn refreshing_notice_goes_when_the_refresh_is_done() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    let cmds = app.handle_key(key('r'));
    assert_eq!(app.status.as_ref().unwrap().text, "refreshing…");
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
        result: Ok(Listing::complete(vec![])),
    });
    assert!(app.status.is_some(), "the VMs are still coming");
    app.on_event(Event::Vms {
        seq: vseq,
        result: Ok(Listing::complete(Page {
            items: vec![vm("v1", "web-01", VmPower::Running)],
            total: 1,
            request: PageRequest::first(500),
        })),
        done: true,
    });
    assert!(
        app.status.is_none(),
        "{:?}",
        app.status.as_ref().map(|s| &s.text)
    );
}

/// `:sort` offers only the columns the VM list draws: no GROUP, AGENT or ZONE where no VM
/// has one (ZStack has no groups and reports no agent), no CLUSTER within one cluster.
#[test]
fn sort_offers_only_drawn_columns() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    app.vms.cluster = Some(Named::new("", "All clusters"));
    let offered = |app: &App| app.completions("sort ");
    assert!(offered(&app).contains(&"group".to_string()));
    let mut vms = app.vms.list.items.clone();
    for v in &mut vms {
        v.group = None;
        v.agent = AgentState::Unknown(String::new());
    }
    app.vms.note_columns(&vms, true);
    let cols = offered(&app);
    assert!(
        cols.contains(&"zone".to_string()) && cols.contains(&"cluster".to_string()),
        "{cols:?}"
    );
    assert!(
        !cols.contains(&"group".to_string()) && !cols.contains(&"agent".to_string()),
        "{cols:?}"
    );
    let e = app.run_command("sort group").unwrap_err();
    assert!(
        e.contains("no column \"group\"") && !e.contains("group,") && e.contains("zone"),
        "{e}"
    );
    assert!(app.run_command("sort zone desc").is_ok());
    app.vms.cluster = Some(Named::new("c1", "host3222-cvm3322"));
    assert!(!offered(&app).contains(&"cluster".to_string()));
}

#[test]
fn y_copies_the_selected_id_and_shift_y_its_name_with_osc_52() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    let vm = app.vms.selected().unwrap().clone();
    assert!(app.take_clipboard().is_none(), "nothing before a key");
    app.handle_key(key('y'));
    assert_eq!(
        app.take_clipboard().as_deref(),
        Some(format!("\x1b]52;c;{}\x07", b64(&vm.id)).as_str())
    );
    let said = app.status.as_ref().unwrap().text.clone();
    assert!(said.contains("id") && said.contains(&vm.id), "{said}");
    assert!(app.take_clipboard().is_none(), "written once");
    // `Y` on a VM with an address copies the address, and says so.
    assert_eq!(vm.ip, "10.0.0.1");
    app.handle_key(key('Y'));
    assert_eq!(
        app.take_clipboard().as_deref(),
        Some(format!("\x1b]52;c;{}\x07", b64("10.0.0.1")).as_str())
    );
    let said = app.status.as_ref().unwrap().text.clone();
    assert!(said.contains("VM's IP: 10.0.0.1"), "{said}");
    // Without one, its name.
    let sel = app.vms.selected().unwrap().id.clone();
    for v in &mut app.vms.list.items {
        if v.id == sel {
            v.ip.clear();
        }
    }
    app.handle_key(key('Y'));
    assert_eq!(
        app.take_clipboard().as_deref(),
        Some(format!("\x1b]52;c;{}\x07", b64(&vm.name)).as_str())
    );
    let said = app.status.as_ref().unwrap().text.clone();
    assert!(
        said.contains("VM's name") && said.contains(&vm.name),
        "{said}"
    );
    // "All clusters" is no item: nothing is copied, and the status line says so.
    app.focus = Pane::Clusters;
    app.clusters.list.cursor.reset();
    app.handle_key(key('y'));
    assert!(app.take_clipboard().is_none());
    assert_eq!(app.status.as_ref().unwrap().level, Level::Warn);
}

fn marked_ids(app: &App) -> Vec<String> {
    app.vms.marks.iter().cloned().collect()
}

#[test]
fn space_marks_and_moves_down_star_marks_what_the_filter_shows_esc_clears() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    app.vms.list.cursor.reset();
    app.handle_key(key(' '));
    assert_eq!(marked_ids(&app), ["v1"]);
    assert_eq!(app.vms.selected().unwrap().id, "v2", "Space moves down");
    app.handle_key(key(' '));
    assert_eq!(marked_ids(&app), ["v1", "v2"]);
    app.handle_key(key('k'));
    app.handle_key(key(' '));
    assert_eq!(marked_ids(&app), ["v2"], "Space again unmarks");
    // Esc with marks clears them and stays in VMs; without marks it goes back.
    app.handle_key(code(KeyCode::Esc));
    assert!(app.vms.marks.is_empty());
    assert_eq!(app.focus, Pane::Vms);
    // `*` marks only what the filter shows.
    app.handle_key(key('/'));
    type_text(&mut app, "db");
    app.handle_key(code(KeyCode::Enter));
    app.handle_key(key('*'));
    assert_eq!(marked_ids(&app), ["v2"]);
    // A filter hiding a marked VM keeps its mark, and it is still a target.
    app.handle_key(key('/'));
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut app, "web");
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(marked_ids(&app), ["v2"]);
    assert_eq!(
        app.vms.marked().iter().map(|v| &v.name).collect::<Vec<_>>(),
        ["db-01"]
    );
    app.handle_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
    assert_eq!(marked_ids(&app), ["v1", "v2"], "ctrl-a is `*`");
    app.handle_key(code(KeyCode::Esc));
    assert!(app.vms.marks.is_empty());
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(app.focus, Pane::Clusters, "no marks: Esc is back");
}

#[test]
fn marks_survive_sorting_and_a_re_read_and_go_with_their_vm() {
    let mut app = App::new(session(false));
    let seq = load_vms_seq(&app.start()).unwrap();
    app.on_event(vm_chunk(seq, 0, 500, false));
    app.on_event(vm_chunk(seq, 1, 400, true));
    app.focus = Pane::Vms;
    app.handle_key(key(' '));
    app.handle_key(key(' '));
    let first: Vec<String> = marked_ids(&app);
    assert_eq!(first, ["v0-0", "v0-1"]);
    app.handle_key(key('O'));
    assert_eq!(marked_ids(&app), first, "sorting keeps the marks");
    assert_ne!(app.vms.list.row(0).unwrap().id, "v0-0");
    // The re-read that replaces the listing at once: the marks stay on their VMs, and a
    // VM the new listing lacks loses its mark.
    let seq = load_vms_seq(&app.refresh()).unwrap();
    app.on_event(vm_chunk(seq, 0, 500, false));
    assert_eq!(marked_ids(&app), first, "kept while the re-read arrives");
    let Event::Vms {
        seq: s,
        result: Ok(mut last),
        done,
    } = vm_chunk(seq, 1, 400, true)
    else {
        unreachable!()
    };
    app.on_event(Event::Vms {
        seq: s,
        result: Ok(last.clone()),
        done,
    });
    assert_eq!(marked_ids(&app), first, "kept by id across the re-read");
    // Another re-read without v0-1.
    let seq = load_vms_seq(&app.refresh()).unwrap();
    let Event::Vms {
        result: Ok(mut head),
        ..
    } = vm_chunk(seq, 0, 500, false)
    else {
        unreachable!()
    };
    head.value.items.retain(|v| v.id != "v0-1");
    app.on_event(Event::Vms {
        seq,
        result: Ok(head),
        done: false,
    });
    last.value.request.index = 1;
    app.on_event(Event::Vms {
        seq,
        result: Ok(last),
        done: true,
    });
    assert_eq!(marked_ids(&app), ["v0-0"], "a VM gone takes its mark along");
}

#[test]
fn marks_are_cleared_on_a_cluster_switch() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    app.handle_key(key('*'));
    assert_eq!(app.vms.marks.len(), 2);
    app.focus = Pane::Clusters;
    app.clusters.list.cursor.reset();
    app.handle_key(key('j'));
    app.handle_key(code(KeyCode::Enter));
    assert!(app.vms.marks.is_empty());
}

fn console_access(url: &str) -> ConsoleAccess {
    ConsoleAccess {
        url: url.into(),
        expires_at: Some(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(10)),
        host: "10.0.0.9".into(),
        port: 443,
        protocol: ConsoleProtocol::VncWebsocket,
        notes: vec![],
    }
}

#[test]
fn v_reads_the_console_copies_its_url_with_osc_52_and_keeps_the_token_off_the_status_line() {
    use base64::Engine;
    let url = "wss://10.0.0.9/websockify/?uuid=vm-1&token=SECRET-TOKEN-42";
    let mut app = ready_app(true);
    app.focus = Pane::Vms;
    let vm = app.vms.selected().unwrap().clone();
    let cmds = app.handle_key(key('v'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadConsole { seq, vm: v } => {
            assert_eq!(v.id, vm.id, "the VM under the cursor");
            Some(*seq)
        }
        _ => None,
    });
    assert!(
        app.take_clipboard().is_none(),
        "nothing copied before it is read"
    );
    // A stale answer (an earlier `v`) is dropped.
    app.on_event(Event::Console {
        seq: seq + 100,
        result: Ok(console_access("wss://old/?token=OLD")),
    });
    assert!(app.take_clipboard().is_none());
    app.on_event(Event::Console {
        seq,
        result: Ok(console_access(url)),
    });
    let b64 = base64::engine::general_purpose::STANDARD.encode(url);
    assert_eq!(
        app.take_clipboard().as_deref(),
        Some(format!("\x1b]52;c;{b64}\x07").as_str()),
        "the whole URL, token and all, goes to the clipboard"
    );
    let said = &app.status.as_ref().unwrap().text;
    assert!(said.contains("copied the console URL"), "{said}");
    assert!(!said.contains("SECRET-TOKEN-42"), "{said}");
    // `y` copies it again; `s` shows the token in the box and hides it again.
    app.handle_key(key('y'));
    assert!(app.take_clipboard().unwrap().contains(&b64));
    let reveal = |app: &App| match &app.dialog {
        Some(Dialog::Console(cd)) => cd.reveal,
        _ => panic!("the console box is open"),
    };
    assert!(!reveal(&app));
    app.handle_key(key('s'));
    assert!(reveal(&app));
    app.handle_key(key('s'));
    assert!(!reveal(&app));
    app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(app.dialog.is_none());
}

#[test]
fn v_in_tasks_opens_the_console_of_a_finished_tasks_vm_only() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    let vm = app.vms.selected().unwrap().to_ref();
    app.focus = Pane::Tasks;
    let cmds = app.handle_key(key('v'));
    assert!(cmds.is_empty(), "no task: nothing read");
    assert_eq!(app.status.as_ref().unwrap().level, Level::Warn);
    let id = app
        .tasks
        .add(Operation::StartVm { vm: vm.clone() }, app.now);
    let cmds = app.handle_key(key('v'));
    assert!(cmds.is_empty(), "a task not yet ended: its VM waits");
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("once it has ended"),
        "{:?}",
        app.status
    );
    app.on_event(Event::Task {
        id,
        state: TaskState::Succeeded,
    });
    let cmds = app.handle_key(key('v'));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadConsole { vm: v, .. } if v.id == vm.id)),
        "{cmds:?}"
    );
}

/// Marks v1 and v2 with the cursor in VMs.
fn app_with_both_marked() -> App {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    app.handle_key(key('*'));
    assert_eq!(app.vms.marks.len(), 2);
    app
}

fn plan_each_seq(cmds: &[Command]) -> (u64, Vec<Operation>) {
    cmds.iter()
        .find_map(|c| match c {
            Command::PlanEach { seq, ops } => Some((*seq, ops.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a PlanEach in {cmds:?}"))
}

/// `R` with marks: each VM's snapshot of the pattern's name is looked up, and the preview
/// rolls back those that have exactly one; none, several, or a tree that cannot be read
/// leave a VM out with the reason. Where only stopped VMs revert, running ones are left
/// out before anything is read.
#[test]
fn r_with_marks_rolls_each_vm_back_to_its_snapshot_of_that_name() {
    let mut app = app_with_both_marked();
    app.wall = "2026-12-03T12:30:00Z".parse().unwrap();
    app.handle_key(key('R'));
    let Some(Dialog::Form(fd)) = &app.dialog else {
        panic!("the name form")
    };
    assert!(fd.form.title.contains("Roll back 2 marked VMs"));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (seq, targets) = cmds
        .iter()
        .find_map(|c| match c {
            Command::FindSnapshots { seq, targets } => Some((*seq, targets.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{cmds:?}"));
    let names: Vec<(&str, &str)> = targets
        .iter()
        .map(|(vm, n)| (vm.id.as_str(), n.as_str()))
        .collect();
    let (a, b) = (names[0].0.to_string(), names[1].0.to_string());
    assert_eq!(names.len(), 2);
    assert!(
        names
            .iter()
            .all(|(_, n)| n.starts_with("pre-patch-") && n.ends_with("-20261203"))
    );
    let snap = |id: &str| SnapshotRef {
        id: id.into(),
        name: targets[0].1.clone(),
        volume: None,
    };
    // A stale answer is dropped.
    app.on_event(Event::SnapshotsFound {
        seq: seq + 100,
        found: vec![Ok(vec![snap("s1")]), Ok(vec![])],
    });
    assert!(app.dialog.is_none());
    let cmds = app.on_event(Event::SnapshotsFound {
        seq,
        found: vec![Ok(vec![snap("s1")]), Ok(vec![snap("s2"), snap("s3")])],
    });
    let (_, ops) = plan_each_seq(&cmds);
    assert!(
        matches!(&ops[..], [Operation::RollbackSnapshot { vm, snapshot, memory: false }]
            if vm.id == a && snapshot.id == "s1"),
        "{ops:?}"
    );
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("the bulk preview")
    };
    let skipped = &cd.bulk.as_ref().unwrap().skipped;
    assert!(
        skipped.len() == 1 && skipped[0].contains("2 snapshots named pre-patch-"),
        "{skipped:?} ({b})"
    );
    assert_eq!(cd.typed.as_ref().unwrap().0, "1");

    // Only stopped VMs revert here: the running one is left out before any read.
    let mut app = app_with_both_marked();
    app.session.caps.rollback_requires_stopped = true;
    app.handle_key(key('R'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let running: Vec<String> = app
        .vms
        .marked()
        .into_iter()
        .filter(|v| !v.power.is_stopped())
        .map(|v| v.id.clone())
        .collect();
    assert!(!running.is_empty(), "the fixture has a running VM");
    let targets = cmds
        .iter()
        .find_map(|c| match c {
            Command::FindSnapshots { targets, .. } => Some(targets.clone()),
            _ => None,
        })
        .unwrap_or_default();
    assert!(targets.iter().all(|(vm, _)| !running.contains(&vm.id)));
}

#[test]
fn c_with_marks_previews_one_snapshot_per_vm_skips_a_refused_one_and_confirms_the_count() {
    let mut app = app_with_both_marked();
    app.wall = "2026-12-03T12:30:00Z".parse().unwrap();
    app.handle_key(key('c'));
    assert!(
        matches!(app.dialog, Some(Dialog::Form(_))),
        "the pattern form"
    );
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (seq, ops) = plan_each_seq(&cmds);
    let names: Vec<&str> = ops
        .iter()
        .map(|o| match o {
            Operation::CreateSnapshot { name, .. } => name.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        ["pre-patch-web-01-20261203", "pre-patch-db-01-20261203"]
    );
    // The platform refuses db-01's: it is left out, with the reason, and the count is 1.
    app.on_event(Event::PlanEach {
        seq,
        results: vec![
            Ok(vec![crate::backend::HttpCall::post(
                "/v1/compute/vsd/snapshot/create",
                serde_json::json!({"name": "pre-patch-web-01-20261203"}),
            )]),
            Err(crate::backend::BackendError::Refused(
                "the VM is busy".into(),
            )),
        ],
    });
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("the preview")
    };
    assert_eq!(cd.steps.len(), 1);
    let bulk = cd.bulk.as_ref().unwrap();
    assert_eq!(bulk.skipped.len(), 1);
    assert!(bulk.skipped[0].contains("db-01") && bulk.skipped[0].contains("the VM is busy"));
    assert_eq!(cd.typed.as_ref().unwrap().0, "1");
    assert!(
        app.handle_key(code(KeyCode::Enter)).is_empty(),
        "count not typed"
    );
    type_text(&mut app, "1");
    // Tab: stop at the first failure (off until chosen), and back.
    let stop = |app: &App| match &app.dialog {
        Some(Dialog::Confirm(cd)) => cd.bulk.as_ref().unwrap().stop_at_failure,
        _ => panic!("the preview"),
    };
    assert!(!stop(&app));
    app.handle_key(code(KeyCode::Tab));
    assert!(stop(&app));
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Tab));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let Some(Command::ExecuteBulk {
        steps,
        stop_at_failure,
        ..
    }) = cmds.first()
    else {
        panic!("{cmds:?}")
    };
    assert!(stop_at_failure, "the choice reaches the fetcher");
    assert_eq!(steps.len(), 1);
    assert!(matches!(&steps[0].1, Operation::CreateSnapshot { vm, .. } if vm.id == "v1"));
}

#[test]
fn a_bulk_is_one_group_row_that_counts_its_members_and_opens_on_enter() {
    let mut app = ready_app(false);
    let steps = vec![
        Operation::StartVm {
            vm: vm("v1", "web-01", VmPower::Stopped).to_ref(),
        },
        Operation::StartVm {
            vm: vm("v2", "db-01", VmPower::Stopped).to_ref(),
        },
        Operation::StartVm {
            vm: vm("v3", "cache-01", VmPower::Stopped).to_ref(),
        },
    ];
    let cmds = app.execute_bulk(steps, false);
    let Some(Command::ExecuteBulk { steps, .. }) = cmds.first() else {
        panic!("{cmds:?}")
    };
    let ids: Vec<TaskId> = steps.iter().map(|(id, _)| *id).collect();
    assert_eq!(app.tasks.list.rows(), 1, "folded: one row");
    let group = app.tasks.selected().unwrap().key.clone();
    assert_eq!(app.tasks.group_summary(&group), "0/3 done");
    app.on_event(Event::Task {
        id: ids[0],
        state: TaskState::Succeeded,
    });
    app.on_event(Event::Task {
        id: ids[1],
        state: TaskState::Failed {
            message: "refused".into(),
        },
    });
    assert_eq!(app.tasks.group_summary(&group), "2/3 done · 1 failed");
    assert!(!app.tasks.selected().unwrap().state.is_terminal());
    app.focus = Pane::Tasks;
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(
        app.tasks.list.rows(),
        4,
        "open: the group and its three VMs"
    );
    let targets: Vec<String> = (0..4)
        .map(|r| app.tasks.list.row(r).unwrap().target.clone())
        .collect();
    assert_eq!(targets[0], "3 VMs");
    app.on_event(Event::Task {
        id: ids[2],
        state: TaskState::Succeeded,
    });
    let g = app.tasks.list.row(0).unwrap();
    assert!(
        matches!(&g.state, TaskState::Failed { message } if message == "3/3 done · 1 failed"),
        "{:?}",
        g.state
    );
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.tasks.list.rows(), 1, "closed again");
}

#[test]
fn bulk_start_and_stop_leave_out_vms_already_there() {
    let mut app = app_with_both_marked();
    // web-01 runs, db-01 is stopped.
    let cmds = app.handle_key(key('s'));
    let (_, ops) = plan_each_seq(&cmds);
    assert!(matches!(&ops[..], [Operation::StartVm { vm }] if vm.id == "v2"));
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!()
    };
    assert_eq!(
        cd.bulk.as_ref().unwrap().skipped,
        ["web-01: already running"]
    );
    app.handle_key(code(KeyCode::Esc));
    app.handle_key(key('S'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (_, ops) = plan_each_seq(&cmds);
    assert!(matches!(&ops[..], [Operation::StopVm { vm, force: false }] if vm.id == "v1"));
    // Nothing left to do: said so, nothing planned.
    app.dialog = None;
    app.vms.marks.clear();
    app.vms.marks.insert("v1".into());
    let cmds = app.handle_key(key('s'));
    assert!(cmds.is_empty());
    assert!(
        matches!(&app.dialog, Some(Dialog::Message(m)) if m.lines.iter().any(|l| l.contains("already running")))
    );
}

#[test]
fn a_bulk_stop_powers_off_a_vm_without_its_tools_and_read_only_runs_nothing() {
    let mut app = app_with_both_marked();
    app.vms.list.items[1].power = VmPower::Running;
    app.vms.list.items[1].agent = AgentState::Disconnected;
    app.handle_key(key('S'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (_, ops) = plan_each_seq(&cmds);
    let force: Vec<(String, bool)> = ops
        .iter()
        .map(|o| match o {
            Operation::StopVm { vm, force } => (vm.id.clone(), *force),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(force, [("v1".into(), false), ("v2".into(), true)]);

    let mut app = ready_app(true);
    app.focus = Pane::Vms;
    app.handle_key(key('*'));
    let cmds = app.handle_key(key('s'));
    let (seq, _) = plan_each_seq(&cmds);
    app.on_event(Event::PlanEach {
        seq,
        results: vec![Ok(vec![])],
    });
    type_text(&mut app, "1");
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!()
    };
    assert!(cd.blocked_reason().unwrap().contains("read-only"));
}

#[test]
fn b_with_marks_backs_up_each_marked_vm_to_the_chosen_point() {
    let mut app = app_with_both_marked();
    app.wall = "2026-12-03T12:30:00Z".parse().unwrap();
    let cmds = app.handle_key(key('b'));
    let seq = seq_of(&cmds, |c| match c {
        Command::LoadBackupPoints { seq, .. } => Some(*seq),
        _ => None,
    });
    assert!(
        matches!(app.dialog, Some(Dialog::Form(_))),
        "the backup form"
    );
    app.on_event(Event::BackupPoints {
        seq,
        result: Ok(vec![BackupPoint {
            id: "bp1".into(),
            name: "nfs_type_1".into(),
            kind: "nfs".into(),
            state: "healthy".into(),
            details: vec![],
        }]),
    });
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (_, ops) = plan_each_seq(&cmds);
    let made: Vec<(String, String, String)> = ops
        .iter()
        .map(|o| match o {
            Operation::CreateBackup {
                vm, point, name, ..
            } => (vm.id.clone(), point.id.clone(), name.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        made,
        [
            ("v1".into(), "bp1".into(), "web-01-20261203".into()),
            ("v2".into(), "bp1".into(), "db-01-20261203".into()),
        ]
    );
}

#[test]
fn b_with_marks_where_plans_make_the_backups_says_so() {
    let mut s = session(false);
    s.caps.backup_points = false;
    s.caps.backup_plans = true;
    let mut app = ready_app_with(s);
    app.focus = Pane::Vms;
    app.handle_key(key('*'));
    assert!(app.handle_key(key('b')).is_empty());
    assert!(app.dialog.is_none());
    assert!(app.status.as_ref().unwrap().text.contains("made by plans"));
}

#[test]
fn x_twice_on_a_bulk_cancels_its_queued_vms_and_elsewhere_says_what_it_cannot() {
    let mut app = ready_app(false);
    let steps: Vec<Operation> = ["v1", "v2", "v3"]
        .iter()
        .map(|id| Operation::StartVm {
            vm: vm(id, id, VmPower::Stopped).to_ref(),
        })
        .collect();
    let cmds = app.execute_bulk(steps, false);
    let Some(Command::ExecuteBulk { group, steps, .. }) = cmds.first() else {
        panic!("{cmds:?}")
    };
    let (group, ids) = (*group, steps.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    app.on_event(Event::Task {
        id: ids[0],
        state: TaskState::Running { progress: None },
    });
    app.focus = Pane::Tasks;
    assert!(app.handle_key(key('x')).is_empty(), "the first x only asks");
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("x again cancels the 2 queued")
    );
    // Another key in between disarms it.
    app.handle_key(key('j'));
    app.handle_key(key('k'));
    assert!(app.handle_key(key('x')).is_empty());
    let cmds = app.handle_key(key('x'));
    assert!(
        matches!(&cmds[..], [Command::CancelBulk { group: g }] if *g == group),
        "{cmds:?}"
    );
    for id in &ids[1..] {
        app.on_event(Event::Task {
            id: *id,
            state: TaskState::Canceled,
        });
    }
    app.on_event(Event::Task {
        id: ids[0],
        state: TaskState::Succeeded,
    });
    let key_ = app.tasks.selected().unwrap().key.clone();
    assert_eq!(app.tasks.group_summary(&key_), "3/3 done · 2 canceled");
    // A single task: nothing to cancel here, said why.
    app.execute(vec![Operation::StartVm {
        vm: vm("v9", "v9", VmPower::Stopped).to_ref(),
    }]);
    assert!(app.handle_key(key('x')).is_empty());
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("already sent runs to its end")
    );
}

/// The interval asks only what changed where the platform can say, applies it by id
/// (the cursor stays on its VM), and reads everything again when the rows no longer add
/// up to the platform's count (a VM gone without a trace of its going).
#[test]
fn the_interval_applies_changes_by_id_and_resyncs_when_the_count_does_not_add_up() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    let on = app.vms.selected().unwrap().id.clone();
    app.vms.changes = Some(ChangeCursor("100".into()));
    let (now, wall) = (app.now, app.wall);
    app.tick(now, wall); // the interval counts from here
    let mut later = now;
    let mut interval = |app: &mut App| {
        later += std::time::Duration::from_secs(31);
        let wall = app.wall;
        let cmds = app.tick(later, wall);
        let found = cmds.iter().find_map(|c| match c {
            Command::LoadVmChanges { seq, since, .. } => Some((*seq, since.clone())),
            _ => None,
        });
        assert!(
            !cmds.iter().any(|c| matches!(c, Command::LoadVms { .. })),
            "no complete read while changes can be asked: {cmds:?}"
        );
        found.expect("the interval asks what changed")
    };
    let (seq, since) = interval(&mut app);
    assert_eq!(since, ChangeCursor("100".into()));
    let cmds = app.on_event(Event::VmChanges {
        seq,
        result: Ok(VmChanges::Changed {
            upserts: vec![
                vm("v1", "web-01", VmPower::Stopped),
                vm("v3", "cache-01", VmPower::Running),
            ],
            deleted: vec!["v2".into()],
            total: 2,
            next: ChangeCursor("140".into()),
        }),
    });
    assert!(cmds.is_empty(), "{cmds:?}");
    let ids: Vec<&str> = app.vms.list.items.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"v1") && ids.contains(&"v3") && !ids.contains(&"v2"));
    let v1 = app.vms.list.items.iter().find(|v| v.id == "v1").unwrap();
    assert_eq!(v1.power, VmPower::Stopped);
    assert_eq!(
        app.vms.selected().unwrap().id,
        on,
        "the cursor stays on its VM"
    );
    assert_eq!(app.vms.changes, Some(ChangeCursor("140".into())));
    assert_eq!(
        app.vms.complete_at,
        Some(app.wall),
        "the status bar's 'refreshed' is when the list was last known whole"
    );

    // Next time the platform counts five: two VMs the rows cannot account for.
    let (seq, since) = interval(&mut app);
    assert_eq!(since, ChangeCursor("140".into()));
    let cmds = app.on_event(Event::VmChanges {
        seq,
        result: Ok(VmChanges::Changed {
            upserts: vec![],
            deleted: vec![],
            total: 5,
            next: ChangeCursor("150".into()),
        }),
    });
    assert!(
        cmds.iter().any(|c| matches!(c, Command::LoadVms { .. })),
        "a complete read: {cmds:?}"
    );
    assert_eq!(app.vms.changes, None);
    assert_eq!(
        app.vms.list.items.len(),
        2,
        "the rows stay until it arrives"
    );
}

/// Without a change log (TopHC), the interval reads again the pages holding the rows in
/// view, each with the ids it held; what it finds is applied by id, the status bar's
/// "refreshed" stays at the last complete read, and a count that no longer adds up reads
/// everything.
#[test]
fn without_a_change_log_the_interval_reads_the_pages_in_view() {
    let mut app = ready_app(false);
    app.focus = Pane::Vms;
    assert_eq!(app.vms.changes, None);
    let complete = app.vms.complete_at;
    let (now, wall) = (app.now, app.wall);
    app.tick(now, wall);
    let later = now + std::time::Duration::from_secs(31);
    let cmds = app.tick(later, wall);
    let (seq, pages) = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadVmPages { seq, pages, .. } => Some((*seq, pages.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the pages in view: {cmds:?}"));
    assert!(!cmds.iter().any(|c| matches!(c, Command::LoadVms { .. })));
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].page, PageRequest::first(500));
    let mut ids = pages[0].ids.clone();
    ids.sort();
    assert_eq!(ids, vec!["v1".to_string(), "v2".to_string()]);
    let cmds = app.on_event(Event::VmChanges {
        seq,
        result: Ok(VmChanges::Partial {
            upserts: vec![
                vm("v1", "web-01", VmPower::Stopped),
                vm("v3", "cache-01", VmPower::Running),
            ],
            deleted: vec!["v2".into()],
            total: 2,
        }),
    });
    assert!(cmds.is_empty(), "{cmds:?}");
    let v1 = app.vms.list.items.iter().find(|v| v.id == "v1").unwrap();
    assert_eq!(v1.power, VmPower::Stopped);
    assert!(!app.vms.list.items.iter().any(|v| v.id == "v2"));
    assert_eq!(app.vms.complete_at, complete, "not known complete");

    // The platform now counts three: the rows cannot account for one.
    let cmds = app.tick(later + std::time::Duration::from_secs(31), wall);
    let seq = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadVmPages { seq, .. } => Some(*seq),
            _ => None,
        })
        .expect("the pages in view again");
    let cmds = app.on_event(Event::VmChanges {
        seq,
        result: Ok(VmChanges::Partial {
            upserts: vec![],
            deleted: vec![],
            total: 3,
        }),
    });
    assert!(
        cmds.iter().any(|c| matches!(c, Command::LoadVms { .. })),
        "a complete read: {cmds:?}"
    );
}

/// Snapshots-pane marks: `Space` marks and moves down, `d` deletes every marked snapshot
/// of the VM children first, one at a time, confirmed by their count; the platform's rule
/// leaves out what it would refuse (or deletes anyway with a marked ancestor); `Esc`
/// clears the marks, and a snapshot gone from a re-read is no longer marked.
#[test]
fn marked_snapshots_are_deleted_children_first_one_at_a_time() {
    let mut app = ready_app(false);
    app.focus = Pane::Snapshots;
    let node = |app: &App, name: &str| {
        let t = app.snapshots.tree.as_ref().unwrap();
        t.nodes
            .iter()
            .position(|n| n.snapshot().is_some_and(|s| s.name == name))
            .unwrap()
    };
    for name in ["a", "b", "origin"] {
        let n = node(&app, name);
        app.snapshots.select_node(n);
        app.handle_key(key(' '));
        assert!(app.snapshots.is_marked(n), "{name} marked");
    }
    assert_eq!(app.snapshots.marks.len(), 3);
    let cmds = app.handle_key(key('d'));
    let (_, ops) = plan_each_seq(&cmds);
    let names: Vec<&str> = ops
        .iter()
        .map(|o| match o {
            Operation::DeleteSnapshot { snapshot, .. } => snapshot.name.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["a", "b", "origin"], "children before their parent");
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("the bulk preview")
    };
    assert_eq!(cd.typed.as_ref().unwrap().0, "3");
    assert!(cd.bulk.as_ref().unwrap().skipped.is_empty());
    // The plan arrives, then the count typed and Enter run them one after another.
    let seq = match &app.dialog {
        Some(Dialog::Confirm(cd)) => cd.plan_seq,
        _ => unreachable!(),
    };
    app.on_event(Event::PlanEach {
        seq,
        results: (0..3).map(|_| Ok(vec![])).collect(),
    });
    type_text(&mut app, "3");
    let cmds = app.handle_key(code(KeyCode::Enter));
    assert!(
        matches!(&cmds[..], [Command::ExecuteBulk { steps, limit: Some(1), .. }] if steps.len() == 3),
        "{cmds:?}"
    );
    assert!(app.tasks.selected().unwrap().target.contains("3 snapshots"));

    // Where a delete takes the snapshots below with it, those are left out, and said why.
    app.session.caps.snapshot_delete = SnapshotDeleteRule::RemovesDescendants;
    app.focus = Pane::Snapshots;
    let cmds = app.handle_key(key('d'));
    let (_, ops) = plan_each_seq(&cmds);
    assert!(
        matches!(&ops[..], [Operation::DeleteSnapshot { snapshot, descendants: 2, .. }] if snapshot.name == "origin"),
        "{ops:?}"
    );
    let Some(Dialog::Confirm(cd)) = &app.dialog else {
        panic!("the bulk preview")
    };
    let skipped = &cd.bulk.as_ref().unwrap().skipped;
    assert_eq!(skipped.len(), 2);
    assert!(
        skipped.iter().all(|s| s.contains("deleted with origin")),
        "{skipped:?}"
    );
    app.dialog = None;

    // The one-child rule counts the children that stay.
    app.session.caps.snapshot_delete = SnapshotDeleteRule::RefusedWithManyChildren;
    let a = node(&app, "a");
    app.snapshots.select_node(a);
    app.handle_key(key(' ')); // a unmarked: origin keeps one child, still deletable
    let b = node(&app, "b");
    app.snapshots.select_node(b);
    app.handle_key(key(' ')); // b unmarked too: origin keeps two
    let cmds = app.handle_key(key('d'));
    assert!(cmds.is_empty(), "nothing left to delete: {cmds:?}");
    assert!(
        matches!(&app.dialog, Some(Dialog::Message(m)) if m.lines.iter().any(|l| l.contains("2 of its child snapshots stay")))
    );
    app.dialog = None;

    // A re-read without a marked snapshot forgets it; Esc clears the rest.
    app.snapshots.select_node(b);
    app.handle_key(key(' '));
    assert_eq!(app.snapshots.marks.len(), 2);
    let without_b = SnapshotTree::build(TreeInput {
        snapshots: vec![snap("origin", 1), snap("a", 2)],
        parent_of: vec![("origin".into(), None), ("a".into(), Some("origin".into()))],
        children_of: vec![],
        now: Some(Some("a".into())),
        now_label: "now".into(),
    });
    app.snapshots.set_tree(without_b);
    assert_eq!(
        app.snapshots.marks.len(),
        1,
        "b is gone, and so is its mark"
    );
    app.handle_key(code(KeyCode::Esc));
    assert!(app.snapshots.marks.is_empty());
    assert_eq!(
        app.focus,
        Pane::Snapshots,
        "Esc with marks only clears them"
    );
}
