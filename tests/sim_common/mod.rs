//! What the three simulator suites share: clocks, a server on a free loopback port, reading
//! JSON, the walk that compares our answers with the manuals' examples, and waiting.

#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::Value;
use vmdeck::sim::{SimConfig, SimServer};

/// The clock most tests use: 50 simulated seconds per real one.
pub fn fast() -> SimConfig {
    at(50.0)
}

/// A clock of `time_scale` simulated seconds per real one: slower for tests that look at an
/// operation while it runs, so a busy machine does not make the short windows flaky.
pub fn at(time_scale: f64) -> SimConfig {
    SimConfig {
        time_scale,
        ..Default::default()
    }
}

/// A simulator on a free loopback port.
pub async fn serve(config: SimConfig) -> SimServer {
    SimServer::start("127.0.0.1:0".parse().unwrap(), config)
        .await
        .expect("the simulator starts")
}

pub fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// A manual's example answer, from `tests/fixtures/<dir>/<name>`.
pub fn fixture(dir: &str, name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// How a manual's example is read: TopHC's examples print `null` for values they leave out;
/// ZStack's (Gson) never print null, and an example list is never empty.
#[derive(Clone, Copy)]
pub struct DocRules {
    pub null_matches_anything: bool,
    pub empty_list_is_missing: bool,
}

/// Every key of `doc` (recursively; lists by their first element) is in `ours`, with the same
/// JSON kind: what is not, one line each.
pub fn doc_key_problems(doc: &Value, ours: &Value, rules: DocRules) -> Vec<String> {
    fn walk(doc: &Value, ours: &Value, path: &str, rules: DocRules, out: &mut Vec<String>) {
        match (doc, ours) {
            (Value::Object(d), Value::Object(o)) => {
                for (k, dv) in d {
                    match o.get(k) {
                        None => out.push(format!("missing {path}.{k}")),
                        Some(ov) => walk(dv, ov, &format!("{path}.{k}"), rules, out),
                    }
                }
            }
            (Value::Array(d), Value::Array(o)) => match (d.first(), o.first()) {
                (Some(d0), Some(o0)) => walk(d0, o0, &format!("{path}[0]"), rules, out),
                (Some(_), None) if rules.empty_list_is_missing => {
                    out.push(format!("{path} is empty"))
                }
                _ => {}
            },
            (Value::Null, _) | (_, Value::Null) if rules.null_matches_anything => {}
            (d, o) if kind(d) != kind(o) => out.push(format!(
                "{path}: the manual has {}, we have {}",
                kind(d),
                kind(o)
            )),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, ours, "$", rules, &mut out);
    out
}

/// Checks every 5 ms until `check` holds; fails naming `what` after a minute.
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let t = Instant::now();
    while !check().await {
        assert!(t.elapsed() < Duration::from_secs(60), "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Asks every 20 ms until `f` gives a value; fails naming `what` after 30 s.
pub async fn poll<F, Fut>(mut f: F, what: &str) -> Value
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<Value>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
