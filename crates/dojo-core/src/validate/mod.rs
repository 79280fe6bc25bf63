//! Reading pack files and checking them: every problem becomes a located
//! [`Diagnostic`]; one bad file never hides the others; no input panics.
//!
//! Plain Rust; no Bevy types.

mod curriculum;
mod shift;

pub use curriculum::lint_curriculum;
pub use shift::lint_shift;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::engine::{self, Verdict};
use crate::kb::KbArticle;
use crate::pace;
use crate::policy::{Policy, Scope};
use crate::scenario::{FactChange, Owner, Scenario, Trigger, Variable};
use crate::shift::Shift;
use crate::template;

use crate::diag::leading_identifier;
pub use crate::diag::{Diagnostic, MAX_FILE_BYTES, Severity, Source, check_text, closest, locate};

/// How many template seeds the validator instantiates per scenario with variables.
pub const VARIANT_SAMPLE: u64 = 8;

/// What a pack file holds, told by its first identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum FileKind {
    /// `Scenario(...)`.
    Scenario,
    /// `KbArticle(...)`.
    KbArticle,
    /// `Policy(...)`.
    Policy,
    /// `Shift(...)`.
    Shift,
    /// `Curriculum(...)`: the onboarding path and drill settings.
    Curriculum,
}

/// A parsed pack file.
#[derive(Debug, Clone)]
pub enum Item {
    /// A scenario.
    Scenario(Box<Scenario>),
    /// A KB article.
    KbArticle(Box<KbArticle>),
    /// A policy.
    Policy(Box<Policy>),
    /// A shift definition.
    Shift(Box<Shift>),
    /// An onboarding curriculum.
    Curriculum(Box<crate::curriculum::Curriculum>),
}

/// A parsed file with its text, for locating later lints.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The name to report it by.
    pub name: String,
    /// The UTF-8 text.
    pub text: String,
    /// What it holds.
    pub item: Item,
}

/// Tells what a file holds by its first identifier.
pub fn detect_kind(name: &str, text: &str) -> Result<FileKind, Diagnostic> {
    match leading_identifier(text) {
        Some("Scenario") => Ok(FileKind::Scenario),
        Some("KbArticle") => Ok(FileKind::KbArticle),
        Some("Policy") => Ok(FileKind::Policy),
        Some("Shift") => Ok(FileKind::Shift),
        Some("Curriculum") => Ok(FileKind::Curriculum),
        found => {
            let position = found.and_then(|word| locate(text, word));
            let message = match found {
                Some(word) => format!("unknown file kind `{word}`"),
                None => "file does not start with a kind name".to_string(),
            };
            let hint = if found == Some("Competition") {
                "a competition file is not a pack file: `dojo compete tickets FILE` checks it"
            } else {
                "start the file with `Scenario(`, `KbArticle(`, `Policy(`, `Shift(` or `Curriculum(`"
            };
            Err(Diagnostic::error("unknown-kind", name, message)
                .at(position)
                .hint(hint))
        }
    }
}

/// Parses a file of a known kind; errors name file:line:column and the field.
pub fn parse_as<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, Diagnostic> {
    ron::Options::default()
        .from_str::<T>(text)
        .map_err(|e| ron_diagnostic(name, text, &e))
}

/// Reads and parses one source into an item.
pub fn parse_source(source: &Source) -> Result<ParsedFile, Diagnostic> {
    let text = check_text(source)?;
    let name = &source.name;
    let item = match detect_kind(name, text)? {
        FileKind::Scenario => Item::Scenario(Box::new(parse_as(name, text)?)),
        FileKind::KbArticle => Item::KbArticle(Box::new(parse_as(name, text)?)),
        FileKind::Policy => Item::Policy(Box::new(parse_as(name, text)?)),
        FileKind::Shift => Item::Shift(Box::new(parse_as(name, text)?)),
        FileKind::Curriculum => Item::Curriculum(Box::new(parse_as(name, text)?)),
    };
    Ok(ParsedFile {
        name: name.clone(),
        text: text.to_string(),
        item,
    })
}

/// The nearest `field:` before a byte offset: the field a type error is in.
fn enclosing_field(text: &str, line: usize, column: usize) -> Option<String> {
    let offset: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + text.lines().nth(line.saturating_sub(1)).map_or(0, |l| {
            l.chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum()
        });
    let before = text.get(..offset.min(text.len()))?;
    let bytes = before.as_bytes();
    let mut i = bytes.len();
    while i > 0 {
        i -= 1;
        if bytes[i] == b':' {
            let mut start = i;
            while start > 0
                && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_')
            {
                start -= 1;
            }
            if start < i && !before[..start].ends_with(':') && !before[i + 1..].starts_with(':') {
                return Some(before[start..i].to_string());
            }
        }
    }
    None
}

