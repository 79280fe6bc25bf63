//! The outbox of the team server (#16): every finished session queued in the transaction
//! that stores it, the sessions stored before the migration queued by it, and the link
//! choosing whose sessions go up.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use dojo_core::agents::{self, Persona};
use dojo_core::history::{GradedSession, Role};
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::sim::session::Session;
use dojo_store::{Store, StoreError, TeamLink};

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap()
}

fn graded(pack: &Arc<Pack>, persona: Persona, who: &str) -> GradedSession {
    let shift = "onboarding-1-l1-scope";
    let script = agents::play(Arc::clone(pack), &pack.shifts[shift], 7, persona).unwrap();
    let mut s = Session::new(Arc::clone(pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    GradedSession::of(&s, LogHeader::for_session(&s, Some(who.into()), None))
}

fn link(trainee: Option<&str>) -> TeamLink {
    TeamLink {
        server: "https://dojo.example.org".into(),
        credential: "c".repeat(64),
        person_uuid: "00000000-0000-4000-8000-000000000001".into(),
        person_name: "Ana".into(),
        role: "trainee".into(),
        trainee: trainee.map(str::to_string),
        machine: "dojo-test".into(),
        joined_at: day(2),
    }
}

#[test]
fn a_stored_session_is_queued_with_it_and_only_the_linked_trainees_go_up() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    store
        .add_person("Ana", Role::Trainee, None, day(1))
        .unwrap();
    store
        .add_person("Ben", Role::Trainee, None, day(1))
        .unwrap();
    let ana = graded(&pack, Persona::Ideal, "Ana");
    let id = store.record_session("Ana", &ana, day(3)).unwrap();
    store
        .record_session("Ben", &graded(&pack, Persona::Slow, "Ben"), day(3))
        .unwrap();
    // Stored twice: refused, and not queued twice.
    assert!(matches!(
        store.record_session("Ana", &ana, day(4)),
        Err(StoreError::Duplicate(_))
    ));

    // Not joined: nothing to upload yet, both sessions counted as waiting.
    assert!(store.team_link().unwrap().is_none());
    assert!(store.outbox_pending().unwrap().is_empty());
    assert_eq!(store.outbox_status().unwrap().pending, 2);

    // A trainee who is not here cannot be linked.
    assert!(store.set_team_link(&link(Some("Zed"))).is_err());
    store.set_team_link(&link(Some("ana"))).unwrap();
    let got = store.team_link().unwrap().unwrap();
    assert_eq!(got.trainee.as_deref(), Some("Ana"));
    assert_eq!(got.credential, "c".repeat(64));
    let pending = store.outbox_pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].session, id);
    assert_eq!(pending[0].log, ana.log_text);
    assert_eq!(pending[0].log_sha256, ana.log_sha256);
    assert_eq!(pending[0].played_at, day(3));

    store
        .outbox_failed(pending[0].id, "cannot reach the server")
        .unwrap();
    let status = store.outbox_status().unwrap();
    assert_eq!(
        (
            status.pending,
            status.not_mapped,
            status.last_error.as_deref()
        ),
        (1, 1, Some("cannot reach the server"))
    );
    store
        .outbox_sent(pending[0].id, "stored", Some(41), day(5))
        .unwrap();
    assert!(store.outbox_pending().unwrap().is_empty());
    let status = store.outbox_status().unwrap();
    assert_eq!(
        (status.pending, status.stored, status.last_sent),
        (0, 1, Some(day(5)))
    );
    assert_eq!(status.last_error, None);
}

#[test]
fn sessions_stored_before_the_outbox_existed_are_queued_by_the_migration() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(dojo_store::DB_FILE);
    let mut old = Store::open(&path).unwrap();
    old.add_person("Ana", Role::Trainee, None, day(1)).unwrap();
    let id = old
        .record_session("Ana", &graded(&pack, Persona::Ideal, "Ana"), day(3))
        .unwrap();
    drop(old);
    // Take the file back to schema 4: no link, no outbox.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER outbox_kept; DROP TABLE outbox; DROP TABLE team_link;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    let store = Store::open(&path).unwrap();
    store.set_team_link(&link(Some("Ana"))).unwrap();
    let pending = store.outbox_pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].session, id);
}
