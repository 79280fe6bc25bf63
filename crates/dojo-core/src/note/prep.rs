//! The scenario's side of the scorer, read once per scenario instance: the stems and
//! signatures of its texts (with the vocabulary's abbreviations and synonyms applied),
//! its topic, the root cause's terms, and each finding's sentences with their polarity.
//!
//! None of it depends on the note or on what the trainee ran, so a ticket's escalation
//! note scored by the simulation and scored again by grading reads its scenario once.
//! The instances read are kept per thread, each beside a copy of the scenario it was
//! read from: a lookup only hits a scenario equal in every field under the same
//! vocabulary, so the cache never changes a score, it only saves the reading.

use std::cell::RefCell;
use std::rc::Rc;

use crate::policy::NoteVocabulary;
use crate::scenario::Scenario;

use super::SignatureCache;
use super::check::{self, Item, Target};
use super::text::{self, Bag, Lexicon};

/// A scenario instance, read.
#[derive(Debug)]
pub struct Prep {
    /// The scenario it was read from (the cache's exact key).
    scenario: Scenario,
    /// The vocabulary it was read under.
    vocabulary: u64,
    /// Signature of the ticket text.
    pub ticket: Vec<u64>,
    /// Signatures of the environment lines.
    pub environment: Vec<Vec<u64>>,
    /// Signature of the initial error.
    pub initial_error: Option<Vec<u64>>,
    /// The steps, then the fixes (the order of the reader's candidates).
    pub items: Vec<Item>,
    /// Signatures of the event messages.
    pub events: Vec<Vec<u64>>,
    /// The ticket's stems: its texts, steps, fixes, events and truth.
    pub topic: Bag,
    /// The root cause's area and keyword stems, sorted (not deduplicated).
    pub stuffing_keys: Vec<u64>,
    /// Signature of the root-cause area.
    pub area: Vec<u64>,
    /// Signatures of the root-cause keywords.
    pub keywords: Vec<Vec<u64>>,
    /// The root-cause keywords that carry a denial cue ("not approved"), lower-cased:
    /// said in a hypothesis, they assert the cause.
    pub negated_keywords: Vec<String>,
    /// Signature of the requester's role.
    pub role: Vec<u64>,
    /// Signature of the business function.
    pub function: Vec<u64>,
    /// The ticket text, lower-cased.
    pub ticket_lower: String,
    /// The initial error, lower-cased.
    pub initial_error_lower: Option<String>,
    /// The event messages, lower-cased.
    pub events_lower: Vec<String>,
}

impl Prep {
    /// The read step `i`.
    pub fn step(&self, i: usize) -> &Item {
        &self.items[i]
    }

    /// The read item of a target.
    pub fn item(&self, target: Target) -> &Item {
        match target {
            Target::Step(i) => &self.items[i],
            Target::Fix(i) => &self.items[self.scenario.steps.len() + i],
        }
    }
}

/// Most scenario instances kept per thread (a 100-ticket shift fits).
const KEPT: usize = 256;

/// The scenario read under the vocabulary (`vocabulary` fingerprints the lexicon, the
/// outcome phrases and the denials), from the thread's cache when an equal scenario was read before.
pub fn get(
    scenario: &Scenario,
    lex: &Lexicon,
    vocabulary: u64,
    v: &NoteVocabulary,
    signatures: Option<&SignatureCache>,
) -> Rc<Prep> {
    thread_local! {
        static CACHE: RefCell<Vec<(u64, Rc<Prep>)>> = const { RefCell::new(Vec::new()) };
    }
    let mut key: u64 = 0xcbf2_9ce4_8422_2325 ^ vocabulary;
    for b in scenario
        .id
        .bytes()
        .chain([0xff])
        .chain(scenario.ticket_text.bytes())
    {
        key ^= u64::from(b);
        key = key.wrapping_mul(0x0100_0000_01b3);
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some((_, p)) = c
            .iter()
            .find(|(k, p)| *k == key && p.vocabulary == vocabulary && p.scenario == *scenario)
        {
            return Rc::clone(p);
        }
        let p = Rc::new(read(scenario, lex, vocabulary, v, signatures));
        if c.len() >= KEPT {
            c.clear();
        }
        c.push((key, Rc::clone(&p)));
        p
    })
}

