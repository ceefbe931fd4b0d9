//! The JSON TopHC documents, as serde types. Every struct takes `#[serde(default)]` and
//! lenient field types, so missing keys, `null`s, numbers-as-strings and unknown keys all
//! decode. Only what vmdeck uses is declared; the rest is ignored.
//!
//! Names follow the documents (`compute/*.md`, `backuppoint.md`, `zone.md`, …), including
//! their PascalCase keys and typos (`indentify`).

use serde::Deserialize;
use serde_json::Value;

use crate::lenient::{Flag, Float, Int, List, Pairs, Str};

/// `Output`, the envelope of every answer. Old docs say `status_code` / `message_en` /
/// `messageCn`; new ones `scode` / `message` / `message_cn`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Output {
    pub scode: Int,
    pub status_code: Int,
    pub message: Str,
    pub message_en: Str,
    pub message_cn: Str,
    #[serde(rename = "messageCn")]
    pub message_cn_old: Str,
    pub desc: Str,
    pub stack: Value,
    pub data: Value,
}

impl Output {
    /// `scode ?? status_code`.
    pub fn code(&self) -> Option<i64> {
        self.scode.0.or(self.status_code.0)
    }
}

/// `EachResourceRangeListState`: one cluster's (or namespace's) part of a fan-out list.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RangeState {
    pub cluster_uuid: Str,
    pub cluster_name: Str,
    pub namespace_uuid: Str,
    pub namespace_name: Str,
    pub result: Option<Output>,
    pub total_count: Int,
}

/// `BatchOutput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BatchOutput {
    pub success: Int,
    pub fail: Int,
    pub results: List<Output>,
}

// ---------------------------------------------------------------- authentication

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginData {
    pub token: Str,
    pub user_role: Str,
    pub user_uuid: Str,
    pub user_name: Str,
    pub tenant_uuid: Str,
    pub default_cluster_uuid: Str,
    pub is_deploy_mode: Flag,
}

// ---------------------------------------------------------------- clusters

/// An entry of `/v1/user/cluster/allow/list`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AllowedCluster {
    pub name: Str,
    pub uuid: Str,
    pub desc: Str,
    pub create_time: Int,
    pub master_address: Str,
    pub is_stop: Flag,
    pub is_health: Flag,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AllowedClusters {
    pub list: List<AllowedCluster>,
    pub total_count: Int,
}

