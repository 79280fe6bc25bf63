//! Hostile and careless input (#15): every file refused or accepted with its exact
//! outcome, exports that cannot attack their reader, `--out` and session messages that
//! say what is true, a missing display and a closed pipe; the store under many
//! processes, locked, unreadable, read-only or tampered files; the one rule for names;
//! competitions nobody can pass off. Each test asserts the exact outcome: the error with
//! its path, the exit code, nothing moved, nothing lost, the rejection's reason.

#[path = "../common/mod.rs"]
mod common;

mod cli_out;
mod compete;
mod display;
mod exports;
mod files;
mod names;
mod store;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `dojo` binary with its history in `data` (never the user's).
pub fn dojo(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dojo"));
    c.env("DOJO_DATA_DIR", data);
    c
}

/// Runs `dojo ARGS` with its history in `data`.
pub fn run(data: &Path, args: &[&std::ffi::OsStr]) -> Output {
    dojo(data).args(args).output().expect("dojo runs")
}

/// Standard output and error as text.
pub fn texts(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A shipped ideal script.
pub fn ideal(shift: &str) -> PathBuf {
    common::root().join(format!("examples/scripts/{shift}.ideal.ron"))
}

/// `dojo run --shift SHIFT --seed 7 --actions <ideal> EXTRA…`.
pub fn run_ideal(data: &Path, shift: &str, extra: &[&std::ffi::OsStr]) -> Output {
    let script = ideal(shift);
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "run".as_ref(),
        "--shift".as_ref(),
        shift.as_ref(),
        "--seed".as_ref(),
        "7".as_ref(),
        "--actions".as_ref(),
        script.as_os_str(),
    ];
    args.extend_from_slice(extra);
    run(data, &args)
}

/// A competition file for `competition-mixed`, seed 7, in `dir/competition.ron`, with
/// this roster (`NAME=TEAM`).
pub fn competition(data: &Path, dir: &Path, roster: &[&str]) -> PathBuf {
    let file = dir.join("competition.ron");
    let mut args: Vec<std::ffi::OsString> = [
        "compete",
        "new",
        "--shift",
        "competition-mixed",
        "--seed",
        "7",
        "--name",
        "Hostile cup",
        "--out",
    ]
    .iter()
    .map(Into::into)
    .collect();
    args.push(file.clone().into());
    for r in roster {
        args.push("--team".into());
        args.push(r.into());
    }
    let o = dojo(data).args(&args).output().unwrap();
    assert!(o.status.success(), "{}", texts(&o).1);
    file
}

/// Plays the ideal competition script as `who` into `out`.
pub fn compete_as(data: &Path, competition: &Path, who: &str, out: &Path) -> Output {
    let script = ideal("competition-mixed");
    // `--trainee=NAME`: a name may start with `-`.
    let trainee = format!("--trainee={who}");
    run(
        data,
        &[
            "run".as_ref(),
            "--competition".as_ref(),
            competition.as_os_str(),
            trainee.as_ref(),
            "--actions".as_ref(),
            script.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    )
}

/// Every file under `dir`, relative, sorted (to assert nothing appeared or moved).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}
