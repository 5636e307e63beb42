//! Retention of short-lived personal data: expired sessions, old throttling counters
//! and sign-in addresses. Runs periodically in every `serve` process; running it twice
//! at once is harmless.

use super::Result;
use crate::domain::session::SessionLimits;
use crate::domain::throttle::FAILURE_MEMORY_MS;
use crate::domain::Millis;
use crate::store::{sessions, throttle, Store};

/// How long an address an account signed in from counts as known.
pub const KNOWN_ADDRESS_MS: Millis = 90 * 24 * 60 * 60 * 1000;

/// Removes what has outlived its use; returns how many rows went.
pub async fn run_once(store: &Store, limits: &SessionLimits, now: Millis) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    let a =
        sessions::purge_expired(&mut tx, now - limits.absolute_ms, now - limits.idle_ms).await?;
    let b = throttle::purge(&mut tx, now - FAILURE_MEMORY_MS, now - KNOWN_ADDRESS_MS).await?;
    tx.commit().await?;
    Ok(a + b)
}
