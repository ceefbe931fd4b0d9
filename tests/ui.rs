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

/// A jump host's terminal is a first-class size.
#[test]
fn main_screen_80x24() {
    let app = main_app(48);
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

/// `z` gives the focused pane, and the Details of what it selects, every row between the
/// status bar and the footer (at 80×24 the only way to read a snapshot's Details whole);
/// `Esc` or `z` again gives the screen back.
#[test]
fn zoomed_snapshots_pane_80x24() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    let before = screen_text(&app, 80, 24);
    app.handle_key(key('z'));
    let t = render(&app, 80, 24);
    let zoomed = screen_text(&app, 80, 24);
    let rows: Vec<&str> = zoomed.lines().collect();
    assert!(rows[1].contains("Snapshots"), "{zoomed}");
    assert!(
        !zoomed.contains("Clusters") && !zoomed.contains("Backups"),
        "{zoomed}"
    );
    assert!(
        rows[23].contains("z/Esc unzoom"),
        "the footer stays: {zoomed}"
    );
    let (_, snap) = app
        .snapshots
        .selected_snapshot()
        .expect("a snapshot selected");
    assert!(
        zoomed.contains(&format!("Name: {}", snap.name)) && zoomed.contains("Created"),
        "the snapshot's Details below the tree: {zoomed}"
    );
    insta::assert_snapshot!(t.backend());
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(screen_text(&app, 80, 24), before);
    assert_eq!(
        app.focus,
        Pane::Snapshots,
        "Esc leaves the zoom, not the pane"
    );
    app.handle_key(key('z'));
    app.handle_key(key('z'));
    assert_eq!(screen_text(&app, 80, 24), before);
}

#[test]
fn zoomed_tasks_pane_80x24() {
    let mut app = main_app(5);
    app.focus = Pane::Tasks;
    app.handle_key(key('z'));
    let text = screen_text(&app, 80, 24);
    assert!(
        !text.contains("Clusters") && !text.contains("Snapshots"),
        "{text}"
    );
    insta::assert_snapshot!(render(&app, 80, 24).backend());
    // From 160 columns Details stand beside the pane: two boxes on the top row.
    let wide = screen_text(&app, 160, 40);
    let top = wide.lines().nth(1).unwrap_or_default();
    assert!(top.contains("Tasks"), "{wide}");
    assert_eq!(top.matches(['╮', '┓']).count(), 2, "{wide}");
}

