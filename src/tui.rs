//! The terminal and the event loop: one `tokio::select!` over key events, the sites' events
//! (every site's fetcher answers and connection news, tagged with the site) and a tick.
//! The loop owns the `App`; it redraws only when something changed.

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;

use crate::app::App;
use crate::fetcher::Command;
use crate::sites::SiteTasks;
use crate::theme::Theme;
use crate::ui;

/// Runs the dashboard until the user quits. The terminal is restored on every exit path,
/// including panics (ratatui's init installs a hook for that).
pub async fn run(app: App, sites: &mut SiteTasks, theme: Theme) -> io::Result<()> {
    let mouse = app.mouse;
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // Raw mode may already be on; leave the terminal as we found it.
            ratatui::restore();
            return Err(e);
        }
    };
    if mouse {
        // ratatui's hook restores the screen but not mouse reporting: stop that first.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
            previous(info);
        }));
        crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    let result = event_loop(&mut terminal, app, sites, theme).await;
    if mouse {
        let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
    result
}

/// Carries out what an update asked for: fetcher commands go to the site the app shows
/// *now* (after the update, so a switch sends the new site's loads to the new site), then
/// the app's requests to the sites (log in, read clusters).
fn dispatch(app: &mut App, sites: &SiteTasks, cmds: Vec<Command>) {
    sites.fetch(app.sites.active, cmds);
    for r in app.sites.take_requests() {
        sites.request(r);
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut app: App,
    sites: &mut SiteTasks,
    theme: Theme,
) -> io::Result<()> {
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(125));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let cmds = app.start();
    dispatch(&mut app, sites, cmds);
    // The first site is up; the others log in in the background, each on its own.
    sites.connect_others();
    let mut dirty = true;
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    loop {
        // At most ~60 frames a second, and only when something changed.
        if dirty && last_draw.elapsed() >= Duration::from_millis(16) {
            terminal.draw(|f| ui::draw(f, &app, &theme))?;
            dirty = false;
            last_draw = Instant::now();
        }
        if app.state_changed {
            app.state_changed = false;
            let state = app.ui_state();
            // Off the UI loop: a slow disk must not stall a frame.
            tokio::task::spawn_blocking(move || {
                if let Err(e) = crate::state::save(&state) {
                    tracing::warn!(error = %e, "cannot save state");
                }
            });
        }
        if app.quit {
            return Ok(());
        }
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(key))) => {
                    let cmds = app.handle_key(key);
                    dispatch(&mut app, sites, cmds);
                    if let Some(osc) = app.take_clipboard() {
                        // Beside ratatui's output: the terminal takes it as a request, not text.
                        use std::io::Write;
                        let mut out = io::stdout();
                        out.write_all(osc.as_bytes())?;
                        out.flush()?;
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Mouse(m))) => {
                    let cmds = app.handle_mouse(m);
                    dispatch(&mut app, sites, cmds);
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(ev) = sites.events.recv() => {
                let cmds = app.on_site_event(ev);
                dispatch(&mut app, sites, cmds);
                // Take everything else that is already waiting before drawing once.
                while let Ok(ev) = sites.events.try_recv() {
                    let cmds = app.on_site_event(ev);
                    dispatch(&mut app, sites, cmds);
                }
                dirty = true;
            }
            _ = tick.tick() => {
                let cmds = app.tick(Instant::now(), jiff::Timestamp::now());
                dispatch(&mut app, sites, cmds);
                if app.animating() || app.status.is_some() {
                    dirty = true;
                }
            }
        }
    }
}
