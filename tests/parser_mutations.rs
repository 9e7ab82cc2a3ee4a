//! A small, deterministic fuzz campaign that runs in CI: every entry point
//! of `fuzz/harness.rs` (the code the cargo-fuzz targets call) gets the seed
//! corpus of its target and a few hundred mutants of each seed (bytes
//! flipped, inserted, deleted, chunks duplicated or truncated), and none may
//! panic. The long campaigns run with cargo-fuzz (`fuzz/README.md`).

#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../fuzz/harness.rs"]
mod harness;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use disaster_scenarios::rng::SplitMix64;

/// The mutations' deterministic generator (disaster-scenarios' SplitMix64).
struct Mix(SplitMix64);

impl Mix {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }
}

/// Bytes that tend to matter to these parsers.
const INTERESTING: &[&[u8]] = &[
    b"0",
    b"-1",
    b"1e308",
    b"-1e308",
    b"NaN",
    b"inf",
    b"\"",
    b"'",
    b"[",
    b"]",
    b"{",
    b"}",
    b"<",
    b">",
    b"\n",
    b",",
    b";",
    b"=",
    b":",
    b"#",
    b"\\",
    b"9999999999999999999999",
    b"\0",
    b"\xff",
    b"-0",
    b"0.0",
    b"true",
];

/// One mutant of `seed` (after `keep` leading bytes that select a format,
/// which are kept as they are).
fn mutate(seed: &[u8], keep: usize, rng: &mut Mix) -> Vec<u8> {
    let (head, body) = seed.split_at(keep.min(seed.len()));
    let mut b = body.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let tok = INTERESTING[rng.below(INTERESTING.len())];
                b.splice(at..at, tok.iter().copied());
            }
            2 if !b.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(b.len());
                b.drain(at.min(end)..end);
            }
            3 if !b.is_empty() => {
                let start = rng.below(b.len());
                let end = (start + 1 + rng.below(64)).min(b.len());
                let chunk = b[start..end].to_vec();
                b.splice(at..at, chunk);
            }
            4 => b.truncate(at),
            _ => {
                // Replace a number-looking run of digits with an extreme.
                if let Some(i) = b[at.min(b.len())..].iter().position(u8::is_ascii_digit) {
                    let i = at + i;
                    let tok = INTERESTING[rng.below(INTERESTING.len())];
                    b.splice(i..i + 1, tok.iter().copied());
                }
            }
        }
    }
    let mut out = head.to_vec();
    out.extend(b);
    out
}

/// Runs `f` on every seed of `fuzz/corpus/TARGET` and `n` mutants of each;
/// returns the inputs that panicked.
fn campaign(target: &str, keep: usize, n: usize, f: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "{}: no seeds", dir.display());
    let mut rng = Mix(SplitMix64::new(0x5EED ^ target.len() as u64));
    let mut panics = Vec::new();
    let mut runs = 0;
    for s in &seeds {
        let seed = std::fs::read(s).unwrap();
        let mut inputs = vec![seed.clone()];
        inputs.extend((0..n).map(|_| mutate(&seed, keep, &mut rng)));
        for input in inputs {
            runs += 1;
            if catch_unwind(AssertUnwindSafe(|| f(&input))).is_err() {
                // Kept for a regression case.
                let dump = Path::new(env!("CARGO_TARGET_TMPDIR"))
                    .join(format!("mutant-{target}-{}.bin", panics.len()));
                let _ = std::fs::write(&dump, &input);
                panics.push(format!(
                    "{} ({})",
                    dump.display(),
                    String::from_utf8_lossy(&input)
                ));
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{target}: {} of {runs} inputs panicked; first:\n{}",
        panics.len(),
        panics[0]
    );
    runs
}

#[test]
fn matpower_mutants_never_panic() {
    println!("{} inputs", campaign("matpower", 0, 300, harness::matpower));
}

#[test]
fn scenario_mutants_never_panic() {
    // Each parsed mutant runs a whole replica: fewer of them.
    println!("{} inputs", campaign("scenario", 0, 60, harness::scenario));
}

#[test]
fn profile_mutants_never_panic() {
    println!("{} inputs", campaign("profile", 1, 300, harness::profile));
}

#[test]
fn hazard_input_mutants_never_panic() {
    println!(
        "{} inputs",
        campaign("hazard_inputs", 1, 300, harness::hazard_inputs)
    );
}

#[test]
fn mqtt_payload_mutants_never_panic() {
    println!(
        "{} inputs",
        campaign("mqtt_payloads", 1, 300, harness::mqtt_payloads)
    );
}

#[test]
fn rdf_and_sparql_mutants_never_panic() {
    println!(
        "{} inputs",
        campaign("rdf_sparql", 1, 300, harness::rdf_sparql)
    );
}
