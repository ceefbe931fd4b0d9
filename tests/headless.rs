//! `vmdeck get …` as a script meets it: the built binary against the simulator over HTTP,
//! for every platform, its JSON checked against the committed schema (docs/schema/get.json)
//! and against what the backend itself reads, and its exit codes.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;
use vmdeck::backend::{self, Backend};
use vmdeck::config::Profile;
use vmdeck::model::{Named, NodeKind, Platform};
use vmdeck::sim::{self, SimConfig, SimServer};

static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let doc: Value = serde_json::from_str(include_str!("../docs/schema/get.json")).unwrap();
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&doc)
        .unwrap()
});

/// Problems of `records` as the output of `get kind`, against the committed schema.
fn schema_problems(kind: &str, records: &Value) -> Vec<String> {
    let wrapped = json!({ kind: records });
    SCHEMA
        .iter_errors(&wrapped)
        .take(8)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

fn vmdeck(args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vmdeck"))
        .args(args)
        .env_remove("VMDECK_CONFIG")
        .env_remove("VMDECK_PROFILE")
        .env("VMDECK_PASSWORD", sim::DEFAULT_PASSWORD)
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("vmdeck-no-such-config-home"),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A simulator with more VMs than one page holds, and a config with one site per platform
/// on it (the password comes from VMDECK_PASSWORD).
struct Lab {
    server: SimServer,
    config: std::path::PathBuf,
}

const SITES: [(&str, Platform); 3] = [
    ("lab-tophc", Platform::TopHc),
    ("lab-tower", Platform::CloudTower),
    ("lab-zstack", Platform::ZStack),
];

impl Lab {
    async fn start(tag: &str) -> Lab {
        Lab::with(
            tag,
            SimConfig {
                vms: Some(1100),
                ..SimConfig::default()
            },
        )
        .await
    }

    async fn with(tag: &str, config: SimConfig) -> Lab {
        let server = SimServer::start("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let url = server.base_url();
        let dir =
            std::env::temp_dir().join(format!("vmdeck-headless-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "default_profile = \"lab-tower\"\n\
                 [profiles.lab-tophc]\nplatform = \"tophc\"\nurl = \"{url}\"\nusername = \"admin\"\ntenant = \"system\"\n\
                 [profiles.lab-tower]\nplatform = \"cloudtower\"\nurl = \"{url}\"\nusername = \"admin\"\n\
                 [profiles.lab-zstack]\nplatform = \"zstack\"\nurl = \"{url}\"\nusername = \"admin\"\ntimezone = \"{}\"\n",
                sim::zstack::MN_TIME_ZONE
            ),
        )
        .unwrap();
        Lab { server, config }
    }

    /// `vmdeck --config LAB get …`, off the runtime the simulator serves on.
    async fn get(&self, args: &[&str]) -> Run {
        let mut argv = vec!["get"];
        argv.extend_from_slice(args);
        self.run(&argv).await
    }

    /// `vmdeck --config LAB …`, off the runtime the simulator serves on.
    async fn run(&self, args: &[&str]) -> Run {
        let mut argv = vec![
            "--config".to_string(),
            self.config.to_str().unwrap().to_string(),
        ];
        argv.extend(args.iter().map(|a| a.to_string()));
        tokio::task::spawn_blocking(move || {
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            vmdeck(&argv)
        })
        .await
        .unwrap()
    }

    async fn backend(&self, platform: Platform) -> std::sync::Arc<dyn Backend> {
        let mut p = Profile::new(platform, self.server.base_url(), sim::DEFAULT_USER);
        match platform {
            Platform::TopHc => p.tenant = Some("system".into()),
            Platform::ZStack => p.timezone = Some(sim::zstack::MN_TIME_ZONE.into()),
            Platform::CloudTower => {}
        }
        backend::connect(&p, sim::DEFAULT_PASSWORD.to_string().into())
            .await
            .unwrap()
    }
}

/// Exit 0 with nothing on stderr, or exit 1 with each unread cluster named on its own line.
fn check_outcome(what: &str, run: &Run) {
    match run.code {
        Some(0) => assert!(run.stderr.is_empty(), "{what}: {}", run.stderr),
        Some(1) => {
            assert!(!run.stderr.is_empty(), "{what}: exit 1 says why");
            for line in run.stderr.lines() {
                assert!(line.starts_with("vmdeck: site lab-"), "{what}: {line}");
            }
        }
        other => panic!("{what}: exit {other:?}: {}", run.stderr),
    }
}

fn per_site(records: &Value) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    for r in records.as_array().unwrap() {
        let site = r.get("site").or(r.get("name")).and_then(Value::as_str);
        *n.entry(site.unwrap().to_string()).or_default() += 1;
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_on_every_platform_matches_the_schema_and_the_backend() {
    let lab = Lab::start("reads").await;
    for kind in ["clusters", "vms", "backups", "tasks", "sites"] {
        let run = lab.get(&[kind, "--all-sites", "-o", "json"]).await;
        check_outcome(kind, &run);
        let records = run.json();
        let problems = schema_problems(kind, &records);
        assert!(problems.is_empty(), "{kind}: {problems:#?}");
        let counts = per_site(&records);
        let sites = if kind == "sites" { 0 } else { 3 };
        for (site, platform) in SITES.iter().take(sites) {
            let b = lab.backend(*platform).await;
            let all = Named::default();
            // What the backend itself reads, every page: the command fetched them all.
            let want = match kind {
                "clusters" => b.clusters().await.unwrap().value.len(),
                "vms" => {
                    let q = backend::VmQuery {
                        page: Some(vmdeck::model::PageRequest::first(1)),
                        search: String::new(),
                    };
                    b.vms(&all, &q).await.unwrap().value.total as usize
                }
                "tasks" => b.platform_tasks(&all).await.unwrap().len(),
                _ => continue,
            };
            assert_eq!(
                counts.get(*site).copied().unwrap_or(0),
                want,
                "{kind} of {site}"
            );
        }
        if kind == "vms" {
            assert!(
                counts.values().any(|&n| n > 500),
                "more than one page: {counts:?}"
            );
        }
        if kind == "backups" {
            for (site, _) in SITES {
                assert!(
                    counts.get(site).copied().unwrap_or(0) > 0,
                    "backups of {site}"
                );
            }
        }
    }
    // --site picks sites; without it, the config's default profile.
    let run = lab
        .get(&["sites", "--site", "lab-zstack", "--site", "lab-tophc"])
        .await;
    let names: Vec<String> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["lab-zstack", "lab-tophc"]);
    let run = lab.get(&["clusters", "-o", "jsonl"]).await;
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record a line"))
        .collect();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|c| c["site"] == "lab-tower"), "{lines:?}");
    assert!(schema_problems("clusters", &Value::Array(lines)).is_empty());
    lab.server.stop().await;
}

/// Each platform's tree, nested, with as many snapshots as the backend reads and the
/// snapshot the VM runs from; `--vm` takes an id or a name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_trees_nest_and_say_where_the_vm_is() {
    let lab = Lab::start("snapshots").await;
    for (site, platform) in SITES {
        let b = lab.backend(platform).await;
        let vms = b
            .vms(&Named::default(), &backend::VmQuery::default())
            .await
            .unwrap()
            .value
            .items;
        let mut checked = 0;
        for vm in vms.iter().take(12) {
            let tree = b.snapshots(&vm.to_ref()).await.unwrap();
            let snapshots = tree.nodes.iter().filter(|n| n.snapshot().is_some()).count();
            if snapshots == 0 {
                continue;
            }
            let run = lab
                .get(&["snapshots", "--site", site, "--vm", &vm.id, "-o", "json"])
                .await;
            check_outcome(site, &run);
            let records = run.json();
            let problems = schema_problems("snapshots", &records);
            assert!(problems.is_empty(), "{site}: {problems:#?}");
            let record = &records[0];
            assert_eq!(record["vm"]["id"], vm.id.as_str());
            let mut nodes: Vec<&Value> = record["nodes"].as_array().unwrap().iter().collect();
            let (mut seen, mut deepest) = (0, 0);
            let mut now_parent = None;
            let mut stack: Vec<(usize, &Value, Option<&Value>)> =
                nodes.drain(..).map(|n| (0, n, None)).collect();
            while let Some((depth, n, parent)) = stack.pop() {
                deepest = deepest.max(depth);
                match n["kind"].as_str().unwrap() {
                    "snapshot" => seen += 1,
                    "now" => now_parent = Some(parent.map(|p| p["id"].clone())),
                    _ => {}
                }
                for c in n["children"].as_array().unwrap() {
                    stack.push((depth + 1, c, Some(n)));
                }
            }
            assert_eq!(seen, snapshots, "{site} {}", vm.name);
            let want_deepest = tree.nodes.iter().map(|n| n.depth).max().unwrap_or(0);
            assert_eq!(
                deepest, want_deepest,
                "{site}: nested as the backend's tree"
            );
            if let Some(parent) = &now_parent {
                let parent = parent.clone().unwrap_or(Value::Null);
                assert_eq!(record["now"], parent, "{site}");
            }
            let knows_now = tree
                .nodes
                .iter()
                .any(|n| matches!(n.kind, NodeKind::Now { .. }));
            assert_eq!(now_parent.is_some(), knows_now, "{site}");
            // By name, when the name is the VM's alone.
            if vms.iter().filter(|v| v.name == vm.name).count() == 1 {
                let run = lab
                    .get(&["snapshots", "--site", site, "--vm", &vm.name, "-o", "json"])
                    .await;
                assert_eq!(run.json()[0]["vm"]["id"], vm.id.as_str(), "{site}");
            }
            checked += 1;
            if checked == 2 {
                break;
            }
        }
        assert!(checked > 0, "{site} has a VM with snapshots");
    }
    lab.server.stop().await;
}

