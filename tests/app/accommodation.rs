//! Time extensions (#18, WCAG 2.2.1): a coach gives a trainee more time; the clock of
//! their sessions runs that much slower (`tests/core/pace.rs` measures the clock), the
//! log, the result and the coach's report say so, the grade is anyone's, and a
//! competition applies it only when its file allows it — the board then shows it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dojo(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dojo"))
        .env("DOJO_DATA_DIR", data)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = dojo(data, args);
    assert!(o.status.success(), "dojo {args:?}\n{}", text(&o));
    text(&o)
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/scripts/{name}.ideal.ron"))
}

#[test]
fn a_coach_gives_a_trainee_more_time_and_the_record_and_report_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(&data, &["trainee", "add", "Ana Lopez"]);
    ok(&data, &["trainee", "add", "Ben Carter"]);
    ok(&data, &["coach", "add", "Cora"]);

    // Only the extensions the policy lists, and only a coach sets one.
    let odd = dojo(
        &data,
        &[
            "trainee",
            "accommodate",
            "Ana Lopez",
            "--time",
            "1.7",
            "--coach",
            "Cora",
        ],
    );
    assert_eq!(odd.status.code(), Some(2), "{}", text(&odd));
    assert!(
        text(&odd).contains("use 1 (none) or 1.25, 1.5, 2"),
        "{}",
        text(&odd)
    );
    let not_coach = dojo(
        &data,
        &[
            "trainee",
            "accommodate",
            "Ana Lopez",
            "--time",
            "1.5",
            "--coach",
            "Ben Carter",
        ],
    );
    assert!(!not_coach.status.success());
    assert!(
        text(&not_coach).contains("not a coach"),
        "{}",
        text(&not_coach)
    );
    let set = ok(
        &data,
        &[
            "trainee",
            "accommodate",
            "Ana Lopez",
            "--time",
            "1.5",
            "--coach",
            "Cora",
        ],
    );
    assert!(set.contains("time ×1.5 (set by Cora)"), "{set}");
    let list = ok(&data, &["trainee", "list"]);
    let ana = list.lines().find(|l| l.starts_with("Ana Lopez")).unwrap();
    assert!(ana.contains("time ×1.5 (by Cora)"), "{list}");
    let ben = list.lines().find(|l| l.starts_with("Ben Carter")).unwrap();
    assert!(!ben.contains("time ×"), "{list}");

    // The same play: the log and result carry the extension, the grade is the same.
    let shift = "onboarding-1-l1-scope";
    let s = script(shift);
    let mut scores = Vec::new();
    for (who, file) in [("Ana Lopez", "ana.ron"), ("Ben Carter", "ben.ron")] {
        let out = tmp.path().join(file);
        let said = ok(
            &data,
            &[
                "run",
                "--shift",
                shift,
                "--seed",
                "7",
                "--actions",
                s.to_str().unwrap(),
                "--trainee",
                who,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let result = std::fs::read_to_string(&out).unwrap();
        if who == "Ana Lopez" {
            assert!(said.contains("time ×1.5"), "{said}");
            assert!(result.contains("time_multiplier: Some(1.5)"), "{result}");
        } else {
            assert!(!said.contains("time ×") && !result.contains("time_multiplier"));
        }
        let grade = ok(&data, &["grade", "--format", "json", out.to_str().unwrap()]);
        let v: serde_json::Value = serde_json::from_str(&grade).unwrap();
        scores.push(v["score"].clone());
    }
    assert_eq!(scores[0], scores[1], "an extension changes no grade");

    // The coach's report shows which sessions were played with more time.
    let report = ok(
        &data,
        &["report", "--trainee", "Ana Lopez", "--format", "md"],
    );
    assert!(report.contains(&format!("{shift} · time ×1.5")), "{report}");
    let json = ok(
        &data,
        &["report", "--trainee", "Ana Lopez", "--format", "json"],
    );
    assert!(json.contains("\"time_multiplier\": 1.5"), "{json}");
    let plain = ok(
        &data,
        &["report", "--trainee", "Ben Carter", "--format", "md"],
    );
    assert!(!plain.contains("time ×"));

    // Removed with --time 1.
    let off = ok(
        &data,
        &[
            "trainee",
            "accommodate",
            "Ana Lopez",
            "--time",
            "1",
            "--coach",
            "Cora",
        ],
    );
    assert!(off.contains("without a time extension"), "{off}");
    assert!(!ok(&data, &["trainee", "list"]).contains("time ×"));
}

#[test]
fn a_competition_applies_an_extension_only_when_its_file_allows_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(&data, &["trainee", "add", "Ana Lopez"]);
    ok(&data, &["coach", "add", "Cora"]);
    ok(
        &data,
        &[
            "trainee",
            "accommodate",
            "Ana Lopez",
            "--time",
            "2",
            "--coach",
            "Cora",
        ],
    );
    let s = script("competition-mixed");
    for (allow, room) in [(false, "plain"), (true, "allowing")] {
        let room = tmp.path().join(room);
        std::fs::create_dir_all(&room).unwrap();
        let competition = room.join("competition.ron");
        let mut args = vec![
            "compete",
            "new",
            "--shift",
            "competition-mixed",
            "--seed",
            "7",
            "--out",
            competition.to_str().unwrap(),
        ];
        if allow {
            args.push("--allow-time-extensions");
        }
        ok(&data, &args);
        let file = std::fs::read_to_string(&competition).unwrap();
        assert_eq!(
            file.contains("time_extensions: Some(true)"),
            allow,
            "{file}"
        );
        let result = room.join("ana.ron");
        ok(
            &data,
            &[
                "run",
                "--competition",
                competition.to_str().unwrap(),
                "--trainee",
                "Ana Lopez",
                "--actions",
                s.to_str().unwrap(),
                "--out",
                result.to_str().unwrap(),
            ],
        );
        let played = std::fs::read_to_string(&result).unwrap();
        assert_eq!(
            played.contains("time_multiplier: Some(2.0)"),
            allow,
            "{played}"
        );
        let board = ok(&data, &["compete", "leaderboard", room.to_str().unwrap()]);
        if allow {
            assert!(board.contains("Time extensions: allowed"), "{board}");
            assert!(board.contains("Ana Lopez (time ×2)"), "{board}");
        } else {
            assert!(board.contains("Time extensions: not allowed"), "{board}");
            assert!(!board.contains("(time ×"), "{board}");
            // A result edited to carry an extension the competition forbids is rejected.
            let forged = played.replacen(
                "competition: Some(",
                "time_multiplier: Some(2.0),\n        competition: Some(",
                1,
            );
            assert_ne!(
                forged, played,
                "the header has a competition stamp to edit beside"
            );
            std::fs::write(room.join("forged.ron"), forged).unwrap();
            let o = dojo(&data, &["compete", "verify", room.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(1), "{}", text(&o));
            assert!(text(&o).contains("time-extension"), "{}", text(&o));
        }
    }
}
