//! Team competitions: everyone plays the same shift under the same rules; each result is
//! re-simulated from its log and graded again ([`verify`]); the leaderboard ranks people
//! and teams on a balanced composite ([`leaderboard`]).
//!
//! A competition file is RON (`Competition(...)`, see `docs/competitions.md`). It names a
//! shift of the pack by id and carries the seed, the rules, the SHA-256 of the pack and
//! policy it was made for, the roster (participant → team) and the scoring composite.
//! Its own identity is the SHA-256 of its bytes ([`Competition::content_hash`]), stamped
//! into every participant's log header.
//!
//! Plain Rust over the session core; no Bevy types. The app's Competition mode calls:
//! [`Competition::read`] → [`Competition::participant`] → [`Competition::start_session`]
//! and [`Competition::header`] → play → [`finish_result`] → [`write_result`].

pub mod leaderboard;
pub mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::grading;
use crate::grading::ticket::Component;
use crate::pack::Pack;
pub use crate::policy::Composite;
use crate::scenario::Owner;
use crate::shift::{Mode, Rules, Shift};
use crate::sim::record::{self, CompetitionStamp, LogHeader, RecordError, SessionResult};
use crate::sim::session::{Session, SessionError, Status};
use crate::validate::{self, Diagnostic, Severity, Source};

pub use leaderboard::{Leaderboard, LeaderboardFormat, Standing, TeamStanding};
pub use verify::{Accepted, Rejection, ResultFile, Verified};

/// The file name a competition folder holds its competition file under.
pub const COMPETITION_FILE: &str = "competition.ron";

/// Competition and result files larger than this are refused before parsing.
pub const MAX_RESULT_BYTES: usize = 32 * 1024 * 1024;

/// A competition: one shift, one seed, one set of rules for everyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Competition {
    /// Shown to participants and on the leaderboard.
    pub name: String,
    /// What it is about (optional).
    #[serde(default)]
    pub description: String,
    /// The shift played: an id of the pack (the pack hash pins its definition).
    pub shift: String,
    /// The session seed: the same tickets in the same order for everyone.
    pub seed: u64,
    /// The rules, replacing the shift's: a competition forbids pause and hides hints.
    pub rules: Rules,
    /// SHA-256 of the scenario, KB and shift files the competition was made for.
    pub pack_hash: String,
    /// SHA-256 of the policy file it was made for.
    pub policy_hash: String,
    /// The roster: participant name → team. Empty: anyone may enter, under the team
    /// their result names.
    #[serde(default)]
    pub teams: BTreeMap<String, String>,
    /// The leaderboard's composite.
    pub scoring: Composite,
    /// Each participant plays a personal variant of the shift ([`Competition::variant_of`]):
    /// the same tickets, arrivals, facts, verdicts and scoring, but their own surface
    /// details (names, IPs, error ids), so a log copied from someone else does not fit the
    /// copier. Absent (older files): everyone plays the same text.
    #[serde(default)]
    pub personal_variants: bool,
    /// SHA-256 of the file's bytes (set when read; not part of the file).
    #[serde(skip)]
    hash: String,
}

/// Who plays: a name and, if any, a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// The name, as on the roster.
    pub name: String,
    /// The team.
    pub team: Option<String>,
}

/// Why a competition cannot be played or verified here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompeteError {
    /// The pack or policy in use is not the one the competition was made for.
    #[error("{0}")]
    WrongContent(String),
    /// The shift is not in the pack.
    #[error("the competition's shift `{0}` is not in the pack")]
    UnknownShift(String),
    /// The session cannot start.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The participant cannot enter.
    #[error("{0}")]
    Participant(String),
    /// The name breaks the one rule for names ([`crate::names`]).
    #[error("{0}")]
    Name(String),
}

/// SHA-256 of bytes, lower-case hex (what `sha256sum` prints).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key participants are told apart by: the one rule for names
/// ([`crate::names::key`]: normalised, spacing collapsed, case-folded, by confusable
/// skeleton), so look-alike names are one participant.
pub fn participant_key(name: &str) -> String {
    crate::names::key(name)
}

