//! The one session lifecycle: start (or resume), log, finish, grade, store, write the
//! result. `dojo run`, `dojo history resume`, competitions and the app's shift screen all
//! go through it, so there is one set of rules for trainees, grading and files.
//!
//! A [`Run`] is what the lifecycle knows about a session besides the session itself: its
//! header, its log and where it is recorded. The caller drives the session in between —
//! the CLI plays a script into it, the app hands it to the Bevy shell — and gives it back
//! to [`Run::finish`].
//!
//! The rules:
//! - a session with a trainee and a store is recorded in the history as *in progress*
//!   before its first action (a crash is found at the next start), and finished in one
//!   transaction with its log and its grade, recomputed from the log;
//! - the trainee must exist in the history ([`Store::require`]); who creates trainees
//!   is the caller's business (the CLI's `dojo trainee add`, the app's start screen);
//! - a log is never overwritten: an existing one is refused with how to resume it;
//! - the result file holds the whole log, so a log the runner made for the session is
//!   removed once the result is written and the session stored.
//!
//! Plain Rust: no Bevy, no clap. Dates come from [`crate::clock`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use dojo_core::compete::{Competition, Participant};
use dojo_core::grading::SessionGrade;
use dojo_core::history::{GradedSession, Role};
use dojo_core::pack::Pack;
use dojo_core::shift::Shift;
use dojo_core::sim::action::Script;
use dojo_core::sim::record::{self, LogHeader, LogWriter, ReadLog, SessionResult};
use dojo_core::sim::session::Session;
use dojo_store::Store;

/// What is played.
#[derive(Debug, Clone)]
pub enum Play {
    /// A shift of the pack with a seed, by a trainee (or nobody).
    Shift {
        /// The shift (boxed: a shift is much larger than an entry).
        shift: Box<Shift>,
        /// The seed.
        seed: u64,
        /// Who plays, if anyone.
        trainee: Option<String>,
        /// Their team.
        team: Option<String>,
    },
    /// An entry to a competition: its shift, seed and rules, stamped with its hash.
    Competition {
        /// The competition.
        competition: Arc<Competition>,
        /// Who plays, as on its roster.
        participant: Participant,
    },
}

/// Where the session's log goes.
#[derive(Debug, Clone)]
pub enum LogPlace {
    /// This file, named by the user: kept after the session.
    Named(PathBuf),
    /// This file, for the session only: removed once the result is safe.
    Temporary(PathBuf),
    /// A file the runner names in this folder: removed once the result is safe.
    In(PathBuf),
    /// No log (a headless run that keeps nothing but its result).
    None,
}

/// A session being played: everything the lifecycle needs to finish it.
#[derive(Debug)]
pub struct Run {
    /// Who, what, on which content (the log's first line).
    pub header: LogHeader,
    /// The log file, if any.
    pub log_path: Option<PathBuf>,
    /// The runner made the log for this session (removed once the result is saved).
    own_log: bool,
    /// The session's id in the history, when it is recorded there (never for a
    /// competition entry: its result is handed in, and `dojo compete` verifies it).
    pub history_id: Option<i64>,
}

/// Where a finished session went.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The finished session (for the debrief).
    pub session: Session,
    /// The result (outcomes and the whole log).
    pub result: SessionResult,
    /// The grade, recomputed from the session with the ideal run as the baseline.
    pub grade: SessionGrade,
    /// Where the result was written (the last of the outputs that succeeded).
    pub saved_to: Vec<PathBuf>,
    /// The history session it was stored as.
    pub stored_as: Option<i64>,
    /// What went wrong on the way (the session itself is never lost: its log stays
    /// when the result or the history could not take it).
    pub problems: Vec<String>,
}

/// Why a session could not start.
pub type StartError = String;

impl Run {
    /// A session recorded nowhere (no log, no history) with this header.
    pub fn unrecorded(header: LogHeader) -> Run {
        Run {
            header,
            log_path: None,
            own_log: false,
            history_id: None,
        }
    }

