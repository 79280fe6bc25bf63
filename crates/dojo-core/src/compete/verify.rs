//! Verification of participants' results: each file is re-simulated from its log on the
//! competition's shift, seed and rules and graded again. Nothing written in a result is
//! trusted; a file is accepted only when its header, its log and its outcomes are what a
//! real play of this competition produces.
//!
//! Checks, in order (the first that fails is the file's reason): the file reads as a
//! result; it carries this competition's stamp (hash of the competition file); the pack
//! and policy hashes are the competition's; the seed and the shift (with the
//! competition's rules) are the competition's; it names a participant, on the roster if
//! there is one; every log entry replays at its minute with its outcome (in order, not
//! before its ticket arrived, not after the shift ended, not while the previous action's
//! minutes run, no pause where pausing is forbidden); the outcomes written in the file are
//! the replay's; then, across files, no participant appears twice.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::compete::{
    CompeteError, Competition, MAX_RESULT_BYTES, Score, participant_key, score, sha256_hex,
    short_hash,
};
use crate::pack::Pack;
use crate::shift::Shift;
use crate::sim::action::{Action, LogEntry, Outcome};
use crate::sim::record::{FORMAT_VERSION, SessionResult};
use crate::sim::session::{Session, Status};

/// A result file as handed in: a name to report it by and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFile {
    /// The file's name or path, as shown in reasons.
    pub name: String,
    /// Its raw bytes.
    pub bytes: Vec<u8>,
}

/// A result that passed every check, with its recomputed score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accepted {
    /// The file.
    pub file: String,
    /// Who played (the roster's spelling when there is a roster).
    pub participant: String,
    /// The team they are ranked in.
    pub team: Option<String>,
    /// Logged actions replayed.
    pub actions: usize,
    /// The app version that wrote the result.
    pub app_version: String,
    /// The score recomputed from the log.
    pub score: Score,
    /// The time extension it was played with, in a competition that allows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_multiplier: Option<f64>,
    /// One fingerprint per log entry (minute and action, note text included, with every
    /// surface detail a personal variant can change blanked out): what the copy check
    /// compares across participants.
    #[serde(skip)]
    pub fingerprint: Vec<u64>,
    /// The free text the log's actions carry (notes, messages, queries), to tell whose
    /// personal variant a copied play fits.
    #[serde(skip)]
    pub text: String,
}

/// A result that failed a check, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The file.
    pub file: String,
    /// Who the file says played, when it could be read.
    pub participant: Option<String>,
    /// A stable code: `unreadable`, `not-competition`, `competition-hash`, `format`,
    /// `pack-hash`, `policy-hash`, `wrong-seed`, `wrong-shift`, `no-participant`,
    /// `roster`, `log-reordered`, `log-edited`, `before-arrival`, `after-shift`,
    /// `too-fast`, `pause-forbidden`, `log-truncated`, `outcomes-edited`,
    /// `duplicate-participant`, `duplicate-copy`, `name`, `variant`, `copy`, `near-copy`,
    /// `skipped`, `not-followed`.
    pub code: &'static str,
    /// The line of the file the reason points at, when it points at one.
    pub line: Option<usize>,
    /// The reason, as a sentence.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": rejected [{}]: {}", self.code, self.reason)
    }
}

/// What verification says of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verified {
    /// Every check passed.
    Accepted(Box<Accepted>),
    /// A check failed.
    Rejected(Rejection),
}

impl Verified {
    /// The file.
    pub fn file(&self) -> &str {
        match self {
            Verified::Accepted(a) => &a.file,
            Verified::Rejected(r) => &r.file,
        }
    }

    /// Who the file says played, if known.
    pub fn participant(&self) -> Option<&str> {
        match self {
            Verified::Accepted(a) => Some(&a.participant),
            Verified::Rejected(r) => r.participant.as_deref(),
        }
    }

    /// The accepted result, if it was accepted.
    pub fn accepted(&self) -> Option<&Accepted> {
        match self {
            Verified::Accepted(a) => Some(a),
            Verified::Rejected(_) => None,
        }
    }

    /// The rejection, if it was rejected.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Verified::Accepted(_) => None,
            Verified::Rejected(r) => Some(r),
        }
    }
}

