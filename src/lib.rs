//! vmdeck: a keyboard-driven terminal dashboard for TopHC, CloudTower and ZStack.
//!
//! Data flows one way: keys become `app::Action`s, `App::update` turns them into
//! `fetcher::Command`s, the fetcher runs backend calls and sends `fetcher::Event`s back,
//! and `ui::draw` renders the `App`. See DESIGN.md.

pub mod app;
pub mod backend;
pub mod cli;
pub mod config;
pub mod fetcher;
pub mod model;
pub mod operation;
pub mod sim;
pub mod sites;
pub mod state;
pub mod theme;
pub mod tui;
pub mod ui;
