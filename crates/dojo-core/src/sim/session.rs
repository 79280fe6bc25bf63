//! The simulation's functional core: a deterministic state machine over whole sim
//! minutes. The Bevy plugin drives it from virtual time; scripts and replays drive it
//! directly. Same shift, seed and actions → same state, byte for byte.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::{self, Facts, Verdict, WindowStatus};
use crate::kb::KbHit;
use crate::note::{self, EscalationNote, NoteContext, NoteScore};
use crate::pack::Pack;
use crate::policy::{Policy, Priority};
use crate::scenario::{FindingKind, Owner, Scenario, StepKind, Trigger};
use crate::shift::Shift;
use crate::sim::action::{Action, LogEntry, Outcome};
use crate::sim::queue::{self, QueueError, QueuedTicket};
use crate::template;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Not arrived yet.
    Pending,
    /// Arrived, not picked up.
    Queued,
    /// Being worked at L1.
    Working,
    /// On hold at L1.
    OnHold,
    /// Closed at L1 as resolved.
    ResolvedAtL1,
    /// Escalated, waiting for L2's first action.
    WaitingForL2,
    /// L2 is working it.
    WithL2,
    /// L2 sent it back to L1: the note lacked what L2 needs.
    BouncedToL1,
    /// L2 passed it on to L3 (re-escalation).
    WithL3,
    /// With the security team.
    WithSecurity,
    /// Closed by L2, L3 or security.
    ClosedUpstream,
    /// Came back to L1 after being closed.
    Reopened,
}

impl Status {
    /// True while L1 holds the ticket.
    pub fn open_at_l1(self) -> bool {
        matches!(
            self,
            Status::Queued
                | Status::Working
                | Status::OnHold
                | Status::BouncedToL1
                | Status::Reopened
        )
    }
}

/// A finding revealed by a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Shift minute it was revealed.
    pub at: u32,
    /// The step.
    pub step: String,
    /// What L1 saw.
    pub text: String,
    /// What kind of finding.
    pub kind: FindingKind,
}

/// The trainee's decision on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DecisionKind {
    /// Resolved at L1, with the last fix applied (if any).
    Resolved {
        /// The fix applied last.
        fix: Option<String>,
        /// Whether a resolving fix had been applied.
        fixed: bool,
    },
    /// Escalated to L2.
    Escalated,
    /// Escalated as a security incident.
    EscalatedSecurity,
}

/// A decision with what the framework said at that minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// What was decided.
    pub kind: DecisionKind,
    /// Shift minute.
    pub at: u32,
    /// Minutes since the ticket arrived.
    pub elapsed: u32,
    /// The escalation note, if any.
    pub note: Option<EscalationNote>,
    /// The note's total score 0–100, if any (the feedback is rebuilt by grading with
    /// [`Decision::note_feedback`]).
    pub note_total: Option<u32>,
    /// Steps the note claims that were never run.
    pub note_fabricated: usize,
    /// How many steps had been run at the decision (a prefix of `Ticket::steps_run`).
    pub steps_known: usize,
    /// The facts known at the decision.
    pub facts: Facts,
    /// SLA resolution minutes remaining at the decision.
    pub sla_remaining: i64,
    /// The engine's verdict from the facts known at that minute.
    pub verdict: Verdict,
}

/// What L2 (or L3, or security) does with an escalation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upstream {
    /// Shift minute of the escalation.
    pub escalated_at: u32,
    /// Shift minute L2 (or security) first acted.
    pub first_action_at: u32,
    /// Shift minute it was closed upstream, if it was.
    pub closed_at: Option<u32>,
    /// Re-discovery minutes L2 spent because of the note.
    pub rediscovery_minutes: u32,
    /// L2 minutes wasted on a ticket L1 could have resolved.
    pub wasted_minutes: u32,
    /// L2 sent it back to L1.
    pub bounced: bool,
    /// L2 passed it to L3.
    pub to_l3: bool,
    /// Handled by the security team.
    pub security: bool,
}

/// A ticket in the shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// 1-based number.
    pub number: u32,
    /// The scenario instance (templates filled).
    pub scenario: Scenario,
    /// Shift minute it arrives.
    pub arrives_at: u32,
    /// Where it stands.
    pub status: Status,
    /// The facts as known now.
    pub facts: Facts,
    /// Steps run, in order.
    pub steps_run: Vec<String>,
    /// Findings revealed.
    pub findings: Vec<Finding>,
    /// Fixes applied, with the minute.
    pub fixes_applied: Vec<(String, u32)>,
    /// Events fired, with the minute.
    pub events_fired: Vec<(String, u32)>,
    /// KB searches for this ticket: minute, query and the ranked article ids.
    pub kb_searches: Vec<(u32, String, Vec<String>)>,
    /// KB articles opened, with the minute.
    pub kb_opened: Vec<(String, u32)>,
    /// Client updates sent (minutes).
    pub client_updates: Vec<u32>,
    /// When a senior was notified.
    pub senior_notified_at: Option<u32>,
    /// When a parallel escalation was started.
    pub parallel_escalation_at: Option<u32>,
    /// The trainee's impact estimate and when.
    pub impact_estimate: Option<(Priority, u32)>,
    /// First time L1 opened it.
    pub first_opened_at: Option<u32>,
    /// Shift minutes L1 worked on it (sum of action costs).
    pub l1_minutes: u32,
    /// Window warnings sent (percent).
    pub window_warnings: Vec<u32>,
    /// Every decision, in order (a bounce or reopen leads to another).
    pub decisions: Vec<Decision>,
    /// Upstream handling of the latest escalation.
    pub upstream: Option<Upstream>,
    /// Minutes it reopened at.
    pub reopened_at: Vec<u32>,
    /// Times L2 sent it back to L1.
    pub bounces: u32,
    /// Pending reopen (minute) after a wrong-fix resolution.
    pub reopen_due: Option<u32>,
    /// Shift minute it was finally closed (L1 or upstream).
    pub closed_at: Option<u32>,
    /// Shift minute a security indicator first became visible.
    pub security_visible_at: Option<u32>,
}

