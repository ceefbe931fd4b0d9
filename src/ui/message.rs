//! A plain message box (refusals with their reason, errors).

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::widgets::{centered, dialog_frame};
use crate::app::dialog::Message;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, m: &Message, theme: &Theme) {
    let h = m.lines.len() as u16 * 2 + 4;
    let area = centered(frame.area(), 70, h);
    let style = if m.error { theme.error } else { theme.accent };
    let inner = dialog_frame(frame, area, &m.title, style, theme);
    let mut lines: Vec<Line> = m.lines.iter().map(|l| Line::raw(l.clone())).collect();
    lines.push(Line::raw(""));
    match &m.offer {
        Some(o) => lines.push(Line::styled(
            format!("{}: {} · Enter/Esc: close", o.key, o.label),
            theme.muted,
        )),
        None => lines.push(Line::styled("Enter/Esc: close", theme.muted)),
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
