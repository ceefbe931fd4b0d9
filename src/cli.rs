//! The command line: run the dashboard (against a profile, ad-hoc flags or the built-in
//! simulator) or run the simulator alone. Every user error is one line saying what to fix.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::app::sites::SiteSummary;
use crate::app::{App, Keymap};
use crate::backend;
use crate::config::{self, Config, Profile};
use crate::model::Platform;
use crate::sim::{self, SimConfig, SimServer};
use crate::sites::{SiteId, SiteSpec, SiteTasks};
use crate::theme::Theme;

#[derive(Debug, Parser)]
#[command(
    name = "vmdeck",
    version,
    about = "Terminal dashboard for TopHC, CloudTower and ZStack"
)]
pub struct Cli {
    /// Run against the built-in simulator (no config needed).
    #[arg(long, global = true, conflicts_with_all = ["profile", "platform", "url", "user", "tenant", "insecure", "ca_cert"])]
    pub demo: bool,
    /// Profile from the config file.
    #[arg(short, long, global = true, env = "VMDECK_PROFILE")]
    pub profile: Option<String>,
    /// Config file (default: $XDG_CONFIG_HOME/vmdeck/config.toml).
    #[arg(short, long, global = true, env = "VMDECK_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub adhoc: AdHoc,
    /// Colour theme: dark, light, high-contrast, monochrome, a user theme or a .toml path.
    #[arg(long, global = true, env = "VMDECK_THEME")]
    pub theme: Option<String>,
    /// Log level for $XDG_STATE_HOME/vmdeck/vmdeck.log (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "info", value_parser = ["error", "warn", "info", "debug", "trace"])]
    pub log_level: String,
    /// Simulated seconds per real second in --demo (tests speed the demo up).
    #[arg(long, default_value_t = 1.0, hide = true)]
    pub demo_time_scale: f64,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// A profile given on the command line instead of the config file. Global, like every
/// option of the top level: `--demo` conflicts with these, and clap checks that only
/// between arguments that every subcommand sees.
#[derive(Debug, Args)]
pub struct AdHoc {
    /// Platform of an ad-hoc connection: tophc, cloudtower or zstack.
    #[arg(long, global = true)]
    pub platform: Option<String>,
    /// Base URL of the manager, e.g. https://10.0.0.5:8080
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// User name (the password comes from VMDECK_PASSWORD or a prompt).
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// TopHC tenant name used at login.
    #[arg(long, global = true)]
    pub tenant: Option<String>,
    /// Accept a self-signed certificate.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Trust this CA certificate (PEM).
    #[arg(long, global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Refuse every change.
    #[arg(long, global = true)]
    pub read_only: bool,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the simulator alone and print its URL and credentials.
    Sim(SimArgs),
    /// Check or create the configuration file.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print clusters, VMs, snapshots, backups, tasks or sites as a table or JSON.
    Get(crate::headless::get::GetArgs),
    /// Create, roll back or delete a snapshot (prints the plan, then needs --yes).
    #[command(subcommand)]
    Snapshot(crate::headless::ops::SnapshotCmd),
    /// Start or stop a VM (prints the plan, then needs --yes).
    #[command(subcommand)]
    Vm(crate::headless::ops::VmCmd),
    /// Create, restore or delete a backup (prints the plan, then needs --yes).
    #[command(subcommand)]
    Backup(crate::headless::ops::BackupCmd),
    /// Print the change journal: every operation sent, newest first, with its outcome.
    Journal(crate::headless::journal::JournalArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Validate the config (syntax, profiles, theme, keys, file permissions).
    Check,
    /// Write a commented example config (never over an existing file).
    Init,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value = sim::DEFAULT_PASSWORD)]
    pub password: String,
    /// Number of VMs across clusters.
    #[arg(long)]
    pub vms: Option<usize>,
    /// Number of VM backups across clusters.
    #[arg(long)]
    pub backups: Option<usize>,
    /// Snapshots per VM (at most; the first VM of each cluster gets exactly this many).
    #[arg(long)]
    pub snapshots: Option<usize>,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Serve HTTPS with a fresh self-signed certificate (its path is printed, for --ca-cert).
    #[arg(long)]
    pub tls: bool,
}

