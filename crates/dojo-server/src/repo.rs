//! The server's reads and writes: plain SQL on one connection or transaction. Names go
//! through dojo-core's one rule for names (`names::clean`, told apart by `names::key`).

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use dojo_core::history::{Override, SessionSummary};
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
    /// Their access was revoked (`admin person revoke`).
    #[serde(default)]
    pub revoked: bool,
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

const PERSON_SELECT: &str = "SELECT p.id, p.name, p.role, p.team_id, t.name,
        p.revoked_at IS NOT NULL
     FROM people p LEFT JOIN teams t ON t.id = p.team_id";

fn person_row(r: &tokio_postgres::Row) -> Result<PersonRow, ApiError> {
    Ok(PersonRow {
        id: r.get(0),
        name: r.get(1),
        role: Role::parse(r.get::<_, &str>(2)).map_err(ApiError::Internal)?,
        team_id: r.get(3),
        team: r.get(4),
        revoked: r.get(5),
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

// ---- devices, revocation and erasure ------------------------------------------------

/// An enrolled machine.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRow {
    /// Its UUID.
    pub id: Uuid,
    /// Whose it is.
    pub person: String,
    /// The machine id it enrolled with.
    pub machine: String,
    /// When it enrolled.
    pub created_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every device, or one person's, oldest first.
pub async fn devices(
    c: &impl GenericClient,
    person: Option<Uuid>,
) -> Result<Vec<DeviceRow>, ApiError> {
    let rows = c
        .query(
            "SELECT d.id, p.name, d.machine, d.created_at, d.revoked_at
             FROM devices d JOIN people p ON p.id = d.person_id
             WHERE $1::uuid IS NULL OR d.person_id = $1
             ORDER BY d.created_at, d.id",
            &[&person],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| DeviceRow {
            id: r.get(0),
            person: r.get(1),
            machine: r.get(2),
            created_at: r.get(3),
            revoked_at: r.get(4),
        })
        .collect())
}

/// Revokes a device (its credential and the browser sessions signed in with it stop
/// working); the device as it now is. Revoking twice keeps the first time.
pub async fn revoke_device(c: &impl GenericClient, id: Uuid) -> Result<DeviceRow, ApiError> {
    c.execute(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1",
        &[&id],
    )
    .await?;
    c.execute("DELETE FROM web_sessions WHERE device_id = $1", &[&id])
        .await?;
    devices(c, None)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| {
            ApiError::NotFound(format!("no device {id} (`admin device list` shows them)"))
        })
}

/// Revokes or restores a person's access. Revoking also revokes every device of theirs,
/// ends their browser sessions and voids their unused enrolment tokens; restoring only
/// lets them be invited again. The number of devices revoked.
pub async fn set_person_revoked(
    c: &impl GenericClient,
    person: Uuid,
    revoked: bool,
) -> Result<u64, ApiError> {
    if !revoked {
        c.execute(
            "UPDATE people SET revoked_at = NULL WHERE id = $1",
            &[&person],
        )
        .await?;
        return Ok(0);
    }
    c.execute(
        "UPDATE people SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1",
        &[&person],
    )
    .await?;
    let devices = c
        .execute(
            "UPDATE devices SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL",
            &[&person],
        )
        .await?;
    c.execute("DELETE FROM web_sessions WHERE person_id = $1", &[&person])
        .await?;
    c.execute(
        "UPDATE enrolment_tokens SET used_at = now() WHERE person_id = $1 AND used_at IS NULL",
        &[&person],
    )
    .await?;
    Ok(devices)
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// Verified sessions (with their overrides and responses).
    pub sessions: u64,
    /// Quarantined uploads.
    pub quarantined: u64,
    /// Devices.
    pub devices: u64,
    /// Overrides and answers they wrote about others, kept with their name removed.
    pub anonymised: u64,
    /// Audit entries whose text named them, rewritten.
    pub audit_rewritten: u64,
}

/// Erases a person and everything that is theirs, inside the caller's transaction: the
/// append-only trails allow it only here (`dojo.erase` for this transaction). What they
/// wrote about others stays as the others' record, without their name.
pub async fn erase_person(
    tx: &deadpool_postgres::Transaction<'_>,
    person: &PersonRow,
) -> Result<Erasure, ApiError> {
    tx.batch_execute("SET LOCAL dojo.erase = 'on'").await?;
    let count = |sql: &'static str| async move {
        let n: i64 = tx.query_one(sql, &[&person.id]).await?.get(0);
        Ok::<u64, ApiError>(n as u64)
    };
    let mut e = Erasure {
        sessions: count("SELECT count(*) FROM sessions WHERE person_id = $1").await?,
        quarantined: count("SELECT count(*) FROM quarantine WHERE person_id = $1").await?,
        devices: count("SELECT count(*) FROM devices WHERE person_id = $1").await?,
        anonymised: count(
            "SELECT (SELECT count(*) FROM overrides o JOIN sessions s ON s.id = o.session_id
                     WHERE o.coach_id = $1 AND s.person_id <> $1)
                  + (SELECT count(*) FROM responses r JOIN sessions s ON s.id = r.session_id
                     WHERE r.person_id = $1 AND s.person_id <> $1)",
        )
        .await?,
        audit_rewritten: 0,
    };
    e.audit_rewritten = tx
        .execute(
            "UPDATE audit SET detail = replace(detail, $1, '(an erased person)')
             WHERE position($1 in detail) > 0",
            &[&person.name],
        )
        .await?;
    // Sessions first: their overrides and responses go with them (ON DELETE CASCADE),
    // then the person (devices, tokens, sign-ins, quarantine; their name on others'
    // records is set NULL).
    tx.execute("DELETE FROM sessions WHERE person_id = $1", &[&person.id])
        .await?;
    tx.execute("DELETE FROM people WHERE id = $1", &[&person.id])
        .await?;
    Ok(e)
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
    with_overrides(c, &rows, "s.person_id = $1", &[&person]).await
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
    with_overrides(c, &rows, "p.team_id = $1 AND p.id <> $2", &[&team, &except]).await
}

