//! The lints of a shift file: its references and numbers.

use std::collections::BTreeSet;

use crate::diag::{Diagnostic, Severity, locate};
use crate::policy::Policy;
use crate::shift::{Arrivals, Mode, Shift};

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

/// Checks a shift's pools against the pack's scenarios: a pool that matches nothing (or
/// nothing its earlier pools leave) is an error; one that matches a single scenario gives
/// no variety (a warning), and so do arrivals that do not match the pools one for one.
pub fn lint_pools(
    file: &str,
    text: &str,
    shift: &Shift,
    scenarios: &[&crate::scenario::Scenario],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let sel = &shift.selection;
    if sel.pools.is_empty() || !sel.ids.is_empty() {
        return out;
    }
    let at = locate(text, "pools");
    for (i, pool) in sel.pools.iter().enumerate() {
        let n = scenarios.iter().filter(|s| pool.matches(s)).count();
        if n == 0 {
            out.push(
                Diagnostic::error(
                    "empty-pool",
                    file,
                    format!("pool {i} matches no scenario of the pack"),
                )
                .at(at)
                .field(format!("selection.pools[{i}]"))
                .hint("widen its tags, ticket types, difficulty or owner"),
            );
        } else if n == 1 {
            out.push(
                Diagnostic::warning(
                    "pool-without-variety",
                    file,
                    format!(
                        "pool {i} matches one scenario only: every attempt meets the same ticket"
                    ),
                )
                .at(at)
                .field(format!("selection.pools[{i}]")),
            );
        }
    }
    // Pools draw without repeats: later pools must keep a scenario the earlier ones may
    // all have taken (checked on the worst case: each earlier pool took one of theirs).
    for (i, pool) in sel.pools.iter().enumerate() {
        let mine: Vec<&str> = scenarios
            .iter()
            .filter(|s| pool.matches(s))
            .map(|s| s.id.as_str())
            .collect();
        let earlier_sharing = sel.pools[..i]
            .iter()
            .filter(|p| scenarios.iter().any(|s| p.matches(s) && pool.matches(s)))
            .count();
        if !mine.is_empty() && mine.len() <= earlier_sharing {
            out.push(
                Diagnostic::error(
                    "empty-pool",
                    file,
                    format!(
                        "pool {i} matches {} scenario(s) that {earlier_sharing} earlier pool(s) may all have drawn",
                        mine.len()
                    ),
                )
                .at(at)
                .field(format!("selection.pools[{i}]"))
                .hint("widen the pool, or narrow the earlier ones"),
            );
        }
    }
    if let Arrivals::Fixed(times) = &shift.arrivals
        && times.len() != sel.pools.len()
    {
        out.push(
            Diagnostic::warning(
                "arrivals-pools",
                file,
                format!(
                    "{} arrival(s) for {} pool(s): tickets are drawn one per pool, in order",
                    times.len(),
                    sel.pools.len()
                ),
            )
            .at(locate(text, "arrivals"))
            .field("arrivals"),
        );
    }
    out
}
