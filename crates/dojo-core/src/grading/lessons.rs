//! The debrief's first word: the few lessons that matter most in a graded session, each
//! with the ticket it came from and what to do next time (#13). Pure: a view of the
//! [`SessionGrade`](super::SessionGrade)'s deductions, ranked by what they cost.

use serde::{Deserialize, Serialize};

use super::SessionGrade;
use super::ticket::Component;
use crate::policy::GradingPolicy;

/// One lesson of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    /// The ticket it came from (number and title).
    pub ticket: u32,
    /// Its title.
    pub title: String,
    /// What counted against it (a component: ownership, timing…).
    pub component: Component,
    /// What happened, as the deduction says it.
    pub what_happened: String,
    /// What to do next time: the framework rule it broke.
    pub next_time: String,
    /// Other tickets where the same lesson applies.
    pub also_on: Vec<u32>,
    /// Session points it cost (the deduction weighted by its component).
    pub cost: f64,
}

/// The `max` lessons that cost the most: a security incident left at L1 first, then by
/// weighted points lost, each rule once (the tickets it recurs on are listed). Tickets
/// not reached are left out.
pub fn lessons(grade: &SessionGrade, rules: &GradingPolicy, max: usize) -> Vec<Lesson> {
    let total: f64 = [
        Component::Ownership,
        Component::Timing,
        Component::Resolution,
        Component::BusinessImpact,
        Component::Note,
    ]
    .iter()
    .map(|c| f64::from(rules.weights.of(*c)))
    .sum::<f64>()
    .max(1.0);
    let mut all: Vec<(bool, Lesson)> = grade
        .tickets
        .iter()
        .filter(|t| !t.not_reached)
        .flat_map(|t| {
            t.deductions.iter().map(move |d| {
                (
                    t.critical,
                    Lesson {
                        ticket: t.number,
                        title: t.title.clone(),
                        component: d.component,
                        what_happened: d.what_you_did.clone(),
                        next_time: plain_rule(&d.rule),
                        also_on: Vec::new(),
                        cost: f64::from(d.points) * f64::from(rules.weights.of(d.component))
                            / total,
                    },
                )
            })
        })
        .collect();
    all.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cost.total_cmp(&a.1.cost))
            .then(a.1.ticket.cmp(&b.1.ticket))
    });
    let mut out: Vec<Lesson> = Vec::new();
    for (_, lesson) in all {
        let key = lesson_key(&lesson);
        if let Some(same) = out.iter_mut().find(|l| lesson_key(l) == key) {
            if same.ticket != lesson.ticket && !same.also_on.contains(&lesson.ticket) {
                same.also_on.push(lesson.ticket);
            }
            continue;
        }
        if out.len() < max {
            out.push(lesson);
        }
    }
    out
}

/// A rule as advice: without its "Rule (dimension): " citation prefix.
fn plain_rule(rule: &str) -> String {
    match rule
        .strip_prefix("Rule (")
        .and_then(|r| r.split_once("): "))
    {
        Some((_, rest)) => rest.to_string(),
        None => rule.to_string(),
    }
}

/// What makes two lessons the same: the component and the rule without its particulars
/// (the article, the minutes in brackets), so one rule broken on three tickets is one
/// lesson "also on" the others.
fn lesson_key(l: &Lesson) -> (Component, String) {
    let mut key = String::new();
    let mut depth = 0u32;
    for c in l.next_time.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && !c.is_ascii_digit() => key.push(c),
            _ => {}
        }
    }
    (l.component, key)
}