impl Ticket {
    /// Minutes since arrival at shift minute `now`.
    pub fn elapsed(&self, now: u32) -> u32 {
        now.saturating_sub(self.arrives_at)
    }

    /// The engine's verdict at shift minute `now` from the facts known.
    pub fn verdict(&self, now: u32, policy: &Policy) -> Option<Verdict> {
        engine::evaluate(&self.scenario, &self.facts, self.elapsed(now), policy).ok()
    }

    /// The L1 window length for the facts known, without the verdict's reasons (cheap:
    /// the per-minute loop calls it). `None` for security.
    pub fn window_limit(&self, policy: &Policy) -> Option<u32> {
        let ticket_type = policy.ticket_type(&engine::classify(&self.facts, policy).0)?;
        if ticket_type.scope == crate::policy::Scope::Security
            || self.facts.security_indicator.is_some()
        {
            return None;
        }
        ticket_type.window_minutes
    }

    /// The L1 window at `now`, if the ticket has one.
    pub fn window(&self, now: u32, policy: &Policy) -> Option<WindowStatus> {
        self.verdict(now, policy).and_then(|v| v.window)
    }

    /// SLA resolution minutes remaining at `now` (negative once breached).
    pub fn sla_remaining(&self, now: u32, policy: &Policy) -> i64 {
        let target = self
            .verdict(now, policy)
            .and_then(|v| v.impact.sla)
            .map_or(i64::MAX / 4, |s| i64::from(s.resolution_minutes));
        target - i64::from(self.elapsed(now))
    }

    /// SLA response minutes remaining (until first opened), if not yet responded.
    pub fn response_remaining(&self, now: u32, policy: &Policy) -> Option<i64> {
        if self.first_opened_at.is_some() {
            return None;
        }
        let target = self.verdict(now, policy)?.impact.sla?.response_minutes;
        Some(i64::from(target) - i64::from(self.elapsed(now)))
    }

    /// The last decision, if any.
    pub fn last_decision(&self) -> Option<&Decision> {
        self.decisions.last()
    }
}

/// Something the UI should show: a toast, a banner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Notice {
    /// A ticket arrived.
    Arrived {
        /// Ticket number.
        ticket: u32,
        /// Its title.
        title: String,
    },
    /// The ownership window crossed a warning threshold.
    WindowWarning {
        /// Ticket number.
        ticket: u32,
        /// Percent of the window used (50, 75, 100).
        percent: u32,
    },
    /// A scripted event fired.
    Event {
        /// Ticket number.
        ticket: u32,
        /// Event id.
        event: String,
        /// What L1 sees.
        message: String,
    },
    /// L2, L3 or security acted.
    Upstream {
        /// Ticket number.
        ticket: u32,
        /// What happened.
        message: String,
    },
    /// A ticket reopened.
    Reopened {
        /// Ticket number.
        ticket: u32,
        /// Why.
        reason: String,
    },
    /// An action was refused.
    Refused {
        /// What was tried.
        action: String,
        /// Why not.
        reason: String,
    },
    /// The shift ended.
    ShiftEnded,
}

/// Why a session cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Unknown shift id.
    #[error("no shift `{0}` in the pack")]
    UnknownShift(String),
    /// The queue cannot be built.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// A scenario (or one of its fact changes) names a ticket type the policy lacks.
    #[error("scenario `{scenario}` uses ticket type `{ticket_type}`, which the policy lacks")]
    UnknownTicketType {
        /// The scenario.
        scenario: String,
        /// The ticket type.
        ticket_type: String,
    },
}

/// How long after the shift's end upstream work is followed to its outcome.
pub const DRAIN_MINUTES: u32 = 24 * 60;

/// A running shift.
#[derive(Debug, Clone)]
pub struct Session {
    pack: Arc<Pack>,
    /// The shift definition.
    pub shift: Shift,
    /// The session seed.
    pub seed: u64,
    /// The current shift minute.
    pub now: u32,
    /// Tickets, by number − 1.
    pub tickets: Vec<Ticket>,
    /// The ticket being worked.
    pub current: Option<u32>,
    /// The agent is busy until this minute.
    pub busy_until: u32,
    /// The clock is paused.
    pub paused: bool,
    /// Every action with its minute and outcome.
    pub log: Vec<LogEntry>,
    /// Per ticket, the next minute at which something can happen to it.
    wake: Vec<u32>,
    /// The shift has ended (no more L1 actions).
    pub ended: bool,
    /// The minute the trainee ended the shift early (`Action::EndShift`), if they did.
    pub ended_early_at: Option<u32>,
    notices: Vec<Notice>,
}

impl Session {
    /// Starts a shift from the pack with a seed: builds the queue and lets minute 0 happen.
    pub fn new(pack: Arc<Pack>, shift_id: &str, seed: u64) -> Result<Session, SessionError> {
        let shift = pack
            .shifts
            .get(shift_id)
            .cloned()
            .ok_or_else(|| SessionError::UnknownShift(shift_id.to_string()))?;
        Session::with_shift(pack, shift, seed)
    }

