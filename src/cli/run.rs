//! The headless session commands: `dojo run`, `dojo replay`, `dojo script`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::Cli;
use crate::cli::common::{fail, find_shift, load_pack, replay_file};
use dojo_core::agents::{self, Persona};
use dojo_core::compete::Competition;
use dojo_core::sim::action::Script;
use dojo_core::sim::record::{self, LogHeader, LogWriter, SessionResult};
use dojo_core::sim::session::Session;

/// Arguments of `dojo run`.
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// Shift id or file.
    pub shift: Option<String>,
    /// Script file.
    pub actions: PathBuf,
    /// Seed.
    pub seed: u64,
    /// Result file.
    pub out: Option<PathBuf>,
    /// Log file.
    pub log: Option<PathBuf>,
    /// Log to resume.
    pub resume: Option<PathBuf>,
    /// Trainee name.
    pub trainee: Option<String>,
    /// Team name.
    pub team: Option<String>,
    /// Competition file to play under.
    pub competition: Option<PathBuf>,
    /// Pacing between actions.
    pub pace_ms: Option<u64>,
    /// Do not store the session in the history even with a trainee.
    pub no_store: bool,
    /// The date the session is stored with (default: now).
    pub at: Option<String>,
}

/// Where a run is being stored: the open history and the in-progress session.
struct Storing {
    store: dojo_store::Store,
    id: i64,
    trainee: String,
    /// The log was made in the data folder for this run: removed once stored.
    own_log: Option<PathBuf>,
}

