//! Starting backup plan operations: the plans dialog, running a plan, listing what it made.

use super::super::*;
use crate::model::{BackupCategory, BackupPlan};

impl App {
    /// `p` in Backups: the cluster's backup plans.
    pub(in crate::app) fn start_plans(&mut self) -> Vec<Command> {
        if !self.caps().backup_plans {
            self.say(Level::Warn, "this platform has no backup plans");
            return vec![];
        }
        let cluster = self
            .backups
            .scope
            .as_ref()
            .map(|s| s.cluster().clone())
            .or_else(|| self.vms.cluster.clone())
            .unwrap_or_else(all_clusters);
        let seq = self.next_seq();
        self.dialog = Some(Dialog::Plans(dialog::PlansDialog {
            cluster: cluster.clone(),
            plans: Vec::new(),
            cursor: Default::default(),
            loading: true,
            error: None,
            seq,
        }));
        vec![Command::LoadBackupPlans { seq, cluster }]
    }

    /// Enter on a plan: the Backups pane lists what that plan made.
    pub(in crate::app) fn show_plan_backups(&mut self, plan: &BackupPlan) -> Vec<Command> {
        self.backups.scope = Some(BackupScope::Plan {
            cluster: plan.cluster.clone(),
            plan: Named::new(plan.id.clone(), plan.name.clone()),
        });
        self.backups.request.index = 0;
        self.backups.list.cursor.reset();
        self.focus = Pane::Backups;
        self.load_backups()
    }

    /// `x` on a plan: choose full or incremental, then preview.
    pub(in crate::app) fn start_run_plan(&mut self, plan: &BackupPlan) -> Vec<Command> {
        self.dialog = Some(Dialog::Form(FormDialog {
            form: flows::plan::run_form(plan),
            purpose: Purpose::RunPlan {
                cluster: plan.cluster.clone(),
                plan: Named::new(plan.id.clone(), plan.name.clone()),
            },
        }));
        vec![]
    }
}

impl App {
    pub(in crate::app) fn selected_backup_or_say(&mut self) -> Option<crate::model::Backup> {
        let b = self.backups.selected().cloned();
        if b.is_none() {
            self.say(Level::Warn, "select a backup first");
        }
        b
    }

    /// The cluster the Backups pane is about (for backup points and plans).
    pub(in crate::app) fn backups_cluster(&self) -> Option<Named> {
        self.backups
            .scope
            .as_ref()
            .map(|s| s.cluster().clone())
            .or_else(|| self.vms.cluster.clone())
    }

    /// Loads the backup points/storages the form needs unless they are here already;
    /// returns whether they are still loading.
    fn points_for_form(&mut self, cmds: &mut Vec<Command>) -> bool {
        if !self.backups.points.is_empty() && self.backups.points_error.is_none() {
            return false;
        }
        let cluster = self.backups_cluster().unwrap_or_else(all_clusters);
        let load = self.load_points(cluster);
        let loading = !load.is_empty();
        cmds.extend(load);
        loading
    }

    /// `t`: the next kind of backup the platform keeps.
    pub(in crate::app) fn next_backup_category(&mut self) -> Vec<Command> {
        let cats = &self.session.caps.backup_categories;
        if cats.len() < 2 {
            return vec![];
        }
        let i = cats
            .iter()
            .position(|c| *c == self.backups.category)
            .unwrap_or(0);
        self.backups.category = cats[(i + 1) % cats.len()];
        self.backups.request.index = 0;
        self.backups.list.cursor.reset();
        self.backups.chain = None;
        if self.backups.scope.is_none() {
            // Database backups belong to the platform, not to a VM.
            self.backups.scope = Some(BackupScope::Cluster {
                cluster: self.backups_cluster().unwrap_or_else(all_clusters),
            });
        }
        self.say(
            Level::Info,
            format!("Backups: {}", self.backups.category.label()),
        );
        self.load_backups()
    }

    pub(in crate::app) fn start_create_backup(&mut self) -> Vec<Command> {
        let mut cmds = Vec::new();
        if self.backups.category == BackupCategory::Database {
            let loading = self.points_for_form(&mut cmds);
            let form = flows::storage::database_backup_form(&self.backups.points, loading);
            self.open_form(form, Purpose::CreateDatabaseBackup);
            return cmds;
        }
        if !self.caps().backup_points && self.caps().backup_plans {
            // Plans make the backups here: run one now instead.
            let cmds = self.start_plans();
            self.say(
                Level::Info,
                "backups are made by plans here: choose one and press x to run it now",
            );
            return cmds;
        }
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let loading = self.points_for_form(&mut cmds);
        let mut form = flows::backup::create_form(
            &vmref,
            self.chosen_detail(),
            &self.backups.points,
            self.caps(),
            self.backups.category,
            self.wall,
        );
        if loading && let Some(f) = form.fields.iter_mut().find(|f| f.key == "point") {
            f.hint = Some("loading…".into());
        }
        self.open_form(form, Purpose::CreateBackup { vm: vmref });
        cmds
    }