    /// Starts a session on a given shift definition (e.g. a drill built on the fly).
    pub fn with_shift(pack: Arc<Pack>, shift: Shift, seed: u64) -> Result<Session, SessionError> {
        let queue = queue::build_queue(&shift, &pack, seed)?;
        for q in &queue {
            let scenario = &pack.scenarios[&q.scenario_id];
            let types = std::iter::once(&scenario.ticket_type).chain(
                scenario
                    .steps
                    .iter()
                    .flat_map(|st| &st.changes)
                    .chain(scenario.events.iter().flat_map(|e| &e.changes))
                    .filter_map(|c| match c {
                        crate::scenario::FactChange::TicketType(t) => Some(t),
                        _ => None,
                    }),
            );
            for t in types {
                if pack.policy.ticket_type(t).is_none() {
                    return Err(SessionError::UnknownTicketType {
                        scenario: scenario.id.clone(),
                        ticket_type: t.clone(),
                    });
                }
            }
        }
        let tickets = queue
            .iter()
            .map(|q| new_ticket(&pack, q, shift.variant))
            .collect();
        let mut session = Session {
            pack,
            shift,
            seed,
            now: 0,
            tickets,
            current: None,
            busy_until: 0,
            paused: false,
            log: Vec::new(),
            wake: vec![0; queue.len()],
            ended: false,
            ended_early_at: None,
            notices: Vec::new(),
        };
        session.process_minute(0);
        Ok(session)
    }

    /// The pack in use.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// The shared pack handle.
    pub fn pack_arc(&self) -> Arc<Pack> {
        Arc::clone(&self.pack)
    }

    /// The policy in use.
    pub fn policy(&self) -> &Policy {
        &self.pack.policy
    }

    /// Takes the notices produced since the last call.
    pub fn drain_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    /// The ticket with this number.
    pub fn ticket(&self, number: u32) -> Option<&Ticket> {
        number
            .checked_sub(1)
            .and_then(|i| self.tickets.get(i as usize))
    }

    /// Advances the clock to shift minute `target`, processing every minute on the way.
    /// Does nothing while paused or when `target` is not ahead.
    pub fn advance_to(&mut self, target: u32) {
        if self.paused {
            return;
        }
        let limit = target.min(self.shift.length_minutes + DRAIN_MINUTES);
        while self.now < limit {
            self.step_towards(limit);
        }
    }

    /// Moves the clock to the next minute at which something is due (or `limit`) and
    /// processes it. Minutes in which nothing can happen are skipped: same result, and
    /// a 100-ticket shift replays in milliseconds.
    fn step_towards(&mut self, limit: u32) {
        let mut due = self.wake.iter().copied().min().unwrap_or(u32::MAX);
        if !self.ended {
            due = due.min(self.shift.length_minutes);
        }
        self.now = due.max(self.now + 1).min(limit);
        self.process_minute(self.now);
    }

    /// Ends the shift now and follows upstream work and pending reopens to their end.
    pub fn finish(&mut self) {
        self.paused = false;
        if !self.ended {
            self.advance_to(self.shift.length_minutes);
            self.end_shift();
        }
        let horizon = self.shift.length_minutes + DRAIN_MINUTES;
        while self.now < horizon && self.tickets.iter().any(|t| self.pending_upstream(t)) {
            self.step_towards(horizon);
        }
    }

    fn pending_upstream(&self, t: &Ticket) -> bool {
        matches!(
            t.status,
            Status::WaitingForL2 | Status::WithL2 | Status::WithL3 | Status::WithSecurity
        ) || t.reopen_due.is_some()
    }

    fn end_shift(&mut self) {
        if !self.ended {
            self.ended = true;
            self.current = None;
            self.notices.push(Notice::ShiftEnded);
        }
    }

    fn process_minute(&mut self, now: u32) {
        let pack = Arc::clone(&self.pack);
        if now >= self.shift.length_minutes && !self.ended {
            self.end_shift();
        }
        for i in 0..self.tickets.len() {
            if self.wake[i] <= now {
                self.process_ticket_minute(i, now, &pack.policy);
                self.wake[i] = next_wake(&self.tickets[i], now, &pack.policy, self.ended);
            }
        }
    }

    fn process_ticket_minute(&mut self, i: usize, now: u32, policy: &Policy) {
        let ended = self.ended;
        let busy_until = self.busy_until;
        let t = &mut self.tickets[i];
        if t.status == Status::Pending {
            if t.arrives_at == now && !ended {
                t.status = Status::Queued;
                self.notices.push(Notice::Arrived {
                    ticket: t.number,
                    title: t.scenario.title.clone(),
                });
            } else {
                return;
            }
        }
        if t.status == Status::ClosedUpstream {
            return;
        }
        let notices = &mut self.notices;
        time_events(t, now, policy, notices);
        if !ended {
            window_warnings(t, now, policy, notices);
        }
        wrong_fix_reopen(t, now, notices);
        upstream_milestones(t, now, policy, notices);
        // An indicator that appears while the trainee is busy is seen when they are free.
        if t.security_visible_at.is_none() && t.facts.security_indicator.is_some() {
            t.security_visible_at = Some(now.max(busy_until));
        }
    }

