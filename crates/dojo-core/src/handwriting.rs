//! Mistakes people make writing RON by hand in an editor, named for what they are: a `#`
//! comment, a backslash not doubled, a quote that ends a text early, a bracket never
//! closed (reported where it opened), curly quotes from a word processor.
//!
//! Pure text scanning; the validator asks it before falling back to the parser's words.

/// A named hand-writing mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    /// Stable code for the diagnostic.
    pub code: &'static str,
    /// 1-based line and column where the mistake is.
    pub at: (usize, usize),
    /// What is wrong.
    pub message: String,
    /// How to write it.
    pub hint: String,
}

/// What the scan of a text found outside strings and comments.
#[derive(Debug, Default)]
struct Scan {
    /// Brackets still open at the stop offset: (char, line, column, field before it).
    open: Vec<(char, usize, usize, Option<String>)>,
    /// The first curly quote outside a string.
    curly: Option<(usize, usize, char)>,
    /// The first line starting with `#` (not `#![`).
    hash_comment: Option<(usize, usize)>,
}

fn field_before(code: &str) -> Option<String> {
    let trimmed = code.trim_end().strip_suffix(':')?;
    let name: String = trimmed
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Scans up to byte offset `stop` (the whole text with `usize::MAX`).
fn scan(text: &str, stop: usize) -> Scan {
    let mut out = Scan::default();
    let (mut line, mut col) = (1usize, 0usize);
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.char_indices().peekable();
    let mut line_start = true;
    let mut current_line = String::new();
    while let Some((i, c)) = chars.next() {
        if i >= stop {
            break;
        }
        if c == '\n' {
            line += 1;
            col = 0;
            line_start = true;
            current_line.clear();
            continue;
        }
        col += 1;
        if in_string {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        if c == '/' && chars.peek().is_some_and(|(_, n)| *n == '/') {
            // A comment to the end of the line.
            while chars.peek().is_some_and(|(_, n)| *n != '\n') {
                chars.next();
            }
            continue;
        }
        if line_start && !c.is_whitespace() {
            line_start = false;
            if c == '#' && chars.peek().is_none_or(|(_, n)| *n != '!') && out.hash_comment.is_none()
            {
                out.hash_comment = Some((line, col));
            }
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => out.open.push((c, line, col, field_before(&current_line))),
            ')' | ']' | '}' => {
                out.open.pop();
            }
            '\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}' if out.curly.is_none() => {
                out.curly = Some((line, col, c));
            }
            _ => {}
        }
        current_line.push(c);
    }
    out
}

/// Byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            return offset
                + l.chars()
                    .take(column.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum::<usize>();
        }
        offset += l.len();
    }
    text.len()
}

fn curly_quotes(s: &Scan) -> Option<Mistake> {
    let (line, column, c) = s.curly?;
    Some(Mistake {
        code: "curly-quotes",
        at: (line, column),
        message: format!("`{c}` is a curly quote: RON text goes in straight double quotes"),
        hint: "word processors and some editors turn \" into “ ”: retype them as straight quotes \" (curly quotes inside a text are fine)".into(),
    })
}

fn hash_comment(s: &Scan) -> Option<Mistake> {
    let at = s.hash_comment?;
    Some(Mistake {
        code: "comment-syntax",
        at,
        message: "`#` does not start a comment in RON".into(),
        hint: "comments start with `//` (to the end of the line) or are written /* like this */"
            .into(),
    })
}

fn bad_escape(text: &str, at: (usize, usize), parser_message: &str) -> Option<Mistake> {
    if !parser_message.to_lowercase().contains("escape") {
        return None;
    }
    let line = text.lines().nth(at.0.saturating_sub(1)).unwrap_or("");
    let mut chars = line.chars();
    let mut sequence = "\\".to_string();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\' | '"' | 'n' | 't' | 'r' | '0' | 'u' | '\'' | 'x') => {}
                Some(other) => {
                    sequence = format!("\\{other}");
                    break;
                }
                None => break,
            }
        }
    }
    Some(Mistake {
        code: "bad-escape",
        at,
        message: format!("`{sequence}` is not an escape: in a RON text a backslash starts an escape (\\n, \\\", \\\\)"),
        hint: "double every backslash — \"\\\\\\\\server\\\\share\" — or write a raw string, where backslashes are literal: r\"\\\\server\\share\" (r#\"...\"# when the text holds a \")".into(),
    })
}

fn stray_quote(text: &str, at: (usize, usize)) -> Option<Mistake> {
    let offset = offset_of(text, at.0, at.1);
    let before = text.get(..offset)?.trim_end_matches([' ', '\t']);
    let next = text.get(offset..)?.chars().next()?;
    let same_line = !text.get(before.len()..offset)?.contains('\n');
    (before.ends_with('"') && same_line && (next.is_alphanumeric() || next == '"')).then(|| {
        Mistake {
            code: "stray-quote",
            at,
            message: "a `\"` inside the text ended it early: what follows is read as RON, not text".into(),
            hint: "write a quote inside a text as \\\" (\"He said \\\"hi\\\"\"), or use a raw string: r#\"He said \"hi\"\"#".into(),
        }
    })
}

fn unclosed_bracket(text: &str, at: (usize, usize)) -> Option<Mistake> {
    let whole = scan(text, usize::MAX);
    if whole.open.is_empty() {
        return None;
    }
    let here = scan(text, offset_of(text, at.0, at.1));
    // The innermost bracket still open where the parser stopped; the outermost `(` of
    // the file is open everywhere, so only a nested one is a lead.
    let (c, line, column, field) = here.open.get(1..)?.last()?.clone();
    let close = match c {
        '(' => ')',
        '[' => ']',
        _ => '}',
    };
    let of = field.map(|f| format!(" (`{f}`)")).unwrap_or_default();
    Some(Mistake {
        code: "unclosed-bracket",
        at: (line, column),
        message: format!("the `{c}` opened here{of} is never closed"),
        hint: format!(
            "add the missing `{close}` after its last value: what follows is read as part of it (the parser noticed only at line {}, column {})",
            at.0, at.1
        ),
    })
}

/// The hand-writing mistake behind a parse error at `at`, if one is recognised.
/// `unknown_field` is true when the parser met a field its struct does not know (a lead
/// for an unclosed bracket).
pub fn recognise(
    text: &str,
    at: (usize, usize),
    parser_message: &str,
    unknown_field: bool,
) -> Option<Mistake> {
    let whole = scan(text, usize::MAX);
    curly_quotes(&whole)
        .or_else(|| hash_comment(&whole))
        .or_else(|| bad_escape(text, at, parser_message))
        .or_else(|| stray_quote(text, at))
        .or_else(|| {
            let eof = parser_message.to_lowercase().contains("unexpected end");
            (unknown_field || eof)
                .then(|| unclosed_bracket(text, at))
                .flatten()
        })
}
