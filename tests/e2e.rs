//! End to end, the way a person uses it: `vmdeck` in a real terminal (tmux), keys sent one
//! by one, the screen read back. Needs tmux; `scripts/ensure-tmux.sh` installs it. Every run
//! gets its own HOME and XDG directories, so the developer's config and state are never
//! read or written.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A private HOME with XDG config and state directories; removed on drop.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "vmdeck-e2e-{tag}-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        for sub in ["home", "config", "state"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        Scratch { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.join(sub)
    }

    /// HOME, XDG_CONFIG_HOME and XDG_STATE_HOME pointing inside.
    fn env(&self) -> Vec<(&'static str, String)> {
        let p = |sub: &str| self.path(sub).to_string_lossy().into_owned();
        vec![
            ("HOME", p("home")),
            ("XDG_CONFIG_HOME", p("config")),
            ("XDG_STATE_HOME", p("state")),
        ]
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A private tmux server running one vmdeck session; killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(args: &str, env: &[(&str, String)], width: u16, height: u16) -> Tmux {
        ensure_tmux();
        let socket = format!("vmdeck-e2e-{}-{}", std::process::id(), rand_suffix());
        let bin = env!("CARGO_BIN_EXE_vmdeck");
        let envs: String = env.iter().map(|(k, v)| format!("{k}='{v}' ")).collect();
        // The developer's own vmdeck settings must not leak in.
        let cmd = format!(
            "env -u VMDECK_PASSWORD -u VMDECK_CONFIG -u VMDECK_PROFILE -u VMDECK_THEME {envs}{bin} {args}; echo EXIT:$?; sleep 600"
        );
        let t = Tmux { socket };
        t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-e",
            "TERM=xterm-256color",
            &cmd,
        ]);
        t.tmux(&["set", "-g", "status", "off"]);
        t.tmux(&["set", "-s", "escape-time", "0"]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// The screen with its attributes as escape sequences (`capture-pane -e`).
    fn screen_with_escapes(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-e", "-t", "e2e"])
    }

    /// Waits until the screen shows `text`; fails with the screen as it is.
    #[track_caller]
    fn wait_for(&self, text: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("waited {secs}s for {text:?}; the screen shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `ready` holds for the screen; fails with the screen as it is.
    #[track_caller]
    fn wait_until(&self, what: &str, secs: u64, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if ready(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("waited {secs}s for {what}; the screen shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends tmux key names ("Enter", "Tab", "C-u", "j").
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "e2e", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
        std::thread::sleep(Duration::from_millis(60));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0)
}

fn ensure_tmux() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ensure-tmux.sh");
    let ok = Command::new(script)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "tmux is needed for the end-to-end test and could not be installed ({script})"
    );
}

/// The line of the Tasks pane that mentions `title`.
fn task_line<'a>(screen: &'a str, title: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.contains(title) && (l.contains('✓') || l.contains('✗') || l.contains('?')))
}

#[test]
fn demo_snapshot_then_rollback_then_quit() {
    let scratch = Scratch::new("demo");
    let t = Tmux::start("--demo --demo-time-scale 4", &scratch.env(), 160, 48);
    t.wait_for("● connected", 20);
    t.wait_for("Clusters", 5);

    // To the VM list, onto the first VM, and into it.
    t.keys(&["Tab"]);
    t.wait_for("┏ VMs", 5);
    t.keys(&["Enter"]);
    t.wait_for("┏ Snapshots ·", 10);

    // Take a snapshot named e2e-a from the keyboard.
    let snapshot = |name: &str| {
        t.keys(&["c"]);
        t.wait_for("New snapshot of", 5);
        t.keys(&["C-u"]);
        t.type_text(name);
        t.keys(&["Enter"]);
        t.wait_for("Create snapshot — confirm", 5);
        t.wait_for("POST /v1/compute/vsd/snapshot/create", 10);
        t.keys(&["Enter"]);
    };
    snapshot("e2e-a");
    let s = t.wait_for("succeeded", 30);
    assert!(
        task_line(&s, "Create snapshot").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    t.wait_for("e2e-a", 15);

    // A second one, so there is somewhere to roll back to.
    snapshot("e2e-b");
    // The tree row (name, then its date) — not the task line, which shows the name at once.
    // Then wait for the tree to settle on it: the task is over, the tree re-read and the
    // selection on the VM's new place, so the next key is not overtaken by a refresh.
    t.wait_until("the tree to settle on e2e-b", 30, |s| {
        s.contains("e2e-b  20")
            && s.contains("Name: e2e-b")
            && !s.contains("loading…")
            && task_line(s, "snapshot e2e-b").is_some_and(|l| l.contains('✓'))
    });

    // The selection followed the VM onto e2e-b; e2e-a is right above it in the chain.
    t.keys(&["k"]);
    t.wait_for("Name: e2e-a", 5);
    t.keys(&["R"]);
    t.wait_for("Roll back", 5);
    t.wait_for("Take a safety snapshot", 5);
    t.keys(&["Enter"]);
    let s = t.wait_for("/v1/compute/vsd/snapshot/rollback", 10);
    assert!(
        s.contains("Step 1/2: Create snapshot"),
        "safety snapshot first:\n{s}"
    );
    // Enter alone must not run it: the name has to be typed.
    t.keys(&["Enter"]);
    t.wait_for("Type e2e-a to confirm", 3);
    t.type_text("e2e-a");
    t.keys(&["Enter"]);
    // The safety snapshot is taken (and the VM sits on it) before the rollback starts, so
    // "currently sits on this" alone proves nothing: wait for the rollback task to end.
    let s = t.wait_until("the rollback task to end", 60, |s| {
        task_line(s, "Roll back VM").is_some()
    });
    assert!(
        task_line(&s, "Roll back VM").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    // The tree is re-read once the task ends; the selection follows the VM back onto e2e-a.
    t.wait_until("the VM back on e2e-a", 15, |s| {
        s.contains("Name: e2e-a") && s.contains("The VM currently sits on this")
    });

    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
}

/// The line of the Tasks pane for our operation on `target` (others' tasks share titles).
fn our_task<'a>(screen: &'a str, title: &str, target: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.contains(title) && l.contains(target) && !l.contains("· by "))
}