/// Verifies every result of a competition: each file on its own, then participants
/// appearing more than once. Fails only when the pack in use is not the competition's
/// (nothing could be re-simulated). The output is in the order of `files`.
///
/// The same participant twice is judged among the results that pass every other check
/// (a tampered or broken file is not an attempt: it is rejected for what is wrong with
/// it, and a participant's genuine result beside it still counts). A participant with two
/// or more *different* valid results has every one of them rejected: which one is "the"
/// attempt cannot be told from the files (names and dates change as files are copied),
/// keeping the best would reward playing twice, and keeping one by file order would be
/// arbitrary — the team lead removes the ones that do not count and verifies again.
/// Byte-identical copies of one result (a file copied twice) count once: the first in
/// order stands and the copies are rejected as copies.
pub fn verify(
    competition: &Competition,
    pack: &Arc<Pack>,
    files: &[ResultFile],
) -> Result<Vec<Verified>, CompeteError> {
    competition
        .check_content(pack)
        .map_err(CompeteError::WrongContent)?;
    let shift = competition.effective_shift(pack)?;
    let mut out = verify_files(competition, pack, &shift, files);
    name_copies(competition, files, &mut out);

    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, v) in out.iter().enumerate() {
        if let Some(a) = v.accepted() {
            groups
                .entry(participant_key(&a.participant))
                .or_default()
                .push(i);
        }
    }
    for indices in groups.values().filter(|g| g.len() > 1) {
        // The first file of each distinct content; later identical files are copies.
        let mut originals: Vec<(String, usize)> = Vec::new();
        let mut copy_of: BTreeMap<usize, usize> = BTreeMap::new();
        for &i in indices {
            let hash = sha256_hex(&files[i].bytes);
            match originals.iter().find(|(h, _)| *h == hash) {
                Some(&(_, first)) => {
                    copy_of.insert(i, first);
                }
                None => originals.push((hash, i)),
            }
        }
        for &i in indices {
            let participant = out[i].participant().map(str::to_string);
            let who = participant.clone().unwrap_or_default();
            let rejection = match copy_of.get(&i) {
                Some(&first) => Rejection {
                    file: files[i].name.clone(),
                    participant,
                    code: "duplicate-copy",
                    line: None,
                    reason: format!(
                        "this file is a byte-identical copy of {}: one result counts once",
                        files[first].name
                    ),
                },
                None if originals.len() > 1 => {
                    let others: Vec<&str> = originals
                        .iter()
                        .filter(|(_, j)| *j != i)
                        .map(|(_, j)| files[*j].name.as_str())
                        .collect();
                    Rejection {
                        file: files[i].name.clone(),
                        participant,
                        code: "duplicate-participant",
                        line: None,
                        reason: format!(
                            "{who} handed in {} different valid results (this one and {}): a competition is one attempt per participant, so none of them is ranked — remove the ones that do not count and verify again",
                            originals.len(),
                            others.join(", ")
                        ),
                    }
                }
                None => continue,
            };
            out[i] = Verified::Rejected(rejection);
        }
    }
    near_copies(competition, pack, files, &mut out);
    Ok(out)
}

/// How alike two logs must be (entries in common, in order, over the longer log, with
/// the surface details of personal variants blanked out) to be one play under two names.
/// Two people playing the same shift share the tickets, not the minute of every action
/// and the words of every note: two scripted personas that differ only in their notes
/// are ≈ 0.9 alike, so the bar sits above that.
pub const NEAR_COPY: f64 = 0.97;

/// Every surface detail a personal variant can put in a text (the pack's template pool
/// values), found in one pass; built once per pack.
fn surface_matcher(pack: &Arc<Pack>) -> Surface {
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<Vec<(usize, Surface)>>> = OnceLock::new();
    let key = Arc::as_ptr(pack) as usize;
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, m)) = cache.iter().find(|(k, _)| *k == key) {
        return m.clone();
    }
    let mut values: Vec<String> = pack
        .scenarios
        .values()
        .flat_map(|s| s.variables.values())
        .filter_map(|v| match v {
            crate::scenario::Variable::Pool(options) => Some(options.clone()),
            crate::scenario::Variable::Range { .. } => None,
        })
        .flatten()
        .filter(|v| v.chars().count() >= 3)
        .collect();
    values.sort();
    values.dedup();
    let matcher: Surface = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&values)
        .ok()
        .map(Arc::new);
    if cache.len() > 8 {
        cache.clear();
    }
    cache.push((key, matcher.clone()));
    matcher
}

/// The surface-detail matcher (none when the pack has no pool values).
type Surface = Option<Arc<aho_corasick::AhoCorasick>>;

