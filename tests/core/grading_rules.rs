//! Grading rules on hand-played tickets: ownership, timing (premature, on time, overdue,
//! security within two minutes), resolution, business impact, the auto-fail — each
//! deduction stating the rule, what the trainee did and when.

use std::sync::Arc;

use dojo_core::grading::{self, Component, Timing};
use dojo_core::note::EscalationNote;
use dojo_core::pack::Pack;
use dojo_core::policy::Priority;
use dojo_core::scenario::{Owner, StepKind};
use dojo_core::shift::Mode;
use dojo_core::sim::action::{Action, Script, ScriptEntry};
use dojo_core::sim::record;
use dojo_core::sim::session::Session;

fn pack() -> Arc<Pack> {
    Arc::new(Pack::builtin().unwrap())
}

fn step(s: &Session, id: &str) -> Action {
    match s.tickets[0].scenario.step(id).unwrap().kind {
        StepKind::AskClient => Action::AskClient {
            ticket: 1,
            step: id.into(),
        },
        StepKind::Check => Action::RunStep {
            ticket: 1,
            step: id.into(),
        },
    }
}

fn play(s: &mut Session, actions: Vec<(Option<u32>, Action)>) -> grading::TicketGrade {
    let script = Script {
        name: String::new(),
        shift: None,
        actions: actions
            .into_iter()
            .map(|(at, action)| ScriptEntry { at, action })
            .collect(),
    };
    record::play_script(s, &script, 0, None, None).unwrap();
    s.finish();
    grading::grade_tickets(s).remove(0)
}

fn checks(s: &Session) -> Vec<(Option<u32>, Action)> {
    s.tickets[0]
        .scenario
        .minimum_checks
        .iter()
        .map(|c| (None, step(s, c)))
        .collect()
}

fn note() -> EscalationNote {
    EscalationNote {
        steps_taken: "- checks".into(),
        current_state: "state".into(),
        client_context: "context".into(),
        hypothesis: "a guess at the cause".into(),
        sla_status: "some time left".into(),
    }
}

#[test]
fn escalating_before_the_minimum_checks_is_premature() {
    let pack = pack();
    let mut s = session(&pack, "network-no-clear-cause-branch");
    let g = play(
        &mut s,
        vec![
            (Some(0), Action::Open { ticket: 1 }),
            (
                Some(3),
                Action::Escalate {
                    ticket: 1,
                    note: note(),
                },
            ),
        ],
    );
    assert_eq!(g.call, Some(Owner::EscalateToL2));
    assert_eq!(g.right_call, Owner::EscalateToL2);
    assert_eq!(g.timing, Timing::Premature);
    assert_eq!(g.component(Component::Ownership), Some(100));
    let d = g
        .deductions
        .iter()
        .find(|d| d.component == Component::Timing)
        .unwrap();
    assert!(d.rule.contains("premature"), "{}", d.rule);
    assert!(
        d.what_you_did.contains("You escalated at minute 3 before"),
        "{}",
        d.what_you_did
    );
    assert_eq!(d.minute, Some(3));
}

#[test]
fn escalating_at_14_is_on_time_and_at_16_overdue() {
    let pack = pack();
    for (minute, timing) in [
        (14, Timing::OnTime),
        (15, Timing::OnTime),
        (16, Timing::Overdue(1)),
        (20, Timing::Overdue(5)),
    ] {
        let mut s = session(&pack, "network-no-clear-cause-branch");
        let mut actions = vec![(Some(0), Action::Open { ticket: 1 })];
        actions.extend(checks(&s));
        actions.push((
            Some(minute),
            Action::Escalate {
                ticket: 1,
                note: note(),
            },
        ));
        let g = play(&mut s, actions);
        assert_eq!(g.timing, timing, "minute {minute}");
        let timing_score = g.component(Component::Timing).unwrap();
        match timing {
            Timing::Overdue(by) => {
                assert_eq!(timing_score, 100 - 10 * by, "minute {minute}");
                let d = g
                    .deductions
                    .iter()
                    .find(|d| d.component == Component::Timing)
                    .unwrap();
                assert!(d.rule.contains("regardless of progress"));
                assert!(
                    d.what_you_did
                        .contains(&format!("{by} min past the window"))
                );
            }
            _ => assert_eq!(timing_score, 100, "minute {minute}"),
        }
    }
}

