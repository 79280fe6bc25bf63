//! The shift simulation core: determinism, timers, events, refusals, L2, replay.

use std::sync::Arc;

use dojo_core::engine::WindowState;
use dojo_core::note::EscalationNote;
use dojo_core::pack::Pack;
use dojo_core::shift::{Arrivals, Mode, Rules, Selection, Shift};
use dojo_core::sim::action::{Action, Outcome, Script, ScriptEntry};
use dojo_core::sim::queue;
use dojo_core::sim::record::{self, LogHeader, SessionResult};
use dojo_core::sim::session::{DecisionKind, Notice, Session, Status};
use dojo_core::{agents, scenario::Owner};

fn pack() -> Arc<Pack> {
    Arc::new(Pack::builtin().expect("built-in pack"))
}

fn shift_of(ids: &[&str], arrivals: Vec<u32>, pause_allowed: bool) -> Shift {
    Shift {
        id: "test-shift".into(),
        title: "Test".into(),
        description: String::new(),
        mode: if pause_allowed {
            Mode::Practice
        } else {
            Mode::Competition
        },
        length_minutes: 240,
        arrivals: Arrivals::Fixed(arrivals),
        selection: Selection {
            ids: ids.iter().map(|s| (*s).to_string()).collect(),
            ..Selection::default()
        },
        time_scale: 1.0,
        rules: Rules {
            pause_allowed,
            hints_shown: pause_allowed,
            real_time_limit_minutes: None,
            time_extensions: None,
        },
        variant: None,
    }
}

fn at(minute: u32, action: Action) -> ScriptEntry {
    ScriptEntry {
        at: Some(minute),
        action,
    }
}

fn asap(action: Action) -> ScriptEntry {
    ScriptEntry { at: None, action }
}

fn run(session: &mut Session, entries: Vec<ScriptEntry>) {
    let script = Script {
        name: "test".into(),
        shift: None,
        actions: entries,
    };
    record::play_script(session, &script, 0, None, None).unwrap();
}

fn note() -> EscalationNote {
    EscalationNote {
        steps_taken: "- Ran the checks".into(),
        current_state: "Intermittent drops".into(),
        client_context: "Whole branch, frustrated".into(),
        hypothesis: "Upstream link".into(),
        sla_status: "Plenty of time left".into(),
    }
}

#[test]
fn same_seed_and_actions_give_identical_bytes() {
    let pack = pack();
    for shift_id in [
        "onboarding-basics",
        "practice-mixed",
        "competition-mixed",
        "coaching-drill",
    ] {
        let shift = pack.shifts[shift_id].clone();
        let script = agents::play(Arc::clone(&pack), &shift, 7, agents::Persona::Ideal).unwrap();
        let result_bytes = || {
            let mut s = Session::new(Arc::clone(&pack), shift_id, 7).unwrap();
            record::play_script(&mut s, &script, 0, None, None).unwrap();
            s.finish();
            SessionResult::of(&s, LogHeader::for_session(&s, None, None)).to_ron()
        };
        let a = result_bytes();
        assert_eq!(a, result_bytes(), "{shift_id}");
        assert!(a.contains("outcomes"));
    }
}

#[test]
fn the_queue_is_deterministic_and_poisson_respects_its_gap() {
    let pack = pack();
    let shift = &pack.shifts["practice-mixed"];
    let a = queue::build_queue(shift, &pack, 7).unwrap();
    assert_eq!(a, queue::build_queue(shift, &pack, 7).unwrap());
    assert_ne!(a, queue::build_queue(shift, &pack, 8).unwrap());
    assert!(!a.is_empty() && a.len() <= 8);
    for w in a.windows(2) {
        assert!(w[1].arrives_at >= w[0].arrives_at + 22, "{w:?}");
    }
    // Pinned: the same queue on every machine.
    let ids: Vec<(&str, u32)> = a
        .iter()
        .map(|q| (q.scenario_id.as_str(), q.arrives_at))
        .collect();
    assert_eq!(ids[0], ("wifi-key-changed-after-leave", 11));
}

