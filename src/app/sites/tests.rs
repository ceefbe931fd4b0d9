//! Sites on the state side, driven by keys and tagged site events as the loop drives them.

use secrecy::ExposeSecret;

use super::*;
use crate::app::tests::{code, key, session, tophc_caps, type_text, vm};
use crate::app::view;
use crate::fetcher::Event;
use crate::model::*;
use crate::sites::{SiteEvent, SiteNews, SiteRequest, SiteState};
use crossterm::event::KeyCode;

fn ev(site: SiteId, news: SiteNews) -> SiteEvent {
    SiteEvent { site, news }
}

fn clusters_seq(cmds: &[Command]) -> u64 {
    cmds.iter()
        .find_map(|c| match c {
            Command::LoadClusters { seq } => Some(*seq),
            _ => None,
        })
        .expect("clusters loaded")
}

fn cluster(id: &str, name: &str) -> Cluster {
    Cluster {
        id: id.into(),
        name: name.into(),
        state: ClusterState::Healthy,
        details: vec![],
    }
}

/// The prod site's session: another platform's capabilities, read-only.
fn prod_session() -> Session {
    Session {
        profile: "prod".into(),
        platform: Platform::ZStack,
        endpoint: "http://10.0.0.9".into(),
        user: "ops".into(),
        read_only: true,
        caps: Capabilities {
            cluster_backups: false,
            console: false,
            per_disk_rollback: false,
            ..tophc_caps()
        },
        backup_page_size: 25,
        refresh_every: None,
    }
}

/// lab (connected, shown), prod (connecting), locked (connecting).
fn three_sites() -> App {
    let mut app = App::new(session(false));
    app.set_sites(
        vec![
            SiteSummary::connected(session(false)),
            SiteSummary::new("prod", Platform::ZStack, "http://10.0.0.9"),
            SiteSummary::new("locked", Platform::TopHc, "https://10.0.0.7:8080"),
        ],
        0,
    );
    app
}

/// lab shows its cluster c1 and one VM; prod has logged in.
fn lab_ready_prod_connected() -> App {
    let mut app = three_sites();
    let cmds = app.start();
    let seq = clusters_seq(&cmds);
    app.on_site_event(ev(
        0,
        SiteNews::Fetched(Event::Clusters {
            seq,
            result: Ok(Listing::complete(vec![cluster("c1", "lab-cluster")])),
        }),
    ));
    app.on_site_event(ev(1, SiteNews::Connected(Box::new(prod_session()))));
    app
}

fn snapshot_op(name: &str) -> crate::operation::Operation {
    crate::operation::Operation::CreateSnapshot {
        vm: vm("v1", "web-01", VmPower::Running).to_ref(),
        name: name.into(),
        description: String::new(),
        memory: false,
        consistent: false,
        volume: None,
    }
}

#[test]
fn switching_uses_the_new_sites_session_and_capabilities() {
    let mut app = lab_ready_prod_connected();
    assert_eq!(app.clusters.clusters().len(), 1);
    let cmds = app.run_command("profile prod").unwrap();
    assert_eq!(app.sites.active, 1);
    assert_eq!(app.session.profile, "prod");
    assert_eq!(app.session.platform, Platform::ZStack);
    assert!(!app.caps().cluster_backups, "prod's capabilities");
    assert_eq!(app.backups.request.size, 25, "prod's page size");
    assert!(app.clusters.clusters().is_empty(), "panes start over");
    assert!(app.vms.list.items.is_empty());
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadClusters { .. }))
    );
    // `a` on prod does not offer cluster backups: the UI asked the capabilities.
    app.focus = Pane::Backups;
    app.handle_key(key('a'));
    assert!(app.backups.scope.is_none());
}

