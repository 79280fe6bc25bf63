//! Coaching feedback: the escalation review's three questions per ticket, a model note,
//! and for the session strengths, weaknesses, flagged patterns with their evidence and
//! recommended drills. The tone is learning, not punishment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::Lack;
use crate::grading::GradingPolicy;
use crate::grading::metrics::SessionNumbers;
use crate::grading::ticket::{Component, TicketGrade, Timing};
use crate::note::{self, EscalationNote, NoteContext};
use crate::pack::Pack;
use crate::policy::Policy;
use crate::scenario::Owner;
use crate::sim::session::Ticket;

/// The escalation review's three questions, answered for one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Ticket number.
    pub number: u32,
    /// 1. Should this have been escalated at all?
    pub should_escalate: String,
    /// 2. If yes, was it escalated at the right time?
    pub timing: String,
    /// 3. What would L1 need — knowledge, access or tooling — next time?
    pub l1_needs: String,
    /// A model note built from the trainee's own findings plus the truth.
    pub model_note: Option<EscalationNote>,
}

/// A flagged pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Flag {
    /// Escalates tickets L1 owns.
    OverEscalates,
    /// Keeps tickets at L1 that belong at L2.
    UnderEscalates,
    /// Keeps or delays security incidents.
    MissesSecurity,
    /// Decides past the ownership window.
    LateEscalations,
    /// Escalates before the minimum checks.
    PrematureEscalations,
    /// Notes full of vague phrases.
    VagueNotes,
    /// Notes claiming steps never run.
    FabricatedSteps,
    /// Notes missing an element (see the evidence for which).
    NotesLackElement,
    /// Resolves without the runbook / escalates without the KB.
    IgnoresKb,
    /// Skips the handling high impact demands.
    MissesBusinessImpact,
}

impl Flag {
    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Flag::OverEscalates => "Over-escalates",
            Flag::UnderEscalates => "Under-escalates",
            Flag::MissesSecurity => "Misses security incidents",
            Flag::LateEscalations => "Late: decides past the ownership window",
            Flag::PrematureEscalations => "Escalates before the minimum checks",
            Flag::VagueNotes => "Vague escalation notes",
            Flag::FabricatedSteps => "Notes claim steps that were never run",
            Flag::NotesLackElement => "Notes leave out an element",
            Flag::IgnoresKb => "Works without the KB",
            Flag::MissesBusinessImpact => "Misses business-impact handling",
        }
    }
}

/// A flag with its evidence and what to drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlaggedPattern {
    /// The pattern.
    pub flag: Flag,
    /// Ticket types concerned, if the pattern is type-specific.
    pub ticket_types: Vec<String>,
    /// Evidence: one line per ticket (number, minute, what happened).
    pub evidence: Vec<String>,
    /// What to practise, in a learning tone.
    pub advice: String,
    /// Scenario ids to drill.
    pub drill_scenarios: Vec<String>,
    /// Tags to drill.
    pub drill_tags: Vec<String>,
}

/// The session's coaching summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coaching {
    /// What went well.
    pub strengths: Vec<String>,
    /// What to work on.
    pub weaknesses: Vec<String>,
    /// Flagged patterns.
    pub flags: Vec<FlaggedPattern>,
    /// Per escalated or should-have-been-escalated ticket.
    pub reviews: Vec<Review>,
}

