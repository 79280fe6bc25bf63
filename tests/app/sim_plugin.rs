//! The Bevy shell under `MinimalPlugins`: time drives the sim clock, actions arrive as
//! messages, tickets are mirrored as entities, and an action script fed through the
//! message path gives exactly the headless result.

use std::sync::Arc;
use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use dojo_core::agents::{self, Persona};
use dojo_core::pack::Pack;
use dojo_core::sim::action::Action;
use dojo_core::sim::record::{self, LogHeader, SessionResult};
use dojo_core::sim::session::{Notice, Session, Status};
use escalation_dojo::sim_plugin::{
    Autoplay, SimAction, SimNotice, SimPlugin, SimState, TicketEntity, TicketView,
};

fn app_with(session: Session) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimPlugin));
    // Each update advances virtual time by one second = one sim minute at scale 1.
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs(1)));
    app.world_mut()
        .resource_mut::<Time<Virtual>>()
        .set_max_delta(Duration::from_secs(5));
    app.insert_resource(SimState::machine(session, None, 1.0));
    app
}

#[test]
fn virtual_time_drives_the_clock_and_tickets_become_entities() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let session = Session::new(Arc::clone(&pack), "onboarding-basics", 7).unwrap();
    let mut app = app_with(session);
    app.update(); // the first update has delta 0
    for _ in 0..25 {
        app.update();
    }
    let now = app.world().resource::<SimState>().session.now;
    assert_eq!(now, 25);
    let mut q = app.world_mut().query::<(&TicketEntity, &TicketView)>();
    let mut tickets: Vec<(u32, Status)> = q
        .iter(app.world())
        .map(|(t, v)| (t.number, v.status))
        .collect();
    tickets.sort_by_key(|t| t.0);
    // Tickets arrive at 0 and 20: two entities, both waiting.
    assert_eq!(tickets, vec![(1, Status::Queued), (2, Status::Queued)]);

    // An action sent as a message is applied at the current minute.
    app.world_mut()
        .write_message(SimAction(Action::Open { ticket: 1 }));
    app.update();
    let session = &app.world().resource::<SimState>().session;
    assert_eq!(session.current, Some(1));
    assert_eq!(session.log.last().unwrap().at, 26);
}

#[test]
fn notices_are_published_as_messages() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let session = Session::new(Arc::clone(&pack), "onboarding-basics", 7).unwrap();
    let mut app = app_with(session);
    // Messages live two frames: read them every frame, as the UI does.
    let mut cursor = app.world().resource::<Messages<SimNotice>>().get_cursor();
    let mut all: Vec<Notice> = Vec::new();
    for _ in 0..17 {
        app.update();
        let messages = app.world().resource::<Messages<SimNotice>>();
        all.extend(cursor.read(messages).map(|m| m.0.clone()));
    }
    assert!(
        all.contains(&Notice::Arrived {
            ticket: 1,
            title: "Dental nurse forgot the password she set on Friday".into()
        }),
        "{all:?}"
    );
    // Ticket 1 is a password reset (15-min window) left waiting: 50%, 75%, 100%.
    for percent in [50, 75, 100] {
        assert!(
            all.contains(&Notice::WindowWarning { ticket: 1, percent }),
            "{all:?}"
        );
    }
}

#[test]
fn autoplay_through_the_message_path_matches_the_headless_run() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for shift_id in ["onboarding-basics", "competition-mixed"] {
        let shift = pack.shifts[shift_id].clone();
        let script = agents::play(Arc::clone(&pack), &shift, 7, Persona::Ideal).unwrap();

        let mut headless = Session::new(Arc::clone(&pack), shift_id, 7).unwrap();
        record::play_script(&mut headless, &script, 0, None, None).unwrap();
        headless.finish();
        let expected =
            SessionResult::of(&headless, LogHeader::for_session(&headless, None, None)).to_ron();

        let session = Session::new(Arc::clone(&pack), shift_id, 7).unwrap();
        let mut app = app_with(session);
        app.insert_resource(Autoplay { script, next: 0 });
        for _ in 0..(shift.length_minutes + 10) {
            app.update();
            if app.world().resource::<Autoplay>().done() {
                break;
            }
        }
        app.update();
        let mut state = app.world_mut().remove_resource::<SimState>().unwrap();
        state.session.finish();
        let got = SessionResult::of(
            &state.session,
            LogHeader::for_session(&state.session, None, None),
        )
        .to_ron();
        assert_eq!(got, expected, "{shift_id}");
    }
}

/// The window's clock is the persona's (#13): driving the Bevy shell with the real time
/// the human-pace persona spends — reading, choosing, typing, frame by frame through an
/// action's minutes — logs every action at the minute the persona's script has it.
#[test]
fn the_window_plays_a_person_at_the_minutes_the_human_pace_persona_does() {
    use dojo_core::sim::clock::Activity;
    use escalation_dojo::sim_plugin::ClockActivity;
    let pack = Arc::new(Pack::builtin().unwrap());
    let shift = pack.shifts["onboarding-4-escalation-note"].clone();
    let (script, plan) = agents::play_paced(
        Arc::clone(&pack),
        &shift,
        7,
        Persona::HumanPace,
        agents::HUMAN_PACE,
    )
    .unwrap();
    let session = Session::with_shift(Arc::clone(&pack), shift, 7).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimPlugin));
    app.world_mut()
        .resource_mut::<Time<Virtual>>()
        .set_max_delta(Duration::from_secs(3600));
    app.insert_resource(SimState::new(session, None));
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::ZERO));
    app.update();
    let frame = |app: &mut App, activity: Activity, us: u64, action: Option<Action>| {
        app.world_mut().resource_mut::<ClockActivity>().0 = activity;
        app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_micros(
            us,
        )));
        if let Some(a) = action {
            app.world_mut().write_message(SimAction(a));
        }
        app.update();
    };
    let mut typed = 0;
    for step in plan {
        // An action's minutes run frame by frame (a second each), as in the window.
        loop {
            let s = &app.world().resource::<SimState>().session;
            if s.now >= s.busy_until || s.ended {
                break;
            }
            frame(&mut app, Activity::Reading, 1_000_000, None);
        }
        let last = step.spend.len() - 1;
        for (i, (activity, us)) in step.spend.iter().enumerate() {
            if matches!(activity, Activity::Writing { .. }) {
                typed += 1;
            }
            let action = if i == last { step.action.clone() } else { None };
            frame(&mut app, *activity, *us, action);
        }
    }
    assert!(typed >= 4, "every escalation note was typed: {typed}");
    let log: Vec<(u32, Action)> = app
        .world()
        .resource::<SimState>()
        .session
        .log
        .iter()
        .map(|e| (e.at, e.action.clone()))
        .collect();
    let expected: Vec<(u32, Action)> = script
        .actions
        .iter()
        .map(|e| (e.at.unwrap(), e.action.clone()))
        .collect();
    assert_eq!(log, expected);
}
