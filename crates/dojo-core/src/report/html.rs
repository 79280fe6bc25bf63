//! The trainer report as one self-contained HTML page: inline CSS (with print rules) and
//! inline SVG charts, no script, no external resource.

use std::fmt::Write as _;

use super::render::{call_text, direction_text, fmt_value, standing_text};
use super::{Direction, Standing, TrainerReport, Trend};
use crate::sim::record::short_owner;

const PALETTE: [&str; 6] = [
    "#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#0b7285",
];

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = r#"
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --good:#1a7f37; --bad:#d1242f; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; line-height: 1.45; }
main { max-width: 1160px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 26px; font-weight: 700; }
.card .d { font-size: 13px; color: var(--muted); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; align-items: start; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: #fff; break-inside: avoid; }
figcaption { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 6px 0 10px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
.flag { border-left: 4px solid var(--bad); background: #fff8f8; padding: 8px 12px; margin: 10px 0; border-radius: 0 6px 6px 0; break-inside: avoid; }
.flag.old { border-left-color: var(--muted); background: var(--bg); }
.flag ul { margin: 4px 0 6px 18px; padding: 0; font-size: 13px; }
.advice { font-style: italic; }
.review { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin: 10px 0; break-inside: avoid; }
.review ol { margin: 6px 0 4px 20px; padding: 0; }
.note { background: var(--bg); font-size: 12.5px; padding: 6px 10px; border-radius: 6px; white-space: pre-wrap; }
.override { border: 1px solid #d4a72c; background: #fff8c5; border-radius: 8px; padding: 8px 12px; margin: 8px 0; break-inside: avoid; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--bg); border: 1px solid var(--line); }
svg text { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; }
@media print {
  @page { size: A4; margin: 12mm; }
  main { max-width: none; padding: 0; }
  body { font-size: 11pt; }
  .cards { grid-template-columns: repeat(4, 1fr); }
  h2 { break-after: avoid; }
  figure, .flag, .review, .override, tr { break-inside: avoid; }
}
"#;

/// A line chart of trends sharing one unit.
fn line_chart(title: &str, series: &[&Trend], labels: &[String]) -> String {
    let legend_rows = if series.len() > 1 {
        series.len().div_ceil(3)
    } else {
        0
    };
    let w = 540.0;
    let (left, right, top) = (44.0, 26.0, 12.0);
    let bottom = 26.0 + 14.0 * legend_rows as f64;
    let h = 176.0 + bottom;
    let unit = series.first().map_or("score", |t| t.unit.as_str());
    let max = match unit {
        "score" => 100.0,
        "rate" => 1.0,
        _ => series
            .iter()
            .flat_map(|t| t.points.iter().filter_map(|p| p.value))
            .fold(1.25_f64, f64::max)
            .ceil()
            .max(1.0),
    };
    let n = labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            left + (w - left - right) / 2.0
        } else {
            left + (w - left - right) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + (h - top - bottom) * (1.0 - (v / max).clamp(0.0, 1.0));
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}">"#,
        esc(title),
        esc(title)
    );
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e6eaef"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#59636e">{}</text>"##,
            w - right,
            left - 6.0,
            yy + 3.5,
            fmt_value(Some(v), unit)
        );
    }
    if let Some(target) = series.first().and_then(|t| t.target) {
        let yy = y(target);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#1a7f37" stroke-dasharray="5 4" stroke-width="1.2"/><text x="{:.1}" y="{:.1}" font-size="9.5" text-anchor="end" fill="#1a7f37">target</text>"##,
            w - right,
            w - right,
            yy - 3.0
        );
    }
    let step = n.div_ceil(8);
    for (i, l) in labels.iter().enumerate() {
        if i % step == 0 || i + 1 == n {
            let anchor = if n > 1 && i == 0 {
                "start"
            } else if n > 1 && i + 1 == n {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="{anchor}" fill="#59636e">{}</text>"##,
                x(i),
                h - bottom + 15.0,
                esc(l)
            );
        }
    }
    for (k, t) in series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let pts: Vec<(f64, f64)> = t
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.value.map(|v| (x(i), y(v))))
            .collect();
        if pts.len() > 1 {
            let d: Vec<String> = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
            let _ = write!(
                s,
                r#"<polyline fill="none" stroke="{color}" stroke-width="2.2" points="{}"/>"#,
                d.join(" ")
            );
        }
        for (a, b) in &pts {
            let _ = write!(
                s,
                r#"<circle cx="{a:.1}" cy="{b:.1}" r="3.6" fill="{color}"/>"#
            );
        }
        if series.len() > 1 {
            let lx = left + (k % 3) as f64 * 165.0;
            let ly = h - bottom + 32.0 + 14.0 * (k / 3) as f64;
            let _ = write!(
                s,
                r##"<rect x="{lx:.1}" y="{:.1}" width="10" height="10" fill="{color}"/><text x="{:.1}" y="{ly:.1}" font-size="10" fill="#1f2328">{}</text>"##,
                ly - 8.5,
                lx + 14.0,
                esc(t.label.trim_start_matches("Note: "))
            );
        }
    }
    s.push_str("</svg></figure>");
    s
}

