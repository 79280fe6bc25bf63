//! Session records: the replay log (appended line by line as the session goes), the
//! session result, scripted runs, resume and replay.
//!
//! Log file format: one RON value per line. Line 1 is the [`LogHeader`]; every further
//! line is a [`LogEntry`]. Each line is flushed and synced before the next action, so a
//! crash loses no completed action; a torn last line is ignored on reading.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::pack::Pack;
use crate::scenario::Owner;
use crate::shift::Shift;
use crate::sim::action::{LogEntry, Outcome, Script};
use crate::sim::session::{DecisionKind, Session, SessionError, Status};

/// Version of the log and result formats.
pub const FORMAT_VERSION: u32 = 1;

/// Who played, what, and on which content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogHeader {
    /// Format version.
    pub format: u32,
    /// The app version that wrote it.
    pub app_version: String,
    /// The shift definition played (embedded, so drills replay too).
    pub shift: Shift,
    /// The session seed.
    pub seed: u64,
    /// SHA-256 of the scenario, KB and shift files in use.
    pub pack_hash: String,
    /// SHA-256 of the policy file in use.
    pub policy_hash: String,
    /// Who played, if known.
    #[serde(default)]
    pub trainee: Option<String>,
    /// Their team, if any.
    #[serde(default)]
    pub team: Option<String>,
    /// The competition played, when the session was played in one (absent otherwise, so
    /// ordinary logs and results keep their bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competition: Option<CompetitionStamp>,
    /// The trainee's time extension when they played with one (a coach's accommodation:
    /// the clock ran this many times slower). Absent otherwise, so ordinary logs keep
    /// their bytes. It changes no grade: the log holds sim minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_multiplier: Option<f64>,
}

/// Which competition a session was played in: its name and the SHA-256 of the
/// competition file's bytes (see `compete::Competition::content_hash`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetitionStamp {
    /// The competition's name.
    pub name: String,
    /// SHA-256 (hex) of the competition file.
    pub hash: String,
}

impl LogHeader {
    /// The header for a new session.
    pub fn for_session(session: &Session, trainee: Option<String>, team: Option<String>) -> Self {
        LogHeader {
            format: FORMAT_VERSION,
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            shift: session.shift.clone(),
            seed: session.seed,
            pack_hash: session.pack().content_hash.clone(),
            policy_hash: session.pack().policy_hash.clone(),
            trainee,
            team,
            competition: None,
            time_multiplier: None,
        }
    }

    /// The time extension the session was played with (1 when none).
    pub fn multiplier(&self) -> f64 {
        self.time_multiplier
            .filter(|m| m.is_finite() && *m >= 1.0)
            .unwrap_or(1.0)
    }
}

/// The outcome of one ticket, as `dojo run` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketOutcome {
    /// Ticket number.
    pub number: u32,
    /// Scenario id.
    pub scenario: String,
    /// Title.
    pub title: String,
    /// Shift minute it arrived.
    pub arrived_at: u32,
    /// Final status.
    pub status: Status,
    /// The trainee's first decision: resolve, escalate, security, or none.
    pub decision: Option<String>,
    /// Shift minute of that decision.
    pub decided_at: Option<u32>,
    /// What the framework called right at that minute.
    pub right_call: Option<Owner>,
    /// Minutes into the ownership window at the decision, and the window.
    pub window: Option<(u32, u32)>,
    /// Note score 0–100 of the first escalation, if any.
    pub note_score: Option<u32>,
    /// Shift minute L2 (or security) first acted.
    pub upstream_first_action_at: Option<u32>,
    /// Bounced back to L1.
    pub bounced: bool,
    /// Went on to L3.
    pub re_escalated: bool,
    /// Times it reopened.
    pub reopened: usize,
    /// Shift minute it was finally closed.
    pub closed_at: Option<u32>,
}

/// The result of a session: outcomes plus the complete log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionResult {
    /// Who, what, on which content.
    pub header: LogHeader,
    /// Final shift minute (after following upstream work).
    pub final_minute: u32,
    /// Per-ticket outcomes.
    pub outcomes: Vec<TicketOutcome>,
    /// Every action, in order.
    pub log: Vec<LogEntry>,
}

impl SessionResult {
    /// The result of a finished session.
    pub fn of(session: &Session, header: LogHeader) -> Self {
        SessionResult {
            header,
            final_minute: session.now,
            outcomes: Self::outcomes_of(session),
            log: session.log.clone(),
        }
    }