/// The review of one ticket, if it was escalated or should have been.
pub fn review(t: &Ticket, g: &TicketGrade, policy: &Policy) -> Option<Review> {
    let escalated = matches!(g.call, Some(Owner::EscalateToL2 | Owner::EscalateSecurity));
    if !g.counts() || (!escalated && g.right_call == Owner::ResolveAtL1) {
        return None;
    }
    let v = &g.verdict;
    let should_escalate = match (g.right_call, g.call) {
        (Owner::ResolveAtL1, _) => format!(
            "No. {} It was L1 work: next time, follow the runbook and resolve it.",
            v.owner_reason
        ),
        (Owner::EscalateSecurity, Some(Owner::EscalateSecurity)) => {
            format!(
                "Yes, immediately as a security incident — and it was. {}",
                v.owner_reason
            )
        }
        (Owner::EscalateSecurity, _) => format!(
            "Yes, immediately as a security incident. {} Keeping it at L1 widens the exposure.",
            v.owner_reason
        ),
        (_, Some(Owner::ResolveAtL1)) => {
            format!("Yes. {} It was resolved at L1 instead.", v.owner_reason)
        }
        _ => format!("Yes. {}", v.owner_reason),
    };
    let timing = match g.timing {
        Timing::OnTime => match (&v.window, g.decided_at) {
            (Some(w), Some(_)) => format!(
                "Yes: at minute {} of the {}-minute window, after the minimum checks.",
                w.elapsed_minutes, w.limit_minutes
            ),
            _ => "Yes: right away, as security requires.".into(),
        },
        Timing::Premature => format!("Too early: {}", v.minimum_checks_reason),
        Timing::Overdue(by) => format!(
            "Too late: {by} min past the {}-minute window. The window is a trigger, regardless of progress.",
            v.window.as_ref().map_or(0, |w| w.limit_minutes)
        ),
        Timing::SecurityLate(after) => format!(
            "Too late: {after} min after the indicator appeared; security is escalated immediately."
        ),
        Timing::None => "It was not escalated.".into(),
    };
    let l1_needs = if g.right_call == Owner::ResolveAtL1 {
        match &t.facts.runbook {
            Some(kb) => format!(
                "Nothing new: L1 had the tools, the access and the runbook ({kb}). Knowledge of where to find it."
            ),
            None => "Nothing: L1 had what it needed.".into(),
        }
    } else if v.l1_lacks.is_empty() {
        "Nothing L1 could be given: this work is outside L1's scope by policy.".into()
    } else {
        v.l1_lacks
            .iter()
            .map(|l| {
                let what = match l.lack {
                    Lack::Knowledge => "Knowledge",
                    Lack::Access => "Access",
                    Lack::Tooling => "Tooling",
                };
                format!("{what}: {}", l.reason)
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let model_note = (g.right_call != Owner::ResolveAtL1).then(|| {
        let at = g.decided_at.unwrap_or(t.arrives_at);
        note::model_note(
            &NoteContext {
                scenario: &t.scenario,
                steps_run: &t.steps_run,
                fixes_applied: &t.fixes_applied,
                events_fired: &t.events_fired,
                facts: &t.facts,
                sla_remaining_minutes: t.sla_remaining(at, policy),
                immediate: g.right_call == Owner::EscalateSecurity,
                signatures: None,
            },
            policy,
        )
    });
    Some(Review {
        number: t.number,
        should_escalate,
        timing,
        l1_needs,
        model_note,
    })
}

/// Flags, strengths and weaknesses of a session.
pub fn coach(
    tickets: &[Ticket],
    grades: &[TicketGrade],
    numbers: &SessionNumbers,
    pack: &Pack,
    rules: &GradingPolicy,
) -> Coaching {
    let policy = &pack.policy;
    let graded: Vec<(&Ticket, &TicketGrade)> = tickets
        .iter()
        .zip(grades)
        .filter(|(_, g)| g.counts())
        .collect();
    let mut flags = Vec::new();

    for flag in [
        flag_over_escalation,
        flag_under_escalation,
        flag_security,
        flag_late,
        flag_premature,
        flag_notes,
        flag_kb,
        flag_business_impact,
    ] {
        flag(&graded, numbers, pack, rules, &mut flags);
    }

    // Strengths and weaknesses by component.
    let mut strengths = Vec::new();
    let mut weaknesses = Vec::new();
    for c in Component::ALL {
        let scores: Vec<u32> = graded.iter().filter_map(|(_, g)| g.component(c)).collect();
        if scores.is_empty() {
            continue;
        }
        let mean = f64::from(scores.iter().sum::<u32>()) / scores.len() as f64;
        if mean >= 90.0 {
            strengths.push(format!(
                "{}: {mean:.0}/100 across {} ticket(s).",
                c.label(),
                scores.len()
            ));
        } else if mean < 70.0 {
            weaknesses.push(format!(
                "{}: {mean:.0}/100 across {} ticket(s) — see the flagged patterns.",
                c.label(),
                scores.len()
            ));
        }
    }
    if flags.is_empty() {
        strengths.push("No pattern to work on in this session: keep it up.".into());
    }

    Coaching {
        strengths,
        weaknesses,
        flags,
        reviews: graded
            .iter()
            .filter_map(|(t, g)| review(t, g, policy))
            .collect(),
    }
}

/// The flag for escalating tickets L1 owns (over the policy's unnecessary-escalation rate).
fn flag_over_escalation(
    graded: &[(&Ticket, &TicketGrade)],
    numbers: &SessionNumbers,
    pack: &Pack,
    _rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let policy = &pack.policy;
    let over: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| {
            g.right_call == Owner::ResolveAtL1
                && !g.window_escalation
                && matches!(g.call, Some(Owner::EscalateToL2 | Owner::EscalateSecurity))
        })
        .collect();
    if numbers
        .unnecessary_rate()
        .is_some_and(|r| r > policy.targets.unnecessary_escalation_rate_max)
        && !over.is_empty()
    {
        let types = types_of(&over);
        flags.push(FlaggedPattern {
            flag: Flag::OverEscalates,
            evidence: over
                .iter()
                .map(|g| evidence(g, format!("escalated at minute {} though L1 had tools, access and a runbook", g.decided_at.unwrap_or(0))))
                .collect(),
            advice: "When L1 has the tools, the access and a documented procedure, the ticket is yours — the boundary is not about difficulty. Open the runbook before deciding.".into(),
            drill_scenarios: drill(pack, |s| s.expected.owner == Owner::ResolveAtL1 && types.contains(&s.ticket_type)),
            drill_tags: vec!["runbook".into()],
            ticket_types: types,
        });
    }
}

/// The flag for resolving at L1 what belongs at L2.
fn flag_under_escalation(
    graded: &[(&Ticket, &TicketGrade)],
    _numbers: &SessionNumbers,
    pack: &Pack,
    _rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let under: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| g.right_call == Owner::EscalateToL2 && g.call == Some(Owner::ResolveAtL1))
        .collect();
    if !under.is_empty() {
        let types = types_of(&under);
        flags.push(FlaggedPattern {
            flag: Flag::UnderEscalates,
            evidence: under
                .iter()
                .map(|g| evidence(g, format!("resolved at L1 at minute {}; {}", g.decided_at.unwrap_or(0), g.verdict.owner_reason)))
                .collect(),
            advice: "If any one of tools, access or a documented procedure is missing, the ticket belongs at L2. An 'access denied' is the signal to escalate, not to work around.".into(),
            drill_scenarios: drill(pack, |s| s.expected.owner == Owner::EscalateToL2),
            drill_tags: vec!["needs-access".into()],
            ticket_types: types,
        });
    }
}

/// The flag for security incidents kept at L1, late, or sent as ordinary work.
fn flag_security(
    graded: &[(&Ticket, &TicketGrade)],
    _numbers: &SessionNumbers,
    pack: &Pack,
    _rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let security: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| {
            g.critical
                || matches!(g.timing, Timing::SecurityLate(_))
                || (g.right_call == Owner::EscalateSecurity
                    && g.call != Some(Owner::EscalateSecurity))
        })
        .collect();
    if !security.is_empty() {
        flags.push(FlaggedPattern {
            flag: Flag::MissesSecurity,
            evidence: security
                .iter()
                .map(|g| {
                    evidence(
                        g,
                        if g.critical {
                            "a security incident kept at L1 (auto-fail)".into()
                        } else {
                            format!("{:?}", g.timing)
                        },
                    )
                })
                .collect(),
            advice: "A security indicator — a lookalike login page, an unknown device, odd sign-ins, renamed files — means escalate immediately as a security incident: no window, no fixes first.".into(),
            drill_scenarios: drill(pack, |s| s.expected.owner == Owner::EscalateSecurity),
            drill_tags: vec!["security".into()],
            ticket_types: types_of(&security),
        });
    }
}

