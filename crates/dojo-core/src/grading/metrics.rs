//! Session metrics, each beside its target from the policy.

use serde::{Deserialize, Serialize};

use crate::grading::ticket::TicketGrade;
use crate::note::NoteElement;
use crate::policy::Policy;
use crate::scenario::Owner;
use crate::sim::session::{DecisionKind, Session, Status};

/// How a metric compares with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// Meets the target.
    Meets,
    /// Misses it.
    Misses,
    /// Informational: no target, or nothing to measure.
    Info,
}

/// One metric with its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Stable key, e.g. `fcr`.
    pub key: String,
    /// Human label.
    pub label: String,
    /// The value (a rate 0–1, minutes, dollars or a count, see `unit`).
    pub value: Option<f64>,
    /// `rate`, `minutes`, `usd`, `count` or `score`.
    pub unit: String,
    /// The target as text.
    pub target: String,
    /// How it compares.
    pub standing: Standing,
    /// The ideal run's value on the same shift, when known.
    pub ideal: Option<f64>,
}

impl Metric {
    /// The value as text.
    pub fn value_text(&self) -> String {
        fmt_value(self.value, &self.unit)
    }

    /// The ideal run's value as text.
    pub fn ideal_text(&self) -> String {
        fmt_value(self.ideal, &self.unit)
    }
}

fn fmt_value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "n/a".into(),
        Some(v) => match unit {
            "rate" => format!("{:.0}%", v * 100.0),
            "minutes" => format!("{v:.1} min"),
            "usd" => format!("${v:.0}"),
            "count" => format!("{v:.0}"),
            _ => format!("{v:.0}"),
        },
    }
}

/// The raw numbers behind the metrics of one session, also computed for the ideal run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionNumbers {
    /// Tickets graded (handed-over ones excluded).
    pub tickets: usize,
    /// Resolved at L1 with no escalation and no reopen.
    pub fcr: usize,
    /// Escalations (first decisions that escalate).
    pub escalated: usize,
    /// Escalations L1 could have resolved.
    pub unnecessary: usize,
    /// Tickets that should have been escalated.
    pub should_escalate: usize,
    /// Of those, resolved at L1.
    pub under_escalated: usize,
    /// Security incidents kept at L1.
    pub security_misses: usize,
    /// Escalations where the KB was consulted first.
    pub escalations_with_kb: usize,
    /// Resolved at L1 with a KB article and no escalation.
    pub kb_deflected: usize,
    /// Minutes from arrival to escalation, summed, and windows summed.
    pub escalate_minutes: u64,
    /// Sum of the windows of those escalations.
    pub escalate_window_minutes: u64,
    /// Escalations with a window.
    pub escalations_with_window: usize,
    /// Went on to L3.
    pub re_escalated: usize,
    /// Minutes from escalation to upstream first action, summed.
    pub first_action_minutes: u64,
    /// Escalations with a first action.
    pub first_actions: usize,
    /// Minutes from arrival to close, summed, over closed tickets.
    pub resolution_minutes: u64,
    /// Closed tickets.
    pub closed: usize,
    /// Modelled cost in USD.
    pub cost_usd: f64,
    /// L2 minutes spent on tickets L1 could have resolved.
    pub l2_wasted_minutes: u64,
}

impl SessionNumbers {
    /// Counts a session's tickets with their grades.
    pub fn of(session: &Session, grades: &[TicketGrade], policy: &Policy) -> Self {
        let mut n = SessionNumbers::default();
        for (t, g) in session.tickets.iter().zip(grades) {
            if !g.counts() || t.status == Status::Pending {
                continue;
            }
            n.tickets += 1;
            let first = t.decisions.first();
            let escalated = first.is_some_and(|d| {
                matches!(
                    d.kind,
                    DecisionKind::Escalated | DecisionKind::EscalatedSecurity
                )
            });
            let resolved = first.is_some_and(|d| matches!(d.kind, DecisionKind::Resolved { .. }));
            if resolved && t.reopened_at.is_empty() {
                n.fcr += 1;
                if g.runbook_used || !t.kb_opened.is_empty() {
                    n.kb_deflected += 1;
                }
            }
            if g.right_call != Owner::ResolveAtL1 {
                n.should_escalate += 1;
                if resolved || first.is_none() {
                    n.under_escalated += usize::from(resolved);
                }
            }
            if g.critical {
                n.security_misses += 1;
            }
            if escalated {
                n.escalated += 1;
                if g.right_call == Owner::ResolveAtL1 && !g.window_escalation {
                    n.unnecessary += 1;
                }
                if g.kb_consulted {
                    n.escalations_with_kb += 1;
                }
                if let Some(d) = first
                    && let Some(w) = &d.verdict.window
                {
                    n.escalate_minutes += u64::from(w.elapsed_minutes);
                    n.escalate_window_minutes += u64::from(w.limit_minutes);
                    n.escalations_with_window += 1;
                }
                if let Some(up) = &t.upstream {
                    n.l2_wasted_minutes += u64::from(up.wasted_minutes);
                    n.first_action_minutes +=
                        u64::from(up.first_action_at.saturating_sub(up.escalated_at));
                    n.first_actions += 1;
                    if up.to_l3 {
                        n.re_escalated += 1;
                    }
                }
                n.cost_usd += policy.costs.l2_ticket_usd;
            } else {
                n.cost_usd += policy.costs.l1_ticket_usd;
            }
            if let Some(closed) = t.closed_at {
                n.resolution_minutes += u64::from(closed.saturating_sub(t.arrives_at));
                n.closed += 1;
            }
        }
        n
    }

