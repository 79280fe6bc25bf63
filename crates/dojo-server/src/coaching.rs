//! Coaching on the server (#16): a session's tickets with the coach's override form and
//! its audit trail, trainees' acknowledgements and disputes (`POST /api/responses`,
//! synced from the app), the coach's queue of open disputes, and item analysis per
//! scenario across a team. Every form carries the sign-in's CSRF token; every write is
//! append-only and audited.

use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::api::{body, parse_uuid};
use crate::auth::{self, Caller, Role, Via};
use crate::error::ApiError;
use crate::repo::{self, NewResponse, ResponseKind, ResponseRow};
use crate::state::AppState;
use crate::web::{error_page, esc, listed_team, page, redirect, signed_in, visible_team};

/// A form's CSRF token checked against the sign-in's (a bearer credential is not sent
/// by a browser on its own, so it needs none).
pub fn check_csrf(caller: &Caller, sent: &str) -> Result<(), ApiError> {
    match &caller.via {
        Via::Bearer => Ok(()),
        Via::Cookie { csrf } if auth::same(csrf, sent) => Ok(()),
        Via::Cookie { .. } => Err(ApiError::Forbidden(
            "the form was not sent from this site (CSRF token mismatch): reload the page".into(),
        )),
    }
}

/// The hidden CSRF field of a form (none with a bearer credential).
pub fn csrf_field(caller: &Caller) -> String {
    match &caller.via {
        Via::Cookie { csrf } => {
            format!(
                "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
                esc(csrf)
            )
        }
        Via::Bearer => String::new(),
    }
}

fn parse_session(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::BadRequest(format!("`{s}` is not a session number")))
}

/// A session the caller may see, with its owner (403 audited otherwise).
async fn accessible_session(
    c: &impl deadpool_postgres::GenericClient,
    caller: &Caller,
    id: i64,
) -> Result<(dojo_core::history::SessionSummary, repo::PersonRow), ApiError> {
    let Some((s, owner)) = repo::session(c, id).await? else {
        return Err(if caller.role == Role::Trainee {
            ApiError::Forbidden("a trainee sees only their own sessions".into())
        } else {
            ApiError::NotFound(format!("no session {id}"))
        });
    };
    if !caller.may_access(owner.id, owner.team_id) {
        repo::audit(
            c,
            Some(caller.id),
            "read-refused",
            &format!("{} asked for session {id} of {}", caller.name, owner.name),
        )
        .await?;
        return Err(ApiError::Forbidden(format!(
            "session {id} is {}'s, who is not in your team",
            owner.name
        )));
    }
    Ok((s, owner))
}

