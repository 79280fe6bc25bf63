//! Forwarding to the organisation's learning record store (#17), for everyone, instead of
//! each machine: every verified session's statements are built with the core
//! (`dojo_core::xapi`, from the server's own regraded summary), queued once in PostgreSQL
//! (`xapi_outbox`, one transaction a session) and delivered by `dojo_xapi::deliver`, the
//! same answer handling as the app's `dojo xapi send`. Statement ids are UUIDv5 of the
//! log, so a session the trainee's machine also sent is recognised by the LRS.
//!
//! [`forward`] runs beside the HTTP server when `serve --xapi FILE` is given: a round
//! after every stored upload and every [`ROUND_EVERY`] otherwise (retries wait out their
//! backoff). The secret never reaches a log line.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use dojo_core::xapi::{self, Profile, SessionRecord};
use dojo_xapi::{DEFAULT_BATCH, Delivery, Item, Outbox, XapiConfig};
use serde::Serialize;

use crate::db::DbError;
use crate::error::ApiError;
use crate::ingest::Content;
use crate::state::AppState;

/// The longest wait between two rounds.
pub const ROUND_EVERY: Duration = Duration::from_secs(30);
/// Sessions queued a round at most (the rest the next round).
const QUEUE_AT_ONCE: i64 = 200;

/// Queues the statements of verified sessions not queued yet; returns (sessions,
/// statements) queued.
pub async fn queue_new(
    pool: &Pool,
    content: &Content,
    profile: &Profile,
    now: DateTime<Utc>,
) -> Result<(usize, usize), ApiError> {
    let mut client = pool.get().await?;
    let rows = client
        .query(
            "SELECT s.id, s.summary, p.name, t.name, s.played_at, s.received_at,
                    s.log_sha256, s.pack_hash, s.policy_hash
             FROM sessions s JOIN people p ON p.id = s.person_id LEFT JOIN teams t ON t.id = p.team_id
             WHERE NOT EXISTS (SELECT 1 FROM xapi_queued q WHERE q.session_id = s.id)
             ORDER BY s.id LIMIT $1",
            &[&QUEUE_AT_ONCE],
        )
        .await?;
    let (mut sessions, mut statements) = (0, 0);
    for row in &rows {
        let summary = crate::repo::summary_row(row)?;
        let (log_sha256, pack_hash, policy_hash): (String, String, String) =
            (row.get(6), row.get(7), row.get(8));
        let pack = content.pack(&pack_hash, &policy_hash);
        let record = SessionRecord {
            summary: &summary,
            log_sha256: &log_sha256,
            pack_hash: &pack_hash,
            policy_hash: &policy_hash,
            module: pack.and_then(|p| xapi::module_of(p, &summary.shift)),
        };
        let built = xapi::session_statements(profile, &record);
        let tx = client.transaction().await?;
        // The marker first: a second server forwarding from the same database waits here
        // and then finds the session queued.
        let marked = tx
            .execute(
                "INSERT INTO xapi_queued (session_id, queued_at) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&summary.id, &now],
            )
            .await?;
        if marked == 0 {
            tx.rollback().await?;
            continue;
        }
        for s in &built {
            statements += tx
                .execute(
                    "INSERT INTO xapi_outbox (statement_id, session_id, body, queued_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (statement_id) DO NOTHING",
                    &[&s.id.to_string(), &summary.id, &s.body.to_string(), &now],
                )
                .await? as usize;
        }
        tx.commit().await?;
        sessions += 1;
    }
    Ok((sessions, statements))
}

/// The database's outbox as `dojo_xapi` reads and marks it: called from a blocking thread
/// (the delivery is blocking HTTP), each mark its own committed statement.
struct PgOutbox {
    pool: Pool,
    runtime: tokio::runtime::Handle,
}

impl PgOutbox {
    fn run<T>(
        &self,
        f: impl AsyncFnOnce(&deadpool_postgres::Client) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, DbError> {
        self.runtime.block_on(async {
            let client = self.pool.get().await?;
            Ok(f(&client).await?)
        })
    }
}

impl Outbox for PgOutbox {
    type Error = DbError;

    fn due(&mut self, now: DateTime<Utc>, ignore_backoff: bool) -> Result<Vec<Item>, DbError> {
        self.run(async |c| {
            let rows = c
                .query(
                    "SELECT id, statement_id, body FROM xapi_outbox
                     WHERE verdict IS NULL
                       AND ($2 OR next_attempt_at IS NULL OR next_attempt_at <= $1)
                     ORDER BY id",
                    &[&now, &ignore_backoff],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| Item {
                    id: r.get(0),
                    statement_id: r.get(1),
                    body: r.get(2),
                })
                .collect())
        })
    }

    fn accepted(&mut self, ids: &[i64], already: bool, now: DateTime<Utc>) -> Result<(), DbError> {
        let verdict = if already { "already-there" } else { "sent" };
        self.run(async |c| {
            c.execute(
                "UPDATE xapi_outbox SET verdict = $2, sent_at = $3, last_error = NULL,
                    next_attempt_at = NULL
                 WHERE id = ANY($1) AND verdict IS NULL",
                &[&ids, &verdict, &now],
            )
            .await
            .map(|_| ())
        })
    }