/// Every verified session of a team's trainees (overrides applied), oldest first.
pub async fn team_sessions(
    c: &impl GenericClient,
    team: Uuid,
) -> Result<Vec<SessionSummary>, ApiError> {
    let rows = c
        .query(
            "SELECT s.id, s.summary, p.name, t.name, s.played_at, s.received_at
             FROM sessions s JOIN people p ON p.id = s.person_id JOIN teams t ON t.id = p.team_id
             WHERE p.team_id = $1 AND p.role = 'trainee'
             ORDER BY s.played_at, s.id",
            &[&team],
        )
        .await?;
    with_overrides(c, &rows, "p.team_id = $1", &[&team]).await
}

/// Session rows read as summaries, with the overrides of the sessions `filter` selects
/// applied (`filter` is a condition on `s` the sessions and `p` their people).
async fn with_overrides(
    c: &impl GenericClient,
    rows: &[tokio_postgres::Row],
    filter: &str,
    args: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<SessionSummary>, ApiError> {
    let mut out: Vec<SessionSummary> = rows.iter().map(summary_row).collect::<Result<_, _>>()?;
    let overrides: Vec<Override> = c
        .query(
            &format!(
                "{OVERRIDE_SELECT} JOIN people p ON p.id = s.person_id WHERE {filter} ORDER BY o.id"
            ),
            args,
        )
        .await?
        .iter()
        .map(override_row)
        .collect();
    dojo_core::history::apply_overrides(&mut out, &overrides);
    Ok(out)
}

pub(crate) fn summary_row(r: &tokio_postgres::Row) -> Result<SessionSummary, ApiError> {
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

// ---- overrides and responses -------------------------------------------------------

const OVERRIDE_SELECT: &str =
    "SELECT o.id, o.session_id, o.ticket, COALESCE(c.name, 'an erased coach'), o.at,
        o.automatic_score, o.old_score, o.new_score, o.reason
     FROM overrides o LEFT JOIN people c ON c.id = o.coach_id JOIN sessions s ON s.id = o.session_id";

fn override_row(r: &tokio_postgres::Row) -> Override {
    Override {
        id: r.get(0),
        session: r.get(1),
        ticket: r.get::<_, i32>(2) as u32,
        coach: r.get(3),
        at: r.get(4),
        automatic_score: r.get::<_, i32>(5) as u32,
        old_score: r.get::<_, i32>(6) as u32,
        new_score: r.get::<_, i32>(7) as u32,
        reason: r.get(8),
    }
}

/// The session scores the overrides make, for those of `sessions` that have overrides
/// (dojo-core's `session_score` over the overridden tickets).
pub async fn overridden_scores(
    c: &impl GenericClient,
    sessions: &[i64],
) -> Result<std::collections::BTreeMap<i64, Option<u32>>, ApiError> {
    let rows = c
        .query(
            "SELECT s.id, s.summary, p.name, t.name, s.played_at, s.received_at
             FROM sessions s JOIN people p ON p.id = s.person_id LEFT JOIN teams t ON t.id = p.team_id
             WHERE s.id = ANY($1) AND EXISTS (SELECT 1 FROM overrides o WHERE o.session_id = s.id)",
            &[&sessions],
        )
        .await?;
    if rows.is_empty() {
        return Ok(Default::default());
    }
    let summaries = with_overrides(c, &rows, "s.id = ANY($1)", &[&sessions]).await?;
    Ok(summaries
        .into_iter()
        .map(|s| (s.id, s.effective_score))
        .collect())
}

/// The overrides of a person's sessions, oldest first.
pub async fn overrides(c: &impl GenericClient, person: Uuid) -> Result<Vec<Override>, ApiError> {
    Ok(c.query(
        &format!("{OVERRIDE_SELECT} WHERE s.person_id = $1 ORDER BY o.id"),
        &[&person],
    )
    .await?
    .iter()
    .map(override_row)
    .collect())
}

/// The overrides of one session, oldest first.
pub async fn session_overrides(
    c: &impl GenericClient,
    session: i64,
) -> Result<Vec<Override>, ApiError> {
    Ok(c.query(
        &format!("{OVERRIDE_SELECT} WHERE o.session_id = $1 ORDER BY o.id"),
        &[&session],
    )
    .await?
    .iter()
    .map(override_row)
    .collect())
}

/// A stored session with its owner: the summary (overrides applied), the person and
/// their team.
pub async fn session(
    c: &impl GenericClient,
    id: i64,
) -> Result<Option<(SessionSummary, PersonRow)>, ApiError> {
    let Some(r) = c
        .query_opt(
            "SELECT s.id, s.summary, p.name, t.name, s.played_at, s.received_at, s.person_id
             FROM sessions s JOIN people p ON p.id = s.person_id LEFT JOIN teams t ON t.id = p.team_id
             WHERE s.id = $1",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let mut s = summary_row(&r)?;
    let owner = person(c, r.get(6))
        .await?
        .ok_or_else(|| ApiError::Internal("a session's person vanished".into()))?;
    dojo_core::history::apply_overrides(
        std::slice::from_mut(&mut s),
        &session_overrides(c, id).await?,
    );
    Ok(Some((s, owner)))
}

/// Appends a coach's override of one ticket's grade (on a transaction: the session row is
/// locked so two overrides of one ticket chain their old scores). Refused for a ticket
/// that does not exist or was handed over ungraded, a score over 100, an empty reason.
pub async fn add_override(
    tx: &deadpool_postgres::Transaction<'_>,
    coach: Uuid,
    session: i64,
    ticket: u32,
    new_score: u32,
    reason: &str,
) -> Result<Override, ApiError> {
    add_override_keyed(tx, coach, session, ticket, new_score, reason, None)
        .await
        .map(|(o, _)| o)
}

/// An override sent by the app with its idempotency key: the stored override and whether
/// this call stored it (false: the key was seen, the first one stands).
pub async fn add_override_keyed(
    tx: &deadpool_postgres::Transaction<'_>,
    coach: Uuid,
    session: i64,
    ticket: u32,
    new_score: u32,
    reason: &str,
    key: Option<&str>,
) -> Result<(Override, bool), ApiError> {
    if let Some(key) = key
        && let Some(r) = tx
            .query_opt(
                &format!("{OVERRIDE_SELECT} WHERE o.client_key = $1"),
                &[&key],
            )
            .await?
    {
        let o = override_row(&r);
        if o.session != session || o.ticket != ticket || o.new_score != new_score {
            return Err(ApiError::Conflict(
                "this key was used for another override".into(),
            ));
        }
        return Ok((o, false));
    }
    let reason = reason.trim();
    if reason.chars().count() > MAX_TEXT {
        return Err(ApiError::BadRequest(format!(
            "a reason is at most {MAX_TEXT} characters"
        )));
    }
    tx.execute(
        "SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE",
        &[&session],
    )
    .await?;
    let (summary, _) = self::session(tx, session)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session {session}")))?;
    let t = dojo_core::history::override_target(&summary, ticket, new_score, reason)
        .map_err(ApiError::BadRequest)?;
    let r = tx
        .query_one(
            "INSERT INTO overrides (session_id, ticket, coach_id, automatic_score, old_score, new_score,
                reason, client_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &session,
                &(ticket as i32),
                &coach,
                &(t.score as i32),
                &(t.effective_score as i32),
                &(new_score as i32),
                &reason,
                &key,
            ],
        )
        .await?;
    let id: i64 = r.get(0);
    let row = tx
        .query_one(&format!("{OVERRIDE_SELECT} WHERE o.id = $1"), &[&id])
        .await?;
    Ok((override_row(&row), true))
}

/// The longest reason, acknowledgement or dispute, in characters.
pub const MAX_TEXT: usize = 2000;

/// What a response is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseKind {
    /// The trainee read the grade and accepts it.
    Ack,
    /// The trainee disputes the grade (with a message): goes to the coach's queue.
    Dispute,
    /// The coach's answer to a dispute (kept grade, or an override).
    Answer,
}

impl ResponseKind {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseKind::Ack => "ack",
            ResponseKind::Dispute => "dispute",
            ResponseKind::Answer => "answer",
        }
    }

    fn parse(s: &str) -> Result<Self, ApiError> {
        match s {
            "ack" => Ok(ResponseKind::Ack),
            "dispute" => Ok(ResponseKind::Dispute),
            "answer" => Ok(ResponseKind::Answer),
            other => Err(ApiError::Internal(format!(
                "a stored response kind `{other}`"
            ))),
        }
    }
}

