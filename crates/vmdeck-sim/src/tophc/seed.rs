//! Deterministic generation of the TopHC world from a [`SimConfig`].
//!
//! Everything is drawn from one `ChaCha8Rng` in a fixed order, so a seed always gives the
//! same world. Timestamps are relative to `anchor` (the start of the current UTC day), so
//! two simulators started the same day answer identical JSON, and the data looks recent.

use std::collections::{HashMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::world::*;
use crate::SimConfig;
use crate::ids::Uid;
use crate::seed_util::{SNAPSHOTS_PER_OTHER_VM, civil_from_days, mac, split};

const DAY: i64 = 86_400;
/// Sizes when the configuration leaves them open.
const DEFAULT_VMS: usize = 50;
const DEFAULT_BACKUPS: usize = 400;
const DEFAULT_SNAPSHOTS: usize = 6;

struct ClusterSpec {
    name: &'static str,
    desc: &'static str,
    net: u8,
    failure: Option<&'static str>,
    weight: usize,
    zones: &'static [&'static str],
    tenants: &'static [&'static str],
    bps: &'static [(&'static str, bool)],
}

const CLUSTERS: &[ClusterSpec] = &[
    ClusterSpec {
        name: "host3222-cvm3322",
        desc: "主数据中心超融合集群",
        net: 33,
        failure: None,
        weight: 5,
        zones: &["default", "子集群-计算B"],
        tenants: &["ycb1", "财务部", "研发中心"],
        bps: &[
            ("nfs-backup-01", true),
            ("备份存储-NAS", true),
            ("nfs-offsite-dr", false),
        ],
    },
    ClusterSpec {
        name: "生产集群-A",
        desc: "生产业务集群",
        net: 34,
        failure: None,
        weight: 3,
        zones: &["default"],
        tenants: &["生产业务", "运维组"],
        bps: &[("nfs-prod-bak", true), ("nfs-prod-bak-2", true)],
    },
    ClusterSpec {
        name: "dr-site-02",
        desc: "异地灾备站点",
        net: 35,
        failure: None,
        weight: 2,
        zones: &["default", "dr-zone-2"],
        tenants: &["dr-tenant", "测试租户"],
        bps: &[("dr-nfs-01", true), ("dr-nfs-02", true)],
    },
    ClusterSpec {
        name: "edge-cluster-04",
        desc: "边缘节点集群",
        net: 40,
        failure: Some("dial tcp 10.30.40.5:9000: i/o timeout"),
        weight: 0,
        zones: &[],
        tenants: &[],
        bps: &[],
    },
];

const VM_BASES: &[&str] = &[
    "财务系统-db01",
    "数据库主节点",
    "数据库从节点",
    "web-frontend",
    "api-gateway",
    "oa-app",
    "erp-应用服务器",
    "邮件服务器",
    "k8s-master",
    "k8s-worker",
    "jenkins-ci",
    "gitlab",
    "监控-prometheus",
    "grafana",
    "redis-cache",
    "mysql-prod",
    "pg-analytics",
    "文件服务器",
    "ad-域控",
    "dns-internal",
    "nginx-lb",
    "kafka-broker",
    "elk-日志",
    "堡垒机",
    "vpn-gateway",
    "测试机",
    "开发环境",
    "hr-人事系统",
    "crm-app",
    "test-clone",
];

const DESKTOP_BASES: &[&str] = &["云桌面-张伟", "云桌面-李娜", "云桌面-王芳", "desktop-dev"];

const OSES: &[&str] = &[
    "CentOS x64",
    "CentOS 7.9 x64",
    "Ubuntu 20.04 x64",
    "Ubuntu 22.04 x64",
    "Windows Server 2019 x64",
    "Windows Server 2016 x64",
    "银河麒麟 V10 x64",
    "统信UOS 20 x64",
    "Debian 11 x64",
    "Rocky Linux 8 x64",
];

const GROUP_NAMES: &[&str] = &[
    "数据库",
    "web服务",
    "中间件",
    "测试环境",
    "办公系统",
    "监控",
];

const SNAP_NAMES: &[&str] = &[
    "origin",
    "安装完成",
    "before-upgrade",
    "升级前",
    "patch-01",
    "config-change",
    "pre-release",
    "初始化",
    "v1.0",
    "v1.1",
    "v2.0-rc",
    "weekly",
];

const SNAP_DESCS: &[&str] = &[
    "",
    "",
    "升级前快照",
    "系统初始化完成",
    "打补丁前",
    "配置变更前",
];

