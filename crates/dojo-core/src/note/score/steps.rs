//! Element 1, steps taken and outcomes: each step run, with its result; fabricated
//! and misreported claims named.

use crate::policy::Policy;

use super::super::claims::{ClaimKind, Reading, Target};
use super::super::{NoteContext, NoteElement};
use super::{Judged, Scope, place};

/// How well the note reports the step run at `candidate`, within a scope: 1 with its
/// result, 0.5 listed without it, 0 absent or misreported.
fn credit(r: &Reading<'_>, candidate: usize, scope: Scope) -> (f64, Option<ClaimKind>) {
    let mut best: Option<ClaimKind> = None;
    for c in r.claims.iter().filter(|c| c.candidate == candidate) {
        let clause = &r.clauses[c.clause];
        if scope == Scope::Field && clause.field != NoteElement::StepsTaken {
            continue;
        }
        let rank = |k: ClaimKind| match k {
            ClaimKind::Misreported => 3,
            ClaimKind::DoneWithOutcome => 2,
            ClaimKind::Done => 1,
            _ => 0,
        };
        if best.is_none_or(|b| rank(c.kind) > rank(b)) {
            best = Some(c.kind);
        }
    }
    let value = match best {
        Some(ClaimKind::DoneWithOutcome) => 1.0,
        Some(ClaimKind::Done) => 0.5,
        _ => 0.0,
    };
    (value, best)
}

fn judge_scope(r: &Reading<'_>, ctx: &NoteContext<'_>, policy: &Policy, scope: Scope) -> Judged {
    let run: Vec<usize> = r
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.done && matches!(c.target, Target::Step(_)))
        .map(|(i, _)| i)
        .collect();
    let present = match scope {
        Scope::Field => r.field(NoteElement::StepsTaken).present,
        Scope::Whole => r.fields.iter().any(|f| f.present),
    };
    if run.is_empty() {
        return if ctx.immediate {
            Judged::new(100.0, Vec::new())
        } else if present {
            Judged::new(
                policy.note.steps_none_run_score,
                vec!["No diagnostic step was actually run before escalating.".into()],
            )
        } else {
            Judged::new(
                0.0,
                vec!["No steps are listed: L2 will repeat everything L1 did.".into()],
            )
        };
    }
    if !present {
        return Judged::new(
            0.0,
            vec!["No steps are listed: L2 will repeat everything L1 did.".into()],
        );
    }
    let mut sum = 0.0;
    let mut problems = Vec::new();
    for &i in &run {
        let label = r.candidates[i].label;
        let (value, kind) = credit(r, i, scope);
        sum += value;
        match kind {
            Some(ClaimKind::Done) => {
                problems.push(format!("`{label}` is listed without its outcome."))
            }
            None | Some(ClaimKind::NotDone) => {
                problems.push(format!("`{label}` was run but is not in the note."));
            }
            _ => {}
        }
    }
    Judged::new(100.0 * sum / run.len() as f64, problems)
}

/// The steps element.
pub fn judge(r: &Reading<'_>, ctx: &NoteContext<'_>, policy: &Policy) -> Judged {
    let field = judge_scope(r, ctx, policy, Scope::Field);
    let whole = judge_scope(r, ctx, policy, Scope::Whole);
    let mut j = place(NoteElement::StepsTaken, field, whole, policy);
    let penalty = f64::from(policy.note.fabrication_penalty);
    let mut named: Vec<usize> = Vec::new();
    for c in &r.claims {
        if named.contains(&c.candidate) {
            continue;
        }
        let cand = &r.candidates[c.candidate];
        let said = r.clauses[c.clause].text.trim();
        match c.kind {
            ClaimKind::Fabricated => {
                let what = match cand.target {
                    Target::Step(_) => "was never run",
                    Target::Fix(_) => "was never applied",
                };
                j.problems.push(format!(
                    "Claims `{}` (\"{said}\"), which {what}: a fabricated step sends L2 down a false trail.",
                    cand.label
                ));
                j.score -= penalty;
                named.push(c.candidate);
            }
            ClaimKind::Misreported => {
                j.problems.push(format!(
                    "Misreports `{}`: the note says \"{said}\", the log shows \"{}\".",
                    cand.label, cand.finding
                ));
                j.score -= penalty;
                named.push(c.candidate);
            }
            _ => {}
        }
    }
    j
}
