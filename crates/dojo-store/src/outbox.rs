//! The team server's side of the local store (#16): this machine's link to a server (who
//! it acts for there, its device credential, the local trainee whose sessions it uploads)
//! and the outbox of finished sessions, filled in the transaction that finishes each one
//! and marked as the server answers. Nothing here talks to the network; `dojo team sync`
//! does, and the store only records what happened. Dates come from the caller.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use crate::error::StoreError;
use crate::store::Store;
use crate::time::{parse_ts, ts};
use dojo_core::history::Role;

/// This machine's link to a team server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLink {
    /// The server's base URL.
    pub server: String,
    /// The device credential (a secret: never printed).
    pub credential: String,
    /// The person this machine acts for on the server (their UUID).
    pub person_uuid: String,
    /// Their name on the server.
    pub person_name: String,
    /// Their role on the server (`trainee`, `coach`, `admin`).
    pub role: String,
    /// The local trainee whose sessions are uploaded as that person.
    pub trainee: Option<String>,
    /// This machine's id, as the server knows it.
    pub machine: String,
    /// When it joined.
    pub joined_at: DateTime<Utc>,
}

/// A finished session waiting to be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Outbox entry id.
    pub id: i64,
    /// The local session.
    pub session: i64,
    /// Its line log, as stored.
    pub log: String,
    /// Its log's SHA-256 (the upload's idempotency key).
    pub log_sha256: String,
    /// When it was played.
    pub played_at: DateTime<Utc>,
    /// Uploads tried so far.
    pub attempts: u32,
}

/// What the outbox holds, for `dojo team status`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxStatus {
    /// The linked trainee's sessions not yet accepted by the server.
    pub pending: usize,
    /// Sessions the server verified and stored.
    pub stored: usize,
    /// Sessions the server put in its quarantine (with the reasons, newest first).
    pub quarantined: Vec<String>,
    /// Other local trainees' sessions (not uploaded: this machine acts for one person).
    pub not_mapped: usize,
    /// The last upload error, if the latest attempt failed.
    pub last_error: Option<String>,
    /// The last successful upload.
    pub last_sent: Option<DateTime<Utc>>,
    /// Acknowledgements and disputes not yet delivered.
    pub responses_pending: usize,
    /// … of which wait for their session to be stored on the server first.
    pub responses_waiting: usize,
    /// Acknowledgements and disputes the server has.
    pub responses_sent: usize,
    /// Those the server refused, with its reasons.
    pub responses_refused: Vec<String>,
    /// Overrides of server sessions made on this machine, not yet delivered.
    pub overrides_pending: usize,
    /// … delivered.
    pub overrides_sent: usize,
    /// … refused by the server, with its reasons.
    pub overrides_refused: Vec<String>,
}

/// An outbox of records posted to the team server as they are: they have an answer
/// (`sent`, or `refused (status): reason`, final) or stay pending with their last error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostQueue {
    /// Trainees' acknowledgements and disputes.
    Responses,
    /// A coach's overrides of server sessions.
    Overrides,
}

impl PostQueue {
    fn table(self) -> &'static str {
        match self {
            PostQueue::Responses => "response_outbox",
            PostQueue::Overrides => "override_outbox",
        }
    }
}

/// A coach's override of a session on the team server, waiting to be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOverride {
    /// Its id in the outbox.
    pub id: i64,
    /// The server's session id.
    pub server_session: i64,
    /// The ticket.
    pub ticket: u32,
    /// The new score.
    pub score: u32,
    /// Why.
    pub reason: String,
    /// The idempotency key.
    pub key: String,
}

/// What a trainee says of a ticket's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// "I have read it."
    Ack,
    /// "I think the grade is wrong, because …" (a message is required).
    Dispute,
}

impl ResponseKind {
    /// The stored and sent form.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseKind::Ack => "ack",
            ResponseKind::Dispute => "dispute",
        }
    }
}

