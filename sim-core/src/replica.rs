//! Independent replicas in parallel (Rayon), merged in replica order.
//!
//! Replica `r` of a run with master seed `seed` receives the seed
//! [`replica_seed(seed, r)`](crate::rng::replica_seed) and must draw all its
//! randomness from streams of that seed. Replicas share nothing mutable, and
//! the results come back as a `Vec` indexed by replica number, so the output
//! does not depend on the number of threads or on which thread ran which
//! replica.

use rayon::prelude::*;

use crate::error::SimError;
use crate::rng::replica_seed;

/// Runs `f(replica, replica_seed)` for replicas `0..n` on Rayon's global
/// pool (sized by `RAYON_NUM_THREADS` or the number of cores) and returns
/// the results in replica order.
pub fn run_replicas<T, F>(n: u32, seed: u64, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(u32, u64) -> T + Sync + Send,
{
    (0..n)
        .into_par_iter()
        .map(|r| f(r, replica_seed(seed, u64::from(r))))
        .collect()
}

/// Like [`run_replicas`] on a dedicated pool of `threads` threads
/// (`0`: Rayon's global pool).
///
/// # Errors
/// [`SimError::ThreadPool`] if the pool cannot be built.
pub fn run_replicas_with_threads<T, F>(
    n: u32,
    seed: u64,
    threads: usize,
    f: F,
) -> Result<Vec<T>, SimError>
where
    T: Send,
    F: Fn(u32, u64) -> T + Sync + Send,
{
    if threads == 0 {
        return Ok(run_replicas(n, seed, f));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("sim-replica-{i}"))
        .build()
        .map_err(|e| SimError::ThreadPool {
            threads,
            message: e.to_string(),
        })?;
    Ok(pool.install(|| run_replicas(n, seed, f)))
}

/// Runs fallible replicas; returns all results in replica order, or the
/// error of the lowest-numbered failing replica (every replica runs).
///
/// # Errors
/// The first error in replica order, or a thread-pool error.
pub fn try_run_replicas<T, E, F>(n: u32, seed: u64, threads: usize, f: F) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send + From<SimError>,
    F: Fn(u32, u64) -> Result<T, E> + Sync + Send,
{
    let results = run_replicas_with_threads(n, seed, threads, f)?;
    results.into_iter().collect()
}
