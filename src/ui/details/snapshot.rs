//! A snapshot (or the "now" marker, or a volume heading), and repairs made to the tree.

use ratatui::text::Line;

use super::{extra, id, kv, time};
use crate::app::App;
use crate::model::*;
use crate::theme::Theme;
use crate::ui::widgets::truncate_middle;
use unicode_width::UnicodeWidthStr;

pub fn content(app: &App, theme: &Theme, width: u16) -> (String, Vec<Line<'static>>) {
    let pane = &app.snapshots;
    let Some(tree) = &pane.tree else {
        return ("Snapshot".into(), vec![]);
    };
    let mut lines = Vec::new();
    if let Some(node) = pane.selected_node().and_then(|n| tree.node(n)) {
        match &node.kind {
            NodeKind::Snapshot(s) => {
                lines.push(kv("Name", s.name.clone(), theme));
                if s.id != s.name {
                    lines.extend(id("Id", &s.id, width, theme));
                }
                lines.push(kv("Created", time(app, &s.created), theme));
                lines.push(kv("Description", s.description.clone(), theme));
                if let Some(m) = s.memory {
                    lines.push(kv("Memory", if m { "yes" } else { "no" }, theme));
                }
                if let Some(sz) = s.size {
                    lines.push(kv("Size", human_bytes(sz), theme));
                }
                let parent = node
                    .parent
                    .and_then(|p| tree.node(p))
                    .map(|p| match &p.kind {
                        NodeKind::Snapshot(ps) => ps.name.clone(),
                        NodeKind::Group { label } => label.clone(),
                        NodeKind::Now { label } => label.clone(),
                    })
                    .unwrap_or_else(|| "(top level)".into());
                lines.push(kv("Parent", parent, theme));
                if let Some(id) = pane.selected_node() {
                    lines.push(kv(
                        "Children",
                        tree.snapshot_children(id).to_string(),
                        theme,
                    ));
                    let here = node.children.iter().any(|c| {
                        tree.node(*c)
                            .is_some_and(|n| matches!(n.kind, NodeKind::Now { .. }))
                    });
                    if here || tree.current_snapshot() == Some(id) {
                        let text = match &s.volume {
                            Some(v) => {
                                format!("Volume {} currently sits on this snapshot.", v.name)
                            }
                            None => "The VM currently sits on this snapshot.".to_string(),
                        };
                        lines.push(Line::styled(text, theme.now_marker));
                    }
                }
                if !s.disks.is_empty() {
                    lines.push(Line::styled("Disks", theme.header));
                    for d in &s.disks {
                        let lead = format!("  {} → ", d.device);
                        let room = usize::from(width).saturating_sub(lead.width());
                        let sid = truncate_middle(&d.snapshot_id, room);
                        lines.push(Line::raw(format!("{lead}{sid}")));
                    }
                }
                lines.extend(extra(app, &s.details, theme));
            }
            NodeKind::Now { label } => {
                lines.push(Line::styled(
                    format!("{label}: the VM's current state"),
                    theme.now_marker,
                ));
                let why = match app.caps().snapshot_layout {
                    SnapshotLayout::Tree => {
                        "Not a snapshot. It hangs under the snapshot the VM was last created from or rolled back to."
                    }
                    SnapshotLayout::PerVolumeTrees => {
                        "Not a snapshot: where this volume is now, under the latest snapshot of its current tree."
                    }
                    SnapshotLayout::Flat => {
                        "Not a snapshot: the VM as it is now. The platform keeps snapshots as a list by time, not as a tree."
                    }
                };
                lines.push(Line::styled(why, theme.muted));
            }
            NodeKind::Group { label } => lines.push(kv("Group", label.clone(), theme)),
        }
    }
    if !tree.problems.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Repairs to the platform's tree", theme.warn));
        for p in &tree.problems {
            lines.push(Line::raw(format!("• {p}")));
        }
    }
    ("Snapshot".into(), lines)
}