    fn failed(&mut self, ids: &[i64], error: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        self.run(async |c| {
            // The same backoff as the app's queue: 30 s doubling a failed try, at most an hour.
            let rows = c
                .query(
                    "UPDATE xapi_outbox SET attempts = attempts + 1, last_error = $2
                     WHERE id = ANY($1) AND verdict IS NULL RETURNING id, attempts",
                    &[&ids, &error],
                )
                .await?;
            for r in rows {
                let (id, attempts): (i64, i32) = (r.get(0), r.get(1));
                let next = now
                    + chrono::Duration::seconds(xapi::backoff_seconds(
                        (attempts.max(1) - 1) as u32,
                    ));
                c.execute(
                    "UPDATE xapi_outbox SET next_attempt_at = $2 WHERE id = $1",
                    &[&id, &next],
                )
                .await?;
            }
            Ok(())
        })
    }

    fn blocked(&mut self, ids: &[i64], error: &str) -> Result<(), DbError> {
        self.run(async |c| {
            c.execute(
                "UPDATE xapi_outbox SET last_error = $2 WHERE id = ANY($1) AND verdict IS NULL",
                &[&ids, &error],
            )
            .await
            .map(|_| ())
        })
    }

    fn quarantine(&mut self, id: i64, reason: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        self.run(async |c| {
            c.execute(
                "UPDATE xapi_outbox SET verdict = 'quarantined', reason = $2, sent_at = $3
                 WHERE id = $1 AND verdict IS NULL",
                &[&id, &reason, &now],
            )
            .await
            .map(|_| ())
        })
    }
}

/// One round at `now`: queue what is new, deliver what is due.
pub async fn round(
    state: &AppState,
    config: &Arc<XapiConfig>,
    now: DateTime<Utc>,
) -> Result<Delivery, String> {
    queue_new(&state.pool, &state.content, &config.profile, now)
        .await
        .map_err(|e| e.to_string())?;
    let mut outbox = PgOutbox {
        pool: state.pool.clone(),
        runtime: tokio::runtime::Handle::current(),
    };
    let config = Arc::clone(config);
    tokio::task::spawn_blocking(move || {
        dojo_xapi::deliver(&mut outbox, &config, DEFAULT_BATCH, false, now)
    })
    .await
    .map_err(|e| format!("the delivery task failed: {e}"))?
    .map_err(|e| e.to_string())
}

/// Forwards for ever: a round after each stored upload (`state.xapi_wake`) and every
/// [`ROUND_EVERY`]; says on standard error what each round that did something did.
pub async fn forward(state: AppState, config: Arc<XapiConfig>) {
    loop {
        match round(&state, &config, Utc::now()).await {
            Ok(d) => {
                if d.sent + d.already_there + d.quarantined.len() > 0 || d.stopped.is_some() {
                    eprintln!(
                        "dojo-server: xAPI: {} sent, {} already in the LRS, {} quarantined, {} left queued",
                        d.sent,
                        d.already_there,
                        d.quarantined.len(),
                        d.left
                    );
                }
                for q in &d.quarantined {
                    eprintln!(
                        "dojo-server: xAPI: quarantined (the LRS refused it as malformed; please report it): {q}"
                    );
                }
                if let Some(stop) = &d.stopped {
                    eprintln!("dojo-server: xAPI: {}", stop.message());
                }
            }
            Err(e) => eprintln!("dojo-server: xAPI: {e}"),
        }
        tokio::select! {
            _ = state.xapi_wake.notified() => {}
            _ = tokio::time::sleep(ROUND_EVERY) => {}
        }
    }
}

/// What the server's queue holds (`dojo-server admin xapi status`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForwardStatus {
    /// Sessions whose statements are queued.
    pub sessions: i64,
    /// Verified sessions not queued yet.
    pub unqueued: i64,
    /// Statements the LRS stored.
    pub sent: i64,
    /// Statements it already had.
    pub already_there: i64,
    /// Statements waiting.
    pub pending: i64,
    /// … of which wait out a backoff.
    pub waiting: i64,
    /// Statements refused as malformed, with the LRS's reason.
    pub quarantined: Vec<String>,
    /// The latest error of a waiting statement.
    pub last_error: Option<String>,
}

/// The queue's counts at `now`.
pub async fn status(pool: &Pool, now: DateTime<Utc>) -> Result<ForwardStatus, ApiError> {
    let c = pool.get().await?;
    let r = c
        .query_one(
            "SELECT (SELECT count(*) FROM xapi_queued),
                    (SELECT count(*) FROM sessions s
                       WHERE NOT EXISTS (SELECT 1 FROM xapi_queued q WHERE q.session_id = s.id)),
                    count(*) FILTER (WHERE verdict = 'sent'),
                    count(*) FILTER (WHERE verdict = 'already-there'),
                    count(*) FILTER (WHERE verdict IS NULL),
                    count(*) FILTER (WHERE verdict IS NULL AND next_attempt_at > $1)
             FROM xapi_outbox",
            &[&now],
        )
        .await?;
    let quarantined = c
        .query(
            "SELECT statement_id, reason FROM xapi_outbox WHERE verdict = 'quarantined'
             ORDER BY id DESC",
            &[],
        )
        .await?
        .iter()
        .map(|q| {
            format!(
                "{}: {}",
                q.get::<_, String>(0),
                q.get::<_, Option<String>>(1).unwrap_or_default()
            )
        })
        .collect();
    let last_error = c
        .query_opt(
            "SELECT last_error FROM xapi_outbox WHERE verdict IS NULL AND last_error IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await?
        .map(|r| r.get(0));
    Ok(ForwardStatus {
        sessions: r.get(0),
        unqueued: r.get(1),
        sent: r.get(2),
        already_there: r.get(3),
        pending: r.get(4),
        waiting: r.get(5),
        quarantined,
        last_error,
    })
}
