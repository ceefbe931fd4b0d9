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
use crate::model::{
    BackupPoint, Capabilities, NodeId, SnapshotDeleteRule, SnapshotRef, SnapshotTree, Vm, VmRef,
};
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

pub fn rollback_form(n: usize, caps: &Capabilities) -> Form {
    let mut intro = vec![
        "Each marked VM returns to its own snapshot of this name; a VM that has none, or more than one, is left out and said so.".into(),
        "No safety snapshot is taken: snapshot them first (c) to keep their current state.".into(),
    ];
    if caps.rollback_requires_stopped {
        intro.push("The platform reverts only stopped VMs: running ones are left out.".into());
    }
    Form::new(
        format!("Roll back {n} marked VMs"),
        vec![
            Field::text("pattern", "Snapshot name", DEFAULT_PATTERN).with_hint(
                "{vm} the VM's name, {date} today (yyyymmdd): e.g. pre-patch-{vm}-20261203",
            ),
        ],
    )
    .with_intro(intro)
}

/// Each VM's snapshot name, to be looked up; running VMs are left out where the platform
/// reverts only stopped ones.
pub fn rollbacks(
    vms: &[Vm],
    form: &Form,
    caps: &Capabilities,
    now: Timestamp,
) -> Result<Submitted, String> {
    let pattern = form.text("pattern");
    if pattern.trim().is_empty() {
        return Err("enter the snapshots' name".into());
    }
    let (mut targets, mut skipped) = (Vec::new(), Vec::new());
    for vm in vms {
        if caps.rollback_requires_stopped && !vm.power.is_stopped() {
            skipped.push(format!(
                "{}: {}, and the platform reverts only stopped VMs (stop it first)",
                vm.name,
                vm.power.label()
            ));
            continue;
        }
        targets.push((vm.to_ref(), snapshot_name(pattern.trim(), &vm.name, now)));
    }
    Ok(Submitted::FindSnapshots { targets, skipped })
}

/// The marked snapshots of one VM as deletes, children before parents (the order
/// `SnapshotsPane::marked` gives). Left out, with the reason: a snapshot the platform
/// deletes anyway with a marked ancestor, and one with more children than the platform
/// allows once the marked ones are gone.
pub fn snapshot_deletes(
    vm: &VmRef,
    tree: &SnapshotTree,
    marked: &[NodeId],
    caps: &Capabilities,
) -> (Vec<Operation>, Vec<String>) {
    let set: std::collections::HashSet<NodeId> = marked.iter().copied().collect();
    let (mut steps, mut skipped) = (Vec::new(), Vec::new());
    for &n in marked {
        let Some(s) = tree.snapshot(n) else {
            continue;
        };
        let mut descendants = 0;
        match caps.snapshot_delete {
            SnapshotDeleteRule::RemovesDescendants => {
                let above = tree.ancestors(n).into_iter().find(|a| set.contains(a));
                if let Some(a) = above.and_then(|a| tree.snapshot(a)) {
                    skipped.push(format!("{}: deleted with {}, marked too", s.name, a.name));
                    continue;
                }
                descendants = tree.descendant_snapshots(n);
            }
            SnapshotDeleteRule::RefusedWithManyChildren => {
                let staying = tree.nodes[n]
                    .children
                    .iter()
                    .filter(|c| tree.snapshot(**c).is_some() && !set.contains(c))
                    .count();
                if staying > 1 {
                    skipped.push(format!(
                        "{}: {staying} of its child snapshots stay, and the platform deletes only snapshots with at most one child",
                        s.name
                    ));
                    continue;
                }
            }
            _ => {}
        }
        steps.push(Operation::DeleteSnapshot {
            vm: vm.clone(),
            snapshot: s.to_ref(),
            descendants,
        });
    }
    (steps, skipped)
}

/// What a bulk's targets are, for its preview and its row in Tasks.
pub fn noun(steps: &[Operation]) -> &'static str {
    if !steps.is_empty()
        && steps
            .iter()
            .all(|o| matches!(o, Operation::DeleteSnapshot { .. }))
    {
        "snapshots"
    } else {
        "VMs"
    }
}

