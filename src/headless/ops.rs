//! `vmdeck snapshot create|rollback|delete`, `vm start|stop` and `backup
//! create|delete|restore`: the dashboard's operations for scripts. Each prints its plan (the
//! exact calls `Backend::plan` previews in the dashboard), then needs `--yes` or a
//! confirmation typed on a terminal; `--dry-run` stops after the plan. Sent once, never
//! retried; `--wait` follows the task to its end.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::{Args, Subcommand};
use tokio::sync::mpsc;

use super::get::one_vm;
use super::targets::{Selection, SiteArgs, Target};
use crate::app::flows;
use crate::backend::SubmitError;
use crate::cli::{Cli, Failure};
use crate::fetcher::{self, Event};
use crate::model::{TaskId, TaskState, Timestamp, Vm};
use crate::operation::Operation;
use crate::ui::widgets::gauge;

/// What every operation takes: where, and how sure.
#[derive(Debug, Args)]
pub struct Sure {
    /// Site (profile) to act on. Default: the profile the dashboard would start with.
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,
    /// Only look in this cluster (name or id).
    #[arg(long, value_name = "NAME|ID")]
    pub cluster: Option<String>,
    /// Go ahead without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the plan and exit without sending anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Follow the task to its end (progress on stderr).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up waiting after this many seconds (exit 4; the task goes on).
    #[arg(long, value_name = "SECS", requires = "wait")]
    pub timeout: Option<u64>,
}

