//! The CloudTower wire conventions: `ErrorBody`, the `content-language` header, the
//! `x-tower-request-id` header, timestamps and ids.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Value, json};

/// `content-language`: `zh-CN` gives Chinese task descriptions and error messages;
/// `en-US`, `*`, anything else or no header gives English.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn from_headers(h: &HeaderMap) -> Lang {
        match h.get("content-language").and_then(|v| v.to_str().ok()) {
            Some(v) if v.trim().to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// A refusal, answered as the spec's `ErrorBody`.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub en: String,
    pub zh: String,
    /// `ErrorCode`: only `ResourceLocked` exists in 4.6.0.
    pub code: Option<&'static str>,
    pub props: Option<Value>,
}

pub type ApiResult = Result<Value, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError {
            status,
            en: en.into(),
            zh: zh.into(),
            code: None,
            props: None,
        }
    }

    pub fn bad(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, en, zh)
    }

    pub fn not_found(what: &str, what_zh: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("{what} {id} not found"),
            format!("{what_zh} {id} 不存在"),
        )
    }

    /// 400 with code `ResourceLocked`: the resource is busy with another task.
    pub fn locked(what: &str, what_zh: &str, name: &str, task: &str) -> Self {
        let mut e = Self::bad(
            format!("{what} {name} is locked by a running task ({task})"),
            format!("{what_zh} {name} 正在执行其他任务（{task}），资源已锁定"),
        );
        e.code = Some("ResourceLocked");
        e.props = Some(json!({ "task_id": task }));
        e
    }

    pub fn unauthorized(why: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            format!("Unauthorized: {why}"),
            format!("未授权：{why}"),
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
            "服务器内部错误",
        )
    }

    /// The spec's `ErrorBody`. `code`, `props`, `stack` and `operationName` are not
    /// nullable there, so they are left out rather than sent as `null`; production
    /// servers send no `stack`.
    pub fn body(&self, path: &str, operation: Option<&str>, lang: Lang) -> Value {
        let mut b = json!({
            "message": lang.pick(&self.en, &self.zh),
            "status": self.status.as_u16(),
            "path": path,
        });
        if let Some(code) = self.code {
            b["code"] = json!(code);
        }
        if let Some(p) = &self.props {
            b["props"] = p.clone();
        }
        if let Some(op) = operation {
            b["operationName"] = json!(op);
        }
        b
    }
}

static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(1);

/// A fresh `x-tower-request-id` (uuid-shaped, unique within the process).
pub fn request_id() -> String {
    let n = REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mix = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (n >> 7);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (mix >> 32) as u32,
        (mix >> 16) as u16,
        (mix & 0xfff) as u16,
        (n >> 48) as u16 & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

/// A JSON answer (the router's layer adds `x-tower-request-id`).
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

pub fn add_request_id(resp: &mut Response) {
    if let Ok(v) = HeaderValue::from_str(&request_id()) {
        resp.headers_mut().insert("x-tower-request-id", v);
    }
}

/// One object from the keys of several (big models are built from a few `json!` parts,
/// which keeps the macro under the default recursion limit).
pub fn join_all<const N: usize>(parts: [Value; N]) -> Value {
    let mut all = serde_json::Map::new();
    for p in parts {
        if let Value::Object(o) = p {
            all.extend(o);
        }
    }
    Value::Object(all)
}

/// RFC 3339, UTC, milliseconds: `2025-12-25T06:26:25.000Z`.
pub fn ts(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn base36(mut v: u64, width: usize, out: &mut String) {
    let mut buf = [b'0'; 8];
    let buf = &mut buf[..width.min(8)];
    for slot in buf.iter_mut().rev() {
        *slot = BASE36[(v % 36) as usize];
        v /= 36;
    }
    out.push_str(std::str::from_utf8(buf).unwrap_or("0"));
}

/// A 25-character cuid: `c`, the creation time (ms, 8 base-36 digits), a counter (4), a
/// fingerprint (4) and randomness (8). Ids sort by creation time, as real ones do.
pub fn cuid(ms: i64, counter: u64, fingerprint: u64, rng: &mut impl Rng) -> String {
    let mut s = String::with_capacity(25);
    s.push('c');
    base36(ms.max(0) as u64 % 36u64.pow(8), 8, &mut s);
    base36(counter % 36u64.pow(4), 4, &mut s);
    base36(fingerprint % 36u64.pow(4), 4, &mut s);
    base36(rng.random_range(0..36u64.pow(8)), 8, &mut s);
    s
}

/// A random version-4 uuid (the `local_id` of most resources).
pub fn uuid(rng: &mut impl Rng) -> String {
    crate::ids::Uid::random(rng).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(ts(1_766_643_985_000), "2025-12-25T06:26:25.000Z");
        assert_eq!(ts(1_766_643_985_123), "2025-12-25T06:26:25.123Z");
    }

    #[test]
    fn cuids_and_uuids_have_the_real_shapes() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let a = cuid(1_766_643_985_000, 1, 77, &mut rng);
        let b = cuid(1_766_643_985_001, 2, 77, &mut rng);
        assert_eq!(a.len(), 25);
        assert!(a.starts_with('c'));
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
        assert!(a < b, "ids sort by creation time");
        let u = uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let r = request_id();
        assert_eq!(r.len(), 36);
        assert_ne!(r, request_id());
    }
}
