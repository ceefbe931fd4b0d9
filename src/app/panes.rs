//! State of the list panes (clusters, VMs, backups, tasks). The snapshot tree has its own
//! module. No drawing here; `ui::*` reads these.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use super::listed::{Listable, Listed};
use super::view::cmp_text;
use crate::model::{
    AgentState, Backup, BackupCategory, BackupFilter, BackupPoint, BackupScope, ChangeCursor,
    Cluster, ClusterFailure, ClusterState, Listing, Named, Page, PageRequest, TaskId, TaskOrigin,
    TaskState, Timestamp, Vm, VmDetail, VmRef, page_count,
};
use crate::operation::Operation;

/// The pseudo-cluster that lists every cluster at once (the first row of Clusters).
pub fn all_clusters() -> Named {
    Named::new("", "All clusters")
}

pub struct ClustersPane {
    /// The first item is always "All clusters" (pinned).
    pub list: Listed<Cluster>,
    pub failures: Vec<ClusterFailure>,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
}

impl Default for ClustersPane {
    fn default() -> Self {
        let mut list = Listed::default();
        list.set_items(vec![all_row()]);
        Self {
            list,
            failures: Vec::new(),
            loading: false,
            error: None,
            seq: 0,
        }
    }
}

fn all_row() -> Cluster {
    let a = all_clusters();
    Cluster {
        id: a.id,
        name: a.name,
        state: ClusterState::Healthy,
        details: Vec::new(),
    }
}

impl ClustersPane {
    pub fn set_clusters(&mut self, clusters: Vec<Cluster>) {
        let mut items = vec![all_row()];
        items.extend(clusters);
        self.list.set_items(items);
    }

    /// Real clusters (without the "All clusters" row).
    pub fn clusters(&self) -> &[Cluster] {
        self.list.items.get(1..).unwrap_or(&[])
    }

    /// The row under the cursor ("All clusters" included).
    pub fn selected(&self) -> Option<&Cluster> {
        self.list.selected()
    }
}

#[derive(Default)]
pub struct VmsPane {
    pub cluster: Option<Named>,
    pub list: Listed<Vm>,
    /// Total the platform reported (may be ahead of the list while chunks arrive).
    pub total: u64,
    pub failures: Vec<ClusterFailure>,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
    /// The VM whose snapshots and backups are shown.
    pub chosen: Option<VmRef>,
    /// Configuration of the chosen VM (disks for the restore form, details).
    pub detail: Option<VmDetail>,
    pub detail_seq: u64,
    /// Why the last read of the chosen VM's configuration failed.
    pub detail_error: Option<String>,
    /// Whether any listed VM has a zone / a group: platforms without them (CloudTower)
    /// get no empty columns. Kept up to date as chunks arrive, not worked out per frame.
    pub has_zones: bool,
    pub has_groups: bool,
    /// Whether any listed VM reports its guest agent (ZStack's list never does).
    pub has_agents: bool,
    /// A re-read of the listing on screen, still arriving: the rows shown stay until it is
    /// complete, then it replaces them at once (the cursor stays on the same VM). A failed
    /// chunk drops it and leaves the last complete listing.
    pub incoming: Option<Incoming>,
    /// Ids of the marked VMs (bulk operations act on them). By id, so a refresh, a sort or
    /// a filter keeps them; a cluster or site switch starts without any.
    pub marks: BTreeSet<String>,
    /// Where the platform's changes stood when the listing on screen was read: the refresh
    /// interval asks what changed since (instead of re-reading it all). `None`: the next
    /// refresh is a complete read.
    pub changes: Option<ChangeCursor>,
    /// The cursor noted as the listing in flight started; it becomes `changes` once that
    /// listing is complete.
    pub changes_next: Option<ChangeCursor>,
    /// When the rows shown were last known to be the whole listing (a complete read, or
    /// changes applied to one).
    pub complete_at: Option<Timestamp>,
    /// The page of the complete listing each VM arrived on, and that listing's page size:
    /// without a change log the interval reads again only the pages on screen.
    pub pages: HashMap<String, u32>,
    pub page_size: u32,
}

