//! Deterministic generation of the CloudTower world from a [`SimConfig`].
//!
//! Everything is drawn from one `ChaCha8Rng` in a fixed order, so a seed always gives the
//! same world. Seeded times lie before `anchor` (the start of the current UTC day), so two
//! simulators started the same day answer the same JSON.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::wire::uuid;
use super::world::*;
use crate::SimConfig;
use crate::seed_util::{SNAPSHOTS_PER_OTHER_VM, split};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const DEFAULT_VMS: usize = 100;
const DEFAULT_RESTORE_POINTS: usize = 300;
const DEFAULT_SNAPSHOTS: usize = 6;

/// The VM whose snapshot and rollback tasks always fail (see the module docs).
pub const FAULTY_VM: &str = "故障演示-存储异常";
/// A VM deleted after it was backed up: its restore points remain, with `vm: null`.
pub const DELETED_VM: &str = "old-erp-app-已删除";

struct ClusterSpec {
    name: &'static str,
    version: &'static str,
    kind: &'static str,
    arch: &'static str,
    connected: bool,
    net: u8,
    weight: usize,
    hosts: usize,
    edition: &'static str,
    showcase: &'static str,
}

const CLUSTERS: &[ClusterSpec] = &[
    ClusterSpec {
        name: "SMTX-生产集群",
        version: "6.1.0",
        kind: "SMTX_OS",
        arch: "X86_64",
        connected: true,
        net: 10,
        weight: 5,
        hosts: 4,
        edition: "ENTERPRISE",
        showcase: "财务系统-db01",
    },
    ClusterSpec {
        name: "smtx-dev-cluster",
        version: "5.1.3",
        kind: "SMTX_OS",
        arch: "X86_64",
        connected: true,
        net: 11,
        weight: 3,
        hosts: 3,
        edition: "STANDARD",
        showcase: "jenkins-ci-01",
    },
    ClusterSpec {
        name: "灾备集群-DR",
        version: "6.0.0",
        kind: "SMTX_OS",
        arch: "AARCH64",
        connected: true,
        net: 12,
        weight: 2,
        hosts: 3,
        edition: "ENTERPRISE",
        showcase: "灾备-数据库",
    },
    ClusterSpec {
        name: "edge-branch-04",
        version: "5.0.7",
        kind: "SMTX_ELF",
        arch: "X86_64",
        connected: false,
        net: 13,
        weight: 1,
        hosts: 2,
        edition: "ESSENTIAL",
        showcase: "branch-pos-01",
    },
];

const VLANS: &[(&str, i64, &str)] = &[
    ("default", 0, "VM"),
    ("业务网络-100", 100, "VM"),
    ("db-vlan-200", 200, "VM"),
    ("dmz-300", 300, "VM"),
    ("mgt-network", 0, "MANAGEMENT"),
    ("storage-network", 0, "STORAGE"),
];

const VM_BASES: &[&str] = &[
    "数据库主节点",
    "数据库从节点",
    "web-frontend",
    "api-gateway",
    "oa-app",
    "erp-应用服务器",
    "邮件服务器",
    "k8s-master",
    "k8s-worker",
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
];

const OSES: &[(&str, &str)] = &[
    ("LINUX", "CentOS Linux 7.9.2009"),
    ("LINUX", "Ubuntu 22.04.3 LTS"),
    ("LINUX", "Rocky Linux 8.8"),
    ("LINUX", "银河麒麟 V10 SP2"),
    ("LINUX", "统信 UOS 20"),
    ("WINDOWS", "Windows Server 2019 Datacenter"),
    ("WINDOWS", "Windows Server 2016 Standard"),
    ("UNKNOWN", ""),
];

const SNAP_NAMES: &[&str] = &[
    "安装完成",
    "before-upgrade",
    "升级前",
    "patch-01",
    "config-change",
    "pre-release",
    "初始化",
    "v1.0",
    "v1.1",
    "weekly",
    "变更前备份",
    "baseline",
];

const SNAP_DESCS: &[&str] = &[
    "",
    "",
    "升级前快照",
    "系统初始化完成",
    "打补丁前",
    "配置变更前",
];

const USERS: &[(&str, &str, &str)] = &[
    ("admin", "admin", "LOCAL"),
    ("张伟", "zhangwei", "LDAP"),
    ("李娜", "lina", "LOCAL"),
    ("ops-wang", "ops-wang", "LDAP"),
];