#[test]
fn network_without_clear_cause_escalated_at_14_is_on_time_at_16_overdue() {
    let pack = pack();
    for (minute, expected) in [
        (14, None),
        (15, Some(WindowState::Reached)),
        (16, Some(WindowState::Overdue { by: 1 })),
    ] {
        let shift = shift_of(&["network-no-clear-cause-branch"], vec![0], true);
        let mut s = Session::with_shift(Arc::clone(&pack), shift, 1).unwrap();
        let checks = s.tickets[0].scenario.minimum_checks.clone();
        let mut entries = vec![at(0, Action::Open { ticket: 1 })];
        for c in checks {
            let kind = s.tickets[0].scenario.step(&c).unwrap().kind;
            entries.push(asap(match kind {
                dojo_core::scenario::StepKind::AskClient => {
                    Action::AskClient { ticket: 1, step: c }
                }
                dojo_core::scenario::StepKind::Check => Action::RunStep { ticket: 1, step: c },
            }));
        }
        entries.push(at(
            minute,
            Action::Escalate {
                ticket: 1,
                note: note(),
            },
        ));
        run(&mut s, entries);
        let d = &s.tickets[0].decisions[0];
        assert_eq!(d.at, minute);
        assert_eq!(d.kind, DecisionKind::Escalated);
        assert_eq!(d.verdict.owner, Owner::EscalateToL2);
        let state = d.verdict.window.as_ref().unwrap().state;
        match expected {
            None => assert!(matches!(state, WindowState::ThreeQuarters), "{state:?}"),
            Some(e) => assert_eq!(state, e),
        }
    }
}

#[test]
fn events_fire_at_their_minute_and_change_the_facts() {
    let pack = pack();
    // vpn-809: IfOpenAt(15) drops patience to 2.
    let shift = shift_of(&["vpn-809-home-router"], vec![5], true);
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 3).unwrap();
    s.advance_to(19);
    assert!(s.tickets[0].events_fired.is_empty());
    assert_eq!(s.tickets[0].facts.patience, 3);
    s.advance_to(20);
    assert_eq!(
        s.tickets[0].events_fired,
        vec![("client-chases".to_string(), 20)]
    );
    assert_eq!(s.tickets[0].facts.patience, 2);
    let notices = s.drain_notices();
    assert!(
        notices.iter().any(
            |n| matches!(n, Notice::Event { ticket: 1, event, .. } if event == "client-chases")
        )
    );

    // IfOpenAt does not fire once L1 has closed the ticket.
    let shift = shift_of(&["vpn-809-home-router"], vec![0], true);
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 3).unwrap();
    run(
        &mut s,
        vec![
            at(0, Action::Open { ticket: 1 }),
            asap(Action::ApplyFix {
                ticket: 1,
                fix: "enable-ipsec-passthrough".into(),
            }),
            asap(Action::Resolve { ticket: 1 }),
        ],
    );
    s.advance_to(60);
    assert!(s.tickets[0].events_fired.is_empty());
    assert_eq!(s.tickets[0].status, Status::ResolvedAtL1);
}

#[test]
fn a_scripted_event_turns_an_l1_ticket_into_l2_mid_ticket() {
    let pack = pack();
    let shift = shift_of(&["vpn-gp-gateway-cert-expired"], vec![0], true);
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 1).unwrap();
    let policy = s.policy().clone();
    assert_eq!(
        s.tickets[0].verdict(0, &policy).unwrap().owner,
        Owner::ResolveAtL1
    );
    s.advance_to(6);
    assert_eq!(
        s.tickets[0].verdict(6, &policy).unwrap().owner,
        Owner::EscalateToL2
    );
    assert_eq!(s.tickets[0].facts.ticket_type, "network-infrastructure");
}

#[test]
fn waiting_tickets_keep_their_clocks_running() {
    let pack = pack();
    let shift = shift_of(
        &["vpn-809-home-router", "password-forgotten-dental-nurse"],
        vec![0, 0],
        true,
    );
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 1).unwrap();
    let policy = s.policy().clone();
    let sla_at_0 = s.tickets[1].sla_remaining(0, &policy);
    run(
        &mut s,
        vec![
            at(0, Action::Open { ticket: 1 }),
            asap(Action::AskClient {
                ticket: 1,
                step: "ask-error".into(),
            }),
            asap(Action::AskClient {
                ticket: 1,
                step: "check-internet".into(),
            }),
            asap(Action::RunStep {
                ticket: 1,
                step: "check-vpn-logs".into(),
            }),
        ],
    );
    s.advance_to(s.busy_until);
    assert_eq!(s.now, 8);
    // Ticket 2 was never touched, yet its SLA and window ran.
    assert_eq!(s.tickets[1].status, Status::Queued);
    assert_eq!(s.tickets[1].sla_remaining(8, &policy), sla_at_0 - 8);
    let w = s.tickets[1].window(8, &policy).unwrap();
    // A password reset has 15 minutes (docs/time.md): 50% is past at minute 8.
    assert_eq!((w.elapsed_minutes, w.limit_minutes), (8, 15));
    assert_eq!(s.tickets[1].window_warnings, vec![50]);
    let notices = s.drain_notices();
    assert!(notices.contains(&Notice::WindowWarning {
        ticket: 2,
        percent: 50
    }));
    s.advance_to(12);
    assert_eq!(s.tickets[1].window_warnings, vec![50, 75]);
    s.advance_to(15);
    assert_eq!(s.tickets[1].window_warnings, vec![50, 75, 100]);
    // Ticket 1 is VPN (20 min): 50% at 10, 75% at 15.
    assert_eq!(s.tickets[0].window_warnings, vec![50, 75]);
}

