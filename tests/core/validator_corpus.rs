//! The validator against a corpus of broken files (`tests/corpus/`), one per kind of
//! error: each gets a clear, located message and a non-zero exit.

use std::path::PathBuf;

use dojo_core::pack::{PackOptions, validate_paths};
use dojo_core::validate::{Diagnostic, Severity};

fn corpus(name: &str) -> PathBuf {
    crate::common::root().join("tests/corpus").join(name)
}

fn errors_of(files: &[&str]) -> Vec<Diagnostic> {
    let paths: Vec<PathBuf> = files.iter().map(|f| corpus(f)).collect();
    let report = validate_paths(&paths, &PackOptions::default());
    report
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// (files, code, line:column or None, field, text the message contains, text the hint contains)
type Case = (
    &'static [&'static str],
    &'static str,
    Option<(usize, usize)>,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    // Hand-writing mistakes (issue 14): each named for what it is.
    (
        &["hash-comment.ron"],
        "comment-syntax",
        Some((13, 5)),
        None,
        "`#` does not start a comment in RON",
        "comments start with `//`",
    ),
    (
        &["backslash-path.ron"],
        "bad-escape",
        Some((10, 39)),
        None,
        "`\\s` is not an escape",
        "r\"\\\\server\\share\"",
    ),
    (
        &["stray-quote.ron"],
        "stray-quote",
        Some((10, 31)),
        None,
        "a `\"` inside the text ended it early",
        "r#\"He said \"hi\"\"#",
    ),
    (
        &["unclosed-paren.ron"],
        "unclosed-bracket",
        Some((12, 13)),
        None,
        "the `(` opened here (`l1_has`) is never closed",
        "add the missing `)`",
    ),
    (
        &["curly-quotes.ron"],
        "curly-quotes",
        Some((4, 12)),
        None,
        "`“` is a curly quote",
        "straight",
    ),
    (
        &["kb-wrong-type.ron"],
        "kb-does-not-cover",
        Some((12, 55)),
        Some("l1_has.runbook"),
        "`kb-vpn-809` covers vpn tickets, not `password-reset`: an article that does not cover the ticket is no documented procedure",
        "kb-password-reset",
    ),
    (
        &["syntax-missing-comma.ron"],
        "syntax",
        Some((5, 5)),
        Some("title"),
        "Expected comma",
        "commas",
    ),
    (
        &["unknown-field.ron"],
        "unknown-field",
        Some((6, 5)),
        Some("dificulty"),
        "unknown field `dificulty`",
        "did you mean `difficulty`?",
    ),
    (
        &["missing-field.ron"],
        "missing-field",
        Some((20, 1)),
        Some("title"),
        "missing field `title`",
        "title: ...",
    ),
    (
        &["wrong-type.ron"],
        "syntax",
        Some((6, 16)),
        Some("difficulty"),
        "Expected integer",
        "type",
    ),
    (
        &["unknown-variant.ron"],
        "unknown-variant",
        Some((9, 14)),
        Some("channel"),
        "unknown value `Emial`",
        "did you mean `Email`?",
    ),
    (
        &["unclosed-string.ron"],
        "syntax",
        Some((11, 53)),
        None,
        "Expected comma",
        "line 10 has an unclosed string",
    ),
    (
        &["trailing-characters.ron"],
        "syntax",
        Some((21, 2)),
        None,
        "trailing characters",
        "one item per file",
    ),
    (
        &["duplicate-id-a.ron", "duplicate-id-b.ron"],
        "duplicate-id",
        Some((3, 9)),
        Some("id"),
        "duplicate id `corpus-duplicate`: already used by",
        "unique",
    ),
    (
        &["missing-step-reference.ron"],
        "missing-reference",
        Some((13, 22)),
        Some("minimum_checks[0]"),
        "step `check-dsik` does not exist",
        "did you mean `check-disk`?",
    ),
    (
        &["missing-kb-reference.ron"],
        "missing-reference",
        Some((12, 55)),
        Some("l1_has.runbook"),
        "KB article `kb-no-such-article` does not exist",
        "kb-vpn-809",
    ),
    (
        &["missing-event-reference.ron"],
        "missing-reference",
        Some((20, 46)),
        Some("events[0].trigger"),
        "fix `reboot` does not exist",
        "cleanup",
    ),
    (
        &["unrevealed-root-cause.ron"],
        "unrevealed-root-cause",
        Some((14, 5)),
        Some("steps"),
        "no step ever reveals the root cause",
        "reveals_cause: true",
    ),
    (
        &["no-l1-fix.ron"],
        "no-l1-fix",
        Some((19, 5)),
        Some("fixes"),
        "no fix L1 can apply resolves it",
        "resolves: true",
    ),
    (
        &["unknown-ticket-type.ron"],
        "unknown-ticket-type",
        Some((5, 18)),
        Some("ticket_type"),
        "ticket type `vnp` is not in the policy",
        "did you mean `vpn`?",
    ),
    (
        &["expectation-disagrees.ron"],
        "expectation-disagrees",
        Some((20, 5)),
        Some("expected.owner"),
        "expected owner ResolveAtL1 but the engine says EscalateToL2",
        "L1 lacks the access",
    ),
    (
        &["undeclared-variable.ron"],
        "undeclared-variable",
        Some((8, 24)),
        Some("variables"),
        "`{first_name}` is used but not declared",
        "Pool",
    ),
    (
        &["variant-changes-verdict.ron"],
        "variant-changes-verdict",
        Some((20, 5)),
        Some("variables"),
        "template variants disagree",
        "verdict_may_vary",
    ),
    (
        &["bad-difficulty.ron"],
        "out-of-range",
        Some((6, 5)),
        Some("difficulty"),
        "difficulty 9 is outside 1–5",
        "",
    ),
    (
        &["empty.ron"],
        "empty",
        None,
        None,
        "file is empty",
        "Scenario(",
    ),
    (
        &["whitespace-only.ron"],
        "empty",
        None,
        None,
        "file is empty",
        "",
    ),
    (
        &["binary.ron"],
        "binary",
        None,
        None,
        "file looks binary",
        "",
    ),
    (
        &["not-utf8.ron"],
        "not-utf8",
        Some((2, 13)),
        None,
        "not valid UTF-8",
        "UTF-8",
    ),
    (
        &["unknown-kind.ron"],
        "unknown-kind",
        Some((2, 1)),
        None,
        "unknown file kind `Ticket`",
        "Scenario(",
    ),
    (
        &["kb-no-procedure.ron"],
        "no-procedure",
        Some((6, 5)),
        Some("procedure"),
        "documents no procedure",
        "",
    ),
    (
        &["slow-for-a-person.ron"],
        "ideal-path-too-long",
        Some((29, 5)),
        Some("minimum_checks"),
        "at a person's pace the ideal path takes 13 min",
        "at most 12 min",
    ),
    (
        &["policy-security-window.ron"],
        "security-window",
        Some((27, 9)),
        Some("ticket_types.security.window_minutes"),
        "security type but has an ownership window",
        "None",
    ),
];

