//! The coach's report model on the server's data: dojo-core's `report::build` and
//! `report::overview`, the same rules the app's dashboard draws with.

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use dojo_core::grading::Flag;
use dojo_core::report::{
    self, AttentionRow, LatestFlag, ReportInput, ReportOptions, TraineeDigest, TrainerReport,
};
use uuid::Uuid;

use crate::error::ApiError;
use crate::repo::{self, PersonRow};
use crate::state::AppState;

fn options(state: &AppState) -> Result<ReportOptions, ApiError> {
    let pack = state
        .content
        .any()
        .ok_or_else(|| ApiError::Internal("the server has no content".into()))?;
    Ok(ReportOptions::for_pack(pack, chrono::Utc::now()))
}

/// The pass mark below which a session needs a look: the lowest module pass mark of the
/// curricula (as the app's dashboard takes it), 80 without one.
pub fn pass_mark(state: &AppState) -> u32 {
    state
        .content
        .any()
        .and_then(|p| {
            p.curricula
                .values()
                .flat_map(|c| c.modules.iter().map(|m| m.pass_mark))
                .min()
        })
        .unwrap_or(80)
}

/// A trainee's report from their verified sessions and their team's.
pub async fn trainer_report(
    c: &impl GenericClient,
    state: &AppState,
    person: &PersonRow,
) -> Result<TrainerReport, ApiError> {
    let options = options(state)?;
    let sessions = repo::summaries(c, person.id).await?;
    let team_sessions = match person.team_id {
        Some(team) => repo::team_summaries(c, team, person.id).await?,
        None => Vec::new(),
    };
    let finished: Vec<_> = sessions.iter().filter(|s| s.is_finished()).collect();
    let sampled = report::review_sample(&person.name, &finished, options.review_sample);
    let reviews: BTreeMap<(i64, u32), _> = repo::reviews(c, person.id)
        .await?
        .into_iter()
        .filter(|(sid, r)| sampled.contains(&(*sid, r.number)))
        .map(|(sid, r)| ((sid, r.number), r))
        .collect();
    let input = ReportInput {
        trainee: person.name.clone(),
        team: person.team.clone(),
        sessions,
        team_sessions,
        overrides: repo::overrides(c, person.id).await?,
        schedule: Vec::new(),
        reviews,
    };
    Ok(report::build(&input, &options))
}

/// A flag's stored name (as its JSON says it: `OverEscalates`).
pub fn flag_name(flag: Flag) -> String {
    match serde_json::to_value(flag) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{flag:?}"),
    }
}

/// A flag's advice as the overview reads it from a summary.
#[derive(serde::Deserialize)]
struct FlagAdvice {
    flag: Flag,
    advice: String,
}

