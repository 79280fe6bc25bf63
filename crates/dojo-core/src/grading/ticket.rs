//! Per-ticket grades: ownership, timing, resolution, business impact, the note, and the
//! security auto-fail. Every deduction states the rule, what the trainee did and when.

use serde::{Deserialize, Serialize};

use crate::engine::{Handling, Verdict};
use crate::grading::GradingPolicy;
use crate::note::NoteScore;
use crate::policy::{Policy, Priority};
use crate::scenario::Owner;
use crate::sim::session::{Decision, DecisionKind, Session, Status, Ticket};

/// A graded part of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Component {
    /// The right call among resolve / escalate / security.
    Ownership,
    /// Premature, on time, overdue; security within minutes of the indicator.
    Timing,
    /// The right fix, the runbook used, no reopen.
    Resolution,
    /// Required handling done; impact estimate.
    BusinessImpact,
    /// The escalation note.
    Note,
}

impl Component {
    /// All components, in order.
    pub const ALL: [Component; 5] = [
        Component::Ownership,
        Component::Timing,
        Component::Resolution,
        Component::BusinessImpact,
        Component::Note,
    ];

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Component::Ownership => "Ownership",
            Component::Timing => "Timing",
            Component::Resolution => "Resolution",
            Component::BusinessImpact => "Business impact",
            Component::Note => "Escalation note",
        }
    }
}

/// One deduction: the rule, what the trainee did, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    /// The component it counts against.
    pub component: Component,
    /// Points lost within the component (0–100).
    pub points: u32,
    /// The framework rule.
    pub rule: String,
    /// What the trainee did.
    pub what_you_did: String,
    /// Sim minute of the shift it refers to.
    pub minute: Option<u32>,
}

/// The timing verdict of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timing {
    /// Before the minimum checks.
    Premature,
    /// Within the window (or, for security, within the grace minutes).
    OnTime,
    /// Past the window by this many minutes.
    Overdue(u32),
    /// Security escalated this many minutes after the indicator, past the grace.
    SecurityLate(u32),
    /// No decision.
    None,
}

impl Timing {
    /// As a trainee reads it.
    pub fn label(&self) -> String {
        match self {
            Timing::Premature => "premature".into(),
            Timing::OnTime => "on time".into(),
            Timing::Overdue(by) => format!("overdue by {by} min"),
            Timing::SecurityLate(by) => format!("security escalation {by} min after the indicator"),
            Timing::None => "no decision".into(),
        }
    }
}

/// A component's score with whether it applies to this ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentScore {
    /// The component.
    pub component: Component,
    /// 0–100.
    pub score: u32,
    /// False when it does not apply (no note for a resolution, for example).
    pub applies: bool,
}

/// The grade of one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketGrade {
    /// Ticket number.
    pub number: u32,
    /// Scenario id.
    pub scenario: String,
    /// Ticket type at the decision.
    pub ticket_type: String,
    /// Title.
    pub title: String,
    /// The trainee's call (first decision), if any.
    pub call: Option<Owner>,
    /// Shift minute of the call.
    pub decided_at: Option<u32>,
    /// What the framework called right at that minute (technical scope and security).
    pub right_call: Owner,
    /// The engine's verdict at the decision (or at the shift's end).
    pub verdict: Verdict,
    /// Timing.
    pub timing: Timing,
    /// Per component.
    pub components: Vec<ComponentScore>,
    /// 0–100; 0 on an auto-fail.
    pub score: u32,
    /// A security incident kept at L1.
    pub critical: bool,
    /// Left open at the shift's end with its window not yet run out: not graded.
    pub handed_over: bool,
    /// Never reached: it had not arrived, or had arrived and was never opened, when the
    /// trainee ended the shift early (outside competitions). Not graded, not stored as a
    /// ticket row, listed as "not reached".
    #[serde(default)]
    pub not_reached: bool,
    /// Every deduction.
    pub deductions: Vec<Deduction>,
    /// What went right.
    pub strengths: Vec<String>,
    /// The first escalation note's score.
    pub note: Option<NoteScore>,
    /// An L1 ticket escalated because its window was reached (not an over-escalation).
    pub window_escalation: bool,
    /// The ticket went back to L1 (note bounced) or on to L3.
    pub bounced: bool,
    /// It went on to L3.
    pub re_escalated: bool,
    /// It reopened after a resolution.
    pub reopened: bool,
    /// KB consulted (searched or an article opened) before the first decision.
    pub kb_consulted: bool,
    /// The runbook article was opened before resolving.
    pub runbook_used: bool,
}

