//! `:journal`: every change vmdeck sent, newest first, in the dashboard. The same file
//! `vmdeck journal` prints, read off the UI loop; `/` filters it, `Enter` shows one entry's
//! calls, and `ctrl-s` exports it as shown.

use std::cmp::Ordering;
use std::path::PathBuf;

use super::dialog::Dialog;
use super::listed::{Listable, Listed};
use super::view::cmp_text;
use super::{App, Level};
use crate::backend::journal::Record;
use crate::fetcher::Command;

#[derive(Clone, Debug, Default)]
pub struct JournalView {
    pub list: Listed<Record>,
    pub loading: bool,
    pub error: Option<String>,
    /// The file read, to say where it is.
    pub path: Option<PathBuf>,
    /// The selected entry's calls are shown below the list.
    pub open: bool,
    pub seq: u64,
}

impl Listable for Record {
    const COLUMNS: &'static [&'static str] = &["TIME", "SITE", "USER", "OPERATION", "TARGET"];
    const FIELDS: &'static [&'static str] = &[
        "TIME",
        "SITE",
        "PLATFORM",
        "USER",
        "OPERATION",
        "TARGET",
        "OUTCOME",
        "ENDED",
        "GROUP",
        "CALLS",
        "ID",
    ];
    fn fields(&self) -> Vec<String> {
        let e = &self.entry;
        vec![
            e.time.clone(),
            e.site.clone(),
            e.platform.clone(),
            e.user.clone(),
            e.operation.title.clone(),
            e.target.clone(),
            self.outcome_label(),
            self.ended.clone().unwrap_or_default(),
            e.group.clone().unwrap_or_default(),
            e.calls
                .iter()
                .map(|c| format!("{} {}", c.method, c.path))
                .collect::<Vec<_>>()
                .join("; "),
            e.id.clone(),
        ]
    }
    fn key(&self) -> &str {
        &self.entry.id
    }
    fn search_fields(&self) -> Vec<&str> {
        let e = &self.entry;
        vec![
            &e.site,
            &e.user,
            &e.operation.title,
            &e.operation.kind,
            &e.target,
            self.outcome.as_ref().map_or("", outcome_word),
        ]
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        let (a, b) = (&self.entry, &o.entry);
        match column {
            1 => cmp_text(&a.site, &b.site),
            2 => cmp_text(&a.user, &b.user),
            3 => cmp_text(&a.operation.title, &b.operation.title),
            4 => cmp_text(&a.target, &b.target),
            // RFC 3339 in UTC sorts as text.
            _ => b.time.cmp(&a.time),
        }
    }
}

/// The word `/` finds an outcome by ("failed", "unknown"…).
fn outcome_word(o: &crate::backend::journal::Outcome) -> &'static str {
    use crate::backend::journal::Outcome;
    match o {
        Outcome::Succeeded => "succeeded",
        Outcome::Failed { .. } => "failed",
        Outcome::Unknown { .. } => "unknown",
        Outcome::Verified { .. } => "verified",
        Outcome::Accepted { .. } => "accepted",
    }
}

impl App {
    /// `:journal`: opens the view and asks the fetcher to read the file.
    pub fn open_journal(&mut self) -> Vec<Command> {
        let Some(path) = self.journal_path.clone() else {
            self.say(
                Level::Warn,
                "no journal: this system has no state directory (XDG_STATE_HOME)",
            );
            return vec![];
        };
        let seq = self.next_seq();
        self.dialog = Some(Dialog::Journal(JournalView {
            loading: true,
            path: Some(path.clone()),
            seq,
            ..JournalView::default()
        }));
        vec![Command::ReadJournal { seq, path }]
    }

    pub(super) fn on_journal(&mut self, seq: u64, result: Result<Vec<Record>, String>) {
        let Some(Dialog::Journal(j)) = self.dialog.as_mut() else {
            return;
        };
        if j.seq != seq {
            return;
        }
        j.loading = false;
        match result {
            Ok(records) => {
                j.error = None;
                j.list.set_items(records);
            }
            Err(e) => j.error = Some(e),
        }
    }
}

impl App {
    pub fn journal_view(&self) -> Option<&JournalView> {
        match &self.dialog {
            Some(Dialog::Journal(j)) => Some(j),
            _ => None,
        }
    }

    pub(super) fn filter_journal(&mut self, text: &str) {
        if let Some(Dialog::Journal(j)) = self.dialog.as_mut() {
            j.list.set_filter(text);
        }
    }

