//! The escalation policy: every threshold, window, matrix, target and cost of the
//! framework, loaded from RON so a training manager changes behaviour without a compiler.
//!
//! Plain data; no Bevy types. The default is `scenarios/policy.ron`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scenario::Level;

/// Which tier's scope a ticket type falls in (framework dimension 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// L1 owns it when it has tools, access and a documented procedure.
    L1,
    /// L2 owns it (server-side, infrastructure, multi-system, policy changes).
    L2,
    /// A security incident: escalate immediately, no ownership window.
    Security,
}

/// Policy for one ticket type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketTypePolicy {
    /// Human label.
    pub label: String,
    /// Which tier's scope it is.
    pub scope: Scope,
    /// Maximum L1 ownership window in sim minutes; `None` only for security.
    pub window_minutes: Option<u32>,
    /// Where the number comes from (FRAMEWORK.md or "ours").
    #[serde(default)]
    pub source: String,
}

/// A scope rule from facts (dimension 1): a ticket of one of `from_types` that reaches
/// any of the thresholds is of type `becomes` (e.g. a network ticket with several users
/// or sites is network infrastructure). Applied whenever facts change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeRule {
    /// Ticket types it applies to; empty: every type that is not a security type.
    #[serde(default)]
    pub from_types: Vec<String>,
    /// From this many users affected.
    #[serde(default)]
    pub min_users: Option<u32>,
    /// From this many sites affected.
    #[serde(default)]
    pub min_sites: Option<u32>,
    /// From this many systems failing.
    #[serde(default)]
    pub min_systems: Option<u32>,
    /// The ticket type (policy key) the ticket then is.
    pub becomes: String,
    /// The framework's words, cited in the verdict.
    pub reason: String,
}

impl ScopeRule {
    /// Which threshold the counts reach, as text, if any.
    pub fn reached(&self, users: u32, sites: u32, systems: u32) -> Option<String> {
        [
            (self.min_users, users, "users affected"),
            (self.min_sites, sites, "sites affected"),
            (self.min_systems, systems, "systems failing"),
        ]
        .iter()
        .find_map(|(min, n, what)| match min {
            Some(min) if n >= min => Some(format!("{n} {what} (≥ {min})")),
            _ => None,
        })
    }
}

/// ITIL-style priority, P1 most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Priority {
    /// Critical.
    P1,
    /// High.
    P2,
    /// Moderate.
    P3,
    /// Low.
    P4,
    /// Planning.
    P5,
}

/// Impact or urgency band of the priority matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Band {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// A points band: from `min_users` users on, a ticket scores `points`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersBand {
    /// Lower bound, inclusive.
    pub min_users: u32,
    /// Points scored.
    pub points: u32,
}

/// Points for a [`Level`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelPoints {
    /// Points for Low.
    pub low: u32,
    /// Points for Medium.
    pub medium: u32,
    /// Points for High.
    pub high: u32,
    /// Points for Critical.
    pub critical: u32,
}

impl LevelPoints {
    /// The points for a level.
    pub fn of(&self, level: Level) -> u32 {
        match level {
            Level::Low => self.low,
            Level::Medium => self.medium,
            Level::High => self.high,
            Level::Critical => self.critical,
        }
    }
}

/// How the business-impact score is computed (framework dimension 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactPolicy {
    /// Points by users affected, ascending `min_users`.
    pub users: Vec<UsersBand>,
    /// Points by criticality of the business function.
    pub function_criticality: LevelPoints,
    /// Points by revenue or reputational risk.
    pub risk: LevelPoints,
    /// Points by what a security incident exposes (only security incidents have it).
    pub exposure: LevelPoints,
    /// Points when the requester is a VIP.
    pub vip: u32,
    /// Score from which impact is Medium.
    pub medium_from: u32,
    /// Score from which impact is High.
    pub high_from: u32,
}

/// How urgency is judged: how soon harm lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyPolicy {
    /// A deadline within this many minutes makes urgency High.
    pub high_within_minutes: u32,
    /// A deadline within this many minutes makes urgency Medium.
    pub medium_within_minutes: u32,
    /// Risk at or above this level makes urgency at least Medium.
    pub medium_from_risk: Level,
    /// Risk at or above this level makes urgency High.
    pub high_from_risk: Level,
    /// A security incident exposing this much or more is urgent (High): every minute
    /// widens what the attacker reaches.
    pub high_from_exposure: Level,
}