/// A VM's backups are all named after it: cut from the end they all read
/// `full-财务系统-db01-2…`; the shared VM name gives way instead and the dates stay.
#[test]
fn backups_80x24_keep_the_part_that_tells_rows_apart() {
    let mut app = main_app(5);
    let vm = app.vms.selected().unwrap();
    let vm = vmdeck::model::Named::new(vm.id.as_str(), vm.name.as_str());
    assert_eq!(vm.name, "财务系统-db01");
    for b in &mut app.backups.list.items {
        let stamp = b.created.unwrap().strftime("%Y%m%d-%H%M");
        b.name = format!("full-{}-{stamp}", vm.name);
        b.vm = vm.clone();
    }
    let text = screen_text(&app, 80, 24);
    for day in ["21-0800", "22-0800", "23-0800", "24-0800"] {
        assert!(text.contains(&format!("{day} ")), "{day}: {text}");
    }
    app.focus = Pane::Backups;
    app.handle_key(key('z'));
    let text = screen_text(&app, 80, 24);
    // Zoomed, the column is still narrower than the name: the VM name gives way whole.
    for day in ["21", "22", "30"] {
        assert!(
            text.contains(&format!("full…202403{day}-0800 ")),
            "{day}: {text}"
        );
    }
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

/// A 36-character id in Details is never split over two lines: cut in the middle beside
/// its label where the pane is narrower than the id, whole on its own line where it fits.
#[test]
fn vm_details_80x24_keep_the_id_on_one_line() {
    let id = "322b3303-270d-4278-9065-f4c7ca71584e";
    let mut app = main_app(5);
    app.focus = Pane::Vms;
    let selected = app.vms.selected().unwrap().id.clone();
    for v in &mut app.vms.list.items {
        if v.id == selected {
            v.id = id.into();
        }
    }
    let text = screen_text(&app, 80, 24);
    let row = text
        .lines()
        .find(|l| l.contains("Id: "))
        .unwrap_or_else(|| panic!("an Id row: {text}"));
    assert!(
        row.contains("Id: 322b3303-270") && row.contains("…") && row.contains("c7ca71584e│"),
        "{row}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.contains("│584e") || l.contains("│ca71584e")),
        "{text}"
    );
    insta::assert_snapshot!(render(&app, 80, 24).backend());
    // Where the id fits on a line of its own, it is whole there.
    let text = screen_text(&app, 100, 30);
    assert!(text.contains(id), "{text}");
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

/// Two snapshots marked for a bulk delete: a ✓ column in the tree and the count in the title.
#[test]
fn marked_snapshots_in_the_tree() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    // Space marks and moves down: the first snapshot, then the next.
    let first = app.snapshots.tree.as_ref().unwrap().roots[0];
    app.snapshots.select_node(first);
    render(&app, 140, 40); // the tree moves down through the rows it last drew
    app.handle_key(key(' '));
    render(&app, 140, 40);
    app.handle_key(key(' '));
    let screen = render(&app, 140, 40).backend().to_string();
    assert!(screen.contains("· 2 marked"), "{screen}");
    assert!(
        screen.contains("✓ origin") && screen.contains("✓ base-install"),
        "{screen}"
    );
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

/// The rollback form's labels are read whole at 80 and 140 columns (the safety snapshot's
/// used to read `Take a safety snapshot o…`).
#[test]
fn rollback_form_labels_whole_80x24_and_140x40() {
    let mut app = main_app(5);
    app.focus = Pane::Snapshots;
    app.handle_key(key('R'));
    for (w, h) in [(80, 24), (140, 40)] {
        let text = screen_text(&app, w, h);
        assert!(
            text.contains("Take a safety snapshot of the current state first"),
            "{text}"
        );
    }
    insta::assert_snapshot!("rollback_form_80x24", render(&app, 80, 24).backend());
    insta::assert_snapshot!("rollback_form_140x40", render(&app, 140, 40).backend());
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
        .flat_map(|op| vmdeck::backend::tophc::plan(op).expect("TopHC plans it"))
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

/// Marked VMs: a mark column while anything is marked, and the title counts them.
#[test]
fn marked_vms_show_a_mark_column_and_a_count() {
    let mut app = main_app(48);
    app.focus = Pane::Vms;
    app.vms.list.cursor.reset();
    app.handle_key(key(' '));
    app.handle_key(key('j'));
    app.handle_key(key(' '));
    app.handle_key(key(' '));
    let t = render(&app, 120, 30);
    let text = format!("{:?}", t.backend());
    assert!(text.contains("3 marked"), "{text}");
    insta::assert_snapshot!(t.backend());
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

#[test]
fn a_re_read_in_progress_shows_beside_the_rows_it_will_replace() {
    let mut app = main_app(48);
    app.vms.loading = true;
    app.vms.incoming = Some(vmdeck::app::panes::Incoming {
        items: app.vms.list.items[..20].to_vec(),
        ..Default::default()
    });
    let screen = format!("{:?}", render(&app, 140, 40).backend());
    assert!(screen.contains("re-reading 20/48…"), "{screen}");
    assert!(screen.contains("· 48"), "the old count stays: {screen}");
}

/// The main screen with a 1,000-level tree that branches at every level, Snapshots focused
/// on the snapshot the VM is on (the deepest).
fn deep_tree_app() -> App {
    let mut app = main_app(5);
    let seq = app.snapshots.seq;
    app.on_event(Event::Snapshots {
        seq,
        result: Ok(vmdeck::model::SnapshotTree::build(deep_tree_input(
            1000, "", None,
        ))),
    });
    app.focus = Pane::Snapshots;
    app.status = None;
    app
}

#[test]
fn a_thousand_level_tree_keeps_its_deepest_snapshot_readable_at_40_columns() {
    let app = deep_tree_app();
    let t = render(&app, 40, 30);
    let screen = format!("{:?}", t.backend());
    assert!(
        screen.contains("snap-0999"),
        "the selected snapshot is on screen"
    );
    assert!(screen.contains("◆ now"), "and where the VM is:\n{screen}");
    borders_hold(&t);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_thousand_level_tree_keeps_its_deepest_snapshot_readable_at_200_columns() {
    let app = deep_tree_app();
    let t = render(&app, 200, 50);
    let screen = format!("{:?}", t.backend());
    assert!(
        screen.contains("snap-0999") && screen.contains("◆ now"),
        "{screen}"
    );
    borders_hold(&t);
    insta::assert_snapshot!(t.backend());
}

/// No row of the Snapshots pane writes over its borders, whatever width its text has.
fn borders_hold(t: &ratatui::Terminal<TestBackend>) {
    for (text, intact) in pane_rows(t.backend().buffer(), "Snapshots") {
        assert!(intact, "a row wrote over the border: {text:?}");
    }
}

/// The tree is drawn shifted and copied into the pane: at every width, no row reaches the
/// borders (nor leaves a double-width symbol in the last column, which a terminal would
/// draw over them).
#[test]
fn a_shifted_tree_stays_inside_its_borders_at_every_width() {
    for w in 40..=60 {
        borders_hold(&render(&deep_tree_app(), w, 30));
    }
}

/// `Struct.field` for every field of app state that holds a failure (its name ends in
/// `error`, `failures` or `problem`), found in the source so a new one cannot be missed.
fn failure_fields() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app"),
        &mut files,
    );
    let mut found = Vec::new();
    for f in files {
        let mut current = String::new();
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            let t = line.trim_start();
            if let Some(rest) = t
                .strip_prefix("pub struct ")
                .or_else(|| t.strip_prefix("struct "))
            {
                current = rest
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or_default()
                    .to_string();
            } else if let Some((name, _)) = t.strip_prefix("pub ").and_then(|r| r.split_once(':'))
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && ["error", "failures", "problem"]
                    .iter()
                    .any(|s| name.ends_with(s))
            {
                found.push(format!("{current}.{name}"));
            }
        }
    }
    found.sort();
    found
}

fn failed<T>(text: &str) -> Result<T, vmdeck::backend::BackendError> {
    Err(vmdeck::backend::BackendError::Refused(text.into()))
}

fn failure(cluster: &str, message: &str) -> vmdeck::model::ClusterFailure {
    vmdeck::model::ClusterFailure {
        cluster_id: cluster.into(),
        cluster_name: "生产集群-A".into(),
        message: message.into(),
    }
}

/// Each failure field, set in the main screen's state (directly, or by the failed answer
/// that sets it), and the text that must then be on the screen.
type Row = (&'static [&'static str], fn(&mut App) -> String);

const FAILURES: &[Row] = &[
    (&["ClustersPane.error"], |app| {
        app.clusters.error = Some("E-clusters".into());
        "E-clusters".into()
    }),
    (&["ClustersPane.failures"], |app| {
        app.clusters.failures = vec![failure("c2", "E-cf")];
        app.focus = Pane::Clusters;
        app.handle_key(code(KeyCode::Down));
        app.handle_key(code(KeyCode::Down));
        "Listing failed: E-cf".into()
    }),
    (&["VmsPane.error"], |app| {
        app.vms.error = Some("E-vms".into());
        "✗ E-vms".into()
    }),
    (&["VmsPane.failures"], |app| {
        app.vms.failures = vec![failure("c2", "E-vf")];
        "生产集群-A: E-vf".into()
    }),
    (&["Incoming.failures"], |app| {
        // A re-read in two chunks whose first names a failed cluster: shown once complete.
        app.focus = Pane::Vms;
        let cmds = app.handle_key(key('r'));
        let seq = seq_of(&cmds, |c| match c {
            Command::LoadVms { seq, .. } => Some(*seq),
            _ => None,
        });
        let rows = app.vms.list.items.clone();
        let chunk = |index, items: Vec<vmdeck::model::Vm>, failures, done| Event::Vms {
            seq,
            result: Ok(vmdeck::model::Listing {
                value: vmdeck::model::Page {
                    items,
                    total: rows.len() as u64,
                    request: vmdeck::model::PageRequest { index, size: 3 },
                },
                failures,
            }),
            done,
        };
        app.on_event(chunk(
            0,
            rows[..3].to_vec(),
            vec![failure("c2", "E-inc")],
            false,
        ));
        app.on_event(chunk(1, rows[3..].to_vec(), vec![], true));
        "生产集群-A: E-inc".into()
    }),
    (&["VmsPane.detail_error"], |app| {
        let seq = app.vms.detail_seq;
        app.on_event(Event::VmDetail {
            seq,
            result: failed("E-det"),
        });
        app.focus = Pane::Vms;
        "E-det".into()
    }),
    (&["SnapshotsPane.error"], |app| {
        app.snapshots.error = Some("E-snap".into());
        "✗ E-snap".into()
    }),
    (&["BackupsPane.error"], |app| {
        app.backups.error = Some("E-bk".into());
        "✗ E-bk".into()
    }),
    (&["BackupsPane.failures"], |app| {
        app.backups.failures = vec![failure("c2", "E-bf")];
        "生产集群-A: E-bf".into()
    }),
    (&["BackupsPane.points_error", "Field.problem"], |app| {
        app.focus = Pane::Backups;
        app.handle_key(key('c'));
        let seq = app.backups.points_seq;
        app.on_event(Event::BackupPoints {
            seq,
            result: failed("E-pts"),
        });
        "✗ cannot read the backup points: E-pts".into()
    }),
    (&["BackupChain.error"], |app| {
        app.session.caps.backup_chains = true;
        app.focus = Pane::Backups;
        let id = app.backups.selected().unwrap().id.clone();
        app.backups.chain = Some(vmdeck::app::panes::BackupChain {
            backup_id: id,
            error: Some("E-chain".into()),
            ..Default::default()
        });
        "✗ E-chain".into()
    }),
    (&["App.restore_choices_error"], |app| {
        app.focus = Pane::Backups;
        let mut cmds = app.handle_key(key('R'));
        if !cmds
            .iter()
            .any(|c| matches!(c, Command::LoadRestoreChoices { .. }))
        {
            // The platform restores both ways: as a new VM is the default.
            cmds = app.handle_key(code(KeyCode::Enter));
        }
        let seq = seq_of(&cmds, |c| match c {
            Command::LoadRestoreChoices { seq, .. } => Some(*seq),
            _ => None,
        });
        app.on_event(Event::RestoreChoices {
            seq,
            result: failed("E-rc"),
        });
        "cannot read where the VM can go: E-rc".into()
    }),
    (&["App.platform_tasks_error"], |app| {
        app.platform_tasks_error = Some("E-pt".into());
        "✗ cannot read the platform's tasks: E-pt".into()
    }),
    (&["PlansDialog.error"], |app| {
        app.session.caps.backup_plans = true;
        app.focus = Pane::Backups;
        let cmds = app.handle_key(key('p'));
        let seq = seq_of(&cmds, |c| match c {
            Command::LoadBackupPlans { seq, .. } => Some(*seq),
            _ => None,
        });
        app.on_event(Event::BackupPlans {
            seq,
            result: failed("E-plans"),
        });
        "✗ E-plans — r reads it again".into()
    }),
    (&["RemoteDialog.error"], |app| {
        app.focus = Pane::Backups;
        app.handle_key(key('i'));
        let seq = app.backups.points_seq;
        app.on_event(Event::BackupPoints {
            seq,
            result: Ok(vec![vmdeck::model::BackupPoint {
                id: "bp1".into(),
                name: "nfs_type_1".into(),
                kind: "nfs".into(),
                state: String::new(),
                details: vec![],
            }]),
        });
        let cmds = app.handle_key(code(KeyCode::Enter));
        let seq = seq_of(&cmds, |c| match c {
            Command::LoadRemoteBackups { seq, .. } => Some(*seq),
            _ => None,
        });
        app.on_event(Event::RemoteBackups {
            seq,
            result: failed("E-remote"),
        });
        "✗ E-remote — r reads it again".into()
    }),
    (&["Form.error"], |app| {
        app.focus = Pane::Snapshots;
        app.handle_key(key('c'));
        for _ in 0..40 {
            app.handle_key(code(KeyCode::Backspace));
        }
        app.handle_key(code(KeyCode::Enter));
        "✗ the snapshot needs a name".into()
    }),
    (&["Prompt.error"], |app| {
        app.handle_key(key(':'));
        for c in "frobnicate".chars() {
            app.handle_key(key(c));
        }
        app.handle_key(code(KeyCode::Enter));
        let e = app.prompt.as_ref().and_then(|p| p.error.clone()).unwrap();
        format!("✗ {e}")
    }),
    (&["SiteSummary.error"], |app| {
        app.sites.list[0].error = Some("E-site".into());
        app.run_command("sites").unwrap();
        "cannot read clusters: E-site".into()
    }),
    (&["SiteSummary.failures"], |app| {
        let site = &mut app.sites.list[0];
        site.read = true;
        site.clusters = vec![cluster("c2", "生产集群-A")];
        site.failures = vec![failure("c2", "E-sf")];
        app.run_command("sites").unwrap();
        "E-sf".into()
    }),
    (&["Message.error"], |app| {
        app.focus = Pane::Backups;
        app.handle_key(key('j'));
        app.handle_key(key('R'));
        "╔ Cannot restore".into()
    }),
    (&["ConsoleDialog.error"], |app| {
        let vm = app.vms.selected().unwrap().to_ref();
        app.dialog = Some(vmdeck::app::dialog::Dialog::Console(
            vmdeck::app::dialog::ConsoleDialog {
                vm,
                access: None,
                error: Some("E-console".into()),
                seq: 0,
                reveal: false,
            },
        ));
        "no console: E-console".into()
    }),
    (&["JournalView.error"], |app| {
        app.dialog = Some(vmdeck::app::dialog::Dialog::Journal(
            vmdeck::app::journal::JournalView {
                error: Some("cannot read journal.jsonl: E-journal".into()),
                ..Default::default()
            },
        ));
        "✗ cannot read journal.jsonl: E-journal".into()
    }),
    (&["PasswordEntry.error"], |app| {
        app.sites.overlay = Some(vmdeck::app::sites::SiteOverlay::Password(
            vmdeck::app::sites::PasswordEntry::new(0, Some("E-pw".into())),
        ));
        "✗ E-pw".into()
    }),
];

#[test]
fn every_failure_field_in_app_state_is_drawn() {
    let mut covered: Vec<String> = FAILURES
        .iter()
        .flat_map(|(fields, _)| fields.iter().map(|f| f.to_string()))
        .collect();
    covered.sort();
    assert_eq!(
        covered,
        failure_fields(),
        "a failure field without a row here (or a row for one that is gone)"
    );
    for (fields, set) in FAILURES {
        let mut app = main_app(5);
        let want = set(&mut app);
        let screen = screen_text(&app, 150, 44);
        assert!(
            screen.contains(&want),
            "{fields:?}: {want:?} is not on the screen:\n{screen}"
        );
    }
}

fn console_box(app: &mut App, reveal: bool) {
    let vm = app.vms.selected().unwrap().to_ref();
    app.dialog = Some(vmdeck::app::dialog::Dialog::Console(
        vmdeck::app::dialog::ConsoleDialog {
            vm,
            access: Some(vmdeck::model::ConsoleAccess {
                url: "wss://10.10.0.5/websockify/?uuid=3f1c&token=SECRET-TOKEN-42".into(),
                // The expiry is relative to now; a fixed screen needs none.
                expires_at: None,
                host: "10.10.0.5".into(),
                port: 443,
                protocol: vmdeck::model::ConsoleProtocol::VncWebsocket,
                notes: vec!["the token is good for one connection".into()],
            }),
            error: None,
            seq: 0,
            reveal,
        },
    ));
}

/// The console box: the URL with its token hidden, the tunnel for a browser that cannot
/// reach the manager, and the keys; `s` shows the token.
#[test]
fn console_box_hides_the_token_until_asked() {
    for (w, h) in [(140, 40), (80, 24)] {
        let mut app = main_app(5);
        console_box(&mut app, false);
        let text = screen_text(&app, w, h);
        assert!(!text.contains("SECRET-TOKEN-42"), "{text}");
        assert!(text.contains("token=‹token hidden›"), "{text}");
        assert!(
            text.contains("ssh -N -L 8443:10.10.0.5:443"),
            "the tunnel, filled in: {text}"
        );
        assert!(text.contains("wss://localhost:8443/"), "{text}");
        insta::assert_snapshot!(format!("console_box_{w}x{h}"), render(&app, w, h).backend());
        console_box(&mut app, true);
        assert!(screen_text(&app, w, h).contains("SECRET-TOKEN-42"));
    }
}

/// A SPICE address (TopHC) has no token: the box and the footer offer no `s`.
#[test]
fn a_console_without_a_token_offers_no_show_token() {
    let mut app = main_app(5);
    console_box(&mut app, false);
    if let Some(vmdeck::app::dialog::Dialog::Console(cd)) = app.dialog.as_mut() {
        let a = cd.access.as_mut().unwrap();
        a.url = "spice://10.10.0.5:5902".into();
        a.protocol = vmdeck::model::ConsoleProtocol::Spice;
    }
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("spice://10.10.0.5:5902"), "{text}");
    assert!(
        !text.contains("show token") && !text.contains("s: show the token"),
        "{text}"
    );
    console_box(&mut app, false);
    assert!(screen_text(&app, 120, 40).contains("s show token"));
}

