//! The history store's tests (SQLite) and the coach's report rendered from it.

#[path = "../common/mod.rs"]
mod common;

mod history_store;
mod outbox;
mod report_html;
mod stored_values;
