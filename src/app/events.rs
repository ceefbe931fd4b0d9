//! Fetcher events: answers (stale ones dropped), and task updates.

use super::dialog::{Dialog, FormDialog, PlanState};
use super::flows::Purpose;
use super::{App, Connection, Level, flows};
use crate::backend::BackendError;
use crate::fetcher::{Command, Event};
use crate::model::{TaskState, VmChanges};
use crate::operation::Operation;

impl App {
    pub(super) fn note_error(&mut self, e: &BackendError) {
        if matches!(
            e,
            BackendError::Connect { .. } | BackendError::Timeout { .. }
        ) {
            self.connection = Connection::Unreachable(e.to_string());
        }
    }

    pub(super) fn note_ok(&mut self) {
        self.connection = Connection::Connected;
    }

    pub fn on_event(&mut self, event: Event) -> Vec<Command> {
        let cmds = self.handle_event(event);
        // "refreshing…" says what is going on; once the lists are in, it is over.
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.text == super::loads::REFRESHING)
            && !self.clusters.loading
            && !self.vms.loading
        {
            self.status = None;
        }
        cmds
    }

    fn handle_event(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Clusters { seq, result } => {
                if seq != self.clusters.seq {
                    return vec![];
                }
                self.clusters.loading = false;
                match result {
                    Ok(listing) => {
                        self.note_ok();
                        self.clusters.set_clusters(listing.value);
                        self.clusters.failures = listing.failures;
                        self.clusters.error = None;
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
                        self.vms.arrived(listing, done);
                        self.vms.error = None;
                        if done {
                            self.vms.changes = self.vms.changes_next.take();
                            self.vms.complete_at = Some(self.wall);
                        }
                    }
                    Err(e) => {
                        self.note_error(&e);
                        let kept = self.vms.incoming.take().is_some();
                        self.vms.error = Some(if kept {
                            format!("{e} (the list shown is the last complete one)")
                        } else {
                            e.to_string()
                        });
                    }
                }
                vec![]
            }
            Event::VmCursor { seq, cursor } => {
                if seq == self.vms.seq {
                    self.vms.changes_next = cursor;
                }
                vec![]
            }
            Event::VmChanges { seq, result } => {
                if seq != self.vms.seq {
                    return vec![];
                }
                self.vms.loading = false;
                match result {
                    Ok(VmChanges::Changed {
                        upserts,
                        deleted,
                        total,
                        next,
                    }) => {
                        self.note_ok();
                        if !self.vms.apply_changes(upserts, &deleted, total) {
                            self.vms.changes = None;
                            return self.load_vms();
                        }
                        self.vms.changes = Some(next);
                        self.vms.complete_at = Some(self.wall);
                        self.vms.error = None;
                        vec![]
                    }
                    // Only the pages in view: the screen is not known complete, so the
                    // status bar's "refreshed" stays at the last complete read.
                    Ok(VmChanges::Partial {
                        upserts,
                        deleted,
                        total,
                    }) => {
                        self.note_ok();
                        if !self.vms.apply_changes(upserts, &deleted, total) {
                            return self.load_vms();
                        }
                        self.vms.error = None;
                        vec![]
                    }
                    // The rows stay on screen while the complete read arrives behind them.
                    Ok(VmChanges::Resync) => {
                        self.vms.changes = None;
                        self.load_vms()
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.vms.error =
                            Some(format!("{e} (the list shown is the last complete one)"));
                        vec![]
                    }
                }
            }
            Event::VmDetail { seq, result } => {
                if seq != self.vms.detail_seq {
                    return vec![];
                }
                match result {
                    Ok(detail) => {
                        self.note_ok();
                        if let Some(row) = self
                            .vms
                            .list
                            .items
                            .iter_mut()
                            .find(|v| v.id == detail.vm.id)
                        {
                            *row = detail.vm.clone();
                            self.vms.list.refresh();
                        }
                        self.vms.detail = Some(*detail);
                        self.vms.detail_error = None;
                        self.refresh_volume_choices();
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.say(Level::Error, format!("VM details: {e}"));
                        self.vms.detail_error = Some(e.to_string());
                    }
                }
                self.show_needs();
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
                        self.backups.set_page(page);
                        self.backups.failures = listing.failures;
                        self.backups.error = None;
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
                self.backups.points_loading = false;
                match result {
                    Ok(points) => {
                        self.backups.points = points;
                        self.backups.points_error = None;
                        self.refresh_point_choices();
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.say(Level::Error, format!("backup points: {e}"));
                        self.backups.points_error = Some(e.to_string());
                    }
                }
                self.show_needs();
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
                            if let Some(b) =
                                self.backups.list.items.iter().find(|b| b.id == backup.id)
                            {
                                flows::restore::fill_choices(form, &choices, b, detail);
                            }
                            self.restore_choices = Some((backup.id.clone(), choices));
                        }
                        self.restore_choices_error = None;
                    }
                    Err(e) => {
                        self.note_error(&e);
                        self.restore_choices_error = Some(e.to_string());
                    }
                }
                self.show_needs();
                vec![]
            }
            Event::RemoteBackups { seq, result } => {
                if let Err(e) = &result
                    && matches!(&self.dialog, Some(Dialog::Remote(rd)) if rd.seq == seq)
                {
                    self.note_error(e);
                }
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
            Event::PlanEach { seq, results } => self.on_plan_each(seq, results),
            Event::SnapshotsFound { seq, found } => self.on_snapshots_found(seq, found),
            Event::Task { id, state } => self.on_task(id, state),
            Event::BackupPlans { seq, result } => self.on_backup_plans(seq, result),
            Event::Console { seq, result } => self.on_console(seq, result),
            Event::Journal { seq, result } => {
                self.on_journal(seq, result);
                vec![]
            }
            Event::Exported { rows, result } => {
                self.on_exported(rows, result);
                vec![]
            }
            Event::BackupChain { seq, result } => self.on_backup_chain(seq, result),
            Event::PlatformTasks { seq, result } => self.on_platform_tasks(seq, result),
            Event::TaskLinked { id, platform_id } => {
                self.tasks.link(id, platform_id);
                vec![]
            }
        }
    }

    fn on_backup_plans(
        &mut self,
        seq: u64,
        result: Result<Vec<crate::model::BackupPlan>, BackendError>,
    ) -> Vec<Command> {
        if let Err(e) = &result
            && matches!(&self.dialog, Some(Dialog::Plans(pd)) if pd.seq == seq)
        {
            self.note_error(e);
        }
        if let Some(Dialog::Plans(pd)) = self.dialog.as_mut()
            && pd.seq == seq
        {
            pd.loading = false;
            match result {
                Ok(plans) => {
                    let n = plans.len();
                    pd.plans = plans;
                    pd.error = None;
                    let s = pd.cursor.selected();
                    pd.cursor.select(s, n);
                }
                Err(e) => pd.error = Some(e.to_string()),
            }
        }
        vec![]
    }

    fn on_backup_chain(
        &mut self,
        seq: u64,
        result: Result<Vec<crate::model::Backup>, BackendError>,
    ) -> Vec<Command> {
        if seq != self.backups.chain_seq {
            return vec![];
        }
        if let Err(e) = &result {
            self.note_error(e);
        }
        if let Some(chain) = self.backups.chain.as_mut() {
            chain.loading = false;
            match result {
                Ok(items) => {
                    chain.items = items;
                    chain.error = None;
                }
                Err(e) => chain.error = Some(e.to_string()),
            }
        }
        vec![]
    }

    fn on_platform_tasks(
        &mut self,
        seq: u64,
        result: Result<Vec<crate::model::PlatformTask>, BackendError>,
    ) -> Vec<Command> {
        if seq != self.platform_tasks_seq {
            return vec![];
        }
        match result {
            Ok(tasks) => {
                self.platform_tasks_error = None;
                let (now, wall) = (self.now, self.wall);
                self.tasks.set_platform_tasks(tasks, now, wall);
            }
            Err(e) => {
                self.note_error(&e);
                // The list is re-read every few seconds: the status line says it when it
                // starts failing, the Tasks pane for as long as it does.
                if self.platform_tasks_error.is_none() {
                    self.say(
                        Level::Error,
                        format!("cannot read the platform's tasks: {e}"),
                    );
                }
                self.platform_tasks_error = Some(e.to_string());
            }
        }
        vec![]
    }

    /// Backup points arrived: fill the choice of the form waiting for them.
    pub(super) fn refresh_point_choices(&mut self) {
        let points = &self.backups.points;
        let Some(Dialog::Form(fd)) = self.dialog.as_mut() else {
            return;
        };
        let selected = self.backups.list.selected();
        let (key, options) = match &fd.purpose {
            Purpose::CreateBackup { .. }
            | Purpose::BulkBackup { .. }
            | Purpose::ChooseRemotePoint { .. } => ("point", flows::backup::point_options(points)),
            Purpose::FilterBackups => ("point", flows::backup::filter_point_options(points)),
            Purpose::CreateDatabaseBackup
            | Purpose::CreateTemplate { .. }
            | Purpose::ExportDatabase { .. } => ("storage", flows::backup::point_options(points)),
            Purpose::SyncBackup { backup }
            | Purpose::RecoverBackup { backup }
            | Purpose::DeleteExported { backup } => {
                let Some(b) = selected.filter(|b| b.id == backup.id) else {
                    return;
                };
                let fitting = if matches!(fd.purpose, Purpose::SyncBackup { .. }) {
                    flows::storage::sync_targets(b, points)
                } else {
                    flows::storage::recover_sources(b, points)
                };
                ("storage", flows::backup::point_options(&fitting))
            }
            _ => return,
        };
        fd.form.set_options(key, options, None);
        fd.form.clear_hint(key);
    }

    /// The chosen VM's volumes arrived: fill the volume choice of an open form.
    fn refresh_volume_choices(&mut self) {
        let Some(Dialog::Form(fd)) = self.dialog.as_mut() else {
            return;
        };
        if !fd.form.has("volume") {
            return;
        }
        // A backup is of one volume; only a snapshot may be of the whole VM.
        let whole_vm = match &fd.purpose {
            Purpose::CreateSnapshot { .. } => self.session.caps.snapshot_groups,
            Purpose::CreateBackup { .. } => false,
            _ => return,
        };
        let options = flows::snapshot::volume_options(self.vms.detail.as_ref(), whole_vm);
        fd.form.set_options("volume", options, None);
        fd.form.clear_hint("volume");
    }

    pub(super) fn on_task(&mut self, id: crate::model::TaskId, state: TaskState) -> Vec<Command> {
        let now = self.now;
        let Some(entry) = self.tasks.update(id, state, now) else {
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
        let Some(op) = &entry.op else {
            return cmds;
        };
        let touches_chosen = chosen.is_some()
            && (op.vm().map(|v| &v.id) == chosen.as_ref()
                || op.backup().map(|b| &b.vm.id) == chosen.as_ref());
        if touches_chosen {
            cmds.extend(self.load_chosen_vm());
        }
        if op.changes_backups() {
            self.backups.chain = None;
            cmds.extend(self.load_backups());
        }
        if op.creates_vm() || matches!(op, Operation::StopVm { .. } | Operation::StartVm { .. }) {
            cmds.extend(self.load_vms());
        }
        if matches!(op, Operation::CancelTask { .. }) {
            // The canceled job's own row shows its end at the next tick, not in 5 s.
            self.last_platform_tasks = None;
        }
        cmds
    }
}
