//! A backup: where it is, its disks, and the chain it belongs to.

use ratatui::text::{Line, Span};

use super::{extra, id, kv, time};
use crate::app::App;
use crate::app::panes::BackupChain;
use crate::app::snapshots::{DisplayItem, chains};
use crate::model::{Backup, BackupCategory, BackupKind, human_bytes};
use crate::theme::Theme;

pub fn content(app: &App, theme: &Theme, width: u16) -> (String, Vec<Line<'static>>) {
    let Some(b) = app.backups.selected() else {
        return ("Backup".into(), vec![]);
    };
    let mut lines = vec![kv("Name", b.name.clone(), theme)];
    lines.extend(id("Id", &b.id, width, theme));
    if b.category != BackupCategory::Database {
        lines.push(kv("VM", b.vm.name.clone(), theme));
    }
    if let Some(v) = &b.volume {
        lines.push(kv("Volume", v.name.clone(), theme));
    }
    if !b.cluster.name.is_empty() {
        lines.push(kv("Cluster", b.cluster.name.clone(), theme));
    }
    lines.push(kv("Status", b.status.label().to_string(), theme));
    lines.push(kv("Type", kind_label(b), theme));
    let point_label = if app.caps().backup_plans {
        "Plan"
    } else if app.caps().backup_sync {
        "Storage"
    } else {
        "Point"
    };
    lines.push(kv(
        point_label,
        b.point.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        theme,
    ));
    if let Some(copies) =
        crate::app::flows::storage::locations_label(b).filter(|_| !b.locations.is_empty())
    {
        lines.push(kv("Copies on", copies, theme));
    }
    lines.push(kv("Created", time(app, &b.created), theme));
    if !b.description.is_empty() {
        lines.push(kv("Description", b.description.clone(), theme));
    }
    if let Some(total) = b.total_size() {
        lines.push(kv("Total size", human_bytes(total), theme));
    }
    if !b.disks.is_empty() {
        lines.push(Line::styled("Disks", theme.header));
        for d in &b.disks {
            let size = d.capacity.map(human_bytes).unwrap_or_else(|| "?".into());
            lines.push(Line::raw(format!("  {}  {size}", d.device)));
            for x in &d.details {
                lines.push(Line::styled(
                    format!("    {}: {}", x.label, super::detail_value(app, x)),
                    theme.muted,
                ));
            }
        }
    }
    lines.extend(extra(app, &b.details, theme));
    if app.caps().backup_chains {
        lines.extend(chain_lines(app, b, app.backups.chain.as_ref(), theme));
    }
    ("Backup".into(), lines)
}

fn kind_label(b: &Backup) -> &'static str {
    match b.kind {
        Some(BackupKind::Full) => "full",
        Some(BackupKind::Incremental) => "incremental",
        None => "-",
    }
}

/// The chain as a tree: the full backup first, each incremental under the one it builds on,
/// the selected one marked.
fn chain_lines(
    app: &App,
    selected: &Backup,
    chain: Option<&BackupChain>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::raw(""), Line::styled("Chain", theme.header)];
    let Some(chain) = chain else {
        return lines;
    };
    if chain.loading {
        lines.push(Line::styled("  reading…", theme.muted));
        return lines;
    }
    if let Some(e) = &chain.error {
        lines.push(Line::styled(
            format!("  ✗ {e} — r reads it again"),
            theme.error,
        ));
        return lines;
    }
    let items = &chain.items;
    let known = |id: &str| items.iter().any(|b| b.id == id);
    let by_time = |mut v: Vec<usize>| {
        v.sort_by_key(|&i| items[i].created);
        v
    };
    let roots = by_time(
        (0..items.len())
            .filter(|&i| items[i].parent.as_deref().is_none_or(|p| !known(p)))
            .collect(),
    );
    // The snapshot tree's rule: a chain of incrementals is one column, only a branch
    // indents, so a 30-point chain stays in the pane.
    let (tree, _) = chains(&roots, |b| {
        by_time(
            (0..items.len())
                .filter(|&c| items[c].parent.as_deref() == Some(items[b].id.as_str()))
                .collect(),
        )
    });
    let mut stack: Vec<(&DisplayItem<usize>, usize)> = tree.iter().rev().map(|d| (d, 0)).collect();
    while let Some((d, depth)) = stack.pop() {
        let b = &items[d.node];
        let mark = if b.id == selected.id { "▸ " } else { "  " };
        let when = b
            .created
            .map(|t| {
                t.to_zoned(app.tz.clone())
                    .strftime("%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let text = format!(
            "{mark}{}{} {when}",
            "  ".repeat(depth),
            match b.kind {
                Some(BackupKind::Full) => "full",
                Some(BackupKind::Incremental) => "incr",
                None => "?",
            }
        );
        let style = if b.id == selected.id {
            theme.now_marker
        } else {
            theme.muted
        };
        lines.push(Line::from(Span::styled(text, style)));
        stack.extend(d.children.iter().rev().map(|c| (c, depth + 1)));
    }
    if chain.items.is_empty() {
        lines.push(Line::styled("  (the platform lists none)", theme.muted));
    }
    lines
}