/// A VM listing arriving in chunks behind the one on screen.
#[derive(Clone, Debug, Default)]
pub struct Incoming {
    pub items: Vec<Vm>,
    pub failures: Vec<ClusterFailure>,
    pub pages: HashMap<String, u32>,
}

impl VmsPane {
    /// A chunk of the listing for the current request. A first listing shows as it arrives;
    /// a re-read of rows already on screen collects behind them and replaces them when done.
    pub fn arrived(&mut self, listing: Listing<Page<Vm>>, done: bool) {
        let request = listing.value.request;
        let first = request.index == 0;
        self.total = listing.value.total;
        let page_of = |items: &[Vm], pages: &mut HashMap<String, u32>| {
            pages.extend(items.iter().map(|v| (v.id.clone(), request.index)));
        };
        if first && !done && !self.list.items.is_empty() {
            let mut pages = HashMap::new();
            page_of(&listing.value.items, &mut pages);
            self.incoming = Some(Incoming {
                items: listing.value.items,
                failures: listing.failures,
                pages,
            });
            self.page_size = request.size;
            return;
        }
        if let (false, Some(inc)) = (first, self.incoming.as_mut()) {
            page_of(&listing.value.items, &mut inc.pages);
            inc.items.extend(listing.value.items);
            merge_failures(&mut inc.failures, listing.failures);
            if done && let Some(inc) = self.incoming.take() {
                self.note_columns(&inc.items, true);
                self.list.set_items(inc.items);
                self.failures = inc.failures;
                self.pages = inc.pages;
                self.forget_gone_marks();
            }
            return;
        }
        self.incoming = None;
        self.note_columns(&listing.value.items, first);
        if first {
            self.pages.clear();
            self.page_size = request.size;
        }
        page_of(&listing.value.items, &mut self.pages);
        if first {
            self.list.set_items(listing.value.items);
            self.failures = listing.failures;
        } else {
            self.list.extend(listing.value.items);
            merge_failures(&mut self.failures, listing.failures);
        }
        if done {
            self.forget_gone_marks();
        }
    }

    /// A complete listing without a marked VM: that VM is gone, and so is its mark (a bulk
    /// operation must not reach a VM the screen no longer shows).
    fn forget_gone_marks(&mut self) {
        if self.marks.is_empty() {
            return;
        }
        let ids: BTreeSet<&str> = self.list.items.iter().map(|v| v.id.as_str()).collect();
        self.marks.retain(|id| ids.contains(id.as_str()));
    }

    /// Marks or unmarks the VM under the cursor, then moves down.
    pub fn toggle_mark(&mut self) {
        let Some(id) = self.selected().map(|v| v.id.clone()) else {
            return;
        };
        if !self.marks.remove(&id) {
            self.marks.insert(id);
        }
        self.list.apply(super::action::Action::Down);
    }

    /// Marks every VM the filter shows.
    pub fn mark_shown(&mut self) {
        for row in 0..self.list.rows() {
            if let Some(vm) = self.list.row(row) {
                self.marks.insert(vm.id.clone());
            }
        }
    }

    pub fn is_marked(&self, vm: &Vm) -> bool {
        self.marks.contains(&vm.id)
    }

    /// The marked VMs, in the order the list shows them; marked VMs the filter hides
    /// come after, in listing order — they are still marked, and still targets.
    pub fn marked(&self) -> Vec<&Vm> {
        let mut shown: Vec<&Vm> = (0..self.list.rows())
            .filter_map(|r| self.list.row(r))
            .filter(|v| self.is_marked(v))
            .collect();
        let hidden: Vec<&Vm> = self
            .list
            .items
            .iter()
            .filter(|v| self.is_marked(v) && !shown.iter().any(|s| s.id == v.id))
            .collect();
        shown.extend(hidden);
        shown
    }

