//! One rule for names: NFC, printable only, whitespace collapsed, a length cap, unique
//! case-insensitively and by confusable skeleton — in the history, on competition rosters,
//! in result headers and in `--team "NAME=TEAM"`.

use std::path::Path;
use std::process::Command;

use chrono::{TimeZone, Utc};
use dojo_core::compete::Competition;
use dojo_core::history::Role;
use dojo_core::names::{self, NameError};
use dojo_core::pack::Pack;
use dojo_core::validate::Source;
use dojo_store::{Store, StoreError};

fn dojo(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dojo"));
    c.env("DOJO_DATA_DIR", data);
    c
}

#[test]
fn a_name_is_nfc_printable_collapsed_and_capped() {
    assert_eq!(names::clean("  Ana   Lopez ").unwrap(), "Ana Lopez");
    assert_eq!(names::clean("Ana\u{00A0}Lopez").unwrap(), "Ana Lopez");
    assert_eq!(names::clean("Ana\u{3000}Lopez").unwrap(), "Ana Lopez");
    // A line separator is white space: collapsed like any other.
    assert_eq!(names::clean("Ana\u{2028}Lopez").unwrap(), "Ana Lopez");
    // NFD "José" (e + combining acute) is NFC "José".
    assert_eq!(names::clean("Jose\u{0301}").unwrap(), "Jos\u{00E9}");
    assert_eq!(names::clean("Ana=Lopez").unwrap(), "Ana=Lopez");
    for (raw, c, kind) in [
        (
            "Ana\u{200B} Lopez",
            '\u{200B}',
            "an invisible format character",
        ),
        (
            "Bob\u{202E}exe.txt",
            '\u{202E}',
            "a bidirectional control character",
        ),
        (
            "Ana\u{2066}x",
            '\u{2066}',
            "a bidirectional control character",
        ),
        ("Ana\nLopez", '\n', "a control character"),
        ("Ana\tLopez", '\t', "a control character"),
        ("\u{1b}[31mAna", '\u{1b}', "a control character"),
        ("\u{FEFF}Ana", '\u{FEFF}', "an invisible format character"),
        ("Ana\u{E000}", '\u{E000}', "a private-use character"),
    ] {
        assert_eq!(
            names::clean(raw),
            Err(NameError::Forbidden(c, kind)),
            "{}",
            raw.escape_debug()
        );
    }
    assert_eq!(
        names::clean("Ana\u{200B} Lopez").unwrap_err().to_string(),
        "the name contains U+200B, an invisible format character: a name is printable text only"
    );
    assert_eq!(names::clean(" \u{00A0} "), Err(NameError::Empty));
    assert_eq!(names::clean(&"a".repeat(80)).unwrap().len(), 80);
    assert_eq!(names::clean(&"a".repeat(81)), Err(NameError::TooLong(81)));
    assert_eq!(
        names::clean(&"x".repeat(10_000)),
        Err(NameError::TooLong(10_000))
    );
}

#[test]
fn look_alike_names_are_one_name() {
    let ana = names::key("Ana Lopez");
    for other in [
        "ana lopez",
        "ANA LOPEZ",
        "Ana  Lopez",
        "Ana\u{00A0}Lopez",
        "\u{0410}na Lopez",  // Cyrillic capital A
        "Ana L\u{043E}pez",  // Cyrillic small o
        "Ana Lopez\u{200B}", // a zero-width space (refused by `clean`, same key)
    ] {
        assert_eq!(names::key(other), ana, "{}", other.escape_debug());
    }
    assert_eq!(names::key("Jose\u{0301}"), names::key("Jos\u{00E9}"));
    assert_ne!(names::key("Ana Lopes"), ana);
    assert_ne!(names::key("Ana Lopez Jr"), ana);
}

#[test]
fn name_team_splits_at_the_last_equals_sign() {
    assert_eq!(
        names::split_name_team("Ana Lopez=North"),
        Some(("Ana Lopez", "North"))
    );
    assert_eq!(names::split_name_team("A=B=North"), Some(("A=B", "North")));
    assert_eq!(names::split_name_team("no team"), None);
}

