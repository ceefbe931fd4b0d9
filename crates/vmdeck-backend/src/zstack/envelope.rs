//! What an answer means, before anyone decodes its payload (ENDPOINTS §4, §6).
//!
//! * API failures are JSON `{"error": ErrorCode}`, normally with 503 (sync replies and
//!   api-jobs alike); the error is read from any status, 200 included.
//! * RestServer's own refusals (bad header, bad `q`, missing action key, unknown URL,
//!   expired job, exceptions) are plain text with 400/404/405/500.
//! * `ID.1001` is an invalid or expired session: the caller logs in again.

use super::wire::{ErrorCode, ErrorReply};
use crate::BackendError;
use crate::http::excerpt;
use vmdeck_model::Platform;

/// The code of an invalid or expired session.
pub const SESSION_INVALID: &str = "ID.1001";
/// The code of a refused login.
pub const AUTH_FAILED: &str = "ID.1000";

/// The error an answer carries, if its body is `{"error": {...}}` with something in it.
pub fn error_of(body: &[u8]) -> Option<ErrorCode> {
    let trimmed = body.trim_ascii_start();
    if !trimmed.starts_with(b"{") {
        return None;
    }
    let reply: ErrorReply = serde_json::from_slice(body).ok()?;
    reply
        .error
        .0
        .filter(|e| e.code.non_empty().is_some() || e.details.non_empty().is_some())
}

/// `description: details` (the generic text for the code, then the specific one), with
/// the elaboration and the root cause when they add something.
pub fn compose(e: &ErrorCode) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        let s = s.trim();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(s)) {
            parts.retain(|p| !s.contains(p.as_str()));
            parts.push(s.to_string());
        }
    };
    add(&e.description);
    add(&e.details);
    add(&e.elaboration);
    let mut cause = e.cause.0.as_deref();
    let mut depth = 0;
    while let Some(c) = cause {
        // The innermost cause says what actually went wrong; a chain can be long.
        if c.cause.0.is_none() || depth >= 8 {
            let text = [c.description.trim(), c.details.trim()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            if !text.is_empty() {
                let code = c
                    .code
                    .non_empty()
                    .map(|c| format!("{c} "))
                    .unwrap_or_default();
                add(&format!("caused by {code}{text}"));
            }
            break;
        }
        cause = c.cause.0.as_deref();
        depth += 1;
    }
    if parts.is_empty() {
        "no description given".into()
    } else {
        parts.join(": ")
    }
}

pub fn platform_error(e: &ErrorCode) -> BackendError {
    BackendError::Platform {
        platform: Platform::ZStack,
        code: e.code.non_empty().unwrap_or("(no code)").to_string(),
        message: compose(e),
    }
}

/// True for the platform error of an expired or invalid session.
pub fn is_session_error(e: &BackendError) -> bool {
    matches!(e, BackendError::Platform { platform: Platform::ZStack, code, .. } if code == SESSION_INVALID)
}

/// The error for a status that is not success: the platform's own when the body carries
/// one, else the plain text RestServer (or a proxy) sent.
pub fn failure(path: &str, status: u16, body: &[u8]) -> BackendError {
    match error_of(body) {
        Some(e) => platform_error(&e),
        None => BackendError::Http {
            status,
            path: path.to_string(),
            excerpt: excerpt(body),
        },
    }
}

/// Checks a sync answer: `Ok` for a 2xx body without an error in it.
pub fn check(path: &str, status: u16, body: &[u8]) -> Result<(), BackendError> {
    if (200..300).contains(&status) {
        match error_of(body) {
            Some(e) => Err(platform_error(&e)),
            None => Ok(()),
        }
    } else {
        Err(failure(path, status, body))
    }
}

/// The job uuid at the end of a `location` (`…/api-jobs/<uuid>`), whatever host it names.
pub fn job_of_location(location: &str) -> Option<&str> {
    let last = location
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()?
        .split(['?', '#'])
        .next()?;
    is_job_uuid(last).then_some(last)
}