impl Competition {
    /// A new competition on a shift of the pack, with the pack's hashes, the roster
    /// (participant → team; empty: anyone may enter) and the policy's default composite;
    /// the rules are the shift's real-time limit with pause and hints off. Its
    /// [`content_hash`](Competition::content_hash) is that of [`to_ron`](Competition::to_ron):
    /// write exactly that text.
    pub fn new(
        name: &str,
        shift: &Shift,
        seed: u64,
        pack: &Pack,
        teams: BTreeMap<String, String>,
    ) -> Competition {
        let mut c = Competition {
            name: name.to_string(),
            description: shift.description.clone(),
            shift: shift.id.clone(),
            seed,
            rules: Rules {
                pause_allowed: false,
                hints_shown: false,
                real_time_limit_minutes: shift.rules.real_time_limit_minutes,
                time_extensions: None,
            },
            pack_hash: pack.content_hash.clone(),
            policy_hash: pack.policy_hash.clone(),
            teams,
            scoring: pack.policy.competition.clone(),
            personal_variants: true,
            hash: String::new(),
        };
        c.hash = sha256_hex(c.to_ron().as_bytes());
        c
    }

    /// The competition as RON text, as `dojo compete new` writes it.
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(3)
            .indentor("    ".to_string())
            .struct_names(true);
        let body = ron::ser::to_string_pretty(self, config).unwrap_or_default();
        format!(
            "// A competition: every participant plays this shift, seed and rules.\n\
             // Any edit changes the file's SHA-256, and results stamped with the old one are\n\
             // rejected: hand the file out before play and leave it unchanged.\n\
             {body}\n"
        )
    }

    /// SHA-256 (hex) of the competition file's bytes, as `sha256sum` prints it. Results
    /// carry it; a result stamped with another hash was played under another file. For a
    /// competition read with [`parse`](Competition::parse) or [`read`](Competition::read),
    /// the hash of the text read (the reader drops a BOM and reads CRLF as LF, so a copy
    /// saved by a Windows editor keeps its identity; a plain LF file's hash is what
    /// `sha256sum` prints); for one made with [`new`](Competition::new), the hash
    /// of its `to_ron()` text (fields changed afterwards are not reflected: write the
    /// text and read it back).
    pub fn content_hash(&self) -> &str {
        &self.hash
    }

    /// The stamp written into each participant's log header.
    pub fn stamp(&self) -> CompetitionStamp {
        CompetitionStamp {
            name: self.name.clone(),
            hash: self.hash.clone(),
        }
    }

    /// Parses a competition file and checks it against the pack in use (when given):
    /// every problem as a located [`Diagnostic`] (file:line:column, field, hint).
    pub fn parse(source: &Source, pack: Option<&Pack>) -> Result<Competition, Vec<Diagnostic>> {
        let text = validate::check_text(source).map_err(|d| vec![d])?;
        let mut competition: Competition =
            validate::parse_as(&source.name, text).map_err(|d| vec![d])?;
        competition.hash = sha256_hex(&source.bytes);
        let problems: Vec<Diagnostic> = competition
            .lint(&source.name, text, pack)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if problems.is_empty() {
            Ok(competition)
        } else {
            Err(problems)
        }
    }

    /// Reads a competition file from disk and checks it (see [`Competition::parse`]).
    pub fn read(path: &Path, pack: Option<&Pack>) -> Result<Competition, Vec<Diagnostic>> {
        let name = path.display().to_string();
        let bytes = crate::input::read_bytes(path, crate::input::MAX_TEXT_BYTES).map_err(|e| {
            vec![diagnostic(
                "io",
                &name,
                None,
                None,
                format!("cannot read the competition file: {}", e.reason()),
                Some("`dojo compete new --shift ID --out FILE` writes one"),
            )]
        })?;
        let bytes = crate::input::normalise(bytes);
        Competition::parse(&Source { name, bytes }, pack)
    }

    /// Every problem of a parsed competition, located in its text.
    pub fn lint(&self, file: &str, text: &str, pack: Option<&Pack>) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut error = |code, needle: &str, field: &str, message: String, hint: Option<&str>| {
            out.push(diagnostic(
                code,
                file,
                validate::locate(text, needle),
                Some(field),
                message,
                hint,
            ));
        };
        if self.name.trim().is_empty() {
            error(
                "empty",
                "name",
                "name",
                "the competition has no name".into(),
                Some("participants see the name: `name: \"Friday cup\"`"),
            );
        }
        if self.rules.pause_allowed {
            error(
                "competition-rules",
                "pause_allowed",
                "rules.pause_allowed",
                "a competition forbids pausing: everyone plays against the same clock".into(),
                Some("set `pause_allowed: false`"),
            );
        }
        if self.rules.hints_shown {
            error(
                "competition-rules",
                "hints_shown",
                "rules.hints_shown",
                "a competition hides the framework's hints".into(),
                Some("set `hints_shown: false`"),
            );
        }
        if self.rules.real_time_limit_minutes == Some(0) {
            error(
                "out-of-range",
                "real_time_limit_minutes",
                "rules.real_time_limit_minutes",
                "a real-time limit of 0 minutes leaves no time to play".into(),
                Some("give the limit in real minutes, or `None` for no limit"),
            );
        }
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (name, team) in &self.teams {
            let needle = format!("\"{name}\"");
            for (what, value) in [("participant", name), ("team", team)] {
                match crate::names::clean(value) {
                    Ok(clean) if clean == *value => {}
                    Ok(clean) => error(
                        "name-rule",
                        &needle,
                        &format!("teams[\"{}\"]", name.escape_debug()),
                        format!(
                            "the {what} name \"{}\" is not written as the name rule gives it: \"{clean}\" (Unicode NFC, single spaces, no spaces at the ends)",
                            value.escape_debug()
                        ),
                        Some("write the name as shown"),
                    ),
                    Err(crate::names::NameError::Empty) => {}
                    Err(e) => error(
                        "name-rule",
                        &needle,
                        &format!("teams[\"{}\"]", name.escape_debug()),
                        format!("the {what} name \"{}\": {e}", value.escape_debug()),
                        Some("a name is printable text: no control, format or bidi characters"),
                    ),
                }
            }
            if name.trim().is_empty() {
                error(
                    "empty",
                    &needle,
                    "teams",
                    "a participant on the roster has an empty name".into(),
                    None,
                );
            } else if let Some(other) = seen.insert(participant_key(name), name) {
                error(
                    "duplicate-participant",
                    &needle,
                    &format!("teams[\"{name}\"]"),
                    format!(
                        "`{name}` and `{other}` are the same participant (names are told apart \
                         without case, spacing, Unicode form or look-alike characters)"
                    ),
                    Some("list each participant once"),
                );
            }
            if team.trim().is_empty() {
                error(
                    "empty",
                    &needle,
                    &format!("teams[\"{name}\"]"),
                    format!("`{name}` has an empty team name"),
                    None,
                );
            }
        }
        let s = &self.scoring;
        if s.ownership + s.timing + s.notes + s.security == 0 {
            error(
                "out-of-range",
                "scoring",
                "scoring",
                "every composite weight is 0: nothing would be ranked".into(),
                Some("e.g. `(ownership: 40, timing: 20, notes: 20, security: 20, ...)`"),
            );
        }
        if !(s.auto_fail_factor.is_finite() && (0.0..=1.0).contains(&s.auto_fail_factor)) {
            error(
                "out-of-range",
                "auto_fail_factor",
                "scoring.auto_fail_factor",
                format!(
                    "auto_fail_factor is {}; it must be between 0 and 1 (each security auto-fail multiplies the composite by it)",
                    s.auto_fail_factor
                ),
                None,
            );
        }
        if let Some(pack) = pack {
            if !pack.shifts.contains_key(&self.shift) {
                let known: Vec<&str> = pack.shifts.keys().map(String::as_str).collect();
                let hint = match validate::closest(&self.shift, &known) {
                    Some(guess) => format!("did you mean `{guess}`?"),
                    None => format!("the pack's shifts: {}", known.join(", ")),
                };
                error(
                    "missing-reference",
                    &format!("\"{}\"", self.shift),
                    "shift",
                    format!("shift `{}` is not in the pack", self.shift),
                    Some(&hint),
                );
            }
            if let Err(message) = self.check_content(pack) {
                let field = if self.pack_hash != pack.content_hash {
                    "pack_hash"
                } else {
                    "policy_hash"
                };
                error(
                    "wrong-content",
                    field,
                    field,
                    message,
                    Some(
                        "play and verify with the same app version, `--pack` folders and `--policy` the competition was made with, or make a new competition",
                    ),
                );
            }
        }
        out
    }

    /// Checks that the pack and policy in use are the ones the competition was made for.
    pub fn check_content(&self, pack: &Pack) -> Result<(), String> {
        if self.pack_hash != pack.content_hash {
            return Err(format!(
                "the competition was made for scenario pack {} but the pack in use is {}",
                short_hash(&self.pack_hash),
                short_hash(&pack.content_hash)
            ));
        }
        if self.policy_hash != pack.policy_hash {
            return Err(format!(
                "the competition was made for policy {} but the policy in use is {}",
                short_hash(&self.policy_hash),
                short_hash(&pack.policy_hash)
            ));
        }
        Ok(())
    }

    /// A participant's personal variant: the seed of their surface details, derived from
    /// the competition (its seed and pack) and the participant's name under the name rule
    /// ([`crate::names::key`]), so look-alike spellings get the same variant. `None` when
    /// the competition has no personal variants.
    pub fn variant_of(&self, name: &str) -> Option<u64> {
        if !self.personal_variants {
            return None;
        }
        let digest = Sha256::digest(
            format!(
                "escalation-dojo personal variant\n{}\n{}\n{}",
                self.seed,
                self.pack_hash,
                crate::names::key(name)
            )
            .as_bytes(),
        );
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        Some(u64::from_le_bytes(bytes))
    }

    /// The shift as a participant plays it: [`Competition::effective_shift`] with their
    /// personal variant. Their log header embeds exactly this.
    pub fn shift_for(&self, pack: &Pack, participant: &str) -> Result<Shift, CompeteError> {
        let mut shift = self.effective_shift(pack)?;
        shift.variant = self.variant_of(participant);
        Ok(shift)
    }

    /// The shift as played in the competition, before personal variants: the pack's
    /// definition with mode `Competition` and the competition's rules.
    pub fn effective_shift(&self, pack: &Pack) -> Result<Shift, CompeteError> {
        let mut shift = pack
            .shifts
            .get(&self.shift)
            .cloned()
            .ok_or_else(|| CompeteError::UnknownShift(self.shift.clone()))?;
        shift.mode = Mode::Competition;
        shift.rules = self.rules.clone();
        Ok(shift)
    }

    /// Starts a participant's session: checks the content, builds the shift with the
    /// competition's rules, seed and the participant's personal variant.
    pub fn start_session(
        &self,
        pack: Arc<Pack>,
        participant: &Participant,
    ) -> Result<Session, CompeteError> {
        self.check_content(&pack)
            .map_err(CompeteError::WrongContent)?;
        let shift = self.shift_for(&pack, &participant.name)?;
        Ok(Session::with_shift(pack, shift, self.seed)?)
    }

    /// Who may enter under this name: the roster's spelling and team. With a roster, the
    /// name must be on it and a team given must be the roster's; without one, anyone
    /// enters with the team they give.
    ///
    /// The name and team follow the one rule for names ([`crate::names`]): a name with a
    /// control, format or bidi character or over the length cap is refused
    /// ([`CompeteError::Name`]); on the roster, a name matches its entry case-insensitively
    /// and by confusable skeleton.
    pub fn participant(&self, name: &str, team: Option<&str>) -> Result<Participant, CompeteError> {
        let name = match crate::names::clean(name) {
            Ok(n) => n,
            Err(crate::names::NameError::Empty) => {
                return Err(CompeteError::Participant(
                    "a competition result needs the participant's name".into(),
                ));
            }
            Err(e) => {
                return Err(CompeteError::Name(format!(
                    "participant \"{}\": {e}",
                    name.escape_debug()
                )));
            }
        };
        let name = name.as_str();
        let team = match team.map(crate::names::clean) {
            None | Some(Err(crate::names::NameError::Empty)) => None,
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                return Err(CompeteError::Name(format!(
                    "team \"{}\": {e}",
                    team.unwrap_or_default().escape_debug()
                )));
            }
        };
        let team = team.as_deref();
        if self.teams.is_empty() {
            return Ok(Participant {
                name: name.to_string(),
                team: team.map(str::to_string),
            });
        }
        let key = participant_key(name);
        let Some((listed, roster_team)) =
            self.teams.iter().find(|(n, _)| participant_key(n) == key)
        else {
            return Err(CompeteError::Participant(format!(
                "`{name}` is not on the roster of \"{}\" (participants: {})",
                self.name,
                self.teams.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        };
        if let Some(team) = team
            && !crate::names::same(team, roster_team)
        {
            return Err(CompeteError::Participant(format!(
                "`{listed}` plays for team `{roster_team}` in \"{}\", not `{team}`",
                self.name
            )));
        }
        Ok(Participant {
            name: listed.clone(),
            team: Some(roster_team.clone()),
        })
    }

    /// The log header of a participant's session: who, the content hashes and the
    /// competition's stamp.
    pub fn header(&self, session: &Session, participant: &Participant) -> LogHeader {
        let mut header = LogHeader::for_session(
            session,
            Some(participant.name.clone()),
            participant.team.clone(),
        );
        header.competition = Some(self.stamp());
        header
    }

    /// The team a participant is ranked in: the roster's when there is one, else the team
    /// their result names.
    pub fn team_of(&self, name: &str, claimed: Option<&str>) -> Option<String> {
        if self.teams.is_empty() {
            return claimed.map(str::to_string);
        }
        let key = participant_key(name);
        self.teams
            .iter()
            .find(|(n, _)| participant_key(n) == key)
            .map(|(_, t)| t.clone())
    }

    /// The ticket queue every participant gets, in arrival order (the text before
    /// personal variants: each participant's names, IPs and error ids are their own).
    pub fn tickets(&self, pack: Arc<Pack>) -> Result<Vec<QueueEntry>, CompeteError> {
        self.check_content(&pack)
            .map_err(CompeteError::WrongContent)?;
        let shift = self.effective_shift(&pack)?;
        let session = Session::with_shift(pack, shift, self.seed)?;
        Ok(session
            .tickets
            .iter()
            .map(|t| QueueEntry {
                number: t.number,
                arrives_at: t.arrives_at,
                scenario: t.scenario.id.clone(),
                title: t.scenario.title.clone(),
                requester: t.scenario.requester.name.clone(),
                ticket_text: t.scenario.ticket_text.clone(),
            })
            .collect())
    }
}

/// One ticket of the competition's queue, as instantiated for every participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Ticket number.
    pub number: u32,
    /// Shift minute it arrives.
    pub arrives_at: u32,
    /// Scenario id.
    pub scenario: String,
    /// Title.
    pub title: String,
    /// Who asks (template filled).
    pub requester: String,
    /// What the ticket says (template filled).
    pub ticket_text: String,
}