/// `GET /sessions/{id}`: the session's tickets, each with its automatic grade, the
/// override trail, the trainee's responses and the coach's forms.
pub async fn session_page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let id = parse_session(&id)?;
        let client = state.pool.get().await?;
        let (s, owner) = accessible_session(&client, &caller, id).await?;
        let trail = repo::session_overrides(&client, id).await?;
        let responses = repo::responses(&client, id).await?;
        Ok::<_, ApiError>((s, owner, trail, responses))
    }
    .await;
    let (s, owner, trail, responses) = match result {
        Ok(v) => v,
        Err(e) => return error_page(e),
    };
    let csrf = csrf_field(&caller);
    let mut body = format!(
        "<p><a href=\"/people/{}\">{}</a> · {} · played {} · score {} (automatic {})</p>",
        owner.id,
        esc(&owner.name),
        esc(&s.shift_title),
        s.played_at.format("%Y-%m-%d %H:%M UTC"),
        s.effective_score.map_or("–".into(), |v| v.to_string()),
        s.score.map_or("–".into(), |v| v.to_string()),
    );
    body.push_str("<table><tr><th>#</th><th>Ticket</th><th>Call</th><th>Right call</th><th>Timing</th><th>Note</th><th>Score</th><th>Responses and overrides</th><th>Override</th></tr>");
    for t in &s.tickets {
        let call = t.call.map_or("no call", |c| c.label());
        let mut history = String::new();
        for o in trail.iter().filter(|o| o.ticket == t.number) {
            history.push_str(&format!(
                "<p>{} · <b>{}</b>: {} → {} — {}</p>",
                o.at.format("%m-%d %H:%M"),
                esc(&o.coach),
                o.old_score,
                o.new_score,
                esc(&o.reason)
            ));
        }
        for r in responses.iter().filter(|r| r.ticket == t.number) {
            let what = match r.kind {
                ResponseKind::Ack => "acknowledged",
                ResponseKind::Dispute => "disputes",
                ResponseKind::Answer => "answered",
            };
            history.push_str(&format!(
                "<p>{} · <b>{}</b> {what}{}</p>",
                r.at.format("%m-%d %H:%M"),
                esc(&r.person),
                if r.message.is_empty() {
                    String::new()
                } else {
                    format!(": “{}”", esc(&r.message))
                }
            ));
        }
        let open: Vec<&ResponseRow> = responses
            .iter()
            .filter(|r| {
                r.ticket == t.number
                    && r.kind == ResponseKind::Dispute
                    && !responses.iter().any(|a| a.answers == Some(r.id))
            })
            .collect();
        let form = if caller.role == Role::Trainee || t.handed_over {
            "<span class=\"muted\">–</span>".to_string()
        } else {
            let answer = open.first().map_or(String::new(), |d| {
                format!(
                    "<input type=\"hidden\" name=\"dispute\" value=\"{}\">",
                    d.id
                )
            });
            let keep = open.first().map_or(String::new(), |d| {
                format!(
                    "<form method=\"post\" action=\"/sessions/{}/answers\">{csrf}<input type=\"hidden\" name=\"dispute\" value=\"{}\"><label>Keep the grade because<br><input name=\"message\" required maxlength=\"2000\"></label> <button>Answer</button></form>",
                    s.id, d.id
                )
            });
            format!(
                "<form method=\"post\" action=\"/sessions/{}/overrides\">{csrf}{answer}<input type=\"hidden\" name=\"ticket\" value=\"{}\"><label>New score <input name=\"score\" type=\"number\" min=\"0\" max=\"100\" required value=\"{}\"></label><br><label>Reason<br><input name=\"reason\" required maxlength=\"2000\"></label> <button>Override</button></form>{keep}",
                s.id, t.number, t.effective_score
            )
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            t.number,
            esc(&t.title),
            esc(&t.scenario),
            esc(call),
            t.right_call.label(),
            esc(&t.timing.label()),
            t.note.map_or("–".to_string(), |n| n.total.to_string()),
            t.effective_score,
            if t.overridden {
                format!(" <span class=\"muted\">(automatic {})</span>", t.score)
            } else if t.handed_over {
                " <span class=\"muted\">(handed over)</span>".to_string()
            } else {
                String::new()
            },
            if history.is_empty() {
                "<span class=\"muted\">–</span>".to_string()
            } else {
                history
            },
            form
        ));
    }
    body.push_str("</table>");
    page(&format!("Session {}", s.id), Some(&caller), &body)
}

/// The override form.
#[derive(Debug, Deserialize)]
pub struct OverrideForm {
    /// The sign-in's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The ticket.
    pub ticket: u32,
    /// The new score.
    pub score: u32,
    /// Why.
    pub reason: String,
    /// The dispute this override answers, if any.
    #[serde(default)]
    pub dispute: Option<i64>,
}

/// `POST /sessions/{id}/overrides`: a coach overrides a ticket's grade with a reason
/// (answering the trainee's dispute when one is named).
pub async fn add_override(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    form: Result<Form<OverrideForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let Form(form) = form.map_err(|e| {
            ApiError::BadRequest(format!("the override form is incomplete or wrong: {e}"))
        })?;
        check_csrf(&caller, &form.csrf)?;
        let id = parse_session(&id)?;
        let mut client = state.pool.get().await?;
        let (_, owner) = accessible_session(&client, &caller, id).await?;
        let tx = client.transaction().await?;
        let o =
            repo::add_override(&tx, caller.id, id, form.ticket, form.score, &form.reason).await?;
        if let Some(dispute) = form.dispute {
            answer(&tx, &caller, id, dispute, &form.reason, Some(o.id)).await?;
        }
        repo::audit(
            &tx,
            Some(caller.id),
            "override",
            &format!(
                "{} set ticket {} of session {id} ({}) {} → {}: {}",
                caller.name, o.ticket, owner.name, o.old_score, o.new_score, o.reason
            ),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, ApiError>(id)
    }
    .await;
    match result {
        Ok(id) => redirect(&format!("/sessions/{id}")),
        Err(e) => error_page(e),
    }
}

async fn answer(
    c: &impl deadpool_postgres::GenericClient,
    caller: &Caller,
    session: i64,
    dispute: i64,
    message: &str,
    override_id: Option<i64>,
) -> Result<ResponseRow, ApiError> {
    let d = repo::responses(c, session)
        .await?
        .into_iter()
        .find(|r| r.id == dispute && r.kind == ResponseKind::Dispute)
        .ok_or_else(|| {
            ApiError::BadRequest(format!("no dispute {dispute} on session {session}"))
        })?;
    let (row, _) = repo::add_response(
        c,
        &NewResponse {
            session,
            ticket: d.ticket,
            person: caller.id,
            kind: ResponseKind::Answer,
            message,
            answers: Some(d.id),
            override_id,
            client_key: None,
        },
    )
    .await?;
    Ok(row)
}

