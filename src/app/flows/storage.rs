//! Where backups live: copying one to another backup storage, bringing one back from it,
//! volume templates made from a volume backup, and the management node's database backups.

use super::backup::{option_name, point_options};
use crate::app::flows::Purpose;
use crate::app::form::{Field, Form};
use crate::app::{App, Level, flows};
use crate::fetcher::Command;
use crate::model::{Backup, BackupCategory, BackupPoint, BackupRef, Named};
use crate::operation::Operation;

fn chosen_storage(form: &Form) -> Result<Named, String> {
    form.choice("storage")
        .map(|(id, label)| Named::new(id, option_name(&label)))
        .ok_or_else(|| "choose a backup storage (none loaded yet, or none fits)".to_string())
}

fn storage_field(label: &str, points: &[BackupPoint], loading: bool) -> Field {
    let mut f = Field::choice("storage", label, point_options(points), None);
    if loading {
        f = f.with_hint("loading backup storages…");
    } else if points.is_empty() {
        f = f.with_hint("no backup storage fits");
    }
    f
}

/// True when `point` already holds a copy of the backup.
fn holds(backup: &Backup, point: &BackupPoint) -> bool {
    backup.locations.iter().any(|l| l.id == point.id)
        || backup.point.as_ref().is_some_and(|p| p.id == point.id)
}

/// Storages a backup can be copied to: those without a copy yet.
pub fn sync_targets(backup: &Backup, points: &[BackupPoint]) -> Vec<BackupPoint> {
    points
        .iter()
        .filter(|p| !holds(backup, p))
        .cloned()
        .collect()
}

/// Storages a backup can be brought back from: those holding a copy (every storage when
/// the platform does not say).
pub fn recover_sources(backup: &Backup, points: &[BackupPoint]) -> Vec<BackupPoint> {
    if backup.locations.is_empty() {
        return points.to_vec();
    }
    points
        .iter()
        .filter(|p| holds(backup, p))
        .cloned()
        .collect()
}

pub fn sync_form(backup: &Backup, points: &[BackupPoint], loading: bool) -> Form {
    let targets = sync_targets(backup, points);
    Form::new(
        format!("Copy {} to another backup storage", backup.name),
        vec![storage_field("To", &targets, loading)],
    )
    .with_intro(vec![format!(
        "Now on: {}",
        locations_label(backup).unwrap_or_else(|| "(the platform does not say)".into())
    )])
}

pub fn sync(backup: &BackupRef, form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::SyncBackup {
        backup: backup.clone(),
        to: chosen_storage(form)?,
    }])
}

pub fn recover_form(backup: &Backup, points: &[BackupPoint], loading: bool) -> Form {
    let sources = recover_sources(backup, points);
    Form::new(
        format!("Recover {} from a backup storage", backup.name),
        vec![storage_field("From", &sources, loading)],
    )
    .with_intro(vec![
        "Brings a backup that only another backup storage holds back into use here.".into(),
    ])
}

pub fn recover(backup: &BackupRef, form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::RecoverBackup {
        backup: backup.clone(),
        from: chosen_storage(form)?,
    }])
}

pub fn template_form(backup: &Backup, points: &[BackupPoint], loading: bool) -> Form {
    let root = backup.root_volume;
    Form::new(
        format!("Volume template from {}", backup.name),
        vec![
            Field::text("name", "Template name", format!("{}-template", backup.name)),
            Field::choice(
                "kind",
                "Kind",
                vec![
                    ("root".into(), "root volume template (boots new VMs)".into()),
                    ("data".into(), "data volume template".into()),
                ],
                Some(if root { "root" } else { "data" }),
            ),
            storage_field("Stored on", points, loading),
        ],
    )
}

pub fn template(backup: &BackupRef, form: &Form) -> Result<Vec<Operation>, String> {
    let name = form.text("name");
    if name.is_empty() {
        return Err("the template needs a name".into());
    }
    Ok(vec![Operation::CreateTemplateFromBackup {
        backup: backup.clone(),
        name,
        root: form.choice("kind").is_some_and(|(k, _)| k == "root"),
        storage: chosen_storage(form)?,
    }])
}

pub fn database_backup_form(points: &[BackupPoint], loading: bool) -> Form {
    Form::new(
        "Back up the management node's database",
        vec![storage_field("To", points, loading)],
    )
}

pub fn database_backup(form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::CreateDatabaseBackup {
        storage: chosen_storage(form)?,
    }])
}

/// `export`: choose where to export to; otherwise which exported copy to delete.
pub fn export_form(backup: &Backup, points: &[BackupPoint], loading: bool, export: bool) -> Form {
    let candidates: Vec<BackupPoint> = if export {
        points.to_vec()
    } else {
        recover_sources(backup, points)
    };
    let title = if export {
        format!("Export database backup {}", backup.name)
    } else {
        format!("Delete an exported copy of {}", backup.name)
    };
    Form::new(title, vec![storage_field("Storage", &candidates, loading)])
}

pub fn export(backup: &BackupRef, form: &Form, export: bool) -> Result<Vec<Operation>, String> {
    let storage = chosen_storage(form)?;
    Ok(vec![if export {
        Operation::ExportDatabaseBackup {
            backup: backup.clone(),
            storage,
        }
    } else {
        Operation::DeleteExportedDatabaseBackup {
            backup: backup.clone(),
            storage,
        }
    }])
}

/// "nfs-1, remote-dr" — where copies of the backup are.
pub fn locations_label(backup: &Backup) -> Option<String> {
    let mut names: Vec<&str> = backup.locations.iter().map(|l| l.name.as_str()).collect();
    if names.is_empty()
        && let Some(p) = &backup.point
    {
        names.push(&p.name);
    }
    (!names.is_empty()).then(|| names.join(", "))
}

impl App {
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