    /// Takes an action at the current minute. Refusals are logged with their reason and
    /// cost no time; nothing panics.
    pub fn act(&mut self, action: Action) -> Outcome {
        let outcome = match self.check(&action) {
            Err(reason) => Outcome::Refused(reason),
            Ok(()) => {
                let previous = self.current;
                let cost = self.apply(&action);
                if let Some(n) = action.ticket()
                    && let Some(t) = self.tickets.get_mut(n as usize - 1)
                {
                    t.l1_minutes += cost;
                }
                // What the action touched is looked at again at the next minute.
                for n in [action.ticket(), previous].into_iter().flatten() {
                    if let Some(w) = self.wake.get_mut(n as usize - 1) {
                        *w = 0;
                    }
                }
                self.busy_until = self.now + cost;
                Outcome::Done {
                    busy_until: self.busy_until,
                }
            }
        };
        if let Outcome::Refused(reason) = &outcome {
            self.notices.push(Notice::Refused {
                action: action.label(),
                reason: reason.clone(),
            });
        }
        self.log.push(LogEntry {
            at: self.now,
            action,
            outcome: outcome.clone(),
        });
        outcome
    }

    /// Why the session would refuse this action now, if it would (the reason the
    /// trainee sees): the app shows it beside a control before it is used.
    pub fn check(&self, action: &Action) -> Result<(), String> {
        match action {
            Action::Pause => {
                return if !self.shift.rules.pause_allowed {
                    Err("Pausing is not allowed in this mode.".into())
                } else if self.paused {
                    Err("The shift is already paused.".into())
                } else if self.ended {
                    Err("The shift has ended.".into())
                } else {
                    Ok(())
                };
            }
            Action::Resume => {
                return if self.paused {
                    Ok(())
                } else {
                    Err("The shift is not paused.".into())
                };
            }
            Action::EndShift => {
                return if self.ended {
                    Err("The shift has ended.".into())
                } else if self.shift.mode == crate::shift::Mode::Competition {
                    Err("A competition runs to the end of its shift: every ticket counts.".into())
                } else {
                    Ok(())
                };
            }
            _ => {}
        }
        if self.ended {
            return Err("The shift has ended.".into());
        }
        if self.paused {
            return Err("The shift is paused: resume to act.".into());
        }
        if self.now < self.busy_until {
            return Err(format!("You are busy until minute {}.", self.busy_until));
        }
        let number = action.ticket().unwrap_or(0);
        let Some(t) = self.ticket(number) else {
            return Err(format!("There is no ticket {number} in this shift."));
        };
        if t.status == Status::Pending {
            return Err(format!(
                "Ticket {number} has not arrived yet (it arrives at minute {}).",
                t.arrives_at
            ));
        }
        if !t.status.open_at_l1() {
            return Err(format!("Ticket {number} is not with L1 ({:?}).", t.status));
        }
        let opened = self.current == Some(number);
        let needs_open = !matches!(action, Action::Open { .. } | Action::Hold { .. });
        if needs_open && !opened {
            return Err(format!("Open ticket {number} first."));
        }
        match action {
            Action::Open { .. } if opened => Err(format!("Ticket {number} is already open.")),
            Action::RunStep { step, .. } | Action::AskClient { step, .. } => {
                let Some(s) = t.scenario.step(step) else {
                    return Err(format!("Ticket {number} has no step `{step}`."));
                };
                if t.steps_run.contains(step) {
                    return Err(format!(
                        "`{}` was already done: the finding is in the ticket.",
                        s.label
                    ));
                }
                match (action, s.kind) {
                    (Action::RunStep { .. }, StepKind::AskClient) => Err(format!(
                        "`{}` is a question for the client: ask the client.",
                        s.label
                    )),
                    (Action::AskClient { .. }, StepKind::Check) => Err(format!(
                        "`{}` is a check L1 runs itself, not a question.",
                        s.label
                    )),
                    _ => Ok(()),
                }
            }
            Action::SearchKb { query, .. } if query.trim().is_empty() => {
                Err("Type something to search for.".into())
            }
            Action::OpenArticle { article, .. } if !self.pack.kb.contains_key(article) => {
                Err(format!("There is no KB article `{article}`."))
            }
            Action::ApplyFix { fix, .. } => {
                let Some(f) = t.scenario.fix(fix) else {
                    return Err(format!("Ticket {number} has no fix `{fix}`."));
                };
                if !f.requires.is_empty() && !t.facts.access {
                    let needs: Vec<&str> = f
                        .requires
                        .iter()
                        .map(|r| match r {
                            crate::scenario::Requirement::Admin => "admin rights",
                            crate::scenario::Requirement::PolicyChange => "a policy change",
                        })
                        .collect();
                    return Err(format!(
                        "Access denied: `{}` needs {}, which L1 does not have. This is an L2 job.",
                        f.label,
                        needs.join(" and ")
                    ));
                }
                Ok(())
            }
            Action::EstimateImpact { .. } | Action::UpdateClient { .. } => Ok(()),
            Action::NotifySenior { .. } if t.senior_notified_at.is_some() => {
                Err("A senior is already notified.".into())
            }
            Action::StartParallelEscalation { .. } if t.parallel_escalation_at.is_some() => {
                Err("A parallel escalation is already running.".into())
            }
            _ => Ok(()),
        }
    }

