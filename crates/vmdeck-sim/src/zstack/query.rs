//! The query API (`GET /v1/<resource>`), as RestServer parses it and ZStack's query facade
//! answers it: `q` conditions ANDed (operators searched in RestServer's fixed order, value
//! not trimmed), expanded fields across resources (`vmNics.ip`, `volume.vmInstanceUuid`,
//! `host.managementIp`…), `start`/`limit` (default 1000), `count`, `replyWithCount`,
//! `sort=+f|-f`, `fields=a,b`, and the `schema` map every query reply carries.
//!
//! Matching follows MySQL with ZStack's `utf8_general_ci` tables: string comparisons, `LIKE`
//! and sorting ignore case; `NULL` never compares (so `name!=x` leaves out rows without a
//! name); `NULL` sorts first ascending. A condition on a field with several values (an
//! expanded or nested list) holds when any value satisfies it, as the SQL join does. Fields
//! named `*Date` compare as times (see [`super::time::parse_condition_time`]); numbers
//! numerically; booleans as `true`/anything else.

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::tables::{Table, table};
use super::time::{parse_condition_time, parse_java_date};
use super::wire::{ErrorCode, Fail};
use super::world::World;

pub const DEFAULT_LIMIT: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    NotIn,
    Like,
    NotLike,
    IsNull,
    NotNull,
}

/// RestServer's search order: an operator contained in another comes after it.
const OPS: &[(&str, Op)] = &[
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("!?=", Op::NotIn),
    ("!~=", Op::NotLike),
    ("~=", Op::Like),
    ("?=", Op::In),
    ("=", Op::Eq),
    (">", Op::Gt),
    ("<", Op::Lt),
    ("is null", Op::IsNull),
    ("not null", Op::NotNull),
];

#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    pub name: String,
    pub op: Op,
    pub value: String,
}

#[derive(Clone, Debug, Default)]
pub struct QueryRequest {
    pub conds: Vec<Cond>,
    pub start: Option<i64>,
    pub limit: Option<i64>,
    pub count: bool,
    pub reply_with_count: bool,
    /// Field and ascending.
    pub sort: Option<(String, bool)>,
    pub fields: Option<Vec<String>>,
}

fn bad(msg: impl Into<String>) -> Fail {
    Fail::Rest(400, msg.into())
}

/// Parses one `q` value the way RestServer does.
pub fn parse_cond(cond: &str) -> Result<Cond, Fail> {
    let Some(&(delim, op)) = OPS.iter().find(|(d, _)| cond.contains(d)) else {
        let names: Vec<&str> = OPS.iter().map(|(d, _)| *d).collect();
        return Err(bad(format!(
            "Invalid query parameter. The '{cond}' in the parameter[q] doesn't contain any query operator. Valid query operators are [{}]",
            names.join(", ")
        )));
    };
    let (name, value) = cond.split_once(delim).unwrap_or((cond, ""));
    if matches!(op, Op::IsNull | Op::NotNull) {
        return Ok(Cond {
            name: name.trim().to_string(),
            op,
            value: String::new(),
        });
    }
    Ok(Cond {
        name: name.trim().to_string(),
        op,
        value: value.to_string(),
    })
}

/// The query string of a query API. Parameter names are trimmed; for everything but `q`
/// only the first value counts.
pub fn parse_request(pairs: &[(String, String)]) -> Result<QueryRequest, Fail> {
    let mut req = QueryRequest::default();
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in pairs {
        let key = k.trim();
        if key == "q" || key.is_empty() {
            req.conds.push(parse_cond(v)?);
            continue;
        }
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let val = v.trim();
        match key {
            "limit" => {
                req.limit = Some(
                    val.parse::<i32>()
                        .map_err(|_| bad("Invalid query parameter. 'limit' must be an integer"))?
                        as i64,
                )
            }
            "start" => {
                req.start = Some(
                    val.parse::<i32>()
                        .map_err(|_| bad("Invalid query parameter. 'start' must be an integer"))?
                        as i64,
                )
            }
            "count" => req.count = val.eq_ignore_ascii_case("true"),
            "replyWithCount" => req.reply_with_count = val.eq_ignore_ascii_case("true"),
            "sort" => {
                let (field, asc) = if let Some(f) = val.strip_prefix('+') {
                    (f, true)
                } else if let Some(f) = val.strip_prefix('-') {
                    (f, false)
                } else {
                    (val, true)
                };
                req.sort = Some((field.trim().to_string(), asc));
            }
            "fields" => {
                let fs: Vec<String> = val
                    .split(',')
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty())
                    .collect();
                req.fields = (!fs.is_empty()).then_some(fs);
            }
            _ => {}
        }
    }
    Ok(req)
}

