//! Grading against the framework: per-ticket grades ([`ticket`]), session metrics
//! beside their targets ([`metrics`]), coaching feedback ([`coaching`]) and the reports
//! `dojo grade` prints ([`report`]).
//!
//! Pure Rust over the session core's data; no Bevy types. Weights and thresholds live
//! in the policy file's `grading` section.

pub mod coaching;
pub mod metrics;
pub mod report;
pub mod ticket;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::agents::{self, Persona};
use crate::pack::Pack;
use crate::sim::record;
use crate::sim::session::Session;

pub use coaching::{Coaching, Flag, FlaggedPattern, Review};
pub use metrics::{Metric, SessionNumbers, Standing};
pub use ticket::{Component, Deduction, TicketGrade, Timing};

/// Component weights (any positive numbers; they are normalised over the components
/// that apply to a ticket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// The right call.
    pub ownership: u32,
    /// Timing.
    pub timing: u32,
    /// Resolution quality.
    pub resolution: u32,
    /// Business-impact handling.
    pub business_impact: u32,
    /// The escalation note.
    pub note: u32,
}

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

/// The grading rules of the policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingPolicy {
    /// Component weights.
    pub weights: Weights,
    /// A security escalation is on time within this many minutes of the indicator.
    pub security_escalation_minutes: u32,
    /// Timing points lost per minute of lateness on a security escalation.
    pub security_late_points_per_minute: u32,
    /// Ownership score when a security incident is escalated as ordinary L2 work.
    pub security_as_ordinary_ownership: u32,
    /// Timing points lost for a premature escalation.
    pub premature_points: u32,
    /// Timing points lost per minute past the window.
    pub overdue_points_per_minute: u32,
    /// Resolution points lost for closing without the cure.
    pub wrong_fix_points: u32,
    /// Resolution points lost for not opening an existing runbook.
    pub runbook_unused_points: u32,
    /// Resolution points lost when the ticket reopens.
    pub reopen_points: u32,
    /// Whether a missing impact estimate costs points.
    pub impact_estimate_required: bool,
    /// Share of windowed decisions overdue that flags lateness.
    pub late_share_flag: f64,
    /// Premature escalations that flag the pattern.
    pub premature_flag_count: usize,
    /// Share of notes that flags a note pattern.
    pub note_flag_share: f64,
    /// Share of L1 resolutions without the runbook that flags KB avoidance.
    pub kb_flag_share: f64,
    /// Share of high-impact tickets with handling missed that flags it.
    pub impact_flag_share: f64,
}

impl Default for GradingPolicy {
    fn default() -> Self {
        GradingPolicy {
            weights: Weights {
                ownership: 35,
                timing: 20,
                resolution: 15,
                business_impact: 15,
                note: 15,
            },
            security_escalation_minutes: 2,
            security_late_points_per_minute: 20,
            security_as_ordinary_ownership: 50,
            premature_points: 60,
            overdue_points_per_minute: 10,
            wrong_fix_points: 60,
            runbook_unused_points: 40,
            reopen_points: 40,
            impact_estimate_required: true,
            late_share_flag: 0.5,
            premature_flag_count: 2,
            note_flag_share: 0.5,
            kb_flag_share: 0.5,
            impact_flag_share: 0.5,
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
        .map(|t| ticket::grade_ticket(t, end, policy, &policy.grading))
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
        .filter(|t| !t.handed_over)
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
