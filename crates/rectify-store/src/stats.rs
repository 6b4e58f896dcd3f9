//! This process's counters for `/metrics`: what the scheduler and the dispatch sender did, and
//! how many bytes were uploaded. Process-wide, as Prometheus scrapes each instance on its own.

use std::sync::atomic::{AtomicU64, Ordering};

/// A monotonically increasing counter.
pub struct Counter(AtomicU64);

impl Counter {
    const fn new() -> Counter {
        Counter(AtomicU64::new(0))
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Scheduler ticks run, and those that failed.
pub static SCHEDULER_RUNS: Counter = Counter::new();
pub static SCHEDULER_FAILURES: Counter = Counter::new();
/// Dispatch deliveries (e-mail, group robots) sent, and tries that failed.
pub static DELIVERIES_SENT: Counter = Counter::new();
pub static DELIVERY_FAILURES: Counter = Counter::new();
/// Bytes of uploaded files received in full.
pub static UPLOAD_BYTES: Counter = Counter::new();
/// Attachment reads refused because the content no longer had its SHA-256.
pub static ATTACHMENTS_TAMPERED: Counter = Counter::new();
