//! The queryable resources: for each, its rows, inventory, native fields (what `q`, `sort`
//! and `fields` may name), expanded fields (joins to other resources) and the `schema`
//! classes of its reply.

use serde_json::{Map, Value, json};

use super::inventory as inv;
use super::world::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableId {
    Zone,
    Cluster,
    Host,
    PrimaryStorage,
    BackupStorage,
    ImageStore,
    Sftp,
    KvmHost,
    L3,
    Image,
    Vm,
    Volume,
    VmNic,
    Snapshot,
    Tree,
    Group,
    VolumeBackup,
    DatabaseBackup,
    LongJob,
    ManagementNode,
}

pub struct Join {
    pub name: &'static str,
    pub table: TableId,
    pub rows: fn(&World, usize) -> Vec<usize>,
}

/// A subclass inventory ZStack answers with when an equality condition on the parent's
/// type field names its type (`MysqlQueryBuilderImpl3.selectInventoryClass`): only then may
/// a query name the subclass's own fields.
pub struct Subtype {
    pub field: &'static str,
    pub value: &'static str,
    pub table: TableId,
}

pub struct Table {
    /// The inventory class (for error messages).
    pub class: &'static str,
    pub fields: &'static [&'static str],
    /// Those of `fields` that are no column of the resource's own table (ZStack's
    /// `@Queryable` lists and `@Unqueryable` fields): `q` may name them, `fields` may not.
    pub nested: &'static [&'static str],
    pub subtypes: &'static [Subtype],
    pub rows: fn(&World) -> Vec<usize>,
    pub inventory: fn(&World, usize) -> Value,
    /// A top-level field without building the inventory (`None`: not offered).
    pub quick: fn(&World, usize, &str) -> Option<Value>,
    pub joins: &'static [Join],
    pub schema: fn(&World, usize, &Value, &str, &mut Map<String, Value>),
    pub system_tags: fn(&World, usize) -> Vec<String>,
}

impl Table {
    /// What `fields` may select, in declaration order.
    pub fn primitives(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields
            .iter()
            .copied()
            .filter(|f| !self.nested.contains(f))
    }

    /// The class a query answers with: a subclass when the first equality condition on a
    /// type field names one of its types.
    pub fn select<'a>(
        &'static self,
        mut eq: impl FnMut(&str) -> Option<&'a str>,
    ) -> &'static Table {
        self.subtypes
            .iter()
            .find(|s| eq(s.field) == Some(s.value))
            .map_or(self, |s| table(s.table))
    }
}

fn no_quick(_: &World, _: usize, _: &str) -> Option<Value> {
    None
}

fn no_tags(_: &World, _: usize) -> Vec<String> {
    vec![]
}

fn put(schema: &mut Map<String, Value>, path: String, class: &str) {
    schema.insert(path, json!(class));
}

/// `prefix` → `class`, and `prefix.field[i]` → class for each nested list.
fn nested_schema(
    schema: &mut Map<String, Value>,
    inv: &Value,
    prefix: &str,
    class: &str,
    lists: &[(&str, &str)],
) {
    put(schema, prefix.to_string(), class);
    for (field, cls) in lists {
        if let Some(items) = inv.get(*field).and_then(Value::as_array) {
            for i in 0..items.len() {
                put(schema, format!("{prefix}.{field}[{i}]"), cls);
            }
        }
    }
}

macro_rules! simple_schema {
    ($name:ident, $class:expr, [$(($f:expr, $c:expr)),*]) => {
        fn $name(_: &World, _: usize, inv: &Value, prefix: &str, s: &mut Map<String, Value>) {
            nested_schema(s, inv, prefix, $class, &[$(($f, $c)),*]);
        }
    };
}

const VM_CLASS: &str = "org.zstack.header.vm.VmInstanceInventory";
const NIC_CLASS: &str = "org.zstack.header.vm.VmNicInventory";
const VOLUME_CLASS: &str = "org.zstack.header.volume.VolumeInventory";
const SNAPSHOT_CLASS: &str = "org.zstack.header.storage.snapshot.VolumeSnapshotInventory";
const LEAF_CLASS: &str = "org.zstack.header.storage.snapshot.SnapshotLeafInventory";
const SNAP_BS_REF_CLASS: &str =
    "org.zstack.header.storage.snapshot.VolumeSnapshotBackupStorageRefInventory";
const VB_REF_CLASS: &str =
    "org.zstack.header.storage.volume.backup.VolumeBackupStorageRefInventory";
const DB_REF_CLASS: &str =
    "org.zstack.header.storage.database.backup.DatabaseBackupStorageRefInventory";
const IMAGE_REF_CLASS: &str = "org.zstack.header.image.ImageBackupStorageRefInventory";
const USED_IP_CLASS: &str = "org.zstack.header.network.l3.UsedIpInventory";

