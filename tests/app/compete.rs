//! Team competitions: the "done when" scenario through the `dojo` binary, every
//! rejection reason, team medians, tie-breaks, the competition file's diagnostics, and
//! fairness across two processes with different environments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

use dojo_core::agents::{self, Persona};
use dojo_core::compete::leaderboard::{self, LeaderboardFormat};
use dojo_core::compete::verify::{self, Accepted, Rejection, ResultFile, Verified};
use dojo_core::compete::{self, Competition, Score};
use dojo_core::pack::Pack;
use dojo_core::sim::action::{Action, LogEntry, Outcome, Script, ScriptEntry};
use dojo_core::sim::record::{self, SessionResult};
use dojo_core::validate::Source;

const EXAMPLE: &str = "examples/competitions/monday-rush.ron";

fn root() -> PathBuf {
    crate::common::root()
}

fn dojo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dojo"))
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

// ---------------------------------------------------------------------------------------
// The "done when", through the binary.
// ---------------------------------------------------------------------------------------

/// The line numbers (1-based) on which each log entry of a pretty result starts,
/// counted independently of the verifier.
fn entry_start_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| *l == "    LogEntry(")
        .map(|(i, _)| i + 1)
        .collect()
}

/// Inserts a copy of log entry `k` (0-based) right after it: an action that takes
/// minutes, logged again at the same minute.
fn insert_copy_of_entry(text: &str, k: usize) -> (String, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let starts = entry_start_lines(text);
    let (from, to) = (starts[k] - 1, starts[k + 1] - 1);
    let mut out: Vec<&str> = lines[..to].to_vec();
    out.extend_from_slice(&lines[from..to]);
    out.extend_from_slice(&lines[to..]);
    (out.join("\n") + "\n", to + 1)
}

