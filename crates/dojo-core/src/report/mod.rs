//! The coach's report on one trainee: trends across sessions, flagged patterns with their
//! evidence, the trainee against the team median, a sample of escalations walked through
//! the review's three questions, coach overrides beside the automatic grades, and the
//! spaced-repetition schedule. [`TrainerReport`] is plain data the app's dashboard draws;
//! [`render`] writes it as Markdown, CSV, JSON or a self-contained HTML page.
//!
//! Built from stored summaries only (no replay, no regrading), so it stays fast over a
//! long history. Pure functions except [`trainer_report`], which reads the store.

mod html;
pub mod items;
pub mod overview;
pub mod render;

pub use items::{ItemRow, item_analysis};
pub use overview::{AttentionRow, LatestFlag, TraineeDigest, overview, overview_of};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::grading::{Flag, Review, SessionNumbers, Timing};
use crate::history::{Override, SessionSummary, TicketSummary};
use crate::note::NoteElement;
use crate::scenario::Owner;
use crate::spaced::{Rating, TypeSchedule};

pub use html::to_html;

/// What to put in a report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Only sessions played at or after this date.
    pub since: Option<DateTime<Utc>>,
    /// How many escalations the review queue samples.
    pub review_sample: usize,
    /// "Now", for what is due (taken once by the caller).
    pub now: DateTime<Utc>,
    /// Ticket type labels (from the policy), by key.
    pub type_labels: BTreeMap<String, String>,
    /// Only sessions played in this mode (`SessionSummary::mode`, e.g. "onboarding"):
    /// trends, flags and the team comparison then compare like with like.
    pub mode: Option<String>,
}

impl ReportOptions {
    /// The options every report of a pack uses: the policy's ticket-type labels, a
    /// review sample of five, everything since the start.
    pub fn for_pack(pack: &crate::pack::Pack, now: DateTime<Utc>) -> ReportOptions {
        ReportOptions {
            since: None,
            review_sample: 5,
            now,
            type_labels: pack
                .policy
                .ticket_types
                .iter()
                .map(|(k, t)| (k.clone(), t.label.clone()))
                .collect(),
            mode: None,
        }
    }
}

/// Which way a trend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Better in the latest session than in the first.
    Improving,
    /// Worse.
    Worsening,
    /// Within a small margin.
    Steady,
    /// Fewer than two sessions with a value.
    NotEnoughData,
}

/// One point of a trend: a session's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Session id.
    pub session: i64,
    /// When it was played.
    pub played_at: DateTime<Utc>,
    /// The value (None when the session had nothing to measure).
    pub value: Option<f64>,
}

/// A metric across the trainee's sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Stable key, e.g. `fcr`.
    pub key: String,
    /// Label.
    pub label: String,
    /// `score` (0–100), `rate` (0–1) or `ratio` (share of the window used; 1 = at it).
    pub unit: String,
    /// Whether higher values are better.
    pub higher_is_better: bool,
    /// The framework's target, if any (same unit).
    pub target: Option<f64>,
    /// One point per finished session, oldest first.
    pub points: Vec<TrendPoint>,
    /// First value.
    pub first: Option<f64>,
    /// Latest value.
    pub last: Option<f64>,
    /// Which way it goes.
    pub direction: Direction,
}

/// One session in the report's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    /// Session id.
    pub id: i64,
    /// When.
    pub played_at: DateTime<Utc>,
    /// Shift id.
    pub shift: String,
    /// Shift title.
    pub shift_title: String,
    /// Mode.
    pub mode: String,
    /// The automatic score.
    pub automatic_score: Option<u32>,
    /// The score after overrides.
    pub score: Option<u32>,
    /// Security auto-fail.
    pub critical: bool,
    /// Graded tickets.
    pub tickets: usize,
    /// Flag labels.
    pub flags: Vec<String>,
    /// The time extension it was played with (a coach's accommodation), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_multiplier: Option<f64>,
}

impl SessionRow {
    /// " · time ×1.5" when played with a time extension, else nothing.
    pub fn extension_text(&self) -> String {
        self.time_multiplier
            .map(|m| format!(" · time ×{m}"))
            .unwrap_or_default()
    }
}

