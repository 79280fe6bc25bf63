//! Reading a note into claims, the way L2 reads it: the whole note, clause by clause.
//!
//! Each clause is matched against every step and fix of the scenario — by its label, by
//! the distinctive terms of its finding or outcome, with synonyms and abbreviations —
//! and read as a claim that it was done, an honest statement that it was *not* done
//! ("did not check X", "not tried yet"), a proposal ("L2 should …"), or nothing.

use std::collections::HashSet;

use crate::policy::{NoteVocabulary, Policy};

use super::check::{self, Outcome};
use super::prep::Prep;
use super::text::{self, Bag, Cue, Lexicon};
use super::{EscalationNote, NoteContext, NoteElement};

pub use super::check::Target;

/// A step or fix as the reader matches it.
#[derive(Debug)]
pub struct Candidate<'a> {
    /// Which one.
    pub target: Target,
    /// Its label.
    pub label: &'a str,
    /// Its finding (a step) or outcome (a fix).
    pub finding: &'a str,
    /// Run or applied before the escalation.
    pub done: bool,
    /// Distinctive stems of the label.
    pub label_sig: Vec<u64>,
    /// Per label stem: L1 knew the word without this step (the ticket, the environment,
    /// what the session revealed). Known words weigh half and never make a claim alone.
    pub label_known: Vec<bool>,
    /// The label's first word (its action: "Update", "Reinstall"), canonical.
    pub label_verb: Option<u64>,
    /// Per label stem: no other step or fix has it in its label.
    pub label_unique: Vec<bool>,
    /// Distinctive stems of the finding that L1 could not know otherwise.
    pub finding_sig: Vec<u64>,
}

/// One field of the note, with pointers ("see above") taken out.
#[derive(Debug)]
pub struct Field {
    /// Which element's field.
    pub element: NoteElement,
    /// The text without pointers.
    pub text: String,
    /// Lower-cased `text`.
    pub lower: String,
    /// Its stems.
    pub bag: Bag,
    /// Holds content (a pointer alone is not content).
    pub present: bool,
    /// Held only a pointer.
    pub pointer_only: bool,
    /// Its words, read once ([`Lexicon::words`] of `lower`).
    pub words: text::Words,
}

/// A clause of the note.
#[derive(Debug)]
pub struct Clause {
    /// The field it is in.
    pub field: NoteElement,
    /// The clause, lower-cased.
    pub lower: String,
    /// The clause as written.
    pub text: String,
    /// Its stems.
    pub bag: Bag,
    /// Its distinctive stems.
    pub sig: Vec<u64>,
    /// Says something was not done.
    pub negated: bool,
    /// Proposes rather than reports.
    pub proposal: bool,
    /// States a hypothesis.
    pub hypothesis: bool,
    /// The same clause appeared before.
    pub repeat: bool,
    /// Bare root-cause keywords: no finding, no sentence.
    pub stuffing: bool,
    /// The vocabulary's cues in it ([`Lexicon::cues`]).
    pub cues: u16,
    /// A word of it is a stopword (a sentence, not a keyword list).
    has_stop: bool,
}

impl Clause {
    /// Holds a phrase of this cue list.
    pub fn has(&self, cue: Cue) -> bool {
        self.cues & cue.bit() != 0
    }
}

/// What a clause claims about a step or fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimKind {
    /// Done, and the log agrees.
    Done,
    /// Done, with its outcome too (a result, a figure, a quoted finding).
    DoneWithOutcome,
    /// Honestly not done.
    NotDone,
    /// Claimed but never run or applied.
    Fabricated,
    /// Run, but its outcome is reported wrongly.
    Misreported,
}

/// A claim: a clause about a step or fix.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// What kind.
    pub kind: ClaimKind,
    /// About which step or fix (index into `Reading::candidates`).
    pub candidate: usize,
    /// Which clause.
    pub clause: usize,
}

/// A note read into clauses and claims.
#[derive(Debug)]
pub struct Reading<'a> {
    /// The five fields, in standard order.
    pub fields: Vec<Field>,
    /// Every clause, in order.
    pub clauses: Vec<Clause>,
    /// The scenario's steps and fixes.
    pub candidates: Vec<Candidate<'a>>,
    /// The claims found.
    pub claims: Vec<Claim>,
    /// Stems of the whole note.
    pub whole: Bag,
    /// Words in the note.
    pub words: usize,
    /// Words that relate to the ticket (its texts, steps, fixes, truth).
    pub related_words: usize,
    /// The ticket's stems: its texts, steps, fixes, events and truth.
    pub topic: Bag,
}