impl TicketGrade {
    /// The score of a component, if it applies.
    pub fn component(&self, c: Component) -> Option<u32> {
        self.components
            .iter()
            .find(|x| x.component == c && x.applies)
            .map(|x| x.score)
    }
}

fn call_of(kind: &DecisionKind) -> Owner {
    match kind {
        DecisionKind::Resolved { .. } => Owner::ResolveAtL1,
        DecisionKind::Escalated => Owner::EscalateToL2,
        DecisionKind::EscalatedSecurity => Owner::EscalateSecurity,
    }
}

fn owner_phrase(o: Owner) -> &'static str {
    match o {
        Owner::ResolveAtL1 => "resolved it at L1",
        Owner::EscalateToL2 => "escalated it to L2",
        Owner::EscalateSecurity => "escalated it as a security incident",
    }
}

fn priority_distance(a: Priority, b: Priority) -> u32 {
    (a as i32 - b as i32).unsigned_abs()
}

/// Grades one ticket at the end of a session (`end` is the shift's last minute).
pub fn grade_ticket(t: &Ticket, end: u32, policy: &Policy, rules: &GradingPolicy) -> TicketGrade {
    let first = t.decisions.first();
    let mut deductions = Vec::new();
    let mut strengths = Vec::new();
    let verdict = match first {
        Some(d) => d.verdict.clone(),
        None => t
            .verdict(end.max(t.arrives_at), policy)
            .unwrap_or_else(|| unreachable_verdict(t, policy)),
    };
    let right = verdict.scope_owner;
    let call = first.map(|d| call_of(&d.kind));
    let kb_consulted = first.is_some_and(|d| {
        t.kb_searches.iter().any(|(m, _, _)| *m <= d.at)
            || t.kb_opened.iter().any(|(_, m)| *m <= d.at)
    });

    // Security: the indicator's visibility and the first security escalation.
    let security_escalation = t
        .decisions
        .iter()
        .find(|d| matches!(d.kind, DecisionKind::EscalatedSecurity));
    let indicator_at = t.security_visible_at;
    let kept_at_l1 = kept_at_l1(t, indicator_at, security_escalation);
    let critical = kept_at_l1;

    // Not decided by the end of the shift.
    let handed_over = first.is_none()
        && !critical
        && verdict
            .window
            .as_ref()
            .is_none_or(|w| w.elapsed_minutes < w.limit_minutes);

    let mut scores: Vec<ComponentScore> = Vec::new();
    let mut push = |component, score: f64, applies: bool| {
        scores.push(ComponentScore {
            component,
            score: score.clamp(0.0, 100.0).round() as u32,
            applies,
        });
    };

    // Ownership.
    // Escalating an L1 ticket because its window was reached is what the window rule
    // demands: right, and judged on timing instead.
    let window_escalation = first.is_some_and(|d| {
        matches!(d.kind, DecisionKind::Escalated)
            && d.verdict.decided_by == crate::engine::Dimension::TimeWindow
    });
    let ownership = grade_ownership(
        call,
        first,
        right,
        window_escalation,
        handed_over,
        &verdict,
        end,
        rules,
        &mut deductions,
        &mut strengths,
    );
    push(Component::Ownership, ownership, !handed_over);

    // Timing.
    let (timing, timing_score) = grade_timing(
        t,
        first,
        right,
        &verdict,
        indicator_at,
        security_escalation,
        end,
        rules,
        &mut deductions,
        &mut strengths,
    );
    push(Component::Timing, timing_score, !handed_over);

    // Resolution (for resolutions at L1).
    let resolved = matches!(first.map(|d| &d.kind), Some(DecisionKind::Resolved { .. }));
    let runbook_id = t
        .scenario
        .l1_has
        .runbook
        .clone()
        .or_else(|| t.facts.runbook.clone());
    let runbook_used = match (&runbook_id, first) {
        (Some(id), Some(d)) => t.kb_opened.iter().any(|(a, m)| a == id && *m <= d.at),
        _ => false,
    };
    let resolution = if resolved && let Some(d) = first {
        grade_resolution(
            t,
            d,
            runbook_id.as_deref(),
            runbook_used,
            rules,
            &mut deductions,
            &mut strengths,
        )
    } else {
        100.0
    };
    push(Component::Resolution, resolution, resolved && !handed_over);

    // Business impact.
    // A ticket never opened is judged on ownership and timing alone.
    let (impact_score, impact_applies) = if t.first_opened_at.is_some() {
        grade_impact(
            t,
            first,
            &verdict,
            end,
            rules,
            &mut deductions,
            &mut strengths,
        )
    } else {
        (0.0, false)
    };
    push(
        Component::BusinessImpact,
        impact_score,
        impact_applies && !handed_over,
    );

    // The note (first escalation with a note).
    let note = grade_note(t, policy, &mut deductions, &mut strengths);
    push(
        Component::Note,
        note.as_ref().map_or(0.0, |n| f64::from(n.total)),
        note.is_some() && !handed_over,
    );

    let mut score = weighted_score(&scores, rules);
    if critical {
        score = 0;
        deductions.insert(
            0,
            Deduction {
                component: Component::Ownership,
                points: 100,
                rule: "Auto-fail: a security incident kept at L1 scores 0, whatever else went well.".into(),
                what_you_did: match indicator_at {
                    Some(m) => format!(
                        "The security indicator was visible from minute {m} and the ticket was never escalated as a security incident."
                    ),
                    None => "The ticket was kept at L1.".into(),
                },
                minute: indicator_at,
            },
        );
    }

    TicketGrade {
        window_escalation,
        number: t.number,
        scenario: t.scenario.id.clone(),
        ticket_type: t.facts.ticket_type.clone(),
        title: t.scenario.title.clone(),
        call,
        decided_at: first.map(|d| d.at),
        right_call: right,
        verdict,
        timing,
        components: scores,
        score,
        critical,
        handed_over,
        not_reached: false,
        deductions,
        strengths,
        note,
        bounced: t.bounces > 0,
        re_escalated: t.upstream.as_ref().is_some_and(|u| u.to_l3),
        reopened: !t.reopened_at.is_empty(),
        kb_consulted,
        runbook_used,
    }
}