/// The flag for decisions past the L1 window.
fn flag_late(
    graded: &[(&Ticket, &TicketGrade)],
    _numbers: &SessionNumbers,
    pack: &Pack,
    rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let windowed: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| g.verdict.window.is_some() && g.decided_at.is_some())
        .collect();
    let late: Vec<&TicketGrade> = windowed
        .iter()
        .copied()
        .filter(|g| matches!(g.timing, Timing::Overdue(_)))
        .collect();
    if !late.is_empty() && late.len() as f64 >= rules.late_share_flag * windowed.len() as f64 {
        let types = types_of(&late);
        flags.push(FlaggedPattern {
            flag: Flag::LateEscalations,
            evidence: late
                .iter()
                .map(|g| evidence(g, format!("{:?} past the {}-minute window", g.timing, g.verdict.window.as_ref().map_or(0, |w| w.limit_minutes))))
                .collect(),
            advice: "The ownership window is an automatic trigger, not a judgement call: at the window, escalate with what you have. Watch the 50% and 75% warnings.".into(),
            drill_scenarios: drill(pack, |s| types.contains(&s.ticket_type) && s.expected.owner == Owner::EscalateToL2),
            drill_tags: vec!["network".into()],
            ticket_types: types,
        });
    }
}

/// The flag for escalations before the minimum checks.
fn flag_premature(
    graded: &[(&Ticket, &TicketGrade)],
    _numbers: &SessionNumbers,
    pack: &Pack,
    rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let premature: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| g.timing == Timing::Premature)
        .collect();
    if premature.len() >= rules.premature_flag_count {
        flags.push(FlaggedPattern {
            flag: Flag::PrematureEscalations,
            evidence: premature.iter().map(|g| evidence(g, "escalated before the minimum checks".into())).collect(),
            advice: "Run the runbook's first checks before escalating: they are what L2 will ask for first.".into(),
            drill_scenarios: drill(pack, |s| s.expected.owner == Owner::EscalateToL2 && !s.minimum_checks.is_empty()),
            drill_tags: vec![],
            ticket_types: types_of(&premature),
        });
    }
}

