//! `blackstart hazard`: placeholder until the disaster-scenarios crate lands.

use std::process::ExitCode;

use super::CliError;

/// Arguments of `blackstart hazard`.
#[derive(Debug, clap::Args)]
pub struct HazardArgs {}

/// Runs `blackstart hazard`.
pub fn run(_args: HazardArgs) -> Result<ExitCode, CliError> {
    Err(CliError::Failed("blackstart hazard: not done yet".into()))
}
