//! Many sites at once, at run time. Every configured profile is a *site*; each gets one
//! tokio task that finds its password, logs in, starts the site's own fetcher and re-reads
//! the site's clusters on the profile's refresh interval. Everything a site says comes back
//! on one channel as a [`SiteEvent`] tagged with the site's id, so the app can drop what the
//! site the user left still sends (the fetcher's own `seq` handles staleness within a site).
//!
//! A site that is slow or unreachable only delays its own task: the UI loop never waits on
//! any of them. `vmdeck_backend::fetcher` is used as is — one per connected site.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::backend::{self, Backend, BackendError};
use crate::config::Profile;
use crate::fetcher::{self, Command, Event, FetcherHandle};
use crate::model::{Cluster, Listing};
use crate::session::{Session, session_for};

/// A site's place in the configured list (profiles in config order).
pub type SiteId = usize;

/// One configured profile, as the runtime needs it.
#[derive(Clone, Debug)]
pub struct SiteSpec {
    pub name: String,
    pub profile: Profile,
    /// A password known up front (the demo's). Otherwise the profile says where to find
    /// it, and without a source the site waits for one typed in the UI.
    pub password: Option<SecretString>,
}

/// How far a site got with logging in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteState {
    Connecting,
    Connected,
    /// Could not log in for a reason a password would not fix (the reason says what).
    Unreachable(String),
    /// No password without a prompt, or the platform refused the one tried (`error`).
    NeedsPassword {
        error: Option<String>,
    },
}

/// Something a site said.
#[derive(Debug)]
pub struct SiteEvent {
    pub site: SiteId,
    pub news: SiteNews,
}

#[derive(Debug)]
pub enum SiteNews {
    /// Connecting, unreachable or waiting for a password.
    State(SiteState),
    /// Logged in; the fetcher for this site is running.
    Connected(Box<Session>),
    /// The site's clusters, read on its refresh interval for the all-sites view.
    Clusters(Result<Listing<Vec<Cluster>>, BackendError>),
    /// An answer of this site's fetcher.
    Fetched(Event),
}

/// What the app asks of the sites (carried out by the UI loop).
#[derive(Debug)]
pub enum SiteRequest {
    /// Log in (again): with a password typed in the UI, or from the profile's source.
    Connect {
        site: SiteId,
        password: Option<SecretString>,
    },
    /// Read a site's clusters now (`None`: every site's).
    ReadClusters { site: Option<SiteId> },
}

enum Control {
    Fetch(Box<Command>),
    Connect(Option<SecretString>),
    ReadClusters,
    Stop,
}

/// The UI loop's handle on every site: commands in, tagged events out.
pub struct SiteTasks {
    controls: Vec<mpsc::UnboundedSender<Control>>,
    tasks: Vec<JoinHandle<()>>,
    first: SiteId,
    pub events: mpsc::UnboundedReceiver<SiteEvent>,
}

impl SiteTasks {
    /// Starts one task per site. Site `first` is already logged in with `backend`; the
    /// others wait for [`SiteTasks::connect_others`] (called once the UI is up).
    pub fn spawn(specs: Vec<SiteSpec>, first: SiteId, backend: Arc<dyn Backend>) -> SiteTasks {
        let (out, events) = mpsc::unbounded_channel();
        let mut controls = Vec::new();
        let mut tasks = Vec::new();
        let mut backend = Some(backend);
        for (id, spec) in specs.into_iter().enumerate() {
            let (tx, rx) = mpsc::unbounded_channel();
            let ready = if id == first { backend.take() } else { None };
            tasks.push(tokio::spawn(run_site(id, spec, ready, rx, out.clone())));
            controls.push(tx);
        }
        SiteTasks {
            controls,
            tasks,
            first,
            events,
        }
    }

    /// Begins logging in to every site but the first, each in its own task.
    pub fn connect_others(&self) {
        for (id, c) in self.controls.iter().enumerate() {
            if id != self.first {
                let _ = c.send(Control::Connect(None));
            }
        }
    }

