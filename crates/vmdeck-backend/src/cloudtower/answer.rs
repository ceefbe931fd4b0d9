//! Reading one CloudTower answer: the HTTP status says success or failure (unlike TopHC's
//! envelope), failures carry the spec's `ErrorBody`, and 401 means the token was refused.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::wire::ErrorBody;
use crate::BackendError;
use crate::http;
use vmdeck_model::Platform;

/// What one answer says, before the caller's type is applied.
#[derive(Debug)]
pub enum Answer {
    /// 2xx: the body.
    Body(bytes::Bytes),
    /// 401: the token is missing, unknown or expired; nothing was done.
    SessionRefused(BackendError),
}

/// Interprets status and body of one answer to `path`. `request_id` is the answer's
/// `x-tower-request-id`, quoted in errors so an operator can hand it to support.
pub fn read_answer(
    path: &str,
    status: u16,
    request_id: Option<&str>,
    body: bytes::Bytes,
) -> Result<Answer, BackendError> {
    if (200..300).contains(&status) {
        return Ok(Answer::Body(body));
    }
    let platform = error_body(&body).map(|e| platform_error(status, &e, request_id));
    if status == 401 {
        return Ok(Answer::SessionRefused(platform.unwrap_or_else(|| {
            BackendError::Platform {
                platform: Platform::CloudTower,
                code: "401".into(),
                message: format!("session refused: {}", http::excerpt(&body)),
            }
        })));
    }
    if let Some(e) = platform {
        return Err(e);
    }
    if status == 304 {
        return Err(BackendError::Platform {
            platform: Platform::CloudTower,
            code: "304".into(),
            message: "Not Modified: CloudTower changed nothing".into(),
        });
    }
    let excerpt = if status == 404 {
        format!(
            "{} — this server has no such operation (is the url a CloudTower, version 4.4 or later?)",
            http::excerpt(&body)
        )
    } else {
        http::excerpt(&body)
    };
    Err(BackendError::Http {
        status,
        path: path.to_string(),
        excerpt,
    })
}

/// The spec's `ErrorBody`, if the body is one (an object with a text `message`).
pub fn error_body(body: &[u8]) -> Option<ErrorBody> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let has_message = value
        .get("message")
        .and_then(Value::as_str)
        .is_some_and(|m| !m.trim().is_empty());
    if !has_message {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// `Platform { code: <ErrorBody.code, else the HTTP status>, message }`.
pub fn platform_error(status: u16, e: &ErrorBody, request_id: Option<&str>) -> BackendError {
    let (code, message) = code_and_message(status, e, request_id);
    BackendError::Platform {
        platform: Platform::CloudTower,
        code,
        message,
    }
}

/// The code (`ErrorBody.code`, else its `status`, else the HTTP status) and the message,
/// with the request id appended when there is one.
pub fn code_and_message(status: u16, e: &ErrorBody, request_id: Option<&str>) -> (String, String) {
    let code = e
        .code
        .non_empty()
        .map(str::to_string)
        .or_else(|| e.status.get().filter(|s| *s > 0).map(|s| s.to_string()))
        .unwrap_or_else(|| status.to_string());
    let mut message = e.message.trim().to_string();
    if let Some(id) = request_id.map(str::trim).filter(|s| !s.is_empty()) {
        message.push_str(&format!(" (request {id})"));
    }
    (code, message)
}

/// Decodes a 2xx body as `T`, saying what was wrong and where.
pub fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, BackendError> {
    let value: Value = http::decode(path, body)?;
    decode_value(path, value)
}

pub fn decode_value<T: DeserializeOwned>(path: &str, value: Value) -> Result<T, BackendError> {
    let kind = http::kind_of(&value);
    serde_json::from_value(value).map_err(|e| BackendError::Decode {
        path: path.to_string(),
        reason: format!("the answer ({kind}) does not match the CloudTower spec: {e}"),
    })
}

/// A list answer (`get-<plural>`, a mutation's `WithTask[]`).
///
/// `single_ok`: a single object where the spec has a list is taken as a list of one. Real
/// servers answer a single `WithTask` when sent a single object instead of an array
/// (ENDPOINTS §1), so mutations accept it; reads do not (an object there is not a page).
/// An `ErrorBody` sent with a 2xx status is still an error.
pub fn decode_list<T: DeserializeOwned>(
    path: &str,
    body: &[u8],
    single_ok: bool,
) -> Result<Vec<T>, BackendError> {
    let value: Value = http::decode(path, body)?;
    match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                decode_value(path, item).map_err(|e| match e {
                    BackendError::Decode { path, reason } => BackendError::Decode {
                        path,
                        reason: format!("item {}: {reason}", i + 1),
                    },
                    other => other,
                })
            })
            .collect(),
        Value::Object(ref map) if map.contains_key("message") && map.contains_key("status") => {
            match error_body(body) {
                Some(e) => Err(platform_error(0, &e, None)),
                None => Err(BackendError::Decode {
                    path: path.to_string(),
                    reason: "expected a list, got an object".into(),
                }),
            }
        }
        Value::Object(_) if single_ok => Ok(vec![decode_value(path, value)?]),
        other => Err(BackendError::Decode {
            path: path.to_string(),
            reason: format!("expected a list, got {}", http::kind_of(&other)),
        }),
    }
}
