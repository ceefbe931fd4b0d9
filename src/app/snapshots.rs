//! The Snapshots pane's state, and how a snapshot tree is laid out for display.
//!
//! Snapshot trees are mostly long chains (each snapshot taken after the last). Indenting
//! every generation makes a 1,000-snapshot chain unreadable and slow, so a chain is shown as
//! one column: within a column each entry is the child of the entry above it, and
//! indentation only marks where a chain branches. The details pane names each parent.

use std::cell::RefCell;
use std::collections::HashMap;

use tui_tree_widget::TreeState;

use crate::model::{NodeId, NodeKind, SnapshotTree, VmRef};

/// One row of the displayed tree, with the rows nested under it. `N` names a row: a
/// snapshot tree's node, or an index into a restore-point chain.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayItem<N = NodeId> {
    pub node: N,
    pub children: Vec<DisplayItem<N>>,
}

/// The display structure plus each node's path in it (what `TreeState` selects by).
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub items: Vec<DisplayItem>,
    pub paths: HashMap<NodeId, Vec<NodeId>>,
}

impl Layout {
    pub fn build(tree: &SnapshotTree) -> Layout {
        let (items, paths) = chains(&tree.roots, |n| tree.nodes[n].children.clone());
        Layout { items, paths }
    }

    /// Paths of every row that has rows under it (to open everything).
    pub fn openable(&self) -> Vec<Vec<NodeId>> {
        let mut out = Vec::new();
        let mut stack: Vec<&DisplayItem> = self.items.iter().collect();
        while let Some(item) = stack.pop() {
            if !item.children.is_empty() {
                if let Some(p) = self.paths.get(&item.node) {
                    out.push(p.clone());
                }
                stack.extend(item.children.iter());
            }
        }
        out
    }
}

/// The one-column rule for any tree given by its `roots` and `children`: each chain is a
/// column nested once under its head, and only where a node has several children do they
/// start columns of their own. Also each node's path. A node met twice (a cycle or a
/// repeated id in what a platform sent) is shown once.
pub fn chains<N: Copy + Eq + std::hash::Hash>(
    roots: &[N],
    children: impl Fn(N) -> Vec<N>,
) -> (Vec<DisplayItem<N>>, HashMap<N, Vec<N>>) {
    let mut paths = HashMap::new();
    let items = roots
        .iter()
        .filter_map(|r| chain_item(&children, *r, &[], &mut paths))
        .collect();
    (items, paths)
}

/// A chain head: the head row, with the rest of its chain nested under it.
fn chain_item<N: Copy + Eq + std::hash::Hash>(
    children: &impl Fn(N) -> Vec<N>,
    head: N,
    parent_path: &[N],
    paths: &mut HashMap<N, Vec<N>>,
) -> Option<DisplayItem<N>> {
    if paths.contains_key(&head) {
        return None;
    }
    let mut head_path = parent_path.to_vec();
    head_path.push(head);
    paths.insert(head, head_path.clone());

    let mut column: Vec<DisplayItem<N>> = Vec::new();
    let mut cur = head;
    loop {
        let mut kids = children(cur);
        kids.retain(|k| !paths.contains_key(k));
        match kids.len() {
            0 => break,
            1 => {
                let next = kids[0];
                let mut p = head_path.clone();
                p.push(next);
                paths.insert(next, p);
                column.push(DisplayItem {
                    node: next,
                    children: Vec::new(),
                });
                cur = next;
            }
            _ => {
                // A branch point: each branch starts its own column under it.
                let branch_parent_path = paths.get(&cur).cloned().unwrap_or_default();
                let branches: Vec<DisplayItem<N>> = kids
                    .iter()
                    .filter_map(|k| chain_item(children, *k, &branch_parent_path, paths))
                    .collect();
                if cur == head {
                    return Some(DisplayItem {
                        node: head,
                        children: branches,
                    });
                }
                if let Some(last) = column.last_mut() {
                    last.children = branches;
                }
                break;
            }
        }
    }
    Some(DisplayItem {
        node: head,
        children: column,
    })
}

