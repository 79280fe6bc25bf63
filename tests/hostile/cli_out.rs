//! `--out` and the session messages of #15: never overwrite without `--force`, checked
//! before the shift starts; the same script twice fails before playing and records
//! nothing; a resumed `--out R` leaves no stray `R.log`; abandoning a session without a
//! log says so; `compete new --out cup/…` makes `cup/`; a pack replacing a built-in id
//! is a note.

use std::ffi::OsStr;

use crate::{compete_as, competition, ideal, listing, run, run_ideal, texts};

fn os(s: &str) -> &OsStr {
    s.as_ref()
}

#[test]
fn out_over_an_existing_file_is_refused_before_the_shift_and_the_file_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("r.ron");
    std::fs::write(&out, "precious").unwrap();
    let before = listing(dir.path());
    let o = run_ideal(&data, "onboarding-basics", &[os("--out"), out.as_os_str()]);
    let (stdout, stderr) = texts(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr.contains(&format!("--out {}: the file already exists", out.display()))
            && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "the shift was played: {stdout}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    assert_eq!(listing(dir.path()), before, "a file appeared (a log?)");
    // --force replaces it.
    let o = run_ideal(
        &data,
        "onboarding-basics",
        &[os("--out"), out.as_os_str(), os("--force")],
    );
    assert!(o.status.success(), "{}", texts(&o).1);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("SessionResult(")
    );
}

#[test]
fn a_competition_result_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cup = dir.path().join("cup");
    let file = competition(&data, &cup, &[]);
    let ana = cup.join("ana.ron");
    assert!(compete_as(&data, &file, "Ana", &ana).status.success());
    let first = std::fs::read(&ana).unwrap();
    let o = compete_as(&data, &file, "Ana", &ana);
    assert_eq!(o.status.code(), Some(1));
    assert!(texts(&o).1.contains("already exists"), "{}", texts(&o).1);
    assert!(texts(&o).0.is_empty());
    assert_eq!(
        std::fs::read(&ana).unwrap(),
        first,
        "the first attempt changed"
    );
}

#[test]
fn out_naming_a_folder_or_a_missing_folder_fails_before_the_shift() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let target = dir.path().join("results");
    std::fs::create_dir(&target).unwrap();
    let before = listing(dir.path());
    let o = run_ideal(
        &data,
        "onboarding-basics",
        &[os("--out"), target.as_os_str()],
    );
    let (stdout, stderr) = texts(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr.contains(&format!("--out {}: is a folder", target.display())),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "the shift was played: {stdout}");
    assert_eq!(listing(dir.path()), before);
    let nowhere = dir.path().join("no/such/r.ron");
    let o = run_ideal(
        &data,
        "onboarding-basics",
        &[os("--out"), nowhere.as_os_str()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(texts(&o).1.contains("no folder"), "{}", texts(&o).1);
    assert!(texts(&o).0.is_empty());
}

#[test]
fn the_same_script_twice_fails_before_playing_and_leaves_no_phantom_session() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        run(&data, &[os("trainee"), os("add"), os("Ana")])
            .status
            .success()
    );
    let first = run_ideal(&data, "onboarding-basics", &[os("--trainee"), os("Ana")]);
    assert!(first.status.success(), "{}", texts(&first).1);
    assert!(texts(&first).0.contains("stored as session 1"));
    let second = run_ideal(&data, "onboarding-basics", &[os("--trainee"), os("Ana")]);
    let (stdout, stderr) = texts(&second);
    assert_eq!(second.status.code(), Some(1));
    assert!(stderr.contains("already stored (session 1)"), "{stderr}");
    assert!(stdout.is_empty(), "the shift was played: {stdout}");
    // Nothing in progress, one session stored, no log left in the data folder.
    let o = run(
        &data,
        &[os("history"), os("interrupted"), os("--format"), os("json")],
    );
    assert!(o.status.success());
    assert_eq!(texts(&o).0.trim(), "[]", "a phantom in-progress session");
    let o = run(
        &data,
        &[os("history"), os("list"), os("--format"), os("json")],
    );
    let list: serde_json::Value = serde_json::from_str(&texts(&o).0).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let logs = data.join("logs");
    assert!(
        !logs.exists() || std::fs::read_dir(&logs).unwrap().next().is_none(),
        "a log was left: {:?}",
        listing(&logs)
    );
}

