//! Which sites a headless command talks to, logging in to each, and finding the clusters
//! and VMs its arguments name.

use std::sync::Arc;

use clap::Args;

use crate::backend::{self, Backend, VmQuery};
use crate::cli::{self, Cli, Failure};
use crate::fetcher::VM_CHUNK;
use crate::model::{Named, PageRequest, Platform, Vm};
use crate::sim::SimServer;
use crate::sites::SiteSpec;

/// `--site NAME` (repeatable) or `--all-sites`.
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// Site (profile) to read; repeat for several. Default: the profile the dashboard would
    /// start with (with --demo: all three demo sites).
    #[arg(long = "site", value_name = "NAME")]
    pub sites: Vec<String>,
    /// Every site of the config.
    #[arg(long, conflicts_with = "sites")]
    pub all_sites: bool,
}

/// The chosen sites, and the built-in simulator behind them with `--demo`.
pub struct Selection {
    pub specs: Vec<SiteSpec>,
    demo: Option<SimServer>,
}

/// A site logged in to.
pub struct Target {
    pub site: String,
    pub backend: Arc<dyn Backend>,
    pub spec: SiteSpec,
}

impl Selection {
    /// The sites `which` names, from the config (or ad-hoc flags) the dashboard would use.
    pub async fn choose(cli: &Cli, which: &SiteArgs) -> Result<Selection, Failure> {
        let (all, first, demo) = if cli.demo {
            let server = cli::start_demo(cli).await?;
            let specs = cli::demo_sites(&server.base_url(), cli.adhoc.read_only);
            (specs, None, Some(server))
        } else {
            let (name, profile, config) = cli::choose_profile(cli)?;
            let (specs, first) = cli::site_specs(cli, name, profile, config.as_ref());
            (specs, Some(first), None)
        };
        let specs = if which.all_sites || (which.sites.is_empty() && first.is_none()) {
            all
        } else if which.sites.is_empty() {
            all.into_iter().skip(first.unwrap_or(0)).take(1).collect()
        } else {
            let mut chosen = Vec::new();
            for name in &which.sites {
                let spec = all.iter().find(|s| s.name == *name).ok_or_else(|| {
                    let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                    Failure::user(format!("no site \"{name}\" (sites: {})", known.join(", ")))
                })?;
                if !chosen.iter().any(|s: &SiteSpec| s.name == *name) {
                    chosen.push(spec.clone());
                }
            }
            chosen
        };
        Ok(Selection { specs, demo })
    }

    /// Logs in to one site, as the dashboard does to its first: a failure is one line.
    pub async fn connect(&self, spec: &SiteSpec) -> Result<Target, Failure> {
        spec.profile.validate(&spec.name).map_err(Failure::user)?;
        let password = match &spec.password {
            Some(p) => p.clone(),
            None => spec
                .profile
                .resolve_password(&spec.name)
                .map_err(Failure::user)?,
        };
        let backend = backend::connect(&spec.profile, password)
            .await
            .map_err(|e| {
                Failure::runtime(format!(
                    "site {} ({}): {e}{}",
                    spec.name,
                    spec.profile.url,
                    cli::reach_hint(&e)
                ))
            })?;
        // Every operation a command sends is journaled, as the dashboard's are.
        let backend = backend::journal::Journaled::wrap(
            backend,
            crate::state::journal().clone(),
            spec.name.clone(),
        );
        Ok(Target {
            site: spec.name.clone(),
            backend,
            spec: spec.clone(),
        })
    }

    pub async fn finish(self) {
        if let Some(server) = self.demo {
            server.stop().await;
        }
    }
}

impl Target {
    /// Ends the session, except a TopHC one: its token is a JWT of second-resolution `iat`
    /// and no nonce, so another vmdeck that logged in within the same second holds the very
    /// same token, and revoking ours would end its run too (two cron jobs, a script and the
    /// dashboard). The token expires on its own.
    pub async fn end(self) {
        if self.backend.platform() != Platform::TopHc {
            self.backend.logout().await;
        }
    }

    /// A failure of this site, in one line naming it.
    pub fn failed(&self, e: impl std::fmt::Display) -> Failure {
        Failure::runtime(format!("site {}: {e}", self.site))
    }

    /// The cluster `--cluster` names (by id or name), or every cluster (an empty id).
    pub async fn cluster(&self, arg: Option<&str>) -> Result<Named, Failure> {
        let Some(arg) = arg else {
            return Ok(Named::default());
        };
        let clusters = self.backend.clusters().await.map_err(|e| self.failed(e))?;
        let found = clusters
            .value
            .iter()
            .find(|c| c.id == arg)
            .or_else(|| clusters.value.iter().find(|c| c.name == arg));
        match found {
            Some(c) => Ok(Named::new(c.id.clone(), c.name.clone())),
            None => {
                let names: Vec<&str> = clusters.value.iter().map(|c| c.name.as_str()).collect();
                Err(Failure::user(format!(
                    "site {}: no cluster \"{arg}\" (clusters: {})",
                    self.site,
                    names.join(", ")
                )))
            }
        }
    }

    /// Every VM of `cluster`, page after page, with the clusters that did not answer.
    pub async fn all_vms(&self, cluster: &Named) -> Result<(Vec<Vm>, Vec<String>), Failure> {
        let mut vms = Vec::new();
        let mut failures = Vec::new();
        let mut index = 0;
        loop {
            let query = VmQuery {
                page: Some(PageRequest {
                    index,
                    size: VM_CHUNK,
                }),
                search: String::new(),
            };
            let listing = self
                .backend
                .vms(cluster, &query)
                .await
                .map_err(|e| self.failed(e))?;
            failures.extend(listing.failures.iter().map(|f| {
                format!(
                    "site {}: cluster {}: {}",
                    self.site, f.cluster_name, f.message
                )
            }));
            let done = listing.value.is_last() || listing.value.items.is_empty();
            vms.extend(listing.value.items);
            if done {
                break;
            }
            index += 1;
        }
        Ok((vms, failures))
    }
}

/// The VMs `arg` names: its id, else every VM of that name.
pub fn matching<'a>(vms: &'a [Vm], arg: &str) -> Vec<&'a Vm> {
    let by_id: Vec<&Vm> = vms.iter().filter(|v| v.id == arg).collect();
    if !by_id.is_empty() {
        return by_id;
    }
    vms.iter().filter(|v| v.name == arg).collect()
}