    pub(in crate::app) fn start_delete_backup(&mut self) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        let mut warnings = Vec::new();
        if b.status == crate::model::BackupStatus::InProgress {
            warnings.push("This backup is still being written.".into());
        }
        if self.caps().backup_chains {
            let later = self
                .backups
                .chain
                .as_ref()
                .map_or(0, |c| crate::model::chain_descendants(&c.items, &b.id));
            if later > 0 {
                warnings.push(format!(
                    "{later} incremental backup(s) build on this one; the platform decides whether they stay usable."
                ));
            }
        }
        self.confirm(
            vec![Operation::DeleteBackup { backup: b.to_ref() }],
            warnings,
        )
    }

    /// `R`: database recovery, in place, or to a new VM — asking which when the platform
    /// can do both.
    pub(in crate::app) fn start_restore(&mut self) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        if let Some(why) = flows::restore::refuse(&b) {
            self.message("Cannot restore", vec![why], true);
            return vec![];
        }
        if b.category == BackupCategory::Database {
            self.open_form(
                flows::restore::recover_database_form(&b),
                Purpose::RecoverDatabase { backup: b.to_ref() },
            );
            return vec![];
        }
        let caps = self.caps();
        match (caps.restore_in_place, caps.restore_to_new_vm) {
            (true, true) => {
                self.open_form(
                    flows::restore::mode_form(&b),
                    Purpose::RestoreMode {
                        backup: Box::new(b),
                    },
                );
                vec![]
            }
            (true, false) => self.restore_next(&b, true),
            (false, true) => self.restore_next(&b, false),
            (false, false) => {
                self.say(Level::Warn, "this platform cannot restore backups");
                vec![]
            }
        }
    }

    /// The form after the restore mode is known.
    pub(in crate::app) fn restore_next(
        &mut self,
        b: &crate::model::Backup,
        in_place: bool,
    ) -> Vec<Command> {
        if in_place {
            if let Some(why) = self.stop_needed_for_restore(b) {
                return why;
            }
            self.open_form(
                flows::restore::in_place_form(b),
                Purpose::RestoreInPlace { backup: b.to_ref() },
            );
            return vec![];
        }
        let detail = self.vms.detail.as_ref().filter(|d| d.vm.id == b.vm.id);
        let choices = self
            .restore_choices
            .as_ref()
            .filter(|(id, _)| *id == b.id)
            .map(|(_, ch)| ch);
        let form = flows::restore::new_vm_form(b, detail, choices, self.caps(), self.wall);
        self.restore_choices_error = None;
        self.open_form(form, Purpose::Restore { backup: b.to_ref() });
        let seq = self.next_seq();
        self.choices_seq = seq;
        vec![Command::LoadRestoreChoices {
            seq,
            backup: b.to_ref(),
        }]
    }

    /// Where the platform restores in place only into a stopped VM and the backup's VM
    /// runs: explains and offers the stop (as for a snapshot revert). `Some` when it did.
    fn stop_needed_for_restore(&mut self, b: &crate::model::Backup) -> Option<Vec<Command>> {
        if !self.caps().rollback_requires_stopped {
            return None;
        }
        let vm = self
            .vms
            .list
            .items
            .iter()
            .find(|v| v.id == b.vm.id)
            .cloned()
            .filter(|v| !v.power.is_stopped())?;
        let why = format!(
            "The platform restores a VM in place only while it is stopped; {} is {}.",
            vm.name,
            vm.power.label()
        );
        self.offer_stop(&vm.to_ref(), &vm, "Cannot restore in place yet", why);
        Some(vec![])
    }

    pub(in crate::app) fn start_sync(&mut self, recover: bool) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        let mut cmds = Vec::new();
        let loading = self.points_for_form(&mut cmds);
        let (form, purpose) = if recover {
            (
                flows::storage::recover_form(&b, &self.backups.points, loading),
                Purpose::RecoverBackup { backup: b.to_ref() },
            )
        } else {
            (
                flows::storage::sync_form(&b, &self.backups.points, loading),
                Purpose::SyncBackup { backup: b.to_ref() },
            )
        };
        self.open_form(form, purpose);
        cmds
    }

    pub(in crate::app) fn start_template(&mut self) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        if b.category != BackupCategory::Volume {
            self.message(
                "Volume templates",
                vec![
                    "Templates are made from a volume backup: press t to list volume backups."
                        .into(),
                ],
                false,
            );
            return vec![];
        }
        let mut cmds = Vec::new();
        let loading = self.points_for_form(&mut cmds);
        let form = flows::storage::template_form(&b, &self.backups.points, loading);
        self.open_form(form, Purpose::CreateTemplate { backup: b.to_ref() });
        cmds
    }

    /// `E` / `X`: export a database backup, or delete an exported copy.
    pub(in crate::app) fn start_export(&mut self, export: bool) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        if b.category != BackupCategory::Database {
            self.message(
                "Database backups",
                vec!["Only database backups are exported: press t to list them.".into()],
                false,
            );
            return vec![];
        }
        let mut cmds = Vec::new();
        let loading = self.points_for_form(&mut cmds);
        let form = flows::storage::export_form(&b, &self.backups.points, loading, export);
        let purpose = if export {
            Purpose::ExportDatabase { backup: b.to_ref() }
        } else {
            Purpose::DeleteExported { backup: b.to_ref() }
        };
        self.open_form(form, purpose);
        cmds
    }

    pub(in crate::app) fn start_remote(&mut self) -> Vec<Command> {
        let cluster = self.backups_cluster().filter(|c| !c.id.is_empty());
        let Some(cluster) = cluster else {
            self.say(
                Level::Warn,
                "choose a cluster first: remote backups belong to a cluster",
            );
            return vec![];
        };
        self.open_form(
            flows::backup::remote_point_form(&self.backups.points),
            Purpose::ChooseRemotePoint {
                cluster: cluster.clone(),
            },
        );
        self.load_points(cluster)
    }
}
