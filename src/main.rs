//! The `dojo` binary.

use clap::Parser;

fn main() {
    let cli = escalation_dojo::cli::Cli::parse();
    let code = escalation_dojo::cli::run(&cli, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