/// A response as listed.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ResponseRow {
    /// Its id.
    pub id: i64,
    /// The session.
    pub session: i64,
    /// The ticket.
    pub ticket: u32,
    /// Who wrote it.
    pub person: String,
    /// What it is.
    pub kind: ResponseKind,
    /// What they wrote.
    pub message: String,
    /// The dispute an answer answers.
    pub answers: Option<i64>,
    /// The override an answer made.
    pub override_id: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
}

const RESPONSE_SELECT: &str = "SELECT r.id, r.session_id, r.ticket,
        COALESCE(p.name, 'an erased person'), r.kind, r.message, r.answers, r.override_id, r.at
     FROM responses r LEFT JOIN people p ON p.id = r.person_id JOIN sessions s ON s.id = r.session_id";

fn response_row(r: &tokio_postgres::Row) -> Result<ResponseRow, ApiError> {
    Ok(ResponseRow {
        id: r.get(0),
        session: r.get(1),
        ticket: r.get::<_, i32>(2) as u32,
        person: r.get(3),
        kind: ResponseKind::parse(r.get(4))?,
        message: r.get(5),
        answers: r.get(6),
        override_id: r.get(7),
        at: r.get(8),
    })
}

/// A new response to append.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    /// The session.
    pub session: i64,
    /// The ticket.
    pub ticket: u32,
    /// The writer.
    pub person: Uuid,
    /// What it is.
    pub kind: ResponseKind,
    /// What they wrote.
    pub message: &'a str,
    /// The dispute answered.
    pub answers: Option<i64>,
    /// The override made with the answer.
    pub override_id: Option<i64>,
    /// The client's idempotency key.
    pub client_key: Option<&'a str>,
}

