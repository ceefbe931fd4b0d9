//! Speed targets: a full frame with 10,000 VMs and a 1,000-snapshot tree under 2 ms, and
//! building that tree from the platform's parent/children maps under 5 ms.
//!
//! `cargo bench --bench render`

#[path = "../tests/common/mod.rs"]
mod common;

use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use vmdeck::app::snapshots::Layout;
use vmdeck::app::{App, Pane};
use vmdeck::fetcher::Event;
use vmdeck::model::{Snapshot, SnapshotTree, TreeInput};
use vmdeck::theme::Theme;

fn main() {
    divan::main();
}

/// A 1,000-snapshot tree shaped like real ones: a long main chain with a side branch every
/// 25 snapshots, described twice (Parents and Children maps) as TopHC sends it.
fn big_tree_input(n: usize) -> TreeInput {
    let mut snapshots = Vec::with_capacity(n);
    let mut parent_of = Vec::with_capacity(n);
    let mut children: std::collections::HashMap<Option<String>, Vec<String>> = Default::default();
    let mut main_prev: Option<String> = None;
    for i in 0..n {
        let name = format!("snap-{i:04}");
        snapshots.push(Snapshot {
            created: Some(common::ts(common::T0 + i as i64 * 60)),
            description: format!("automatic snapshot {i}"),
            ..Snapshot::named(name.clone())
        });
        // Every 25th snapshot hangs off the one 3 back on the main chain: a side branch.
        let parent = if i % 25 == 24 {
            Some(format!("snap-{:04}", i.saturating_sub(3)))
        } else {
            let p = main_prev.clone();
            main_prev = Some(name.clone());
            p
        };
        parent_of.push((name.clone(), parent.clone()));
        children.entry(parent).or_default().push(name);
    }
    TreeInput {
        snapshots,
        parent_of,
        children_of: children.into_iter().collect(),
        now: Some(main_prev),
        now_label: "now".into(),
    }
}

fn big_app() -> App {
    app_with_tree(big_tree_input(1000))
}

fn app_with_tree(input: TreeInput) -> App {
    let mut app = common::main_app(10_000);
    let seq = app.snapshots.seq;
    app.on_event(Event::Snapshots {
        seq,
        result: Ok(SnapshotTree::build(input)),
    });
    app
}

#[divan::bench(args = [Pane::Vms, Pane::Snapshots])]
fn full_frame_10k_vms_1k_tree(bencher: Bencher, focus: Pane) {
    let mut app = big_app();
    app.focus = focus;
    // Somewhere in the middle of both lists, as after scrolling.
    for _ in 0..5000 {
        app.update(vmdeck::app::Action::Down);
    }
    let theme = Theme::dark();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    term.draw(|f| vmdeck::ui::draw(f, &app, &theme)).unwrap();
    bencher.bench_local(|| {
        term.draw(|f| vmdeck::ui::draw(f, &app, &theme)).unwrap();
    });
}

#[divan::bench]
fn build_1k_tree_from_maps(bencher: Bencher) {
    bencher
        .with_inputs(|| big_tree_input(1000))
        .bench_values(|input| {
            let tree = SnapshotTree::build(input);
            let layout = Layout::build(&tree);
            (tree, layout)
        });
}

/// The first frame after a new tree arrives also builds the widget rows once.
#[divan::bench]
fn first_frame_after_new_1k_tree(bencher: Bencher) {
    let mut app = big_app();
    app.focus = Pane::Snapshots;
    let theme = Theme::dark();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let tree = SnapshotTree::build(big_tree_input(1000));
    bencher.bench_local(|| {
        app.snapshots.set_tree(tree.clone());
        term.draw(|f| vmdeck::ui::draw(f, &app, &theme)).unwrap();
    });
}

/// The simulator's shape: a branch at every level of a 1,000-snapshot tree, the VM on the
/// deepest (the pane follows it sideways), drawn at a jump host's 80×24 and at 200×60.
#[divan::bench(args = [(80, 24), (200, 60)])]
fn full_frame_10k_vms_1k_tree_branching_at_every_level(bencher: Bencher, size: (u16, u16)) {
    let mut app = app_with_tree(common::deep_tree_input(1000, "", None));
    app.focus = Pane::Snapshots;
    let theme = Theme::dark();
    let mut term = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    term.draw(|f| vmdeck::ui::draw(f, &app, &theme)).unwrap();
    bencher.bench_local(|| {
        term.draw(|f| vmdeck::ui::draw(f, &app, &theme)).unwrap();
    });
}
