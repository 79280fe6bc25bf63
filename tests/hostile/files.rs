//! The one safe reader: FIFOs, devices and folders refused before opening (with the
//! path), the size limit while reading, a BOM accepted, CRLF read the same by every
//! command, an empty folder is "no files found".

use std::ffi::OsStr;
use std::path::Path;

use crate::common::{crlf, mkfifo, with_bom};
use crate::{compete_as, competition, ideal, run, run_ideal, texts};

fn os(s: &str) -> &OsStr {
    s.as_ref()
}

/// Asserts a refusal: non-zero exit, the path and `what` in the output.
fn assert_refused(o: &std::process::Output, path: &Path, what: &str, label: &str) {
    let (out, err) = texts(o);
    let all = format!("{out}{err}");
    assert!(!o.status.success(), "{label}: exit 0\n{all}");
    assert!(
        all.contains(&path.display().to_string()),
        "{label}: the path is not named\n{all}"
    );
    assert!(all.contains(what), "{label}: `{what}` not said\n{all}");
    assert!(!all.contains("panicked"), "{label}: panic\n{all}");
}

#[test]
fn a_fifo_is_refused_by_every_command_that_reads_a_file_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fifo = dir.path().join("pipe.ron");
    mkfifo(&fifo);
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    mkfifo(&pack.join("scenario.ron"));
    let script = ideal("onboarding-basics");
    let f = fifo.as_os_str();
    let cases: Vec<(&str, Vec<&OsStr>)> = vec![
        ("validate FILE", vec![os("validate"), f]),
        ("explain FILE", vec![os("explain"), f]),
        ("grade FILE", vec![os("grade"), f]),
        ("replay FILE", vec![os("replay"), f]),
        (
            "run --actions FIFO",
            vec![
                os("run"),
                os("--shift"),
                os("onboarding-basics"),
                os("--actions"),
                f,
            ],
        ),
        (
            "run --shift FIFO",
            vec![
                os("run"),
                os("--shift"),
                f,
                os("--actions"),
                script.as_os_str(),
            ],
        ),
        (
            "run --resume FIFO",
            vec![
                os("run"),
                os("--resume"),
                f,
                os("--actions"),
                script.as_os_str(),
            ],
        ),
        (
            "run --competition FIFO",
            vec![
                os("run"),
                os("--competition"),
                f,
                os("--trainee"),
                os("Ana"),
                os("--actions"),
                script.as_os_str(),
            ],
        ),
        (
            "compete tickets FIFO",
            vec![os("compete"), os("tickets"), f],
        ),
        ("--policy FIFO list", vec![os("--policy"), f, os("list")]),
        ("history import FIFO", vec![os("history"), os("import"), f]),
    ];
    for (label, args) in cases {
        let o = run(&data, &args);
        assert_refused(&o, &fifo, "FIFO", label);
    }
    // A FIFO inside a pack folder: named, the pack refused.
    let o = run(&data, &[os("--pack"), pack.as_os_str(), os("validate")]);
    assert_refused(
        &o,
        &pack.join("scenario.ron"),
        "FIFO",
        "--pack DIR validate",
    );
}

#[test]
fn a_device_and_a_folder_are_refused_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let zero = Path::new("/dev/zero");
    // `validate /dev/zero` read 3.6 GB before: now refused before it is opened.
    let o = run(&data, &[os("validate"), zero.as_os_str()]);
    assert_refused(&o, zero, "character device", "validate /dev/zero");
    let o = run(&data, &[os("grade"), zero.as_os_str()]);
    assert_refused(&o, zero, "character device", "grade /dev/zero");
    let o = run(&data, &[os("replay"), dir.path().as_os_str()]);
    assert_refused(&o, dir.path(), "a directory", "replay DIR");
    let o = run(
        &data,
        &[
            os("run"),
            os("--shift"),
            os("onboarding-basics"),
            os("--actions"),
            dir.path().as_os_str(),
        ],
    );
    assert_refused(&o, dir.path(), "a directory", "run --actions DIR");
}

