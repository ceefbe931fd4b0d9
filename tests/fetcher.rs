//! The fetcher against the simulator over loopback: a VM listing of several pages, asked
//! for a few pages at a time, arrives whole and in order on every platform.

use std::collections::HashSet;
use std::time::Duration;

use secrecy::SecretString;
use vmdeck::backend;
use vmdeck::config::Profile;
use vmdeck::fetcher::{self, Command, Event};
use vmdeck::model::{Named, Platform};
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, SimConfig, SimServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_many_pages_arrives_whole_and_in_order_on_every_platform() {
    let server = SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            vms: Some(2_600),
            time_scale: 50.0,
            ..Default::default()
        },
    )
    .await
    .expect("simulator");
    for platform in [Platform::TopHc, Platform::CloudTower, Platform::ZStack] {
        let profile = Profile::new(platform, server.base_url(), DEFAULT_USER);
        let b = backend::connect(&profile, SecretString::from(DEFAULT_PASSWORD))
            .await
            .expect("login");
        let mut f = fetcher::spawn(b, true);
        f.commands
            .send(Command::LoadVms {
                seq: 7,
                cluster: Named::new("", "All clusters"),
            })
            .unwrap();
        let (mut pages, mut ids) = (Vec::new(), HashSet::new());
        let total = loop {
            let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
                .await
                .expect("the listing moves on")
                .expect("fetcher runs");
            let Event::Vms { seq, result, done } = ev else {
                continue;
            };
            assert_eq!(seq, 7);
            let listing = result.unwrap_or_else(|e| panic!("{platform}: {e}"));
            pages.push(listing.value.request.index);
            let total = listing.value.total;
            for v in listing.value.items {
                assert!(ids.insert(v.id.clone()), "{platform}: {} twice", v.id);
            }
            if done {
                break total;
            }
        };
        let expected: Vec<u32> = (0..pages.len() as u32).collect();
        assert_eq!(pages, expected, "{platform}: pages in order, none twice");
        assert!(pages.len() >= 5, "{platform}: several pages ({pages:?})");
        assert_eq!(ids.len() as u64, total, "{platform}: every VM once");
    }
}

