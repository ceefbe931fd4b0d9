//! The read calls, built in one place so the backend's reads and the task watches send the
//! same thing. Paging sends both `page_number` (new docs) and `page_num` (old docs and
//! every example), 0-based, with `page_size`.

use serde_json::{Map, Value, json};

use crate::HttpCall;
use vmdeck_model::{BackupQuery, BackupScope, Named, PageRequest, VmRef};

pub fn paged(call: HttpCall, index: u32, size: u32) -> HttpCall {
    call.query("page_number", index)
        .query("page_num", index)
        .query("page_size", size)
}

pub fn tenant_of(vm: &VmRef) -> &str {
    vm.tenant.as_ref().map_or("", |t| t.id.as_str())
}

pub fn cluster_allow_list() -> HttpCall {
    HttpCall::get("/v1/user/cluster/allow/list").query("filter_name", "")
}

/// `/v1/compute/list`; an empty cluster fans out to every managed cluster.
pub fn compute_list(cluster_id: &str) -> HttpCall {
    HttpCall::get("/v1/compute/list")
        .query("cluster_uuid", cluster_id)
        .query("tenant", "")
}

pub fn compute_list_search(cluster_id: &str, search: &str) -> HttpCall {
    let call = compute_list(cluster_id);
    if search.is_empty() {
        call
    } else {
        call.query("filter_fuzzy", search)
    }
}

/// VMs whose name matches (the server may match loosely; callers compare exactly).
pub fn compute_by_name(cluster_id: &str, name: &str) -> HttpCall {
    paged(compute_list(cluster_id).query("filter_name", name), 0, 100)
}

pub fn compute_by_uuid(cluster_id: &str, uuid: &str) -> HttpCall {
    paged(compute_list(cluster_id).query("filter_uuid", uuid), 0, 10)
}

pub fn compute_inspect(cluster_id: &str, tenant: &str, vm_id: &str) -> HttpCall {
    HttpCall::get("/v1/compute/inspect")
        .query("cluster_uuid", cluster_id)
        .query("tenant", tenant)
        .query("compute_uuid", vm_id)
}

pub fn inspect_vm(vm: &VmRef) -> HttpCall {
    compute_inspect(&vm.cluster.id, tenant_of(vm), &vm.id)
}

fn snapshot_call(path: &str, vm: &VmRef) -> HttpCall {
    HttpCall::get(path)
        .query("cluster_uuid", &vm.cluster.id)
        .query("tenant", tenant_of(vm))
        .query("compute_uuid", &vm.id)
}

pub fn snapshot_tree(vm: &VmRef) -> HttpCall {
    snapshot_call("/v1/compute/vsd/snapshot/tree", vm)
}

pub fn snapshot_head(vm: &VmRef) -> HttpCall {
    snapshot_call("/v1/compute/vsd/snapshot/head", vm)
}

/// The snapshot list; `filter_name` is marked required, so it is always sent.
pub fn snapshot_list(vm: &VmRef, filter_name: &str) -> HttpCall {
    snapshot_call("/v1/compute/vsd/snapshot/list", vm).query("filter_name", filter_name)
}

pub fn snapshot_get(vm: &VmRef, name: &str) -> HttpCall {
    snapshot_call("/v1/compute/vsd/snapshot/get", vm).query("name", name)
}

/// `/v1/compute/backup/list` for a query; 0 means "unset" for the times.
pub fn backup_list(q: &BackupQuery) -> HttpCall {
    let (cluster, vm) = match &q.scope {
        BackupScope::Vm { cluster, vm } => (cluster, vm.id.as_str()),
        // TopHC has no plans: a plan scope cannot come from the UI; list the cluster's.
        BackupScope::Cluster { cluster } | BackupScope::Plan { cluster, .. } => (cluster, ""),
    };
    let secs = |t: Option<jiff::Timestamp>| t.map_or(0, |t| t.as_second().max(0));
    let call = HttpCall::get("/v1/compute/backup/list")
        .query("cluster_uuid", &cluster.id)
        .query("tenant", "")
        .query("filter_vm_uuid", vm)
        .query("filter_backup_name", &q.filter.name)
        .query(
            "filter_backup_point_uuid",
            q.filter.point_id.as_deref().unwrap_or(""),
        )
        .query("filter_backup_description", "")
        .query("start_time", secs(q.filter.since))
        .query("end_time", secs(q.filter.until));
    paged(call, q.page.index, q.page.size)
}

