//! The SQLite store: opening (checks, migrations, WAL), people, sessions, overrides and
//! the spaced-repetition schedule.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};

use dojo_core::compete::sha256_hex;
use dojo_core::history::{
    GradedSession, InProgress, NoteSummary, Override, Person, Role, SessionQuery, SessionState,
    SessionSummary, Team, TicketSummary, closest, session_score,
};

use crate::error::StoreError;
use crate::paths::DB_FILE;
use crate::time::{parse_ts, ts};

use dojo_core::curriculum::DrillSettings;
use dojo_core::grading::{FlaggedPattern, SessionNumbers, Timing};
use dojo_core::names;
use dojo_core::note::NoteElement;
use dojo_core::scenario::Owner;
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::spaced::{self, Rating, TypeSchedule};

/// How long a process waits for another one's write (or an exclusive lock) before it
/// gives up with [`StoreError::Busy`]. Every write transaction is `BEGIN IMMEDIATE`, so
/// the wait is honoured (a deferred transaction upgrading to a write lock would fail at
/// once instead).
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `PRAGMA application_id` of a Dojo history ("Dojo" in ASCII).
const APPLICATION_ID: i32 = 0x446F_6A6F;

/// The schema, one migration per version: `MIGRATIONS[n]` takes version `n` to `n + 1`.
/// Never edit a shipped migration; append a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: people; sessions (small rows, scanned by reports) with their log and grade kept
    // apart (large, read one at a time); per-ticket rows, reviews and flags.
    r#"
    CREATE TABLE teams (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('trainee', 'coach')),
        team_id INTEGER REFERENCES teams(id),
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        trainee_id INTEGER NOT NULL REFERENCES people(id),
        state TEXT NOT NULL CHECK (state IN ('in_progress', 'finished', 'abandoned')),
        shift_id TEXT NOT NULL,
        shift_title TEXT NOT NULL,
        mode TEXT NOT NULL,
        seed INTEGER NOT NULL,
        played_at TEXT NOT NULL,
        ended_at TEXT,
        log_path TEXT,
        log_sha256 TEXT,
        app_version TEXT NOT NULL,
        pack_hash TEXT NOT NULL,
        policy_hash TEXT NOT NULL,
        score INTEGER,
        critical INTEGER NOT NULL DEFAULT 0,
        numbers TEXT
    );
    CREATE TABLE session_logs (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
        log TEXT NOT NULL,
        grade TEXT
    );
    CREATE TRIGGER session_logs_kept BEFORE DELETE ON session_logs
        BEGIN SELECT RAISE(ABORT, 'stored logs are never deleted'); END;
    CREATE TRIGGER session_logs_unchanged BEFORE UPDATE ON session_logs
        BEGIN SELECT RAISE(ABORT, 'stored logs are never changed'); END;
    CREATE INDEX sessions_by_trainee ON sessions(trainee_id, played_at);
    CREATE UNIQUE INDEX sessions_stored_once ON sessions(trainee_id, log_sha256)
        WHERE state = 'finished';
    CREATE TRIGGER sessions_kept BEFORE DELETE ON sessions
        BEGIN SELECT RAISE(ABORT, 'stored sessions are never deleted'); END;
    CREATE TABLE tickets (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        number INTEGER NOT NULL,
        scenario TEXT NOT NULL,
        ticket_type TEXT NOT NULL,
        title TEXT NOT NULL,
        call TEXT,
        right_call TEXT NOT NULL,
        timing TEXT NOT NULL,
        decided_at INTEGER,
        window_elapsed INTEGER,
        window_limit INTEGER,
        score INTEGER NOT NULL,
        critical INTEGER NOT NULL,
        handed_over INTEGER NOT NULL,
        window_escalation INTEGER NOT NULL,
        note_total INTEGER,
        note_steps INTEGER,
        note_state INTEGER,
        note_context INTEGER,
        note_hypothesis INTEGER,
        note_sla INTEGER,
        PRIMARY KEY (session_id, number)
    ) WITHOUT ROWID;
    CREATE TABLE reviews (
        session_id INTEGER NOT NULL,
        number INTEGER NOT NULL,
        review TEXT NOT NULL,
        UNIQUE (session_id, number),
        FOREIGN KEY (session_id, number) REFERENCES tickets(session_id, number)
    );
    CREATE TABLE flags (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        flag TEXT NOT NULL,
        pattern TEXT NOT NULL,
        UNIQUE (session_id, flag)
    );
    "#,
    // 2: coach overrides, an append-only audit trail.
    r#"
    CREATE TABLE overrides (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL,
        ticket INTEGER NOT NULL,
        coach_id INTEGER NOT NULL REFERENCES people(id),
        at TEXT NOT NULL,
        old_score INTEGER NOT NULL,
        new_score INTEGER NOT NULL CHECK (new_score BETWEEN 0 AND 100),
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        FOREIGN KEY (session_id, ticket) REFERENCES tickets(session_id, number)
    );
    CREATE INDEX overrides_by_ticket ON overrides(session_id, ticket, id);
    CREATE TRIGGER overrides_no_update BEFORE UPDATE ON overrides
        BEGIN SELECT RAISE(ABORT, 'the override audit trail is append-only'); END;
    CREATE TRIGGER overrides_no_delete BEFORE DELETE ON overrides
        BEGIN SELECT RAISE(ABORT, 'the override audit trail is append-only'); END;
    "#,
    // 3: the FSRS schedule per (trainee, ticket type).
    r#"
    CREATE TABLE schedule (
        trainee_id INTEGER NOT NULL REFERENCES people(id),
        ticket_type TEXT NOT NULL,
        stability REAL NOT NULL,
        difficulty REAL NOT NULL,
        reps INTEGER NOT NULL,
        lapses INTEGER NOT NULL,
        last_review TEXT NOT NULL,
        due TEXT NOT NULL,
        last_rating TEXT NOT NULL,
        PRIMARY KEY (trainee_id, ticket_type)
    ) WITHOUT ROWID;
    "#,
    // 4: stored grades protected like logs: a finished session's row carries a seal
    // (SHA-256 of its grade-bearing rows, checked on every read; filled in for the
    // sessions already stored by the migration), and triggers refuse changing or deleting
    // a graded session's rows.
    r#"
    ALTER TABLE sessions ADD COLUMN seal TEXT;
    CREATE TRIGGER sessions_graded_unchanged BEFORE UPDATE ON sessions
        WHEN OLD.state = 'abandoned' OR (OLD.state = 'finished' AND OLD.seal IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'stored sessions are never changed once finished or abandoned'); END;
    CREATE TRIGGER tickets_unchanged BEFORE UPDATE ON tickets
        BEGIN SELECT RAISE(ABORT, 'stored grades are never changed'); END;
    CREATE TRIGGER tickets_kept BEFORE DELETE ON tickets
        BEGIN SELECT RAISE(ABORT, 'stored grades are never deleted'); END;
    CREATE TRIGGER flags_unchanged BEFORE UPDATE ON flags
        BEGIN SELECT RAISE(ABORT, 'stored grades are never changed'); END;
    CREATE TRIGGER flags_kept BEFORE DELETE ON flags
        BEGIN SELECT RAISE(ABORT, 'stored grades are never deleted'); END;
    CREATE TRIGGER reviews_unchanged BEFORE UPDATE ON reviews
        BEGIN SELECT RAISE(ABORT, 'stored grades are never changed'); END;
    CREATE TRIGGER reviews_kept BEFORE DELETE ON reviews
        BEGIN SELECT RAISE(ABORT, 'stored grades are never deleted'); END;
    "#,
    // 5: the team server (#16): this machine's link to it (one row), and the outbox —
    // every finished session queued, in the transaction that finishes it, for upload;
    // the sessions finished before this migration are queued by it. (Written to run again
    // on a file whose version number was set back: IF NOT EXISTS, OR IGNORE.)
    r#"
    CREATE TABLE IF NOT EXISTS team_link (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        server TEXT NOT NULL,
        credential TEXT NOT NULL,
        person_uuid TEXT NOT NULL,
        person_name TEXT NOT NULL,
        role TEXT NOT NULL,
        trainee_id INTEGER REFERENCES people(id),
        machine TEXT NOT NULL,
        joined_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL UNIQUE REFERENCES sessions(id),
        log_sha256 TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TEXT,
        verdict TEXT,
        server_session INTEGER
    );
    CREATE TRIGGER IF NOT EXISTS outbox_kept BEFORE DELETE ON outbox
        BEGIN SELECT RAISE(ABORT, 'the outbox is never deleted from'); END;
    INSERT OR IGNORE INTO outbox (session_id, log_sha256, queued_at)
        SELECT id, log_sha256, COALESCE(ended_at, played_at) FROM sessions
        WHERE state = 'finished' AND log_sha256 IS NOT NULL ORDER BY id;
    "#,
    // 6: trainees' acknowledgements and disputes of their grades (#16), queued here and
    // posted to the team server by `dojo team sync` once their session is stored there.
    // Append-only like the outbox; the key makes the server's insert idempotent.
    r#"
    CREATE TABLE IF NOT EXISTS response_outbox (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        ticket INTEGER NOT NULL CHECK (ticket >= 0),
        kind TEXT NOT NULL CHECK (kind IN ('ack', 'dispute')),
        message TEXT NOT NULL,
        client_key TEXT NOT NULL UNIQUE,
        queued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TEXT,
        verdict TEXT
    );
    CREATE TRIGGER IF NOT EXISTS response_outbox_kept BEFORE DELETE ON response_outbox
        BEGIN SELECT RAISE(ABORT, 'the outbox is never deleted from'); END;
    "#,
    // 7: a coach's overrides of sessions on the team server (#16), made on this machine
    // and posted by `dojo team sync`; append-only, keyed like the responses.
    r#"
    CREATE TABLE IF NOT EXISTS override_outbox (
        id INTEGER PRIMARY KEY,
        server_session INTEGER NOT NULL CHECK (server_session > 0),
        ticket INTEGER NOT NULL CHECK (ticket >= 0),
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
        reason TEXT NOT NULL,
        client_key TEXT NOT NULL UNIQUE,
        queued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TEXT,
        verdict TEXT
    );
    CREATE TRIGGER IF NOT EXISTS override_outbox_kept BEFORE DELETE ON override_outbox
        BEGIN SELECT RAISE(ABORT, 'the outbox is never deleted from'); END;
    "#,
    // 8: xAPI statements for a learning record store (#17): each finished session's
    // statements, queued once (ids are UUIDv5, so queueing again adds nothing), sent,
    // recognised as already there, or quarantined; append-only like the other outboxes.
    r#"
    CREATE TABLE IF NOT EXISTS xapi_outbox (
        id INTEGER PRIMARY KEY,
        statement_id TEXT NOT NULL UNIQUE,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        body TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT,
        sent_at TEXT,
        verdict TEXT CHECK (verdict IS NULL OR verdict IN ('sent', 'already-there', 'quarantined')),
        reason TEXT
    );
    CREATE INDEX IF NOT EXISTS xapi_outbox_by_session ON xapi_outbox(session_id);
    CREATE TRIGGER IF NOT EXISTS xapi_outbox_kept BEFORE DELETE ON xapi_outbox
        BEGIN SELECT RAISE(ABORT, 'the outbox is never deleted from'); END;
    CREATE TRIGGER IF NOT EXISTS xapi_outbox_body_kept BEFORE UPDATE OF body, statement_id ON xapi_outbox
        BEGIN SELECT RAISE(ABORT, 'a queued statement is never changed'); END;
    "#,
    // 9: time extensions (#18, WCAG 2.2.1): a trainee's, set by a coach (who and when are
    // kept), and the one each session was played with.
    r#"
    CREATE TABLE IF NOT EXISTS time_extensions (
        person_id INTEGER PRIMARY KEY REFERENCES people(id),
        multiplier REAL NOT NULL CHECK (multiplier > 1),
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS session_time_extensions (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
        multiplier REAL NOT NULL CHECK (multiplier > 1)
    );
    "#,
    // 10: a person's own settings in the trainer (#18: the keyboard shortcuts), one text
    // value a name, the app's to read.
    r#"
    CREATE TABLE IF NOT EXISTS person_settings (
        person_id INTEGER NOT NULL REFERENCES people(id),
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (person_id, name)
    );
    "#,
];

