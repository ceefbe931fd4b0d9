//! The JSON ZStack sends, as forgiving serde types (ENDPOINTS §7–§9, the manual's chapter 4).
//! Gson omits `null` fields and versions add new ones, so every struct is
//! `#[serde(default)]` with lenient fields; only what vmdeck uses is declared.

use serde::Deserialize;

use super::time::Date;
use crate::lenient::{Flag, Int, List, Maybe, Str, lenient_enum};

// ---------------------------------------------------------------- envelopes

/// `ErrorCode`: the body of a 503 (sync reply or api-job), under `"error"`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ErrorCode {
    pub code: Str,
    pub description: Str,
    pub details: Str,
    pub elaboration: Str,
    pub cause: Maybe<Box<ErrorCode>>,
    #[serde(rename = "globalErrorCode")]
    pub global_error_code: Str,
}

/// Any reply that may carry an error.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorReply {
    pub error: Maybe<ErrorCode>,
}

/// A query reply: `inventories` (+ `total` with `replyWithCount`). `GET /<resource>/{uuid}`
/// is documented to answer a list, but the manual's own examples show `inventory`: both
/// are read.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, bound = "T: Deserialize<'de>")]
pub struct Query<T> {
    pub inventories: List<T>,
    pub inventory: Maybe<T>,
    pub total: Int,
}

impl<T> Default for Query<T> {
    fn default() -> Self {
        Query {
            inventories: List::default(),
            inventory: Maybe(None),
            total: Int::default(),
        }
    }
}

impl<T> Query<T> {
    pub fn into_items(self) -> Vec<T> {
        let mut items = self.inventories.0;
        if items.is_empty()
            && let Some(one) = self.inventory.0
        {
            items.push(one);
        }
        items
    }
}

/// `{"inventory": X}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, bound = "T: Deserialize<'de> + Default")]
pub struct One<T> {
    pub inventory: T,
}

/// The 202 answer of every async API.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobLocation {
    pub location: Str,
    #[serde(rename = "apiTimeout")]
    pub api_timeout: Int,
}

/// `GetVersion`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Version {
    pub version: Str,
}

/// One item of the per-snapshot `results` of group reverts and deletes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SnapshotResult {
    #[serde(rename = "snapshotUuid")]
    pub snapshot_uuid: Str,
    #[serde(rename = "volumeUuid")]
    pub volume_uuid: Str,
    pub success: Flag,
    pub error: Option<ErrorCode>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Results {
    pub results: List<SnapshotResult>,
}

// ---------------------------------------------------------------- identity

/// `SessionInventory`, the login answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Session {
    pub uuid: Str,
    pub account_uuid: Str,
    pub user_uuid: Str,
    pub expired_date: Date,
    pub create_date: Date,
}

// ---------------------------------------------------------------- infrastructure