simple_schema!(zone_schema, "org.zstack.header.zone.ZoneInventory", []);
simple_schema!(
    cluster_schema,
    "org.zstack.header.cluster.ClusterInventory",
    []
);
simple_schema!(host_schema, "org.zstack.kvm.KVMHostInventory", []);
simple_schema!(
    l3_schema,
    "org.zstack.header.network.l3.L3NetworkInventory",
    []
);
simple_schema!(
    image_schema,
    "org.zstack.header.image.ImageInventory",
    [("backupStorageRefs", IMAGE_REF_CLASS)]
);
simple_schema!(volume_schema, VOLUME_CLASS, []);
simple_schema!(nic_schema, NIC_CLASS, [("usedIps", USED_IP_CLASS)]);
simple_schema!(
    snapshot_schema,
    SNAPSHOT_CLASS,
    [("backupStorageRefs", SNAP_BS_REF_CLASS)]
);
simple_schema!(
    group_schema,
    "org.zstack.header.storage.snapshot.group.VolumeSnapshotGroupInventory",
    [(
        "volumeSnapshotRefs",
        "org.zstack.header.storage.snapshot.group.VolumeSnapshotGroupRefInventory"
    )]
);
simple_schema!(
    volume_backup_schema,
    "org.zstack.header.storage.volume.backup.VolumeBackupInventory",
    [("backupStorageRefs", VB_REF_CLASS)]
);
simple_schema!(
    db_backup_schema,
    "org.zstack.header.storage.database.backup.DatabaseBackupInventory",
    [("backupStorageRefs", DB_REF_CLASS)]
);
simple_schema!(
    long_job_schema,
    "org.zstack.header.longjob.LongJobInventory",
    []
);
simple_schema!(
    mn_schema,
    "org.zstack.header.managementnode.ManagementNodeInventory",
    []
);

fn vm_schema(_: &World, _: usize, inv: &Value, prefix: &str, s: &mut Map<String, Value>) {
    nested_schema(
        s,
        inv,
        prefix,
        VM_CLASS,
        &[("vmNics", NIC_CLASS), ("allVolumes", VOLUME_CLASS)],
    );
    if let Some(nics) = inv.get("vmNics").and_then(Value::as_array) {
        for (i, n) in nics.iter().enumerate() {
            if let Some(ips) = n.get("usedIps").and_then(Value::as_array) {
                for j in 0..ips.len() {
                    put(
                        s,
                        format!("{prefix}.vmNics[{i}].usedIps[{j}]"),
                        USED_IP_CLASS,
                    );
                }
            }
        }
    }
}

fn ps_schema(w: &World, i: usize, _: &Value, prefix: &str, s: &mut Map<String, Value>) {
    let class = match w.primary_storages[i].ps_type {
        "Ceph" => "org.zstack.storage.ceph.primary.CephPrimaryStorageInventory",
        "SharedBlock" => {
            "org.zstack.storage.primary.sharedblock.SharedBlockGroupPrimaryStorageInventory"
        }
        _ => "org.zstack.header.storage.primary.PrimaryStorageInventory",
    };
    put(s, prefix.to_string(), class);
}

fn bs_schema(w: &World, i: usize, _: &Value, prefix: &str, s: &mut Map<String, Value>) {
    let class = match w.backup_storages[i].bs_type {
        "ImageStoreBackupStorage" => {
            "org.zstack.storage.backup.imagestore.ImageStoreBackupStorageInventory"
        }
        "SftpBackupStorage" => "org.zstack.storage.backup.sftp.SftpBackupStorageInventory",
        _ => "org.zstack.header.storage.backup.BackupStorageInventory",
    };
    put(s, prefix.to_string(), class);
}

fn leaf_schema(v: &Value, prefix: &str, s: &mut Map<String, Value>) {
    put(s, prefix.to_string(), LEAF_CLASS);
    if let Some(i) = v.get("inventory") {
        nested_schema(
            s,
            i,
            &format!("{prefix}.inventory"),
            SNAPSHOT_CLASS,
            &[("backupStorageRefs", SNAP_BS_REF_CLASS)],
        );
    }
    if let Some(children) = v.get("children").and_then(Value::as_array) {
        for (i, c) in children.iter().enumerate() {
            leaf_schema(c, &format!("{prefix}.children[{i}]"), s);
        }
    }
}

fn tree_schema(_: &World, _: usize, inv: &Value, prefix: &str, s: &mut Map<String, Value>) {
    put(
        s,
        prefix.to_string(),
        "org.zstack.header.storage.snapshot.VolumeSnapshotTreeInventory",
    );
    if let Some(t) = inv.get("tree").filter(|t| !t.is_null()) {
        leaf_schema(t, &format!("{prefix}.tree"), s);
    }
}

// ---- rows ------------------------------------------------------------------------------

fn all<T>(v: &[T]) -> Vec<usize> {
    (0..v.len()).collect()
}

fn live<T>(v: &[T], deleted: fn(&T) -> bool) -> Vec<usize> {
    (0..v.len()).filter(|&i| !deleted(&v[i])).collect()
}

