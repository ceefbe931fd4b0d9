//! Application state and `update`. Plain data and pure functions: keys and fetcher events
//! go in, `Command`s for the fetcher come out. No I/O, no terminal — unit-testable.

pub mod action;
pub mod cursor;
pub mod dialog;
pub mod flows;
pub mod form;
pub mod keymap;
pub mod panes;
pub mod snapshots;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::Timestamp;
use tui_input::backend::crossterm::EventHandler;

pub use action::Action;
use dialog::{ConfirmDialog, Dialog, FormDialog, Message, PlanState, RemoteDialog};
use flows::{Purpose, Submitted};
use form::FormOutcome;
pub use keymap::Keymap;
use panes::{BackupsPane, ClustersPane, TasksPane, VmsPane};
use snapshots::SnapshotsPane;

use crate::backend::BackendError;
use crate::fetcher::{Command, Event};
use crate::model::{
    BackupQuery, BackupScope, Capabilities, ClusterState, Named, PageRequest, Platform, TaskState,
    VmRef,
};
use crate::operation::Operation;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Clusters,
    Vms,
    Snapshots,
    Backups,
    Tasks,
}

impl Pane {
    pub const ORDER: [Pane; 5] = [
        Pane::Clusters,
        Pane::Vms,
        Pane::Snapshots,
        Pane::Backups,
        Pane::Tasks,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Clusters => "Clusters",
            Pane::Vms => "VMs",
            Pane::Snapshots => "Snapshots",
            Pane::Backups => "Backups",
            Pane::Tasks => "Tasks",
        }
    }
}

/// Who we are connected to, for the status bar and for capability checks.
#[derive(Clone, Debug)]
pub struct Session {
    pub profile: String,
    pub platform: Platform,
    pub endpoint: String,
    pub user: String,
    pub read_only: bool,
    pub caps: Capabilities,
    pub backup_page_size: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Clone, Debug)]
pub struct StatusLine {
    pub text: String,
    pub level: Level,
    pub at: Instant,
}

/// Whether the platform answered lately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected,
    Unreachable(String),
}

/// The pseudo-cluster that lists every cluster at once.
pub fn all_clusters() -> Named {
    Named::new("", "All clusters")
}

pub struct App {
    pub session: Session,
    pub keymap: Keymap,
    pub focus: Pane,
    pub clusters: ClustersPane,
    pub vms: VmsPane,
    pub snapshots: SnapshotsPane,
    pub backups: BackupsPane,
    pub tasks: TasksPane,
    pub dialog: Option<Dialog>,
    pub status: Option<StatusLine>,
    pub connection: Connection,
    pub last_refresh: Option<Timestamp>,
    /// Time used for elapsed times and spinners (set by ticks; fixed in tests).
    pub now: Instant,
    /// Wall clock used for default names and "last refresh".
    pub wall: Timestamp,
    /// Time zone for displayed times.
    pub tz: jiff::tz::TimeZone,
    /// Restore choices of the cluster the restore form is for.
    restore_choices: Option<(String, crate::model::RestoreChoices)>,
    choices_seq: u64,
    seq: u64,
    pub quit: bool,
    last_detail_poll: Option<Instant>,
}

impl App {
    pub fn new(session: Session) -> Self {
        let page = session.backup_page_size;
        Self {
            session,
            keymap: Keymap::default(),
            focus: Pane::Clusters,
            clusters: ClustersPane::default(),
            vms: VmsPane::default(),
            snapshots: SnapshotsPane::default(),
            backups: BackupsPane::new(page),
            tasks: TasksPane::default(),
            dialog: None,
            status: None,
            connection: Connection::Connecting,
            last_refresh: None,
            now: Instant::now(),
            wall: Timestamp::now(),
            tz: jiff::tz::TimeZone::system(),
            restore_choices: None,
            choices_seq: 0,
            seq: 0,
            quit: false,
            last_detail_poll: None,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The first loads: clusters, and every cluster's VMs (so a failing cluster shows up).
    pub fn start(&mut self) -> Vec<Command> {
        let mut cmds = self.load_clusters();
        cmds.extend(self.choose_cluster(all_clusters()));
        cmds
    }

    pub fn caps(&self) -> &Capabilities {
        &self.session.caps
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            level,
            at: self.now,
        });
    }

    fn message(&mut self, title: &str, lines: Vec<String>, error: bool) {
        self.dialog = Some(Dialog::Message(Message {
            title: title.to_string(),
            lines,
            error,
        }));
    }

    // ---------------------------------------------------------------- loads

