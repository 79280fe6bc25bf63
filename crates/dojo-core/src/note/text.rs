//! Reading text: words, stems, the vocabulary (abbreviations, synonyms), bags of stems,
//! phrase spans, clauses and the minutes a text mentions. Linear in the text's length.

use std::collections::HashMap;

use crate::policy::NoteVocabulary;

/// A word's stem as a number: FNV-1a over the lower-cased word with common inflections
/// cut ("rebooted" ~ "reboot" ~ "reboots"), at most eight characters.
pub fn stem_key(word: &str) -> u64 {
    let mut buf = [0u8; 32];
    let mut len = 0;
    if word.is_ascii() {
        // The same bytes as the general case: ASCII lower-cases to ASCII, byte for byte.
        for b in word.bytes().take(buf.len()) {
            buf[len] = b.to_ascii_lowercase();
            len += 1;
        }
    } else {
        for c in word.chars().flat_map(char::to_lowercase) {
            let mut tmp = [0u8; 4];
            for b in c.encode_utf8(&mut tmp).bytes() {
                if len < buf.len() {
                    buf[len] = b;
                    len += 1;
                }
            }
        }
    }
    let mut w = &buf[..len];
    let has_digit = w.iter().any(u8::is_ascii_digit);
    if !has_digit {
        for suffix in [
            &b"ingly"[..],
            b"edly",
            b"ing",
            b"ed",
            b"es",
            b"ly",
            b"s",
            b"e",
            b"y",
        ] {
            if w.len() >= suffix.len() + 3 && w.ends_with(suffix) {
                w = &w[..w.len() - suffix.len()];
                break;
            }
        }
        if w.len() > 8 {
            w = &w[..8];
        }
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in w {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The raw words of a text as slices: letters and digits; a dot or colon between digits
/// stays in the word (10.20.10.20, 1.2, 19:40), so addresses, versions and times are one
/// word.
pub fn raw_words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    // The character at byte `i`: ASCII read from its byte, the rest decoded.
    let at = move |i: usize| -> Option<char> {
        match bytes.get(i) {
            Some(b) if b.is_ascii() => Some(char::from(*b)),
            Some(_) => text[i..].chars().next(),
            None => None,
        }
    };
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let c = at(i)?;
            if c.is_alphanumeric() {
                break;
            }
            i += c.len_utf8();
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() {
            let c = at(i)?;
            let keep = c.is_alphanumeric()
                || ((c == '.' || c == ':')
                    && i > start
                    && bytes[i - 1].is_ascii_digit()
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
            if !keep {
                break;
            }
            i += c.len_utf8();
        }
        Some((start, &text[start..i]))
    })
}

/// Hashes a key that is already a hash (a stem key) as itself.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, k: u64) {
        self.0 = k;
    }
}

/// A map keyed by stem keys (or other hashes).
pub(crate) type KeyMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// The vocabulary's cue lists a clause is read against, each a bit of [`Lexicon::cues`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// A section heading that says what follows was not done ("not done:", "not yet done").
    NotDoneSection = 0,
    /// `not_done`: "did not", "not tried yet".
    NotDone,
    /// `proposals`: "L2 should", "suggest".
    Proposal,
    /// `hypothesis_cues`: "probably", "I think".
    Hypothesis,
    /// `patience`: "calm", "chasing".
    Patience,
    /// `framework_phrases`: "not working", "works".
    Framework,
    /// `sla_cues`: "SLA", "resolution due".
    Sla,
    /// `business`: "payroll", "can't invoice".
    Business,
    /// `breached`.
    Breached,
    /// `immediate`.
    Immediate,
    /// `expectations`: "told the client", "expects".
    Expectation,
}

