//! Verification on ingest (pure: dojo-core only, no database, no I/O). An upload's log is
//! read line by line as `sim::record` writes it, checked against the content the server
//! knows by its pack and policy hashes, re-simulated and regraded; the grade stored is
//! this one, never anything the client says. Anything that fails is a [`Rejected`] with a
//! stable code and a sentence, for the quarantine.

use std::collections::HashMap;
use std::sync::Arc;

use dojo_core::grading::{Review, SessionGrade};
use dojo_core::history::{GradedSession, NoteSummary, SessionState, SessionSummary, TicketSummary};
use dojo_core::note::NoteElement;
use dojo_core::pack::Pack;
use dojo_core::sim::action::LogEntry;
use dojo_core::sim::record::{self, LogHeader, RecordError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a client uploads: the session's line log and what it says the log is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The line log, exactly as `sim::record` writes it (header line, one line an action).
    pub log: String,
    /// The SHA-256 of the scenario pack the session was played on.
    pub pack_hash: String,
    /// The SHA-256 of the policy it was played on.
    pub policy_hash: String,
    /// Whose session it is (their UUID on the server).
    pub person: Uuid,
    /// The machine it was played on (the app's machine id).
    pub machine: String,
    /// The score the client computed, if it says one: compared, never stored.
    #[serde(default)]
    pub claimed_score: Option<u32>,
    /// When it was played (the client's clock; upload time when absent).
    #[serde(default)]
    pub played_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Most bytes of a machine id.
pub const MAX_MACHINE: usize = 200;

impl Envelope {
    /// The shape checks that make a body a 400 rather than a quarantined upload.
    pub fn check(&self) -> Result<(), String> {
        if self.log.trim().is_empty() {
            return Err("`log` is empty: an upload carries the session's line log".into());
        }
        let is_hash = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hash(&self.pack_hash) || !is_hash(&self.policy_hash) {
            return Err("`pack_hash` and `policy_hash` are SHA-256 digests (64 hex digits)".into());
        }
        let machine = self.machine.trim();
        if machine.is_empty()
            || machine.len() > MAX_MACHINE
            || machine.chars().any(char::is_control)
        {
            return Err(format!(
                "`machine` is a printable id of 1 to {MAX_MACHINE} bytes"
            ));
        }
        Ok(())
    }
}

/// The content the server can re-simulate on, by (pack hash, policy hash).
#[derive(Debug, Clone, Default)]
pub struct Content {
    packs: HashMap<(String, String), Arc<Pack>>,
}

impl Content {
    /// The content of these packs.
    pub fn of(packs: Vec<Pack>) -> Content {
        Content {
            packs: packs
                .into_iter()
                .map(|p| ((p.content_hash.clone(), p.policy_hash.clone()), Arc::new(p)))
                .collect(),
        }
    }

    /// The built-in pack only.
    pub fn builtin() -> Result<Content, String> {
        let pack = Pack::builtin().map_err(|d| {
            format!(
                "the built-in pack does not load: {}",
                d.first().map(|d| d.to_string()).unwrap_or_default()
            )
        })?;
        Ok(Content::of(vec![pack]))
    }

    /// The pack of these hashes.
    pub fn pack(&self, pack_hash: &str, policy_hash: &str) -> Option<&Arc<Pack>> {
        self.packs
            .get(&(pack_hash.to_string(), policy_hash.to_string()))
    }

    /// Any pack (for the pass mark and ticket-type labels of the web view).
    pub fn any(&self) -> Option<&Arc<Pack>> {
        self.packs.values().next()
    }
}

/// An upload that passed: the server's grade and what the reports read.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The log's header.
    pub header: LogHeader,
    /// The server's grade.
    pub grade: SessionGrade,
    /// The summary reports are built from (id, trainee and team filled in when read).
    pub summary: SessionSummary,
    /// The reviews of escalated tickets, for the report's review queue.
    pub reviews: Vec<Review>,
    /// For a session played in a competition: its result as the app hands one in
    /// (`SessionResult` RON), which the competition's board verifies with
    /// `compete::verify` like `dojo compete verify` does.
    pub competition_result: Option<String>,
}

/// An upload that failed verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// A stable code: `unreadable`, `hash-mismatch`, `unknown-content`, `shift-edited`,
    /// `shift-too-large`, `format`, `log-edited`, `score-claim`.
    pub code: &'static str,
    /// The reason, as a sentence.
    pub reason: String,
}

fn reject(code: &'static str, reason: impl Into<String>) -> Rejected {
    Rejected {
        code,
        reason: reason.into(),
    }
}

/// The SHA-256 of the competition a log's header is stamped with, if its header reads.
pub fn competition_of(log: &str) -> Option<String> {
    let first = log.strip_prefix('\u{feff}').unwrap_or(log).lines().next()?;
    let header: LogHeader = ron::from_str(first).ok()?;
    header.competition.map(|c| c.hash)
}

/// Reads a line log's text: the header, then every entry. A line that does not parse is
/// a located rejection (an upload is a finished session: no torn last line is allowed).
pub fn parse_log(text: &str) -> Result<(LogHeader, Vec<LogEntry>), Rejected> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let Some((_, first)) = lines.next() else {
        return Err(reject("unreadable", "the log is empty"));
    };
    let header: LogHeader = ron::from_str(first.trim_end()).map_err(|e| {
        reject(
            "unreadable",
            if first.trim_start().starts_with("(format:") {
                format!("line 1: not a log header: {e}")
            } else {
                "line 1: not a log header (a log's first line starts with `(format:`)".into()
            },
        )
    })?;
    let mut entries = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let entry: LogEntry = ron::from_str(line.trim_end()).map_err(|e| {
            reject(
                "unreadable",
                format!("line {}: not a log entry: {e}", i + 1),
            )
        })?;
        entries.push(entry);
    }
    Ok((header, entries))
}

