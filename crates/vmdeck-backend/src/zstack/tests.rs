//! Decoding and conversion against the manual's and the spec's own examples (verbatim
//! fixtures under `tests/fixtures/zstack-client/`), lenient and hostile variants, and the
//! calls `plan` builds compared with the manual's requests.

use jiff::tz::TimeZone;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::convert::{self, BackupOwner, Ctx};
use super::envelope::{self, error_of, job_of_location};
use super::jobs::{self, ResultCheck};
use super::known::{Known, Storage};
use super::ops::{self, Pending, PlanCtx};
use super::session::{JOB_HEADER, sha512_hex};
use super::time::Date;
use super::tree;
use super::wire::{
    BackupStorage, DatabaseBackup, EnableState, JobLocation, LongJob, One, Query, Session,
    SnapshotGroup, SnapshotLeaf, SnapshotTree as WireTree, VmInstance, VmNic, VmState, Volume,
    VolumeBackup, VolumeSnapshot, Zone,
};
use crate::{BackendError, HttpCall};
use vmdeck_model::operation::Operation;
use vmdeck_model::*;

macro_rules! manual {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../..",
            "/tests/fixtures/zstack-client/manual/",
            $name
        ))
    };
}

macro_rules! spec {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../..",
            "/tests/fixtures/zstack-client/spec/",
            $name
        ))
    };
}

fn shanghai() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap()
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> T {
    serde_json::from_str(s).unwrap()
}

/// "2017-11-14T22:20:57" read in Asia/Shanghai, as an instant.
fn at_shanghai(civil: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = civil.parse().unwrap();
    shanghai().to_ambiguous_timestamp(dt).compatible().unwrap()
}

// ------------------------------------------------------------------ envelopes

#[test]
fn login_answers_of_the_manual_and_the_spec() {
    for body in [manual!("3.7_login_reply.json"), spec!("login_reply.json")] {
        let s: One<Session> = decode(body);
        assert_eq!(s.inventory.uuid.len(), 32, "{body}");
        assert_eq!(
            s.inventory.account_uuid.as_str(),
            "36c27e8ff05c4780bf6d2fa65700f22e"
        );
        // expiredDate - createDate: two hours, whatever the MN's zone.
        assert_eq!(
            s.inventory
                .create_date
                .seconds_until(&s.inventory.expired_date),
            Some(7200),
            "{body}"
        );
    }
}

#[test]
fn the_manuals_login_request_hashes_like_ours() {
    // §3.7 sends `loginByAccount` (lower-case i); the spec and sdk_routes.tsv say
    // `logInByAccount`, the class name, which is what we send. The hash is the same.
    let manual = json(manual!("3.7_login_request.json"));
    let spec = json(spec!("login_request.json"));
    assert_eq!(
        manual["loginByAccount"]["password"],
        Value::String(sha512_hex("password"))
    );
    assert!(spec.get("logInByAccount").is_some());
    let ours = super::session::login_call(
        "admin",
        &secrecy::SecretString::from(sha512_hex("password")),
    );
    assert_eq!(
        ours.body.unwrap()["logInByAccount"]["password"],
        manual["loginByAccount"]["password"]
    );
}

#[test]
fn job_locations_name_the_job_whatever_host_they_carry() {
    let l: JobLocation = decode(manual!("3.5_job_location.json"));
    assert_eq!(
        job_of_location(&l.location),
        Some("967a26b7431c49c0b1d50d709ef1aef3")
    );
    let l: JobLocation = decode(manual!("3.7_create_zone_location.json"));
    assert_eq!(
        job_of_location(&l.location),
        Some("d0345d3ddcae485f8170572b15a2b581")
    );
    let l: JobLocation = decode(spec!("job_location.json"));
    assert_eq!(
        job_of_location(&l.location),
        Some("5a1d3c7e9b2f4e6a8c0d1e2f3a4b5c6d")
    );
    assert_eq!(l.api_timeout.get(), Some(1_800_000));
}

#[test]
fn errors_carry_code_description_and_details() {
    let e = envelope::failure("/x", 503, manual!("4.2_error_example.json").as_bytes());
    assert_eq!(
        e,
        BackendError::Platform {
            platform: Platform::ZStack,
            code: "SYS.1001".into(),
            message: "A message or a operation timeout: Create VM on KVM timeout after 300s".into()
        }
    );
    let e = envelope::failure("/x", 503, spec!("wrong_password.json").as_bytes());
    assert!(e.to_string().contains("ID.1000"), "{e}");
    assert!(
        e.to_string().contains("wrong account name or password"),
        "{e}"
    );
    let e = envelope::failure("/x", 503, spec!("session_expired.json").as_bytes());
    assert!(envelope::is_session_error(&e), "{e}");
    let e = envelope::failure("/x", 503, spec!("revert_while_running.json").as_bytes());
    let text = e.to_string();
    assert!(
        text.starts_with("ZStack error SYS.1006: An operation failed: unable to reset volume"),
        "{text}"
    );
    assert!(
        text.contains("is not in Stopped state, current state is Running"),
        "{text}"
    );
}

#[test]
fn gson_escapes_are_plain_json() {
    let e = error_of(
        br#"{"error":{"code":"SYS.1007","details":"field[name] must match \u003c\u003d 255 \u0026 \u0027x\u0027"}}"#,
    )
    .unwrap();
    assert_eq!(e.details.as_str(), "field[name] must match <= 255 & 'x'");
}

// ------------------------------------------------------------------ inventories

fn ctx_with<'a>(tz: &'a TimeZone, known: &'a Known) -> Ctx<'a> {
    Ctx { tz, known }
}

#[test]
fn a_single_get_answers_with_inventory_and_still_reads_as_a_list() {
    let q: Query<Zone> = decode(manual!("3.5_get_zone.json"));
    let zones = q.into_items();
    assert_eq!(zones.len(), 1);
    assert_eq!(zones[0].name.as_str(), "zone1");
    assert_eq!(zones[0].state, EnableState::Enabled);
    let q: Query<Zone> = decode(manual!("3.7_create_zone_result.json"));
    assert_eq!(q.into_items()[0].name.as_str(), "Zone1");
}

