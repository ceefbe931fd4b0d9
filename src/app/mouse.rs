//! The mouse: a click focuses the pane under it and selects the row; a click on the selected
//! row goes into it (like Enter); the wheel scrolls the pane under the pointer.

use super::action::Action;
use super::dialog::{ConfirmDialog, Dialog};
use super::{App, Pane};
use crate::fetcher::Command;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

impl App {
    pub fn handle_mouse(&mut self, ev: MouseEvent) -> Vec<Command> {
        if !self.mouse || self.sites_open() {
            return vec![];
        }
        let at = Position::new(ev.column, ev.row);
        if let Some(dialog) = self.dialog.as_mut() {
            // Only scrolling reaches dialogs; clicks must not confirm anything by accident.
            let delta: i32 = match ev.kind {
                MouseEventKind::ScrollDown => 3,
                MouseEventKind::ScrollUp => -3,
                _ => return vec![],
            };
            match dialog {
                Dialog::Help { scroll } | Dialog::Confirm(ConfirmDialog { scroll, .. }) => {
                    *scroll = (i32::from(*scroll) + delta).clamp(0, i32::from(u16::MAX)) as u16;
                }
                _ => {}
            }
            return vec![];
        }
        let Some(pane) = self.pane_at(at) else {
            return vec![];
        };
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left) => self.click(pane, at),
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let action = if ev.kind == MouseEventKind::ScrollDown {
                    Action::Down
                } else {
                    Action::Up
                };
                let focus = std::mem::replace(&mut self.focus, pane);
                for _ in 0..3 {
                    self.move_cursor(action);
                }
                self.focus = focus;
                vec![]
            }
            _ => vec![],
        }
    }

    fn pane_at(&self, at: Position) -> Option<Pane> {
        let areas = self.pane_areas.get();
        Pane::ORDER
            .iter()
            .zip(areas.iter())
            .find(|(_, r)| r.contains(at))
            .map(|(p, _)| *p)
    }

    fn click(&mut self, pane: Pane, at: Position) -> Vec<Command> {
        let was_focused = self.focus == pane;
        self.focus = pane;
        if pane == Pane::Snapshots {
            let shift = self.snapshots.shift.get();
            let at = Position::new(at.x.saturating_add(shift), at.y);
            self.snapshots.state.borrow_mut().click_at(at);
            return vec![];
        }
        let Some((cursor, len)) = self.list_cursor(pane) else {
            return vec![];
        };
        let Some(row) = cursor.item_at_row(at.y, len) else {
            return vec![];
        };
        if was_focused && row == cursor.selected() {
            return self.update(Action::Enter);
        }
        cursor.select(row, len);
        vec![]
    }
}
