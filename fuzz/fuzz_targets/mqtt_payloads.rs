//! cargo-fuzz target: see `harness::mqtt_payloads`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::mqtt_payloads(data));
