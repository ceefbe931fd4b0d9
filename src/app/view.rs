//! What a list shows of its items: filtered (fuzzy; a leading `!` inverts) and sorted by
//! a column, as a list of indexes. Rebuilt when the items, the filter or the sort change —
//! never per frame.

use std::cmp::Ordering;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

/// Filter text, sort, and the resulting order of item indexes.
#[derive(Clone, Debug, Default)]
pub struct View {
    pub filter: String,
    pub sort: Option<Sort>,
    /// The pane's natural order, not worth mentioning in its title.
    pub default_sort: Option<Sort>,
    pub order: Vec<usize>,
}

impl View {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The item index shown at a row.
    pub fn item(&self, row: usize) -> Option<usize> {
        self.order.get(row).copied()
    }

    /// The row an item is shown at.
    pub fn row_of(&self, item: usize) -> Option<usize> {
        self.order.iter().position(|i| *i == item)
    }

    /// Recomputes the order. `fields` gives the texts the filter searches in an item (an
    /// item matches when one field does); `cmp` compares two items by a column.
    pub fn rebuild<'a, T: 'a>(
        &mut self,
        items: &'a [T],
        fields: impl Fn(&'a T) -> Vec<&'a str>,
        cmp: impl Fn(&T, &T, usize) -> Ordering,
    ) {
        let matcher = FilterMatcher::new(&self.filter);
        self.order = (0..items.len())
            .filter(|i| matcher.matches_any(&fields(&items[*i])))
            .collect();
        if let Some(sort) = self.sort {
            // Stable: equal keys keep the platform's order.
            self.order.sort_by(|a, b| {
                let o = cmp(&items[*a], &items[*b], sort.column);
                if sort.descending { o.reverse() } else { o }
            });
        }
    }

    /// "sorted by NAME ↑ · filter web" for pane titles.
    pub fn describe(&self, columns: &[&str]) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.sort.filter(|s| Some(*s) != self.default_sort)
            && let Some(name) = columns.get(s.column)
        {
            parts.push(format!(
                "by {} {}",
                name.to_lowercase(),
                if s.descending { "↓" } else { "↑" }
            ));
        }
        if !self.filter.is_empty() {
            parts.push(format!("/{}", self.filter));
        }
        parts.join(" · ")
    }

    /// Next sort: the next column ascending; `reverse` flips the direction instead.
    pub fn cycle_sort(&mut self, columns: usize, reverse: bool) {
        self.sort = match (self.sort, reverse) {
            (None, false) => Some(Sort {
                column: 0,
                descending: false,
            }),
            (None, true) => Some(Sort {
                column: 0,
                descending: true,
            }),
            (Some(s), true) => Some(Sort {
                descending: !s.descending,
                ..s
            }),
            (Some(s), false) if s.column + 1 >= columns => None,
            (Some(s), false) => Some(Sort {
                column: s.column + 1,
                descending: false,
            }),
        };
    }
}

/// A fuzzy filter; `!text` keeps what does *not* match.
pub struct FilterMatcher {
    pattern: Option<Pattern>,
    invert: bool,
    matcher: std::cell::RefCell<Matcher>,
}

impl FilterMatcher {
    pub fn new(filter: &str) -> Self {
        let (invert, text) = match filter.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, filter),
        };
        let text = text.trim();
        Self {
            pattern: (!text.is_empty())
                .then(|| Pattern::parse(text, CaseMatching::Smart, Normalization::Smart)),
            invert,
            matcher: std::cell::RefCell::new(Matcher::new(Config::DEFAULT)),
        }
    }

    pub fn matches(&self, haystack: &str) -> bool {
        let Some(p) = &self.pattern else {
            return true;
        };
        let mut buf = Vec::new();
        let hit = p
            .score(
                Utf32Str::new(haystack, &mut buf),
                &mut self.matcher.borrow_mut(),
            )
            .is_some();
        hit != self.invert
    }

    /// Whether one of the fields matches (inverted: none of them does).
    pub fn matches_any(&self, fields: &[&str]) -> bool {
        let Some(p) = &self.pattern else {
            return true;
        };
        let mut buf = Vec::new();
        let mut m = self.matcher.borrow_mut();
        let hit = fields
            .iter()
            .any(|f| p.score(Utf32Str::new(f, &mut buf), &mut m).is_some());
        hit != self.invert
    }

    pub fn is_active(&self) -> bool {
        self.pattern.is_some()
    }
}

/// Compares optional strings with empty ones last.
pub fn cmp_text(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &View, items: &[&str]) -> Vec<String> {
        v.order.iter().map(|i| items[*i].to_string()).collect()
    }

    #[test]
    fn fuzzy_filter_and_inversion() {
        let items = ["web-01", "财务系统-db01", "cache-02", "web-02"];
        let mut v = View {
            filter: "wb".into(),
            ..Default::default()
        };
        v.rebuild(&items, |s| vec![*s], |a, b, _| a.cmp(b));
        assert_eq!(names(&v, &items), ["web-01", "web-02"]);
        v.filter = "!web".into();
        v.rebuild(&items, |s| vec![*s], |a, b, _| a.cmp(b));
        assert_eq!(names(&v, &items), ["财务系统-db01", "cache-02"]);
        v.filter = "财务".into();
        v.rebuild(&items, |s| vec![*s], |a, b, _| a.cmp(b));
        assert_eq!(names(&v, &items), ["财务系统-db01"]);
        v.filter = "!".into();
        v.rebuild(&items, |s| vec![*s], |a, b, _| a.cmp(b));
        assert_eq!(v.len(), 4, "an empty inverted filter keeps everything");
    }

    #[test]
    fn sort_cycles_columns_then_off() {
        let items = ["b", "a", "c"];
        let mut v = View::default();
        v.cycle_sort(2, false);
        v.rebuild(&items, |s| vec![*s], |a, b, _| a.cmp(b));
        assert_eq!(names(&v, &items), ["a", "b", "c"]);
        v.cycle_sort(2, true);
        v.rebuild(&items, |s| vec![*s], |a, b, _| a.cmp(b));
        assert_eq!(names(&v, &items), ["c", "b", "a"]);
        assert_eq!(v.describe(&["NAME", "POWER"]), "by name ↓");
        v.cycle_sort(2, false);
        assert_eq!(
            v.sort,
            Some(Sort {
                column: 1,
                descending: false
            })
        );
        v.cycle_sort(2, false);
        assert_eq!(v.sort, None);
        v.rebuild(&items, |s| vec![*s], |a, b, _| a.cmp(b));
        assert_eq!(names(&v, &items), ["b", "a", "c"], "platform order again");
    }
}