#[test]
fn security_must_be_escalated_within_two_minutes_of_the_indicator() {
    let pack = pack();
    // phishing-odd-login-prompt: the indicator appears with a step's finding.
    let revealing = pack.scenarios["phishing-odd-login-prompt"]
        .steps
        .iter()
        .find(|st| {
            st.changes
                .iter()
                .any(|c| matches!(c, dojo_core::scenario::FactChange::SecurityIndicator(_)))
        })
        .unwrap()
        .clone();
    for (delay, expected) in [
        (0, Timing::OnTime),
        (2, Timing::OnTime),
        (5, Timing::SecurityLate(5)),
    ] {
        let mut s = session(&pack, "phishing-odd-login-prompt");
        let visible = revealing.minutes; // the finding is in front of L1 when the step is done
        let reveal = step(&s, &revealing.id);
        let g = play(
            &mut s,
            vec![
                (Some(0), Action::Open { ticket: 1 }),
                (None, reveal),
                (
                    Some(visible + delay),
                    Action::EscalateSecurity {
                        ticket: 1,
                        note: note(),
                    },
                ),
            ],
        );
        assert_eq!(g.right_call, Owner::EscalateSecurity);
        assert_eq!(g.timing, expected, "delay {delay}");
        assert!(!g.critical);
        if delay > 2 {
            let d = g
                .deductions
                .iter()
                .find(|d| d.component == Component::Timing)
                .unwrap();
            assert!(d.rule.contains("within 2 sim minutes"), "{}", d.rule);
            assert!(
                d.what_you_did
                    .contains(&format!("visible at minute {visible}")),
                "{}",
                d.what_you_did
            );
        }
    }
}

#[test]
fn a_security_incident_kept_at_l1_is_an_auto_fail() {
    let pack = pack();
    let mut s = session(&pack, "install-anydesk-bank");
    let t = &s.tickets[0].scenario;
    let revealing: Vec<String> = t
        .steps
        .iter()
        .filter(|st| {
            st.changes
                .iter()
                .any(|c| matches!(c, dojo_core::scenario::FactChange::SecurityIndicator(_)))
        })
        .map(|st| st.id.clone())
        .collect();
    let fix = t
        .fixes
        .iter()
        .find(|f| f.requires.is_empty())
        .map(|f| f.id.clone());
    let mut actions = vec![
        (Some(0), Action::Open { ticket: 1 }),
        (
            Some(0),
            Action::EstimateImpact {
                ticket: 1,
                priority: Priority::P3,
            },
        ),
    ];
    actions.extend(revealing.iter().map(|id| (None, step(&s, id))));
    if let Some(fix) = fix {
        actions.push((None, Action::ApplyFix { ticket: 1, fix }));
    }
    actions.push((None, Action::Resolve { ticket: 1 }));
    let g = play(&mut s, actions);
    assert!(g.critical);
    assert_eq!(g.score, 0);
    assert!(g.deductions[0].rule.starts_with("Auto-fail"));
    assert!(
        g.deductions[0]
            .what_you_did
            .contains("never escalated as a security incident")
    );
}

#[test]
fn resolving_with_the_wrong_fix_and_without_the_runbook_costs_resolution_points() {
    let pack = pack();
    let mut s = session(&pack, "vpn-809-home-router");
    let mut actions = vec![(Some(0), Action::Open { ticket: 1 })];
    actions.extend(checks(&s));
    actions.push((
        None,
        Action::ApplyFix {
            ticket: 1,
            fix: "reinstall-vpn".into(),
        },
    ));
    actions.push((None, Action::Resolve { ticket: 1 }));
    let g = play(&mut s, actions);
    assert_eq!(g.call, Some(Owner::ResolveAtL1));
    assert_eq!(g.component(Component::Ownership), Some(100));
    assert!(g.reopened);
    // Wrong fix (60) + no runbook (40) + reopen (40), floored at 0.
    assert_eq!(g.component(Component::Resolution), Some(0));
    let rules: Vec<&str> = g
        .deductions
        .iter()
        .filter(|d| d.component == Component::Resolution)
        .map(|d| d.rule.as_str())
        .collect();
    assert_eq!(rules.len(), 3, "{rules:?}");
    assert!(rules.iter().any(|r| r.contains("kb-vpn-809")));
}

