use super::*;
use proptest::prelude::*;

fn snap(id: &str, t: i64) -> Snapshot {
    Snapshot {
        created: Some(jiff::Timestamp::from_second(t).unwrap()),
        ..Snapshot::named(id)
    }
}

fn input(
    snaps: &[(&str, i64)],
    parents: &[(&str, &str)],
    children: &[(&str, &[&str])],
) -> TreeInput {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    TreeInput {
        snapshots: snaps.iter().map(|(n, t)| snap(n, *t)).collect(),
        parent_of: parents
            .iter()
            .map(|(c, p)| (c.to_string(), opt(p)))
            .collect(),
        children_of: children
            .iter()
            .map(|(p, kids)| (opt(p), kids.iter().map(|k| k.to_string()).collect()))
            .collect(),
        now: None,
        now_label: String::new(),
    }
}

/// Every snapshot exactly once, parent/child links consistent, no cycles.
fn assert_well_formed(tree: &SnapshotTree) {
    let mut seen = vec![0usize; tree.nodes.len()];
    let mut stack: Vec<(NodeId, usize)> = tree.roots.iter().map(|r| (*r, 0)).collect();
    for r in &tree.roots {
        assert_eq!(tree.nodes[*r].parent, None, "root {r} has a parent");
    }
    while let Some((n, depth)) = stack.pop() {
        seen[n] += 1;
        assert!(seen[n] == 1, "node {n} reached twice");
        assert_eq!(tree.nodes[n].depth, depth, "depth of {n}");
        for c in &tree.nodes[n].children {
            assert_eq!(tree.nodes[*c].parent, Some(n), "child {c} of {n}");
            stack.push((*c, depth + 1));
        }
    }
    assert!(seen.iter().all(|s| *s == 1), "unreachable nodes: {seen:?}");
    let mut ids: Vec<&str> = tree
        .nodes
        .iter()
        .filter_map(|n| n.snapshot().map(|s| s.id.as_str()))
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "a snapshot id appears twice");
}

fn names(tree: &SnapshotTree, ids: &[NodeId]) -> Vec<String> {
    ids.iter()
        .map(|i| match &tree.nodes[*i].kind {
            NodeKind::Snapshot(s) => s.name.clone(),
            NodeKind::Now { label } => format!("<{label}>"),
            NodeKind::Group { label } => format!("[{label}]"),
        })
        .collect()
}

#[test]
fn documented_example_builds_with_head_marker() {
    // The doc's tree: "" -> origin -> head.
    let mut inp = input(&[("origin", 10)], &[("origin", "")], &[("", &["origin"])]);
    inp.now = Some(Some("origin".into()));
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert!(tree.problems.is_empty(), "{:?}", tree.problems);
    assert_eq!(names(&tree, &tree.roots), ["origin"]);
    let origin = tree.find("origin").unwrap();
    assert_eq!(names(&tree, &tree.nodes[origin].children), ["<now>"]);
    assert_eq!(tree.current_snapshot(), Some(origin));
    assert_eq!(tree.snapshot_count(), 1);
    assert_eq!(tree.snapshot_children(origin), 0);
}

#[test]
fn branches_and_depth_follow_creation_order() {
    let inp = input(
        &[("a", 1), ("c", 3), ("b", 2), ("d", 4)],
        &[("a", ""), ("b", "a"), ("c", "a"), ("d", "b")],
        &[("", &["a"]), ("a", &["c", "b"]), ("b", &["d"])],
    );
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert!(tree.problems.is_empty(), "{:?}", tree.problems);
    let a = tree.find("a").unwrap();
    assert_eq!(names(&tree, &tree.nodes[a].children), ["b", "c"]);
    assert_eq!(tree.nodes[tree.find("d").unwrap()].depth, 2);
    assert_eq!(tree.descendant_snapshots(a), 3);
    assert_eq!(tree.snapshot_children(a), 2);
}

#[test]
fn cycle_is_broken_and_reported() {
    let inp = input(
        &[("a", 1), ("b", 2), ("c", 3)],
        &[("a", "c"), ("b", "a"), ("c", "b")],
        &[],
    );
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert_eq!(tree.snapshot_count(), 3);
    assert!(
        tree.problems.iter().any(|p| p.contains("cycle")),
        "{:?}",
        tree.problems
    );
}

#[test]
fn self_parent_is_reported() {
    let tree = SnapshotTree::build(input(&[("a", 1)], &[("a", "a")], &[]));
    assert_well_formed(&tree);
    assert!(tree.problems.iter().any(|p| p.contains("own parent")));
}

#[test]
fn orphans_and_unknown_parents_still_show() {
    // "x" is listed but in no map; "ghost" is only named as a parent.
    let inp = input(&[("a", 1), ("x", 5)], &[("a", "ghost")], &[]);
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert_eq!(tree.snapshot_count(), 3);
    assert!(
        tree.problems
            .iter()
            .any(|p| p.contains("\"x\" is not in the tree"))
    );
    assert!(tree.problems.iter().any(|p| p.contains("\"ghost\"")));
}

