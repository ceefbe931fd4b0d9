//! The sites runtime against the real simulator over real sockets: every site logs in on
//! its own task, its events come back tagged with its id, one site's failure does not stop
//! the others, and a refused password can be replaced by a typed one.

use std::time::Duration;

use secrecy::SecretString;
use vmdeck::backend;
use vmdeck::config::Profile;
use vmdeck::fetcher::{Command, Event};
use vmdeck::model::{ClusterState, Platform};
use vmdeck::sim::{self, SimConfig, SimServer};
use vmdeck::sites::{SiteEvent, SiteNews, SiteRequest, SiteSpec, SiteState, SiteTasks};

fn tophc(url: &str, password: &str) -> (Profile, Option<SecretString>) {
    let mut p = Profile::new(Platform::TopHc, url, sim::DEFAULT_USER);
    p.tenant = Some("system".into());
    (p, Some(SecretString::from(password.to_string())))
}

fn spec(name: &str, (profile, password): (Profile, Option<SecretString>)) -> SiteSpec {
    SiteSpec {
        name: name.into(),
        profile,
        password,
    }
}

/// The first event `want` accepts, among those already seen or still to come (the sites
/// run concurrently, so their events interleave in any order).
async fn wait_for(
    sites: &mut SiteTasks,
    seen: &mut Vec<SiteEvent>,
    what: &str,
    want: impl Fn(&SiteEvent) -> bool,
) -> SiteEvent {
    if let Some(i) = seen.iter().position(&want) {
        return seen.remove(i);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ev = tokio::time::timeout_at(deadline, sites.events.recv())
            .await
            .unwrap_or_else(|_| panic!("waited 20s for {what}; saw {seen:#?}"))
            .expect("the sites' channel stays open");
        if want(&ev) {
            return ev;
        }
        seen.push(ev);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_site_connects_on_its_own_and_answers_tagged() {
    let server = SimServer::start("127.0.0.1:0".parse().unwrap(), SimConfig::default())
        .await
        .unwrap();
    let url = server.base_url();
    let first = tophc(&url, sim::DEFAULT_PASSWORD);
    let backend = backend::connect(&first.0, first.1.clone().unwrap())
        .await
        .unwrap();
    let specs = vec![
        spec("alpha", first),
        spec("beta", tophc(&url, sim::DEFAULT_PASSWORD)),
        spec("down", tophc("http://127.0.0.1:9", "x")),
        spec("wrong", tophc(&url, "not-the-password")),
        spec("tower", {
            let mut p = Profile::new(Platform::CloudTower, url.clone(), "admin");
            p.refresh_interval = None;
            (
                p,
                Some(SecretString::from(sim::DEFAULT_PASSWORD.to_string())),
            )
        }),
    ];
    let mut sites = SiteTasks::spawn(specs, 0, backend);
    let mut seen = Vec::new();

    // Nothing connects before it is asked: the UI is up first.
    sites.fetch(1, vec![Command::LoadClusters { seq: 7 }]);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), sites.events.recv())
            .await
            .is_err(),
        "beta is not connected yet, so its command is dropped"
    );
    sites.connect_others();

    let ev = wait_for(&mut sites, &mut seen, "beta to connect", |e| {
        e.site == 1 && matches!(e.news, SiteNews::Connected(_))
    })
    .await;
    let SiteNews::Connected(session) = ev.news else {
        unreachable!()
    };
    assert_eq!(session.profile, "beta");
    assert_eq!(session.platform, Platform::TopHc);
    // Right after logging in, the site reads its clusters for the all-sites view.
    let ev = wait_for(&mut sites, &mut seen, "beta's clusters", |e| {
        e.site == 1 && matches!(e.news, SiteNews::Clusters(_))
    })
    .await;
    let SiteNews::Clusters(Ok(listing)) = ev.news else {
        panic!("beta's clusters: {:?}", ev.news);
    };
    assert_eq!(listing.value.len(), 4);
    assert!(
        listing
            .value
            .iter()
            .any(|c| matches!(c.state, ClusterState::Failed(_)))
    );

    let ev = wait_for(&mut sites, &mut seen, "down to fail", |e| {
        e.site == 2 && matches!(e.news, SiteNews::State(SiteState::Unreachable(_)))
    })
    .await;
    let SiteNews::State(SiteState::Unreachable(why)) = ev.news else {
        unreachable!()
    };
    assert!(why.contains("http://127.0.0.1:9"), "{why}");

    let ev = wait_for(&mut sites, &mut seen, "wrong to be refused", |e| {
        e.site == 3 && matches!(e.news, SiteNews::State(SiteState::NeedsPassword { .. }))
    })
    .await;
    let SiteNews::State(SiteState::NeedsPassword { error: Some(msg) }) = ev.news else {
        panic!("the platform's refusal: {:?}", ev.news);
    };
    assert!(msg.contains("login failed"), "{msg}");
    assert!(!msg.contains("not-the-password"), "{msg}");

    // Another platform is just another site.
    let ev = wait_for(&mut sites, &mut seen, "tower to connect", |e| {
        e.site == 4 && matches!(e.news, SiteNews::Connected(_))
    })
    .await;
    let SiteNews::Connected(session) = ev.news else {
        unreachable!()
    };
    assert_eq!(session.platform, Platform::CloudTower);

    // The same request to two sites: each answer comes back with its own site's tag.
    sites.fetch(0, vec![Command::LoadClusters { seq: 41 }]);
    sites.fetch(1, vec![Command::LoadClusters { seq: 41 }]);
    let mut answered = Vec::new();
    while answered.len() < 2 {
        let ev = wait_for(&mut sites, &mut seen, "both answers", |e| {
            matches!(e.news, SiteNews::Fetched(Event::Clusters { seq: 41, .. }))
        })
        .await;
        answered.push(ev.site);
    }
    answered.sort();
    assert_eq!(answered, [0, 1]);

    // A typed password replaces the refused one.
    sites.request(SiteRequest::Connect {
        site: 3,
        password: Some(SecretString::from(sim::DEFAULT_PASSWORD.to_string())),
    });
    wait_for(&mut sites, &mut seen, "wrong to connect", |e| {
        e.site == 3 && matches!(e.news, SiteNews::Connected(_))
    })
    .await;

    wait_for(&mut sites, &mut seen, "wrong's first clusters", |e| {
        e.site == 3 && matches!(e.news, SiteNews::Clusters(_))
    })
    .await;
    seen.retain(|e| !matches!(e.news, SiteNews::Clusters(_)));

    // Asked again, every connected site reads its clusters; the unreachable one cannot.
    // The tower's first listing may still be on its way, so answers are counted per site.
    sites.request(SiteRequest::ReadClusters { site: None });
    let mut read = std::collections::BTreeSet::new();
    while read.len() < 4 {
        let ev = wait_for(
            &mut sites,
            &mut seen,
            "clusters of every connected site",
            |e| matches!(e.news, SiteNews::Clusters(Ok(_))),
        )
        .await;
        read.insert(ev.site);
    }
    assert_eq!(read.into_iter().collect::<Vec<_>>(), [0, 1, 3, 4]);
    assert!(
        !seen
            .iter()
            .any(|e| e.site == 2 && matches!(e.news, SiteNews::Clusters(Ok(_)))),
        "the unreachable site has no clusters to show"
    );

    tokio::time::timeout(Duration::from_secs(5), sites.shutdown())
        .await
        .expect("shutdown does not wait on unreachable sites");
    server.stop().await;
}

