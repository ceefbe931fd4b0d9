//! The complete VM list of a 10,000-VM site, through the fetcher exactly as the dashboard
//! reads it, on each platform's simulator dialect over loopback.
//!
//! `cargo bench --bench listing`. Target: under 3 s per platform on loopback (issue 9); the
//! README's performance table has the figures beside what the same pages take on the wire.

use std::sync::Arc;
use std::time::Duration;

use divan::Bencher;
use secrecy::SecretString;
use vmdeck::backend::{self, Backend};
use vmdeck::config::Profile;
use vmdeck::fetcher::{self, Command, Event};
use vmdeck::model::{Named, Platform};
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, SimConfig};

#[path = "support/sim_world.rs"]
mod sim_world;
use sim_world::World;

fn main() {
    divan::main();
}

const VMS: usize = 10_000;

fn world() -> &'static World {
    static WORLD: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| {
        World::start(SimConfig {
            vms: Some(VMS),
            time_scale: 50.0,
            ..Default::default()
        })
    })
}

fn connect(platform: Platform) -> Arc<dyn Backend> {
    let w = world();
    let profile = Profile::new(platform, w.server.base_url(), DEFAULT_USER);
    w.rt.block_on(backend::connect(
        &profile,
        SecretString::from(DEFAULT_PASSWORD),
    ))
    .expect("login")
}

/// Every VM of every cluster, as the VMs pane's "All clusters" asks for them.
fn list_all(backend: &Arc<dyn Backend>) -> usize {
    world().rt.block_on(async {
        let mut f = fetcher::spawn(backend.clone(), true);
        f.commands
            .send(Command::LoadVms {
                seq: 1,
                cluster: Named::new("", "All clusters"),
            })
            .expect("fetcher runs");
        let mut n = 0;
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(120), f.events.recv())
                .await
                .expect("the listing moves on")
                .expect("fetcher runs");
            if let Event::Vms { result, done, .. } = ev {
                n += result.expect("a page").value.items.len();
                if done {
                    return n;
                }
            }
        }
    })
}

#[divan::bench(args = [Platform::TopHc, Platform::CloudTower, Platform::ZStack], sample_count = 3, sample_size = 1)]
fn complete_vm_list(bencher: Bencher, platform: Platform) {
    let backend = connect(platform);
    bencher.bench_local(|| {
        let n = list_all(&backend);
        assert!(n >= VMS * 9 / 10, "{platform}: only {n} VMs listed");
        n
    });
}