/// Verifies an upload: parses the log, checks its hashes against the envelope and the
/// known content, re-simulates and regrades it, and compares any claimed score.
pub fn verify(content: &Content, envelope: &Envelope) -> Result<Verified, Rejected> {
    let (header, entries) = parse_log(&envelope.log)?;
    if header.pack_hash != envelope.pack_hash || header.policy_hash != envelope.policy_hash {
        return Err(reject(
            "hash-mismatch",
            "the envelope's pack or policy hash is not the one in the log's header",
        ));
    }
    let Some(pack) = content.pack(&header.pack_hash, &header.policy_hash) else {
        return Err(reject(
            "unknown-content",
            format!(
                "this server has no pack {} with policy {}: the session cannot be re-simulated",
                short(&header.pack_hash),
                short(&header.policy_hash)
            ),
        ));
    };
    check_shift(pack, &header.shift)?;
    let session = match record::replay_entries(Arc::clone(pack), &header, &entries) {
        Ok(Ok(session)) => session,
        Ok(Err(divergence)) => {
            return Err(reject(
                "log-edited",
                format!("the log does not replay: {}", divergence.message),
            ));
        }
        Err(RecordError::Session(e)) => {
            return Err(reject(
                "format",
                format!("the log's shift cannot be played: {e}"),
            ));
        }
        Err(e) => return Err(reject("format", e.to_string())),
    };
    let competition_result = header
        .competition
        .as_ref()
        .map(|_| dojo_core::sim::record::SessionResult::of(&session, header.clone()).to_ron());
    let graded = GradedSession::of(&session, header.clone());
    let grade = graded.grade;
    if let Some(claimed) = envelope.claimed_score
        && claimed != grade.score
    {
        return Err(reject(
            "score-claim",
            format!(
                "the upload claims a score of {claimed}, but the re-simulated session scores {}",
                grade.score
            ),
        ));
    }
    let summary = summary_of(&header, &grade);
    let reviews = grade.coaching.reviews.clone();
    Ok(Verified {
        header,
        grade,
        summary,
        reviews,
        competition_result,
    })
}

/// The longest shift the server re-simulates that is not one of its pack's (a drill).
pub const MAX_SHIFT_MINUTES: u32 = 720;
/// The most tickets such a shift may bring.
pub const MAX_SHIFT_TICKETS: usize = 60;

/// A log embeds its shift's definition (so drills replay too). A shift of the pack must
/// be the pack's definition (a competition may set its mode, rules and personal
/// variant); any other shift (a generated drill) must stay within the bounds above, so an
/// upload cannot make the server simulate an endless shift.
pub fn check_shift(pack: &Pack, shift: &dojo_core::shift::Shift) -> Result<(), Rejected> {
    if let Some(known) = pack.shifts.get(&shift.id) {
        let mut expected = known.clone();
        expected.mode = shift.mode;
        expected.rules = shift.rules.clone();
        expected.variant = shift.variant;
        if expected != *shift {
            return Err(reject(
                "shift-edited",
                format!(
                    "the log's shift `{}` is not the pack's definition of it (length, arrivals or selection edited)",
                    shift.id
                ),
            ));
        }
        return Ok(());
    }
    let tickets = match &shift.arrivals {
        dojo_core::shift::Arrivals::Fixed(at) => at.len(),
        dojo_core::shift::Arrivals::Poisson { max_tickets, .. } => *max_tickets as usize,
    };
    if shift.length_minutes > MAX_SHIFT_MINUTES || tickets > MAX_SHIFT_TICKETS {
        return Err(reject(
            "shift-too-large",
            format!(
                "the log's shift `{}` ({} minutes, up to {tickets} tickets) is not in the pack and beyond what the server re-simulates ({MAX_SHIFT_MINUTES} minutes, {MAX_SHIFT_TICKETS} tickets)",
                shift.id, shift.length_minutes
            ),
        ));
    }
    Ok(())
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The summary of a graded session, as the local store keeps it (a ticket never
/// reached is no ticket row). Id, trainee, team and dates are filled in when read.
pub fn summary_of(header: &LogHeader, g: &SessionGrade) -> SessionSummary {
    let tickets = g
        .tickets
        .iter()
        .filter(|t| !t.not_reached)
        .map(|t| TicketSummary {
            number: t.number,
            scenario: t.scenario.clone(),
            ticket_type: t.ticket_type.clone(),
            title: t.title.clone(),
            call: t.call,
            right_call: t.right_call,
            timing: t.timing,
            decided_at: t.decided_at,
            window: t
                .verdict
                .window
                .as_ref()
                .map(|w| (w.elapsed_minutes, w.limit_minutes)),
            score: t.score,
            effective_score: t.score,
            overridden: false,
            critical: t.critical,
            handed_over: t.handed_over,
            window_escalation: t.window_escalation,
            note: t.note.as_ref().map(|n| NoteSummary {
                total: n.total,
                elements: NoteElement::ALL.map(|e| n.element(e).score),
            }),
        })
        .collect::<Vec<_>>();
    SessionSummary {
        id: 0,
        trainee: String::new(),
        team: None,
        state: SessionState::Finished,
        shift: header.shift.id.clone(),
        shift_title: header.shift.title.clone(),
        mode: format!("{:?}", header.shift.mode),
        seed: header.seed,
        played_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        ended_at: None,
        score: Some(g.score),
        effective_score: dojo_core::history::session_score(&tickets),
        critical: g.critical,
        numbers: Some(g.numbers.clone()),
        tickets,
        flags: g.coaching.flags.clone(),
        time_multiplier: header.time_multiplier,
    }
}
