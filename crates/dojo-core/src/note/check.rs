//! Checking a claimed outcome against the log: the result's polarity (a "fine" for a
//! timeout), the codes (event 8003 for 8004) and the quantities (12 GB free for 0 bytes)
//! the step or fix actually revealed.

use crate::policy::NoteVocabulary;
use crate::scenario::{FindingKind, Scenario};

use super::NoteContext;
use super::text::{self, Lexicon};

/// A step or a fix of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `scenario.steps[i]`.
    Step(usize),
    /// `scenario.fixes[i]`.
    Fix(usize),
}

/// A step or fix of the scenario as the scorer reads it, once per scenario instance
/// (`note::prep`).
#[derive(Debug)]
pub struct Item {
    /// Which one.
    pub target: Target,
    /// Distinctive stems of the label.
    pub label_sig: Vec<u64>,
    /// The label's first word, canonical (before the stopword and known-word filter).
    pub label_verb: Option<u64>,
    /// Per label stem: no other step or fix has it in its label.
    pub label_unique: Vec<bool>,
    /// Distinctive stems of the finding or outcome.
    pub finding_sig: Vec<u64>,
    /// The finding or outcome, lower-cased.
    pub finding_lower: String,
    /// Each sentence of the lower-cased finding: its signature and polarity.
    pub sentences: Vec<(Vec<u64>, Polarity)>,
    /// How the finding reads as a whole (its kind first, then its words).
    pub polarity: Polarity,
    /// Codes in the finding.
    pub codes: Vec<String>,
    /// Quantities in the finding.
    pub quantities: Vec<(String, String)>,
}

/// The step or fix a claim is about, as the check needs it.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    /// Which one.
    pub target: Target,
    /// Its finding or outcome.
    pub finding: &'a str,
    /// The claim quotes enough of the finding's own terms.
    pub quoted: bool,
    /// The step or fix, read.
    pub item: &'a Item,
}

/// What a claim says about its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its result is stated and agrees with the log.
    Reported,
    /// No result is stated.
    Missing,
    /// The stated result contradicts what was revealed.
    Contradicts,
}

/// Good or bad, as a text reports a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// Only good-result words.
    Good,
    /// Only bad-result words.
    Bad,
    /// Both.
    Mixed,
    /// Neither.
    None,
}

/// The polarity of a lower-cased text: outcome phrases, the longer match winning where
/// two overlap ("not expired" over "expired").
pub fn polarity(lower: &str, v: &NoteVocabulary) -> Polarity {
    let mut spans: Vec<(usize, usize, bool)> = Vec::new();
    for (list, good) in [(&v.positive_outcomes, true), (&v.negative_outcomes, false)] {
        spans.extend(
            text::spans_of(lower, list)
                .into_iter()
                .map(|(s, e, _)| (s, e, good)),
        );
    }
    let kept = spans.iter().filter(|(s, e, _)| {
        !spans
            .iter()
            .any(|(s2, e2, _)| s2 <= s && e <= e2 && (e2 - s2) > (e - s))
    });
    let (mut good, mut bad) = (false, false);
    for (_, _, g) in kept {
        if *g {
            good = true;
        } else {
            bad = true;
        }
    }
    match (good, bad) {
        (true, true) => Polarity::Mixed,
        (true, false) => Polarity::Good,
        (false, true) => Polarity::Bad,
        (false, false) => Polarity::None,
    }
}

fn opposite(a: Polarity, b: Polarity) -> bool {
    matches!(
        (a, b),
        (Polarity::Good, Polarity::Bad) | (Polarity::Bad, Polarity::Good)
    )
}

/// How a finding reads as a whole: its kind first, then its words.
pub(crate) fn finding_polarity(
    scenario: &Scenario,
    target: Target,
    lower: &str,
    v: &NoteVocabulary,
) -> Polarity {
    let words = polarity(lower, v);
    match target {
        Target::Step(i) => {
            let step = &scenario.steps[i];
            match step.finding {
                FindingKind::Works if words != Polarity::Bad => Polarity::Good,
                FindingKind::DoesNotWork | FindingKind::ErrorText if words != Polarity::Good => {
                    Polarity::Bad
                }
                _ if step.reveals_cause && words == Polarity::None => Polarity::Bad,
                _ => words,
            }
        }
        Target::Fix(_) => words,
    }
}

