//! The functional core of Escalation Dojo: the framework's rules and everything computed
//! from them, as plain Rust.
//!
//! Start reading at [`engine::evaluate`] (the rules: who owns a ticket, and why), then
//! [`sim::session::Session`] (a shift, minute by minute, driven by actions), then
//! [`grading::grade`] (a finished session against the framework).
//!
//! | module | what it owns |
//! |---|---|
//! | [`scenario`], [`kb`], [`template`] | the content a training manager writes |
//! | [`policy`] | every framework number: windows, impact, SLA, targets, costs, grading weights, the competition composite |
//! | [`engine`], [`explain`] | the rules and their explanation |
//! | [`note`] | the five-part escalation note and its scorer |
//! | [`validate`], [`pack`], [`shift`], [`curriculum`] | located diagnostics, the pack, shift and curriculum files |
//! | [`sim`] | the deterministic session, the clock a person plays against, the queue, logs, results and replay |
//! | [`pace`] | how a person spends real time (the paced personas' constants) |
//! | [`agents`] | the scripted trainees (personas) |
//! | [`grading`] | ticket grades, session metrics, coaching |
//! | [`compete`] | competitions: verification and the leaderboard |
//! | [`names`] | the one rule for names of people, teams and participants (NFC, printable, collapsed, capped; told apart by case-folded TS #39 skeleton) |
//! | [`history`], [`report`], [`drill`], [`spaced`] | the model of a trainee's history, the coach's report, drills and spaced repetition |
//! | [`input`], [`escape`] | the one safe file reader (regular files only, size limit while reading, BOM and CRLF); user text made safe for CSV, Markdown and the terminal |
//!
//! # Architecture invariants
//! This crate deliberately knows nothing of Bevy, SQLite, clap, the file system's
//! data folders or the wall clock: its `Cargo.toml` does not depend on them, so the
//! compiler keeps it so. Time is always passed in (sim minutes, or a date from the
//! caller); randomness is ChaCha8 from a seed; the same inputs give the same bytes on
//! every machine. Files are read by [`input`] (regular files only, a size limit while
//! reading, one text form), text is checked by [`validate::check_text`] (size, binary,
//! UTF-8) and written atomically by [`sim::record`].

// Diagnostics are the cold path and carry their location and hint by value.
#![allow(clippy::result_large_err)]

pub mod agents;
pub mod compete;
pub mod curriculum;
pub mod diag;
pub mod drill;
pub mod engine;
pub mod escape;
pub mod explain;
pub mod grading;
pub mod handwriting;
pub mod history;
pub mod input;
pub mod kb;
pub mod names;
pub mod note;
pub mod pace;
pub mod pack;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod shift;
pub mod sim;
pub mod spaced;
pub mod template;
pub mod validate;
pub mod xapi;
