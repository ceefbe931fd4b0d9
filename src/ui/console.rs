//! The console box (`v`): the URL to open, what it needs, and the tunnel for a browser
//! that cannot reach the console's host. The token stays off the screen until `s`: the
//! clipboard (OSC 52) has the URL whole.

use ratatui::Frame;
use ratatui::text::Line;

use super::widgets::{centered, dialog_frame};
use crate::app::dialog::ConsoleDialog;
use crate::app::flows::console::{local_port, ssh_tunnel};
use crate::model::{ConsoleProtocol, hide_token};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, cd: &ConsoleDialog, theme: &Theme) {
    let area = centered(frame.area(), 78, 18);
    let title = format!("Console · {}", cd.vm.name);
    let style = if cd.error.is_some() {
        theme.error
    } else {
        theme.accent
    };
    let inner = dialog_frame(frame, area, &title, style, theme);
    let shown = |url: String| if cd.reveal { url } else { hide_token(&url) };
    let mut lines: Vec<Line> = Vec::new();
    match (&cd.access, &cd.error) {
        (_, Some(e)) => lines.push(Line::styled(format!("no console: {e}"), theme.error)),
        (None, None) => lines.push(Line::styled("asking for the console…", theme.muted)),
        (Some(a), None) => {
            lines.push(Line::raw(match a.protocol {
                ConsoleProtocol::VncWebsocket => {
                    "noVNC connects to (the whole URL is in your clipboard):"
                }
                ConsoleProtocol::Vnc => "A VNC viewer connects to (copied to your clipboard):",
                ConsoleProtocol::Spice => "Open with remote-viewer (copied to your clipboard):",
            }));
            lines.push(Line::styled(shown(a.url.clone()), theme.accent));
            lines.push(Line::raw(""));
            if let Some(t) = a.expires_at {
                let mins = (t.as_second() - jiff::Timestamp::now().as_second()).max(0) / 60;
                lines.push(Line::raw(format!("· expires in {mins} minutes ({t})")));
            }
            for n in &a.notes {
                lines.push(Line::raw(format!("· {n}")));
            }
            lines.push(Line::raw(""));
            lines.push(Line::raw(
                "Cannot reach it from your machine? Run there, then use:",
            ));
            lines.push(Line::styled(ssh_tunnel(a), theme.muted));
            lines.push(Line::styled(
                shown(a.url_via_tunnel(local_port(a.port))),
                theme.muted,
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        match (cd.has_token(), cd.reveal) {
            (false, _) => "y: copy the URL again · Esc: close",
            (true, true) => "y: copy the URL again · s: hide the token · Esc: close",
            (true, false) => "y: copy the URL again · s: show the token · Esc: close",
        },
        theme.muted,
    ));
    frame.render_widget(super::wrap::paragraph(lines, inner.width), inner);
}
