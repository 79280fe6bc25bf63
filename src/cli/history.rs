//! The history commands: people (`dojo trainee`, `dojo coach`), stored sessions
//! (`dojo history`), onboarding progress, the coach's report, overrides and drills.
//!
//! The wall clock is read here, once per command ([`now`]), and only to date what is
//! stored; the simulation never sees it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};

use crate::cli::Cli;
use crate::cli::common::{curriculum_of, fail, load_pack, open_store, parse_date};
use dojo_core::curriculum::{self, ModuleState};
use dojo_core::history::{GradedSession, Role, SessionQuery};
use dojo_core::report::{self, ReportOptions};
use dojo_core::sim::record;
use dojo_store::{Store, StoreError};

use crate::clock::now;

/// `dojo trainee …` and `dojo coach …`.
#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Add a person (optionally in a team, created if new).
    Add {
        /// Name (unique, case-insensitive).
        name: String,
        /// Team.
        #[arg(long)]
        team: Option<String>,
    },
    /// Move a person to a team (or out of any with no --team).
    Team {
        /// Name.
        name: String,
        /// Team.
        #[arg(long)]
        team: Option<String>,
    },
    /// List them.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::cli::Format::Text)]
        format: crate::cli::Format,
    },
    /// Show or change a trainee's keyboard shortcuts in the trainer (WCAG 2.1.4): turn
    /// single-key shortcuts off (speech input types letters), or put a shortcut on
    /// another key, e.g. `--bind resolve=Ctrl+R`.
    Keys {
        /// The trainee.
        name: String,
        /// Single-character shortcuts (letters, digits, Space) on or off.
        #[arg(long, value_parser = ["on", "off"])]
        single_keys: Option<String>,
        /// SHORTCUT=KEY (repeatable): e.g. `escalate=F2`, `resolve=Ctrl+R`.
        #[arg(long = "bind", value_name = "SHORTCUT=KEY")]
        bind: Vec<String>,
        /// Back to the default keys (single keys on).
        #[arg(long)]
        reset: bool,
    },
    /// Give a trainee a time extension (WCAG 2.2.1), as their coach: the clock runs this
    /// many times slower for them and every allowance is that much longer, in onboarding,
    /// practice and coaching, and in competitions that allow it. `--time 1` removes it.
    Accommodate {
        /// The trainee.
        name: String,
        /// The multiplier: 1, or one the policy allows (`clock.time_multipliers`, e.g.
        /// 1.25, 1.5, 2).
        #[arg(long)]
        time: f64,
        /// The coach setting it (a coach of this history).
        #[arg(long)]
        coach: String,
    },
}

/// Output format of `dojo history show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Text.
    Text,
    /// Markdown.
    Md,
    /// JSON.
    Json,
}

/// `dojo history …`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Store result or log files (from `dojo run --out`) for a trainee; each file is
    /// re-simulated and graded, then committed on its own.
    Import {
        /// Result or log files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Who played (default: the trainee named in the file).
        #[arg(long)]
        trainee: Option<String>,
        /// When it was played (YYYY-MM-DD or RFC 3339; default: now).
        #[arg(long)]
        at: Option<String>,
        /// Real milliseconds to wait inside each save's transaction (to test a kill).
        #[arg(long, hide = true)]
        pace_ms: Option<u64>,
    },
    /// List stored sessions.
    List {
        /// One trainee.
        #[arg(long)]
        trainee: Option<String>,
        /// From this date on.
        #[arg(long)]
        since: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::cli::Format::Text)]
        format: crate::cli::Format,
    },
    /// Show a stored session's grade (as computed when it was stored) and its overrides.
    Show {
        /// Session id.
        id: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Write a stored session's log (replayable with `dojo replay` and `dojo grade`).
    Log {
        /// Session id.
        id: i64,
        /// File to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sessions left in progress by a crash or a kill.
    Interrupted {
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::cli::Format::Text)]
        format: crate::cli::Format,
    },
    /// Resume an interrupted session: replay its log, go on with the script, store it.
    Resume {
        /// Session id.
        id: i64,
        /// The action script (it continues after the logged actions).
        #[arg(long, value_name = "SCRIPT")]
        actions: PathBuf,
        /// Also write the result here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// File an interrupted session as abandoned (its log, if it still has one, is kept in
    /// the history).
    Abandon {
        /// Session id.
        id: i64,
    },
}