    /// True when a session replayed from this result's log ends where the result says.
    /// (`rebuild` has already checked every logged action's minute and outcome, so the
    /// log itself needs no second comparison.)
    pub fn matches(&self, replayed: &Session) -> bool {
        self.final_minute == replayed.now
            && self.log.len() == replayed.log.len()
            && self.outcomes == Self::outcomes_of(replayed)
    }

    /// The per-ticket outcomes of a finished session.
    pub fn outcomes_of(session: &Session) -> Vec<TicketOutcome> {
        session
            .tickets
            .iter()
            .map(|t| {
                let first = t.decisions.first();
                TicketOutcome {
                    number: t.number,
                    scenario: t.scenario.id.clone(),
                    title: t.scenario.title.clone(),
                    arrived_at: t.arrives_at,
                    status: t.status,
                    decision: first.map(|d| decision_label(&d.kind).to_string()),
                    decided_at: first.map(|d| d.at),
                    right_call: first.map(|d| d.verdict.owner),
                    window: first.and_then(|d| {
                        d.verdict
                            .window
                            .as_ref()
                            .map(|w| (d.elapsed, w.limit_minutes))
                    }),
                    note_score: t.decisions.iter().find_map(|d| d.note_total),
                    upstream_first_action_at: t.upstream.as_ref().map(|u| u.first_action_at),
                    bounced: t.bounces > 0,
                    re_escalated: t.upstream.as_ref().is_some_and(|u| u.to_l3),
                    reopened: t.reopened_at.len(),
                    closed_at: t.closed_at,
                }
            })
            .collect()
    }

    /// The result as pretty RON; the same result always gives the same bytes.
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(8)
            .indentor("  ".to_string())
            .struct_names(true);
        let mut text = ron::ser::to_string_pretty(self, config).unwrap_or_default();
        text.push('\n');
        text
    }

    /// A per-ticket table for the terminal.
    pub fn outcome_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>3}  {:<34} {:<9} {:<22} {:<22} {:>7}  status",
            "#", "scenario", "arrived", "decision", "framework says", "note"
        );
        for o in &self.outcomes {
            let decision = match (&o.decision, o.decided_at) {
                (Some(d), Some(at)) => format!("{d} @{at}"),
                _ => "none".to_string(),
            };
            let window = o
                .window
                .map(|(used, limit)| format!(" ({used}/{limit} min)"))
                .unwrap_or_default();
            let right = o
                .right_call
                .map(|r| format!("{}{window}", short_owner(r)))
                .unwrap_or_else(|| "-".into());
            let note = o
                .note_score
                .map(|n| format!("{n}/100"))
                .unwrap_or_else(|| "-".into());
            let mut status = format!("{:?}", o.status);
            if o.bounced {
                status.push_str(", bounced");
            }
            if o.re_escalated {
                status.push_str(", to L3");
            }
            if o.reopened > 0 {
                let _ = write!(status, ", reopened {}×", o.reopened);
            }
            let _ = writeln!(
                out,
                "{:>3}  {:<34} {:<9} {:<22} {:<22} {:>7}  {}",
                o.number,
                truncate(&o.scenario, 34),
                format!("min {}", o.arrived_at),
                decision,
                right,
                note,
                status
            );
        }
        out
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// A short label for an owner.
pub fn short_owner(o: Owner) -> &'static str {
    match o {
        Owner::ResolveAtL1 => "resolve",
        Owner::EscalateToL2 => "escalate",
        Owner::EscalateSecurity => "security",
    }
}

fn decision_label(kind: &DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Resolved { .. } => "resolve",
        DecisionKind::Escalated => "escalate",
        DecisionKind::EscalatedSecurity => "security",
    }
}

/// Appends the log line by line, syncing each line to disk.
#[derive(Debug)]
pub struct LogWriter {
    file: File,
    path: PathBuf,
    /// The handle holding the log's lock, when it is not `file` itself.
    _lock: Option<File>,
}

