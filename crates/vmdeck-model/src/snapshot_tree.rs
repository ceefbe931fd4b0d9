//! Building a snapshot tree that is always a proper forest, whatever the server sent.
//!
//! Platforms describe parenthood in ways that can disagree with themselves (TopHC sends a
//! `Parents` map and a `Children` map). [`SnapshotTree::build`] takes every claim, picks one
//! parent per snapshot, breaks cycles, and attaches anything unreachable to the top level, so
//! each snapshot appears exactly once. What it had to repair is listed in `problems`.

use std::collections::HashMap;

use super::Snapshot;

/// Index into [`SnapshotTree::nodes`].
pub type NodeId = usize;

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Snapshot(Snapshot),
    /// Where the VM (or volume) is now. Not a snapshot.
    Now {
        label: String,
    },
    /// A heading that groups trees, e.g. one volume's snapshots.
    Group {
        label: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotNode {
    pub kind: NodeKind,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    pub depth: usize,
}

impl SnapshotNode {
    pub fn snapshot(&self) -> Option<&Snapshot> {
        match &self.kind {
            NodeKind::Snapshot(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SnapshotTree {
    pub nodes: Vec<SnapshotNode>,
    pub roots: Vec<NodeId>,
    /// Repairs made to malformed input, in words an operator can act on.
    pub problems: Vec<String>,
}

/// Raw parenthood claims, in the platform's own ids. `None` means "the top level".
#[derive(Clone, Debug, Default)]
pub struct TreeInput {
    /// Snapshots as listed by the platform. Order is kept for siblings.
    pub snapshots: Vec<Snapshot>,
    /// "child's parent is" claims.
    pub parent_of: Vec<(String, Option<String>)>,
    /// "parent's children are" claims.
    pub children_of: Vec<(Option<String>, Vec<String>)>,
    /// Where the VM currently sits: `Some(None)` at the top level, `Some(Some(id))` under a
    /// snapshot, `None` when unknown.
    pub now: Option<Option<String>>,
    /// Label for the "now" marker.
    pub now_label: String,
}

impl SnapshotTree {
    /// Builds a forest from possibly contradictory claims. Never panics, never loops.
    pub fn build(input: TreeInput) -> SnapshotTree {
        Builder::default().run(input)
    }

    /// A flat list (platforms without parenthood), with the "now" marker last.
    pub fn flat(snapshots: Vec<Snapshot>, now_label: Option<String>) -> SnapshotTree {
        let mut tree = SnapshotTree::default();
        for s in snapshots {
            let id = tree.push(NodeKind::Snapshot(s), None);
            tree.roots.push(id);
        }
        if let Some(label) = now_label {
            let id = tree.push(NodeKind::Now { label }, None);
            tree.roots.push(id);
        }
        tree
    }

    /// Puts each tree under a heading (one per volume, say).
    pub fn grouped(groups: Vec<(String, SnapshotTree)>) -> SnapshotTree {
        let mut out = SnapshotTree::default();
        for (label, sub) in groups {
            let head = out.push(
                NodeKind::Group {
                    label: label.clone(),
                },
                None,
            );
            out.roots.push(head);
            let base = out.nodes.len();
            for mut node in sub.nodes {
                node.parent = Some(node.parent.map_or(head, |p| p + base));
                node.children.iter_mut().for_each(|c| *c += base);
                node.depth += 1;
                out.nodes.push(node);
            }
            out.nodes[head].children = sub.roots.iter().map(|r| r + base).collect();
            out.problems
                .extend(sub.problems.into_iter().map(|p| format!("{label}: {p}")));
        }
        out
    }

    fn push(&mut self, kind: NodeKind, parent: Option<NodeId>) -> NodeId {
        let depth = parent.map_or(0, |p| self.nodes[p].depth + 1);
        self.nodes.push(SnapshotNode {
            kind,
            parent,
            children: Vec::new(),
            depth,
        });
        self.nodes.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, id: NodeId) -> Option<&SnapshotNode> {
        self.nodes.get(id)
    }

    pub fn snapshot(&self, id: NodeId) -> Option<&Snapshot> {
        self.nodes.get(id).and_then(SnapshotNode::snapshot)
    }

    /// The snapshots named `name`: the whole-VM ones where there are any (a ZStack
    /// snapshot group shares its name with its volumes' snapshots), else the volumes'.
    pub fn named(&self, name: &str) -> Vec<&Snapshot> {
        let all: Vec<&Snapshot> = self
            .nodes
            .iter()
            .filter_map(SnapshotNode::snapshot)
            .filter(|s| s.name == name)
            .collect();
        if all.iter().any(|s| s.volume.is_none()) {
            all.into_iter().filter(|s| s.volume.is_none()).collect()
        } else {
            all
        }
    }

    /// Number of real snapshots (markers and headings excluded).
    pub fn snapshot_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.snapshot().is_some()).count()
    }

    /// Child snapshots of a node, not counting the "now" marker.
    pub fn snapshot_children(&self, id: NodeId) -> usize {
        self.nodes.get(id).map_or(0, |n| {
            n.children
                .iter()
                .filter(|c| self.nodes[**c].snapshot().is_some())
                .count()
        })
    }

    /// All snapshots below a node.
    pub fn descendant_snapshots(&self, id: NodeId) -> usize {
        let Some(node) = self.nodes.get(id) else {
            return 0;
        };
        let mut stack: Vec<NodeId> = node.children.clone();
        let mut count = 0;
        while let Some(n) = stack.pop() {
            if self.nodes[n].snapshot().is_some() {
                count += 1;
            }
            stack.extend(self.nodes[n].children.iter().copied());
        }
        count
    }

    /// The node of the snapshot with this platform id.
    pub fn find(&self, snapshot_id: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.snapshot().is_some_and(|s| s.id == snapshot_id))
    }

    /// Nodes that mark where the VM is now.
    pub fn now_markers(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n.kind, NodeKind::Now { .. }))
            .map(|(i, _)| i)
    }

    /// The snapshot the VM currently sits on (the parent of the first "now" marker).
    pub fn current_snapshot(&self) -> Option<NodeId> {
        self.now_markers()
            .next()
            .and_then(|m| self.nodes[m].parent)
            .filter(|p| self.nodes[*p].snapshot().is_some())
    }

    /// Ancestors of a node, nearest first.
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut cur = self.nodes.get(id).and_then(|n| n.parent);
        while let Some(p) = cur {
            if out.len() > self.nodes.len() {
                break; // only reachable if someone mutated the tree by hand
            }
            out.push(p);
            cur = self.nodes[p].parent;
        }
        out
    }
}