fn zone_rows(w: &World) -> Vec<usize> {
    all(&w.zones)
}
fn cluster_rows(w: &World) -> Vec<usize> {
    all(&w.clusters)
}
fn host_rows(w: &World) -> Vec<usize> {
    all(&w.hosts)
}
fn ps_rows(w: &World) -> Vec<usize> {
    all(&w.primary_storages)
}
fn bs_rows(w: &World) -> Vec<usize> {
    all(&w.backup_storages)
}
fn image_store_rows(w: &World) -> Vec<usize> {
    (0..w.backup_storages.len())
        .filter(|&i| w.backup_storages[i].is_image_store())
        .collect()
}
fn sftp_rows(w: &World) -> Vec<usize> {
    (0..w.backup_storages.len())
        .filter(|&i| w.backup_storages[i].bs_type == "SftpBackupStorage")
        .collect()
}
fn l3_rows(w: &World) -> Vec<usize> {
    all(&w.l3s)
}
fn image_rows(w: &World) -> Vec<usize> {
    all(&w.images)
}
fn vm_rows(w: &World) -> Vec<usize> {
    live(&w.vms, |v| v.deleted)
}
fn volume_rows(w: &World) -> Vec<usize> {
    live(&w.volumes, |v| v.deleted)
}
/// VM nics are numbered `vm * 16 + nic`.
fn nic_rows(w: &World) -> Vec<usize> {
    vm_rows(w)
        .into_iter()
        .flat_map(|vm| (0..w.vms[vm].nics.len()).map(move |n| vm * 16 + n))
        .collect()
}
fn snapshot_rows(w: &World) -> Vec<usize> {
    live(&w.snapshots, |s| s.deleted)
}
fn tree_rows(w: &World) -> Vec<usize> {
    live(&w.trees, |t| t.deleted)
}
fn group_rows(w: &World) -> Vec<usize> {
    live(&w.groups, |g| g.deleted)
}
fn volume_backup_rows(w: &World) -> Vec<usize> {
    live(&w.volume_backups, |b| b.deleted)
}
fn db_backup_rows(w: &World) -> Vec<usize> {
    live(&w.db_backups, |b| b.deleted)
}
fn long_job_rows(w: &World) -> Vec<usize> {
    live(&w.long_jobs, |j| j.deleted)
}
fn mn_rows(_: &World) -> Vec<usize> {
    vec![0]
}

fn nic_inventory(w: &World, i: usize) -> Value {
    let (vm, n) = (i / 16, i % 16);
    match w.vms.get(vm).and_then(|v| v.nics.get(n)) {
        Some(nic) => inv::nic(w, vm, nic),
        None => Value::Null,
    }
}

fn mn_inventory(w: &World, _: usize) -> Value {
    inv::mn(w)
}

// ---- quick fields ----------------------------------------------------------------------

fn vm_quick(w: &World, i: usize, f: &str) -> Option<Value> {
    let m = &w.vms[i];
    Some(match f {
        "uuid" => json!(m.uuid.to_string()),
        "name" => json!(m.name),
        "state" => json!(m.state),
        "clusterUuid" => json!(w.clusters[m.cluster].uuid.to_string()),
        "zoneUuid" => json!(w.zones[m.zone].uuid.to_string()),
        "hostUuid" => m
            .host
            .map(|h| json!(w.hosts[h].uuid.to_string()))
            .unwrap_or(Value::Null),
        "cpuNum" => json!(m.cpu_num),
        "memorySize" => json!(m.memory),
        "createDate" => json!(super::time::java_date(m.stamp.create)),
        // The change cursor's `sort=-lastOpDate&limit=1` and `lastOpDate>=` read this for
        // every VM; building 10,000 inventories for it cost most of a second.
        "lastOpDate" => json!(super::time::java_date(m.stamp.last_op)),
        "type" => json!("UserVm"),
        "hypervisorType" => json!("KVM"),
        _ => return None,
    })
}

fn nic_quick(w: &World, i: usize, f: &str) -> Option<Value> {
    let (vm, n) = (i / 16, i % 16);
    let nic = w.vms.get(vm)?.nics.get(n)?;
    Some(match f {
        "uuid" => json!(nic.uuid.to_string()),
        "vmInstanceUuid" => json!(w.vms[vm].uuid.to_string()),
        "ip" => json!(nic.ip),
        _ => return None,
    })
}

fn volume_quick(w: &World, i: usize, f: &str) -> Option<Value> {
    let v = &w.volumes[i];
    Some(match f {
        "uuid" => json!(v.uuid.to_string()),
        "name" => json!(v.name),
        "type" => json!(v.vtype()),
        "vmInstanceUuid" => {
            v.vm.map(|m| json!(w.vms[m].uuid.to_string()))
                .unwrap_or(Value::Null)
        }
        _ => return None,
    })
}

fn snapshot_quick(w: &World, i: usize, f: &str) -> Option<Value> {
    let s = &w.snapshots[i];
    Some(match f {
        "uuid" => json!(s.uuid.to_string()),
        "name" => json!(s.name),
        "volumeUuid" => json!(w.volumes[s.volume].uuid.to_string()),
        "treeUuid" => json!(w.trees[s.tree].uuid.to_string()),
        "createDate" => json!(super::time::java_date(s.stamp.create)),
        _ => return None,
    })
}

fn tree_quick(w: &World, i: usize, f: &str) -> Option<Value> {
    let t = &w.trees[i];
    Some(match f {
        "uuid" => json!(t.uuid.to_string()),
        "volumeUuid" => json!(w.volumes[t.volume].uuid.to_string()),
        "current" => json!(t.current),
        _ => return None,
    })
}