/// Horizontal bars, values 0–1 (or 0–100 when `score`).
fn bar_chart(title: &str, rows: &[(String, f64, String)], unit: &str) -> String {
    let bar_h = 22.0;
    let (w, left) = (540.0, 200.0);
    let h = 10.0 + bar_h * rows.len().max(1) as f64;
    let max = if unit == "score" { 100.0 } else { 1.0 };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}">"#,
        esc(title),
        esc(title)
    );
    for (i, (label, v, note)) in rows.iter().enumerate() {
        let y = 5.0 + bar_h * i as f64;
        let len = (w - left - 70.0) * (v / max).clamp(0.0, 1.0);
        let color = if v / max >= 0.9 {
            "#1a7f37"
        } else if v / max >= 0.6 {
            "#9a6700"
        } else {
            "#d1242f"
        };
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#1f2328">{}</text><rect x="{left}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#eef1f4"/><rect x="{left}" y="{:.1}" width="{len:.1}" height="{:.1}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#1f2328">{}</text>"##,
            left - 8.0,
            y + 14.0,
            esc(label),
            y + 3.0,
            w - left - 70.0,
            bar_h - 8.0,
            y + 3.0,
            bar_h - 8.0,
            left + len + 6.0,
            y + 14.0,
            esc(note)
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// Trainee and team median side by side, per metric.
fn compare_chart(r: &TrainerReport) -> String {
    let Some(tc) = &r.team_comparison else {
        return String::new();
    };
    let rows: Vec<_> = tc.rows.iter().filter(|row| row.trainee.is_some()).collect();
    let group = 34.0;
    let (w, left) = (540.0, 200.0);
    let h = 26.0 + group * rows.len().max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<figure><figcaption>{} against the team median ({})</figcaption><svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="team comparison"><rect x="{left}" y="4" width="10" height="10" fill="#1f6feb"/><text x="{:.1}" y="13" font-size="10">{}</text><rect x="{:.1}" y="4" width="10" height="10" fill="#8c959f"/><text x="{:.1}" y="13" font-size="10">team median</text>"##,
        esc(&r.trainee),
        esc(&tc.team),
        left + 14.0,
        esc(&r.trainee),
        left + 130.0,
        left + 144.0
    );
    for (i, row) in rows.iter().enumerate() {
        let y = 22.0 + group * i as f64;
        let max = if row.unit == "score" { 100.0 } else { 1.0 };
        let span = w - left - 70.0;
        let a = row.trainee.unwrap_or(0.0);
        let b = row.team_median.unwrap_or(0.0);
        let mark = match row.standing {
            Standing::Better => " ✓",
            Standing::Worse => " ✗",
            _ => "",
        };
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text><rect x="{left}" y="{y:.1}" width="{:.1}" height="12" fill="#1f6feb"/><text x="{:.1}" y="{:.1}" font-size="10">{}{}</text><rect x="{left}" y="{:.1}" width="{:.1}" height="12" fill="#8c959f"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#59636e">{}</text>"##,
            left - 8.0,
            y + 16.0,
            esc(&row.label),
            span * (a / max).clamp(0.0, 1.0),
            left + span * (a / max).clamp(0.0, 1.0) + 5.0,
            y + 10.0,
            fmt_value(row.trainee, &row.unit),
            mark,
            y + 14.0,
            span * (b / max).clamp(0.0, 1.0),
            left + span * (b / max).clamp(0.0, 1.0) + 5.0,
            y + 24.0,
            fmt_value(row.team_median, &row.unit)
        );
    }
    s.push_str("</svg></figure>");
    s
}

