//! Create, edit, roll back (whole VM or chosen disks) and delete snapshots.

use super::stamp;
use crate::app::flows::Purpose;
use crate::app::form::{Field, Form};
use crate::app::{App, Level, flows};
use crate::fetcher::Command;
use crate::model::NodeKind;
use crate::operation::Operation;
use jiff::Timestamp;

use crate::model::{
    AgentState, Capabilities, Named, NodeId, Snapshot, SnapshotDeleteRule, SnapshotDisk,
    SnapshotRef, SnapshotTree, Vm, VmDetail, VmRef,
};

/// The volumes a snapshot (or a volume backup) can be of: "whole VM" first when
/// `whole_vm` (the platform groups a VM-level snapshot), then each volume. `(id, label)`;
/// the empty id is the whole VM.
pub fn volume_options(detail: Option<&VmDetail>, whole_vm: bool) -> Vec<(String, String)> {
    let mut options = Vec::new();
    if whole_vm {
        options.push((
            String::new(),
            "whole VM (one snapshot of each volume)".to_string(),
        ));
    }
    for d in detail.map(|d| d.disks.as_slice()).unwrap_or_default() {
        let role = if d.is_root { "root" } else { "data" };
        options.push((
            d.volume.id.clone(),
            volume_label(&d.volume.name, role, &d.device),
        ));
    }
    options
}

/// `volume` preselects a volume (the one whose tree the cursor is in).
pub fn create_form(
    vm: &Vm,
    detail: Option<&VmDetail>,
    caps: &Capabilities,
    volume: Option<&Named>,
    now: Timestamp,
) -> Form {
    let mut fields = vec![
        Field::text("name", "Name", format!("snap-{}", stamp(now))),
        Field::text("description", "Description", ""),
    ];
    if caps.volume_snapshots {
        let options = volume_options(detail, caps.snapshot_groups);
        let mut f = Field::choice("volume", "Of", options, volume.map(|v| v.id.as_str()));
        if detail.is_none() {
            f = f.with_hint("loading the VM's volumes…");
        }
        fields.push(f);
    }
    if caps.memory_snapshots {
        let mut memory = Field::toggle("memory", "Include memory state", false)
            .with_hint("saves the running state; usable once the dump has uploaded");
        if !vm.power.is_running() {
            memory = memory.disabled(format!(
                "needs a running VM; {} is {}",
                vm.name,
                vm.power.label()
            ));
        }
        fields.push(memory);
    }
    if caps.consistent_snapshots {
        let mut consistent = Field::toggle(
            "consistent",
            "File-system consistent",
            vm.agent == AgentState::Connected,
        )
        .with_hint(
            "the guest is quiesced first; otherwise crash consistent, like pulling the plug",
        );
        if vm.agent != AgentState::Connected {
            let now = match &vm.agent {
                AgentState::NotInstalled => "they are not installed".to_string(),
                other => format!("they are {}", other.label()),
            };
            consistent = consistent.disabled(format!(
                "needs the guest tools running in {}; {now}",
                vm.name
            ));
        }
        fields.push(consistent);
    }
    Form::new(format!("New snapshot of {}", vm.name), fields)
}

pub fn create(vm: &VmRef, form: &Form) -> Result<Vec<Operation>, String> {
    let name = form.text("name");
    check_name(&name)?;
    let volume = match form.choice("volume") {
        Some((id, _)) if id.is_empty() => None,
        Some((id, label)) => Some(Named::new(id, volume_name(&label))),
        None if form.has("volume") => {
            return Err("choose what to snapshot (the VM's volumes are still loading?)".into());
        }
        None => None,
    };
    Ok(vec![Operation::CreateSnapshot {
        vm: vm.clone(),
        name,
        description: form.text("description"),
        memory: form.toggle("memory"),
        consistent: form.toggle("consistent"),
        volume,
    }])
}

/// "data-vol (data, vdb)"; the device is left out when it says no more than the role.
pub fn volume_label(name: &str, role: &str, device: &str) -> String {
    if device.is_empty() || device.eq_ignore_ascii_case(role) {
        format!("{name} ({role})")
    } else {
        format!("{name} ({role}, {device})")
    }
}

/// "data-vol (data, vdb)" → "data-vol".
fn volume_name(label: &str) -> String {
    label
        .rsplit_once(" (")
        .map_or(label, |(n, _)| n)
        .to_string()
}

pub fn rebuild_form(vm: &Vm, snapshot: &Snapshot) -> Form {
    Form::new(
        format!("New VM from snapshot {}", snapshot.name),
        vec![
            Field::text(
                "new_vm_name",
                "New VM name",
                format!("{}-from-{}", vm.name, snapshot.name),
            ),
            Field::toggle("power_on", "Start it when built", false),
        ],
    )
    .with_intro(vec![format!(
        "Builds a new VM from the snapshot; {} itself is not touched.",
        vm.name
    )])
}

