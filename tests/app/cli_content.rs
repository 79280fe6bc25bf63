//! The content commands through the binary: `dojo validate` and `dojo explain` on the
//! built-in pack's worked examples and the validator corpus.

use std::path::PathBuf;
use std::process::Command;

use dojo_core::engine::{self, Handling, WindowState};
use dojo_core::pack::Pack;
use dojo_core::scenario::Owner;

fn pack() -> Pack {
    Pack::builtin().unwrap_or_else(|e| panic!("built-in pack has errors: {e:?}"))
}

fn corpus(name: &str) -> PathBuf {
    crate::common::root().join("tests/corpus").join(name)
}

fn dojo(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dojo"))
        .args(args)
        .output()
        .expect("dojo runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_passes_on_the_built_in_pack() {
    let (code, stdout, _) = dojo(&["validate"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 error(s)"));
}

#[test]
fn worked_example_the_ceo_password_reset() {
    let (code, text, err) = dojo(&["explain", "ceo-password-board-meeting"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("VERDICT: RESOLVE AT L1"), "{text}");
    assert!(text.contains("→ P1"), "{text}");
    for handling in ["ProactiveUpdate", "SeniorOwnership", "ParallelEscalation"] {
        assert!(text.contains(handling), "{handling}: {text}");
    }
    let pack = pack();
    let v =
        engine::final_verdict(&pack.scenarios["ceo-password-board-meeting"], &pack.policy).unwrap();
    let h: Vec<Handling> = v.handling.iter().map(|h| h.handling).collect();
    assert!(h.contains(&Handling::SeniorOwnership));
}

#[test]
fn worked_example_the_forgotten_gpo_exception() {
    let (code, text, err) = dojo(&["explain", "gpo-exception-forgotten"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("VERDICT: ESCALATE TO L2"), "{text}");
    assert!(text.contains("Access:"), "{text}");
}

#[test]
fn worked_example_network_without_clear_cause_at_14_and_16() {
    let (code, at14, err) = dojo(&[
        "explain",
        "network-no-clear-cause-branch",
        "--at-minute",
        "14",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(at14.contains("VERDICT: ESCALATE TO L2"), "{at14}");
    assert!(
        at14.contains("15 min window, 14 min elapsed, 1 min left"),
        "{at14}"
    );
    let (_, at16, _) = dojo(&[
        "explain",
        "network-no-clear-cause-branch",
        "--at-minute",
        "16",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&at16).unwrap();
    assert_eq!(json["verdict"]["window"]["state"]["Overdue"]["by"], 1);
    let pack = pack();
    let s = &pack.scenarios["network-no-clear-cause-branch"];
    let (_, v) = engine::verdict_at(s, 16, &[], &pack.policy).unwrap();
    assert_eq!(v.window.unwrap().state, WindowState::Overdue { by: 1 });
}

#[test]
fn worked_example_a_security_adjacent_ticket() {
    let pack = pack();
    let s = &pack.scenarios["phishing-odd-login-prompt"];
    // At arrival it looks like an ordinary Outlook ticket...
    let (_, before) = engine::verdict_at(s, 0, &[], &pack.policy).unwrap();
    assert_ne!(before.owner, Owner::EscalateSecurity);
    // ...until the finding that reveals the indicator: then immediate, no window.
    let revealing: Vec<String> = s
        .steps
        .iter()
        .filter(|st| {
            st.changes
                .iter()
                .any(|c| matches!(c, dojo_core::scenario::FactChange::SecurityIndicator(_)))
        })
        .map(|st| st.id.clone())
        .collect();
    let (code, text, err) = dojo(&[
        "explain",
        "phishing-odd-login-prompt",
        "--steps",
        &revealing.join(","),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("VERDICT: ESCALATE IMMEDIATELY AS A SECURITY INCIDENT"),
        "{text}"
    );
    assert!(
        text.contains("none — security is escalated immediately"),
        "{text}"
    );
}

#[test]
fn explain_refuses_unknown_scenarios_and_steps_cleanly() {
    let (code, _, err) = dojo(&["explain", "vpn-809-home-routr"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean `vpn-809-home-router`?"), "{err}");
    let (code, _, err) = dojo(&["explain", "vpn-809-home-router", "--steps", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("has no step `nope`"), "{err}");
}

#[test]
fn the_cli_exits_one_with_located_errors_and_json_for_tools() {
    let dojo = env!("CARGO_BIN_EXE_dojo");
    let out = Command::new(dojo)
        .args(["validate"])
        .arg(corpus("unknown-field.ron"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("unknown-field.ron:6:5: error[unknown-field]"),
        "{stdout}"
    );
    assert!(stdout.contains("1 error(s)"), "{stdout}");

    let out = Command::new(dojo)
        .args(["validate", "--format", "json"])
        .arg(corpus("missing-step-reference.ron"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let d = &json["diagnostics"][0];
    assert_eq!(d["code"], "missing-reference");
    assert_eq!(d["line"], 13);
    assert_eq!(d["column"], 22);
    assert_eq!(d["field"], "minimum_checks[0]");
}

#[test]
fn explain_answers_on_a_file_with_lint_errors_verdict_first() {
    let file = corpus("kb-wrong-type.ron");
    let (code, text, _) = dojo(&["explain", file.to_str().unwrap()]);
    assert_eq!(code, 1, "the file has an error: {text}");
    let verdict = text.find("VERDICT: ESCALATE TO L2").expect("the verdict");
    let error = text
        .find("error[kb-does-not-cover]")
        .expect("then the error");
    assert!(verdict < error, "{text}");
    assert!(
        text.contains("kb-vpn-809 does not cover this ticket"),
        "{text}"
    );
}

#[test]
fn a_hand_writing_mistake_is_named_by_validate_and_explain() {
    let file = corpus("hash-comment.ron");
    let (code, text, _) = dojo(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        text.contains("`#` does not start a comment in RON"),
        "{text}"
    );
    let (code, _, err) = dojo(&["explain", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("`#` does not start a comment in RON"), "{err}");
    assert!(!err.contains("the pack has errors"), "{err}");
}

#[test]
fn validate_and_explain_resolve_a_packs_kb_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let root = crate::common::root();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    let kb = std::fs::read_to_string(root.join("scenarios/builtin/kb/kb-dns-dhcp-renew.ron"))
        .unwrap()
        .replace("\"kb-dns-dhcp-renew\"", "\"kb-our-dhcp\"");
    std::fs::write(dir.path().join("kb/kb-our-dhcp.ron"), kb).unwrap();
    let scenario =
        std::fs::read_to_string(root.join("scenarios/builtin/scenarios/dns-manual-after-wfh.ron"))
            .unwrap()
            .replace("kb-dns-dhcp-renew", "kb-our-dhcp")
            .replace("\"dns-manual-after-wfh\"", "\"our-dns\"");
    let file = dir.path().join("scenarios/our-dns.ron");
    std::fs::write(&file, scenario).unwrap();
    // Another scenario in the pack disagrees with the engine: explain still answers.
    std::fs::copy(
        corpus("expectation-disagrees.ron"),
        dir.path().join("scenarios/wrong.ron"),
    )
    .unwrap();
    let pack = dir.path().to_str().unwrap();
    let (code, text, _) = dojo(&["validate", "--pack", pack, file.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let (code, text, err) = dojo(&["explain", "--pack", pack, "our-dns"]);
    assert_eq!(code, 0, "{text}{err}");
    assert!(text.contains("VERDICT"), "{text}");
}