impl Reading<'_> {
    /// A field.
    pub fn field(&self, e: NoteElement) -> &Field {
        &self.fields[e.index()]
    }

    /// Claims of one kind.
    pub fn of_kind(&self, kind: ClaimKind) -> impl Iterator<Item = &Claim> {
        self.claims.iter().filter(move |c| c.kind == kind)
    }

    /// The labels of the claims of one kind, each once, in order.
    pub fn labels(&self, kind: ClaimKind) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.of_kind(kind) {
            let label = self.candidates[c.candidate].label.to_string();
            if !out.contains(&label) {
                out.push(label);
            }
        }
        out
    }
}

/// Reads a note.
pub fn read<'a>(
    note: &EscalationNote,
    ctx: &NoteContext<'a>,
    policy: &Policy,
    lex: &Lexicon,
    prep: &Prep,
) -> Reading<'a> {
    let vocab = &policy.note.vocabulary;
    let fields: Vec<Field> = note
        .fields()
        .into_iter()
        .map(|(e, t)| field(e, t, vocab, lex))
        .collect();
    let mut clauses = split(&fields, lex);
    mark_stuffing(&mut clauses, prep);
    let candidates = candidates(ctx, prep, lex);
    let whole = Bag::all(fields.iter().map(|f| &f.bag));
    let topic = prep.topic.clone();
    let (words, related_words) = relatedness(&fields, &topic, lex);
    let mut reading = Reading {
        fields,
        clauses,
        candidates,
        claims: Vec::new(),
        whole,
        words,
        related_words,
        topic,
    };
    reading.claims = find_claims(&reading, ctx, policy, lex, prep);
    reading
}

fn field(element: NoteElement, raw: &str, vocab: &NoteVocabulary, lex: &Lexicon) -> Field {
    let mut lower = raw.to_lowercase();
    let spans: Vec<(usize, usize)> = text::spans_of(&lower, &vocab.pointers)
        .into_iter()
        .map(|(s, e, _)| (s, e))
        .collect();
    let had_text = lower.chars().any(char::is_alphanumeric);
    let mut text_out = raw.to_string();
    if !spans.is_empty() && lower.len() == raw.len() {
        let mut bytes = std::mem::take(&mut lower).into_bytes();
        let mut orig = text_out.into_bytes();
        for (s, e) in &spans {
            for k in *s..*e {
                // Blank whole characters only: both texts have the same byte layout here.
                if bytes[k].is_ascii() {
                    bytes[k] = b' ';
                    orig[k] = b' ';
                }
            }
        }
        lower = String::from_utf8(bytes).unwrap_or_default();
        text_out = String::from_utf8(orig).unwrap_or_default();
    }
    let present = lower.chars().any(char::is_alphanumeric);
    let words = lex.words(&lower);
    Field {
        element,
        bag: words.bag(),
        words,
        text: text_out,
        lower,
        present,
        pointer_only: had_text && !present,
    }
}

fn split(fields: &[Field], lex: &Lexicon) -> Vec<Clause> {
    let mut out = Vec::new();
    for f in fields {
        // Repetition within a field: the error quoted in the steps and again in the
        // state is placement, not padding.
        let mut seen: HashSet<&str> = HashSet::new();
        let mut section_negated = false;
        let mut last_end = 0;
        for (s, e) in text::clauses(&f.lower) {
            if f.lower[last_end..s].contains('\n') {
                section_negated = false;
            }
            last_end = e;
            let lower = &f.lower[s..e];
            let key = lower.trim();
            let repeat = !seen.insert(key);
            let cues = lex.cues(lower);
            if cues & Cue::NotDoneSection.bit() != 0 {
                section_negated = true;
            }
            let negated = section_negated || cues & Cue::NotDone.bit() != 0;
            // The field's words when the clause's ends fall between words (always, but
            // for a dot between digits); else the clause read on its own.
            let (bag, sig, has_stop) = if repeat {
                (Bag::default(), Vec::new(), false)
            } else if let Some(words) = f.words.within(s, e) {
                let (bag, sig) = f.words.bag_and_signature(words, lex);
                (bag, sig, words.iter().any(|w| w.stop))
            } else {
                let words = lex.words(lower);
                let (bag, sig) = words.bag_and_signature(&words.list, lex);
                (bag, sig, words.list.iter().any(|w| w.stop))
            };
            out.push(Clause {
                field: f.element,
                text: f.text.get(s..e).unwrap_or_default().to_string(),
                sig,
                bag,
                negated,
                proposal: cues & Cue::Proposal.bit() != 0,
                hypothesis: f.element == NoteElement::Hypothesis
                    || cues & Cue::Hypothesis.bit() != 0,
                repeat,
                stuffing: false,
                has_stop,
                cues,
                lower: lower.to_string(),
            });
        }
    }
    out
}

