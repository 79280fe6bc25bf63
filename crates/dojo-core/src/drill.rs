//! Coaching drills: a shift built for one trainee, weighted to the ticket types behind
//! their flagged weaknesses (an over-escalator gets the L1 tickets of the types they
//! over-escalate) and to the types due again on their spaced-repetition schedule.
//!
//! The result is an ordinary shift definition (mode `Coaching`), validated against the
//! pack, written as RON like the shipped shifts; the log of a drill embeds it, so a drill
//! replays anywhere. Pure: the caller passes the sessions, the schedule and "now".

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::curriculum::DrillSettings;
use crate::grading::{Flag, FlaggedPattern};
use crate::history::SessionSummary;
use crate::pack::Pack;
use crate::scenario::{Owner, Scenario};
use crate::shift::{Arrivals, Mode, Rules, Selection, Shift};
use crate::spaced::TypeSchedule;

/// Why a ticket type is in the drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillFocus {
    /// The ticket type.
    pub ticket_type: String,
    /// Its weight (flagged tickets × flag weight + due weight).
    pub weight: f64,
    /// Tickets of the type in the drill.
    pub tickets: u32,
    /// The flags behind it, with how many flagged tickets each.
    pub flags: Vec<(Flag, usize)>,
    /// Due on the schedule.
    pub due: bool,
    /// What the trainee should see in these tickets.
    pub owner: Option<Owner>,
    /// The scenarios chosen.
    pub scenarios: Vec<String>,
}

/// A drill: the shift and why it is what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillPlan {
    /// The shift definition.
    pub shift: Shift,
    /// Per ticket type, most weight first.
    pub focus: Vec<DrillFocus>,
}

impl DrillPlan {
    /// The shift as a commented RON file, as the shipped shifts are written.
    pub fn to_ron(&self) -> String {
        let mut out = String::from(
            "// A coaching drill built by `dojo drill` from the trainee's flags and schedule.\n",
        );
        for f in &self.focus {
            let flags: Vec<String> = f
                .flags
                .iter()
                .map(|(flag, n)| format!("{} ({n} ticket(s))", flag.label()))
                .collect();
            out.push_str(&format!(
                "// {}: {} ticket(s){}{}\n",
                f.ticket_type,
                f.tickets,
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", flags.join(", "))
                },
                if f.due {
                    " — due on the schedule"
                } else {
                    ""
                }
            ));
        }
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(2)
            .indentor("    ".to_string())
            .struct_names(true);
        out.push_str(&ron::ser::to_string_pretty(&self.shift, config).unwrap_or_default());
        out.push('\n');
        out
    }

    /// The share of the drill's tickets whose type is in `types`.
    pub fn share_of_types(&self, types: &[String]) -> f64 {
        let total: u32 = self.focus.iter().map(|f| f.tickets).sum();
        let hit: u32 = self
            .focus
            .iter()
            .filter(|f| types.contains(&f.ticket_type))
            .map(|f| f.tickets)
            .sum();
        if total == 0 {
            0.0
        } else {
            f64::from(hit) / f64::from(total)
        }
    }
}

/// What the trainee should practise on a type flagged with this pattern.
fn owner_for(flag: Flag) -> Option<Owner> {
    match flag {
        Flag::OverEscalates | Flag::IgnoresKb => Some(Owner::ResolveAtL1),
        Flag::MissesSecurity => Some(Owner::EscalateSecurity),
        Flag::MissesBusinessImpact => None,
        Flag::UnderEscalates
        | Flag::LateEscalations
        | Flag::PrematureEscalations
        | Flag::VagueNotes
        | Flag::FabricatedSteps
        | Flag::NotesLackElement => Some(Owner::EscalateToL2),
    }
}

