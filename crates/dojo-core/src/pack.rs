//! Packs: the built-in pack embedded in the binary, packs on disk (`--pack DIR`) and
//! the policy (`--policy FILE`), merged into one [`Pack`] the rest of the app reads.
//!
//! Later packs replace earlier items with the same id. Loading never panics: every
//! problem is a located [`Diagnostic`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

use crate::curriculum::Curriculum;
use crate::input;
use crate::kb::KbArticle;
use crate::policy::Policy;
use crate::scenario::Scenario;
use crate::shift::Shift;
use crate::validate::{self, Context, Diagnostic, Item, Report, Severity, Source};

/// The `scenarios/` folder, embedded at build time.
static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../scenarios");

/// Name of the default policy file inside `scenarios/`.
pub const POLICY_FILE: &str = "policy.ron";

/// The built-in pack's files (policy, scenarios, KB, shifts) as sources named
/// `builtin:<path>`, sorted by path.
pub fn builtin_sources() -> Vec<Source> {
    let mut out = Vec::new();
    collect_embedded(&BUILTIN, &mut out);
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn collect_embedded(dir: &Dir<'_>, out: &mut Vec<Source>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "ron") {
            out.push(Source {
                name: format!("builtin:{}", file.path().display()),
                bytes: file.contents().to_vec(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// The built-in policy alone (`scenarios/policy.ron`).
pub fn builtin_policy() -> Result<Policy, Diagnostic> {
    let source = builtin_sources()
        .into_iter()
        .find(|s| s.name == format!("builtin:{POLICY_FILE}"))
        .ok_or_else(|| {
            io_problem(
                Path::new(POLICY_FILE),
                &std::io::Error::other("not embedded"),
            )
        })?;
    match validate::parse_source(&source)?.item {
        Item::Policy(p) => Ok(*p),
        _ => Err(io_problem(
            Path::new(POLICY_FILE),
            &std::io::Error::other("not a policy"),
        )),
    }
}

/// Every `.ron` file under a path (a file, or a folder searched recursively), sorted,
/// read by [`crate::input`] (regular files only, 1 MiB at most, BOM and CRLF read as
/// plain text). A path that cannot be read, and a folder with no `.ron` file in it,
/// become diagnostics. A folder linked twice (or a symlink loop) is searched once.
pub fn sources_from_path(path: &Path) -> (Vec<Source>, Vec<Diagnostic>) {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    if path.is_dir() {
        let mut stack = vec![path.to_path_buf()];
        let mut seen = BTreeSet::new();
        while let Some(dir) = stack.pop() {
            if !seen.insert(std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone())) {
                continue;
            }
            match std::fs::read_dir(&dir) {
                Ok(entries) => {
                    for entry in entries.flatten() {
                        let p = entry.path();
                        if p.is_dir() {
                            stack.push(p);
                        } else if p.extension().is_some_and(|e| e == "ron") {
                            files.push(p);
                        }
                    }
                }
                Err(e) => problems.push(io_problem(&dir, &e)),
            }
        }
        files.sort();
        if files.is_empty() && problems.is_empty() {
            problems.push(Diagnostic {
                severity: Severity::Error,
                code: "no-files",
                file: path.display().to_string(),
                line: None,
                column: None,
                field: None,
                message: "no files found: the folder holds no `.ron` file".into(),
                hint: Some(
                    "pack files end in `.ron`; name a file or a folder that holds some".into(),
                ),
            });
        }
    } else {
        files.push(path.to_path_buf());
    }
    for file in files {
        match read_source(&file) {
            Ok(source) => sources.push(source),
            Err(d) => problems.push(d),
        }
    }
    (sources, problems)
}

/// One pack file (or policy) through [`crate::input`], as a [`Source`]; a problem as a
/// located diagnostic (`not-a-file`, `too-large`, `io`).
pub fn read_source(path: &Path) -> Result<Source, Diagnostic> {
    match input::read_bytes(path, input::MAX_TEXT_BYTES) {
        Ok(bytes) => Ok(Source {
            name: path.display().to_string(),
            bytes: input::normalise(bytes),
        }),
        Err(e) => Err(read_problem(&e)),
    }
}

/// A reader's error as a diagnostic.
pub fn read_problem(e: &input::ReadError) -> Diagnostic {
    let (code, hint) = match e {
        input::ReadError::NotAFile { .. } => (
            "not-a-file",
            Some("name a regular file (a FIFO, device or folder is never read)"),
        ),
        input::ReadError::TooLarge { .. } => (
            "too-large",
            Some("split it into several files, one scenario or article each"),
        ),
        input::ReadError::NotUtf8 { .. } => ("not-utf8", Some("save the file as UTF-8")),
        input::ReadError::Io { .. } => ("io", None),
    };
    Diagnostic {
        severity: Severity::Error,
        code,
        file: e.path().to_string(),
        line: None,
        column: None,
        field: None,
        message: e.reason(),
        hint: hint.map(str::to_string),
    }
}

fn io_problem(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code: "io",
        file: path.display().to_string(),
        line: None,
        column: None,
        field: None,
        message: format!("cannot read: {e}"),
        hint: None,
    }
}

/// Where a pack's content comes from.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Extra pack folders, in order; later ones replace earlier items by id.
    pub packs: Vec<PathBuf>,
    /// A policy file replacing the built-in one.
    pub policy: Option<PathBuf>,
    /// Leave the built-in scenarios, KB and shifts out (the built-in policy stays
    /// unless `policy` is given).
    pub without_builtin: bool,
}

/// The content the app runs on: one policy, scenarios, KB articles, shifts and the
/// onboarding curricula.
#[derive(Debug, Clone)]
pub struct Pack {
    /// The policy in force.
    pub policy: Policy,
    /// Scenarios by id.
    pub scenarios: BTreeMap<String, Scenario>,
    /// KB articles by id.
    pub kb: BTreeMap<String, KbArticle>,
    /// Shifts by id.
    pub shifts: BTreeMap<String, Shift>,
    /// Onboarding curricula by id (`onboarding` is the built-in one).
    pub curricula: BTreeMap<String, Curriculum>,
    /// SHA-256 (hex) over the scenario, KB and shift files in use.
    pub content_hash: String,
    /// SHA-256 (hex) of the policy file in use.
    pub policy_hash: String,
    /// The KB search index.
    pub kb_index: crate::kb::KbIndex,
    /// The note scorer's signatures of the scenarios' fixed texts.
    pub note_signatures: crate::note::SignatureCache,
}

fn sha256_hex(chunks: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for chunk in chunks {
        hasher.update((chunk.len() as u64).to_le_bytes());
        hasher.update(chunk);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Pack {
    /// The built-in pack alone.
    pub fn builtin() -> Result<Pack, Vec<Diagnostic>> {
        Pack::load(&PackOptions::default())
    }

    /// Loads the built-in pack, then each `--pack` folder, then the policy. Fails with
    /// every error found (warnings are not errors).
    pub fn load(options: &PackOptions) -> Result<Pack, Vec<Diagnostic>> {
        Pack::load_with(options, Vec::new())
    }

    /// Loads like [`Pack::load`], with `extra` sources (already in memory, e.g. a
    /// scenario being edited) added last, so they replace content of the same id.
    pub fn load_with(options: &PackOptions, extra: Vec<Source>) -> Result<Pack, Vec<Diagnostic>> {
        let (effective, mut problems) = effective_files(options, extra);
        problems.extend(validate::lint(&effective, &Context::default()));
        problems.retain(|d| d.severity == Severity::Error);
        if !problems.is_empty() {
            return Err(problems);
        }
        Pack::build(&effective)
    }

    /// The pack of files already parsed, merged and linted.
    fn build(effective: &[validate::ParsedFile]) -> Result<Pack, Vec<Diagnostic>> {
        let mut pack = Pack {
            policy: match effective.iter().find_map(|f| match &f.item {
                Item::Policy(p) => Some((**p).clone()),
                _ => None,
            }) {
                Some(p) => p,
                None => {
                    return Err(vec![io_problem(
                        Path::new(POLICY_FILE),
                        &std::io::Error::other("no policy file found"),
                    )]);
                }
            },
            scenarios: BTreeMap::new(),
            kb: BTreeMap::new(),
            shifts: BTreeMap::new(),
            curricula: BTreeMap::new(),
            content_hash: String::new(),
            policy_hash: String::new(),
            kb_index: crate::kb::KbIndex::default(),
            note_signatures: crate::note::SignatureCache::default(),
        };
        let mut content: Vec<&[u8]> = Vec::new();
        for file in effective {
            match &file.item {
                Item::Scenario(s) => {
                    pack.scenarios.insert(s.id.clone(), (**s).clone());
                }
                Item::KbArticle(a) => {
                    pack.kb.insert(a.id.clone(), (**a).clone());
                }
                Item::Shift(s) => {
                    pack.shifts.insert(s.id.clone(), (**s).clone());
                }
                Item::Policy(_) => {
                    pack.policy_hash = sha256_hex(&[file.text.as_bytes()]);
                    continue;
                }
                // A curriculum changes no simulation: it stays out of the content hash,
                // so editing the path never invalidates a stored log.
                Item::Curriculum(c) => {
                    pack.curricula.insert(c.id.clone(), (**c).clone());
                    continue;
                }
            }
            content.push(file.text.as_bytes());
        }
        pack.content_hash = sha256_hex(&content);
        for scenario in pack.scenarios.values_mut() {
            scenario.resolve_kb(&pack.kb);
        }
        pack.kb_index = crate::kb::KbIndex::new(pack.kb.values());
        pack.note_signatures = crate::note::SignatureCache::new(pack.scenarios.values());
        Ok(pack)
    }
}

/// Every source of the options and `extra` parsed, later items replacing earlier ones by
/// id, with the parse errors.
fn effective_files(
    options: &PackOptions,
    extra: Vec<Source>,
) -> (Vec<validate::ParsedFile>, Vec<Diagnostic>) {
    let (mut sources, mut problems) = gather_sources(options);
    sources.extend(extra);
    let policy_source = policy_source(options, &mut problems);
    let mut parsed = Vec::new();
    for source in sources.iter().chain(policy_source.iter()) {
        match validate::parse_source(source) {
            Ok(file) => parsed.push(file),
            Err(d) => problems.push(d),
        }
    }
    // Later items replace earlier ones by id: keep the last of each.
    let mut last_of: BTreeMap<(u8, String), usize> = BTreeMap::new();
    for (i, file) in parsed.iter().enumerate() {
        let key = match &file.item {
            Item::Scenario(s) => (0, s.id.clone()),
            Item::KbArticle(a) => (1, a.id.clone()),
            Item::Shift(s) => (2, s.id.clone()),
            Item::Policy(_) => (3, String::new()),
            Item::Curriculum(c) => (4, c.id.clone()),
        };
        last_of.insert(key, i);
    }
    let keep: BTreeSet<usize> = last_of.values().copied().collect();
    let effective = parsed
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, f)| f)
        .collect();
    (effective, problems)
}

/// The pack as far as it loads, for authors: every item that parses and lints clean is
/// kept (built-in, then `--pack` folders, then `extra`), each item with an error is left
/// out, and every diagnostic (errors and warnings) is returned beside it. `dojo explain`
/// answers from it even when some other scenario in the pack is wrong.
pub fn load_lenient(options: &PackOptions, extra: Vec<Source>) -> (Option<Pack>, Vec<Diagnostic>) {
    let (effective, mut problems) = effective_files(options, extra);
    let lints = validate::lint(&effective, &Context::default());
    let bad: BTreeSet<String> = lints
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.file.clone())
        .collect();
    problems.extend(lints);
    let kept: Vec<validate::ParsedFile> = effective
        .into_iter()
        .filter(|f| !bad.contains(&f.name))
        .collect();
    (Pack::build(&kept).ok(), problems)
}

/// The references a file being validated resolves against: the pack the options name
/// (built-in and `--pack` folders), as far as it loads. `validate` and `explain` use the
/// same one, so both find a pack folder's KB articles.
pub fn authoring_context(options: &PackOptions) -> Context {
    let (pack, _) = load_lenient(options, Vec::new());
    let mut context = Context::default();
    if let Some(pack) = pack {
        context.kb_ids = pack.kb.keys().cloned().collect();
        context.kb = pack.kb.clone();
        context.scenario_ids = pack.scenarios.keys().cloned().collect();
        context.scenarios = pack.scenarios.clone();
        context.shift_ids = pack.shifts.keys().cloned().collect();
        context.policy = Some(pack.policy.clone());
    }
    context
}

/// The scenario, KB and shift sources of the options (built-in first, then packs).
fn gather_sources(options: &PackOptions) -> (Vec<Source>, Vec<Diagnostic>) {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    if !options.without_builtin {
        sources.extend(
            builtin_sources()
                .into_iter()
                .filter(|s| s.name != format!("builtin:{POLICY_FILE}")),
        );
    }
    for pack in &options.packs {
        if !pack.exists() {
            problems.push(io_problem(
                pack,
                &std::io::Error::other("no such pack folder"),
            ));
            continue;
        }
        let (found, errs) = sources_from_path(pack);
        problems.extend(errs);
        sources.extend(found.into_iter().filter(|s| {
            // A policy inside a pack folder is only used through --policy.
            validate::check_text(s)
                .ok()
                .and_then(|t| validate::detect_kind(&s.name, t).ok())
                != Some(validate::FileKind::Policy)
        }));
    }
    (sources, problems)
}

/// The policy source: `--policy FILE` or the built-in one.
fn policy_source(options: &PackOptions, problems: &mut Vec<Diagnostic>) -> Option<Source> {
    match &options.policy {
        Some(path) => match read_source(path) {
            Ok(source) => Some(source),
            Err(d) => {
                problems.push(d);
                None
            }
        },
        None => builtin_sources()
            .into_iter()
            .find(|s| s.name == format!("builtin:{POLICY_FILE}")),
    }
}

/// Validates files as `dojo validate` does. With no paths, the built-in pack (and the
/// `--pack` folders). With paths, those files; their references resolve against the
/// built-in pack as well, and the policy is `--policy`, a policy among the files, or
/// the built-in one.
pub fn validate_paths(paths: &[PathBuf], options: &PackOptions) -> Report {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    let mut context = Context::default();
    if paths.is_empty() {
        let (s, p) = gather_sources(options);
        sources = s;
        problems.extend(p);
    } else {
        for path in paths {
            let (s, p) = sources_from_path(path);
            sources.extend(s);
            problems.extend(p);
        }
        if sources.is_empty() {
            // Nothing to check (an empty folder, a path that cannot be read): the
            // problems alone, not the built-in policy counted as "1 file checked".
            return Report {
                diagnostics: problems,
                ..Report::default()
            };
        }
        context = authoring_context(options);
        context.policy = None;
    }
    let has_policy = |sources: &[Source]| {
        sources.iter().any(|s| {
            validate::check_text(s)
                .ok()
                .and_then(|t| validate::detect_kind(&s.name, t).ok())
                == Some(validate::FileKind::Policy)
        })
    };
    if (options.policy.is_some() || !has_policy(&sources))
        && let Some(p) = policy_source(options, &mut problems)
    {
        sources.push(p);
    }
    let mut report = validate::validate(&sources, &context);
    problems.extend(report.diagnostics);
    report.diagnostics = problems;
    report
}

/// What `dojo explain` answers about: the scenario (by id from the pack, or a file that
/// replaces the pack's scenario of the same id), the pack as far as it loads, and the
/// problems of that file (lint errors included: the engine answers anyway).
#[derive(Debug, Clone)]
pub struct ExplainTarget {
    /// The scenario, KB resolved; `None` when `key` is neither a file nor a pack id.
    pub scenario: Option<Scenario>,
    /// The pack as far as it loads (its policy judges the scenario).
    pub pack: Pack,
    /// Diagnostics of the file being explained (none for a pack id that loads clean).
    pub file_problems: Vec<Diagnostic>,
}

/// Resolves `dojo explain`'s argument the way `dojo validate --pack` does. Fails only
/// when the file cannot be read as a scenario or no policy loads.
pub fn explain_target(options: &PackOptions, key: &str) -> Result<ExplainTarget, Vec<Diagnostic>> {
    let path = Path::new(key);
    // A FIFO or device is named (and refused by the reader), never taken for an id.
    let file = if path.is_file() || (path.exists() && !path.is_dir()) {
        let (sources, problems) = sources_from_path(path);
        if !problems.is_empty() {
            return Err(problems);
        }
        sources.into_iter().next()
    } else {
        None
    };
    let (pack, problems) = load_lenient(options, file.iter().cloned().collect());
    let Some(pack) = pack else {
        return Err(problems
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect());
    };
    let Some(source) = file else {
        let scenario = pack.scenarios.get(key).cloned();
        let file_problems = match &scenario {
            Some(_) => Vec::new(),
            None => problems
                .into_iter()
                .filter(|d| d.file.ends_with(&format!("/{key}.ron")))
                .collect(),
        };
        return Ok(ExplainTarget {
            scenario,
            pack,
            file_problems,
        });
    };
    let parsed = validate::parse_source(&source).map_err(|d| vec![d])?;
    let Item::Scenario(scenario) = parsed.item else {
        return Err(vec![Diagnostic {
            severity: Severity::Error,
            code: "wrong-kind",
            file: source.name.clone(),
            line: None,
            column: None,
            field: None,
            message: "this file is not a scenario".into(),
            hint: Some("`dojo explain` takes a scenario id or a scenario file".into()),
        }]);
    };
    let mut scenario = *scenario;
    scenario.resolve_kb(&pack.kb);
    let file_problems = problems
        .into_iter()
        .filter(|d| d.file == source.name)
        .collect();
    Ok(ExplainTarget {
        scenario: Some(scenario),
        pack,
        file_problems,
    })
}
