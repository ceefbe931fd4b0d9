//! Keys outside dialogs: movement, focus, entering and leaving, paging, backup scope.

use super::action::Action;
use super::dialog::Dialog;
use super::flows::Purpose;
use super::{App, Level, Pane, copy, cursor, flows, keymap, prompt, view};
use crate::fetcher::Command;
use crate::model::{BackupScope, ClusterState, Named};
use crossterm::event::{KeyEvent, KeyEventKind};

impl App {
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        if self.prompt.is_some() {
            return self.prompt_key(key);
        }
        if self.dialog.is_some() {
            return self.dialog_key(key);
        }
        if self.sites_open() {
            return self.sites_key(key);
        }
        let k = keymap::Key::from_event(&key);
        // Esc leaves a zoom before it means "back", whatever it is bound to.
        if self.zoomed && k == keymap::Key::plain(crossterm::event::KeyCode::Esc) {
            self.zoomed = false;
            return vec![];
        }
        match self.keymap.action(self.focus, k) {
            Some(action) => self.update(action),
            None => vec![],
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Command> {
        if !action.available(self.caps()) {
            self.say(
                Level::Warn,
                format!(
                    "{} cannot do that ({})",
                    self.session.platform,
                    action.name().replace('_', " ")
                ),
            );
            return vec![];
        }
        if action != Action::CancelTask {
            // Any other key disarms a cancel waiting for its second `x`.
            self.tasks.cancel_armed = None;
        }
        match action {
            Action::Quit => {
                self.quit = true;
                vec![]
            }
            Action::CancelTask => self.cancel_task(),
            Action::Export => self.export(super::export::Format::Csv, None),
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
            Action::Back if self.focus == Pane::Vms && !self.vms.marks.is_empty() => {
                let n = self.vms.marks.len();
                self.vms.marks.clear();
                self.say(Level::Info, format!("{n} marks cleared"));
                vec![]
            }
            Action::Back if self.focus == Pane::Snapshots && !self.snapshots.marks.is_empty() => {
                let n = self.snapshots.clear_marks();
                self.say(Level::Info, format!("{n} marks cleared"));
                vec![]
            }
            Action::ToggleMark if self.focus == Pane::Snapshots => {
                self.snapshots.toggle_mark();
                vec![]
            }
            Action::ToggleMark => {
                self.vms.toggle_mark();
                vec![]
            }
            Action::MarkAll => {
                self.vms.mark_shown();
                vec![]
            }
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
            Action::CreateSnapshot if self.focus == Pane::Vms => self.start_bulk_snapshot(),
            Action::CreateSnapshot => self.start_create_snapshot(),
            Action::EditSnapshot => self.start_edit_snapshot(),
            Action::Rollback if self.focus == Pane::Vms => self.start_bulk_rollback(),
            Action::Rollback => self.start_rollback(),
            Action::RollbackDisks => self.start_rollback_disks(),
            Action::DeleteSnapshot if !self.snapshots.marks.is_empty() => {
                self.start_bulk_delete_snapshots()
            }
            Action::DeleteSnapshot => self.start_delete_snapshot(),
            Action::CreateBackup if self.focus == Pane::Vms => self.start_bulk_backup(),
            Action::CreateBackup => self.start_create_backup(),
            Action::DeleteBackup => self.start_delete_backup(),
            Action::RestoreBackup => self.start_restore(),
            Action::RemoteBackups => self.start_remote(),
            Action::BackupPlans => self.start_plans(),
            Action::NextBackupCategory => self.next_backup_category(),
            Action::SyncBackup => self.start_sync(false),
            Action::RecoverBackup => self.start_sync(true),
            Action::CreateTemplate => self.start_template(),
            Action::ExportBackup => self.start_export(true),
            Action::DeleteExported => self.start_export(false),
            Action::RebuildFromSnapshot => self.start_rebuild(),
            Action::StopVm => self.start_stop_vm(),
            Action::Console => self.start_console(),
            Action::StartVm => self.start_start_vm(),
            Action::FilterBackups => {
                let form = flows::backup::filter_form(&self.backups.filter, &self.backups.points);
                self.open_form(form, Purpose::FilterBackups);
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
            Action::CommandMode => {
                self.open_prompt(prompt::PromptKind::Command);
                vec![]
            }
            Action::Filter => {
                self.open_prompt(prompt::PromptKind::Filter(self.focus));
                vec![]
            }
            Action::SortNext | Action::SortReverse => {
                let reverse = action == Action::SortReverse;
                match self.focus {
                    Pane::Clusters => self.clusters.list.cycle_sort(reverse),
                    Pane::Vms => self.vms.list.cycle_sort(reverse),
                    Pane::Backups => self.backups.list.cycle_sort(reverse),
                    Pane::Tasks => self.tasks.list.cycle_sort(reverse),
                    Pane::Snapshots => return vec![],
                }
                self.state_changed = true;
                vec![]
            }
            Action::NextHit | Action::PrevHit => {
                self.snapshots.next_hit(action == Action::PrevHit);
                vec![]
            }
            Action::PickSite => {
                self.open_picker();
                vec![]
            }
            Action::Zoom => {
                self.zoomed = !self.zoomed;
                vec![]
            }
            Action::CopyId | Action::CopyName => {
                self.copy(if action == Action::CopyId {
                    copy::Copied::Id
                } else {
                    copy::Copied::Name
                });
                vec![]
            }
        }
    }

    /// Sets a pane's sort (remembered across restarts).
    pub fn set_sort(&mut self, pane: Pane, sort: Option<view::Sort>) {
        let list_view = match pane {
            Pane::Clusters => &mut self.clusters.list.view,
            Pane::Vms => &mut self.vms.list.view,
            Pane::Backups => &mut self.backups.list.view,
            Pane::Tasks => &mut self.tasks.list.view,
            Pane::Snapshots => return,
        };
        list_view.sort = sort.or(list_view.default_sort);
        match pane {
            Pane::Clusters => self.clusters.list.refresh(),
            Pane::Vms => self.vms.list.refresh(),
            Pane::Backups => self.backups.list.refresh(),
            Pane::Tasks => self.tasks.list.refresh(),
            Pane::Snapshots => {}
        }
        self.state_changed = true;
    }

    /// The cursor and row count of a list pane (not the snapshot tree).
    pub(super) fn list_cursor(&mut self, pane: Pane) -> Option<(&mut cursor::Cursor, usize)> {
        match pane {
            Pane::Clusters => {
                let n = self.clusters.list.rows();
                Some((&mut self.clusters.list.cursor, n))
            }
            Pane::Vms => {
                let n = self.vms.list.rows();
                Some((&mut self.vms.list.cursor, n))
            }
            Pane::Backups => {
                let n = self.backups.list.rows();
                Some((&mut self.backups.list.cursor, n))
            }
            Pane::Tasks => {
                let n = self.tasks.list.rows();
                Some((&mut self.tasks.list.cursor, n))
            }
            Pane::Snapshots => None,
        }
    }

    pub(super) fn move_cursor(&mut self, action: Action) {
        if let Some((cursor, n)) = self.list_cursor(self.focus) {
            cursor.apply(action, n);
            return;
        }
        // The snapshot tree moves through its own widget state.
        let mut st = self.snapshots.state.borrow_mut();
        match action {
            Action::Up => st.key_up(),
            Action::Down => st.key_down(),
            Action::Top => st.select_first(),
            Action::Bottom => st.select_last(),
            Action::PageUp => st.select_relative(|cur| cur.map_or(0, |c| c.saturating_sub(10))),
            Action::PageDown => st.select_relative(|cur| cur.map_or(0, |c| c.saturating_add(10))),
            _ => false,
        };
    }

    /// The cluster under the cursor ("All clusters" has an empty id).
    pub fn cluster_under_cursor(&self) -> Option<Named> {
        self.clusters
            .selected()
            .map(|c| Named::new(c.id.clone(), c.name.clone()))
    }

    pub(super) fn enter(&mut self) -> Vec<Command> {
        match self.focus {
            Pane::Clusters => {
                let Some(cluster) = self.cluster_under_cursor() else {
                    return vec![];
                };
                if let Some(c) = self.clusters.clusters().iter().find(|c| c.id == cluster.id)
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
            Pane::Tasks => {
                // A bulk's row opens into one row per VM, and closes again.
                if let Some(key) = self.tasks.selected().map(|t| t.key.clone()) {
                    self.tasks.toggle_fold(&key);
                }
                vec![]
            }
            _ => vec![],
        }
    }

    pub(super) fn toggle_backup_scope(&mut self) -> Vec<Command> {
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
                self.backups.list.cursor.reset();
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

    pub(super) fn turn_page(&mut self, action: Action) -> Vec<Command> {
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
        self.backups.list.cursor.reset();
        self.load_backups()
    }
}
