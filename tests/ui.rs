//! What the screens look like, as insta snapshots of a ratatui TestBackend.

mod common;

use common::*;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use vmdeck::app::{App, Pane};
use vmdeck::fetcher::{Command, Event};
use vmdeck::theme::Theme;

#[test]
fn main_screen() {
    let app = main_app(48);
    insta::assert_snapshot!(render(&app, 140, 40).backend());
}

#[test]
fn main_screen_narrow_terminal() {
    let app = main_app(48);
    insta::assert_snapshot!(render(&app, 96, 30).backend());
}

#[test]
fn snapshot_tree_focused_on_a_branch() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    app.handle_key(key('k'));
    insta::assert_snapshot!(render(&app, 140, 40).backend());
}

#[test]
fn paged_backup_list() {
    let mut app = main_app(5);
    app.focus = Pane::Backups;
    app.handle_key(key('j'));
    insta::assert_snapshot!(render(&app, 140, 40).backend());
}

/// TopHC's backup answers say nothing of full or incremental: no TYPE column then.
#[test]
fn backup_type_column_only_when_backups_have_one() {
    let mut app = main_app(5);
    app.focus = Pane::Backups;
    let header = |app: &App| {
        let screen = render(app, 140, 40).backend().to_string();
        screen
            .lines()
            .find(|l| l.contains("STATUS") && l.contains("CREATED"))
            .map(str::to_string)
            .expect("the backups header")
    };
    assert!(header(&app).contains("TYPE"));
    for b in &mut app.backups.list.items {
        b.kind = None;
    }
    assert!(!header(&app).contains("TYPE"), "{}", header(&app));
    insta::assert_snapshot!(render(&app, 140, 40).backend());
}

/// A time among a platform's details reads like every other time in Details (the
/// viewer's zone, `%Y-%m-%d %H:%M:%S`), not as the platform wrote it.
#[test]
fn detail_times_share_the_one_format() {
    let mut app = main_app(5);
    app.focus = Pane::Vms;
    let at = ts(T0 + 3_661);
    let id = app
        .vms
        .selected()
        .expect("a VM under the cursor")
        .id
        .clone();
    let vm = app.vms.list.items.iter_mut().find(|v| v.id == id).unwrap();
    vm.details = vec![vmdeck::model::Detail::time("Last change", at)];
    let screen = render(&app, 140, 40).backend().to_string();
    assert!(
        screen.contains("Last change: 2024-03-01 09:01:01"),
        "{screen}"
    );
    assert!(
        !screen.contains("T09:01:01Z") && !screen.contains("09:01:01 UTC"),
        "{screen}"
    );
}

/// A preview never hides the end of a long HTTP line or warning: both wrap.
#[test]
fn preview_wraps_long_calls_and_warnings() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    app.handle_key(key('R'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let seq = seq_of(&cmds, |c| match c {
        Command::Plan { seq, .. } => Some(*seq),
        _ => None,
    });
    let path = format!(
        "/zstack/v1/images/data-volume-templates/from/volume-template/{}",
        "fdf9".repeat(16)
    );
    app.on_event(Event::Plan {
        seq,
        result: Ok(vec![vmdeck::backend::HttpCall::post(
            &path,
            serde_json::json!({}),
        )]),
    });
    let warning = "the volume is deleted, with its data on the primary storage, and the end of this sentence must be read";
    if let Some(vmdeck::app::dialog::Dialog::Confirm(cd)) = &mut app.dialog {
        cd.warnings.push(warning.into());
    }
    let screen = render(&app, 120, 40).backend().to_string();
    let text: String = screen
        .lines()
        .map(|l| l.trim_matches('"').replace(['║', '│', ' '], ""))
        .collect();
    assert!(text.contains(&"fdf9".repeat(16)), "{screen}");
    assert!(text.contains("mustberead"), "{screen}");
    insta::assert_snapshot!(render(&app, 120, 40).backend());
}

#[test]
fn rollback_confirmation_dialog() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    app.handle_key(key('R'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (seq, ops) = cmds
        .iter()
        .find_map(|c| match c {
            Command::Plan { seq, ops } => Some((*seq, ops.clone())),
            _ => None,
        })
        .unwrap();
    // The calls as the TopHC backend plans them.
    let calls = ops
        .iter()
        .map(|op| match op {
            vmdeck::operation::Operation::CreateSnapshot { name, .. } => vmdeck::backend::HttpCall::post(
                "/v1/compute/vsd/snapshot/create",
                serde_json::json!({"cluster_uuid":"c1","compute_uuid":"vm-0001","compute_name":"财务系统-db01","name":name,"description":"","domain_memory":false}),
            ),
            _ => vmdeck::backend::HttpCall::post(
                "/v1/compute/vsd/snapshot/rollback",
                serde_json::json!({"cluster_uuid":"c1","compute_uuid":"vm-0001","compute_name":"财务系统-db01","name":"pre-upgrade","domain_memory":false}),
            ),
        })
        .collect();
    app.on_event(Event::Plan {
        seq,
        result: Ok(calls),
    });
    for c in "pre-up".chars() {
        app.handle_key(key(c));
    }
    insta::assert_snapshot!(render(&app, 120, 40).backend());
}

#[test]
fn restore_form() {
    let mut app = main_app(5);
    app.focus = Pane::Backups;
    let cmds = app.handle_key(key('R'));
    let seq = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadRestoreChoices { seq, .. } => Some(*seq),
            _ => None,
        })
        .unwrap();
    app.on_event(Event::RestoreChoices {
        seq,
        result: Ok(vmdeck::model::RestoreChoices {
            zones: vec![vmdeck::model::Named::new("z1", "default")],
            groups: vec![
                vmdeck::model::Named::new("g1", "生产"),
                vmdeck::model::Named::new("g2", "default"),
            ],
            pools: vec![
                vmdeck::model::Named::new("p1", "hdd-pool"),
                vmdeck::model::Named::new("p2", "ssd-pool"),
            ],
            disk_types: vec!["HDD".into(), "SSD".into()],
            ..Default::default()
        }),
    });
    insta::assert_snapshot!(render(&app, 120, 40).backend());
}

