//! The ECS shell of the simulation: drives the [`Session`] core from Bevy's virtual
//! time, applies [`SimAction`] messages, emits [`SimNotice`] messages, appends every
//! action to the log file, and mirrors tickets as entities for the UI.
//!
//! Real time becomes sim time through the core's [`Clock`] (`docs/time.md`): the same
//! type the paced personas play through, so the window is exactly as fair as they are.
//!
//! Works under `MinimalPlugins` (headless tests, CLI) and `DefaultPlugins` alike.

use bevy::prelude::*;

use dojo_core::engine::WindowState;
use dojo_core::scenario::Owner;
use dojo_core::sim::action::{Action, Script};
use dojo_core::sim::clock::{Activity, Clock};
use dojo_core::sim::record::LogWriter;
use dojo_core::sim::session::{Notice, Session, Status};

/// The simulation systems, in the order they run each frame.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSet {
    /// Advance the sim clock from virtual time.
    Tick,
    /// Feed the autoplay script (if any) into the action messages.
    Autoplay,
    /// Apply the trainee's actions.
    ApplyActions,
    /// Mirror tickets into entities and publish notices.
    Mirror,
}

/// A trainee action, from the GUI, a script or a replay.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct SimAction(pub Action);

/// Something the UI should show (toast, banner).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct SimNotice(pub Notice);

/// The running shift.
#[derive(Resource, Debug)]
pub struct SimState {
    /// The deterministic core.
    pub session: Session,
    /// Where actions are appended as they happen, if anywhere.
    pub log: Option<LogWriter>,
    /// Real time → sim minutes.
    pub clock: Clock,
    /// Mirror revision (changes when the session changes).
    revision: (u32, usize),
}

impl SimState {
    /// A person's session: the policy's allowances, at the shift's time scale.
    pub fn new(session: Session, log: Option<LogWriter>) -> Self {
        SimState::extended(session, log, 1.0)
    }

    /// A person's session with a time extension of `m` (a coach's accommodation): the
    /// clock runs m times slower and every allowance is m times longer.
    pub fn extended(session: Session, log: Option<LogWriter>, m: f64) -> Self {
        let clock = Clock::person_extended(&session.policy().clock, session.shift.time_scale, m);
        SimState::with_clock(session, log, clock)
    }

    /// A machine-paced session (autoplay, tests): every real second is charged, at
    /// `scale` sim minutes per real second.
    pub fn machine(session: Session, log: Option<LogWriter>, scale: f64) -> Self {
        SimState::with_clock(session, log, Clock::machine(scale))
    }

    fn with_clock(session: Session, log: Option<LogWriter>, clock: Clock) -> Self {
        SimState {
            session,
            log,
            clock,
            revision: (u32::MAX, usize::MAX),
        }
    }
}

/// What the trainee does with the real time passing (the shift screen sets it each
/// frame: typing for a ticket holds the clock, see `docs/time.md`).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockActivity(pub Activity);

/// The shell holds the clock (the first-run walkthrough is open): no real time is
/// charged and nothing is logged, so the session replays the same without it.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockHeld(pub bool);

/// An action script fed through the message path, as the trainee's clicks would be.
#[derive(Resource, Debug, Clone)]
pub struct Autoplay {
    /// The script.
    pub script: Script,
    /// Next entry to play.
    pub next: usize,
}

impl Autoplay {
    /// The minute the next entry is due, given the session.
    fn due(&self, session: &Session) -> Option<u32> {
        self.script
            .actions
            .get(self.next)
            .map(|e| e.at.unwrap_or(0).max(session.busy_until))
    }

    /// True once every entry has been played.
    pub fn done(&self) -> bool {
        self.next >= self.script.actions.len()
    }
}

/// A ticket as an entity: its number.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketEntity {
    /// Ticket number.
    pub number: u32,
}

/// What the UI shows of a ticket, mirrored from the core each time it changes.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct TicketView {
    /// Title.
    pub title: String,
    /// Status.
    pub status: Status,
    /// SLA resolution minutes left.
    pub sla_remaining: i64,
    /// The SLA resolution target in minutes.
    pub sla_target: u32,
    /// Ownership window: (elapsed, limit, state), if any.
    pub window: Option<(u32, u32, WindowState)>,
    /// The framework's call now (the UI shows it only where hints are on).
    pub framework_call: Option<Owner>,
}

/// The Bevy plugin.
#[derive(Debug, Default)]
pub struct SimPlugin;

impl Plugin for SimPlugin {
    fn build(&self, app: &mut App) {
        plugin(app);
    }
}