/// The flag for vague, fabricated or incomplete escalation notes.
fn flag_notes(
    graded: &[(&Ticket, &TicketGrade)],
    _numbers: &SessionNumbers,
    pack: &Pack,
    rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let notes: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| g.note.is_some())
        .collect();
    if !notes.is_empty() {
        let vague: Vec<&TicketGrade> = notes
            .iter()
            .copied()
            .filter(|g| g.note.as_ref().is_some_and(|n| !n.vague_phrases.is_empty()))
            .collect();
        if vague.len() as f64 >= rules.note_flag_share * notes.len() as f64 && !vague.is_empty() {
            flags.push(FlaggedPattern {
                flag: Flag::VagueNotes,
                evidence: vague
                    .iter()
                    .map(|g| evidence(g, format!("\"{}\"", g.note.as_ref().map(|n| n.vague_phrases.join("\", \"")).unwrap_or_default())))
                    .collect(),
                advice: "Replace \"tried basic troubleshooting\" with each check and its result, quote the exact error, and give the SLA minutes left.".into(),
                drill_scenarios: drill(pack, |s| s.expected.owner == Owner::EscalateToL2),
                drill_tags: vec![],
                ticket_types: vec![],
            });
        }
        let fabricated: Vec<&TicketGrade> = notes
            .iter()
            .copied()
            .filter(|g| {
                // A misreported outcome is as dishonest a handoff as an invented step.
                g.note.as_ref().is_some_and(|n| {
                    !n.fabricated_steps.is_empty() || !n.misreported_outcomes.is_empty()
                })
            })
            .collect();
        if !fabricated.is_empty() {
            flags.push(FlaggedPattern {
                flag: Flag::FabricatedSteps,
                evidence: fabricated
                    .iter()
                    .map(|g| evidence(g, format!("claims {}", g.note.as_ref().map(|n| n.fabricated_steps.iter().chain(&n.misreported_outcomes).cloned().collect::<Vec<_>>().join("; ")).unwrap_or_default())))
                    .collect(),
                advice: "List only what you actually did. A claimed step L2 trusts and skips sends them down a false trail — a short honest note is better.".into(),
                drill_scenarios: drill(pack, |s| s.expected.owner == Owner::EscalateToL2),
                drill_tags: vec![],
                ticket_types: vec![],
            });
        }
        for element in note::NoteElement::ALL {
            let missing: Vec<&TicketGrade> = notes
                .iter()
                .copied()
                .filter(|g| g.note.as_ref().is_some_and(|n| !n.element(element).present))
                .collect();
            if !missing.is_empty()
                && missing.len() as f64 >= rules.note_flag_share * notes.len() as f64
            {
                flags.push(FlaggedPattern {
                    flag: Flag::NotesLackElement,
                    evidence: missing
                        .iter()
                        .map(|g| evidence(g, format!("no {}", element.label().to_lowercase())))
                        .collect(),
                    advice: format!(
                        "Every note carries all five elements; yours often leave out: {}.",
                        element.label()
                    ),
                    drill_scenarios: vec![],
                    drill_tags: vec![],
                    ticket_types: vec![element.label().to_string()],
                });
            }
        }
    }
}

