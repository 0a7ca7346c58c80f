//! [`FleetChunks`]: a fleet packed in memory chunk by chunk, the next chunks packing on the worker threads (the
//! [`shared_pool`]) while the caller handles the one it has (converts it for Python, sends it to a programmer or a
//! database).

use std::collections::VecDeque;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

use rayon::ThreadPool;

use super::{check_options, pack_devices, shared_pool, BatchOptions, Device, DeviceOutputs};
use crate::error::{Error, Result};

/// What a background chunk sends back: its devices' outputs, or the panic it met (raised again on the caller's
/// thread, as a parallel iterator does).
type Outcome = std::thread::Result<Vec<DeviceOutputs>>;

/// The devices of a fleet packed `chunk` at a time, in fleet order, like [`pack_fleet`](super::pack_fleet).
/// While the caller holds one chunk, the next two are being packed (two, so the workers never wait for the caller
/// to ask for the next one): at most three chunks are in memory. Iterated on in a process forked from the one that
/// made it, it packs the chunks still to come on that process's own workers.
#[derive(Debug)]
pub struct FleetChunks {
    devices: Arc<[Device]>,
    options: Arc<BatchOptions>,
    /// The workers packing the chunks.
    pool: Arc<ThreadPool>,
    /// The process whose workers are packing the pending chunks.
    owner: u32,
    chunk: usize,
    /// Start of the first chunk not yet started.
    next: usize,
    /// The chunks being packed, in fleet order.
    pending: VecDeque<Pending>,
}

/// A chunk being packed: its devices and where its outputs arrive.
#[derive(Debug)]
struct Pending {
    devices: Range<usize>,
    outcome: Receiver<Outcome>,
}

/// How many chunks are packed ahead of the caller.
const AHEAD: usize = 2;

impl FleetChunks {
    /// Check `options` (an unknown target, pattern or parameter fails here, before any device runs) and start
    /// packing the first chunk. A `chunk` of 0 counts as 1.
    pub fn new(devices: Vec<Device>, options: BatchOptions, chunk: usize) -> Result<FleetChunks> {
        check_options(&options)?;
        let mut chunks = FleetChunks {
            devices: devices.into(),
            options: Arc::new(options),
            pool: shared_pool()?,
            owner: std::process::id(),
            chunk: chunk.max(1),
            next: 0,
            pending: VecDeque::with_capacity(AHEAD),
        };
        for _ in 0..AHEAD {
            chunks.start_next();
        }
        Ok(chunks)
    }

    /// The number of devices in the fleet.
    pub fn devices(&self) -> usize {
        self.devices.len()
    }

    /// Free a chunk's outputs on a worker thread, where they were allocated, off the caller's thread (the files
    /// holding key material are wiped there).
    pub fn release(chunk: Vec<DeviceOutputs>) {
        match shared_pool() {
            Ok(pool) => pool.spawn(move || drop(chunk)),
            Err(_) => drop(chunk),
        }
    }

