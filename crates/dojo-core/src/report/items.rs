//! Item analysis (#16): how often each scenario goes wrong across a team, by framework
//! dimension — the call (resolve at L1, escalate, escalate immediately), its timing,
//! and the escalation note — the training manager's feedback on content. Pure: built
//! from stored session summaries.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::grading::Timing;
use crate::history::SessionSummary;

/// One scenario across the sessions read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRow {
    /// Scenario id.
    pub scenario: String,
    /// Its title (as last seen).
    pub title: String,
    /// Its ticket type.
    pub ticket_type: String,
    /// Graded attempts (tickets handed over at the shift's end are not attempts).
    pub attempts: usize,
    /// Distinct trainees who attempted it.
    pub trainees: usize,
    /// Attempts whose call was not the framework's (no call counts as wrong).
    pub decision_wrong: usize,
    /// Attempts decided early (before the minimum checks), late (past the window or
    /// the security grace) or not at all.
    pub timing_wrong: usize,
    /// Attempts with an escalation note.
    pub notes: usize,
    /// Notes scoring below the weak-note mark.
    pub notes_weak: usize,
    /// Security incidents left at L1 (auto-fail).
    pub critical: usize,
    /// Mean automatic score.
    pub mean_score: f64,
    /// The dimension that goes wrong most often, as a coach says it ("the call",
    /// "timing", "the note"), or none when nothing went wrong.
    pub weakest: Option<String>,
}

impl ItemRow {
    /// The share of attempts that went wrong on the weakest dimension (0–1).
    pub fn worst_rate(&self) -> f64 {
        if self.attempts == 0 {
            return 0.0;
        }
        let worst = self
            .decision_wrong
            .max(self.timing_wrong)
            .max(self.notes_weak);
        worst as f64 / self.attempts as f64
    }
}

/// Per scenario, the finished sessions' graded tickets; `note_weak_below` (0–100) is the
/// note score under which a note counts as weak (the server passes the L2 bounce mark).
/// Sorted by the weakest dimension's failure rate, highest first (ties by scenario id).
pub fn item_analysis(sessions: &[SessionSummary], note_weak_below: u32) -> Vec<ItemRow> {
    #[derive(Default)]
    struct Acc {
        title: String,
        ticket_type: String,
        attempts: usize,
        trainees: BTreeSet<String>,
        decision_wrong: usize,
        timing_wrong: usize,
        notes: usize,
        notes_weak: usize,
        critical: usize,
        score_sum: u64,
    }
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for s in sessions.iter().filter(|s| s.is_finished()) {
        for t in s.tickets.iter().filter(|t| !t.handed_over) {
            let a = by.entry(t.scenario.clone()).or_default();
            a.title = t.title.clone();
            a.ticket_type = t.ticket_type.clone();
            a.attempts += 1;
            a.trainees.insert(s.trainee.clone());
            if t.call != Some(t.right_call) {
                a.decision_wrong += 1;
            }
            if t.timing != Timing::OnTime {
                a.timing_wrong += 1;
            }
            if let Some(n) = &t.note {
                a.notes += 1;
                if n.total < note_weak_below {
                    a.notes_weak += 1;
                }
            }
            if t.critical {
                a.critical += 1;
            }
            a.score_sum += u64::from(t.score);
        }
    }
    let mut rows: Vec<ItemRow> = by
        .into_iter()
        .map(|(scenario, a)| {
            let dims = [
                (a.decision_wrong, "the call"),
                (a.timing_wrong, "timing"),
                (a.notes_weak, "the note"),
            ];
            // The first of the largest, so a tie names the call before timing before
            // the note (the framework's order of questions).
            let weakest = dims
                .iter()
                .fold(None::<(usize, &str)>, |best, &(n, name)| match best {
                    Some((m, _)) if m >= n => best,
                    _ if n > 0 => Some((n, name)),
                    _ => best,
                })
                .map(|(_, name)| name.to_string());
            ItemRow {
                scenario,
                title: a.title,
                ticket_type: a.ticket_type,
                attempts: a.attempts,
                trainees: a.trainees.len(),
                decision_wrong: a.decision_wrong,
                timing_wrong: a.timing_wrong,
                notes: a.notes,
                notes_weak: a.notes_weak,
                critical: a.critical,
                mean_score: if a.attempts == 0 {
                    0.0
                } else {
                    a.score_sum as f64 / a.attempts as f64
                },
                weakest,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.worst_rate()
            .total_cmp(&a.worst_rate())
            .then_with(|| a.scenario.cmp(&b.scenario))
    });
    rows
}
