//! The team server of Escalation Dojo (#16): trainees' machines enrol with a one-time
//! token and upload their sessions' logs; the server re-simulates and regrades every
//! upload with dojo-core before storing it in PostgreSQL (a log that does not verify goes
//! to the quarantine with its reason), and serves the coach's web view drawn from
//! dojo-core's report model.
//!
//! | module | what it owns |
//! |---|---|
//! | [`state`] | what every handler shares ([`AppState`]) |
//! | [`db`] | the pool and the migrations (under an advisory lock) |
//! | [`auth`] | secrets, hashes, roles, the authenticated [`auth::Caller`] and the access rules |
//! | [`ingest`] | verification of an upload (pure: dojo-core only) |
//! | [`repo`] | the SQL |
//! | [`api`] | the JSON API |
//! | [`reports`] | dojo-core's report and overview on the server's data |
//! | [`web`] | the coach's HTML pages |
//! | [`coaching`] | overrides, acknowledgements and disputes, the coach's queue, item analysis |
//! | [`competitions`] | competitions: creation, the app's fetch, the live board re-verified with dojo-core |
//! | [`xapi`] | forwarding every verified session's xAPI statements to the organisation's LRS |
//! | [`admin`] | the `admin` commands (teams, people, invitations) |

pub mod admin;
pub mod api;
pub mod auth;
pub mod coaching;
pub mod competitions;
pub mod db;
pub mod error;
pub mod ingest;
pub mod repo;
pub mod reports;
pub mod state;
pub mod web;
pub mod xapi;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use state::AppState;

/// The default limit of a request body: a long shift's log is well under 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

/// Every route, with the body limit.
pub fn router(state: AppState, max_body: usize) -> Router {
    Router::new()
        .route("/api/enrol", post(api::enrol))
        .route("/api/me", get(api::me))
        .route("/api/sessions", post(api::upload))
        .route("/api/people/{id}/report", get(api::report))
        .route("/api/overview", get(api::overview))
        .route("/api/responses", post(coaching::respond))
        .route("/api/overrides", post(coaching::api_override))
        .route("/api/competitions", get(competitions::api_list))
        .route("/api/competitions/{id}/board", get(competitions::api_board))
        .route("/healthz", get(|| async { "ok" }))
        .route("/login", get(web::login_form).post(web::login))
        .route("/logout", post(web::logout))
        .route("/", get(web::home))
        .route("/teams/{id}", get(web::team))
        .route("/people/{id}", get(web::person))
        .route("/quarantine", get(web::quarantine))
        .route("/queue", get(coaching::queue))
        .route("/teams/{id}/items", get(coaching::items))
        .route("/sessions/{id}", get(coaching::session_page))
        .route("/sessions/{id}/overrides", post(coaching::add_override))
        .route("/sessions/{id}/answers", post(coaching::add_answer))
        .route(
            "/competitions",
            get(competitions::list_page).post(competitions::create_form),
        )
        .route("/competitions/{id}", get(competitions::board_page))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// Serves on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    max_body: usize,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state, max_body))
        .with_graceful_shutdown(shutdown)
        .await
}