/// One row of the priority matrix: the priority for each urgency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixRow {
    /// Priority at high urgency.
    pub high_urgency: Priority,
    /// Priority at medium urgency.
    pub medium_urgency: Priority,
    /// Priority at low urgency.
    pub low_urgency: Priority,
}

/// Impact × urgency → priority, in the manner of the ITIL priority matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityMatrix {
    /// Row for high impact.
    pub high_impact: MatrixRow,
    /// Row for medium impact.
    pub medium_impact: MatrixRow,
    /// Row for low impact.
    pub low_impact: MatrixRow,
}

impl PriorityMatrix {
    /// The priority for an impact and an urgency.
    pub fn priority(&self, impact: Band, urgency: Band) -> Priority {
        let row = match impact {
            Band::High => &self.high_impact,
            Band::Medium => &self.medium_impact,
            Band::Low => &self.low_impact,
        };
        match urgency {
            Band::High => row.high_urgency,
            Band::Medium => row.medium_urgency,
            Band::Low => row.low_urgency,
        }
    }
}

/// SLA targets for one priority, in sim minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// First response due.
    pub response_minutes: u32,
    /// Resolution due.
    pub resolution_minutes: u32,
}

/// When high impact changes handling, even for technically-L1 work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlingPolicy {
    /// A proactive client update is due at this priority or more urgent.
    pub proactive_update_at: Priority,
    /// A proactive update is due for a VIP whatever the priority.
    pub proactive_update_for_vip: bool,
    /// A proactive update is due when patience is at or below this.
    pub proactive_update_at_patience: u8,
    /// Senior ownership at this priority or more urgent.
    pub senior_ownership_at: Priority,
    /// A parallel escalation (L2 on standby) at this priority or more urgent.
    pub parallel_escalation_at: Priority,
}

/// Targets from the framework's metrics table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Unnecessary escalation rate must stay below this (0.15).
    pub unnecessary_escalation_rate_max: f64,
    /// FCR of a high-performing desk, lower bound (0.70).
    pub fcr_min: f64,
    /// FCR of a high-performing desk, upper bound (0.75).
    pub fcr_high: f64,
    /// FCR below this needs attention (0.60).
    pub fcr_attention_below: f64,
    /// KB deflection must be at least this (0.40).
    pub kb_deflection_min: f64,
    /// Aimed runbook coverage of recurring ticket types (0.85).
    pub runbook_coverage_aim: f64,
    /// Re-escalation rate L2→L3 should stay below this (ours).
    pub re_escalation_rate_max: f64,
}

/// Cost figures (MetricNet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Cost of a ticket solved at L1, USD.
    pub l1_ticket_usd: f64,
    /// Cost of a ticket solved at L2, USD.
    pub l2_ticket_usd: f64,
}

