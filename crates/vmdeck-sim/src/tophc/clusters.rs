//! Clusters, tenants, zones, object groups, internal pools, backup points, version.
//!
//! Choices the docs leave open:
//! * `filter_name` is a case-sensitive substring match everywhere; `filter_uuid` is exact.
//! * `cluster/list` and `user/cluster/allow/list` list the unreachable cluster too
//!   (`is_health:false`); every call about that cluster alone answers scode 10000.
//! * `backuppoint/list` with a `tenant` returns that tenant's backup points and the
//!   system tenant's (which all seeded backup points belong to).
//! * `group/tree`: the unreachable cluster has no node, only an error entry in
//!   `each_range_list_state`; each entry's `total_count` counts that cluster's real groups.
//! * `system/version` answers in the old envelope (`status_code`, `message_en`), exactly as
//!   its doc example does.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::Shared;
use super::wire::{self, ApiError, ApiResult, Query};
use super::world::World;
use crate::ids::Uid;

fn contains(hay: &str, needle: &str) -> bool {
    needle.is_empty() || hay.contains(needle)
}

/// `GET /v1/cluster/list`
pub fn list(w: &mut World, q: &Query) -> ApiResult {
    let paging = q.paging()?;
    let name = q.s("filter_name");
    let uuid = q.s("filter_uuid");
    let found: Vec<usize> = (0..w.clusters.len())
        .filter(|&c| contains(&w.clusters[c].name, name))
        .filter(|&c| uuid.is_empty() || Uid::parse(uuid) == Some(w.clusters[c].uuid))
        .collect();
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|&c| {
            let cl = &w.clusters[c];
            json!({
                "cluster_uuid": cl.uuid.to_string(),
                "cluster_name": cl.name,
                "ctime": cl.ctime,
                "candidates": null,
            })
        })
        .collect();
    Ok(json!({ "list": list, "total_count": found.len() }))
}

/// `GET /v1/user/cluster/allow/list`
pub fn allow_list(w: &mut World, q: &Query) -> ApiResult {
    let paging = q.paging()?;
    let name = q.s("filter_name");
    let found: Vec<usize> = (0..w.clusters.len())
        .filter(|&c| contains(&w.clusters[c].name, name))
        .collect();
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|&c| {
            let cl = &w.clusters[c];
            json!({
                "name": cl.name,
                "uuid": cl.uuid.to_string(),
                "desc": cl.desc,
                "create_time": cl.ctime,
                "master_address": cl.master_ip,
                "is_stop": false,
                "is_health": cl.failure.is_none(),
            })
        })
        .collect();
    Ok(json!({ "total_count": found.len(), "list": list }))
}

fn net(name: &str, ip: &str, mtu: u32) -> Value {
    json!({"Name": name, "Addrs": [format!("{ip}/24")], "MTU": mtu, "BridgeUUID": "", "BridgeName": ""})
}

/// `GET /v1/cluster/get`
pub fn get(w: &mut World, q: &Query) -> ApiResult {
    let c = w.cluster(q.s("cluster_uuid"))?;
    let cl = &w.clusters[c];
    let nodes: Vec<Value> = cl
        .hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let svc = |enabled: bool, mode: u32| {
                if enabled {
                    json!({"enabled": true, "mode": mode, "status": u32::from(h.healthy)})
                } else {
                    Value::Null
                }
            };
            json!({
                "UUID": h.uuid.to_string(),
                "ID": i,
                "managerNet": net("eth0", &h.ip, 1500),
                "computeNet": null,
                "storageNet": net("ens56", &h.ip, 1500),
                "backupNet": net("ens56", &h.ip, 1500),
                "domain": w.zones[h.zone].uuid.to_string(),
                "name": h.ip,
                "IsSystemService": h.system_service,
                "services": {
                    "UUID": h.uuid.to_string(),
                    "manager": svc(h.system_service, 0),
                    "center": svc(h.system_service, 5),
                    "usm": null,
                    "vsm": null,
                    "network": null,
                    "hyper": null,
                    "agentStatus": u32::from(h.healthy),
                    "hostMode": 0,
                },
            })
        })
        .collect();
    let tenants: Vec<String> = cl
        .tenants
        .iter()
        .map(|&t| w.tenants[t].uuid.to_string())
        .collect();
    let candidates: Vec<&str> = cl
        .hosts
        .iter()
        .filter(|h| h.system_service)
        .map(|h| h.ip.as_str())
        .collect();
    Ok(json!({
        "cluster_uuid": cl.uuid.to_string(),
        "name": cl.name,
        "desc": cl.desc,
        "tenants": tenants,
        "candidates": candidates,
        "TopoHostNode": nodes,
    }))
}