/// Output format of `dojo report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page with SVG charts.
    Html,
    /// Markdown.
    Md,
    /// CSV, one row per session.
    Csv,
    /// JSON.
    Json,
}

macro_rules! try_store {
    ($err:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return fail($err, e),
        }
    };
}

/// `dojo trainee …` / `dojo coach …`.
pub fn cmd_people(
    cli: &Cli,
    role: Role,
    command: &PeopleCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    if let PeopleCommand::Keys {
        name,
        single_keys,
        bind,
        reset,
    } = command
    {
        let Some(store) = open_store(cli, None, err)? else {
            return Ok(1);
        };
        let person = try_store!(err, store.require(name, role));
        let mut map = if *reset {
            crate::keymap::KeyMap::default()
        } else {
            crate::keymap::KeyMap::from_setting(
                try_store!(
                    err,
                    store.person_setting(&person.name, crate::keymap::SETTING)
                )
                .as_deref(),
            )
        };
        if let Some(v) = single_keys {
            map.single_keys = v == "on";
        }
        for b in bind {
            let Some((id, key)) = b.split_once('=') else {
                writeln!(
                    err,
                    "error: --bind `{b}`: write it SHORTCUT=KEY, e.g. resolve=Ctrl+R"
                )?;
                return Ok(2);
            };
            if let Err(e) = map.bind(id.trim(), key.trim()) {
                writeln!(err, "error: --bind `{b}`: {e}")?;
                return Ok(2);
            }
        }
        if *reset || single_keys.is_some() || !bind.is_empty() {
            try_store!(
                err,
                store.set_person_setting(&person.name, crate::keymap::SETTING, &map.to_setting())
            );
        }
        writeln!(
            out,
            "{}'s shortcuts (single-key shortcuts {}):",
            person.name,
            if map.single_keys { "on" } else { "off" }
        )?;
        for (key, id, what) in map.list() {
            writeln!(out, "  {key:<16} {id:<14} {what}")?;
        }
        return Ok(0);
    }
    if let PeopleCommand::Accommodate { name, time, coach } = command {
        if role != Role::Trainee {
            writeln!(
                err,
                "error: time extensions are for trainees: `dojo trainee accommodate`"
            )?;
            return Ok(2);
        }
        let Some(pack) = load_pack(cli, err)? else {
            return Ok(1);
        };
        let rules = &pack.policy.clock;
        if !rules.allows_multiplier(*time) {
            let allowed: Vec<String> = rules
                .time_multipliers
                .iter()
                .map(|m| format!("{m}"))
                .collect();
            writeln!(
                err,
                "error: --time {time} is not a time extension the policy allows: use 1 (none) or {}",
                allowed.join(", ")
            )?;
            return Ok(2);
        }
        let Some(store) = open_store(cli, Some(&pack), err)? else {
            return Ok(1);
        };
        let t = try_store!(err, store.set_time_multiplier(name, *time, coach, now()));
        let person = try_store!(err, store.require(name, Role::Trainee));
        if t.multiplier > 1.0 {
            writeln!(
                out,
                "`{}` plays with time ×{} (set by {}): the clock runs {} times slower and every allowance is {} times longer",
                person.name, t.multiplier, t.set_by, t.multiplier, t.multiplier
            )?;
        } else {
            writeln!(out, "`{}` plays without a time extension", person.name)?;
        }
        return Ok(0);
    }
    let Some(store) = open_store(cli, None, err)? else {
        return Ok(1);
    };
    match command {
        PeopleCommand::Accommodate { .. } | PeopleCommand::Keys { .. } => {}
        PeopleCommand::Add { name, team } => {
            let p = try_store!(err, store.add_person(name, role, team.as_deref(), now()));
            writeln!(
                out,
                "added {} `{}`{}",
                p.role,
                p.name,
                p.team
                    .map(|t| format!(" in team `{t}`"))
                    .unwrap_or_default()
            )?;
        }
        PeopleCommand::Team { name, team } => {
            let p = try_store!(err, store.set_team(name, team.as_deref(), now()));
            writeln!(
                out,
                "`{}` is now {}",
                p.name,
                p.team
                    .map(|t| format!("in team `{t}`"))
                    .unwrap_or_else(|| "in no team".into())
            )?;
        }
        PeopleCommand::List { format } => {
            let people = try_store!(err, store.people(Some(role)));
            match format {
                crate::cli::Format::Json => {
                    let mut list = Vec::new();
                    for p in &people {
                        let mut v = serde_json::to_value(p).unwrap_or_default();
                        if let Some(t) = try_store!(err, store.time_multiplier(&p.name)) {
                            v["time_multiplier"] = serde_json::json!(t.multiplier);
                            v["time_multiplier_set_by"] = serde_json::json!(t.set_by);
                        }
                        list.push(v);
                    }
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string_pretty(&list).unwrap_or_default()
                    )?
                }
                crate::cli::Format::Text => {
                    for p in &people {
                        let extension = try_store!(err, store.time_multiplier(&p.name))
                            .map(|t| format!("  time ×{} (by {})", t.multiplier, t.set_by))
                            .unwrap_or_default();
                        writeln!(
                            out,
                            "{:<28} {:<20} added {}{extension}",
                            p.name,
                            p.team.as_deref().unwrap_or("-"),
                            p.created_at.format("%Y-%m-%d")
                        )?;
                    }
                    writeln!(out, "{} {}(s)", people.len(), role)?;
                }
            }
        }
    }
    Ok(0)
}