fn flag_of(name: &str) -> Option<Flag> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// A team's trainees ranked by what needs attention, each with their UUID: aggregated in
/// SQL (per trainee: the count of sessions and of sessions each flag is in, which the
/// sessions' trigger keeps, and the first and the latest session through the
/// `sessions_person` index), the latest sessions' flags read for their advice, and ranked
/// by dojo-core's `report::overview_of` — the rules the report's overview uses.
pub async fn team_overview(
    c: &impl GenericClient,
    state: &AppState,
    team: Uuid,
) -> Result<Vec<(AttentionRow, Uuid)>, ApiError> {
    let rows = c
        .query(
            "SELECT p.id, p.name, t.name, COALESCE(n.sessions, 0), f.id, f.score, l.id, l.score,
                    l.critical, l.flags,
                    (SELECT jsonb_agg(jsonb_build_object('flag', x->'flag', 'advice', x->'advice'))
                     FROM jsonb_array_elements(l.summary->'flags') x)
             FROM people p JOIN teams t ON t.id = p.team_id
             LEFT JOIN person_counts n ON n.person_id = p.id
             LEFT JOIN LATERAL (SELECT s.id, s.score FROM sessions s WHERE s.person_id = p.id
                                ORDER BY s.played_at, s.id LIMIT 1) f ON true
             LEFT JOIN LATERAL (SELECT s.id, s.score, s.critical, s.flags, s.summary
                                FROM sessions s WHERE s.person_id = p.id
                                ORDER BY s.played_at DESC, s.id DESC LIMIT 1) l ON true
             WHERE p.team_id = $1 AND p.role = 'trainee'",
            &[&team],
        )
        .await?;
    // How many sessions of each trainee carry each flag (kept by the sessions' trigger).
    let counts: BTreeMap<(Uuid, String), usize> = c
        .query(
            "SELECT c.person_id, c.flag, c.sessions FROM person_flag_counts c
             JOIN people p ON p.id = c.person_id
             WHERE p.team_id = $1 AND p.role = 'trainee' AND c.sessions > 0",
            &[&team],
        )
        .await?
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get::<_, i32>(2) as usize))
        .collect();
    // Overridden first or latest sessions: their scores as the overrides make them.
    let ends: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.get::<_, Option<i64>>(4), r.get::<_, Option<i64>>(6)])
        .flatten()
        .collect();
    let overridden = repo::overridden_scores(c, &ends).await?;
    let score = |id: Option<i64>, automatic: Option<i32>| {
        id.and_then(|id| overridden.get(&id).copied().flatten())
            .or(automatic.map(|s| s as u32))
    };
    let mut digests = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    for r in &rows {
        let person: Uuid = r.get(0);
        let latest_id: Option<i64> = r.get(6);
        let advice: Vec<FlagAdvice> = match r.get::<_, Option<serde_json::Value>>(10) {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                ApiError::Internal(format!("a stored session's flags do not read: {e}"))
            })?,
            None => Vec::new(),
        };
        let names: Vec<String> = r.get::<_, Option<Vec<String>>>(9).unwrap_or_default();
        let latest_flags = names
            .iter()
            .filter_map(|name| {
                let flag = flag_of(name)?;
                Some(LatestFlag {
                    flag,
                    label: flag.label().to_string(),
                    advice: advice
                        .iter()
                        .find(|p| p.flag == flag)
                        .map(|p| p.advice.clone())
                        .unwrap_or_default(),
                    sessions: counts.get(&(person, name.clone())).copied().unwrap_or(1),
                })
            })
            .collect();
        digests.push(TraineeDigest {
            trainee: r.get(1),
            team: r.get(2),
            sessions: r.get::<_, i32>(3) as usize,
            first_score: score(r.get(4), r.get(5)),
            latest_score: score(latest_id, r.get(7)),
            latest_critical: r.get::<_, Option<bool>>(8).unwrap_or(false),
            latest_flags,
        });
        ids.push((r.get::<_, String>(1), person));
    }
    let ranked = report::overview_of(&digests, pass_mark(state));
    Ok(ranked
        .into_iter()
        .filter_map(|row| {
            let id = ids.iter().find(|(n, _)| *n == row.trainee)?.1;
            Some((row, id))
        })
        .collect())
}

/// The same overview built the long way — every trainee's full report from all their
/// sessions, then `report::overview` — the reference [`team_overview`] is tested and
/// measured against.
pub async fn team_overview_by_reports(
    c: &impl GenericClient,
    state: &AppState,
    team: Uuid,
) -> Result<Vec<(AttentionRow, Uuid)>, ApiError> {
    let trainees: Vec<PersonRow> = repo::people(c, Some(team))
        .await?
        .into_iter()
        .filter(|p| p.role == crate::auth::Role::Trainee)
        .collect();
    let mut reports = Vec::with_capacity(trainees.len());
    for p in &trainees {
        reports.push(trainer_report(c, state, p).await?);
    }
    Ok(report::overview(&reports, pass_mark(state))
        .into_iter()
        .filter_map(|row| {
            let id = trainees.iter().find(|p| p.name == row.trainee)?.id;
            Some((row, id))
        })
        .collect())
}

/// The note score under which item analysis counts a note as weak: the completeness
/// below which L2 bounces a note (the policy's `l2.bounce_below`), as 0–100.
pub fn weak_note_mark(state: &AppState) -> u32 {
    state
        .content
        .any()
        .map_or(50, |p| (p.policy.l2.bounce_below * 100.0).round() as u32)
}
