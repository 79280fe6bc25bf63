//! The built-in pack: it loads clean, covers the framework, every scenario explains, and
//! `dojo explain` gives the framework's answer for its worked examples.

use std::collections::BTreeSet;
use std::process::Command;

use escalation_dojo::engine::{self, Handling, WindowState};
use escalation_dojo::pack::{Pack, PackOptions, validate_paths};
use escalation_dojo::policy::{Priority, Scope};
use escalation_dojo::scenario::{Owner, Scenario};
use escalation_dojo::{explain, template};

fn pack() -> Pack {
    Pack::builtin().unwrap_or_else(|errors| {
        panic!(
            "built-in pack has errors:\n{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
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
fn validates_clean_with_at_least_40_scenarios_and_15_articles() {
    let report = validate_paths(&[], &PackOptions::default());
    assert!(report.is_clean(), "{:#?}", report.diagnostics);
    assert_eq!(report.warnings(), 0, "{:#?}", report.diagnostics);
    assert!(report.scenarios >= 40, "{} scenarios", report.scenarios);
    assert!(
        report.kb_articles >= 15,
        "{} KB articles",
        report.kb_articles
    );
    let (code, stdout, _) = dojo(&["validate"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 error(s)"));
}

#[test]
fn every_scenario_explains_at_every_minute_of_its_window_and_every_seed_sample() {
    let pack = pack();
    for scenario in pack.scenarios.values() {
        for seed in 0..3 {
            let instance = template::instantiate(scenario, seed);
            assert!(
                !instance.ticket_text.contains("{")
                    || !instance
                        .used_variables()
                        .iter()
                        .any(|v| instance.variables.contains_key(v)),
                "{}: unfilled placeholder",
                scenario.id
            );
            let steps: Vec<String> = scenario.steps.iter().map(|s| s.id.clone()).collect();
            for minute in 0..=40 {
                let e = explain::explain(
                    scenario,
                    seed,
                    minute,
                    &steps[..(minute as usize).min(steps.len())],
                    &pack.policy,
                )
                .unwrap_or_else(|err| panic!("{}: {err}", scenario.id));
                assert!(!e.verdict.owner_reason.is_empty());
                assert!(e.expectation_agrees, "{}", scenario.id);
                let text = explain::to_text(&e, &pack.policy);
                assert!(text.contains("VERDICT"));
            }
        }
    }
}

struct Coverage {
    security: usize,
    disguised_security: usize,
    high_impact_l1: usize,
    network_unclear: usize,
    admin_or_policy: usize,
    multi_system: usize,
    event_changes_verdict: usize,
}

fn coverage(pack: &Pack) -> Coverage {
    let policy = &pack.policy;
    let mut c = Coverage {
        security: 0,
        disguised_security: 0,
        high_impact_l1: 0,
        network_unclear: 0,
        admin_or_policy: 0,
        multi_system: 0,
        event_changes_verdict: 0,
    };
    for s in pack.scenarios.values() {
        let end = engine::final_verdict(s, policy).unwrap();
        let end_facts = engine::final_knowledge(s).facts;
        let arrival = engine::evaluate(s, &engine::Facts::at_arrival(s), 0, policy).unwrap();
        let arrival_scope = policy.ticket_type(&s.ticket_type).unwrap().scope;
        if end.scope_owner == Owner::EscalateSecurity {
            c.security += 1;
            if arrival_scope != Scope::Security && s.security_indicator.is_none() {
                c.disguised_security += 1;
            }
        }
        if end.scope_owner == Owner::ResolveAtL1 && end.impact.priority <= Priority::P2 {
            c.high_impact_l1 += 1;
        }
        if s.ticket_type == "network" && end.scope_owner == Owner::EscalateToL2 {
            c.network_unclear += 1;
        }
        if s.fixes.iter().any(|f| !f.requires.is_empty()) && end.scope_owner == Owner::EscalateToL2
        {
            c.admin_or_policy += 1;
        }
        if end_facts.ticket_type == "multi-system" {
            c.multi_system += 1;
        }
        let events_only = events_only_verdict(s, policy);
        if events_only.scope_owner != arrival.scope_owner
            || events_only.impact.priority != arrival.impact.priority
        {
            c.event_changes_verdict += 1;
        }
    }
    c
}

/// The verdict once every scripted event has fired, before any step is run.
fn events_only_verdict(s: &Scenario, policy: &escalation_dojo::policy::Policy) -> engine::Verdict {
    let mut facts = engine::Facts::at_arrival(s);
    for e in &s.events {
        facts.apply_all(&e.changes);
    }
    engine::evaluate(s, &facts, 0, policy).unwrap()
}

#[test]
fn covers_the_framework() {
    let pack = pack();
    let c = coverage(&pack);
    assert!(c.security >= 6, "security-adjacent: {}", c.security);
    assert!(
        c.disguised_security >= 2,
        "disguised security: {}",
        c.disguised_security
    );
    assert!(
        c.high_impact_l1 >= 6,
        "technically-L1 high impact: {}",
        c.high_impact_l1
    );
    assert!(
        c.network_unclear >= 6,
        "network without clear cause: {}",
        c.network_unclear
    );
    assert!(
        c.admin_or_policy >= 4,
        "admin or policy change: {}",
        c.admin_or_policy
    );
    assert!(c.multi_system >= 4, "multi-system: {}", c.multi_system);
    assert!(
        c.event_changes_verdict >= 6,
        "verdict changes through an event: {}",
        c.event_changes_verdict
    );

    let types: BTreeSet<String> = pack
        .scenarios
        .values()
        .flat_map(|s| {
            [
                s.ticket_type.clone(),
                engine::final_knowledge(s).facts.ticket_type,
            ]
        })
        .collect();
    for key in pack.policy.ticket_types.keys() {
        assert!(types.contains(key), "no scenario of type {key}");
    }
    let difficulties: BTreeSet<u8> = pack.scenarios.values().map(|s| s.difficulty).collect();
    assert_eq!(difficulties, (1..=5).collect());
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
            st.changes.iter().any(|c| {
                matches!(
                    c,
                    escalation_dojo::scenario::FactChange::SecurityIndicator(_)
                )
            })
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
