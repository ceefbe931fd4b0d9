//! Login, the session, and the paths every request takes (ENDPOINTS §2–§4).
//!
//! * The password is hashed (sha512, lower-case hex, as every ZStack client sends it) once
//!   at connect; the hash is a credential too, so it stays a `SecretString`, never logged.
//! * `Authorization: OAuth <session>` on every call. A session lasts `expiredDate -
//!   createDate` (both MN wall-clock, so no zone is needed): it is renewed shortly before.
//! * An expired session shows up as `ID.1001` (sync: a 503 at once; async: the api-job
//!   fails with it). We log in again; a read is repeated once, a mutation never: the
//!   server did nothing and the operator is told so.
//! * Async APIs answer 202; the job is polled on OUR base URL by the uuid we chose (the
//!   `X-Job-UUID` header), never at the host the `location` names.

use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::json;
use sha2::{Digest, Sha512};

use super::envelope::{self, AUTH_FAILED, error_of, is_session_error, platform_error};
use super::wire::{ErrorCode, One, Session, Version};
use crate::credential::Credential;
use crate::http::{self, HttpCall, RawResponse};
use crate::{BackendError, Result};
use vmdeck_model::Platform;

/// Every REST path starts here (the profile's url is the server root).
pub const V1: &str = "/zstack/v1";
pub const LOGIN_PATH: &str = "/zstack/v1/accounts/login";

/// Where an async call stands after it was sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Sent {
    /// 202: the platform took it as job `job`.
    Accepted { job: String },
    /// A 2xx with the result at once (an API that is sync after all).
    Done(Bytes),
}

/// One look at an api-job.
#[derive(Clone, Debug, PartialEq)]
pub enum JobAnswer {
    /// 202.
    Running,
    /// 200 with the API's result.
    Succeeded(Bytes),
    /// 503 (or any answer carrying an `error`).
    Failed(ErrorCode),
    /// 404: unknown uuid, or the result was purged.
    Expired,
}

/// A logged-in ZStack session, shared (behind an `Arc`) by the backend and its watches.
pub struct Api {
    http: reqwest::Client,
    root: String,
    account: String,
    password_sha512: SecretString,
    current: Credential,
}

impl Api {
    pub fn new(
        http: reqwest::Client,
        root: String,
        account: String,
        password: &SecretString,
    ) -> Self {
        Self {
            http,
            root,
            account,
            password_sha512: SecretString::from(sha512_hex(password.expose_secret())),
            current: Credential::empty(),
        }
    }

    /// `PUT /zstack/v1/accounts/login`. Errors say what to fix.
    pub async fn login(&self) -> Result<()> {
        let call = login_call(&self.account, &self.password_sha512);
        let raw = http::send(&self.http, &self.root, &call, &[]).await?;
        let status = raw.status.as_u16();
        let not_zstack = |why: &str| BackendError::Decode {
            path: LOGIN_PATH.into(),
            reason: format!(
                "{} does not look like a ZStack management node ({why}); the profile's url should be the server root, e.g. http://mn:8080",
                self.root
            ),
        };
        if let Some(e) = error_of(&raw.body) {
            let code = e.code.non_empty().unwrap_or("(no code)");
            let hint = if code == AUTH_FAILED {
                "check username (the account name) and password in the profile"
            } else {
                "the management node refused the login"
            };
            return Err(BackendError::Auth(format!(
                "ZStack refused account \"{}\": {} ({code}); {hint}",
                self.account,
                envelope::compose(&e)
            )));
        }
        match status {
            200..=299 => {}
            404 | 405 => return Err(not_zstack(&format!("HTTP {status} on the login API"))),
            _ => return Err(envelope::failure(LOGIN_PATH, status, &raw.body)),
        }
        let reply: One<Session> = http::decode(LOGIN_PATH, &raw.body)
            .map_err(|_| not_zstack("its login answer is not ZStack's JSON"))?;
        let s = reply.inventory;
        let Some(uuid) = s.uuid.non_empty() else {
            return Err(not_zstack("the login answer holds no session uuid"));
        };
        let lifetime = s
            .create_date
            .seconds_until(&s.expired_date)
            .filter(|secs| *secs > 0)
            .map(|secs| Duration::from_secs(secs as u64));
        self.current.set(uuid, lifetime);
        tracing::info!(account = %self.account, "logged in to ZStack");
        Ok(())
    }

