//! Bottom line: the keys of the focused pane (or of the open dialog), as bound.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::app::dialog::Dialog;
use crate::app::{Action, App};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut hints: Vec<(String, &str)> = match &app.dialog {
        Some(Dialog::Form(_)) => vec![
            ("Tab/↑↓".into(), "field"),
            ("←→/Space".into(), "change"),
            ("Enter".into(), "preview"),
            ("Esc".into(), "cancel"),
        ],
        Some(Dialog::Confirm(c)) if c.typed.is_some() => vec![
            (
                if c.bulk.is_some() {
                    "type the count"
                } else {
                    "type the name"
                }
                .into(),
                "then Enter to run",
            ),
            ("PgUp/PgDn".into(), "scroll"),
            ("Esc".into(), "cancel"),
        ],
        Some(Dialog::Confirm(_)) => vec![
            ("Enter/y".into(), "run"),
            ("PgUp/PgDn".into(), "scroll"),
            ("Esc".into(), "cancel"),
        ],
        Some(Dialog::Remote(_)) => vec![
            ("Space".into(), "mark"),
            ("[ ]".into(), "page"),
            ("Enter".into(), "import marked"),
            ("Esc".into(), "close"),
        ],
        Some(Dialog::Plans(_)) => vec![
            ("↑↓".into(), "move"),
            ("Enter".into(), "its backups"),
            ("x".into(), "run now"),
            ("Esc".into(), "close"),
        ],
        Some(Dialog::Console(cd)) => {
            let mut keys = vec![("y".into(), "copy URL again")];
            if cd.has_token() {
                keys.push((
                    "s".into(),
                    if cd.reveal {
                        "hide token"
                    } else {
                        "show token"
                    },
                ));
            }
            keys.push(("Esc".into(), "close"));
            keys
        }
        Some(Dialog::Journal(j)) => vec![
            ("↑↓".into(), "move"),
            ("Enter".into(), if j.open { "hide calls" } else { "calls" }),
            ("/".into(), "filter"),
            ("ctrl-s".into(), "CSV"),
            (":export json".into(), "JSON"),
            ("r".into(), "read again"),
            ("Esc".into(), "close"),
        ],
        Some(Dialog::Help { .. }) => vec![("↑↓".into(), "scroll"), ("any key".into(), "close")],
        Some(Dialog::Message(m)) => match &m.offer {
            Some(o) => vec![(o.key.to_string(), "do it"), ("Enter/Esc".into(), "close")],
            None => vec![("Enter/Esc".into(), "close")],
        },
        None => super::sites::footer_hints(app).unwrap_or_else(|| {
            app.keymap
                .footer_for(app.focus, Some(app.caps()))
                .into_iter()
                .filter(|(_, help)| super::sites::hint_shown(app, help))
                .collect()
        }),
    };
    // Zoomed, the way back comes first: the footer is all that hints at the hidden panes.
    if app.zoomed && app.dialog.is_none() {
        hints.retain(|(_, h)| *h != "zoom");
        let back = match app.keymap.key_for(app.focus, Action::Zoom) {
            Some(k) => format!("{k}/Esc"),
            None => "Esc".into(),
        };
        hints.insert(0, (back, "unzoom"));
    }
    // A read the dialog needed failed: say how to make it again.
    let failed = match &app.dialog {
        Some(Dialog::Form(fd)) => fd.form.fields.iter().any(|f| f.problem.is_some()),
        Some(Dialog::Remote(rd)) => rd.error.is_some(),
        Some(Dialog::Plans(pd)) => pd.error.is_some(),
        Some(Dialog::Console(cd)) => cd.error.is_some(),
        _ => false,
    };
    if failed {
        let again = if matches!(app.dialog, Some(Dialog::Form(_))) {
            "r/^R"
        } else {
            "r"
        };
        hints.insert(0, (again.into(), "read again"));
    }
    let mut spans = Vec::new();
    for (k, h) in fit(hints, area.width as usize) {
        spans.push(Span::styled(format!(" {k}"), theme.key));
        spans.push(Span::styled(format!(" {h} "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints that fit in `width`, in order. When some must go, the last ones go first,
/// but never help and quit: they are what gets a newcomer unstuck.
fn fit(hints: Vec<(String, &str)>, width: usize) -> Vec<(String, &str)> {
    let w = |(k, h): &(String, &str)| k.width() + h.width() + 3;
    if hints.iter().map(w).sum::<usize>() <= width {
        return hints;
    }
    let essential = |(_, h): &(String, &str)| *h == "help" || *h == "quit";
    let mut room = width.saturating_sub(hints.iter().filter(|x| essential(x)).map(w).sum());
    let mut kept = Vec::new();
    let mut full = false;
    for hint in hints {
        if essential(&hint) {
            kept.push(hint);
        } else if !full && w(&hint) <= room {
            room -= w(&hint);
            kept.push(hint);
        } else {
            full = true;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn help_and_quit_stay_however_narrow() {
        let hints = vec![
            ("c".to_string(), "create"),
            ("R".to_string(), "roll back"),
            ("?".to_string(), "help"),
            ("q/^c".to_string(), "quit"),
        ];
        let labels = |w| {
            fit(hints.clone(), w)
                .iter()
                .map(|(_, h)| *h)
                .collect::<Vec<_>>()
        };
        assert_eq!(labels(200), ["create", "roll back", "help", "quit"]);
        assert_eq!(labels(30), ["create", "help", "quit"]);
        assert_eq!(labels(10), ["help", "quit"]);
    }
}
