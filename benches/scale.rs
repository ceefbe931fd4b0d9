//! The README's at-size table, measured side by side in one run: the real client (the
//! dashboard's `App` fed by its fetcher, drawn on a 200×60 TestBackend) against `vmdeck sim`
//! at 10,000 VMs / 100,000 backups / 1,000 snapshots, beside a bare HTTP client sending the
//! same requests (the limit).
//!
//! `cargo bench --bench scale` (sizes: `VMDECK_BENCH_VMS`, `_BACKUPS`, `_SNAPSHOTS`;
//! refreshes: `VMDECK_BENCH_REFRESHES`, default 100).
//!
//! The simulator runs as its own process, and each platform is measured in a fresh process
//! of this bench, so an RSS figure is the client's alone. Targets (issue 10): an idle
//! refresh under 5 % of a full re-read's bytes on CloudTower and ZStack, RSS flat and under
//! 100 MB after 100 refreshes, a frame under 2 ms; the complete list under 3 s (issue 9).

use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use vmdeck::app::{App, Pane};
use vmdeck::backend::{self, Backend};
use vmdeck::config::Profile;
use vmdeck::fetcher::{self, Event, FetcherHandle};
use vmdeck::model::Platform;
use vmdeck::sim::faults::Traffic;
use vmdeck::sim::{DEFAULT_PASSWORD, DEFAULT_USER};