impl Cue {
    /// The bit of this cue in a mask.
    pub const fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// Every cue list in one automaton: each distinct phrase with the mask of the lists it is
/// in, so a clause is read against all of them in one pass.
#[derive(Debug)]
struct CueMatcher {
    automaton: aho_corasick::AhoCorasick,
    masks: Vec<u16>,
}

impl CueMatcher {
    fn new(v: &NoteVocabulary) -> CueMatcher {
        let section = ["not done".to_string(), "not yet done".to_string()];
        let lists: [(Cue, &[String]); 11] = [
            (Cue::NotDoneSection, &section),
            (Cue::NotDone, &v.not_done),
            (Cue::Proposal, &v.proposals),
            (Cue::Hypothesis, &v.hypothesis_cues),
            (Cue::Patience, &v.patience),
            (Cue::Framework, &v.framework_phrases),
            (Cue::Sla, &v.sla_cues),
            (Cue::Business, &v.business),
            (Cue::Breached, &v.breached),
            (Cue::Immediate, &v.immediate),
            (Cue::Expectation, &v.expectations),
        ];
        let mut phrases: Vec<String> = Vec::new();
        let mut masks: Vec<u16> = Vec::new();
        for (cue, list) in lists {
            for p in list {
                let p = p.to_lowercase();
                match phrases.iter().position(|q| *q == p) {
                    Some(i) => masks[i] |= cue.bit(),
                    None => {
                        phrases.push(p);
                        masks.push(cue.bit());
                    }
                }
            }
        }
        let automaton = aho_corasick::AhoCorasick::new(&phrases).unwrap_or_else(|_| {
            aho_corasick::AhoCorasick::new(Vec::<String>::new()).expect("empty automaton")
        });
        CueMatcher { automaton, masks }
    }
}

/// The vocabulary compiled for matching: stems to their canonical stems.
#[derive(Debug)]
pub struct Lexicon {
    /// Stem → the canonical stems it stands for (abbreviations expand, synonyms merge).
    map: KeyMap<Vec<u64>>,
    /// Stems of the stopwords, sorted.
    stop: Vec<u64>,
    /// The cue lists.
    cues: CueMatcher,
}

impl Lexicon {
    /// Compiles a vocabulary.
    pub fn new(v: &NoteVocabulary) -> Lexicon {
        let mut map: KeyMap<Vec<u64>> = KeyMap::default();
        for group in &v.synonyms {
            let Some(first) = group.first() else { continue };
            let canon: Vec<u64> = raw_words(first).map(|(_, w)| stem_key(w)).collect();
            for member in group.iter().skip(1) {
                let stems: Vec<u64> = raw_words(member).map(|(_, w)| stem_key(w)).collect();
                if stems.len() == 1 && stems != canon {
                    map.entry(stems[0]).or_insert_with(|| canon.clone());
                }
            }
        }
        for (short, long) in &v.abbreviations {
            let stems: Vec<u64> = raw_words(short).map(|(_, w)| stem_key(w)).collect();
            if stems.len() != 1 {
                continue;
            }
            let expansion: Vec<u64> = raw_words(long)
                .map(|(_, w)| stem_key(w))
                .flat_map(|k| map.get(&k).cloned().unwrap_or_else(|| vec![k]))
                .collect();
            if !expansion.is_empty() && expansion != stems {
                map.insert(stems[0], expansion);
            }
        }
        let mut stop: Vec<u64> = v.stopwords.iter().map(|w| stem_key(w)).collect();
        stop.sort_unstable();
        stop.dedup();
        Lexicon {
            map,
            stop,
            cues: CueMatcher::new(v),
        }
    }

    /// The cues a lower-cased text holds, as `has_any` finds each list's phrases (on word
    /// boundaries, overlapping matches included), all lists in one pass: a mask of
    /// [`Cue::bit`]s.
    pub fn cues(&self, lower: &str) -> u16 {
        let mut mask = 0u16;
        if lower.is_empty() || self.cues.masks.is_empty() {
            return mask;
        }
        for m in self.cues.automaton.find_overlapping_iter(lower) {
            let bits = self.cues.masks[m.pattern().as_usize()];
            if mask & bits != bits && on_boundaries(lower, m.start(), m.end()) {
                mask |= bits;
            }
        }
        mask
    }

