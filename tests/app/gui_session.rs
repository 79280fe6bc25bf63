//! The app's session lifecycle under `MinimalPlugins` (no window): the messages the
//! screens send start a shift through the session runner, the log is written as the
//! session goes, and ending it saves the result, stores it in the history and grades it
//! exactly as `dojo run` does — the logic `.ci/gui-smoke` used to be the only guard of.

use std::sync::Arc;
use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use dojo_core::agents::{self, Persona};
use dojo_core::pack::{Pack, PackOptions};
use dojo_core::sim::record::{self, SessionResult};
use dojo_core::sim::session::Session;
use dojo_store::Store;
use escalation_dojo::gui::{
    ActiveShift, EndShift, LastSession, StartShift, Trainee, TrainerOptions, session_app,
};
use escalation_dojo::sim_plugin::{Autoplay, SimState};

fn options(pack: &Arc<Pack>, data: &std::path::Path) -> TrainerOptions {
    TrainerOptions {
        pack: Arc::clone(pack),
        pack_options: PackOptions::default(),
        autoplay: None,
        screenshots: None,
        shift: None,
        seed: Some(7),
        trainee: None,
        team: None,
        out: None,
        data_dir: data.to_path_buf(),
        ui_scale: 1.0,
        window_size: None,
        scenario_file: None,
        competition: None,
    }
}

fn app(pack: &Arc<Pack>, data: &std::path::Path) -> App {
    let mut app = session_app(options(pack, data));
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
        100,
    )));
    app.insert_resource(Trainee {
        name: "Ana Lopez".into(),
        team: Some("Desk A".into()),
    });
    app.update();
    app
}

#[test]
fn a_shift_started_and_ended_by_messages_is_logged_saved_stored_and_graded() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let data = tempfile::tempdir().unwrap();
    let mut app = app(&pack, data.path());
    let shift = pack.shifts["onboarding-basics"].clone();
    app.world_mut().write_message(StartShift {
        shift: shift.clone(),
        seed: 7,
        competition: None,
    });
    app.update();
    let active = app.world().resource::<ActiveShift>();
    let run = active
        .run
        .as_ref()
        .expect("the runner's record of the session");
    let log = run.log_path.clone().expect("a log in the data folder");
    assert!(
        log.starts_with(data.path().join("sessions")),
        "{}",
        log.display()
    );
    assert!(log.exists(), "the log is written from the first action on");
    assert!(
        run.history_id.is_some(),
        "recorded as in progress before the first action"
    );
    let store = Store::open_in(data.path()).unwrap();
    let open = store
        .sessions(&dojo_core::history::SessionQuery::default())
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].state, dojo_core::history::SessionState::InProgress);
    drop(store);

    // Play the ideal script through the simulation's own message path.
    let script = agents::play(Arc::clone(&pack), &shift, 7, Persona::Ideal).unwrap();
    app.world_mut().resource_mut::<SimState>().clock = dojo_core::sim::clock::Clock::machine(60.0);
    app.insert_resource(Autoplay { script, next: 0 });
    // The shift ends by itself when its clock runs out (the app ends it as a person's
    // would); End is sent only if it has not.
    for _ in 0..20_000 {
        app.update();
        if !app.world().contains_resource::<SimState>() {
            break;
        }
    }
    if !app.world().contains_resource::<LastSession>() {
        app.world_mut().write_message(EndShift);
        app.update();
        app.update();
    }

    let last = app.world().resource::<LastSession>();
    let saved = last.saved_to.clone().expect("the result is saved");
    assert!(last.save_error.is_none(), "{:?}", last.save_error);
    assert!(
        !log.exists(),
        "the result holds the whole log: the log is gone"
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    let result: SessionResult = ron::from_str(&text).unwrap();
    assert_eq!(result.header.trainee.as_deref(), Some("Ana Lopez"));

    // The same grade as a headless run of the logged actions.
    let recorded = record::read_recorded(&saved).unwrap();
    let replayed = record::replay_entries(Arc::clone(&pack), &recorded.header, &recorded.entries)
        .unwrap()
        .unwrap();
    let headless = dojo_core::grading::grade_with_ideal(&replayed, Some("Ana Lopez".into()));
    assert_eq!(last.grade, headless);
    assert!(
        last.grade.score >= 95,
        "the ideal script scores {}",
        last.grade.score
    );

    // Stored once, finished, with its team; nothing left in progress.
    let store = Store::open_in(data.path()).unwrap();
    assert!(store.interrupted().unwrap().is_empty());
    let sessions = store
        .sessions(&dojo_core::history::SessionQuery::default())
        .unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].is_finished());
    assert_eq!(sessions[0].score, Some(last.grade.score));
    assert_eq!(sessions[0].team.as_deref(), Some("Desk A"));
}

