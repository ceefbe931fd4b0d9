//! Headless commands: the dashboard's reads and operations for scripts, cron jobs and CI pipelines. They
//! use the same config, sites and backends as the dashboard (no second client) and print
//! an aligned table for people or JSON for programs.
//!
//! Exit codes scripts can rely on (README, "Headless commands"): 0 done, 1 the platform
//! refused or a read failed, 2 usage or config error, 3 outcome unknown, 4 timed out.

mod backup;
pub mod get;
pub mod journal;
pub mod ops;
mod render;
mod targets;

pub use render::Format;