/// Accuracy on one ticket type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeRow {
    /// Ticket type key.
    pub ticket_type: String,
    /// Its label.
    pub label: String,
    /// Graded tickets of the type.
    pub tickets: usize,
    /// Right calls among them.
    pub right_calls: usize,
    /// right_calls / tickets.
    pub accuracy: f64,
    /// Escalated though L1 owned it.
    pub over_escalated: usize,
    /// Kept at L1 though it belonged upstream.
    pub under_escalated: usize,
    /// Mean ticket score (after overrides).
    pub mean_score: f64,
}

/// Decisions against their ownership windows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimingRow {
    /// Decisions on tickets with a window.
    pub decisions: usize,
    /// Within the window, after the minimum checks.
    pub on_time: usize,
    /// Before the minimum checks.
    pub premature: usize,
    /// Past the window.
    pub overdue: usize,
    /// Mean share of the window used at the decision (1.0 = at the window).
    pub mean_window_use: Option<f64>,
}

/// One line of evidence, with the session it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Session id.
    pub session: i64,
    /// When it was played.
    pub played_at: DateTime<Utc>,
    /// What happened.
    pub line: String,
}

/// A flagged pattern across sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagRow {
    /// The pattern.
    pub flag: Flag,
    /// Label.
    pub label: String,
    /// Sessions that carry it.
    pub sessions: Vec<i64>,
    /// Carried by the latest session.
    pub in_latest: bool,
    /// Ticket types concerned.
    pub ticket_types: Vec<String>,
    /// Evidence, oldest first.
    pub evidence: Vec<Evidence>,
    /// What to practise (from the latest session flagged).
    pub advice: String,
    /// Scenarios to drill.
    pub drill_scenarios: Vec<String>,
}

/// How the trainee stands against the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// Better than the team median.
    Better,
    /// Worse.
    Worse,
    /// Within a small margin.
    Level,
    /// Nothing to compare.
    Unknown,
}

/// One metric, trainee against team median.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareRow {
    /// Stable key.
    pub key: String,
    /// Label.
    pub label: String,
    /// `score` or `rate`.
    pub unit: String,
    /// Higher is better.
    pub higher_is_better: bool,
    /// The trainee's value over the period.
    pub trainee: Option<f64>,
    /// The median of the team members' values (the trainee included).
    pub team_median: Option<f64>,
    /// How the trainee stands.
    pub standing: Standing,
}

/// The trainee against their team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamComparison {
    /// Team name.
    pub team: String,
    /// Members with at least one finished session in the period.
    pub members: usize,
    /// Metrics.
    pub rows: Vec<CompareRow>,
}

/// One escalation walked through the review's three questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// Session id.
    pub session: i64,
    /// When it was played.
    pub played_at: DateTime<Utc>,
    /// Ticket number.
    pub ticket: u32,
    /// Scenario id.
    pub scenario: String,
    /// Title.
    pub title: String,
    /// Ticket type.
    pub ticket_type: String,
    /// The trainee's call.
    pub call: Option<Owner>,
    /// The framework's call.
    pub right_call: Owner,
    /// The automatic score.
    pub automatic_score: u32,
    /// The score after overrides.
    pub score: u32,
    /// The review: the three questions answered and a model note.
    pub review: Option<Review>,
}

/// The audit trail of one overridden ticket, beside its automatic grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverrideRow {
    /// Session id.
    pub session: i64,
    /// When the session was played.
    pub played_at: DateTime<Utc>,
    /// Ticket number.
    pub ticket: u32,
    /// Scenario id.
    pub scenario: String,
    /// The automatic grade.
    pub automatic_score: u32,
    /// The grade in force (the latest override).
    pub score: u32,
    /// Every override of the ticket, oldest first.
    pub trail: Vec<Override>,
}

