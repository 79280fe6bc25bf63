//! Escalation Dojo: a training simulator and coaching tool for L1 service-desk agents.
//!
//! The functional core — [`policy`], [`scenario`], [`kb`], [`template`], [`engine`],
//! [`validate`], [`pack`], [`shift`] and [`explain`] — is plain Rust with no Bevy types.
//! See `ARCHITECTURE.md` for the map.

// Diagnostics are the cold path and carry their location and hint by value.
#![allow(clippy::result_large_err)]

/// The allocator of everything built on this crate — the `dojo` binary, the tests and
/// the benchmarks — so every measured figure is the product's. mimalloc (Microsoft's,
/// widely used in Rust, compiled from source by its `-sys` crate with the C compiler
/// rusqlite's bundled SQLite already needs) brings replay-verify of a 100-ticket log from
/// ≈ 2.95× to ≈ 2.6× bare deserialisation: the simulation and the note scorer allocate
/// many short strings.
/// See `docs/performance.md`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod agents;
pub mod cli;
pub mod cli_compete;
pub mod cli_grade;
pub mod cli_history;
pub mod cli_run;
#[cfg(feature = "gui")]
pub mod cli_trainer;
pub mod compete;
pub mod curriculum;
pub mod drill;
pub mod engine;
pub mod explain;
pub mod grading;
#[cfg(feature = "gui")]
pub mod gui;
pub mod history;
pub mod kb;
pub mod note;
pub mod pack;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod shift;
pub mod sim;
pub mod spaced;
pub mod template;
pub mod validate;
