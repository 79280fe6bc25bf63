//! The trainer report as Markdown, CSV and JSON (HTML is [`super::to_html`]).

use std::fmt::Write as _;

use super::{Direction, Standing, TrainerReport, Trend};
use crate::scenario::Owner;
use crate::sim::record::short_owner;

/// Formats a value of a unit: `score` as 0–100, `rate` and `ratio` as a percentage.
pub fn fmt_value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "–".into(),
        Some(v) if unit == "score" => format!("{v:.0}"),
        Some(v) => format!("{:.0}%", v * 100.0),
    }
}

/// Arrow and word for a direction.
pub fn direction_text(d: Direction) -> &'static str {
    match d {
        Direction::Improving => "↑ improving",
        Direction::Worsening => "↓ worsening",
        Direction::Steady => "→ steady",
        Direction::NotEnoughData => "· one session",
    }
}

/// Word for a standing.
pub fn standing_text(s: Standing) -> &'static str {
    match s {
        Standing::Better => "better than the team",
        Standing::Worse => "below the team",
        Standing::Level => "level with the team",
        Standing::Unknown => "–",
    }
}

/// A call as a word.
pub fn call_text(c: Option<Owner>) -> &'static str {
    c.map_or("no decision", short_owner)
}

fn date(d: &chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M").to_string()
}

fn md_cell(s: &str) -> String {
    crate::escape::markdown_cell(s)
}

/// User text (names, teams, reasons, titles) outside a table: no HTML ever rendered.
fn md(s: &str) -> String {
    crate::escape::markdown(s)
}

fn trend_line(t: &Trend) -> String {
    let values: Vec<String> = t
        .points
        .iter()
        .map(|p| fmt_value(p.value, &t.unit))
        .collect();
    values.join(" → ")
}