#[test]
fn three_trainees_two_tampered_files_verify_and_leaderboard_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let room = dir.path().join("results");
    std::fs::create_dir(&room).unwrap();
    std::fs::copy(root().join(EXAMPLE), room.join("competition.ron")).unwrap();

    // Three scripted trainees of different skill play the same competition.
    let players = [
        (Persona::OverEscalator, "Chidi Okafor", "chidi.ron"),
        (Persona::Ideal, "Ana Lopez", "ana.ron"),
        (Persona::VagueNotes, "Ben Carter", "ben.ron"),
    ];
    for (persona, name, file) in players {
        let script = dir.path().join(format!("{}.script.ron", persona.slug()));
        ok(&dojo()
            .args(["script", "--shift", "competition-mixed", "--seed", "7"])
            .args(["--persona", persona.slug()])
            .arg("--out")
            .arg(&script)
            .output()
            .unwrap());
        ok(&dojo()
            .arg("run")
            .arg("--competition")
            .arg(room.join("competition.ron"))
            .args(["--trainee", name, "--actions"])
            .arg(&script)
            .arg("--out")
            .arg(room.join(file))
            .output()
            .unwrap());
    }

    // A result is still an ordinary result: replay and grade read it.
    let replay = ok(&dojo()
        .arg("replay")
        .arg(room.join("ana.ron"))
        .output()
        .unwrap());
    assert!(replay.contains("byte-identical"), "{replay}");
    let grade = ok(&dojo()
        .args(["grade", "--format", "json"])
        .arg(room.join("ben.ron"))
        .output()
        .unwrap());
    assert!(grade.contains("\"score\""));

    // Tampered copies: Ben makes his vague notes look perfect; Chidi slips in an action.
    let ben = std::fs::read_to_string(room.join("ben.ron")).unwrap();
    let edited = ben.replacen("note_score: Some(5)", "note_score: Some(100)", 1);
    assert_ne!(edited, ben);
    let edited_line = edited
        .lines()
        .position(|l| l.trim() == "note_score: Some(100),")
        .unwrap()
        + 1;
    std::fs::write(room.join("ben-score-edited.ron"), &edited).unwrap();
    let chidi = std::fs::read_to_string(room.join("chidi.ron")).unwrap();
    let k = chidi
        .lines()
        .filter(|l| *l == "    LogEntry(")
        .count()
        .min(12)
        - 2;
    // Entry k must take minutes for its copy to be impossible: find one that does.
    let parsed: SessionResult = ron::from_str(&chidi).unwrap();
    let k = (k..parsed.log.len())
        .find(|&i| {
            matches!(parsed.log[i].outcome, Outcome::Done { busy_until } if busy_until > parsed.log[i].at)
        })
        .unwrap();
    let (inserted, inserted_line) = insert_copy_of_entry(&chidi, k);
    std::fs::write(room.join("chidi-action-inserted.ron"), &inserted).unwrap();

    // Verify: the three stand, the two tampered files are rejected with their reasons.
    let o = dojo()
        .args(["compete", "verify"])
        .arg(&room)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "a rejection makes verify fail");
    let text = String::from_utf8_lossy(&o.stdout);
    for file in ["ana.ron", "ben.ron", "chidi.ron"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("accepted") && l.contains(&format!("/{file}:"))),
            "{file} accepted:\n{text}"
        );
    }
    let line_of = |file: &str| {
        text.lines()
            .find(|l| l.starts_with("REJECTED") && l.contains(file))
            .unwrap_or_else(|| panic!("{file} rejected:\n{text}"))
            .to_string()
    };
    let score = line_of("ben-score-edited.ron");
    assert!(
        score.contains(&format!("ben-score-edited.ron:{edited_line}:"))
            && score.contains("[outcomes-edited]")
            && score.contains("note_score: 100")
            && score.contains("note_score: 5"),
        "{score}"
    );
    let insert = line_of("chidi-action-inserted.ron");
    assert!(
        insert.contains(&format!("chidi-action-inserted.ron:{inserted_line}:"))
            && insert.contains("[too-fast]")
            && insert.contains(&format!("log entry {}", k + 2))
            && insert.contains("faster than that action's minute cost"),
        "{insert}"
    );
    assert!(text.contains("3 accepted, 2 rejected"), "{text}");

    // The leaderboard ranks the three in the order their play deserves.
    let o = dojo()
        .args(["compete", "leaderboard", "--format", "json"])
        .arg(&room)
        .output()
        .unwrap();
    let board: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    let order: Vec<&str> = board["individuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["participant"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["Ana Lopez", "Ben Carter", "Chidi Okafor"]);
    let ranks: Vec<u64> = board["individuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 3]);
    let rejected: Vec<&str> = board["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(rejected, ["outcomes-edited", "too-fast"]); // in file-name order
    let teams: Vec<&str> = board["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["team"].as_str().unwrap())
        .collect();
    assert_eq!(teams, ["Northside", "Southside"]);

    // Exports: CSV and a self-contained HTML page.
    let csv_path = dir.path().join("board.csv");
    ok(&dojo()
        .args(["compete", "leaderboard", "--format", "csv"])
        .arg(&room)
        .arg("--out")
        .arg(&csv_path)
        .output()
        .unwrap());
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("kind,rank,name,team,composite"));
    assert!(rows[1].starts_with("individual,1,Ana Lopez,Northside,100.00,"));
    assert!(rows[2].starts_with("individual,2,Ben Carter,Northside,"));
    assert!(rows[3].starts_with("individual,3,Chidi Okafor,Southside,"));
    assert!(rows[4].starts_with("team,1,Northside,"));
    assert!(
        rows.iter()
            .any(|r| r.starts_with("rejected,") && r.contains("[too-fast]"))
    );
    let html_path = dir.path().join("board.html");
    ok(&dojo()
        .args(["compete", "leaderboard", "--format", "html"])
        .arg(&room)
        .arg("--out")
        .arg(&html_path)
        .output()
        .unwrap());
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<style>"));
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
    let (a, b, c) = (
        html.find("Ana Lopez").unwrap(),
        html.find("Ben Carter").unwrap(),
        html.find("Chidi Okafor").unwrap(),
    );
    assert!(a < b && b < c);
    assert!(html.contains("outcomes-edited") && html.contains("too-fast"));
}

// ---------------------------------------------------------------------------------------
// Every rejection reason, through the library.
// ---------------------------------------------------------------------------------------

struct Fixture {
    pack: Arc<Pack>,
    competition: Competition,
    ideal: SessionResult,
    vague: SessionResult,
}

fn read_example(pack: &Pack) -> Competition {
    Competition::read(&root().join(EXAMPLE), Some(pack)).unwrap_or_else(|d| {
        panic!(
            "{}\nregenerate: dojo compete new --shift competition-mixed --seed 7 --name \"The Monday rush cup\" --team \"Ana Lopez=Northside\" --team \"Ben Carter=Northside\" --team \"Chidi Okafor=Southside\" --team \"Dee Walsh=Southside\" --out {EXAMPLE} --force",
            d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        )
    })
}

/// Plays a script under the competition, as the app (or `dojo run --competition`) does.
fn play_script(f_pack: &Arc<Pack>, c: &Competition, script: &Script, name: &str) -> SessionResult {
    let participant = c.participant(name, None).unwrap();
    let mut session = c.start_session(Arc::clone(f_pack), &participant).unwrap();
    let header = c.header(&session, &participant);
    record::play_script(&mut session, script, 0, None, None).unwrap();
    compete::finish_result(&mut session, header)
}

fn play(pack: &Arc<Pack>, c: &Competition, persona: Persona, name: &str) -> SessionResult {
    let shift = c.effective_shift(pack).unwrap();
    let script = agents::play(Arc::clone(pack), &shift, c.seed, persona).unwrap();
    play_script(pack, c, &script, name)
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pack = Arc::new(Pack::builtin().unwrap());
        let competition = read_example(&pack);
        let ideal = play(&pack, &competition, Persona::Ideal, "Ana Lopez");
        let vague = play(&pack, &competition, Persona::VagueNotes, "Ben Carter");
        Fixture {
            pack,
            competition,
            ideal,
            vague,
        }
    })
}

