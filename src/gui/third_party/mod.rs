//! Workarounds for third-party crates, one file per crate, each with its reason and the
//! version it was written against (foxtrot's `third_party/`).

pub mod bevy_egui;
