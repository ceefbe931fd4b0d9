//! Top line: who and where we are, and the latest message.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::app::{App, Connection, Level};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let s = &app.session;
    let sep = || Span::styled(" │ ", theme.border);
    let dot = || Span::styled(" · ", theme.muted);
    let mut spans = vec![
        Span::styled(" vmdeck", theme.accent),
        sep(),
        Span::styled(s.profile.clone(), theme.title_focused),
        dot(),
        Span::styled(s.platform.to_string(), theme.title),
        dot(),
        Span::styled(s.endpoint.clone(), theme.muted),
        dot(),
        Span::styled(s.user.clone(), theme.title),
    ];
    if s.read_only {
        spans.push(sep());
        spans.push(Span::styled("READ-ONLY", theme.warn));
    }
    spans.push(sep());
    spans.push(match &app.connection {
        Connection::Connecting => Span::styled("◌ connecting", theme.muted),
        Connection::Connected => Span::styled("● connected", theme.ok),
        Connection::Unreachable(_) => Span::styled("✗ unreachable", theme.error),
    });
    let (up, sites) = app.sites.up();
    if sites > 1 {
        spans.push(dot());
        spans.push(Span::styled(
            format!("{up}/{sites} sites up"),
            if up == sites { theme.ok } else { theme.warn },
        ));
    }
    // The VM list's last complete moment where there is one: with incremental refresh the
    // rows are kept whole by changes, and this says since when they are known whole.
    if let Some(t) = app.vms.complete_at.as_ref().or(app.last_refresh.as_ref()) {
        let local = t.to_zoned(app.tz.clone()).strftime("%H:%M:%S").to_string();
        spans.push(sep());
        spans.push(Span::styled(format!("refreshed {local}"), theme.muted));
    }
    if let Some(every) = s.refresh_every {
        spans.push(Span::styled(
            format!(" ↻ {}", crate::model::format_elapsed(every)),
            theme.muted,
        ));
    }
    let left = Line::from(spans);
    let Some(m) = app.status.as_ref() else {
        frame.render_widget(Paragraph::new(left), area);
        return;
    };
    // The message is what just happened (often an error), so it gets room first, up to
    // two thirds of the line; who-and-where yields and is cut, never the other way round.
    // (`want` counts the " │ " before it and the space after.)
    let style = match m.level {
        Level::Info => theme.ok,
        Level::Warn => theme.warn,
        Level::Error => theme.error,
    };
    let width = area.width as usize;
    let left_w = left.width().min(width);
    let want = m.text.width() + 4;
    let room = want.min(width * 2 / 3).max(width.saturating_sub(left_w));
    let text = super::widgets::truncate(&m.text, room.saturating_sub(4));
    let cols = Layout::horizontal([
        Constraint::Length(width.saturating_sub(room) as u16),
        Constraint::Length(room as u16),
    ])
    .split(area);
    let left = Line::from(super::widgets::fit_spans(
        left.spans,
        usize::from(cols[0].width),
    ));
    frame.render_widget(Paragraph::new(left), cols[0]);
    let right = Line::from(vec![sep(), Span::styled(format!("{text} "), style)]).right_aligned();
    frame.render_widget(Paragraph::new(right), cols[1]);
}
