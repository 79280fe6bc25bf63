//! Stored grading values are versioned: an older row is migrated on read, a newer or
//! mangled one is a clear error naming the session and the value — never a silent
//! `None` or a default (which would quietly lose a trainee's grade or timing).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use dojo_core::agents::{self, Persona};
use dojo_core::grading::{SessionNumbers, Timing};
use dojo_core::history::{GradedSession, Role};
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::sim::session::Session;
use dojo_store::{DB_FILE, Store, StoreError, stored};

fn stored_session() -> (tempfile::TempDir, i64, GradedSession) {
    let pack = Arc::new(Pack::builtin().unwrap());
    let script = agents::play(
        Arc::clone(&pack),
        &pack.shifts["onboarding-basics"],
        7,
        Persona::Slow,
    )
    .unwrap();
    let mut s = Session::new(Arc::clone(&pack), "onboarding-basics", 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    let graded = GradedSession::of(&s, LogHeader::for_session(&s, Some("Bo".into()), None));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap();
    store.add_person("Bo", Role::Trainee, None, at).unwrap();
    let id = store.record_session("Bo", &graded, at).unwrap();
    (dir, id, graded)
}

/// Edits the database behind the store's back, as an older version (or a broken tool)
/// would have left it: the triggers that keep stored logs and grades unchanged are lifted
/// for it, and the file is taken back to schema 3 (before grades were sealed), so the
/// next open migrates it and seals what the older version wrote.
fn sql(dir: &tempfile::TempDir, statement: &str) {
    rusqlite::Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .execute_batch(&format!(
            "DROP TRIGGER IF EXISTS session_logs_unchanged;
             DROP TRIGGER IF EXISTS sessions_graded_unchanged;
             DROP TRIGGER IF EXISTS tickets_unchanged; DROP TRIGGER IF EXISTS tickets_kept;
             DROP TRIGGER IF EXISTS flags_unchanged; DROP TRIGGER IF EXISTS flags_kept;
             DROP TRIGGER IF EXISTS reviews_unchanged; DROP TRIGGER IF EXISTS reviews_kept;
             {statement}
             ALTER TABLE sessions DROP COLUMN seal; PRAGMA user_version = 3;"
        ))
        .unwrap();
}

#[test]
fn values_are_written_with_their_format_and_read_back_equal() {
    let (dir, id, graded) = stored_session();
    let text: String = rusqlite::Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .query_row(
            "SELECT grade FROM session_logs WHERE session_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        text.starts_with(&format!("{{\"format\":{}", stored::FORMAT)),
        "{}",
        &text[..40]
    );
    let store = Store::open_in(dir.path()).unwrap();
    assert_eq!(store.session_grade(id).unwrap().unwrap(), graded.grade);
}

#[test]
fn a_row_from_before_versioning_is_migrated_on_read() {
    let (dir, id, graded) = stored_session();
    // Format 0: the bare JSON the store wrote before values were versioned.
    let bare = serde_json::to_string(&graded.grade).unwrap();
    let numbers = serde_json::to_string(&graded.grade.numbers).unwrap();
    sql(
        &dir,
        &format!(
            "UPDATE session_logs SET grade = '{}' WHERE session_id = {id};
             UPDATE sessions SET numbers = '{}' WHERE id = {id};
             UPDATE tickets SET timing = '\"OnTime\"' WHERE session_id = {id};",
            bare.replace('\'', "''"),
            numbers.replace('\'', "''")
        ),
    );
    let store = Store::open_in(dir.path()).unwrap();
    assert_eq!(store.session_grade(id).unwrap().unwrap(), graded.grade);
    let s = store.session(id).unwrap();
    assert_eq!(s.numbers.as_ref(), Some(&graded.grade.numbers));
    assert!(s.tickets.iter().all(|t| t.timing == Timing::OnTime));
    let _: Option<SessionNumbers> = s.numbers;
}

#[test]
fn a_newer_or_mangled_value_is_an_error_naming_it_never_a_silent_default() {
    let (dir, id, _) = stored_session();
    sql(
        &dir,
        &format!(
            "UPDATE session_logs SET grade = '{{\"format\":99,\"value\":{{}}}}' WHERE session_id = {id};"
        ),
    );
    let store = Store::open_in(dir.path()).unwrap();
    let e = store.session_grade(id).unwrap_err();
    assert!(
        matches!(e, StoreError::Unreadable { session, what: "grade", .. } if session == id),
        "{e}"
    );
    assert!(
        e.to_string().contains("newer version") && e.to_string().contains("log is intact"),
        "{e}"
    );
    drop(store);

    sql(
        &dir,
        &format!(
            "UPDATE sessions SET numbers = '{{\"format\":1,\"value\":[1,2]}}' WHERE id = {id};"
        ),
    );
    let store = Store::open_in(dir.path()).unwrap();
    let e = store.session(id).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("session {id}: the stored numbers")),
        "{e}"
    );
    drop(store);

    sql(
        &dir,
        &format!(
            "UPDATE sessions SET numbers = NULL WHERE id = {id}; UPDATE tickets SET timing = '\"Sideways\"' WHERE session_id = {id};"
        ),
    );
    let store = Store::open_in(dir.path()).unwrap();
    let e = store.session(id).unwrap_err();
    assert!(
        e.to_string().contains("the stored timing cannot be read"),
        "{e}"
    );
}
