//! Passkeys (WebAuthn credentials) of accounts: the public part only, as webauthn-rs
//! serialises it, under the credential's id (unique: one passkey belongs to one account).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{opt_i64, Result, Store, WriteTx};
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct StoredPasskey {
    pub id: i64,
    pub user_id: i64,
    /// The WebAuthn user handle of the account (one per account, shared by its passkeys).
    pub user_handle: String,
    /// The credential id, base64url.
    pub credential_id: String,
    /// The credential as webauthn-rs serialises it (JSON).
    pub credential: String,
    pub name: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
}

const SELECT: &str = "SELECT id, user_id, user_handle, credential_id, credential, name, \
     created_at, last_used_at FROM passkeys";

fn from_row(r: &AnyRow) -> Result<StoredPasskey> {
    Ok(StoredPasskey {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        user_handle: r.try_get("user_handle")?,
        credential_id: r.try_get("credential_id")?,
        credential: r.try_get("credential")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        last_used_at: opt_i64(r, "last_used_at")?,
    })
}

/// An account's passkeys, oldest first.
pub async fn of_user(store: &Store, user_id: i64) -> Result<Vec<StoredPasskey>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE user_id = $1 ORDER BY id"))
        .bind(user_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The passkey with this credential id, whichever account it belongs to.
pub async fn by_credential_id(store: &Store, credential_id: &str) -> Result<Option<StoredPasskey>> {
    let row = sqlx::query(&format!("{SELECT} WHERE credential_id = $1"))
        .bind(credential_id)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub struct NewPasskey<'a> {
    pub user_id: i64,
    pub user_handle: &'a str,
    pub credential_id: &'a str,
    pub credential: &'a str,
    pub name: &'a str,
}

pub async fn insert(tx: &mut WriteTx, p: &NewPasskey<'_>, now: Millis) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO passkeys (user_id, user_handle, credential_id, credential, name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(p.user_id)
    .bind(p.user_handle)
    .bind(p.credential_id)
    .bind(p.credential)
    .bind(p.name)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get("id")?)
}

/// Records a use: the credential as updated (its counter) and the moment.
pub async fn record_use(tx: &mut WriteTx, id: i64, credential: &str, now: Millis) -> Result<()> {
    sqlx::query("UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3")
        .bind(credential)
        .bind(now)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Removes one of the account's passkeys; false when it has no such passkey.
pub async fn delete(tx: &mut WriteTx, user_id: i64, id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes all of the account's passkeys (a reset).
pub async fn delete_all(tx: &mut WriteTx, user_id: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .execute(tx.conn())
        .await?
        .rows_affected())
}
