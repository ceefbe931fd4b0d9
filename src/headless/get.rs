//! `vmdeck get clusters|vms|snapshots|backups|tasks|sites`: the dashboard's reads, every
//! page fetched, printed as a table or as JSON (its shape: docs/schema/get.schema.json).

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::render::{self, Column, Format, Show, col};
use super::targets::{Selection, SiteArgs, Target, matching};
use crate::cli::{Cli, Failure};
use crate::model::{
    Backup, BackupCategory, BackupFilter, BackupKind, BackupQuery, BackupScope, Cluster, Named,
    NodeKind, PageRequest, PlatformTask, SnapshotTree, TaskState, Timestamp, Vm,
};
use crate::sites::SiteSpec;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum What {
    Clusters,
    Vms,
    Snapshots,
    Backups,
    Tasks,
    Sites,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Category {
    Vm,
    Volume,
    Database,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to print.
    pub what: What,
    #[command(flatten)]
    pub sites: SiteArgs,
    /// Only this cluster (name or id).
    #[arg(long, value_name = "NAME|ID")]
    pub cluster: Option<String>,
    /// Only this VM (name or id); `get snapshots` needs it.
    #[arg(long, value_name = "NAME|ID")]
    pub vm: Option<String>,
    /// Backups: which kind (default: the platform's first, VM backups).
    #[arg(long)]
    pub category: Option<Category>,
    /// Backups: only those whose name contains this.
    #[arg(long, value_name = "TEXT")]
    pub name_contains: Option<String>,
    /// Backups: made at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub since: Option<Timestamp>,
    /// Backups: made at or before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<Timestamp>,
    /// Output: table (default on a terminal), json (default otherwise) or jsonl.
    #[arg(short, long, value_name = "FORMAT")]
    pub output: Option<Format>,
}

pub async fn run(cli: &Cli, args: &GetArgs) -> Result<(), Failure> {
    if args.what == What::Snapshots && args.vm.is_none() {
        return Err(Failure::user("get snapshots needs --vm NAME|ID"));
    }
    let format = Format::or_default(args.output);
    let selection = Selection::choose(cli, &args.sites).await?;
    let result = read(&selection, args).await;
    selection.finish().await;
    let (records, problems) = result?;
    render::print(&records, format, |r| draw(args.what, r))?;
    // What could not be read is said after what could: each on its own line, the last as
    // the failure that sets the exit code.
    let mut problems = problems.into_iter();
    let last = problems.next_back();
    for p in problems {
        eprintln!("vmdeck: {p}");
    }
    match last {
        Some(p) => Err(Failure::runtime(p)),
        None => Ok(()),
    }
}

/// Every record of every chosen site, and what could not be read (one line each).
async fn read(selection: &Selection, args: &GetArgs) -> Result<(Vec<Value>, Vec<String>), Failure> {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    if args.what == What::Sites {
        return Ok((selection.specs.iter().map(site_record).collect(), problems));
    }
    let mut found_vm = false;
    for spec in &selection.specs {
        let target = match selection.connect(spec).await {
            Ok(t) => t,
            // A usage error (a bad profile) ends the command; an unreachable site is one
            // problem among the sites.
            Err(f) if f.code == 2 || selection.specs.len() == 1 => return Err(f),
            Err(f) => {
                problems.push(f.message);
                continue;
            }
        };
        let read = read_site(&target, args, &mut records, &mut problems).await;
        target.end().await;
        match read {
            Ok(found) => found_vm |= found,
            Err(f) if f.code == 2 => return Err(f),
            Err(f) => problems.push(f.message),
        }
    }
    // A cluster that failed on every page of a listing is one problem, said once.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    if let Some(vm) = &args.vm
        && !found_vm
        && problems.is_empty()
    {
        let sites: Vec<&str> = selection.specs.iter().map(|s| s.name.as_str()).collect();
        return Err(Failure::user(format!(
            "no VM \"{vm}\" on {} {}",
            if sites.len() == 1 { "site" } else { "sites" },
            sites.join(", ")
        )));
    }
    Ok((records, problems))
}

/// Reads one site into `records`; says whether `--vm` (if given) was found there.
async fn read_site(
    t: &Target,
    args: &GetArgs,
    records: &mut Vec<Value>,
    problems: &mut Vec<String>,
) -> Result<bool, Failure> {
    let cluster = t.cluster(args.cluster.as_deref()).await?;
    match args.what {
        // Answered from the config, without logging in (see `read`).
        What::Sites => Ok(false),
        What::Clusters => {
            let listing = t.backend.clusters().await.map_err(|e| t.failed(e))?;
            records.extend(
                listing
                    .value
                    .iter()
                    .filter(|c| cluster.id.is_empty() || c.id == cluster.id)
                    .map(|c| cluster_record(t, c)),
            );
            Ok(false)
        }
        What::Vms => {
            let (vms, failures) = t.all_vms(&cluster).await?;
            problems.extend(failures);
            let chosen: Vec<&Vm> = match &args.vm {
                Some(arg) => matching(&vms, arg),
                None => vms.iter().collect(),
            };
            records.extend(chosen.iter().map(|v| vm_record(t, v)));
            Ok(!chosen.is_empty())
        }
        What::Snapshots => {
            let Some(vm) = one_vm(t, &cluster, args.vm.as_deref(), problems).await? else {
                return Ok(false);
            };
            let tree = t
                .backend
                .snapshots(&vm.to_ref())
                .await
                .map_err(|e| t.failed(e))?;
            problems.extend(
                tree.problems
                    .iter()
                    .map(|p| format!("site {}: VM {}: {p}", t.site, vm.name)),
            );
            records.push(tree_record(t, &vm, &tree));
            Ok(true)
        }
        What::Backups => {
            let vm = match &args.vm {
                Some(_) => match one_vm(t, &cluster, args.vm.as_deref(), problems).await? {
                    Some(vm) => Some(vm),
                    None => return Ok(false),
                },
                None => None,
            };
            let scope = match &vm {
                Some(v) => BackupScope::Vm {
                    cluster: v.cluster.clone(),
                    vm: Named::new(v.id.clone(), v.name.clone()),
                },
                None => BackupScope::Cluster { cluster },
            };
            let category = match args.category {
                Some(Category::Vm) => BackupCategory::Vm,
                Some(Category::Volume) => BackupCategory::Volume,
                Some(Category::Database) => BackupCategory::Database,
                None => t
                    .backend
                    .capabilities()
                    .backup_categories
                    .first()
                    .copied()
                    .unwrap_or_default(),
            };
            let filter = BackupFilter {
                name: args.name_contains.clone().unwrap_or_default(),
                point_id: None,
                since: args.since,
                until: args.until,
            };
            let size = t.spec.profile.backup_page_size();
            let mut index = 0;
            loop {
                let query = BackupQuery {
                    scope: scope.clone(),
                    category,
                    page: PageRequest { index, size },
                    filter: filter.clone(),
                };
                let listing = t.backend.backups(&query).await.map_err(|e| t.failed(e))?;
                problems.extend(listing.failures.iter().map(|f| {
                    format!("site {}: cluster {}: {}", t.site, f.cluster_name, f.message)
                }));
                let done = listing.value.is_last() || listing.value.items.is_empty();
                records.extend(listing.value.items.iter().map(|b| backup_record(t, b)));
                if done {
                    break;
                }
                index += 1;
            }
            Ok(vm.is_some())
        }
        What::Tasks => {
            let tasks = t
                .backend
                .platform_tasks(&cluster)
                .await
                .map_err(|e| t.failed(e))?;
            records.extend(tasks.iter().map(|task| task_record(t, task)));
            Ok(false)
        }
    }
}

/// The one VM `arg` names on this site (`None`: none here). Several of that name is a
/// usage error listing each with its cluster, so a script never picks one by chance.
pub(crate) async fn one_vm(
    t: &Target,
    cluster: &Named,
    arg: Option<&str>,
    problems: &mut Vec<String>,
) -> Result<Option<Vm>, Failure> {
    let Some(arg) = arg else { return Ok(None) };
    let (vms, failures) = t.all_vms(cluster).await?;
    problems.extend(failures);
    let found = matching(&vms, arg);
    match found.as_slice() {
        [] => Ok(None),
        [vm] => Ok(Some((*vm).clone())),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|v| format!("{} (cluster {})", v.id, v.cluster.name))
                .collect();
            Err(Failure::user(format!(
                "site {}: {} VMs are named \"{arg}\": {}; give the id",
                t.site,
                many.len(),
                list.join(", ")
            )))
        }
    }
}