/// `GET /v1/tenant/list`
pub fn tenant_list(w: &mut World, q: &Query) -> ApiResult {
    let c = w.cluster(q.s("cluster_uuid"))?;
    let paging = q.paging()?;
    let system = q.bool("system")?.unwrap_or(false);
    let name = q.s("filter_name");
    let found: Vec<usize> = w.clusters[c]
        .tenants
        .iter()
        .copied()
        .filter(|&t| system || !w.tenants[t].system)
        .filter(|&t| contains(&w.tenants[t].name, name))
        .collect();
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|&t| {
            let tn = &w.tenants[t];
            let cluster_uuid = w.clusters[c].uuid.to_string();
            json!({
                "name": tn.name,
                "uuid": tn.uuid.to_string(),
                "cluster_uuid": cluster_uuid,
                "create_time": tn.create_time,
                "namespace": tn.namespace.to_string(),
                "user_num": tn.users,
                "normal_user_num": tn.users - 1,
                "policy_num": 1,
                "group_num": 1 + tn.users / 4,
                "ldap_enabled": false,
                "administrator": {
                    "uuid": tn.admin_uuid.to_string(),
                    "name": tn.admin_name,
                    "email": format!("{}@example.com", tn.admin_uuid.to_string().get(..8).unwrap_or("admin")),
                    "event_windows_popup_push": {"push_level": 4, "push_enabled": true},
                    "event_email_push": {"push_level": 4, "push_enabled": false},
                    "phone": "",
                    "description": "",
                    "create_time": tn.create_time,
                    "tenant": tn.uuid.to_string(),
                    "role": "administrator",
                    "group": tn.user_group.to_string(),
                    "policys": [tn.uuid.to_string()],
                    "default_cluster": cluster_uuid,
                    "is_ldap": false,
                    "last_password_modify_time": tn.create_time,
                },
            })
        })
        .collect();
    let mut latest: Vec<Value> = w.clusters[c]
        .tenants
        .iter()
        .filter(|&&t| !w.tenants[t].system)
        .take(2)
        .map(|&t| {
            let tn = &w.tenants[t];
            json!({"name": tn.name, "uuid": tn.uuid.to_string(), "namespace": tn.namespace.to_string()})
        })
        .collect();
    latest.insert(
        latest.len().min(1),
        json!({"name": "All", "uuid": "", "namespace": ""}),
    );
    Ok(json!({ "list": list, "latest_used_tenants": latest, "total_count": found.len() }))
}

fn zone_json(w: &World, z: usize) -> Value {
    let zone = &w.zones[z];
    let cl = &w.clusters[zone.cluster];
    let hosts: Vec<_> = cl.hosts.iter().filter(|h| h.zone == z).collect();
    let cpu_total: f64 = hosts.iter().map(|h| h.cpu_ghz).sum();
    let mem_total: u64 = hosts.iter().map(|h| h.mem).sum();
    let usd_total: u64 = hosts.iter().map(|h| h.disk).sum();
    let (mut vm_count, mut running, mut cpu_used, mut mem_used, mut usd_used) =
        (0u64, 0u64, 0.0f64, 0u64, 0u64);
    for &i in &cl.vm_order {
        let vm = &w.vms[i];
        if vm.zone != z {
            continue;
        }
        vm_count += 1;
        usd_used += vm.disks.iter().map(|d| d.used).sum::<u64>();
        if vm.state == "running" {
            running += 1;
            cpu_used += vm.load.cpu_ratio * f64::from(vm.cpus) * 2.2;
            mem_used += (vm.mem as f64 * vm.load.mem_ratio) as u64;
        }
    }
    let mem_used = (mem_used + hosts.len() as u64 * 3 * super::world::GIB).min(mem_total);
    let usd_used = usd_used.min(usd_total);
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    json!({
        "Name": zone.name,
        "UUID": zone.uuid.to_string(),
        "Domains": null,
        "Labels": null,
        "Func": ["Storage", "Compute", "Container"],
        "Ctime": zone.ctime,
        "RelatedZone": null,
        "Role": "master",
        "zonePolicy": null,
        "Status": 1,
        "RelatedZoneName": null,
        "Statistic": {
            "CpuUsed": cpu_used,
            "CpuTotal": cpu_total,
            "CpuUsage": ratio(cpu_used, cpu_total),
            "MemUsed": mem_used,
            "MemTotal": mem_total,
            "MemUsage": ratio(mem_used as f64, mem_total as f64),
            "USDSizeUsed": usd_used,
            "USDSizeTotal": usd_total,
            "USDSIzeUsage": ratio(usd_used as f64, usd_total as f64),
            "HostCount": hosts.len(),
            "HostHealth": hosts.iter().filter(|h| h.healthy).count(),
            "HostDown": hosts.iter().filter(|h| !h.healthy).count(),
            "VmCount": vm_count,
            "VmRunning": running,
            "VmStopped": vm_count - running,
        },
    })
}

