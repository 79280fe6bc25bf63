//! The SQLite store: opening (checks, migrations, WAL), people, sessions, overrides and
//! the spaced-repetition schedule.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use dojo_core::history::{
    GradedSession, InProgress, NoteSummary, Override, Person, Role, SessionQuery, SessionState,
    SessionSummary, Team, TicketSummary, closest, session_score,
};

use crate::{DB_FILE, StoreError};
use dojo_core::curriculum::DrillSettings;
use dojo_core::grading::{FlaggedPattern, SessionNumbers, Timing};
use dojo_core::note::NoteElement;
use dojo_core::scenario::Owner;
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::spaced::{self, Rating, TypeSchedule};

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
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The history database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    drill: DrillSettings,
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
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
    Damaged(String),
    Newer(u32),
    Foreign(String),
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
        let existed = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        if existed && let Err(refusal) = check_existing(path) {
            return Err(refuse(path, refusal));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            drill: DrillSettings::default(),
        };
        store.configure()?;
        store.migrate(version)?;
        Ok(store)
    }

    fn configure(&self) -> Result<(), StoreError> {
        let p = &self.path;
        self.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| sql(p, e))?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| sql(p, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Invalid(format!(
                "{}: the file system refused the WAL journal (journal mode `{mode}`)",
                p.display()
            )));
        }
        // FULL: a committed session survives a power cut, not only a crash.
        self.conn
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(|e| sql(p, e))
    }

    fn migrate(&mut self, target: u32) -> Result<(), StoreError> {
        let path = self.path.clone();
        let current = self.schema_version()?;
        for version in current..target.min(SCHEMA_VERSION) {
            let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
            tx.execute_batch(MIGRATIONS[version as usize])
                .map_err(|e| sql(&path, e))?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
                version + 1
            ))
            .map_err(|e| sql(&path, e))?;
            tx.commit().map_err(|e| sql(&path, e))?;
        }
        Ok(())
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

    fn e(&self, e: rusqlite::Error) -> StoreError {
        sql(&self.path, e)
    }

    // ---- people ----------------------------------------------------------------

    /// Adds a team (or returns the existing one of that name).
    pub fn add_team(&self, name: &str, at: DateTime<Utc>) -> Result<Team, StoreError> {
        let name = clean_name(name, "team")?;
        self.conn
            .execute(
                "INSERT INTO teams (name, created_at) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
                params![name, ts(at)],
            )
            .map_err(|e| self.e(e))?;
        self.teams()?
            .into_iter()
            .find(|t| t.name.eq_ignore_ascii_case(&name))
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
    /// are unique, case-insensitively, across trainees and coaches.
    pub fn add_person(
        &self,
        name: &str,
        role: Role,
        team: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Person, StoreError> {
        let name = clean_name(name, role.as_str())?;
        if let Some(p) = self.person(&name)? {
            return Err(StoreError::Invalid(format!(
                "`{}` is already a {}{}",
                p.name,
                p.role,
                p.team
                    .map(|t| format!(" in team `{t}`"))
                    .unwrap_or_default()
            )));
        }
        let team_id = match team {
            Some(t) => Some(self.add_team(t, at)?.id),
            None => None,
        };
        self.conn
            .execute(
                "INSERT INTO people (name, role, team_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role.as_str(), team_id, ts(at)],
            )
            .map_err(|e| self.e(e))?;
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
        let team_id = match team {
            Some(t) => Some(self.add_team(t, at)?.id),
            None => None,
        };
        self.conn
            .execute(
                "UPDATE people SET team_id = ?1 WHERE id = ?2",
                params![team_id, person.id],
            )
            .map_err(|e| self.e(e))?;
        self.person(name)?
            .ok_or_else(|| self.unknown(name, Role::Trainee))
    }

    /// A person by name (case-insensitive).
    pub fn person(&self, name: &str) -> Result<Option<Person>, StoreError> {
        self.conn
            .query_row(
                "SELECT p.id, p.name, p.role, t.name, p.created_at FROM people p
                 LEFT JOIN teams t ON t.id = p.team_id WHERE p.name = ?1 COLLATE NOCASE",
                params![name.trim()],
                person_row,
            )
            .optional()
            .map_err(|e| self.e(e))
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
        self.conn
            .execute(
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
        Ok(self.conn.last_insert_rowid())
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
    pub fn session_log(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.session_state(id)?
            .ok_or(StoreError::NoSuchSession(id))?;
        self.conn
            .query_row(
                "SELECT log FROM session_logs WHERE session_id = ?1",
                params![id],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.e(e))
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
        text.flatten()
            .map(|t| crate::stored::from_json(&t).map_err(|e| self.unreadable(id, "grade", e)))
            .transpose()
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
        self.summaries(
            "(?1 IS NULL OR p.name = ?1 COLLATE NOCASE)
             AND (?2 IS NULL OR t.name = ?2 COLLATE NOCASE)
             AND (?3 IS NULL OR s.played_at >= ?3)
             AND (?4 = 0 OR s.state = 'finished')
             AND (?5 IS NULL OR p.name <> ?5 COLLATE NOCASE)",
            &[
                &q.trainee,
                &q.team,
                &since,
                &q.finished_only,
                &q.except_trainee,
            ],
        )
    }

    fn summaries(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let from = format!(
            "FROM sessions s JOIN people p ON p.id = s.trainee_id LEFT JOIN teams t ON t.id = p.team_id WHERE {filter}"
        );
        let mut out: Vec<SessionSummary> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT s.id, p.name, t.name, s.state, s.shift_id, s.shift_title, s.mode, s.seed,
                        s.played_at, s.ended_at, s.score, s.critical, s.numbers
                     {from} ORDER BY s.played_at, s.id"
                ))
                .map_err(|e| self.e(e))?;
            let mut rows = stmt.query(args).map_err(|e| self.e(e))?;
            while let Some(r) = rows.next().map_err(|e| self.e(e))? {
                let numbers: Option<String> = r.get(12).map_err(|e| self.e(e))?;
                let id: i64 = r.get(0).map_err(|e| self.e(e))?;
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
                    "SELECT f.session_id, f.pattern FROM flags f JOIN sessions s ON s.id = f.session_id
                     JOIN people p ON p.id = s.trainee_id LEFT JOIN teams t ON t.id = p.team_id
                     WHERE {filter} ORDER BY f.session_id, f.flag"
                ))
                .map_err(|e| self.e(e))?;
            let mut rows = stmt.query(args).map_err(|e| self.e(e))?;
            while let Some(r) = rows.next().map_err(|e| self.e(e))? {
                let sid: i64 = r.get(0).map_err(|e| self.e(e))?;
                let text: String = r.get(1).map_err(|e| self.e(e))?;
                if let Some(&i) = index.get(&sid) {
                    let p = crate::stored::from_json(&text)
                        .map_err(|e| self.unreadable(sid, "flagged pattern", e))?;
                    out[i].flags.push(p);
                }
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
        if new_score > 100 {
            return Err(StoreError::Invalid(format!(
                "a score is 0 to 100, not {new_score}"
            )));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "an override needs a written reason (--reason \"...\")".into(),
            ));
        }
        let coach = self.require(coach, Role::Coach)?;
        let summary = self.session(session)?;
        if !summary.is_finished() {
            return Err(StoreError::Invalid(format!(
                "session {session} is not finished: only graded sessions can be overridden"
            )));
        }
        let Some(t) = summary.tickets.iter().find(|t| t.number == ticket) else {
            let numbers: Vec<String> = summary
                .tickets
                .iter()
                .map(|t| t.number.to_string())
                .collect();
            return Err(StoreError::Invalid(format!(
                "session {session} has no ticket {ticket} (tickets: {})",
                numbers.join(", ")
            )));
        };
        if t.handed_over {
            return Err(StoreError::Invalid(format!(
                "ticket {ticket} of session {session} was handed over, not graded: there is no grade to override"
            )));
        }
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

    /// Runs `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.e(e))
    }
}

fn sql(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sql {
        path: path.display().to_string(),
        source: e,
    }
}

fn clean_name(name: &str, what: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(char::is_control) || name.chars().count() > 80 {
        return Err(StoreError::Invalid(format!(
            "a {what} name is 1 to 80 printable characters"
        )));
    }
    Ok(name.to_string())
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

/// Checks a file that exists before SQLite writes anything to it.
fn check_existing(path: &Path) -> Result<(), Refusal> {
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    if read.is_err() || &head != b"SQLite format 3\0" {
        return Err(Refusal::Damaged("not an SQLite database file".into()));
    }
    // Read-write without create: a healthy WAL database may need its journal replayed.
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| Refusal::Damaged(e.to_string()))?;
    let probe = || -> rusqlite::Result<(i64, i64, i64, String)> {
        let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok((app, version, objects, integrity))
    };
    let (app, version, objects, integrity) =
        probe().map_err(|e| Refusal::Damaged(e.to_string()))?;
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