/// The right call: the ownership component (0–100).
#[allow(clippy::too_many_arguments)]
fn grade_ownership(
    call: Option<Owner>,
    first: Option<&Decision>,
    right: Owner,
    window_escalation: bool,
    handed_over: bool,
    verdict: &Verdict,
    end: u32,
    rules: &GradingPolicy,
    deductions: &mut Vec<Deduction>,
    strengths: &mut Vec<String>,
) -> f64 {
    // Escalating an L1 ticket because its window was reached is what the window rule
    // demands: right, and judged on timing instead.
    match (call, first) {
        (Some(Owner::EscalateToL2), Some(d)) if window_escalation => {
            strengths.push(format!(
                "Escalated when the {}-minute window was reached, as the window rule demands.",
                d.verdict.window.as_ref().map_or(0, |w| w.limit_minutes)
            ));
            100.0
        }
        (Some(c), Some(d)) if c == right => {
            // A call the window had already overruled (an L1 resolution past it) is the
            // right owner by scope, never "right" by quoting the rule it broke.
            let past_window = d.verdict.decided_by == crate::engine::Dimension::TimeWindow
                && d.verdict.owner != c;
            strengths.push(match d.verdict.window.as_ref() {
                Some(w) if past_window => format!(
                    "Right owner by scope: {} — but by minute {} the {}-minute window had passed, and the window rule wanted it escalated when it was reached (see timing).",
                    owner_phrase(c),
                    d.at,
                    w.limit_minutes
                ),
                _ => format!(
                    "Right call: {} ({}).",
                    owner_phrase(c),
                    short_rule(&d.verdict.owner_reason)
                ),
            });
            100.0
        }
        (Some(Owner::EscalateToL2), Some(d)) if right == Owner::EscalateSecurity => {
            deductions.push(Deduction {
                component: Component::Ownership,
                points: 100 - rules.security_as_ordinary_ownership,
                rule: "Security-adjacent issues are escalated immediately as security incidents, not queued as ordinary L2 work.".into(),
                what_you_did: "You escalated it as an ordinary L2 ticket.".into(),
                minute: Some(d.at),
            });
            f64::from(rules.security_as_ordinary_ownership)
        }
        (Some(c), Some(d)) => {
            deductions.push(Deduction {
                component: Component::Ownership,
                points: 100,
                rule: d.verdict.owner_reason.clone(),
                what_you_did: format!(
                    "You {} at minute {}; the framework says {}.",
                    owner_phrase(c),
                    d.at,
                    right.label()
                ),
                minute: Some(d.at),
            });
            0.0
        }
        _ => {
            if !handed_over {
                deductions.push(Deduction {
                    component: Component::Ownership,
                    points: 100,
                    rule: verdict.owner_reason.clone(),
                    what_you_did: "No decision was made on this ticket before the shift ended."
                        .into(),
                    minute: Some(end),
                });
            }
            0.0
        }
    }
}

