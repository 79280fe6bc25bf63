//! The startup baseline for `docs/performance.md`: a bare Bevy + egui app built with
//! exactly the trainer's features (one label, nothing else). With
//! `DOJO_EXIT_AFTER_FRAMES=N` it exits after its N-th egui frame, as the trainer does.
//!
//! `cargo run --release --example bare_egui`

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};

fn main() {
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "bare egui".into(),
                resolution: (1280u32, 760u32).into(),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(EguiPlugin::default())
        .add_systems(Startup, |mut commands: Commands| {
            commands.spawn(Camera2d);
        })
        .add_systems(EguiPrimaryContextPass, ui)
        .run();
}

fn ui(
    mut contexts: EguiContexts,
    mut frames: Local<u32>,
    mut exit: MessageWriter<AppExit>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    egui::Window::new("bare").show(ctx, |ui| ui.label("Hello"));
    *frames += 1;
    if std::env::var("DOJO_EXIT_AFTER_FRAMES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|n| *frames >= n)
    {
        exit.write(AppExit::Success);
    }
    Ok(())
}