fn ron_diagnostic(name: &str, text: &str, error: &ron::error::SpannedError) -> Diagnostic {
    use ron::error::Error as E;
    let position = (error.span.start.line, error.span.start.col);
    let base = |code: &'static str, message: String| {
        Diagnostic::error(code, name, message).at(Some(position))
    };
    let recognised = |unknown_field: bool| {
        crate::handwriting::recognise(text, position, &error.code.to_string(), unknown_field).map(
            |m| {
                Diagnostic::error(m.code, name, m.message)
                    .at(Some(m.at))
                    .hint(m.hint)
            },
        )
    };
    match &error.code {
        E::NoSuchStructField { .. } if recognised(true).is_some() => {
            recognised(true).unwrap_or_else(|| base("syntax", error.code.to_string()))
        }
        E::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let mut d = base(
                "unknown-field",
                format!(
                    "unknown field `{found}`{}",
                    outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default()
                ),
            )
            .field(found.clone());
            d = match closest(found, expected) {
                Some(guess) => d.hint(format!("did you mean `{guess}`?")),
                None => d.hint(format!("expected one of: {}", expected.join(", "))),
            };
            d
        }
        E::MissingStructField { field, outer } => base(
            "missing-field",
            format!(
                "missing field `{field}`{}",
                outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default()
            ),
        )
        .field(*field)
        .hint(format!("add `{field}: ...` (see docs/scenario-format.md)")),
        E::DuplicateStructField { field, outer } => base(
            "duplicate-field",
            format!(
                "field `{field}` appears twice{}",
                outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default()
            ),
        )
        .field(*field)
        .hint("keep one of them"),
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let mut d = base(
                "unknown-variant",
                format!(
                    "unknown value `{found}`{}",
                    outer.as_ref().map(|o| format!(" for `{o}`")).unwrap_or_default()
                ),
            );
            if let Some(field) = enclosing_field(text, position.0, position.1) {
                d = d.field(field);
            }
            match closest(found, expected) {
                Some(guess) => d.hint(format!("did you mean `{guess}`?")),
                None => d.hint(format!("expected one of: {}", expected.join(", "))),
            }
        }
        E::ExpectedDifferentStructName { expected, found } => base(
            "wrong-kind",
            format!("expected `{expected}(...)`, found `{found}(...)`"),
        ),
        E::TrailingCharacters => base("syntax", error.code.to_string()).hint(
            "something follows the closing `)`: one item per file, and no stray characters after it",
        ),
        other => {
            let mut d = base("syntax", other.to_string());
            if let Some(open) = unclosed_string_line(text, position.0) {
                return d.hint(format!(
                    "line {open} has an unclosed string: a closing `\"` is missing there"
                ));
            }
            if let Some(mistake) = recognised(false) {
                return mistake;
            }
            if let Some(field) = enclosing_field(text, position.0, position.1) {
                d = d.field(field);
            }
            let hint = match other {
                E::ExpectedString => Some("text values go in double quotes: \"like this\""),
                E::ExpectedInteger | E::InvalidValueForType { .. } => {
                    Some("check the value's type in docs/scenario-format.md")
                }
                E::ExpectedComma => Some("separate fields and list items with commas"),
                E::ExpectedOption => Some("optional values are written `Some(...)` or `None`"),
                E::Eof => Some("the file ends early: a closing `)` or `]` is missing"),
                E::ExpectedStructLikeEnd | E::ExpectedArrayEnd | E::ExpectedMapEnd => {
                    Some("a closing bracket is missing or a comma is misplaced")
                }
                _ => None,
            };
            match hint {
                Some(h) => d.hint(h),
                None => d,
            }
        }
    }
}

/// The first line before `line` with an odd number of unescaped double quotes: a string
/// left open there makes the parser fail later.
fn unclosed_string_line(text: &str, line: usize) -> Option<usize> {
    text.lines().take(line).enumerate().find_map(|(i, l)| {
        let code = l.split("//").next().unwrap_or(l);
        let mut quotes = 0;
        let mut escaped = false;
        for c in code.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => quotes += 1,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        (quotes % 2 == 1).then_some(i + 1)
    })
}

/// The outcome of validating a set of files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Files read.
    pub files: usize,
    /// Scenarios parsed.
    pub scenarios: usize,
    /// KB articles parsed.
    pub kb_articles: usize,
    /// Policies parsed.
    pub policies: usize,
    /// Shifts parsed.
    pub shifts: usize,
    /// Curricula parsed.
    pub curricula: usize,
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// True when there is no error.
    pub fn is_clean(&self) -> bool {
        self.errors() == 0
    }
}

/// What references resolve against besides the files being validated.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// KB article ids available (e.g. the built-in pack's).
    pub kb_ids: BTreeSet<String>,
    /// KB articles available (their kind and coverage judge the scenarios citing them).
    pub kb: BTreeMap<String, KbArticle>,
    /// Scenario ids available, for shift references.
    pub scenario_ids: BTreeSet<String>,
    /// Scenarios available, for the pools shifts draw from.
    pub scenarios: BTreeMap<String, crate::scenario::Scenario>,
    /// Shift ids available, for curriculum references.
    pub shift_ids: BTreeSet<String>,
    /// The policy to judge against, unless the files hold one.
    pub policy: Option<Policy>,
}

/// Validates a set of sources: parses each, then lints across them.
pub fn validate(sources: &[Source], context: &Context) -> Report {
    let mut diagnostics = Vec::new();
    let mut parsed = Vec::new();
    for source in sources {
        match parse_source(source) {
            Ok(file) => parsed.push(file),
            Err(d) => diagnostics.push(d),
        }
    }
    diagnostics.extend(lint(&parsed, context));
    let count = |f: fn(&Item) -> bool| parsed.iter().filter(|p| f(&p.item)).count();
    Report {
        files: sources.len(),
        scenarios: count(|i| matches!(i, Item::Scenario(_))),
        kb_articles: count(|i| matches!(i, Item::KbArticle(_))),
        policies: count(|i| matches!(i, Item::Policy(_))),
        shifts: count(|i| matches!(i, Item::Shift(_))),
        curricula: count(|i| matches!(i, Item::Curriculum(_))),
        diagnostics,
    }
}

