//! A list pane's items with what is shown of them (filter, sort) and the selection. The
//! selection sticks to the same item (by key) when the items, filter or sort change.

use std::cmp::Ordering;

use super::action::Action;
use super::cursor::Cursor;
use super::view::{View, cmp_text};
use crate::model::{Backup, Cluster, ClusterState, Vm};

/// What a list needs to know about its items.
pub trait Listable {
    /// Sortable columns, as headed in the table.
    const COLUMNS: &'static [&'static str];
    /// Identity, to keep the selection on the same item across refreshes.
    fn key(&self) -> &str;
    /// What `/` searches: each field is matched on its own, so a fuzzy pattern cannot
    /// stitch a match together across the name, the IP and the id.
    fn search_fields(&self) -> Vec<&str>;
    fn compare(&self, other: &Self, column: usize) -> Ordering;
    /// Every column the table can show, and the id, for export (`ctrl-s`, `:export`).
    const FIELDS: &'static [&'static str];
    /// The values of [`Self::FIELDS`], whole: nothing cut to a column's width, times in
    /// RFC 3339 and sizes in bytes, so a spreadsheet or a script can read them.
    fn fields(&self) -> Vec<String>;
    /// Pinned items stay on top, unfiltered (the "All clusters" row).
    fn pinned(&self) -> bool {
        false
    }
    /// The key of the row this one is shown under (a bulk's member under its group row).
    fn parent(&self) -> Option<&str> {
        None
    }
    /// A parent row whose children are hidden.
    fn folded(&self) -> bool {
        false
    }
}

#[derive(Clone, Debug)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub view: View,
    pub cursor: Cursor,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            view: View::default(),
            cursor: Cursor::default(),
        }
    }
}

impl<T: Listable> Listed<T> {
    /// Rows shown.
    pub fn rows(&self) -> usize {
        self.view.len()
    }

    pub fn row(&self, row: usize) -> Option<&T> {
        self.view.item(row).and_then(|i| self.items.get(i))
    }

    pub fn selected(&self) -> Option<&T> {
        self.row(self.cursor.selected())
    }

    /// Replaces the items, keeping the selection on the same item if it is still there.
    pub fn set_items(&mut self, items: Vec<T>) {
        let keep = self.selected().map(|t| t.key().to_string());
        self.items = items;
        self.refresh_keeping(keep);
    }

    /// Changes the items in any way (removing some, say), keeping the selection on the
    /// same item if it is still there. Indexes into `items` move, so the selection is
    /// noted by key before the change.
    pub fn edit(&mut self, change: impl FnOnce(&mut Vec<T>)) {
        let keep = self.selected().map(|t| t.key().to_string());
        change(&mut self.items);
        self.refresh_keeping(keep);
    }

    /// Appends items (a further chunk of a long list).
    pub fn extend(&mut self, more: impl IntoIterator<Item = T>) {
        let keep = self.selected().map(|t| t.key().to_string());
        self.items.extend(more);
        self.refresh_keeping(keep);
    }

    /// Re-applies filter and sort (after editing items in place, or changing either).
    pub fn refresh(&mut self) {
        let keep = self.selected().map(|t| t.key().to_string());
        self.refresh_keeping(keep);
    }

    fn refresh_keeping(&mut self, keep: Option<String>) {
        let pinned: Vec<usize> = (0..self.items.len())
            .filter(|i| self.items[*i].pinned())
            .collect();
        self.view
            .rebuild(&self.items, Listable::search_fields, |a, b, c| {
                a.compare(b, c)
            });
        self.view.order.retain(|i| !self.items[*i].pinned());
        let mut order = pinned;
        order.append(&mut self.view.order);
        self.view.order = nest(&self.items, order);
        let row = keep
            .and_then(|k| self.items.iter().position(|t| t.key() == k))
            .and_then(|i| self.view.row_of(i))
            .unwrap_or(self.cursor.selected());
        self.cursor.select(row, self.rows());
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.view.filter = filter.to_string();
        self.refresh();
    }

    pub fn cycle_sort(&mut self, reverse: bool) {
        self.view.cycle_sort(T::COLUMNS.len(), reverse);
        self.refresh();
    }

