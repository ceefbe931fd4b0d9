//! Operation forms: text fields, toggles and choices, with the focused field highlighted.

use ratatui::Frame;
use ratatui::layout::Position;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::widgets::{centered, dialog_frame};
use crate::app::form::{FieldKind, Form};
use crate::theme::Theme;

const LABEL_W: usize = 26;

pub fn draw(frame: &mut Frame, form: &Form, theme: &Theme) {
    let rows = form.intro.len()
        + form.fields.len()
        + form
            .fields
            .iter()
            .filter(|f| f.hint.is_some() || f.enabled.is_err())
            .count()
        + 4;
    let area = centered(frame.area(), 84, rows as u16 + 2);
    let inner = dialog_frame(frame, area, &form.title, theme.accent, theme);
    let mut lines: Vec<Line> = form
        .intro
        .iter()
        .map(|l| Line::styled(l.clone(), theme.muted))
        .collect();
    if !lines.is_empty() {
        lines.push(Line::raw(""));
    }
    let mut cursor: Option<Position> = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if field.enabled.is_err() {
            theme.muted
        } else if focused {
            theme.title_focused
        } else {
            theme.base
        };
        if matches!(field.kind, FieldKind::Section) {
            lines.push(Line::styled(field.label.clone(), theme.header));
            continue;
        }
        // One column always stays free between a long label and its value.
        let label = super::widgets::pad(&field.label, LABEL_W - 1) + " ";
        let mut spans = vec![
            Span::styled(if focused { "▶ " } else { "  " }, theme.accent),
            Span::styled(label, label_style),
        ];
        match &field.kind {
            FieldKind::Text(input) => {
                let value = input.value();
                let style = if focused { theme.input } else { theme.base };
                spans.push(Span::styled(format!("{value} "), style));
                if focused {
                    let x = inner.x
                        + 2
                        + LABEL_W as u16
                        + value[..value.len().min(input.cursor_byte())].width() as u16;
                    let y = inner.y + lines.len() as u16;
                    cursor = Some(Position::new(x.min(inner.right().saturating_sub(1)), y));
                }
            }
            FieldKind::Secret(secret) => {
                let dots = "•".repeat(secret.len());
                let style = if focused { theme.input } else { theme.base };
                spans.push(Span::styled(format!("{dots} "), style));
                if focused {
                    let x = inner.x + 2 + LABEL_W as u16 + dots.width() as u16;
                    let y = inner.y + lines.len() as u16;
                    cursor = Some(Position::new(x.min(inner.right().saturating_sub(1)), y));
                }
            }
            FieldKind::Toggle(on) => {
                let on = *on && field.enabled.is_ok();
                spans.push(Span::styled(
                    if on { "[x] yes" } else { "[ ] no" },
                    if focused { theme.selected } else { theme.base },
                ));
            }
            FieldKind::Choice { options, selected } => {
                let text = options
                    .get(*selected)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_else(|| "(none)".into());
                let count = if options.len() > 1 {
                    format!("  {}/{}", selected + 1, options.len())
                } else {
                    String::new()
                };
                spans.push(Span::styled(
                    format!("◂ {text} ▸"),
                    if focused { theme.selected } else { theme.base },
                ));
                spans.push(Span::styled(count, theme.muted));
            }
            FieldKind::Section => {}
        }
        lines.push(Line::from(spans));
        if let Err(why) = &field.enabled {
            lines.push(Line::styled(
                format!("{:w$}unavailable: {why}", "", w = LABEL_W + 2),
                theme.muted,
            ));
        } else if let Some(h) = &field.hint {
            lines.push(Line::styled(
                format!("{:w$}{h}", "", w = LABEL_W + 2),
                theme.muted,
            ));
        }
    }
    lines.push(Line::raw(""));
    if let Some(e) = &form.error {
        lines.push(Line::styled(format!("✗ {e}"), theme.error));
    } else {
        lines.push(Line::styled("Enter: preview · Esc: cancel", theme.muted));
    }
    frame.render_widget(super::wrap::paragraph(lines, inner.width), inner);
    if let Some(pos) = cursor {
        frame.set_cursor_position(pos);
    }
}

trait CursorByte {
    fn cursor_byte(&self) -> usize;
}

impl CursorByte for tui_input::Input {
    /// The input's cursor is counted in chars; slicing needs bytes.
    fn cursor_byte(&self) -> usize {
        self.value()
            .char_indices()
            .nth(self.cursor())
            .map_or(self.value().len(), |(b, _)| b)
    }
}
