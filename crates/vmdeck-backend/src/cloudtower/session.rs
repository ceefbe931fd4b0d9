//! Login, the token, and the one path every request takes.
//!
//! * A password profile logs in (`POST /v2/api/login`, `source` LOCAL or LDAP) and keeps
//!   the password (a `SecretString`) only to log in again; it is never logged or put in an
//!   error. A token profile uses the secret it was given as the token and cannot renew it.
//! * The token goes raw in `Authorization` (no `Bearer`), and `content-language` follows
//!   the profile's language on every call that declares it.
//! * A 401 mid-session renews a password session once. A read is then repeated once; a
//!   mutation never is: it fails saying nothing was done (the platform refused it before
//!   acting), so the operator decides.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::answer::{self, Answer};
use super::wire::{LoginResponse, WithTask};
use crate::credential::Credential;
use crate::http::{self, HttpCall};
use crate::{BackendError, Result};
use crate::{Language, LoginSource};
use vmdeck_model::Platform;

/// Every operation lives below this prefix (the spec's paths are relative to it).
pub const PREFIX: &str = "/v2/api";

/// The full path of a spec operation, e.g. `op("get-vms")` = `/v2/api/get-vms`.
pub fn op(name: &str) -> String {
    format!("{PREFIX}/{name}")
}

pub const LOGIN: &str = "/v2/api/login";

/// Operations whose spec declares no `content-language` header (ENDPOINTS §2.12).
const NO_LANGUAGE: &[&str] = &["/v2/api/get-backup-restore-point-metadata"];

/// Whether a request may be repeated after the session is renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Read,
    Mutation,
}

/// How this session proves who it is.
pub enum Credentials {
    Password {
        user: String,
        source: LoginSource,
    },
    /// An API key from the CloudTower UI, used as the token.
    Token,
}

/// A logged-in CloudTower session, shared (behind an `Arc`) by the backend and its watches.
pub struct Api {
    http: reqwest::Client,
    base: String,
    language: &'static str,
    credentials: Credentials,
    /// Kept only to log in again; empty for a token session.
    password: SecretString,
    token: Credential,
    timeout: Duration,
}

pub fn language_header(lang: Language) -> &'static str {
    match lang {
        Language::English => "en-US",
        Language::Chinese => "zh-CN",
    }
}

pub fn source_name(source: LoginSource) -> &'static str {
    match source {
        LoginSource::Local => "LOCAL",
        LoginSource::Ldap => "LDAP",
    }
}

impl Api {
    /// `secret` is the password, or for [`Credentials::Token`] the token itself.
    pub fn new(
        http: reqwest::Client,
        base: String,
        language: Language,
        credentials: Credentials,
        secret: SecretString,
        timeout: Duration,
    ) -> Self {
        let empty = || SecretString::from(String::new());
        let (password, token) = match credentials {
            Credentials::Password { .. } => (secret, empty()),
            Credentials::Token => (empty(), secret),
        };
        Self {
            http,
            base,
            language: language_header(language),
            credentials,
            password,
            token: Credential::new(token),
            timeout,
        }
    }

    pub fn uses_token(&self) -> bool {
        matches!(self.credentials, Credentials::Token)
    }

    /// Logs in (password profiles) or checks the token with a cheap read (token
    /// profiles). Errors say what to fix.
    pub async fn start(&self) -> Result<()> {
        match &self.credentials {
            Credentials::Password { .. } => self.login().await,
            Credentials::Token => {
                let call = HttpCall::post(op("get-clusters-connection"), json!({}));
                let token = self.current().0;
                match self.send_once(&call, &token).await {
                    Ok(Answer::Body(_)) => Ok(()),
                    Ok(Answer::SessionRefused(e)) => Err(BackendError::Auth(format!(
                        "CloudTower refused the API token ({}); check token_env/token_command in the profile",
                        describe(&e)
                    ))),
                    Err(e) => Err(self.not_cloudtower(e)),
                }
            }
        }
    }

    /// Errors on the first call that mean "this is not a CloudTower".
    fn not_cloudtower(&self, e: BackendError) -> BackendError {
        match e {
            BackendError::Decode { path, reason } => BackendError::Decode {
                path,
                reason: format!(
                    "{} does not look like a CloudTower ({reason}); check the profile's url",
                    self.base
                ),
            },
            BackendError::Http {
                status: 404,
                path,
                excerpt,
            } => BackendError::Decode {
                path,
                reason: format!(
                    "{} does not look like a CloudTower (HTTP 404: {excerpt}); check the profile's url",
                    self.base
                ),
            },
            other => other,
        }
    }