/// The ticket numbers a flag's evidence names ("Ticket 3 (scenario), ...").
fn evidence_tickets(f: &FlaggedPattern) -> Vec<u32> {
    f.evidence
        .iter()
        .filter_map(|line| {
            line.strip_prefix("Ticket ")?
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "trainee".into() } else { s }
}

/// Splits `n` slots by weight (largest remainder; ties by weight, then name). Every
/// weighted type gets at least one slot while slots last.
fn allocate(weights: &[(String, f64)], n: u32) -> Vec<u32> {
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    if weights.is_empty() || total <= 0.0 {
        return vec![0; weights.len()];
    }
    let mut slots: Vec<u32> = vec![0; weights.len()];
    // One each first, in weight order, while slots last.
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        weights[b]
            .1
            .total_cmp(&weights[a].1)
            .then(weights[a].0.cmp(&weights[b].0))
    });
    let mut left = n;
    for &i in &order {
        if left == 0 {
            break;
        }
        slots[i] = 1;
        left -= 1;
    }
    if left > 0 {
        let quotas: Vec<f64> = weights
            .iter()
            .map(|(_, w)| f64::from(n) * w / total)
            .collect();
        // Top up to each quota's floor, then the largest remainders.
        for &i in &order {
            let want = quotas[i].floor() as u32;
            let add = want.saturating_sub(slots[i]).min(left);
            slots[i] += add;
            left -= add;
        }
        let mut rest = order.clone();
        rest.sort_by(|&a, &b| {
            let ra = quotas[a] - f64::from(slots[a]);
            let rb = quotas[b] - f64::from(slots[b]);
            rb.total_cmp(&ra)
                .then(weights[b].1.total_cmp(&weights[a].1))
        });
        let mut k = 0;
        while left > 0 {
            slots[rest[k % rest.len()]] += 1;
            left -= 1;
            k += 1;
        }
    }
    slots
}

