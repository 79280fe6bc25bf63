//! The team server's tests (#16), against a real PostgreSQL: `DOJO_TEST_DATABASE_URL`
//! when set (`.ci/run` starts a cluster and sets it), otherwise a throwaway cluster this
//! binary starts itself (`pg.rs`). Each test gets a database of its own. Nothing is
//! mocked: the server runs on a loopback port and is spoken to over HTTP.

mod cli;
mod coaching;
mod common;
mod competitions;
mod enrol_and_auth;
mod migrations;
mod overview;
mod pg;
#[path = "../support/ralph.rs"]
mod ralph;
mod revoke_and_erase;
mod uploads;
mod web_view;
mod xapi;