fn candidates<'a>(ctx: &NoteContext<'a>, prep: &Prep, lex: &Lexicon) -> Vec<Candidate<'a>> {
    let s = ctx.scenario;
    // What L1 knows without running anything: the ticket, the environment, the error.
    let mut base: Vec<u64> = prep.ticket.clone();
    for e in &prep.environment {
        base.extend_from_slice(e);
    }
    if let Some(e) = &prep.initial_error {
        base.extend_from_slice(e);
    }
    // The facts shown to L1: the error and a visible security indicator.
    for t in [&ctx.facts.error_text, &ctx.facts.security_indicator]
        .into_iter()
        .flatten()
    {
        match ctx.signatures.and_then(|c| c.get(t)) {
            Some(raw) => base.extend(lex.finish_signature(raw)),
            None => base.extend(lex.signature(t)),
        }
    }
    let fix_done = |id: &str| ctx.fixes_applied.iter().any(|(f, _)| f == id);
    // ... plus what the session revealed.
    let mut known = base.clone();
    for (i, st) in s.steps.iter().enumerate() {
        if ctx.steps_run.contains(&st.id) {
            known.extend_from_slice(&prep.step(i).finding_sig);
        }
    }
    for (i, f) in s.fixes.iter().enumerate() {
        if fix_done(&f.id) {
            known.extend_from_slice(&prep.item(Target::Fix(i)).finding_sig);
        }
    }
    for (ev, sig) in s.events.iter().zip(&prep.events) {
        if ctx.events_fired.iter().any(|(id, _)| *id == ev.id) {
            known.extend_from_slice(sig);
        }
    }
    base.sort_unstable();
    known.sort_unstable();
    let minus = |v: &[u64], away: &[u64]| -> Vec<u64> {
        v.iter()
            .copied()
            .filter(|k| away.binary_search(k).is_err())
            .collect()
    };
    let mut out = Vec::with_capacity(s.steps.len() + s.fixes.len());
    let items = s
        .steps
        .iter()
        .map(|st| (&st.label, &st.reveals, ctx.steps_run.contains(&st.id)))
        .chain(
            s.fixes
                .iter()
                .map(|f| (&f.label, &f.outcome, fix_done(&f.id))),
        );
    for ((label, finding, done), item) in items.zip(&prep.items) {
        let label_known = if done {
            vec![false; item.label_sig.len()]
        } else {
            item.label_sig
                .iter()
                .map(|k| known.binary_search(k).is_ok())
                .collect()
        };
        let finding_sig = minus(&item.finding_sig, if done { &base } else { &known });
        out.push(Candidate {
            target: item.target,
            label,
            finding,
            done,
            label_verb: item
                .label_verb
                .filter(|k| !lex.is_stop(*k) && (done || known.binary_search(k).is_err())),
            label_known,
            label_unique: item.label_unique.clone(),
            label_sig: item.label_sig.clone(),
            finding_sig,
        });
    }
    out
}

