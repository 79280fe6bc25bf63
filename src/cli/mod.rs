//! The `dojo` command line: argument parsing and the headless commands.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use dojo_core::explain;
use dojo_core::pack::{self, Pack, PackOptions};
use dojo_core::scenario::Scenario;
use dojo_core::validate::{self, Diagnostic};

pub mod common;
pub mod compete;
pub mod display;
pub mod grade;
pub mod history;
pub mod run;
pub mod team;
pub mod terminal;
#[cfg(feature = "gui")]
pub mod trainer;
pub mod xapi;

use common::{load_pack, persona_parser};

/// Escalation Dojo — train the L1→L2 handoff.
#[derive(Debug, Parser)]
#[command(name = "dojo", version, about, long_about = None)]
pub struct Cli {
    /// Add or replace content from a pack folder (repeatable; later wins).
    #[arg(long = "pack", value_name = "DIR", global = true)]
    pub packs: Vec<PathBuf>,
    /// Use this policy file instead of the built-in one.
    #[arg(long, value_name = "FILE", global = true)]
    pub policy: Option<PathBuf>,
    /// Where the history lives (default: $DOJO_DATA_DIR, else the platform's data folder).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// How to open the desktop trainer (when no command is given).
    #[command(flatten)]
    pub trainer: TrainerArgs,
    /// What to do (none: open the desktop trainer).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of the desktop trainer (`dojo` with no command, and `dojo play`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TrainerArgs {
    /// Play this action script through the UI (same format as `dojo run --actions`),
    /// screenshot every screen, write the result and exit.
    #[arg(long, value_name = "SCRIPT")]
    pub autoplay: Option<PathBuf>,
    /// Where autoplay saves its screenshots.
    #[arg(long, value_name = "DIR", requires = "autoplay")]
    pub screenshots: Option<PathBuf>,
    /// Session seed (default: from the clock, recorded in the log; autoplay: 7).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Who plays (skips the start screen).
    #[arg(long)]
    pub trainee: Option<String>,
    /// Their team.
    #[arg(long)]
    pub team: Option<String>,
    /// Also write the finished session's result here.
    #[arg(long, value_name = "RESULT")]
    pub out: Option<PathBuf>,
    /// UI scale (0.75–2.0).
    #[arg(long, default_value_t = 1.0)]
    pub ui_scale: f32,
    /// The window's size in logical pixels, e.g. `1600x900` (default 1280x680: fits a 1280x720 screen).
    #[arg(long, value_name = "WxH", value_parser = parse_window_size)]
    pub window_size: Option<(u32, u32)>,
    /// The competition file Competition mode opens.
    #[arg(long, value_name = "FILE")]
    pub competition: Option<PathBuf>,
}