/// A resolution at L1: the cure applied, the runbook followed, no reopen.
fn grade_resolution(
    t: &Ticket,
    d: &Decision,
    runbook_id: Option<&str>,
    runbook_used: bool,
    rules: &GradingPolicy,
    deductions: &mut Vec<Deduction>,
    strengths: &mut Vec<String>,
) -> f64 {
    let mut resolution = 100.0;
    {
        if let DecisionKind::Resolved { fixed, fix } = &d.kind {
            if *fixed {
                strengths.push(format!(
                    "Applied the fix that cures the cause ({}).",
                    fix.as_deref().unwrap_or("")
                ));
            } else {
                resolution -= f64::from(rules.wrong_fix_points);
                deductions.push(Deduction {
                    component: Component::Resolution,
                    points: rules.wrong_fix_points,
                    rule: "A ticket is resolved when its cause is fixed; otherwise it comes back."
                        .into(),
                    what_you_did: match fix {
                        Some(f) => {
                            format!("You closed it after `{f}`, which does not cure the cause.")
                        }
                        None => "You closed it without applying any fix.".into(),
                    },
                    minute: Some(d.at),
                });
            }
        }
        if runbook_id.is_some() && !runbook_used {
            resolution -= f64::from(rules.runbook_unused_points);
            deductions.push(Deduction {
                component: Component::Resolution,
                points: rules.runbook_unused_points,
                rule: format!(
                    "Where a runbook exists ({}), L1 follows it: the KB is the highest-leverage fix.",
                    runbook_id.unwrap_or("")
                ),
                what_you_did: "You resolved it without opening the runbook.".into(),
                minute: Some(d.at),
            });
        } else if runbook_used {
            strengths.push("Followed the documented runbook.".into());
        }
        if let Some(reopen) = t.reopened_at.first() {
            resolution -= f64::from(rules.reopen_points);
            deductions.push(Deduction {
                component: Component::Resolution,
                points: rules.reopen_points,
                rule: "A resolution sticks: a reopened ticket costs the client twice.".into(),
                what_you_did: format!("The ticket reopened at minute {reopen}."),
                minute: Some(*reopen),
            });
        }
    }
    resolution
}

