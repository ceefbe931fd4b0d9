//! Application state and how it changes. Plain data and pure functions: keys and fetcher
//! events go in, `Command`s for the fetcher come out. No I/O, no terminal — unit-testable.
//!
//! Following one key press:
//! * `handle_key` (here) turns the key into an [`Action`] through the [`Keymap`], or hands it
//!   to the open dialog (`dialog_keys.rs`) or prompt (`prompt.rs`);
//! * `App::update` (`input.rs`) applies an `Action` outside dialogs: movement, focus, entering
//!   a cluster or VM, and opening an operation's form (`flows/<family>.rs`, which holds the
//!   family's checks, forms and `Operation`s);
//! * reads to ask for are built in `loads.rs`; the fetcher's answers come back through
//!   `App::on_event` (`events.rs`), and a form's missing reads are tracked in `needs.rs`.

pub mod action;
pub mod copy;
pub mod cursor;
pub mod dialog;
mod dialog_keys;
mod events;
pub mod export;
pub mod flows;
pub mod form;
mod input;
pub mod journal;
pub mod keymap;
pub mod listed;
mod loads;
mod mouse;
pub mod needs;
pub mod panes;
pub mod prompt;
pub mod sites;
pub mod snapshots;
pub mod view;

use std::time::{Duration, Instant};

use jiff::Timestamp;

pub use action::Action;
use dialog::{Dialog, Message};
pub use keymap::Keymap;
pub use panes::all_clusters;
use panes::{BackupsPane, ClustersPane, TasksPane, VmsPane};
use snapshots::SnapshotsPane;

use crate::fetcher::Command;
use crate::model::Capabilities;
pub use crate::session::Session;

/// How often the platform's own task list is re-read while it is shown.
const PLATFORM_TASKS_EVERY: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Clusters,
    Vms,
    Snapshots,
    Backups,
    Tasks,
}

impl Pane {
    pub const ORDER: [Pane; 5] = [
        Pane::Clusters,
        Pane::Vms,
        Pane::Snapshots,
        Pane::Backups,
        Pane::Tasks,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Clusters => "Clusters",
            Pane::Vms => "VMs",
            Pane::Snapshots => "Snapshots",
            Pane::Backups => "Backups",
            Pane::Tasks => "Tasks",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Clone, Debug)]
pub struct StatusLine {
    pub text: String,
    pub level: Level,
    pub at: Instant,
}

/// Whether the platform answered lately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected,
    Unreachable(String),
}

pub struct App {
    pub session: Session,
    pub keymap: Keymap,
    pub focus: Pane,
    pub clusters: ClustersPane,
    pub vms: VmsPane,
    pub snapshots: SnapshotsPane,
    pub backups: BackupsPane,
    pub tasks: TasksPane,
    pub dialog: Option<Dialog>,
    pub status: Option<StatusLine>,
    pub connection: Connection,
    pub last_refresh: Option<Timestamp>,
    /// Time used for elapsed times and spinners (set by ticks; fixed in tests).
    pub now: Instant,
    /// Wall clock used for default names and "last refresh".
    pub wall: Timestamp,
    /// Time zone for displayed times.
    pub tz: jiff::tz::TimeZone,
    /// Restore choices of the cluster the restore form is for.
    restore_choices: Option<(String, crate::model::RestoreChoices)>,
    /// Why the last read of those choices failed.
    pub restore_choices_error: Option<String>,
    choices_seq: u64,
    seq: u64,
    pub quit: bool,
    last_detail_poll: Option<Instant>,
    /// The `:` or `/` line being typed.
    pub prompt: Option<prompt::Prompt>,
    /// Names of every configured profile (for `:profile` and its completion).
    pub profiles: Vec<String>,
    /// Every configured site, the active one, and the site windows (picker, all sites).
    pub sites: sites::SitesState,
    /// When the screen was last re-read (by `r` or the interval).
    last_reload: Option<Instant>,
    /// Set when something worth remembering across restarts changed (sorts).
    pub state_changed: bool,
    /// Mouse clicks and wheel (on unless the config says `mouse = false`).
    pub mouse: bool,
    /// The last read of the platform's own task list (platforms that have one).
    platform_tasks_seq: u64,
    last_platform_tasks: Option<Instant>,
    pub platform_tasks_error: Option<String>,
    /// Where each pane was drawn last, in `Pane::ORDER` (for mouse hit-testing).
    pub pane_areas: std::cell::Cell<[ratatui::layout::Rect; 5]>,
    /// The focused pane has the whole screen between the status bar and the footer.
    pub zoomed: bool,
    /// An OSC 52 sequence waiting for the event loop to write it to the terminal.
    pub(in crate::app) clipboard: Option<String>,
    /// The change journal `:journal` reads (`None`: the system has no state directory).
    pub journal_path: Option<std::path::PathBuf>,
    /// A bulk rollback whose snapshots are being looked up (its preview opens when found).
    pub(in crate::app) finding: Option<flows::bulk::Finding>,
}

