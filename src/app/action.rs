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
}

impl Action {
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