/// The first escalation's note, scored at its decision, with a deduction per problem.
fn grade_note(
    t: &Ticket,
    policy: &Policy,
    deductions: &mut Vec<Deduction>,
    strengths: &mut Vec<String>,
) -> Option<NoteScore> {
    let noted = t.decisions.iter().find(|d| d.note.is_some());
    let note = noted.and_then(|d| d.note_feedback(t, policy));
    if let (Some(n), Some(d)) = (&note, noted) {
        for e in &n.elements {
            for p in &e.problems {
                deductions.push(Deduction {
                    component: Component::Note,
                    points: 100 - e.score.min(100),
                    rule: format!("Escalation-note standard — {}.", e.element.label()),
                    what_you_did: p.clone(),
                    minute: Some(d.at),
                });
            }
        }
        if n.total >= 90 {
            strengths.push(
                "A complete, specific escalation note: L2 can start without re-discovery.".into(),
            );
        }
    }
    note
}

/// A security incident kept at L1: the indicator was visible and it was never escalated
/// as security (nor reached security through an ordinary escalation).
fn kept_at_l1(
    t: &Ticket,
    indicator_at: Option<u32>,
    security_escalation: Option<&Decision>,
) -> bool {
    indicator_at.is_some()
        && (t.status.open_at_l1()
            || matches!(t.status, crate::sim::session::Status::ResolvedAtL1)
            || t.decisions.iter().any(|d| {
                matches!(d.kind, DecisionKind::Resolved { .. })
                    && d.verdict.scope_owner == Owner::EscalateSecurity
            }))
        && security_escalation.is_none()
        && !t.decisions.iter().any(|d| {
            matches!(d.kind, DecisionKind::Escalated)
                && d.verdict.scope_owner == Owner::EscalateSecurity
        })
}

/// The components' mean under the policy's weights, over the components that apply.
fn weighted_score(scores: &[ComponentScore], rules: &GradingPolicy) -> u32 {
    let weight = |c: Component| f64::from(rules.weights.of(c));
    let (sum, total_weight) = scores
        .iter()
        .filter(|s| s.applies)
        .fold((0.0, 0.0), |(s, w), c| {
            (
                s + f64::from(c.score) * weight(c.component),
                w + weight(c.component),
            )
        });
    if total_weight > 0.0 {
        (sum / total_weight).round() as u32
    } else {
        0
    }
}

fn short_rule(reason: &str) -> String {
    reason
        .split_once(": ")
        .map_or(reason, |(_, rest)| rest)
        .trim_end_matches('.')
        .to_string()
}

fn unreachable_verdict(t: &Ticket, policy: &Policy) -> Verdict {
    // Tickets come from a validated pack: the verdict always exists. Fall back to the
    // arrival facts judged at arrival, which also exists for a validated pack.
    crate::engine::evaluate(
        &t.scenario,
        &crate::engine::Facts::at_arrival(&t.scenario),
        0,
        policy,
    )
    .expect("a validated pack's ticket types are in the policy")
}

