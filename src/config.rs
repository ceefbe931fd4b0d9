//! The TOML configuration: profiles, and how each finds its password.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use crate::backend::Connection;
use crate::backend::http::HttpOptions;
pub use crate::backend::{Language, LoginSource};
use crate::model::Platform;

pub const DEFAULT_BACKUP_PAGE_SIZE: u32 = 20;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub default_profile: Option<String>,
    /// Colour theme: a built-in name, a file under `$XDG_CONFIG_HOME/vmdeck/themes/`, or a path.
    pub theme: Option<String>,
    /// Mouse clicks and wheel in the dashboard (default on).
    pub mouse: Option<bool>,
    /// Key rebindings (`[keys]`, `[keys.<pane>]`).
    #[serde(default)]
    pub keys: KeysConfig,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub platform: Platform,
    pub url: String,
    #[serde(default)]
    pub username: String,
    /// TopHC tenant name used at login (default `system`).
    pub tenant: Option<String>,
    pub password_env: Option<String>,
    pub password_command: Option<String>,
    /// Allowed only in a file no other user can read.
    pub password: Option<SecretString>,
    #[serde(default)]
    pub insecure_tls: bool,
    pub ca_cert: Option<PathBuf>,
    #[serde(default)]
    pub read_only: bool,
    /// Rows per page in the Backups pane.
    pub backup_page_size: Option<u32>,
    /// Operations of one bulk (marked VMs) running at once on this site (default 4).
    pub bulk_concurrency: Option<usize>,
    /// Re-read what is on screen this often: seconds, or "30s", "5m", "off" (default 30s).
    pub refresh_interval: Option<Interval>,
    /// Language of platform messages: "en" (default) or "zh-CN".
    pub language: Option<Language>,
    /// CloudTower: where the user is defined, "local" (default) or "ldap".
    pub login_source: Option<LoginSource>,
    /// CloudTower: an API token, read from this environment variable or printed by this
    /// command, used instead of logging in with a password.
    pub token_env: Option<String>,
    pub token_command: Option<String>,
    /// ZStack: the management node's time zone (its timestamps carry none), e.g.
    /// "Asia/Shanghai". Default: this machine's zone.
    pub timezone: Option<String>,
}

/// The `[keys]` section of the config: `action = "key"` or `action = ["k1", "k2"]` for
/// keys that work everywhere, and `[keys.<pane>]` tables for one pane.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct KeysConfig(pub std::collections::BTreeMap<String, KeyEntry>);

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyEntry {
    One(String),
    Many(Vec<String>),
    Pane(std::collections::BTreeMap<String, OneOrMany>),
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn keys(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(k) => vec![k.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A refresh interval; `None` inside means never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval(pub Option<std::time::Duration>);

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        let parse = |t: &str| -> Option<Interval> {
            let t = t.trim();
            if matches!(t, "off" | "never" | "0") {
                return Some(Interval(None));
            }
            let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
            let n: u64 = num.parse().ok()?;
            let secs = match unit.trim() {
                "" | "s" => n,
                "m" => n * 60,
                "h" => n * 3600,
                _ => return None,
            };
            Some(Interval(
                (secs > 0).then(|| std::time::Duration::from_secs(secs)),
            ))
        };
        match Raw::deserialize(d)? {
            Raw::Secs(0) => Ok(Interval(None)),
            Raw::Secs(n) => Ok(Interval(Some(std::time::Duration::from_secs(n)))),
            Raw::Text(t) => parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "refresh_interval \"{t}\": write seconds (30), \"30s\", \"5m\" or \"off\""
                ))
            }),
        }
    }
}

pub const DEFAULT_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

impl Profile {
    pub fn new(platform: Platform, url: impl Into<String>, username: impl Into<String>) -> Self {
        Self {
            platform,
            url: url.into(),
            username: username.into(),
            tenant: None,
            password_env: None,
            password_command: None,
            password: None,
            insecure_tls: false,
            ca_cert: None,
            read_only: false,
            backup_page_size: None,
            bulk_concurrency: None,
            refresh_interval: None,
            language: None,
            login_source: None,
            token_env: None,
            token_command: None,
            timezone: None,
        }
    }