/// Cross-file and semantic checks over parsed files.
pub fn lint(files: &[ParsedFile], context: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let policy = files
        .iter()
        .find_map(|f| match &f.item {
            Item::Policy(p) => Some((**p).clone()),
            _ => None,
        })
        .or_else(|| context.policy.clone());

    for file in files {
        if let Item::Policy(p) = &file.item {
            out.extend(lint_policy(file, p));
        }
    }

    let mut kb_ids = context.kb_ids.clone();
    kb_ids.extend(context.kb.keys().cloned());
    let mut kb = context.kb.clone();
    for file in files {
        if let Item::KbArticle(a) = &file.item {
            kb.insert(a.id.clone(), (**a).clone());
        }
    }
    let mut scenario_ids = context.scenario_ids.clone();
    let mut shift_ids = context.shift_ids.clone();
    let mut seen: BTreeMap<(FileKind, String), String> = BTreeMap::new();
    for file in files {
        let (kind, id) = match &file.item {
            Item::Scenario(s) => (FileKind::Scenario, s.id.clone()),
            Item::KbArticle(a) => (FileKind::KbArticle, a.id.clone()),
            Item::Shift(s) => (FileKind::Shift, s.id.clone()),
            Item::Curriculum(c) => (FileKind::Curriculum, c.id.clone()),
            Item::Policy(_) => continue,
        };
        if let Some(first) = seen.get(&(kind, id.clone())) {
            if first.starts_with("builtin:") && !file.name.starts_with("builtin:") {
                // `--pack DIR` replaces content by id: what it replaces is noted, not an
                // error. The pack's own file is what is played.
                out.push(
                    Diagnostic::warning(
                        "replaces-builtin",
                        &file.name,
                        format!("replaces the built-in `{id}` ({first}): packs replace by id"),
                    )
                    .at(locate(&file.text, &format!("\"{id}\"")))
                    .field("id")
                    .hint("intended? nothing to do; else give it another id"),
                );
                seen.insert((kind, id.clone()), file.name.clone());
                continue;
            }
            out.push(
                Diagnostic::error(
                    "duplicate-id",
                    &file.name,
                    format!("duplicate id `{id}`: already used by {first}"),
                )
                .at(locate(&file.text, &format!("\"{id}\"")))
                .field("id")
                .hint("ids must be unique across the pack"),
            );
        } else {
            seen.insert((kind, id.clone()), file.name.clone());
        }
        match kind {
            FileKind::KbArticle => {
                kb_ids.insert(id);
            }
            FileKind::Scenario => {
                scenario_ids.insert(id);
            }
            FileKind::Shift => {
                shift_ids.insert(id);
            }
            _ => {}
        }
    }

    for file in files {
        match &file.item {
            Item::Scenario(s) => {
                let mut s = (**s).clone();
                s.resolve_kb(&kb);
                let known = Known {
                    kb_ids: &kb_ids,
                    kb: &kb,
                };
                out.extend(lint_scenario(file, &s, &known, policy.as_ref()));
            }
            Item::KbArticle(a) => out.extend(lint_kb(file, a, policy.as_ref())),
            Item::Shift(s) => {
                out.extend(shift::lint_shift(
                    &file.name,
                    &file.text,
                    s,
                    &scenario_ids,
                    policy.as_ref(),
                ));
                let mut known: BTreeMap<&str, &crate::scenario::Scenario> = context
                    .scenarios
                    .iter()
                    .map(|(id, s)| (id.as_str(), s))
                    .collect();
                for f in files {
                    if let Item::Scenario(s) = &f.item {
                        known.insert(s.id.as_str(), &**s);
                    }
                }
                let scenarios: Vec<&crate::scenario::Scenario> = known.into_values().collect();
                out.extend(shift::lint_pools(&file.name, &file.text, s, &scenarios));
            }
            Item::Curriculum(c) => out.extend(curriculum::lint_curriculum(
                &file.name, &file.text, c, &shift_ids,
            )),
            Item::Policy(_) => {}
        }
    }
    out
}

fn lint_policy(file: &ParsedFile, policy: &Policy) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let name = &file.name;
    for (key, t) in &policy.ticket_types {
        let at = locate(&file.text, &format!("\"{key}\""));
        match (t.scope, t.window_minutes) {
            (Scope::Security, Some(_)) => out.push(
                Diagnostic::error(
                    "security-window",
                    name,
                    format!("ticket type `{key}` is a security type but has an ownership window"),
                )
                .at(at)
                .field(format!("ticket_types.{key}.window_minutes"))
                .hint("security is escalated immediately: use `window_minutes: None`"),
            ),
            (Scope::L1 | Scope::L2, None) => out.push(
                Diagnostic::error(
                    "missing-window",
                    name,
                    format!("ticket type `{key}` has no ownership window"),
                )
                .at(at)
                .field(format!("ticket_types.{key}.window_minutes"))
                .hint("every non-security type has a maximum L1 window, e.g. `Some(20)`"),
            ),
            (_, Some(0)) => out.push(
                Diagnostic::error(
                    "zero-window",
                    name,
                    format!("ticket type `{key}` has a window of 0 minutes"),
                )
                .at(at)
                .field(format!("ticket_types.{key}.window_minutes")),
            ),
            _ => {}
        }
    }
    if !policy
        .impact
        .users
        .windows(2)
        .all(|w| w[0].min_users < w[1].min_users)
    {
        out.push(
            Diagnostic::error(
                "unsorted-bands",
                name,
                "impact user bands must be in ascending `min_users` order",
            )
            .at(locate(&file.text, "users:"))
            .field("impact.users"),
        );
    }
    if policy.impact.medium_from > policy.impact.high_from {
        out.push(
            Diagnostic::error(
                "band-order",
                name,
                "impact `medium_from` is above `high_from`",
            )
            .at(locate(&file.text, "medium_from"))
            .field("impact.medium_from"),
        );
    }
    if policy.urgency.high_within_minutes > policy.urgency.medium_within_minutes {
        out.push(
            Diagnostic::error(
                "band-order",
                name,
                "urgency `high_within_minutes` is above `medium_within_minutes`",
            )
            .at(locate(&file.text, "high_within_minutes"))
            .field("urgency.high_within_minutes"),
        );
    }
    for priority in [
        crate::policy::Priority::P1,
        crate::policy::Priority::P2,
        crate::policy::Priority::P3,
        crate::policy::Priority::P4,
        crate::policy::Priority::P5,
    ] {
        if !policy.sla.contains_key(&priority) {
            out.push(
                Diagnostic::error(
                    "missing-sla",
                    name,
                    format!("no SLA target for {priority:?}"),
                )
                .at(locate(&file.text, "sla:"))
                .field("sla"),
            );
        }
    }
    if let Some(bad) = policy
        .clock
        .time_multipliers
        .iter()
        .find(|m| !m.is_finite() || **m < 1.0 || **m > 4.0)
    {
        out.push(
            Diagnostic::error(
                "time-multiplier",
                name,
                format!("time multiplier {bad} is outside 1 to 4"),
            )
            .at(locate(&file.text, "time_multipliers"))
            .field("clock.time_multipliers")
            .hint("a time extension makes the clock slower: e.g. `[1.25, 1.5, 2.0]`"),
        );
    }
    for (field, message) in crate::note::lint_vocabulary(policy) {
        out.push(
            Diagnostic::error("note-vocabulary", name, message)
                .at(locate(&file.text, "vocabulary:"))
                .field(format!("note.vocabulary.{field}")),
        );
    }
    out
}

