//! xAPI from this machine (#17): queue every finished session's statements (built by
//! `dojo_core::xapi`, kept in the store's outbox), then deliver the queue with
//! `dojo_xapi::deliver`, the same delivery the team server's forwarder runs. `dojo xapi
//! send` calls both; nothing here reads the clock (the caller passes `now`).

use chrono::{DateTime, Utc};
use dojo_core::pack::Pack;
use dojo_core::xapi::{self, SessionRecord};
use dojo_store::{Store, StoreError};
use dojo_xapi::{Item, Outbox, XapiConfig};

pub use dojo_xapi::{DEFAULT_BATCH, Delivery, Stop, statements_url};

/// Queues the statements of every finished session not queued yet; returns (sessions,
/// statements) added.
pub fn queue_all(
    store: &Store,
    config: &XapiConfig,
    pack: Option<&Pack>,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    let mut sessions = 0;
    let mut statements = 0;
    for source in store.xapi_unqueued()? {
        let module = pack.and_then(|p| xapi::module_of(p, &source.summary.shift));
        let record = SessionRecord {
            summary: &source.summary,
            log_sha256: &source.log_sha256,
            pack_hash: &source.pack_hash,
            policy_hash: &source.policy_hash,
            module,
        };
        let built: Vec<(String, String)> = xapi::session_statements(&config.profile, &record)
            .into_iter()
            .map(|s| (s.id.to_string(), s.body.to_string()))
            .collect();
        if built.is_empty() {
            continue;
        }
        statements += store.xapi_queue(source.summary.id, &built, now)?;
        sessions += 1;
    }
    Ok((sessions, statements))
}

/// After the trainer stores a session: when this data folder has an LRS configured,
/// queues and sends on a thread of its own. Nothing is said in the window: a failure
/// stays queued with its error (`dojo xapi status`), retried by the next session or
/// `dojo xapi send`. Returns the thread, or None when no LRS is configured.
pub fn send_in_background(
    data_dir: std::path::PathBuf,
    pack: std::sync::Arc<Pack>,
) -> Option<std::thread::JoinHandle<Result<Delivery, String>>> {
    let config = XapiConfig::load(&data_dir).ok().flatten()?;
    Some(std::thread::spawn(move || {
        let store = Store::open_in(&data_dir).map_err(|e| e.to_string())?;
        let now = crate::clock::now();
        queue_all(&store, &config, Some(&pack), now).map_err(|e| e.to_string())?;
        deliver(&store, &config, DEFAULT_BATCH, false, now).map_err(|e| e.to_string())
    }))
}

/// The store's outbox as `dojo_xapi` reads and marks it.
struct StoreOutbox<'a>(&'a Store);

impl Outbox for StoreOutbox<'_> {
    type Error = StoreError;

    fn due(&mut self, now: DateTime<Utc>, ignore_backoff: bool) -> Result<Vec<Item>, StoreError> {
        Ok(self
            .0
            .xapi_due(now, ignore_backoff)?
            .into_iter()
            .map(|i| Item {
                id: i.id,
                statement_id: i.statement_id,
                body: i.body,
            })
            .collect())
    }

    fn accepted(
        &mut self,
        ids: &[i64],
        already: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.0.xapi_accepted(ids, already, now)
    }

    fn failed(&mut self, ids: &[i64], error: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.0.xapi_failed(ids, error, now)
    }

    fn blocked(&mut self, ids: &[i64], error: &str) -> Result<(), StoreError> {
        self.0.xapi_blocked(ids, error)
    }

    fn quarantine(&mut self, id: i64, reason: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.0.xapi_quarantine(id, reason, now)
    }
}

/// Sends the store's due statements (all pending ones when `ignore_backoff`) in batches
/// of `batch`, recording every answer in the store.
pub fn deliver(
    store: &Store,
    config: &XapiConfig,
    batch: usize,
    ignore_backoff: bool,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    dojo_xapi::deliver(&mut StoreOutbox(store), config, batch, ignore_backoff, now)
}
