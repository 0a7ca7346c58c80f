//! The batch's worker threads: one per CPU, each kept on a CPU of its own.
//!
//! A kernel that places a new or woken thread on its creator's or waker's CPU (to share a cache) can leave two
//! workers taking turns on one CPU while another CPU idles, until its load balancer moves one. On this project's
//! two-CPU virtual machines that was up to 30 ms at the start of a batch, a quarter of a 1,000-device run. When a
//! pool has one worker for every CPU the process may use, each worker is started on its own CPU and kept there, so
//! no two of them ever share one; work stealing still evens out a CPU that another program keeps busy. A smaller
//! pool (`--jobs`, `RAYON_NUM_THREADS`) is left to the kernel, which can then choose the idlest CPUs.

use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Error, ErrorKind, Result};

/// A pool of `threads` workers (by default one per CPU, or `RAYON_NUM_THREADS` as rayon reads it), each started
/// and kept on a CPU of its own when there is one worker per CPU the process may use.
pub fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let workers = threads.unwrap_or_else(default_threads).max(1);
    let builder = rayon::ThreadPoolBuilder::new().num_threads(workers);
    let built = match own_cpu::Spread::over(workers) {
        Some(spread) => builder.spawn_handler(|worker| spread.start(worker)).build(),
        None => builder.build(),
    };
    built.map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("cannot start worker threads ({e})"),
            "ask for fewer worker threads (certpack batch --jobs)",
        )
    })
}

/// Rayon's default size of a pool: `RAYON_NUM_THREADS` when it is a positive number, else one per CPU.
fn default_threads() -> usize {
    let from_env = std::env::var("RAYON_NUM_THREADS").ok();
    match from_env.and_then(|n| n.trim().parse::<usize>().ok()) {
        Some(n) if n > 0 => n,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
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

#[cfg(target_os = "linux")]
mod own_cpu {
    use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};

    /// The CPUs a pool's workers start on, one each, and the CPUs the building thread had before.
    pub struct Spread {
        allowed: CpuSet,
        cpus: Vec<usize>,
    }

    impl Spread {
        /// `Some` when `workers` is exactly the number of CPUs the process may use (two or more).
        pub fn over(workers: usize) -> Option<Spread> {
            let allowed = sched_getaffinity(None).ok()?;
            let cpus: Vec<usize> = (0..CpuSet::MAX_CPU)
                .filter(|&c| allowed.is_set(c))
                .collect();
            (workers >= 2 && cpus.len() == workers).then_some(Spread { allowed, cpus })
        }

        /// Start `worker` on its CPU: a new thread takes its creator's CPUs, so the building thread keeps to the
        /// worker's CPU while it creates it, and the worker starts there and stays there.
        pub fn start(&self, worker: rayon::ThreadBuilder) -> std::io::Result<()> {
            let mut own = CpuSet::new();
            own.set(self.cpus[worker.index() % self.cpus.len()]);
            // Best effort: a worker that could not be placed runs where the kernel puts it.
            let _ = sched_setaffinity(None, &own);
            let mut thread = std::thread::Builder::new();
            if let Some(name) = worker.name() {
                thread = thread.name(name.to_owned());
            }
            if let Some(size) = worker.stack_size() {
                thread = thread.stack_size(size);
            }
            thread.spawn(move || worker.run()).map(drop)
        }
    }

    impl Drop for Spread {
        /// The building thread gets its CPUs back once the pool is built (or failed).
        fn drop(&mut self) {
            let _ = sched_setaffinity(None, &self.allowed);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod own_cpu {
    /// Elsewhere the kernel places the workers.
    pub enum Spread {}

    impl Spread {
        pub fn over(_workers: usize) -> Option<Spread> {
            None
        }

        pub fn start(&self, _worker: rayon::ThreadBuilder) -> std::io::Result<()> {
            match *self {}
        }
    }
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
        // The building thread has its CPUs back.
        assert_eq!(cpus(&sched_getaffinity(None).unwrap()), allowed);
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
