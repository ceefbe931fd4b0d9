//! `x` in Tasks: cancel what can still be canceled. A ZStack long job is canceled by the
//! platform (an operation like any other: previewed with its exact call, confirmed,
//! journaled, followed); a bulk's VMs not sent yet are taken off its queue (nothing is sent,
//! so nothing to preview). Work already sent elsewhere runs to its end, and the key says so.

use crate::app::{App, Level};
use crate::fetcher::Command;
use crate::model::Platform;
use crate::operation::Operation;

impl App {
    /// `x` in Tasks: on work the platform can cancel (a ZStack long job), the preview of
    /// that cancel; on a bulk's row, the first press says what a second one cancels, the
    /// second ends its VMs not sent yet. Anything else says why it cannot be canceled.
    pub(in crate::app) fn cancel_task(&mut self) -> Vec<Command> {
        let Some(t) = self.tasks.selected() else {
            return vec![];
        };
        let key = t.key.clone();
        let group = t.parent.clone().unwrap_or(key);
        let Some(n) = crate::app::panes::TasksPane::group_of(&group) else {
            self.tasks.cancel_armed = None;
            return self.cancel_platform_task();
        };
        let queued = self
            .tasks
            .members(&group)
            .filter(|m| m.state == crate::model::TaskState::Queued)
            .count();
        if queued == 0 {
            self.tasks.cancel_armed = None;
            self.say(
                Level::Info,
                "nothing queued in this bulk: the VMs already sent run to their end",
            );
            return vec![];
        }
        if self.tasks.cancel_armed.as_deref() != Some(group.as_str()) {
            self.tasks.cancel_armed = Some(group);
            self.say(
                Level::Warn,
                format!("x again cancels the {queued} queued VMs of this bulk (those sent run to their end)"),
            );
            return vec![];
        }
        self.tasks.cancel_armed = None;
        self.say(
            Level::Info,
            format!("canceling the {queued} queued VMs of this bulk"),
        );
        vec![Command::CancelBulk { group: n }]
    }

    fn cancel_platform_task(&mut self) -> Vec<Command> {
        let Some(t) = self.tasks.selected() else {
            return vec![];
        };
        let active = self.sites.active().map(|s| s.name.clone());
        let refusal = if t.state.is_terminal() {
            Some(format!("that task has already ended ({})", t.state.label()))
        } else if t.site.is_some() && t.site != active {
            Some(format!(
                "that task runs on {}: switch to it (:site) to cancel it",
                t.site.as_deref().unwrap_or_default()
            ))
        } else if t.cancel.is_none() {
            Some(match self.session.platform {
                Platform::CloudTower => {
                    "CloudTower has no task cancel: a task already started runs to its end (only a bulk's queued VMs can be canceled)".to_string()
                }
                Platform::TopHc => {
                    "TopHC has no task API to cancel with: an operation already sent runs to its end (only a bulk's queued VMs can be canceled)".to_string()
                }
                Platform::ZStack => {
                    "ZStack cancels long jobs only: this one is an API call and runs to its end (only a bulk's queued VMs can be canceled)".to_string()
                }
            })
        } else {
            None
        };
        if let Some(why) = refusal {
            self.say(Level::Info, why);
            return vec![];
        }
        let op = Operation::CancelTask {
            task: crate::model::Named {
                id: t.cancel.clone().unwrap_or_default(),
                name: t.title.clone(),
            },
            target: t.target.clone(),
        };
        self.confirm(vec![op], vec![])
    }
}
