//! vmdeck: a keyboard-driven terminal dashboard for TopHC, CloudTower and ZStack.
//!
//! This crate is the app: keys become `app::Action`s, `App::update` turns them into
//! `fetcher::Command`s, the fetcher (in `vmdeck-backend`) runs backend calls off the UI loop
//! and sends `fetcher::Event`s back, and `ui::draw` renders the `App`. The layers below are
//! crates of their own, re-exported here under the names the app uses; see
//! docs/ARCHITECTURE.md.

pub use vmdeck_backend as backend;
pub use vmdeck_backend::fetcher;
pub use vmdeck_model as model;
pub use vmdeck_model::operation;
pub use vmdeck_sim as sim;

pub mod app;
pub mod cli;
pub mod config;
pub mod headless;
pub mod session;
pub mod sites;
pub mod state;
pub mod theme;
pub mod tui;
pub mod ui;