impl App {
    pub fn new(session: Session) -> Self {
        let page = session.backup_page_size;
        let sites = sites::SitesState::single(&session);
        Self {
            session,
            keymap: Keymap::default(),
            focus: Pane::Clusters,
            clusters: ClustersPane::default(),
            vms: VmsPane::default(),
            snapshots: SnapshotsPane::default(),
            backups: BackupsPane::new(page),
            tasks: TasksPane::default(),
            dialog: None,
            status: None,
            connection: Connection::Connecting,
            last_refresh: None,
            now: Instant::now(),
            wall: Timestamp::now(),
            tz: jiff::tz::TimeZone::system(),
            restore_choices: None,
            restore_choices_error: None,
            choices_seq: 0,
            seq: 0,
            quit: false,
            last_detail_poll: None,
            mouse: true,
            platform_tasks_seq: 0,
            last_platform_tasks: None,
            platform_tasks_error: None,
            pane_areas: Default::default(),
            zoomed: false,
            clipboard: None,
            journal_path: crate::state::journal_path(),
            finding: None,
            prompt: None,
            last_reload: None,
            profiles: Vec::new(),
            sites,
            state_changed: false,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The first loads: clusters, and every cluster's VMs (so a failing cluster shows up).
    pub fn start(&mut self) -> Vec<Command> {
        let mut cmds = self.load_clusters();
        cmds.extend(self.choose_cluster(all_clusters()));
        cmds
    }

    pub fn caps(&self) -> &Capabilities {
        &self.session.caps
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            level,
            at: self.now,
        });
    }

    fn message(&mut self, title: &str, lines: Vec<String>, error: bool) {
        self.dialog = Some(Dialog::Message(Message {
            title: title.to_string(),
            lines,
            error,
            offer: None,
        }));
    }

    /// Time passes: while operations run, keep the chosen VM's row fresh so its power
    /// state and current action are visible.
    pub fn tick(&mut self, now: Instant, wall: Timestamp) -> Vec<Command> {
        self.now = now;
        self.wall = wall;
        if let Some(s) = &self.status
            && now.saturating_duration_since(s.at) > Duration::from_secs(8)
            && s.level == Level::Info
        {
            self.status = None;
        }
        let start = *self.last_reload.get_or_insert(now);
        if let Some(every) = self.session.refresh_every
            && now.saturating_duration_since(start) >= every
            && self.dialog.is_none()
        {
            self.last_reload = Some(now);
            return self.reload();
        }
        let mut cmds = self.poll_platform(now);
        let busy = self.tasks.running() > 0;
        let due = self
            .last_detail_poll
            .is_none_or(|t| now.saturating_duration_since(t) >= Duration::from_secs(2));
        if busy
            && due
            && let Some(vm) = self.vms.chosen.clone()
        {
            self.last_detail_poll = Some(now);
            let seq = self.next_seq();
            self.vms.detail_seq = seq;
            cmds.push(Command::LoadVmDetail { seq, vm });
        }
        cmds
    }

    /// Reads that follow the screen on their own: the platform's recent tasks every few
    /// seconds, and the chain of the selected backup once the cursor rests on it.
    fn poll_platform(&mut self, now: Instant) -> Vec<Command> {
        let mut cmds = Vec::new();
        if self.caps().platform_tasks
            && self
                .last_platform_tasks
                .is_none_or(|t| now.saturating_duration_since(t) >= PLATFORM_TASKS_EVERY)
        {
            self.last_platform_tasks = Some(now);
            let seq = self.next_seq();
            self.platform_tasks_seq = seq;
            let cluster = self.vms.cluster.clone().unwrap_or_else(all_clusters);
            cmds.push(Command::LoadPlatformTasks { seq, cluster });
        }
        if self.caps().backup_chains
            && let Some(b) = self.backups.selected()
        {
            let known = self.backups.chain.as_ref().is_some_and(|c| {
                c.backup_id == b.id || (!c.loading && c.items.iter().any(|x| x.id == b.id))
            });
            if !known {
                let backup = b.to_ref();
                let seq = self.next_seq();
                self.backups.chain_seq = seq;
                self.backups.chain = Some(panes::BackupChain {
                    backup_id: backup.id.clone(),
                    loading: true,
                    ..Default::default()
                });
                cmds.push(Command::LoadBackupChain { seq, backup });
            }
        }
        cmds
    }

    /// True when something animates (spinners, elapsed times) and the screen should redraw
    /// on ticks.
    pub fn animating(&self) -> bool {
        self.tasks.running() > 0
            || self.clusters.loading
            || self.vms.loading
            || self.snapshots.loading
            || self.backups.loading
    }
}

#[cfg(test)]
mod platform_tests;
#[cfg(test)]
mod tests;
