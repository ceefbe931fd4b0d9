//! Deterministic generation of the ZStack world from a [`SimConfig`].
//!
//! Everything is drawn from one `ChaCha8Rng` in a fixed order, so a seed always gives the
//! same world. Timestamps are relative to `anchor` (the start of the current UTC day), so
//! two simulators started the same day answer identical JSON and the data looks recent.
//! Snapshots are taken, reverted and trees replaced through the same world rules the API
//! uses, so the seeded trees are ones the platform could have produced.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::ids::Uid;
use super::time::compact_date;
use super::world::*;
use crate::SimConfig;
use crate::seed_util::{SNAPSHOTS_PER_OTHER_VM, mac};

const DAY: i64 = 86_400;
pub const DEFAULT_VMS: usize = 100;
/// VM backups (groups of volume backups); standalone volume backups come on top.
pub const DEFAULT_BACKUPS: usize = 150;
/// Snapshots of a root volume, at most (the first VM of each cluster gets exactly this).
pub const DEFAULT_SNAPSHOTS: usize = 6;
/// The admin account's uuid is fixed in every ZStack installation.
pub const ADMIN_ACCOUNT_UUID: u128 = 0x36c27e8ff05c4780bf6d2fa65700f22e;
pub const MN_HOST: &str = "172.20.0.10";
pub const MN_VERSION: &str = "4.8.0";

struct ClusterSpec {
    name: &'static str,
    desc: &'static str,
    zone: usize,
    ps: (&'static str, &'static str, &'static str),
    net: u8,
    hosts: usize,
    weight: usize,
}

const CLUSTERS: &[ClusterSpec] = &[
    ClusterSpec {
        name: "Cluster-1",
        desc: "生产业务集群",
        zone: 0,
        ps: ("ceph-ps-01", "Ceph", "ceph://10.0.1.5:6789/pool-zstack"),
        net: 1,
        hosts: 4,
        weight: 5,
    },
    ClusterSpec {
        name: "研发测试集群",
        desc: "研发与测试环境",
        zone: 0,
        ps: ("local-ps-研发", "LocalStorage", "/zstack_ps"),
        net: 2,
        hosts: 3,
        weight: 3,
    },
    ClusterSpec {
        name: "dr-cluster",
        desc: "异地灾备集群",
        zone: 1,
        ps: ("sblk-ps-dr", "SharedBlock", "sharedblock://dr-vg"),
        net: 9,
        hosts: 2,
        weight: 2,
    },
];

const VM_BASES: &[&str] = &[
    "财务系统-db",
    "oa-app",
    "web-frontend",
    "api-gateway",
    "mysql-主库",
    "mysql-从库",
    "redis-cache",
    "erp-应用",
    "k8s-master",
    "k8s-worker",
    "jenkins-ci",
    "gitlab",
    "监控-prometheus",
    "elk-日志",
    "文件服务器",
    "ad-域控",
    "nginx-lb",
    "kafka-broker",
    "堡垒机",
    "hr-人事系统",
    "crm-app",
    "测试机",
    "开发环境",
    "邮件服务器",
];

/// (name, platform, guestOsType, size GiB)
const IMAGES: &[(&str, &str, &str, u64)] = &[
    ("CentOS-7.9-x86_64", "Linux", "CentOS 7", 40),
    ("Ubuntu-22.04-server", "Linux", "Ubuntu 22.04", 40),
    ("Windows-Server-2019-DC", "Windows", "Windows 2019", 50),
    ("银河麒麟-Kylin-V10-SP2", "Linux", "Kylin 10", 50),
    ("统信UOS-20", "Linux", "UnionTech OS Server 20", 50),
    ("Rocky-Linux-9.3", "Linux", "Rocky Linux 9", 40),
];

#[derive(Clone, Copy)]
struct StoreSpec {
    name: &'static str,
    host: &'static str,
    url: &'static str,
    zones: &'static [usize],
    /// A disaster-recovery store elsewhere (system tag `remote`).
    remote: bool,
    bs_type: &'static str,
    state: &'static str,
}

/// Backup storages; the tests and the module docs name them.
const STORES: &[StoreSpec] = &[
    StoreSpec {
        name: "imagestore-主仓库",
        host: "10.0.0.21",
        url: "/zstack_bs",
        zones: &[0],
        remote: false,
        bs_type: "ImageStoreBackupStorage",
        state: "Enabled",
    },
    StoreSpec {
        name: "imagestore-dr",
        host: "10.0.9.21",
        url: "/zstack_bs",
        zones: &[1],
        remote: false,
        bs_type: "ImageStoreBackupStorage",
        state: "Enabled",
    },
    StoreSpec {
        name: "远程灾备仓库",
        host: "10.200.0.5",
        url: "/zstack_dr",
        zones: &[],
        remote: true,
        bs_type: "ImageStoreBackupStorage",
        state: "Enabled",
    },
    StoreSpec {
        name: "sftp-legacy",
        host: "10.0.0.22",
        url: "/sftp_bs",
        zones: &[0],
        remote: false,
        bs_type: "SftpBackupStorage",
        state: "Enabled",
    },
    StoreSpec {
        name: "imagestore-维护中",
        host: "10.0.0.23",
        url: "/zstack_bs2",
        zones: &[0],
        remote: false,
        bs_type: "ImageStoreBackupStorage",
        state: "Disabled",
    },
];

const SNAPSHOT_NAMES: &[&str] = &[
    "自动快照",
    "before-upgrade",
    "升级前快照",
    "补丁前",
    "daily",
    "配置变更前",
    "release",
    "baseline",
];

fn uid(w: &mut World, rng: &mut ChaCha8Rng) -> Uid {
    loop {
        let u = Uid::random(rng);
        if !w.index.contains_key(&u) {
            return u;
        }
    }
}

pub fn build(config: &SimConfig, anchor: i64, now: i64) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut w = World::empty(config.seed);
    w.now = now;
    w.account_uuid = Uid(ADMIN_ACCOUNT_UUID);
    let origin = anchor - 420 * DAY;
    w.mn = ManagementNode {
        uuid: uid(&mut w, &mut rng),
        host_name: MN_HOST.to_string(),
        join: anchor - 3 * DAY + 7 * 3600,
        version: MN_VERSION,
    };
    let mn_uuid = w.mn.uuid;
    w.register(mn_uuid, Kind::ManagementNode, 0);

