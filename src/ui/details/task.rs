//! A task: its outcome and history; for work others started, what the platform says.

use ratatui::text::Line;

use super::kv;
use crate::app::App;
use crate::model::*;
use crate::theme::Theme;

pub fn content(app: &App, theme: &Theme, width: u16) -> (String, Vec<Line<'static>>) {
    let Some(t) = app.tasks.selected() else {
        return ("Task".into(), vec![]);
    };
    let mut lines = vec![
        kv("Task", t.title.clone(), theme),
        kv("Target", t.target.clone(), theme),
        kv("State", t.state.label(), theme),
        kv("Elapsed", format_elapsed(t.elapsed(app.now)), theme),
    ];
    if t.origin == TaskOrigin::Others {
        lines.insert(
            0,
            Line::styled(
                "Started outside vmdeck (read from the platform)",
                theme.muted,
            ),
        );
        if let Some(u) = &t.user {
            lines.push(kv("By", u.clone(), theme));
        }
    }
    if let Some(id) = &t.platform_id {
        lines.extend(super::id("Platform id", id, width, theme));
    }
    lines.extend(super::extra(app, &t.details, theme));
    match &t.state {
        TaskState::Failed { message } => lines.push(Line::styled(message.clone(), theme.error)),
        TaskState::Unknown { reason } => lines.push(Line::styled(reason.clone(), theme.warn)),
        _ => {}
    }
    lines.push(Line::styled("History", theme.header));
    for (at, what) in &t.history {
        let secs = at.saturating_duration_since(t.started);
        lines.push(Line::raw(format!("  +{} {what}", format_elapsed(secs))));
    }
    ("Task".into(), lines)
}