/// The migration after which stored sessions are sealed ([`MIGRATIONS`]`[3]`).
const SEAL_VERSION: u32 = 4;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// A trainee's time extension (a coach's accommodation, WCAG 2.2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeExtension {
    /// Real time runs this many times slower for them (> 1).
    pub multiplier: f64,
    /// The coach who set it.
    pub set_by: String,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// The history database.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    drill: DrillSettings,
    busy: std::time::Duration,
}

fn owner_str(o: Owner) -> &'static str {
    match o {
        Owner::ResolveAtL1 => "ResolveAtL1",
        Owner::EscalateToL2 => "EscalateToL2",
        Owner::EscalateSecurity => "EscalateSecurity",
    }
}

fn parse_owner(s: &str) -> Owner {
    match s {
        "EscalateToL2" => Owner::EscalateToL2,
        "EscalateSecurity" => Owner::EscalateSecurity,
        _ => Owner::ResolveAtL1,
    }
}

/// Why a file that exists cannot be opened as it is.
enum Refusal {
    /// Not SQLite, or a failed integrity check: moved aside.
    Damaged(String),
    Newer(u32),
    Foreign(String),
    /// Locked, unreadable, read-only, or an SQLite error: left as it is.
    Kept(StoreError),
}

impl Store {
    /// Opens (creating if missing) the history in a data directory.
    pub fn open_in(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Io {
            path: data_dir.display().to_string(),
            source: e,
        })?;
        Store::open(&data_dir.join(DB_FILE))
    }

    /// Opens a history file, creating it if it does not exist, and migrates it to
    /// [`SCHEMA_VERSION`]. An existing file is checked first: not an SQLite database or
    /// failing `PRAGMA integrity_check` → moved aside to `<name>.damaged-<n>` and
    /// [`StoreError::Damaged`]; a newer schema → [`StoreError::NewerSchema`], untouched;
    /// another program's database → [`StoreError::Foreign`], untouched.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_to(path, SCHEMA_VERSION)
    }

    /// Opens and migrates up to `version` only (for migration tests).
    #[doc(hidden)]
    pub fn open_to(path: &Path, version: u32) -> Result<Store, StoreError> {
        Self::open_with(path, version, BUSY_TIMEOUT)
    }

    /// [`Store::open`] waiting at most `busy` for another process (to test a locked file
    /// without waiting [`BUSY_TIMEOUT`]).
    #[doc(hidden)]
    pub fn open_waiting(path: &Path, busy: std::time::Duration) -> Result<Store, StoreError> {
        Self::open_with(path, SCHEMA_VERSION, busy)
    }

    fn open_with(
        path: &Path,
        version: u32,
        busy: std::time::Duration,
    ) -> Result<Store, StoreError> {
        let shown = || path.display().to_string();
        let existed = match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => {
                return Err(StoreError::Inaccessible {
                    path: shown(),
                    reason: if m.is_dir() {
                        "it is a folder, not a database file".into()
                    } else {
                        "it is not a regular file".into()
                    },
                });
            }
            Ok(m) => m.len() > 0,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                return Err(StoreError::Inaccessible {
                    path: shown(),
                    reason: e.to_string(),
                });
            }
        };
        if existed && let Err(refusal) = preflight(path) {
            return Err(refuse(path, refusal));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e, busy))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            drill: DrillSettings::default(),
            busy,
        };
        store
            .conn
            .busy_timeout(busy)
            .map_err(|e| classify(path, e, busy))?;
        // Every `transaction()` is `BEGIN IMMEDIATE`: it takes the write lock up front,
        // waiting for the busy timeout, instead of failing on upgrade.
        store
            .conn
            .set_transaction_behavior(TransactionBehavior::Immediate);
        if existed && let Err(refusal) = check_existing(&store.conn, path, busy) {
            drop(store);
            return Err(refuse(path, refusal));
        }
        store.configure()?;
        store.migrate(version)?;
        Ok(store)
    }

    fn configure(&self) -> Result<(), StoreError> {
        let p = &self.path;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| self.e(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Invalid(format!(
                "{}: the file system refused the WAL journal (journal mode `{mode}`)",
                p.display()
            )));
        }
        // FULL: a committed session survives a power cut, not only a crash.
        self.conn
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(|e| self.e(e))
    }

    /// Creates or migrates the schema under an exclusive lock: of many processes starting
    /// on one new file at once, one creates the tables and the others wait, then find
    /// them made.
    fn migrate(&mut self, target: u32) -> Result<(), StoreError> {
        let path = self.path.clone();
        let busy = self.busy;
        let e = |e| classify(&path, e, busy);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(e)?;
        let current = tx
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map_err(e)? as u32;
        if current > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.display().to_string(),
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        let target = target.min(SCHEMA_VERSION);
        if current >= target {
            return Ok(());
        }
        for version in current..target {
            tx.execute_batch(MIGRATIONS[version as usize]).map_err(e)?;
            if version + 1 == SEAL_VERSION {
                seal_all(&tx).map_err(e)?;
            }
        }
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {target};"
        ))
        .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map(|v| v as u32)
            .map_err(|e| sql(&self.path, e))
    }

    /// The journal mode (`wal`).
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| sql(&self.path, e))
    }

    /// Uses these drill settings (rating thresholds, retention) for the schedule it keeps.
    pub fn with_drill_settings(mut self, settings: DrillSettings) -> Store {
        self.drill = settings;
        self
    }

    /// The drill settings in use.
    pub fn drill_settings(&self) -> &DrillSettings {
        &self.drill
    }

    fn unreadable(&self, session: i64, what: &'static str, reason: String) -> StoreError {
        StoreError::Unreadable {
            path: self.path.display().to_string(),
            session,
            what,
            reason,
        }
    }

    pub(crate) fn e(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e, self.busy)
    }

    // ---- people ----------------------------------------------------------------

    /// Adds a team (or returns the existing one of that name: the same under the name
    /// rule, `dojo_core::names` — case and look-alike characters do not make a new team).
    pub fn add_team(&self, name: &str, at: DateTime<Utc>) -> Result<Team, StoreError> {
        let name = clean_name(name, "team")?;
        let tx = self.conn.unchecked_transaction().map_err(|e| self.e(e))?;
        let id = team_id(&tx, &name, at).map_err(|e| self.e(e))?;
        tx.commit().map_err(|e| self.e(e))?;
        self.teams()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| StoreError::Invalid(format!("team `{name}` could not be added")))
    }

    /// Every team with its trainee count, by name.
    pub fn teams(&self) -> Result<Vec<Team>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT t.id, t.name, (SELECT count(*) FROM people p WHERE p.team_id = t.id AND p.role = 'trainee')
                 FROM teams t ORDER BY t.name",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Team {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    trainees: r.get::<_, i64>(2)? as usize,
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.e(e))
    }

    /// Adds a trainee or coach, in a team if given (the team is created if new). Names
    /// follow the one rule for names (`dojo_core::names`: NFC, printable, whitespace
    /// collapsed, at most 80 characters) and are unique across trainees and coaches,
    /// case-insensitively and by confusable skeleton: "Ana Lopez" with a zero-width space,
    /// a no-break space or a Cyrillic "А" is refused as the existing Ana Lopez.
    pub fn add_person(
        &self,
        name: &str,
        role: Role,
        team: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Person, StoreError> {
        let name = clean_name(name, role.as_str())?;
        let team = team.map(|t| clean_name(t, "team")).transpose()?;
        // One immediate transaction: two processes adding look-alikes at once cannot both
        // pass the check.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.e(e))?;
        if let Some(p) = person_by_name(&tx, &name).map_err(|e| self.e(e))? {
            let same = if p.name == name {
                String::new()
            } else {
                format!(
                    " (`{name}` is the same name under the name rule: case, spacing and look-alike characters do not tell people apart)"
                )
            };
            return Err(StoreError::Invalid(format!(
                "`{}` is already a {}{}{same}",
                p.name,
                p.role,
                p.team
                    .map(|t| format!(" in team `{t}`"))
                    .unwrap_or_default()
            )));
        }
        let team_id = match &team {
            Some(t) => Some(team_id(&tx, t, at).map_err(|e| self.e(e))?),
            None => None,
        };
        tx.execute(
            "INSERT INTO people (name, role, team_id, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), team_id, ts(at)],
        )
        .map_err(|e| self.e(e))?;
        tx.commit().map_err(|e| self.e(e))?;
        self.person(&name)?
            .ok_or_else(|| StoreError::Invalid(format!("`{name}` could not be added")))
    }

    /// Moves a person to a team (created if new), or out of any team.
    pub fn set_team(
        &self,
        name: &str,
        team: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Person, StoreError> {
        let person = self
            .person(name)?
            .ok_or_else(|| self.unknown(name, Role::Trainee))?;
        let team = team.map(|t| clean_name(t, "team")).transpose()?;
        let tx = self.conn.unchecked_transaction().map_err(|e| self.e(e))?;
        let team_id = match &team {
            Some(t) => Some(team_id(&tx, t, at).map_err(|e| self.e(e))?),
            None => None,
        };
        tx.execute(
            "UPDATE people SET team_id = ?1 WHERE id = ?2",
            params![team_id, person.id],
        )
        .map_err(|e| self.e(e))?;
        tx.commit().map_err(|e| self.e(e))?;
        self.person(&person.name)?
            .ok_or_else(|| self.unknown(name, Role::Trainee))
    }

    /// Sets a trainee's time extension (1 removes it), as a coach of this history;
    /// keeps who set it and when. The multiplier is checked by the caller against the
    /// policy (`ClockRules::allows_multiplier`).
    pub fn set_time_multiplier(
        &self,
        trainee: &str,
        multiplier: f64,
        coach: &str,
        at: DateTime<Utc>,
    ) -> Result<TimeExtension, StoreError> {
        let person = self.require(trainee, Role::Trainee)?;
        let coach = self.require(coach, Role::Coach)?;
        if !multiplier.is_finite() || multiplier < 1.0 {
            return Err(StoreError::Invalid(format!(
                "a time multiplier is 1 or more, not {multiplier}"
            )));
        }
        if multiplier > 1.0 {
            self.conn
                .execute(
                    "INSERT INTO time_extensions (person_id, multiplier, set_by, set_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (person_id) DO UPDATE SET multiplier = excluded.multiplier,
                        set_by = excluded.set_by, set_at = excluded.set_at",
                    params![person.id, multiplier, coach.name, ts(at)],
                )
                .map_err(|e| self.e(e))?;
        } else {
            self.conn
                .execute(
                    "DELETE FROM time_extensions WHERE person_id = ?1",
                    params![person.id],
                )
                .map_err(|e| self.e(e))?;
        }
        Ok(self
            .time_multiplier(&person.name)?
            .unwrap_or(TimeExtension {
                multiplier: 1.0,
                set_by: coach.name,
                set_at: at,
            }))
    }

    /// One of a person's settings (`None` when never set or the person is unknown).
    pub fn person_setting(&self, name: &str, setting: &str) -> Result<Option<String>, StoreError> {
        let Some(person) = self.person(name)? else {
            return Ok(None);
        };
        self.conn
            .query_row(
                "SELECT value FROM person_settings WHERE person_id = ?1 AND name = ?2",
                params![person.id, setting],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.e(e))
    }

    /// Sets one of a person's settings (replacing it).
    pub fn set_person_setting(
        &self,
        name: &str,
        setting: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let person = self
            .person(name)?
            .ok_or_else(|| self.unknown(name, Role::Trainee))?;
        self.conn
            .execute(
                "INSERT INTO person_settings (person_id, name, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (person_id, name) DO UPDATE SET value = excluded.value",
                params![person.id, setting, value],
            )
            .map_err(|e| self.e(e))?;
        Ok(())
    }

    /// A trainee's time extension, when a coach set one above 1.
    pub fn time_multiplier(&self, name: &str) -> Result<Option<TimeExtension>, StoreError> {
        let Some(person) = self.person(name)? else {
            return Ok(None);
        };
        self.conn
            .query_row(
                "SELECT multiplier, set_by, set_at FROM time_extensions WHERE person_id = ?1",
                params![person.id],
                |r| {
                    Ok(TimeExtension {
                        multiplier: r.get(0)?,
                        set_by: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        set_at: r
                            .get::<_, Option<String>>(2)?
                            .map(|t| parse_ts(&t))
                            .unwrap_or_default(),
                    })
                },
            )
            .optional()
            .map_err(|e| self.e(e))
    }

    /// A person by name: the same name under the name rule (`dojo_core::names::key`:
    /// case, spacing, normalisation and look-alike characters ignored).
    pub fn person(&self, name: &str) -> Result<Option<Person>, StoreError> {
        person_by_name(&self.conn, name).map_err(|e| self.e(e))
    }

    /// Everyone (of a role, if given), by name.
    pub fn people(&self, role: Option<Role>) -> Result<Vec<Person>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, p.name, p.role, t.name, p.created_at FROM people p
                 LEFT JOIN teams t ON t.id = p.team_id
                 WHERE ?1 IS NULL OR p.role = ?1 ORDER BY p.name COLLATE NOCASE",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map(params![role.map(Role::as_str)], person_row)
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.e(e))
    }

    /// A person of this role by name, or [`StoreError::UnknownPerson`] with a guess.
    pub fn require(&self, name: &str, role: Role) -> Result<Person, StoreError> {
        match self.person(name)? {
            Some(p) if p.role == role => Ok(p),
            Some(p) => Err(StoreError::Invalid(format!(
                "`{}` is a {}, not a {role}",
                p.name, p.role
            ))),
            None => Err(self.unknown(name, role)),
        }
    }

    fn unknown(&self, name: &str, role: Role) -> StoreError {
        let names: Vec<String> = self
            .people(Some(role))
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.name)
            .collect();
        StoreError::UnknownPerson {
            name: name.to_string(),
            role,
            suggestion: closest(name, &names),
        }
    }

    // ---- sessions --------------------------------------------------------------

    /// The finished session of this trainee whose log has this SHA-256, if any: what
    /// [`StoreError::Duplicate`] would name. `dojo run` asks before it plays a shift, so
    /// the same script run twice fails at once and records nothing.
    pub fn stored_log(&self, trainee: &str, log_sha256: &str) -> Result<Option<i64>, StoreError> {
        let Some(person) = self.person(trainee)? else {
            return Ok(None);
        };
        self.conn
            .query_row(
                "SELECT id FROM sessions WHERE trainee_id = ?1 AND log_sha256 = ?2 AND state = 'finished'",
                params![person.id, log_sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.e(e))
    }

    /// Stores a finished session for a trainee, in one transaction: the session with its
    /// full log and grade, its tickets and flags, and the trainee's updated schedule.
    /// The same log stored twice for a trainee is [`StoreError::Duplicate`].
    pub fn record_session(
        &mut self,
        trainee: &str,
        graded: &GradedSession,
        played_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.record_session_paced(trainee, graded, played_at, None)
    }

    /// [`Store::record_session`], pausing inside the open transaction (to test a kill
    /// mid-save).
    #[doc(hidden)]
    pub fn record_session_paced(
        &mut self,
        trainee: &str,
        graded: &GradedSession,
        played_at: DateTime<Utc>,
        pause: Option<&dyn Fn()>,
    ) -> Result<i64, StoreError> {
        let person = self.require(trainee, Role::Trainee)?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        if let Some(id) =
            duplicate_of(&tx, person.id, &graded.log_sha256).map_err(|e| sql(&path, e))?
        {
            return Err(StoreError::Duplicate(id));
        }
        tx.execute(
            "INSERT INTO sessions (trainee_id, state, shift_id, shift_title, mode, seed, played_at,
                app_version, pack_hash, policy_hash)
             VALUES (?1, 'in_progress', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                person.id,
                graded.header.shift.id,
                graded.header.shift.title,
                format!("{:?}", graded.header.shift.mode),
                graded.header.seed as i64,
                ts(played_at),
                graded.header.app_version,
                graded.header.pack_hash,
                graded.header.policy_hash,
            ],
        )
        .map_err(|e| sql(&path, e))?;
        let id = tx.last_insert_rowid();
        write_finished(&tx, id, graded, played_at).map_err(|e| sql(&path, e))?;
        if let Some(pause) = pause {
            pause();
        }
        refresh_schedule(&tx, person.id, &self.drill).map_err(|e| sql(&path, e))?;
        tx.commit().map_err(|e| sql(&path, e))?;
        Ok(id)
    }

    /// Registers a session as in progress before the first action: who, which shift, and
    /// the log file the simulation appends to. If the process dies, the session is found
    /// by [`Store::interrupted`].
    pub fn begin_session(
        &self,
        trainee: &str,
        header: &LogHeader,
        log_path: &Path,
        started_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let person = self.require(trainee, Role::Trainee)?;
        let log_path = std::path::absolute(log_path).unwrap_or_else(|_| log_path.to_path_buf());
        let tx = self.conn.unchecked_transaction().map_err(|e| self.e(e))?;
        tx.execute(
            "INSERT INTO sessions (trainee_id, state, shift_id, shift_title, mode, seed, played_at,
                    log_path, app_version, pack_hash, policy_hash)
                 VALUES (?1, 'in_progress', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                person.id,
                header.shift.id,
                header.shift.title,
                format!("{:?}", header.shift.mode),
                header.seed as i64,
                ts(started_at),
                log_path.to_string_lossy(),
                header.app_version,
                header.pack_hash,
                header.policy_hash,
            ],
        )
        .map_err(|e| self.e(e))?;
        let id = tx.last_insert_rowid();
        if header.multiplier() > 1.0 {
            tx.execute(
                "INSERT INTO session_time_extensions (session_id, multiplier) VALUES (?1, ?2)",
                params![id, header.multiplier()],
            )
            .map_err(|e| self.e(e))?;
        }
        tx.commit().map_err(|e| self.e(e))?;
        Ok(id)
    }

    /// Finishes a session registered with [`Store::begin_session`]: its log, grade,
    /// tickets, flags and the trainee's schedule, in one transaction.
    pub fn finish_session(
        &mut self,
        id: i64,
        graded: &GradedSession,
        ended_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        let row: Option<(i64, String)> = tx
            .query_row(
                "SELECT trainee_id, state FROM sessions WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| sql(&path, e))?;
        let Some((trainee_id, state)) = row else {
            return Err(StoreError::NoSuchSession(id));
        };
        if state != SessionState::InProgress.as_str() {
            return Err(StoreError::Invalid(format!(
                "session {id} is {}, not in progress",
                state.replace('_', " ")
            )));
        }
        if let Some(other) =
            duplicate_of(&tx, trainee_id, &graded.log_sha256).map_err(|e| sql(&path, e))?
        {
            return Err(StoreError::Duplicate(other));
        }
        write_finished(&tx, id, graded, ended_at).map_err(|e| sql(&path, e))?;
        refresh_schedule(&tx, trainee_id, &self.drill).map_err(|e| sql(&path, e))?;
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// The in-progress session appending to this log, if any.
    pub fn in_progress_for_log(&self, log_path: &Path) -> Result<Option<InProgress>, StoreError> {
        let abs = std::path::absolute(log_path).unwrap_or_else(|_| log_path.to_path_buf());
        Ok(self.in_progress()?.into_iter().find(|s| s.log_path == abs))
    }

    fn in_progress(&self) -> Result<Vec<InProgress>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, p.name, s.shift_id, s.played_at, s.log_path FROM sessions s
                 JOIN people p ON p.id = s.trainee_id
                 WHERE s.state = 'in_progress' ORDER BY s.id",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map([], |r| {
                let log_path: Option<String> = r.get(4)?;
                Ok(InProgress {
                    id: r.get(0)?,
                    trainee: r.get(1)?,
                    shift: r.get(2)?,
                    started_at: parse_ts(&r.get::<_, String>(3)?),
                    log_path: PathBuf::from(log_path.unwrap_or_default()),
                    actions_logged: None,
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.e(e))
    }

    /// Sessions registered as in progress whose log no running process is writing: left
    /// by a crash or a kill. Resume one (replay its log with `sim::record::rebuild`, then
    /// go on and [`Store::finish_session`]) or file it with [`Store::abandon`].
    pub fn interrupted(&self) -> Result<Vec<InProgress>, StoreError> {
        Ok(self
            .in_progress()?
            .into_iter()
            .filter(|s| !record::log_in_use(&s.log_path))
            .map(|mut s| {
                s.actions_logged = record::read_log(&s.log_path).ok().map(|l| l.entries.len());
                s
            })
            .collect())
    }

    /// Files an interrupted session as abandoned, copying its log (the complete lines) into
    /// the store. The log file itself is left where it is. Refused while a process is
    /// still writing the log.
    pub fn abandon(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        let Some(s) = self.in_progress()?.into_iter().find(|s| s.id == id) else {
            return Err(match self.session_state(id)? {
                None => StoreError::NoSuchSession(id),
                Some(state) => StoreError::Invalid(format!(
                    "session {id} is {}, not in progress",
                    state.as_str().replace('_', " ")
                )),
            });
        };
        if record::log_in_use(&s.log_path) {
            return Err(StoreError::Invalid(format!(
                "session {id} is still being played (its log {} is in use)",
                s.log_path.display()
            )));
        }
        let log = record::read_log(&s.log_path)
            .ok()
            .map(|l| record::log_text(&l.header, &l.entries))
            .or_else(|| {
                dojo_core::input::read_text(&s.log_path, dojo_core::input::MAX_RECORD_BYTES).ok()
            });
        let tx = self.conn.unchecked_transaction().map_err(|e| self.e(e))?;
        tx.execute(
            "UPDATE sessions SET state = 'abandoned', ended_at = ?2 WHERE id = ?1",
            params![id, ts(at)],
        )
        .map_err(|e| self.e(e))?;
        if let Some(log) = log {
            tx.execute(
                "INSERT INTO session_logs (session_id, log) VALUES (?1, ?2)",
                params![id, log],
            )
            .map_err(|e| self.e(e))?;
        }
        tx.commit().map_err(|e| self.e(e))
    }

    fn session_state(&self, id: i64) -> Result<Option<SessionState>, StoreError> {
        self.conn
            .query_row(
                "SELECT state FROM sessions WHERE id = ?1",
                params![id],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map(|s| s.map(|s| SessionState::parse(&s)))
            .map_err(|e| self.e(e))
    }

    /// The stored log text of a session (line-log format; `dojo replay` reads it).
    /// A finished session's log is checked against the SHA-256 stored with it.
    pub fn session_log(&self, id: i64) -> Result<Option<String>, StoreError> {
        let state = self
            .session_state(id)?
            .ok_or(StoreError::NoSuchSession(id))?;
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT l.log, s.log_sha256 FROM session_logs l JOIN sessions s ON s.id = l.session_id
                 WHERE l.session_id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.e(e))?;
        if state == SessionState::Finished
            && let Some((log, sha)) = &row
            && sha.as_deref() != Some(sha256_hex(log.as_bytes()).as_str())
        {
            return Err(StoreError::Tampered {
                path: self.path.display().to_string(),
                session: id,
                what: "its stored log does not match the SHA-256 recorded when it was stored"
                    .into(),
            });
        }
        Ok(row.map(|(log, _)| log))
    }

    /// The full stored grade of a finished session (as computed when it was stored).
    pub fn session_grade(
        &self,
        id: i64,
    ) -> Result<Option<dojo_core::grading::SessionGrade>, StoreError> {
        self.session_state(id)?
            .ok_or(StoreError::NoSuchSession(id))?;
        let text: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT grade FROM session_logs WHERE session_id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.e(e))?;
        let grade: Option<dojo_core::grading::SessionGrade> = text
            .flatten()
            .map(|t| crate::stored::from_json(&t).map_err(|e| self.unreadable(id, "grade", e)))
            .transpose()?;
        // The full grade against the sealed session row (the seal covers the row).
        let summary = self.session(id)?;
        if let Some(g) = &grade
            && (summary.score != Some(g.score) || summary.critical != g.critical)
        {
            return Err(StoreError::Tampered {
                path: self.path.display().to_string(),
                session: id,
                what: format!(
                    "its stored grade says {} but its sealed row says {}",
                    g.score,
                    summary.score.map_or("nothing".into(), |s| s.to_string())
                ),
            });
        }
        Ok(grade)
    }

    /// One session's summary.
    pub fn session(&self, id: i64) -> Result<SessionSummary, StoreError> {
        self.summaries("s.id = ?1", &[&id])?
            .pop()
            .ok_or(StoreError::NoSuchSession(id))
    }

    /// Sessions matching the query, oldest first, with their tickets (coach overrides
    /// applied) and flags.
    pub fn sessions(&self, q: &SessionQuery) -> Result<Vec<SessionSummary>, StoreError> {
        let since = q.since.map(ts);
        // Names as stored: the spelling asked for may differ by case, spacing or form.
        let canonical = |name: &Option<String>| -> Result<Option<String>, StoreError> {
            Ok(match name {
                Some(n) => Some(self.person(n)?.map_or_else(|| n.clone(), |p| p.name)),
                None => None,
            })
        };
        let trainee = canonical(&q.trainee)?;
        let except = canonical(&q.except_trainee)?;
        let team = match &q.team {
            Some(t) => {
                let key = names::key(t);
                Some(
                    self.teams()?
                        .into_iter()
                        .find(|x| names::key(&x.name) == key)
                        .map_or_else(|| t.clone(), |x| x.name),
                )
            }
            None => None,
        };
        self.summaries(
            "(?1 IS NULL OR p.name = ?1 COLLATE NOCASE)
             AND (?2 IS NULL OR t.name = ?2 COLLATE NOCASE)
             AND (?3 IS NULL OR s.played_at >= ?3)
             AND (?4 = 0 OR s.state = 'finished')
             AND (?5 IS NULL OR p.name <> ?5 COLLATE NOCASE)",
            &[&trainee, &team, &since, &q.finished_only, &except],
        )
    }

    pub(crate) fn summaries(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let from = format!(
            "FROM sessions s JOIN people p ON p.id = s.trainee_id LEFT JOIN teams t ON t.id = p.team_id WHERE {filter}"
        );
        let mut out: Vec<SessionSummary> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        // Per session: the seal text being built from the rows read, and the stored seal.
        let mut seals: Vec<(Seal, Option<String>)> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT s.id, p.name, t.name, s.state, s.shift_id, s.shift_title, s.mode, s.seed,
                        s.played_at, s.ended_at, s.score, s.critical, s.numbers,
                        s.trainee_id, s.log_sha256, s.seal,
                        (SELECT x.multiplier FROM session_time_extensions x WHERE x.session_id = s.id)
                     {from} ORDER BY s.played_at, s.id"
                ))
                .map_err(|e| self.e(e))?;
            let mut rows = stmt.query(args).map_err(|e| self.e(e))?;
            while let Some(r) = rows.next().map_err(|e| self.e(e))? {
                let numbers: Option<String> = r.get(12).map_err(|e| self.e(e))?;
                let id: i64 = r.get(0).map_err(|e| self.e(e))?;
                let mut seal = Seal::default();
                for i in SEAL_FROM_SUMMARY {
                    seal.value(r.get_ref(i).map_err(|e| self.e(e))?);
                }
                seals.push((seal, r.get(15).map_err(|e| self.e(e))?));
                let s = SessionSummary {
                    id,
                    trainee: r.get(1).map_err(|e| self.e(e))?,
                    team: r.get(2).map_err(|e| self.e(e))?,
                    state: SessionState::parse(&r.get::<_, String>(3).map_err(|e| self.e(e))?),
                    shift: r.get(4).map_err(|e| self.e(e))?,
                    shift_title: r.get(5).map_err(|e| self.e(e))?,
                    mode: r.get(6).map_err(|e| self.e(e))?,
                    seed: r.get::<_, i64>(7).map_err(|e| self.e(e))? as u64,
                    played_at: parse_ts(&r.get::<_, String>(8).map_err(|e| self.e(e))?),
                    ended_at: r
                        .get::<_, Option<String>>(9)
                        .map_err(|e| self.e(e))?
                        .map(|s| parse_ts(&s)),
                    score: r
                        .get::<_, Option<i64>>(10)
                        .map_err(|e| self.e(e))?
                        .map(|v| v as u32),
                    effective_score: None,
                    critical: r.get::<_, i64>(11).map_err(|e| self.e(e))? != 0,
                    numbers: numbers
                        .map(|n| {
                            crate::stored::from_json::<SessionNumbers>(&n)
                                .map_err(|e| self.unreadable(id, "numbers", e))
                        })
                        .transpose()?,
                    tickets: Vec::new(),
                    flags: Vec::new(),
                    time_multiplier: r.get(16).map_err(|e| self.e(e))?,
                };
                index.insert(s.id, out.len());
                out.push(s);
            }
        }
        if out.is_empty() {
            return Ok(out);
        }
        // Latest override per ticket.
        let mut overridden: HashMap<(i64, u32), u32> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT o.session_id, o.ticket, o.new_score FROM overrides o
                     JOIN sessions s ON s.id = o.session_id JOIN people p ON p.id = s.trainee_id
                     LEFT JOIN teams t ON t.id = p.team_id WHERE {filter} ORDER BY o.id"
                ))
                .map_err(|e| self.e(e))?;
            let mut rows = stmt.query(args).map_err(|e| self.e(e))?;
            while let Some(r) = rows.next().map_err(|e| self.e(e))? {
                let key = (
                    r.get::<_, i64>(0).map_err(|e| self.e(e))?,
                    r.get::<_, i64>(1).map_err(|e| self.e(e))? as u32,
                );
                overridden.insert(key, r.get::<_, i64>(2).map_err(|e| self.e(e))? as u32);
            }
        }
        {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT k.session_id, k.number, k.scenario, k.ticket_type, k.title, k.call, k.right_call,
                        k.timing, k.decided_at, k.window_elapsed, k.window_limit, k.score, k.critical,
                        k.handed_over, k.window_escalation, k.note_total, k.note_steps, k.note_state,
                        k.note_context, k.note_hypothesis, k.note_sla
                     FROM tickets k JOIN sessions s ON s.id = k.session_id
                     JOIN people p ON p.id = s.trainee_id LEFT JOIN teams t ON t.id = p.team_id
                     WHERE {filter} ORDER BY k.session_id, k.number"
                ))
                .map_err(|e| self.e(e))?;
            let mut rows = stmt.query(args).map_err(|e| self.e(e))?;
            while let Some(r) = rows.next().map_err(|e| self.e(e))? {
                let sid: i64 = r.get(0).map_err(|e| self.e(e))?;
                let t = ticket_row(r).map_err(|e| self.e(e))?;
                let Some(&i) = index.get(&sid) else { continue };
                seals[i].0.row(r, 1..=20, 'k').map_err(|e| self.e(e))?;
                let mut t = t;
                if let Some(&score) = overridden.get(&(sid, t.number)) {
                    t.effective_score = score;
                    t.overridden = true;
                }
                out[i].tickets.push(t);
            }
        }
        {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT f.session_id, f.pattern, f.flag FROM flags f JOIN sessions s ON s.id = f.session_id
                     JOIN people p ON p.id = s.trainee_id LEFT JOIN teams t ON t.id = p.team_id
                     WHERE {filter} ORDER BY f.session_id, f.flag"
                ))
                .map_err(|e| self.e(e))?;
            let mut rows = stmt.query(args).map_err(|e| self.e(e))?;
            while let Some(r) = rows.next().map_err(|e| self.e(e))? {
                let sid: i64 = r.get(0).map_err(|e| self.e(e))?;
                let text: String = r.get(1).map_err(|e| self.e(e))?;
                if let Some(&i) = index.get(&sid) {
                    seals[i].0.row(r, [2, 1], 'f').map_err(|e| self.e(e))?;
                    let p = crate::stored::from_json(&text)
                        .map_err(|e| self.unreadable(sid, "flagged pattern", e))?;
                    out[i].flags.push(p);
                }
            }
        }
        for (s, (seal, stored)) in out.iter().zip(seals) {
            if s.is_finished() || stored.is_some() {
                self.check_seal(s.id, &seal.finish(), stored.as_deref())?;
            }
        }
        for s in &mut out {
            s.flags.sort_by_key(|f: &FlaggedPattern| f.flag);
            if s.is_finished() {
                s.effective_score = session_score(&s.tickets).or(s.score);
            }
        }
        Ok(out)
    }

    /// The review (the escalation review's three questions and a model note) of a
    /// stored ticket, if it has one.
    pub fn review(
        &self,
        session: i64,
        ticket: u32,
    ) -> Result<Option<dojo_core::grading::Review>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT review FROM reviews WHERE session_id = ?1 AND number = ?2",
                params![session, ticket],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.e(e))?;
        text.map(|t| {
            crate::stored::from_json(&t).map_err(|e| self.unreadable(session, "review", e))
        })
        .transpose()
    }

    /// A trainee's progress through a curriculum: a pure function of their finished
    /// sessions (scores after overrides).
    pub fn progress(
        &self,
        trainee: &str,
        curriculum: &dojo_core::curriculum::Curriculum,
    ) -> Result<Vec<dojo_core::curriculum::ModuleProgress>, StoreError> {
        let person = self.require(trainee, Role::Trainee)?;
        let sessions = self.sessions(&SessionQuery {
            trainee: Some(person.name),
            finished_only: true,
            ..SessionQuery::default()
        })?;
        let attempts: Vec<_> = sessions.iter().filter_map(|s| s.attempt()).collect();
        Ok(dojo_core::curriculum::progress(curriculum, &attempts))
    }

    // ---- overrides -------------------------------------------------------------

    /// A coach overrides a ticket's grade with a written reason. Appended to the audit
    /// trail (which can never be edited or deleted); the automatic grade is kept beside it.
    pub fn override_ticket(
        &mut self,
        session: i64,
        ticket: u32,
        new_score: u32,
        coach: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Override, StoreError> {
        let reason = reason.trim();
        let coach = self.require(coach, Role::Coach)?;
        let summary = self.session(session)?;
        let t = dojo_core::history::override_target(&summary, ticket, new_score, reason)
            .map_err(StoreError::Invalid)?;
        let trainee_id = self.require(&summary.trainee, Role::Trainee)?.id;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        tx.execute(
            "INSERT INTO overrides (session_id, ticket, coach_id, at, old_score, new_score, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                session,
                ticket,
                coach.id,
                ts(at),
                t.effective_score,
                new_score,
                reason
            ],
        )
        .map_err(|e| sql(&path, e))?;
        let id = tx.last_insert_rowid();
        refresh_schedule(&tx, trainee_id, &self.drill).map_err(|e| sql(&path, e))?;
        tx.commit().map_err(|e| sql(&path, e))?;
        Ok(Override {
            id,
            session,
            ticket,
            coach: coach.name,
            at: parse_ts(&ts(at)),
            automatic_score: t.score,
            old_score: t.effective_score,
            new_score,
            reason: reason.to_string(),
        })
    }

    /// The audit trail: every override (of one trainee's sessions, if given), oldest first.
    pub fn overrides(&self, trainee: Option<&str>) -> Result<Vec<Override>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT o.id, o.session_id, o.ticket, c.name, o.at, k.score, o.old_score, o.new_score, o.reason
                 FROM overrides o JOIN people c ON c.id = o.coach_id
                 JOIN tickets k ON k.session_id = o.session_id AND k.number = o.ticket
                 JOIN sessions s ON s.id = o.session_id JOIN people p ON p.id = s.trainee_id
                 WHERE ?1 IS NULL OR p.name = ?1 COLLATE NOCASE ORDER BY o.id",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map(params![trainee], |r| {
                Ok(Override {
                    id: r.get(0)?,
                    session: r.get(1)?,
                    ticket: r.get::<_, i64>(2)? as u32,
                    coach: r.get(3)?,
                    at: parse_ts(&r.get::<_, String>(4)?),
                    automatic_score: r.get::<_, i64>(5)? as u32,
                    old_score: r.get::<_, i64>(6)? as u32,
                    new_score: r.get::<_, i64>(7)? as u32,
                    reason: r.get(8)?,
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.e(e))
    }

    // ---- schedule --------------------------------------------------------------

    /// A trainee's spaced-repetition schedule, one card per ticket type met, by type.
    pub fn schedule(&self, trainee: &str) -> Result<Vec<TypeSchedule>, StoreError> {
        let person = self.require(trainee, Role::Trainee)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT ticket_type, stability, difficulty, reps, lapses, last_review, due, last_rating
                 FROM schedule WHERE trainee_id = ?1 ORDER BY ticket_type",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map(params![person.id], |r| {
                Ok(TypeSchedule {
                    ticket_type: r.get(0)?,
                    stability: r.get(1)?,
                    difficulty: r.get(2)?,
                    reps: r.get::<_, i64>(3)? as u32,
                    lapses: r.get::<_, i64>(4)? as u32,
                    last_review: parse_ts(&r.get::<_, String>(5)?),
                    due: parse_ts(&r.get::<_, String>(6)?),
                    last_rating: Rating::parse(&r.get::<_, String>(7)?).unwrap_or(Rating::Again),
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.e(e))
    }

    /// Recomputes a trainee's schedule from their stored sessions (after changing the
    /// drill settings, for example).
    pub fn refresh_schedule(&mut self, trainee: &str) -> Result<(), StoreError> {
        let person = self.require(trainee, Role::Trainee)?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        refresh_schedule(&tx, person.id, &self.drill).map_err(|e| sql(&path, e))?;
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// A finished session's rows against its seal.
    fn check_seal(&self, id: i64, computed: &str, stored: Option<&str>) -> Result<(), StoreError> {
        let what = match stored {
            None => "it is marked finished but carries no seal".to_string(),
            Some(seal) if seal == computed => return Ok(()),
            Some(_) => "its score, tickets, flags or owner do not match its seal".to_string(),
        };
        Err(StoreError::Tampered {
            path: self.path.display().to_string(),
            session: id,
            what,
        })
    }

    /// Runs `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.e(e))
    }
}

