//! The TopHC wire conventions: the `Output` envelope, the error-code table, query-string and
//! JSON-body parsing with Go-like leniency, and paging.

use std::borrow::Cow;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// One error code: `scode`, English and Chinese message. Messages containing `%s` take the
/// detail of the error (as the documented 10000/10001 do); the others carry it in `desc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub scode: i64,
    pub message: &'static str,
    pub message_cn: &'static str,
    /// `func` shown in `stack`, for realism only.
    pub func: &'static str,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $scode:literal, $en:literal, $cn:literal, $func:literal; )*) => {
        $( $(#[$doc])* pub const $name: Code = Code { scode: $scode, message: $en, message_cn: $cn, func: $func }; )*
        /// Every code the simulator can answer with, for documentation and tests.
        pub const ALL_CODES: &[Code] = &[ $( $name ),* ];
    };
}

// The error-code table. Codes 10000, 10001 and 10183 are documented by TopHC; every other
// code is the simulator's choice inside the documented ranges (10xxx manager, 20xxx centre,
// 22xxx compute) and is listed here so the client author can match them.
codes! {
    /// Documented. Also what a cluster that cannot be reached answers.
    SERVER_ERROR = 10000, "Manager server error: %s", "服务器出错: %s", "HandleRequest";
    /// Documented. Bad JSON, wrong types, garbage query values, missing required fields.
    PARSE_ERROR = 10001, "Parse parameter error: %s", "参数解析出错: %s", "BindParam";
    /// No `Authorization` header (contract agreed with the client; undocumented upstream).
    MISSING_TOKEN = 10002, "Unauthorized: missing token", "未授权：缺少令牌", "CheckToken";
    /// Bad signature, expired, logged out, or issued before `expire_sessions()`.
    INVALID_TOKEN = 10003, "Token is invalid or has expired", "令牌无效或已过期", "CheckToken";
    /// Documented. Login with an unknown user, tenant other than `system`, or `is_ldap:true`.
    USER_NOT_EXIST = 10183, "user not exist", "用户不存在", "Login";
    /// Login with a wrong password (the md5 must be lower-case hex).
    PASSWORD_ERROR = 10184, "user password error", "用户密码错误", "Login";
    CLUSTER_NOT_EXIST = 10201, "cluster not exist", "集群不存在", "GetCluster";
    TENANT_NOT_EXIST = 10202, "tenant not exist", "租户不存在", "GetTenant";
    ZONE_NOT_EXIST = 10203, "zone not exist", "子集群不存在", "GetZone";
    GROUP_NOT_EXIST = 10204, "object group not exist", "虚拟机分组不存在", "GetObjectGroup";
    POOL_NOT_EXIST = 10205, "pool not exist", "存储池不存在", "GetPool";
    BACKUP_POINT_NOT_EXIST = 10206, "backup point not exist", "备份点不存在", "GetBackupPoint";
    /// Any operation on a VM whose `action` is not `noaction` (or that is shutting down).
    VM_BUSY = 22001, "VM is busy: %s", "虚拟机正忙: %s", "CheckComputeAction";
    VM_NOT_EXIST = 22002, "VM not exist", "虚拟机不存在", "GetCompute";
    VM_NOT_SHUTOFF = 22003, "VM is not shut off", "虚拟机未处于关机状态", "CheckComputeState";
    VM_NOT_RUNNING = 22004, "VM is not running", "虚拟机未处于运行状态", "CheckComputeState";
    VM_AGENT_NOT_CONNECTED = 22005, "VM agent is not connected", "虚拟机Agent未连接", "CheckComputeAgent";
    /// `backup/restore/progress` on a VM that is not restoring (like the documented 22102 for clones).
    VM_NOT_RESTORING = 22006, "VM is not in the restoring action", "虚拟机不在恢复中", "RestoreProgress";
    VM_NAME_EXISTS = 22007, "VM name already exists", "虚拟机名称已存在", "CheckComputeName";
    SNAPSHOT_NOT_EXIST = 22301, "snapshot not exist", "快照不存在", "GetVsdSnapshot";
    SNAPSHOT_NAME_EXISTS = 22302, "snapshot name already exists", "快照名称已存在", "CreateVsdSnapshot";
    SNAPSHOT_MULTIPLE_CHILDREN = 22303, "snapshot has more than one child snapshot", "快照存在多个子快照，无法删除", "DeleteVsdSnapshot";
    SNAPSHOT_NO_MEMORY = 22304, "snapshot has no memory data", "快照不包含内存数据", "RollbackVsdSnapshot";
    /// `vsd/snapshot/head` on a VM that sits on no snapshot (none taken, or at the root).
    VM_NO_CURRENT_SNAPSHOT = 22305, "VM has no current snapshot", "虚拟机没有当前快照", "GetVsdSnapshotHead";
    /// One item of `volume/snapshot/rollback`: volume not on the VM, or no such disk snapshot.
    DISK_SNAPSHOT_NOT_EXIST = 22306, "disk snapshot not exist", "磁盘快照不存在", "RollbackVolumeSnapshot";
    BACKUP_NOT_EXIST = 22401, "backup not exist", "备份不存在", "GetComputeBackup";
    /// Restore from a backup whose status is not 0.
    BACKUP_NOT_AVAILABLE = 22402, "backup is not available", "备份不可用", "RestoreComputeBackup";
    BACKUP_ALREADY_EXISTS = 22403, "backup already exists in cluster", "备份已存在于集群中", "ImportRemoteBackup";
    BACKUP_NOT_ON_BACKUP_POINT = 22404, "backup not found on backup point", "备份点上未找到该备份", "ImportRemoteBackup";
    /// Delete of a backup whose status is 1.
    BACKUP_IN_PROGRESS = 22405, "backup is in progress", "备份进行中", "DeleteComputeBackup";
    BACKUP_DISK_NOT_EXIST = 22406, "backup disk not exist", "备份磁盘不存在", "RestoreComputeBackup";
}