/// A failure worth one line on stderr, with the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    pub(crate) fn user(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }
    /// Sent, but whether it happened could not be told.
    pub(crate) fn unknown(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 3,
        }
    }
    pub(crate) fn timed_out(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 4,
        }
    }
    pub(crate) fn runtime(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }
}

pub async fn run(mut cli: Cli) -> Result<(), Failure> {
    match cli.command.take() {
        Some(Cmd::Sim(args)) => return run_sim(args).await,
        Some(Cmd::Get(args)) => return crate::headless::get::run(&cli, &args).await,
        Some(Cmd::Snapshot(op)) => return crate::headless::ops::snapshot(&cli, &op).await,
        Some(Cmd::Vm(op)) => return crate::headless::ops::vm(&cli, &op).await,
        Some(Cmd::Backup(op)) => return crate::headless::ops::backup(&cli, &op).await,
        Some(Cmd::Journal(args)) => return crate::headless::journal::run(&args),
        Some(Cmd::Config(ConfigCmd::Check)) => return config_check(&cli),
        Some(Cmd::Config(ConfigCmd::Init)) => return config_init(&cli),
        Some(Cmd::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "vmdeck", &mut std::io::stdout());
            return Ok(());
        }
        None => {}
    }
    if cli.demo {
        let server = start_demo(&cli).await?;
        let password = SecretString::from(sim::DEFAULT_PASSWORD.to_string());
        // The demo needs no config, but honours the theme and keys of one if it exists.
        let config = config_if_present(&cli)?;
        let look = Look::new(cli.theme.as_deref(), config.as_ref())?;
        let sites = demo_sites(&server.base_url(), cli.adhoc.read_only);
        let result = dashboard(sites, 0, password, look).await;
        server.stop().await;
        return result;
    }

    let (name, profile, config) = choose_profile(&cli)?;
    profile.validate(&name).map_err(Failure::user)?;
    let look = Look::new(cli.theme.as_deref(), config.as_ref())?;
    let password = profile.resolve_password(&name).map_err(Failure::user)?;
    let (specs, first) = site_specs(&cli, name, profile, config.as_ref());
    dashboard(specs, first, password, look).await
}

/// The built-in simulator `--demo` runs against, on a free port of this host.
pub(crate) async fn start_demo(cli: &Cli) -> Result<SimServer, Failure> {
    SimServer::start(
        "127.0.0.1:0".parse().expect("literal address"),
        SimConfig {
            time_scale: cli.demo_time_scale,
            ..SimConfig::default()
        },
    )
    .await
    .map_err(|e| Failure::runtime(format!("cannot start the built-in simulator: {e}")))
}

/// The demo's sites, all against the one simulator: every profile's url is its base URL
/// (each backend adds its platform's prefix: `/v1`, `/v2/api`, `/zstack/v1`).
/// `--read-only` protects all three, as it does every configured site.
pub(crate) fn demo_sites(base_url: &str, read_only: bool) -> Vec<SiteSpec> {
    let password = SecretString::from(sim::DEFAULT_PASSWORD.to_string());
    let site = |name: &str, platform| {
        let mut profile = Profile::new(platform, base_url, sim::DEFAULT_USER);
        profile.read_only = read_only;
        match platform {
            Platform::TopHc => profile.tenant = Some("system".into()),
            // The simulated management node keeps its own zone, as a real one does.
            Platform::ZStack => profile.timezone = Some(sim::zstack::MN_TIME_ZONE.into()),
            Platform::CloudTower => {}
        }
        SiteSpec {
            name: name.into(),
            profile,
            password: Some(password.clone()),
        }
    };
    vec![
        site("demo-tophc", Platform::TopHc),
        site("demo-cloudtower", Platform::CloudTower),
        site("demo-zstack", Platform::ZStack),
    ]
}