fn volume_backup_quick(w: &World, i: usize, f: &str) -> Option<Value> {
    let b = &w.volume_backups[i];
    Some(match f {
        "uuid" => json!(b.uuid.to_string()),
        "name" => json!(b.name),
        "volumeUuid" => json!(b.volume_uuid.to_string()),
        "groupUuid" => b.group.map(|g| json!(g.to_string())).unwrap_or(Value::Null),
        "vmInstanceUuid" => b
            .vm_uuid
            .map(|g| json!(g.to_string()))
            .unwrap_or(Value::Null),
        "createDate" => json!(super::time::java_date(b.stamp.create)),
        "size" => json!(b.size),
        _ => return None,
    })
}

fn bs_tags(w: &World, i: usize) -> Vec<String> {
    let b = &w.backup_storages[i];
    let mut tags = vec![];
    if b.remote {
        tags.push("remote".to_string());
    }
    tags
}

// ---- joins -----------------------------------------------------------------------------

fn vm_zone(w: &World, i: usize) -> Vec<usize> {
    vec![w.vms[i].zone]
}
fn vm_cluster(w: &World, i: usize) -> Vec<usize> {
    vec![w.vms[i].cluster]
}
fn vm_host(w: &World, i: usize) -> Vec<usize> {
    w.vms[i].host.into_iter().collect()
}
fn vm_image(w: &World, i: usize) -> Vec<usize> {
    vec![w.vms[i].image]
}
fn vm_root_volume(w: &World, i: usize) -> Vec<usize> {
    vec![w.vms[i].root()]
}
fn volume_vm(w: &World, i: usize) -> Vec<usize> {
    w.vm_of_volume(i).into_iter().collect()
}
fn volume_ps(w: &World, i: usize) -> Vec<usize> {
    vec![w.volumes[i].ps]
}
fn volume_snapshots(w: &World, i: usize) -> Vec<usize> {
    (0..w.snapshots.len())
        .filter(|&s| w.snapshots[s].volume == i && !w.snapshots[s].deleted)
        .collect()
}
fn host_zone(w: &World, i: usize) -> Vec<usize> {
    vec![w.hosts[i].zone]
}
fn host_cluster(w: &World, i: usize) -> Vec<usize> {
    vec![w.hosts[i].cluster]
}
fn host_vms(w: &World, i: usize) -> Vec<usize> {
    vm_rows(w)
        .into_iter()
        .filter(|&v| w.vms[v].host == Some(i))
        .collect()
}
fn cluster_zone(w: &World, i: usize) -> Vec<usize> {
    vec![w.clusters[i].zone]
}
fn cluster_hosts(w: &World, i: usize) -> Vec<usize> {
    (0..w.hosts.len())
        .filter(|&h| w.hosts[h].cluster == i)
        .collect()
}
fn cluster_vms(w: &World, i: usize) -> Vec<usize> {
    vm_rows(w)
        .into_iter()
        .filter(|&v| w.vms[v].cluster == i)
        .collect()
}
fn zone_clusters(w: &World, i: usize) -> Vec<usize> {
    (0..w.clusters.len())
        .filter(|&c| w.clusters[c].zone == i)
        .collect()
}
fn zone_hosts(w: &World, i: usize) -> Vec<usize> {
    (0..w.hosts.len())
        .filter(|&h| w.hosts[h].zone == i)
        .collect()
}
fn zone_vms(w: &World, i: usize) -> Vec<usize> {
    vm_rows(w)
        .into_iter()
        .filter(|&v| w.vms[v].zone == i)
        .collect()
}
fn bs_zones(w: &World, i: usize) -> Vec<usize> {
    w.backup_storages[i].zones.clone()
}
fn snapshot_volume(w: &World, i: usize) -> Vec<usize> {
    vec![w.snapshots[i].volume]
}
fn snapshot_tree(w: &World, i: usize) -> Vec<usize> {
    vec![w.snapshots[i].tree]
}
fn snapshot_ps(w: &World, i: usize) -> Vec<usize> {
    vec![w.volumes[w.snapshots[i].volume].ps]
}
fn snapshot_group(w: &World, i: usize) -> Vec<usize> {
    w.snapshots[i]
        .group
        .filter(|&g| !w.groups[g].deleted)
        .into_iter()
        .collect()
}
fn snapshot_bs(w: &World, i: usize) -> Vec<usize> {
    w.snapshots[i].bs_refs.iter().map(|r| r.bs).collect()
}
fn tree_volume(w: &World, i: usize) -> Vec<usize> {
    vec![w.trees[i].volume]
}
fn group_vm(w: &World, i: usize) -> Vec<usize> {
    vec![w.groups[i].vm]
}
fn vb_volume(w: &World, i: usize) -> Vec<usize> {
    w.volume_backups[i]
        .volume
        .filter(|&v| !w.volumes[v].deleted)
        .into_iter()
        .collect()
}
fn vb_vm(w: &World, i: usize) -> Vec<usize> {
    let Some(u) = w.volume_backups[i].vm_uuid else {
        return vec![];
    };
    w.find(Kind::Vm, &u.to_string()).into_iter().collect()
}
fn vb_bs(w: &World, i: usize) -> Vec<usize> {
    w.volume_backups[i].refs.iter().map(|r| r.bs).collect()
}
fn db_bs(w: &World, i: usize) -> Vec<usize> {
    w.db_backups[i].refs.iter().map(|r| r.bs).collect()
}
fn image_bs(w: &World, i: usize) -> Vec<usize> {
    w.images[i].refs.iter().map(|r| r.bs).collect()
}
fn nic_vm(_: &World, i: usize) -> Vec<usize> {
    vec![i / 16]
}
fn nic_l3(w: &World, i: usize) -> Vec<usize> {
    w.vms
        .get(i / 16)
        .and_then(|v| v.nics.get(i % 16))
        .map(|n| n.l3)
        .into_iter()
        .collect()
}
fn vm_nics(w: &World, i: usize) -> Vec<usize> {
    (0..w.vms[i].nics.len()).map(|n| i * 16 + n).collect()
}
fn vm_volumes(w: &World, i: usize) -> Vec<usize> {
    w.vms[i].volumes.clone()
}

