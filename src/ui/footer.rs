//! Bottom line: the keys of the focused pane (or of the open dialog), as bound.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::dialog::Dialog;
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
            ("type the name".into(), "then Enter to run"),
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
    // A read the dialog needed failed: say how to make it again.
    let failed = match &app.dialog {
        Some(Dialog::Form(fd)) => fd.form.fields.iter().any(|f| f.problem.is_some()),
        Some(Dialog::Remote(rd)) => rd.error.is_some(),
        Some(Dialog::Plans(pd)) => pd.error.is_some(),
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
    for (k, h) in hints {
        spans.push(Span::styled(format!(" {k}"), theme.key));
        spans.push(Span::styled(format!(" {h} "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
