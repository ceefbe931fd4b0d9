//! Backups found on a backup point (including other clusters'), to mark and import.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph};

use super::columns::Col;
use super::widgets::{centered, dialog_frame, truncate, windowed_table};
use crate::app::App;
use crate::app::dialog::RemoteDialog;
use crate::model::human_bytes;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, rd: &RemoteDialog, app: &App, theme: &Theme) {
    let area = centered(frame.area(), 110, frame.area().height.saturating_sub(4));
    let title = format!("Backups on {}", rd.point.name);
    let inner = dialog_frame(frame, area, &title, theme.accent, theme);
    let parts = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .split(inner);
    let pos = match &rd.page {
        Some(p) => format!(
            "page {}/{} · {} backups · {} marked{}",
            p.request.index + 1,
            p.page_count(),
            p.total,
            rd.chosen.len(),
            if rd.loading { " · loading…" } else { "" }
        ),
        None if rd.loading => "loading…".into(),
        None => "nothing read".into(),
    };
    frame.render_widget(Paragraph::new(Line::styled(pos, theme.muted)), parts[0]);
    match &rd.page {
        Some(page) if !page.items.is_empty() => windowed_table(
            frame,
            parts[1],
            Block::default(),
            &[
                Col::new("", 3, 3, 0),
                Col::new("NAME", 12, 36, 0).grow(),
                Col::new("VM", 8, 20, 1),
                Col::new("FROM CLUSTER", 8, 20, 1),
                Col::new("CREATED", 10, 16, 2),
                Col::new("STATUS", 6, 11, 2),
                Col::new("SIZE", 8, 10, 3),
            ],
            page.items.len(),
            &rd.cursor,
            true,
            theme,
            |i, w| {
                let b = &page.items[i];
                let mark = if rd.marked.contains(&b.id) {
                    "[x]"
                } else {
                    "[ ]"
                };
                vec![
                    Cell::from(Span::styled(mark, theme.accent)),
                    Cell::from(truncate(&b.name, w[1] as usize)),
                    Cell::from(truncate(&b.vm_name, w[2] as usize)),
                    Cell::from(truncate(&b.cluster_name, w[3] as usize)),
                    Cell::from(
                        b.created
                            .map(|t| {
                                t.to_zoned(app.tz.clone())
                                    .strftime("%Y-%m-%d %H:%M")
                                    .to_string()
                            })
                            .unwrap_or_default(),
                    ),
                    Cell::from(b.status.label().to_string()),
                    Cell::from(b.size.map(human_bytes).unwrap_or_default()),
                ]
            },
        ),
        Some(_) => frame.render_widget(
            Paragraph::new(Line::styled(
                "No backups on this backup point.",
                theme.muted,
            )),
            parts[1],
        ),
        None => {}
    }
    let foot = match &rd.error {
        Some(e) => Line::styled(format!("✗ {e} — r reads it again"), theme.error),
        None => Line::styled(
            "Space mark · [ ] page · Enter import marked · Esc close",
            theme.muted,
        ),
    };
    frame.render_widget(Paragraph::new(foot), parts[2]);
}