/// Builds the world. `anchor`: seeded timestamps lie before it. `now_unix`: the clock.
pub fn build(config: &SimConfig, anchor: i64, now_unix: i64) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut w = World {
        now: 0.0,
        unix: now_unix,
        system_tenant: Uid::random(&mut rng),
        admin_uuid: Uid::random(&mut rng),
        clusters: Vec::new(),
        tenants: Vec::new(),
        zones: Vec::new(),
        groups: Vec::new(),
        pools: Vec::new(),
        bps: Vec::new(),
        vms: Vec::new(),
        backups: Vec::new(),
        foreign: Vec::new(),
        vm_index: Default::default(),
        backup_index: Default::default(),
        pending: Default::default(),
        rng: ChaCha8Rng::seed_from_u64(config.seed ^ 0x7075_6e74_696d_6521),
    };
    for spec in CLUSTERS {
        gen_cluster(&mut w, &mut rng, spec, anchor);
    }
    // VMs, spread by weight over the reachable clusters.
    let weights: Vec<usize> = CLUSTERS.iter().map(|s| s.weight).collect();
    let counts = split(config.vms.unwrap_or(DEFAULT_VMS), &weights);
    for (c, &n) in counts.iter().enumerate() {
        let mut names = NameGen::default();
        for _ in 0..n {
            gen_vm(&mut w, &mut rng, c, &mut names, anchor);
        }
        let mut order = w.clusters[c].vm_order.clone();
        order.sort_by_key(|&i| std::cmp::Reverse(w.vms[i].create_time));
        // The first VM listed is a busy production server with the deepest snapshot tree.
        if let Some(&first) = order.first() {
            if let Some(name) = SHOWCASE.get(c) {
                let holder = order.iter().copied().find(|&i| w.vms[i].name == *name);
                if let Some(h) = holder {
                    let theirs = w.vms[first].name.clone();
                    rename(&mut w.vms[h], theirs);
                }
                rename(&mut w.vms[first], name.to_string());
            }
            let vm = &mut w.vms[first];
            vm.state = "running";
            vm.ga_state = "connected";
            vm.has_agent = true;
            vm.host = Some(0);
        }
        w.clusters[c].vm_order = order;
    }
    let snapshots = config.snapshots.unwrap_or(DEFAULT_SNAPSHOTS);
    for c in 0..w.clusters.len() {
        let order = w.clusters[c].vm_order.clone();
        for (k, &i) in order.iter().enumerate() {
            let count = if k == 0 {
                snapshots
            } else {
                let cap = snapshots.min(SNAPSHOTS_PER_OTHER_VM);
                match rng.random_range(0..100) {
                    0..25 => 0,
                    _ => rng.random_range(0..=cap),
                }
            };
            let shape = if k == 0 {
                match c % 3 {
                    1 => Shape::Middle,
                    _ => Shape::Branched,
                }
            } else {
                match rng.random_range(0..100) {
                    0..40 => Shape::Chain,
                    40..85 => Shape::Branched,
                    _ => Shape::Middle,
                }
            };
            gen_snapshots(&mut w.vms[i], &mut rng, count, shape, k == 0, anchor);
        }
    }
    // Backups, spread like the VMs.
    let vm_counts: Vec<usize> = w.clusters.iter().map(|c| c.vm_order.len()).collect();
    let bcounts = split(config.backups.unwrap_or(DEFAULT_BACKUPS), &vm_counts);
    for (c, &n) in bcounts.iter().enumerate() {
        if w.clusters[c].vm_order.is_empty() || w.clusters[c].bps.is_empty() {
            continue;
        }
        for _ in 0..n {
            gen_backup(&mut w, &mut rng, c, anchor);
        }
        let mut order: Vec<usize> = w
            .backups
            .iter()
            .enumerate()
            .filter(|(_, b)| b.cluster == c)
            .map(|(i, _)| i)
            .collect();
        order.sort_by_key(|&i| std::cmp::Reverse(w.backups[i].create_time));
        w.clusters[c].backup_order = order;
    }
    let legacy = (Uid::random(&mut rng), "dc-legacy-01".to_string());
    for bp in 0..w.bps.len() {
        let n = rng.random_range(3..=5);
        for _ in 0..n {
            gen_foreign(&mut w, &mut rng, bp, &legacy, anchor);
        }
    }
    for (i, vm) in w.vms.iter().enumerate() {
        w.vm_index.insert(vm.uuid, i);
    }
    for (i, b) in w.backups.iter().enumerate() {
        w.backup_index.insert(b.uuid, i);
    }
    w
}

