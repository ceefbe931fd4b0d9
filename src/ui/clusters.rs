//! The Clusters pane: "All clusters" plus every cluster with its health.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};

use super::widgets::{pane_block, title_style, truncate};
use crate::app::{App, Pane};
use crate::model::ClusterState;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = super::focused(app, Pane::Clusters);
    let pane = &app.clusters;
    let mut title = vec![Span::styled("Clusters", title_style(focused, theme))];
    let view = pane.list.describe();
    if !view.is_empty() {
        title.push(Span::styled(format!(" · {view}"), theme.warn));
    }
    if pane.loading {
        title.push(Span::styled(" …", theme.muted));
    }
    let block = pane_block(title, area.width, focused, theme);
    let inner_w = block.inner(area).width.saturating_sub(2) as usize;
    let shown = app.vms.cluster.as_ref().map(|c| c.id.as_str());

    let mut items: Vec<ListItem> = Vec::new();
    for row in 0..pane.list.rows() {
        let Some(c) = pane.list.row(row) else {
            continue;
        };
        let chosen = if shown == Some(c.id.as_str()) {
            "▸"
        } else {
            " "
        };
        if c.id.is_empty() {
            items.push(ListItem::new(Line::from(vec![
                Span::styled(chosen, theme.accent),
                Span::raw(" All clusters"),
            ])));
            continue;
        }
        let failed_here = pane.failures.iter().any(|f| f.cluster_id == c.id)
            || app.vms.failures.iter().any(|f| f.cluster_id == c.id);
        let (mark, style) = match &c.state {
            ClusterState::Healthy if !failed_here => ("● ", theme.ok),
            ClusterState::Degraded(_) => ("◐ ", theme.warn),
            ClusterState::Unknown if !failed_here => ("○ ", theme.muted),
            _ => ("✗ ", theme.error),
        };
        items.push(ListItem::new(Line::from(vec![
            Span::styled(chosen, theme.accent),
            Span::styled(mark, style),
            Span::raw(truncate(&c.name, inner_w.saturating_sub(3))),
        ])));
    }
    if let Some(e) = &pane.error {
        items.push(ListItem::new(Line::from(Span::styled(
            truncate(e, inner_w),
            theme.error,
        ))));
    }
    let inner_h = block.inner(area).height as usize;
    let cursor = &pane.list.cursor;
    cursor.visible_range(items.len(), inner_h);
    cursor.set_first_row_y(area.y + 1);
    let mut state = ListState::default()
        .with_selected(Some(cursor.selected()))
        .with_offset(cursor.offset());
    let list = List::new(items).block(block).highlight_style(if focused {
        theme.selected
    } else {
        theme.selected_dim
    });
    frame.render_stateful_widget(list, area, &mut state);
}
