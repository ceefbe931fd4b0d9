//! Backup pages: decoding a 1,000-item TopHC page, and paging through 100,000 backups with
//! memory that stays flat.
//!
//! `cargo bench --bench backups`. The allocation columns (divan's `AllocProfiler`) show what
//! one page turn allocates and frees: the same at the first page and the last one, and as
//! much freed as allocated, means the pane holds one page and nothing piles up.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use divan::{AllocProfiler, Bencher};
use md5::{Digest, Md5};
use secrecy::SecretString;
use vmdeck::backend::{Backend, tophc};
use vmdeck::config::Profile;
use vmdeck::fetcher::{Command, Event};
use vmdeck::model::{BackupQuery, BackupScope, Named, PageRequest, Platform};
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER, SimConfig};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

#[path = "support/sim_world.rs"]
mod sim_world;
use sim_world::World;

fn main() {
    divan::main();
}

const BACKUPS: usize = 100_000;

fn world() -> &'static World {
    static WORLD: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| {
        World::start(SimConfig {
            vms: Some(100),
            backups: Some(BACKUPS),
            time_scale: 50.0,
            ..Default::default()
        })
    })
}

fn all_backups(page: PageRequest) -> BackupQuery {
    BackupQuery {
        scope: BackupScope::Cluster {
            cluster: Named::new("", "All clusters"),
        },
        category: Default::default(),
        page,
        filter: Default::default(),
    }
}

/// One 1,000-item answer of `/v1/compute/backup/list`, as the simulator sends it.
fn page_body() -> Vec<u8> {
    let w = world();
    w.rt.block_on(async {
        let http = reqwest::Client::new();
        let base = w.server.base_url();
        let md5 = Md5::digest(DEFAULT_PASSWORD.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let login: serde_json::Value = http
            .post(format!("{base}/v1/authentication/login"))
            .json(&serde_json::json!({
                "tenant": "system", "user": DEFAULT_USER, "password": md5, "is_ldap": false
            }))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login answer");
        let token = login["data"]["token"].as_str().expect("token").to_string();
        http.get(format!(
            "{base}/v1/compute/backup/list?cluster_uuid=&page_number=3&page_num=3&page_size=1000"
        ))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("list")
        .bytes()
        .await
        .expect("body")
        .to_vec()
    })
}

#[divan::bench]
fn decode_1k_backup_page(bencher: Bencher) {
    let body = page_body();
    let query = all_backups(PageRequest {
        index: 3,
        size: 1000,
    });
    let page = tophc::decode_backup_page(&body, &query).expect("decodes");
    assert_eq!(page.value.items.len(), 1000, "a full page");
    bencher.bench(|| tophc::decode_backup_page(divan::black_box(&body), &query));
}

/// One page turn in the Backups pane against 100,000 backups: the real backend fetches the
/// page over HTTP and the app replaces the page it shows. `index` 0 is the first page of 20,
/// 4,999 the last.
#[divan::bench(args = [0, 2_500, 4_999])]
fn page_turn_through_100k_backups(bencher: Bencher, index: u32) {
    let w = world();
    let mut profile = Profile::new(Platform::TopHc, w.server.base_url(), DEFAULT_USER);
    profile.tenant = Some("system".into());
    let backend: Arc<dyn Backend> = Arc::new(
        w.rt.block_on(tophc::TopHc::connect(
            &profile,
            SecretString::from(DEFAULT_PASSWORD.to_string()),
        ))
        .expect("connects"),
    );
    let mut app = common::main_app(10);
    let query = all_backups(PageRequest { index, size: 20 });
    bencher.bench_local(|| {
        let result = w.rt.block_on(backend.backups(&query));
        // As the loop would: the pane asks, the answer for that request arrives.
        app.backups.scope = Some(query.scope.clone());
        app.backups.request = query.page;
        let seq = app
            .update(vmdeck::app::Action::Refresh)
            .into_iter()
            .find_map(|c| match c {
                Command::LoadBackups { seq, .. } => Some(seq),
                _ => None,
            })
            .expect("the pane asks for its page");
        app.on_event(Event::Backups { seq, result });
        assert!(app.backups.list.items.len() <= 20);
    });
}
