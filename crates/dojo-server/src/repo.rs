//! The server's reads and writes: plain SQL on one connection or transaction. Names go
//! through dojo-core's one rule for names (`names::clean`, told apart by `names::key`).

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use dojo_core::history::SessionSummary;
use dojo_core::names;
use serde::Serialize;
use uuid::Uuid;

use crate::auth::{Role, random_secret, sha256_hex};
use crate::error::ApiError;

/// How long an enrolment token is good for, by default.
pub const ENROLMENT_DAYS: i64 = 7;

/// A team as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRow {
    /// Its UUID.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its members.
    pub members: i64,
}

/// A person as listed.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PersonRow {
    /// Their UUID.
    pub id: Uuid,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their team's UUID.
    pub team_id: Option<Uuid>,
    /// Their team's name.
    pub team: Option<String>,
}

fn clean(name: &str, what: &str) -> Result<String, ApiError> {
    names::clean(name).map_err(|e| ApiError::BadRequest(format!("the {what} name: {e}")))
}

/// Adds a team (refused when one of that name exists).
pub async fn add_team(c: &impl GenericClient, name: &str) -> Result<Uuid, ApiError> {
    let name = clean(name, "team")?;
    let id = Uuid::new_v4();
    let n = c
        .execute(
            "INSERT INTO teams (id, organisation_id, name, name_key)
             SELECT $1, id, $2, $3 FROM organisation LIMIT 1
             ON CONFLICT (name_key) DO NOTHING",
            &[&id, &name, &names::key(&name)],
        )
        .await?;
    if n == 0 {
        return Err(ApiError::Conflict(format!(
            "a team `{name}` exists already"
        )));
    }
    Ok(id)
}

/// A team's id by name.
pub async fn team_by_name(c: &impl GenericClient, name: &str) -> Result<Option<Uuid>, ApiError> {
    let key = names::key(&clean(name, "team")?);
    Ok(
        c.query_opt("SELECT id FROM teams WHERE name_key = $1", &[&key])
            .await?
            .map(|r| r.get(0)),
    )
}

/// Every team with its member count, by name.
pub async fn teams(c: &impl GenericClient) -> Result<Vec<TeamRow>, ApiError> {
    Ok(c.query(
        "SELECT t.id, t.name, count(p.id) FROM teams t LEFT JOIN people p ON p.team_id = t.id
             GROUP BY t.id, t.name ORDER BY t.name",
        &[],
    )
    .await?
    .iter()
    .map(|r| TeamRow {
        id: r.get(0),
        name: r.get(1),
        members: r.get(2),
    })
    .collect())
}

/// A team's name.
pub async fn team_name(c: &impl GenericClient, id: Uuid) -> Result<Option<String>, ApiError> {
    Ok(c.query_opt("SELECT name FROM teams WHERE id = $1", &[&id])
        .await?
        .map(|r| r.get(0)))
}

const PERSON_SELECT: &str = "SELECT p.id, p.name, p.role, p.team_id, t.name
     FROM people p LEFT JOIN teams t ON t.id = p.team_id";

fn person_row(r: &tokio_postgres::Row) -> Result<PersonRow, ApiError> {
    Ok(PersonRow {
        id: r.get(0),
        name: r.get(1),
        role: Role::parse(r.get::<_, &str>(2)).map_err(ApiError::Internal)?,
        team_id: r.get(3),
        team: r.get(4),
    })
}

/// Adds a person (in a team, which must exist, when given).
pub async fn add_person(
    c: &impl GenericClient,
    name: &str,
    role: Role,
    team: Option<&str>,
) -> Result<Uuid, ApiError> {
    let name = clean(name, "person's")?;
    let team_id = match team {
        Some(t) => Some(team_by_name(c, t).await?.ok_or_else(|| {
            ApiError::NotFound(format!("no team `{t}` (add it with `admin team add`)"))
        })?),
        None => None,
    };
    if role == Role::Coach && team_id.is_none() {
        return Err(ApiError::BadRequest(
            "a coach coaches a team: give --team".into(),
        ));
    }
    let id = Uuid::new_v4();
    let n = c
        .execute(
            "INSERT INTO people (id, organisation_id, name, name_key, role, team_id)
             SELECT $1, id, $2, $3, $4, $5 FROM organisation LIMIT 1
             ON CONFLICT (name_key) DO NOTHING",
            &[&id, &name, &names::key(&name), &role.as_str(), &team_id],
        )
        .await?;
    if n == 0 {
        return Err(ApiError::Conflict(format!(
            "a person `{name}` exists already (names are told apart ignoring case and look-alike letters)"
        )));
    }
    Ok(id)
}

/// A person by UUID.
pub async fn person(c: &impl GenericClient, id: Uuid) -> Result<Option<PersonRow>, ApiError> {
    c.query_opt(&format!("{PERSON_SELECT} WHERE p.id = $1"), &[&id])
        .await?
        .map(|r| person_row(&r))
        .transpose()
}

/// A person by name.
pub async fn person_by_name(
    c: &impl GenericClient,
    name: &str,
) -> Result<Option<PersonRow>, ApiError> {
    let key = names::key(&clean(name, "person's")?);
    c.query_opt(&format!("{PERSON_SELECT} WHERE p.name_key = $1"), &[&key])
        .await?
        .map(|r| person_row(&r))
        .transpose()
}

