//! Who is asking: secrets (enrolment tokens, device credentials, browser sessions) are
//! 32 random bytes from the operating system, shown once as hex and stored only as their
//! SHA-256; every request but enrolment and the login form carries one.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// The browser session's cookie.
pub const SESSION_COOKIE: &str = "dojo_session";
/// The login form's double-submit CSRF cookie.
pub const LOGIN_CSRF_COOKIE: &str = "dojo_login_csrf";

/// A role on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Plays and uploads their own sessions.
    Trainee,
    /// Reads their team's trainees.
    Coach,
    /// Everything.
    Admin,
}

impl Role {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Trainee => "trainee",
            Role::Coach => "coach",
            Role::Admin => "admin",
        }
    }

    /// From the stored or typed form.
    pub fn parse(s: &str) -> Result<Role, String> {
        match s {
            "trainee" => Ok(Role::Trainee),
            "coach" => Ok(Role::Coach),
            "admin" => Ok(Role::Admin),
            other => Err(format!("`{other}` is not a role (trainee, coach or admin)")),
        }
    }
}

/// 32 random bytes from the operating system, as 64 hex digits.
pub fn random_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("the system's random source failed: {e}")))?;
    Ok(hex(&bytes))
}

/// SHA-256 as hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets' hashes in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer` with a device credential.
    Bearer,
    /// The browser's session cookie, with that session's CSRF token.
    Cookie {
        /// What a POST form must carry.
        csrf: String,
    },
}

/// The authenticated person making a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Their UUID.
    pub id: Uuid,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their team.
    pub team: Option<Uuid>,
    /// How they authenticated.
    pub via: Via,
}

impl Caller {
    /// May this caller read (and write for) a person of `team` with this id?
    pub fn may_access(&self, person: Uuid, team: Option<Uuid>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Coach => person == self.id || (team.is_some() && team == self.team),
            Role::Trainee => person == self.id,
        }
    }

    /// May this caller see a team's pages?
    pub fn may_see_team(&self, team: Uuid) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Coach => self.team == Some(team),
            Role::Trainee => false,
        }
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn caller_of(row: &tokio_postgres::Row, via: Via) -> Result<Caller, ApiError> {
    Ok(Caller {
        id: row.get(0),
        name: row.get(1),
        role: Role::parse(row.get::<_, &str>(2)).map_err(ApiError::Internal)?,
        team: row.get(3),
        via,
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = state.pool.get().await?;
        if let Some(value) = parts.headers.get(AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "the Authorization header is not `Bearer <device credential>`".into(),
                    )
                })?;
            let row = client
                .query_opt(
                    "SELECT p.id, p.name, p.role, p.team_id, d.revoked_at IS NOT NULL,
                            p.revoked_at IS NOT NULL
                     FROM devices d JOIN people p ON p.id = d.person_id
                     WHERE d.credential_sha256 = $1",
                    &[&sha256_hex(token.as_bytes())],
                )
                .await?;
            return match row {
                None => Err(ApiError::Unauthorized(
                    "unknown device credential (enrol this machine again)".into(),
                )),
                Some(r) if r.get::<_, bool>(5) => Err(ApiError::Unauthorized(
                    "this person's access was revoked (ask an admin)".into(),
                )),
                Some(r) if r.get::<_, bool>(4) => Err(ApiError::Unauthorized(
                    "this device credential was revoked".into(),
                )),
                Some(r) => caller_of(&r, Via::Bearer),
            };
        }
        if let Some(token) = cookie(parts, SESSION_COOKIE) {
            let row = client
                .query_opt(
                    "SELECT p.id, p.name, p.role, p.team_id, w.csrf, w.expires_at < now(),
                            d.revoked_at IS NOT NULL OR p.revoked_at IS NOT NULL
                     FROM web_sessions w JOIN people p ON p.id = w.person_id
                     JOIN devices d ON d.id = w.device_id
                     WHERE w.token_sha256 = $1",
                    &[&sha256_hex(token.as_bytes())],
                )
                .await?;
            return match row {
                None => Err(ApiError::Unauthorized(
                    "your sign-in is not known (sign in again)".into(),
                )),
                Some(r) if r.get::<_, bool>(6) => Err(ApiError::Unauthorized(
                    "the credential you signed in with was revoked".into(),
                )),
                Some(r) if r.get::<_, bool>(5) => Err(ApiError::Unauthorized(
                    "your sign-in has expired (sign in again)".into(),
                )),
                Some(r) => caller_of(&r, Via::Cookie { csrf: r.get(4) }),
            };
        }
        Err(ApiError::Unauthorized(
            "not signed in: send `Authorization: Bearer <device credential>`".into(),
        ))
    }
}
