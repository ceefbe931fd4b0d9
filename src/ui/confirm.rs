//! The preview-and-confirm dialog: what will happen, to what, the exact HTTP calls with
//! secrets removed, and for dangerous operations the target's name typed by hand.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::widgets::{centered, dialog_frame};
use crate::app::dialog::{ConfirmDialog, PlanState};
use crate::operation::Danger;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, cd: &ConfirmDialog, theme: &Theme) {
    let Some(main) = cd.main() else {
        return;
    };
    let danger = main.danger() == Danger::Destructive;
    let style = if danger { theme.danger } else { theme.accent };
    let area = centered(
        frame.area(),
        96,
        frame.area().height.saturating_sub(2).min(34),
    );
    let title = format!("{} — confirm", main.title());
    let inner = dialog_frame(frame, area, &title, style, theme);

    let mut top: Vec<Line> = Vec::new();
    for (n, op) in cd.steps.iter().enumerate() {
        let step = if cd.steps.len() > 1 {
            format!("Step {}/{}: ", n + 1, cd.steps.len())
        } else {
            String::new()
        };
        top.push(Line::from(vec![
            Span::styled(step, theme.muted),
            Span::styled(
                op.title().to_string(),
                if op.danger() == Danger::Destructive {
                    theme.danger
                } else {
                    theme.header
                },
            ),
            Span::raw(format!("  {}", op.target())),
        ]));
        for e in op.effects() {
            top.push(Line::raw(format!("  • {e}")));
        }
    }
    for w in &cd.warnings {
        top.push(Line::styled(format!("⚠ {w}"), theme.warn));
    }
    // Wrapped before measuring, so a long warning is read to its end; the calls keep at
    // least a few rows.
    let top = super::wrap::wrap(top, inner.width);
    let bottom_h = if cd.typed.is_some() { 3 } else { 2 };
    let top_h = (top.len() as u16).min(inner.height.saturating_sub(bottom_h + 4));
    let parts = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Min(3),
        Constraint::Length(bottom_h),
    ])
    .split(inner);
    frame.render_widget(Paragraph::new(top), parts[0]);

    let calls: Vec<Line> = match &cd.plan {
        PlanState::Loading => vec![Line::styled("preparing…", theme.muted)],
        PlanState::Refused(r) => vec![Line::styled(format!("✗ refused: {r}"), theme.error)],
        PlanState::Ready(calls) => calls
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                let mut v = vec![Line::styled(format!("#{} ", i + 1), theme.muted)];
                v.extend(c.to_string().lines().map(|l| Line::raw(l.to_string())));
                v
            })
            .collect(),
    };
    let calls_block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(" HTTP calls (secrets removed) ", theme.muted));
    // A call's URL can be wider than the dialog: wrapped, it is all there to read.
    frame.render_widget(
        Paragraph::new(super::wrap::wrap(calls, parts[1].width))
            .block(calls_block)
            .scroll((cd.scroll, 0)),
        parts[1],
    );

    let mut bottom: Vec<Line> = Vec::new();
    let mut cursor = None;
    if let Some((expected, input)) = &cd.typed {
        let ok = input.value() == expected;
        let prompt = format!("Type {expected} to confirm: ");
        cursor = Some(Position::new(
            parts[2].x + prompt.width() as u16 + input.value().width() as u16,
            parts[2].y,
        ));
        bottom.push(Line::from(vec![
            Span::styled(prompt, theme.warn),
            Span::styled(
                input.value().to_string(),
                if ok { theme.ok } else { theme.input },
            ),
        ]));
    }
    bottom.push(match cd.blocked_reason() {
        Some(r) => Line::styled(format!("{r} · Esc cancel"), theme.muted),
        None => Line::styled(
            format!("Enter runs {} · Esc cancels", main.title().to_lowercase()),
            style,
        ),
    });
    frame.render_widget(Paragraph::new(bottom), parts[2]);
    if let Some(p) = cursor {
        frame.set_cursor_position(p);
    }
}