/// The answer form (the grade is kept).
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    /// The sign-in's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The dispute.
    pub dispute: i64,
    /// Why the grade stands.
    pub message: String,
}

/// `POST /sessions/{id}/answers`: a coach answers a dispute and keeps the grade.
pub async fn add_answer(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    form: Result<Form<AnswerForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let Form(form) =
            form.map_err(|e| ApiError::BadRequest(format!("the answer form is incomplete: {e}")))?;
        check_csrf(&caller, &form.csrf)?;
        let id = parse_session(&id)?;
        let mut client = state.pool.get().await?;
        let (_, owner) = accessible_session(&client, &caller, id).await?;
        let tx = client.transaction().await?;
        let row = answer(&tx, &caller, id, form.dispute, &form.message, None).await?;
        repo::audit(
            &tx,
            Some(caller.id),
            "dispute-answered",
            &format!(
                "{} kept ticket {} of session {id} ({}): {}",
                caller.name, row.ticket, owner.name, row.message
            ),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, ApiError>(id)
    }
    .await;
    match result {
        Ok(id) => redirect(&format!("/sessions/{id}")),
        Err(e) => error_page(e),
    }
}

/// `POST /api/responses`'s body: a trainee's acknowledgement or dispute of one ticket's
/// grade, as the app syncs it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseRequest {
    /// The server's session id.
    pub session: i64,
    /// The ticket.
    pub ticket: u32,
    /// `ack` or `dispute`.
    pub kind: ResponseKind,
    /// Why (required for a dispute).
    #[serde(default)]
    pub message: String,
    /// The app's idempotency key (a UUID it made), so a retried sync stores it once.
    pub key: String,
}

/// `POST /api/responses`: 201 stored, 200 the same key again; only the trainee whose
/// session it is may respond (403 audited otherwise).
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ResponseRow>), ApiError> {
    let bytes = body(raw)?;
    let request: ResponseRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is not a response ({{session, ticket, kind: ack|dispute, message, key}}): {e}"
        ))
    })?;
    if request.kind == ResponseKind::Answer {
        return Err(ApiError::BadRequest(
            "a trainee acknowledges (`ack`) or disputes (`dispute`); coaches answer in the web view"
                .into(),
        ));
    }
    parse_uuid(&request.key).map_err(|_| {
        ApiError::BadRequest("`key` is a UUID the app made for this response".into())
    })?;
    let client = state.pool.get().await?;
    let Some((s, owner)) = repo::session(&client, request.session).await? else {
        return Err(ApiError::NotFound(format!(
            "no session {} on this server",
            request.session
        )));
    };
    if owner.id != caller.id {
        repo::audit(
            &client,
            Some(caller.id),
            "response-refused",
            &format!(
                "{} responded to session {} of {}",
                caller.name, request.session, owner.name
            ),
        )
        .await?;
        return Err(ApiError::Forbidden(
            "only the trainee whose session it is acknowledges or disputes its grades".into(),
        ));
    }
    if !s
        .tickets
        .iter()
        .any(|t| t.number == request.ticket && !t.handed_over)
    {
        return Err(ApiError::BadRequest(format!(
            "session {} has no graded ticket {}",
            request.session, request.ticket
        )));
    }
    let key = format!("{}:{}", caller.id, request.key.trim().to_lowercase());
    let (row, fresh) = repo::add_response(
        &client,
        &NewResponse {
            session: request.session,
            ticket: request.ticket,
            person: caller.id,
            kind: request.kind,
            message: &request.message,
            answers: None,
            override_id: None,
            client_key: Some(&key),
        },
    )
    .await?;
    if row.kind != request.kind || row.session != request.session || row.ticket != request.ticket {
        return Err(ApiError::Conflict(
            "this key was used for another response".into(),
        ));
    }
    Ok((
        if fresh {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(row),
    ))
}

/// `GET /queue`: the disputes waiting for an answer (the coach's team; everyone's for an
/// admin), oldest first.
pub async fn queue(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let rows = async {
        let team = listed_team(&caller)?;
        let client = state.pool.get().await?;
        repo::open_disputes(&client, team).await
    }
    .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let mut body = String::from(
        "<p>Grades your trainees dispute, oldest first: answer each on its session's page, by overriding the grade with a reason or keeping it with one.</p>
<table><tr><th>Since</th><th>Trainee</th><th>Session</th><th>Ticket</th><th>Their words</th></tr>",
    );
    for d in &rows {
        let r = &d.response;
        body.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"/people/{}\">{}</a></td><td><a href=\"/sessions/{}\">#{}</a></td><td>{}</td><td>{}</td></tr>",
            r.at.format("%Y-%m-%d %H:%M UTC"),
            d.person_id,
            esc(&r.person),
            r.session,
            r.session,
            r.ticket,
            esc(&r.message)
        ));
    }
    body.push_str("</table>");
    if rows.is_empty() {
        body.push_str("<p class=\"muted\">No dispute waiting.</p>");
    }
    page(&format!("Disputes ({})", rows.len()), Some(&caller), &body)
}