/// A log entry's fingerprint: its minute and action with every word it carries, the
/// surface details (pool values, digits) blanked, so the same play on another variant
/// fingerprints the same.
fn entry_fingerprint(entry: &LogEntry, surface: &Surface) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let text = format!("{:?}", entry.action);
    let blanked = match surface {
        Some(m) => m.replace_all(&text, &vec!["\u{1}"; m.patterns_len()]),
        None => text,
    };
    let mut h = DefaultHasher::new();
    entry.at.hash(&mut h);
    // Runs of three digits or more (error ids, ports, counts drawn from ranges) blanked;
    // ticket numbers and minutes kept.
    let chars: Vec<char> = blanked.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run >= 3 {
            '#'.hash(&mut h);
            i += run;
        } else {
            chars[i].hash(&mut h);
            i += 1;
        }
    }
    h.finish()
}

/// Entries two logs have in common, in order, over the longer one (0–1).
pub fn log_similarity(a: &[u64], b: &[u64]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 0.0;
    }
    // Longest common subsequence, two rows.
    let mut prev = vec![0u32; b.len() + 1];
    let mut row = vec![0u32; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            row[j + 1] = if x == y {
                prev[j] + 1
            } else {
                row[j].max(prev[j + 1])
            };
        }
        std::mem::swap(&mut prev, &mut row);
    }
    f64::from(prev[b.len()]) / longest as f64
}

/// True when two logs are at least [`NEAR_COPY`] alike: the longest common subsequence
/// within the diagonal band such a match must stay in (exact for every pair that passes,
/// `O(n · band)` instead of `O(n²)`).
fn near_identical(a: &[u64], b: &[u64]) -> bool {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return false;
    }
    let need = (NEAR_COPY * longest as f64).ceil() as usize;
    if a.len().min(b.len()) < need {
        return false;
    }
    let band = longest - need;
    // dp[j] over j in the band around i; None outside.
    let width = 2 * band + 1;
    let mut prev = vec![0usize; width + 2];
    let mut row = vec![0usize; width + 2];
    // Index k of row for column j at row i: k = j + band - i + 1 (1-based, 0 = outside).
    for i in 1..=a.len() {
        row.iter_mut().for_each(|v| *v = 0);
        let lo = i.saturating_sub(band).max(1);
        let hi = (i + band).min(b.len());
        for j in lo..=hi {
            let k = j + band + 1 - i;
            let diag = prev[k];
            let up = prev.get(k + 1).copied().unwrap_or(0);
            let left = row[k - 1];
            row[k] = if a[i - 1] == b[j - 1] {
                diag + 1
            } else {
                up.max(left)
            };
        }
        std::mem::swap(&mut prev, &mut row);
    }
    let k = b.len() + band + 1 - a.len();
    prev.get(k).copied().unwrap_or(0) >= need
}

/// The relabelled files: a log played on another participant's personal variant is a
/// copy of that participant's entry (found among the roster and every name in the folder).
fn name_copies(competition: &Competition, files: &[ResultFile], out: &mut [Verified]) {
    let mut names: Vec<String> = competition.teams.keys().cloned().collect();
    names.extend(
        out.iter()
            .filter_map(|v| v.participant().map(str::to_string)),
    );
    for (i, v) in out.iter_mut().enumerate() {
        let Verified::Rejected(r) = v else { continue };
        if r.code != "variant" {
            continue;
        }
        let played_on = std::str::from_utf8(&files[i].bytes)
            .ok()
            .and_then(|t| ron::from_str::<SessionResult>(t).ok())
            .and_then(|res| res.header.shift.variant);
        let owner = names
            .iter()
            .find(|n| played_on.is_some() && competition.variant_of(n) == played_on);
        let who = r.participant.clone().unwrap_or_default();
        match owner {
            Some(owner) => {
                r.code = "copy";
                r.reason = format!(
                    "copy of {owner}'s entry: this log was played on {owner}'s personal variant of the shift (their names, IPs and error ids), not on {who}'s — the file was relabelled"
                );
            }
            None => {
                r.reason = format!(
                    "the log was played on a personal variant that is not {who}'s (nor any other participant's here): the file was relabelled or its header edited"
                );
            }
        }
    }
}

