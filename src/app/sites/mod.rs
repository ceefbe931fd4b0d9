//! Sites, on the state side: what the app knows of every configured profile (its
//! connection state and clusters, for the all-sites view and the picker) and switching the
//! dashboard from one site to another. No I/O: what needs doing is queued as
//! [`SiteRequest`]s that the UI loop carries out (see `src/sites.rs` for the runtime).
//!
//! Answers are tagged with the site they come from. Only the active site's reach the
//! panes; from the others only task progress is kept (tasks of every site stay in the Tasks
//! pane). Within a site the per-request `seq` still drops what the user has moved past.

mod keys;
mod password;

pub use password::PasswordEntry;

use super::action::Action;
use super::panes::{BackupsPane, ClustersPane, VmsPane};
use super::snapshots::SnapshotsPane;
use super::{App, Connection, Level, Pane, cursor, keymap};
use crate::fetcher::{Command, Event};
use crate::model::{Cluster, ClusterFailure, ClusterState, Named, Platform, TaskState};
use crate::session::Session;
use crate::sites::{SiteEvent, SiteId, SiteNews, SiteRequest, SiteState};

/// What the app knows of one site.
#[derive(Clone, Debug)]
pub struct SiteSummary {
    pub name: String,
    pub platform: Platform,
    pub url: String,
    /// Who logs in (for the password prompt).
    pub user: String,
    pub state: SiteState,
    /// Set once the site is logged in.
    pub session: Option<Session>,
    pub clusters: Vec<Cluster>,
    pub failures: Vec<ClusterFailure>,
    /// Whether its clusters have been read at least once.
    pub read: bool,
    /// Why the last read of its clusters failed.
    pub error: Option<String>,
}

impl SiteSummary {
    pub fn new(name: impl Into<String>, platform: Platform, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            platform,
            url: url.into(),
            user: String::new(),
            state: SiteState::Connecting,
            session: None,
            clusters: Vec::new(),
            failures: Vec::new(),
            read: false,
            error: None,
        }
    }

    /// A site that is already logged in.
    pub fn connected(session: Session) -> Self {
        let mut s = Self::new(
            session.profile.clone(),
            session.platform,
            session.endpoint.clone(),
        );
        s.state = SiteState::Connected;
        s.user = session.user.clone();
        s.session = Some(session);
        s
    }

    /// Logged in and its last read worked.
    pub fn is_up(&self) -> bool {
        self.state == SiteState::Connected && self.error.is_none()
    }

    /// The platform's own view of the endpoint replaces the configured URL once known.
    fn endpoint_from(&mut self, session: &Session) {
        self.platform = session.platform;
        self.url = session.endpoint.clone();
    }

    /// Whether a cluster is failing, as the Clusters pane marks it.
    pub fn cluster_failed(&self, c: &Cluster) -> bool {
        matches!(c.state, ClusterState::Failed(_))
            || self.failures.iter().any(|f| f.cluster_id == c.id)
    }
}

/// A row of the all-sites view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteRow {
    /// The site's heading: name, platform, URL, connection state.
    Site(SiteId),
    /// One of its clusters (index into `SiteSummary::clusters`).
    Cluster(SiteId, usize),
    /// A line under the heading: why it is unreachable, that it needs a password, …
    Note(SiteId),
}

/// A small window over the dashboard.
pub enum SiteOverlay {
    /// Choose a site (row 0 is the all-sites view).
    Picker {
        cursor: cursor::Cursor,
    },
    Password(PasswordEntry),
}

/// Every site, which one the dashboard shows, and the site windows that are open.
pub struct SitesState {
    pub list: Vec<SiteSummary>,
    pub active: SiteId,
    /// Switch to this site (and open this cluster) once it is logged in.
    pub pending: Option<(SiteId, Option<Named>)>,
    pub overlay: Option<SiteOverlay>,
    /// The all-sites view is open (with its cursor).
    pub all_sites: Option<cursor::Cursor>,
    requests: Vec<SiteRequest>,
}

impl SitesState {
    /// One site: the one the app was started with.
    pub fn single(session: &Session) -> Self {
        Self {
            list: vec![SiteSummary::connected(session.clone())],
            active: 0,
            pending: None,
            overlay: None,
            all_sites: None,
            requests: Vec::new(),
        }
    }

