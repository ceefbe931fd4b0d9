/// Everything a key can ask the app to do outside a dialog. The snake_case names are what
/// the `[keys]` section of the config uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Refresh,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Go into the selected item (cluster → its VMs, VM → its snapshots and backups).
    Enter,
    /// Back to the pane this one was entered from.
    Back,
    Collapse,
    Expand,
    CreateSnapshot,
    EditSnapshot,
    Rollback,
    RollbackDisks,
    DeleteSnapshot,
    CreateBackup,
    DeleteBackup,
    RestoreBackup,
    RemoteBackups,
    BackupPlans,
    NextBackupCategory,
    SyncBackup,
    RecoverBackup,
    CreateTemplate,
    ExportBackup,
    DeleteExported,
    RebuildFromSnapshot,
    StopVm,
    StartVm,
    FilterBackups,
    ToggleBackupScope,
    NextPage,
    PrevPage,
    FirstPage,
    LastPage,
    ClearFinishedTasks,
    CommandMode,
    Filter,
    SortNext,
    SortReverse,
    NextHit,
    PrevHit,
    /// Choose a site (profile): the picker.
    PickSite,
    /// Give the focused pane the whole screen, or give it back.
    Zoom,
    /// The selected item's id to the clipboard (OSC 52).
    CopyId,
    /// The selected item's name to the clipboard.
    CopyName,
    /// The selected VM's console: the URL for the browser, copied (OSC 52).
    Console,
    /// Marks or unmarks the VM under the cursor (bulk operations act on the marked VMs).
    ToggleMark,
    /// Marks every VM the filter shows.
    MarkAll,
    /// Cancels the queued VMs of the bulk under the cursor in Tasks (pressed twice).
    CancelTask,
    /// The list in front of you, as shown, to a CSV file (`:export json PATH` for JSON).
    Export,
}

impl Action {
    /// Whether the platform has what this action does. Keys for actions it lacks are left
    /// out of the footer and help, and answer with a short explanation.
    pub fn available(self, caps: &crate::model::Capabilities) -> bool {
        use Action::*;
        match self {
            EditSnapshot => caps.edit_snapshot_description,
            RollbackDisks => caps.per_disk_rollback,
            RebuildFromSnapshot => caps.rebuild_vm_from_snapshot,
            StopVm | StartVm => caps.power_actions,
            CreateBackup => caps.backup_points || caps.backup_plans,
            RestoreBackup => {
                caps.restore_to_new_vm || caps.restore_in_place || caps.database_backups
            }
            RemoteBackups => caps.remote_backups,
            BackupPlans => caps.backup_plans,
            NextBackupCategory => caps.backup_categories.len() > 1,
            SyncBackup | RecoverBackup => caps.backup_sync,
            CreateTemplate => caps.backup_templates,
            ExportBackup | DeleteExported => caps.database_backups,
            ToggleBackupScope => caps.cluster_backups,
            Console => caps.console,
            _ => true,
        }
    }

    /// The name used in the config file.
    pub fn name(self) -> String {
        let dbg = format!("{self:?}");
        let mut out = String::new();
        for (i, c) in dbg.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}