    /// Applies a checked action; returns its cost in minutes.
    fn apply(&mut self, action: &Action) -> u32 {
        let pack = Arc::clone(&self.pack);
        let minutes = &pack.policy.action_minutes;
        let now = self.now;
        let number = action.ticket().unwrap_or(1);
        let idx = number as usize - 1;
        match action {
            Action::Pause => {
                self.paused = true;
                0
            }
            Action::Resume => {
                self.paused = false;
                0
            }
            Action::EndShift => {
                self.paused = false;
                self.ended_early_at = Some(now);
                self.end_shift();
                0
            }
            Action::Open { .. } => {
                self.open(number);
                0
            }
            Action::Hold { .. } => {
                self.hold(number);
                0
            }
            Action::RunStep { step, .. } | Action::AskClient { step, .. } => {
                self.run_step(idx, step)
            }
            Action::SearchKb { query, .. } => {
                let hits: Vec<KbHit> = pack.kb_index.search(query);
                self.tickets[idx].kb_searches.push((
                    now,
                    query.clone(),
                    hits.into_iter().map(|h| h.id).collect(),
                ));
                minutes.search_kb
            }
            Action::OpenArticle { article, .. } => {
                self.tickets[idx].kb_opened.push((article.clone(), now));
                minutes.open_article
            }
            Action::ApplyFix { fix, .. } => self.apply_fix(idx, fix),
            Action::Resolve { .. } => {
                self.resolve(idx, &pack);
                minutes.resolve
            }
            Action::Escalate { note, .. } => {
                self.escalate(idx, note, false, &pack);
                minutes.escalate
            }
            Action::EscalateSecurity { note, .. } => {
                self.escalate(idx, note, true, &pack);
                minutes.escalate_security
            }
            Action::UpdateClient { .. } => {
                let t = &mut self.tickets[idx];
                t.client_updates.push(now);
                t.facts.patience = (t.facts.patience + 1).min(5);
                minutes.update_client
            }
            Action::NotifySenior { .. } => {
                self.tickets[idx].senior_notified_at = Some(now);
                minutes.notify_senior
            }
            Action::StartParallelEscalation { .. } => {
                self.tickets[idx].parallel_escalation_at = Some(now);
                minutes.parallel_escalation
            }
            Action::EstimateImpact { priority, .. } => {
                self.tickets[idx].impact_estimate = Some((*priority, now));
                0
            }
        }
    }

    /// Opens a ticket: the one open before it goes on hold.
    fn open(&mut self, number: u32) {
        if let Some(previous) = self.current
            && previous != number
            && let Some(p) = self.tickets.get_mut(previous as usize - 1)
            && p.status == Status::Working
        {
            p.status = Status::OnHold;
        }
        self.current = Some(number);
        let t = &mut self.tickets[number as usize - 1];
        t.first_opened_at.get_or_insert(self.now);
        t.status = Status::Working;
    }

    /// Puts a ticket on hold.
    fn hold(&mut self, number: u32) {
        self.tickets[number as usize - 1].status = Status::OnHold;
        if self.current == Some(number) {
            self.current = None;
        }
    }

    /// Runs a diagnostic step (or asks the client): its finding, its fact changes and the
    /// events it triggers; returns its minutes.
    fn run_step(&mut self, idx: usize, step: &str) -> u32 {
        let now = self.now;
        let t = &mut self.tickets[idx];
        let Some(s) = t.scenario.step(step).cloned() else {
            return 0;
        };
        t.steps_run.push(s.id.clone());
        t.findings.push(Finding {
            at: now,
            step: s.id.clone(),
            text: s.reveals.clone(),
            kind: s.finding,
        });
        if s.finding == FindingKind::ErrorText {
            t.facts.error_text = Some(s.reveals.clone());
        }
        t.facts.apply_all(&s.changes);
        fire_triggered(
            t,
            |e| matches!(e, Trigger::AfterStep(x) if *x == s.id),
            now,
            &mut self.notices,
        );
        // A finding is in front of the trainee once the step's minutes are over.
        if t.security_visible_at.is_none() && t.facts.security_indicator.is_some() {
            t.security_visible_at = Some(now + s.minutes);
        }
        s.minutes
    }

    /// Applies a fix and the events it triggers; returns its minutes.
    fn apply_fix(&mut self, idx: usize, fix: &str) -> u32 {
        let now = self.now;
        let t = &mut self.tickets[idx];
        let Some(f) = t.scenario.fix(fix).cloned() else {
            return 0;
        };
        t.fixes_applied.push((f.id.clone(), now));
        fire_triggered(
            t,
            |e| matches!(e, Trigger::AfterFix(x) if *x == f.id),
            now,
            &mut self.notices,
        );
        f.minutes
    }

    /// Resolves a ticket at L1: the decision, and a reopen due when no fix cured it.
    fn resolve(&mut self, idx: usize, pack: &Pack) {
        let now = self.now;
        let t = &mut self.tickets[idx];
        let fixed = t
            .fixes_applied
            .iter()
            .any(|(id, _)| t.scenario.fix(id).is_some_and(|f| f.resolves));
        let decision = decision(
            t,
            DecisionKind::Resolved {
                fix: t.fixes_applied.last().map(|(id, _)| id.clone()),
                fixed,
            },
            None,
            now,
            pack,
        );
        t.decisions.push(decision);
        t.status = Status::ResolvedAtL1;
        t.closed_at = Some(now);
        t.reopen_due = (!fixed).then_some(now + pack.policy.l2.reopen_after_minutes);
        self.current = None;
    }

