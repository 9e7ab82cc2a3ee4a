//! PHOLD benchmark of the sim-core kernel (same as the workspace example
//! `examples/phold.rs`, buildable without the other crates).
//!
//! ```text
//! cargo run --release -p sim-core --example phold_core -- --lps 1000 --events 10000000 --seed 1
//! cargo run --release -p sim-core --example phold_core -- --lps 1000 --events 5000000 --replicas 2 --threads 2
//! ```
//!
//! Prints one JSON line with `events`, `seconds` and `events_per_s` (plus
//! the configuration and a checksum that is identical for any `--threads` /
//! `RAYON_NUM_THREADS`). See `benches/phold.md`.

use std::process::ExitCode;

use sim_core::phold::{PholdArgs, bench};

fn main() -> ExitCode {
    let args = match PholdArgs::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match bench(&args) {
        Ok(report) => match serde_json::to_string(&report) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