/// A name several VMs share is an error listing each with its cluster; nothing is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_several_vms_share_is_an_error_naming_each() {
    let lab = Lab::start("ambiguous").await;
    let run = lab
        .get(&["vms", "--site", "lab-zstack", "-o", "json"])
        .await;
    let records = run.json();
    let mut by_name: HashMap<&str, Vec<&Value>> = HashMap::new();
    for v in records.as_array().unwrap() {
        by_name
            .entry(v["name"].as_str().unwrap())
            .or_default()
            .push(v);
    }
    let (name, twins) = by_name
        .iter()
        .find(|(_, v)| v.len() > 1)
        .expect("the zstack seed has a name used twice");
    let run = lab
        .get(&["snapshots", "--site", "lab-zstack", "--vm", name])
        .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    for twin in twins {
        let (id, cluster) = (
            twin["id"].as_str().unwrap(),
            twin["cluster"]["name"].as_str().unwrap(),
        );
        assert!(
            run.stderr.contains(&format!("{id} (cluster {cluster})")),
            "{}",
            run.stderr
        );
    }
    // `get vms --vm NAME` lists them all instead: a read that matches several is not wrong.
    let run = lab
        .get(&["vms", "--site", "lab-zstack", "--vm", name, "-o", "json"])
        .await;
    assert_eq!(run.json().as_array().unwrap().len(), twins.len());
    lab.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_unreachable_sites_exit_1() {
    let lab = Lab::start("codes").await;
    for (args, says) in [
        (&["snapshots"][..], "needs --vm"),
        (
            &["vms", "--site", "nowhere"],
            "lab-tophc, lab-tower, lab-zstack",
        ),
        (
            &["vms", "--cluster", "no-such-cluster"],
            "no cluster \"no-such-cluster\"",
        ),
        (
            &["snapshots", "--vm", "no-such-vm", "--site", "lab-zstack"],
            "no VM \"no-such-vm\" on site lab-zstack",
        ),
        (&["vms", "-o", "yaml"], "yaml"),
        (&["nodes"], "nodes"),
    ] {
        let run = lab.get(args).await;
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // Where a cluster could not be read, a VM not found may be on it: not a usage error
    // but exit 1, naming the cluster once.
    let run = lab
        .get(&["snapshots", "--vm", "no-such-vm", "--site", "lab-tower"])
        .await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("edge-branch-04").count(),
        1,
        "{}",
        run.stderr
    );
    // A site that does not answer: the others are still printed, the exit code is 1.
    let dir = lab.config.parent().unwrap();
    let config = dir.join("with-down.toml");
    let mut text = std::fs::read_to_string(&lab.config).unwrap();
    text.push_str("[profiles.down]\nplatform = \"zstack\"\nurl = \"http://127.0.0.1:9\"\nusername = \"admin\"\n");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap().to_string();
    let run = tokio::task::spawn_blocking({
        let config = config.clone();
        move || {
            vmdeck(&[
                "get",
                "clusters",
                "--site",
                "down",
                "--site",
                "lab-tower",
                "-o",
                "json",
                "--config",
                &config,
            ])
        }
    })
    .await
    .unwrap();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("site down (http://127.0.0.1:9)"),
        "{}",
        run.stderr
    );
    assert!(
        run.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["site"] == "lab-tower")
    );
    assert!(!run.json().as_array().unwrap().is_empty());
    // `get sites` lists profiles without logging in: the unreachable one too, and exit 0.
    let run = tokio::task::spawn_blocking({
        let config = config.clone();
        move || vmdeck(&["get", "sites", "--all-sites", "--config", &config])
    })
    .await
    .unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "down")
    );
    // --profile chooses the site read without --site, as it chooses where the dashboard starts.
    let run = lab
        .get(&["clusters", "--profile", "lab-zstack", "-o", "json"])
        .await;
    let clusters = run.json();
    assert!(!clusters.as_array().unwrap().is_empty());
    assert!(
        clusters
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["site"] == "lab-zstack")
    );
    lab.server.stop().await;
}