#[test]
fn switching_drops_the_old_sites_answers() {
    let mut app = lab_ready_prod_connected();
    let cmds = app.run_command("profile prod").unwrap();
    let seq = clusters_seq(&cmds);
    // lab's answer arrives late, with the very seq prod's load got: it must not land.
    app.on_site_event(ev(
        0,
        SiteNews::Fetched(Event::Clusters {
            seq,
            result: Ok(Listing::complete(vec![cluster("c1", "lab-cluster")])),
        }),
    ));
    assert!(app.clusters.clusters().is_empty(), "lab's answer dropped");
    app.on_site_event(ev(
        0,
        SiteNews::Fetched(Event::Vms {
            seq: app.vms.seq,
            result: Ok(Listing::complete(Page {
                items: vec![vm("v9", "lab-vm", VmPower::Running)],
                total: 1,
                request: PageRequest::first(500),
            })),
            done: true,
        }),
    ));
    assert!(app.vms.list.items.is_empty(), "lab's VMs dropped");
    // prod's own answer lands, and feeds the all-sites summary too.
    app.on_site_event(ev(
        1,
        SiteNews::Fetched(Event::Clusters {
            seq,
            result: Ok(Listing::complete(vec![
                cluster("z1", "zone-a"),
                cluster("z2", "zone-b"),
            ])),
        }),
    ));
    assert_eq!(app.clusters.clusters().len(), 2);
    assert_eq!(app.sites.list[1].clusters.len(), 2);
    assert_eq!(
        app.sites.list[0].clusters[0].name, "lab-cluster",
        "lab keeps its summary"
    );
}

#[test]
fn tasks_survive_a_switch_and_name_their_site() {
    let mut app = lab_ready_prod_connected();
    let cmds = app.execute(vec![snapshot_op("before")]);
    let Some(Command::Execute { steps }) = cmds.first() else {
        panic!("executed: {cmds:?}");
    };
    let id = steps[0].0;
    assert_eq!(app.tasks.list.items[0].site.as_deref(), Some("lab"));
    assert!(app.tasks.list.items[0].target.ends_with(" @ lab"));

    app.run_command("profile prod").unwrap();
    assert_eq!(app.tasks.list.items.len(), 1, "lab's task is still listed");
    // lab's task goes on and ends while prod is shown: recorded, nothing re-read on prod.
    let cmds = app.on_site_event(ev(
        0,
        SiteNews::Fetched(Event::Task {
            id,
            state: TaskState::Succeeded,
        }),
    ));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.tasks.list.items[0].state, TaskState::Succeeded);
    assert!(app.status.as_ref().unwrap().text.contains("@ lab"));
    // New tasks belong to prod.
    app.execute(vec![snapshot_op("on-prod")]);
    assert!(
        app.tasks
            .list
            .items
            .iter()
            .any(|t| t.site.as_deref() == Some("prod"))
    );
}

#[test]
fn one_site_shows_no_site_in_tasks() {
    let mut app = App::new(session(false));
    app.execute(vec![snapshot_op("x")]);
    assert_eq!(app.tasks.list.items[0].site, None);
    assert!(!app.tasks.list.items[0].target.contains(" @ "));
}

#[test]
fn picker_lists_sites_and_chooses() {
    let mut app = lab_ready_prod_connected();
    app.handle_key(key('P'));
    let Some(SiteOverlay::Picker { cursor }) = &app.sites.overlay else {
        panic!("picker open");
    };
    assert_eq!(
        cursor.selected(),
        1,
        "on the shown site (row 0 is all sites)"
    );
    // Keys go to the picker, not the panes underneath.
    app.handle_key(key('j'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    assert!(app.sites.overlay.is_none());
    assert_eq!(app.sites.active, 1);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadClusters { .. }))
    );
    // Row 0 opens the all-sites view.
    app.handle_key(key('P'));
    app.handle_key(key('g'));
    app.handle_key(code(KeyCode::Enter));
    assert!(app.sites.all_sites.is_some());
    // `:profile` without a name opens the picker too; Esc closes it.
    app.sites.all_sites = None;
    app.run_command("profile").unwrap();
    assert!(matches!(
        app.sites.overlay,
        Some(SiteOverlay::Picker { .. })
    ));
    app.handle_key(code(KeyCode::Esc));
    assert!(app.sites.overlay.is_none());
    assert!(
        app.run_command("profile nowhere")
            .unwrap_err()
            .contains("lab")
    );
}

