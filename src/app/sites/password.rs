//! The password a user types for a site. It only ever lives in a `SecretString` (zeroed
//! when dropped, `[REDACTED]` in Debug); the screen shows one dot per character, never the
//! text, and it is handed to the site's login exactly once.

use secrecy::{ExposeSecret, SecretString};

use crate::sites::SiteId;

pub struct PasswordEntry {
    pub site: SiteId,
    secret: SecretString,
    chars: usize,
    /// Sent; waiting for the platform's answer.
    pub checking: bool,
    /// Why the last try was refused (the platform's message).
    pub error: Option<String>,
}

impl PasswordEntry {
    pub fn new(site: SiteId, error: Option<String>) -> Self {
        Self {
            site,
            secret: SecretString::from(String::new()),
            chars: 0,
            checking: false,
            error,
        }
    }

    /// Characters typed (the mask's length).
    pub fn len(&self) -> usize {
        self.chars
    }

    pub fn is_empty(&self) -> bool {
        self.chars == 0
    }

    pub fn push(&mut self, c: char) {
        let old = self.secret.expose_secret();
        // Exactly the room needed, so nothing is reallocated and copied (and left behind
        // unzeroed) on the way into the new secret; the old one is zeroed when replaced.
        let mut next = String::with_capacity(old.len() + c.len_utf8());
        next.push_str(old);
        next.push(c);
        self.secret = SecretString::from(next);
        self.chars += 1;
    }

    pub fn pop(&mut self) {
        let old = self.secret.expose_secret();
        let Some((cut, _)) = old.char_indices().next_back() else {
            return;
        };
        self.secret = SecretString::from(old[..cut].to_string());
        self.chars -= 1;
    }

    pub fn clear(&mut self) {
        self.secret = SecretString::from(String::new());
        self.chars = 0;
    }

    /// Hands the typed password over (the entry is empty afterwards).
    pub fn take(&mut self) -> SecretString {
        self.chars = 0;
        std::mem::replace(&mut self.secret, SecretString::from(String::new()))
    }

    /// The platform refused (or the site could not be reached): try again.
    pub fn refused(&mut self, error: Option<String>) {
        self.checking = false;
        self.error = error.or_else(|| Some("refused".into()));
        self.clear();
    }
}

impl std::fmt::Debug for PasswordEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordEntry")
            .field("site", &self.site)
            .field("secret", &self.secret)
            .field("checking", &self.checking)
            .field("error", &self.error)
            .finish()
    }
}
