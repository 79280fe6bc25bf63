//! Low power: the app sleeps until input arrives, except while the sim clock runs.
//!
//! - Start, mode, debrief and a paused shift: reactive (wake on input, else every 5 s),
//!   so an idle trainer uses next to no CPU.
//! - A running shift: wake every 100 ms so the clock and the timers move (the sim
//!   reads `Time<Virtual>`, whose per-frame delta is capped at 250 ms).
//! - Autoplay (screenshots under Xvfb): continuous.
//!
//! bevy_egui 0.42 queues a redundant `ModifiersChanged` event every frame, which makes
//! egui ask for a repaint forever; [`drop_redundant_modifiers_event`] removes it.

use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiContext, EguiInput, EguiInputSet, EguiPreUpdateSet, egui};

use super::state::MachinePaced;
use crate::sim_plugin::SimState;

/// How often a running shift wakes the app.
const RUNNING_TICK: Duration = Duration::from_millis(100);

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(WinitSettings::desktop_app())
        .add_systems(
            PreUpdate,
            drop_redundant_modifiers_event
                .after(EguiInputSet::WriteEguiEvents)
                .before(EguiPreUpdateSet::BeginPass),
        )
        .add_systems(Last, pace_updates)
        .add_systems(
            Last,
            log_frames.run_if(|| std::env::var_os("DOJO_LOG_FRAMES").is_some()),
        );
}

/// The update settings for the app's current activity.
fn wanted(running_clock: bool, autoplay: bool) -> WinitSettings {
    if autoplay {
        WinitSettings::continuous()
    } else if running_clock {
        WinitSettings {
            focused_mode: UpdateMode::reactive(RUNNING_TICK),
            // The shift goes on when the window loses focus: SLA clocks keep running.
            unfocused_mode: UpdateMode::reactive_low_power(RUNNING_TICK),
        }
    } else {
        WinitSettings::desktop_app()
    }
}

fn pace_updates(
    sim: Option<Res<SimState>>,
    autoplay: Option<Res<MachinePaced>>,
    mut settings: ResMut<WinitSettings>,
) {
    let running = sim.is_some_and(|s| !s.session.paused && !s.session.ended);
    let next = wanted(running, autoplay.is_some());
    if settings.focused_mode != next.focused_mode || settings.unfocused_mode != next.unfocused_mode
    {
        *settings = next;
    }
}

/// Drops the `ModifiersChanged` event bevy_egui sends every frame when the modifiers
/// did not change (it would keep egui repainting forever).
fn drop_redundant_modifiers_event(mut contexts: Query<(&mut EguiContext, &mut EguiInput)>) {
    for (mut ctx, mut input) in &mut contexts {
        let current = ctx.get_mut().input(|i| i.modifiers);
        input
            .0
            .events
            .retain(|e| !matches!(e, egui::Event::ModifiersChanged(m) if *m == current));
    }
}

/// `DOJO_LOG_FRAMES=1`: logs the frames drawn per 2 s, the update mode, how many
/// `RequestRedraw` messages were sent and what egui asked repaints for (to find what
/// keeps an idle app awake).
fn log_frames(
    mut count: Local<(u32, u32, Option<std::time::Instant>, Vec<String>)>,
    settings: Res<WinitSettings>,
    redraws: Res<Messages<bevy::window::RequestRedraw>>,
    mut cursor: Local<bevy::ecs::message::MessageCursor<bevy::window::RequestRedraw>>,
    mut contexts: bevy_egui::EguiContexts,
    mut raw: MessageReader<bevy::winit::RawWinitWindowEvent>,
    mut kinds: Local<Vec<String>>,
) {
    for e in raw.read() {
        let kind = format!("{:?}", e.event);
        let kind = kind
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or_default()
            .to_string();
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let now = std::time::Instant::now();
    let start = *count.2.get_or_insert(now);
    count.0 += 1;
    count.1 += cursor.read(&redraws).count() as u32;
    if let Ok(ctx) = contexts.ctx_mut() {
        for cause in ctx.repaint_causes() {
            let cause = format!("{cause:?}");
            if !count.3.contains(&cause) {
                count.3.push(cause);
            }
        }
    }
    if now.duration_since(start) >= Duration::from_secs(2) {
        info!(
            "frames in 2 s: {}, RequestRedraw: {}, window events: {:?}, egui repaint causes: {:?} (focused {:?})",
            count.0, count.1, *kinds, count.3, settings.focused_mode
        );
        kinds.clear();
        *count = (0, 0, Some(now), Vec::new());
    }
}