    /// What the UI loop should do for the sites (taken, so each is done once).
    pub fn take_requests(&mut self) -> Vec<SiteRequest> {
        std::mem::take(&mut self.requests)
    }

    pub fn request(&mut self, r: SiteRequest) {
        self.requests.push(r);
    }

    pub fn active(&self) -> Option<&SiteSummary> {
        self.list.get(self.active)
    }

    /// Sites logged in and answering, and how many there are.
    pub fn up(&self) -> (usize, usize) {
        (
            self.list.iter().filter(|s| s.is_up()).count(),
            self.list.len(),
        )
    }

    pub fn id_of(&self, name: &str) -> Option<SiteId> {
        self.list.iter().position(|s| s.name == name)
    }

    /// The all-sites view's rows, in order.
    pub fn rows(&self) -> Vec<SiteRow> {
        let mut rows = Vec::new();
        for (id, s) in self.list.iter().enumerate() {
            rows.push(SiteRow::Site(id));
            let note = match &s.state {
                SiteState::Connected => s.error.is_some() || s.clusters.is_empty(),
                _ => true,
            };
            if s.state == SiteState::Connected {
                rows.extend((0..s.clusters.len()).map(|i| SiteRow::Cluster(id, i)));
            }
            if note {
                rows.push(SiteRow::Note(id));
            }
        }
        rows
    }
}

impl App {
    /// Every configured site; `active` must be logged in (its summary holds the session).
    pub fn set_sites(&mut self, list: Vec<SiteSummary>, active: SiteId) {
        self.profiles = list.iter().map(|s| s.name.clone()).collect();
        self.sites.list = list;
        self.sites.active = active.min(self.sites.list.len().saturating_sub(1));
        self.tasks.site = self.task_site_label();
    }

    /// Tasks name their site when there is more than one.
    fn task_site_label(&self) -> Option<String> {
        (self.sites.list.len() > 1)
            .then(|| self.sites.active().map(|s| s.name.clone()))
            .flatten()
    }

    /// Something a site said (the UI loop passes on every [`SiteEvent`]).
    pub fn on_site_event(&mut self, ev: SiteEvent) -> Vec<Command> {
        let site = ev.site;
        if site >= self.sites.list.len() {
            return vec![];
        }
        match ev.news {
            SiteNews::Fetched(event) => self.on_site_fetched(site, event),
            SiteNews::Clusters(result) => {
                self.keeping_all_sites_row(|sites| {
                    let s = &mut sites.list[site];
                    s.read = true;
                    match result {
                        Ok(listing) => {
                            s.clusters = listing.value;
                            s.failures = listing.failures;
                            s.error = None;
                        }
                        // The clusters read before stay; the note under the heading says why
                        // they may be stale.
                        Err(e) => s.error = Some(e.to_string()),
                    }
                });
                vec![]
            }
            SiteNews::Connected(session) => {
                let s = &mut self.sites.list[site];
                s.state = SiteState::Connected;
                s.endpoint_from(&session);
                s.session = Some(*session);
                let typed_for_it = matches!(
                    &self.sites.overlay,
                    Some(SiteOverlay::Password(p)) if p.site == site
                );
                if typed_for_it {
                    self.sites.overlay = None;
                }
                self.switch_if_pending(site)
            }
            SiteNews::State(state) => {
                if let Some(SiteOverlay::Password(p)) = self.sites.overlay.as_mut()
                    && p.site == site
                {
                    match &state {
                        SiteState::NeedsPassword { error } => p.refused(error.clone()),
                        SiteState::Unreachable(why) => p.refused(Some(why.clone())),
                        _ => {}
                    }
                }
                if let SiteState::Unreachable(why) = &state
                    && self.sites.pending.as_ref().is_some_and(|(p, _)| *p == site)
                    && self.sites.overlay.is_none()
                {
                    self.sites.pending = None;
                    let name = self.sites.list[site].name.clone();
                    self.say(Level::Error, format!("{name}: {why}"));
                }
                self.sites.list[site].state = state;
                vec![]
            }
        }
    }