/// Backups of one VM with this name (for finding a backup whose create answer was lost).
pub fn backups_named(cluster: &Named, vm_id: &str, name: &str) -> HttpCall {
    let q = BackupQuery {
        category: Default::default(),
        scope: BackupScope::Vm {
            cluster: cluster.clone(),
            vm: Named::new(vm_id, ""),
        },
        page: PageRequest {
            index: 0,
            size: 100,
        },
        filter: vmdeck_model::BackupFilter {
            name: name.to_string(),
            ..Default::default()
        },
    };
    backup_list(&q)
}

pub fn backup_inspect(cluster_id: &str, tenant: &str, backup_id: &str) -> HttpCall {
    HttpCall::get("/v1/compute/backup/inspect")
        .query("cluster_uuid", cluster_id)
        .query("tenant", tenant)
        .query("backup_uuid", backup_id)
}

pub fn backup_points(cluster_id: &str) -> HttpCall {
    HttpCall::get("/v1/volume/internal/backuppoint/list")
        .query("cluster_uuid", cluster_id)
        .query("tenant", "")
        .query("filter_name", "")
}

/// `backuppoint_uuid` (sic: elsewhere `backup_point_uuid`).
pub fn remote_backups(cluster_id: &str, point_id: &str, page: PageRequest) -> HttpCall {
    paged(
        HttpCall::get("/v1/compute/backup/remote/list")
            .query("cluster_uuid", cluster_id)
            .query("backuppoint_uuid", point_id),
        page.index,
        page.size,
    )
}

pub fn zones(cluster_id: &str) -> HttpCall {
    HttpCall::get("/v1/zone/list")
        .query("cluster_uuid", cluster_id)
        .query("filter_name", "")
}

pub fn group_tree(cluster_id: &str) -> HttpCall {
    HttpCall::get("/v1/compute/group/tree")
        .query("cluster_uuid", cluster_id)
        .query("tenant", "")
}

pub fn internal_pools(cluster_id: &str) -> HttpCall {
    HttpCall::get("/v1/pool/internal/list")
        .query("cluster_uuid", cluster_id)
        .query("tenant", "")
        .query("filter_name", "")
}

/// `ComputeIdentifier` of a VM: cluster, tenant, VM, and `vm_type` for the op-log label.
pub fn compute_identifier(vm: &VmRef) -> Map<String, Value> {
    let mut m = scope(&vm.cluster, vm.tenant.as_ref());
    m.insert("compute_uuid".into(), json!(vm.id));
    m.insert("compute_name".into(), json!(vm.name));
    m
}

/// `CommonClusterTenantScope`.
pub fn scope(cluster: &Named, tenant: Option<&Named>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("cluster_uuid".into(), json!(cluster.id));
    m.insert("cluster_name".into(), json!(cluster.name));
    m.insert("tenant".into(), json!(tenant.map_or("", |t| t.id.as_str())));
    m.insert(
        "tenant_name".into(),
        json!(tenant.map_or("", |t| t.name.as_str())),
    );
    m.insert("vm_type".into(), json!("GUS"));
    m
}

/// `POST /v1/compute/backup/restore/progress` for the new VM.
pub fn restore_progress(vm: &VmRef) -> HttpCall {
    HttpCall::post(
        "/v1/compute/backup/restore/progress",
        Value::Object(compute_identifier(vm)),
    )
}
