//! The `:` command line and the `/` filter line, drawn over the footer, with completions
//! just above it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use crate::app::prompt::{COMMANDS, Prompt, PromptKind};
use crate::app::{App, Pane};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, footer: Rect, app: &App, p: &Prompt, theme: &Theme) {
    let (lead, what) = match p.kind {
        PromptKind::Command => (":", String::new()),
        PromptKind::Filter(Pane::Snapshots) => (
            "/",
            format!(
                "  {} match(es) · n/N next/previous",
                app.snapshots.hits.len()
            ),
        ),
        PromptKind::Filter(pane) => (
            "/",
            format!("  {} shown · ! inverts · Esc clears", rows(app, pane)),
        ),
        PromptKind::JournalFilter => (
            "/",
            format!(
                "  {} shown · ! inverts · Esc clears",
                app.journal_view().map_or(0, |j| j.list.rows())
            ),
        ),
    };
    let value = p.input.value();
    let mut spans = vec![
        Span::styled(lead, theme.key),
        Span::styled(value.to_string(), theme.input),
        Span::styled(what, theme.muted),
    ];
    if let Some(e) = &p.error {
        spans.push(Span::styled(format!("  ✗ {e}"), theme.error));
    }
    frame.render_widget(Clear, footer);
    frame.render_widget(Paragraph::new(Line::from(spans)), footer);
    let cursor_x = footer.x + 1 + value[..byte_of(value, p.input.cursor())].width() as u16;
    frame.set_cursor_position(Position::new(
        cursor_x.min(footer.right().saturating_sub(1)),
        footer.y,
    ));

    if p.kind == PromptKind::Command && !p.candidates.is_empty() && footer.y > 0 {
        let area = Rect {
            y: footer.y - 1,
            height: 1,
            ..footer
        };
        let mut spans = vec![Span::styled(" ", theme.muted)];
        for (i, c) in p.candidates.iter().enumerate() {
            let style = if p.chosen == Some(i) {
                theme.selected
            } else {
                theme.key
            };
            spans.push(Span::styled(c.clone(), style));
            if let Some((_, help)) = COMMANDS.iter().find(|(names, _)| names[0] == c) {
                spans.push(Span::styled(format!(" {help}"), theme.muted));
            }
            spans.push(Span::raw("   "));
        }
        frame.render_widget(Clear, area);
        frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.base), area);
    }
}

fn rows(app: &App, pane: Pane) -> usize {
    match pane {
        Pane::Clusters => app.clusters.list.rows().saturating_sub(1),
        Pane::Vms => app.vms.list.rows(),
        Pane::Backups => app.backups.list.rows(),
        Pane::Tasks => app.tasks.list.rows(),
        Pane::Snapshots => app.snapshots.hits.len(),
    }
}

fn byte_of(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(b, _)| b)
}