/// Near-identical logs under different participants: the copy is the one whose free text
/// fits the other participant's personal variant better than its own; when that cannot be
/// told (no variants, or notes that name no detail), every one of them is rejected.
fn near_copies(
    competition: &Competition,
    pack: &Arc<Pack>,
    files: &[ResultFile],
    out: &mut [Verified],
) {
    let accepted: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].accepted().is_some())
        .collect();
    let mut copy_of: BTreeMap<usize, (usize, bool)> = BTreeMap::new();
    for (n, &i) in accepted.iter().enumerate() {
        for &j in &accepted[n + 1..] {
            let (Some(a), Some(b)) = (out[i].accepted(), out[j].accepted()) else {
                continue;
            };
            if participant_key(&a.participant) == participant_key(&b.participant)
                || !near_identical(&a.fingerprint, &b.fingerprint)
            {
                continue;
            }
            let a_fits_b = surface_fit(competition, pack, &a.text, &a.participant, &b.participant);
            let b_fits_a = surface_fit(competition, pack, &b.text, &b.participant, &a.participant);
            if a_fits_b > 0 && b_fits_a <= 0 {
                copy_of.entry(i).or_insert((j, true));
            } else if b_fits_a > 0 && a_fits_b <= 0 {
                copy_of.entry(j).or_insert((i, true));
            } else {
                copy_of.entry(i).or_insert((j, false));
                copy_of.entry(j).or_insert((i, false));
            }
        }
    }
    for (i, (j, told)) in copy_of {
        let (Some(a), Some(b)) = (out[i].accepted(), out[j].accepted()) else {
            continue;
        };
        let similarity = log_similarity(&a.fingerprint, &b.fingerprint);
        let reason = if told {
            format!(
                "copy of {}'s entry ({}): {:.0}% of the log is theirs, action for action and minute for minute, and its notes name the details of {}'s personal variant, not {}'s",
                b.participant,
                files[j].name,
                similarity * 100.0,
                b.participant,
                a.participant
            )
        } else {
            format!(
                "copy of {}'s entry ({}), or the other way round: {:.0}% of the two logs are the same actions at the same minutes with the same words, which two people do not play — which one was played first cannot be told from the files, so neither is ranked",
                b.participant,
                files[j].name,
                similarity * 100.0
            )
        };
        let participant = Some(a.participant.clone());
        out[i] = Verified::Rejected(Rejection {
            file: files[i].name.clone(),
            participant,
            code: if told { "copy" } else { "near-copy" },
            line: None,
            reason,
        });
    }
}

/// The surface details (template values that set no fact, four characters or more) of a
/// participant's personal variant.
fn surface_values(
    competition: &Competition,
    pack: &Arc<Pack>,
    name: &str,
) -> std::collections::BTreeSet<String> {
    let Ok(shift) = competition.shift_for(pack, name) else {
        return Default::default();
    };
    let Some(variant) = shift.variant else {
        return Default::default();
    };
    let Ok(queue) = crate::sim::queue::build_queue(&shift, pack, competition.seed) else {
        return Default::default();
    };
    let mut out = std::collections::BTreeSet::new();
    for q in &queue {
        let Some(scenario) = pack.scenarios.get(&q.scenario_id) else {
            continue;
        };
        let values = crate::template::values_for(
            scenario,
            crate::sim::session::surface_seed(variant, q.instance_seed),
        );
        for (name, variable) in &scenario.variables {
            if crate::template::is_surface(variable)
                && let Some(v) = values.get(name)
                && v.chars().count() >= 4
            {
                out.insert(v.clone());
            }
        }
    }
    out
}

/// How many of `other`'s own surface details (in their variant, not in `own`'s) the text
/// names, less how many of `own`'s it names: above 0, the text was written for `other`'s
/// personal variant.
fn surface_fit(
    competition: &Competition,
    pack: &Arc<Pack>,
    text: &str,
    own: &str,
    other: &str,
) -> i64 {
    let (mine, theirs) = (
        surface_values(competition, pack, own),
        surface_values(competition, pack, other),
    );
    let named = |set: &std::collections::BTreeSet<String>,
                 exclude: &std::collections::BTreeSet<String>| {
        set.difference(exclude)
            .filter(|v| text.contains(v.as_str()))
            .count() as i64
    };
    named(&theirs, &mine) - named(&mine, &theirs)
}

/// [`verify`] over a folder as read: the files verified, and the entries that were not
/// read listed with their reasons, all in name order.
pub fn verify_folder(
    competition: &Competition,
    pack: &Arc<Pack>,
    folder: &crate::compete::ResultsFolder,
) -> Result<Vec<Verified>, CompeteError> {
    let mut out = verify(competition, pack, &folder.files)?;
    out.extend(folder.refused.iter().cloned().map(Verified::Rejected));
    out.sort_by(|a, b| a.file().cmp(b.file()));
    Ok(out)
}

/// Verifies each file on its own, spread over the machine's cores (each file is
/// independent and verification is pure); the output is in the order of `files`.
fn verify_files(
    competition: &Competition,
    pack: &Arc<Pack>,
    shift: &Shift,
    files: &[ResultFile],
) -> Vec<Verified> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(files.len());
    if threads <= 1 {
        return files
            .iter()
            .map(|f| verify_file(competition, pack, shift, f))
            .collect();
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|f| verify_file(competition, pack, shift, f))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Verifies one result on its own (no check for the same participant twice): what the
/// app can show right after a participant's play, or for a file handed in late.
pub fn verify_one(
    competition: &Competition,
    pack: &Arc<Pack>,
    file: &ResultFile,
) -> Result<Verified, CompeteError> {
    competition
        .check_content(pack)
        .map_err(CompeteError::WrongContent)?;
    let shift = competition.effective_shift(pack)?;
    Ok(verify_file(competition, pack, &shift, file))
}