    fn load_clusters(&mut self) -> Vec<Command> {
        let seq = self.next_seq();
        self.clusters.seq = seq;
        self.clusters.loading = true;
        vec![Command::LoadClusters { seq }]
    }

    fn load_vms(&mut self) -> Vec<Command> {
        let Some(cluster) = self.vms.cluster.clone() else {
            return vec![];
        };
        let seq = self.next_seq();
        self.vms.seq = seq;
        self.vms.loading = true;
        vec![Command::LoadVms { seq, cluster }]
    }

    fn load_chosen_vm(&mut self) -> Vec<Command> {
        let Some(vm) = self.vms.chosen.clone() else {
            return vec![];
        };
        let snap_seq = self.next_seq();
        self.snapshots.seq = snap_seq;
        self.snapshots.loading = true;
        let detail_seq = self.next_seq();
        self.vms.detail_seq = detail_seq;
        vec![
            Command::LoadSnapshots {
                seq: snap_seq,
                vm: vm.clone(),
            },
            Command::LoadVmDetail {
                seq: detail_seq,
                vm,
            },
        ]
    }

    fn load_backups(&mut self) -> Vec<Command> {
        let Some(scope) = self.backups.scope.clone() else {
            return vec![];
        };
        let seq = self.next_seq();
        self.backups.seq = seq;
        self.backups.loading = true;
        vec![Command::LoadBackups {
            seq,
            query: BackupQuery {
                scope,
                page: self.backups.request,
                filter: self.backups.filter.clone(),
            },
        }]
    }

    fn load_points(&mut self, cluster: Named) -> Vec<Command> {
        if !self.caps().backup_points || cluster.id.is_empty() {
            return vec![];
        }
        let seq = self.next_seq();
        self.backups.points_seq = seq;
        vec![Command::LoadBackupPoints { seq, cluster }]
    }

    fn refresh(&mut self) -> Vec<Command> {
        let mut cmds = self.load_clusters();
        cmds.extend(self.load_vms());
        cmds.extend(self.load_chosen_vm());
        cmds.extend(self.load_backups());
        self.say(Level::Info, "refreshing…");
        cmds
    }

    fn choose_cluster(&mut self, cluster: Named) -> Vec<Command> {
        if self.vms.cluster.as_ref() != Some(&cluster) {
            self.vms.items.clear();
            self.vms.total = 0;
            self.vms.cursor.reset();
            self.vms.failures.clear();
        }
        self.vms.cluster = Some(cluster);
        self.vms.error = None;
        self.load_vms()
    }

    fn choose_vm(&mut self, vm: VmRef) -> Vec<Command> {
        let same = self.vms.chosen.as_ref().map(|v| &v.id) == Some(&vm.id);
        if !same {
            self.snapshots.clear(Some(vm.clone()));
            self.vms.detail = None;
            self.backups.page = None;
            self.backups.cursor.reset();
            self.backups.request.index = 0;
        }
        self.vms.chosen = Some(vm.clone());
        self.snapshots.vm = Some(vm.clone());
        self.backups.scope = Some(BackupScope::Vm {
            cluster: vm.cluster.clone(),
            vm: Named::new(vm.id.clone(), vm.name.clone()),
        });
        let mut cmds = self.load_chosen_vm();
        cmds.extend(self.load_backups());
        if self.backups.points.is_empty() || !same {
            cmds.extend(self.load_points(vm.cluster.clone()));
        }
        cmds
    }

