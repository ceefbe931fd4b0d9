//! The CloudTower 4.6.0 answers vmdeck reads, as forgiving serde types. Field names are the
//! spec's; only the fields vmdeck uses are declared (serde ignores the rest). Every field
//! is lenient (see `backend::lenient`), so an answer fails to decode only when its
//! *structure* is not the spec's. Lists are `LooseList`s: a scalar in a list field of an
//! otherwise good row says nothing about the row.

use serde::Deserialize;

use crate::lenient::{Flag, Float, Int, LooseList, Maybe, Str, lenient_enum};

lenient_enum! {
    pub enum VmStatus {
        Running = "RUNNING",
        Stopped = "STOPPED",
        Suspended = "SUSPENDED",
        Deleted = "DELETED",
        /// The platform itself does not know (not our `Unknown(text)`).
        Unreported = "UNKNOWN",
    }
}

lenient_enum! {
    pub enum ToolsStatus {
        Running = "RUNNING",
        NotRunning = "NOT_RUNNING",
        NotInstalled = "NOT_INSTALLED",
        Restriction = "RESTRICTION",
    }
}

lenient_enum! {
    pub enum ConnectState {
        Connected = "CONNECTED",
        Disconnected = "DISCONNECTED",
        Initializing = "INITIALIZING",
        Removing = "REMOVING",
        /// Added after 4.6.0 (SDK 2.23).
        ConnectedError = "CONNECTED_ERROR",
    }
}

lenient_enum! {
    pub enum Consistency {
        Crash = "CRASH_CONSISTENT",
        FileSystem = "FILE_SYSTEM_CONSISTENT",
    }
}

lenient_enum! {
    /// Set while a task changes the resource; `null` (absent) when idle.
    pub enum AsyncStatus {
        Creating = "CREATING",
        Updating = "UPDATING",
        Deleting = "DELETING",
    }
}

lenient_enum! {
    pub enum TaskStatus {
        Pending = "PENDING",
        Executing = "EXECUTING",
        Paused = "PAUSED",
        /// Sic: the spec spells it so.
        Succeeded = "SUCCESSED",
        Failed = "FAILED",
    }
}

lenient_enum! {
    pub enum PointType {
        Full = "FULL",
        Incremental = "INCREMENTAL",
    }
}

lenient_enum! {
    /// `BackupExecutionStatus`: restore executions and per-VM backup jobs.
    pub enum ExecutionStatus {
        Pending = "PENDING",
        Initializing = "INITIALIZING",
        Running = "RUNNING",
        Paused = "PAUSED",
        Success = "SUCCESS",
        Failed = "FAILED",
        Aborted = "ABORTED",
    }
}

lenient_enum! {
    /// `BackupPlanExecutionStatus`: a plan's runs, and its last results.
    pub enum PlanRunStatus {
        WaitingExecute = "WAITING_EXECUTE",
        Running = "RUNNING",
        Paused = "PAUSED",
        Success = "SUCCESS",
        PartialSuccess = "PARTIAL_SUCCESS",
        Failed = "FAILED",
        NeverExecute = "NEVER_EXECUTE",
    }
}

lenient_enum! {
    pub enum PlanStatus {
        Working = "WORKING",
        Paused = "PAUSED",
        Stopped = "STOPPED",
    }
}

/// `ErrorBody`, the answer to 400/404/500.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    pub message: Str,
    pub status: Int,
    pub path: Str,
    pub code: Str,
    #[serde(rename = "operationName")]
    pub operation_name: Str,
}

/// `{id, name}` references (`NestedCluster`, `NestedVm`, `NestedBackupPlan`, …).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Nested {
    pub id: Str,
    pub name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NestedHost {
    pub id: Str,
    pub name: Str,
    pub management_ip: Str,
}

/// `{id}` references (`NestedVmDisk`, `NestedBackupRestorePoint`, …).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IdOnly {
    pub id: Str,
}

/// `WithTask<T>`: one element of a mutation's answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WithTask<T: Default> {
    pub task_id: Str,
    pub data: T,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginResponse {
    pub token: Str,
}

/// `get-<plural>-connection`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Connection {
    pub aggregate: Maybe<Aggregate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Aggregate {
    pub count: Int,
}

