//! The read calls, as the spec's list bodies: `{where, orderBy, first, skip}` for
//! `get-<plural>` and `{where}` for its `-connection` twin (which counts what `where`
//! matches, ignoring paging). Pure builders; nothing here touches the network.

use serde_json::{Map, Value, json};

use super::session::op;
use crate::HttpCall;

/// Rows per page when a read wants everything.
pub const PAGE: u32 = 500;
/// How many recent tasks the Tasks pane shows.
pub const RECENT_TASKS: u32 = 50;
/// LUN snapshot names per `name_in` lookup (a VM with many snapshots needs several).
pub const NAMES_PER_LOOKUP: usize = 200;

/// `get-<plural>` with the standard list body; `where` `null` is left out, so is `first`
/// when `None` (the whole list).
pub fn list(
    name: &str,
    filter: Value,
    order: Option<&str>,
    first: Option<u32>,
    skip: u64,
) -> HttpCall {
    let mut body = Map::new();
    if !filter.is_null() {
        body.insert("where".into(), filter);
    }
    if let Some(o) = order {
        body.insert("orderBy".into(), Value::from(o));
    }
    if let Some(n) = first {
        body.insert("first".into(), Value::from(n));
        // `skip` is an int32 in the spec.
        body.insert("skip".into(), Value::from(skip.min(i32::MAX as u64)));
    }
    HttpCall::post(op(name), Value::Object(body))
}

/// `get-<plural>-connection`: how many rows `where` matches.
pub fn count(name: &str, filter: Value) -> HttpCall {
    let body = if filter.is_null() {
        json!({})
    } else {
        json!({ "where": filter })
    };
    HttpCall::post(op(&format!("{name}-connection")), body)
}

/// `filter` and `more` as one `where`: `AND` when both say something.
pub fn and(filter: Value, more: Value) -> Value {
    match (filter.is_null(), more.is_null()) {
        (true, _) => more,
        (_, true) => filter,
        _ => json!({ "AND": [filter, more] }),
    }
}

// ------------------------------------------------------------------ clusters, hosts, networks

pub fn clusters(skip: u64) -> HttpCall {
    list(
        "get-clusters",
        Value::Null,
        Some("name_ASC"),
        Some(PAGE),
        skip,
    )
}

pub fn cluster(id: &str) -> HttpCall {
    list("get-clusters", json!({"id": id}), None, Some(1), 0)
}

pub fn hosts(skip: u64) -> HttpCall {
    list("get-hosts", Value::Null, Some("name_ASC"), Some(PAGE), skip)
}

/// Networks a VM can use (`NetworkType` VM).
pub fn vm_vlans(skip: u64) -> HttpCall {
    list(
        "get-vlans",
        json!({"type": "VM"}),
        Some("name_ASC"),
        Some(PAGE),
        skip,
    )
}

pub fn vlans_by_local_id(local_ids: &[String]) -> HttpCall {
    list(
        "get-vlans",
        json!({"local_id_in": local_ids}),
        None,
        Some(PAGE),
        0,
    )
}

pub fn vdses(skip: u64) -> HttpCall {
    list("get-vdses", Value::Null, Some("name_ASC"), Some(PAGE), skip)
}

// ------------------------------------------------------------------ VMs

/// The `where` of a VM list: one cluster (or all), not in the recycle bin, and the
/// search text against name or IPs.
pub fn vm_filter(cluster_id: &str, search: &str) -> Value {
    let mut f = Map::new();
    if !cluster_id.is_empty() {
        f.insert("cluster".into(), json!({"id": cluster_id}));
    }
    f.insert("in_recycle_bin".into(), Value::Bool(false));
    let search = search.trim();
    if !search.is_empty() {
        f.insert(
            "OR".into(),
            json!([{"name_contains": search}, {"ips_contains": search}]),
        );
    }
    Value::Object(f)
}

pub fn vms(filter: Value, first: u32, skip: u64) -> HttpCall {
    list("get-vms", filter, Some("name_ASC"), Some(first), skip)
}

pub fn vms_count(filter: Value) -> HttpCall {
    count("get-vms", filter)
}

pub fn vm(id: &str) -> HttpCall {
    list("get-vms", json!({"id": id}), None, Some(1), 0)
}

/// VMs with exactly this name (the new VM of a rebuild, found again after a lost answer).
pub fn vms_named(name: &str) -> HttpCall {
    list(
        "get-vms",
        json!({"name": name}),
        Some("local_created_at_DESC"),
        Some(PAGE),
        0,
    )
}

