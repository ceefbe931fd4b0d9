//! What vmdeck remembers between runs (not configuration): the sort of each list, in
//! `$XDG_STATE_HOME/vmdeck/state.toml`. A missing or broken file just means defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::app::view::Sort;
use crate::app::{App, Pane};
use crate::backend::journal::Journal;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiState {
    /// Per list: "column:asc" or "column:desc" (column as headed, lower case).
    #[serde(default)]
    pub sort: BTreeMap<String, String>,
}

/// `$XDG_STATE_HOME/vmdeck` (where the platform has no state directory, the local data one).
pub fn dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "vmdeck")?;
    Some(
        dirs.state_dir()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| dirs.data_local_dir().to_path_buf()),
    )
}

pub fn path() -> Option<PathBuf> {
    Some(dir()?.join("state.toml"))
}

/// The change journal's file.
pub fn journal_path() -> Option<PathBuf> {
    Some(dir()?.join(crate::backend::journal::FILE_NAME))
}

/// The process's one journal writer: one thread owns the file, so lines from every site
/// never interleave. Without a state directory every mutation is refused (see `Journaled`).
pub fn journal() -> &'static Journal {
    JOURNAL.get_or_init(|| Journal::open(journal_path().unwrap_or_default()))
}

static JOURNAL: std::sync::OnceLock<Journal> = std::sync::OnceLock::new();

/// Writes what is still queued for the journal (outcomes of tasks cut short at exit).
pub fn flush_journal() {
    if let Some(j) = JOURNAL.get() {
        j.flush_blocking();
    }
}

pub fn load() -> UiState {
    let Some(p) = path() else {
        return UiState::default();
    };
    match std::fs::read_to_string(&p) {
        Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!(path = %p.display(), error = %e, "ignoring unreadable state file");
            UiState::default()
        }),
        Err(_) => UiState::default(),
    }
}

pub fn save(state: &UiState) -> std::io::Result<()> {
    let Some(p) = path() else {
        return Ok(());
    };
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = toml::to_string(state).map_err(std::io::Error::other)?;
    // Write then rename, so a crash never leaves half a file.
    let tmp = p.with_extension("toml.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, p)
}

const LISTS: [Pane; 4] = [Pane::Clusters, Pane::Vms, Pane::Backups, Pane::Tasks];

impl App {
    /// The state worth keeping: each list's sort (when it differs from the default).
    pub fn ui_state(&self) -> UiState {
        let mut sort = BTreeMap::new();
        for pane in LISTS {
            let (view, columns) = self.view_of(pane);
            if let Some(s) = view.sort.filter(|s| Some(*s) != view.default_sort)
                && let Some(col) = columns.get(s.column)
            {
                let dir = if s.descending { "desc" } else { "asc" };
                sort.insert(
                    pane.title().to_lowercase(),
                    format!("{}:{dir}", col.to_lowercase()),
                );
            }
        }
        UiState { sort }
    }

    /// Applies remembered sorts; unknown lists or columns are ignored.
    pub fn apply_ui_state(&mut self, state: &UiState) {
        for pane in LISTS {
            let Some(value) = state.sort.get(&pane.title().to_lowercase()) else {
                continue;
            };
            let (col, dir) = value.split_once(':').unwrap_or((value.as_str(), "asc"));
            let (_, columns) = self.view_of(pane);
            if let Some(column) = columns.iter().position(|c| c.eq_ignore_ascii_case(col)) {
                self.set_sort(
                    pane,
                    Some(Sort {
                        column,
                        descending: dir == "desc",
                    }),
                );
            }
        }
        self.state_changed = false;
    }

    fn view_of(&self, pane: Pane) -> (&crate::app::view::View, &'static [&'static str]) {
        use crate::app::listed::Listable;
        match pane {
            Pane::Clusters => (&self.clusters.list.view, crate::model::Cluster::COLUMNS),
            Pane::Vms => (&self.vms.list.view, crate::model::Vm::COLUMNS),
            Pane::Backups => (&self.backups.list.view, crate::model::Backup::COLUMNS),
            Pane::Tasks | Pane::Snapshots => {
                (&self.tasks.list.view, crate::app::panes::TaskEntry::COLUMNS)
            }
        }
    }
}