/// The longest message of a response (the server's limit).
pub const MAX_RESPONSE_TEXT: usize = 2000;

/// An acknowledgement or dispute waiting to be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingResponse {
    /// Its id in the outbox.
    pub id: i64,
    /// The local session.
    pub session: i64,
    /// The server's id of that session, once it is stored there.
    pub server_session: Option<i64>,
    /// The ticket number.
    pub ticket: u32,
    /// What it is.
    pub kind: ResponseKind,
    /// The trainee's words.
    pub message: String,
    /// The idempotency key (a UUID made when it was queued).
    pub key: String,
}

impl Store {
    /// The link to a team server, if this machine joined one.
    pub fn team_link(&self) -> Result<Option<TeamLink>, StoreError> {
        self.conn
            .query_row(
                "SELECT l.server, l.credential, l.person_uuid, l.person_name, l.role, p.name,
                        l.machine, l.joined_at
                 FROM team_link l LEFT JOIN people p ON p.id = l.trainee_id WHERE l.id = 1",
                [],
                |r| {
                    Ok(TeamLink {
                        server: r.get(0)?,
                        credential: r.get(1)?,
                        person_uuid: r.get(2)?,
                        person_name: r.get(3)?,
                        role: r.get(4)?,
                        trainee: r.get(5)?,
                        machine: r.get(6)?,
                        joined_at: parse_ts(&r.get::<_, String>(7)?),
                    })
                },
            )
            .optional()
            .map_err(|e| self.e(e))
    }