/// Tables line up by display width, CJK names included; without a terminal and without
/// `-o`, the output is JSON.
#[test]
fn tables_align_by_display_width_and_a_pipe_gets_json() {
    let run = vmdeck(&[
        "--demo",
        "get",
        "vms",
        "--site",
        "demo-zstack",
        "-o",
        "table",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header = lines[0];
    let col = header.find("POWER").unwrap();
    let at = header[..col].width();
    assert!(lines.len() > 10);
    assert!(
        lines.iter().any(|l| l.width() != l.len()),
        "some names are CJK"
    );
    for line in &lines[1..] {
        // The display column where POWER starts holds a power word on every row.
        let mut w = 0;
        let rest = line
            .char_indices()
            .find(|(_, c)| {
                let here = w;
                w += unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
                here == at
            })
            .map(|(i, _)| &line[i..])
            .unwrap_or_else(|| panic!("no column {at}: {line}"));
        let word = rest.split_whitespace().next().unwrap();
        assert!(
            [
                "running",
                "stopped",
                "paused",
                "suspended",
                "starting",
                "stopping",
                "crashed",
                "unknown"
            ]
            .contains(&word),
            "{line}"
        );
    }
    let run = vmdeck(&["--demo", "get", "vms", "--site", "demo-zstack"]);
    let records = run.json();
    assert!(schema_problems("vms", &records).is_empty());
    assert_eq!(records.as_array().unwrap().len(), lines.len() - 1);
}

/// The README's first try: `vmdeck --demo get vms -o json | head` (head closing the pipe
/// early is no error), and --demo with every kind.
#[test]
fn demo_answers_every_kind() {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' --demo get vms -o json | head -3; exit ${{PIPESTATUS:-0}}",
            env!("CARGO_BIN_EXE_vmdeck")
        ))
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("vmdeck-no-such-config-home"),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("[\n  {\n"), "{stdout}");
    // Keys come sorted, whatever order the code builds a record in.
    let run = vmdeck(&[
        "--demo",
        "get",
        "vms",
        "--site",
        "demo-tophc",
        "-o",
        "jsonl",
    ]);
    let first = run.stdout.lines().next().unwrap();
    let sorted: std::collections::BTreeMap<String, Value> = serde_json::from_str(first).unwrap();
    assert_eq!(serde_json::to_string(&sorted).unwrap(), first);

    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // Operations act on one site: of the demo's three, --site picks it.
    let run = vmdeck(&["--demo", "vm", "start", "--vm", "x", "--yes"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("pick one with --site"),
        "{}",
        run.stderr
    );
    for kind in ["clusters", "vms", "backups", "tasks", "sites"] {
        let run = vmdeck(&["--demo", "get", kind, "-o", "json"]);
        assert!(matches!(run.code, Some(0 | 1)), "{kind}: {}", run.stderr);
        let records = run.json();
        assert!(schema_problems(kind, &records).is_empty(), "{kind}");
        let sites = per_site(&records);
        if kind != "sites" && kind != "tasks" {
            assert_eq!(sites.len(), 3, "{kind}: every demo site: {sites:?}");
        }
    }
}