    /// Start packing the next chunk, if any is left.
    fn start_next(&mut self) {
        let range = self.next_range();
        if range.is_empty() {
            return;
        }
        self.next = range.end;
        let (devices, options) = (Arc::clone(&self.devices), Arc::clone(&self.options));
        let in_chunk = range.clone();
        let (done, receiver) = mpsc::sync_channel(1);
        self.pool.spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                pack_devices(&devices[in_chunk], &options)
            }));
            // The receiver is gone when the caller stopped early: the outputs are dropped here.
            let _ = done.send(outcome);
        });
        self.pending.push_back(Pending {
            devices: range,
            outcome: receiver,
        });
    }

    /// The devices of the first chunk not yet started (empty at the end of the fleet).
    fn next_range(&self) -> Range<usize> {
        self.next..(self.next + self.chunk).min(self.devices.len())
    }

    /// In a process forked from the one packing the chunks: its workers are not in this process and will never
    /// deliver, so the pending chunks start again on this process's own workers.
    fn resume_in_this_process(&mut self) -> Result<()> {
        let pool = shared_pool()?;
        // The parent's pool has no threads here: dropping it would not stop them, only count down (the shared
        // pool's own reference to it was let go the same way).
        std::mem::forget(std::mem::replace(&mut self.pool, pool));
        self.owner = std::process::id();
        if let Some(first) = self.pending.front() {
            self.next = first.devices.start;
        }
        self.pending.clear();
        for _ in 0..AHEAD {
            self.start_next();
        }
        Ok(())
    }

    /// The next chunk's devices, each failed with `error` (workers could not be started in this process).
    fn failed_chunk(&mut self, error: &Error) -> Option<Vec<DeviceOutputs>> {
        let range = match self.pending.pop_front() {
            Some(pending) => pending.devices,
            None => self.next_range(),
        };
        if range.is_empty() {
            return None;
        }
        self.next = self.next.max(range.end);
        let devices = &self.devices[range];
        Some(
            devices
                .iter()
                .map(|d| DeviceOutputs::failed(d, error.clone()))
                .collect(),
        )
    }
}

impl Iterator for FleetChunks {
    type Item = Vec<DeviceOutputs>;

    /// Start one more chunk, wait for the first one being packed and return it.
    fn next(&mut self) -> Option<Vec<DeviceOutputs>> {
        if self.owner != std::process::id() {
            if let Err(error) = self.resume_in_this_process() {
                return self.failed_chunk(&error);
            }
        }
        let pending = self.pending.pop_front()?;
        self.start_next();
        let outcome = pending
            .outcome
            .recv()
            .unwrap_or_else(|_| Err(Box::new("a fleet chunk's worker stopped without a result")));
        match outcome {
            Ok(chunk) => Some(chunk),
            Err(payload) => panic::resume_unwind(payload),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::error::ErrorKind;
    use crate::Params;

    /// `n` devices, each the sample AWS EC bundle.
    fn fleet(n: usize) -> Vec<Device> {
        let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/aws/ec");
        (0..n)
            .map(|i| Device {
                id: format!("dev-{i}"),
                inputs: vec![bundle.clone()],
                params: Params::new(),
            })
            .collect()
    }

    fn der() -> BatchOptions {
        BatchOptions {
            targets: vec!["der".into()],
            ..Default::default()
        }
    }

    fn ids(chunks: impl Iterator<Item = Vec<DeviceOutputs>>) -> Vec<(String, Option<Error>)> {
        chunks
            .flatten()
            .map(|d| (d.device.clone(), d.error.clone()))
            .collect()
    }

    #[test]
    fn chunks_pending_in_another_process_are_packed_again_here() {
        let mut chunks = FleetChunks::new(fleet(7), der(), 2).unwrap();
        assert_eq!(chunks.next().map(|c| c.len()), Some(2));
        // As in a process forked now: the two chunks under way are another process's workers' to deliver, and
        // nothing of theirs arrives here.
        chunks.owner = chunks.owner.wrapping_add(1);
        for pending in &mut chunks.pending {
            pending.outcome = mpsc::sync_channel(1).1;
        }
        let rest = ids(chunks);
        let expected: Vec<(String, Option<Error>)> =
            (2..7).map(|i| (format!("dev-{i}"), None)).collect();
        assert_eq!(rest, expected);
    }

    #[test]
    fn without_workers_every_device_still_comes_failed_with_the_reason() {
        let mut chunks = FleetChunks::new(fleet(5), der(), 2).unwrap();
        let error = Error::new(ErrorKind::Io, "cannot start threads", "free some");
        let failed = ids(std::iter::from_fn(|| chunks.failed_chunk(&error)));
        let expected: Vec<(String, Option<Error>)> = (0..5)
            .map(|i| (format!("dev-{i}"), Some(error.clone())))
            .collect();
        assert_eq!(failed, expected);
        assert!(chunks.next().is_none());
    }
}