/// The escalation-note standard's economics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteEconomics {
    /// Minutes a structured note costs L1 (3–4).
    pub l1_minutes: u32,
    /// Minutes a complete note saves L2, low end (10).
    pub l2_minutes_saved_min: u32,
    /// Minutes a complete note saves L2, high end (15).
    pub l2_minutes_saved_max: u32,
    /// Phrases that say nothing (the framework's anti-examples), matched case-insensitively.
    pub vague_phrases: Vec<String>,
    /// Points an element loses per vague phrase in it.
    pub vague_phrase_penalty: u32,
    /// Points the steps element loses per fabricated step (more than leaving it out).
    pub fabrication_penalty: u32,
    /// The most a note with a fabricated step can score (0–100): below a short honest one.
    pub fabricated_note_cap: u32,
    /// L2 minutes a fabricated step costs (a false trail).
    pub fabrication_cost_l2_minutes: u32,
    /// How far the stated SLA time may be from the sim's value.
    pub sla_tolerance_minutes: u32,
    /// SLA element points for the time left stated within the tolerance.
    pub sla_accurate_points: u32,
    /// SLA element points for a time stated but off.
    pub sla_inaccurate_points: u32,
    /// SLA element points for saying what the client has been told to expect.
    pub sla_expectation_points: u32,
    /// The most a note with a misreported outcome can score (0–100): a wrong result
    /// misleads L2 as much as an invented step.
    pub misreported_note_cap: u32,
    /// Points an element loses when its content was written in another field.
    pub placement_penalty: u32,
    /// Words L2 reads in a few minutes; a longer note is told so.
    pub readable_words: u32,
    /// Points off the total for a note longer than `readable_words`.
    pub overlong_penalty: u32,
    /// Share (0–1) of repeated sentences above which a note is told it repeats itself.
    pub repetition_share: f64,
    /// Points off the total for a note that repeats itself.
    pub repetition_penalty: u32,
    /// Share (0–1) of a long note's words that must relate to the ticket.
    pub related_share: f64,
    /// Points off the total for a note mostly unrelated to the ticket.
    pub unrelated_penalty: u32,
    /// Share (0–1) of the steps run listed without their outcome from which the note
    /// is told it lists steps without results.
    pub bare_steps_share: f64,
    /// Points off the total for a note listing its steps without their outcomes.
    pub bare_steps_penalty: u32,
    /// How sure a sentence must be (0–1) that it reports a step or fix before it counts
    /// as claiming it.
    pub claim_threshold: f64,
    /// The same, for a sentence outside the steps field (a sentence there must be surer
    /// before it is read as reporting a step).
    pub claim_threshold_other_fields: f64,
    /// How sure a sentence must be (0–1) that it is about one step before a good or bad
    /// result in it is read as that step's outcome.
    pub misreport_threshold: f64,
    /// By how much a step never run must match a sentence better than every step run
    /// before the sentence is read as claiming it (fabrication needs a clear margin).
    pub fabrication_margin: f64,
    /// The least an honest note with any content scores: above a fabricated or
    /// misreported one, which the caps hold below it.
    pub honest_minimum: u32,
    /// What a hypothesis that argues the likely cause away scores (0–100).
    pub denied_cause_score: f64,
    /// What a hypothesis naming the likely area, with no finding behind it yet, scores.
    pub ungrounded_cause_score: f64,
    /// What a hypothesis pointing elsewhere than the clues scores.
    pub other_cause_score: f64,
    /// Current state with nothing revealed to check it against: a specific description
    /// of the symptom scores this (0–100)…
    pub unchecked_state_specific_score: f64,
    /// …and a vague one this.
    pub unchecked_state_vague_score: f64,
    /// Steps listed when no diagnostic step was run before escalating (0–100).
    pub steps_none_run_score: f64,
    /// Points off the total for a note of bare keywords (root-cause words, no finding).
    pub keyword_penalty: u32,
    /// The words the scorer reads a note with (data a training manager edits).
    pub vocabulary: NoteVocabulary,
}

/// The words the note scorer reads with: synonyms, abbreviations, vague phrases and the
/// cue words of negation, denial, hypotheses, outcomes and client context. Everything is
/// matched case-insensitively on whole words; phrases are matched as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteVocabulary {
    /// Words too common to identify a step or a finding.
    pub stopwords: Vec<String>,
    /// Shorthand and what it stands for: `"pw": "password"`, `"dc": "domain controller"`.
    pub abbreviations: BTreeMap<String, String>,
    /// Words that mean the same here; each group counts as its first word.
    pub synonyms: Vec<Vec<String>>,
    /// The framework's own phrasing, never vague ("what is and isn't working").
    pub framework_phrases: Vec<String>,
    /// Pointers that are not content ("see above", "see ticket").
    pub pointers: Vec<String>,
    /// Cues that a sentence says something was *not* done ("did not", "not yet").
    pub not_done: Vec<String>,
    /// Verbs that report something done ("tried", "ran", "rebooted"): a part of a
    /// sentence that does what a step's label says, with one of these, claims that step.
    pub done_verbs: Vec<String>,
    /// Cues that a sentence proposes rather than reports ("suggest", "should").
    pub proposals: Vec<String>,
    /// Cues that deny a cause ("not a", "ruled out").
    pub denials: Vec<String>,
    /// Where a denial's reach ends (", so ", "; "): what follows is asserted again.
    pub denial_ends: Vec<String>,
    /// Cues that a sentence states a hypothesis ("i think", "probably", "my guess").
    pub hypothesis_cues: Vec<String>,
    /// Words that report a good result ("fine", "works", "no loss").
    pub positive_outcomes: Vec<String>,
    /// Words that report a bad result ("fails", "timed out", "no change").
    pub negative_outcomes: Vec<String>,
    /// Words that say many users are affected ("everyone", "whole office").
    pub many_users: Vec<String>,
    /// Words that say one user is affected ("only her", "single").
    pub one_user: Vec<String>,
    /// Words that name a business function or its impact ("payroll", "deadline").
    pub business: Vec<String>,
    /// Words that describe the client's patience ("frustrated", "chasing").
    pub patience: Vec<String>,
    /// Words that say what the client was told or expects ("told", "expects").
    pub expectations: Vec<String>,
    /// Words that point at a deadline ("deadline", "before", "due").
    pub deadlines: Vec<String>,
    /// Words that mark an SLA line outside the SLA field ("sla", "left", "remaining").
    pub sla_cues: Vec<String>,
    /// Words that say the SLA is breached.
    pub breached: Vec<String>,
    /// Words that give a security escalation's timing ("immediate", "now").
    pub immediate: Vec<String>,
}