/// Every profile of the config is a site (an ad-hoc connection is the only one); the
/// chosen one, with the command line's overrides, is where the dashboard starts.
/// `--read-only` protects every site, not only the first.
pub(crate) fn site_specs(
    cli: &Cli,
    name: String,
    profile: Profile,
    config: Option<&Config>,
) -> (Vec<SiteSpec>, SiteId) {
    let chosen = SiteSpec {
        name: name.clone(),
        profile,
        password: None,
    };
    let Some(config) = config.filter(|_| !is_adhoc(&cli.adhoc)) else {
        return (vec![chosen], 0);
    };
    let mut specs = Vec::new();
    let mut first = 0;
    for (n, p) in &config.profiles {
        if *n == name {
            first = specs.len();
            specs.push(chosen.clone());
            continue;
        }
        let mut profile = p.clone();
        profile.read_only |= cli.adhoc.read_only;
        specs.push(SiteSpec {
            name: n.clone(),
            profile,
            password: None,
        });
    }
    if specs.is_empty() {
        specs.push(chosen);
    }
    (specs, first)
}

fn is_adhoc(a: &AdHoc) -> bool {
    a.platform.is_some() || a.url.is_some() || a.user.is_some()
}

/// How the dashboard looks and answers keys: theme and key bindings.
struct Look {
    theme: Theme,
    keymap: Keymap,
    mouse: bool,
}

impl Look {
    fn new(theme: Option<&str>, config: Option<&Config>) -> Result<Look, Failure> {
        let name = theme.or(config.and_then(|c| c.theme.as_deref()));
        let theme = match name {
            Some(n) => {
                Theme::load(n, crate::theme::user_dir().as_deref()).map_err(Failure::user)?
            }
            None => Theme::dark(),
        };
        let keymap = match config {
            Some(c) => Keymap::with_config(&c.keys).map_err(Failure::user)?,
            None => Keymap::default(),
        };
        Ok(Look {
            theme: theme.adapt_to_env(),
            keymap,
            mouse: config.and_then(|c| c.mouse).unwrap_or(true),
        })
    }
}

fn config_path(cli: &Cli) -> Option<PathBuf> {
    cli.config.clone().or_else(config::default_path)
}

fn config_if_present(cli: &Cli) -> Result<Option<Config>, Failure> {
    match config_path(cli) {
        Some(p) if p.exists() => Config::load(&p).map(Some).map_err(Failure::user),
        _ => Ok(None),
    }
}

/// Ad-hoc flags if given, else the config file's profile (with the config, if any).
/// `--tenant`, `--insecure`, `--ca-cert` and `--read-only` apply to either.
pub(crate) fn choose_profile(cli: &Cli) -> Result<(String, Profile, Option<Config>), Failure> {
    // Every field named: a connection flag that is parsed and then dropped does not compile.
    let AdHoc {
        platform,
        url,
        user,
        tenant,
        insecure,
        ca_cert,
        read_only,
    } = &cli.adhoc;
    let overrides = |p: &mut Profile| {
        if tenant.is_some() {
            p.tenant.clone_from(tenant);
        }
        if ca_cert.is_some() {
            p.ca_cert.clone_from(ca_cert);
        }
        p.insecure_tls |= *insecure;
        p.read_only |= *read_only;
    };
    if is_adhoc(&cli.adhoc) {
        let platform_id = platform.as_deref().ok_or_else(|| {
            Failure::user("--platform is needed with --url (tophc, cloudtower or zstack)")
        })?;
        let platform = Platform::from_id(platform_id).ok_or_else(|| {
            Failure::user(format!(
                "unknown platform \"{platform_id}\": use tophc, cloudtower or zstack"
            ))
        })?;
        let url = url
            .clone()
            .ok_or_else(|| Failure::user("--url is needed with --platform"))?;
        let user = user
            .clone()
            .ok_or_else(|| Failure::user("--user is needed with --url"))?;
        let mut p = Profile::new(platform, url, user);
        overrides(&mut p);
        return Ok((ADHOC_SITE.into(), p, config_if_present(cli)?));
    }
    let path = config_path(cli)
        .ok_or_else(|| Failure::user("cannot find a config directory; pass --config PATH"))?;
    if !path.exists() {
        return Err(Failure::user(format!(
            "no config at {}: create one with `vmdeck {}config init`, pass --config, use --platform/--url/--user, or try --demo",
            path.display(),
            config_flag(cli)
        )));
    }
    let config = Config::load(&path).map_err(Failure::user)?;
    let (name, mut profile) = config
        .profile(cli.profile.as_deref())
        .map_err(Failure::user)?;
    overrides(&mut profile);
    Ok((name, profile, Some(config)))
}