/// Names of the first VM listed in each cluster (the one with the deepest snapshot tree).
const SHOWCASE: &[&str] = &["财务系统-db01", "数据库主节点", "erp-应用服务器"];

fn rename(vm: &mut Vm, name: String) {
    for (k, d) in vm.disks.iter_mut().enumerate() {
        d.volume_name = format!("{name}-volume-{}", k + 1);
    }
    vm.name = name;
}

fn ago(rng: &mut ChaCha8Rng, anchor: i64, min_days: i64, max_days: i64) -> i64 {
    anchor - rng.random_range(min_days * DAY..max_days * DAY)
}

fn gen_cluster(w: &mut World, rng: &mut ChaCha8Rng, spec: &ClusterSpec, anchor: i64) {
    let c = w.clusters.len();
    let ctime = ago(rng, anchor, 400, 900);
    let master_ip = if spec.failure.is_some() {
        format!("10.30.{}.5", spec.net)
    } else {
        format!("10.30.{}.{}", spec.net, 20 + c)
    };
    let mut cluster = Cluster {
        uuid: Uid::random(rng),
        name: spec.name.to_string(),
        desc: spec.desc.to_string(),
        ctime,
        master_ip: master_ip.clone(),
        failure: spec.failure.map(str::to_string),
        hosts: Vec::new(),
        tenants: Vec::new(),
        zones: Vec::new(),
        pools: Vec::new(),
        bps: Vec::new(),
        vm_order: Vec::new(),
        backup_order: Vec::new(),
    };
    for (zi, zname) in spec.zones.iter().enumerate() {
        let z = w.zones.len();
        w.zones.push(Zone {
            uuid: Uid::random(rng),
            name: zname.to_string(),
            cluster: c,
            ctime: ctime + zi as i64 * 3600,
        });
        cluster.zones.push(z);
        let hosts = rng.random_range(2..=3);
        for h in 0..hosts {
            let n = cluster.hosts.len();
            let cores: f64 = [16.0, 24.0, 32.0][rng.random_range(0..3)];
            cluster.hosts.push(Host {
                uuid: Uid::random(rng),
                ip: if n == 0 {
                    master_ip.clone()
                } else {
                    format!("10.30.{}.{}", spec.net, 20 + c + 10 * n)
                },
                zone: z,
                // One host is down in the second cluster's zone.
                healthy: !(c == 1 && h == hosts - 1),
                system_service: n == 0,
                cpu_ghz: cores * 2.2,
                mem: [128, 256, 384][rng.random_range(0..3)] * GIB,
                disk: [4, 8, 12][rng.random_range(0..3)] * 1024 * GIB,
            });
        }
    }
    w.clusters.push(cluster);
    for (ti, tname) in std::iter::once(&"system").chain(spec.tenants).enumerate() {
        let t = w.tenants.len();
        let uuid = Uid::random(rng);
        // One tenant per cluster has a namespace whose uuid differs from the tenant's.
        let namespace = if ti == 2 { Uid::random(rng) } else { uuid };
        w.tenants.push(Tenant {
            uuid,
            name: tname.to_string(),
            namespace,
            cluster: c,
            create_time: ctime + 86_400 * (ti as i64 + 1),
            system: ti == 0,
            admin_uuid: Uid::random(rng),
            admin_name: if ti == 0 {
                "admin".to_string()
            } else {
                format!("{tname}-admin")
            },
            user_group: Uid::random(rng),
            users: rng.random_range(1..12),
        });
        w.clusters[c].tenants.push(t);
        if spec.zones.is_empty() {
            continue;
        }
        // Object groups: `default`, then a few, one of them with a nested child.
        w.groups.push(Group {
            uuid: Uid::random(rng),
            name: "default".into(),
            cluster: c,
            tenant: t,
            parent: None,
        });
        let extra = rng.random_range(1..=3);
        let start = rng.random_range(0..GROUP_NAMES.len());
        for k in 0..extra {
            let g = w.groups.len();
            w.groups.push(Group {
                uuid: Uid::random(rng),
                name: GROUP_NAMES[(start + k) % GROUP_NAMES.len()].to_string(),
                cluster: c,
                tenant: t,
                parent: None,
            });
            if k == 0 {
                w.groups.push(Group {
                    uuid: Uid::random(rng),
                    name: "核心".into(),
                    cluster: c,
                    tenant: t,
                    parent: Some(g),
                });
            }
        }
        // Pools: the system tenant holds the image repository and the main pool.
        let add_pool = |w: &mut World, rng: &mut ChaCha8Rng, name: String, repo: bool| {
            let p = w.pools.len();
            let size = if repo {
                0
            } else {
                rng.random_range(8u64..64) * 1024 * GIB
            };
            let ssd = name.contains("ssd");
            w.pools.push(Pool {
                uuid: Uid::random(rng),
                name,
                cluster: c,
                tenant: t,
                ctime: ctime + 7200,
                size,
                used: if repo {
                    rng.random_range(100u64..800) * GIB
                } else {
                    size / 100 * rng.random_range(10u64..70)
                },
                repo,
                replica: if repo { 1 } else { rng.random_range(1..=3) },
                drive_type: if ssd { "SSD" } else { "HDD" },
                volume_num: rng.random_range(2..150),
            });
            w.clusters[c].pools.push(p);
        };
        if ti == 0 {
            add_pool(w, rng, "Repository".into(), true);
            add_pool(w, rng, "TopHC".into(), false);
            add_pool(w, rng, "ssd-pool".into(), false);
        } else if ti == 1 {
            add_pool(w, rng, format!("{tname}-pool"), false);
        }
    }
    let system = w.clusters[c].tenants.first().copied();
    for (name, healthy) in spec.bps {
        let b = w.bps.len();
        let bctime = ago(rng, anchor, 200, 380);
        w.bps.push(BackupPoint {
            uuid: Uid::random(rng),
            name: name.to_string(),
            cluster: c,
            tenant: system.unwrap_or(0),
            btype: "nfs",
            ip: format!("10.30.{}.{}", spec.net + 100, 160 + b),
            root_dir: format!("/exports/{}/data", Uid::random(rng)),
            sub_dir: if b.is_multiple_of(2) {
                String::new()
            } else {
                format!("vmbackup-{}", spec.net)
            },
            ctime: bctime,
            mtime: bctime + rng.random_range(0..DAY * 30),
            healthy: *healthy,
        });
        w.clusters[c].bps.push(b);
    }
}