/// `GET /v1/zone/list`
pub fn zone_list(w: &mut World, q: &Query) -> ApiResult {
    let c = w.cluster(q.s("cluster_uuid"))?;
    let paging = q.paging()?;
    let name = q.s("filter_name");
    let found: Vec<usize> = w.clusters[c]
        .zones
        .iter()
        .copied()
        .filter(|&z| contains(&w.zones[z].name, name))
        .collect();
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|&z| zone_json(w, z))
        .collect();
    Ok(json!({ "total_count": found.len(), "list": list }))
}

/// `GET /v1/zone/inspect`
pub fn zone_inspect(w: &mut World, q: &Query) -> ApiResult {
    let c = w.cluster(q.s("cluster_uuid"))?;
    let zone = q.req("zone_uuid")?;
    let z = Uid::parse(zone)
        .and_then(|u| {
            w.clusters[c]
                .zones
                .iter()
                .copied()
                .find(|&z| w.zones[z].uuid == u)
        })
        .ok_or_else(|| ApiError::new(wire::ZONE_NOT_EXIST, zone))?;
    Ok(zone_json(w, z))
}

#[allow(clippy::too_many_arguments)]
fn node(
    uuid: String,
    namespace: String,
    name: &str,
    parent: String,
    ref_count: usize,
    children: Vec<Value>,
    fake: bool,
    deny_child_create: bool,
    cluster: (&str, &str, bool),
    tenant: Option<(String, &str)>,
) -> Value {
    let mut m = Map::new();
    m.insert("UUID".into(), uuid.into());
    m.insert("Namespace".into(), namespace.into());
    m.insert("Name".into(), name.into());
    m.insert("Desc".into(), "".into());
    m.insert("Parent".into(), parent.into());
    m.insert("Attrs".into(), Value::Null);
    m.insert("RefCount".into(), ref_count.into());
    m.insert("Children".into(), children.into());
    m.insert("fake".into(), fake.into());
    m.insert("deny_child_create".into(), deny_child_create.into());
    m.insert("is_stop".into(), false.into());
    m.insert("is_health".into(), cluster.2.into());
    m.insert("cluster_uuid".into(), cluster.0.into());
    m.insert("cluster_name".into(), cluster.1.into());
    if let Some((t, tn)) = tenant {
        m.insert("tenant".into(), t.into());
        m.insert("tenant_name".into(), tn.into());
    }
    Value::Object(m)
}

/// The real groups under `parent` (None: the tenant's top level), recursively.
fn group_nodes(
    w: &World,
    t: usize,
    parent: Option<usize>,
    counts: &[usize],
    cl: (&str, &str),
) -> Vec<Value> {
    let tn = &w.tenants[t];
    let ns = tn.namespace.to_string();
    (0..w.groups.len())
        .filter(|&g| w.groups[g].tenant == t && w.groups[g].parent == parent)
        .map(|g| {
            let grp = &w.groups[g];
            let parent_uuid = grp
                .parent
                .map(|p| w.groups[p].uuid.to_string())
                .unwrap_or_else(|| ns.clone());
            node(
                grp.uuid.to_string(),
                ns.clone(),
                &grp.name,
                parent_uuid,
                counts[g],
                group_nodes(w, t, Some(g), counts, cl),
                false,
                false,
                (cl.0, cl.1, false),
                Some((tn.uuid.to_string(), &tn.name)),
            )
        })
        .collect()
}

