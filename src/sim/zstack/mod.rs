//! ZStack `/zstack/v1` dialect (to be built: see issue 4).

use axum::Router;

use super::{SimConfig, SimContext};

pub fn router(_config: &SimConfig, _ctx: SimContext) -> Router {
    Router::new()
}
