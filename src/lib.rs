//! The `dojo` app: the command line and the desktop trainer, shells over the core
//! (`dojo_core`) and the history store (`dojo_store`).
//!
//! Start reading at `main.rs` → [`cli::run`] (the headless commands) or
//! `cli_trainer::run_trainer` → `gui::app` (the window). [`sim_plugin`] is the Bevy
//! shell that drives the core's session from virtual time. See `ARCHITECTURE.md`.

// Diagnostics are the cold path and carry their location and hint by value.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod clock;
#[cfg(feature = "gui")]
pub mod gui;
pub mod keymap;
pub mod runner;
pub mod sim_plugin;
pub mod team_client;
pub mod xapi_client;