    /// Logs in again unless someone already did since generation `seen` was current.
    pub async fn relogin(&self, seen: u64) -> Result<()> {
        self.current
            .renew(Platform::ZStack, seen, || self.login())
            .await
    }

    /// The session to use now, logging in first when it is about to run out.
    async fn session(&self) -> Result<(String, u64)> {
        self.current.fresh(Platform::ZStack, || self.login()).await
    }

    async fn send_with(&self, call: &HttpCall, session: &str) -> Result<RawResponse> {
        let auth = [("Authorization", format!("OAuth {session}"))];
        http::send(&self.http, &self.root, call, &auth).await
    }

    /// A sync call's body. An expired session is renewed and the call repeated once: only
    /// reads come here.
    async fn read_bytes(&self, call: &HttpCall) -> Result<Bytes> {
        let (session, generation) = self.session().await?;
        let raw = self.send_with(call, &session).await?;
        let refused = match envelope::check(&call.path, raw.status.as_u16(), &raw.body) {
            Ok(()) => return Ok(raw.body),
            Err(e) if is_session_error(&e) => e,
            Err(e) => return Err(e),
        };
        tracing::debug!(path = %call.path, error = %refused, "session refused; logging in again");
        self.relogin(generation).await?;
        let (session, _) = self.session().await?;
        let raw = self.send_with(call, &session).await?;
        match envelope::check(&call.path, raw.status.as_u16(), &raw.body) {
            Ok(()) => Ok(raw.body),
            Err(e) if is_session_error(&e) => Err(BackendError::Auth(format!(
                "ZStack refused the new session too ({e}); check that account \"{}\" may use this API",
                self.account
            ))),
            Err(e) => Err(e),
        }
    }

    /// A read, decoded to `T`, without retries (watches count their own errors).
    pub async fn read_once<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<T> {
        let body = self.read_bytes(call).await?;
        http::decode(&call.path, &body)
    }

    /// A read, decoded to `T`, retried with backoff on transient failures.
    pub async fn read<T: DeserializeOwned>(&self, call: &HttpCall) -> Result<T> {
        http::with_read_retry(|| self.read_once(call)).await
    }