#[test]
fn the_right_fix_with_the_runbook_and_the_right_impact_scores_full() {
    let pack = pack();
    let mut s = session(&pack, "vpn-809-home-router");
    let mut actions = vec![
        (Some(0), Action::Open { ticket: 1 }),
        (
            None,
            Action::EstimateImpact {
                ticket: 1,
                priority: Priority::P5,
            },
        ),
    ];
    actions.extend(checks(&s));
    actions.push((
        None,
        Action::SearchKb {
            ticket: 1,
            query: "vpn 809".into(),
        },
    ));
    actions.push((
        None,
        Action::OpenArticle {
            ticket: 1,
            article: "kb-vpn-809".into(),
        },
    ));
    actions.push((
        None,
        Action::ApplyFix {
            ticket: 1,
            fix: "enable-ipsec-passthrough".into(),
        },
    ));
    actions.push((None, Action::Resolve { ticket: 1 }));
    let g = play(&mut s, actions);
    assert_eq!(g.score, 100, "{:#?}", g.deductions);
    assert!(g.deductions.is_empty());
    assert!(g.runbook_used && !g.reopened);
}

#[test]
fn an_l1_ticket_escalated_is_an_unnecessary_escalation_with_a_review() {
    let pack = pack();
    let mut s = session(&pack, "vpn-809-home-router");
    let mut actions = vec![(Some(0), Action::Open { ticket: 1 })];
    actions.extend(checks(&s));
    actions.push((
        None,
        Action::Escalate {
            ticket: 1,
            note: note(),
        },
    ));
    record::play_script(
        &mut s,
        &Script {
            name: String::new(),
            shift: None,
            actions: actions
                .into_iter()
                .map(|(at, action)| ScriptEntry { at, action })
                .collect(),
        },
        0,
        None,
        None,
    )
    .unwrap();
    s.finish();
    let g = grading::grade(&s, None, None);
    let t = &g.tickets[0];
    assert_eq!(t.component(Component::Ownership), Some(0));
    let d = t
        .deductions
        .iter()
        .find(|d| d.component == Component::Ownership)
        .unwrap();
    assert!(d.rule.contains("documented procedure"), "{}", d.rule);
    assert_eq!(g.numbers.unnecessary, 1);
    let review = &g.coaching.reviews[0];
    assert!(
        review.should_escalate.starts_with("No."),
        "{}",
        review.should_escalate
    );
    assert!(
        review.l1_needs.contains("kb-vpn-809"),
        "{}",
        review.l1_needs
    );
    assert!(g.numbers.l2_wasted_minutes > 0);
}

#[test]
fn the_ceo_needs_senior_ownership_and_an_update_even_at_l1() {
    let pack = pack();
    let mut s = session(&pack, "ceo-password-board-meeting");
    let mut actions = vec![
        (Some(0), Action::Open { ticket: 1 }),
        (
            None,
            Action::EstimateImpact {
                ticket: 1,
                priority: Priority::P1,
            },
        ),
    ];
    actions.extend(checks(&s));
    actions.push((
        None,
        Action::SearchKb {
            ticket: 1,
            query: "password reset".into(),
        },
    ));
    actions.push((
        None,
        Action::OpenArticle {
            ticket: 1,
            article: "kb-password-reset".into(),
        },
    ));
    actions.push((
        None,
        Action::ApplyFix {
            ticket: 1,
            fix: "verified-reset".into(),
        },
    ));
    actions.push((None, Action::Resolve { ticket: 1 }));
    let g = play(&mut s, actions);
    assert_eq!(g.component(Component::Ownership), Some(100));
    assert_eq!(
        g.component(Component::BusinessImpact),
        Some(25),
        "3 of 4 parts missed: {:#?}",
        g.deductions
    );
    let missed: Vec<&str> = g
        .deductions
        .iter()
        .filter(|d| d.component == Component::BusinessImpact)
        .map(|d| d.what_you_did.as_str())
        .collect();
    assert_eq!(
        missed,
        vec![
            "No proactive client update before the decision.",
            "No senior ownership before the decision.",
            "No parallel escalation before the decision.",
        ]
    );
}