/// The first 12 hex digits of a hash, for messages.
pub fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn diagnostic(
    code: &'static str,
    file: &str,
    position: Option<(usize, usize)>,
    field: Option<&str>,
    message: String,
    hint: Option<&str>,
) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code,
        file: file.to_string(),
        line: position.map(|p| p.0),
        column: position.map(|p| p.1),
        field: field.map(str::to_string),
        message,
        hint: hint.map(str::to_string),
    }
}

/// Ends a participant's session (upstream work followed to its end) and builds the
/// result to hand in: the header (with the competition stamp), the outcomes and the
/// complete log.
pub fn finish_result(session: &mut Session, header: LogHeader) -> SessionResult {
    session.finish();
    SessionResult::of(session, header)
}

/// A file name for a participant's result, e.g. `ana-lopez.result.ron`.
pub fn result_file_name(participant: &str) -> String {
    let mut slug = String::new();
    for c in participant.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    format!(
        "{}.result.ron",
        if slug.is_empty() { "participant" } else { slug }
    )
}

/// Where a participant's next attempt is handed in: `<slug>.attempt-<n>.result.ron` in
/// `folder` with the first `n` not taken, so a hand-in never replaces a file — not a
/// second attempt of the same participant, not another participant whose name gives the
/// same slug. Write it with [`write_result_new`].
pub fn attempt_path(folder: &Path, participant: &str) -> PathBuf {
    let name = result_file_name(participant);
    let stem = name.trim_end_matches(".result.ron");
    (1u32..)
        .map(|n| folder.join(format!("{stem}.attempt-{n}.result.ron")))
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .unwrap_or_else(|| folder.join(name))
}

