//! Shift definitions: how long a shift runs, when tickets arrive, which scenarios are
//! drawn, how fast the sim clock runs and the mode's rules.
//!
//! Plain data; the simulation turns a shift and a seed into a ticket queue.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Severity, locate};
use crate::policy::Policy;

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
    /// A real-time limit for the whole shift, in minutes, if any.
    #[serde(default)]
    pub real_time_limit_minutes: Option<u32>,
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
}

/// Checks a shift's references and numbers.
pub fn lint_shift(
    file: &str,
    text: &str,
    shift: &Shift,
    scenario_ids: &BTreeSet<String>,
    policy: Option<&Policy>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let error = |code, message: String, needle: &str, field: &str| {
        let mut d = Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_string(),
            line: None,
            column: None,
            field: Some(field.to_string()),
            message,
            hint: None,
        };
        if let Some((line, column)) = locate(text, needle) {
            d.line = Some(line);
            d.column = Some(column);
        }
        d
    };
    for (i, id) in shift.selection.ids.iter().enumerate() {
        if !scenario_ids.contains(id) {
            out.push(error(
                "missing-reference",
                format!("scenario `{id}` does not exist"),
                &format!("\"{id}\""),
                &format!("selection.ids[{i}]"),
            ));
        }
    }
    if let Some(policy) = policy {
        for (i, t) in shift.selection.ticket_types.iter().enumerate() {
            if policy.ticket_type(t).is_none() {
                out.push(error(
                    "unknown-ticket-type",
                    format!("ticket type `{t}` is not in the policy"),
                    &format!("\"{t}\""),
                    &format!("selection.ticket_types[{i}]"),
                ));
            }
        }
    }
    if shift.length_minutes == 0 {
        out.push(error(
            "out-of-range",
            "shift length is 0 minutes".into(),
            "length_minutes",
            "length_minutes",
        ));
    }
    if !(shift.time_scale.is_finite() && shift.time_scale > 0.0) {
        out.push(error(
            "out-of-range",
            "time_scale must be a positive number of sim minutes per real second".into(),
            "time_scale",
            "time_scale",
        ));
    }
    match &shift.arrivals {
        Arrivals::Fixed(times) => {
            if times.is_empty() {
                out.push(error(
                    "no-arrivals",
                    "no ticket arrives in this shift".into(),
                    "arrivals",
                    "arrivals",
                ));
            }
            if let Some(late) = times.iter().find(|t| **t >= shift.length_minutes) {
                out.push(error(
                    "out-of-range",
                    format!(
                        "arrival at minute {late} is not before the shift ends ({})",
                        shift.length_minutes
                    ),
                    "arrivals",
                    "arrivals",
                ));
            }
            if !times.windows(2).all(|w| w[0] <= w[1]) {
                out.push(error(
                    "unsorted-arrivals",
                    "arrival minutes must be in ascending order".into(),
                    "arrivals",
                    "arrivals",
                ));
            }
        }
        Arrivals::Poisson {
            per_hour,
            max_tickets,
            ..
        } => {
            if !(per_hour.is_finite() && *per_hour > 0.0) || *max_tickets == 0 {
                out.push(error(
                    "out-of-range",
                    "a Poisson arrival needs a positive rate and max_tickets".into(),
                    "Poisson",
                    "arrivals",
                ));
            }
        }
    }
    if shift.selection.min_difficulty > shift.selection.max_difficulty {
        out.push(error(
            "bad-range",
            "min_difficulty is above max_difficulty".into(),
            "min_difficulty",
            "selection.min_difficulty",
        ));
    }
    if shift.mode == Mode::Competition && (shift.rules.pause_allowed || shift.rules.hints_shown) {
        out.push(error(
            "competition-rules",
            "a competition shift must forbid pause and hide hints".into(),
            "rules",
            "rules",
        ));
    }
    out
}