fn named(n: &Named) -> Value {
    json!({ "id": n.id, "name": n.name })
}

fn named_opt(n: Option<&Named>) -> Value {
    n.filter(|n| !n.id.is_empty() || !n.name.is_empty())
        .map_or(Value::Null, named)
}

fn time(t: Option<&Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(t.to_string()))
}

fn details(d: &[crate::model::Detail]) -> Value {
    d.iter()
        .map(|d| json!({ "label": d.label, "value": d.value }))
        .collect()
}

fn site_record(s: &SiteSpec) -> Value {
    json!({
        "name": s.name,
        "platform": s.profile.platform.id(),
        "url": s.profile.url,
        "user": s.profile.username,
        "read_only": s.profile.read_only,
    })
}

fn cluster_record(t: &Target, c: &Cluster) -> Value {
    let (state, message) = c.state.label();
    json!({
        "site": t.site,
        "platform": t.backend.platform().id(),
        "id": c.id,
        "name": c.name,
        "state": state,
        "message": message,
        "details": details(&c.details),
    })
}

fn vm_record(t: &Target, v: &Vm) -> Value {
    json!({
        "site": t.site,
        "platform": t.backend.platform().id(),
        "id": v.id,
        "name": v.name,
        "cluster": named(&v.cluster),
        "tenant": named_opt(v.tenant.as_ref()),
        "power": v.power.label(),
        "action": v.action,
        "agent": v.agent.label(),
        "ip": v.ip,
        "zone": named_opt(v.zone.as_ref()),
        "group": named_opt(v.group.as_ref()),
        "os": v.os,
        "vcpu": v.vcpu,
        "memory_bytes": v.memory_bytes,
        "created": time(v.created.as_ref()),
    })
}