/// Hands a result in without ever replacing a file: written to a temporary file and
/// synced, then linked to `path` only if nothing is there (`EEXIST` otherwise, the file
/// there untouched). [`attempt_path`] gives the path.
pub fn write_result_new(path: &Path, result: &SessionResult) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let written = file
        .write_all(result.to_ron().as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    written
}

/// Writes a result atomically (a synced temporary file, then a rename): a crash never
/// leaves half a result in the shared folder. It replaces a file already at `path`: hand
/// ins use [`attempt_path`] and [`write_result_new`].
pub fn write_result(path: &Path, result: &SessionResult) -> Result<(), RecordError> {
    record::write_atomic(path, &result.to_ron())
}

/// A competition folder as read: the result files to verify, and every entry that was
/// not read, by name with the reason (as rejections, so they are listed and counted).
#[derive(Debug, Clone, Default)]
pub struct ResultsFolder {
    /// The `.ron` files read (any case of the extension), by name.
    pub files: Vec<ResultFile>,
    /// Entries not verified: not a `.ron` file, a folder, a FIFO or device, a symbolic
    /// link out of the folder or that cannot be followed, a file that cannot be read, a
    /// hidden file, another competition file. Each with its reason; nothing of their
    /// content is shown.
    pub refused: Vec<Rejection>,
}