/// Appends a response; with a client key already used, the stored one is returned and
/// `false` says nothing new was written.
pub async fn add_response(
    c: &impl GenericClient,
    new: &NewResponse<'_>,
) -> Result<(ResponseRow, bool), ApiError> {
    let message = new.message.trim();
    if message.chars().count() > MAX_TEXT {
        return Err(ApiError::BadRequest(format!(
            "a message is at most {MAX_TEXT} characters"
        )));
    }
    if new.kind != ResponseKind::Ack && message.is_empty() {
        return Err(ApiError::BadRequest(
            "a dispute or an answer says why: write a message".into(),
        ));
    }
    let id: Option<i64> = c
        .query_opt(
            "INSERT INTO responses (session_id, ticket, person_id, kind, message, answers, override_id, client_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (client_key) DO NOTHING RETURNING id",
            &[
                &new.session,
                &(new.ticket as i32),
                &new.person,
                &new.kind.as_str(),
                &message,
                &new.answers,
                &new.override_id,
                &new.client_key,
            ],
        )
        .await?
        .map(|r| r.get(0));
    let (id, fresh) = match id {
        Some(id) => (id, true),
        None => {
            let r = c
                .query_one(
                    "SELECT id, person_id FROM responses WHERE client_key = $1",
                    &[&new.client_key],
                )
                .await?;
            if r.get::<_, Uuid>(1) != new.person {
                return Err(ApiError::Conflict(
                    "this response key was used by someone else".into(),
                ));
            }
            (r.get(0), false)
        }
    };
    let row = c
        .query_one(&format!("{RESPONSE_SELECT} WHERE r.id = $1"), &[&id])
        .await?;
    Ok((response_row(&row)?, fresh))
}

