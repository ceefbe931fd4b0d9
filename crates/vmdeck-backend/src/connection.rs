//! What a backend needs to reach and log in to one manager. The app's configuration
//! (`Profile`) has more — refresh, paging, where the password comes from — and turns itself
//! into this, so the backend never depends on how the app is configured.

use serde::Deserialize;
use vmdeck_model::Platform;

use crate::http::HttpOptions;

#[derive(Clone, Debug)]
pub struct Connection {
    pub platform: Platform,
    /// The server's root as the user wrote it; each backend adds its own API prefix.
    pub url: String,
    pub username: String,
    /// TopHC tenant (default `system`).
    pub tenant: Option<String>,
    pub http: HttpOptions,
    pub language: Language,
    /// CloudTower: the directory a password login is checked against.
    pub login_source: LoginSource,
    /// CloudTower: the secret passed to `connect` is an API token, not a password.
    pub uses_token: bool,
    /// ZStack: the management node's zone, since its timestamps carry none.
    pub time_zone: jiff::tz::TimeZone,
}

/// Which directory a CloudTower user logs in against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginSource {
    #[default]
    Local,
    Ldap,
}

/// The language platform messages are shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en", alias = "en-US")]
    English,
    #[serde(rename = "zh-CN", alias = "zh")]
    Chinese,
}
