//! `dojo explain`: the engine's verdict for a scenario at a minute, with every reason,
//! as text a trainer reads or JSON a tool reads.

use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::{self, EngineError, Knowledge, Verdict, WindowState};
use crate::policy::Policy;
use crate::scenario::{Expected, Scenario};
use crate::template;

/// Everything `dojo explain` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Scenario id.
    pub scenario: String,
    /// Scenario title (instantiated).
    pub title: String,
    /// Template seed.
    pub seed: u64,
    /// Facts known and what made them so.
    pub knowledge: Knowledge,
    /// The verdict.
    pub verdict: Verdict,
    /// The author's expectation (for the end state).
    pub expected: Expected,
    /// Whether the author's expectation agrees with the engine's end-state verdict.
    pub expectation_agrees: bool,
}

/// Explains a scenario instance at a minute with the given steps run.
pub fn explain(
    scenario: &Scenario,
    seed: u64,
    minute: u32,
    steps_run: &[String],
    policy: &Policy,
) -> Result<Explanation, EngineError> {
    let instance = template::instantiate(scenario, seed);
    let (knowledge, verdict) = engine::verdict_at(&instance, minute, steps_run, policy)?;
    let end = engine::final_verdict(&instance, policy)?;
    Ok(Explanation {
        scenario: instance.id.clone(),
        title: instance.title.clone(),
        seed,
        knowledge,
        verdict,
        expectation_agrees: end.scope_owner == instance.expected.owner,
        expected: instance.expected,
    })
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Renders an explanation as text.
pub fn to_text(e: &Explanation, policy: &Policy) -> String {
    let mut out = String::new();
    let f = &e.knowledge.facts;
    let v = &e.verdict;
    let type_label = policy
        .ticket_type(&f.ticket_type)
        .map(|t| t.label.clone())
        .unwrap_or_default();
    let _ = writeln!(out, "{} — {}", e.scenario, e.title);
    let _ = writeln!(out, "seed {}, at minute {}", e.seed, v.minute);
    let _ = writeln!(out, "\nFacts known at minute {}:", v.minute);
    let _ = writeln!(out, "  ticket type      {} ({type_label})", f.ticket_type);
    let _ = writeln!(
        out,
        "  impact           {} user(s), function {:?}, risk {:?}, VIP {}, deadline {}",
        f.users_affected,
        f.function_criticality,
        f.risk,
        yes_no(f.vip),
        f.deadline_minutes
            .map_or("none".to_string(), |d| format!("{d} min after arrival"))
    );
    let _ = writeln!(out, "  client patience  {}/5", f.patience);
    let _ = writeln!(
        out,
        "  L1 has           tools {}, access {}, runbook {}",
        yes_no(f.tools),
        yes_no(f.access),
        f.runbook.as_deref().unwrap_or("none")
    );
    let _ = writeln!(
        out,
        "  security         {}",
        f.security_indicator.as_deref().unwrap_or("no indicator")
    );
    if !e.knowledge.steps_run.is_empty() {
        let _ = writeln!(
            out,
            "  steps run        {}",
            e.knowledge.steps_run.join(", ")
        );
    }
    if !e.knowledge.fired_events.is_empty() {
        let _ = writeln!(
            out,
            "  events fired     {}",
            e.knowledge.fired_events.join(", ")
        );
    }

    let _ = writeln!(
        out,
        "\nVERDICT: {}  (decided by {:?})",
        v.owner.label().to_uppercase(),
        v.decided_by
    );
    let _ = writeln!(out, "  {}", v.owner_reason);
    if !v.ticket_type.is_empty() && v.ticket_type != f.ticket_type {
        let _ = writeln!(
            out,
            "  (the facts make the `{}` ticket `{}`: a scope rule of the policy)",
            f.ticket_type, v.ticket_type
        );
    }
    if let Some(id) = &v.triage {
        let _ = writeln!(
            out,
            "  (triage checklist {id}: run the minimum checks, then escalate — before the window is on time, at the window it is due)"
        );
    }
    if v.scope_owner != v.owner {
        let _ = writeln!(
            out,
            "  (by technical scope alone: {})",
            v.scope_owner.label()
        );
    }

    let _ = writeln!(out, "\nOwnership window:");
    match &v.window {
        None => {
            let _ = writeln!(out, "  none — security is escalated immediately");
        }
        Some(w) => {
            let state = match w.state {
                WindowState::Open => "open".to_string(),
                WindowState::Half => "50% used".to_string(),
                WindowState::ThreeQuarters => "75% used".to_string(),
                WindowState::Reached => "reached — escalate now (on time)".to_string(),
                WindowState::Overdue { by } => format!("OVERDUE by {by} min"),
            };
            let _ = writeln!(
                out,
                "  {} min window, {} min elapsed, {} min left — {state}",
                w.limit_minutes, w.elapsed_minutes, w.remaining_minutes
            );
            let _ = writeln!(out, "  {}", w.reason);
        }
    }

    let _ = writeln!(out, "\nMinimum L1 checks before escalating:");
    let _ = writeln!(out, "  {}", v.minimum_checks_reason);

    let _ = writeln!(
        out,
        "\nBusiness impact: {:?} impact × {:?} urgency → {:?}",
        v.impact.impact, v.impact.urgency, v.impact.priority
    );
    let _ = writeln!(out, "  {}", v.impact.reason);
    if let Some(sla) = &v.impact.sla {
        let _ = writeln!(
            out,
            "  SLA: respond within {} min, resolve within {} min",
            sla.response_minutes, sla.resolution_minutes
        );
    }
    let _ = writeln!(out, "\nHandling demanded:");
    if v.handling.is_empty() {
        let _ = writeln!(out, "  nothing beyond normal handling");
    }
    for h in &v.handling {
        let _ = writeln!(out, "  - {:?}: {}", h.handling, h.reason);
    }

    let _ = writeln!(out, "\nWhat L1 lacks (review question 3):");
    if v.l1_lacks.is_empty() {
        let _ = writeln!(out, "  nothing — L1 can own this ticket");
    }
    for l in &v.l1_lacks {
        let _ = writeln!(out, "  - {:?}: {}", l.lack, l.reason);
    }
    if !v.evaluation_triggers.is_empty() {
        let _ = writeln!(out, "\nStructured escalation evaluation triggered by:");
        for t in &v.evaluation_triggers {
            let _ = writeln!(out, "  - {t}");
        }
    }
    let _ = writeln!(
        out,
        "\nAuthor expects (end state): {}{} — {}",
        e.expected.owner.label(),
        e.expected
            .fix
            .as_ref()
            .map(|x| format!(" with fix `{x}`"))
            .unwrap_or_default(),
        if e.expectation_agrees {
            "agrees with the engine"
        } else {
            "DISAGREES with the engine"
        }
    );
    let _ = writeln!(out, "  {}", e.expected.rationale);
    out
}