/// A bulk snapshot of three marked VMs: one preview with each target's calls (as the
/// TopHC backend plans them) and the VM the platform refuses left out with its reason;
/// the count is typed once. Then Tasks: one group row, opened into one row per VM.
#[test]
fn bulk_snapshot_preview_and_its_group_in_tasks() {
    let mut app = main_app(48);
    app.focus = Pane::Vms;
    app.vms.list.cursor.reset();
    for _ in 0..3 {
        app.handle_key(key(' '));
    }
    app.handle_key(key('c'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let (seq, ops) = cmds
        .iter()
        .find_map(|c| match c {
            Command::PlanEach { seq, ops } => Some((*seq, ops.clone())),
            _ => None,
        })
        .expect("one plan per VM");
    assert_eq!(ops.len(), 3);
    let mut results: Vec<_> = ops.iter().map(vmdeck::backend::tophc::plan).collect();
    results[2] = Err(vmdeck::backend::BackendError::Refused(
        "the VM is being backed up".into(),
    ));
    app.on_event(Event::PlanEach { seq, results });
    let t = render(&app, 120, 40);
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("Type 2 to confirm"), "{text}");
    assert!(text.contains("the VM is being backed up"), "{text}");
    assert!(text.contains("▸ web-01"), "{text}");
    insta::assert_snapshot!("bulk_snapshot_preview", t.backend());

    app.handle_key(key('2'));
    let cmds = app.handle_key(code(KeyCode::Enter));
    let Some(Command::ExecuteBulk { steps, .. }) = cmds.first() else {
        panic!("{cmds:?}")
    };
    let ids: Vec<_> = steps.iter().map(|(id, _)| *id).collect();
    app.on_event(Event::Task {
        id: ids[0],
        state: vmdeck::model::TaskState::Succeeded,
    });
    app.on_event(Event::Task {
        id: ids[1],
        state: vmdeck::model::TaskState::Running {
            progress: Some(0.5),
        },
    });
    app.focus = Pane::Tasks;
    app.handle_key(code(KeyCode::Enter));
    let t = render(&app, 120, 30);
    let text = screen_text(&app, 120, 30);
    assert!(text.contains("1/2 done"), "{text}");
    assert!(text.contains("▾ 2 VMs"), "{text}");
    insta::assert_snapshot!("bulk_group_in_tasks", t.backend());
}

fn journal_records() -> Vec<vmdeck::backend::journal::Record> {
    use vmdeck::backend::journal::{Call, Entry, EntryKind, OperationInfo, Outcome, Record};
    let rec = |i: i64, target: &str, group: Option<&str>, outcome: Option<Outcome>| Record {
        entry: Entry {
            time: ts(T0 + 90_000 + i * 60).to_string(),
            id: format!("e{i}"),
            kind: EntryKind::Mutation,
            site: "lab".into(),
            platform: "tophc".into(),
            user: "admin".into(),
            operation: OperationInfo {
                title: "Create snapshot".into(),
                kind: "create_snapshot".into(),
            },
            target: target.into(),
            calls: vec![Call {
                method: "POST".into(),
                path: "/v1/compute/snapshot/create".into(),
                headers: vec![],
                body: Some(serde_json::json!({"vm_name": target, "snapshot_name": "pre-patch"})),
            }],
            group: group.map(str::to_string),
        },
        outcome,
        ended: None,
    };
    vec![
        rec(3, "财务系统-db01 · snapshot pre-patch", Some("g1"), None),
        rec(
            2,
            "web-02 · snapshot pre-patch",
            Some("g1"),
            Some(Outcome::Failed {
                code: Some("E_SNAPSHOT_BUSY".into()),
                message: "another snapshot is being taken".into(),
            }),
        ),
        rec(
            1,
            "web-01 · snapshot pre-patch",
            Some("g1"),
            Some(Outcome::Succeeded),
        ),
    ]
}

fn journal_app() -> App {
    let mut app = main_app(5);
    app.journal_path = Some("/home/op/.local/state/vmdeck/journal.jsonl".into());
    let cmds = app.run_command("journal").unwrap();
    let seq = seq_of(&cmds, |c| match c {
        Command::ReadJournal { seq, .. } => Some(*seq),
        _ => None,
    });
    app.on_event(Event::Journal {
        seq,
        result: Ok(journal_records()),
    });
    app
}

/// `:journal`: newest first, outcomes in words, an entry in flight said so; Enter shows
/// the selected entry's calls.
#[test]
fn journal_view_120x30() {
    let mut app = journal_app();
    app.handle_key(code(KeyCode::Down));
    app.handle_key(code(KeyCode::Enter));
    insta::assert_snapshot!(render(&app, 120, 30).backend());
}

#[test]
fn journal_view_80x24_filtered() {
    let mut app = journal_app();
    app.handle_key(key('/'));
    for c in "failed".chars() {
        app.handle_key(key(c));
    }
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}
