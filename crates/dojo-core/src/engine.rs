//! The escalation policy engine: a pure function from (scenario, facts known at a sim
//! minute, policy) to a [`Verdict`] that says what the framework calls right, and why.
//!
//! No Bevy types, no I/O, no clock: the simulation, grading, `dojo explain` and the
//! validator all call the same functions.

use serde::{Deserialize, Serialize};

use crate::kb::ArticleKind;
use crate::policy::{Band, Policy, Priority, Scope, SlaTarget};
use crate::scenario::{FactChange, Level, Owner, Scenario, Trigger};

/// The facts of a ticket that the verdict depends on. They start from the scenario and
/// change as events fire and findings are revealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Policy key of the ticket type.
    pub ticket_type: String,
    /// Users affected.
    pub users_affected: u32,
    /// Sites affected.
    #[serde(default = "one")]
    pub sites_affected: u32,
    /// Systems failing.
    #[serde(default = "one")]
    pub systems_affected: u32,
    /// What a security incident exposes, if rated.
    #[serde(default)]
    pub exposure: Option<Level>,
    /// Criticality of the affected business function.
    pub function_criticality: Level,
    /// Revenue or reputational risk.
    pub risk: Level,
    /// Minutes from arrival until harm lands.
    pub deadline_minutes: Option<u32>,
    /// The requester is a VIP.
    pub vip: bool,
    /// Client patience, 1–5.
    pub patience: u8,
    /// L1 has the tools.
    pub tools: bool,
    /// L1 has the access.
    pub access: bool,
    /// The documented procedure that applies.
    pub runbook: Option<String>,
    /// A visible security indicator.
    pub security_indicator: Option<String>,
    /// The current error text.
    pub error_text: Option<String>,
}

fn one() -> u32 {
    1
}

impl Facts {
    /// The facts at the ticket's arrival.
    pub fn at_arrival(scenario: &Scenario) -> Self {
        Facts {
            ticket_type: scenario.ticket_type.clone(),
            users_affected: scenario.impact.users_affected,
            sites_affected: scenario.impact.sites_affected,
            systems_affected: scenario.impact.systems_affected,
            exposure: scenario.impact.exposure,
            function_criticality: scenario.impact.function_criticality,
            risk: scenario.impact.risk,
            deadline_minutes: scenario.impact.deadline_minutes,
            vip: scenario.requester.vip,
            patience: scenario.client.patience,
            tools: scenario.l1_has.tools,
            access: scenario.l1_has.access,
            runbook: scenario.l1_has.runbook.clone(),
            security_indicator: scenario.security_indicator.clone(),
            error_text: scenario.initial_error.clone(),
        }
    }

    /// Applies one change.
    pub fn apply(&mut self, change: &FactChange) {
        match change {
            FactChange::TicketType(t) => self.ticket_type = t.clone(),
            FactChange::UsersAffected(n) => self.users_affected = *n,
            FactChange::SitesAffected(n) => self.sites_affected = *n,
            FactChange::SystemsAffected(n) => self.systems_affected = *n,
            FactChange::Exposure(l) => self.exposure = Some(*l),
            FactChange::FunctionCriticality(l) => self.function_criticality = *l,
            FactChange::Risk(l) => self.risk = *l,
            FactChange::Deadline(d) => self.deadline_minutes = *d,
            FactChange::Vip(v) => self.vip = *v,
            FactChange::Patience(p) => self.patience = *p,
            FactChange::Tools(v) => self.tools = *v,
            FactChange::Access(v) => self.access = *v,
            FactChange::Runbook(r) => self.runbook = r.clone(),
            FactChange::SecurityIndicator(s) => self.security_indicator = Some(s.clone()),
            FactChange::ErrorText(s) => self.error_text = Some(s.clone()),
        }
    }

    /// Applies several changes in order.
    pub fn apply_all<'a>(&mut self, changes: impl IntoIterator<Item = &'a FactChange>) {
        for change in changes {
            self.apply(change);
        }
    }
}

/// The facts known at a minute, and what made them so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knowledge {
    /// The facts.
    pub facts: Facts,
    /// Ids of the events that have fired, in order.
    pub fired_events: Vec<String>,
    /// Ids of the steps whose findings are known.
    pub steps_run: Vec<String>,
}

