//! The core crate's tests: rules, scenarios, the note scorer, the simulation, grading, personas, the validator and the built-in pack. One test binary; it links neither Bevy nor SQLite.

#[path = "../common/mod.rs"]
mod common;

mod builtin_pack;
mod content_coverage;
mod curriculum;
mod engine_rules;
mod grading_rules;
mod kb_scope_rules;
mod loader_never_panics;
mod module_graph;
mod note_corpus;
mod note_scorer;
mod pace;
mod personas;
mod pools;
mod sim_core;
mod spaced;
mod validator_corpus;