/// A failed check: code, file line, reason.
type Failure = (&'static str, Option<usize>, String);

fn verify_file(
    competition: &Competition,
    pack: &Arc<Pack>,
    shift: &Shift,
    file: &ResultFile,
) -> Verified {
    let mut participant = None;
    match check_file(competition, pack, shift, file, &mut participant) {
        Ok(accepted) => Verified::Accepted(Box::new(accepted)),
        Err((code, line, reason)) => Verified::Rejected(Rejection {
            file: file.name.clone(),
            participant,
            code,
            line,
            reason,
        }),
    }
}

fn check_file(
    competition: &Competition,
    pack: &Arc<Pack>,
    shift: &Shift,
    file: &ResultFile,
    participant: &mut Option<String>,
) -> Result<Accepted, Failure> {
    if file.bytes.len() > MAX_RESULT_BYTES {
        return Err((
            "unreadable",
            None,
            format!(
                "the file is {} bytes; a result is at most {MAX_RESULT_BYTES} bytes",
                file.bytes.len()
            ),
        ));
    }
    // The one text form (BOM dropped, CRLF as LF), as `dojo replay` reads a result.
    let bytes = crate::input::normalised(&file.bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err((
            "unreadable",
            None,
            "the file is empty: not a result (cut off while copying?)".into(),
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        (
            "unreadable",
            Some(line),
            format!(
                "the file is not UTF-8 text (a bad byte at offset {}): not a result file",
                e.valid_up_to()
            ),
        )
    })?;
    if !crate::compete::starts_with_identifier(&file.bytes, "SessionResult") {
        return Err((
            "unreadable",
            None,
            "not a result file: it does not begin with `SessionResult(` (nothing of it is shown)"
                .into(),
        ));
    }
    let result: SessionResult = ron::from_str(text).map_err(|e| {
        // Cut off: the text runs out (mid-token, mid-string) where the error is found.
        let last_line = text.trim_end().lines().count().max(1);
        let ends_early =
            matches!(e.code, ron::error::Error::Eof) || e.span.end.line >= last_line;
        (
            "unreadable",
            Some(e.span.start.line),
            if ends_early {
                format!(
                    "the file ends early at line {} (cut off while copying?): not a complete result",
                    e.span.start.line
                )
            } else if crate::sim::record::looks_like_result(text) {
                format!("not a result file: {}", e.code)
            } else {
                // Nothing of a file that is not a result is echoed (it may be anything).
                crate::sim::record::NOT_A_RESULT.to_string()
            },
        )
    })?;
    let header = &result.header;
    *participant = header
        .trainee
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);

    match &header.competition {
        None => {
            return Err((
                "not-competition",
                None,
                "the result was not played in a competition: its header carries no competition stamp (play it in the app's Competition mode, or with `dojo run --competition FILE`)".into(),
            ));
        }
        Some(stamp) if stamp.hash != competition.content_hash() => {
            return Err((
                "competition-hash",
                None,
                format!(
                    "the result was played under competition file {} (\"{}\"), not this one ({}): the competition file was edited or another one was used",
                    short_hash(&stamp.hash),
                    stamp.name,
                    short_hash(competition.content_hash())
                ),
            ));
        }
        Some(_) => {}
    }
    if header.format != FORMAT_VERSION {
        return Err((
            "format",
            None,
            format!(
                "result format {} is not supported (this app reads format {FORMAT_VERSION})",
                header.format
            ),
        ));
    }
    if header.pack_hash != competition.pack_hash {
        return Err((
            "pack-hash",
            None,
            format!(
                "the result was played on scenario pack {}, the competition's is {} (pack hash mismatch): other tickets than everyone else's",
                short_hash(&header.pack_hash),
                short_hash(&competition.pack_hash)
            ),
        ));
    }
    if header.policy_hash != competition.policy_hash {
        return Err((
            "policy-hash",
            None,
            format!(
                "the result was played under policy {}, the competition's is {} (policy hash mismatch): other rules than everyone else's",
                short_hash(&header.policy_hash),
                short_hash(&competition.policy_hash)
            ),
        ));
    }
    if header.multiplier() > 1.0 && !competition.rules.time_extensions_apply(true) {
        return Err((
            "time-extension",
            None,
            format!(
                "the result was played with a time extension (×{}), which this competition does not allow: everyone plays one clock (the organiser can allow extensions with `dojo compete new --allow-time-extensions`)",
                header.multiplier()
            ),
        ));
    }
    if header.seed != competition.seed {
        return Err((
            "wrong-seed",
            None,
            format!(
                "the result was played with seed {}, the competition's is {}: other tickets than everyone else's",
                header.seed, competition.seed
            ),
        ));
    }
    let base = Shift {
        variant: None,
        ..header.shift.clone()
    };
    if base != *shift {
        return Err(("wrong-shift", None, shift_difference(&header.shift, shift)));
    }
    let Some(name) = participant.clone() else {
        return Err((
            "no-participant",
            None,
            "the result does not say who played (no trainee name in its header)".into(),
        ));
    };
    let entrant = competition
        .participant(&name, header.team.as_deref())
        .map_err(|e| match e {
            CompeteError::Name(m) => ("name", None, m),
            e => ("roster", None, e.to_string()),
        })?;
    // The app writes the cleaned name; another spelling of it was edited in.
    if let Ok(clean) = crate::names::clean(&name)
        && clean != name
        && competition.teams.is_empty()
    {
        return Err((
            "name",
            None,
            format!(
                "the participant's name \"{}\" is not written as the name rule gives it (\"{clean}\"): a result played in the app carries the cleaned name, so this one was edited",
                name.escape_debug()
            ),
        ));
    }

    // Each participant plays their personal variant: a log played on another one was
    // played by someone else (whose, `verify` tells across the folder).
    let expected = competition.variant_of(&entrant.name);
    if header.shift.variant != expected {
        return Err((
            "variant",
            None,
            format!(
                "the log was played on another participant's personal variant of the shift, not {}'s: the file was relabelled",
                entrant.name
            ),
        ));
    }
    let shift = &Shift {
        variant: expected,
        ..shift.clone()
    };

    // Where each log entry starts in the file: only worked out when a reason needs it.
    let lines: std::cell::OnceCell<Option<Vec<usize>>> = std::cell::OnceCell::new();
    let line_of = |i: usize| {
        lines
            .get_or_init(|| {
                let l = element_lines(text, "log");
                (l.len() == result.log.len()).then_some(l)
            })
            .as_ref()
            .and_then(|l| l.get(i).copied())
    };
    let session = replay(pack, shift, header.seed, &result.log, &line_of)?;
    compare_outcomes(&result, &session, text, &line_of)?;
    Ok(Accepted {
        file: file.name.clone(),
        participant: entrant.name,
        team: competition.team_of(&name, header.team.as_deref()),
        actions: result.log.len(),
        app_version: header.app_version.clone(),
        score: score(&session, &competition.scoring),
        time_multiplier: (header.multiplier() > 1.0).then(|| header.multiplier()),
        fingerprint: {
            let surface = surface_matcher(pack);
            result
                .log
                .iter()
                .map(|e| entry_fingerprint(e, &surface))
                .collect()
        },
        text: result
            .log
            .iter()
            .map(|e| format!("{:?}", e.action))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// Which part of the embedded shift differs from the competition's.
fn shift_difference(got: &Shift, want: &Shift) -> String {
    let what = if got.id != want.id {
        format!("shift `{}` instead of `{}`", got.id, want.id)
    } else if got.rules != want.rules {
        let mut parts = Vec::new();
        if got.rules.pause_allowed != want.rules.pause_allowed {
            parts.push(format!("pause_allowed: {}", got.rules.pause_allowed));
        }
        if got.rules.hints_shown != want.rules.hints_shown {
            parts.push(format!("hints_shown: {}", got.rules.hints_shown));
        }
        if got.rules.real_time_limit_minutes != want.rules.real_time_limit_minutes {
            parts.push(format!(
                "real_time_limit_minutes: {:?}",
                got.rules.real_time_limit_minutes
            ));
        }
        format!("other rules ({})", parts.join(", "))
    } else if got.mode != want.mode {
        format!("mode {:?} instead of Competition", got.mode)
    } else if got.arrivals != want.arrivals || got.length_minutes != want.length_minutes {
        "other arrivals or another length".into()
    } else if got.selection != want.selection {
        "another scenario selection".into()
    } else {
        "a changed definition".into()
    };
    format!(
        "the shift in the result is not the competition's: {what} — it was not played under this competition's rules"
    )
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Done { busy_until } => format!("done (busy until minute {busy_until})"),
        Outcome::Refused(r) => format!("refused (\"{r}\")"),
    }
}

/// Re-simulates the log entry by entry, naming the first entry that could not have
/// happened and why.
fn replay(
    pack: &Arc<Pack>,
    shift: &Shift,
    seed: u64,
    entries: &[LogEntry],
    line_of: &dyn Fn(usize) -> Option<usize>,
) -> Result<Session, Failure> {
    let mut session = Session::with_shift(Arc::clone(pack), shift.clone(), seed).map_err(|e| {
        (
            "wrong-shift",
            None,
            format!("the competition's shift cannot start: {e}"),
        )
    })?;
    let what = |i: usize| {
        format!(
            "log entry {} ({}minute {}: {})",
            i + 1,
            line_of(i)
                .map(|l| format!("line {l}, "))
                .unwrap_or_default(),
            entries[i].at,
            entries[i].action.label()
        )
    };
    // A genuine log never goes back in time.
    if let Some(i) = (1..entries.len()).find(|&i| entries[i].at < entries[i - 1].at) {
        return Err((
            "log-reordered",
            line_of(i),
            format!(
                "{} comes after {}: the log goes back in time, so its entries were moved (reordered)",
                what(i),
                what(i - 1)
            ),
        ));
    }
    let mut last_done: Option<usize> = None;
    for (i, entry) in entries.iter().enumerate() {
        if entry.at < session.now {
            return Err((
                "log-reordered",
                line_of(i),
                format!(
                    "{} comes after an entry at minute {}: the log is out of order (entries were moved)",
                    what(i),
                    session.now
                ),
            ));
        }
        session.advance_to(entry.at);
        if session.now != entry.at {
            return Err((
                "log-edited",
                line_of(i),
                format!(
                    "{}: the session can never reach minute {} (it stops at minute {}): the log was edited",
                    what(i),
                    entry.at,
                    session.now
                ),
            ));
        }
        if matches!(entry.outcome, Outcome::Done { .. }) {
            if matches!(entry.action, Action::Pause) && !session.shift.rules.pause_allowed {
                return Err((
                    "pause-forbidden",
                    line_of(i),
                    format!(
                        "{}: the log says the clock was paused, but this competition forbids pausing — a rule was broken",
                        what(i),
                    ),
                ));
            }
            if session.ended {
                return Err((
                    "after-shift",
                    line_of(i),
                    format!(
                        "{}: the log says it was done after the shift ended at minute {}: an action at an impossible time",
                        what(i),
                        session.shift.length_minutes
                    ),
                ));
            }
            if let Some(n) = entry.action.ticket()
                && let Some(t) = session.ticket(n)
                && t.status == Status::Pending
            {
                return Err((
                    "before-arrival",
                    line_of(i),
                    format!(
                        "{}: ticket {n} arrives at minute {}, so nothing could be done on it yet: an action at an impossible time",
                        what(i),
                        t.arrives_at
                    ),
                ));
            }
            if session.now < session.busy_until {
                let previous = last_done
                    .map(|p| {
                        format!(
                            "the action before it, log entry {} ({}minute {}: {}),",
                            p + 1,
                            line_of(p)
                                .map(|l| format!("line {l}, "))
                                .unwrap_or_default(),
                            entries[p].at,
                            entries[p].action.label(),
                        )
                    })
                    .unwrap_or_else(|| "the action before it".into());
                return Err((
                    "too-fast",
                    line_of(i),
                    format!(
                        "{}: {previous} keeps the agent busy until minute {}, so this came faster than that action's minute cost",
                        what(i),
                        session.busy_until
                    ),
                ));
            }
        }
        let outcome = session.act(entry.action.clone());
        if outcome != entry.outcome {
            return Err((
                "log-edited",
                line_of(i),
                format!(
                    "{}: the log says {}, but re-simulating it gives {}: the log was edited (or entries reordered)",
                    what(i),
                    describe(&entry.outcome),
                    describe(&outcome)
                ),
            ));
        }
        if matches!(outcome, Outcome::Done { .. }) {
            last_done = Some(i);
        }
    }
    session.finish();
    Ok(session)
}

/// Checks that the outcomes written in the file are the replay's.
fn compare_outcomes(
    result: &SessionResult,
    session: &Session,
    text: &str,
    line_of: &dyn Fn(usize) -> Option<usize>,
) -> Result<(), Failure> {
    let replayed = SessionResult::outcomes_of(session);
    if result.outcomes != replayed {
        // Decisions the file records after the log's last entry: actions are missing.
        let last = result.log.last().map(|e| e.at);
        let missing = result.outcomes.iter().find(|o| {
            o.decided_at.is_some_and(|m| last.is_none_or(|l| m > l))
                && replayed
                    .iter()
                    .find(|r| r.number == o.number)
                    .is_none_or(|r| r.decided_at != o.decided_at)
        });
        if let Some(o) = missing {
            let end = match last {
                Some(l) => format!(
                    "ends at log entry {} ({}minute {l})",
                    result.log.len(),
                    line_of(result.log.len() - 1)
                        .map(|n| format!("line {n}, "))
                        .unwrap_or_default()
                ),
                None => "is empty".into(),
            };
            return Err((
                "log-truncated",
                line_of(result.log.len().saturating_sub(1)),
                format!(
                    "the log {end}, but the file records ticket {} decided at minute {}: entries are missing from the end of the log (truncated)",
                    o.number,
                    o.decided_at.unwrap_or_default()
                ),
            ));
        }
        if result.outcomes.len() != replayed.len() {
            return Err((
                "outcomes-edited",
                None,
                format!(
                    "the file lists {} ticket outcome(s) but the competition's shift has {} tickets: the outcomes were edited",
                    result.outcomes.len(),
                    replayed.len()
                ),
            ));
        }
        let outcome_lines = element_lines(text, "outcomes");
        for (k, (written, real)) in result.outcomes.iter().zip(&replayed).enumerate() {
            if written == real {
                continue;
            }
            let (field, said, is) = first_difference(written, real);
            let line = outcome_lines
                .get(k)
                .map(|&start| field_line(text, start, &field).unwrap_or(start));
            return Err((
                "outcomes-edited",
                line,
                format!(
                    "ticket {} ({}): the file says `{field}: {said}`{}, but re-simulating the log gives `{field}: {is}` — outcomes written in a result are never trusted, and these were edited",
                    real.number,
                    real.scenario,
                    line.map(|l| format!(" (line {l})")).unwrap_or_default()
                ),
            ));
        }
    }
    if result.final_minute != session.now {
        return Err((
            "outcomes-edited",
            None,
            format!(
                "the file says the session ended at minute {}, but re-simulating the log ends it at minute {}: the result was edited",
                result.final_minute, session.now
            ),
        ));
    }
    Ok(())
}

/// The first field two serialisable values differ in, with both values as RON.
fn first_difference<T: Serialize>(written: &T, real: &T) -> (String, String, String) {
    let a = serde_json::to_value(written).unwrap_or_default();
    let b = serde_json::to_value(real).unwrap_or_default();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (key, va) in a {
            let vb = b.get(key).cloned().unwrap_or_default();
            if *va != vb {
                return (key.clone(), json_text(va), json_text(&vb));
            }
        }
    }
    ("outcome".into(), a.to_string(), b.to_string())
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "None".into(),
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// The line of `field:` at or after line `start` (before the next element).
fn field_line(text: &str, start: usize, field: &str) -> Option<usize> {
    let prefix = format!("{field}:");
    text.lines()
        .enumerate()
        .skip(start.saturating_sub(1))
        .take(40)
        .find(|(_, l)| l.trim_start().starts_with(&prefix))
        .map(|(i, _)| i + 1)
}

/// The 1-based line on which each element of the root struct's list field `field`
/// starts (e.g. every `LogEntry(` of `log: [...]`), skipping strings and comments.
pub fn element_lines(text: &str, field: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let (mut i, mut line, mut depth) = (0usize, 1usize, 0usize);
    let mut list_depth: Option<usize> = None;
    let mut expect = false;
    let mut out = Vec::new();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        if list_depth == Some(depth) && expect && c != b',' && c != b']' {
            out.push(line);
            expect = false;
        }
        match c {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if b.get(i) == Some(&b'\n') {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if list_depth.is_some_and(|d| depth < d) {
                    return out;
                }
            }
            b',' if list_depth == Some(depth) => expect = true,
            _ if is_ident(c) => {
                let start = i;
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
                if depth == 1 && list_depth.is_none() && &text[start..i] == field {
                    // `field` `:` `[`, whitespace allowed between.
                    let mut j = i;
                    let mut l = line;
                    let mut skip_ws = |j: &mut usize| {
                        while *j < b.len() && b[*j].is_ascii_whitespace() {
                            if b[*j] == b'\n' {
                                l += 1;
                            }
                            *j += 1;
                        }
                    };
                    skip_ws(&mut j);
                    if b.get(j) == Some(&b':') {
                        j += 1;
                        skip_ws(&mut j);
                        if b.get(j) == Some(&b'[') {
                            line = l;
                            i = j + 1;
                            depth += 1;
                            list_depth = Some(depth);
                            expect = true;
                        }
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}
