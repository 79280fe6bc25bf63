//! Delivering queued xAPI statements to a learning record store. Never lose, never
//! duplicate: statement ids are UUIDv5 of the session's log (`dojo_core::xapi`), so a
//! resend is recognised by the LRS; a statement leaves the queue only when the LRS has it
//! (200 with its id, 204, 409 for an id it already holds) or refused it as malformed (400,
//! or 422 from LRSs built on FastAPI: quarantined with the LRS's reason — a bug to
//! report); 401/403 and answers that are not an LRS's stop the send with what to fix and
//! touch nothing; network errors, time-outs, 429 and 5xx stay queued and wait out a
//! backoff (`dojo_core::xapi::backoff_seconds`).
//!
//! Nothing here reads the clock: the caller passes `now`. The queue is the caller's
//! ([`Outbox`]).

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use dojo_core::xapi::XAPI_VERSION;
use serde_json::Value;

use crate::config::XapiConfig;

/// A statement waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its row in the queue.
    pub id: i64,
    /// The statement id.
    pub statement_id: String,
    /// The statement, as JSON text (sent byte for byte as queued).
    pub body: String,
}

/// A persistent statement queue: what [`deliver`] reads and marks. Every mark is durable
/// when it returns (the queue is the only record of what the LRS has).
pub trait Outbox {
    /// The queue's error.
    type Error;
    /// The statements to send now, oldest first: those whose backoff has passed, or all
    /// pending ones when `ignore_backoff`.
    fn due(&mut self, now: DateTime<Utc>, ignore_backoff: bool) -> Result<Vec<Item>, Self::Error>;
    /// The LRS has these: stored now (`already` false) or already before.
    fn accepted(
        &mut self,
        ids: &[i64],
        already: bool,
        now: DateTime<Utc>,
    ) -> Result<(), Self::Error>;
    /// A retryable failure: count a try, keep the error, wait out the backoff.
    fn failed(&mut self, ids: &[i64], error: &str, now: DateTime<Utc>) -> Result<(), Self::Error>;
    /// A configuration failure: keep the error, no backoff (the next send after the fix
    /// goes at once).
    fn blocked(&mut self, ids: &[i64], error: &str) -> Result<(), Self::Error>;
    /// The LRS refused this statement as malformed: kept aside with the reason, never resent.
    fn quarantine(&mut self, id: i64, reason: &str, now: DateTime<Utc>) -> Result<(), Self::Error>;
}

/// Statements per request.
pub const DEFAULT_BATCH: usize = 25;
/// Tries of one request within a send before it is left for the next send.
const TRIES: u32 = 3;
/// The first in-send retry's wait; doubled each time.
const FIRST_RETRY: Duration = Duration::from_millis(200);

/// What one send did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Statements the LRS stored.
    pub sent: usize,
    /// Statements it already had.
    pub already_there: usize,
    /// Statements it refused as malformed (quarantined), with its reasons.
    pub quarantined: Vec<String>,
    /// Statements left queued.
    pub left: usize,
    /// Why the send stopped early, if it did: `Retry` (the LRS unreachable or failing:
    /// the rest wait their backoff) or `Configuration` (fix the settings first).
    pub stopped: Option<Stop>,
}

/// Why a send stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The LRS is unreachable, timed out or failing (5xx, 429): retried later.
    Retry(String),
    /// The settings are wrong (credentials refused, not an LRS at that address).
    Configuration(String),
}

impl Stop {
    /// The sentence.
    pub fn message(&self) -> &str {
        match self {
            Stop::Retry(m) | Stop::Configuration(m) => m,
        }
    }
}

/// The HTTP agent: a 30-second time-out, statuses as answers.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// The statements resource of an endpoint.
pub fn statements_url(endpoint: &str) -> String {
    format!("{}/statements", endpoint.trim_end_matches('/'))
}

/// One answer: status and body text (at most 1 MiB read).
fn post(agent: &ureq::Agent, config: &XapiConfig, body: &str) -> Result<(u16, String), String> {
    let url = statements_url(&config.endpoint);
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", config.key, config.secret));
    let mut response = agent
        .post(&url)
        .header("Content-Type", "application/json")
        .header("X-Experience-API-Version", XAPI_VERSION)
        .header("Authorization", &format!("Basic {auth}"))
        .send(body)
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Ok((status, text))
}

/// POSTs with a few quick retries on network errors, 5xx and 429.
fn post_retrying(
    agent: &ureq::Agent,
    config: &XapiConfig,
    body: &str,
) -> Result<(u16, String), String> {
    let mut wait = FIRST_RETRY;
    let mut answer = post(agent, config, body);
    for _ in 1..TRIES {
        match &answer {
            Err(_) => {}
            Ok((status, _)) if *status >= 500 || *status == 429 => {}
            Ok(_) => break,
        }
        std::thread::sleep(wait);
        wait *= 2;
        answer = post(agent, config, body);
    }
    answer
}

