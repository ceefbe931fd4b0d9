//! The all-sites view: every configured site with its connection state and its clusters,
//! grouped by site, health marked as in the Clusters pane. Only visible rows are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};
use unicode_width::UnicodeWidthStr;

use super::widgets::{pad, pane_block, truncate};
use crate::app::App;
use crate::app::action::Action;
use crate::app::keymap::{Scope, keys_label};
use crate::app::sites::{SiteRow, SiteSummary};
use crate::model::{Cluster, ClusterState};
use crate::sites::SiteState;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(cursor) = &app.sites.all_sites else {
        return;
    };
    let sites = &app.sites;
    let (up, all) = sites.up();
    let focused = app.dialog.is_none() && sites.overlay.is_none();
    let title = vec![
        Span::styled("All sites", theme.title_focused),
        Span::styled(
            format!(" · {up}/{all} up"),
            if up == all { theme.ok } else { theme.warn },
        ),
    ];
    let block = pane_block(title, area.width, focused, theme);
    let inner = block.inner(area);
    let width = inner.width as usize;
    let name_w = sites
        .list
        .iter()
        .map(|s| s.name.width())
        .max()
        .unwrap_or(0)
        .clamp(8, 24);
    let url_w = sites
        .list
        .iter()
        .map(|s| s.url.width())
        .max()
        .unwrap_or(0)
        .clamp(10, 40);

    let rows = sites.rows();
    let range = cursor.visible_range(rows.len(), inner.height as usize);
    let first = range.start;
    let items: Vec<ListItem> = rows[range]
        .iter()
        .map(|row| {
            let line = match *row {
                SiteRow::Site(id) => {
                    heading(&sites.list[id], id == sites.active, name_w, url_w, theme)
                }
                SiteRow::Cluster(id, i) => {
                    let s = &sites.list[id];
                    match s.clusters.get(i) {
                        Some(c) => cluster_line(s, c, width, theme),
                        None => Line::raw(""),
                    }
                }
                SiteRow::Note(id) => note(&sites.list[id], width, theme),
            };
            ListItem::new(line)
        })
        .collect();
    let mut state = ListState::default()
        .with_selected(Some(cursor.selected().saturating_sub(first)))
        .with_offset(0);
    let list = List::new(items)
        .block(block)
        .highlight_style(theme.selected);
    frame.render_stateful_widget(list, area, &mut state);
}

/// "▸ name  platform  url  ● connected  4 clusters · 1 failing"
fn heading(
    s: &SiteSummary,
    active: bool,
    name_w: usize,
    url_w: usize,
    theme: &Theme,
) -> Line<'static> {
    let (mark, state_style) = state_mark(s, theme);
    let mut spans = vec![
        Span::styled(if active { "▸ " } else { "  " }, theme.accent),
        Span::styled(pad(&s.name, name_w), theme.title_focused),
        Span::raw("  "),
        Span::styled(pad(s.platform.id(), 10), theme.title),
        Span::raw("  "),
        Span::styled(pad(&s.url, url_w), theme.muted),
        Span::raw("  "),
        Span::styled(mark, state_style),
    ];
    if s.state == SiteState::Connected && s.read {
        let failing = s.clusters.iter().filter(|c| s.cluster_failed(c)).count();
        let n = s.clusters.len();
        spans.push(Span::styled(
            format!("   {n} cluster{}", if n == 1 { "" } else { "s" }),
            theme.muted,
        ));
        if failing > 0 {
            spans.push(Span::styled(format!(" · {failing} failing"), theme.error));
        }
    }
    if active {
        spans.push(Span::styled("   (shown)", theme.muted));
    }
    Line::from(spans)
}

/// The site's connection state as a mark and a word.
pub fn state_mark(s: &SiteSummary, theme: &Theme) -> (String, Style) {
    match &s.state {
        SiteState::Connecting => ("◌ connecting".into(), theme.muted),
        SiteState::Connected if s.error.is_some() => ("✗ not answering".into(), theme.error),
        SiteState::Connected => ("● connected".into(), theme.ok),
        SiteState::Unreachable(_) => ("✗ unreachable".into(), theme.error),
        SiteState::NeedsPassword { .. } => ("◇ needs a password".into(), theme.warn),
    }
}

