//! Operation forms: text fields, toggles and choices, with the focused field highlighted.

use ratatui::Frame;
use ratatui::layout::Position;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::widgets::{centered, dialog_frame};
use crate::app::form::{FieldKind, Form};
use crate::theme::Theme;

/// The label column's width when every label is short: forms line up with one another.
const LABEL_W: usize = 26;
/// What a value keeps beside however long a label.
const VALUE_MIN: usize = 8;

pub fn draw(frame: &mut Frame, form: &Form, theme: &Theme) {
    let width = 84.min(frame.area().width);
    // Inside the dialog's border.
    let inner_w = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = form
        .intro
        .iter()
        .map(|l| Line::styled(l.clone(), theme.muted))
        .collect();
    if !lines.is_empty() {
        lines.push(Line::raw(""));
    }
    // (line, column) of the text cursor, placed once the dialog's size is known.
    let mut cursor: Option<(usize, usize)> = None;
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
        // A label longer than the column takes the width it needs on its line
        // (`Take a safety snapshot of the current state first` is read whole), as long as
        // its value keeps room; one column always stays free between them.
        let lw = (field.label.width() + 1)
            .min(inner_w.saturating_sub(2 + VALUE_MIN))
            .max(LABEL_W);
        let label = super::widgets::pad(&field.label, lw.saturating_sub(1)) + " ";
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
                    let x = 2 + lw + value[..value.len().min(input.cursor_byte())].width();
                    cursor = Some((lines.len(), x));
                }
            }
            FieldKind::Secret(secret) => {
                let dots = "•".repeat(secret.len());
                let style = if focused { theme.input } else { theme.base };
                spans.push(Span::styled(format!("{dots} "), style));
                if focused {
                    cursor = Some((lines.len(), 2 + lw + dots.width()));
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
                // One line per choice: a long one is cut, the count stays in view.
                let room = inner_w.saturating_sub(2 + lw + 4 + count.width());
                let text = super::widgets::truncate(&text, room);
                spans.push(Span::styled(
                    format!("◂ {text} ▸"),
                    if focused { theme.selected } else { theme.base },
                ));
                spans.push(Span::styled(count, theme.muted));
            }
            FieldKind::Section => {}
        }
        lines.push(Line::from(spans));
        if let Some(p) = &field.problem {
            lines.push(Line::styled(
                format!("{:w$}✗ {p}", "", w = LABEL_W + 2),
                theme.error,
            ));
        } else if let Err(why) = &field.enabled {
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
    } else if form.fields.iter().any(|f| f.problem.is_some()) {
        lines.push(Line::styled(
            "r (or Ctrl-R in a text field): read it again · Esc: cancel",
            theme.muted,
        ));
    } else {
        lines.push(Line::styled("Enter: preview · Esc: cancel", theme.muted));
    }
    // Sized to what the lines take once wrapped (long hints take two rows).
    let mut first_row = Vec::with_capacity(lines.len());
    let mut rows: Vec<Line> = Vec::new();
    for line in lines {
        first_row.push(rows.len());
        rows.extend(super::wrap::wrap([line], inner_w as u16));
    }
    let area = centered(frame.area(), width, rows.len() as u16 + 2);
    let inner = dialog_frame(frame, area, &form.title, theme.accent, theme);
    if let Some((line, x)) = cursor {
        let y = inner.y + first_row.get(line).copied().unwrap_or(0) as u16;
        let x = (inner.x + x as u16).min(inner.right().saturating_sub(1));
        frame.set_cursor_position(Position::new(x, y));
    }
    frame.render_widget(ratatui::widgets::Paragraph::new(rows), inner);
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

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::app::form::Field;

    #[test]
    fn long_choices_are_cut_and_long_hints_grow_the_dialog() {
        let storages: Vec<(String, String)> = (0..5)
            .map(|i| {
                (
                    format!("bs{i}"),
                    format!("imagestore-dr-{i} (ImageStoreBackupStorage, Enabled, Connected)"),
                )
            })
            .collect();
        let form = Form::new(
            "Back up api-gateway-05",
            vec![
                Field::text("name", "Name", "api-gateway-05-20261202"),
                Field::choice("storage", "Backup storage", storages, None).with_hint(
                    "the storage keeps the backup; sync copies it to the others later, from the Backups pane",
                ),
            ],
        );
        let mut t = Terminal::new(TestBackend::new(70, 20)).unwrap();
        t.draw(|f| draw(f, &form, &Theme::dark())).unwrap();
        let buf = t.backend().buffer();
        let rows: Vec<String> = (0..20)
            .map(|y| (0..70).map(|x| buf[(x, y)].symbol()).collect())
            .collect();
        let choice = rows.iter().find(|r| r.contains("◂ imagestore")).unwrap();
        assert!(choice.contains("…") && choice.contains("1/5"), "{choice}");
        // Every row inside the dialog keeps both borders, and the last one is in view.
        let top = rows.iter().position(|r| r.contains("╔")).unwrap();
        let bottom = rows.iter().position(|r| r.contains("╚")).unwrap();
        for r in &rows[top + 1..bottom] {
            assert!(r.starts_with('║') && r.trim_end().ends_with('║'), "{r}");
        }
        assert!(rows[bottom - 1].contains("Enter: preview"), "{rows:#?}");
        assert!(
            rows.iter().any(|r| r.contains("from the Backups pane")),
            "{rows:#?}"
        );
    }
}