/// The facts known at `minute` after arrival, assuming the ticket is still open at L1
/// and the given steps (ids) have been run. Time-triggered events fire when their
/// minute has come; step- and fix-triggered ones when their step or fix is listed.
/// Unknown step ids are ignored (the validator reports them).
pub fn knowledge_at(
    scenario: &Scenario,
    minute: u32,
    steps_run: &[String],
    fixes_applied: &[String],
) -> Knowledge {
    let mut facts = Facts::at_arrival(scenario);
    let mut fired_events = Vec::new();
    let mut steps_known = Vec::new();
    for step_id in steps_run {
        if let Some(step) = scenario.step(step_id) {
            facts.apply_all(&step.changes);
            steps_known.push(step.id.clone());
        }
    }
    for event in &scenario.events {
        let fires = match &event.trigger {
            Trigger::AtMinute(m) | Trigger::IfOpenAt(m) => *m <= minute,
            Trigger::AfterStep(s) => steps_run.contains(s),
            Trigger::AfterFix(f) => fixes_applied.contains(f),
        };
        if fires {
            facts.apply_all(&event.changes);
            fired_events.push(event.id.clone());
        }
    }
    Knowledge {
        facts,
        fired_events,
        steps_run: steps_known,
    }
}

/// The facts once every event has fired and every step has been run: what the
/// author's expected outcome describes.
pub fn final_knowledge(scenario: &Scenario) -> Knowledge {
    let steps: Vec<String> = scenario.steps.iter().map(|s| s.id.clone()).collect();
    let fixes: Vec<String> = scenario.fixes.iter().map(|f| f.id.clone()).collect();
    let last_minute = scenario
        .events
        .iter()
        .filter_map(|e| match e.trigger {
            Trigger::AtMinute(m) | Trigger::IfOpenAt(m) => Some(m),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    knowledge_at(scenario, last_minute, &steps, &fixes)
}

/// The framework dimension that decided the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dimension {
    /// Dimension 1: technical scope (tools, access, documented procedure; policy scope).
    TechnicalScope,
    /// Dimension 2: the L1 ownership window ran out.
    TimeWindow,
    /// Security: immediate escalation.
    Security,
}

/// What L1 lacks to own the ticket: the escalation review's third question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lack {
    /// No documented procedure: a KB article is needed.
    Knowledge,
    /// No access rights.
    Access,
    /// No tools.
    Tooling,
}

/// Handling that business impact demands, whoever owns the ticket technically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Handling {
    /// Update the client proactively, before they chase.
    ProactiveUpdate,
    /// A senior engineer or the team lead owns the ticket.
    SeniorOwnership,
    /// Start a parallel escalation so L2 stands by.
    ParallelEscalation,
}

/// Where the ticket stands in its L1 ownership window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowState {
    /// Under half the window used.
    Open,
    /// At least 50% used.
    Half,
    /// At least 75% used.
    ThreeQuarters,
    /// Exactly 100%: escalate now; still on time.
    Reached,
    /// Past the window by `by` minutes: overdue.
    Overdue {
        /// Minutes past the window.
        by: u32,
    },
}

/// The L1 ownership window at a minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowStatus {
    /// Window length in minutes.
    pub limit_minutes: u32,
    /// Minutes elapsed since arrival.
    pub elapsed_minutes: u32,
    /// Minutes left (0 when reached or overdue).
    pub remaining_minutes: u32,
    /// Where it stands.
    pub state: WindowState,
    /// The rule, cited.
    pub reason: String,
}

impl WindowStatus {
    /// The window status at `elapsed` for a window of `limit` minutes.
    pub fn at(limit: u32, elapsed: u32, warnings_percent: &[u32]) -> Self {
        let state = if elapsed > limit {
            WindowState::Overdue {
                by: elapsed - limit,
            }
        } else if elapsed == limit {
            WindowState::Reached
        } else {
            let used_percent = elapsed.saturating_mul(100) / limit.max(1);
            let reached = |p: u32| warnings_percent.contains(&p) && used_percent >= p;
            if reached(75) {
                WindowState::ThreeQuarters
            } else if reached(50) {
                WindowState::Half
            } else {
                WindowState::Open
            }
        };
        let remaining_minutes = limit.saturating_sub(elapsed);
        let reason = match state {
            WindowState::Overdue { by } => format!(
                "Rule (time-to-escalate): the L1 window is {limit} min regardless of progress; at minute {elapsed} it is exceeded by {by} min — escalate now, this is overdue."
            ),
            WindowState::Reached => format!(
                "Rule (time-to-escalate): the L1 window is {limit} min regardless of progress; it is reached at minute {elapsed} — escalate now (still on time)."
            ),
            _ => format!(
                "Rule (time-to-escalate): L1 may own this ticket for {limit} min; at minute {elapsed}, {remaining_minutes} min remain."
            ),
        };
        WindowStatus {
            limit_minutes: limit,
            elapsed_minutes: elapsed,
            remaining_minutes,
            state,
            reason,
        }
    }