#[allow(clippy::too_many_arguments)]
fn grade_timing(
    t: &Ticket,
    first: Option<&Decision>,
    right: Owner,
    verdict: &Verdict,
    indicator_at: Option<u32>,
    security_escalation: Option<&Decision>,
    end: u32,
    rules: &GradingPolicy,
    deductions: &mut Vec<Deduction>,
    strengths: &mut Vec<String>,
) -> (Timing, f64) {
    if right == Owner::EscalateSecurity || indicator_at.is_some() && security_escalation.is_some() {
        let visible = indicator_at.unwrap_or(t.arrives_at);
        return match security_escalation {
            Some(d) => {
                let after = d.at.saturating_sub(visible);
                if after <= rules.security_escalation_minutes {
                    strengths.push(format!(
                        "Escalated as a security incident {after} min after the indicator appeared (limit {}).",
                        rules.security_escalation_minutes
                    ));
                    (Timing::OnTime, 100.0)
                } else {
                    let late = after - rules.security_escalation_minutes;
                    let points = (late * rules.security_late_points_per_minute).min(100);
                    deductions.push(Deduction {
                        component: Component::Timing,
                        points,
                        rule: format!(
                            "Security-adjacent issues are escalated immediately: within {} sim minutes of the indicator.",
                            rules.security_escalation_minutes
                        ),
                        what_you_did: format!(
                            "The indicator was visible at minute {visible}; you escalated as security at minute {} ({after} min later).",
                            d.at
                        ),
                        minute: Some(d.at),
                    });
                    (Timing::SecurityLate(after), f64::from(100 - points))
                }
            }
            None => {
                deductions.push(Deduction {
                    component: Component::Timing,
                    points: 100,
                    rule: "Security-adjacent issues are escalated immediately, with no L1 window."
                        .into(),
                    what_you_did: match first {
                        Some(d) => format!(
                            "You {} at minute {} instead.",
                            owner_phrase(call_of(&d.kind)),
                            d.at
                        ),
                        None => "It was never escalated.".into(),
                    },
                    minute: first.map(|d| d.at).or(Some(end)),
                });
                (Timing::None, 0.0)
            }
        };
    }
    let Some(d) = first else {
        let window = verdict.window.as_ref();
        return match window {
            Some(w) if w.elapsed_minutes >= w.limit_minutes => {
                let over = w.elapsed_minutes - w.limit_minutes;
                deductions.push(Deduction {
                    component: Component::Timing,
                    points: 100,
                    rule: w.reason.clone(),
                    what_you_did: format!(
                        "No decision by the shift's end, {over} min past the window."
                    ),
                    minute: Some(end),
                });
                (Timing::Overdue(over), 0.0)
            }
            _ => (Timing::None, 100.0),
        };
    };
    let mut score = 100.0;
    let mut timing = Timing::OnTime;
    let escalating = matches!(
        d.kind,
        DecisionKind::Escalated | DecisionKind::EscalatedSecurity
    );
    if escalating {
        let missing: Vec<&str> = d
            .verdict
            .minimum_checks
            .iter()
            .filter(|c| !t.steps_run.contains(c) || !ran_before(t, c, d.at))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            timing = Timing::Premature;
            score -= f64::from(rules.premature_points);
            let labels: Vec<String> = missing
                .iter()
                .map(|id| {
                    t.scenario
                        .step(id)
                        .map_or((*id).to_string(), |s| format!("`{}`", s.label))
                })
                .collect();
            deductions.push(Deduction {
                component: Component::Timing,
                points: rules.premature_points,
                rule: d.verdict.minimum_checks_reason.clone(),
                what_you_did: format!(
                    "You escalated at minute {} before {}.",
                    d.at,
                    labels.join(", ")
                ),
                minute: Some(d.at),
            });
        }
    }
    if let Some(w) = &d.verdict.window
        && w.elapsed_minutes > w.limit_minutes
    {
        let over = w.elapsed_minutes - w.limit_minutes;
        timing = Timing::Overdue(over);
        let points = (over * rules.overdue_points_per_minute).min(100);
        score -= f64::from(points);
        deductions.push(Deduction {
            component: Component::Timing,
            points,
            rule: format!(
                "The L1 window for {} is {} min, regardless of progress: at the window, escalate.",
                t.facts.ticket_type, w.limit_minutes
            ),
            what_you_did: format!(
                "You {} at minute {} of the ticket, {over} min past the window.",
                owner_phrase(call_of(&d.kind)),
                w.elapsed_minutes
            ),
            minute: Some(d.at),
        });
    } else if timing == Timing::OnTime
        && let Some(w) = &d.verdict.window
    {
        strengths.push(format!(
            "Decided at minute {} of a {}-minute window.",
            w.elapsed_minutes, w.limit_minutes
        ));
    }
    (timing, score)
}

fn ran_before(t: &Ticket, step: &str, minute: u32) -> bool {
    t.findings.iter().any(|f| f.step == step && f.at <= minute)
}

