//! Shared helpers for the integration tests.
#![allow(dead_code)]

use escalation_dojo::policy::Policy;
use escalation_dojo::scenario::Scenario;

/// The built-in policy.
pub fn policy() -> Policy {
    escalation_dojo::pack::builtin_policy().expect("built-in policy loads")
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