/// An operation on one VM.
#[derive(Debug, Args)]
pub struct OpArgs {
    /// The VM (name or id).
    #[arg(long, value_name = "NAME|ID")]
    pub vm: String,
    #[command(flatten)]
    pub sure: Sure,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCmd {
    /// Take a snapshot of the VM.
    Create {
        #[command(flatten)]
        op: OpArgs,
        /// Name of the new snapshot.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Include memory state, where the platform can.
        #[arg(long)]
        memory: bool,
    },
    /// Roll the VM back to a snapshot (a safety snapshot of the current state first).
    Rollback {
        #[command(flatten)]
        op: OpArgs,
        /// The snapshot (name or id).
        #[arg(long)]
        name: String,
        /// Skip the safety snapshot of the current state.
        #[arg(long)]
        no_safety_snapshot: bool,
    },
    /// Delete a snapshot.
    Delete {
        #[command(flatten)]
        op: OpArgs,
        /// The snapshot (name or id).
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Back the VM up to a backup point (TopHC) or backup storage (ZStack).
    Create {
        #[command(flatten)]
        op: OpArgs,
        /// Where the backup goes (name or id); needed when the platform has several.
        #[arg(long, value_name = "NAME|ID")]
        point: Option<String>,
        /// Name of the new backup. Default: the VM's name and the time, as the dashboard's.
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete a backup.
    Delete {
        #[command(flatten)]
        sure: Sure,
        /// The backup (name or id).
        #[arg(long, value_name = "NAME|ID")]
        backup: String,
    },
    /// Restore a backup: over its VM (--in-place) or to a new VM (--as NEWNAME).
    Restore {
        #[command(flatten)]
        sure: Sure,
        /// The backup (name or id).
        #[arg(long, value_name = "NAME|ID")]
        backup: String,
        /// Overwrite the backed-up VM with the backup.
        #[arg(long, conflicts_with = "as_name")]
        in_place: bool,
        /// Restore to a new VM of this name, placed where the dashboard's form would place it.
        #[arg(long = "as", id = "as_name", value_name = "NEWNAME")]
        as_name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum VmCmd {
    Start {
        #[command(flatten)]
        op: OpArgs,
    },
    /// Shut the guest down (--force: power off at once).
    Stop {
        #[command(flatten)]
        op: OpArgs,
        #[arg(long)]
        force: bool,
    },
}

pub async fn snapshot(cli: &Cli, cmd: &SnapshotCmd) -> Result<(), Failure> {
    let op = match cmd {
        SnapshotCmd::Create { op, .. }
        | SnapshotCmd::Rollback { op, .. }
        | SnapshotCmd::Delete { op, .. } => op,
    };
    run(cli, &op.sure, Some(&op.vm), Command::Snapshot(cmd)).await
}

pub async fn vm(cli: &Cli, cmd: &VmCmd) -> Result<(), Failure> {
    let (VmCmd::Start { op } | VmCmd::Stop { op, .. }) = cmd;
    run(cli, &op.sure, Some(&op.vm), Command::Vm(cmd)).await
}

pub async fn backup(cli: &Cli, cmd: &BackupCmd) -> Result<(), Failure> {
    let (sure, vm) = match cmd {
        BackupCmd::Create { op, .. } => (&op.sure, Some(op.vm.as_str())),
        BackupCmd::Delete { sure, .. } | BackupCmd::Restore { sure, .. } => (sure, None),
    };
    run(cli, sure, vm, Command::Backup(cmd)).await
}

#[derive(Clone, Copy)]
enum Command<'a> {
    Snapshot(&'a SnapshotCmd),
    Vm(&'a VmCmd),
    Backup(&'a BackupCmd),
}

/// The operations a command makes (for the VM it names, if it names one), in order.
async fn steps(t: &Target, vm: Option<Vm>, cmd: Command<'_>) -> Result<Vec<Operation>, Failure> {
    let (cmd, vm) = match (cmd, vm) {
        (Command::Backup(cmd), vm) => return super::backup::steps(t, vm, cmd).await,
        (cmd, Some(vm)) => (cmd, vm),
        (_, None) => unreachable!("snapshot and vm commands name a VM"),
    };
    let vmref = vm.to_ref();
    let cmd = match cmd {
        Command::Vm(VmCmd::Start { .. }) => return Ok(vec![Operation::StartVm { vm: vmref }]),
        Command::Vm(VmCmd::Stop { force, .. }) => {
            return Ok(vec![Operation::StopVm {
                vm: vmref,
                force: *force,
            }]);
        }
        Command::Snapshot(cmd) => cmd,
        Command::Backup(_) => unreachable!("handled above"),
    };
    match cmd {
        SnapshotCmd::Create {
            name,
            description,
            memory,
            ..
        } => {
            flows::snapshot::check_name(name).map_err(Failure::user)?;
            Ok(vec![Operation::CreateSnapshot {
                vm: vmref,
                name: name.clone(),
                description: description.clone(),
                memory: *memory,
                consistent: false,
                volume: None,
            }])
        }
        SnapshotCmd::Rollback {
            name,
            no_safety_snapshot,
            ..
        } => {
            let (_, snapshot) = find_snapshot(t, &vm, name).await?;
            let mut steps = Vec::new();
            if !no_safety_snapshot {
                // As the dashboard's rollback form offers it, ticked.
                steps.push(Operation::CreateSnapshot {
                    vm: vmref.clone(),
                    name: format!("before-rollback-{}", flows::stamp(Timestamp::now())),
                    description: format!(
                        "taken by vmdeck before rolling back to {}",
                        snapshot.name
                    ),
                    memory: false,
                    consistent: false,
                    volume: snapshot.volume.clone(),
                });
            }
            steps.push(Operation::RollbackSnapshot {
                vm: vmref,
                snapshot,
                memory: false,
            });
            Ok(steps)
        }
        SnapshotCmd::Delete { name, .. } => {
            let (descendants, snapshot) = find_snapshot(t, &vm, name).await?;
            Ok(vec![Operation::DeleteSnapshot {
                vm: vmref,
                snapshot,
                descendants,
            }])
        }
    }
}

/// The snapshot `arg` names in the VM's tree (its id, else its name), with how many
/// snapshots hang below it. A name several share (one per volume) is an error listing them.
async fn find_snapshot(
    t: &Target,
    vm: &Vm,
    arg: &str,
) -> Result<(usize, crate::model::SnapshotRef), Failure> {
    let tree = t
        .backend
        .snapshots(&vm.to_ref())
        .await
        .map_err(|e| t.failed(e))?;
    let mut nodes: Vec<usize> = match tree.find(arg) {
        Some(n) => vec![n],
        None => (0..tree.nodes.len())
            .filter(|&n| tree.snapshot(n).is_some_and(|s| s.name == arg))
            .collect(),
    };
    // A whole-VM snapshot (a snapshot group on ZStack) shares its name with the volume
    // snapshots it is made of: the name means the VM's.
    let whole: Vec<usize> = nodes
        .iter()
        .copied()
        .filter(|&n| tree.snapshot(n).is_some_and(|s| s.volume.is_none()))
        .collect();
    if nodes.len() > 1 && whole.len() == 1 {
        nodes = whole;
    }
    match nodes.as_slice() {
        [n] => {
            let s = tree.snapshot(*n).expect("found as a snapshot");
            Ok((tree.descendant_snapshots(*n), s.to_ref()))
        }
        [] => Err(Failure::user(format!(
            "site {}: VM {} has no snapshot \"{arg}\"",
            t.site, vm.name
        ))),
        many => {
            let list: Vec<String> = many
                .iter()
                .filter_map(|&n| tree.snapshot(n))
                .map(|s| match &s.volume {
                    Some(v) => format!("{} (volume {})", s.id, v.name),
                    None => s.id.clone(),
                })
                .collect();
            Err(Failure::user(format!(
                "site {}: {} snapshots of {} are named \"{arg}\": {}; give the id",
                t.site,
                many.len(),
                vm.name,
                list.join(", ")
            )))
        }
    }
}

async fn run(cli: &Cli, args: &Sure, vm: Option<&str>, cmd: Command<'_>) -> Result<(), Failure> {
    let which = SiteArgs {
        sites: args.site.iter().cloned().collect(),
        all_sites: false,
    };
    let selection = Selection::choose(cli, &which).await?;
    let result = match selection.specs.as_slice() {
        [spec] => match selection.connect(spec).await {
            Ok(t) => {
                let result = operate(&t, args, vm, cmd).await;
                t.end().await;
                result
            }
            Err(f) => Err(f),
        },
        specs => {
            let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            Err(Failure::user(format!(
                "an operation acts on one site: pick one with --site ({})",
                names.join(", ")
            )))
        }
    };
    selection.finish().await;
    result
}

async fn operate(
    t: &Target,
    args: &Sure,
    vm: Option<&str>,
    cmd: Command<'_>,
) -> Result<(), Failure> {
    let vm = match vm {
        Some(arg) => Some(find_vm(t, args.cluster.as_deref(), arg).await?),
        None => None,
    };
    let steps = steps(t, vm, cmd).await?;
    print_plan(t, &steps)?;
    if args.dry_run {
        return Ok(());
    }
    let last = steps.last().expect("every command makes a step");
    if t.spec.profile.read_only {
        return Err(Failure::runtime(format!(
            "refused: profile {} is read-only ({} was not sent)",
            t.site,
            last.title().to_lowercase()
        )));
    }
    if !args.yes {
        confirm(last)?;
    }
    let deadline = args
        .timeout
        .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    for (i, op) in steps.iter().enumerate() {
        let is_last = i + 1 == steps.len();
        // A step others build on (the safety snapshot) is always followed to its end.
        if is_last && !args.wait {
            return send_only(t, op).await;
        }
        follow(t, op, deadline).await?;
    }
    Ok(())
}

/// The VM `arg` names (in `--cluster`, if given).
pub(super) async fn find_vm(t: &Target, cluster: Option<&str>, arg: &str) -> Result<Vm, Failure> {
    let cluster = t.cluster(cluster).await?;
    let mut problems = Vec::new();
    one_vm(t, &cluster, Some(arg), &mut problems)
        .await?
        .ok_or_else(|| {
            let mut why = format!("site {}: no VM \"{arg}\"", t.site);
            if !problems.is_empty() {
                why.push_str(&format!(" ({})", problems.join("; ")));
            }
            Failure::user(why)
        })
}

/// Each step's title, target and what it does, then the exact calls, as the dashboard's
/// preview shows them. A platform rule that forbids a step refuses here, before anything.
fn print_plan(t: &Target, steps: &[Operation]) -> Result<(), Failure> {
    let mut out = String::new();
    for (i, op) in steps.iter().enumerate() {
        let calls = t.backend.plan(op).map_err(|e| t.failed(e))?;
        out.push_str(&format!(
            "step {}/{}: {} · {}\n",
            i + 1,
            steps.len(),
            op.title(),
            op.target()
        ));
        for effect in op.effects() {
            out.push_str(&format!("  {effect}\n"));
        }
        for call in calls {
            for line in call.to_string().lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::runtime(format!("cannot write the plan: {e}")))
}

/// Asks on a terminal: the name for what the dashboard makes you type, else y/N. Without a
/// terminal nothing is sent without `--yes`.
fn confirm(op: &Operation) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::user(format!(
            "{} needs --yes (or a terminal to confirm on); --dry-run shows the plan only",
            op.title().to_lowercase()
        )));
    }
    let (prompt, want) = match op.typed_confirmation() {
        Some(name) => (format!("Type {name} to confirm: "), name.to_string()),
        None => ("Go ahead? [y/N] ".to_string(), "y".to_string()),
    };
    eprint!("{prompt}");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Failure::user(format!("cannot read the answer: {e}")))?;
    if answer.trim() == want || (want == "y" && answer.trim().eq_ignore_ascii_case("yes")) {
        Ok(())
    } else {
        Err(Failure::user("not confirmed; nothing was sent"))
    }
}

/// Sends once and says whether the platform took it.
async fn send_only(t: &Target, op: &Operation) -> Result<(), Failure> {
    match t.backend.submit(op).await {
        Ok(watch) => {
            let id = watch
                .platform_id()
                .map(|id| format!(" (task {id})"))
                .unwrap_or_default();
            eprintln!(
                "vmdeck: sent: {} · {}{id}; --wait follows it to its end",
                op.title(),
                op.target()
            );
            Ok(())
        }
        Err(SubmitError::Rejected(e)) => Err(t.failed(e)),
        Err(SubmitError::AnswerLost { error, mut verify }) => {
            // One re-read says what it can; a mutation is never sent again.
            let title = op.title().to_lowercase();
            match verify.poll().await {
                Ok(TaskState::Succeeded) => {
                    eprintln!(
                        "vmdeck: the answer to {title} was lost ({error}); re-reading shows it done"
                    );
                    Ok(())
                }
                Ok(TaskState::Failed { message }) => Err(t.failed(format!(
                    "the answer to {title} was lost ({error}); re-reading shows it failed: {message}"
                ))),
                seen => {
                    let seen = match seen {
                        Ok(TaskState::Unknown { reason }) => reason,
                        Ok(state) => state.label().to_string(),
                        Err(e) => format!("the re-read failed: {e}"),
                    };
                    Err(Failure::unknown(format!(
                        "site {}: {title} was sent but its answer was lost ({error}); re-read: {seen}; --wait follows it until it is known",
                        t.site
                    )))
                }
            }
        }
    }
}

/// Sends once and follows the task as the dashboard's Tasks pane does, each change of
/// state a line on stderr.
async fn follow(
    t: &Target,
    op: &Operation,
    deadline: Option<tokio::time::Instant>,
) -> Result<(), Failure> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let title = format!("{} · {}", op.title(), op.target());
    let run = fetcher::run_one(&*t.backend, &tx, TaskId(0), op);
    tokio::pin!(run);
    // A bar redrawn in place on a terminal; one plain line per change for a log.
    let bar = std::io::stderr().is_terminal();
    let report = |ev: Event| {
        let Event::Task { state, .. } = ev else {
            return;
        };
        let label = state.label();
        match (bar, state.progress()) {
            (true, Some(p)) => eprint!("\r\x1b[2Kvmdeck: {title}: {label} {}", gauge(p, 20)),
            (true, None) => eprint!("\r\x1b[2Kvmdeck: {title}: {label}"),
            (false, Some(p)) => eprintln!("vmdeck: {title}: {label} {:.0}%", p * 100.0),
            (false, None) => eprintln!("vmdeck: {title}: {label}"),
        }
    };
    let end = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(end);
    let state = loop {
        tokio::select! {
            state = &mut run => break state,
            Some(ev) = rx.recv() => report(ev),
            () = &mut end => {
                if bar {
                    eprintln!();
                }
                return Err(Failure::timed_out(format!(
                    "site {}: timed out waiting for {title}; it may still finish: see `vmdeck get tasks`",
                    t.site
                )));
            }
        }
    };
    while let Ok(ev) = rx.try_recv() {
        report(ev);
    }
    if bar {
        eprintln!();
    }
    match state {
        TaskState::Succeeded => Ok(()),
        TaskState::Failed { message } => Err(t.failed(format!("{title} failed: {message}"))),
        TaskState::Unknown { reason } => Err(Failure::unknown(format!(
            "site {}: {title}: outcome unknown: {reason}",
            t.site
        ))),
        other => Err(Failure::unknown(format!(
            "site {}: {title}: left {}",
            t.site,
            other.label()
        ))),
    }
}
