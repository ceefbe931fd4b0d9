//! The Snapshots pane: the VM's snapshot tree, with a marker where the VM is now.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_tree_widget::{Tree, TreeItem};

use super::widgets::{pane_block, placeholder, title_style};
use crate::app::snapshots::DisplayItem;
use crate::app::{App, Pane};
use crate::model::{NodeId, NodeKind, SnapshotTree};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = super::focused(app, Pane::Snapshots);
    let pane = &app.snapshots;
    let mut title = vec![Span::styled("Snapshots", title_style(focused, theme))];
    if let Some(vm) = &pane.vm {
        title.push(Span::styled(format!(" · {}", vm.name), theme.title));
    }
    if let Some(t) = &pane.tree {
        title.push(Span::styled(
            format!(" · {}", t.snapshot_count()),
            theme.muted,
        ));
    }
    if !pane.marks.is_empty() {
        title.push(Span::styled(
            format!(" · {} marked", pane.marks.len()),
            theme.accent,
        ));
    }
    if pane.loading {
        title.push(Span::styled(" loading…", theme.muted));
    }
    let tree_width = pane_block(vec![], area.width, focused, theme)
        .inner(area)
        .width;
    let shift = lane_shift(pane.state.borrow().selected().len(), tree_width);
    let levels = shift / 2;
    if levels > 0 {
        title.push(Span::styled(format!(" · ⇠ {levels} levels"), theme.muted));
    }
    let block = pane_block(title, area.width, focused, theme);

    let Some(tree) = &pane.tree else {
        let line = match (&pane.vm, &pane.error) {
            (_, Some(e)) => Line::styled(format!("✗ {e}"), theme.error),
            (None, _) => Line::styled("Choose a VM (Enter in VMs).", theme.muted),
            (Some(_), None) => Line::styled("Loading snapshots…", theme.muted),
        };
        return placeholder(frame, area, block, vec![line]);
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut notes: Vec<Line> = Vec::new();
    if let Some(e) = &pane.error {
        notes.push(Line::styled(format!("✗ {e}"), theme.error));
    }
    if !tree.problems.is_empty() {
        notes.push(Line::styled(
            format!(
                "⚠ the platform's tree needed {} repair(s); see details",
                tree.problems.len()
            ),
            theme.warn,
        ));
    }
    if tree.snapshot_count() == 0 {
        notes.push(Line::styled(
            "No snapshots yet. Press c to take one.",
            theme.muted,
        ));
    }
    let parts =
        Layout::vertical([Constraint::Length(notes.len() as u16), Constraint::Min(0)]).split(inner);
    if !notes.is_empty() {
        frame.render_widget(Paragraph::new(notes), parts[0]);
    }

    let mut cache = pane.rows.borrow_mut();
    if cache.as_ref().is_none_or(|(rev, _)| *rev != pane.revision) {
        let rows = build_rows(tree, &pane.layout.items, app, theme);
        *cache = Some((pane.revision, rows));
    }
    let Some((_, rows)) = cache.as_ref() else {
        return;
    };
    let Ok(widget) = Tree::new(rows) else {
        // Identifiers are node indexes, unique by construction; nothing sensible to draw otherwise.
        return;
    };
    let widget = widget
        .highlight_style(if focused {
            theme.selected
        } else {
            theme.selected_dim
        })
        .highlight_symbol("")
        .node_closed_symbol("▸ ")
        .node_open_symbol("▾ ")
        .node_no_children_symbol("  ");
    let mut state = pane.state.borrow_mut();
    pane.shift.set(shift);
    draw_shifted(frame, parts[1], shift, widget, &mut state);
}

/// How far the tree is moved left so the selected row stays readable however deep it is
/// (the widget indents two columns per level): its text starts no further right than a
/// third of the pane, as lanes follow the cursor in tig. Every level of a 1,000-snapshot tree
/// that branches at each step stays reachable, and a chain still reads as one column.
pub fn lane_shift(selected_path_len: usize, width: u16) -> u16 {
    let indent = 2 * selected_path_len.saturating_sub(1);
    let indent = u16::try_from(indent).unwrap_or(u16::MAX / 2);
    indent.saturating_sub(width / 3)
}