    /// A fetcher answer: to the panes if it is the active site's; otherwise only task
    /// progress counts (the panes show another site now).
    fn on_site_fetched(&mut self, site: SiteId, event: Event) -> Vec<Command> {
        if site != self.sites.active {
            match event {
                Event::Task { id, state } => self.on_task_elsewhere(id, state),
                // Our task's id on its platform, so the platform's own listing of it is
                // not shown twice once the user is back on that site.
                Event::TaskLinked { id, platform_id } => self.tasks.link(id, platform_id),
                _ => {}
            }
            return vec![];
        }
        let clusters_answer =
            matches!(&event, Event::Clusters { seq, .. } if *seq == self.clusters.seq);
        let cmds = self.on_event(event);
        if clusters_answer {
            // The Clusters pane's answer is the freshest word on this site, too.
            let error = self.clusters.error.clone();
            let fresh = error.is_none().then(|| {
                (
                    self.clusters.clusters().to_vec(),
                    self.clusters.failures.clone(),
                )
            });
            self.keeping_all_sites_row(|sites| {
                let s = &mut sites.list[site];
                s.read = true;
                s.error = error;
                if let Some((clusters, failures)) = fresh {
                    s.clusters = clusters;
                    s.failures = failures;
                }
            });
        }
        cmds
    }

    /// Changes a site's clusters with the all-sites cursor kept on the row it was on: a
    /// re-read adds or drops rows above it (a cluster, a note), and an index alone would
    /// then point at another cluster. A row that is gone gives way to its site's heading.
    fn keeping_all_sites_row(&mut self, change: impl FnOnce(&mut SitesState)) {
        let Some(at) = self.sites.all_sites.as_ref().map(|c| c.selected()) else {
            change(&mut self.sites);
            return;
        };
        let key = |sites: &SitesState, row: &SiteRow| match *row {
            SiteRow::Site(id) => (id, 0, None),
            SiteRow::Cluster(id, i) => (id, 1, Some(sites.list[id].clusters[i].id.clone())),
            SiteRow::Note(id) => (id, 2, None),
        };
        let before = self.sites.rows().get(at).map(|r| key(&self.sites, r));
        change(&mut self.sites);
        let Some(before) = before else { return };
        let rows = self.sites.rows();
        let found = rows
            .iter()
            .position(|r| key(&self.sites, r) == before)
            .or_else(|| rows.iter().position(|r| *r == SiteRow::Site(before.0)));
        if let (Some(i), Some(cursor)) = (found, self.sites.all_sites.as_mut()) {
            cursor.select(i, rows.len());
        }
    }

    /// A task of a site the panes no longer show: record it and say how it ended, but
    /// re-read nothing (its VM is not on screen; the ids may even clash with this site's).
    fn on_task_elsewhere(&mut self, id: crate::model::TaskId, state: TaskState) {
        let now = self.now;
        let Some(entry) = self.tasks.update(id, state, now) else {
            return;
        };
        match &entry.state {
            TaskState::Succeeded => self.say(
                Level::Info,
                format!("{}: {} — done", entry.title, entry.target),
            ),
            TaskState::Failed { message } => self.say(
                Level::Error,
                format!("{} ({}) failed: {message}", entry.title, entry.target),
            ),
            TaskState::Unknown { reason } => self.say(
                Level::Warn,
                format!(
                    "{} ({}): outcome unknown — {reason}",
                    entry.title, entry.target
                ),
            ),
            _ => {}
        }
    }

    fn switch_if_pending(&mut self, site: SiteId) -> Vec<Command> {
        let Some((want, cluster)) = self.sites.pending.clone() else {
            return vec![];
        };
        if want != site {
            return vec![];
        }
        // Never pull the screen away from a form or a prompt the user is in.
        if self.dialog.is_some() || self.prompt.is_some() || self.sites.overlay.is_some() {
            self.sites.pending = None;
            let name = self.sites.list[site].name.clone();
            let key = self.picker_key();
            self.say(Level::Info, format!("{name} connected — {key} to switch"));
            return vec![];
        }
        self.open_site(site, cluster)
    }

    /// The key that opens the picker, as bound (for messages).
    pub(super) fn picker_key(&self) -> String {
        self.keymap
            .bindings
            .iter()
            .find(|b| b.action == Action::PickSite)
            .map(|b| keymap::keys_label(&b.keys))
            .unwrap_or_else(|| ":profile".into())
    }