// ---- values ----------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Key {
    Null,
    Bool(bool),
    Num(f64),
    Time(i64),
    Str(String),
}

impl Key {
    fn of(v: &Value, field: &str) -> Key {
        match v {
            Value::Null => Key::Null,
            Value::Bool(b) => Key::Bool(*b),
            Value::Number(n) => Key::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) if is_date_field(field) => match parse_java_date(s) {
                Some(t) => Key::Time(t),
                None => Key::Str(s.to_lowercase()),
            },
            Value::String(s) => Key::Str(s.to_lowercase()),
            other => Key::Str(other.to_string().to_lowercase()),
        }
    }

    /// The condition's text converted to this key's type.
    fn coerce(&self, s: &str, field: &str) -> Result<Key, ErrorCode> {
        let invalid = || {
            ErrorCode::argerr(format!(
                "invalid value[{s}] of the query condition on field[{field}]"
            ))
        };
        Ok(match self {
            Key::Bool(_) => Key::Bool(s.eq_ignore_ascii_case("true")),
            // `NaN` and `inf` parse as f64 but compare with nothing: refused like any
            // other non-number.
            Key::Num(_) => Key::Num(
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(invalid)?,
            ),
            Key::Time(_) => Key::Time(parse_condition_time(s).ok_or_else(invalid)?),
            Key::Str(_) | Key::Null => Key::Str(s.to_lowercase()),
        })
    }

    fn text(&self) -> String {
        match self {
            Key::Null => String::new(),
            Key::Bool(b) => b.to_string(),
            Key::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Key::Num(n) => n.to_string(),
            Key::Time(t) => t.to_string(),
            Key::Str(s) => s.clone(),
        }
    }

    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Null, Key::Null) => Ordering::Equal,
            (Key::Null, _) => Ordering::Less,
            (_, Key::Null) => Ordering::Greater,
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            (Key::Num(a), Key::Num(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Key::Time(a), Key::Time(b)) => a.cmp(b),
            (Key::Str(a), Key::Str(b)) => a.cmp(b),
            (a, b) => a.text().cmp(&b.text()),
        }
    }
}

fn is_date_field(field: &str) -> bool {
    field.ends_with("Date") || field == "heartBeat"
}

/// SQL `LIKE` on lower-cased text: `%` any run, `_` one character, `\` escapes.
pub fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let mut p: Vec<(char, bool)> = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    p.push((n, true));
                }
            }
            c => p.push((c, false)),
        }
    }
    // dp over pattern positions
    let mut cur = vec![false; t.len() + 1];
    cur[0] = true;
    for &(pc, lit) in &p {
        let mut next = vec![false; t.len() + 1];
        if pc == '%' && !lit {
            let mut any = false;
            for i in 0..=t.len() {
                any |= cur[i];
                next[i] = any;
            }
        } else {
            for i in 0..t.len() {
                if cur[i] && ((pc == '_' && !lit) || t[i] == pc) {
                    next[i + 1] = true;
                }
            }
        }
        cur = next;
    }
    cur[t.len()]
}