/// Builds a drill for a trainee from their stored sessions (any order), schedule and the
/// pack. Errors say why no drill can be built.
pub fn build(
    trainee: &str,
    sessions: &[SessionSummary],
    schedule: &[TypeSchedule],
    pack: &Pack,
    settings: &DrillSettings,
    now: DateTime<Utc>,
) -> Result<DrillPlan, String> {
    let mut finished: Vec<&SessionSummary> = sessions.iter().filter(|s| s.is_finished()).collect();
    if finished.is_empty() {
        return Err(format!(
            "no finished session stored for {trainee}: play a shift (`dojo run --trainee`) or import a result (`dojo history import`) first"
        ));
    }
    finished.sort_by_key(|s| (s.played_at, s.id));
    let recent = &finished[finished.len().saturating_sub(settings.lookback_sessions)..];

    // Flagged tickets per type and flag, over the recent sessions.
    let mut flagged: BTreeMap<String, BTreeMap<Flag, usize>> = BTreeMap::new();
    for s in recent {
        for f in &s.flags {
            for number in evidence_tickets(f) {
                if let Some(t) = s.tickets.iter().find(|t| t.number == number) {
                    *flagged
                        .entry(t.ticket_type.clone())
                        .or_default()
                        .entry(f.flag)
                        .or_default() += 1;
                }
            }
        }
    }
    let due: BTreeMap<&str, &TypeSchedule> = schedule
        .iter()
        .filter(|c| c.is_due(now))
        .map(|c| (c.ticket_type.as_str(), c))
        .collect();
    let mut weights: BTreeMap<String, f64> = BTreeMap::new();
    for (ty, flags) in &flagged {
        *weights.entry(ty.clone()).or_default() +=
            settings.flag_weight * flags.values().sum::<usize>() as f64;
    }
    for (ty, card) in &due {
        *weights.entry((*ty).to_string()).or_default() +=
            settings.due_weight * (1.0 + (1.0 - card.retrievability(now)));
    }
    weights.retain(|ty, w| *w > 0.0 && pack.scenarios.values().any(|s| &s.ticket_type == ty));
    if weights.is_empty() {
        // Nothing flagged and nothing due: revisit what comes due soonest.
        let mut soonest: Vec<&TypeSchedule> = schedule
            .iter()
            .filter(|c| {
                pack.scenarios
                    .values()
                    .any(|s| s.ticket_type == c.ticket_type)
            })
            .collect();
        soonest.sort_by_key(|c| (c.due, c.ticket_type.clone()));
        for c in soonest.into_iter().take(settings.tickets as usize) {
            weights.insert(c.ticket_type.clone(), 1.0);
        }
    }
    if weights.is_empty() {
        return Err(format!(
            "nothing to drill for {trainee}: no flagged weakness, no ticket type on the schedule"
        ));
    }
    let list: Vec<(String, f64)> = weights.into_iter().collect();
    let slots = allocate(&list, settings.tickets);

    // How often the trainee has seen each scenario (fewest first when choosing), and
    // which they met within `avoid_repeat_days` (those last while others are left).
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut met_recently: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let since = now - chrono::Duration::days(i64::from(settings.avoid_repeat_days));
    for s in &finished {
        for t in &s.tickets {
            *seen.entry(t.scenario.as_str()).or_default() += 1;
            if settings.avoid_repeat_days > 0 && s.played_at > since {
                met_recently.insert(t.scenario.as_str());
            }
        }
    }
    let mut focus: Vec<DrillFocus> = Vec::new();
    for ((ty, weight), n) in list.iter().zip(slots) {
        if n == 0 {
            continue;
        }
        let flags: Vec<(Flag, usize)> = flagged
            .get(ty)
            .map(|m| {
                let mut v: Vec<(Flag, usize)> = m.iter().map(|(f, c)| (*f, *c)).collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                v
            })
            .unwrap_or_default();
        let dominant = flags.first().map(|(f, _)| *f);
        let owner = dominant.and_then(owner_for);
        let of_type: Vec<&Scenario> = pack
            .scenarios
            .values()
            .filter(|s| &s.ticket_type == ty)
            .collect();
        let fits = |s: &&Scenario| match (dominant, owner) {
            (Some(Flag::MissesBusinessImpact), _) => {
                s.tags.iter().any(|t| t == "high-impact" || t == "vip")
            }
            (_, Some(o)) => s.expected.owner == o,
            _ => true,
        };
        let mut ranked: Vec<&Scenario> = of_type.iter().copied().filter(fits).collect();
        let mut others: Vec<&Scenario> = of_type.iter().copied().filter(|s| !fits(s)).collect();
        let rank = |v: &mut Vec<&Scenario>| {
            v.sort_by_key(|s| {
                (
                    met_recently.contains(s.id.as_str()),
                    seen.get(s.id.as_str()).copied().unwrap_or(0),
                    s.id.clone(),
                )
            })
        };
        rank(&mut ranked);
        rank(&mut others);
        // The fitting ones first; others only when the fitting ones run out; within each,
        // the ones not met recently first, then the fewest seen; repeats last.
        let pool: Vec<&Scenario> = if ranked.is_empty() { others } else { ranked };
        let scenarios: Vec<String> = (0..n as usize)
            .map(|i| pool[i % pool.len()].id.clone())
            .collect();
        focus.push(DrillFocus {
            ticket_type: ty.clone(),
            weight: *weight,
            tickets: n,
            flags,
            due: due.contains_key(ty.as_str()),
            owner,
            scenarios,
        });
    }
    focus.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.ticket_type.cmp(&b.ticket_type))
    });

    // Interleave the types so the same type never comes twice in a row if avoidable.
    let mut queues: Vec<std::collections::VecDeque<String>> = focus
        .iter()
        .map(|f| f.scenarios.iter().cloned().collect())
        .collect();
    let mut ids = Vec::new();
    while queues.iter().any(|q| !q.is_empty()) {
        for q in &mut queues {
            if let Some(id) = q.pop_front() {
                ids.push(id);
            }
        }
    }
    let arrivals: Vec<u32> = (0..ids.len() as u32)
        .map(|i| i * settings.minutes_between)
        .collect();
    let last = arrivals.last().copied().unwrap_or(0);
    let top: Vec<String> = focus
        .iter()
        .take(3)
        .map(|f| f.ticket_type.clone())
        .collect();
    let reasons: Vec<String> = focus
        .iter()
        .map(|f| {
            let mut why: Vec<String> = f
                .flags
                .iter()
                .map(|(flag, n)| format!("{} ×{n}", flag.label().to_lowercase()))
                .collect();
            if f.due {
                why.push("due".into());
            }
            format!("{} ({})", f.ticket_type, why.join(", "))
        })
        .collect();
    let shift = Shift {
        id: format!("drill-{}-{}", slug(trainee), now.format("%Y%m%d")),
        title: format!("Drill for {trainee}: {}", top.join(", ")),
        description: format!(
            "A coaching drill aimed at the weak spots of {trainee}: {}.",
            reasons.join("; ")
        ),
        mode: Mode::Coaching,
        length_minutes: last + settings.minutes_after_last,
        arrivals: Arrivals::Fixed(arrivals),
        selection: Selection {
            ids,
            tags: Vec::new(),
            ticket_types: Vec::new(),
            min_difficulty: 1,
            max_difficulty: 5,
            pools: Vec::new(),
        },
        time_scale: settings.time_scale,
        rules: Rules {
            pause_allowed: true,
            hints_shown: false,
            real_time_limit_minutes: None,
            time_extensions: None,
        },
        variant: None,
    };
    let plan = DrillPlan { shift, focus };
    // The drill must be a valid shift file of this pack, like any shipped one.
    let text = plan.to_ron();
    let problems = crate::validate::lint_shift(
        "drill",
        &text,
        &plan.shift,
        &pack.scenarios.keys().cloned().collect(),
        Some(&pack.policy),
    );
    if let Some(p) = problems.first() {
        return Err(format!("the drill does not validate: {p}"));
    }
    Ok(plan)
}