    /// Applies what changed since the listing on screen: changed rows replaced and new
    /// ones added, by id, and gone ones dropped; the cursor stays on the same VM.
    /// Says whether the rows now add up to the platform's count: when they do not (a VM
    /// gone without a trace of its going), only a complete read is right.
    /// The pages of the complete listing on screen that hold the rows in view, each with
    /// the ids it held (for a platform without a change log: TopHC). Empty while a listing
    /// is incomplete or arriving.
    pub fn shown_pages(&self) -> Vec<crate::model::ShownPage> {
        let complete = self.incoming.is_none()
            && !self.loading
            && self.list.items.len() as u64 == self.total
            && self.page_size > 0;
        if !complete {
            return vec![];
        }
        let cursor = &self.list.cursor;
        let rows = self.list.rows();
        let range = cursor.visible_range(rows, cursor.viewport().max(1));
        let wanted: BTreeSet<u32> = range
            .filter_map(|r| self.list.row(r))
            .filter_map(|v| self.pages.get(&v.id).copied())
            .collect();
        wanted
            .into_iter()
            .map(|index| crate::model::ShownPage {
                page: PageRequest {
                    index,
                    size: self.page_size,
                },
                ids: self
                    .pages
                    .iter()
                    .filter(|(_, p)| **p == index)
                    .map(|(id, _)| id.clone())
                    .collect(),
            })
            .collect()
    }

    pub fn apply_changes(&mut self, upserts: Vec<Vm>, deleted: &[String], total: u64) -> bool {
        self.total = total;
        if upserts.is_empty() && deleted.is_empty() {
            return self.list.items.len() as u64 == total;
        }
        self.note_columns(&upserts, false);
        let gone: HashSet<&str> = deleted.iter().map(String::as_str).collect();
        self.list.edit(|items| {
            items.retain(|v| !gone.contains(v.id.as_str()));
            let mut at: HashMap<String, usize> = items
                .iter()
                .enumerate()
                .map(|(i, v)| (v.id.clone(), i))
                .collect();
            for vm in upserts {
                match at.get(&vm.id) {
                    Some(&i) => items[i] = vm,
                    None => {
                        at.insert(vm.id.clone(), items.len());
                        items.push(vm);
                    }
                }
            }
        });
        self.list.items.len() as u64 == total
    }

    /// Notes what `vms` (a first chunk when `fresh`, else one more) hold.
    pub fn note_columns(&mut self, vms: &[Vm], fresh: bool) {
        if fresh {
            self.has_zones = false;
            self.has_groups = false;
            self.has_agents = false;
        }
        let named = |n: &Option<Named>| n.as_ref().is_some_and(|n| !n.name.is_empty());
        self.has_zones |= vms.iter().any(|v| named(&v.zone));
        self.has_groups |= vms.iter().any(|v| named(&v.group));
        self.has_agents |= vms
            .iter()
            .any(|v| !matches!(&v.agent, AgentState::Unknown(s) if s.is_empty()));
    }

    /// Whether the VM list draws `column` (one of `Vm::COLUMNS`): columns no listed VM
    /// fills, and CLUSTER within one cluster, are left out.
    pub fn shows(&self, column: &str) -> bool {
        match column {
            "AGENT" => self.has_agents,
            "ZONE" => self.has_zones,
            "GROUP" => self.has_groups,
            "CLUSTER" => self.cluster.as_ref().is_some_and(|c| c.id.is_empty()),
            _ => true,
        }
    }

    pub fn selected(&self) -> Option<&Vm> {
        self.list.selected()
    }

    /// The chosen VM's current list entry (power state changes as operations run).
    pub fn chosen_vm(&self) -> Option<&Vm> {
        let id = &self.chosen.as_ref()?.id;
        self.list.items.iter().find(|v| &v.id == id)
    }
}

/// Where a page of backups sits in the whole list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageInfo {
    pub request: PageRequest,
    pub total: u64,
}

impl PageInfo {
    pub fn page_count(&self) -> u32 {
        page_count(self.total, self.request.size)
    }
}

pub struct BackupsPane {
    pub scope: Option<BackupScope>,
    /// Which kind of backup is listed (platforms with several: `t` switches).
    pub category: BackupCategory,
    pub request: PageRequest,
    pub filter: BackupFilter,
    /// The backups of the page shown (filter and sort here act on this page only).
    pub list: Listed<Backup>,
    /// Which page that is; `None` until the first page arrives.
    pub page: Option<PageInfo>,
    pub failures: Vec<ClusterFailure>,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
    /// Backup points of the scope's cluster (filter and create forms).
    pub points: Vec<BackupPoint>,
    pub points_seq: u64,
    pub points_loading: bool,
    /// Why the last read of the backup points failed.
    pub points_error: Option<String>,
    /// The chain the selected backup belongs to (platforms with backup chains).
    pub chain: Option<BackupChain>,
    pub chain_seq: u64,
}

