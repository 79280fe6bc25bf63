//! The JSON API: enrolment (an enrolment token exchanged once for a device credential),
//! uploads (verified before anything is stored), and reads under the access rules.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{Caller, Role, Via, random_secret, sha256_hex};
use crate::error::ApiError;
use crate::ingest::{self, Envelope};
use crate::repo::{self, PersonRow};
use crate::state::AppState;

/// The body as bytes, a body over the limit said as a 413.
pub fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!("the body is over this server's limit: {e}"))
        } else {
            ApiError::BadRequest(format!("the body cannot be read: {e}"))
        }
    })
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not {what}: {e}")))
}

/// `POST /api/enrol`'s body.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time enrolment token `admin invite` printed.
    pub token: String,
    /// The machine's id (shown to admins beside the device).
    pub machine: String,
}

/// `POST /api/enrol`'s answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device credential: sent as `Authorization: Bearer` from now on; shown once.
    pub credential: String,
    /// Who this machine now acts for.
    pub person: PersonRow,
}

/// `POST /api/enrol`: a valid, unused, unexpired token → a device credential, once.
pub async fn enrol(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<EnrolResponse>), ApiError> {
    let request: EnrolRequest = json_body(&body(raw)?, "an enrolment ({token, machine})")?;
    let machine = request.machine.trim().to_string();
    if machine.is_empty()
        || machine.len() > ingest::MAX_MACHINE
        || machine.chars().any(char::is_control)
    {
        return Err(ApiError::BadRequest(format!(
            "`machine` is a printable id of 1 to {} bytes",
            ingest::MAX_MACHINE
        )));
    }
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT e.person_id, e.used_at IS NOT NULL, e.expires_at < now(),
                    p.revoked_at IS NOT NULL
             FROM enrolment_tokens e JOIN people p ON p.id = e.person_id
             WHERE e.token_sha256 = $1 FOR UPDATE OF e",
            &[&sha256_hex(request.token.trim().as_bytes())],
        )
        .await?;
    let refusal = match &row {
        None => Some("unknown enrolment token"),
        Some(r) if r.get::<_, bool>(1) => Some("this enrolment token was used already"),
        Some(r) if r.get::<_, bool>(2) => {
            Some("this enrolment token has expired (ask for a new invitation)")
        }
        Some(r) if r.get::<_, bool>(3) => Some("this person's access was revoked (ask an admin)"),
        Some(_) => None,
    };
    if let Some(reason) = refusal {
        let person: Option<Uuid> = row.as_ref().map(|r| r.get(0));
        repo::audit(
            &tx,
            person,
            "enrol-refused",
            &format!("{reason} (machine {machine})"),
        )
        .await?;
        tx.commit().await?;
        return Err(ApiError::Unauthorized(reason.to_string()));
    }
    let person_id: Uuid = row.map(|r| r.get(0)).unwrap_or_default();
    tx.execute(
        "UPDATE enrolment_tokens SET used_at = now() WHERE token_sha256 = $1",
        &[&sha256_hex(request.token.trim().as_bytes())],
    )
    .await?;
    let credential = random_secret()?;
    tx.execute(
        "INSERT INTO devices (id, person_id, credential_sha256, machine) VALUES ($1, $2, $3, $4)",
        &[
            &Uuid::new_v4(),
            &person_id,
            &sha256_hex(credential.as_bytes()),
            &machine,
        ],
    )
    .await?;
    repo::audit(
        &tx,
        Some(person_id),
        "enrolled",
        &format!("machine {machine}"),
    )
    .await?;
    let person = repo::person(&tx, person_id)
        .await?
        .ok_or_else(|| ApiError::Internal("the enrolled person vanished".into()))?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrolResponse { credential, person }),
    ))
}

/// `GET /api/me`: who the credential belongs to.
pub async fn me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PersonRow>, ApiError> {
    let client = state.pool.get().await?;
    repo::person(&client, caller.id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::Unauthorized("this credential's person was removed".into()))
}

/// What an upload came to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UploadResponse {
    /// `stored` (verified and graded) or `quarantined` (failed verification).
    pub status: String,
    /// The same log had been uploaded before: nothing new was stored.
    pub duplicate: bool,
    /// The log's SHA-256 (the upload's idempotency key).
    pub log_sha256: String,
    /// The stored session's id.
    pub session: Option<i64>,
    /// The server's score of it.
    pub score: Option<u32>,
    /// The quarantine's reason code.
    pub code: Option<String>,
    /// The quarantine's reason.
    pub reason: Option<String>,
}

