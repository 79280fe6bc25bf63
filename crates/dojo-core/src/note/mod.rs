//! The escalation note (the warm handoff) and its scorer against the five-element
//! standard.
//!
//! The scorer reads a note the way L2 reads it — the whole note, whatever field a line
//! is in — and turns it into claims ([`claims`]): a step run, a fix applied, an outcome,
//! things honestly *not* done, a hypothesis, an SLA figure. Each claim is checked against
//! the log and the scenario's truth ([`check`]): a step or fix claimed but never run is
//! fabrication, a wrong result is a misreported outcome. One scorer per element
//! ([`score`]) then judges what the claims give L2, with a small deduction when content
//! sits in the wrong field. Every word list and number comes from the policy's `note`
//! section (`NoteEconomics`, its `vocabulary`).
//!
//! Pure functions over data; no Bevy types. Handles any text (empty, huge, emoji,
//! non-English) without panicking, in time linear in the note's length.

pub mod check;
pub mod claims;
mod model;
mod prep;
pub mod score;
mod signature;
pub mod text;

use serde::{Deserialize, Serialize};

use crate::engine::Facts;
use crate::policy::Policy;
use crate::scenario::Scenario;

pub use model::model_note;
pub use signature::SignatureCache;
pub use text::minutes_mentioned;

/// The five-part escalation note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EscalationNote {
    /// 1. Steps already taken and their outcomes.
    #[serde(default)]
    pub steps_taken: String,
    /// 2. Current system state: exact error, recent changes, what works and what doesn't.
    #[serde(default)]
    pub current_state: String,
    /// 3. Client context: who is affected, business impact, patience.
    #[serde(default)]
    pub client_context: String,
    /// 4. L1's hypothesis.
    #[serde(default)]
    pub hypothesis: String,
    /// 5. SLA status: time remaining and the effect on the client's expectations.
    #[serde(default)]
    pub sla_status: String,
}

impl EscalationNote {
    /// The five fields with their element, in standard order.
    pub fn fields(&self) -> [(NoteElement, &str); 5] {
        [
            (NoteElement::StepsTaken, &self.steps_taken),
            (NoteElement::CurrentState, &self.current_state),
            (NoteElement::ClientContext, &self.client_context),
            (NoteElement::Hypothesis, &self.hypothesis),
            (NoteElement::SlaStatus, &self.sla_status),
        ]
    }
}

/// One of the five elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NoteElement {
    /// Steps already taken and outcomes.
    StepsTaken,
    /// Current system state.
    CurrentState,
    /// Client context.
    ClientContext,
    /// L1's hypothesis.
    Hypothesis,
    /// SLA status.
    SlaStatus,
}

impl NoteElement {
    /// All five, in order.
    pub const ALL: [NoteElement; 5] = [
        NoteElement::StepsTaken,
        NoteElement::CurrentState,
        NoteElement::ClientContext,
        NoteElement::Hypothesis,
        NoteElement::SlaStatus,
    ];

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            NoteElement::StepsTaken => "Steps taken and outcomes",
            NoteElement::CurrentState => "Current system state",
            NoteElement::ClientContext => "Client context",
            NoteElement::Hypothesis => "Hypothesis",
            NoteElement::SlaStatus => "SLA status",
        }
    }

    /// Position in standard order (0–4).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What the scorer checks a note against: the scenario's truth and the log up to the
/// escalation.
#[derive(Debug, Clone, Copy)]
pub struct NoteContext<'a> {
    /// The scenario instance (its truth).
    pub scenario: &'a Scenario,
    /// Ids of the steps the trainee actually ran, in order.
    pub steps_run: &'a [String],
    /// Fixes the trainee applied before the escalation, with the shift minute.
    pub fixes_applied: &'a [(String, u32)],
    /// Events that fired before the escalation (their messages are known to L1).
    pub events_fired: &'a [(String, u32)],
    /// The facts known at escalation.
    pub facts: &'a Facts,
    /// SLA resolution time remaining at escalation, in minutes (negative when breached).
    pub sla_remaining_minutes: i64,
    /// An immediate (security) escalation: no steps are expected before it.
    pub immediate: bool,
    /// The pack's precomputed signatures (`Pack::note_signatures`), if at hand: the
    /// score is the same without them, only slower.
    pub signatures: Option<&'a SignatureCache>,
}

/// The judgement of one element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementScore {
    /// Which element.
    pub element: NoteElement,
    /// 0–100.
    pub score: u32,
    /// Something is written (a pointer such as "see above" is not).
    pub present: bool,
    /// What is missing or wrong, one line each, naming the claim it is about.
    pub problems: Vec<String>,
    /// A concrete rewrite suggestion built from the trainee's own findings.
    pub suggestion: String,
}