#[test]
fn the_size_limit_is_enforced_while_reading() {
    let dir = tempfile::tempdir().unwrap();
    // A pack file of 2 MiB (sparse): refused by its size, located, exit 1.
    let big = dir.path().join("big.ron");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 * 1024 * 1024)
        .unwrap();
    let o = run(&dir.path().join("data"), &[os("validate"), big.as_os_str()]);
    assert_refused(&o, &big, "too-large", "validate BIG");
    assert!(texts(&o).0.contains("2097152 bytes"), "{}", texts(&o).0);
    // The reader itself never holds more than limit + 1 bytes, whatever the file says.
    let e = dojo_core::input::read_bytes(&big, 1000).unwrap_err();
    assert!(
        matches!(e, dojo_core::input::ReadError::TooLarge { limit: 1000, .. }),
        "{e}"
    );
    assert!(e.to_string().starts_with(&big.display().to_string()), "{e}");
    let small = dir.path().join("small.ron");
    std::fs::write(&small, "x".repeat(1000)).unwrap();
    assert_eq!(
        dojo_core::input::read_bytes(&small, 1000).unwrap().len(),
        1000
    );
    assert!(dojo_core::input::read_bytes(&small, 999).is_err());
}

#[test]
fn a_bom_is_accepted_in_scenarios_scripts_results_logs_and_competitions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let root = crate::common::root();
    // A scenario.
    let scenario_text = std::fs::read_to_string(
        root.join("scenarios/builtin/scenarios/account-locked-after-holiday.ron"),
    )
    .unwrap();
    let scenario = dir.path().join("bom-scenario.ron");
    std::fs::write(&scenario, with_bom(&scenario_text)).unwrap();
    let o = run(&data, &[os("validate"), scenario.as_os_str()]);
    assert!(o.status.success(), "validate BOM scenario: {}", texts(&o).0);
    // A script: the same result bytes as without the BOM.
    let script_text = std::fs::read_to_string(ideal("onboarding-basics")).unwrap();
    let script = dir.path().join("bom-script.ron");
    std::fs::write(&script, with_bom(&script_text)).unwrap();
    let plain = dir.path().join("plain.result.ron");
    let o = run_ideal(
        &data,
        "onboarding-basics",
        &[os("--out"), plain.as_os_str()],
    );
    assert!(o.status.success(), "{}", texts(&o).1);
    let bom_result = dir.path().join("bom.result.ron");
    let o = run(
        &data,
        &[
            os("run"),
            os("--shift"),
            os("onboarding-basics"),
            os("--seed"),
            os("7"),
            os("--actions"),
            script.as_os_str(),
            os("--out"),
            bom_result.as_os_str(),
        ],
    );
    assert!(o.status.success(), "run BOM script: {}", texts(&o).1);
    assert_eq!(
        std::fs::read(&plain).unwrap(),
        std::fs::read(&bom_result).unwrap()
    );
    // A result with a BOM replays byte-identical and grades.
    let result_text = std::fs::read_to_string(&plain).unwrap();
    std::fs::write(&bom_result, with_bom(&result_text)).unwrap();
    let o = run(&data, &[os("replay"), bom_result.as_os_str()]);
    assert!(o.status.success(), "replay BOM result: {}", texts(&o).0);
    assert!(texts(&o).0.contains("byte-identical"), "{}", texts(&o).0);
    let o = run(&data, &[os("grade"), bom_result.as_os_str()]);
    assert!(o.status.success(), "grade BOM result: {}", texts(&o).1);
    // A log with a BOM resumes.
    let log = dir.path().join("bom.log");
    let o = run_ideal(&data, "onboarding-basics", &[os("--log"), log.as_os_str()]);
    assert!(o.status.success(), "{}", texts(&o).1);
    let log_text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, with_bom(&log_text)).unwrap();
    let o = run(&data, &[os("replay"), log.as_os_str()]);
    assert!(o.status.success(), "replay BOM log: {}", texts(&o).0);
    // A competition file with a BOM, and a result handed in with one, are accepted.
    let cup = dir.path().join("cup");
    let file = competition(&data, &cup, &[]);
    let ana = cup.join("ana.ron");
    assert!(compete_as(&data, &file, "Ana", &ana).status.success());
    let text = std::fs::read_to_string(&ana).unwrap();
    std::fs::write(&ana, with_bom(&text)).unwrap();
    let comp_text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, with_bom(&comp_text)).unwrap();
    let o = run(&data, &[os("compete"), os("tickets"), file.as_os_str()]);
    assert!(o.status.success(), "tickets BOM: {}", texts(&o).1);
    let o = run(&data, &[os("compete"), os("verify"), cup.as_os_str()]);
    assert!(
        o.status.success(),
        "verify BOM: {}{}",
        texts(&o).0,
        texts(&o).1
    );
}