async fn existing(
    c: &impl deadpool_postgres::GenericClient,
    sha: &str,
) -> Result<Option<(Uuid, UploadResponse)>, ApiError> {
    if let Some(r) = c
        .query_opt(
            "SELECT person_id, id, score FROM sessions WHERE log_sha256 = $1",
            &[&sha],
        )
        .await?
    {
        return Ok(Some((
            r.get(0),
            UploadResponse {
                status: "stored".into(),
                duplicate: true,
                log_sha256: sha.to_string(),
                session: Some(r.get(1)),
                score: Some(r.get::<_, i32>(2) as u32),
                code: None,
                reason: None,
            },
        )));
    }
    Ok(c.query_opt(
        "SELECT person_id, code, reason FROM quarantine WHERE log_sha256 = $1",
        &[&sha],
    )
    .await?
    .map(|r| {
        (
            r.get(0),
            UploadResponse {
                status: "quarantined".into(),
                duplicate: true,
                log_sha256: sha.to_string(),
                session: None,
                score: None,
                code: Some(r.get(1)),
                reason: Some(r.get(2)),
            },
        )
    }))
}

/// `POST /api/sessions`: an [`Envelope`]. Verified (re-simulated and regraded) before
/// anything is stored; idempotent by the log's SHA-256. 201 stored, 202 quarantined, 200
/// the same log again; 403 (audited, nothing stored) for someone the caller may not
/// write for.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<UploadResponse>), ApiError> {
    if caller.via != Via::Bearer {
        return Err(ApiError::Forbidden(
            "uploads are made with a device credential (Authorization: Bearer), not from the browser".into(),
        ));
    }
    let envelope: Envelope = json_body(
        &body(raw)?,
        "a session upload (JSON: log, pack_hash, policy_hash, person, machine)",
    )?;
    envelope.check().map_err(ApiError::BadRequest)?;
    let mut client = state.pool.get().await?;
    if caller.role == Role::Trainee && envelope.person != caller.id {
        repo::audit(
            &client,
            Some(caller.id),
            "upload-refused",
            &format!(
                "trainee {} uploaded a session for person {}",
                caller.name, envelope.person
            ),
        )
        .await?;
        return Err(ApiError::Forbidden(
            "a trainee uploads only their own sessions".into(),
        ));
    }
    let Some(person) = repo::person(&client, envelope.person).await? else {
        return Err(ApiError::NotFound(format!(
            "no person {} on this server",
            envelope.person
        )));
    };
    if !caller.may_access(person.id, person.team_id) {
        repo::audit(
            &client,
            Some(caller.id),
            "upload-refused",
            &format!(
                "{} uploaded a session for {} outside their team",
                caller.name, person.name
            ),
        )
        .await?;
        return Err(ApiError::Forbidden(format!(
            "you may not upload for {} (another team)",
            person.name
        )));
    }
    let sha = sha256_hex(envelope.log.as_bytes());
    if let Some(found) = existing(&client, &sha).await? {
        return duplicate(&client, &caller, &person, found).await;
    }
    let content = std::sync::Arc::clone(&state.content);
    let checked = {
        let envelope = envelope.clone();
        tokio::task::spawn_blocking(move || ingest::verify(&content, &envelope))
            .await
            .map_err(|e| ApiError::Internal(format!("the verification task failed: {e}")))?
    };
    let tx = client.transaction().await?;
    let response = match checked {
        Ok(v) => {
            let score = v.grade.score;
            let json = |value: serde_json::Result<serde_json::Value>| {
                value.map_err(|e| ApiError::Internal(format!("cannot encode a grade: {e}")))
            };
            let played_at = envelope.played_at.unwrap_or_else(chrono::Utc::now);
            let row = tx
                .query_opt(
                    "INSERT INTO sessions (log_sha256, person_id, uploaded_by, machine, pack_hash,
                        policy_hash, shift_id, seed, score, critical, played_at, log, grade, summary, reviews,
                        flags, competition_sha256, competition_result)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                        $17, $18)
                     ON CONFLICT (log_sha256) DO NOTHING RETURNING id",
                    &[
                        &sha,
                        &person.id,
                        &caller.id,
                        &envelope.machine.trim(),
                        &v.header.pack_hash,
                        &v.header.policy_hash,
                        &v.header.shift.id,
                        &(v.header.seed as i64),
                        &(score as i32),
                        &v.grade.critical,
                        &played_at,
                        &envelope.log,
                        &json(serde_json::to_value(&v.grade))?,
                        &json(serde_json::to_value(&v.summary))?,
                        &json(serde_json::to_value(&v.reviews))?,
                        &v.summary
                            .flags
                            .iter()
                            .map(|f| crate::reports::flag_name(f.flag))
                            .collect::<Vec<String>>(),
                        &v.header.competition.as_ref().map(|c| c.hash.clone()),
                        &v.competition_result,
                    ],
                )
                .await?;
            row.map(|r| {
                (
                    StatusCode::CREATED,
                    UploadResponse {
                        status: "stored".into(),
                        duplicate: false,
                        log_sha256: sha.clone(),
                        session: Some(r.get(0)),
                        score: Some(score),
                        code: None,
                        reason: None,
                    },
                )
            })
        }
        Err(rejected) => {
            let n = tx
                .execute(
                    "INSERT INTO quarantine (log_sha256, person_id, uploaded_by, machine, code, reason, log,
                        competition_sha256)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (log_sha256) DO NOTHING",
                    &[
                        &sha,
                        &person.id,
                        &caller.id,
                        &envelope.machine.trim(),
                        &rejected.code,
                        &rejected.reason,
                        &envelope.log,
                        &ingest::competition_of(&envelope.log),
                    ],
                )
                .await?;
            if n == 1 {
                repo::audit(
                    &tx,
                    Some(caller.id),
                    "quarantined",
                    &format!("{} for {}: {}", rejected.code, person.name, rejected.reason),
                )
                .await?;
            }
            (n == 1).then(|| {
                (
                    StatusCode::ACCEPTED,
                    UploadResponse {
                        status: "quarantined".into(),
                        duplicate: false,
                        log_sha256: sha.clone(),
                        session: None,
                        score: None,
                        code: Some(rejected.code.to_string()),
                        reason: Some(rejected.reason),
                    },
                )
            })
        }
    };
    match response {
        Some((status, response)) => {
            tx.commit().await?;
            if status == StatusCode::CREATED {
                state.xapi_wake.notify_one();
            }
            Ok((status, Json(response)))
        }
        None => {
            // Another request stored the same log meanwhile: answer as a repeat.
            tx.rollback().await?;
            let found = existing(&client, &sha)
                .await?
                .ok_or_else(|| ApiError::Internal("a conflicting upload vanished".into()))?;
            duplicate(&client, &caller, &person, found).await
        }
    }
}

