//! The xAPI side of the local store (#17): the statement
//! queue — every finished session's statements, built by `dojo_core::xapi` and queued
//! once, then marked as the LRS answers. Nothing here talks to the network and nothing
//! reads the clock: `dojo xapi send` does the one and passes the other.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use crate::error::StoreError;
use crate::store::Store;
use crate::time::{parse_ts, ts};
use dojo_core::history::SessionSummary;
use dojo_core::xapi::backoff_seconds;

/// A finished session whose statements are not queued yet, with what identifies it.
#[derive(Debug, Clone)]
pub struct XapiSource {
    /// The session.
    pub summary: SessionSummary,
    /// Its log's SHA-256.
    pub log_sha256: String,
    /// The pack's hash.
    pub pack_hash: String,
    /// The policy's hash.
    pub policy_hash: String,
}

/// A statement waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XapiItem {
    /// Its row.
    pub id: i64,
    /// The statement id.
    pub statement_id: String,
    /// The statement, as JSON text.
    pub body: String,
    /// Tries so far.
    pub attempts: u32,
}

/// What the statement queue holds, for `dojo xapi status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct XapiStatus {
    /// Statements not yet accepted.
    pub pending: usize,
    /// … of which wait for their next try (backoff after a failure).
    pub waiting: usize,
    /// Statements the LRS stored from this machine.
    pub sent: usize,
    /// Statements the LRS already had (a resend it recognised).
    pub already_there: usize,
    /// Statements the LRS refused as malformed (kept, with its reason, newest first).
    pub quarantined: Vec<String>,
    /// Sessions whose statements are queued.
    pub sessions: usize,
    /// The latest error, if the latest try failed.
    pub last_error: Option<String>,
    /// The last time the LRS accepted something.
    pub last_sent: Option<DateTime<Utc>>,
}