/// `dojo history …`.
pub fn cmd_history(
    cli: &Cli,
    command: &HistoryCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    match command {
        HistoryCommand::Import {
            files,
            trainee,
            at,
            pace_ms,
        } => import(
            cli,
            files,
            trainee.as_deref(),
            at.as_deref(),
            *pace_ms,
            out,
            err,
        ),
        HistoryCommand::Resume {
            id,
            actions,
            out: result,
        } => {
            let Some(store) = open_store(cli, None, err)? else {
                return Ok(1);
            };
            let interrupted = try_store!(err, store.interrupted());
            let Some(s) = interrupted.into_iter().find(|s| s.id == *id) else {
                return fail(
                    err,
                    format!(
                        "session {id} is not an interrupted session (`dojo history interrupted` lists them)"
                    ),
                );
            };
            drop(store);
            crate::cli::run::cmd_run(
                cli,
                &crate::cli::run::RunArgs {
                    shift: None,
                    actions: actions.clone(),
                    seed: 0,
                    out: result.clone(),
                    force: false,
                    log: None,
                    resume: Some(s.log_path),
                    trainee: None,
                    team: None,
                    pace_ms: None,
                    no_store: false,
                    at: None,
                    competition: None,
                },
                out,
                err,
            )
        }
        _ => {
            let Some(store) = open_store(cli, None, err)? else {
                return Ok(1);
            };
            history_read(&store, command, out, err)
        }
    }
}