/// The Backups pane's filters reach the platform: each record the command prints passes
/// them, and each narrows what an unfiltered read gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_filters_narrow_the_list() {
    let lab = Lab::start("filters").await;
    for (site, _) in SITES {
        let all = lab
            .get(&["backups", "--site", site, "-o", "json"])
            .await
            .json();
        let all = all.as_array().unwrap();
        assert!(all.len() > 2, "{site}");
        // Every time is RFC 3339 in UTC.
        assert!(
            all.iter()
                .all(|b| b["created"].as_str().is_none_or(|t| t.ends_with('Z'))),
            "{site}"
        );
        let word = all[0]["vm"]["name"].as_str().unwrap().to_string();
        let named = lab
            .get(&[
                "backups",
                "--site",
                site,
                "--name-contains",
                &word,
                "-o",
                "json",
            ])
            .await
            .json();
        let named = named.as_array().unwrap();
        assert!(
            !named.is_empty() && named.len() < all.len(),
            "{site}: {word}"
        );
        assert!(
            named
                .iter()
                .all(|b| b["name"].as_str().unwrap().contains(&word)),
            "{site}"
        );
        let mut times: Vec<&str> = all.iter().filter_map(|b| b["created"].as_str()).collect();
        times.sort();
        let middle = times[times.len() / 2].to_string();
        let since = lab
            .get(&["backups", "--site", site, "--since", &middle, "-o", "json"])
            .await
            .json();
        let since = since.as_array().unwrap();
        assert!(!since.is_empty() && since.len() < all.len(), "{site}");
        assert!(
            since
                .iter()
                .all(|b| b["created"].as_str().unwrap() >= middle.as_str()),
            "{site}"
        );
        let until = lab
            .get(&["backups", "--site", site, "--until", &middle, "-o", "json"])
            .await
            .json();
        let until = until.as_array().unwrap();
        assert!(!until.is_empty() && until.len() < all.len(), "{site}");
        assert!(
            until
                .iter()
                .all(|b| b["created"].as_str().unwrap() <= middle.as_str()),
            "{site}"
        );
    }
    let volumes = lab
        .get(&[
            "backups",
            "--site",
            "lab-zstack",
            "--category",
            "volume",
            "-o",
            "json",
        ])
        .await
        .json();
    let volumes = volumes.as_array().unwrap();
    assert!(!volumes.is_empty());
    assert!(
        volumes
            .iter()
            .all(|b| b["category"] == "volume" && !b["volume"].is_null())
    );
    lab.server.stop().await;
}

/// On a terminal, without `-o`, a person gets the table.
#[test]
fn a_terminal_gets_a_table() {
    let out = std::process::Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "'{}' --demo get sites",
            env!("CARGO_BIN_EXE_vmdeck")
        ))
        .arg("/dev/null")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("vmdeck-no-such-config-home"),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("NAME") && first.contains("PLATFORM"),
        "{stdout}"
    );
    assert!(stdout.contains("demo-zstack"), "{stdout}");
}

/// Names of the VM's whole-VM snapshots (on ZStack a group, not the volume snapshots it is
/// made of), read by the backend itself: what the simulator holds.
async fn snapshot_names(b: &dyn Backend, vm: &vmdeck::model::Vm) -> Vec<String> {
    let tree = b.snapshots(&vm.to_ref()).await.unwrap();
    tree.nodes
        .iter()
        .filter_map(|n| n.snapshot())
        .filter(|s| s.volume.is_none())
        .map(|s| s.name.clone())
        .collect()
}

/// A VM whose name no other VM has, on this site.
async fn unique_vm(b: &dyn Backend, stopped: bool) -> vmdeck::model::Vm {
    let vms = b
        .vms(&Named::default(), &backend::VmQuery::default())
        .await
        .unwrap()
        .value
        .items;
    vms.iter()
        .find(|v| {
            v.power.is_stopped() == stopped && vms.iter().filter(|o| o.name == v.name).count() == 1
        })
        .cloned()
        .expect("a VM with a name of its own")
}