/// A ticket type on the spaced-repetition schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRow {
    /// Ticket type.
    pub ticket_type: String,
    /// Label.
    pub label: String,
    /// When due.
    pub due: DateTime<Utc>,
    /// Due at the report's "now".
    pub due_now: bool,
    /// Estimated chance of handling it right now (0–1).
    pub retrievability: f64,
    /// Stability in days.
    pub stability: f64,
    /// Sessions with this type.
    pub reps: u32,
    /// Times it went wrong again.
    pub lapses: u32,
    /// The last rating.
    pub last_rating: Rating,
}

/// The coach's report on one trainee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerReport {
    /// Trainee.
    pub trainee: String,
    /// Their team.
    pub team: Option<String>,
    /// Sessions from this date on.
    pub since: Option<DateTime<Utc>>,
    /// The report's "now".
    pub generated_at: DateTime<Utc>,
    /// Finished sessions, oldest first.
    pub sessions: Vec<SessionRow>,
    /// Sessions filed as abandoned in the period.
    pub abandoned: usize,
    /// Trends across the finished sessions.
    pub trends: Vec<Trend>,
    /// Accuracy per ticket type.
    pub ticket_types: Vec<TypeRow>,
    /// Decisions against the windows.
    pub timing: TimingRow,
    /// Flagged patterns, most frequent first.
    pub flags: Vec<FlagRow>,
    /// Against the team median.
    pub team_comparison: Option<TeamComparison>,
    /// Escalations sampled for review.
    pub review_queue: Vec<ReviewItem>,
    /// Overridden tickets with their audit trail.
    pub overrides: Vec<OverrideRow>,
    /// The spaced-repetition schedule.
    pub schedule: Vec<ScheduleRow>,
}

impl TrainerReport {
    /// A trend by key.
    pub fn trend(&self, key: &str) -> Option<&Trend> {
        self.trends.iter().find(|t| t.key == key)
    }
}

fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

fn graded(s: &SessionSummary) -> impl Iterator<Item = &TicketSummary> {
    s.tickets.iter().filter(|t| !t.handed_over)
}

fn windowed(s: &SessionSummary) -> impl Iterator<Item = &TicketSummary> {
    graded(s).filter(|t| t.window.is_some() && t.decided_at.is_some())
}

/// Per-session values of the trended metrics.
fn session_value(key: &str, s: &SessionSummary) -> Option<f64> {
    let n = s.numbers.as_ref();
    match key {
        "score" => s.effective_score.map(f64::from),
        "fcr" => n.and_then(SessionNumbers::fcr_rate),
        "unnecessary_escalation" => n.and_then(SessionNumbers::unnecessary_rate),
        "accuracy" => {
            let g: Vec<&TicketSummary> = graded(s).filter(|t| t.call.is_some()).collect();
            (!g.is_empty())
                .then(|| g.iter().filter(|t| t.right_call_made()).count() as f64 / g.len() as f64)
        }
        "on_time" => {
            let w: Vec<&TicketSummary> = windowed(s).collect();
            (!w.is_empty()).then(|| {
                w.iter().filter(|t| t.timing == Timing::OnTime).count() as f64 / w.len() as f64
            })
        }
        "window_use" => mean(
            windowed(s)
                .filter_map(|t| t.window)
                .filter(|(_, limit)| *limit > 0)
                .map(|(used, limit)| f64::from(used) / f64::from(limit)),
        ),
        "note_total" => mean(graded(s).filter_map(|t| t.note).map(|n| f64::from(n.total))),
        k => {
            let i = NoteElement::ALL.iter().position(|e| note_key(*e) == k)?;
            mean(
                graded(s)
                    .filter_map(|t| t.note)
                    .map(|n| f64::from(n.elements[i])),
            )
        }
    }
}

/// The stable key of a note element's trend, e.g. `note_steps`.
pub fn note_key(e: NoteElement) -> &'static str {
    match e {
        NoteElement::StepsTaken => "note_steps",
        NoteElement::CurrentState => "note_state",
        NoteElement::ClientContext => "note_context",
        NoteElement::Hypothesis => "note_hypothesis",
        NoteElement::SlaStatus => "note_sla",
    }
}