/// Where a claimed parent points.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Parent {
    Top,
    Node(usize),
}

#[derive(Default)]
struct Builder {
    index: HashMap<String, usize>,
    snaps: Vec<Snapshot>,
    problems: Vec<String>,
}

impl Builder {
    fn intern(&mut self, id: &str, origin: &str) -> usize {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        self.problems.push(format!(
            "snapshot \"{id}\" appears in the {origin} but not in the snapshot list"
        ));
        self.snaps.push(Snapshot::named(id));
        self.index.insert(id.to_string(), self.snaps.len() - 1);
        self.snaps.len() - 1
    }

    fn parent_ref(&mut self, id: &Option<String>, origin: &str) -> Parent {
        match id {
            None => Parent::Top,
            Some(p) => Parent::Node(self.intern(p, origin)),
        }
    }

    fn run(mut self, input: TreeInput) -> SnapshotTree {
        for s in input.snapshots {
            if self.index.contains_key(&s.id) {
                self.problems.push(format!(
                    "snapshot \"{}\" is listed twice; showing it once",
                    s.id
                ));
                continue;
            }
            self.index.insert(s.id.clone(), self.snaps.len());
            self.snaps.push(s);
        }

        // Every claim, keyed by child.
        let mut from_parents: HashMap<usize, Parent> = HashMap::new();
        for (child, parent) in &input.parent_of {
            let c = self.intern(child, "parent map");
            let p = self.parent_ref(parent, "parent map");
            from_parents.entry(c).or_insert(p);
        }
        let mut from_children: HashMap<usize, Vec<Parent>> = HashMap::new();
        // Sibling order as the children map gives it, used when the list has no opinion.
        let mut child_rank: HashMap<usize, usize> = HashMap::new();
        for (parent, kids) in &input.children_of {
            let p = self.parent_ref(parent, "children map");
            for (rank, kid) in kids.iter().enumerate() {
                let c = self.intern(kid, "children map");
                let claims = from_children.entry(c).or_default();
                if !claims.contains(&p) {
                    claims.push(p);
                }
                child_rank.entry(c).or_insert(rank);
            }
        }

        let n = self.snaps.len();
        let mut parent: Vec<Parent> = vec![Parent::Top; n];
        for (c, slot) in parent.iter_mut().enumerate() {
            let by_parent = from_parents.get(&c).copied();
            let by_children = from_children.get(&c).map(Vec::as_slice).unwrap_or(&[]);
            let name = &self.snaps[c].id;
            if by_children.len() > 1 {
                self.problems.push(format!(
                    "snapshot \"{name}\" is listed under {} parents",
                    by_children.len()
                ));
            }
            *slot = match (by_parent, by_children.first()) {
                (Some(p), None) => p,
                (Some(p), Some(_)) if by_children.contains(&p) => p,
                (Some(p), Some(_)) => {
                    self.problems.push(format!(
                        "the parent and children maps disagree about \"{name}\"; following the parent map"
                    ));
                    p
                }
                (None, Some(p)) => *p,
                (None, None) => {
                    if !input.parent_of.is_empty() || !input.children_of.is_empty() {
                        self.problems.push(format!(
                            "snapshot \"{name}\" is not in the tree; shown at the top level"
                        ));
                    }
                    Parent::Top
                }
            };
            if *slot == Parent::Node(c) {
                self.problems
                    .push(format!("snapshot \"{name}\" is its own parent"));
                *slot = Parent::Top;
            }
        }

        self.break_cycles(&mut parent);

        let mut tree = SnapshotTree {
            nodes: Vec::with_capacity(n + 1),
            roots: Vec::new(),
            problems: Vec::new(),
        };
        let order = |i: usize| (child_rank.get(&i).copied().unwrap_or(usize::MAX), i);
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut tops = Vec::new();
        for (c, p) in parent.iter().enumerate() {
            match p {
                Parent::Top => tops.push(c),
                Parent::Node(p) => kids[*p].push(c),
            }
        }
        // Siblings keep the list's order (creation order), then the children map's.
        tops.sort_by_key(|&i| (self.untimed(i), self.time(i), order(i)));
        for k in &mut kids {
            k.sort_by_key(|&i| (self.untimed(i), self.time(i), order(i)));
        }

        let snaps = std::mem::take(&mut self.snaps);
        tree.nodes = snaps
            .into_iter()
            .enumerate()
            .map(|(i, s)| SnapshotNode {
                kind: NodeKind::Snapshot(s),
                parent: match parent[i] {
                    Parent::Top => None,
                    Parent::Node(p) => Some(p),
                },
                children: std::mem::take(&mut kids[i]),
                depth: 0,
            })
            .collect();
        tree.roots = tops;

        if let Some(at) = input.now {
            {
                let label = if input.now_label.is_empty() {
                    "now".to_string()
                } else {
                    input.now_label
                };
                let under = at.and_then(|id| {
                    let found = self.index.get(&id).copied();
                    if found.is_none() {
                        self.problems.push(format!(
                            "the VM is said to be on snapshot \"{id}\", which does not exist; marker shown at the top level"
                        ));
                    }
                    found
                });
                let marker = tree.nodes.len();
                tree.nodes.push(SnapshotNode {
                    kind: NodeKind::Now { label },
                    parent: under,
                    children: Vec::new(),
                    depth: 0,
                });
                match under {
                    Some(p) => tree.nodes[p].children.push(marker),
                    None => tree.roots.push(marker),
                }
            }
        }

        // Depths, iteratively (trees can be thousands deep).
        let mut stack: Vec<(usize, usize)> = tree.roots.iter().map(|r| (*r, 0)).collect();
        while let Some((node, depth)) = stack.pop() {
            tree.nodes[node].depth = depth;
            stack.extend(tree.nodes[node].children.iter().map(|c| (*c, depth + 1)));
        }

        tree.problems = self.problems;
        tree
    }

    fn untimed(&self, i: usize) -> bool {
        // Snapshots without a time sort after timed ones.
        self.snaps[i].created.is_none()
    }

    fn time(&self, i: usize) -> Option<jiff::Timestamp> {
        self.snaps[i].created
    }

    /// Cuts one edge in every cycle, moving that node to the top level.
    fn break_cycles(&mut self, parent: &mut [Parent]) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let mut mark = vec![Mark::New; parent.len()];
        for start in 0..parent.len() {
            let mut path = Vec::new();
            let mut cur = start;
            loop {
                match mark[cur] {
                    Mark::Done => break,
                    Mark::OnPath => {
                        // `cur` closes a cycle: detach it.
                        let name = &self.snaps[cur].id;
                        self.problems.push(format!(
                            "snapshot \"{name}\" is in a parent cycle; shown at the top level"
                        ));
                        parent[cur] = Parent::Top;
                        break;
                    }
                    Mark::New => {
                        mark[cur] = Mark::OnPath;
                        path.push(cur);
                        match parent[cur] {
                            Parent::Top => break,
                            Parent::Node(p) => cur = p,
                        }
                    }
                }
            }
            for p in path {
                mark[p] = Mark::Done;
            }
        }
    }
}

#[cfg(test)]
mod tests;