/// Builds the world. `anchor`: seeded times lie before it (ms). `now`: the clock (ms).
pub fn build(config: &SimConfig, anchor: i64, now: i64) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x636c_6f75_6474_6f77);
    let mut w = World {
        now: anchor,
        seed: config.seed,
        fingerprint: rng.random_range(0..36u64.pow(4)),
        counter: 0,
        rng: ChaCha8Rng::seed_from_u64(config.seed ^ 0x7275_6e74_696d_6521),
        users: Vec::new(),
        clusters: Vec::new(),
        hosts: Vec::new(),
        vdses: Vec::new(),
        vlans: Vec::new(),
        vms: Vec::new(),
        disks: Vec::new(),
        volumes: Vec::new(),
        lun_snapshots: Vec::new(),
        snapshots: Vec::new(),
        tasks: Vec::new(),
        services: Vec::new(),
        repos: Vec::new(),
        plans: Vec::new(),
        plan_execs: Vec::new(),
        target_execs: Vec::new(),
        restore_points: Vec::new(),
        restore_execs: Vec::new(),
        index: Default::default(),
        pending: Default::default(),
        next_background: (now + 20_000, 0),
        changes: Default::default(),
    };
    // Seeded ids come from the seeded rng, so they do not depend on when the run starts.
    std::mem::swap(&mut w.rng, &mut rng);
    for (name, username, source) in USERS {
        let id = w.new_id(anchor - 900 * DAY);
        w.users.push(User {
            id,
            name: name.to_string(),
            username: username.to_string(),
            source,
        });
    }
    for spec in CLUSTERS {
        gen_cluster(&mut w, spec, anchor);
    }
    let weights: Vec<usize> = CLUSTERS.iter().map(|s| s.weight).collect();
    let counts = split(config.vms.unwrap_or(DEFAULT_VMS), &weights);
    let mut names = NameGen::default();
    for (c, &n) in counts.iter().enumerate() {
        for k in 0..n {
            let name = if k == 0 {
                CLUSTERS[c].showcase.to_string()
            } else if c == 0 && k == 1 {
                FAULTY_VM.to_string()
            } else {
                names.next(&mut w.rng)
            };
            let v = gen_vm(&mut w, c, name, anchor);
            if k == 0 || (c == 0 && k == 1) {
                // Showcase and demo VMs run with VMTools, so every operation is possible.
                let host = w.clusters[c].hosts[0];
                let vm = &mut w.vms[v];
                vm.status = if CLUSTERS[c].connected {
                    "RUNNING"
                } else {
                    "UNKNOWN"
                };
                vm.tools = "RUNNING";
                vm.tools_version = Some("3.2.0".into());
                vm.host = Some(host);
                vm.faulty = c == 0 && k == 1;
            }
        }
    }
    let per_vm = config.snapshots.unwrap_or(DEFAULT_SNAPSHOTS);
    for c in 0..w.clusters.len() {
        let vms: Vec<usize> = (0..w.vms.len())
            .filter(|&v| w.vms[v].cluster == c)
            .collect();
        for (k, &v) in vms.iter().enumerate() {
            let count = if k == 0 {
                per_vm
            } else if w.rng.random_range(0..100) < 25 {
                0
            } else {
                w.rng.random_range(0..=per_vm.min(SNAPSHOTS_PER_OTHER_VM))
            };
            gen_snapshots(&mut w, v, count, k == 0, anchor);
        }
    }
    gen_backups(
        &mut w,
        config.backups.unwrap_or(DEFAULT_RESTORE_POINTS),
        anchor,
    );
    gen_history(&mut w, anchor);
    // The failure demo VM keeps at least one snapshot, so that its failing rollback can be
    // tried. The snapshot is drawn last and from a side stream: no other VM changes.
    if per_vm > 0
        && let Some(v) = w.vms.iter().position(|vm| vm.faulty)
        && w.vms[v].snapshots.is_empty()
    {
        let mut side = ChaCha8Rng::seed_from_u64(splitmix(w.seed ^ splitmix(0x6661_756c_7479)));
        std::mem::swap(&mut w.rng, &mut side);
        gen_snapshots(&mut w, v, 1, false, anchor);
        std::mem::swap(&mut w.rng, &mut side);
    }
    // From here on ids come from the run-time rng.
    std::mem::swap(&mut w.rng, &mut rng);
    w.now = now;
    w
}

/// A uuid drawn outside the main stream, for things added to the world after it was
/// first laid out: drawing them from `w.rng` would reshuffle every later id and name.
fn side_uuid(seed: u64, k: u64) -> String {
    uuid(&mut ChaCha8Rng::seed_from_u64(splitmix(seed ^ splitmix(k))))
}

#[derive(Default)]
struct NameGen {
    used: std::collections::HashMap<&'static str, usize>,
}

impl NameGen {
    fn next(&mut self, rng: &mut ChaCha8Rng) -> String {
        let base = VM_BASES[rng.random_range(0..VM_BASES.len())];
        let n = self.used.entry(base).or_insert(0);
        *n += 1;
        format!("{base}-{:02}", n)
    }
}

fn gen_cluster(w: &mut World, spec: &ClusterSpec, anchor: i64) {
    let c = w.clusters.len();
    let created = anchor - w.rng.random_range(400..900) * DAY;
    let id = w.new_id(created);
    let local_id = w.new_uuid();
    let vds_id = w.new_id(created + 1000);
    let target_id = w.new_id(created + 2000);
    let serial = format!("{:08X}-SMTX", w.rng.random::<u32>());
    let capacity = spec.hosts as i64 * [8, 12, 16][w.rng.random_range(0..3)] * 1024 * GIB;
    w.clusters.push(Cluster {
        id: id.clone(),
        local_id,
        name: spec.name.to_string(),
        ip: format!("10.{}.0.10", spec.net),
        version: spec.version,
        kind: spec.kind,
        arch: spec.arch,
        connected: spec.connected,
        created_ms: created,
        disconnected_ms: (!spec.connected).then(|| anchor - 2 * DAY - 5 * HOUR),
        hosts: Vec::new(),
        target_id: target_id.clone(),
        target_name: format!("zbs-iscsi-datastore-{}", c + 1),
        net: spec.net,
        edition: spec.edition,
        license_serial: serial,
        capacity,
        used_space: capacity / 100 * w.rng.random_range(20..70),
    });
    w.register(&id, Kind::Cluster, c);
    let vds = w.vdses.len();
    w.vdses.push(Vds {
        id: vds_id.clone(),
        local_id: side_uuid(w.seed, 0x7664_7300 + c as u64),
        name: "vds-ovsbr-internal".into(),
        cluster: c,
        ovsbr_name: "ovsbr-internal".into(),
        bond_mode: "active-backup",
    });
    w.register(&vds_id, Kind::Vds, vds);
    for h in 0..spec.hosts {
        let hid = w.new_id(created + 10_000 + h as i64);
        let local_id = w.new_uuid();
        let cores = [32, 48, 64][w.rng.random_range(0..3)];
        let status = if !spec.connected {
            "SESSION_EXPIRED"
        } else if c == 1 && h == spec.hosts - 1 {
            "CONNECTED_WARNING"
        } else {
            "CONNECTED_HEALTHY"
        };
        let i = w.hosts.len();
        w.hosts.push(Host {
            id: hid.clone(),
            local_id,
            name: format!("node-{}-{:02}", spec.net, h + 1),
            cluster: c,
            ip: format!("10.{}.0.{}", spec.net, 11 + h),
            data_ip: format!("10.{}.1.{}", spec.net, 11 + h),
            cores,
            sockets: 2,
            memory: [256, 384, 512][w.rng.random_range(0..3)] * GIB,
            model: [
                "SMTX HCI 5000",
                "Dell PowerEdge R740",
                "H3C UniServer R4900 G5",
            ][w.rng.random_range(0..3)],
            cpu_model: if spec.arch == "AARCH64" {
                "Kunpeng 920"
            } else {
                "Intel(R) Xeon(R) Gold 6230R CPU @ 2.10GHz"
            },
            serial: format!("SN{:010}", w.rng.random_range(0..10_000_000_000u64)),
            status,
            disks: w.rng.random_range(4..12),
        });
        w.register(&hid, Kind::Host, i);
        w.clusters[c].hosts.push(i);
    }
    for (k, (name, vlan_id, kind)) in VLANS.iter().enumerate() {
        let vid = w.new_id(created + 20_000 + k as i64);
        let local_id = w.new_uuid();
        let i = w.vlans.len();
        let has_gw = *kind == "VM" && *vlan_id != 0;
        w.vlans.push(Vlan {
            id: vid.clone(),
            local_id,
            name: name.to_string(),
            cluster: c,
            vds,
            vlan_id: *vlan_id,
            kind,
            gateway: has_gw.then(|| format!("10.{}.{}.1", spec.net, 100 + k)),
            subnet: has_gw.then(|| "255.255.255.0".to_string()),
        });
        w.register(&vid, Kind::Vlan, i);
    }
}

