//! The onboarding curriculum: an ordered path of modules, each a shipped shift with a
//! pass mark, and the coaching drill's settings. A module unlocks when the one before it
//! is passed; progress is a pure function of the trainee's stored sessions.
//!
//! Plain data in `scenarios/builtin/curriculum.ron` (a pack file of kind `Curriculum`);
//! no Bevy types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One step of the onboarding path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    /// Stable id, e.g. `l1-scope`.
    pub id: String,
    /// Title shown in the app.
    pub title: String,
    /// What the module teaches, one or two sentences.
    #[serde(default)]
    pub summary: String,
    /// The shift played for this module (an id in the pack).
    pub shift: String,
    /// Session score (0–100, after any coach override) that passes the module.
    pub pass_mark: u32,
    /// Whether a session with a security auto-fail can still pass (default: no).
    #[serde(default)]
    pub allow_critical: bool,
}

/// How a ticket type's result in a session becomes a spaced-repetition rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingThresholds {
    /// A mean ticket score below this (or any wrong call or auto-fail) is `Again`.
    pub again_below: u32,
    /// Below this is `Hard`.
    pub hard_below: u32,
    /// Below this is `Good`; at or above is `Easy`.
    pub good_below: u32,
}

/// Settings of `dojo drill`: how big a drill is and how weaknesses are weighed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillSettings {
    /// Tickets in a drill shift.
    pub tickets: u32,
    /// Sim minutes between two arrivals.
    pub minutes_between: u32,
    /// Sim minutes the shift runs after the last arrival.
    pub minutes_after_last: u32,
    /// Sim minutes per real second.
    pub time_scale: f64,
    /// How many of the trainee's latest sessions the flags are read from.
    pub lookback_sessions: usize,
    /// Weight of each flagged ticket (evidence) of a type.
    pub flag_weight: f64,
    /// Weight of a ticket type that is due on the spaced-repetition schedule.
    pub due_weight: f64,
    /// Retention the schedule aims for (FSRS `request_retention`, 0.7–0.97).
    pub desired_retention: f64,
    /// How a ticket type's result becomes a rating.
    pub rating: RatingThresholds,
    /// A scenario the trainee met within this many days is not drilled again while
    /// another of its kind is left (0: only the fewest-seen rule).
    #[serde(default = "default_avoid_repeat_days")]
    pub avoid_repeat_days: u32,
}

fn default_avoid_repeat_days() -> u32 {
    7
}

impl Default for DrillSettings {
    fn default() -> Self {
        DrillSettings {
            tickets: 6,
            minutes_between: 25,
            minutes_after_last: 60,
            time_scale: 0.5,
            lookback_sessions: 5,
            flag_weight: 1.0,
            due_weight: 1.0,
            desired_retention: 0.9,
            rating: RatingThresholds {
                again_below: 60,
                hard_below: 80,
                good_below: 95,
            },
            avoid_repeat_days: default_avoid_repeat_days(),
        }
    }
}

/// The curriculum file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Curriculum {
    /// Stable id, e.g. `onboarding`.
    pub id: String,
    /// Title shown in the app.
    pub title: String,
    /// What the path is for.
    #[serde(default)]
    pub description: String,
    /// The modules, in order.
    pub modules: Vec<Module>,
    /// Settings of the coaching drill.
    #[serde(default)]
    pub drill: DrillSettings,
}

/// One stored attempt at a shift, as progress needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// The stored session's id.
    pub session: i64,
    /// The shift played.
    pub shift: String,
    /// The session score after coach overrides.
    pub score: u32,
    /// A security auto-fail happened.
    pub critical: bool,
    /// When it was played.
    pub played_at: DateTime<Utc>,
}

/// Where a module stands for a trainee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModuleState {
    /// The module before it is not passed yet.
    Locked,
    /// Open to play, not passed yet.
    Unlocked,
    /// Passed.
    Passed,
}

/// A module with the trainee's standing in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleProgress {
    /// 1-based position in the path.
    pub position: usize,
    /// The module.
    pub module: Module,
    /// Locked, unlocked or passed.
    pub state: ModuleState,
    /// Sessions played of the module's shift.
    pub attempts: usize,
    /// The best score among them (after overrides).
    pub best_score: Option<u32>,
    /// The first session that passed it.
    pub passed_by: Option<i64>,
    /// When that session was played.
    pub passed_at: Option<DateTime<Utc>>,
}

/// Whether an attempt passes a module.
pub fn passes(module: &Module, attempt: &Attempt) -> bool {
    attempt.shift == module.shift
        && attempt.score >= module.pass_mark
        && (module.allow_critical || !attempt.critical)
}

/// The trainee's progress through the curriculum, from their stored attempts (in any
/// order). A module is passed when an attempt at its shift reaches the pass mark (and has
/// no security auto-fail unless allowed); it is unlocked when the one before is passed.
/// Passing is kept even if the previous module was passed later (the path opens in order
/// for the app, but no result is thrown away).
pub fn progress(curriculum: &Curriculum, attempts: &[Attempt]) -> Vec<ModuleProgress> {
    let mut sorted: Vec<&Attempt> = attempts.iter().collect();
    sorted.sort_by_key(|a| (a.played_at, a.session));
    let mut out = Vec::with_capacity(curriculum.modules.len());
    let mut previous_passed = true;
    for (i, module) in curriculum.modules.iter().enumerate() {
        let of_module: Vec<&&Attempt> = sorted.iter().filter(|a| a.shift == module.shift).collect();
        let first_pass = of_module.iter().find(|a| passes(module, a));
        let state = match (first_pass, previous_passed) {
            (Some(_), _) => ModuleState::Passed,
            (None, true) => ModuleState::Unlocked,
            (None, false) => ModuleState::Locked,
        };
        previous_passed = state == ModuleState::Passed;
        out.push(ModuleProgress {
            position: i + 1,
            module: module.clone(),
            state,
            attempts: of_module.len(),
            best_score: of_module.iter().map(|a| a.score).max(),
            passed_by: first_pass.map(|a| a.session),
            passed_at: first_pass.map(|a| a.played_at),
        });
    }
    out
}

/// The module a trainee should play next: the first one not passed, if any.
pub fn next_module(progress: &[ModuleProgress]) -> Option<&ModuleProgress> {
    progress.iter().find(|m| m.state != ModuleState::Passed)
}