fn lint_kb(file: &ParsedFile, article: &KbArticle, policy: Option<&Policy>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let name = &file.name;
    if article.keywords.is_empty() {
        out.push(
            Diagnostic::error(
                "no-keywords",
                name,
                "KB article has no keywords: search will never find it",
            )
            .at(locate(&file.text, "keywords:"))
            .field("keywords"),
        );
    }
    if article.procedure.is_empty() {
        out.push(
            Diagnostic::error("no-procedure", name, "KB article documents no procedure")
                .at(locate(&file.text, "procedure:"))
                .field("procedure")
                .hint("list the documented steps, one per entry"),
        );
    }
    if let Some(policy) = policy {
        for t in &article.ticket_types {
            if policy.ticket_type(t).is_none() {
                out.push(unknown_type(file, t, "ticket_types", policy));
            }
        }
    }
    out
}

fn unknown_type(file: &ParsedFile, key: &str, field: &str, policy: &Policy) -> Diagnostic {
    let keys: Vec<&str> = policy.ticket_types.keys().map(String::as_str).collect();
    let d = Diagnostic::error(
        "unknown-ticket-type",
        &file.name,
        format!("ticket type `{key}` is not in the policy"),
    )
    .at(locate(&file.text, &format!("\"{key}\"")))
    .field(field);
    match closest(key, &keys) {
        Some(guess) => d.hint(format!("did you mean `{guess}`?")),
        None => d.hint(format!("policy ticket types: {}", keys.join(", "))),
    }
}

/// What must not change between template variants, as text.
fn verdict_signature(v: &Result<Verdict, engine::EngineError>) -> String {
    match v {
        Ok(v) => format!(
            "{}, {:?}, handling [{}]",
            v.scope_owner.label(),
            v.impact.priority,
            v.handling
                .iter()
                .map(|h| format!("{:?}", h.handling))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(e) => e.to_string(),
    }
}

/// Sim minutes of the ideal path: handling demanded at arrival, the minimum checks and,
/// for an L1 ticket, reading the runbook and applying the fix (for an L2 ticket, a KB
/// search before escalating).
pub fn ideal_path_minutes(s: &Scenario, verdict: &Verdict, policy: &Policy) -> u32 {
    let m = &policy.action_minutes;
    let handling: u32 = verdict
        .handling
        .iter()
        .map(|h| match h.handling {
            engine::Handling::ProactiveUpdate => m.update_client,
            engine::Handling::SeniorOwnership => m.notify_senior,
            engine::Handling::ParallelEscalation => m.parallel_escalation,
        })
        .sum();
    let checks: u32 = s
        .minimum_checks
        .iter()
        .filter_map(|id| s.step(id))
        .map(|st| st.minutes)
        .sum();
    let resolve = if verdict.scope_owner == Owner::ResolveAtL1 {
        let fix = s
            .expected
            .fix
            .as_deref()
            .and_then(|f| s.fix(f))
            .or_else(|| s.fixes.iter().find(|f| f.resolves && f.requires.is_empty()))
            .map_or(0, |f| f.minutes);
        m.search_kb + m.open_article + fix
    } else if verdict.scope_owner == Owner::EscalateToL2 {
        // Consult the KB before escalating.
        m.search_kb
    } else {
        0
    };
    handling + checks + resolve
}

/// Sim minutes a person at [`pace::HUMAN_PACE`] spends on the ideal path beyond its work:
/// each decision's time past the clock's allowances (reading what the previous action
/// showed, choosing), charged at the policy's `lint_time_scale`. Zero while the
/// allowances cover a person's pace, as the shipped ones do.
pub fn human_pace_overrun_minutes(
    s: &Scenario,
    verdict: &Verdict,
    policy: &Policy,
    kb: &BTreeMap<String, KbArticle>,
) -> u32 {
    let rules = &policy.clock;
    let pace = &pace::HUMAN_PACE;
    let words = |t: &str| t.split_whitespace().count();
    // What each decision on the path is taken after reading.
    let mut shown: Vec<usize> = vec![
        0, // choosing to open it
        words(&s.title)
            + words(&s.ticket_text)
            + s.initial_error.as_deref().map_or(0, words)
            + s.environment.iter().map(|e| words(e)).sum::<usize>(),
    ];
    shown.extend(verdict.handling.iter().map(|_| 0));
    shown.extend(
        s.minimum_checks
            .iter()
            .filter_map(|id| s.step(id))
            .map(|st| words(&st.reveals)),
    );
    let mut typed = 0;
    if verdict.scope_owner == Owner::ResolveAtL1 {
        let article = s.l1_has.runbook.as_deref().and_then(|id| kb.get(id));
        shown.push(article.map_or(0, |a| words(&a.title)) * pace::SEARCH_HITS_SHOWN);
        shown.push(article.map_or(0, |a| words(&a.body)));
        let fix = s.expected.fix.as_deref().and_then(|f| s.fix(f));
        shown.push(fix.map_or(0, |f| words(&f.outcome)));
        typed += 3;
    } else if verdict.scope_owner == Owner::EscalateToL2 {
        shown.push(0);
        typed += 3;
    }
    let seconds: f64 = shown
        .iter()
        .map(|w| pace::overrun_seconds(pace, rules, *w))
        .sum::<f64>()
        + pace::typing_overrun_seconds(pace, rules, typed);
    (seconds * rules.lint_time_scale).ceil() as u32
}

/// An ideal path that does not fit the ownership window at a person's pace, with the
/// policy's share to spare, makes a scenario a person cannot do right.
fn ideal_path_problem(
    s: &Scenario,
    verdict: &Verdict,
    policy: &Policy,
    kb: &BTreeMap<String, KbArticle>,
    name: &str,
    text: &str,
) -> Option<Diagnostic> {
    let limit = verdict.window.as_ref()?.limit_minutes;
    let work = ideal_path_minutes(s, verdict, policy);
    let overrun = human_pace_overrun_minutes(s, verdict, policy, kb);
    let path = work + overrun;
    let spare = policy.clock.lint_spare_percent.min(100);
    // The path must end with `spare`% of the window left (L1 resolves before the window;
    // an escalation is on time at it, so the spare is what a person's pace needs).
    let usable = limit * (100 - spare) / 100;
    (path > usable).then(|| {
        Diagnostic::error(
            "ideal-path-too-long",
            name,
            format!(
                "at a person's pace the ideal path takes {path} min ({work} of work: handling, minimum checks{}{}) but the {} window is {limit} min, and {spare}% of it ({} min) must be left to spare",
                if verdict.scope_owner == Owner::ResolveAtL1 { ", runbook and fix" } else { ", a KB search" },
                if overrun > 0 { format!("; {overrun} min of reading and choosing beyond the clock's allowances") } else { String::new() },
                s.ticket_type,
                limit - usable
            ),
        )
        .at(locate(text, "minimum_checks:").or_else(|| locate(text, "fixes:")))
        .field("minimum_checks")
        .hint(format!(
            "the path may take at most {usable} min: shorten the minimum checks or the fix, move slower steps out of minimum_checks, or give the ticket type a longer window in the policy (docs/time.md)"
        ))
    })
}

/// What scenario references resolve against.
struct Known<'a> {
    kb_ids: &'a BTreeSet<String>,
    kb: &'a BTreeMap<String, KbArticle>,
}