    for (i, (name, desc)) in [("ZONE-1", "主数据中心"), ("ZONE-DR", "异地灾备中心")]
        .into_iter()
        .enumerate()
    {
        let u = uid(&mut w, &mut rng);
        w.zones.push(Zone {
            uuid: u,
            name: name.to_string(),
            description: Some(desc.to_string()),
            is_default: i == 0,
            stamp: Stamp::at(origin + i as i64 * 3600),
        });
        w.register(u, Kind::Zone, i);
    }

    for (ci, spec) in CLUSTERS.iter().enumerate() {
        let pu = uid(&mut w, &mut rng);
        let pi = w.primary_storages.len();
        w.primary_storages.push(PrimaryStorage {
            uuid: pu,
            name: spec.ps.0.to_string(),
            ps_type: spec.ps.1,
            url: spec.ps.2.to_string(),
            zone: spec.zone,
            total: [120u64, 40, 60][ci] * 1024 * GIB,
            stamp: Stamp::at(origin + DAY),
        });
        w.register(pu, Kind::PrimaryStorage, pi);
        let cu = uid(&mut w, &mut rng);
        w.clusters.push(Cluster {
            uuid: cu,
            name: spec.name.to_string(),
            description: Some(spec.desc.to_string()),
            zone: spec.zone,
            ps: pi,
            stamp: Stamp::at(origin + DAY + 600),
        });
        w.register(cu, Kind::Cluster, ci);
        for h in 0..spec.hosts {
            let hu = uid(&mut w, &mut rng);
            let hi = w.hosts.len();
            let ip = format!("10.0.{}.{}", spec.net, 11 + h);
            // the last host of the second cluster is in maintenance: nothing runs there
            let maintenance = ci == 1 && h + 1 == spec.hosts;
            w.hosts.push(Host {
                uuid: hu,
                name: format!("计算节点-{}-{:02}", spec.net, h + 1),
                zone: spec.zone,
                cluster: ci,
                ip,
                state: if maintenance {
                    "Maintenance"
                } else {
                    "Enabled"
                },
                status: "Connected",
                cpu_num: [32, 48, 64][h % 3],
                cpu_sockets: 2,
                memory: [256u64, 384, 512][h % 3] * GIB,
                os: ("centos", "core", "7.9.2009"),
                stamp: Stamp::at(origin + DAY + 1200 + h as i64 * 60),
            });
            w.register(hu, Kind::Host, hi);
        }
    }