/// The trended metrics: key, label, unit, higher is better, target.
pub fn trend_specs() -> Vec<(&'static str, String, &'static str, bool, Option<f64>)> {
    let mut specs = vec![
        ("score", "Session score".to_string(), "score", true, None),
        (
            "fcr",
            "First-contact resolution".into(),
            "rate",
            true,
            Some(0.70),
        ),
        (
            "unnecessary_escalation",
            "Unnecessary escalation rate".into(),
            "rate",
            false,
            Some(0.15),
        ),
        ("accuracy", "Right calls".into(), "rate", true, Some(1.0)),
        (
            "on_time",
            "Decisions on time".into(),
            "rate",
            true,
            Some(1.0),
        ),
        (
            "window_use",
            "Share of the window used at the decision".into(),
            "ratio",
            false,
            Some(1.0),
        ),
        (
            "note_total",
            "Escalation note".into(),
            "score",
            true,
            Some(90.0),
        ),
    ];
    for e in NoteElement::ALL {
        specs.push((
            note_key(e),
            format!("Note: {}", e.label()),
            "score",
            true,
            Some(90.0),
        ));
    }
    specs
}

fn direction(
    first: Option<f64>,
    last: Option<f64>,
    count: usize,
    higher: bool,
    unit: &str,
) -> Direction {
    let (Some(a), Some(b)) = (first, last) else {
        return Direction::NotEnoughData;
    };
    if count < 2 {
        return Direction::NotEnoughData;
    }
    let margin = if unit == "score" { 2.0 } else { 0.02 };
    // The window's share is fine anywhere up to the window: only going past it counts.
    let delta = if unit == "ratio" {
        (a - 1.0).max(0.0) - (b - 1.0).max(0.0)
    } else if higher {
        b - a
    } else {
        a - b
    };
    if delta > margin {
        Direction::Improving
    } else if delta < -margin {
        Direction::Worsening
    } else {
        Direction::Steady
    }
}

fn trends(sessions: &[&SessionSummary], targets: &BTreeMap<&str, f64>) -> Vec<Trend> {
    trend_specs()
        .into_iter()
        .map(|(key, label, unit, higher, target)| {
            let points: Vec<TrendPoint> = sessions
                .iter()
                .map(|s| TrendPoint {
                    session: s.id,
                    played_at: s.played_at,
                    value: session_value(key, s),
                })
                .collect();
            let values: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
            let (first, last) = (values.first().copied(), values.last().copied());
            Trend {
                key: key.to_string(),
                label,
                unit: unit.to_string(),
                higher_is_better: higher,
                target: targets.get(key).copied().or(target),
                direction: direction(first, last, values.len(), higher, unit),
                points,
                first,
                last,
            }
        })
        .collect()
}

fn type_rows(sessions: &[&SessionSummary], labels: &BTreeMap<String, String>) -> Vec<TypeRow> {
    let mut by_type: BTreeMap<&str, Vec<&TicketSummary>> = BTreeMap::new();
    for s in sessions {
        for t in graded(s) {
            by_type.entry(&t.ticket_type).or_default().push(t);
        }
    }
    by_type
        .into_iter()
        .map(|(ty, ts)| {
            let right = ts.iter().filter(|t| t.right_call_made()).count();
            TypeRow {
                ticket_type: ty.to_string(),
                label: labels.get(ty).cloned().unwrap_or_else(|| ty.to_string()),
                tickets: ts.len(),
                right_calls: right,
                accuracy: right as f64 / ts.len() as f64,
                over_escalated: ts.iter().filter(|t| t.over_escalated()).count(),
                under_escalated: ts.iter().filter(|t| t.under_escalated()).count(),
                mean_score: mean(ts.iter().map(|t| f64::from(t.effective_score))).unwrap_or(0.0),
            }
        })
        .collect()
}

