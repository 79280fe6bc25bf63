//! Issue 14, the engine half: KB articles say what they are and what they cover, scope
//! rules from facts in the policy, exposure in a security incident's priority, security
//! tickets without L1 boilerplate, and authors debugging with the engine.

use std::path::PathBuf;
use std::sync::Arc;

use dojo_core::engine;
use dojo_core::grading::{self, Component, Timing};
use dojo_core::note::EscalationNote;
use dojo_core::pack::{Pack, PackOptions, explain_target, validate_paths};
use dojo_core::policy::Priority;
use dojo_core::scenario::{Owner, Scenario};
use dojo_core::sim::action::{Action, Script, ScriptEntry};
use dojo_core::sim::record;
use dojo_core::sim::session::Session;
use dojo_core::validate::{Severity, Source};

/// A network ticket: `users`, `runbook`, `events` and `expected` vary.
fn network(id: &str, users: u32, runbook: &str, events: &str, expected: &str) -> String {
    format!(
        r#"Scenario(
    id: "{id}",
    title: "Drops on one desk",
    ticket_type: "network",
    difficulty: 2,
    client: (org: "Test Org", patience: 4),
    requester: (name: "Sam Test", role: "Clerk"),
    channel: Phone,
    ticket_text: "The network keeps dropping.",
    impact: (users_affected: {users}, business_function: "Admin", function_criticality: Low, risk: Low),
    l1_has: (tools: true, access: true, runbook: Some("{runbook}")),
    minimum_checks: ["ask-scope", "ping-gateway"],
    root_cause: (summary: "A flapping switch port", area: "switch"),
    steps: [
        (id: "ask-scope", label: "Ask who else is affected", minutes: 2, kind: AskClient, reveals: "Only this desk so far", finding: Observation),
        (id: "ping-gateway", label: "Ping the gateway", minutes: 3, reveals: "Timeouts every few minutes", finding: DoesNotWork, reveals_cause: true),
    ],
    fixes: [(id: "renew", label: "Renew the lease", minutes: 3, resolves: true, outcome: "Works again")],
    events: [{events}],
    expected: {expected},
)"#
    )
}

fn pack_with(texts: &[String]) -> Arc<Pack> {
    let extra = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Source {
            name: format!("test-{i}.ron"),
            bytes: t.clone().into_bytes(),
        })
        .collect();
    Arc::new(Pack::load_with(&PackOptions::default(), extra).expect("test pack loads"))
}

fn note() -> EscalationNote {
    EscalationNote {
        steps_taken: "Asked who else is affected: only this desk. Pinged the gateway: timeouts every few minutes.".into(),
        current_state: "Timeouts to the gateway every few minutes.".into(),
        client_context: "Sam Test, one user, admin work.".into(),
        hypothesis: "A flapping switch port.".into(),
        sla_status: "Within SLA; client told L2 will call.".into(),
    }
}

fn play(s: &mut Session, actions: Vec<(u32, Action)>) -> grading::TicketGrade {
    let script = Script {
        name: String::new(),
        shift: None,
        actions: actions
            .into_iter()
            .map(|(at, action)| ScriptEntry {
                at: Some(at),
                action,
            })
            .collect(),
    };
    record::play_script(s, &script, 0, None, None).unwrap();
    s.finish();
    grading::grade_tickets(s).remove(0)
}

fn checks_then_escalate_at(minute: u32) -> Vec<(u32, Action)> {
    vec![
        (0, Action::Open { ticket: 1 }),
        (
            0,
            Action::AskClient {
                ticket: 1,
                step: "ask-scope".into(),
            },
        ),
        (
            2,
            Action::RunStep {
                ticket: 1,
                step: "ping-gateway".into(),
            },
        ),
        (
            minute,
            Action::Escalate {
                ticket: 1,
                note: note(),
            },
        ),
    ]
}

const L2: &str = r#"(owner: EscalateToL2, rationale: "No clear cause after the checks.")"#;