#[derive(Default)]
struct NameGen {
    used: HashMap<&'static str, usize>,
    taken: HashSet<String>,
}

impl NameGen {
    fn next(&mut self, base: &'static str) -> String {
        loop {
            let n = self.used.entry(base).or_insert(0);
            *n += 1;
            let name = if *n == 1 {
                base.to_string()
            } else {
                format!("{base}-{:02}", *n)
            };
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
    }
}

fn gen_vm(w: &mut World, rng: &mut ChaCha8Rng, c: usize, names: &mut NameGen, anchor: i64) {
    let cl = &w.clusters[c];
    let net = cl.master_ip.split('.').nth(2).unwrap_or("33").to_string();
    let tenants = cl.tenants.clone();
    let zones = cl.zones.clone();
    let host_count = cl.hosts.len();
    // Mostly business tenants, some in the system tenant.
    let tenant = if tenants.len() > 1 && rng.random_range(0..100) < 80 {
        tenants[rng.random_range(1..tenants.len())]
    } else {
        tenants[0]
    };
    let zone = zones[rng.random_range(0..zones.len())];
    let groups: Vec<usize> = (0..w.groups.len())
        .filter(|&g| w.groups[g].tenant == tenant)
        .collect();
    let group = if rng.random_range(0..100) < 40 {
        groups[0]
    } else {
        groups[rng.random_range(0..groups.len())]
    };
    let pools: Vec<usize> = w.clusters[c]
        .pools
        .iter()
        .copied()
        .filter(|&p| {
            !w.pools[p].repo && (w.pools[p].tenant == tenant || w.tenants[w.pools[p].tenant].system)
        })
        .collect();
    let desktop = rng.random_range(0..100) < 8;
    let name = if desktop {
        names.next(DESKTOP_BASES[rng.random_range(0..DESKTOP_BASES.len())])
    } else {
        names.next(VM_BASES[rng.random_range(0..VM_BASES.len())])
    };
    let os = if desktop {
        "Windows 10 x64".to_string()
    } else {
        OSES[rng.random_range(0..OSES.len())].to_string()
    };
    let state = match rng.random_range(0..100) {
        0..60 => "running",
        60..63 => "paused",
        63..64 => "crashed",
        _ => "shutoff",
    };
    let ga_state = if state == "running" {
        match rng.random_range(0..10) {
            0..7 => "connected",
            7..9 => "disconnected",
            _ => "pending",
        }
    } else {
        "disconnected"
    };
    let has_agent = ga_state == "connected" || rng.random_range(0..10) < 7;
    let create_time = ago(rng, anchor, 1, 720);
    let modify_time = create_time + rng.random_range(0..(anchor - create_time).max(1));
    let virtio = rng.random_range(0..100) < 20;
    let ndisks = rng.random_range(1..=3);
    let mut disks = Vec::new();
    for d in 0..ndisks {
        let capacity = if d == 0 {
            [20, 40, 50, 100][rng.random_range(0..4)] * GIB
        } else {
            [50, 100, 200, 500, 1024, 2048][rng.random_range(0..6)] * GIB
        };
        let letter = (b'a' + d as u8) as char;
        disks.push(Disk {
            dev: if virtio {
                format!("vd{letter}")
            } else {
                format!("sd{letter}")
            },
            bus: if virtio { "virtio" } else { "scsi" },
            volume_uuid: Uid::random(rng),
            volume_name: format!("{name}-volume-{}", d + 1),
            capacity,
            used: capacity / 100 * rng.random_range(5..90),
            pool: pools[rng.random_range(0..pools.len())],
            is_system: d == 0,
        });
    }
    let nnics = if rng.random_range(0..100) < 20 { 2 } else { 1 };
    let mut nics = Vec::new();
    for n in 0..nnics {
        let ips = if rng.random_range(0..100) < 85 {
            vec![format!(
                "10.{}.{}.{}",
                net,
                100 + n + rng.random_range(0..4),
                rng.random_range(2..254)
            )]
        } else {
            Vec::new()
        };
        let vlan = [14, 20, 100, 200][rng.random_range(0..4)];
        nics.push(Nic {
            id: Uid::random(rng),
            mac: mac(rng, &[0x52, 0x56, 0xff]),
            ips,
            network: if n == 0 { "vlan-业务网" } else { "mgmt-net" }.to_string(),
            port_group: Uid::random(rng),
            port_group_name: format!("pg-vlan{vlan}"),
            vlan,
        });
    }
    let running = state == "running" || state == "paused";
    let load = if running {
        Load {
            cpu_ratio: rng.random_range(0.01..0.9),
            mem_ratio: rng.random_range(0.2..0.95),
            rd_bytes: rng.random_range(1u64 << 20..1u64 << 40),
            wr_bytes: rng.random_range(1u64 << 20..1u64 << 40),
            rx_bytes: rng.random_range(1u64 << 20..1u64 << 38),
            tx_bytes: rng.random_range(1u64 << 20..1u64 << 38),
        }
    } else {
        Load::default()
    };
    let host = if running {
        let zone_hosts: Vec<usize> = (0..host_count)
            .filter(|&h| w.clusters[c].hosts[h].zone == zone)
            .collect();
        Some(zone_hosts[rng.random_range(0..zone_hosts.len())])
    } else {
        None
    };
    let cpus = [1, 2, 4, 8, 16][rng.random_range(0..5)];
    let i = w.vms.len();
    w.vms.push(Vm {
        uuid: Uid::random(rng),
        name,
        cluster: c,
        tenant,
        zone,
        group,
        vm_type: if desktop { "GDT" } else { "GUS" },
        os,
        state,
        ga_state,
        has_agent,
        create_time,
        modify_time,
        cpus,
        sockets: if cpus >= 8 { 2 } else { 1 },
        mem: [1, 2, 4, 8, 16, 32][rng.random_range(0..6)] * GIB,
        disks,
        nics,
        ha_mode: if rng.random_range(0..10) < 7 {
            "on"
        } else {
            "off"
        },
        uefi: rng.random_range(0..10) < 2,
        host,
        parent_uuid: Uid::random(rng),
        spice_port: 5900 + (i % 100) as u32,
        spice_password: format!("{:032x}", rng.random::<u128>()),
        external: false,
        load,
        snaps: Vec::new(),
        head: String::new(),
        op: None,
        agent_at: None,
    });
    w.clusters[c].vm_order.push(i);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    /// Each snapshot on top of the previous one; the VM sits on the last.
    Chain,
    /// A main line with side branches; the VM sits on the tip of the main line.
    Branched,
    /// Branched, and the VM sits on a snapshot in the middle (as after a rollback).
    Middle,
}

/// Parents (by index) of `n` snapshots, and the tip of the main line.
fn tree_shape(rng: &mut ChaCha8Rng, n: usize, branchy: bool) -> (Vec<Option<usize>>, usize) {
    let mut parents = vec![None; n];
    let mut tip = 0;
    // Small trees branch often; big ones are a long line with side branches.
    let branch_pct = if n > 50 { 10 } else { 25 };
    let switch_pct = if n > 50 { 5 } else { 30 };
    for (i, parent) in parents.iter_mut().enumerate().skip(1) {
        if branchy && i >= 2 && rng.random_range(0..100) < branch_pct {
            *parent = Some(rng.random_range(0..i - 1));
            if rng.random_range(0..100) < switch_pct {
                tip = i;
            }
        } else {
            *parent = Some(tip);
            tip = i;
        }
    }
    (parents, tip)
}

fn has_fork(parents: &[Option<usize>]) -> bool {
    let mut count = vec![0u32; parents.len()];
    for p in parents.iter().flatten() {
        count[*p] += 1;
        if count[*p] > 1 {
            return true;
        }
    }
    false
}

fn gen_snapshots(
    vm: &mut Vm,
    rng: &mut ChaCha8Rng,
    n: usize,
    shape: Shape,
    rich: bool,
    anchor: i64,
) {
    if n == 0 {
        return;
    }
    let branchy = shape != Shape::Chain;
    let (mut parents, mut tip) = tree_shape(rng, n, branchy);
    // The showcase VMs always have a snapshot with two children (it cannot be deleted).
    let mut tries = 0;
    while rich && branchy && n >= 3 && !has_fork(&parents) && tries < 20 {
        (parents, tip) = tree_shape(rng, n, branchy);
        tries += 1;
    }
    if rich && branchy && n >= 3 && !has_fork(&parents) {
        parents[n - 1] = Some(n - 3);
        tip = n - 1;
    }
    let start = vm.create_time.max(anchor - 120 * DAY);
    let step = ((anchor - start) / (n as i64 + 1)).max(1);
    let names: Vec<String> = if n <= SNAP_NAMES.len() {
        let offset = if rich {
            0
        } else {
            rng.random_range(0..SNAP_NAMES.len() - n + 1)
        };
        SNAP_NAMES[offset..offset + n]
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        (0..n)
            .map(|i| {
                if i == 0 {
                    "origin".to_string()
                } else {
                    format!("snap-{i:04}")
                }
            })
            .collect()
    };
    let running = vm.state == "running";
    for i in 0..n {
        let memory = running && rng.random_range(0..100) < 25;
        let disk_snaps = vm.disks.iter().map(|_| Uid::random(rng)).collect();
        vm.snaps.push(Snapshot {
            uuid: Uid::random(rng),
            name: names[i].clone(),
            description: SNAP_DESCS[rng.random_range(0..SNAP_DESCS.len())].to_string(),
            ctime: start + step * (i as i64 + 1) - rng.random_range(0..step.max(2) / 2),
            parent: parents[i].map(|p| names[p].clone()).unwrap_or_default(),
            memory,
            disk_snaps,
        });
    }
    let head = match shape {
        Shape::Chain => n - 1,
        Shape::Branched => tip,
        Shape::Middle if n >= 2 => rng.random_range(0..n - 1),
        Shape::Middle => 0,
    };
    vm.head = names[head].clone();
}

fn gen_backup(w: &mut World, rng: &mut ChaCha8Rng, c: usize, anchor: i64) {
    let order = &w.clusters[c].vm_order;
    // Skewed towards the first VMs listed: some VMs have many backups, most a few.
    let u: f64 = rng.random();
    let vm_i = order[((u * u) * order.len() as f64) as usize % order.len()];
    let bps = &w.clusters[c].bps;
    let bp = if rng.random_range(0..100) < 60 {
        bps[0]
    } else {
        bps[rng.random_range(0..bps.len())]
    };
    let vm = &w.vms[vm_i];
    let span = (anchor - vm.create_time).clamp(DAY, 180 * DAY);
    let create_time = anchor - rng.random_range(60..span);
    let failed_since = anchor - 12 * DAY;
    // Backups to the point since it went down failed; a few others failed too.
    let status =
        if (!w.bps[bp].healthy && create_time > failed_since) || rng.random_range(0..100) < 2 {
            2
        } else {
            0
        };
    let stamp = civil(create_time + 8 * 3600);
    let (name, description) = match rng.random_range(0..100) {
        0..45 => (
            format!("full-{}-{}", vm.name, stamp.compact()),
            "每周全量备份",
        ),
        45..80 => (
            format!("incr-{}-{}", vm.name, stamp.compact()),
            "每日增量备份",
        ),
        80..95 => (
            format!("cdp_{}_vm_{}_{}", Uid::random(rng), vm.uuid, stamp.long()),
            "CDP策略自动生成备份",
        ),
        _ => (
            format!("{}-手动备份-{}", vm.name, stamp.compact()),
            "升级前手动备份",
        ),
    };
    let disks = vm
        .disks
        .iter()
        .map(|d| BackupDisk {
            dev: d.dev.clone(),
            backup_uuid: Uid::random(rng),
            capacity: d.capacity,
            replica: w.pools[d.pool].replica,
            share: false,
            volsnap: Uid::random(rng),
        })
        .collect();
    let tenant = vm.tenant;
    let backup = Backup {
        uuid: Uid::random(rng),
        cluster: c,
        tenant,
        namespace: w.tenants[tenant].namespace,
        compute_uuid: vm.uuid,
        compute_name: vm.name.clone(),
        bp,
        name,
        description: description.to_string(),
        create_time,
        status,
        disks,
        deleted: false,
    };
    w.backups.push(backup);
}

fn gen_foreign(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    bp: usize,
    legacy: &(Uid, String),
    anchor: i64,
) {
    let own = w.bps[bp].cluster;
    let others: Vec<usize> = (0..w.clusters.len())
        .filter(|&c| c != own && !w.clusters[c].vm_order.is_empty())
        .collect();
    let (origin_uuid, origin_name, vm_uuid, vm_name, namespace) =
        if others.is_empty() || rng.random_range(0..100) < 50 {
            let base = VM_BASES[rng.random_range(0..VM_BASES.len())];
            (
                legacy.0,
                legacy.1.clone(),
                Uid::random(rng),
                format!("legacy-{base}"),
                Uid::random(rng),
            )
        } else {
            let c = others[rng.random_range(0..others.len())];
            let order = &w.clusters[c].vm_order;
            let vm = &w.vms[order[rng.random_range(0..order.len())]];
            (
                w.clusters[c].uuid,
                w.clusters[c].name.clone(),
                vm.uuid,
                vm.name.clone(),
                w.tenants[vm.tenant].namespace,
            )
        };
    let ctime = ago(rng, anchor, 20, 400);
    let ndisks = rng.random_range(1..=2);
    let disks = (0..ndisks)
        .map(|d| BackupDisk {
            dev: format!("sd{}", (b'a' + d as u8) as char),
            backup_uuid: Uid::random(rng),
            capacity: [40, 100, 500][rng.random_range(0..3)] * GIB,
            replica: 2,
            share: false,
            volsnap: Uid::random(rng),
        })
        .collect();
    w.foreign.push(ForeignBackup {
        uuid: Uid::random(rng),
        namespace,
        vm_uuid,
        vm_name: vm_name.clone(),
        bp,
        name: format!("full-{vm_name}-{}", civil(ctime + 8 * 3600).compact()),
        description: "迁移前全量备份".to_string(),
        ctime,
        status: 0,
        disks,
        origin_uuid,
        origin_name,
    });
}

/// A UTC calendar time (callers add the +08:00 offset they want).
pub struct Civil {
    pub y: i64,
    pub m: u32,
    pub d: u32,
    pub hh: u32,
    pub mm: u32,
    pub ss: u32,
}

impl Civil {
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}-{:02}{:02}",
            self.y, self.m, self.d, self.hh, self.mm
        )
    }

    pub fn long(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.y, self.m, self.d, self.hh, self.mm, self.ss
        )
    }
}

