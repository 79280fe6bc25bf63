//! xAPI 1.0.3 statements of a finished session (#17): what a learning record store (LRS)
//! is told. Pure: a stored session's summary and the organisation's settings in, the
//! statements out — the same session always gives the same statements, byte for byte, so
//! a resend is recognised by the LRS (ids are UUIDv5 of the log's SHA-256 and the part;
//! timestamps are the session's own, never the time of sending). The vocabulary is in
//! `docs/xapi.md`: ADL verbs, the cmi.interaction activity type for a ticket decision
//! (a choice among the three calls, with the framework's call as the correct response),
//! the serious-games profile's `level` for a shift.
//!
//! Nothing here talks to the network: the app's `dojo xapi send` and the team server's
//! forwarder post what this builds.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::curriculum::Module;
use crate::grading::Timing;
use crate::history::{SessionSummary, TicketSummary};
use crate::pack::Pack;
use crate::scenario::Owner;

/// The xAPI version statements are written for and sent with.
pub const XAPI_VERSION: &str = "1.0.3";

/// The namespace of every statement and registration id (UUIDv5 of the product's IRI in
/// the URL namespace): fixed forever, or resends would no longer be recognised.
pub fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://escalation-dojo.org/xapi")
}

/// How a person is named to the LRS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorRule {
    /// An account on the organisation's home page (the default): `{name, homePage}`.
    Account {
        /// The organisation's home page, e.g. `https://acme.example`.
        home_page: String,
    },
    /// An e-mail address: the name in lower case, words joined by dots, at this domain
    /// (`Ana Lopez` → `mailto:ana.lopez@acme.example`).
    Email {
        /// The organisation's mail domain.
        domain: String,
    },
}

/// The organisation's settings for statements (kept with the LRS's address by the app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Base IRI of every activity and extension id, without a trailing slash.
    pub base_iri: String,
    /// How people are named.
    pub actor: ActorRule,
}

impl Profile {
    /// The base IRI with any trailing slashes removed.
    fn base(&self) -> &str {
        self.base_iri.trim_end_matches('/')
    }
}

/// A finished session as the store has it: its summary and what identifies it.
#[derive(Debug, Clone)]
pub struct SessionRecord<'a> {
    /// The session (finished; tickets with their stored grades).
    pub summary: &'a SessionSummary,
    /// Its log's SHA-256 (the identity of the session everywhere).
    pub log_sha256: &'a str,
    /// The content pack's hash it was played on.
    pub pack_hash: &'a str,
    /// The policy's hash.
    pub policy_hash: &'a str,
    /// The curriculum module whose shift it played, with that module's position (1-based).
    pub module: Option<(usize, &'a Module)>,
}

/// The wait before the next try of a statement after `attempts` failed ones: 30 s
/// doubling, at most an hour (the app's queue and the team server's use the same).
pub fn backoff_seconds(attempts: u32) -> i64 {
    (30i64 << attempts.min(7)).min(3600)
}

/// The curriculum module a shift is played for, with its position (1-based): in the
/// pack's `onboarding` curriculum, or its only one.
pub fn module_of<'a>(pack: &'a Pack, shift: &str) -> Option<(usize, &'a Module)> {
    let curriculum = pack
        .curricula
        .get("onboarding")
        .or_else(|| pack.curricula.values().next())?;
    curriculum
        .modules
        .iter()
        .enumerate()
        .find(|(_, m)| m.shift == shift)
        .map(|(i, m)| (i + 1, m))
}

/// One statement: its id and JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement id (UUIDv5).
    pub id: Uuid,
    /// What it says (the id included).
    pub body: Value,
}

/// An ADL verb.
fn verb(name: &str) -> Value {
    json!({
        "id": format!("http://adlnet.gov/expapi/verbs/{name}"),
        "display": {"en-US": name},
    })
}

/// The actor for a trainee's name.
pub fn actor(profile: &Profile, name: &str) -> Value {
    match &profile.actor {
        ActorRule::Account { home_page } => json!({
            "objectType": "Agent",
            "name": name,
            "account": {"homePage": home_page, "name": name},
        }),
        ActorRule::Email { domain } => json!({
            "objectType": "Agent",
            "name": name,
            "mbox": format!("mailto:{}@{}", mailbox(name), domain),
        }),
    }
}