    /// True once the window is reached or exceeded.
    pub fn is_reached(&self) -> bool {
        matches!(
            self.state,
            WindowState::Reached | WindowState::Overdue { .. }
        )
    }
}

/// The business-impact assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactAssessment {
    /// Total impact score.
    pub score: u32,
    /// Impact band from the score.
    pub impact: Band,
    /// Urgency band from the deadline and risk.
    pub urgency: Band,
    /// Priority from the matrix.
    pub priority: Priority,
    /// SLA targets for that priority, if the policy defines them.
    pub sla: Option<SlaTarget>,
    /// How the score and priority were reached.
    pub reason: String,
}

/// One piece of handling with the rule that demands it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandlingDemand {
    /// The handling.
    pub handling: Handling,
    /// Why.
    pub reason: String,
}

/// One thing L1 lacks, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LackReason {
    /// What is lacking.
    pub lack: Lack,
    /// Why.
    pub reason: String,
}

/// What the framework calls right for a ticket at a minute, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The sim minute the verdict is for.
    pub minute: u32,
    /// The right call now.
    pub owner: Owner,
    /// The dimension that decided it.
    pub decided_by: Dimension,
    /// The rule that decided it, cited.
    pub owner_reason: String,
    /// The owner by technical scope and security alone, ignoring the window.
    pub scope_owner: Owner,
    /// The ticket type the facts make it (after the policy's scope rules).
    #[serde(default)]
    pub ticket_type: String,
    /// The scope rule that reclassified the ticket, cited, if one did.
    #[serde(default)]
    pub scope_rule: Option<String>,
    /// The triage checklist L1 holds the ticket under, if one covers it: L1 runs its
    /// checks and escalates before or at the window.
    #[serde(default)]
    pub triage: Option<String>,
    /// The L1 ownership window; `None` for security.
    pub window: Option<WindowStatus>,
    /// Steps L1 must take before an escalation is justified (none for security).
    pub minimum_checks: Vec<String>,
    /// Why those checks.
    pub minimum_checks_reason: String,
    /// Business impact.
    pub impact: ImpactAssessment,
    /// Handling demanded by impact.
    pub handling: Vec<HandlingDemand>,
    /// What L1 lacks (empty when L1 can own it).
    pub l1_lacks: Vec<LackReason>,
    /// The dimensions crossed that call for a structured escalation evaluation.
    pub evaluation_triggers: Vec<String>,
}

/// An error the engine cannot judge past: the data does not fit the policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The ticket type is not in the policy.
    #[error("ticket type `{0}` is not in the policy")]
    UnknownTicketType(String),
}

/// The ticket type the facts make it: the first of the policy's scope rules that applies
/// (e.g. a network ticket with several users is network infrastructure), or the type as
/// known. The second value cites the rule that applied.
pub fn classify(facts: &Facts, policy: &Policy) -> (String, Option<String>) {
    let is_security = |t: &str| {
        policy
            .ticket_type(t)
            .is_some_and(|p| p.scope == Scope::Security)
    };
    let current = facts.ticket_type.as_str();
    for rule in &policy.scope_rules {
        let applies = if rule.from_types.is_empty() {
            !is_security(current)
        } else {
            rule.from_types.iter().any(|t| t == current)
        };
        if !applies || rule.becomes == current {
            continue;
        }
        if let Some(reached) = rule.reached(
            facts.users_affected,
            facts.sites_affected,
            facts.systems_affected,
        ) {
            return (
                rule.becomes.clone(),
                Some(format!(
                    "Rule (scope from facts): a `{current}` ticket with {reached} is `{}` — {}.",
                    rule.becomes, rule.reason
                )),
            );
        }
    }
    (current.to_string(), None)
}

/// True when the facts make the ticket a security incident: a visible indicator, or a
/// ticket type of scope `Security` (after the scope rules).
pub fn is_security(facts: &Facts, policy: &Policy) -> bool {
    facts.security_indicator.is_some()
        || policy
            .ticket_type(&classify(facts, policy).0)
            .is_some_and(|t| t.scope == Scope::Security)
}

