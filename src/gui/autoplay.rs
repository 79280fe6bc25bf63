//! `dojo --autoplay SCRIPT`: walks every screen, plays the action script through the
//! simulation's message path (exactly as clicks would arrive), saves a screenshot of
//! each screen, writes the session result, and exits 0. The GUI smoke test
//! (`.ci/gui-smoke`) compares that result with `dojo run` of the same script.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use super::play::{EndShift, LastSession, StartShift};
use super::{Screen, TrainerOptions};
use crate::sim::action::Script;
use crate::sim::plugin::{Autoplay, SimSet, SimState};

/// Frames to let a screen settle (egui lays out over a couple of frames) before its
/// screenshot.
const SETTLE_FRAMES: u32 = 12;
/// Give up (exit 2) when a stage takes longer than this many frames.
const STAGE_FRAME_LIMIT: u32 = 20_000;
/// Sim minutes per real second under autoplay: the sim clock never overshoots the
/// script's next minute, so speed does not change the result.
const AUTOPLAY_TIME_SCALE: f64 = 2_000.0;

/// Where autoplay is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    Mode,
    Shift,
    Debrief,
    Exiting,
}

/// Drives the app through its screens under `--autoplay`.
#[derive(Resource, Debug)]
pub struct AutoplayDriver {
    script: Script,
    shift: String,
    seed: u64,
    screenshots: Option<PathBuf>,
    stage: Stage,
    frames: u32,
    /// Screenshot requested and not yet captured.
    waiting_for_capture: bool,
    /// Captures completed.
    captured: u32,
    mid_shift_shot: bool,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<DebriefScroll>();
    let Some(options) = app.world().get_resource::<TrainerOptions>().cloned() else {
        return;
    };
    let Some(script) = options.autoplay.clone() else {
        return;
    };
    let shift = options
        .shift
        .clone()
        .or_else(|| script.shift.clone())
        .unwrap_or_else(|| "onboarding-basics".into());
    app.insert_resource(AutoplayDriver {
        script,
        shift,
        seed: options.seed.unwrap_or(7),
        screenshots: options.screenshots.clone(),
        stage: Stage::Start,
        frames: 0,
        waiting_for_capture: false,
        captured: 0,
        mid_shift_shot: false,
    })
    .add_systems(Update, drive.after(SimSet::Mirror));
}

impl AutoplayDriver {
    fn enter(&mut self, stage: Stage) {
        self.stage = stage;
        self.frames = 0;
    }

    /// Requests a screenshot named `name`; true once it is on disk (or when
    /// screenshots are off).
    fn shot(&mut self, commands: &mut Commands, name: &str) -> bool {
        let Some(dir) = self.screenshots.clone() else {
            return true;
        };
        if self.waiting_for_capture {
            return false;
        }
        if self.captured_for(name) {
            return true;
        }
        self.waiting_for_capture = true;
        let path = dir.join(name);
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path))
            .observe(
                |_: On<ScreenshotCaptured>, mut driver: ResMut<AutoplayDriver>| {
                    driver.waiting_for_capture = false;
                    driver.captured += 1;
                },
            );
        false
    }

    /// Screenshots are taken in a fixed order; `name`'s turn is over once as many
    /// captures happened as its position in that order.
    fn captured_for(&self, name: &str) -> bool {
        let order = SHOTS.iter().position(|s| *s == name).map_or(0, |i| i + 1);
        self.captured as usize >= order
    }
}

/// The screenshots, in the order they are taken.
const SHOTS: [&str; 5] = [
    "01-start.png",
    "02-mode.png",
    "03-shift.png",
    "04-debrief.png",
    "05-debrief-tickets.png",
];

#[allow(clippy::too_many_arguments)]
fn drive(
    mut commands: Commands,
    mut driver: ResMut<AutoplayDriver>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    options: Res<TrainerOptions>,
    sim: Option<ResMut<SimState>>,
    sim_autoplay: Option<Res<Autoplay>>,
    last: Option<Res<LastSession>>,
    mut start: MessageWriter<StartShift>,
    mut end: MessageWriter<EndShift>,
    mut exit: MessageWriter<AppExit>,
    mut scroll: ResMut<DebriefScroll>,
) {
    driver.frames += 1;
    if driver.frames > STAGE_FRAME_LIMIT {
        error!("autoplay stuck in {:?}; giving up", driver.stage);
        exit.write(AppExit::from_code(2));
        return;
    }
    match driver.stage {
        Stage::Start => {
            if *screen.get() != Screen::Start || driver.frames < SETTLE_FRAMES {
                return;
            }
            if driver.shot(&mut commands, SHOTS[0]) {
                next.set(Screen::Mode);
                driver.enter(Stage::Mode);
            }
        }
        Stage::Mode => {
            if *screen.get() != Screen::Mode || driver.frames < SETTLE_FRAMES {
                return;
            }
            if driver.shot(&mut commands, SHOTS[1]) {
                let Some(shift) = options.pack.shifts.get(&driver.shift).cloned() else {
                    error!("autoplay: no shift `{}` in the pack", driver.shift);
                    exit.write(AppExit::from_code(2));
                    return;
                };
                start.write(StartShift {
                    shift,
                    seed: driver.seed,
                });
                driver.enter(Stage::Shift);
            }
        }
        Stage::Shift => {
            let Some(mut sim) = sim else {
                return;
            };
            let Some(play) = sim_autoplay else {
                sim.time_scale = AUTOPLAY_TIME_SCALE;
                commands.insert_resource(Autoplay {
                    script: driver.script.clone(),
                    next: 0,
                });
                return;
            };
            let half = play.script.actions.len() / 2;
            if !driver.mid_shift_shot && play.next >= half && driver.frames >= SETTLE_FRAMES {
                // Hold the clock while the picture is taken, so it shows a ticket at work.
                sim.time_scale = 0.0;
                if driver.shot(&mut commands, SHOTS[2]) {
                    driver.mid_shift_shot = true;
                    sim.time_scale = AUTOPLAY_TIME_SCALE;
                }
                return;
            }
            if play.done() {
                end.write(EndShift);
                driver.enter(Stage::Debrief);
            }
        }
        Stage::Debrief => {
            if *screen.get() != Screen::Debrief || last.is_none() || driver.frames < SETTLE_FRAMES {
                return;
            }
            if !driver.shot(&mut commands, SHOTS[3]) {
                return;
            }
            scroll.0 = Some(700.0);
            if driver.frames < SETTLE_FRAMES * 2 {
                return;
            }
            if driver.shot(&mut commands, SHOTS[4]) {
                driver.enter(Stage::Exiting);
            }
        }
        Stage::Exiting => {
            info!("autoplay finished: {} screenshot(s)", driver.captured);
            exit.write(AppExit::Success);
        }
    }
}

/// Asks the debrief to scroll to this offset (autoplay's second debrief picture).
#[derive(Resource, Debug, Default)]
pub struct DebriefScroll(pub Option<f32>);