fn grade_impact(
    t: &Ticket,
    first: Option<&Decision>,
    verdict: &Verdict,
    end: u32,
    rules: &GradingPolicy,
    deductions: &mut Vec<Deduction>,
    strengths: &mut Vec<String>,
) -> (f64, bool) {
    let by = first.map_or(end, |d| d.at);
    let security_at = t
        .decisions
        .iter()
        .find(|d| matches!(d.kind, DecisionKind::EscalatedSecurity))
        .map(|d| d.at);
    let mut parts: Vec<f64> = Vec::new();
    for demand in &verdict.handling {
        let done_at = match demand.handling {
            Handling::ProactiveUpdate => t.client_updates.first().copied(),
            // Escalating as a security incident hands the ticket to the security team:
            // that is the senior ownership and the parallel response the priority asks for.
            Handling::SeniorOwnership => t.senior_notified_at.or(security_at),
            Handling::ParallelEscalation => t.parallel_escalation_at.or(security_at),
        };
        let label = match demand.handling {
            Handling::ProactiveUpdate => "proactive client update",
            Handling::SeniorOwnership => "senior ownership",
            Handling::ParallelEscalation => "parallel escalation",
        };
        match done_at {
            Some(m) if m <= by => {
                parts.push(1.0);
                strengths.push(format!("Business impact handled: {label} at minute {m}."));
            }
            _ => {
                parts.push(0.0);
                deductions.push(Deduction {
                    component: Component::BusinessImpact,
                    points: 0,
                    rule: demand.reason.clone(),
                    what_you_did: format!("No {label} before the decision."),
                    minute: Some(by),
                });
            }
        }
    }
    let engine_priority = verdict.impact.priority;
    match t.impact_estimate {
        Some((p, m)) => {
            let distance = priority_distance(p, engine_priority);
            let part = match distance {
                0 => 1.0,
                1 => 0.5,
                _ => 0.0,
            };
            parts.push(part);
            if distance > 0 {
                deductions.push(Deduction {
                    component: Component::BusinessImpact,
                    points: 0,
                    rule: verdict.impact.reason.clone(),
                    what_you_did: format!(
                        "You estimated {p:?}; the framework's assessment is {engine_priority:?}."
                    ),
                    minute: Some(m),
                });
            }
        }
        None if rules.impact_estimate_required => {
            parts.push(0.0);
            deductions.push(Deduction {
                component: Component::BusinessImpact,
                points: 0,
                rule: "Every ticket gets a rapid impact assessment: users, function, risk.".into(),
                what_you_did: "No impact estimate was recorded.".into(),
                minute: Some(by),
            });
        }
        None => {}
    }
    if parts.is_empty() {
        return (100.0, false);
    }
    let score = 100.0 * parts.iter().sum::<f64>() / parts.len() as f64;
    // Spread the component's lost points over its deductions.
    let lost = (100.0 - score).round() as u32;
    let count = deductions
        .iter()
        .filter(|d| d.component == Component::BusinessImpact && d.points == 0)
        .count() as u32;
    for d in deductions
        .iter_mut()
        .filter(|d| d.component == Component::BusinessImpact && d.points == 0)
    {
        d.points = lost / count.max(1);
    }
    (score, true)
}

impl TicketGrade {
    /// True when the ticket counts in the session's score, metrics and coaching.
    pub fn counts(&self) -> bool {
        !self.handed_over && !self.not_reached
    }

    /// The grade of a ticket never reached: nothing applies, nothing is deducted.
    fn unreached(mut self) -> TicketGrade {
        self.not_reached = true;
        self.critical = false;
        self.score = 0;
        self.deductions.clear();
        self.strengths.clear();
        for c in &mut self.components {
            c.applies = false;
        }
        self
    }
}

/// Whether a ticket was reached: it arrived, and — when the trainee ended the shift
/// early — it was opened. (A competition cannot be ended early: every ticket counts.)
pub fn reached(session: &Session, t: &Ticket) -> bool {
    match t.status {
        Status::Pending => false,
        Status::Queued => session.ended_early_at.is_none(),
        _ => true,
    }
}

/// A ticket's grade in its session: `not_reached` when it was never reached.
pub fn grade_in_session(
    session: &Session,
    t: &Ticket,
    end: u32,
    policy: &Policy,
    rules: &GradingPolicy,
) -> TicketGrade {
    let g = grade_ticket(t, end, policy, rules);
    if reached(session, t) {
        g
    } else {
        g.unreached()
    }
}
