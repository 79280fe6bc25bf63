//! Located diagnostics: the one error type of every file the product reads (pack files,
//! competitions, results), the safe text check, and the helpers that place a problem at
//! its line and column and suggest the nearest known name.
//!
//! The bottom of the core: it depends on nothing else in the crate, so every module that
//! reads a file (validate, shift, curriculum, compete) can report through it.

use std::fmt;

use serde::Serialize;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails validation.
    Error,
    /// Worth a look; does not fail validation.
    Warning,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code, e.g. `syntax`, `unknown-field`, `missing-reference`.
    pub code: &'static str,
    /// The file, as given.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The field concerned, when known (e.g. `steps[2].id`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub(crate) fn error(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_string(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn warning(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, message)
        }
    }

    pub(crate) fn at(mut self, position: Option<(usize, usize)>) -> Self {
        if let Some((line, column)) = position {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {severity}[{}]: {}", self.code, self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n    hint: {hint}")?;
        }
        Ok(())
    }
}

/// A file's raw content and the name to report it by.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path or embedded name, as shown in diagnostics.
    pub name: String,
    /// Raw bytes.
    pub bytes: Vec<u8>,
}

/// Checks the raw bytes (empty, too big, binary, not UTF-8) and returns the text, a
/// leading UTF-8 byte-order mark left out (files read from disk come through
/// the `input` module, which also reads CRLF as LF).
pub fn check_text(source: &Source) -> Result<&str, Diagnostic> {
    let name = &source.name;
    let bytes = source
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&source.bytes);
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "too-large",
            name,
            format!(
                "file is {} bytes; pack files are limited to 1 MiB ({MAX_FILE_BYTES} bytes)",
                bytes.len()
            ),
        )
        .hint("split it into several files, one scenario or article each"));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Diagnostic::error("empty", name, "file is empty")
            .hint("a pack file starts with `Scenario(`, `KbArticle(`, `Policy(` or `Shift(`"));
    }
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(Diagnostic::error(
            "binary",
            name,
            format!("file looks binary (a NUL byte at offset {offset}), not a RON text file"),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let position = line_col(&bytes[..offset]);
        Diagnostic::error(
            "not-utf8",
            name,
            format!("file is not valid UTF-8 (bad byte at offset {offset})"),
        )
        .at(Some(position))
        .hint("save the file as UTF-8")
    })
}

fn line_col(prefix: &[u8]) -> (usize, usize) {
    let line = prefix.iter().filter(|b| **b == b'\n').count() + 1;
    let column = prefix.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// The first identifier of a RON text, skipping whitespace, comments and `#![...]`.
pub(crate) fn leading_identifier(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |n| &after[n..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |n| &after[n + 2..]);
        } else if let Some(after) = rest.strip_prefix("#!") {
            rest = after.find(']').map_or("", |n| &after[n + 1..]);
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// The expected name closest to a misspelt one, if any is close enough.
pub fn closest<'a>(found: &str, expected: &[&'a str]) -> Option<&'a str> {
    let limit = (found.chars().count() / 3).max(1);
    expected
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(found, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
        .or_else(|| {
            expected
                .iter()
                .map(|c| (strsim::jaro_winkler(found, c), *c))
                .filter(|(score, _)| *score > 0.85)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c)
        })
}

/// Where `needle` (e.g. `"an-id"`) first appears in a text outside `//` comments, as
/// 1-based line:column.
pub fn locate(text: &str, needle: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.find("//").map_or(line, |c| &line[..c]);
        if let Some(i) = code.find(needle) {
            return Some(line_col(&text.as_bytes()[..offset + i]));
        }
        offset += line.len();
    }
    None
}