/// `dojo run`.
pub fn cmd_run(
    cli: &Cli,
    args: &RunArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let pack = Arc::new(pack);
    let script = match Script::read(&args.actions) {
        Ok(s) => s,
        Err(e) => return fail(err, e),
    };
    let competition = match &args.competition {
        Some(path) => match Competition::read(path, Some(&pack)) {
            Ok(c) => Some(c),
            Err(problems) => {
                for d in problems {
                    writeln!(err, "{d}")?;
                }
                return Ok(1);
            }
        },
        None => None,
    };
    if let (Some(c), Some(s)) = (&competition, &script.shift)
        && *s != c.shift
    {
        writeln!(
            err,
            "warning: the script was written for shift `{s}`; the competition plays `{}`",
            c.shift
        )?;
    }
    let played_at = match args
        .at
        .as_deref()
        .map(crate::cli::common::parse_date)
        .transpose()
    {
        Ok(a) => a.unwrap_or_else(crate::clock::now),
        Err(e) => return fail(err, e),
    };
    // A run with a trainee is stored in their history (unless --no-store): the history
    // opens, and the trainee is checked, before the first action.
    let mut storing: Option<Storing> = None;
    let mut store = None;
    let mut trainee = args.trainee.clone();
    if args.trainee.is_some() && !args.no_store && competition.is_none() {
        let Some(s) = crate::cli::common::open_store(cli, Some(&pack), err)? else {
            return Ok(1);
        };
        match s.require(
            args.trainee.as_deref().unwrap_or_default(),
            dojo_core::history::Role::Trainee,
        ) {
            Ok(p) => trainee = Some(p.name),
            Err(e) => return fail(err, e),
        }
        store = Some(s);
    }
    let (mut session, header, mut writer, skip) = if let Some(log_path) = &args.resume {
        let read = match record::read_log(log_path) {
            Ok(r) => r,
            Err(e) => return fail(err, e),
        };
        if let Some(key) = &args.shift
            && *key != read.header.shift.id
        {
            return fail(
                err,
                format!(
                    "the log is of shift `{}`, not `{key}`",
                    read.header.shift.id
                ),
            );
        }
        if let Some(c) = &competition
            && read.header.competition.as_ref().map(|s| s.hash.as_str()) != Some(c.content_hash())
        {
            return fail(
                err,
                "the log was not played under this competition file (its competition stamp differs)",
            );
        }
        let (resumed, writer) = match record::resume(Arc::clone(&pack), log_path, &read) {
            Ok(r) => r,
            Err(e) => return fail(err, e),
        };
        writeln!(
            err,
            "resuming {} from {} logged action(s){}",
            read.header.shift.id,
            read.entries.len(),
            if read.torn_tail {
                " (a torn last line was dropped)"
            } else {
                ""
            }
        )?;
        (
            resumed,
            read.header,
            Some((writer, log_path.clone())),
            read.entries.len(),
        )
    } else {
        let (session, header) = if let Some(c) = &competition {
            let Some(name) = args.trainee.as_deref() else {
                return fail(err, "a competition run needs --trainee NAME");
            };
            let participant = match c.participant(name, args.team.as_deref()) {
                Ok(p) => p,
                Err(e) => return fail(err, e),
            };
            let session = match c.start_session(Arc::clone(&pack)) {
                Ok(s) => s,
                Err(e) => return fail(err, e),
            };
            let header = c.header(&session, &participant);
            (session, header)
        } else {
            let Some(key) = args.shift.as_deref().or(script.shift.as_deref()) else {
                return fail(err, "name the shift with --shift");
            };
            let shift = match find_shift(&pack, key) {
                Ok(s) => s,
                Err(e) => return fail(err, e),
            };
            let session = match Session::with_shift(Arc::clone(&pack), shift, args.seed) {
                Ok(s) => s,
                Err(e) => return fail(err, e),
            };
            let header = LogHeader::for_session(&session, trainee.clone(), args.team.clone());
            (session, header)
        };
        let mut own_log = None;
        let log_path = args
            .log
            .clone()
            .or_else(|| {
                args.out
                    .as_ref()
                    .map(|o| PathBuf::from(format!("{}.log", o.display())))
            })
            .or_else(|| {
                // Stored runs always keep a log, in the data folder unless named.
                store.as_ref().map(|s| {
                    let dir = s
                        .path()
                        .parent()
                        .map_or_else(|| PathBuf::from("logs"), |p| p.join("logs"));
                    let path = dir.join(format!(
                        "{}-{}-{}.log",
                        played_at.format("%Y%m%dT%H%M%SZ"),
                        header.shift.id,
                        std::process::id()
                    ));
                    own_log = Some(path.clone());
                    path
                })
            });
        if let Some(dir) = own_log.as_ref().and_then(|p| p.parent())
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            return fail(err, format!("{}: {e}", dir.display()));
        }
        let writer = match &log_path {
            Some(path) if path.exists() => {
                return fail(
                    err,
                    format!(
                        "a log already exists at {}: resume it with --resume {0}, or move it away",
                        path.display()
                    ),
                );
            }
            Some(path) => match LogWriter::create(path, &header) {
                Ok(w) => Some((w, path.clone())),
                Err(e) => return fail(err, e),
            },
            None => None,
        };
        if let (Some(s), Some(name), Some((_, path))) = (store.take(), &trainee, &writer) {
            match s.begin_session(name, &header, path, played_at) {
                Ok(id) => {
                    storing = Some(Storing {
                        store: s,
                        id,
                        trainee: name.clone(),
                        own_log,
                    })
                }
                Err(e) => return fail(err, e),
            }
        }
        (session, header, writer, 0)
    };
    // A resumed log registered as in progress is finished in the history.
    if let Some(log_path) = &args.resume
        && !args.no_store
    {
        let known = match store.take() {
            Some(s) => Some(s),
            None => {
                let db = dojo_store::data_dir(cli.data_dir.as_deref())
                    .map(|d| d.join(dojo_store::DB_FILE))
                    .ok()
                    .filter(|p| p.exists());
                match db {
                    Some(_) => match crate::cli::common::open_store(cli, Some(&pack), err)? {
                        Some(s) => Some(s),
                        None => return Ok(1),
                    },
                    None => None,
                }
            }
        };
        if let Some(s) = known {
            match s.in_progress_for_log(log_path) {
                Ok(Some(found)) => {
                    // A log the history made in its own folder goes once it is stored.
                    let logs = std::path::absolute(s.path())
                        .ok()
                        .and_then(|p| p.parent().map(|d| d.join("logs")));
                    let own_log = std::path::absolute(log_path)
                        .ok()
                        .filter(|p| logs.is_some() && p.parent() == logs.as_deref());
                    storing = Some(Storing {
                        id: found.id,
                        trainee: found.trainee,
                        own_log,
                        store: s,
                    })
                }
                Ok(None) => {
                    if let Some(name) = &trainee {
                        match s.begin_session(name, &header, log_path, played_at) {
                            Ok(id) => {
                                storing = Some(Storing {
                                    store: s,
                                    id,
                                    trainee: name.clone(),
                                    own_log: None,
                                })
                            }
                            Err(e) => return fail(err, e),
                        }
                    }
                }
                Err(e) => return fail(err, e),
            }
        }
    }

    let pace = args.pace_ms.map(std::time::Duration::from_millis);
    if let Err(e) = record::play_script(
        &mut session,
        &script,
        skip,
        writer.as_mut().map(|(w, _)| w),
        pace,
    ) {
        return fail(err, e);
    }
    session.finish();
    let graded = dojo_core::history::GradedSession::of(&session, header.clone());
    let result = SessionResult::of(&session, header);
    write!(out, "{}", result.outcome_table())?;
    writeln!(out)?;
    write!(
        out,
        "{}",
        dojo_core::grading::report::to_text(&graded.grade)
    )?;
    if let Some(path) = &args.out {
        if let Err(e) = record::write_atomic(path, &result.to_ron()) {
            return fail(err, e);
        }
        writeln!(out, "result written to {}", path.display())?;
        // The result holds the whole log: the journal of this run is no longer needed,
        // unless the user asked for it by name.
        if let Some((_, log_path)) = &writer
            && args.log.is_none()
            && args.resume.is_none()
        {
            let _ = std::fs::remove_file(log_path);
        }
    }
    if let Some(mut st) = storing {
        // Close the log (and its lock) first: the history takes its text.
        drop(writer);
        match st.store.finish_session(st.id, &graded, crate::clock::now()) {
            Ok(()) => {
                writeln!(
                    out,
                    "stored as session {} in {}'s history",
                    st.id, st.trainee
                )?;
                if let Some(own) = st.own_log.take() {
                    let _ = std::fs::remove_file(own);
                }
            }
            Err(e) => {
                return fail(
                    err,
                    format!(
                        "{e} — the session stays in progress with its log; `dojo history interrupted` shows it"
                    ),
                );
            }
        }
    }
    Ok(0)
}

