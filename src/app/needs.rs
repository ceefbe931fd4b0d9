//! The reads a form's choices come from (the VM's volumes, the backup points, where a
//! restored VM can go). While one is missing the form says so at the choice it fills —
//! still loading, or why it failed and that `r` reads it again — and Enter refuses: a form
//! is never submitted on a guess at what the platform would have offered.

use super::App;
use super::dialog::{Dialog, FormDialog};
use super::flows::Purpose;
use super::panes::all_clusters;
use crate::fetcher::Command;

/// How Enter's refusal starts, so it can be brought up to date when the read moves on.
const WAITING: &str = "waiting for ";

/// A read some form choices come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    VmDetail,
    BackupPoints,
    RestoreChoices,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadState {
    Here,
    Reading,
    Failed(String),
}

/// A field of an open form whose choices come from `read`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    pub read: Read,
    pub field: &'static str,
    /// Whether Enter waits for it (a backup filter on "any" point does not).
    pub required: bool,
}

impl App {
    /// What `read` brings, in the words the form uses.
    fn read_what(&self, read: Read) -> &'static str {
        match read {
            Read::VmDetail => "the VM's volumes",
            Read::BackupPoints if self.caps().backup_sync => "the backup storages",
            Read::BackupPoints => "the backup points",
            Read::RestoreChoices => "where the VM can go",
        }
    }

    /// The reads the form depends on.
    pub fn form_needs(&self, fd: &FormDialog) -> Vec<Need> {
        let need = |read, field: &'static str, required| {
            fd.form.has(field).then_some(Need {
                read,
                field,
                required,
            })
        };
        let points = self.caps().backup_points;
        let found = match &fd.purpose {
            Purpose::CreateSnapshot { .. } => vec![need(Read::VmDetail, "volume", true)],
            Purpose::CreateBackup { .. } => vec![
                need(Read::VmDetail, "volume", true),
                need(Read::BackupPoints, "point", true).filter(|_| points),
            ],
            Purpose::BulkBackup { .. } => {
                vec![need(Read::BackupPoints, "point", true).filter(|_| points)]
            }
            Purpose::CreateDatabaseBackup
            | Purpose::SyncBackup { .. }
            | Purpose::RecoverBackup { .. }
            | Purpose::CreateTemplate { .. }
            | Purpose::ExportDatabase { .. }
            | Purpose::DeleteExported { .. } => {
                vec![need(Read::BackupPoints, "storage", true).filter(|_| points)]
            }
            Purpose::ChooseRemotePoint { .. } => {
                vec![need(Read::BackupPoints, "point", true).filter(|_| points)]
            }
            Purpose::FilterBackups => {
                vec![need(Read::BackupPoints, "point", false).filter(|_| points)]
            }
            Purpose::Restore { .. } => vec![
                need(Read::RestoreChoices, "host", true),
                need(Read::RestoreChoices, "zone", true),
            ],
            _ => vec![],
        };
        found.into_iter().flatten().collect()
    }

    /// Where `read` stands for the form `fd`.
    pub fn read_state(&self, read: Read, fd: &FormDialog) -> ReadState {
        match read {
            Read::VmDetail => match &self.vms.detail_error {
                _ if self.chosen_detail().is_some() => ReadState::Here,
                Some(e) => ReadState::Failed(e.clone()),
                None => ReadState::Reading,
            },
            Read::BackupPoints => match &self.backups.points_error {
                Some(e) => ReadState::Failed(e.clone()),
                None if self.backups.points_loading => ReadState::Reading,
                None => ReadState::Here,
            },
            Read::RestoreChoices => {
                let here = matches!(&fd.purpose, Purpose::Restore { backup }
                    if self.restore_choices.as_ref().is_some_and(|(id, _)| *id == backup.id));
                match &self.restore_choices_error {
                    _ if here => ReadState::Here,
                    Some(e) => ReadState::Failed(e.clone()),
                    None => ReadState::Reading,
                }
            }
        }
    }

    /// Marks the open form's fields whose read failed, and unmarks those whose read is
    /// here again or under way.
    pub(super) fn show_needs(&mut self) {
        let Some(Dialog::Form(fd)) = self.dialog.as_ref() else {
            return;
        };
        let marks: Vec<(&'static str, Option<String>)> = self
            .form_needs(fd)
            .into_iter()
            .map(|n| {
                let problem = match self.read_state(n.read, fd) {
                    ReadState::Failed(e) => Some(format!(
                        "cannot read {}: {e} — r reads it again",
                        self.read_what(n.read)
                    )),
                    _ => None,
                };
                (n.field, problem)
            })
            .collect();
        // An earlier Enter's "waiting for …" says what is missing now, or goes.
        let waiting = fd
            .form
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with(WAITING));
        let refusal = self.missing_need(fd);
        if let Some(Dialog::Form(fd)) = self.dialog.as_mut() {
            for (field, problem) in marks {
                fd.form.set_problem(field, problem);
            }
            if waiting {
                fd.form.error = refusal;
            }
        }
    }

    /// Why Enter cannot submit the form yet: a read it needs is missing.
    pub(super) fn missing_need(&self, fd: &FormDialog) -> Option<String> {
        self.form_needs(fd)
            .into_iter()
            .filter(|n| n.required)
            .find_map(|n| {
                let what = self.read_what(n.read);
                match self.read_state(n.read, fd) {
                    ReadState::Here => None,
                    ReadState::Reading => Some(format!("{WAITING}{what} (still being read)")),
                    ReadState::Failed(_) => Some(format!(
                        "{WAITING}{what}, which could not be read: r reads it again"
                    )),
                }
            })
    }

    /// `r` in a form: reads again what failed; `None` when nothing had.
    pub(super) fn retry_needs(&mut self, fd: &FormDialog) -> Option<Vec<Command>> {
        let failed: Vec<Read> = self
            .form_needs(fd)
            .into_iter()
            .filter(|n| matches!(self.read_state(n.read, fd), ReadState::Failed(_)))
            .map(|n| n.read)
            .collect();
        if failed.is_empty() {
            return None;
        }
        let mut cmds = Vec::new();
        for read in failed {
            match read {
                Read::VmDetail => {
                    if let Some(vm) = self.vms.chosen.clone() {
                        self.vms.detail_error = None;
                        let seq = self.next_seq();
                        self.vms.detail_seq = seq;
                        cmds.push(Command::LoadVmDetail { seq, vm });
                    }
                }
                Read::BackupPoints => {
                    let cluster = self.backups_cluster().unwrap_or_else(all_clusters);
                    cmds.extend(self.load_points(cluster));
                }
                Read::RestoreChoices => {
                    if let Purpose::Restore { backup } = &fd.purpose {
                        self.restore_choices_error = None;
                        let seq = self.next_seq();
                        self.choices_seq = seq;
                        cmds.push(Command::LoadRestoreChoices {
                            seq,
                            backup: backup.clone(),
                        });
                    }
                }
            }
        }
        Some(cmds)
    }
}
