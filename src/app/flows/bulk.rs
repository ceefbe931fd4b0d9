//! Bulk operations over the marked VMs: one operation per VM (uniform, and each VM gets its
//! own task, outcome and re-read when an answer is lost), previewed together — every target,
//! every call, and what is skipped and why — and confirmed once by typing their count.

use jiff::Timestamp;

use crate::app::dialog::{Bulk, ConfirmDialog, Dialog, PlanState};
use crate::app::flows::{Purpose, Submitted};
use crate::app::form::{Field, Form};
use crate::app::{App, Level};
use crate::backend::{BackendError, HttpCall};
use crate::fetcher::Command;
use crate::model::{BackupPoint, Capabilities, Vm};
use crate::operation::Operation;

/// The name pattern a bulk snapshot starts with.
pub const DEFAULT_PATTERN: &str = "pre-patch-{vm}-{date}";

pub fn snapshot_form(n: usize) -> Form {
    Form::new(
        format!("New snapshot of {n} marked VMs"),
        vec![
            Field::text("pattern", "Name", DEFAULT_PATTERN)
                .with_hint("{vm} the VM's name, {date} today (yyyymmdd), {time} hhmmss (UTC)"),
            Field::text("description", "Description", ""),
        ],
    )
    .with_intro(vec![
        "One snapshot of each marked VM (the whole VM, disks only).".into(),
    ])
}

/// `pattern` with `{vm}`, `{date}` and `{time}` filled in for `vm`.
pub fn snapshot_name(pattern: &str, vm: &str, now: Timestamp) -> String {
    pattern
        .replace("{vm}", vm)
        .replace("{date}", &now.strftime("%Y%m%d").to_string())
        .replace("{time}", &now.strftime("%H%M%S").to_string())
}

pub fn snapshots(vms: &[Vm], form: &Form, now: Timestamp) -> Result<Submitted, String> {
    let pattern = form.text("pattern");
    let mut steps = Vec::new();
    for vm in vms {
        let name = snapshot_name(&pattern, &vm.name, now);
        super::snapshot::check_name(&name).map_err(|e| format!("{}: {e}", vm.name))?;
        steps.push(Operation::CreateSnapshot {
            vm: vm.to_ref(),
            name,
            description: form.text("description"),
            memory: false,
            consistent: false,
            volume: None,
        });
    }
    Ok(Submitted::Bulk {
        steps,
        skipped: Vec::new(),
    })
}

/// The default name of each VM's backup in a bulk.
pub const DEFAULT_BACKUP_PATTERN: &str = "{vm}-{date}";

/// The backup form of one VM, for all of them: a name pattern instead of a name, and
/// whole VMs only (a volume is one VM's).
pub fn backup_form(n: usize, points: &[BackupPoint], caps: &Capabilities) -> Form {
    let mut form = super::backup::create_form(
        &crate::model::VmRef::default(),
        None,
        points,
        caps,
        crate::model::BackupCategory::Vm,
        Timestamp::UNIX_EPOCH,
    );
    form.title = format!("Back up {n} marked VMs");
    if let Some(f) = form.fields.iter_mut().find(|f| f.key == "name") {
        *f = Field::text("name", "Name", DEFAULT_BACKUP_PATTERN)
            .with_hint("{vm} the VM's name, {date} today (yyyymmdd), {time} hhmmss (UTC)");
    }
    form.with_intro(vec!["One backup of each marked VM (the whole VM).".into()])
}

pub fn backups(vms: &[Vm], form: &Form, now: Timestamp) -> Result<Submitted, String> {
    let pattern = form.text("name");
    let mut steps = Vec::new();
    for vm in vms {
        // The one VM's checks, with the pattern filled in for this VM.
        let mut one = form.clone();
        if let Some(f) = one.fields.iter_mut().find(|f| f.key == "name") {
            *f = Field::text("name", "Name", snapshot_name(&pattern, &vm.name, now));
        }
        let op =
            super::backup::create(&vm.to_ref(), &one).map_err(|e| format!("{}: {e}", vm.name))?;
        steps.extend(op);
    }
    Ok(Submitted::Bulk {
        steps,
        skipped: Vec::new(),
    })
}

pub fn stop_form(n: usize) -> Form {
    Form::new(
        format!("Stop {n} marked VMs"),
        vec![super::power::how_field(false)],
    )
    .with_intro(vec![
        "Stopping them interrupts whatever they serve.".into(),
        "A VM whose guest agent / tools are not running is powered off: it cannot be asked to shut down.".into(),
    ])
}

pub fn stops(vms: &[Vm], form: &Form) -> Result<Submitted, String> {
    let force = form.choice("how").is_some_and(|(h, _)| h == "poweroff");
    let (mut steps, mut skipped) = (Vec::new(), Vec::new());
    for vm in vms {
        if vm.power.is_stopped() {
            skipped.push(format!("{}: already stopped", vm.name));
            continue;
        }
        steps.push(Operation::StopVm {
            vm: vm.to_ref(),
            force: force || super::power::tools_down(vm).is_some(),
        });
    }
    Ok(Submitted::Bulk { steps, skipped })
}

fn starts(vms: &[Vm]) -> (Vec<Operation>, Vec<String>) {
    let (mut steps, mut skipped) = (Vec::new(), Vec::new());
    for vm in vms {
        if vm.power.is_running() {
            skipped.push(format!("{}: already running", vm.name));
        } else {
            steps.push(Operation::StartVm { vm: vm.to_ref() });
        }
    }
    (steps, skipped)
}

