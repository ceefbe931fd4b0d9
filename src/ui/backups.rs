//! The Backups pane: one server page of backups, with paging and filters in the title.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph};

use super::columns::Col;
use super::widgets::{pane_block, placeholder, title_style, truncate, windowed_table};
use crate::app::{App, Pane};
use crate::model::{BackupCategory, BackupKind, BackupScope, BackupStatus, human_bytes};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = super::focused(app, Pane::Backups);
    let pane = &app.backups;
    let mut title = vec![Span::styled("Backups", title_style(focused, theme))];
    match &pane.scope {
        Some(BackupScope::Vm { vm, .. }) => {
            title.push(Span::styled(format!(" · {}", vm.name), theme.title))
        }
        Some(BackupScope::Cluster { cluster }) => title.push(Span::styled(
            format!(" · cluster {}", cluster.name),
            theme.title,
        )),
        Some(BackupScope::Plan { plan, .. }) => {
            title.push(Span::styled(format!(" · plan {}", plan.name), theme.title))
        }
        None => {}
    }
    if app.caps().backup_categories.len() > 1 {
        title.push(Span::styled(
            format!(" · {}", pane.category.label()),
            theme.title,
        ));
    }
    let pos = pane.position_label();
    if !pos.is_empty() {
        title.push(Span::styled(format!(" · {pos}"), theme.muted));
    }
    if !pane.filter.is_empty() {
        title.push(Span::styled(" · filtered", theme.warn));
    }
    let view = pane.list.describe();
    if !view.is_empty() {
        title.push(Span::styled(format!(" · {view} (this page)"), theme.warn));
    }
    if pane.loading {
        title.push(Span::styled(" loading…", theme.muted));
    }
    let block = pane_block(title, area.width, focused, theme);

    if pane.page.is_none() {
        let line = match (&pane.scope, &pane.error) {
            (_, Some(e)) => Line::styled(format!("✗ {e}"), theme.error),
            (None, _) => Line::styled(
                "Choose a VM, or press a for the cluster's backups.",
                theme.muted,
            ),
            (Some(_), None) => Line::styled("Loading backups…", theme.muted),
        };
        return placeholder(frame, area, block, vec![line]);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut notes: Vec<Line> = pane
        .failures
        .iter()
        .map(|f| {
            Line::from(vec![
                Span::styled(format!("⚠ {}: ", f.cluster_name), theme.warn),
                Span::raw(f.message.clone()),
            ])
        })
        .collect();
    if let Some(e) = &pane.error {
        notes.push(Line::styled(format!("✗ {e}"), theme.error));
    }
    if !pane.filter.is_empty() {
        notes.push(Line::styled(filter_summary(app), theme.muted));
    }
    let notes_h = (notes.len() as u16).min(inner.height / 2);
    let parts = Layout::vertical([Constraint::Length(notes_h), Constraint::Min(0)]).split(inner);
    if notes_h > 0 {
        frame.render_widget(Paragraph::new(notes), parts[0]);
    }
    if pane.list.rows() == 0 {
        let msg = if !pane.list.items.is_empty() {
            "No backup on this page matches / (Esc in / clears it)."
        } else if pane.filter.is_empty() {
            if app.caps().backup_points || pane.category == BackupCategory::Database {
                "No backups. Press c to create one."
            } else {
                "No backups. Press p for the backup plans that make them."
            }
        } else {
            "No backup matches the filter (f to change it)."
        };
        frame.render_widget(Paragraph::new(Line::styled(msg, theme.muted)), parts[1]);
        return;
    }
    // Columns that say nothing here are never shown (u16::MAX minimum width).
    let many_vms = matches!(
        pane.scope,
        Some(BackupScope::Cluster { .. } | BackupScope::Plan { .. })
    ) && pane.category != BackupCategory::Database;
    let volumes = pane.category == BackupCategory::Volume;
    let when = |on: bool, min: u16, prio: u8| if on { (min, prio) } else { (u16::MAX, u8::MAX) };
    let (vm_min, vm_prio) = when(many_vms, 8, 1);
    let (vol_min, vol_prio) = when(volumes, 8, 1);
    // TopHC's backup answers carry no full/incremental flag (only the create call takes
    // one); a page of one-page size is cheap to look through.
    let kinds = pane.list.items.iter().any(|b| b.kind.is_some());
    let (type_min, type_prio) = when(kinds, 4, 3);
    let point_header = if app.caps().backup_plans {
        "PLAN"
    } else if app.caps().backup_sync {
        "STORAGE"
    } else {
        "POINT"
    };
    let cols = [
        Col::new("NAME", 12, 30, 0).grow(),
        Col::new("VM", vm_min, 16, vm_prio),
        Col::new("VOLUME", vol_min, 16, vol_prio),
        Col::new("STATUS", 6, 11, 0),
        Col::new("TYPE", type_min, 4, type_prio),
        Col::new(point_header, 6, 14, 4),
        Col::new("CREATED", 10, 16, 1),
        Col::new("SIZE", 9, 10, 2),
    ];
    windowed_table(
        frame,
        parts[1],
        Block::default(),
        &cols,
        pane.list.rows(),
        &pane.list.cursor,
        focused,
        theme,
        |i, w| {
            let Some(b) = pane.list.row(i) else {
                return vec![];
            };
            let status_style = match b.status {
                BackupStatus::Done => theme.ok,
                BackupStatus::InProgress => theme.warn,
                BackupStatus::Failed => theme.error,
                BackupStatus::Unknown(_) => theme.muted,
            };
            let fit = |s: &str, i: usize| truncate(s, w[i] as usize);
            let created = b
                .created
                .map(|t| {
                    let fmt = if w[6] >= 16 {
                        "%Y-%m-%d %H:%M"
                    } else {
                        "%Y-%m-%d"
                    };
                    t.to_zoned(app.tz.clone()).strftime(fmt).to_string()
                })
                .unwrap_or_default();
            vec![
                Cell::from(fit(&b.name, 0)),
                Cell::from(fit(&b.vm.name, 1)),
                Cell::from(fit(b.volume.as_ref().map_or("", |v| v.name.as_str()), 2)),
                Cell::from(Span::styled(fit(b.status.label(), 3), status_style)),
                Cell::from(match b.kind {
                    Some(BackupKind::Full) => "full",
                    Some(BackupKind::Incremental) => "incr",
                    None => "",
                }),
                Cell::from(fit(b.point.as_ref().map_or("", |p| p.name.as_str()), 5)),
                Cell::from(created),
                Cell::from(b.total_size().map(human_bytes).unwrap_or_default()),
            ]
        },
    );
}

fn filter_summary(app: &App) -> String {
    let f = &app.backups.filter;
    let mut parts = Vec::new();
    if !f.name.is_empty() {
        parts.push(format!("name ~ \"{}\"", f.name));
    }
    if let Some(id) = &f.point_id {
        let name = app
            .backups
            .points
            .iter()
            .find(|p| &p.id == id)
            .map_or(id.as_str(), |p| p.name.as_str());
        parts.push(format!("point {name}"));
    }
    let day = |t: &jiff::Timestamp| t.strftime("%Y-%m-%d").to_string();
    match (&f.since, &f.until) {
        (Some(a), Some(b)) => parts.push(format!("{} … {}", day(a), day(b))),
        (Some(a), None) => parts.push(format!("since {}", day(a))),
        (None, Some(b)) => parts.push(format!("until {}", day(b))),
        _ => {}
    }
    format!("filter: {}", parts.join(", "))
}