    /// True when the profile authenticates with an API token instead of a password.
    pub fn uses_token(&self) -> bool {
        self.token_env.is_some() || self.token_command.is_some()
    }

    /// The management node's time zone for platforms whose timestamps carry none.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        self.timezone
            .as_deref()
            .and_then(|z| jiff::tz::TimeZone::get(z).ok())
            .unwrap_or_else(jiff::tz::TimeZone::system)
    }

    /// How often to re-read the screen's data (`None`: never).
    pub fn refresh_every(&self) -> Option<std::time::Duration> {
        self.refresh_interval.map_or(Some(DEFAULT_REFRESH), |i| i.0)
    }

    pub fn http_options(&self) -> HttpOptions {
        HttpOptions {
            insecure_tls: self.insecure_tls,
            ca_cert: self.ca_cert.clone(),
            timeout: None,
        }
    }

    /// What the backend needs of this profile to log in.
    pub fn connection(&self) -> Connection {
        Connection {
            platform: self.platform,
            url: self.url.clone(),
            username: self.username.clone(),
            tenant: self.tenant.clone(),
            http: self.http_options(),
            language: self.language.unwrap_or_default(),
            login_source: self.login_source.unwrap_or_default(),
            uses_token: self.uses_token(),
            time_zone: self.time_zone(),
        }
    }

    pub fn bulk_concurrency(&self) -> usize {
        self.bulk_concurrency
            .filter(|n| *n > 0)
            .unwrap_or(crate::fetcher::DEFAULT_BULK_CONCURRENCY)
    }

    pub fn backup_page_size(&self) -> u32 {
        self.backup_page_size
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_BACKUP_PAGE_SIZE)
    }

    /// Checks what can be checked without the network.
    pub fn validate(&self, name: &str) -> Result<(), String> {
        self.problem(name).map_or(Ok(()), |(_, e)| Err(e))
    }

    /// What [`Profile::validate`] finds wrong, with the key it is about (for a line).
    pub fn problem(&self, name: &str) -> Option<(&'static str, String)> {
        let url = match url::Url::parse(&self.url) {
            Ok(u) => u,
            Err(e) => {
                return Some((
                    "url",
                    format!("profile {name}: url \"{}\" is not a URL ({e})", self.url),
                ));
            }
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Some((
                "url",
                format!(
                    "profile {name}: url must start with http:// or https://, not {}://",
                    url.scheme()
                ),
            ));
        }
        if self.username.is_empty() && !self.uses_token() {
            return Some(("username", format!("profile {name}: username is missing")));
        }
        if self.uses_token() && self.platform != Platform::CloudTower {
            return Some((
                if self.token_env.is_some() {
                    "token_env"
                } else {
                    "token_command"
                },
                format!(
                    "profile {name}: token_env/token_command are for CloudTower profiles; {} logs in with a password",
                    self.platform
                ),
            ));
        }
        if let Some(z) = &self.timezone
            && jiff::tz::TimeZone::get(z).is_err()
        {
            return Some((
                "timezone",
                format!(
                    "profile {name}: timezone \"{z}\" is not a time zone name (write it like \"Asia/Shanghai\" or \"UTC\")"
                ),
            ));
        }
        if let Some(ca) = &self.ca_cert
            && !ca.exists()
        {
            return Some((
                "ca_cert",
                format!("profile {name}: ca_cert {} does not exist", ca.display()),
            ));
        }
        None
    }

    /// Finds the password: `password_env`, `password_command`, `password`, then
    /// `VMDECK_PASSWORD`, then a prompt (only when a terminal is attached).
    /// For a token profile ([`Profile::uses_token`]) this is the API token instead, from
    /// `token_env` or `token_command`.
    pub fn resolve_password(&self, name: &str) -> Result<SecretString, String> {
        let missing = match self.stored_password(name, std::process::Stdio::inherit()) {
            Ok(p) => return Ok(p),
            Err(m) => m,
        };
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return Err(missing.to_string());
        }
        if let Some(why) = missing.why() {
            eprintln!("vmdeck: profile {name}: {why}");
        }
        rpassword::prompt_password(format!("Password for {}@{}: ", self.username, self.url))
            .map(SecretString::from)
            .map_err(|e| format!("cannot read password: {e}"))
    }

    /// The secret from wherever the profile keeps it, without asking anyone: `token_env`,
    /// `token_command` for a token profile; otherwise `password_env`, `password_command`,
    /// `password`, then `VMDECK_PASSWORD`, each source tried in turn when the one before
    /// gives nothing. `Err` says what was tried, for whoever asks next (a prompt, the
    /// in-app input). `command_stderr` is where a `*_command` may write (inherited before
    /// the UI starts; captured while the UI owns the terminal, so it cannot scribble over
    /// the screen).
    pub fn stored_password(
        &self,
        name: &str,
        command_stderr: std::process::Stdio,
    ) -> Result<SecretString, NoSecret> {
        let mut tried = Vec::new();
        let mut from_env = |var: &Option<String>, key: &str| {
            let var = var.as_deref()?;
            match std::env::var(var) {
                Ok(p) if !p.is_empty() => Some(SecretString::from(p)),
                Ok(_) => {
                    tried.push(format!("environment variable {var} ({key}) is empty"));
                    None
                }
                Err(_) => {
                    tried.push(format!("environment variable {var} ({key}) is not set"));
                    None
                }
            }
        };
        let token = self.uses_token();
        let mut found = if token {
            from_env(&self.token_env, "token_env")
        } else {
            from_env(&self.password_env, "password_env")
        };
        let command = if token {
            (&self.token_command, "token_command")
        } else {
            (&self.password_command, "password_command")
        };
        if found.is_none()
            && let Some(cmd) = command.0
        {
            match run_secret_command(cmd, command_stderr) {
                Ok(p) => found = Some(p),
                Err(e) => tried.push(format!("{} {e}", command.1)),
            }
        }
        if !token {
            found = found.or_else(|| self.password.clone()).or_else(|| {
                // Unset is the usual case: not worth reporting on its own.
                std::env::var("VMDECK_PASSWORD")
                    .ok()
                    .filter(|p| !p.is_empty())
                    .map(SecretString::from)
            });
        }
        if let Some(p) = found {
            if !tried.is_empty() {
                tracing::info!(profile = %name, tried = %tried.join("; "), "password found further down the list");
            }
            return Ok(p);
        }
        Err(NoSecret {
            profile: name.to_string(),
            token,
            tried,
        })
    }
}