fn vm_vlans(w: &World, c: usize) -> Vec<usize> {
    (0..w.vlans.len())
        .filter(|&v| w.vlans[v].cluster == c && w.vlans[v].kind == "VM")
        .collect()
}

fn gen_vm(w: &mut World, c: usize, name: String, anchor: i64) -> usize {
    let created = anchor - w.rng.random_range(30 * DAY..700 * DAY);
    let connected = w.clusters[c].connected;
    let roll = w.rng.random_range(0..100);
    let status = if !connected {
        "UNKNOWN"
    } else if roll < 62 {
        "RUNNING"
    } else if roll < 93 {
        "STOPPED"
    } else {
        "SUSPENDED"
    };
    let (guest_os, os) = OSES[w.rng.random_range(0..OSES.len())];
    let tools_roll = w.rng.random_range(0..100);
    let installed = guest_os != "UNKNOWN" && tools_roll < 78;
    let tools = match (status, installed) {
        (_, false) => "NOT_INSTALLED",
        ("RUNNING", true) if tools_roll < 55 => "RUNNING",
        ("RUNNING", true) if tools_roll < 73 => "NOT_RUNNING",
        ("RUNNING", true) => "RESTRICTION",
        _ => "NOT_RUNNING",
    };
    let vcpu = [2, 4, 8, 16][w.rng.random_range(0..4)];
    let sockets = if vcpu >= 8 && w.rng.random_bool(0.5) {
        2
    } else {
        1
    };
    let hosts = w.clusters[c].hosts.clone();
    let host = if status == "STOPPED" && w.rng.random_bool(0.5) {
        None
    } else {
        Some(hosts[w.rng.random_range(0..hosts.len())])
    };
    let v = w.vms.len();
    let id = w.new_id(created);
    let local_id = w.new_uuid();
    let bios_uuid = w.new_uuid();
    let running = status == "RUNNING";
    let mut vm = Vm {
        id: id.clone(),
        local_id,
        name: name.clone(),
        description: if w.rng.random_bool(0.3) {
            "业务系统，请勿随意关机".into()
        } else {
            String::new()
        },
        cluster: c,
        host,
        status,
        tools,
        tools_version: installed.then(|| "3.2.0".to_string()),
        vcpu,
        sockets,
        cores: vcpu / sockets,
        memory: [4, 8, 16, 32][w.rng.random_range(0..4)] * GIB,
        cpu_model: "host_passthrough".into(),
        firmware: if guest_os == "WINDOWS" {
            "UEFI"
        } else {
            "BIOS"
        },
        clock_offset: if guest_os == "WINDOWS" {
            "LOCALTIME"
        } else {
            "UTC"
        },
        ha: w.rng.random_bool(0.7),
        guest_os,
        os: (!os.is_empty()).then(|| os.to_string()),
        hostname: (tools == "RUNNING").then(|| name.to_lowercase().replace(' ', "-")),
        created_ms: created,
        last_shutdown_ms: (status == "STOPPED")
            .then(|| anchor - w.rng.random_range(HOUR..20 * DAY)),
        disks: Vec::new(),
        nics: Vec::new(),
        snapshots: Vec::new(),
        plans: Vec::new(),
        cpu_usage: if running {
            (w.rng.random_range(5..8500) as f64) / 100.0
        } else {
            0.0
        },
        memory_usage: if running {
            (w.rng.random_range(1000..9500) as f64) / 100.0
        } else {
            0.0
        },
        win_opt: guest_os == "WINDOWS",
        bios_uuid,
        busy: None,
        state: None,
        faulty: false,
        gone: false,
    };
    let n_disks = w.rng.random_range(1..=3);
    let mut disks = Vec::new();
    for d in 0..n_disks {
        let size = [40, 80, 100, 200, 500][w.rng.random_range(0..5)] * GIB;
        let used = size / 100 * w.rng.random_range(15..85);
        let vol = new_volume(w, c, &format!("{name}-disk-{}", d + 1), size, used, created);
        disks.push(new_disk(w, v, d as i64, "VIRTIO", "DISK", Some(vol)));
    }
    if w.rng.random_bool(0.5) {
        disks.push(new_disk(w, v, n_disks as i64, "IDE", "CD_ROM", None));
    }
    vm.disks = disks;
    let vlans = vm_vlans(w, c);
    let n_nics = w.rng.random_range(1..=2);
    for k in 0..n_nics {
        let vlan = vlans[w.rng.random_range(0..vlans.len())];
        let nic_id = w.new_id(created + 1 + k);
        let nic_local = w.new_uuid();
        let mac = w.random_mac();
        let net = w.clusters[c].net;
        let ip = if tools == "RUNNING" {
            format!("10.{net}.{}.{}", 100 + vlan % 6, w.rng.random_range(2..250))
        } else {
            String::new()
        };
        vm.nics.push(Nic {
            id: nic_id,
            local_id: nic_local,
            mac,
            ip,
            vlan,
            gateway: w.vlans[vlan].gateway.clone().unwrap_or_default(),
            mask: w.vlans[vlan].subnet.clone().unwrap_or_default(),
            model: "VIRTIO",
        });
    }
    w.vms.push(vm);
    w.register(&id, Kind::Vm, v);
    v
}

