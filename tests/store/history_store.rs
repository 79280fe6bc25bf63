//! The history store: migrations and WAL, refusing a newer schema or a damaged file (and
//! keeping it), storing sessions once, crash recovery of sessions in progress, the
//! append-only override trail.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use dojo_core::agents::{self, Persona};
use dojo_core::grading::Flag;
use dojo_core::history::{GradedSession, Role, SessionQuery, SessionState};
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, LogHeader, LogWriter};
use dojo_core::sim::session::Session;
use dojo_store::{self as history, SCHEMA_VERSION, Store, StoreError};

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap()
}

fn pack() -> Arc<Pack> {
    Arc::new(Pack::builtin().unwrap())
}

fn graded(pack: &Arc<Pack>, shift: &str, persona: Persona, who: &str) -> GradedSession {
    let script = agents::play(Arc::clone(pack), &pack.shifts[shift], 7, persona).unwrap();
    let mut s = Session::new(Arc::clone(pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    GradedSession::of(&s, LogHeader::for_session(&s, Some(who.into()), None))
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn a_new_store_is_wal_at_the_latest_schema_and_older_ones_migrate_with_their_data() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.journal_mode().unwrap(), "wal");
    assert_eq!(SCHEMA_VERSION as usize, dojo_store::MIGRATIONS.len());
    drop(store);

    // A version-1 file (people and sessions, no overrides yet) with a trainee in it.
    let old = dir.path().join("old.sqlite3");
    let v1 = Store::open_to(&old, 1).unwrap();
    assert_eq!(v1.schema_version().unwrap(), 1);
    v1.add_person("Ana", Role::Trainee, Some("Desk A"), day(1))
        .unwrap();
    drop(v1);
    let migrated = Store::open(&old).unwrap();
    assert_eq!(migrated.schema_version().unwrap(), SCHEMA_VERSION);
    let ana = migrated.person("ana").unwrap().unwrap();
    assert_eq!(ana.team.as_deref(), Some("Desk A"));
    assert!(migrated.overrides(None).unwrap().is_empty());
    assert_eq!(migrated.integrity_check().unwrap(), "ok");
}

#[test]
fn a_newer_schema_is_refused_and_the_file_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(history::DB_FILE);
    let store = Store::open(&path).unwrap();
    store
        .add_person("Ana", Role::Trainee, None, day(1))
        .unwrap();
    drop(store);
    raw(&path)
        .execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 5))
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 5),
        "{e}"
    );
    let message = e.to_string();
    assert!(
        message.contains("newer") && message.contains("left as it is"),
        "{message}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // No file was moved.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_damaged_file_is_moved_aside_with_a_clear_error_never_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(history::DB_FILE);

    // Not a database at all.
    std::fs::write(&path, "these are someone's notes, not a database\n").unwrap();
    let e = Store::open(&path).unwrap_err();
    let StoreError::Damaged { kept_at, .. } = &e else {
        panic!("{e}")
    };
    assert!(kept_at.ends_with("history.sqlite3.damaged-1"), "{kept_at}");
    assert_eq!(
        std::fs::read_to_string(kept_at).unwrap(),
        "these are someone's notes, not a database\n"
    );
    assert!(!path.exists(), "no new database is made in the same call");
    assert!(e.to_string().contains("moved aside"), "{e}");

    // A real history with a session, then corrupted in the middle.
    let pack = pack();
    let mut store = Store::open(&path).unwrap();
    store
        .add_person("Ana", Role::Trainee, None, day(1))
        .unwrap();
    store
        .record_session(
            "Ana",
            &graded(&pack, "onboarding-basics", Persona::Ideal, "Ana"),
            day(2),
        )
        .unwrap();
    drop(store);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192);
    for b in &mut bytes[4096..8192] {
        *b = 0x5A;
    }
    std::fs::write(&path, &bytes).unwrap();
    let e = Store::open(&path).unwrap_err();
    let StoreError::Damaged { kept_at, .. } = &e else {
        panic!("expected Damaged, got {e}")
    };
    assert!(kept_at.ends_with(".damaged-2"), "{kept_at}");
    assert_eq!(std::fs::read(kept_at).unwrap(), bytes);
    assert!(dir.path().join("history.sqlite3.damaged-1").exists());

    // The next open starts a new, empty history beside the kept ones.
    let fresh = Store::open(&path).unwrap();
    assert!(fresh.people(None).unwrap().is_empty());
}