/// One scenario file being linted: the helpers every named check uses.
struct ScenarioFile<'a> {
    name: &'a str,
    text: &'a str,
    s: &'a Scenario,
}

impl ScenarioFile<'_> {
    fn at(&self, needle: &str) -> Option<(usize, usize)> {
        locate(self.text, needle)
    }

    fn missing(&self, kind: &str, id: &str, field: String, known: &[&str]) -> Diagnostic {
        let d = Diagnostic::error(
            "missing-reference",
            self.name,
            format!("{kind} `{id}` does not exist"),
        )
        .at(self.at(&format!("\"{id}\"")))
        .field(field);
        match closest(id, known) {
            Some(guess) => d.hint(format!("did you mean `{guess}`?")),
            None if known.is_empty() => d,
            None => d.hint(format!("known: {}", known.join(", "))),
        }
    }

    /// Every fact change of steps and events, with the field it is written in.
    fn changes(&self) -> Vec<(String, &FactChange)> {
        let s = self.s;
        s.steps
            .iter()
            .enumerate()
            .flat_map(|(i, st)| {
                st.changes
                    .iter()
                    .map(move |c| (format!("steps[{i}].changes"), c))
            })
            .chain(s.events.iter().enumerate().flat_map(|(i, e)| {
                e.changes
                    .iter()
                    .map(move |c| (format!("events[{i}].changes"), c))
            }))
            .collect()
    }

    /// The KB references: (id, field).
    fn runbook_refs(&self) -> Vec<(String, String)> {
        let mut refs: Vec<(String, String)> = Vec::new();
        if let Some(r) = &self.s.l1_has.runbook {
            refs.push((r.clone(), "l1_has.runbook".into()));
        }
        for (field, change) in self.changes() {
            if let FactChange::Runbook(Some(r)) = change {
                refs.push((r.clone(), field));
            }
        }
        refs
    }

    /// The ticket-type references: (type, field).
    fn type_refs(&self) -> Vec<(String, String)> {
        let mut refs = vec![(self.s.ticket_type.clone(), "ticket_type".to_string())];
        for (field, change) in self.changes() {
            if let FactChange::TicketType(t) = change {
                refs.push((t.clone(), field));
            }
        }
        refs
    }
}

