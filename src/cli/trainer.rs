//! Opening the desktop trainer from the command line: `dojo` (no command) and
//! `dojo play --scenario FILE`.

use std::io::Write;
use std::sync::Arc;

use crate::cli::common::load_pack;
use crate::cli::{Cli, Command};
use crate::gui::{self, TrainerOptions};

/// Opens the trainer when the command line asks for it; the exit code, or `None` when
/// a headless command was given.
pub fn run_trainer(cli: &Cli, err: &mut dyn Write) -> Option<i32> {
    let scenario_file = match &cli.command {
        None => None,
        Some(Command::Play { scenario }) => Some(scenario.clone()),
        Some(_) => return None,
    };
    Some(open(cli, scenario_file, err).unwrap_or_else(|e| {
        let _ = writeln!(err, "error: {e}");
        1
    }))
}

fn open(
    cli: &Cli,
    scenario_file: Option<std::path::PathBuf>,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let args = &cli.trainer;
    if let Some(problem) = crate::cli::display::missing_display(|k| std::env::var_os(k)) {
        writeln!(err, "error: {problem}")?;
        return Ok(1);
    }
    if let Some(file) = &scenario_file
        && !file.is_file()
    {
        writeln!(err, "error: {}: no such scenario file", file.display())?;
        return Ok(1);
    }
    let Some(pack) = load_pack(cli, err)? else {
        return Ok(1);
    };
    let autoplay = match &args.autoplay {
        Some(path) => match dojo_core::sim::action::Script::read(path) {
            Ok(script) => Some(script),
            Err(e) => {
                writeln!(err, "error: {e}")?;
                return Ok(1);
            }
        },
        None => None,
    };
    if let Some(dir) = &args.screenshots {
        std::fs::create_dir_all(dir)?;
    }
    if !(0.75..=2.0).contains(&args.ui_scale) {
        writeln!(err, "error: --ui-scale must be between 0.75 and 2.0")?;
        return Ok(1);
    }
    let data_dir = match dojo_store::data_dir(cli.data_dir.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(1);
        }
    };
    let trainee = args.trainee.clone().or_else(|| {
        (autoplay.is_some() || scenario_file.is_some()).then(|| {
            if scenario_file.is_some() {
                "author".to_string()
            } else {
                "autoplay".to_string()
            }
        })
    });
    let options = TrainerOptions {
        pack: Arc::new(pack),
        pack_options: cli.pack_options(),
        autoplay,
        screenshots: args.screenshots.clone(),
        shift: None,
        seed: args.seed,
        trainee,
        team: args.team.clone(),
        out: args.out.clone(),
        data_dir,
        ui_scale: args.ui_scale,
        window_size: args.window_size,
        scenario_file,
        competition: args.competition.clone(),
    };
    Ok(run_window(options))
}

/// Runs the window. A display that is set but cannot be reached (`DISPLAY=:99` with no
/// server) makes the window library panic while it builds its event loop: that panic is
/// said in one plain sentence with the headless commands, exit 1, no backtrace.
fn run_window(options: TrainerOptions) -> i32 {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or_default();
        if message.contains("event loop") {
            eprintln!(
                "error: cannot open a window ({}): {message}\nThese commands work without a display: {}.",
                std::env::var("DISPLAY")
                    .map_or_else(|_| "DISPLAY unset".to_string(), |d| format!("DISPLAY={d}")),
                crate::cli::display::headless_commands().join(", ")
            );
        } else {
            previous(info);
        }
    }));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| gui::run(options))).unwrap_or(1)
}