/// Assesses business impact from the facts at `minute` (framework dimension 3). For a
/// security incident, what is exposed adds points and, from the policy's level, urgency.
pub fn assess_impact(facts: &Facts, minute: u32, policy: &Policy) -> ImpactAssessment {
    let users = policy.users_points(facts.users_affected);
    let function = policy
        .impact
        .function_criticality
        .of(facts.function_criticality);
    let risk = policy.impact.risk.of(facts.risk);
    let vip = if facts.vip { policy.impact.vip } else { 0 };
    let exposure = facts.exposure.filter(|_| is_security(facts, policy));
    let exposure_points = exposure.map_or(0, |l| policy.impact.exposure.of(l));
    let score = users + function + risk + vip + exposure_points;
    let impact = if score >= policy.impact.high_from {
        Band::High
    } else if score >= policy.impact.medium_from {
        Band::Medium
    } else {
        Band::Low
    };
    let deadline_left = facts.deadline_minutes.map(|d| d.saturating_sub(minute));
    let by_deadline = match deadline_left {
        Some(left) if left <= policy.urgency.high_within_minutes => Band::High,
        Some(left) if left <= policy.urgency.medium_within_minutes => Band::Medium,
        _ => Band::Low,
    };
    let by_risk = if facts.risk >= policy.urgency.high_from_risk {
        Band::High
    } else if facts.risk >= policy.urgency.medium_from_risk {
        Band::Medium
    } else {
        Band::Low
    };
    let by_exposure = match exposure {
        Some(l) if l >= policy.urgency.high_from_exposure => Band::High,
        _ => Band::Low,
    };
    let urgency = by_deadline.max(by_risk).max(by_exposure);
    let priority = policy.priority_matrix.priority(impact, urgency);
    let deadline_text = match deadline_left {
        Some(left) => format!("deadline in {left} min"),
        None => "no deadline".to_string(),
    };
    let exposure_text = exposure.map_or(String::new(), |l| {
        format!(", exposure {l:?} → {exposure_points} pt")
    });
    let reason = format!(
        "Rule (business impact): {} user(s) → {users} pt, function {:?} → {function} pt, risk {:?} → {risk} pt, VIP → {vip} pt{exposure_text}; score {score} → {impact:?} impact. Urgency {urgency:?} ({deadline_text}, risk {:?}{}). Impact × urgency → {priority:?}.",
        facts.users_affected,
        facts.function_criticality,
        facts.risk,
        facts.risk,
        exposure.map_or(String::new(), |l| format!(", exposure {l:?}")),
    );
    ImpactAssessment {
        score,
        impact,
        urgency,
        priority,
        sla: policy.sla.get(&priority).cloned(),
        reason,
    }
}

/// What the cited article makes of the ticket: a resolution procedure that covers it,
/// a triage checklist that covers it, or nothing (none cited, or it does not cover it).
enum Procedure {
    Resolution(String),
    Triage(String),
    None(String),
}

fn procedure(scenario: &Scenario, facts: &Facts, ticket_type: &str) -> Procedure {
    let Some(id) = &facts.runbook else {
        return Procedure::None(
            "No documented procedure in the L1 KB: a runbook would let L1 own it next time.".into(),
        );
    };
    let Some(article) = scenario.runbooks.get(id) else {
        return Procedure::Resolution(id.clone());
    };
    if let Some(why) = article.not_covering(
        ticket_type,
        facts.users_affected,
        facts.sites_affected,
        facts.systems_affected,
    ) {
        return Procedure::None(format!(
            "{id} does not cover this ticket ({why}): no documented procedure applies."
        ));
    }
    match article.kind {
        ArticleKind::Resolution => Procedure::Resolution(id.clone()),
        ArticleKind::TriageChecklist => Procedure::Triage(id.clone()),
    }
}

/// What L1 lacks of tools, access and a documented procedure.
fn lacks(facts: &Facts, procedure: &Procedure) -> Vec<LackReason> {
    let mut l1_lacks = Vec::new();
    if !facts.tools {
        l1_lacks.push(LackReason {
            lack: Lack::Tooling,
            reason: "L1 lacks the tools for this ticket: tooling would let L1 own it.".into(),
        });
    }
    if !facts.access {
        l1_lacks.push(LackReason {
            lack: Lack::Access,
            reason: "L1 lacks the access rights the fix needs (admin or a policy change).".into(),
        });
    }
    match procedure {
        Procedure::None(why) => l1_lacks.push(LackReason {
            lack: Lack::Knowledge,
            reason: why.clone(),
        }),
        Procedure::Triage(id) => l1_lacks.push(LackReason {
            lack: Lack::Knowledge,
            reason: format!(
                "{id} is a triage checklist, not a resolution path: a resolution runbook would let L1 own it."
            ),
        }),
        Procedure::Resolution(_) => {}
    }
    l1_lacks
}