/// Unix seconds to a civil date (Howard Hinnant's algorithm).
pub fn civil(t: i64) -> Civil {
    let secs = t.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    Civil {
        y,
        m,
        d,
        hh: (secs / 3600) as u32,
        mm: (secs % 3600 / 60) as u32,
        ss: (secs % 60) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Same seed, same big world: every VM (with its snapshots) and backup, in order.
    #[test]
    fn a_big_world_is_the_same_for_the_same_seed() {
        use crate::seed_util::{big_config, digest};
        const ANCHOR: i64 = 1_764_633_600;
        let summary = |w: &World| {
            (
                w.vms.len(),
                w.backups.len(),
                digest(&w.vms),
                digest(&w.backups),
                digest(&w.foreign),
            )
        };
        let a = build(&big_config(7), ANCHOR, ANCHOR + 3600);
        let b = build(&big_config(7), ANCHOR, ANCHOR + 3600);
        assert_eq!(summary(&a), summary(&b));
        assert_eq!(a.vms.len(), 2000);
        assert_eq!(a.backups.len(), 20_000);
        assert!(a.vms.iter().any(|v| v.snaps.len() == 100));
        let ends = |w: &World| (w.vms[0].uuid, w.vms[1999].uuid, w.backups[19_999].uuid);
        assert_eq!(ends(&a), ends(&b));
        let other = build(&big_config(8), ANCHOR, ANCHOR + 3600);
        assert_ne!(ends(&a), ends(&other), "another seed, another world");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0).long(), "1970-01-01 00:00:00");
        assert_eq!(civil(1_631_086_225).long(), "2021-09-08 07:30:25");
        assert_eq!(civil(951_782_400).compact(), "20000229-0000");
    }

    #[test]
    fn split_is_exact() {
        assert_eq!(split(50, &[5, 3, 2, 0]), vec![25, 15, 10, 0]);
        assert_eq!(split(7, &[5, 3, 2, 0]).iter().sum::<usize>(), 7);
        assert_eq!(split(7, &[0, 0]), vec![0, 0]);
    }

    fn world(config: &SimConfig) -> World {
        build(config, 1_700_000_000 - 1_700_000_000 % DAY, 1_700_000_000)
    }

    #[test]
    fn default_world_has_what_the_demo_needs() {
        let w = world(&SimConfig::default());
        assert_eq!(w.clusters.len(), 4);
        assert!(w.clusters[3].failure.is_some());
        assert_eq!(w.vms.len(), 50);
        assert_eq!(w.backups.len(), 400);
        assert_eq!(w.vms[w.clusters[0].vm_order[0]].name, "财务系统-db01");
        assert_eq!(w.vms[w.clusters[1].vm_order[0]].name, "数据库主节点");
        assert!(w.vms.iter().any(|v| v.snaps.is_empty()));
        assert!(w.vms.iter().all(|v| v.snaps.len() <= 6));
        for c in 0..3 {
            let first = &w.vms[w.clusters[c].vm_order[0]];
            assert_eq!(first.snaps.len(), 6, "{}", first.name);
        }
        assert!(w.backups.iter().any(|b| b.status == 2));
        assert!(w.backups.iter().all(|b| b.status != 1));
        assert_eq!(w.bps.iter().filter(|b| !b.healthy).count(), 1);
        // Unique VM names per cluster, unique snapshot names per VM, parents exist.
        for c in 0..3 {
            let mut names = HashSet::new();
            for &i in &w.clusters[c].vm_order {
                assert!(names.insert(w.vms[i].name.clone()));
            }
        }
        for vm in &w.vms {
            let names: HashSet<&str> = vm.snaps.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(names.len(), vm.snaps.len());
            for s in &vm.snaps {
                assert!(s.parent.is_empty() || names.contains(s.parent.as_str()));
                assert_eq!(s.disk_snaps.len(), vm.disks.len());
            }
            assert!(vm.head.is_empty() || names.contains(vm.head.as_str()));
            assert_eq!(vm.head.is_empty(), vm.snaps.is_empty());
        }
    }

    #[test]
    fn same_seed_same_world() {
        let a = world(&SimConfig::default());
        let b = world(&SimConfig::default());
        assert_eq!(format!("{:?}", a.vms), format!("{:?}", b.vms));
        assert_eq!(format!("{:?}", a.backups), format!("{:?}", b.backups));
        let c = world(&SimConfig {
            seed: 7,
            ..Default::default()
        });
        assert_ne!(format!("{:?}", a.vms), format!("{:?}", c.vms));
    }

    #[test]
    fn large_snapshot_counts_go_to_the_first_vm() {
        let w = world(&SimConfig {
            vms: Some(30),
            snapshots: Some(300),
            backups: Some(10),
            ..Default::default()
        });
        for c in 0..3 {
            let order = &w.clusters[c].vm_order;
            let vm = &w.vms[order[0]];
            assert_eq!(vm.snaps.len(), 300);
            // A long line with side branches.
            let parent: HashMap<&str, &str> = vm
                .snaps
                .iter()
                .map(|s| (s.name.as_str(), s.parent.as_str()))
                .collect();
            let mut deepest = 0;
            for s in &vm.snaps {
                let (mut n, mut d) = (s.name.as_str(), 0);
                while !n.is_empty() {
                    n = parent[n];
                    d += 1;
                }
                deepest = deepest.max(d);
            }
            assert!(deepest > 100, "depth {deepest}");
            let forks = vm
                .snaps
                .iter()
                .filter(|s| vm.snaps.iter().filter(|c| c.parent == s.name).count() > 1)
                .count();
            assert!(forks > 5, "forks {forks}");
            assert!(order[1..].iter().all(|&i| w.vms[i].snaps.len() <= 8));
        }
    }

    #[test]
    fn tiny_worlds_do_not_panic() {
        for vms in [0, 1, 2, 3] {
            let w = world(&SimConfig {
                vms: Some(vms),
                backups: Some(5),
                snapshots: Some(0),
                ..Default::default()
            });
            assert_eq!(w.vms.len(), vms);
        }
    }
}