fn read(
    s: &Scenario,
    lex: &Lexicon,
    vocabulary: u64,
    v: &NoteVocabulary,
    signatures: Option<&SignatureCache>,
) -> Prep {
    let sig = |t: &str| -> Vec<u64> {
        match signatures.and_then(|c| c.get(t)) {
            Some(raw) => lex.finish_signature(raw),
            None => lex.signature(t),
        }
    };
    let mut items: Vec<Item> = Vec::with_capacity(s.steps.len() + s.fixes.len());
    let all = s
        .steps
        .iter()
        .enumerate()
        .map(|(i, st)| (Target::Step(i), &st.label, &st.reveals))
        .chain(
            s.fixes
                .iter()
                .enumerate()
                .map(|(i, f)| (Target::Fix(i), &f.label, &f.outcome)),
        );
    for (target, label, finding) in all {
        let mut verb = Vec::new();
        if let Some((_, w)) = text::raw_words(label).next() {
            lex.canon(w, &mut verb);
        }
        let finding_lower = finding.to_lowercase();
        let sentences = text::clauses(&finding_lower)
            .into_iter()
            .map(|(a, b)| {
                let sentence = &finding_lower[a..b];
                (lex.signature(sentence), check::polarity(sentence, v))
            })
            .collect();
        items.push(Item {
            target,
            label_sig: sig(label),
            label_verb: verb.first().copied(),
            label_unique: Vec::new(),
            finding_sig: sig(finding),
            polarity: check::finding_polarity(s, target, &finding_lower, v),
            codes: text::codes(&finding_lower),
            quantities: text::quantities(&finding_lower),
            sentences,
            finding_lower,
        });
    }
    let uniques: Vec<Vec<bool>> = items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.label_sig
                .iter()
                .map(|k| {
                    !items
                        .iter()
                        .enumerate()
                        .any(|(j, l)| j != i && l.label_sig.contains(k))
                })
                .collect()
        })
        .collect();
    for (item, unique) in items.iter_mut().zip(uniques) {
        item.label_unique = unique;
    }
    let mut topic: Vec<u64> = Vec::new();
    let mut add = |t: &str| topic.extend(sig(t));
    add(&s.ticket_text);
    add(&s.title);
    add(&s.root_cause.area);
    add(&s.root_cause.summary);
    add(&s.impact.business_function);
    add(&s.requester.role);
    add(&s.client.org);
    for e in &s.environment {
        add(e);
    }
    for st in &s.steps {
        add(&st.label);
        add(&st.reveals);
    }
    for f in &s.fixes {
        add(&f.label);
        add(&f.outcome);
    }
    for ev in &s.events {
        add(&ev.message);
    }
    for k in &s.root_cause.keywords {
        add(k);
    }
    topic.sort_unstable();
    topic.dedup();
    let area = lex.signature(&s.root_cause.area);
    let keywords: Vec<Vec<u64>> = s
        .root_cause
        .keywords
        .iter()
        .map(|k| lex.signature(k))
        .collect();
    let mut stuffing_keys = area.clone();
    for k in &keywords {
        stuffing_keys.extend_from_slice(k);
    }
    stuffing_keys.sort_unstable();
    let negated_keywords = s
        .root_cause
        .keywords
        .iter()
        .map(|k| k.to_lowercase())
        .filter(|k| {
            let padded = format!("{k} ");
            v.denials
                .iter()
                .any(|n| !n.trim().is_empty() && padded.contains(n.as_str()))
        })
        .collect();
    Prep {
        negated_keywords,
        ticket: sig(&s.ticket_text),
        environment: s.environment.iter().map(|e| sig(e)).collect(),
        initial_error: s.initial_error.as_deref().map(sig),
        items,
        events: s.events.iter().map(|e| sig(&e.message)).collect(),
        topic: Bag(topic),
        stuffing_keys,
        area,
        keywords,
        role: lex.signature(&s.requester.role),
        function: lex.signature(&s.impact.business_function),
        ticket_lower: s.ticket_text.to_lowercase(),
        initial_error_lower: s.initial_error.as_ref().map(|e| e.to_lowercase()),
        events_lower: s.events.iter().map(|e| e.message.to_lowercase()).collect(),
        scenario: s.clone(),
        vocabulary,
    }
}