#[derive(Default)]
pub struct SnapshotsPane {
    pub vm: Option<VmRef>,
    pub tree: Option<SnapshotTree>,
    pub layout: Layout,
    /// Open/selected rows. A `RefCell` because the tree widget scrolls it while drawing.
    pub state: RefCell<TreeState<NodeId>>,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
    /// Bumped whenever the tree changes, so the renderer can rebuild its cached rows.
    pub revision: u64,
    /// Rows built for the tree widget, tagged with the revision they were built for.
    pub rows: RefCell<Option<(u64, Vec<tui_tree_widget::TreeItem<'static, NodeId>>)>>,
    /// The `/` search and the snapshots it found, in display order.
    pub search: String,
    pub hits: Vec<NodeId>,
    /// Columns the drawn tree is moved left to keep a deep selection readable (set while
    /// drawing; a click is mapped back through it).
    pub shift: std::cell::Cell<u16>,
    /// Ids of the marked snapshots (`d` deletes them all). By id, so a re-read keeps them;
    /// another VM starts without any.
    pub marks: std::collections::BTreeSet<String>,
}

impl SnapshotsPane {
    /// Shows a freshly read tree. The selection follows the VM when it moved (a snapshot
    /// was taken or a rollback ran); otherwise it stays on the same snapshot if it is still
    /// there, else goes to the snapshot the VM sits on.
    pub fn set_tree(&mut self, tree: SnapshotTree) {
        let old = self.tree.as_ref();
        let old_current = old
            .and_then(|t| t.current_snapshot().and_then(|n| t.snapshot(n)))
            .map(|s| s.id.clone());
        let new_current = tree
            .current_snapshot()
            .and_then(|n| tree.snapshot(n))
            .map(|s| s.id.clone());
        let vm_moved = old.is_some() && old_current != new_current;
        let previous = self
            .selected_node()
            .and_then(|n| old.and_then(|t| t.snapshot(n)).map(|s| s.id.clone()))
            .filter(|_| !vm_moved);
        // Branches the operator closed stay closed across refreshes (by snapshot id, since
        // node ids are positions in one read of the tree).
        let closed: std::collections::HashSet<String> = match old {
            Some(t) => {
                let state = self.state.borrow();
                self.layout
                    .openable()
                    .into_iter()
                    .filter(|p| !state.opened().contains(p))
                    .filter_map(|p| p.last().and_then(|n| t.snapshot(*n)).map(|s| s.id.clone()))
                    .collect()
            }
            None => Default::default(),
        };
        let layout = Layout::build(&tree);
        let mut state = TreeState::default();
        for p in layout.openable() {
            let was_closed = p
                .last()
                .and_then(|n| tree.snapshot(*n))
                .is_some_and(|s| closed.contains(&s.id));
            if !was_closed {
                state.open(p);
            }
        }
        let target = previous
            .and_then(|id| tree.find(&id))
            .or_else(|| tree.current_snapshot())
            .or_else(|| tree.now_markers().next())
            .or_else(|| tree.roots.first().copied());
        if let Some(path) = target.and_then(|t| layout.paths.get(&t)) {
            // The selection is never hidden inside a closed branch.
            for k in 1..path.len() {
                state.open(path[..k].to_vec());
            }
            state.select(path.clone());
        }
        // A marked snapshot that is gone is no longer a target.
        self.marks.retain(|id| tree.find(id).is_some());
        self.tree = Some(tree);
        self.layout = layout;
        self.state = RefCell::new(state);
        self.loading = false;
        self.error = None;
        self.revision += 1;
        if !self.search.is_empty() {
            let keep = self.selected_node();
            let text = self.search.clone();
            self.search_for(&text);
            if let Some(n) = keep {
                self.select_node(n);
            }
        }
    }

    pub fn clear(&mut self, vm: Option<VmRef>) {
        if self.vm.as_ref().map(|v| &v.id) != vm.as_ref().map(|v| &v.id) {
            self.marks.clear();
        }
        self.vm = vm;
        self.tree = None;
        self.layout = Layout::default();
        self.state = RefCell::new(TreeState::default());
        self.error = None;
        self.revision += 1;
    }

    pub fn selected_node(&self) -> Option<NodeId> {
        self.state.borrow().selected().last().copied()
    }

    /// The selected node if it is a real snapshot.
    pub fn selected_snapshot(&self) -> Option<(NodeId, &crate::model::Snapshot)> {
        let n = self.selected_node()?;
        let s = self.tree.as_ref()?.snapshot(n)?;
        Some((n, s))
    }

    /// Marks or unmarks the snapshot under the cursor, then moves down.
    pub fn toggle_mark(&mut self) {
        let Some(id) = self.selected_snapshot().map(|(_, s)| s.id.clone()) else {
            return;
        };
        if !self.marks.remove(&id) {
            self.marks.insert(id);
        }
        self.revision += 1;
        self.state.get_mut().key_down();
    }

    pub fn is_marked(&self, node: NodeId) -> bool {
        !self.marks.is_empty()
            && self
                .tree
                .as_ref()
                .and_then(|t| t.snapshot(node))
                .is_some_and(|s| self.marks.contains(&s.id))
    }