#[test]
fn another_programs_database_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    raw(&path)
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::Foreign { .. }), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn sessions_are_stored_once_with_log_grade_tickets_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack();
    let mut store = Store::open_in(dir.path()).unwrap();
    store
        .add_person("Bo", Role::Trainee, Some("Desk A"), day(1))
        .unwrap();
    let over = graded(&pack, "onboarding-basics", Persona::OverEscalator, "Bo");
    let id = store.record_session("bo", &over, day(3)).unwrap();
    assert!(matches!(
        store.record_session("Bo", &over, day(4)),
        Err(StoreError::Duplicate(x)) if x == id
    ));
    let e = store.record_session("Boo", &over, day(4)).unwrap_err();
    assert!(
        e.to_string().contains("did you mean `Bo`") && e.to_string().contains("dojo trainee add"),
        "{e}"
    );

    let s = store.session(id).unwrap();
    assert_eq!(s.state, SessionState::Finished);
    assert_eq!(s.trainee, "Bo");
    assert_eq!(s.team.as_deref(), Some("Desk A"));
    assert_eq!(s.played_at, day(3));
    assert_eq!(s.score, Some(over.grade.score));
    assert_eq!(s.effective_score, Some(over.grade.score));
    assert_eq!(s.tickets.len(), over.grade.tickets.len());
    assert!(s.flags.iter().any(|f| f.flag == Flag::OverEscalates));
    assert!(s.tickets.iter().any(|t| t.over_escalated()));
    assert_eq!(
        store.session_grade(id).unwrap().unwrap().score,
        over.grade.score
    );

    // The stored log replays to the same grade.
    let log = store.session_log(id).unwrap().unwrap();
    assert_eq!(log, over.log_text);
    let file = dir.path().join("exported.log");
    std::fs::write(&file, &log).unwrap();
    let again =
        GradedSession::from_recorded(Arc::clone(&pack), &record::read_recorded(&file).unwrap())
            .unwrap();
    assert_eq!(again.grade.score, over.grade.score);

    let all = store
        .sessions(&SessionQuery {
            trainee: Some("BO".into()),
            ..SessionQuery::default()
        })
        .unwrap();
    assert_eq!(all.len(), 1);
    // The schedule was updated in the same transaction.
    let schedule = store.schedule("Bo").unwrap();
    assert!(!schedule.is_empty());
    assert!(schedule.iter().any(|c| c.ticket_type == "password-reset"));
}

#[test]
fn an_interrupted_session_is_found_and_can_be_resumed_or_abandoned() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack();
    let mut store = Store::open_in(dir.path()).unwrap();
    store
        .add_person("Ana", Role::Trainee, None, day(1))
        .unwrap();
    let shift = &pack.shifts["onboarding-basics"];
    let script = agents::play(Arc::clone(&pack), shift, 7, Persona::Ideal).unwrap();
    let half = script.actions.len() / 2;

    let start = |log: &Path| {
        let mut s = Session::new(Arc::clone(&pack), "onboarding-basics", 7).unwrap();
        let header = LogHeader::for_session(&s, Some("Ana".into()), None);
        let mut writer = LogWriter::create(log, &header).unwrap();
        let partial = dojo_core::sim::action::Script {
            actions: script.actions[..half].to_vec(),
            ..script.clone()
        };
        record::play_script(&mut s, &partial, 0, Some(&mut writer), None).unwrap();
        (header, writer)
    };

    // Session A: while its writer lives, it is being played, not interrupted.
    let log_a = dir.path().join("a.log");
    let (header_a, writer_a) = start(&log_a);
    let id_a = store
        .begin_session("Ana", &header_a, &log_a, day(5))
        .unwrap();
    assert!(store.interrupted().unwrap().is_empty());
    assert!(
        store.abandon(id_a, day(5)).is_err(),
        "a live session is never filed"
    );
    drop(writer_a); // the process "dies": the lock goes with it

    let found = store.interrupted().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, id_a);
    assert_eq!(found[0].actions_logged, Some(half));
    assert_eq!(
        store.in_progress_for_log(&log_a).unwrap().map(|s| s.id),
        Some(id_a)
    );

    // Resume: replay the log, go on, finish, store.
    let read = record::read_log(&found[0].log_path).unwrap();
    let mut resumed = record::rebuild(Arc::clone(&pack), &read.header, &read.entries)
        .unwrap()
        .unwrap();
    let mut writer = LogWriter::append_to(&log_a, read.valid_len).unwrap();
    record::play_script(&mut resumed, &script, half, Some(&mut writer), None).unwrap();
    resumed.finish();
    let graded_a = GradedSession::of(&resumed, read.header.clone());
    store.finish_session(id_a, &graded_a, day(5)).unwrap();
    let straight = graded(&pack, "onboarding-basics", Persona::Ideal, "Ana");
    assert_eq!(
        graded_a.log_text, straight.log_text,
        "nothing lost, nothing doubled"
    );
    assert_eq!(store.session(id_a).unwrap().state, SessionState::Finished);
    assert!(store.interrupted().unwrap().is_empty());

    // Session B: interrupted, then filed as abandoned with its log kept.
    let log_b = dir.path().join("b.log");
    let (header_b, writer_b) = start(&log_b);
    let id_b = store
        .begin_session("Ana", &header_b, &log_b, day(6))
        .unwrap();
    drop(writer_b);
    assert_eq!(store.interrupted().unwrap()[0].id, id_b);
    store.abandon(id_b, day(6)).unwrap();
    let b = store.session(id_b).unwrap();
    assert_eq!(b.state, SessionState::Abandoned);
    let kept = store.session_log(id_b).unwrap().unwrap();
    assert_eq!(kept.lines().count(), half + 1);
    assert!(store.interrupted().unwrap().is_empty());
    assert!(log_b.exists(), "the log file itself is left in place");
    // An abandoned session counts for nothing.
    assert!(b.attempt().is_none());
}

