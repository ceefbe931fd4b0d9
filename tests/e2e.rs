//! End to end, the way a person uses it: `vmdeck --demo` in a real terminal (tmux), keys
//! sent one by one, the screen read back. Needs tmux; `scripts/ensure-tmux.sh` installs it.

use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server running one vmdeck session; killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(args: &str, env: &[(&str, &str)], width: u16, height: u16) -> Tmux {
        ensure_tmux();
        let socket = format!("vmdeck-e2e-{}-{}", std::process::id(), rand_suffix());
        let bin = env!("CARGO_BIN_EXE_vmdeck");
        let envs: String = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        let cmd = format!("env {envs}{bin} {args}; echo EXIT:$?; sleep 600");
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
    let t = Tmux::start("--demo --demo-time-scale 4", &[], 160, 48);
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