// ---- the tables ------------------------------------------------------------------------

const STAMPS: [&str; 2] = ["createDate", "lastOpDate"];

macro_rules! fields {
    ($($f:literal),* $(,)?) => { &[$($f),*, STAMPS[0], STAMPS[1]] };
}

static ZONE: Table = Table {
    class: "org.zstack.header.zone.ZoneInventory",
    fields: fields!["uuid", "name", "description", "state", "type", "isDefault"],
    nested: &[],
    subtypes: &[],
    rows: zone_rows,
    inventory: inv::zone,
    quick: no_quick,
    joins: &[
        Join {
            name: "cluster",
            table: TableId::Cluster,
            rows: zone_clusters,
        },
        Join {
            name: "host",
            table: TableId::Host,
            rows: zone_hosts,
        },
        Join {
            name: "vmInstance",
            table: TableId::Vm,
            rows: zone_vms,
        },
    ],
    schema: zone_schema,
    system_tags: no_tags,
};

static CLUSTER: Table = Table {
    class: "org.zstack.header.cluster.ClusterInventory",
    fields: fields![
        "uuid",
        "name",
        "description",
        "state",
        "hypervisorType",
        "zoneUuid",
        "type",
        "architecture"
    ],
    nested: &[],
    subtypes: &[],
    rows: cluster_rows,
    inventory: inv::cluster,
    quick: no_quick,
    joins: &[
        Join {
            name: "zone",
            table: TableId::Zone,
            rows: cluster_zone,
        },
        Join {
            name: "host",
            table: TableId::Host,
            rows: cluster_hosts,
        },
        Join {
            name: "vmInstance",
            table: TableId::Vm,
            rows: cluster_vms,
        },
    ],
    schema: cluster_schema,
    system_tags: no_tags,
};

/// HostInventory's fields, then a subclass's own.
macro_rules! host_fields {
    ($($extra:literal),* $(,)?) => {
        fields![
            "uuid",
            "name",
            "description",
            "zoneUuid",
            "clusterUuid",
            "managementIp",
            "hypervisorType",
            "state",
            "status",
            "totalCpuCapacity",
            "availableCpuCapacity",
            "cpuSockets",
            "totalMemoryCapacity",
            "availableMemoryCapacity",
            "cpuNum",
            "architecture",
            "cpuStatus",
            "memoryStatus",
            "diskStatus",
            "nicStatus",
            "gpuStatus",
            "powerSupplyStatus",
            "fanStatus",
            "raidStatus",
            "temperatureStatus",
            $($extra),*
        ]
    };
}

const HOST_JOINS: &[Join] = &[
    Join {
        name: "zone",
        table: TableId::Zone,
        rows: host_zone,
    },
    Join {
        name: "cluster",
        table: TableId::Cluster,
        rows: host_cluster,
    },
    Join {
        name: "vmInstance",
        table: TableId::Vm,
        rows: host_vms,
    },
];

static HOST: Table = Table {
    class: "org.zstack.header.host.HostInventory",
    fields: host_fields![],
    nested: &[],
    subtypes: &[Subtype {
        field: "hypervisorType",
        value: "KVM",
        table: TableId::KvmHost,
    }],
    rows: host_rows,
    inventory: inv::host,
    quick: no_quick,
    joins: HOST_JOINS,
    schema: host_schema,
    system_tags: no_tags,
};

/// Every simulated host is a KVM host.
static KVM_HOST: Table = Table {
    class: "org.zstack.kvm.KVMHostInventory",
    fields: host_fields![
        "username",
        "sshPort",
        "osDistribution",
        "osRelease",
        "osVersion"
    ],
    nested: &[],
    subtypes: &[],
    rows: host_rows,
    inventory: inv::host,
    quick: no_quick,
    joins: HOST_JOINS,
    schema: host_schema,
    system_tags: no_tags,
};

static PRIMARY_STORAGE: Table = Table {
    class: "org.zstack.header.storage.primary.PrimaryStorageInventory",
    fields: fields![
        "uuid",
        "name",
        "url",
        "type",
        "zoneUuid",
        "state",
        "status",
        "totalCapacity",
        "availableCapacity",
        "totalPhysicalCapacity",
        "availablePhysicalCapacity",
        "systemUsedCapacity",
        "attachedClusterUuids",
        "description",
    ],
    nested: &["attachedClusterUuids"],
    subtypes: &[],
    rows: ps_rows,
    inventory: inv::primary_storage,
    quick: no_quick,
    joins: &[],
    schema: ps_schema,
    system_tags: no_tags,
};