    /// The marked snapshots, deepest first (so a child goes before its parent).
    pub fn marked(&self) -> Vec<NodeId> {
        let Some(tree) = &self.tree else {
            return vec![];
        };
        let mut nodes: Vec<NodeId> = self.marks.iter().filter_map(|id| tree.find(id)).collect();
        nodes.sort_by_key(|n| (std::cmp::Reverse(tree.ancestors(*n).len()), *n));
        nodes
    }

    pub fn clear_marks(&mut self) -> usize {
        let n = self.marks.len();
        self.marks.clear();
        self.revision += 1;
        n
    }

    pub fn select_node(&mut self, node: NodeId) {
        if let Some(p) = self.layout.paths.get(&node) {
            self.state.get_mut().select(p.clone());
        }
    }

    /// Searches names and descriptions; opens the branches leading to the hits and selects
    /// the first one.
    pub fn search_for(&mut self, text: &str) {
        self.search = text.to_string();
        self.hits.clear();
        self.revision += 1;
        let matcher = super::view::FilterMatcher::new(text);
        let Some(tree) = &self.tree else {
            return;
        };
        if !matcher.is_active() {
            return;
        }
        // Display order: walk the layout.
        let mut order = Vec::new();
        let mut stack: Vec<&DisplayItem> = self.layout.items.iter().rev().collect();
        while let Some(item) = stack.pop() {
            order.push(item.node);
            stack.extend(item.children.iter().rev());
        }
        self.hits = order
            .into_iter()
            .filter(|n| {
                tree.snapshot(*n)
                    .is_some_and(|s| matcher.matches_any(&[&s.name, &s.description]))
            })
            .collect();
        let state = self.state.get_mut();
        for hit in &self.hits {
            if let Some(path) = self.layout.paths.get(hit) {
                for k in 1..path.len() {
                    state.open(path[..k].to_vec());
                }
            }
        }
        if let Some(first) = self.hits.first().copied() {
            self.select_node(first);
        }
    }

    /// Moves to the next (or previous) search hit.
    pub fn next_hit(&mut self, backwards: bool) -> bool {
        if self.hits.is_empty() {
            return false;
        }
        let cur = self
            .selected_node()
            .and_then(|n| self.hits.iter().position(|h| *h == n));
        let n = self.hits.len();
        let next = match (cur, backwards) {
            (Some(i), false) => (i + 1) % n,
            (Some(i), true) => (i + n - 1) % n,
            (None, false) => 0,
            (None, true) => n - 1,
        };
        self.select_node(self.hits[next]);
        true
    }