/// A cluster under its site: health mark as in the Clusters pane, and why it fails.
fn cluster_line(s: &SiteSummary, c: &Cluster, width: usize, theme: &Theme) -> Line<'static> {
    let failed = s.cluster_failed(c);
    let (mark, style) = match &c.state {
        ClusterState::Healthy if !failed => ("● ", theme.ok),
        ClusterState::Degraded(_) => ("◐ ", theme.warn),
        ClusterState::Unknown if !failed => ("○ ", theme.muted),
        _ => ("✗ ", theme.error),
    };
    let why = match &c.state {
        ClusterState::Failed(why) | ClusterState::Degraded(why) => Some(why.clone()),
        _ => s
            .failures
            .iter()
            .find(|f| f.cluster_id == c.id)
            .map(|f| f.message.clone()),
    };
    let name_w = 28.min(width.saturating_sub(8));
    let mut spans = vec![
        Span::raw("      "),
        Span::styled(mark, style),
        Span::raw(pad(&c.name, name_w)),
    ];
    if let Some(why) = why {
        let room = width.saturating_sub(8 + name_w + 2);
        spans.push(Span::raw("  "));
        spans.push(Span::styled(truncate(&why, room), style));
    }
    Line::from(spans)
}

/// The line under a heading: why it is unreachable, what to do, or that clusters are coming.
fn note(s: &SiteSummary, width: usize, theme: &Theme) -> Line<'static> {
    let room = width.saturating_sub(6);
    let (text, style) = match &s.state {
        SiteState::Connecting => ("logging in…".to_string(), theme.muted),
        SiteState::Unreachable(why) => (format!("{why} — Enter tries again"), theme.error),
        SiteState::NeedsPassword { error: None } => {
            ("Enter to type the password".to_string(), theme.warn)
        }
        SiteState::NeedsPassword { error: Some(e) } => {
            (format!("{e} — Enter to try again"), theme.error)
        }
        SiteState::Connected => match &s.error {
            Some(e) => (format!("cannot read clusters: {e}"), theme.error),
            None if !s.read => ("reading clusters…".to_string(), theme.muted),
            None => ("no clusters".to_string(), theme.muted),
        },
    };
    Line::from(vec![
        Span::raw("      "),
        Span::styled(truncate(&text, room), style),
    ])
}

/// The first key bound everywhere to `action`, as the footer shows keys.
fn key_for(app: &App, action: Action, fallback: &str) -> String {
    app.keymap
        .bindings
        .iter()
        .find(|b| b.scope == Scope::Global && b.action == action)
        .and_then(|b| b.keys.first())
        .map(|k| keys_label(std::slice::from_ref(k)))
        .unwrap_or_else(|| fallback.to_string())
}

/// The picker's key is worth footer room only when there is another site to pick.
pub fn hint_shown(app: &App, help: &str) -> bool {
    app.sites.list.len() > 1
        || !app
            .keymap
            .bindings
            .iter()
            .any(|b| b.action == Action::PickSite && b.help == help)
}

/// Footer hints while a site window is open (`None`: none is).
pub fn footer_hints(app: &App) -> Option<Vec<(String, &'static str)>> {
    use crate::app::sites::SiteOverlay;
    let enter = key_for(app, Action::Enter, "Enter");
    let back = key_for(app, Action::Back, "Esc");
    match &app.sites.overlay {
        Some(SiteOverlay::Password(_)) => {
            return Some(vec![
                ("Enter".into(), "log in"),
                ("^u".into(), "clear"),
                ("Esc".into(), "cancel"),
            ]);
        }
        Some(SiteOverlay::Picker { .. }) => {
            return Some(vec![
                ("↑↓".into(), "choose"),
                (enter, "switch"),
                (back, "close"),
            ]);
        }
        None => {}
    }
    app.sites.all_sites.as_ref()?;
    Some(vec![
        ("↑↓".into(), "move"),
        (enter, "open site / cluster"),
        (key_for(app, Action::Refresh, "r"), "refresh all"),
        (key_for(app, Action::PickSite, "P"), "sites"),
        (key_for(app, Action::CommandMode, ":"), "command"),
        (back, "back"),
    ])
}