#[test]
fn a_triage_checklist_gives_l1_the_ticket_up_to_its_window() {
    let pack = pack_with(&[network("t-triage", 1, "kb-network-triage", "", L2)]);
    let s = &pack.scenarios["t-triage"];
    let (_, v) = engine::verdict_at(s, 0, &[], &pack.policy).unwrap();
    assert_eq!(v.scope_owner, Owner::EscalateToL2);
    assert_eq!(v.triage.as_deref(), Some("kb-network-triage"));
    assert_eq!(v.window.as_ref().map(|w| w.limit_minutes), Some(15));
    assert!(
        v.owner_reason.contains("triage checklist"),
        "{}",
        v.owner_reason
    );

    // After the checks, at minute 14 of the 15-minute window: right and on time.
    let g = play(&mut session(&pack, "t-triage"), checks_then_escalate_at(14));
    assert_eq!(
        g.component(Component::Ownership),
        Some(100),
        "{:#?}",
        g.deductions
    );
    assert_eq!(g.timing, Timing::OnTime, "{:#?}", g.deductions);
    // At the window: due, still on time.
    let g = play(&mut session(&pack, "t-triage"), checks_then_escalate_at(15));
    assert_eq!(g.component(Component::Ownership), Some(100));
    assert_eq!(g.timing, Timing::OnTime, "{:#?}", g.deductions);
    // Past it: overdue.
    let g = play(&mut session(&pack, "t-triage"), checks_then_escalate_at(17));
    assert!(matches!(g.timing, Timing::Overdue(_)), "{:?}", g.timing);
    // Before the checks: premature.
    let g = play(
        &mut session(&pack, "t-triage"),
        vec![
            (0, Action::Open { ticket: 1 }),
            (
                0,
                Action::Escalate {
                    ticket: 1,
                    note: note(),
                },
            ),
        ],
    );
    assert_eq!(g.timing, Timing::Premature);
}

#[test]
fn users_added_by_an_event_move_the_verdict_without_reclassifying() {
    let event = r#"(id: "more-users", trigger: AtMinute(8), kind: SecondUserReport, message: "Two colleagues report the same.", changes: [UsersAffected(3)])"#;
    let pack = pack_with(&[network("t-users", 1, "kb-dns-dhcp-renew", event, L2)]);
    let s = &pack.scenarios["t-users"];
    let (_, before) = engine::verdict_at(s, 7, &[], &pack.policy).unwrap();
    assert_eq!(
        before.scope_owner,
        Owner::ResolveAtL1,
        "{}",
        before.owner_reason
    );
    let (_, after) = engine::verdict_at(s, 8, &[], &pack.policy).unwrap();
    assert_eq!(after.scope_owner, Owner::EscalateToL2);
    assert_eq!(after.ticket_type, "network-infrastructure");
    assert!(
        after
            .scope_rule
            .as_deref()
            .unwrap_or("")
            .contains("3 users affected")
    );
}

#[test]
fn an_article_covering_one_device_is_no_procedure_for_two() {
    let pack = pack_with(&[network("t-two", 2, "kb-dns-dhcp-renew", "", L2)]);
    let s = &pack.scenarios["t-two"];
    let v = engine::final_verdict(s, &pack.policy).unwrap();
    assert_eq!(v.scope_owner, Owner::EscalateToL2);
    assert_eq!(v.ticket_type, "network", "2 users is below the scope rule");
    let why: Vec<&str> = v.l1_lacks.iter().map(|l| l.reason.as_str()).collect();
    assert!(
        why.iter()
            .any(|r| r.contains("kb-dns-dhcp-renew does not cover this ticket")),
        "{why:?}"
    );
}

#[test]
fn several_systems_failing_is_a_multi_system_failure() {
    let event = r#"(id: "logins-too", trigger: AtMinute(5), kind: SecondUserReport, message: "Logins fail too.", changes: [SystemsAffected(2)])"#;
    let pack = pack_with(&[network("t-systems", 1, "kb-network-triage", event, L2)]);
    let v = engine::final_verdict(&pack.scenarios["t-systems"], &pack.policy).unwrap();
    assert_eq!(v.ticket_type, "multi-system");
    assert_eq!(v.scope_owner, Owner::EscalateToL2);
    assert_eq!(v.window.as_ref().map(|w| w.limit_minutes), Some(10));
}

/// A security incident from arrival: no l1_has, no steps, no minimum checks.
fn former_employee(exposure: &str) -> String {
    format!(
        r#"Scenario(
    id: "t-leaver",
    title: "A former employee's finance account still signs in",
    ticket_type: "security",
    difficulty: 2,
    client: (org: "Test Org", patience: 3),
    requester: (name: "Sam Test", role: "HR"),
    channel: Email,
    ticket_text: "Dana left in March but her finance login was used yesterday.",
    impact: (users_affected: 1, business_function: "Finance", function_criticality: High, risk: Medium{exposure}),
    root_cause: (summary: "The leaver's account was never disabled", area: "offboarding"),
    expected: (owner: EscalateSecurity, rationale: "An active leaver's account is a security incident."),
)"#
    )
}