fn sql(path: &Path, e: rusqlite::Error) -> StoreError {
    classify(path, e, BUSY_TIMEOUT)
}

/// An SQLite error as what it means for the file: busy or locked (another process held
/// it past the timeout), read-only, cannot be opened — or any other SQL error. Never
/// "damaged": only [`check_existing`] says that.
fn classify(path: &Path, e: rusqlite::Error, busy: std::time::Duration) -> StoreError {
    let shown = path.display().to_string();
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    match code {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            path: shown,
            seconds: busy.as_secs().max(u64::from(busy.as_millis() > 0)),
        },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
            path: shown,
            reason: e.to_string(),
        },
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => StoreError::Inaccessible {
            path: shown,
            reason: e.to_string(),
        },
        _ => StoreError::Sql {
            path: shown,
            source: e,
        },
    }
}

/// A name under the one rule for names (`dojo_core::names::clean`), or why not.
fn clean_name(name: &str, what: &str) -> Result<String, StoreError> {
    names::clean(name).map_err(|e| {
        StoreError::Invalid(format!(
            "a {what} name is 1 to {} printable characters: {e}",
            names::MAX_NAME_CHARS
        ))
    })
}

/// The person whose name is `name` under the name rule: the exact spelling (without
/// case) first, else the one with the same [`names::key`].
fn person_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<Person>> {
    let select = "SELECT p.id, p.name, p.role, t.name, p.created_at FROM people p
                  LEFT JOIN teams t ON t.id = p.team_id";
    let exact = conn
        .query_row(
            &format!("{select} WHERE p.name = ?1 COLLATE NOCASE"),
            params![name.trim()],
            person_row,
        )
        .optional()?;
    if exact.is_some() {
        return Ok(exact);
    }
    let key = names::key(name);
    let mut stmt = conn.prepare(&format!("{select} ORDER BY p.id"))?;
    let rows = stmt.query_map([], person_row)?;
    for p in rows {
        let p = p?;
        if names::key(&p.name) == key {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

/// The id of the team named `name` under the name rule, created if there is none.
fn team_id(conn: &Connection, name: &str, at: DateTime<Utc>) -> rusqlite::Result<i64> {
    let key = names::key(name);
    let mut stmt = conn.prepare("SELECT id, name FROM teams ORDER BY id")?;
    let existing = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if let Some((id, _)) = existing.iter().find(|(_, n)| names::key(n) == key) {
        return Ok(*id);
    }
    conn.execute(
        "INSERT INTO teams (name, created_at) VALUES (?1, ?2)",
        params![name, ts(at)],
    )?;
    Ok(conn.last_insert_rowid())
}

fn person_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: r.get(0)?,
        name: r.get(1)?,
        role: Role::parse(&r.get::<_, String>(2)?),
        team: r.get(3)?,
        created_at: parse_ts(&r.get::<_, String>(4)?),
    })
}

