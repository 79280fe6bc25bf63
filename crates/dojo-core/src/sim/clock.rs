//! The clock a person plays against: how real time becomes sim time (`docs/time.md`).
//!
//! Sim time is work time. Every action costs its minutes (a step's or fix's `minutes`,
//! the policy's `action_minutes`; the escalation note is the framework's fixed 3–4
//! minutes, not typing time) and the session charges them itself. Real time runs the
//! clock at the shift's `time_scale` (sim minutes per real second) — a trainee who waits
//! lets every clock in the queue run — except for the allowances a practised agent
//! needs, in the policy's `clock` section:
//!
//! - **reading**: new text (a ticket opened for the first time, a finding, a fix's
//!   outcome, a KB article or search results) adds its words at `reading_wpm`;
//! - **deciding**: each action, each arriving ticket and the shift's start add
//!   `decide_seconds` to choose what to do next;
//! - **writing**: while a note, client update or other text field is being typed for a
//!   ticket, the clock holds for up to `writing_seconds` per ticket.
//!
//! Reading and deciding allowances add up (capped at `hold_cap_seconds`) and are spent
//! by real time before the clock runs; the writing allowance is spent only while
//! writing. While an action's minutes run, the clock runs `busy_speed_up` times faster
//! and no allowance is spent; while nothing is the trainee's to do (no ticket open at
//! L1), it runs `idle_speed_up` times faster up to the next minute something is due,
//! and no allowance is spent either. A paused session stops its clock.
//!
//! The window's shell (`sim_plugin`) and the paced personas ([`crate::agents`]) both
//! drive a session through this one type, so a persona that "reads at 230 words a
//! minute" spends sim time exactly as a person in the window would. Real time is passed
//! in as microseconds; the clock never reads one. Nothing here enters the session log:
//! the log holds the minute of each action, so a session replays without its clock.

use std::collections::BTreeMap;

use crate::policy::ClockRules;
use crate::sim::action::{Action, LogEntry, Outcome};
use crate::sim::session::Session;

/// Microseconds in a second.
const US: f64 = 1_000_000.0;

/// What the trainee is doing with the real time that passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activity {
    /// Reading, thinking, choosing: spends the reading-and-deciding allowance.
    #[default]
    Reading,
    /// Typing for a ticket (its note, a client update, a search): spends that ticket's
    /// writing allowance.
    Writing {
        /// The ticket written for.
        ticket: u32,
    },
}

/// Real time → sim minutes for one session. See the module docs.
#[derive(Debug, Clone)]
pub struct Clock {
    /// The allowances; `None` for a machine-paced run (every real second is charged).
    rules: Option<ClockRules>,
    /// Sim minutes per real second.
    scale: f64,
    /// Reading-and-deciding allowance left, µs.
    hold_us: u64,
    /// Writing allowance spent per ticket, µs.
    written_us: BTreeMap<u32, u64>,
    /// Real µs charged since the last reset, and the whole minutes given for them.
    charged_us: u64,
    given: u64,
    /// The same while an action's minutes run (at the busy speed-up).
    busy_us: u64,
    busy_given: u64,
    /// The same while the queue is clear (at the idle speed-up).
    idle_us: u64,
    idle_given: u64,
    /// Log entries already granted their allowance.
    seen: usize,
    /// Tickets already arrived (each arrival gives time to choose it).
    arrived: usize,
}

impl Clock {
    /// The clock of a person in the window: the policy's allowances at `scale`.
    pub fn person(rules: &ClockRules, scale: f64) -> Self {
        let mut clock = Clock::new(Some(rules.clone()), scale);
        // The first action is chosen on the same allowance as every other.
        clock.hold_us = secs_to_us(rules.decide_seconds);
        clock
    }

    /// The clock of a person with a time extension of `m` (a coach's accommodation,
    /// WCAG 2.2.1): the clock runs m times slower and every allowance is m times longer
    /// ([`ClockRules::extended`]). `m` = 1 is [`Clock::person`].
    pub fn person_extended(rules: &ClockRules, scale: f64, m: f64) -> Self {
        let m = if m.is_finite() && m >= 1.0 { m } else { 1.0 };
        Clock::person(&rules.extended(m), scale / m)
    }

    /// A machine-paced clock (autoplay, replay in the window): no allowances.
    pub fn machine(scale: f64) -> Self {
        Clock::new(None, scale)
    }

