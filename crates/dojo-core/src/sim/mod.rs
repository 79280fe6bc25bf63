//! The shift simulation: a deterministic core ([`session`]) over whole sim minutes, the
//! action vocabulary ([`action`]), queue generation ([`queue`]), and logs, results and
//! replay ([`record`]). The Bevy shell that drives it from virtual time is the app's
//! `sim_plugin`; nothing here knows of it.

pub mod action;
pub mod clock;
pub mod queue;
pub mod record;
pub mod session;