/// A backup's chain (its full backup and the incrementals built on it), for the details view.
#[derive(Clone, Debug, Default)]
pub struct BackupChain {
    /// The backup the chain was read for.
    pub backup_id: String,
    pub items: Vec<Backup>,
    pub loading: bool,
    pub error: Option<String>,
}

impl BackupsPane {
    pub fn new(page_size: u32) -> Self {
        Self {
            scope: None,
            category: BackupCategory::default(),
            request: PageRequest::first(page_size),
            filter: BackupFilter::default(),
            list: Listed::default(),
            page: None,
            failures: Vec::new(),
            loading: false,
            error: None,
            seq: 0,
            points: Vec::new(),
            points_seq: 0,
            points_loading: false,
            points_error: None,
            chain: None,
            chain_seq: 0,
        }
    }

    pub fn set_page(&mut self, page: Page<Backup>) {
        self.page = Some(PageInfo {
            request: page.request,
            total: page.total,
        });
        self.list.set_items(page.items);
    }

    pub fn clear(&mut self) {
        self.page = None;
        self.list.set_items(Vec::new());
        self.list.cursor.reset();
    }

    pub fn selected(&self) -> Option<&Backup> {
        self.list.selected()
    }

    pub fn page_count(&self) -> u32 {
        self.page.as_ref().map_or(1, PageInfo::page_count)
    }

    /// "page 3/12 · 117 backups"
    pub fn position_label(&self) -> String {
        match &self.page {
            Some(p) => format!(
                "page {}/{} · {} backup{}",
                p.request.index + 1,
                p.page_count(),
                p.total,
                if p.total == 1 { "" } else { "s" }
            ),
            None => String::new(),
        }
    }
}

/// How many of the platform's recent tasks (newest first) the Tasks pane keeps beside ours.
pub const PLATFORM_TASKS_SHOWN: usize = 20;

/// One operation in the Tasks pane.
#[derive(Clone, Debug)]
pub struct TaskEntry {
    pub id: TaskId,
    /// `id` as text, for keeping the selection.
    pub key: String,
    pub title: String,
    pub target: String,
    pub started: Instant,
    /// When it ended, or paused: its elapsed time stops there.
    pub ended: Option<Instant>,
    pub state: TaskState,
    pub origin: TaskOrigin,
    /// The site it runs on, when more than one is configured (also ends `target`).
    pub site: Option<String>,
    pub op: Option<Operation>,
    /// Every state change, oldest first, for the details view.
    pub history: Vec<(Instant, String)>,
    /// The platform's own id for this work, when it has a task API.
    pub platform_id: Option<String>,
    /// Who started it, for work others started.
    pub user: Option<String>,
    /// What the platform says about it (work others started).
    pub details: Vec<crate::model::Detail>,
    /// A bulk's member: the key of its group row.
    pub parent: Option<String>,
    /// A bulk's group row: whether its members are hidden (`Some(true)` until opened).
    pub fold: Option<bool>,
    /// The id the platform cancels it by, while it can (a ZStack long job).
    pub cancel: Option<String>,
}

