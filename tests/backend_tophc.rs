//! The TopHC backend against the simulator, over loopback HTTP: every read, every
//! operation followed to its end, refusals, session expiry, lost answers and broken bodies.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use vmdeck::backend::tophc::TopHc;
use vmdeck::backend::{Backend, BackendError, SubmitError, TaskWatch, VmQuery};
use vmdeck::config::{Language, Profile};
use vmdeck::model::*;
use vmdeck::operation::Operation;
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, Fault, SimServer};

mod backend_common;

use backend_common::sim_at;

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn sim() -> SimServer {
    sim_at(50.0).await
}

fn profile(url: &str) -> Profile {
    Profile::new(Platform::TopHc, url, DEFAULT_USER)
}

async fn connect(server: &SimServer) -> TopHc {
    TopHc::connect(
        &profile(&server.base_url()),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await
    .expect("login to the simulator")
}

/// Polls a watch until it ends; tolerates a few read errors, as the tracker does.
async fn follow(mut watch: Box<dyn TaskWatch>, what: &str) -> (TaskState, Vec<f32>) {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut errors = 0;
    let mut progress = Vec::new();
    let mut last = None;
    loop {
        match watch.poll().await {
            Ok(s) if s.is_terminal() => return (s, progress),
            Ok(s) => {
                if let Some(p) = s.progress() {
                    progress.push(p);
                }
                last = Some(s);
            }
            Err(e) => {
                errors += 1;
                assert!(errors <= 5, "{what}: too many read errors, last {e}");
            }
        }
        assert!(
            Instant::now() < deadline,
            "{what}: still {last:?} at the deadline"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn run(backend: &TopHc, op: Operation) -> TaskState {
    let what = format!("{} {}", op.title(), op.target());
    match backend.submit(&op).await {
        Ok(watch) => follow(watch, &what).await.0,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

async fn rejected(backend: &TopHc, op: Operation) -> BackendError {
    match backend.submit(&op).await {
        Err(SubmitError::Rejected(e)) => e,
        Err(e) => panic!("{} expected a refusal, got {e:?}", op.title()),
        Ok(_) => panic!("{} {} was accepted", op.title(), op.target()),
    }
}

async fn all_vms(backend: &TopHc) -> Vec<Vm> {
    let clusters = backend.clusters().await.expect("clusters").value;
    let mut vms = Vec::new();
    for c in clusters {
        if matches!(c.state, ClusterState::Failed(_)) {
            continue;
        }
        let page = backend
            .vms(&Named::new(c.id, c.name), &VmQuery::default())
            .await
            .expect("vms");
        vms.extend(page.value.items);
    }
    vms
}

async fn idle_vm(backend: &TopHc, running: bool) -> Vm {
    all_vms(backend)
        .await
        .into_iter()
        .find(|v| {
            v.action.is_none()
                && v.power.is_running() == running
                && (running || v.power.is_stopped())
        })
        .unwrap_or_else(|| panic!("the simulator has an idle VM with running={running}"))
}

async fn tree(backend: &TopHc, vm: &VmRef) -> SnapshotTree {
    backend.snapshots(vm).await.expect("snapshot tree")
}

fn snap(tree: &SnapshotTree, name: &str) -> Option<Snapshot> {
    tree.find(name).and_then(|n| tree.snapshot(n)).cloned()
}

fn create(vm: &VmRef, name: &str, memory: bool) -> Operation {
    Operation::CreateSnapshot {
        vm: vm.clone(),
        name: name.into(),
        description: format!("made by the {name} test"),
        memory,
        consistent: false,
        volume: None,
    }
}

fn sref(s: &Snapshot) -> SnapshotRef {
    s.to_ref()
}

fn named(name: &str) -> SnapshotRef {
    SnapshotRef {
        id: name.into(),
        name: name.into(),
        volume: None,
    }
}

// ------------------------------------------------------------------ connect

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_reports_what_to_fix() -> TestResult {
    let server = sim().await;
    let url = server.base_url();

    let e = TopHc::connect(&profile(&url), SecretString::from("Zq9-not-it"))
        .await
        .err()
        .expect("a wrong password is refused");
    assert!(matches!(e, BackendError::Auth(_)), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("check username, password"), "{text}");
    assert!(
        !text.contains("Zq9-not-it"),
        "the password must not appear: {text}"
    );
    assert!(!text.contains('\n'), "{text}");

    let mut p = profile(&url);
    p.username = "nobody".into();
    let e = TopHc::connect(&p, SecretString::from(DEFAULT_PASSWORD))
        .await
        .err()
        .expect("an unknown user is refused");
    assert!(matches!(e, BackendError::Auth(_)), "{e:?}");

    // The url with a trailing /v1 still works.
    let b = TopHc::connect(
        &profile(&format!("{url}/v1/")),
        SecretString::from(DEFAULT_PASSWORD),
    )
    .await?;
    assert_eq!(b.endpoint(), url);
    assert_eq!(b.user(), DEFAULT_USER);
    assert_eq!(b.platform(), Platform::TopHc);
    assert!(b.capabilities().per_disk_rollback);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_nothing_or_to_something_else() -> TestResult {
    // A port nobody listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", free.local_addr()?);
    drop(free);
    let e = TopHc::connect(&profile(&url), SecretString::from("x"))
        .await
        .err()
        .expect("nothing listens");
    assert!(matches!(e, BackendError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains(&url), "{e}");
    eprintln!("{e}");

    // A web server that is not TopHC: HTML everywhere, then 404 everywhere.
    for (status, body) in [
        (200u16, "<html><body>Welcome to nginx!</body></html>"),
        (404, "not found"),
    ] {
        let app = axum::Router::new().fallback(move || async move {
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [("content-type", "text/html")],
                body,
            )
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let e = TopHc::connect(&profile(&url), SecretString::from("x"))
            .await
            .err()
            .expect("not a TopHC manager");
        let text = e.to_string();
        eprintln!("{text}");
        assert!(
            text.contains("does not look like a TopHC manager"),
            "{text}"
        );
        assert!(text.contains(&url), "{text}");
        server.abort();
    }
    Ok(())
}

// ------------------------------------------------------------------ reads

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;

    let clusters = b.clusters().await?;
    assert!(!clusters.value.is_empty());
    // A cluster the fan-out could not reach is reported, and marked failed with the reason.
    for f in &clusters.failures {
        let c = clusters
            .value
            .iter()
            .find(|c| c.id == f.cluster_id)
            .expect("a failure names a listed cluster");
        assert_eq!(c.state, ClusterState::Failed(f.message.clone()));
        assert!(!f.message.is_empty());
        let e = b
            .vms(
                &Named::new(c.id.clone(), c.name.clone()),
                &VmQuery::default(),
            )
            .await;
        assert!(
            e.as_ref().is_err() || !e.as_ref().unwrap().failures.is_empty(),
            "listing an unreachable cluster says so"
        );
    }
    let cluster = clusters
        .value
        .iter()
        .find(|c| c.state == ClusterState::Healthy)
        .expect("a healthy cluster");
    let cluster = Named::new(cluster.id.clone(), cluster.name.clone());

    // Everything, then one page, then a search.
    let all = b.vms(&cluster, &VmQuery::default()).await?.value;
    assert!(!all.items.is_empty());
    assert_eq!(all.total, all.items.len() as u64);
    let mut ids: Vec<&str> = all.items.iter().map(|v| v.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.items.len(), "no VM twice");
    assert!(all.items.iter().all(|v| v.cluster.id == cluster.id));
    let page = b
        .vms(
            &cluster,
            &VmQuery {
                page: Some(PageRequest { index: 1, size: 3 }),
                search: String::new(),
            },
        )
        .await?
        .value;
    assert_eq!(page.total, all.total);
    assert!(page.items.len() <= 3);
    if all.items.len() > 3 {
        assert_eq!(
            page.items[0].id, all.items[3].id,
            "page 1 starts at the 4th VM"
        );
    }
    let target = &all.items[all.items.len() / 2];
    let found = b
        .vms(
            &cluster,
            &VmQuery {
                page: None,
                search: target.name.clone(),
            },
        )
        .await?
        .value;
    assert!(found.items.iter().any(|v| v.id == target.id));
    assert!(found.items.len() < all.items.len() || all.items.len() == 1);

    let detail = b.vm_detail(&target.to_ref()).await?;
    assert_eq!(detail.vm.id, target.id);
    assert!(!detail.disks.is_empty(), "disks for the restore form");
    assert!(detail.disks.iter().all(|d| !d.device.is_empty()));
    assert_eq!(detail.disks.iter().filter(|d| d.is_root).count(), 1);

    // Some VM has snapshots; its tree has one "now" marker and no repairs.
    let mut trees = 0;
    for vm in &all.items {
        let t = b.snapshots(&vm.to_ref()).await?;
        assert!(t.problems.is_empty(), "{}: {:?}", vm.name, t.problems);
        assert!(t.now_markers().count() <= 1);
        if t.snapshot_count() > 0 {
            trees += 1;
            let any = t.nodes.iter().find_map(|n| n.snapshot()).unwrap();
            assert_eq!(any.id, any.name, "TopHC snapshots are addressed by name");
        }
    }
    assert!(trees > 0, "the simulator seeds snapshots");

    // Backups: per cluster, per VM, filtered, paged.
    let page = PageRequest { index: 0, size: 20 };
    let cluster_backups = b
        .backups(&BackupQuery {
            scope: BackupScope::Cluster {
                cluster: cluster.clone(),
            },
            page,
            filter: BackupFilter::default(),
            category: Default::default(),
        })
        .await?
        .value;
    assert!(cluster_backups.total > 0);
    assert!(cluster_backups.items.len() <= 20);
    let one = cluster_backups.items[0].clone();
    let vm_backups = b
        .backups(&BackupQuery {
            scope: BackupScope::Vm {
                cluster: cluster.clone(),
                vm: one.vm.clone(),
            },
            page,
            filter: BackupFilter::default(),
            category: Default::default(),
        })
        .await?
        .value;
    assert!(vm_backups.items.iter().all(|x| x.vm.id == one.vm.id));
    assert!(vm_backups.items.iter().any(|x| x.id == one.id));
    let by_name = b
        .backups(&BackupQuery {
            scope: BackupScope::Cluster {
                cluster: cluster.clone(),
            },
            page,
            filter: BackupFilter {
                name: one.name.clone(),
                ..Default::default()
            },
            category: Default::default(),
        })
        .await?
        .value;
    assert!(by_name.items.iter().any(|x| x.id == one.id));
    if let Some(point) = &one.point {
        let by_point = b
            .backups(&BackupQuery {
                scope: BackupScope::Cluster {
                    cluster: cluster.clone(),
                },
                page,
                filter: BackupFilter {
                    point_id: Some(point.id.clone()),
                    ..Default::default()
                },
                category: Default::default(),
            })
            .await?
            .value;
        assert!(
            by_point
                .items
                .iter()
                .all(|x| x.point.as_ref().map(|p| &p.id) == Some(&point.id))
        );
    }
    if let Some(created) = one.created {
        let later = b
            .backups(&BackupQuery {
                scope: BackupScope::Cluster {
                    cluster: cluster.clone(),
                },
                page,
                filter: BackupFilter {
                    since: Some(created),
                    ..Default::default()
                },
                category: Default::default(),
            })
            .await?
            .value;
        assert!(
            later
                .items
                .iter()
                .all(|x| x.created.is_none_or(|t| t >= created))
        );
    }
    let second = b
        .backups(&BackupQuery {
            scope: BackupScope::Cluster {
                cluster: cluster.clone(),
            },
            page: PageRequest { index: 1, size: 20 },
            filter: BackupFilter::default(),
            category: Default::default(),
        })
        .await?
        .value;
    if cluster_backups.total > 20 {
        assert!(!second.items.is_empty());
        assert!(second.items.iter().all(|x| x.id != one.id));
    }

    let points = b.backup_points(&cluster).await?;
    assert!(!points.is_empty());
    let remote = b
        .remote_backups(
            &cluster,
            &Named::new(points[0].id.clone(), points[0].name.clone()),
            PageRequest { index: 0, size: 50 },
        )
        .await?;
    assert!(remote.items.iter().all(|r| r.opaque.is_object()));

    let choices = b
        .restore_choices(&BackupRef {
            cluster: cluster.clone(),
            ..Default::default()
        })
        .await?;
    assert!(!choices.zones.is_empty());
    assert!(!choices.groups.is_empty());
    assert!(!choices.pools.is_empty());
    assert!(!choices.disk_types.is_empty());
    b.logout().await;
    Ok(())
}

// ------------------------------------------------------------------ snapshot operations

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_operations_end_to_end() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let running = idle_vm(&b, true).await.to_ref();

    // Create, then edit the description.
    assert_eq!(
        run(&b, create(&running, "t-a", false)).await,
        TaskState::Succeeded
    );
    let t = tree(&b, &running).await;
    let a = snap(&t, "t-a").expect("t-a is in the tree");
    assert_eq!(
        t.current_snapshot(),
        t.find("t-a"),
        "the VM now sits on t-a"
    );
    assert_eq!(
        run(
            &b,
            Operation::EditSnapshot {
                vm: running.clone(),
                snapshot: sref(&a),
                description: "edited".into(),
            }
        )
        .await,
        TaskState::Succeeded
    );
    assert_eq!(
        snap(&tree(&b, &running).await, "t-a").unwrap().description,
        "edited"
    );

    // A memory snapshot of a running VM.
    assert_eq!(
        run(&b, create(&running, "t-mem", true)).await,
        TaskState::Succeeded
    );
    let t = tree(&b, &running).await;
    assert_eq!(snap(&t, "t-mem").unwrap().memory, Some(true));

    // Branch: t-a has two children once we roll back to it and snapshot again.
    let op = Operation::RollbackSnapshot {
        vm: running.clone(),
        snapshot: named("t-a"),
        memory: false,
    };
    assert_eq!(b.plan(&op)?.len(), 1);
    assert_eq!(run(&b, op).await, TaskState::Succeeded);
    assert_eq!(tree(&b, &running).await.current_snapshot(), t.find("t-a"));
    assert_eq!(
        run(&b, create(&running, "t-c", false)).await,
        TaskState::Succeeded
    );
    let t = tree(&b, &running).await;
    assert_eq!(t.snapshot_children(t.find("t-a").unwrap()), 2);
    let e = rejected(
        &b,
        Operation::DeleteSnapshot {
            vm: running.clone(),
            snapshot: named("t-a"),
            descendants: 0,
        },
    )
    .await;
    assert!(matches!(e, BackendError::Platform { .. }), "{e:?}");
    assert!(
        snap(&tree(&b, &running).await, "t-a").is_some(),
        "still there"
    );

    // Roll back with memory to the memory snapshot.
    assert_eq!(
        run(
            &b,
            Operation::RollbackSnapshot {
                vm: running.clone(),
                snapshot: named("t-mem"),
                memory: true,
            }
        )
        .await,
        TaskState::Succeeded
    );
    let t = tree(&b, &running).await;
    assert_eq!(t.current_snapshot(), t.find("t-mem"));

    // Per-disk rollback needs the VM off: the platform refuses it on a running VM.
    let disks = snap(&t, "t-c").unwrap().disks;
    assert!(!disks.is_empty());
    let e = rejected(
        &b,
        Operation::RollbackDisks {
            vm: running.clone(),
            snapshot: named("t-c"),
            disks: disks.clone(),
        },
    )
    .await;
    assert!(matches!(e, BackendError::Platform { .. }), "{e:?}");

    // Delete a leaf.
    assert_eq!(
        run(
            &b,
            Operation::DeleteSnapshot {
                vm: running.clone(),
                snapshot: named("t-c"),
                descendants: 0,
            }
        )
        .await,
        TaskState::Succeeded
    );
    assert!(snap(&tree(&b, &running).await, "t-c").is_none());

    // A stopped VM: no memory snapshot, but a per-disk rollback works.
    let stopped = idle_vm(&b, false).await.to_ref();
    let e = rejected(&b, create(&stopped, "t-mem-off", true)).await;
    assert!(matches!(e, BackendError::Platform { .. }), "{e:?}");
    assert_eq!(
        run(&b, create(&stopped, "t-off", false)).await,
        TaskState::Succeeded
    );
    let s = snap(&tree(&b, &stopped).await, "t-off").unwrap();
    assert_eq!(
        run(
            &b,
            Operation::RollbackDisks {
                vm: stopped.clone(),
                snapshot: sref(&s),
                disks: s.disks.clone(),
            }
        )
        .await,
        TaskState::Succeeded
    );

    // Refused before anything is sent.
    assert!(matches!(
        b.submit(&create(&stopped, "", false)).await,
        Err(SubmitError::Rejected(BackendError::Refused(_)))
    ));
    Ok(())
}

// ------------------------------------------------------------------ power operations

async fn power_of(b: &TopHc, vm: &VmRef) -> (VmPower, AgentState) {
    let v = all_vms(b)
        .await
        .into_iter()
        .find(|v| v.id == vm.id)
        .expect("the VM is listed");
    (v.power, v.agent)
}

/// Shut down, start, power off: each followed until the VM is there; the refusals the
/// docs name come back readable; and the per-disk rollback a running VM is refused is
/// reachable once the VM is stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_operations_end_to_end() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vms = all_vms(&b).await;
    let vm = vms
        .iter()
        .find(|v| v.action.is_none() && v.power.is_running() && v.agent == AgentState::Connected)
        .expect("an idle running VM with its agent connected")
        .to_ref();
    let stop = |force| Operation::StopVm {
        vm: vm.clone(),
        force,
    };
    let start = Operation::StartVm { vm: vm.clone() };
    let calls = b.plan(&stop(false))?;
    assert_eq!(calls[0].path, "/v1/compute/shutdown");
    assert_eq!(b.plan(&stop(true))?[0].path, "/v1/compute/shutoff");

    // Graceful: the VM passes through `shutdown` and the watch waits for `shutoff`.
    assert_eq!(run(&b, stop(false)).await, TaskState::Succeeded);
    assert_eq!(power_of(&b, &vm).await.0, VmPower::Stopped);
    let e = rejected(&b, stop(true)).await;
    assert!(e.to_string().contains("not running"), "{e}");

    // The dead end of issue 17: per-disk rollback of the now stopped VM goes through.
    let snapshot = "pw-disks";
    assert_eq!(
        run(&b, create(&vm, snapshot, false)).await,
        TaskState::Succeeded
    );
    let s = snap(&tree(&b, &vm).await, snapshot).expect("the snapshot is listed");
    assert_eq!(
        run(
            &b,
            Operation::RollbackDisks {
                vm: vm.clone(),
                snapshot: sref(&s),
                disks: s.disks.clone(),
            }
        )
        .await,
        TaskState::Succeeded
    );

    assert_eq!(run(&b, start.clone()).await, TaskState::Succeeded);
    assert!(power_of(&b, &vm).await.0.is_running());
    let e = rejected(&b, start.clone()).await;
    assert!(e.to_string().contains("not shut off"), "{e}");
    assert_eq!(run(&b, stop(true)).await, TaskState::Succeeded);
    assert_eq!(power_of(&b, &vm).await.0, VmPower::Stopped);

    // A running VM whose agent is not connected cannot be shut down gracefully; the
    // refusal says why, and power-off works.
    let no_agent = vms
        .iter()
        .find(|v| v.action.is_none() && v.power.is_running() && v.agent != AgentState::Connected)
        .expect("an idle running VM without a connected agent")
        .to_ref();
    let e = rejected(
        &b,
        Operation::StopVm {
            vm: no_agent.clone(),
            force: false,
        },
    )
    .await;
    assert!(e.to_string().contains("agent is not connected"), "{e}");
    assert!(
        power_of(&b, &no_agent).await.0.is_running(),
        "nothing changed"
    );
    assert_eq!(
        run(
            &b,
            Operation::StopVm {
                vm: no_agent.clone(),
                force: true,
            }
        )
        .await,
        TaskState::Succeeded
    );

    // Lost answers are verified by re-reading, never sent again.
    assert_eq!(
        lost(&server, &b, "/v1/compute/start", start.clone()).await,
        TaskState::Succeeded
    );
    assert!(power_of(&b, &vm).await.0.is_running());
    assert_eq!(
        lost(&server, &b, "/v1/compute/shutoff", stop(true)).await,
        TaskState::Succeeded
    );
    assert_eq!(power_of(&b, &vm).await.0, VmPower::Stopped);
    Ok(())
}

/// TopHC's graceful shutdown "may never take effect" (the docs): the call succeeds and the
/// guest stays up. The watch then says so (`Unknown`, naming power-off), never `Failed`
/// and never sending anything again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_the_guest_ignores_ends_unknown() -> TestResult {
    let server = sim().await;
    let b = connect(&server)
        .await
        .with_watch_timing(vmdeck::backend::WatchTiming {
            interval: Duration::from_millis(50),
            settle: Duration::from_millis(200),
            verify_window: Duration::from_millis(600),
            deadline: Duration::from_secs(30),
        });
    let vm = all_vms(&b)
        .await
        .into_iter()
        .find(|v| v.action.is_none() && v.power.is_running() && v.agent == AgentState::Connected)
        .expect("an idle running VM with its agent connected")
        .to_ref();
    // The documented success answer, with nothing done: the request reached a guest that
    // does not act on it.
    server.faults().inject(
        "/v1/compute/shutdown",
        Fault::Status {
            status: 200,
            body: r#"{"scode":0,"desc":"","message":"success","message_cn":"成功","stack":null,"data":{}}"#.into(),
            content_type: Some("application/json".into()),
        },
        Some(1),
    );
    let started = Instant::now();
    let state = run(
        &b,
        Operation::StopVm {
            vm: vm.clone(),
            force: false,
        },
    )
    .await;
    assert!(
        matches!(&state, TaskState::Unknown { reason } if reason.contains("may ignore it") && reason.contains("power it off")),
        "{state:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "the guest is given the verify window"
    );
    assert!(
        power_of(&b, &vm).await.0.is_running(),
        "nothing was re-sent"
    );
    assert_eq!(
        run(
            &b,
            Operation::StopVm {
                vm: vm.clone(),
                force: true
            }
        )
        .await,
        TaskState::Succeeded
    );
    Ok(())
}

/// A lost start whose VM never comes up is `Unknown`, not `Succeeded` and not re-sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_start_that_did_nothing_is_unknown() -> TestResult {
    let server = sim().await;
    let b = connect(&server)
        .await
        .with_watch_timing(vmdeck::backend::WatchTiming {
            interval: Duration::from_millis(50),
            settle: Duration::from_millis(300),
            verify_window: Duration::from_millis(600),
            deadline: Duration::from_secs(30),
        });
    let vm = idle_vm(&b, false).await.to_ref();
    // The platform refuses (a gateway's 502): the VM may or may not have been started.
    server.faults().inject(
        "/v1/compute/start",
        Fault::Status {
            status: 502,
            body: "bad gateway".into(),
            content_type: None,
        },
        Some(1),
    );
    match b.submit(&Operation::StartVm { vm: vm.clone() }).await {
        Err(SubmitError::AnswerLost { verify, .. }) => {
            let state = follow(verify, "verify start").await.0;
            assert!(
                matches!(&state, TaskState::Unknown { reason } if reason.contains("stopped")),
                "{state:?}"
            );
        }
        other => panic!("expected an unknown outcome, got {:?}", other.err()),
    }
    assert_eq!(power_of(&b, &vm).await.0, VmPower::Stopped, "not re-sent");
    Ok(())
}

// ------------------------------------------------------------------ backup operations

/// `language = "zh-CN"`: TopHC's `message_cn` leads its refusals, `message` follows; in
/// English the other way round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_profiles_lead_with_message_cn() -> TestResult {
    let server = sim().await;
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for (lang, chinese_first) in [(Language::English, false), (Language::Chinese, true)] {
        let mut p = profile(&server.base_url());
        p.language = Some(lang);
        let b = TopHc::connect(&p, SecretString::from(DEFAULT_PASSWORD)).await?;
        // A snapshot with two children cannot be deleted: TopHC refuses it in both words.
        let mut refused = None;
        for vm in all_vms(&b).await {
            let t = tree(&b, &vm.to_ref()).await;
            if let Some(s) = (0..t.nodes.len())
                .filter(|&n| t.snapshot_children(n) >= 2)
                .find_map(|n| t.snapshot(n).cloned())
            {
                refused = Some((vm, s));
                break;
            }
        }
        let (vm, s) = refused.expect("a snapshot with two children");
        let e = rejected(
            &b,
            Operation::DeleteSnapshot {
                vm: vm.to_ref(),
                snapshot: sref(&s),
                descendants: 0,
            },
        )
        .await;
        let BackendError::Platform { message, .. } = &e else {
            panic!("{e:?}")
        };
        let first = message.chars().next().unwrap();
        assert_eq!(cjk(first), chinese_first, "{lang:?}: {message}");
        assert!(
            message.chars().any(cjk) && message.contains(" ("),
            "{message}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_operations_end_to_end() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = idle_vm(&b, true).await;
    let vm_ref = vm.to_ref();
    let points = b.backup_points(&vm.cluster).await?;
    let point = Named::new(points[0].id.clone(), points[0].name.clone());

    for (name, full) in [("b-full", true), ("b-incr", false)] {
        let op = Operation::CreateBackup {
            vm: vm_ref.clone(),
            point: point.clone(),
            name: name.into(),
            description: "test".into(),
            full,
            volume: None,
        };
        assert_eq!(run(&b, op).await, TaskState::Succeeded, "{name}");
    }
    let q = BackupQuery {
        scope: BackupScope::Vm {
            cluster: vm.cluster.clone(),
            vm: Named::new(vm.id.clone(), vm.name.clone()),
        },
        page: PageRequest {
            index: 0,
            size: 100,
        },
        filter: BackupFilter {
            name: "b-full".into(),
            ..Default::default()
        },
        category: Default::default(),
    };
    let listed = b.backups(&q).await?.value.items;
    let full = listed
        .iter()
        .find(|x| x.name == "b-full")
        .expect("the new backup is listed")
        .clone();
    assert_eq!(full.status, BackupStatus::Done);
    assert!(!full.disks.is_empty());

    // Restore to a new VM, following its progress.
    let choices = b.restore_choices(&full.to_ref()).await?;
    let spec = RestoreSpec {
        new_vm_name: "restored-by-test".into(),
        zone_id: choices.zones[0].id.clone(),
        group_id: choices.groups[0].id.clone(),
        disks: full
            .disks
            .iter()
            .map(|d| RestoreDiskSpec {
                device: d.device.clone(),
                pool_id: choices.pools[0].id.clone(),
                volume_name: format!("restored-{}", d.device),
                disk_type: choices.disk_types[0].clone(),
            })
            .collect(),
        cluster: None,
        host: None,
        networks: Vec::new(),
        power_on: false,
    };
    let op = Operation::RestoreBackup {
        backup: full.to_ref(),
        spec,
    };
    let watch = b.submit(&op).await.expect("restore accepted");
    let (state, progress) = follow(watch, "restore").await;
    assert_eq!(state, TaskState::Succeeded);
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let found = b
        .vms(
            &vm.cluster,
            &VmQuery {
                page: None,
                search: "restored-by-test".into(),
            },
        )
        .await?
        .value;
    let new_vm = found
        .items
        .iter()
        .find(|v| v.name == "restored-by-test")
        .expect("the restored VM exists");
    assert_eq!(new_vm.action, None);

    // Delete.
    assert_eq!(
        run(
            &b,
            Operation::DeleteBackup {
                backup: full.to_ref()
            }
        )
        .await,
        TaskState::Succeeded
    );
    assert!(
        b.backups(&q)
            .await?
            .value
            .items
            .iter()
            .all(|x| x.id != full.id)
    );

    // Import what a backup point holds and this cluster does not know yet; importing one
    // it already has is refused by the platform.
    let mut known = std::collections::HashSet::new();
    for index in 0.. {
        let page = b
            .backups(&BackupQuery {
                scope: BackupScope::Cluster {
                    cluster: vm.cluster.clone(),
                },
                page: PageRequest { index, size: 200 },
                filter: BackupFilter::default(),
                category: Default::default(),
            })
            .await?
            .value;
        known.extend(page.items.iter().map(|x| x.id.clone()));
        if page.items.is_empty() || page.is_last() {
            break;
        }
    }
    let remote = b
        .remote_backups(
            &vm.cluster,
            &point,
            PageRequest {
                index: 0,
                size: 500,
            },
        )
        .await?;
    assert!(!remote.items.is_empty(), "the backup point holds backups");
    let import = |r: &RemoteBackup| Operation::ImportRemoteBackups {
        cluster: vm.cluster.clone(),
        point: point.clone(),
        backups: vec![r.clone()],
    };
    if let Some(new) = remote.items.iter().find(|r| !known.contains(&r.id)) {
        assert_eq!(run(&b, import(new)).await, TaskState::Succeeded);
        let q = BackupQuery {
            scope: BackupScope::Cluster {
                cluster: vm.cluster.clone(),
            },
            page: PageRequest {
                index: 0,
                size: 100,
            },
            filter: BackupFilter {
                name: new.name.clone(),
                ..Default::default()
            },
            category: Default::default(),
        };
        assert!(
            b.backups(&q)
                .await?
                .value
                .items
                .iter()
                .any(|x| x.id == new.id)
        );
    }
    if let Some(old) = remote.items.iter().find(|r| known.contains(&r.id)) {
        let e = rejected(&b, import(old)).await;
        assert!(matches!(e, BackendError::Platform { .. }), "{e:?}");
    }
    Ok(())
}

// ------------------------------------------------------------------ sessions

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_renew_for_reads_but_never_repeat_a_mutation() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = idle_vm(&b, true).await;
    let vm_ref = vm.to_ref();

    // Reads: transparent.
    server.faults().expire_sessions();
    let vms = b.vms(&vm.cluster, &VmQuery::default()).await?;
    assert!(!vms.value.items.is_empty());
    server.faults().expire_sessions();
    let (t, d) = tokio::join!(b.snapshots(&vm_ref), b.vm_detail(&vm_ref));
    t?;
    d?;

    // A mutation: refused, not repeated, and says so.
    server.faults().expire_sessions();
    let e = rejected(&b, create(&vm_ref, "s-expired", false)).await;
    let text = e.to_string();
    assert!(text.contains("session had expired"), "{text}");
    assert!(text.contains("run it again"), "{text}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        snap(&tree(&b, &vm_ref).await, "s-expired").is_none(),
        "the refused create was not sent again"
    );
    // The session is good again: running it again works.
    assert_eq!(
        run(&b, create(&vm_ref, "s-expired", false)).await,
        TaskState::Succeeded
    );
    Ok(())
}

// ------------------------------------------------------------------ lost answers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_verified_never_resent() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = idle_vm(&b, true).await;
    let vm_ref = vm.to_ref();

    server.faults().inject(
        "/v1/compute/vsd/snapshot/create",
        Fault::LoseAnswer,
        Some(1),
    );
    match b.submit(&create(&vm_ref, "lost-snap", false)).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(error.answer_lost(), "{error:?}");
            let (state, _) = follow(verify, "verify snapshot").await;
            assert_eq!(state, TaskState::Succeeded);
        }
        other => panic!("expected a lost answer, got {:?}", other.err()),
    }
    let t = tree(&b, &vm_ref).await;
    assert_eq!(
        t.nodes
            .iter()
            .filter(|n| n.snapshot().is_some_and(|s| s.name == "lost-snap"))
            .count(),
        1
    );

    // A backup create that loses its answer: found by name, followed, exactly one made.
    let points = b.backup_points(&vm.cluster).await?;
    let point = Named::new(points[0].id.clone(), points[0].name.clone());
    server
        .faults()
        .inject("/v1/compute/backup/create", Fault::LoseAnswer, Some(1));
    let op = Operation::CreateBackup {
        vm: vm_ref.clone(),
        point,
        name: "lost-backup".into(),
        description: String::new(),
        full: true,
        volume: None,
    };
    match b.submit(&op).await {
        Err(SubmitError::AnswerLost { verify, .. }) => {
            let (state, _) = follow(verify, "verify backup").await;
            assert_eq!(state, TaskState::Succeeded);
        }
        other => panic!("expected a lost answer, got {:?}", other.err()),
    }
    let listed = b
        .backups(&BackupQuery {
            scope: BackupScope::Vm {
                cluster: vm.cluster.clone(),
                vm: Named::new(vm.id.clone(), vm.name.clone()),
            },
            page: PageRequest {
                index: 0,
                size: 100,
            },
            filter: BackupFilter {
                name: "lost-backup".into(),
                ..Default::default()
            },
            category: Default::default(),
        })
        .await?
        .value
        .items;
    assert_eq!(listed.iter().filter(|x| x.name == "lost-backup").count(), 1);

    // A rollback that loses its answer.
    server.faults().inject(
        "/v1/compute/vsd/snapshot/rollback",
        Fault::LoseAnswer,
        Some(1),
    );
    let t = tree(&b, &vm_ref).await;
    let target = t
        .nodes
        .iter()
        .filter_map(|n| n.snapshot())
        .find(|s| s.name != "lost-snap")
        .map(|s| s.to_ref())
        .unwrap_or_else(|| named("lost-snap"));
    let op = Operation::RollbackSnapshot {
        vm: vm_ref.clone(),
        snapshot: target.clone(),
        memory: false,
    };
    match b.submit(&op).await {
        Err(SubmitError::AnswerLost { verify, .. }) => {
            let (state, _) = follow(verify, "verify rollback").await;
            assert_eq!(state, TaskState::Succeeded);
        }
        other => panic!("expected a lost answer, got {:?}", other.err()),
    }
    let t = tree(&b, &vm_ref).await;
    assert_eq!(t.current_snapshot(), t.find(&target.id));
    Ok(())
}

// ------------------------------------------------------------------ broken answers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_answers_give_readable_errors() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let clusters = b.clusters().await?.value;
    let cluster = Named::new(clusters[0].id.clone(), clusters[0].name.clone());
    let faults = server.faults();
    let path = "/v1/compute/list";

    faults.inject(
        path,
        Fault::Status {
            status: 502,
            body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>".into(),
            content_type: None,
        },
        None,
    );
    let e = b.vms(&cluster, &VmQuery::default()).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("502") && text.contains("Bad Gateway"),
        "{text}"
    );
    assert!(!text.contains('<'), "{text}");
    faults.clear();

    // A single 502 is retried away (reads only).
    faults.inject(
        path,
        Fault::Status {
            status: 502,
            body: "<html>bad gateway</html>".into(),
            content_type: None,
        },
        Some(1),
    );
    b.vms(&cluster, &VmQuery::default()).await?;

    faults.inject(
        path,
        Fault::ReplaceBody {
            body: "{\"scode\":0,\"data\":{\"domains\":\"surprise\"}}".into(),
        },
        Some(1),
    );
    let text = b
        .vms(&cluster, &VmQuery::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("expected a list"), "{text}");

    faults.inject(
        path,
        Fault::ReplaceBody {
            body: "this is not json".into(),
        },
        Some(1),
    );
    let text = b
        .vms(&cluster, &VmQuery::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("not valid JSON"), "{text}");

    faults.inject(path, Fault::Truncate, Some(1));
    let text = b
        .vms(&cluster, &VmQuery::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("cut off"), "{text}");

    faults.inject(
        "/v1/compute/vsd/snapshot/tree",
        Fault::ReplaceBody {
            body: String::new(),
        },
        Some(1),
    );
    let vm = idle_vm(&b, true).await.to_ref();
    let text = b.snapshots(&vm).await.unwrap_err().to_string();
    assert!(text.contains("empty body"), "{text}");

    // And everything works again afterwards.
    b.vms(&cluster, &VmQuery::default()).await?;
    Ok(())
}

