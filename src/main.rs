//! The `dojo` binary: the desktop trainer when no command is given (feature `gui`),
//! else the headless commands.

use clap::Parser;

fn main() {
    let cli = escalation_dojo::cli::Cli::parse();
    #[cfg(feature = "gui")]
    if let Some(code) = escalation_dojo::cli_trainer::run_trainer(&cli, &mut std::io::stderr()) {
        std::process::exit(code);
    }
    let code = escalation_dojo::cli::run(&cli, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
