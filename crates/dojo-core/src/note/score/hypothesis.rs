//! Element 4, hypothesis: an assertion about the cause, grounded in what was revealed.
//! A denied cause is not a hypothesis of it; bare keywords earn nothing.

use crate::policy::Policy;

use super::super::claims::{Clause, Reading};
use super::super::prep::Prep;
use super::super::text::{self, Bag, Lexicon};
use super::super::{NoteContext, NoteElement};
use super::{Judged, Scope, place};

struct Truth<'a> {
    area: &'a [u64],
    keywords: &'a [Vec<u64>],
    /// The scenario's cause keywords that carry a negation, lower-case.
    negated: &'a [String],
}

impl Truth<'_> {
    fn hit(&self, bag: &Bag) -> bool {
        bag.share(self.area) >= 0.5
            || self
                .keywords
                .iter()
                .any(|k| !k.is_empty() && bag.hits(k) == k.len())
    }
}

/// Where the clause starts denying something, unless the cue is a hedge ("not sure").
fn denial_at(c: &Clause, policy: &Policy) -> Option<usize> {
    let v = &policy.note.vocabulary;
    let spans = text::spans_of(&c.lower, &v.denials);
    if spans.is_empty() {
        return None;
    }
    let hedges = text::spans_of(&c.lower, &v.hypothesis_cues);
    spans
        .into_iter()
        .filter(|(s, e, _)| !hedges.iter().any(|(hs, he, _)| hs <= s && e <= he))
        .map(|(s, _, _)| s)
        .min()
}

/// The clause as asserted, and the part a denial covers: from the denial's cue to the
/// end of its phrase (`denial_ends`), after which the clause asserts again.
fn split_denial<'c>(c: &'c Clause, policy: &Policy) -> (String, &'c str) {
    let Some(at) = denial_at(c, policy) else {
        return (c.lower.clone(), "");
    };
    let rest = &c.lower[at..];
    let end = policy
        .note
        .vocabulary
        .denial_ends
        .iter()
        .filter(|e| !e.is_empty())
        .filter_map(|e| rest.find(e.as_str()))
        .min()
        .map_or(c.lower.len(), |i| at + i);
    let asserted = format!("{} {}", &c.lower[..at], &c.lower[end..]);
    (asserted, &c.lower[at..end])
}

/// The scenario's own wording of the cause holds a negation ("not approved", "not in
/// company portal") and the clause says it: that is the cause asserted, not denied.
fn negated_keyword(c: &Clause, truth: &Truth) -> bool {
    truth
        .negated
        .iter()
        .any(|k| !k.is_empty() && c.lower.contains(k.as_str()))
}

/// A clause's value as a hypothesis (0–100) and what is wrong with it.
fn clause_value(
    c: &Clause,
    truth: &Truth,
    grounded: bool,
    policy: &Policy,
    lex: &Lexicon,
    area: &str,
) -> Option<(f64, String)> {
    if c.sig.len() < 2 {
        return None;
    }
    let (asserted, denied) = split_denial(c, policy);
    if truth.hit(&lex.bag(&asserted)) || negated_keyword(c, truth) {
        if grounded {
            return Some((100.0, String::new()));
        }
        return Some((
            policy.note.ungrounded_cause_score,
            "The hypothesis names the likely area but no finding in the log backs it yet.".into(),
        ));
    }
    if !denied.is_empty() && truth.hit(&lex.bag(denied)) {
        return Some((
            policy.note.denied_cause_score,
            format!(
                "The hypothesis argues the likely cause away (\"{}\"): the clues point at {area}.",
                c.text.trim()
            ),
        ));
    }
    Some((
        policy.note.other_cause_score,
        format!("The hypothesis does not point at the area the clues suggest ({area})."),
    ))
}

fn judge_scope(
    r: &Reading<'_>,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    lex: &Lexicon,
    prep: &Prep,
    scope: Scope,
) -> Judged {
    let root = &ctx.scenario.root_cause;
    let truth = Truth {
        area: &prep.area,
        keywords: &prep.keywords,
        negated: &prep.negated_keywords,
    };
    let grounded = ctx
        .steps_run
        .iter()
        .filter_map(|id| ctx.scenario.step(id))
        .any(|s| s.reveals_cause)
        || ctx.facts.security_indicator.is_some();
    let mut best: Option<(f64, String)> = None;
    let mut denial: Option<(f64, String)> = None;
    for c in r
        .scope(NoteElement::Hypothesis, scope)
        .filter(|c| c.hypothesis && (scope == Scope::Whole || c.field == NoteElement::Hypothesis))
    {
        if let Some(v) = clause_value(c, &truth, grounded, policy, lex, &root.area) {
            if v.0 == policy.note.denied_cause_score {
                denial = Some(v.clone());
            }
            if best.as_ref().is_none_or(|b| v.0 > b.0) {
                best = Some(v);
            }
        }
    }
    // Arguing the likely cause away is not undone by naming another one.
    if let (Some(d), Some(b)) = (&denial, &best)
        && b.0 <= policy.note.other_cause_score
    {
        best = Some(d.clone());
    }
    match best {
        None => {
            let mut problems =
                vec!["No hypothesis: even an unsure guess tells L2 where to start.".to_string()];
            if r.clauses
                .iter()
                .any(|c| c.field == NoteElement::Hypothesis && c.stuffing)
            {
                problems.push("A list of keywords is not a hypothesis: say what you think the cause is and why.".into());
            }
            Judged::new(0.0, problems)
        }
        Some((score, problem)) => Judged::new(
            score,
            if problem.is_empty() {
                Vec::new()
            } else {
                vec![problem]
            },
        ),
    }
}

/// The hypothesis element.
pub fn judge(
    r: &Reading<'_>,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    lex: &Lexicon,
    prep: &Prep,
) -> Judged {
    let field = judge_scope(r, ctx, policy, lex, prep, Scope::Field);
    let whole = judge_scope(r, ctx, policy, lex, prep, Scope::Whole);
    place(NoteElement::Hypothesis, field, whole, policy)
}