fn lint_scenario(
    file: &ParsedFile,
    s: &Scenario,
    known: &Known<'_>,
    policy: Option<&Policy>,
) -> Vec<Diagnostic> {
    let f = ScenarioFile {
        name: &file.name,
        text: &file.text,
        s,
    };
    let mut out = Vec::new();
    check_ranges(&f, &mut out);
    check_texts(&f, &mut out);
    check_unique_ids(&f, &mut out);
    check_step_references(&f, &mut out);
    check_kb_references(&f, known, &mut out);
    check_expected_fix(&f, &mut out);
    check_variables(&f, &mut out);
    let Some(policy) = policy else {
        return out;
    };
    let type_ok = check_ticket_types(&f, file, policy, &mut out);
    if !type_ok
        || out
            .iter()
            .any(|d| d.code == "missing-reference" && d.severity == Severity::Error)
    {
        return out;
    }
    let Ok(arrival) = engine::evaluate(s, &engine::Facts::at_arrival(s), 0, policy) else {
        return out;
    };
    let security_at_arrival = arrival.scope_owner == Owner::EscalateSecurity;
    check_diagnosis(&f, security_at_arrival, &mut out);
    check_l1_has_written(&f, security_at_arrival, &mut out);
    check_kb_coverage(&f, known, policy, &mut out);
    let Ok(final_verdict) = engine::final_verdict(s, policy) else {
        return out;
    };
    check_expectation(&f, &final_verdict, &mut out);
    check_l1_fix(&f, &final_verdict, &mut out);
    out.extend(ideal_path_problem(
        s,
        &final_verdict,
        policy,
        known.kb,
        f.name,
        f.text,
    ));
    check_security_checks(&f, security_at_arrival, &mut out);
    check_impact_rubric(&f, &final_verdict, policy, &mut out);
    check_variants(&f, policy, &mut out);
    out
}

/// Difficulty and patience within 1–5.
fn check_ranges(f: &ScenarioFile<'_>, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    for (field, value) in [
        ("difficulty", s.difficulty),
        ("client.patience", s.client.patience),
    ] {
        if !(1..=5).contains(&value) {
            let key = field.rsplit('.').next().unwrap_or(field);
            out.push(
                Diagnostic::error(
                    "out-of-range",
                    f.name,
                    format!("{key} {value} is outside 1–5"),
                )
                .at(f.at(&format!("{key}:")))
                .field(field),
            );
        }
    }
    for (field, change) in f.changes() {
        if let FactChange::Patience(p) = change
            && !(1..=5).contains(p)
        {
            out.push(
                Diagnostic::error(
                    "out-of-range",
                    f.name,
                    format!("patience {p} is outside 1–5"),
                )
                .at(f.at(&format!("Patience({p})")))
                .field(field),
            );
        }
    }
}

/// Title, ticket text and id are not empty.
fn check_texts(f: &ScenarioFile<'_>, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    for (field, value) in [
        ("title", &s.title),
        ("ticket_text", &s.ticket_text),
        ("id", &s.id),
    ] {
        if value.trim().is_empty() {
            out.push(
                Diagnostic::error("empty-text", f.name, format!("`{field}` is empty"))
                    .at(f.at(&format!("{field}:")))
                    .field(field),
            );
        }
    }
}

/// Step, fix and event ids are unique within the scenario.
fn check_unique_ids(f: &ScenarioFile<'_>, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    for (what, ids) in [
        (
            "step",
            s.steps.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        ),
        ("fix", s.fixes.iter().map(|x| x.id.as_str()).collect()),
        ("event", s.events.iter().map(|x| x.id.as_str()).collect()),
    ] {
        let mut seen = BTreeSet::new();
        for id in ids {
            if !seen.insert(id) {
                out.push(
                    Diagnostic::error(
                        "duplicate-id",
                        f.name,
                        format!("duplicate {what} id `{id}`"),
                    )
                    .at(f.at(&format!("\"{id}\"")))
                    .field(format!("{what}s"))
                    .hint("step, fix and event ids must be unique within a scenario"),
                );
            }
        }
    }
}

/// Minimum checks and event triggers name steps and fixes that exist.
fn check_step_references(f: &ScenarioFile<'_>, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    let step_ids: Vec<&str> = s.steps.iter().map(|x| x.id.as_str()).collect();
    let fix_ids: Vec<&str> = s.fixes.iter().map(|x| x.id.as_str()).collect();
    for (i, check) in s.minimum_checks.iter().enumerate() {
        if !step_ids.contains(&check.as_str()) {
            out.push(f.missing("step", check, format!("minimum_checks[{i}]"), &step_ids));
        }
    }
    for (i, event) in s.events.iter().enumerate() {
        match &event.trigger {
            Trigger::AfterStep(id) if !step_ids.contains(&id.as_str()) => {
                out.push(f.missing("step", id, format!("events[{i}].trigger"), &step_ids));
            }
            Trigger::AfterFix(id) if !fix_ids.contains(&id.as_str()) => {
                out.push(f.missing("fix", id, format!("events[{i}].trigger"), &fix_ids));
            }
            _ => {}
        }
    }
}

/// Every cited KB article exists.
fn check_kb_references(f: &ScenarioFile<'_>, known: &Known<'_>, out: &mut Vec<Diagnostic>) {
    let kb_known: Vec<&str> = known.kb_ids.iter().map(String::as_str).collect();
    for (id, field) in f.runbook_refs() {
        if !known.kb_ids.contains(&id) {
            out.push(f.missing("KB article", &id, field, &kb_known));
        }
    }
}

/// The expected fix exists and resolves.
fn check_expected_fix(f: &ScenarioFile<'_>, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    let Some(expected_fix) = &s.expected.fix else {
        return;
    };
    let fix_ids: Vec<&str> = s.fixes.iter().map(|x| x.id.as_str()).collect();
    match s.fix(expected_fix) {
        None => out.push(f.missing("fix", expected_fix, "expected.fix".into(), &fix_ids)),
        Some(fix) if !fix.resolves => out.push(
            Diagnostic::error(
                "expected-fix-does-not-resolve",
                f.name,
                format!("expected fix `{expected_fix}` has `resolves: false`"),
            )
            .at(f.at(&format!("\"{expected_fix}\"")))
            .field("expected.fix"),
        ),
        Some(_) => {}
    }
}

