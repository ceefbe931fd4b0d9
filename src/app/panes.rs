//! State of the list panes (clusters, VMs, backups, tasks). The snapshot tree has its own
//! module. No drawing here; `ui::*` reads these.

use std::time::Instant;

use super::cursor::Cursor;
use crate::model::{
    Backup, BackupFilter, BackupPoint, BackupScope, Cluster, ClusterFailure, Page, PageRequest,
    TaskId, TaskOrigin, TaskState, Vm, VmDetail, VmRef,
};
use crate::operation::Operation;

#[derive(Default)]
pub struct ClustersPane {
    pub items: Vec<Cluster>,
    pub failures: Vec<ClusterFailure>,
    pub cursor: Cursor,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
}

impl ClustersPane {
    pub fn selected(&self) -> Option<&Cluster> {
        self.items.get(self.cursor.selected())
    }
}

#[derive(Default)]
pub struct VmsPane {
    pub cluster: Option<crate::model::Named>,
    pub items: Vec<Vm>,
    /// Total the platform reported (may be ahead of `items` while chunks arrive).
    pub total: u64,
    pub failures: Vec<ClusterFailure>,
    pub cursor: Cursor,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
    /// The VM whose snapshots and backups are shown.
    pub chosen: Option<VmRef>,
    /// Configuration of the chosen VM (disks for the restore form, details).
    pub detail: Option<VmDetail>,
    pub detail_seq: u64,
}

impl VmsPane {
    pub fn selected(&self) -> Option<&Vm> {
        self.items.get(self.cursor.selected())
    }

    /// The chosen VM's current list entry (power state changes as operations run).
    pub fn chosen_vm(&self) -> Option<&Vm> {
        let id = &self.chosen.as_ref()?.id;
        self.items.iter().find(|v| &v.id == id)
    }
}

pub struct BackupsPane {
    pub scope: Option<BackupScope>,
    pub request: PageRequest,
    pub filter: BackupFilter,
    pub page: Option<Page<Backup>>,
    pub failures: Vec<ClusterFailure>,
    pub cursor: Cursor,
    pub loading: bool,
    pub error: Option<String>,
    pub seq: u64,
    /// Backup points of the scope's cluster (filter and create forms).
    pub points: Vec<BackupPoint>,
    pub points_seq: u64,
}

impl BackupsPane {
    pub fn new(page_size: u32) -> Self {
        Self {
            scope: None,
            request: PageRequest::first(page_size),
            filter: BackupFilter::default(),
            page: None,
            failures: Vec::new(),
            cursor: Cursor::default(),
            loading: false,
            error: None,
            seq: 0,
            points: Vec::new(),
            points_seq: 0,
        }
    }

    pub fn selected(&self) -> Option<&Backup> {
        self.page
            .as_ref()
            .and_then(|p| p.items.get(self.cursor.selected()))
    }

    pub fn page_count(&self) -> u32 {
        self.page.as_ref().map_or(1, Page::page_count)
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

/// One operation in the Tasks pane.
#[derive(Clone, Debug)]
pub struct TaskEntry {
    pub id: TaskId,
    pub title: String,
    pub target: String,
    pub started: Instant,
    pub ended: Option<Instant>,
    pub state: TaskState,
    pub origin: TaskOrigin,
    pub op: Option<Operation>,
    /// Every state change, oldest first, for the details view.
    pub history: Vec<(Instant, String)>,
}

impl TaskEntry {
    pub fn elapsed(&self, now: Instant) -> std::time::Duration {
        self.ended
            .unwrap_or(now)
            .saturating_duration_since(self.started)
    }
}

#[derive(Default)]
pub struct TasksPane {
    /// Newest first.
    pub items: Vec<TaskEntry>,
    pub cursor: Cursor,
    next_id: u64,
}

impl TasksPane {
    pub fn add(&mut self, op: Operation, now: Instant) -> TaskId {
        self.next_id += 1;
        let id = TaskId(self.next_id);
        self.items.insert(
            0,
            TaskEntry {
                id,
                title: op.title().to_string(),
                target: op.target(),
                started: now,
                ended: None,
                state: TaskState::Queued,
                origin: TaskOrigin::Ours,
                op: Some(op),
                history: vec![(now, "queued".into())],
            },
        );
        // Keep the selection on the task it was on.
        if !self.items.is_empty() && self.cursor.selected() > 0 {
            let s = self.cursor.selected() + 1;
            self.cursor.select(s, self.items.len());
        }
        id
    }

    /// Records a new state; returns the entry when the task just ended.
    pub fn update(&mut self, id: TaskId, state: TaskState, now: Instant) -> Option<&TaskEntry> {
        let entry = self.items.iter_mut().find(|t| t.id == id)?;
        if entry.state == state {
            return None;
        }
        entry.history.push((now, describe(&state)));
        entry.state = state;
        // Unknown can still resolve (the re-read finds the answer); only the last end counts.
        if entry.state.is_terminal() {
            entry.ended = Some(now);
        } else {
            entry.ended = None;
        }
        entry.state.is_terminal().then_some(&*entry)
    }

    pub fn running(&self) -> usize {
        self.items.iter().filter(|t| !t.state.is_terminal()).count()
    }

    pub fn clear_finished(&mut self) {
        self.items.retain(|t| !t.state.is_terminal());
        self.cursor.select(self.cursor.selected(), self.items.len());
    }

    pub fn selected(&self) -> Option<&TaskEntry> {
        self.items.get(self.cursor.selected())
    }
}

fn describe(state: &TaskState) -> String {
    match state {
        TaskState::Running { progress: Some(p) } => format!("running {:.0}%", p * 100.0),
        TaskState::Failed { message } => format!("failed: {message}"),
        TaskState::Unknown { reason } => format!("unknown: {reason}"),
        other => other.label().to_string(),
    }
}