impl Store {
    /// Finished sessions (any trainee) whose statements are not queued yet, oldest first.
    pub fn xapi_unqueued(&self) -> Result<Vec<XapiSource>, StoreError> {
        let mut ids: Vec<(i64, String, String, String)> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT s.id, s.log_sha256, s.pack_hash, s.policy_hash FROM sessions s
                     WHERE s.state = 'finished' AND s.log_sha256 IS NOT NULL AND s.score IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM xapi_outbox x WHERE x.session_id = s.id)
                     ORDER BY s.played_at, s.id",
                )
                .map_err(|e| self.e(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(|e| self.e(e))?;
            for row in rows {
                ids.push(row.map_err(|e| self.e(e))?);
            }
        }
        let mut out = Vec::with_capacity(ids.len());
        for (id, log_sha256, pack_hash, policy_hash) in ids {
            out.push(XapiSource {
                summary: self.session(id)?,
                log_sha256,
                pack_hash,
                policy_hash,
            });
        }
        Ok(out)
    }

    /// Queues a session's statements (id, JSON) in one transaction; a statement already
    /// queued is left as it is. Returns how many were added.
    pub fn xapi_queue(
        &self,
        session: i64,
        statements: &[(String, String)],
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.e(e))?;
        let mut added = 0;
        for (id, body) in statements {
            added += tx
                .execute(
                    "INSERT OR IGNORE INTO xapi_outbox (statement_id, session_id, body, queued_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, session, body, ts(at)],
                )
                .map_err(|e| self.e(e))?;
        }
        tx.commit().map_err(|e| self.e(e))?;
        Ok(added)
    }

    /// Statements to try now, in the order they were queued (all pending ones when
    /// `ignore_backoff`).
    pub fn xapi_due(
        &self,
        now: DateTime<Utc>,
        ignore_backoff: bool,
    ) -> Result<Vec<XapiItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, statement_id, body, attempts FROM xapi_outbox
                 WHERE verdict IS NULL AND (?2 OR next_attempt_at IS NULL OR next_attempt_at <= ?1)
                 ORDER BY id",
            )
            .map_err(|e| self.e(e))?;
        let rows = stmt
            .query_map(params![ts(now), ignore_backoff], |r| {
                Ok(XapiItem {
                    id: r.get(0)?,
                    statement_id: r.get(1)?,
                    body: r.get(2)?,
                    attempts: r.get::<_, i64>(3)? as u32,
                })
            })
            .map_err(|e| self.e(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.e(e))
    }

    /// Marks statements as accepted: `already` when the LRS had them already.
    pub fn xapi_accepted(
        &self,
        ids: &[i64],
        already: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let verdict = if already { "already-there" } else { "sent" };
        for id in ids {
            self.conn
                .execute(
                    "UPDATE xapi_outbox SET verdict = ?2, sent_at = ?3, attempts = attempts + 1,
                        last_error = NULL, next_attempt_at = NULL WHERE id = ?1 AND verdict IS NULL",
                    params![id, verdict, ts(at)],
                )
                .map_err(|e| self.e(e))?;
        }
        Ok(())
    }

    /// Records a failed try (the statements stay queued and wait out their backoff).
    pub fn xapi_failed(
        &self,
        ids: &[i64],
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for id in ids {
            self.conn
                .execute(
                    "UPDATE xapi_outbox SET attempts = attempts + 1, last_error = ?2,
                        next_attempt_at = ?3 WHERE id = ?1 AND verdict IS NULL",
                    params![id, error, ts(now)],
                )
                .map_err(|e| self.e(e))?;
            let attempts: i64 = self
                .conn
                .query_row(
                    "SELECT attempts FROM xapi_outbox WHERE id = ?1",
                    params![id],
                    |r| r.get(0),
                )
                .map_err(|e| self.e(e))?;
            let next = now + chrono::Duration::seconds(backoff_seconds(attempts as u32 - 1));
            self.conn
                .execute(
                    "UPDATE xapi_outbox SET next_attempt_at = ?2 WHERE id = ?1",
                    params![id, ts(next)],
                )
                .map_err(|e| self.e(e))?;
        }
        Ok(())
    }

    /// Records an error that is not the statement's fault (the LRS refusing the
    /// credentials, or not answering as an LRS): the statements stay due, untouched but
    /// for the error shown by `status`.
    pub fn xapi_blocked(&self, ids: &[i64], error: &str) -> Result<(), StoreError> {
        for id in ids {
            self.conn
                .execute(
                    "UPDATE xapi_outbox SET last_error = ?2 WHERE id = ?1 AND verdict IS NULL",
                    params![id, error],
                )
                .map_err(|e| self.e(e))?;
        }
        Ok(())
    }

    /// Quarantines a statement the LRS refused as malformed (400): kept with the reason,
    /// never sent again — a bug to report, not a network problem.
    pub fn xapi_quarantine(
        &self,
        id: i64,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE xapi_outbox SET verdict = 'quarantined', reason = ?2, sent_at = ?3,
                    attempts = attempts + 1 WHERE id = ?1 AND verdict IS NULL",
                params![id, reason, ts(at)],
            )
            .map_err(|e| self.e(e))?;
        Ok(())
    }

    /// What the statement queue holds.
    pub fn xapi_status(&self, now: DateTime<Utc>) -> Result<XapiStatus, StoreError> {
        let mut status = XapiStatus::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT verdict, reason, last_error, sent_at, next_attempt_at, statement_id
                 FROM xapi_outbox ORDER BY id DESC",
            )
            .map_err(|e| self.e(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.e(e))?;
        let mut newest_error_seen = false;
        while let Some(r) = rows.next().map_err(|e| self.e(e))? {
            let verdict: Option<String> = r.get(0).map_err(|e| self.e(e))?;
            let reason: Option<String> = r.get(1).map_err(|e| self.e(e))?;
            let error: Option<String> = r.get(2).map_err(|e| self.e(e))?;
            let sent: Option<String> = r.get(3).map_err(|e| self.e(e))?;
            let next: Option<String> = r.get(4).map_err(|e| self.e(e))?;
            let id: String = r.get(5).map_err(|e| self.e(e))?;
            if let Some(at) = &sent
                && verdict.as_deref() != Some("quarantined")
            {
                let at = parse_ts(at);
                status.last_sent = Some(status.last_sent.map_or(at, |l| l.max(at)));
            }
            match verdict.as_deref() {
                Some("sent") => status.sent += 1,
                Some("already-there") => status.already_there += 1,
                Some(_) => status.quarantined.push(format!(
                    "{id}: {}",
                    reason.unwrap_or_else(|| "no reason given".into())
                )),
                None => {
                    status.pending += 1;
                    if next.is_some_and(|n| parse_ts(&n) > now) {
                        status.waiting += 1;
                    }
                    if !newest_error_seen {
                        newest_error_seen = true;
                        status.last_error = error;
                    }
                }
            }
        }
        status.sessions = self
            .conn
            .query_row(
                "SELECT COUNT(DISTINCT session_id) FROM xapi_outbox",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| self.e(e))? as usize;
        Ok(status)
    }
}
