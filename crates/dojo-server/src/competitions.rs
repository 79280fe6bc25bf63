//! Competitions on the server (#16): a coach (for their team) or an admin (for a team or
//! everyone) creates one from a shift of the pack; the roster is the team's trainees; the
//! competition file is `dojo compete`'s, so its SHA-256 is its identity and the app plays
//! it as it plays any competition file. Trainees' apps fetch it (`GET /api/competitions`),
//! play it and hand in through the ordinary sync: a verified upload stamped with the
//! competition's hash is an entry. The board re-verifies every entry with dojo-core's
//! `compete::verify` — the rules, the balanced composite and every rejection reason of
//! `dojo compete verify` — adds the server's own refusals (an entry played under another
//! name than its sender's, an upload that did not verify at all), and ranks with
//! `compete::leaderboard`. A board with a freeze time shows only what arrived before it
//! (the coach can look past it); the wall view refreshes itself.

use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use deadpool_postgres::GenericClient;
use dojo_core::compete::{self, Competition, Leaderboard, Rejection, ResultFile, Verified};
use dojo_core::names;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::parse_uuid;
use crate::auth::{Caller, Role};
use crate::coaching::{check_csrf, csrf_field};
use crate::error::ApiError;
use crate::repo;
use crate::state::AppState;
use crate::web::{error_page, esc, listed_team, page, redirect, signed_in};

/// A stored competition.
#[derive(Debug, Clone, Serialize)]
pub struct CompetitionRow {
    /// Its UUID.
    pub id: Uuid,
    /// The team it is for (`None`: everyone with a team).
    pub team_id: Option<Uuid>,
    /// That team's name.
    pub team: Option<String>,
    /// Its name.
    pub name: String,
    /// The competition file, exactly as the app reads it.
    pub file: String,
    /// The file's SHA-256: the stamp every entry's log carries.
    pub sha256: String,
    /// The shift played.
    pub shift: String,
    /// The seed.
    pub seed: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its board freezes.
    pub freeze_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT c.id, c.team_id, t.name, c.name, c.file, c.file_sha256, c.shift_id,
        c.seed, c.created_at, c.freeze_at
     FROM competitions c LEFT JOIN teams t ON t.id = c.team_id";

fn row(r: &tokio_postgres::Row) -> CompetitionRow {
    CompetitionRow {
        id: r.get(0),
        team_id: r.get(1),
        team: r.get(2),
        name: r.get(3),
        file: r.get(4),
        sha256: r.get(5),
        shift: r.get(6),
        seed: r.get(7),
        created_at: r.get(8),
        freeze_at: r.get(9),
    }
}

impl CompetitionRow {
    /// The competition file read back as the app reads it.
    pub fn competition(&self, state: &AppState) -> Result<Competition, ApiError> {
        let pack = state.content.any();
        let source = dojo_core::validate::Source {
            name: format!("competition {}", self.name),
            bytes: self.file.clone().into_bytes(),
        };
        Competition::parse(&source, pack.map(|p| p.as_ref())).map_err(|d| {
            ApiError::Internal(format!(
                "a stored competition does not read: {}",
                d.first().map(|d| d.to_string()).unwrap_or_default()
            ))
        })
    }

    /// Whether the board is frozen now.
    pub fn frozen(&self, now: DateTime<Utc>) -> bool {
        self.freeze_at.is_some_and(|f| f <= now)
    }
}

/// Competitions for a team (and those for everyone), or all (`None`), newest first.
pub async fn list(
    c: &impl GenericClient,
    team: Option<Uuid>,
) -> Result<Vec<CompetitionRow>, ApiError> {
    Ok(c.query(
        &format!(
            "{SELECT} WHERE $1::uuid IS NULL OR c.team_id = $1 OR c.team_id IS NULL
                 ORDER BY c.created_at DESC, c.name"
        ),
        &[&team],
    )
    .await?
    .iter()
    .map(row)
    .collect())
}

/// One competition.
pub async fn get(c: &impl GenericClient, id: Uuid) -> Result<Option<CompetitionRow>, ApiError> {
    Ok(c.query_opt(&format!("{SELECT} WHERE c.id = $1"), &[&id])
        .await?
        .map(|r| row(&r)))
}

/// May the caller see this competition (and its board)?
fn may_see(caller: &Caller, row: &CompetitionRow, on_roster: bool) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Coach => row.team_id.is_none() || row.team_id == caller.team,
        Role::Trainee => on_roster,
    }
}