    /// Starts a session: checks the trainee, creates the log (never over an existing
    /// one) and records the session as in progress in the history, before any action.
    pub fn start(
        pack: &Arc<Pack>,
        play: &Play,
        log: &LogPlace,
        store: Option<&Store>,
        played_at: DateTime<Utc>,
    ) -> Result<(Run, Session, Option<LogWriter>), StartError> {
        let (session, header, entry) = prepare(pack, play, store)?;
        let (log_path, own_log) = match log {
            LogPlace::Named(p) => (Some(p.clone()), false),
            LogPlace::Temporary(p) => (Some(p.clone()), true),
            LogPlace::In(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                (Some(dir.join(log_name(&header, played_at))), true)
            }
            LogPlace::None => (None, false),
        };
        let writer = match &log_path {
            Some(path) if path.exists() => {
                return Err(format!(
                    "a log already exists at {}: resume it with --resume {0}, or move it away",
                    path.display()
                ));
            }
            Some(path) => Some(LogWriter::create(path, &header).map_err(|e| e.to_string())?),
            None => None,
        };
        // A competition entry is recorded too when its participant is a trainee of the
        // history (so it syncs to a team server like any session); a participant the
        // history does not know plays for the result file only.
        let recorded = |s: &Store, name: &str| {
            !entry || matches!(s.person(name), Ok(Some(p)) if p.role == Role::Trainee)
        };
        let history_id = match (store, &header.trainee, &log_path) {
            (Some(s), Some(name), Some(path)) if recorded(s, name) => Some(
                s.begin_session(name, &header, path, played_at)
                    .map_err(|e| e.to_string())?,
            ),
            _ => None,
        };
        let run = Run {
            header,
            log_path,
            own_log,
            history_id,
        };
        Ok((run, session, writer))
    }

    /// For a scripted play (`dojo run`): the history session this exact play is already
    /// stored as, found by playing the script in memory first (the simulation is
    /// deterministic, so the log is the one the real play would write). Asked before
    /// [`Run::start`], so running the same script twice fails at once, before the shift
    /// is played and before anything is recorded.
    pub fn already_stored(
        pack: &Arc<Pack>,
        play: &Play,
        script: &Script,
        store: &Store,
    ) -> Result<Option<i64>, StartError> {
        let (mut session, header, entry) = prepare(pack, play, Some(store))?;
        let Some(trainee) = header.trainee.clone().filter(|_| !entry) else {
            return Ok(None);
        };
        record::play_script(&mut session, script, 0, None, None).map_err(|e| e.to_string())?;
        session.finish();
        let sha =
            dojo_core::compete::sha256_hex(record::log_text(&header, &session.log).as_bytes());
        store.stored_log(&trainee, &sha).map_err(|e| e.to_string())
    }

    /// Resumes an interrupted session from its log: replayed on the pack (refused when
    /// the content changed or the log does not replay), appended from where its last
    /// complete action ends. The history keeps the same session when it knows the log;
    /// a log it does not know is recorded for `trainee` if one is named.
    pub fn resume(
        pack: &Arc<Pack>,
        log_path: &Path,
        read: &ReadLog,
        store: Option<&Store>,
        trainee: Option<&str>,
        played_at: DateTime<Utc>,
    ) -> Result<(Run, Session, LogWriter), StartError> {
        let (session, writer) =
            record::resume(Arc::clone(pack), log_path, read).map_err(|e| e.to_string())?;
        let mut history_id = None;
        let mut own_log = false;
        if let Some(s) = store {
            match s.in_progress_for_log(log_path).map_err(|e| e.to_string())? {
                Some(found) => {
                    history_id = Some(found.id);
                    // A log the history made in its own folders goes once it is stored.
                    own_log = in_data_folder(s, log_path);
                }
                None => {
                    if let Some(name) = trainee {
                        history_id = Some(
                            s.begin_session(name, &read.header, log_path, played_at)
                                .map_err(|e| e.to_string())?,
                        );
                    }
                }
            }
        }
        let run = Run {
            header: read.header.clone(),
            log_path: Some(log_path.to_path_buf()),
            own_log,
            history_id,
        };
        Ok((run, session, writer))
    }

