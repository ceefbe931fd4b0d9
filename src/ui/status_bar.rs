//! Top line: who and where we are, and the latest message.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

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
    if let Some(t) = &app.last_refresh {
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
    let right = app.status.as_ref().map(|m| {
        let style = match m.level {
            Level::Info => theme.ok,
            Level::Warn => theme.warn,
            Level::Error => theme.error,
        };
        Line::from(Span::styled(format!("{} ", m.text), style)).right_aligned()
    });
    let left_w = left.width() as u16;
    let cols = Layout::horizontal([
        Constraint::Length(left_w.min(area.width)),
        Constraint::Min(0),
    ])
    .split(area);
    frame.render_widget(Paragraph::new(left), cols[0]);
    if let Some(r) = right {
        frame.render_widget(Paragraph::new(r), cols[1]);
    }
}
