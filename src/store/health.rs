//! Whether this process can write to its database right now.
//!
//! A write that fails because storage is unavailable (disk full, an I/O error, the database
//! gone or busy for too long) starts an *episode*: it is logged once at ERROR, every failed
//! write is counted (`meldpunt_storage_failures_total`), and for a short cool-down after
//! the latest failure the process reports itself not ready (`/readyz`), so a load balancer
//! sends traffic elsewhere and clients are told when to retry (`Retry-After`). The first write
//! that succeeds ends the episode (logged once at WARN, with its length). Nothing here decides
//! what is stored: it only watches.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long after the latest failed write the process reports itself not ready.
pub const COOL_DOWN: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct StorageHealth {
    state: Mutex<Episode>,
}

#[derive(Debug, Default)]
struct Episode {
    /// When the current episode of failing writes began; `None` while writes work.
    since: Option<Instant>,
    latest: Option<Instant>,
    failures: u64,
}

impl StorageHealth {
    /// A write failed because storage is unavailable.
    pub fn write_failed(&self, error: &str) {
        metrics::counter!("meldpunt_storage_failures_total").increment(1);
        let now = Instant::now();
        let mut e = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if e.since.is_none() {
            e.since = Some(now);
            e.failures = 0;
            tracing::error!(
                error = %error,
                "storage writes are failing: answering 503 until a write succeeds again \
                 (check free space for the database, its WAL, evidence and logs)"
            );
        }
        e.latest = Some(now);
        e.failures += 1;
    }

    /// A write was committed: an episode of failing writes, if any, is over.
    pub fn write_ok(&self) {
        let mut e = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(since) = e.since.take() {
            tracing::warn!(
                failed_writes = e.failures,
                seconds = since.elapsed().as_secs_f64(),
                "storage writes work again"
            );
            e.latest = None;
            e.failures = 0;
        }
    }

    /// Writes failed within the cool-down: the process should not take new work.
    pub fn degraded(&self) -> bool {
        let e = self.state.lock().unwrap_or_else(|p| p.into_inner());
        e.latest.is_some_and(|t| t.elapsed() < COOL_DOWN)
    }

    /// Seconds a client should wait before retrying a write.
    pub fn retry_after_s(&self) -> u64 {
        let e = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let left = e
            .latest
            .map(|t| COOL_DOWN.saturating_sub(t.elapsed()))
            .unwrap_or(Duration::ZERO);
        left.as_secs().max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_starts_with_a_failure_and_ends_with_a_success() {
        let h = StorageHealth::default();
        assert!(!h.degraded());
        h.write_failed("database or disk is full");
        h.write_failed("database or disk is full");
        assert!(h.degraded());
        assert!((1..=10).contains(&h.retry_after_s()));
        h.write_ok();
        assert!(!h.degraded());
        assert_eq!(h.retry_after_s(), 1);
    }
}
