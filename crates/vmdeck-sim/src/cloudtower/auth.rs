//! `/login` and the token check.
//!
//! Tokens look like the real ones (a compact HS256 JWS whose payload names the user) and
//! carry the session epoch, so `Faults::expire_sessions()` invalidates every token issued
//! before it. They do not expire otherwise. The header is the bare token (`Authorization:
//! <token>`); anything else, `Bearer <token>` included, is an unknown token.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::wire::ApiError;
use super::world::World;

type HmacSha256 = Hmac<Sha256>;

pub struct Auth {
    key: Vec<u8>,
    password: String,
}

const HEADER: &str = "eyJhbGciOiJIUzI1NiJ9";

impl Auth {
    pub fn new(seed: u64, password: &str) -> Auth {
        let mut key = Sha256::new();
        key.update(b"vmdeck-sim-cloudtower-token");
        key.update(seed.to_le_bytes());
        Auth {
            key: key.finalize().to_vec(),
            password: password.to_string(),
        }
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as Mac>::new_from_slice(&self.key).expect("hmac takes any key")
    }

    pub fn issue(&self, user_id: &str, epoch: u64, iat_ms: i64) -> String {
        let payload = URL_SAFE_NO_PAD
            .encode(json!({"id": user_id, "epoch": epoch, "iat": iat_ms / 1000}).to_string());
        let input = format!("{HEADER}.{payload}");
        let mut mac = self.mac();
        mac.update(input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{input}.{sig}")
    }

    /// The user id a token names, if it is ours and of the current epoch.
    pub fn verify(&self, token: &str, epoch: u64) -> Result<String, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("unknown token");
        };
        let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| "unknown token")?;
        let mut mac = self.mac();
        mac.update(h.as_bytes());
        mac.update(b".");
        mac.update(p.as_bytes());
        mac.verify_slice(&sig).map_err(|_| "unknown token")?;
        let claims: Value = URL_SAFE_NO_PAD
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("unknown token")?;
        if claims["epoch"].as_u64() != Some(epoch) {
            return Err("session expired");
        }
        claims["id"]
            .as_str()
            .map(str::to_string)
            .ok_or("unknown token")
    }

    /// Checks `LoginInput` (already valid per the spec) and names the user.
    pub fn login(&self, w: &World, body: &Value) -> Result<usize, ApiError> {
        let username = body["username"].as_str().unwrap_or_default();
        let password = body["password"].as_str().unwrap_or_default();
        let source = body["source"].as_str().unwrap_or("LOCAL");
        let wrong = || {
            ApiError::bad(
                "Login failed: wrong username or password",
                "登录失败：用户名或密码错误",
            )
        };
        let wanted = match source {
            "LOCAL" => "LOCAL",
            // AUTHN is how newer clients log in through an LDAP/AD authentication config.
            "LDAP" | "AUTHN" => "LDAP",
            _ => {
                return Err(ApiError::bad(
                    format!("Login source {source} is not enabled on this CloudTower"),
                    format!("此 CloudTower 未启用登录来源 {source}"),
                ));
            }
        };
        if source == "AUTHN"
            && body["auth_config_id"]
                .as_str()
                .is_none_or(|s| s.trim().is_empty())
        {
            return Err(ApiError::bad(
                "auth_config_id is required with source AUTHN",
                "来源为 AUTHN 时 auth_config_id 为必填项",
            ));
        }
        let user = w
            .users
            .iter()
            .position(|u| u.username == username && u.source == wanted)
            .ok_or_else(wrong)?;
        if password != self.password {
            return Err(wrong());
        }
        Ok(user)
    }
}

/// The token of a request: the raw `Authorization` header (`None` if missing or empty).
pub fn token(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?;
    let v = v.to_str().unwrap_or("\u{0}").trim();
    (!v.is_empty()).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_the_epoch_moves() {
        let a = Auth::new(1, "pw");
        let t = a.issue("cuser", 0, 1_766_643_985_000);
        assert!(t.starts_with("eyJhbGciOiJIUzI1NiJ9."));
        assert_eq!(a.verify(&t, 0).as_deref(), Ok("cuser"));
        assert_eq!(a.verify(&t, 1), Err("session expired"));
        assert!(Auth::new(2, "pw").verify(&t, 0).is_err());
        assert!(a.verify(&format!("Bearer {t}"), 0).is_err());
        assert!(a.verify("a.b.c", 0).is_err());
        assert!(a.verify("", 0).is_err());
    }
}