/// `GET /v1/compute/group/tree`
pub fn group_tree(w: &mut World, q: &Query) -> ApiResult {
    let cluster_param = q.s("cluster_uuid");
    let tenant_param = q.s("tenant");
    let mut counts = vec![0usize; w.groups.len()];
    for vm in &w.vms {
        counts[vm.group] += 1;
    }
    let single = !cluster_param.is_empty() && !tenant_param.is_empty();
    if single {
        let c = w.cluster(cluster_param)?;
        let t = w
            .tenant_in(c, tenant_param)
            .ok_or_else(|| ApiError::new(wire::TENANT_NOT_EXIST, tenant_param))?;
        let cl = &w.clusters[c];
        let (cu, cn) = (cl.uuid.to_string(), cl.name.as_str());
        let tn = &w.tenants[t];
        let groups = group_nodes(w, t, None, &counts, (&cu, cn));
        let total_groups = w.groups.iter().filter(|g| g.tenant == t).count();
        let top = node(
            tn.uuid.to_string(),
            String::new(),
            &tn.name,
            cu.clone(),
            0,
            groups,
            true,
            true,
            (&cu, cn, false),
            Some((tn.uuid.to_string(), &tn.name)),
        );
        let state = w.range_state(c, Some(t), Ok(total_groups));
        return Ok(json!({ "list": [top], "total_count": 1, "each_range_list_state": [state] }));
    }
    let mut list = Vec::new();
    let mut states = Vec::new();
    for c in w.scope(cluster_param)? {
        let tenant = w.tenant_in(c, tenant_param);
        if let Err(e) = w.reachable(c) {
            states.push(w.range_state(c, tenant, Err(e)));
            continue;
        }
        let cl = &w.clusters[c];
        let (cu, cn) = (cl.uuid.to_string(), cl.name.as_str());
        let tenant_nodes: Vec<Value> = cl
            .tenants
            .iter()
            .copied()
            .filter(|&t| w.tenant_matches(tenant_param, t))
            .map(|t| {
                let tn = &w.tenants[t];
                let ns = node(
                    tn.namespace.to_string(),
                    String::new(),
                    &tn.name,
                    tn.uuid.to_string(),
                    0,
                    group_nodes(w, t, None, &counts, (&cu, cn)),
                    true,
                    false,
                    (&cu, cn, false),
                    Some((tn.uuid.to_string(), &tn.name)),
                );
                node(
                    tn.uuid.to_string(),
                    String::new(),
                    &tn.name,
                    cu.clone(),
                    0,
                    vec![ns],
                    true,
                    true,
                    (&cu, cn, false),
                    Some((tn.uuid.to_string(), &tn.name)),
                )
            })
            .collect();
        let groups = w
            .groups
            .iter()
            .filter(|g| g.cluster == c && w.tenant_matches(tenant_param, g.tenant))
            .count();
        states.push(w.range_state(c, tenant, Ok(groups)));
        if !tenant_nodes.is_empty() {
            list.push(node(
                cu.clone(),
                String::new(),
                cn,
                String::new(),
                0,
                tenant_nodes,
                true,
                true,
                (&cu, cn, true),
                None,
            ));
        }
    }
    Ok(json!({ "total_count": list.len(), "list": list, "each_range_list_state": states }))
}

/// `GET /v1/pool/internal/list`
pub fn pool_list(w: &mut World, q: &Query) -> ApiResult {
    let paging = q.paging()?;
    let name = q.s("filter_name");
    let tenant = q.s("tenant");
    let (found, states) = w.fan_out(q.s("cluster_uuid"), tenant, |c| {
        w.clusters[c]
            .pools
            .iter()
            .copied()
            .filter(|&p| {
                w.tenant_matches(tenant, w.pools[p].tenant) && contains(&w.pools[p].name, name)
            })
            .collect()
    })?;
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|&p| {
            let pool = &w.pools[p];
            let tn = &w.tenants[pool.tenant];
            let cl = &w.clusters[pool.cluster];
            json!({
                "tenant": tn.uuid.to_string(),
                "tenant_name": tn.name,
                "namespace": tn.namespace.to_string(),
                "name": pool.name,
                "uuid": pool.uuid.to_string(),
                "storage_size": pool.size,
                "used_size": pool.used,
                "available": pool.size.saturating_sub(pool.used),
                "create_time": pool.ctime,
                "volume_num": pool.volume_num,
                "attr": if pool.repo { json!({"ComputeRepository": "ComputeRepository"}) } else { Value::Null },
                "cluster_uuid": cl.uuid.to_string(),
                "cluster_name": cl.name,
            })
        })
        .collect();
    Ok(json!({ "TotalCount": found.len(), "List": list, "each_range_list_state": states }))
}

