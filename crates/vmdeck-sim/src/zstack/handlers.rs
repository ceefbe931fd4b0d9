//! Which simulated API answers which SDK action. An action
//! that is routed (it is in the SDK table) but not listed here answers `SYS.1014`.

use super::world::World;
use super::{Call, Outcome, auth, backups, consoles, database, infra, longjobs, snapshots, vms};

pub type Handler = fn(&mut World, &Call) -> Outcome;

/// The handler of an action and the package of its message class.
pub fn find(action: &str) -> Option<(Handler, &'static str)> {
    const ID: &str = "org.zstack.header.identity";
    const MN: &str = "org.zstack.header.managementnode";
    const VM: &str = "org.zstack.header.vm";
    const VOL: &str = "org.zstack.header.volume";
    const SNAP: &str = "org.zstack.header.storage.snapshot";
    const GROUP: &str = "org.zstack.header.storage.snapshot.group";
    const VB: &str = "org.zstack.header.storage.volume.backup";
    const DB: &str = "org.zstack.header.storage.database.backup";
    const LJ: &str = "org.zstack.header.longjob";
    const CONSOLE: &str = "org.zstack.header.console";
    let h: (Handler, &str) = match action {
        "LogInByAccount" => (auth::login, ID),
        "LogOut" => (auth::logout, ID),
        "ValidateSession" => (auth::validate, ID),
        "RenewSession" => (auth::renew, ID),
        "GetVersion" => (infra::get_version, MN),
        "GetCurrentTime" => (infra::current_time, MN),
        "GetPlatformTimeZone" => (infra::platform_time_zone, MN),
        "StartVmInstance" => (vms::start, VM),
        "RequestConsoleAccess" => (consoles::request_access, CONSOLE),
        "GetVmConsoleAddress" => (consoles::address, VM),
        "StopVmInstance" => (vms::stop, VM),
        "DestroyVmInstance" => (vms::destroy, VM),
        "RebootVmInstance" => (vms::reboot, VM),
        "PauseVmInstance" => (vms::pause, VM),
        "ResumeVmInstance" => (vms::resume, VM),
        "CreateVolumeSnapshot" => (snapshots::create, VOL),
        "RevertVolumeFromSnapshot" => (snapshots::revert, SNAP),
        "DeleteVolumeSnapshot" => (snapshots::delete, SNAP),
        "UpdateVolumeSnapshot" => (snapshots::update, SNAP),
        "BatchDeleteVolumeSnapshot" => (snapshots::batch_delete, SNAP),
        "GetVolumeSnapshotSize" => (snapshots::get_size, SNAP),
        "CreateVolumeSnapshotGroup" => (snapshots::create_group, GROUP),
        "RevertVmFromSnapshotGroup" => (snapshots::revert_group, GROUP),
        "DeleteVolumeSnapshotGroup" => (snapshots::delete_group, GROUP),
        "UngroupVolumeSnapshotGroup" => (snapshots::ungroup, GROUP),
        "UpdateVolumeSnapshotGroup" => (snapshots::update_group, GROUP),
        "CheckVolumeSnapshotGroupAvailability" => (snapshots::check_groups, GROUP),
        "CreateVolumeBackup" => (backups::create_volume_backup, VB),
        "DeleteVolumeBackup" => (backups::delete_volume_backup, VB),
        "RevertVolumeFromVolumeBackup" => (backups::revert_volume, VB),
        "SyncBackupFromImageStoreBackupStorage" => (backups::sync_volume_backup, VB),
        "RecoverBackupFromImageStoreBackupStorage" => (backups::recover_volume_backup, VB),
        "CreateRootVolumeTemplateFromVolumeBackup" => (backups::root_template, VB),
        "CreateDataVolumeTemplateFromVolumeBackup" => (backups::data_template, VB),
        "CreateVmBackup" => (backups::create_vm_backup, VB),
        "DeleteVmBackup" => (backups::delete_vm_backup, VB),
        "RevertVmFromVmBackup" => (backups::revert_vm, VB),
        "SyncVmBackupFromImageStoreBackupStorage" => (backups::sync_vm_backup, VB),
        "RecoverVmBackupFromImageStoreBackupStorage" => (backups::recover_vm_backup, VB),
        "CreateDatabaseBackup" => (database::create, DB),
        "DeleteDatabaseBackup" => (database::delete, DB),
        "RecoverDatabaseFromBackup" => (database::recover, DB),
        "ExportDatabaseBackupFromBackupStorage" => (database::export, DB),
        "GetDatabaseBackupFromImageStore" => (database::list_on_image_store, DB),
        "DeleteExportedDatabaseBackupFromBackupStorage" => (database::delete_exported, DB),
        "SyncDatabaseBackupFromImageStoreBackupStorage" => (database::sync, DB),
        "SubmitLongJob" => (longjobs::submit, LJ),
        "DeleteLongJob" => (longjobs::delete, LJ),
        "CancelLongJob" => (longjobs::cancel, LJ),
        _ => return None,
    };
    Some(h)
}
