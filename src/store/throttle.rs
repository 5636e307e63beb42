//! Counters of failed sign-ins, shared by all instances through the database.

use sqlx::Row;

use super::{Result, Store, WriteTx};
use crate::domain::throttle::Counter;
use crate::domain::Millis;

pub async fn get(store: &Store, key: &str) -> Result<Option<Counter>> {
    let row = sqlx::query("SELECT failures, last_failure_at FROM sign_in_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(store.pool())
        .await?;
    Ok(match row {
        Some(r) => Some(Counter {
            failures: r.try_get("failures")?,
            last_failure_at: r.try_get("last_failure_at")?,
        }),
        None => None,
    })
}

pub async fn put(tx: &mut WriteTx, key: &str, c: &Counter) -> Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (key, failures, last_failure_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET failures = $2, last_failure_at = $3",
    )
    .bind(key)
    .bind(c.failures)
    .bind(c.last_failure_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn clear(tx: &mut WriteTx, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1")
        .bind(key)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Whether a sign-in of this account was completed on the device with this cookie hash
/// (within `domain::throttle::KNOWN_DEVICE_MS`; older rows are purged).
pub async fn is_known_device(store: &Store, user_id: i64, device_hash: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM known_devices WHERE user_id = $1 AND device_hash = $2")
            .bind(user_id)
            .bind(device_hash)
            .fetch_optional(store.pool())
            .await?
            .is_some(),
    )
}

/// Whether meldpunt issued this device cookie (it is known to some account).
pub async fn is_issued_device(store: &Store, device_hash: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM known_devices WHERE device_hash = $1 LIMIT 1")
            .bind(device_hash)
            .fetch_optional(store.pool())
            .await?
            .is_some(),
    )
}

/// When each of the account's known devices last completed a sign-in, newest first.
pub async fn devices_of(store: &Store, user_id: i64) -> Result<Vec<Millis>> {
    let rows = sqlx::query(
        "SELECT last_success_at FROM known_devices WHERE user_id = $1 ORDER BY last_success_at DESC",
    )
    .bind(user_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("last_success_at")?))
        .collect()
}

pub async fn remember_device(
    tx: &mut WriteTx,
    user_id: i64,
    device_hash: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO known_devices (user_id, device_hash, last_success_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, device_hash) DO UPDATE SET last_success_at = $3",
    )
    .bind(user_id)
    .bind(device_hash)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Forgets failure counters older than `before` and known devices unused since `devices_before`.
pub async fn purge(tx: &mut WriteTx, before: Millis, devices_before: Millis) -> Result<u64> {
    let a = sqlx::query("DELETE FROM sign_in_throttle WHERE last_failure_at < $1")
        .bind(before)
        .execute(tx.conn())
        .await?
        .rows_affected();
    let b = sqlx::query("DELETE FROM known_devices WHERE last_success_at < $1")
        .bind(devices_before)
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(a + b)
}