/// Every platform: the plan names the exact call, `--dry-run` sends nothing, nothing is
/// sent without `--yes` off a terminal or on a read-only profile, `--yes --wait` makes and
/// deletes the snapshot (checked by reading the simulator), and a lost answer exits 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_operations_plan_confirm_send_and_follow() {
    let lab = Lab::start("ops").await;
    for (site, platform) in SITES {
        let b = lab.backend(platform).await;
        let vm = unique_vm(&*b, false).await;
        let op = |name: &'static str, extra: &'static [&'static str]| {
            let mut a = vec![
                "snapshot", "create", "--site", site, "--vm", &vm.name, "--name", name,
            ];
            a.extend_from_slice(extra);
            a.into_iter().map(String::from).collect::<Vec<_>>()
        };
        let call = |argv: Vec<String>| {
            let lab = &lab;
            async move {
                let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                lab.run(&argv).await
            }
        };
        let run = call(op("hl-dry", &["--dry-run"])).await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        let post = run
            .stdout
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("POST /"))
            .unwrap_or_else(|| panic!("{site}: the plan names its call: {}", run.stdout))
            .to_string();
        assert!(run.stdout.contains("hl-dry"), "{site}: {}", run.stdout);
        let run = call(op("hl-unconfirmed", &[])).await;
        assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
        assert!(run.stderr.contains("needs --yes"), "{site}: {}", run.stderr);
        let mut ro = vec!["--read-only".to_string()];
        ro.extend(op("hl-read-only", &["--yes"]));
        let run = call(ro).await;
        assert_eq!(run.code, Some(1), "{site}: {}", run.stderr);
        assert!(run.stderr.contains("read-only"), "{site}: {}", run.stderr);
        let names = snapshot_names(&*b, &vm).await;
        for never in ["hl-dry", "hl-unconfirmed", "hl-read-only"] {
            assert!(
                !names.iter().any(|n| n == never),
                "{site}: {never} was sent"
            );
        }

        let run = call(op("hl-made", &["--yes", "--wait"])).await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        assert!(
            run.stderr.contains("succeeded"),
            "{site}: progress: {}",
            run.stderr
        );
        assert!(
            snapshot_names(&*b, &vm)
                .await
                .iter()
                .any(|n| n == "hl-made"),
            "{site}"
        );
        let run = lab
            .run(&[
                "snapshot", "delete", "--site", site, "--vm", &vm.id, "--name", "hl-made", "--yes",
                "--wait",
            ])
            .await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        assert!(
            !snapshot_names(&*b, &vm)
                .await
                .iter()
                .any(|n| n == "hl-made"),
            "{site}"
        );

        // The answer lost after the platform acted: sent once, never again, exit 3 — but
        // ZStack's job id, sent with the call, lets the client find its job all the same.
        let path = post
            .trim_start_matches("POST ")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        lab.server
            .faults()
            .inject(&path, sim::faults::Fault::LoseAnswer, Some(1));
        let run = call(op("hl-lost", &["--yes"])).await;
        if platform == Platform::ZStack {
            assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
            assert!(run.stderr.contains("(task "), "{site}: {}", run.stderr);
        } else {
            assert_eq!(run.code, Some(3), "{site}: {}", run.stderr);
            assert!(
                run.stderr.contains("answer was lost") && run.stderr.contains("re-read: "),
                "{site}: {}",
                run.stderr
            );
        }
        lab.server.faults().clear();
        // The platform may still be making it; it appears once, never twice.
        let mut made = 0;
        for _ in 0..60 {
            let names = snapshot_names(&*b, &vm).await;
            made = names.iter().filter(|n| *n == "hl-lost").count();
            if made > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert_eq!(made, 1, "{site}: sent once");
    }
    lab.server.stop().await;
}