/// True for a `.ron` name, any case (`ANA.RON`).
fn is_ron(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ron"))
}

/// Reads a competition folder: every regular `.ron` file directly in `dir` (symbolic
/// links followed only to a file inside the folder), sorted by name; every other entry
/// reported with its reason, and the rest read on. Only the folder itself failing to list
/// is an error. A file is never opened unless it is a regular file, and is read at most
/// [`MAX_RESULT_BYTES`] + 1 bytes.
pub fn read_results_folder(dir: &Path, competition_file: &Path) -> std::io::Result<ResultsFolder> {
    let skip = std::fs::canonicalize(competition_file).ok();
    let root = std::fs::canonicalize(dir)?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut folder = ResultsFolder::default();
    let refuse = |folder: &mut ResultsFolder, path: &Path, code: &'static str, reason: String| {
        folder.refused.push(Rejection {
            file: path.display().to_string(),
            participant: None,
            code,
            line: None,
            reason,
        });
    };
    for path in entries {
        let canonical = std::fs::canonicalize(&path).ok();
        if skip.is_some() && canonical == skip {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            refuse(
                &mut folder,
                &path,
                "unreadable",
                "the entry vanished while the folder was read".into(),
            );
            continue;
        };
        if link.file_type().is_symlink() {
            match &canonical {
                None => {
                    refuse(&mut folder, &path, "not-followed", "a symbolic link that cannot be followed (a loop, or its target is missing): not read".into());
                    continue;
                }
                Some(target) if target.parent() != Some(root.as_path()) => {
                    refuse(
                        &mut folder,
                        &path,
                        "not-followed",
                        "a symbolic link to a file outside the folder: not followed, not read"
                            .into(),
                    );
                    continue;
                }
                Some(_) => {}
            }
        }
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                refuse(
                    &mut folder,
                    &path,
                    "unreadable",
                    format!("cannot be read: {e}"),
                );
                continue;
            }
        };
        if meta.is_dir() {
            refuse(&mut folder, &path, "skipped", "a folder, not a result file: not read (results are read from the folder itself, not sub-folders)".into());
            continue;
        }
        if !meta.is_file() {
            refuse(
                &mut folder,
                &path,
                "skipped",
                "not a regular file (a FIFO, socket or device): not opened".into(),
            );
            continue;
        }
        if name.starts_with('.') {
            refuse(
                &mut folder,
                &path,
                "skipped",
                "a hidden file: not read".into(),
            );
            continue;
        }
        if !is_ron(&path) {
            refuse(
                &mut folder,
                &path,
                "skipped",
                "not a `.ron` file: not read (result files end in .ron)".into(),
            );
            continue;
        }
        let bytes = match crate::input::read_bytes(&path, MAX_RESULT_BYTES) {
            Ok(b) => crate::input::normalise(b),
            Err(e) => {
                refuse(&mut folder, &path, "unreadable", e.to_string());
                continue;
            }
        };
        if starts_with_identifier(&bytes, "Competition") {
            refuse(
                &mut folder,
                &path,
                "skipped",
                "another competition file, not a result: not verified".into(),
            );
            continue;
        }
        folder.files.push(ResultFile {
            name: path.display().to_string(),
            bytes,
        });
    }
    Ok(folder)
}

