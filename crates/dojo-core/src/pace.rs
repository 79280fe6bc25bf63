//! How a person spends real time, in one documented place (`docs/time.md`): the paced
//! personas' constants, and what a decision at that pace costs beyond the clock's
//! allowances. The personas spend these through `sim::clock::Clock`; the validator's
//! pace check uses [`overrun_seconds`] on a scenario's ideal path.

use crate::policy::ClockRules;

/// How many KB search hits a reader takes in (the clock's reading allowance counts them).
pub const SEARCH_HITS_SHOWN: usize = 5;

/// How a person spends real time: the paced personas' constants, in one place
/// (`docs/time.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Reading speed, words per minute (the ticket, each finding, articles, results).
    pub reading_wpm: f64,
    /// Real seconds to choose each action (including its confirmation).
    pub choose_seconds: f64,
    /// Typing speed, words per minute (notes, client updates, searches).
    pub typing_wpm: f64,
}

/// A person at a steady working pace: reads at 230 words a minute, takes 3 s to choose
/// each action and types at 35 words a minute.
pub const HUMAN_PACE: Pace = Pace {
    reading_wpm: 230.0,
    choose_seconds: 3.0,
    typing_wpm: 35.0,
};

/// A hesitant person: three times [`HUMAN_PACE`]'s reading and choosing time per
/// decision; types as fast.
pub const DITHERING: Pace = Pace {
    reading_wpm: 230.0 / 3.0,
    choose_seconds: 9.0,
    typing_wpm: 35.0,
};

/// Real seconds a decision at `pace` spends beyond the clock's reading-and-deciding
/// allowance, after being shown `words` of new text.
pub fn overrun_seconds(pace: &Pace, rules: &ClockRules, words: usize) -> f64 {
    let w = words as f64 * 60.0;
    let spend = pace.choose_seconds + w / pace.reading_wpm.max(1.0);
    let allowed = rules.decide_seconds
        + if rules.reading_wpm == 0 {
            0.0
        } else {
            w / f64::from(rules.reading_wpm)
        };
    (spend - allowed).max(0.0)
}

/// Real seconds typing `words` at `pace` spends beyond a ticket's writing allowance.
pub fn typing_overrun_seconds(pace: &Pace, rules: &ClockRules, words: usize) -> f64 {
    (words as f64 * 60.0 / pace.typing_wpm.max(1.0) - rules.writing_seconds).max(0.0)
}