/// `1600x900` → (1600, 900); each side 640–7680.
fn parse_window_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{s}`: give the size as WIDTHxHEIGHT, e.g. 1600x900"))?;
    let side = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (640..=7680).contains(n))
            .ok_or_else(|| format!("`{s}`: each side is a whole number from 640 to 7680"))
    };
    Ok((side(w)?, side(h)?))
}

/// Output format of machine-readable commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people.
    Text,
    /// JSON for tools.
    Json,
}

/// What `dojo list` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListWhat {
    /// Scenarios.
    Scenarios,
    /// Shift definitions.
    Shifts,
    /// KB articles.
    Kb,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check pack files (default: the built-in pack) and report every problem.
    Validate {
        /// Files or folders to check.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show the framework's verdict for a scenario, with its reasons.
    Explain {
        /// A scenario id from the pack, or a scenario file.
        scenario: String,
        /// Template seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Sim minute after arrival.
        #[arg(long, default_value_t = 0)]
        at_minute: u32,
        /// Steps already run (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        steps: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Play an action script headless on a shift and print each ticket's outcome.
    Run {
        /// Shift id from the pack, or a shift file.
        #[arg(long)]
        shift: Option<String>,
        /// The action script (RON).
        #[arg(long, value_name = "SCRIPT")]
        actions: PathBuf,
        /// Session seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Write the result (outcomes and the full log) here (checked before the shift
        /// starts: never a folder, never over an existing file without --force).
        #[arg(long, value_name = "RESULT")]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long, requires = "out")]
        force: bool,
        /// Append the log here as the session goes (default: RESULT.log while running).
        #[arg(long, value_name = "LOG")]
        log: Option<PathBuf>,
        /// Resume an interrupted run from its log (the script continues after the logged actions).
        #[arg(long, value_name = "LOG", conflicts_with = "log")]
        resume: Option<PathBuf>,
        /// Who is playing: the finished session is stored in their history (they must
        /// exist: `dojo trainee add`), unless --no-store.
        #[arg(long)]
        trainee: Option<String>,
        /// Their team.
        #[arg(long)]
        team: Option<String>,
        /// Play a competition: its shift, seed and rules, stamped with its hash (needs
        /// --trainee; the team comes from the competition's roster).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["shift", "seed"])]
        competition: Option<PathBuf>,
        /// Play without storing the session in the trainee's history.
        #[arg(long)]
        no_store: bool,
        /// When the session is dated in the history (YYYY-MM-DD or RFC 3339; default: now).
        #[arg(long)]
        at: Option<String>,
        /// Real milliseconds to wait after each action (to watch a run, or to test a kill).
        #[arg(long, hide = true)]
        pace_ms: Option<u64>,
    },
    /// Re-run a result or log file and check that it reproduces exactly.
    Replay {
        /// A result file (from `dojo run --out`) or a log file.
        file: PathBuf,
    },
    /// Grade a result or log against the framework: per-ticket grades with reasons, note
    /// feedback, metrics against targets and coaching.
    Grade {
        /// A result file (from `dojo run --out`) or a log file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::cli::grade::GradeFormat::Text)]
        format: crate::cli::grade::GradeFormat,
    },
    /// Generate the action script of a scripted trainee (ideal agent or a persona).
    Script {
        /// Shift id from the pack, or a shift file.
        #[arg(long)]
        shift: String,
        /// Which trainee.
        #[arg(long, default_value = "ideal", value_parser = persona_parser())]
        persona: dojo_core::agents::Persona,
        /// Session seed the script is played with.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Write the script here instead of standard output (never over an existing file
        /// without --force).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Open one scenario file in the trainer and reload it whenever it is saved (for
    /// scenario authors); validation errors show in the window.
    Play {
        /// The scenario file being written.
        #[arg(long, value_name = "FILE")]
        scenario: PathBuf,
    },
    /// Team competitions: write a competition file, list its tickets, verify a folder
    /// of results, rank them.
    Compete {
        /// What to do.
        #[command(subcommand)]
        command: crate::cli::compete::CompeteCommand,
    },
    /// Trainees: add, move to a team, list.
    Trainee {
        /// What to do.
        #[command(subcommand)]
        command: crate::cli::history::PeopleCommand,
    },
    /// Coaches: add, move to a team, list.
    Coach {
        /// What to do.
        #[command(subcommand)]
        command: crate::cli::history::PeopleCommand,
    },
    /// Stored sessions: import results, list, show, export a log, recover interrupted ones.
    History {
        /// What to do.
        #[command(subcommand)]
        command: crate::cli::history::HistoryCommand,
    },
    /// The team server: join it with a one-time token, sync finished sessions, status.
    Team {
        /// What to do.
        #[command(subcommand)]
        command: crate::cli::team::TeamCommand,
    },
    /// Results to the organisation's learning record store (xAPI): configure, send, status.
    Xapi {
        /// What to do.
        #[command(subcommand)]
        command: crate::cli::xapi::XapiCommand,
    },
    /// A trainee's progress through the onboarding curriculum.
    Progress {
        /// The trainee.
        #[arg(long)]
        trainee: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The coach's report on a trainee: trends, flags with evidence, the team median,
    /// the escalation review, overrides and the repetition schedule.
    Report {
        /// The trainee.
        #[arg(long)]
        trainee: String,
        /// Only sessions from this date on (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::cli::history::ReportFormat::Html)]
        format: crate::cli::history::ReportFormat,
        /// Write it here instead of standard output (never over an existing file
        /// without --force).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// A coach overrides a ticket's grade, with a written reason (kept in an audit trail).
    Override {
        /// Stored session id.
        #[arg(long)]
        session: i64,
        /// Ticket number.
        #[arg(long)]
        ticket: u32,
        /// The new score, 0–100.
        #[arg(long)]
        score: u32,
        /// The coach.
        #[arg(long)]
        coach: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Build a coaching drill (a shift) aimed at a trainee's flagged weaknesses and the
    /// ticket types due on their repetition schedule.
    Drill {
        /// The trainee.
        #[arg(long)]
        trainee: String,
        /// Tickets in the drill (default: the curriculum's drill setting).
        #[arg(long)]
        tickets: Option<u32>,
        /// Write the shift here instead of standard output (never over an existing file
        /// without --force).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// List what the pack holds.
    List {
        /// What to list.
        #[arg(value_enum, default_value_t = ListWhat::Scenarios)]
        what: ListWhat,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

impl Cli {
    /// The pack options from `--pack` and `--policy`.
    pub fn pack_options(&self) -> PackOptions {
        PackOptions {
            packs: self.packs.clone(),
            policy: self.policy.clone(),
            without_builtin: false,
        }
    }
}

/// Runs the CLI with these arguments, writing to `out` and `err`; returns the exit code.
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let result = match &cli.command {
        Some(Command::Validate { paths, format }) => cmd_validate(cli, paths, *format, out),
        Some(Command::Explain {
            scenario,
            seed,
            at_minute,
            steps,
            format,
        }) => cmd_explain(cli, scenario, *seed, *at_minute, steps, *format, out, err),
        Some(Command::List { what, format }) => cmd_list(cli, *what, *format, out, err),
        Some(Command::Run {
            shift,
            actions,
            seed,
            out: result_path,
            force,
            log,
            resume,
            trainee,
            team,
            competition,
            no_store,
            at,
            pace_ms,
        }) => crate::cli::run::cmd_run(
            cli,
            &crate::cli::run::RunArgs {
                shift: shift.clone(),
                actions: actions.clone(),
                seed: *seed,
                out: result_path.clone(),
                force: *force,
                log: log.clone(),
                resume: resume.clone(),
                trainee: trainee.clone(),
                team: team.clone(),
                competition: competition.clone(),
                pace_ms: *pace_ms,
                no_store: *no_store,
                at: at.clone(),
            },
            out,
            err,
        ),
        Some(Command::Grade { file, format }) => {
            crate::cli::grade::cmd_grade(cli, file, *format, out, err)
        }
        Some(Command::Compete { command }) => {
            crate::cli::compete::cmd_compete(cli, command, out, err)
        }
        Some(Command::Trainee { command }) => crate::cli::history::cmd_people(
            cli,
            dojo_core::history::Role::Trainee,
            command,
            out,
            err,
        ),
        Some(Command::Coach { command }) => {
            crate::cli::history::cmd_people(cli, dojo_core::history::Role::Coach, command, out, err)
        }
        Some(Command::History { command }) => {
            crate::cli::history::cmd_history(cli, command, out, err)
        }
        Some(Command::Team { command }) => crate::cli::team::cmd_team(cli, command, out, err),
        Some(Command::Xapi { command }) => crate::cli::xapi::cmd_xapi(cli, command, out, err),
        Some(Command::Progress { trainee, format }) => {
            crate::cli::history::cmd_progress(cli, trainee, *format, out, err)
        }
        Some(Command::Report {
            out: Some(path),
            force,
            ..
        }) if refuse_out(path, *force, err).is_some() => Ok(2),
        Some(Command::Drill {
            out: Some(path),
            force,
            ..
        }) if refuse_out(path, *force, err).is_some() => Ok(2),
        Some(Command::Script {
            out: Some(path),
            force,
            ..
        }) if refuse_out(path, *force, err).is_some() => Ok(2),
        Some(Command::Report {
            trainee,
            since,
            format,
            out: path,
            ..
        }) => crate::cli::history::cmd_report(
            cli,
            trainee,
            since.as_deref(),
            *format,
            path.as_deref(),
            out,
            err,
        ),
        Some(Command::Override {
            session,
            ticket,
            score,
            coach,
            reason,
        }) => crate::cli::history::cmd_override(
            cli, *session, *ticket, *score, coach, reason, out, err,
        ),
        Some(Command::Drill {
            trainee,
            tickets,
            out: path,
            ..
        }) => crate::cli::history::cmd_drill(cli, trainee, *tickets, path.as_deref(), out, err),
        Some(Command::Replay { file }) => crate::cli::run::cmd_replay(cli, file, out, err),
        Some(Command::Script {
            shift,
            persona,
            seed,
            out: path,
            ..
        }) => crate::cli::run::cmd_script(cli, shift, *persona, *seed, path.as_deref(), out, err),
        None | Some(Command::Play { .. }) => {
            use clap::CommandFactory;
            let _ = writeln!(
                out,
                "Escalation Dojo {} — this build has no desktop trainer (built without the `gui` feature); the headless commands:\n",
                env!("CARGO_PKG_VERSION")
            );
            let _ = write!(out, "{}", Cli::command().render_help());
            Ok(if cli.command.is_none() { 0 } else { 1 })
        }
    };
    result.unwrap_or_else(|e| {
        // `dojo run … | head`: the reader went away; nothing to say, nobody to say it to.
        if terminal::is_broken_pipe(&e) {
            return terminal::BROKEN_PIPE_EXIT;
        }
        let _ = writeln!(err, "error: {e}");
        1
    })
}

/// An export's `--out`, checked before the work: never a folder, never over an existing
/// file without `--force`. `Some(())` when refused (and said).
fn refuse_out(path: &std::path::Path, force: bool, err: &mut dyn Write) -> Option<()> {
    let e = crate::cli::run::check_out(path, force).err()?;
    let _ = writeln!(err, "error: {e}");
    Some(())
}

fn cmd_validate(
    cli: &Cli,
    paths: &[PathBuf],
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<i32> {
    let report = pack::validate_paths(paths, &cli.pack_options());
    match format {
        Format::Json => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )?;
        }
        Format::Text => {
            for d in &report.diagnostics {
                writeln!(out, "{d}")?;
            }
            writeln!(
                out,
                "checked {} file(s): {} scenario(s), {} KB article(s), {} shift(s), {} curricul{}, {} polic{} — {} error(s), {} warning(s)",
                report.files,
                report.scenarios,
                report.kb_articles,
                report.shifts,
                report.curricula,
                if report.curricula == 1 { "um" } else { "a" },
                report.policies,
                if report.policies == 1 { "y" } else { "ies" },
                report.errors(),
                report.warnings()
            )?;
        }
    }
    Ok(if report.is_clean() { 0 } else { 1 })
}

/// A scenario by id from the pack, or parsed from a file path.
fn find_scenario(pack: &Pack, key: &str) -> Result<Scenario, Vec<Diagnostic>> {
    if let Some(s) = pack.scenarios.get(key) {
        return Ok(s.clone());
    }
    let known: Vec<&str> = pack.scenarios.keys().map(String::as_str).collect();
    let guess = known
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(s, _)| *s > 0.75)
        .map(|(_, k)| format!(" — did you mean `{k}`?"))
        .unwrap_or_default();
    Err(vec![Diagnostic {
        severity: validate::Severity::Error,
        code: "unknown-scenario",
        file: key.to_string(),
        line: None,
        column: None,
        field: None,
        message: format!("no scenario with this id in the pack, and no such file{guess}"),
        hint: Some("`dojo list scenarios` shows the ids".into()),
    }])
}

#[allow(clippy::too_many_arguments)]
fn cmd_explain(
    cli: &Cli,
    key: &str,
    seed: u64,
    minute: u32,
    steps: &[String],
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    // The pack as far as it loads: a wrong scenario elsewhere in the pack, or lint errors
    // in the file being debugged, never stop the engine from answering.
    let target = match pack::explain_target(&cli.pack_options(), key) {
        Ok(t) => t,
        Err(diagnostics) => {
            for d in &diagnostics {
                writeln!(err, "{d}")?;
            }
            writeln!(
                err,
                "the engine needs the file to parse (or a policy that loads): fix the error above; lint errors alone never stop `dojo explain`"
            )?;
            return Ok(1);
        }
    };
    let policy = target.pack.policy.clone();
    let file_problems = target.file_problems;
    let scenario = match target.scenario {
        Some(s) => s,
        None => match find_scenario(&target.pack, key) {
            Ok(s) => s,
            Err(diagnostics) => {
                for d in diagnostics.iter().chain(&file_problems) {
                    writeln!(err, "{d}")?;
                }
                return Ok(1);
            }
        },
    };
    for step in steps {
        if scenario.step(step).is_none() {
            let known: Vec<&str> = scenario.steps.iter().map(|s| s.id.as_str()).collect();
            writeln!(
                err,
                "error: scenario `{}` has no step `{step}` (steps: {})",
                scenario.id,
                known.join(", ")
            )?;
            return Ok(1);
        }
    }
    match explain::explain(&scenario, seed, minute, steps, &policy) {
        Ok(e) => {
            match format {
                Format::Text => write!(out, "{}", explain::to_text(&e, &policy))?,
                Format::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&e).unwrap_or_default()
                )?,
            }
            if !file_problems.is_empty() && format == Format::Text {
                writeln!(
                    out,
                    "\nThe file has {} problem(s) (`dojo validate` lists the same):",
                    file_problems.len()
                )?;
                for d in &file_problems {
                    writeln!(out, "{d}")?;
                }
            }
            let errors = file_problems
                .iter()
                .any(|d| d.severity == validate::Severity::Error);
            Ok(if errors { 1 } else { 0 })
        }
        Err(e) => {
            writeln!(err, "error: {e}")?;
            Ok(1)
        }
    }
}

fn cmd_list(
    cli: &Cli,
    what: ListWhat,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    match (what, format) {
        (ListWhat::Scenarios, Format::Json) => {
            let rows: Vec<_> = pack
                .scenarios
                .values()
                .map(|s| {
                    serde_json::json!({
                        "id": s.id, "title": s.title, "ticket_type": s.ticket_type,
                        "difficulty": s.difficulty, "tags": s.tags, "expected_owner": s.expected.owner,
                        "surface_variants": dojo_core::template::surface_variants(s),
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            )?;
        }
        (ListWhat::Scenarios, Format::Text) => {
            for s in pack.scenarios.values() {
                writeln!(
                    out,
                    "{:<36} d{} {:<22} {:<26} {}",
                    s.id,
                    s.difficulty,
                    s.ticket_type,
                    s.expected.owner.label(),
                    s.title
                )?;
            }
            let variants: u64 = pack
                .scenarios
                .values()
                .map(dojo_core::template::surface_variants)
                .fold(0, u64::saturating_add);
            let varied = pack
                .scenarios
                .values()
                .filter(|s| dojo_core::template::surface_variants(s) > 1)
                .count();
            writeln!(
                out,
                "{} scenario(s); {varied} of them with template variants, {variants} surface variant(s) in all (names, sites, IPs, error ids: the same facts and verdict in each)",
                pack.scenarios.len()
            )?;
        }
        (ListWhat::Kb, Format::Json) => {
            let rows: Vec<_> = pack
                .kb
                .values()
                .map(|a| serde_json::json!({"id": a.id, "title": a.title, "ticket_types": a.ticket_types}))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            )?;
        }
        (ListWhat::Kb, Format::Text) => {
            for a in pack.kb.values() {
                writeln!(out, "{:<28} {}", a.id, a.title)?;
            }
            writeln!(out, "{} KB article(s)", pack.kb.len())?;
        }
        (ListWhat::Shifts, Format::Json) => {
            let rows: Vec<_> = pack
                .shifts
                .values()
                .map(|s| serde_json::json!({"id": s.id, "title": s.title, "mode": s.mode, "length_minutes": s.length_minutes}))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            )?;
        }
        (ListWhat::Shifts, Format::Text) => {
            for s in pack.shifts.values() {
                writeln!(
                    out,
                    "{:<28} {:<12} {:>4} min  {}",
                    s.id,
                    format!("{:?}", s.mode),
                    s.length_minutes,
                    s.title
                )?;
            }
            writeln!(out, "{} shift(s)", pack.shifts.len())?;
        }
    }
    Ok(0)
}