#[test]
fn refused_actions_are_logged_with_reasons_and_cost_nothing() {
    let pack = pack();
    let shift = shift_of(
        &["software-install-needs-elevation", "vpn-809-home-router"],
        vec![0, 30],
        false,
    );
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 1).unwrap();
    let admin_fix = s.tickets[0]
        .scenario
        .fixes
        .iter()
        .find(|f| !f.requires.is_empty())
        .unwrap()
        .id
        .clone();
    let cases: Vec<(Action, &str)> = vec![
        (
            Action::RunStep {
                ticket: 1,
                step: "x".into(),
            },
            "Open ticket 1 first",
        ),
        (
            Action::Open { ticket: 2 },
            "has not arrived yet (it arrives at minute 30)",
        ),
        (Action::Open { ticket: 9 }, "no ticket 9"),
        (Action::Pause, "not allowed in this mode"),
        (Action::Open { ticket: 1 }, ""),
        (
            Action::RunStep {
                ticket: 1,
                step: "no-such-step".into(),
            },
            "has no step `no-such-step`",
        ),
        (
            Action::ApplyFix {
                ticket: 1,
                fix: admin_fix,
            },
            "Access denied",
        ),
        (Action::Resolve { ticket: 1 }, ""),
        (Action::Resolve { ticket: 1 }, "not with L1"),
    ];
    for (action, reason) in cases {
        let before = s.busy_until;
        s.advance_to(s.busy_until);
        let outcome = s.act(action.clone());
        let logged = s.log.last().unwrap();
        assert_eq!(logged.action, action);
        if reason.is_empty() {
            assert!(
                matches!(outcome, Outcome::Done { .. }),
                "{action:?}: {outcome:?}"
            );
        } else {
            match &logged.outcome {
                Outcome::Refused(r) => assert!(r.contains(reason), "{action:?}: {r}"),
                other => panic!("{action:?} should be refused, got {other:?}"),
            }
            assert_eq!(s.busy_until, before.max(s.busy_until));
        }
    }
    // Busy: an action during another's minutes is refused.
    let mut s = Session::with_shift(
        Arc::clone(&pack),
        shift_of(&["vpn-809-home-router"], vec![0], true),
        1,
    )
    .unwrap();
    s.act(Action::Open { ticket: 1 });
    s.act(Action::RunStep {
        ticket: 1,
        step: "check-vpn-logs".into(),
    });
    let o = s.act(Action::AskClient {
        ticket: 1,
        step: "ask-error".into(),
    });
    assert_eq!(o, Outcome::Refused("You are busy until minute 4.".into()));
    // The wrong verb for a step says which one to use.
    s.advance_to(4);
    let o = s.act(Action::RunStep {
        ticket: 1,
        step: "ask-error".into(),
    });
    assert!(matches!(o, Outcome::Refused(r) if r.contains("ask the client")));
}

