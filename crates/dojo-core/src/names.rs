//! The one rule for names: every place a person, a team or a competition participant is
//! named (history trainees and coaches, teams, competition rosters and result headers,
//! `--team "NAME=TEAM"`) goes through [`clean`] and tells names apart by [`key`].
//!
//! - **Normalised**: Unicode NFC, so "José" typed with a combining accent is the same
//!   name as "José" typed with `é`.
//! - **Printable only**: control characters (newlines, tabs, ESC), format characters
//!   (zero-width spaces and joiners, the byte-order mark, soft hyphens) and the bidi
//!   controls (right-to-left override, isolates, marks), private-use and unassigned code
//!   points, and line or paragraph separators are refused, naming the code point.
//! - **Whitespace collapsed**: any run of spaces (a no-break space, an ideographic space, a
//!   double space) is one ASCII space; leading and trailing spaces are dropped.
//! - **At most [`MAX_NAME_CHARS`] characters** and not empty.
//! - **Unique case-insensitively and by confusable skeleton** (Unicode TS #39): [`key`]
//!   folds case and maps look-alike characters to one prototype, so "Ana Lopez", "ANA
//!   LOPEZ" and "Аna Lopez" (a Cyrillic А) are one name.
//!
//! Pure functions (the `unicode-normalization`, `unicode-security` and
//! `unicode-general-category` crates: tables, no I/O).

use std::fmt;

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

/// The longest name, in characters (after normalisation).
pub const MAX_NAME_CHARS: usize = 80;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// Nothing left after trimming.
    Empty,
    /// Longer than [`MAX_NAME_CHARS`].
    TooLong(usize),
    /// A character that is not printable text: the character and its kind.
    Forbidden(char, &'static str),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "the name is empty"),
            NameError::TooLong(n) => write!(
                f,
                "the name is {n} characters long; a name is at most {MAX_NAME_CHARS}"
            ),
            NameError::Forbidden(c, kind) => write!(
                f,
                "the name contains U+{:04X}, {kind}: a name is printable text only",
                u32::from(*c)
            ),
        }
    }
}

impl std::error::Error for NameError {}

/// What is wrong with a character in a name, if anything.
fn forbidden(c: char) -> Option<&'static str> {
    // The bidi controls are format characters; named apart because they reorder text.
    if matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    {
        return Some("a bidirectional control character");
    }
    match get_general_category(c) {
        GeneralCategory::Control => Some("a control character"),
        GeneralCategory::Format => Some("an invisible format character"),
        GeneralCategory::PrivateUse => Some("a private-use character"),
        GeneralCategory::Unassigned | GeneralCategory::Surrogate => {
            Some("an unassigned code point")
        }
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            Some("a line separator")
        }
        _ => None,
    }
}

/// A name as it is kept and shown: NFC, whitespace runs collapsed to one space, trimmed;
/// refused when empty, longer than [`MAX_NAME_CHARS`] or holding a character that is
/// not printable text.
pub fn clean(raw: &str) -> Result<String, NameError> {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for c in raw.nfc() {
        if c.is_whitespace() && !c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if let Some(kind) = forbidden(c) {
            return Err(NameError::Forbidden(c, kind));
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(NameError::Empty);
    }
    let chars = out.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong(chars));
    }
    Ok(out)
}

/// The key names are told apart by: the cleaned name (or, for a name the rule refuses,
/// the raw text with whitespace collapsed), case-folded, mapped to its TS #39 confusable
/// skeleton and folded again. Two names with one key are one name.
pub fn key(name: &str) -> String {
    let base =
        clean(name).unwrap_or_else(|_| name.split_whitespace().collect::<Vec<_>>().join(" "));
    let lower = base.to_lowercase();
    let skeleton: String = unicode_security::skeleton(&lower).collect();
    skeleton.to_lowercase().nfc().collect()
}

/// True when two names are the same name under the rule (see [`key`]).
pub fn same(a: &str, b: &str) -> bool {
    key(a) == key(b)
}

/// Splits `NAME=TEAM` at its **last** `=`: a person's name may contain `=`, a team's may
/// not. `None` when there is no `=`.
pub fn split_name_team(entry: &str) -> Option<(&str, &str)> {
    entry.rsplit_once('=')
}