    pub fn apply(&mut self, action: Action) -> bool {
        let n = self.rows();
        self.cursor.apply(action, n)
    }

    /// Selects the item with this key, if shown.
    pub fn select_key(&mut self, key: &str) {
        if let Some(row) = self
            .items
            .iter()
            .position(|t| t.key() == key)
            .and_then(|i| self.view.row_of(i))
        {
            self.cursor.select(row, self.rows());
        }
    }

    /// "by name ↑ · /web" for titles (empty when neither is set).
    pub fn describe(&self) -> String {
        self.view.describe(T::COLUMNS)
    }
}

/// Children right below their parent, in the order shown, and only while it is open; a
/// child whose parent the filter hides stands on its own.
fn nest<T: Listable>(items: &[T], order: Vec<usize>) -> Vec<usize> {
    if !order.iter().any(|i| items[*i].parent().is_some()) {
        return order;
    }
    let shown: std::collections::HashSet<&str> = order.iter().map(|i| items[*i].key()).collect();
    let mut out = Vec::with_capacity(order.len());
    for &i in &order {
        match items[i].parent() {
            Some(p) if shown.contains(p) => {}
            _ => {
                out.push(i);
                if !items[i].folded() {
                    let key = items[i].key();
                    out.extend(order.iter().filter(|c| items[**c].parent() == Some(key)));
                }
            }
        }
    }
    out
}

fn cmp_opt<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn name_of(n: &Option<crate::model::Named>) -> &str {
    n.as_ref().map_or("", |n| n.name.as_str())
}

impl Listable for Vm {
    const COLUMNS: &'static [&'static str] = &[
        "NAME", "POWER", "ACTION", "AGENT", "IP", "ZONE", "GROUP", "CLUSTER",
    ];
    const FIELDS: &'static [&'static str] = &[
        "NAME", "POWER", "ACTION", "AGENT", "IP", "ZONE", "GROUP", "CLUSTER", "ID",
    ];
    fn fields(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.power.label().into(),
            self.action.clone().unwrap_or_default(),
            self.agent.label().into(),
            self.ip.clone(),
            name_of(&self.zone).into(),
            name_of(&self.group).into(),
            self.cluster.name.clone(),
            self.id.clone(),
        ]
    }
    fn key(&self) -> &str {
        &self.id
    }
    fn search_fields(&self) -> Vec<&str> {
        vec![&self.name, &self.ip, &self.id, &self.cluster.name]
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        match column {
            1 => cmp_text(self.power.label(), o.power.label()),
            2 => cmp_text(
                self.action.as_deref().unwrap_or(""),
                o.action.as_deref().unwrap_or(""),
            ),
            3 => cmp_text(self.agent.label(), o.agent.label()),
            4 => ip_key(&self.ip).cmp(&ip_key(&o.ip)),
            5 => cmp_text(name_of(&self.zone), name_of(&o.zone)),
            6 => cmp_text(name_of(&self.group), name_of(&o.group)),
            7 => cmp_text(&self.cluster.name, &o.cluster.name),
            _ => cmp_text(&self.name, &o.name),
        }
    }
}

/// Sorts IPv4 addresses numerically (10.0.0.9 before 10.0.0.10); others after, as text.
fn ip_key(ip: &str) -> (u8, u32, String) {
    match ip.parse::<std::net::Ipv4Addr>() {
        Ok(a) => (0, u32::from(a), String::new()),
        Err(_) if ip.is_empty() => (2, 0, String::new()),
        Err(_) => (1, 0, ip.to_string()),
    }
}

impl Listable for Cluster {
    const COLUMNS: &'static [&'static str] = &["NAME", "STATE"];
    const FIELDS: &'static [&'static str] = &["NAME", "STATE", "MESSAGE", "ID"];
    fn fields(&self) -> Vec<String> {
        let (state, message) = self.state.label();
        vec![
            self.name.clone(),
            state.into(),
            message.unwrap_or_default().into(),
            self.id.clone(),
        ]
    }
    fn key(&self) -> &str {
        &self.id
    }
    fn search_fields(&self) -> Vec<&str> {
        vec![&self.name]
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        let rank = |c: &Cluster| match c.state {
            ClusterState::Failed(_) => 0,
            ClusterState::Degraded(_) => 1,
            ClusterState::Unknown => 2,
            ClusterState::Healthy => 3,
        };
        match column {
            1 => rank(self).cmp(&rank(o)),
            _ => cmp_text(&self.name, &o.name),
        }
    }
    fn pinned(&self) -> bool {
        self.id.is_empty()
    }
}