/// A bulk snapshot of five VMs on ZStack with a limit of two: exactly one create per VM,
/// never more than two in flight, the one VM the platform refuses fails alone, and the
/// one whose answer is lost goes Unknown, is re-read, and is found made (not sent again).
/// A ZStack site on the simulator (its clock `time_scale` times ours), followed quickly,
/// and `n` of its VMs with nothing under way.
async fn zstack_idle_vms(
    time_scale: f64,
    n: usize,
) -> (
    SimServer,
    std::sync::Arc<dyn vmdeck::backend::Backend>,
    Vec<vmdeck::model::Vm>,
) {
    use vmdeck::backend::zstack::ZStack;
    use vmdeck::backend::{VmQuery, WatchTiming};
    let server = SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            time_scale,
            ..Default::default()
        },
    )
    .await
    .expect("simulator");
    let profile = Profile::new(Platform::ZStack, server.base_url(), DEFAULT_USER);
    let zs = ZStack::connect(&profile, SecretString::from(DEFAULT_PASSWORD))
        .await
        .expect("login")
        .with_watch_timing(WatchTiming {
            interval: Duration::from_millis(20),
            ..WatchTiming::default()
        });
    let b: std::sync::Arc<dyn vmdeck::backend::Backend> = std::sync::Arc::new(zs);
    let vms: Vec<_> = b
        .vms(&Named::default(), &VmQuery::default())
        .await
        .expect("VMs")
        .value
        .items
        .into_iter()
        .filter(|v| v.action.is_none())
        .take(n)
        .collect();
    assert_eq!(vms.len(), n, "{n} idle VMs");
    (server, b, vms)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_snapshot_sends_one_create_per_vm_two_at_a_time_and_one_failure_stops_none() {
    use vmdeck::model::TaskState;
    use vmdeck::sim::Fault;

    let (server, b, vms) = zstack_idle_vms(20.0, 5).await;
    assert_eq!(vms.len(), 5);
    let (steps, roots) = root_snapshot_steps(&*b, &vms, "bulk").await;
    // The platform refuses the third VM's create.
    server.faults().inject(
        &format!("/zstack/v1/volumes/{}/volume-snapshots", roots[2].id),
        Fault::Status {
            status: 400,
            body: r#"{"error":{"code":"SYS.1007","description":"refused by the test","details":"the volume is busy"}}"#.into(),
            content_type: Some("application/json".into()),
        },
        None,
    );
    // The fourth VM's answer is lost after the platform took the create.
    server.faults().inject(
        &format!("/zstack/v1/volumes/{}/volume-snapshots", roots[3].id),
        Fault::LoseAnswer,
        Some(1),
    );
    let mut f = fetcher::spawn_limited(b.clone(), false, 2);
    f.commands
        .send(Command::ExecuteBulk {
            group: 1,
            steps,
            stop_at_failure: false,
            limit: None,
        })
        .unwrap();
    let mut in_flight = HashSet::new();
    let (mut most, mut ended) = (0, std::collections::BTreeMap::new());
    let mut unknown = HashSet::new();
    while ended.len() < 5 {
        let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
            .await
            .expect("the bulk moves on")
            .expect("fetcher runs");
        let Event::Task { id, state } = ev else {
            continue;
        };
        if matches!(state, TaskState::Unknown { .. }) {
            unknown.insert(id.0);
        }
        if state.is_terminal() && !matches!(state, TaskState::Unknown { .. }) {
            in_flight.remove(&id);
            ended.insert(id.0, state);
        } else if matches!(state, TaskState::Running { .. }) {
            in_flight.insert(id);
            most = most.max(in_flight.len());
        }
    }
    assert_eq!(most, 2, "two at a time, and side by side");
    assert_eq!(
        unknown.into_iter().collect::<Vec<_>>(),
        [4],
        "the lost answer, and only it"
    );
    for (i, v) in vms.iter().enumerate() {
        let state = &ended[&(i as u64 + 1)];
        let tree = b.snapshots(&v.to_ref()).await.expect("tree");
        let made = tree
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                vmdeck::model::NodeKind::Snapshot(s) if s.name == format!("bulk-{}", v.name) => {
                    Some(s)
                }
                _ => None,
            })
            .count();
        if i == 2 {
            assert!(
                matches!(state, TaskState::Failed { message } if message.contains("refused by the test")),
                "{state:?}"
            );
            assert_eq!(made, 0, "{}: nothing made", v.name);
        } else {
            assert_eq!(state, &TaskState::Succeeded, "{}", v.name);
            assert_eq!(made, 1, "{}: exactly one create", v.name);
        }
    }
}

/// Canceling a bulk ends its members not sent yet, at once and never sent; the one
/// already sent runs to its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canceling_a_bulk_ends_the_queued_members_unsent() {
    use vmdeck::model::{NodeKind, TaskState};

    // At our pace a snapshot takes 2 s: the cancel lands while the first runs.
    let (_server, b, vms) = zstack_idle_vms(1.0, 4).await;
    let (steps, _) = root_snapshot_steps(&*b, &vms, "cancel").await;
    let mut f = fetcher::spawn_limited(b.clone(), false, 1);
    f.commands
        .send(Command::ExecuteBulk {
            group: 9,
            steps,
            stop_at_failure: false,
            limit: None,
        })
        .unwrap();
    let mut ended = std::collections::BTreeMap::new();
    while ended.len() < 4 {
        let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
            .await
            .expect("the bulk moves on")
            .expect("fetcher runs");
        let Event::Task { id, state } = ev else {
            continue;
        };
        if id.0 == 1 && matches!(state, TaskState::Running { .. }) {
            f.commands.send(Command::CancelBulk { group: 9 }).unwrap();
        }
        if state.is_terminal() {
            ended.insert(id.0, state);
        }
    }
    assert_eq!(ended[&1], TaskState::Succeeded);
    for (i, v) in vms.iter().enumerate() {
        let made = b
            .snapshots(&v.to_ref())
            .await
            .expect("tree")
            .nodes
            .iter()
            .filter(|n| {
                matches!(&n.kind, NodeKind::Snapshot(s) if s.name == format!("cancel-{}", v.name))
            })
            .count();
        if i == 0 {
            assert_eq!(made, 1);
        } else {
            assert_eq!(
                ended[&(i as u64 + 1)],
                TaskState::Canceled,
                "{i}: {ended:?}"
            );
            assert_eq!(made, 0, "{}: never sent", v.name);
        }
    }
}

