//! The model of a trainee's history: the people who play and coach, finished sessions as
//! the store keeps them (summaries, ticket rows, flags), sessions in progress, coach
//! overrides and queries. The storage itself (SQLite) is the `dojo-store` crate; this
//! module knows nothing of files or databases.
//!
//! Dates come from the caller (the CLI or the app reads the clock once, when a session
//! is stored); the simulation never sees them.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::grading::{self, FlaggedPattern, SessionGrade, SessionNumbers, Timing};
use crate::pack::Pack;
use crate::scenario::Owner;
use crate::sim::action::LogEntry;
use crate::sim::record::{self, LogHeader, Recorded};
use crate::sim::session::Session;

/// A trainee or a coach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// Plays sessions.
    Trainee,
    /// Reviews them and overrides grades.
    Coach,
}

impl Role {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Trainee => "trainee",
            Role::Coach => "coach",
        }
    }

    /// From the stored form (anything else is a trainee).
    pub fn parse(s: &str) -> Role {
        if s == "coach" {
            Role::Coach
        } else {
            Role::Trainee
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person: no password (one machine), but every result carries who played.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Row id.
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Trainee or coach.
    pub role: Role,
    /// Their team, if any.
    pub team: Option<String>,
    /// When added.
    pub created_at: DateTime<Utc>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// Row id.
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Trainees in it.
    pub trainees: usize,
}

/// Where a stored session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    /// Being played, or interrupted by a crash (see [`Store::interrupted`]).
    InProgress,
    /// Finished and graded.
    Finished,
    /// Interrupted and filed without a grade; its log is kept.
    Abandoned,
}

impl SessionState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::InProgress => "in_progress",
            SessionState::Finished => "finished",
            SessionState::Abandoned => "abandoned",
        }
    }

    /// From the stored form (anything unknown is in progress).
    pub fn parse(s: &str) -> SessionState {
        match s {
            "finished" => SessionState::Finished,
            "abandoned" => SessionState::Abandoned,
            _ => SessionState::InProgress,
        }
    }
}

/// A note's scores, per element in the standard's order (steps, state, context,
/// hypothesis, SLA), and its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSummary {
    /// 0–100.
    pub total: u32,
    /// 0–100 each, in `NoteElement::ALL` order.
    pub elements: [u32; 5],
}

/// One graded ticket of a stored session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    /// Ticket number.
    pub number: u32,
    /// Scenario id.
    pub scenario: String,
    /// Ticket type.
    pub ticket_type: String,
    /// Title.
    pub title: String,
    /// The trainee's call.
    pub call: Option<Owner>,
    /// The framework's call.
    pub right_call: Owner,
    /// Timing verdict.
    pub timing: Timing,
    /// Shift minute of the call.
    pub decided_at: Option<u32>,
    /// Minutes into the window at the call, and the window.
    pub window: Option<(u32, u32)>,
    /// The automatic score.
    pub score: u32,
    /// The score after the latest coach override (the automatic one when none).
    pub effective_score: u32,
    /// A coach overrode it.
    pub overridden: bool,
    /// Security auto-fail.
    pub critical: bool,
    /// Not graded (left open in its window at the shift's end).
    pub handed_over: bool,
    /// An L1 ticket escalated at its window: a right call.
    pub window_escalation: bool,
    /// The note's scores, if an escalation note was written.
    pub note: Option<NoteSummary>,
}

impl TicketSummary {
    /// The call was escalating (to L2 or as security).
    pub fn escalated(&self) -> bool {
        matches!(
            self.call,
            Some(Owner::EscalateToL2 | Owner::EscalateSecurity)
        )
    }

    /// The right call was made (an escalation at the window counts as right).
    pub fn right_call_made(&self) -> bool {
        self.call == Some(self.right_call) || self.window_escalation
    }

    /// Escalated though L1 owned it (not at its window).
    pub fn over_escalated(&self) -> bool {
        self.escalated() && self.right_call == Owner::ResolveAtL1 && !self.window_escalation
    }

