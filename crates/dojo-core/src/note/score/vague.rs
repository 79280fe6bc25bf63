//! Vague phrases: the framework's anti-examples, charged once per place they occur
//! (overlapping matches are one charge), never inside the framework's own phrasing
//! ("what is and isn't working") or a quoted finding.

use crate::policy::Policy;

use super::super::NoteContext;
use super::super::NoteElement;
use super::super::claims::Reading;
use super::super::prep::Prep;
use super::super::text;

/// Texts L1 may quote: the ticket, the error, the findings, the events.
fn quotable<'p>(ctx: &NoteContext<'_>, prep: &'p Prep) -> Vec<&'p str> {
    let s = ctx.scenario;
    let mut out = vec![prep.ticket_lower.as_str()];
    out.extend(prep.initial_error_lower.as_deref());
    for (i, st) in s.steps.iter().enumerate() {
        if ctx.steps_run.contains(&st.id) {
            out.push(&prep.step(i).finding_lower);
        }
    }
    for (ev, lower) in s.events.iter().zip(&prep.events_lower) {
        if ctx.events_fired.iter().any(|(id, _)| *id == ev.id) {
            out.push(lower);
        }
    }
    out
}

pub fn charges(
    r: &Reading<'_>,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    prep: &Prep,
) -> Vec<(NoteElement, String)> {
    let v = &policy.note.vocabulary;
    let mut out = Vec::new();
    let mut quotes: Option<Vec<&str>> = None;
    for f in &r.fields {
        let mut spans = text::spans_of(&f.lower, &policy.note.vague_phrases);
        if spans.is_empty() {
            continue;
        }
        let framework: Vec<(usize, usize)> = text::spans_of(&f.lower, &v.framework_phrases)
            .into_iter()
            .map(|(s, e, _)| (s, e))
            .collect();
        spans.retain(|(s, e, _)| !framework.iter().any(|(fs, fe)| fs < e && s < fe));
        let quotes = quotes.get_or_insert_with(|| quotable(ctx, prep));
        spans.retain(|(s, e, k)| {
            let phrase = policy.note.vague_phrases[*k].to_lowercase();
            let lo = floor(&f.lower, s.saturating_sub(60));
            let hi = ceil(&f.lower, (e + 60).min(f.lower.len()));
            let around = &f.lower[lo..hi];
            !quotes
                .iter()
                .any(|q| q.contains(&phrase) && shares(around, q, 3))
        });
        spans.sort_unstable();
        let mut k = 0;
        while k < spans.len() {
            let (mut end, mut best) = (spans[k].1, spans[k]);
            let mut j = k + 1;
            while j < spans.len() && spans[j].0 < end {
                end = end.max(spans[j].1);
                if spans[j].1 - spans[j].0 > best.1 - best.0 {
                    best = spans[j];
                }
                j += 1;
            }
            out.push((f.element, policy.note.vague_phrases[best.2].clone()));
            k = j;
        }
    }
    out
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The two texts share at least `n` distinctive words.
fn shares(a: &str, b: &str, n: usize) -> bool {
    let words: Vec<&str> = text::raw_words(b)
        .map(|(_, w)| w)
        .filter(|w| text::is_distinctive(w))
        .collect();
    text::raw_words(a)
        .map(|(_, w)| w)
        .filter(|w| text::is_distinctive(w) && words.contains(w))
        .count()
        >= n
}