/// Renders the tree `shift` columns wider than `area` and shows the right part of it. A wide
/// character in the last column becomes a space, so nothing spills onto the border.
fn draw_shifted(
    frame: &mut Frame,
    area: Rect,
    shift: u16,
    widget: Tree<'_, NodeId>,
    state: &mut tui_tree_widget::TreeState<NodeId>,
) {
    use ratatui::buffer::Buffer;
    use ratatui::widgets::StatefulWidget;
    use unicode_width::UnicodeWidthStr;

    let wide = Rect::new(
        area.x,
        area.y,
        area.width.saturating_add(shift),
        area.height,
    );
    if area.height > 3 {
        // One row less first, so the widget scrolls the selection above the last row and
        // the row under it (often `◆ now`, the VM's place) stays on screen.
        let probe = Rect {
            height: area.height - 1,
            ..wide
        };
        StatefulWidget::render(widget.clone(), probe, &mut Buffer::empty(probe), state);
    }
    let mut off = Buffer::empty(wide);
    StatefulWidget::render(widget, wide, &mut off, state);
    let out = frame.buffer_mut();
    for y in area.top()..area.bottom() {
        for x in 0..area.width {
            let mut cell = off[(area.x + shift + x, y)].clone();
            let w = cell.symbol().width();
            if w > 1 && x + 1 == area.width {
                cell.set_symbol(" ");
            }
            out[(area.x + x, y)] = cell;
        }
    }
}

/// Builds the widget's rows once per tree (not per frame). Iterative over the display
/// structure's depth, which is the number of branch points, not the chain length.
pub fn build_rows(
    tree: &SnapshotTree,
    items: &[DisplayItem],
    app: &App,
    theme: &Theme,
) -> Vec<TreeItem<'static, NodeId>> {
    let pane = &app.snapshots;
    let marks = Marks {
        current: tree.current_snapshot(),
        hits: pane.hits.iter().copied().collect(),
        marked: pane.marked().into_iter().collect(),
        marking: !pane.marks.is_empty(),
    };
    items
        .iter()
        .map(|item| build_item(tree, item, &marks, app, theme))
        .collect()
}

/// What a row needs to know to highlight itself.
struct Marks {
    current: Option<NodeId>,
    hits: std::collections::HashSet<NodeId>,
    /// Marked for a bulk delete; while any are, every snapshot row starts with a mark column.
    marked: std::collections::HashSet<NodeId>,
    marking: bool,
}

fn build_item(
    tree: &SnapshotTree,
    item: &DisplayItem,
    marks: &Marks,
    app: &App,
    theme: &Theme,
) -> TreeItem<'static, NodeId> {
    let text = row_text(tree, item.node, marks, app, theme);
    if item.children.is_empty() {
        return TreeItem::new_leaf(item.node, text);
    }
    let children: Vec<_> = item
        .children
        .iter()
        .map(|c| build_item(tree, c, marks, app, theme))
        .collect();
    TreeItem::new(item.node, text.clone(), children)
        .unwrap_or_else(|_| TreeItem::new_leaf(item.node, text))
}

fn row_text(
    tree: &SnapshotTree,
    node: NodeId,
    marks: &Marks,
    app: &App,
    theme: &Theme,
) -> Line<'static> {
    match &tree.nodes[node].kind {
        NodeKind::Snapshot(s) => {
            let style = if marks.hits.contains(&node) {
                theme
                    .warn
                    .add_modifier(ratatui::style::Modifier::UNDERLINED)
            } else if marks.current == Some(node) {
                theme.accent
            } else {
                theme.base
            };
            let mut spans = Vec::new();
            if marks.marking {
                spans.push(if marks.marked.contains(&node) {
                    Span::styled("✓ ", theme.accent)
                } else {
                    Span::raw("  ")
                });
            }
            spans.push(Span::styled(s.name.clone(), style));
            if let Some(t) = &s.created {
                spans.push(Span::styled(
                    format!(
                        "  {}",
                        t.to_zoned(app.tz.clone()).strftime("%Y-%m-%d %H:%M")
                    ),
                    theme.muted,
                ));
            }
            if s.memory == Some(true) {
                spans.push(Span::styled("  +mem", theme.warn));
            }
            if !s.description.is_empty() {
                spans.push(Span::styled(format!("  {}", s.description), theme.muted));
            }
            Line::from(spans)
        }
        NodeKind::Now { label } => {
            let what = match app.caps().snapshot_layout {
                crate::model::SnapshotLayout::PerVolumeTrees => "the volume",
                _ => "the VM",
            };
            Line::from(vec![
                Span::styled("◆ ", theme.now_marker),
                Span::styled(format!("{label} — {what} is here"), theme.now_marker),
            ])
        }
        NodeKind::Group { label } => Line::styled(format!("▣ {label}"), theme.header),
    }
}
