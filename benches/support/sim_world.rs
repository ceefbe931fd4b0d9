//! What the benches against the simulator share: one simulator, started once per run on a
//! free loopback port, with the runtime that serves it.

use vmdeck::sim::{SimConfig, SimServer};

pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub server: SimServer,
}

impl World {
    pub fn start(config: SimConfig) -> World {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let server = rt
            .block_on(SimServer::start(
                "127.0.0.1:0".parse().expect("address"),
                config,
            ))
            .expect("simulator starts");
        World { rt, server }
    }
}
