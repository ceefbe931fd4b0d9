//! The secret a session sends (a bearer token, a session uuid, an API token), shared by a
//! backend and its watches.
//!
//! Many requests in flight can find the session refused at the same moment; the platform
//! must still see one login, not one per request. Each login bumps a generation: a caller
//! remembers the generation it sent with, and renews only if nobody has since.

use std::future::Future;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use super::{BackendError, Result};
use vmdeck_model::Platform;

struct Held {
    secret: SecretString,
    generation: u64,
    /// When to log in again before the platform refuses the secret (from its expiry).
    renew_at: Option<Instant>,
}

pub struct Credential {
    held: RwLock<Held>,
    renewing: tokio::sync::Mutex<()>,
}

impl Credential {
    /// A credential holding `secret` (an API token given up front) or, empty, waiting for
    /// its first login.
    pub fn new(secret: SecretString) -> Self {
        Self {
            held: RwLock::new(Held {
                secret,
                generation: 0,
                renew_at: None,
            }),
            renewing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn empty() -> Self {
        Self::new(SecretString::from(String::new()))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        // A panic elsewhere while holding the lock leaves a consistent `Held` behind.
        self.held.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The secret to send now, and the generation it belongs to.
    pub fn current(&self) -> (String, u64) {
        let h = self.read();
        (h.secret.expose_secret().to_string(), h.generation)
    }

    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    /// Stores what a login returned, with how long the platform says it lasts (renewed a
    /// little before; a lifetime too long to count is as good as none).
    pub fn set(&self, secret: &str, lifetime: Option<Duration>) {
        let renew_at = lifetime.and_then(|life| Instant::now().checked_add(renew_after(life)));
        let mut h = self.held.write().unwrap_or_else(|e| e.into_inner());
        h.secret = SecretString::from(secret.to_string());
        h.generation += 1;
        h.renew_at = renew_at;
    }

    /// Runs `login` unless someone logged in since generation `seen`; callers arriving
    /// meanwhile wait for that one login. A refused login says the session had expired.
    pub async fn renew<F, Fut>(&self, platform: Platform, seen: u64, login: F) -> Result<()>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let _one_at_a_time = self.renewing.lock().await;
        if self.generation() != seen {
            return Ok(());
        }
        tracing::info!("{platform} session expired; logging in again");
        login().await.map_err(|e| match e {
            BackendError::Auth(msg) => BackendError::Auth(format!(
                "the session expired and logging in again failed: {msg}"
            )),
            other => other,
        })
    }

    /// [`current`](Self::current), logging in first when the secret is about to run out.
    pub async fn fresh<F, Fut>(&self, platform: Platform, login: F) -> Result<(String, u64)>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let (due, generation) = {
            let h = self.read();
            (
                h.renew_at.is_some_and(|at| Instant::now() >= at),
                h.generation,
            )
        };
        if due {
            self.renew(platform, generation, login).await?;
        }
        Ok(self.current())
    }
}

/// Renew a little before the end: a tenth of the lifetime, at most a minute.
pub fn renew_after(life: Duration) -> Duration {
    let margin = (life / 10).min(Duration::from_secs(60));
    life - margin
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    async fn counting_login(cred: Arc<Credential>, logins: Arc<AtomicU32>) -> Result<()> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let n = logins.fetch_add(1, Ordering::SeqCst) + 1;
        cred.set(&format!("token-{n}"), None);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_refusals_at_once_log_in_once() {
        let cred = Arc::new(Credential::empty());
        let logins = Arc::new(AtomicU32::new(0));
        let (_, seen) = cred.current();
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (cred, logins) = (cred.clone(), logins.clone());
                tokio::spawn(async move {
                    let login = counting_login(cred.clone(), logins);
                    cred.renew(Platform::TopHc, seen, || login).await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(logins.load(Ordering::SeqCst), 1);
        assert_eq!(cred.current(), ("token-1".to_string(), seen + 1));

        // Refused again with the new secret: one more login.
        let login = counting_login(cred.clone(), logins.clone());
        cred.renew(Platform::TopHc, seen + 1, || login)
            .await
            .unwrap();
        assert_eq!(cred.current().0, "token-2");
    }

    #[tokio::test]
    async fn a_due_secret_is_renewed_before_use_and_a_fresh_one_is_not() {
        let cred = Arc::new(Credential::empty());
        let logins = Arc::new(AtomicU32::new(0));
        cred.set("first", Some(Duration::from_secs(3600)));
        let login = counting_login(cred.clone(), logins.clone());
        assert_eq!(
            cred.fresh(Platform::ZStack, || login).await.unwrap().0,
            "first"
        );
        assert_eq!(logins.load(Ordering::SeqCst), 0);

        cred.set("old", Some(Duration::ZERO));
        let login = counting_login(cred.clone(), logins.clone());
        assert_eq!(
            cred.fresh(Platform::ZStack, || login).await.unwrap().0,
            "token-1"
        );
    }

    #[test]
    fn renewal_margin_and_lifetimes_too_long_to_count() {
        assert_eq!(
            renew_after(Duration::from_secs(7200)),
            Duration::from_secs(7140)
        );
        assert_eq!(
            renew_after(Duration::from_secs(100)),
            Duration::from_secs(90)
        );
        // A server's "expires in 584 billion years" neither panics nor renews.
        let cred = Credential::empty();
        cred.set("t", Some(Duration::MAX));
        assert_eq!(cred.current().0, "t");
    }

    #[tokio::test]
    async fn a_refused_login_says_the_session_had_expired() {
        let cred = Credential::new(SecretString::from("t".to_string()));
        let err = cred
            .renew(Platform::CloudTower, 0, || async {
                Err(BackendError::Auth("wrong password".into()))
            })
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "login failed: the session expired and logging in again failed: wrong password"
        );
        // Nothing was stored: the next refusal tries again.
        assert_eq!(cred.current(), ("t".to_string(), 0));
    }
}