/// The name the site given by --platform/--url/--user goes by.
const ADHOC_SITE: &str = "command-line";

/// `--config PATH ` when one was given, for commands suggested to the user.
fn config_flag(cli: &Cli) -> String {
    cli.config
        .as_ref()
        .map(|p| format!("--config {} ", p.display()))
        .unwrap_or_default()
}

/// The first site's start-up failure in one line. The backends say what to fix "in the
/// profile"; a site from the command line has none, so there it is the flags.
fn first_site_failure(name: &str, url: &str, e: &backend::BackendError) -> String {
    let text = format!("{e}{}", reach_hint(e));
    if name == ADHOC_SITE {
        let text = text.replace(
            "in the profile",
            "on the command line (--url, --user, --tenant; the password from VMDECK_PASSWORD or the prompt)",
        );
        format!("{url}: {text}")
    } else {
        format!("profile {name} ({url}): {text}")
    }
}

/// What to try when the manager could not be reached at all (TLS trouble already carries
/// its own hint, after " — " or as "use http://").
pub(crate) fn reach_hint(e: &backend::BackendError) -> &'static str {
    match e {
        backend::BackendError::Connect { reason, .. }
            if !reason.contains(" — ") && !reason.contains("use http://") =>
        {
            " — check the url (host and port) in the profile, and that the manager is up and reachable from this host"
        }
        backend::BackendError::Timeout { .. } => {
            " — the manager took the connection but did not answer; check the url's port, or a proxy in between"
        }
        _ => "",
    }
}

/// Logs in to the first site (a failure ends here, in one line), then runs the dashboard
/// over every site; the others connect in the background once the UI is up.
async fn dashboard(
    specs: Vec<SiteSpec>,
    first: SiteId,
    password: SecretString,
    look: Look,
) -> Result<(), Failure> {
    let Some(start) = specs.get(first) else {
        return Err(Failure::user("no profile to start with"));
    };
    let backend = backend::connect(&start.profile, password)
        .await
        .map_err(|e| Failure::runtime(first_site_failure(&start.name, &start.profile.url, &e)))?;
    let session = crate::session::session_for(&start.name, &start.profile, &*backend);
    tracing::info!(profile = %start.name, url = %start.profile.url, "connected");
    let summaries: Vec<SiteSummary> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == first {
                SiteSummary::connected(session.clone())
            } else {
                let mut summary =
                    SiteSummary::new(s.name.clone(), s.profile.platform, s.profile.url.clone());
                summary.user = s.profile.username.clone();
                summary
            }
        })
        .collect();
    let mut sites = SiteTasks::spawn(specs, first, backend);
    let mut app = App::new(session);
    app.set_sites(summaries, first);
    app.keymap = look.keymap;
    app.mouse = look.mouse;
    app.apply_ui_state(&crate::state::load());
    let result = crate::tui::run(app, &mut sites, look.theme).await;
    sites.shutdown().await;
    result.map_err(|e| Failure::runtime(format!("terminal error: {e}")))
}