impl Listable for TaskEntry {
    const COLUMNS: &'static [&'static str] = &["STARTED", "TASK", "TARGET", "STATE"];
    const FIELDS: &'static [&'static str] = &[
        "TASK",
        "TARGET",
        "STATE",
        "ELAPSED",
        "OUTCOME",
        "USER",
        "SITE",
        "PLATFORM ID",
    ];
    fn fields(&self) -> Vec<String> {
        let outcome = match &self.state {
            TaskState::Failed { message } => message.clone(),
            TaskState::Unknown { reason } => reason.clone(),
            _ => String::new(),
        };
        vec![
            self.title.clone(),
            self.target.clone(),
            self.state.label().into(),
            self.elapsed(Instant::now()).as_secs().to_string(),
            outcome,
            self.user.clone().unwrap_or_default(),
            self.site.clone().unwrap_or_default(),
            self.platform_id.clone().unwrap_or_default(),
        ]
    }
    fn key(&self) -> &str {
        &self.key
    }
    fn search_fields(&self) -> Vec<&str> {
        vec![&self.title, &self.target, self.state.label()]
    }
    fn parent(&self) -> Option<&str> {
        self.parent.as_deref()
    }
    fn folded(&self) -> bool {
        self.fold == Some(true)
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        let rank = |s: &TaskState| match s {
            TaskState::Running { .. } | TaskState::Queued | TaskState::Paused { .. } => 0,
            TaskState::Unknown { .. } => 1,
            TaskState::Failed { .. } => 2,
            TaskState::Canceled => 3,
            TaskState::Succeeded => 4,
        };
        match column {
            1 => cmp_text(&self.title, &o.title),
            2 => cmp_text(&self.target, &o.target),
            3 => rank(&self.state).cmp(&rank(&o.state)),
            // Ours first, newest first: work others started is context, and the platform's
            // clock (which dates it) need not agree with ours.
            _ => (self.origin != TaskOrigin::Ours)
                .cmp(&(o.origin != TaskOrigin::Ours))
                .then(o.started.cmp(&self.started)),
        }
    }
}

impl TaskEntry {
    pub fn elapsed(&self, now: Instant) -> std::time::Duration {
        self.ended
            .unwrap_or(now)
            .saturating_duration_since(self.started)
    }
}

pub struct TasksPane {
    /// Oldest first; the view shows newest first unless sorted otherwise.
    pub list: Listed<TaskEntry>,
    next_id: u64,
    /// The site new tasks run on, when more than one is configured.
    pub site: Option<String>,
    /// The group row a first `x` asked to cancel; a second `x` on it cancels.
    pub cancel_armed: Option<String>,
}

impl Default for TasksPane {
    fn default() -> Self {
        let mut list = Listed::default();
        // Newest first; steps started together keep their order.
        list.view.sort = Some(super::view::Sort::default());
        list.view.default_sort = list.view.sort;
        Self {
            list,
            next_id: 0,
            site: None,
            cancel_armed: None,
        }
    }
}

impl TasksPane {
    pub fn add(&mut self, op: Operation, now: Instant) -> TaskId {
        self.next_id += 1;
        let id = TaskId(self.next_id);
        self.list.items.push(TaskEntry {
            id,
            key: id.0.to_string(),
            title: op.title().to_string(),
            target: match &self.site {
                Some(site) => format!("{} @ {site}", op.target()),
                None => op.target(),
            },
            started: now,
            ended: None,
            state: TaskState::Queued,
            origin: TaskOrigin::Ours,
            site: self.site.clone(),
            op: Some(op),
            history: vec![(now, "queued".into())],
            platform_id: None,
            user: None,
            details: Vec::new(),
            parent: None,
            fold: None,
            cancel: None,
        });
        self.list.refresh();
        id
    }

    /// A bulk: one group row, folded, and one queued task per operation under it.
    /// Returns the group's number and the tagged operations to run.
    pub fn add_group(
        &mut self,
        ops: Vec<Operation>,
        now: Instant,
    ) -> (u64, Vec<(TaskId, Operation)>) {
        self.next_id += 1;
        let group = self.next_id;
        let key = format!("group:{group}");
        let title = ops.first().map_or("", |o| o.title()).to_string();
        let n = ops.len();
        let what = crate::app::flows::bulk::noun(&ops);
        let tagged: Vec<(TaskId, Operation)> = ops
            .into_iter()
            .map(|op| {
                let id = self.add(op.clone(), now);
                if let Some(t) = self.list.items.iter_mut().find(|t| t.id == id) {
                    t.parent = Some(key.clone());
                }
                (id, op)
            })
            .collect();
        let target = match &self.site {
            Some(site) => format!("{n} {what} @ {site}"),
            None => format!("{n} {what}"),
        };
        self.list.items.push(TaskEntry {
            id: TaskId(0),
            key: key.clone(),
            title,
            target,
            started: now,
            ended: None,
            state: TaskState::Queued,
            origin: TaskOrigin::Ours,
            site: self.site.clone(),
            op: None,
            history: vec![(now, "queued".into())],
            platform_id: None,
            user: None,
            details: Vec::new(),
            parent: None,
            fold: Some(true),
            cancel: None,
        });
        self.list.refresh();
        self.list.select_key(&key);
        (group, tagged)
    }

