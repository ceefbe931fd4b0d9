//! Login, the bearer token, and the one path every request takes.
//!
//! * The password (a `SecretString`) is kept only to log in again; it is hashed (MD5, as
//!   TopHC wants) right before sending and never logged or put in an error.
//! * The JWT's `exp` (payload only, no signature check) says when to log in again before
//!   the token runs out.
//! * A refused session (HTTP 401/403, or `scode` 10002/10003) is renewed once. A read is
//!   then repeated once; a mutation never is: it fails saying nothing was done.

use std::time::Duration;

use base64::Engine;
use md5::{Digest, Md5};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::envelope::{self, Answer};
use super::wire::LoginData;
use crate::credential::Credential;
use crate::http::{self, HttpCall};
use crate::{BackendError, Language, Result};
use vmdeck_model::Platform;

pub const LOGIN_PATH: &str = "/v1/authentication/login";

/// Whether a request may be repeated after the session is renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Read,
    Mutation,
}

/// A logged-in TopHC session, shared (behind an `Arc`) by the backend and its watches.
pub struct Api {
    http: reqwest::Client,
    base: String,
    user: String,
    tenant: String,
    password: SecretString,
    token: Credential,
    /// Which of TopHC's two messages leads.
    language: Language,
}

impl Api {
    pub fn new(
        http: reqwest::Client,
        base: String,
        user: String,
        tenant: String,
        password: SecretString,
        language: Language,
    ) -> Self {
        Self {
            http,
            base,
            user,
            tenant,
            password,
            token: Credential::empty(),
            language,
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// `POST /v1/authentication/login`. Errors say what to fix.
    pub async fn login(&self) -> Result<LoginData> {
        let call = login_call(&self.tenant, &self.user, &self.password);
        let raw = http::send(&self.http, &self.base, &call, &[]).await?;
        let not_tophc = |why: String| BackendError::Decode {
            path: LOGIN_PATH.into(),
            reason: format!(
                "{} does not look like a TopHC manager ({why}); check the profile's url",
                self.base
            ),
        };
        let status = raw.status.as_u16();
        if status == 404 {
            return Err(not_tophc("HTTP 404 on the login API".into()));
        }
        let out = match envelope::decode_output(LOGIN_PATH, &raw.body) {
            Ok(out) => out,
            Err(BackendError::Decode { reason, .. }) => {
                return Err(if raw.status.is_success() || raw.status.is_client_error() {
                    not_tophc(reason)
                } else {
                    BackendError::Http {
                        status,
                        path: LOGIN_PATH.into(),
                        excerpt: raw.text_excerpt(),
                    }
                });
            }
            Err(e) => return Err(e),
        };
        let Some(code) = out.code() else {
            return Err(not_tophc("its answer has no scode".into()));
        };
        if code != 0 || matches!(status, 401 | 403) {
            return Err(BackendError::Auth(format!(
                "TopHC refused user \"{}\" in tenant \"{}\": {} (error {code}); check username, password and tenant in the profile",
                self.user,
                self.tenant,
                envelope::compose_message(&out, self.language)
            )));
        }
        if !raw.status.is_success() {
            return Err(BackendError::Http {
                status,
                path: LOGIN_PATH.into(),
                excerpt: raw.text_excerpt(),
            });
        }
        let data: LoginData = envelope::decode_data(LOGIN_PATH, out.data)?;
        let Some(token) = data.token.non_empty() else {
            return Err(BackendError::Decode {
                path: LOGIN_PATH.into(),
                reason: "login succeeded but the answer holds no token".into(),
            });
        };
        self.token.set(token, token_lifetime(token, now_unix()));
        tracing::info!(user = %self.user, tenant = %self.tenant, "logged in to TopHC");
        Ok(data)
    }

    /// Logs in again unless someone already did since `seen` was current.
    async fn relogin(&self, seen: u64) -> Result<()> {
        self.token
            .renew(Platform::TopHc, seen, || async {
                self.login().await.map(|_| ())
            })
            .await
    }

    /// The bearer to use now, renewing first if the token is about to run out.
    async fn bearer(&self) -> Result<(String, u64)> {
        self.token
            .fresh(Platform::TopHc, || async { self.login().await.map(|_| ()) })
            .await
    }

    async fn send_once(&self, call: &HttpCall, bearer: &str) -> Result<Answer> {
        let auth = [("Authorization", format!("Bearer {bearer}"))];
        let raw = http::send(&self.http, &self.base, call, &auth).await?;
        envelope::read_answer(&call.path, raw.status.as_u16(), &raw.body, self.language)
    }

    /// Sends one call and returns its `data`. See the module doc for session handling.
    pub async fn exchange(&self, call: &HttpCall, kind: Kind) -> Result<Value> {
        let (bearer, generation) = self.bearer().await?;
        let refused = match self.send_once(call, &bearer).await? {
            Answer::Data(v) => return Ok(v),
            Answer::SessionRefused(e) => e,
        };
        tracing::debug!(path = %call.path, error = %refused, "session refused");
        self.relogin(generation).await?;
        match kind {
            Kind::Mutation => Err(BackendError::nothing_done(
                Platform::TopHc,
                &refused,
                "session",
            )),
            Kind::Read => {
                let (bearer, _) = self.bearer().await?;
                match self.send_once(call, &bearer).await? {
                    Answer::Data(v) => Ok(v),
                    Answer::SessionRefused(e) => Err(BackendError::Auth(format!(
                        "TopHC refused the new session too ({e}); check that user \"{}\" may use this API",
                        self.user
                    ))),
                }
            }
        }
    }

    /// A read, decoded to `T`, without retries (watches count their own errors).
    pub async fn read_once<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<T> {
        let data = self.exchange(call, Kind::Read).await?;
        envelope::decode_data(&call.path, data)
    }

    /// A read, decoded to `T`, retried with backoff on transient failures.
    pub async fn read<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<T> {
        http::with_read_retry(|| self.read_once(call)).await
    }

    /// A mutation: sent once, never repeated.
    pub async fn mutate(&self, call: &HttpCall) -> Result<Value> {
        self.exchange(call, Kind::Mutation).await
    }

    /// `POST /v1/authentication/logout`, best effort: sent once with the current token,
    /// never preceded by a login (an expired session is as good as logged out).
    pub async fn logout(&self) {
        let call = HttpCall::post("/v1/authentication/logout", json!({}));
        let (bearer, _) = self.token.current();
        match self.send_once(&call, &bearer).await {
            Ok(Answer::Data(_)) => tracing::info!("logged out of TopHC"),
            Ok(Answer::SessionRefused(_)) => {}
            Err(e) => tracing::debug!(error = %e, "logout failed"),
        }
    }
}

/// The login call. The password goes as lower-case hex MD5, as TopHC expects.
pub fn login_call(tenant: &str, user: &str, password: &SecretString) -> HttpCall {
    HttpCall::post(
        LOGIN_PATH,
        json!({
            "tenant": tenant,
            "user": user,
            "password": md5_hex(password.expose_secret()),
            "is_ldap": false,
        }),
    )
}

pub fn md5_hex(s: &str) -> String {
    let digest = Md5::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// How long the token is good for, from its payload: `exp - iat` when both are there
/// (immune to clock skew between us and the manager), else `exp - now`.
pub fn token_lifetime(token: &str, now: i64) -> Option<Duration> {
    let payload = token.split('.').nth(1)?;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(payload.trim()).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let num = |k: &str| match claims.get(k)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let exp = num("exp")?;
    // Checked: these numbers are whatever the server put in its token.
    let secs = match num("iat") {
        Some(iat) if iat <= exp => exp.checked_sub(iat)?,
        _ => exp.checked_sub(now)?,
    };
    (secs > 0).then(|| Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_documented_examples() {
        assert_eq!(md5_hex("admin"), "21232f297a57a5a743894a0e4a801fc3");
        let call = login_call("system", "admin", &SecretString::from("admin"));
        let body = call.body.unwrap();
        assert_eq!(body["password"], "21232f297a57a5a743894a0e4a801fc3");
        assert_eq!(body["tenant"], "system");
        assert_eq!(body["is_ldap"], false);
        // The preview never shows it.
        let shown = login_call("system", "admin", &SecretString::from("admin")).to_string();
        assert!(!shown.contains("21232f29"), "{shown}");
    }

    #[test]
    fn lifetime_from_the_documented_token() {
        // The token of the login example in authentication.md: exp - iat = 300000 s.
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX25hbWUiOiJoaGgiLCJ0ZW5hbnQiOiI0YTdlMjQwYi0xNGFhLTExZTktYjBiOS01MjU2ZmYwMDM0MDAiLCJ1c2VyX3V1aWQiOiI0YTdlMjQwYi0xNGFhLTExZTktYjBiOS01MjU2ZmYwMDM0MDAiLCJyb2xlIjoiYWRtaW5pc3RyYXRvciIsImV4cCI6MTU0NzQwNjU0MCwiaWF0IjoxNTQ3MTA2NTQwfQ.7gTOb26ZxA22fJBuP0WLNammEcrvd-EVWsOpnJBeBHY";
        assert_eq!(token_lifetime(token, 0), Some(Duration::from_secs(300_000)));
    }

    #[test]
    fn lifetime_survives_odd_tokens() {
        assert_eq!(token_lifetime("", 0), None);
        assert_eq!(token_lifetime("a.b.c", 0), None);
        assert_eq!(token_lifetime("a..c", 0), None);
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let t = format!("x.{}.y", b64(r#"{"exp":"1000"}"#));
        assert_eq!(token_lifetime(&t, 400), Some(Duration::from_secs(600)));
        let t = format!("x.{}.y", b64(r#"{"exp":10}"#));
        assert_eq!(token_lifetime(&t, 400), None);
        let t = format!("x.{}.y", b64(r#"[1,2]"#));
        assert_eq!(token_lifetime(&t, 400), None);
        // Numbers at the ends of i64 neither overflow nor panic.
        let t = format!(
            "x.{}.y",
            b64(r#"{"exp":9223372036854775807,"iat":-9223372036854775808}"#)
        );
        assert_eq!(token_lifetime(&t, 400), None);
        let t = format!("x.{}.y", b64(r#"{"exp":-9223372036854775808}"#));
        assert_eq!(token_lifetime(&t, 400), None);
        let t = format!("x.{}.y", b64(r#"{"exp":9223372036854775807,"iat":0}"#));
        assert_eq!(
            token_lifetime(&t, 400),
            Some(Duration::from_secs(i64::MAX as u64))
        );
    }
}
