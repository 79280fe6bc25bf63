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

pub mod report;
mod store;
pub mod stored;

use std::path::{Path, PathBuf};

use dojo_core::history::Role;

pub use report::trainer_report;
pub use store::{
    BUSY_TIMEOUT, MIGRATIONS, OutboxItem, OutboxStatus, SCHEMA_VERSION, Store, TeamLink,
};

/// The environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "DOJO_DATA_DIR";

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "history.sqlite3";

/// The data directory: `--data-dir` if given, else `$DOJO_DATA_DIR` if set and not
/// empty, else the platform's data directory (`~/.local/share/escalation-dojo` on
/// Linux, `~/Library/Application Support/escalation-dojo` on macOS,
/// `%APPDATA%\escalation-dojo\data` on Windows).
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf, StoreError> {
    resolve_data_dir(flag, std::env::var_os(DATA_DIR_ENV)).ok_or_else(|| {
        StoreError::Invalid(format!(
            "no data directory: this system has no home folder; give one with --data-dir DIR or {DATA_DIR_ENV}"
        ))
    })
}

/// [`data_dir`] with the environment value passed in (testable without touching the
/// process environment).
pub fn resolve_data_dir(flag: Option<&Path>, env: Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    if let Some(dir) = env.filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "escalation-dojo").map(|d| d.data_dir().to_path_buf())
}

/// What can go wrong with the store. Every message says what happened to the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not an SQLite database, or fails its integrity check. It was renamed,
    /// never deleted. (A locked, unreadable or read-only file is never called damaged.)
    #[error(
        "{path}: the history database is damaged ({reason}). It was moved aside to {kept_at} — nothing was deleted. The next start begins a new, empty history; to go on with the old one, restore a backup to {path} first."
    )]
    Damaged {
        /// The database file.
        path: String,
        /// Where it was moved.
        kept_at: String,
        /// What the check found.
        reason: String,
    },
    /// Written by a newer version of the app. Left untouched.
    #[error(
        "{path}: this history was written by a newer Escalation Dojo (schema {found}; this version reads up to {supported}). The file was left as it is: update the app to open it."
    )]
    NewerSchema {
        /// The database file.
        path: String,
        /// Its schema version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// An SQLite database of some other program. Left untouched.
    #[error(
        "{path}: not an Escalation Dojo history ({reason}); the file was left as it is. Point --data-dir elsewhere."
    )]
    Foreign {
        /// The database file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Another process held the history longer than the busy timeout. Nothing was
    /// written and the file was left as it is.
    #[error(
        "{path}: the history is busy: another Escalation Dojo process (or another program) held it for more than {seconds} s. Nothing was written and the file was left as it is — try again when the other process has finished."
    )]
    Busy {
        /// The database file.
        path: String,
        /// How long this process waited.
        seconds: u64,
    },
    /// The file or its folder cannot be written. Left untouched.
    #[error(
        "{path}: the history is read-only ({reason}). The file was left as it is and nothing was written: make it and its folder writable, or point --data-dir elsewhere."
    )]
    ReadOnly {
        /// The database file.
        path: String,
        /// What refused the write.
        reason: String,
    },
    /// The file exists but cannot be opened by this user. Left untouched.
    #[error(
        "{path}: the history cannot be opened ({reason}). The file was left as it is: check its owner and permissions, or point --data-dir elsewhere."
    )]
    Inaccessible {
        /// The database file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A stored grade that does not match its seal: a row was changed outside the app.
    #[error(
        "{path}: session {session}: {what} — the stored grade was changed outside Escalation Dojo (with sqlite3?), so it is not shown; nothing was changed. Its log is kept (`dojo history log {session}`); restore the file from a backup, or re-import the log to grade it again."
    )]
    Tampered {
        /// The database file.
        path: String,
        /// The session.
        session: i64,
        /// What does not match.
        what: String,
    },
    /// An SQLite error while using a healthy database.
    #[error("{path}: {source}")]
    Sql {
        /// The database file.
        path: String,
        /// The error.
        source: rusqlite::Error,
    },
    /// A file-system error.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// No such person (with a guess and how to add one).
    #[error("no {role} named `{name}`{}; add one with `dojo {role} add \"{name}\"`", suggestion.as_ref().map(|s| format!(" — did you mean `{s}`?")).unwrap_or_default())]
    UnknownPerson {
        /// The name asked for.
        name: String,
        /// `trainee` or `coach`.
        role: Role,
        /// The closest known name.
        suggestion: Option<String>,
    },
    /// A stored value (a grade, numbers, a timing, a flag, a review) that this version
    /// cannot read. Nothing was changed; the session's log is intact.
    #[error(
        "{path}: session {session}: the stored {what} cannot be read ({reason}); nothing was changed, and the session's log is intact (`dojo history log {session}`)"
    )]
    Unreadable {
        /// The database file.
        path: String,
        /// The session.
        session: i64,
        /// What was being read.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// No such session.
    #[error("no stored session {0}; `dojo history list` shows them")]
    NoSuchSession(i64),
    /// The same log is already stored for this trainee.
    #[error("this session is already stored (session {0})")]
    Duplicate(i64),
    /// A request that makes no sense (bad score, empty reason, wrong state...).
    #[error("{0}")]
    Invalid(String),
}
