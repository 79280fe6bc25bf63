//! Spaced repetition of ticket types: each (trainee, ticket type) is an FSRS card. Every
//! stored session that holds tickets of a type is a review of that card, rated from how
//! the trainee handled them; a weakness comes back soon (a short interval), a type that
//! holds comes back later and later.
//!
//! The scheduler is the `rs-fsrs` crate (FSRS-5, its published default weights), run in
//! its long-term mode (intervals in whole days; sessions are days apart, not minutes)
//! with fuzz off, so the same sessions always give the same schedule. Pure functions;
//! the only clock is the dates passed in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::curriculum::{DrillSettings, RatingThresholds};
use crate::history::{SessionSummary, TicketSummary};

/// How well a ticket type went in one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rating {
    /// A wrong call, an auto-fail, or a low score: the weakness is still there.
    Again,
    /// Right calls, with clear losses.
    Hard,
    /// Handled well.
    Good,
    /// Handled as the ideal agent would.
    Easy,
}

impl Rating {
    fn fsrs(self) -> rs_fsrs::Rating {
        match self {
            Rating::Again => rs_fsrs::Rating::Again,
            Rating::Hard => rs_fsrs::Rating::Hard,
            Rating::Good => rs_fsrs::Rating::Good,
            Rating::Easy => rs_fsrs::Rating::Easy,
        }
    }

    /// Stable text form, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Again => "Again",
            Rating::Hard => "Hard",
            Rating::Good => "Good",
            Rating::Easy => "Easy",
        }
    }

    /// Parses [`Rating::as_str`].
    pub fn parse(s: &str) -> Option<Rating> {
        match s {
            "Again" => Some(Rating::Again),
            "Hard" => Some(Rating::Hard),
            "Good" => Some(Rating::Good),
            "Easy" => Some(Rating::Easy),
            _ => None,
        }
    }
}

/// The schedule of one ticket type for one trainee: an FSRS card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeSchedule {
    /// The ticket type.
    pub ticket_type: String,
    /// FSRS memory stability, in days.
    pub stability: f64,
    /// FSRS difficulty, 1–10.
    pub difficulty: f64,
    /// Reviews (sessions with this type).
    pub reps: u32,
    /// Reviews rated `Again` after the first.
    pub lapses: u32,
    /// The last review (session date).
    pub last_review: DateTime<Utc>,
    /// When the type is due again.
    pub due: DateTime<Utc>,
    /// The last rating.
    pub last_rating: Rating,
}

impl TypeSchedule {
    /// The probability (0–1) that the trainee still handles this type right at `now`,
    /// by the FSRS forgetting curve.
    pub fn retrievability(&self, now: DateTime<Utc>) -> f64 {
        let days = (now - self.last_review).num_seconds().max(0) as f64 / 86_400.0;
        rs_fsrs::Parameters::forgetting_curve(days, self.stability.max(0.01))
    }

    /// True when the type is due at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.due <= now
    }

    /// Days from `now` until due (negative when overdue).
    pub fn days_until_due(&self, now: DateTime<Utc>) -> f64 {
        (self.due - now).num_seconds() as f64 / 86_400.0
    }
}

/// Rates a session's tickets of one type: `Again` on any wrong call or auto-fail (a
/// window escalation is a right call) or a mean score below `again_below`; then `Hard`,
/// `Good`, `Easy` by the mean (coach overrides included). `None` when none was graded.
pub fn rate(tickets: &[&TicketSummary], t: &RatingThresholds) -> Option<Rating> {
    let graded: Vec<&&TicketSummary> = tickets.iter().filter(|x| !x.handed_over).collect();
    if graded.is_empty() {
        return None;
    }
    let mean = graded
        .iter()
        .map(|x| f64::from(x.effective_score))
        .sum::<f64>()
        / graded.len() as f64;
    let wrong = graded.iter().any(|x| x.critical || !x.right_call_made());
    Some(if wrong || mean < f64::from(t.again_below) {
        Rating::Again
    } else if mean < f64::from(t.hard_below) {
        Rating::Hard
    } else if mean < f64::from(t.good_below) {
        Rating::Good
    } else {
        Rating::Easy
    })
}

fn parameters(retention: f64) -> rs_fsrs::Parameters {
    rs_fsrs::Parameters {
        request_retention: retention,
        enable_short_term: false,
        enable_fuzz: false,
        seed: rs_fsrs::Seed::Empty,
        ..rs_fsrs::Parameters::default()
    }
}

/// One review of a card: the card after `rating` at `at` (a new card when `card` is
/// `None`). Reviews must come in date order; an earlier date counts as the same day.
pub fn review(
    card: Option<&TypeSchedule>,
    ticket_type: &str,
    rating: Rating,
    at: DateTime<Utc>,
    retention: f64,
) -> TypeSchedule {
    let fsrs = rs_fsrs::FSRS::new(parameters(retention));
    let (before, at) = match card {
        None => (
            rs_fsrs::Card {
                due: at,
                last_review: at,
                ..rs_fsrs::Card::default()
            },
            at,
        ),
        Some(c) => (
            rs_fsrs::Card {
                due: c.due,
                stability: c.stability,
                difficulty: c.difficulty,
                elapsed_days: 0,
                scheduled_days: 0,
                reps: c.reps as i32,
                lapses: c.lapses as i32,
                state: rs_fsrs::State::Review,
                last_review: c.last_review,
            },
            at.max(c.last_review),
        ),
    };
    let after = fsrs.next(before, at, rating.fsrs()).card;
    // An `Again` comes back the next day, whatever the card's history.
    let due = if rating == Rating::Again {
        at + Duration::days(1)
    } else {
        after.due
    };
    TypeSchedule {
        ticket_type: ticket_type.to_string(),
        stability: after.stability,
        difficulty: after.difficulty,
        reps: after.reps.max(0) as u32,
        lapses: after.lapses.max(0) as u32,
        last_review: at,
        due,
        last_rating: rating,
    }
}

/// The schedule of every ticket type a trainee has met, replaying their finished
/// sessions in date order (then by id). Sorted by ticket type.
pub fn schedule_from(sessions: &[SessionSummary], settings: &DrillSettings) -> Vec<TypeSchedule> {
    let mut ordered: Vec<&SessionSummary> = sessions.iter().filter(|s| s.is_finished()).collect();
    ordered.sort_by_key(|s| (s.played_at, s.id));
    let mut cards: std::collections::BTreeMap<String, TypeSchedule> = Default::default();
    for s in ordered {
        let mut types: Vec<&str> = s.tickets.iter().map(|t| t.ticket_type.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        for ty in types {
            let of_type: Vec<&TicketSummary> =
                s.tickets.iter().filter(|t| t.ticket_type == ty).collect();
            if let Some(rating) = rate(&of_type, &settings.rating) {
                let next = review(
                    cards.get(ty),
                    ty,
                    rating,
                    s.played_at,
                    settings.desired_retention,
                );
                cards.insert(ty.to_string(), next);
            }
        }
    }
    cards.into_values().collect()
}