#[test]
fn replay_grade_and_verify_agree_about_a_crlf_edited_result() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cup = dir.path().join("cup");
    let file = competition(&data, &cup, &[]);
    let ana = cup.join("ana.ron");
    assert!(compete_as(&data, &file, "Ana", &ana).status.success());
    let text = std::fs::read_to_string(&ana).unwrap();
    // Line endings only: both accept.
    std::fs::write(&ana, crlf(&text)).unwrap();
    let replay = run(&data, &[os("replay"), ana.as_os_str()]);
    assert!(replay.status.success(), "replay CRLF: {}", texts(&replay).0);
    assert!(texts(&replay).0.contains("byte-identical"));
    let verify = run(&data, &[os("compete"), os("verify"), cup.as_os_str()]);
    assert!(verify.status.success(), "verify CRLF: {}", texts(&verify).0);
    assert!(run(&data, &[os("grade"), ana.as_os_str()]).status.success());
    // A CRLF edit that also changes an outcome: both refuse.
    let edited = crlf(&text).replacen("score: ", "score: 1", 1);
    assert_ne!(edited, crlf(&text), "the fixture has a score to edit");
    std::fs::write(&ana, &edited).unwrap();
    let replay = run(&data, &[os("replay"), ana.as_os_str()]);
    let verify = run(&data, &[os("compete"), os("verify"), cup.as_os_str()]);
    assert!(!replay.status.success(), "replay: {}", texts(&replay).0);
    assert!(!verify.status.success(), "verify: {}", texts(&verify).0);
    // The competition file itself saved with CRLF keeps its identity.
    let comp_text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&ana, &text).unwrap();
    std::fs::write(&file, crlf(&comp_text)).unwrap();
    let verify = run(&data, &[os("compete"), os("verify"), cup.as_os_str()]);
    assert!(
        verify.status.success(),
        "CRLF competition: {}",
        texts(&verify).0
    );
}

#[test]
fn an_empty_folder_is_no_files_found_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&data, &[os("validate"), empty.as_os_str()]);
    let (out, _) = texts(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "{}: error[no-files]: no files found",
            empty.display()
        )),
        "{out}"
    );
    assert!(out.contains("checked 0 file(s)"), "{out}");
    // A folder of other files is as empty.
    std::fs::write(empty.join("notes.txt"), "hello").unwrap();
    let o = run(&data, &[os("validate"), empty.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(texts(&o).0.contains("no files found"));
    // An empty --pack folder, and an empty competition folder.
    let o = run(&data, &[os("--pack"), empty.as_os_str(), os("list")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(texts(&o).1.contains("no files found"), "{}", texts(&o).1);
    let cup = dir.path().join("cup");
    competition(&data, &cup, &[]);
    let o = run(&data, &[os("compete"), os("verify"), cup.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", texts(&o).0);
    assert!(texts(&o).1.contains("no files found"), "{}", texts(&o).1);
}
