//! RestServer's routing, built from the SDK's route table (`sdk_routes.tsv`, all 1905
//! actions: method, path, body wrapper key, session, poll). Like RestServer, paths are
//! matched with their placeholders normalised, several APIs may share one path, and the
//! method (and for `PUT`, the body's action key) picks the API.
//!
//! Every query API also answers `GET <path>/{uuid}` (its `optionalPaths`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::Method;
use serde_json::{Map, Value};

use super::wire::Fail;

const TSV: &str = include_str!("sdk_routes.tsv");

#[derive(Clone, Debug, PartialEq)]
pub struct ApiDef {
    /// `StopVmInstance` (the SDK's action name without `Action`).
    pub action: String,
    pub method: Method,
    /// Relative to `/v1`, placeholders as in the SDK (`/vm-instances/{uuid}/actions`).
    pub path: String,
    /// The body's wrapper key: `params` for POST, the action name for PUT, empty otherwise.
    pub param: String,
    pub session: bool,
    /// Async: 202 + api-job.
    pub poll: bool,
    /// `PUT` APIs whose wrapper key is their own action name; several may share a URL.
    pub is_action: bool,
    pub is_query: bool,
}

impl ApiDef {
    /// `APIStopVmInstanceMsg` (the package is added by the handler table when known).
    pub fn msg_name(&self) -> String {
        format!("API{}Msg", self.action)
    }
}

struct Table {
    apis: Vec<ApiDef>,
    /// Normalised path (`/vm-instances/{}/actions`) → indexes into `apis`.
    by_path: BTreeMap<String, Vec<usize>>,
}

fn uncapitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn normalize(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut apis = Vec::new();
        for line in TSV.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let [action, method, path, param, session, poll] = cols.as_slice() else {
                continue;
            };
            let Ok(method) = Method::from_bytes(method.as_bytes()) else {
                continue;
            };
            let is_action = method == Method::PUT && *param == uncapitalize(action);
            let is_query = method == Method::GET && action.starts_with("Query");
            let def = ApiDef {
                action: action.to_string(),
                method,
                path: path.to_string(),
                param: param.to_string(),
                session: *session == "true",
                poll: *poll == "true",
                is_action,
                is_query,
            };
            if is_query && !path.contains('{') {
                let mut by_uuid = def.clone();
                by_uuid.path = format!("{path}/{{uuid}}");
                apis.push(def);
                apis.push(by_uuid);
            } else {
                apis.push(def);
            }
        }
        let mut by_path: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, a) in apis.iter().enumerate() {
            by_path.entry(normalize(&a.path)).or_default().push(i);
        }
        Table { apis, by_path }
    })
}

/// The API of an action name (for tests and for internal calls such as long jobs).
pub fn by_action(action: &str) -> Option<&'static ApiDef> {
    table().apis.iter().find(|a| a.action == action)
}

/// Placeholder values by name, from the API's own path.
pub fn extract_vars(pattern: &str, path: &str) -> Vec<(String, String)> {
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let r: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    p.iter()
        .zip(r.iter())
        .filter_map(|(p, r)| {
            p.strip_prefix('{')
                .and_then(|n| n.strip_suffix('}'))
                .map(|n| (n.to_string(), r.to_string()))
        })
        .collect()
}

/// Ant-style match of a normalised pattern against a path: same segments, `{}` any
/// non-empty segment, and both end with `/` or neither. `None`, or the number of literal
/// segments (the most specific pattern wins).
fn score(pattern: &str, path: &str) -> Option<usize> {
    if pattern.ends_with('/') != path.ends_with('/') {
        return None;
    }
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let r: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if p.len() != r.len() {
        return None;
    }
    let mut literal = 0;
    for (p, r) in p.iter().zip(&r) {
        if *p == "{}" {
            continue;
        }
        if p != r {
            return None;
        }
        literal += 1;
    }
    Some(literal)
}

