//! The shift simulation: a deterministic core ([`session`]) over whole sim minutes, the
//! action vocabulary ([`action`]), queue generation ([`queue`]), logs, results and
//! replay ([`record`]), and the Bevy shell ([`plugin`]) that drives the core from
//! virtual time and mirrors tickets as entities.

pub mod action;
pub mod plugin;
pub mod queue;
pub mod record;
pub mod session;

pub use plugin::{SimPlugin, plugin};
