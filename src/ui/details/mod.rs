//! The Details pane: everything known about what is selected in the focused pane. One
//! file per kind of thing shown.

mod backup;
mod cluster;
mod snapshot;
mod task;
mod vm;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::widgets::{pane_block, truncate_middle};
use crate::app::{App, Pane};
use crate::model::Detail;
use crate::theme::Theme;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    // The border does not depend on the title: the room inside is known before the content.
    let width = pane_block(vec![], area.width, false, theme)
        .inner(area)
        .width;
    let (title, lines) = match app.focus {
        Pane::Clusters => cluster::content(app, theme, width),
        Pane::Vms => vm::content(app, theme, width),
        Pane::Snapshots => snapshot::content(app, theme, width),
        Pane::Backups => backup::content(app, theme, width),
        Pane::Tasks => task::content(app, theme, width),
    };
    let block = pane_block(
        vec![Span::styled(title, theme.title)],
        area.width,
        false,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(super::wrap::paragraph(lines, inner.width), inner);
}

fn kv(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label}: "), theme.muted),
        Span::raw(value.into()),
    ])
}

/// An id, never split over two lines (a half id reads as a whole one): beside its label
/// where it fits, else whole on a line of its own, else cut in the middle beside its label
/// (`y` copies it whole).
fn id(label: &str, id: &str, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let lead = label.width() + 2;
    if lead + id.width() > width && id.width() <= width {
        return vec![
            Line::styled(format!("{label}:"), theme.muted),
            Line::raw(id.to_string()),
        ];
    }
    vec![kv(
        label,
        truncate_middle(id, width.saturating_sub(lead)),
        theme,
    )]
}

fn extra(app: &App, details: &[Detail], theme: &Theme) -> Vec<Line<'static>> {
    details
        .iter()
        .map(|d| kv(&d.label, detail_value(app, d), theme))
        .collect()
}

/// A detail's value; a time in the same zone and format as every other time shown.
fn detail_value(app: &App, d: &Detail) -> String {
    match d.at {
        Some(t) => time(app, &Some(t)),
        None => d.value.clone(),
    }
}

fn time(app: &App, t: &Option<jiff::Timestamp>) -> String {
    t.map(|t| {
        t.to_zoned(app.tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
    .unwrap_or_else(|| "-".into())
}