/// Template variables used are declared; pools and ranges are not empty.
fn check_variables(f: &ScenarioFile<'_>, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    for var in &template::used_variables(s) {
        if !s.variables.contains_key(var) {
            out.push(
                Diagnostic::error(
                    "undeclared-variable",
                    f.name,
                    format!("template variable `{{{var}}}` is used but not declared"),
                )
                .at(f.at(&format!("{{{var}}}")))
                .field("variables")
                .hint(format!(
                    "declare it: variables: {{ \"{var}\": Pool([...]) }}"
                )),
            );
        }
    }
    for (var, variable) in &s.variables {
        let problem = match variable {
            Variable::Pool(options) if options.is_empty() => {
                Some(("empty-pool", format!("variable `{var}` has an empty pool")))
            }
            Variable::Range { min, max, .. } if min > max => Some((
                "bad-range",
                format!("variable `{var}` has min {min} > max {max}"),
            )),
            _ => None,
        };
        if let Some((code, message)) = problem {
            out.push(
                Diagnostic::error(code, f.name, message)
                    .at(f.at(&format!("\"{var}\"")))
                    .field(format!("variables.{var}")),
            );
        }
    }
}

/// Every ticket type named is in the policy. False when one is not.
fn check_ticket_types(
    f: &ScenarioFile<'_>,
    file: &ParsedFile,
    policy: &Policy,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let mut ok = true;
    for (t, field) in f.type_refs() {
        if policy.ticket_type(&t).is_none() {
            ok = false;
            out.push(unknown_type(file, &t, &field, policy));
        }
    }
    ok
}

/// A ticket L1 diagnoses has steps, and one reveals the root cause. A security incident
/// from arrival needs neither: it is escalated at once.
fn check_diagnosis(f: &ScenarioFile<'_>, security_at_arrival: bool, out: &mut Vec<Diagnostic>) {
    if security_at_arrival {
        return;
    }
    let s = f.s;
    if s.steps.is_empty() {
        out.push(
            Diagnostic::error("no-steps", f.name, "scenario has no diagnostic steps")
                .at(f.at("steps:").or_else(|| f.at("root_cause:")))
                .field("steps")
                .hint("a ticket L1 works on needs the steps L1 can run (only a security incident from arrival needs none)"),
        );
    } else if !s.steps.iter().any(|st| st.reveals_cause) {
        out.push(
            Diagnostic::error(
                "unrevealed-root-cause",
                f.name,
                "no step ever reveals the root cause",
            )
            .at(f.at("root_cause:"))
            .field("steps")
            .hint("mark the step(s) whose finding points at the cause with `reveals_cause: true`"),
        );
    }
}

/// `l1_has` may be left out only on a security incident from arrival.
fn check_l1_has_written(
    f: &ScenarioFile<'_>,
    security_at_arrival: bool,
    out: &mut Vec<Diagnostic>,
) {
    if !security_at_arrival && f.at("l1_has:").is_none() {
        out.push(
            Diagnostic::error(
                "missing-field",
                f.name,
                "missing field `l1_has`: the ticket is not a security incident at arrival, so the ownership rule needs what L1 has",
            )
            .at(f.at("impact:"))
            .field("l1_has")
            .hint("add `l1_has: (tools: true, access: true, runbook: Some(\"kb-...\"))` (see docs/scenario-format.md)"),
        );
    }
}

/// Every cited article covers the ticket's types; conditions exceeded at arrival are
/// worth a warning (the article never applies as written).
fn check_kb_coverage(
    f: &ScenarioFile<'_>,
    known: &Known<'_>,
    policy: &Policy,
    out: &mut Vec<Diagnostic>,
) {
    let s = f.s;
    let types: Vec<String> = f.type_refs().into_iter().map(|(t, _)| t).collect();
    let arrival = engine::Facts::at_arrival(s);
    let arrival_type = engine::classify(&arrival, policy).0;
    for (id, field) in f.runbook_refs() {
        let Some(article) = known.kb.get(&id) else {
            continue;
        };
        let covered = article.ticket_types.is_empty()
            || types.iter().any(|t| {
                article.ticket_types.contains(t)
                    || article
                        .ticket_types
                        .contains(&engine::classify(&facts_of_type(&arrival, t), policy).0)
            });
        if !covered {
            let candidates: Vec<&str> = known
                .kb
                .values()
                .filter(|a| {
                    a.kind == crate::kb::ArticleKind::Resolution
                        && a.ticket_types.contains(&s.ticket_type)
                })
                .map(|a| a.id.as_str())
                .collect();
            out.push(
                Diagnostic::error(
                    "kb-does-not-cover",
                    f.name,
                    format!(
                        "`{id}` covers {} tickets, not `{}`: an article that does not cover the ticket is no documented procedure",
                        article.ticket_types.join(", "),
                        s.ticket_type
                    ),
                )
                .at(f.at(&format!("\"{id}\"")))
                .field(field)
                .hint(if candidates.is_empty() {
                    format!("no article in the KB covers `{}`: cite none (`runbook: None`) or write one", s.ticket_type)
                } else {
                    format!("articles covering `{}`: {}", s.ticket_type, candidates.join(", "))
                }),
            );
            continue;
        }
        if field == "l1_has.runbook"
            && let Some(why) = article.scope().not_covering(
                &arrival_type,
                arrival.users_affected,
                arrival.sites_affected,
                arrival.systems_affected,
            )
        {
            out.push(
                Diagnostic::warning(
                    "kb-does-not-apply",
                    f.name,
                    format!("`{id}` does not apply at arrival: {why}; the engine judges the ticket as having no documented procedure"),
                )
                .at(f.at(&format!("\"{id}\"")))
                .field(field),
            );
        }
    }
}

fn facts_of_type(facts: &engine::Facts, ticket_type: &str) -> engine::Facts {
    engine::Facts {
        ticket_type: ticket_type.to_string(),
        ..facts.clone()
    }
}

