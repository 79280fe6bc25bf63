//! The clock a person plays against (#13, `docs/time.md`): the human-pace persona —
//! reading at 230 words a minute, 3 s to choose each action, typing at 35 words a
//! minute — passes every onboarding module and scores well on practice; the dithering
//! persona (three times as long per decision) misses windows. Both play through
//! `sim::clock::Clock`, the type the window's `sim_plugin` drives.

use std::sync::Arc;

use dojo_core::agents::{self, Persona};
use dojo_core::grading::{self, SessionGrade, Timing};
use dojo_core::pack::Pack;
use dojo_core::policy::ClockRules;
use dojo_core::sim::clock::{Activity, Clock, secs_to_us};
use dojo_core::sim::record;
use dojo_core::sim::session::Session;

fn graded(pack: &Arc<Pack>, shift: &str, persona: Persona) -> SessionGrade {
    let script = agents::play(Arc::clone(pack), &pack.shifts[shift], 7, persona).unwrap();
    let mut s = Session::new(Arc::clone(pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    grading::grade(&s, None, None)
}

fn describe(g: &SessionGrade) -> String {
    g.tickets
        .iter()
        .map(|t| {
            format!(
                "  #{} {} {:?} at {:?} {} ({})",
                t.number,
                t.scenario,
                t.call,
                t.decided_at,
                t.timing.label(),
                t.score
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn overdue(g: &SessionGrade) -> Vec<String> {
    g.tickets
        .iter()
        .filter(|t| matches!(t.timing, Timing::Overdue(_) | Timing::SecurityLate(_)))
        .map(|t| t.scenario.clone())
        .collect()
}

#[test]
fn the_human_pace_persona_passes_every_onboarding_module_and_practice() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let curriculum = &pack.curricula["onboarding"];
    for m in &curriculum.modules {
        let g = graded(&pack, &m.shift, Persona::HumanPace);
        assert!(
            g.score >= m.pass_mark && !g.critical,
            "{}: {} < {}\n{}",
            m.shift,
            g.score,
            m.pass_mark,
            describe(&g)
        );
        assert!(overdue(&g).is_empty(), "{}:\n{}", m.shift, describe(&g));
    }
    for shift in ["practice-mixed", "onboarding-basics"] {
        let g = graded(&pack, shift, Persona::HumanPace);
        assert!(g.score >= 85, "{shift}: {}\n{}", g.score, describe(&g));
    }
}

#[test]
fn the_dithering_persona_misses_windows_and_fails_module_one() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let curriculum = &pack.curricula["onboarding"];
    for m in &curriculum.modules {
        let g = graded(&pack, &m.shift, Persona::Dithering);
        assert!(
            !overdue(&g).is_empty() || g.tickets.iter().any(|t| t.call.is_none()),
            "{}: the dithering persona was on time everywhere\n{}",
            m.shift,
            describe(&g)
        );
    }
    let first = &curriculum.modules[0];
    let g = graded(&pack, &first.shift, Persona::Dithering);
    assert!(g.score < first.pass_mark, "{}", describe(&g));
    // Its first ticket, a password reset done by the book, runs out of window.
    assert!(
        matches!(g.tickets[0].timing, Timing::Overdue(_)),
        "{}",
        describe(&g)
    );
}

#[test]
fn paced_personas_print_their_scripts_and_replay_them() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let shift = &pack.shifts["onboarding-1-l1-scope"];
    let (script, plan) = agents::play_paced(
        Arc::clone(&pack),
        shift,
        7,
        Persona::HumanPace,
        agents::HUMAN_PACE,
    )
    .unwrap();
    assert_eq!(
        script,
        agents::play(Arc::clone(&pack), shift, 7, Persona::HumanPace).unwrap()
    );
    assert_eq!(
        plan.iter().filter(|p| p.action.is_some()).count(),
        script.actions.len()
    );
    // Every note was typed for its ticket.
    assert!(plan.iter().any(|p| {
        p.spend
            .iter()
            .any(|(a, us)| matches!(a, Activity::Writing { .. }) && *us > 0)
    }));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("human.ron");
    std::fs::write(&file, script.to_ron()).unwrap();
    assert_eq!(dojo_core::sim::action::Script::read(&file).unwrap(), script);
}

fn rules() -> ClockRules {
    Pack::builtin().unwrap().policy.clock.clone()
}

fn one_ticket(scenario: &str) -> Session {
    crate::common::one_ticket_session(&Arc::new(Pack::builtin().unwrap()), scenario)
}

#[test]
fn the_clock_holds_for_reading_and_deciding_then_runs() {
    let rules = rules();
    let mut s = one_ticket("password-forgotten-dental-nurse");
    let mut clock = Clock::person(&rules, 0.25);
    clock.observe(&s);
    // The shift's start and the ticket's arrival: two decisions' allowance.
    let start = clock.hold_seconds();
    assert!((start - 2.0 * rules.decide_seconds).abs() < 1e-6, "{start}");
    // Within the allowance nothing moves; then 4 real seconds are a minute at 0.25.
    assert_eq!(clock.advance(&s, secs_to_us(start), Activity::Reading), 0);
    assert_eq!(clock.advance(&s, secs_to_us(3.9), Activity::Reading), 0);
    assert_eq!(clock.advance(&s, secs_to_us(0.1), Activity::Reading), 1);
    s.advance_to(1);
    // Opening the ticket grants its reading time at 200 wpm plus a decision.
    s.act(dojo_core::sim::action::Action::Open { ticket: 1 });
    clock.observe(&s);
    let words = dojo_core::sim::clock::shown_words(&s, 0);
    assert!(words > 40, "{words}");
    let expected = rules.decide_seconds + words as f64 * 60.0 / f64::from(rules.reading_wpm);
    assert!((clock.hold_seconds() - expected).abs() < 1e-3);
}

#[test]
fn typing_spends_its_own_allowance_and_a_machine_clock_has_none() {
    let rules = rules();
    let s = one_ticket("password-forgotten-dental-nurse");
    let mut clock = Clock::person(&rules, 0.5);
    clock.observe(&s);
    let typing = Activity::Writing { ticket: 1 };
    // Typing for ticket 1 does not spend the reading allowance…
    let hold = clock.hold_seconds();
    assert_eq!(
        clock.advance(&s, secs_to_us(rules.writing_seconds), typing),
        0
    );
    assert!((clock.hold_seconds() - hold).abs() < 1e-9);
    assert_eq!(clock.writing_left_seconds(1), Some(0.0));
    // …and once spent, typing runs the clock: 2 s at 0.5 is a minute.
    assert_eq!(clock.advance(&s, secs_to_us(2.0), typing), 1);
    // Another ticket has its own.
    assert_eq!(clock.writing_left_seconds(2), Some(rules.writing_seconds));
    let mut machine = Clock::machine(0.5);
    machine.observe(&s);
    assert_eq!(machine.advance(&s, secs_to_us(2.0), Activity::Reading), 1);
    assert_eq!(machine.writing_left_seconds(1), None);
}

#[test]
fn frames_add_up_to_the_same_minutes_as_one_long_step() {
    let rules = rules();
    let s = one_ticket("password-forgotten-dental-nurse");
    let mut one = Clock::person(&rules, 0.25);
    let mut frames = Clock::person(&rules, 0.25);
    one.observe(&s);
    frames.observe(&s);
    let whole = one.advance(&s, secs_to_us(61.0), Activity::Reading);
    // The session is not moved here, so each frame's minutes are what it adds.
    let mut total = 0;
    for _ in 0..3660 {
        total += frames.advance(&s, 16_667, Activity::Reading) - s.now;
    }
    // 61 s less 10 s of allowance = 51 s = 12.75 min → 12 whole minutes either way.
    assert_eq!(whole, 12);
    assert_eq!(total, whole);
}

#[test]
fn a_paused_session_stops_the_clock_and_busy_minutes_run_faster() {
    let rules = rules();
    let mut s = one_ticket("password-forgotten-dental-nurse");
    let mut clock = Clock::person(&rules, 0.25);
    clock.observe(&s);
    s.act(dojo_core::sim::action::Action::Pause);
    assert_eq!(clock.advance(&s, secs_to_us(600.0), Activity::Reading), 0);
    s.act(dojo_core::sim::action::Action::Resume);
    s.act(dojo_core::sim::action::Action::Open { ticket: 1 });
    s.act(dojo_core::sim::action::Action::AskClient {
        ticket: 1,
        step: "verify-identity".into(),
    });
    assert_eq!(s.busy_until, 2);
    clock.observe(&s);
    let hold = clock.hold_seconds();
    // 2 busy minutes at 0.25 × 4 take 2 real seconds, and spend no allowance.
    assert_eq!(clock.advance(&s, secs_to_us(1.0), Activity::Reading), 1);
    assert_eq!(clock.advance(&s, secs_to_us(5.0), Activity::Reading), 2);
    assert!((clock.hold_seconds() - hold).abs() < 1e-9);
}

#[test]
fn a_clear_queue_runs_the_clock_faster_up_to_the_next_arrival_never_past_it() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let rules = pack.policy.clock.clone();
    let shift = "onboarding-1-l1-scope";
    let script = agents::play(
        Arc::clone(&pack),
        &pack.shifts[shift],
        7,
        Persona::HumanPace,
    )
    .unwrap();
    let mut s = Session::new(Arc::clone(&pack), shift, 7).unwrap();
    // Ticket 1 is open at L1 from minute 0: nothing idle about that.
    assert!(!s.idle());
    // Play the persona's work on ticket 1, up to its decision.
    for entry in &script.actions {
        s.advance_to(entry.at.unwrap());
        s.act(entry.action.clone());
        if decides(&entry.action) {
            break;
        }
    }
    s.advance_to(s.busy_until);
    let decided_at = s.now;
    assert!(decided_at < 25, "ticket 1 decided at {decided_at}");
    assert!(
        s.idle(),
        "ticket 1 decided, ticket 2 not in yet: the queue is clear"
    );
    assert_eq!(s.next_due(), 25, "ticket 2 arrives at minute 25");
    // A machine clock (autoplay, replay) has no speed-up.
    assert!(!Clock::machine(0.25).running_idle(&s));
    let mut clock = Clock::person(&rules, 0.25);
    clock.observe(&s);
    let hold = clock.hold_seconds();
    // 1 real second is 0.25 × 4 = 1 sim minute, and no allowance is spent.
    assert!(clock.running_idle(&s));
    assert_eq!(
        clock.advance(&s, secs_to_us(1.0), Activity::Reading),
        decided_at + 1
    );
    assert!((clock.hold_seconds() - hold).abs() < 1e-9);
    // A long wait stops at the arrival, not past it: the ticket is seen when it comes.
    assert_eq!(clock.advance(&s, secs_to_us(600.0), Activity::Reading), 25);
    s.advance_to(25);
    assert!(!s.idle(), "ticket 2 has arrived");
    assert!(!clock.running_idle(&s));
}

fn decides(action: &dojo_core::sim::action::Action) -> bool {
    use dojo_core::sim::action::Action;
    matches!(
        action,
        Action::Resolve { .. } | Action::Escalate { .. } | Action::EscalateSecurity { .. }
    )
}

/// A coach's time extension (WCAG 2.2.1): at ×2 the same start gives twice the
/// allowance, the clock runs half as fast, and the same minute takes twice the real time.
#[test]
fn a_time_extension_slows_the_clock_and_lengthens_every_allowance() {
    let rules = rules();
    let s = one_ticket("password-forgotten-dental-nurse");
    let mut plain = Clock::person(&rules, 0.25);
    let mut extended = Clock::person_extended(&rules, 0.25, 2.0);
    plain.observe(&s);
    extended.observe(&s);
    assert!((extended.hold_seconds() - 2.0 * plain.hold_seconds()).abs() < 1e-6);
    assert!((extended.scale() - 0.125).abs() < 1e-12);
    assert_eq!(
        extended.writing_left_seconds(1),
        Some(2.0 * rules.writing_seconds)
    );
    // Plain: its allowance, then 4 real seconds make minute 1. Extended: twice the
    // allowance, then 8 seconds.
    let plain_hold = plain.hold_seconds();
    assert_eq!(
        plain.advance(&s, secs_to_us(plain_hold + 4.0), Activity::Reading),
        1
    );
    let hold = extended.hold_seconds();
    assert_eq!(
        extended.advance(&s, secs_to_us(hold + 4.0), Activity::Reading),
        0
    );
    assert_eq!(extended.advance(&s, secs_to_us(4.0), Activity::Reading), 1);
    // The policy says which extensions a coach may give; 1 is always allowed.
    assert!(rules.allows_multiplier(1.0) && rules.allows_multiplier(1.5));
    assert!(!rules.allows_multiplier(1.7) && !rules.allows_multiplier(0.5));
    // Nonsense is no extension at all, never a faster clock.
    let odd = Clock::person_extended(&rules, 0.25, 0.5);
    assert!((odd.scale() - 0.25).abs() < 1e-12);
}