/// Start and stop on every platform, followed to the end; a VM name two VMs share is
/// refused with both listed; a wait that runs out exits 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_power_and_waiting_limits() {
    let lab = Lab::start("power").await;
    for (site, platform) in SITES {
        let b = lab.backend(platform).await;
        let vm = unique_vm(&*b, true).await;
        let run = lab
            .run(&[
                "vm", "start", "--site", site, "--vm", &vm.id, "--yes", "--wait",
            ])
            .await;
        if !b.capabilities().power_actions {
            // The platform's rule, from the plan: refused before anything is sent.
            assert_eq!(run.code, Some(1), "{site}: {}", run.stderr);
            assert!(run.stderr.contains("has no"), "{site}: {}", run.stderr);
            let now = b.vm_detail(&vm.to_ref()).await.unwrap().vm.power;
            assert!(now.is_stopped(), "{site}: {now:?}");
            continue;
        }
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        let now = b.vm_detail(&vm.to_ref()).await.unwrap().vm.power;
        assert!(now.is_running(), "{site}: {now:?}");
        let run = lab
            .run(&[
                "vm", "stop", "--site", site, "--vm", &vm.id, "--force", "--yes", "--wait",
            ])
            .await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        let now = b.vm_detail(&vm.to_ref()).await.unwrap().vm.power;
        assert!(now.is_stopped(), "{site}: {now:?}");
    }
    let run = lab
        .get(&["vms", "--site", "lab-zstack", "-o", "json"])
        .await;
    let records = run.json();
    let mut seen = HashMap::new();
    let twin = records
        .as_array()
        .unwrap()
        .iter()
        .find_map(|v| {
            let name = v["name"].as_str().unwrap();
            seen.insert(name, ()).map(|()| name.to_string())
        })
        .expect("a name used twice");
    let run = lab
        .run(&[
            "vm",
            "start",
            "--site",
            "lab-zstack",
            "--vm",
            &twin,
            "--yes",
        ])
        .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("give the id") && run.stderr.contains("cluster"),
        "{}",
        run.stderr
    );
    lab.server.stop().await;

    // A simulator whose clock crawls: the task cannot end within the second allowed.
    let slow = Lab::with(
        "slow",
        SimConfig {
            time_scale: 0.001,
            ..SimConfig::default()
        },
    )
    .await;
    let b = slow.backend(Platform::CloudTower).await;
    let vm = unique_vm(&*b, false).await;
    let run = slow
        .run(&[
            "snapshot",
            "create",
            "--site",
            "lab-tower",
            "--vm",
            &vm.id,
            "--name",
            "hl-slow",
            "--yes",
            "--wait",
            "--timeout",
            "1",
        ])
        .await;
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    slow.server.stop().await;
}

/// Rollback takes a safety snapshot first, as the dashboard's form does by default, then
/// puts the VM back on the snapshot (`get snapshots` says so in `now`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_takes_a_safety_snapshot_first() {
    let lab = Lab::start("rollback").await;
    for (site, platform) in SITES {
        let b = lab.backend(platform).await;
        let vm = unique_vm(&*b, true).await;
        let create = ["snapshot", "create", "--site", site, "--vm", &vm.id];
        let run = lab
            .run(&[&create[..], &["--name", "hl-base", "--yes", "--wait"]].concat())
            .await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        let rollback = ["snapshot", "rollback", "--site", site, "--vm", &vm.id];
        let run = lab
            .run(&[&rollback[..], &["--name", "hl-base", "--dry-run"]].concat())
            .await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        assert!(
            run.stdout.contains("step 1/2: Create snapshot")
                && run.stdout.contains("step 2/2: Roll back VM"),
            "{site}: {}",
            run.stdout
        );
        let run = lab
            .run(
                &[
                    &rollback[..],
                    &["--name", "hl-base", "--no-safety-snapshot", "--dry-run"],
                ]
                .concat(),
            )
            .await;
        assert!(
            run.stdout.contains("step 1/1: Roll back VM"),
            "{site}: {}",
            run.stdout
        );
        let before = snapshot_names(&*b, &vm).await;
        assert!(
            !before.iter().any(|n| n.starts_with("before-rollback-")),
            "{site}"
        );
        let run = lab
            .run(&[&rollback[..], &["--name", "hl-base", "--yes", "--wait"]].concat())
            .await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        let after = snapshot_names(&*b, &vm).await;
        assert_eq!(
            after
                .iter()
                .filter(|n| n.starts_with("before-rollback-"))
                .count(),
            1,
            "{site}: the safety snapshot: {after:?}"
        );
        let run = lab
            .get(&["snapshots", "--site", site, "--vm", &vm.id, "-o", "json"])
            .await;
        let record = &run.json()[0];
        let tree = b.snapshots(&vm.to_ref()).await.unwrap();
        // Where the VM sits (on ZStack: its root volume's snapshot of that group).
        let current = tree.current_snapshot().and_then(|n| tree.snapshot(n));
        if let Some(current) = current {
            assert_eq!(current.name, "hl-base", "{site}: back on hl-base");
            assert_eq!(record["now"], current.id.as_str(), "{site}");
        }
        assert_eq!(current.is_some(), !record["now"].is_null(), "{site}");
    }
    lab.server.stop().await;
}