/// The LRS's reason in an error body (xAPI LRSs answer JSON with a message or detail;
/// otherwise the first 300 characters of the text).
fn reason_of(text: &str) -> String {
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|v| {
        ["message", "detail", "error"]
            .iter()
            .find_map(|k| match &v[*k] {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
    });
    let reason = from_json.unwrap_or_else(|| text.trim().to_string());
    let reason: String = reason.chars().take(300).collect();
    if reason.is_empty() {
        "no reason given".into()
    } else {
        reason
    }
}

/// What one request's answer means for its statements.
enum Answer {
    /// Stored: the ids the LRS listed are new, the rest it already had.
    Accepted { new: Vec<String> },
    /// All already there (204, or 409 for a single statement).
    AlreadyThere,
    /// The LRS refused the request's content (400/422, or 409 on a batch): for one statement,
    /// its reason; a batch is split.
    Refused(String),
    /// Stop the send.
    Stop(Stop),
}

fn classify(config: &XapiConfig, answer: Result<(u16, String), String>, batch: usize) -> Answer {
    let url = statements_url(&config.endpoint);
    match answer {
        Err(e) => Answer::Stop(Stop::Retry(e)),
        Ok((200, text)) => match serde_json::from_str::<Vec<String>>(&text) {
            Ok(ids) if ids.len() <= batch => Answer::Accepted { new: ids },
            _ => Answer::Stop(Stop::Configuration(format!(
                "{url} answered 200 but not as an xAPI LRS does (a list of statement ids): check the endpoint — it is the LRS's xAPI base, usually ending in /xAPI or /data/xAPI; nothing was marked sent"
            ))),
        },
        Ok((204, _)) => Answer::AlreadyThere,
        Ok((409, _)) if batch == 1 => Answer::AlreadyThere,
        // 400 is xAPI's answer to a malformed statement; FastAPI-based LRSs (Ralph) answer 422.
        Ok((409, text)) | Ok((400, text)) | Ok((422, text)) => Answer::Refused(reason_of(&text)),
        Ok((401, text)) | Ok((403, text)) => Answer::Stop(Stop::Configuration(format!(
            "the LRS at {url} refused the credentials ({}); check the key and secret with `dojo xapi configure` — nothing was lost, the statements stay queued",
            reason_of(&text)
        ))),
        Ok((status, text)) if status >= 500 || status == 429 => Answer::Stop(Stop::Retry(format!(
            "the LRS at {url} answered {status} ({}); the statements stay queued and are retried",
            reason_of(&text)
        ))),
        Ok((status, text)) => Answer::Stop(Stop::Configuration(format!(
            "{url} answered {status} ({}), not as an xAPI LRS does: check the endpoint; the statements stay queued",
            reason_of(&text)
        ))),
    }
}

/// Sends the outbox's due statements (all pending ones when `ignore_backoff`) in batches of
/// `batch`, recording every answer in the outbox.
pub fn deliver<O: Outbox>(
    outbox: &mut O,
    config: &XapiConfig,
    batch: usize,
    ignore_backoff: bool,
    now: DateTime<Utc>,
) -> Result<Delivery, O::Error> {
    let due = outbox.due(now, ignore_backoff)?;
    let agent = agent();
    let mut delivery = Delivery::default();
    let mut chunks: Vec<Vec<Item>> = due
        .chunks(batch.max(1))
        .map(<[Item]>::to_vec)
        .rev()
        .collect();
    while let Some(chunk) = chunks.pop() {
        let body = format!(
            "[{}]",
            chunk
                .iter()
                .map(|i| i.body.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let ids: Vec<i64> = chunk.iter().map(|i| i.id).collect();
        match classify(config, post_retrying(&agent, config, &body), chunk.len()) {
            Answer::Accepted { new } => {
                let (fresh, known): (Vec<&Item>, Vec<&Item>) =
                    chunk.iter().partition(|i| new.contains(&i.statement_id));
                outbox.accepted(&fresh.iter().map(|i| i.id).collect::<Vec<_>>(), false, now)?;
                outbox.accepted(&known.iter().map(|i| i.id).collect::<Vec<_>>(), true, now)?;
                delivery.sent += fresh.len();
                delivery.already_there += known.len();
            }
            Answer::AlreadyThere => {
                outbox.accepted(&ids, true, now)?;
                delivery.already_there += ids.len();
            }
            Answer::Refused(reason) if chunk.len() == 1 => {
                outbox.quarantine(chunk[0].id, &reason, now)?;
                delivery
                    .quarantined
                    .push(format!("{}: {reason}", chunk[0].statement_id));
            }
            Answer::Refused(_) => {
                // One statement in the batch is at fault: send them one by one to find it.
                for item in chunk.into_iter().rev() {
                    chunks.push(vec![item]);
                }
            }
            Answer::Stop(stop) => {
                // Every statement this send leaves behind carries the reason (and, for a
                // retryable stop, waits out the backoff): the LRS is down for all of them.
                let mut left = ids;
                left.extend(chunks.iter().flatten().map(|i| i.id));
                match &stop {
                    Stop::Retry(e) => outbox.failed(&left, e, now)?,
                    Stop::Configuration(e) => outbox.blocked(&left, e)?,
                }
                delivery.left += left.len();
                chunks.clear();
                delivery.stopped = Some(stop);
            }
        }
    }
    Ok(delivery)
}
