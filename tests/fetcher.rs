//! The fetcher against the simulator over loopback: a VM listing of several pages, asked
//! for a few pages at a time, arrives whole and in order on every platform.

use std::collections::HashSet;
use std::time::Duration;

use secrecy::SecretString;
use vmdeck::backend;
use vmdeck::config::Profile;
use vmdeck::fetcher::{self, Command, Event};
use vmdeck::model::{Named, Platform};
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, SimConfig, SimServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_many_pages_arrives_whole_and_in_order_on_every_platform() {
    let server = SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            vms: Some(2_600),
            time_scale: 50.0,
            ..Default::default()
        },
    )
    .await
    .expect("simulator");
    for platform in [Platform::TopHc, Platform::CloudTower, Platform::ZStack] {
        let profile = Profile::new(platform, server.base_url(), DEFAULT_USER);
        let b = backend::connect(&profile, SecretString::from(DEFAULT_PASSWORD))
            .await
            .expect("login");
        let mut f = fetcher::spawn(b, true);
        f.commands
            .send(Command::LoadVms {
                seq: 7,
                cluster: Named::new("", "All clusters"),
            })
            .unwrap();
        let (mut pages, mut ids) = (Vec::new(), HashSet::new());
        let total = loop {
            let ev = tokio::time::timeout(Duration::from_secs(60), f.events.recv())
                .await
                .expect("the listing moves on")
                .expect("fetcher runs");
            let Event::Vms { seq, result, done } = ev else {
                continue;
            };
            assert_eq!(seq, 7);
            let listing = result.unwrap_or_else(|e| panic!("{platform}: {e}"));
            pages.push(listing.value.request.index);
            let total = listing.value.total;
            for v in listing.value.items {
                assert!(ids.insert(v.id.clone()), "{platform}: {} twice", v.id);
            }
            if done {
                break total;
            }
        };
        let expected: Vec<u32> = (0..pages.len() as u32).collect();
        assert_eq!(pages, expected, "{platform}: pages in order, none twice");
        assert!(pages.len() >= 5, "{platform}: several pages ({pages:?})");
        assert_eq!(ids.len() as u64, total, "{platform}: every VM once");
    }
}