    for (i, st) in STORES.iter().enumerate() {
        let StoreSpec {
            name,
            host,
            url,
            zones,
            remote,
            bs_type,
            state,
        } = *st;
        let zones = zones.to_vec();
        let u = uid(&mut w, &mut rng);
        w.backup_storages.push(BackupStorage {
            uuid: u,
            name: name.to_string(),
            description: remote.then(|| "异地灾备镜像仓库（远程）".to_string()),
            bs_type,
            url: url.to_string(),
            hostname: host.to_string(),
            state,
            status: "Connected",
            total: [80u64, 40, 200, 10, 20][i] * 1024 * GIB,
            used: [23u64, 9, 61, 2, 1][i] * 1024 * GIB,
            zones,
            remote,
            stamp: Stamp::at(origin + 2 * DAY + i as i64 * 600),
        });
        w.register(u, Kind::BackupStorage, i);
    }

    for (i, (name, zone, prefix)) in [
        ("L3-业务网络", 0usize, "10.10.1"),
        ("L3-研发网络", 0, "10.10.2"),
        ("L3-灾备网络", 1, "10.20.1"),
    ]
    .into_iter()
    .enumerate()
    {
        let u = uid(&mut w, &mut rng);
        w.l3s.push(L3Network {
            uuid: u,
            name: name.to_string(),
            zone,
            prefix: prefix.to_string(),
            stamp: Stamp::at(origin + 2 * DAY + 3600),
        });
        w.register(u, Kind::L3, i);
    }

    for (i, (name, platform, os, gib)) in IMAGES.iter().enumerate() {
        let u = uid(&mut w, &mut rng);
        let t = origin + 3 * DAY + i as i64 * 900;
        let refs = [0usize, 1]
            .into_iter()
            .map(|bs| ImageRef {
                bs,
                install_path: format!("zstore://zstack/{u}@{}", &u.to_string()[..12]),
                status: "Ready",
                stamp: Stamp::at(t),
            })
            .collect();
        w.images.push(Image {
            uuid: u,
            name: name.to_string(),
            description: None,
            media_type: "RootVolumeTemplate",
            platform: platform.to_string(),
            guest_os_type: Some(os.to_string()),
            architecture: "x86_64",
            format: "qcow2",
            status: "Ready",
            size: gib * GIB,
            actual_size: gib * GIB / 5 + i as u64 * 97 * MIB,
            system: false,
            refs,
            stamp: Stamp::at(t),
        });
        w.register(u, Kind::Image, i);
    }

    build_vms(&mut w, &mut rng, config, anchor);
    build_backups(&mut w, &mut rng, config, anchor);
    build_db_backups(&mut w, &mut rng, anchor);
    build_long_jobs(&mut w, &mut rng, anchor);
    w.rng = ChaCha8Rng::seed_from_u64(config.seed.wrapping_mul(31).wrapping_add(7));
    w
}