/// What creating a competition takes.
#[derive(Debug, Clone, Deserialize)]
pub struct NewCompetition {
    /// The form's CSRF token (empty with a bearer credential).
    #[serde(default)]
    pub csrf: String,
    /// Its name.
    pub name: String,
    /// A shift of the pack.
    pub shift: String,
    /// The seed (empty: one is drawn).
    #[serde(default)]
    pub seed: String,
    /// When the board freezes, `YYYY-MM-DDTHH:MM` in UTC (empty: never).
    #[serde(default)]
    pub freeze_at: String,
    /// The team (an admin's choice; a coach's is their own; empty for an admin:
    /// everyone with a team).
    #[serde(default)]
    pub team: String,
}

fn parse_freeze(s: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "the freeze time `{s}` is not a time like 2026-12-03T15:00 (UTC)"
            ))
        })
}

/// Creates a competition: the stored row.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    form: &NewCompetition,
) -> Result<CompetitionRow, ApiError> {
    if caller.role == Role::Trainee {
        return Err(ApiError::Forbidden(
            "a coach or an admin creates competitions".into(),
        ));
    }
    let name = names::clean(&form.name)
        .map_err(|e| ApiError::BadRequest(format!("the competition's name: {e}")))?;
    let pack = state
        .content
        .any()
        .ok_or_else(|| ApiError::Internal("the server has no content".into()))?;
    let shift = pack.shifts.get(form.shift.trim()).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "`{}` is not a shift of the pack ({})",
            form.shift.trim(),
            pack.shifts.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let seed = match form.seed.trim() {
        "" => {
            use rand::TryRngCore;
            u64::from(rand::rngs::OsRng.try_next_u32().map_err(|e| {
                ApiError::Internal(format!("the system's random source failed: {e}"))
            })?)
        }
        s => s.parse::<u32>().map(u64::from).map_err(|_| {
            ApiError::BadRequest(format!(
                "the seed `{s}` is not a number from 0 to 4294967295"
            ))
        })?,
    };
    let freeze_at = parse_freeze(&form.freeze_at)?;
    let mut client = state.pool.get().await?;
    let team_id = match caller.role {
        Role::Coach => Some(
            caller
                .team
                .ok_or_else(|| ApiError::Forbidden("you coach no team".into()))?,
        ),
        _ if form.team.trim().is_empty() => None,
        _ => Some(
            repo::team_by_name(&client, form.team.trim())
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no team `{}`", form.team.trim())))?,
        ),
    };
    // The roster: the team's trainees (everyone with a team), as the server names them.
    let roster: std::collections::BTreeMap<String, String> = repo::people(&client, team_id)
        .await?
        .into_iter()
        .filter(|p| p.role == Role::Trainee && !p.revoked)
        .filter_map(|p| Some((p.name, p.team?)))
        .collect();
    if roster.is_empty() {
        return Err(ApiError::BadRequest(
            "no trainee to compete: invite the team's trainees first".into(),
        ));
    }
    let competition = Competition::new(&name, shift, seed, pack, roster);
    let file = competition.to_ron();
    let sha = compete::sha256_hex(file.as_bytes());
    let id = Uuid::new_v4();
    let tx = client.transaction().await?;
    let n = tx
        .execute(
            "INSERT INTO competitions (id, team_id, name, file, file_sha256, shift_id, seed,
                created_by, freeze_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (file_sha256) DO NOTHING",
            &[
                &id,
                &team_id,
                &name,
                &file,
                &sha,
                &shift.id,
                &(seed as i64),
                &caller.id,
                &freeze_at,
            ],
        )
        .await?;
    if n == 0 {
        return Err(ApiError::Conflict(
            "this very competition exists already (same name, shift, seed and roster)".into(),
        ));
    }
    repo::audit(
        &tx,
        Some(caller.id),
        "competition-created",
        &format!(
            "{} created {name} ({}, seed {seed}, {} participants)",
            caller.name,
            shift.id,
            competition.teams.len()
        ),
    )
    .await?;
    tx.commit().await?;
    get(&client, id)
        .await?
        .ok_or_else(|| ApiError::Internal("the new competition vanished".into()))
}

fn known_code(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "unreadable",
        "hash-mismatch",
        "unknown-content",
        "shift-edited",
        "shift-too-large",
        "format",
        "log-edited",
        "score-claim",
    ];
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("quarantined")
}