/// "Stop at first failure": the first member the platform refuses cancels those not sent
/// yet; they end canceled and nothing is sent for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_that_stops_at_its_first_failure_sends_nothing_after_it() {
    use vmdeck::model::{NodeKind, TaskState};
    use vmdeck::sim::Fault;

    let (server, b, vms) = zstack_idle_vms(20.0, 4).await;
    let (steps, roots) = root_snapshot_steps(&*b, &vms, "stop").await;
    server.faults().inject(
        &format!("/zstack/v1/volumes/{}/volume-snapshots", roots[1].id),
        Fault::Status {
            status: 400,
            body: r#"{"error":{"code":"SYS.1007","description":"refused by the test","details":"the volume is busy"}}"#.into(),
            content_type: Some("application/json".into()),
        },
        None,
    );
    let mut f = fetcher::spawn_limited(b.clone(), false, 1);
    f.commands
        .send(Command::ExecuteBulk {
            group: 3,
            steps,
            stop_at_failure: true,
            limit: None,
        })
        .unwrap();
    let mut ended = std::collections::BTreeMap::new();
    while ended.len() < 4 {
        let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
            .await
            .expect("the bulk moves on")
            .expect("fetcher runs");
        if let Event::Task { id, state } = ev
            && state.is_terminal()
        {
            ended.insert(id.0, state);
        }
    }
    assert_eq!(ended[&1], TaskState::Succeeded);
    assert!(
        matches!(&ended[&2], TaskState::Failed { message } if message.contains("refused by the test")),
        "{:?}",
        ended[&2]
    );
    assert_eq!(ended[&3], TaskState::Canceled);
    assert_eq!(ended[&4], TaskState::Canceled);
    for (i, v) in vms.iter().enumerate() {
        let made = b
            .snapshots(&v.to_ref())
            .await
            .expect("tree")
            .nodes
            .iter()
            .filter(|n| matches!(&n.kind, NodeKind::Snapshot(s) if s.name == format!("stop-{}", v.name)))
            .count();
        assert_eq!(made, usize::from(i == 0), "{}", v.name);
    }
}

