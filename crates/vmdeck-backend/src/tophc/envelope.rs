//! Reading TopHC answers: the `Output` envelope (HTTP 200 even for errors; `scode` tells),
//! `BatchOutput` (outer success, per-item failures) and `each_range_list_state` (one entry
//! per cluster of a fan-out list).

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::wire::{BatchOutput, Output, RangeState};
use crate::http;
use crate::{BackendError, Language};
use vmdeck_model::{ClusterFailure, Platform};

/// `scode`s the simulator (and, we assume, the manager) uses to refuse a missing or
/// expired token. Undocumented; HTTP 401/403 are treated the same.
pub const SESSION_CODES: [i64; 2] = [10002, 10003];

/// What one answer says, before the caller's type is applied.
#[derive(Debug)]
pub enum Answer {
    /// `scode` 0: the payload.
    Data(Value),
    /// The platform refused the session (bad or expired token); nothing was done.
    SessionRefused(BackendError),
}

/// Interprets status and body of one answer.
pub fn read_answer(
    path: &str,
    status: u16,
    body: &[u8],
    lang: Language,
) -> Result<Answer, BackendError> {
    if matches!(status, 401 | 403) {
        return Ok(Answer::SessionRefused(BackendError::Platform {
            platform: Platform::TopHc,
            code: format!("HTTP {status}"),
            message: format!("session refused: {}", http::excerpt(body)),
        }));
    }
    if status == 404 {
        return Err(BackendError::Http {
            status,
            path: path.to_string(),
            excerpt: "unknown route: this manager does not offer that API (is the url a TopHC manager, and a version vmdeck knows?)".into(),
        });
    }
    if !(200..300).contains(&status) {
        // TopHC itself always answers 200; anything else is a proxy or a crash. Still, if
        // the body happens to be an envelope with a code, that code says more.
        if let Ok(out) = serde_json::from_slice::<Output>(body)
            && let Some(code) = out.code().filter(|c| *c != 0)
        {
            return Err(platform_error(code, &out, lang));
        }
        return Err(BackendError::Http {
            status,
            path: path.to_string(),
            excerpt: http::excerpt(body),
        });
    }
    let out = decode_output(path, body)?;
    match out.code() {
        Some(0) => Ok(Answer::Data(out.data)),
        Some(code) if SESSION_CODES.contains(&code) => {
            Ok(Answer::SessionRefused(platform_error(code, &out, lang)))
        }
        Some(code) => Err(platform_error(code, &out, lang)),
        None => Err(BackendError::Decode {
            path: path.to_string(),
            reason: "the answer has no scode (or status_code): not a TopHC answer".into(),
        }),
    }
}

/// Parses the envelope, with readable errors for HTML, truncation, empty bodies and JSON
/// that is not an object.
pub fn decode_output(path: &str, body: &[u8]) -> Result<Output, BackendError> {
    let value: Value = http::decode(path, body)?;
    if !value.is_object() {
        return Err(BackendError::Decode {
            path: path.to_string(),
            reason: format!(
                "expected a TopHC answer object {{scode, message, data}}, got {}",
                http::kind_of(&value)
            ),
        });
    }
    serde_json::from_value(value).map_err(|e| BackendError::Decode {
        path: path.to_string(),
        reason: format!("the envelope does not match the documented shape: {e}"),
    })
}

/// `BackendError::Platform` with the composed message (see [`compose_message`]).
pub fn platform_error(code: i64, out: &Output, lang: Language) -> BackendError {
    BackendError::Platform {
        platform: Platform::TopHc,
        code: code.to_string(),
        message: compose_message(out, lang),
    }
}

/// "<message> (<message_cn>) — <desc>", empty parts left out; in Chinese `message_cn`
/// leads: "<message_cn> (<message>) — <desc>".
pub fn compose_message(out: &Output, lang: Language) -> String {
    let en = out.message.non_empty().or(out.message_en.non_empty());
    let cn = out
        .message_cn
        .non_empty()
        .or(out.message_cn_old.non_empty());
    let (first, second) = match lang {
        Language::English => (en, cn),
        Language::Chinese => (cn, en),
    };
    let head = match (first, second) {
        (Some(a), Some(b)) if a != b => format!("{a} ({b})"),
        (Some(m), _) | (None, Some(m)) => m.to_string(),
        (None, None) => String::new(),
    };
    let desc = out.desc.trim();
    // Messages like "Manager server error: %s" often carry `desc` already.
    let desc = if head.contains(desc) { "" } else { desc };
    let text = match (head.is_empty(), desc.is_empty()) {
        (false, false) => format!("{head} — {desc}"),
        (false, true) => head,
        (true, false) => desc.to_string(),
        (true, true) => "no message".to_string(),
    };
    one_line(&text)
}

