//! The query API (ENDPOINTS §5) and every read vmdeck makes with it.
//!
//! `GET /zstack/v1/<resource>?q=<field><op><value>&…&start&limit&replyWithCount&sort&fields`.
//! Conditions are ANDed. The server splits a condition at the first operator it finds,
//! trying `!=` `>=` `<=` … before `=`, anywhere in the string: text an operator typed
//! therefore never goes into a condition as it is (see [`like`]), and names are compared
//! on our side.

use super::session::V1;
use crate::HttpCall;

/// Page size when a read fetches everything (the server's own default is 1000).
pub const ALL_PAGE_SIZE: u32 = 500;

/// One query: a resource and its parameters, in the order they go on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    path: String,
    conditions: Vec<String>,
    start: Option<u64>,
    limit: Option<u32>,
    count: bool,
    sort: Option<String>,
    fields: Vec<&'static str>,
}

impl Query {
    /// `resource` below `/zstack/v1`, e.g. `vm-instances` or `volume-snapshots/trees`.
    pub fn new(resource: &str) -> Self {
        Self {
            path: format!("{V1}/{resource}"),
            conditions: Vec::new(),
            start: None,
            limit: None,
            count: false,
            sort: None,
            fields: Vec::new(),
        }
    }

    /// A raw condition (`field=value`, `field not null`, …).
    pub fn q(mut self, condition: impl Into<String>) -> Self {
        self.conditions.push(condition.into());
        self
    }

    pub fn eq(self, field: &str, value: &str) -> Self {
        self.q(format!("{field}={value}"))
    }

    /// `field?=a,b,c`. Only for ids (a comma inside a value would split it).
    pub fn any_of(self, field: &str, values: &[String]) -> Self {
        self.q(format!("{field}?={}", values.join(",")))
    }

    /// `start`/`limit` with `replyWithCount=true`, so the answer carries the total.
    pub fn page(mut self, start: u64, limit: u32) -> Self {
        self.start = Some(start);
        self.limit = Some(limit.max(1));
        self.count = true;
        self
    }

    /// `+field` ascending, `-field` descending.
    pub fn sort(mut self, order: &str) -> Self {
        self.sort = Some(order.to_string());
        self
    }

