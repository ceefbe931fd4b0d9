//! The site picker (every site with its connection state; the first row opens the
//! all-sites view) and the masked password input for a site that needs one.

use ratatui::Frame;
use ratatui::layout::Position;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::sites::state_mark;
use super::widgets::pad;
use super::widgets::{centered, dialog_frame, truncate};
use crate::app::App;
use crate::app::cursor::Cursor;
use crate::app::sites::PasswordEntry;
use crate::sites::SiteState;
use crate::theme::Theme;

pub fn draw_picker(frame: &mut Frame, app: &App, cursor: &Cursor, theme: &Theme) {
    let sites = &app.sites;
    let h = (sites.list.len() as u16 + 5).min(frame.area().height.saturating_sub(2));
    let area = centered(frame.area(), 96, h);
    let inner = dialog_frame(frame, area, "Sites", theme.accent, theme);
    let width = inner.width as usize;
    let name_w = sites
        .list
        .iter()
        .map(|s| s.name.width())
        .max()
        .unwrap_or(0)
        .clamp(8, 24);
    let mut items = vec![ListItem::new(Line::from(vec![
        Span::raw("  "),
        Span::styled("All sites", theme.title_focused),
        Span::styled(" — every site's clusters at once", theme.muted),
    ]))];
    for (id, s) in sites.list.iter().enumerate() {
        let (mark, style) = state_mark(s, theme);
        let mut spans = vec![
            Span::styled(if id == sites.active { "▸ " } else { "  " }, theme.accent),
            Span::styled(pad(&s.name, name_w), theme.title_focused),
            Span::raw("  "),
            Span::styled(pad(s.platform.id(), 10), theme.title),
            Span::raw("  "),
            Span::styled(pad(&mark, 18), style),
        ];
        let used = 2 + name_w + 2 + 10 + 2 + 18;
        let room = width.saturating_sub(used + 2);
        let why = match &s.state {
            SiteState::Unreachable(why) => Some(why.clone()),
            SiteState::NeedsPassword { error: Some(e) } => Some(e.clone()),
            SiteState::Connected => s.error.clone().or_else(|| {
                s.read.then(|| {
                    let n = s.clusters.len();
                    let failing = s.clusters.iter().filter(|c| s.cluster_failed(c)).count();
                    let mut text = format!("{n} cluster{}", if n == 1 { "" } else { "s" });
                    if failing > 0 {
                        text.push_str(&format!(" · {failing} failing"));
                    }
                    text
                })
            }),
            _ => None,
        };
        if let Some(why) = why {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(truncate(&why, room), theme.muted));
        }
        items.push(ListItem::new(Line::from(spans)));
    }
    let list_h = inner.height.saturating_sub(2);
    let list_area = ratatui::layout::Rect {
        height: list_h,
        ..inner
    };
    let mut state = ListState::default().with_selected(Some(cursor.selected()));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected),
        list_area,
        &mut state,
    );
    let help = ratatui::layout::Rect {
        y: inner.y + list_h + 1,
        height: 1,
        ..inner
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            "Enter: switch (or log in) · Esc: close",
            theme.muted,
        )),
        help,
    );
}

/// The password is never drawn: one dot per character typed, and only that.
pub fn draw_password(frame: &mut Frame, app: &App, p: &PasswordEntry, theme: &Theme) {
    let Some(site) = app.sites.list.get(p.site) else {
        return;
    };
    let area = centered(frame.area(), 76, 11);
    let title = format!("Password for {}", site.name);
    let inner = dialog_frame(frame, area, &title, theme.accent, theme);
    let who = if site.user.is_empty() {
        site.url.clone()
    } else {
        format!("{} @ {}", site.user, site.url)
    };
    let mask: String = "•".repeat(p.len().min(inner.width.saturating_sub(14) as usize));
    let mut lines = vec![
        Line::from(vec![
            Span::styled(who, theme.title),
            Span::styled(format!("  ({})", site.platform), theme.muted),
        ]),
        Line::raw(""),
        Line::from(vec![
            Span::styled("Password: ", theme.header),
            Span::styled(mask.clone(), theme.input),
        ]),
        Line::raw(""),
    ];
    if p.checking {
        lines.push(Line::styled("logging in…", theme.muted));
    } else if let Some(e) = &p.error {
        lines.push(Line::styled(format!("✗ {e}"), theme.error));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Kept in memory only: never shown, logged or written to disk.",
        theme.muted,
    ));
    frame.render_widget(super::wrap::paragraph(lines, inner.width), inner);
    frame.set_cursor_position(Position::new(
        inner.x + 10 + mask.width() as u16,
        inner.y + 2,
    ));
}
