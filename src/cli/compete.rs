//! `dojo compete`: make a competition file, list its tickets, verify a folder of results
//! and rank them.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;

use crate::cli::common::{fail, find_shift, load_pack};
use crate::cli::{Cli, Format};
use dojo_core::compete::{self, COMPETITION_FILE, Competition, LeaderboardFormat, Verified};
use dojo_core::pack::Pack;
use dojo_core::sim::record;

/// The `dojo compete` subcommands.
#[derive(Debug, Subcommand)]
pub enum CompeteCommand {
    /// Write a competition file from a shift: seed, rules (no pause, no hints, the
    /// shift's real-time limit), the pack's hashes, the roster and the policy's composite.
    New {
        /// Shift id from the pack.
        #[arg(long)]
        shift: String,
        /// Session seed (default: a random one, so nobody can practise the exact tickets).
        #[arg(long)]
        seed: Option<u64>,
        /// The competition's name (default: the shift's title).
        #[arg(long)]
        name: Option<String>,
        /// A participant and their team, `NAME=TEAM` (repeatable). None: anyone may enter.
        #[arg(long = "team", value_name = "NAME=TEAM")]
        teams: Vec<String>,
        /// Where to write it.
        #[arg(long, default_value = COMPETITION_FILE)]
        out: PathBuf,
        /// Overwrite an existing file (results stamped with the old one are then rejected).
        #[arg(long)]
        force: bool,
        /// Let trainees with a coach's time extension play with it (the board shows it);
        /// without this, everyone plays one clock.
        #[arg(long)]
        allow_time_extensions: bool,
    },
    /// List the tickets every participant gets, in order (the same on any machine).
    Tickets {
        /// The competition file.
        #[arg(default_value = COMPETITION_FILE)]
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Re-simulate and grade every result in a folder; print each file as accepted or
    /// rejected with its reason. Exit code 1 if any is rejected.
    Verify {
        /// The folder of result files (`*.ron`).
        dir: PathBuf,
        /// The competition file (default: DIR/competition.ron).
        #[arg(long)]
        competition: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Verify a folder of results and rank the accepted ones: individuals on the
    /// composite, teams on their median.
    Leaderboard {
        /// The folder of result files (`*.ron`).
        dir: PathBuf,
        /// The competition file (default: DIR/competition.ron).
        #[arg(long)]
        competition: Option<PathBuf>,
        /// Output format.
        #[arg(long, default_value = "text", value_parser = format_parser())]
        format: LeaderboardFormat,
        /// Write it here (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Runs a `dojo compete` subcommand.
pub fn cmd_compete(
    cli: &Cli,
    command: &CompeteCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let pack = Arc::new(pack);
    match command {
        CompeteCommand::New {
            shift,
            seed,
            name,
            teams,
            out: path,
            force,
            allow_time_extensions,
        } => cmd_new(
            &pack,
            shift,
            *seed,
            name.as_deref(),
            teams,
            path,
            *force,
            *allow_time_extensions,
            out,
            err,
        ),
        CompeteCommand::Tickets { file, format } => cmd_tickets(&pack, file, *format, out, err),
        CompeteCommand::Verify {
            dir,
            competition,
            format,
        } => {
            let Some((competition, verified)) =
                verify_dir(&pack, dir, competition.as_deref(), err)?
            else {
                return Ok(1);
            };
            print_verification(&competition, &verified, *format, out)?;
            Ok(if verified.iter().all(|v| v.accepted().is_some()) {
                0
            } else {
                1
            })
        }
        CompeteCommand::Leaderboard {
            dir,
            competition,
            format,
            out: path,
        } => {
            let Some((competition, verified)) =
                verify_dir(&pack, dir, competition.as_deref(), err)?
            else {
                return Ok(1);
            };
            let board = compete::leaderboard::leaderboard(&competition, &verified);
            let text = board.render(*format);
            match path {
                Some(p) => {
                    if let Err(e) = record::write_atomic(p, &text) {
                        return fail(err, e);
                    }
                    writeln!(
                        out,
                        "leaderboard written to {} ({} ranked, {} rejected)",
                        p.display(),
                        board.individuals.len(),
                        board.rejected.len()
                    )?;
                }
                None => write!(out, "{text}")?,
            }
            Ok(0)
        }
    }
}

/// A seed nobody chose: the standard library's per-process random hasher keys (from
/// the operating system). Only `dojo compete new` uses it; the sim never does.
fn random_seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(u64::from(std::process::id()));
    h.finish() % 1_000_000_000
}

#[allow(clippy::too_many_arguments)]
fn cmd_new(
    pack: &Pack,
    shift: &str,
    seed: Option<u64>,
    name: Option<&str>,
    teams: &[String],
    path: &Path,
    force: bool,
    allow_time_extensions: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let shift = match find_shift(pack, shift) {
        Ok(s) if pack.shifts.get(&s.id) == Some(&s) => s,
        Ok(s) => {
            return fail(
                err,
                format!(
                    "shift `{}` is not in the pack: a competition names a pack shift (put the file in a folder and pass --pack)",
                    s.id
                ),
            );
        }
        Err(e) => return fail(err, e),
    };
    let random = seed.is_none();
    let seed = seed.unwrap_or_else(random_seed);
    let mut roster = std::collections::BTreeMap::new();
    for entry in teams {
        // Split at the last `=`: a name may contain `=`, a team name may not.
        let Some((who, team)) = dojo_core::names::split_name_team(entry) else {
            return fail(
                err,
                format!(
                    "--team `{}`: write it NAME=TEAM, e.g. --team \"Ana Lopez=north\"",
                    entry.escape_debug()
                ),
            );
        };
        let clean = |what: &str, value: &str| {
            dojo_core::names::clean(value)
                .map_err(|e| format!("--team `{}`: the {what} name: {e}", entry.escape_debug()))
        };
        let (who, team) = match (clean("participant", who), clean("team", team)) {
            (Ok(w), Ok(t)) => (w, t),
            (Err(e), _) | (_, Err(e)) => return fail(err, e),
        };
        if let Some(other) = roster
            .keys()
            .find(|n: &&String| dojo_core::names::same(n, &who))
        {
            return fail(
                err,
                format!(
                    "--team `{}`: `{who}` is the same participant as `{other}` (names are told apart without case, spacing, Unicode form or look-alike characters)",
                    entry.escape_debug()
                ),
            );
        }
        roster.insert(who, team);
    }
    let mut made = Competition::new(name.unwrap_or(&shift.title), &shift, seed, pack, roster);
    if allow_time_extensions {
        made.rules.time_extensions = Some(true);
    }
    let text = made.to_ron();
    // The written text must read back cleanly (names, roster, hashes).
    let competition = match Competition::parse(
        &dojo_core::validate::Source {
            name: path.display().to_string(),
            bytes: text.clone().into_bytes(),
        },
        Some(pack),
    ) {
        Ok(c) => c,
        Err(problems) => {
            for d in problems {
                writeln!(err, "{d}")?;
            }
            return Ok(1);
        }
    };
    if path.exists() && !force {
        return fail(
            err,
            format!(
                "{} already exists: a competition file handed out must not change (results carry its hash); pass --force to replace it",
                path.display()
            ),
        );
    }
    // `--out cup/competition.ron` makes `cup/` (the folder the results are handed in to).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return fail(err, format!("{}: {e}", dir.display()));
    }
    if let Err(e) = record::write_atomic(path, &text) {
        return fail(err, e);
    }
    writeln!(
        out,
        "competition \"{}\" written to {}: shift {}, seed {}{}, {} participant(s) on the roster\nSHA-256 {}",
        competition.name,
        path.display(),
        competition.shift,
        seed,
        if random { " (random)" } else { "" },
        competition.teams.len(),
        competition.content_hash()
    )?;
    Ok(0)
}

fn read_competition(
    pack: &Pack,
    path: &Path,
    err: &mut dyn Write,
) -> std::io::Result<Option<Competition>> {
    match Competition::read(path, Some(pack)) {
        Ok(c) => Ok(Some(c)),
        Err(problems) => {
            for d in problems {
                writeln!(err, "{d}")?;
            }
            Ok(None)
        }
    }
}

fn cmd_tickets(
    pack: &Arc<Pack>,
    file: &Path,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(competition) = read_competition(pack, file, err)? else {
        return Ok(1);
    };
    let tickets = match competition.tickets(Arc::clone(pack)) {
        Ok(t) => t,
        Err(e) => return fail(err, e),
    };
    match format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&tickets).unwrap_or_default()
        )?,
        Format::Text => {
            let r = &competition.rules;
            writeln!(
                out,
                "\"{}\": shift {}, seed {} — {} tickets, the same for every participant",
                competition.name,
                competition.shift,
                competition.seed,
                tickets.len()
            )?;
            writeln!(
                out,
                "Rules: {}, {}, {}",
                if r.pause_allowed {
                    "pause allowed"
                } else {
                    "no pause"
                },
                if r.hints_shown { "hints" } else { "no hints" },
                r.real_time_limit_minutes
                    .map_or("no real-time limit".to_string(), |m| format!(
                        "real-time limit {m} min"
                    ))
            )?;
            writeln!(
                out,
                "{:>3}  {:>5}  {:<34} {:<22} title",
                "#", "min", "scenario", "requester"
            )?;
            for t in &tickets {
                writeln!(
                    out,
                    "{:>3}  {:>5}  {:<34} {:<22} {}",
                    t.number, t.arrives_at, t.scenario, t.requester, t.title
                )?;
            }
        }
    }
    Ok(0)
}

