use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cuentas::malloc_tuning::exec_tuned();
    if let Err(e) = cuentas::telemetry::init_from_env() {
        eprintln!("cuentas: configuration error: {e}");
        return ExitCode::FAILURE;
    }
    cuentas::cli::run(cuentas::cli::Cli::parse())
}