    /// `POST /v2/api/login`.
    async fn login(&self) -> Result<()> {
        let Credentials::Password { user, source } = &self.credentials else {
            return Err(BackendError::Auth(
                "the API token was refused and cannot be renewed; set a new token in the profile"
                    .into(),
            ));
        };
        let call = login_call(user, *source, &self.password);
        let raw = self.send_raw(&call, None).await?;
        let status = raw.status.as_u16();
        let refused = |msg: String| {
            BackendError::Auth(format!(
                "CloudTower refused user \"{user}\" ({} login): {msg}; check username, password and login_source in the profile",
                source_name(*source).to_lowercase()
            ))
        };
        if !raw.status.is_success() {
            if let Some(e) = answer::error_body(&raw.body) {
                let (code, message) =
                    answer::code_and_message(status, &e, request_id(&raw.headers).as_deref());
                return Err(refused(format!("{message} (error {code})")));
            }
            if matches!(status, 401 | 403) {
                return Err(refused(format!("HTTP {status}")));
            }
            return Err(self.not_cloudtower(BackendError::Http {
                status,
                path: LOGIN.into(),
                excerpt: raw.text_excerpt(),
            }));
        }
        let answer: WithTask<LoginResponse> =
            answer::decode(LOGIN, &raw.body).map_err(|e| self.not_cloudtower(e))?;
        let Some(token) = answer.data.token.non_empty() else {
            return Err(BackendError::Decode {
                path: LOGIN.into(),
                reason: "login succeeded but the answer holds no token".into(),
            });
        };
        // CloudTower tokens carry no expiry: renewed only when refused.
        self.token.set(token, None);
        tracing::info!(user = %user, "logged in to CloudTower");
        Ok(())
    }

    /// Logs in again unless someone already did since `seen` was current.
    async fn relogin(&self, seen: u64) -> Result<()> {
        self.token
            .renew(Platform::CloudTower, seen, || self.login())
            .await
    }

    fn current(&self) -> (String, u64) {
        self.token.current()
    }

    /// One HTTP exchange with the session headers. `token` is `None` only for login.
    async fn send_raw(&self, call: &HttpCall, token: Option<&str>) -> Result<http::RawResponse> {
        let mut headers: Vec<(&str, String)> = Vec::with_capacity(2);
        if let Some(t) = token {
            headers.push(("Authorization", t.to_string()));
        }
        if !NO_LANGUAGE.contains(&call.path.as_str()) {
            headers.push(("content-language", self.language.to_string()));
        }
        http::send(&self.http, &self.base, call, &headers)
            .await
            .map_err(|e| match e {
                // `http::classify` cannot know this profile's timeout.
                BackendError::Timeout { path, .. } => BackendError::Timeout {
                    path,
                    secs: self.timeout.as_secs().max(1),
                },
                other => other,
            })
    }

    async fn send_once(&self, call: &HttpCall, token: &str) -> Result<Answer> {
        let raw = self.send_raw(call, Some(token)).await?;
        let id = request_id(&raw.headers);
        answer::read_answer(&call.path, raw.status.as_u16(), id.as_deref(), raw.body)
    }

    /// Sends one call and returns its 2xx body. See the module doc for session handling.
    pub async fn exchange(&self, call: &HttpCall, kind: Kind) -> Result<bytes::Bytes> {
        let (token, generation) = self.current();
        let refused = match self.send_once(call, &token).await? {
            Answer::Body(b) => return Ok(b),
            Answer::SessionRefused(e) => e,
        };
        tracing::debug!(path = %call.path, error = %refused, "session refused");
        if self.uses_token() {
            return Err(BackendError::Auth(format!(
                "CloudTower refused the API token ({}); it may have been revoked: set a new one in the profile",
                describe(&refused)
            )));
        }
        self.relogin(generation).await?;
        match kind {
            Kind::Mutation => Err(BackendError::nothing_done(
                Platform::CloudTower,
                &refused,
                "401",
            )),
            Kind::Read => {
                let (token, _) = self.current();
                match self.send_once(call, &token).await? {
                    Answer::Body(b) => Ok(b),
                    Answer::SessionRefused(e) => Err(BackendError::Auth(format!(
                        "CloudTower refused the new session too ({}); check that the user may use this API",
                        describe(&e)
                    ))),
                }
            }
        }
    }

    /// A read decoded as `T`, without retries (watches count their own errors).
    pub async fn read_once<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<T> {
        let body = self.exchange(call, Kind::Read).await?;
        answer::decode(&call.path, &body)
    }

    /// A read decoded as `T`, retried with backoff on transient failures.
    pub async fn read<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<T> {
        http::with_read_retry(|| self.read_once(call)).await
    }

    /// A list read (`get-<plural>`), retried with backoff on transient failures.
    pub async fn read_list<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<Vec<T>> {
        http::with_read_retry(|| self.read_list_once(call)).await
    }

    pub async fn read_list_once<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<Vec<T>> {
        let body = self.exchange(call, Kind::Read).await?;
        answer::decode_list(&call.path, &body, false)
    }

    /// A mutation: sent once, never repeated. Returns the raw 2xx body.
    pub async fn mutate(&self, call: &HttpCall) -> Result<bytes::Bytes> {
        self.exchange(call, Kind::Mutation).await
    }
}

fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("x-tower-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn describe(e: &BackendError) -> String {
    match e {
        BackendError::Platform { code, message, .. } => format!("{message}, error {code}"),
        other => other.to_string(),
    }
}

/// The login call (the preview and logs show it with the password redacted).
pub fn login_call(user: &str, source: LoginSource, password: &SecretString) -> HttpCall {
    HttpCall::post(
        LOGIN,
        json!({
            "username": user,
            "password": password.expose_secret(),
            "source": source_name(source),
        }),
    )
}