#[test]
fn every_deduction_states_its_rule_what_was_done_and_when() {
    let pack = pack();
    for shift in [
        "onboarding-basics",
        "practice-mixed",
        "competition-mixed",
        "coaching-drill",
    ] {
        for persona in dojo_core::agents::Persona::ALL {
            let script =
                dojo_core::agents::play(Arc::clone(&pack), &pack.shifts[shift], 7, persona)
                    .unwrap();
            let mut s = Session::new(Arc::clone(&pack), shift, 7).unwrap();
            record::play_script(&mut s, &script, 0, None, None).unwrap();
            s.finish();
            for t in grading::grade_tickets(&s) {
                for d in &t.deductions {
                    assert!(
                        !d.rule.is_empty() && !d.what_you_did.is_empty(),
                        "{shift} {persona:?} #{}: {d:?}",
                        t.number
                    );
                    assert!(
                        d.minute.is_some(),
                        "{shift} {persona:?} #{}: {d:?}",
                        t.number
                    );
                }
            }
        }
    }
}

/// Grades follow what happened (#13): a trainee who ends the shift early is graded on the
/// tickets they reached; those that never arrived, or arrived and were never opened, are
/// "not reached" — no auto-fail, no score, no metrics — and a replay of the log ends at
/// the same minute.
#[test]
fn ending_early_grades_only_the_tickets_reached() {
    let pack = pack();
    let shift = pack.shifts["onboarding-5-security"].clone();
    let mut s = Session::with_shift(Arc::clone(&pack), shift.clone(), 7).unwrap();
    let script = dojo_core::agents::play(
        Arc::clone(&pack),
        &shift,
        7,
        dojo_core::agents::Persona::Ideal,
    )
    .unwrap();
    // The ideal trainee's actions on ticket 1 only, then End.
    let first: Vec<ScriptEntry> = script
        .actions
        .iter()
        .take_while(|e| e.action.ticket().is_none_or(|n| n == 1))
        .cloned()
        .collect();
    record::play_script(
        &mut s,
        &Script {
            name: String::new(),
            shift: None,
            actions: first,
        },
        0,
        None,
        None,
    )
    .unwrap();
    let at = s.now;
    assert!(
        s.tickets.iter().any(|t| t.arrives_at > at),
        "later tickets are still to come"
    );
    assert!(matches!(
        s.act(Action::EndShift),
        dojo_core::sim::action::Outcome::Done { .. }
    ));
    s.finish();
    assert_eq!(s.ended_early_at, Some(at));
    assert!(
        s.tickets
            .iter()
            .filter(|t| t.arrives_at > at)
            .all(|t| t.status == dojo_core::sim::session::Status::Pending),
        "nothing arrives after the end"
    );
    let g = grading::grade(&s, None, None);
    let reached: Vec<_> = g.tickets.iter().filter(|t| !t.not_reached).collect();
    assert!(!reached.is_empty());
    assert!(g.tickets.iter().any(|t| t.not_reached));
    assert!(!g.critical, "no auto-fail for a ticket never seen");
    for t in g.tickets.iter().filter(|t| t.not_reached) {
        assert!(!t.critical && t.deductions.is_empty() && !t.counts());
    }
    // The score is the reached tickets' mean only.
    let counted: Vec<u32> = g
        .tickets
        .iter()
        .filter(|t| t.counts())
        .map(|t| t.score)
        .collect();
    let mean = (f64::from(counted.iter().sum::<u32>()) / counted.len() as f64).round() as u32;
    assert_eq!(g.score, mean);
    assert!(
        g.score >= 90,
        "the one ticket handled by the book scores {}",
        g.score
    );
    assert!(
        g.coaching
            .reviews
            .iter()
            .all(|r| reached.iter().any(|t| t.number == r.number))
    );
    let text = grading::report::to_text(&g);
    assert!(text.contains("not reached"), "{text}");

    // The log replays to the same end.
    let header = record::LogHeader::for_session(&s, None, None);
    let replayed = record::replay_entries(Arc::clone(&pack), &header, &s.log)
        .unwrap()
        .unwrap();
    assert_eq!(replayed.ended_early_at, Some(at));
    assert_eq!(grading::grade(&replayed, None, None), g);
}