/// `dojo replay`.
pub fn cmd_replay(
    cli: &Cli,
    file: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some((recorded, replayed)) = replay_file(cli, file, err)? else {
        return Ok(1);
    };
    let session = match replayed {
        Ok(s) => s,
        Err(d) => {
            writeln!(out, "does NOT reproduce: {}", d.message)?;
            return Ok(1);
        }
    };
    let (header, entries, original) = (recorded.header, recorded.entries, recorded.result_text);
    let replayed = SessionResult::of(&session, header);
    write!(out, "{}", replayed.outcome_table())?;
    match original {
        Some(text) if text == replayed.to_ron() => {
            writeln!(
                out,
                "reproduces: {} action(s) replayed, the result is byte-identical",
                entries.len()
            )?;
            Ok(0)
        }
        Some(_) => {
            writeln!(
                out,
                "does NOT reproduce: every action replays, but the result differs from the file (edited outcomes?)"
            )?;
            Ok(1)
        }
        None => {
            writeln!(
                out,
                "reproduces: {} logged action(s) replay with the same outcomes",
                entries.len()
            )?;
            Ok(0)
        }
    }
}

/// `dojo script`.
pub fn cmd_script(
    cli: &Cli,
    shift: &str,
    persona: Persona,
    seed: u64,
    path: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let shift = match find_shift(&pack, shift) {
        Ok(s) => s,
        Err(e) => return fail(err, e),
    };
    let script = match agents::play(Arc::new(pack), &shift, seed, persona) {
        Ok(s) => s,
        Err(e) => return fail(err, e),
    };
    let text = script.to_ron();
    match path {
        Some(p) => {
            if let Err(e) = record::write_atomic(p, &text) {
                return fail(err, e);
            }
            writeln!(
                out,
                "{} action(s) written to {}",
                script.actions.len(),
                p.display()
            )?;
        }
        None => write!(out, "{text}")?,
    }
    Ok(0)
}