    /// The canonical stems of one raw word.
    pub fn canon(&self, word: &str, out: &mut Vec<u64>) {
        let k = stem_key(word);
        match self.map.get(&k) {
            Some(e) => out.extend_from_slice(e),
            None => out.push(k),
        }
    }

    /// Canonical stems of a list of raw stems (a cached signature).
    pub fn canon_keys(&self, keys: &[u64]) -> Vec<u64> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            match self.map.get(k) {
                Some(e) => out.extend_from_slice(e),
                None => out.push(*k),
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// True for a stopword stem.
    pub fn is_stop(&self, key: u64) -> bool {
        self.stop.binary_search(&key).is_ok()
    }

    /// Every canonical stem of a text, distinct (a bag).
    pub fn bag(&self, text: &str) -> Bag {
        let mut out = Vec::new();
        for (_, w) in raw_words(text) {
            self.canon(w, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        Bag(out)
    }

    /// `bag(text)` and `signature(text)` in one pass over the words.
    pub fn bag_and_signature(&self, text: &str) -> (Bag, Vec<u64>) {
        let words = self.words(text);
        words.bag_and_signature(&words.list, self)
    }

    /// A text's words read once: each word's span, canonical stems and the flags the
    /// scorer asks of it, so a field's bag, its clauses' bags and signatures, the
    /// stuffing check and relatedness come from one pass instead of one pass each.
    pub fn words(&self, text: &str) -> Words {
        let mut out = Words::default();
        for (start, w) in raw_words(text) {
            let from = out.canon.len();
            self.canon(w, &mut out.canon);
            let stems = &out.canon[from..];
            out.list.push(Word {
                start,
                end: start + w.len(),
                canon: (from, out.canon.len()),
                distinctive: is_distinctive(w),
                digit: w.chars().any(|c| c.is_ascii_digit()),
                stop: stems.iter().any(|k| self.is_stop(*k)),
            });
        }
        out
    }

    /// The distinctive stems of a text: no stopwords; 3+ characters or containing a digit
    /// (short pure numbers like "2" or "30" are left out: they match by accident).
    pub fn signature(&self, text: &str) -> Vec<u64> {
        let raw: Vec<u64> = raw_words(text)
            .filter(|(_, w)| is_distinctive(w))
            .map(|(_, w)| stem_key(w))
            .collect();
        self.finish_signature(&raw)
    }

    /// A signature from raw stems (as `raw_signature` caches them).
    pub fn finish_signature(&self, raw: &[u64]) -> Vec<u64> {
        let mut out: Vec<u64> = self
            .canon_keys(raw)
            .into_iter()
            .filter(|k| !self.is_stop(*k))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A word worth matching on: 3+ characters with a letter, or a number of 3+ characters,
/// or letters and digits mixed (PC04, 3F).
pub fn is_distinctive(w: &str) -> bool {
    let n = w.chars().count();
    let digits = w.chars().filter(char::is_ascii_digit).count();
    if digits == 0 {
        n >= 3 || (n == 2 && w.chars().all(|c| c.is_ascii_uppercase()))
    } else if digits == n {
        n >= 3
    } else {
        true
    }
}

/// The raw stems of a text's distinctive words (what the pack caches).
pub fn raw_signature(text: &str) -> Vec<u64> {
    let mut out: Vec<u64> = raw_words(text)
        .filter(|(_, w)| is_distinctive(w))
        .map(|(_, w)| stem_key(w))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// One word of a text read by [`Lexicon::words`].
#[derive(Debug, Clone, Copy)]
pub struct Word {
    /// Its first byte in the text.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Its canonical stems: a range of [`Words::canon`].
    pub canon: (usize, usize),
    /// [`is_distinctive`].
    pub distinctive: bool,
    /// Holds an ASCII digit.
    pub digit: bool,
    /// One of its canonical stems is a stopword.
    pub stop: bool,
}

/// A text's words, in order, with their canonical stems.
#[derive(Debug, Clone, Default)]
pub struct Words {
    /// The words.
    pub list: Vec<Word>,
    /// Every word's canonical stems, one after the other.
    pub canon: Vec<u64>,
}

impl Words {
    /// A word's canonical stems.
    pub fn stems(&self, w: &Word) -> &[u64] {
        &self.canon[w.canon.0..w.canon.1]
    }

    /// Every stem, distinct: the same as [`Lexicon::bag`] of the text.
    pub fn bag(&self) -> Bag {
        let mut all = self.canon.clone();
        all.sort_unstable();
        all.dedup();
        Bag(all)
    }

    /// The words of the text's bytes `s..e`, when reading that piece alone would give the
    /// same words: `None` if a word runs across either end (the caller reads the piece).
    pub fn within(&self, s: usize, e: usize) -> Option<&[Word]> {
        let from = self.list.partition_point(|w| w.end <= s);
        let to = self.list.partition_point(|w| w.start < e);
        let inside = &self.list[from..to.max(from)];
        let straddles =
            inside.first().is_some_and(|w| w.start < s) || inside.last().is_some_and(|w| w.end > e);
        (!straddles).then_some(inside)
    }

    /// `Lexicon::bag_and_signature` of a run of these words.
    pub fn bag_and_signature(&self, words: &[Word], lex: &Lexicon) -> (Bag, Vec<u64>) {
        let mut all = Vec::new();
        let mut distinctive = Vec::new();
        for w in words {
            let stems = self.stems(w);
            all.extend_from_slice(stems);
            if w.distinctive {
                distinctive.extend_from_slice(stems);
            }
        }
        all.sort_unstable();
        all.dedup();
        distinctive.retain(|k| !lex.is_stop(*k));
        distinctive.sort_unstable();
        distinctive.dedup();
        (Bag(all), distinctive)
    }
}

/// Distinct stems, sorted for look-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bag(pub Vec<u64>);

impl Bag {
    /// True when the bag holds the stem.
    pub fn contains(&self, key: u64) -> bool {
        self.0.binary_search(&key).is_ok()
    }

    /// How many of `wanted` the bag holds.
    pub fn hits(&self, wanted: &[u64]) -> usize {
        wanted.iter().filter(|k| self.contains(**k)).count()
    }

    /// Share of `wanted` the bag holds (0 when nothing is wanted).
    pub fn share(&self, wanted: &[u64]) -> f64 {
        if wanted.is_empty() {
            0.0
        } else {
            self.hits(wanted) as f64 / wanted.len() as f64
        }
    }

    /// The stems of all the bags.
    pub fn all<'b>(bags: impl IntoIterator<Item = &'b Bag>) -> Bag {
        let mut all = Vec::new();
        for b in bags {
            all.extend_from_slice(&b.0);
        }
        all.sort_unstable();
        all.dedup();
        Bag(all)
    }

    /// Both bags' stems.
    pub fn union(&self, other: &Bag) -> Bag {
        let mut all = Vec::with_capacity(self.0.len() + other.0.len());
        all.extend_from_slice(&self.0);
        all.extend_from_slice(&other.0);
        all.sort_unstable();
        all.dedup();
        Bag(all)
    }
}

/// Where a phrase occurs in lower-cased text on word boundaries: (start, end) bytes.
pub fn phrase_spans(lower: &str, phrase: &str, out: &mut Vec<(usize, usize)>) {
    let p = phrase.to_lowercase();
    if p.trim().is_empty() {
        return;
    }
    let boundary = |s: &str, i: usize, before: bool| -> bool {
        let c = if before {
            s[..i].chars().next_back()
        } else {
            s[i..].chars().next()
        };
        c.is_none_or(|c| !c.is_alphanumeric())
    };
    let first_alnum = p.chars().next().is_some_and(char::is_alphanumeric);
    let last_alnum = p.chars().next_back().is_some_and(char::is_alphanumeric);
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&p) {
        let start = from + pos;
        let end = start + p.len();
        if (!first_alnum || boundary(lower, start, true))
            && (!last_alnum || boundary(lower, end, false))
        {
            out.push((start, end));
        }
        from = start + p.len().max(1);
        while from < lower.len() && !lower.is_char_boundary(from) {
            from += 1;
        }
        if from >= lower.len() {
            break;
        }
    }
}

/// A phrase list compiled once (per thread, by content) for one-pass matching.
fn automaton(phrases: &[String]) -> std::rc::Rc<aho_corasick::AhoCorasick> {
    use std::cell::RefCell;
    use std::rc::Rc;
    thread_local! {
        static CACHE: RefCell<KeyMap<Rc<aho_corasick::AhoCorasick>>> = RefCell::new(KeyMap::default());
    }
    // Keyed by where the list lives and its ends: the lists are the policy's, alive and
    // unchanged while a note is scored; a list with other words gets its own entry.
    let mut h: u64 =
        0xcbf2_9ce4_8422_2325 ^ (phrases.as_ptr() as u64) ^ ((phrases.len() as u64) << 48);
    for p in [phrases.first(), phrases.last()].into_iter().flatten() {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(a) = c.get(&h) {
            return Rc::clone(a);
        }
        let lowered: Vec<String> = phrases.iter().map(|p| p.to_lowercase()).collect();
        let built = aho_corasick::AhoCorasick::new(&lowered).unwrap_or_else(|_| {
            aho_corasick::AhoCorasick::new(Vec::<String>::new()).expect("empty automaton")
        });
        let a = Rc::new(built);
        if c.len() > 256 {
            c.clear();
        }
        c.insert(h, Rc::clone(&a));
        a
    })
}

/// Every occurrence of any phrase in the lower-cased text on word boundaries:
/// (start, end, index of the phrase), overlapping matches included.
pub fn spans_of(lower: &str, phrases: &[String]) -> Vec<(usize, usize, usize)> {
    if phrases.is_empty() || lower.is_empty() {
        return Vec::new();
    }
    let ac = automaton(phrases);
    let mut out = Vec::new();
    for m in ac.find_overlapping_iter(lower) {
        let (s, e) = (m.start(), m.end());
        if on_boundaries(lower, s, e) {
            out.push((s, e, m.pattern().as_usize()));
        }
    }
    out
}

/// True when any phrase occurs in the lower-cased text (as `spans_of` finds them, stopping
/// at the first).
pub fn has_any(lower: &str, phrases: &[String]) -> bool {
    if phrases.is_empty() || lower.is_empty() {
        return false;
    }
    let ac = automaton(phrases);
    ac.find_overlapping_iter(lower)
        .any(|m| on_boundaries(lower, m.start(), m.end()))
}

/// A match at `s..e` stands on character and word boundaries.
fn on_boundaries(lower: &str, s: usize, e: usize) -> bool {
    if !lower.is_char_boundary(s) || !lower.is_char_boundary(e) {
        return false;
    }
    let bytes = lower.as_bytes();
    let first = bytes[s].is_ascii_alphanumeric() || !bytes[s].is_ascii();
    let last = bytes[e - 1].is_ascii_alphanumeric() || !bytes[e - 1].is_ascii();
    let alnum_before = || {
        lower[..s]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    };
    let alnum_at = || lower[e..].chars().next().is_some_and(char::is_alphanumeric);
    !((first && alnum_before()) || (last && alnum_at()))
}

/// The first byte offset at which any phrase occurs.
pub fn first_of(lower: &str, phrases: &[String]) -> Option<usize> {
    spans_of(lower, phrases).iter().map(|s| s.0).min()
}

/// Splits a text into clauses: lines, sentences (". "), semicolons, bullets and " but ".
/// Returns byte ranges into the text.
pub fn clauses(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let push = |out: &mut Vec<(usize, usize)>, s: usize, e: usize| {
        let piece = &text[s..e];
        if piece.chars().any(char::is_alphanumeric) {
            out.push((s, e));
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        let cut = match b {
            b'\n' | b';' => Some(1),
            b'.' | b'!' | b'?' => {
                // "… item." Next — a sentence may end inside its closing quote.
                let mut j = i + 1;
                while bytes
                    .get(j)
                    .is_some_and(|b| matches!(b, b'"' | b'\'' | b')'))
                {
                    j += 1;
                }
                bytes
                    .get(j)
                    .is_none_or(|n| n.is_ascii_whitespace())
                    .then_some(j - i)
            }
            b' ' if text[i..].starts_with(" but ") => Some(5),
            _ => None,
        };
        if let Some(skip) = cut {
            push(&mut out, start, i);
            i += skip;
            start = i;
        } else {
            i += 1;
        }
    }
    push(&mut out, start, bytes.len());
    out
}

/// Minutes mentioned in a text: "42 min", "42 minutes", "1h 20m", "1:20", "2 hours".
pub fn minutes_mentioned(text: &str) -> Vec<i64> {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = Vec::new();
    let number = |s: &str| -> Option<i64> {
        let s = s.trim_start_matches(['~', '<', '>', '≈']);
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 6 {
            None
        } else {
            digits.parse().ok()
        }
    };
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].trim_start_matches(['~', '<', '>', '≈']);
        i += 1;
        if let Some((h, m)) = token.split_once(':')
            && let (Some(h), Some(m)) = (number(h), number(m))
            && h < 100
            && m < 60
            && token.len() <= 6
        {
            out.push(h * 60 + m);
            continue;
        }
        let Some(value) = number(token) else { continue };
        let rest = token.trim_start_matches(|c: char| c.is_ascii_digit());
        let (unit, after_unit) = if rest.is_empty() {
            (tokens.get(i).copied().unwrap_or(""), i + 1)
        } else {
            (rest, i)
        };
        if unit.starts_with("min") || unit == "m" || unit.starts_with("m.") {
            out.push(value);
            i = after_unit;
        } else if unit.starts_with('h') {
            let mut total = value * 60;
            i = after_unit;
            if let Some(m) = tokens.get(i).and_then(|t| number(t)) {
                let glued = tokens[i].trim_start_matches(|c: char| c.is_ascii_digit());
                let (unit2, next) = if glued.is_empty() {
                    (tokens.get(i + 1).copied().unwrap_or(""), i + 2)
                } else {
                    (glued, i + 1)
                };
                if unit2.starts_with('m') {
                    total += m;
                    i = next;
                }
            }
            out.push(total);
        }
    }
    out
}

/// Codes in a text: words of 3+ characters holding a digit (809, 0x80070005, 8004).
pub fn codes(text: &str) -> Vec<String> {
    raw_words(text)
        .map(|(_, w)| w)
        .filter(|w| w.chars().count() >= 3 && w.chars().any(|c| c.is_ascii_digit()))
        .filter(|w| !w.contains('.') && !w.contains(':'))
        .map(str::to_lowercase)
        .collect()
}

/// Quantities in a text: a number and its unit ("12 GB", "0B", "48 timeouts").
pub fn quantities(text: &str) -> Vec<(String, String)> {
    const UNITS: &[(&str, &str)] = &[
        ("gb", "gb"),
        ("mb", "mb"),
        ("tb", "tb"),
        ("kb", "kb"),
        ("b", "bytes"),
        ("byte", "bytes"),
        ("bytes", "bytes"),
        ("%", "%"),
    ];
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    let words: Vec<&str> = lower.split_whitespace().collect();
    for (k, w) in words.iter().enumerate() {
        let w = w.trim_start_matches(['~', '<', '>', '(']);
        let digits: String = w
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let glued = w[digits.len()..].trim_end_matches([',', '.', ')', ';', ':']);
        let unit = if glued.is_empty() {
            words
                .get(k + 1)
                .map(|u| u.trim_end_matches([',', '.', ')', ';', ':']))
                .unwrap_or("")
        } else {
            glued
        };
        if let Some((_, canon)) = UNITS.iter().find(|(u, _)| *u == unit) {
            out.push((
                digits.trim_end_matches('.').to_string(),
                (*canon).to_string(),
            ));
        }
    }
    out
}
