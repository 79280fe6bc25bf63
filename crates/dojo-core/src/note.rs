//! The escalation note (the warm handoff) and its scorer against the five-element
//! standard: each element judged present, specific and accurate against what the
//! trainee actually did and the scenario's truth.
//!
//! Pure functions over data; no Bevy types. Handles any text (empty, huge, emoji,
//! non-English) without panicking: matching works on lower-cased alphanumeric words.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::engine::Facts;
use crate::policy::Policy;
use crate::scenario::{FindingKind, Scenario};

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
}

/// What the scorer checks a note against.
#[derive(Debug, Clone, Copy)]
pub struct NoteContext<'a> {
    /// The scenario instance (its truth).
    pub scenario: &'a Scenario,
    /// Ids of the steps the trainee actually ran, in order.
    pub steps_run: &'a [String],
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
    /// Something is written.
    pub present: bool,
    /// What is missing or wrong, one line each.
    pub problems: Vec<String>,
    /// A concrete rewrite suggestion built from the trainee's own findings.
    pub suggestion: String,
}

/// The judgement of a whole note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteScore {
    /// Per element, in standard order.
    pub elements: Vec<ElementScore>,
    /// Vague phrases found (the anti-examples).
    pub vague_phrases: Vec<String>,
    /// Steps claimed but never run.
    pub fabricated_steps: Vec<String>,
    /// Mean of the element scores, 0–100.
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

/// Lower-cased alphanumeric words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "from", "that", "this", "have", "has", "was", "were", "are",
    "not", "but", "can", "could", "their", "they", "them", "your", "you", "ask", "asked", "check",
    "checked", "client", "user", "into", "onto", "when", "what", "which", "does", "did", "its",
    "his", "her", "she", "him", "out", "all", "any", "via", "see", "get", "got", "been", "will",
    "would", "there", "here", "then", "than", "also", "only", "still",
];

/// The words of a text, as slices (no allocation).
fn raw_words(text: &str) -> impl Iterator<Item = &str> {
    // ASCII first: the Unicode tables are only consulted for other characters.
    text.split(|c: char| !(c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())))
        .filter(|w| !w.is_empty())
}

/// A word's stem as a number: FNV-1a over its first five characters, lower-cased.
/// Five characters tolerate inflections ("restarted" ~ "restart"); numbers keep the
/// scorer free of allocations on long notes.
fn stem_key(word: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    if word.is_ascii() {
        for b in word.bytes().take(5) {
            hash ^= u64::from(b.to_ascii_lowercase());
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        return hash;
    }
    let mut buf = [0u8; 4];
    for c in word.chars().take(5).flat_map(char::to_lowercase) {
        for b in c.encode_utf8(&mut buf).bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The stopwords' stem keys, sorted (built once).
fn stopword_keys() -> &'static [u64] {
    static KEYS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys: Vec<u64> = STOPWORDS.iter().map(|w| stem_key(w)).collect();
        keys.sort_unstable();
        keys
    })
}

