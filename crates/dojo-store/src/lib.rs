//! The history store: every finished session with its full log and grade, the people who
//! play and coach, sessions in progress (found again after a crash), coach overrides with
//! their audit trail, and the spaced-repetition schedule of ticket types.
//!
//! SQLite through `rusqlite` (compiled in), one file `history.sqlite3` in the data
//! directory ([`data_dir`]): WAL journal, `synchronous=FULL`, schema migrations counted in
//! `PRAGMA user_version`. A damaged file (not SQLite, or failing its integrity check) is
//! moved aside and refused with a clear error; a file that is locked, unreadable or
//! read-only, of a newer schema or of another program is refused and left as it is.
//! Nothing is ever deleted.
//!
//! Any number of processes may use one data folder at once: every write is an
//! immediate transaction (`BEGIN IMMEDIATE`, waiting up to [`BUSY_TIMEOUT`] for the
//! writer before it), and schema creation and migration run under an exclusive lock.
//! A finished session's stored grade is sealed (SHA-256 of its rows) and guarded by
//! triggers; a row changed outside the app is refused with [`StoreError::Tampered`].
//!
//! # Architecture invariant
//! The store keeps what the core computes; it grades nothing itself and never reads the
//! wall clock: dates come from its caller. The model it stores (`dojo_core::history`)
//! is the core's; this crate is only the SQLite shape of it. No Bevy, no clap.

// Errors carry their paths by value.
#![allow(clippy::result_large_err)]

mod error;
mod outbox;
mod paths;
pub mod report;
mod store;
pub mod stored;
mod time;
mod xapi;

pub use error::StoreError;
pub use outbox::{
    MAX_RESPONSE_TEXT, OutboxItem, OutboxStatus, PendingOverride, PendingResponse, PostQueue,
    ResponseKind, TeamLink,
};
pub use paths::{DATA_DIR_ENV, DB_FILE, data_dir, resolve_data_dir};
pub use report::trainer_report;
pub use store::{BUSY_TIMEOUT, MIGRATIONS, SCHEMA_VERSION, Store, TimeExtension};
pub use xapi::{XapiItem, XapiSource, XapiStatus};
