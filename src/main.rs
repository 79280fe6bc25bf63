//! The `dojo` binary: the desktop trainer when no command is given (feature `gui`),
//! else the headless commands.

use std::io::Write;

use clap::Parser;

use escalation_dojo::cli::terminal::{self, TerminalSafe};

/// mimalloc (Microsoft's, widely used in Rust, compiled from source by its `-sys` crate
/// with the C compiler that rusqlite's bundled SQLite already needs) brings replay-verify
/// of a 100-ticket log from ≈ 2.95× to ≈ 2.6× bare deserialisation: the simulation and
/// the note scorer allocate many short strings. The benches use it too
/// (`benches/common/mod.rs`), so every measured figure is the product's. See
/// `docs/performance.md`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = escalation_dojo::cli::Cli::parse();
    // Standard error is for people: terminal controls in names, notes or file names are
    // shown, never acted on (src/cli/terminal.rs).
    let mut err = TerminalSafe::new(std::io::stderr(), false);
    #[cfg(feature = "gui")]
    if let Some(code) = escalation_dojo::cli::trainer::run_trainer(&cli, &mut err) {
        let _ = err.flush();
        std::process::exit(code);
    }
    let mut out = TerminalSafe::new(std::io::stdout().lock(), terminal::writes_data(&cli));
    let mut code = escalation_dojo::cli::run(&cli, &mut out, &mut err);
    if let Err(e) = out.flush()
        && terminal::is_broken_pipe(&e)
    {
        code = terminal::BROKEN_PIPE_EXIT;
    }
    let _ = err.flush();
    std::process::exit(code);
}