/// Distinctive words of a text as stem keys: 3+ characters (or containing a digit), not
/// stopwords; distinct.
fn signature(text: &str) -> Vec<u64> {
    let stop = stopword_keys();
    let mut out: Vec<u64> = raw_words(text)
        .filter(|w| w.len() >= 3 || w.bytes().any(|b| b.is_ascii_digit()))
        .map(stem_key)
        .filter(|k| stop.binary_search(k).is_err())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The signatures of a pack's fixed texts — step labels and findings, business functions,
/// requester roles and root-cause areas that hold no template placeholder — computed once
/// when the pack is built, like the KB index. A lookup is a hash of the text and one
/// comparison; a text not in the cache (a filled-in template, an edited scenario) is
/// signed on the spot, so the cache only ever saves time, never changes a score.
#[derive(Debug, Clone, Default)]
pub struct SignatureCache(std::collections::HashMap<String, Vec<u64>>);

impl SignatureCache {
    /// Signs every fixed text of the scenarios.
    pub fn new<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> SignatureCache {
        let mut map = std::collections::HashMap::new();
        for scenario in scenarios {
            let texts = scenario
                .steps
                .iter()
                .flat_map(|s| [s.label.as_str(), s.reveals.as_str()])
                .chain([
                    scenario.impact.business_function.as_str(),
                    scenario.requester.role.as_str(),
                    scenario.root_cause.area.as_str(),
                ])
                .chain(scenario.security_indicator.as_deref());
            for text in texts.filter(|t| !t.contains('{')) {
                if !map.contains_key(text) {
                    map.insert(text.to_string(), signature(text));
                }
            }
        }
        SignatureCache(map)
    }

    /// Number of texts signed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A step's label and finding signatures.
type StepSignature<'a> = (Cow<'a, [u64]>, Cow<'a, [u64]>);

impl<'a> NoteContext<'a> {
    /// The signature of a scenario text: from the pack's cache when it holds the text.
    fn signature_of(&self, text: &str) -> Cow<'a, [u64]> {
        match self.signatures.and_then(|c| c.0.get(text)) {
            Some(sig) => Cow::Borrowed(sig.as_slice()),
            None => Cow::Owned(signature(text)),
        }
    }
}

/// Every word of a text as stem keys, distinct.
fn keys(text: &str) -> Vec<u64> {
    let mut out: Vec<u64> = raw_words(text).map(stem_key).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The word stems of a text, sorted for fast look-up: built once per text, asked many
/// times.
struct Bag(Vec<u64>);

impl Bag {
    fn of(text: &str) -> Bag {
        Bag(keys(text))
    }

    fn contains(&self, key: u64) -> bool {
        self.0.binary_search(&key).is_ok()
    }

    /// The stems of both texts.
    fn union(&self, other: &Bag) -> Bag {
        let mut all = Vec::with_capacity(self.0.len() + other.0.len());
        all.extend_from_slice(&self.0);
        all.extend_from_slice(&other.0);
        all.sort_unstable();
        all.dedup();
        Bag(all)
    }
}

/// Share of `wanted` stems found in `have`.
fn overlap(wanted: &[u64], have: &Bag) -> f64 {
    if wanted.is_empty() {
        return 0.0;
    }
    let hits = wanted.iter().filter(|w| have.contains(**w)).count();
    hits as f64 / wanted.len() as f64
}

/// Tokens that carry an error code: containing a digit, 3+ chars (809, 0x80070005, AADSTS50126).
fn code_tokens(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= 3 && w.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// Minutes mentioned in a text: "42 min", "42 minutes", "1h 20m", "1:20", "2 hours".
pub fn minutes_mentioned(text: &str) -> Vec<i64> {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = Vec::new();
    let number = |s: &str| -> Option<i64> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 6 {
            None
        } else {
            digits.parse().ok()
        }
    };
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        i += 1;
        // h:mm
        if let Some((h, m)) = token.split_once(':')
            && let (Some(h), Some(m)) = (number(h), number(m))
            && h < 100
            && m < 60
            && token.len() <= 6
        {
            out.push(h * 60 + m);
            continue;
        }
        let Some(value) = number(token) else { continue };
        let rest = token.trim_start_matches(|c: char| c.is_ascii_digit());
        // The unit is glued on ("42min") or the next token ("42 min").
        let (unit, after_unit) = if rest.is_empty() {
            (tokens.get(i).copied().unwrap_or(""), i + 1)
        } else {
            (rest, i)
        };
        if unit.starts_with("min") || unit == "m" || unit.starts_with("m.") {
            out.push(value);
            i = after_unit;
        } else if unit.starts_with('h') {
            // "1h 20m" / "1 hour 20 minutes": the minutes belong to the hours.
            let mut total = value * 60;
            i = after_unit;
            if let Some(m) = tokens.get(i).and_then(|t| number(t)) {
                let glued = tokens[i].trim_start_matches(|c: char| c.is_ascii_digit());
                let (unit2, next) = if glued.is_empty() {
                    (tokens.get(i + 1).copied().unwrap_or(""), i + 2)
                } else {
                    (glued, i + 1)
                };
                if unit2.starts_with('m') {
                    total += m;
                    i = next;
                }
            }
            out.push(total);
        }
    }
    out
}

/// The vague phrases of a text that are not part of a quoted finding ("typing the usual
/// password gives ..." quotes the client, it is not vague).
fn vague_phrases_outside(text: &str, quoted_lower: &[String], policy: &Policy) -> Vec<String> {
    vague_phrases_outside_lower(text.to_lowercase(), quoted_lower, policy)
}

fn vague_phrases_outside_lower(
    mut lower: String,
    quoted_lower: &[String],
    policy: &Policy,
) -> Vec<String> {
    let found = |text: &str| -> Vec<String> {
        policy
            .note
            .vague_phrases
            .iter()
            .filter(|p| text.contains(&p.to_lowercase()))
            .cloned()
            .collect()
    };
    // Most notes hold no vague phrase: only then is it worth cutting the quotes out.
    if found(&lower).is_empty() {
        return Vec::new();
    }
    for q in quoted_lower.iter().filter(|q| !q.is_empty()) {
        if lower.contains(q.as_str()) {
            lower = lower.replace(q.as_str(), " ");
        }
    }
    found(&lower)
}

fn clamp_score(x: f64) -> u32 {
    (x.clamp(0.0, 100.0)).round() as u32
}

/// Findings the trainee revealed, in the order run.
fn revealed<'a>(ctx: &NoteContext<'a>) -> Vec<&'a crate::scenario::Step> {
    ctx.steps_run
        .iter()
        .filter_map(|id| ctx.scenario.step(id))
        .collect()
}