pub fn new_volume(
    w: &mut World,
    c: usize,
    name: &str,
    size: i64,
    used: i64,
    created: i64,
) -> usize {
    let id = w.new_id(created);
    let local_id = w.new_uuid();
    let lun_id = w.new_id(created);
    let zbs_id = w.new_uuid();
    let i = w.volumes.len();
    w.volumes.push(Volume {
        id: id.clone(),
        local_id: local_id.clone(),
        name: name.to_string(),
        cluster: c,
        size,
        used,
        policy: "REPLICA_2_THIN_PROVISION",
        created_ms: created,
        lun_id,
        lun_name: format!("lun-{}", &local_id[..8]),
        zbs_id,
        disks: Vec::new(),
        gone: false,
    });
    w.register(&id, Kind::VmVolume, i);
    i
}

pub fn new_disk(
    w: &mut World,
    vm: usize,
    slot: i64,
    bus: &'static str,
    kind: &'static str,
    volume: Option<usize>,
) -> usize {
    let at = w.now;
    let id = w.new_id(at);
    let i = w.disks.len();
    let serial = w.new_uuid();
    w.disks.push(VmDisk {
        id: id.clone(),
        vm,
        boot: slot,
        bus,
        kind,
        volume,
        key: if kind == "DISK" {
            2000 + slot
        } else {
            3000 + slot
        },
        serial: serial.replace('-', "")[..20].to_string(),
        device: if bus == "IDE" {
            format!("hd{}", (b'a' + slot as u8 % 26) as char)
        } else {
            format!("vd{}", (b'a' + slot as u8 % 26) as char)
        },
        gone: false,
    });
    w.register(&id, Kind::VmDisk, i);
    if let Some(v) = volume {
        w.volumes[v].disks.push(i);
    }
    i
}

/// Freezes VM `v` as it is now, with a new LUN snapshot per data disk.
pub fn freeze(w: &mut World, v: usize, at: i64, grow: f64) -> (Vec<FrozenDisk>, Vec<FrozenNic>) {
    let mut disks = Vec::new();
    let c = w.vms[v].cluster;
    let vm_disks = w.vms[v].disks.clone();
    for (index, &d) in vm_disks.iter().enumerate() {
        let disk = w.disks[d].clone();
        let Some(vol) = disk.volume else {
            disks.push(FrozenDisk {
                boot: disk.boot,
                bus: disk.bus,
                index: index as i64,
                kind: disk.kind,
                path: String::new(),
                size: 0,
                used: 0,
                policy_uuid: String::new(),
                volume_local_id: String::new(),
                volume_name: String::new(),
                volume: None,
                image_name: None,
                lun_snapshot: None,
                volume_snapshot_uuid: None,
            });
            continue;
        };
        let volume = w.volumes[vol].clone();
        let used = ((volume.used as f64) * grow) as i64;
        let ls = w.lun_snapshots.len();
        let id = w.new_id(at);
        let local_id = w.new_uuid();
        let name = w.new_uuid();
        let unique = used / 100 * w.rng.random_range(1..20);
        w.lun_snapshots.push(LunSnapshot {
            id: id.clone(),
            local_id,
            name,
            cluster: c,
            lun_id: volume.lun_id.clone(),
            lun_name: volume.lun_name.clone(),
            created_ms: at,
            unique_size: unique,
            state: None,
            gone: false,
        });
        w.register(&id, Kind::IscsiLunSnapshot, ls);
        let vs = w.new_uuid();
        disks.push(FrozenDisk {
            boot: disk.boot,
            bus: disk.bus,
            index: index as i64,
            kind: disk.kind,
            path: format!("/usr/share/smartx/volumes/{}", volume.local_id),
            size: volume.size,
            used,
            policy_uuid: w.clusters[c].local_id.clone(),
            volume_local_id: volume.local_id.clone(),
            volume_name: volume.name.clone(),
            volume: Some(vol),
            image_name: None,
            lun_snapshot: Some(ls),
            volume_snapshot_uuid: Some(vs),
        });
    }
    let nics = w.vms[v]
        .nics
        .iter()
        .enumerate()
        .map(|(k, n)| FrozenNic {
            index: k as i64,
            mac: n.mac.clone(),
            ip: n.ip.clone(),
            gateway: n.gateway.clone(),
            mask: n.mask.clone(),
            vlan: n.vlan,
            model: n.model,
        })
        .collect();
    (disks, nics)
}