/// A refusal: a code, the detail filling `%s` (if any), and `desc`.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub code: Code,
    pub detail: String,
    pub desc: String,
}

impl ApiError {
    pub fn new(code: Code, desc: impl Into<String>) -> Self {
        let desc = desc.into();
        ApiError {
            code,
            detail: desc.clone(),
            desc,
        }
    }

    pub fn parse(detail: impl Into<String>) -> Self {
        ApiError::new(PARSE_ERROR, detail)
    }

    pub fn required(field: &str) -> Self {
        ApiError::parse(format!("{field} is required"))
    }

    pub fn message(&self) -> String {
        self.code.message.replace("%s", &self.detail)
    }

    pub fn message_cn(&self) -> String {
        self.code.message_cn.replace("%s", &self.detail)
    }

    fn stack(&self) -> Vec<String> {
        let module = if (20000..22000).contains(&self.code.scode) {
            "center"
        } else {
            "manager"
        };
        let file = match self.code.scode / 100 {
            100 => "handler.go",
            101 | 102 => "model_user.go",
            220 => "compute.go",
            223 => "compute_snapshot.go",
            224 => "compute_backup.go",
            _ => "handler.go",
        };
        vec![format!(
            "host:10.30.33.23,pid:26372,module:{module},code:{},filename:{file},func:{},line:{}",
            self.code.scode,
            self.code.func,
            100 + self.code.scode % 400
        )]
    }

    /// The error as an `Output` value (`data: null`).
    pub fn to_output(&self) -> Value {
        self.to_output_with(Value::Null)
    }

    pub fn to_output_with(&self, data: Value) -> Value {
        json!({
            "scode": self.code.scode,
            "desc": self.desc,
            "message": self.message(),
            "message_cn": self.message_cn(),
            "stack": self.stack(),
            "data": data,
        })
    }
}

/// The success envelope, keys in the documented order.
#[derive(Serialize)]
pub struct Output<'a, T: Serialize> {
    scode: i64,
    desc: &'a str,
    message: &'a str,
    message_cn: &'a str,
    stack: Option<Vec<String>>,
    data: T,
}

/// `Output` for success with `data`.
pub fn ok_output<T: Serialize>(data: T) -> Output<'static, T> {
    Output {
        scode: 0,
        desc: "",
        message: "success",
        message_cn: "成功",
        stack: None,
        data,
    }
}

/// A success `Output` as a value (for `each_range_list_state` and batch results).
pub fn ok_value(data: Value) -> Value {
    serde_json::to_value(ok_output(data)).unwrap_or(Value::Null)
}

pub type ApiResult = Result<Value, ApiError>;

/// HTTP 200 with the envelope, success or not.
pub fn respond(result: ApiResult) -> Response {
    let body = match result {
        Ok(data) => serde_json::to_vec(&ok_output(data)),
        Err(e) => serde_json::to_vec(&e.to_output()),
    }
    .unwrap_or_else(|_| b"{\"scode\":10000}".to_vec());
    json_response(body)
}

pub fn json_response(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Unknown route (and wrong method, as the Go router does): HTTP 404.
pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "404 page not found",
    )
        .into_response()
}

