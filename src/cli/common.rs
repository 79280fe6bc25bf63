//! What the commands share: loading the pack, finding a shift, reading a result,
//! opening the history, reporting a failure. Commands depend on this module and on
//! `cli` (the arguments), never on each other's files for a helper.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use dojo_core::curriculum::Curriculum;
use dojo_core::pack::Pack;
use dojo_core::shift::Shift;
use dojo_core::sim::record;
use dojo_core::sim::session::Session;
use dojo_core::validate::{self, Diagnostic, Item};
use dojo_store::Store;

use super::Cli;

/// Loads the pack, printing its errors.
pub fn load_pack(cli: &Cli, err: &mut dyn Write) -> std::io::Result<Option<Pack>> {
    match Pack::load(&cli.pack_options()) {
        Ok(pack) => Ok(Some(pack)),
        Err(diagnostics) => {
            print_diagnostics(err, &diagnostics)?;
            Ok(None)
        }
    }
}

pub fn print_diagnostics(err: &mut dyn Write, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    for d in diagnostics {
        writeln!(err, "{d}")?;
    }
    writeln!(
        err,
        "the pack has errors; run `dojo validate` for the full report"
    )
}

/// `--persona`: the personas' slugs, listed in `--help`. The core's `Persona` knows
/// nothing of clap, so the CLI maps the names.
pub fn persona_parser() -> impl clap::builder::TypedValueParser<Value = dojo_core::agents::Persona>
{
    use clap::builder::TypedValueParser;
    use dojo_core::agents::Persona;
    clap::builder::PossibleValuesParser::new(Persona::every().map(Persona::slug))
        .map(|s| s.parse::<Persona>().unwrap_or(Persona::Ideal))
}

/// A shift by id from the pack, or parsed from a file.
pub fn find_shift(pack: &Pack, key: &str) -> Result<Shift, String> {
    if let Some(s) = pack.shifts.get(key) {
        return Ok(s.clone());
    }
    let path = Path::new(key);
    // A FIFO or device is named and refused by the reader, never opened.
    if path.is_file() || (path.exists() && !path.is_dir()) {
        let source = dojo_core::pack::read_source(path).map_err(|d| d.to_string())?;
        let file = validate::parse_source(&source).map_err(|d| d.to_string())?;
        return match file.item {
            Item::Shift(s) => Ok(*s),
            _ => Err(format!("{key}: not a shift file")),
        };
    }
    let known: Vec<&str> = pack.shifts.keys().map(String::as_str).collect();
    Err(format!(
        "no shift `{key}` in the pack and no such file (shifts: {})",
        known.join(", ")
    ))
}

/// Prints `error: …` and returns exit code 1.
pub fn fail(err: &mut dyn Write, message: impl std::fmt::Display) -> std::io::Result<i32> {
    writeln!(err, "error: {message}")?;
    Ok(1)
}

/// Loads the pack, reads a result or log file and re-simulates its log: the session, or
/// where the log and the re-simulation part ways. A pack, file or content problem is
/// printed to `err` and gives `None`.
pub fn replay_file(
    cli: &Cli,
    file: &Path,
    err: &mut dyn Write,
) -> std::io::Result<Option<(record::Recorded, Result<Session, record::Divergence>)>> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(None);
    };
    let recorded = match record::read_recorded(file) {
        Ok(r) => r,
        Err(e) => {
            fail(err, e)?;
            return Ok(None);
        }
    };
    match record::replay_entries(Arc::new(pack), &recorded.header, &recorded.entries) {
        Ok(replayed) => Ok(Some((recorded, replayed))),
        Err(e) => {
            fail(err, e)?;
            Ok(None)
        }
    }
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 date-time.
pub fn parse_date(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| {
            format!("`{s}` is not a date: use YYYY-MM-DD or an RFC 3339 time such as 2026-11-27T09:30:00Z")
        })
}

/// Opens the history in the data directory (`--data-dir` > `DOJO_DATA_DIR` > the
/// platform's), with the curriculum's drill settings. Errors are printed.
pub fn open_store(
    cli: &Cli,
    pack: Option<&Pack>,
    err: &mut dyn Write,
) -> std::io::Result<Option<Store>> {
    let opened = dojo_store::data_dir(cli.data_dir.as_deref()).and_then(|dir| Store::open_in(&dir));
    match opened {
        Ok(store) => {
            // Found at the next start: sessions a crash or a kill left in progress.
            if let Ok(list) = store.interrupted()
                && !list.is_empty()
            {
                let ids: Vec<String> = list.iter().map(|s| s.id.to_string()).collect();
                writeln!(
                    err,
                    "note: {} interrupted session(s) ({}): `dojo history interrupted` to resume or file them",
                    list.len(),
                    ids.join(", ")
                )?;
            }
            Ok(Some(match pack.and_then(curriculum_of) {
                Some(c) => store.with_drill_settings(c.drill.clone()),
                None => store,
            }))
        }
        Err(e) => {
            writeln!(err, "error: {e}")?;
            Ok(None)
        }
    }
}

/// The pack's onboarding curriculum (`onboarding`, else the first).
pub fn curriculum_of(pack: &Pack) -> Option<&Curriculum> {
    pack.curricula
        .get("onboarding")
        .or_else(|| pack.curricula.values().next())
}
