//! Long jobs (`POST /v1/longjobs {params:{jobName, jobData, targetResourceUuid?, name?}}`):
//! the MN runs a wrapped API in the background and records it as a LongJob row that the
//! client polls with `GET /v1/longjobs/{uuid}`.
//!
//! The simulator runs `APIRevertVolumeFromSnapshotMsg` and `APIDeleteVolumeSnapshotMsg`
//! (jobData: that API's own fields, e.g. `{"uuid":"<snapshot>"}`) through the same rules as
//! the APIs themselves. The submission answers `{"inventory": LongJob}` (state `Running`,
//! or `Failed` when the wrapped API is refused at once); when the work ends the row is
//! `Succeeded` with `jobResult` `"Succeeded"` (or the result's JSON) or `Failed` with a
//! `JobResultError`'s JSON (`{"detail","cause"}`, the form since 2020), and `executeTime`
//! in whole seconds since `createDate`, at least 1 (`LongJobUtils.setExecuteTimeIfNeed`). Other open-source long-job APIs are accepted
//! and fail with SYS.1014; a job name outside that list is an argerr.
//! `DELETE /v1/longjobs/{uuid}` removes a finished job; a running one is refused.
//!
//! `PUT /v1/longjobs/{uuid}/actions {"cancelLongJob":{}}` (async, like every action):
//! a job that is `Waiting` or `Suspended` has nothing running and is `Canceled` when the
//! cancel's job ends; a `Running` one is `Canceling` at once, and `Canceled` when the
//! cancel ends — the work it wraps, if it had not finished by then, never takes effect
//! (`LongJob.cancel` stops it). A job that already ended cannot be canceled (argerr); one
//! already canceled answers success again.

use serde_json::{Map, Value, json};

use super::handlers;
use super::inventory;
use super::lookup::lookup;
use super::routes;
use super::snapshots::resource_uuid;
use super::wire::{ErrorCode, Fail, Params, SYS_NOT_SUPPORTED, gson};
use super::world::{Kind, LongJob, Stamp, World};
use super::{Call, Done, Outcome, Uid};

pub const SUBMIT_SECS: f64 = 0.5;

/// The open-source APIs ZStack can run as long jobs.
const LONG_JOB_APIS: &[&str] = &[
    "APIAddImageMsg",
    "APIAddKVMHostMsg",
    "APICreateDataVolumeTemplateFromVolumeMsg",
    "APICreateRootVolumeTemplateFromRootVolumeMsg",
    "APIDeleteVolumeSnapshotMsg",
    "APIExportImageFromBackupStorageMsg",
    "APIFlattenVmInstanceMsg",
    "APIFlattenVolumeMsg",
    "APIMigrateVmMsg",
    "APIRevertVolumeFromSnapshotMsg",
    "APIUpdateClusterOSMsg",
];

fn set_result(w: &mut World, j: usize, result: Result<Value, ErrorCode>, started: f64) {
    let now = w.now;
    let secs = (w.elapsed - started).floor() as i64;
    let job = &mut w.long_jobs[j];
    job.stamp.last_op = now;
    job.execute_secs = Some(secs.max(1));
    match result {
        Ok(v) => {
            job.state = "Succeeded";
            let empty = v.as_object().is_none_or(|m| m.is_empty());
            job.job_result = Some(if empty { "Succeeded".into() } else { gson(&v) });
        }
        Err(e) => {
            job.state = "Failed";
            job.job_result = Some(gson(&e.job_result()));
        }
    }
}

