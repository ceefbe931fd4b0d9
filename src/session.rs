//! Who the dashboard is connected to: built by the site runtime from a profile and a
//! logged-in backend, kept by the app for the status bar and for capability checks.

use std::time::Duration;

use crate::backend::Backend;
use crate::config::Profile;
use crate::model::{Capabilities, Platform};

/// Who we are connected to, for the status bar and for capability checks.
#[derive(Clone, Debug)]
pub struct Session {
    pub profile: String,
    pub platform: Platform,
    pub endpoint: String,
    pub user: String,
    pub read_only: bool,
    pub caps: Capabilities,
    pub backup_page_size: u32,
    /// Re-read the screen this often (`None`: only on `r`).
    pub refresh_every: Option<Duration>,
}

/// Who we are connected to, for the status bar and capability checks.
pub fn session_for(name: &str, profile: &Profile, backend: &dyn Backend) -> Session {
    Session {
        profile: name.to_string(),
        platform: backend.platform(),
        endpoint: backend.endpoint().to_string(),
        user: backend.user().to_string(),
        read_only: profile.read_only,
        caps: backend.capabilities().clone(),
        backup_page_size: profile.backup_page_size(),
        refresh_every: profile.refresh_every(),
    }
}