/// 32 hex digits, as ZStack writes uuids.
pub fn is_job_uuid(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_and_details_without_repeats() {
        let e: ErrorCode = serde_json::from_str(
            r#"{"code":"SYS.1006","description":"An operation failed","details":"unable to reset volume"}"#,
        )
        .unwrap();
        assert_eq!(compose(&e), "An operation failed: unable to reset volume");
        let e: ErrorCode =
            serde_json::from_str(r#"{"code":"X","description":"boom","details":"boom"}"#).unwrap();
        assert_eq!(compose(&e), "boom");
        let e: ErrorCode = serde_json::from_str(r#"{"code":"X"}"#).unwrap();
        assert_eq!(compose(&e), "no description given");
    }

    #[test]
    fn the_root_cause_is_named() {
        let e: ErrorCode = serde_json::from_str(
            r#"{"code":"SYS.1004","description":"delete resource error","details":"failed to delete",
                "cause":{"code":"SYS.1006","description":"An operation failed",
                  "cause":{"code":"PS.1000","description":"primary storage error","details":"disk full"}}}"#,
        )
        .unwrap();
        assert_eq!(
            compose(&e),
            "delete resource error: failed to delete: caused by PS.1000 primary storage error: disk full"
        );
    }

    #[test]
    fn an_odd_cause_does_not_hide_the_error() {
        // A 2xx carrying an error is still an error, whatever shape its `cause` has.
        for cause in [r#""disk full""#, "[]", "7", "null"] {
            let body = format!(
                r#"{{"error":{{"code":"SYS.1006","description":"An operation failed","cause":{cause}}}}}"#
            );
            let e = error_of(body.as_bytes()).unwrap_or_else(|| panic!("cause {cause}"));
            assert_eq!(e.code.as_str(), "SYS.1006");
            assert!(check("/x", 200, body.as_bytes()).is_err(), "cause {cause}");
        }
        // An `error` that is not an object is no error at all.
        assert!(error_of(br#"{"error":"","inventory":{}}"#).is_none());
    }

    #[test]
    fn locations_give_their_job_whatever_the_host() {
        assert_eq!(
            job_of_location(
                "http://172.20.0.10:8080/zstack/v1/api-jobs/5a1d3c7e9b2f4e6a8c0d1e2f3a4b5c6d"
            ),
            Some("5a1d3c7e9b2f4e6a8c0d1e2f3a4b5c6d")
        );
        assert_eq!(
            job_of_location("http://localhost:8989/v1/api-jobs/967a26b7431c49c0b1d50d709ef1aef3/"),
            Some("967a26b7431c49c0b1d50d709ef1aef3")
        );
        assert_eq!(job_of_location("http://x/v1/api-jobs/"), None);
        assert_eq!(job_of_location(""), None);
        assert_eq!(job_of_location("api-jobs/not-a-uuid"), None);
    }

    #[test]
    fn plain_text_and_json_failures() {
        let e = failure(
            "/zstack/v1/vm-instances",
            400,
            b"missing header 'Authorization'",
        );
        assert_eq!(
            e,
            BackendError::Http {
                status: 400,
                path: "/zstack/v1/vm-instances".into(),
                excerpt: "missing header 'Authorization'".into()
            }
        );
        let e = failure(
            "/x",
            503,
            br#"{"error":{"code":"ID.1001","description":"The session is invalid","details":"Session expired"}}"#,
        );
        assert!(is_session_error(&e), "{e}");
        assert!(e.to_string().contains("Session expired"), "{e}");
        assert!(check("/x", 200, br#"{"inventories":[]}"#).is_ok());
        assert!(check("/x", 200, br#"{"error":{"code":"SYS.1000"}}"#).is_err());
        // An empty "error" object is not an error.
        assert!(check("/x", 200, br#"{"error":{}}"#).is_ok());
    }
}