    /// Escalates a ticket (to L2, or as a security incident): the decision with its note
    /// score, and how the upstream team will react.
    fn escalate(&mut self, idx: usize, note: &EscalationNote, security: bool, pack: &Pack) {
        let now = self.now;
        let waiting = self
            .tickets
            .iter()
            .filter(|t| t.status == Status::WaitingForL2)
            .count() as u32;
        let t = &mut self.tickets[idx];
        let kind = if security {
            DecisionKind::EscalatedSecurity
        } else {
            DecisionKind::Escalated
        };
        let d = decision(t, kind, Some(note.clone()), now, pack);
        let completeness = d.note_total.map_or(0.0, |total| f64::from(total) / 100.0);
        let fabricated = d.note_fabricated as u32;
        let truly_security = d.verdict.scope_owner == Owner::EscalateSecurity;
        let l1_resolvable = d.verdict.scope_owner == Owner::ResolveAtL1;
        t.decisions.push(d);
        t.upstream = Some(upstream_reaction(
            t,
            &pack.policy,
            Escalation {
                now,
                waiting,
                security,
                truly_security,
                l1_resolvable,
                completeness,
                fabricated,
            },
        ));
        self.current = None;
    }

    /// How a draft note would be judged if sent on ticket `number` now — the same
    /// scorer the grading uses (the onboarding note checklist shows it live).
    pub fn draft_note_score(
        &self,
        number: u32,
        note: &EscalationNote,
        immediate: bool,
    ) -> Option<NoteScore> {
        let t = self.ticket(number)?;
        let policy = self.policy();
        Some(note::score_note(
            note,
            &NoteContext {
                scenario: &t.scenario,
                steps_run: &t.steps_run,
                fixes_applied: &t.fixes_applied,
                events_fired: &t.events_fired,
                facts: &t.facts,
                sla_remaining_minutes: t.sla_remaining(self.now, policy),
                immediate,
                signatures: Some(&self.pack.note_signatures),
            },
            policy,
        ))
    }

    /// True when every ticket has arrived and none is with L1 any more.
    pub fn all_handled(&self) -> bool {
        self.tickets
            .iter()
            .all(|t| t.status != Status::Pending && !t.status.open_at_l1())
    }

    /// True when nothing is the trainee's to do: the shift runs, no action's minutes
    /// run, and no ticket is open at L1 (the next may not have arrived yet, or the rest
    /// are upstream). The clock runs faster then (`ClockRules::idle_speed_up`).
    pub fn idle(&self) -> bool {
        !self.ended
            && !self.paused
            && self.now >= self.busy_until
            && !self.tickets.iter().any(|t| t.status.open_at_l1())
    }

    /// The next minute after now at which something can happen (an arrival, an event,
    /// a warning, upstream work, a reopen) or the shift's end, whichever comes first.
    pub fn next_due(&self) -> u32 {
        let due = self.wake.iter().copied().min().unwrap_or(u32::MAX);
        let due = if self.ended {
            due
        } else {
            due.min(self.shift.length_minutes)
        };
        due.max(self.now + 1)
    }
}

/// The seed a ticket's surface details are drawn from in a personal variant: the
/// variant's and the ticket's own seed mixed, so each ticket of the variant differs.
pub fn surface_seed(variant: u64, instance_seed: u64) -> u64 {
    variant
        ^ instance_seed
            .rotate_left(17)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn new_ticket(pack: &Pack, q: &QueuedTicket, variant: Option<u64>) -> Ticket {
    // A personal variant draws each ticket's surface details from its own stream.
    let surface = variant.map(|v| surface_seed(v, q.instance_seed));
    let scenario =
        template::instantiate_variant(&pack.scenarios[&q.scenario_id], q.instance_seed, surface);
    let facts = Facts::at_arrival(&scenario);
    Ticket {
        number: q.number,
        arrives_at: q.arrives_at,
        status: Status::Pending,
        facts,
        scenario,
        steps_run: Vec::new(),
        findings: Vec::new(),
        fixes_applied: Vec::new(),
        events_fired: Vec::new(),
        kb_searches: Vec::new(),
        kb_opened: Vec::new(),
        client_updates: Vec::new(),
        senior_notified_at: None,
        parallel_escalation_at: None,
        impact_estimate: None,
        first_opened_at: None,
        l1_minutes: 0,
        window_warnings: Vec::new(),
        decisions: Vec::new(),
        upstream: None,
        reopened_at: Vec::new(),
        bounces: 0,
        reopen_due: None,
        closed_at: None,
        security_visible_at: None,
    }
}

/// The next minute after `now` at which something can happen to a ticket: arrival, a
/// timed event, a window warning, a reopen, an upstream milestone.
fn next_wake(t: &Ticket, now: u32, policy: &Policy, ended: bool) -> u32 {
    match t.status {
        Status::Pending => return t.arrives_at.max(now + 1),
        Status::ClosedUpstream => return u32::MAX,
        _ => {}
    }
    let mut next = u32::MAX;
    for e in &t.scenario.events {
        if let Trigger::AtMinute(m) | Trigger::IfOpenAt(m) = e.trigger
            && t.arrives_at + m > now
            && !t.events_fired.iter().any(|(id, _)| *id == e.id)
        {
            next = next.min(t.arrives_at + m);
        }
    }
    if t.status.open_at_l1()
        && !ended
        && let Some(limit) = t.window_limit(policy)
    {
        for &p in &policy.window_warnings_percent {
            if !t.window_warnings.contains(&p) {
                let at = t.arrives_at + (u64::from(limit) * u64::from(p)).div_ceil(100) as u32;
                next = next.min(at.max(now + 1));
            }
        }
    }
    if let Some(r) = t.reopen_due {
        next = next.min(r.max(now + 1));
    }
    if let Some(up) = &t.upstream {
        if matches!(t.status, Status::WaitingForL2 | Status::WithSecurity) {
            next = next.min(up.first_action_at.max(now + 1));
        }
        if let Some(closed) = up.closed_at
            && matches!(
                t.status,
                Status::WithL2 | Status::WithL3 | Status::WithSecurity
            )
        {
            next = next.min(closed.max(now + 1));
        }
    }
    next
}

/// Events due at this minute of the ticket's age; a closed ticket whose owner they change
/// comes back.
fn time_events(t: &mut Ticket, now: u32, policy: &Policy, notices: &mut Vec<Notice>) {
    let elapsed = t.elapsed(now);
    // Time-triggered events.
    let due: Vec<usize> = t
        .scenario
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| !t.events_fired.iter().any(|(id, _)| *id == e.id))
        .filter(|(_, e)| match e.trigger {
            Trigger::AtMinute(m) => m == elapsed,
            Trigger::IfOpenAt(m) => m == elapsed && t.status.open_at_l1(),
            _ => false,
        })
        .map(|(k, _)| k)
        .collect();
    for k in due {
        let before = t.verdict(now, policy).map(|v| v.scope_owner);
        fire_event(t, k, now, notices);
        let after = t.verdict(now, policy).map(|v| v.scope_owner);
        // New facts on a ticket L1 closed: it comes back when they change who owns it.
        if t.status == Status::ResolvedAtL1 && before != after {
            t.status = Status::Reopened;
            t.reopened_at.push(now);
            t.closed_at = None;
            t.reopen_due = None;
            notices.push(Notice::Reopened {
                ticket: t.number,
                reason: "new information changes who owns it".into(),
            });
        }
    }
}