/// A source that gives nothing hands over to the next one in the README's order; when
/// none gives a password the site waits for one typed in the app, saying what was tried
/// (it is not "unreachable", which would only repeat the message on Enter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_password_source_falls_through_then_asks() {
    let server = SimServer::start("127.0.0.1:0".parse().unwrap(), SimConfig::default())
        .await
        .unwrap();
    let url = server.base_url();
    let first = tophc(&url, sim::DEFAULT_PASSWORD);
    let backend = backend::connect(&first.0, first.1.clone().unwrap())
        .await
        .unwrap();
    let unset = "VMDECK_TEST_SURELY_UNSET_LAB_PASSWORD";
    let falls_through = {
        let (mut p, _) = tophc(&url, "");
        p.password_env = Some(unset.into());
        p.password_command = Some(format!("printf {}", sim::DEFAULT_PASSWORD));
        (p, None)
    };
    let nothing_found = {
        let (mut p, _) = tophc(&url, "");
        p.password_env = Some(unset.into());
        (p, None)
    };
    let specs = vec![
        spec("alpha", first),
        spec("beta", falls_through),
        spec("gamma", nothing_found),
    ];
    let mut sites = SiteTasks::spawn(specs, 0, backend);
    let mut seen = Vec::new();
    sites.connect_others();

    wait_for(&mut sites, &mut seen, "beta to connect", |e| {
        e.site == 1 && matches!(e.news, SiteNews::Connected(_))
    })
    .await;
    if std::env::var("VMDECK_PASSWORD").is_err() {
        let ev = wait_for(&mut sites, &mut seen, "gamma to want a password", |e| {
            e.site == 2
                && matches!(
                    e.news,
                    SiteNews::State(SiteState::NeedsPassword { .. } | SiteState::Unreachable(_))
                )
        })
        .await;
        let SiteNews::State(SiteState::NeedsPassword { error: Some(why) }) = ev.news else {
            panic!("gamma should ask for a password, saying why: {:?}", ev.news);
        };
        assert_eq!(
            why,
            format!("environment variable {unset} (password_env) is not set")
        );
        sites.request(SiteRequest::Connect {
            site: 2,
            password: Some(SecretString::from(sim::DEFAULT_PASSWORD.to_string())),
        });
        wait_for(&mut sites, &mut seen, "gamma to connect", |e| {
            e.site == 2 && matches!(e.news, SiteNews::Connected(_))
        })
        .await;
    }
    tokio::time::timeout(Duration::from_secs(5), sites.shutdown())
        .await
        .expect("shutdown");
    server.stop().await;
}
