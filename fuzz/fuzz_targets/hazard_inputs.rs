//! cargo-fuzz target: see `harness::hazard_inputs`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::hazard_inputs(data));