/// How well a clause matches a candidate: (overall 0–1, label part 0–1, finding hits).
/// Label words L1 knew anyway weigh half; a claim needs a word only this step or fix
/// would give (a label word it alone has, or two of its finding's terms).
pub fn matching(c: &Candidate<'_>, bag: &Bag) -> (f64, f64, usize) {
    let (mut hit_weight, mut total_weight, mut hits, mut fresh_hits) = (0.0, 0.0, 0, 0);
    let mut unique_hit = false;
    for (n, (k, known)) in c.label_sig.iter().zip(&c.label_known).enumerate() {
        let w = if *known { 0.5 } else { 1.0 };
        total_weight += w;
        if bag.contains(*k) {
            hit_weight += w;
            hits += 1;
            if !known {
                fresh_hits += 1;
            }
            unique_hit |= c.label_unique.get(n).copied().unwrap_or(false);
        }
    }
    let ls = if total_weight > 0.0 {
        hit_weight / total_weight
    } else {
        0.0
    };
    // A step that was run is recognised by one word of its label no other step has
    // ("hotspot"); a claim of one never run needs two.
    let label_ok =
        (fresh_hits >= 1 && (hits >= 2 || c.label_sig.len() == 1)) || (hits >= 3 && ls >= 0.6);
    let _ = unique_hit;
    let label_part = if label_ok { ls } else { 0.0 };
    let fh = bag.hits(&c.finding_sig);
    let find_part = if fh >= 2 {
        (fh as f64 / 3.0).min(1.0)
    } else {
        0.0
    };
    let blended = if label_ok || fh >= 2 {
        0.5 * ls + 0.5 * (fh as f64 / 3.0).min(1.0)
    } else {
        0.0
    };
    (label_part.max(find_part).max(blended), label_part, fh)
}

/// The best-matching step or fix run, the runner-up's score, and the best one not run.
#[derive(Debug, Clone, Copy)]
struct Best {
    /// (candidate, overall, label part) of the best run or applied.
    done: Option<(usize, f64, f64)>,
    /// The second-best run or applied candidate's overall score.
    second: f64,
    /// (candidate, overall, label part) of the best never run or applied.
    not: Option<(usize, f64, f64)>,
}

fn best(r: &Reading<'_>, bag: &Bag) -> Best {
    let mut out = Best {
        done: None,
        second: 0.0,
        not: None,
    };
    // Ties go to the better label match: a line that names its step is about that step.
    let better = |a: (f64, f64), b: Option<(usize, f64, f64)>| {
        b.is_none_or(|(_, s, l)| a.0 > s || (a.0 == s && a.1 > l))
    };
    for (i, c) in r.candidates.iter().enumerate() {
        let (s, label, _) = matching(c, bag);
        if c.done {
            if better((s, label), out.done) {
                out.second = out.second.max(out.done.map_or(0.0, |d| d.1));
                out.done = Some((i, s, label));
            } else {
                out.second = out.second.max(s);
            }
        } else if better((s, label), out.not) {
            out.not = Some((i, s, label));
        }
    }
    out
}

/// The step or fix never run that a clause (or one of its parts) claims, if any.
fn fabricated(
    r: &Reading<'_>,
    clause: &Clause,
    b: &Best,
    threshold: f64,
    policy: &Policy,
    lex: &Lexicon,
) -> Option<usize> {
    let margin = policy.note.fabrication_margin;
    let (dn, sd, ld) = b.done.unwrap_or((usize::MAX, 0.0, 0.0));
    let _ = dn;
    let (nn, sn, ln) = b.not?;
    // A sentence that does what a label says — its action and most of its words —
    // claims that step even when a step run shares its finding's terms.
    let acts = r.candidates[nn]
        .label_verb
        .is_some_and(|v| clause.bag.contains(v));
    // Outside the steps field a description claims an action only by its verb.
    let in_steps = clause.field == NoteElement::StepsTaken;
    if sn >= threshold
        && (in_steps || acts)
        && (sn >= sd + margin || (acts && ln >= 0.8 && ln >= ld + 0.5))
    {
        return Some(nn);
    }
    // Parts are only read when the whole sentence already leans towards a step never
    // run (most sentences do not: the pass is skipped).
    if !in_steps || sn < threshold {
        return None;
    }
    // "Tried the share from a PC upstairs - it opened": a part may claim what the whole
    // sentence, with a step run in it, hides.
    for part in clause.lower.split(" - ").flat_map(|p| p.split(", ")) {
        if lex.signature(part).len() < 3 || part.len() == clause.lower.len() {
            continue;
        }
        let pb = best(r, &lex.bag(part));
        let (pn, psn, pln) = pb.not?;
        let (psd, pld) = pb.done.map_or((0.0, 0.0), |d| (d.1, d.2));
        // Better than every step run, or as good but by its label against their
        // findings (the part does what the label says; the others only share words).
        let by_label =
            pln >= 0.8 && pld < 0.3 && text::has_any(part, &policy.note.vocabulary.done_verbs);
        if psn >= policy.note.misreport_threshold
            && ((psn >= psd + margin && psd < threshold) || (by_label && psn >= psd))
        {
            return Some(pn);
        }
    }
    None
}

