//! The coach's web view: server-rendered HTML and CSS, no script. A coach signs in with
//! their device credential through a form (double-submit CSRF cookie); the session is an
//! HttpOnly, SameSite=Strict cookie whose own CSRF token every POST form carries. Every
//! piece of user text is escaped.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::api::{accessible_person, parse_uuid};
use crate::auth::{
    self, Caller, LOGIN_CSRF_COOKIE, Role, SESSION_COOKIE, Via, random_secret, sha256_hex,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{repo, reports};

/// How long a browser sign-in lasts.
const WEB_SESSION_HOURS: i64 = 12;

/// Text made safe inside HTML elements and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:1.5rem auto;padding:0 1rem;color:#1d2430}
header{display:flex;gap:1rem;align-items:center;border-bottom:1px solid #ccd;padding-bottom:.5rem;margin-bottom:1rem}
header nav{flex:1}header a{margin-right:1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e6ee;vertical-align:top}
th{background:#f3f5f9}.alert{color:#a40000;font-weight:600}.muted{color:#667}
form.inline{display:inline}button{font:inherit}input[type=password]{width:32rem;max-width:100%}
@media print{header form,header nav{display:none}a{color:inherit;text-decoration:none}}";

pub fn page(title: &str, caller: Option<&Caller>, body: &str) -> Response {
    let mut head = String::new();
    if let Some(c) = caller {
        head.push_str(
            "<header><nav><a href=\"/\">Teams</a><a href=\"/queue\">Disputes</a><a href=\"/competitions\">Competitions</a><a href=\"/quarantine\">Quarantine</a></nav>",
        );
        head.push_str(&format!(
            "<span class=\"muted\">{} ({})</span>",
            esc(&c.name),
            c.role.as_str()
        ));
        if let Via::Cookie { csrf } = &c.via {
            head.push_str(&format!(
                "<form class=\"inline\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>Sign out</button></form>",
                esc(csrf)
            ));
        }
        head.push_str("</header>");
    }
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{} · Escalation Dojo</title><style>{CSS}</style></head><body>{head}<main><h1>{}</h1>{body}</main></body></html>",
        esc(title),
        esc(title)
    );
    let mut response = Html(html).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub fn error_page(e: ApiError) -> Response {
    let status = e.status();
    if let ApiError::Internal(detail) = &e {
        eprintln!("dojo-server: internal error: {detail}");
    }
    let mut response = page(
        status.canonical_reason().unwrap_or("Error"),
        None,
        &format!(
            "<p>{}</p><p><a href=\"/login\">Sign in</a></p>",
            esc(&e.public_message())
        ),
    );
    *response.status_mut() = status;
    response
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

/// The caller of a page, or the sign-in page when there is none (a page is the error:
/// returned once per request, its size does not matter).
#[allow(clippy::result_large_err)]
pub fn signed_in(caller: Result<Caller, ApiError>) -> Result<Caller, Response> {
    match caller {
        Ok(c) if c.role == Role::Trainee => Err(error_page(ApiError::Forbidden(
            "the web view is for coaches and admins".into(),
        ))),
        Ok(c) => Ok(c),
        Err(ApiError::Unauthorized(_)) => Err(redirect("/login")),
        Err(e) => Err(error_page(e)),
    }
}

/// A team the caller may see: its name. A refusal is audited (`what` says what was
/// asked for: "team", "the items of team").
pub async fn visible_team(
    c: &impl deadpool_postgres::GenericClient,
    caller: &Caller,
    id: uuid::Uuid,
    what: &str,
) -> Result<String, ApiError> {
    let name = repo::team_name(c, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no team {id}")))?;
    if !caller.may_see_team(id) {
        repo::audit(
            c,
            Some(caller.id),
            "read-refused",
            &format!("{} asked for {what} {name}", caller.name),
        )
        .await?;
        return Err(ApiError::Forbidden(format!("you do not coach {name}")));
    }
    Ok(name)
}

/// Whose rows a list page shows: everyone's for an admin (`None`), the coach's team's.
pub fn listed_team(caller: &Caller) -> Result<Option<uuid::Uuid>, ApiError> {
    match caller.role {
        Role::Admin => Ok(None),
        _ => caller
            .team
            .map(Some)
            .ok_or_else(|| ApiError::NotFound("you coach no team".into())),
    }
}

/// `GET /login`.
pub async fn login_form() -> Response {
    let csrf = match random_secret() {
        Ok(t) => t,
        Err(e) => return error_page(e),
    };
    let mut response = page(
        "Sign in",
        None,
        &format!(
            "<p>Sign in with the device credential your machine received when it enrolled with its one-time token.</p>
<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">
<p><label>Device credential<br><input type=\"password\" name=\"credential\" autocomplete=\"off\" required></label></p>
<p><button>Sign in</button></p></form>"
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login"
    )) {
        response.headers_mut().insert(SET_COOKIE, v);
    }
    response
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// The device credential.
    pub credential: String,
    /// The double-submit token.
    pub csrf: String,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LOGIN_CSRF_COOKIE)
        .map(|(_, v)| v.to_string());
    if !cookie.is_some_and(|c| auth::same(&c, &form.csrf)) {
        return error_page(ApiError::Forbidden(
            "the sign-in form is stale or was not sent from this site (reload it)".into(),
        ));
    }
    match start_web_session(&state, form.credential.trim()).await {
        Ok(token) => {
            let mut response = redirect("/");
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
                WEB_SESSION_HOURS * 3600
            )) {
                response.headers_mut().insert(SET_COOKIE, v);
            }
            response
        }
        Err(e) => error_page(e),
    }
}

async fn start_web_session(state: &AppState, credential: &str) -> Result<String, ApiError> {
    let client = state.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT p.id, p.role, d.id FROM devices d JOIN people p ON p.id = d.person_id
             WHERE d.credential_sha256 = $1 AND d.revoked_at IS NULL AND p.revoked_at IS NULL",
            &[&sha256_hex(credential.as_bytes())],
        )
        .await?
        .ok_or_else(|| ApiError::Unauthorized("unknown device credential".into()))?;
    let person: uuid::Uuid = row.get(0);
    let device: uuid::Uuid = row.get(2);
    if row.get::<_, &str>(1) == "trainee" {
        return Err(ApiError::Forbidden(
            "the web view is for coaches and admins".into(),
        ));
    }
    let token = random_secret()?;
    let csrf = random_secret()?;
    client
        .execute(
            "INSERT INTO web_sessions (token_sha256, person_id, csrf, expires_at, device_id)
             VALUES ($1, $2, $3, now() + make_interval(hours => $4), $5)",
            &[
                &sha256_hex(token.as_bytes()),
                &person,
                &csrf,
                &(WEB_SESSION_HOURS as i32),
                &device,
            ],
        )
        .await?;
    Ok(token)
}

/// A POST form's CSRF field.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    pub csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Via::Cookie { csrf } = &caller.via else {
        return redirect("/login");
    };
    if !auth::same(csrf, &form.csrf) {
        return error_page(ApiError::Forbidden(
            "the form was not sent from this site (CSRF token mismatch)".into(),
        ));
    }
    let token = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let result = async {
        let client = state.pool.get().await?;
        client
            .execute(
                "DELETE FROM web_sessions WHERE token_sha256 = $1",
                &[&sha256_hex(token.as_bytes())],
            )
            .await?;
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(e) = result {
        return error_page(e);
    }
    let mut response = redirect("/login");
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("dojo_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

/// `GET /`: a coach's team, or the list of teams for an admin.
pub async fn home(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if caller.role == Role::Coach {
        return match caller.team {
            Some(team) => redirect(&format!("/teams/{team}")),
            None => error_page(ApiError::NotFound("you coach no team".into())),
        };
    }
    let teams = async {
        let client = state.pool.get().await?;
        repo::teams(&client).await
    }
    .await;
    match teams {
        Ok(teams) => {
            let mut body = String::from("<table><tr><th>Team</th><th>Members</th></tr>");
            for t in &teams {
                body.push_str(&format!(
                    "<tr><td><a href=\"/teams/{}\">{}</a></td><td>{}</td></tr>",
                    t.id,
                    esc(&t.name),
                    t.members
                ));
            }
            body.push_str("</table>");
            if teams.is_empty() {
                body.push_str("<p class=\"muted\">No team yet: <code>dojo-server admin team add NAME</code>.</p>");
            }
            page("Teams", Some(&caller), &body)
        }
        Err(e) => error_page(e),
    }
}

/// `GET /teams/{id}`: whom to coach first, and on what.
pub async fn team(
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
        let name = visible_team(&client, &caller, id, "team").await?;
        let rows = reports::team_overview(&client, &state, id).await?;
        Ok((id, name, rows))
    }
    .await;
    let (team_id, name, rows) = match result {
        Ok(v) => v,
        Err(e) => return error_page(e),
    };
    let mut body = format!(
        "<p><a href=\"/teams/{team_id}/items\">Item analysis: which scenarios go wrong, and on what</a> · <a href=\"/queue\">Disputes waiting</a></p>"
    );
    body.push_str(
        "<p>Trainees ranked by what needs attention: a missed security incident, patterns flagged in the latest session, a falling score, a score under the pass mark.</p>
<table><tr><th>#</th><th>Trainee</th><th>Sessions</th><th>Latest score</th><th>Change</th><th>Flagged in the latest session</th><th>Coach this</th></tr>",
    );
    for (i, (row, pid)) in rows.iter().enumerate() {
        let change = row
            .score_change
            .map_or_else(|| "–".to_string(), |c| format!("{c:+}"));
        let flags = if row.missed_security {
            let mut f = vec!["missed security".to_string()];
            f.extend(row.flags.iter().cloned());
            f
        } else {
            row.flags.clone()
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"/people/{pid}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td></tr>",
            i + 1,
            esc(&row.trainee),
            row.sessions,
            row.latest_score.map_or_else(|| "–".to_string(), |s| s.to_string()),
            change,
            if row.missed_security { " class=\"alert\"" } else { "" },
            esc(&flags.join(", ")),
            esc(&row.coach_this),
        ));
    }
    body.push_str("</table>");
    if rows.is_empty() {
        body.push_str("<p class=\"muted\">No trainee in this team yet.</p>");
    }
    page(&format!("Team {name}"), Some(&caller), &body)
}