/// The window's warnings while L1 holds the ticket.
fn window_warnings(t: &mut Ticket, now: u32, policy: &Policy, notices: &mut Vec<Notice>) {
    let elapsed = t.elapsed(now);
    // Window warnings while L1 holds it.
    if t.status.open_at_l1()
        && t.window_warnings.len() < policy.window_warnings_percent.len()
        && let Some(limit) = t.window_limit(policy)
    {
        for &percent in &policy.window_warnings_percent {
            let reached = u64::from(elapsed) * 100 >= u64::from(limit) * u64::from(percent);
            if reached && !t.window_warnings.contains(&percent) {
                t.window_warnings.push(percent);
                notices.push(Notice::WindowWarning {
                    ticket: t.number,
                    percent,
                });
            }
        }
    }
}

/// A ticket resolved with a fix that was not the cure comes back when its reopen is due.
fn wrong_fix_reopen(t: &mut Ticket, now: u32, notices: &mut Vec<Notice>) {
    // Wrong-fix reopen.
    if t.reopen_due == Some(now) && t.status == Status::ResolvedAtL1 {
        t.reopen_due = None;
        t.status = Status::Reopened;
        t.closed_at = None;
        t.reopened_at.push(now);
        notices.push(Notice::Reopened {
            ticket: t.number,
            reason: "the problem came back: the fix applied did not cure the cause".into(),
        });
    }
}

/// L2's, L3's or security's milestones: picked up, bounced, passed on, closed.
fn upstream_milestones(t: &mut Ticket, now: u32, policy: &Policy, notices: &mut Vec<Notice>) {
    // Upstream milestones.
    let number = t.number;
    if let Some(up) = &mut t.upstream {
        if up.first_action_at == now
            && matches!(t.status, Status::WaitingForL2 | Status::WithSecurity)
        {
            if up.security {
                notices.push(Notice::Upstream {
                    ticket: number,
                    message: "The security team has picked up the incident.".into(),
                });
            } else if up.bounced {
                t.status = Status::BouncedToL1;
                t.bounces += 1;
                up.closed_at = None;
                notices.push(Notice::Upstream {
                    ticket: number,
                    message: "L2 sent the ticket back: the note lacks what L2 needs to start."
                        .into(),
                });
            } else {
                t.status = Status::WithL2;
                notices.push(Notice::Upstream {
                    ticket: number,
                    message: "L2 has picked up the escalation.".into(),
                });
            }
        }
        if let Some(closed) = up.closed_at
            && closed == now
        {
            match t.status {
                Status::WithL2 if up.to_l3 => {
                    t.status = Status::WithL3;
                    up.closed_at = Some(now + policy.l2.l3_minutes);
                    notices.push(Notice::Upstream {
                        ticket: number,
                        message:
                            "L2 could not pin it down and passed it on to L3 (a re-escalation)."
                                .into(),
                    });
                }
                Status::WithL2 | Status::WithL3 | Status::WithSecurity => {
                    t.status = Status::ClosedUpstream;
                    t.closed_at = Some(now);
                    notices.push(Notice::Upstream {
                        ticket: number,
                        message: "Closed upstream.".into(),
                    });
                }
                _ => {}
            }
        }
    }
}

/// Fires, in order, the scenario's events whose trigger matches.
fn fire_triggered(
    t: &mut Ticket,
    matches: impl Fn(&Trigger) -> bool,
    now: u32,
    notices: &mut Vec<Notice>,
) {
    let triggered: Vec<usize> = t
        .scenario
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches(&e.trigger))
        .map(|(k, _)| k)
        .collect();
    for k in triggered {
        fire_event(t, k, now, notices);
    }
}