/// The board: every entry handed in up to `until` re-verified as `dojo compete verify`
/// verifies a folder, plus the server's own refusals, ranked by the competition's
/// composite.
pub async fn board(
    c: &impl GenericClient,
    state: &AppState,
    row: &CompetitionRow,
    until: Option<DateTime<Utc>>,
) -> Result<(Leaderboard, usize), ApiError> {
    let competition = row.competition(state)?;
    let pack = state
        .content
        .pack(&competition.pack_hash, &competition.policy_hash)
        .ok_or_else(|| {
            ApiError::Internal("the server no longer has the competition's content".into())
        })?;
    let entries = c
        .query(
            "SELECT s.id, p.name, s.competition_result, split_part(s.log, E'\\n', 1)
             FROM sessions s JOIN people p ON p.id = s.person_id
             WHERE s.competition_sha256 = $1 AND ($2::timestamptz IS NULL OR s.received_at < $2)
             ORDER BY s.received_at, s.id",
            &[&row.sha256, &until],
        )
        .await?;
    // A result counts for the person whose machine handed it in. One played under
    // another name is refused before the folder's checks, so it cannot make the named
    // participant's own result a "duplicate".
    let mut files = Vec::new();
    let mut verified = Vec::new();
    for r in &entries {
        let sender: String = r.get(1);
        let file = format!("session {} of {sender}", r.get::<_, i64>(0));
        let played_as = ron::from_str::<dojo_core::sim::record::LogHeader>(r.get::<_, &str>(3))
            .ok()
            .and_then(|h| h.trainee);
        match played_as {
            Some(name) if !names::same(&name, &sender) => {
                verified.push(Verified::Rejected(Rejection {
                    file,
                    participant: Some(name.clone()),
                    code: "not-the-sender",
                    line: None,
                    reason: format!(
                        "played as {name} but handed in by {sender}: a result counts only for who played it"
                    ),
                }));
            }
            _ => files.push(ResultFile {
                name: file,
                bytes: r
                    .get::<_, Option<String>>(2)
                    .unwrap_or_default()
                    .into_bytes(),
            }),
        }
    }
    verified.extend(
        compete::verify::verify(&competition, pack, &files)
            .map_err(|e| ApiError::Internal(format!("the board cannot verify: {e}")))?,
    );
    let quarantined = c
        .query(
            "SELECT q.id, p.name, q.code, q.reason FROM quarantine q
             JOIN people p ON p.id = q.person_id
             WHERE q.competition_sha256 = $1 AND ($2::timestamptz IS NULL OR q.received_at < $2)
             ORDER BY q.received_at, q.id",
            &[&row.sha256, &until],
        )
        .await?;
    for q in &quarantined {
        verified.push(Verified::Rejected(Rejection {
            file: format!("upload {} of {}", q.get::<_, i64>(0), q.get::<_, String>(1)),
            participant: Some(q.get(1)),
            code: known_code(q.get(2)),
            line: None,
            reason: format!("the upload did not verify: {}", q.get::<_, String>(3)),
        }));
    }
    let later: i64 = match until {
        Some(t) => {
            c.query_one(
                "SELECT (SELECT count(*) FROM sessions WHERE competition_sha256 = $1 AND received_at >= $2)
                      + (SELECT count(*) FROM quarantine WHERE competition_sha256 = $1 AND received_at >= $2)",
                &[&row.sha256, &t],
            )
            .await?
            .get(0)
        }
        None => 0,
    };
    Ok((
        compete::leaderboard::leaderboard(&competition, &verified),
        later as usize,
    ))
}

fn on_roster(state: &AppState, row: &CompetitionRow, caller: &Caller) -> bool {
    row.competition(state).is_ok_and(|c| {
        c.teams
            .keys()
            .any(|name| compete::participant_key(name) == compete::participant_key(&caller.name))
    })
}

/// A competition as the app fetches it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// Its UUID.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The shift.
    pub shift: String,
    /// The file's SHA-256.
    pub sha256: String,
    /// When the board freezes.
    pub freeze_at: Option<DateTime<Utc>>,
    /// The competition file: write it as is and play it.
    pub file: String,
    /// The name to play under (the roster's spelling of the caller).
    pub participant: Option<String>,
}

/// `GET /api/competitions`: the competitions the caller plays in (a trainee: those with
/// them on the roster) or sees (a coach, an admin).
pub async fn api_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Listed>>, ApiError> {
    let client = state.pool.get().await?;
    let team = match caller.role {
        Role::Admin => None,
        _ => caller.team,
    };
    let rows = list(&client, team).await?;
    let mut out = Vec::new();
    for r in rows {
        let roster = on_roster(&state, &r, &caller);
        if !may_see(&caller, &r, roster) {
            continue;
        }
        let participant = r
            .competition(&state)?
            .teams
            .keys()
            .find(|n| compete::participant_key(n) == compete::participant_key(&caller.name))
            .cloned();
        out.push(Listed {
            id: r.id,
            name: r.name.clone(),
            shift: r.shift.clone(),
            sha256: r.sha256.clone(),
            freeze_at: r.freeze_at,
            file: r.file.clone(),
            participant,
        });
    }
    Ok(Json(out))
}