fn history_read(
    store: &Store,
    command: &HistoryCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    match command {
        HistoryCommand::List {
            trainee,
            since,
            format,
        } => {
            let since = match since.as_deref().map(parse_date).transpose() {
                Ok(s) => s,
                Err(e) => return fail(err, e),
            };
            if let Some(t) = trainee {
                try_store!(err, store.require(t, Role::Trainee));
            }
            let sessions = try_store!(
                err,
                store.sessions(&SessionQuery {
                    trainee: trainee.clone(),
                    since,
                    ..SessionQuery::default()
                })
            );
            match format {
                crate::cli::Format::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&sessions).unwrap_or_default()
                )?,
                crate::cli::Format::Text => {
                    writeln!(
                        out,
                        "{:>5}  {:<17} {:<20} {:<30} {:<12} {:>5} {:>5}  flags",
                        "id", "played", "trainee", "shift", "state", "score", "auto"
                    )?;
                    for s in &sessions {
                        writeln!(
                            out,
                            "{:>5}  {:<17} {:<20} {:<30} {:<12} {:>5} {:>5}  {}",
                            s.id,
                            s.played_at.format("%Y-%m-%d %H:%M"),
                            s.trainee,
                            s.shift,
                            format!("{:?}", s.state),
                            s.effective_score
                                .map(|v| v.to_string())
                                .unwrap_or("-".into()),
                            s.score.map(|v| v.to_string()).unwrap_or("-".into()),
                            s.flags
                                .iter()
                                .map(|f| f.flag.label())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )?;
                    }
                    writeln!(out, "{} session(s)", sessions.len())?;
                }
            }
            Ok(0)
        }
        HistoryCommand::Show { id, format } => {
            let summary = try_store!(err, store.session(*id));
            let Some(grade) = try_store!(err, store.session_grade(*id)) else {
                return fail(
                    err,
                    format!("session {id} is {:?}: it has no grade", summary.state),
                );
            };
            let overrides: Vec<_> = try_store!(err, store.overrides(Some(&summary.trainee)))
                .into_iter()
                .filter(|o| o.session == *id)
                .collect();
            match format {
                ShowFormat::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "session": summary, "grade": grade, "overrides": overrides
                    }))
                    .unwrap_or_default()
                )?,
                ShowFormat::Text | ShowFormat::Md => {
                    writeln!(
                        out,
                        "Session {} — {} played {} on {}",
                        summary.id,
                        summary.trainee,
                        summary.shift,
                        summary.played_at.format("%Y-%m-%d %H:%M")
                    )?;
                    let text = if *format == ShowFormat::Md {
                        dojo_core::grading::report::to_markdown(&grade)
                    } else {
                        dojo_core::grading::report::to_text(&grade)
                    };
                    write!(out, "{text}")?;
                    if !overrides.is_empty() {
                        writeln!(out, "\nCoach overrides (the automatic grade is above):")?;
                        for o in &overrides {
                            writeln!(
                                out,
                                "  ticket {}: automatic {} · {} → {} by {} on {}: {}",
                                o.ticket,
                                o.automatic_score,
                                o.old_score,
                                o.new_score,
                                o.coach,
                                o.at.format("%Y-%m-%d %H:%M"),
                                o.reason
                            )?;
                        }
                        writeln!(
                            out,
                            "Session score after overrides: {}",
                            summary.effective_score.unwrap_or(0)
                        )?;
                    }
                }
            }
            Ok(0)
        }
        HistoryCommand::Log { id, out: path } => {
            let Some(text) = try_store!(err, store.session_log(*id)) else {
                return fail(
                    err,
                    format!("session {id} has no stored log yet (in progress)"),
                );
            };
            match path {
                Some(p) => {
                    try_store!(err, record::write_atomic(p, &text));
                    writeln!(out, "log of session {id} written to {}", p.display())?;
                }
                None => write!(out, "{text}")?,
            }
            Ok(0)
        }
        HistoryCommand::Interrupted { format } => {
            let list = try_store!(err, store.interrupted());
            match format {
                crate::cli::Format::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                )?,
                crate::cli::Format::Text => {
                    for s in &list {
                        writeln!(
                            out,
                            "session {}: {} on {}, started {}, {} — resume: dojo history resume {} --actions SCRIPT · or file it: dojo history abandon {}",
                            s.id,
                            s.trainee,
                            s.shift,
                            s.started_at.format("%Y-%m-%d %H:%M"),
                            match s.actions_logged {
                                Some(n) => format!("{n} action(s) in {}", s.log_path.display()),
                                None =>
                                    format!("log missing or unreadable: {}", s.log_path.display()),
                            },
                            s.id,
                            s.id
                        )?;
                    }
                    writeln!(out, "{} interrupted session(s)", list.len())?;
                }
            }
            Ok(0)
        }
        HistoryCommand::Abandon { id } => {
            try_store!(err, store.abandon(*id, now()));
            // Say what is true: a session whose log file was gone has no log to keep.
            if matches!(store.session_log(*id), Ok(Some(_))) {
                writeln!(
                    out,
                    "session {id} filed as abandoned; its log is kept in the history (`dojo history log {id}`)"
                )?;
            } else {
                writeln!(
                    out,
                    "session {id} filed as abandoned; it has no log to keep (its log file was missing or unreadable), so nothing of its play is stored"
                )?;
            }
            Ok(0)
        }
        HistoryCommand::Import { .. } | HistoryCommand::Resume { .. } => Ok(1),
    }
}

