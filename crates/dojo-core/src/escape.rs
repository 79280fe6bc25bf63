//! Text from users (names, teams, notes, override reasons, file names) made safe for
//! the reader of each export: a spreadsheet opening a CSV, a Markdown renderer, a
//! terminal. One place, so every export applies the same rules (docs/files.md).

use std::borrow::Cow;

/// One CSV cell, neutralised against formula injection (OWASP, "CSV Injection"): a cell
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
/// a spreadsheet shows it as text and never evaluates it; then quoted (RFC 4180) when it
/// holds a comma, a quote or a line break. Apply it to text cells; numbers the product
/// formats itself are written as they are.
pub fn csv_cell(s: &str) -> String {
    let s: Cow<'_, str> = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// Text for Markdown: `&`, `<` and `>` escaped so no HTML in a name or a reason is ever
/// rendered, line breaks folded to spaces (a name cannot start a new block). For table
/// cells see [`markdown_cell`].
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// [`markdown`] for a table cell: `|` escaped too.
pub fn markdown_cell(s: &str) -> String {
    markdown(s).replace('|', "\\|")
}

/// True for a character a terminal would act on rather than show: C0 controls other
/// than line feed and tab (ESC starts every escape sequence), DEL, C1 controls, and the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that
/// reorder what is shown ("Bob\u{202E}exe.txt" showing as "Bobtxt.exe").
pub fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Text for the terminal: every [`is_terminal_control`] character replaced by U+FFFD
/// (`�`), so an escape sequence or a reordering is shown as there, never performed.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_terminal_control) {
        Cow::Owned(
            s.chars()
                .map(|c| {
                    if is_terminal_control(c) {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}
