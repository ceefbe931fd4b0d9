//! Keys in the site windows: the picker, the password input and the all-sites view. They
//! follow the keys bound everywhere (`[keys]` in the config), so rebinding moves them too.

use super::{PasswordEntry, SiteOverlay, SiteRow};
use crate::app::action::Action;
use crate::app::keymap::{Key, Scope};
use crate::app::{App, Level, cursor};
use crate::fetcher::Command;
use crate::model::Named;
use crate::sites::{SiteId, SiteRequest, SiteState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// Whether a site window takes the keys.
    pub fn sites_open(&self) -> bool {
        self.sites.overlay.is_some() || self.sites.all_sites.is_some()
    }

    pub(in crate::app) fn sites_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match self.sites.overlay.take() {
            Some(SiteOverlay::Password(p)) => self.password_key(p, key),
            Some(SiteOverlay::Picker { cursor }) => self.picker_keys(cursor, key),
            None if self.sites.all_sites.is_some() => self.all_sites_key(key),
            None => vec![],
        }
    }

    /// What a key does everywhere (pane bindings do not apply in site windows).
    fn global_action(&self, key: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(key);
        self.keymap
            .bindings
            .iter()
            .find(|b| b.scope == Scope::Global && b.keys.contains(&k))
            .map(|b| b.action)
    }

    fn picker_keys(&mut self, mut cursor: cursor::Cursor, key: KeyEvent) -> Vec<Command> {
        let rows = self.sites.list.len() + 1;
        match self.global_action(&key) {
            Some(
                a @ (Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom),
            ) => {
                cursor.apply(a, rows);
            }
            Some(Action::Enter) => {
                return match cursor.selected() {
                    0 => {
                        self.open_all_sites();
                        vec![]
                    }
                    n => self.open_site(n - 1, None),
                };
            }
            Some(Action::Back | Action::PickSite | Action::Quit) => return vec![],
            _ => {}
        }
        self.sites.overlay = Some(SiteOverlay::Picker { cursor });
        vec![]
    }

    fn password_key(&mut self, mut p: PasswordEntry, key: KeyEvent) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.sites.pending = None;
                return vec![];
            }
            KeyCode::Char('c') if ctrl => {
                self.sites.pending = None;
                return vec![];
            }
            KeyCode::Char('u') if ctrl => p.clear(),
            _ if p.checking => {}
            KeyCode::Enter if p.is_empty() => {
                p.error = Some("type the password first".into());
            }
            KeyCode::Enter => {
                p.checking = true;
                p.error = None;
                self.sites.request(SiteRequest::Connect {
                    site: p.site,
                    password: Some(p.take()),
                });
            }
            KeyCode::Backspace => p.pop(),
            KeyCode::Char(c) if !ctrl => p.push(c),
            _ => {}
        }
        self.sites.overlay = Some(SiteOverlay::Password(p));
        vec![]
    }

    fn all_sites_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let rows = self.sites.rows();
        let Some(action) = self.global_action(&key) else {
            return vec![];
        };
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                if let Some(c) = self.sites.all_sites.as_mut() {
                    c.apply(action, rows.len());
                }
                vec![]
            }
            Action::Enter => {
                let at = self.sites.all_sites.as_ref().map_or(0, |c| c.selected());
                match rows.get(at).copied() {
                    Some(SiteRow::Cluster(site, i)) => {
                        let cluster = self.sites.list[site]
                            .clusters
                            .get(i)
                            .map(|c| Named::new(c.id.clone(), c.name.clone()));
                        self.open_site(site, cluster)
                    }
                    Some(SiteRow::Site(site) | SiteRow::Note(site)) => self.open_site(site, None),
                    None => vec![],
                }
            }
            Action::Back => {
                self.sites.all_sites = None;
                vec![]
            }
            Action::Refresh => {
                self.refresh_sites();
                vec![]
            }
            Action::PickSite => {
                self.open_picker();
                vec![]
            }
            Action::Quit | Action::Help | Action::CommandMode => self.update(action),
            _ => vec![],
        }
    }

    /// `r` in the all-sites view: read every site's clusters again, and try the
    /// unreachable ones once more.
    pub fn refresh_sites(&mut self) {
        self.sites.request(SiteRequest::ReadClusters { site: None });
        let retry: Vec<SiteId> = (0..self.sites.list.len())
            .filter(|i| matches!(self.sites.list[*i].state, SiteState::Unreachable(_)))
            .collect();
        for site in retry {
            self.sites.request(SiteRequest::Connect {
                site,
                password: None,
            });
        }
        self.say(Level::Info, "refreshing every site…");
    }
}