fn timing_row(sessions: &[&SessionSummary]) -> TimingRow {
    let w: Vec<&TicketSummary> = sessions.iter().flat_map(|s| windowed(s)).collect();
    TimingRow {
        decisions: w.len(),
        on_time: w.iter().filter(|t| t.timing == Timing::OnTime).count(),
        premature: w.iter().filter(|t| t.timing == Timing::Premature).count(),
        overdue: w
            .iter()
            .filter(|t| matches!(t.timing, Timing::Overdue(_)))
            .count(),
        mean_window_use: mean(
            w.iter()
                .filter_map(|t| t.window)
                .filter(|(_, l)| *l > 0)
                .map(|(u, l)| f64::from(u) / f64::from(l)),
        ),
    }
}

fn flag_rows(sessions: &[&SessionSummary]) -> Vec<FlagRow> {
    let mut rows: BTreeMap<Flag, FlagRow> = BTreeMap::new();
    let latest = sessions.last().map(|s| s.id);
    for s in sessions {
        for f in &s.flags {
            let row = rows.entry(f.flag).or_insert_with(|| FlagRow {
                flag: f.flag,
                label: f.flag.label().to_string(),
                sessions: Vec::new(),
                in_latest: false,
                ticket_types: Vec::new(),
                evidence: Vec::new(),
                advice: String::new(),
                drill_scenarios: Vec::new(),
            });
            row.sessions.push(s.id);
            row.in_latest |= Some(s.id) == latest;
            row.ticket_types.extend(f.ticket_types.iter().cloned());
            row.evidence.extend(f.evidence.iter().map(|line| Evidence {
                session: s.id,
                played_at: s.played_at,
                line: line.clone(),
            }));
            row.advice = f.advice.clone();
            row.drill_scenarios = f.drill_scenarios.clone();
        }
    }
    let mut out: Vec<FlagRow> = rows
        .into_values()
        .map(|mut r| {
            let types: BTreeSet<String> = r.ticket_types.drain(..).collect();
            r.ticket_types = types.into_iter().collect();
            r
        })
        .collect();
    out.sort_by(|a, b| {
        b.sessions
            .len()
            .cmp(&a.sessions.len())
            .then(b.in_latest.cmp(&a.in_latest))
            .then(a.flag.cmp(&b.flag))
    });
    out
}

/// One person's values over a period, for the team comparison: key → value.
fn person_values(sessions: &[&SessionSummary]) -> BTreeMap<&'static str, f64> {
    let mut out = BTreeMap::new();
    if sessions.is_empty() {
        return out;
    }
    if let Some(v) = mean(
        sessions
            .iter()
            .filter_map(|s| s.effective_score.map(f64::from)),
    ) {
        out.insert("score", v);
    }
    let mut total = SessionNumbers::default();
    for n in sessions.iter().filter_map(|s| s.numbers.as_ref()) {
        total.tickets += n.tickets;
        total.fcr += n.fcr;
        total.escalated += n.escalated;
        total.unnecessary += n.unnecessary;
    }
    if let Some(v) = total.fcr_rate() {
        out.insert("fcr", v);
    }
    if let Some(v) = total.unnecessary_rate() {
        out.insert("unnecessary_escalation", v);
    }
    let all: Vec<&TicketSummary> = sessions.iter().flat_map(|s| graded(s)).collect();
    let decided: Vec<&&TicketSummary> = all.iter().filter(|t| t.call.is_some()).collect();
    if !decided.is_empty() {
        out.insert(
            "accuracy",
            decided.iter().filter(|t| t.right_call_made()).count() as f64 / decided.len() as f64,
        );
    }
    let w: Vec<&&TicketSummary> = all
        .iter()
        .filter(|t| t.window.is_some() && t.decided_at.is_some())
        .collect();
    if !w.is_empty() {
        out.insert(
            "on_time",
            w.iter().filter(|t| t.timing == Timing::OnTime).count() as f64 / w.len() as f64,
        );
    }
    if let Some(v) = mean(
        all.iter()
            .filter_map(|t| t.note)
            .map(|n| f64::from(n.total)),
    ) {
        out.insert("note_total", v);
    }
    out
}