fn holds(
    op: Op,
    field: &str,
    value: &str,
    set: Option<&HashSet<String>>,
    vals: &[Value],
) -> Result<bool, ErrorCode> {
    match op {
        Op::IsNull => return Ok(vals.is_empty()),
        Op::NotNull => return Ok(!vals.is_empty()),
        _ => {}
    }
    for v in vals {
        let k = Key::of(v, field);
        let ok = match op {
            Op::Eq => k.cmp(&k.coerce(value, field)?) == Ordering::Equal,
            Op::Ne => k.cmp(&k.coerce(value, field)?) != Ordering::Equal,
            Op::Gt => k.cmp(&k.coerce(value, field)?) == Ordering::Greater,
            Op::Ge => k.cmp(&k.coerce(value, field)?) != Ordering::Less,
            Op::Lt => k.cmp(&k.coerce(value, field)?) == Ordering::Less,
            Op::Le => k.cmp(&k.coerce(value, field)?) != Ordering::Greater,
            // A text key is looked up in the list lowered once (a page's NICs are asked for
            // by a hundred VM uuids at a time); other kinds compare item by item.
            Op::In | Op::NotIn if matches!(k, Key::Str(_)) => {
                let Key::Str(text) = &k else { unreachable!() };
                let found = match set {
                    Some(set) => set.contains(text.as_str()),
                    None => value.split(',').any(|item| item.to_lowercase() == *text),
                };
                found == (op == Op::In)
            }
            Op::In | Op::NotIn => {
                let mut found = false;
                for item in value.split(',') {
                    if k.cmp(&k.coerce(item, field)?) == Ordering::Equal {
                        found = true;
                        break;
                    }
                }
                found == (op == Op::In)
            }
            Op::Like => like(&k.text(), &value.to_lowercase()),
            Op::NotLike => !like(&k.text(), &value.to_lowercase()),
            Op::IsNull | Op::NotNull => false,
        };
        if ok {
            return Ok(true);
        }
    }
    Ok(false)
}

// ---- evaluation ------------------------------------------------------------------------

/// One row while a query looks at it: its inventory is built at most once.
struct Row<'t> {
    table: &'t Table,
    idx: usize,
    inv: Option<Value>,
}

impl Row<'_> {
    fn inventory(&mut self, w: &World) -> &Value {
        if self.inv.is_none() {
            self.inv = Some((self.table.inventory)(w, self.idx));
        }
        self.inv.as_ref().unwrap_or(&Value::Null)
    }

    fn top(&mut self, w: &World, field: &str) -> Value {
        if self.inv.is_none()
            && let Some(v) = (self.table.quick)(w, self.idx, field)
        {
            return v;
        }
        self.inventory(w).get(field).cloned().unwrap_or(Value::Null)
    }
}

fn flatten(v: &Value, rest: &[&str], out: &mut Vec<Value>) {
    match v {
        Value::Null => {}
        Value::Array(items) => {
            for i in items {
                flatten(i, rest, out);
            }
        }
        _ => match rest.split_first() {
            None => out.push(v.clone()),
            Some((head, tail)) => {
                if let Some(next) = v.get(*head) {
                    flatten(next, tail, out);
                }
            }
        },
    }
}

fn values(w: &World, row: &mut Row, path: &[&str]) -> Vec<Value> {
    let Some((&head, rest)) = path.split_first() else {
        return vec![];
    };
    if head == "__systemTag__" || head == "__userTag__" {
        if !rest.is_empty() {
            return vec![];
        }
        let tags = if head == "__systemTag__" {
            (row.table.system_tags)(w, row.idx)
        } else {
            vec![]
        };
        return tags.into_iter().map(Value::String).collect();
    }
    if rest.is_empty() {
        let mut out = Vec::new();
        flatten(&row.top(w, head), &[], &mut out);
        return out;
    }
    if let Some(j) = row.table.joins.iter().find(|j| j.name == head) {
        let target = table(j.table);
        let mut out = Vec::new();
        for idx in (j.rows)(w, row.idx) {
            let mut r = Row {
                table: target,
                idx,
                inv: None,
            };
            out.extend(values(w, &mut r, rest));
        }
        return out;
    }
    let mut out = Vec::new();
    let top = row.top(w, head);
    flatten(&top, rest, &mut out);
    out
}