/// On a terminal, without --yes, it asks: y/N to create, the snapshot's name to delete;
/// any other answer sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_it_asks_first() {
    let lab = Lab::start("tty").await;
    let b = lab.backend(Platform::TopHc).await;
    let vm = unique_vm(&*b, false).await;
    let on_terminal = |args: String, answer: &str| {
        let line = format!(
            "(sleep 1; printf '{answer}\\n'; sleep 2) | script -qec \"'{}' --config '{}' {args}\" /dev/null",
            env!("CARGO_BIN_EXE_vmdeck"),
            lab.config.display()
        );
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new("sh")
                .args(["-c", &line])
                .env("VMDECK_PASSWORD", sim::DEFAULT_PASSWORD)
                .output()
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            )
        })
    };
    let create = format!(
        "snapshot create --site lab-tophc --vm {} --name hl-asked",
        vm.id
    );
    let (code, out) = on_terminal(create.clone(), "n").await.unwrap();
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("Go ahead? [y/N]") && out.contains("nothing was sent"),
        "{out}"
    );
    assert!(
        !snapshot_names(&*b, &vm)
            .await
            .contains(&"hl-asked".to_string())
    );
    let (code, out) = on_terminal(format!("{create} --wait"), "y").await.unwrap();
    assert_eq!(code, Some(0), "{out}");
    // Progress is a bar on a terminal.
    assert!(out.contains("succeeded ████"), "{out}");
    assert!(
        snapshot_names(&*b, &vm)
            .await
            .contains(&"hl-asked".to_string())
    );
    let delete = format!(
        "snapshot delete --site lab-tophc --vm {} --name hl-asked --wait",
        vm.id
    );
    let (code, out) = on_terminal(delete.clone(), "y").await.unwrap();
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("Type hl-asked to confirm"), "{out}");
    assert!(
        snapshot_names(&*b, &vm)
            .await
            .contains(&"hl-asked".to_string())
    );
    let (code, out) = on_terminal(delete, "hl-asked").await.unwrap();
    assert_eq!(code, Some(0), "{out}");
    assert!(
        !snapshot_names(&*b, &vm)
            .await
            .contains(&"hl-asked".to_string())
    );
    // Deleting a backup wants its name typed, as in the dashboard: "y" is not enough.
    let all = vmdeck::model::BackupScope::Cluster {
        cluster: Named::default(),
    };
    let backup = backups_in(&*b, all)
        .await
        .into_iter()
        .find(|b| b.name.is_ascii() && !b.name.contains([' ', '\'', '"']))
        .expect("a backup with a plain name");
    let (name, id) = (backup.name.clone(), backup.id.clone());
    let of_vm = vmdeck::model::BackupScope::Vm {
        cluster: backup.cluster.clone(),
        vm: backup.vm.clone(),
    };
    let held = |scope| {
        let b = &b;
        let id = id.clone();
        async move { backups_in(&**b, scope).await.iter().any(|x| x.id == id) }
    };
    let delete = format!("backup delete --site lab-tophc --backup {id} --wait");
    let (code, out) = on_terminal(delete.clone(), "y").await.unwrap();
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains(&format!("Type {name} to confirm")), "{out}");
    assert!(held(of_vm.clone()).await, "not deleted");
    let (code, out) = on_terminal(delete, &name).await.unwrap();
    assert_eq!(code, Some(0), "{out}");
    assert!(!held(of_vm).await, "deleted");
    lab.server.stop().await;
}

/// The VM's backups by name, read by the backend itself: what the simulator holds.
async fn backup_names(b: &dyn Backend, vm: &vmdeck::model::Vm) -> Vec<(String, String)> {
    let scope = vmdeck::model::BackupScope::Vm {
        cluster: vm.cluster.clone(),
        vm: Named::new(vm.id.clone(), vm.name.clone()),
    };
    backups_in(b, scope)
        .await
        .iter()
        .map(|b| (b.name.clone(), b.id.clone()))
        .collect()
}

async fn backups_in(
    b: &dyn Backend,
    scope: vmdeck::model::BackupScope,
) -> Vec<vmdeck::model::Backup> {
    use vmdeck::model::{BackupCategory, BackupQuery, PageRequest};
    let query = BackupQuery {
        scope,
        category: BackupCategory::Vm,
        page: PageRequest {
            index: 0,
            size: 1000,
        },
        filter: Default::default(),
    };
    b.backups(&query).await.unwrap().value.items
}

async fn vm_named(b: &dyn Backend, name: &str) -> bool {
    let query = backend::VmQuery {
        search: name.to_string(),
        ..Default::default()
    };
    let vms = b.vms(&Named::default(), &query).await.unwrap().value.items;
    vms.iter().any(|v| v.name == name)
}

