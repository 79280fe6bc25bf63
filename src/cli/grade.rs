//! `dojo grade`, and the grade `dojo run` prints at the end.

use crate::cli::common::replay_file;
use std::io::Write;
use std::path::Path;

use clap::ValueEnum;

use crate::cli::Cli;
use dojo_core::grading::{self, report};
use dojo_core::sim::session::Session;

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
    let Some((recorded, replayed)) = replay_file(cli, file, err)? else {
        return Ok(1);
    };
    // The grade is recomputed from the log; nothing written in the file is trusted.
    let session = match replayed {
        Ok(s) => s,
        Err(d) => {
            writeln!(err, "error: the log does not replay: {}", d.message)?;
            return Ok(1);
        }
    };
    let header = recorded.header;
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