lenient_enum! {
    /// Zone / Cluster / Volume / Snapshot / BackupStorage `state`.
    pub enum EnableState { Enabled, Disabled }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Zone {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub state: EnableState,
    #[serde(rename = "type")]
    pub kind: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Cluster {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub state: EnableState,
    pub hypervisor_type: Str,
    pub zone_uuid: Str,
    pub architecture: Str,
    pub create_date: Date,
}

/// Anything with a uuid and a name (name look-ups ask for just these two fields).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NameOnly {
    pub uuid: Str,
    pub name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BackupStorage {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub url: Str,
    pub hostname: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub state: EnableState,
    pub status: Str,
    pub total_capacity: Int,
    pub available_capacity: Int,
    pub attached_zone_uuids: List<Str>,
}

// ---------------------------------------------------------------- VMs and volumes

lenient_enum! {
    /// `VmInstanceState` (ENDPOINTS §7).
    pub enum VmState {
        Created,
        Starting,
        Running,
        Stopping,
        Stopped,
        Rebooting,
        Destroying,
        Destroyed,
        Migrating,
        Expunging,
        Pausing,
        Paused,
        Resuming,
        VolumeMigrating,
        VolumeRecovering,
        Error,
        NoState,
        Crashed,
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VmNic {
    pub uuid: Str,
    pub vm_instance_uuid: Str,
    pub l3_network_uuid: Str,
    pub ip: Str,
    pub mac: Str,
    pub device_id: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VmInstance {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub zone_uuid: Str,
    pub cluster_uuid: Str,
    pub host_uuid: Str,
    pub last_host_uuid: Str,
    pub image_uuid: Str,
    pub root_volume_uuid: Str,
    pub platform: Str,
    pub guest_os_type: Str,
    pub architecture: Str,
    pub default_l3_network_uuid: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub hypervisor_type: Str,
    pub memory_size: Int,
    pub cpu_num: Int,
    pub create_date: Date,
    pub last_op_date: Date,
    pub state: VmState,
    pub vm_nics: List<VmNic>,
    pub all_volumes: List<Volume>,
}

lenient_enum! {
    /// Volume `type`.
    pub enum VolumeType { Root, Data, Memory, Cache }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Volume {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub primary_storage_uuid: Str,
    pub vm_instance_uuid: Str,
    pub install_path: Str,
    #[serde(rename = "type")]
    pub kind: VolumeType,
    pub format: Str,
    pub size: Int,
    pub actual_size: Int,
    pub device_id: Int,
    pub state: EnableState,
    pub status: Str,
    pub create_date: Date,
}

// ---------------------------------------------------------------- snapshots

lenient_enum! {
    /// VolumeSnapshot `status`.
    pub enum SnapshotStatus { Creating, Ready, Deleting, Deleted }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeSnapshot {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub volume_uuid: Str,
    pub tree_uuid: Str,
    pub parent_uuid: Str,
    pub primary_storage_uuid: Str,
    pub volume_type: VolumeType,
    pub format: Str,
    pub latest: Flag,
    pub size: Int,
    pub distance: Int,
    pub state: EnableState,
    pub status: SnapshotStatus,
    pub group_uuid: Str,
    pub create_date: Date,
    pub last_op_date: Date,
}

/// One node of a server-built tree: `{"inventory", "parentUuid"?, "children": [...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SnapshotLeaf {
    pub inventory: Maybe<VolumeSnapshot>,
    pub parent_uuid: Str,
    pub children: List<SnapshotLeaf>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SnapshotTree {
    pub uuid: Str,
    pub volume_uuid: Str,
    pub current: Flag,
    pub status: Str,
    pub create_date: Date,
    pub tree: Maybe<SnapshotLeaf>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SnapshotGroupRef {
    pub volume_snapshot_uuid: Str,
    pub device_id: Int,
    pub snapshot_deleted: Flag,
    pub volume_uuid: Str,
    pub volume_name: Str,
    pub volume_type: VolumeType,
    pub volume_snapshot_name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SnapshotGroup {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub snapshot_count: Int,
    pub vm_instance_uuid: Str,
    pub create_date: Date,
    pub volume_snapshot_refs: List<SnapshotGroupRef>,
}

// ---------------------------------------------------------------- backups

/// A backup's copy on one backup storage (volume and database backups alike).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BackupStorageRef {
    pub backup_storage_uuid: Str,
    pub install_path: Str,
    /// Database backups: where an exported copy can be downloaded.
    pub export_url: Str,
    pub status: Str,
    pub create_date: Date,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeBackup {
    pub uuid: Str,
    pub volume_uuid: Str,
    pub name: Str,
    pub description: Str,
    /// The backed-up volume's type: `Root` or `Data`.
    #[serde(rename = "type")]
    pub kind: VolumeType,
    pub state: EnableState,
    pub status: Str,
    pub size: Int,
    pub metadata: Str,
    /// Set on every member of a VM backup.
    pub group_uuid: Str,
    pub mode: Str,
    pub vm_instance_uuid: Str,
    pub create_date: Date,
    pub last_op_date: Date,
    pub backup_storage_refs: List<BackupStorageRef>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DatabaseBackup {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub state: EnableState,
    pub status: Str,
    pub size: Int,
    pub metadata: Str,
    pub create_date: Date,
    pub last_op_date: Date,
    pub backup_storage_refs: List<BackupStorageRef>,
}

// ---------------------------------------------------------------- long jobs

lenient_enum! {
    /// LongJob `state`.
    pub enum LongJobState {
        Waiting,
        Suspended,
        Running,
        Succeeded,
        Canceling,
        Canceled,
        Failed,
    }
}

/// A failed long job's `jobResult` since 2020 (ZStack's `JobResultError`): the error's own
/// `details` as `detail`, its root cause's as `cause` (the same text when it has none), and
/// the elaboration when one matched. No code.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobResultError {
    pub detail: Str,
    pub cause: Str,
    pub message: Maybe<Elaboration>,
}

/// `ErrorCodeElaboration`: a human hint for a known error (`message_cn` only on zh-CN MNs).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Elaboration {
    pub message_en: Str,
    pub message_cn: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LongJob {
    pub uuid: Str,
    pub name: Str,
    pub description: Str,
    pub api_id: Str,
    pub job_name: Str,
    /// JSON text of the wrapped API's fields.
    pub job_data: Str,
    /// JSON text of the final event, `"Succeeded"`, or of the error: a [`JobResultError`]
    /// since 2020, an `ErrorCode` before.
    pub job_result: Str,
    pub state: LongJobState,
    pub target_resource_uuid: Str,
    pub create_date: Date,
    pub last_op_date: Date,
    /// Seconds from `createDate` to the end (at least 1), set when the job ends. ZStack's
    /// `LongJobUtils` divides by 1000; the notes in ENDPOINTS §8 say ms, the source does not.
    pub execute_time: Int,
}