impl Connection {
    pub fn count(&self) -> Option<u64> {
        self.aggregate.as_ref().and_then(|a| a.count.unsigned())
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Cluster {
    pub id: Str,
    pub name: Str,
    pub local_id: Str,
    pub ip: Str,
    pub version: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub architecture: Str,
    pub hypervisor: Str,
    pub connect_state: ConnectState,
    pub disconnected_date: Str,
    pub disconnected_reason: Str,
    pub management_vip: Str,
    pub software_edition: Str,
    pub host_num: Int,
    pub vm_num: Int,
    pub running_vm_num: Int,
    pub stopped_vm_num: Int,
    pub total_cpu_cores: Int,
    pub total_memory_bytes: Int,
    pub used_memory_bytes: Float,
    pub total_data_capacity: Int,
    pub used_data_space: Int,
    #[serde(rename = "entityAsyncStatus")]
    pub async_status: AsyncStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Cpu {
    pub cores: Int,
    pub sockets: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Vm {
    pub id: Str,
    pub name: Str,
    pub status: VmStatus,
    pub local_id: Str,
    pub vcpu: Int,
    pub cpu: Maybe<Cpu>,
    pub memory: Int,
    pub description: Str,
    pub ha: Flag,
    pub firmware: Str,
    pub in_recycle_bin: Flag,
    pub internal: Flag,
    pub ips: Str,
    pub node_ip: Str,
    pub protected: Flag,
    pub vm_tools_status: ToolsStatus,
    pub vm_tools_version: Str,
    pub cluster: Maybe<Nested>,
    pub host: Maybe<NestedHost>,
    pub folder: Maybe<Nested>,
    pub guest_os_type: Str,
    pub os: Str,
    pub hostname: Str,
    pub vm_usage: Str,
    pub local_created_at: Str,
    #[serde(rename = "entityAsyncStatus")]
    pub async_status: AsyncStatus,
    pub size: Int,
    pub provisioned_size: Int,
    pub cpu_usage: Float,
    pub memory_usage: Float,
    pub snapshots: LooseList<Nested>,
    pub vm_disks: LooseList<IdOnly>,
    pub vm_nics: LooseList<IdOnly>,
    pub backup_plans: LooseList<Nested>,
    pub snapshot_plan: Maybe<Nested>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VmDisk {
    pub id: Str,
    pub boot: Int,
    pub bus: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub device: Str,
    pub serial: Str,
    pub disabled: Flag,
    pub vm: Maybe<Nested>,
    pub vm_volume: Maybe<Nested>,
    pub elf_image: Maybe<Nested>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VmVolume {
    pub id: Str,
    pub name: Str,
    pub local_id: Str,
    pub size: Int,
    pub path: Str,
    pub sharing: Flag,
    pub elf_storage_policy: Str,
    pub lun: Maybe<Nested>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VmSnapshot {
    pub id: Str,
    pub name: Str,
    pub local_id: Str,
    pub description: Str,
    pub consistent_type: Consistency,
    pub cluster: Maybe<Nested>,
    pub vm: Maybe<Nested>,
    pub vcpu: Int,
    pub memory: Int,
    pub size: Int,
    pub local_created_at: Str,
    #[serde(rename = "entityAsyncStatus")]
    pub async_status: AsyncStatus,
    pub snapshot_group: Maybe<Nested>,
    pub vm_disks: LooseList<FrozenDisk>,
    pub vm_nics: LooseList<FrozenNic>,
}

/// `NestedFrozenDisks`: a disk as it was when the snapshot was taken.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FrozenDisk {
    pub boot: Int,
    pub bus: Str,
    pub index: Int,
    #[serde(rename = "type")]
    pub kind: Str,
    pub path: Str,
    pub size: Int,
    pub disk_name: Str,
    pub image_name: Str,
    /// The *name* of the iSCSI LUN snapshot holding this disk's data (seed 000).
    pub snapshot_local_id: Str,
    pub vm_volume_local_id: Str,
    pub vm_volume_snapshot_uuid: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FrozenNic {
    pub index: Int,
    pub mac_address: Str,
    pub ip_address: Str,
    pub vlan: Maybe<FrozenVlan>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FrozenVlan {
    pub name: Str,
    pub vlan_id: Int,
    pub vlan_local_id: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LunSnapshot {
    pub id: Str,
    pub name: Str,
    pub local_id: Str,
    pub local_created_at: Str,
    pub unique_size: Int,
    pub iscsi_lun: Maybe<Nested>,
    pub iscsi_target: Maybe<Nested>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Task {
    pub id: Str,
    pub status: TaskStatus,
    pub progress: Float,
    pub description: Str,
    pub local_created_at: Str,
    pub internal: Flag,
    /// Free-form; servers put the request here.
    pub args: serde_json::Value,
    /// JSON text of the resource, or "".
    pub snapshot: Str,
    pub steps: LooseList<Step>,
    pub started_at: Str,
    pub finished_at: Str,
    pub error_code: Str,
    pub error_message: Str,
    pub key: Str,
    pub resource_id: Str,
    pub resource_type: Str,
    pub resource_mutation: Str,
    pub resource_rollbacked: Flag,
    pub resource_rollback_error: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub cluster: Maybe<Nested>,
    pub user: Maybe<Nested>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Step {
    pub key: Str,
    pub current: Float,
    pub total: Float,
    pub finished: Flag,
    pub unit: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RestorePoint {
    pub id: Str,
    pub local_id: Str,
    pub slice: Str,
    pub backup_plan: Maybe<Nested>,
    pub backup_target_execution: Maybe<IdOnly>,
    pub vm: Maybe<Nested>,
    pub vm_name: Str,
    pub vm_local_id: Str,
    pub cluster_local_id: Str,
    #[serde(rename = "type")]
    pub kind: PointType,
    pub creation: Str,
    pub snapshot_consistent_type: Consistency,
    pub local_created_at: Str,
    pub size: Int,
    pub logical_size: Int,
    pub physical_size: Int,
    pub valid_size: Int,
    pub compressed: Flag,
    pub compression_ratio: Float,
    pub parent_restore_point: Str,
    #[serde(rename = "entityAsyncStatus")]
    pub async_status: AsyncStatus,
    pub backup_restore_executions: LooseList<IdOnly>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TimePoint {
    pub hour: Int,
    pub minute: Int,
    pub weekday: Str,
    pub date: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupPlan {
    pub id: Str,
    pub name: Str,
    pub description: Str,
    pub status: PlanStatus,
    pub phase: Str,
    #[serde(rename = "createdAt")]
    pub created_at: Str,
    pub backup_service: Maybe<Nested>,
    pub backup_store_repository: Maybe<Nested>,
    pub full_period: Str,
    pub full_interval: Int,
    pub full_time_point: Maybe<TimePoint>,
    pub incremental_period: Str,
    pub incremental_interval: Int,
    pub incremental_time_points: LooseList<TimePoint>,
    pub incremental_weekdays: LooseList<Str>,
    pub last_execute_status: PlanRunStatus,
    pub last_execute_status_message: Str,
    pub last_executed_at: Str,
    pub last_manual_execute_status: PlanRunStatus,
    pub last_manual_executed_at: Str,
    pub next_execute_time: Str,
    pub vms: LooseList<Nested>,
    pub snapshot_consistent_type: Consistency,
    pub keep_policy: Str,
    pub keep_policy_value: Int,
    pub compression: Flag,
    pub backup_restore_point_count: Int,
    pub backup_total_size: Int,
    pub enable_window: Flag,
    pub window_start: Str,
    pub window_end: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RestoreExecution {
    pub id: Str,
    pub name: Str,
    pub executed_at: Str,
    pub mode: Str,
    pub status: ExecutionStatus,
    pub startup_after_restore: Flag,
    pub backup_restore_point: Maybe<IdOnly>,
    pub rebuild_name: Str,
    pub rebuild_target_cluster: Str,
    pub read_bytes: Int,
    pub total_bytes: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanExecution {
    pub id: Str,
    pub local_id: Str,
    pub local_created_at: Str,
    pub method: Str,
    pub status: PlanRunStatus,
    pub state: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub executed_at: Str,
    pub success_job_count: Int,
    pub total_job_count: Int,
    pub backup_plan: Maybe<Nested>,
}

/// `VmMetaData`: the VM configuration a restore point keeps.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VmMetaData {
    pub name: Str,
    pub local_id: Str,
    pub vcpu: Int,
    pub memory: Float,
    pub cluster_local_id: Str,
    pub vm_nics: LooseList<NicMetaData>,
    pub vm_disks: LooseList<DiskMetaData>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NicMetaData {
    pub vlan_name: Str,
    pub vlan_local_id: Str,
    pub mac_address: Str,
    pub local_id: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DiskMetaData {
    pub vm_volume_name: Str,
    pub vm_volume_size: Float,
    #[serde(rename = "type")]
    pub kind: Str,
    pub bus: Str,
    pub boot: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Host {
    pub id: Str,
    pub name: Str,
    pub management_ip: Str,
    pub status: Str,
    pub state: Str,
    pub cluster: Maybe<Nested>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Vlan {
    pub id: Str,
    pub name: Str,
    pub local_id: Str,
    pub vlan_id: Int,
    #[serde(rename = "type")]
    pub kind: Str,
    pub vds: Maybe<Nested>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Vds {
    pub id: Str,
    pub name: Str,
    pub cluster: Maybe<Nested>,
}

/// `get-vm-vnc-info` (seed 001). No `Debug`: `terminal` is a console token.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct VmVncInfo {
    pub vm: Vm,
    pub terminal: Str,
    pub redirect: Str,
    pub direct: Str,
    pub cluster_ip: Str,
}