#[test]
fn a_site_still_connecting_is_switched_to_when_it_answers() {
    let mut app = three_sites();
    app.run_command("profile prod").unwrap();
    assert_eq!(app.sites.active, 0, "not yet");
    assert_eq!(app.sites.pending.as_ref().map(|p| p.0), Some(1));
    let cmds = app.on_site_event(ev(1, SiteNews::Connected(Box::new(prod_session()))));
    assert_eq!(app.sites.active, 1);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadClusters { .. }))
    );
}

#[test]
fn an_unreachable_site_is_tried_again_when_chosen() {
    let mut app = three_sites();
    app.on_site_event(ev(
        1,
        SiteNews::State(SiteState::Unreachable(
            "cannot reach http://10.0.0.9".into(),
        )),
    ));
    app.sites.take_requests();
    app.run_command("profile prod").unwrap();
    let reqs = app.sites.take_requests();
    assert!(
        matches!(
            reqs.as_slice(),
            [SiteRequest::Connect {
                site: 1,
                password: None
            }]
        ),
        "{reqs:?}"
    );
    // It fails again: said, and no switch is left waiting.
    app.on_site_event(ev(
        1,
        SiteNews::State(SiteState::Unreachable(
            "cannot reach http://10.0.0.9".into(),
        )),
    ));
    assert!(app.sites.pending.is_none());
    assert!(app.status.as_ref().unwrap().text.contains("cannot reach"));
}

#[test]
fn password_dialog_sends_the_typed_password_once_and_never_shows_it() {
    let mut app = three_sites();
    app.on_site_event(ev(
        2,
        SiteNews::State(SiteState::NeedsPassword { error: None }),
    ));
    app.run_command("profile locked").unwrap();
    assert!(matches!(app.sites.overlay, Some(SiteOverlay::Password(_))));
    type_text(&mut app, "Hunter2-secret");
    app.handle_key(code(KeyCode::Backspace));
    app.handle_key(key('!'));
    let Some(SiteOverlay::Password(p)) = &app.sites.overlay else {
        panic!("still open");
    };
    assert_eq!(p.len(), "Hunter2-secre!".chars().count());
    assert!(!format!("{p:?}").contains("Hunter2"), "Debug hides it");

    let draw = |app: &App| {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        t.draw(|f| crate::ui::draw(f, app, &crate::theme::Theme::dark()))
            .unwrap();
        let buf = t.backend().buffer().clone();
        buf.content.iter().map(|c| c.symbol()).collect::<String>()
    };
    let screen = draw(&app);
    assert!(screen.contains("Password for locked"), "{screen}");
    assert!(!screen.contains("Hunter"), "the password is never drawn");
    assert!(!screen.contains("secre"));
    assert!(screen.contains("••••••••••••••"), "one dot per character");

    app.handle_key(code(KeyCode::Enter));
    let reqs = app.sites.take_requests();
    let [
        SiteRequest::Connect {
            site: 2,
            password: Some(pw),
        },
    ] = reqs.as_slice()
    else {
        panic!("one login with the typed password: {reqs:?}");
    };
    assert_eq!(pw.expose_secret(), "Hunter2-secre!");
    assert!(!format!("{reqs:?}").contains("Hunter2"));
    // Enter again while it is being checked sends nothing more.
    app.handle_key(code(KeyCode::Enter));
    assert!(app.sites.take_requests().is_empty());

    // Refused: the platform's message, an empty input, and another try.
    app.on_site_event(ev(
        2,
        SiteNews::State(SiteState::NeedsPassword {
            error: Some("login failed: TopHC refused user \"admin\" (error 10004)".into()),
        }),
    ));
    let screen = draw(&app);
    assert!(screen.contains("error 10004"), "{screen}");
    assert!(!screen.contains("Hunter"));
    let Some(SiteOverlay::Password(p)) = &app.sites.overlay else {
        panic!("still open after a refusal");
    };
    assert!(p.is_empty() && !p.checking);
    type_text(&mut app, "right");
    app.handle_key(code(KeyCode::Enter));
    let reqs = app.sites.take_requests();
    let [
        SiteRequest::Connect {
            site: 2,
            password: Some(pw),
        },
    ] = reqs.as_slice()
    else {
        panic!("one more login, with the new password: {reqs:?}");
    };
    assert_eq!(pw.expose_secret(), "right");
    let mut locked = session(false);
    locked.profile = "locked".into();
    let cmds = app.on_site_event(ev(2, SiteNews::Connected(Box::new(locked))));
    assert!(app.sites.overlay.is_none(), "closed once logged in");
    assert_eq!(app.sites.active, 2, "and switched to it");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadClusters { .. })),
        "the new site's clusters are loaded: {cmds:?}"
    );
}

