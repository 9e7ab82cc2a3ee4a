//! The `blackstart` command-line interface: argument parsing (clap),
//! dispatch to the subcommands, and the front-end concerns the libraries
//! leave out (flag names in messages, the progress bar, Ctrl-C, exit
//! statuses).
//!
//! Exit status (documented in the README):
//! - `0`: success;
//! - `2`: bad input (unreadable or malformed file, invalid flag value; clap's
//!   own usage errors also exit with 2);
//! - `3`: the computation ran but failed (e.g. a power flow did not converge,
//!   or a replica of `blackstart run` failed: the others are still written);
//! - `130`: interrupted (Ctrl-C or SIGTERM during `blackstart run`; the
//!   replicas that finished are written, the rest listed as missing).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use engine::ScenarioError;

mod compare;
mod hazard;
mod learn;
mod pf;
mod profile;
mod query;
mod run;
mod twin;

/// blackstart: simulate energy sharing between microgrids during disasters.
#[derive(Debug, Parser)]
#[command(name = "blackstart", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve an AC (Newton-Raphson) or DC power flow on a MATPOWER case.
    Pf(pf::PfArgs),
    /// Hazard models: ground motion, tropical-cyclone wind, fragility.
    Hazard(hazard::HazardArgs),
    /// Asset profiles over time (PV output from solar physics).
    Profile(profile::ProfileArgs),
    /// Run a scenario file: damage, islanding, operation, metrics, plots.
    Run(run::RunArgs),
    /// Compare policies on the same replicas (paired differences, 95 % CI).
    Compare(compare::CompareArgs),
    /// SPARQL/GeoSPARQL queries over RDF files and a scenario's knowledge graph.
    Query(query::QueryArgs),
    /// Live digital twin: the scenario paced by the wall clock, devices on MQTT.
    Twin(twin::TwinArgs),
    /// Play a testbed's devices over MQTT (telemetry, commands, faults).
    DeviceEmulator(twin::EmulatorArgs),
    /// Replay a twin recording deterministically.
    Replay(twin::ReplayArgs),
    /// Train a learned model: the net-load forecaster or the planner.
    Train(learn::TrainArgs),
    /// Evaluate a learned model (the shipped one by default); writes
    /// OUT/metrics.json.
    Eval(learn::EvalArgs),
}

/// An error that ends the program, with the exit status it maps to.
#[derive(Debug)]
enum CliError {
    /// The user's input (a file or a flag) is invalid. Exit status 2.
    BadInput(String),
    /// The computation ran and failed (e.g. no convergence). Exit status 3.
    Failed(String),
}

impl CliError {
    /// A library's scenario error: bad input or a failed computation.
    fn of_scenario(e: ScenarioError) -> CliError {
        if e.is_input() {
            CliError::BadInput(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    }

    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::BadInput(_) => ExitCode::from(2),
            CliError::Failed(_) => ExitCode::from(3),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::BadInput(m) | CliError::Failed(m) => f.write_str(m),
        }
    }
}

/// Parses the command line, runs the subcommand and maps errors to an exit
/// status.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Pf(args) => pf::run(args),
        Command::Hazard(args) => hazard::run(args),
        Command::Profile(args) => profile::run(args),
        Command::Run(args) => run::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Query(args) => query::run(args),
        Command::Twin(args) => twin::run_twin(args),
        Command::DeviceEmulator(args) => twin::run_emulator(args),
        Command::Replay(args) => twin::run_replay(args),
        Command::Train(args) => learn::run_train(args),
        Command::Eval(args) => learn::run_eval(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
