//! What the site windows look like, as insta snapshots of a ratatui TestBackend: the
//! all-sites view and the picker, with one site up (one of its clusters failing), one
//! unreachable and one waiting for a password.

mod common;

use common::*;
use crossterm::event::KeyCode;
use vmdeck::app::App;
use vmdeck::app::sites::SiteSummary;
use vmdeck::model::{ClusterState, Listing};
use vmdeck::sites::{SiteEvent, SiteNews, SiteState};

fn three_sites() -> App {
    let mut app = main_app(5);
    let mut prod = SiteSummary::new(
        "prod-cloudtower",
        vmdeck::model::Platform::CloudTower,
        "https://tower.example.net",
    );
    prod.user = "ops".into();
    let mut dr = SiteSummary::new(
        "dr-zstack",
        vmdeck::model::Platform::ZStack,
        "https://10.40.0.2:8080",
    );
    dr.user = "admin".into();
    app.set_sites(vec![SiteSummary::connected(session()), prod, dr], 0);
    let mut failing = cluster("c4", "edge-cluster-04");
    failing.state = ClusterState::Failed("dial tcp 10.30.40.5:9000: i/o timeout".into());
    let news = [
        (
            0,
            SiteNews::Clusters(Ok(Listing::complete(vec![
                cluster("c1", "host3222-cvm3322"),
                cluster("c2", "生产集群-A"),
                cluster("c3", "dr-site-02"),
                failing,
            ]))),
        ),
        (
            1,
            SiteNews::State(SiteState::Unreachable(
                "cannot reach https://tower.example.net: connection refused".into(),
            )),
        ),
        (2, SiteNews::State(SiteState::NeedsPassword { error: None })),
    ];
    for (site, news) in news {
        app.on_site_event(SiteEvent { site, news });
    }
    app
}

#[test]
fn all_sites_view() {
    let mut app = three_sites();
    app.run_command("sites").unwrap();
    insta::assert_snapshot!(render(&app, 120, 24).backend());
}

#[test]
fn site_picker() {
    let mut app = three_sites();
    app.handle_key(key('P'));
    app.handle_key(code(KeyCode::Down));
    insta::assert_snapshot!(render(&app, 120, 30).backend());
}

#[test]
fn password_input_for_a_site() {
    let mut app = three_sites();
    app.run_command("profile dr-zstack").unwrap();
    for c in "s3cr3t-pass".chars() {
        app.handle_key(key(c));
    }
    let t = render(&app, 120, 30);
    let screen = format!("{}", t.backend());
    assert!(!screen.contains("s3cr3t"), "never drawn:\n{screen}");
    insta::assert_snapshot!(t.backend());
}

/// With several sites a task's target ends in `@ site`; a narrow TARGET column cuts the
/// VM's name in its middle and keeps what was done (`· snapshot NAME`) and where.
#[test]
fn tasks_keep_what_was_done_and_their_site_in_a_narrow_target_column() {
    let mut app = three_sites();
    let vm = app.vms.list.items[1].to_ref();
    assert!(
        vm.name.chars().any(|c| c > '\u{2e80}'),
        "a CJK name: {}",
        vm.name
    );
    app.tasks.add(
        vmdeck::operation::Operation::DeleteSnapshot {
            vm: vmdeck::model::VmRef {
                name: format!("{}-主库-生产环境", vm.name),
                ..vm
            },
            snapshot: vmdeck::model::SnapshotRef {
                id: "s9".into(),
                name: "升级前".into(),
                volume: None,
            },
            descendants: 0,
        },
        app.now,
    );
    app.focus = vmdeck::app::Pane::Tasks;
    app.handle_key(key('z'));
    let text = screen_text(&app, 120, 24);
    let row = text
        .lines()
        .find(|l| l.contains("· snapshot 升级前 @ lab"))
        .unwrap_or_else(|| panic!("what was done and where are cut off:\n{text}"));
    assert!(row.contains('…'), "the VM's name gave way: {row}");
    insta::assert_snapshot!(render(&app, 120, 24).backend());
}