/// `GET /v1/volume/internal/backuppoint/list`
pub fn backup_point_list(w: &mut World, q: &Query) -> ApiResult {
    let c = w.cluster(q.s("cluster_uuid"))?;
    let paging = q.paging()?;
    let name = q.s("filter_name");
    let tenant = q.s("tenant");
    let found: Vec<usize> = w.clusters[c]
        .bps
        .iter()
        .copied()
        .filter(|&b| {
            let t = w.bps[b].tenant;
            w.tenant_matches(tenant, t) || w.tenants[t].system
        })
        .filter(|&b| contains(&w.bps[b].name, name))
        .collect();
    let list: Vec<Value> = paging
        .slice(&found)
        .iter()
        .map(|&b| {
            let bp = &w.bps[b];
            let tn = &w.tenants[bp.tenant];
            let refs = w.clusters[c]
                .backup_order
                .iter()
                .filter(|&&i| w.backups[i].bp == b)
                .count();
            json!({
                "tenant": tn.uuid.to_string(),
                "tenant_name": tn.name,
                "Name": bp.name,
                "UUID": bp.uuid.to_string(),
                "BType": bp.btype,
                "NsUUID": tn.namespace.to_string(),
                "Ref": refs,
                "indentify": {
                    "IP": bp.ip,
                    "PORT": "",
                    "RootDir": bp.root_dir,
                    "SubDir": bp.sub_dir,
                    "Dest": "",
                    "Env": null,
                    "Pwd": "",
                },
                "Ctime": bp.ctime,
                "Mtime": bp.mtime,
                "Bpstate": bp.state(),
            })
        })
        .collect();
    Ok(json!({ "total_count": found.len(), "list": list }))
}

pub const VERSION: &str = "3.2.1  @go1.11.1 linux/amd64  SRC#a7b9ecf9f35bde6cf7d7b0ad2531e5d4d33073c5  CMN#6a7e043276b14099b653b06c31e9df90630d4be3 (vmdeck simulator)";

/// `GET /v1/system/version`, in the old envelope of its doc example.
pub async fn version(State(_s): State<Arc<Shared>>) -> Response {
    let body = json!({
        "status_code": 0,
        "message_en": "success",
        "message_cn": "成功",
        "data": { "version": VERSION },
    });
    wire::json_response(serde_json::to_vec(&body).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimConfig;

    fn world() -> World {
        super::super::seed::build(&SimConfig::default(), 1_699_920_000, 1_700_000_000)
    }

    #[test]
    fn group_tree_shapes() {
        let mut w = world();
        let all = group_tree(&mut w, &Query::parse(None)).unwrap();
        assert_eq!(all["total_count"], 3);
        assert_eq!(all["each_range_list_state"].as_array().unwrap().len(), 4);
        let cluster = &all["list"][0];
        assert_eq!(cluster["fake"], true);
        assert_eq!(cluster["is_health"], true);
        let tenant = &cluster["Children"][0];
        let ns = &tenant["Children"][0];
        assert_eq!(ns["fake"], true);
        assert_eq!(ns["Children"][0]["Name"], "default");
        assert_eq!(ns["Children"][0]["fake"], false);

        let c = w.clusters[0].uuid.to_string();
        let t = w.tenants[w.clusters[0].tenants[1]].uuid.to_string();
        let one = group_tree(
            &mut w,
            &Query::parse(Some(&format!("cluster_uuid={c}&tenant={t}"))),
        )
        .unwrap();
        assert_eq!(one["list"][0]["UUID"], t.as_str());
        assert_eq!(one["list"][0]["Children"][0]["Name"], "default");
    }
}