/// Scores a note. Every judgement is made against what was actually run and the truth.
pub fn score_note(note: &EscalationNote, ctx: &NoteContext<'_>, policy: &Policy) -> NoteScore {
    score(note, ctx, policy, true)
}

/// The note's total (0–100) and the number of fabricated steps, without the feedback
/// text: what the simulated L2 needs, at a fraction of the cost.
pub fn note_total(note: &EscalationNote, ctx: &NoteContext<'_>, policy: &Policy) -> (u32, usize) {
    let s = score(note, ctx, policy, false);
    (s.total, s.fabricated_steps.len())
}

/// What a note element lacks, one line each; collected only when feedback is wanted.
struct Problems {
    detail: bool,
    items: Vec<String>,
}

impl Problems {
    fn new(detail: bool) -> Self {
        Problems {
            detail,
            items: Vec::new(),
        }
    }

    fn add(&mut self, line: impl FnOnce() -> String) {
        if self.detail {
            self.items.push(line());
        }
    }

    fn add_first(&mut self, line: impl FnOnce() -> String) {
        if self.detail {
            self.items.insert(0, line());
        }
    }
}

fn score(note: &EscalationNote, ctx: &NoteContext<'_>, policy: &Policy, detail: bool) -> NoteScore {
    let whole = format!(
        "{}\n{}\n{}\n{}\n{}",
        note.steps_taken, note.current_state, note.client_context, note.hypothesis, note.sla_status
    );
    let whole_lower = whole.to_lowercase();
    let steps_bag = Bag::of(&note.steps_taken);
    let run = revealed(ctx);
    let step_sigs: Vec<StepSignature> = ctx
        .scenario
        .steps
        .iter()
        .map(|s| (ctx.signature_of(&s.label), ctx.signature_of(&s.reveals)))
        .collect();
    // The signatures of the steps run, aligned with `run`.
    let run_sigs: Vec<&StepSignature> = run
        .iter()
        .filter_map(|r| ctx.scenario.steps.iter().position(|s| s.id == r.id))
        .map(|i| &step_sigs[i])
        .collect();
    let findings: Vec<String> = revealed(ctx)
        .iter()
        .map(|s| s.reveals.to_lowercase())
        .collect();
    let vague = vague_phrases_outside_lower(whole_lower.clone(), &findings, policy);
    // Per-field checks only when the note holds a vague phrase at all.
    let vague_in = |field: &str| {
        if vague.is_empty() {
            Vec::new()
        } else {
            vague_phrases_outside(field, &findings, policy)
        }
    };
    let vague_penalty = f64::from(policy.note.vague_phrase_penalty);

    // 1. Steps taken and outcomes, with fabrication.
    let mut fabricated = Vec::new();
    let steps_score = {
        let field = &note.steps_taken;
        let mut problems = Problems::new(detail);
        let mut score;
        if run.is_empty() && ctx.immediate {
            score = 100.0;
        } else if field.trim().is_empty() {
            score = 0.0;
            problems.add(|| "No steps are listed: L2 will repeat everything L1 did.".to_string());
        } else if run.is_empty() {
            score = 30.0;
            problems.add(|| "No diagnostic step was actually run before escalating.".to_string());
        } else {
            let mut mentioned = 0.0;
            for (step, (label_sig, reveals_sig)) in run.iter().zip(&run_sigs) {
                let label_hit = overlap(label_sig, &steps_bag);
                let outcome_hit = overlap(reveals_sig, &steps_bag);
                if label_hit >= 0.5 || outcome_hit >= 0.5 {
                    mentioned += if outcome_hit >= 0.3 { 1.0 } else { 0.6 };
                    if outcome_hit < 0.3 {
                        problems.add(|| format!("`{}` is listed without its outcome.", step.label));
                    }
                } else {
                    problems.add(|| format!("`{}` was run but is not in the note.", step.label));
                }
            }
            score = 100.0 * mentioned / run.len() as f64;
        }
        // Fabrication: a line that matches a step never run, better than any run step.
        // A line holds a subset of the field's words, so when no step never run
        // matches the whole field, no line can: skip the per-line pass.
        let suspects = ctx.scenario.steps.iter().enumerate().any(|(k, step)| {
            let (sig, reveals_sig) = &step_sigs[k];
            !ctx.steps_run.contains(&step.id)
                && sig.len() >= 2
                && (overlap(sig, &steps_bag) >= 0.6 || overlap(reveals_sig, &steps_bag) >= 0.6)
        });
        for line in field.lines().filter(|l| suspects && !l.trim().is_empty()) {
            let line_bag = Bag::of(line);
            let best_run = run_sigs
                .iter()
                .map(|(label_sig, _)| overlap(label_sig, &line_bag))
                .fold(0.0, f64::max);
            for (k, step) in ctx.scenario.steps.iter().enumerate() {
                if ctx.steps_run.contains(&step.id) || fabricated.contains(&step.label) {
                    continue;
                }
                let (sig, reveals_sig) = &step_sigs[k];
                let hit = overlap(sig, &line_bag);
                let outcome_hit = overlap(reveals_sig, &line_bag);
                if sig.len() >= 2 && (hit >= 0.6 || outcome_hit >= 0.6) && hit > best_run {
                    fabricated.push(step.label.clone());
                }
            }
        }
        for label in &fabricated {
            problems.add(|| format!(
                "Claims `{label}`, which was never run: a fabricated step sends L2 down a false trail."
            ));
            score -= f64::from(policy.note.fabrication_penalty);
        }
        let vague_here = vague_in(field);
        for v in &vague_here {
            problems.add(|| {
                format!("Vague: \"{v}\" tells L2 nothing — name each check and its result.")
            });
            score -= vague_penalty;
        }
        let suggestion = if !detail {
            String::new()
        } else if run.is_empty() && ctx.immediate {
            "None: escalated immediately as a security incident, as the framework requires."
                .to_string()
        } else if run.is_empty() {
            "Run the minimum checks first, then list each one with its result.".to_string()
        } else {
            run.iter()
                .map(|s| format!("- {}: {}", s.label, s.reveals))
                .collect::<Vec<_>>()
                .join("\n")
        };
        ElementScore {
            element: NoteElement::StepsTaken,
            score: clamp_score(score),
            present: !field.trim().is_empty(),
            problems: problems.items,
            suggestion,
        }
    };

    // 2. Current system state.
    let state_score = {
        let field = &note.current_state;
        let field_bag = Bag::of(field).union(&steps_bag);
        let mut problems = Problems::new(detail);
        let mut parts: Vec<f64> = Vec::new();
        let errors: Vec<&str> = run
            .iter()
            .filter(|s| matches!(s.finding, FindingKind::ErrorText | FindingKind::LogLine))
            .map(|s| s.reveals.as_str())
            .chain(ctx.facts.error_text.as_deref())
            .collect();
        let mut suggestion_parts = Vec::new();
        if let Some(error) = errors.first() {
            let codes = code_tokens(error);
            let quoted = if codes.is_empty() {
                overlap(&ctx.signature_of(error), &field_bag) >= 0.6
            } else {
                codes.iter().any(|c| whole_lower.contains(c.as_str()))
            };
            parts.push(if quoted { 1.0 } else { 0.0 });
            if !quoted {
                problems.add(|| format!("The exact error text is not quoted: \"{error}\"."));
            }
            suggestion_parts.push(format!("Error: \"{error}\""));
        }
        if let Some(indicator) = &ctx.facts.security_indicator {
            let hit = overlap(&ctx.signature_of(indicator), &field_bag) >= 0.4;
            parts.push(if hit { 1.0 } else { 0.0 });
            if !hit {
                problems.add(|| format!("The security indicator is not described: {indicator}"));
            }
            suggestion_parts.push(format!("Security indicator: {indicator}"));
        }
        let recent: Vec<&str> = run
            .iter()
            .filter(|s| s.finding == FindingKind::RecentChange)
            .map(|s| s.reveals.as_str())
            .collect();
        for change in &recent {
            let hit = overlap(&ctx.signature_of(change), &field_bag) >= 0.4;
            parts.push(if hit { 1.0 } else { 0.0 });
            if !hit {
                problems.add(|| format!("The recent change is not mentioned: {change}"));
            }
            suggestion_parts.push(format!("Recent change: {change}"));
        }
        let works: Vec<&str> = run
            .iter()
            .filter(|s| matches!(s.finding, FindingKind::Works | FindingKind::DoesNotWork))
            .map(|s| s.reveals.as_str())
            .collect();
        if !works.is_empty() {
            let hit = works
                .iter()
                .filter(|w| overlap(&ctx.signature_of(w), &field_bag) >= 0.4)
                .count();
            parts.push(hit as f64 / works.len() as f64);
            if hit < works.len() {
                problems
                    .add(|| "Not everything that works and doesn't work is stated.".to_string());
            }
            for w in &works {
                suggestion_parts.push(format!("Observed: {w}"));
            }
        }
        let present = !field.trim().is_empty();
        let mut score = if !present {
            problems.add_first(|| "No current state: L2 does not know what it will find.".into());
            0.0
        } else if parts.is_empty() {
            // Nothing revealed to check against: credit a specific description.
            if signature(field).len() >= 4 {
                90.0
            } else {
                40.0
            }
        } else {
            100.0 * parts.iter().sum::<f64>() / parts.len() as f64
        };
        for v in vague_in(field) {
            problems.add(|| format!("Vague: \"{v}\" — say exactly what fails and how."));
            score -= vague_penalty;
        }
        ElementScore {
            element: NoteElement::CurrentState,
            score: clamp_score(score),
            present,
            problems: problems.items,
            suggestion: if !detail {
                String::new()
            } else if suggestion_parts.is_empty() {
                "State the exact error, what changed recently, and what works and what doesn't."
                    .into()
            } else {
                suggestion_parts.join("\n")
            },
        }
    };

    // 3. Client context.
    let context_score = {
        let field = &note.client_context;
        let field_words = words(field);
        let field_bag = Bag::of(field);
        let facts = ctx.facts;
        let mut problems = Problems::new(detail);
        let mut parts = Vec::new();
        let users = facts.users_affected.to_string();
        let many_words = [
            "all", "whole", "everyone", "entire", "office", "team", "users", "staff",
        ];
        let users_hit = field_words.contains(&users)
            || (facts.users_affected > 1
                && many_words
                    .iter()
                    .any(|w| field_words.iter().any(|f| f == w)))
            || (facts.users_affected == 1
                && ["one", "single", "only", "just"]
                    .iter()
                    .any(|w| field_words.iter().any(|f| f == w)));
        parts.push(users_hit);
        if !users_hit {
            problems.add(|| {
                format!(
                    "How many are affected is missing ({} user(s)).",
                    facts.users_affected
                )
            });
        }
        let function_hit = overlap(
            &ctx.signature_of(&ctx.scenario.impact.business_function),
            &field_bag,
        ) >= 0.5;
        parts.push(function_hit);
        if !function_hit {
            problems.add(|| {
                format!(
                    "The business impact is missing: {} is affected.",
                    ctx.scenario.impact.business_function
                )
            });
        }
        let patience_words = [
            "patience",
            "patient",
            "frustrated",
            "impatient",
            "angry",
            "upset",
            "chasing",
            "chased",
            "calm",
            "relaxed",
            "waiting",
            "annoyed",
            "urgent",
            "stressed",
            "understanding",
        ];
        let patience_hit = patience_words
            .iter()
            .any(|w| field_words.iter().any(|f| f == w));
        parts.push(patience_hit);
        if !patience_hit {
            problems
                .add(|| "The client's patience (calm, chasing, frustrated) is not stated.".into());
        }
        if facts.vip {
            let role_words = ctx.signature_of(&ctx.scenario.requester.role);
            let vip_hit =
                field_words.iter().any(|f| f == "vip") || overlap(&role_words, &field_bag) >= 0.5;
            parts.push(vip_hit);
            if !vip_hit {
                problems.add(|| {
                    format!(
                        "The requester is a VIP ({}): say so.",
                        ctx.scenario.requester.role
                    )
                });
            }
        }
        if let Some(deadline) = facts.deadline_minutes {
            let hit = ["deadline", "meeting", "before", "due", "until", "by"]
                .iter()
                .any(|w| field_words.iter().any(|f| f == w))
                || !minutes_mentioned(field).is_empty();
            parts.push(hit);
            if !hit {
                problems.add(|| {
                    format!(
                        "The deadline ({deadline} min after the ticket arrived) is not mentioned."
                    )
                });
            }
        }
        let present = !field.trim().is_empty();
        let mut score = if present {
            100.0 * parts.iter().filter(|p| **p).count() as f64 / parts.len() as f64
        } else {
            problems.add_first(|| "No client context: L2 cannot judge urgency.".into());
            0.0
        };
        for v in vague_in(field) {
            problems.add(|| format!("Vague: \"{v}\"."));
            score -= vague_penalty;
        }
        let patience_text = match facts.patience {
            1 => "very frustrated, chasing",
            2 => "frustrated, has chased",
            3 => "waiting, wants an update",
            _ => "calm",
        };
        ElementScore {
            element: NoteElement::ClientContext,
            score: clamp_score(score),
            present,
            problems: problems.items,
            suggestion: if !detail {
                String::new()
            } else {
                format!(
                    "{} ({}{}) at {}; {} user(s) affected; {} impacted; client is {}{}.",
                    ctx.scenario.requester.name,
                    ctx.scenario.requester.role,
                    if facts.vip { ", VIP" } else { "" },
                    ctx.scenario.client.org,
                    facts.users_affected,
                    ctx.scenario.impact.business_function,
                    patience_text,
                    facts
                        .deadline_minutes
                        .map(|d| format!("; deadline {d} min after the ticket arrived"))
                        .unwrap_or_default()
                )
            },
        }
    };

    // 4. Hypothesis.
    let hypothesis_score = {
        let field = &note.hypothesis;
        let field_bag = Bag::of(field);
        let mut problems = Problems::new(detail);
        let truth = &ctx.scenario.root_cause;
        let area_words = ctx.signature_of(&truth.area);
        let keyword_hit = truth.keywords.iter().any(|k| {
            let kw = keys(k);
            !kw.is_empty() && overlap(&kw, &field_bag) >= 1.0
        });
        let area_hit = overlap(&area_words, &field_bag) >= 0.5 || keyword_hit;
        let present = signature(field).len() >= 2;
        let mut score = if !present {
            problems.add(|| "No hypothesis: even an unsure guess tells L2 where to start.".into());
            0.0
        } else if area_hit {
            100.0
        } else {
            problems.add(|| {
                format!(
                    "The hypothesis does not point at the area the clues suggest ({}).",
                    truth.area
                )
            });
            50.0
        };
        for v in vague_in(field) {
            problems.add(|| format!("Vague: \"{v}\" — commit to a best guess."));
            score -= vague_penalty;
        }
        let clue = run
            .iter()
            .find(|s| s.reveals_cause)
            .map(|s| s.reveals.as_str());
        ElementScore {
            element: NoteElement::Hypothesis,
            score: clamp_score(score),
            present,
            problems: problems.items,
            suggestion: match clue {
                _ if !detail => String::new(),
                Some(c) => format!("Likely cause: {} (based on: {c})", truth.area),
                None => format!(
                    "Best guess from the findings so far; the clues point towards {}.",
                    truth.area
                ),
            },
        }
    };

    // 5. SLA status.
    let sla_score = {
        let field = &note.sla_status;
        let field_words = words(field);
        let mut problems = Problems::new(detail);
        let mentioned = minutes_mentioned(field);
        let remaining = ctx.sla_remaining_minutes;
        let tolerance = i64::from(policy.note.sla_tolerance_minutes);
        let accurate = mentioned
            .iter()
            .any(|m| (m - remaining.max(0)).abs() <= tolerance)
            || (remaining <= 0 && field_words.iter().any(|w| w == "breached"));
        let expectation = [
            "expect",
            "expects",
            "expectation",
            "expectations",
            "informed",
            "told",
            "eta",
            "update",
            "updated",
            "aware",
            "promised",
        ]
        .iter()
        .any(|w| field_words.iter().any(|f| f == w));
        let present = !field.trim().is_empty();
        let mut score = 0.0;
        if !present {
            problems.add(|| "No SLA status: L2 cannot prioritise its queue.".into());
        } else {
            if accurate {
                score += 70.0;
            } else if mentioned.is_empty() {
                problems.add(|| {
                    format!("The time remaining is not stated ({remaining} min left on the SLA).")
                });
            } else {
                problems.add(|| format!(
                    "The time remaining is off: the SLA had {remaining} min left (±{tolerance})."
                ));
                score += 20.0;
            }
            if expectation {
                score += 30.0;
            } else {
                problems.add(|| "What the client has been told to expect is missing.".into());
            }
        }
        for v in vague_in(field) {
            problems.add(|| format!("Vague: \"{v}\"."));
            score -= vague_penalty;
        }
        ElementScore {
            element: NoteElement::SlaStatus,
            score: clamp_score(score),
            present,
            problems: problems.items,
            suggestion: if !detail {
                String::new()
            } else if remaining > 0 {
                format!(
                    "{remaining} min left on the resolution SLA; client told to expect an update from L2."
                )
            } else {
                format!(
                    "SLA breached by {} min; client informed and expecting a call from L2.",
                    -remaining
                )
            },
        }
    };

    let elements = vec![
        steps_score,
        state_score,
        context_score,
        hypothesis_score,
        sla_score,
    ];
    let mut total = (elements.iter().map(|e| e.score).sum::<u32>() as f64 / 5.0).round() as u32;
    // A note that claims what was never done is worse than a short one: L2 cannot
    // trust any of it.
    if !fabricated.is_empty() {
        total = total.min(policy.note.fabricated_note_cap);
    }
    let saved = f64::from(policy.note.l2_minutes_saved_max) * f64::from(total) / 100.0;
    let l2_minutes_saved = saved.round() as i32
        - (fabricated.len() as i32) * policy.note.fabrication_cost_l2_minutes as i32;
    NoteScore {
        elements,
        vague_phrases: vague,
        fabricated_steps: fabricated,
        total,
        l2_minutes_saved,
    }
}

/// A model note built from the trainee's own findings plus the truth.
pub fn model_note(ctx: &NoteContext<'_>, policy: &Policy) -> EscalationNote {
    let empty = EscalationNote::default();
    let score = score_note(&empty, ctx, policy);
    let s = |e: NoteElement| score.element(e).suggestion.clone();
    EscalationNote {
        steps_taken: s(NoteElement::StepsTaken),
        current_state: s(NoteElement::CurrentState),
        client_context: s(NoteElement::ClientContext),
        hypothesis: s(NoteElement::Hypothesis),
        sla_status: s(NoteElement::SlaStatus),
    }
}