    // ---------------------------------------------------------------- input

    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        if self.dialog.is_some() {
            return self.dialog_key(key);
        }
        let k = keymap::Key::from_event(&key);
        match self.keymap.action(self.focus, k) {
            Some(action) => self.update(action),
            None => vec![],
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => {
                self.quit = true;
                vec![]
            }
            Action::Help => {
                self.dialog = Some(Dialog::Help { scroll: 0 });
                vec![]
            }
            Action::Refresh => self.refresh(),
            Action::FocusNext | Action::FocusPrev => {
                let i = Pane::ORDER
                    .iter()
                    .position(|p| *p == self.focus)
                    .unwrap_or(0);
                let n = Pane::ORDER.len();
                let j = if action == Action::FocusNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.focus = Pane::ORDER[j];
                vec![]
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                self.move_cursor(action);
                vec![]
            }
            Action::Enter => self.enter(),
            Action::Back => {
                self.focus = match self.focus {
                    Pane::Clusters => Pane::Clusters,
                    Pane::Vms => Pane::Clusters,
                    Pane::Snapshots | Pane::Backups | Pane::Tasks => Pane::Vms,
                };
                vec![]
            }
            Action::Collapse => {
                let mut st = self.snapshots.state.borrow_mut();
                if !st.key_left() {
                    drop(st);
                    self.focus = Pane::Vms;
                }
                vec![]
            }
            Action::Expand => {
                self.snapshots.state.borrow_mut().key_right();
                vec![]
            }
            Action::CreateSnapshot => self.start_create_snapshot(),
            Action::EditSnapshot => self.start_edit_snapshot(),
            Action::Rollback => self.start_rollback(),
            Action::RollbackDisks => self.start_rollback_disks(),
            Action::DeleteSnapshot => self.start_delete_snapshot(),
            Action::CreateBackup => self.start_create_backup(),
            Action::DeleteBackup => self.start_delete_backup(),
            Action::RestoreBackup => self.start_restore(),
            Action::RemoteBackups => self.start_remote(),
            Action::FilterBackups => {
                let form = flows::backup::filter_form(&self.backups.filter, &self.backups.points);
                self.dialog = Some(Dialog::Form(FormDialog {
                    form,
                    purpose: Purpose::FilterBackups,
                }));
                vec![]
            }
            Action::ToggleBackupScope => self.toggle_backup_scope(),
            Action::NextPage | Action::PrevPage | Action::FirstPage | Action::LastPage => {
                self.turn_page(action)
            }
            Action::ClearFinishedTasks => {
                self.tasks.clear_finished();
                vec![]
            }
        }
    }

    fn move_cursor(&mut self, action: Action) {
        match self.focus {
            Pane::Clusters => {
                let n = self.clusters.items.len() + 1;
                self.clusters.cursor.apply(action, n);
            }
            Pane::Vms => {
                self.vms.cursor.apply(action, self.vms.items.len());
            }
            Pane::Snapshots => {
                let mut st = self.snapshots.state.borrow_mut();
                match action {
                    Action::Up => {
                        st.key_up();
                    }
                    Action::Down => {
                        st.key_down();
                    }
                    Action::Top => {
                        st.select_first();
                    }
                    Action::Bottom => {
                        st.select_last();
                    }
                    Action::PageUp => {
                        st.select_relative(|cur| cur.map_or(0, |c| c.saturating_sub(10)));
                    }
                    Action::PageDown => {
                        st.select_relative(|cur| cur.map_or(0, |c| c.saturating_add(10)));
                    }
                    _ => {}
                }
            }
            Pane::Backups => {
                let n = self.backups.page.as_ref().map_or(0, |p| p.items.len());
                self.backups.cursor.apply(action, n);
            }
            Pane::Tasks => {
                self.tasks.cursor.apply(action, self.tasks.items.len());
            }
        }
    }

    /// The cluster under the cursor; row 0 of the Clusters pane is "All clusters".
    pub fn cluster_under_cursor(&self) -> Option<Named> {
        match self.clusters.cursor.selected() {
            0 => Some(all_clusters()),
            i => self
                .clusters
                .items
                .get(i - 1)
                .map(|c| Named::new(c.id.clone(), c.name.clone())),
        }
    }

    fn enter(&mut self) -> Vec<Command> {
        match self.focus {
            Pane::Clusters => {
                let Some(cluster) = self.cluster_under_cursor() else {
                    return vec![];
                };
                if let Some(c) = self.clusters.items.iter().find(|c| c.id == cluster.id)
                    && let ClusterState::Failed(why) = &c.state
                {
                    self.say(Level::Warn, format!("{} reports a failure: {why}", c.name));
                }
                self.focus = Pane::Vms;
                self.choose_cluster(cluster)
            }
            Pane::Vms => {
                let Some(vm) = self.vms.selected().map(|v| v.to_ref()) else {
                    return vec![];
                };
                self.focus = Pane::Snapshots;
                self.choose_vm(vm)
            }
            _ => vec![],
        }
    }

    fn toggle_backup_scope(&mut self) -> Vec<Command> {
        let next = match &self.backups.scope {
            Some(BackupScope::Vm { cluster, .. }) if self.caps().cluster_backups => {
                Some(BackupScope::Cluster {
                    cluster: cluster.clone(),
                })
            }
            Some(BackupScope::Cluster { .. }) => {
                self.vms.chosen.as_ref().map(|vm| BackupScope::Vm {
                    cluster: vm.cluster.clone(),
                    vm: Named::new(vm.id.clone(), vm.name.clone()),
                })
            }
            None => self
                .vms
                .cluster
                .clone()
                .filter(|_| self.caps().cluster_backups)
                .map(|cluster| BackupScope::Cluster { cluster }),
            _ => None,
        };
        match next {
            Some(scope) => {
                self.backups.scope = Some(scope);
                self.backups.request.index = 0;
                self.backups.cursor.reset();
                self.load_backups()
            }
            None => {
                self.say(
                    Level::Warn,
                    "choose a VM (Enter in VMs) to list its backups",
                );
                vec![]
            }
        }
    }

    fn turn_page(&mut self, action: Action) -> Vec<Command> {
        let pages = self.backups.page_count();
        let cur = self.backups.request.index;
        let next = match action {
            Action::NextPage => (cur + 1).min(pages.saturating_sub(1)),
            Action::PrevPage => cur.saturating_sub(1),
            Action::FirstPage => 0,
            Action::LastPage => pages.saturating_sub(1),
            _ => cur,
        };
        if next == cur && self.backups.page.is_some() {
            return vec![];
        }
        self.backups.request.index = next;
        self.backups.cursor.reset();
        self.load_backups()
    }

    // ---------------------------------------------------------------- operations

    fn require_vm(&mut self) -> Option<(VmRef, crate::model::Vm)> {
        let vm = self.vms.chosen.clone();
        let row = self.vms.chosen_vm().cloned().or_else(|| {
            self.vms
                .detail
                .as_ref()
                .filter(|d| Some(&d.vm.id) == vm.as_ref().map(|v| &v.id))
                .map(|d| d.vm.clone())
        });
        match (vm, row) {
            (Some(r), Some(v)) => Some((r, v)),
            _ => {
                self.say(Level::Warn, "choose a VM first (Enter on a VM)");
                None
            }
        }
    }

    fn start_create_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let form = flows::snapshot::create_form(&vm, self.caps(), self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::CreateSnapshot { vm: vmref },
        }));
        vec![]
    }

    fn selected_snapshot_or_say(
        &mut self,
    ) -> Option<(crate::model::NodeId, crate::model::Snapshot)> {
        match self.snapshots.selected_snapshot() {
            Some((n, s)) => Some((n, s.clone())),
            None => {
                self.say(Level::Warn, "select a snapshot first");
                None
            }
        }
    }

    fn start_edit_snapshot(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        if !self.caps().edit_snapshot_description {
            self.say(
                Level::Warn,
                "this platform cannot change a snapshot's description",
            );
            return vec![];
        }
        self.dialog = Some(Dialog::Form(FormDialog {
            form: flows::snapshot::edit_form(&snap),
            purpose: Purpose::EditSnapshot {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        }));
        vec![]
    }

    fn start_rollback(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        let form = flows::snapshot::rollback_form(&vm, &snap, self.caps(), self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::Rollback {
                vm: vmref,
                snapshot: snap.to_ref(),
            },
        }));
        vec![]
    }

    fn start_rollback_disks(&mut self) -> Vec<Command> {
        let Some((vmref, vm)) = self.require_vm() else {
            return vec![];
        };
        let Some((_, snap)) = self.selected_snapshot_or_say() else {
            return vec![];
        };
        match flows::snapshot::rollback_disks_form(&vm, &snap, self.caps()) {
            Ok(form) => {
                self.dialog = Some(Dialog::Form(FormDialog {
                    form,
                    purpose: Purpose::RollbackDisks {
                        vm: vmref,
                        snapshot: snap.to_ref(),
                        disks: snap.disks.clone(),
                    },
                }));
            }
            Err(why) => self.message("Cannot roll back disks", vec![why], true),
        }
        vec![]
    }

    fn start_delete_snapshot(&mut self) -> Vec<Command> {
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

    fn start_create_backup(&mut self) -> Vec<Command> {
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let form = flows::backup::create_form(&vmref, &self.backups.points, self.caps(), self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::CreateBackup { vm: vmref.clone() },
        }));
        if self.backups.points.is_empty() {
            return self.load_points(vmref.cluster);
        }
        vec![]
    }

    fn selected_backup_or_say(&mut self) -> Option<crate::model::Backup> {
        let b = self.backups.selected().cloned();
        if b.is_none() {
            self.say(Level::Warn, "select a backup first");
        }
        b
    }

    fn start_delete_backup(&mut self) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        let mut warnings = Vec::new();
        if b.status == crate::model::BackupStatus::InProgress {
            warnings.push("This backup is still being written.".into());
        }
        self.confirm(
            vec![Operation::DeleteBackup { backup: b.to_ref() }],
            warnings,
        )
    }

    fn start_restore(&mut self) -> Vec<Command> {
        if !self.caps().restore_to_new_vm {
            self.say(
                Level::Warn,
                "this platform cannot restore a backup to a new VM",
            );
            return vec![];
        }
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        if b.status != crate::model::BackupStatus::Done {
            self.message(
                "Cannot restore",
                vec![format!(
                    "Backup {} is {}; only finished backups can be restored.",
                    b.name,
                    b.status.label()
                )],
                true,
            );
            return vec![];
        }
        let detail = self.vms.detail.as_ref().filter(|d| d.vm.id == b.vm.id);
        let choices = self
            .restore_choices
            .as_ref()
            .filter(|(c, _)| *c == b.cluster.id)
            .map(|(_, ch)| ch);
        let form = flows::backup::restore_form(&b, detail, choices, self.wall);
        self.dialog = Some(Dialog::Form(FormDialog {
            form,
            purpose: Purpose::Restore { backup: b.to_ref() },
        }));
        let seq = self.next_seq();
        self.choices_seq = seq;
        vec![Command::LoadRestoreChoices {
            seq,
            cluster: b.cluster.clone(),
        }]
    }

    fn start_remote(&mut self) -> Vec<Command> {
        if !self.caps().remote_backups {
            self.say(Level::Warn, "this platform has no remote backups to import");
            return vec![];
        }
        let cluster = self
            .backups
            .scope
            .as_ref()
            .map(|s| s.cluster().clone())
            .or_else(|| self.vms.cluster.clone())
            .filter(|c| !c.id.is_empty());
        let Some(cluster) = cluster else {
            self.say(
                Level::Warn,
                "choose a cluster first: remote backups belong to a cluster",
            );
            return vec![];
        };
        self.dialog = Some(Dialog::Form(FormDialog {
            form: flows::backup::remote_point_form(&self.backups.points),
            purpose: Purpose::ChooseRemotePoint {
                cluster: cluster.clone(),
            },
        }));
        self.load_points(cluster)
    }

    /// Opens the preview for these steps and asks the backend for the exact calls.
    fn confirm(&mut self, steps: Vec<Operation>, warnings: Vec<String>) -> Vec<Command> {
        let typed = steps
            .last()
            .and_then(|op| op.typed_confirmation())
            .map(|name| (name.to_string(), tui_input::Input::default()));
        let seq = self.next_seq();
        self.dialog = Some(Dialog::Confirm(ConfirmDialog {
            steps: steps.clone(),
            warnings,
            plan: PlanState::Loading,
            plan_seq: seq,
            typed,
            scroll: 0,
            read_only: self.session.read_only,
        }));
        vec![Command::Plan { seq, ops: steps }]
    }

    fn execute(&mut self, steps: Vec<Operation>) -> Vec<Command> {
        let now = self.now;
        let mut tagged = Vec::new();
        // Oldest first in the list means adding in reverse keeps step 1 above step 2.
        for op in steps.iter() {
            let id = self.tasks.add(op.clone(), now);
            tagged.push((id, op.clone()));
        }
        self.tasks.cursor.select(0, self.tasks.items.len());
        let last = steps.last().map(|o| o.title()).unwrap_or("");
        self.say(Level::Info, format!("{last} started — follow it in Tasks"));
        vec![Command::Execute { steps: tagged }]
    }

    // ---------------------------------------------------------------- dialogs

    fn dialog_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(dialog) = self.dialog.take() else {
            return vec![];
        };
        match dialog {
            Dialog::Help { scroll } => {
                let scroll = match key.code {
                    KeyCode::Down | KeyCode::Char('j') => Some(scroll.saturating_add(1)),
                    KeyCode::Up | KeyCode::Char('k') => Some(scroll.saturating_sub(1)),
                    KeyCode::PageDown => Some(scroll.saturating_add(10)),
                    KeyCode::PageUp => Some(scroll.saturating_sub(10)),
                    _ => None,
                };
                if let Some(scroll) = scroll {
                    self.dialog = Some(Dialog::Help { scroll });
                }
                vec![]
            }
            Dialog::Message(m) => {
                if !matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                    self.dialog = Some(Dialog::Message(m));
                }
                vec![]
            }
            Dialog::Form(mut fd) => match fd.form.handle_key(key) {
                FormOutcome::Editing => {
                    self.dialog = Some(Dialog::Form(fd));
                    vec![]
                }
                FormOutcome::Cancel => vec![],
                FormOutcome::Submit => match fd.purpose.submit(&fd.form, self.wall) {
                    Err(e) => {
                        fd.form.error = Some(e);
                        self.dialog = Some(Dialog::Form(fd));
                        vec![]
                    }
                    Ok(Submitted::Operations { steps, warnings }) => self.confirm(steps, warnings),
                    Ok(Submitted::Filter(filter)) => {
                        self.backups.filter = filter;
                        self.backups.request.index = 0;
                        self.backups.cursor.reset();
                        self.load_backups()
                    }
                    Ok(Submitted::RemotePoint { cluster, point }) => {
                        let seq = self.next_seq();
                        let request = PageRequest::first(self.session.backup_page_size);
                        self.dialog = Some(Dialog::Remote(RemoteDialog {
                            cluster: cluster.clone(),
                            point: point.clone(),
                            request,
                            page: None,
                            cursor: Default::default(),
                            marked: Default::default(),
                            chosen: Vec::new(),
                            loading: true,
                            error: None,
                            seq,
                        }));
                        vec![Command::LoadRemoteBackups {
                            seq,
                            cluster,
                            point,
                            page: request,
                        }]
                    }
                },
            },
            Dialog::Confirm(mut cd) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Esc => vec![],
                    KeyCode::Char('c') if ctrl => vec![],
                    KeyCode::Enter => {
                        if cd.blocked_reason().is_none() {
                            self.execute(cd.steps)
                        } else {
                            self.dialog = Some(Dialog::Confirm(cd));
                            vec![]
                        }
                    }
                    KeyCode::PageDown => {
                        cd.scroll = cd.scroll.saturating_add(5);
                        self.dialog = Some(Dialog::Confirm(cd));
                        vec![]
                    }
                    KeyCode::PageUp => {
                        cd.scroll = cd.scroll.saturating_sub(5);
                        self.dialog = Some(Dialog::Confirm(cd));
                        vec![]
                    }
                    _ => {
                        if let Some((_, input)) = cd.typed.as_mut() {
                            input.handle_event(&crossterm::event::Event::Key(key));
                        } else if matches!(key.code, KeyCode::Char('y'))
                            && cd.blocked_reason().is_none()
                        {
                            return self.execute(cd.steps);
                        }
                        self.dialog = Some(Dialog::Confirm(cd));
                        vec![]
                    }
                }
            }
            Dialog::Remote(mut rd) => {
                let (keep, cmds) = self.remote_key(&mut rd, key);
                if keep {
                    self.dialog = Some(Dialog::Remote(rd));
                }
                cmds
            }
        }
    }

    /// Keys in the remote-backup browser; returns whether the dialog stays open.
    fn remote_key(&mut self, rd: &mut RemoteDialog, key: KeyEvent) -> (bool, Vec<Command>) {
        let len = rd.page.as_ref().map_or(0, |p| p.items.len());
        let pages = rd.page.as_ref().map_or(1, |p| p.page_count());
        let target = match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return (false, vec![]),
            KeyCode::Down | KeyCode::Char('j') => {
                rd.cursor.apply(Action::Down, len);
                None
            }
            KeyCode::Up | KeyCode::Char('k') => {
                rd.cursor.apply(Action::Up, len);
                None
            }
            KeyCode::Char(' ') => {
                rd.toggle_selected();
                None
            }
            KeyCode::Char(']') => Some(rd.request.index + 1),
            KeyCode::Char('[') => Some(rd.request.index.saturating_sub(1)),
            KeyCode::Enter => {
                if rd.chosen.is_empty() {
                    rd.error = Some("mark backups with Space first".into());
                    None
                } else {
                    let op = Operation::ImportRemoteBackups {
                        cluster: rd.cluster.clone(),
                        point: rd.point.clone(),
                        backups: rd.chosen.clone(),
                    };
                    return (false, self.confirm(vec![op], vec![]));
                }
            }
            _ => None,
        };
        match target {
            Some(index) if index != rd.request.index && index < pages => {
                rd.request.index = index;
                rd.cursor.reset();
                rd.loading = true;
                rd.seq = self.next_seq();
                let cmd = Command::LoadRemoteBackups {
                    seq: rd.seq,
                    cluster: rd.cluster.clone(),
                    point: rd.point.clone(),
                    page: rd.request,
                };
                (true, vec![cmd])
            }
            _ => (true, vec![]),
        }
    }

    // ---------------------------------------------------------------- events

    fn note_error(&mut self, e: &BackendError) {
        if matches!(
            e,
            BackendError::Connect { .. } | BackendError::Timeout { .. }
        ) {
            self.connection = Connection::Unreachable(e.to_string());
        }
    }

    fn note_ok(&mut self) {
        self.connection = Connection::Connected;
    }

    pub fn on_event(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Clusters { seq, result } => {
                if seq != self.clusters.seq {
                    return vec![];
                }
                self.clusters.loading = false;
                match result {
                    Ok(listing) => {
                        self.note_ok();
                        self.clusters.items = listing.value;
                        self.clusters.failures = listing.failures;
                        self.clusters.error = None;
                        let n = self.clusters.items.len() + 1;
                        let sel = self.clusters.cursor.selected();
                        self.clusters.cursor.select(sel, n);
                        self.last_refresh = Some(self.wall);
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.clusters.error = Some(e.to_string());
                    }
                }
                vec![]
            }
            Event::Vms { seq, result, done } => {
                if seq != self.vms.seq {
                    return vec![];
                }
                self.vms.loading = !done;
                match result {
                    Ok(listing) => {
                        self.note_ok();
                        let first = listing.value.request.index == 0;
                        if first {
                            // Keep the cursor on the same VM across a refresh.
                            let keep = self.vms.selected().map(|v| v.id.clone());
                            self.vms.items = listing.value.items;
                            self.vms.failures = listing.failures;
                            if let Some(id) = keep
                                && let Some(i) = self.vms.items.iter().position(|v| v.id == id)
                            {
                                self.vms.cursor.select(i, self.vms.items.len());
                            }
                        } else {
                            self.vms.items.extend(listing.value.items);
                            for f in listing.failures {
                                if !self.vms.failures.contains(&f) {
                                    self.vms.failures.push(f);
                                }
                            }
                        }
                        self.vms.total = listing.value.total;
                        self.vms.error = None;
                        let sel = self.vms.cursor.selected();
                        self.vms.cursor.select(sel, self.vms.items.len());
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.vms.error = Some(e.to_string());
                    }
                }
                vec![]
            }
            Event::VmDetail { seq, result } => {
                if seq != self.vms.detail_seq {
                    return vec![];
                }
                match result {
                    Ok(detail) => {
                        self.note_ok();
                        if let Some(row) = self.vms.items.iter_mut().find(|v| v.id == detail.vm.id)
                        {
                            *row = detail.vm.clone();
                        }
                        self.vms.detail = Some(*detail);
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.say(Level::Error, format!("VM details: {e}"));
                    }
                }
                vec![]
            }
            Event::Snapshots { seq, result } => {
                if seq != self.snapshots.seq {
                    return vec![];
                }
                self.snapshots.loading = false;
                match result {
                    Ok(tree) => {
                        self.note_ok();
                        self.snapshots.set_tree(tree);
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.snapshots.error = Some(e.to_string());
                    }
                }
                vec![]
            }
            Event::Backups { seq, result } => {
                if seq != self.backups.seq {
                    return vec![];
                }
                self.backups.loading = false;
                match result {
                    Ok(listing) => {
                        self.note_ok();
                        let page = listing.value;
                        // A page past the end (items deleted meanwhile): go to the last one.
                        if page.items.is_empty()
                            && page.total > 0
                            && page.request.index >= page.page_count()
                        {
                            self.backups.request.index = page.page_count() - 1;
                            return self.load_backups();
                        }
                        let n = page.items.len();
                        self.backups.page = Some(page);
                        self.backups.failures = listing.failures;
                        self.backups.error = None;
                        let sel = self.backups.cursor.selected();
                        self.backups.cursor.select(sel, n);
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.backups.error = Some(e.to_string());
                    }
                }
                vec![]
            }
            Event::BackupPoints { seq, result } => {
                if seq != self.backups.points_seq {
                    return vec![];
                }
                match result {
                    Ok(points) => {
                        self.backups.points = points;
                        self.refresh_point_choices();
                    }
                    Err(e) => self.say(Level::Error, format!("backup points: {e}")),
                }
                vec![]
            }
            Event::RestoreChoices { seq, result } => {
                if seq != self.choices_seq {
                    return vec![];
                }
                match result {
                    Ok(choices) => {
                        if let Some(Dialog::Form(FormDialog {
                            form,
                            purpose: Purpose::Restore { backup },
                        })) = self.dialog.as_mut()
                        {
                            let detail =
                                self.vms.detail.as_ref().filter(|d| d.vm.id == backup.vm.id);
                            flows::backup::fill_restore_choices(form, &choices, detail);
                            self.restore_choices = Some((backup.cluster.id.clone(), choices));
                        }
                    }
                    Err(e) => {
                        if let Some(Dialog::Form(fd)) = self.dialog.as_mut() {
                            fd.form.error =
                                Some(format!("cannot load zones, groups and pools: {e}"));
                        }
                    }
                }
                vec![]
            }
            Event::RemoteBackups { seq, result } => {
                if let Some(Dialog::Remote(rd)) = self.dialog.as_mut()
                    && rd.seq == seq
                {
                    rd.loading = false;
                    match result {
                        Ok(page) => {
                            let n = page.items.len();
                            rd.page = Some(page);
                            rd.error = None;
                            let s = rd.cursor.selected();
                            rd.cursor.select(s, n);
                        }
                        Err(e) => rd.error = Some(e.to_string()),
                    }
                }
                vec![]
            }
            Event::Plan { seq, result } => {
                if let Some(Dialog::Confirm(cd)) = self.dialog.as_mut()
                    && cd.plan_seq == seq
                {
                    cd.plan = match result {
                        Ok(calls) => PlanState::Ready(calls),
                        Err(e) => PlanState::Refused(e.to_string()),
                    };
                }
                vec![]
            }
            Event::Task { id, state } => self.on_task(id, state),
        }
    }

    /// Backup points arrived: fill the choice of the form waiting for them.
    fn refresh_point_choices(&mut self) {
        let points = &self.backups.points;
        let Some(Dialog::Form(fd)) = self.dialog.as_mut() else {
            return;
        };
        let options = match fd.purpose {
            Purpose::CreateBackup { .. } | Purpose::ChooseRemotePoint { .. } => {
                flows::backup::point_options(points)
            }
            Purpose::FilterBackups => flows::backup::filter_point_options(points),
            _ => return,
        };
        fd.form.set_options("point", options, None);
        if let Some(f) = fd.form.fields.iter_mut().find(|f| f.key == "point") {
            f.hint = None;
        }
    }

    fn on_task(&mut self, id: crate::model::TaskId, state: TaskState) -> Vec<Command> {
        let now = self.now;
        let Some(entry) = self.tasks.update(id, state, now).cloned() else {
            return vec![];
        };
        // The task ended: re-read what it touched.
        match &entry.state {
            TaskState::Succeeded => self.say(
                Level::Info,
                format!("{}: {} — done", entry.title, entry.target),
            ),
            TaskState::Failed { message } => {
                self.say(Level::Error, format!("{} failed: {message}", entry.title))
            }
            TaskState::Unknown { reason } => self.say(
                Level::Warn,
                format!("{}: outcome unknown — {reason}", entry.title),
            ),
            _ => {}
        }
        let mut cmds = Vec::new();
        let chosen = self.vms.chosen.as_ref().map(|v| v.id.clone());
        match &entry.op {
            Some(op) if op.vm().map(|v| &v.id) == chosen.as_ref() && chosen.is_some() => {
                cmds.extend(self.load_chosen_vm());
                if matches!(op, Operation::CreateBackup { .. }) {
                    cmds.extend(self.load_backups());
                }
            }
            Some(Operation::DeleteBackup { .. }) | Some(Operation::ImportRemoteBackups { .. }) => {
                cmds.extend(self.load_backups());
            }
            Some(Operation::RestoreBackup { .. }) => {
                cmds.extend(self.load_vms());
            }
            _ => {}
        }
        cmds
    }

    /// Time passes: while operations run, keep the chosen VM's row fresh so its power
    /// state and current action are visible.
    pub fn tick(&mut self, now: Instant, wall: Timestamp) -> Vec<Command> {
        self.now = now;
        self.wall = wall;
        if let Some(s) = &self.status
            && now.saturating_duration_since(s.at) > Duration::from_secs(8)
            && s.level == Level::Info
        {
            self.status = None;
        }
        let busy = self.tasks.running() > 0;
        let due = self
            .last_detail_poll
            .is_none_or(|t| now.saturating_duration_since(t) >= Duration::from_secs(2));
        if busy
            && due
            && let Some(vm) = self.vms.chosen.clone()
        {
            self.last_detail_poll = Some(now);
            let seq = self.next_seq();
            self.vms.detail_seq = seq;
            return vec![Command::LoadVmDetail { seq, vm }];
        }
        vec![]
    }

    /// True when something animates (spinners, elapsed times) and the screen should redraw
    /// on ticks.
    pub fn animating(&self) -> bool {
        self.tasks.running() > 0
            || self.clusters.loading
            || self.vms.loading
            || self.snapshots.loading
            || self.backups.loading
    }
}

#[cfg(test)]
mod tests;