    /// Kept at L1 though it belonged upstream.
    pub fn under_escalated(&self) -> bool {
        self.call == Some(Owner::ResolveAtL1) && self.right_call != Owner::ResolveAtL1
    }
}

/// A stored session as reports, progress and drills read it (no log, no full grade).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Session id.
    pub id: i64,
    /// Who played.
    pub trainee: String,
    /// Their team (now).
    pub team: Option<String>,
    /// State.
    pub state: SessionState,
    /// Shift id.
    pub shift: String,
    /// Shift title.
    pub shift_title: String,
    /// Shift mode (`Onboarding`, `Practice`, `Coaching`, `Competition`).
    pub mode: String,
    /// Seed.
    pub seed: u64,
    /// When it was played (started).
    pub played_at: DateTime<Utc>,
    /// When it was finished or abandoned.
    pub ended_at: Option<DateTime<Utc>>,
    /// The automatic session score.
    pub score: Option<u32>,
    /// The session score after coach overrides.
    pub effective_score: Option<u32>,
    /// Any security auto-fail.
    pub critical: bool,
    /// The metrics' raw numbers.
    pub numbers: Option<SessionNumbers>,
    /// Graded tickets.
    pub tickets: Vec<TicketSummary>,
    /// Flagged patterns with their evidence.
    pub flags: Vec<FlaggedPattern>,
    /// The time extension it was played with (a coach's accommodation), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_multiplier: Option<f64>,
}

impl SessionSummary {
    /// True when finished and graded.
    pub fn is_finished(&self) -> bool {
        self.state == SessionState::Finished
    }

    /// The curriculum's view of this session.
    pub fn attempt(&self) -> Option<crate::curriculum::Attempt> {
        Some(crate::curriculum::Attempt {
            session: self.id,
            shift: self.shift.clone(),
            score: self.effective_score?,
            critical: self.critical,
            played_at: self.played_at,
        })
        .filter(|_| self.is_finished())
    }
}

/// A session registered as in progress whose process is gone: resume it (replay its log,
/// then go on) or file it as abandoned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InProgress {
    /// Session id.
    pub id: i64,
    /// Who was playing.
    pub trainee: String,
    /// Shift id.
    pub shift: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// The log file being appended.
    pub log_path: PathBuf,
    /// Complete actions in the log (`None` when the log is missing or unreadable).
    pub actions_logged: Option<usize>,
}

/// One coach override: an entry of the append-only audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    /// Entry id.
    pub id: i64,
    /// Session.
    pub session: i64,
    /// Ticket number.
    pub ticket: u32,
    /// The coach.
    pub coach: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The automatic score of the ticket.
    pub automatic_score: u32,
    /// The score before this override (automatic, or the previous override).
    pub old_score: u32,
    /// The new score.
    pub new_score: u32,
    /// The coach's written reason.
    pub reason: String,
}

/// Which sessions to read.
#[derive(Debug, Clone, Default)]
pub struct SessionQuery {
    /// One trainee (by name).
    pub trainee: Option<String>,
    /// One team (by name).
    pub team: Option<String>,
    /// Played at or after.
    pub since: Option<DateTime<Utc>>,
    /// Only finished sessions.
    pub finished_only: bool,
    /// Leave this trainee's sessions out (by name).
    pub except_trainee: Option<String>,
}