/// Registers the simulation's messages and systems.
pub fn plugin(app: &mut App) {
    app.add_message::<SimAction>()
        .add_message::<SimNotice>()
        .init_resource::<ClockActivity>()
        .init_resource::<ClockHeld>()
        .configure_sets(
            Update,
            (
                SimSet::Tick,
                SimSet::Autoplay,
                SimSet::ApplyActions,
                SimSet::Mirror,
            )
                .chain(),
        )
        .add_systems(
            Update,
            (
                tick.in_set(SimSet::Tick),
                autoplay
                    .in_set(SimSet::Autoplay)
                    .run_if(resource_exists::<Autoplay>),
                apply_actions.in_set(SimSet::ApplyActions),
                mirror.in_set(SimSet::Mirror),
            )
                .run_if(resource_exists::<SimState>),
        );
}

/// Advances the sim clock by the real time of this frame, through the [`Clock`]. An
/// autoplay script's next minute is never overshot, so autoplay reproduces a headless
/// run.
fn tick(
    time: Res<Time<Virtual>>,
    mut sim: ResMut<SimState>,
    autoplay: Option<Res<Autoplay>>,
    activity: Res<ClockActivity>,
    held: Res<ClockHeld>,
) {
    let sim = &mut *sim;
    if sim.session.ended && sim.session.all_handled() {
        return;
    }
    if held.0 {
        return;
    }
    sim.clock.observe(&sim.session);
    let real_us = u64::try_from(time.delta().as_micros()).unwrap_or(u64::MAX);
    let now = sim.session.now;
    let mut target = sim.clock.advance(&sim.session, real_us, activity.0);
    if target <= now {
        return;
    }
    if now >= sim.session.busy_until
        && let Some(due) = autoplay.as_ref().and_then(|a| a.due(&sim.session))
        && due >= now
        && target > due
    {
        sim.clock.give_back(target - due);
        target = due;
    }
    sim.session.advance_to(target);
}

fn autoplay(mut play: ResMut<Autoplay>, sim: Res<SimState>, mut actions: MessageWriter<SimAction>) {
    let Some(due) = play.due(&sim.session) else {
        return;
    };
    if sim.session.now >= due || sim.session.ended {
        let entry = play.script.actions[play.next].clone();
        play.next += 1;
        actions.write(SimAction(entry.action));
    }
}

/// Applies the actions sent this frame. A paused session stops its own clock (`tick`
/// skips it); Bevy's virtual time is left running on purpose: with it paused, no
/// `FixedUpdate` runs, so Bevy never rotates its message buffers, and a single stale
/// `RequestRedraw` then makes bevy_winit redraw forever (half a core on a paused shift).
fn apply_actions(mut reader: MessageReader<SimAction>, mut sim: ResMut<SimState>) {
    for SimAction(action) in reader.read() {
        let sim = &mut *sim;
        sim.session.act(action.clone());
        if let (Some(writer), Some(entry)) = (sim.log.as_mut(), sim.session.log.last())
            && let Err(e) = writer.append(entry)
        {
            error!("could not append to the session log: {e}");
        }
    }
}

fn mirror(
    mut commands: Commands,
    mut sim: ResMut<SimState>,
    mut tickets: Query<(Entity, &TicketEntity, &mut TicketView)>,
    mut notices: MessageWriter<SimNotice>,
) {
    for notice in sim.session.drain_notices() {
        notices.write(SimNotice(notice));
    }
    let revision = (sim.session.now, sim.session.log.len());
    if revision == sim.revision {
        return;
    }
    sim.revision = revision;
    let session = &sim.session;
    let policy = session.policy();
    let now = session.now;
    let mut seen = Vec::new();
    for (entity, ticket, mut view) in &mut tickets {
        seen.push(ticket.number);
        match session.ticket(ticket.number) {
            Some(t) => {
                let fresh = view_of(t, now, policy);
                if *view != fresh {
                    *view = fresh;
                }
            }
            None => commands.entity(entity).despawn(),
        }
    }
    for t in &session.tickets {
        if t.status != Status::Pending && !seen.contains(&t.number) {
            commands.spawn((TicketEntity { number: t.number }, view_of(t, now, policy)));
        }
    }
}

fn view_of(
    t: &dojo_core::sim::session::Ticket,
    now: u32,
    policy: &dojo_core::policy::Policy,
) -> TicketView {
    let verdict = t.verdict(now, policy);
    TicketView {
        title: t.scenario.title.clone(),
        status: t.status,
        sla_remaining: t.sla_remaining(now, policy),
        sla_target: verdict
            .as_ref()
            .and_then(|v| v.impact.sla.as_ref())
            .map_or(0, |s| s.resolution_minutes),
        window: verdict
            .as_ref()
            .and_then(|v| v.window.as_ref())
            .map(|w| (w.elapsed_minutes, w.limit_minutes, w.state)),
        framework_call: verdict.map(|v| v.owner),
    }
}
