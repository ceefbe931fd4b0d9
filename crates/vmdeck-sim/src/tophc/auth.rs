//! Login, logout and the bearer-token check. Tokens are real HS256 JWTs whose payload is
//! the documented one (`user_name, tenant, user_uuid, role, is_ldap, iat, exp, client_ip`)
//! plus `session_epoch`, so `Faults::expire_sessions()` invalidates every token issued so far.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

use super::Shared;
use super::wire::{self, ApiError, respond};

/// Token lifetime in simulated seconds (the doc example's `exp - iat`).
pub const TOKEN_LIFETIME: i64 = 300_000;
/// The only account: `system` / `admin` with the configured password.
pub const LOGIN_TENANT: &str = "system";

type HmacSha256 = Hmac<Sha256>;

pub struct Auth {
    key: Vec<u8>,
    password_md5: String,
    /// Signatures of tokens that logged out.
    revoked: Mutex<HashSet<String>>,
}

impl Auth {
    pub fn new(seed: u64, password: &str) -> Auth {
        let mut key = Sha256::new();
        key.update(b"vmdeck-sim-tophc-jwt");
        key.update(seed.to_le_bytes());
        Auth {
            key: key.finalize().to_vec(),
            password_md5: md5_hex(password),
            revoked: Mutex::new(HashSet::new()),
        }
    }

    fn sign(&self, data: &[u8]) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key).expect("hmac takes any key");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    pub fn issue(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(self.sign(signing_input.as_bytes()));
        format!("{signing_input}.{sig}")
    }

    /// The claims of a valid token, or why it is not.
    pub fn verify(&self, token: &str, now: i64, epoch: u64) -> Result<Value, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("malformed");
        };
        let sig = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| "bad signature encoding")?;
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key).expect("hmac takes any key");
        mac.update(h.as_bytes());
        mac.update(b".");
        mac.update(p.as_bytes());
        mac.verify_slice(&sig).map_err(|_| "bad signature")?;
        let claims: Value = URL_SAFE_NO_PAD
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("bad payload")?;
        if claims["exp"].as_i64().is_none_or(|exp| exp <= now) {
            return Err("expired");
        }
        if claims["session_epoch"].as_u64() != Some(epoch) {
            return Err("session expired");
        }
        if self
            .revoked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(s)
        {
            return Err("logged out");
        }
        Ok(claims)
    }

    fn revoke(&self, token: &str) {
        if let Some(sig) = token.rsplit('.').next() {
            self.revoked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(sig.to_string());
        }
    }
}

pub fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token from `Authorization: Bearer <jwt>` (a bare token is accepted too, as
/// `api_spec.md` writes it). `None` when there is no header or it is empty; a header that
/// is not text gives an empty token, which fails verification.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let Ok(v) = headers.get(header::AUTHORIZATION)?.to_str() else {
        return Some(String::new());
    };
    let v = v.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = match v.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => v[7..].trim(),
        _ => v,
    };
    Some(token.to_string())
}

/// Middleware on every route but login/logout: 10002 without a token, 10003 for a bad one.
pub async fn require_token(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(token) = bearer(req.headers()) else {
        return respond(Err(ApiError::new(wire::MISSING_TOKEN, "")));
    };
    if let Err(why) = s
        .auth
        .verify(&token, s.clock.unix(), s.faults.session_epoch())
    {
        return respond(Err(ApiError::new(wire::INVALID_TOKEN, why)));
    }
    next.run(req).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginBody {
    tenant: String,
    user: String,
    password: String,
    is_ldap: bool,
}

/// `POST /v1/authentication/login`.
pub async fn login(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let client_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let body = match axum::body::to_bytes(req.into_body(), 1 << 20).await {
        Ok(b) => b,
        Err(e) => return respond(Err(ApiError::parse(e.to_string()))),
    };
    respond(do_login(&s, &body, &client_ip))
}

fn do_login(s: &Shared, body: &Bytes, client_ip: &str) -> wire::ApiResult {
    let b: LoginBody = wire::parse_body(body)?;
    for (field, v) in [
        ("tenant", &b.tenant),
        ("user", &b.user),
        ("password", &b.password),
    ] {
        if v.is_empty() {
            return Err(ApiError::required(field));
        }
    }
    if b.tenant != LOGIN_TENANT || b.user != crate::DEFAULT_USER || b.is_ldap {
        return Err(ApiError::new(wire::USER_NOT_EXIST, b.user));
    }
    if b.password != s.auth.password_md5 {
        return Err(ApiError::new(wire::PASSWORD_ERROR, b.user));
    }
    let (tenant_uuid, user_uuid, default_cluster) = {
        let w = s.world();
        let default_cluster = w
            .clusters
            .iter()
            .find(|c| c.failure.is_none())
            .map(|c| c.uuid.to_string())
            .unwrap_or_default();
        (
            w.system_tenant.to_string(),
            w.admin_uuid.to_string(),
            default_cluster,
        )
    };
    let iat = s.clock.unix();
    let claims = json!({
        "user_name": b.user,
        "tenant": tenant_uuid,
        "user_uuid": user_uuid,
        "role": "administrator",
        "is_ldap": false,
        "iat": iat,
        "exp": iat + TOKEN_LIFETIME,
        "client_ip": client_ip,
        "session_epoch": s.faults.session_epoch(),
    });
    Ok(json!({
        "user_role": "administrator",
        "token": s.auth.issue(&claims),
        "user_uuid": user_uuid,
        "user_name": b.user,
        "ldap_enabled": 0,
        "tenant_uuid": tenant_uuid,
        "default_cluster_uuid": default_cluster,
        "is_deploy_mode": false,
    }))
}

/// `POST /v1/authentication/logout`: always `data: ""`; the presented token stops working.
pub async fn logout(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(token) = bearer(&headers) {
        s.auth.revoke(&token);
    }
    respond(Ok(json!("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_doc_examples() {
        assert_eq!(md5_hex("admin"), "21232f297a57a5a743894a0e4a801fc3");
    }

    #[test]
    fn tokens_verify_and_expire() {
        let a = Auth::new(1, "pw");
        let t = a.issue(&json!({"exp": 100, "session_epoch": 0}));
        assert!(a.verify(&t, 50, 0).is_ok());
        assert_eq!(a.verify(&t, 100, 0), Err("expired"));
        assert_eq!(a.verify(&t, 50, 1), Err("session expired"));
        let other = Auth::new(2, "pw");
        assert_eq!(other.verify(&t, 50, 0), Err("bad signature"));
        assert!(a.verify("a.b", 50, 0).is_err());
        assert!(a.verify("", 50, 0).is_err());
        assert!(a.verify("###.###.###", 50, 0).is_err());
        a.revoke(&t);
        assert_eq!(a.verify(&t, 50, 0), Err("logged out"));
    }

    #[test]
    fn bearer_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("abc"));
        h.insert(header::AUTHORIZATION, "bearer  xyz ".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("xyz"));
        h.insert(header::AUTHORIZATION, "raw".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("raw"));
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