/// The local part of a person's address: lower-case words joined by dots, ASCII letters
/// and digits only (others dropped).
fn mailbox(name: &str) -> String {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        "trainee".into()
    } else {
        words.join(".")
    }
}

/// An xAPI time.
fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An ISO 8601 duration of whole seconds (`PT1H2M5S`).
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// The name of a call in statements (`result.response`, the interaction's choices).
pub fn call_id(owner: Owner) -> &'static str {
    match owner {
        Owner::ResolveAtL1 => "resolve-at-l1",
        Owner::EscalateToL2 => "escalate-to-l2",
        Owner::EscalateSecurity => "escalate-security",
    }
}

/// A score as an xAPI result score (0–100).
fn score(raw: u32) -> Value {
    let raw = raw.min(100);
    json!({"scaled": f64::from(raw) / 100.0, "raw": raw, "min": 0, "max": 100})
}

/// The statement id of one part of a session.
pub fn statement_id(log_sha256: &str, part: &str) -> Uuid {
    Uuid::new_v5(&namespace(), format!("{log_sha256}/{part}").as_bytes())
}

/// The registration of a session (every statement about it carries it).
pub fn registration(log_sha256: &str) -> Uuid {
    statement_id(log_sha256, "registration")
}

/// The statements of a finished session: `initialized` (when it began), `responded` for
/// each ticket (its call and grade, in ticket order), `completed` (the session's score
/// and duration) and, for a curriculum module's shift, `passed` or `failed` against the
/// module's pass mark. Scores are those graded when the session was stored (a coach's
/// later override is not restated: the LRS's record is the session as played).
/// An unfinished session has none.
pub fn session_statements(profile: &Profile, record: &SessionRecord<'_>) -> Vec<Statement> {
    let s = record.summary;
    let (Some(session_score), Some(ended)) = (s.score, s.ended_at) else {
        return Vec::new();
    };
    let base = profile.base();
    let actor = actor(profile, &s.trainee);
    let shift_iri = format!("{base}/shift/{}", s.shift);
    let shift = json!({
        "objectType": "Activity",
        "id": shift_iri,
        "definition": {
            "type": "https://w3id.org/xapi/seriousgames/activity-types/level",
            "name": {"en-US": s.shift_title},
        },
    });
    let product = json!({
        "objectType": "Activity",
        "id": base,
        "definition": {
            "type": "https://w3id.org/xapi/seriousgames/activity-types/serious-game",
            "name": {"en-US": "Escalation Dojo"},
        },
    });
    let mut grouping = vec![product];
    if let Some((position, module)) = record.module {
        grouping.push(json!({
            "objectType": "Activity",
            "id": format!("{base}/module/{}", module.id),
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/module",
                "name": {"en-US": format!("Module {position}: {}", module.title)},
            },
        }));
    }
    let ext = |name: &str| format!("{base}/extension/{name}");
    let context_extensions = json!({
        ext("pack-sha256"): record.pack_hash,
        ext("policy-sha256"): record.policy_hash,
        ext("log-sha256"): record.log_sha256,
        ext("mode"): s.mode,
        ext("seed"): s.seed,
    });
    let registration = registration(record.log_sha256).to_string();
    let context = |parent: Option<&Value>| {
        let mut activities = json!({
            "grouping": grouping,
            "category": [{
                "objectType": "Activity",
                "id": "https://w3id.org/xapi/seriousgames",
                "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
            }],
        });
        if let Some(p) = parent {
            activities["parent"] = json!([p]);
        }
        json!({
            "registration": registration,
            "platform": "Escalation Dojo",
            "language": "en-US",
            "contextActivities": activities,
            "extensions": context_extensions,
        })
    };
    let statement = |part: &str,
                     verb: Value,
                     object: Value,
                     result: Option<Value>,
                     parent: Option<&Value>,
                     at: DateTime<Utc>| {
        let id = statement_id(record.log_sha256, part);
        let mut body = json!({
            "id": id.to_string(),
            "actor": actor,
            "verb": verb,
            "object": object,
            "context": context(parent),
            "timestamp": time(at),
            "version": XAPI_VERSION,
        });
        if let Some(r) = result {
            body["result"] = r;
        }
        Statement { id, body }
    };

    let mut out = Vec::with_capacity(s.tickets.len() + 3);
    out.push(statement(
        "initialized",
        verb("initialized"),
        shift.clone(),
        None,
        None,
        s.played_at,
    ));
    for t in &s.tickets {
        out.push(ticket_statement(profile, record, t, &shift, &statement));
    }
    let seconds = (ended - s.played_at).num_seconds();
    let mut completed = json!({
        "completion": true,
        "score": score(session_score),
        "duration": duration(seconds),
        "extensions": {
            ext("security-auto-fail"): s.critical,
            ext("tickets"): s.tickets.len(),
        },
    });
    if let Some((_, module)) = record.module {
        let passed = session_score >= module.pass_mark && (module.allow_critical || !s.critical);
        completed["success"] = json!(passed);
        completed["extensions"][ext("pass-mark")] = json!(module.pass_mark);
        out.push(statement(
            "completed",
            verb("completed"),
            shift.clone(),
            Some(completed.clone()),
            None,
            ended,
        ));
        out.push(statement(
            if passed { "passed" } else { "failed" },
            verb(if passed { "passed" } else { "failed" }),
            shift,
            Some(completed),
            None,
            ended,
        ));
    } else {
        out.push(statement(
            "completed",
            verb("completed"),
            shift,
            Some(completed),
            None,
            ended,
        ));
    }
    out
}

