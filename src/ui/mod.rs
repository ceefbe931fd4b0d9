//! Drawing. Pure: reads `&App`, writes a `Frame`. One file per pane or dialog; each draws
//! only the rows that are visible, so the cost follows the screen, not the inventory.

mod backups;
mod clusters;
pub mod columns;
mod confirm;
mod console;
pub mod details;
mod footer;
mod form;
mod help;
mod journal;
mod message;
mod picker;
mod plans;
mod prompt;
mod remote;
mod sites;
mod snapshots;
mod status_bar;
mod tasks;
mod vms;
pub mod widgets;
mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};

use crate::app::dialog::Dialog;
use crate::app::sites::SiteOverlay;
use crate::app::{App, Pane};
use crate::theme::Theme;

/// Where each pane was drawn (for mouse hit-testing later, and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    pub clusters: Rect,
    pub vms: Rect,
    pub snapshots: Rect,
    pub backups: Rect,
    pub tasks: Rect,
    pub details: Rect,
    pub footer: Rect,
}

pub fn layout(area: Rect) -> Areas {
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(8),
        Constraint::Length(1),
    ])
    .split(area);
    let (status, body, footer) = (rows[0], rows[1], rows[2]);

    let wide = body.width >= 110;
    let (main, details) = if wide {
        let cols = Layout::horizontal([Constraint::Min(60), Constraint::Length(34)]).split(body);
        (cols[0], Some(cols[1]))
    } else {
        (body, None)
    };
    let tasks_h = (main.height / 5).clamp(4, 10);
    let bands = Layout::vertical([
        Constraint::Percentage(48),
        Constraint::Min(5),
        Constraint::Length(tasks_h),
    ])
    .split(main);
    let top = Layout::horizontal([
        Constraint::Length(24.min(main.width / 4)),
        Constraint::Min(20),
    ])
    .split(bands[0]);
    let middle = Layout::horizontal([Constraint::Percentage(42), Constraint::Percentage(58)])
        .split(bands[1]);
    let (tasks, details) = match details {
        Some(d) => (bands[2], d),
        None => {
            let bottom = Layout::new(
                Direction::Horizontal,
                [Constraint::Percentage(60), Constraint::Percentage(40)],
            )
            .split(bands[2]);
            (bottom[0], bottom[1])
        }
    };
    Areas {
        status,
        clusters: top[0],
        vms: top[1],
        snapshots: middle[0],
        backups: middle[1],
        tasks,
        details,
        footer,
    }
}

/// A zoomed pane's area and its Details': beside it where the screen is wide, below it
/// (a third of the height) where it is not.
fn zoomed_split(body: Rect) -> (Rect, Rect) {
    let parts = if body.width >= 160 {
        Layout::horizontal([Constraint::Percentage(64), Constraint::Percentage(36)]).split(body)
    } else {
        Layout::vertical([
            Constraint::Min(5),
            Constraint::Length((body.height / 3).max(5)),
        ])
        .split(body)
    };
    (parts[0], parts[1])
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let areas = layout(frame.area());
    status_bar::draw(frame, areas.status, app, theme);
    if app.sites.all_sites.is_some() {
        // The all-sites view covers the panes; clicks must not reach what is hidden.
        app.pane_areas.set(Default::default());
        let body = Rect {
            y: areas.status.bottom(),
            height: areas.footer.y.saturating_sub(areas.status.bottom()),
            ..frame.area()
        };
        sites::draw(frame, body, app, theme);
    } else if app.zoomed {
        let body = Rect {
            y: areas.status.bottom(),
            height: areas.footer.y.saturating_sub(areas.status.bottom()),
            ..frame.area()
        };
        // The zoomed pane and the Details of what it selects: on a small terminal that is
        // the only way to read all of them (the normal layout gives Details two rows).
        let (pane, info) = zoomed_split(body);
        // Only the zoomed pane takes clicks: the others are not on screen.
        let mut hit = [Rect::default(); 5];
        if let Some(i) = Pane::ORDER.iter().position(|p| *p == app.focus) {
            hit[i] = pane;
        }
        app.pane_areas.set(hit);
        match app.focus {
            Pane::Clusters => clusters::draw(frame, pane, app, theme),
            Pane::Vms => vms::draw(frame, pane, app, theme),
            Pane::Snapshots => snapshots::draw(frame, pane, app, theme),
            Pane::Backups => backups::draw(frame, pane, app, theme),
            Pane::Tasks => tasks::draw(frame, pane, app, theme),
        }
        details::draw(frame, info, app, theme);
    } else {
        app.pane_areas.set([
            areas.clusters,
            areas.vms,
            areas.snapshots,
            areas.backups,
            areas.tasks,
        ]);
        clusters::draw(frame, areas.clusters, app, theme);
        vms::draw(frame, areas.vms, app, theme);
        snapshots::draw(frame, areas.snapshots, app, theme);
        backups::draw(frame, areas.backups, app, theme);
        tasks::draw(frame, areas.tasks, app, theme);
        details::draw(frame, areas.details, app, theme);
    }
    footer::draw(frame, areas.footer, app, theme);
    match &app.sites.overlay {
        None => {}
        Some(SiteOverlay::Picker { cursor }) => picker::draw_picker(frame, app, cursor, theme),
        Some(SiteOverlay::Password(p)) => picker::draw_password(frame, app, p, theme),
    }

    match &app.dialog {
        None => {}
        Some(Dialog::Help { scroll }) => help::draw(frame, app, *scroll, theme),
        Some(Dialog::Form(fd)) => form::draw(frame, &fd.form, theme),
        Some(Dialog::Confirm(cd)) => confirm::draw(frame, cd, theme),
        Some(Dialog::Message(m)) => message::draw(frame, m, theme),
        Some(Dialog::Remote(rd)) => remote::draw(frame, rd, app, theme),
        Some(Dialog::Plans(pd)) => plans::draw(frame, pd, app, theme),
        Some(Dialog::Console(cd)) => console::draw(frame, cd, theme),
        Some(Dialog::Journal(j)) => journal::draw(frame, j, app, theme),
    }
    // Last: the `/` and `:` prompts work over the journal view too.
    if let Some(p) = &app.prompt {
        prompt::draw(frame, areas.footer, app, p, theme);
    }
}

/// Whether a pane has focus (and no dialog covers the screen).
fn focused(app: &App, pane: Pane) -> bool {
    app.focus == pane && app.dialog.is_none() && app.sites.overlay.is_none()
}