/// No source of a profile gave its secret: which were tried, and why each gave nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoSecret {
    profile: String,
    token: bool,
    /// The configured sources that failed, in the order tried (`VMDECK_PASSWORD` being
    /// unset is not listed: it is only a fallback).
    pub tried: Vec<String>,
}

impl NoSecret {
    /// Why the configured sources gave nothing, or `None` when none is configured.
    pub fn why(&self) -> Option<String> {
        (!self.tried.is_empty()).then(|| self.tried.join("; "))
    }
}

impl std::fmt::Display for NoSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = &self.profile;
        if self.token {
            return write!(
                f,
                "profile {name}: no API token: {}",
                self.why()
                    .unwrap_or_else(|| "set token_env or token_command".into())
            );
        }
        match self.why() {
            Some(why) => write!(
                f,
                "profile {name}: no password: {why}, and VMDECK_PASSWORD is not set either; fix that, or run vmdeck in a terminal to be asked"
            ),
            None => write!(
                f,
                "profile {name}: no password: set password_env or password_command in the profile, or VMDECK_PASSWORD"
            ),
        }
    }
}

/// Runs a `*_command` and takes the first line it prints as the secret. Its stdin is
/// closed (it must not wait on the terminal); what it says on stderr, when captured, is
/// the hint given if it fails (the secret itself only ever comes on stdout).
fn run_secret_command(cmd: &str, stderr: std::process::Stdio) -> Result<SecretString, String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(stderr)
        .output()
        .map_err(|e| format!("cannot be run: {e}"))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let said: String = said
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .chars()
            .take(120)
            .collect();
        return Err(if said.is_empty() {
            format!("exited with {}", out.status)
        } else {
            format!("exited with {}: {said}", out.status)
        });
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("").to_string();
    if first.is_empty() {
        return Err("printed nothing".into());
    }
    Ok(SecretString::from(first))
}

