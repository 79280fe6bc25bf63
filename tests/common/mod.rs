//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use dojo_core::policy::Policy;
use dojo_core::scenario::Scenario;

/// The built-in policy.
pub fn policy() -> Policy {
    dojo_core::pack::builtin_policy().expect("built-in policy loads")
}

/// A minimal L1-owned desktop scenario; tests change what they need.
pub fn desktop_scenario() -> Scenario {
    ron::from_str(
        r#"Scenario(
    id: "t-desktop",
    title: "Test desktop ticket",
    ticket_type: "desktop",
    difficulty: 1,
    client: (org: "Test Org", patience: 4),
    requester: (name: "Sam Test", role: "Clerk"),
    channel: Email,
    ticket_text: "My PC is slow.",
    impact: (users_affected: 1, business_function: "Admin", function_criticality: Low, risk: Low),
    l1_has: (tools: true, access: true, runbook: Some("kb-disk-space")),
    minimum_checks: ["check-disk"],
    root_cause: (summary: "Disk full", area: "disk"),
    steps: [
        (id: "check-disk", label: "Check disk", minutes: 2, reveals: "C: has 120 MB free", finding: Observation, reveals_cause: true),
        (id: "check-av", label: "Check antivirus", minutes: 3, reveals: "Defender is healthy", finding: Works),
    ],
    fixes: [(id: "cleanup", label: "Run cleanup", minutes: 5, resolves: true, outcome: "20 GB freed")],
    expected: (owner: ResolveAtL1, fix: Some("cleanup"), rationale: "Runbook covers it."),
)"#,
    )
    .expect("test scenario parses")
}

/// The repository's top folder (the one holding `scenarios/`), whichever crate's test
/// binary asks: the fixtures live in the top-level `tests/` and `examples/` folders.
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|d| d.join("scenarios/policy.ron").is_file())
        .unwrap_or(&here)
        .to_path_buf()
}

/// A one-ticket practice session of scenario `id` (arriving at minute 0, 120 minutes,
/// pause allowed, hints shown), seed 1.
pub fn one_ticket_session(
    pack: &std::sync::Arc<dojo_core::pack::Pack>,
    id: &str,
) -> dojo_core::sim::session::Session {
    use dojo_core::shift::{Arrivals, Mode, Rules, Selection, Shift};
    let shift = Shift {
        id: "one".into(),
        title: "One ticket".into(),
        description: String::new(),
        mode: Mode::Practice,
        length_minutes: 120,
        arrivals: Arrivals::Fixed(vec![0]),
        selection: Selection {
            ids: vec![id.into()],
            ..Selection::default()
        },
        time_scale: 1.0,
        rules: Rules {
            pause_allowed: true,
            hints_shown: true,
            real_time_limit_minutes: None,
            time_extensions: None,
        },
        variant: None,
    };
    dojo_core::sim::session::Session::with_shift(std::sync::Arc::clone(pack), shift, 1).unwrap()
}

/// Makes a FIFO (named pipe) at `path` with the system's `mkfifo`.
pub fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// The text with every LF turned into CRLF (a file saved by a Windows editor).
pub fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// The bytes with a UTF-8 byte-order mark in front (Windows Notepad).
pub fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes
}
