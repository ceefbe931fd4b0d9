//! The Tasks pane: every operation started here, with progress and outcome; ended ones stay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph};

use super::columns::Col;
use super::widgets::{
    gauge, pane_block, placeholder, spinner, title_style, truncate, truncate_name_within,
    windowed_table,
};
use crate::app::{App, Pane};
use crate::model::{TaskOrigin, TaskState, format_elapsed};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = super::focused(app, Pane::Tasks);
    let pane = &app.tasks;
    let running = pane.running();
    let mut title = vec![Span::styled("Tasks", title_style(focused, theme))];
    if !pane.list.items.is_empty() {
        let others = pane
            .list
            .items
            .iter()
            .filter(|t| t.origin == TaskOrigin::Others)
            .count();
        // A bulk's group row is its members, counted one by one.
        let groups = pane.list.items.iter().filter(|t| t.fold.is_some()).count();
        let ours = pane.list.items.len() - others - groups;
        let summary = if others > 0 {
            format!(" · {running} running · {ours} ours · {others} on the platform")
        } else {
            format!(" · {running} running · {ours} total")
        };
        title.push(Span::styled(summary, theme.muted));
        // What the platform said last time is still listed; say it may be out of date.
        if others > 0 && app.platform_tasks_error.is_some() {
            title.push(Span::styled(" (stale)", theme.warn));
        }
    }
    let view = pane.list.describe();
    if !view.is_empty() {
        title.push(Span::styled(format!(" · {view}"), theme.warn));
    }
    let block = pane_block(title, area.width, focused, theme);
    let failure = app.platform_tasks_error.as_ref().map(|e| {
        Line::styled(
            format!("✗ cannot read the platform's tasks: {e}"),
            theme.error,
        )
    });
    if pane.list.items.is_empty() {
        let mut lines: Vec<Line> = failure.into_iter().collect();
        lines.push(Line::styled(
            "Operations you start appear here and stay after they end.",
            theme.muted,
        ));
        return placeholder(frame, area, block, lines);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let notes_h = u16::from(failure.is_some()).min(inner.height / 2);
    let parts = Layout::vertical([Constraint::Length(notes_h), Constraint::Min(0)]).split(inner);
    if let Some(line) = failure.filter(|_| notes_h > 0) {
        frame.render_widget(Paragraph::new(line), parts[0]);
    }
    let cols = [
        Col::new("", 1, 1, 0),
        // Titles are kept to 16 columns (`Operation::title`).
        Col::new("TASK", 10, 16, 0),
        Col::new("TARGET", 10, 30, 1).grow(),
        Col::new("ELAPSED", 5, 7, 1),
        Col::new("PROGRESS", 9, 16, 2),
        Col::new("OUTCOME", 12, 30, 0).grow(),
    ];
    windowed_table(
        frame,
        parts[1],
        Block::default(),
        &cols,
        pane.list.rows(),
        &pane.list.cursor,
        focused,
        theme,
        |i, w| {
            let Some(t) = pane.list.row(i) else {
                return vec![];
            };
            let elapsed = t.elapsed(app.now);
            let (mark, mark_style) = match &t.state {
                TaskState::Queued => ("·", theme.muted),
                TaskState::Running { .. } => (spinner(elapsed), theme.warn),
                TaskState::Paused { .. } => ("‖", theme.warn),
                TaskState::Succeeded => ("✓", theme.ok),
                TaskState::Failed { .. } => ("✗", theme.error),
                TaskState::Canceled => ("⊘", theme.muted),
                TaskState::Unknown { .. } => ("?", theme.warn),
            };
            let bar = (w[4] as usize).saturating_sub(5).clamp(1, 10);
            let progress = match &t.state {
                TaskState::Running { progress: Some(p) } => {
                    Span::styled(gauge(*p, bar), theme.gauge)
                }
                TaskState::Running { progress: None } => {
                    Span::styled(format!("{} working", spinner(elapsed)), theme.muted)
                }
                TaskState::Paused { progress: Some(p) } => {
                    Span::styled(gauge(*p, bar), theme.muted)
                }
                TaskState::Succeeded => Span::styled(gauge(1.0, bar), theme.ok),
                TaskState::Queued => Span::styled("queued", theme.muted),
                _ => Span::raw(""),
            };
            let out_w = w[5] as usize;
            let outcome = match &t.state {
                _ if t.fold.is_some() => {
                    let style = match &t.state {
                        TaskState::Succeeded => theme.ok,
                        TaskState::Failed { .. } => theme.error,
                        _ => theme.muted,
                    };
                    Span::styled(truncate(&pane.group_summary(&t.key), out_w), style)
                }
                TaskState::Succeeded => Span::styled("succeeded", theme.ok),
                TaskState::Paused { .. } => Span::styled("paused", theme.warn),
                TaskState::Canceled => Span::styled("canceled", theme.muted),
                TaskState::Failed { message } => {
                    Span::styled(truncate(message, out_w), theme.error)
                }
                TaskState::Unknown { reason } => Span::styled(truncate(reason, out_w), theme.warn),
                _ => Span::raw(""),
            };
            // Work others started reads as theirs: "by alice" after the target.
            let width = w[2] as usize;
            // Members of a bulk hang below its row, indented.
            let indent = if t.parent.is_some() { "  " } else { "" };
            let target = match (&t.origin, &t.user, &t.op) {
                (TaskOrigin::Others, Some(u), _) => {
                    truncate(&format!("{} · by {u}", t.target), width)
                }
                (TaskOrigin::Others, None, _) => {
                    truncate(&format!("{} · by others", t.target), width)
                }
                // A bulk's row says whether it is open.
                _ if t.fold == Some(true) => truncate(&format!("▸ {}", t.target), width),
                _ if t.fold == Some(false) => truncate(&format!("▾ {}", t.target), width),
                // Ours: the name gives way, what was done to it and the site stay.
                (_, _, Some(op)) => {
                    let parts = op.target_parts();
                    let site = t
                        .site
                        .as_ref()
                        .map(|s| format!(" @ {s}"))
                        .unwrap_or_default();
                    truncate_name_within(
                        &format!("{indent}{}", parts.head),
                        &parts.name,
                        &format!("{}{site}", parts.tail),
                        width,
                    )
                }
                _ => truncate(&format!("{indent}{}", t.target), width),
            };
            vec![
                Cell::from(Span::styled(mark, mark_style)),
                Cell::from(truncate(&t.title, w[1] as usize)),
                Cell::from(target),
                Cell::from(format_elapsed(elapsed)),
                Cell::from(progress),
                Cell::from(outcome),
            ]
        },
    );
}