    /// A mutation: sent once, never repeated. Transport errors come back as they are (the
    /// caller knows the job uuid and finds out by polling it).
    pub async fn mutate(&self, call: &HttpCall) -> Result<Sent> {
        let (session, generation) = self.session().await?;
        let raw = self.send_with(call, &session).await?;
        let status = raw.status.as_u16();
        if status == 202 {
            let ours = call
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(JOB_HEADER))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            // The body only repeats where the job is; a broken one does not undo the 202.
            let job = serde_json::from_slice::<super::wire::JobLocation>(&raw.body)
                .ok()
                .and_then(|l| envelope::job_of_location(&l.location).map(str::to_string));
            let job = match job {
                Some(j) if !ours.is_empty() && !j.eq_ignore_ascii_case(&ours) => {
                    tracing::warn!(ours = %ours, theirs = %j, "server chose another job uuid than X-Job-UUID");
                    j
                }
                Some(j) => j,
                None => ours,
            };
            if job.is_empty() {
                return Err(BackendError::Decode {
                    path: call.path.clone(),
                    reason: "accepted (202) without saying which job follows it".into(),
                });
            }
            return Ok(Sent::Accepted { job });
        }
        match envelope::check(&call.path, status, &raw.body) {
            Ok(()) => Ok(Sent::Done(raw.body)),
            Err(e) if is_session_error(&e) => {
                self.relogin(generation).await?;
                Err(BackendError::nothing_done(
                    Platform::ZStack,
                    &e,
                    envelope::SESSION_INVALID,
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /zstack/v1/api-jobs/<uuid>` (the SDK sends the session, so do we).
    /// Also returns the session generation the poll was sent with, so a watch that finds
    /// the session refused renews it only if nobody has since.
    pub async fn poll_job(&self, job: &str) -> Result<(JobAnswer, u64)> {
        let call = HttpCall::get(format!("{V1}/api-jobs/{job}"));
        let (session, generation) = self.session().await?;
        let raw = self.send_with(&call, &session).await?;
        let status = raw.status.as_u16();
        let answer = match (error_of(&raw.body), status) {
            (Some(e), s) if s != 404 => JobAnswer::Failed(e),
            (_, 202) => JobAnswer::Running,
            (_, 200..=299) => JobAnswer::Succeeded(raw.body),
            (_, 404) => JobAnswer::Expired,
            _ => return Err(envelope::failure(&call.path, status, &raw.body)),
        };
        Ok((answer, generation))
    }

    /// `PUT /zstack/v1/management-nodes/actions {"getVersion":{}}` (sync, no session).
    pub async fn version(&self) -> Option<String> {
        let call = HttpCall::new(
            reqwest::Method::PUT,
            format!("{V1}/management-nodes/actions"),
            Some(json!({"getVersion": {}})),
        );
        let raw = http::send(&self.http, &self.root, &call, &[]).await.ok()?;
        if !raw.status.is_success() {
            return None;
        }
        let v: Version = serde_json::from_slice(&raw.body).ok()?;
        v.version.non_empty().map(str::to_string)
    }

    /// `DELETE /zstack/v1/accounts/sessions/<uuid>`, best effort: sent once with the current
    /// session, never preceded by a login (an expired session is as good as logged out).
    pub async fn logout(&self) {
        let (session, _) = self.current.current();
        if session.is_empty() {
            return;
        }
        let call = HttpCall::new(
            reqwest::Method::DELETE,
            format!("{V1}/accounts/sessions/{session}"),
            None,
        );
        match self.send_with(&call, &session).await {
            Ok(raw) if raw.status.is_success() => tracing::info!("logged out of ZStack"),
            Ok(raw) => tracing::debug!(status = raw.status.as_u16(), "logout refused"),
            // Not the error itself: its path holds the session uuid, a credential.
            Err(e) => tracing::debug!(
                kind = if e.answer_lost() {
                    "no answer"
                } else {
                    "not sent"
                },
                "logout failed"
            ),
        }
    }
}

/// The header carrying the job uuid we chose.
pub const JOB_HEADER: &str = "X-Job-UUID";

/// The error of a job that failed, worded for the task list.
pub fn job_error(e: &ErrorCode) -> BackendError {
    platform_error(e)
}

/// The login call. The body key is `logInByAccount` (capital I, the class name
/// `APILogInByAccountMsg`); the password goes as lower-case sha512 hex.
pub fn login_call(account: &str, password_sha512: &SecretString) -> HttpCall {
    HttpCall::new(
        reqwest::Method::PUT,
        LOGIN_PATH,
        Some(json!({"logInByAccount": {
            "accountName": account,
            "password": password_sha512.expose_secret(),
        }})),
    )
}

pub fn sha512_hex(s: &str) -> String {
    Sha512::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manuals_password_hash() {
        // §3.7: the login example's password is sha512("password").
        assert_eq!(
            sha512_hex("password"),
            "b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86"
        );
    }

    #[test]
    fn login_body_and_preview() {
        let hash = SecretString::from(sha512_hex("password"));
        let call = login_call("admin", &hash);
        assert_eq!(call.method, reqwest::Method::PUT);
        assert_eq!(call.path, "/zstack/v1/accounts/login");
        let body = call.body.clone().unwrap();
        assert_eq!(body["logInByAccount"]["accountName"], "admin");
        assert!(
            body["logInByAccount"]["password"]
                .as_str()
                .unwrap()
                .starts_with("b109f3bb")
        );
        // The preview never shows the hash.
        assert!(!call.to_string().contains("b109f3bb"), "{call}");
    }
}