/// An I/O or format problem with a log or result file, located.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A line or document does not parse.
    #[error("{path}:{line}: {message}")]
    Format {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The session cannot be rebuilt.
    #[error("{0}")]
    Session(#[from] SessionError),
    /// The log was made on other content.
    #[error("{0}")]
    Mismatch(String),
    /// The log does not replay on this content (where and why).
    #[error("the log does not replay: {0}")]
    Diverged(String),
}

fn io_err(path: &Path, source: std::io::Error) -> RecordError {
    RecordError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn one_line<T: Serialize>(value: &T) -> String {
    ron::to_string(value).unwrap_or_default()
}

/// A header and entries as the text of a line log (what [`LogWriter`] writes and
/// [`read_log`] reads): the header line, then one line per entry.
pub fn log_text(header: &LogHeader, entries: &[LogEntry]) -> String {
    let mut text = one_line(header);
    text.push('\n');
    for entry in entries {
        text.push_str(&one_line(entry));
        text.push('\n');
    }
    text
}

/// Takes the exclusive advisory lock that marks a log as being written. The operating
/// system drops it when the process ends, however it ends, so a log whose lock can be
/// taken belongs to no running session.
fn lock(file: &File, path: &Path) -> Result<(), RecordError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(RecordError::Mismatch(format!(
            "{}: another dojo process is writing this log",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err(path, e)),
    }
}

/// True when a running process is writing this log (holds its lock).
pub fn log_in_use(path: &Path) -> bool {
    // Only a regular file is opened: a FIFO put in a log's place never blocks.
    crate::input::is_regular_file(path)
        && File::open(path).is_ok_and(|f| match f.try_lock() {
            Ok(()) => {
                let _ = f.unlock();
                false
            }
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(std::fs::TryLockError::Error(_)) => false,
        })
}

impl LogWriter {
    /// Creates a new log with its header. Refuses to overwrite an existing file.
    pub fn create(path: &Path, header: &LogHeader) -> Result<Self, RecordError> {
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        lock(&file, path)?;
        let mut writer = LogWriter {
            file,
            path: path.to_path_buf(),
            _lock: None,
        };
        writer.write_line(&one_line(header))?;
        Ok(writer)
    }

    /// Reopens an existing log to append to it (resume). A torn last line is cut off.
    /// Refused while another process is writing the log.
    pub fn append_to(path: &Path, valid_len: u64) -> Result<Self, RecordError> {
        let locked = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        lock(&locked, path)?;
        locked.set_len(valid_len).map_err(|e| io_err(path, e))?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        Ok(LogWriter {
            file,
            path: path.to_path_buf(),
            _lock: Some(locked),
        })
    }

    /// Appends one entry and syncs it.
    pub fn append(&mut self, entry: &LogEntry) -> Result<(), RecordError> {
        self.write_line(&one_line(entry))
    }

    fn write_line(&mut self, line: &str) -> Result<(), RecordError> {
        let path = self.path.clone();
        self.file
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io_err(&path, e))
    }
}

/// A log read back from disk.
#[derive(Debug, Clone)]
pub struct ReadLog {
    /// The header.
    pub header: LogHeader,
    /// The entries, in order.
    pub entries: Vec<LogEntry>,
    /// Byte length of the complete lines (a torn last line excluded).
    pub valid_len: u64,
    /// True when a torn last line was dropped.
    pub torn_tail: bool,
}

/// Reads a line log. A torn last line (from a crash mid-write) is dropped; any other
/// bad line is a located error.
pub fn read_log(path: &Path) -> Result<ReadLog, RecordError> {
    // Through the one reader (regular files only, the size limit while reading). The
    // bytes stay raw: the resume point is a byte offset in the file, and a torn last line
    // may end inside a character. A BOM is skipped, CRLF lines read as LF.
    let raw = crate::input::read_bytes(path, crate::input::MAX_RECORD_BYTES)
        .map_err(|e| read_err(path, e))?;
    let bom = crate::input::bom_len(&raw);
    let mut reader = BufReader::new(&raw[bom..]);
    let mut lines: Vec<(String, bool)> = Vec::new();
    loop {
        let mut buf = Vec::new();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        let complete = buf.last() == Some(&b'\n');
        lines.push((String::from_utf8_lossy(&buf).into_owned(), complete));
    }
    let name = path.display().to_string();
    let Some((first, _)) = lines.first() else {
        return Err(RecordError::Format {
            path: name,
            line: 1,
            message: "the log is empty".into(),
        });
    };
    let header: LogHeader = ron::from_str(first.trim_end()).map_err(|e| RecordError::Format {
        path: name.clone(),
        line: 1,
        message: if first.trim_start().starts_with("(format:") {
            format!("not a log header: {e}")
        } else {
            // Nothing of a file that is not a log is echoed (it may be anything).
            "not a log header (a log's first line starts with `(format:`)".into()
        },
    })?;
    let mut entries = Vec::new();
    let mut valid_len = (bom + first.len()) as u64;
    let mut torn_tail = false;
    let count = lines.len();
    for (i, (line, complete)) in lines.iter().enumerate().skip(1) {
        if line.trim().is_empty() {
            valid_len += line.len() as u64;
            continue;
        }
        match ron::from_str::<LogEntry>(line.trim_end()) {
            Ok(entry) if *complete => {
                entries.push(entry);
                valid_len += line.len() as u64;
            }
            _ if i + 1 == count => {
                torn_tail = true;
            }
            Err(e) => {
                return Err(RecordError::Format {
                    path: name,
                    line: i + 1,
                    message: format!("not a log entry: {e}"),
                });
            }
            Ok(_) => torn_tail = true,
        }
    }
    Ok(ReadLog {
        header,
        entries,
        valid_len,
        torn_tail,
    })
}

/// Reads a result file (pretty RON document).
/// The text of a result read in the one text form (BOM dropped, CRLF as LF), so a
/// result saved by a Windows editor compares equal to its re-simulation.
pub fn read_result(path: &Path) -> Result<(SessionResult, String), RecordError> {
    let text = crate::input::read_text(path, crate::input::MAX_RECORD_BYTES)
        .map_err(|e| read_err(path, e))?;
    let result = ron::from_str::<SessionResult>(&text).map_err(|e| RecordError::Format {
        path: path.display().to_string(),
        line: e.span.start.line,
        message: if looks_like_result(&text) {
            e.code.to_string()
        } else {
            NOT_A_RESULT.to_string()
        },
    })?;
    Ok((result, text))
}

/// What is said of a file that is not a result — and nothing of its content, which
/// may be anything (a password file behind a symlink).
pub const NOT_A_RESULT: &str = "not a result file (a result starts with `SessionResult(`)";

/// True when a text starts (after comments and a BOM) with `SessionResult`: a result,
/// maybe a broken one, whose parse errors may be quoted.
pub fn looks_like_result(text: &str) -> bool {
    crate::diag::leading_identifier(text) == Some("SessionResult")
}

fn read_err(path: &Path, e: crate::input::ReadError) -> RecordError {
    match e {
        crate::input::ReadError::Io { source, .. } => io_err(path, source),
        crate::input::ReadError::NotUtf8 { line, .. } => RecordError::Format {
            path: path.display().to_string(),
            line,
            message: e.reason(),
        },
        other => RecordError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(other.reason()),
        },
    }
}