fn gen_snapshots(w: &mut World, v: usize, count: usize, showcase: bool, anchor: i64) {
    if count == 0 {
        return;
    }
    let created = w.vms[v].created_ms;
    let mut times: Vec<i64> = (0..count)
        .map(|_| w.rng.random_range(created + HOUR..anchor - HOUR))
        .collect();
    times.sort_unstable();
    let start = w.rng.random_range(0..SNAP_NAMES.len());
    for (k, &at) in times.iter().enumerate() {
        let base = SNAP_NAMES[(start + k) % SNAP_NAMES.len()];
        let name = if k < SNAP_NAMES.len() {
            base.to_string()
        } else {
            format!("{base}-{}", k / SNAP_NAMES.len() + 1)
        };
        let tools = w.vms[v].tools == "RUNNING";
        let consistent = if tools
            && (if showcase {
                k % 2 == 1
            } else {
                w.rng.random_bool(0.5)
            }) {
            "FILE_SYSTEM_CONSISTENT"
        } else {
            "CRASH_CONSISTENT"
        };
        // Older snapshots hold less data than the VM has now.
        let grow = 0.55 + 0.45 * (k as f64 + 1.0) / (count as f64 + 1.0);
        let description = SNAP_DESCS[w.rng.random_range(0..SNAP_DESCS.len())].to_string();
        add_snapshot(w, v, name, description, consistent, at, grow, None);
    }
}

/// Adds a snapshot of VM `v` taken at `at`.
#[allow(clippy::too_many_arguments)]
pub fn add_snapshot(
    w: &mut World,
    v: usize,
    name: String,
    description: String,
    consistent: &'static str,
    at: i64,
    grow: f64,
    state: Option<Async>,
) -> usize {
    let (disks, nics) = freeze(w, v, at, grow);
    for d in &disks {
        if let Some(ls) = d.lun_snapshot {
            w.lun_snapshots[ls].state = state;
        }
    }
    let id = w.new_id(at);
    let suffix = w.new_uuid();
    let local_id = format!("{}_{suffix}", w.vms[v].local_id);
    let vm = &w.vms[v];
    let s = w.snapshots.len();
    w.snapshots.push(VmSnapshot {
        id: id.clone(),
        local_id,
        name,
        description,
        vm: v,
        cluster: vm.cluster,
        consistent,
        created_ms: at,
        vcpu: vm.vcpu,
        sockets: vm.sockets,
        cores: vm.cores,
        memory: vm.memory,
        cpu_model: vm.cpu_model.clone(),
        ha: vm.ha,
        firmware: vm.firmware,
        clock_offset: vm.clock_offset,
        win_opt: vm.win_opt,
        disks,
        nics,
        state,
        gone: false,
    });
    w.register(&id, Kind::VmSnapshot, s);
    w.vms[v].snapshots.push(s);
    s
}

/// The VM as a restore point stores it.
pub fn store_vm(w: &World, v: usize, grow: f64) -> StoredVm {
    let vm = &w.vms[v];
    StoredVm {
        name: vm.name.clone(),
        local_id: vm.local_id.clone(),
        description: vm.description.clone(),
        vcpu: vm.vcpu,
        sockets: vm.sockets,
        cores: vm.cores,
        memory: vm.memory,
        cpu_model: vm.cpu_model.clone(),
        firmware: vm.firmware,
        clock_offset: vm.clock_offset,
        ha: vm.ha,
        guest_os: vm.guest_os,
        tools: vm.tools,
        win_opt: vm.win_opt,
        cluster: vm.cluster,
        host_local_id: vm.host.map(|h| w.hosts[h].local_id.clone()),
        disks: vm
            .disks
            .iter()
            .map(|&d| {
                let disk = &w.disks[d];
                let vol = disk.volume.map(|v| &w.volumes[v]);
                StoredDisk {
                    bus: disk.bus,
                    boot: disk.boot,
                    kind: disk.kind,
                    volume_name: vol.map(|v| v.name.clone()),
                    path: vol.map(|v| format!("/usr/share/smartx/volumes/{}", v.local_id)),
                    size: vol.map_or(0, |v| v.size),
                    used: vol.map_or(0, |v| ((v.used as f64) * grow) as i64),
                    policy: vol.map_or("REPLICA_2_THIN_PROVISION", |v| v.policy),
                    zbs_id: vol.map(|v| v.zbs_id.clone()),
                }
            })
            .collect(),
        nics: vm.nics.clone(),
    }
}

struct PlanSpec {
    name: &'static str,
    repo: usize,
    clusters: &'static [usize],
    vms: usize,
    status: &'static str,
    weekday: &'static str,
    hour: i64,
}

const PLANS: &[PlanSpec] = &[
    PlanSpec {
        name: "核心数据库-每日备份",
        repo: 0,
        clusters: &[0],
        vms: 5,
        status: "WORKING",
        weekday: "SUN",
        hour: 1,
    },
    PlanSpec {
        name: "web服务-备份",
        repo: 1,
        clusters: &[1],
        vms: 6,
        status: "WORKING",
        weekday: "SAT",
        hour: 2,
    },
    PlanSpec {
        name: "dev-nightly",
        repo: 0,
        clusters: &[1],
        vms: 4,
        status: "PAUSED",
        weekday: "FRI",
        hour: 23,
    },
    PlanSpec {
        name: "灾备-异地备份",
        repo: 2,
        clusters: &[2],
        vms: 4,
        status: "WORKING",
        weekday: "SUN",
        hour: 3,
    },
    PlanSpec {
        name: "erp-weekly",
        repo: 1,
        clusters: &[0],
        vms: 4,
        status: "WORKING",
        weekday: "WED",
        hour: 0,
    },
    PlanSpec {
        name: "测试环境-备份",
        repo: 0,
        clusters: &[0, 2],
        vms: 3,
        status: "STOPPED",
        weekday: "MON",
        hour: 4,
    },
];

