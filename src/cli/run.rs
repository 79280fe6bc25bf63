//! The headless session commands: `dojo run`, `dojo replay`, `dojo script`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::Cli;
use crate::cli::common::{fail, find_shift, load_pack, open_store, parse_date, replay_file};
use crate::runner::{LogPlace, Play, Run};
use dojo_core::agents::{self, Persona};
use dojo_core::compete::Competition;
use dojo_core::pack::Pack;
use dojo_core::sim::action::Script;
use dojo_core::sim::record::{self, LogWriter, SessionResult};
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
    /// Replace an existing result file.
    pub force: bool,
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

/// `dojo run`: plays a script through the session runner ([`crate::runner`]).
pub fn cmd_run(
    cli: &Cli,
    args: &RunArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    // Where the result goes is checked before anything is loaded or played.
    if let Some(path) = &args.out
        && let Err(e) = check_out(path, args.force)
    {
        return fail(err, e);
    }
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
            Ok(c) => Some(Arc::new(c)),
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
    let wall_start = crate::clock::now();
    let played_at = match args.at.as_deref().map(parse_date).transpose() {
        Ok(a) => a.unwrap_or(wall_start),
        Err(e) => return fail(err, e),
    };
    // A run with a trainee is stored in their history (unless --no-store): the history
    // opens, and the trainee is checked, before the first action. A resumed log the
    // history knows is finished there too.
    // A competition run is stored when the participant is a trainee of an existing
    // history (as the app stores it), so it syncs to a team server like any session;
    // otherwise it is played for its result file only.
    let wants_store = !args.no_store
        && (competition.is_none() || history_exists(cli))
        && (args.trainee.is_some() || (args.resume.is_some() && history_exists(cli)));
    let mut store = None;
    if wants_store {
        let Some(s) = open_store(cli, Some(&pack), err)? else {
            return Ok(1);
        };
        store = Some(s);
    }
    if competition.is_some()
        && let (Some(s), Some(name)) = (&store, &args.trainee)
        && !matches!(s.person(name), Ok(Some(p)) if p.role == dojo_core::history::Role::Trainee)
    {
        writeln!(
            err,
            "note: `{}` is not a trainee of this machine's history: the competition result is not stored there",
            dojo_core::escape::terminal(name)
        )?;
        store = None;
    }
    // The same script played again by the same trainee is the same log: refused now,
    // before the shift is played and before the history records anything.
    if args.resume.is_none()
        && let Some(s) = &store
    {
        match start_play(&pack, args, &script, competition.as_ref())
            .and_then(|play| Run::already_stored(&pack, &play, &script, s))
        {
            Ok(Some(id)) => {
                return fail(
                    err,
                    format!(
                        "this play is already stored (session {id}): the same script on the same shift and seed gives the same session; nothing was played or recorded"
                    ),
                );
            }
            Ok(None) => {}
            Err(e) => return fail(err, e),
        }
    }
    let started = match &args.resume {
        Some(log_path) => resume(
            &pack,
            args,
            competition.as_deref(),
            log_path,
            store.as_ref(),
            played_at,
            err,
        )?,
        None => start(
            &pack,
            args,
            &script,
            competition.as_ref(),
            store.as_ref(),
            played_at,
        ),
    };
    let (run, mut session, mut writer, skip) = match started {
        Ok(s) => s,
        Err(e) => return fail(err, e),
    };
    let pace = args.pace_ms.map(std::time::Duration::from_millis);
    if let Err(e) = record::play_script(&mut session, &script, skip, writer.as_mut(), pace) {
        return fail(err, e);
    }
    let stored_for = run.header.trainee.clone().unwrap_or_default();
    let extension = run.header.multiplier();
    let outputs: Vec<PathBuf> = args.out.iter().cloned().collect();
    let done = run.finish(
        session,
        writer,
        &outputs,
        store.as_mut(),
        // A back-dated run (`--at`) ends as long after its date as it took to play, not
        // at today's date (its duration, in reports and xAPI, is the play's own).
        played_at + (crate::clock::now() - wall_start),
    );
    write!(out, "{}", done.result.outcome_table())?;
    writeln!(out)?;
    write!(out, "{}", dojo_core::grading::report::to_text(&done.grade))?;
    for path in &done.saved_to {
        writeln!(out, "result written to {}", path.display())?;
    }
    if let Some(id) = done.stored_as {
        writeln!(out, "stored as session {id} in {stored_for}'s history")?;
        if extension > 1.0 {
            writeln!(
                out,
                "played with a time extension: time ×{extension} (recorded in the log and the coach's report)"
            )?;
        }
    }
    for problem in &done.problems {
        writeln!(err, "error: {problem}")?;
    }
    Ok(i32::from(!done.problems.is_empty()))
}