fn file(name: &str, text: &str) -> ResultFile {
    ResultFile {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

fn verify_all(files: &[ResultFile]) -> Vec<Verified> {
    let f = fixture();
    verify::verify(&f.competition, &f.pack, files).unwrap()
}

/// Verifies one tampered result on its own and returns its rejection.
fn rejected(text: &str) -> Rejection {
    let v = verify_all(&[file("r.ron", text)]);
    match &v[0] {
        Verified::Rejected(r) => {
            // A reason names the file, and reads as a sentence.
            assert!(r.to_string().starts_with("r.ron"), "{r}");
            assert!(r.reason.len() > 40, "{r}");
            r.clone()
        }
        Verified::Accepted(a) => panic!("accepted: {a:?}"),
    }
}

fn tampered(base: &SessionResult, edit: impl FnOnce(&mut SessionResult)) -> String {
    let mut r = base.clone();
    edit(&mut r);
    r.to_ron()
}

#[test]
fn genuine_results_are_accepted_with_recomputed_scores() {
    let f = fixture();
    let v = verify_all(&[
        file("ana.ron", &f.ideal.to_ron()),
        file("ben.ron", &f.vague.to_ron()),
    ]);
    let a = v[0].accepted().expect("ideal accepted");
    assert_eq!(a.participant, "Ana Lopez");
    assert_eq!(a.team.as_deref(), Some("Northside"));
    assert_eq!(a.score.grade, 100);
    assert_eq!(a.score.composite, 100.0);
    let b = v[1].accepted().expect("vague accepted");
    assert!(b.score.notes.unwrap() < 50.0, "{:?}", b.score);
    assert!(b.score.composite < a.score.composite);
    assert_eq!(b.score.ownership, Some(100.0));
}

#[test]
fn hash_seed_shift_and_stamp_mismatches_are_rejected() {
    let f = fixture();
    let r = rejected(&tampered(&f.ideal, |r| r.header.competition = None));
    assert_eq!(r.code, "not-competition");
    let r = rejected(&tampered(&f.ideal, |r| {
        r.header.pack_hash = "0".repeat(64);
    }));
    assert_eq!(r.code, "pack-hash");
    assert!(r.reason.contains("pack hash mismatch"), "{r}");
    let r = rejected(&tampered(&f.ideal, |r| {
        r.header.policy_hash = "1".repeat(64);
    }));
    assert_eq!(r.code, "policy-hash");
    assert!(r.reason.contains("policy hash mismatch"), "{r}");
    let r = rejected(&tampered(&f.ideal, |r| r.header.seed = 8));
    assert_eq!(r.code, "wrong-seed");
    let r = rejected(&tampered(&f.ideal, |r| {
        r.header.shift.rules.pause_allowed = true;
    }));
    assert_eq!(r.code, "wrong-shift");
    assert!(r.reason.contains("pause_allowed: true"), "{r}");

    // Played under another competition file (here: the same one with its name edited).
    let text = std::fs::read_to_string(root().join(EXAMPLE))
        .unwrap()
        .replace("The Monday rush cup", "The Monday rush cup (v2)");
    let other = Competition::parse(
        &Source {
            name: "other.ron".into(),
            bytes: text.into_bytes(),
        },
        Some(&f.pack),
    )
    .unwrap();
    let v = verify::verify(&other, &f.pack, &[file("r.ron", &f.ideal.to_ron())]).unwrap();
    let r = v[0].rejection().unwrap();
    assert_eq!(r.code, "competition-hash");
    assert!(r.reason.contains("competition file was edited"), "{r}");
}

#[test]
fn a_participant_must_be_named_and_on_the_roster_in_their_team() {
    let f = fixture();
    let r = rejected(&tampered(&f.ideal, |r| r.header.trainee = None));
    assert_eq!(r.code, "no-participant");
    let r = rejected(&tampered(&f.ideal, |r| {
        r.header.trainee = Some("Mallory".into());
    }));
    assert_eq!(r.code, "roster");
    assert!(r.reason.contains("not on the roster"), "{r}");
    let r = rejected(&tampered(&f.ideal, |r| {
        r.header.team = Some("Southside".into());
    }));
    assert_eq!(r.code, "roster");
    assert!(r.reason.contains("plays for team `Northside`"), "{r}");
    // Names are told apart without case or spaces: the roster's spelling is used.
    let v = verify_all(&[file(
        "r.ron",
        &tampered(&f.ideal, |r| r.header.trainee = Some(" ana lopez ".into())),
    )]);
    assert_eq!(v[0].accepted().unwrap().participant, "Ana Lopez");
}

/// The line a log entry starts on, counted independently of the verifier.
fn line_of_entry(text: &str, k: usize) -> usize {
    entry_start_lines(text)[k]
}

#[test]
fn edited_reordered_and_truncated_logs_are_rejected_at_their_line() {
    let f = fixture();
    let log = &f.ideal.log;

    // Edited: an outcome changed.
    let k = log
        .iter()
        .position(|e| matches!(e.outcome, Outcome::Done { busy_until } if busy_until > e.at))
        .unwrap();
    let text = tampered(&f.ideal, |r| {
        r.log[k].outcome = Outcome::Done {
            busy_until: r.log[k].at,
        };
    });
    let r = rejected(&text);
    assert_eq!(r.code, "log-edited");
    assert_eq!(r.line, Some(line_of_entry(&text, k)));
    assert!(r.reason.contains(&format!("log entry {}", k + 1)), "{r}");

    // Reordered: two entries at different minutes swapped.
    let (i, j) = (10, 30);
    assert!(log[i].at < log[j].at);
    let text = tampered(&f.ideal, |r| r.log.swap(i, j));
    let r = rejected(&text);
    assert_eq!(r.code, "log-reordered");
    assert_eq!(r.line, Some(line_of_entry(&text, i + 1)));
    assert!(r.reason.contains("goes back in time"), "{r}");

    // Truncated: the last actions dropped, the outcomes left as they were.
    let n = log.len() - 5;
    let text = tampered(&f.ideal, |r| r.log.truncate(n));
    let r = rejected(&text);
    assert_eq!(r.code, "log-truncated");
    assert_eq!(r.line, Some(line_of_entry(&text, n - 1)));
    assert!(
        r.reason.contains(&format!("ends at log entry {n}")) && r.reason.contains("truncated"),
        "{r}"
    );

    // A file cut off while copying, an empty file, not a result at all.
    let whole = f.ideal.to_ron();
    let r = rejected(&whole[..whole.len() / 2]);
    assert_eq!(r.code, "unreadable");
    assert!(r.reason.contains("ends early"), "{r}");
    let r = rejected("  \n");
    assert_eq!(r.code, "unreadable");
    assert!(r.reason.contains("empty"), "{r}");
    let r = rejected("Script(actions: [])");
    assert_eq!(r.code, "unreadable");
}

#[test]
fn actions_at_impossible_times_and_broken_rules_are_rejected() {
    let f = fixture();
    let done = |at: u32, action: Action| LogEntry {
        at,
        action,
        outcome: Outcome::Done { busy_until: at },
    };

    // Before the ticket arrived: ticket 10 arrives at minute 215.
    let text = tampered(&f.ideal, |r| {
        r.log.insert(0, done(0, Action::Open { ticket: 10 }));
    });
    let r = rejected(&text);
    assert_eq!(r.code, "before-arrival");
    assert_eq!(r.line, Some(line_of_entry(&text, 0)));
    assert!(r.reason.contains("ticket 10 arrives at minute 215"), "{r}");

    // After the shift ended (minute 260).
    let text = tampered(&f.ideal, |r| {
        r.log.push(done(300, Action::Open { ticket: 10 }));
    });
    let r = rejected(&text);
    assert_eq!(r.code, "after-shift");
    assert!(
        r.reason.contains("after the shift ended at minute 260"),
        "{r}"
    );

    // Faster than the minute cost: an action that takes minutes, logged twice in a row.
    let k = f
        .ideal
        .log
        .iter()
        .position(|e| matches!(e.outcome, Outcome::Done { busy_until } if busy_until > e.at))
        .unwrap();
    let text = tampered(&f.ideal, |r| {
        let copy = r.log[k].clone();
        r.log.insert(k + 1, copy);
    });
    let r = rejected(&text);
    assert_eq!(r.code, "too-fast");
    assert_eq!(r.line, Some(line_of_entry(&text, k + 1)));
    assert!(
        r.reason.contains(&format!("log entry {}", k + 1))
            && r.reason.contains("faster than that action's minute cost"),
        "{r}"
    );

    // A pause in a no-pause competition.
    let text = tampered(&f.ideal, |r| r.log.insert(0, done(0, Action::Pause)));
    let r = rejected(&text);
    assert_eq!(r.code, "pause-forbidden");
    assert_eq!(r.line, Some(line_of_entry(&text, 0)));
    assert!(r.reason.contains("forbids pausing"), "{r}");
}

#[test]
fn an_attempt_the_app_refused_is_not_a_broken_rule() {
    let f = fixture();
    // The participant pressed pause (refused by the competition's rules) and clicked a
    // ticket before it arrived (refused): both are logged with their refusal, no rule was
    // broken and nothing was gained.
    let shift = f.competition.effective_shift(&f.pack).unwrap();
    let mut script = agents::play(
        Arc::clone(&f.pack),
        &shift,
        f.competition.seed,
        Persona::Ideal,
    )
    .unwrap();
    script.actions.insert(
        0,
        ScriptEntry {
            at: Some(0),
            action: Action::Pause,
        },
    );
    script.actions.insert(
        1,
        ScriptEntry {
            at: Some(0),
            action: Action::Open { ticket: 10 },
        },
    );
    let result = play_script(&f.pack, &f.competition, &script, "Dee Walsh");
    assert!(matches!(result.log[0].outcome, Outcome::Refused(_)));
    assert!(matches!(result.log[1].outcome, Outcome::Refused(_)));
    let v = verify_all(&[file("dee.ron", &result.to_ron())]);
    let a = v[0].accepted().expect("accepted");
    assert_eq!(a.score.composite, 100.0);
}

#[test]
fn a_score_edited_in_the_file_is_rejected_and_never_used() {
    let f = fixture();
    let k = f
        .vague
        .outcomes
        .iter()
        .position(|o| o.note_score.is_some())
        .unwrap();
    let text = tampered(&f.vague, |r| r.outcomes[k].note_score = Some(100));
    let r = rejected(&text);
    assert_eq!(r.code, "outcomes-edited");
    let line = text
        .lines()
        .position(|l| l.trim() == "note_score: Some(100),")
        .unwrap()
        + 1;
    assert_eq!(r.line, Some(line));
    assert!(r.reason.contains(&format!("ticket {}", k + 1)), "{r}");
    let r = rejected(&tampered(&f.vague, |r| r.final_minute += 1));
    assert_eq!(r.code, "outcomes-edited");
    assert!(r.reason.contains("ended at minute"), "{r}");
}

#[test]
fn the_same_participant_twice() {
    let f = fixture();
    // Two different valid results from one participant: neither is ranked.
    let second = play(&f.pack, &f.competition, Persona::VagueNotes, "Ana Lopez");
    let v = verify_all(&[
        file("ana-1.ron", &f.ideal.to_ron()),
        file("ana-2.ron", &second.to_ron()),
        file("ben.ron", &f.vague.to_ron()),
    ]);
    for (i, other) in [(0, "ana-2.ron"), (1, "ana-1.ron")] {
        let r = v[i].rejection().expect("rejected");
        assert_eq!(r.code, "duplicate-participant");
        assert!(
            r.reason.contains(other) && r.reason.contains("Ana Lopez"),
            "{r}"
        );
    }
    assert!(v[2].accepted().is_some());

    // A byte-identical copy counts once; a tampered copy beside a genuine result is
    // rejected for its tampering, and the genuine one stands.
    let v = verify_all(&[
        file("ana.ron", &f.ideal.to_ron()),
        file("ana (copy).ron", &f.ideal.to_ron()),
        file(
            "ana-edited.ron",
            &tampered(&f.ideal, |r| r.final_minute += 1),
        ),
    ]);
    assert!(v[0].accepted().is_some());
    let r = v[1].rejection().unwrap();
    assert_eq!(r.code, "duplicate-copy");
    assert!(r.reason.contains("copy of ana.ron"), "{r}");
    assert_eq!(v[2].rejection().unwrap().code, "outcomes-edited");
}

#[test]
fn verification_refuses_a_pack_other_than_the_competitions() {
    let f = fixture();
    let mut other = (*f.pack).clone();
    other.content_hash = "f".repeat(64);
    let e = verify::verify(&f.competition, &Arc::new(other), &[]).unwrap_err();
    assert!(e.to_string().contains("made for scenario pack"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Ranking: composite, tie-breaks, team medians, exports.
// ---------------------------------------------------------------------------------------

fn accepted(name: &str, team: Option<&str>, composite: f64, sim: u32, notes: f64) -> Verified {
    Verified::Accepted(Box::new(Accepted {
        file: format!("{name}.ron"),
        participant: name.into(),
        team: team.map(str::to_string),
        actions: 10,
        app_version: "test".into(),
        score: Score {
            composite,
            ownership: Some(composite),
            timing: Some(100.0),
            notes: Some(notes),
            security: Some(100.0),
            auto_fails: 0,
            sim_minutes: sim,
            grade: 90,
            graded_tickets: 10,
        },
        time_multiplier: None,
        fingerprint: Vec::new(),
        text: String::new(),
    }))
}

#[test]
fn ties_go_to_less_sim_time_then_better_notes_then_share_a_rank() {
    let f = fixture();
    let v = [
        accepted("slow", None, 80.0, 120, 90.0),
        accepted("fast", None, 80.0, 100, 50.0),
        accepted("better-notes", None, 80.0, 120, 95.0),
        accepted("best", None, 85.0, 500, 10.0),
        accepted("twin-b", None, 70.0, 100, 60.0),
        accepted("twin-a", None, 70.0, 100, 60.0),
        accepted("last", None, 60.0, 10, 100.0),
    ];
    let board = leaderboard::leaderboard(&f.competition, &v);
    let order: Vec<(usize, &str)> = board
        .individuals
        .iter()
        .map(|s| (s.rank, s.participant.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            (1, "best"), // the composite first: speed never outranks quality
            (2, "fast"),
            (3, "better-notes"),
            (4, "slow"),
            (5, "twin-a"), // equal on all three: a shared rank, by name
            (5, "twin-b"),
            (7, "last"), // fastest and best notes, lowest composite
        ]
    );
}

#[test]
fn teams_are_ranked_on_their_median_so_no_one_carries_or_sinks_a_team() {
    let f = fixture();
    let v = [
        // Stars: one brilliant player, the rest weak. Mean 51, median 30.
        accepted("s1", Some("Stars"), 100.0, 100, 80.0),
        accepted("s2", Some("Stars"), 95.0, 100, 80.0),
        accepted("s3", Some("Stars"), 30.0, 100, 80.0),
        accepted("s4", Some("Stars"), 20.0, 100, 80.0),
        accepted("s5", Some("Stars"), 10.0, 100, 80.0),
        // Steady: everyone solid. Mean 47.7, median 48.
        accepted("t1", Some("Steady"), 50.0, 100, 80.0),
        accepted("t2", Some("Steady"), 48.0, 100, 80.0),
        accepted("t3", Some("Steady"), 45.0, 100, 80.0),
        // Strong with one who had a bad day: median 78.
        accepted("u1", Some("Strong"), 80.0, 100, 80.0),
        accepted("u2", Some("Strong"), 78.0, 100, 80.0),
        accepted("u3", Some("Strong"), 0.0, 100, 80.0),
        // An even team: the median is the mean of the two middle members.
        accepted("e1", Some("Even"), 90.0, 100, 80.0),
        accepted("e2", Some("Even"), 40.0, 100, 80.0),
        accepted("e3", Some("Even"), 30.0, 100, 80.0),
        accepted("e4", Some("Even"), 35.0, 100, 80.0),
        accepted("solo", None, 99.0, 100, 80.0),
    ];
    let board = leaderboard::leaderboard(&f.competition, &v);
    let teams: Vec<(&str, f64)> = board
        .teams
        .iter()
        .map(|t| (t.team.as_str(), t.median_composite))
        .collect();
    assert_eq!(
        teams,
        [
            ("Strong", 78.0),
            ("Steady", 48.0),
            ("Even", 37.5),
            ("Stars", 30.0)
        ]
    );
    assert_eq!(board.teams[0].members, ["u1", "u2", "u3"]);
    assert_eq!(leaderboard::median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(leaderboard::median(&[]), None);
}

#[test]
fn a_security_auto_fail_weighs_heavily() {
    let f = fixture();
    let under = play(
        &f.pack,
        &f.competition,
        Persona::UnderEscalator,
        "Dee Walsh",
    );
    let over = play(
        &f.pack,
        &f.competition,
        Persona::OverEscalator,
        "Chidi Okafor",
    );
    let v = verify_all(&[
        file("dee.ron", &under.to_ron()),
        file("chidi.ron", &over.to_ron()),
        file("ben.ron", &f.vague.to_ron()),
        file("ana.ron", &f.ideal.to_ron()),
    ]);
    let board = leaderboard::leaderboard(&f.competition, &v);
    let order: Vec<&str> = board
        .individuals
        .iter()
        .map(|s| s.participant.as_str())
        .collect();
    assert_eq!(
        order,
        ["Ana Lopez", "Ben Carter", "Chidi Okafor", "Dee Walsh"]
    );
    let dee = &board.individuals[3].score;
    assert_eq!(dee.auto_fails, 2);
    assert_eq!(dee.security, Some(0.0));
    // Two auto-fails quarter the composite (factor 0.5 each).
    assert!(dee.composite < 25.0, "{dee:?}");
}

#[test]
fn exports_escape_what_participants_typed() {
    let f = fixture();
    let v = [
        accepted("<script>alert(1)</script>", Some("R&D"), 90.0, 10, 80.0),
        accepted("=HYPERLINK(\"x\")", Some("a,b"), 80.0, 10, 80.0),
    ];
    let board = leaderboard::leaderboard(&f.competition, &v);
    let html = board.render(LeaderboardFormat::Html);
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
    assert!(html.contains("R&amp;D"));
    let csv = board.render(LeaderboardFormat::Csv);
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\",\"a,b\""), "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&board.render(LeaderboardFormat::Json)).unwrap();
    assert_eq!(json["individuals"][0]["team"], "R&D");
    let text = board.render(LeaderboardFormat::Text);
    assert!(text.contains("Individuals") && text.contains("Teams"));
}

#[test]
fn composite_weights_come_from_the_policy_and_the_file_carries_them() {
    let f = fixture();
    assert_eq!(f.competition.scoring, f.pack.policy.competition);
    let shipped = dojo_core::pack::builtin_policy().unwrap().competition;
    assert_eq!(f.competition.scoring, shipped);
}

// ---------------------------------------------------------------------------------------
// The competition file and the commands around it.
// ---------------------------------------------------------------------------------------

#[test]
fn the_shipped_example_is_what_compete_new_writes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.ron");
    ok(&dojo()
        .args([
            "compete",
            "new",
            "--shift",
            "competition-mixed",
            "--seed",
            "7",
            "--name",
            "The Monday rush cup",
            "--team",
            "Ana Lopez=Northside",
            "--team",
            "Ben Carter=Northside",
            "--team",
            "Chidi Okafor=Southside",
            "--team",
            "Dee Walsh=Southside",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(root().join(EXAMPLE)).unwrap(),
        "the pack or policy changed: regenerate {EXAMPLE} with this command and --force"
    );
    // It never overwrites a competition file unless told to.
    let o = dojo()
        .args(["compete", "new", "--shift", "competition-mixed", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    // Without --seed, a random one.
    let o = ok(&dojo()
        .args(["compete", "new", "--shift", "competition-mixed", "--out"])
        .arg(dir.path().join("random.ron"))
        .output()
        .unwrap());
    assert!(o.contains("(random)"), "{o}");
}

#[test]
fn a_broken_competition_file_gets_located_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(root().join(EXAMPLE)).unwrap();
    let check = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let o = dojo()
            .args(["compete", "tickets"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let err = check(
        "typo.ron",
        &example.replace("    seed: 7,", "    seeed: 7,"),
    );
    assert!(
        err.contains("typo.ron:8:") && err.contains("unknown-field") && err.contains("`seed`"),
        "{err}"
    );
    let err = check(
        "pause.ron",
        &example.replace("pause_allowed: false", "pause_allowed: true"),
    );
    assert!(
        err.contains("pause.ron:10:") && err.contains("competition-rules"),
        "{err}"
    );
    let err = check(
        "shift.ron",
        &example.replace("\"competition-mixed\"", "\"competition-mixd\""),
    );
    assert!(
        err.contains("shift.ron:7:")
            && err.contains("missing-reference")
            && err.contains("did you mean `competition-mixed`"),
        "{err}"
    );
    // Change the first hex digit of the pack hash, whatever it is.
    let at = example.find("pack_hash: \"").unwrap() + "pack_hash: \"".len();
    let digit = &example[at..=at];
    let other = if digit == "0" { "1" } else { "0" };
    let err = check(
        "hash.ron",
        &format!("{}{other}{}", &example[..at], &example[at + 1..]),
    );
    assert!(
        err.contains("hash.ron:") && err.contains("wrong-content"),
        "{err}"
    );
    let err = check(
        "dup.ron",
        &example.replace("\"Dee Walsh\"", "\"ana lopez\""),
    );
    assert!(err.contains("duplicate-participant"), "{err}");

    // Playing needs a name on the roster.
    let script = root().join("examples/scripts/competition-mixed.ideal.ron");
    let o = dojo()
        .args(["run", "--competition"])
        .arg(root().join(EXAMPLE))
        .args(["--trainee", "Mallory", "--actions"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not on the roster"));
}

// ---------------------------------------------------------------------------------------
// Fairness: the same tickets in the same order on any machine.
// ---------------------------------------------------------------------------------------

fn in_env(cwd: &Path, lc: &str, tz: &str) -> Command {
    let mut c = dojo();
    c.current_dir(cwd)
        .env("LC_ALL", lc)
        .env("LANG", lc)
        .env("TZ", tz);
    c
}

#[test]
fn two_processes_in_different_environments_get_the_same_tickets_and_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let competition = root().join(EXAMPLE);
    let script = root().join("examples/scripts/competition-mixed.ideal.ron");
    let envs = [
        (a.path(), "C", "UTC"),
        (b.path(), "de_DE.UTF-8", "Pacific/Kiritimati"),
    ];
    let mut queues = Vec::new();
    let mut results = Vec::new();
    for (cwd, lc, tz) in envs {
        queues.push(ok(&in_env(cwd, lc, tz)
            .args(["compete", "tickets", "--format", "json"])
            .arg(&competition)
            .output()
            .unwrap()));
        ok(&in_env(cwd, lc, tz)
            .args(["run", "--competition"])
            .arg(&competition)
            .args(["--trainee", "Ana Lopez", "--actions"])
            .arg(&script)
            .args(["--out", "result.ron"])
            .output()
            .unwrap());
        results.push(std::fs::read(cwd.join("result.ron")).unwrap());
    }
    assert_eq!(queues[0], queues[1]);
    let tickets: serde_json::Value = serde_json::from_str(&queues[0]).unwrap();
    assert_eq!(tickets.as_array().unwrap().len(), 10);
    assert_eq!(tickets[0]["scenario"], "ceo-password-board-meeting");
    assert_eq!(results[0], results[1]);
}