fn ticket_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TicketSummary> {
    let opt_u32 = |i: usize| -> rusqlite::Result<Option<u32>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(|v| v as u32))
    };
    let score = r.get::<_, i64>(11)? as u32;
    let note = match opt_u32(15)? {
        Some(total) => Some(NoteSummary {
            total,
            elements: [
                opt_u32(16)?.unwrap_or(0),
                opt_u32(17)?.unwrap_or(0),
                opt_u32(18)?.unwrap_or(0),
                opt_u32(19)?.unwrap_or(0),
                opt_u32(20)?.unwrap_or(0),
            ],
        }),
        None => None,
    };
    Ok(TicketSummary {
        number: r.get::<_, i64>(1)? as u32,
        scenario: r.get(2)?,
        ticket_type: r.get(3)?,
        title: r.get(4)?,
        call: r.get::<_, Option<String>>(5)?.map(|s| parse_owner(&s)),
        right_call: parse_owner(&r.get::<_, String>(6)?),
        timing: crate::stored::from_json::<Timing>(&r.get::<_, String>(7)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                7,
                rusqlite::types::Type::Text,
                format!("the stored timing cannot be read: {e}").into(),
            )
        })?,
        decided_at: opt_u32(8)?,
        window: opt_u32(9)?.zip(opt_u32(10)?),
        score,
        effective_score: score,
        overridden: false,
        critical: r.get::<_, i64>(12)? != 0,
        handed_over: r.get::<_, i64>(13)? != 0,
        window_escalation: r.get::<_, i64>(14)? != 0,
        note,
    })
}