pub fn vm_disks(vm_id: &str) -> HttpCall {
    list(
        "get-vm-disks",
        json!({"vm": {"id": vm_id}}),
        Some("boot_ASC"),
        Some(PAGE),
        0,
    )
}

pub fn vm_volumes(vm_id: &str) -> HttpCall {
    list(
        "get-vm-volumes",
        json!({"vm_disks_some": {"vm": {"id": vm_id}}}),
        Some("name_ASC"),
        Some(PAGE),
        0,
    )
}

// ------------------------------------------------------------------ snapshots

pub fn vm_snapshots(vm_id: &str, skip: u64) -> HttpCall {
    list(
        "get-vm-snapshots",
        json!({"vm": {"id": vm_id}}),
        Some("local_created_at_ASC"),
        Some(PAGE),
        skip,
    )
}

pub fn snapshot(id: &str) -> HttpCall {
    list("get-vm-snapshots", json!({"id": id}), None, Some(1), 0)
}

pub fn snapshots_named(vm_id: &str, name: &str) -> HttpCall {
    list(
        "get-vm-snapshots",
        json!({"vm": {"id": vm_id}, "name": name}),
        Some("local_created_at_DESC"),
        Some(PAGE),
        0,
    )
}

/// The iSCSI LUN snapshots behind VM snapshot disks, by name (seed 000, step 4).
pub fn lun_snapshots(names: &[String]) -> HttpCall {
    list(
        "get-iscsi-lun-snapshots",
        json!({"name_in": names}),
        None,
        Some(PAGE),
        0,
    )
}

// ------------------------------------------------------------------ tasks

pub fn tasks(ids: &[String]) -> HttpCall {
    let filter = match ids {
        [one] => json!({"id": one}),
        many => json!({"id_in": many}),
    };
    list("get-tasks", filter, None, Some(PAGE), 0)
}

/// Recent tasks, newest first, of one cluster (or all), leaving out CloudTower's internal ones.
pub fn recent_tasks(cluster_id: &str) -> HttpCall {
    let mut f = Map::new();
    if !cluster_id.is_empty() {
        f.insert("cluster".into(), json!({"id": cluster_id}));
    }
    f.insert("internal".into(), Value::Bool(false));
    list(
        "get-tasks",
        Value::Object(f),
        Some("local_created_at_DESC"),
        Some(RECENT_TASKS),
        0,
    )
}

/// The newest tasks about one resource (to recognise a task that appears after a lost answer).
pub fn tasks_of_resource(resource_id: &str) -> HttpCall {
    list(
        "get-tasks",
        json!({"resource_id": resource_id}),
        Some("local_created_at_DESC"),
        Some(20),
        0,
    )
}

// ------------------------------------------------------------------ backups

pub fn restore_points(filter: Value, first: u32, skip: u64) -> HttpCall {
    list(
        "get-backup-restore-points",
        filter,
        Some("local_created_at_DESC"),
        Some(first),
        skip,
    )
}

pub fn restore_points_count(filter: Value) -> HttpCall {
    count("get-backup-restore-points", filter)
}

/// One restore point by its id or its local id (`parent_restore_point` may hold either).
pub fn restore_point(id: &str) -> HttpCall {
    list(
        "get-backup-restore-points",
        json!({"OR": [{"id": id}, {"local_id": id}]}),
        None,
        Some(2),
        0,
    )
}

pub fn restore_point_metadata(id: &str) -> HttpCall {
    HttpCall::post(
        op("get-backup-restore-point-metadata"),
        json!({"where": {"id": id}}),
    )
}

/// Backup plans protecting VMs of a cluster (empty id: every plan).
pub fn backup_plans(cluster_id: &str, skip: u64) -> HttpCall {
    let filter = if cluster_id.is_empty() {
        Value::Null
    } else {
        json!({"vms_some": {"cluster": {"id": cluster_id}}})
    };
    list(
        "get-backup-plans",
        filter,
        Some("name_ASC"),
        Some(PAGE),
        skip,
    )
}

pub fn restore_executions(filter: Value) -> HttpCall {
    list(
        "get-backup-restore-executions",
        filter,
        Some("executed_at_DESC"),
        Some(PAGE),
        0,
    )
}

pub fn plan_executions(filter: Value) -> HttpCall {
    list(
        "get-backup-plan-executions",
        filter,
        Some("local_created_at_DESC"),
        Some(PAGE),
        0,
    )
}

/// `get-vm-vnc-info` for one VM (`GetVmVncInfoParams`).
pub fn vnc_info(vm_id: &str) -> HttpCall {
    HttpCall::post(op("get-vm-vnc-info"), json!({ "vm": { "id": vm_id } }))
}