/// BackupStorageInventory's fields, then a subclass's own.
macro_rules! bs_fields {
    ($($extra:literal),* $(,)?) => {
        fields![
            "uuid",
            "name",
            "url",
            "description",
            "totalCapacity",
            "availableCapacity",
            "type",
            "state",
            "status",
            "attachedZoneUuids",
            $($extra),*
        ]
    };
}

const BS_JOINS: &[Join] = &[Join {
    name: "zone",
    table: TableId::Zone,
    rows: bs_zones,
}];

static BACKUP_STORAGE: Table = Table {
    class: "org.zstack.header.storage.backup.BackupStorageInventory",
    fields: bs_fields![],
    nested: &["attachedZoneUuids"],
    subtypes: &[
        Subtype {
            field: "type",
            value: "ImageStoreBackupStorage",
            table: TableId::ImageStore,
        },
        Subtype {
            field: "type",
            value: "SftpBackupStorage",
            table: TableId::Sftp,
        },
    ],
    rows: bs_rows,
    inventory: inv::backup_storage,
    quick: no_quick,
    joins: BS_JOINS,
    schema: bs_schema,
    system_tags: bs_tags,
};

static IMAGE_STORE: Table = Table {
    class: "org.zstack.storage.backup.imagestore.ImageStoreBackupStorageInventory",
    fields: bs_fields!["hostname", "username", "sshPort"],
    nested: &["attachedZoneUuids"],
    subtypes: &[],
    rows: image_store_rows,
    inventory: inv::backup_storage,
    quick: no_quick,
    joins: BS_JOINS,
    schema: bs_schema,
    system_tags: bs_tags,
};

static SFTP: Table = Table {
    class: "org.zstack.storage.backup.sftp.SftpBackupStorageInventory",
    fields: bs_fields!["hostname", "username", "sshPort"],
    nested: &["attachedZoneUuids"],
    subtypes: &[],
    rows: sftp_rows,
    inventory: inv::backup_storage,
    quick: no_quick,
    joins: BS_JOINS,
    schema: bs_schema,
    system_tags: bs_tags,
};

static L3: Table = Table {
    class: "org.zstack.header.network.l3.L3NetworkInventory",
    fields: fields![
        "uuid",
        "name",
        "type",
        "zoneUuid",
        "state",
        "system",
        "category",
        "ipVersion",
        "enableIPAM",
        "description"
    ],
    nested: &[],
    subtypes: &[],
    rows: l3_rows,
    inventory: inv::l3,
    quick: no_quick,
    joins: &[],
    schema: l3_schema,
    system_tags: no_tags,
};

static IMAGE: Table = Table {
    class: "org.zstack.header.image.ImageInventory",
    fields: fields![
        "uuid",
        "name",
        "description",
        "state",
        "status",
        "size",
        "actualSize",
        "md5Sum",
        "url",
        "mediaType",
        "guestOsType",
        "type",
        "platform",
        "architecture",
        "format",
        "system",
        "virtio",
        "backupStorageRefs",
    ],
    nested: &["backupStorageRefs"],
    subtypes: &[],
    rows: image_rows,
    inventory: inv::image,
    quick: no_quick,
    joins: &[Join {
        name: "backupStorage",
        table: TableId::BackupStorage,
        rows: image_bs,
    }],
    schema: image_schema,
    system_tags: no_tags,
};

static VM: Table = Table {
    class: VM_CLASS,
    fields: fields![
        "uuid",
        "name",
        "description",
        "zoneUuid",
        "clusterUuid",
        "imageUuid",
        "hostUuid",
        "lastHostUuid",
        "instanceOfferingUuid",
        "rootVolumeUuid",
        "platform",
        "architecture",
        "defaultL3NetworkUuid",
        "type",
        "hypervisorType",
        "memorySize",
        "reservedMemorySize",
        "cpuNum",
        "cpuSpeed",
        "allocatorStrategy",
        "state",
        "vmNics",
        "allVolumes",
        "vmCdRoms",
        "guestOsType",
    ],
    nested: &["vmNics", "allVolumes", "vmCdRoms"],
    subtypes: &[],
    rows: vm_rows,
    inventory: inv::vm,
    quick: vm_quick,
    joins: &[
        Join {
            name: "zone",
            table: TableId::Zone,
            rows: vm_zone,
        },
        Join {
            name: "cluster",
            table: TableId::Cluster,
            rows: vm_cluster,
        },
        Join {
            name: "host",
            table: TableId::Host,
            rows: vm_host,
        },
        Join {
            name: "image",
            table: TableId::Image,
            rows: vm_image,
        },
        Join {
            name: "rootVolume",
            table: TableId::Volume,
            rows: vm_root_volume,
        },
        Join {
            name: "allVolumes",
            table: TableId::Volume,
            rows: vm_volumes,
        },
        Join {
            name: "vmNics",
            table: TableId::VmNic,
            rows: vm_nics,
        },
    ],
    schema: vm_schema,
    system_tags: no_tags,
};