#[test]
fn the_history_refuses_look_alikes_of_a_person_and_merges_look_alike_teams() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let ana = store
        .add_person("  Ana   Lopez ", Role::Trainee, Some("Northside"), at)
        .unwrap();
    assert_eq!(ana.name, "Ana Lopez");
    for other in [
        "ana lopez",
        "Ana\u{00A0}Lopez",
        "\u{0410}na Lopez",
        "Ana L\u{043E}pez",
    ] {
        let e = store.add_person(other, Role::Coach, None, at).unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(m) if m.starts_with("`Ana Lopez` is already a trainee in team `Northside`")),
            "{}: {e}",
            other.escape_debug()
        );
    }
    let e = store
        .add_person("Ana\u{200B} Lopez", Role::Trainee, None, at)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "a trainee name is 1 to 80 printable characters: the name contains U+200B, an invisible format character: a name is printable text only"
    );
    // Found by any spelling of the same name.
    assert_eq!(
        store.person("\u{0410}NA LOPEZ").unwrap().unwrap().id,
        ana.id
    );
    // "NORTHSIDE" and a Cyrillic-o "N\u{043E}rthside" are the team Northside.
    let ben = store
        .add_person("Ben Carter", Role::Trainee, Some("N\u{043E}RTHSIDE"), at)
        .unwrap();
    assert_eq!(ben.team.as_deref(), Some("Northside"));
    assert_eq!(store.teams().unwrap().len(), 1);
    assert_eq!(store.people(None).unwrap().len(), 2);
}

#[test]
fn the_cli_refuses_escape_codes_in_a_name_and_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = dojo(dir.path())
        .args(["trainee", "add", "\u{1b}[2JAna"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the name contains U+001B, a control character") && !err.contains('\u{1b}'),
        "{err}"
    );
    let o = dojo(dir.path())
        .args(["trainee", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        serde_json::json!([])
    );
}

fn compete_new(dir: &Path, teams: &[&str]) -> std::process::Output {
    let mut c = dojo(dir);
    c.args([
        "compete",
        "new",
        "--shift",
        "competition-mixed",
        "--seed",
        "7",
        "--out",
        dir.join("competition.ron").to_str().unwrap(),
        "--force",
    ]);
    for t in teams {
        c.args(["--team", t]);
    }
    c.output().unwrap()
}

#[test]
fn team_entries_allow_equals_in_names_and_refuse_look_alikes_and_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let o = compete_new(dir.path(), &["A=B Smith=North", "Ana  Lopez=South"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pack = Pack::builtin().unwrap();
    let c = Competition::read(&dir.path().join("competition.ron"), Some(&pack)).unwrap();
    assert_eq!(
        c.teams.iter().collect::<Vec<_>>(),
        [
            (&"A=B Smith".to_string(), &"North".to_string()),
            (&"Ana Lopez".to_string(), &"South".to_string())
        ]
    );

    let o = compete_new(dir.path(), &["Ana Lopez=North", "ana l\u{043E}pez=South"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("is the same participant as `Ana Lopez`"),
        "{err}"
    );
    let o = compete_new(dir.path(), &["Bob\u{202E}exe.txt=North"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains(
            "the participant name: the name contains U+202E, a bidirectional control character"
        ),
        "{err}"
    );
    let o = compete_new(dir.path(), &[&format!("{}=North", "x".repeat(10_000))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("the name is 10000 characters long; a name is at most 80"),
        "{}",
        &err[..err.len().min(300)]
    );
}

#[test]
fn a_hand_written_roster_with_look_alikes_or_hidden_characters_is_refused() {
    let pack = Pack::builtin().unwrap();
    let made = Competition::new(
        "Cup",
        &pack.shifts["competition-mixed"],
        7,
        &pack,
        [
            ("Ana Lopez".to_string(), "North".to_string()),
            ("\u{0410}na Lopez".to_string(), "North".to_string()),
            ("Ben\u{200B}".to_string(), "North".to_string()),
        ]
        .into_iter()
        .collect(),
    );
    let problems = Competition::parse(
        &Source {
            name: "cup.ron".into(),
            bytes: made.to_ron().into_bytes(),
        },
        Some(&pack),
    )
    .unwrap_err();
    let codes: Vec<(&str, String)> = problems
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect();
    assert!(
        codes
            .iter()
            .any(|(c, m)| *c == "duplicate-participant" && m.contains("are the same participant")),
        "{codes:?}"
    );
    assert!(
        codes
            .iter()
            .any(|(c, m)| *c == "name-rule" && m.contains("U+200B, an invisible format character")),
        "{codes:?}"
    );
}

#[test]
fn a_competition_run_refuses_a_name_with_hidden_characters() {
    let dir = tempfile::tempdir().unwrap();
    let o = compete_new(dir.path(), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let script = crate::common::root().join("examples/scripts/competition-mixed.ideal.ron");
    let o = dojo(dir.path())
        .args([
            "run",
            "--competition",
            dir.path().join("competition.ron").to_str().unwrap(),
            "--trainee",
            "Ana\u{200B}Lopez",
            "--actions",
            script.to_str().unwrap(),
            "--out",
            dir.path().join("ana.ron").to_str().unwrap(),
            "--no-store",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("U+200B, an invisible format character"),
        "{err}"
    );
    assert!(!dir.path().join("ana.ron").exists());
}
