use std::cell::Cell;
use std::ops::Range;

use super::action::Action;

/// Selection and scroll position of a list. The scroll offset and the visible height are
/// view state that the renderer updates (hence `Cell`), so drawing stays `&App`.
#[derive(Debug, Default, Clone)]
pub struct Cursor {
    selected: usize,
    offset: Cell<usize>,
    viewport: Cell<usize>,
    /// Screen row of the first visible item at the last draw (for mouse clicks).
    first_row_y: Cell<Option<u16>>,
}

impl Cursor {
    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn select(&mut self, index: usize, len: usize) {
        self.selected = index.min(len.saturating_sub(1));
    }

    pub fn reset(&mut self) {
        self.selected = 0;
        self.offset.set(0);
    }

    /// Applies a movement action; returns whether the selection changed.
    pub fn apply(&mut self, action: Action, len: usize) -> bool {
        if len == 0 {
            return false;
        }
        let page = self.viewport.get().max(1);
        let last = len - 1;
        let before = self.selected;
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => self.selected,
        }
        .min(last);
        before != self.selected
    }

    /// Rows to draw for a list of `len` in `height` rows, scrolling just enough to keep the
    /// selection visible. Cost is the height, never the length.
    pub fn visible_range(&self, len: usize, height: usize) -> Range<usize> {
        self.viewport.set(height);
        if len == 0 || height == 0 {
            return 0..0;
        }
        let selected = self.selected.min(len - 1);
        let mut offset = self.offset.get().min(len.saturating_sub(1));
        if selected < offset {
            offset = selected;
        } else if selected >= offset + height {
            offset = selected + 1 - height;
        }
        // Do not leave empty rows below the end when the list could fill the view.
        offset = offset.min(len.saturating_sub(height));
        self.offset.set(offset);
        offset..(offset + height).min(len)
    }

    /// First visible item at the last draw.
    /// Rows the list showed at the last draw.
    pub fn viewport(&self) -> usize {
        self.viewport.get()
    }

    pub fn offset(&self) -> usize {
        self.offset.get()
    }

    /// Remembers where the first visible row was drawn.
    pub fn set_first_row_y(&self, y: u16) {
        self.first_row_y.set(Some(y));
    }

    /// The item drawn at screen row `y` at the last draw, if any.
    pub fn item_at_row(&self, y: u16, len: usize) -> Option<usize> {
        let top = self.first_row_y.get()?;
        let row = usize::from(y.checked_sub(top)?);
        if row >= self.viewport.get() {
            return None;
        }
        let i = self.offset.get() + row;
        (i < len).then_some(i)
    }

    /// Position of the selection within the visible rows.
    pub fn row_in_view(&self) -> usize {
        self.selected.saturating_sub(self.offset.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolls_to_keep_selection_visible() {
        let mut c = Cursor::default();
        assert_eq!(c.visible_range(100, 10), 0..10);
        for _ in 0..15 {
            c.apply(Action::Down, 100);
        }
        assert_eq!(c.visible_range(100, 10), 6..16);
        c.apply(Action::Bottom, 100);
        assert_eq!(c.visible_range(100, 10), 90..100);
        c.apply(Action::PageUp, 100);
        assert_eq!(c.selected(), 89);
        c.apply(Action::Top, 100);
        assert_eq!(c.visible_range(100, 10), 0..10);
    }

    #[test]
    fn shrinking_list_clamps() {
        let mut c = Cursor::default();
        c.select(50, 100);
        c.visible_range(100, 10);
        c.select(50, 5);
        assert_eq!(c.selected(), 4);
        assert_eq!(c.visible_range(5, 10), 0..5);
        assert_eq!(c.visible_range(0, 10), 0..0);
        assert!(!c.apply(Action::Down, 0));
    }
}
