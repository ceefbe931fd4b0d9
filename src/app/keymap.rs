//! Key bindings as data: the event loop looks keys up here, and the footer and help
//! overlay print this same table, so what they show is what is in force.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Pane;
use super::action::Action;
use crate::config::{KeyEntry, KeysConfig};

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
            KeyCode::Backspace => f.write_str("Bksp"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::str::FromStr for Key {
    type Err = String;

    /// Parses "q", "R", "ctrl-r", "alt-x", "shift-tab", "enter", "esc", "space", "f5", "pgdn"…
    fn from_str(text: &str) -> Result<Key, String> {
        let bad = || {
            format!(
                "unknown key \"{text}\" (write a character, or ctrl-/alt- plus a key, or one of enter esc tab shift-tab space backspace up down left right pgup pgdn home end f1…f12)"
            )
        };
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "shift-tab" | "backtab" | "s-tab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            },
        };
        if text.is_empty() {
            return Err(bad());
        }
        Ok(Key { code, mods })
    }
}

fn pane_named(name: &str) -> Option<Pane> {
    Pane::ORDER
        .into_iter()
        .find(|p| p.title().eq_ignore_ascii_case(name))
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
        self.footer_for(pane, None)
    }

    /// Footer hints, leaving out actions the platform does not have.
    pub fn footer_for(
        &self,
        pane: Pane,
        caps: Option<&crate::model::Capabilities>,
    ) -> Vec<(String, &'static str)> {
        let has = |b: &&Binding| caps.is_none_or(|c| b.action.available(c));
        let pane_hints = self
            .bindings
            .iter()
            .filter(|b| b.in_footer && b.scope == Scope::Pane(pane) && !b.keys.is_empty())
            .filter(has);
        let global = self
            .bindings
            .iter()
            .filter(|b| b.in_footer && b.scope == Scope::Global && !b.keys.is_empty())
            .filter(has);
        pane_hints
            .chain(global)
            .map(|b| (keys_label(&b.keys), b.help))
            .collect()
    }

    /// Every binding of a scope, for the help overlay.
    pub fn listing(&self, scope: Scope) -> Vec<(String, &'static str)> {
        self.listing_for(scope, None)
    }

    /// Every binding of a scope whose action the platform has.
    pub fn listing_for(
        &self,
        scope: Scope,
        caps: Option<&crate::model::Capabilities>,
    ) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| b.scope == scope && !b.keys.is_empty())
            .filter(|b| caps.is_none_or(|c| b.action.available(c)))
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

impl Keymap {
    /// The defaults with the config's rebindings applied. Errors name the config key.
    pub fn with_config(config: &KeysConfig) -> Result<Keymap, String> {
        let mut km = Keymap::default();
        // Which bindings the config set, and under which key (for conflicts).
        let mut set: Vec<(Scope, Action, String)> = Vec::new();
        for (name, entry) in &config.0 {
            match entry {
                KeyEntry::One(k) => set.push(km.rebind(
                    Scope::Global,
                    name,
                    &[k.as_str()],
                    &format!("keys.{name}"),
                )?),
                KeyEntry::Many(v) => {
                    let keys: Vec<&str> = v.iter().map(String::as_str).collect();
                    set.push(km.rebind(Scope::Global, name, &keys, &format!("keys.{name}"))?)
                }
                KeyEntry::Pane(table) => {
                    let pane = pane_named(name).ok_or_else(|| {
                        format!("keys.{name}: no pane called \"{name}\" (clusters, vms, snapshots, backups, tasks)")
                    })?;
                    for (action, keys) in table {
                        set.push(km.rebind(
                            Scope::Pane(pane),
                            action,
                            &keys.keys(),
                            &format!("keys.{name}.{action}"),
                        )?);
                    }
                }
            }
        }
        km.check_conflicts(&set)?;
        Ok(km)
    }