/// The responses of one session, oldest first.
pub async fn responses(c: &impl GenericClient, session: i64) -> Result<Vec<ResponseRow>, ApiError> {
    c.query(
        &format!("{RESPONSE_SELECT} WHERE r.session_id = $1 ORDER BY r.id"),
        &[&session],
    )
    .await?
    .iter()
    .map(response_row)
    .collect()
}

/// A dispute waiting for its coach.
#[derive(Debug, Clone, Serialize)]
pub struct DisputeRow {
    /// The dispute.
    pub response: ResponseRow,
    /// The trainee's UUID.
    pub person_id: Uuid,
    /// Their team.
    pub team: Option<String>,
}

/// Disputes no answer has answered yet — a team's, or everyone's — oldest first.
pub async fn open_disputes(
    c: &impl GenericClient,
    team: Option<Uuid>,
) -> Result<Vec<DisputeRow>, ApiError> {
    let rows = c
        .query(
            "SELECT r.id, r.session_id, r.ticket, p.name, r.kind, r.message, r.answers,
                    r.override_id, r.at, p.id, t.name
             FROM responses r JOIN people p ON p.id = r.person_id
             LEFT JOIN teams t ON t.id = p.team_id
             WHERE r.kind = 'dispute' AND ($1::uuid IS NULL OR p.team_id = $1)
               AND NOT EXISTS (SELECT 1 FROM responses a WHERE a.answers = r.id)
             ORDER BY r.at, r.id",
            &[&team],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DisputeRow {
                response: response_row(r)?,
                person_id: r.get(9),
                team: r.get(10),
            })
        })
        .collect()
}