#[test]
fn volume_backups_of_the_manual() {
    let tz = shanghai();
    let known = Known::default();
    known.learn("1a0c6b2ca31a3b40b2c06a0f2ecb0849", "data-1");
    let ctx = ctx_with(&tz, &known);
    let owner = BackupOwner {
        vm: Named::new("vm1", "web-1"),
        cluster: Named::new("c1", "cluster1"),
    };
    // §4.1: sizes come as Gson doubles.
    let created: One<VolumeBackup> = decode(manual!("4.1_create_volume_backup_reply.json"));
    let b = convert::volume_backup(&created.inventory, &owner, &ctx);
    assert_eq!(b.id, "6bd6608ecda63747b2471a02b42704d6");
    assert_eq!(b.name, "Backup-1");
    assert_eq!(b.category, BackupCategory::Volume);
    assert_eq!(
        b.volume,
        Some(Named::new("1a0c6b2ca31a3b40b2c06a0f2ecb0849", "data-1"))
    );
    assert_eq!(b.total_size(), Some(1_073_741_824));
    assert_eq!(b.created, Some(at_shanghai("2017-11-14T22:20:57")));
    assert_eq!(b.vm.name, "web-1");
    assert!(!b.root_volume, "the manual's reply names no volume type");
    let root: VolumeBackup =
        serde_json::from_str(r#"{"uuid":"6bd6608ecda63747b2471a02b42704d6","type":"Root"}"#)
            .unwrap();
    assert!(convert::volume_backup(&root, &owner, &ctx).root_volume);
    // §4.3: a query answer, with a sparse inventory.
    let q: Query<VolumeBackup> = decode(manual!("4.3_query_volume_backup_reply.json"));
    let items = q.into_items();
    assert_eq!(items.len(), 1);
    let b = convert::volume_backup(&items[0], &owner, &ctx);
    assert_eq!(b.name, "backup-2");
    assert_eq!(b.description, "my backup");
    assert_eq!(b.total_size(), Some(1_310_720));
    assert!(b.locations.is_empty());
    // §4.7, §4.8: recover and sync answer with the backup.
    for body in [
        manual!("4.7_recover_backup_reply.json"),
        manual!("4.8_sync_backup_reply.json"),
    ] {
        let r: One<VolumeBackup> = decode(body);
        assert_eq!(r.inventory.size.unsigned(), Some(1_073_741_824));
    }
}

#[test]
fn vm_backups_of_the_manual_are_one_backup_per_group() {
    let tz = shanghai();
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let owner = BackupOwner {
        vm: Named::new("vm1", "db-1"),
        cluster: Named::default(),
    };
    for body in [
        manual!("4.9_create_vm_backup_reply.json"),
        manual!("4.12_recover_vm_backup_reply.json"),
        manual!("4.13_sync_vm_backup_reply.json"),
    ] {
        let q: Query<VolumeBackup> = decode(body);
        let rows = q.into_items();
        assert_eq!(rows.len(), 2, "{body}");
        // The manual's examples set groupUuid on the root row only; a real group has it on
        // every member, so group them by the root's.
        let group = rows[0].group_uuid.0.clone();
        assert_eq!(group.len(), 32);
        let members: Vec<&VolumeBackup> = rows.iter().collect();
        let b = convert::vm_backup(&group, &members, &owner, &ctx);
        assert_eq!(b.id, group);
        assert_eq!(b.category, BackupCategory::Vm);
        assert_eq!(b.volume, None);
        assert_eq!(b.name, "Root-Volume-Backup-1");
        assert_eq!(b.disks.len(), 2);
        assert_eq!(b.total_size(), Some(3 * 1_073_741_824));
    }
}

#[test]
fn vm_backup_status_and_locations_come_from_every_member() {
    let tz = TimeZone::UTC;
    let known = Known::default();
    known.learn("bs1", "local");
    known.learn("bs2", "remote");
    let ctx = ctx_with(&tz, &known);
    let row = |uuid: &str, kind: &str, status: &str, bss: &[&str]| -> VolumeBackup {
        let refs: Vec<Value> = bss
            .iter()
            .enumerate()
            .map(|(i, b)| {
                json!({"backupStorageUuid": b, "installPath": format!("zstore://x/{uuid}"),
                                  "createDate": format!("Jan {}, 2024 1:00:00 AM", i + 1)})
            })
            .collect();
        serde_json::from_value(
            json!({"uuid": uuid, "groupUuid": "g", "type": kind, "status": status,
            "name": format!("{kind}-b"), "size": 10, "backupStorageRefs": refs,
            "createDate": "Jan 1, 2024 1:00:00 AM"}),
        )
        .unwrap()
    };
    let root = row("r", "Root", "Ready", &["bs1", "bs2"]);
    let data = row("d", "Data", "Creating", &["bs1"]);
    let owner = BackupOwner {
        vm: Named::default(),
        cluster: Named::default(),
    };
    let b = convert::vm_backup("g", &[&data, &root], &owner, &ctx);
    assert_eq!(b.name, "Root-b", "the root member names the backup");
    assert_eq!(b.status, BackupStatus::InProgress);
    // bs2 holds the root volume only: not a place the VM backup is.
    assert_eq!(b.locations, vec![Named::new("bs1", "local")]);
    assert_eq!(b.point, Some(Named::new("bs1", "local")));
    assert_eq!(b.disks[0].id, "r");
}

#[test]
fn database_backups_of_the_manual() {
    let tz = shanghai();
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let c: One<DatabaseBackup> = decode(manual!("4.14_create_database_backup_reply.json"));
    let b = convert::database_backup(&c.inventory, &ctx);
    assert_eq!(b.name, "zsdb");
    assert_eq!(b.category, BackupCategory::Database);
    assert!(
        b.details
            .iter()
            .any(|d| d.value == "{\"version\":\"3.0.0\"}")
    );
    let q: Query<DatabaseBackup> = decode(manual!("4.16_query_database_backup_reply.json"));
    let row = convert::database_backup(&q.into_items()[0], &ctx);
    assert_eq!(row.name, "db-backup");
    // Its size is what the list's SIZE column shows (the manual writes `13107.0`).
    assert_eq!(row.total_size(), Some(13107));
    let s: One<DatabaseBackup> = decode(manual!("4.21_sync_database_reply.json"));
    assert_eq!(s.inventory.size.unsigned(), Some(1_048_576));
    // §4.18: the export answers with the URL; §4.19 lists exported copies by registry
    // info. Both decode as plain JSON.
    let e = json(manual!("4.18_export_database_reply.json"));
    assert_eq!(
        e["databaseBackupUrl"],
        "http://127.0.0.1:8001/path/zstack-db-backup.gz"
    );
    let infos = json(manual!("4.19_exported_database_backups_reply.json"));
    assert_eq!(infos["infos"][0]["size"], 7995392.0);
}

#[test]
fn an_exported_copy_shows_its_url() {
    let tz = TimeZone::UTC;
    let known = Known::default();
    known.learn("bs1", "store-1");
    let ctx = ctx_with(&tz, &known);
    let b: DatabaseBackup = serde_json::from_value(json!({
        "uuid": "d1", "name": "zstack-db",
        "backupStorageRefs": [{"databaseBackupUuid": "d1", "backupStorageUuid": "bs1",
            "installPath": "zstore://zsbak/x", "exportUrl": "http://10.0.0.5:8001/zstack-db.gz",
            "status": "Ready"}]
    }))
    .unwrap();
    let b = convert::database_backup(&b, &ctx);
    assert!(
        b.details.iter().any(|d| d.label == "Exported from store-1"
            && d.value == "http://10.0.0.5:8001/zstack-db.gz"),
        "{:?}",
        b.details
    );
    assert_eq!(b.locations, vec![Named::new("bs1", "store-1")]);
}

/// vmdeck reads nothing back from a template (it does not list images): the manual's
/// replies only have to pass as a plain job's successful result.
#[test]
fn templates_of_the_manual_end_their_job_as_succeeded() {
    let p = Planner::new(true);
    for (root, body, media) in [
        (
            false,
            manual!("4.4_data_template_reply.json"),
            "DataVolumeTemplate",
        ),
        (
            true,
            manual!("4.5_root_template_reply.json"),
            "RootVolumeTemplate",
        ),
    ] {
        assert_eq!(json(body)["inventory"]["mediaType"], media);
        let op = Operation::CreateTemplateFromBackup {
            backup: backup(
                BackupCategory::Volume,
                "2832c8cc11303003ad248eac940ed06c",
                &[],
            ),
            name: "template".into(),
            root,
            storage: Named::new("ccc3d837be813722bfa59e0a259ada0e", "bs"),
        };
        let call = p.plan(&op);
        let (target, check) = ops::target_of(&op, &call);
        assert!(
            matches!(target, super::verify::Target::Unreadable(_)),
            "{target:?}"
        );
        assert_eq!(check, ResultCheck::Plain);
        envelope::check(&call.path, 200, body.as_bytes()).unwrap();
        assert_eq!(
            jobs::result_state(check, body.as_bytes()),
            TaskState::Succeeded
        );
    }
    // §4.17: a database recovery's reply is a plain success too.
    let r = manual!("4.17_recover_database_reply.json");
    assert_eq!(json(r)["logListenPort"], 0.0);
    envelope::check("/x", 200, r.as_bytes()).unwrap();
    assert_eq!(
        jobs::result_state(ResultCheck::Plain, r.as_bytes()),
        TaskState::Succeeded
    );
}

#[test]
fn vm_states_map_to_power_and_action() {
    assert_eq!(convert::power(&VmState::Running), (VmPower::Running, None));
    assert_eq!(convert::power(&VmState::Stopped), (VmPower::Stopped, None));
    assert_eq!(
        convert::power(&VmState::Migrating),
        (VmPower::Running, Some("migrating".into()))
    );
    assert_eq!(
        convert::power(&VmState::Stopping),
        (VmPower::Stopping, Some("stopping".into()))
    );
    assert_eq!(
        convert::power(&VmState::parse("Hibernating")),
        (VmPower::Unknown("Hibernating".into()), None)
    );
}

#[test]
fn a_vm_from_a_fields_limited_list_gets_its_ip_from_the_nic_query() {
    let tz = shanghai();
    let known = Known::default();
    known.learn("c1", "cluster-1");
    let ctx = ctx_with(&tz, &known);
    let v: VmInstance = serde_json::from_value(json!({
        "uuid": "v1", "name": "web-1", "clusterUuid": "c1", "zoneUuid": "z1", "state": "Running",
        "defaultL3NetworkUuid": "l3b", "cpuNum": 4, "memorySize": 8.589934592E9,
        "rootVolumeUuid": "r1", "createDate": "Oct 7, 2024, 12:05:09\u{202f}AM", "extra": {"x": 1}
    }))
    .unwrap();
    let nics: Vec<VmNic> = serde_json::from_value(json!([
        {"vmInstanceUuid": "v1", "ip": "10.0.0.9", "l3NetworkUuid": "l3a", "deviceId": 0},
        {"vmInstanceUuid": "v1", "ip": "192.168.1.5", "l3NetworkUuid": "l3b", "deviceId": 1}
    ]))
    .unwrap();
    let refs: Vec<&VmNic> = nics.iter().collect();
    let vm = convert::vm(&v, &refs, &Named::default(), &ctx);
    assert_eq!(vm.ip, "192.168.1.5", "the default network's address first");
    assert_eq!(vm.cluster, Named::new("c1", "cluster-1"));
    assert_eq!(
        vm.zone,
        Some(Named::new("z1", "z1")),
        "unknown names show the uuid"
    );
    assert_eq!(vm.memory_bytes, Some(8 << 30));
    assert_eq!(vm.created, Some(at_shanghai("2024-10-07T00:05:09")));
    assert_eq!(known.root_volume("v1").as_deref(), Some("r1"));
}

// ------------------------------------------------------------------ snapshot trees

fn snap(
    uuid: &str,
    volume: &str,
    tree: &str,
    parent: Option<&str>,
    latest: bool,
    t: &str,
) -> VolumeSnapshot {
    let mut v = json!({"uuid": uuid, "name": format!("s-{uuid}"), "volumeUuid": volume,
        "treeUuid": tree, "latest": latest, "status": "Ready", "state": "Enabled",
        "createDate": t});
    if let Some(p) = parent {
        v["parentUuid"] = json!(p);
    }
    serde_json::from_value(v).unwrap()
}

fn volume(uuid: &str, kind: &str, device: i64) -> Volume {
    serde_json::from_value(
        json!({"uuid": uuid, "name": format!("vol-{uuid}"), "type": kind, "deviceId": device}),
    )
    .unwrap()
}

fn wire_tree(uuid: &str, volume: &str, current: bool) -> WireTree {
    serde_json::from_value(json!({"uuid": uuid, "volumeUuid": volume, "current": current})).unwrap()
}

#[test]
fn the_specs_tree_example_puts_now_under_latest() {
    let tz = TimeZone::UTC;
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let q: Query<WireTree> = decode(spec!("snapshot_tree.json"));
    let trees = q.into_items();
    assert!(trees[0].current.is_true());
    // The example's snapshots, as the flat list would give them.
    let mut snaps = Vec::new();
    let mut stack = vec![trees[0].tree.clone().0.unwrap()];
    while let Some(leaf) = stack.pop() {
        let mut s = leaf.inventory.clone().0.unwrap();
        s.volume_uuid = trees[0].volume_uuid.clone();
        s.tree_uuid = trees[0].uuid.clone();
        snaps.push(s);
        stack.extend(leaf.children.0);
    }
    let vols = vec![volume("d71b1fffebb143549dadbecd82aac998", "Root", 0)];
    let view = tree::vm_view(&vols, &trees, &snaps, None, &ctx);
    assert!(view.problems.is_empty(), "{:?}", view.problems);
    let root = view.find("5918...").unwrap();
    let child = view.find("7ba0...").unwrap();
    assert_eq!(view.nodes[child].parent, Some(root));
    assert_eq!(view.current_snapshot(), Some(child));
    let NodeKind::Group { label } = &view.nodes[view.roots[0]].kind else {
        panic!("a heading first");
    };
    assert!(label.starts_with("Root volume"), "{label}");
}

#[test]
fn volumes_are_headed_root_first_with_all_their_trees_and_the_groups_last() {
    let tz = TimeZone::UTC;
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let vols = vec![
        volume("d2", "Data", 2),
        volume("r", "Root", 0),
        volume("d1", "Data", 1),
    ];
    let trees = vec![
        wire_tree("t-old", "r", false),
        wire_tree("t-new", "r", true),
        wire_tree("t-d1", "d1", true),
    ];
    let snaps = vec![
        // The root volume: an old tree with a branch, and the current tree.
        snap("a", "r", "t-old", None, false, "Jan 1, 2024 1:00:00 AM"),
        snap(
            "b",
            "r",
            "t-old",
            Some("a"),
            false,
            "Jan 2, 2024 1:00:00 AM",
        ),
        snap("c", "r", "t-old", Some("a"), true, "Jan 3, 2024 1:00:00 AM"),
        snap("d", "r", "t-new", None, false, "Jan 4, 2024 1:00:00 AM"),
        snap("e", "r", "t-new", Some("d"), true, "Jan 5, 2024 1:00:00 AM"),
        // d1: one snapshot.
        snap("x", "d1", "t-d1", None, true, "Jan 6, 2024 1:00:00 AM"),
    ];
    let groups: Vec<SnapshotGroup> = serde_json::from_value(json!([
        {"uuid": "g1", "name": "before-upgrade", "vmInstanceUuid": "v", "snapshotCount": 2,
         "createDate": "Jan 7, 2024 1:00:00 AM",
         "volumeSnapshotRefs": [{"volumeSnapshotUuid": "e", "volumeUuid": "r", "deviceId": 0, "volumeName": "vol-r"},
                                {"volumeSnapshotUuid": "x", "volumeUuid": "d1", "deviceId": 1, "volumeName": "vol-d1"}]}
    ]))
    .unwrap();
    let view = tree::vm_view(&vols, &trees, &snaps, Some(&groups), &ctx);
    let labels: Vec<String> = view
        .roots
        .iter()
        .map(|r| match &view.nodes[*r].kind {
            NodeKind::Group { label } => label.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        labels,
        vec![
            "Root volume vol-r",
            "Data volume vol-d1 (device 1)",
            "Data volume vol-d2 (device 2)",
            tree::GROUPS_HEADING
        ]
    );
    // "now" is under e (latest of the current tree), not under c (latest of the old one).
    let markers: Vec<NodeId> = view.now_markers().collect();
    assert_eq!(markers.len(), 3, "one per volume");
    assert_eq!(view.nodes[markers[0]].parent, view.find("e"));
    assert_eq!(view.nodes[markers[1]].parent, view.find("x"));
    // d2 has no snapshot: "now" right under its heading.
    assert_eq!(view.nodes[markers[2]].parent, Some(view.roots[2]));
    // a has two children; deleting it takes b and c.
    let a = view.find("a").unwrap();
    assert_eq!(view.snapshot_children(a), 2);
    assert_eq!(view.descendant_snapshots(a), 2);
    // Volume snapshots name their volume; the group names none.
    assert_eq!(
        view.snapshot(view.find("e").unwrap()).unwrap().volume,
        Some(Named::new("r", "vol-r"))
    );
    let g = view.snapshot(view.find("g1").unwrap()).unwrap();
    assert_eq!(g.volume, None);
    assert_eq!(g.disks.len(), 2);
    assert!(view.problems.is_empty(), "{:?}", view.problems);
}

#[test]
fn a_volume_on_none_of_its_trees_is_now_at_the_top() {
    // After a revert from a backup no tree is current: the disk is on no snapshot.
    let tz = TimeZone::UTC;
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let vols = vec![volume("r", "Root", 0)];
    let snaps = vec![snap("a", "r", "t", None, true, "Jan 1, 2024 1:00:00 AM")];
    let view = tree::vm_view(
        &vols,
        &[wire_tree("t", "r", false)],
        &snaps,
        Some(&[]),
        &ctx,
    );
    let marker = view.now_markers().next().unwrap();
    assert_eq!(view.nodes[marker].parent, Some(view.roots[0]));
    assert_eq!(view.current_snapshot(), None);
    // No groups: no empty heading.
    assert_eq!(view.roots.len(), 1);
    // Without tree records the latest mark is all there is.
    let view = tree::vm_view(&vols, &[], &snaps, None, &ctx);
    assert_eq!(view.current_snapshot(), view.find("a"));
}

#[test]
fn no_latest_mark_is_a_problem_not_a_guess() {
    let tz = TimeZone::UTC;
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let vols = vec![volume("r", "Root", 0)];
    let snaps = vec![snap("a", "r", "t", None, false, "Jan 1, 2024 1:00:00 AM")];
    let view = tree::vm_view(&vols, &[wire_tree("t", "r", true)], &snaps, None, &ctx);
    assert_eq!(view.now_markers().count(), 0);
    assert!(
        view.problems.iter().any(|p| p.contains("latest")),
        "{:?}",
        view.problems
    );
}

#[test]
fn a_deep_nested_tree_is_walked_without_recursion() {
    // 5000 levels of {"inventory", "children": [...]} built as a value (a JSON text this
    // deep is refused by the parser, which is why the trees are read without `tree`).
    let mut leaf = SnapshotLeaf::default();
    for i in (0..5000).rev() {
        let inv: VolumeSnapshot =
            serde_json::from_value(json!({"uuid": format!("s{i}"), "volumeUuid": "r"})).unwrap();
        leaf = SnapshotLeaf {
            inventory: crate::lenient::Maybe(Some(inv)),
            parent_uuid: Default::default(),
            children: crate::lenient::List(if i == 4999 { vec![] } else { vec![leaf] }),
        };
    }
    let t = WireTree {
        tree: crate::lenient::Maybe(Some(leaf)),
        ..wire_tree("t", "r", true)
    };
    let tz = TimeZone::UTC;
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let snaps: Vec<VolumeSnapshot> = (0..5000)
        .map(|i| {
            let parent = (i > 0).then(|| format!("s{}", i - 1));
            snap(
                &format!("s{i}"),
                "r",
                "t",
                parent.as_deref(),
                i == 4999,
                "Jan 1, 2024 1:00:00 AM",
            )
        })
        .collect();
    let view = tree::vm_view(
        &[volume("r", "Root", 0)],
        std::slice::from_ref(&t),
        &snaps,
        None,
        &ctx,
    );
    let last = view.find("s4999").unwrap();
    assert_eq!(view.nodes[last].depth, 5000, "the heading is depth 0");
    assert!(view.problems.is_empty(), "{:?}", view.problems.first());
    std::mem::forget(t); // dropping 5000 nested boxes recursively is the test's problem, not ours
}

// ------------------------------------------------------------------ plans

fn vm() -> VmRef {
    VmRef {
        cluster: Named::new("c1", "cluster-1"),
        id: "94d9b2a1c0e34f4f8e3c1b2a4f6d8001".into(),
        name: "web-1".into(),
        tenant: None,
    }
}

fn store(id: &str, name: &str, zones: &[&str]) -> Storage {
    Storage {
        id: id.into(),
        name: name.into(),
        image_store: true,
        enabled: true,
        zones: zones.iter().map(|z| z.to_string()).collect(),
    }
}

struct Planner {
    known: Known,
    tz: TimeZone,
    groups: bool,
}

impl Planner {
    fn new(groups: bool) -> Self {
        let known = Known::default();
        known.learn_root(&vm().id, "aa6fad9b71af3785a9fdec200bab3ee8");
        known.learn_zone(&vm().id, "z1");
        known.set_storages(vec![
            store("cdd6242179f037c3a2c4cd1d17678f36", "local", &["z1"]),
            store("eebba83336ac34938e5a6e6db30d5eb8", "remote", &[]),
        ]);
        Self {
            known,
            tz: TimeZone::UTC,
            groups,
        }
    }

    fn ctx(&self) -> PlanCtx<'_> {
        PlanCtx {
            known: &self.known,
            snapshot_groups: self.groups,
            tz: &self.tz,
        }
    }

    fn plan(&self, op: &Operation) -> HttpCall {
        ops::plan_with(op, &self.ctx(), "d825b1a26f4e474b8c59306081920ff2")
            .unwrap_or_else(|e| panic!("{}: {e}", op.title()))
    }

    fn refused(&self, op: &Operation) -> String {
        match ops::plan_with(op, &self.ctx(), "d825b1a26f4e474b8c59306081920ff2") {
            Err(BackendError::Refused(why)) => why,
            other => panic!("{} was not refused: {other:?}", op.title()),
        }
    }
}

/// Every key of the manual's request (inside the wrapper) is in ours with the same value.
fn has_manuals_fields(ours: &Value, manual: &Value, wrapper: &str) {
    let m = manual[wrapper].as_object().unwrap();
    let o = ours[wrapper]
        .as_object()
        .unwrap_or_else(|| panic!("no {wrapper} in {ours}"));
    for (k, v) in m {
        assert_eq!(o.get(k), Some(v), "{wrapper}.{k} in {ours}");
    }
}

fn backup(category: BackupCategory, id: &str, locations: &[&str]) -> BackupRef {
    BackupRef {
        id: id.into(),
        name: "backup-1".into(),
        category,
        cluster: Named::new("c1", "cluster-1"),
        tenant: None,
        vm: Named::new(vm().id, "web-1"),
        volume: (category == BackupCategory::Volume).then(|| Named::new("v1", "data-1")),
        locations: locations.iter().map(|l| Named::new(*l, *l)).collect(),
    }
}

#[test]
fn every_call_carries_our_job_uuid() {
    let p = Planner::new(true);
    let call = p.plan(&Operation::StartVm { vm: vm() });
    assert_eq!(
        call.headers,
        vec![(
            JOB_HEADER.to_string(),
            "d825b1a26f4e474b8c59306081920ff2".to_string()
        )]
    );
    // The preview shows it.
    assert!(
        call.to_string()
            .contains("X-Job-UUID: d825b1a26f4e474b8c59306081920ff2")
    );
}

#[test]
fn vm_power_actions() {
    let p = Planner::new(true);
    let call = p.plan(&Operation::StartVm { vm: vm() });
    assert_eq!(call.method, reqwest::Method::PUT);
    assert_eq!(
        call.path,
        format!("/zstack/v1/vm-instances/{}/actions", vm().id)
    );
    assert_eq!(call.body, Some(json!({"startVmInstance": {}})));
    for (force, kind) in [(false, "grace"), (true, "cold")] {
        let call = p.plan(&Operation::StopVm { vm: vm(), force });
        assert_eq!(call.body, Some(json!({"stopVmInstance": {"type": kind}})));
    }
}

#[test]
fn snapshot_calls() {
    let p = Planner::new(true);
    let vol = Named::new("19aa0000000000000000000000000000", "root");
    let create = Operation::CreateSnapshot {
        vm: vm(),
        name: " s1 ".into(),
        description: "before upgrade".into(),
        memory: false,
        consistent: false,
        volume: Some(vol.clone()),
    };
    let call = p.plan(&create);
    assert_eq!(call.method, reqwest::Method::POST);
    assert_eq!(
        call.path,
        "/zstack/v1/volumes/19aa0000000000000000000000000000/volume-snapshots"
    );
    assert_eq!(
        call.body,
        Some(json!({"params": {"name": "s1", "description": "before upgrade"}}))
    );

    let group = Operation::CreateSnapshot {
        vm: vm(),
        name: " s1 ".into(),
        description: "before upgrade".into(),
        memory: false,
        consistent: false,
        volume: None,
    };
    let call = p.plan(&group);
    assert_eq!(call.path, "/zstack/v1/volume-snapshots/group");
    assert_eq!(
        call.body,
        Some(
            json!({"params": {"rootVolumeUuid": "aa6fad9b71af3785a9fdec200bab3ee8", "name": "s1",
            "description": "before upgrade", "withMemory": false}})
        )
    );

    let s = SnapshotRef {
        id: "59187000000000000000000000000000".into(),
        name: "s1".into(),
        volume: Some(vol.clone()),
    };
    let g = SnapshotRef {
        volume: None,
        id: "9a000000000000000000000000000000".into(),
        ..s.clone()
    };
    let revert = |snapshot: &SnapshotRef| Operation::RollbackSnapshot {
        vm: vm(),
        snapshot: snapshot.clone(),
        memory: false,
    };
    let call = p.plan(&revert(&s));
    assert_eq!(
        call.path,
        "/zstack/v1/volume-snapshots/59187000000000000000000000000000/actions"
    );
    assert_eq!(call.body, Some(json!({"revertVolumeFromSnapshot": {}})));
    let call = p.plan(&revert(&g));
    assert_eq!(
        call.path,
        "/zstack/v1/volume-snapshots/group/9a000000000000000000000000000000/actions"
    );
    assert_eq!(call.body, Some(json!({"revertVmFromSnapshotGroup": {}})));

    let del = |snapshot: &SnapshotRef| Operation::DeleteSnapshot {
        vm: vm(),
        snapshot: snapshot.clone(),
        descendants: 3,
    };
    let call = p.plan(&del(&s));
    assert_eq!(call.method, reqwest::Method::DELETE);
    assert_eq!(
        call.path_and_query(),
        "/zstack/v1/volume-snapshots/59187000000000000000000000000000?deleteMode=Permissive"
    );
    assert_eq!(call.body, None);
    let call = p.plan(&del(&g));
    assert_eq!(
        call.path_and_query(),
        "/zstack/v1/volume-snapshots/group/9a000000000000000000000000000000?deleteMode=Permissive"
    );

    let edit = Operation::EditSnapshot {
        vm: vm(),
        snapshot: s.clone(),
        description: "kept".into(),
    };
    let call = p.plan(&edit);
    assert_eq!(
        call.body,
        Some(json!({"updateVolumeSnapshot": {"description": "kept"}}))
    );
    let call = p.plan(&Operation::EditSnapshot {
        vm: vm(),
        snapshot: g.clone(),
        description: "kept".into(),
    });
    assert_eq!(
        call.body,
        Some(json!({"updateVolumeSnapshotGroup": {"description": "kept"}}))
    );
}

#[test]
fn snapshot_refusals_say_why() {
    let p = Planner::new(false);
    let base = Operation::CreateSnapshot {
        vm: vm(),
        name: "s".into(),
        description: String::new(),
        memory: false,
        consistent: false,
        volume: None,
    };
    assert!(p.refused(&base).contains("3.6"));
    let p = Planner::new(true);
    let Operation::CreateSnapshot { .. } = &base else {
        unreachable!()
    };
    let with = |f: &dyn Fn(&mut Operation)| {
        let mut op = base.clone();
        f(&mut op);
        op
    };
    assert!(
        p.refused(&with(
            &|op| if let Operation::CreateSnapshot { memory, .. } = op {
                *memory = true
            }
        ))
        .contains("without memory")
    );
    assert!(
        p.refused(&with(
            &|op| if let Operation::CreateSnapshot { name, .. } = op {
                *name = "  ".into()
            }
        ))
        .contains("name")
    );
    // Unknown root volume: plan cannot read, so it says what to do.
    let stranger = with(&|op| {
        if let Operation::CreateSnapshot { vm, .. } = op {
            vm.id = "0123456789abcdef0123456789abcdef".into();
        }
    });
    assert!(
        p.refused(&stranger).contains("refresh"),
        "{}",
        p.refused(&stranger)
    );
    // An id that would address another path.
    let hostile = Operation::StartVm {
        vm: VmRef {
            id: "../accounts/sessions/x".into(),
            ..vm()
        },
    };
    assert!(p.refused(&hostile).contains("not a ZStack uuid"));
    for op in [
        Operation::RollbackDisks {
            vm: vm(),
            snapshot: SnapshotRef::default(),
            disks: vec![],
        },
        Operation::RebuildFromSnapshot {
            vm: vm(),
            snapshot: SnapshotRef::default(),
            new_vm_name: "x".into(),
            power_on: false,
        },
        Operation::RunBackupPlan {
            cluster: Named::default(),
            plan: Named::default(),
            full: true,
        },
    ] {
        assert!(!p.refused(&op).is_empty());
    }
}

#[test]
fn volume_backup_calls_match_the_manual() {
    let p = Planner::new(true);
    // §4.1 CreateVolumeBackup.
    let call = p.plan(&Operation::CreateBackup {
        vm: vm(),
        point: Named::new("1c4b0a3a24533c4faa9b156a0ef98fdf", "bs"),
        name: "backup-1".into(),
        description: "a critical volume backup".into(),
        full: true,
        volume: Some(Named::new("ec7196ba2d993236aceddd9b31f5d19b", "data")),
    });
    assert_eq!(call.method, reqwest::Method::POST);
    assert_eq!(
        call.path,
        "/zstack/v1/volumes/ec7196ba2d993236aceddd9b31f5d19b/volume-backups"
    );
    let body = call.body.unwrap();
    has_manuals_fields(
        &body,
        &json(manual!("4.1_create_volume_backup_request.json")),
        "params",
    );
    assert_eq!(body["params"]["mode"], "full");

    // §4.2 DeleteVolumeBackup.
    let b = backup(
        BackupCategory::Volume,
        "69306d6043643c57b697d8e02e96732f",
        &["601faf08ecbc30debec8e874ecb6b343"],
    );
    let call = p.plan(&Operation::DeleteBackup { backup: b });
    assert_eq!(call.method, reqwest::Method::DELETE);
    assert_eq!(
        call.path_and_query(),
        "/zstack/v1/volume-backups/69306d6043643c57b697d8e02e96732f?deleteMode=Permissive"
    );

    // §4.4 / §4.5 templates.
    for (root, file, kind) in [
        (
            false,
            manual!("4.4_data_template_request.json"),
            "data-volume-templates",
        ),
        (
            true,
            manual!("4.5_root_template_request.json"),
            "root-volume-templates",
        ),
    ] {
        let manual = json(file);
        let call = p.plan(&Operation::CreateTemplateFromBackup {
            backup: backup(
                BackupCategory::Volume,
                "2832c8cc11303003ad248eac940ed06c",
                &[],
            ),
            name: "template".into(),
            root,
            storage: Named::new(
                manual["params"]["backupStorageUuid"].as_str().unwrap(),
                "bs",
            ),
        });
        assert_eq!(
            call.path,
            format!(
                "/zstack/v1/images/{kind}/from/volume-template/2832c8cc11303003ad248eac940ed06c"
            )
        );
        let body = call.body.unwrap();
        for k in ["backupStorageUuid", "name", "system"] {
            assert_eq!(body["params"][k], manual["params"][k], "{k}");
        }
    }

    // §4.6 RevertVolumeFromVolumeBackup. The storage is optional (the manual's example
    // spells it `backupStrogeUuid`, ENDPOINTS `backupStorageUuid`); we leave it to the MN,
    // which picks a local store holding the backup. The wrapper key is the manual's.
    let call = p.plan(&Operation::RestoreInPlace {
        backup: backup(
            BackupCategory::Volume,
            "b3f89ba2d4173bc5864d1b0d19e93f22",
            &["7031eaf192333f52a0cd889327d5a0de"],
        ),
        power_on: false,
    });
    assert_eq!(call.method, reqwest::Method::PUT);
    assert_eq!(
        call.path,
        "/zstack/v1/volume-backups/b3f89ba2d4173bc5864d1b0d19e93f22/actions"
    );
    let manual = json(manual!("4.6_revert_volume_from_backup_request.json"));
    assert!(manual.get("revertVolumeFromVolumeBackup").is_some());
    assert_eq!(call.body, Some(json!({"revertVolumeFromVolumeBackup": {}})));

    // §4.7 Recover: src receives, dst holds.
    let manual = json(manual!("4.7_recover_backup_request.json"));
    let call = p.plan(&Operation::RecoverBackup {
        backup: backup(
            BackupCategory::Volume,
            "4c047b04165e3c8ca2b4859ddf41d882",
            &["eebba83336ac34938e5a6e6db30d5eb8"],
        ),
        from: Named::new("eebba83336ac34938e5a6e6db30d5eb8", "remote"),
    });
    assert_eq!(
        call.path,
        "/zstack/v1/volume-backups/4c047b04165e3c8ca2b4859ddf41d882/actions"
    );
    has_manuals_fields(
        &call.body.unwrap(),
        &manual,
        "recoverBackupFromImageStoreBackupStorage",
    );

    // §4.8 Sync.
    let manual = json(manual!("4.8_sync_backup_request.json"));
    let call = p.plan(&Operation::SyncBackup {
        backup: backup(
            BackupCategory::Volume,
            "d10c8a92398a387ba00952957aeeb99c",
            &["8d41621b44b43562bfe415b1f4eae44c"],
        ),
        to: Named::new("1cb923c4982d3ca397a2dca63aa0d121", "remote"),
    });
    assert_eq!(
        call.path,
        "/zstack/v1/volume-backups/d10c8a92398a387ba00952957aeeb99c/actions"
    );
    has_manuals_fields(
        &call.body.unwrap(),
        &manual,
        "syncBackupFromImageStoreBackupStorage",
    );
}

#[test]
fn vm_backup_calls_match_the_manual() {
    let p = Planner::new(true);
    // §4.9 CreateVmBackup goes to the root volume.
    let call = p.plan(&Operation::CreateBackup {
        vm: vm(),
        point: Named::new("fc50c1ece4753c1981e3e3f65a151e0e", "bs"),
        name: "backup-1".into(),
        description: "a critical volume backup".into(),
        full: false,
        volume: None,
    });
    assert_eq!(
        call.path,
        "/zstack/v1/volumes/aa6fad9b71af3785a9fdec200bab3ee8/vm-backups"
    );
    let body = call.body.unwrap();
    has_manuals_fields(
        &body,
        &json(manual!("4.9_create_vm_backup_request.json")),
        "params",
    );
    assert_eq!(body["params"]["mode"], "incremental");

    // §4.10 DeleteVmBackup.
    let call = p.plan(&Operation::DeleteBackup {
        backup: backup(
            BackupCategory::Vm,
            "92046c016d7c3af7bdd4a5077fb91450",
            &["255fc896605f3237a22940fa92d8670b"],
        ),
    });
    assert_eq!(
        call.path_and_query(),
        "/zstack/v1/vm-backups/92046c016d7c3af7bdd4a5077fb91450?deleteMode=Permissive"
    );

    // §4.11 RevertVmFromVmBackup (the storage left to the MN, as above).
    let call = p.plan(&Operation::RestoreInPlace {
        backup: backup(
            BackupCategory::Vm,
            "39f4e3c4b7553dbc98b8c0ce0e8f82a1",
            &["99afb6149155396c8ac1b6ab62badb9d"],
        ),
        power_on: false,
    });
    assert_eq!(
        call.path,
        "/zstack/v1/vm-backups/39f4e3c4b7553dbc98b8c0ce0e8f82a1/actions"
    );
    let manual = json(manual!("4.11_revert_vm_from_backup_request.json"));
    assert!(manual.get("revertVmFromVmBackup").is_some());
    assert_eq!(call.body, Some(json!({"revertVmFromVmBackup": {}})));

    // §4.12 Recover (from the remote store into the local one).
    let call = p.plan(&Operation::RecoverBackup {
        backup: backup(
            BackupCategory::Vm,
            "7913ce9f37973f4e8339aea4ff61584c",
            &[
                "c63b10a638f6302caeabb7a806d087ad",
                "7c7d653af1c531dfa04dabea3a085de5",
            ],
        ),
        from: Named::new("7c7d653af1c531dfa04dabea3a085de5", "remote"),
    });
    assert_eq!(
        call.path,
        "/zstack/v1/vm-backups/7913ce9f37973f4e8339aea4ff61584c/actions"
    );
    has_manuals_fields(
        &call.body.unwrap(),
        &json(manual!("4.12_recover_vm_backup_request.json")),
        "recoverVmBackupFromImageStoreBackupStorage",
    );

    // §4.13 Sync.
    let call = p.plan(&Operation::SyncBackup {
        backup: backup(
            BackupCategory::Vm,
            "14e53ad2aecd3e7ebe1f05cb4f5dd6a5",
            &["3428f7d03e493f89b32c57ef80a7e5af"],
        ),
        to: Named::new("6f8c528537a9347a86da7a96fb7418d4", "remote"),
    });
    assert_eq!(
        call.path,
        "/zstack/v1/vm-backups/14e53ad2aecd3e7ebe1f05cb4f5dd6a5/actions"
    );
    has_manuals_fields(
        &call.body.unwrap(),
        &json(manual!("4.13_sync_vm_backup_request.json")),
        "syncVmBackupFromImageStoreBackupStorage",
    );
}

#[test]
fn database_backup_calls_match_the_manual() {
    let p = Planner::new(true);
    // §4.14: the operation has no name, so one is made up — and kept for submit.
    let call = p.plan(&Operation::CreateDatabaseBackup {
        storage: Named::new("676c5945223647698fcf4da2fa46d1dd", "bs"),
    });
    assert_eq!(call.path, "/zstack/v1/database-backups");
    let body = call.body.unwrap();
    let manual = json(manual!("4.14_create_database_backup_request.json"));
    assert_eq!(
        body["params"]["backupStorageUuid"],
        manual["params"]["backupStorageUuid"]
    );
    assert!(
        body["params"]["name"]
            .as_str()
            .unwrap()
            .starts_with("vmdeck-db-")
    );

    // §4.15 Delete: every copy named.
    let call = p.plan(&Operation::DeleteBackup {
        backup: backup(
            BackupCategory::Database,
            "9caf0430ce473651ae7033e1a16a0097",
            &["0c54ad64cd8d3ca1ba9d98864bb83571"],
        ),
    });
    assert_eq!(
        call.path_and_query(),
        "/zstack/v1/database-backups/9caf0430ce473651ae7033e1a16a0097?backupStorageUuids=0c54ad64cd8d3ca1ba9d98864bb83571"
    );

    // §4.17: by uuid, with the MySQL root password — which the preview never shows.
    let db = backup(
        BackupCategory::Database,
        "9caf0430ce473651ae7033e1a16a0097",
        &[],
    );
    let recover = |password: &str| Operation::RecoverDatabaseBackup {
        backup: db.clone(),
        mysql_root_password: vmdeck_model::operation::Secret(secrecy::SecretString::from(password)),
    };
    let call = p.plan(&recover("s3cret-root"));
    assert_eq!(call.method, reqwest::Method::PUT);
    assert_eq!(call.path, "/zstack/v1/database-backups/actions");
    let body = call.body.clone().unwrap();
    assert_eq!(
        body["recoverDatabaseFromBackup"]["uuid"],
        "9caf0430ce473651ae7033e1a16a0097"
    );
    assert_eq!(
        body["recoverDatabaseFromBackup"]["mysqlRootPassword"],
        "s3cret-root"
    );
    let manual: Value =
        serde_json::from_str(manual!("4.17_recover_database_request.json")).unwrap();
    assert!(manual["recoverDatabaseFromBackup"]["mysqlRootPassword"].is_string());
    let preview = call.to_string();
    assert!(!preview.contains("s3cret-root"), "{preview}");
    assert!(preview.contains("mysqlRootPassword"), "{preview}");
    let why = p.refused(&recover(""));
    assert!(why.contains("MySQL root password"), "{why}");

    // §4.18 Export, §4.20 delete the export.
    let db = backup(
        BackupCategory::Database,
        "6dae84793fc53f5b82034dd9a44c554b",
        &[],
    );
    let bs = Named::new("cc9127f6af0e32c888044f49048788a1", "bs");
    let call = p.plan(&Operation::ExportDatabaseBackup {
        backup: db.clone(),
        storage: bs.clone(),
    });
    assert_eq!(
        call.path,
        "/zstack/v1/database-backups/6dae84793fc53f5b82034dd9a44c554b/backup-storage/cc9127f6af0e32c888044f49048788a1/actions"
    );
    has_manuals_fields(
        &call.body.unwrap(),
        &json(manual!("4.18_export_database_request.json")),
        "exportDatabaseBackupFromBackupStorage",
    );
    let call = p.plan(&Operation::DeleteExportedDatabaseBackup {
        backup: db,
        storage: bs,
    });
    assert_eq!(call.method, reqwest::Method::DELETE);
    assert_eq!(
        call.path,
        "/zstack/v1/exported-database-backup/6dae84793fc53f5b82034dd9a44c554b/backup-storage/cc9127f6af0e32c888044f49048788a1"
    );

    // §4.21 Sync.
    let call = p.plan(&Operation::SyncBackup {
        backup: backup(
            BackupCategory::Database,
            "4594a949f00e3a55932f5b5e66ec9d67",
            &["72ad4c5419d63f5aaf37faf985c95a65"],
        ),
        to: Named::new("76b2c6b412a73ef8a4263e659c104fff", "remote"),
    });
    assert_eq!(
        call.path,
        "/zstack/v1/database-backups/4594a949f00e3a55932f5b5e66ec9d67/actions"
    );
    has_manuals_fields(
        &call.body.unwrap(),
        &json(manual!("4.21_sync_database_request.json")),
        "syncDatabaseBackupFromImageStoreBackupStorage",
    );
}

#[test]
fn backup_refusals_say_why() {
    let p = Planner::new(true);
    let b = backup(
        BackupCategory::Vm,
        "39f4e3c4b7553dbc98b8c0ce0e8f82a1",
        &["bs1"],
    );
    assert!(
        p.refused(&Operation::RestoreInPlace {
            backup: b.clone(),
            power_on: true
        })
        .contains("start it afterwards")
    );
    assert!(
        p.refused(&Operation::SyncBackup {
            backup: b.clone(),
            to: Named::new("bs1", "bs1")
        })
        .contains("already has a copy")
    );
    let nowhere = backup(BackupCategory::Vm, "39f4e3c4b7553dbc98b8c0ce0e8f82a1", &[]);
    assert!(
        p.refused(&Operation::SyncBackup {
            backup: nowhere,
            to: Named::new("bs2", "bs2")
        })
        .contains("refresh")
    );
    assert!(
        p.refused(&Operation::CreateTemplateFromBackup {
            backup: b.clone(),
            name: "t".into(),
            root: true,
            storage: Named::new("bs1", "bs1")
        })
        .contains("volume backups")
    );
    assert!(
        p.refused(&Operation::RestoreBackup {
            backup: b,
            spec: RestoreSpec::default()
        })
        .contains("in place")
    );
    // Recover with no other storage known: the only other image store is the receiver;
    // with several it would be a guess, so it is refused.
    let only_remote = backup(
        BackupCategory::Volume,
        "4c047b04165e3c8ca2b4859ddf41d882",
        &["eebba83336ac34938e5a6e6db30d5eb8"],
    );
    let call = p.plan(&Operation::RecoverBackup {
        backup: only_remote.clone(),
        from: Named::new("eebba83336ac34938e5a6e6db30d5eb8", "remote"),
    });
    assert_eq!(
        call.body.unwrap()["recoverBackupFromImageStoreBackupStorage"]["srcBackupStorageUuid"],
        "cdd6242179f037c3a2c4cd1d17678f36"
    );
    // Another store in the zone, but disabled, and one in another zone: still only one
    // candidate.
    let mut off = store("d1", "maintenance", &["z1"]);
    off.enabled = false;
    p.known.set_storages(vec![
        store("cdd6242179f037c3a2c4cd1d17678f36", "local", &["z1"]),
        off,
        store("z2-store", "elsewhere", &["z2"]),
        store("eebba83336ac34938e5a6e6db30d5eb8", "remote", &[]),
    ]);
    let call = p.plan(&Operation::RecoverBackup {
        backup: only_remote.clone(),
        from: Named::new("eebba83336ac34938e5a6e6db30d5eb8", "remote"),
    });
    assert_eq!(
        call.body.unwrap()["recoverBackupFromImageStoreBackupStorage"]["srcBackupStorageUuid"],
        "cdd6242179f037c3a2c4cd1d17678f36"
    );
    p.known.set_storages(vec![
        store("a", "a", &["z1"]),
        store("b", "b", &["z1"]),
        store("eebba83336ac34938e5a6e6db30d5eb8", "remote", &[]),
    ]);
    assert!(
        p.refused(&Operation::RecoverBackup {
            backup: only_remote,
            from: Named::new("eebba83336ac34938e5a6e6db30d5eb8", "remote"),
        })
        .contains("cannot tell which")
    );
}

#[test]
fn a_plan_is_kept_until_submitted_so_the_preview_and_the_request_match() {
    let p = Planner::new(true);
    let pending = Pending::default();
    let op = Operation::CreateDatabaseBackup {
        storage: Named::new("676c5945223647698fcf4da2fa46d1dd", "bs"),
    };
    let plan = || pending.get_or_plan(&op, || ops::plan_with(&op, &p.ctx(), &jobs::new_job_uuid()));
    let first = plan().unwrap();
    let again = plan().unwrap();
    assert_eq!(first, again, "the same job uuid and the same made-up name");
    let other = Operation::StartVm { vm: vm() };
    let o = pending
        .get_or_plan(&other, || {
            ops::plan_with(&other, &p.ctx(), &jobs::new_job_uuid())
        })
        .unwrap();
    assert_ne!(o.headers, first.headers, "another operation, another job");
    assert_eq!(
        pending.take(&op),
        Some(first.clone()),
        "submit sends what was shown"
    );
    assert_eq!(pending.take(&op), None);
    let next = plan().unwrap();
    assert_ne!(
        next.headers, first.headers,
        "a job uuid is never used twice"
    );
    // Refusals are not remembered.
    let bad = Operation::StartVm {
        vm: VmRef {
            id: String::new(),
            ..vm()
        },
    };
    assert!(
        pending
            .get_or_plan(&bad, || ops::plan_with(&bad, &p.ctx(), "x"))
            .is_err()
    );
    assert_eq!(pending.take(&bad), None);
}

#[test]
fn group_results_fail_when_a_volume_failed() {
    let ok = br#"{"results":[{"snapshotUuid":"a","volumeUuid":"v1","success":true}]}"#;
    assert_eq!(
        jobs::result_state(ResultCheck::PerSnapshot, ok),
        TaskState::Succeeded
    );
    let bad = br#"{"results":[{"snapshotUuid":"a","success":true},
        {"snapshotUuid":"b","volumeUuid":"v2","success":false,
         "error":{"code":"SYS.1006","description":"An operation failed","details":"volume busy"}}]}"#;
    match jobs::result_state(ResultCheck::PerSnapshot, bad) {
        TaskState::Failed { message } => {
            assert!(message.contains("1 of 2"), "{message}");
            assert!(message.contains("volume busy"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        jobs::result_state(ResultCheck::Plain, bad),
        TaskState::Succeeded
    );
    assert_eq!(
        jobs::result_state(ResultCheck::PerSnapshot, b"{}"),
        TaskState::Succeeded
    );
}

// ------------------------------------------------------------------ long jobs

#[test]
fn long_jobs_become_platform_tasks() {
    let tz = shanghai();
    let known = Known::default();
    known.learn("vol1", "root-of-web-1");
    let ctx = ctx_with(&tz, &known);
    let jobs: Query<LongJob> = serde_json::from_value(json!({"inventories": [
        {"uuid": "lj1", "apiId": "api1", "jobName": "APIRevertVolumeFromSnapshotMsg", "state": "Running",
         "targetResourceUuid": "vol1", "createDate": "Oct 7, 2024 12:05:09 AM"},
        {"uuid": "lj2", "name": "nightly export", "jobName": "APIExportImageFromBackupStorageMsg",
         "state": "Failed", "jobResult": "{\"error\":{\"code\":\"SYS.1006\",\"description\":\"An operation failed\",\"details\":\"no space\"}}",
         "createDate": "Oct 7, 2024 1:05:09 AM", "lastOpDate": "Oct 7, 2024 1:06:09 AM"},
        {"uuid": "lj3", "state": "Hibernating"}
    ]}))
    .unwrap();
    let tasks: Vec<PlatformTask> = jobs
        .into_items()
        .iter()
        .map(|j| convert::long_job(j, &ctx))
        .collect();
    assert_eq!(tasks[0].id, "api1");
    assert_eq!(tasks[0].title, "Revert volume from snapshot");
    assert_eq!(tasks[0].target, "root-of-web-1");
    assert_eq!(tasks[0].state, TaskState::Running { progress: None });
    assert_eq!(tasks[0].started, Some(at_shanghai("2024-10-07T00:05:09")));
    assert_eq!(tasks[0].finished, None);
    assert_eq!(tasks[1].title, "nightly export");
    assert_eq!(
        tasks[1].state,
        TaskState::Failed {
            message: "SYS.1006: An operation failed: no space".into()
        }
    );
    assert!(tasks[1].finished.is_some());
    assert_eq!(tasks[2].id, "lj3");
    assert!(matches!(tasks[2].state, TaskState::Unknown { .. }));
}

/// Since 2020 a failed job's `jobResult` is a `JobResultError` (`detail`, `cause`, maybe an
/// elaboration), not an ErrorCode: read as what went wrong, never shown as JSON.
#[test]
fn failed_long_jobs_say_what_went_wrong_in_either_form() {
    let tz = shanghai();
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let failed = |result: &str| {
        let j: LongJob = serde_json::from_value(json!({
            "uuid": "lj", "state": "Failed", "jobResult": result, "executeTime": 125,
        }))
        .unwrap();
        let t = convert::long_job(&j, &ctx);
        assert!(
            t.details
                .iter()
                .any(|d| d.label == "Ran for" && d.value == "2m05s"),
            "{:?}",
            t.details
        );
        match t.state {
            TaskState::Failed { message } => message,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        failed(
            r#"{"detail":"failed to migrate vm[uuid:8f3a] to host[uuid:77c1]","cause":"host[uuid:77c1] has not enough memory"}"#
        ),
        "failed to migrate vm[uuid:8f3a] to host[uuid:77c1]: caused by host[uuid:77c1] has not enough memory"
    );
    // No cause of its own: `cause` repeats `detail`.
    assert_eq!(
        failed(
            r#"{"cause":"the primary storage is disconnected","detail":"the primary storage is disconnected"}"#
        ),
        "the primary storage is disconnected"
    );
    assert_eq!(
        failed(
            r#"{"detail":"unable to reset volume","cause":"unable to reset volume","message":{"message_en":"stop the VM first","code":"ORG.1","distance":0.0}}"#
        ),
        "unable to reset volume: stop the VM first"
    );
    // The older form, bare or wrapped.
    assert_eq!(
        failed(
            r#"{"code":"SYS.1004","description":"Unable to delete a resource","details":"the primary storage is disconnected"}"#
        ),
        "SYS.1004: Unable to delete a resource: the primary storage is disconnected"
    );
    assert_eq!(
        failed(r#"{"error":{"code":"SYS.1006","details":"no space"}}"#),
        "SYS.1006: no space"
    );
    assert_eq!(failed(""), "the long job failed without saying why");
}

// ------------------------------------------------------------------ hostile input

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9 ,:.\\u{202f}]{0,24}".prop_map(Value::String),
        prop_oneof![
            Just("Oct 7, 2024 12:05:09 AM"),
            Just("Running"),
            Just("Root"),
            Just("true"),
            Just("ID.1001"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("uuid"),
            Just("name"),
            Just("inventories"),
            Just("inventory"),
            Just("total"),
            Just("error"),
            Just("code"),
            Just("details"),
            Just("state"),
            Just("type"),
            Just("latest"),
            Just("current"),
            Just("parentUuid"),
            Just("treeUuid"),
            Just("volumeUuid"),
            Just("tree"),
            Just("children"),
            Just("size"),
            Just("createDate"),
            Just("groupUuid"),
            Just("vmNics"),
            Just("allVolumes"),
            Just("backupStorageRefs"),
            Just("results"),
            Just("success"),
            Just("cause"),
            Just("location"),
            Just("volumeSnapshotRefs"),
            Just("jobResult"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.prop_map(str::to_string), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn everything_from(bytes: &[u8]) {
    let tz = shanghai();
    let known = Known::default();
    let ctx = ctx_with(&tz, &known);
    let _ = error_of(bytes);
    let _ = envelope::check("/x", 200, bytes);
    let _ = envelope::failure("/x", 503, bytes);
    let _ = jobs::result_state(ResultCheck::PerSnapshot, bytes);
    if let Ok(l) = serde_json::from_slice::<JobLocation>(bytes) {
        let _ = job_of_location(&l.location);
    }
    if let Ok(s) = serde_json::from_slice::<One<Session>>(bytes) {
        let _ = s
            .inventory
            .create_date
            .seconds_until(&s.inventory.expired_date);
    }
    let vms: Vec<VmInstance> = serde_json::from_slice::<Query<VmInstance>>(bytes)
        .map(Query::into_items)
        .unwrap_or_default();
    for v in &vms {
        let _ = convert::vm_detail(v, &Named::default(), &ctx);
    }
    let vols: Vec<Volume> = serde_json::from_slice::<Query<Volume>>(bytes)
        .map(Query::into_items)
        .unwrap_or_default();
    let trees: Vec<WireTree> = serde_json::from_slice::<Query<WireTree>>(bytes)
        .map(Query::into_items)
        .unwrap_or_default();
    let snaps: Vec<VolumeSnapshot> = serde_json::from_slice::<Query<VolumeSnapshot>>(bytes)
        .map(Query::into_items)
        .unwrap_or_default();
    let groups: Vec<SnapshotGroup> = serde_json::from_slice::<Query<SnapshotGroup>>(bytes)
        .map(Query::into_items)
        .unwrap_or_default();
    let view = tree::vm_view(&vols, &trees, &snaps, Some(&groups), &ctx);
    for n in 0..view.nodes.len() {
        let _ = view.descendant_snapshots(n);
    }
    let rows: Vec<VolumeBackup> = serde_json::from_slice::<Query<VolumeBackup>>(bytes)
        .map(Query::into_items)
        .unwrap_or_default();
    let owner = BackupOwner {
        vm: Named::default(),
        cluster: Named::default(),
    };
    for r in &rows {
        let _ = convert::volume_backup(r, &owner, &ctx);
    }
    let refs: Vec<&VolumeBackup> = rows.iter().collect();
    let _ = convert::vm_backup("g", &refs, &owner, &ctx);
    if let Ok(q) = serde_json::from_slice::<Query<DatabaseBackup>>(bytes) {
        for d in q.into_items() {
            let _ = convert::database_backup(&d, &ctx);
        }
    }
    if let Ok(q) = serde_json::from_slice::<Query<LongJob>>(bytes) {
        for j in q.into_items() {
            let _ = convert::long_job(&j, &ctx);
        }
    }
    if let Ok(q) = serde_json::from_slice::<Query<BackupStorage>>(bytes) {
        for b in q.into_items() {
            let _ = convert::backup_point(&b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn hostile_json_never_panics(v in json_value()) {
        everything_from(&serde_json::to_vec(&v).unwrap());
        // The same value as the payload of each list.
        everything_from(&serde_json::to_vec(&json!({"inventories": [v.clone()], "total": v})).unwrap());
    }

    #[test]
    fn hostile_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        everything_from(&bytes);
    }

    #[test]
    fn any_date_text_parses_or_is_absent(s in "\\PC{0,40}") {
        let d = super::time::parse_text(&s);
        let _ = d.in_zone(&shanghai());
    }

    #[test]
    fn gson_dates_round_trip_in_any_zone(
        (y, mo, d, h, mi, s) in (1971i16..2100, 1i8..=12, 1i8..=28, 0i8..24, 0i8..60, 0i8..60),
        zone in prop_oneof![Just("UTC"), Just("Asia/Shanghai"), Just("America/New_York"), Just("Europe/Berlin")],
    ) {
        let months = ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"];
        let (h12, ampm) = match h { 0 => (12, "AM"), 1..=11 => (h, "AM"), 12 => (12, "PM"), _ => (h - 12, "PM") };
        let mon = months[(mo - 1) as usize];
        for text in [
            format!("{mon} {d}, {y} {h12}:{mi:02}:{s:02} {ampm}"),
            format!("{mon} {d}, {y}, {h12}:{mi:02}:{s:02}\u{202f}{ampm}"),
        ] {
            let parsed = super::time::parse_text(&text);
            let want = jiff::civil::date(y, mo, d).at(h, mi, s, 0);
            prop_assert_eq!(parsed, Date::Local(want));
            let tz = TimeZone::get(zone).unwrap();
            let ts = parsed.in_zone(&tz).unwrap();
            // Read back in the same zone gives the same wall clock (away from DST gaps).
            let back = ts.to_zoned(tz.clone()).datetime();
            let gap = tz.to_ambiguous_timestamp(want).is_ambiguous();
            prop_assert!(gap || back == want, "{} → {} → {}", text, ts, back);
        }
    }
}
