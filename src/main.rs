//! The `dojo` binary: the desktop trainer when no command is given (feature `gui`),
//! else the headless commands.

use clap::Parser;

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
    #[cfg(feature = "gui")]
    if let Some(code) = escalation_dojo::cli::trainer::run_trainer(&cli, &mut std::io::stderr()) {
        std::process::exit(code);
    }
    let code = escalation_dojo::cli::run(&cli, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
