//! The model note: what the trainee could have written, built from their own findings
//! plus the truth. Each element's rewrite suggestion is its field.

use crate::policy::Policy;
use crate::scenario::FindingKind;

use super::{EscalationNote, NoteContext, NoteElement};

/// A model note built from the trainee's own findings plus the truth.
pub fn model_note(ctx: &NoteContext<'_>, policy: &Policy) -> EscalationNote {
    let s = |e: NoteElement| suggestion(e, ctx, policy);
    EscalationNote {
        steps_taken: s(NoteElement::StepsTaken),
        current_state: s(NoteElement::CurrentState),
        client_context: s(NoteElement::ClientContext),
        hypothesis: s(NoteElement::Hypothesis),
        sla_status: s(NoteElement::SlaStatus),
    }
}

/// The rewrite suggestion for one element.
pub fn suggestion(e: NoteElement, ctx: &NoteContext<'_>, _policy: &Policy) -> String {
    let run: Vec<&crate::scenario::Step> = ctx
        .steps_run
        .iter()
        .filter_map(|id| ctx.scenario.step(id))
        .collect();
    match e {
        NoteElement::StepsTaken => {
            if run.is_empty() && ctx.immediate {
                "None: escalated immediately as a security incident, as the framework requires."
                    .to_string()
            } else if run.is_empty() {
                "Run the minimum checks first, then list each one with its result.".to_string()
            } else {
                run.iter()
                    .map(|s| format!("- {}: {}", s.label, s.reveals))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        NoteElement::CurrentState => state(&run, ctx),
        NoteElement::ClientContext => context(ctx),
        NoteElement::Hypothesis => {
            let truth = &ctx.scenario.root_cause;
            match run.iter().find(|s| s.reveals_cause) {
                Some(c) => format!("Likely cause: {} (based on: {})", truth.area, c.reveals),
                None => format!(
                    "Best guess from the findings so far; the clues point towards {}.",
                    truth.area
                ),
            }
        }
        NoteElement::SlaStatus => {
            let remaining = ctx.sla_remaining_minutes;
            if remaining > 0 {
                format!(
                    "{remaining} min left on the resolution SLA; client told to expect an update from L2."
                )
            } else {
                format!(
                    "SLA breached by {} min; client informed and expecting a call from L2.",
                    -remaining
                )
            }
        }
    }
}

fn state(run: &[&crate::scenario::Step], ctx: &NoteContext<'_>) -> String {
    let mut parts = Vec::new();
    let error = run
        .iter()
        .filter(|s| matches!(s.finding, FindingKind::ErrorText | FindingKind::LogLine))
        .map(|s| s.reveals.as_str())
        .chain(ctx.facts.error_text.as_deref())
        .next();
    if let Some(error) = error {
        parts.push(format!("Error: \"{error}\""));
    }
    if let Some(indicator) = &ctx.facts.security_indicator {
        parts.push(format!("Security indicator: {indicator}"));
    }
    for s in run
        .iter()
        .filter(|s| s.finding == FindingKind::RecentChange)
    {
        parts.push(format!("Recent change: {}", s.reveals));
    }
    for s in run
        .iter()
        .filter(|s| matches!(s.finding, FindingKind::Works | FindingKind::DoesNotWork))
    {
        parts.push(format!("Observed: {}", s.reveals));
    }
    if parts.is_empty() {
        "State the exact error, what changed recently, and what works and what doesn't.".into()
    } else {
        parts.join("\n")
    }
}

fn context(ctx: &NoteContext<'_>) -> String {
    let facts = ctx.facts;
    let patience_text = match facts.patience {
        1 => "very frustrated, chasing",
        2 => "frustrated, has chased",
        3 => "waiting, wants an update",
        _ => "calm",
    };
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
}