#[test]
fn a_resumed_out_leaves_no_stray_log_behind() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("r.ron");
    let log = dojo_core::sim::record::temporary_log_of(&out);
    // A run to `--out r.ron` interrupted half-way: its `r.ron.log` has half the actions.
    let full = dojo_core::sim::action::Script::read(&ideal("onboarding-basics")).unwrap();
    let mut half = full.clone();
    half.actions.truncate(full.actions.len() / 2);
    let half_script = dir.path().join("half.ron");
    std::fs::write(&half_script, half.to_ron()).unwrap();
    let o = run(
        &data,
        &[
            os("run"),
            os("--shift"),
            os("onboarding-basics"),
            os("--seed"),
            os("7"),
            os("--actions"),
            half_script.as_os_str(),
            os("--log"),
            log.as_os_str(),
        ],
    );
    assert!(o.status.success(), "{}", texts(&o).1);
    // Resumed to its result: the log goes once the result is written.
    let script = ideal("onboarding-basics");
    let o = run(
        &data,
        &[
            os("run"),
            os("--resume"),
            log.as_os_str(),
            os("--actions"),
            script.as_os_str(),
            os("--out"),
            out.as_os_str(),
        ],
    );
    assert!(o.status.success(), "{}", texts(&o).1);
    assert!(out.is_file());
    assert!(!log.exists(), "a stray {} is left", log.display());
    // The resumed result is the uninterrupted one, and the next run to it is not refused
    // for a log.
    let whole = dir.path().join("whole.ron");
    assert!(
        run_ideal(
            &data,
            "onboarding-basics",
            &[os("--out"), whole.as_os_str()]
        )
        .status
        .success()
    );
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&whole).unwrap());
    let o = run_ideal(
        &data,
        "onboarding-basics",
        &[os("--out"), out.as_os_str(), os("--force")],
    );
    assert!(o.status.success(), "{}", texts(&o).1);
}

#[test]
fn abandoning_a_session_without_a_log_does_not_say_its_log_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        run(&data, &[os("trainee"), os("add"), os("Ana")])
            .status
            .success()
    );
    // A session in progress whose log file is gone.
    let id = {
        let pack = std::sync::Arc::new(
            dojo_core::pack::Pack::load(&dojo_core::pack::PackOptions::default()).unwrap(),
        );
        let shift = pack.shifts["onboarding-basics"].clone();
        let session = dojo_core::sim::session::Session::with_shift(pack, shift, 7).unwrap();
        let header =
            dojo_core::sim::record::LogHeader::for_session(&session, Some("Ana".into()), None);
        let store = dojo_store::Store::open_in(&data).unwrap();
        store
            .begin_session(
                "Ana",
                &header,
                &dir.path().join("gone.log"),
                chrono::Utc::now(),
            )
            .unwrap()
    };
    let o = run(&data, &[os("history"), os("abandon"), os(&id.to_string())]);
    let (stdout, stderr) = texts(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("session {id} filed as abandoned")),
        "{stdout}"
    );
    assert!(stdout.contains("no log to keep"), "{stdout}");
    assert!(!stdout.contains("its log is kept"), "{stdout}");
    let o = run(
        &data,
        &[os("history"), os("interrupted"), os("--format"), os("json")],
    );
    assert_eq!(texts(&o).0.trim(), "[]");
}

#[test]
fn compete_new_out_makes_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("cup/sub/competition.ron");
    let o = run(
        &data,
        &[
            os("compete"),
            os("new"),
            os("--shift"),
            os("competition-mixed"),
            os("--seed"),
            os("7"),
            os("--out"),
            file.as_os_str(),
        ],
    );
    assert!(o.status.success(), "{}", texts(&o).1);
    assert!(file.is_file());
    assert!(
        run(&data, &[os("compete"), os("tickets"), file.as_os_str()])
            .status
            .success()
    );
}

#[test]
fn a_pack_replacing_a_builtin_id_is_a_note_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    let builtin =
        crate::common::root().join("scenarios/builtin/scenarios/account-locked-after-holiday.ron");
    let text = std::fs::read_to_string(&builtin).unwrap();
    std::fs::write(pack.join("mine.ron"), text).unwrap();
    let o = run(&data, &[os("--pack"), pack.as_os_str(), os("validate")]);
    let (stdout, _) = texts(&o);
    assert!(o.status.success(), "{stdout}");
    assert!(stdout.contains("warning[replaces-builtin]"), "{stdout}");
    assert!(stdout.contains("packs replace by id"), "{stdout}");
    assert!(stdout.contains("— 0 error(s)"), "{stdout}");
    assert!(!stdout.contains("duplicate-id"), "{stdout}");
}

/// Every export's `--out` (script, report, drill) is checked before the work and never
/// replaces a file without `--force`.
#[test]
fn exports_never_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("kept.ron");
    std::fs::write(&file, "mine").unwrap();
    let dojo = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dojo"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap()
    };
    let f = file.to_str().unwrap();
    for args in [
        vec!["script", "--shift", "onboarding-basics", "--out", f],
        vec!["report", "--trainee", "Ana", "--out", f],
        vec!["drill", "--trainee", "Ana", "--out", f],
    ] {
        let o = dojo(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("already exists") && stderr.contains("--force"),
            "{stderr}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine", "{args:?}");
    }
    let o = dojo(&[
        "script",
        "--shift",
        "onboarding-basics",
        "--out",
        f,
        "--force",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("Script(")
    );
}
