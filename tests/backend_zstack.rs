//! The ZStack backend against the simulator, over loopback HTTP: every read, every
//! operation followed to its end by its api-job, refusals, session expiry in the middle of
//! a paging run, lost answers found again through the job uuid we chose, expired jobs, and
//! broken bodies.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use sha2::{Digest, Sha512};
use vmdeck::backend::WatchTiming;
use vmdeck::backend::zstack::ZStack;
use vmdeck::backend::{Backend, BackendError, SubmitError, TaskWatch, VmQuery};
use vmdeck::config::Profile;
use vmdeck::model::*;
use vmdeck::operation::Operation;
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, Fault, SimServer};

mod backend_common;

use backend_common::{changed, follow_within, sim_at, wait_until};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const V1: &str = "/zstack/v1";

async fn sim() -> SimServer {
    sim_at(100.0).await
}

fn profile(url: &str) -> Profile {
    Profile::new(Platform::ZStack, url, DEFAULT_USER)
}

fn quick() -> WatchTiming {
    WatchTiming {
        interval: Duration::from_millis(20),
        settle: Duration::from_millis(600),
        verify_window: Duration::from_millis(1200),
        ..WatchTiming::default()
    }
}

async fn connect(server: &SimServer) -> ZStack {
    ZStack::connect(
        &profile(&server.base_url()),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await
    .expect("login to the simulator")
    .with_watch_timing(quick())
}

async fn follow(watch: Box<dyn TaskWatch>, what: &str) -> TaskState {
    follow_within(watch, what, Duration::from_secs(60)).await
}

async fn run(b: &ZStack, op: Operation) -> TaskState {
    let what = format!("{} {}", op.title(), op.target());
    match b.submit(&op).await {
        Ok(watch) => follow(watch, &what).await,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

async fn ok(b: &ZStack, op: Operation) {
    let what = format!("{} {}", op.title(), op.target());
    let state = run(b, op).await;
    assert_eq!(state, TaskState::Succeeded, "{what}");
}

async fn rejected(b: &ZStack, op: Operation) -> BackendError {
    match b.submit(&op).await {
        Err(SubmitError::Rejected(e)) => e,
        Err(e) => panic!("{} expected a refusal, got {e:?}", op.title()),
        Ok(_) => panic!("{} {} was accepted", op.title(), op.target()),
    }
}

/// The X-Job-UUID a plan carries.
fn job_of(b: &ZStack, op: &Operation) -> String {
    let calls = b.plan(op).expect("plan");
    assert_eq!(calls.len(), 1);
    calls[0]
        .headers
        .iter()
        .find(|(k, _)| k == "X-Job-UUID")
        .map(|(_, v)| v.clone())
        .expect("every ZStack call carries X-Job-UUID")
}

// ------------------------------------------------------------------ raw access

/// A second, independent client: checks what the simulator holds without our backend.
struct Raw {
    root: String,
    http: reqwest::Client,
    session: String,
}

impl Raw {
    async fn login(server: &SimServer) -> Raw {
        let http = reqwest::Client::new();
        let hash: String = Sha512::digest(DEFAULT_PASSWORD.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let v: Value = http
            .put(format!("{}{V1}/accounts/login", server.base_url()))
            .json(&serde_json::json!({"logInByAccount": {"accountName": DEFAULT_USER, "password": hash}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Raw {
            root: server.base_url(),
            http,
            session: v["inventory"]["uuid"].as_str().unwrap().to_string(),
        }
    }

    async fn get(&self, path_and_query: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{V1}/{path_and_query}", self.root))
            .header("Authorization", format!("OAuth {}", self.session))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn list(&self, path_and_query: &str) -> Vec<Value> {
        let (status, v) = self.get(path_and_query).await;
        assert_eq!(status, 200, "{path_and_query}: {v}");
        v["inventories"].as_array().cloned().unwrap_or_default()
    }

    async fn delete(&self, path_and_query: &str) -> u16 {
        self.http
            .delete(format!("{}{V1}/{path_and_query}", self.root))
            .header("Authorization", format!("OAuth {}", self.session))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{V1}/{path}", self.root))
            .header("Authorization", format!("OAuth {}", self.session))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or_default())
    }

    /// Backup storages with the `remote` system tag: the disaster-recovery site.
    async fn remote_storages(&self) -> Vec<String> {
        self.list("backup-storage?q=__systemTag__%3Dremote")
            .await
            .iter()
            .filter_map(|b| b["uuid"].as_str().map(str::to_string))
            .collect()
    }
}

// ------------------------------------------------------------------ finding things

async fn all_vms(b: &ZStack) -> Vec<Vm> {
    b.vms(&Named::default(), &VmQuery::default())
        .await
        .expect("every VM")
        .value
        .items
}

async fn tree(b: &ZStack, vm: &VmRef) -> SnapshotTree {
    b.snapshots(vm).await.expect("snapshot tree")
}

/// The snapshots of the heading whose label starts with `prefix`.
fn under_heading(t: &SnapshotTree, prefix: &str) -> Vec<Snapshot> {
    let Some(head) = t.roots.iter().copied().find(
        |r| matches!(&t.nodes[*r].kind, NodeKind::Group { label } if label.starts_with(prefix)),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![head];
    while let Some(n) = stack.pop() {
        if let Some(s) = t.snapshot(n) {
            out.push(s.clone());
        }
        stack.extend(t.nodes[n].children.iter().copied());
    }
    out
}

fn root_snapshots(t: &SnapshotTree) -> Vec<Snapshot> {
    under_heading(t, "Root volume")
}

fn current_under(t: &SnapshotTree, prefix: &str) -> Option<Snapshot> {
    let ids: Vec<String> = under_heading(t, prefix).into_iter().map(|s| s.id).collect();
    t.now_markers()
        .filter_map(|m| t.nodes[m].parent)
        .filter_map(|p| t.snapshot(p))
        .find(|s| ids.contains(&s.id))
        .cloned()
}

/// A VM in the given power state whose root volume has at least `min` snapshots.
async fn vm_with(b: &ZStack, want: VmPower, min: usize) -> (Vm, SnapshotTree) {
    for v in all_vms(b).await {
        if v.power != want || v.action.is_some() {
            continue;
        }
        let t = tree(b, &v.to_ref()).await;
        if root_snapshots(&t).len() >= min {
            return (v, t);
        }
    }
    panic!("the simulator has a {want:?} VM with {min}+ root snapshots");
}

async fn vm_detail(b: &ZStack, vm: &VmRef) -> VmDetail {
    b.vm_detail(vm).await.expect("vm detail")
}

async fn points(b: &ZStack, raw: &Raw) -> (BackupPoint, BackupPoint) {
    let remote = raw.remote_storages().await;
    let list = b.backup_points(&Named::default()).await.expect("points");
    let usable = |p: &&BackupPoint| {
        p.kind == "ImageStoreBackupStorage"
            && p.state.starts_with("Enabled")
            && p.state.contains("Connected")
    };
    let local = list
        .iter()
        .filter(usable)
        .find(|p| !remote.contains(&p.id) && p.name.contains("主仓库"))
        .cloned()
        .expect("a local image store");
    let far = list
        .iter()
        .filter(usable)
        .find(|p| remote.contains(&p.id))
        .cloned()
        .expect("a remote image store");
    (local, far)
}

fn named(p: &BackupPoint) -> Named {
    Named::new(&p.id, &p.name)
}

async fn backups_of(b: &ZStack, vm: &Vm, category: BackupCategory) -> Vec<Backup> {
    b.backups(&BackupQuery {
        scope: BackupScope::Vm {
            cluster: vm.cluster.clone(),
            vm: Named::new(&vm.id, &vm.name),
        },
        category,
        page: PageRequest::first(100),
        filter: BackupFilter::default(),
    })
    .await
    .expect("backups")
    .value
    .items
}

async fn database_backups(b: &ZStack) -> Vec<Backup> {
    b.backups(&BackupQuery {
        scope: BackupScope::Cluster {
            cluster: Named::default(),
        },
        category: BackupCategory::Database,
        page: PageRequest::first(100),
        filter: BackupFilter::default(),
    })
    .await
    .expect("database backups")
    .value
    .items
}

fn snapshot_op(vm: &VmRef, name: &str, volume: Option<Named>) -> Operation {
    Operation::CreateSnapshot {
        vm: vm.clone(),
        name: name.into(),
        description: format!("made by the {name} test"),
        memory: false,
        consistent: false,
        volume,
    }
}

async fn root_volume(b: &ZStack, vm: &VmRef) -> Named {
    vm_detail(b, vm)
        .await
        .disks
        .into_iter()
        .find(|d| d.is_root)
        .expect("a root volume")
        .volume
}

async fn power(b: &ZStack, vm: &VmRef) -> VmPower {
    vm_detail(b, vm).await.vm.power
}

// ------------------------------------------------------------------ connect

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_reports_what_to_fix() -> TestResult {
    let server = sim().await;
    let base = server.base_url();
    match ZStack::connect(&profile(&base), SecretString::from("Not-The-Pa55word")).await {
        Err(BackendError::Auth(msg)) => {
            assert!(msg.contains("ID.1000"), "{msg}");
            assert!(msg.contains("password"), "{msg}");
            assert!(!msg.contains("Pa55word"), "the password never shows: {msg}");
        }
        other => panic!("expected Auth, got {:?}", other.map(|_| ())),
    }
    let mut nobody = profile(&base);
    nobody.username = " ".into();
    assert!(matches!(
        ZStack::connect(&nobody, SecretString::from(DEFAULT_PASSWORD)).await,
        Err(BackendError::Auth(_))
    ));
    assert!(matches!(
        ZStack::connect(&profile("ftp://x"), SecretString::from("x")).await,
        Err(BackendError::Refused(_))
    ));
    // The server root, `/zstack` and `/zstack/v1` all reach the same API.
    for url in [
        format!("{base}/"),
        format!("{base}/zstack"),
        format!("{base}/zstack/v1/"),
    ] {
        let b = ZStack::connect(&profile(&url), SecretString::from(DEFAULT_PASSWORD)).await?;
        assert_eq!(b.endpoint(), format!("{base}/zstack/v1"));
        assert_eq!(b.user(), DEFAULT_USER);
        assert_eq!(b.platform(), Platform::ZStack);
    }
    // The TopHC dialect's prefix is not a ZStack.
    match ZStack::connect(
        &profile(&format!("{base}/v1")),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await
    {
        Err(BackendError::Decode { reason, .. }) => assert!(reason.contains("ZStack"), "{reason}"),
        other => panic!("expected Decode, got {:?}", other.map(|_| ())),
    }
    // Nothing listening.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?
    };
    assert!(matches!(
        ZStack::connect(
            &profile(&format!("http://{closed}")),
            SecretString::from("x")
        )
        .await,
        Err(BackendError::Connect { .. })
    ));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_follow_the_server() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let caps = b.capabilities();
    assert_eq!(b.version(), Some("4.8.0"));
    assert!(
        caps.snapshot_groups,
        "4.8 has snapshot groups and its query answers"
    );
    assert_eq!(caps.snapshot_layout, SnapshotLayout::PerVolumeTrees);
    assert!(caps.volume_snapshots && caps.rollback_requires_stopped && caps.power_actions);
    assert_eq!(caps.snapshot_delete, SnapshotDeleteRule::RemovesDescendants);
    assert_eq!(
        caps.backup_categories,
        vec![
            BackupCategory::Vm,
            BackupCategory::Volume,
            BackupCategory::Database
        ]
    );
    assert!(caps.task_api && caps.platform_tasks && caps.database_backups);
    assert!(!caps.restore_to_new_vm && !caps.memory_snapshots);

    // A server without the group API (404 "no api mapping") has no groups.
    server.faults().inject(
        &format!("{V1}/volume-snapshots/group"),
        Fault::Status {
            status: 404,
            body: "no api mapping to /v1/volume-snapshots/group".into(),
            content_type: None,
        },
        Some(1),
    );
    let old = connect(&server).await;
    assert!(!old.capabilities().snapshot_groups);
    Ok(())
}

// ------------------------------------------------------------------ reads

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;

    // Clusters, named, with their zone.
    let clusters = b.clusters().await?.value;
    let raw_clusters = raw.list("clusters").await;
    assert_eq!(clusters.len(), raw_clusters.len());
    assert!(
        clusters
            .iter()
            .all(|c| c.id.len() == 32 && !c.name.is_empty())
    );
    assert!(
        clusters
            .iter()
            .all(|c| c.details.iter().any(|d| d.label == "Zone"))
    );

    // VMs of a cluster, paged with totals, sorted by name; pages do not overlap.
    let c = &clusters[0];
    let cluster = Named::new(&c.id, &c.name);
    let everything = b.vms(&cluster, &VmQuery::default()).await?.value;
    let raw_count = raw
        .list(&format!(
            "vm-instances?q=clusterUuid%3D{}&q=type%3DUserVm&q=state%21%3DDestroyed&limit=1000",
            c.id
        ))
        .await
        .len() as u64;
    assert_eq!(everything.total, raw_count);
    assert!(everything.items.len() > 10);
    let mut paged = Vec::new();
    let size = 7;
    for index in 0.. {
        let page = b
            .vms(
                &cluster,
                &VmQuery {
                    page: Some(PageRequest { index, size }),
                    search: String::new(),
                },
            )
            .await?
            .value;
        assert_eq!(page.total, everything.total);
        paged.extend(page.items.iter().map(|v| v.id.clone()));
        if page.is_last() {
            break;
        }
    }
    let all_ids: Vec<String> = everything.items.iter().map(|v| v.id.clone()).collect();
    assert_eq!(paged, all_ids, "pages in order, without gaps or repeats");
    let names: Vec<&str> = everything.items.iter().map(|v| v.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name on the server");
    assert!(
        everything
            .items
            .iter()
            .all(|v| v.cluster.id == c.id && v.cluster.name == c.name)
    );
    assert!(
        everything
            .items
            .iter()
            .filter(|v| v.power.is_running())
            .all(|v| !v.ip.is_empty()),
        "IPs from the NIC query"
    );

    // Search: by name, by IP, by uuid.
    let probe = &everything.items[3];
    let by_name = b
        .vms(
            &Named::default(),
            &VmQuery {
                page: None,
                search: probe.name.clone(),
            },
        )
        .await?
        .value;
    assert!(by_name.items.iter().any(|v| v.id == probe.id));
    assert!(by_name.items.iter().all(|v| v.name.contains(&probe.name)));
    if !probe.ip.is_empty() {
        let by_ip = b
            .vms(
                &Named::default(),
                &VmQuery {
                    page: None,
                    search: probe.ip.clone(),
                },
            )
            .await?
            .value;
        assert!(by_ip.items.iter().any(|v| v.id == probe.id), "{}", probe.ip);
    }
    let by_id = b
        .vms(
            &Named::default(),
            &VmQuery {
                page: None,
                search: probe.id.to_uppercase(),
            },
        )
        .await?
        .value;
    assert_eq!(by_id.items.len(), 1);
    assert_eq!(by_id.items[0].id, probe.id);
    // Text that looks like a query operator is matched, not obeyed.
    let odd = b
        .vms(
            &Named::default(),
            &VmQuery {
                page: None,
                search: "x>=1".into(),
            },
        )
        .await?
        .value;
    assert_eq!(odd.total, 0);

    // A VM's volumes: root first.
    let d = vm_detail(&b, &probe.to_ref()).await;
    assert!(d.disks[0].is_root);
    assert!(d.disks.iter().skip(1).all(|x| !x.is_root));
    assert!(
        d.disks
            .iter()
            .all(|x| x.pool.as_ref().is_some_and(|p| p.name != p.id)),
        "storage names resolved"
    );

    // Snapshots: one heading per volume, root first; "now" under the latest snapshot of
    // the current tree, checked against the raw inventories.
    let (rich, t) = vm_with(&b, VmPower::Running, 3).await;
    let rd = vm_detail(&b, &rich.to_ref()).await;
    let labels: Vec<String> = t
        .roots
        .iter()
        .filter_map(|r| match &t.nodes[*r].kind {
            NodeKind::Group { label } => Some(label.clone()),
            _ => None,
        })
        .collect();
    assert!(labels[0].starts_with("Root volume"), "{labels:?}");
    assert_eq!(
        labels.iter().filter(|l| l.contains("volume")).count(),
        rd.disks.len(),
        "{labels:?}"
    );
    let root = &rd.disks[0].volume;
    let current_tree = raw
        .list(&format!(
            "volume-snapshots/trees?q=volumeUuid%3D{}&q=current%3Dtrue",
            root.id
        ))
        .await;
    let current_tree = current_tree[0]["uuid"].as_str().unwrap().to_string();
    let latest = raw
        .list(&format!(
            "volume-snapshots?q=volumeUuid%3D{}&q=latest%3Dtrue&q=treeUuid%3D{current_tree}",
            root.id
        ))
        .await;
    let now = current_under(&t, "Root volume").expect("now marker on the root volume");
    assert_eq!(now.id, latest[0]["uuid"].as_str().unwrap());
    let raw_count = raw
        .list(&format!("volume-snapshots?q=volumeUuid%3D{}", root.id))
        .await
        .len();
    assert_eq!(root_snapshots(&t).len(), raw_count);
    assert!(
        root_snapshots(&t)
            .iter()
            .all(|s| s.volume.as_ref().is_some_and(|v| v.id == root.id))
    );
    assert!(t.problems.is_empty(), "{:?}", t.problems);

    // Snapshot groups, where a VM has them.
    let mut seen_group = false;
    for v in all_vms(&b).await {
        let t = tree(&b, &v.to_ref()).await;
        let groups = under_heading(&t, "VM snapshot groups");
        if !groups.is_empty() {
            let raw_groups = raw
                .list(&format!(
                    "volume-snapshots/group?q=vmInstanceUuid%3D{}",
                    v.id
                ))
                .await;
            assert_eq!(groups.len(), raw_groups.len());
            assert!(
                groups
                    .iter()
                    .all(|g| g.volume.is_none() && !g.disks.is_empty())
            );
            seen_group = true;
            break;
        }
    }
    assert!(seen_group, "the simulator seeds snapshot groups");

    // Backups: every category, for a VM, a cluster and everything; totals match the raw
    // counts; the name filter filters.
    let raw_vm_backups = raw
        .list("volume-backups?q=groupUuid%20not%20null&q=type%3DRoot&limit=1000")
        .await
        .len() as u64;
    let every = |category| BackupQuery {
        scope: BackupScope::Cluster {
            cluster: Named::default(),
        },
        category,
        page: PageRequest::first(10),
        filter: BackupFilter::default(),
    };
    let vm_backups = b.backups(&every(BackupCategory::Vm)).await?.value;
    assert_eq!(vm_backups.total, raw_vm_backups);
    assert_eq!(vm_backups.items.len(), 10);
    for bk in &vm_backups.items {
        assert_eq!(bk.category, BackupCategory::Vm);
        assert!(bk.volume.is_none());
        assert!(!bk.disks.is_empty());
        assert!(
            bk.locations.iter().all(|l| l.name != l.id),
            "storage names resolved"
        );
        let raw_members = raw
            .list(&format!("volume-backups?q=groupUuid%3D{}", bk.id))
            .await;
        assert_eq!(
            bk.disks.len(),
            raw_members.len(),
            "every member of group {}",
            bk.id
        );
    }
    let created: Vec<Option<Timestamp>> = vm_backups.items.iter().map(|x| x.created).collect();
    let mut newest_first = created.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, newest_first);
    let page2 = b
        .backups(&BackupQuery {
            page: PageRequest { index: 1, size: 10 },
            ..every(BackupCategory::Vm)
        })
        .await?
        .value;
    assert!(
        page2
            .items
            .iter()
            .all(|x| !vm_backups.items.iter().any(|y| y.id == x.id))
    );

    let volume_backups = b.backups(&every(BackupCategory::Volume)).await?.value;
    let raw_volume_backups = raw
        .list("volume-backups?q=groupUuid%20is%20null&limit=1000")
        .await
        .len() as u64;
    assert_eq!(volume_backups.total, raw_volume_backups);
    assert!(
        volume_backups
            .items
            .iter()
            .all(|x| x.volume.is_some() && x.category == BackupCategory::Volume)
    );

    let dbs = b.backups(&every(BackupCategory::Database)).await?.value;
    let raw_dbs = raw.list("database-backups").await;
    assert_eq!(dbs.total, raw_dbs.len() as u64);
    assert!(
        dbs.items
            .iter()
            .all(|x| x.category == BackupCategory::Database && x.vm.id.is_empty())
    );
    // The size ZStack sends is the size the list shows.
    for x in &dbs.items {
        let sent = raw_dbs.iter().find(|r| r["uuid"] == x.id.as_str()).unwrap();
        assert_eq!(x.total_size(), sent["size"].as_u64(), "{}", x.name);
        assert!(x.total_size().is_some(), "{}", x.name);
    }

    // A cluster's backups belong to its VMs.
    let cluster_q = BackupQuery {
        scope: BackupScope::Cluster {
            cluster: cluster.clone(),
        },
        ..every(BackupCategory::Vm)
    };
    let in_cluster = b.backups(&cluster_q).await?.value;
    assert!(in_cluster.total < vm_backups.total);
    assert!(in_cluster.items.iter().all(|x| x.cluster.id == c.id));
    // One VM's backups.
    let owner = &vm_backups.items[0].vm;
    let owner_vm = all_vms(&b).await.into_iter().find(|v| v.id == owner.id);
    if let Some(owner_vm) = owner_vm {
        let mine = backups_of(&b, &owner_vm, BackupCategory::Vm).await;
        assert!(mine.iter().any(|x| x.id == vm_backups.items[0].id));
        assert!(mine.iter().all(|x| x.vm.id == owner_vm.id));
    }
    // Name filter.
    let name = vm_backups.items[0].name.clone();
    let filtered = b
        .backups(&BackupQuery {
            filter: BackupFilter {
                name: name.clone(),
                ..Default::default()
            },
            ..every(BackupCategory::Vm)
        })
        .await?
        .value;
    assert!(filtered.items.iter().all(|x| x.name.contains(&name)));
    assert!(
        filtered
            .items
            .iter()
            .any(|x| x.id == vm_backups.items[0].id)
    );

    // Backup storages, for the forms.
    let points = b.backup_points(&cluster).await?;
    assert_eq!(points.len(), raw.list("backup-storage").await.len());
    assert!(points.iter().any(|p| p.kind == "ImageStoreBackupStorage"));

    // Long jobs in Tasks.
    let tasks = b.platform_tasks(&cluster).await?;
    let raw_jobs = raw.list("longjobs").await;
    assert_eq!(tasks.len(), raw_jobs.len().min(50));
    assert!(
        tasks
            .iter()
            .any(|t| matches!(t.state, TaskState::Failed { .. }))
    );
    assert!(
        tasks
            .iter()
            .all(|t| !t.id.is_empty() && !t.title.is_empty())
    );

    // What ZStack has not: said so.
    assert!(matches!(
        b.restore_choices(&BackupRef::default()).await,
        Err(BackendError::Refused(_))
    ));
    assert!(matches!(
        b.remote_backups(&cluster, &Named::default(), PageRequest::first(10))
            .await,
        Err(BackendError::Refused(_))
    ));
    b.logout().await;
    Ok(())
}

/// `x` on a long job: a running one (a snapshot delete someone else started) and a
/// suspended one are canceled through `cancelLongJob`, followed to their end, and read
/// back `Canceled`; the stopped delete leaves its snapshot in place. A job that has ended
/// is not offered, and the server refuses it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canceled_long_job_ends_canceled_and_its_work_never_lands() -> TestResult {
    // Real time: the delete must still be running when the cancel arrives.
    let server = sim_at(1.0).await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let (vm, t) = vm_with(&b, VmPower::Running, 1).await;
    let victim = root_snapshots(&t).pop().expect("a root snapshot");
    let (status, _) = raw
        .post(
            "longjobs",
            serde_json::json!({"params": {
                "jobName": "APIDeleteVolumeSnapshotMsg",
                "jobData": serde_json::json!({"uuid": victim.id}).to_string(),
                "name": "cleanup-by-someone-else",
            }}),
        )
        .await;
    assert_eq!(status, 202);

    let tasks = b.platform_tasks(&Named::default()).await?;
    let running = tasks
        .iter()
        .find(|t| t.title == "cleanup-by-someone-else")
        .expect("the job is listed");
    assert!(
        matches!(running.state, TaskState::Running { .. }),
        "{running:?}"
    );
    let job = running
        .cancel
        .clone()
        .expect("a running long job can be canceled");
    let op = Operation::CancelTask {
        task: Named {
            id: job.clone(),
            name: running.title.clone(),
        },
        target: running.target.clone(),
    };
    let calls = b.plan(&op)?;
    assert_eq!(calls[0].method, reqwest::Method::PUT);
    assert_eq!(calls[0].path, format!("{V1}/longjobs/{job}/actions"));
    assert_eq!(
        calls[0].body,
        Some(serde_json::json!({"cancelLongJob": {}}))
    );
    assert_eq!(run(&b, op).await, TaskState::Succeeded);

    let state_of = |tasks: &[PlatformTask], title: &str| {
        tasks
            .iter()
            .find(|t| t.title == title)
            .map(|t| (t.state.clone(), t.cancel.clone()))
    };
    let after = b.platform_tasks(&Named::default()).await?;
    assert_eq!(
        state_of(&after, "cleanup-by-someone-else"),
        Some((TaskState::Canceled, None)),
        "ended Canceled, and no longer offered"
    );
    // Past the delete's own time: the snapshot is still there, and usable again.
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    let snap = raw
        .list(&format!("volume-snapshots?q=uuid%3D{}", victim.id))
        .await;
    assert_eq!(snap.len(), 1, "the canceled delete never ran");
    assert_eq!(snap[0]["status"], "Ready");
    assert!(
        root_snapshots(&tree(&b, &vm.to_ref()).await)
            .iter()
            .any(|s| s.id == victim.id)
    );

    // The suspended migration (nothing running) is canceled too.
    let suspended = after
        .iter()
        .find(|t| matches!(t.state, TaskState::Paused { .. }))
        .expect("a suspended long job");
    let op = Operation::CancelTask {
        task: Named {
            id: suspended
                .cancel
                .clone()
                .expect("a suspended job can be canceled"),
            name: suspended.title.clone(),
        },
        target: suspended.target.clone(),
    };
    assert_eq!(run(&b, op).await, TaskState::Succeeded);
    let again = b.platform_tasks(&Named::default()).await?;
    assert_eq!(
        state_of(&again, &suspended.title).map(|s| s.0),
        Some(TaskState::Canceled)
    );

    // An ended job is not offered; sent anyway, the server refuses it.
    let ended = again
        .iter()
        .find(|t| t.state == TaskState::Succeeded)
        .expect("a succeeded long job");
    assert_eq!(ended.cancel, None);
    let uuid = ended
        .details
        .iter()
        .find(|d| d.label == "Long job")
        .map(|d| d.value.clone())
        .expect("the long job's uuid in its details");
    let op = Operation::CancelTask {
        task: Named {
            id: uuid,
            name: ended.title.clone(),
        },
        target: String::new(),
    };
    match run(&b, op).await {
        TaskState::Failed { message } => {
            assert!(message.contains("cannot cancel long job"), "{message}")
        }
        other => panic!("a finished job cannot be canceled: {other:?}"),
    }
    Ok(())
}

/// Failed long jobs say what went wrong in words, in the form ZStack writes since 2020
/// (`detail` and its root `cause`) as in the ErrorCode older rows hold; a suspended one
/// is paused, not running.
#[tokio::test]
async fn long_jobs_read_as_words_whatever_form_their_result_has() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let tasks = b.platform_tasks(&Named::default()).await?;
    let failures: Vec<&str> = tasks
        .iter()
        .filter_map(|t| match &t.state {
            TaskState::Failed { message } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert!(failures.iter().all(|m| !m.starts_with('{')), "{failures:?}");
    assert!(
        failures
            .iter()
            .any(|m| m.starts_with("failed to migrate vm")
                && m.contains(": caused by host[uuid:")
                && m.ends_with("not enough memory to run the vm, it needs 8589934592 bytes")),
        "{failures:?}"
    );
    assert!(
        failures
            .iter()
            .any(|m| m.starts_with("SYS.1004: Unable to delete a resource: ")),
        "{failures:?}"
    );
    let paused: Vec<&PlatformTask> = tasks
        .iter()
        .filter(|t| matches!(t.state, TaskState::Paused { .. }))
        .collect();
    assert_eq!(paused.len(), 1, "{tasks:?}");
    // The clock stops where it was suspended.
    assert!(paused[0].finished.is_some() && paused[0].finished > paused[0].started);
    Ok(())
}

/// The backup forms offer every storage with its host: the read asks for no field ZStack's
/// query builder refuses (a subclass's `hostname`, the joined `attachedZoneUuids`).
#[tokio::test]
async fn backup_storages_are_read_with_their_hosts() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let points = b.backup_points(&Named::default()).await?;
    let stores = raw.list("backup-storage").await;
    assert_eq!(points.len(), stores.len());
    for s in &stores {
        let p = points
            .iter()
            .find(|p| s["uuid"] == p.id.as_str())
            .expect("every storage offered");
        let host = p.details.iter().find(|d| d.label == "Host");
        assert_eq!(
            host.map(|d| d.value.as_str()),
            s["hostname"].as_str(),
            "{}",
            p.name
        );
    }
    assert!(points.iter().any(|p| p.kind == "ImageStoreBackupStorage"));
    Ok(())
}

// ------------------------------------------------------------------ snapshots

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_operations_end_to_end() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;

    // Refused while running: nothing is sent, the volume stays where it is.
    let (running, t) = vm_with(&b, VmPower::Running, 2).await;
    let vmr = running.to_ref();
    let before = current_under(&t, "Root volume");
    let other = root_snapshots(&t)
        .into_iter()
        .find(|s| Some(&s.id) != before.as_ref().map(|b| &b.id))
        .unwrap();
    let e = rejected(
        &b,
        Operation::RollbackSnapshot {
            vm: vmr.clone(),
            snapshot: other.to_ref(),
            memory: false,
        },
    )
    .await;
    let msg = e.to_string();
    assert!(
        msg.contains("stopped") && msg.contains("Running") && msg.contains(&running.name),
        "{msg}"
    );
    assert_eq!(current_under(&tree(&b, &vmr).await, "Root volume"), before);

    // Stop it (graceful), which the UI offers as a separate step.
    ok(
        &b,
        Operation::StopVm {
            vm: vmr.clone(),
            force: false,
        },
    )
    .await;
    assert_eq!(power(&b, &vmr).await, VmPower::Stopped);

    // A volume snapshot hangs under `latest` and becomes where the volume is.
    let root = root_volume(&b, &vmr).await;
    ok(&b, snapshot_op(&vmr, "zs-e2e-1", Some(root.clone()))).await;
    let t = tree(&b, &vmr).await;
    let new = root_snapshots(&t)
        .into_iter()
        .find(|s| s.name == "zs-e2e-1")
        .expect("the new snapshot");
    assert_eq!(new.volume.as_ref().map(|v| &v.id), Some(&root.id));
    assert_eq!(new.description, "made by the zs-e2e-1 test");
    assert_eq!(
        current_under(&t, "Root volume").map(|s| s.id),
        Some(new.id.clone())
    );
    if let Some(prev) = &before {
        let n = t.find(&new.id).unwrap();
        assert_eq!(
            t.nodes[n].parent,
            t.find(&prev.id),
            "under the previous latest"
        );
    }

    // Edit its description.
    ok(
        &b,
        Operation::EditSnapshot {
            vm: vmr.clone(),
            snapshot: new.to_ref(),
            description: "renamed".into(),
        },
    )
    .await;
    let t = tree(&b, &vmr).await;
    assert_eq!(
        t.snapshot(t.find(&new.id).unwrap()).unwrap().description,
        "renamed"
    );

    // Revert the stopped VM's root volume to an older snapshot.
    ok(
        &b,
        Operation::RollbackSnapshot {
            vm: vmr.clone(),
            snapshot: other.to_ref(),
            memory: false,
        },
    )
    .await;
    let t = tree(&b, &vmr).await;
    assert_eq!(
        current_under(&t, "Root volume").map(|s| s.id),
        Some(other.id.clone())
    );

    // Delete a snapshot with descendants: they all go.
    let t = tree(&b, &vmr).await;
    let root_ids: Vec<String> = root_snapshots(&t).into_iter().map(|s| s.id).collect();
    let (victim, descendants) = root_ids
        .iter()
        .filter_map(|id| t.find(id).map(|n| (id.clone(), t.descendant_snapshots(n))))
        .max_by_key(|(_, d)| *d)
        .unwrap();
    assert!(descendants >= 1, "a snapshot with descendants");
    let gone: Vec<String> = {
        let n = t.find(&victim).unwrap();
        let mut stack = vec![n];
        let mut out = Vec::new();
        while let Some(x) = stack.pop() {
            if let Some(s) = t.snapshot(x) {
                out.push(s.id.clone());
            }
            stack.extend(t.nodes[x].children.iter().copied());
        }
        out
    };
    let victim_ref = t.snapshot(t.find(&victim).unwrap()).unwrap().to_ref();
    ok(
        &b,
        Operation::DeleteSnapshot {
            vm: vmr.clone(),
            snapshot: victim_ref,
            descendants,
        },
    )
    .await;
    let t = tree(&b, &vmr).await;
    let left: Vec<String> = root_snapshots(&t).into_iter().map(|s| s.id).collect();
    assert_eq!(left.len(), root_ids.len() - 1 - descendants);
    assert!(gone.iter().all(|g| !left.contains(g)));

    // A VM snapshot group: one snapshot of each volume, shown under its own heading.
    ok(&b, snapshot_op(&vmr, "zs-e2e-group", None)).await;
    let t = tree(&b, &vmr).await;
    let group = under_heading(&t, "VM snapshot groups")
        .into_iter()
        .find(|g| g.name == "zs-e2e-group")
        .expect("the new group");
    assert_eq!(group.volume, None);
    assert_eq!(group.disks.len(), vm_detail(&b, &vmr).await.disks.len());
    // Take another volume snapshot, then revert the whole VM to the group.
    ok(
        &b,
        snapshot_op(&vmr, "zs-e2e-after-group", Some(root.clone())),
    )
    .await;
    ok(
        &b,
        Operation::RollbackSnapshot {
            vm: vmr.clone(),
            snapshot: group.to_ref(),
            memory: false,
        },
    )
    .await;
    let t = tree(&b, &vmr).await;
    let root_now = current_under(&t, "Root volume").unwrap();
    assert!(
        group.disks.iter().any(|d| d.snapshot_id == root_now.id),
        "the root volume is on the group's snapshot"
    );
    ok(
        &b,
        Operation::EditSnapshot {
            vm: vmr.clone(),
            snapshot: group.to_ref(),
            description: "kept".into(),
        },
    )
    .await;
    ok(
        &b,
        Operation::DeleteSnapshot {
            vm: vmr.clone(),
            snapshot: group.to_ref(),
            descendants: 0,
        },
    )
    .await;
    let t = tree(&b, &vmr).await;
    assert!(
        !under_heading(&t, "VM snapshot groups")
            .iter()
            .any(|g| g.id == group.id)
    );

    // Start it again; force off; start.
    ok(&b, Operation::StartVm { vm: vmr.clone() }).await;
    assert_eq!(power(&b, &vmr).await, VmPower::Running);
    ok(
        &b,
        Operation::StopVm {
            vm: vmr.clone(),
            force: true,
        },
    )
    .await;
    assert_eq!(power(&b, &vmr).await, VmPower::Stopped);

    // Client-side refusals never reach the server.
    let e = rejected(
        &b,
        Operation::CreateSnapshot {
            vm: vmr.clone(),
            name: "m".into(),
            description: String::new(),
            memory: true,
            consistent: false,
            volume: Some(root.clone()),
        },
    )
    .await;
    assert!(matches!(e, BackendError::Refused(_)));
    // A platform refusal carries ZStack's code: a snapshot of a volume that is not there.
    let state = run(
        &b,
        snapshot_op(
            &vmr,
            "nowhere",
            Some(Named::new("0123456789abcdef0123456789abcdef", "ghost")),
        ),
    )
    .await;
    match state {
        TaskState::Failed { message } => assert!(
            message.contains("SYS.1003") || message.contains("not found"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    Ok(())
}

// ------------------------------------------------------------------ backups

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_and_vm_backups_end_to_end() -> TestResult {
    let server = sim_at(400.0).await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let (local, far) = points(&b, &raw).await;
    let (vm, _) = vm_with(&b, VmPower::Running, 0).await;
    let vmr = vm.to_ref();
    let detail = vm_detail(&b, &vmr).await;
    let data = detail
        .disks
        .iter()
        .find(|d| !d.is_root)
        .map(|d| d.volume.clone());
    let root = detail.disks[0].volume.clone();
    let volume = data.unwrap_or(root.clone());

    // Volume backup: create, listed, sync to the remote store, template, revert, delete.
    let before = backups_of(&b, &vm, BackupCategory::Volume).await.len();
    ok(
        &b,
        Operation::CreateBackup {
            vm: vmr.clone(),
            point: named(&local),
            name: "zs-e2e-volume".into(),
            description: "volume backup test".into(),
            full: true,
            volume: Some(volume.clone()),
        },
    )
    .await;
    let list = backups_of(&b, &vm, BackupCategory::Volume).await;
    assert_eq!(list.len(), before + 1);
    let vb = list
        .iter()
        .find(|x| x.name == "zs-e2e-volume")
        .expect("the volume backup")
        .clone();
    assert_eq!(vb.volume.as_ref().map(|v| &v.id), Some(&volume.id));
    assert_eq!(vb.locations, vec![named(&local)]);
    assert_eq!(vb.status, BackupStatus::Done);
    assert_eq!(vb.kind, Some(BackupKind::Full));

    ok(
        &b,
        Operation::SyncBackup {
            backup: vb.to_ref(),
            to: named(&far),
        },
    )
    .await;
    let vb = backups_of(&b, &vm, BackupCategory::Volume)
        .await
        .into_iter()
        .find(|x| x.id == vb.id)
        .unwrap();
    assert!(vb.locations.contains(&named(&far)), "{:?}", vb.locations);
    let e = rejected(
        &b,
        Operation::SyncBackup {
            backup: vb.to_ref(),
            to: named(&far),
        },
    )
    .await;
    assert!(e.to_string().contains("already"), "{e}");

    let images_before = raw.list("images?limit=1000").await.len();
    ok(
        &b,
        Operation::CreateTemplateFromBackup {
            backup: vb.to_ref(),
            name: "zs-e2e-template".into(),
            root: volume.id == root.id,
            storage: named(&local),
        },
    )
    .await;
    let images = raw.list("images?limit=1000").await;
    assert_eq!(images.len(), images_before + 1);
    assert!(images.iter().any(|i| i["name"] == "zs-e2e-template"));

    // Revert the volume from it: refused while the VM runs, done once it is stopped.
    let e = rejected(
        &b,
        Operation::RestoreInPlace {
            backup: vb.to_ref(),
            power_on: false,
        },
    )
    .await;
    assert!(e.to_string().contains("stopped"), "{e}");
    ok(
        &b,
        Operation::StopVm {
            vm: vmr.clone(),
            force: false,
        },
    )
    .await;
    ok(
        &b,
        Operation::RestoreInPlace {
            backup: vb.to_ref(),
            power_on: false,
        },
    )
    .await;
    assert_eq!(power(&b, &vmr).await, VmPower::Stopped);
    ok(&b, Operation::StartVm { vm: vmr.clone() }).await;

    // Recover a copy only the remote store holds back onto the local one.
    assert_eq!(
        raw.delete(&format!(
            "volume-backups/{}?backupStorageUuids={}",
            vb.id, local.id
        ))
        .await,
        202
    );
    wait_until("the local copy to go", Duration::from_secs(30), || async {
        backups_of(&b, &vm, BackupCategory::Volume)
            .await
            .iter()
            .any(|x| x.id == vb.id && x.locations == vec![named(&far)])
    })
    .await;
    let vb = backups_of(&b, &vm, BackupCategory::Volume)
        .await
        .into_iter()
        .find(|x| x.id == vb.id)
        .unwrap();
    ok(
        &b,
        Operation::RecoverBackup {
            backup: vb.to_ref(),
            from: named(&far),
        },
    )
    .await;
    let vb = backups_of(&b, &vm, BackupCategory::Volume)
        .await
        .into_iter()
        .find(|x| x.id == vb.id)
        .unwrap();
    assert!(vb.locations.contains(&named(&local)), "{:?}", vb.locations);

    ok(
        &b,
        Operation::DeleteBackup {
            backup: vb.to_ref(),
        },
    )
    .await;
    assert!(
        !backups_of(&b, &vm, BackupCategory::Volume)
            .await
            .iter()
            .any(|x| x.id == vb.id)
    );

    // VM backup: by the root volume, one backup for every volume, by groupUuid.
    let before = backups_of(&b, &vm, BackupCategory::Vm).await.len();
    ok(
        &b,
        Operation::CreateBackup {
            vm: vmr.clone(),
            point: named(&local),
            name: "zs-e2e-vm".into(),
            description: String::new(),
            full: false,
            volume: None,
        },
    )
    .await;
    let list = backups_of(&b, &vm, BackupCategory::Vm).await;
    assert_eq!(list.len(), before + 1);
    let bk = list
        .iter()
        .find(|x| x.name == "zs-e2e-vm")
        .expect("the VM backup")
        .clone();
    assert_eq!(bk.disks.len(), detail.disks.len(), "one member per volume");
    let members = raw
        .list(&format!("volume-backups?q=groupUuid%3D{}", bk.id))
        .await;
    assert_eq!(members.len(), detail.disks.len());
    assert_eq!(bk.vm, Named::new(&vm.id, &vm.name));

    ok(
        &b,
        Operation::SyncBackup {
            backup: bk.to_ref(),
            to: named(&far),
        },
    )
    .await;
    let bk = backups_of(&b, &vm, BackupCategory::Vm)
        .await
        .into_iter()
        .find(|x| x.id == bk.id)
        .unwrap();
    assert!(bk.locations.contains(&named(&far)));

    let e = rejected(
        &b,
        Operation::RestoreInPlace {
            backup: bk.to_ref(),
            power_on: false,
        },
    )
    .await;
    assert!(e.to_string().contains("stopped"), "{e}");
    ok(
        &b,
        Operation::StopVm {
            vm: vmr.clone(),
            force: true,
        },
    )
    .await;
    ok(
        &b,
        Operation::RestoreInPlace {
            backup: bk.to_ref(),
            power_on: false,
        },
    )
    .await;
    // The disks are new: the root volume is on none of its snapshots.
    let t = tree(&b, &vmr).await;
    assert_eq!(current_under(&t, "Root volume"), None);

    // Recover a VM backup that only the remote store holds (the seed has some).
    let remote_only = b
        .backups(&BackupQuery {
            scope: BackupScope::Cluster {
                cluster: Named::default(),
            },
            category: BackupCategory::Vm,
            page: PageRequest::first(200),
            filter: BackupFilter::default(),
        })
        .await?
        .value
        .items
        .into_iter()
        .find(|x| x.locations == vec![named(&far)] && x.status == BackupStatus::Done)
        .expect("a VM backup only the remote store holds");
    ok(
        &b,
        Operation::RecoverBackup {
            backup: remote_only.to_ref(),
            from: named(&far),
        },
    )
    .await;
    let members = raw
        .list(&format!("volume-backups?q=groupUuid%3D{}", remote_only.id))
        .await;
    assert!(
        members
            .iter()
            .all(|m| m["backupStorageRefs"].as_array().unwrap().len() == 2),
        "every member has a local copy again"
    );

    ok(
        &b,
        Operation::DeleteBackup {
            backup: bk.to_ref(),
        },
    )
    .await;
    assert!(
        !backups_of(&b, &vm, BackupCategory::Vm)
            .await
            .iter()
            .any(|x| x.id == bk.id)
    );
    assert!(
        raw.list(&format!("volume-backups?q=groupUuid%3D{}", bk.id))
            .await
            .is_empty()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_backups_end_to_end() -> TestResult {
    let server = sim_at(400.0).await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let (local, far) = points(&b, &raw).await;

    let before = database_backups(&b).await;
    let op = Operation::CreateDatabaseBackup {
        storage: named(&local),
    };
    let shown = b.plan(&op)?;
    let name = shown[0].body.as_ref().unwrap()["params"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&b, op).await;
    let after = database_backups(&b).await;
    assert_eq!(after.len(), before.len() + 1);
    let db = after
        .iter()
        .find(|x| x.name == name)
        .expect("the name the preview showed")
        .clone();
    assert_eq!(db.locations, vec![named(&local)]);

    // Export: the download URL shows on the backup; then the export is deleted.
    ok(
        &b,
        Operation::ExportDatabaseBackup {
            backup: db.to_ref(),
            storage: named(&local),
        },
    )
    .await;
    let db2 = database_backups(&b)
        .await
        .into_iter()
        .find(|x| x.id == db.id)
        .unwrap();
    let url = db2
        .details
        .iter()
        .find(|d| d.label.starts_with("Exported from"))
        .map(|d| d.value.clone())
        .expect("the export URL as a detail");
    assert!(url.starts_with("http"), "{url}");
    ok(
        &b,
        Operation::DeleteExportedDatabaseBackup {
            backup: db.to_ref(),
            storage: named(&local),
        },
    )
    .await;
    let db3 = database_backups(&b)
        .await
        .into_iter()
        .find(|x| x.id == db.id)
        .unwrap();
    assert!(
        !db3.details
            .iter()
            .any(|d| d.label.starts_with("Exported from"))
    );

    // Sync to the remote store.
    ok(
        &b,
        Operation::SyncBackup {
            backup: db.to_ref(),
            to: named(&far),
        },
    )
    .await;
    let db4 = database_backups(&b)
        .await
        .into_iter()
        .find(|x| x.id == db.id)
        .unwrap();
    assert!(db4.locations.contains(&named(&far)));

    // Recover, with the management node's MySQL root password.
    ok(
        &b,
        Operation::RecoverDatabaseBackup {
            backup: db4.to_ref(),
            mysql_root_password: vmdeck::operation::Secret(SecretString::from("mysql-root")),
        },
    )
    .await;
    // Without one it is refused before anything is sent.
    let e = rejected(
        &b,
        Operation::RecoverDatabaseBackup {
            backup: db4.to_ref(),
            mysql_root_password: vmdeck::operation::Secret(SecretString::from("")),
        },
    )
    .await;
    assert!(e.to_string().contains("MySQL root password"), "{e}");

    // Delete: every copy.
    ok(
        &b,
        Operation::DeleteBackup {
            backup: db4.to_ref(),
        },
    )
    .await;
    assert!(!database_backups(&b).await.iter().any(|x| x.id == db.id));
    assert!(
        raw.list(&format!("database-backups?q=uuid%3D{}", db.id))
            .await
            .is_empty()
    );
    Ok(())
}

// ------------------------------------------------------------------ jobs, sessions, faults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_uuid_in_the_preview_is_the_one_sent_and_followed() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let (vm, _) = vm_with(&b, VmPower::Running, 0).await;
    let op = Operation::StopVm {
        vm: vm.to_ref(),
        force: false,
    };
    let planned = job_of(&b, &op);
    assert_eq!(job_of(&b, &op), planned, "stable until submitted");
    let watch = b.submit(&op).await.expect("accepted");
    assert_eq!(watch.platform_id(), Some(planned.clone()));
    let (status, _) = raw.get(&format!("api-jobs/{planned}")).await;
    assert!(
        matches!(status, 200 | 202),
        "the server knows our job: {status}"
    );
    assert_eq!(follow(watch, "stop").await, TaskState::Succeeded);
    // The next plan of the same operation is a new job.
    assert_ne!(job_of(&b, &op), planned);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_expires_mid_paging_is_renewed_for_reads_but_never_repeats_a_mutation()
-> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let all = b.vms(&Named::default(), &VmQuery::default()).await?.value;
    let size = 9;
    let mut ids = Vec::new();
    for index in 0.. {
        if index == 2 || index == 5 {
            // Every session dies between two pages.
            server.faults().expire_sessions();
        }
        let page = b
            .vms(
                &Named::default(),
                &VmQuery {
                    page: Some(PageRequest { index, size }),
                    search: String::new(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("page {index} after the session expired: {e}"));
        assert_eq!(page.value.total, all.total);
        let last = page.value.is_last();
        ids.extend(page.value.items.into_iter().map(|v| v.id));
        if last {
            break;
        }
    }
    assert_eq!(
        ids,
        all.items.iter().map(|v| v.id.clone()).collect::<Vec<_>>()
    );

    // A mutation sent with an expired session is refused by its job: nothing happened, and
    // it is not sent again.
    let (vm, _) = vm_with(&b, VmPower::Running, 0).await;
    server.faults().expire_sessions();
    let state = run(
        &b,
        Operation::StopVm {
            vm: vm.to_ref(),
            force: true,
        },
    )
    .await;
    match state {
        TaskState::Failed { message } => {
            assert!(message.contains("ID.1001"), "{message}");
            assert!(message.contains("did nothing"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        power(&b, &vm.to_ref()).await,
        VmPower::Running,
        "nothing happened"
    );
    // And the backend works on with its new session.
    ok(
        &b,
        Operation::StopVm {
            vm: vm.to_ref(),
            force: true,
        },
    )
    .await;
    assert_eq!(power(&b, &vm.to_ref()).await, VmPower::Stopped);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_found_again_through_our_job_uuid_never_resent() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let (vm, _) = vm_with(&b, VmPower::Running, 0).await;
    let vmr = vm.to_ref();
    let root = root_volume(&b, &vmr).await;
    let count = || async {
        raw.list(&format!(
            "volume-snapshots?q=volumeUuid%3D{}&limit=1000",
            root.id
        ))
        .await
        .iter()
        .filter(|s| s["name"] == "zs-lost")
        .count()
    };
    assert_eq!(count().await, 0);
    let op = snapshot_op(&vmr, "zs-lost", Some(root.clone()));
    let planned = job_of(&b, &op);
    server.faults().inject(
        &format!("{V1}/volumes/{}/volume-snapshots", root.id),
        Fault::LoseAnswer,
        Some(1),
    );
    let verify = match b.submit(&op).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(error.answer_lost(), "{error}");
            verify
        }
        Err(other) => panic!("expected a lost answer, got {other:?}"),
        Ok(_) => panic!("expected a lost answer, got an accepted call"),
    };
    assert_eq!(
        verify.platform_id(),
        Some(planned),
        "followed by the uuid we chose"
    );
    assert_eq!(follow(verify, "lost snapshot").await, TaskState::Succeeded);
    assert_eq!(count().await, 1, "made once, never sent again");

    // A VM backup's lost answer, the same way.
    let (local, _) = points(&b, &raw).await;
    let groups = || async {
        raw.list(&format!(
            "volume-backups?q=vmInstanceUuid%3D{}&q=type%3DRoot&limit=1000",
            vm.id
        ))
        .await
        .iter()
        .filter(|x| x["name"].as_str().is_some_and(|n| n.contains("zs-lost-vm")))
        .count()
    };
    server.faults().inject(
        &format!("{V1}/volumes/{}/vm-backups", root.id),
        Fault::LoseAnswer,
        Some(1),
    );
    let op = Operation::CreateBackup {
        vm: vmr.clone(),
        point: named(&local),
        name: "zs-lost-vm".into(),
        description: String::new(),
        full: true,
        volume: None,
    };
    match b.submit(&op).await {
        Err(SubmitError::AnswerLost { verify, .. }) => {
            assert_eq!(follow(verify, "lost VM backup").await, TaskState::Succeeded)
        }
        Err(other) => panic!("expected a lost answer, got {other:?}"),
        Ok(_) => panic!("expected a lost answer, got an accepted call"),
    }
    assert_eq!(groups().await, 1);

    // A request that never arrived: no job, no effect → Unknown, said so.
    server.faults().inject(
        &format!("{V1}/volumes/{}/volume-snapshots", root.id),
        Fault::Status {
            status: 502,
            body: "<html><h1>502 Bad Gateway</h1></html>".into(),
            content_type: None,
        },
        Some(1),
    );
    let op = snapshot_op(&vmr, "zs-never", Some(root.clone()));
    match b.submit(&op).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(error.to_string().contains("502"), "{error}");
            match follow(verify, "never arrived").await {
                TaskState::Unknown { reason } => {
                    assert!(reason.contains("knows no job"), "{reason}");
                    assert!(reason.contains("zs-never"), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        }
        Err(other) => panic!("expected a lost answer, got {other:?}"),
        Ok(_) => panic!("expected a lost answer, got an accepted call"),
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_job_is_decided_by_re_reading_the_resource() -> TestResult {
    // A slow clock, so the job is still running when it "expires".
    let server = sim_at(2.0).await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    // A running VM with root snapshots and a finished VM backup: each half needs one.
    let mut found = None;
    for v in all_vms(&b).await {
        if v.power != VmPower::Running || v.action.is_some() {
            continue;
        }
        let t = tree(&b, &v.to_ref()).await;
        if root_snapshots(&t).len() >= 2
            && backups_of(&b, &v, BackupCategory::Vm)
                .await
                .iter()
                .any(|x| x.status == BackupStatus::Done && !x.locations.is_empty())
        {
            found = Some((v, t));
            break;
        }
    }
    let (vm, t) = found.expect("a running VM with snapshots and a VM backup");
    let vmr = vm.to_ref();
    let leaf = root_snapshots(&t)
        .into_iter()
        .find(|s| {
            t.find(&s.id)
                .is_some_and(|n| t.descendant_snapshots(n) == 0)
        })
        .unwrap();
    let op = Operation::DeleteSnapshot {
        vm: vmr.clone(),
        snapshot: leaf.to_ref(),
        descendants: 0,
    };
    let job = job_of(&b, &op);
    let mut watch = b.submit(&op).await.expect("accepted");
    assert_eq!(watch.poll().await?, TaskState::Running { progress: None });
    server.faults().inject(
        &format!("{V1}/api-jobs/{job}"),
        Fault::Status {
            status: 404,
            body: "the job has been expired".into(),
            content_type: None,
        },
        None,
    );
    // The job is gone; the snapshot, read again, tells: it is deleted once the work ends.
    assert_eq!(follow(watch, "expired delete").await, TaskState::Succeeded);
    assert!(
        raw.list(&format!("volume-snapshots?q=uuid%3D{}", leaf.id))
            .await
            .is_empty()
    );
    server.faults().clear();

    // An operation whose effect cannot be read back ends Unknown, with the reason.
    let bk = backups_of(&b, &vm, BackupCategory::Vm)
        .await
        .into_iter()
        .find(|x| x.status == BackupStatus::Done && !x.locations.is_empty())
        .expect("a VM backup of the VM");
    ok(
        &b,
        Operation::StopVm {
            vm: vmr.clone(),
            force: true,
        },
    )
    .await;
    let op = Operation::RestoreInPlace {
        backup: bk.to_ref(),
        power_on: false,
    };
    let job = job_of(&b, &op);
    let mut watch = b.submit(&op).await.expect("accepted");
    assert_eq!(watch.poll().await?, TaskState::Running { progress: None });
    server.faults().inject(
        &format!("{V1}/api-jobs/{job}"),
        Fault::Status {
            status: 404,
            body: "the job has been expired".into(),
            content_type: None,
        },
        None,
    );
    match follow(watch, "expired revert").await {
        TaskState::Unknown { reason } => {
            assert!(
                reason.contains("expired before vmdeck saw its end"),
                "{reason}"
            );
            assert!(reason.contains("read back"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_answers_give_readable_errors_and_the_backend_keeps_working() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let path = format!("{V1}/clusters");
    let faults = server.faults();

    // RestServer's plain text.
    faults.inject(
        &path,
        Fault::Status {
            status: 400,
            body: "Invalid query[q=bad]: no operator".into(),
            content_type: None,
        },
        Some(1),
    );
    match b.clusters().await {
        Err(BackendError::Http {
            status: 400,
            excerpt,
            ..
        }) => assert!(excerpt.contains("no operator"), "{excerpt}"),
        other => panic!("{other:?}"),
    }
    // An API error: code, description and details.
    faults.inject(
        &path,
        Fault::Status {
            status: 503,
            body: r#"{"error":{"code":"SYS.1000","description":"An internal error happened in system","details":"database is locked"}}"#.into(),
            content_type: None,
        },
        Some(1),
    );
    match b.clusters().await {
        Err(BackendError::Platform {
            platform: Platform::ZStack,
            code,
            message,
        }) => {
            assert_eq!(code, "SYS.1000");
            assert_eq!(
                message,
                "An internal error happened in system: database is locked"
            );
        }
        other => panic!("{other:?}"),
    }
    // A proxy's HTML 500, garbage, cut-off JSON, wrong shapes.
    faults.inject(
        &path,
        Fault::Status {
            status: 500,
            body: "<html><body><h1>Internal Server Error</h1></body></html>".into(),
            content_type: None,
        },
        Some(1),
    );
    match b.clusters().await {
        Err(BackendError::Http {
            status: 500,
            excerpt,
            ..
        }) => assert!(excerpt.contains("Internal Server Error"), "{excerpt}"),
        other => panic!("{other:?}"),
    }
    faults.inject(
        &path,
        Fault::ReplaceBody {
            body: "not json at all".into(),
        },
        Some(1),
    );
    assert!(matches!(
        b.clusters().await,
        Err(BackendError::Decode { .. })
    ));
    faults.inject(&path, Fault::Truncate, Some(1));
    match b.clusters().await {
        Err(BackendError::Decode { reason, .. }) => assert!(reason.contains("cut off"), "{reason}"),
        other => panic!("{other:?}"),
    }
    faults.inject(
        &path,
        Fault::ReplaceBody {
            body: r#"{"inventories": {"uuid": 5}}"#.into(),
        },
        Some(1),
    );
    assert!(matches!(
        b.clusters().await,
        Err(BackendError::Decode { .. })
    ));
    // Wrong types inside a record are absorbed.
    faults.inject(
        &path,
        Fault::ReplaceBody { body: r#"{"inventories":[{"uuid":"c1","name":7,"state":["x"],"createDate":false,"extra":{"a":null}}],"total":"1"}"#.into() },
        Some(1),
    );
    let odd = b.clusters().await?.value;
    assert_eq!(odd[0].name, "7");
    // Still working.
    assert!(b.clusters().await?.value.len() >= 2);

    // A mutation the server refuses with an API error: nothing happened, its code shown.
    let (vm, _) = vm_with(&b, VmPower::Running, 0).await;
    faults.inject(
        &format!("{V1}/vm-instances/{}/actions", vm.id),
        Fault::Status {
            status: 503,
            body: r#"{"error":{"code":"ID.1002","description":"Permission denied","details":"no permission to stop the VM"}}"#.into(),
            content_type: None,
        },
        Some(1),
    );
    let e = rejected(
        &b,
        Operation::StopVm {
            vm: vm.to_ref(),
            force: false,
        },
    )
    .await;
    assert!(
        e.to_string().contains("ID.1002") && e.to_string().contains("no permission"),
        "{e}"
    );
    // RestServer's 400 for a mutation: refused, nothing to follow.
    faults.inject(
        &format!("{V1}/vm-instances/{}/actions", vm.id),
        Fault::Status {
            status: 400,
            body: "the body doesn't contain action mapping to the URL".into(),
            content_type: None,
        },
        Some(1),
    );
    let e = rejected(
        &b,
        Operation::StopVm {
            vm: vm.to_ref(),
            force: false,
        },
    )
    .await;
    assert!(matches!(e, BackendError::Http { status: 400, .. }), "{e}");
    assert_eq!(power(&b, &vm.to_ref()).await, VmPower::Running);

    // A job poll that answers garbage is a read error the tracker counts; the job is
    // still followed to its end.
    let op = Operation::StopVm {
        vm: vm.to_ref(),
        force: false,
    };
    let job = job_of(&b, &op);
    let watch = b.submit(&op).await.expect("accepted");
    faults.inject(
        &format!("{V1}/api-jobs/{job}"),
        Fault::Status {
            status: 500,
            body: "java.lang.NullPointerException".into(),
            content_type: None,
        },
        Some(2),
    );
    assert_eq!(
        follow(watch, "stop through a flaky poll").await,
        TaskState::Succeeded
    );
    assert_eq!(power(&b, &vm.to_ref()).await, VmPower::Stopped);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamps_are_read_in_the_management_nodes_zone() -> TestResult {
    let server = sim().await;
    let in_zone = |zone: &str| {
        let mut p = profile(&server.base_url());
        p.timezone = Some(zone.to_string());
        p
    };
    let mn = ZStack::connect(
        &in_zone(vmdeck::sim::zstack::MN_TIME_ZONE),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await?
    .with_watch_timing(quick());
    let utc = ZStack::connect(&in_zone("UTC"), SecretString::from(DEFAULT_PASSWORD)).await?;
    let (vm, _) = vm_with(&mn, VmPower::Running, 0).await;
    let vmr = vm.to_ref();
    let root = root_volume(&mn, &vmr).await;
    ok(&mn, snapshot_op(&vmr, "zs-clock", Some(root))).await;
    let sim_now = server.clock().unix();
    let created = |t: &SnapshotTree| {
        root_snapshots(t)
            .into_iter()
            .find(|s| s.name == "zs-clock")
            .and_then(|s| s.created)
            .expect("a creation time")
            .as_second()
    };
    let right = created(&tree(&mn, &vmr).await);
    assert!(
        (right - sim_now).abs() < 120,
        "read in the MN's zone: {right} vs {sim_now}"
    );
    // The same wall-clock text read as UTC is eight hours later.
    let wrong = created(&tree(&utc, &vmr).await);
    assert_eq!(wrong - right, 8 * 3600);

    // Time filters go to the server in the MN's wall-clock time.
    let newest = mn
        .backups(&BackupQuery {
            scope: BackupScope::Cluster {
                cluster: Named::default(),
            },
            category: BackupCategory::Vm,
            page: PageRequest::first(1),
            filter: BackupFilter::default(),
        })
        .await?
        .value
        .items
        .remove(0);
    let at = newest.created.expect("a creation time");
    let since = |t: Timestamp| BackupQuery {
        scope: BackupScope::Cluster {
            cluster: Named::default(),
        },
        category: BackupCategory::Vm,
        page: PageRequest::first(50),
        filter: BackupFilter {
            since: Some(t),
            ..Default::default()
        },
    };
    let from_it = mn.backups(&since(at)).await?.value;
    assert!(from_it.items.iter().any(|b| b.id == newest.id));
    let after_it = mn
        .backups(&since(at + jiff::SignedDuration::from_secs(1)))
        .await?
        .value;
    assert!(!after_it.items.iter().any(|b| b.id == newest.id));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    b.clusters().await?;
    b.logout().await;
    // The session is gone: the next read has to log in again, and when that login is
    // refused the read says so.
    server.faults().inject(
        &format!("{V1}/accounts/login"),
        Fault::Status {
            status: 503,
            body: r#"{"error":{"code":"ID.1000","description":"Unable to authenticate a user","details":"account locked"}}"#.into(),
            content_type: None,
        },
        None,
    );
    match b.clusters().await {
        Err(BackendError::Auth(msg)) => {
            assert!(
                msg.contains("expired") && msg.contains("account locked"),
                "{msg}"
            )
        }
        other => panic!("{:?}", other.map(|l| l.value.len())),
    }
    // Once the login works again, so does the backend.
    server.faults().clear();
    assert!(!b.clusters().await?.value.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_backups_without_a_type_are_grouped_on_our_side() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let q = |index| BackupQuery {
        scope: BackupScope::Cluster {
            cluster: Named::default(),
        },
        category: BackupCategory::Vm,
        page: PageRequest { index, size: 10 },
        filter: BackupFilter::default(),
    };
    let by_server: Vec<Page<Backup>> =
        vec![b.backups(&q(0)).await?.value, b.backups(&q(3)).await?.value];
    // A server whose volume backups carry no `type`: the one-row-per-group query finds
    // nothing, so the rows are grouped here — same backups, same order, same total.
    for (i, index) in [0u32, 3].into_iter().enumerate() {
        server.faults().inject(
            &format!("{V1}/volume-backups"),
            Fault::ReplaceBody {
                body: r#"{"inventories":[],"total":0,"schema":{}}"#.into(),
            },
            Some(1),
        );
        let ours = b.backups(&q(index)).await?.value;
        assert_eq!(ours.total, by_server[i].total);
        let ids = |p: &Page<Backup>| p.items.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&ours), ids(&by_server[i]), "page {index}");
        assert_eq!(
            ours.items.iter().map(|x| x.disks.len()).collect::<Vec<_>>(),
            by_server[i]
                .items
                .iter()
                .map(|x| x.disks.len())
                .collect::<Vec<_>>()
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_view_survives_an_unreadable_tree_list() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let (vm, good) = vm_with(&b, VmPower::Running, 3).await;
    server.faults().inject(
        &format!("{V1}/volume-snapshots/trees"),
        Fault::Truncate,
        Some(1),
    );
    let t = tree(&b, &vm.to_ref()).await;
    // The snapshots and their parents come from the flat list; where the volume is comes
    // from the latest marks.
    assert_eq!(t.snapshot_count(), good.snapshot_count());
    assert_eq!(
        current_under(&t, "Root volume"),
        current_under(&good, "Root volume")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_still_running_at_the_watch_deadline_is_unknown_not_followed_forever() -> TestResult {
    // A slow clock keeps the job running; a deadline of zero ends the watch at its first
    // look, as 12 hours would on a job that never ends.
    let server = sim_at(0.05).await;
    let b = connect(&server).await.with_watch_timing(WatchTiming {
        deadline: Duration::ZERO,
        ..quick()
    });
    let (vm, _) = vm_with(&b, VmPower::Running, 0).await;
    let watch = b
        .submit(&snapshot_op(&vm.to_ref(), "deadline", None))
        .await
        .map_err(|e| format!("{e:?}"))?;
    match follow(watch, "snapshot").await {
        TaskState::Unknown { reason } => {
            assert!(reason.contains("still running at the deadline"), "{reason}")
        }
        other => panic!("expected Unknown at the deadline, got {other:?}"),
    }
    Ok(())
}

// ---- console (RequestConsoleAccess, GetVmConsoleAddress) --------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_of_a_running_vm_is_the_proxys_websocket_with_its_token() -> TestResult {
    let log = backend_common::LogCapture::start();
    let server = sim().await;
    let b = connect(&server).await;
    assert!(b.capabilities().console);
    let vm = all_vms(&b)
        .await
        .into_iter()
        .find(|v| v.power == VmPower::Running)
        .expect("a running VM");
    let access = b.console(&vm.to_ref()).await?;
    assert_eq!(access.protocol, ConsoleProtocol::VncWebsocket);
    assert_eq!(access.port, 4900, "ZStack's console proxy port");
    let prefix = format!("ws://{}:4900/websockify?token=", access.host);
    let token = access
        .url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{} does not start with {prefix}", access.url));
    assert!(token.len() >= 16, "{}", access.url);
    assert!(
        access.notes.iter().any(|n| n.contains("own vnc server")),
        "GetVmConsoleAddress's answer is not in the notes: {:?}",
        access.notes
    );
    assert!(
        !log.text().contains(token),
        "the console token reached the log"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_of_a_stopped_vm_is_zstacks_state_error() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = all_vms(&b)
        .await
        .into_iter()
        .find(|v| v.power == VmPower::Stopped)
        .expect("a stopped VM");
    let err = b
        .console(&vm.to_ref())
        .await
        .expect_err("a stopped VM has no console");
    let text = err.to_string();
    assert!(text.contains("VM.1010"), "{text}");
    assert!(text.contains("Stopped"), "{text}");
    Ok(())
}

// ------------------------------------------------------------------ incremental refresh

/// ZStack keeps no change log: `lastOpDate>=T` names what was touched since the listing
/// (a destroyed VM among them, in its recycle-bin state), and the count says the rest adds up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_refresh_sees_a_vm_stopped_and_one_destroyed() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let all = Named::default();
    let cursor = b.vm_change_cursor(&all).await?.expect("a cursor");
    let listed = all_vms(&b).await;
    let (up, gone, total, cursor) = changed(b.vm_changes(&all, &cursor).await?);
    assert!(gone.is_empty(), "{gone:?}");
    assert!(up.len() <= 2, "only the newest second comes back: {up:?}");
    assert_eq!(total, listed.len() as u64);

    let running: Vec<&Vm> = listed
        .iter()
        .filter(|v| v.power == VmPower::Running)
        .collect();
    let (off, doomed) = (running[0].clone(), running[1].clone());
    ok(
        &b,
        Operation::StopVm {
            vm: off.to_ref(),
            force: true,
        },
    )
    .await;
    let status = raw
        .delete(&format!("vm-instances/{}?deleteMode=Permissive", doomed.id))
        .await;
    assert_eq!(status, 202, "DestroyVmInstance is async");
    wait_until("the VM destroyed", Duration::from_secs(30), || async {
        raw.list(&format!("vm-instances?q=uuid={}", doomed.id))
            .await[0]["state"]
            == "Destroyed"
    })
    .await;

    let (up, gone, total, next) = changed(b.vm_changes(&all, &cursor).await?);
    assert_eq!(gone, vec![doomed.id.clone()]);
    let stopped = up.iter().find(|v| v.id == off.id).expect("the stopped VM");
    assert_eq!(stopped.power, VmPower::Stopped);
    assert!(!up.iter().any(|v| v.id == doomed.id));
    assert_eq!(total, listed.len() as u64 - 1);
    assert_eq!(total, all_vms(&b).await.len() as u64);
    // From the new cursor only the newest second can come back, never the deletion again.
    let (up, gone, _, _) = changed(b.vm_changes(&all, &next).await?);
    assert!(gone.len() <= 1 && up.len() <= 2, "{up:?} {gone:?}");
    Ok(())
}
