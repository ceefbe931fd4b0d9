//! Key bindings as data: the event loop looks keys up here, and the footer and help
//! overlay print this same table, so what they show is what is in force.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Pane;
use super::action::Action;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Self {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    pub const fn ch(c: char) -> Self {
        Key::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> Self {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// Normalises a terminal key event (shifted letters arrive with SHIFT set, BackTab may too).
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) => KeyCode::Char(c),
            KeyCode::BackTab => KeyCode::BackTab,
            other => {
                mods |= ev.modifiers & KeyModifiers::SHIFT;
                other
            }
        };
        Key { code, mods }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("^")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    Pane(Pane),
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
    /// Shown in the footer of its pane (globals: always).
    pub in_footer: bool,
}

#[derive(Clone, Debug)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Keymap {
    /// The action for a key in a pane: the pane's own binding first, then the global one.
    pub fn action(&self, pane: Pane, key: Key) -> Option<Action> {
        let find = |scope: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == scope && b.keys.contains(&key))
                .map(|b| b.action)
        };
        find(Scope::Pane(pane)).or_else(|| find(Scope::Global))
    }

    /// Footer hints for a pane: its own footer bindings, then the global ones.
    pub fn footer(&self, pane: Pane) -> Vec<(String, &'static str)> {
        let pane_hints = self
            .bindings
            .iter()
            .filter(|b| b.in_footer && b.scope == Scope::Pane(pane));
        let global = self
            .bindings
            .iter()
            .filter(|b| b.in_footer && b.scope == Scope::Global);
        pane_hints
            .chain(global)
            .map(|b| (keys_label(&b.keys), b.help))
            .collect()
    }

    /// Every binding of a scope, for the help overlay.
    pub fn listing(&self, scope: Scope) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| b.scope == scope)
            .map(|b| (keys_label(&b.keys), b.help))
            .collect()
    }

    /// The first key bound to an action (for messages like "press R to roll back").
    pub fn key_for(&self, pane: Pane, action: Action) -> Option<Key> {
        self.bindings
            .iter()
            .find(|b| {
                b.action == action && (b.scope == Scope::Pane(pane) || b.scope == Scope::Global)
            })
            .and_then(|b| b.keys.first().copied())
    }
}

pub fn keys_label(keys: &[Key]) -> String {
    keys.iter()
        .map(Key::to_string)
        .collect::<Vec<_>>()
        .join("/")
}

impl Default for Keymap {
    fn default() -> Self {
        use Action::*;
        use KeyCode as K;
        let g = |keys: Vec<Key>, action, help, in_footer| Binding {
            keys,
            action,
            scope: Scope::Global,
            help,
            in_footer,
        };
        let p = |pane, keys: Vec<Key>, action, help, in_footer| Binding {
            keys,
            action,
            scope: Scope::Pane(pane),
            help,
            in_footer,
        };
        let bindings = vec![
            g(vec![Key::ch('j'), Key::plain(K::Down)], Down, "down", false),
            g(vec![Key::ch('k'), Key::plain(K::Up)], Up, "up", false),
            g(
                vec![Key::plain(K::PageDown), Key::ctrl('d')],
                PageDown,
                "page down",
                false,
            ),
            g(
                vec![Key::plain(K::PageUp), Key::ctrl('u')],
                PageUp,
                "page up",
                false,
            ),
            g(
                vec![Key::ch('g'), Key::plain(K::Home)],
                Top,
                "first row",
                false,
            ),
            g(
                vec![Key::ch('G'), Key::plain(K::End)],
                Bottom,
                "last row",
                false,
            ),
            g(vec![Key::plain(K::Tab)], FocusNext, "next pane", true),
            g(
                vec![Key::plain(K::BackTab)],
                FocusPrev,
                "previous pane",
                false,
            ),
            g(
                vec![Key::plain(K::Enter), Key::ch('l'), Key::plain(K::Right)],
                Enter,
                "open",
                false,
            ),
            g(
                vec![Key::plain(K::Esc), Key::ch('h'), Key::plain(K::Left)],
                Back,
                "back",
                false,
            ),
            g(vec![Key::ch('r'), Key::ctrl('r')], Refresh, "refresh", true),
            g(vec![Key::ch('?')], Help, "help", true),
            g(vec![Key::ch('q'), Key::ctrl('c')], Quit, "quit", true),
            p(
                Pane::Clusters,
                vec![Key::plain(K::Enter), Key::ch('l'), Key::plain(K::Right)],
                Enter,
                "list VMs",
                true,
            ),
            p(
                Pane::Vms,
                vec![Key::plain(K::Enter), Key::ch('l'), Key::plain(K::Right)],
                Enter,
                "snapshots & backups",
                true,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('c')],
                CreateSnapshot,
                "create",
                true,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('e')],
                EditSnapshot,
                "edit description",
                true,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('R')],
                Rollback,
                "roll back",
                true,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('D')],
                RollbackDisks,
                "roll back disks",
                true,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('d')],
                DeleteSnapshot,
                "delete",
                true,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('h'), Key::plain(K::Left)],
                Collapse,
                "collapse",
                false,
            ),
            p(
                Pane::Snapshots,
                vec![
                    Key::ch('l'),
                    Key::plain(K::Right),
                    Key::plain(K::Enter),
                    Key::ch(' '),
                ],
                Expand,
                "expand",
                false,
            ),
            p(
                Pane::Backups,
                vec![Key::ch(']')],
                NextPage,
                "next page",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('[')],
                PrevPage,
                "previous page",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('{')],
                FirstPage,
                "first page",
                false,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('}')],
                LastPage,
                "last page",
                false,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('f')],
                FilterBackups,
                "filter",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('a')],
                ToggleBackupScope,
                "VM / whole cluster",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('c')],
                CreateBackup,
                "create",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('R')],
                RestoreBackup,
                "restore to new VM",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('d')],
                DeleteBackup,
                "delete",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('i')],
                RemoteBackups,
                "remote backups / import",
                true,
            ),
            p(
                Pane::Tasks,
                vec![Key::ch('C')],
                ClearFinishedTasks,
                "clear finished",
                true,
            ),
        ];
        Keymap { bindings }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pane_binding_beats_global() {
        let km = Keymap::default();
        assert_eq!(
            km.action(Pane::Snapshots, Key::ch('l')),
            Some(Action::Expand)
        );
        assert_eq!(km.action(Pane::Vms, Key::ch('l')), Some(Action::Enter));
        assert_eq!(
            km.action(Pane::Backups, Key::ch('d')),
            Some(Action::DeleteBackup)
        );
        assert_eq!(
            km.action(Pane::Snapshots, Key::ch('d')),
            Some(Action::DeleteSnapshot)
        );
        assert_eq!(km.action(Pane::Clusters, Key::ch('d')), None);
    }

    #[test]
    fn shifted_letters_and_backtab_normalise() {
        let ev = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::ch('R'));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::plain(KeyCode::BackTab));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        let km = Keymap::default();
        let mut seen = std::collections::HashSet::new();
        for b in &km.bindings {
            for k in &b.keys {
                assert!(
                    seen.insert((format!("{:?}", b.scope), *k)),
                    "{k} twice in {:?}",
                    b.scope
                );
            }
        }
    }
}
