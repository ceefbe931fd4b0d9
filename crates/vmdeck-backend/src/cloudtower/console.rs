//! A VM's console as seed 001 builds it: `get-vm-vnc-info` gives a one-time `terminal`
//! token and the cluster's IP; noVNC connects to the cluster's websockify with both.

use vmdeck_model::{ConsoleAccess, ConsoleProtocol, VmRef};

use super::{CloudTower, reads, wire};
use crate::{BackendError, Result};

impl CloudTower {
    pub(super) async fn read_console(&self, vm: &VmRef) -> Result<ConsoleAccess> {
        let call = reads::vnc_info(&vm.id);
        let info: wire::VmVncInfo = self.api.read(&call).await?;
        console_access(&info).ok_or_else(|| BackendError::Decode {
            path: call.path.clone(),
            reason: "VmVncInfo without terminal or cluster_ip".into(),
        })
    }
}

/// `None` when the answer lacks what the URL needs. The token lives only in `url`.
pub(super) fn console_access(info: &wire::VmVncInfo) -> Option<ConsoleAccess> {
    let token = info.terminal.non_empty()?;
    let host = info.cluster_ip.non_empty()?;
    let uuid = info.vm.local_id.non_empty().unwrap_or(info.vm.id.as_str());
    let mut notes = vec![
        "the token works once and CloudTower does not say for how long: open it now".to_string(),
        format!("the browser must reach the cluster at {host}:443 (websocket)"),
    ];
    if let Some(direct) = info.direct.non_empty() {
        notes.push(format!("plain VNC on the host: {direct}"));
    }
    Some(ConsoleAccess {
        url: format!("wss://{host}/websockify/?uuid={uuid}&token={token}"),
        expires_at: None,
        host: host.to_string(),
        port: 443,
        protocol: ConsoleProtocol::VncWebsocket,
        notes,
    })
}