/// A recorded session read back: its header, its actions, and the result document's
/// text when the file was a result (not a bare log).
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Who, what, on which content.
    pub header: LogHeader,
    /// Every action.
    pub entries: Vec<LogEntry>,
    /// The result file's text, for byte comparison.
    pub result_text: Option<String>,
}

/// Reads a result file (from `dojo run --out`) or a line log, whichever the file is.
pub fn read_recorded(path: &Path) -> Result<Recorded, String> {
    match read_result(path) {
        Ok((result, text)) => Ok(Recorded {
            header: result.header,
            entries: result.log,
            result_text: Some(text),
        }),
        // A file the reader refuses (FIFO, device, too large, missing) is said once.
        Err(RecordError::Io { path, source }) => Err(format!("{path}: {source}")),
        Err(result_error) => match read_log(path) {
            Ok(log) => Ok(Recorded {
                header: log.header,
                entries: log.entries,
                result_text: None,
            }),
            Err(log_error) => Err(format!(
                "not a result file ({result_error}) nor a log file ({log_error})"
            )),
        },
    }
}

/// The log `dojo run --out RESULT` writes while the shift is played: `RESULT.log`,
/// removed once the result is written (also when the run was resumed from it).
pub fn temporary_log_of(result: &Path) -> PathBuf {
    let mut name = result.as_os_str().to_owned();
    name.push(".log");
    PathBuf::from(name)
}

/// Writes a file atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, contents: &str) -> Result<(), RecordError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(path, e)
    })
}

