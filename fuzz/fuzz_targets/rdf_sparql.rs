//! cargo-fuzz target: see `harness::rdf_sparql`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::rdf_sparql(data));
