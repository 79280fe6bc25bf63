//! Exports that cannot attack their reader: CSV formula cells neutralised (OWASP), HTML
//! in the Markdown report escaped, terminal controls shown and never acted on, nothing of
//! a non-result file echoed.

use std::ffi::OsStr;
use std::path::Path;

use crate::{compete_as, competition, run, run_ideal, texts};

fn os(s: &str) -> &OsStr {
    s.as_ref()
}

fn ok(o: &std::process::Output, label: &str) {
    let (out, err) = texts(o);
    assert!(o.status.success(), "{label}: {out}{err}");
}

/// Adds a trainee and stores one onboarding-basics session for them.
fn trainee_with_session(data: &Path, name: &str, team: &str) {
    ok(
        &run(
            data,
            &[os("trainee"), os("add"), os(name), os("--team"), os(team)],
        ),
        "trainee add",
    );
    ok(
        &run_ideal(data, "onboarding-basics", &[os("--trainee"), os(name)]),
        "run --trainee",
    );
}

#[test]
fn every_formula_prefix_is_neutralised_in_a_csv_cell() {
    use dojo_core::escape::csv_cell;
    assert_eq!(csv_cell("=1+1"), "'=1+1");
    assert_eq!(csv_cell("+1"), "'+1");
    assert_eq!(csv_cell("-1+2"), "'-1+2");
    assert_eq!(csv_cell("-5"), "'-5");
    assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(csv_cell("\tx"), "'\tx");
    assert_eq!(csv_cell("\rx"), "\"'\rx\"");
    assert_eq!(
        csv_cell("=HYPERLINK(\"a\",\"b\")"),
        "\"'=HYPERLINK(\"\"a\"\",\"\"b\"\")\""
    );
    assert_eq!(csv_cell("Ana Lopez"), "Ana Lopez");
    assert_eq!(csv_cell("a,b"), "\"a,b\"");
}

#[test]
fn the_coach_report_csv_neutralises_formula_cells() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let name = "=HYPERLINK(\"http://evil\",\"x\")";
    trainee_with_session(&data, name, "Desk A");
    let o = run(
        &data,
        &[
            os("report"),
            os("--trainee"),
            os(name),
            os("--format"),
            os("csv"),
        ],
    );
    ok(&o, "report csv");
    let (csv, _) = texts(&o);
    let row = csv.lines().nth(1).expect("a session row");
    assert!(
        row.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
        "the trainee cell is not neutralised: {row}"
    );
    assert!(!row.contains(",=") && !row.starts_with('='), "{row}");
    // Every cell of every row: none starts with a formula character.
    for line in csv.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "raw formula cell `{cell}` in {line}"
            );
        }
    }
}

#[test]
fn the_leaderboard_csv_neutralises_a_leading_minus_plus_and_at() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cup = dir.path().join("cup");
    let file = competition(&data, &cup, &[]);
    ok(
        &compete_as(&data, &file, "-2+3", &cup.join("minus.ron")),
        "minus",
    );
    ok(&compete_as(&data, &file, "@cmd", &cup.join("at.ron")), "at");
    ok(
        &compete_as(&data, &file, "+1", &cup.join("plus.ron")),
        "plus",
    );
    let o = run(
        &data,
        &[
            os("compete"),
            os("leaderboard"),
            cup.as_os_str(),
            os("--format"),
            os("csv"),
        ],
    );
    ok(&o, "leaderboard csv");
    let (csv, _) = texts(&o);
    for name in ["'-2+3", "'@cmd", "'+1"] {
        assert!(csv.contains(&format!(",{name},")), "{name} missing: {csv}");
    }
    for raw in [",-2+3,", ",@cmd,", ",+1,"] {
        assert!(!csv.contains(raw), "raw cell {raw}: {csv}");
    }
}

#[test]
fn the_markdown_report_escapes_html_in_names_and_override_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let name = "Ana <img src=x onerror=alert(1)>";
    trainee_with_session(&data, name, "<b>Desk</b>");
    ok(
        &run(&data, &[os("coach"), os("add"), os("<i>Coach</i>")]),
        "coach add",
    );
    let o = run(
        &data,
        &[
            os("override"),
            os("--session"),
            os("1"),
            os("--ticket"),
            os("1"),
            os("--score"),
            os("50"),
            os("--coach"),
            os("<i>Coach</i>"),
            os("--reason"),
            os("<script>alert('x')</script> & more"),
        ],
    );
    ok(&o, "override");
    let o = run(
        &data,
        &[
            os("report"),
            os("--trainee"),
            os(name),
            os("--format"),
            os("md"),
        ],
    );
    ok(&o, "report md");
    let (md, _) = texts(&o);
    assert!(
        md.contains("Ana &lt;img src=x onerror=alert(1)&gt;"),
        "{md}"
    );
    assert!(md.contains("&lt;b&gt;Desk&lt;/b&gt;"), "{md}");
    assert!(md.contains("&lt;i&gt;Coach&lt;/i&gt;"), "{md}");
    assert!(
        md.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; more"),
        "{md}"
    );
    for raw in ["<img", "<script", "<b>", "<i>"] {
        assert!(
            !md.contains(raw),
            "raw HTML {raw} in the Markdown report:\n{md}"
        );
    }
}

