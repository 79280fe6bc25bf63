//! The tooltips on every timer and action: what it costs and the rule behind it. Every
//! number comes from the pack's policy (`scenarios/policy.ron`), so a tooltip never says
//! what the grading does not do.

use dojo_core::policy::Policy;
use dojo_core::sim::session::Ticket;

fn minutes(n: u32) -> String {
    if n == 1 {
        "1 minute".to_string()
    } else {
        format!("{n} minutes")
    }
}

/// The SLA bar.
pub(super) fn sla(policy: &Policy, t: &Ticket) -> String {
    let priority = t.verdict(t.arrives_at, policy).map(|v| v.impact.priority);
    let target = priority.and_then(|p| policy.sla.get(&p).map(|s| (p, s)));
    match target {
        Some((p, s)) => format!(
            "SLA — the client's contract for a {p:?} ticket: first response within {}, \
             resolved within {}. It runs from arrival, whoever holds the ticket, and a \
             breach counts against the MSP in the debrief.",
            minutes(s.response_minutes),
            minutes(s.resolution_minutes)
        ),
        None => "SLA — the client's contract: it runs from arrival, whoever holds the ticket."
            .to_string(),
    }
}

/// The L1-window bar (or its absence, for security).
pub(super) fn window(policy: &Policy, t: &Ticket) -> String {
    let label = policy
        .ticket_type(&t.facts.ticket_type)
        .map_or(t.facts.ticket_type.as_str(), |p| p.label.as_str());
    match t.window_limit(policy) {
        Some(limit) => {
            let warnings = policy
                .window_warnings_percent
                .iter()
                .map(|p| format!("{p}%"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "L1 window — the most L1 may own a {label} ticket: {}, regardless of \
                 progress (the framework's time-to-escalate threshold). Warnings at \
                 {warnings}. When it is reached, escalate: every minute past it costs \
                 timing points. Escalating before the checks the runbook asks for is \
                 premature, which costs too.",
                minutes(limit)
            )
        }
        None => format!(
            "Security-adjacent: no L1 window. Escalate it as a security incident (X) within \
             {} of the first indicator.",
            minutes(policy.grading.security_escalation_minutes)
        ),
    }
}

/// A diagnostic step or a question to the client.
pub(super) fn step(minutes_cost: u32, asks_client: bool) -> String {
    format!(
        "Costs {} of work; the clock runs faster while it does. {} What it shows lands in \
         the findings, and the note may claim only what was done.",
        minutes(minutes_cost),
        if asks_client {
            "The client answers."
        } else {
            "You run the check."
        }
    )
}

/// The KB search box and its button.
pub(super) fn kb_search(policy: &Policy) -> String {
    format!(
        "Search the knowledge base: {}. L1 owns a ticket only with the tools, the access \
         and a documented procedure: an article that covers this ticket is that procedure; \
         a triage checklist is not a fix.",
        minutes(policy.action_minutes.search_kb)
    )
}

/// Opening a KB article.
pub(super) fn kb_article(policy: &Policy) -> String {
    format!(
        "Read the article: {}. Reading it again later is free.",
        minutes(policy.action_minutes.open_article)
    )
}

/// A fix.
pub(super) fn fix(minutes_cost: u32, needs_access: bool) -> String {
    let mut tip = format!(
        "Costs {} of work. A fix that does not cure the cause comes back: the ticket \
         reopens later.",
        minutes(minutes_cost)
    );
    if needs_access {
        tip.push_str(
            " It needs admin rights or a policy change: L1 lacks the access, so the \
             framework puts this ticket at L2.",
        );
    }
    tip
}

/// Resolve at L1.
pub(super) fn resolve(policy: &Policy) -> String {
    format!(
        "Close it as resolved at L1: {}, after a confirmation. Right when L1 has the tools, \
         the access and a documented procedure and the fix worked, inside the L1 window. A \
         resolution that did not fix the cause reopens after {}.",
        minutes(policy.action_minutes.resolve),
        minutes(policy.l2.reopen_after_minutes)
    )
}

/// Escalate to L2.
pub(super) fn escalate(policy: &Policy) -> String {
    format!(
        "Write the five-part note and hand it to L2: the note costs {} (the framework's 3–4), \
         however long you type. Right when the ticket needs L2 — several systems, server \
         side, network infrastructure, admin access or a policy change, no documented \
         precedent — or its L1 window is reached. A thin note costs L2 up to {} of \
         re-discovery and can bounce back to you.",
        minutes(policy.action_minutes.escalate),
        minutes(policy.note.l2_minutes_saved_max)
    )
}

/// Escalate as a security incident.
pub(super) fn security(policy: &Policy) -> String {
    format!(
        "Escalate immediately as a security incident: {}. Any security indicator — a \
         phishing prompt, an alert, a request that does not add up — goes to the security \
         team within {} of being seen, whatever else the ticket looks like. No L1 window.",
        minutes(policy.action_minutes.escalate_security),
        minutes(policy.grading.security_escalation_minutes)
    )
}

/// Notify a senior.
pub(super) fn senior(policy: &Policy) -> String {
    format!(
        "Tell a senior: {}. High business impact (a VIP, a deadline, many users) needs \
         senior ownership even when the work itself is L1's.",
        minutes(policy.action_minutes.notify_senior)
    )
}

/// Start a parallel escalation.
pub(super) fn parallel(policy: &Policy) -> String {
    format!(
        "L2 stands by while you work: {}. For high-impact work that may not be fixed at L1 \
         in time.",
        minutes(policy.action_minutes.parallel_escalation)
    )
}

/// Put on hold.
pub(super) fn hold() -> String {
    "Put it on hold: free, but it stays yours — its SLA and L1 window keep running.".to_string()
}

/// The impact estimate.
pub(super) fn impact() -> String {
    "Rate the business impact, as the ITIL priority matrix does: how many users, which \
     business function, the revenue or reputational risk of downtime (a deadline, a VIP). \
     Record it before you decide; it sets the priority and how the ticket must be handled."
        .to_string()
}

/// The client update.
pub(super) fn client_update(policy: &Policy) -> String {
    format!(
        "Tell the client what you are doing and when they hear next: {}. High-priority and \
         VIP tickets need a proactive update.",
        minutes(policy.action_minutes.update_client)
    )
}
