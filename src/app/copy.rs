//! `y` / `Y`: the selected item's id or name to the operator's clipboard. The app only
//! builds the OSC 52 sequence; the event loop writes it to the terminal, which hands it on
//! (through SSH and tmux) to the clipboard of the machine the operator sits at.

use base64::Engine;

use super::{App, Level, Pane};
use crate::model::NodeKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copied {
    Id,
    Name,
}

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{b64}\x07")
}

impl App {
    /// What `y` / `Y` copy in the focused pane: what it is, which field, and the text.
    fn copyable(&self, what: Copied) -> Option<(&'static str, &'static str, String)> {
        let pick = |id: &str, name: &str| match what {
            Copied::Id => id.to_string(),
            Copied::Name => name.to_string(),
        };
        let (kind, text) = match self.focus {
            Pane::Clusters => {
                let c = self.clusters.selected().filter(|c| !c.id.is_empty())?;
                ("cluster", pick(&c.id, &c.name))
            }
            Pane::Vms => {
                let v = self.vms.selected()?;
                // An operator at a jump host wants a VM's address more often than its
                // name, which the row already shows; a VM without one gives its name.
                if what == Copied::Name && !v.ip.is_empty() {
                    return Some(("VM", "IP", v.ip.clone()));
                }
                ("VM", pick(&v.id, &v.name))
            }
            Pane::Snapshots => {
                let tree = self.snapshots.tree.as_ref()?;
                let node = tree.node(self.snapshots.selected_node()?)?;
                let NodeKind::Snapshot(s) = &node.kind else {
                    return None;
                };
                ("snapshot", pick(&s.id, &s.name))
            }
            Pane::Backups => {
                let b = self.backups.selected()?;
                ("backup", pick(&b.id, &b.name))
            }
            Pane::Tasks => {
                let t = self.tasks.selected()?;
                // Our own tasks have no id the platform knows until it gives one.
                let id = t.platform_id.as_deref()?;
                ("task", pick(id, &t.target))
            }
        };
        let field = match what {
            Copied::Id => "id",
            Copied::Name => "name",
        };
        (!text.is_empty()).then_some((kind, field, text))
    }

    pub(super) fn copy(&mut self, what: Copied) {
        let (article, field) = match what {
            Copied::Id => ("an", "id"),
            Copied::Name => ("a", "name"),
        };
        match self.copyable(what) {
            Some((kind, field, text)) => {
                self.clipboard = Some(osc52(&text));
                self.say(Level::Info, format!("copied the {kind}'s {field}: {text}"));
            }
            None => self.say(
                Level::Warn,
                format!("nothing here has {article} {field} to copy"),
            ),
        }
    }

    /// The clipboard sequence a key asked for, for the event loop to write to the terminal.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_esc_bracket_52_c_base64_bel() {
        assert_eq!(osc52("vm-1"), "\x1b]52;c;dm0tMQ==\x07");
        // CJK names go as their UTF-8 bytes.
        assert_eq!(osc52("财务"), "\x1b]52;c;6LSi5Yqh\x07");
    }
}