/// Submits with the answer lost and follows the verify watch.
async fn lost(server: &SimServer, b: &TopHc, path: &str, op: Operation) -> TaskState {
    server.faults().inject(path, Fault::LoseAnswer, Some(1));
    match b.submit(&op).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(error.answer_lost(), "{error:?}");
            follow(verify, &format!("verify {}", op.title())).await.0
        }
        Err(e) => panic!("{}: expected a lost answer, got {e:?}", op.title()),
        Ok(_) => panic!("{}: expected a lost answer, got an answer", op.title()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_lost_answer_is_verified() -> TestResult {
    let server = sim().await;
    let b = connect(&server)
        .await
        .with_watch_timing(vmdeck::backend::WatchTiming {
            interval: Duration::from_millis(50),
            settle: Duration::from_millis(500),
            verify_window: Duration::from_secs(3),
            deadline: Duration::from_secs(60),
        });
    let vm = idle_vm(&b, true).await;
    let vm_ref = vm.to_ref();

    assert_eq!(
        run(&b, create(&vm_ref, "l-1", false)).await,
        TaskState::Succeeded
    );
    let op = Operation::EditSnapshot {
        vm: vm_ref.clone(),
        snapshot: named("l-1"),
        description: "after a lost answer".into(),
    };
    assert_eq!(
        lost(&server, &b, "/v1/compute/vsd/snapshot/modify", op).await,
        TaskState::Succeeded
    );
    assert_eq!(
        snap(&tree(&b, &vm_ref).await, "l-1").unwrap().description,
        "after a lost answer"
    );
    let op = Operation::DeleteSnapshot {
        vm: vm_ref.clone(),
        snapshot: named("l-1"),
        descendants: 0,
    };
    assert_eq!(
        lost(&server, &b, "/v1/compute/vsd/snapshot/delete", op).await,
        TaskState::Succeeded
    );
    assert!(snap(&tree(&b, &vm_ref).await, "l-1").is_none());

    // Disk contents cannot be read back: Succeeded if the VM was seen rolling back,
    // otherwise Unknown. Never Failed, never sent twice.
    let stopped = idle_vm(&b, false).await.to_ref();
    assert_eq!(
        run(&b, create(&stopped, "l-disk", false)).await,
        TaskState::Succeeded
    );
    let s = snap(&tree(&b, &stopped).await, "l-disk").unwrap();
    let op = Operation::RollbackDisks {
        vm: stopped.clone(),
        snapshot: sref(&s),
        disks: s.disks.clone(),
    };
    let state = lost(&server, &b, "/v1/compute/volume/snapshot/rollback", op).await;
    assert!(
        matches!(state, TaskState::Succeeded | TaskState::Unknown { .. }),
        "{state:?}"
    );

    // Backups: create one to restore and delete.
    let points = b.backup_points(&vm.cluster).await?;
    let point = Named::new(points[0].id.clone(), points[0].name.clone());
    let op = Operation::CreateBackup {
        vm: vm_ref.clone(),
        point: point.clone(),
        name: "l-backup".into(),
        description: String::new(),
        full: true,
        volume: None,
    };
    assert_eq!(run(&b, op).await, TaskState::Succeeded);
    let q = BackupQuery {
        scope: BackupScope::Vm {
            cluster: vm.cluster.clone(),
            vm: Named::new(vm.id.clone(), vm.name.clone()),
        },
        page: PageRequest {
            index: 0,
            size: 100,
        },
        filter: BackupFilter {
            name: "l-backup".into(),
            ..Default::default()
        },
        category: Default::default(),
    };
    let backup = b.backups(&q).await?.value.items.remove(0);

    let choices = b.restore_choices(&backup.to_ref()).await?;
    let spec = RestoreSpec {
        new_vm_name: "l-restored".into(),
        zone_id: choices.zones[0].id.clone(),
        group_id: choices.groups[0].id.clone(),
        disks: backup
            .disks
            .iter()
            .map(|d| RestoreDiskSpec {
                device: d.device.clone(),
                pool_id: choices.pools[0].id.clone(),
                volume_name: format!("l-restored-{}", d.device),
                disk_type: "HDD".into(),
            })
            .collect(),
        cluster: None,
        host: None,
        networks: Vec::new(),
        power_on: false,
    };
    let op = Operation::RestoreBackup {
        backup: backup.to_ref(),
        spec,
    };
    assert_eq!(
        lost(&server, &b, "/v1/compute/backup/restore", op).await,
        TaskState::Succeeded
    );
    let restored = b
        .vms(
            &vm.cluster,
            &VmQuery {
                page: None,
                search: "l-restored".into(),
            },
        )
        .await?
        .value;
    assert_eq!(
        restored
            .items
            .iter()
            .filter(|v| v.name == "l-restored")
            .count(),
        1,
        "exactly one VM: the restore was not sent twice"
    );

    let op = Operation::DeleteBackup {
        backup: backup.to_ref(),
    };
    assert_eq!(
        lost(&server, &b, "/v1/compute/backup/delete", op).await,
        TaskState::Succeeded
    );
    assert!(b.backups(&q).await?.value.items.is_empty());

    // Import: the verify watch looks the backups up in the cluster.
    let mut known = std::collections::HashSet::new();
    for index in 0.. {
        let page = b
            .backups(&BackupQuery {
                scope: BackupScope::Cluster {
                    cluster: vm.cluster.clone(),
                },
                page: PageRequest { index, size: 200 },
                filter: BackupFilter::default(),
                category: Default::default(),
            })
            .await?
            .value;
        known.extend(page.items.iter().map(|x| x.id.clone()));
        if page.items.is_empty() || page.is_last() {
            break;
        }
    }
    let remote = b
        .remote_backups(
            &vm.cluster,
            &point,
            PageRequest {
                index: 0,
                size: 500,
            },
        )
        .await?;
    if let Some(new) = remote.items.iter().find(|r| !known.contains(&r.id)) {
        let op = Operation::ImportRemoteBackups {
            cluster: vm.cluster.clone(),
            point,
            backups: vec![new.clone()],
        };
        assert_eq!(
            lost(&server, &b, "/v1/compute/backup/remote/import", op).await,
            TaskState::Succeeded
        );
    }

    // An unreadable answer is treated like a lost one: the platform may have acted.
    // Here it did (the handler ran, then the body was replaced): verified, not resent.
    server.faults().inject(
        "/v1/compute/vsd/snapshot/create",
        Fault::ReplaceBody {
            body: "<html>proxy error</html>".into(),
        },
        Some(1),
    );
    match b.submit(&create(&vm_ref, "mangled", false)).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(matches!(error, BackendError::Decode { .. }), "{error:?}");
            assert_eq!(
                follow(verify, "verify mangled").await.0,
                TaskState::Succeeded
            );
        }
        other => panic!("expected AnswerLost, got {:?}", other.err()),
    }
    // Here it did not (a gateway answered instead): the verify watch ends Unknown.
    server.faults().inject(
        "/v1/compute/vsd/snapshot/create",
        Fault::Status {
            status: 504,
            body: "<html><h1>504 Gateway Time-out</h1></html>".into(),
            content_type: None,
        },
        Some(1),
    );
    match b.submit(&create(&vm_ref, "never-made", false)).await {
        Err(SubmitError::AnswerLost { error, verify }) => {
            assert!(error.to_string().contains("504"), "{error}");
            match follow(verify, "verify never-made").await.0 {
                TaskState::Unknown { reason } => {
                    assert!(reason.contains("never-made"), "{reason}")
                }
                other => panic!("expected Unknown, got {other:?}"),
            }
        }
        other => panic!("expected AnswerLost, got {:?}", other.err()),
    }
    assert!(snap(&tree(&b, &vm_ref).await, "never-made").is_none());
    Ok(())
}

