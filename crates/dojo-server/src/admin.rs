//! The `admin` commands on the database: teams, people, invitations. Each runs in one
//! transaction and says what it did; `invite` prints the enrolment token as its last line.

use chrono::Duration;
use deadpool_postgres::Pool;

use crate::auth::Role;
use crate::error::ApiError;
use crate::repo;

/// Adds a team; its UUID.
pub async fn team_add(pool: &Pool, name: &str) -> Result<uuid::Uuid, ApiError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let id = repo::add_team(&tx, name).await?;
    repo::audit(&tx, None, "team-added", name).await?;
    tx.commit().await?;
    Ok(id)
}

/// An invitation: the person (created when new) and their one-time token.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The person's UUID.
    pub person: uuid::Uuid,
    /// The person was created by this invitation.
    pub created: bool,
    /// The one-time enrolment token.
    pub token: String,
}

/// Invites a person: creates them (role, team) unless they exist with that role and
/// team, and issues a one-time enrolment token good for `days`.
pub async fn invite(
    pool: &Pool,
    name: &str,
    role: Role,
    team: Option<&str>,
    days: i64,
) -> Result<Invitation, ApiError> {
    if !(1..=90).contains(&days) {
        return Err(ApiError::BadRequest(
            "an invitation is valid for 1 to 90 days".into(),
        ));
    }
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let (person, created) = match repo::person_by_name(&tx, name).await? {
        Some(p) if p.revoked => {
            return Err(ApiError::Conflict(format!(
                "{}'s access was revoked: restore it first with `admin person restore \"{}\"`",
                p.name, p.name
            )));
        }
        Some(p) => {
            let same_team = match (team, &p.team) {
                (None, None) => true,
                (Some(a), Some(b)) => dojo_core::names::same(a, b),
                _ => false,
            };
            if p.role != role || !same_team {
                return Err(ApiError::Conflict(format!(
                    "{} exists as {} of {}: not changed by an invitation",
                    p.name,
                    p.role.as_str(),
                    p.team.as_deref().unwrap_or("no team")
                )));
            }
            (p.id, false)
        }
        None => (repo::add_person(&tx, name, role, team).await?, true),
    };
    let token = repo::new_enrolment_token(&tx, person, Duration::days(days)).await?;
    repo::audit(
        &tx,
        None,
        "invited",
        &format!("{name} as {} (token valid {days} days)", role.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(Invitation {
        person,
        created,
        token,
    })
}

async fn named(
    c: &impl deadpool_postgres::GenericClient,
    name: &str,
) -> Result<repo::PersonRow, ApiError> {
    repo::person_by_name(c, name).await?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "no person `{name}` (`admin person list` shows them)"
        ))
    })
}

/// The devices, everyone's or one person's.
pub async fn devices(pool: &Pool, person: Option<&str>) -> Result<Vec<repo::DeviceRow>, ApiError> {
    let client = pool.get().await?;
    let id = match person {
        Some(name) => Some(named(&client, name).await?.id),
        None => None,
    };
    repo::devices(&client, id).await
}

/// Revokes one device; it as it now is.
pub async fn revoke_device(pool: &Pool, id: uuid::Uuid) -> Result<repo::DeviceRow, ApiError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let device = repo::revoke_device(&tx, id).await?;
    repo::audit(
        &tx,
        None,
        "device-revoked",
        &format!(
            "device {id} ({}, machine {})",
            device.person, device.machine
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(device)
}

/// Revokes (or restores) a person's access; the number of devices revoked with it.
pub async fn set_person_revoked(pool: &Pool, name: &str, revoked: bool) -> Result<u64, ApiError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let person = named(&tx, name).await?;
    let devices = repo::set_person_revoked(&tx, person.id, revoked).await?;
    repo::audit(
        &tx,
        None,
        if revoked {
            "person-revoked"
        } else {
            "person-restored"
        },
        &format!("{} ({})", person.name, person.id),
    )
    .await?;
    tx.commit().await?;
    Ok(devices)
}

/// Erases a person and their data on request, in one transaction; `confirm` must repeat
/// the name. What was removed.
pub async fn erase(
    pool: &Pool,
    name: &str,
    confirm: &str,
) -> Result<(uuid::Uuid, repo::Erasure), ApiError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let person = named(&tx, name).await?;
    if !dojo_core::names::same(&person.name, confirm) {
        return Err(ApiError::BadRequest(format!(
            "erasing cannot be undone: repeat the name with --confirm \"{}\"",
            person.name
        )));
    }
    let erased = repo::erase_person(&tx, &person).await?;
    repo::audit(
        &tx,
        None,
        "person-erased",
        &format!(
            "person {} on request: {} sessions, {} quarantined uploads, {} devices",
            person.id, erased.sessions, erased.quarantined, erased.devices
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((person.id, erased))
}
