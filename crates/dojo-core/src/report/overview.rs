//! The coach's first question: whom to coach (#13). Ranks trainees by what needs
//! attention — a security incident missed in their latest session, patterns flagged in
//! it, a falling score, a score below the pass mark — each with the one thing to coach.
//! Pure: built from the trainees' [`TrainerReport`]s.

use serde::{Deserialize, Serialize};

use super::TrainerReport;
use crate::grading::Flag;

/// One trainee in the team overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionRow {
    /// The trainee.
    pub trainee: String,
    /// Their team.
    pub team: Option<String>,
    /// Finished sessions counted.
    pub sessions: usize,
    /// The latest session's score.
    pub latest_score: Option<u32>,
    /// The score's change from the first session to the latest.
    pub score_change: Option<i64>,
    /// The latest session left a security incident at L1.
    pub missed_security: bool,
    /// Patterns flagged in the latest session.
    pub flags: Vec<String>,
    /// The one thing to coach.
    pub coach_this: String,
    /// How much attention, higher first (the ranking key).
    pub attention: u32,
}

/// The trainees ranked by attention, most first (ties by name). `pass_mark`: the score
/// below which a session needs a look.
pub fn overview(reports: &[TrainerReport], pass_mark: u32) -> Vec<AttentionRow> {
    let mut rows: Vec<AttentionRow> = reports.iter().map(|r| row(r, pass_mark)).collect();
    rows.sort_by(|a, b| {
        b.attention
            .cmp(&a.attention)
            .then_with(|| a.trainee.cmp(&b.trainee))
    });
    rows
}

fn row(r: &TrainerReport, pass_mark: u32) -> AttentionRow {
    let latest = r.sessions.last();
    let latest_score = latest.and_then(|s| s.score);
    let first_score = r.sessions.iter().find_map(|s| s.score);
    let score_change = match (first_score, latest_score) {
        (Some(a), Some(b)) if r.sessions.len() > 1 => Some(i64::from(b) - i64::from(a)),
        _ => None,
    };
    let in_latest: Vec<&super::FlagRow> = r.flags.iter().filter(|f| f.in_latest).collect();
    let missed_security = latest.is_some_and(|s| s.critical)
        || in_latest.iter().any(|f| f.flag == Flag::MissesSecurity);
    let mut attention = 0u32;
    if missed_security {
        attention += 1000;
    }
    attention += 100 * in_latest.len() as u32;
    if let Some(change) = score_change.filter(|c| *c < 0) {
        attention += change.unsigned_abs().min(100) as u32;
    }
    if let Some(score) = latest_score.filter(|s| *s < pass_mark) {
        attention += pass_mark - score;
    }
    let coach_this = if missed_security {
        "A security incident stayed at L1: drill the indicators and immediate escalation first."
            .to_string()
    } else if let Some(f) = in_latest.first() {
        format!("{}: {}", f.label, f.advice)
    } else if latest.is_none() {
        "No finished session yet: start onboarding module 1.".to_string()
    } else if latest_score.is_some_and(|s| s < pass_mark) {
        format!(
            "Below the pass mark of {pass_mark} with no single pattern: review the latest debrief together."
        )
    } else {
        "Nothing flagged: keep practising; a competition or a harder shift is next.".to_string()
    };
    AttentionRow {
        trainee: r.trainee.clone(),
        team: r.team.clone(),
        sessions: r.sessions.len(),
        latest_score,
        score_change,
        missed_security,
        flags: in_latest.iter().map(|f| f.label.clone()).collect(),
        coach_this,
        attention,
    }
}
