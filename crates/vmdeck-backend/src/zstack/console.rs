//! A VM's console on ZStack: `RequestConsoleAccess` (`POST /v1/consoles`, async like every
//! API) opens a token on the management node's console proxy, a websockify that noVNC
//! connects to with `?token=`. `GetVmConsoleAddress` says where the VM's own VNC server
//! listens, for an operator who would rather tunnel to it.
//!
//! The request changes nothing an operator would call a change, so it is not an
//! `Operation` and read-only profiles may make it; like every async call it is sent once,
//! and a lost answer is reported, not re-sent.

use std::time::Instant;

use serde::Deserialize;
use serde_json::json;

use super::session::{JOB_HEADER, JobAnswer, Sent, V1, job_error};
use super::{ZStack, jobs, wire};
use crate::http::{self, HttpCall};
use crate::lenient::{Int, Str};
use crate::{BackendError, Result};
use vmdeck_model::{ConsoleAccess, ConsoleProtocol, VmRef};

/// `ConsoleInventory`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConsoleInventory {
    pub scheme: Str,
    pub hostname: Str,
    pub port: Int,
    pub token: Str,
}

/// `APIGetVmConsoleAddressReply`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConsoleAddress {
    pub host_ip: Str,
    pub port: Int,
    pub protocol: Str,
}

pub fn request_call(vm: &str, job: &str) -> HttpCall {
    HttpCall::new(
        reqwest::Method::POST,
        format!("{V1}/consoles"),
        Some(json!({ "params": { "vmInstanceUuid": vm } })),
    )
    .header(JOB_HEADER, job)
}

pub fn address_call(vm: &str) -> HttpCall {
    HttpCall::get(format!("{V1}/vm-instances/{vm}/console-addresses"))
}

impl ZStack {
    pub(super) async fn read_console(&self, vm: &VmRef) -> Result<ConsoleAccess> {
        let call = request_call(&vm.id, &jobs::new_job_uuid());
        let body = match self.api.mutate(&call).await? {
            Sent::Done(body) => body,
            Sent::Accepted { job } => self.wait_for(&job, &call.path).await?,
        };
        let inv: wire::One<ConsoleInventory> = http::decode(&call.path, &body)?;
        // Where the VM's own VNC listens is extra: without it the proxy URL still works.
        let direct = self
            .api
            .read::<ConsoleAddress>(&address_call(&vm.id))
            .await
            .ok();
        console_access(&inv.inventory, direct.as_ref()).ok_or_else(|| BackendError::Decode {
            path: call.path.clone(),
            reason: "ConsoleInventory without hostname, port or token".into(),
        })
    }

    /// Polls the console request's job until it ends; bounded, since an operator waits.
    async fn wait_for(&self, job: &str, path: &str) -> Result<bytes::Bytes> {
        let started = Instant::now();
        let interval = self
            .timing
            .interval
            .min(std::time::Duration::from_millis(500));
        loop {
            match self.api.poll_job(job).await?.0 {
                JobAnswer::Succeeded(body) => return Ok(body),
                JobAnswer::Failed(e) => return Err(job_error(&e)),
                JobAnswer::Expired => {
                    return Err(BackendError::Decode {
                        path: path.to_string(),
                        reason: format!("the console request's job {job} is gone before it ended"),
                    });
                }
                JobAnswer::Running if started.elapsed() > self.timing.settle => {
                    return Err(BackendError::Refused(format!(
                        "ZStack did not open the console within {} s; press v again",
                        self.timing.settle.as_secs()
                    )));
                }
                JobAnswer::Running => tokio::time::sleep(interval).await,
            }
        }
    }
}

pub fn console_access(
    inv: &ConsoleInventory,
    direct: Option<&ConsoleAddress>,
) -> Option<ConsoleAccess> {
    let host = inv.hostname.non_empty()?;
    let port = inv
        .port
        .get()
        .and_then(|p| u16::try_from(p).ok())
        .filter(|&p| p > 0)?;
    let token = inv.token.non_empty()?;
    let ws = if inv.scheme.as_str().eq_ignore_ascii_case("https") {
        "wss"
    } else {
        "ws"
    };
    let mut notes = vec![
        "the token lasts while the console proxy keeps it (its idle timeout): open it now"
            .to_string(),
        format!("the browser must reach the management node's console proxy at {host}:{port}"),
    ];
    if let Some(d) = direct
        && let (Some(ip), Some(p)) = (d.host_ip.non_empty(), d.port.get())
    {
        let proto = d.protocol.non_empty().unwrap_or("vnc");
        notes.push(format!("the VM's own {proto} server: {ip}:{p}"));
    }
    Some(ConsoleAccess {
        url: format!("{ws}://{host}:{port}/websockify?token={token}"),
        expires_at: None,
        host: host.to_string(),
        port,
        protocol: ConsoleProtocol::VncWebsocket,
        notes,
    })
}