/// The result files of a competition folder (see [`read_results_folder`], whose refused
/// entries this drops).
pub fn read_results_dir(dir: &Path, competition_file: &Path) -> std::io::Result<Vec<ResultFile>> {
    read_results_folder(dir, competition_file).map(|f| f.files)
}

/// True when the RON text's first identifier (after comments) is `ident`.
pub(crate) fn starts_with_identifier(bytes: &[u8], ident: &str) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let mut rest: &str = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |n| &after[n..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |n| &after[n + 2..]);
        } else {
            break;
        }
    }
    rest.strip_prefix(ident)
        .is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// A participant's numbers, recomputed from a finished session: the session grade, the
/// composite and its parts, and the tie-breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The composite, 0–100, rounded to two decimals: what the leaderboard ranks.
    pub composite: f64,
    /// Ownership accuracy: mean ownership score over the graded tickets, 0–100.
    pub ownership: Option<f64>,
    /// Mean timing score over the graded tickets, 0–100.
    pub timing: Option<f64>,
    /// Mean note score over the tickets where a note was due (an escalation made, or
    /// one the framework called for and that was not made, which counts 0).
    pub notes: Option<f64>,
    /// Mean over the security incidents: escalated as security (its timing score), as
    /// ordinary L2 work (half that), kept at L1 (0).
    pub security: Option<f64>,
    /// Security incidents kept at L1 (auto-fails).
    pub auto_fails: usize,
    /// Total sim time, the first tie-break (less is better): minutes from each graded
    /// ticket's arrival to the trainee's first decision on it (to the shift's end when
    /// there was none), summed.
    pub sim_minutes: u32,
    /// The session grade `dojo grade` gives (mean ticket score, 0–100), for reference.
    pub grade: u32,
    /// Tickets graded (handed-over ones are not).
    pub graded_tickets: usize,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Rounds to two decimals (what the leaderboard shows and compares).
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Scores a finished session on the composite. Grades are recomputed from the session;
/// nothing written in a file is used.
pub fn score(session: &Session, composite: &Composite) -> Score {
    let grades = grading::grade_tickets(session);
    let policy = session.policy();
    let end = session.shift.length_minutes.min(session.now);
    let (mut ownership, mut timing, mut notes, mut security) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut sim_minutes = 0u32;
    let mut auto_fails = 0;
    // The session grade exactly as `grading::grade` computes it.
    let ticket_scores: Vec<u32> = grades
        .iter()
        .filter(|g| !g.handed_over)
        .map(|g| g.score)
        .collect();
    for (t, g) in session.tickets.iter().zip(&grades) {
        if t.status == Status::Pending || g.handed_over {
            continue;
        }
        let timing_score = f64::from(g.component(Component::Timing).unwrap_or(0));
        ownership.push(f64::from(g.component(Component::Ownership).unwrap_or(0)));
        timing.push(timing_score);
        let escalated = matches!(g.call, Some(Owner::EscalateToL2 | Owner::EscalateSecurity));
        match g.component(Component::Note) {
            Some(n) => notes.push(f64::from(n)),
            None if !escalated && g.right_call != Owner::ResolveAtL1 => notes.push(0.0),
            None => {}
        }
        let incident = t.scenario.expected.owner == Owner::EscalateSecurity
            || g.right_call == Owner::EscalateSecurity
            || g.critical;
        if incident {
            security.push(if g.critical {
                0.0
            } else {
                match g.call {
                    Some(Owner::EscalateSecurity) => timing_score,
                    Some(Owner::EscalateToL2) => {
                        timing_score * f64::from(policy.grading.security_as_ordinary_ownership)
                            / 100.0
                    }
                    _ => 0.0,
                }
            });
        }
        if g.critical {
            auto_fails += 1;
        }
        sim_minutes += g.decided_at.unwrap_or(end).saturating_sub(t.arrives_at);
    }
    let parts = [
        (composite.ownership, mean(&ownership)),
        (composite.timing, mean(&timing)),
        (composite.notes, mean(&notes)),
        (composite.security, mean(&security)),
    ];
    let (sum, weight) = parts
        .iter()
        .filter_map(|(w, v)| v.map(|v| (f64::from(*w) * v, f64::from(*w))))
        .fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
    let base = if weight > 0.0 { sum / weight } else { 0.0 };
    let factor = composite
        .auto_fail_factor
        .clamp(0.0, 1.0)
        .powi(i32::try_from(auto_fails).unwrap_or(i32::MAX));
    let grade = if ticket_scores.is_empty() {
        0
    } else {
        (f64::from(ticket_scores.iter().sum::<u32>()) / ticket_scores.len() as f64).round() as u32
    };
    Score {
        composite: round2(base * factor),
        ownership: mean(&ownership).map(round2),
        timing: mean(&timing).map(round2),
        notes: mean(&notes).map(round2),
        security: mean(&security).map(round2),
        auto_fails,
        sim_minutes,
        grade,
        graded_tickets: ticket_scores.len(),
    }
}
