//! The VMs pane: a table of the chosen cluster's VMs, with failed clusters named on top.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};

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
    if !pane.items.is_empty() || pane.total > 0 {
        let count = if pane.loading && (pane.items.len() as u64) < pane.total {
            format!(" · {}/{}", pane.items.len(), pane.total)
        } else {
            format!(" · {}", pane.items.len())
        };
        title.push(Span::styled(count, theme.muted));
    }
    if pane.loading {
        title.push(Span::styled(" loading…", theme.muted));
    }
    let block = pane_block(title, focused, theme);

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
    if pane.items.is_empty() {
        let msg = if pane.loading {
            "Loading VMs…"
        } else {
            "No VMs."
        };
        frame.render_widget(Paragraph::new(Line::styled(msg, theme.muted)), table_area);
        return;
    }
    let all = pane.cluster.as_ref().is_some_and(|c| c.id.is_empty());
    let chosen = pane.chosen.as_ref().map(|v| v.id.as_str());
    let mut header = vec!["NAME", "POWER", "ACTION", "AGENT", "IP", "ZONE", "GROUP"];
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Length(9),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ];
    if all {
        header.push("CLUSTER");
        widths.push(Constraint::Fill(1));
    }
    let name_w = (table_area.width as usize / 4).max(8);
    windowed_table(
        frame,
        table_area,
        ratatui::widgets::Block::default(),
        Row::new(header),
        &widths,
        pane.items.len(),
        &pane.cursor,
        focused,
        theme,
        |i| {
            let vm = &pane.items[i];
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
            let mut cells = vec![
                Cell::from(Line::from(vec![
                    Span::styled(marker, theme.accent),
                    Span::raw(truncate(&vm.name, name_w)),
                ])),
                Cell::from(Span::styled(vm.power.label().to_string(), power_style)),
                Cell::from(Span::styled(
                    vm.action.clone().unwrap_or_else(|| "-".into()),
                    if vm.action.is_some() {
                        theme.warn
                    } else {
                        theme.muted
                    },
                )),
                Cell::from(Span::styled(vm.agent.label().to_string(), agent_style)),
                Cell::from(vm.ip.clone()),
                Cell::from(vm.zone.as_ref().map(|z| z.name.clone()).unwrap_or_default()),
                Cell::from(
                    vm.group
                        .as_ref()
                        .map(|g| g.name.clone())
                        .unwrap_or_default(),
                ),
            ];
            if all {
                cells.push(Cell::from(vm.cluster.name.clone()));
            }
            Row::new(cells)
        },
    );
}