fn backup_record(t: &Target, b: &Backup) -> Value {
    json!({
        "site": t.site,
        "platform": t.backend.platform().id(),
        "id": b.id,
        "name": b.name,
        "description": b.description,
        "category": match b.category {
            BackupCategory::Vm => "vm",
            BackupCategory::Volume => "volume",
            BackupCategory::Database => "database",
        },
        "vm": named_opt(Some(&b.vm)),
        "volume": named_opt(b.volume.as_ref()),
        "cluster": named(&b.cluster),
        "tenant": named_opt(b.tenant.as_ref()),
        "point": named_opt(b.point.as_ref()),
        "locations": b.locations.iter().map(named).collect::<Vec<_>>(),
        "parent": b.parent,
        "created": time(b.created.as_ref()),
        "status": b.status.label(),
        "kind": b.kind.map(|k| match k {
            BackupKind::Full => "full",
            BackupKind::Incremental => "incremental",
        }),
        "size_bytes": b.total_size(),
    })
}

fn task_record(t: &Target, task: &PlatformTask) -> Value {
    let message = match &task.state {
        TaskState::Failed { message } => Some(message),
        TaskState::Unknown { reason } => Some(reason),
        _ => None,
    };
    json!({
        "site": t.site,
        "platform": t.backend.platform().id(),
        "id": task.id,
        "title": task.title,
        "target": task.target,
        "user": task.user,
        "state": task.state.label(),
        "progress": task.state.progress(),
        "message": message,
        "started": time(task.started.as_ref()),
        "finished": time(task.finished.as_ref()),
    })
}

/// A VM's snapshot tree as nested nodes; `now` is the snapshot the VM runs from (the
/// parent of the "now" marker), null at the top level or when the platform does not say.
fn tree_record(t: &Target, vm: &Vm, tree: &SnapshotTree) -> Value {
    let now = tree
        .current_snapshot()
        .and_then(|n| tree.snapshot(n))
        .map(|s| s.id.clone());
    json!({
        "site": t.site,
        "platform": t.backend.platform().id(),
        "vm": { "id": vm.id, "name": vm.name, "cluster": named(&vm.cluster) },
        "now": now,
        "nodes": tree.roots.iter().map(|&r| node(tree, r)).collect::<Vec<_>>(),
        "problems": tree.problems,
    })
}

/// One node and everything under it. Built bottom-up without recursion: a tree may be a
/// thousand snapshots deep.
fn node(tree: &SnapshotTree, root: usize) -> Value {
    // Post-order: children are built before their parent takes them.
    let mut order = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        order.push(n);
        stack.extend(tree.nodes[n].children.iter().copied());
    }
    let mut built: std::collections::HashMap<usize, Value> = std::collections::HashMap::new();
    for &n in order.iter().rev() {
        let children: Vec<Value> = tree.nodes[n]
            .children
            .iter()
            .filter_map(|c| built.remove(c))
            .collect();
        let value = match &tree.nodes[n].kind {
            NodeKind::Snapshot(s) => json!({
                "kind": "snapshot",
                "id": s.id,
                "name": s.name,
                "description": s.description,
                "created": time(s.created.as_ref()),
                "memory": s.memory,
                "size_bytes": s.size,
                "volume": named_opt(s.volume.as_ref()),
                "children": children,
            }),
            NodeKind::Now { label } => {
                json!({ "kind": "now", "label": label, "children": children })
            }
            NodeKind::Group { label } => {
                json!({ "kind": "group", "label": label, "children": children })
            }
        };
        built.insert(n, value);
    }
    built.remove(&root).unwrap_or(Value::Null)
}

