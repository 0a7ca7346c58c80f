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
use crate::error::Result;

/// What a background chunk sends back: its devices' outputs, or the panic it met (raised again on the caller's
/// thread, as a parallel iterator does).
type Outcome = std::thread::Result<Vec<DeviceOutputs>>;

/// The devices of a fleet packed `chunk` at a time, in fleet order, like [`pack_fleet`](super::pack_fleet).
/// While the caller holds one chunk, the next two are being packed (two, so the workers never wait for the caller
/// to ask for the next one): at most three chunks are in memory.
#[derive(Debug)]
pub struct FleetChunks {
    devices: Arc<[Device]>,
    options: Arc<BatchOptions>,
    /// The workers packing the chunks.
    pool: Arc<ThreadPool>,
    chunk: usize,
    /// Start of the first chunk not yet started.
    next: usize,
    /// The chunks being packed, in fleet order.
    pending: VecDeque<Receiver<Outcome>>,
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
        let range: Range<usize> = self.next..(self.next + self.chunk).min(self.devices.len());
        if range.is_empty() {
            return;
        }
        self.next = range.end;
        let (devices, options) = (Arc::clone(&self.devices), Arc::clone(&self.options));
        let (done, receiver) = mpsc::sync_channel(1);
        self.pool.spawn(move || {
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(|| pack_devices(&devices[range], &options)));
            // The receiver is gone when the caller stopped early: the outputs are dropped here.
            let _ = done.send(outcome);
        });
        self.pending.push_back(receiver);
    }
}

impl Iterator for FleetChunks {
    type Item = Vec<DeviceOutputs>;

    /// Start one more chunk, wait for the first one being packed and return it.
    fn next(&mut self) -> Option<Vec<DeviceOutputs>> {
        let receiver = self.pending.pop_front()?;
        self.start_next();
        let outcome = receiver
            .recv()
            .unwrap_or_else(|_| Err(Box::new("a fleet chunk's worker stopped without a result")));
        match outcome {
            Ok(chunk) => Some(chunk),
            Err(payload) => panic::resume_unwind(payload),
        }
    }
}