static VOLUME: Table = Table {
    class: VOLUME_CLASS,
    fields: fields![
        "uuid",
        "name",
        "description",
        "primaryStorageUuid",
        "vmInstanceUuid",
        "diskOfferingUuid",
        "rootImageUuid",
        "installPath",
        "type",
        "format",
        "size",
        "actualSize",
        "deviceId",
        "state",
        "status",
        "isShareable",
        "lastAttachDate",
    ],
    nested: &[],
    subtypes: &[],
    rows: volume_rows,
    inventory: inv::volume,
    quick: volume_quick,
    joins: &[
        Join {
            name: "vmInstance",
            table: TableId::Vm,
            rows: volume_vm,
        },
        Join {
            name: "primaryStorage",
            table: TableId::PrimaryStorage,
            rows: volume_ps,
        },
        Join {
            name: "snapshot",
            table: TableId::Snapshot,
            rows: volume_snapshots,
        },
    ],
    schema: volume_schema,
    system_tags: no_tags,
};

static VM_NIC: Table = Table {
    class: NIC_CLASS,
    fields: fields![
        "uuid",
        "vmInstanceUuid",
        "l3NetworkUuid",
        "ip",
        "mac",
        "netmask",
        "gateway",
        "ipVersion",
        "deviceId",
        "internalName",
        "driverType",
        "type",
        "state",
        "usedIps",
        "hypervisorType",
        "metaData",
    ],
    nested: &["usedIps"],
    subtypes: &[],
    rows: nic_rows,
    inventory: nic_inventory,
    quick: nic_quick,
    joins: &[
        Join {
            name: "vmInstance",
            table: TableId::Vm,
            rows: nic_vm,
        },
        Join {
            name: "l3Network",
            table: TableId::L3,
            rows: nic_l3,
        },
    ],
    schema: nic_schema,
    system_tags: no_tags,
};

static SNAPSHOT: Table = Table {
    class: SNAPSHOT_CLASS,
    fields: fields![
        "uuid",
        "name",
        "description",
        "type",
        "volumeUuid",
        "treeUuid",
        "parentUuid",
        "primaryStorageUuid",
        "primaryStorageInstallPath",
        "volumeType",
        "format",
        "latest",
        "size",
        "distance",
        "state",
        "status",
        "backupStorageRefs",
        "groupUuid",
    ],
    nested: &["backupStorageRefs"],
    subtypes: &[],
    rows: snapshot_rows,
    inventory: inv::snapshot,
    quick: snapshot_quick,
    joins: &[
        Join {
            name: "volume",
            table: TableId::Volume,
            rows: snapshot_volume,
        },
        Join {
            name: "tree",
            table: TableId::Tree,
            rows: snapshot_tree,
        },
        Join {
            name: "primaryStorage",
            table: TableId::PrimaryStorage,
            rows: snapshot_ps,
        },
        Join {
            name: "backupStorage",
            table: TableId::BackupStorage,
            rows: snapshot_bs,
        },
        Join {
            name: "group",
            table: TableId::Group,
            rows: snapshot_group,
        },
    ],
    schema: snapshot_schema,
    system_tags: no_tags,
};

static TREE: Table = Table {
    class: "org.zstack.header.storage.snapshot.VolumeSnapshotTreeInventory",
    fields: fields!["uuid", "volumeUuid", "current", "status", "tree"],
    nested: &["tree"],
    subtypes: &[],
    rows: tree_rows,
    inventory: inv::tree,
    quick: tree_quick,
    joins: &[Join {
        name: "volume",
        table: TableId::Volume,
        rows: tree_volume,
    }],
    schema: tree_schema,
    system_tags: no_tags,
};

static GROUP: Table = Table {
    class: "org.zstack.header.storage.snapshot.group.VolumeSnapshotGroupInventory",
    fields: fields![
        "uuid",
        "snapshotCount",
        "name",
        "description",
        "vmInstanceUuid",
        "volumeSnapshotRefs"
    ],
    nested: &["volumeSnapshotRefs"],
    subtypes: &[],
    rows: group_rows,
    inventory: inv::group,
    quick: no_quick,
    joins: &[Join {
        name: "vmInstance",
        table: TableId::Vm,
        rows: group_vm,
    }],
    schema: group_schema,
    system_tags: no_tags,
};

static VOLUME_BACKUP: Table = Table {
    class: "org.zstack.header.storage.volume.backup.VolumeBackupInventory",
    fields: fields![
        "uuid",
        "volumeUuid",
        "name",
        "description",
        "type",
        "state",
        "status",
        "size",
        "metadata",
        "groupUuid",
        "mode",
        "vmInstanceUuid",
        "hypervisorType",
        "backupStorageRefs",
    ],
    nested: &["backupStorageRefs"],
    subtypes: &[],
    rows: volume_backup_rows,
    inventory: inv::volume_backup,
    quick: volume_backup_quick,
    joins: &[
        Join {
            name: "volume",
            table: TableId::Volume,
            rows: vb_volume,
        },
        Join {
            name: "vmInstance",
            table: TableId::Vm,
            rows: vb_vm,
        },
        Join {
            name: "backupStorage",
            table: TableId::BackupStorage,
            rows: vb_bs,
        },
    ],
    schema: volume_backup_schema,
    system_tags: no_tags,
};

