//! A VM's snapshots as ZStack keeps them: per volume, one or more trees (ENDPOINTS §7).
//!
//! Each volume gets a heading (root volume first, then data volumes by device id) with
//! all its trees under it. The volume sits on the `latest` snapshot of its `current`
//! tree: the "now" marker goes there, and the next snapshot of the volume becomes its
//! child. VM-level snapshot groups (3.6+) follow under a heading of their own.
//!
//! Parenthood comes from the flat snapshot list (`parentUuid`), which is as deep as a
//! chain needs without nesting JSON; the tree records say which tree is current, and when
//! a server sends the nested `tree` anyway its children are taken as claims too.

use super::convert::{self, Ctx};
use super::wire::{SnapshotGroup, SnapshotLeaf, SnapshotTree as WireTree, Volume, VolumeSnapshot};
use vmdeck_model::{Named, SnapshotTree, TreeInput};

pub const NOW_LABEL: &str = "now";
pub const GROUPS_HEADING: &str = "VM snapshot groups";

/// One volume's part of the view.
pub fn volume_tree(
    volume: &Volume,
    trees: &[&WireTree],
    snapshots: &[&VolumeSnapshot],
    ctx: &Ctx,
) -> SnapshotTree {
    let named = Named::new(
        volume.uuid.as_str(),
        volume.name.non_empty().unwrap_or(&volume.uuid),
    );
    let mut list: Vec<&VolumeSnapshot> = snapshots.to_vec();
    list.sort_by_key(|s| ctx.time(&s.create_date));
    let mut input = TreeInput {
        snapshots: list
            .iter()
            .map(|s| convert::snapshot(s, Some(named.clone()), ctx))
            .collect(),
        parent_of: list
            .iter()
            .map(|s| {
                (
                    s.uuid.0.clone(),
                    s.parent_uuid.non_empty().map(str::to_string),
                )
            })
            .collect(),
        children_of: Vec::new(),
        now: None,
        now_label: NOW_LABEL.into(),
    };
    for t in trees {
        if let Some(leaf) = t.tree.as_ref() {
            leaf_claims(leaf, &mut input.children_of);
        }
    }
    let mut problems = Vec::new();
    input.now = if list.is_empty() {
        // No snapshots: the volume is simply "now".
        Some(None)
    } else {
        match now_of(trees, &list) {
            Ok(at) => Some(at),
            Err(why) => {
                problems.push(why);
                None
            }
        }
    };
    let mut tree = SnapshotTree::build(input);
    tree.problems.extend(problems);
    tree
}

/// Where the volume is now: the `latest` snapshot of its `current` tree. When no tree is
/// current (after a revert from a backup the disk is new) the volume is on none of its
/// snapshots: `None`, the top level. Without tree records, the newest `latest` snapshot.
fn now_of(trees: &[&WireTree], list: &[&VolumeSnapshot]) -> Result<Option<String>, String> {
    let current: Vec<&str> = trees
        .iter()
        .filter(|t| t.current.is_true())
        .filter_map(|t| t.uuid.non_empty())
        .collect();
    if !trees.is_empty() && current.is_empty() {
        return Ok(None);
    }
    let candidates: Vec<&VolumeSnapshot> = list
        .iter()
        .filter(|s| s.latest.is_true())
        .filter(|s| current.is_empty() || current.contains(&s.tree_uuid.as_str()))
        .copied()
        .collect();
    // The newest of them when several are marked (any fixed zone orders them).
    match candidates
        .iter()
        .max_by_key(|s| s.create_date.in_zone(&jiff::tz::TimeZone::UTC))
    {
        Some(s) => Ok(Some(s.uuid.0.clone())),
        None if current.len() > 1 => Err(format!(
            "{} trees are marked current and none has a latest snapshot; where the volume is now is unknown",
            current.len()
        )),
        None => Err(
            "no snapshot of the current tree is marked latest; where the volume is now is unknown"
                .into(),
        ),
    }
}

/// The nested `tree` as "parent's children are" claims, walked without recursion.
fn leaf_claims(root: &SnapshotLeaf, out: &mut Vec<(Option<String>, Vec<String>)>) {
    let mut stack: Vec<&SnapshotLeaf> = vec![root];
    let mut seen = 0usize;
    while let Some(leaf) = stack.pop() {
        seen += 1;
        if seen > 1_000_000 {
            break;
        }
        let Some(me) = leaf.inventory.as_ref().and_then(|i| i.uuid.non_empty()) else {
            continue;
        };
        let kids: Vec<String> = leaf
            .children
            .iter()
            .filter_map(|c| c.inventory.as_ref().and_then(|i| i.uuid.non_empty()))
            .map(str::to_string)
            .collect();
        if !kids.is_empty() {
            out.push((Some(me.to_string()), kids));
        }
        stack.extend(leaf.children.iter());
    }
}

/// Snapshot groups, oldest first, as one flat list.
pub fn groups_tree(groups: &[SnapshotGroup], ctx: &Ctx) -> SnapshotTree {
    let mut list: Vec<&SnapshotGroup> = groups.iter().collect();
    list.sort_by_key(|g| ctx.time(&g.create_date));
    SnapshotTree::flat(
        list.iter()
            .map(|g| convert::group_snapshot(g, ctx))
            .collect(),
        None,
    )
}

/// The whole view: one heading per volume, then the groups (when the server has them).
pub fn vm_view(
    volumes: &[Volume],
    trees: &[WireTree],
    snapshots: &[VolumeSnapshot],
    groups: Option<&[SnapshotGroup]>,
    ctx: &Ctx,
) -> SnapshotTree {
    let mut vols: Vec<&Volume> = volumes.iter().collect();
    vols.sort_by_key(|v| convert::volume_order(v));
    let mut parts = Vec::new();
    for v in vols {
        ctx.known.learn(&v.uuid, &v.name);
        let t: Vec<&WireTree> = trees.iter().filter(|t| t.volume_uuid == v.uuid).collect();
        let s: Vec<&VolumeSnapshot> = snapshots
            .iter()
            .filter(|s| s.volume_uuid == v.uuid)
            .collect();
        parts.push((convert::volume_label(v), volume_tree(v, &t, &s, ctx)));
    }
    if let Some(groups) = groups.filter(|g| !g.is_empty()) {
        parts.push((GROUPS_HEADING.to_string(), groups_tree(groups, ctx)));
    }
    SnapshotTree::grouped(parts)
}
