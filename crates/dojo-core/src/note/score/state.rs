//! Element 2, current system state: the exact error (its code), a revealed recent
//! change, what works and what doesn't, a visible security indicator.

use crate::policy::Policy;

use super::super::text::Cue;
use crate::scenario::FindingKind;

use super::super::claims::Reading;
use super::super::prep::Prep;
use super::super::text::{self, Bag, Lexicon};
use super::super::{NoteContext, NoteElement};
use super::{Judged, Scope, place};

fn scope_bag(r: &Reading<'_>, scope: Scope) -> (Bag, String) {
    let mut lower = String::new();
    for c in r.scope(NoteElement::CurrentState, scope) {
        lower.push_str(&c.lower);
        lower.push('\n');
    }
    let bag = Bag::all(r.scope(NoteElement::CurrentState, scope).map(|c| &c.bag));
    (bag, lower)
}

fn judge_scope(
    r: &Reading<'_>,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    lex: &Lexicon,
    prep: &Prep,
    scope: Scope,
) -> Judged {
    let (bag, lower) = scope_bag(r, scope);
    // The steps run, with their place in the scenario (their read signatures).
    let run: Vec<(&crate::scenario::Step, &[u64])> = ctx
        .steps_run
        .iter()
        .filter_map(|id| {
            let i = ctx.scenario.steps.iter().position(|s| s.id == *id)?;
            Some((&ctx.scenario.steps[i], prep.step(i).finding_sig.as_slice()))
        })
        .collect();
    let mut parts: Vec<f64> = Vec::new();
    let mut problems = Vec::new();
    let error: Option<(&str, Option<&[u64]>)> = run
        .iter()
        .filter(|(s, _)| matches!(s.finding, FindingKind::ErrorText | FindingKind::LogLine))
        .map(|(s, sig)| (s.reveals.as_str(), Some(*sig)))
        .chain(ctx.facts.error_text.as_deref().map(|e| (e, None)))
        .next();
    if let Some((error, sig)) = error {
        let codes = text::codes(error);
        let quoted = if codes.is_empty() {
            match sig {
                Some(sig) => bag.share(sig) >= 0.6,
                None => bag.share(&lex.signature(error)) >= 0.6,
            }
        } else {
            codes.iter().any(|c| lower.contains(c.as_str()))
        };
        parts.push(if quoted { 1.0 } else { 0.0 });
        if !quoted {
            problems.push(format!("The exact error text is not quoted: \"{error}\"."));
        }
    }
    if let Some(indicator) = &ctx.facts.security_indicator {
        let hit = bag.share(&lex.signature(indicator)) >= 0.4;
        parts.push(if hit { 1.0 } else { 0.0 });
        if !hit {
            problems.push(format!(
                "The security indicator is not described: {indicator}"
            ));
        }
    }
    for (change, sig) in run
        .iter()
        .filter(|(s, _)| s.finding == FindingKind::RecentChange)
    {
        let hit = bag.share(sig) >= 0.4;
        parts.push(if hit { 1.0 } else { 0.0 });
        if !hit {
            problems.push(format!(
                "The recent change is not mentioned: {}",
                change.reveals
            ));
        }
    }
    let works: Vec<&[u64]> = run
        .iter()
        .filter(|(s, _)| matches!(s.finding, FindingKind::Works | FindingKind::DoesNotWork))
        .map(|(_, sig)| *sig)
        .collect();
    if !works.is_empty() {
        let hit = works.iter().filter(|w| bag.share(w) >= 0.3).count();
        parts.push(hit as f64 / works.len() as f64);
        if hit < works.len() {
            problems.push("Not everything that works and doesn't work is stated.".to_string());
        }
    }
    // What is and isn't working, in the framework's words or as results.
    let v = &policy.note.vocabulary;
    let says = r.scope(NoteElement::CurrentState, scope).any(|c| {
        c.has(Cue::Framework)
            || super::super::check::polarity(&c.lower, v) != super::super::check::Polarity::None
    });
    // (A security escalation describes its indicator instead.)
    if !parts.is_empty() && works.is_empty() && ctx.facts.security_indicator.is_none() {
        parts.push(if says { 1.0 } else { 0.0 });
        if !says {
            problems.push("Say what is and isn't working now.".to_string());
        }
    }
    let present = r.scope(NoteElement::CurrentState, scope).next().is_some();
    if !present {
        return Judged::new(
            0.0,
            vec!["No current state: L2 does not know what it will find.".into()],
        );
    }
    if parts.is_empty() {
        // Nothing revealed to check against: credit a specific description of the symptom.
        let specific = r.scope(NoteElement::CurrentState, scope).any(|c| {
            c.bag.hits(&c.sig) >= 3 && c.sig.iter().filter(|k| r.topic.contains(**k)).count() >= 2
        });
        return if specific {
            Judged::new(policy.note.unchecked_state_specific_score, problems)
        } else {
            Judged::new(
                policy.note.unchecked_state_vague_score,
                vec!["Describe what fails, how, and what still works.".into()],
            )
        };
    }
    Judged::new(
        100.0 * parts.iter().sum::<f64>() / parts.len() as f64,
        problems,
    )
}

/// The current-state element.
pub fn judge(
    r: &Reading<'_>,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    lex: &Lexicon,
    prep: &Prep,
) -> Judged {
    let field = judge_scope(r, ctx, policy, lex, prep, Scope::Field);
    let whole = judge_scope(r, ctx, policy, lex, prep, Scope::Whole);
    place(NoteElement::CurrentState, field, whole, policy)
}
