//! The CloudTower backend against the simulator's `/v2/api` dialect, over loopback HTTP:
//! login and tokens, every read, every operation followed through its task to the end,
//! refusals, and faults (5xx, timeouts, broken bodies, expired sessions, failed tasks,
//! lost answers) each giving a readable message with the backend still working after.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use vmdeck::backend::WatchTiming;
use vmdeck::backend::cloudtower::CloudTower;
use vmdeck::backend::http::HttpOptions;
use vmdeck::backend::{Backend, BackendError, SubmitError, TaskWatch, VmQuery};
use vmdeck::config::{Language, LoginSource, Profile};
use vmdeck::model::*;
use vmdeck::operation::Operation;
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, Fault, SimServer};

mod backend_common;

use backend_common::{changed, follow_within, sim_at};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The VM whose snapshot and rollback tasks always fail in the simulator.
const FAULTY_VM: &str = "故障演示-存储异常";
/// The plan whose repository is down: its runs fail.
const BROKEN_PLAN: &str = "灾备-异地备份";

async fn sim() -> SimServer {
    sim_at(200.0).await
}

fn profile(url: &str) -> Profile {
    Profile::new(Platform::CloudTower, url, DEFAULT_USER)
}

fn timing() -> WatchTiming {
    WatchTiming {
        interval: Duration::from_millis(20),
        settle: Duration::from_secs(3),
        verify_window: Duration::from_secs(4),
        deadline: Duration::from_secs(120),
    }
}

async fn connect(server: &SimServer) -> CloudTower {
    CloudTower::connect(
        &profile(&server.base_url()),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await
    .expect("login to the simulator")
    .with_watch_timing(timing())
}

async fn follow(watch: Box<dyn TaskWatch>, what: &str) -> TaskState {
    follow_within(watch, what, Duration::from_secs(90)).await
}

/// Submits, checks the watch names its CloudTower task, follows it to the end.
async fn run(backend: &CloudTower, op: Operation) -> TaskState {
    let what = format!("{} {}", op.title(), op.target());
    match backend.submit(&op).await {
        Ok(watch) => {
            if let Some(id) = watch.platform_id() {
                assert_eq!(id.len(), 25, "{what}: task id {id} is not a CloudTower id");
            }
            follow(watch, &what).await
        }
        Err(e) => panic!("{what}: {e:?}"),
    }
}

async fn succeeds(backend: &CloudTower, op: Operation) {
    let what = format!("{} {}", op.title(), op.target());
    let state = run(backend, op).await;
    assert_eq!(state, TaskState::Succeeded, "{what}");
}

async fn rejected(backend: &CloudTower, op: Operation) -> BackendError {
    match backend.submit(&op).await {
        Err(SubmitError::Rejected(e)) => e,
        Err(e) => panic!("{} expected a refusal, got {e:?}", op.title()),
        Ok(_) => panic!("{} {} was accepted", op.title(), op.target()),
    }
}

async fn all_vms(backend: &CloudTower) -> Vec<Vm> {
    backend
        .vms(&Named::default(), &VmQuery::default())
        .await
        .expect("vms")
        .value
        .items
}

/// Every VM that `pick` likes, on a connected cluster, idle.
async fn vms_where(backend: &CloudTower, pick: impl Fn(&Vm) -> bool) -> Vec<Vm> {
    let healthy: Vec<String> = backend
        .clusters()
        .await
        .expect("clusters")
        .value
        .into_iter()
        .filter(|c| c.state == ClusterState::Healthy)
        .map(|c| c.id)
        .collect();
    all_vms(backend)
        .await
        .into_iter()
        .filter(|v| healthy.contains(&v.cluster.id) && v.action.is_none() && pick(v))
        .collect()
}

async fn a_vm(backend: &CloudTower, what: &str, pick: impl Fn(&Vm) -> bool) -> Vm {
    vms_where(backend, pick)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the simulator has {what}"))
}

fn snapshots_of(tree: &SnapshotTree) -> Vec<Snapshot> {
    tree.nodes
        .iter()
        .filter_map(|n| n.snapshot().cloned())
        .collect()
}

async fn named_snapshots(backend: &CloudTower, vm: &VmRef, name: &str) -> usize {
    let tree = backend.snapshots(vm).await.expect("snapshots");
    snapshots_of(&tree)
        .iter()
        .filter(|s| s.name == name)
        .count()
}

fn create(vm: &VmRef, name: &str, consistent: bool) -> Operation {
    Operation::CreateSnapshot {
        vm: vm.clone(),
        name: name.into(),
        description: "CloudTower keeps no description; vmdeck drops it".into(),
        memory: false,
        consistent,
        volume: None,
    }
}

fn detail<'a>(details: &'a [Detail], label: &str) -> Option<&'a str> {
    details
        .iter()
        .find(|d| d.label == label)
        .map(|d| d.value.as_str())
}

fn outcome(r: &Result<Box<dyn TaskWatch>, SubmitError>) -> String {
    match r {
        Ok(_) => "accepted".into(),
        Err(e) => format!("{e:?}"),
    }
}