fn duplicate_of(tx: &Transaction<'_>, trainee_id: i64, sha: &str) -> rusqlite::Result<Option<i64>> {
    tx.query_row(
        "SELECT id FROM sessions WHERE trainee_id = ?1 AND log_sha256 = ?2 AND state = 'finished'",
        params![trainee_id, sha],
        |r| r.get(0),
    )
    .optional()
}

/// Writes a finished session's log, grade, tickets and flags into row `id`.
fn write_finished(
    tx: &Transaction<'_>,
    id: i64,
    graded: &GradedSession,
    ended_at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let g = &graded.grade;
    tx.execute(
        "UPDATE sessions SET state = 'finished', ended_at = ?2, log_sha256 = ?3,
            score = ?4, critical = ?5, numbers = ?6 WHERE id = ?1",
        params![
            id,
            ts(ended_at),
            graded.log_sha256,
            g.score,
            g.critical,
            json(&g.numbers),
        ],
    )?;
    tx.execute(
        "INSERT INTO session_logs (session_id, log, grade) VALUES (?1, ?2, ?3)",
        params![id, graded.log_text, json(g)],
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO tickets (session_id, number, scenario, ticket_type, title, call, right_call, timing,
            decided_at, window_elapsed, window_limit, score, critical, handed_over, window_escalation,
            note_total, note_steps, note_state, note_context, note_hypothesis, note_sla)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?;
    let mut insert_review =
        tx.prepare("INSERT INTO reviews (session_id, number, review) VALUES (?1, ?2, ?3)")?;
    // A ticket never reached enters no trend, no review queue and no schedule.
    for t in g.tickets.iter().filter(|t| !t.not_reached) {
        let window = t.verdict.window.as_ref();
        let note = t.note.as_ref();
        let element = |e: NoteElement| note.map(|n| n.element(e).score);
        let review = g
            .coaching
            .reviews
            .iter()
            .find(|r| r.number == t.number)
            .map(json);
        insert.execute(params![
            id,
            t.number,
            t.scenario,
            t.ticket_type,
            t.title,
            t.call.map(owner_str),
            owner_str(t.right_call),
            json(&t.timing),
            t.decided_at,
            window.map(|w| w.elapsed_minutes),
            window.map(|w| w.limit_minutes),
            t.score,
            t.critical,
            t.handed_over,
            t.window_escalation,
            note.map(|n| n.total),
            element(NoteElement::StepsTaken),
            element(NoteElement::CurrentState),
            element(NoteElement::ClientContext),
            element(NoteElement::Hypothesis),
            element(NoteElement::SlaStatus),
        ])?;
        if let Some(review) = review {
            insert_review.execute(params![id, t.number, review])?;
        }
    }
    let mut flag =
        tx.prepare("INSERT INTO flags (session_id, flag, pattern) VALUES (?1, ?2, ?3)")?;
    for f in &g.coaching.flags {
        flag.execute(params![id, format!("{:?}", f.flag), json(f)])?;
    }
    // Queued for the team server in the same transaction (sent by `dojo team sync`).
    tx.execute(
        "INSERT INTO outbox (session_id, log_sha256, queued_at) VALUES (?1, ?2, ?3)",
        params![id, graded.log_sha256, ts(ended_at)],
    )?;
    seal_session(tx, id)
}

/// The columns of a session row its seal covers, as indices of the summaries query.
const SEAL_FROM_SUMMARY: [usize; 10] = [0, 13, 3, 4, 7, 8, 14, 10, 11, 12];

/// The same columns, for one session.
const SEAL_SESSION_QUERY: &str =
    "SELECT s.id, s.trainee_id, s.state, s.shift_id, s.seed, s.played_at,
    s.log_sha256, s.score, s.critical, s.numbers FROM sessions s WHERE s.id = ?1";

/// A finished session's seal being built: its row, its ticket rows (by number) and its
/// flag rows (by flag), every value tagged with its type, then SHA-256. Not a secret:
/// it catches a row changed by hand (with `sqlite3`), not a forger who recomputes it.
#[derive(Default)]
struct Seal(String);

impl Seal {
    fn value(&mut self, v: ValueRef<'_>) {
        use std::fmt::Write;
        let _ = match v {
            ValueRef::Null => write!(self.0, "n;"),
            ValueRef::Integer(i) => write!(self.0, "i{i};"),
            ValueRef::Real(f) => write!(self.0, "r{:016x};", f.to_bits()),
            ValueRef::Text(t) => write!(self.0, "t{}:{};", t.len(), String::from_utf8_lossy(t)),
            ValueRef::Blob(b) => write!(self.0, "b{}:{};", b.len(), sha256_hex(b)),
        };
    }

    fn row(
        &mut self,
        r: &rusqlite::Row<'_>,
        columns: impl IntoIterator<Item = usize>,
        tag: char,
    ) -> rusqlite::Result<()> {
        self.0.push('\n');
        self.0.push(tag);
        for i in columns {
            self.value(r.get_ref(i)?);
        }
        Ok(())
    }

    fn finish(self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

/// Computes a session's seal from its stored rows.
fn compute_seal(conn: &Connection, id: i64) -> rusqlite::Result<String> {
    let mut seal = Seal::default();
    conn.query_row(SEAL_SESSION_QUERY, params![id], |r| {
        for i in 0..10 {
            seal.value(r.get_ref(i)?);
        }
        Ok(())
    })?;
    let mut stmt = conn.prepare(
        "SELECT k.session_id, k.number, k.scenario, k.ticket_type, k.title, k.call, k.right_call,
            k.timing, k.decided_at, k.window_elapsed, k.window_limit, k.score, k.critical,
            k.handed_over, k.window_escalation, k.note_total, k.note_steps, k.note_state,
            k.note_context, k.note_hypothesis, k.note_sla
         FROM tickets k WHERE k.session_id = ?1 ORDER BY k.number",
    )?;
    let mut rows = stmt.query(params![id])?;
    while let Some(r) = rows.next()? {
        seal.row(r, 1..=20, 'k')?;
    }
    let mut stmt = conn.prepare(
        "SELECT f.session_id, f.pattern, f.flag FROM flags f WHERE f.session_id = ?1 ORDER BY f.flag",
    )?;
    let mut rows = stmt.query(params![id])?;
    while let Some(r) = rows.next()? {
        seal.row(r, [2, 1], 'f')?;
    }
    Ok(seal.finish())
}

/// Seals a finished session (its seal is still empty: the triggers allow that once).
fn seal_session(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    let seal = compute_seal(conn, id)?;
    conn.execute(
        "UPDATE sessions SET seal = ?2 WHERE id = ?1",
        params![id, seal],
    )?;
    Ok(())
}

/// Seals every finished session (the migration that brings seals in).
fn seal_all(conn: &Connection) -> rusqlite::Result<()> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM sessions WHERE state = 'finished' AND seal IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        seal_session(conn, id)?;
    }
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    crate::stored::to_json(value)
}

/// Recomputes a trainee's schedule from their finished sessions and stores it.
fn refresh_schedule(
    tx: &Transaction<'_>,
    trainee_id: i64,
    settings: &DrillSettings,
) -> rusqlite::Result<()> {
    // Only what the schedule needs: each finished session's date and ticket rows.
    let mut sessions: Vec<SessionSummary> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, played_at FROM sessions WHERE trainee_id = ?1 AND state = 'finished'
             ORDER BY played_at, id",
        )?;
        let mut rows = stmt.query(params![trainee_id])?;
        while let Some(r) = rows.next()? {
            sessions.push(SessionSummary {
                id: r.get(0)?,
                trainee: String::new(),
                team: None,
                state: SessionState::Finished,
                shift: String::new(),
                shift_title: String::new(),
                mode: String::new(),
                seed: 0,
                played_at: parse_ts(&r.get::<_, String>(1)?),
                ended_at: None,
                score: None,
                effective_score: None,
                critical: false,
                numbers: None,
                tickets: Vec::new(),
                flags: Vec::new(),
                time_multiplier: None,
            });
        }
    }
    let index: HashMap<i64, usize> = sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i))
        .collect();
    let mut overridden: HashMap<(i64, u32), u32> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT o.session_id, o.ticket, o.new_score FROM overrides o
             JOIN sessions s ON s.id = o.session_id WHERE s.trainee_id = ?1 ORDER BY o.id",
        )?;
        let mut rows = stmt.query(params![trainee_id])?;
        while let Some(r) = rows.next()? {
            overridden.insert(
                (r.get(0)?, r.get::<_, i64>(1)? as u32),
                r.get::<_, i64>(2)? as u32,
            );
        }
    }
    {
        let mut stmt = tx.prepare(
            "SELECT k.session_id, k.number, k.scenario, k.ticket_type, k.title, k.call, k.right_call,
                k.timing, k.decided_at, k.window_elapsed, k.window_limit, k.score, k.critical,
                k.handed_over, k.window_escalation, k.note_total, k.note_steps, k.note_state,
                k.note_context, k.note_hypothesis, k.note_sla
             FROM tickets k JOIN sessions s ON s.id = k.session_id
             WHERE s.trainee_id = ?1 AND s.state = 'finished'",
        )?;
        let mut rows = stmt.query(params![trainee_id])?;
        while let Some(r) = rows.next()? {
            let sid: i64 = r.get(0)?;
            let mut t = ticket_row(r)?;
            if let Some(&s) = overridden.get(&(sid, t.number)) {
                t.effective_score = s;
                t.overridden = true;
            }
            if let Some(&i) = index.get(&sid) {
                sessions[i].tickets.push(t);
            }
        }
    }
    let cards = spaced::schedule_from(&sessions, settings);
    tx.execute(
        "DELETE FROM schedule WHERE trainee_id = ?1",
        params![trainee_id],
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO schedule (trainee_id, ticket_type, stability, difficulty, reps, lapses, last_review, due, last_rating)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for c in cards {
        insert.execute(params![
            trainee_id,
            c.ticket_type,
            c.stability,
            c.difficulty,
            c.reps,
            c.lapses,
            ts(c.last_review),
            ts(c.due),
            c.last_rating.as_str(),
        ])?;
    }
    Ok(())
}