#[test]
fn every_broken_file_gets_one_clear_located_error() {
    for (files, code, at, field, message, hint) in CASES {
        let errors = errors_of(files);
        assert_eq!(
            errors.len(),
            1,
            "{files:?}: expected exactly one error, got {errors:#?}"
        );
        let e = &errors[0];
        let what = format!("{files:?}: {e}");
        assert_eq!(e.code, *code, "{what}");
        assert_eq!(e.line.zip(e.column), *at, "{what}");
        assert_eq!(e.field.as_deref(), *field, "{what}");
        assert!(e.message.contains(message), "{what}");
        assert!(e.hint.as_deref().unwrap_or("").contains(hint), "{what}");
        assert!(
            e.file.ends_with(files[files.len() - 1]) || files.len() > 1,
            "{what}"
        );
    }
}

#[test]
fn one_bad_file_never_hides_the_others() {
    let all: Vec<PathBuf> = CASES
        .iter()
        .flat_map(|(files, ..)| files.iter().map(|f| corpus(f)))
        .collect();
    let report = validate_paths(&all, &PackOptions::default());
    // One error per case, all reported in the same run.
    assert_eq!(report.errors(), CASES.len(), "{:#?}", report.diagnostics);
}

#[test]
fn over_one_mib_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.ron");
    let mut text = String::from("Scenario(\n    ticket_text: \"");
    text.push_str(&"x".repeat(1024 * 1024));
    text.push_str("\",\n)\n");
    std::fs::write(&path, text).unwrap();
    let report = validate_paths(&[path], &PackOptions::default());
    assert_eq!(report.errors(), 1);
    assert_eq!(report.diagnostics[0].code, "too-large");
    assert!(report.diagnostics[0].message.contains("limited to 1 MiB"));
}

#[test]
fn a_missing_path_is_an_error_not_a_panic() {
    let report = validate_paths(&[corpus("no-such-file.ron")], &PackOptions::default());
    assert_eq!(report.errors(), 1);
    assert_eq!(report.diagnostics[0].code, "io");
}
