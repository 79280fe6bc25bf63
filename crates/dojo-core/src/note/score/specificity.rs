//! Specificity of the whole note: overlong, repeating itself, unrelated to the ticket,
//! steps listed without their results, bare keywords.

use crate::policy::Policy;

use super::super::claims::{ClaimKind, Reading, Target};

/// The problems, one line each, and the points they take off the total.
pub fn judge(r: &Reading<'_>, policy: &Policy) -> (Vec<String>, u32) {
    let n = &policy.note;
    let mut problems = Vec::new();
    let mut points = 0;
    if r.words > n.readable_words as usize {
        problems.push(format!(
            "The note is {} words long: L2 cannot read it in a few minutes. Keep to the findings (about {} words at most).",
            r.words, n.readable_words
        ));
        points += n.overlong_penalty;
    }
    let total = r.clauses.len();
    let repeats = r.clauses.iter().filter(|c| c.repeat).count();
    if total > 0 && repeats as f64 > n.repetition_share * total as f64 {
        problems.push(format!(
            "The note repeats itself: {repeats} of its {total} sentences say the same thing again."
        ));
        points += n.repetition_penalty;
    }
    if r.words >= 80 && (r.related_words as f64) < n.related_share * r.words as f64 {
        problems.push(format!(
            "Most of the note ({} of {} words) has nothing to do with this ticket.",
            r.words - r.related_words,
            r.words
        ));
        points += n.unrelated_penalty;
    }
    let run: Vec<usize> = r
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.done && matches!(c.target, Target::Step(_)))
        .map(|(i, _)| i)
        .collect();
    let bare: Vec<&str> = run
        .iter()
        .filter(|i| {
            let kinds: Vec<ClaimKind> = r
                .claims
                .iter()
                .filter(|c| c.candidate == **i)
                .map(|c| c.kind)
                .collect();
            kinds.contains(&ClaimKind::Done) && !kinds.contains(&ClaimKind::DoneWithOutcome)
        })
        .map(|i| r.candidates[*i].label)
        .collect();
    if !run.is_empty()
        && bare.len() as f64 >= n.bare_steps_share * run.len() as f64
        && !bare.is_empty()
    {
        problems.push(format!(
            "Steps are listed without their results ({}): say what each one showed.",
            bare.iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        points += n.bare_steps_penalty;
    }
    if r.clauses.iter().any(|c| c.stuffing) {
        problems.push(
            "Bare keywords without a finding assert nothing L2 can check: write what you saw."
                .into(),
        );
        points += n.keyword_penalty;
    }
    (problems, points)
}
