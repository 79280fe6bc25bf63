//! The desktop trainer needs a display; where there is none (a server, an SSH session,
//! a container) `dojo` says so, and lists what works without one, instead of a panic
//! from deep inside the window library.

use std::ffi::OsString;

use clap::CommandFactory;

use super::Cli;

/// Why no window can open here, given how the environment reads (`std::env::var_os`
/// in the binary; a map in tests). `None` when a display is set.
///
/// The window is an X11 one (the `gui` feature builds winit without Wayland): a
/// Wayland session works through XWayland, which sets `DISPLAY`.
pub fn missing_display(env: impl Fn(&str) -> Option<OsString>) -> Option<String> {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return None;
    }
    let set = |key: &str| env(key).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") {
        return None;
    }
    let what = if set("WAYLAND_DISPLAY") {
        "WAYLAND_DISPLAY is set but DISPLAY is not: this build opens an X11 window, so it needs XWayland (which sets DISPLAY)"
    } else {
        "neither DISPLAY nor WAYLAND_DISPLAY is set"
    };
    Some(format!(
        "no display: the desktop trainer needs a graphical session, and {what}.\n\
         Start it from a desktop session (or set DISPLAY, e.g. under `xvfb-run dojo`).\n\
         These commands work without a display: {}.\n\
         `dojo --help` describes them.",
        headless_commands().join(", ")
    ))
}

/// The commands that need no window (every subcommand but `play`), from the command
/// line's own definition so the list stays true.
pub fn headless_commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|name| name != "play")
        .collect()
}