#[test]
fn all_sites_view_groups_clusters_and_opens_one() {
    let mut app = lab_ready_prod_connected();
    app.on_site_event(ev(
        1,
        SiteNews::Clusters(Ok(Listing {
            value: vec![cluster("z1", "zone-a"), cluster("z2", "zone-b")],
            failures: vec![ClusterFailure {
                cluster_id: "z2".into(),
                cluster_name: "zone-b".into(),
                message: "host down".into(),
            }],
        })),
    ));
    app.on_site_event(ev(
        2,
        SiteNews::State(SiteState::Unreachable("cannot reach".into())),
    ));
    app.run_command("sites").unwrap();
    assert_eq!(
        app.sites.rows(),
        vec![
            SiteRow::Site(0),
            SiteRow::Cluster(0, 0),
            SiteRow::Site(1),
            SiteRow::Cluster(1, 0),
            SiteRow::Cluster(1, 1),
            SiteRow::Site(2),
            SiteRow::Note(2),
        ]
    );
    assert!(app.sites.list[1].cluster_failed(&app.sites.list[1].clusters[1]));
    assert_eq!(app.sites.up(), (2, 3));
    // Down to prod's zone-b, Enter: prod is shown with zone-b's VMs loading.
    for _ in 0..4 {
        app.handle_key(key('j'));
    }
    let cmds = app.handle_key(code(KeyCode::Enter));
    assert!(app.sites.all_sites.is_none());
    assert_eq!(app.sites.active, 1);
    assert_eq!(app.focus, Pane::Vms);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadVms { cluster, .. } if cluster.id == "z2")),
        "{cmds:?}"
    );
    // r in the view reads every site again and retries the unreachable one.
    app.run_command("sites").unwrap();
    app.sites.take_requests();
    app.handle_key(key('r'));
    let reqs = app.sites.take_requests();
    assert!(
        reqs.iter()
            .any(|r| matches!(r, SiteRequest::ReadClusters { site: None }))
    );
    assert!(
        reqs.iter()
            .any(|r| matches!(r, SiteRequest::Connect { site: 2, .. }))
    );
    // Esc goes back to the panes.
    app.handle_key(code(KeyCode::Esc));
    assert!(app.sites.all_sites.is_none());
}

#[test]
fn switching_keeps_each_lists_sort() {
    let mut app = lab_ready_prod_connected();
    app.focus = Pane::Vms;
    app.run_command("sort ip desc").unwrap();
    app.run_command("profile prod").unwrap();
    assert_eq!(
        app.vms.list.view.sort,
        Some(view::Sort {
            column: 4,
            descending: true
        })
    );
}

#[test]
fn a_read_failure_marks_the_site_down_in_the_count() {
    let mut app = lab_ready_prod_connected();
    assert_eq!(app.sites.up(), (2, 3));
    app.on_site_event(ev(
        1,
        SiteNews::Clusters(Err(crate::backend::BackendError::Connect {
            url: "http://10.0.0.9".into(),
            reason: "connection refused".into(),
        })),
    ));
    assert_eq!(app.sites.up(), (1, 3));
    assert!(app.sites.rows().contains(&SiteRow::Note(1)));
}

