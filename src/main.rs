use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cuentas::telemetry::init();
    cuentas::cli::run(cuentas::cli::Cli::parse())
}
