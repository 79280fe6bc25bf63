//! `dojo --autoplay SCRIPT`: walks every screen, plays the action script through the
//! simulation's message path (exactly as clicks would arrive), saves a screenshot of
//! each screen, writes the session result, and exits 0. The GUI smoke test
//! (`.ci/gui-smoke`) compares that result with `dojo run` of the same script.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use super::state::{EndShift, LastSession, StartShift};
use super::state::{Screen, TrainerOptions};
use crate::sim_plugin::{Autoplay, SimSet, SimState};
use dojo_core::sim::action::Script;
use dojo_core::sim::clock::Clock;

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
    Competition,
    Shift,
    Debrief,
    Leaderboard,
    Dashboard,
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
    /// Screenshots on disk, by name.
    captured: Vec<String>,
    mid_shift_shot: bool,
    /// `--competition FILE`: enter it, and photograph the competition and leaderboard
    /// screens too.
    competition: Option<PathBuf>,
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
    app.insert_resource(super::state::MachinePaced);
    app.insert_resource(AutoplayDriver {
        script,
        shift,
        seed: options.seed.unwrap_or(7),
        screenshots: options.screenshots.clone(),
        stage: Stage::Start,
        frames: 0,
        waiting_for_capture: false,
        captured: Vec::new(),
        mid_shift_shot: false,
        competition: options.competition.clone(),
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
        if self.captured.iter().any(|c| c == name) {
            return true;
        }
        if self.waiting_for_capture {
            return false;
        }
        self.waiting_for_capture = true;
        let path = dir.join(name);
        let name = name.to_string();
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path))
            .observe(
                move |_: On<ScreenshotCaptured>, mut driver: ResMut<AutoplayDriver>| {
                    driver.waiting_for_capture = false;
                    driver.captured.push(name.clone());
                },
            );
        false
    }
}

/// The screenshots: start, mode, shift, debrief (twice), then the competition and
/// leaderboard screens with `--competition`, else the coach's dashboard.
const SHOTS: [&str; 8] = [
    "01-start.png",
    "02-mode.png",
    "03-shift.png",
    "04-debrief.png",
    "05-debrief-tickets.png",
    "06-competition.png",
    "07-leaderboard.png",
    "06-dashboard.png",
];

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
                if driver.competition.is_some() {
                    next.set(Screen::Competition);
                    driver.enter(Stage::Competition);
                    return;
                }
                let Some(shift) = options.pack.shifts.get(&driver.shift).cloned() else {
                    error!("autoplay: no shift `{}` in the pack", driver.shift);
                    exit.write(AppExit::from_code(2));
                    return;
                };
                start.write(StartShift {
                    shift,
                    seed: driver.seed,
                    competition: None,
                });
                driver.enter(Stage::Shift);
            }
        }
        Stage::Competition => {
            if *screen.get() != Screen::Competition || driver.frames < SETTLE_FRAMES {
                return;
            }
            if !driver.shot(&mut commands, SHOTS[5]) {
                return;
            }
            match competition_entry(driver.competition.as_deref(), &options) {
                Ok((shift, entry)) => {
                    start.write(StartShift {
                        shift,
                        seed: entry.competition.seed,
                        competition: Some(entry),
                    });
                    driver.enter(Stage::Shift);
                }
                Err(e) => {
                    error!("autoplay: {e}");
                    exit.write(AppExit::from_code(2));
                }
            }
        }
        Stage::Shift => {
            let Some(mut sim) = sim else {
                return;
            };
            let Some(play) = sim_autoplay else {
                sim.clock = Clock::machine(AUTOPLAY_TIME_SCALE);
                commands.insert_resource(Autoplay {
                    script: driver.script.clone(),
                    next: 0,
                });
                return;
            };
            let half = play.script.actions.len() / 2;
            if !driver.mid_shift_shot && play.next >= half && driver.frames >= SETTLE_FRAMES {
                // Hold the clock while the picture is taken, so it shows a ticket at work.
                sim.clock.set_scale(0.0);
                if driver.shot(&mut commands, SHOTS[2]) {
                    driver.mid_shift_shot = true;
                    sim.clock.set_scale(AUTOPLAY_TIME_SCALE);
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
                if driver.competition.is_some() {
                    next.set(Screen::Leaderboard);
                    driver.enter(Stage::Leaderboard);
                } else {
                    next.set(Screen::Dashboard);
                    driver.enter(Stage::Dashboard);
                }
            }
        }
        Stage::Dashboard => {
            if *screen.get() != Screen::Dashboard || driver.frames < SETTLE_FRAMES {
                return;
            }
            if driver.shot(&mut commands, SHOTS[7]) {
                driver.enter(Stage::Exiting);
            }
        }
        Stage::Leaderboard => {
            if *screen.get() != Screen::Leaderboard || driver.frames < SETTLE_FRAMES {
                return;
            }
            if driver.shot(&mut commands, SHOTS[6]) {
                driver.enter(Stage::Exiting);
            }
        }
        Stage::Exiting => {
            info!("autoplay finished: {} screenshot(s)", driver.captured.len());
            exit.write(AppExit::Success);
        }
    }
}

/// The competition file's shift and the autoplay trainee's entry.
fn competition_entry(
    file: Option<&std::path::Path>,
    options: &TrainerOptions,
) -> Result<(dojo_core::shift::Shift, super::state::Entry), String> {
    let file = file.ok_or("no competition file")?;
    let competition =
        dojo_core::compete::Competition::read(file, Some(&options.pack)).map_err(|d| {
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
    let participant = competition
        .participant(
            options.trainee.as_deref().unwrap_or(""),
            options.team.as_deref(),
        )
        .map_err(|e| e.to_string())?;
    let shift = competition
        .effective_shift(&options.pack)
        .map_err(|e| e.to_string())?;
    Ok((
        shift,
        super::state::Entry {
            competition: std::sync::Arc::new(competition),
            file: file.to_path_buf(),
            participant,
        },
    ))
}

/// Asks the debrief to scroll to this offset (autoplay's second debrief picture).
#[derive(Resource, Debug, Default)]
pub struct DebriefScroll(pub Option<f32>);