// ---- console: the mapped SPICE port of compute/inspect -----------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_of_a_running_vm_is_its_spice_port_on_the_manager() -> TestResult {
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
    assert_eq!(access.protocol, ConsoleProtocol::Spice);
    assert_eq!(access.host, "127.0.0.1", "the manager's own host");
    assert!((5900..6000).contains(&access.port), "{}", access.port);
    assert_eq!(access.url, format!("spice://127.0.0.1:{}", access.port));
    // The SPICE password sits beside the port in the answer; it is never read out.
    let raw = reqwest_inspect(&server, &vm).await;
    let password = raw["data"]["spice_password"].as_str().expect("a password");
    assert!(!password.is_empty());
    assert!(!format!("{access:?}").contains(password));
    assert!(!access.url.contains(password));
    assert!(
        !log.text().contains(password),
        "the SPICE password reached the log"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_of_a_stopped_vm_says_it_must_run() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let vm = all_vms(&b)
        .await
        .into_iter()
        .find(|v| v.power == VmPower::Stopped)
        .expect("a stopped VM");
    let err = b.console(&vm.to_ref()).await.expect_err("no console");
    assert!(err.to_string().contains("not running"), "{err}");
    Ok(())
}

/// `compute/inspect` read with a plain client, to know what the server sent.
async fn reqwest_inspect(server: &SimServer, vm: &Vm) -> serde_json::Value {
    use md5::{Digest, Md5};
    let base = server.base_url();
    let http = reqwest::Client::new();
    let hash: String = Md5::digest(DEFAULT_PASSWORD.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let login: serde_json::Value = http
        .post(format!("{base}/v1/authentication/login"))
        .json(&serde_json::json!({"tenant": "system", "user": DEFAULT_USER, "password": hash, "is_ldap": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["data"]["token"]
        .as_str()
        .expect("a token")
        .to_string();
    let tenant = vm.to_ref().tenant.map(|t| t.id).unwrap_or_default();
    let mut url = url::Url::parse(&format!("{base}/v1/compute/inspect")).unwrap();
    url.query_pairs_mut().extend_pairs([
        ("cluster_uuid", vm.cluster.id.as_str()),
        ("tenant", tenant.as_str()),
        ("compute_uuid", vm.id.as_str()),
    ]);
    http.get(url)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// TopHC keeps no change log: the interval reads again only the pages holding the rows on
/// screen. A change on such a page is seen, one on another page waits for `r`, an id no
/// longer on the page is reported gone, and the total comes with the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interval_reads_again_only_the_pages_in_view() -> TestResult {
    let server = sim().await;
    let b = connect(&server).await;
    let all = Named::new("", "All clusters");
    let page = |index| VmQuery {
        page: Some(PageRequest { index, size: 10 }),
        search: String::new(),
    };
    let first = b.vms(&all, &page(0)).await?.value;
    let third = b.vms(&all, &page(2)).await?.value;
    let idle = |vms: &[Vm]| {
        vms.iter()
            .find(|v| v.action.is_none() && v.power.is_running())
            .map(Vm::to_ref)
            .expect("an idle running VM on the page")
    };
    let (here, elsewhere) = (idle(&first.items), idle(&third.items));
    for vm in [&here, &elsewhere] {
        let stop = Operation::StopVm {
            vm: vm.clone(),
            force: true,
        };
        assert_eq!(run(&b, stop).await, TaskState::Succeeded);
    }
    let mut ids: Vec<String> = first.items.iter().map(|v| v.id.clone()).collect();
    ids.push("a-vm-deleted-since".into());
    let shown = [ShownPage {
        page: PageRequest { index: 0, size: 10 },
        ids,
    }];
    let VmChanges::Partial {
        upserts,
        deleted,
        total,
    } = b.vm_pages(&all, &shown).await?
    else {
        panic!("TopHC answers the pages in view");
    };
    assert_eq!(total, first.total);
    assert_eq!(upserts.len(), 10);
    let power = |id: &str| upserts.iter().find(|v| v.id == id).map(|v| v.power.clone());
    assert_eq!(
        power(&here.id),
        Some(VmPower::Stopped),
        "a change in view is seen"
    );
    assert_eq!(power(&elsewhere.id), None, "another page is not read");
    assert_eq!(deleted, vec!["a-vm-deleted-since".to_string()]);
    // Nothing in view: nothing to read, the caller reads everything.
    assert_eq!(b.vm_pages(&all, &[]).await?, VmChanges::Resync);
    Ok(())
}