fn gen_backups(w: &mut World, total: usize, anchor: i64) {
    let created = anchor - 380 * DAY;
    let sid = w.new_id(created);
    w.register(&sid, Kind::BackupService, 0);
    w.services.push(BackupService {
        id: sid,
        name: "备份服务-backup01".into(),
        description: "内置备份与恢复服务".into(),
        status: "RUNNING",
        clusters: (0..w.clusters.len()).filter(|&c| w.clusters[c].connected).collect(),
        ip: "10.10.0.200".into(),
        storage_ip: "10.10.1.200".into(),
        kube_config: "apiVersion: v1\nkind: Config\nclusters:\n- name: backup01\n  cluster:\n    server: https://10.10.0.200:6443\n".into(),
    });
    // name, type, status, error code, TiB, address, path
    type RepoSpec = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        i64,
        &'static str,
        &'static str,
    );
    let repos: &[RepoSpec] = &[
        (
            "nfs-backup-01",
            "NFS4",
            "CONNECTED",
            None,
            20,
            "10.10.2.20",
            "/export/backup01",
        ),
        (
            "iscsi-备份仓库",
            "ISCSI",
            "CONNECTED",
            None,
            50,
            "10.10.2.30",
            "iqn.2004-01.com.storage:backup-target",
        ),
        (
            "nfs-offsite-dr",
            "NFS3",
            "ERROR",
            Some("NFS_MOUNT_FAILED"),
            10,
            "10.12.2.40",
            "/volume1/offsite",
        ),
    ];
    for (k, (name, kind, status, err, tib, addr, path)) in repos.iter().enumerate() {
        let id = w.new_id(created + (k as i64 + 1) * HOUR);
        w.register(&id, Kind::BackupStoreRepository, k);
        w.repos.push(Repo {
            id,
            name: name.to_string(),
            description: if *status == "ERROR" {
                "异地机房 NAS".into()
            } else {
                String::new()
            },
            kind,
            status,
            error_code: *err,
            total: tib * 1024 * GIB,
            base_used: tib * 1024 * GIB / 100 * (5 + k as i64 * 7),
            created_ms: created + (k as i64 + 1) * HOUR,
            service: 0,
            address: addr.to_string(),
            path: path.to_string(),
        });
    }
    // VMs for each plan, taken in order from the plan's clusters (skipping the faulty one).
    let mut taken = vec![0usize; w.clusters.len()];
    let mut plan_vms: Vec<Vec<usize>> = Vec::new();
    for spec in PLANS {
        let mut vms = Vec::new();
        for &c in spec.clusters {
            let candidates: Vec<usize> = (0..w.vms.len())
                .filter(|&v| w.vms[v].cluster == c && !w.vms[v].faulty)
                .collect();
            let want = spec.vms / spec.clusters.len();
            for _ in 0..want {
                if let Some(&v) = candidates.get(taken[c]) {
                    vms.push(v);
                    taken[c] += 1;
                }
            }
        }
        plan_vms.push(vms);
    }
    // The deleted VM, backed up by `erp-weekly` before it went away.
    let deleted = gen_vm(w, 0, DELETED_VM.to_string(), anchor - 200 * DAY);
    w.vms[deleted].status = "STOPPED";
    w.vms[deleted].gone = true;
    for d in w.vms[deleted].disks.clone() {
        w.disks[d].gone = true;
        if let Some(v) = w.disks[d].volume {
            w.volumes[v].gone = true;
        }
    }
    plan_vms[4].push(deleted);

    let vm_total: usize = plan_vms.iter().map(Vec::len).sum::<usize>().max(1);
    for (p, spec) in PLANS.iter().enumerate() {
        let vms = plan_vms[p].clone();
        let pid = w.new_id(created + (10 + p as i64) * DAY);
        w.register(&pid, Kind::BackupPlan, p);
        for &v in &vms {
            w.vms[v].plans.push(p);
        }
        w.plans.push(Plan {
            id: pid,
            name: spec.name.to_string(),
            description: String::new(),
            service: 0,
            repo: spec.repo,
            vms: vms.clone(),
            status: spec.status,
            full_period: "WEEKLY",
            full_weekday: Some(spec.weekday),
            hour: spec.hour,
            minute: 30,
            keep_count: 30,
            consistent: if p == 0 {
                "FILE_SYSTEM_CONSISTENT"
            } else {
                "CRASH_CONSISTENT"
            },
            compression: p % 2 == 0,
            created_ms: created + (10 + p as i64) * DAY,
            executions: Vec::new(),
            busy: None,
        });
        if vms.is_empty() {
            continue;
        }
        let share = total * vms.len() / vm_total;
        let runs = share.div_ceil(vms.len()).max(1);
        let repo_broken = w.repos[spec.repo].status == "ERROR";
        let mut stored_vms = StoredVms::default();
        for r in 0..runs {
            let day = (runs - r) as i64;
            let at = anchor - day * DAY + spec.hour * HOUR + 30 * 60_000;
            let kind = if r % 7 == 0 { "FULL" } else { "INCREMENTAL" };
            // The broken repository failed the last two runs.
            let ok = !(repo_broken && r + 2 >= runs);
            seed_execution(w, p, at, kind, ok, &mut stored_vms);
        }
    }
    // Two restores from the past.
    let rps: Vec<usize> = (0..w.restore_points.len())
        .filter(|&r| !w.vms[w.restore_points[r].vm].gone)
        .collect();
    for (k, &rp) in rps.iter().take(2).enumerate() {
        let at = w.restore_points[rp].created_ms + 3 * HOUR;
        let id = w.new_id(at);
        let e = w.restore_execs.len();
        let vm_name = w.restore_points[rp].stored.name.clone();
        let rebuild = (k == 1).then(|| RebuildTarget {
            name: format!("{vm_name}-恢复验证"),
            cluster: w.vms[w.restore_points[rp].vm].cluster,
            host: w.clusters[w.vms[w.restore_points[rp].vm].cluster].hosts[0],
            mapping: Vec::new(),
            vm: w.restore_points[rp].vm,
        });
        w.register(&id, Kind::BackupRestoreExecution, e);
        w.restore_execs.push(RestoreExecution {
            id,
            name: format!("restore-{vm_name}"),
            rp,
            rebuild,
            startup: k == 0,
            executed_ms: at,
            total_bytes: w.restore_points[rp].size,
            duration_s: 180 + 60 * k as i64,
            task: None,
            result: Some("SUCCESS"),
        });
        w.restore_points[rp].restores.push(e);
    }
}