fn dir_class(d: Direction) -> &'static str {
    match d {
        Direction::Improving => "good",
        Direction::Worsening => "bad",
        _ => "muted",
    }
}

/// The report as one self-contained HTML page.
pub fn to_html(r: &TrainerReport) -> String {
    let mut o = String::new();
    let title = format!("Coaching report: {}", r.trainee);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><main>",
        esc(&title)
    );
    let _ = write!(
        o,
        "<h1>{}</h1><p class=\"sub\">Team: {} · {} finished session(s){} · {} · generated {}</p>",
        esc(&title),
        esc(r.team.as_deref().unwrap_or("none")),
        r.sessions.len(),
        if r.abandoned > 0 {
            format!(", {} abandoned", r.abandoned)
        } else {
            String::new()
        },
        r.since
            .map(|s| format!("since {}", s.format("%Y-%m-%d")))
            .unwrap_or_else(|| "all history".into()),
        r.generated_at.format("%Y-%m-%d %H:%M UTC")
    );

    // Headline cards.
    o.push_str("<div class=\"cards\">");
    for key in ["score", "fcr", "unnecessary_escalation", "note_total"] {
        if let Some(t) = r.trend(key) {
            let _ = write!(
                o,
                "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"d {}\">{} (first {})</div></div>",
                esc(&t.label),
                fmt_value(t.last, &t.unit),
                dir_class(t.direction),
                direction_text(t.direction),
                fmt_value(t.first, &t.unit)
            );
        }
    }
    o.push_str("</div>");

    // Trends.
    let labels: Vec<String> = r
        .sessions
        .iter()
        .map(|s| format!("#{} {}", s.id, s.played_at.format("%m-%d")))
        .collect();
    let pick = |keys: &[&str]| -> Vec<&Trend> { keys.iter().filter_map(|k| r.trend(k)).collect() };
    o.push_str("<h2>Trends across sessions</h2><div class=\"grid2\">");
    o.push_str(&line_chart(
        "Session score (after overrides)",
        &pick(&["score"]),
        &labels,
    ));
    o.push_str(&line_chart(
        "First-contact resolution",
        &pick(&["fcr"]),
        &labels,
    ));
    o.push_str(&line_chart(
        "Unnecessary escalation rate (target below 15%)",
        &pick(&["unnecessary_escalation"]),
        &labels,
    ));
    o.push_str(&line_chart(
        "Timing: share of the ownership window used at the decision",
        &pick(&["window_use"]),
        &labels,
    ));
    o.push_str(&line_chart(
        "Escalation note, per element",
        &pick(&[
            "note_steps",
            "note_state",
            "note_context",
            "note_hypothesis",
            "note_sla",
        ]),
        &labels,
    ));
    o.push_str(&line_chart(
        "Right calls and decisions on time",
        &pick(&["accuracy", "on_time"]),
        &labels,
    ));
    o.push_str("</div>");

    // Sessions table.
    o.push_str("<h2>Sessions</h2><table><tr><th class=\"n\">#</th><th>played</th><th>shift</th><th class=\"n\">score</th><th class=\"n\">automatic</th><th class=\"n\">tickets</th><th>flags</th></tr>");
    for s in &r.sessions {
        let _ = write!(
            o,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}<br><span class=\"muted\">{}</span></td><td class=\"n\">{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            s.id,
            s.played_at.format("%Y-%m-%d %H:%M"),
            esc(&s.shift_title),
            esc(&format!("{}{}", s.shift, s.extension_text())),
            fmt_value(s.score.map(f64::from), "score"),
            if s.critical {
                " <span class=\"bad\">⚠</span>"
            } else {
                ""
            },
            fmt_value(s.automatic_score.map(f64::from), "score"),
            s.tickets,
            esc(&s.flags.join(", "))
        );
    }
    o.push_str("</table>");

    // Ticket types and timing.
    o.push_str("<h2>Accuracy per ticket type</h2><div class=\"grid2\">");
    let rows: Vec<(String, f64, String)> = r
        .ticket_types
        .iter()
        .map(|t| {
            (
                t.label.clone(),
                t.accuracy,
                format!("{}/{}", t.right_calls, t.tickets),
            )
        })
        .collect();
    o.push_str(&bar_chart("Right calls per ticket type", &rows, "rate"));
    o.push_str("<div><table><tr><th>ticket type</th><th class=\"n\">tickets</th><th class=\"n\">over-esc.</th><th class=\"n\">under-esc.</th><th class=\"n\">mean score</th></tr>");
    for t in &r.ticket_types {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n{}\">{}</td><td class=\"n{}\">{}</td><td class=\"n\">{:.0}</td></tr>",
            esc(&t.label),
            t.tickets,
            if t.over_escalated > 0 { " bad" } else { "" },
            t.over_escalated,
            if t.under_escalated > 0 { " bad" } else { "" },
            t.under_escalated,
            t.mean_score
        );
    }
    let tm = &r.timing;
    let _ = write!(
        o,
        "</table><p><b>Timing against the window:</b> {} decision(s) on windowed tickets — {} on time, {} premature, {} overdue; mean share of the window used {}.</p></div></div>",
        tm.decisions,
        tm.on_time,
        tm.premature,
        tm.overdue,
        fmt_value(tm.mean_window_use, "ratio")
    );

    // Flags.
    o.push_str("<h2>Flagged patterns</h2>");
    if r.flags.is_empty() {
        o.push_str("<p class=\"good\">No pattern flagged in this period.</p>");
    }
    for f in &r.flags {
        let _ = write!(
            o,
            "<div class=\"flag{}\"><h3>{} <span class=\"pill\">{} of {} session(s)</span> <span class=\"pill\">{}</span></h3>",
            if f.in_latest { "" } else { " old" },
            esc(&f.label),
            f.sessions.len(),
            r.sessions.len(),
            if f.in_latest {
                "still in the latest session"
            } else {
                "not in the latest session"
            }
        );
        if !f.ticket_types.is_empty() {
            let _ = write!(
                o,
                "<div>Ticket types: {}</div>",
                esc(&f.ticket_types.join(", "))
            );
        }
        o.push_str("<ul>");
        for e in &f.evidence {
            let _ = write!(
                o,
                "<li>Session {} ({}): {}</li>",
                e.session,
                e.played_at.format("%Y-%m-%d"),
                esc(&e.line)
            );
        }
        let _ = write!(
            o,
            "</ul><div class=\"advice\">{}</div></div>",
            esc(&f.advice)
        );
    }

    // Team.
    if let Some(tc) = &r.team_comparison {
        o.push_str("<h2>Against the team median</h2><div class=\"grid2\">");
        o.push_str(&compare_chart(r));
        let _ = write!(
            o,
            "<div><table><tr><th>metric</th><th class=\"n\">{}</th><th class=\"n\">team median</th><th></th></tr>",
            esc(&r.trainee)
        );
        for row in &tc.rows {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td></tr>",
                esc(&row.label),
                fmt_value(row.trainee, &row.unit),
                fmt_value(row.team_median, &row.unit),
                match row.standing {
                    Standing::Better => "good",
                    Standing::Worse => "bad",
                    _ => "muted",
                },
                standing_text(row.standing)
            );
        }
        let _ = write!(
            o,
            "</table><p class=\"muted\">{} team member(s) with sessions in the period; the median includes {}.</p></div></div>",
            tc.members,
            esc(&r.trainee)
        );
    }

    // Review queue.
    o.push_str("<h2>Escalation review</h2><p class=\"muted\">A fixed sample of the trainee's escalations, walked through the review's three questions. Reviews are for learning, not punishment.</p>");
    if r.review_queue.is_empty() {
        o.push_str("<p>No escalation to review in this period.</p>");
    }
    for q in &r.review_queue {
        let _ = write!(
            o,
            "<div class=\"review\"><h3>Session {}, ticket {}: {}</h3><div class=\"muted\">{} · {} · your call: <b>{}</b> · framework: <b>{}</b> · score {}{}</div>",
            q.session,
            q.ticket,
            esc(&q.title),
            esc(&q.scenario),
            esc(&q.ticket_type),
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
            let _ = write!(
                o,
                "<ol><li><b>Should it have been escalated?</b> {}</li><li><b>At the right time?</b> {}</li><li><b>What would L1 need?</b> {}</li></ol>",
                esc(&rv.should_escalate),
                esc(&rv.timing),
                esc(&rv.l1_needs)
            );
            if let Some(note) = &rv.model_note {
                let text: Vec<String> = note
                    .fields()
                    .iter()
                    .map(|(e, t)| format!("{}: {}", e.label(), t))
                    .collect();
                let _ = write!(
                    o,
                    "<details><summary>Model note</summary><div class=\"note\">{}</div></details>",
                    esc(&text.join("\n"))
                );
            }
        }
        o.push_str("</div>");
    }

    // Overrides.
    o.push_str("<h2>Coach overrides</h2>");
    if r.overrides.is_empty() {
        o.push_str("<p class=\"muted\">No grade overridden.</p>");
    }
    for ov in &r.overrides {
        let _ = write!(
            o,
            "<div class=\"override\"><b>Session {}, ticket {}</b> ({}): automatic grade <b>{}</b> · grade in force <b>{}</b><table><tr><th>when</th><th>coach</th><th class=\"n\">from</th><th class=\"n\">to</th><th>reason</th></tr>",
            ov.session,
            ov.ticket,
            esc(&ov.scenario),
            ov.automatic_score,
            ov.score
        );
        for e in &ov.trail {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                e.at.format("%Y-%m-%d %H:%M"),
                esc(&e.coach),
                e.old_score,
                e.new_score,
                esc(&e.reason)
            );
        }
        o.push_str("</table></div>");
    }

    // Schedule.
    o.push_str("<h2>Spaced repetition</h2><p class=\"muted\">Each ticket type comes back on an FSRS schedule: a weakness soon, a type that holds later and later. <code>dojo drill</code> builds the next drill from this and the flags.</p><table><tr><th>ticket type</th><th>due</th><th class=\"n\">recall now</th><th class=\"n\">reviews</th><th class=\"n\">lapses</th><th>last</th></tr>");
    for s in &r.schedule {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"{}\">{}{}</td><td class=\"n\">{:.0}%</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&s.label),
            if s.due_now { "bad" } else { "" },
            s.due.format("%Y-%m-%d"),
            if s.due_now { " (due)" } else { "" },
            s.retrievability * 100.0,
            s.reps,
            s.lapses,
            s.last_rating.as_str()
        );
    }
    o.push_str("</table></main></body></html>\n");
    o
}
