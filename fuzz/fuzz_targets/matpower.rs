//! cargo-fuzz target: see `harness::matpower`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::matpower(data));