fn import(
    cli: &Cli,
    files: &[PathBuf],
    trainee: Option<&str>,
    at: Option<&str>,
    pace_ms: Option<u64>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let at = match at.map(parse_date).transpose() {
        Ok(a) => a.unwrap_or_else(now),
        Err(e) => return fail(err, e),
    };
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let Some(mut store) = open_store(cli, Some(&pack), err)? else {
        return Ok(1);
    };
    let pack = Arc::new(pack);
    let mut failed = 0;
    for file in files {
        let graded = record::read_recorded(file)
            .and_then(|r| GradedSession::from_recorded(Arc::clone(&pack), &r));
        let graded = match graded {
            Ok(g) => g,
            Err(e) => {
                writeln!(err, "error: {}: {e}", file.display())?;
                failed += 1;
                continue;
            }
        };
        let Some(who) = trainee
            .map(str::to_string)
            .or_else(|| graded.header.trainee.clone())
        else {
            writeln!(
                err,
                "error: {}: the file names no trainee: say who played with --trainee NAME",
                file.display()
            )?;
            failed += 1;
            continue;
        };
        let result = match pace_ms.map(std::time::Duration::from_millis) {
            Some(d) => {
                // Test hook: say so (on the process's stdout) once the rows are written
                // and the transaction is still open, then wait there.
                let label = file.display().to_string();
                let wait = move || {
                    let mut so = std::io::stdout().lock();
                    let _ = writeln!(so, "in transaction: {label}");
                    let _ = so.flush();
                    std::thread::sleep(d);
                };
                store.record_session_paced(&who, &graded, at, Some(&wait))
            }
            None => store.record_session(&who, &graded, at),
        };
        match result {
            Ok(id) => {
                writeln!(
                    out,
                    "stored {} as session {id}: {} on {}, score {}",
                    file.display(),
                    who,
                    graded.header.shift.id,
                    graded.grade.score
                )?;
                out.flush()?;
            }
            Err(StoreError::Duplicate(id)) => {
                writeln!(out, "{} is already stored as session {id}", file.display())?;
            }
            Err(e) => {
                writeln!(err, "error: {}: {e}", file.display())?;
                failed += 1;
                if matches!(
                    e,
                    StoreError::Sql { .. }
                        | StoreError::Io { .. }
                        | StoreError::Damaged { .. }
                        | StoreError::Busy { .. }
                        | StoreError::ReadOnly { .. }
                        | StoreError::Inaccessible { .. }
                ) {
                    break;
                }
            }
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// `dojo progress`.
pub fn cmd_progress(
    cli: &Cli,
    trainee: &str,
    format: crate::cli::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let Some(c) = curriculum_of(&pack) else {
        return fail(err, "the pack has no curriculum");
    };
    let Some(store) = open_store(cli, Some(&pack), err)? else {
        return Ok(1);
    };
    let person = try_store!(err, store.require(trainee, Role::Trainee));
    let progress = try_store!(err, store.progress(&person.name, c));
    match format {
        crate::cli::Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&progress).unwrap_or_default()
        )?,
        crate::cli::Format::Text => {
            writeln!(out, "{} — {}", c.title, person.name)?;
            for m in &progress {
                writeln!(
                    out,
                    "{}. {:<9} {:<36} pass {:>3}  best {:>3}  attempts {}{}",
                    m.position,
                    match m.state {
                        ModuleState::Passed => "passed",
                        ModuleState::Unlocked => "unlocked",
                        ModuleState::Locked => "locked",
                    },
                    m.module.title,
                    m.module.pass_mark,
                    m.best_score.map(|v| v.to_string()).unwrap_or("-".into()),
                    m.attempts,
                    m.passed_by
                        .map(|s| format!("  (session {s})"))
                        .unwrap_or_default()
                )?;
            }
            match curriculum::next_module(&progress) {
                Some(m) => writeln!(
                    out,
                    "next: module {} — play shift `{}`",
                    m.position, m.module.shift
                )?,
                None => writeln!(out, "onboarding complete")?,
            }
        }
    }
    Ok(0)
}

/// `dojo report`.
pub fn cmd_report(
    cli: &Cli,
    trainee: &str,
    since: Option<&str>,
    format: ReportFormat,
    path: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let since = match since.map(parse_date).transpose() {
        Ok(s) => s,
        Err(e) => return fail(err, e),
    };
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let Some(store) = open_store(cli, Some(&pack), err)? else {
        return Ok(1);
    };
    let options = ReportOptions {
        since,
        ..ReportOptions::for_pack(&pack, now())
    };
    let r = try_store!(err, dojo_store::trainer_report(&store, trainee, &options));
    let text = match format {
        ReportFormat::Html => report::to_html(&r),
        ReportFormat::Md => report::render::to_markdown(&r),
        ReportFormat::Csv => report::render::to_csv(&r),
        ReportFormat::Json => report::render::to_json(&r),
    };
    match path {
        Some(p) => {
            try_store!(err, record::write_atomic(p, &text));
            writeln!(
                out,
                "report on {} ({} session(s)) written to {}",
                r.trainee,
                r.sessions.len(),
                p.display()
            )?;
        }
        None => write!(out, "{text}")?,
    }
    Ok(0)
}

/// `dojo override`.
#[allow(clippy::too_many_arguments)]
pub fn cmd_override(
    cli: &Cli,
    session: i64,
    ticket: u32,
    score: u32,
    coach: &str,
    reason: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let Some(mut store) = open_store(cli, Some(&pack), err)? else {
        return Ok(1);
    };
    let o = try_store!(
        err,
        store.override_ticket(session, ticket, score, coach, reason, now())
    );
    let s = try_store!(err, store.session(session));
    writeln!(
        out,
        "session {session}, ticket {ticket}: automatic grade {} · was {} · now {} (override {} by {}: {})\nsession score: automatic {} · after overrides {}",
        o.automatic_score,
        o.old_score,
        o.new_score,
        o.id,
        o.coach,
        o.reason,
        s.score.unwrap_or(0),
        s.effective_score.unwrap_or(0)
    )?;
    Ok(0)
}

/// `dojo drill`.
pub fn cmd_drill(
    cli: &Cli,
    trainee: &str,
    tickets: Option<u32>,
    path: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let Some(mut store) = open_store(cli, Some(&pack), err)? else {
        return Ok(1);
    };
    let person = try_store!(err, store.require(trainee, Role::Trainee));
    // The schedule is derived data: bring it up to date with the settings in force.
    try_store!(err, store.refresh_schedule(&person.name));
    let sessions = try_store!(
        err,
        store.sessions(&SessionQuery {
            trainee: Some(person.name.clone()),
            finished_only: true,
            ..SessionQuery::default()
        })
    );
    let schedule = try_store!(err, store.schedule(&person.name));
    let mut settings = store.drill_settings().clone();
    if let Some(n) = tickets {
        if !(1..=40).contains(&n) {
            return fail(err, "a drill has 1 to 40 tickets");
        }
        settings.tickets = n;
    }
    let plan = match dojo_core::drill::build(
        &person.name,
        &sessions,
        &schedule,
        &pack,
        &settings,
        now(),
    ) {
        Ok(p) => p,
        Err(e) => return fail(err, e),
    };
    let text = plan.to_ron();
    match path {
        Some(p) => {
            try_store!(err, record::write_atomic(p, &text));
            writeln!(out, "drill `{}` written to {}", plan.shift.id, p.display())?;
            for f in &plan.focus {
                writeln!(
                    out,
                    "  {:<22} {} ticket(s){}{}",
                    f.ticket_type,
                    f.tickets,
                    f.flags
                        .iter()
                        .map(|(flag, n)| format!(" — {} ×{n}", flag.label()))
                        .collect::<String>(),
                    if f.due { " — due" } else { "" }
                )?;
            }
            writeln!(
                out,
                "play it: dojo script --shift {0} > drill.script.ron (or your own) then dojo run --shift {0} --actions SCRIPT --trainee \"{1}\"",
                p.display(),
                person.name
            )?;
        }
        None => write!(out, "{text}")?,
    }
    Ok(0)
}
