//! Shift definitions: how long a shift runs, when tickets arrive, which scenarios are
//! drawn, how fast the sim clock runs and the mode's rules.
//!
//! Plain data; the simulation turns a shift and a seed into a ticket queue.

use serde::{Deserialize, Serialize};

/// The training mode a shift is played in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// New-hire onboarding: checklists and hints shown.
    Onboarding,
    /// Free practice.
    Practice,
    /// A coaching drill aimed at a trainee's weak spots.
    Coaching,
    /// A competition: same shift for all, no pause, no hints.
    Competition,
}

/// When tickets arrive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Arrivals {
    /// At these sim minutes, one ticket each.
    Fixed(Vec<u32>),
    /// A seeded Poisson process.
    Poisson {
        /// Mean arrivals per sim hour.
        per_hour: f64,
        /// Cap on the number of tickets.
        max_tickets: u32,
        /// Minimum minutes between two arrivals (0: none).
        #[serde(default)]
        min_gap_minutes: u32,
    },
}

/// Which scenarios a shift draws from. Empty lists mean "any".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Exactly these scenarios, in this order (when set, the other filters are ignored).
    #[serde(default)]
    pub ids: Vec<String>,
    /// Scenarios having any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Scenarios of any of these ticket types.
    #[serde(default)]
    pub ticket_types: Vec<String>,
    /// Lowest difficulty, inclusive.
    #[serde(default = "one")]
    pub min_difficulty: u8,
    /// Highest difficulty, inclusive.
    #[serde(default = "five")]
    pub max_difficulty: u8,
    /// One ticket from each pool, in order, drawn by the seed (when set and `ids` is
    /// empty, the filters above are ignored): the same kinds of ticket every time, not
    /// the same tickets — a trainee repeating the shift with another seed meets others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pools: Vec<Pool>,
}

/// A pool a shift draws one ticket from: the scenarios matching every filter given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// Scenarios having any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Scenarios of any of these ticket types.
    #[serde(default)]
    pub ticket_types: Vec<String>,
    /// Lowest difficulty, inclusive.
    #[serde(default = "one")]
    pub min_difficulty: u8,
    /// Highest difficulty, inclusive.
    #[serde(default = "five")]
    pub max_difficulty: u8,
    /// The owner the framework gives the ticket (any when absent).
    #[serde(default)]
    pub owner: Option<crate::scenario::Owner>,
}

impl Pool {
    /// Does a scenario belong to this pool?
    pub fn matches(&self, s: &crate::scenario::Scenario) -> bool {
        (self.tags.is_empty() || s.tags.iter().any(|t| self.tags.contains(t)))
            && (self.ticket_types.is_empty() || self.ticket_types.contains(&s.ticket_type))
            && (self.min_difficulty..=self.max_difficulty).contains(&s.difficulty)
            && self.owner.is_none_or(|o| s.expected.owner == o)
    }
}

fn one() -> u8 {
    1
}
fn five() -> u8 {
    5
}

/// The mode's rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// The trainee may pause the sim clock.
    pub pause_allowed: bool,
    /// Framework checklists and hints are shown.
    pub hints_shown: bool,
    /// A real-time limit for the whole shift, in minutes, if any (a trainee's time
    /// extension lengthens it with the clock).
    #[serde(default)]
    pub real_time_limit_minutes: Option<u32>,
    /// Whether a trainee's time extension (a coach's accommodation) applies. Absent: yes
    /// for a shift, **no** in a competition file — everyone plays one clock unless the
    /// organiser says so (`dojo compete new --allow-time-extensions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_extensions: Option<bool>,
}

impl Rules {
    /// Whether a trainee's time extension applies under these rules: as the rules say,
    /// or when they say nothing, yes for a shift and no for a competition.
    pub fn time_extensions_apply(&self, competition: bool) -> bool {
        self.time_extensions.unwrap_or(!competition)
    }
}

/// A shift definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    /// Unique id, e.g. `onboarding-basics`.
    pub id: String,
    /// Title shown in the app.
    pub title: String,
    /// What the shift trains.
    #[serde(default)]
    pub description: String,
    /// The mode it is played in.
    pub mode: Mode,
    /// Length in sim minutes.
    pub length_minutes: u32,
    /// When tickets arrive.
    pub arrivals: Arrivals,
    /// Which scenarios are drawn.
    pub selection: Selection,
    /// Sim minutes per real second.
    pub time_scale: f64,
    /// The mode's rules.
    pub rules: Rules,
    /// A personal variant (competitions, `compete::Competition::variant_of`): the seed
    /// of the surface details — every template variable that sets no fact (names, IPs,
    /// error ids) — drawn apart from the session seed, so the tickets, arrivals, facts,
    /// verdicts and scoring are everyone's and the text is the participant's own. `None`:
    /// the session seed draws everything (and the field is not written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<u64>,
}