    fn rebind(
        &mut self,
        scope: Scope,
        action: &str,
        keys: &[&str],
        path: &str,
    ) -> Result<(Scope, Action, String), String> {
        use serde::Deserialize;
        let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(action);
        let action = Action::deserialize(de).map_err(|_| {
            format!("{path}: no action called \"{action}\" (see the README for the list)")
        })?;
        let keys: Vec<Key> = keys
            .iter()
            .map(|k| k.parse::<Key>().map_err(|e| format!("{path}: {e}")))
            .collect::<Result<_, _>>()?;
        let done = (scope, action, path.to_string());
        // No keys (`quit = []`) unbinds the action, to free its keys for another.
        if let Some(b) = self
            .bindings
            .iter_mut()
            .find(|b| b.scope == scope && b.action == action)
        {
            b.keys = keys;
            return Ok(done);
        }
        // Not bound in that scope yet: bind it there, described as it is elsewhere.
        let help = self
            .bindings
            .iter()
            .find(|b| b.action == action)
            .map_or("", |b| b.help);
        self.bindings.push(Binding {
            keys,
            action,
            scope,
            help,
            in_footer: scope != Scope::Global,
        });
        Ok(done)
    }

    /// A key bound twice in one scope names the config key that did it and, when the
    /// other action holds the key by default, how to free it.
    fn check_conflicts(&self, set: &[(Scope, Action, String)]) -> Result<(), String> {
        let path_of = |scope: Scope, action: Action| {
            set.iter()
                .find(|(s, a, _)| *s == scope && *a == action)
                .map(|(_, _, p)| p.as_str())
        };
        let mut seen: Vec<(Scope, Key, Action)> = Vec::new();
        for b in &self.bindings {
            for k in &b.keys {
                let clash = seen
                    .iter()
                    .find(|(s, key, a)| *s == b.scope && key == k && *a != b.action);
                if let Some((_, _, other)) = clash {
                    let where_ = match b.scope {
                        Scope::Global => "everywhere".to_string(),
                        Scope::Pane(p) => format!("in {}", p.title()),
                    };
                    let (mine, theirs) = match path_of(b.scope, b.action) {
                        Some(p) => (p, *other),
                        None => (path_of(b.scope, *other).unwrap_or("keys"), b.action),
                    };
                    let mut msg = format!(
                        "{mine}: {k} is bound to both {} and {} {where_}",
                        other.name(),
                        b.action.name()
                    );
                    if path_of(b.scope, theirs).is_none() {
                        let table = match b.scope {
                            Scope::Global => "[keys]".to_string(),
                            Scope::Pane(p) => format!("[keys.{}]", p.title().to_lowercase()),
                        };
                        let name = theirs.name();
                        msg.push_str(&format!(
                            "; {k} is {name}'s by default: free it under {table} with {name} = \"<another key>\" or unbind it with {name} = []"
                        ));
                    }
                    return Err(msg);
                }
                seen.push((b.scope, *k, b.action));
            }
        }
        Ok(())
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
            g(vec![Key::ch(':')], CommandMode, "command", true),
            g(vec![Key::ch('/')], Filter, "filter", true),
            g(vec![Key::ch('o')], SortNext, "sort by next column", false),
            g(vec![Key::ch('O')], SortReverse, "reverse the sort", false),
            g(vec![Key::ch('P')], PickSite, "sites", true),
            g(vec![Key::ch('z')], Zoom, "zoom", true),
            g(vec![Key::ch('y')], CopyId, "copy the id", false),
            g(
                vec![Key::ch('Y')],
                CopyName,
                "copy the name (a VM: its IP)",
                false,
            ),
            g(vec![Key::ctrl('s')], Export, "export as CSV", false),
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
                vec![Key::ch('l'), Key::plain(K::Right), Key::plain(K::Enter)],
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
                "restore",
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
                vec![Key::ch('p')],
                BackupPlans,
                "backup plans",
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
                Pane::Backups,
                vec![Key::ch('t')],
                NextBackupCategory,
                "VM / volume / database backups",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('s')],
                SyncBackup,
                "copy to another storage",
                true,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('v')],
                RecoverBackup,
                "recover from another storage",
                false,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('T')],
                CreateTemplate,
                "volume template from backup",
                false,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('E')],
                ExportBackup,
                "export database backup",
                false,
            ),
            p(
                Pane::Backups,
                vec![Key::ch('X')],
                DeleteExported,
                "delete exported copy",
                false,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('n')],
                NextHit,
                "next search hit",
                false,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('N')],
                PrevHit,
                "previous search hit",
                false,
            ),
            p(
                Pane::Snapshots,
                vec![Key::ch('b')],
                RebuildFromSnapshot,
                "new VM from snapshot",
                true,
            ),
            p(Pane::Vms, vec![Key::ch('S')], StopVm, "stop VM", true),
            p(Pane::Vms, vec![Key::ch('v')], Console, "console", true),
            p(
                Pane::Tasks,
                vec![Key::ch('v')],
                Console,
                "console of its VM",
                false,
            ),
            p(Pane::Vms, vec![Key::ch('s')], StartVm, "start VM", true),
            p(Pane::Vms, vec![Key::ch(' ')], ToggleMark, "mark", true),
            p(
                Pane::Snapshots,
                vec![Key::ch(' ')],
                ToggleMark,
                "mark",
                true,
            ),
            p(
                Pane::Vms,
                vec![Key::ch('c')],
                CreateSnapshot,
                "snapshot marked",
                true,
            ),
            p(
                Pane::Vms,
                vec![Key::ch('b')],
                CreateBackup,
                "back up marked",
                true,
            ),
            p(
                Pane::Vms,
                vec![Key::ch('R')],
                Rollback,
                "roll back marked",
                true,
            ),
            p(
                Pane::Vms,
                vec![Key::ch('*'), Key::ctrl('a')],
                MarkAll,
                "mark all shown",
                true,
            ),
            p(Pane::Tasks, vec![Key::ch('x')], CancelTask, "cancel", true),
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

    fn config(text: &str) -> KeysConfig {
        #[derive(serde::Deserialize)]
        struct C {
            keys: KeysConfig,
        }
        toml::from_str::<C>(text).unwrap().keys
    }

    #[test]
    fn keys_parse() {
        assert_eq!("ctrl-r".parse::<Key>().unwrap(), Key::ctrl('r'));
        assert_eq!("R".parse::<Key>().unwrap(), Key::ch('R'));
        assert_eq!(
            "shift-tab".parse::<Key>().unwrap(),
            Key::plain(KeyCode::BackTab)
        );
        assert_eq!("F5".parse::<Key>().unwrap(), Key::plain(KeyCode::F(5)));
        assert_eq!("alt-x".parse::<Key>().unwrap().mods, KeyModifiers::ALT);
        assert!("ctrl-".parse::<Key>().is_err());
        assert!("hyper-q".parse::<Key>().unwrap_err().contains("hyper-q"));
    }

    #[test]
    fn zoom_is_z_and_rebinds_like_any_action() {
        let km = Keymap::default();
        assert_eq!(km.action(Pane::Tasks, Key::ch('z')), Some(Action::Zoom));
        assert!(
            km.footer(Pane::Snapshots)
                .iter()
                .any(|(k, h)| k == "z" && *h == "zoom")
        );
        let km = Keymap::with_config(&config("[keys]\nzoom = \"Z\"\n")).unwrap();
        assert_eq!(km.action(Pane::Tasks, Key::ch('Z')), Some(Action::Zoom));
        assert_eq!(km.action(Pane::Tasks, Key::ch('z')), None);
        assert!(
            km.footer(Pane::Tasks)
                .iter()
                .any(|(k, h)| k == "Z" && *h == "zoom")
        );
    }

    #[test]
    fn config_rebinds_and_help_follows() {
        let km = Keymap::with_config(&config(
            "[keys]\nrefresh = \"F5\"\nquit = [\"Q\", \"ctrl-c\"]\n[keys.snapshots]\nrollback = \"ctrl-b\"\n",
        ))
        .unwrap();
        assert_eq!(
            km.action(Pane::Vms, Key::plain(KeyCode::F(5))),
            Some(Action::Refresh)
        );
        assert_eq!(km.action(Pane::Vms, Key::ch('r')), None, "old key freed");
        assert_eq!(km.action(Pane::Vms, Key::ch('q')), None);
        assert_eq!(km.action(Pane::Vms, Key::ch('Q')), Some(Action::Quit));
        assert_eq!(
            km.action(Pane::Snapshots, Key::ctrl('b')),
            Some(Action::Rollback)
        );
        let footer = km.footer(Pane::Snapshots);
        assert!(
            footer.iter().any(|(k, h)| k == "^b" && *h == "roll back"),
            "{footer:?}"
        );
        assert!(km.listing(Scope::Global).iter().any(|(k, _)| k == "F5"));
    }

    #[test]
    fn config_errors_name_the_key() {
        let e = Keymap::with_config(&config("[keys]\nrefrsh = \"F5\"\n")).unwrap_err();
        assert!(e.contains("keys.refrsh"), "{e}");
        let e = Keymap::with_config(&config("[keys.snapshot]\nrollback = \"x\"\n")).unwrap_err();
        assert!(
            e.contains("keys.snapshot") && e.contains("snapshots"),
            "{e}"
        );
        let e =
            Keymap::with_config(&config("[keys.snapshots]\nrollback = \"ctrl-\"\n")).unwrap_err();
        assert!(e.contains("keys.snapshots.rollback"), "{e}");
        let e = Keymap::with_config(&config("[keys.snapshots]\nrollback = \"d\"\n")).unwrap_err();
        assert!(
            e.starts_with("keys.snapshots.rollback: ") && e.contains("bound to both"),
            "{e}"
        );
        assert!(
            e.contains("[keys.snapshots]") && e.contains("delete_snapshot = []"),
            "says how to free it: {e}"
        );
    }

    #[test]
    fn an_empty_list_unbinds_so_the_key_can_go_elsewhere() {
        let km = Keymap::with_config(&config(
            "[keys.snapshots]\ndelete_snapshot = []\nrollback = \"d\"\n",
        ))
        .unwrap();
        assert_eq!(
            km.action(Pane::Snapshots, Key::ch('d')),
            Some(Action::Rollback)
        );
        assert!(
            !km.footer(Pane::Snapshots)
                .iter()
                .any(|(_, h)| *h == "delete"),
            "an unbound action is not offered"
        );
        // Both set by the config: no default to free, so no hint.
        let e =
            Keymap::with_config(&config("[keys]\nhelp = \"x\"\nrefresh = \"x\"\n")).unwrap_err();
        assert!(e.contains("bound to both") && !e.contains("= []"), "{e}");
    }

    #[test]
    fn every_action_has_a_key() {
        let km = Keymap::default();
        let all = [
            "quit",
            "help",
            "refresh",
            "focus_next",
            "focus_prev",
            "up",
            "down",
            "page_up",
            "page_down",
            "top",
            "bottom",
            "enter",
            "back",
            "collapse",
            "expand",
            "create_snapshot",
            "edit_snapshot",
            "rollback",
            "rollback_disks",
            "delete_snapshot",
            "rebuild_from_snapshot",
            "stop_vm",
            "start_vm",
            "create_backup",
            "delete_backup",
            "restore_backup",
            "remote_backups",
            "backup_plans",
            "next_backup_category",
            "sync_backup",
            "recover_backup",
            "create_template",
            "export_backup",
            "delete_exported",
            "filter_backups",
            "toggle_backup_scope",
            "next_page",
            "prev_page",
            "first_page",
            "last_page",
            "clear_finished_tasks",
            "command_mode",
            "filter",
            "sort_next",
            "sort_reverse",
            "next_hit",
            "prev_hit",
            "pick_site",
            "zoom",
            "copy_id",
            "copy_name",
            "console",
            "toggle_mark",
            "mark_all",
            "cancel_task",
            "export",
        ];
        for name in all {
            assert!(
                km.bindings.iter().any(|b| b.action.name() == name),
                "{name} has no key"
            );
        }
        // And the README lists every one of them for `[keys]`.
        let readme = include_str!("../../README.md");
        for name in all {
            assert!(readme.contains(&format!("`{name}`")), "README lacks {name}");
        }
        // A new action bound by default and left out of the list above still needs a line.
        for b in &km.bindings {
            let name = b.action.name();
            assert!(readme.contains(&format!("`{name}`")), "README lacks {name}");
        }
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
