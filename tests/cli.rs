//! The command line as a user meets it: one-line errors that say what to fix, and the
//! config tooling.

use std::process::Command;

fn vmdeck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vmdeck"));
    // Never read the developer's own config or password.
    c.env_remove("VMDECK_CONFIG")
        .env_remove("VMDECK_PASSWORD")
        .env_remove("VMDECK_PROFILE");
    c.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("vmdeck-no-such-config-home"),
    );
    c
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("vmdeck-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn missing_profile_is_one_line_naming_the_fix() {
    let dir = std::env::temp_dir().join(format!("vmdeck-e2e-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        "[profiles.lab]\nplatform = \"tophc\"\nurl = \"http://127.0.0.1:9\"\nusername = \"admin\"\n",
    )
    .unwrap();
    let out = vmdeck()
        .args(["--config", cfg.to_str().unwrap(), "--profile", "prod"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("\"prod\"") && err.contains("lab"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

/// The first site's password: an unset `password_env` hands over to VMDECK_PASSWORD (here
/// the start then fails on the url, so the password was found); with nothing anywhere the
/// one line names what was tried.
#[test]
fn password_env_unset_falls_through_to_vmdeck_password() {
    let dir = temp_dir("pwenv");
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        "[profiles.lab]\nplatform = \"tophc\"\nurl = \"http://127.0.0.1:9\"\nusername = \"admin\"\npassword_env = \"VMDECK_TEST_UNSET_LAB_PASSWORD\"\n",
    )
    .unwrap();
    let run = |password: Option<&str>| {
        let mut c = vmdeck();
        c.args(["--config", cfg.to_str().unwrap()])
            .env_remove("VMDECK_TEST_UNSET_LAB_PASSWORD")
            .stdin(std::process::Stdio::null());
        if let Some(p) = password {
            c.env("VMDECK_PASSWORD", p);
        }
        let out = c.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(Some("x"));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("http://127.0.0.1:9"),
        "got as far as connecting: {err}"
    );
    let (code, err) = run(None);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("VMDECK_TEST_UNSET_LAB_PASSWORD (password_env) is not set")
            && err.contains("VMDECK_PASSWORD"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unreachable_url_is_one_line_naming_the_url_and_the_fix() {
    let out = vmdeck()
        .args([
            "--platform",
            "tophc",
            "--url",
            "http://127.0.0.1:9",
            "--user",
            "admin",
        ])
        .env("VMDECK_PASSWORD", "x")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
    assert!(
        err.contains("check the url (host and port)"),
        "says what to fix: {err}"
    );
    // There is no profile to check: the fix is on the command line.
    assert!(
        !err.contains("profile") && err.contains("on the command line"),
        "{err}"
    );
}

/// Without a config file the way out is named as a command, with the --config given.
#[test]
fn no_config_points_to_config_init() {
    let out = vmdeck().output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("`vmdeck config init`") && !err.contains("README"),
        "{err}"
    );
    let dir = temp_dir("noconfig");
    let cfg = dir.join("lab.toml");
    let out = vmdeck()
        .args(["--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("`vmdeck --config {} config init`", cfg.display())),
        "{err}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn config_init_writes_a_private_example_that_checks() {
    let dir = temp_dir("init");
    let cfg = dir.join("sub/config.toml");
    let out = vmdeck()
        .args(["--config", cfg.to_str().unwrap(), "config", "init"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The check it suggests is the one for this file.
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("`vmdeck --config {} config check`", cfg.display())),
        "{said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let out = vmdeck()
        .args(["--config", cfg.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok (1 profile)"));
    // A second init refuses to overwrite.
    let out = vmdeck()
        .args(["--config", cfg.to_str().unwrap(), "config", "init"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn config_check_names_the_line() {
    let dir = temp_dir("check");
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, "default_profile = \"a\"\n\n[profiles.a]\nplatform = \"tophc\"\nurl = \"http://h\"\nusernme = \"x\"\n").unwrap();
    let out = vmdeck()
        .args(["--config", cfg.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("config.toml:6") && err.contains("usernme"),
        "{err}"
    );
    std::fs::write(&cfg, "theme = \"solarized\"\n[profiles.a]\nplatform = \"tophc\"\nurl = \"http://h\"\nusername = \"x\"\n").unwrap();
    let out = vmdeck()
        .args(["--config", cfg.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("solarized"), "{err}");

    // Not only syntax: what the check finds wrong is named by its line too.
    let check = |text: &str| {
        std::fs::write(&cfg, text).unwrap();
        let out = vmdeck()
            .args(["--config", cfg.to_str().unwrap(), "config", "check"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let profile = "[profiles.a]\nplatform = \"tophc\"\nurl = \"https://h\"\nusername = \"x\"\n";
    let err = check(&format!("{profile}ca_cert = \"/no/such/dir/ca.pem\"\n"));
    assert!(
        err.contains("config.toml:5: ") && err.contains("ca_cert"),
        "{err}"
    );
    let err = check(&format!(
        "theme = \"dark\"\ndefault_profile = \"b\"\n{profile}"
    ));
    assert!(
        err.contains("config.toml:2: ") && err.contains("\"b\"") && err.contains("profiles: a"),
        "{err}"
    );
    let err = check(&format!(
        "{profile}\n[keys]\nhelp = \"?\"\nrefresh = \"q\"\n"
    ));
    assert!(
        err.contains("config.toml:8: ") && err.contains("keys.refresh"),
        "{err}"
    );
    assert!(err.contains("quit = []"), "says how to free the key: {err}");
    std::fs::remove_dir_all(dir).ok();
}

/// Freeing a default's key (`quit = []`, or moving it) lets another action have it.
#[test]
fn a_default_key_can_be_freed_for_another_action() {
    let dir = temp_dir("rebind");
    let cfg = dir.join("config.toml");
    for keys in [
        "quit = []\nrefresh = \"q\"\n",
        "quit = \"ctrl-q\"\nrefresh = \"q\"\n",
    ] {
        std::fs::write(
            &cfg,
            format!("[profiles.a]\nplatform = \"tophc\"\nurl = \"https://h\"\nusername = \"x\"\n\n[keys]\n{keys}"),
        )
        .unwrap();
        let out = vmdeck()
            .args(["--config", cfg.to_str().unwrap(), "config", "check"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{keys}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

/// `vmdeck config check --config F` once failed with "unexpected argument '--config'".
#[test]
fn config_flag_after_the_subcommand_is_read() {
    let dir = temp_dir("global");
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        "[profiles.a]\nplatform = \"tophc\"\nurl = \"http://h\"\nusername = \"x\"\n",
    )
    .unwrap();
    let out = vmdeck()
        .args(["config", "check", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let (stdout, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(stdout.contains("config.toml: ok (1 profile)"), "{stdout}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn version_and_completions() {
    let out = vmdeck().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("vmdeck "));
    for shell in ["bash", "zsh", "fish"] {
        let out = vmdeck().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("vmdeck"),
            "{shell}"
        );
    }
}

#[test]
fn an_unknown_log_level_is_one_line_naming_the_levels() {
    let out = vmdeck()
        .args(["--demo", "--log-level", "loud"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("vmdeck: ") && err.contains("loud") && err.contains("debug"),
        "{err}"
    );
    // A known level is taken: the start goes on to fail on the next mistake.
    let out = vmdeck()
        .args(["--demo", "--log-level", "debug", "--theme", "no-such-theme"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-theme") && !err.contains("log-level"),
        "{err}"
    );
}

#[test]
fn an_unknown_theme_is_one_line_naming_it() {
    let out = vmdeck()
        .args(["--demo", "--theme", "no-such-theme"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("no-such-theme"), "{err}");
}
