//! Keys inside dialogs: forms, the preview-and-confirm step, help, remote backups.

use super::action::Action;
use super::dialog::{Dialog, FormDialog, RemoteDialog};
use super::flows::{Purpose, Submitted};
use super::form::FormOutcome;
use super::{App, Level, flows};
use crate::fetcher::Command;
use crate::model::PageRequest;
use crate::operation::Operation;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;

impl App {
    pub(super) fn dialog_key(&mut self, key: KeyEvent) -> Vec<Command> {
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
            Dialog::Message(mut m) => {
                if let Some(offer) = m.offer.take_if(|o| key.code == KeyCode::Char(o.key)) {
                    self.dialog = Some(Dialog::Form(*offer.form));
                } else if !matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                    self.dialog = Some(Dialog::Message(m));
                }
                vec![]
            }
            Dialog::Form(mut fd) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                // `r` is a letter in a text field; Ctrl-R reads again from anywhere.
                let again = key.code == KeyCode::Char('r') && (ctrl || !fd.form.typing());
                if again && let Some(cmds) = self.retry_needs(&fd) {
                    self.dialog = Some(Dialog::Form(fd));
                    self.show_needs();
                    return cmds;
                }
                let host_before = fd.form.choice("host");
                self.form_key(fd.form.handle_key(key), fd, host_before)
            }
            Dialog::Confirm(mut cd) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Esc => vec![],
                    KeyCode::Char('c') if ctrl => vec![],
                    KeyCode::Enter => {
                        if cd.blocked_reason().is_none() {
                            if let Some(bulk) = &cd.bulk {
                                let stop = bulk.stop_at_failure;
                                return self.execute_bulk(cd.steps, stop);
                            }
                            self.execute(cd.steps)
                        } else {
                            self.dialog = Some(Dialog::Confirm(cd));
                            vec![]
                        }
                    }
                    KeyCode::Tab if cd.bulk.is_some() => {
                        if let Some(bulk) = cd.bulk.as_mut() {
                            bulk.stop_at_failure = !bulk.stop_at_failure;
                        }
                        self.dialog = Some(Dialog::Confirm(cd));
                        vec![]
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
            Dialog::Console(mut cd) => {
                match key.code {
                    KeyCode::Char('s') => {
                        cd.reveal = !cd.reveal;
                        self.dialog = Some(Dialog::Console(cd));
                    }
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => {}
                    KeyCode::Char('y') => {
                        self.copy_console_url(&cd);
                        self.dialog = Some(Dialog::Console(cd));
                    }
                    _ => self.dialog = Some(Dialog::Console(cd)),
                }
                vec![]
            }
            Dialog::Journal(mut j) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Char('/') => {
                        self.dialog = Some(Dialog::Journal(j));
                        self.open_prompt(super::prompt::PromptKind::JournalFilter);
                        vec![]
                    }
                    KeyCode::Char(':') => {
                        self.dialog = Some(Dialog::Journal(j));
                        self.open_prompt(super::prompt::PromptKind::Command);
                        vec![]
                    }
                    KeyCode::Char('s') if ctrl => {
                        self.dialog = Some(Dialog::Journal(j));
                        self.export(super::export::Format::Csv, None)
                    }
                    _ => {
                        let (keep, cmds) = self.journal_key(&mut j, key);
                        if keep {
                            self.dialog = Some(Dialog::Journal(j));
                        }
                        cmds
                    }
                }
            }
            Dialog::Plans(mut pd) => {
                let n = pd.plans.len();
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') => vec![],
                    KeyCode::Down | KeyCode::Char('j') => {
                        pd.cursor.apply(Action::Down, n);
                        self.dialog = Some(Dialog::Plans(pd));
                        vec![]
                    }
                    KeyCode::Up | KeyCode::Char('k') => {
                        pd.cursor.apply(Action::Up, n);
                        self.dialog = Some(Dialog::Plans(pd));
                        vec![]
                    }
                    KeyCode::Enter => match pd.selected().cloned() {
                        Some(plan) => self.show_plan_backups(&plan),
                        None => {
                            self.dialog = Some(Dialog::Plans(pd));
                            vec![]
                        }
                    },
                    KeyCode::Char('r') if pd.error.is_some() => {
                        pd.loading = true;
                        pd.seq = self.next_seq();
                        let cmd = Command::LoadBackupPlans {
                            seq: pd.seq,
                            cluster: pd.cluster.clone(),
                        };
                        self.dialog = Some(Dialog::Plans(pd));
                        vec![cmd]
                    }
                    KeyCode::Char('x') => match pd.selected().cloned() {
                        Some(plan) => self.start_run_plan(&plan),
                        None => {
                            self.dialog = Some(Dialog::Plans(pd));
                            vec![]
                        }
                    },
                    _ => {
                        self.dialog = Some(Dialog::Plans(pd));
                        vec![]
                    }
                }
            }
        }
    }

    /// Keys in the remote-backup browser; returns whether the dialog stays open.
    pub(super) fn remote_key(
        &mut self,
        rd: &mut RemoteDialog,
        key: KeyEvent,
    ) -> (bool, Vec<Command>) {
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
            KeyCode::Char('r') if rd.error.is_some() => {
                let index = rd.request.index;
                return (true, self.load_remote_page(rd, index));
            }
            KeyCode::Char(']') => Some(rd.request.index + 1),
            KeyCode::Char('[') => Some(rd.request.index.saturating_sub(1)),
            KeyCode::Enter => {
                if rd.chosen.is_empty() {
                    self.say(Level::Warn, "mark backups with Space first");
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
                (true, self.load_remote_page(rd, index))
            }
            _ => (true, vec![]),
        }
    }

    fn load_remote_page(&mut self, rd: &mut RemoteDialog, index: u32) -> Vec<Command> {
        rd.request.index = index;
        rd.cursor.reset();
        rd.loading = true;
        rd.seq = self.next_seq();
        vec![Command::LoadRemoteBackups {
            seq: rd.seq,
            cluster: rd.cluster.clone(),
            point: rd.point.clone(),
            page: rd.request,
        }]
    }

    /// A key in a form: keep editing (re-fitting a restore's networks when its host
    /// changed), cancel, or submit.
    fn form_key(
        &mut self,
        outcome: FormOutcome,
        mut fd: FormDialog,
        host_before: Option<(String, String)>,
    ) -> Vec<Command> {
        match outcome {
            FormOutcome::Editing => {
                // Another host may be in another cluster, with other networks. Only a
                // change of host re-fits them: passing through keeps what was chosen.
                if let Purpose::Restore { backup } = &fd.purpose
                    && fd.form.choice("host") != host_before
                    && let Some((_, choices)) = self
                        .restore_choices
                        .as_ref()
                        .filter(|(id, _)| *id == backup.id)
                {
                    flows::restore::fit_networks(&mut fd.form, choices);
                }
                self.dialog = Some(Dialog::Form(fd));
                vec![]
            }
            FormOutcome::Cancel => vec![],
            FormOutcome::Submit => {
                if let Some(why) = self.missing_need(&fd) {
                    fd.form.error = Some(why);
                    self.dialog = Some(Dialog::Form(fd));
                    return vec![];
                }
                self.submit_form(fd)
            }
        }
    }

    /// Enter in a form whose reads are all here: validate, then preview or apply.
    fn submit_form(&mut self, mut fd: FormDialog) -> Vec<Command> {
        match fd.purpose.submit(&fd.form, self.caps(), self.wall) {
            Err(e) => {
                fd.form.error = Some(e);
                self.dialog = Some(Dialog::Form(fd));
                vec![]
            }
            Ok(Submitted::Operations { steps, warnings }) => self.confirm(steps, warnings),
            Ok(Submitted::Bulk { steps, skipped }) => self.confirm_bulk(steps, skipped),
            Ok(Submitted::FindSnapshots { targets, skipped }) => {
                self.find_snapshots(targets, skipped)
            }
            Ok(Submitted::Filter(filter)) => {
                self.backups.filter = filter;
                self.backups.request.index = 0;
                self.backups.list.cursor.reset();
                self.load_backups()
            }
            Ok(Submitted::RestoreMode { backup, in_place }) => self.restore_next(&backup, in_place),
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
        }
    }
}