/// Checks the outcome a clause claims for a step or fix that was run.
/// `clear`: the clause is clearly about this one step (a good or bad result is only
/// read against the step it is about; a wrong code or figure needs no more).
pub fn outcome(
    lower: &str,
    c: &About<'_>,
    ctx: &NoteContext<'_>,
    ticket_lower: &str,
    v: &NoteVocabulary,
    lex: &Lexicon,
    clear: bool,
) -> Outcome {
    let item = c.item;
    let claim = polarity(lower, v);
    if clear && result_contradicts(lower, c, ctx, v, lex) {
        return Outcome::Contradicts;
    }
    if clear && (wrong_code(lower, item, ticket_lower) || wrong_quantity(lower, &item.quantities)) {
        return Outcome::Contradicts;
    }
    if c.quoted || claim != Polarity::None || !text::quantities(lower).is_empty() {
        Outcome::Reported
    } else {
        Outcome::Missing
    }
}

/// A code in the claim that the finding has in another form (event 8003 for 8004).
fn wrong_code(claim: &str, item: &Item, elsewhere: &str) -> bool {
    let found = &item.codes;
    if found.is_empty() {
        return false;
    }
    let shape = |w: &str| -> String {
        w.chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    text::codes(claim).iter().any(|code| {
        !found.contains(code)
            && !elsewhere.contains(code.as_str())
            && found.iter().any(|f| shape(f) == shape(code))
    })
}

/// A quantity in the claim whose unit the finding uses, with a figure it does not have.
fn wrong_quantity(claim: &str, found: &[(String, String)]) -> bool {
    text::quantities(claim).iter().any(|(n, unit)| {
        found.iter().any(|(_, u)| u == unit) && !found.iter().any(|(m, u)| u == unit && m == n)
    })
}

/// A part of the clause (between commas and dashes) reports a result opposite to the
/// finding's sentence it is about — or, when it matches no sentence, to the finding as a
/// whole — and no sentence it matches as well agrees with it.
fn result_contradicts(
    lower: &str,
    c: &About<'_>,
    ctx: &NoteContext<'_>,
    v: &NoteVocabulary,
    lex: &Lexicon,
) -> bool {
    let item = c.item;
    let sentences = &item.sentences;
    let whole = item.polarity;
    // Whether the finding's kind (works, fails, an error, the cause) says how it went.
    let by_kind = match c.target {
        Target::Step(i) => {
            let st = &ctx.scenario.steps[i];
            st.reveals_cause
                || matches!(
                    st.finding,
                    FindingKind::Works | FindingKind::DoesNotWork | FindingKind::ErrorText
                )
        }
        Target::Fix(_) => false,
    };
    for part in lower.split([',', '(', ')']).flat_map(|p| p.split(" - ")) {
        let p = polarity(part, v);
        if !matches!(p, Polarity::Good | Polarity::Bad) {
            continue;
        }
        let bag = lex.bag(part);
        let hits: Vec<usize> = sentences.iter().map(|(sig, _)| bag.hits(sig)).collect();
        let top = hits.iter().copied().max().unwrap_or(0);
        if top == 0 {
            if opposite(p, whole) {
                return true;
            }
            continue;
        }
        let tops = || {
            sentences
                .iter()
                .zip(&hits)
                .filter(|(_, h)| **h == top)
                .map(|((_, q), _)| *q)
        };
        if tops().any(|q| q == p) {
            continue;
        }
        // The sentence it is about states no result in words: its kind does.
        if tops().any(|q| opposite(p, q))
            || (by_kind && tops().all(|q| q == Polarity::None) && opposite(p, whole))
        {
            return true;
        }
    }
    false
}