/// `GET /people/{id}`: the trainee's report, as `dojo report --format html` draws it.
pub async fn person(
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
        let person = accessible_person(&client, &caller, id).await?;
        reports::trainer_report(&client, &state, &person).await
    }
    .await;
    match result {
        Ok(report) => {
            let mut html = dojo_core::report::to_html(&report);
            // The server's own part: each session's page, where the coach overrides a
            // grade and answers disputes.
            let mut links = String::from(
                "<section class=\"server\"><h2>Sessions on the team server</h2><p>Open a session to override a ticket's grade with a reason or answer a dispute.</p><ul>",
            );
            for s in &report.sessions {
                links.push_str(&format!(
                    "<li><a href=\"/sessions/{}\">Session #{}</a> · {} · {}</li>",
                    s.id,
                    s.id,
                    s.played_at.format("%Y-%m-%d %H:%M"),
                    esc(&s.shift_title)
                ));
            }
            links.push_str("</ul></section>");
            match html.rfind("</body>") {
                Some(at) => html.insert_str(at, &links),
                None => html.push_str(&links),
            }
            let mut response = Html(html).into_response();
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => error_page(e),
    }
}

/// `GET /quarantine`: uploads that failed verification, with their reasons.
pub async fn quarantine(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let rows = async {
        let team = listed_team(&caller)?;
        let client = state.pool.get().await?;
        repo::quarantine(&client, team).await
    }
    .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let mut body = String::from(
        "<p>Uploads that did not verify: nothing of them is graded or counted.</p>
<table><tr><th>Received</th><th>Trainee</th><th>Machine</th><th>Code</th><th>Reason</th><th>Log SHA-256</th></tr>",
    );
    for q in &rows {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            q.received_at.format("%Y-%m-%d %H:%M UTC"),
            esc(&q.person),
            esc(&q.machine),
            esc(&q.code),
            esc(&q.reason),
            esc(q.log_sha256.get(..12).unwrap_or(&q.log_sha256)),
        ));
    }
    body.push_str("</table>");
    if rows.is_empty() {
        body.push_str("<p class=\"muted\">Nothing in quarantine.</p>");
    }
    page("Quarantine", Some(&caller), &body)
}