async fn duplicate(
    c: &impl deadpool_postgres::GenericClient,
    caller: &Caller,
    person: &PersonRow,
    (owner, response): (Uuid, UploadResponse),
) -> Result<(StatusCode, Json<UploadResponse>), ApiError> {
    if owner != person.id {
        repo::audit(
            c,
            Some(caller.id),
            "upload-refused",
            &format!(
                "{} uploaded for {} a log already stored for another person",
                caller.name, person.name
            ),
        )
        .await?;
        return Err(ApiError::Conflict(
            "this log is already stored for another person".into(),
        ));
    }
    Ok((StatusCode::OK, Json(response)))
}

/// The person a caller asks about, when the caller may see them (403 audited otherwise).
pub async fn accessible_person(
    c: &impl deadpool_postgres::GenericClient,
    caller: &Caller,
    id: Uuid,
) -> Result<PersonRow, ApiError> {
    let person = repo::person(c, id).await?;
    match person {
        Some(p) if caller.may_access(p.id, p.team_id) => Ok(p),
        Some(p) => {
            repo::audit(
                c,
                Some(caller.id),
                "read-refused",
                &format!("{} asked for {} of another team", caller.name, p.name),
            )
            .await?;
            Err(ApiError::Forbidden(format!(
                "{} is not in your team",
                p.name
            )))
        }
        // Said as a refusal too for trainees, so a trainee cannot probe who exists.
        None if caller.role == Role::Trainee => Err(ApiError::Forbidden(
            "a trainee sees only their own data".into(),
        )),
        None => Err(ApiError::NotFound(format!("no person {id}"))),
    }
}

/// `GET /api/people/{id}/report`: the coach's report on a trainee (the model the app's
/// dashboard and `dojo report` draw), as JSON.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<dojo_core::report::TrainerReport>, ApiError> {
    let id = parse_uuid(&id)?;
    let client = state.pool.get().await?;
    let person = accessible_person(&client, &caller, id).await?;
    Ok(Json(
        crate::reports::trainer_report(&client, &state, &person).await?,
    ))
}

/// A trainee in a team's overview, with their UUID.
#[derive(Debug, Clone, Serialize)]
pub struct OverviewEntry {
    /// Their UUID (for `GET /api/people/{id}/report`).
    pub person: Uuid,
    /// dojo-core's overview row.
    pub row: dojo_core::report::AttentionRow,
}

/// `GET /api/overview`: the caller's team ranked by what needs attention (a coach's
/// team; an admin's every team, team by team) — the model of the app's dashboard.
pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<OverviewEntry>>, ApiError> {
    let client = state.pool.get().await?;
    let teams: Vec<Uuid> = match caller.role {
        crate::auth::Role::Trainee => {
            return Err(ApiError::Forbidden(
                "the team overview is for coaches and admins".into(),
            ));
        }
        crate::auth::Role::Coach => caller.team.into_iter().collect(),
        crate::auth::Role::Admin => repo::teams(&client)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect(),
    };
    let mut out = Vec::new();
    for team in teams {
        for (row, person) in crate::reports::team_overview(&client, &state, team).await? {
            out.push(OverviewEntry { person, row });
        }
    }
    Ok(Json(out))
}

/// A path's UUID, or a 400.
pub fn parse_uuid(s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s).map_err(|_| ApiError::BadRequest(format!("`{s}` is not a UUID")))
}
