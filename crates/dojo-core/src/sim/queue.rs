//! Turning a shift definition and a seed into the ticket queue, deterministically.
//!
//! ChaCha8 drives every random choice, through integer operations only (rejection
//! sampling for indices, integer thresholds for arrivals), so the same shift and seed
//! give the same queue on every machine.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::pack::Pack;
use crate::shift::{Arrivals, Shift};

/// One ticket of the queue before the shift starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedTicket {
    /// 1-based ticket number, in arrival order.
    pub number: u32,
    /// The scenario it instantiates.
    pub scenario_id: String,
    /// The seed its template variables are filled from.
    pub instance_seed: u64,
    /// Sim minute of the shift it arrives at.
    pub arrives_at: u32,
}

/// Why a queue cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// No scenario matches the shift's selection.
    #[error("shift `{0}` selects no scenario from the pack")]
    EmptySelection(String),
    /// A pool of the selection has no scenario left to draw.
    #[error("shift `{shift}`: pool {pool} has no scenario left to draw (of {matching} matching)")]
    EmptyPool {
        /// The shift.
        shift: String,
        /// The pool's index.
        pool: usize,
        /// Scenarios the pool matches (all drawn by earlier pools when > 0).
        matching: usize,
    },
    /// The selection names a scenario the pack lacks.
    #[error("shift `{shift}` names scenario `{scenario}`, which is not in the pack")]
    MissingScenario {
        /// The shift.
        shift: String,
        /// The scenario id.
        scenario: String,
    },
}

/// A uniform integer in `0..n` (n ≥ 1) by rejection sampling.
pub(crate) fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let n = n.max(1);
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

/// The scenario ids a shift draws from, in draw order.
pub fn candidates(
    shift: &Shift,
    pack: &Pack,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<String>, QueueError> {
    let sel = &shift.selection;
    if !sel.ids.is_empty() {
        for id in &sel.ids {
            if !pack.scenarios.contains_key(id) {
                return Err(QueueError::MissingScenario {
                    shift: shift.id.clone(),
                    scenario: id.clone(),
                });
            }
        }
        return Ok(sel.ids.clone());
    }
    if !sel.pools.is_empty() {
        let mut drawn: Vec<String> = Vec::with_capacity(sel.pools.len());
        for (i, pool) in sel.pools.iter().enumerate() {
            let matching: Vec<&str> = pack
                .scenarios
                .values()
                .filter(|s| pool.matches(s))
                .map(|s| s.id.as_str())
                .collect();
            let left: Vec<&str> = matching
                .iter()
                .copied()
                .filter(|id| !drawn.iter().any(|d| d == id))
                .collect();
            if left.is_empty() {
                return Err(QueueError::EmptyPool {
                    shift: shift.id.clone(),
                    pool: i,
                    matching: matching.len(),
                });
            }
            drawn.push(left[below(rng, left.len() as u64) as usize].to_string());
        }
        return Ok(drawn);
    }
    let mut ids: Vec<String> = pack
        .scenarios
        .values()
        .filter(|s| sel.tags.is_empty() || s.tags.iter().any(|t| sel.tags.contains(t)))
        .filter(|s| sel.ticket_types.is_empty() || sel.ticket_types.contains(&s.ticket_type))
        .filter(|s| (sel.min_difficulty..=sel.max_difficulty).contains(&s.difficulty))
        .map(|s| s.id.clone())
        .collect();
    if ids.is_empty() {
        return Err(QueueError::EmptySelection(shift.id.clone()));
    }
    // Fisher–Yates.
    for i in (1..ids.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        ids.swap(i, j);
    }
    Ok(ids)
}

/// Arrival minutes: fixed, or a Poisson process discretised per sim minute (one
/// Bernoulli trial a minute with p = rate / 60, compared as integers), with an optional
/// dead time after each arrival.
pub fn arrival_minutes(shift: &Shift, rng: &mut ChaCha8Rng) -> Vec<u32> {
    match &shift.arrivals {
        Arrivals::Fixed(times) => times
            .iter()
            .copied()
            .filter(|t| *t < shift.length_minutes)
            .collect(),
        Arrivals::Poisson {
            per_hour,
            max_tickets,
            min_gap_minutes,
        } => {
            let p = (per_hour / 60.0).clamp(0.0, 1.0);
            // Exact threshold for p on the 64-bit integer line.
            let threshold = if p >= 1.0 {
                u64::MAX
            } else {
                (p * 18_446_744_073_709_551_616.0) as u64
            };
            let mut out: Vec<u32> = Vec::new();
            for minute in 0..shift.length_minutes {
                if out.len() as u32 >= *max_tickets {
                    break;
                }
                if out
                    .last()
                    .is_some_and(|last| minute < last + min_gap_minutes)
                {
                    continue;
                }
                if rng.next_u64() < threshold {
                    out.push(minute);
                }
            }
            out
        }
    }
}

/// The queue for a shift and a seed.
pub fn build_queue(shift: &Shift, pack: &Pack, seed: u64) -> Result<Vec<QueuedTicket>, QueueError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ids = candidates(shift, pack, &mut rng)?;
    let arrivals = arrival_minutes(shift, &mut rng);
    Ok(arrivals
        .into_iter()
        .enumerate()
        .map(|(i, arrives_at)| QueuedTicket {
            number: i as u32 + 1,
            scenario_id: ids[i % ids.len()].clone(),
            instance_seed: rng.next_u64(),
            arrives_at,
        })
        .collect())
}
