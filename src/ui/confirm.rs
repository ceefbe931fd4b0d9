//! The preview-and-confirm dialog: what will happen, to what, the exact HTTP calls with
//! secrets removed, and for dangerous operations the target's name typed by hand.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::widgets::{centered, dialog_frame};
use crate::app::dialog::{Bulk, ConfirmDialog, PlanState};
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
    if let Some(bulk) = &cd.bulk {
        // One line for the whole bulk; each target and its calls scroll below.
        top.push(Line::from(vec![
            Span::styled(main.title().to_string(), theme.header),
            Span::raw(format!(
                "  {} marked {}, one call each",
                cd.steps.len(),
                crate::app::flows::bulk::noun(&cd.steps)
            )),
        ]));
        top.push(Line::from(vec![
            Span::raw("On a failure: "),
            if bulk.stop_at_failure {
                Span::styled("stop — the VMs not sent yet are canceled", theme.warn)
            } else {
                Span::styled("go on with the others", theme.ok)
            },
            Span::styled("  (Tab changes)", theme.muted),
        ]));
        if !bulk.skipped.is_empty() {
            top.push(Line::styled(
                format!(
                    "⚠ left out: {} of the marked {} (first below)",
                    bulk.skipped.len(),
                    crate::app::flows::bulk::noun(&cd.steps)
                ),
                theme.warn,
            ));
        }
    }
    for (n, op) in cd.steps.iter().enumerate().filter(|_| cd.bulk.is_none()) {
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

    let calls: Vec<Line> = match (&cd.plan, &cd.bulk) {
        (PlanState::Ready(_), Some(bulk)) => bulk_lines(bulk, theme),
        (PlanState::Loading, Some(bulk)) => {
            let mut v = skipped_lines(bulk, theme);
            v.extend(
                cd.steps
                    .iter()
                    .map(|op| Line::styled(format!("▸ {}  preparing…", op.target()), theme.muted)),
            );
            v
        }
        _ => plain_calls(cd, theme),
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

fn plain_calls(cd: &ConfirmDialog, theme: &Theme) -> Vec<Line<'static>> {
    match &cd.plan {
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
    }
}

/// Each target under its own heading, with its calls; then the VMs left out and why.
fn bulk_lines(bulk: &Bulk, theme: &Theme) -> Vec<Line<'static>> {
    // The VMs left out first: read before the calls of the others.
    let mut v = skipped_lines(bulk, theme);
    let mut n = 0;
    for (target, calls) in &bulk.calls {
        v.push(Line::styled(format!("▸ {target}"), theme.header));
        for c in calls {
            n += 1;
            v.push(Line::styled(format!("#{n} "), theme.muted));
            v.extend(c.to_string().lines().map(|l| Line::raw(l.to_string())));
        }
    }
    v
}

fn skipped_lines(bulk: &Bulk, theme: &Theme) -> Vec<Line<'static>> {
    bulk.skipped
        .iter()
        .map(|s| Line::styled(format!("skipped {s}"), theme.warn))
        .collect()
}