/// The value of `label: value` in the Details pane (its right-hand column).
fn detail_value(screen: &str, label: &str) -> Option<String> {
    let key = format!("{label}: ");
    screen.lines().find_map(|l| {
        let rest = l.rsplit('│').nth(1).unwrap_or(l);
        rest.split(&key).nth(1).map(|v| v.trim().to_string())
    })
}

/// Which `│`-separated part of a screen line the VMs pane is, from its title line; with
/// that line's index.
fn vms_pane_column(screen: &str) -> Option<(usize, usize)> {
    screen.lines().enumerate().find_map(|(n, l)| {
        l.split(['╭', '╮', '┏', '┓'])
            .position(|part| part.starts_with(" VMs"))
            .map(|col| (n, col))
    })
}

/// The text of the VMs pane's rows (header included), between its side borders.
fn vms_pane_rows(screen: &str) -> Vec<String> {
    let Some((title, col)) = vms_pane_column(screen) else {
        return vec![];
    };
    screen
        .lines()
        .skip(title + 1)
        .map_while(|l| {
            let part = l.split(['│', '┃']).nth(col)?;
            // The bottom border has no side borders to split on.
            (!part.contains(['╰', '┗'])).then(|| part.to_string())
        })
        .collect()
}

/// The number of VMs the VMs pane's title says are listed (`VMs · cluster · N`), once it
/// is not loading.
fn vms_count(screen: &str) -> Option<usize> {
    let (title, col) = vms_pane_column(screen)?;
    let line = screen.lines().nth(title)?;
    let part = line.split(['╭', '╮', '┏', '┓']).nth(col)?;
    let text = part.split(['─', '━']).next()?;
    text.split(" · ")
        .skip(1)
        .find_map(|p| p.trim().parse().ok())
}

fn ended(line: Option<&str>) -> bool {
    line.is_some_and(|l| l.contains('✓') || l.contains('✗') || l.contains('?'))
}

