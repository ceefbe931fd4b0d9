//! The one-line prompts: `:` commands (with completion and aliases) and `/` filters, which
//! filter a list as you type (`!` inverts) or search the snapshot tree, opening the branches
//! that lead to the hits.

use super::action::Action;
use super::{App, Pane, panes, view};
use crate::fetcher::Command;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter(Pane),
    /// `/` in the journal view.
    JournalFilter,
}

#[derive(Clone, Debug)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    /// Completions of the word being typed, and the one Tab last chose.
    pub candidates: Vec<String>,
    pub chosen: Option<usize>,
    pub error: Option<String>,
}

/// Commands and their aliases; the first name is the one completion offers.
pub const COMMANDS: &[(&[&str], &str)] = &[
    (&["clusters", "cl"], "go to Clusters"),
    (&["vms", "vm"], "go to VMs"),
    (&["snapshots", "snap", "ss"], "go to Snapshots"),
    (&["backups", "bk"], "go to Backups"),
    (&["tasks", "t"], "go to Tasks"),
    (
        &["profile", "ctx"],
        "switch site: profile NAME (no name: pick one)",
    ),
    (&["sites", "all"], "every site's clusters at once"),
    (&["sort", "s"], "sort the list: sort COLUMN [desc]"),
    (&["filter", "f"], "filter the list: filter TEXT (! inverts)"),
    (&["refresh", "r"], "read everything again"),
    (
        &["journal", "j"],
        "every change vmdeck sent, newest first (/ filters)",
    ),
    (
        &["export", "e"],
        "write the list as shown: export [csv|json] [PATH]",
    ),
    (&["help", "?"], "list every key"),
    (&["quit", "q", "q!"], "leave vmdeck"),
];

impl App {
    pub fn open_prompt(&mut self, kind: PromptKind) {
        let initial = match kind {
            PromptKind::Command => String::new(),
            PromptKind::Filter(pane) => self.filter_of(pane),
            PromptKind::JournalFilter => self
                .journal_view()
                .map(|j| j.list.view.filter.clone())
                .unwrap_or_default(),
        };
        let mut p = Prompt {
            kind,
            input: Input::new(initial),
            candidates: Vec::new(),
            chosen: None,
            error: None,
        };
        if kind == PromptKind::Command {
            p.candidates = self.completions("");
        }
        self.prompt = Some(p);
    }

    fn filter_of(&self, pane: Pane) -> String {
        match pane {
            Pane::Clusters => self.clusters.list.view.filter.clone(),
            Pane::Vms => self.vms.list.view.filter.clone(),
            Pane::Backups => self.backups.list.view.filter.clone(),
            Pane::Tasks => self.tasks.list.view.filter.clone(),
            Pane::Snapshots => self.snapshots.search.clone(),
        }
    }

    /// Applies a filter (or tree search) to a pane.
    pub fn set_filter(&mut self, pane: Pane, text: &str) {
        match pane {
            Pane::Clusters => self.clusters.list.set_filter(text),
            Pane::Vms => self.vms.list.set_filter(text),
            Pane::Backups => self.backups.list.set_filter(text),
            Pane::Tasks => self.tasks.list.set_filter(text),
            Pane::Snapshots => self.snapshots.search_for(text),
        }
    }