pub fn rebuild(vm: &VmRef, snapshot: &SnapshotRef, form: &Form) -> Result<Vec<Operation>, String> {
    let new_vm_name = form.text("new_vm_name");
    if new_vm_name.is_empty() {
        return Err("the new VM needs a name".into());
    }
    if new_vm_name == vm.name {
        return Err(format!(
            "{new_vm_name} is the name of the VM the snapshot is of; choose another"
        ));
    }
    Ok(vec![Operation::RebuildFromSnapshot {
        vm: vm.clone(),
        snapshot: snapshot.clone(),
        new_vm_name,
        power_on: form.toggle("power_on"),
    }])
}

pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the snapshot needs a name".into());
    }
    if name == "head" {
        return Err("\"head\" is reserved by the platform for the VM's current state".into());
    }
    if name.chars().any(char::is_control) {
        return Err("the name contains control characters".into());
    }
    Ok(())
}

pub fn edit_form(snapshot: &Snapshot) -> Form {
    Form::new(
        format!("Edit snapshot {}", snapshot.name),
        vec![Field::text(
            "description",
            "Description",
            snapshot.description.clone(),
        )],
    )
    .with_intro(vec!["Only the description can change.".into()])
}

pub fn edit(vm: &VmRef, snapshot: &SnapshotRef, form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::EditSnapshot {
        vm: vm.clone(),
        snapshot: snapshot.clone(),
        description: form.text("description"),
    }])
}

pub fn rollback_form(vm: &Vm, snapshot: &Snapshot, caps: &Capabilities, now: Timestamp) -> Form {
    let mut memory = Field::toggle(
        "memory",
        "Restore memory state",
        snapshot.memory == Some(true),
    )
    .with_hint("restarts the VM into the state saved with the snapshot");
    if !caps.memory_snapshots || snapshot.memory != Some(true) {
        memory = memory.disabled("this snapshot holds no memory state");
    }
    Form::new(
        format!("Roll back {} to {}", vm.name, snapshot.name),
        vec![
            Field::toggle(
                "safety",
                "Take a safety snapshot of the current state first",
                true,
            ),
            Field::text(
                "safety_name",
                "Safety snapshot name",
                format!("before-rollback-{}", stamp(now)),
            ),
            memory,
        ],
    )
    .with_intro(vec![
        format!("{} returns to snapshot \"{}\".", vm.name, snapshot.name),
        "Changes made since then are lost unless a snapshot keeps them.".into(),
    ])
}

pub fn rollback(
    vm: &VmRef,
    snapshot: &SnapshotRef,
    form: &Form,
    _now: Timestamp,
) -> Result<Vec<Operation>, String> {
    let mut steps = Vec::new();
    if form.toggle("safety") {
        let name = form.text("safety_name");
        check_name(&name).map_err(|e| format!("safety snapshot: {e}"))?;
        steps.push(Operation::CreateSnapshot {
            vm: vm.clone(),
            name,
            description: format!("taken by vmdeck before rolling back to {}", snapshot.name),
            memory: false,
            consistent: false,
            volume: snapshot.volume.clone(),
        });
    }
    steps.push(Operation::RollbackSnapshot {
        vm: vm.clone(),
        snapshot: snapshot.clone(),
        memory: form.toggle("memory"),
    });
    Ok(steps)
}

/// Per-disk rollback needs the capability (and a VM that is shut off, which the caller
/// offers to do first).
pub fn rollback_disks_form(
    vm: &Vm,
    snapshot: &Snapshot,
    caps: &Capabilities,
) -> Result<Form, String> {
    if !caps.per_disk_rollback {
        return Err("this platform cannot roll back single disks".into());
    }
    if snapshot.disks.is_empty() {
        return Err(format!("snapshot {} lists no disks", snapshot.name));
    }
    let fields = snapshot
        .disks
        .iter()
        .map(|d| Field::toggle(format!("disk.{}", d.device), d.device.clone(), true))
        .collect();
    Ok(Form::new(
        format!("Roll back disks of {} to {}", vm.name, snapshot.name),
        fields,
    )
    .with_intro(vec![
        "Only the chosen disks' data goes back; the VM configuration stays.".into(),
    ]))
}

pub fn rollback_disks(
    vm: &VmRef,
    snapshot: &SnapshotRef,
    disks: &[SnapshotDisk],
    form: &Form,
) -> Result<Vec<Operation>, String> {
    let chosen: Vec<SnapshotDisk> = disks
        .iter()
        .filter(|d| form.toggle(&format!("disk.{}", d.device)))
        .cloned()
        .collect();
    if chosen.is_empty() {
        return Err("choose at least one disk".into());
    }
    Ok(vec![Operation::RollbackDisks {
        vm: vm.clone(),
        snapshot: snapshot.clone(),
        disks: chosen,
    }])
}