/// Every platform: `backup create` plans the exact call, `--dry-run` sends nothing,
/// `--yes --wait` makes the backup (read back from the simulator), delete needs `--yes`
/// off a terminal and then deletes it, restore to a new VM makes that VM, and each choice a
/// platform needs that no flag gives is refused naming the flag to add.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_operations_plan_confirm_send_and_follow() {
    let lab = Lab::start("backup-ops").await;
    for (site, platform) in SITES {
        let b = lab.backend(platform).await;
        let vm = unique_vm(&*b, false).await;
        let caps = b.capabilities().clone();
        let call = |argv: Vec<String>| {
            let lab = &lab;
            async move {
                let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                lab.run(&argv).await
            }
        };
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

        if !caps.backup_points {
            // CloudTower: plans make the backups.
            let run = call(argv(&[
                "backup",
                "create",
                "--site",
                site,
                "--vm",
                &vm.id,
                "--dry-run",
            ]))
            .await;
            assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
            assert!(
                run.stderr.contains("backup plans"),
                "{site}: {}",
                run.stderr
            );
            assert_eq!(run.stderr.lines().count(), 1, "{site}: {}", run.stderr);
        }
        let (backup_name, backup_id) = if caps.backup_points {
            let points = b.backup_points(&vm.cluster).await.unwrap();
            if points.len() > 1 {
                let run = call(argv(&[
                    "backup",
                    "create",
                    "--site",
                    site,
                    "--vm",
                    &vm.id,
                    "--dry-run",
                ]))
                .await;
                assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
                assert!(run.stderr.contains("add --point"), "{site}: {}", run.stderr);
                assert_eq!(run.stderr.lines().count(), 1, "{site}: {}", run.stderr);
            }
            let point = points
                .iter()
                .find(|p| p.state.is_empty() || p.state.eq_ignore_ascii_case("healthy"))
                .or(points.first())
                .expect("a backup point");
            let create = |name: &str, extra: &[&str]| {
                let mut a = argv(&[
                    "backup",
                    "create",
                    "--site",
                    site,
                    "--vm",
                    &vm.name,
                    "--point",
                    &point.name,
                    "--name",
                    name,
                ]);
                a.extend(argv(extra));
                a
            };
            let run = call(create("hl-bk-dry", &["--dry-run"])).await;
            assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
            assert!(
                run.stdout.lines().any(|l| l.trim().starts_with("POST /"))
                    && run.stdout.contains("hl-bk-dry"),
                "{site}: the plan names its call: {}",
                run.stdout
            );
            let run = call(create("hl-bk-unconfirmed", &[])).await;
            assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
            assert!(run.stderr.contains("needs --yes"), "{site}: {}", run.stderr);
            let mut ro = argv(&["--read-only"]);
            ro.extend(create("hl-bk-read-only", &["--yes"]));
            let run = call(ro).await;
            assert_eq!(run.code, Some(1), "{site}: {}", run.stderr);
            assert!(run.stderr.contains("read-only"), "{site}: {}", run.stderr);
            let run = call(create("hl-bk-made", &["--yes", "--wait"])).await;
            assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
            assert!(run.stderr.contains("succeeded"), "{site}: {}", run.stderr);
            let names = backup_names(&*b, &vm).await;
            for never in ["hl-bk-dry", "hl-bk-unconfirmed", "hl-bk-read-only"] {
                assert!(
                    !names.iter().any(|(n, _)| n == never),
                    "{site}: {never} sent"
                );
            }
            names
                .into_iter()
                .find(|(n, _)| n == "hl-bk-made")
                .unwrap_or_else(|| panic!("{site}: the backup was made"))
        } else {
            backup_names(&*b, &vm)
                .await
                .into_iter()
                .next()
                .expect("a backup of the VM")
        };

        // Restore: in place or to a new VM, as the platform can, said by a flag.
        let restore = |extra: &[&str]| {
            let mut a = argv(&["backup", "restore", "--site", site, "--backup", &backup_id]);
            a.extend(argv(extra));
            a
        };
        if caps.restore_in_place && caps.restore_to_new_vm {
            let run = call(restore(&["--dry-run"])).await;
            assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
            assert!(
                run.stderr.contains("--in-place or --as NEWNAME"),
                "{site}: {}",
                run.stderr
            );
        }
        if !caps.restore_in_place {
            let run = call(restore(&["--in-place", "--dry-run"])).await;
            assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
            assert!(
                run.stderr.contains("--as NEWNAME"),
                "{site}: {}",
                run.stderr
            );
        }
        if caps.restore_to_new_vm {
            let run = call(restore(&["--as", "hl-restored-dry", "--dry-run"])).await;
            assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
            assert!(
                run.stdout.contains("hl-restored-dry"),
                "{site}: {}",
                run.stdout
            );
            let run = call(restore(&["--as", "hl-restored", "--yes", "--wait"])).await;
            assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
            assert!(vm_named(&*b, "hl-restored").await, "{site}: restored");
            assert!(
                !vm_named(&*b, "hl-restored-dry").await,
                "{site}: dry run sent"
            );
        } else {
            let run = call(restore(&["--as", "hl-restored", "--dry-run"])).await;
            assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
            assert!(run.stderr.contains("--in-place"), "{site}: {}", run.stderr);
            assert_eq!(run.stderr.lines().count(), 1, "{site}: {}", run.stderr);
            // ZStack restores over a stopped VM only: the running one is refused, naming the stop.
            let run = call(restore(&["--in-place", "--dry-run"])).await;
            assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
            assert!(
                run.stderr
                    .contains(&format!("vmdeck vm stop --vm {}", vm.id)),
                "{site}: {}",
                run.stderr
            );
        }

        // Delete: by name, the typed confirmation or --yes.
        let delete = |extra: &[&str]| {
            let mut a = argv(&["backup", "delete", "--site", site, "--backup", &backup_name]);
            a.extend(argv(extra));
            a
        };
        let run = call(delete(&["--dry-run"])).await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim().starts_with("DELETE /") || l.trim().starts_with("POST /")),
            "{site}: {}",
            run.stdout
        );
        let run = call(delete(&[])).await;
        assert_eq!(run.code, Some(2), "{site}: {}", run.stderr);
        assert!(run.stderr.contains("needs --yes"), "{site}: {}", run.stderr);
        assert!(
            backup_names(&*b, &vm)
                .await
                .iter()
                .any(|(_, id)| *id == backup_id),
            "{site}: not deleted unconfirmed"
        );
        let run = call(delete(&["--yes", "--wait"])).await;
        assert_eq!(run.code, Some(0), "{site}: {}", run.stderr);
        assert!(
            !backup_names(&*b, &vm)
                .await
                .iter()
                .any(|(_, id)| *id == backup_id),
            "{site}: deleted"
        );
    }
    lab.server.stop().await;
}
