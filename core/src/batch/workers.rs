//! The batch's worker threads: one per CPU, each kept on a CPU of its own.
//!
//! A kernel that wakes a thread on its waker's CPU (to share a cache) can leave two workers taking turns on one
//! CPU while another CPU idles, until its load balancer moves one. On this project's two-CPU virtual machines that
//! was up to 30 ms at the start of a batch, a quarter of a 1,000-device run. When a pool has one worker for every
//! CPU the process may use, each worker keeps to its own CPU, so no two of them ever share one; work stealing still
//! evens out a CPU that another program keeps busy. A smaller pool (`--jobs`, `RAYON_NUM_THREADS`) is left to the
//! kernel, which can then choose the idlest CPUs.

use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Error, ErrorKind, Result};

/// A pool of `threads` workers (by default rayon's: one per CPU, or `RAYON_NUM_THREADS`), each kept on a CPU of
/// its own when there is one worker per CPU the process may use.
pub fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new().start_handler(keep_to_own_cpu);
    if let Some(n) = threads {
        builder = builder.num_threads(n.max(1));
    }
    builder.build().map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("cannot start worker threads ({e})"),
            "ask for fewer worker threads (certpack batch --jobs)",
        )
    })
}

/// certpack's own pool for callers that bring none (the Python package, [`FleetChunks`](super::FleetChunks)): a
/// [`worker_pool`] started on first use, and started again in a process forked after that. A fork copies no
/// threads, so the parent's pool would take the child's tasks and never run them (rayon's global pool hangs
/// there), as in a factory script's `multiprocessing` workers.
pub fn shared_pool() -> Result<Arc<rayon::ThreadPool>> {
    static SHARED: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);
    let pid = std::process::id();
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((owner, pool)) = shared.as_ref() {
        if *owner == pid {
            return Ok(Arc::clone(pool));
        }
    }
    let pool = Arc::new(worker_pool(None)?);
    if let Some((_, parents)) = shared.replace((pid, Arc::clone(&pool))) {
        // The parent's pool, whose threads are not in this process: never dropped, as stopping it would wait
        // for them.
        std::mem::forget(parents);
    }
    Ok(pool)
}

/// The pools' start handler: keeps worker `index` to the `index`-th CPU the process may use when the pool has
/// exactly one worker per such CPU. It runs on the new worker, where `current_num_threads` is its pool's size.
fn keep_to_own_cpu(index: usize) {
    own_cpu::keep(index, rayon::current_num_threads());
}

#[cfg(target_os = "linux")]
mod own_cpu {
    use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};

    /// Keep the calling thread, worker `index` of `workers`, to a CPU of its own (see the module's text).
    pub fn keep(index: usize, workers: usize) {
        let Ok(allowed) = sched_getaffinity(None) else {
            return;
        };
        if workers < 2 || allowed.count() as usize != workers {
            return;
        }
        let Some(cpu) = (0..CpuSet::MAX_CPU)
            .filter(|&c| allowed.is_set(c))
            .nth(index)
        else {
            return;
        };
        let mut own = CpuSet::new();
        own.set(cpu);
        // Best effort: a worker left free to move does the same work, only less evenly spread at first.
        let _ = sched_setaffinity(None, &own);
    }
}

#[cfg(not(target_os = "linux"))]
mod own_cpu {
    /// Elsewhere the kernel places the workers.
    pub fn keep(_index: usize, _workers: usize) {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::worker_pool;
    use rustix::thread::{sched_getaffinity, CpuSet};

    fn cpus(set: &CpuSet) -> Vec<usize> {
        (0..CpuSet::MAX_CPU).filter(|&c| set.is_set(c)).collect()
    }

    #[test]
    fn one_worker_per_cpu_keeps_each_to_its_own() {
        let allowed = cpus(&sched_getaffinity(None).unwrap());
        let pool = worker_pool(Some(allowed.len())).unwrap();
        let mut kept: Vec<Vec<usize>> = pool.broadcast(|_| cpus(&sched_getaffinity(None).unwrap()));
        if allowed.len() < 2 {
            assert_eq!(kept, vec![allowed]);
            return;
        }
        assert!(kept.iter().all(|k| k.len() == 1), "{kept:?}");
        kept.sort();
        assert_eq!(kept.concat(), allowed);
    }

    #[test]
    fn the_shared_pool_is_one_per_process() {
        let (a, b) = (super::shared_pool().unwrap(), super::shared_pool().unwrap());
        assert!(std::sync::Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn fewer_workers_than_cpus_are_left_free() {
        let allowed = cpus(&sched_getaffinity(None).unwrap());
        let pool = worker_pool(Some(allowed.len().saturating_sub(1).max(1))).unwrap();
        let kept = pool.broadcast(|_| cpus(&sched_getaffinity(None).unwrap()));
        assert!(kept.iter().all(|k| *k == allowed), "{kept:?}");
    }
}