fn fire_event(t: &mut Ticket, k: usize, now: u32, notices: &mut Vec<Notice>) {
    let event = t.scenario.events[k].clone();
    t.facts.apply_all(&event.changes);
    t.events_fired.push((event.id.clone(), now));
    notices.push(Notice::Event {
        ticket: t.number,
        event: event.id,
        message: event.message,
    });
}

fn decision(
    t: &Ticket,
    kind: DecisionKind,
    note: Option<EscalationNote>,
    now: u32,
    pack: &Pack,
) -> Decision {
    let policy = &pack.policy;
    let elapsed = t.elapsed(now);
    // Session::with_shift refuses packs whose ticket types the policy lacks.
    let verdict = engine::evaluate(&t.scenario, &t.facts, elapsed, policy)
        .expect("ticket types were checked against the policy when the session started");
    let sla_remaining = verdict
        .impact
        .sla
        .as_ref()
        .map_or(i64::MAX / 4, |s| i64::from(s.resolution_minutes))
        - i64::from(elapsed);
    let immediate = matches!(kind, DecisionKind::EscalatedSecurity);
    let scored = note.as_ref().map(|n| {
        note::note_total(
            n,
            &NoteContext {
                scenario: &t.scenario,
                steps_run: &t.steps_run,
                fixes_applied: &t.fixes_applied,
                events_fired: &t.events_fired,
                facts: &t.facts,
                sla_remaining_minutes: sla_remaining,
                immediate,
                signatures: Some(&pack.note_signatures),
            },
            policy,
        )
    });
    Decision {
        kind,
        at: now,
        elapsed,
        note,
        note_total: scored.map(|(total, _)| total),
        note_fabricated: scored.map_or(0, |(_, fabricated)| fabricated),
        steps_known: t.steps_run.len(),
        facts: t.facts.clone(),
        sla_remaining,
        verdict,
    }
}

impl Decision {
    /// The full note judgement — per-element problems and rewrite suggestions — as it
    /// stood at the decision (same total as `note_total`).
    pub fn note_feedback(&self, t: &Ticket, policy: &Policy) -> Option<NoteScore> {
        let note = self.note.as_ref()?;
        // Fixes and events are logged in time order: those before the decision.
        let fixes = t
            .fixes_applied
            .iter()
            .take_while(|(_, m)| *m <= self.at)
            .count();
        let events = t
            .events_fired
            .iter()
            .take_while(|(_, m)| *m <= self.at)
            .count();
        Some(note::score_note(
            note,
            &NoteContext {
                scenario: &t.scenario,
                steps_run: &t.steps_run[..self.steps_known.min(t.steps_run.len())],
                fixes_applied: &t.fixes_applied[..fixes],
                events_fired: &t.events_fired[..events],
                facts: &self.facts,
                sla_remaining_minutes: self.sla_remaining,
                immediate: matches!(self.kind, DecisionKind::EscalatedSecurity),
                signatures: None,
            },
            policy,
        ))
    }
}

/// What the simulated upstream saw when a ticket was escalated.
struct Escalation {
    now: u32,
    /// Escalations already waiting in L2's queue.
    waiting: u32,
    /// Sent as a security incident.
    security: bool,
    /// It is a security incident (whatever it was sent as).
    truly_security: bool,
    /// L1 could have resolved it.
    l1_resolvable: bool,
    /// The note's completeness, 0–1.
    completeness: f64,
    /// Steps the note claims that were never run.
    fabricated: u32,
}

/// How the simulated L2, L3 and security team react to an escalation (the policy's
/// `l2` model): when they first act, whether a thin note bounces back to L1 or goes on to
/// L3, the re-discovery a note did not spare them, and the time an escalation L1 could
/// have resolved wasted. Sets the ticket's status to where it waits.
fn upstream_reaction(t: &mut Ticket, policy: &Policy, e: Escalation) -> Upstream {
    let l2 = &policy.l2;
    let now = e.now;
    if e.security || e.truly_security {
        // The security team takes it; an ordinary escalation of an incident reaches
        // them through L2's queue.
        let first = if e.security {
            now + l2.security_response_minutes
        } else {
            now + l2.queue_wait_minutes + l2.wait_per_queued_ticket * e.waiting
        };
        t.status = if e.security {
            Status::WithSecurity
        } else {
            Status::WaitingForL2
        };
        return Upstream {
            escalated_at: now,
            first_action_at: first,
            closed_at: Some(first + l2.base_minutes),
            rediscovery_minutes: 0,
            wasted_minutes: 0,
            bounced: false,
            to_l3: false,
            security: true,
        };
    }
    let first = now + l2.queue_wait_minutes + l2.wait_per_queued_ticket * e.waiting;
    let rediscovery = (f64::from(policy.note.l2_minutes_saved_max) * (1.0 - e.completeness)).round()
        as u32
        + e.fabricated * policy.note.fabrication_cost_l2_minutes;
    let work = l2.base_minutes + rediscovery;
    // L2 bounces a thin note once; the second time it takes the ticket and pays the
    // re-discovery itself (no ping-pong).
    let bounced = e.completeness < l2.bounce_below && t.bounces == 0;
    let to_l3 = !bounced
        && !e.l1_resolvable
        && e.completeness < l2.l3_below
        && t.scenario.difficulty >= l2.l3_min_difficulty;
    t.status = Status::WaitingForL2;
    Upstream {
        escalated_at: now,
        first_action_at: first,
        closed_at: (!bounced).then_some(first + work),
        rediscovery_minutes: rediscovery,
        wasted_minutes: if e.l1_resolvable { work } else { 0 },
        bounced,
        to_l3,
        security: false,
    }
}