#[test]
fn a_security_incident_needs_no_l1_boilerplate_and_its_priority_reflects_exposure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leaver.ron");
    std::fs::write(&path, former_employee(", exposure: Some(Critical)")).unwrap();
    let report = validate_paths(&[path], &PackOptions::default());
    assert!(report.is_clean(), "{:#?}", report.diagnostics);
    assert_eq!(report.warnings(), 0, "{:#?}", report.diagnostics);

    let rated: Scenario = ron::from_str(&former_employee(", exposure: Some(Critical)")).unwrap();
    let unrated: Scenario = ron::from_str(&former_employee("")).unwrap();
    let policy = crate::common::policy();
    let p = |s: &Scenario| engine::final_verdict(s, &policy).unwrap().impact.priority;
    assert_eq!(p(&rated), Priority::P1);
    assert!(p(&unrated) > Priority::P2, "unrated: {:?}", p(&unrated));
}

#[test]
fn explain_answers_on_a_file_with_lint_errors_and_validate_finds_the_packs_kb() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    let article = std::fs::read_to_string(
        crate::common::root().join("scenarios/builtin/kb/kb-dns-dhcp-renew.ron"),
    )
    .unwrap()
    .replace("\"kb-dns-dhcp-renew\"", "\"kb-our-dhcp\"");
    std::fs::write(dir.path().join("kb/kb-our-dhcp.ron"), article).unwrap();
    // L1-owned by the pack's own article, but the fix needs admin: a lint error.
    let broken = network(
        "t-pack",
        1,
        "kb-our-dhcp",
        "",
        r#"(owner: ResolveAtL1, fix: Some("renew"), rationale: "One PC.")"#,
    )
    .replace("resolves: true,", "requires: [Admin], resolves: true,");
    let file: PathBuf = dir.path().join("scenarios/t-pack.ron");
    std::fs::write(&file, broken).unwrap();
    let options = PackOptions {
        packs: vec![dir.path().to_path_buf()],
        ..PackOptions::default()
    };

    let report = validate_paths(std::slice::from_ref(&file), &options);
    let codes: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code)
        .collect();
    assert_eq!(
        codes,
        ["no-l1-fix"],
        "the pack's KB article is found: {:#?}",
        report.diagnostics
    );

    let target = explain_target(&options, file.to_str().unwrap()).expect("explain answers");
    let scenario = target.scenario.expect("the file's scenario");
    let v = engine::final_verdict(&scenario, &target.pack.policy).unwrap();
    assert_eq!(v.scope_owner, Owner::ResolveAtL1, "{}", v.owner_reason);
    assert!(target.file_problems.iter().any(|d| d.code == "no-l1-fix"));
    assert!(
        target.file_problems.iter().all(|d| !d
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("change what L1 has")),
        "hints never ask the author to change facts"
    );
}

#[test]
fn an_article_exceeded_at_arrival_is_a_warning_and_security_by_event_keeps_its_checks() {
    let dir = tempfile::tempdir().unwrap();
    let three = dir.path().join("three.ron");
    // Two users: below the scope rule, above what the one-device article covers.
    std::fs::write(&three, network("t-warn", 2, "kb-dns-dhcp-renew", "", L2)).unwrap();
    let report = validate_paths(&[three], &PackOptions::default());
    assert!(report.is_clean(), "{:#?}", report.diagnostics);
    let warnings: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(warnings, ["kb-does-not-apply"], "{:#?}", report.diagnostics);

    // A ticket that becomes security through an event uses its checks until then.
    let event = r#"(id: "odd", trigger: AfterStep("ask-scope"), kind: SecurityIndicator, message: "An unknown device.", changes: [SecurityIndicator("Unknown device on the desk port")])"#;
    let security = r#"(owner: EscalateSecurity, rationale: "An unknown device.")"#;
    let text = network("t-sec", 1, "kb-network-triage", event, security)
        .replace("risk: Low)", "risk: Low, exposure: Some(High))");
    let path = dir.path().join("sec.ron");
    std::fs::write(&path, text).unwrap();
    let report = validate_paths(&[path], &PackOptions::default());
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}

fn session(pack: &Arc<Pack>, id: &str) -> Session {
    crate::common::one_ticket_session(pack, id)
}
