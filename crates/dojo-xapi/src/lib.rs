//! The xAPI transport of Escalation Dojo (#17). The statements are built by the core
//! (`dojo_core::xapi`, pure); this crate holds what talks to the outside:
//!
//! | module | what it owns |
//! |---|---|
//! | [`config`] | the LRS settings file ([`XapiConfig`]): owner-only, never printed |
//! | [`send`] | [`deliver`]: post an [`Outbox`]'s due statements in batches and record each answer |
//!
//! The queue itself is the caller's: the app keeps it in its SQLite store
//! (`dojo_store`), the team server in PostgreSQL; both implement [`Outbox`], so the
//! answer handling — what is sent, already there, quarantined, retried — is one code.

pub mod config;
pub mod send;

pub use config::{ConfigError, DEFAULT_BASE_IRI, XAPI_CONFIG_FILE, XapiConfig};
pub use send::{DEFAULT_BATCH, Delivery, Item, Outbox, Stop, deliver, statements_url};
