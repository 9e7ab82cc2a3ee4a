//! `blackstart profile`: placeholder until the PV physics lands.

use std::process::ExitCode;

use super::CliError;

/// Arguments of `blackstart profile`.
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {}

/// Runs `blackstart profile`.
pub fn run(_args: ProfileArgs) -> Result<ExitCode, CliError> {
    Err(CliError::Failed("blackstart profile: not done yet".into()))
}