    /// The members of the group row `key`.
    pub fn members<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a TaskEntry> + 'a {
        self.list
            .items
            .iter()
            .filter(move |t| t.parent.as_deref() == Some(key))
    }

    /// "8/12 done · 1 failed" for a group row.
    pub fn group_summary(&self, key: &str) -> String {
        let (mut n, mut done, mut failed, mut unknown, mut canceled) = (0, 0, 0, 0, 0);
        for t in self.members(key) {
            n += 1;
            match &t.state {
                TaskState::Succeeded => done += 1,
                TaskState::Canceled => canceled += 1,
                TaskState::Failed { .. } => failed += 1,
                TaskState::Unknown { .. } => unknown += 1,
                _ => {}
            }
        }
        let mut out = format!("{}/{n} done", done + failed + unknown + canceled);
        if canceled > 0 {
            out.push_str(&format!(" · {canceled} canceled"));
        }
        if failed > 0 {
            out.push_str(&format!(" · {failed} failed"));
        }
        if unknown > 0 {
            out.push_str(&format!(" · {unknown} unknown"));
        }
        out
    }

    /// The group number of a bulk's row.
    pub fn group_of(key: &str) -> Option<u64> {
        key.strip_prefix("group:")?.parse().ok()
    }

    /// Opens or closes a group row's members; false when `key` is no group row.
    pub fn toggle_fold(&mut self, key: &str) -> bool {
        let Some(t) = self.list.items.iter_mut().find(|t| t.key == key) else {
            return false;
        };
        let Some(f) = t.fold.as_mut() else {
            return false;
        };
        *f = !*f;
        self.list.refresh();
        true
    }

    /// A group row's state from its members': running while any is, then succeeded only
    /// when every one did.
    fn settle_group(&mut self, key: &str, now: Instant) {
        let states: Vec<TaskState> = self.members(key).map(|t| t.state.clone()).collect();
        let n = states.len().max(1);
        let ended = states.iter().filter(|s| s.is_terminal()).count();
        let state = if ended < states.len() {
            if states.iter().all(|s| *s == TaskState::Queued) {
                TaskState::Queued
            } else {
                TaskState::Running {
                    progress: Some(ended as f32 / n as f32),
                }
            }
        } else if states.iter().all(|s| *s == TaskState::Succeeded) {
            TaskState::Succeeded
        } else {
            TaskState::Failed {
                message: self.group_summary(key),
            }
        };
        if let Some(g) = self.list.items.iter_mut().find(|t| t.key == key)
            && g.state != state
        {
            if state.is_terminal() {
                g.ended = Some(now);
                g.history.push((now, describe(&state)));
            }
            g.state = state;
        }
    }

    /// Notes the platform's id for one of our tasks, so the platform's own listing of it is
    /// not shown a second time as someone else's.
    pub fn link(&mut self, id: TaskId, platform_id: String) {
        if let Some(t) = self.list.items.iter_mut().find(|t| t.id == id) {
            t.platform_id = Some(platform_id);
        }
        let linked: Vec<String> = self.ours_on_platform();
        self.list.edit(|items| {
            items.retain(|t| {
                t.origin == TaskOrigin::Ours
                    || !t.platform_id.as_ref().is_some_and(|p| linked.contains(p))
            })
        });
    }

    fn ours_on_platform(&self) -> Vec<String> {
        self.list
            .items
            .iter()
            .filter(|t| t.origin == TaskOrigin::Ours)
            .filter_map(|t| t.platform_id.clone())
            .collect()
    }

    /// Replaces the platform's recent work with a fresh listing; ours stay as they are.
    /// `now`/`wall` translate the platform's timestamps into the pane's clock.
    pub fn set_platform_tasks(
        &mut self,
        tasks: Vec<crate::model::PlatformTask>,
        now: Instant,
        wall: jiff::Timestamp,
    ) {
        let linked = self.ours_on_platform();
        let at = |ts: Option<jiff::Timestamp>| {
            ts.map(|t| {
                // A platform clock ahead of ours reads as "just now", never the future.
                let ago = wall.duration_since(t);
                if ago.is_negative() {
                    now
                } else {
                    now.checked_sub(ago.unsigned_abs()).unwrap_or(now)
                }
            })
        };
        let mut fresh = Vec::new();
        let others = tasks
            .into_iter()
            .filter(|t| !linked.contains(&t.id))
            .take(PLATFORM_TASKS_SHOWN);
        for t in others {
            let key = format!("platform:{}", t.id);
            let started = at(t.started).unwrap_or(now);
            // A paused task whose platform does not say since when (CloudTower) stops
            // where we first saw it paused, not at each new listing.
            let paused_since = || {
                self.list
                    .items
                    .iter()
                    .find(|e| e.key == key && matches!(e.state, TaskState::Paused { .. }))
                    .and_then(|e| e.ended)
            };
            let ended = if t.state.is_terminal() {
                Some(at(t.finished).unwrap_or(now).max(started))
            } else if t.state.clock_stopped() {
                Some(
                    at(t.finished)
                        .or_else(paused_since)
                        .unwrap_or(now)
                        .max(started),
                )
            } else {
                None
            };
            fresh.push(TaskEntry {
                id: TaskId(0),
                key,
                title: t.title,
                target: t.target,
                started,
                ended,
                history: vec![(started, describe(&t.state))],
                state: t.state,
                origin: TaskOrigin::Others,
                site: self.site.clone(),
                op: None,
                platform_id: Some(t.id),
                user: (!t.user.is_empty()).then_some(t.user),
                details: t.details,
                parent: None,
                fold: None,
                cancel: t.cancel,
            });
        }
        self.list.edit(|items| {
            items.retain(|t| t.origin == TaskOrigin::Ours);
            items.extend(fresh);
        });
    }

    /// Records a new state; returns the entry when the task just ended.
    pub fn update(&mut self, id: TaskId, state: TaskState, now: Instant) -> Option<TaskEntry> {
        let entry = self
            .list
            .items
            .iter_mut()
            .find(|t| t.id == id && t.origin == TaskOrigin::Ours)?;
        if entry.state == state {
            return None;
        }
        entry.history.push((now, describe(&state)));
        entry.state = state;
        // Unknown can still resolve (the re-read finds the answer); the last end counts.
        // A pause stops the clock too, until the task moves again.
        entry.ended = entry.state.clock_stopped().then_some(now);
        let ended = entry.state.is_terminal().then(|| entry.clone());
        if let Some(group) = entry.parent.clone() {
            self.settle_group(&group, now);
        }
        self.list.refresh();
        ended
    }

    /// Our operations still in progress.
    pub fn running(&self) -> usize {
        self.list
            .items
            .iter()
            // A group row is its members, counted one by one.
            .filter(|t| t.origin == TaskOrigin::Ours && t.fold.is_none())
            .filter(|t| !t.state.clock_stopped())
            .count()
    }

    pub fn clear_finished(&mut self) {
        let items = std::mem::take(&mut self.list.items);
        // A bulk still going keeps its ended members: its row counts them.
        let going: Vec<String> = items
            .iter()
            .filter(|t| t.fold.is_some() && !t.state.is_terminal())
            .map(|t| t.key.clone())
            .collect();
        self.list.set_items(
            items
                .into_iter()
                .filter(|t| {
                    !t.state.is_terminal() || t.parent.as_ref().is_some_and(|p| going.contains(p))
                })
                .collect(),
        );
    }

    pub fn selected(&self) -> Option<&TaskEntry> {
        self.list.selected()
    }

    pub fn select(&mut self, id: TaskId) {
        self.list.select_key(&id.0.to_string());
    }
}

fn describe(state: &TaskState) -> String {
    match state {
        TaskState::Running { progress: Some(p) } => format!("running {:.0}%", p * 100.0),
        TaskState::Paused { progress: Some(p) } => format!("paused at {:.0}%", p * 100.0),
        TaskState::Failed { message } => format!("failed: {message}"),
        TaskState::Unknown { reason } => format!("unknown: {reason}"),
        other => other.label().to_string(),
    }
}

fn merge_failures(into: &mut Vec<ClusterFailure>, more: Vec<ClusterFailure>) {
    for f in more {
        if !into.contains(&f) {
            into.push(f);
        }
    }
}