impl Listable for Backup {
    const COLUMNS: &'static [&'static str] = &["NAME", "STATUS", "CREATED", "SIZE", "POINT", "VM"];
    const FIELDS: &'static [&'static str] = &[
        "NAME", "VM", "VOLUME", "STATUS", "TYPE", "POINT", "CREATED", "SIZE", "ID",
    ];
    fn fields(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.vm.name.clone(),
            name_of(&self.volume).into(),
            self.status.label().into(),
            match self.kind {
                Some(crate::model::BackupKind::Full) => "full".into(),
                Some(crate::model::BackupKind::Incremental) => "incremental".into(),
                None => String::new(),
            },
            name_of(&self.point).into(),
            self.created.map(|t| t.to_string()).unwrap_or_default(),
            self.total_size().map(|b| b.to_string()).unwrap_or_default(),
            self.id.clone(),
        ]
    }
    fn key(&self) -> &str {
        &self.id
    }
    fn search_fields(&self) -> Vec<&str> {
        vec![
            &self.name,
            &self.vm.name,
            name_of(&self.point),
            &self.description,
        ]
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        match column {
            1 => cmp_text(self.status.label(), o.status.label()),
            2 => cmp_opt(&self.created, &o.created),
            3 => cmp_opt(&self.total_size(), &o.total_size()),
            4 => cmp_text(name_of(&self.point), name_of(&o.point)),
            5 => cmp_text(&self.vm.name, &o.vm.name),
            _ => cmp_text(&self.name, &o.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentState, Named, VmPower};

    fn vm(id: &str, name: &str, ip: &str) -> Vm {
        Vm {
            id: id.into(),
            name: name.into(),
            cluster: Named::new("c", "c"),
            tenant: None,
            power: VmPower::Running,
            action: None,
            agent: AgentState::Connected,
            ip: ip.into(),
            zone: None,
            group: None,
            os: String::new(),
            vcpu: None,
            memory_bytes: None,
            created: None,
            details: vec![],
        }
    }

    #[test]
    fn selection_sticks_to_the_item_through_filter_sort_and_refresh() {
        let mut l = Listed::default();
        l.set_items(vec![
            vm("1", "web-01", "10.0.0.10"),
            vm("2", "db-01", "10.0.0.9"),
            vm("3", "web-02", ""),
        ]);
        l.apply(Action::Bottom);
        assert_eq!(l.selected().unwrap().name, "web-02");
        l.set_filter("web");
        assert_eq!(l.rows(), 2);
        assert_eq!(l.selected().unwrap().name, "web-02");
        l.set_filter("");
        l.view.sort = Some(crate::app::view::Sort {
            column: 4,
            descending: false,
        });
        l.refresh();
        let ips: Vec<&str> = (0..l.rows())
            .map(|r| l.row(r).unwrap().ip.as_str())
            .collect();
        assert_eq!(
            ips,
            ["10.0.0.9", "10.0.0.10", ""],
            "numeric IP order, blanks last"
        );
        assert_eq!(l.selected().unwrap().name, "web-02");
        l.set_items(vec![vm("3", "web-02", ""), vm("4", "new", "10.0.0.1")]);
        assert_eq!(l.selected().unwrap().name, "web-02");
    }

    #[test]
    fn pinned_rows_stay_on_top_unfiltered() {
        let mut l: Listed<Cluster> = Listed::default();
        let c = |id: &str, name: &str| Cluster {
            id: id.into(),
            name: name.into(),
            state: ClusterState::Healthy,
            details: vec![],
        };
        l.set_items(vec![c("", "All clusters"), c("b", "beta"), c("a", "alpha")]);
        l.cycle_sort(false);
        l.set_filter("alp");
        let names: Vec<&str> = (0..l.rows())
            .map(|r| l.row(r).unwrap().name.as_str())
            .collect();
        assert_eq!(names, ["All clusters", "alpha"]);
    }
}