fn build_vms(w: &mut World, rng: &mut ChaCha8Rng, config: &SimConfig, anchor: i64) {
    let n = config.vms.unwrap_or(DEFAULT_VMS);
    let max_snaps = config.snapshots.unwrap_or(DEFAULT_SNAPSHOTS);
    let total_weight: usize = CLUSTERS.iter().map(|c| c.weight).sum();
    let mut first_of_cluster = vec![true; CLUSTERS.len()];
    for i in 0..n {
        // clusters take VMs in proportion to their weight, interleaved
        let slot = i % total_weight;
        let mut acc = 0;
        let ci = CLUSTERS
            .iter()
            .position(|c| {
                acc += c.weight;
                slot < acc
            })
            .unwrap_or(0);
        let spec = &CLUSTERS[ci];
        let base = VM_BASES[rng.random_range(0..VM_BASES.len())];
        let name = format!(
            "{base}-{:02}",
            i / VM_BASES.len() + 1 + rng.random_range(0..3)
        );
        let image = rng.random_range(0..IMAGES.len());
        let created = anchor - rng.random_range(20 * DAY..400 * DAY) + rng.random_range(0..DAY);
        let roll: f64 = rng.random();
        let state = if roll < 0.70 {
            "Running"
        } else if roll < 0.95 {
            "Stopped"
        } else {
            "Paused"
        };
        let hosts: Vec<usize> = (0..w.hosts.len())
            .filter(|&h| w.hosts[h].cluster == ci && w.hosts[h].state == "Enabled")
            .collect();
        let host = hosts[rng.random_range(0..hosts.len())];
        let vu = uid(w, rng);
        let vi = w.vms.len();
        let ps = w.clusters[ci].ps;
        let l3 = if spec.zone == 1 { 2 } else { ci };
        let nic_count = if rng.random_bool(0.15) { 2 } else { 1 };
        let mut nics = Vec::new();
        for k in 0..nic_count {
            let nu = uid(w, rng);
            let l3k = if k == 0 { l3 } else { (l3 + 1) % 2 };
            nics.push(Nic {
                uuid: nu,
                l3: l3k,
                ip: format!("{}.{}", w.l3s[l3k].prefix, 10 + (i * 7 + k * 3) % 240),
                mac: mac(rng, &[0xfa]),
                device_id: k as u32,
                internal_name: format!("vnic{}.{k}", 100 + i),
            });
        }
        let cpu = [1u32, 2, 4, 4, 8, 16][rng.random_range(0..6)];
        let mem = [1u64, 2, 4, 8, 16, 32][rng.random_range(0..6)] * GIB;
        let (platform, os) = (IMAGES[image].1, IMAGES[image].2);
        let root_gib = [40u64, 50, 100][rng.random_range(0..3)].max(IMAGES[image].3);
        let data_count = match rng.random_range(0..10) {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        let mut volumes = Vec::new();
        for d in 0..=data_count {
            let vol_u = uid(w, rng);
            let file = uid(w, rng);
            let root = d == 0;
            let size = if root {
                root_gib * GIB
            } else {
                [100u64, 200, 500][rng.random_range(0..3)] * GIB
            };
            let actual = size / 100 * rng.random_range(20..90);
            let idx = w.volumes.len();
            let install_path = volume_install_path(&w.primary_storages[ps], vol_u, file, root);
            w.volumes.push(Volume {
                uuid: vol_u,
                name: if root {
                    format!("ROOT-for-{name}")
                } else {
                    format!("{name}-data{d}")
                },
                description: None,
                ps,
                vm: Some(vi),
                root,
                root_image: root.then_some(image),
                disk_offering: (!root).then(|| Uid::random(rng)),
                install_path,
                size,
                actual_size: actual,
                device_id: d as u32,
                status: "Ready",
                trees: vec![],
                stamp: Stamp::at(created + d as i64 * 60),
                deleted: false,
            });
            w.register(vol_u, Kind::Volume, idx);
            volumes.push(idx);
        }
        let running = state != "Stopped";
        w.vms.push(Vm {
            uuid: vu,
            name: name.clone(),
            description: rng.random_bool(0.3).then(|| format!("{base} 业务主机")),
            zone: spec.zone,
            cluster: ci,
            host: running.then_some(host),
            last_host: Some(host),
            image,
            instance_offering: Uid::random(rng),
            platform: platform.to_string(),
            guest_os_type: os.to_string(),
            cpu_num: cpu,
            memory: mem,
            state,
            volumes: volumes.clone(),
            nics,
            stamp: Stamp {
                create: created,
                last_op: created + rng.random_range(0..10 * DAY),
            },
            deleted: false,
        });
        w.register(vu, Kind::Vm, vi);

        let exact = std::mem::replace(&mut first_of_cluster[ci], false);
        let others = max_snaps.min(SNAPSHOTS_PER_OTHER_VM);
        let root_snaps = if exact {
            max_snaps
        } else {
            rng.random_range(0..=others)
        };
        seed_snapshots(w, rng, volumes[0], root_snaps, exact, created, anchor);
        for &dv in &volumes[1..] {
            let k = rng.random_range(0..=others / 2);
            seed_snapshots(w, rng, dv, k, false, created, anchor);
        }
        if data_count > 0 && rng.random_bool(0.35) {
            let groups = rng.random_range(1..=2);
            let after = volumes
                .iter()
                .flat_map(|&v| w.volumes[v].trees.clone())
                .filter_map(|tr| w.trees[tr].latest)
                .map(|s| w.snapshots[s].stamp.create)
                .max()
                .unwrap_or(created);
            // Each group after the snapshots before it: its snapshots are their children.
            let mut last = after;
            for g in 0..groups {
                let t = ((anchor - rng.random_range(DAY..10 * DAY)).max(after + 3600) + g * 3600)
                    .max(last + 3600);
                last = t;
                let name = format!("整机快照-{}", &compact_date(t)[..8]);
                seed_group(w, rng, vi, name, t);
            }
        }
    }
}

/// Gives volume `v` `count` snapshots through the platform's own rules: mostly new
/// snapshots under `latest`, sometimes a revert to an older node first (a new branch), now
/// and then a restore from a backup (the next snapshot starts a new tree).
fn seed_snapshots(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    v: usize,
    count: usize,
    exact_shape: bool,
    created: i64,
    anchor: i64,
) {
    if count == 0 {
        return;
    }
    let span = (anchor - created - DAY).max(DAY);
    let step = span / (count as i64 + 1);
    let mut t = created + DAY / 2;
    let mut made: Vec<usize> = Vec::new();
    let mut in_tree: Vec<usize> = Vec::new();
    for k in 0..count {
        t += rng.random_range(step / 2..=step.max(step / 2 + 1));
        if exact_shape {
            // a fixed shape for the first VM of each cluster: an older tree, then a
            // current tree with a branch
            if count >= 4 && k == count / 3 {
                w.replace_volume_disk(v, t - 600);
                in_tree.clear();
            }
            if count >= 4 && k + 1 == count && in_tree.len() >= 2 {
                w.revert_to_snapshot(in_tree[0], t - 300);
            }
        } else if !in_tree.is_empty() {
            let roll: f64 = rng.random();
            if roll < 0.15 && in_tree.len() >= 2 {
                let back = in_tree[rng.random_range(0..in_tree.len() - 1)];
                w.revert_to_snapshot(back, t - 300);
            } else if roll < 0.22 && in_tree.len() >= 2 {
                w.replace_volume_disk(v, t - 600);
                in_tree.clear();
            }
        }
        let base = SNAPSHOT_NAMES[rng.random_range(0..SNAPSHOT_NAMES.len())];
        let name = format!("{base}-{}", &compact_date(t)[..8]);
        let u = uid(w, rng);
        let desc = rng.random_bool(0.3).then(|| "定期快照".to_string());
        let s = w.take_snapshot(v, u, name, desc, t, "Ready");
        made.push(s);
        in_tree.push(s);
    }
    // sometimes the volume was reverted and left there
    if !exact_shape && in_tree.len() >= 2 && rng.random_bool(0.2) {
        let back = in_tree[rng.random_range(0..in_tree.len() - 1)];
        w.revert_to_snapshot(back, t + 600);
    }
}

/// A VM snapshot group: one snapshot of every volume, taken together.
pub fn seed_group(w: &mut World, rng: &mut ChaCha8Rng, vm: usize, name: String, t: i64) {
    let gu = uid(w, rng);
    let gi = w.groups.len();
    let mut refs = Vec::new();
    for &v in &w.vms[vm].volumes.clone() {
        let su = uid(w, rng);
        let s = w.take_snapshot(
            v,
            su,
            format!("{name}-{}", w.volumes[v].device_id),
            None,
            t,
            "Ready",
        );
        w.snapshots[s].group = Some(gi);
        let vol = &w.volumes[v];
        refs.push(GroupRef {
            snapshot: s,
            volume: v,
            device_id: vol.device_id,
            volume_name: vol.name.clone(),
            volume_type: vol.vtype(),
            install_path: w.snapshots[s].install_path.clone(),
            snapshot_name: w.snapshots[s].name.clone(),
            volume_last_attach: vol.stamp.create,
        });
    }
    w.groups.push(SnapshotGroup {
        uuid: gu,
        name,
        description: None,
        vm,
        with_memory: false,
        refs,
        stamp: Stamp::at(t),
        deleted: false,
    });
    w.register(gu, Kind::Group, gi);
}

fn local_store(w: &World, vm: usize) -> usize {
    if w.vms[vm].zone == 1 { 1 } else { 0 }
}

fn backup_path(bs: &BackupStorage, vol: Uid, backup: Uid) -> String {
    format!(
        "zstore://{}/vol-{vol}@{}",
        bs.url.trim_start_matches('/'),
        &backup.to_string()[..16]
    )
}

struct BackupSpec {
    /// Backups of a VM that has been deleted since: its volume's uuid and whether it was
    /// the root volume.
    orphan: Option<(Uid, bool)>,
    vm: Option<usize>,
    volume: Option<usize>,
    group: Option<Uid>,
    t: i64,
    name: String,
    remote: bool,
    local: bool,
}

fn build_backups(w: &mut World, rng: &mut ChaCha8Rng, config: &SimConfig, anchor: i64) {
    let n_vm_backups = config.backups.unwrap_or(DEFAULT_BACKUPS);
    let vms = w.vms.len();
    if vms == 0 {
        return;
    }
    let mut specs: Vec<BackupSpec> = Vec::new();
    let hot = (vms / 10).max(1);
    for _ in 0..n_vm_backups {
        // half the backups belong to a few well-protected VMs
        let vm = if rng.random_bool(0.5) {
            rng.random_range(0..hot)
        } else {
            rng.random_range(0..vms)
        };
        let t =
            (anchor - rng.random_range(0..90 * DAY)).max(w.vms[vm].stamp.create + DAY) - 6 * 3600;
        let g = uid(w, rng);
        let roll: f64 = rng.random();
        let (local, remote) = if roll < 0.05 {
            (false, true)
        } else if roll < 0.35 {
            (true, true)
        } else {
            (true, false)
        };
        let name = format!("{}-备份-{}", w.vms[vm].name, &compact_date(t)[..8]);
        for &v in &w.vms[vm].volumes {
            specs.push(BackupSpec {
                orphan: None,
                vm: Some(vm),
                volume: Some(v),
                group: Some(g),
                t,
                name: name.clone(),
                remote,
                local,
            });
        }
    }
    for _ in 0..n_vm_backups / 3 {
        let vm = rng.random_range(0..vms);
        let vols = &w.vms[vm].volumes;
        let v = vols[rng.random_range(0..vols.len())];
        let t =
            (anchor - rng.random_range(0..60 * DAY)).max(w.vms[vm].stamp.create + DAY) - 5 * 3600;
        specs.push(BackupSpec {
            orphan: None,
            vm: Some(vm),
            volume: Some(v),
            group: None,
            t,
            name: format!("{}-卷备份-{}", w.volumes[v].name, &compact_date(t)[..8]),
            remote: rng.random_bool(0.2),
            local: true,
        });
    }
    // three VM backups (root and data volume) of a VM that has been deleted since
    let gone_vols = [uid(w, rng), uid(w, rng)];
    for k in 0..3 {
        let t = anchor - (200 + k * 30) * DAY;
        let g = uid(w, rng);
        for (vol, root) in [(gone_vols[0], true), (gone_vols[1], false)] {
            specs.push(BackupSpec {
                orphan: Some((vol, root)),
                vm: None,
                volume: None,
                group: Some(g),
                t,
                name: format!("旧OA系统-备份-{}", &compact_date(t)[..8]),
                remote: k == 0,
                local: true,
            });
        }
    }
    // Sorted by index, not moved: a stable sort of 200,000 specs was a memmove storm.
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by_key(|&i| specs[i].t);
    let mut seen_full: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let gone_vm = uid(w, rng);
    for (k, s) in order.iter().map(|&i| &specs[i]).enumerate() {
        let u = uid(w, rng);
        let (vol_uuid, root, size, vm_uuid, bs_local) = match (s.vm, s.volume) {
            (Some(vm), Some(v)) => {
                let vol = &w.volumes[v];
                (
                    vol.uuid,
                    vol.root,
                    vol.actual_size,
                    Some(w.vms[vm].uuid),
                    local_store(w, vm),
                )
            }
            _ => {
                let (vol, root) = s.orphan.unwrap_or((gone_vm, true));
                (
                    vol,
                    root,
                    if root { 30 * GIB } else { 80 * GIB },
                    Some(gone_vm),
                    0,
                )
            }
        };
        let mode = match s.volume {
            Some(v) if seen_full.insert(v) => "full",
            Some(_) if rng.random_bool(0.8) => "incremental",
            _ => "full",
        };
        let size = if mode == "incremental" {
            size / rng.random_range(5..20)
        } else {
            size
        };
        let mut refs = Vec::new();
        if s.local {
            let bs = &w.backup_storages[bs_local];
            refs.push(BackupRef {
                bs: bs_local,
                install_path: backup_path(bs, vol_uuid, u),
                status: "Ready",
                export_url: None,
                stamp: Stamp::at(s.t),
            });
        }
        if s.remote {
            let bs = &w.backup_storages[2];
            refs.push(BackupRef {
                bs: 2,
                install_path: backup_path(bs, vol_uuid, u),
                status: "Ready",
                export_url: None,
                stamp: Stamp::at(s.t + 1800),
            });
        }
        let idx = w.volume_backups.len();
        w.volume_backups.push(VolumeBackup {
            uuid: u,
            name: s.name.clone(),
            description: None,
            volume: s.volume,
            volume_uuid: vol_uuid,
            vm_uuid,
            root,
            state: if k % 97 == 50 { "Disabled" } else { "Enabled" },
            status: "Ready",
            size,
            mode,
            group: s.group,
            metadata: format!(
                "{{\"volumeUuid\":\"{vol_uuid}\",\"size\":{size},\"format\":\"qcow2\"}}"
            ),
            refs,
            stamp: Stamp::at(s.t),
            deleted: false,
        });
        w.register(u, Kind::VolumeBackup, idx);
    }
}

fn build_db_backups(w: &mut World, rng: &mut ChaCha8Rng, anchor: i64) {
    for d in (0..14).rev() {
        // 02:00 MN time (UTC+8) each day
        let t = anchor - d * DAY - 6 * 3600;
        let u = uid(w, rng);
        let day = &compact_date(t)[..8];
        let mut refs = vec![BackupRef {
            bs: 0,
            install_path: format!("zstore://zsbak/{u}"),
            status: "Ready",
            export_url: None,
            stamp: Stamp::at(t),
        }];
        if d < 7 {
            refs.push(BackupRef {
                bs: 2,
                install_path: format!("zstore://zsbak/{u}"),
                status: "Ready",
                export_url: None,
                stamp: Stamp::at(t + 900),
            });
        }
        if d == 1 || d == 5 {
            refs[0].export_url = Some(format!(
                "http://10.0.0.21:8001/export/zstack-db-backup-{day}.gz"
            ));
        }
        let idx = w.db_backups.len();
        w.db_backups.push(DatabaseBackup {
            uuid: u,
            name: format!("zstack-db-backup-{day}"),
            description: (d == 0).then(|| "每日数据库备份".to_string()),
            state: "Enabled",
            status: "Ready",
            size: rng.random_range(80..300) * MIB,
            metadata: format!("{{\"version\":\"{MN_VERSION}\"}}"),
            refs,
            stamp: Stamp::at(t),
            deleted: false,
        });
        w.register(u, Kind::DatabaseBackup, idx);
    }
}

fn build_long_jobs(w: &mut World, rng: &mut ChaCha8Rng, anchor: i64) {
    let snaps: Vec<usize> = (0..w.snapshots.len()).take(3).collect();
    if snaps.is_empty() || w.vms.is_empty() {
        return;
    }
    let root = w.vms[0].root();
    let vol_uuid = w.volumes[root].uuid;
    let s0 = w.snapshots[snaps[0]].uuid;
    // A running VM to migrate, and another host of its cluster to send it to.
    let moving = (0..w.vms.len()).find_map(|v| {
        let from = w.vms[v].host?;
        let to =
            (0..w.hosts.len()).find(|&h| h != from && w.hosts[h].cluster == w.vms[v].cluster)?;
        Some((w.vms[v].uuid, w.hosts[to].uuid))
    });
    struct Seeded {
        name: &'static str,
        job_name: &'static str,
        data: String,
        state: &'static str,
        result: Option<String>,
        target: Uid,
        ago: i64,
        /// Seconds it ran (ended jobs) or until it was suspended.
        ran: i64,
    }
    let mut jobs = vec![
        Seeded {
            name: "回滚云盘",
            job_name: "APIRevertVolumeFromSnapshotMsg",
            data: format!("{{\"uuid\":\"{s0}\"}}"),
            state: "Succeeded",
            result: Some("Succeeded".to_string()),
            target: vol_uuid,
            ago: 8 * DAY,
            ran: rng.random_range(3..90),
        },
        Seeded {
            name: "create-template-from-root",
            job_name: "APICreateRootVolumeTemplateFromRootVolumeMsg",
            data: format!(
                "{{\"rootVolumeUuid\":\"{vol_uuid}\",\"name\":\"tpl-{}\"}}",
                &vol_uuid.to_string()[..6]
            ),
            state: "Succeeded",
            result: Some("{\"inventory\":{\"name\":\"tpl\"}}".to_string()),
            target: vol_uuid,
            ago: 5 * DAY,
            ran: rng.random_range(3..90),
        },
        // The ErrorCode itself, as MNs before 2020 wrote it: rows an upgraded MN keeps.
        Seeded {
            name: "删除快照",
            job_name: "APIDeleteVolumeSnapshotMsg",
            data: format!("{{\"uuid\":\"{s0}\",\"deleteMode\":\"Permissive\"}}"),
            state: "Failed",
            result: Some("{\"code\":\"SYS.1004\",\"description\":\"Unable to delete a resource\",\"details\":\"failed to delete snapshot, the primary storage is disconnected\"}".to_string()),
            target: vol_uuid,
            ago: 2 * DAY,
            ran: rng.random_range(3..90),
        },
    ];
    if let Some((vm, to)) = moving {
        // A `JobResultError`, as MNs since 2020 write it: the error's details, then its
        // root cause's.
        jobs.push(Seeded {
            name: "迁移云主机",
            job_name: "APIMigrateVmMsg",
            data: format!("{{\"vmInstanceUuid\":\"{vm}\",\"hostUuid\":\"{to}\"}}"),
            state: "Failed",
            result: Some(format!("{{\"detail\":\"failed to migrate vm[uuid:{vm}] to host[uuid:{to}]\",\"cause\":\"host[uuid:{to}] has not enough memory to run the vm, it needs 8589934592 bytes\"}}")),
            target: vm,
            ago: DAY,
            ran: rng.random_range(20..200),
        });
        // Suspended when its management node went away; it resumes when one takes it over.
        jobs.push(Seeded {
            name: "migrate-before-maintenance",
            job_name: "APIMigrateVmMsg",
            data: format!("{{\"vmInstanceUuid\":\"{vm}\",\"hostUuid\":\"{to}\"}}"),
            state: "Suspended",
            result: None,
            target: vm,
            ago: DAY / 2,
            ran: rng.random_range(20..200),
        });
    }
    for j in jobs {
        let u = uid(w, rng);
        let api = uid(w, rng);
        let t = anchor - j.ago + 10 * 3600;
        let ended = matches!(j.state, "Succeeded" | "Failed" | "Canceled");
        let idx = w.long_jobs.len();
        w.long_jobs.push(LongJob {
            uuid: u,
            name: j.name.to_string(),
            description: None,
            api_id: api,
            job_name: j.job_name.to_string(),
            job_data: j.data,
            job_result: j.result,
            state: j.state,
            target: Some(j.target),
            // Set when the job ends, not before.
            execute_secs: ended.then_some(j.ran),
            stamp: Stamp {
                create: t,
                last_op: t + j.ran,
            },
            deleted: false,
        });
        w.register(u, Kind::LongJob, idx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed_util::{big_config, digest};

    const ANCHOR: i64 = 1_764_633_600;

    fn summary(w: &World) -> Vec<u64> {
        vec![
            w.vms.len() as u64,
            w.snapshots.len() as u64,
            w.volume_backups.len() as u64,
            w.index.len() as u64,
            digest(&w.vms),
            digest(&w.volumes),
            digest(&w.snapshots),
            digest(&w.trees),
            digest(&w.groups),
            digest(&w.volume_backups),
        ]
    }

    /// Same seed, same big world: every VM, snapshot and backup, in the same order.
    #[test]
    fn a_big_world_is_the_same_for_the_same_seed() {
        let a = build(&big_config(7), ANCHOR, ANCHOR + 3600);
        let b = build(&big_config(7), ANCHOR, ANCHOR + 3600);
        assert_eq!(summary(&a), summary(&b));
        assert!(a.vms.len() >= 2000, "{} VMs", a.vms.len());
        assert!(a.volume_backups.len() >= 20_000);
        let ends = |w: &World| {
            (
                w.vms[0].uuid,
                w.vms.last().map(|v| v.uuid),
                w.volume_backups[0].uuid,
                w.volume_backups.last().map(|b| b.uuid),
            )
        };
        assert_eq!(ends(&a), ends(&b));
        let other = build(&big_config(8), ANCHOR, ANCHOR + 3600);
        assert_ne!(ends(&a), ends(&other), "another seed, another world");
    }
}
