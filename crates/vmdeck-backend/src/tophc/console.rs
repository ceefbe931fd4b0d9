//! A VM's console on TopHC. Its web console (`GET /v1/user/console?token=…`, §4.13) takes
//! the operator's session token in the URL, and vmdeck never hands that out. What is left
//! is what the VM's detail says (`compute/inspect`): its SPICE port, which the manager maps
//! onto its own address when `spice_port_mapping` is on. The SPICE password beside it is
//! never decoded: remote-viewer asks for it.

use vmdeck_model::{ConsoleAccess, ConsoleProtocol, VmPower, VmRef};

use super::{TopHc, convert, reads, wire};
use crate::{Backend, BackendError, Result};

impl TopHc {
    pub(super) async fn read_console(&self, vm: &VmRef) -> Result<ConsoleAccess> {
        let c: wire::Compute = self.api.read(&reads::inspect_vm(vm)).await?;
        console_access(&c, &vm.name, &self.endpoint())
    }

    fn endpoint(&self) -> String {
        self.identity().endpoint.clone()
    }
}

/// The manager's host, which the mapped SPICE port listens on.
fn manager_host(endpoint: &str) -> Option<String> {
    url::Url::parse(endpoint)
        .ok()?
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_string())
}

pub(super) fn console_access(
    c: &wire::Compute,
    name: &str,
    endpoint: &str,
) -> Result<ConsoleAccess> {
    let nothing = |why: String| Err(BackendError::Refused(why));
    if convert::power(c.state.as_str()) != VmPower::Running {
        return nothing(format!(
            "{name} is not running ({}): TopHC opens a console only on a running VM",
            c.state.as_str()
        ));
    }
    let port = c
        .spice_port
        .get()
        .and_then(|p| u16::try_from(p).ok())
        .filter(|&p| p > 0);
    let Some(port) = port else {
        return nothing(format!(
            "TopHC names no SPICE port for {name}; open its console from the TopHC web console"
        ));
    };
    if !c.spice_port_mapping.is_true() {
        return nothing(format!(
            "{name}'s SPICE port {port} is on the host that runs it, which TopHC's API does not name; open its console from the TopHC web console"
        ));
    }
    let Some(host) = manager_host(endpoint) else {
        return nothing(format!("the profile's url {endpoint} names no host"));
    };
    let authority = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    Ok(ConsoleAccess {
        url: format!("spice://{authority}:{port}"),
        expires_at: None,
        host,
        port,
        protocol: ConsoleProtocol::Spice,
        notes: vec![
            "open it with remote-viewer (virt-viewer); it asks for the VM's SPICE password, which vmdeck does not show".into(),
            "TopHC's web console needs your session token in its URL, which vmdeck never hands out".into(),
        ],
    })
}
