//! Tasks: where one stands (decided by `status` alone), and the Tasks pane's rows.

use super::{push, words};
use crate::cloudtower::time;
use crate::cloudtower::wire::{self, TaskStatus};
use crate::lenient::Float;
use vmdeck_model::{PlatformTask, TaskState};

// ------------------------------------------------------------------ tasks

/// Where a task stands. Only `status` decides that it ended: finished tasks have been seen
/// with `progress` 0 as well as 1 (ENDPOINTS §2.9).
pub fn task_state(t: &wire::Task) -> TaskState {
    match &t.status {
        TaskStatus::Pending => TaskState::Queued,
        TaskStatus::Executing => TaskState::Running {
            progress: progress(t.progress),
        },
        TaskStatus::Paused => TaskState::Paused {
            progress: progress(t.progress),
        },
        TaskStatus::Succeeded => TaskState::Succeeded,
        TaskStatus::Failed => TaskState::Failed {
            message: failure_message(t),
        },
        // A status the spec does not know is not proof of an end: keep following.
        TaskStatus::Unknown(_) => TaskState::Running { progress: None },
    }
}

fn progress(p: Float) -> Option<f32> {
    p.get()
        .filter(|p| *p > 0.0)
        .map(|p| if p > 1.0 { p / 100.0 } else { p })
        .map(|p| p.clamp(0.0, 1.0) as f32)
}

/// "<error_message> (CloudTower error <error_code>)", with what was rolled back.
pub fn failure_message(t: &wire::Task) -> String {
    let msg = t
        .error_message
        .non_empty()
        .map(str::to_string)
        .unwrap_or_else(|| {
            let what = t.description.non_empty().unwrap_or("the task");
            format!("{what} failed (CloudTower gave no reason)")
        });
    let mut out = match t.error_code.non_empty() {
        Some(code) => format!("{msg} (CloudTower error {code})"),
        None => msg,
    };
    if t.resource_rollbacked.is_true() {
        out.push_str("; CloudTower rolled the resource back");
    } else if let Some(e) = t.resource_rollback_error.non_empty() {
        out.push_str(&format!("; rolling the resource back failed: {e}"));
    }
    out
}

/// The resource a task works on, as an operator would name it: the resource's name from
/// the task's `snapshot` (JSON text of the resource), else its type and id.
pub fn task_target(t: &wire::Task) -> String {
    let from_snapshot = serde_json::from_str::<serde_json::Value>(t.snapshot.as_str())
        .ok()
        .and_then(|v| {
            v.get("name")
                .and_then(|n| n.as_str())
                .map(|s| s.trim().to_string())
        })
        .filter(|s| !s.is_empty());
    let kind = t.resource_type.non_empty().map(words);
    match (from_snapshot, kind, t.resource_id.non_empty()) {
        (Some(name), Some(kind), _) => format!("{kind} {name}"),
        (Some(name), None, _) => name,
        (None, Some(kind), Some(id)) => format!("{kind} {id}"),
        (None, None, Some(id)) => id.to_string(),
        (None, Some(kind), None) => kind,
        (None, None, None) => String::new(),
    }
}

pub fn platform_task(t: &wire::Task) -> PlatformTask {
    let mut d = Vec::new();
    push(&mut d, "Status", words(t.status.as_wire()));
    if let Some(p) = t.progress.get() {
        push(
            &mut d,
            "Progress",
            format!("{:.0}%", (p.clamp(0.0, 1.0)) * 100.0),
        );
    }
    push(&mut d, "Error code", t.error_code.as_str());
    push(&mut d, "Error", t.error_message.as_str());
    if let Some(c) = t.cluster.as_ref() {
        push(&mut d, "Cluster", c.name.as_str());
    }
    push(&mut d, "Resource", t.resource_type.as_str());
    push(&mut d, "Resource ID", t.resource_id.as_str());
    push(&mut d, "Change", words(&t.resource_mutation));
    push(&mut d, "Kind", words(&t.kind));
    push(&mut d, "Key", t.key.as_str());
    for step in t.steps.iter() {
        let (Some(cur), Some(total)) = (step.current.get(), step.total.get()) else {
            continue;
        };
        let unit = words(&step.unit);
        let done = if step.finished.is_true() { " ✓" } else { "" };
        push(
            &mut d,
            format!("Step {}", step.key.as_str()),
            format!("{cur}/{total} {unit}{done}"),
        );
    }
    if let Some(at) = time::parse(&t.local_created_at) {
        d.push(vmdeck_model::Detail::time("Created", at));
    }
    PlatformTask {
        id: t.id.0.clone(),
        title: t
            .description
            .non_empty()
            .map(str::to_string)
            .unwrap_or_else(|| words(&t.key)),
        target: task_target(t),
        user: t
            .user
            .as_ref()
            .map(|u| u.name.0.clone())
            .unwrap_or_default(),
        state: task_state(t),
        started: time::parse(&t.started_at).or_else(|| time::parse(&t.local_created_at)),
        finished: time::parse(&t.finished_at),
        details: d,
        // CloudTower's API has no task cancel.
        cancel: None,
    }
}