/// Sim minutes each trainee action costs (steps and fixes carry their own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionMinutes {
    /// Searching the KB.
    pub search_kb: u32,
    /// Reading a KB article.
    pub open_article: u32,
    /// Closing a ticket as resolved.
    pub resolve: u32,
    /// Writing the escalation note and escalating (the note costs L1 3–4 minutes).
    pub escalate: u32,
    /// Escalating as a security incident.
    pub escalate_security: u32,
    /// Sending the client an update.
    pub update_client: u32,
    /// Notifying a senior.
    pub notify_senior: u32,
    /// Starting a parallel escalation.
    pub parallel_escalation: u32,
}

/// The clock's allowances for a person (`docs/time.md`, `sim::clock`): real time runs
/// the sim clock at the shift's `time_scale`, except for the time a practised agent
/// needs to read, decide and write; anything beyond it is charged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockRules {
    /// New text is read free at this pace, words per minute.
    pub reading_wpm: u32,
    /// Real seconds free to choose each next action.
    pub decide_seconds: f64,
    /// The reading-and-deciding allowance never banks more than this, real seconds.
    pub hold_cap_seconds: f64,
    /// Real seconds of typing free per ticket (its note, client updates, searches);
    /// the note's own cost is `action_minutes.escalate`.
    pub writing_seconds: f64,
    /// Typing holds the clock only while it goes on: a pause longer than this (real
    /// seconds) and the clock runs again, form open or not.
    pub typing_pause_seconds: f64,
    /// While an action's minutes run, the clock runs this many times faster.
    pub busy_speed_up: f64,
    /// While nothing is the trainee's to do (no ticket open at L1, none being worked),
    /// the clock runs this many times faster until something is due: waiting for the
    /// next ticket costs nothing, so nobody sits through it.
    pub idle_speed_up: f64,
    /// The validator's pace check: the ideal path at human pace must leave this share
    /// of each ownership window to spare, percent.
    pub lint_spare_percent: u32,
    /// The clock speed (sim minutes per real second) the pace check charges a person's
    /// time beyond the allowances at: the fastest clock a shift is expected to run.
    pub lint_time_scale: f64,
    /// The time extensions a coach may give a trainee (WCAG 2.2.1), e.g. `[1.25, 1.5,
    /// 2.0]`: at ×m real time runs m times slower and every allowance is m times longer,
    /// so the same work takes m times the real time. 1 (none) is always allowed.
    pub time_multipliers: Vec<f64>,
}

impl ClockRules {
    /// The rules for a person with a time extension of `m` (≥ 1): every allowance m times
    /// longer, reading m times slower. The speed-ups are relative to the clock, so they
    /// stay; the clock's own speed is divided by m by [`crate::sim::clock::Clock::person_extended`].
    pub fn extended(&self, m: f64) -> ClockRules {
        let m = if m.is_finite() && m >= 1.0 { m } else { 1.0 };
        ClockRules {
            reading_wpm: ((self.reading_wpm as f64) / m).round().max(1.0) as u32,
            decide_seconds: self.decide_seconds * m,
            hold_cap_seconds: self.hold_cap_seconds * m,
            writing_seconds: self.writing_seconds * m,
            typing_pause_seconds: self.typing_pause_seconds * m,
            ..self.clone()
        }
    }

