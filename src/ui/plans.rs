//! A cluster's backup plans: state, last run, next run; Enter lists what a plan made.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph};

use super::columns::Col;
use super::widgets::{centered, dialog_frame, truncate, windowed_table};
use crate::app::App;
use crate::app::dialog::PlansDialog;
use crate::model::{Timestamp, human_bytes};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, pd: &PlansDialog, app: &App, theme: &Theme) {
    let area = centered(frame.area(), 120, frame.area().height.saturating_sub(6));
    let title = if pd.cluster.id.is_empty() {
        "Backup plans".to_string()
    } else {
        format!("Backup plans · {}", pd.cluster.name)
    };
    let inner = dialog_frame(frame, area, &title, theme.accent, theme);
    let parts = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .split(inner);
    let head = if pd.loading {
        "loading…".to_string()
    } else if pd.error.is_some() && pd.plans.is_empty() {
        "nothing read".to_string()
    } else {
        format!("{} plan(s)", pd.plans.len())
    };
    frame.render_widget(Paragraph::new(Line::styled(head, theme.muted)), parts[0]);
    let when = |t: &Option<Timestamp>| {
        t.map(|t| {
            t.to_zoned(app.tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
    };
    if pd.plans.is_empty() {
        if !pd.loading && pd.error.is_none() {
            frame.render_widget(
                Paragraph::new(Line::styled("No backup plans here.", theme.muted)),
                parts[1],
            );
        }
    } else {
        windowed_table(
            frame,
            parts[1],
            Block::default(),
            &[
                Col::new("PLAN", 12, 32, 0).grow(),
                Col::new("STATE", 7, 10, 1),
                Col::new("LAST RUN", 16, 16, 1),
                Col::new("RESULT", 7, 15, 2),
                Col::new("NEXT RUN", 16, 16, 2),
                Col::new("VMS", 3, 4, 3),
                Col::new("BACKUPS", 7, 7, 3),
                Col::new("SIZE", 8, 10, 4),
            ],
            pd.plans.len(),
            &pd.cursor,
            true,
            theme,
            |i, w| {
                let p = &pd.plans[i];
                vec![
                    Cell::from(truncate(&p.name, w[0] as usize)),
                    Cell::from(truncate(&p.status, w[1] as usize)),
                    Cell::from(when(&p.last_run)),
                    Cell::from(truncate(&p.last_result, w[3] as usize)),
                    Cell::from(when(&p.next_run)),
                    Cell::from(p.vms.len().to_string()),
                    Cell::from(p.backup_count.map(|n| n.to_string()).unwrap_or_default()),
                    Cell::from(p.size.map(human_bytes).unwrap_or_default()),
                ]
            },
        );
    }
    let foot = match &pd.error {
        Some(e) => Line::styled(format!("✗ {e} — r reads it again"), theme.error),
        None => Line::styled(
            "Enter list its backups · x run now · Esc close",
            theme.muted,
        ),
    };
    frame.render_widget(Paragraph::new(foot), parts[2]);
}