#[test]
fn child_under_two_parents_is_shown_once() {
    let inp = input(
        &[("a", 1), ("b", 2), ("c", 3)],
        &[("a", ""), ("b", ""), ("c", "b")],
        &[("", &["a", "b"]), ("a", &["c"]), ("b", &["c"])],
    );
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    let c = tree.find("c").unwrap();
    assert_eq!(tree.nodes[c].parent, tree.find("b"), "parent map wins");
    assert!(tree.problems.iter().any(|p| p.contains("2 parents")));
}

#[test]
fn maps_disagreeing_follow_the_parent_map() {
    let inp = input(
        &[("a", 1), ("b", 2)],
        &[("a", ""), ("b", "")],
        &[("", &["a"]), ("a", &["b"])],
    );
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert_eq!(tree.nodes[tree.find("b").unwrap()].parent, None);
    assert!(tree.problems.iter().any(|p| p.contains("disagree")));
}

#[test]
fn no_root_at_all_still_renders_everything() {
    let inp = input(
        &[("a", 1), ("b", 2)],
        &[("a", "b"), ("b", "a")],
        &[("a", &["b"]), ("b", &["a"])],
    );
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert_eq!(tree.roots.len(), 1);
    assert_eq!(tree.snapshot_count(), 2);
}

#[test]
fn duplicate_names_in_list_are_shown_once() {
    let inp = input(&[("a", 1), ("a", 2)], &[("a", "")], &[]);
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert_eq!(tree.snapshot_count(), 1);
    assert!(tree.problems.iter().any(|p| p.contains("listed twice")));
}

#[test]
fn now_on_missing_snapshot_goes_to_top_level() {
    let mut inp = input(&[("a", 1)], &[("a", "")], &[]);
    inp.now = Some(Some("zzz".into()));
    let tree = SnapshotTree::build(inp);
    assert_well_formed(&tree);
    assert_eq!(tree.now_markers().count(), 1);
    assert_eq!(tree.current_snapshot(), None);
    assert!(tree.problems.iter().any(|p| p.contains("zzz")));
}

#[test]
fn deep_chain_does_not_overflow() {
    let n = 20_000;
    let ids: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    let inp = TreeInput {
        snapshots: ids
            .iter()
            .enumerate()
            .map(|(i, id)| snap(id, i as i64))
            .collect(),
        parent_of: ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), (i > 0).then(|| ids[i - 1].clone())))
            .collect(),
        children_of: vec![],
        now: Some(Some(ids[n - 1].clone())),
        now_label: "now".into(),
    };
    let tree = SnapshotTree::build(inp);
    assert_eq!(tree.nodes[tree.find("s19999").unwrap()].depth, n - 1);
    assert_eq!(tree.ancestors(tree.find("s19999").unwrap()).len(), n - 1);
    drop(tree); // dropping must not recurse either
}

#[test]
fn flat_and_grouped_layouts() {
    let flat = SnapshotTree::flat(vec![snap("a", 1), snap("b", 2)], Some("now".into()));
    assert_well_formed(&flat);
    assert_eq!(names(&flat, &flat.roots), ["a", "b", "<now>"]);

    let t1 = SnapshotTree::build(input(&[("x", 1), ("y", 2)], &[("y", "x")], &[]));
    let grouped = SnapshotTree::grouped(vec![("vda".into(), t1), ("vdb".into(), flat)]);
    assert_well_formed(&grouped);
    assert_eq!(names(&grouped, &grouped.roots), ["[vda]", "[vdb]"]);
    let y = grouped.find("y").unwrap();
    assert_eq!(grouped.nodes[y].depth, 2);
    assert_eq!(grouped.snapshot_count(), 4);
}

fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..12).prop_map(|i| format!("s{i}")),
        Just(String::new()),
        Just("head".to_string()),
        Just("快照".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn any_claims_build_a_well_formed_forest(
        listed in proptest::collection::vec((arb_name(), proptest::option::of(0i64..100)), 0..15),
        parents in proptest::collection::vec((arb_name(), proptest::option::of(arb_name())), 0..20),
        children in proptest::collection::vec((proptest::option::of(arb_name()), proptest::collection::vec(arb_name(), 0..4)), 0..10),
        now in proptest::option::of(proptest::option::of(arb_name())),
    ) {
        let inp = TreeInput {
            snapshots: listed.iter().map(|(n, t)| Snapshot {
                created: t.and_then(|t| jiff::Timestamp::from_second(t).ok()),
                ..Snapshot::named(n.clone())
            }).collect(),
            parent_of: parents,
            children_of: children,
            now,
            now_label: String::new(),
        };
        let tree = SnapshotTree::build(inp);
        assert_well_formed(&tree);
        for (i, _) in listed.iter().enumerate() {
            prop_assert!(tree.find(&listed[i].0).is_some());
        }
    }
}