fn team_comparison(
    team: &str,
    trainee: &str,
    own: &[&SessionSummary],
    mates: &[SessionSummary],
) -> Option<TeamComparison> {
    let mut by_member: BTreeMap<String, Vec<&SessionSummary>> = BTreeMap::new();
    if !own.is_empty() {
        by_member.insert(trainee.to_lowercase(), own.to_vec());
    }
    for s in mates.iter().filter(|s| s.is_finished()) {
        by_member
            .entry(s.trainee.to_lowercase())
            .or_default()
            .push(s);
    }
    if by_member.is_empty() {
        return None;
    }
    let values: BTreeMap<&String, BTreeMap<&'static str, f64>> = by_member
        .iter()
        .map(|(k, v)| (k, person_values(v)))
        .collect();
    let mine = values.get(&trainee.to_lowercase());
    let rows = trend_specs()
        .into_iter()
        .filter(|(k, ..)| {
            matches!(
                *k,
                "score" | "fcr" | "unnecessary_escalation" | "accuracy" | "on_time" | "note_total"
            )
        })
        .map(|(key, label, unit, higher, _)| {
            let trainee_value = mine.and_then(|m| m.get(key).copied());
            let team_median = median(
                values
                    .values()
                    .filter_map(|m| m.get(key).copied())
                    .collect(),
            );
            let standing = match (trainee_value, team_median) {
                (Some(a), Some(b)) => {
                    let margin = if unit == "score" { 1.0 } else { 0.01 };
                    let delta = if higher { a - b } else { b - a };
                    if delta > margin {
                        Standing::Better
                    } else if delta < -margin {
                        Standing::Worse
                    } else {
                        Standing::Level
                    }
                }
                _ => Standing::Unknown,
            };
            CompareRow {
                key: key.to_string(),
                label,
                unit: unit.to_string(),
                higher_is_better: higher,
                trainee: trainee_value,
                team_median,
                standing,
            }
        })
        .collect();
    Some(TeamComparison {
        team: team.to_string(),
        members: by_member.len(),
        rows,
    })
}

/// The deterministic review sample: the trainee's escalations (topped up with tickets
/// that should have been escalated, if there are too few), ordered by a hash of trainee,
/// session and ticket, the first `n` taken, then put in date order. The same history
/// always gives the same sample; a new session only displaces items with a larger hash.
pub fn review_sample(trainee: &str, sessions: &[&SessionSummary], n: usize) -> Vec<(i64, u32)> {
    let key = |s: i64, t: u32| -> [u8; 8] {
        let digest = Sha256::digest(format!("{}:{s}:{t}", trainee.to_lowercase()).as_bytes());
        let mut k = [0u8; 8];
        k.copy_from_slice(&digest[..8]);
        k
    };
    let pick = |keep: &dyn Fn(&TicketSummary) -> bool| -> Vec<([u8; 8], DateTime<Utc>, i64, u32)> {
        let mut v: Vec<_> = sessions
            .iter()
            .flat_map(|s| {
                graded(s)
                    .filter(|t| keep(t))
                    .map(move |t| (key(s.id, t.number), s.played_at, s.id, t.number))
            })
            .collect();
        v.sort();
        v
    };
    let mut chosen = pick(&|t| t.escalated());
    chosen.truncate(n);
    if chosen.len() < n {
        let mut more = pick(&|t| {
            t.under_escalated() || (t.call.is_none() && t.right_call != Owner::ResolveAtL1)
        });
        more.truncate(n - chosen.len());
        chosen.extend(more);
    }
    chosen.sort_by_key(|(_, at, s, t)| (*at, *s, *t));
    chosen.into_iter().map(|(_, _, s, t)| (s, t)).collect()
}

/// Everything a report is built from, read from the store beforehand.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// The trainee's name.
    pub trainee: String,
    /// Their team.
    pub team: Option<String>,
    /// The trainee's sessions in the period (finished and abandoned), oldest first.
    pub sessions: Vec<SessionSummary>,
    /// The sessions of the team's other members in the period (for the median).
    pub team_sessions: Vec<SessionSummary>,
    /// The overrides of the trainee's sessions, oldest first.
    pub overrides: Vec<Override>,
    /// The trainee's schedule.
    pub schedule: Vec<TypeSchedule>,
    /// Reviews of the sampled tickets.
    pub reviews: BTreeMap<(i64, u32), Review>,
}

