//! cargo-fuzz target: see `harness::profile`.
//!
//! polars' Parquet reader panics on some malformed files; blackstart catches
//! that panic and reports a typed error (tests/bad-inputs/profile-parquet/).
//! libFuzzer's panic hook would abort on the caught panic, so this target
//! restores the default hook: a panic that escapes still aborts the input.
#![no_main]

#[path = "../harness.rs"]
mod harness;

static HOOK: std::sync::Once = std::sync::Once::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| {
        let _ = std::panic::take_hook();
    });
    harness::profile(data)
});
