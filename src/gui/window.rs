//! The window's icon (shipped in `assets/icon.png`, embedded in the binary).

use bevy::ecs::system::NonSendMarker;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, set_window_icon);
}

/// Decodes the embedded icon into RGBA8 pixels.
fn icon_rgba() -> Result<(Vec<u8>, u32, u32), String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(ICON_PNG));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "icon too large".to_string())?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    buf.truncate(info.buffer_size());
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return Err(format!(
            "icon must be 8-bit RGBA, is {:?} {:?}",
            info.color_type, info.bit_depth
        ));
    }
    Ok((buf, info.width, info.height))
}

/// Sets the icon once the window exists (winit windows live on the main thread).
fn set_window_icon(
    _main_thread: NonSendMarker,
    window: Query<Entity, With<PrimaryWindow>>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    let Ok(entity) = window.single() else {
        return;
    };
    bevy::winit::WINIT_WINDOWS.with_borrow(|windows| {
        let Some(winit_window) = windows.get_window(entity) else {
            return;
        };
        *done = true;
        match icon_rgba().and_then(|(rgba, w, h)| {
            winit::window::Icon::from_rgba(rgba, w, h).map_err(|e| e.to_string())
        }) {
            Ok(icon) => winit_window.set_window_icon(Some(icon)),
            Err(e) => warn!("window icon not set: {e}"),
        }
    });
}