    pub(super) fn prompt_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(mut p) = self.prompt.take() else {
            return vec![];
        };
        match key.code {
            KeyCode::Esc => {
                // Esc on a filter clears it; on a command it just closes.
                match p.kind {
                    PromptKind::Filter(pane) => self.set_filter(pane, ""),
                    PromptKind::JournalFilter => self.filter_journal(""),
                    PromptKind::Command => {}
                }
                return vec![];
            }
            KeyCode::Enter => {
                return match p.kind {
                    PromptKind::Filter(pane) => {
                        self.set_filter(pane, p.input.value());
                        vec![]
                    }
                    PromptKind::JournalFilter => {
                        self.filter_journal(p.input.value());
                        vec![]
                    }
                    PromptKind::Command => {
                        let line = p.input.value().trim().to_string();
                        match self.run_command(&line) {
                            Ok(cmds) => cmds,
                            Err(e) => {
                                p.error = Some(e);
                                self.prompt = Some(p);
                                vec![]
                            }
                        }
                    }
                };
            }
            KeyCode::Tab if p.kind == PromptKind::Command => self.complete(&mut p),
            _ => {
                p.input.handle_event(&TermEvent::Key(key));
                p.error = None;
                p.chosen = None;
                match p.kind {
                    PromptKind::Filter(pane) => self.set_filter(pane, p.input.value()),
                    PromptKind::JournalFilter => self.filter_journal(p.input.value()),
                    PromptKind::Command => p.candidates = self.completions(p.input.value()),
                }
            }
        }
        self.prompt = Some(p);
        vec![]
    }

    /// Tab: take the next candidate for the word being typed.
    fn complete(&self, p: &mut Prompt) {
        if p.candidates.is_empty() {
            return;
        }
        let next = p.chosen.map_or(0, |i| (i + 1) % p.candidates.len());
        p.chosen = Some(next);
        let value = p.input.value();
        let head = match value.rfind(' ') {
            Some(i) => &value[..=i],
            None => "",
        };
        let mut text = format!("{head}{}", p.candidates[next]);
        if p.candidates.len() == 1 && head.is_empty() && takes_argument(&p.candidates[next]) {
            text.push(' ');
        }
        p.input = Input::new(text);
    }

    /// What could complete the last word of `line`.
    pub fn completions(&self, line: &str) -> Vec<String> {
        let mut words = line.split(' ');
        let first = words.next().unwrap_or("");
        let rest: Vec<&str> = words.collect();
        if rest.is_empty() {
            return COMMANDS
                .iter()
                .map(|(names, _)| names[0])
                .filter(|n| n.starts_with(first))
                .map(str::to_string)
                .collect();
        }
        let word = rest.last().copied().unwrap_or("");
        let options: Vec<String> = match command_named(first) {
            Some("profile") => self.profiles.clone(),
            Some("sort") if rest.len() == 1 => self
                .sort_columns(self.focus)
                .iter()
                .map(|(_, c)| c.to_lowercase())
                .collect(),
            Some("sort") => vec!["asc".into(), "desc".into()],
            Some("export") if rest.len() == 1 => vec!["csv".into(), "json".into()],
            _ => vec![],
        };
        options
            .into_iter()
            .filter(|o| o.starts_with(word))
            .collect()
    }

    /// The columns a pane can be sorted by (those it draws), with their index.
    fn sort_columns(&self, pane: Pane) -> Vec<(usize, &'static str)> {
        use super::listed::Listable;
        let all: &'static [&'static str] = match pane {
            Pane::Clusters => crate::model::Cluster::COLUMNS,
            Pane::Vms => crate::model::Vm::COLUMNS,
            Pane::Backups => crate::model::Backup::COLUMNS,
            Pane::Tasks => panes::TaskEntry::COLUMNS,
            Pane::Snapshots => &[],
        };
        all.iter()
            .copied()
            .enumerate()
            .filter(|(_, c)| pane != Pane::Vms || self.vms.shows(c))
            .collect()
    }

    /// Runs a `:` command line. `Err` is shown in the prompt.
    pub fn run_command(&mut self, line: &str) -> Result<Vec<Command>, String> {
        let mut words = line.split_whitespace();
        let Some(word) = words.next() else {
            return Ok(vec![]);
        };
        let args: Vec<&str> = words.collect();
        let name = command_named(word)
            .ok_or_else(|| format!("unknown command \"{word}\" (Tab lists them)"))?;
        let focus = |app: &mut App, pane| {
            app.sites.all_sites = None;
            app.focus = pane;
            Ok(vec![])
        };
        match name {
            "clusters" => focus(self, Pane::Clusters),
            "vms" => focus(self, Pane::Vms),
            "snapshots" => focus(self, Pane::Snapshots),
            "backups" => focus(self, Pane::Backups),
            "tasks" => focus(self, Pane::Tasks),
            "refresh" => Ok(self.update(Action::Refresh)),
            "help" => Ok(self.update(Action::Help)),
            "quit" => Ok(self.update(Action::Quit)),
            "filter" => {
                self.set_filter(self.focus, &args.join(" "));
                Ok(vec![])
            }
            "sort" => self.sort_command(&args),
            "profile" => match args.first() {
                Some(target) => self.open_site_named(target),
                None => {
                    self.open_picker();
                    Ok(vec![])
                }
            },
            "sites" => {
                self.open_all_sites();
                Ok(vec![])
            }
            "journal" => Ok(self.open_journal()),
            "export" => {
                // `export PATH` is CSV; a first word that names a format is the format.
                let (format, path) =
                    match args.first().and_then(|w| super::export::Format::parse(w)) {
                        Some(f) => (f, args.get(1..).unwrap_or(&[]).join(" ")),
                        None => (super::export::Format::Csv, args.join(" ")),
                    };
                let path = (!path.is_empty()).then_some(path);
                Ok(self.export(format, path.as_deref()))
            }
            _ => Err(format!("\"{name}\" is not handled")),
        }
    }

    fn sort_command(&mut self, args: &[&str]) -> Result<Vec<Command>, String> {
        let columns = self.sort_columns(self.focus);
        if columns.is_empty() {
            return Err(format!("{} cannot be sorted", self.focus.title()));
        }
        let names = columns
            .iter()
            .map(|(_, c)| c.to_lowercase())
            .collect::<Vec<_>>()
            .join(", ");
        let Some(col) = args.first() else {
            return Err(format!("sort by: {names}"));
        };
        let column = columns
            .iter()
            .find(|(_, c)| c.eq_ignore_ascii_case(col))
            .map(|(i, _)| *i)
            .ok_or_else(|| format!("no column \"{col}\" here ({names})"))?;
        let descending = matches!(args.get(1), Some(&"desc") | Some(&"d"));
        self.set_sort(self.focus, Some(view::Sort { column, descending }));
        Ok(vec![])
    }
}

fn command_named(word: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .find(|(names, _)| names.contains(&word))
        .map(|(names, _)| names[0])
}

fn takes_argument(command: &str) -> bool {
    matches!(command, "profile" | "sort" | "filter" | "export")
}
