//! Server-side sessions. The cookie holds a random id; the database holds its hash.

use sqlx::Row;

use super::{Result, Store, WriteTx};
use crate::domain::session::SessionStage;
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: i64,
    pub stage: SessionStage,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub enrol_secret: Option<String>,
    /// Begun by single sign-on: the organisation whose provider vouched for it, and when
    /// that provider last confirmed it (`service::sso`, re-checked every 15 minutes).
    pub sso: Option<SsoMark>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SsoMark {
    pub org_id: i64,
    pub checked_at: Millis,
}

pub async fn insert(
    tx: &mut WriteTx,
    id_hash: &str,
    user_id: i64,
    stage: SessionStage,
    origin: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, stage, created_at, last_seen_at, origin) VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(stage.as_str())
    .bind(now)
    .bind(origin)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn get(store: &Store, id_hash: &str) -> Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT id_hash, user_id, stage, created_at, last_seen_at, enrol_secret, sso_org_id, \
         sso_checked_at FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let stage: String = row.try_get("stage")?;
    let sso_org: Option<i64> = super::opt_i64(&row, "sso_org_id")?;
    let checked: Option<i64> = super::opt_i64(&row, "sso_checked_at")?;
    let sso = sso_org.map(|org_id| SsoMark {
        org_id,
        checked_at: checked.unwrap_or_default(),
    });
    Ok(SessionStage::parse(&stage).map(|stage| Session {
        sso,
        id_hash: row.try_get("id_hash").unwrap_or_default(),
        user_id: row.try_get("user_id").unwrap_or_default(),
        stage,
        created_at: row.try_get("created_at").unwrap_or_default(),
        last_seen_at: row.try_get("last_seen_at").unwrap_or_default(),
        enrol_secret: row.try_get("enrol_secret").unwrap_or_default(),
    }))
}

/// Marks the session as used now.
pub async fn touch(store: &Store, id_hash: &str, now: Millis) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    tx.commit().await
}

/// Marks a session as begun by single sign-on, or records a new confirmation by the
/// provider.
pub async fn mark_sso(tx: &mut WriteTx, id_hash: &str, mark: SsoMark) -> Result<()> {
    sqlx::query("UPDATE sessions SET sso_org_id = $1, sso_checked_at = $2 WHERE id_hash = $3")
        .bind(mark.org_id)
        .bind(mark.checked_at)
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Ends the single sign-on marks of an organisation's sessions (its provider was removed):
/// they go on as ordinary sessions.
pub async fn clear_sso_of_org(tx: &mut WriteTx, org_id: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET sso_org_id = NULL, sso_checked_at = NULL WHERE sso_org_id = $1",
    )
    .bind(org_id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected())
}

pub async fn set_enrol_secret(tx: &mut WriteTx, id_hash: &str, secret: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET enrol_secret = $1 WHERE id_hash = $2")
        .bind(secret)
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Keeps the state of a passkey ceremony (its challenge) with the session, replacing any
/// earlier one.
pub async fn set_webauthn_state(tx: &mut WriteTx, id_hash: &str, state: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET webauthn_state = $1 WHERE id_hash = $2")
        .bind(state)
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Takes the state of the session's passkey ceremony: it can be finished once.
pub async fn take_webauthn_state(tx: &mut WriteTx, id_hash: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT webauthn_state FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(tx.conn())
        .await?;
    let state: Option<String> = match row {
        Some(r) => r.try_get("webauthn_state")?,
        None => None,
    };
    sqlx::query("UPDATE sessions SET webauthn_state = NULL WHERE id_hash = $1")
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(state)
}

pub async fn delete(tx: &mut WriteTx, id_hash: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_all_for_user(tx: &mut WriteTx, user_id: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// Ends every session of the user but the one in use.
pub async fn delete_others(tx: &mut WriteTx, user_id: i64, keep_id_hash: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep_id_hash)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

pub async fn count_for_user(store: &Store, user_id: i64) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// Removes sessions that can no longer be valid: created before `created_before` or
/// unused since `seen_before`.
pub async fn purge_expired(
    tx: &mut WriteTx,
    created_before: Millis,
    seen_before: Millis,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE created_at < $1 OR last_seen_at < $2")
        .bind(created_before)
        .bind(seen_before)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}
