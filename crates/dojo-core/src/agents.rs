//! Scripted trainees: an ideal agent that follows the framework, and flawed personas
//! (over-escalator, under-escalator, slow agent, vague and fabricating note writers,
//! KB-ignorer). Each plays a shift on the real simulation core and records what it
//! did as an action [`Script`], so its script replays exactly with `dojo run`.
//!
//! Pure Rust over the session core; no Bevy types.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::{self, Handling, WindowState};
use crate::note::{self, EscalationNote, NoteContext};
pub use crate::pace::{DITHERING, HUMAN_PACE, Pace};
use crate::pack::Pack;
use crate::scenario::{FactChange, Owner, StepKind, Trigger};
use crate::shift::Shift;
use crate::sim::action::{Action, Script, ScriptEntry};
use crate::sim::clock::{self, Activity, Clock};
use crate::sim::session::{Session, SessionError, Status, Ticket};

/// Who the scripted trainee is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Persona {
    /// Follows the framework: checks, KB, right call on time, complete notes.
    Ideal,
    /// Escalates everything, even tickets L1 owns.
    OverEscalator,
    /// Never escalates: resolves everything at L1, security included.
    UnderEscalator,
    /// Right calls, always past the ownership window.
    Slow,
    /// Right calls, vague notes ("tried basic troubleshooting").
    VagueNotes,
    /// Right calls, notes claiming steps never run.
    FabricatedNotes,
    /// Right calls, never consults the KB.
    KbIgnorer,
    /// The ideal path at a person's pace ([`HUMAN_PACE`]): reads, chooses and types in
    /// real time, through the same [`Clock`] as the window.
    HumanPace,
    /// The ideal path, hesitating: three times a person's reading and choosing time
    /// ([`DITHERING`]).
    Dithering,
}

impl Persona {
    /// The machine-paced personas (each acts the minute it is free), one per flaw and
    /// the ideal agent; `tests/personas/` holds their scripts.
    pub const ALL: [Persona; 7] = [
        Persona::Ideal,
        Persona::OverEscalator,
        Persona::UnderEscalator,
        Persona::Slow,
        Persona::VagueNotes,
        Persona::FabricatedNotes,
        Persona::KbIgnorer,
    ];

    /// The personas that spend real time as people do.
    pub const PACED: [Persona; 2] = [Persona::HumanPace, Persona::Dithering];

    /// Every persona.
    pub fn every() -> impl Iterator<Item = Persona> {
        Persona::ALL.into_iter().chain(Persona::PACED)
    }

    /// How it spends real time, if it is paced.
    pub fn pace(self) -> Option<Pace> {
        match self {
            Persona::HumanPace => Some(HUMAN_PACE),
            Persona::Dithering => Some(DITHERING),
            _ => None,
        }
    }

    /// Whose decisions it makes: the paced personas decide as the ideal agent.
    fn decides_as(self) -> Persona {
        if self.pace().is_some() {
            Persona::Ideal
        } else {
            self
        }
    }

    /// File-name form, e.g. `over-escalator`.
    pub fn slug(self) -> &'static str {
        match self {
            Persona::Ideal => "ideal",
            Persona::OverEscalator => "over-escalator",
            Persona::UnderEscalator => "under-escalator",
            Persona::Slow => "slow",
            Persona::VagueNotes => "vague-notes",
            Persona::FabricatedNotes => "fabricated-notes",
            Persona::KbIgnorer => "kb-ignorer",
            Persona::HumanPace => "human-pace",
            Persona::Dithering => "dithering",
        }
    }
}

impl std::fmt::Display for Persona {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

impl std::str::FromStr for Persona {
    type Err = String;