impl App {
    /// The marked VMs, when the VMs pane has any: a key there acts on them all.
    fn marked_vms(&self) -> Option<Vec<Vm>> {
        let marked: Vec<Vm> = self.vms.marked().into_iter().cloned().collect();
        (self.focus == crate::app::Pane::Vms && !marked.is_empty()).then_some(marked)
    }

    /// `c` in VMs: a snapshot of every marked VM.
    pub(in crate::app) fn start_bulk_snapshot(&mut self) -> Vec<Command> {
        let Some(vms) = self.marked_vms() else {
            self.say(
                Level::Info,
                "mark VMs first (Space), or create a snapshot in the Snapshots pane",
            );
            return vec![];
        };
        self.open_form(snapshot_form(vms.len()), Purpose::BulkSnapshot { vms });
        vec![]
    }

    /// `b` in VMs: a backup of every marked VM, to one backup point.
    pub(in crate::app) fn start_bulk_backup(&mut self) -> Vec<Command> {
        let Some(vms) = self.marked_vms() else {
            self.say(
                Level::Info,
                "mark VMs first (Space), or create a backup in the Backups pane",
            );
            return vec![];
        };
        if !self.caps().backup_points {
            self.say(
                Level::Info,
                "backups are made by plans here: run a plan from the Backups pane (p)",
            );
            return vec![];
        }
        let mut cmds = Vec::new();
        let loading = self.points_for_form(&mut cmds);
        let mut form = backup_form(vms.len(), &self.backups.points, self.caps());
        if loading && let Some(f) = form.fields.iter_mut().find(|f| f.key == "point") {
            f.hint = Some("loading…".into());
        }
        self.open_form(form, Purpose::BulkBackup { vms });
        cmds
    }

    /// `S` / `s` in VMs with marks: stop / start them all. `None` without marks.
    pub(in crate::app) fn start_bulk_power(&mut self, start: bool) -> Option<Vec<Command>> {
        let vms = self.marked_vms()?;
        if start {
            let (steps, skipped) = starts(&vms);
            return Some(self.confirm_bulk(steps, skipped));
        }
        self.open_form(stop_form(vms.len()), Purpose::BulkStop { vms });
        Some(vec![])
    }

    /// Opens the bulk preview and asks the backend to plan each operation on its own.
    pub(in crate::app) fn confirm_bulk(
        &mut self,
        steps: Vec<Operation>,
        skipped: Vec<String>,
    ) -> Vec<Command> {
        if steps.is_empty() {
            self.nothing_to_do(skipped);
            return vec![];
        }
        let seq = self.next_seq();
        let count = steps.len();
        self.dialog = Some(Dialog::Confirm(ConfirmDialog {
            steps: steps.clone(),
            warnings: Vec::new(),
            plan: PlanState::Loading,
            plan_seq: seq,
            typed: Some((count.to_string(), tui_input::Input::default())),
            scroll: 0,
            read_only: self.session.read_only,
            bulk: Some(Bulk {
                calls: Vec::new(),
                skipped,
                stop_at_failure: false,
            }),
        }));
        vec![Command::PlanEach { seq, ops: steps }]
    }

    /// Every marked VM is left out: say why, and run nothing.
    fn nothing_to_do(&mut self, skipped: Vec<String>) {
        let mut lines = vec!["Nothing to do: every marked VM is left out.".to_string()];
        lines.extend(skipped);
        self.message("Nothing to run", lines, true);
    }

    /// Each target's plan: a refused one is skipped (with the platform's reason), the
    /// rest are what the count confirms.
    pub(in crate::app) fn on_plan_each(
        &mut self,
        seq: u64,
        results: Vec<Result<Vec<HttpCall>, BackendError>>,
    ) -> Vec<Command> {
        let Some(Dialog::Confirm(cd)) = self.dialog.as_mut() else {
            return vec![];
        };
        let Some(bulk) = cd.bulk.as_mut() else {
            return vec![];
        };
        if cd.plan_seq != seq || results.len() != cd.steps.len() {
            return vec![];
        }
        let mut kept = Vec::new();
        for (op, result) in std::mem::take(&mut cd.steps).into_iter().zip(results) {
            match result {
                Ok(calls) => {
                    bulk.calls.push((op.target(), calls));
                    kept.push(op);
                }
                Err(e) => bulk.skipped.push(format!("{}: {e}", op.target())),
            }
        }
        if kept.is_empty() {
            let skipped = std::mem::take(&mut bulk.skipped);
            self.nothing_to_do(skipped);
            return vec![];
        }
        cd.plan = PlanState::Ready(bulk.calls.iter().flat_map(|(_, c)| c.clone()).collect());
        cd.typed = Some((kept.len().to_string(), tui_input::Input::default()));
        cd.steps = kept;
        vec![]
    }

    /// Runs a confirmed bulk: one group row in Tasks, one task per VM under it.
    pub(in crate::app) fn execute_bulk(
        &mut self,
        steps: Vec<Operation>,
        stop_at_failure: bool,
    ) -> Vec<Command> {
        let n = steps.len();
        let title = steps.first().map_or("", |o| o.title());
        self.say(
            Level::Info,
            format!("{title} of {n} VMs started — follow it in Tasks (Enter opens the group)"),
        );
        let (group, steps) = self.tasks.add_group(steps, self.now);
        vec![Command::ExecuteBulk {
            group,
            steps,
            stop_at_failure,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_takes_the_vm_name_and_the_date() {
        let now: Timestamp = "2026-12-03T12:30:05Z".parse().unwrap();
        assert_eq!(
            snapshot_name(DEFAULT_PATTERN, "web-01", now),
            "pre-patch-web-01-20261203"
        );
        assert_eq!(snapshot_name("x-{time}", "a", now), "x-123005");
    }
}
