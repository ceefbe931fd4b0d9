//! Management-node APIs: version, current time, time zone. Zones, clusters, hosts and
//! storage are read through the query API only (see `tables`).

use serde_json::{Map, Value, json};

use super::time::MN_TIME_ZONE;
use super::world::World;
use super::{Call, Done, MN_VERSION, Outcome};

/// `PUT /v1/management-nodes/actions {"getVersion":{}}` (sync, no session).
pub fn get_version(_: &mut World, _: &Call) -> Outcome {
    Ok(Done::Now(json!({"version": MN_VERSION, "success": true})))
}

/// `{"getCurrentTime":{}}`: the MN's clock (simulated).
pub fn current_time(w: &mut World, _: &Call) -> Outcome {
    Ok(Done::Now(json!({
        "currentTime": {"MillionSeconds": w.now * 1000, "Seconds": w.now}
    })))
}

/// `GET /v1/management-nodes/platform-timezone`: the zone the MN writes its dates in.
pub fn platform_time_zone(_: &mut World, _: &Call) -> Outcome {
    let mut m = Map::new();
    m.insert("timezone".into(), json!(MN_TIME_ZONE));
    m.insert("offset".into(), json!("+08:00"));
    Ok(Done::Now(Value::Object(m)))
}