#[test]
fn l2_saves_minutes_with_a_complete_note_and_bounces_an_empty_one() {
    let pack = pack();
    let policy = pack.policy.clone();
    let shift = shift_of(&["software-install-needs-elevation"], vec![0], true);
    let checks = pack.scenarios["software-install-needs-elevation"]
        .minimum_checks
        .clone();
    let mut good = Session::with_shift(Arc::clone(&pack), shift.clone(), 1).unwrap();
    let mut entries = vec![at(0, Action::Open { ticket: 1 })];
    for c in &checks {
        let kind = good.tickets[0].scenario.step(c).unwrap().kind;
        entries.push(asap(match kind {
            dojo_core::scenario::StepKind::AskClient => Action::AskClient {
                ticket: 1,
                step: c.clone(),
            },
            dojo_core::scenario::StepKind::Check => Action::RunStep {
                ticket: 1,
                step: c.clone(),
            },
        }));
    }
    run(&mut good, entries);
    let t = &good.tickets[0];
    let model = dojo_core::note::model_note(
        &dojo_core::note::NoteContext {
            scenario: &t.scenario,
            steps_run: &t.steps_run,
            fixes_applied: &t.fixes_applied,
            events_fired: &t.events_fired,
            facts: &t.facts,
            sla_remaining_minutes: t.sla_remaining(good.now, &policy),
            immediate: false,
            signatures: None,
        },
        &policy,
    );
    good.advance_to(good.busy_until);
    assert!(matches!(
        good.act(Action::Escalate {
            ticket: 1,
            note: model
        }),
        Outcome::Done { .. }
    ));
    good.finish();
    let up = good.tickets[0].upstream.clone().unwrap();
    assert!(!up.bounced);
    assert!(
        up.rediscovery_minutes <= 3,
        "complete note: {}",
        up.rediscovery_minutes
    );
    assert_eq!(good.tickets[0].status, Status::ClosedUpstream);
    assert_eq!(
        up.first_action_at,
        up.escalated_at + policy.l2.queue_wait_minutes
    );

    let mut empty = Session::with_shift(Arc::clone(&pack), shift, 1).unwrap();
    run(
        &mut empty,
        vec![
            at(0, Action::Open { ticket: 1 }),
            asap(Action::Escalate {
                ticket: 1,
                note: EscalationNote::default(),
            }),
        ],
    );
    empty.finish();
    let t = &empty.tickets[0];
    assert!(t.upstream.as_ref().unwrap().bounced);
    assert_eq!(t.status, Status::BouncedToL1);
    assert_eq!(t.bounces, 1);
}

#[test]
fn a_wrong_fix_reopens_later() {
    let pack = pack();
    let shift = shift_of(&["vpn-809-home-router"], vec![0], true);
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 1).unwrap();
    run(
        &mut s,
        vec![
            at(0, Action::Open { ticket: 1 }),
            asap(Action::ApplyFix {
                ticket: 1,
                fix: "reinstall-vpn".into(),
            }),
            asap(Action::Resolve { ticket: 1 }),
        ],
    );
    let resolved_at = s.tickets[0].closed_at.unwrap();
    s.finish();
    let t = &s.tickets[0];
    assert_eq!(
        t.reopened_at,
        vec![resolved_at + pack.policy.l2.reopen_after_minutes]
    );
    assert_eq!(t.status, Status::Reopened);
}

#[test]
fn pause_freezes_the_clock_where_allowed() {
    let pack = pack();
    let mut s = Session::with_shift(
        Arc::clone(&pack),
        shift_of(&["vpn-809-home-router"], vec![0], true),
        1,
    )
    .unwrap();
    assert!(matches!(s.act(Action::Pause), Outcome::Done { .. }));
    s.advance_to(30);
    assert_eq!(s.now, 0);
    assert!(
        matches!(s.act(Action::Open { ticket: 1 }), Outcome::Refused(r) if r.contains("paused"))
    );
    s.act(Action::Resume);
    s.advance_to(30);
    assert_eq!(s.now, 30);
}

#[test]
fn a_replayed_log_reproduces_and_a_tampered_one_does_not() {
    let pack = pack();
    let shift = pack.shifts["competition-mixed"].clone();
    let script = agents::play(Arc::clone(&pack), &shift, 7, agents::Persona::Ideal).unwrap();
    let mut s = Session::with_shift(Arc::clone(&pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    let header = LogHeader::for_session(&s, Some("Ana".into()), None);
    let result = SessionResult::of(&s, header.clone());
    let replayed = record::replay_entries(Arc::clone(&pack), &header, &result.log)
        .unwrap()
        .unwrap();
    assert_eq!(
        SessionResult::of(&replayed, header.clone()).to_ron(),
        result.to_ron()
    );

    // An inserted action changes what follows.
    let mut tampered = result.log.clone();
    let mut extra = tampered[3].clone();
    extra.action = Action::Open { ticket: 2 };
    tampered.insert(4, extra);
    let d = record::replay_entries(Arc::clone(&pack), &header, &tampered)
        .unwrap()
        .unwrap_err();
    assert!(d.entry.is_some(), "{}", d.message);

    // Reordered entries go back in time.
    let mut reordered = result.log.clone();
    reordered.swap(2, 20);
    let d = record::replay_entries(Arc::clone(&pack), &header, &reordered)
        .unwrap()
        .unwrap_err();
    assert!(
        d.message.contains("out of order") || d.message.contains("the log says"),
        "{}",
        d.message
    );

    // Another pack hash is refused up front.
    let mut other = header.clone();
    other.pack_hash = "0".repeat(64);
    let e = record::replay_entries(Arc::clone(&pack), &other, &result.log).unwrap_err();
    assert!(e.to_string().contains("pack hash mismatch"));
}
