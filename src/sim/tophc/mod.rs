//! TopHC `/v1` dialect (placeholder until the dialect lands).

use axum::Router;

use super::{SimConfig, SimContext};

pub fn router(_config: &SimConfig, _ctx: SimContext) -> Router {
    Router::new()
}
