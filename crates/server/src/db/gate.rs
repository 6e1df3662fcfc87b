//! The write gate: one writer per database at a time.
//!
//! SQLite allows one writer; a second one that meets the lock either spins in the busy
//! handler or, in WAL mode, fails at once with `SQLITE_BUSY_SNAPSHOT`. The server instead
//! makes every session that is about to write take this gate first and hold it until its
//! transaction ends, so writers queue in order and never race for SQLite's lock. Readers
//! never touch the gate: WAL lets them run beside the writer.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The gate of one database.
#[derive(Debug, Default)]
pub struct WriteGate {
    held: Mutex<bool>,
    released: Condvar,
}

/// Proof of holding the gate; dropping it lets the next writer in.
#[derive(Debug)]
pub struct WritePermit {
    gate: Arc<WriteGate>,
}

impl WriteGate {
    /// Waits (blocking the thread) until the gate is free or `timeout` passes.
    pub fn acquire(self: &Arc<Self>, timeout: Duration) -> Option<WritePermit> {
        let deadline = Instant::now() + timeout;
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *held {
            let left = deadline.checked_duration_since(Instant::now())?;
            held = self
                .released
                .wait_timeout(held, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        *held = true;
        Some(WritePermit { gate: self.clone() })
    }
}

impl Drop for WritePermit {
    fn drop(&mut self) {
        let mut held = self
            .gate
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *held = false;
        self.gate.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_timeouts() {
        let gate = Arc::new(WriteGate::default());
        let first = gate.acquire(Duration::from_millis(10)).expect("free gate");
        assert!(gate.acquire(Duration::from_millis(20)).is_none());
        let g = gate.clone();
        let waiter = std::thread::spawn(move || g.acquire(Duration::from_secs(5)).is_some());
        std::thread::sleep(Duration::from_millis(50));
        drop(first);
        assert!(waiter.join().unwrap());
    }
}