fn validate_name(t: &Table, name: &str) -> Result<(), ErrorCode> {
    let invalid = || {
        ErrorCode::argerr(format!(
            "condition name[{name}] is invalid, no such field on inventory class[{}]",
            t.class
        ))
    };
    let path: Vec<&str> = name.split('.').collect();
    let mut cur = t;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if *seg == "__systemTag__" || *seg == "__userTag__" {
            return if last { Ok(()) } else { Err(invalid()) };
        }
        if last {
            return if cur.fields.contains(seg) {
                Ok(())
            } else {
                Err(invalid())
            };
        }
        if let Some(j) = cur.joins.iter().find(|j| j.name == *seg) {
            cur = table(j.table);
            continue;
        }
        // a nested list inside the inventory (vmNics, allVolumes, backupStorageRefs…)
        return if cur.fields.contains(seg) {
            Ok(())
        } else {
            Err(invalid())
        };
    }
    Err(invalid())
}

/// A condition with its field path split, and for `?=`/`!?=` its list lowered once.
type CondPath<'a> = (Vec<&'a str>, &'a Cond, Option<HashSet<String>>);

/// Runs a query against `t` and builds the reply.
pub fn run(w: &World, t: &'static Table, req: &QueryRequest) -> Result<Value, ErrorCode> {
    let t = t.select(|field| {
        req.conds
            .iter()
            .find(|c| c.op == Op::Eq && c.name == field)
            .map(|c| c.value.as_str())
    });
    for c in &req.conds {
        validate_name(t, &c.name)?;
    }
    if let Some((f, _)) = &req.sort
        && !t.fields.contains(&f.as_str())
    {
        return Err(ErrorCode::argerr(format!(
            "sortBy[{f}] is not a field of inventory class[{}]",
            t.class
        )));
    }
    if let Some(fs) = &req.fields {
        for f in fs {
            if !t.primitives().any(|p| p == f) {
                let simple = t.class.rsplit('.').next().unwrap_or(t.class);
                let valid: Vec<&str> = t.primitives().collect();
                return Err(ErrorCode::argerr(format!(
                    "field[{f}] is not a primitive of the inventory {simple}; you cannot specify it in the parameter 'fields';valid fields are [{}]",
                    valid.join(", ")
                )));
            }
        }
    }
    let (start, limit) = (
        req.start.unwrap_or(0),
        req.limit.unwrap_or(DEFAULT_LIMIT as i64),
    );
    if start < 0 || limit < 0 {
        return Err(ErrorCode::argerr(format!(
            "start[{start}] and limit[{limit}] must not be negative"
        )));
    }
    let paths: Vec<CondPath> = req
        .conds
        .iter()
        .map(|c| {
            let set = matches!(c.op, Op::In | Op::NotIn)
                .then(|| c.value.split(',').map(str::to_lowercase).collect());
            (c.name.split('.').collect(), c, set)
        })
        .collect();
    let rows = req
        .conds
        .iter()
        .filter(|c| matches!(c.op, Op::Eq | Op::In) && !c.name.contains('.'))
        .find_map(|c| {
            let values: Vec<&str> = match c.op {
                Op::In => c.value.split(',').collect(),
                _ => vec![c.value.as_str()],
            };
            super::tables::candidates(t, w, &c.name, &values)
        })
        .unwrap_or_else(|| (t.rows)(w));
    let mut matched: Vec<Row> = Vec::new();
    for idx in rows {
        let mut row = Row {
            table: t,
            idx,
            inv: None,
        };
        let mut keep = true;
        for (path, c, set) in &paths {
            let vals = values(w, &mut row, path);
            let field = path.last().copied().unwrap_or("");
            if !holds(c.op, field, &c.value, set.as_ref(), &vals)? {
                keep = false;
                break;
            }
        }
        if keep {
            matched.push(row);
        }
    }
    let total = matched.len();
    if req.count {
        return Ok(json!({"total": total, "schema": {}}));
    }
    if let Some((f, asc)) = &req.sort {
        let mut keyed: Vec<(Key, Row)> = matched
            .into_iter()
            .map(|mut r| (Key::of(&r.top(w, f), f), r))
            .collect();
        keyed.sort_by(|a, b| {
            let o = a.0.cmp(&b.0);
            if *asc { o } else { o.reverse() }
        });
        matched = keyed.into_iter().map(|(_, r)| r).collect();
    }
    let mut inventories = Vec::new();
    let mut schema = Map::new();
    for (i, mut row) in matched
        .into_iter()
        .skip(start as usize)
        .take(limit as usize)
        .enumerate()
    {
        let mut inv = row.inventory(w).clone();
        if let (Some(fs), Value::Object(m)) = (&req.fields, &mut inv) {
            m.retain(|k, _| fs.iter().any(|f| f == k));
        }
        (t.schema)(w, row.idx, &inv, &format!("inventories[{i}]"), &mut schema);
        inventories.push(inv);
    }
    let mut out = json!({"inventories": inventories, "schema": schema});
    if req.reply_with_count {
        out["total"] = json!(total);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_found_in_rest_server_order() {
        let c = |s: &str| parse_cond(s).unwrap();
        assert_eq!(c("name!=a").op, Op::Ne);
        assert_eq!(c("size>=5").op, Op::Ge);
        assert_eq!(c("uuid!?=a,b").op, Op::NotIn);
        assert_eq!(c("uuid?=a,b").op, Op::In);
        assert_eq!(c("name~=%x%").op, Op::Like);
        assert_eq!(c("name!~=%x%").op, Op::NotLike);
        assert_eq!(c("hostUuid is null").op, Op::IsNull);
        assert_eq!(c("hostUuid not null").name, "hostUuid");
        // the value is not trimmed, the name is
        let v = c(" name = a ");
        assert_eq!((v.name.as_str(), v.value.as_str()), ("name", " a "));
        // a=b>c: '=' is searched before '>'
        assert_eq!(c("a=b>c").value, "b>c");
        assert!(matches!(parse_cond("nothing"), Err(Fail::Rest(400, _))));
    }

    #[test]
    fn numbers_must_be_finite() {
        let k = Key::Num(8.0 * 1024.0 * 1024.0 * 1024.0);
        for v in [
            "NaN",
            "nan",
            "inf",
            "-inf",
            "infinity",
            " +Infinity ",
            "many",
            "",
        ] {
            assert!(k.coerce(v, "memorySize").is_err(), "{v:?} was accepted");
        }
        for (v, n) in [
            ("8589934592", 8589934592.0),
            (" -1.5 ", -1.5),
            ("1e3", 1000.0),
        ] {
            assert!(
                matches!(k.coerce(v, "memorySize"), Ok(Key::Num(x)) if x == n),
                "{v:?}"
            );
        }
    }

    #[test]
    fn like_is_sql_like() {
        assert!(like("intelcorei7", "intelcore_7"));
        assert!(like("web-01", "%web%"));
        assert!(!like("web-01", "web"));
        assert!(like("100%", "100\\%"));
        assert!(!like("1000", "100\\%"));
        assert!(like("", "%"));
    }

    #[test]
    fn request_parsing() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let r = parse_request(&pairs(&[
            ("q", "a=1"),
            ("q", "b!=2"),
            ("limit", " 5 "),
            ("sort", " name"),
            ("fields", "uuid, name"),
            ("replyWithCount", "TRUE"),
        ]))
        .unwrap();
        assert_eq!(r.conds.len(), 2);
        assert_eq!(r.limit, Some(5));
        assert_eq!(r.sort, Some(("name".into(), true)));
        assert_eq!(r.fields, Some(vec!["uuid".into(), "name".into()]));
        assert!(r.reply_with_count);
        assert!(matches!(
            parse_request(&pairs(&[("limit", "x")])),
            Err(Fail::Rest(400, m)) if m == "Invalid query parameter. 'limit' must be an integer"
        ));
    }
}