#[test]
fn overrides_are_kept_beside_the_automatic_grade_in_an_append_only_trail() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack();
    let mut store = Store::open_in(dir.path()).unwrap();
    store.add_person("Bo", Role::Trainee, None, day(1)).unwrap();
    store
        .add_person("Carla", Role::Coach, None, day(1))
        .unwrap();
    let over = graded(&pack, "onboarding-basics", Persona::OverEscalator, "Bo");
    let id = store.record_session("Bo", &over, day(3)).unwrap();
    let t = over.grade.tickets.iter().find(|t| t.score < 100).unwrap();

    // Refusals: not a coach, no reason, a score out of range, no such ticket.
    assert!(
        store
            .override_ticket(id, t.number, 90, "Bo", "fine", day(4))
            .is_err()
    );
    assert!(
        store
            .override_ticket(id, t.number, 90, "Carla", "  ", day(4))
            .is_err()
    );
    assert!(
        store
            .override_ticket(id, t.number, 101, "Carla", "x", day(4))
            .is_err()
    );
    assert!(
        store
            .override_ticket(id, 99, 90, "Carla", "x", day(4))
            .is_err()
    );

    let first = store
        .override_ticket(
            id,
            t.number,
            90,
            "carla",
            "The runbook link was broken that week.",
            day(4),
        )
        .unwrap();
    assert_eq!(first.automatic_score, t.score);
    assert_eq!(first.old_score, t.score);
    let second = store
        .override_ticket(id, t.number, 80, "Carla", "On reflection, partly.", day(5))
        .unwrap();
    assert_eq!(second.old_score, 90);

    let s = store.session(id).unwrap();
    let row = s.tickets.iter().find(|x| x.number == t.number).unwrap();
    assert_eq!(
        (row.score, row.effective_score, row.overridden),
        (t.score, 80, true)
    );
    assert_eq!(
        s.score,
        Some(over.grade.score),
        "the automatic grade is kept"
    );
    assert_ne!(s.effective_score, s.score);
    let trail = store.overrides(Some("Bo")).unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0].reason, "The runbook link was broken that week.");
    assert_eq!(trail[1].coach, "Carla");

    // The trail and the sessions cannot be rewritten, even from outside the app.
    drop(store);
    let c = raw(&dir.path().join(history::DB_FILE));
    let e = c
        .execute("UPDATE overrides SET new_score = 100", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(c.execute("DELETE FROM overrides", []).is_err());
    assert!(c.execute("DELETE FROM sessions", []).is_err());
}