#[test]
fn demo_cloudtower_snapshot_rollback_restore() {
    let scratch = Scratch::new("ct");
    let t = Tmux::start("--demo --demo-time-scale 10", &scratch.env(), 160, 48);
    t.wait_for("● connected", 20);
    t.keys(&[":"]);
    t.type_text("profile demo-cloudtower");
    t.keys(&["Enter"]);
    t.wait_for("demo-cloudtower · CloudTower", 20);
    t.wait_for("VMs · All clusters · 1", 20);

    // Onto the first VM and into it: CloudTower's snapshots are a list by time.
    t.keys(&["Tab"]);
    t.wait_for("┏ VMs", 5);
    t.keys(&["Enter"]);
    t.wait_for("┏ Snapshots ·", 10);
    t.wait_for("◆ now", 10);

    // A crash-consistent snapshot (the first VM has no guest tools) from the keyboard.
    t.keys(&["c"]);
    t.wait_for("New snapshot of", 5);
    t.wait_for("unavailable: needs the guest tools", 5);
    t.keys(&["C-u"]);
    t.type_text("e2e-ct");
    t.keys(&["Enter"]);
    t.wait_for("Create snapshot — confirm", 5);
    t.wait_for("POST /v2/api/create-vm-snapshot", 10);
    t.keys(&["Enter"]);
    let s = t.wait_until("the snapshot task to end", 60, |s| {
        ended(our_task(s, "Create snapshot", "snapshot e2e-ct"))
    });
    assert!(
        our_task(&s, "Create snapshot", "snapshot e2e-ct").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    t.wait_until("the list to show e2e-ct", 20, |s| {
        s.contains("e2e-ct  20") && !s.contains("loading…")
    });

    // Roll back to it: the newest snapshot sits right above the "now" marker.
    t.keys(&["G", "k"]);
    t.wait_for("Name: e2e-ct", 5);
    t.keys(&["R"]);
    t.wait_for("Take a safety snapshot", 5);
    t.keys(&["Enter"]);
    let s = t.wait_for("POST /v2/api/rollback-vm", 10);
    assert!(s.contains("Step 1/2: Create snapshot"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("Type e2e-ct to confirm", 3);
    t.type_text("e2e-ct");
    t.keys(&["Enter"]);
    let s = t.wait_until("the rollback to end", 60, |s| {
        ended(our_task(s, "Roll back VM", "snapshot e2e-ct"))
    });
    assert!(
        our_task(&s, "Roll back VM", "snapshot e2e-ct").is_some_and(|l| l.contains('✓')),
        "{s}"
    );

    // Restore one of its restore points as a new VM, placed on a host of its cluster.
    t.keys(&["Tab"]);
    t.wait_for("┏ Backups ·", 5);
    t.wait_for(" done ", 10);
    let s = t.wait_until("the VMs pane's count", 10, |s| vms_count(s).is_some());
    let vms_before = vms_count(&s).unwrap();
    t.keys(&["R"]);
    t.wait_for("as a new VM", 5);
    t.keys(&["Enter"]);
    t.wait_for("to a new VM", 5);
    t.wait_until("hosts to load", 15, |s| {
        s.contains("Cluster · host") && s.contains("node-") && !s.contains("loading clusters")
    });
    t.keys(&["Enter"]);
    t.wait_for("Restore backup — confirm", 5);
    t.wait_for("POST /v2/api/backup-rebuild-vm", 10);
    t.keys(&["Enter"]);
    // The target ("backup … → new VM …") is cut short in the Tasks pane.
    let s = t.wait_until("the restore to end", 90, |s| {
        ended(our_task(s, "Restore backup", "backup "))
    });
    assert!(
        our_task(&s, "Restore backup", "backup ").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    // The new VM is listed: the VMs pane (not the status line, which names it too) counts
    // one more and has its row.
    t.wait_until("the restored VM to be listed", 20, |s| {
        vms_count(s) == Some(vms_before + 1)
            && vms_pane_rows(s).iter().any(|row| {
                row.trim_start_matches(['▸', ' '])
                    .split_whitespace()
                    .next()
                    .is_some_and(|name| name.contains("-restored-"))
            })
    });

    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
}

/// The simulator on a runtime the test owns, for vmdeck processes to connect to.
struct Simulator {
    runtime: tokio::runtime::Runtime,
    server: Option<vmdeck::sim::SimServer>,
}

impl Simulator {
    fn start() -> Simulator {
        Simulator::with(vmdeck::sim::SimConfig::default())
    }

    fn with(config: vmdeck::sim::SimConfig) -> Simulator {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime
            .block_on(vmdeck::sim::SimServer::start(
                "127.0.0.1:0".parse().unwrap(),
                config,
            ))
            .unwrap();
        Simulator {
            runtime,
            server: Some(server),
        }
    }

    fn url(&self) -> String {
        self.server
            .as_ref()
            .map(|s| s.base_url())
            .unwrap_or_default()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.stop());
        }
    }
}

/// Five sites: alpha and beta on the simulator (password from the environment and from a
/// command), down (nothing listens), slow (accepts connections, never answers) and locked
/// (no password anywhere: it must be typed).
fn sites_config(dir: &Path, sim_url: &str, slow: &str) -> PathBuf {
    let profile = |name: &str, url: &str, password: &str| {
        format!(
            "[profiles.{name}]\nplatform = \"tophc\"\nurl = \"{url}\"\nusername = \"admin\"\ntenant = \"system\"\nrefresh_interval = \"off\"\n{password}\n"
        )
    };
    let env = "password_env = \"VMDECK_E2E_PASSWORD\"";
    let text = [
        profile("alpha", sim_url, env),
        profile("beta", sim_url, "password_command = \"printf vmdeck-demo\""),
        profile("down", "http://127.0.0.1:9", env),
        profile("locked", sim_url, ""),
        profile("slow", &format!("http://{slow}"), env),
    ]
    .join("\n");
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The names in the focused list's rows (the focused pane is the one with `┃` borders).
fn focused_names(screen: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_rows = false;
    for line in screen.lines() {
        if line.contains("NAME") && line.contains("POWER") {
            in_rows = true;
            continue;
        }
        if !in_rows {
            continue;
        }
        let Some(row) = line.split('┃').nth(1) else {
            break;
        };
        match row.trim_start_matches('▸').split_whitespace().next() {
            Some(name) => names.push(name.trim_end_matches('…').to_string()),
            None => break,
        }
    }
    names
}

fn in_order(names: &[String], descending: bool) -> bool {
    names.windows(2).all(|w| {
        let (a, b) = (w[0].to_lowercase(), w[1].to_lowercase());
        let (a, b) = if descending { (b, a) } else { (a, b) };
        // A cut name is a prefix of the real one, which sorts at or after it.
        a <= b || a.starts_with(&b)
    })
}

#[test]
fn sites_switch_filter_sort_and_no_color() {
    let sim = Simulator::start();
    // Accepts connections and never answers: a site that hangs.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let scratch = Scratch::new("sites");
    let cfg = sites_config(
        &scratch.path("config"),
        &sim.url(),
        &hole.local_addr().unwrap().to_string(),
    );
    let mut env = scratch.env();
    env.push(("VMDECK_E2E_PASSWORD", vmdeck::sim::DEFAULT_PASSWORD.into()));
    let args = format!("--config {} --profile alpha", cfg.display());
    let t = Tmux::start(&args, &env, 160, 48);
    t.wait_for("● connected", 20);
    t.wait_for("alpha · TopHC", 5);

    // Every site at once: both simulator sites with their clusters, down with its reason,
    // locked waiting for a password, slow still trying — and the UI answering meanwhile.
    t.keys(&[":"]);
    t.type_text("sites");
    t.keys(&["Enter"]);
    let s = t.wait_until("every site in the all-sites view", 20, |s| {
        s.contains("All sites")
            && s.matches("✗ edge-cluster-04").count() == 2
            && s.matches("生产集群-A").count() == 2
            && s.contains("cannot reach http://127.0.0.1:9")
            && s.contains("needs a password")
    });
    let line = |s: &str, name: &str| {
        s.lines()
            .find(|l| l.contains(&format!(" {name} ")) && l.contains("tophc"))
            .unwrap_or("")
            .to_string()
    };
    assert!(line(&s, "slow").contains("◌ connecting"), "{s}");
    assert!(line(&s, "alpha").contains("● connected"), "{s}");
    assert!(line(&s, "beta").contains("● connected"), "{s}");
    assert!(s.contains("2/5 sites up"), "{s}");
    // Keys are answered while slow hangs: the picker opens and closes.
    t.keys(&["P"]);
    t.wait_for("All sites — every site's clusters at once", 5);
    t.keys(&["Escape"]);
    let s = t.wait_until("the picker to close", 5, |s| {
        !s.contains("every site's clusters at once")
    });
    assert!(line(&s, "slow").contains("◌ connecting"), "{s}");

    // locked: a wrong password shows the platform's answer, the right one logs in; the
    // password is never on the screen.
    t.keys(&[":"]);
    t.type_text("profile locked");
    t.keys(&["Enter"]);
    t.wait_for("Password for locked", 5);
    t.type_text("nope-wrong");
    t.keys(&["Enter"]);
    let s = t.wait_for("login failed", 10);
    assert!(!s.contains("nope-wrong"), "{s}");
    assert!(s.contains("TopHC refused"), "the platform's message:\n{s}");
    t.type_text(vmdeck::sim::DEFAULT_PASSWORD);
    t.keys(&["Enter"]);
    let s = t.wait_for("locked · TopHC", 10);
    assert!(!s.contains(vmdeck::sim::DEFAULT_PASSWORD), "{s}");
    t.wait_for("3/5 sites up", 10);

    // :profile switches the dashboard to beta, panes and all.
    t.keys(&[":"]);
    t.type_text("profile beta");
    t.keys(&["Enter"]);
    t.wait_for("beta · TopHC", 10);
    t.wait_for("✗ edge-cluster-04", 10);

    // Filter the VM list with /.
    t.keys(&["Tab"]);
    let s = t.wait_until("beta's VMs", 15, |s| {
        s.contains("┏ VMs") && s.contains("gitlab") && s.contains("redis-cache")
    });
    assert!(focused_names(&s).len() > 3, "{s}");
    t.keys(&["/"]);
    t.type_text("gitlab");
    t.keys(&["Enter"]);
    let s = t.wait_until("the filter to apply", 5, |s| {
        s.contains("/gitlab") && !s.contains("redis-cache")
    });
    let names = focused_names(&s);
    assert!(
        !names.is_empty() && names.iter().all(|n| n.contains("gitlab")),
        "{names:?}\n{s}"
    );
    t.keys(&["/", "Escape"]);
    t.wait_for("redis-cache", 5);

    // Sort by name from the keyboard, then reverse it; the sort is kept in the state file.
    t.keys(&["o"]);
    let s = t.wait_for("by name ↑", 5);
    let up = focused_names(&s);
    assert!(up.len() > 3 && in_order(&up, false), "{up:?}\n{s}");
    t.keys(&["O"]);
    let s = t.wait_for("by name ↓", 5);
    let down = focused_names(&s);
    assert!(down.len() > 3 && in_order(&down, true), "{down:?}\n{s}");
    assert_ne!(up.first(), down.first());
    let state = scratch.path("state").join("vmdeck/state.toml");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&state).is_ok_and(|s| s.contains("name:desc")) {
        assert!(
            Instant::now() < deadline,
            "sort not saved in {}",
            state.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
    drop(t);

    // NO_COLOR: not one colour on screen, and the selected row is still marked.
    let mut env = scratch.env();
    env.push(("VMDECK_E2E_PASSWORD", vmdeck::sim::DEFAULT_PASSWORD.into()));
    env.push(("NO_COLOR", "1".into()));
    let t = Tmux::start(&args, &env, 160, 48);
    t.wait_for("● connected", 20);
    t.wait_for("host3222-cvm3322", 10);
    let raw = t.screen_with_escapes();
    let colours = colour_codes(&raw);
    assert!(colours.is_empty(), "colours under NO_COLOR: {colours:?}");
    // The Clusters pane has focus; its first row ("All clusters") is selected.
    let selected = raw
        .lines()
        .find(|l| strip_escapes(l).contains("┃▸ All clusters"))
        .expect("the Clusters pane's first row");
    let attrs = attributes_at(selected, "All clusters");
    assert!(
        attrs.contains(&7) || attrs.contains(&1),
        "the selected row is reverse or bold (SGR {attrs:?}): {selected:?}"
    );
    let other = raw
        .lines()
        .find(|l| strip_escapes(l).contains("● 生产集群-A"))
        .expect("an unselected row");
    assert!(
        !attributes_at(other, "生产集群-A").contains(&7),
        "only the selection is reversed: {other:?}"
    );
    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
}

/// SGR parameters that set a colour (default colours 39/49 are not colours).
fn colour_codes(raw: &str) -> Vec<String> {
    let mut found = Vec::new();
    for part in raw.split("\u{1b}[").skip(1) {
        let Some(end) = part.find(|c: char| c.is_ascii_alphabetic()) else {
            continue;
        };
        if &part[end..=end] != "m" {
            continue;
        }
        let params: Vec<u32> = part[..end]
            .split(';')
            .filter_map(|p| p.parse().ok())
            .collect();
        if params
            .iter()
            .any(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107))
        {
            found.push(part[..end].to_string());
        }
    }
    found
}

fn strip_escapes(line: &str) -> String {
    let mut out = String::new();
    let mut parts = line.split('\u{1b}');
    out.push_str(parts.next().unwrap_or(""));
    for part in parts {
        // "[...m" and the like: drop up to the final letter.
        match part.find(|c: char| c.is_ascii_alphabetic()) {
            Some(end) => out.push_str(&part[end + 1..]),
            None => out.push_str(part),
        }
    }
    out
}

/// The SGR attributes in force where `text` starts in a captured line.
fn attributes_at(line: &str, text: &str) -> Vec<u32> {
    let end = line.find(text).unwrap_or(line.len());
    let mut on: Vec<u32> = Vec::new();
    for part in line[..end].split('\u{1b}').skip(1) {
        let Some(body) = part.strip_prefix('[') else {
            continue;
        };
        let Some(stop) = body.find(|c: char| c.is_ascii_alphabetic()) else {
            continue;
        };
        if &body[stop..=stop] != "m" {
            continue;
        }
        for p in body[..stop].split(';') {
            match p.parse::<u32>().unwrap_or(0) {
                0 => on.clear(),
                22 => on.retain(|a| *a != 1 && *a != 2),
                27 => on.retain(|a| *a != 7),
                a => on.push(a),
            }
        }
    }
    on
}

#[test]
fn demo_zstack_snapshot_revert_backup_restore() {
    let scratch = Scratch::new("zs");
    let t = Tmux::start("--demo --demo-time-scale 10", &scratch.env(), 160, 48);
    t.wait_for("● connected", 20);
    t.keys(&[":"]);
    t.type_text("profile demo-zstack");
    t.keys(&["Enter"]);
    t.wait_for("demo-zstack · ZStack", 20);
    t.wait_for("VMs · All clusters · 1", 20);

    // The first VM is stopped; its volumes' snapshot trees show under it.
    t.keys(&["Tab"]);
    t.wait_for("┏ VMs", 5);
    t.keys(&["Enter"]);
    t.wait_for("┏ Snapshots ·", 10);
    t.wait_for("▣ Root volume", 10);
    t.wait_for("◆ now", 10);

    // A snapshot of the root volume (the one under the cursor).
    t.keys(&["c"]);
    t.wait_for("New snapshot of", 5);
    t.wait_for("(root", 5);
    t.keys(&["C-u"]);
    t.type_text("e2e-zs");
    t.keys(&["Enter"]);
    t.wait_for("Snapshot volume — confirm", 5);
    let s = t.wait_for("X-Job-UUID", 10);
    assert!(s.contains("/volume-snapshots"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_until("the snapshot to be taken", 60, |s| {
        ended(our_task(s, "Snapshot volume", "← snapshot e2e-z"))
    });
    assert!(
        our_task(&s, "Snapshot volume", "← snapshot e2e-z").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    // It hangs under the volume's latest snapshot, and the volume is now on it.
    t.wait_until("the tree to show e2e-zs", 20, |s| {
        s.contains("e2e-zs  20") && !s.contains("loading…")
    });

    // Revert to the snapshot before it, on the stopped VM: no stop is needed.
    t.keys(&["k", "k"]);
    // Both keys must have landed: the same name twice in a row, and not e2e-zs.
    let mut last = String::new();
    let name = loop {
        let s = t.wait_until("an older snapshot selected", 5, |s| {
            s.contains("Name: ") && !s.contains("Name: e2e-zs")
        });
        let now = detail_value(&s, "Name").expect("the details name the snapshot");
        if now == last {
            break now;
        }
        last = now;
        std::thread::sleep(Duration::from_millis(300));
    };
    t.keys(&["R"]);
    t.wait_for("Take a safety snapshot", 5);
    t.keys(&["Enter"]);
    t.wait_for("Revert volume — confirm", 5);
    t.wait_for("X-Job-UUID", 10);
    t.wait_for(&format!("Type {name} to confirm"), 5);
    t.type_text(&name);
    t.keys(&["Enter"]);
    // The only revert so far (its target is cut short in the Tasks pane).
    let s = t.wait_until("the revert to end", 60, |s| {
        ended(our_task(s, "Revert volume", "· snapshot "))
    });
    assert!(
        our_task(&s, "Revert volume", "· snapshot ").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    // The volume now sits on the snapshot it went back to.
    t.wait_until("the volume on the snapshot it reverted to", 20, |s| {
        detail_value(s, "Name").as_deref() == Some(name.as_str())
            && s.contains("currently sits on this snapshot")
    });

    // A VM backup needs the VM running: start it from the VMs pane.
    t.keys(&["Escape"]);
    t.wait_for("┏ VMs", 5);
    t.keys(&["s"]);
    t.wait_for("Start VM — confirm", 5);
    t.wait_for("X-Job-UUID", 10);
    t.keys(&["Enter"]);
    t.wait_until("the VM to start", 60, |s| {
        ended(our_task(s, "Start VM", "VM "))
    });

    // Back it up (VM backups are the first kind listed), full, to the first storage.
    t.keys(&["Tab", "Tab"]);
    t.wait_for("┏ Backups ·", 5);
    t.keys(&["c"]);
    t.wait_for("Back up ", 5);
    t.wait_until("the storages to load", 10, |s| {
        s.contains("Backup storage") && !s.contains("loading…")
    });
    t.keys(&["Enter"]);
    t.wait_for("Create backup — confirm", 5);
    t.wait_for("X-Job-UUID", 10);
    t.keys(&["Enter"]);
    let s = t.wait_until("the backup to end", 90, |s| {
        ended(our_task(s, "Create backup", " → "))
    });
    assert!(
        our_task(&s, "Create backup", " → ").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    t.wait_until("the backup to be listed", 20, |s| s.contains(" done "));

    // Revert the VM from it: ZStack wants it stopped, so the stop is offered first, as
    // its own confirmed step.
    t.keys(&["g", "R"]);
    t.wait_for("Cannot restore in place yet", 5);
    t.keys(&["s"]);
    t.wait_for("Stop ", 5);
    t.keys(&["Enter"]);
    t.wait_for("Shut down VM — confirm", 5);
    let s = t.wait_for("to confirm", 5);
    let vm = s
        .lines()
        .find_map(|l| l.split("Type ").nth(1))
        .and_then(|r| r.split(" to confirm").next())
        .map(|n| n.trim().to_string())
        .expect("asks for the VM's name");
    t.type_text(&vm);
    t.keys(&["Enter"]);
    t.wait_until("the VM to stop", 60, |s| {
        ended(our_task(s, "Shut down VM", "VM "))
    });
    t.wait_until("the VM row to say stopped", 20, |s| {
        s.lines().any(|l| l.contains(&vm) && l.contains("stopped"))
    });
    t.keys(&["R"]);
    t.wait_for("in place", 5);
    t.keys(&["Enter"]);
    t.wait_for("Restore in place — confirm", 5);
    t.wait_for("X-Job-UUID", 10);
    t.keys(&["Enter"]);
    t.wait_for(&format!("Type {vm} to confirm"), 3);
    t.type_text(&vm);
    t.keys(&["Enter"]);
    let s = t.wait_until("the VM to be reverted", 90, |s| {
        ended(our_task(s, "Restore in place", "backup "))
    });
    assert!(
        our_task(&s, "Restore in place", "backup ").is_some_and(|l| l.contains('✓')),
        "{s}"
    );

    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
}

/// `vmdeck sim --tls` as a process, the way the README tells a new user to run it.
struct TlsSim {
    child: std::process::Child,
    url: String,
    cert: PathBuf,
}

impl TlsSim {
    fn start() -> TlsSim {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_vmdeck"))
            .args(["sim", "--listen", "127.0.0.1:0", "--tls"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("vmdeck sim starts");
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        let (mut url, mut cert, mut printed) = (None, None, Vec::new());
        for line in out.lines() {
            let line = line.unwrap();
            let word = |i: usize| line.split_whitespace().nth(i).map(str::to_string);
            if line.trim_start().starts_with("base URL") {
                url = word(2);
            } else if line.trim_start().starts_with("certificate ") {
                cert = word(1).map(PathBuf::from);
            }
            printed.push(line.clone());
            if line.starts_with("Ctrl-C stops it.") {
                break;
            }
        }
        let printed = printed.join("\n");
        let (Some(url), Some(cert)) = (url, cert) else {
            panic!("no base URL or certificate printed:\n{printed}")
        };
        assert!(url.starts_with("https://127.0.0.1:"), "{printed}");
        assert!(
            printed.contains(&format!(
                "vmdeck --platform zstack --url {url} --user admin --ca-cert {}",
                cert.display()
            )),
            "a ready --ca-cert connect line:\n{printed}"
        );
        let pem = std::fs::read_to_string(&cert).expect("the printed certificate exists");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        TlsSim { child, url, cert }
    }

    /// Ctrl-C, as the banner says.
    fn stop(mut self) {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "vmdeck sim ends cleanly on Ctrl-C: {status}"
        );
    }
}

impl Drop for TlsSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One connection attempt that ends before the screen opens: the line it ends with.
fn refused_line(url: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vmdeck"))
        .args(["--platform", "zstack", "--url", url, "--user", "admin"])
        .args(extra)
        .env_remove("VMDECK_CONFIG")
        .env_remove("VMDECK_PROFILE")
        .env("VMDECK_PASSWORD", vmdeck::sim::DEFAULT_PASSWORD)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn sim_tls_from_the_shell_refused_then_trusted() {
    let sim = TlsSim::start();
    let scratch = Scratch::new("tls");

    // Not trusted by default: says so, and names both ways to fix it.
    let err = refused_line(&sim.url, &[]);
    assert!(err.contains("certificate is not trusted"), "{err}");
    assert!(
        err.contains("--ca-cert") && err.contains("--insecure"),
        "{err}"
    );
    assert!(!err.contains("check the url (host and port)"), "{err}");
    // http:// against it: the answer is a TLS alert, and the line says to use https://.
    let plain = sim.url.replace("https://", "http://");
    let err = refused_line(&plain, &[]);
    assert!(err.contains("use https://"), "{err}");

    for trust in [
        format!("--ca-cert {}", sim.cert.display()),
        "--insecure".into(),
    ] {
        let mut env = scratch.env();
        env.push(("VMDECK_PASSWORD", vmdeck::sim::DEFAULT_PASSWORD.into()));
        let args = format!("--platform zstack --url {} --user admin {trust}", sim.url);
        let t = Tmux::start(&args, &env, 140, 40);
        let s = t.wait_for("● connected", 20);
        assert!(
            s.contains(&sim.url),
            "{trust}: the status bar names the https url\n{s}"
        );
        // Reads go on over the trusted connection: the VMs pane fills.
        t.wait_until("the VMs pane to list VMs", 20, |s| {
            vms_count(s).is_some_and(|n| n > 0)
        });
        t.keys(&["q"]);
        t.wait_for("EXIT:0", 10);
    }

    let cert = sim.cert.clone();
    sim.stop();
    assert!(!cert.exists(), "the certificate file is removed on Ctrl-C");
}

#[test]
fn https_against_plain_http_says_use_http() {
    let sim = Simulator::start();
    let err = refused_line(&sim.url().replace("http://", "https://"), &[]);
    assert!(
        err.contains("speaks plain HTTP") && err.contains("use http://"),
        "{err}"
    );
    assert!(!err.contains("check the url (host and port)"), "{err}");
}

/// `--demo --read-only`: every demo site wears the badge and refuses a change, not only the
/// one the demo starts on.
#[test]
fn demo_read_only_protects_every_site() {
    let scratch = Scratch::new("ro");
    let t = Tmux::start("--demo --read-only", &scratch.env(), 160, 48);
    t.wait_for("● connected", 20);
    let s = t.wait_for("demo-tophc · TopHC", 5);
    assert!(s.contains("READ-ONLY"), "the first site is read-only:\n{s}");
    t.keys(&[":"]);
    t.type_text("profile demo-zstack");
    t.keys(&["Enter"]);
    let s = t.wait_for("demo-zstack · ZStack", 20);
    assert!(s.contains("READ-ONLY"), "the other sites are too:\n{s}");
    t.wait_for("VMs · All clusters · 1", 20);
    t.keys(&["Tab"]);
    t.wait_for("┏ VMs", 5);
    t.keys(&["Enter"]);
    t.wait_for("◆ now", 10);
    t.keys(&["c"]);
    t.wait_for("New snapshot of", 5);
    t.keys(&["Enter"]);
    t.wait_for("— confirm", 5);
    t.keys(&["Enter"]);
    t.wait_for("read-only", 5);
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(500));
    let s = t.screen();
    assert!(
        s.contains("Tasks · 0 running · 0 ours"),
        "nothing was started:\n{s}"
    );
    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
}

/// TopHC's per-disk rollback needs the VM shut off: `D` on a running VM offers the stop as
/// its own confirmed step; once the VM is off the disks roll back, and `s` starts it again.
#[test]
fn demo_tophc_stop_offered_for_per_disk_rollback_then_start() {
    let scratch = Scratch::new("tophc-power");
    let t = Tmux::start("--demo --demo-time-scale 4", &scratch.env(), 160, 48);
    t.wait_for("● connected", 20);
    t.wait_for("demo-tophc · TopHC", 5);
    t.keys(&["Tab"]);
    t.wait_for("┏ VMs", 5);
    let s = t.wait_until("a running VM listed", 20, |s| {
        vms_pane_rows(s).iter().any(|r| r.contains("running"))
    });
    // Onto the first running VM, and into it.
    let rows = vms_pane_rows(&s);
    let listed = rows
        .iter()
        .position(|r| r.contains("NAME"))
        .map_or(0, |h| h + 1);
    let first_running = rows[listed..]
        .iter()
        .position(|r| r.contains("running"))
        .unwrap();
    for _ in 0..first_running {
        t.keys(&["j"]);
    }
    t.keys(&["Enter"]);
    t.wait_for("┏ Snapshots ·", 10);
    t.wait_for("◆ now", 10);

    // A snapshot to roll the disks back to.
    t.keys(&["c"]);
    t.wait_for("New snapshot of", 5);
    t.keys(&["C-u"]);
    t.type_text("e2e-disks");
    t.keys(&["Enter"]);
    t.wait_for("Create snapshot — confirm", 5);
    t.keys(&["Enter"]);
    t.wait_until("the tree to settle on e2e-disks", 30, |s| {
        s.contains("Name: e2e-disks")
            && !s.contains("loading…")
            && task_line(s, "snapshot e2e-disks").is_some_and(|l| l.contains('✓'))
    });

    t.keys(&["D"]);
    t.wait_for("Cannot roll back disks yet", 5);
    t.keys(&["s"]);
    let s = t.wait_for("How", 5);
    let title = if s.contains("power off is chosen") {
        "Power off VM"
    } else {
        "Shut down VM"
    };
    t.keys(&["Enter"]);
    t.wait_for(&format!("{title} — confirm"), 5);
    t.wait_until("the preview to show the call", 10, |s| {
        s.contains("POST /v1/compute/shutdown") || s.contains("POST /v1/compute/shutoff")
    });
    let vm = typed_confirmation(&t.wait_for("to confirm", 5)).expect("asks for the VM's name");
    t.type_text(&vm);
    t.keys(&["Enter"]);
    let s = t.wait_until("the VM to stop", 60, |s| ended(our_task(s, title, "VM ")));
    assert!(
        our_task(&s, title, "VM ").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    t.wait_until("the VM row to say stopped", 20, |s| {
        vms_pane_rows(s)
            .iter()
            .any(|l| l.contains(&vm) && l.contains("stopped"))
    });

    // Now the disks roll back.
    t.keys(&["D"]);
    t.wait_for("Roll back disks of", 5);
    t.keys(&["Enter"]);
    t.wait_for("POST /v1/compute/volume/snapshot/rollback", 10);
    t.keys(&["Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    if let Some(name) = typed_confirmation(&t.screen()) {
        t.type_text(&name);
        t.keys(&["Enter"]);
    }
    let s = t.wait_until("the disk rollback to end", 60, |s| {
        ended(our_task(s, "Roll back disks", "snapshot e2e-disks"))
    });
    assert!(
        our_task(&s, "Roll back disks", "snapshot e2e-disks").is_some_and(|l| l.contains('✓')),
        "{s}"
    );

    // And start it again from the VM list.
    t.keys(&["BTab"]);
    t.wait_for("┏ VMs", 5);
    t.keys(&["s"]);
    t.wait_for("Start VM — confirm", 5);
    t.wait_for("POST /v1/compute/start", 10);
    t.keys(&["Enter"]);
    let s = t.wait_until("the VM to start", 60, |s| {
        ended(our_task(s, "Start VM", "VM "))
    });
    assert!(
        our_task(&s, "Start VM", "VM ").is_some_and(|l| l.contains('✓')),
        "{s}"
    );
    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
}

/// The name a confirmation asks to be typed ("Type NAME to confirm").
fn typed_confirmation(screen: &str) -> Option<String> {
    screen
        .lines()
        .find_map(|l| l.split("Type ").nth(1))
        .and_then(|r| r.split(" to confirm").next())
        .map(|n| n.trim().to_string())
}

/// A 10,000-VM ZStack site re-read every 5 s: the listing completes (a refresh no longer
/// restarts it), and later re-reads never shrink what is on screen.
#[test]
fn ten_thousand_vms_complete_and_stay_complete_under_a_5s_refresh() {
    let sim = Simulator::with(vmdeck::sim::SimConfig {
        vms: Some(10_000),
        ..Default::default()
    });
    let scratch = Scratch::new("big");
    let cfg = scratch.path("config").join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.big]\nplatform = \"zstack\"\nurl = \"{}\"\nusername = \"admin\"\nrefresh_interval = \"5s\"\npassword_env = \"VMDECK_E2E_PASSWORD\"\n",
            sim.url()
        ),
    )
    .unwrap();
    let mut env = scratch.env();
    env.push(("VMDECK_E2E_PASSWORD", vmdeck::sim::DEFAULT_PASSWORD.into()));
    let t = Tmux::start(&format!("--config {}", cfg.display()), &env, 160, 50);
    t.wait_until("the complete count in the VMs title", 120, |s| {
        vms_count(s) == Some(10_000)
    });
    // Three more intervals: every look shows all of them (a re-read arrives behind them).
    let until = Instant::now() + Duration::from_secs(16);
    while Instant::now() < until {
        let s = t.screen();
        let title = s.lines().find(|l| l.contains("VMs · ")).unwrap_or("");
        assert!(
            title.contains("· 10000"),
            "the list shrank during a refresh:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    t.keys(&["q"]);
    t.wait_for("EXIT:0", 10);
}

/// Fleet operations on the demo: three VMs marked, one snapshot each in one confirmation
/// (the count typed), and three outcomes read from the bulk's rows in Tasks.
#[test]
fn demo_bulk_snapshot_of_three_marked_vms() {
    let scratch = Scratch::new("bulk");
    let t = Tmux::start("--demo --demo-time-scale 10", &scratch.env(), 160, 48);
    t.wait_for("● connected", 20);
    t.keys(&["Tab"]);
    t.wait_for("┏ VMs", 5);
    t.wait_until("the VMs listed", 20, |s| {
        vms_count(s).is_some_and(|n| n >= 3)
    });
    t.keys(&["Space", "Space", "Space"]);
    t.wait_for("3 marked", 5);
    t.keys(&["c"]);
    t.wait_for("New snapshot of 3 marked VMs", 5);
    t.keys(&["C-u"]);
    t.type_text("e2e-bulk-{vm}");
    t.keys(&["Enter"]);
    t.wait_for("Create snapshot — confirm", 5);
    t.wait_for("Type 3 to confirm", 10);
    t.wait_for("POST /v1/compute/vsd/snapshot/create", 10);
    t.type_text("3");
    t.keys(&["Enter"]);
    t.wait_for("follow it in Tasks", 5);
    t.keys(&[":"]);
    t.type_text("tasks");
    t.keys(&["Enter"]);
    t.wait_for("┏ Tasks", 5);
    t.keys(&["Enter"]);
    t.wait_for("▾ 3 VMs", 5);
    let s = t.wait_until("all three ended", 60, |s| s.contains("3/3 done"));
    let members: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("e2e-bulk-") && ended(Some(l)))
        .collect();
    assert_eq!(members.len(), 3, "{s}");
    assert!(
        members.iter().all(|l| l.contains("succeeded")),
        "three outcomes: {s}"
    );
}