#[test]
fn a_trainee_new_to_the_history_is_added_before_the_session_starts() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let data = tempfile::tempdir().unwrap();
    let mut app = app(&pack, data.path());
    app.world_mut().write_message(StartShift {
        shift: pack.shifts["practice-mixed"].clone(),
        seed: 3,
        competition: None,
    });
    app.update();
    assert!(
        app.world()
            .resource::<ActiveShift>()
            .run
            .as_ref()
            .unwrap()
            .history_id
            .is_some()
    );
    let store = Store::open_in(data.path()).unwrap();
    assert!(store.person("Ana Lopez").unwrap().is_some());
}

#[test]
fn drafts_belong_to_their_ticket_survive_a_crash_and_go_with_the_decision() {
    use dojo_core::sim::action::Action;
    use escalation_dojo::gui::Drafts;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("s.log");
    let mut drafts = Drafts::for_log(Some(&log));
    drafts.of(1).note.steps_taken = "Ran ping to the gateway: 48 timeouts".into();
    drafts.of(1).kb_query = "vpn 809".into();
    drafts.of(2).client_update = "Looking into it, back to you by 11:00".into();
    drafts.save_if_changed();
    // A crash: nothing in memory survives, the file does.
    let mut back = Drafts::for_log(Some(&log));
    assert_eq!(
        back.of(1).note.steps_taken,
        "Ran ping to the gateway: 48 timeouts"
    );
    assert_eq!(back.of(1).kb_query, "vpn 809");
    assert_eq!(
        back.of(2).client_update,
        "Looking into it, back to you by 11:00"
    );
    assert!(
        back.of(2).note.steps_taken.is_empty(),
        "ticket 2 has its own note"
    );

    // A draft goes when its ticket leaves L1, not before.
    let pack = Arc::new(Pack::builtin().unwrap());
    let mut session = Session::new(Arc::clone(&pack), "onboarding-basics", 7).unwrap();
    session.advance_to(0);
    back.forget_decided(&session);
    assert!(back.get(1).is_some(), "ticket 1 is still with L1");
    session.act(Action::Open { ticket: 1 });
    session.act(Action::Resolve { ticket: 1 });
    back.forget_decided(&session);
    assert!(back.get(1).is_none(), "resolved: its draft is gone");
    back.save_if_changed();
    let again = Drafts::for_log(Some(&log));
    assert!(again.get(1).is_none());
    again.remove_file();
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "the file goes with the session"
    );

    // A drafts file that cannot be read is never overwritten: it moves aside, kept,
    // and the trainee is told.
    let file = dir.path().join("s.drafts.ron");
    let mut writer = Drafts::for_log(Some(&log));
    writer.of(1).client_update = "typed".into();
    writer.save_if_changed();
    assert!(file.exists(), "the drafts file is {}", file.display());
    std::fs::write(&file, "{ this is not RON").unwrap();
    let broken = Drafts::for_log(Some(&log));
    assert!(broken.get(1).is_none());
    let said = broken.save_error.clone().unwrap();
    assert!(said.contains("could not be read"), "{said}");
    let aside = dir.path().join("s.drafts.ron.unreadable");
    assert_eq!(
        std::fs::read_to_string(&aside).unwrap(),
        "{ this is not RON"
    );
    assert!(!file.exists());
}

/// A coach's time extension reaches the window's clock: the trainer starts the shift
/// with the clock m times slower and the log's header says so; without one, the shift's
/// own speed.
#[test]
fn a_trainee_with_a_time_extension_gets_a_slower_clock_in_the_window() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let data = tempfile::tempdir().unwrap();
    {
        let store = Store::open_in(data.path()).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .to_utc();
        store
            .add_person("Ana Lopez", dojo_core::history::Role::Trainee, None, at)
            .unwrap();
        store
            .add_person("Cora", dojo_core::history::Role::Coach, None, at)
            .unwrap();
        store
            .set_time_multiplier("Ana Lopez", 2.0, "Cora", at)
            .unwrap();
    }
    let mut window = app(&pack, data.path());
    let shift = pack.shifts["onboarding-basics"].clone();
    window.world_mut().write_message(StartShift {
        shift: shift.clone(),
        seed: 7,
        competition: None,
    });
    window.update();
    let scale = window.world().resource::<SimState>().clock.scale();
    assert!((scale - shift.time_scale / 2.0).abs() < 1e-9, "{scale}");
    let active = window.world().resource::<ActiveShift>();
    let run = active.run.as_ref().unwrap();
    assert_eq!(run.header.time_multiplier, Some(2.0));
    let log = std::fs::read_to_string(run.log_path.as_ref().unwrap()).unwrap();
    assert!(
        log.lines()
            .next()
            .unwrap()
            .contains("time_multiplier:Some(2.0)"),
        "{log}"
    );

    // Another trainee at the same desk: the shift's own clock.
    let other = tempfile::tempdir().unwrap();
    let mut plain = app(&pack, other.path());
    plain.world_mut().write_message(StartShift {
        shift: shift.clone(),
        seed: 7,
        competition: None,
    });
    plain.update();
    let scale = plain.world().resource::<SimState>().clock.scale();
    assert!((scale - shift.time_scale).abs() < 1e-9, "{scale}");
}