#[test]
fn delete_refused_message() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    let node = app
        .snapshots
        .tree
        .as_ref()
        .unwrap()
        .find("base-install")
        .unwrap();
    app.snapshots.select_node(node);
    app.handle_key(key('d'));
    insta::assert_snapshot!(render(&app, 120, 30).backend());
}

/// TopHC rolls disks back only on a shut-off VM: `D` on a running one says so and offers
/// the stop as its own step, as ZStack's revert does.
#[test]
fn per_disk_rollback_on_a_running_vm_offers_the_stop_first() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    let node = app
        .snapshots
        .tree
        .as_ref()
        .unwrap()
        .find("base-install")
        .unwrap();
    app.snapshots.select_node(node);
    app.handle_key(key('D'));
    insta::assert_snapshot!("per_disk_offer", render(&app, 120, 30).backend());
    app.handle_key(key('s'));
    insta::assert_snapshot!("per_disk_stop_form", render(&app, 120, 30).backend());
}

#[test]
fn help_overlay() {
    let mut app = main_app(5);
    app.handle_key(key('?'));
    insta::assert_snapshot!(render(&app, 120, 60).backend());
}

#[test]
fn command_line_with_completion() {
    let mut app = main_app(5);
    app.handle_key(key(':'));
    app.handle_key(key('s'));
    insta::assert_snapshot!(render(&app, 120, 30).backend());
}

#[test]
fn filtered_and_sorted_vm_list() {
    let mut app = main_app(48);
    app.focus = Pane::Vms;
    app.run_command("sort name desc").unwrap();
    app.handle_key(key('/'));
    for c in "vm-0001".chars() {
        app.handle_key(key(c));
    }
    insta::assert_snapshot!(render(&app, 120, 30).backend());
}

#[test]
fn snapshot_search_highlights_hits() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    app.handle_key(key('/'));
    for c in "exp".chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Enter));
    insta::assert_snapshot!(render(&app, 120, 30).backend());
}

/// Monochrome: no colour anywhere, and the selection still shows (reverse video).
#[test]
fn monochrome_theme_keeps_selection_visible() {
    let app = main_app(5);
    let mut t = Terminal::new(TestBackend::new(100, 26)).unwrap();
    let theme = Theme::monochrome();
    t.draw(|f| vmdeck::ui::draw(f, &app, &theme)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut reversed_rows = std::collections::BTreeSet::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert_eq!(c.fg, ratatui::style::Color::Reset, "colour at {x},{y}");
            assert_eq!(c.bg, ratatui::style::Color::Reset, "colour at {x},{y}");
            if c.modifier.contains(ratatui::style::Modifier::REVERSED) {
                reversed_rows.insert(y);
            }
        }
    }
    assert_eq!(
        reversed_rows.len(),
        1,
        "exactly the focused selection is reversed"
    );
    insta::assert_snapshot!(t.backend());
}

/// A long message takes the status line's room before who-and-where does, and is cut with
/// `…` rather than mid-word at the edge.
#[test]
fn status_message_gets_room_before_the_identity() {
    let mut app = main_app(5);
    let top = |app: &App, w: u16| {
        let t = render(app, w, 30);
        let buf = t.backend().buffer();
        (0..w)
            .map(|x| buf[(x, 0)].symbol().to_string())
            .collect::<String>()
    };
    app.status = Some(vmdeck::app::StatusLine {
        text: "switched to demo-cloudtower (CloudTower)".into(),
        level: vmdeck::app::Level::Info,
        at: std::time::Instant::now(),
    });
    let line = top(&app, 140);
    assert!(
        line.contains("│ switched to demo-cloudtower (CloudTower) "),
        "{line}"
    );
    assert!(
        line.contains("connected"),
        "both fit at 140 columns: {line}"
    );

    app.status = Some(vmdeck::app::StatusLine {
        text: "error 10000: Manager server error: dial tcp 10.30.40.5:9000: i/o timeout while \
               reading the clusters of edge-cluster-04"
            .into(),
        level: vmdeck::app::Level::Error,
        at: std::time::Instant::now(),
    });
    let line = top(&app, 96);
    insta::assert_snapshot!(line.trim_end());
    assert!(line.contains("error 10000: Manager server error"), "{line}");
    assert!(line.trim_end().ends_with('…'), "{line}");
    assert!(line.starts_with(" vmdeck"), "{line}");
}