/// The owner by technical scope and security alone, with the rule.
fn scope_call(
    facts: &Facts,
    ticket_type: &str,
    type_policy: &crate::policy::TicketTypePolicy,
    security: bool,
    procedure: &Procedure,
    l1_lacks: &[LackReason],
) -> (Owner, String) {
    if security {
        let why = match &facts.security_indicator {
            Some(indicator) => format!("a security indicator is visible ({indicator})"),
            None => format!("`{ticket_type}` is a security ticket type"),
        };
        return (
            Owner::EscalateSecurity,
            format!(
                "Rule (security): security-adjacent issues are escalated immediately, with no L1 window and no checks first — {why}."
            ),
        );
    }
    if type_policy.scope == Scope::L2 {
        return (
            Owner::EscalateToL2,
            format!(
                "Rule (technical scope): {} is L2-owned by policy, whatever L1 has.",
                type_policy.label
            ),
        );
    }
    if let (Procedure::Triage(id), true) = (procedure, facts.tools && facts.access) {
        return (
            Owner::EscalateToL2,
            format!(
                "Rule (technical scope): {id} is a triage checklist, not a resolution path — L1 holds the ticket for its checks, then escalates to L2: after the minimum checks, before the window is on time; at the window it is due."
            ),
        );
    }
    if !l1_lacks.is_empty() {
        let missing: Vec<&str> = l1_lacks
            .iter()
            .map(|l| match l.lack {
                Lack::Tooling => "tools",
                Lack::Access => "access",
                Lack::Knowledge => "a documented procedure",
            })
            .collect();
        return (
            Owner::EscalateToL2,
            format!(
                "Rule (technical scope): L1 owns a ticket only with tools, access and a documented procedure; missing: {} → L2.",
                missing.join(", ")
            ),
        );
    }
    let id = match procedure {
        Procedure::Resolution(id) => id.as_str(),
        _ => "",
    };
    (
        Owner::ResolveAtL1,
        format!(
            "Rule (technical scope): L1 has the tools, the access and a documented procedure ({id}) → L1 owns it."
        ),
    )
}

fn minimum_checks_of(scenario: &Scenario, security: bool) -> (Vec<String>, String) {
    if security {
        (
            Vec::new(),
            "Security: no checks before escalating — every minute at L1 widens the exposure."
                .to_string(),
        )
    } else if scenario.minimum_checks.is_empty() {
        (
            Vec::new(),
            "No minimum L1 checks are defined for this ticket.".to_string(),
        )
    } else {
        (
            scenario.minimum_checks.clone(),
            format!(
                "Rule (timing): escalating before these L1 checks is premature: {}.",
                scenario.minimum_checks.join(", ")
            ),
        )
    }
}

