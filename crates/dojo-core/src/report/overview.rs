//! The coach's first question: whom to coach (#13). Ranks trainees by what needs
//! attention — a security incident missed in their latest session, patterns flagged in
//! it, a falling score, a score below the pass mark — each with the one thing to coach.
//! Pure: built from the trainees' [`TrainerReport`]s, or from [`TraineeDigest`]s a store
//! aggregates (the team server does, in SQL) — one set of rules either way.

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

/// What the overview needs of one trainee — little enough that a store can aggregate it
/// without reading every session (the team server does, in SQL).
#[derive(Debug, Clone, PartialEq)]
pub struct TraineeDigest {
    /// The trainee.
    pub trainee: String,
    /// Their team.
    pub team: Option<String>,
    /// Finished sessions.
    pub sessions: usize,
    /// The first finished session's score (overrides applied).
    pub first_score: Option<u32>,
    /// The latest finished session's score (overrides applied).
    pub latest_score: Option<u32>,
    /// The latest finished session left a security incident at L1.
    pub latest_critical: bool,
    /// The patterns flagged in the latest finished session.
    pub latest_flags: Vec<LatestFlag>,
}

/// A pattern flagged in a trainee's latest session.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestFlag {
    /// The pattern.
    pub flag: Flag,
    /// Its label.
    pub label: String,
    /// What to practise.
    pub advice: String,
    /// How many of the trainee's finished sessions carry it.
    pub sessions: usize,
}

impl TraineeDigest {
    /// The digest of a built report.
    pub fn of_report(r: &TrainerReport) -> TraineeDigest {
        TraineeDigest {
            trainee: r.trainee.clone(),
            team: r.team.clone(),
            sessions: r.sessions.len(),
            first_score: r.sessions.iter().find_map(|s| s.score),
            latest_score: r.sessions.last().and_then(|s| s.score),
            latest_critical: r.sessions.last().is_some_and(|s| s.critical),
            latest_flags: r
                .flags
                .iter()
                .filter(|f| f.in_latest)
                .map(|f| LatestFlag {
                    flag: f.flag,
                    label: f.label.clone(),
                    advice: f.advice.clone(),
                    sessions: f.sessions.len(),
                })
                .collect(),
        }
    }
}

/// The trainees ranked by attention, most first (ties by name). `pass_mark`: the score
/// below which a session needs a look.
pub fn overview(reports: &[TrainerReport], pass_mark: u32) -> Vec<AttentionRow> {
    let digests: Vec<TraineeDigest> = reports.iter().map(TraineeDigest::of_report).collect();
    overview_of(&digests, pass_mark)
}

/// The overview from digests: the same rules as [`overview`].
pub fn overview_of(digests: &[TraineeDigest], pass_mark: u32) -> Vec<AttentionRow> {
    let mut rows: Vec<AttentionRow> = digests.iter().map(|d| row(d, pass_mark)).collect();
    rows.sort_by(|a, b| {
        b.attention
            .cmp(&a.attention)
            .then_with(|| a.trainee.cmp(&b.trainee))
    });
    rows
}

fn row(d: &TraineeDigest, pass_mark: u32) -> AttentionRow {
    let latest_score = d.latest_score;
    let score_change = match (d.first_score, latest_score) {
        (Some(a), Some(b)) if d.sessions > 1 => Some(i64::from(b) - i64::from(a)),
        _ => None,
    };
    // The most frequent pattern first, as the report orders them.
    let mut in_latest: Vec<&LatestFlag> = d.latest_flags.iter().collect();
    in_latest.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.flag.cmp(&b.flag)));
    let missed_security =
        d.latest_critical || in_latest.iter().any(|f| f.flag == Flag::MissesSecurity);
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
    } else if d.sessions == 0 {
        "No finished session yet: start onboarding module 1.".to_string()
    } else if latest_score.is_some_and(|s| s < pass_mark) {
        format!(
            "Below the pass mark of {pass_mark} with no single pattern: review the latest debrief together."
        )
    } else {
        "Nothing flagged: keep practising; a competition or a harder shift is next.".to_string()
    };
    AttentionRow {
        trainee: d.trainee.clone(),
        team: d.team.clone(),
        sessions: d.sessions,
        latest_score,
        score_change,
        missed_security,
        flags: in_latest.iter().map(|f| f.label.clone()).collect(),
        coach_this,
        attention,
    }
}