/// A bulk rollback's lookup against the simulator: each VM's whole-VM snapshot of the name
/// is found once (not again as its volumes' snapshots, which share the name on ZStack), a
/// VM without one finds none; rolled back as a bulk, each ends succeeded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_rollback_finds_each_vms_snapshot_by_name_and_reverts_it() {
    use vmdeck::model::{TaskId, TaskState, VmPower};
    use vmdeck::operation::Operation;

    let (_server, b, idle) = zstack_idle_vms(50.0, 30).await;
    let vms: Vec<_> = idle
        .into_iter()
        .filter(|v| v.power == VmPower::Stopped)
        .take(3)
        .collect();
    assert_eq!(vms.len(), 3, "three stopped idle VMs");
    let mut f = fetcher::spawn_limited(b.clone(), false, 2);
    // Two of the three get a snapshot "pre-<name>".
    let steps: Vec<_> = vms[..2]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                TaskId(i as u64 + 1),
                Operation::CreateSnapshot {
                    vm: v.to_ref(),
                    name: format!("pre-{}", v.name),
                    description: String::new(),
                    memory: false,
                    consistent: false,
                    volume: None,
                },
            )
        })
        .collect();
    f.commands
        .send(Command::ExecuteBulk {
            group: 1,
            steps,
            stop_at_failure: false,
            limit: None,
        })
        .unwrap();
    let ended = ended_tasks(&mut f, 2).await;
    assert!(
        ended.values().all(|s| *s == TaskState::Succeeded),
        "{ended:?}"
    );

    let targets: Vec<_> = vms
        .iter()
        .map(|v| (v.to_ref(), format!("pre-{}", v.name)))
        .collect();
    f.commands
        .send(Command::FindSnapshots { seq: 7, targets })
        .unwrap();
    let found = loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
            .await
            .expect("the lookup answers")
            .expect("fetcher runs");
        if let Event::SnapshotsFound { seq: 7, found } = ev {
            break found;
        }
    };
    let found: Vec<_> = found.into_iter().map(|r| r.expect("tree read")).collect();
    assert_eq!(
        found.iter().map(Vec::len).collect::<Vec<_>>(),
        [1, 1, 0],
        "{found:?}"
    );
    assert!(
        found[..2].iter().all(|h| h[0].volume.is_none()),
        "whole-VM snapshots"
    );

    let steps: Vec<_> = vms[..2]
        .iter()
        .zip(&found)
        .enumerate()
        .map(|(i, (v, hits))| {
            (
                TaskId(i as u64 + 10),
                Operation::RollbackSnapshot {
                    vm: v.to_ref(),
                    snapshot: hits[0].clone(),
                    memory: false,
                },
            )
        })
        .collect();
    f.commands
        .send(Command::ExecuteBulk {
            group: 2,
            steps,
            stop_at_failure: false,
            limit: None,
        })
        .unwrap();
    let ended = ended_tasks(&mut f, 2).await;
    assert!(
        ended.values().all(|s| *s == TaskState::Succeeded),
        "{ended:?}"
    );
}

/// The end of `n` tasks (an Unknown on the way is not an end: it is re-read).
async fn ended_tasks(
    f: &mut fetcher::FetcherHandle,
    n: usize,
) -> std::collections::BTreeMap<u64, vmdeck::model::TaskState> {
    use vmdeck::model::TaskState;
    let mut ended = std::collections::BTreeMap::new();
    while ended.len() < n {
        let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
            .await
            .expect("the bulk moves on")
            .expect("fetcher runs");
        if let Event::Task { id, state } = ev
            && state.is_terminal()
            && !matches!(state, TaskState::Unknown { .. })
        {
            ended.insert(id.0, state);
        }
    }
    ended
}

/// One snapshot of each VM's root volume, named `{prefix}-{vm}`, tagged 1, 2, …; and the
/// root volumes, for faults aimed at one of them.
async fn root_snapshot_steps(
    b: &dyn vmdeck::backend::Backend,
    vms: &[vmdeck::model::Vm],
    prefix: &str,
) -> (
    Vec<(vmdeck::model::TaskId, vmdeck::operation::Operation)>,
    Vec<Named>,
) {
    let mut steps = Vec::new();
    let mut roots = Vec::new();
    for (i, v) in vms.iter().enumerate() {
        let detail = b.vm_detail(&v.to_ref()).await.expect("detail");
        let root = detail.disks.into_iter().find(|d| d.is_root).unwrap().volume;
        roots.push(root.clone());
        let op = vmdeck::operation::Operation::CreateSnapshot {
            vm: v.to_ref(),
            name: format!("{prefix}-{}", v.name),
            description: String::new(),
            memory: false,
            consistent: false,
            volume: Some(root),
        };
        steps.push((vmdeck::model::TaskId(i as u64 + 1), op));
    }
    (steps, roots)
}