fn find_claims(
    r: &Reading<'_>,
    ctx: &NoteContext<'_>,
    policy: &Policy,
    lex: &Lexicon,
    prep: &Prep,
) -> Vec<Claim> {
    let margin = policy.note.fabrication_margin;
    let mut out = Vec::new();
    for (k, clause) in r.clauses.iter().enumerate() {
        if clause.repeat || clause.proposal || clause.stuffing {
            continue;
        }
        // Steps are reported in their field; elsewhere a sentence must be surer.
        let threshold = if clause.field == NoteElement::StepsTaken {
            policy.note.claim_threshold
        } else {
            policy.note.claim_threshold_other_fields
        };
        let b = best(r, &clause.bag);
        let (dn, sd, ld) = b.done.unwrap_or((usize::MAX, 0.0, 0.0));
        let (nn, sn, _) = b.not.unwrap_or((usize::MAX, 0.0, 0.0));
        let push = |out: &mut Vec<Claim>, kind, candidate| {
            out.push(Claim {
                kind,
                candidate,
                clause: k,
            })
        };
        if clause.negated {
            let (i, s) = if sn > sd { (nn, sn) } else { (dn, sd) };
            if s >= threshold && i != usize::MAX {
                push(&mut out, ClaimKind::NotDone, i);
            }
            continue;
        }
        // A hypothesis outside the steps does not claim steps.
        if clause.hypothesis && clause.field != NoteElement::StepsTaken {
            continue;
        }
        if let Some(n) = fabricated(r, clause, &b, threshold, policy, lex) {
            push(&mut out, ClaimKind::Fabricated, n);
            continue;
        }
        if dn == usize::MAX || sd < threshold {
            continue;
        }
        let c = &r.candidates[dn];
        // A wrong result is only read off a sentence clearly about one step: it names
        // the step, or matches it clearly better than any other.
        let clear = sd >= policy.note.misreport_threshold && (sd >= b.second + margin || ld >= 0.8);
        let (_, _, finding_hits) = matching(c, &clause.bag);
        let about = check::About {
            target: c.target,
            finding: c.finding,
            quoted: finding_hits >= 2.min(c.finding_sig.len().max(1)),
            item: prep.item(c.target),
        };
        let kind = match check::outcome(
            &clause.lower,
            &about,
            ctx,
            &prep.ticket_lower,
            &policy.note.vocabulary,
            lex,
            clear,
        ) {
            Outcome::Contradicts => ClaimKind::Misreported,
            Outcome::Reported => ClaimKind::DoneWithOutcome,
            Outcome::Missing => ClaimKind::Done,
        };
        push(&mut out, kind, dn);
        // One terse clause may report several steps at once.
        for (i, c) in r.candidates.iter().enumerate() {
            if i == dn || !c.done {
                continue;
            }
            let (s, _, fh) = matching(c, &clause.bag);
            if s >= threshold && fh >= 2 {
                push(&mut out, ClaimKind::DoneWithOutcome, i);
            }
        }
    }
    out
}

/// Clauses of bare root-cause keywords: three or more words, no digit, no stopword (no
/// sentence), four in five of them the root cause's keywords or area.
fn mark_stuffing(clauses: &mut [Clause], prep: &Prep) {
    let keys = &prep.stuffing_keys;
    for c in clauses.iter_mut() {
        if c.repeat || c.lower.chars().any(|ch| ch.is_ascii_digit()) {
            continue;
        }
        let sentence = c.has_stop;
        let sig = &c.sig;
        if !sentence && sig.len() >= 3 {
            let hits = sig.iter().filter(|k| keys.binary_search(k).is_ok()).count();
            c.stuffing = hits * 5 >= sig.len() * 4;
        }
    }
}

/// Words in the note, and how many of them relate to the ticket.
fn relatedness(fields: &[Field], topic: &Bag, lex: &Lexicon) -> (usize, usize) {
    let (mut words, mut related) = (0, 0);
    for f in fields {
        for w in &f.words.list {
            words += 1;
            if !w.distinctive
                || f.words
                    .stems(w)
                    .iter()
                    .any(|k| topic.contains(*k) || lex.is_stop(*k))
                || w.digit
            {
                related += 1;
            }
        }
    }
    (words, related)
}
