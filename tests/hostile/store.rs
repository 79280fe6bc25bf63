//! The history store under many processes at once, and a file that is locked,
//! unreadable, read-only, not SQLite, or edited with `sqlite3`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use dojo_core::agents::{self, Persona};
use dojo_core::history::{GradedSession, Role, SessionQuery};
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::sim::session::Session;
use dojo_store::{DB_FILE, Store, StoreError};

fn root() -> PathBuf {
    crate::common::root()
}

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap()
}

fn dojo(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dojo"));
    c.env("DOJO_DATA_DIR", data);
    c
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn graded(pack: &Arc<Pack>, shift: &str, persona: Persona, trainee: &str) -> GradedSession {
    let script = agents::play(Arc::clone(pack), &pack.shifts[shift], 7, persona).unwrap();
    let mut s = Session::new(Arc::clone(pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    GradedSession::of(&s, LogHeader::for_session(&s, Some(trainee.into()), None))
}

/// The files in a folder, by name.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn eight_first_starts_at_once_on_a_new_data_folder_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let children: Vec<_> = (0..8)
        .map(|i| {
            dojo(&data)
                .args(["trainee", "add", &format!("Starter {i}")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let store = Store::open_in(&data).unwrap();
    let names: Vec<String> = store
        .people(Some(Role::Trainee))
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        (0..8).map(|i| format!("Starter {i}")).collect::<Vec<_>>()
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// Stress: 16 `dojo run` processes store into one data folder at once.
#[test]
fn sixteen_processes_writing_one_data_folder_at_once_all_store_their_session() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = dojo(&data)
        .args(["trainee", "add", "Trainee 00"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    for i in 1..16 {
        let o = dojo(&data)
            .args(["trainee", "add", &format!("Trainee {i:02}")])
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let script = root().join("examples/scripts/onboarding-basics.ideal.ron");
    let children: Vec<_> = (0..16)
        .map(|i| {
            dojo(&data)
                .args([
                    "run",
                    "--shift",
                    "onboarding-basics",
                    "--seed",
                    "7",
                    "--actions",
                    script.to_str().unwrap(),
                    "--trainee",
                    &format!("Trainee {i:02}"),
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "run {i}: {:?}", text(&o));
    }
    let store = Store::open_in(&data).unwrap();
    let sessions = store.sessions(&SessionQuery::default()).unwrap();
    assert_eq!(sessions.len(), 16);
    assert!(sessions.iter().all(|s| s.is_finished()));
    let mut who: Vec<&str> = sessions.iter().map(|s| s.trainee.as_str()).collect();
    who.sort_unstable();
    assert_eq!(
        who,
        (0..16)
            .map(|i| format!("Trainee {i:02}"))
            .collect::<Vec<_>>()
    );
    assert!(store.interrupted().unwrap().is_empty());
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_locked_history_is_busy_never_damaged_and_never_moved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let store = Store::open(&path).unwrap();
    store
        .add_person("Ana", Role::Trainee, None, day(1))
        .unwrap();
    drop(store);
    let before = listing(dir.path());
    // Another program holds the file exclusively (sqlite3 with locking_mode=EXCLUSIVE).
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE people SET role = role;",
        )
        .unwrap();
    let e = Store::open_waiting(&path, std::time::Duration::from_millis(50)).unwrap_err();
    assert!(matches!(e, StoreError::Busy { .. }), "{e}");
    let message = e.to_string();
    assert!(
        message.starts_with(&path.display().to_string())
            && message.contains("busy")
            && message.contains("left as it is")
            && !message.contains("damaged"),
        "{message}"
    );
    drop(other);
    assert_eq!(listing(dir.path()), before, "nothing moved aside");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.people(None).unwrap().len(), 1, "nothing lost");
}

/// Runs `dojo` as another user when this test runs as root (root reads and writes any
/// file, so permissions would not stop it).
fn as_unprivileged(c: &mut Command, probe: &Path) {
    if std::fs::metadata(probe).unwrap().uid() == 0 {
        c.uid(65534).gid(65534);
    }
}

#[test]
fn an_unreadable_or_read_only_history_is_refused_with_a_clear_message_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");
    let o = dojo(&data)
        .args(["trainee", "add", "Ana"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let db = data.join(DB_FILE);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bytes = std::fs::read(&db).unwrap();

    for (mode, expect) in [
        (
            0o600,
            "cannot be opened (permission denied: this user cannot read it)",
        ),
        (
            0o644,
            "is read-only (permission denied: this user cannot write it)",
        ),
    ] {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(mode)).unwrap();
        let mut c = dojo(&data);
        c.args(["trainee", "list"]);
        as_unprivileged(&mut c, &db);
        let o = c.output().unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("{}: the history {expect}", db.display()))
                && err.contains("left as it is")
                && !err.contains("damaged"),
            "mode {mode:o}: {err}"
        );
        assert_eq!(listing(&data), ["history.sqlite3"], "nothing moved aside");
        assert_eq!(std::fs::read(&db).unwrap(), bytes, "nothing changed");
    }
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open_in(&data).unwrap();
    assert_eq!(store.people(None).unwrap()[0].name, "Ana", "nothing lost");
}

#[test]
fn a_folder_in_place_of_the_history_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    std::fs::create_dir(&path).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::Inaccessible { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("it is a folder, not a database file"),
        "{e}"
    );
    assert!(path.is_dir());
}

#[test]
fn only_a_file_that_is_not_sqlite_is_called_damaged_and_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    std::fs::write(&path, "SQLite? no: a shopping list\n").unwrap();
    let e = Store::open(&path).unwrap_err();
    let StoreError::Damaged {
        kept_at, reason, ..
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!(reason, "not an SQLite database file");
    assert!(kept_at.ends_with("history.sqlite3.damaged-1"));
    assert_eq!(
        std::fs::read_to_string(kept_at).unwrap(),
        "SQLite? no: a shopping list\n"
    );
}

fn one_stored_session(path: &Path) -> i64 {
    let pack = Arc::new(Pack::builtin().unwrap());
    let mut store = Store::open(path).unwrap();
    store
        .add_person("Ana", Role::Trainee, None, day(1))
        .unwrap();
    store
        .record_session(
            "Ana",
            &graded(&pack, "onboarding-basics", Persona::OverEscalator, "Ana"),
            day(2),
        )
        .unwrap()
}

#[test]
fn a_stored_score_cannot_be_edited_and_a_forced_edit_is_refused_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let id = one_stored_session(&path);
    let raw = rusqlite::Connection::open(&path).unwrap();

    // The triggers refuse the edit.
    for (sql, says) in [
        (
            "UPDATE sessions SET score = 100",
            "stored sessions are never changed once finished or abandoned",
        ),
        (
            "UPDATE tickets SET score = 100",
            "stored grades are never changed",
        ),
        ("DELETE FROM flags", "stored grades are never deleted"),
        ("DELETE FROM tickets", "stored grades are never deleted"),
    ] {
        let e = raw.execute_batch(sql).unwrap_err();
        assert!(e.to_string().contains(says), "{sql}: {e}");
    }

    // Dropping the triggers first: the seal refuses the edited row on every read.
    raw.execute_batch(
        "DROP TRIGGER tickets_unchanged; UPDATE tickets SET score = 100 WHERE number = 1;",
    )
    .unwrap();
    drop(raw);
    let store = Store::open(&path).unwrap();
    let e = store.sessions(&SessionQuery::default()).unwrap_err();
    assert!(
        matches!(e, StoreError::Tampered { session, .. } if session == id),
        "{e}"
    );
    let message = e.to_string();
    assert!(
        message.contains(&format!(
            "session {id}: its score, tickets, flags or owner do not match its seal"
        )) && message.contains("changed outside Escalation Dojo"),
        "{message}"
    );
    drop(store);

    // Through the binary: a clear error, exit 1.
    let o = dojo(dir.path()).args(["history", "list"]).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("changed outside Escalation Dojo"), "{err}");
}

#[test]
fn a_session_moved_to_another_trainee_or_rescored_in_its_row_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let id = one_stored_session(&path);
    Store::open(&path)
        .unwrap()
        .add_person("Ben", Role::Trainee, None, day(1))
        .unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TRIGGER sessions_graded_unchanged;
         UPDATE sessions SET trainee_id = (SELECT id FROM people WHERE name = 'Ben');",
    )
    .unwrap();
    drop(raw);
    let store = Store::open(&path).unwrap();
    let e = store.sessions(&SessionQuery::default()).unwrap_err();
    assert!(
        matches!(e, StoreError::Tampered { session, .. } if session == id),
        "{e}"
    );
}

#[test]
fn sessions_stored_before_seals_are_sealed_by_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let id = one_stored_session(&path);
    // Take the file back to schema 3: no seal column, no grade triggers.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TRIGGER sessions_graded_unchanged; DROP TRIGGER tickets_unchanged;
         DROP TRIGGER tickets_kept; DROP TRIGGER flags_unchanged; DROP TRIGGER flags_kept;
         DROP TRIGGER reviews_unchanged; DROP TRIGGER reviews_kept;
         ALTER TABLE sessions DROP COLUMN seal; PRAGMA user_version = 3;",
    )
    .unwrap();
    drop(raw);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), dojo_store::SCHEMA_VERSION);
    let sessions = store.sessions(&SessionQuery::default()).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].id, id);
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let seal: Option<String> = raw
        .query_row("SELECT seal FROM sessions WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(seal.map(|s| s.len()), Some(64));
    let e = raw
        .execute_batch("UPDATE sessions SET score = 1")
        .unwrap_err();
    assert!(e.to_string().contains("never changed"), "{e}");
}