    fn rate(a: usize, b: usize) -> Option<f64> {
        (b > 0).then(|| a as f64 / b as f64)
    }

    /// FCR.
    pub fn fcr_rate(&self) -> Option<f64> {
        Self::rate(self.fcr, self.tickets)
    }

    /// Unnecessary escalation rate.
    pub fn unnecessary_rate(&self) -> Option<f64> {
        Self::rate(self.unnecessary, self.escalated)
    }

    /// Under-escalation rate.
    pub fn under_rate(&self) -> Option<f64> {
        Self::rate(self.under_escalated, self.should_escalate)
    }

    /// KB utilization.
    pub fn kb_utilization(&self) -> Option<f64> {
        Self::rate(self.escalations_with_kb, self.escalated)
    }

    /// KB deflection.
    pub fn kb_deflection(&self) -> Option<f64> {
        Self::rate(self.kb_deflected, self.tickets)
    }

    /// Re-escalation rate.
    pub fn re_escalation_rate(&self) -> Option<f64> {
        Self::rate(self.re_escalated, self.escalated)
    }

    /// Mean minutes to escalate.
    pub fn mean_escalate_minutes(&self) -> Option<f64> {
        (self.escalations_with_window > 0)
            .then(|| self.escalate_minutes as f64 / self.escalations_with_window as f64)
    }

    /// Mean window of escalated tickets.
    pub fn mean_window(&self) -> Option<f64> {
        (self.escalations_with_window > 0)
            .then(|| self.escalate_window_minutes as f64 / self.escalations_with_window as f64)
    }

    /// Mean escalation-to-first-action minutes.
    pub fn mean_first_action(&self) -> Option<f64> {
        (self.first_actions > 0)
            .then(|| self.first_action_minutes as f64 / self.first_actions as f64)
    }

    /// MTTR.
    pub fn mttr(&self) -> Option<f64> {
        (self.closed > 0).then(|| self.resolution_minutes as f64 / self.closed as f64)
    }
}

/// Mean note score per element over the session's notes.
pub fn note_element_means(grades: &[TicketGrade]) -> Vec<(NoteElement, Option<f64>)> {
    NoteElement::ALL
        .iter()
        .map(|e| {
            let scores: Vec<u32> = grades
                .iter()
                .filter_map(|g| g.note.as_ref())
                .map(|n| n.element(*e).score)
                .collect();
            let mean = (!scores.is_empty())
                .then(|| f64::from(scores.iter().sum::<u32>()) / scores.len() as f64);
            (*e, mean)
        })
        .collect()
}