/// Newlines and runs of blanks collapsed, so a message fits the status line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Applies the caller's type to `data`. Empty payloads (`null`, `""`) read as `{}`.
pub fn decode_data<T: DeserializeOwned>(path: &str, data: Value) -> Result<T, BackendError> {
    let data = match data {
        Value::Null => Value::Object(Default::default()),
        Value::String(s) if s.trim().is_empty() => Value::Object(Default::default()),
        other => other,
    };
    serde_json::from_value(data).map_err(|e| BackendError::Decode {
        path: path.to_string(),
        reason: format!("data does not match the documented shape: {e}"),
    })
}

/// Clusters (or namespaces) a fan-out list could not read.
pub fn range_failures(states: &[RangeState], lang: Language) -> Vec<ClusterFailure> {
    let mut out: Vec<ClusterFailure> = Vec::new();
    for st in states {
        let Some(result) = &st.result else { continue };
        let Some(code) = result.code().filter(|c| *c != 0) else {
            continue;
        };
        let mut message = format!("error {code}: {}", compose_message(result, lang));
        if let Some(ns) = st
            .namespace_name
            .non_empty()
            .or(st.namespace_uuid.non_empty())
        {
            message = format!("{message} (namespace {ns})");
        }
        let failure = ClusterFailure {
            cluster_id: st.cluster_uuid.0.clone(),
            cluster_name: st
                .cluster_name
                .non_empty()
                .unwrap_or(st.cluster_uuid.as_str())
                .to_string(),
            message,
        };
        if !out.contains(&failure) {
            out.push(failure);
        }
    }
    out
}

/// The outcome of a batch call.
#[derive(Debug, PartialEq)]
pub struct BatchOutcome {
    pub succeeded: Vec<String>,
    /// `(label, code, message)` of each failed item.
    pub failed: Vec<(String, i64, String)>,
    /// The platform's own `fail` count when it exceeds the failed items it listed.
    pub unlisted_failures: u64,
}

impl BatchOutcome {
    pub fn all_ok(&self) -> bool {
        self.failed.is_empty() && self.unlisted_failures == 0
    }

    pub fn none_ok(&self) -> bool {
        self.succeeded.is_empty()
    }

    /// "sdb: <message>; sdc: <message>" for the failed items.
    pub fn failure_text(&self) -> String {
        let mut parts: Vec<String> = self
            .failed
            .iter()
            .map(|(label, code, msg)| format!("{label}: error {code}: {msg}"))
            .collect();
        if self.unlisted_failures > 0 {
            parts.push(format!(
                "{} more failure(s) the platform did not detail",
                self.unlisted_failures
            ));
        }
        parts.join("; ")
    }

    /// As an error (for a batch in which nothing succeeded).
    pub fn to_error(&self) -> BackendError {
        let code = self.failed.first().map_or(0, |f| f.1);
        BackendError::Platform {
            platform: Platform::TopHc,
            code: code.to_string(),
            message: self.failure_text(),
        }
    }
}

/// Checks every `results[i].scode` of a `BatchOutput` (the outer scode is 0 even when
/// items fail). `label` names an item from the `data` it echoes.
pub fn check_batch(
    path: &str,
    data: Value,
    lang: Language,
    label: impl Fn(usize, &Value) -> String,
) -> Result<BatchOutcome, BackendError> {
    let batch: BatchOutput = decode_data(path, data)?;
    let mut outcome = BatchOutcome {
        succeeded: Vec::new(),
        failed: Vec::new(),
        unlisted_failures: 0,
    };
    for (i, item) in batch.results.iter().enumerate() {
        let name = label(i, &item.data);
        match item.code() {
            Some(0) => outcome.succeeded.push(name),
            Some(code) => outcome
                .failed
                .push((name, code, compose_message(item, lang))),
            None => outcome.failed.push((
                name,
                -1,
                "the platform gave no result code for this item".into(),
            )),
        }
    }
    let reported = batch.fail.unsigned().unwrap_or(0);
    let listed = outcome.failed.len() as u64;
    if reported > listed {
        outcome.unlisted_failures = reported - listed;
    }
    Ok(outcome)
}