#[test]
fn a_competition_cannot_be_ended_early() {
    let pack = pack();
    let mut shift = pack.shifts["competition-mixed"].clone();
    shift.mode = Mode::Competition;
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 7).unwrap();
    match s.act(Action::EndShift) {
        dojo_core::sim::action::Outcome::Refused(why) => {
            assert!(why.contains("every ticket counts"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

fn session(pack: &Arc<Pack>, id: &str) -> Session {
    crate::common::one_ticket_session(pack, id)
}

/// Grades follow what happened (#13): an L1 resolution made after the window ran out is
/// the right owner by scope, but its "right call" never quotes the "escalate now" rule it
/// broke; it says what the window rule wanted.
#[test]
fn a_late_resolution_is_never_praised_with_the_rule_it_broke() {
    let pack = pack();
    let shift = "onboarding-1-l1-scope";
    let script = dojo_core::agents::play(
        Arc::clone(&pack),
        &pack.shifts[shift],
        7,
        dojo_core::agents::Persona::Slow,
    )
    .unwrap();
    let mut s = Session::new(Arc::clone(&pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    let mut late = 0;
    for t in grading::grade_tickets(&s) {
        for text in &t.strengths {
            assert!(!text.contains("escalate now"), "#{}: {text}", t.number);
        }
        if t.call == Some(Owner::ResolveAtL1) && matches!(t.timing, grading::Timing::Overdue(_)) {
            late += 1;
            assert!(
                t.strengths
                    .iter()
                    .any(|x| x.contains("the window rule wanted it escalated")),
                "#{}: {:?}",
                t.number,
                t.strengths
            );
        }
    }
    assert!(late > 0, "the slow agent resolved nothing late");
}

/// The debrief teaches first (#13): the three lessons that cost the most, each with its
/// ticket and the rule to follow next time, each rule once; the ideal agent has none.
#[test]
fn the_lessons_are_the_costliest_deductions_each_rule_once() {
    let pack = pack();
    let shift = "onboarding-1-l1-scope";
    let graded = |persona| {
        let script =
            dojo_core::agents::play(Arc::clone(&pack), &pack.shifts[shift], 7, persona).unwrap();
        let mut s = Session::new(Arc::clone(&pack), shift, 7).unwrap();
        record::play_script(&mut s, &script, 0, None, None).unwrap();
        s.finish();
        grading::grade(&s, None, None)
    };
    let rules = &pack.policy.grading;
    let over = graded(dojo_core::agents::Persona::OverEscalator);
    let lessons = grading::lessons(&over, rules, 3);
    assert!(!lessons.is_empty() && lessons.len() <= 3, "{lessons:#?}");
    for pair in lessons.windows(2) {
        assert!(pair[0].cost >= pair[1].cost, "{lessons:#?}");
        assert!(pair[0].component != pair[1].component || pair[0].next_time != pair[1].next_time);
    }
    // Escalating L1 work on several tickets is one lesson, listing the others.
    assert!(!lessons[0].also_on.is_empty(), "{lessons:#?}");
    assert!(!lessons[0].next_time.starts_with("Rule ("), "{lessons:#?}");
    // The over-escalator's worst: escalating L1 work, on a ticket that names it.
    assert_eq!(lessons[0].component, Component::Ownership, "{lessons:#?}");
    assert!(over.tickets.iter().any(|t| t.number == lessons[0].ticket));
    assert!(!lessons[0].next_time.is_empty() && !lessons[0].what_happened.is_empty());
    let ideal = graded(dojo_core::agents::Persona::Ideal);
    assert!(
        grading::lessons(&ideal, rules, 3)
            .iter()
            .all(|l| l.cost < 5.0),
        "the ideal agent's lessons are minor"
    );
}
