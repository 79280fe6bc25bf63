//! The history as a user drives it: onboarding progress across a restart, a coach's
//! report with an override, a drill for an over-escalator, a kill mid-save, a killed
//! session recovered, a damaged or newer database refused and kept.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dojo_core::agents::{self, Persona};
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, LogHeader, SessionResult};
use dojo_core::sim::session::Session;

fn root() -> PathBuf {
    crate::common::root()
}

/// `dojo` with its history in `data`.
fn dojo(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dojo"));
    c.env("DOJO_DATA_DIR", data);
    c
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run(data: &Path, args: &[&str]) -> String {
    ok(dojo(data).args(args).output().unwrap())
}

fn json(data: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&run(data, args)).unwrap()
}

/// A persona's result file for a shift (seed 7), as `dojo run --out` writes it.
fn result_file(dir: &Path, shift: &str, persona: Persona) -> PathBuf {
    let pack = Arc::new(Pack::builtin().unwrap());
    let script = agents::play(Arc::clone(&pack), &pack.shifts[shift], 7, persona).unwrap();
    let mut s = Session::new(Arc::clone(&pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    let path = dir.join(format!("{shift}.{}.result.ron", persona.slug()));
    let result = SessionResult::of(&s, LogHeader::for_session(&s, None, None));
    std::fs::write(&path, result.to_ron()).unwrap();
    path
}

fn module_states(data: &Path, who: &str) -> Vec<String> {
    json(data, &["progress", "--trainee", who, "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn passing_onboarding_module_one_unlocks_module_two_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(&data, &["trainee", "add", "Ana", "--team", "Desk A"]);
    assert_eq!(module_states(&data, "Ana")[..2], ["Unlocked", "Locked"]);

    let script = root().join("examples/scripts/onboarding-1-l1-scope.ideal.ron");
    let out = ok(dojo(&data)
        .args([
            "run",
            "--shift",
            "onboarding-1-l1-scope",
            "--seed",
            "7",
            "--trainee",
            "ana",
            "--actions",
        ])
        .arg(&script)
        .output()
        .unwrap());
    assert!(
        out.contains("stored as session 1 in Ana's history"),
        "{out}"
    );
    // The run's own log went into the history and is no longer needed on disk.
    assert_eq!(std::fs::read_dir(data.join("logs")).unwrap().count(), 0);

    // A new process (a restart) reads the same progress.
    assert_eq!(
        module_states(&data, "Ana"),
        ["Passed", "Unlocked", "Locked", "Locked", "Locked", "Locked"]
    );
    let text = run(&data, &["progress", "--trainee", "Ana"]);
    assert!(
        text.contains("next: module 2 — play shift `onboarding-2-windows`"),
        "{text}"
    );

    // An unknown trainee is refused before anything is played or stored.
    let o = dojo(&data)
        .args([
            "run",
            "--shift",
            "onboarding-1-l1-scope",
            "--seed",
            "7",
            "--trainee",
            "Anna",
            "--actions",
        ])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no trainee named `Anna`") && err.contains("did you mean `Ana`"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("framework says"));
}

#[test]
fn a_coach_sees_two_sessions_with_trends_and_flags_overrides_a_grade_and_exports_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(&data, &["trainee", "add", "Bo", "--team", "Desk A"]);
    run(&data, &["trainee", "add", "Ana", "--team", "Desk A"]);
    run(&data, &["coach", "add", "Carla"]);
    let first = result_file(dir.path(), "onboarding-basics", Persona::OverEscalator);
    let second = result_file(dir.path(), "practice-mixed", Persona::OverEscalator);
    let ideal = result_file(dir.path(), "onboarding-basics", Persona::Ideal);
    let out = run(
        &data,
        &[
            "history",
            "import",
            first.to_str().unwrap(),
            "--trainee",
            "Bo",
            "--at",
            "2026-11-20",
        ],
    );
    assert!(out.contains("as session 1"), "{out}");
    run(
        &data,
        &[
            "history",
            "import",
            second.to_str().unwrap(),
            "--trainee",
            "Bo",
            "--at",
            "2026-11-23",
        ],
    );
    run(
        &data,
        &[
            "history",
            "import",
            ideal.to_str().unwrap(),
            "--trainee",
            "Ana",
            "--at",
            "2026-11-21",
        ],
    );
    // The same file again is recognised, not stored twice.
    let again = run(
        &data,
        &[
            "history",
            "import",
            first.to_str().unwrap(),
            "--trainee",
            "Bo",
        ],
    );
    assert!(again.contains("already stored as session 1"), "{again}");

    let report = json(&data, &["report", "--trainee", "Bo", "--format", "json"]);
    let sessions = report["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    for key in [
        "score",
        "fcr",
        "unnecessary_escalation",
        "accuracy",
        "window_use",
        "note_steps",
    ] {
        let trend = report["trends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == key)
            .unwrap();
        assert_eq!(trend["points"].as_array().unwrap().len(), 2, "{key}");
    }
    let flag = &report["flags"][0];
    assert_eq!(flag["flag"], "OverEscalates");
    assert_eq!(flag["sessions"], serde_json::json!([1, 2]));
    assert!(flag["evidence"].as_array().unwrap().len() >= 4);
    assert!(
        report["ticket_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["over_escalated"].as_u64().unwrap() > 0)
    );
    let team = &report["team_comparison"];
    assert_eq!(team["members"], 2);
    let score_row = team["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "score")
        .unwrap();
    assert_eq!(score_row["standing"], "Worse");
    let queue = report["review_queue"].as_array().unwrap();
    assert_eq!(queue.len(), 5);
    assert!(
        queue
            .iter()
            .all(|q| q["review"]["should_escalate"].is_string())
    );
    // The sample is the same every time.
    let again = json(&data, &["report", "--trainee", "Bo", "--format", "json"]);
    assert_eq!(again["review_queue"], report["review_queue"]);

    // The coach overrides one ticket's grade with a reason.
    let list = json(&data, &["history", "show", "1", "--format", "json"]);
    let ticket = list["session"]["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["score"].as_u64().unwrap() < 100)
        .unwrap();
    let number = ticket["number"].to_string();
    let automatic = ticket["score"].as_u64().unwrap();
    let o = dojo(&data)
        .args([
            "override",
            "--session",
            "1",
            "--ticket",
            &number,
            "--score",
            "90",
            "--coach",
            "carla",
            "--reason",
            "The runbook link was broken that week",
        ])
        .output()
        .unwrap();
    let said = ok(o);
    assert!(
        said.contains(&format!("automatic grade {automatic}")),
        "{said}"
    );
    // Without a reason, or by a trainee, it is refused.
    let o = dojo(&data)
        .args([
            "override",
            "--session",
            "1",
            "--ticket",
            &number,
            "--score",
            "90",
            "--coach",
            "Carla",
            "--reason",
            " ",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = dojo(&data)
        .args([
            "override",
            "--session",
            "1",
            "--ticket",
            &number,
            "--score",
            "90",
            "--coach",
            "Bo",
            "--reason",
            "x",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a trainee, not a coach"));

    let report = json(&data, &["report", "--trainee", "Bo", "--format", "json"]);
    let ov = &report["overrides"][0];
    assert_eq!(ov["automatic_score"], automatic);
    assert_eq!(ov["score"], 90);
    assert_eq!(ov["trail"][0]["coach"], "Carla");
    assert_eq!(
        ov["trail"][0]["reason"],
        "The runbook link was broken that week"
    );
    assert_ne!(
        report["sessions"][0]["score"],
        report["sessions"][0]["automatic_score"]
    );

    let md = run(&data, &["report", "--trainee", "Bo", "--format", "md"]);
    assert!(
        md.contains(&format!("automatic grade {automatic} → 90 now")),
        "{md}"
    );
    assert!(md.contains("by Carla") && md.contains("The runbook link was broken that week"));
    assert!(md.contains("### Over-escalates — 2 of 2 session(s)"));
    let csv = run(&data, &["report", "--trainee", "Bo", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[0].starts_with("session,played_at,trainee,shift,automatic_score,critical,score,fcr,")
    );
    let html_path = dir.path().join("bo.html");
    let said = run(
        &data,
        &[
            "report",
            "--trainee",
            "Bo",
            "--format",
            "html",
            "--out",
            html_path.to_str().unwrap(),
        ],
    );
    assert!(said.contains("2 session(s)"));
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("<svg")
            && html.contains("@media print")
    );
    assert!(html.contains("The runbook link was broken that week"));
    // Self-contained: nothing is fetched.
    for outside in ["src=\"http", "href=\"http", "<script", "@import", "url("] {
        assert!(!html.contains(outside), "{outside}");
    }
    // --since leaves the first session out.
    let later = json(
        &data,
        &[
            "report",
            "--trainee",
            "Bo",
            "--since",
            "2026-11-22",
            "--format",
            "json",
        ],
    );
    assert_eq!(later["sessions"].as_array().unwrap().len(), 1);
}

#[test]
fn the_drill_for_an_over_escalator_is_weighted_to_the_types_they_over_escalate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(&data, &["trainee", "add", "Bo"]);
    // As a coach would: script the persona, play it with `dojo run`, store it.
    let script = dir.path().join("over.ron");
    run(
        &data,
        &[
            "script",
            "--shift",
            "onboarding-basics",
            "--persona",
            "over-escalator",
            "--out",
            script.to_str().unwrap(),
        ],
    );
    run(
        &data,
        &[
            "run",
            "--shift",
            "onboarding-basics",
            "--seed",
            "7",
            "--trainee",
            "Bo",
            "--at",
            "2026-11-20",
            "--actions",
            script.to_str().unwrap(),
        ],
    );

    let report = json(&data, &["report", "--trainee", "Bo", "--format", "json"]);
    let over_types: Vec<String> = report["ticket_types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["over_escalated"].as_u64().unwrap() > 0)
        .map(|t| t["ticket_type"].as_str().unwrap().to_string())
        .collect();
    assert!(over_types.len() >= 2, "{over_types:?}");

    let drill = dir.path().join("drill.ron");
    let said = run(
        &data,
        &["drill", "--trainee", "Bo", "--out", drill.to_str().unwrap()],
    );
    assert!(said.contains("Over-escalates"), "{said}");
    // It is a valid shift file, like the shipped ones.
    let valid = run(&data, &["validate", drill.to_str().unwrap()]);
    assert!(valid.contains("0 error(s)"), "{valid}");

    let pack = Pack::builtin().unwrap();
    let text = std::fs::read_to_string(&drill).unwrap();
    let shift: dojo_core::shift::Shift = ron::Options::default().from_str(&text).unwrap();
    assert_eq!(shift.mode, dojo_core::shift::Mode::Coaching);
    assert_eq!(shift.selection.ids.len(), 6);
    let scenarios: Vec<_> = shift
        .selection
        .ids
        .iter()
        .map(|id| &pack.scenarios[id])
        .collect();
    let on_target = scenarios
        .iter()
        .filter(|s| over_types.contains(&s.ticket_type))
        .count();
    assert!(
        on_target * 3 >= scenarios.len() * 2,
        "{on_target} of {} on {over_types:?}",
        scenarios.len()
    );
    // And on those types, the tickets are the ones L1 owns: what they must learn to keep.
    assert!(
        scenarios
            .iter()
            .filter(|s| over_types.contains(&s.ticket_type))
            .all(|s| s.expected.owner == dojo_core::scenario::Owner::ResolveAtL1)
    );

    // The drill plays and is stored like any shift.
    let drill_script = dir.path().join("drill.script.ron");
    run(
        &data,
        &[
            "script",
            "--shift",
            drill.to_str().unwrap(),
            "--out",
            drill_script.to_str().unwrap(),
        ],
    );
    let out = run(
        &data,
        &[
            "run",
            "--shift",
            drill.to_str().unwrap(),
            "--trainee",
            "Bo",
            "--actions",
            drill_script.to_str().unwrap(),
        ],
    );
    assert!(out.contains("stored as session 2"), "{out}");

    // The next drill, the same day: the scenarios just met are not drilled again while
    // others of their kind are left (the curriculum's avoid_repeat_days).
    let again = dir.path().join("drill-2.ron");
    run(
        &data,
        &["drill", "--trainee", "Bo", "--out", again.to_str().unwrap()],
    );
    let second: dojo_core::shift::Shift = ron::Options::default()
        .from_str(&std::fs::read_to_string(&again).unwrap())
        .unwrap();
    for id in &second.selection.ids {
        if !shift.selection.ids.contains(id) {
            continue;
        }
        // A repeat only when every scenario of its type and owner was in one of the drills.
        let s = &pack.scenarios[id];
        let unused = pack
            .scenarios
            .values()
            .filter(|o| o.ticket_type == s.ticket_type && o.expected.owner == s.expected.owner)
            .filter(|o| {
                !shift.selection.ids.contains(&o.id) && !second.selection.ids.contains(&o.id)
            })
            .map(|o| o.id.clone())
            .collect::<Vec<_>>();
        assert!(
            unused.is_empty(),
            "{id} was drilled again within the week while {unused:?} were left"
        );
    }
    let repeats = second
        .selection
        .ids
        .iter()
        .filter(|id| shift.selection.ids.contains(id))
        .count();
    assert!(
        repeats < second.selection.ids.len(),
        "the second drill is the first again"
    );
}

fn count(path: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn killing_an_import_mid_save_loses_no_committed_session_and_leaves_no_partial_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(&data, &["trainee", "add", "Bo"]);
    let files = [
        result_file(dir.path(), "onboarding-basics", Persona::OverEscalator),
        result_file(dir.path(), "onboarding-basics", Persona::Slow),
        result_file(dir.path(), "practice-mixed", Persona::KbIgnorer),
    ];
    run(
        &data,
        &[
            "history",
            "import",
            files[0].to_str().unwrap(),
            files[1].to_str().unwrap(),
            "--trainee",
            "Bo",
        ],
    );

    // The third save is killed inside its transaction (rows written, not committed).
    let mut child = dojo(&data)
        .args([
            "history",
            "import",
            "--trainee",
            "Bo",
            "--pace-ms",
            "600000",
        ])
        .arg(&files[2])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = lines.next().unwrap().unwrap();
    assert!(line.starts_with("in transaction:"), "{line}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let db = data.join("history.sqlite3");
    let listed = json(&data, &["history", "list", "--format", "json"]);
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 2, "the killed save left nothing");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tickets WHERE session_id NOT IN (SELECT id FROM sessions)"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM sessions WHERE state <> 'finished'"
        ),
        0
    );
    for (i, f) in files[..2].iter().enumerate() {
        // Each committed session is whole: its log replays to the stored grade.
        let log = dir.path().join(format!("{i}.log"));
        run(
            &data,
            &[
                "history",
                "log",
                &(i + 1).to_string(),
                "--out",
                log.to_str().unwrap(),
            ],
        );
        let stored = json(&data, &["grade", "--format", "json", log.to_str().unwrap()]);
        let original = json(&data, &["grade", "--format", "json", f.to_str().unwrap()]);
        assert_eq!(stored["score"], original["score"]);
        assert_eq!(rows[i]["score"], original["score"]);
    }
    // The database is healthy, and the interrupted import simply runs again.
    let out = run(
        &data,
        &[
            "history",
            "import",
            files[2].to_str().unwrap(),
            "--trainee",
            "Bo",
        ],
    );
    assert!(out.contains("as session 3"), "{out}");
}

fn complete_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.matches('\n').count())
        .unwrap_or(0)
}

/// Starts a paced stored run and kills it once a dozen actions are in its log.
fn killed_run(data: &Path, shift: &str, script: &Path, seed: &str) -> PathBuf {
    let mut child = dojo(data)
        .args([
            "run",
            "--shift",
            shift,
            "--seed",
            seed,
            "--pace-ms",
            "25",
            "--trainee",
            "Ana",
            "--actions",
        ])
        .arg(script)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let logs = data.join("logs");
    let deadline = Instant::now() + Duration::from_secs(120);
    // Its log is the one named with its process id.
    let mine = format!("-{}.log", child.id());
    let log = loop {
        assert!(Instant::now() < deadline, "the run never wrote its log");
        let found = std::fs::read_dir(&logs).ok().and_then(|d| {
            d.flatten()
                .map(|e| e.path())
                .find(|p| p.to_string_lossy().ends_with(&mine))
        });
        if let Some(p) = found
            && complete_lines(&p) >= 13
        {
            break p;
        }
        std::thread::yield_now();
    };
    child.kill().unwrap();
    child.wait().unwrap();
    log
}

#[test]
fn a_run_killed_mid_session_is_found_at_the_next_start_and_resumed_or_abandoned() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(&data, &["trainee", "add", "Ana"]);
    let shift = "competition-mixed";
    let script = root().join(format!("examples/scripts/{shift}.ideal.ron"));

    let log = killed_run(&data, shift, &script, "7");
    // The next start says so.
    let o = dojo(&data)
        .args(["progress", "--trainee", "Ana"])
        .output()
        .unwrap();
    let note = String::from_utf8_lossy(&o.stderr);
    assert!(note.contains("1 interrupted session(s)"), "{note}");
    let found = json(&data, &["history", "interrupted", "--format", "json"]);
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1);
    let logged = found[0]["actions_logged"].as_u64().unwrap();
    assert!(logged >= 12);
    assert_eq!(found[0]["trainee"], "Ana");
    let id = found[0]["id"].to_string();

    let out = ok(dojo(&data)
        .args(["history", "resume", &id, "--actions"])
        .arg(&script)
        .output()
        .unwrap());
    assert!(out.contains(&format!("stored as session {id}")), "{out}");
    assert!(
        json(&data, &["history", "interrupted", "--format", "json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Nothing lost: the stored log is the uninterrupted run's.
    let stored = dir.path().join("stored.log");
    run(
        &data,
        &["history", "log", &id, "--out", stored.to_str().unwrap()],
    );
    let straight = dir.path().join("straight.ron");
    ok(dojo(&data)
        .args([
            "run",
            "--shift",
            shift,
            "--seed",
            "7",
            "--no-store",
            "--trainee",
            "Ana",
            "--actions",
        ])
        .arg(&script)
        .arg("--out")
        .arg(&straight)
        .output()
        .unwrap());
    let a = record::read_recorded(&stored).unwrap();
    let b = record::read_recorded(&straight).unwrap();
    assert_eq!(a.entries, b.entries);
    assert!(
        !log.exists(),
        "the history's own log goes once the session is stored"
    );

    // A second one is filed as abandoned, its log kept in the history. (Another seed: the
    // same script on the same seed is the stored session, refused before it plays.)
    let log = killed_run(&data, shift, &script, "8");
    let found = json(&data, &["history", "interrupted", "--format", "json"]);
    let id = found[0]["id"].to_string();
    let logged = found[0]["actions_logged"].as_u64().unwrap() as usize;
    let out = run(&data, &["history", "abandon", &id]);
    assert!(out.contains("filed as abandoned"));
    let kept = run(&data, &["history", "log", &id]);
    assert_eq!(kept.lines().count(), logged + 1);
    assert!(log.exists());
    let listed = json(&data, &["history", "list", "--format", "json"]);
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["state"] == "Abandoned")
            .count(),
        1
    );
}

#[test]
fn a_damaged_or_newer_database_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("history.sqlite3");
    std::fs::write(&db, b"\x00\x01 definitely not sqlite").unwrap();
    let o = dojo(&data).args(["trainee", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("damaged") && err.contains("history.sqlite3.damaged-1"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(data.join("history.sqlite3.damaged-1")).unwrap(),
        b"\x00\x01 definitely not sqlite"
    );

    run(&data, &["trainee", "add", "Ana"]);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 999")
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let o = dojo(&data).args(["history", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("newer") && err.contains("schema 999"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}