/// Everyone, or one team's members, by name.
pub async fn people(
    c: &impl GenericClient,
    team: Option<Uuid>,
) -> Result<Vec<PersonRow>, ApiError> {
    let rows = match team {
        Some(t) => {
            c.query(
                &format!("{PERSON_SELECT} WHERE p.team_id = $1 ORDER BY p.name"),
                &[&t],
            )
            .await?
        }
        None => {
            c.query(&format!("{PERSON_SELECT} ORDER BY p.name"), &[])
                .await?
        }
    };
    rows.iter().map(person_row).collect()
}

/// A new one-time enrolment token for a person (the token itself is returned once).
pub async fn new_enrolment_token(
    c: &impl GenericClient,
    person: Uuid,
    valid_for: Duration,
) -> Result<String, ApiError> {
    let token = random_secret()?;
    let expires = Utc::now() + valid_for;
    c.execute(
        "INSERT INTO enrolment_tokens (token_sha256, person_id, expires_at) VALUES ($1, $2, $3)",
        &[&sha256_hex(token.as_bytes()), &person, &expires],
    )
    .await?;
    Ok(token)
}

/// Writes an audit entry.
pub async fn audit(
    c: &impl GenericClient,
    actor: Option<Uuid>,
    action: &str,
    detail: &str,
) -> Result<(), ApiError> {
    c.execute(
        "INSERT INTO audit (actor_id, action, detail) VALUES ($1, $2, $3)",
        &[&actor, &action, &detail],
    )
    .await?;
    Ok(())
}

/// A person's verified sessions as the report reads them, oldest first.
pub async fn summaries(
    c: &impl GenericClient,
    person: Uuid,
) -> Result<Vec<SessionSummary>, ApiError> {
    let rows = c
        .query(
            "SELECT s.id, s.summary, p.name, t.name, s.played_at, s.received_at
             FROM sessions s JOIN people p ON p.id = s.person_id LEFT JOIN teams t ON t.id = p.team_id
             WHERE s.person_id = $1 ORDER BY s.played_at, s.id",
            &[&person],
        )
        .await?;
    rows.iter().map(summary_row).collect()
}

/// The verified sessions of a team's trainees other than `except`.
pub async fn team_summaries(
    c: &impl GenericClient,
    team: Uuid,
    except: Uuid,
) -> Result<Vec<SessionSummary>, ApiError> {
    let rows = c
        .query(
            "SELECT s.id, s.summary, p.name, t.name, s.played_at, s.received_at
             FROM sessions s JOIN people p ON p.id = s.person_id JOIN teams t ON t.id = p.team_id
             WHERE p.team_id = $1 AND p.id <> $2 AND p.role = 'trainee'
             ORDER BY s.played_at, s.id",
            &[&team, &except],
        )
        .await?;
    rows.iter().map(summary_row).collect()
}

fn summary_row(r: &tokio_postgres::Row) -> Result<SessionSummary, ApiError> {
    let json: serde_json::Value = r.get(1);
    let mut s: SessionSummary = serde_json::from_value(json)
        .map_err(|e| ApiError::Internal(format!("a stored session summary does not read: {e}")))?;
    s.id = r.get(0);
    s.trainee = r.get(2);
    s.team = r.get(3);
    s.played_at = r.get::<_, DateTime<Utc>>(4);
    s.ended_at = Some(r.get::<_, DateTime<Utc>>(5));
    Ok(s)
}

/// The stored reviews of a person's sessions, by (session, ticket).
pub async fn reviews(
    c: &impl GenericClient,
    person: Uuid,
) -> Result<Vec<(i64, dojo_core::grading::Review)>, ApiError> {
    let rows = c
        .query(
            "SELECT id, reviews FROM sessions WHERE person_id = $1",
            &[&person],
        )
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let list: Vec<dojo_core::grading::Review> = serde_json::from_value(r.get(1))
            .map_err(|e| ApiError::Internal(format!("stored reviews do not read: {e}")))?;
        out.extend(list.into_iter().map(|v| (r.get::<_, i64>(0), v)));
    }
    Ok(out)
}

/// One quarantined upload as listed.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineRow {
    /// Entry id.
    pub id: i64,
    /// Whose session it claimed to be.
    pub person: String,
    /// Their team.
    pub team: Option<String>,
    /// The machine.
    pub machine: String,
    /// The reason's code.
    pub code: String,
    /// The reason.
    pub reason: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The log's SHA-256.
    pub log_sha256: String,
}

/// The quarantine: a team's, or everyone's.
pub async fn quarantine(
    c: &impl GenericClient,
    team: Option<Uuid>,
) -> Result<Vec<QuarantineRow>, ApiError> {
    let rows = c
        .query(
            "SELECT q.id, p.name, t.name, q.machine, q.code, q.reason, q.received_at, q.log_sha256
             FROM quarantine q JOIN people p ON p.id = q.person_id LEFT JOIN teams t ON t.id = p.team_id
             WHERE $1::uuid IS NULL OR p.team_id = $1
             ORDER BY q.received_at DESC, q.id DESC",
            &[&team],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| QuarantineRow {
            id: r.get(0),
            person: r.get(1),
            team: r.get(2),
            machine: r.get(3),
            code: r.get(4),
            reason: r.get(5),
            received_at: r.get(6),
            log_sha256: r.get(7),
        })
        .collect())
}
