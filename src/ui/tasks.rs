//! The Tasks pane: every operation started here, with progress and outcome; ended ones stay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::widgets::{
    gauge, pane_block, placeholder, spinner, title_style, truncate, windowed_table,
};
use crate::app::{App, Pane};
use crate::model::{TaskState, format_elapsed};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = super::focused(app, Pane::Tasks);
    let pane = &app.tasks;
    let running = pane.running();
    let mut title = vec![Span::styled("Tasks", title_style(focused, theme))];
    if !pane.items.is_empty() {
        title.push(Span::styled(
            format!(" · {running} running · {} total", pane.items.len()),
            theme.muted,
        ));
    }
    let block = pane_block(title, focused, theme);
    if pane.items.is_empty() {
        return placeholder(
            frame,
            area,
            block,
            vec![Line::styled(
                "Operations you start appear here and stay after they end.",
                theme.muted,
            )],
        );
    }
    let width = block.inner(area).width as usize;
    let outcome_w = width.saturating_sub(20 + 28 + 8 + 18 + 6).max(10);
    windowed_table(
        frame,
        area,
        block,
        Row::new(vec!["", "TASK", "TARGET", "ELAPSED", "PROGRESS", "OUTCOME"]),
        &[
            Constraint::Length(1),
            Constraint::Length(18),
            Constraint::Fill(2),
            Constraint::Length(7),
            Constraint::Length(16),
            Constraint::Fill(3),
        ],
        pane.items.len(),
        &pane.cursor,
        focused,
        theme,
        |i| {
            let t = &pane.items[i];
            let elapsed = t.elapsed(app.now);
            let (mark, mark_style) = match &t.state {
                TaskState::Queued => ("·", theme.muted),
                TaskState::Running { .. } => (spinner(elapsed), theme.warn),
                TaskState::Succeeded => ("✓", theme.ok),
                TaskState::Failed { .. } => ("✗", theme.error),
                TaskState::Unknown { .. } => ("?", theme.warn),
            };
            let progress = match &t.state {
                TaskState::Running { progress: Some(p) } => {
                    Span::styled(gauge(*p, 10), theme.gauge)
                }
                TaskState::Running { progress: None } => {
                    Span::styled(format!("{} working", spinner(elapsed)), theme.muted)
                }
                TaskState::Succeeded => Span::styled(gauge(1.0, 10), theme.ok),
                TaskState::Queued => Span::styled("queued", theme.muted),
                _ => Span::raw(""),
            };
            let outcome = match &t.state {
                TaskState::Succeeded => Span::styled("succeeded", theme.ok),
                TaskState::Failed { message } => {
                    Span::styled(truncate(message, outcome_w), theme.error)
                }
                TaskState::Unknown { reason } => {
                    Span::styled(truncate(reason, outcome_w), theme.warn)
                }
                _ => Span::raw(""),
            };
            Row::new(vec![
                Cell::from(Span::styled(mark, mark_style)),
                Cell::from(t.title.clone()),
                Cell::from(t.target.clone()),
                Cell::from(format_elapsed(elapsed)),
                Cell::from(progress),
                Cell::from(outcome),
            ])
        },
    );
}