/// A finished session ready to store: its log and its grade, recomputed from the log.
#[derive(Debug, Clone)]
pub struct GradedSession {
    /// Who, what, on which content.
    pub header: LogHeader,
    /// The log as line-log text (replayable with `dojo replay`).
    pub log_text: String,
    /// SHA-256 of the log text (a session is stored once per trainee).
    pub log_sha256: String,
    /// The grade.
    pub grade: SessionGrade,
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl GradedSession {
    /// A finished session (after `Session::finish`) and its header, graded with the
    /// ideal run as the baseline.
    pub fn of(session: &Session, header: LogHeader) -> GradedSession {
        let grade = grading::grade_with_ideal(session, header.trainee.clone());
        Self::with_grade(header, &session.log, grade)
    }

    /// A session already graded (the app grades once for its debrief and stores that).
    pub fn with_grade(
        header: LogHeader,
        entries: &[LogEntry],
        grade: SessionGrade,
    ) -> GradedSession {
        let log_text = record::log_text(&header, entries);
        GradedSession {
            log_sha256: sha256_hex(&log_text),
            header,
            log_text,
            grade,
        }
    }

    /// Re-simulates a recorded session (result or log file) on the pack and grades it:
    /// a score written in the file is never trusted.
    pub fn from_recorded(pack: Arc<Pack>, recorded: &Recorded) -> Result<GradedSession, String> {
        let session = match record::replay_entries(pack, &recorded.header, &recorded.entries) {
            Ok(Ok(s)) => s,
            Ok(Err(d)) => return Err(format!("the log does not replay: {}", d.message)),
            Err(e) => return Err(e.to_string()),
        };
        Ok(Self::of(&session, recorded.header.clone()))
    }
}

/// The effective session score: the mean of the graded tickets' effective scores.
pub fn session_score(tickets: &[TicketSummary]) -> Option<u32> {
    let graded: Vec<u32> = tickets
        .iter()
        .filter(|t| !t.handed_over)
        .map(|t| t.effective_score)
        .collect();
    (!graded.is_empty())
        .then(|| (f64::from(graded.iter().sum::<u32>()) / graded.len() as f64).round() as u32)
}

/// The ticket a coach's override would change, when the override is allowed: the
/// session is finished, the ticket exists and was graded (not handed over), the score is
/// 0–100 and a reason is written. One rule for the app's store and the team server.
pub fn override_target<'a>(
    s: &'a SessionSummary,
    ticket: u32,
    new_score: u32,
    reason: &str,
) -> Result<&'a TicketSummary, String> {
    if new_score > 100 {
        return Err(format!("a score is 0 to 100, not {new_score}"));
    }
    if reason.trim().is_empty() {
        return Err(
            "an override needs a written reason: say why the automatic grade is wrong".into(),
        );
    }
    if !s.is_finished() {
        return Err(format!(
            "session {} is not finished: only graded sessions can be overridden",
            s.id
        ));
    }
    let Some(t) = s.tickets.iter().find(|t| t.number == ticket) else {
        let numbers: Vec<String> = s.tickets.iter().map(|t| t.number.to_string()).collect();
        return Err(format!(
            "session {} has no ticket {ticket} (tickets: {})",
            s.id,
            numbers.join(", ")
        ));
    };
    if t.handed_over {
        return Err(format!(
            "ticket {ticket} of session {} was handed over, not graded: there is no grade to override",
            s.id
        ));
    }
    Ok(t)
}

/// Applies coach overrides (oldest first) to sessions read without them: each ticket's
/// effective score becomes its latest override's, and each session's effective score is
/// recomputed from its tickets ([`session_score`]). Overrides of other sessions are
/// ignored.
pub fn apply_overrides(sessions: &mut [SessionSummary], overrides: &[Override]) {
    for s in sessions.iter_mut() {
        let mut touched = false;
        for o in overrides.iter().filter(|o| o.session == s.id) {
            if let Some(t) = s.tickets.iter_mut().find(|t| t.number == o.ticket) {
                t.effective_score = o.new_score;
                t.overridden = true;
                touched = true;
            }
        }
        if touched && s.is_finished() {
            s.effective_score = session_score(&s.tickets);
        }
    }
}

/// The closest name among `names` (case-insensitive Jaro-Winkler above 0.8).
pub fn closest(name: &str, names: &[String]) -> Option<String> {
    let lower = name.to_lowercase();
    names
        .iter()
        .map(|n| (strsim::jaro_winkler(&lower, &n.to_lowercase()), n))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(s, _)| *s > 0.8)
        .map(|(_, n)| n.clone())
}