/// Checks the platform's delete rule against the tree; returns the operation and the
/// warnings to show, or why it is refused.
pub fn delete(
    vm: &VmRef,
    tree: &SnapshotTree,
    node: NodeId,
    caps: &Capabilities,
) -> Result<(Vec<Operation>, Vec<String>), String> {
    let snapshot = tree
        .snapshot(node)
        .ok_or("choose a snapshot, not a marker")?;
    let children = tree.snapshot_children(node);
    let mut warnings = Vec::new();
    let mut descendants = 0;
    match caps.snapshot_delete {
        SnapshotDeleteRule::RefusedWithManyChildren if children > 1 => {
            return Err(format!(
                "Cannot delete {}: it has {children} child snapshots, and the platform deletes only snapshots with at most one child. Delete all but one of its children first.",
                snapshot.name
            ));
        }
        SnapshotDeleteRule::RemovesDescendants => {
            let below = tree.descendant_snapshots(node);
            descendants = below;
            if below > 0 {
                warnings.push(format!(
                    "{below} snapshot(s) below {} are deleted with it.",
                    snapshot.name
                ));
            }
        }
        _ => {}
    }
    if tree.current_snapshot() == Some(node) {
        warnings.push(format!(
            "The VM currently sits on {}; its data stays, only the restore point goes.",
            snapshot.name
        ));
    }
    Ok((
        vec![Operation::DeleteSnapshot {
            vm: vm.clone(),
            snapshot: snapshot.to_ref(),
            descendants,
        }],
        warnings,
    ))
}

impl App {
    pub(in crate::app) fn selected_snapshot_or_say(&mut self) -> Option<(NodeId, Snapshot)> {
        match self.snapshots.selected_snapshot() {
            Some((n, s)) => Some((n, s.clone())),
            None => {
                self.say(Level::Warn, "select a snapshot first");
                None
            }
        }
    }

    /// The volume whose snapshots the cursor is among: the selected snapshot's, or the
    /// first snapshot's under the selected heading.
    fn volume_under_cursor(&self) -> Option<Named> {
        let tree = self.snapshots.tree.as_ref()?;
        let node = self.snapshots.selected_node()?;
        if let Some(s) = tree.snapshot(node) {
            return s.volume.clone();
        }
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            let n = tree.node(n)?;
            if let NodeKind::Snapshot(s) = &n.kind {
                return s.volume.clone();
            }
            stack.extend(n.children.iter().rev());
        }
        None
    }

    pub(in crate::app) fn start_create_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let volume = self.volume_under_cursor();
        let form = flows::snapshot::create_form(
            &vm,
            self.chosen_detail(),
            self.caps(),
            volume.as_ref(),
            self.wall,
        );
        self.open_form(form, Purpose::CreateSnapshot { vm: vmref });
        vec![]
    }

    pub(in crate::app) fn start_edit_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        self.open_form(
            flows::snapshot::edit_form(&snap),
            Purpose::EditSnapshot {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        );
        vec![]
    }

    pub(in crate::app) fn start_rollback(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        if self.caps().rollback_requires_stopped && !vm.power.is_stopped() {
            let why = format!(
                "The platform reverts only a stopped VM; {} is {}.",
                vm.name,
                vm.power.label()
            );
            self.offer_stop(&vmref, &vm, "Cannot revert yet", why);
            return vec![];
        }
        let form = flows::snapshot::rollback_form(&vm, &snap, self.caps(), self.wall);
        self.open_form(
            form,
            Purpose::Rollback {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        );
        vec![]
    }

    pub(in crate::app) fn start_rollback_disks(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        if self.caps().per_disk_rollback && !vm.power.is_stopped() {
            let why = format!(
                "Per-disk rollback needs the VM shut off; {} is {}.",
                vm.name,
                vm.power.label()
            );
            self.offer_stop(&vmref, &vm, "Cannot roll back disks yet", why);
            return vec![];
        }
        match flows::snapshot::rollback_disks_form(&vm, &snap, self.caps()) {
            Ok(form) => self.open_form(
                form,
                Purpose::RollbackDisks {
                    vm: vmref,
                    snapshot: snap.to_ref(),
                    disks: snap.disks.clone(),
                },
            ),
            Err(why) => self.message("Cannot roll back disks", vec![why], true),
        }
        vec![]
    }

    pub(in crate::app) fn start_rebuild(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        self.open_form(
            flows::snapshot::rebuild_form(&vm, &snap),
            Purpose::Rebuild {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        );
        vec![]
    }

    pub(in crate::app) fn start_delete_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let Some((node, _)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        let Some(tree) = self.snapshots.tree.as_ref() else {
            return vec![];
        };
        match flows::snapshot::delete(&vmref, tree, node, self.caps()) {
            Ok((steps, warnings)) => self.confirm(steps, warnings),
            Err(why) => {
                self.message("Cannot delete snapshot", vec![why], true);
                vec![]
            }
        }
    }
}