/// Picks the API for `method` and `rel_path` (relative to `/v1`, decoded). `body` is the
/// parsed body (`None` when empty). `full` is the path as RestServer prints it (`/v1/…`).
pub fn resolve(
    method: &Method,
    rel_path: &str,
    body: Option<&Map<String, Value>>,
    full: &str,
) -> Result<&'static ApiDef, Fail> {
    let t = table();
    let best = t
        .by_path
        .iter()
        .filter_map(|(pat, ids)| score(pat, rel_path).map(|s| (s, ids)))
        .max_by_key(|(s, _)| *s)
        .map(|(_, ids)| ids);
    let Some(ids) = best else {
        return Err(Fail::Rest(404, format!("no api mapping to {full}")));
    };
    let not_allowed = || {
        Fail::Rest(
            405,
            format!("The method[{method}] is not allowed for the path[{full}]"),
        )
    };
    let apis: Vec<&ApiDef> = ids.iter().map(|&i| &t.apis[i]).collect();
    if let [only] = apis.as_slice() {
        return if only.method == *method {
            Ok(only)
        } else {
            Err(not_allowed())
        };
    }
    let same_method: Vec<&ApiDef> = apis.into_iter().filter(|a| a.method == *method).collect();
    if same_method.is_empty() {
        return Err(not_allowed());
    }
    if *method == Method::PUT {
        // RestServer looks the action key up in the body; no body at all is a
        // NullPointerException there, answered as a 500 with an empty message.
        let Some(body) = body else {
            return Err(Fail::Rest(500, String::new()));
        };
        return same_method
            .into_iter()
            .find(|a| body.contains_key(&a.param))
            .ok_or_else(|| {
                Fail::Rest(
                    400,
                    format!("the body doesn't contain action mapping to the URL[{full}]"),
                )
            });
    }
    Ok(same_method[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_table_has_every_sdk_action() {
        assert!(table().apis.len() > 1905);
        let login = by_action("LogInByAccount").unwrap();
        assert_eq!(login.param, "logInByAccount");
        assert!(!login.session && !login.poll);
        let stop = by_action("StopVmInstance").unwrap();
        assert!(stop.is_action && stop.poll);
    }

    #[test]
    fn resolves_like_rest_server() {
        let b = body(json!({"stopVmInstance": {}}));
        let a = resolve(&Method::PUT, "/vm-instances/abc/actions", Some(&b), "/v1/x").unwrap();
        assert_eq!(a.action, "StopVmInstance");
        let none = body(json!({"fly": {}}));
        assert_eq!(
            resolve(
                &Method::PUT,
                "/vm-instances/abc/actions",
                Some(&none),
                "/v1/x"
            ),
            Err(Fail::Rest(
                400,
                "the body doesn't contain action mapping to the URL[/v1/x]".into()
            ))
        );
        let q = resolve(&Method::GET, "/vm-instances/abc", None, "/v1/x").unwrap();
        assert_eq!(q.action, "QueryVmInstance");
        let d = resolve(&Method::DELETE, "/vm-instances/abc", None, "/v1/x").unwrap();
        assert_eq!(d.action, "DestroyVmInstance");
        let trees = resolve(&Method::GET, "/volume-snapshots/trees", None, "/v1/x").unwrap();
        assert_eq!(trees.action, "QueryVolumeSnapshotTree");
        let group = resolve(&Method::GET, "/volume-snapshots/group", None, "/v1/x").unwrap();
        assert_eq!(group.action, "QueryVolumeSnapshotGroup");
        assert!(matches!(
            resolve(&Method::GET, "/no/such/thing", None, "/v1/no/such/thing"),
            Err(Fail::Rest(404, m)) if m == "no api mapping to /v1/no/such/thing"
        ));
        assert!(matches!(
            resolve(&Method::POST, "/accounts/login", None, "/v1/accounts/login"),
            Err(Fail::Rest(405, _))
        ));
        assert_eq!(
            extract_vars(
                "/volumes/{volumeUuid}/volume-snapshots",
                "/volumes/v1/volume-snapshots"
            ),
            vec![("volumeUuid".to_string(), "v1".to_string())]
        );
    }
}
