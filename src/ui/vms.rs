//! The VMs pane: a table of the chosen cluster's VMs, with failed clusters named on top.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};

use super::columns::Col;
use super::widgets::{pane_block, placeholder, title_style, truncate, windowed_table};
use crate::app::{App, Pane};
use crate::model::{AgentState, VmPower};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = super::focused(app, Pane::Vms);
    let pane = &app.vms;
    let mut title = vec![Span::styled("VMs", title_style(focused, theme))];
    if let Some(c) = &pane.cluster {
        title.push(Span::styled(format!(" · {}", c.name), theme.title));
    }
    let loaded = pane.list.items.len();
    if loaded > 0 || pane.total > 0 {
        let count = if pane.loading && (loaded as u64) < pane.total {
            format!(" · {loaded}/{}", pane.total)
        } else if pane.list.rows() < loaded {
            format!(" · {} of {loaded}", pane.list.rows())
        } else {
            format!(" · {loaded}")
        };
        title.push(Span::styled(count, theme.muted));
    }
    if !pane.marks.is_empty() {
        title.push(Span::styled(
            format!(" · {} marked", pane.marks.len()),
            theme.accent,
        ));
    }
    let view = pane.list.describe();
    if !view.is_empty() {
        title.push(Span::styled(format!(" · {view}"), theme.warn));
    }
    if let Some(inc) = &pane.incoming {
        title.push(Span::styled(
            format!(" · re-reading {}/{}…", inc.items.len(), pane.total),
            theme.muted,
        ));
    } else if pane.loading {
        title.push(Span::styled(" loading…", theme.muted));
    }
    let block = pane_block(title, area.width, focused, theme);

    if pane.cluster.is_none() {
        return placeholder(
            frame,
            area,
            block,
            vec![Line::styled("Choose a cluster (Enter).", theme.muted)],
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Failed clusters first: say which and why, then the VMs of the others.
    let banner: Vec<Line> = pane
        .failures
        .iter()
        .map(|f| {
            Line::from(vec![
                Span::styled("⚠ ", theme.warn),
                Span::styled(format!("{}: ", f.cluster_name), theme.warn),
                Span::raw(f.message.clone()),
                Span::styled(" (its VMs are not shown)", theme.muted),
            ])
        })
        .chain(
            pane.error
                .iter()
                .map(|e| Line::styled(format!("✗ {e}"), theme.error)),
        )
        .collect();
    let banner_h = (banner.len() as u16).min(inner.height / 2);
    let parts = Layout::vertical([Constraint::Length(banner_h), Constraint::Min(0)]).split(inner);
    if banner_h > 0 {
        frame.render_widget(Paragraph::new(banner), parts[0]);
    }
    let table_area = parts[1];
    if pane.list.rows() == 0 {
        let msg = if pane.loading {
            "Loading VMs…"
        } else if !pane.list.items.is_empty() {
            "No VM matches the filter (/ to change it)."
        } else {
            "No VMs."
        };
        frame.render_widget(Paragraph::new(Line::styled(msg, theme.muted)), table_area);
        return;
    }
    let chosen = pane.chosen.as_ref().map(|v| v.id.as_str());
    // The mark column takes room only while something is marked.
    let marking = !pane.marks.is_empty();
    let cols = [
        Col::new("NAME", 12, 24, 0).grow(),
        Col::new("POWER", 8, 8, 0),
        Col::new("ACTION", 8, 10, 2),
        if pane.shows("AGENT") {
            Col::new("AGENT", 5, 7, 3)
        } else {
            hidden("AGENT")
        },
        Col::new("IP", 11, 15, 1),
        optional("ZONE", pane.shows("ZONE")),
        optional("GROUP", pane.shows("GROUP")),
        if pane.shows("CLUSTER") {
            Col::new("CLUSTER", 8, 14, 2).share()
        } else {
            hidden("CLUSTER")
        },
    ];
    windowed_table(
        frame,
        table_area,
        ratatui::widgets::Block::default(),
        &cols,
        pane.list.rows(),
        &pane.list.cursor,
        focused,
        theme,
        |i, w| {
            let Some(vm) = pane.list.row(i) else {
                return vec![];
            };
            let power_style = match vm.power {
                VmPower::Running => theme.ok,
                VmPower::Stopped => theme.muted,
                VmPower::Crashed | VmPower::Unknown(_) => theme.error,
                _ => theme.warn,
            };
            let agent_style = match vm.agent {
                AgentState::Connected => theme.ok,
                _ => theme.muted,
            };
            let marker = if chosen == Some(vm.id.as_str()) {
                "▸"
            } else {
                " "
            };
            let fit = |s: &str, i: usize| truncate(s, w[i] as usize);
            let mut name = vec![Span::styled(marker, theme.accent)];
            if marking {
                name.push(if pane.is_marked(vm) {
                    Span::styled("✓", theme.accent)
                } else {
                    Span::raw(" ")
                });
            }
            let used = name.len();
            name.push(Span::raw(truncate(
                &vm.name,
                (w[0] as usize).saturating_sub(used),
            )));
            vec![
                Cell::from(Line::from(name)),
                Cell::from(Span::styled(fit(vm.power.label(), 1), power_style)),
                Cell::from(Span::styled(
                    fit(vm.action.as_deref().unwrap_or("-"), 2),
                    if vm.action.is_some() {
                        theme.warn
                    } else {
                        theme.muted
                    },
                )),
                Cell::from(Span::styled(fit(agent_short(&vm.agent), 3), agent_style)),
                Cell::from(fit(&vm.ip, 4)),
                Cell::from(fit(vm.zone.as_ref().map_or("", |z| z.name.as_str()), 5)),
                Cell::from(fit(vm.group.as_ref().map_or("", |g| g.name.as_str()), 6)),
                Cell::from(fit(&vm.cluster.name, 7)),
            ]
        },
    );
}

/// Guest-agent state in a few letters (the details pane spells it out).
fn agent_short(a: &AgentState) -> &str {
    match a {
        AgentState::Connected => "up",
        AgentState::Disconnected => "down",
        AgentState::Pending => "pending",
        AgentState::NotInstalled => "none",
        AgentState::Unknown(s) => s,
    }
}

/// A column the platform may not fill at all: hidden (like CLUSTER outside "All clusters")
/// when no VM listed has a value for it.
fn optional(name: &'static str, any: bool) -> Col {
    if any {
        Col::new(name, 6, 10, 4).share()
    } else {
        hidden(name)
    }
}

/// A column that is not drawn.
fn hidden(name: &'static str) -> Col {
    Col::new(name, u16::MAX, 10, u8::MAX)
}
