//! Consoles: `RequestConsoleAccess` (`POST /v1/consoles {params:{vmInstanceUuid}}`, async)
//! answers `{"inventory": ConsoleInventory}` — the management node's console proxy and a
//! token for it; `GetVmConsoleAddress` (`GET /v1/vm-instances/{uuid}/console-addresses`,
//! sync) where the VM's own VNC server listens. Both refuse a VM that is not running, as
//! ZStack does (there is no VNC server to reach).

use serde_json::json;

use super::lookup::lookup;
use super::vms::not_in_state;
use super::world::{Kind, World};
use super::{Call, Done, Outcome};

/// The console proxy's port on the management node (ZStack's default).
pub const PROXY_PORT: u16 = 4900;
/// The job takes a moment, as the proxy agent is asked to open the token.
pub const REQUEST_SECS: f64 = 0.5;

fn running_vm(w: &World, c: &Call, param: &str) -> Result<usize, super::wire::Fail> {
    let vm = lookup(w, c, param, Kind::Vm, "VmInstanceVO")?;
    let state = w.vms[vm].state;
    if state != "Running" {
        return Err(not_in_state(state, &c.class, &["Running"]).into());
    }
    Ok(vm)
}

pub fn request_access(w: &mut World, c: &Call) -> Outcome {
    let vm = running_vm(w, c, "vmInstanceUuid")?;
    let uuid = w.vms[vm].uuid.to_string();
    Ok(Done::later(REQUEST_SECS, move |w: &mut World| {
        // A new token per request, reproducible from the world's clock.
        let token = token(&w.mn.uuid.to_string(), &uuid, w.now);
        Ok(json!({
            "inventory": {
                "scheme": "http",
                "hostname": w.mn.host_name,
                "port": PROXY_PORT,
                "token": token,
                "vmInstanceUuid": uuid,
            }
        }))
    }))
}

pub fn address(w: &mut World, c: &Call) -> Outcome {
    let vm = running_vm(w, c, "uuid")?;
    let host = w.vms[vm]
        .host
        .map(|h| w.hosts[h].ip.clone())
        .unwrap_or_default();
    let port = 5900 + (vm % 100) as u16;
    Ok(Done::Now(json!({
        "hostIp": host,
        "port": port,
        "protocol": "vnc",
        "success": true,
    })))
}

fn token(mn: &str, vm: &str, now: i64) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"vmdeck-sim-zstack-console");
    h.update(mn.as_bytes());
    h.update(vm.as_bytes());
    h.update(now.to_le_bytes());
    base64::engine::general_purpose::STANDARD.encode(&h.finalize()[..16])
}