const PLATFORMS: [Platform; 3] = [Platform::TopHc, Platform::CloudTower, Platform::ZStack];
const REFRESH: Duration = Duration::from_secs(5);

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        let platform = match args[i + 1].as_str() {
            "tophc" => Platform::TopHc,
            "cloudtower" => Platform::CloudTower,
            _ => Platform::ZStack,
        };
        let figures = measure(platform, &args[i + 2]);
        println!("{}", serde_json::to_string(&figures).expect("figures"));
        return;
    }
    // `cargo bench` runs every bench target with `--bench`; a filter that is not ours
    // (`cargo bench --bench render -- x`) never reaches here.
    let vms = size("VMDECK_BENCH_VMS", 10_000);
    let backups = size("VMDECK_BENCH_BACKUPS", 100_000);
    let snapshots = size("VMDECK_BENCH_SNAPSHOTS", 1_000);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let mut sim = Process::new(env!("CARGO_BIN_EXE_vmdeck"))
        .args(["sim", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--vms", &vms.to_string(), "--backups", &backups.to_string()])
        .args(["--snapshots", &snapshots.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vmdeck sim starts");
    // It binds its port first and answers once its worlds are built.
    while !answers(port) {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the simulator did not answer"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let sim_ready = started.elapsed();
    let sim_rss = rss_mb(sim.id());
    println!(
        "simulator: {vms} VMs, {backups} backups, {snapshots} snapshots: ready in {:.2} s, {sim_rss:.0} MB RSS",
        sim_ready.as_secs_f64()
    );
    let mut all = Vec::new();
    for p in PLATFORMS {
        let out = Process::new(std::env::current_exe().expect("this bench"))
            .args(["--measure", p.id(), &url])
            .stderr(Stdio::inherit())
            .output()
            .expect("the measuring process runs");
        let line = String::from_utf8_lossy(&out.stdout);
        let f: Figures = serde_json::from_str(line.trim().lines().last().unwrap_or(""))
            .unwrap_or_else(|e| panic!("{p}: {e}: {line}"));
        all.push((p, f));
    }
    let _ = sim.kill();
    let _ = sim.wait();
    print_table(&all);
}

/// Whether the simulator answers HTTP yet (a bare request: this side has no runtime).
fn answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let mut head = [0u8; 12];
    s.write_all(b"GET /__sim/traffic HTTP/1.0\r\nHost: sim\r\n\r\n")
        .is_ok()
        && s.read_exact(&mut head).is_ok()
        // hyper answers in the request's version: `HTTP/1.0 200 OK`.
        && head.starts_with(b"HTTP/1.")
        && &head[9..12] == b"200"
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Figures {
    vms: usize,
    list_s: f64,
    wire_s: f64,
    full_requests: u64,
    full_bytes: u64,
    refresh_requests: u64,
    refresh_bytes: u64,
    refresh_s: f64,
    refreshes: usize,
    rss_list_mb: f64,
    rss_after_mb: f64,
    tree_snapshots: usize,
    tree_s: f64,
    frame_ms: f64,
}

fn print_table(all: &[(Platform, Figures)]) {
    let row = |name: &str, cell: &dyn Fn(&Figures) -> String| {
        let cells: Vec<String> = all.iter().map(|(_, f)| cell(f)).collect();
        println!("| {name} | {} |", cells.join(" | "));
    };
    let names: Vec<String> = all.iter().map(|(p, _)| p.to_string()).collect();
    println!("\n| | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(all.len()));
    row("the complete VM list (client)", &|f| {
        format!("{:.2} s ({} VMs)", f.list_s, f.vms)
    });
    row("the same requests, one by one, bare HTTP", &|f| {
        format!("{:.2} s", f.wire_s)
    });
    row("a full read: requests, bytes", &|f| {
        format!("{}, {}", f.full_requests, mb(f.full_bytes))
    });
    row(
        "an idle refresh: requests, bytes (share of a full read)",
        &|f| {
            format!(
                "{}, {} ({:.3} %)",
                f.refresh_requests,
                mb(f.refresh_bytes),
                100.0 * f.refresh_bytes as f64 / f.full_bytes.max(1) as f64
            )
        },
    );
    row("an idle refresh, until applied", &|f| {
        format!("{:.0} ms", f.refresh_s * 1000.0)
    });
    row("RSS with the list complete", &|f| {
        format!("{:.0} MB", f.rss_list_mb)
    });
    row("RSS after the refreshes", &|f| {
        format!("{:.0} MB ({} refreshes)", f.rss_after_mb, f.refreshes)
    });
    row("the biggest snapshot tree on screen", &|f| {
        format!(
            "{:.0} ms ({} snapshots)",
            f.tree_s * 1000.0,
            f.tree_snapshots
        )
    });
    row("a frame at 200×60 (median)", &|f| {
        format!("{:.2} ms", f.frame_ms)
    });
}

fn mb(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{bytes} B")
    }
}

/// Resident memory of a process, from `/proc` (0 where there is none).
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One platform, in this process: the dashboard's state and fetcher against the simulator.
fn measure(platform: Platform, url: &str) -> Figures {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(measure_async(platform, url))
}

async fn traffic(http: &reqwest::Client, url: &str, reset: Option<bool>) -> Traffic {
    match reset {
        Some(record) => {
            http.post(format!("{url}/__sim/traffic/reset"))
                .json(&serde_json::json!({ "record": record }))
                .send()
                .await
                .expect("reset");
            Traffic::default()
        }
        None => http
            .get(format!("{url}/__sim/traffic"))
            .send()
            .await
            .expect("traffic")
            .json()
            .await
            .expect("traffic JSON"),
    }
}

async fn measure_async(platform: Platform, url: &str) -> Figures {
    let http = reqwest::Client::new();
    let profile = Profile::new(platform, url.to_string(), DEFAULT_USER);
    let backend: Arc<dyn Backend> =
        backend::connect(&profile, SecretString::from(DEFAULT_PASSWORD))
            .await
            .unwrap_or_else(|e| panic!("{platform}: login: {e}"));
    let mut session = vmdeck::session::session_for("bench", &profile, &*backend);
    session.refresh_every = Some(REFRESH);
    let mut app = App::new(session);
    app.tz = jiff::tz::TimeZone::UTC;
    let mut f = fetcher::spawn(backend.clone(), true);
    let mut fig = Figures::default();

    // Launch to the complete list, as the dashboard starts.
    traffic(&http, url, Some(true)).await;
    let t0 = Instant::now();
    let cmds = app.start();
    send(&f, cmds);
    settle(&mut app, &mut f).await;
    fig.list_s = t0.elapsed().as_secs_f64();
    fig.vms = app.vms.list.items.len();
    fig.rss_list_mb = rss_mb(std::process::id());
    let full = traffic(&http, url, None).await;
    fig.full_requests = full.requests;
    fig.full_bytes = full.bytes;

    // The same requests by a bare client, one after another, on one connection.
    let t0 = Instant::now();
    for r in &full.log {
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).expect("method");
        let mut req = http
            .request(method, format!("{url}{}", r.uri))
            .body(r.body.clone());
        for (k, v) in &r.headers {
            req = req.header(k, v);
        }
        let body = req.send().await.expect("replay").bytes().await;
        assert!(body.is_ok(), "{}", r.uri);
    }
    fig.wire_s = t0.elapsed().as_secs_f64();

    // Idle refreshes: the interval passing with nothing else happening.
    let base = Instant::now();
    send(&f, app.tick(base, jiff::Timestamp::now()));
    fig.refreshes = size("VMDECK_BENCH_REFRESHES", 100);
    for k in 1..=fig.refreshes {
        let first = k == 1;
        if first {
            traffic(&http, url, Some(true)).await;
        }
        let t0 = Instant::now();
        let now = base + REFRESH * k as u32;
        send(&f, app.tick(now, jiff::Timestamp::now()));
        settle(&mut app, &mut f).await;
        if first {
            fig.refresh_s = t0.elapsed().as_secs_f64();
            let t = traffic(&http, url, None).await;
            fig.refresh_requests = t.requests;
            fig.refresh_bytes = t.bytes;
            for r in &t.log {
                eprintln!("{platform} idle refresh: {} {}", r.method, r.uri);
            }
            traffic(&http, url, Some(false)).await;
        }
    }
    fig.rss_after_mb = rss_mb(std::process::id());
    assert_eq!(
        app.vms.list.items.len(),
        fig.vms,
        "{platform}: refreshes lost VMs"
    );

    // The VM with the biggest tree: its snapshots on screen.
    let vm = biggest_tree(&*backend, &app).await;
    app.focus = Pane::Vms;
    app.vms.list.select_key(&vm);
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let theme = vmdeck::theme::Theme::dark();
    let t0 = Instant::now();
    let cmds = app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    send(&f, cmds);
    while app.snapshots.tree.is_none() || app.snapshots.loading {
        let ev = next(&mut f).await;
        let cmds = app.on_event(ev);
        send(&f, cmds);
    }
    term.draw(|fr| vmdeck::ui::draw(fr, &app, &theme))
        .expect("draw");
    fig.tree_s = t0.elapsed().as_secs_f64();
    fig.tree_snapshots = app
        .snapshots
        .tree
        .as_ref()
        .map_or(0, |t| t.snapshot_count());

    // Frames: the screen as it stands (10,000 VMs listed, the big tree open).
    app.focus = Pane::Snapshots;
    let mut times: Vec<f64> = (0..60)
        .map(|i| {
            // Move the selection so each frame has something to redraw.
            let key = if i % 2 == 0 {
                KeyCode::Down
            } else {
                KeyCode::Up
            };
            app.handle_key(KeyEvent::new(key, KeyModifiers::NONE));
            let t0 = Instant::now();
            term.draw(|fr| vmdeck::ui::draw(fr, &app, &theme))
                .expect("draw");
            t0.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    fig.frame_ms = times[times.len() / 2];
    fig
}

fn send(f: &FetcherHandle, cmds: Vec<fetcher::Command>) {
    for c in cmds {
        f.commands.send(c).expect("the fetcher runs");
    }
}

async fn next(f: &mut FetcherHandle) -> Event {
    tokio::time::timeout(Duration::from_secs(120), f.events.recv())
        .await
        .expect("the fetcher answers")
        .expect("the fetcher runs")
}

/// Feeds the fetcher's answers to the app until the VM list is complete and nothing more
/// arrives for a moment.
async fn settle(app: &mut App, f: &mut FetcherHandle) {
    loop {
        let complete = !app.vms.loading
            && app.vms.incoming.is_none()
            && app.vms.total > 0
            && app.vms.list.items.len() as u64 == app.vms.total;
        let wait = if complete {
            Duration::from_millis(150)
        } else {
            Duration::from_secs(120)
        };
        match tokio::time::timeout(wait, f.events.recv()).await {
            Ok(Some(ev)) => {
                let cmds = app.on_event(ev);
                send(f, cmds);
            }
            Ok(None) => panic!("the fetcher stopped"),
            Err(_) if complete => return,
            Err(_) => panic!("the VM list did not complete"),
        }
    }
}

/// Seeded worlds give one VM per cluster the big tree (`--snapshots`), the others a few:
/// read trees eight at a time until one has them all.
async fn biggest_tree(b: &dyn Backend, app: &App) -> String {
    use futures::StreamExt;
    let wanted = size("VMDECK_BENCH_SNAPSHOTS", 1_000);
    let mut reads = futures::stream::iter(app.vms.list.items.iter())
        .map(|vm| async move {
            let n = b
                .snapshots(&vm.to_ref())
                .await
                .map_or(0, |t| t.snapshot_count());
            (n, vm.id.clone())
        })
        .buffer_unordered(8);
    let mut best = (0, String::new());
    while let Some((n, id)) = reads.next().await {
        if n > best.0 {
            best = (n, id);
        }
        if best.0 >= wanted {
            break;
        }
    }
    best.1
}