    /// Finishes the session: grades it from its log, writes the result to each of
    /// `outputs` (atomically; a competition entry's hand-in is one of them), stores it in
    /// the history in one transaction, and removes the log the runner made once the
    /// result is safe.
    pub fn finish(
        self,
        mut session: Session,
        writer: Option<LogWriter>,
        outputs: &[PathBuf],
        store: Option<&mut Store>,
        now: DateTime<Utc>,
    ) -> Finished {
        session.finish();
        // Close the log (and its lock) first: the history takes its text.
        drop(writer);
        let graded = GradedSession::of(&session, self.header.clone());
        let result = SessionResult::of(&session, self.header);
        let text = result.to_ron();
        let mut saved_to = Vec::new();
        let mut problems = Vec::new();
        for path in outputs {
            match record::write_atomic(path, &text) {
                Ok(()) => saved_to.push(path.clone()),
                Err(e) => problems.push(e.to_string()),
            }
        }
        let mut stored_as = None;
        let mut store_failed = false;
        if let (Some(id), Some(s)) = (self.history_id, store) {
            match s.finish_session(id, &graded, now) {
                Ok(()) => stored_as = Some(id),
                Err(e @ dojo_store::StoreError::Duplicate(_)) => {
                    // The same play stored meanwhile: this row is filed as abandoned, never
                    // left in progress (its log is copied into the history).
                    let filed = s.abandon(id, now).is_ok();
                    problems.push(if filed {
                        format!("{e} — this attempt (session {id}) is filed as abandoned")
                    } else {
                        e.to_string()
                    });
                }
                Err(e) => {
                    store_failed = true;
                    problems.push(format!(
                        "{e} — the session stays in progress with its log; `dojo history interrupted` shows it"
                    ));
                }
            }
        }
        let result_safe = !saved_to.is_empty() || stored_as.is_some();
        // A resumed `RESULT.log` (the log `dojo run --out RESULT` made) goes like any log
        // the runner made, once RESULT is written: no stray log refuses the next run.
        let temporary = self.log_path.as_deref().is_some_and(|log| {
            saved_to
                .iter()
                .any(|out| same_path(&record::temporary_log_of(out), log))
        });
        if (self.own_log || temporary)
            && result_safe
            && !store_failed
            && let Some(log) = &self.log_path
        {
            let _ = std::fs::remove_file(log);
        }
        Finished {
            session,
            result,
            grade: graded.grade,
            saved_to,
            stored_as,
            problems,
        }
    }
}

/// The session and its header for what is played (the trainee checked in the history):
/// what [`Run::start`] begins, and what [`Run::already_stored`] plays in memory.
fn prepare(
    pack: &Arc<Pack>,
    play: &Play,
    store: Option<&Store>,
) -> Result<(Session, LogHeader, bool), StartError> {
    Ok(match play {
        Play::Shift {
            shift,
            seed,
            trainee,
            team,
        } => {
            let trainee = match (trainee, store) {
                (Some(name), Some(s)) => Some(
                    s.require(name, Role::Trainee)
                        .map_err(|e| e.to_string())?
                        .name,
                ),
                (t, _) => t.clone(),
            };
            let session = Session::with_shift(Arc::clone(pack), (**shift).clone(), *seed)
                .map_err(|e| e.to_string())?;
            let mut header = LogHeader::for_session(&session, trainee, team.clone());
            if shift.rules.time_extensions_apply(false) {
                header.time_multiplier = extension(store, header.trainee.as_deref())?;
            }
            (session, header, false)
        }
        Play::Competition {
            competition,
            participant,
        } => {
            let session = competition
                .start_session(Arc::clone(pack), participant)
                .map_err(|e| e.to_string())?;
            let mut header = competition.header(&session, participant);
            // Only when the competition allows it, and for a trainee of this history.
            if competition.rules.time_extensions_apply(true) {
                header.time_multiplier = extension(store, Some(&participant.name))?;
            }
            (session, header, true)
        }
    })
}

/// The time extension a coach set for this trainee in the history, if any.
fn extension(store: Option<&Store>, trainee: Option<&str>) -> Result<Option<f64>, StartError> {
    match (store, trainee) {
        (Some(s), Some(name)) => Ok(s
            .time_multiplier(name)
            .map_err(|e| e.to_string())?
            .map(|t| t.multiplier)),
        _ => Ok(None),
    }
}

/// A log file name unique to this session: date, shift, seed and process.
fn log_name(header: &LogHeader, played_at: DateTime<Utc>) -> String {
    format!(
        "{}-{}-{}-{}.log",
        played_at.format("%Y%m%dT%H%M%SZ"),
        header.shift.id,
        header.seed,
        std::process::id()
    )
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// True when the log lies in one of the store's own folders (`logs/`, `sessions/`).
fn in_data_folder(store: &Store, log: &Path) -> bool {
    let Some(data) = std::path::absolute(store.path())
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return false;
    };
    std::path::absolute(log)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .is_some_and(|dir| dir == data.join("logs") || dir == data.join("sessions"))
}