#[test]
fn the_data_directory_is_the_flag_then_the_environment_then_the_platform() {
    use std::ffi::OsString;
    let flag = Path::new("/tmp/flag");
    assert_eq!(
        history::resolve_data_dir(Some(flag), Some(OsString::from("/tmp/env"))).unwrap(),
        flag
    );
    assert_eq!(
        history::resolve_data_dir(None, Some(OsString::from("/tmp/env"))).unwrap(),
        Path::new("/tmp/env")
    );
    let platform = history::resolve_data_dir(None, Some(OsString::new()));
    if let Some(p) = platform {
        assert!(p.to_string_lossy().contains("escalation-dojo"), "{p:?}");
    }
}

#[test]
fn people_have_unique_names_and_teams() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    store
        .add_person("Ana", Role::Trainee, Some("Desk A"), day(1))
        .unwrap();
    assert!(store.add_person("ANA", Role::Coach, None, day(1)).is_err());
    assert!(store.add_person("  ", Role::Trainee, None, day(1)).is_err());
    store.add_person("Bo", Role::Trainee, None, day(1)).unwrap();
    store.set_team("bo", Some("desk a"), day(2)).unwrap();
    let teams = store.teams().unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0].trainees, 2);
    assert!(matches!(
        store.require("Ana", Role::Coach),
        Err(StoreError::Invalid(_))
    ));
}

/// The coach's dashboard starts with whom to coach (#13): the team overview ranks a
/// trainee who left a security incident at L1 first, one with a flagged pattern next, a
/// clean one last — each with the one thing to coach.
#[test]
fn the_team_overview_ranks_trainees_by_what_needs_attention() {
    let pack = pack();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
    for (who, persona) in [
        ("Ana", Persona::Ideal),
        ("Ben", Persona::UnderEscalator),
        ("Cy", Persona::VagueNotes),
    ] {
        store.add_person(who, Role::Trainee, None, day(1)).unwrap();
        store
            .record_session(
                who,
                &graded(&pack, "onboarding-basics", persona, who),
                day(2),
            )
            .unwrap();
    }
    let options = dojo_core::report::ReportOptions::for_pack(&pack, day(3));
    let reports: Vec<_> = ["Ana", "Ben", "Cy"]
        .iter()
        .map(|who| history::trainer_report(&store, who, &options).unwrap())
        .collect();
    let rows = dojo_core::report::overview(&reports, 80);
    let order: Vec<&str> = rows.iter().map(|r| r.trainee.as_str()).collect();
    assert_eq!(order, ["Ben", "Cy", "Ana"], "{rows:#?}");
    assert!(rows[0].missed_security && rows[0].coach_this.contains("security"));
    assert!(
        rows[1]
            .flags
            .iter()
            .any(|f| f.to_lowercase().contains("vague")),
        "{rows:#?}"
    );
    assert!(rows[2].flags.is_empty() && rows[2].coach_this.starts_with("Nothing flagged"));
}

/// Trends and patterns compare like with like (#13): a report filtered to one mode counts
/// only that mode's sessions, its trends included.
#[test]
fn a_report_filtered_by_mode_counts_only_that_modes_sessions() {
    let pack = pack();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
    store
        .add_person("Ben", Role::Trainee, None, day(1))
        .unwrap();
    store
        .record_session(
            "Ben",
            &graded(&pack, "onboarding-basics", Persona::Ideal, "Ben"),
            day(2),
        )
        .unwrap();
    store
        .record_session(
            "Ben",
            &graded(&pack, "practice-mixed", Persona::UnderEscalator, "Ben"),
            day(3),
        )
        .unwrap();
    let options = dojo_core::report::ReportOptions::for_pack(&pack, day(4));
    let all = history::trainer_report(&store, "Ben", &options).unwrap();
    assert_eq!(all.sessions.len(), 2);
    let modes: Vec<String> = all.sessions.iter().map(|s| s.mode.clone()).collect();
    assert_ne!(modes[0], modes[1], "two modes: {modes:?}");
    for (i, mode) in modes.iter().enumerate() {
        let one = history::trainer_report(
            &store,
            "Ben",
            &dojo_core::report::ReportOptions {
                mode: Some(mode.clone()),
                ..options.clone()
            },
        )
        .unwrap();
        assert_eq!(one.sessions.len(), 1, "{mode}");
        assert_eq!(one.sessions[0].id, all.sessions[i].id);
        let score = one.trend("score").unwrap();
        assert_eq!(score.points.len(), 1, "{mode}: {score:?}");
        assert_eq!(score.points[0].value, all.sessions[i].score.map(f64::from));
    }
}
