//! Backup plans: the plans dialog, the backups a plan made, and running one now (full or
//! incremental).

use crate::app::dialog::{self, Dialog, FormDialog};
use crate::app::flows::Purpose;
use crate::app::form::{Field, Form};
use crate::app::panes::all_clusters;
use crate::app::{App, Level, Pane, flows};
use crate::fetcher::Command;
use crate::model::{BackupPlan, BackupScope, Named};
use crate::operation::Operation;

pub fn run_form(plan: &BackupPlan) -> Form {
    Form::new(
        format!("Run backup plan {} now", plan.name),
        vec![Field::choice(
            "kind",
            "Type",
            vec![
                ("incremental".into(), "incremental".into()),
                ("full".into(), "full".into()),
            ],
            Some("incremental"),
        )],
    )
    .with_intro(vec![format!(
        "Backs up the {} VM(s) of the plan now, without waiting for its schedule.",
        plan.vms.len()
    )])
}

pub fn run(cluster: &Named, plan: &Named, form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::RunBackupPlan {
        cluster: cluster.clone(),
        plan: plan.clone(),
        full: form.choice("kind").is_some_and(|(k, _)| k == "full"),
    }])
}

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
