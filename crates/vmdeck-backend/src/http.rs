//! HTTP plumbing shared by every platform: building the client (TLS options), sending one
//! call, classifying what went wrong, and reading bodies that may not be what they claim.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::BackendError;

/// One HTTP call, exactly as it will be sent (minus credentials). Used for the preview
/// dialog *and* for sending, so the two cannot drift apart.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpCall {
    pub method: Method,
    /// Path below the base URL, starting with `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Extra headers (never credentials) the preview should show, e.g. ZStack's X-Job-UUID.
    pub headers: Vec<(String, String)>,
}

impl HttpCall {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
        }
    }

    pub fn new(method: Method, path: impl Into<String>, body: Option<Value>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body,
            headers: Vec::new(),
        }
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::POST, path, Some(body))
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn header(mut self, key: &str, value: impl Into<String>) -> Self {
        self.headers.push((key.to_string(), value.into()));
        self
    }

    /// `path?query` with the query percent-encoded, as it goes on the wire.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let q = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.query.iter())
            .finish();
        format!("{}?{q}", self.path)
    }
}

/// Keys whose values never appear in previews or logs.
const SECRET_KEYS: &[&str] = &[
    "password",
    "pass_word",
    "pwd",
    "token",
    "secret",
    "iscsi_chap_secret",
    "mysqlRootPassword",
];

/// The body with secret-looking fields replaced by `"••••"`.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let secret = SECRET_KEYS.iter().any(|s| k.eq_ignore_ascii_case(s));
                    let v = if secret && !v.is_null() {
                        Value::String("••••".into())
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

impl fmt::Display for HttpCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path_and_query())?;
        for (k, v) in &self.headers {
            write!(f, "\n{k}: {v}")?;
        }
        if let Some(body) = &self.body {
            let pretty = serde_json::to_string_pretty(&redact(body)).unwrap_or_default();
            write!(f, "\n{pretty}")?;
        }
        Ok(())
    }
}