/// The metrics table.
pub fn metrics(
    numbers: &SessionNumbers,
    ideal: Option<&SessionNumbers>,
    grades: &[TicketGrade],
    policy: &Policy,
) -> Vec<Metric> {
    let t = &policy.targets;
    let standing = |ok: Option<bool>| match ok {
        Some(true) => Standing::Meets,
        Some(false) => Standing::Misses,
        None => Standing::Info,
    };
    let metric = |key: &str,
                  label: &str,
                  value: Option<f64>,
                  unit: &str,
                  target: String,
                  ok: Option<bool>,
                  ideal_value: Option<f64>| Metric {
        key: key.into(),
        label: label.into(),
        value,
        unit: unit.into(),
        target,
        standing: standing(ok),
        ideal: ideal_value,
    };
    let fcr = numbers.fcr_rate();
    let unnecessary = numbers.unnecessary_rate();
    let under = numbers.under_rate();
    let utilization = numbers.kb_utilization();
    let deflection = numbers.kb_deflection();
    let re = numbers.re_escalation_rate();
    let mut out = vec![
        metric(
            "fcr",
            "L1 first-contact resolution",
            fcr,
            "rate",
            format!(
                "{:.0}–{:.0}% (below {:.0}% needs attention)",
                t.fcr_min * 100.0,
                t.fcr_high * 100.0,
                t.fcr_attention_below * 100.0
            ),
            fcr.map(|v| v >= t.fcr_min),
            ideal.and_then(SessionNumbers::fcr_rate),
        ),
        metric(
            "unnecessary_escalation",
            "Unnecessary escalation rate",
            unnecessary,
            "rate",
            format!("below {:.0}%", t.unnecessary_escalation_rate_max * 100.0),
            unnecessary.map(|v| v < t.unnecessary_escalation_rate_max),
            ideal.and_then(SessionNumbers::unnecessary_rate),
        ),
        metric(
            "under_escalation",
            "Under-escalation rate",
            under,
            "rate",
            "0%".into(),
            under.map(|v| v == 0.0),
            ideal.and_then(SessionNumbers::under_rate),
        ),
        metric(
            "security_misses",
            "Security incidents kept at L1",
            Some(numbers.security_misses as f64),
            "count",
            "0".into(),
            Some(numbers.security_misses == 0),
            ideal.map(|i| i.security_misses as f64),
        ),
        metric(
            "kb_utilization",
            "KB utilization (escalations with the KB consulted first)",
            utilization,
            "rate",
            "as high as possible".into(),
            None,
            ideal.and_then(SessionNumbers::kb_utilization),
        ),
        metric(
            "kb_deflection",
            "KB deflection (resolved at L1 with a KB article)",
            deflection,
            "rate",
            format!("at least {:.0}%", t.kb_deflection_min * 100.0),
            deflection.map(|v| v >= t.kb_deflection_min),
            ideal.and_then(SessionNumbers::kb_deflection),
        ),
        metric(
            "time_to_escalate",
            "Mean time to escalate",
            numbers.mean_escalate_minutes(),
            "minutes",
            numbers
                .mean_window()
                .map_or("within the window".into(), |w| {
                    format!("within the window (mean {w:.1} min)")
                }),
            numbers
                .mean_escalate_minutes()
                .zip(numbers.mean_window())
                .map(|(m, w)| m <= w),
            ideal.and_then(SessionNumbers::mean_escalate_minutes),
        ),
        metric(
            "re_escalation",
            "Re-escalation rate (L2 → L3)",
            re,
            "rate",
            format!("below {:.0}%", t.re_escalation_rate_max * 100.0),
            re.map(|v| v < t.re_escalation_rate_max),
            ideal.and_then(SessionNumbers::re_escalation_rate),
        ),
        metric(
            "first_action",
            "Escalation to L2 first action",
            numbers.mean_first_action(),
            "minutes",
            "as short as possible".into(),
            None,
            ideal.and_then(SessionNumbers::mean_first_action),
        ),
        metric(
            "l2_wasted",
            "L2 minutes spent on work L1 could own",
            Some(numbers.l2_wasted_minutes as f64),
            "minutes",
            "0".into(),
            Some(numbers.l2_wasted_minutes == 0),
            ideal.map(|i| i.l2_wasted_minutes as f64),
        ),
        metric(
            "mttr",
            "MTTR",
            numbers.mttr(),
            "minutes",
            "the ideal run's".into(),
            numbers
                .mttr()
                .zip(ideal.and_then(SessionNumbers::mttr))
                .map(|(m, i)| m <= i * 1.1),
            ideal.and_then(SessionNumbers::mttr),
        ),
        metric(
            "cost",
            "Modelled cost of the session",
            Some(numbers.cost_usd),
            "usd",
            format!(
                "the ideal run's (L1 ${:.0}, L2 ${:.0} a ticket)",
                policy.costs.l1_ticket_usd, policy.costs.l2_ticket_usd
            ),
            ideal.map(|i| numbers.cost_usd <= i.cost_usd + 0.5),
            ideal.map(|i| i.cost_usd),
        ),
    ];
    for (element, mean) in note_element_means(grades) {
        out.push(metric(
            &format!("note_{element:?}").to_lowercase(),
            &format!("Note: {}", element.label()),
            mean,
            "score",
            "90+".into(),
            mean.map(|m| m >= 90.0),
            None,
        ));
    }
    out
}