fn config_check(cli: &Cli) -> Result<(), Failure> {
    let path = config_path(cli)
        .ok_or_else(|| Failure::user("cannot find a config directory; pass --config PATH"))?;
    if !path.exists() {
        return Err(Failure::user(format!(
            "no config at {}: run `vmdeck config init` to write an example",
            path.display()
        )));
    }
    let config = Config::load(&path).map_err(Failure::user)?;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    // `file:line: message`, like the syntax errors, wherever the key can be found.
    let at = |key: &str, msg: String| {
        let place = match config::line_of(&text, key) {
            Some(n) => format!("{}:{n}", path.display()),
            None => path.display().to_string(),
        };
        Failure::user(format!("{place}: {msg}"))
    };
    for (name, profile) in &config.profiles {
        if let Some((key, e)) = profile.problem(name) {
            return Err(at(&format!("profiles.{name}.{key}"), e));
        }
    }
    if let Some(d) = &config.default_profile
        && !config.profiles.contains_key(d)
    {
        let names: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        return Err(at(
            "default_profile",
            format!(
                "default_profile \"{d}\" is not a profile here (profiles: {})",
                names.join(", ")
            ),
        ));
    }
    if let Err(f) = Look::new(None, Some(&config)) {
        // Keymap errors start with the config key they are about.
        let key = f.message.split(':').next().unwrap_or("").to_string();
        return Err(at(&key, f.message));
    }
    println!(
        "{}: ok ({} profile{})",
        path.display(),
        config.profiles.len(),
        if config.profiles.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

fn config_init(cli: &Cli) -> Result<(), Failure> {
    let path = config_path(cli)
        .ok_or_else(|| Failure::user("cannot find a config directory; pass --config PATH"))?;
    if path.exists() {
        return Err(Failure::user(format!(
            "{} already exists; not overwriting it",
            path.display()
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", dir.display())))?;
    }
    write_private(&path, include_str!("../assets/config.example.toml"))
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))?;
    println!(
        "wrote {} — edit it, then run `vmdeck {}config check`",
        path.display(),
        config_flag(cli)
    );
    Ok(())
}

/// Creates a file only its owner can read (it may come to hold a password).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(text.as_bytes())
}

/// What `vmdeck sim` runs, every flag read (a flag parsed and then dropped fails to compile:
/// the pattern names each field).
fn sim_setup(args: SimArgs) -> (SocketAddr, SimConfig, bool) {
    let SimArgs {
        listen,
        seed,
        password,
        vms,
        backups,
        snapshots,
        time_scale,
        tls,
    } = args;
    let config = SimConfig {
        seed,
        password,
        vms,
        backups,
        snapshots,
        time_scale,
    };
    (listen, config, tls)
}

async fn run_sim(args: SimArgs) -> Result<(), Failure> {
    let (listen, config, tls) = sim_setup(args);
    let password = config.password.clone();
    let started = std::time::Instant::now();
    let cert = if tls {
        let cert = sim::tls::self_signed_for(listen.ip())
            .map_err(|e| Failure::runtime(format!("cannot make a certificate: {e}")))?;
        Some(cert)
    } else {
        None
    };
    let server = match &cert {
        Some(c) => SimServer::start_tls(listen, config, c.clone()).await,
        None => SimServer::start(listen, config).await,
    }
    .map_err(|e| Failure::runtime(format!("cannot listen on {listen}: {e}")))?;
    // The certificate goes to a file so `--ca-cert` can name it; removed again on Ctrl-C.
    let cert_file = match &cert {
        Some(c) => {
            let path = std::env::temp_dir().join(format!(
                "vmdeck-sim-{}-{}.pem",
                std::process::id(),
                server.addr().port()
            ));
            write_public(&path, &c.cert_pem).map_err(|e| {
                Failure::runtime(format!(
                    "cannot write the certificate {}: {e}",
                    path.display()
                ))
            })?;
            Some(path)
        }
        None => None,
    };
    let url = server.base_url();
    println!(
        "vmdeck simulator ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    println!("  base URL   {url}");
    if let Some(path) = &cert_file {
        println!(
            "  certificate {} (self-signed; trust it with --ca-cert, or pass --insecure)",
            path.display()
        );
    }
    let user = sim::DEFAULT_USER;
    println!("  TopHC       {url}/v1         user {user} · password {password} · tenant system");
    println!("  CloudTower  {url}/v2/api     user {user} · password {password}");
    println!("  ZStack      {url}/zstack/v1  account {user} · password {password}");
    println!();
    let trust = cert_file
        .as_ref()
        .map(|p| format!(" --ca-cert {}", p.display()))
        .unwrap_or_default();
    for platform in ["tophc", "cloudtower", "zstack"] {
        println!(
            "  connect:   VMDECK_PASSWORD={password} vmdeck --platform {platform} --url {url} --user {user}{trust}"
        );
    }
    println!(
        "  faults:    POST {url}/__sim/faults {{\"path\":\"/v1/compute/list\",\"fault\":{{\"kind\":\"status\",\"status\":502,\"body\":\"<html>bad gateway</html>\"}},\"times\":1}}"
    );
    println!("Ctrl-C stops it.");
    let waited = tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::runtime(format!("cannot wait for Ctrl-C: {e}")));
    server.stop().await;
    if let Some(path) = cert_file {
        std::fs::remove_file(path).ok();
    }
    waited
}

/// Writes a file anew (a stale one from an earlier run, or a link planted in its place, is
/// removed first rather than written through).
fn write_public(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// Logs to $XDG_STATE_HOME/vmdeck/vmdeck.log, never to the terminal the UI draws on.
/// A command-line mistake (`--log-level loud`) as one line, like every other start-up
/// error: clap's message with its hint folded in, without the usage and `--help` lines.
pub fn usage_error_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    text.lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn init_logging(level: &str) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = crate::state::dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "vmdeck.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_new(format!("vmdeck={level}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("vmdeck=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("vmdeck").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    /// A value each flag can take that is not its default, so reading it changes something.
    fn sample(long: &str) -> Option<&'static [&'static str]> {
        Some(match long {
            "listen" => &["--listen", "127.0.0.1:0"],
            "seed" => &["--seed", "7"],
            "password" => &["--password", "other"],
            "vms" => &["--vms", "3"],
            "backups" => &["--backups", "3"],
            "snapshots" => &["--snapshots", "3"],
            "time-scale" => &["--time-scale", "10"],
            "tls" => &["--tls"],
            "tenant" => &["--tenant", "ops"],
            "insecure" => &["--insecure"],
            "ca-cert" => &["--ca-cert", "/etc/ssl/lab-ca.pem"],
            "read-only" => &["--read-only"],
            _ => return None,
        })
    }

    fn longs(cmd: &clap::Command) -> Vec<String> {
        cmd.get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|l| !matches!(*l, "help" | "version"))
            .map(str::to_string)
            .collect()
    }

    fn sim_effect(args: &[&str]) -> String {
        let mut argv = vec!["sim"];
        argv.extend_from_slice(args);
        let Some(Cmd::Sim(sim)) = parse(&argv).command else {
            panic!("not the sim command")
        };
        format!("{:?}", sim_setup(sim))
    }

    #[test]
    fn every_sim_flag_reaches_the_simulator() {
        let cmd = Cli::command();
        let sim = cmd.find_subcommand("sim").expect("sim command");
        let base = sim_effect(&[]);
        for long in longs(sim) {
            let args = sample(&long).unwrap_or_else(|| {
                panic!("--{long} of `vmdeck sim` has no sample here: add one, and read it")
            });
            assert_ne!(
                sim_effect(args),
                base,
                "--{long} is parsed and then dropped"
            );
        }
    }

    fn profile_effect(args: &[&str]) -> String {
        let cli = parse(args);
        let (_, profile, _) = choose_profile(&cli).unwrap_or_else(|e| panic!("{}", e.message));
        format!("{profile:?}")
    }

    /// Every connection flag changes the profile, ad hoc and over a config's profile alike
    /// (`--ca-cert` and `--tenant` were once dropped with `--profile`).
    #[test]
    fn every_connection_flag_reaches_the_profile() {
        let dir = std::env::temp_dir().join(format!("vmdeck-cli-flags-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = dir.join("config.toml");
        std::fs::write(
            &cfg,
            "[profiles.lab]\nplatform = \"tophc\"\nurl = \"https://10.0.0.5:8080\"\nusername = \"admin\"\n",
        )
        .unwrap();
        let cfg = cfg.to_str().unwrap().to_string();
        let adhoc = ["--platform", "tophc", "--url", "https://x", "--user", "u"];
        let profile = ["--config", cfg.as_str(), "--profile", "lab"];
        let cmd = Cli::command();
        // platform, url and user choose ad-hoc mode: each is required there.
        for long in longs(&cmd) {
            // --platform, --url and --user choose ad-hoc mode; the rest are checked elsewhere.
            let Some(flag) = sample(&long) else { continue };
            for base in [&adhoc[..], &profile[..]] {
                let with: Vec<&str> = base.iter().chain(flag).copied().collect();
                assert_ne!(
                    profile_effect(&with),
                    profile_effect(base),
                    "--{long} is dropped with {base:?}"
                );
            }
        }
        std::fs::remove_dir_all(dir).ok();
    }

    /// Flags of the dashboard itself, and the test (or code) that proves each is read. A new
    /// flag fails here until it is given one.
    #[test]
    fn every_dashboard_flag_is_accounted_for() {
        let proven: &[(&str, &str)] = &[
            ("demo", "e2e::demo_snapshot_then_rollback_then_quit"),
            ("profile", "cli::missing_profile_is_one_line_naming_the_fix"),
            ("config", "cli::config_check_names_the_line"),
            (
                "platform",
                "cli::unreachable_url_is_one_line_naming_the_url_and_the_fix",
            ),
            (
                "url",
                "cli::unreachable_url_is_one_line_naming_the_url_and_the_fix",
            ),
            (
                "user",
                "cli::unreachable_url_is_one_line_naming_the_url_and_the_fix",
            ),
            ("tenant", "every_connection_flag_reaches_the_profile"),
            ("insecure", "every_connection_flag_reaches_the_profile"),
            ("ca-cert", "every_connection_flag_reaches_the_profile"),
            ("read-only", "every_connection_flag_reaches_the_profile"),
            ("theme", "cli::an_unknown_theme_is_one_line_naming_it"),
            (
                "log-level",
                "cli::an_unknown_log_level_is_one_line_naming_the_levels",
            ),
            ("demo-time-scale", "e2e tests run --demo faster with it"),
        ];
        for long in longs(&Cli::command()) {
            assert!(
                proven.iter().any(|(l, _)| *l == long),
                "--{long} has no test proving it is read: add one, and list it here"
            );
        }
    }

    /// A refused login names the fix where the site came from: the profile, or the flags.
    #[test]
    fn first_site_failure_points_where_the_site_came_from() {
        let e = backend::BackendError::Auth(
            "TopHC refused user \"admin\": check username, password and tenant in the profile"
                .into(),
        );
        let profile = first_site_failure("lab", "https://h", &e);
        assert!(
            profile.starts_with("profile lab (https://h): ") && profile.contains("in the profile")
        );
        let adhoc = first_site_failure(ADHOC_SITE, "https://h", &e);
        assert!(adhoc.starts_with("https://h: "), "{adhoc}");
        assert!(
            !adhoc.contains("profile") && adhoc.contains("on the command line (--url, --user"),
            "{adhoc}"
        );
    }

    /// Users type global options after the subcommand as often as before it.
    #[test]
    fn global_options_are_read_after_a_subcommand_too() {
        let before = parse(&[
            "--config",
            "/tmp/c.toml",
            "--profile",
            "lab",
            "--theme",
            "light",
            "--log-level",
            "debug",
            "--read-only",
            "config",
            "check",
        ]);
        let after = parse(&[
            "config",
            "check",
            "--config",
            "/tmp/c.toml",
            "--profile",
            "lab",
            "--theme",
            "light",
            "--log-level",
            "debug",
            "--read-only",
        ]);
        let seen = |c: &Cli| {
            (
                c.config.clone(),
                c.profile.clone(),
                c.theme.clone(),
                c.log_level.clone(),
                c.adhoc.read_only,
            )
        };
        assert_eq!(seen(&before), seen(&after));
        assert_eq!(
            after.config.as_deref(),
            Some(std::path::Path::new("/tmp/c.toml"))
        );
        assert!(after.adhoc.read_only);
        assert!(parse(&["config", "check", "--demo"]).demo);
    }

    #[test]
    fn demo_refuses_connection_flags_and_keeps_read_only() {
        for flag in [
            &["--profile", "lab"][..],
            &["--url", "https://x"],
            &["--ca-cert", "x.pem"],
            &["--insecure"],
        ] {
            let argv: Vec<&str> = std::iter::once("vmdeck")
                .chain(std::iter::once("--demo"))
                .chain(flag.iter().copied())
                .collect();
            let err = Cli::try_parse_from(argv).unwrap_err().to_string();
            assert!(err.contains("cannot be used with"), "{flag:?}: {err}");
        }
        let cli = parse(&["--demo", "--read-only"]);
        let sites = demo_sites("http://127.0.0.1:1", cli.adhoc.read_only);
        assert!(sites.iter().all(|s| s.profile.read_only));
        assert!(
            demo_sites("http://127.0.0.1:1", false)
                .iter()
                .all(|s| !s.profile.read_only)
        );
    }
}
