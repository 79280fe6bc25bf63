//! What every request handler shares: the pool and the content uploads are verified on.

use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::{db, ingest};

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub pool: Pool,
    /// The content uploads are verified on.
    pub content: Arc<ingest::Content>,
    /// Woken after each stored upload: the xAPI forwarder's next round (`xapi::forward`),
    /// when one runs.
    pub xapi_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Connects, applies the migrations (under the advisory lock) and loads the built-in
    /// content.
    pub async fn start(database_url: &str) -> Result<AppState, String> {
        let pool = db::pool(database_url, 16).map_err(|e| e.to_string())?;
        db::migrate(&pool).await.map_err(|e| e.to_string())?;
        let content = ingest::Content::builtin()?;
        Ok(AppState {
            pool,
            content: Arc::new(content),
            xapi_wake: Arc::new(tokio::sync::Notify::new()),
        })
    }
}
