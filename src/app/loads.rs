//! Loading: which reads to ask the fetcher for, and choosing a cluster or a VM.

use super::{App, Level};
use crate::fetcher::Command;
use crate::model::{BackupQuery, BackupScope, Named, VmRef};

/// The notice while `r` re-reads; cleared when the answers are in.
pub(super) const REFRESHING: &str = "refreshing…";

impl App {
    pub(super) fn load_clusters(&mut self) -> Vec<Command> {
        let seq = self.next_seq();
        self.clusters.seq = seq;
        self.clusters.loading = true;
        vec![Command::LoadClusters { seq }]
    }

    pub(super) fn load_vms(&mut self) -> Vec<Command> {
        let Some(cluster) = self.vms.cluster.clone() else {
            return vec![];
        };
        let seq = self.next_seq();
        self.vms.seq = seq;
        self.vms.loading = true;
        self.vms.incoming = None;
        self.vms.changes_next = None;
        vec![Command::LoadVms { seq, cluster }]
    }

    /// The interval's read of the VM listing: only what changed since the listing on
    /// screen where the platform can say, else all of it.
    fn reload_vms(&mut self) -> Vec<Command> {
        let Some(cluster) = self.vms.cluster.clone() else {
            return vec![];
        };
        let Some(since) = self.vms.changes.clone() else {
            // No change log: the pages in view, if the listing on screen is complete.
            let pages = self.vms.shown_pages();
            if pages.is_empty() {
                return self.load_vms();
            }
            let seq = self.next_seq();
            self.vms.seq = seq;
            self.vms.loading = true;
            return vec![Command::LoadVmPages {
                seq,
                cluster,
                pages,
            }];
        };
        let seq = self.next_seq();
        self.vms.seq = seq;
        self.vms.loading = true;
        vec![Command::LoadVmChanges {
            seq,
            cluster,
            since,
        }]
    }

    pub(super) fn load_chosen_vm(&mut self) -> Vec<Command> {
        let Some(vm) = self.vms.chosen.clone() else {
            return vec![];
        };
        let snap_seq = self.next_seq();
        self.snapshots.seq = snap_seq;
        self.snapshots.loading = true;
        let detail_seq = self.next_seq();
        self.vms.detail_seq = detail_seq;
        vec![
            Command::LoadSnapshots {
                seq: snap_seq,
                vm: vm.clone(),
            },
            Command::LoadVmDetail {
                seq: detail_seq,
                vm,
            },
        ]
    }

    pub(super) fn load_backups(&mut self) -> Vec<Command> {
        let Some(scope) = self.backups.scope.clone() else {
            return vec![];
        };
        let seq = self.next_seq();
        self.backups.seq = seq;
        self.backups.loading = true;
        vec![Command::LoadBackups {
            seq,
            query: BackupQuery {
                scope,
                category: self.backups.category,
                page: self.backups.request,
                filter: self.backups.filter.clone(),
            },
        }]
    }

    pub(super) fn load_points(&mut self, cluster: Named) -> Vec<Command> {
        // An empty cluster id asks for every cluster's (ZStack's storages are shared).
        if !self.caps().backup_points {
            return vec![];
        }
        let seq = self.next_seq();
        self.backups.points_seq = seq;
        self.backups.points_loading = true;
        self.backups.points_error = None;
        vec![Command::LoadBackupPoints { seq, cluster }]
    }

    /// `r`: re-read everything on screen now, a listing still arriving included (it starts
    /// again: the way out of a read that hangs).
    pub(super) fn refresh(&mut self) -> Vec<Command> {
        self.say(Level::Info, REFRESHING);
        self.last_reload = Some(self.now);
        // A chain that could not be read is read again (once the cursor rests on it).
        if self
            .backups
            .chain
            .as_ref()
            .is_some_and(|c| c.error.is_some())
        {
            self.backups.chain = None;
        }
        let mut cmds = self.load_clusters();
        cmds.extend(self.load_vms());
        cmds.extend(self.load_chosen_vm());
        cmds.extend(self.load_backups());
        cmds
    }

    /// The refresh interval: re-reads quietly what is on screen, except what is still
    /// arriving. Restarting a listing that takes longer than the interval would never let it
    /// finish (a 10,000-VM site on a busy manager).
    pub(super) fn reload(&mut self) -> Vec<Command> {
        let mut cmds = Vec::new();
        if !self.clusters.loading {
            cmds.extend(self.load_clusters());
        }
        if !self.vms.loading {
            cmds.extend(self.reload_vms());
        }
        if !self.snapshots.loading {
            cmds.extend(self.load_chosen_vm());
        }
        if !self.backups.loading {
            cmds.extend(self.load_backups());
        }
        cmds
    }

    pub(super) fn choose_cluster(&mut self, cluster: Named) -> Vec<Command> {
        if self.vms.cluster.as_ref() != Some(&cluster) {
            self.vms.list.set_items(Vec::new());
            self.vms.total = 0;
            self.vms.list.cursor.reset();
            self.vms.failures.clear();
            self.vms.marks.clear();
            self.vms.changes = None;
            self.vms.complete_at = None;
        }
        self.vms.cluster = Some(cluster);
        self.vms.error = None;
        self.load_vms()
    }

    pub(super) fn choose_vm(&mut self, vm: VmRef) -> Vec<Command> {
        let same = self.vms.chosen.as_ref().map(|v| &v.id) == Some(&vm.id);
        if !same {
            self.snapshots.clear(Some(vm.clone()));
            self.vms.detail = None;
            self.vms.detail_error = None;
            self.backups.clear();
            self.backups.request.index = 0;
        }
        self.vms.chosen = Some(vm.clone());
        self.snapshots.vm = Some(vm.clone());
        self.backups.scope = Some(BackupScope::Vm {
            cluster: vm.cluster.clone(),
            vm: Named::new(vm.id.clone(), vm.name.clone()),
        });
        let mut cmds = self.load_chosen_vm();
        cmds.extend(self.load_backups());
        if self.backups.points.is_empty() || !same {
            cmds.extend(self.load_points(vm.cluster.clone()));
        }
        cmds
    }
}
