//! SmartX CloudTower `/v2/api` dialect (to be built: see issue 3).

use axum::Router;

use super::{SimConfig, SimContext};

pub fn router(_config: &SimConfig, _ctx: SimContext) -> Router {
    Router::new()
}