    /// Keys in the journal view (`/`, `:` and `ctrl-s` are handled with the view in place,
    /// in `dialog_keys.rs`); `false` closes it.
    pub(super) fn journal_key(
        &mut self,
        j: &mut JournalView,
        key: crossterm::event::KeyEvent,
    ) -> (bool, Vec<Command>) {
        use super::action::Action;
        use crossterm::event::KeyCode;
        let motion = match key.code {
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::Home | KeyCode::Char('g') => Some(Action::Top),
            KeyCode::End | KeyCode::Char('G') => Some(Action::Bottom),
            _ => None,
        };
        if let Some(action) = motion {
            j.list.apply(action);
            return (true, vec![]);
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => (false, vec![]),
            KeyCode::Enter => {
                j.open = !j.open;
                (true, vec![])
            }
            KeyCode::Char('r') => {
                let Some(path) = j.path.clone() else {
                    return (true, vec![]);
                };
                j.loading = true;
                j.seq = self.next_seq();
                (true, vec![Command::ReadJournal { seq: j.seq, path }])
            }
            _ => (true, vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tests::{code, key, ready_app_with, session, type_text};
    use crate::backend::journal::{Entry, EntryKind, OperationInfo, Outcome};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn record(id: &str, time: &str, target: &str, outcome: Option<Outcome>) -> Record {
        Record {
            entry: Entry {
                time: time.into(),
                id: id.into(),
                kind: EntryKind::Mutation,
                site: "lab".into(),
                platform: "tophc".into(),
                user: "admin".into(),
                operation: OperationInfo {
                    title: "Create snapshot".into(),
                    kind: "create_snapshot".into(),
                },
                target: target.into(),
                calls: vec![crate::backend::journal::Call {
                    method: "POST".into(),
                    path: "/v1/compute/snapshot".into(),
                    headers: vec![],
                    body: Some(serde_json::json!({"name": "pre-patch"})),
                }],
                group: Some("g7".into()),
            },
            outcome,
            ended: None,
        }
    }

    #[test]
    fn journal_opens_reads_off_the_loop_filters_and_exports_as_shown() {
        let mut app = ready_app_with(session(false));
        app.journal_path = Some(PathBuf::from("/state/vmdeck/journal.jsonl"));
        let cmds = app.run_command("journal").unwrap();
        let seq = match &cmds[..] {
            [Command::ReadJournal { seq, path }] => {
                assert_eq!(path, &PathBuf::from("/state/vmdeck/journal.jsonl"));
                *seq
            }
            other => panic!("{other:?}"),
        };
        assert!(app.journal_view().unwrap().loading);
        // A stale answer (an earlier read) is dropped.
        app.on_event(crate::fetcher::Event::Journal {
            seq: seq - 1,
            result: Ok(vec![]),
        });
        assert!(app.journal_view().unwrap().loading);
        app.on_event(crate::fetcher::Event::Journal {
            seq,
            result: Ok(vec![
                record("2", "2026-12-03T10:02:00Z", "db-01", None),
                record(
                    "1",
                    "2026-12-03T10:01:00Z",
                    "web-01",
                    Some(Outcome::Failed {
                        code: Some("E_BUSY".into()),
                        message: "busy".into(),
                    }),
                ),
            ]),
        });
        let j = app.journal_view().unwrap();
        assert_eq!(j.list.rows(), 2);
        assert_eq!(
            j.list.selected().unwrap().entry.target,
            "db-01",
            "newest first"
        );
        // `/failed` keeps the failed one.
        app.handle_key(key('/'));
        type_text(&mut app, "failed");
        app.handle_key(code(KeyCode::Enter));
        let j = app.journal_view().unwrap();
        assert_eq!(j.list.rows(), 1);
        assert_eq!(j.list.selected().unwrap().entry.target, "web-01");
        // ctrl-s writes the journal as shown, with the outcome in words and the calls.
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        let cmds = app.handle_key(ctrl_s);
        let [
            Command::WriteExport {
                path,
                contents,
                rows,
            },
        ] = &cmds[..]
        else {
            panic!("{cmds:?}");
        };
        assert_eq!(*rows, 1);
        assert!(path.to_str().unwrap().starts_with("vmdeck-lab-journal-"));
        let csv = String::from_utf8(contents.clone()).unwrap();
        assert!(
            csv.contains("failed: E_BUSY: busy")
                && csv.contains("POST /v1/compute/snapshot")
                && csv.contains(",g7,"),
            "{csv}"
        );
        assert!(app.journal_view().is_some(), "the view stays open");
        // Enter shows the calls; Esc closes.
        app.handle_key(code(KeyCode::Enter));
        assert!(app.journal_view().unwrap().open);
        app.handle_key(code(KeyCode::Esc));
        assert!(app.journal_view().is_none());
    }

    #[test]
    fn an_unreadable_journal_says_why() {
        let mut app = ready_app_with(session(false));
        app.journal_path = Some(PathBuf::from("/state/journal.jsonl"));
        let cmds = app.open_journal();
        let [Command::ReadJournal { seq, .. }] = &cmds[..] else {
            panic!("{cmds:?}");
        };
        app.on_event(crate::fetcher::Event::Journal {
            seq: *seq,
            result: Err("cannot read /state/journal.jsonl: permission denied".into()),
        });
        let j = app.journal_view().unwrap();
        assert!(!j.loading);
        assert_eq!(
            j.error.as_deref(),
            Some("cannot read /state/journal.jsonl: permission denied")
        );
        app.journal_path = None;
        app.dialog = None;
        assert!(app.open_journal().is_empty());
        assert!(app.status.as_ref().unwrap().text.contains("no journal"));
    }
}