    /// Records the link to a team server (replacing an earlier one). `link.trainee`, when
    /// given, must be a local trainee: their sessions are the ones uploaded.
    pub fn set_team_link(&self, link: &TeamLink) -> Result<(), StoreError> {
        let trainee_id = match &link.trainee {
            Some(name) => Some(self.require(name, Role::Trainee)?.id),
            None => None,
        };
        let tx = self.conn.unchecked_transaction().map_err(|e| self.e(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO team_link (id, server, credential, person_uuid, person_name,
                role, trainee_id, machine, joined_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                link.server,
                link.credential,
                link.person_uuid,
                link.person_name,
                link.role,
                trainee_id,
                link.machine,
                ts(link.joined_at),
            ],
        )
        .map_err(|e| self.e(e))?;
        tx.commit().map_err(|e| self.e(e))
    }

    /// The linked trainee's finished sessions the server has not accepted yet, oldest
    /// first (none when no trainee is linked).
    pub fn outbox_pending(&self) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT o.id, o.session_id, g.log, o.log_sha256, s.played_at, o.attempts
                 FROM outbox o JOIN sessions s ON s.id = o.session_id
                 JOIN session_logs g ON g.session_id = o.session_id
                 JOIN team_link l ON l.id = 1 AND l.trainee_id = s.trainee_id
                 WHERE o.sent_at IS NULL ORDER BY o.id",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(OutboxItem {
                    id: r.get(0)?,
                    session: r.get(1)?,
                    log: r.get(2)?,
                    log_sha256: r.get(3)?,
                    played_at: parse_ts(&r.get::<_, String>(4)?),
                    attempts: r.get::<_, i64>(5)? as u32,
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.e(e))
    }

    /// Marks an entry as answered by the server: `verdict` is `stored` or
    /// `quarantined: CODE: REASON`; `server_session` the server's id when stored.
    pub fn outbox_sent(
        &self,
        id: i64,
        verdict: &str,
        server_session: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET sent_at = ?2, verdict = ?3, server_session = ?4,
                    attempts = attempts + 1, last_error = NULL WHERE id = ?1",
                params![id, ts(at), verdict, server_session],
            )
            .map_err(|e| self.e(e))?;
        Ok(())
    }

    /// Records a failed upload attempt (the entry stays pending).
    pub fn outbox_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![id, error],
            )
            .map_err(|e| self.e(e))?;
        Ok(())
    }

    /// What the outbox holds.
    pub fn outbox_status(&self) -> Result<OutboxStatus, StoreError> {
        let linked = self.team_link()?.is_some();
        let mut status = OutboxStatus::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT o.sent_at, o.verdict, o.last_error,
                        s.trainee_id = (SELECT trainee_id FROM team_link WHERE id = 1)
                 FROM outbox o JOIN sessions s ON s.id = o.session_id ORDER BY o.id DESC",
            )
            .map_err(|e| self.e(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.e(e))?;
        let mut newest_pending_seen = false;
        while let Some(r) = rows.next().map_err(|e| self.e(e))? {
            let sent: Option<String> = r.get(0).map_err(|e| self.e(e))?;
            let verdict: Option<String> = r.get(1).map_err(|e| self.e(e))?;
            let error: Option<String> = r.get(2).map_err(|e| self.e(e))?;
            let mapped: Option<bool> = r.get(3).map_err(|e| self.e(e))?;
            if linked && mapped != Some(true) {
                status.not_mapped += 1;
                continue;
            }
            match (sent, verdict) {
                (Some(at), Some(v)) => {
                    let at = parse_ts(&at);
                    status.last_sent = Some(status.last_sent.map_or(at, |l| l.max(at)));
                    if v == "stored" {
                        status.stored += 1;
                    } else {
                        status.quarantined.push(v);
                    }
                }
                _ => {
                    status.pending += 1;
                    if !newest_pending_seen {
                        status.last_error = error;
                        newest_pending_seen = true;
                    }
                }
            }
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.sent_at, r.verdict, o.server_session FROM response_outbox r
                 LEFT JOIN outbox o ON o.session_id = r.session_id ORDER BY r.id DESC",
            )
            .map_err(|e| self.e(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.e(e))?;
        while let Some(r) = rows.next().map_err(|e| self.e(e))? {
            let sent: Option<String> = r.get(0).map_err(|e| self.e(e))?;
            let verdict: Option<String> = r.get(1).map_err(|e| self.e(e))?;
            let server: Option<i64> = r.get(2).map_err(|e| self.e(e))?;
            match (sent, verdict) {
                (Some(_), Some(v)) if v == "sent" => status.responses_sent += 1,
                (Some(_), Some(v)) => status.responses_refused.push(v),
                _ => {
                    status.responses_pending += 1;
                    if server.is_none() {
                        status.responses_waiting += 1;
                    }
                }
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT sent_at, verdict FROM override_outbox ORDER BY id DESC")
            .map_err(|e| self.e(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.e(e))?;
        while let Some(r) = rows.next().map_err(|e| self.e(e))? {
            let sent: Option<String> = r.get(0).map_err(|e| self.e(e))?;
            let verdict: Option<String> = r.get(1).map_err(|e| self.e(e))?;
            match (sent, verdict) {
                (Some(_), Some(v)) if v == "sent" => status.overrides_sent += 1,
                (Some(_), Some(v)) => status.overrides_refused.push(v),
                _ => status.overrides_pending += 1,
            }
        }
        Ok(status)
    }

    /// Queues a coach's override of a ticket in a session on the team server (its id
    /// there), with its written reason and idempotency key. The server checks it against
    /// the session when it arrives; here only its shape is checked.
    pub fn queue_override(
        &self,
        server_session: i64,
        ticket: u32,
        score: u32,
        reason: &str,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        if server_session <= 0 {
            return Err(StoreError::Invalid(format!(
                "`{server_session}` is not a session number of the server"
            )));
        }
        if score > 100 {
            return Err(StoreError::Invalid(format!(
                "a score is 0 to 100, not {score}"
            )));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "an override needs its reason (it is kept in the audit trail)".into(),
            ));
        }
        if reason.chars().count() > MAX_RESPONSE_TEXT {
            return Err(StoreError::Invalid(format!(
                "the reason is over {MAX_RESPONSE_TEXT} characters"
            )));
        }
        self.conn
            .execute(
                "INSERT INTO override_outbox (server_session, ticket, score, reason, client_key, queued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![server_session, ticket, score, reason, key, ts(at)],
            )
            .map_err(|e| self.e(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The overrides not yet delivered, oldest first.
    pub fn overrides_pending(&self) -> Result<Vec<PendingOverride>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, server_session, ticket, score, reason, client_key FROM override_outbox
                 WHERE sent_at IS NULL ORDER BY id",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PendingOverride {
                    id: r.get(0)?,
                    server_session: r.get(1)?,
                    ticket: r.get::<_, i64>(2)? as u32,
                    score: r.get::<_, i64>(3)? as u32,
                    reason: r.get(4)?,
                    key: r.get(5)?,
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.e(e))
    }

    /// Queues a trainee's acknowledgement or dispute of a ticket's grade in a finished
    /// session of theirs, with the idempotency key the server will know it by. A dispute
    /// needs its reason.
    pub fn queue_response(
        &self,
        session: i64,
        ticket: u32,
        kind: ResponseKind,
        message: &str,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let summary = self.session(session)?;
        if !summary.is_finished() {
            return Err(StoreError::Invalid(format!(
                "session {session} is not finished: there is no grade to respond to"
            )));
        }
        if !summary
            .tickets
            .iter()
            .any(|t| t.number == ticket && !t.handed_over)
        {
            return Err(StoreError::Invalid(format!(
                "session {session} has no graded ticket {ticket} (graded: {})",
                summary
                    .tickets
                    .iter()
                    .filter(|t| !t.handed_over)
                    .map(|t| t.number.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let message = message.trim();
        if kind == ResponseKind::Dispute && message.is_empty() {
            return Err(StoreError::Invalid(
                "a dispute says why the grade is wrong: give the reason".into(),
            ));
        }
        if message.chars().count() > MAX_RESPONSE_TEXT {
            return Err(StoreError::Invalid(format!(
                "the message is over {MAX_RESPONSE_TEXT} characters"
            )));
        }
        self.conn
            .execute(
                "INSERT INTO response_outbox (session_id, ticket, kind, message, client_key, queued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![session, ticket, kind.as_str(), message, key, ts(at)],
            )
            .map_err(|e| self.e(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The responses not yet delivered, oldest first, each with the server's id of its
    /// session when the session is stored there.
    pub fn responses_pending(&self) -> Result<Vec<PendingResponse>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.session_id, o.server_session, r.ticket, r.kind, r.message, r.client_key
                 FROM response_outbox r LEFT JOIN outbox o ON o.session_id = r.session_id
                 WHERE r.sent_at IS NULL ORDER BY r.id",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PendingResponse {
                    id: r.get(0)?,
                    session: r.get(1)?,
                    server_session: r.get(2)?,
                    ticket: r.get::<_, i64>(3)? as u32,
                    kind: if r.get::<_, String>(4)? == "dispute" {
                        ResponseKind::Dispute
                    } else {
                        ResponseKind::Ack
                    },
                    message: r.get(5)?,
                    key: r.get(6)?,
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.e(e))
    }

    /// Records the server's answer to a posted record: `sent`, or `refused …` (final:
    /// sending it again would be refused again).
    pub fn posted(
        &self,
        queue: PostQueue,
        id: i64,
        verdict: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE {} SET sent_at = ?2, verdict = ?3, attempts = attempts + 1,
                        last_error = NULL WHERE id = ?1",
                    queue.table()
                ),
                params![id, ts(at), verdict],
            )
            .map_err(|e| self.e(e))?;
        Ok(())
    }

    /// Records a failed attempt to post a record (it stays pending).
    pub fn post_failed(&self, queue: PostQueue, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE {} SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                    queue.table()
                ),
                params![id, error],
            )
            .map_err(|e| self.e(e))?;
        Ok(())
    }
}