/// The flag for resolving without the runbook the KB has.
fn flag_kb(
    graded: &[(&Ticket, &TicketGrade)],
    _numbers: &SessionNumbers,
    pack: &Pack,
    rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let l1_resolved: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| {
            g.call == Some(Owner::ResolveAtL1) && g.component(Component::Resolution).is_some()
        })
        .collect();
    let without_runbook: Vec<&TicketGrade> = l1_resolved
        .iter()
        .copied()
        .filter(|g| !g.runbook_used && g.deductions.iter().any(|d| d.rule.contains("runbook")))
        .collect();
    let escalations: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| g.call == Some(Owner::EscalateToL2))
        .collect();
    let escalated_blind: Vec<&TicketGrade> = escalations
        .iter()
        .copied()
        .filter(|g| !g.kb_consulted)
        .collect();
    let kb_low = (!l1_resolved.is_empty()
        && without_runbook.len() as f64 >= rules.kb_flag_share * l1_resolved.len() as f64)
        || (!escalations.is_empty()
            && escalated_blind.len() as f64 >= rules.kb_flag_share * escalations.len() as f64
            && escalated_blind
                .iter()
                .any(|g| g.right_call == Owner::ResolveAtL1));
    if kb_low && !without_runbook.is_empty() {
        flags.push(FlaggedPattern {
            flag: Flag::IgnoresKb,
            evidence: without_runbook
                .iter()
                .map(|g| evidence(g, "resolved without opening the runbook".into()))
                .collect(),
            advice: "Search the KB first: most unnecessary escalations and repeat fixes are problems solved before. Follow the runbook's procedure.".into(),
            drill_scenarios: drill(pack, |s| s.l1_has.runbook.is_some() && s.expected.owner == Owner::ResolveAtL1),
            drill_tags: vec!["runbook".into()],
            ticket_types: types_of(&without_runbook),
        });
    }
}

/// The flag for high-impact tickets without the handling they need.
fn flag_business_impact(
    graded: &[(&Ticket, &TicketGrade)],
    _numbers: &SessionNumbers,
    pack: &Pack,
    rules: &GradingPolicy,
    flags: &mut Vec<FlaggedPattern>,
) {
    let impact: Vec<&TicketGrade> = graded
        .iter()
        .map(|(_, g)| *g)
        .filter(|g| !g.verdict.handling.is_empty())
        .collect();
    let impact_missed: Vec<&TicketGrade> = impact
        .iter()
        .copied()
        .filter(|g| {
            g.deductions.iter().any(|d| {
                d.component == Component::BusinessImpact && d.what_you_did.starts_with("No ")
            })
        })
        .collect();
    if !impact_missed.is_empty()
        && impact_missed.len() as f64 >= rules.impact_flag_share * impact.len() as f64
    {
        flags.push(FlaggedPattern {
            flag: Flag::MissesBusinessImpact,
            evidence: impact_missed
                .iter()
                .map(|g| evidence(g, format!("{:?}: {}", g.verdict.impact.priority, g.verdict.handling.iter().map(|h| format!("{:?}", h.handling)).collect::<Vec<_>>().join(", "))))
                .collect(),
            advice: "High impact changes the handling even for L1 work: update the client before they chase, get a senior on it, and start a parallel escalation at P1.".into(),
            drill_scenarios: drill(pack, |s| s.tags.iter().any(|t| t == "high-impact" || t == "vip")),
            drill_tags: vec!["high-impact".into(), "vip".into()],
            ticket_types: types_of(&impact_missed),
        });
    }
}

/// One line of a flag's evidence: the ticket and what happened on it.
fn evidence(g: &TicketGrade, what: String) -> String {
    format!("Ticket {} ({}), {what}", g.number, g.scenario)
}

fn types_of(grades: &[&TicketGrade]) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for g in grades {
        *counts.entry(g.ticket_type.clone()).or_default() += 1;
    }
    counts.into_keys().collect()
}

fn drill(pack: &Pack, keep: impl Fn(&crate::scenario::Scenario) -> bool) -> Vec<String> {
    pack.scenarios
        .values()
        .filter(|s| keep(s))
        .map(|s| s.id.clone())
        .take(6)
        .collect()
}