/// The board as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct BoardJson {
    /// The leaderboard (`dojo compete`'s model).
    pub board: Leaderboard,
    /// The board is frozen: results after `freeze_at` are not on it.
    pub frozen: bool,
    /// When it froze or freezes.
    pub freeze_at: Option<DateTime<Utc>>,
    /// Results handed in after the freeze (not shown).
    pub after_freeze: usize,
}

async fn visible(
    c: &impl GenericClient,
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<CompetitionRow, ApiError> {
    let id = parse_uuid(id)?;
    let row = get(c, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no competition {id}")))?;
    if !may_see(caller, &row, on_roster(state, &row, caller)) {
        repo::audit(
            c,
            Some(caller.id),
            "read-refused",
            &format!("{} asked for competition {}", caller.name, row.name),
        )
        .await?;
        return Err(ApiError::Forbidden(format!(
            "the competition {} is not yours to see",
            row.name
        )));
    }
    Ok(row)
}

/// `GET /api/competitions/{id}/board`: the (frozen) board as JSON, for participants and
/// coaches.
pub async fn api_board(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<BoardJson>, ApiError> {
    let client = state.pool.get().await?;
    let row = visible(&client, &state, &caller, &id).await?;
    let frozen = row.frozen(Utc::now());
    let (board, after_freeze) =
        board(&client, &state, &row, row.freeze_at.filter(|_| frozen)).await?;
    Ok(Json(BoardJson {
        board,
        frozen,
        freeze_at: row.freeze_at,
        after_freeze,
    }))
}

/// `GET /competitions`: the competitions and the form to create one.
pub async fn list_page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let client = state.pool.get().await?;
        let team = listed_team(&caller)?;
        let rows = list(&client, team).await?;
        let teams = repo::teams(&client).await?;
        Ok::<_, ApiError>((rows, teams))
    }
    .await;
    let (rows, teams) = match result {
        Ok(v) => v,
        Err(e) => return error_page(e),
    };
    let mut body = String::new();
    if rows.is_empty() {
        body.push_str("<p>No competition yet.</p>");
    } else {
        body.push_str("<table><tr><th>Competition</th><th>For</th><th>Shift</th><th>Seed</th><th>Board freezes</th><th>Created</th></tr>");
        for r in &rows {
            body.push_str(&format!(
                "<tr><td><a href=\"/competitions/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.id,
                esc(&r.name),
                esc(r.team.as_deref().unwrap_or("everyone")),
                esc(&r.shift),
                r.seed,
                r.freeze_at
                    .map_or("never".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
                r.created_at.format("%Y-%m-%d %H:%M UTC"),
            ));
        }
        body.push_str("</table>");
    }
    let shifts: String = state
        .content
        .any()
        .map(|p| {
            p.shifts
                .values()
                .map(|s| {
                    format!(
                        "<option value=\"{}\"{}>{}</option>",
                        esc(&s.id),
                        if s.id == "competition-mixed" {
                            " selected"
                        } else {
                            ""
                        },
                        esc(&s.title)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let team_field = if caller.role == Role::Admin {
        let options: String = teams
            .iter()
            .map(|t| format!("<option>{}</option>", esc(&t.name)))
            .collect();
        format!(
            "<label>For <select name=\"team\"><option value=\"\">everyone with a team</option>{options}</select></label>"
        )
    } else {
        String::new()
    };
    body.push_str(&format!(
        "<h2>New competition</h2><form method=\"post\" action=\"/competitions\" class=\"stack\">{}\
         <label>Name <input name=\"name\" required maxlength=\"80\"></label>\
         <label>Shift <select name=\"shift\">{shifts}</select></label>{team_field}\
         <label>Seed <input name=\"seed\" inputmode=\"numeric\" placeholder=\"drawn at random\"></label>\
         <label>Board freezes at (UTC) <input type=\"datetime-local\" name=\"freeze_at\"></label>\
         <button>Create</button></form>\
         <p class=\"muted\">The roster is the team's trainees now. Each plays it in the app (it appears after <code>dojo team sync</code>) and hands in by syncing; the board re-verifies every entry.</p>",
        csrf_field(&caller)
    ));
    page("Competitions", Some(&caller), &body)
}

/// `POST /competitions`.
pub async fn create_form(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    form: Result<Form<NewCompetition>, axum::extract::rejection::FormRejection>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let Form(form) = form.map_err(|e| {
            ApiError::BadRequest(format!("the competition form is incomplete or wrong: {e}"))
        })?;
        check_csrf(&caller, &form.csrf)?;
        create(&state, &caller, &form).await
    }
    .await;
    match result {
        Ok(row) => redirect(&format!("/competitions/{}", row.id)),
        Err(e) => error_page(e),
    }
}

/// The board page's options.
#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    /// The wall screen: large, ranks only, refreshing itself.
    #[serde(default)]
    pub wall: Option<String>,
    /// Past the freeze: every result (the coach's final board).
    #[serde(default)]
    pub all: Option<String>,
}

/// Seconds between a board page's refreshes.
pub const REFRESH_SECONDS: u32 = 15;

/// `GET /competitions/{id}`: the live board (`?wall=1` for the office screen, `?all=1`
/// past the freeze).
pub async fn board_page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Response {
    let caller = match signed_in(caller) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let wall = q.wall.is_some();
    let all = q.all.is_some() && !wall;
    let result = async {
        let client = state.pool.get().await?;
        let row = visible(&client, &state, &caller, &id).await?;
        let frozen = row.frozen(Utc::now());
        let until = row.freeze_at.filter(|_| frozen && !all);
        let (board, later) = board(&client, &state, &row, until).await?;
        Ok::<_, ApiError>((row, frozen, board, later))
    }
    .await;
    let (row, frozen, mut board, later) = match result {
        Ok(v) => v,
        Err(e) => return error_page(e),
    };
    let status = match (frozen, all, row.freeze_at) {
        (true, false, Some(t)) => format!(
            "Board frozen at {} — {later} result(s) handed in since are not shown yet.",
            t.format("%H:%M UTC")
        ),
        (true, true, Some(t)) => format!(
            "The final board: every result, including those after the freeze at {}.",
            t.format("%H:%M UTC")
        ),
        (false, _, Some(t)) => format!(
            "Live: updates as verified results arrive; freezes at {}.",
            t.format("%Y-%m-%d %H:%M UTC")
        ),
        _ => "Live: updates as verified results arrive.".to_string(),
    };
    let refresh = format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">");
    if wall {
        let unranked = board.rejected.len();
        board.rejected.clear();
        // The wall's style after the board's own, so it wins.
        let html = board
            .to_html()
            .replacen("<head>", &format!("<head>\n{refresh}"), 1)
            .replacen(
                "</head>",
                "<style>body{font-size:1.15rem;max-width:none;margin:1rem 2rem}table{width:100%}td,th{padding:.35rem .6rem;white-space:nowrap}.banner{font-size:1.15rem;color:#444}</style>\n</head>",
                1,
            );
        let banner = format!(
            "<p class=\"banner\">{} {}</p>",
            esc(&status),
            if unranked > 0 {
                format!("{unranked} result(s) not ranked (reasons on the coach's board).")
            } else {
                String::new()
            }
        );
        let html = html.replacen("</h1>", &format!("</h1>\n{banner}"), 1);
        let mut response = Html(html).into_response();
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        return response;
    }
    let mut body = format!(
        "<p><strong>{}</strong> <a href=\"/competitions/{}?wall=1\">Wall screen</a>{}</p>",
        esc(&status),
        row.id,
        if frozen && !all {
            format!(
                " · <a href=\"/competitions/{}?all=1\">Final board (past the freeze)</a>",
                row.id
            )
        } else {
            String::new()
        }
    );
    body.push_str(&format!(
        "<p class=\"muted\">For {}{}</p>",
        esc(row.team.as_deref().unwrap_or("everyone with a team")),
        row.freeze_at.map_or(String::new(), |t| format!(
            " · board freezes {}",
            t.format("%Y-%m-%d %H:%M UTC")
        ))
    ));
    // dojo compete's own rendering of the board, inside the page.
    let html = board.to_html();
    let inner = html
        .split_once("<body>")
        .and_then(|(_, rest)| rest.rsplit_once("</body>"))
        .map(|(b, _)| b.to_string())
        .unwrap_or_default();
    let inner = match inner.split_once("</h1>") {
        Some((_, rest)) => rest.to_string(),
        None => inner,
    };
    body.push_str(&inner);
    let mut response = page(&format!("Competition: {}", row.name), Some(&caller), &body);
    response
        .headers_mut()
        .insert("refresh", axum::http::HeaderValue::from(REFRESH_SECONDS));
    response
}
