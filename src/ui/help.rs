//! The help overlay: every key in force, by pane.

use ratatui::Frame;
use ratatui::text::{Line, Span};

use super::widgets::{centered, dialog_frame};
use crate::app::keymap::Scope;
use crate::app::{App, Pane};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, scroll: u16, theme: &Theme) {
    let area = centered(frame.area(), 78, frame.area().height.saturating_sub(2));
    let inner = dialog_frame(frame, area, "Help — keys", theme.accent, theme);
    let mut lines: Vec<Line> = Vec::new();
    let section = |title: &str, scope: Scope, lines: &mut Vec<Line>| {
        let entries = app.keymap.listing_for(scope, Some(app.caps()));
        if entries.is_empty() {
            return;
        }
        lines.push(Line::styled(title.to_string(), theme.header));
        for (keys, help) in entries {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<22}"), theme.key),
                Span::raw(help),
            ]));
        }
        lines.push(Line::raw(""));
    };
    section("Everywhere", Scope::Global, &mut lines);
    for pane in Pane::ORDER {
        section(pane.title(), Scope::Pane(pane), &mut lines);
    }
    lines.push(Line::styled("Commands (:)", theme.header));
    for (names, help) in crate::app::prompt::COMMANDS {
        let shown = names.join(", ");
        lines.push(Line::from(vec![
            Span::styled(format!("  :{shown:<21}"), theme.key),
            Span::raw(*help),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Snapshot tree", theme.header));
    lines.push(Line::raw(
        "  A column is a chain: each snapshot's parent is the one above it.",
    ));
    lines.push(Line::raw(
        "  Indentation starts a branch. ◆ marks where the VM is now.",
    ));
    lines.push(Line::raw(""));
    lines.push(Line::styled("Safety", theme.header));
    lines.push(Line::raw(
        "  Every change shows a preview with the exact HTTP call first.",
    ));
    lines.push(Line::raw(
        "  Rollbacks and deletes ask for the target's name to be typed.",
    ));
    lines.push(Line::raw(
        "  Nothing is retried automatically; a lost answer shows as unknown.",
    ));
    let p = super::wrap::paragraph(lines, inner.width).scroll((scroll, 0));
    frame.render_widget(p, inner);
}