/// A parsed query string. Repeated keys: the first wins (as Go's `c.Query`).
#[derive(Clone, Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v): (Cow<str>, Cow<str>)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value, or `""` when absent.
    pub fn s(&self, key: &str) -> &str {
        self.get(key).unwrap_or("")
    }

    /// A required string parameter.
    pub fn req(&self, key: &str) -> Result<&str, ApiError> {
        match self.s(key) {
            "" => Err(ApiError::required(key)),
            v => Ok(v),
        }
    }

    /// An integer parameter: absent or empty is `None`; garbage or out of range is 10001.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                ApiError::parse(format!(
                    "strconv.ParseInt: parsing {v:?}: invalid syntax or value out of range (param {key})"
                ))
            }),
        }
    }

    /// A boolean parameter with Go's `strconv.ParseBool` spellings.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(Some(true)),
            Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(Some(false)),
            Some(v) => Err(ApiError::parse(format!(
                "strconv.ParseBool: parsing {v:?}: invalid syntax (param {key})"
            ))),
        }
    }

    /// Paging: `page_number` wins over `page_num`; 0-based; `page_size <= 0` means everything.
    pub fn paging(&self) -> Result<Paging, ApiError> {
        let number = self.int("page_number")?;
        let num = self.int("page_num")?;
        let page = number.or(num).unwrap_or(0).max(0) as u64;
        let size = self.int("page_size")?.unwrap_or(0);
        Ok(Paging {
            page,
            size: if size > 0 { Some(size as u64) } else { None },
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u64,
    pub size: Option<u64>,
}

impl Paging {
    /// The index range of the page within `total` items.
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        match self.size {
            None => 0..total,
            Some(size) => {
                let start = self.page.saturating_mul(size).min(total as u64) as usize;
                let end = (start as u64).saturating_add(size).min(total as u64) as usize;
                start..end
            }
        }
    }

    /// The page of `items`.
    pub fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        &items[self.range(items.len())]
    }
}

/// Parses a JSON body the way the Go manager's binder would: an object is required, `null`
/// members mean "not given", unknown members are ignored, wrong types are 10001.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::parse("EOF"));
    }
    let mut value: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::parse(format!("json: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::parse(format!(
            "json: cannot unmarshal {} into Go value of type request",
            json_kind(&value)
        )));
    }
    strip_nulls(&mut value);
    serde_json::from_value(value).map_err(|e| ApiError::parse(format!("json: {e}")))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn paging_prefers_page_number_and_is_zero_based() {
        let q = Query::parse(Some("page_num=2&page_number=1&page_size=10"));
        let p = q.paging().unwrap();
        assert_eq!(p.range(100), 10..20);
        let q = Query::parse(Some("page_num=2&page_size=10"));
        assert_eq!(q.paging().unwrap().range(100), 20..30);
        let q = Query::parse(Some("page_size=0&page_num=3"));
        assert_eq!(q.paging().unwrap().range(7), 0..7);
        let q = Query::parse(Some("page_size=-5"));
        assert_eq!(q.paging().unwrap().range(7), 0..7);
        let q = Query::parse(Some(&format!(
            "page_num={}&page_size={}",
            i64::MAX,
            i64::MAX
        )));
        assert_eq!(q.paging().unwrap().range(7), 7..7);
        let q = Query::parse(Some("page_num=-3&page_size=2"));
        assert_eq!(q.paging().unwrap().range(7), 0..2);
        assert!(Query::parse(Some("page_size=abc")).paging().is_err());
        assert!(
            Query::parse(Some("page_size=99999999999999999999999"))
                .paging()
                .is_err()
        );
    }

    #[test]
    fn bodies_are_parsed_leniently_but_typed() {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct B {
            a: String,
            n: i64,
        }
        let b: B = parse_body(br#"{"a":null,"n":3,"x":[1]}"#).unwrap();
        assert_eq!((b.a.as_str(), b.n), ("", 3));
        assert_eq!(parse_body::<B>(b"").err().unwrap().code, PARSE_ERROR);
        assert_eq!(parse_body::<B>(b"[1]").err().unwrap().code, PARSE_ERROR);
        assert_eq!(
            parse_body::<B>(br#"{"a":1}"#).err().unwrap().code,
            PARSE_ERROR
        );
        assert_eq!(parse_body::<B>(b"{").err().unwrap().code, PARSE_ERROR);
    }

    #[test]
    fn codes_are_unique_and_in_range() {
        let mut seen = std::collections::HashSet::new();
        for c in ALL_CODES {
            assert!(seen.insert(c.scode), "duplicate {}", c.scode);
            assert!((10000..30000).contains(&c.scode));
            assert!(!c.message.is_empty() && !c.message_cn.is_empty());
        }
        let e = ApiError::new(VM_BUSY, "snapshotting");
        assert_eq!(e.message(), "VM is busy: snapshotting");
        assert_eq!(e.to_output()["data"], Value::Null);
    }
}
