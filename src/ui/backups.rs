//! The Backups pane: one server page of backups, with paging and filters in the title.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph};

use super::columns::Col;
use unicode_width::UnicodeWidthStr;

use super::widgets::{
    LEAST_NAME, pane_block, placeholder, title_style, truncate, truncate_middle,
    truncate_name_within, windowed_table,
};
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
                Cell::from(backup_name(&b.name, &b.vm.name, w[0] as usize)),
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

/// A backup's name in `width` columns, cut where it loses least. Platforms name backups
/// after their VM (`full-财务系统-db01-20261201-0000`, `ad-域控-01 2026-12-01 00:00`), so
/// every row of a VM's list shares that part, which the title (or the VM column) already
/// says: it gives way first (cut in its middle, or wholly replaced by `…`), and what tells
/// the rows apart, their ends, stays. A name without its VM's in it, or too long even so,
/// is cut in the middle.
fn backup_name(name: &str, vm: &str, width: usize) -> String {
    if name.width() <= width {
        return name.to_string();
    }
    if let Some(at) = name.find(vm).filter(|_| !vm.is_empty()) {
        let (head, rest) = name.split_at(at);
        let tail = &rest[vm.len()..];
        if head.width() + tail.width() + LEAST_NAME <= width {
            return truncate_name_within(head, vm, tail, width);
        }
        // No room for a piece of it: `…` stands for the VM name and its separators.
        let sep: &[char] = &[' ', '-', '_', '.'];
        let dropped = format!(
            "{}…{}",
            head.trim_end_matches(sep),
            tail.trim_start_matches(sep)
        );
        if dropped.width() <= width {
            return dropped;
        }
    }
    truncate_middle(name, width)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_give_way_in_the_vm_name_they_share_by_display_width() {
        let vm = "财务系统-db01-生产";
        let a = "full-财务系统-db01-生产-20261201-0000";
        let b = "full-财务系统-db01-生产-20261202-0000";
        // Cut from the end, both read `full-财务系统-db01-生…`: the dates that differ go.
        assert_eq!(truncate(a, 24), truncate(b, 24));
        let (ca, cb) = (backup_name(a, vm, 24), backup_name(b, vm, 24));
        assert_ne!(ca, cb);
        assert_eq!(ca, "full-财…产-20261201-0000");
        assert_eq!(ca.width(), 24);
        assert!(cb.ends_with("-20261202-0000"), "{cb}");
        // Too narrow to keep the ends beside a cut VM name: the whole name in its middle.
        let narrow = backup_name(a, vm, 15);
        assert!(narrow.width() <= 15 && narrow.ends_with("0000"), "{narrow}");
        assert!(narrow.starts_with("full-"), "{narrow}");
        // CloudTower's `VM date`: the VM name leads.
        let ct = backup_name("ad-域控-01 2026-12-01 00:00:00", "ad-域控-01", 26);
        assert_eq!(ct, "ad-…01 2026-12-01 00:00:00");
        // Narrower, the VM name goes whole, with the space after it.
        let ct = backup_name("ad-域控-01 2026-12-01 00:00:00", "ad-域控-01", 20);
        assert_eq!(ct, "…2026-12-01 00:00:00");
        assert_eq!(backup_name(a, vm, 18), "full…20261201-0000");
        // Names that fit, and names without the VM's, are left alone / cut in the middle.
        assert_eq!(backup_name(a, vm, 60), a);
        assert_eq!(
            backup_name("手动备份-一二三四五六", "x", 12),
            truncate_middle("手动备份-一二三四五六", 12)
        );
    }
}