/// Straight HTTP to the simulator, to count what the backend must not have done twice.
struct Raw {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Raw {
    async fn login(server: &SimServer) -> Raw {
        let http = reqwest::Client::new();
        let base = format!("{}/v2/api", server.base_url());
        let v: Value = http
            .post(format!("{base}/login"))
            .json(
                &json!({"username": DEFAULT_USER, "password": DEFAULT_PASSWORD, "source": "LOCAL"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Raw {
            http,
            base,
            token: v["data"]["token"].as_str().unwrap().to_string(),
        }
    }

    async fn post(&self, op: &str, body: Value) -> Value {
        self.http
            .post(format!("{}/{op}", self.base))
            .header("Authorization", &self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn count(&self, op: &str, filter: Value) -> u64 {
        self.post(&format!("{op}-connection"), json!({ "where": filter }))
            .await["aggregate"]["count"]
            .as_u64()
            .unwrap()
    }
}

// ------------------------------------------------------------------ connect

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_reports_what_to_fix() -> TestResult {
    let server = sim().await;
    let url = server.base_url();

    let e = CloudTower::connect(&profile(&url), SecretString::from("Zq9-not-it"))
        .await
        .err()
        .expect("a wrong password is refused");
    assert!(matches!(e, BackendError::Auth(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("check username, password and login_source"),
        "{text}"
    );
    assert!(text.contains("wrong username or password"), "{text}");
    assert!(
        !text.contains("Zq9-not-it"),
        "the password must not appear: {text}"
    );

    // An LDAP user logs in only with the LDAP source.
    let mut ldap = profile(&url);
    ldap.username = "zhangwei".into();
    assert!(matches!(
        CloudTower::connect(&ldap, SecretString::from(DEFAULT_PASSWORD)).await,
        Err(BackendError::Auth(_))
    ));
    ldap.login_source = Some(LoginSource::Ldap);
    let b = CloudTower::connect(&ldap, SecretString::from(DEFAULT_PASSWORD)).await?;
    assert_eq!(b.user(), "zhangwei");

    // The url may carry the API prefix.
    let b = CloudTower::connect(
        &profile(&format!("{url}/v2/api/")),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await?;
    assert_eq!(b.endpoint(), url);
    assert_eq!(b.platform(), Platform::CloudTower);
    assert_eq!(b.capabilities().snapshot_layout, SnapshotLayout::Flat);
    assert!(!b.clusters().await?.value.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_nothing_or_to_something_else() -> TestResult {
    let free = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", free.local_addr()?);
    drop(free);
    let e = CloudTower::connect(&profile(&url), SecretString::from("x"))
        .await
        .err()
        .expect("nothing listens");
    assert!(matches!(e, BackendError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains(&url), "{e}");

    // A web server that is not a CloudTower: an HTML page at the login path, then 404.
    let server = sim().await;
    server.faults().inject(
        "/v2/api/login",
        Fault::Status {
            status: 200,
            body: "<html><body>Welcome to nginx!</body></html>".into(),
            content_type: Some("text/html".into()),
        },
        Some(1),
    );
    let e = CloudTower::connect(
        &profile(&server.base_url()),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await
    .err()
    .expect("not a CloudTower");
    let text = e.to_string();
    assert!(text.contains("does not look like a CloudTower"), "{text}");
    assert!(text.contains("Welcome to nginx"), "{text}");
    server.faults().inject(
        "/v2/api/login",
        Fault::Status {
            status: 404,
            body: "Not Found".into(),
            content_type: Some("text/plain".into()),
        },
        Some(1),
    );
    let e = CloudTower::connect(
        &profile(&server.base_url()),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await
    .err()
    .expect("no login API");
    assert!(
        e.to_string().contains("does not look like a CloudTower"),
        "{e}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_token_instead_of_a_password() -> TestResult {
    let server = sim().await;
    let raw = Raw::login(&server).await;
    let mut p = profile(&server.base_url());
    p.username = String::new();
    p.token_env = Some("VMDECK_TEST_UNUSED".into());
    assert!(p.uses_token());
    let b = CloudTower::connect(&p, SecretString::from(raw.token.clone())).await?;
    assert_eq!(b.user(), "API token");
    assert!(!b.clusters().await?.value.is_empty());

    let e = CloudTower::connect(&p, SecretString::from("not-a-token"))
        .await
        .err()
        .expect("a wrong token is refused");
    assert!(matches!(e, BackendError::Auth(_)), "{e:?}");
    assert!(e.to_string().contains("refused the API token"), "{e}");
    assert!(!e.to_string().contains("not-a-token"), "{e}");

    // A token cannot be renewed: a refused token says so, and nothing else is tried.
    server.faults().expire_sessions();
    let e = b.clusters().await.unwrap_err();
    assert!(matches!(e, BackendError::Auth(_)), "{e:?}");
    assert!(e.to_string().contains("set a new one"), "{e}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_profiles_get_chinese_platform_text() -> TestResult {
    let server = sim().await;
    let mut p = profile(&server.base_url());
    p.language = Some(Language::Chinese);
    let b = CloudTower::connect(&p, SecretString::from(DEFAULT_PASSWORD))
        .await?
        .with_watch_timing(timing());
    let vm = a_vm(&b, "a running VM without running VMTools", |v| {
        v.agent != AgentState::Connected && v.power.is_running() && v.name != FAULTY_VM
    })
    .await;
    // CloudTower's own refusal comes in Chinese: a graceful shutdown needs VMTools.
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let e = rejected(
        &b,
        Operation::StopVm {
            vm: vm.to_ref(),
            force: false,
        },
    )
    .await;
    assert!(matches!(e, BackendError::Platform { .. }), "{e:?}");
    assert!(cjk(&e.to_string()), "{e}");
    let tasks = b.platform_tasks(&Named::default()).await?;
    assert!(
        tasks.iter().any(|t| cjk(&t.title)),
        "{:?}",
        tasks.iter().map(|t| &t.title).collect::<Vec<_>>()
    );
    Ok(())
}

// ------------------------------------------------------------------ reads

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_and_paged_vms() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let clusters = b.clusters().await?;
    assert_eq!(clusters.value.len(), 4);
    let down: Vec<&Cluster> = clusters
        .value
        .iter()
        .filter(|c| matches!(c.state, ClusterState::Failed(_)))
        .collect();
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].name, "edge-branch-04");
    let ClusterState::Failed(why) = &down[0].state else {
        unreachable!()
    };
    assert!(why.contains("disconnected"), "{why}");
    assert_eq!(clusters.failures.len(), 1);
    assert!(detail(&clusters.value[0].details, "Version").is_some());

    // Pages of 7: the totals agree, no VM twice, together they are all VMs.
    let all = all_vms(&b).await;
    assert_eq!(all.len(), 100);
    let mut seen = std::collections::HashSet::new();
    let mut index = 0;
    loop {
        let page = b
            .vms(
                &Named::default(),
                &VmQuery {
                    page: Some(PageRequest { index, size: 7 }),
                    search: String::new(),
                },
            )
            .await?;
        assert_eq!(page.value.total, 100);
        for v in &page.value.items {
            assert!(seen.insert(v.id.clone()), "VM {} on two pages", v.name);
        }
        // The disconnected cluster's VMs are CloudTower's last view of them.
        assert_eq!(page.failures.len(), 1);
        if page.value.is_last() {
            break;
        }
        index += 1;
    }
    assert_eq!(seen.len(), 100);

    // One cluster, and a search by name and by IP.
    let prod = clusters
        .value
        .iter()
        .find(|c| c.name == "SMTX-生产集群")
        .unwrap();
    let in_prod = b
        .vms(
            &Named::new(prod.id.clone(), prod.name.clone()),
            &VmQuery::default(),
        )
        .await?;
    assert!(!in_prod.value.items.is_empty());
    assert!(in_prod.value.items.iter().all(|v| v.cluster.id == prod.id));
    assert!(in_prod.failures.is_empty());
    let found = b
        .vms(
            &Named::default(),
            &VmQuery {
                page: Some(PageRequest::first(50)),
                search: "域控".into(),
            },
        )
        .await?;
    assert!(found.value.total >= 1);
    assert!(found.value.items.iter().all(|v| v.name.contains("域控")));
    let with_ip = all
        .iter()
        .find(|v| !v.ip.is_empty())
        .expect("a VM with an IP");
    let by_ip = b
        .vms(
            &Named::default(),
            &VmQuery {
                page: Some(PageRequest::first(50)),
                search: with_ip.ip.clone(),
            },
        )
        .await?;
    assert!(by_ip.value.items.iter().any(|v| v.id == with_ip.id));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_detail_and_snapshots_with_their_storage_chain() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "a VM with snapshots", |v| v.name == "财务系统-db01").await;
    let d = b.vm_detail(&vm.to_ref()).await?;
    assert_eq!(d.vm.id, vm.id);
    assert!(
        d.disks.iter().filter(|k| k.is_root).count() == 1,
        "{:?}",
        d.disks
    );
    assert!(d.disks.iter().any(|k| k.capacity.is_some()));

    let tree = b.snapshots(&vm.to_ref()).await?;
    assert!(tree.problems.is_empty(), "{:?}", tree.problems);
    let snaps = snapshots_of(&tree);
    assert_eq!(
        snaps.len(),
        6,
        "the showcase VM has the configured 6 snapshots"
    );
    // A flat list by creation time, "now" last.
    assert!(tree.nodes.iter().all(|n| n.parent.is_none()));
    let last = *tree.roots.last().unwrap();
    assert!(matches!(tree.nodes[last].kind, NodeKind::Now { .. }));
    assert!(snaps.windows(2).all(|w| w[0].created <= w[1].created));
    for s in &snaps {
        assert!(detail(&s.details, "Consistency").is_some());
        assert!(!s.disks.is_empty(), "{}: no disks", s.name);
        for disk in &s.disks {
            let chain = detail(&s.details, &format!("Disk {}", disk.device)).unwrap();
            // Resolved: the LUN snapshot's local id in ZBS, not just its name.
            assert!(chain.contains("→ ZBS "), "{chain}");
            assert!(chain.ends_with(')'), "{chain}");
            assert!(chain.contains(&disk.snapshot_id), "{chain}");
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_points_plans_chains_and_choices() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let clusters = b.clusters().await?.value;
    let all = Named::default();
    let query = |scope: BackupScope, index: u32, filter: BackupFilter| BackupQuery {
        scope,
        category: BackupCategory::Vm,
        page: PageRequest { index, size: 25 },
        filter,
    };

    // Everything, paged: totals agree, newest first, nothing twice.
    let first = b
        .backups(&query(
            BackupScope::Cluster {
                cluster: all.clone(),
            },
            0,
            BackupFilter::default(),
        ))
        .await?;
    let total = first.value.total;
    assert!(total >= 300, "{total}");
    let second = b
        .backups(&query(
            BackupScope::Cluster {
                cluster: all.clone(),
            },
            1,
            BackupFilter::default(),
        ))
        .await?;
    assert_eq!(second.value.total, total);
    let items: Vec<&Backup> = first
        .value
        .items
        .iter()
        .chain(&second.value.items)
        .collect();
    assert_eq!(items.len(), 50);
    assert!(items.windows(2).all(|w| w[0].created >= w[1].created));
    let ids: std::collections::HashSet<&str> = items.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids.len(), 50);
    for x in &items {
        assert_eq!(x.category, BackupCategory::Vm);
        assert!(x.kind.is_some());
        assert!(x.point.is_some(), "{} has no plan", x.name);
        assert!(!x.cluster.id.is_empty(), "{}: cluster not resolved", x.name);
        assert!(x.total_size().is_some());
        if x.kind == Some(BackupKind::Incremental) {
            assert!(x.parent.is_some(), "{} has no parent", x.name);
        }
    }

    // Per cluster: only that cluster's, and together all of them.
    let mut sum = 0;
    for c in &clusters {
        let page = b
            .backups(&query(
                BackupScope::Cluster {
                    cluster: Named::new(c.id.clone(), c.name.clone()),
                },
                0,
                BackupFilter::default(),
            ))
            .await?;
        assert!(page.value.items.iter().all(|x| x.cluster.id == c.id));
        sum += page.value.total;
    }
    assert_eq!(sum, total);

    // A VM's, including after it was deleted (the simulator keeps one such VM's points).
    let vm = a_vm(&b, "a backed-up VM", |v| v.name == "财务系统-db01").await;
    let of_vm = b
        .backups(&query(
            BackupScope::Vm {
                cluster: vm.cluster.clone(),
                vm: Named::new(vm.id.clone(), vm.name.clone()),
            },
            0,
            BackupFilter::default(),
        ))
        .await?;
    assert!(of_vm.value.total > 0);
    assert!(of_vm.value.items.iter().all(|x| x.vm.id == vm.id));
    let orphans = b
        .backups(&query(
            BackupScope::Cluster {
                cluster: all.clone(),
            },
            0,
            BackupFilter {
                name: "old-erp-app".into(),
                ..Default::default()
            },
        ))
        .await?;
    assert!(
        orphans.value.total > 0,
        "the deleted VM's restore points are listed"
    );
    assert!(orphans.value.items.iter().all(|x| x.vm.id.is_empty()));

    // Filters: a time window.
    let newest = items[0].created.unwrap();
    let window = b
        .backups(&query(
            BackupScope::Cluster {
                cluster: all.clone(),
            },
            0,
            BackupFilter {
                since: Some(newest),
                ..Default::default()
            },
        ))
        .await?;
    assert!(window.value.total >= 1 && window.value.total < total);
    assert!(window.value.items.iter().all(|x| x.created >= Some(newest)));

    // Plans, and a plan's restore points.
    let plans = b.backup_plans(&all).await?;
    assert_eq!(plans.len(), 6);
    let plan = plans
        .iter()
        .find(|p| p.backup_count.unwrap_or(0) > 0)
        .unwrap();
    assert!(!plan.vms.is_empty());
    assert!(detail(&plan.details, "Full backups").is_some());
    let of_plan = b
        .backups(&query(
            BackupScope::Plan {
                cluster: all.clone(),
                plan: Named::new(plan.id.clone(), plan.name.clone()),
            },
            0,
            BackupFilter::default(),
        ))
        .await?;
    // The scope check below would pass on an empty page.
    assert_eq!(Some(of_plan.value.total), plan.backup_count);
    assert!(!of_plan.value.items.is_empty());
    assert!(
        of_plan
            .value
            .items
            .iter()
            .all(|x| x.point.as_ref().unwrap().id == plan.id)
    );
    let prod = &clusters.iter().find(|c| c.name == "SMTX-生产集群").unwrap();
    let prod_plans = b
        .backup_plans(&Named::new(prod.id.clone(), prod.name.clone()))
        .await?;
    assert!(!prod_plans.is_empty() && prod_plans.len() < plans.len());

    // The chain of an incremental: one full point, every other hangs off it.
    let inc = items
        .iter()
        .find(|x| x.kind == Some(BackupKind::Incremental))
        .unwrap();
    let chain = b.backup_chain(&inc.to_ref()).await?;
    let fulls: Vec<&Backup> = chain.iter().filter(|x| x.parent.is_none()).collect();
    assert_eq!(fulls.len(), 1);
    assert_eq!(fulls[0].kind, Some(BackupKind::Full));
    assert!(chain.iter().any(|x| x.id == inc.id));
    let chain_ids: std::collections::HashSet<&str> = chain.iter().map(|x| x.id.as_str()).collect();
    for x in &chain {
        if let Some(p) = &x.parent {
            assert!(
                chain_ids.contains(p.as_str()),
                "{} hangs off {p}, not in the chain",
                x.id
            );
        }
    }

    // Where a restored VM can go.
    let choices = b.restore_choices(&inc.to_ref()).await?;
    assert_eq!(
        choices.clusters.len(),
        3,
        "the disconnected cluster is not offered"
    );
    assert!(!choices.hosts.is_empty());
    assert!(
        choices
            .hosts
            .iter()
            .all(|h| choices.clusters.iter().any(|c| c.id == h.cluster_id))
    );
    assert!(!choices.networks.is_empty());
    assert!(!choices.source_networks.is_empty());
    assert!(
        choices
            .source_networks
            .iter()
            .all(|s| choices.networks.iter().any(|n| n.id == s.id)),
        "{:?} vs {:?}",
        choices.source_networks,
        choices.networks
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_tasks_newest_first_with_ours_among_them() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "an idle VM", |v| v.name != FAULTY_VM).await;
    let op = create(&vm.to_ref(), "tasks-pane", false);
    let watch = b.submit(&op).await.expect("accepted");
    let ours = watch.platform_id().expect("a task id");
    assert_eq!(follow(watch, "snapshot").await, TaskState::Succeeded);

    let tasks = b.platform_tasks(&Named::default()).await?;
    assert!(!tasks.is_empty() && tasks.len() <= 50);
    assert!(
        tasks
            .windows(2)
            .all(|w| w[0].started >= w[1].started || w[0].started.is_none())
    );
    let mine = tasks
        .iter()
        .find(|t| t.id == ours)
        .expect("our task is listed");
    assert_eq!(mine.state, TaskState::Succeeded);
    assert_eq!(mine.user, DEFAULT_USER);
    assert!(mine.finished.is_some());
    assert!(!mine.title.is_empty());
    assert!(
        tasks.iter().any(|t| t.user != DEFAULT_USER),
        "others' tasks are there too"
    );
    assert_eq!(mine.target, "vm snapshot tasks-pane");
    // Every task names its resource as the operator knows it (from the task's `snapshot`),
    // not by a 25-character id.
    for t in &tasks {
        let last = t.target.rsplit(' ').next().unwrap_or_default();
        assert!(
            !(last.len() == 25 && last.starts_with('c')),
            "{}: {}",
            t.title,
            t.target
        );
    }

    let in_cluster = b.platform_tasks(&vm.cluster).await?;
    assert!(in_cluster.iter().any(|t| t.id == ours));
    assert!(
        in_cluster
            .iter()
            .all(|t| detail(&t.details, "Cluster").is_none_or(|c| c == vm.cluster.name))
    );
    Ok(())
}

/// Why a cluster fails reaches the VMs listing whichever answer comes first: `get-vms`
/// before `get-clusters` (the Clusters pane's read still on its way), after it, or alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vms_listing_names_a_failed_cluster_whatever_the_order() -> TestResult {
    let all = Named::default();
    let page = VmQuery {
        page: Some(PageRequest::first(20)),
        search: String::new(),
    };
    let names = |l: &Listing<Page<Vm>>| -> Vec<String> {
        l.failures.iter().map(|f| f.cluster_name.clone()).collect()
    };
    for (slow, what) in [
        ("/v2/api/get-clusters", "get-vms first"),
        ("/v2/api/get-vms", "get-clusters first"),
    ] {
        let server = sim().await;
        let b = connect(&server).await;
        server
            .faults()
            .inject(slow, Fault::Latency { ms: 400 }, None);
        let (clusters, vms) = tokio::join!(b.clusters(), b.vms(&all, &page));
        let (clusters, vms) = (clusters?, vms?);
        assert_eq!(clusters.failures.len(), 1, "{what}");
        assert_eq!(names(&vms), vec!["edge-branch-04".to_string()], "{what}");
        assert!(
            vms.failures[0].message.contains("disconnected"),
            "{what}: {:?}",
            vms.failures
        );
    }
    // The VMs alone, before any clusters listing: the same.
    let server = sim().await;
    let b = connect(&server).await;
    let vms = b.vms(&all, &page).await?;
    assert_eq!(names(&vms), vec!["edge-branch-04".to_string()]);
    // One cluster's VMs: only that cluster's failure, if it has one.
    let server = sim().await;
    let b = connect(&server).await;
    let raw = b.vms(&all, &page).await?;
    let healthy = raw
        .value
        .items
        .iter()
        .find(|v| v.cluster.name != "edge-branch-04")
        .unwrap()
        .cluster
        .clone();
    let fresh = connect(&server).await;
    assert!(fresh.vms(&healthy, &page).await?.failures.is_empty());
    Ok(())
}

/// A `PAUSED` task is paused, with its progress: not running, not over.
#[tokio::test]
async fn a_paused_task_reads_as_paused() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let tasks = b.platform_tasks(&Named::default()).await?;
    let paused: Vec<&PlatformTask> = tasks
        .iter()
        .filter(|t| matches!(t.state, TaskState::Paused { .. }))
        .collect();
    assert_eq!(paused.len(), 1, "{tasks:#?}");
    let t = paused[0];
    assert!(
        t.state.progress().is_some_and(|p| p > 0.0 && p < 1.0),
        "{t:?}"
    );
    assert!(!t.state.is_terminal());
    assert_eq!(t.finished, None, "CloudTower does not say when it paused");
    assert_eq!(detail(&t.details, "Status"), Some("paused"));
    Ok(())
}

// ------------------------------------------------------------------ snapshot operations

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_rollback_rebuild_delete() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "an idle VM", |v| v.name != FAULTY_VM).await;
    let r = vm.to_ref();

    succeeds(&b, create(&r, "vmdeck-crash", false)).await;
    let tree = b.snapshots(&r).await?;
    let made = snapshots_of(&tree)
        .into_iter()
        .find(|s| s.name == "vmdeck-crash")
        .expect("the snapshot is listed");
    assert_eq!(
        detail(&made.details, "Consistency"),
        Some("crash-consistent")
    );
    assert!(
        detail(&made.details, "State").is_none(),
        "no longer being created"
    );
    // The newest snapshot sits just before "now".
    let n = tree.roots.len();
    assert_eq!(tree.snapshot(tree.roots[n - 2]).unwrap().id, made.id);

    succeeds(
        &b,
        Operation::RollbackSnapshot {
            vm: r.clone(),
            snapshot: made.to_ref(),
            memory: false,
        },
    )
    .await;
    // A snapshot holds no memory: the VM is stopped after the rollback.
    let after = b.vm_detail(&r).await?;
    assert_eq!(after.vm.power, VmPower::Stopped);

    succeeds(
        &b,
        Operation::RebuildFromSnapshot {
            vm: r.clone(),
            snapshot: made.to_ref(),
            new_vm_name: "vmdeck-rebuilt".into(),
            power_on: false,
        },
    )
    .await;
    let rebuilt = b
        .vms(
            &Named::default(),
            &VmQuery {
                page: None,
                search: "vmdeck-rebuilt".into(),
            },
        )
        .await?
        .value
        .items;
    assert_eq!(rebuilt.len(), 1);
    assert_eq!(rebuilt[0].cluster.id, vm.cluster.id);
    assert_eq!(rebuilt[0].action, None);

    succeeds(
        &b,
        Operation::DeleteSnapshot {
            vm: r.clone(),
            snapshot: made.to_ref(),
            descendants: 0,
        },
    )
    .await;
    assert_eq!(named_snapshots(&b, &r, "vmdeck-crash").await, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_system_consistent_snapshots_need_running_vmtools() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let with_tools = a_vm(&b, "a VM with VMTools running", |v| {
        v.agent == AgentState::Connected && v.power.is_running() && v.name != FAULTY_VM
    })
    .await;
    succeeds(&b, create(&with_tools.to_ref(), "vmdeck-fs", true)).await;
    let tree = b.snapshots(&with_tools.to_ref()).await?;
    let s = snapshots_of(&tree)
        .into_iter()
        .find(|s| s.name == "vmdeck-fs")
        .unwrap();
    assert!(
        detail(&s.details, "Consistency")
            .unwrap()
            .starts_with("file-system-consistent")
    );

    // Without running VMTools: the preview already says why (from the VM list)...
    let without = a_vm(&b, "a running VM without VMTools running", |v| {
        v.agent != AgentState::Connected && v.power.is_running() && v.name != FAULTY_VM
    })
    .await;
    let op = create(&without.to_ref(), "vmdeck-fs-no", true);
    let why = b.plan(&op).unwrap_err().to_string();
    assert!(why.contains("needs VMTools running"), "{why}");
    assert!(why.contains(&without.name), "{why}");
    // ...and so does submit, which reads the VM again, on a backend that never listed it.
    let fresh = connect(&server).await;
    assert!(
        fresh.plan(&op).is_ok(),
        "nothing known yet: the preview cannot tell"
    );
    let e = rejected(&fresh, op.clone()).await;
    assert!(matches!(e, BackendError::Refused(_)), "{e:?}");
    assert!(e.to_string().contains("needs VMTools running"), "{e}");
    assert_eq!(
        named_snapshots(&b, &without.to_ref(), "vmdeck-fs-no").await,
        0
    );
    // A crash-consistent one works on the same VM.
    succeeds(&b, create(&without.to_ref(), "vmdeck-fs-no", false)).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_tasks_say_why_with_the_platform_code() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let faulty = a_vm(&b, "the faulty VM", |v| v.name == FAULTY_VM).await;
    let state = run(&b, create(&faulty.to_ref(), "doomed", false)).await;
    let TaskState::Failed { message } = state else {
        panic!("{state:?}")
    };
    assert!(message.contains("VM_SNAPSHOT_CREATE_FAILED"), "{message}");
    assert!(!message.contains('\n'));

    let tree = b.snapshots(&faulty.to_ref()).await?;
    let snaps = snapshots_of(&tree);
    let s = snaps.first().expect("the faulty VM has a snapshot");
    let state = run(
        &b,
        Operation::RollbackSnapshot {
            vm: faulty.to_ref(),
            snapshot: s.to_ref(),
            memory: false,
        },
    )
    .await;
    let TaskState::Failed { message } = state else {
        panic!("{state:?}")
    };
    assert!(message.contains("VM_ROLLBACK_FAILED"), "{message}");

    // The platform refusing at once (the VM of the disconnected cluster): Rejected, with
    // the ErrorBody's words.
    let stranded = all_vms(&b)
        .await
        .into_iter()
        .find(|v| v.cluster.name == "edge-branch-04")
        .unwrap();
    let e = rejected(&b, create(&stranded.to_ref(), "nope", false)).await;
    assert!(matches!(e, BackendError::Platform { .. }), "{e:?}");
    assert!(e.to_string().starts_with("CloudTower error 400: "), "{e}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_off_start_and_shut_down() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "a running VM with VMTools", |v| {
        v.power.is_running() && v.agent == AgentState::Connected && v.name != FAULTY_VM
    })
    .await;
    let r = vm.to_ref();
    succeeds(
        &b,
        Operation::StopVm {
            vm: r.clone(),
            force: false,
        },
    )
    .await;
    assert_eq!(b.vm_detail(&r).await?.vm.power, VmPower::Stopped);
    succeeds(&b, Operation::StartVm { vm: r.clone() }).await;
    assert_eq!(b.vm_detail(&r).await?.vm.power, VmPower::Running);
    succeeds(
        &b,
        Operation::StopVm {
            vm: r.clone(),
            force: true,
        },
    )
    .await;
    assert_eq!(b.vm_detail(&r).await?.vm.power, VmPower::Stopped);
    // Starting it twice: CloudTower refuses the second at once.
    succeeds(&b, Operation::StartVm { vm: r.clone() }).await;
    let e = rejected(&b, Operation::StartVm { vm: r }).await;
    assert!(matches!(e, BackendError::Platform { .. }), "{e:?}");
    Ok(())
}

// ------------------------------------------------------------------ backup operations

async fn newest_point_of(b: &CloudTower, vm: &Vm) -> Backup {
    b.backups(&BackupQuery {
        scope: BackupScope::Vm {
            cluster: vm.cluster.clone(),
            vm: Named::new(vm.id.clone(), vm.name.clone()),
        },
        category: BackupCategory::Vm,
        page: PageRequest::first(5),
        filter: BackupFilter::default(),
    })
    .await
    .expect("restore points")
    .value
    .items
    .into_iter()
    .next()
    .unwrap_or_else(|| panic!("{} has restore points", vm.name))
}

async fn backed_up_vm(b: &CloudTower) -> Vm {
    let plans = b.backup_plans(&Named::default()).await.expect("plans");
    let good: Vec<String> = plans
        .iter()
        .filter(|p| p.name != BROKEN_PLAN)
        .flat_map(|p| p.vms.iter().map(|v| v.id.clone()))
        .collect();
    a_vm(b, "a VM of a working plan", |v| {
        good.contains(&v.id) && v.name != FAULTY_VM
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_in_place_rebuild_run_plan_and_delete() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let vm = backed_up_vm(&b).await;
    let point = newest_point_of(&b, &vm).await;

    succeeds(
        &b,
        Operation::RestoreInPlace {
            backup: point.to_ref(),
            power_on: true,
        },
    )
    .await;
    assert_eq!(b.vm_detail(&vm.to_ref()).await?.vm.power, VmPower::Running);

    // Rebuild into another cluster, mapping every network the VM had.
    let choices = b.restore_choices(&point.to_ref()).await?;
    let target = choices
        .clusters
        .iter()
        .find(|c| c.id != vm.cluster.id)
        .unwrap()
        .clone();
    let host = choices
        .hosts
        .iter()
        .find(|h| h.cluster_id == target.id)
        .unwrap();
    // Every network says its cluster (through its VDS): map the VM's networks onto one of
    // the target cluster's.
    let net = choices
        .networks
        .iter()
        .find(|n| n.cluster_id == target.id)
        .expect("the target cluster has a network");
    assert!(
        choices.networks.iter().all(|n| !n.cluster_id.is_empty()),
        "{:?}",
        choices.networks
    );
    let mapping: Vec<NetworkMapping> = choices
        .source_networks
        .iter()
        .map(|s| NetworkMapping {
            from: s.clone(),
            to: net.named(),
        })
        .collect();
    assert!(!mapping.is_empty());
    let spec = RestoreSpec {
        new_vm_name: "vmdeck-restored".into(),
        cluster: Some(target.clone()),
        host: Some(Named::new(host.id.clone(), host.name.clone())),
        networks: mapping,
        power_on: false,
        ..Default::default()
    };
    succeeds(
        &b,
        Operation::RestoreBackup {
            backup: point.to_ref(),
            spec,
        },
    )
    .await;
    let restored = b
        .vms(
            &target,
            &VmQuery {
                page: None,
                search: "vmdeck-restored".into(),
            },
        )
        .await?
        .value
        .items;
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0].power, VmPower::Stopped);

    // Run the VM's plan now: it gets a new (incremental) restore point.
    let plan = point.point.clone().unwrap();
    let before = raw
        .count("get-backup-restore-points", json!({"vm": {"id": vm.id}}))
        .await;
    succeeds(
        &b,
        Operation::RunBackupPlan {
            cluster: vm.cluster.clone(),
            plan: plan.clone(),
            full: false,
        },
    )
    .await;
    let after = raw
        .count("get-backup-restore-points", json!({"vm": {"id": vm.id}}))
        .await;
    assert_eq!(after, before + 1);
    let newest = newest_point_of(&b, &vm).await;
    assert_eq!(newest.kind, Some(BackupKind::Incremental));
    assert_ne!(newest.id, point.id);

    // Delete it.
    succeeds(
        &b,
        Operation::DeleteBackup {
            backup: newest.to_ref(),
        },
    )
    .await;
    assert_eq!(
        raw.count("get-backup-restore-points", json!({"id": newest.id}))
            .await,
        0
    );

    // A plan whose repository is down: the run fails, saying why.
    let plans = b.backup_plans(&Named::default()).await?;
    let broken = plans.iter().find(|p| p.name == BROKEN_PLAN).unwrap();
    let state = run(
        &b,
        Operation::RunBackupPlan {
            cluster: Named::default(),
            plan: Named::new(broken.id.clone(), broken.name.clone()),
            full: true,
        },
    )
    .await;
    let TaskState::Failed { message } = state else {
        panic!("{state:?}")
    };
    assert!(message.contains("BACKUP_STORE_UNAVAILABLE"), "{message}");
    Ok(())
}

// ------------------------------------------------------------------ faults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_broken_bodies_are_readable_and_pass() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let f = server.faults();

    // A gateway 503 on every try (reads retry twice): an HTTP error with the page's text.
    f.inject(
        "/v2/api/get-clusters",
        Fault::Status {
            status: 503,
            body: "<html><h1>503 Service Temporarily Unavailable</h1></html>".into(),
            content_type: Some("text/html".into()),
        },
        Some(3),
    );
    let e = b.clusters().await.unwrap_err();
    assert!(matches!(e, BackendError::Http { status: 503, .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("503 Service Temporarily Unavailable"),
        "{e}"
    );
    assert!(!b.clusters().await?.value.is_empty(), "works again");

    // Once only: the retry hides it.
    f.inject(
        "/v2/api/get-clusters",
        Fault::Status {
            status: 502,
            body: "bad gateway".into(),
            content_type: None,
        },
        Some(1),
    );
    assert!(!b.clusters().await?.value.is_empty());

    // CloudTower's own 500 with its ErrorBody: the platform's code and message.
    f.inject(
        "/v2/api/get-backup-plans",
        Fault::Status {
            status: 500,
            body: json!({"message": "backup service unreachable", "status": 500, "path": "/get-backup-plans"}).to_string(),
            content_type: Some("application/json".into()),
        },
        Some(1),
    );
    let e = b.backup_plans(&Named::default()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "CloudTower error 500: backup service unreachable"
    );
    assert_eq!(b.backup_plans(&Named::default()).await?.len(), 6);

    // Malformed, truncated, HTML with 200, wrong types.
    let vm = a_vm(&b, "a VM", |v| v.name == "财务系统-db01").await;
    for (fault, words) in [
        (
            Fault::ReplaceBody {
                body: "[{\"id\": \"x\", ".into(),
            },
            "cut off",
        ),
        (Fault::Truncate, "cut off"),
        (
            Fault::ReplaceBody {
                body: "<!DOCTYPE html><html><title>Session portal</title></html>".into(),
            },
            "HTML page",
        ),
        (
            Fault::ReplaceBody {
                body: "{\"vms\": 3}".into(),
            },
            "expected a list, got an object",
        ),
        (
            Fault::ReplaceBody {
                body: "[{\"id\": \"s\", \"vm_disks\": {\"boot\": 1}}]".into(),
            },
            "does not match the CloudTower spec",
        ),
    ] {
        f.inject("/v2/api/get-vm-snapshots", fault, Some(1));
        let e = b.snapshots(&vm.to_ref()).await.unwrap_err();
        assert!(matches!(e, BackendError::Decode { .. }), "{e:?}");
        let text = e.to_string();
        assert!(text.contains(words), "{text}");
        assert!(text.contains("/v2/api/get-vm-snapshots"), "{text}");
        assert!(b.snapshots(&vm.to_ref()).await.is_ok(), "works again");
    }

    // The storage-chain lookup failing does not hide the snapshots.
    f.inject(
        "/v2/api/get-iscsi-lun-snapshots",
        Fault::ReplaceBody {
            body: "oops".into(),
        },
        Some(1),
    );
    let tree = b.snapshots(&vm.to_ref()).await?;
    assert_eq!(snapshots_of(&tree).len(), 6);
    assert_eq!(tree.problems.len(), 1);
    assert!(
        tree.problems[0].contains("storage chain"),
        "{:?}",
        tree.problems
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_times_out_readably() -> TestResult {
    let server = sim().await;
    let b = CloudTower::connect_with(
        &profile(&server.base_url()),
        SecretString::from(DEFAULT_PASSWORD),
        HttpOptions {
            timeout: Some(Duration::from_millis(800)),
            ..Default::default()
        },
    )
    .await?
    .with_watch_timing(timing());
    // Slower than the timeout on every try (reads retry twice).
    server.faults().inject(
        "/v2/api/get-backup-plans",
        Fault::Latency { ms: 2500 },
        Some(3),
    );
    let e = b.backup_plans(&Named::default()).await.unwrap_err();
    assert!(matches!(e, BackendError::Timeout { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "no answer from /v2/api/get-backup-plans within 1s"
    );
    server.faults().clear();
    assert_eq!(b.backup_plans(&Named::default()).await?.len(), 6);

    // A mutation that times out is not sent again: its effect is looked for. (The
    // simulator's latency comes before its handler, and the handler is dropped with the
    // connection, so CloudTower never acted: the watch ends Unknown, and nothing exists.)
    let vm = a_vm(&b, "an idle VM", |v| v.name != FAULTY_VM).await;
    server.faults().inject(
        "/v2/api/create-vm-snapshot",
        Fault::Latency { ms: 2500 },
        Some(1),
    );
    let op = create(&vm.to_ref(), "vmdeck-slow", false);
    let state = match b.submit(&op).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(matches!(error, BackendError::Timeout { .. }), "{error:?}");
            follow(verify, "verify").await
        }
        other => panic!("{}", outcome(&other)),
    };
    let made = named_snapshots(&b, &vm.to_ref(), "vmdeck-slow").await;
    match state {
        TaskState::Succeeded => assert_eq!(made, 1, "acted on once"),
        TaskState::Unknown { reason } => {
            assert_eq!(made, 0, "{reason}");
            assert!(
                reason.contains("no new snapshot \"vmdeck-slow\""),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_renewed_for_reads_never_for_mutations() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "an idle VM", |v| v.name != FAULTY_VM).await;

    server.faults().expire_sessions();
    // A read logs in again and is repeated.
    assert_eq!(b.clusters().await?.value.len(), 4);

    // A mutation is refused, says nothing was done, and is not repeated. (A snapshot
    // delete is sent without reading first; a create reads what exists before sending,
    // and that read would renew the session.)
    succeeds(&b, create(&vm.to_ref(), "vmdeck-expired", false)).await;
    let snap = snapshots_of(&b.snapshots(&vm.to_ref()).await?)
        .into_iter()
        .find(|s| s.name == "vmdeck-expired")
        .unwrap();
    let delete = Operation::DeleteSnapshot {
        vm: vm.to_ref(),
        snapshot: snap.to_ref(),
        descendants: 0,
    };
    server.faults().expire_sessions();
    let e = rejected(&b, delete.clone()).await;
    let text = e.to_string();
    assert!(text.contains("did nothing"), "{text}");
    assert!(text.contains("run it again"), "{text}");
    assert_eq!(named_snapshots(&b, &vm.to_ref(), "vmdeck-expired").await, 1);
    // The new session works for the next one.
    succeeds(&b, delete).await;
    assert_eq!(named_snapshots(&b, &vm.to_ref(), "vmdeck-expired").await, 0);

    // A create after expiry: the read before sending renews the session, then it goes out once.
    server.faults().expire_sessions();
    succeeds(&b, create(&vm.to_ref(), "vmdeck-expired-2", false)).await;
    assert_eq!(
        named_snapshots(&b, &vm.to_ref(), "vmdeck-expired-2").await,
        1
    );
    Ok(())
}

/// Loses the answer to `path` once, submits `op`, and follows the verify watch.
async fn lose_answer(server: &SimServer, b: &CloudTower, path: &str, op: Operation) -> TaskState {
    server.faults().inject(path, Fault::LoseAnswer, Some(1));
    match b.submit(&op).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(error.answer_lost(), "{error:?}");
            assert!(verify.platform_id().is_none());
            follow(verify, path).await
        }
        other => panic!("{path}: expected a lost answer, got {}", outcome(&other)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_to_snapshot_operations_are_verified_never_resent() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "an idle VM", |v| v.name != FAULTY_VM).await;
    let r = vm.to_ref();

    // An older snapshot with the same name is not taken for the new one.
    succeeds(&b, create(&r, "vmdeck-lost", false)).await;
    let state = lose_answer(
        &server,
        &b,
        "/v2/api/create-vm-snapshot",
        create(&r, "vmdeck-lost", false),
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(
        named_snapshots(&b, &r, "vmdeck-lost").await,
        2,
        "sent once, not twice"
    );

    let snap = snapshots_of(&b.snapshots(&r).await?)
        .into_iter()
        .find(|s| s.name == "vmdeck-lost")
        .unwrap();
    let raw = Raw::login(&server).await;
    let rollbacks = || {
        raw.count(
            "get-tasks",
            json!({"resource_id": vm.id, "key": "vm.rollback"}),
        )
    };
    let before = rollbacks().await;
    let state = lose_answer(
        &server,
        &b,
        "/v2/api/rollback-vm",
        Operation::RollbackSnapshot {
            vm: r.clone(),
            snapshot: snap.to_ref(),
            memory: false,
        },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(rollbacks().await, before + 1, "rolled back once");
    assert_eq!(b.vm_detail(&r).await?.vm.power, VmPower::Stopped);

    let state = lose_answer(
        &server,
        &b,
        "/v2/api/rebuild-vm-from-snapshot",
        Operation::RebuildFromSnapshot {
            vm: r.clone(),
            snapshot: snap.to_ref(),
            new_vm_name: "vmdeck-lost-rebuild".into(),
            power_on: false,
        },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(
        raw.count("get-vms", json!({"name": "vmdeck-lost-rebuild"}))
            .await,
        1
    );

    let state = lose_answer(
        &server,
        &b,
        "/v2/api/delete-vm-snapshot",
        Operation::DeleteSnapshot {
            vm: r.clone(),
            snapshot: snap.to_ref(),
            descendants: 0,
        },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(named_snapshots(&b, &r, "vmdeck-lost").await, 1);

    let state = lose_answer(
        &server,
        &b,
        "/v2/api/start-vm",
        Operation::StartVm { vm: r.clone() },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(b.vm_detail(&r).await?.vm.power, VmPower::Running);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_to_backup_operations_are_verified_never_resent() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let vm = backed_up_vm(&b).await;
    let point = newest_point_of(&b, &vm).await;
    let plan = point.point.clone().unwrap();

    let runs = || {
        raw.count(
            "get-backup-plan-executions",
            json!({"backup_plan": {"id": plan.id}}),
        )
    };
    let before = runs().await;
    let state = lose_answer(
        &server,
        &b,
        "/v2/api/execute-backup-plan",
        Operation::RunBackupPlan {
            cluster: vm.cluster.clone(),
            plan: plan.clone(),
            full: true,
        },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(runs().await, before + 1, "the plan ran once");

    let restores = || {
        raw.count(
            "get-backup-restore-executions",
            json!({"backup_restore_point": {"id": point.id}}),
        )
    };
    let before = restores().await;
    let state = lose_answer(
        &server,
        &b,
        "/v2/api/backup-restore-vm-in-place",
        Operation::RestoreInPlace {
            backup: point.to_ref(),
            power_on: false,
        },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(restores().await, before + 1);

    let choices = b.restore_choices(&point.to_ref()).await?;
    let host = choices
        .hosts
        .iter()
        .find(|h| h.cluster_id == vm.cluster.id)
        .unwrap();
    let state = lose_answer(
        &server,
        &b,
        "/v2/api/backup-rebuild-vm",
        Operation::RestoreBackup {
            backup: point.to_ref(),
            spec: RestoreSpec {
                new_vm_name: "vmdeck-lost-restore".into(),
                cluster: Some(vm.cluster.clone()),
                host: Some(Named::new(host.id.clone(), host.name.clone())),
                power_on: false,
                ..Default::default()
            },
        },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(restores().await, before + 2);
    assert_eq!(
        raw.count("get-vms", json!({"name": "vmdeck-lost-restore"}))
            .await,
        1
    );

    let newest = newest_point_of(&b, &vm).await;
    let state = lose_answer(
        &server,
        &b,
        "/v2/api/delete-backup-restore-point",
        Operation::DeleteBackup {
            backup: newest.to_ref(),
        },
    )
    .await;
    assert_eq!(state, TaskState::Succeeded);
    assert_eq!(
        raw.count("get-backup-restore-points", json!({"id": newest.id}))
            .await,
        0
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_what_never_happened_ends_unknown() -> TestResult {
    let server = sim().await;
    let b = CloudTower::connect(
        &profile(&server.base_url()),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await?
    .with_watch_timing(WatchTiming {
        verify_window: Duration::from_millis(600),
        ..timing()
    });
    let vm = a_vm(&b, "an idle VM", |v| v.name != FAULTY_VM).await;
    // A proxy's 502 after sending: the outcome is open; here CloudTower never saw it.
    server.faults().inject(
        "/v2/api/create-vm-snapshot",
        Fault::Status {
            status: 502,
            body: "<html>502 Bad Gateway</html>".into(),
            content_type: Some("text/html".into()),
        },
        Some(1),
    );
    match b.submit(&create(&vm.to_ref(), "vmdeck-never", false)).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(
                matches!(error, BackendError::Http { status: 502, .. }),
                "{error:?}"
            );
            let state = follow(verify, "verify").await;
            let TaskState::Unknown { reason } = state else {
                panic!("{state:?}")
            };
            assert!(reason.contains("the answer was lost"), "{reason}");
            assert!(reason.contains("vmdeck-never"), "{reason}");
        }
        other => panic!("{}", outcome(&other)),
    }
    assert_eq!(named_snapshots(&b, &vm.to_ref(), "vmdeck-never").await, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_operations_send_nothing() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "an idle VM", |v| v.name != FAULTY_VM).await;
    let r = vm.to_ref();
    let snaps = b.snapshots(&r).await?.snapshot_count();
    for op in [
        Operation::CreateSnapshot {
            vm: r.clone(),
            name: "mem".into(),
            description: String::new(),
            memory: true,
            consistent: false,
            volume: None,
        },
        Operation::EditSnapshot {
            vm: r.clone(),
            snapshot: SnapshotRef::default(),
            description: "x".into(),
        },
        Operation::CreateBackup {
            vm: r.clone(),
            point: Named::default(),
            name: "b".into(),
            description: String::new(),
            full: true,
            volume: None,
        },
        Operation::SyncBackup {
            backup: BackupRef::default(),
            to: Named::default(),
        },
    ] {
        let e = rejected(&b, op).await;
        assert!(matches!(e, BackendError::Refused(_)), "{e:?}");
    }
    assert_eq!(b.snapshots(&r).await?.snapshot_count(), snaps);
    // Deleting what no longer exists: CloudTower matched nothing.
    let e = rejected(
        &b,
        Operation::DeleteSnapshot {
            vm: r,
            snapshot: SnapshotRef {
                id: "cnosuchsnapshot0000000000".into(),
                name: "ghost".into(),
                volume: None,
            },
            descendants: 0,
        },
    )
    .await;
    assert!(e.to_string().contains("matched nothing"), "{e}");
    Ok(())
}

// ---- console (seed 001: get-vm-vnc-info) ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_of_a_running_vm_is_a_novnc_url_with_a_fresh_token() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    assert!(b.capabilities().console);
    let vm = a_vm(&b, "a running VM", |v| v.power == VmPower::Running).await;
    let first = b.console(&vm.to_ref()).await?;
    assert!(
        first
            .url
            .starts_with(&format!("wss://{}/websockify/?uuid=", first.host)),
        "{}",
        first.url
    );
    assert_eq!(first.port, 443);
    assert_eq!(first.protocol, ConsoleProtocol::VncWebsocket);
    let token = first
        .url
        .split("&token=")
        .nth(1)
        .expect("a token in the URL");
    assert_eq!(token.len(), 32, "{}", first.url);
    assert!(
        !format!("{first:?}").contains(token),
        "Debug shows the token"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = b.console(&vm.to_ref()).await?;
    assert_ne!(first.url, second.url, "each call hands out a new token");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_of_a_stopped_vm_is_the_platforms_400() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "a stopped VM", |v| v.power == VmPower::Stopped).await;
    let err = b
        .console(&vm.to_ref())
        .await
        .expect_err("a stopped VM has no console");
    match &err {
        BackendError::Platform { code, message, .. } => {
            assert!(code.contains("400"), "{err}");
            assert!(message.contains("not running"), "{err}");
        }
        other => panic!("expected the platform's error, got {other}"),
    }
    Ok(())
}

/// The console token is shown and copied, never logged: every tracing event of a
/// console read, at every level, is captured and searched for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_token_never_reaches_the_log() -> TestResult {
    let log = backend_common::LogCapture::start();
    let server = sim().await;
    let b = connect(&server).await;
    let vm = a_vm(&b, "a running VM", |v| v.power == VmPower::Running).await;
    let access = b.console(&vm.to_ref()).await?;
    let token = access
        .url
        .split("&token=")
        .nth(1)
        .expect("token")
        .to_string();
    let log = log.text();
    assert!(!log.contains(&token), "the token reached the log:\n{log}");
    Ok(())
}

// ------------------------------------------------------------------ incremental refresh

/// Waits (on the simulator's fast clock) for the task a raw mutation started.
async fn raw_task_done(raw: &Raw, answer: &Value) {
    let id = answer[0]["task_id"].as_str().expect("a task").to_string();
    backend_common::wait_until("the task ends", Duration::from_secs(30), || async {
        let t = raw.post("get-tasks", json!({"where": {"id": id}})).await;
        matches!(t[0]["status"].as_str(), Some("SUCCESSED" | "FAILED"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_refresh_sees_vms_created_changed_and_deleted() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let all = Named::default();
    let cursor = b.vm_change_cursor(&all).await?.expect("a change feed");
    let listed = all_vms(&b).await;
    let (up, gone, total, cursor) = changed(b.vm_changes(&all, &cursor).await?);
    assert!(up.is_empty() && gone.is_empty(), "{up:?} {gone:?}");
    assert_eq!(total, listed.len() as u64);

    // Someone else powers one VM off, deletes another and rebuilds a third from a snapshot.
    let running = vms_where(&b, |v| v.power == VmPower::Running && v.name != FAULTY_VM).await;
    let stopped = vms_where(&b, |v| v.power == VmPower::Stopped).await;
    let (off, doomed) = (&running[0], &stopped[0]);
    let r = raw
        .post("poweroff-vm", json!({"where": {"id": off.id}}))
        .await;
    raw_task_done(&raw, &r).await;
    let r = raw
        .post("delete-vm", json!({"where": {"id": doomed.id}}))
        .await;
    raw_task_done(&raw, &r).await;
    let snap = raw
        .post(
            "get-vm-snapshots",
            json!({"where": {"vm": {"id": off.id}}, "first": 1}),
        )
        .await;
    let snap_id = snap[0]["id"].as_str().expect("the VM has a snapshot");
    let r = raw
        .post(
            "rebuild-vm-from-snapshot",
            json!([{"rebuild_from_snapshot_id": snap_id, "name": "增量-新建"}]),
        )
        .await;
    let new_id = r[0]["data"]["id"].as_str().expect("a new VM").to_string();
    raw_task_done(&raw, &r).await;

    let (up, gone, total, next) = changed(b.vm_changes(&all, &cursor).await?);
    assert_eq!(gone, vec![doomed.id.clone()]);
    let powered = up
        .iter()
        .find(|v| v.id == off.id)
        .expect("the powered-off VM");
    assert_eq!(powered.power, VmPower::Stopped);
    let created = up.iter().find(|v| v.id == new_id).expect("the rebuilt VM");
    assert_eq!(created.name, "增量-新建");
    assert_eq!(up.len(), 2, "only what changed is read: {up:?}");
    assert_eq!(total, listed.len() as u64);
    assert_eq!(total, all_vms(&b).await.len() as u64);
    // Asked again from the new cursor: nothing more.
    let (up, gone, _, _) = changed(b.vm_changes(&all, &next).await?);
    assert!(up.is_empty() && gone.is_empty(), "{up:?} {gone:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_revision_asks_for_a_complete_read() -> TestResult {
    // 30 simulated minutes of retention pass in half a wall second at this pace.
    let server = sim_at(4000.0).await;
    let b = connect(&server).await;
    let raw = Raw::login(&server).await;
    let all = Named::default();
    let cursor = b.vm_change_cursor(&all).await?.expect("a change feed");
    let running = vms_where(&b, |v| v.power == VmPower::Running && v.name != FAULTY_VM).await;
    let r = raw
        .post("poweroff-vm", json!({"where": {"id": running[0].id}}))
        .await;
    raw_task_done(&raw, &r).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(b.vm_changes(&all, &cursor).await?, VmChanges::Resync);
    // A cursor taken now works again.
    let fresh = b.vm_change_cursor(&all).await?.expect("a change feed");
    assert!(matches!(
        b.vm_changes(&all, &fresh).await?,
        VmChanges::Changed { .. }
    ));
    Ok(())
}