/// Checks a file that exists with the file system before SQLite opens it: readable by
/// this user (else [`StoreError::Inaccessible`]), an SQLite file (else damaged), writable
/// (else [`StoreError::ReadOnly`]). Opening for writing creates nothing and changes
/// nothing.
fn preflight(path: &Path) -> Result<(), Refusal> {
    let shown = || path.display().to_string();
    let mut head = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|e| {
        Refusal::Kept(StoreError::Inaccessible {
            path: shown(),
            reason: if e.kind() == std::io::ErrorKind::PermissionDenied {
                "permission denied: this user cannot read it".into()
            } else {
                e.to_string()
            },
        })
    })?;
    match file.read_exact(&mut head) {
        Ok(()) if &head == b"SQLite format 3\0" => {}
        Ok(()) => return Err(Refusal::Damaged("not an SQLite database file".into())),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(Refusal::Damaged(
                "not an SQLite database file (shorter than its header)".into(),
            ));
        }
        Err(e) => {
            return Err(Refusal::Kept(StoreError::Inaccessible {
                path: shown(),
                reason: e.to_string(),
            }));
        }
    }
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
        return Err(Refusal::Kept(StoreError::ReadOnly {
            path: shown(),
            reason: if e.kind() == std::io::ErrorKind::PermissionDenied {
                "permission denied: this user cannot write it".into()
            } else {
                e.to_string()
            },
        }));
    }
    Ok(())
}