    /// The file-name form ([`Persona::slug`]), as the CLI's `--persona` takes it.
    fn from_str(s: &str) -> Result<Persona, String> {
        Persona::every()
            .find(|p| p.slug() == s)
            .ok_or_else(|| format!("no persona `{s}`"))
    }
}

/// Most actions an agent takes within one sim minute.
const MAX_ACTIONS_PER_MINUTE: u32 = 20;

/// Plays a shift as the persona and returns its script.
pub fn play(
    pack: Arc<Pack>,
    shift: &Shift,
    seed: u64,
    persona: Persona,
) -> Result<Script, SessionError> {
    if let Some(pace) = persona.pace() {
        return play_paced(pack, shift, seed, persona, pace).map(|(script, _)| script);
    }
    let mut session = Session::with_shift(pack, shift.clone(), seed)?;
    let mut actions = Vec::new();
    let horizon = shift.length_minutes;
    // Zero-minute actions within one minute are capped, so an agent can never spin.
    let mut acted_this_minute = (0, 0);
    while !session.ended && session.now < horizon {
        if session.now < session.busy_until {
            session.advance_to(session.busy_until);
            continue;
        }
        if acted_this_minute.0 != session.now {
            acted_this_minute = (session.now, 0);
        }
        acted_this_minute.1 += 1;
        let next = if acted_this_minute.1 > MAX_ACTIONS_PER_MINUTE {
            None
        } else {
            choose(&session, persona.decides_as(), 0)
        };
        match next {
            Some(action) => {
                let at = session.now;
                session.act(action.clone());
                actions.push(ScriptEntry {
                    at: Some(at),
                    action,
                });
            }
            None => {
                if session.all_handled()
                    && session.tickets.iter().all(|t| t.status != Status::Pending)
                {
                    break;
                }
                session.advance_to(session.now + 1);
            }
        }
    }
    Ok(Script {
        name: format!("{} agent on {} (seed {seed})", persona.slug(), shift.id),
        shift: Some(shift.id.clone()),
        actions,
    })
}

/// One decision of a paced persona: the real time it spent before it, on what, and the
/// action (`None`: it looked and waited). Driving the window's clock with these spends
/// reproduces the persona's script minute for minute.
#[derive(Debug, Clone, PartialEq)]
pub struct PacedStep {
    /// Real microseconds spent, in order.
    pub spend: Vec<(Activity, u64)>,
    /// What it did then.
    pub action: Option<Action>,
}

/// Upper bound on a paced persona's decisions in one shift (it never spins).
const MAX_PACED_STEPS: usize = 20_000;

/// Plays a shift at a person's pace through the window's [`Clock`]: after each action
/// (and its minutes) it reads what the action showed, chooses the next, and types what
/// that action needs; the clock charges whatever exceeds the policy's allowances.
pub fn play_paced(
    pack: Arc<Pack>,
    shift: &Shift,
    seed: u64,
    persona: Persona,
    pace: Pace,
) -> Result<(Script, Vec<PacedStep>), SessionError> {
    let mut session = Session::with_shift(Arc::clone(&pack), shift.clone(), seed)?;
    let mut clock = Clock::person(&pack.policy.clock, shift.time_scale);
    let mut actions = Vec::new();
    let mut plan = Vec::new();
    let mut read_up_to = 0;
    let wait_us = clock::secs_to_us(1.0 / shift.time_scale.max(1e-6));
    let margin = pack.policy.clock.lint_spare_percent;
    while !session.ended && session.now < shift.length_minutes && plan.len() < MAX_PACED_STEPS {
        if session.now < session.busy_until {
            let target = clock.finish_busy(&session);
            session.advance_to(target);
            continue;
        }
        clock.observe(&session);
        let words: usize = (read_up_to..session.log.len())
            .map(|i| clock::shown_words(&session, i))
            .sum();
        read_up_to = session.log.len();
        let mut spend = vec![(
            Activity::Reading,
            clock::secs_to_us(words as f64 * 60.0 / pace.reading_wpm + pace.choose_seconds),
        )];
        let target = clock.advance(&session, spend[0].1, Activity::Reading);
        session.advance_to(target);
        if session.ended {
            break;
        }
        let Some(action) = choose(&session, persona.decides_as(), margin) else {
            if session.all_handled() && session.tickets.iter().all(|t| t.status != Status::Pending)
            {
                break;
            }
            spend.push((Activity::Reading, wait_us));
            let target = clock.advance(&session, wait_us, Activity::Reading);
            session.advance_to(target);
            plan.push(PacedStep {
                spend,
                action: None,
            });
            continue;
        };
        if let Some((ticket, typed)) = typed_words(&action) {
            let us = clock::secs_to_us(typed as f64 * 60.0 / pace.typing_wpm);
            let activity = Activity::Writing { ticket };
            spend.push((activity, us));
            let target = clock.advance(&session, us, activity);
            session.advance_to(target);
        }
        let at = session.now;
        session.act(action.clone());
        actions.push(ScriptEntry {
            at: Some(at),
            action: action.clone(),
        });
        plan.push(PacedStep {
            spend,
            action: Some(action),
        });
    }
    let script = Script {
        name: format!("{} agent on {} (seed {seed})", persona.slug(), shift.id),
        shift: Some(shift.id.clone()),
        actions,
    };
    Ok((script, plan))
}

/// The ticket an action is typed for and how many words are typed.
fn typed_words(action: &Action) -> Option<(u32, usize)> {
    match action {
        Action::Escalate { ticket, note } | Action::EscalateSecurity { ticket, note } => {
            let words = [
                &note.steps_taken,
                &note.current_state,
                &note.client_context,
                &note.hypothesis,
                &note.sla_status,
            ]
            .iter()
            .map(|f| clock::count(f))
            .sum();
            Some((*ticket, words))
        }
        Action::UpdateClient { ticket, message } => Some((*ticket, clock::count(message))),
        Action::SearchKb { ticket, query } => Some((*ticket, clock::count(query))),
        _ => None,
    }
}

/// The next action of the persona, or `None` to let a minute pass. It finishes the
/// current ticket, then takes the one with the least slack (window left minus the work
/// its path still needs); a visible security indicator goes first.
/// `margin`: the share of a window (percent) the persona keeps to spare when it weighs an
/// optional step (the paced personas keep the validator's; the machine ones none).
fn choose(session: &Session, persona: Persona, margin: u32) -> Option<Action> {
    let policy = session.policy();
    let now = session.now;
    let mut open: Vec<&Ticket> = session
        .tickets
        .iter()
        .filter(|t| t.status.open_at_l1())
        .collect();
    open.sort_by_key(|t| {
        let v = t.verdict(now, policy);
        let security = v
            .as_ref()
            .is_some_and(|v| v.owner == Owner::EscalateSecurity);
        let slack = v
            .as_ref()
            .and_then(|v| v.window.as_ref())
            .map_or(i64::MAX, |w| {
                i64::from(w.limit_minutes)
                    - i64::from(w.elapsed_minutes)
                    - i64::from(path_left(session, t))
            });
        let priority = v.as_ref().map(|v| v.impact.priority);
        (!security, slack, priority, t.arrives_at, t.number)
    });
    // Finish the current ticket before starting another (switching back and forth makes
    // every ticket late), unless a security indicator is waiting elsewhere.
    let security_waiting = open.first().is_some_and(|t| {
        session.current != Some(t.number)
            && t.verdict(now, policy)
                .is_some_and(|v| v.owner == Owner::EscalateSecurity)
    });
    if !security_waiting
        && let Some(current) = session.current
        && let Some(t) = session.ticket(current)
        && t.status.open_at_l1()
        && let Some(a) = next_for(session, t, persona, margin)
    {
        return Some(a);
    }
    open.into_iter()
        .find_map(|t| next_for(session, t, persona, margin))
}

/// Minutes of work a ticket's ideal path still needs: the minimum checks not yet run
/// and, on an L1 path, the runbook and the fix.
fn path_left(session: &Session, t: &Ticket) -> u32 {
    let checks: u32 = t
        .scenario
        .minimum_checks
        .iter()
        .filter(|id| !t.steps_run.contains(id))
        .filter_map(|id| t.scenario.step(id))
        .map(|s| s.minutes)
        .sum();
    let l1 = engine::final_verdict(&t.scenario, session.policy())
        .is_ok_and(|v| v.scope_owner == Owner::ResolveAtL1);
    checks
        + if l1 {
            remaining_l1_minutes(session, t)
        } else {
            0
        }
}

/// The next action on one ticket, or `None` when the persona waits on it.
fn next_for(session: &Session, t: &Ticket, persona: Persona, margin: u32) -> Option<Action> {
    let policy = session.policy();
    let now = session.now;
    let ticket = t.number;
    let verdict = t.verdict(now, policy)?;
    let truth = engine::final_verdict(&t.scenario, policy).ok()?;

    if session.current != Some(ticket) {
        // The slow agent leaves tickets waiting (other than security).
        if persona == Persona::Slow
            && t.first_opened_at.is_some()
            && verdict.owner != Owner::EscalateSecurity
            && !slow_ready(t, now, policy)
        {
            return None;
        }
        return Some(Action::Open { ticket });
    }

    // (Re-)assess impact whenever the facts move the priority (no sim time).
    if t.impact_estimate
        .is_none_or(|(p, _)| p != verdict.impact.priority)
    {
        return Some(Action::EstimateImpact {
            ticket,
            priority: verdict.impact.priority,
        });
    }

    // Security: escalate the moment the indicator is visible (the under-escalator won't).
    if verdict.owner == Owner::EscalateSecurity && persona != Persona::UnderEscalator {
        return Some(Action::EscalateSecurity {
            ticket,
            note: compose_note(session, t, persona),
        });
    }
    for demand in &verdict.handling {
        match demand.handling {
            Handling::ProactiveUpdate if t.client_updates.is_empty() => {
                return Some(Action::UpdateClient {
                    ticket,
                    message: "Proactive update: we are on it and will call you back with progress."
                        .into(),
                });
            }
            Handling::SeniorOwnership if t.senior_notified_at.is_none() => {
                return Some(Action::NotifySenior { ticket });
            }
            Handling::ParallelEscalation if t.parallel_escalation_at.is_none() => {
                return Some(Action::StartParallelEscalation { ticket });
            }
            _ => {}
        }
    }

    // Minimum checks, then the steps that change the facts (a hidden security
    // indicator, a runbook that applies), then those that reveal the cause — the latter
    // only while the ideal path still fits the window.
    let limit = verdict
        .window
        .as_ref()
        .map(|w| w.limit_minutes * (100 - margin.min(100)) / 100);
    let elapsed = t.elapsed(now);
    let l1_path = truth.scope_owner == Owner::ResolveAtL1;
    let rest_of_path = if l1_path {
        remaining_l1_minutes(session, t)
    } else {
        0
    };
    let fits = |minutes: u32| match limit {
        None => true,
        // L1 must resolve before the window is reached; an escalation at it is on time.
        Some(l) if l1_path => elapsed + minutes + rest_of_path < l,
        Some(l) => elapsed + minutes <= l,
    };
    let run = |id: &str| -> Option<Action> {
        let step = t.scenario.step(id)?;
        Some(match step.kind {
            StepKind::AskClient => Action::AskClient {
                ticket,
                step: step.id.clone(),
            },
            StepKind::Check => Action::RunStep {
                ticket,
                step: step.id.clone(),
            },
        })
    };
    for id in &t.scenario.minimum_checks {
        if !t.steps_run.contains(id) {
            return run(id);
        }
    }
    let not_run = |s: &&crate::scenario::Step| !t.steps_run.contains(&s.id);
    let reveals_security = |s: &&crate::scenario::Step| {
        s.changes
            .iter()
            .any(|c| matches!(c, FactChange::SecurityIndicator(_)))
    };
    let changes_owner = |s: &&crate::scenario::Step| {
        s.changes.iter().any(|c| {
            matches!(
                c,
                FactChange::Runbook(_)
                    | FactChange::TicketType(_)
                    | FactChange::Access(_)
                    | FactChange::Tools(_)
                    | FactChange::UsersAffected(_)
                    | FactChange::SitesAffected(_)
                    | FactChange::SystemsAffected(_)
            )
        })
    };
    let next_step = t
        .scenario
        .steps
        .iter()
        .filter(not_run)
        .find(|s| {
            reveals_security(s) && (truth.scope_owner == Owner::EscalateSecurity || fits(s.minutes))
        })
        .or_else(|| {
            t.scenario
                .steps
                .iter()
                .filter(not_run)
                .find(|s| changes_owner(s) && fits(s.minutes))
        })
        .or_else(|| {
            t.scenario
                .steps
                .iter()
                .filter(not_run)
                .find(|s| s.reveals_cause && fits(s.minutes))
        });
    if let Some(step) = next_step {
        return run(&step.id);
    }

    // Facts still to come from scheduled events: wait for them rather than decide on
    // a verdict that is about to change (but never past the window).
    let pending_event = t.scenario.events.iter().any(|e| {
        !t.events_fired.iter().any(|(id, _)| *id == e.id)
            && matches!(e.trigger, Trigger::AtMinute(m) | Trigger::IfOpenAt(m) if m > elapsed)
            && !e.changes.is_empty()
    });
    let window_ok = verdict
        .window
        .as_ref()
        .is_none_or(|w| w.remaining_minutes > 1);
    if truth.scope_owner != verdict.scope_owner && pending_event && window_ok {
        return None;
    }

    // The truth is not L1 but the facts still say so: what reveals it is a fix that
    // triggers new facts (the install works, then asks for a licence only the client's
    // admin holds). Try the documented fix.
    if truth.scope_owner != verdict.scope_owner && verdict.scope_owner == Owner::ResolveAtL1 {
        let revealing_fix = t.scenario.events.iter().find_map(|e| match &e.trigger {
            Trigger::AfterFix(f)
                if !e.changes.is_empty() && !t.fixes_applied.iter().any(|(id, _)| id == f) =>
            {
                Some(f.clone())
            }
            _ => None,
        });
        if let Some(fix) = revealing_fix {
            return Some(Action::ApplyFix { ticket, fix });
        }
    }

    let decide_escalate = match persona {
        Persona::OverEscalator => verdict.owner != Owner::EscalateSecurity,
        Persona::UnderEscalator => false,
        // The slow agent makes the right call by scope, just late.
        Persona::Slow => verdict.scope_owner == Owner::EscalateToL2,
        _ => verdict.owner == Owner::EscalateToL2,
    };
    if persona == Persona::Slow && !slow_ready(t, now, policy) {
        return Some(Action::Hold { ticket });
    }
    if decide_escalate {
        // Consult the KB before escalating (KB utilization), unless the persona ignores it.
        if persona != Persona::KbIgnorer && t.kb_searches.is_empty() {
            return Some(Action::SearchKb {
                ticket,
                query: kb_query(t),
            });
        }
        return Some(Action::Escalate {
            ticket,
            note: compose_note(session, t, persona),
        });
    }

    // Resolve at L1: KB first (the runbook), then the fix, then close.
    let uses_kb = persona != Persona::KbIgnorer;
    if uses_kb && let Some(runbook) = &t.facts.runbook {
        if t.kb_searches.is_empty()
            && let Some(article) = session.pack().kb.get(runbook)
        {
            return Some(Action::SearchKb {
                ticket,
                query: article
                    .keywords
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            });
        }
        if !t.kb_opened.iter().any(|(id, _)| id == runbook) {
            return Some(Action::OpenArticle {
                ticket,
                article: runbook.clone(),
            });
        }
    }
    let fix = t
        .scenario
        .expected
        .fix
        .clone()
        .filter(|f| {
            t.scenario
                .fix(f)
                .is_some_and(|x| x.resolves && (x.requires.is_empty() || t.facts.access))
        })
        .or_else(|| {
            t.scenario
                .fixes
                .iter()
                .find(|f| f.resolves && (f.requires.is_empty() || t.facts.access))
                .map(|f| f.id.clone())
        })
        .or_else(|| {
            // Nothing L1 can apply resolves it: the under-escalator tries whatever it can.
            t.scenario
                .fixes
                .iter()
                .find(|f| f.requires.is_empty() || t.facts.access)
                .map(|f| f.id.clone())
        });
    if let Some(fix) = fix
        && !t.fixes_applied.iter().any(|(id, _)| *id == fix)
    {
        return Some(Action::ApplyFix { ticket, fix });
    }
    Some(Action::Resolve { ticket })
}

/// What an agent types into the KB search before escalating: the ticket title's most
/// telling words.
fn kb_query(t: &Ticket) -> String {
    let words: Vec<&str> = t
        .scenario
        .title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
        .take(4)
        .collect();
    words.join(" ")
}

/// Minutes the L1 path still needs: the runbook (search and read) and the fix.
fn remaining_l1_minutes(session: &Session, t: &Ticket) -> u32 {
    let m = &session.policy().action_minutes;
    let kb = if t.kb_opened.is_empty() {
        m.search_kb + m.open_article
    } else {
        0
    };
    let fix = t
        .scenario
        .expected
        .fix
        .as_deref()
        .and_then(|f| t.scenario.fix(f))
        .filter(|f| !t.fixes_applied.iter().any(|(id, _)| *id == f.id))
        .map_or(0, |f| f.minutes);
    kb + fix
}

/// The slow agent decides only once the window is five minutes past.
fn slow_ready(t: &Ticket, now: u32, policy: &crate::policy::Policy) -> bool {
    match t.window(now, policy) {
        Some(w) => matches!(w.state, WindowState::Overdue { by } if by >= 5),
        None => true,
    }
}

/// The persona's escalation note.
fn compose_note(session: &Session, t: &Ticket, persona: Persona) -> EscalationNote {
    let policy = session.policy();
    let now = session.now;
    let ctx = NoteContext {
        scenario: &t.scenario,
        steps_run: &t.steps_run,
        fixes_applied: &t.fixes_applied,
        events_fired: &t.events_fired,
        facts: &t.facts,
        sla_remaining_minutes: t.sla_remaining(now, policy),
        immediate: t.facts.security_indicator.is_some(),
        signatures: Some(&session.pack().note_signatures),
    };
    let mut model = note::model_note(&ctx, policy);
    match persona {
        Persona::VagueNotes => EscalationNote {
            steps_taken: "Tried basic troubleshooting.".into(),
            current_state: "Still doesn't work.".into(),
            client_context: "User is affected.".into(),
            hypothesis: "Not sure, please advise.".into(),
            sla_status: "Please advise.".into(),
        },
        Persona::FabricatedNotes => {
            let claimed: Vec<String> = t
                .scenario
                .steps
                .iter()
                .filter(|s| !t.steps_run.contains(&s.id))
                .map(|s| format!("- {}: {}", s.label, s.reveals))
                .collect();
            if !claimed.is_empty() {
                model.steps_taken = format!("{}\n{}", model.steps_taken, claimed.join("\n"));
            }
            model
        }
        _ => model,
    }
}