/// TLS and timeout settings for one profile.
#[derive(Clone, Debug, Default)]
pub struct HttpOptions {
    pub insecure_tls: bool,
    pub ca_cert: Option<PathBuf>,
    /// Per-request timeout; `None` uses [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the client for one profile. Errors are one line naming the setting to fix.
pub fn build_client(opts: &HttpOptions) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("vmdeck/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(opts.timeout.unwrap_or(DEFAULT_TIMEOUT))
        .pool_idle_timeout(Duration::from_secs(60));
    if let Some(path) = &opts.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read ca_cert {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("ca_cert {} is not a PEM certificate: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("ca_cert {} holds no certificate", path.display()));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if opts.insecure_tls {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up HTTP client: {e}"))
}

/// A profile's url as the server's root: trimmed, without a trailing `/`, and without the
/// first of `api_prefixes` it ends with (the paths a backend sends start with its prefix,
/// and operators paste the url either way).
pub fn server_root(url: &str, api_prefixes: &[&str]) -> String {
    let mut root = url.trim().trim_end_matches('/').to_string();
    if let Some(prefix) = api_prefixes.iter().find(|p| root.ends_with(**p)) {
        root.truncate(root.len() - prefix.len());
    }
    root.trim_end_matches('/').to_string()
}

/// Refuses a server root that is not an http(s) URL, naming the profile's `url` as written.
pub fn check_server_root(root: &str, url: &str) -> Result<(), BackendError> {
    let parsed = url::Url::parse(root).map_err(|e| {
        BackendError::Refused(format!("url \"{url}\" is not a URL ({e}); fix the profile"))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(BackendError::Refused(format!(
            "url must start with http:// or https://, not {}://",
            parsed.scheme()
        )));
    }
    Ok(())
}

/// What came back, before anyone interprets it.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

impl RawResponse {
    pub fn text_excerpt(&self) -> String {
        excerpt(&self.body)
    }
}

/// Sends one call to `base` + call.path. `auth` headers are added here and nowhere else, so
/// they never reach a preview.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    call: &HttpCall,
    auth: &[(&str, String)],
) -> Result<RawResponse, BackendError> {
    let url = format!("{}{}", base.trim_end_matches('/'), call.path_and_query());
    let mut req = client.request(call.method.clone(), &url);
    for (k, v) in auth
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(call.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    {
        req = req.header(k, v);
    }
    if let Some(body) = &call.body {
        req = req.json(body);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| classify(&e, base, &call.path))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp
        .bytes()
        .await
        .map_err(|e| classify(&e, base, &call.path))?;
    Ok(RawResponse {
        status,
        content_type,
        headers,
        body,
    })
}

/// Sorts a reqwest failure into "never sent" versus "sent, answer lost".
pub fn classify(e: &reqwest::Error, base: &str, path: &str) -> BackendError {
    let reason = root_cause(e);
    if e.is_connect() {
        BackendError::Connect {
            url: base.to_string(),
            reason: tls_reason(&reason).unwrap_or(reason),
        }
    } else if e.is_timeout() {
        BackendError::Timeout {
            path: path.to_string(),
            secs: DEFAULT_TIMEOUT.as_secs(),
        }
    } else if e.is_builder() {
        BackendError::Refused(format!("bad request for {path}: {reason}"))
    } else if base.starts_with("http://") && reason.contains("invalid HTTP version") {
        // A TLS server answers plain HTTP with a TLS alert, which is not HTTP at all.
        BackendError::Transport {
            path: path.to_string(),
            reason: format!(
                "{reason} — the answer is not HTTP; if the server speaks HTTPS, use https:// in the url"
            ),
        }
    } else {
        BackendError::Transport {
            path: path.to_string(),
            reason,
        }
    }
}

/// A handshake failure said in the operator's terms, with what to change; `None` when it
/// is not about TLS. rustls names the problem ("invalid peer certificate: UnknownIssuer",
/// "received corrupt message of type InvalidContentType"), not its fix.
fn tls_reason(reason: &str) -> Option<String> {
    const FIX: &str = "pass --ca-cert FILE (its CA certificate) or --insecure; in a profile: ca_cert = FILE or insecure_tls = true";
    if reason.contains("InvalidContentType") {
        return Some(format!(
            "the server speaks plain HTTP, not HTTPS ({reason}); use http:// in the url"
        ));
    }
    if !reason.to_ascii_lowercase().contains("certificate") {
        return None;
    }
    let what = if reason.contains("UnknownIssuer") {
        "the server's certificate is not trusted: it is self-signed or from a CA this host does not know"
    } else if reason.contains("NotValidForName") {
        "the server's certificate is not made out to this host name"
    } else {
        "the server's certificate is not accepted"
    };
    Some(format!("{what} ({reason}) — {FIX}"))
}

/// The innermost error message, which is the one that says what happened
/// ("connection refused", "invalid peer certificate: UnknownIssuer").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// A short, single-line view of a body for error messages (HTML tags stripped).
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut out = String::new();
    let mut in_tag = false;
    for ch in text.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    let out = out.trim();
    let mut short: String = out.chars().take(160).collect();
    if out.chars().count() > 160 {
        short.push('…');
    }
    if short.is_empty() {
        "(empty body)".into()
    } else {
        short
    }
}

/// Decodes JSON with an error that says what was wrong and where.
pub fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, BackendError> {
    let trimmed = body.trim_ascii_start();
    if trimmed.is_empty() {
        return Err(BackendError::Decode {
            path: path.into(),
            reason: "empty body".into(),
        });
    }
    if trimmed.starts_with(b"<") {
        return Err(BackendError::Decode {
            path: path.into(),
            reason: format!("got an HTML page instead of JSON: {}", excerpt(body)),
        });
    }
    serde_json::from_slice(body).map_err(|e| BackendError::Decode {
        path: path.into(),
        reason: match e.classify() {
            serde_json::error::Category::Eof => "the JSON was cut off (truncated answer)".into(),
            serde_json::error::Category::Syntax => {
                format!("not valid JSON ({e}): {}", excerpt(body))
            }
            _ => format!("{e}"),
        },
    })
}

/// What a JSON value is, for messages about an answer of the wrong shape.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Retries a read with backoff when the failure looks transient. Never use for mutations.
pub async fn with_read_retry<T, F, Fut>(mut attempt: F) -> Result<T, BackendError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BackendError>>,
{
    const DELAYS: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(800)];
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(e) if e.is_transient() && tries < DELAYS.len() => {
                tracing::debug!(error = %e, "read failed, retrying");
                tokio::time::sleep(DELAYS[tries]).await;
                tries += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn preview_redacts_secrets_anywhere() {
        let call = HttpCall::post(
            "/v1/authentication/login",
            json!({"user":"admin","password":"abc","nested":[{"token":"t"}]}),
        );
        let shown = call.to_string();
        assert!(shown.starts_with("POST /v1/authentication/login"));
        assert!(!shown.contains("abc"));
        assert!(!shown.contains("\"t\""));
        assert!(shown.contains("admin"));
    }

    #[test]
    fn query_is_encoded_in_preview() {
        let call = HttpCall::get("/v1/compute/list")
            .query("filter_name", "a b&c")
            .query("page_num", 0);
        assert_eq!(
            call.path_and_query(),
            "/v1/compute/list?filter_name=a+b%26c&page_num=0"
        );
    }

    #[test]
    fn decode_explains_html_truncation_and_empty() {
        let e = decode::<Value>("/x", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
            .unwrap_err();
        assert!(e.to_string().contains("HTML page"), "{e}");
        assert!(e.to_string().contains("502 Bad Gateway"), "{e}");
        let e = decode::<Value>("/x", br#"{"scode":0,"data":{"li"#).unwrap_err();
        assert!(e.to_string().contains("cut off"), "{e}");
        let e = decode::<Value>("/x", b"  ").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn excerpt_is_single_line_and_short() {
        let long = "x".repeat(500);
        let e = excerpt(format!("<p>\n{long}\n</p>").as_bytes());
        assert!(!e.contains('\n'));
        assert!(e.chars().count() <= 161);
    }
}
