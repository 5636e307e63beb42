//! Removal of what has outlived its technical use: expired sessions, old throttling
//! counters and known devices, old idempotency keys, single sign-ons that never came back. (Sent mail and other personal data
//! go by the retention schedule: `service::retention`.) Runs periodically in every `serve` process; running it twice
//! at once is harmless.

use super::Result;
use crate::domain::session::SessionLimits;
use crate::domain::sso::LOGIN_MS;
use crate::domain::throttle::{FAILURE_MEMORY_MS, KNOWN_DEVICE_MS};
use crate::domain::Millis;
use crate::store::{cases, reports, sessions, sso, throttle, Store};

/// How long a retried API request still gets its first answer.
pub const IDEMPOTENCY_KEY_MS: Millis = 7 * 24 * 60 * 60 * 1000;

/// Removes what has outlived its use; returns how many rows went.
pub async fn run_once(store: &Store, limits: &SessionLimits, now: Millis) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    let a =
        sessions::purge_expired(&mut tx, now - limits.absolute_ms, now - limits.idle_ms).await?;
    let b = throttle::purge(&mut tx, now - FAILURE_MEMORY_MS, now - KNOWN_DEVICE_MS).await?;
    let c = reports::purge_idempotency_keys(&mut tx, now - IDEMPOTENCY_KEY_MS).await?;
    let d = sso::purge_logins(&mut tx, now - LOGIN_MS).await?;
    tx.commit().await?;
    Ok(a + b + c + d)
}

/// Folds the queue's recent changes into its totals (`store::cases::fold_queue_totals`): the
/// counts stay exact either way, and a read of a few rows when this runs often.
pub async fn fold_queue_totals(store: &Store) -> Result<u64> {
    Ok(cases::fold_queue_totals(store).await?)
}