    /// Only these fields in each inventory. ZStack refuses the whole query (SYS.1007) when
    /// one is not a primitive of the queried class: no joined or nested list, no field of
    /// a subclass.
    pub fn fields(mut self, fields: &[&'static str]) -> Self {
        self.fields = fields.to_vec();
        self
    }

    pub fn call(&self) -> HttpCall {
        let mut call = HttpCall::get(self.path.clone());
        for c in &self.conditions {
            call = call.query("q", c);
        }
        if let Some(s) = self.start {
            call = call.query("start", s);
        }
        if let Some(l) = self.limit {
            call = call.query("limit", l);
        }
        if self.count {
            call = call.query("replyWithCount", "true");
        }
        if let Some(s) = &self.sort {
            call = call.query("sort", s);
        }
        if !self.fields.is_empty() {
            call = call.query("fields", self.fields.join(","));
        }
        call
    }
}

/// `field~=%text%` for operator-typed text. Characters that could form an operator
/// (`=`, `<`, `>`) become `_`, LIKE's "any one character", so the server cannot split the
/// condition in the wrong place and still matches them. `%` and `_` keep their LIKE
/// meaning.
pub fn like(field: &str, text: &str) -> String {
    let safe: String = text
        .trim()
        .chars()
        .map(|c| if matches!(c, '=' | '<' | '>') { '_' } else { c })
        .collect();
    format!("{field}~=%{safe}%")
}

/// True for a ZStack uuid (32 hex digits), which a search box may be given.
pub fn looks_like_uuid(s: &str) -> bool {
    super::envelope::is_job_uuid(s.trim())
}

/// True for something that can only be (part of) an IPv4 address.
pub fn looks_like_ip(s: &str) -> bool {
    let s = s.trim();
    s.contains('.') && s.chars().all(|c| c.is_ascii_digit() || c == '.')
}

// ---------------------------------------------------------------- fields

pub const ZONE_FIELDS: &[&str] = &["uuid", "name", "description", "state", "type"];
pub const CLUSTER_FIELDS: &[&str] = &[
    "uuid",
    "name",
    "description",
    "state",
    "hypervisorType",
    "zoneUuid",
    "architecture",
    "createDate",
];
/// The VM list leaves out the nested lists (`vmNics`, `allVolumes`): IPs come from one
/// NIC query per page.
pub const VM_FIELDS: &[&str] = &[
    "uuid",
    "name",
    "description",
    "zoneUuid",
    "clusterUuid",
    "hostUuid",
    "rootVolumeUuid",
    "platform",
    "guestOsType",
    "architecture",
    "type",
    "hypervisorType",
    "memorySize",
    "cpuNum",
    "createDate",
    "lastOpDate",
    "state",
];
pub const NIC_FIELDS: &[&str] = &["uuid", "vmInstanceUuid", "ip", "deviceId", "l3NetworkUuid"];
pub const VOLUME_FIELDS: &[&str] = &[
    "uuid",
    "name",
    "type",
    "deviceId",
    "size",
    "actualSize",
    "primaryStorageUuid",
    "vmInstanceUuid",
    "format",
    "installPath",
    "state",
    "status",
];
pub const NAME_FIELDS: &[&str] = &["uuid", "name"];

// ---------------------------------------------------------------- reads

pub fn zones() -> Query {
    Query::new("zones").fields(ZONE_FIELDS).sort("+name")
}

pub fn clusters() -> Query {
    Query::new("clusters").fields(CLUSTER_FIELDS).sort("+name")
}

/// User VMs of a cluster (empty id: every cluster), without destroyed ones (ZStack keeps
/// those in its recycle bin until expunged). A search that is a uuid looks up the VM, one
/// that looks like an IP matches NIC addresses, anything else matches names.
pub fn vms(cluster_id: &str, search: &str) -> Query {
    let mut q = Query::new("vm-instances")
        .eq("type", "UserVm")
        .q("state!=Destroyed");
    if !cluster_id.is_empty() {
        q = q.eq("clusterUuid", cluster_id);
    }
    let search = search.trim();
    if looks_like_uuid(search) {
        q = q.eq("uuid", &search.to_ascii_lowercase());
    } else if looks_like_ip(search) {
        q = q.q(like("vmNics.ip", search));
    } else if !search.is_empty() {
        q = q.q(like("name", search));
    }
    q.sort("+name").fields(VM_FIELDS)
}

/// Everything about one VM, nested lists included.
pub fn vm(uuid: &str) -> HttpCall {
    HttpCall::get(format!("{V1}/vm-instances/{uuid}"))
}

/// A VM's state and root volume only (checks before and after operations).
pub fn vm_state(uuid: &str) -> Query {
    Query::new("vm-instances").eq("uuid", uuid).fields(&[
        "uuid",
        "name",
        "state",
        "rootVolumeUuid",
        "clusterUuid",
        "zoneUuid",
    ])
}

pub fn nics(vm_uuids: &[String]) -> Query {
    Query::new("vm-instances/nics")
        .any_of("vmInstanceUuid", vm_uuids)
        .fields(NIC_FIELDS)
}

pub fn volumes_of(vm_uuid: &str) -> Query {
    Query::new("volumes")
        .eq("vmInstanceUuid", vm_uuid)
        .fields(VOLUME_FIELDS)
        .sort("+deviceId")
}

pub fn trees(volume_uuids: &[String]) -> Query {
    Query::new("volume-snapshots/trees").any_of("volumeUuid", volume_uuids)
}

pub fn snapshot(uuid: &str) -> Query {
    Query::new("volume-snapshots").eq("uuid", uuid)
}

/// Snapshots of a volume, newest first (names are compared on our side).
pub fn snapshots_of(volume_uuid: &str) -> Query {
    Query::new("volume-snapshots")
        .eq("volumeUuid", volume_uuid)
        .sort("-createDate")
}

pub fn groups_of(vm_uuid: &str) -> Query {
    Query::new("volume-snapshots/group")
        .eq("vmInstanceUuid", vm_uuid)
        .sort("+createDate")
}

pub fn group(uuid: &str) -> Query {
    Query::new("volume-snapshots/group").eq("uuid", uuid)
}

/// Whether the server has snapshot groups at all (a count answers without rows).
pub fn groups_probe() -> HttpCall {
    HttpCall::get(format!("{V1}/volume-snapshots/group")).query("count", "true")
}

/// Whole inventories: `fields` may name only BackupStorageInventory's own columns, and the
/// forms need an image store's `hostname` (a subclass field) and `attachedZoneUuids` (a
/// joined list). There are a handful of storages.
pub fn backup_storages() -> Query {
    Query::new("backup-storage").sort("+name")
}

pub fn volume_backups() -> Query {
    Query::new("volume-backups")
}

pub fn volume_backup(uuid: &str) -> Query {
    volume_backups().eq("uuid", uuid)
}

/// The members of VM backups.
pub fn vm_backup_members(group_uuids: &[String]) -> Query {
    volume_backups().any_of("groupUuid", group_uuids)
}

pub fn database_backups() -> Query {
    Query::new("database-backups")
}

pub fn database_backup(uuid: &str) -> Query {
    database_backups().eq("uuid", uuid)
}

/// Recent long jobs, newest first.
pub fn long_jobs(limit: u32) -> Query {
    Query::new("longjobs").sort("-createDate").page(0, limit)
}

pub fn long_job(uuid: &str) -> Query {
    Query::new("longjobs").eq("uuid", uuid)
}

/// uuid → name for ids a list mentions but does not name.
pub fn names(resource: &str, uuids: &[String]) -> Query {
    Query::new(resource)
        .any_of("uuid", uuids)
        .fields(NAME_FIELDS)
        .page(0, u32::try_from(uuids.len()).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_paging_sort_and_fields_go_on_the_wire() {
        let call = vms("c1", "web").page(20, 10).call();
        assert_eq!(call.path, "/zstack/v1/vm-instances");
        let q: Vec<(&str, &str)> = call
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(q.contains(&("q", "type=UserVm")));
        assert!(q.contains(&("q", "state!=Destroyed")));
        assert!(q.contains(&("q", "clusterUuid=c1")));
        assert!(q.contains(&("q", "name~=%web%")));
        assert!(q.contains(&("start", "20")));
        assert!(q.contains(&("limit", "10")));
        assert!(q.contains(&("replyWithCount", "true")));
        assert!(q.contains(&("sort", "+name")));
        let wire = call.path_and_query();
        // `+` must reach the server as %2B (a raw + is a space), `%` as %25.
        assert!(wire.contains("sort=%2Bname"), "{wire}");
        assert!(wire.contains("q=name%7E%3D%25web%25"), "{wire}");
        assert!(wire.contains("fields=uuid%2Cname"), "{wire}");
    }

    #[test]
    fn typed_text_cannot_split_a_condition() {
        assert_eq!(like("name", "a>=b"), "name~=%a__b%");
        assert_eq!(like("name", " x!=y "), "name~=%x!_y%");
        assert_eq!(like("name", "db_01%"), "name~=%db_01%%");
        let q = vms("", "10.0.1").call();
        assert!(
            q.query
                .contains(&("q".into(), "vmNics.ip~=%10.0.1%".into()))
        );
        let q = vms("", "A5D1C3E79B2F4E6A8C0D1E2F3A4B5C6D").call();
        assert!(
            q.query
                .contains(&("q".into(), "uuid=a5d1c3e79b2f4e6a8c0d1e2f3a4b5c6d".into()))
        );
        // Every cluster: no cluster condition.
        assert!(
            !vms("", "")
                .call()
                .query
                .iter()
                .any(|(_, v)| v.starts_with("clusterUuid"))
        );
    }

    #[test]
    fn id_lists_and_null_tests() {
        let call = trees(&["a".into(), "b".into()]).call();
        assert_eq!(call.path, "/zstack/v1/volume-snapshots/trees");
        assert_eq!(
            call.query,
            vec![("q".to_string(), "volumeUuid?=a,b".to_string())]
        );
        let call = volume_backups().q("groupUuid not null").call();
        assert!(call.path_and_query().ends_with("q=groupUuid+not+null"));
    }
}
