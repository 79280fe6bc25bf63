//! The grade as text for the terminal and Markdown for sharing (JSON is the serde form).

use std::fmt::Write as _;

use crate::grading::metrics::Standing;
use crate::grading::{Component, SessionGrade, TicketGrade};
use crate::note::EscalationNote;
use crate::scenario::Owner;
use crate::sim::record::short_owner;

fn call_text(call: Option<Owner>) -> &'static str {
    call.map_or("no decision", short_owner)
}

fn standing_mark(s: Standing) -> &'static str {
    match s {
        Standing::Meets => "ok",
        Standing::Misses => "MISS",
        Standing::Info => "",
    }
}

fn note_text(note: &EscalationNote, indent: &str) -> String {
    let mut out = String::new();
    for (element, text) in note.fields() {
        let _ = writeln!(out, "{indent}{}:", element.label());
        for line in text.lines() {
            let _ = writeln!(out, "{indent}  {line}");
        }
    }
    out
}

fn ticket_text(out: &mut String, t: &TicketGrade) {
    let _ = writeln!(
        out,
        "\n#{} {} — {}{}",
        t.number,
        t.scenario,
        if t.not_reached {
            "not reached (the shift was ended before it was opened; not graded)".to_string()
        } else if t.handed_over {
            "handed over (not graded)".to_string()
        } else {
            format!("{}/100", t.score)
        },
        if t.critical {
            "  [CRITICAL: security kept at L1]"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "   {}", t.title);
    let _ = writeln!(
        out,
        "   your call: {}{} · framework: {} · timing: {:?}",
        call_text(t.call),
        t.decided_at
            .map(|m| format!(" at minute {m}"))
            .unwrap_or_default(),
        short_owner(t.right_call),
        t.timing
    );
    let parts: Vec<String> = t
        .components
        .iter()
        .filter(|c| c.applies)
        .map(|c| format!("{} {}", c.component.label(), c.score))
        .collect();
    let _ = writeln!(out, "   {}", parts.join(" · "));
    for s in &t.strengths {
        let _ = writeln!(out, "   + {s}");
    }
    for d in t
        .deductions
        .iter()
        .filter(|d| d.component != Component::Note)
    {
        let _ = writeln!(
            out,
            "   - [{}{}] {}",
            d.component.label(),
            d.minute
                .map(|m| format!(", minute {m}"))
                .unwrap_or_default(),
            d.what_you_did
        );
        let _ = writeln!(out, "       rule: {}", d.rule);
    }
    if let Some(n) = &t.note {
        let _ = writeln!(
            out,
            "   Note {}/100 — L2 minutes saved: {}{}",
            n.total,
            n.l2_minutes_saved,
            if n.vague_phrases.is_empty() {
                String::new()
            } else {
                format!(" · vague: \"{}\"", n.vague_phrases.join("\", \""))
            }
        );
        for e in &n.elements {
            let _ = writeln!(out, "     {} {}/100", e.element.label(), e.score);
            for p in &e.problems {
                let _ = writeln!(out, "       - {p}");
            }
            if e.score < 100 {
                for (i, line) in e.suggestion.lines().enumerate() {
                    let _ = writeln!(
                        out,
                        "       {} {line}",
                        if i == 0 { "try:" } else { "    " }
                    );
                }
            }
        }
    }
}

/// The grade as text.
pub fn to_text(g: &SessionGrade) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Session grade: {}/100{} — shift {} (seed {}){}",
        g.score,
        if g.critical { " [CRITICAL]" } else { "" },
        g.shift,
        g.seed,
        g.trainee
            .as_ref()
            .map(|t| format!(", trainee {t}"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "\nPer ticket");
    for t in &g.tickets {
        ticket_text(&mut out, t);
    }
    let _ = writeln!(out, "\nMetrics (value · target · ideal run)");
    for m in &g.metrics {
        let _ = writeln!(
            out,
            "  {:<58} {:>9}  {:<44} {:>9}  {}",
            m.label,
            m.value_text(),
            m.target,
            m.ideal_text(),
            standing_mark(m.standing)
        );
    }
    coaching_text(&mut out, g);
    out
}

fn coaching_text(out: &mut String, g: &SessionGrade) {
    let c = &g.coaching;
    let _ = writeln!(out, "\nCoaching");
    for s in &c.strengths {
        let _ = writeln!(out, "  + {s}");
    }
    for w in &c.weaknesses {
        let _ = writeln!(out, "  - {w}");
    }
    for f in &c.flags {
        let _ = writeln!(
            out,
            "\n  Pattern: {}{}",
            f.flag.label(),
            if f.ticket_types.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.ticket_types.join(", "))
            }
        );
        for e in &f.evidence {
            let _ = writeln!(out, "    · {e}");
        }
        let _ = writeln!(out, "    Next time: {}", f.advice);
        if !f.drill_scenarios.is_empty() || !f.drill_tags.is_empty() {
            let _ = writeln!(
                out,
                "    Drill: {}{}",
                f.drill_scenarios.join(", "),
                if f.drill_tags.is_empty() {
                    String::new()
                } else {
                    format!(" (tags: {})", f.drill_tags.join(", "))
                }
            );
        }
    }
    if !c.reviews.is_empty() {
        let _ = writeln!(out, "\n  Escalation review");
        for r in &c.reviews {
            let _ = writeln!(out, "  Ticket {}", r.number);
            let _ = writeln!(
                out,
                "    1. Should it have been escalated? {}",
                r.should_escalate
            );
            let _ = writeln!(out, "    2. At the right time? {}", r.timing);
            let _ = writeln!(out, "    3. What would L1 need? {}", r.l1_needs);
            if let Some(n) = &r.model_note {
                let _ = writeln!(out, "    Model note:");
                out.push_str(&note_text(n, "      "));
            }
        }
    }
}