/// Checks an existing SQLite file through the open connection (busy timeout set, so a
/// file another process holds is waited for, never taken for damage): integrity,
/// application id, schema version.
fn check_existing(
    conn: &Connection,
    path: &Path,
    busy: std::time::Duration,
) -> Result<(), Refusal> {
    // One read transaction: every probe sees the same snapshot (another process may be
    // creating the schema meanwhile).
    let probe = || -> rusqlite::Result<(i64, i64, i64, String)> {
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?;
        let objects: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        let app: i64 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let integrity: String = tx.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        tx.commit()?;
        Ok((app, version, objects, integrity))
    };
    let (app, version, objects, integrity) = probe().map_err(|e| {
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
            _ => None,
        };
        match code {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                Refusal::Damaged(e.to_string())
            }
            _ => Refusal::Kept(classify(path, e, busy)),
        }
    })?;
    if integrity != "ok" {
        return Err(Refusal::Damaged(format!(
            "integrity check: {}",
            integrity.lines().next().unwrap_or_default()
        )));
    }
    if app != i64::from(APPLICATION_ID) && (app != 0 || objects > 0) {
        return Err(Refusal::Foreign(format!(
            "application id {app:#x}, {objects} schema object(s)"
        )));
    }
    if version > i64::from(SCHEMA_VERSION) {
        return Err(Refusal::Newer(version as u32));
    }
    Ok(())
}

