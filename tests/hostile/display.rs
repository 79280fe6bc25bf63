//! The environment: no display is a clear word (what is missing, what works without
//! one), and a closed pipe ends a command quietly with status 141.

use std::ffi::OsString;
use std::process::Stdio;

use crate::{dojo, ideal, texts};

#[test]
fn no_display_names_what_is_missing_and_the_headless_commands() {
    let none = |_: &str| None::<OsString>;
    let message = escalation_dojo::cli::display::missing_display(none).expect("no display");
    assert!(
        message.contains("neither DISPLAY nor WAYLAND_DISPLAY is set"),
        "{message}"
    );
    for cmd in [
        "validate", "run", "replay", "grade", "compete", "history", "report",
    ] {
        assert!(message.contains(cmd), "{cmd} not listed: {message}");
    }
    let listed = message
        .split("without a display: ")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .unwrap_or_default();
    assert!(
        !listed.split(", ").any(|c| c == "play"),
        "play needs a window: {listed}"
    );
    let wayland_only = |k: &str| (k == "WAYLAND_DISPLAY").then(|| OsString::from("wayland-0"));
    let message = escalation_dojo::cli::display::missing_display(wayland_only).unwrap();
    assert!(message.contains("XWayland"), "{message}");
    let x11 = |k: &str| (k == "DISPLAY").then(|| OsString::from(":0"));
    assert_eq!(escalation_dojo::cli::display::missing_display(x11), None);
    let empty = |k: &str| (k == "DISPLAY").then(OsString::new);
    assert!(escalation_dojo::cli::display::missing_display(empty).is_some());
}

/// The trainer itself, where there is no display: a message and exit 1, no panic.
#[cfg(feature = "gui")]
#[test]
fn dojo_without_a_display_says_so_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    for args in [vec![], vec!["play", "--scenario", "x.ron"]] {
        let o = dojo(dir.path())
            .args(&args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        let (_, err) = texts(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.starts_with("error: no display"), "{err}");
        assert!(err.contains("validate") && err.contains("compete"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Without the window (`--no-default-features`) `dojo` lists the headless commands.
#[cfg(not(feature = "gui"))]
#[test]
fn dojo_without_the_trainer_lists_the_headless_commands() {
    let dir = tempfile::tempdir().unwrap();
    let o = dojo(dir.path()).env_remove("DISPLAY").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(texts(&o).0.contains("no desktop trainer"));
}

/// `dojo run … | head`: the reader is gone before the first line. The command ends with
/// 141 and says nothing; the result it was asked for is written all the same.
#[test]
fn a_closed_pipe_ends_quietly_with_141() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.ron");
    let script = ideal("onboarding-basics");
    let mut child = dojo(&dir.path().join("data"))
        .args([
            "run",
            "--shift",
            "onboarding-basics",
            "--seed",
            "7",
            "--actions",
        ])
        .arg(&script)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let (_, err) = texts(&o);
    assert_eq!(o.status.code(), Some(141), "{err}");
    assert!(!err.contains("Broken pipe") && err.is_empty(), "{err}");
    assert!(out.is_file(), "the result was not written");
    // The same for a command that prints much (a script).
    let mut child = dojo(&dir.path().join("data"))
        .args(["script", "--shift", "practice-mixed"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(141), "{}", texts(&o).1);
    assert!(texts(&o).1.is_empty(), "{}", texts(&o).1);
}