#[test]
fn terminal_output_shows_escape_codes_and_bidi_overrides_never_acts_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Hostile text where no name rule stands guard: a result edited by hand.
    let name = "Ana\u{1b}[2J\u{1b}]0;owned\u{7}Bob\u{202E}exe.txt";
    let edit = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let edited = text.replace(
            "trainee: Some(\"Ana\")",
            &format!("trainee: Some(\"{name}\")"),
        );
        assert_ne!(text, edited, "no trainee to edit in {}", path.display());
        std::fs::write(path, edited).unwrap();
    };
    let result = dir.path().join("r.ron");
    let o = run_ideal(
        &data,
        "onboarding-basics",
        &[
            os("--trainee"),
            os("Ana"),
            os("--no-store"),
            os("--out"),
            result.as_os_str(),
        ],
    );
    ok(&o, "run");
    edit(&result);
    let grade = run(&data, &[os("grade"), result.as_os_str()]);
    ok(&grade, "grade");
    let cup = dir.path().join("cup");
    let file = competition(&data, &cup, &[]);
    ok(
        &compete_as(&data, &file, "Ana", &cup.join("x.ron")),
        "compete",
    );
    edit(&cup.join("x.ron"));
    let verify = run(&data, &[os("compete"), os("verify"), cup.as_os_str()]);
    let board = run(&data, &[os("compete"), os("leaderboard"), cup.as_os_str()]);
    // An error naming a file whose name holds an escape code.
    let evil_file = dir.path().join("\u{1b}[31mred.ron");
    let missing = run(&data, &[os("grade"), evil_file.as_os_str()]);
    assert!(!missing.status.success());
    for (label, o) in [
        ("grade", &grade),
        ("verify", &verify),
        ("leaderboard", &board),
        ("missing", &missing),
    ] {
        let (out, err) = texts(o);
        for text in [&out, &err] {
            assert!(
                !text.contains(['\u{1b}', '\u{7}', '\u{202E}']),
                "{label}: a control reached the terminal: {text:?}"
            );
        }
    }
    let (shown, _) = texts(&verify);
    // The verifier refuses the name (the one rule for names) and shows it escaped.
    assert!(shown.contains("rejected [name]"), "{shown}");
    assert!(shown.contains("Ana\\u{1b}[2J"), "{shown}");
    assert!(shown.contains("Bob\\u{202e}exe.txt"), "{shown}");
    assert!(
        texts(&missing).1.contains("\u{FFFD}[31mred.ron"),
        "{}",
        texts(&missing).1
    );
    // The file keeps what was written (nothing lost), and the JSON export too.
    assert!(std::fs::read_to_string(&result).unwrap().contains(name));
    let json = run(
        &data,
        &[os("grade"), result.as_os_str(), os("--format"), os("json")],
    );
    ok(&json, "grade json");
}

#[test]
fn nothing_of_a_non_result_file_is_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secret = dir.path().join("secret.ron");
    std::fs::write(&secret, "rootsecret:x:0:0:hunter2:/root:/bin/bash\n").unwrap();
    for cmd in ["grade", "replay"] {
        let o = run(&data, &[os(cmd), secret.as_os_str()]);
        let (out, err) = texts(&o);
        assert!(!o.status.success(), "{cmd}");
        assert!(err.contains("not a result file"), "{cmd}: {err}");
        assert!(err.contains(&secret.display().to_string()), "{cmd}: {err}");
        assert!(
            !format!("{out}{err}").contains("rootsecret")
                && !format!("{out}{err}").contains("hunter2"),
            "{cmd} echoed the file: {out}{err}"
        );
    }
    // In a competition folder: rejected as not a result, nothing of it shown.
    let cup = dir.path().join("cup");
    let file = competition(&data, &cup, &[]);
    ok(
        &compete_as(&data, &file, "Ana", &cup.join("ana.ron")),
        "compete",
    );
    std::fs::copy(&secret, cup.join("secret.ron")).unwrap();
    for args in [
        vec![os("compete"), os("verify"), cup.as_os_str()],
        vec![
            os("compete"),
            os("leaderboard"),
            cup.as_os_str(),
            os("--format"),
            os("html"),
        ],
    ] {
        let o = run(&data, &args);
        let (out, err) = texts(&o);
        assert!(out.contains("secret.ron"), "{out}");
        assert!(
            !format!("{out}{err}").contains("rootsecret")
                && !format!("{out}{err}").contains("hunter2"),
            "echoed: {out}{err}"
        );
    }
}