static DATABASE_BACKUP: Table = Table {
    class: "org.zstack.header.storage.database.backup.DatabaseBackupInventory",
    fields: fields![
        "uuid",
        "name",
        "description",
        "state",
        "status",
        "size",
        "metadata",
        "backupStorageRefs"
    ],
    nested: &["backupStorageRefs"],
    subtypes: &[],
    rows: db_backup_rows,
    inventory: inv::db_backup,
    quick: no_quick,
    joins: &[Join {
        name: "backupStorage",
        table: TableId::BackupStorage,
        rows: db_bs,
    }],
    schema: db_backup_schema,
    system_tags: no_tags,
};

static LONG_JOB: Table = Table {
    class: "org.zstack.header.longjob.LongJobInventory",
    fields: fields![
        "uuid",
        "name",
        "description",
        "apiId",
        "jobName",
        "jobData",
        "jobResult",
        "state",
        "targetResourceUuid",
        "managementNodeUuid",
        "executeTime",
    ],
    nested: &[],
    subtypes: &[],
    rows: long_job_rows,
    inventory: inv::long_job,
    quick: no_quick,
    joins: &[],
    schema: long_job_schema,
    system_tags: no_tags,
};

static MANAGEMENT_NODE: Table = Table {
    class: "org.zstack.header.managementnode.ManagementNodeInventory",
    fields: &["uuid", "hostName", "joinDate", "heartBeat"],
    nested: &[],
    subtypes: &[],
    rows: mn_rows,
    inventory: mn_inventory,
    quick: no_quick,
    joins: &[],
    schema: mn_schema,
    system_tags: no_tags,
};

/// The rows an equality (`=`) or list (`?=`) condition on an id can match, found through
/// the uuid index instead of a scan, as the MN's database finds them through its keys
/// (`None`: no index for this field). Every condition is still checked on each row.
pub fn candidates(t: &Table, w: &World, field: &str, values: &[&str]) -> Option<Vec<usize>> {
    let vms = || values.iter().filter_map(|u| w.find(Kind::Vm, u));
    let mut rows: Vec<usize> = if std::ptr::eq(t, &VM) && field == "uuid" {
        vms().collect()
    } else if std::ptr::eq(t, &VM_NIC) && field == "vmInstanceUuid" {
        vms()
            .flat_map(|vm| (0..w.vms[vm].nics.len()).map(move |n| vm * 16 + n))
            .collect()
    } else if std::ptr::eq(t, &VOLUME) && field == "uuid" {
        values
            .iter()
            .filter_map(|u| w.find(Kind::Volume, u))
            .collect()
    } else {
        return None;
    };
    // The table's own order, each row once.
    rows.sort_unstable();
    rows.dedup();
    Some(rows)
}

pub fn table(id: TableId) -> &'static Table {
    match id {
        TableId::Zone => &ZONE,
        TableId::Cluster => &CLUSTER,
        TableId::Host => &HOST,
        TableId::PrimaryStorage => &PRIMARY_STORAGE,
        TableId::BackupStorage => &BACKUP_STORAGE,
        TableId::ImageStore => &IMAGE_STORE,
        TableId::Sftp => &SFTP,
        TableId::KvmHost => &KVM_HOST,
        TableId::L3 => &L3,
        TableId::Image => &IMAGE,
        TableId::Vm => &VM,
        TableId::Volume => &VOLUME,
        TableId::VmNic => &VM_NIC,
        TableId::Snapshot => &SNAPSHOT,
        TableId::Tree => &TREE,
        TableId::Group => &GROUP,
        TableId::VolumeBackup => &VOLUME_BACKUP,
        TableId::DatabaseBackup => &DATABASE_BACKUP,
        TableId::LongJob => &LONG_JOB,
        TableId::ManagementNode => &MANAGEMENT_NODE,
    }
}

/// The table a query API answers from.
pub fn for_query(action: &str) -> Option<&'static Table> {
    let id = match action {
        "QueryZone" => TableId::Zone,
        "QueryCluster" => TableId::Cluster,
        "QueryHost" => TableId::Host,
        "QueryPrimaryStorage" => TableId::PrimaryStorage,
        "QueryBackupStorage" => TableId::BackupStorage,
        "QueryImageStoreBackupStorage" => TableId::ImageStore,
        "QueryL3Network" => TableId::L3,
        "QueryImage" => TableId::Image,
        "QueryVmInstance" => TableId::Vm,
        "QueryVolume" => TableId::Volume,
        "QueryVmNic" => TableId::VmNic,
        "QueryVolumeSnapshot" => TableId::Snapshot,
        "QueryVolumeSnapshotTree" => TableId::Tree,
        "QueryVolumeSnapshotGroup" => TableId::Group,
        "QueryVolumeBackup" => TableId::VolumeBackup,
        "QueryDatabaseBackup" => TableId::DatabaseBackup,
        "QueryLongJob" => TableId::LongJob,
        "QueryManagementNode" => TableId::ManagementNode,
        _ => return None,
    };
    Some(table(id))
}