/// A bulk rollback waiting for its VMs' snapshots to be found.
#[derive(Clone, Debug)]
pub struct Finding {
    seq: u64,
    targets: Vec<(VmRef, String)>,
    skipped: Vec<String>,
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

    /// `R` in VMs: roll every marked VM back to its snapshot of one name.
    pub(in crate::app) fn start_bulk_rollback(&mut self) -> Vec<Command> {
        let Some(vms) = self.marked_vms() else {
            self.say(
                Level::Info,
                "mark VMs first (Space), or roll back one VM from the Snapshots pane",
            );
            return vec![];
        };
        self.open_form(
            rollback_form(vms.len(), self.caps()),
            Purpose::BulkRollback { vms },
        );
        vec![]
    }

    pub(in crate::app) fn find_snapshots(
        &mut self,
        targets: Vec<(VmRef, String)>,
        skipped: Vec<String>,
    ) -> Vec<Command> {
        if targets.is_empty() {
            self.nothing_to_do(skipped);
            return vec![];
        }
        let seq = self.next_seq();
        self.say(
            Level::Info,
            format!("looking up the snapshots of {} VMs…", targets.len()),
        );
        self.finding = Some(Finding {
            seq,
            targets: targets.clone(),
            skipped,
        });
        vec![Command::FindSnapshots { seq, targets }]
    }

    /// Each VM's match becomes its rollback; none, several, or an unreadable tree leave it
    /// out with the reason. Then the bulk preview, as for any bulk.
    pub(in crate::app) fn on_snapshots_found(
        &mut self,
        seq: u64,
        found: Vec<Result<Vec<SnapshotRef>, BackendError>>,
    ) -> Vec<Command> {
        let Some(finding) = self.finding.take_if(|f| f.seq == seq) else {
            return vec![];
        };
        if self.dialog.is_some() || found.len() != finding.targets.len() {
            return vec![];
        }
        let (mut steps, mut skipped) = (Vec::new(), finding.skipped);
        for ((vm, name), result) in finding.targets.into_iter().zip(found) {
            match result {
                Ok(mut hits) if hits.len() == 1 => steps.push(Operation::RollbackSnapshot {
                    vm,
                    snapshot: hits.remove(0),
                    memory: false,
                }),
                Ok(hits) if hits.is_empty() => {
                    skipped.push(format!("{}: no snapshot named {name}", vm.name))
                }
                Ok(hits) => skipped.push(format!(
                    "{}: {} snapshots named {name}; roll it back on its own (Snapshots pane)",
                    vm.name,
                    hits.len()
                )),
                Err(e) => {
                    skipped.push(format!("{}: its snapshots could not be read: {e}", vm.name))
                }
            }
        }
        self.confirm_bulk(steps, skipped)
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

    /// `d` in Snapshots with marks: delete the marked snapshots of this VM, one at a time.
    pub(in crate::app) fn start_bulk_delete_snapshots(&mut self) -> Vec<Command> {
        let (Some(vm), Some(tree)) = (self.snapshots.vm.clone(), self.snapshots.tree.as_ref())
        else {
            return vec![];
        };
        let marked = self.snapshots.marked();
        let (steps, skipped) = snapshot_deletes(&vm, tree, &marked, self.caps());
        self.confirm_bulk(steps, skipped)
    }

    /// Every marked target is left out: say why, and run nothing.
    fn nothing_to_do(&mut self, skipped: Vec<String>) {
        let mut lines = vec!["Nothing to do: every marked one is left out.".to_string()];
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
        let what = noun(&steps);
        self.say(
            Level::Info,
            format!("{title} of {n} {what} started — follow it in Tasks (Enter opens the group)"),
        );
        // One VM's snapshots go one after another: its platform works on a VM's snapshot
        // chain one change at a time.
        let limit = (what == "snapshots").then_some(1);
        let (group, steps) = self.tasks.add_group(steps, self.now);
        vec![Command::ExecuteBulk {
            group,
            steps,
            stop_at_failure,
            limit,
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