/// The author's expected owner agrees with the engine's end-state verdict. The hint
/// explains the engine's reasoning; it never asks the author to change facts.
fn check_expectation(f: &ScenarioFile<'_>, v: &Verdict, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    if v.scope_owner == s.expected.owner {
        return;
    }
    let lacks: Vec<String> = v.l1_lacks.iter().map(|l| l.reason.clone()).collect();
    let mut hint = format!(
        "once every step and event has played out the engine judges: {}",
        v.owner_reason
    );
    if !lacks.is_empty() {
        hint.push_str(&format!(" L1 lacks: {}", lacks.join(" ")));
    }
    hint.push_str(" If the facts are right, the expectation is what changes; `dojo explain FILE` shows the verdict minute by minute.");
    out.push(
        Diagnostic::error(
            "expectation-disagrees",
            f.name,
            format!(
                "expected owner {:?} but the engine says {:?}: {}",
                s.expected.owner, v.scope_owner, v.owner_reason
            ),
        )
        .at(f.at("expected:"))
        .field("expected.owner")
        .hint(hint),
    );
}

/// An L1-owned ticket has a fix L1 can apply that resolves it, and names it.
fn check_l1_fix(f: &ScenarioFile<'_>, v: &Verdict, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    if v.scope_owner != Owner::ResolveAtL1 {
        return;
    }
    if !s.fixes.iter().any(|x| x.resolves && x.requires.is_empty()) {
        out.push(
            Diagnostic::error(
                "no-l1-fix",
                f.name,
                "the engine says L1 owns this ticket (tools, access and a resolution procedure) but no fix L1 can apply resolves it",
            )
            .at(f.at("fixes:").or_else(|| f.at("steps:")))
            .field("fixes")
            .hint("an L1-owned ticket needs the fix its runbook documents: write it (`resolves: true`, no `requires`); `dojo explain FILE` shows why the engine calls it L1"),
        );
    }
    if s.expected.fix.is_none() {
        out.push(
            Diagnostic::warning(
                "no-expected-fix",
                f.name,
                "L1-owned scenario names no expected fix",
            )
            .at(f.at("expected:"))
            .field("expected.fix"),
        );
    }
}

/// Minimum checks on a security incident from arrival are never asked for.
fn check_security_checks(
    f: &ScenarioFile<'_>,
    security_at_arrival: bool,
    out: &mut Vec<Diagnostic>,
) {
    if security_at_arrival && !f.s.minimum_checks.is_empty() {
        out.push(
            Diagnostic::warning(
                "security-checks",
                f.name,
                "the ticket is a security incident from arrival: it is escalated at once, so its minimum checks are never asked for",
            )
            .at(f.at("minimum_checks:"))
            .field("minimum_checks"),
        );
    }
}

/// The impact rubric (docs/scenario-format.md, "Impact rubric"): a security incident
/// rates what is exposed; a deadline that soon lands with a Low risk is worth a look.
fn check_impact_rubric(
    f: &ScenarioFile<'_>,
    v: &Verdict,
    policy: &Policy,
    out: &mut Vec<Diagnostic>,
) {
    let s = f.s;
    let rates_exposure = s.impact.exposure.is_some()
        || f.changes()
            .iter()
            .any(|(_, c)| matches!(c, FactChange::Exposure(_)));
    if v.scope_owner == Owner::EscalateSecurity && !rates_exposure {
        out.push(
            Diagnostic::warning(
                "impact-rubric",
                f.name,
                "a security incident without `exposure`: its priority then counts only users, function and risk",
            )
            .at(f.at("impact:"))
            .field("impact.exposure")
            .hint("rate what the attacker reaches (rubric: Low nothing sensitive, Medium one user's mail/files, High sensitive data or a privileged person — finance, HR, client files, an executive — Critical admin rights, payments or tenant-wide access): `exposure: Some(High)` in `impact`, or an `Exposure(High)` change on the event that reveals it"),
        );
    }
    if let Some(d) = s.impact.deadline_minutes
        && d <= policy.urgency.high_within_minutes
        && s.impact.risk == crate::scenario::Level::Low
    {
        out.push(
            Diagnostic::warning(
                "impact-rubric",
                f.name,
                format!("harm lands {d} min after arrival but `risk` is Low"),
            )
            .at(f.at("risk:"))
            .field("impact.risk")
            .hint("by the rubric, risk rates what missing the deadline costs: Low nothing if it waits a day, Medium some cost or an unhappy client, High money or reputation (a board meeting, a court filing, payroll), Critical regulatory or business-stopping — rate what is at stake, not the priority you want"),
        );
    }
}

/// Template variants do not move the verdict unless allowed. Only ranges bound to a
/// fact can: the engine reads no free text, so pools never change a verdict.
fn check_variants(f: &ScenarioFile<'_>, policy: &Policy, out: &mut Vec<Diagnostic>) {
    let s = f.s;
    let binds_a_fact = s
        .variables
        .values()
        .any(|v| matches!(v, Variable::Range { sets: Some(_), .. }));
    if !binds_a_fact || s.verdict_may_vary {
        return;
    }
    let base = verdict_signature(&engine::final_verdict(&template::instantiate(s, 0), policy));
    for seed in 1..VARIANT_SAMPLE {
        let variant = verdict_signature(&engine::final_verdict(
            &template::instantiate(s, seed),
            policy,
        ));
        if variant != base {
            out.push(
                Diagnostic::error(
                    "variant-changes-verdict",
                    f.name,
                    format!("template variants disagree: seed {seed} gives `{variant}` but seed 0 gives `{base}`"),
                )
                .at(f.at("variables:"))
                .field("variables")
                .hint("narrow the range, or set `verdict_may_vary: true` if that is intended"),
            );
            break;
        }
    }
}
