//! Grading against the framework: per-ticket grades ([`ticket`]), session metrics
//! beside their targets ([`metrics`]), coaching feedback ([`coaching`]) and the reports
//! `dojo grade` prints ([`report`]).
//!
//! Pure Rust over the session core's data; no Bevy types. Weights and thresholds live
//! in the policy file's `grading` section.

pub mod coaching;
pub mod lessons;
pub mod metrics;
pub mod report;
pub mod ticket;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::agents::{self, Persona};
use crate::pack::Pack;
use crate::policy::Weights;
use crate::sim::record;
use crate::sim::session::Session;

pub use coaching::{Coaching, Flag, FlaggedPattern, Review};
pub use lessons::{Lesson, lessons};
pub use metrics::{Metric, SessionNumbers, Standing};
pub use ticket::{Component, Deduction, TicketGrade, Timing};

pub use crate::policy::GradingPolicy;

/// The weight of each grade component (the policy's `grading.weights`).
impl Weights {
    /// The weight of a component.
    pub fn of(&self, c: Component) -> u32 {
        match c {
            Component::Ownership => self.ownership,
            Component::Timing => self.timing,
            Component::Resolution => self.resolution,
            Component::BusinessImpact => self.business_impact,
            Component::Note => self.note,
        }
    }
}

/// The grade of a whole session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionGrade {
    /// Shift id.
    pub shift: String,
    /// Seed.
    pub seed: u64,
    /// Who played.
    pub trainee: Option<String>,
    /// Mean of the graded tickets' scores, 0–100.
    pub score: u32,
    /// Any security auto-fail.
    pub critical: bool,
    /// Per ticket.
    pub tickets: Vec<TicketGrade>,
    /// Metrics beside targets.
    pub metrics: Vec<Metric>,
    /// The raw numbers.
    pub numbers: SessionNumbers,
    /// The ideal run's numbers on the same shift and seed.
    pub ideal: Option<SessionNumbers>,
    /// Coaching.
    pub coaching: Coaching,
}

impl SessionGrade {
    /// Mean note score over the session's notes (0–100), if any note was written.
    pub fn mean_note_score(&self) -> Option<f64> {
        let notes: Vec<u32> = self
            .tickets
            .iter()
            .filter_map(|t| t.note.as_ref().map(|n| n.total))
            .collect();
        (!notes.is_empty()).then(|| f64::from(notes.iter().sum::<u32>()) / notes.len() as f64)
    }

    /// True when the session carries this flag.
    pub fn has_flag(&self, flag: Flag) -> bool {
        self.coaching.flags.iter().any(|f| f.flag == flag)
    }
}

/// The grades of a finished session's tickets.
pub fn grade_tickets(session: &Session) -> Vec<TicketGrade> {
    let policy = session.policy();
    let end = session.shift.length_minutes.min(session.now);
    session
        .tickets
        .iter()
        .map(|t| ticket::grade_in_session(session, t, end, policy, &policy.grading))
        .collect()
}

/// Grades a finished session, with the ideal run's numbers for comparison if given.
pub fn grade(
    session: &Session,
    ideal: Option<SessionNumbers>,
    trainee: Option<String>,
) -> SessionGrade {
    let policy = session.policy();
    let tickets = grade_tickets(session);
    let numbers = SessionNumbers::of(session, &tickets, policy);
    let metrics = metrics::metrics(&numbers, ideal.as_ref(), &tickets, policy);
    let coaching = coaching::coach(
        &session.tickets,
        &tickets,
        &numbers,
        session.pack(),
        &policy.grading,
    );
    let graded: Vec<u32> = tickets
        .iter()
        .filter(|t| t.counts())
        .map(|t| t.score)
        .collect();
    let score = if graded.is_empty() {
        0
    } else {
        (f64::from(graded.iter().sum::<u32>()) / graded.len() as f64).round() as u32
    };
    SessionGrade {
        shift: session.shift.id.clone(),
        seed: session.seed,
        trainee,
        score,
        critical: tickets.iter().any(|t| t.critical),
        tickets,
        metrics,
        numbers,
        ideal,
        coaching,
    }
}

/// The ideal agent's numbers on the same shift and seed (MTTR and cost baselines).
pub fn ideal_numbers(pack: &Arc<Pack>, session: &Session) -> Option<SessionNumbers> {
    let script = agents::play(
        Arc::clone(pack),
        &session.shift,
        session.seed,
        Persona::Ideal,
    )
    .ok()?;
    let mut ideal =
        Session::with_shift(Arc::clone(pack), session.shift.clone(), session.seed).ok()?;
    record::play_script(&mut ideal, &script, 0, None, None).ok()?;
    ideal.finish();
    let grades = grade_tickets(&ideal);
    Some(SessionNumbers::of(&ideal, &grades, ideal.policy()))
}

/// Grades a session with the ideal run as the baseline.
pub fn grade_with_ideal(session: &Session, trainee: Option<String>) -> SessionGrade {
    let pack = session.pack_arc();
    let ideal = ideal_numbers(&pack, session);
    grade(session, ideal, trainee)
}
