//! One scorer per element, and the note's total: the mean of the elements, less the
//! specificity deductions, capped for a fabricated or misreported note.
//!
//! Each element is judged twice: on its own field, and on the whole note. Content found
//! only in another field still counts, less `placement_penalty`, with feedback to move it.

mod context;
mod hypothesis;
mod sla;
mod specificity;
mod state;
mod steps;
mod vague;

use std::cell::RefCell;
use std::rc::Rc;

use crate::policy::Policy;

use super::claims::{self, ClaimKind, Clause, Reading};
use super::prep;
use super::text::Lexicon;
use super::{ElementScore, EscalationNote, NoteContext, NoteElement, NoteScore};

/// Which part of the note an element is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Its own field.
    Field,
    /// The whole note.
    Whole,
}

/// One judgement of an element: 0–100 and what is missing or wrong.
#[derive(Debug, Default)]
pub struct Judged {
    /// 0–100 (before vague-phrase deductions).
    pub score: f64,
    /// One line per problem.
    pub problems: Vec<String>,
}

impl Judged {
    fn new(score: f64, problems: Vec<String>) -> Judged {
        Judged { score, problems }
    }
}

impl Reading<'_> {
    /// The clauses an element is judged on.
    pub fn scope(&self, e: NoteElement, scope: Scope) -> impl Iterator<Item = &Clause> {
        self.clauses
            .iter()
            .filter(move |c| !c.repeat && !c.stuffing && (scope == Scope::Whole || c.field == e))
    }
}

/// The better of the in-field and whole-note judgements, with the placement deduction
/// and "move this to …" feedback when the content is in another field.
pub fn place(e: NoteElement, field: Judged, whole: Judged, policy: &Policy) -> Judged {
    let penalty = f64::from(policy.note.placement_penalty);
    let moved = (whole.score - penalty).max(0.0);
    if moved > field.score {
        let mut problems = vec![format!(
            "Move it to {0}: what belongs in {0} is written in another field ({1} points off for placement).",
            e.label(),
            policy.note.placement_penalty
        )];
        problems.extend(whole.problems);
        Judged::new(moved, problems)
    } else {
        field
    }
}

/// The compiled vocabulary, and a fingerprint of what the scenario's reading depends on
/// (the lexicon's lists and the outcome phrases).
fn lexicon(policy: &Policy) -> (Rc<Lexicon>, u64) {
    thread_local! {
        static CACHE: RefCell<Option<(u64, Rc<Lexicon>)>> = const { RefCell::new(None) };
    }
    let v = &policy.note.vocabulary;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |s: &str| {
        for b in s.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for w in &v.stopwords {
        feed(w);
    }
    for (a, b) in &v.abbreviations {
        feed(a);
        feed(b);
    }
    for g in &v.synonyms {
        for w in g {
            feed(w);
        }
        feed("|");
    }
    // The cue lists compiled into the lexicon's one-pass matcher.
    for list in [
        &v.not_done,
        &v.proposals,
        &v.hypothesis_cues,
        &v.patience,
        &v.framework_phrases,
        &v.sla_cues,
        &v.business,
        &v.breached,
        &v.immediate,
        &v.expectations,
    ] {
        for w in list {
            feed(w);
        }
        feed("|");
    }
    let lex = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        match &*c {
            Some((key, lex)) if *key == h => Rc::clone(lex),
            _ => {
                let lex = Rc::new(Lexicon::new(v));
                *c = Some((h, Rc::clone(&lex)));
                lex
            }
        }
    });
    let mut reading = h;
    // What the prepared scenario reads with them: the outcome phrases and the denials.
    for list in [&v.positive_outcomes, &v.negative_outcomes, &v.denials] {
        for w in list {
            for b in w.bytes().chain([0xff]) {
                reading ^= u64::from(b);
                reading = reading.wrapping_mul(0x0100_0000_01b3);
            }
        }
        reading ^= 0xfe;
        reading = reading.wrapping_mul(0x0100_0000_01b3);
    }
    (lex, reading)
}

fn clamp(x: f64) -> u32 {
    x.clamp(0.0, 100.0).round() as u32
}

/// Scores a note; `detail` adds the rewrite suggestions.
pub fn score(
    note: &EscalationNote,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    detail: bool,
) -> NoteScore {
    let (lex, vocabulary) = lexicon(policy);
    let prep = prep::get(
        ctx.scenario,
        &lex,
        vocabulary,
        &policy.note.vocabulary,
        ctx.signatures,
    );
    let r = claims::read(note, ctx, policy, &lex, &prep);
    let judged = [
        steps::judge(&r, ctx, policy),
        state::judge(&r, ctx, policy, &lex, &prep),
        context::judge(&r, ctx, policy, &prep),
        hypothesis::judge(&r, ctx, policy, &lex, &prep),
        sla::judge(&r, ctx, policy),
    ];
    let charges = vague::charges(&r, ctx, policy, &prep);
    let mut elements: Vec<ElementScore> = Vec::with_capacity(5);
    for (e, j) in NoteElement::ALL.into_iter().zip(judged) {
        let mut score = j.score;
        let mut problems = j.problems;
        for (_, phrase) in charges.iter().filter(|(f, _)| *f == e) {
            problems.push(format!(
                "Vague: \"{phrase}\" tells L2 nothing — say exactly what was done and seen."
            ));
            score -= f64::from(policy.note.vague_phrase_penalty);
        }
        elements.push(ElementScore {
            element: e,
            score: clamp(score),
            present: r.field(e).present,
            problems,
            suggestion: if detail {
                super::model::suggestion(e, ctx, policy)
            } else {
                String::new()
            },
        });
    }
    let (specificity, deduction) = specificity::judge(&r, policy);
    let mean = elements.iter().map(|e| f64::from(e.score)).sum::<f64>() / 5.0;
    let mut total = clamp(mean - f64::from(deduction));
    let fabricated = r.labels(ClaimKind::Fabricated);
    let misreported = r.labels(ClaimKind::Misreported);
    let honest = fabricated.is_empty() && misreported.is_empty();
    let stuffed = r.clauses.iter().any(|c| c.stuffing);
    if honest && !stuffed && r.fields.iter().any(|f| f.present || f.pointer_only) {
        total = total.max(policy.note.honest_minimum.min(100));
    }
    if !fabricated.is_empty() {
        total = total.min(policy.note.fabricated_note_cap);
    }
    if !misreported.is_empty() {
        total = total.min(policy.note.misreported_note_cap);
    }
    let saved = f64::from(policy.note.l2_minutes_saved_max) * f64::from(total) / 100.0;
    let false_trails = (fabricated.len() + misreported.len()) as i32;
    let l2_minutes_saved =
        saved.round() as i32 - false_trails * policy.note.fabrication_cost_l2_minutes as i32;
    NoteScore {
        elements,
        vague_phrases: charges.into_iter().map(|(_, p)| p).collect(),
        fabricated_steps: fabricated,
        misreported_outcomes: misreported,
        specificity,
        total,
        l2_minutes_saved,
    }
}