    pub fn is_marker(&self, node: NodeId) -> bool {
        self.tree
            .as_ref()
            .and_then(|t| t.node(node))
            .is_some_and(|n| matches!(n.kind, NodeKind::Now { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Snapshot, TreeInput};

    fn tree(edges: &[(&str, &str)], now: Option<&str>) -> SnapshotTree {
        let mut names: Vec<&str> = Vec::new();
        for (c, p) in edges {
            for n in [c, p] {
                if !n.is_empty() && !names.contains(n) {
                    names.push(n);
                }
            }
        }
        SnapshotTree::build(TreeInput {
            snapshots: names
                .iter()
                .enumerate()
                .map(|(i, n)| Snapshot {
                    created: Some(jiff::Timestamp::from_second(i as i64).unwrap()),
                    ..Snapshot::named(*n)
                })
                .collect(),
            parent_of: edges
                .iter()
                .map(|(c, p)| (c.to_string(), (!p.is_empty()).then(|| p.to_string())))
                .collect(),
            children_of: vec![],
            now: now.map(|n| Some(n.to_string())),
            now_label: "now".into(),
        })
    }

    /// Renders the layout as indented names, the way a reader sees it.
    fn outline(t: &SnapshotTree, l: &Layout) -> Vec<String> {
        fn walk(t: &SnapshotTree, items: &[DisplayItem], depth: usize, out: &mut Vec<String>) {
            for i in items {
                let name = match &t.nodes[i.node].kind {
                    NodeKind::Snapshot(s) => s.name.clone(),
                    NodeKind::Now { .. } => "*now".into(),
                    NodeKind::Group { label } => format!("[{label}]"),
                };
                out.push(format!("{}{}", "  ".repeat(depth), name));
                walk(t, &i.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(t, &l.items, 0, &mut out);
        out
    }

    #[test]
    fn chain_is_one_column_and_branches_indent() {
        // a → b → c → (d → now, e)
        let t = tree(
            &[("a", ""), ("b", "a"), ("c", "b"), ("d", "c"), ("e", "c")],
            Some("d"),
        );
        let l = Layout::build(&t);
        assert_eq!(
            outline(&t, &l),
            ["a", "  b", "  c", "    d", "      *now", "    e"]
        );
        // Every node has a path ending in itself.
        for (node, path) in &l.paths {
            assert_eq!(path.last(), Some(node));
        }
        assert_eq!(l.paths.len(), t.nodes.len());
    }

    #[test]
    fn branch_at_head_nests_branches_directly() {
        let t = tree(&[("a", ""), ("b", "a"), ("c", "a")], None);
        let l = Layout::build(&t);
        assert_eq!(outline(&t, &l), ["a", "  b", "  c"]);
    }

    #[test]
    fn long_chain_stays_shallow() {
        let names: Vec<String> = (0..1000).map(|i| format!("s{i}")).collect();
        let edges: Vec<(&str, &str)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), if i == 0 { "" } else { names[i - 1].as_str() }))
            .collect();
        let t = tree(&edges, Some("s999"));
        let l = Layout::build(&t);
        assert!(l.paths.values().all(|p| p.len() <= 2));
        let mut pane = SnapshotsPane::default();
        pane.set_tree(t);
        let sel = pane.selected_snapshot().map(|(_, s)| s.name.clone());
        assert_eq!(
            sel.as_deref(),
            Some("s999"),
            "starts on the current snapshot"
        );
    }

    #[test]
    fn selection_follows_the_vm_when_it_moves() {
        let mut pane = SnapshotsPane::default();
        pane.set_tree(tree(&[("a", ""), ("b", "a")], Some("b")));
        let a = pane.tree.as_ref().unwrap().find("a").unwrap();
        pane.select_node(a);
        // A new snapshot c was taken: the VM now sits on it.
        pane.set_tree(tree(&[("a", ""), ("b", "a"), ("c", "b")], Some("c")));
        assert_eq!(pane.selected_snapshot().unwrap().1.name, "c");
    }

    #[test]
    fn search_opens_branches_to_hits_and_cycles() {
        let mut pane = SnapshotsPane::default();
        // a → b → (c → d, e)
        pane.set_tree(tree(
            &[("a", ""), ("b", "a"), ("c", "b"), ("d", "c"), ("e", "b")],
            Some("e"),
        ));
        // Close everything, then search.
        pane.state.get_mut().close_all();
        pane.search_for("d");
        let d = pane.tree.as_ref().unwrap().find("d").unwrap();
        assert_eq!(pane.hits, vec![d]);
        assert_eq!(pane.selected_node(), Some(d));
        let path = pane.layout.paths[&d].clone();
        for k in 1..path.len() {
            assert!(
                pane.state.borrow().opened().contains(&path[..k].to_vec()),
                "branch {k} open"
            );
        }
        pane.search_for("!zzz");
        assert_eq!(pane.hits.len(), 5, "inverted search finds every snapshot");
        let first = pane.hits[0];
        assert_eq!(pane.selected_node(), Some(first));
        pane.next_hit(true);
        assert_eq!(pane.selected_node(), pane.hits.last().copied());
        pane.search_for("");
        assert!(pane.hits.is_empty());
    }

    #[test]
    fn closed_branches_stay_closed_across_a_refresh() {
        let mut pane = SnapshotsPane::default();
        // a → (b → c, d): two branches under a.
        let maps = [("a", ""), ("b", "a"), ("c", "b"), ("d", "a")];
        pane.set_tree(tree(&maps, Some("d")));
        let b = pane.tree.as_ref().unwrap().find("b").unwrap();
        let b_path = pane.layout.paths[&b].clone();
        pane.state.get_mut().close(&b_path);
        pane.set_tree(tree(&maps, Some("d")));
        let b = pane.tree.as_ref().unwrap().find("b").unwrap();
        let b_path = pane.layout.paths[&b].clone();
        assert!(
            !pane.state.borrow().opened().contains(&b_path),
            "b stays closed"
        );
        // The VM moves into the closed branch: it opens so the selection is visible.
        pane.set_tree(tree(
            &[("a", ""), ("b", "a"), ("c", "b"), ("d", "a"), ("e", "c")],
            Some("e"),
        ));
        let b = pane.tree.as_ref().unwrap().find("b").unwrap();
        let b_path = pane.layout.paths[&b].clone();
        assert!(
            pane.state.borrow().opened().contains(&b_path),
            "opened to show e"
        );
        assert_eq!(pane.selected_snapshot().unwrap().1.name, "e");
    }

    #[test]
    fn selection_survives_a_refresh() {
        let mut pane = SnapshotsPane::default();
        pane.set_tree(tree(&[("a", ""), ("b", "a")], Some("b")));
        let a = pane.tree.as_ref().unwrap().find("a").unwrap();
        pane.select_node(a);
        pane.set_tree(tree(&[("x", ""), ("a", "x"), ("b", "a")], Some("b")));
        assert_eq!(pane.selected_snapshot().unwrap().1.name, "a");
    }
}