    /// Sends fetcher commands to one site (dropped if it is not connected).
    pub fn fetch(&self, site: SiteId, cmds: Vec<Command>) {
        if let Some(c) = self.controls.get(site) {
            for cmd in cmds {
                // A send error means the site's task has ended (shutting down).
                let _ = c.send(Control::Fetch(Box::new(cmd)));
            }
        }
    }

    pub fn request(&self, req: SiteRequest) {
        match req {
            SiteRequest::Connect { site, password } => {
                if let Some(c) = self.controls.get(site) {
                    let _ = c.send(Control::Connect(password));
                }
            }
            SiteRequest::ReadClusters { site } => {
                for (id, c) in self.controls.iter().enumerate() {
                    if site.is_none_or(|s| s == id) {
                        let _ = c.send(Control::ReadClusters);
                    }
                }
            }
        }
    }

    /// Logs out of every connected site, waiting a little at most; sites still trying to
    /// connect are simply dropped.
    pub async fn shutdown(mut self) {
        for c in &self.controls {
            let _ = c.send(Control::Stop);
        }
        let all = futures::future::join_all(self.tasks.iter_mut());
        if tokio::time::timeout(Duration::from_secs(3), all)
            .await
            .is_err()
        {
            for t in &self.tasks {
                t.abort();
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Read {
    Wait,
    Replace,
}

/// How one login attempt ended.
enum Attempt {
    Connected(Arc<dyn Backend>),
    NeedsPassword(Option<String>),
    Unreachable(String),
}

/// One site's life: log in when asked, then serve its fetcher and re-read its clusters.
async fn run_site(
    site: SiteId,
    spec: SiteSpec,
    ready: Option<Arc<dyn Backend>>,
    mut control: mpsc::UnboundedReceiver<Control>,
    out: mpsc::UnboundedSender<SiteEvent>,
) {
    let send = |news: SiteNews| {
        let _ = out.send(SiteEvent { site, news });
    };
    let SiteSpec {
        name,
        profile,
        password: known,
    } = spec;
    // The password to log in with: known up front, or last typed (kept so a retry after a
    // network failure does not ask again; dropped when the platform refuses it).
    let mut password = known.clone();
    let mut backend: Option<Arc<dyn Backend>> = None;
    let mut fetcher: Option<FetcherHandle> = None;
    let mut attempt: Option<JoinHandle<Attempt>> = None;
    let mut reading: Option<JoinHandle<()>> = None;
    let mut unreachable = false;
    let mut timer = profile.refresh_every().map(|every| {
        let mut t = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        t
    });
    // One read at a time. The interval leaves a slow site's read alone (`Wait`); a read
    // someone asked for replaces the one in flight (`Replace`), as a new load does in the
    // fetcher.
    let read_clusters =
        |backend: &Arc<dyn Backend>, reading: &mut Option<JoinHandle<()>>, how: Read| {
            if let Some(r) = reading.as_ref().filter(|r| !r.is_finished()) {
                match how {
                    Read::Wait => return,
                    Read::Replace => r.abort(),
                }
            }
            let (b, out) = (backend.clone(), out.clone());
            *reading = Some(tokio::spawn(async move {
                let result = b.clusters().await;
                let _ = out.send(SiteEvent {
                    site,
                    news: SiteNews::Clusters(result),
                });
            }));
        };
    if let Some(b) = ready {
        // The app reads this site's clusters itself at start; the interval takes over.
        fetcher = Some(fetcher::spawn_limited(
            journaled(&b, &name),
            profile.read_only,
            profile.bulk_concurrency(),
        ));
        backend = Some(b);
    }

    loop {
        tokio::select! {
            msg = control.recv() => match msg {
                None | Some(Control::Stop) => break,
                Some(Control::Fetch(cmd)) => {
                    if let Some(f) = &fetcher {
                        let _ = f.commands.send(*cmd);
                    }
                }
                Some(Control::Connect(typed)) => {
                    if backend.is_some() || attempt.is_some() {
                        continue;
                    }
                    if typed.is_some() {
                        password = typed;
                    }
                    send(SiteNews::State(SiteState::Connecting));
                    attempt = Some(tokio::spawn(connect_once(
                        name.clone(),
                        profile.clone(),
                        password.clone(),
                    )));
                }
                Some(Control::ReadClusters) => {
                    if let Some(b) = &backend {
                        read_clusters(b, &mut reading, Read::Replace);
                    }
                }
            },
            Some(ev) = next_event(&mut fetcher) => send(SiteNews::Fetched(ev)),
            done = joined(&mut attempt) => {
                attempt = None;
                let done = done.unwrap_or_else(|e| {
                    Attempt::Unreachable(format!("the login attempt failed: {e}"))
                });
                match done {
                    Attempt::Connected(b) => {
                        unreachable = false;
                        tracing::info!(profile = %name, url = %profile.url, "connected");
                        let session = session_for(&name, &profile, &*b);
                        fetcher = Some(fetcher::spawn_limited(
                            journaled(&b, &name),
                            profile.read_only,
                            profile.bulk_concurrency(),
                        ));
                        send(SiteNews::Connected(Box::new(session)));
                        read_clusters(&b, &mut reading, Read::Replace);
                        backend = Some(b);
                    }
                    Attempt::NeedsPassword(error) => {
                        unreachable = false;
                        // A refused password is never tried again.
                        password = known.clone();
                        send(SiteNews::State(SiteState::NeedsPassword { error }));
                    }
                    Attempt::Unreachable(reason) => {
                        unreachable = true;
                        tracing::info!(profile = %name, %reason, "site unreachable");
                        send(SiteNews::State(SiteState::Unreachable(reason)));
                    }
                }
            }
            _ = ticked(&mut timer) => {
                if let Some(b) = &backend {
                    read_clusters(b, &mut reading, Read::Wait);
                } else if unreachable && attempt.is_none() {
                    // Try again quietly: the site keeps showing why it failed until it works.
                    attempt = Some(tokio::spawn(connect_once(
                        name.clone(),
                        profile.clone(),
                        password.clone(),
                    )));
                }
            }
        }
    }
    if let Some(a) = attempt {
        a.abort();
    }
    if let Some(r) = reading {
        r.abort();
    }
    drop(fetcher);
    if let Some(b) = backend {
        let _ = tokio::time::timeout(Duration::from_secs(2), b.logout()).await;
    }
}

/// Finds the password (without prompting) and logs in once.
async fn connect_once(name: String, profile: Profile, password: Option<SecretString>) -> Attempt {
    if let Err(e) = profile.validate(&name) {
        return Attempt::Unreachable(e);
    }
    let password = match password {
        Some(p) => p,
        None => {
            let (n, p) = (name.clone(), profile.clone());
            // password_command runs a program: off the async threads, its stderr captured
            // so it cannot scribble over the screen.
            let found = tokio::task::spawn_blocking(move || {
                p.stored_password(&n, std::process::Stdio::piped())
            })
            .await;
            match found {
                Ok(Ok(p)) => p,
                // Whatever the profile's sources said, the in-app input is the way on.
                Ok(Err(missing)) => return Attempt::NeedsPassword(missing.why()),
                Err(e) => {
                    return Attempt::Unreachable(format!(
                        "profile {name}: cannot look up the password: {e}"
                    ));
                }
            }
        }
    };
    match backend::connect(&profile, password).await {
        Ok(b) => Attempt::Connected(b),
        Err(e @ BackendError::Auth(_)) => Attempt::NeedsPassword(Some(e.to_string())),
        Err(e) => Attempt::Unreachable(e.to_string()),
    }
}

/// The backend the fetcher sends operations through: each one journaled before it is sent.
fn journaled(b: &Arc<dyn Backend>, site: &str) -> Arc<dyn Backend> {
    crate::backend::journal::Journaled::wrap(b.clone(), crate::state::journal().clone(), site)
}

async fn next_event(fetcher: &mut Option<FetcherHandle>) -> Option<Event> {
    match fetcher {
        Some(f) => f.events.recv().await,
        None => std::future::pending().await,
    }
}

async fn joined<T>(task: &mut Option<JoinHandle<T>>) -> Result<T, tokio::task::JoinError> {
    match task {
        Some(t) => t.await,
        None => std::future::pending().await,
    }
}

async fn ticked(timer: &mut Option<tokio::time::Interval>) {
    match timer {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}
