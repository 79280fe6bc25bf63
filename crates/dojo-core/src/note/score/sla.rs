//! Element 5, SLA status: the minutes left, within the tolerance of the sim's value, and
//! what the client was told to expect.

use crate::policy::Policy;

use super::super::text::Cue;

use super::super::claims::{Clause, Reading};
use super::super::text;
use super::super::{NoteContext, NoteElement};
use super::{Judged, Scope, place};

fn judge_scope(r: &Reading<'_>, ctx: &NoteContext<'_>, policy: &Policy, scope: Scope) -> Judged {
    // Outside its field, only clauses that speak of the SLA count.
    let clauses: Vec<&Clause> = r
        .scope(NoteElement::SlaStatus, scope)
        .filter(|c| c.field == NoteElement::SlaStatus || c.has(Cue::Sla))
        .collect();
    if clauses.is_empty() {
        return Judged::new(
            0.0,
            vec!["No SLA status: L2 cannot prioritise its queue.".into()],
        );
    }
    let lower: String = clauses.iter().map(|c| format!("{}\n", c.lower)).collect();
    let remaining = ctx.sla_remaining_minutes;
    let tolerance = i64::from(policy.note.sla_tolerance_minutes);
    let mentioned = text::minutes_mentioned(&lower);
    let accurate = mentioned
        .iter()
        .any(|m| (m - remaining.max(0)).abs() <= tolerance)
        || (remaining <= 0 && clauses.iter().any(|c| c.has(Cue::Breached)))
        // A security escalation has no window: "immediate" is the right figure.
        || (ctx.immediate && clauses.iter().any(|c| c.has(Cue::Immediate)));
    let expectation = clauses.iter().any(|c| c.has(Cue::Expectation));
    let mut score = 0.0;
    let mut problems = Vec::new();
    if accurate {
        score += f64::from(policy.note.sla_accurate_points);
    } else if mentioned.is_empty() {
        problems.push(format!(
            "The time remaining is not stated ({remaining} min left on the SLA)."
        ));
    } else {
        problems.push(format!(
            "The time remaining is off: the SLA had {remaining} min left (±{tolerance})."
        ));
        score += f64::from(policy.note.sla_inaccurate_points);
    }
    if expectation {
        score += f64::from(policy.note.sla_expectation_points);
    } else {
        problems.push("What the client has been told to expect is missing.".into());
    }
    Judged::new(score, problems)
}

/// The SLA element.
pub fn judge(r: &Reading<'_>, ctx: &NoteContext<'_>, policy: &Policy) -> Judged {
    let field = judge_scope(r, ctx, policy, Scope::Field);
    let whole = judge_scope(r, ctx, policy, Scope::Whole);
    place(NoteElement::SlaStatus, field, whole, policy)
}