#[test]
fn the_platforms_own_tasks_belong_to_the_site_they_came_from() {
    let mut app = lab_ready_prod_connected();
    app.session.caps.platform_tasks = true;
    app.sites.list[0]
        .session
        .as_mut()
        .unwrap()
        .caps
        .platform_tasks = true;
    let cmds = app.tick(app.now, app.wall);
    let seq = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadPlatformTasks { seq, .. } => Some(*seq),
            _ => None,
        })
        .expect("lab's platform tasks are read");
    let platform_task = |id: &str| PlatformTask {
        id: id.into(),
        title: "Migrate VM".into(),
        target: "db-01".into(),
        user: "someone".into(),
        state: TaskState::Running { progress: None },
        started: None,
        finished: None,
        details: vec![],
        cancel: None,
    };
    app.on_site_event(ev(
        0,
        SiteNews::Fetched(Event::PlatformTasks {
            seq,
            result: Ok(vec![platform_task("lab-job-1")]),
        }),
    ));
    app.execute(vec![snapshot_op("mine")]);
    assert_eq!(app.tasks.list.items.len(), 2);

    app.run_command("profile prod").unwrap();
    assert_eq!(
        app.tasks.list.items.len(),
        1,
        "lab's platform task left with lab"
    );
    assert_eq!(app.tasks.list.items[0].origin, TaskOrigin::Ours);
    // lab's listing arrives late with prod's seq: dropped, it is lab's.
    app.on_site_event(ev(
        0,
        SiteNews::Fetched(Event::PlatformTasks {
            seq: app.platform_tasks_seq,
            result: Ok(vec![platform_task("lab-job-2")]),
        }),
    ));
    assert_eq!(app.tasks.list.items.len(), 1);
    // But lab still links our task to its platform id.
    let id = app.tasks.list.items[0].id;
    app.on_site_event(ev(
        0,
        SiteNews::Fetched(Event::TaskLinked {
            id,
            platform_id: "lab-job-9".into(),
        }),
    ));
    assert_eq!(
        app.tasks.list.items[0].platform_id.as_deref(),
        Some("lab-job-9")
    );
}

#[test]
fn a_reread_that_adds_rows_above_keeps_the_all_sites_cursor_on_its_cluster() {
    let mut app = lab_ready_prod_connected();
    app.on_site_event(ev(
        1,
        SiteNews::Clusters(Ok(Listing::complete(vec![
            cluster("z1", "zone-a"),
            cluster("z2", "zone-b"),
        ]))),
    ));
    app.run_command("sites").unwrap();
    // Site(0), Cluster(0,0), Site(1), Cluster(1,0), Cluster(1,1): down to prod's zone-b.
    for _ in 0..4 {
        app.handle_key(key('j'));
    }
    let at = |app: &App| app.sites.rows()[app.sites.all_sites.as_ref().unwrap().selected()];
    assert_eq!(at(&app), SiteRow::Cluster(1, 1));
    // lab's re-read brings a second cluster: one more row above the cursor.
    app.on_site_event(ev(
        0,
        SiteNews::Clusters(Ok(Listing::complete(vec![
            cluster("c1", "lab-cluster"),
            cluster("c2", "lab-cluster-2"),
        ]))),
    ));
    assert_eq!(at(&app), SiteRow::Cluster(1, 1), "still on prod's zone-b");
    assert_eq!(app.sites.list[1].clusters[1].name, "zone-b");
    // prod's re-read drops zone-b: the cursor gives way to prod's heading.
    app.on_site_event(ev(
        1,
        SiteNews::Clusters(Ok(Listing::complete(vec![cluster("z1", "zone-a")]))),
    ));
    assert_eq!(at(&app), SiteRow::Site(1));
}