const CLUSTERS: &[Column] = &[
    col("SITE", "/site", Show::Text),
    col("NAME", "/name", Show::Text),
    col("STATE", "/state", Show::Text),
    col("ID", "/id", Show::Text),
];
const VMS: &[Column] = &[
    col("SITE", "/site", Show::Text),
    col("CLUSTER", "/cluster", Show::Text),
    col("NAME", "/name", Show::Text),
    col("POWER", "/power", Show::Text),
    col("IP", "/ip", Show::Text),
    col("VCPU", "/vcpu", Show::Text),
    col("MEMORY", "/memory_bytes", Show::Bytes),
    col("ID", "/id", Show::Text),
];
const BACKUPS: &[Column] = &[
    col("SITE", "/site", Show::Text),
    col("CLUSTER", "/cluster", Show::Text),
    col("VM", "/vm", Show::Text),
    col("NAME", "/name", Show::Text),
    col("STATUS", "/status", Show::Text),
    col("KIND", "/kind", Show::Text),
    col("SIZE", "/size_bytes", Show::Bytes),
    col("CREATED", "/created", Show::Time),
    col("ID", "/id", Show::Text),
];
const TASKS: &[Column] = &[
    col("SITE", "/site", Show::Text),
    col("STATE", "/state", Show::Text),
    col("TITLE", "/title", Show::Text),
    col("TARGET", "/target", Show::Text),
    col("USER", "/user", Show::Text),
    col("STARTED", "/started", Show::Time),
];
const SITES: &[Column] = &[
    col("NAME", "/name", Show::Text),
    col("PLATFORM", "/platform", Show::Text),
    col("URL", "/url", Show::Text),
    col("USER", "/user", Show::Text),
    col("READ-ONLY", "/read_only", Show::Text),
];
/// A snapshot tree's columns after the tree-drawn name.
const SNAPSHOT: &[Column] = &[
    col("NAME", "/name", Show::Text),
    col("CREATED", "/created", Show::Time),
    col("SIZE", "/size_bytes", Show::Bytes),
    col("ID", "/id", Show::Text),
];

fn draw(what: What, records: &[Value]) -> String {
    match what {
        What::Clusters => render::table(CLUSTERS, records),
        What::Vms => render::table(VMS, records),
        What::Backups => render::table(BACKUPS, records),
        What::Tasks => render::table(TASKS, records),
        What::Sites => render::table(SITES, records),
        What::Snapshots => records.iter().map(draw_tree).collect::<Vec<_>>().join("\n"),
    }
}

/// A heading naming the VM, then one row per node, indented by depth: `◆ now` marks where
/// the VM is.
fn draw_tree(record: &Value) -> String {
    let heading = format!(
        "{} · {} · cluster {}\n",
        render::cell(record.pointer("/site"), Show::Text),
        render::cell(record.pointer("/vm/name"), Show::Text),
        render::cell(record.pointer("/vm/cluster/name"), Show::Text),
    );
    let mut rows = Vec::new();
    let mut stack: Vec<(usize, &Value)> = record["nodes"]
        .as_array()
        .map(|a| a.iter().rev().map(|n| (0, n)).collect())
        .unwrap_or_default();
    while let Some((depth, n)) = stack.pop() {
        let indent = "  ".repeat(depth);
        let label = match n["kind"].as_str() {
            Some("now") => format!("{indent}◆ now"),
            Some("group") => format!("{indent}{}", render::cell(n.get("label"), Show::Text)),
            _ => format!("{indent}{}", render::cell(n.get("name"), Show::Text)),
        };
        rows.push(json!({
            "name": label,
            "created": n["created"],
            "size_bytes": n["size_bytes"],
            "id": n["id"],
        }));
        if let Some(children) = n["children"].as_array() {
            stack.extend(children.iter().rev().map(|c| (depth + 1, c)));
        }
    }
    heading + &render::table(SNAPSHOT, &rows)
}