    fn new(rules: Option<ClockRules>, scale: f64) -> Self {
        Clock {
            rules,
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                0.0
            },
            hold_us: 0,
            written_us: BTreeMap::new(),
            charged_us: 0,
            given: 0,
            busy_us: 0,
            busy_given: 0,
            idle_us: 0,
            idle_given: 0,
            seen: 0,
            arrived: 0,
        }
    }

    /// Sim minutes per real second.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Changes the speed (autoplay's fast run); the sub-minute remainder is dropped.
    pub fn set_scale(&mut self, scale: f64) {
        if (scale - self.scale).abs() > f64::EPSILON {
            self.scale = scale.max(0.0);
            self.reset_run();
        }
    }

    /// The reading-and-deciding allowance left, in real seconds (the window shows it).
    pub fn hold_seconds(&self) -> f64 {
        self.hold_us as f64 / US
    }

    /// The writing allowance left on a ticket, in real seconds; `None` machine-paced.
    pub fn writing_left_seconds(&self, ticket: u32) -> Option<f64> {
        let rules = self.rules.as_ref()?;
        let spent = self.written_us.get(&ticket).copied().unwrap_or(0);
        Some((secs_to_us(rules.writing_seconds).saturating_sub(spent)) as f64 / US)
    }

    /// Grants the allowance for whatever the session logged since the last call: the
    /// reading time of what each action showed, and the time to decide the next one.
    pub fn observe(&mut self, session: &Session) {
        let Some(rules) = self.rules.clone() else {
            self.seen = session.log.len();
            return;
        };
        // A ticket arriving, or an action logged, gives the time to take it in.
        let cap = secs_to_us(rules.hold_cap_seconds);
        let arrived = session
            .tickets
            .iter()
            .filter(|t| t.status != crate::sim::session::Status::Pending)
            .count();
        if arrived > self.arrived {
            let grant = secs_to_us(rules.decide_seconds) * (arrived - self.arrived) as u64;
            self.hold_us = self.hold_us.saturating_add(grant).min(cap);
            self.arrived = arrived;
        }
        while self.seen < session.log.len() {
            let words = shown_words(session, self.seen);
            self.seen += 1;
            let grant = secs_to_us(rules.decide_seconds + reading_seconds(words, &rules));
            self.hold_us = self.hold_us.saturating_add(grant).min(cap);
        }
    }

    /// `real_us` of real time passes doing `activity`. Returns the sim minute the
    /// session should move to (never before `session.now`); the caller advances it.
    pub fn advance(&mut self, session: &Session, real_us: u64, activity: Activity) -> u32 {
        let now = session.now;
        if session.paused || self.scale <= 0.0 {
            return now;
        }
        if now < session.busy_until {
            // An action's minutes run: faster, no allowance spent.
            let speed = self
                .rules
                .as_ref()
                .map_or(1.0, |r| r.busy_speed_up.max(1.0));
            self.busy_us = self.busy_us.saturating_add(real_us);
            let due = minutes(self.busy_us, self.scale * speed) - self.busy_given;
            self.busy_given += due;
            let target = now.saturating_add(clamp_u32(due)).min(session.busy_until);
            if target >= session.busy_until {
                // The rest of this frame is dropped: the allowance starts when free.
                self.busy_us = 0;
                self.busy_given = 0;
            }
            return target;
        }
        if let Some(speed) = self.idle_speed(session) {
            // Nothing is the trainee's to do: faster, up to the next minute something
            // is due (never past it), no allowance spent.
            self.idle_us = self.idle_us.saturating_add(real_us);
            let due = minutes(self.idle_us, self.scale * speed) - self.idle_given;
            self.idle_given += due;
            let next = session.next_due();
            let target = now.saturating_add(clamp_u32(due)).min(next);
            if target >= next {
                self.idle_us = 0;
                self.idle_given = 0;
            }
            return target;
        }
        self.idle_us = 0;
        self.idle_given = 0;
        let mut charged = real_us;
        if let Some(rules) = &self.rules {
            match activity {
                Activity::Reading => {
                    let used = charged.min(self.hold_us);
                    self.hold_us -= used;
                    charged -= used;
                }
                Activity::Writing { ticket } => {
                    let limit = secs_to_us(rules.writing_seconds);
                    let spent = self.written_us.entry(ticket).or_insert(0);
                    let used = charged.min(limit.saturating_sub(*spent));
                    *spent += used;
                    charged -= used;
                }
            }
        }
        if charged == 0 {
            return now;
        }
        self.charged_us = self.charged_us.saturating_add(charged);
        let due = minutes(self.charged_us, self.scale) - self.given;
        self.given += due;
        now.saturating_add(clamp_u32(due))
    }

    /// The idle speed-up, when it applies now: a person's clock, a clear queue.
    fn idle_speed(&self, session: &Session) -> Option<f64> {
        let speed = self.rules.as_ref()?.idle_speed_up;
        (speed > 1.0 && session.idle()).then_some(speed)
    }

    /// True while the clock runs at its idle speed-up (the window says so).
    pub fn running_idle(&self, session: &Session) -> bool {
        self.idle_speed(session).is_some()
    }

    /// Runs an action's minutes to their end at once (a persona has no frames to wait
    /// through); the same state as the window reaching `busy_until` frame by frame.
    pub fn finish_busy(&mut self, session: &Session) -> u32 {
        self.busy_us = 0;
        self.busy_given = 0;
        session.busy_until.max(session.now)
    }

    /// The caller moved the session `minutes` less far than [`Clock::advance`] said
    /// (autoplay stops at its next action's minute): they stay due.
    pub fn give_back(&mut self, minutes: u32) {
        self.given = self.given.saturating_sub(u64::from(minutes));
    }

    fn reset_run(&mut self) {
        self.charged_us = 0;
        self.given = 0;
        self.busy_us = 0;
        self.busy_given = 0;
        self.idle_us = 0;
        self.idle_given = 0;
    }
}