/// The judgement of a whole note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteScore {
    /// Per element, in standard order.
    pub elements: Vec<ElementScore>,
    /// Vague phrases charged (the anti-examples), overlapping matches once.
    pub vague_phrases: Vec<String>,
    /// Steps or fixes claimed but never run or applied (their labels).
    pub fabricated_steps: Vec<String>,
    /// Steps or fixes run whose outcome the note reports wrongly (their labels).
    #[serde(default)]
    pub misreported_outcomes: Vec<String>,
    /// Specificity problems of the whole note: overlong, repeated, unrelated text, steps
    /// without results.
    #[serde(default)]
    pub specificity: Vec<String>,
    /// 0–100: the mean of the element scores, less specificity deductions, capped for a
    /// fabricated or misreported note.
    pub total: u32,
    /// Estimated L2 minutes saved (positive) or cost (negative) versus an empty note.
    pub l2_minutes_saved: i32,
}

impl NoteScore {
    /// Completeness 0–1, as the simulated L2 experiences it.
    pub fn completeness(&self) -> f64 {
        f64::from(self.total) / 100.0
    }

    /// The score of one element.
    pub fn element(&self, element: NoteElement) -> &ElementScore {
        self.elements
            .iter()
            .find(|e| e.element == element)
            .unwrap_or(&self.elements[0])
    }
}

/// Scores a note. Every judgement is made against what was actually run and the truth.
pub fn score_note(note: &EscalationNote, ctx: &NoteContext<'_>, policy: &Policy) -> NoteScore {
    score::score(note, ctx, policy, true)
}

/// The note's total (0–100) and the number of fabricated claims, without the feedback
/// text: what the simulated L2 needs. Always the same total as [`score_note`].
pub fn note_total(note: &EscalationNote, ctx: &NoteContext<'_>, policy: &Policy) -> (u32, usize) {
    let s = score::score(note, ctx, policy, false);
    (s.total, s.fabricated_steps.len())
}

/// Problems with the note vocabulary of a policy, one line each (empty lists, phrases
/// that are blank, abbreviations that expand to nothing): the policy linter reports them.
pub fn lint_vocabulary(policy: &Policy) -> Vec<(String, String)> {
    let v = &policy.note.vocabulary;
    let mut out = Vec::new();
    let lists: [(&str, &Vec<String>); 19] = [
        ("done_verbs", &v.done_verbs),
        ("immediate", &v.immediate),
        ("stopwords", &v.stopwords),
        ("framework_phrases", &v.framework_phrases),
        ("pointers", &v.pointers),
        ("not_done", &v.not_done),
        ("proposals", &v.proposals),
        ("denials", &v.denials),
        ("hypothesis_cues", &v.hypothesis_cues),
        ("positive_outcomes", &v.positive_outcomes),
        ("negative_outcomes", &v.negative_outcomes),
        ("many_users", &v.many_users),
        ("one_user", &v.one_user),
        ("business", &v.business),
        ("patience", &v.patience),
        ("expectations", &v.expectations),
        ("deadlines", &v.deadlines),
        ("sla_cues", &v.sla_cues),
        ("breached", &v.breached),
    ];
    for (name, list) in lists {
        if list.is_empty() {
            out.push((
                name.to_string(),
                format!("`note.vocabulary.{name}` is empty"),
            ));
        }
        if list.iter().any(|w| w.trim().is_empty()) {
            out.push((
                name.to_string(),
                format!("`note.vocabulary.{name}` holds a blank entry"),
            ));
        }
    }
    if policy
        .note
        .vague_phrases
        .iter()
        .any(|w| w.trim().is_empty())
    {
        out.push((
            "vague_phrases".into(),
            "`note.vague_phrases` holds a blank entry".into(),
        ));
    }
    for (short, long) in &v.abbreviations {
        if text::raw_words(short).count() != 1 || text::raw_words(long).count() == 0 {
            out.push((
                "abbreviations".into(),
                format!("abbreviation `{short}` → `{long}` must map one word to one or more words"),
            ));
        }
    }
    for group in &v.synonyms {
        if group.len() < 2 {
            out.push((
                "synonyms".into(),
                format!("synonym group {group:?} needs at least two words"),
            ));
        }
    }
    for (name, share) in [
        ("repetition_share", policy.note.repetition_share),
        ("related_share", policy.note.related_share),
        ("bare_steps_share", policy.note.bare_steps_share),
        ("claim_threshold", policy.note.claim_threshold),
        (
            "claim_threshold_other_fields",
            policy.note.claim_threshold_other_fields,
        ),
        ("fabrication_margin", policy.note.fabrication_margin),
    ] {
        if !(0.0..=1.0).contains(&share) {
            out.push((
                name.to_string(),
                format!("`note.{name}` must be between 0 and 1"),
            ));
        }
    }
    out
}
