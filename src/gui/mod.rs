//! The desktop trainer (feature `gui`): Bevy + egui over the same [`SimPlugin`] the
//! headless runs use. The UI sends [`SimAction`](crate::sim_plugin::SimAction)
//! messages and draws the simulation's state; every rule and score comes from the core.
//!
//! Layout follows the Bevy community template: one `plugin(app)` per module, screens as
//! the [`Screen`] state, UI systems ordered by [`UiSet`].

// Bevy systems take their data as parameters (as Bevy's own workspace lints allow).
#![allow(clippy::too_many_arguments)]

mod author;
mod autoplay;
#[cfg(feature = "dev")]
mod dev_tools;
mod history;
mod play;
mod power;
mod screens;
mod state;
mod third_party;
mod toasts;
mod widgets;
mod window;

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiPlugin, EguiPrimaryContextPass};

pub use screens::shift::{Drafts, TicketDraft};
pub use state::{ActiveShift, EndShift, LastSession, Problem, ResumeSession, StartShift, Trainee};
pub use state::{Screen, TrainerOptions, UiSet, root_ui};

/// The app's session logic without a window: the simulation shell, the history and the
/// session lifecycle (start, resume, end, save, store) under `MinimalPlugins`, as
/// Bevy's `how_to_test_apps` builds an app for a test. `tests/app/gui_session.rs`
/// drives it with the same messages the screens send.
pub fn session_app(options: TrainerOptions) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
        .insert_resource(options)
        .init_state::<Screen>()
        .add_plugins((crate::sim_plugin::plugin, history::plugin, play::plugin));
    app
}

/// The default window, in logical pixels: as wide as a 1280×720 screen and low enough for
/// its title bar (#18; it was 1280×760, taller than the screen). Narrower, the shift
/// screen's top bar overlaps itself, so the width stays. `--window-size` overrides.
pub const DEFAULT_WINDOW: (u32, u32) = (1280, 680);

/// Builds the trainer app.
pub fn app(options: TrainerOptions) -> App {
    let mut app = App::new();
    let asset_root = options
        .scenario_file
        .as_ref()
        .and_then(|f| std::path::absolute(f).ok())
        .and_then(|f| f.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("assets"));
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Escalation Dojo".into(),
                    resolution: options.window_size.unwrap_or(DEFAULT_WINDOW).into(),
                    ..default()
                }),
                ..default()
            })
            .set(AssetPlugin {
                file_path: asset_root.display().to_string(),
                watch_for_changes_override: Some(options.scenario_file.is_some()),
                ..default()
            }),
    )
    .add_plugins(EguiPlugin::default())
    .insert_resource(ClearColor(Color::srgb_u8(0x14, 0x18, 0x22)))
    .insert_resource(widgets::theme::UiScale(options.ui_scale))
    .insert_resource(options)
    .init_state::<Screen>()
    .configure_sets(
        EguiPrimaryContextPass,
        (UiSet::Screen, UiSet::Overlay)
            .chain()
            .run_if(widgets::theme::ready),
    )
    .add_plugins((
        crate::sim_plugin::plugin,
        history::plugin,
        widgets::theme::plugin,
        window::plugin,
        power::plugin,
        play::plugin,
        screens::start::plugin,
        screens::mode::plugin,
        screens::shift::plugin,
        screens::debrief::plugin,
        toasts::plugin,
        autoplay::plugin,
        author::plugin,
        screens::compete::plugin,
        screens::dashboard::plugin,
    ))
    .add_systems(Startup, spawn_camera)
    .add_systems(Update, global_keys)
    .add_plugins((third_party::bevy_egui::plugin, widgets::ui_map::plugin));
    #[cfg(feature = "dev")]
    app.add_plugins(dev_tools::plugin);
    app
}

/// Keys that work on every screen: F12 saves a screenshot of the window to
/// `<data dir>/screenshots/` (a debrief to keep, a bug to report); Ctrl+Q quits.
fn global_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut commands: Commands,
    options: Res<TrainerOptions>,
    mut exit: MessageWriter<AppExit>,
    mut problems: MessageWriter<state::Problem>,
) {
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    if ctrl && keys.just_pressed(KeyCode::KeyQ) {
        exit.write(AppExit::Success);
    }
    if keys.just_pressed(KeyCode::F12) {
        use bevy::render::view::screenshot::{Screenshot, save_to_disk};
        let dir = options.data_dir.join("screenshots");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            problems.write(state::Problem(format!("{}: {e}", dir.display())));
            return;
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let path = dir.join(format!("dojo-{secs}.png"));
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path));
    }
}

/// Runs the trainer until its window closes; the exit code to return.
pub fn run(options: TrainerOptions) -> i32 {
    match app(options).run() {
        AppExit::Success => 0,
        AppExit::Error(code) => i32::from(code.get()),
    }
}

fn spawn_camera(mut commands: Commands) {
    commands.spawn(Camera2d);
}
