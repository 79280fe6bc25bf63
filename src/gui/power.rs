//! Low power: the app sleeps until input arrives, except while the sim clock runs.
//!
//! - Start, mode, debrief and a paused shift: reactive (wake on input, else every 5 s),
//!   so an idle trainer uses next to no CPU.
//! - A running shift: wake once a second so the clock and the timers move — they change
//!   once a sim minute, and the held-clock countdown once a second — plus at once on
//!   any input or repaint egui asks for. Under software rendering a frame costs ≈ 0.13
//!   CPU-seconds, so 10 frames a second took more than a core (#18); one a second is what
//!   the screen needs. The sim reads `Time<Virtual>`, whose per-frame delta Bevy caps at
//!   250 ms: the cap is raised to [`MAX_FRAME`] so a one-second frame is one second of
//!   the clock.
//! - Autoplay (screenshots under Xvfb): continuous.
//!
//! The bevy_egui workaround that keeps an idle app idle is in `third_party::bevy_egui`.

use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};

use super::state::MachinePaced;
use crate::sim_plugin::SimState;

/// How often a running shift wakes the app.
const RUNNING_TICK: Duration = Duration::from_millis(1000);
/// The longest frame the sim clock is given in full (real time beyond it is dropped, as
/// after a suspend).
const MAX_FRAME: Duration = Duration::from_millis(2500);

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(WinitSettings::desktop_app())
        .add_systems(Startup, raise_max_frame)
        .add_systems(Last, pace_updates);
}

fn raise_max_frame(mut time: ResMut<Time<Virtual>>) {
    time.set_max_delta(MAX_FRAME);
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