/// The report as Markdown.
pub fn to_markdown(r: &TrainerReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Coaching report: {}", md(&r.trainee));
    let _ = writeln!(
        o,
        "\nTeam: {} · sessions: {}{} · {} · generated {}\n",
        md(r.team.as_deref().unwrap_or("none")),
        r.sessions.len(),
        if r.abandoned > 0 {
            format!(" (+{} abandoned)", r.abandoned)
        } else {
            String::new()
        },
        r.since
            .map(|s| format!("since {}", s.format("%Y-%m-%d")))
            .unwrap_or_else(|| "all history".into()),
        date(&r.generated_at)
    );
    let _ = writeln!(o, "## Sessions\n");
    let _ = writeln!(
        o,
        "| # | played | shift | score | automatic | tickets | flags |\n|---|---|---|---|---|---|---|"
    );
    for s in &r.sessions {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {}{} | {} | {} | {} |",
            s.id,
            date(&s.played_at),
            md_cell(&format!("{}{}", s.shift, s.extension_text())),
            fmt_value(s.score.map(f64::from), "score"),
            if s.critical { " ⚠ critical" } else { "" },
            fmt_value(s.automatic_score.map(f64::from), "score"),
            s.tickets,
            md_cell(&s.flags.join(", "))
        );
    }
    let _ = writeln!(o, "\n## Trends\n");
    let _ = writeln!(
        o,
        "| metric | per session (oldest first) | target | trend |\n|---|---|---|---|"
    );
    for t in &r.trends {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            t.label,
            trend_line(t),
            t.target
                .map(|v| format!(
                    "{} {}",
                    if t.higher_is_better { "≥" } else { "≤" },
                    fmt_value(Some(v), &t.unit)
                ))
                .unwrap_or_default(),
            direction_text(t.direction)
        );
    }
    let _ = writeln!(o, "\n## Accuracy per ticket type\n");
    let _ = writeln!(
        o,
        "| ticket type | tickets | right calls | over-escalated | under-escalated | mean score |\n|---|---|---|---|---|---|"
    );
    for t in &r.ticket_types {
        let _ = writeln!(
            o,
            "| {} | {} | {} ({:.0}%) | {} | {} | {:.0} |",
            t.label,
            t.tickets,
            t.right_calls,
            t.accuracy * 100.0,
            t.over_escalated,
            t.under_escalated,
            t.mean_score
        );
    }
    let tm = &r.timing;
    let _ = writeln!(
        o,
        "\n## Timing against the window\n\n{} decision(s) on windowed tickets: {} on time, {} premature, {} overdue; mean share of the window used: {}.",
        tm.decisions,
        tm.on_time,
        tm.premature,
        tm.overdue,
        fmt_value(tm.mean_window_use, "ratio")
    );
    let _ = writeln!(o, "\n## Flagged patterns\n");
    if r.flags.is_empty() {
        let _ = writeln!(o, "No pattern flagged in this period.");
    }
    for f in &r.flags {
        let _ = writeln!(
            o,
            "### {} — {} of {} session(s){}\n",
            f.label,
            f.sessions.len(),
            r.sessions.len(),
            if f.in_latest {
                ", still in the latest"
            } else {
                ", not in the latest"
            }
        );
        if !f.ticket_types.is_empty() {
            let _ = writeln!(o, "Ticket types: {}\n", f.ticket_types.join(", "));
        }
        for e in &f.evidence {
            let _ = writeln!(
                o,
                "- session {} ({}): {}",
                e.session,
                date(&e.played_at),
                md(&e.line)
            );
        }
        let _ = writeln!(o, "\n> {}\n", f.advice);
    }
    if let Some(tc) = &r.team_comparison {
        let _ = writeln!(
            o,
            "## Against the team median ({}, {} member(s))\n",
            md(&tc.team),
            tc.members
        );
        let _ = writeln!(
            o,
            "| metric | {} | team median | |\n|---|---|---|---|",
            md_cell(&r.trainee)
        );
        for row in &tc.rows {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                row.label,
                fmt_value(row.trainee, &row.unit),
                fmt_value(row.team_median, &row.unit),
                standing_text(row.standing)
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Escalation review\n");
    if r.review_queue.is_empty() {
        let _ = writeln!(o, "No escalation to review in this period.\n");
    }
    for q in &r.review_queue {
        let _ = writeln!(
            o,
            "### Session {}, ticket {}: {}\n\n{} · your call: {} · framework: {} · score {}{}\n",
            q.session,
            q.ticket,
            md(&q.title),
            md(&q.scenario),
            call_text(q.call),
            short_owner(q.right_call),
            q.score,
            if q.score != q.automatic_score {
                format!(" (automatic {})", q.automatic_score)
            } else {
                String::new()
            }
        );
        if let Some(rv) = &q.review {
            let _ = writeln!(
                o,
                "1. **Should it have been escalated?** {}",
                rv.should_escalate
            );
            let _ = writeln!(o, "2. **At the right time?** {}", rv.timing);
            let _ = writeln!(o, "3. **What would L1 need?** {}\n", rv.l1_needs);
        }
    }
    let _ = writeln!(o, "## Coach overrides\n");
    if r.overrides.is_empty() {
        let _ = writeln!(o, "No grade overridden.\n");
    }
    for ov in &r.overrides {
        let _ = writeln!(
            o,
            "- Session {}, ticket {} ({}): automatic grade {} → {} now",
            ov.session,
            ov.ticket,
            md(&ov.scenario),
            ov.automatic_score,
            ov.score
        );
        for e in &ov.trail {
            let _ = writeln!(
                o,
                "  - {} by {}: {} → {} — “{}”",
                date(&e.at),
                md(&e.coach),
                e.old_score,
                e.new_score,
                md(&e.reason)
            );
        }
    }
    let _ = writeln!(o, "\n## Spaced repetition\n");
    let _ = writeln!(
        o,
        "| ticket type | due | recall now | reviews | lapses | last |\n|---|---|---|---|---|---|"
    );
    for s in &r.schedule {
        let _ = writeln!(
            o,
            "| {} | {}{} | {:.0}% | {} | {} | {} |",
            s.label,
            s.due.format("%Y-%m-%d"),
            if s.due_now { " (due)" } else { "" },
            s.retrievability * 100.0,
            s.reps,
            s.lapses,
            s.last_rating.as_str()
        );
    }
    o
}

/// A text cell, neutralised against formula injection (see [`crate::escape::csv_cell`]).
fn csv_field(s: &str) -> String {
    crate::escape::csv_cell(s)
}

/// The report as CSV: one row per finished session with every trended metric (rates as
/// fractions 0–1, scores 0–100), for a spreadsheet.
pub fn to_csv(r: &TrainerReport) -> String {
    let mut o = String::new();
    let mut header = vec![
        "session".to_string(),
        "played_at".into(),
        "trainee".into(),
        "shift".into(),
        "automatic_score".into(),
        "critical".into(),
    ];
    header.extend(r.trends.iter().map(|t| t.key.clone()));
    header.push("flags".into());
    let _ = writeln!(o, "{}", header.join(","));
    for (i, s) in r.sessions.iter().enumerate() {
        let mut row = vec![
            s.id.to_string(),
            s.played_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            csv_field(&r.trainee),
            csv_field(&s.shift),
            s.automatic_score.map(|v| v.to_string()).unwrap_or_default(),
            s.critical.to_string(),
        ];
        for t in &r.trends {
            row.push(
                t.points
                    .get(i)
                    .and_then(|p| p.value)
                    .map(|v| {
                        if t.unit == "score" {
                            format!("{v:.1}")
                        } else {
                            format!("{v:.4}")
                        }
                    })
                    .unwrap_or_default(),
            );
        }
        row.push(csv_field(&s.flags.join("; ")));
        let _ = writeln!(o, "{}", row.join(","));
    }
    o
}

/// The report as pretty JSON (the serde form of [`TrainerReport`]).
pub fn to_json(r: &TrainerReport) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}