/// Builds one statement: (id part, verb, object, result, context extras, timestamp).
type StatementFn<'a> =
    dyn Fn(&str, Value, Value, Option<Value>, Option<&Value>, DateTime<Utc>) -> Statement + 'a;

/// The `responded` statement of one ticket: a choice interaction among the three calls.
fn ticket_statement(
    profile: &Profile,
    record: &SessionRecord<'_>,
    t: &TicketSummary,
    shift: &Value,
    statement: &StatementFn<'_>,
) -> Statement {
    let base = profile.base();
    let ext = |name: &str| format!("{base}/extension/{name}");
    let s = record.summary;
    let choices: Vec<Value> = [
        Owner::ResolveAtL1,
        Owner::EscalateToL2,
        Owner::EscalateSecurity,
    ]
    .into_iter()
    .map(|o| json!({"id": call_id(o), "description": {"en-US": o.label()}}))
    .collect();
    let object = json!({
        "objectType": "Activity",
        "id": format!("{base}/scenario/{}", t.scenario),
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {"en-US": t.title},
            "description": {"en-US": format!("A {} ticket: resolve at L1, escalate to L2, or escalate immediately?", t.ticket_type)},
            "interactionType": "choice",
            "correctResponsesPattern": [call_id(t.right_call)],
            "choices": choices,
        },
    });
    let (timing, overdue) = match t.timing {
        Timing::Premature => ("premature", 0),
        Timing::OnTime => ("on-time", 0),
        Timing::Overdue(by) => ("overdue", by),
        Timing::SecurityLate(by) => ("security-late", by),
        Timing::None => ("no-decision", 0),
    };
    let mut extensions = json!({
        ext("ticket-number"): t.number,
        ext("ticket-type"): t.ticket_type,
        ext("right-call"): call_id(t.right_call),
        ext("timing"): timing,
        ext("security-auto-fail"): t.critical,
        ext("handed-over"): t.handed_over,
    });
    if overdue > 0 {
        extensions[ext("minutes-late")] = json!(overdue);
    }
    if let Some(minute) = t.decided_at {
        extensions[ext("decided-at-minute")] = json!(minute);
    }
    if let Some((elapsed, limit)) = t.window {
        extensions[ext("window-minutes")] = json!({"elapsed": elapsed, "limit": limit});
    }
    if let Some(note) = &t.note {
        extensions[ext("note-score")] = json!(note.total);
        extensions[ext("note-elements")] = json!({
            "steps": note.elements[0],
            "current-state": note.elements[1],
            "client-context": note.elements[2],
            "hypothesis": note.elements[3],
            "sla": note.elements[4],
        });
    }
    let mut result = json!({
        "score": score(t.score),
        "success": t.call == Some(t.right_call) && !t.critical,
        "completion": t.call.is_some(),
        "extensions": extensions,
    });
    if let Some(call) = t.call {
        result["response"] = json!(call_id(call));
    }
    // A ticket's moment: the session's start plus its decision minute is shift time, not
    // wall time; the statement is stamped when the session ended (when it was graded).
    let at = s.ended_at.unwrap_or(s.played_at);
    statement(
        &format!("ticket/{}", t.number),
        verb("responded"),
        object,
        Some(result),
        Some(shift),
        at,
    )
}
