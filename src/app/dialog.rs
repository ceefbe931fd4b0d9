//! Modal dialogs: operation forms, the preview-and-confirm step, help, messages and the
//! remote-backup browser. Drawing is in `ui::{form, confirm, help, message, remote}`.

use std::collections::BTreeSet;

use tui_input::Input;

use super::cursor::Cursor;
use super::flows::Purpose;
use super::form::Form;
use crate::backend::HttpCall;
use crate::model::{Named, Page, PageRequest, RemoteBackup};
use crate::operation::Operation;

pub enum Dialog {
    Help { scroll: u16 },
    Form(FormDialog),
    Confirm(ConfirmDialog),
    Message(Message),
    Remote(RemoteDialog),
    Plans(PlansDialog),
    Console(ConsoleDialog),
    Journal(super::journal::JournalView),
}

/// `v`: a VM's console access, read through the fetcher.
pub struct ConsoleDialog {
    pub vm: crate::model::VmRef,
    pub access: Option<crate::model::ConsoleAccess>,
    pub error: Option<String>,
    pub seq: u64,
    /// The token is on screen (`s`); hidden until asked, as the clipboard has it whole.
    pub reveal: bool,
}

impl ConsoleDialog {
    /// The URL carries a token to hide (a SPICE address has none: `s` has nothing to do).
    pub fn has_token(&self) -> bool {
        self.access
            .as_ref()
            .is_some_and(|a| crate::model::hide_token(&a.url) != a.url)
    }
}

/// A cluster's backup plans: Enter lists what a plan made, `x` runs it now.
pub struct PlansDialog {
    pub cluster: Named,
    pub plans: Vec<crate::model::BackupPlan>,
    pub cursor: Cursor,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
}

impl PlansDialog {
    pub fn selected(&self) -> Option<&crate::model::BackupPlan> {
        self.plans.get(self.cursor.selected())
    }
}

pub struct FormDialog {
    pub form: Form,
    pub purpose: Purpose,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanState {
    Loading,
    Ready(Vec<HttpCall>),
    /// The backend refused to plan it (a platform rule); the reason says why.
    Refused(String),
}

/// The last step before an operation runs: what, to which target, the exact HTTP calls,
/// and for rollbacks and deletes the target's name typed by hand.
pub struct ConfirmDialog {
    pub steps: Vec<Operation>,
    pub warnings: Vec<String>,
    pub plan: PlanState,
    pub plan_seq: u64,
    /// `(expected, typed so far)` when the name must be typed.
    pub typed: Option<(String, Input)>,
    pub scroll: u16,
    pub read_only: bool,
    /// A bulk over the marked VMs: `steps` are one per VM, the count is typed.
    pub bulk: Option<Bulk>,
}

/// What a bulk preview shows beyond its steps.
#[derive(Default)]
pub struct Bulk {
    /// Each target's calls, once planned.
    pub calls: Vec<(String, Vec<HttpCall>)>,
    /// "VM: why" for each marked VM left out.
    pub skipped: Vec<String>,
    /// `Tab`: the first failure cancels the VMs not sent yet (off: the others go on).
    pub stop_at_failure: bool,
}

impl ConfirmDialog {
    /// The operation that matters (the last step; earlier ones are safety steps).
    pub fn main(&self) -> Option<&Operation> {
        self.steps.last()
    }

    pub fn name_matches(&self) -> bool {
        self.typed
            .as_ref()
            .is_none_or(|(expected, input)| input.value() == expected)
    }

    /// Why Enter would not run it yet, if anything.
    pub fn blocked_reason(&self) -> Option<String> {
        if self.read_only {
            return Some("this profile is read-only: nothing can be changed".into());
        }
        match &self.plan {
            PlanState::Loading => return Some("preparing the preview…".into()),
            PlanState::Refused(r) => return Some(r.clone()),
            PlanState::Ready(_) => {}
        }
        if !self.name_matches() {
            return self
                .typed
                .as_ref()
                .map(|(expected, _)| format!("type {expected} to confirm"));
        }
        None
    }
}

pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
    pub error: bool,
    /// A follow-up the message offers on a key (e.g. stop the VM first).
    pub offer: Option<Offer>,
}

/// "Press `key` to `label`": opens `form`.
pub struct Offer {
    pub key: char,
    pub label: String,
    pub form: Box<FormDialog>,
}

/// Backups found on a backup point, with the ones marked for import.
pub struct RemoteDialog {
    pub cluster: Named,
    pub point: Named,
    pub request: PageRequest,
    pub page: Option<Page<RemoteBackup>>,
    pub cursor: Cursor,
    pub marked: BTreeSet<String>,
    /// Marked backups, kept across pages.
    pub chosen: Vec<RemoteBackup>,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
}

impl RemoteDialog {
    pub fn selected(&self) -> Option<&RemoteBackup> {
        self.page
            .as_ref()
            .and_then(|p| p.items.get(self.cursor.selected()))
    }

    pub fn toggle_selected(&mut self) {
        let Some(b) = self.selected().cloned() else {
            return;
        };
        if self.marked.remove(&b.id) {
            self.chosen.retain(|c| c.id != b.id);
        } else {
            self.marked.insert(b.id.clone());
            self.chosen.push(b);
        }
    }
}