// ---------------------------------------------------------------- VMs

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatPair {
    pub logical: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Statistic {
    pub cpu: Option<StatPair>,
    pub mem: Option<StatPair>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Interface {
    pub mac_address: Str,
    pub bound_ip: Str,
    pub port_group_name: Str,
}

/// `DiskVsdSource`, `DiskBlockSource` and `DiskVolumeSource` share most keys; one type
/// reads all three.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DiskSource {
    pub volume_uuid: Str,
    pub volume_name: Str,
    /// `DiskVolumeSource`: pool uuid and volume name.
    pub pool: Str,
    pub volume: Str,
    pub disk_capacity: Int,
    pub pool_uuid: Str,
    pub pool_name: Str,
    pub replica: Int,
    pub drive_type: Str,
    pub host_dev: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PassthroughSource {
    pub disk_id: Str,
    pub host_ip: Str,
    pub disk_capacity: Int,
    pub disk_path: Str,
}

/// `Disk` of `ComputeInspectInfo`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Disk {
    pub disk_target_device: Str,
    pub disk_target_bus: Str,
    pub disk_vsd_source: Option<DiskSource>,
    pub disk_block_source: Option<DiskSource>,
    pub disk_volume_source: Option<DiskSource>,
    pub disk_source_passthrough: Option<PassthroughSource>,
    pub disk_cache_mode: Str,
    pub disk_is_system: Flag,
}

/// `ComputeInfo` (list) and `ComputeInspectInfo` (inspect): the list item is a subset.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Compute {
    pub uuid: Str,
    pub name: Str,
    #[serde(rename = "type")]
    pub kind: Str,
    pub tenant: Str,
    pub tenant_name: Str,
    pub namespace: Str,
    pub owner_name: Str,
    pub state: Str,
    pub ga_state: Str,
    pub action: Str,
    pub os: Str,
    pub create_time: Int,
    pub modify_time: Int,
    pub first_shown_ip: Str,
    pub interface_ips: Value,
    pub object_group: Str,
    pub object_group_name: Str,
    pub zone: Str,
    pub zone_name: Str,
    pub statistic: Option<Statistic>,
    pub interface: List<Interface>,
    pub total_used: Int,
    pub is_external_disk: Flag,
    pub recover_to_related_zones: Int,
    pub cluster_uuid: Str,
    pub cluster_name: Str,
    // inspect only
    pub mem_size: Int,
    pub cpu_current: Int,
    pub cpu_max_count: Int,
    pub cpu_sockets: Int,
    pub cpu_socket_cores: Int,
    pub ha_mode: Str,
    pub os_loader_path: Str,
    pub parent_uuid: Str,
    pub interfaces: List<Interface>,
    pub disks: List<Disk>,
    pub device_order: List<Str>,
    // The console (inspect only). The passwords beside these ports are never decoded.
    pub spice_port: Int,
    pub spice_port_mapping: Flag,
    pub vnc_enable: Flag,
    pub vnc_port: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ComputeList {
    #[serde(alias = "list")]
    pub domains: List<Compute>,
    pub total_count: Int,
    pub each_range_list_state: List<RangeState>,
}

// ---------------------------------------------------------------- snapshots

/// `DiskSnapshotInfo` (PascalCase keys, sic).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DiskSnapshotInfo {
    #[serde(rename = "VolumeUuid")]
    pub volume_uuid: Str,
    #[serde(rename = "SnapshotUuid")]
    pub snapshot_uuid: Str,
    #[serde(rename = "DiskDrive")]
    pub disk_drive: Str,
}

/// `GetVsdSnapshotResponse`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VsdSnapshot {
    pub tenant: Str,
    pub tenant_name: Str,
    pub namespace: Str,
    pub uuid: Str,
    pub compute_uuid: Str,
    pub name: Str,
    pub description: Str,
    pub ctime: Int,
    pub disk_snapshot_list: List<DiskSnapshotInfo>,
    pub attr: Pairs<Str>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SnapshotList {
    pub list: List<VsdSnapshot>,
    pub total_count: Int,
}

/// `VirtualMachineSnapshotTree`, keyed by snapshot name; `""` is the virtual root and
/// `"head"` the VM's current state.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SnapshotTreeWire {
    #[serde(rename = "UUID")]
    pub uuid: Str,
    #[serde(rename = "Parents")]
    pub parents: Pairs<Str>,
    /// `{name: {"Children": [names]}}`; read as raw values (a bare list is accepted too).
    #[serde(rename = "Children")]
    pub children: Pairs<Value>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SnapshotTreeData {
    pub tree: Option<SnapshotTreeWire>,
}

// ---------------------------------------------------------------- backups

/// `ComputeDiskBackups`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupDiskWire {
    pub target_device: Str,
    pub backup_uuid: Str,
    pub capacity: Int,
    pub replica: Int,
    pub share: Flag,
}