/// Whole sim minutes in `us` real microseconds at `scale` sim minutes per real second.
fn minutes(us: u64, scale: f64) -> u64 {
    // Exact for the sums of frames: the total, not each frame, is converted.
    (us as f64 * scale / US + 1e-9).floor() as u64
}

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Real seconds → µs (negative and non-finite are 0).
pub fn secs_to_us(secs: f64) -> u64 {
    if secs.is_finite() && secs > 0.0 {
        (secs * US).round() as u64
    } else {
        0
    }
}

/// Seconds to read `words` at the policy's allowance.
fn reading_seconds(words: usize, rules: &ClockRules) -> f64 {
    if rules.reading_wpm == 0 {
        0.0
    } else {
        words as f64 * 60.0 / f64::from(rules.reading_wpm)
    }
}

/// Words the trainee was shown by log entry `index`: the ticket on its first opening,
/// a step's finding, a fix's outcome, an article, the search results. Refused actions
/// and decisions show nothing new.
pub fn shown_words(session: &Session, index: usize) -> usize {
    let Some(LogEntry {
        action, outcome, ..
    }) = session.log.get(index)
    else {
        return 0;
    };
    if matches!(outcome, Outcome::Refused(_)) {
        return 0;
    }
    let ticket = |n: u32| session.ticket(n);
    match action {
        Action::Open { ticket: n } => {
            let first = !session.log[..index]
                .iter()
                .any(|e| matches!(&e.action, Action::Open { ticket } if ticket == n));
            match ticket(*n) {
                Some(t) if first => {
                    let s = &t.scenario;
                    count(&s.title)
                        + count(&s.ticket_text)
                        + s.initial_error.as_deref().map_or(0, count)
                        + s.environment.iter().map(|e| count(e)).sum::<usize>()
                }
                _ => 0,
            }
        }
        Action::RunStep { ticket: n, step } | Action::AskClient { ticket: n, step } => ticket(*n)
            .and_then(|t| t.scenario.step(step))
            .map_or(0, |s| count(&s.reveals)),
        Action::ApplyFix { ticket: n, fix } => ticket(*n)
            .and_then(|t| t.scenario.fix(fix))
            .map_or(0, |f| count(&f.outcome)),
        Action::OpenArticle { article, .. } => {
            session.pack().kb.get(article).map_or(0, |a| count(&a.body))
        }
        Action::SearchKb { query, .. } => session
            .pack()
            .kb_index
            .search(query)
            .iter()
            .take(crate::pace::SEARCH_HITS_SHOWN)
            .map(|h| count(&h.title))
            .sum(),
        _ => 0,
    }
}

/// Words in a text, as a reader counts them.
pub fn count(text: &str) -> usize {
    text.split_whitespace().count()
}
