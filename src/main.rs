use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cuentas::malloc_tuning::exec_tuned();
    cuentas::telemetry::init();
    cuentas::cli::run(cuentas::cli::Cli::parse())
}