/// The grade as Markdown.
pub fn to_markdown(g: &SessionGrade) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Session grade: {}/100{}\n\nShift `{}` · seed {}{}\n",
        g.score,
        if g.critical { " — **critical**" } else { "" },
        g.shift,
        g.seed,
        g.trainee
            .as_ref()
            .map(|t| format!(" · trainee {t}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "## Tickets\n\n| # | scenario | your call | framework | timing | score |\n|---|---|---|---|---|---|"
    );
    for t in &g.tickets {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:?} | {} |",
            t.number,
            t.scenario,
            call_text(t.call),
            short_owner(t.right_call),
            t.timing,
            if t.not_reached {
                "not reached".into()
            } else if t.handed_over {
                "handed over".into()
            } else if t.critical {
                "0 (critical)".into()
            } else {
                t.score.to_string()
            }
        );
    }
    for t in &g.tickets {
        let _ = writeln!(out, "\n### #{} {}\n", t.number, t.title);
        for s in &t.strengths {
            let _ = writeln!(out, "- ✅ {s}");
        }
        for d in &t.deductions {
            let _ = writeln!(
                out,
                "- ❌ **{}**{}: {} — *{}*",
                d.component.label(),
                d.minute
                    .map(|m| format!(" (minute {m})"))
                    .unwrap_or_default(),
                d.what_you_did,
                d.rule
            );
        }
        if let Some(n) = &t.note {
            let _ = writeln!(out, "\n| note element | score | try |\n|---|---|---|");
            for e in &n.elements {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    e.element.label(),
                    e.score,
                    e.suggestion.replace('\n', "<br>").replace('|', "\\|")
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n## Metrics\n\n| metric | value | target | ideal run |\n|---|---|---|---|"
    );
    for m in &g.metrics {
        let _ = writeln!(
            out,
            "| {} | {} {} | {} | {} |",
            m.label,
            m.value_text(),
            standing_mark(m.standing),
            m.target,
            m.ideal_text()
        );
    }
    let _ = writeln!(out, "\n## Coaching\n");
    for s in &g.coaching.strengths {
        let _ = writeln!(out, "- ✅ {s}");
    }
    for w in &g.coaching.weaknesses {
        let _ = writeln!(out, "- ⚠️ {w}");
    }
    for f in &g.coaching.flags {
        let _ = writeln!(out, "\n### Pattern: {}\n", f.flag.label());
        for e in &f.evidence {
            let _ = writeln!(out, "- {e}");
        }
        let _ = writeln!(
            out,
            "\n**Next time:** {}\n\n**Drill:** {}",
            f.advice,
            f.drill_scenarios.join(", ")
        );
    }
    for r in &g.coaching.reviews {
        let _ = writeln!(
            out,
            "\n### Review of ticket {}\n\n1. **Should it have been escalated?** {}\n2. **At the right time?** {}\n3. **What would L1 need?** {}",
            r.number, r.should_escalate, r.timing, r.l1_needs
        );
        if let Some(n) = &r.model_note {
            let _ = writeln!(out, "\n```text\n{}```", note_text(n, ""));
        }
    }
    out
}
