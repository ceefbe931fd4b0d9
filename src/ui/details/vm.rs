//! A VM: power, agent, addresses, and its disks once read.

use ratatui::text::Line;

use super::{extra, id, kv};
use crate::app::App;
use crate::model::*;
use crate::theme::Theme;

pub fn content(app: &App, theme: &Theme, width: u16) -> (String, Vec<Line<'static>>) {
    let Some(vm) = app.vms.selected() else {
        return ("VM".into(), vec![]);
    };
    let mut lines = vec![kv("Name", vm.name.clone(), theme)];
    lines.extend(id("Id", &vm.id, width, theme));
    lines.extend([
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
    ]);
    if let Some(t) = &vm.tenant {
        lines.push(kv("Tenant", t.name.clone(), theme));
    }
    if let Some(c) = vm.vcpu {
        lines.push(kv("vCPU", c.to_string(), theme));
    }
    if let Some(m) = vm.memory_bytes {
        lines.push(kv("Memory", human_bytes(m), theme));
    }
    lines.extend(extra(app, &vm.details, theme));
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
        lines.extend(extra(app, &d.details, theme));
    }
    let chosen = app.vms.chosen.as_ref().is_some_and(|c| c.id == vm.id);
    if let Some(e) = app.vms.detail_error.as_ref().filter(|_| chosen) {
        lines.push(Line::styled(
            format!("✗ cannot read the VM's configuration: {e}"),
            theme.error,
        ));
    }
    ("VM".into(), lines)
}
