//! `:journal`: every change vmdeck sent, newest first; `Enter` shows an entry's calls.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph};

use super::columns::Col;
use super::widgets::{dialog_frame, truncate, windowed_table};
use super::wrap;
use crate::app::App;
use crate::app::journal::JournalView;
use crate::backend::journal::{Outcome, Record};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, j: &JournalView, app: &App, theme: &Theme) {
    let screen = frame.area();
    // The whole screen between the status bar and the footer, where `/` and `:` are typed.
    let area = Rect::new(
        screen.x,
        screen.y + 1,
        screen.width,
        screen.height.saturating_sub(2),
    );
    let shown = j.list.rows();
    let total = j.list.items.len();
    let mut title = if shown < total {
        format!("Journal · {shown} of {total}")
    } else {
        format!("Journal · {total}")
    };
    let view = j.list.describe();
    if !view.is_empty() {
        title.push_str(&format!(" · {view}"));
    }
    let inner = dialog_frame(frame, area, &title, theme.accent, theme);
    let detail_h = if j.open { inner.height / 2 } else { 0 };
    let parts = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(2),
        Constraint::Length(detail_h),
    ])
    .split(inner);
    let head = match (&j.path, j.loading) {
        (_, true) => "reading…".to_string(),
        (Some(p), false) => p.display().to_string(),
        (None, false) => String::new(),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            truncate(&head, inner.width as usize),
            theme.muted,
        )),
        parts[0],
    );
    if let Some(e) = &j.error {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("✗ {e}"), theme.error)),
            parts[1],
        );
    } else if shown == 0 && !j.loading {
        let msg = if total == 0 {
            "Nothing journaled yet: every change vmdeck sends is written here first."
        } else {
            "No entry matches / (Esc in / clears it)."
        };
        frame.render_widget(Paragraph::new(Line::styled(msg, theme.muted)), parts[1]);
    } else {
        windowed_table(
            frame,
            parts[1],
            Block::default(),
            &[
                // Below 110 columns the date loses its year and the seconds go.
                Col::new("TIME", 11, if inner.width >= 110 { 19 } else { 11 }, 0),
                Col::new("SITE", 6, 12, 2),
                Col::new("USER", 5, 10, 3),
                Col::new("OPERATION", 10, 18, 1),
                Col::new("TARGET", 12, 30, 0).grow(),
                Col::new("OUTCOME", 12, 30, 0).grow(),
            ],
            shown,
            &j.list.cursor,
            true,
            theme,
            |i, w| {
                let Some(r) = j.list.row(i) else {
                    return vec![];
                };
                let e = &r.entry;
                let time = e
                    .time
                    .parse::<jiff::Timestamp>()
                    .map(|t| {
                        let fmt = if w[0] >= 19 {
                            "%Y-%m-%d %H:%M:%S"
                        } else {
                            "%m-%d %H:%M"
                        };
                        t.to_zoned(app.tz.clone()).strftime(fmt).to_string()
                    })
                    .unwrap_or_else(|_| e.time.clone());
                let style = match &r.outcome {
                    Some(
                        Outcome::Succeeded
                        | Outcome::Verified {
                            succeeded: true, ..
                        },
                    ) => theme.ok,
                    Some(Outcome::Failed { .. } | Outcome::Verified { .. }) => theme.error,
                    Some(Outcome::Unknown { .. }) | None => theme.warn,
                    Some(Outcome::Accepted { .. }) => theme.muted,
                };
                vec![
                    Cell::from(truncate(&time, w[0] as usize)),
                    Cell::from(truncate(&e.site, w[1] as usize)),
                    Cell::from(truncate(&e.user, w[2] as usize)),
                    Cell::from(truncate(&e.operation.title, w[3] as usize)),
                    Cell::from(truncate(&e.target, w[4] as usize)),
                    Cell::from(Span::styled(
                        truncate(&r.outcome_label(), w[5] as usize),
                        style,
                    )),
                ]
            },
        );
    }
    if detail_h > 0
        && let Some(r) = j.list.selected()
    {
        frame.render_widget(
            wrap::paragraph(detail_lines(r, theme), parts[2].width),
            parts[2],
        );
    }
}

/// The selected entry whole: its outcome, its bulk, and each call as planned (secrets
/// were removed before it was written).
fn detail_lines(r: &Record, theme: &Theme) -> Vec<Line<'static>> {
    let e = &r.entry;
    let mut lines = vec![Line::from(vec![
        Span::styled("Outcome: ", theme.muted),
        Span::raw(r.outcome_label()),
    ])];
    if let Some(ended) = &r.ended {
        lines.push(Line::from(vec![
            Span::styled("Ended:   ", theme.muted),
            Span::raw(ended.clone()),
        ]));
    }
    if let Some(g) = &e.group {
        lines.push(Line::from(vec![
            Span::styled("Bulk:    ", theme.muted),
            Span::raw(g.clone()),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled("Where:   ", theme.muted),
        Span::raw(format!("{} ({}) as {}", e.site, e.platform, e.user)),
    ]));
    for c in &e.calls {
        lines.push(Line::styled(format!("{} {}", c.method, c.path), theme.key));
        if let Some(body) = &c.body {
            lines.push(Line::raw(body.to_string()));
        }
    }
    lines
}