/// Builds the report from its input (pure).
pub fn build(input: &ReportInput, options: &ReportOptions) -> TrainerReport {
    let in_mode = |s: &SessionSummary| options.mode.as_ref().is_none_or(|m| &s.mode == m);
    // Aborted (abandoned, interrupted) sessions never count; tickets never reached were
    // not stored.
    let finished: Vec<&SessionSummary> = input
        .sessions
        .iter()
        .filter(|s| s.is_finished() && in_mode(s))
        .collect();
    let team_sessions: Vec<SessionSummary> = input
        .team_sessions
        .iter()
        .filter(|s| in_mode(s))
        .cloned()
        .collect();
    let label = |ty: &str| {
        options
            .type_labels
            .get(ty)
            .cloned()
            .unwrap_or_else(|| ty.to_string())
    };
    let sessions = finished
        .iter()
        .map(|s| SessionRow {
            id: s.id,
            played_at: s.played_at,
            shift: s.shift.clone(),
            shift_title: s.shift_title.clone(),
            mode: s.mode.clone(),
            automatic_score: s.score,
            score: s.effective_score,
            critical: s.critical,
            tickets: graded(s).count(),
            flags: s.flags.iter().map(|f| f.flag.label().to_string()).collect(),
            time_multiplier: s.time_multiplier,
        })
        .collect();
    let by_id: BTreeMap<i64, &SessionSummary> = finished.iter().map(|s| (s.id, *s)).collect();
    let review_queue = review_sample(&input.trainee, &finished, options.review_sample)
        .into_iter()
        .filter_map(|(sid, number)| {
            let s = by_id.get(&sid)?;
            let t = s.tickets.iter().find(|t| t.number == number)?;
            Some(ReviewItem {
                session: sid,
                played_at: s.played_at,
                ticket: number,
                scenario: t.scenario.clone(),
                title: t.title.clone(),
                ticket_type: t.ticket_type.clone(),
                call: t.call,
                right_call: t.right_call,
                automatic_score: t.score,
                score: t.effective_score,
                review: input.reviews.get(&(sid, number)).cloned(),
            })
        })
        .collect();
    let mut trails: BTreeMap<(i64, u32), Vec<Override>> = BTreeMap::new();
    for o in &input.overrides {
        trails
            .entry((o.session, o.ticket))
            .or_default()
            .push(o.clone());
    }
    let overrides = trails
        .into_iter()
        .filter_map(|((sid, number), trail)| {
            let s = input.sessions.iter().find(|s| s.id == sid)?;
            let t = s.tickets.iter().find(|t| t.number == number)?;
            Some(OverrideRow {
                session: sid,
                played_at: s.played_at,
                ticket: number,
                scenario: t.scenario.clone(),
                automatic_score: t.score,
                score: trail.last().map_or(t.score, |o| o.new_score),
                trail,
            })
        })
        .collect();
    let schedule = input
        .schedule
        .iter()
        .map(|c| ScheduleRow {
            ticket_type: c.ticket_type.clone(),
            label: label(&c.ticket_type),
            due: c.due,
            due_now: c.is_due(options.now),
            retrievability: c.retrievability(options.now),
            stability: c.stability,
            reps: c.reps,
            lapses: c.lapses,
            last_rating: c.last_rating,
        })
        .collect();
    TrainerReport {
        trainee: input.trainee.clone(),
        team: input.team.clone(),
        since: options.since,
        generated_at: options.now,
        sessions,
        abandoned: input
            .sessions
            .iter()
            .filter(|s| s.state == crate::history::SessionState::Abandoned && in_mode(s))
            .count(),
        trends: trends(&finished, &BTreeMap::new()),
        ticket_types: type_rows(&finished, &options.type_labels),
        timing: timing_row(&finished),
        flags: flag_rows(&finished),
        team_comparison: input
            .team
            .as_deref()
            .and_then(|team| team_comparison(team, &input.trainee, &finished, &team_sessions)),
        review_queue,
        overrides,
        schedule,
    }
}