/// Reads the competition and every result of a folder and verifies them; problems with
/// the folder or the competition are printed to `err` and give `None`.
fn verify_dir(
    pack: &Arc<Pack>,
    dir: &Path,
    competition: Option<&Path>,
    err: &mut dyn Write,
) -> std::io::Result<Option<(Competition, Vec<Verified>)>> {
    if !dir.is_dir() {
        fail(err, format!("{}: no such folder of results", dir.display()))?;
        return Ok(None);
    }
    let path = competition
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(COMPETITION_FILE));
    let Some(competition) = read_competition(pack, &path, err)? else {
        return Ok(None);
    };
    // Every entry of the folder is verified or listed with why it was not read.
    let folder = match compete::read_results_folder(dir, &path) {
        Ok(f) => f,
        Err(e) => {
            fail(err, format!("{}: {e}", dir.display()))?;
            return Ok(None);
        }
    };
    if folder.files.is_empty() && folder.refused.is_empty() {
        fail(
            err,
            format!(
                "{}: no files found: no result file (`*.ron`, besides the competition file) in this folder",
                dir.display()
            ),
        )?;
        return Ok(None);
    }
    match compete::verify::verify_folder(&competition, pack, &folder) {
        Ok(v) => Ok(Some((competition, v))),
        Err(e) => {
            fail(err, e)?;
            Ok(None)
        }
    }
}

fn print_verification(
    competition: &Competition,
    verified: &[Verified],
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if format == Format::Json {
        return writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(verified).unwrap_or_default()
        );
    }
    writeln!(
        out,
        "Verifying {} result(s) for \"{}\" (competition file SHA-256 {})",
        verified.len(),
        competition.name,
        compete::short_hash(competition.content_hash())
    )?;
    for v in verified {
        match v {
            Verified::Accepted(a) => writeln!(
                out,
                "accepted  {}: {}{} — composite {:.2}, grade {}, {} action(s) re-simulated",
                a.file,
                a.participant,
                a.team
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default(),
                a.score.composite,
                a.score.grade,
                a.actions
            )?,
            Verified::Rejected(r) => writeln!(out, "REJECTED  {r}")?,
        }
    }
    let accepted = verified.iter().filter(|v| v.accepted().is_some()).count();
    writeln!(
        out,
        "{accepted} accepted, {} rejected",
        verified.len() - accepted
    )
}

/// `--format` of the leaderboard: the core's format names.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = LeaderboardFormat> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(LeaderboardFormat::ALL.map(LeaderboardFormat::name))
        .map(|s| {
            s.parse::<LeaderboardFormat>()
                .unwrap_or(LeaderboardFormat::Text)
        })
}
