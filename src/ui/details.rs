//! The Details pane: everything known about what is selected in the focused pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::widgets::pane_block;
use crate::app::{App, Pane};
use crate::model::{
    BackupKind, ClusterState, Detail, NodeKind, TaskState, format_elapsed, human_bytes,
};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (title, lines) = content(app, theme);
    let block = pane_block(vec![Span::styled(title, theme.title)], false, theme);
    let p = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false });
    frame.render_widget(p, area);
}

fn kv(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label}: "), theme.muted),
        Span::raw(value.into()),
    ])
}

fn extra(details: &[Detail], theme: &Theme) -> Vec<Line<'static>> {
    details
        .iter()
        .map(|d| kv(&d.label, d.value.clone(), theme))
        .collect()
}

fn time(app: &App, t: &Option<jiff::Timestamp>) -> String {
    t.map(|t| {
        t.to_zoned(app.tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
    .unwrap_or_else(|| "-".into())
}

fn content(app: &App, theme: &Theme) -> (String, Vec<Line<'static>>) {
    match app.focus {
        Pane::Clusters => {
            let Some(c) = app.clusters.selected().filter(|c| !c.id.is_empty()) else {
                return (
                    "All clusters".into(),
                    vec![
                        kv("Clusters", app.clusters.clusters().len().to_string(), theme),
                        Line::styled("Enter lists the VMs of every cluster.", theme.muted),
                    ],
                );
            };
            let mut lines = vec![
                kv("Name", c.name.clone(), theme),
                kv("Id", c.id.clone(), theme),
            ];
            lines.push(match &c.state {
                ClusterState::Healthy => kv("State", "healthy", theme),
                ClusterState::Degraded(w) => kv("State", format!("degraded: {w}"), theme),
                ClusterState::Failed(w) => Line::styled(format!("State: failed: {w}"), theme.error),
                ClusterState::Unknown => kv("State", "unknown", theme),
            });
            for f in app.vms.failures.iter().chain(app.clusters.failures.iter()) {
                if f.cluster_id == c.id {
                    lines.push(Line::styled(
                        format!("Listing failed: {}", f.message),
                        theme.error,
                    ));
                }
            }
            lines.extend(extra(&c.details, theme));
            ("Cluster".into(), lines)
        }
        Pane::Vms => {
            let Some(vm) = app.vms.selected() else {
                return ("VM".into(), vec![]);
            };
            let mut lines = vec![
                kv("Name", vm.name.clone(), theme),
                kv("Id", vm.id.clone(), theme),
                kv("Cluster", vm.cluster.name.clone(), theme),
                kv("Power", vm.power.label().to_string(), theme),
                kv(
                    "Action",
                    vm.action.clone().unwrap_or_else(|| "idle".into()),
                    theme,
                ),
                kv("Agent", vm.agent.label().to_string(), theme),
                kv("IP", vm.ip.clone(), theme),
                kv("OS", vm.os.clone(), theme),
            ];
            if let Some(t) = &vm.tenant {
                lines.push(kv("Tenant", t.name.clone(), theme));
            }
            if let Some(c) = vm.vcpu {
                lines.push(kv("vCPU", c.to_string(), theme));
            }
            if let Some(m) = vm.memory_bytes {
                lines.push(kv("Memory", human_bytes(m), theme));
            }
            lines.extend(extra(&vm.details, theme));
            if let Some(d) = app.vms.detail.as_ref().filter(|d| d.vm.id == vm.id) {
                lines.push(Line::styled("Disks", theme.header));
                for disk in &d.disks {
                    let size = disk.capacity.map(human_bytes).unwrap_or_default();
                    let pool = disk
                        .pool
                        .as_ref()
                        .map(|p| p.name.clone())
                        .unwrap_or_default();
                    lines.push(Line::raw(format!("  {} {size} {pool}", disk.device)));
                }
                lines.extend(extra(&d.details, theme));
            }
            ("VM".into(), lines)
        }
        Pane::Snapshots => {
            let pane = &app.snapshots;
            let Some(tree) = &pane.tree else {
                return ("Snapshot".into(), vec![]);
            };
            let mut lines = Vec::new();
            if let Some(node) = pane.selected_node().and_then(|n| tree.node(n)) {
                match &node.kind {
                    NodeKind::Snapshot(s) => {
                        lines.push(kv("Name", s.name.clone(), theme));
                        if s.id != s.name {
                            lines.push(kv("Id", s.id.clone(), theme));
                        }
                        lines.push(kv("Created", time(app, &s.created), theme));
                        lines.push(kv("Description", s.description.clone(), theme));
                        if let Some(m) = s.memory {
                            lines.push(kv("Memory", if m { "yes" } else { "no" }, theme));
                        }
                        if let Some(sz) = s.size {
                            lines.push(kv("Size", human_bytes(sz), theme));
                        }
                        let parent = node
                            .parent
                            .and_then(|p| tree.node(p))
                            .map(|p| match &p.kind {
                                NodeKind::Snapshot(ps) => ps.name.clone(),
                                NodeKind::Group { label } => label.clone(),
                                NodeKind::Now { label } => label.clone(),
                            })
                            .unwrap_or_else(|| "(top level)".into());
                        lines.push(kv("Parent", parent, theme));
                        if let Some(id) = pane.selected_node() {
                            lines.push(kv(
                                "Children",
                                tree.snapshot_children(id).to_string(),
                                theme,
                            ));
                            if tree.current_snapshot() == Some(id) {
                                lines.push(Line::styled(
                                    "The VM currently sits on this snapshot.",
                                    theme.now_marker,
                                ));
                            }
                        }
                        if !s.disks.is_empty() {
                            lines.push(Line::styled("Disks", theme.header));
                            for d in &s.disks {
                                lines
                                    .push(Line::raw(format!("  {} → {}", d.device, d.snapshot_id)));
                            }
                        }
                        lines.extend(extra(&s.details, theme));
                    }
                    NodeKind::Now { label } => {
                        lines.push(Line::styled(
                            format!("{label}: the VM's current state"),
                            theme.now_marker,
                        ));
                        lines.push(Line::styled(
                            "Not a snapshot. It hangs under the snapshot the VM was last created from or rolled back to.",
                            theme.muted,
                        ));
                    }
                    NodeKind::Group { label } => lines.push(kv("Group", label.clone(), theme)),
                }
            }
            if !tree.problems.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled("Repairs to the platform's tree", theme.warn));
                for p in &tree.problems {
                    lines.push(Line::raw(format!("• {p}")));
                }
            }
            ("Snapshot".into(), lines)
        }
        Pane::Backups => {
            let Some(b) = app.backups.selected() else {
                return ("Backup".into(), vec![]);
            };
            let mut lines = vec![
                kv("Name", b.name.clone(), theme),
                kv("Id", b.id.clone(), theme),
                kv("VM", b.vm.name.clone(), theme),
                kv("Cluster", b.cluster.name.clone(), theme),
                kv("Status", b.status.label().to_string(), theme),
                kv(
                    "Type",
                    match b.kind {
                        Some(BackupKind::Full) => "full",
                        Some(BackupKind::Incremental) => "incremental",
                        None => "-",
                    },
                    theme,
                ),
                kv(
                    "Point",
                    b.point.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
                    theme,
                ),
                kv("Created", time(app, &b.created), theme),
                kv("Description", b.description.clone(), theme),
            ];
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
                            format!("    {}: {}", x.label, x.value),
                            theme.muted,
                        ));
                    }
                }
            }
            lines.extend(extra(&b.details, theme));
            ("Backup".into(), lines)
        }
        Pane::Tasks => {
            let Some(t) = app.tasks.selected() else {
                return ("Task".into(), vec![]);
            };
            let mut lines = vec![
                kv("Task", t.title.clone(), theme),
                kv("Target", t.target.clone(), theme),
                kv("State", t.state.label(), theme),
                kv("Elapsed", format_elapsed(t.elapsed(app.now)), theme),
            ];
            match &t.state {
                TaskState::Failed { message } => {
                    lines.push(Line::styled(message.clone(), theme.error))
                }
                TaskState::Unknown { reason } => {
                    lines.push(Line::styled(reason.clone(), theme.warn))
                }
                _ => {}
            }
            lines.push(Line::styled("History", theme.header));
            for (at, what) in &t.history {
                let secs = at.saturating_duration_since(t.started);
                lines.push(Line::raw(format!("  +{} {what}", format_elapsed(secs))));
            }
            ("Task".into(), lines)
        }
    }
}