/// A finished plan execution at `at`, with one target execution (and, when it worked,
/// one restore point) per VM of the plan.
/// What a VM looked like at each seeded run, by `(vm, run time % 97)`: the only things
/// [`store_vm`] depends on while the seed lays out backups.
type StoredVms = std::collections::HashMap<(usize, i64), Arc<StoredVm>>;

fn seed_execution(
    w: &mut World,
    p: usize,
    at: i64,
    kind: &'static str,
    ok: bool,
    stored_vms: &mut StoredVms,
) {
    let eid = w.new_id(at);
    let local_id = w.new_uuid();
    let e = w.plan_execs.len();
    w.register(&eid, Kind::BackupPlanExecution, e);
    let vms = w.plans[p].vms.clone();
    w.plan_execs.push(PlanExecution {
        id: eid,
        local_id,
        plan: p,
        created_ms: at,
        manual: false,
        kind,
        targets: Vec::new(),
        task: None,
        result: Some(if ok {
            ("SUCCESS", "SUCCEED")
        } else {
            ("FAILED", "FAILED")
        }),
        success: if ok { vms.len() as i64 } else { 0 },
        duration_s: 0,
    });
    w.plans[p].executions.push(e);
    let mut duration = 0;
    for (k, &v) in vms.iter().enumerate() {
        let stored = stored_vms
            .entry((v, at % 97))
            .or_insert_with(|| Arc::new(store_vm(w, v, 0.9 + 0.1 * ((at % 97) as f64 / 97.0))))
            .clone();
        let full: i64 = stored.disks.iter().map(|d| d.used).sum();
        let last = last_point(w, p, v);
        let kind = if last.is_none() { "FULL" } else { kind };
        let parent = if kind == "FULL" { None } else { last };
        let size = if kind == "FULL" {
            full
        } else {
            full / 100 * w.rng.random_range(2..9)
        };
        let secs = 60 + size / (300 << 20);
        duration = duration.max(secs);
        let job_at = at + k as i64 * 1000;
        let t = add_target(
            w,
            e,
            v,
            kind,
            job_at,
            size,
            secs,
            parent,
            Some(if ok { "SUCCESS" } else { "FAILED" }),
        );
        if ok {
            add_point(
                w,
                p,
                t,
                v,
                kind,
                false,
                job_at + secs * 1000,
                size,
                parent,
                stored,
            );
        }
    }
    w.plan_execs[e].duration_s = duration;
}

pub fn last_point(w: &World, p: usize, v: usize) -> Option<usize> {
    (0..w.restore_points.len()).rev().find(|&r| {
        let rp = &w.restore_points[r];
        rp.plan == p && rp.vm == v && !rp.gone && rp.state.is_none()
    })
}

#[allow(clippy::too_many_arguments)]
pub fn add_target(
    w: &mut World,
    e: usize,
    v: usize,
    kind: &'static str,
    at: i64,
    size: i64,
    secs: i64,
    parent: Option<usize>,
    result: Option<&'static str>,
) -> usize {
    let id = w.new_id(at);
    let local_id = w.new_uuid();
    let t = w.target_execs.len();
    w.register(&id, Kind::BackupTargetExecution, t);
    let parent_backup = parent
        .map(|r| w.restore_points[r].local_id.clone())
        .unwrap_or_default();
    let vm = &w.vms[v];
    w.target_execs.push(TargetExecution {
        id,
        local_id,
        plan_exec: e,
        vm: v,
        vm_name: vm.name.clone(),
        vm_local_id: vm.local_id.clone(),
        cluster_local_id: w.clusters[vm.cluster].local_id.clone(),
        kind,
        executed_ms: at,
        total_bytes: size,
        duration_s: secs,
        restore_point: None,
        parent_backup,
        result,
    });
    w.plan_execs[e].targets.push(t);
    t
}

#[allow(clippy::too_many_arguments)]
pub fn add_point(
    w: &mut World,
    p: usize,
    t: usize,
    v: usize,
    kind: &'static str,
    manual: bool,
    at: i64,
    size: i64,
    parent: Option<usize>,
    stored: Arc<StoredVm>,
) -> usize {
    let id = w.new_id(at);
    let local_id = w.new_uuid();
    let r = w.restore_points.len();
    w.register(&id, Kind::BackupRestorePoint, r);
    let compress = w.plans[p].compression;
    let logical: i64 = stored.disks.iter().map(|d| d.size).sum();
    w.restore_points.push(RestorePoint {
        id,
        local_id,
        plan: p,
        target_exec: t,
        vm: v,
        kind,
        manual,
        consistent: w.plans[p].consistent,
        created_ms: at,
        size,
        logical,
        physical: if compress { size / 100 * 62 } else { size },
        parent,
        restores: Vec::new(),
        stored,
        state: None,
        gone: false,
    });
    w.target_execs[t].restore_point = Some(r);
    r
}

