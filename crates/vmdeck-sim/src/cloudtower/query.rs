//! Prisma-1 reads over rendered models: `where` filters, `orderBy`, and
//! `first`/`skip`/`last`/`after`/`before` paging.
//!
//! Filters are evaluated against the JSON a model renders to. A relation filter
//! (`cluster: {…}`, `vm_disks_some: {…}`) is first tried on the nested reference the model
//! carries (`{id, name}`); when it asks for more, the related resource is rendered in full
//! through a [`Resolver`]. A key whose value is `null` sets no condition. The body has
//! already been validated against the spec, so every key here is a real one.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::spec::Spec;
use super::wire::ApiError;

/// Renders a related resource in full, by where-input name and id.
pub trait Resolver {
    fn resolve(&self, where_input: &str, id: &str) -> Option<Value>;
}

/// The standard list body.
#[derive(Debug, Default, Clone)]
pub struct ListArgs {
    pub filter: Map<String, Value>,
    pub order_by: Option<String>,
    pub first: Option<i64>,
    pub skip: Option<i64>,
    pub last: Option<i64>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl ListArgs {
    pub fn parse(body: &Value) -> Result<ListArgs, ApiError> {
        let int = |k: &str| -> Result<Option<i64>, ApiError> {
            match body.get(k).and_then(Value::as_f64) {
                Some(n) if n < 0.0 => Err(ApiError::bad(
                    format!("{k} must not be negative"),
                    format!("{k} 不能为负数"),
                )),
                Some(n) => Ok(Some(n as i64)),
                None => Ok(None),
            }
        };
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(ListArgs {
            filter: body
                .get("where")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            order_by: text("orderBy"),
            first: int("first")?,
            skip: int("skip")?,
            last: int("last")?,
            after: text("after"),
            before: text("before"),
        })
    }

    pub fn has_filter(&self) -> bool {
        self.filter.values().any(|v| !v.is_null())
    }
}

/// Whether `row` (a rendered model) matches `filter`, a `<where_input>`.
pub fn matches(
    spec: &Spec,
    res: &dyn Resolver,
    where_input: &str,
    filter: &Map<String, Value>,
    row: &Value,
) -> bool {
    eval(spec, Some(res), where_input, filter, row).unwrap_or(false)
}

/// `Err(())`: the row lacks a field the filter needs (only when `res` is `None`, i.e. the
/// row is a nested reference and the caller should resolve the full resource).
fn eval(
    spec: &Spec,
    res: Option<&dyn Resolver>,
    def: &str,
    filter: &Map<String, Value>,
    row: &Value,
) -> Result<bool, ()> {
    for (key, cond) in filter {
        if cond.is_null() {
            continue;
        }
        let ok = match key.as_str() {
            "AND" | "OR" | "NOT" => {
                let parts: Vec<&Map<String, Value>> = match cond {
                    Value::Array(a) => a.iter().filter_map(Value::as_object).collect(),
                    Value::Object(o) => vec![o],
                    _ => vec![],
                };
                let mut results = Vec::with_capacity(parts.len());
                for p in parts {
                    results.push(eval(spec, res, def, p, row)?);
                }
                match key.as_str() {
                    "AND" => results.iter().all(|&b| b),
                    "OR" => results.iter().any(|&b| b),
                    _ => !results.iter().any(|&b| b),
                }
            }
            _ => match spec.relation(def, key) {
                Some(target) => relation(spec, res, target, key, cond, row)?,
                None => scalar(key, cond, row)?,
            },
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn relation(
    spec: &Spec,
    res: Option<&dyn Resolver>,
    target: &str,
    key: &str,
    cond: &Value,
    row: &Value,
) -> Result<bool, ()> {
    let Some(filter) = cond.as_object() else {
        return Ok(true);
    };
    let many = ["_some", "_every", "_none"]
        .iter()
        .find_map(|s| key.strip_suffix(s).map(|base| (base, *s)))
        .filter(|(base, _)| matches!(row.get(*base), Some(Value::Array(_))));
    let test = |item: &Value| -> Result<bool, ()> { nested(spec, res, target, filter, item) };
    if let Some((base, how)) = many {
        let items = row
            .get(base)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut hits = 0;
        for it in &items {
            if test(it)? {
                hits += 1;
            }
        }
        return Ok(match how {
            "_some" => hits > 0,
            "_every" => hits == items.len(),
            _ => hits == 0,
        });
    }
    match row.get(key) {
        None if res.is_none() => Err(()),
        None | Some(Value::Null) => Ok(false),
        Some(Value::Array(items)) => {
            // A to-many relation filtered without a suffix: treat as `_some`.
            for it in items {
                if test(it)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some(item) => test(item),
    }
}

/// Evaluates a relation filter on a nested reference, resolving the full resource when the
/// reference does not carry what the filter asks about.
fn nested(
    spec: &Spec,
    res: Option<&dyn Resolver>,
    target: &str,
    filter: &Map<String, Value>,
    item: &Value,
) -> Result<bool, ()> {
    match eval(spec, None, target, filter, item) {
        Ok(b) => Ok(b),
        Err(()) => {
            let Some(r) = res else { return Err(()) };
            let full = item
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| r.resolve(target, id));
            match full {
                Some(full) => Ok(eval(spec, Some(r), target, filter, &full).unwrap_or(false)),
                // Not a resource the simulator models: only the reference is known.
                None => Ok(eval_lenient(spec, target, filter, item)),
            }
        }
    }
}

/// Like `eval`, with missing fields counting as `null`.
fn eval_lenient(spec: &Spec, def: &str, filter: &Map<String, Value>, row: &Value) -> bool {
    struct NoResolve;
    impl Resolver for NoResolve {
        fn resolve(&self, _: &str, _: &str) -> Option<Value> {
            None
        }
    }
    eval(spec, Some(&NoResolve), def, filter, row).unwrap_or(false)
}

const SUFFIXES: &[&str] = &[
    "_not_starts_with",
    "_not_ends_with",
    "_not_contains",
    "_starts_with",
    "_ends_with",
    "_contains",
    "_not_in",
    "_in",
    "_not",
    "_lte",
    "_gte",
    "_lt",
    "_gt",
];

fn scalar(key: &str, cond: &Value, row: &Value) -> Result<bool, ()> {
    let (field, op) = match row.get(key) {
        Some(_) => (key, ""),
        None => SUFFIXES
            .iter()
            .find_map(|s| {
                let base = key.strip_suffix(s)?;
                row.get(base).map(|_| (base, *s))
            })
            .ok_or(())?,
    };
    let v = &row[field];
    Ok(match op {
        "" => same(v, cond),
        "_not" => !same(v, cond),
        "_in" => cond
            .as_array()
            .is_some_and(|a| a.iter().any(|c| same(v, c))),
        "_not_in" => !cond
            .as_array()
            .is_some_and(|a| a.iter().any(|c| same(v, c))),
        "_lt" => compare(v, cond) == Some(Ordering::Less),
        "_lte" => matches!(compare(v, cond), Some(Ordering::Less | Ordering::Equal)),
        "_gt" => compare(v, cond) == Some(Ordering::Greater),
        "_gte" => matches!(compare(v, cond), Some(Ordering::Greater | Ordering::Equal)),
        _ => {
            let (Some(s), Some(c)) = (v.as_str(), cond.as_str()) else {
                return Ok(op.starts_with("_not"));
            };
            match op {
                "_contains" => s.contains(c),
                "_not_contains" => !s.contains(c),
                "_starts_with" => s.starts_with(c),
                "_not_starts_with" => !s.starts_with(c),
                "_ends_with" => s.ends_with(c),
                _ => !s.ends_with(c),
            }
        }
    })
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Orders by `<field>_ASC|_DESC` (nulls last ascending, first descending, like
/// PostgreSQL); ties, and everything when there is no `orderBy`, by id ascending.
pub fn sort_rows<T>(
    rows: &mut [T],
    order_by: Option<&str>,
    get: impl for<'a> Fn(&'a T) -> (&'a str, &'a Value),
) {
    let key = order_by.and_then(|o| {
        o.strip_suffix("_ASC")
            .map(|f| (f.to_string(), false))
            .or_else(|| o.strip_suffix("_DESC").map(|f| (f.to_string(), true)))
    });
    rows.sort_by(|x, y| {
        let ((ia, a), (ib, b)) = (get(x), get(y));
        let primary = match &key {
            Some((field, desc)) => {
                let o = order_values(&a[field.as_str()], &b[field.as_str()]);
                if *desc { o.reverse() } else { o }
            }
            None => Ordering::Equal,
        };
        primary.then_with(|| ia.cmp(ib))
    });
}

fn order_values(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => compare(a, b).unwrap_or_else(|| a.to_string().cmp(&b.to_string())),
    }
}

/// Applies the cursor and window of Prisma 1 to ids in their final order. Returns the
/// positions to answer with.
pub fn window(ids: &[&str], args: &ListArgs) -> std::ops::Range<usize> {
    let mut lo = 0usize;
    let mut hi = ids.len();
    if let Some(after) = &args.after {
        lo = match ids.iter().position(|i| i == after) {
            Some(p) => p + 1,
            None => hi,
        };
    }
    if let Some(before) = &args.before {
        hi = match ids.iter().position(|i| i == before) {
            Some(p) => p.max(lo),
            None => lo,
        };
    }
    let skip = args.skip.unwrap_or(0).max(0) as usize;
    if args.last.is_some() && args.first.is_none() {
        hi = hi.saturating_sub(skip).max(lo);
        if let Some(last) = args.last {
            lo = lo.max(hi.saturating_sub(last as usize));
        }
    } else {
        lo = (lo + skip).min(hi);
        if let Some(first) = args.first {
            hi = hi.min(lo.saturating_add(first as usize));
        }
        if let Some(last) = args.last {
            lo = lo.max(hi.saturating_sub(last as usize));
        }
    }
    lo..hi
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> ListArgs {
        ListArgs::parse(&v).unwrap()
    }

    #[test]
    fn paging_follows_the_prisma_examples() {
        let ids: Vec<String> = (0..20).map(|i| format!("id{i:02}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(window(&ids, &args(json!({"first": 3}))), 0..3);
        assert_eq!(window(&ids, &args(json!({"skip": 5, "first": 5}))), 5..10);
        assert_eq!(window(&ids, &args(json!({"last": 3}))), 17..20);
        // 4th-to-last through 10th-to-last
        assert_eq!(window(&ids, &args(json!({"last": 7, "skip": 3}))), 10..17);
        assert_eq!(
            window(&ids, &args(json!({"after": "id04", "first": 3}))),
            5..8
        );
        assert_eq!(
            window(&ids, &args(json!({"after": "id04", "skip": 3, "first": 5}))),
            8..13
        );
        assert_eq!(
            window(&ids, &args(json!({"before": "id10", "last": 5}))),
            5..10
        );
        assert_eq!(
            window(&ids, &args(json!({"before": "id10", "skip": 5, "last": 3}))),
            2..5
        );
        assert_eq!(window(&ids, &args(json!({"after": "nope"}))), 20..20);
        assert_eq!(window(&ids, &args(json!({"skip": 50}))), 20..20);
        assert!(ListArgs::parse(&json!({"first": -1})).is_err());
    }

    #[test]
    fn scalar_operators() {
        let row = json!({"name": "web-01", "vcpu": 4, "ha": true, "ip": null});
        let t = |k: &str, c: Value| scalar(k, &c, &row).unwrap();
        assert!(t("name", json!("web-01")));
        assert!(t("name_not", json!("db")));
        assert!(t("name_in", json!(["a", "web-01"])));
        assert!(!t("name_not_in", json!(["web-01"])));
        assert!(t("name_contains", json!("b-0")));
        assert!(t("name_starts_with", json!("web")));
        assert!(t("name_not_ends_with", json!("02")));
        assert!(t("vcpu_gt", json!(2)));
        assert!(t("vcpu_lte", json!(4.0)));
        assert!(!t("vcpu_lt", json!(4)));
        assert!(t("ha_not", json!(false)));
        assert!(!t("ip_contains", json!("1")));
        assert!(scalar("missing", &json!(1), &row).is_err());
    }

    #[test]
    fn ordering_puts_nulls_last_and_breaks_ties_by_id() {
        let mut rows = vec![
            ("c3".to_string(), json!({"n": 2})),
            ("c1".to_string(), json!({"n": null})),
            ("c2".to_string(), json!({"n": 2})),
            ("c4".to_string(), json!({"n": 1})),
        ];
        fn get(r: &(String, Value)) -> (&str, &Value) {
            (r.0.as_str(), &r.1)
        }
        sort_rows(&mut rows, Some("n_ASC"), get);
        let ids: Vec<&str> = rows.iter().map(|(i, _)| i.as_str()).collect();
        assert_eq!(ids, ["c4", "c2", "c3", "c1"]);
        sort_rows(&mut rows, Some("n_DESC"), get);
        let ids: Vec<&str> = rows.iter().map(|(i, _)| i.as_str()).collect();
        assert_eq!(ids, ["c1", "c2", "c3", "c4"]);
    }
}