/// Plays a script's entries from `skip` on: each waits for its minute (or for the agent
/// to be free), then acts; every action is appended to `log` as it happens.
pub fn play_script(
    session: &mut Session,
    script: &Script,
    skip: usize,
    mut log: Option<&mut LogWriter>,
    pace: Option<std::time::Duration>,
) -> Result<(), RecordError> {
    for entry in script.actions.iter().skip(skip) {
        let target = entry
            .at
            .unwrap_or(0)
            .max(session.now)
            .max(session.busy_until);
        session.advance_to(target);
        session.act(entry.action.clone());
        if let Some(writer) = log.as_deref_mut() {
            writer.append(session.log.last().expect("an action was just logged"))?;
        }
        if let Some(pace) = pace {
            std::thread::sleep(pace);
        }
    }
    Ok(())
}

/// Checks that a log was made on this content.
pub fn check_content(header: &LogHeader, pack: &Pack) -> Result<(), RecordError> {
    if header.format != FORMAT_VERSION {
        return Err(RecordError::Mismatch(format!(
            "log format {} is not supported (this app reads format {FORMAT_VERSION})",
            header.format
        )));
    }
    if header.pack_hash != pack.content_hash {
        return Err(RecordError::Mismatch(
            "the scenario pack differs from the one the log was made with (pack hash mismatch)"
                .into(),
        ));
    }
    if header.policy_hash != pack.policy_hash {
        return Err(RecordError::Mismatch(
            "the policy differs from the one the log was made with (policy hash mismatch)".into(),
        ));
    }
    Ok(())
}

/// Why a replay does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// 1-based entry number, if an entry diverged.
    pub entry: Option<usize>,
    /// What differs.
    pub message: String,
}

/// Re-runs a header and entries on a pack and finishes the session: the final
/// session, or where it diverged.
pub fn replay_entries(
    pack: Arc<Pack>,
    header: &LogHeader,
    entries: &[LogEntry],
) -> Result<Result<Session, Divergence>, RecordError> {
    Ok(rebuild(pack, header, entries)?.map(|mut session| {
        session.finish();
        session
    }))
}

/// Resumes an interrupted session from its log (read with [`read_log`] from `path`): the
/// session re-run to where the log stops, and a writer appending after its last complete
/// line (a torn last line is cut off). Used by `dojo run --resume`, `dojo history resume`
/// and the app's start screen.
pub fn resume(
    pack: Arc<Pack>,
    path: &Path,
    read: &ReadLog,
) -> Result<(Session, LogWriter), RecordError> {
    let session = rebuild(pack, &read.header, &read.entries)?
        .map_err(|d| RecordError::Diverged(d.message))?;
    let writer = LogWriter::append_to(path, read.valid_len)?;
    Ok((session, writer))
}

/// Re-runs a header and entries on a pack, leaving the session where the log ends (to
/// resume it), or says where it diverged.
pub fn rebuild(
    pack: Arc<Pack>,
    header: &LogHeader,
    entries: &[LogEntry],
) -> Result<Result<Session, Divergence>, RecordError> {
    check_content(header, &pack)?;
    let mut session = Session::with_shift(pack, header.shift.clone(), header.seed)?;
    for (i, entry) in entries.iter().enumerate() {
        if entry.at < session.now {
            return Ok(Err(Divergence {
                entry: Some(i + 1),
                message: format!(
                    "entry {} is at minute {} but the session is already at minute {}: the log is out of order",
                    i + 1,
                    entry.at,
                    session.now
                ),
            }));
        }
        session.advance_to(entry.at);
        if session.now != entry.at {
            return Ok(Err(Divergence {
                entry: Some(i + 1),
                message: format!(
                    "entry {} is at minute {}, which the session cannot reach (it stands at {}{})",
                    i + 1,
                    entry.at,
                    session.now,
                    if session.paused { ", paused" } else { "" }
                ),
            }));
        }
        let outcome = session.act(entry.action.clone());
        if outcome != entry.outcome {
            return Ok(Err(Divergence {
                entry: Some(i + 1),
                message: format!(
                    "entry {} ({} at minute {}): the log says {}, the replay says {}",
                    i + 1,
                    entry.action.label(),
                    entry.at,
                    describe(&entry.outcome),
                    describe(&outcome)
                ),
            }));
        }
    }
    Ok(Ok(session))
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Done { busy_until } => format!("done (busy until {busy_until})"),
        Outcome::Refused(r) => format!("refused ({r})"),
    }
}