    /// Whether a coach may set this time multiplier: 1, or one of `time_multipliers`.
    pub fn allows_multiplier(&self, m: f64) -> bool {
        (m - 1.0).abs() < 1e-9 || self.time_multipliers.iter().any(|x| (x - m).abs() < 1e-9)
    }
}

/// How the simulated L2 (and L3, and the security team) behaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L2Model {
    /// Minutes an escalation waits before L2 first acts, with an empty L2 queue.
    pub queue_wait_minutes: u32,
    /// Extra wait per escalation already waiting in the L2 queue.
    pub wait_per_queued_ticket: u32,
    /// L2's base work time on a ticket. Re-discovery time comes on top: the note's
    /// `l2_minutes_saved_max` with an empty note, shrinking to 0 with a complete one.
    pub base_minutes: u32,
    /// A note below this completeness (0–1) bounces back to L1.
    pub bounce_below: f64,
    /// A note below this completeness on a ticket of at least `l3_min_difficulty`
    /// goes on to L3 (a re-escalation).
    pub l3_below: f64,
    /// Difficulty from which a thin note sends the ticket on to L3.
    pub l3_min_difficulty: u8,
    /// Minutes L3 needs.
    pub l3_minutes: u32,
    /// Minutes until the security team first acts on a security escalation.
    pub security_response_minutes: u32,
    /// Minutes after a wrong-fix resolution until the ticket reopens.
    pub reopen_after_minutes: u32,
}

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

/// How the leaderboard's composite weighs a participant's play. Each part is 0–100; the
/// composite is their weighted mean (parts that do not apply are left out and the others
/// re-weighed), multiplied by `auto_fail_factor` once per security auto-fail. Speed is
/// never a part: it only breaks ties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Composite {
    /// Weight of ownership accuracy: the right call (resolve, escalate, security).
    pub ownership: u32,
    /// Weight of timing: not premature, not past the window, security at once.
    pub timing: u32,
    /// Weight of the escalation notes, where a note was due.
    pub notes: u32,
    /// Weight of security handling: incidents escalated as security, on time.
    pub security: u32,
    /// Each security auto-fail (an incident kept at L1) multiplies the composite by this
    /// factor, 0–1.
    pub auto_fail_factor: f64,
}

/// The whole escalation policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Name shown in reports.
    pub name: String,
    /// Ticket types by key.
    pub ticket_types: BTreeMap<String, TicketTypePolicy>,
    /// Scope rules from facts, in order (the first that applies wins).
    pub scope_rules: Vec<ScopeRule>,
    /// Ownership-window warnings, in percent of the window (50, 75, 100).
    pub window_warnings_percent: Vec<u32>,
    /// Impact scoring.
    pub impact: ImpactPolicy,
    /// Urgency judgement.
    pub urgency: UrgencyPolicy,
    /// Impact × urgency → priority.
    pub priority_matrix: PriorityMatrix,
    /// SLA targets by priority.
    pub sla: BTreeMap<Priority, SlaTarget>,
    /// Handling demanded by impact.
    pub handling: HandlingPolicy,
    /// Metric targets.
    pub targets: Targets,
    /// Cost per ticket by tier.
    pub costs: Costs,
    /// Escalation-note economics.
    pub note: NoteEconomics,
    /// Sim minutes of each trainee action.
    pub action_minutes: ActionMinutes,
    /// How real time becomes sim time for a person (`docs/time.md`).
    pub clock: ClockRules,
    /// The simulated L2.
    pub l2: L2Model,
    /// Grading weights and thresholds.
    pub grading: GradingPolicy,
    /// The default leaderboard composite `dojo compete new` writes into a competition
    /// file (the competition file then carries its own).
    pub competition: Composite,
}

impl Policy {
    /// The policy of a ticket type.
    pub fn ticket_type(&self, key: &str) -> Option<&TicketTypePolicy> {
        self.ticket_types.get(key)
    }

    /// Points for a number of users affected.
    pub fn users_points(&self, users: u32) -> u32 {
        self.impact
            .users
            .iter()
            .filter(|band| users >= band.min_users)
            .map(|band| band.points)
            .next_back()
            .unwrap_or(0)
    }
}
