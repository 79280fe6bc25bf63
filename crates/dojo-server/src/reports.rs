//! The coach's report model on the server's data: dojo-core's `report::build` and
//! `report::overview`, the same rules the app's dashboard draws with.

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use dojo_core::report::{self, AttentionRow, ReportInput, ReportOptions, TrainerReport};
use uuid::Uuid;

use crate::auth::Role;
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

/// A team's trainees ranked by what needs attention, each with their UUID.
pub async fn team_overview(
    c: &impl GenericClient,
    state: &AppState,
    team: Uuid,
) -> Result<Vec<(AttentionRow, Uuid)>, ApiError> {
    let trainees: Vec<PersonRow> = repo::people(c, Some(team))
        .await?
        .into_iter()
        .filter(|p| p.role == Role::Trainee)
        .collect();
    let mut reports = Vec::with_capacity(trainees.len());
    for p in &trainees {
        reports.push(trainer_report(c, state, p).await?);
    }
    let rows = report::overview(&reports, pass_mark(state));
    Ok(rows
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
