//! The app's tests: the `dojo` binary end to end (run, history, competitions, validate, explain) and the Bevy shell under `MinimalPlugins`.

#[path = "../common/mod.rs"]
mod common;

mod accommodation;
mod cli_content;
mod cli_history;
mod cli_run;
mod compete;
#[cfg(feature = "gui")]
mod gui_session;
mod keymap;
#[path = "../support/ralph.rs"]
mod ralph;
mod sim_plugin;
mod team_sync;
mod xapi;

#[path = "../server/pg.rs"]
mod pg;
