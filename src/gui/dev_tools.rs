//! Developer diagnostics, built only with the `dev` feature
//! (`cargo build --features dev`), as in foxtrot's `dev_tools`:
//!
//! - `DOJO_LOG_FRAMES=1` logs the frames drawn per 2 s, the update mode, the
//!   `RequestRedraw` messages and what egui asked repaints for (to find what keeps an
//!   idle app awake);
//! - `DOJO_EXIT_AFTER_FRAMES=N` exits after the N-th drawn frame (the startup
//!   measurement of `benches/gui_measure.py`; `examples/bare_egui.rs` does the same).

use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::WinitSettings;
use bevy_egui::EguiPrimaryContextPass;

use super::state::UiSet;
use super::widgets;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        Last,
        log_frames.run_if(|| std::env::var_os("DOJO_LOG_FRAMES").is_some()),
    )
    .add_systems(
        EguiPrimaryContextPass,
        exit_after_frames
            .after(UiSet::Overlay)
            .run_if(|| std::env::var_os("DOJO_EXIT_AFTER_FRAMES").is_some()),
    );
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

/// `DOJO_EXIT_AFTER_FRAMES=N`: exit after the N-th drawn frame (the startup
/// measurement in `docs/performance.md`; `examples/bare_egui.rs` does the same).
fn exit_after_frames(
    mut frames: Local<u32>,
    mut exit: MessageWriter<AppExit>,
    ready: Res<widgets::theme::ThemeApplied>,
) {
    if !widgets::theme::ready(ready) {
        return;
    }
    *frames += 1;
    if std::env::var("DOJO_EXIT_AFTER_FRAMES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|n| *frames >= n)
    {
        exit.write(AppExit::Success);
    }
}
