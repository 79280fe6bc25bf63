//! The lints of a curriculum file: modules, shifts, pass marks and drill numbers.

use std::collections::BTreeSet;

use crate::curriculum::Curriculum;
use crate::diag::{Diagnostic, locate};

/// Checks a curriculum: modules present, unique ids, shifts that exist, pass marks and
/// drill numbers in range. `shift_ids` are the shifts available (pack and files).
pub fn lint_curriculum(
    file: &str,
    text: &str,
    c: &Curriculum,
    shift_ids: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if c.modules.is_empty() {
        out.push(
            Diagnostic::error("no-modules", file, "the curriculum has no modules")
                .at(locate(text, "modules"))
                .field("modules"),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, m) in c.modules.iter().enumerate() {
        if !seen.insert(m.id.as_str()) {
            out.push(
                Diagnostic::error(
                    "duplicate-id",
                    file,
                    format!("module id `{}` is used twice", m.id),
                )
                .at(locate(text, &format!("\"{}\"", m.id)))
                .field(format!("modules[{i}].id")),
            );
        }
        if !shift_ids.contains(&m.shift) {
            let known: Vec<&str> = shift_ids.iter().map(String::as_str).collect();
            let d = Diagnostic::error(
                "missing-reference",
                file,
                format!("module `{}`: shift `{}` does not exist", m.id, m.shift),
            )
            .at(locate(text, &format!("\"{}\"", m.shift)))
            .field(format!("modules[{i}].shift"));
            out.push(
                match known
                    .iter()
                    .map(|k| (strsim::jaro_winkler(&m.shift, k), *k))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .filter(|(s, _)| *s > 0.8)
                {
                    Some((_, guess)) => d.hint(format!("did you mean `{guess}`?")),
                    None => d.hint("`dojo list shifts` shows the shift ids"),
                },
            );
        }
        if m.pass_mark > 100 {
            out.push(
                Diagnostic::error(
                    "out-of-range",
                    file,
                    format!("module `{}`: pass mark {} is above 100", m.id, m.pass_mark),
                )
                .at(locate(text, "pass_mark"))
                .field(format!("modules[{i}].pass_mark")),
            );
        }
    }
    let d = &c.drill;
    let mut range = |ok: bool, field: &str, message: &str| {
        if !ok {
            out.push(
                Diagnostic::error("out-of-range", file, message.to_string())
                    .at(locate(text, field))
                    .field(format!("drill.{field}")),
            );
        }
    };
    range(
        (1..=40).contains(&d.tickets),
        "tickets",
        "a drill has 1 to 40 tickets",
    );
    range(
        d.minutes_between > 0,
        "minutes_between",
        "minutes_between must be positive",
    );
    range(
        d.time_scale.is_finite() && d.time_scale > 0.0,
        "time_scale",
        "time_scale must be a positive number of sim minutes per real second",
    );
    range(
        d.lookback_sessions > 0,
        "lookback_sessions",
        "lookback_sessions must be at least 1",
    );
    range(
        d.flag_weight.is_finite()
            && d.flag_weight >= 0.0
            && d.due_weight.is_finite()
            && d.due_weight >= 0.0,
        "flag_weight",
        "weights must be 0 or more",
    );
    range(
        (0.7..=0.97).contains(&d.desired_retention),
        "desired_retention",
        "desired_retention must be between 0.7 and 0.97",
    );
    let r = &d.rating;
    range(
        r.again_below <= r.hard_below && r.hard_below <= r.good_below && r.good_below <= 101,
        "rating",
        "rating thresholds must rise: again_below ≤ hard_below ≤ good_below ≤ 101",
    );
    out
}
