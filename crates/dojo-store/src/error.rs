//! What can go wrong with the store. Every message says what happened to the file.

use dojo_core::history::Role;

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
