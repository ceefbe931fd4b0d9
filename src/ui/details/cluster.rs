//! A cluster: its state and why listing it failed.

use ratatui::text::Line;

use super::{extra, id, kv};
use crate::app::App;
use crate::model::*;
use crate::theme::Theme;

pub fn content(app: &App, theme: &Theme, width: u16) -> (String, Vec<Line<'static>>) {
    let Some(c) = app.clusters.selected().filter(|c| !c.id.is_empty()) else {
        return (
            "All clusters".into(),
            vec![
                kv("Clusters", app.clusters.clusters().len().to_string(), theme),
                Line::styled("Enter lists the VMs of every cluster.", theme.muted),
            ],
        );
    };
    let mut lines = vec![kv("Name", c.name.clone(), theme)];
    lines.extend(id("Id", &c.id, width, theme));
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
    lines.extend(extra(app, &c.details, theme));
    ("Cluster".into(), lines)
}