/// Finished tasks from before the simulator started: backups, snapshots and other users'
/// work, a few of them failed.
fn gen_history(w: &mut World, anchor: i64) {
    let execs: Vec<usize> = (0..w.plan_execs.len()).collect();
    let mut recent = execs.clone();
    recent.sort_by_key(|&e| std::cmp::Reverse(w.plan_execs[e].created_ms));
    for &e in recent.iter().take(20) {
        let ex = w.plan_execs[e].clone();
        let plan = w.plans[ex.plan].name.clone();
        let failure = (ex.result.map(|r| r.0) == Some("FAILED")).then(|| Failure {
            code: "BACKUP_STORE_UNAVAILABLE",
            en: "The backup store repository nfs-offsite-dr is not available (NFS mount failed)"
                .into(),
            zh: "备份存储仓库 nfs-offsite-dr 不可用（NFS 挂载失败）".into(),
        });
        let c = w.plans[ex.plan].vms.first().map(|&v| w.vms[v].cluster);
        history_task(
            w,
            0,
            c,
            ex.created_ms,
            (ex.duration_s.max(60)) * 1000,
            format!("Execute backup plan {plan}"),
            format!("执行备份计划 {plan}"),
            "backup-plan.execute",
            ("BackupPlan", w.plans[ex.plan].id.clone(), plan.clone()),
            "executeBackupPlan",
            Some("BACKUP"),
            failure,
        );
    }
    let mut snaps: Vec<usize> = (0..w.snapshots.len()).collect();
    snaps.sort_by_key(|&s| std::cmp::Reverse(w.snapshots[s].created_ms));
    for (k, &s) in snaps.iter().take(15).enumerate() {
        let snap = w.snapshots[s].clone();
        let vm = w.vms[snap.vm].name.clone();
        history_task(
            w,
            k % USERS.len(),
            Some(snap.cluster),
            snap.created_ms - 4000,
            4000,
            format!("Create snapshot {} of VM {vm}", snap.name),
            format!("为虚拟机 {vm} 创建快照 {}", snap.name),
            "vm.snapshot.create",
            ("VmSnapshot", snap.id.clone(), snap.name.clone()),
            "createVmSnapshot",
            None,
            None,
        );
    }
    // Other users' work from the last day, two of them failed, the last export paused.
    let others: Vec<usize> = (0..w.vms.len())
        .filter(|&v| !w.vms[v].gone)
        .take(40)
        .collect();
    for k in 0..12 {
        let Some(&v) = others.get((k * 7) % others.len().max(1)) else {
            break;
        };
        let vm = w.vms[v].name.clone();
        let at = anchor - (12 - k as i64) * 90 * 60_000;
        let user = 1 + k % (USERS.len() - 1);
        let (en, zh, key, mutation) = match k % 3 {
            0 => (
                format!("Edit VM {vm}"),
                format!("编辑虚拟机 {vm}"),
                "vm.update",
                "updateVm",
            ),
            1 => (
                format!("Migrate VM {vm}"),
                format!("迁移虚拟机 {vm}"),
                "vm.migrate",
                "migrateVm",
            ),
            _ => (
                format!("Export VM {vm}"),
                format!("导出虚拟机 {vm}"),
                "vm.export",
                "exportVm",
            ),
        };
        let failure = (k % 5 == 4).then(|| Failure {
            code: "VM_MIGRATE_INSUFFICIENT_MEMORY",
            en: "The target host does not have enough free memory".into(),
            zh: "目标主机可用内存不足".into(),
        });
        // Migrations and exports take a while, edits a moment.
        let duration_ms = (15 + (k as i64 * 37) % 240) * 1000;
        history_task(
            w,
            user,
            Some(w.vms[v].cluster),
            at,
            duration_ms,
            en,
            zh,
            key,
            ("Vm", w.vms[v].id.clone(), vm),
            mutation,
            None,
            failure,
        );
        if k == 11 {
            let last = w.tasks.len() - 1;
            w.tasks[last].paused_ms = Some(at + 500 + duration_ms / 3);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn history_task(
    w: &mut World,
    user: usize,
    cluster: Option<usize>,
    at: i64,
    duration_ms: i64,
    desc_en: String,
    desc_zh: String,
    key: &'static str,
    (resource_type, resource_id, resource_name): (&'static str, String, String),
    mutation: &'static str,
    task_type: Option<&'static str>,
    failure: Option<Failure>,
) {
    let id = w.new_id(at);
    let t = w.tasks.len();
    w.register(&id, Kind::Task, t);
    let snapshot =
        json!({"typename": resource_type, "id": resource_id, "name": resource_name}).to_string();
    w.tasks.push(Task {
        id,
        user,
        cluster,
        created_ms: at,
        start_ms: at + 500,
        end_ms: at + 500 + duration_ms,
        desc_en,
        desc_zh,
        key: key.to_string(),
        resource_type,
        resource_id: resource_id.clone(),
        mutation,
        args: json!({ "id": resource_id }),
        snapshot,
        steps: vec![Step {
            key: "main",
            unit: "PERCENT",
            total: 100.0,
        }],
        failure,
        effect: Effect::Nothing,
        task_type,
        holds_vms: Vec::new(),
        holds_plan: None,
        done: true,
        paused_ms: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed_util::{big_config, digest};

    const ANCHOR: i64 = 1_764_633_600_000;

    fn summary(w: &World) -> Vec<u64> {
        vec![
            w.vms.len() as u64,
            w.snapshots.len() as u64,
            w.restore_points.len() as u64,
            w.target_execs.len() as u64,
            w.index.len() as u64,
            digest(&w.vms),
            digest(&w.snapshots),
            digest(&w.lun_snapshots),
            digest(&w.restore_points),
            digest(&w.target_execs),
            digest(&w.plan_execs),
            digest(&w.tasks),
        ]
    }

    /// Same seed, same big world: every VM, snapshot and backup, in the same order.
    #[test]
    fn a_big_world_is_the_same_for_the_same_seed() {
        let a = build(&big_config(7), ANCHOR, ANCHOR + 3_600_000);
        let b = build(&big_config(7), ANCHOR, ANCHOR + 3_600_000);
        assert_eq!(summary(&a), summary(&b));
        assert_eq!(
            a.vms.len(),
            2000 + 1,
            "the VMs asked for, and the deleted one"
        );
        let rps = a.restore_points.len();
        assert!((19_000..=21_000).contains(&rps), "{rps} restore points");
        assert_eq!(a.vms[0].snapshots.len(), 100);
        let first = |w: &World| (w.vms[0].id.clone(), w.restore_points[0].id.clone());
        let last = |w: &World| {
            (
                w.vms.last().map(|v| v.id.clone()),
                w.restore_points.last().map(|r| r.id.clone()),
            )
        };
        assert_eq!((first(&a), last(&a)), (first(&b), last(&b)));
        let other = build(&big_config(8), ANCHOR, ANCHOR + 3_600_000);
        assert_ne!(first(&a), first(&other), "another seed, another world");
    }
}
