//! Run a backup plan now (full or incremental).

use crate::app::form::{Field, Form};
use crate::model::{BackupPlan, Named};
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