/// `GET /teams/{id}/items`: item analysis — per scenario across the team's trainees, how
/// often the call, its timing and the note go wrong.
pub async fn items(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let id = parse_uuid(&id)?;
        let client = state.pool.get().await?;
        let name = visible_team(&client, &caller, id, "the items of team").await?;
        let sessions = repo::team_sessions(&client, id).await?;
        Ok::<_, ApiError>((id, name, sessions))
    }
    .await;
    let (id, name, sessions) = match result {
        Ok(v) => v,
        Err(e) => return error_page(e),
    };
    let weak = crate::reports::weak_note_mark(&state);
    let rows = dojo_core::report::item_analysis(&sessions, weak);
    let pct = |n: usize, of: usize| {
        if of == 0 {
            "–".to_string()
        } else {
            format!("{} of {} ({:.0}%)", n, of, 100.0 * n as f64 / of as f64)
        }
    };
    let mut body = format!(
        "<p><a href=\"/teams/{id}\">Back to the team</a></p><p>Each scenario across the team's finished sessions, the one that goes wrong most often first: the call (resolve at L1, escalate, escalate immediately) against the framework's, its timing (before the minimum checks, past the window, or never), and escalation notes under {weak} (below the mark L2 bounces). A scenario most people get wrong may be teaching the wrong thing.</p>
<table><tr><th>Scenario</th><th>Type</th><th>Attempts</th><th>Trainees</th><th>Wrong call</th><th>Wrong timing</th><th>Weak notes</th><th>Security missed</th><th>Mean score</th><th>Goes wrong most on</th></tr>"
    );
    for r in &rows {
        body.push_str(&format!(
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{:.0}</td><td>{}</td></tr>",
            esc(&r.title),
            esc(&r.scenario),
            esc(&r.ticket_type),
            r.attempts,
            r.trainees,
            pct(r.decision_wrong, r.attempts),
            pct(r.timing_wrong, r.attempts),
            pct(r.notes_weak, r.notes),
            if r.critical > 0 { " class=\"alert\"" } else { "" },
            r.critical,
            r.mean_score,
            esc(r.weakest.as_deref().unwrap_or("–")),
        ));
    }
    body.push_str("</table>");
    if rows.is_empty() {
        body.push_str("<p class=\"muted\">No finished session in this team yet.</p>");
    }
    page(&format!("Items · {name}"), Some(&caller), &body)
}

/// An override as the app sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// The server's session id.
    pub session: i64,
    /// The ticket.
    pub ticket: u32,
    /// The new score, 0–100.
    pub score: u32,
    /// Why.
    pub reason: String,
    /// A UUID the app made when the coach made the override.
    pub key: String,
}

/// `POST /api/overrides`: a coach's override made in the app, synced (idempotent on its
/// key: 201 stored, 200 the same key again), with the rules and the audit of the web
/// form.
pub async fn api_override(
    State(state): State<AppState>,
    caller: Caller,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<dojo_core::history::Override>), ApiError> {
    let bytes = body(raw)?;
    let request: OverrideRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is not an override ({{session, ticket, score, reason, key}}): {e}"
        ))
    })?;
    parse_uuid(&request.key).map_err(|_| {
        ApiError::BadRequest("`key` is a UUID the app made for this override".into())
    })?;
    if caller.role == Role::Trainee {
        repo::audit(
            &state.pool.get().await?,
            Some(caller.id),
            "override-refused",
            &format!("{} (a trainee) sent an override", caller.name),
        )
        .await?;
        return Err(ApiError::Forbidden(
            "overrides are a coach's: a trainee disputes a grade instead".into(),
        ));
    }
    let mut client = state.pool.get().await?;
    let (_, owner) = accessible_session(&client, &caller, request.session).await?;
    let key = format!("{}:{}", caller.id, request.key.trim().to_lowercase());
    let tx = client.transaction().await?;
    let (o, fresh) = repo::add_override_keyed(
        &tx,
        caller.id,
        request.session,
        request.ticket,
        request.score,
        &request.reason,
        Some(&key),
    )
    .await?;
    if fresh {
        repo::audit(
            &tx,
            Some(caller.id),
            "override",
            &format!(
                "{} set ticket {} of session {} ({}) {} → {} (from the app): {}",
                caller.name, o.ticket, o.session, owner.name, o.old_score, o.new_score, o.reason
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok((
        if fresh {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(o),
    ))
}