impl From<&Profile> for Connection {
    fn from(p: &Profile) -> Self {
        p.connection()
    }
}

/// `--config`, else `VMDECK_CONFIG`, else `$XDG_CONFIG_HOME/vmdeck/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("VMDECK_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "vmdeck").map(|d| d.config_dir().join("config.toml"))
}

/// The line (1-based) where `dotted` (`default_profile`, `profiles.lab.ca_cert`,
/// `keys.snapshots.rollback`) is set in a config's text: the key's own line, else its
/// table's header. Written as `[table]` + `key = …` as the README does; `None` otherwise.
pub fn line_of(text: &str, dotted: &str) -> Option<usize> {
    let parts: Vec<&str> = dotted.split('.').collect();
    let (key, table) = parts.split_last()?;
    let unquote = |p: &str| p.trim().trim_matches('"').to_string();
    let mut current: Vec<String> = Vec::new();
    let mut header = None;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[').filter(|_| !t.starts_with("[[")) {
            let h = h.split(']').next().unwrap_or("");
            current = h.split('.').map(unquote).collect();
            if current == table {
                header = Some(n + 1);
            }
            continue;
        }
        if current != table {
            continue;
        }
        if let Some((k, _)) = t.split_once('=')
            && unquote(k) == *key
        {
            return Some(n + 1);
        }
    }
    header
}

impl Config {
    pub fn parse(text: &str, origin: &Path) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let line = text.as_bytes()[..span.start.min(text.len())]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count()
                        + 1;
                    format!("{}:{line}: {msg}", origin.display())
                }
                None => format!("{}: {msg}", origin.display()),
            }
        })
    }

    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        let config = Config::parse(&text, path)?;
        if config.profiles.values().any(|p| p.password.is_some()) {
            refuse_if_readable_by_others(path)?;
        }
        Ok(config)
    }

    /// Picks the named profile, or the default one.
    pub fn profile(&self, name: Option<&str>) -> Result<(String, Profile), String> {
        let name = match name.or(self.default_profile.as_deref()) {
            Some(n) => n.to_string(),
            None if self.profiles.len() == 1 => {
                self.profiles.keys().next().cloned().unwrap_or_default()
            }
            None => {
                return Err(format!(
                    "no profile chosen: pass --profile NAME or set default_profile (profiles: {})",
                    self.profile_names()
                ));
            }
        };
        match self.profiles.get(&name) {
            Some(p) => {
                p.validate(&name)?;
                Ok((name, p.clone()))
            }
            None => Err(format!(
                "no profile named \"{name}\" in the config (profiles: {})",
                self.profile_names()
            )),
        }
    }

    fn profile_names(&self) -> String {
        if self.profiles.is_empty() {
            "none defined".into()
        } else {
            self.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    }
}

