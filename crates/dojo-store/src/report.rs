//! The loader of the coach's report: reads what [`dojo_core::report::build`] needs from
//! the store. The report itself is pure and lives in the core.

use std::collections::{BTreeMap, BTreeSet};

use dojo_core::history::{Role, SessionQuery, SessionSummary};
use dojo_core::report::{ReportInput, ReportOptions, TrainerReport, build, review_sample};

use crate::error::StoreError;
use crate::store::Store;

/// Reads what the report needs from the store and builds it.
pub fn trainer_report(
    store: &Store,
    trainee: &str,
    options: &ReportOptions,
) -> Result<TrainerReport, StoreError> {
    let person = store.require(trainee, Role::Trainee)?;
    let sessions = store.sessions(&SessionQuery {
        trainee: Some(person.name.clone()),
        since: options.since,
        ..SessionQuery::default()
    })?;
    let team_sessions = match &person.team {
        Some(team) => store.sessions(&SessionQuery {
            team: Some(team.clone()),
            since: options.since,
            finished_only: true,
            except_trainee: Some(person.name.clone()),
            ..SessionQuery::default()
        })?,
        None => Vec::new(),
    };
    let finished: Vec<&SessionSummary> = sessions.iter().filter(|s| s.is_finished()).collect();
    let mut reviews = BTreeMap::new();
    for (sid, number) in review_sample(&person.name, &finished, options.review_sample) {
        if let Some(r) = store.review(sid, number)? {
            reviews.insert((sid, number), r);
        }
    }
    let ids: BTreeSet<i64> = sessions.iter().map(|s| s.id).collect();
    let overrides = store
        .overrides(Some(&person.name))?
        .into_iter()
        .filter(|o| ids.contains(&o.session))
        .collect();
    let input = ReportInput {
        trainee: person.name.clone(),
        team: person.team.clone(),
        schedule: store.schedule(&person.name)?,
        sessions,
        team_sessions,
        overrides,
        reviews,
    };
    Ok(build(&input, options))
}