/// Turns a refusal into its error; a damaged file (and its WAL and shared-memory files) is
/// renamed to `<name>.damaged-<n>` first.
fn refuse(path: &Path, refusal: Refusal) -> StoreError {
    let shown = path.display().to_string();
    match refusal {
        Refusal::Newer(found) => StoreError::NewerSchema {
            path: shown,
            found,
            supported: SCHEMA_VERSION,
        },
        Refusal::Foreign(reason) => StoreError::Foreign {
            path: shown,
            reason,
        },
        Refusal::Kept(e) => e,
        Refusal::Damaged(reason) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| DB_FILE.to_string());
            let aside = (1..)
                .map(|n| path.with_file_name(format!("{name}.damaged-{n}")))
                .find(|p| !p.exists())
                .unwrap_or_else(|| path.with_file_name(format!("{name}.damaged")));
            if let Err(e) = std::fs::rename(path, &aside) {
                return StoreError::Io {
                    path: shown,
                    source: std::io::Error::other(format!(
                        "the history database is damaged ({reason}) and could not be moved aside ({e}); it was left as it is"
                    )),
                };
            }
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", path.display()));
                if side.exists() {
                    let _ = std::fs::rename(&side, format!("{}{suffix}", aside.display()));
                }
            }
            StoreError::Damaged {
                path: shown,
                kept_at: aside.display().to_string(),
                reason,
            }
        }
    }
}
