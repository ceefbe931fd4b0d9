//! A plain message box (refusals with their reason, errors).

use ratatui::Frame;
use ratatui::text::Line;
use unicode_width::UnicodeWidthStr;

use super::widgets::{centered, dialog_frame};
use crate::app::dialog::Message;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, m: &Message, theme: &Theme) {
    // Tall enough for every line as wrapped at the dialog's inner width, plus the hint.
    let inner_w = usize::from(70u16.min(frame.area().width).saturating_sub(2)).max(1);
    let rows: usize = m
        .lines
        .iter()
        // Wrapping breaks at words, so a wrapped line may need one row more than its width.
        .map(|l| {
            let rows = l.width().div_ceil(inner_w).max(1);
            if rows > 1 { rows + 1 } else { rows }
        })
        .sum();
    let h = u16::try_from(rows + 4).unwrap_or(u16::MAX);
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
    frame.render_widget(super::wrap::paragraph(lines, inner.width), inner);
}