/// True when the data folder already holds a history.
fn history_exists(cli: &Cli) -> bool {
    dojo_store::data_dir(cli.data_dir.as_deref())
        .map(|d| d.join(dojo_store::DB_FILE))
        .is_ok_and(|p| p.exists())
}

type Started = (Run, Session, Option<LogWriter>, usize);

/// A new session of `dojo run`: the shift (or the competition's), the trainee, the log.
fn start(
    pack: &Arc<Pack>,
    args: &RunArgs,
    script: &Script,
    competition: Option<&Arc<Competition>>,
    store: Option<&dojo_store::Store>,
    played_at: chrono::DateTime<chrono::Utc>,
) -> Result<Started, String> {
    let play = start_play(pack, args, script, competition)?;
    // The log: named with --log; else next to --out (removed once the result is
    // written); else, for a stored run, in the data folder's logs/.
    let log = match (&args.log, &args.out, store) {
        (Some(path), _, _) => LogPlace::Named(path.clone()),
        (None, Some(o), _) => LogPlace::Temporary(record::temporary_log_of(o)),
        (None, None, Some(s)) => LogPlace::In(
            s.path()
                .parent()
                .map_or_else(|| PathBuf::from("logs"), |p| p.join("logs")),
        ),
        (None, None, None) => LogPlace::None,
    };
    let (run, session, writer) = Run::start(pack, &play, &log, store, played_at)?;
    Ok((run, session, writer, 0))
}

/// `--out RESULT` checked before the shift starts: not a folder, its folder exists, and
/// not an existing file unless `--force`.
pub fn check_out(path: &Path, force: bool) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "--out {}: is a folder; name the result file to write, e.g. --out {}",
            path.display(),
            path.join("result.ron").display()
        ));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(format!(
            "--out {}: no folder {} to write it in",
            path.display(),
            parent.display()
        ));
    }
    if path.symlink_metadata().is_ok() && !force {
        return Err(format!(
            "--out {}: the file already exists and is never overwritten; pass --force to replace it, or choose another name",
            path.display()
        ));
    }
    Ok(())
}

/// What `dojo run` plays: the competition's entry, or the shift with the seed.
fn start_play(
    pack: &Arc<Pack>,
    args: &RunArgs,
    script: &Script,
    competition: Option<&Arc<Competition>>,
) -> Result<Play, String> {
    Ok(match competition {
        Some(c) => {
            let name = args
                .trainee
                .as_deref()
                .ok_or("a competition run needs --trainee NAME")?;
            let participant = c
                .participant(name, args.team.as_deref())
                .map_err(|e| e.to_string())?;
            Play::Competition {
                competition: Arc::clone(c),
                participant,
            }
        }
        None => {
            let key = args
                .shift
                .as_deref()
                .or(script.shift.as_deref())
                .ok_or("name the shift with --shift")?;
            Play::Shift {
                shift: Box::new(find_shift(pack, key)?),
                seed: args.seed,
                trainee: args.trainee.clone(),
                team: args.team.clone(),
            }
        }
    })
}

/// `dojo run --resume LOG` (and `dojo history resume`): the logged actions replayed,
/// the script continuing after them.
fn resume(
    pack: &Arc<Pack>,
    args: &RunArgs,
    competition: Option<&Competition>,
    log_path: &Path,
    store: Option<&dojo_store::Store>,
    played_at: chrono::DateTime<chrono::Utc>,
    err: &mut dyn Write,
) -> std::io::Result<Result<Started, String>> {
    let read = match record::read_log(log_path) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if let Some(key) = &args.shift
        && *key != read.header.shift.id
    {
        return Ok(Err(format!(
            "the log is of shift `{}`, not `{key}`",
            read.header.shift.id
        )));
    }
    if let Some(c) = competition
        && read.header.competition.as_ref().map(|s| s.hash.as_str()) != Some(c.content_hash())
    {
        return Ok(Err(
            "the log was not played under this competition file (its competition stamp differs)"
                .into(),
        ));
    }
    let trainee = match (&args.trainee, store) {
        (Some(name), Some(s)) => match s.require(name, dojo_core::history::Role::Trainee) {
            Ok(p) => Some(p.name),
            Err(e) => return Ok(Err(e.to_string())),
        },
        _ => None,
    };
    let (run, session, writer) =
        match Run::resume(pack, log_path, &read, store, trainee.as_deref(), played_at) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
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
    Ok(Ok((run, session, Some(writer), read.entries.len())))
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
