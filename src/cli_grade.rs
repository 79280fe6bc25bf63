//! `dojo grade`, and the grade `dojo run` prints at the end.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use clap::ValueEnum;

use crate::cli::{Cli, load_pack};
use crate::grading::{self, report};
use crate::sim::record;
use crate::sim::session::Session;

/// Output format of `dojo grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GradeFormat {
    /// Text for the terminal.
    Text,
    /// JSON for tools.
    Json,
    /// Markdown for sharing.
    Md,
}

/// Prints the grade of a finished session after a run.
pub fn print_grade_summary(
    session: &Session,
    trainee: Option<String>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let grade = grading::grade_with_ideal(session, trainee);
    writeln!(out)?;
    write!(out, "{}", report::to_text(&grade))
}

/// `dojo grade`.
pub fn cmd_grade(
    cli: &Cli,
    file: &Path,
    format: GradeFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let pack = Arc::new(pack);
    let (header, entries) = match record::read_recorded(file) {
        Ok(r) => (r.header, r.entries),
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(1);
        }
    };
    // The grade is recomputed from the log; nothing written in the file is trusted.
    let session = match record::replay_entries(pack, &header, &entries) {
        Ok(Ok(s)) => s,
        Ok(Err(d)) => {
            writeln!(err, "error: the log does not replay: {}", d.message)?;
            return Ok(1);
        }
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(1);
        }
    };
    let grade = grading::grade_with_ideal(&session, header.trainee.clone());
    match format {
        GradeFormat::Text => write!(out, "{}", report::to_text(&grade))?,
        GradeFormat::Md => write!(out, "{}", report::to_markdown(&grade))?,
        GradeFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&grade).unwrap_or_default()
        )?,
    }
    Ok(0)
}
