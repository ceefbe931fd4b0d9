//! `v`: a VM's console. A read, so read-only profiles may open one; the URL carries a
//! one-time token, so it goes to the screen and the clipboard and nowhere else.

use crate::app::copy::osc52;
use crate::app::dialog::{ConsoleDialog, Dialog};
use crate::app::{App, Level, Pane};
use crate::backend::BackendError;
use crate::fetcher::Command;
use crate::model::{ConsoleAccess, VmRef};

/// The local end of the `ssh -L` tunnel: the console's own port when an unprivileged
/// user may bind it, else the same port moved above 8000 (443 → 8443).
pub fn local_port(port: u16) -> u16 {
    if port >= 1024 {
        port
    } else {
        port.saturating_add(8000)
    }
}

/// The line an operator runs on their own machine when the browser cannot reach the
/// console's host directly: it forwards through the host vmdeck runs on.
pub fn ssh_tunnel(access: &ConsoleAccess) -> String {
    format!(
        "ssh -N -L {}:{}:{} <you>@<this jump host>",
        local_port(access.port),
        access.host,
        access.port
    )
}

impl App {
    pub(in crate::app) fn start_console(&mut self) -> Vec<Command> {
        if !self.caps().console {
            self.say(
                Level::Warn,
                "this platform gives no console URL a browser can open",
            );
            return vec![];
        }
        let Some(vm) = self.console_target() else {
            return vec![];
        };
        let seq = self.next_seq();
        self.dialog = Some(Dialog::Console(ConsoleDialog {
            vm: vm.clone(),
            access: None,
            error: None,
            seq,
            reveal: false,
        }));
        vec![Command::LoadConsole { seq, vm }]
    }

    /// The VM under the cursor, or in Tasks the VM of the selected task once it has ended
    /// (the first look after a rollback or a restore); says why when there is none.
    fn console_target(&mut self) -> Option<VmRef> {
        let found = if self.focus == Pane::Tasks {
            let active = self.sites.active().map(|s| s.name.clone());
            match self.tasks.selected() {
                None => Err("no task selected".to_string()),
                Some(t) if !t.state.is_terminal() => Err(format!(
                    "{} is still {}: its VM's console opens once it has ended",
                    t.title,
                    t.state.label()
                )),
                Some(t) if t.site.is_some() && t.site != active => Err(format!(
                    "that task ran on {}: switch to it (:site) to open the console",
                    t.site.as_deref().unwrap_or_default()
                )),
                Some(t) => {
                    t.op.as_ref()
                        .and_then(|op| op.vm())
                        .cloned()
                        .ok_or_else(|| format!("{} has no VM to open a console of", t.title))
                }
            }
        } else {
            self.vms
                .selected()
                .map(|v| v.to_ref())
                .ok_or_else(|| "no VM selected: pick one to open its console".to_string())
        };
        found.map_err(|why| self.say(Level::Warn, why)).ok()
    }

    pub(in crate::app) fn on_console(
        &mut self,
        seq: u64,
        result: Result<ConsoleAccess, BackendError>,
    ) -> Vec<Command> {
        let Some(Dialog::Console(cd)) = self.dialog.as_mut() else {
            return vec![];
        };
        if cd.seq != seq {
            return vec![];
        }
        match result {
            Ok(access) => {
                cd.access = Some(access);
                cd.error = None;
                let cd = match self.dialog.take() {
                    Some(Dialog::Console(cd)) => cd,
                    _ => unreachable!("matched above"),
                };
                self.copy_console_url(&cd);
                self.dialog = Some(Dialog::Console(cd));
            }
            Err(e) => cd.error = Some(e.to_string()),
        }
        vec![]
    }

    pub(in crate::app) fn copy_console_url(&mut self, cd: &ConsoleDialog) {
        if let Some(a) = &cd.access {
            self.clipboard = Some(osc52(&a.url));
            // The URL itself stays off the status line: it carries the token.
            self.say(
                Level::Info,
                format!("copied the console URL of {} to the clipboard", cd.vm.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConsoleProtocol;

    #[test]
    fn tunnel_line_forwards_the_consoles_host_and_port() {
        let a = ConsoleAccess {
            url: "wss://10.1.2.3/websockify/?uuid=u&token=t".into(),
            expires_at: None,
            host: "10.1.2.3".into(),
            port: 443,
            protocol: ConsoleProtocol::VncWebsocket,
            notes: vec![],
        };
        assert_eq!(
            ssh_tunnel(&a),
            "ssh -N -L 8443:10.1.2.3:443 <you>@<this jump host>"
        );
        assert_eq!(local_port(5901), 5901);
    }
}