pub fn submit(w: &mut World, c: &Call) -> Outcome {
    let job_name = c.p.required("jobName", &c.class)?;
    let job_data = c.p.required("jobData", &c.class)?;
    let name = c.p.str("name")?.unwrap_or_else(|| job_name.clone());
    let description = c.p.str("description")?;
    let target = c.p.str("targetResourceUuid")?.and_then(|u| Uid::parse(&u));
    if !LONG_JOB_APIS.contains(&job_name.as_str()) {
        return Err(
            ErrorCode::argerr(format!("the API[{job_name}] cannot run as a long job")).into(),
        );
    }
    let data: Map<String, Value> = match serde_json::from_str::<Value>(&job_data) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(
                ErrorCode::argerr(format!("jobData[{job_data}] is not a JSON object")).into(),
            );
        }
    };
    let uuid = resource_uuid(w, c)?;
    let api_id = w.new_uid();
    let idx = w.long_jobs.len();
    let now = w.now;
    w.long_jobs.push(LongJob {
        uuid,
        name,
        description,
        api_id,
        job_name: job_name.clone(),
        job_data,
        job_result: None,
        state: "Running",
        target,
        execute_secs: None,
        stamp: Stamp::at(now),
        deleted: false,
    });
    w.register(uuid, Kind::LongJob, idx);

    let action = job_name
        .strip_prefix("API")
        .and_then(|a| a.strip_suffix("Msg"))
        .unwrap_or_default();
    let started = w.elapsed;
    let inner = match (routes::by_action(action), handlers::find(action)) {
        (Some(api), Some((h, package)))
            if matches!(action, "RevertVolumeFromSnapshot" | "DeleteVolumeSnapshot") =>
        {
            let call = Call {
                api,
                class: format!("{package}.{job_name}"),
                p: Params::from_json(data, vec![]),
                session: c.session,
                epoch: c.epoch,
                password_sha512: c.password_sha512,
            };
            h(w, &call)
        }
        _ => Err(Fail::Api(ErrorCode::new(
            SYS_NOT_SUPPORTED,
            format!("the simulated management node does not run {job_name} as a long job"),
        ))),
    };
    match inner {
        Ok(Done::Now(v)) => set_result(w, idx, Ok(v), started),
        Ok(Done::Later { secs, finish }) => {
            let id = api_id.to_string();
            w.schedule(
                id,
                action,
                false,
                secs,
                Box::new(move |w: &mut World| {
                    // Canceled while it ran: the wrapped work is stopped, not applied.
                    if matches!(w.long_jobs[idx].state, "Canceling" | "Canceled") {
                        return Err(ErrorCode::operr(format!(
                            "long job[uuid:{}] was canceled",
                            w.long_jobs[idx].uuid
                        )));
                    }
                    let r = finish(w);
                    set_result(w, idx, r.clone(), started);
                    r
                }),
            );
        }
        Err(Fail::Api(e)) => set_result(w, idx, Err(e), started),
        Err(Fail::Rest(_, text)) => set_result(w, idx, Err(ErrorCode::argerr(text)), started),
    }
    Ok(Done::later(SUBMIT_SECS, move |w: &mut World| {
        Ok(json!({ "inventory": inventory::long_job(w, idx) }))
    }))
}

pub fn delete(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    if w.find(Kind::LongJob, &uuid).is_none() {
        return Ok(Done::Now(json!({})));
    }
    let j = lookup(w, c, "uuid", Kind::LongJob, "LongJobVO")?;
    if matches!(w.long_jobs[j].state, "Running" | "Waiting" | "Canceling") {
        return Err(ErrorCode::operr(format!(
            "cannot delete long job[uuid:{uuid}], it is {}",
            w.long_jobs[j].state
        ))
        .into());
    }
    Ok(Done::later(0.5, move |w: &mut World| {
        w.long_jobs[j].deleted = true;
        Ok(json!({}))
    }))
}

/// Seconds a cancel of a running job takes to stop its work.
pub const CANCEL_SECS: f64 = 1.0;

pub fn cancel(w: &mut World, c: &Call) -> Outcome {
    let uuid = c.p.required("uuid", &c.class)?;
    let j = lookup(w, c, "uuid", Kind::LongJob, "LongJobVO")?;
    let state = w.long_jobs[j].state;
    let secs = match state {
        "Canceled" => return Ok(Done::Now(json!({}))),
        "Succeeded" | "Failed" => {
            return Err(ErrorCode::argerr(format!(
                "cannot cancel long job[uuid:{uuid}], it is {state}"
            ))
            .into());
        }
        "Running" | "Canceling" => {
            let now = w.now;
            let job = &mut w.long_jobs[j];
            job.state = "Canceling";
            job.stamp.last_op = now;
            CANCEL_SECS
        }
        _ => SUBMIT_SECS,
    };
    let was_running = state == "Running";
    Ok(Done::later(secs, move |w: &mut World| {
        let now = w.now;
        if matches!(w.long_jobs[j].state, "Succeeded" | "Failed") {
            return Ok(json!({}));
        }
        if was_running {
            unmark(w, j);
        }
        let job = &mut w.long_jobs[j];
        job.state = "Canceled";
        job.stamp.last_op = now;
        job.execute_secs = Some((now - job.stamp.create).max(1));
        Ok(json!({}))
    }))
}

/// A stopped snapshot delete leaves its snapshots as they were: the one wrapped API here
/// that marks something (`Deleting`) when it starts. A revert changes nothing until it ends.
fn unmark(w: &mut World, j: usize) {
    if w.long_jobs[j].job_name != "APIDeleteVolumeSnapshotMsg" {
        return;
    }
    let data: Value = serde_json::from_str(&w.long_jobs[j].job_data).unwrap_or_default();
    let Some(s) = data["uuid"]
        .as_str()
        .and_then(|u| w.find(Kind::Snapshot, u))
    else {
        return;
    };
    for n in w.subtree(s) {
        if w.snapshots[n].status == "Deleting" {
            w.snapshots[n].status = "Ready";
        }
    }
}
