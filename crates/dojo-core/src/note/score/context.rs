//! Element 3, client context: how many are affected, the business function, the
//! client's patience, VIP and deadline where they apply.

use crate::policy::Policy;

use super::super::text::Cue;

use super::super::claims::{Clause, Reading};
use super::super::prep::Prep;
use super::super::text::{self, Bag};
use super::super::{NoteContext, NoteElement};
use super::{Judged, Scope, place};

fn users_hit(c: &Clause, ctx: &NoteContext<'_>, policy: &Policy) -> bool {
    let v = &policy.note.vocabulary;
    let n = ctx.facts.users_affected;
    let number = n.to_string();
    // A word equal to the number holds it: most clauses do not, and are not tokenised.
    (c.lower.contains(number.as_str()) && text::raw_words(&c.lower).any(|(_, w)| w == number))
        || (n > 1 && text::has_any(&c.lower, &v.many_users))
        || (n == 1 && text::has_any(&c.lower, &v.one_user))
}

fn judge_scope(
    r: &Reading<'_>,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    prep: &Prep,
    scope: Scope,
) -> Judged {
    let v = &policy.note.vocabulary;
    let facts = ctx.facts;
    let role = &prep.role;
    // Outside its field, only clauses about the people count as client context.
    let clauses: Vec<&Clause> = r
        .scope(NoteElement::ClientContext, scope)
        .filter(|c| {
            scope == Scope::Field
                || users_hit(c, ctx, policy)
                || c.has(Cue::Patience)
                || (!role.is_empty() && c.bag.share(role) >= 0.5)
        })
        .collect();
    if clauses.is_empty() {
        return Judged::new(
            0.0,
            vec!["No client context: L2 cannot judge urgency.".into()],
        );
    }
    let bag = Bag::all(clauses.iter().map(|c| &c.bag));
    let lower: String = clauses.iter().map(|c| format!("{}\n", c.lower)).collect();
    let mut parts: Vec<bool> = Vec::new();
    let mut problems = Vec::new();
    let users = clauses.iter().any(|c| users_hit(c, ctx, policy));
    parts.push(users);
    if !users {
        problems.push(format!(
            "How many are affected is missing ({} user(s)).",
            facts.users_affected
        ));
    }
    let function = bag.share(&prep.function) >= 0.5 || clauses.iter().any(|c| c.has(Cue::Business));
    parts.push(function);
    if !function {
        problems.push(format!(
            "The business impact is missing: {} is affected.",
            ctx.scenario.impact.business_function
        ));
    }
    let patience = clauses.iter().any(|c| c.has(Cue::Patience));
    parts.push(patience);
    if !patience {
        problems.push("The client's patience (calm, chasing, frustrated) is not stated.".into());
    }
    if facts.vip {
        let hit = text::has_any(&lower, &["vip".to_string()]) || bag.share(role) >= 0.5;
        parts.push(hit);
        if !hit {
            problems.push(format!(
                "The requester is a VIP ({}): say so.",
                ctx.scenario.requester.role
            ));
        }
    }
    if let Some(deadline) = facts.deadline_minutes {
        let hit =
            text::has_any(&lower, &v.deadlines) || !text::minutes_mentioned(&lower).is_empty();
        parts.push(hit);
        if !hit {
            problems.push(format!(
                "The deadline ({deadline} min after the ticket arrived) is not mentioned."
            ));
        }
    }
    let share = parts.iter().filter(|p| **p).count() as f64 / parts.len() as f64;
    Judged::new(100.0 * share, problems)
}

/// The client-context element.
pub fn judge(r: &Reading<'_>, ctx: &NoteContext<'_>, policy: &Policy, prep: &Prep) -> Judged {
    let field = judge_scope(r, ctx, policy, prep, Scope::Field);
    let whole = judge_scope(r, ctx, policy, prep, Scope::Whole);
    place(NoteElement::ClientContext, field, whole, policy)
}
