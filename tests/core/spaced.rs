//! Spaced repetition of ticket types (FSRS): ratings from graded tickets, intervals that
//! grow while a type holds and shrink when it slips, the same schedule for the same
//! sessions in any order.

use chrono::{DateTime, Duration, TimeZone, Utc};
use dojo_core::curriculum::DrillSettings;
use dojo_core::grading::Timing;
use dojo_core::history::{SessionState, SessionSummary, TicketSummary};
use dojo_core::scenario::Owner;
use dojo_core::spaced::{self, Rating};

fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap() + Duration::days(d)
}

fn ticket(ty: &str, call: Owner, right: Owner, score: u32) -> TicketSummary {
    TicketSummary {
        number: 1,
        scenario: format!("{ty}-scenario"),
        ticket_type: ty.into(),
        title: String::new(),
        call: Some(call),
        right_call: right,
        timing: Timing::OnTime,
        decided_at: Some(5),
        window: Some((5, 20)),
        score,
        effective_score: score,
        overridden: false,
        critical: false,
        handed_over: false,
        window_escalation: false,
        note: None,
    }
}

fn session(id: i64, at: DateTime<Utc>, tickets: Vec<TicketSummary>) -> SessionSummary {
    SessionSummary {
        id,
        trainee: "Ana".into(),
        team: None,
        state: SessionState::Finished,
        shift: "s".into(),
        shift_title: "s".into(),
        mode: "Practice".into(),
        seed: 0,
        played_at: at,
        ended_at: None,
        score: None,
        effective_score: None,
        critical: false,
        numbers: None,
        tickets,
        flags: Vec::new(),
        time_multiplier: None,
    }
}

#[test]
fn ratings_follow_the_thresholds_and_a_wrong_call_is_always_again() {
    let t = DrillSettings::default().rating;
    let l1 = Owner::ResolveAtL1;
    let rate = |tickets: &[TicketSummary]| spaced::rate(&tickets.iter().collect::<Vec<_>>(), &t);
    assert_eq!(rate(&[ticket("printer", l1, l1, 100)]), Some(Rating::Easy));
    assert_eq!(rate(&[ticket("printer", l1, l1, 90)]), Some(Rating::Good));
    assert_eq!(rate(&[ticket("printer", l1, l1, 70)]), Some(Rating::Hard));
    assert_eq!(rate(&[ticket("printer", l1, l1, 50)]), Some(Rating::Again));
    // Over-escalated, even with a fine note: Again.
    assert_eq!(
        rate(&[ticket("printer", Owner::EscalateToL2, l1, 96)]),
        Some(Rating::Again)
    );
    // Escalated at the window: a right call.
    let mut w = ticket("printer", Owner::EscalateToL2, l1, 96);
    w.window_escalation = true;
    assert_eq!(rate(&[w]), Some(Rating::Easy));
    // A coach override counts.
    let mut o = ticket("printer", l1, l1, 100);
    o.effective_score = 65;
    assert_eq!(rate(&[o]), Some(Rating::Hard));
    let mut h = ticket("printer", l1, l1, 100);
    h.handed_over = true;
    assert_eq!(rate(&[h]), None);
}

#[test]
fn intervals_grow_while_a_type_holds_and_shrink_when_it_slips() {
    let r = 0.9;
    let first = spaced::review(None, "vpn", Rating::Good, day(0), r);
    let again = spaced::review(None, "vpn", Rating::Again, day(0), r);
    assert!(first.due > again.due, "{first:?} {again:?}");
    assert_eq!(again.due, day(1), "a slip comes back the next day");

    // Reviewed on its due date with Good, again and again: each interval is longer.
    let mut card = first.clone();
    let mut last_interval = card.due - card.last_review;
    for _ in 0..4 {
        let next = spaced::review(Some(&card), "vpn", Rating::Good, card.due, r);
        let interval = next.due - next.last_review;
        assert!(interval > last_interval, "{interval} after {last_interval}");
        assert!(next.stability > card.stability);
        last_interval = interval;
        card = next;
    }
    // Then it slips: a lapse, back tomorrow, stability down.
    let lapse = spaced::review(Some(&card), "vpn", Rating::Again, card.due, r);
    assert_eq!(lapse.lapses, card.lapses + 1);
    assert!(lapse.stability < card.stability);
    assert_eq!(lapse.due, card.due + Duration::days(1));
    // Recall falls with time and the card is due when the schedule says.
    assert!(
        card.retrievability(card.last_review) > card.retrievability(card.due + Duration::days(30))
    );
    assert!(!card.is_due(card.due - Duration::hours(1)) && card.is_due(card.due));
    // A higher retention target brings it back sooner.
    let strict = spaced::review(None, "vpn", Rating::Good, day(0), 0.95);
    assert!(strict.due <= first.due);
}

#[test]
fn the_schedule_replays_sessions_in_date_order_whatever_order_they_come_in() {
    let l1 = Owner::ResolveAtL1;
    let l2 = Owner::EscalateToL2;
    let sessions = vec![
        session(
            1,
            day(0),
            vec![
                ticket("printer", l2, l1, 40),
                ticket("network", l2, l2, 100),
            ],
        ),
        session(2, day(3), vec![ticket("printer", l1, l1, 100)]),
        session(3, day(9), vec![ticket("printer", l2, l1, 40)]),
    ];
    let settings = DrillSettings::default();
    let forward = spaced::schedule_from(&sessions, &settings);
    let mut reversed = sessions.clone();
    reversed.reverse();
    assert_eq!(forward, spaced::schedule_from(&reversed, &settings));
    let printer = forward.iter().find(|c| c.ticket_type == "printer").unwrap();
    let network = forward.iter().find(|c| c.ticket_type == "network").unwrap();
    assert_eq!(printer.reps, 3);
    assert_eq!(printer.last_rating, Rating::Again);
    assert_eq!(
        printer.due,
        day(10),
        "the over-escalated type is due the next day"
    );
    assert_eq!(network.reps, 1);
    assert!(network.due > printer.due);
    // Abandoned sessions are no reviews.
    let mut with_abandoned = sessions.clone();
    with_abandoned.push(SessionSummary {
        state: SessionState::Abandoned,
        ..session(4, day(10), vec![ticket("network", l1, l2, 0)])
    });
    assert_eq!(spaced::schedule_from(&with_abandoned, &settings), forward);
}