/// The verdict for a ticket at `minute` given the facts known then.
pub fn evaluate(
    scenario: &Scenario,
    facts: &Facts,
    minute: u32,
    policy: &Policy,
) -> Result<Verdict, EngineError> {
    policy
        .ticket_type(&facts.ticket_type)
        .ok_or_else(|| EngineError::UnknownTicketType(facts.ticket_type.clone()))?;
    let (ticket_type, scope_rule) = classify(facts, policy);
    let type_policy = policy
        .ticket_type(&ticket_type)
        .ok_or_else(|| EngineError::UnknownTicketType(ticket_type.clone()))?;
    let impact = assess_impact(facts, minute, policy);
    let security = facts.security_indicator.is_some() || type_policy.scope == Scope::Security;
    let procedure = procedure(scenario, facts, &ticket_type);
    let l1_lacks = lacks(facts, &procedure);
    let (scope_owner, mut scope_reason) = scope_call(
        facts,
        &ticket_type,
        type_policy,
        security,
        &procedure,
        &l1_lacks,
    );
    if let Some(rule) = &scope_rule
        && !security
    {
        scope_reason = format!("{rule} {scope_reason}");
    }

    let window = if security {
        None
    } else {
        type_policy
            .window_minutes
            .map(|limit| WindowStatus::at(limit, minute, &policy.window_warnings_percent))
    };

    let (owner, decided_by, owner_reason) = match (&window, scope_owner) {
        (_, Owner::EscalateSecurity) => (scope_owner, Dimension::Security, scope_reason),
        (Some(w), Owner::ResolveAtL1) if w.is_reached() => (
            Owner::EscalateToL2,
            Dimension::TimeWindow,
            format!(
                "{} The ticket is technically L1 ({scope_reason}) but the window is an automatic trigger.",
                w.reason
            ),
        ),
        _ => (scope_owner, Dimension::TechnicalScope, scope_reason),
    };

    let (minimum_checks, minimum_checks_reason) = minimum_checks_of(scenario, security);
    let handling = handling_demands(facts, &impact, policy);

    let mut evaluation_triggers = Vec::new();
    if scope_owner != Owner::ResolveAtL1 {
        evaluation_triggers.push(format!("technical scope: {}", scope_owner.label()));
    }
    if let Some(w) = &window
        && w.is_reached()
    {
        evaluation_triggers.push(format!(
            "time: {} min window reached at minute {minute}",
            w.limit_minutes
        ));
    }
    if impact.impact == Band::High || impact.priority <= Priority::P2 {
        evaluation_triggers.push(format!(
            "business impact: {:?} impact, {:?}",
            impact.impact, impact.priority
        ));
    }

    Ok(Verdict {
        minute,
        owner,
        decided_by,
        owner_reason,
        scope_owner,
        ticket_type,
        scope_rule,
        triage: match &procedure {
            Procedure::Triage(id) if !security => Some(id.clone()),
            _ => None,
        },
        window,
        minimum_checks,
        minimum_checks_reason,
        impact,
        handling,
        l1_lacks: if scope_owner == Owner::ResolveAtL1 {
            Vec::new()
        } else {
            l1_lacks
        },
        evaluation_triggers,
    })
}

fn handling_demands(
    facts: &Facts,
    impact: &ImpactAssessment,
    policy: &Policy,
) -> Vec<HandlingDemand> {
    let rules = &policy.handling;
    let mut demands = Vec::new();
    let priority = impact.priority;
    if priority <= rules.proactive_update_at {
        demands.push(HandlingDemand {
            handling: Handling::ProactiveUpdate,
            reason: format!(
                "Rule (business impact): {priority:?} is at or above {:?} → update the client proactively.",
                rules.proactive_update_at
            ),
        });
    } else if rules.proactive_update_for_vip && facts.vip {
        demands.push(HandlingDemand {
            handling: Handling::ProactiveUpdate,
            reason: "Rule (business impact): the requester is a VIP → update proactively.".into(),
        });
    } else if facts.patience <= rules.proactive_update_at_patience {
        demands.push(HandlingDemand {
            handling: Handling::ProactiveUpdate,
            reason: format!(
                "Rule (business impact): client patience is {} (≤ {}) → update proactively before they chase again.",
                facts.patience, rules.proactive_update_at_patience
            ),
        });
    }
    if priority <= rules.senior_ownership_at {
        demands.push(HandlingDemand {
            handling: Handling::SeniorOwnership,
            reason: format!(
                "Rule (business impact): {priority:?} needs senior ownership even when the work is technically L1."
            ),
        });
    }
    if priority <= rules.parallel_escalation_at {
        demands.push(HandlingDemand {
            handling: Handling::ParallelEscalation,
            reason: format!(
                "Rule (business impact): {priority:?} → start a parallel escalation so L2 stands by."
            ),
        });
    }
    demands
}

/// The verdict at `minute` assuming the ticket is open at L1 and the listed steps have
/// been run: what `dojo explain` prints.
pub fn verdict_at(
    scenario: &Scenario,
    minute: u32,
    steps_run: &[String],
    policy: &Policy,
) -> Result<(Knowledge, Verdict), EngineError> {
    let knowledge = knowledge_at(scenario, minute, steps_run, &[]);
    let verdict = evaluate(scenario, &knowledge.facts, minute, policy)?;
    Ok((knowledge, verdict))
}

/// The verdict once every event has fired and every step has been run, judged at
/// arrival time (so the window does not flip it): what `expected` must agree with.
pub fn final_verdict(scenario: &Scenario, policy: &Policy) -> Result<Verdict, EngineError> {
    let knowledge = final_knowledge(scenario);
    evaluate(scenario, &knowledge.facts, 0, policy)
}