    /// The user chose a site (and maybe one of its clusters): switch if it is logged in;
    /// otherwise ask for its password, or connect it and switch once it answers.
    pub fn open_site(&mut self, site: SiteId, cluster: Option<Named>) -> Vec<Command> {
        let Some(s) = self.sites.list.get(site) else {
            return vec![];
        };
        let name = s.name.clone();
        match s.state.clone() {
            SiteState::Connected => {
                let mut cmds = if site == self.sites.active {
                    self.sites.all_sites = None;
                    self.sites.overlay = None;
                    self.sites.pending = None;
                    vec![]
                } else {
                    self.switch_site(site)
                };
                if let Some(c) = cluster {
                    self.focus = Pane::Vms;
                    cmds.extend(self.choose_cluster(c));
                }
                cmds
            }
            SiteState::NeedsPassword { error } => {
                self.sites.pending = Some((site, cluster));
                self.sites.overlay = Some(SiteOverlay::Password(PasswordEntry::new(site, error)));
                vec![]
            }
            SiteState::Unreachable(_) => {
                self.sites.pending = Some((site, cluster));
                self.sites.request(SiteRequest::Connect {
                    site,
                    password: None,
                });
                self.sites.overlay = None;
                self.say(Level::Info, format!("connecting to {name}…"));
                vec![]
            }
            SiteState::Connecting => {
                self.sites.pending = Some((site, cluster));
                self.sites.overlay = None;
                self.say(
                    Level::Info,
                    format!("{name} is still connecting; switching when it answers"),
                );
                vec![]
            }
        }
    }

    /// `:profile NAME`.
    pub fn open_site_named(&mut self, name: &str) -> Result<Vec<Command>, String> {
        let site = self.sites.id_of(name).ok_or_else(|| {
            format!(
                "no profile \"{name}\" (profiles: {})",
                self.profiles.join(", ")
            )
        })?;
        Ok(self.open_site(site, None))
    }

    /// Shows another (logged-in) site: its session and capabilities, its clusters; the
    /// panes start over, each list keeping its sort. Tasks of every site stay.
    fn switch_site(&mut self, site: SiteId) -> Vec<Command> {
        let Some(session) = self.sites.list.get(site).and_then(|s| s.session.clone()) else {
            return vec![];
        };
        self.sites.active = site;
        self.sites.pending = None;
        self.sites.overlay = None;
        self.sites.all_sites = None;
        let sorts = (
            self.clusters.list.view.sort,
            self.vms.list.view.sort,
            self.backups.list.view.sort,
        );
        self.clusters = ClustersPane::default();
        self.vms = VmsPane::default();
        self.snapshots = SnapshotsPane::default();
        self.backups = BackupsPane::new(session.backup_page_size);
        self.clusters.list.view.sort = sorts.0;
        self.vms.list.view.sort = sorts.1;
        self.backups.list.view.sort = sorts.2;
        self.clusters.list.refresh();
        // The platform's own tasks are the old site's; ours (of every site) stay.
        self.tasks
            .list
            .items
            .retain(|t| t.origin == crate::model::TaskOrigin::Ours);
        self.tasks.list.refresh();
        self.last_platform_tasks = None;
        self.platform_tasks_error = None;
        // A form or preview was about the other site's things.
        self.dialog = None;
        self.restore_choices = None;
        self.restore_choices_error = None;
        self.last_detail_poll = None;
        self.last_reload = Some(self.now);
        self.last_refresh = None;
        self.connection = Connection::Connected;
        self.say(
            Level::Info,
            format!("switched to {} ({})", session.profile, session.platform),
        );
        self.session = session;
        self.tasks.site = self.task_site_label();
        self.focus = Pane::Clusters;
        self.start()
    }

    pub fn open_picker(&mut self) {
        let mut cursor = cursor::Cursor::default();
        // Row 0 is the all-sites view; the sites follow.
        cursor.select(self.sites.active + 1, self.sites.list.len() + 1);
        self.sites.overlay = Some(SiteOverlay::Picker { cursor });
    }

    /// `:sites`: every site's clusters at once.
    pub fn open_all_sites(&mut self) {
        self.sites.overlay = None;
        let mut cursor = cursor::Cursor::default();
        let rows = self.sites.rows();
        if let Some(i) = rows
            .iter()
            .position(|r| *r == SiteRow::Site(self.sites.active))
        {
            cursor.select(i, rows.len());
        }
        self.sites.all_sites = Some(cursor);
    }
}

#[cfg(test)]
mod tests;