/// `ComputeBackupBaseInfo`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupInfo {
    pub tenant: Str,
    pub tenant_name: Str,
    pub cluster_uuid: Str,
    pub cluster_name: Str,
    pub namespace: Str,
    pub uuid: Str,
    pub compute_uuid: Str,
    pub compute_name: Str,
    pub backup_point_uuid: Str,
    pub backup_point_name: Str,
    pub name: Str,
    pub description: Str,
    pub create_time: Int,
    pub status: Int,
    pub disks: List<BackupDiskWire>,
    /// Not documented on the info struct; read if a server sends it.
    pub full_backup: Flag,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupList {
    pub list: List<BackupInfo>,
    pub total_count: Int,
    pub each_range_list_state: List<RangeState>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupCreated {
    pub backup_uuid: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Progress {
    pub progress: Float,
}

/// `ComputeVmBackupDiskInfo`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VmBackupDisk {
    #[serde(rename = "BackupUUID")]
    pub backup_uuid: Str,
    #[serde(rename = "Capacity")]
    pub capacity: Int,
    #[serde(rename = "Replica")]
    pub replica: Int,
}

/// `ComputeRemoteBackup` = `ComputeVmBackup` + `ClusterIdentifier`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoteBackupWire {
    #[serde(rename = "UUID")]
    pub uuid: Str,
    #[serde(rename = "VmUUID")]
    pub vm_uuid: Str,
    #[serde(rename = "BpUUID")]
    pub bp_uuid: Str,
    #[serde(rename = "Name")]
    pub name: Str,
    #[serde(rename = "Desc")]
    pub desc: Str,
    #[serde(rename = "Ctime")]
    pub ctime: Int,
    #[serde(rename = "DiskBackups")]
    pub disk_backups: Pairs<VmBackupDisk>,
    #[serde(rename = "Status")]
    pub status: Int,
    pub cluster_uuid: Str,
    pub cluster_name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VmInfo {
    #[serde(rename = "Name")]
    pub name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoteBackupList {
    pub total_count: Int,
    /// Kept raw: each item goes back unchanged in `remote/import`.
    pub backups: List<Value>,
    pub vm_infos: Pairs<VmInfo>,
}

// ---------------------------------------------------------------- backup points

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Identify {
    #[serde(rename = "IP")]
    pub ip: Str,
    #[serde(rename = "PORT")]
    pub port: Str,
    #[serde(rename = "RootDir")]
    pub root_dir: Str,
    #[serde(rename = "SubDir")]
    pub sub_dir: Str,
    // `Pwd` is deliberately not read.
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupPointWire {
    pub tenant: Str,
    pub tenant_name: Str,
    #[serde(rename = "Name")]
    pub name: Str,
    #[serde(rename = "UUID")]
    pub uuid: Str,
    #[serde(rename = "BType")]
    pub btype: Str,
    #[serde(rename = "Ref")]
    pub refs: Int,
    #[serde(rename = "indentify", alias = "identify")]
    pub identify: Option<Identify>,
    #[serde(rename = "Ctime")]
    pub ctime: Int,
    #[serde(rename = "Bpstate")]
    pub bpstate: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackupPointList {
    pub list: List<BackupPointWire>,
    pub total_count: Int,
}

// ---------------------------------------------------------------- restore choices

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Zone {
    #[serde(rename = "Name")]
    pub name: Str,
    #[serde(rename = "UUID")]
    pub uuid: Str,
    #[serde(rename = "Role")]
    pub role: Str,
    #[serde(rename = "Status")]
    pub status: Int,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ZoneList {
    pub list: List<Zone>,
    pub total_count: Int,
}

/// `ComputeGroupObjectMeta`, a node of `/v1/compute/group/tree`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupNode {
    #[serde(rename = "UUID")]
    pub uuid: Str,
    #[serde(rename = "Name")]
    pub name: Str,
    #[serde(rename = "RefCount")]
    pub ref_count: Int,
    #[serde(rename = "Children")]
    pub children: List<GroupNode>,
    pub fake: Flag,
    pub tenant_name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupTree {
    pub list: List<GroupNode>,
    pub total_count: Int,
    pub each_range_list_state: List<RangeState>,
}

/// An internal (converged-storage) pool.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Pool {
    pub tenant_name: Str,
    pub name: Str,
    pub uuid: Str,
    pub storage_size: Int,
    pub used_size: Int,
    pub available: Int,
    pub attr: Value,
    pub cluster_uuid: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PoolList {
    #[serde(rename = "List", alias = "list")]
    pub list: List<Pool>,
    #[serde(rename = "TotalCount", alias = "total_count")]
    pub total_count: Int,
    pub each_range_list_state: List<RangeState>,
}