#[cfg(unix)]
fn refuse_if_readable_by_others(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{} holds a plain password but other users can read it: run chmod 600 {} or use password_env",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_readable_by_others(_: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
default_profile = "lab"
[profiles.lab]
platform = "tophc"
url = "https://10.0.0.5:8080"
username = "admin"
tenant = "system"
password_env = "LAB_PASSWORD"
insecure_tls = true
read_only = true
"#;

    #[test]
    fn parses_design_example() {
        let c = Config::parse(SAMPLE, Path::new("c.toml")).unwrap();
        let (name, p) = c.profile(None).unwrap();
        assert_eq!(name, "lab");
        assert_eq!(p.platform, Platform::TopHc);
        assert!(p.insecure_tls && p.read_only);
        assert_eq!(p.backup_page_size(), DEFAULT_BACKUP_PAGE_SIZE);
    }

    #[test]
    fn refresh_interval_forms() {
        let p = |v: &str| {
            let text = format!(
                "[profiles.a]\nplatform = \"tophc\"\nurl = \"http://x\"\nrefresh_interval = {v}\n"
            );
            Config::parse(&text, Path::new("c.toml")).map(|c| c.profiles["a"].refresh_every())
        };
        assert_eq!(p("45").unwrap(), Some(std::time::Duration::from_secs(45)));
        assert_eq!(
            p("\"2m\"").unwrap(),
            Some(std::time::Duration::from_secs(120))
        );
        assert_eq!(p("\"off\"").unwrap(), None);
        assert_eq!(p("0").unwrap(), None);
        assert!(p("\"soon\"").unwrap_err().contains("refresh_interval"));
        let none = Profile::new(Platform::TopHc, "http://x", "u");
        assert_eq!(none.refresh_every(), Some(DEFAULT_REFRESH));
    }

    #[test]
    fn bulk_concurrency_defaults_to_four_and_zero_means_the_default() {
        let p = |v: &str| {
            let text = format!(
                "[profiles.a]\nplatform = \"tophc\"\nurl = \"http://x\"\nbulk_concurrency = {v}\n"
            );
            Config::parse(&text, Path::new("c.toml")).map(|c| c.profiles["a"].bulk_concurrency())
        };
        assert_eq!(p("2").unwrap(), 2);
        assert_eq!(p("0").unwrap(), 4);
        assert!(p("\"many\"").is_err());
        let none = Profile::new(Platform::TopHc, "http://x", "u");
        assert_eq!(none.bulk_concurrency(), 4);
    }

    #[test]
    fn cloudtower_and_zstack_settings() {
        let text = r#"
[profiles.tower]
platform = "cloudtower"
url = "https://tower.example"
login_source = "ldap"
token_env = "TOWER_TOKEN"

[profiles.zs]
platform = "zstack"
url = "http://10.0.0.9:8080"
username = "admin"
timezone = "Asia/Shanghai"
"#;
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        let tower = &c.profiles["tower"];
        assert_eq!(tower.login_source, Some(LoginSource::Ldap));
        assert!(tower.uses_token());
        tower.validate("tower").expect("a token needs no username");
        let zs = &c.profiles["zs"];
        zs.validate("zs").unwrap();
        assert_eq!(
            zs.time_zone().iana_name(),
            Some("Asia/Shanghai"),
            "the management node's zone"
        );

        let mut wrong = zs.clone();
        wrong.timezone = Some("Mars/Olympus".into());
        let e = wrong.validate("zs").unwrap_err();
        assert!(
            e.contains("Mars/Olympus") && e.contains("Asia/Shanghai"),
            "{e}"
        );
        let mut token_elsewhere = zs.clone();
        token_elsewhere.token_env = Some("T".into());
        let e = token_elsewhere.validate("zs").unwrap_err();
        assert!(e.contains("CloudTower"), "{e}");
        let bad = text.replace("\"ldap\"", "\"kerberos\"");
        assert!(
            Config::parse(&bad, Path::new("c.toml"))
                .unwrap_err()
                .contains("c.toml:")
        );
    }

    #[test]
    fn language_values() {
        let text = "[profiles.a]\nplatform = \"tophc\"\nurl = \"http://x\"\nlanguage = \"zh-CN\"\n";
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(c.profiles["a"].language, Some(Language::Chinese));
        let bad = text.replace("zh-CN", "fr");
        assert!(Config::parse(&bad, Path::new("c.toml")).is_err());
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let text = "[profiles.a]\nplatform = \"tophc\"\nurl = \"http://x\"\nusername = \"u\"\npasword = \"x\"\n";
        let e = Config::parse(text, Path::new("c.toml")).unwrap_err();
        assert!(e.contains("c.toml:5"), "{e}");
        assert!(e.contains("pasword"), "{e}");
    }

    #[test]
    fn unknown_platform_is_an_error() {
        let text = "[profiles.a]\nplatform = \"vsphere\"\nurl = \"http://x\"\n";
        let e = Config::parse(text, Path::new("c.toml")).unwrap_err();
        assert!(
            e.contains("vsphere") || e.contains("unknown variant"),
            "{e}"
        );
    }

    #[test]
    fn missing_profile_lists_the_others() {
        let c = Config::parse(SAMPLE, Path::new("c.toml")).unwrap();
        let e = c.profile(Some("prod")).unwrap_err();
        assert!(e.contains("\"prod\"") && e.contains("lab"), "{e}");
    }

    #[test]
    fn bad_url_is_named() {
        let mut p = Profile::new(Platform::TopHc, "10.0.0.5:8080", "admin");
        assert!(p.validate("x").unwrap_err().contains("url"));
        p.url = "ftp://h".into();
        assert!(p.validate("x").unwrap_err().contains("http://"));
    }

    #[test]
    fn password_env_missing_says_which_variable() {
        let mut p = Profile::new(Platform::TopHc, "http://h", "admin");
        p.password_env = Some("VMDECK_TEST_SURELY_UNSET".into());
        if let Err(missing) = p.stored_password("lab", std::process::Stdio::piped()) {
            let e = missing.to_string();
            assert!(
                e.contains("VMDECK_TEST_SURELY_UNSET") && e.contains("VMDECK_PASSWORD"),
                "{e}"
            );
        }
    }

    /// The README's order: password_env, password_command, password, VMDECK_PASSWORD; a
    /// source that gives nothing hands over to the next and is named in what is said.
    #[test]
    fn password_sources_are_tried_in_order() {
        use secrecy::ExposeSecret;
        let found = |p: &Profile| p.stored_password("lab", std::process::Stdio::piped());
        let mut p = Profile::new(Platform::TopHc, "http://h", "admin");
        p.password_env = Some("VMDECK_TEST_SURELY_UNSET".into());
        p.password_command = Some("printf 's3cret\\nignored'".into());
        assert_eq!(found(&p).unwrap().expose_secret(), "s3cret");
        p.password_command = Some("echo vault is locked >&2; exit 3".into());
        p.password = Some(SecretString::from("from-the-file"));
        assert_eq!(found(&p).unwrap().expose_secret(), "from-the-file");
        p.password = None;
        // VMDECK_PASSWORD comes next; the environment running the tests may have it.
        match found(&p) {
            Ok(_) => assert!(std::env::var("VMDECK_PASSWORD").is_ok()),
            Err(missing) => assert_eq!(
                missing.why().unwrap(),
                "environment variable VMDECK_TEST_SURELY_UNSET (password_env) is not set; \
                 password_command exited with exit status: 3: vault is locked"
            ),
        }
        // A token is never taken from a password source.
        let mut t = Profile::new(Platform::CloudTower, "http://h", "");
        t.token_env = Some("VMDECK_TEST_SURELY_UNSET".into());
        t.password = Some(SecretString::from("not-a-token"));
        let missing = found(&t).unwrap_err();
        assert!(missing.to_string().contains("no API token"), "{missing}");
    }

    #[test]
    fn password_command_first_line() {
        let mut p = Profile::new(Platform::TopHc, "http://h", "admin");
        p.password_command = Some("printf 's3cret\\nignored'".into());
        use secrecy::ExposeSecret;
        assert_eq!(p.resolve_password("lab").unwrap().expose_secret(), "s3cret");
    }

    #[cfg(unix)]
    #[test]
    fn plain_password_in_readable_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("vmdeck-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "[profiles.a]\nplatform = \"tophc\"\nurl = \"http://x\"\nusername = \"u\"\npassword = \"p\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Config::load(&path).unwrap_err();
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load(&path).is_ok());
        std::fs::remove_dir_all(&dir).ok();
    }
}
