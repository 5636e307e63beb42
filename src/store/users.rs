//! People: accounts, activation, second factor, recovery codes.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::org::OrgKind;
use crate::domain::user::{NewUser, Role, UserStatus};
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub org_id: i64,
    pub org_kind: OrgKind,
    pub org_name: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    /// How many passkeys the account has.
    pub passkeys: i64,
    pub created_at: Millis,
}

impl User {
    /// A second factor: an authenticator app (TOTP) or a passkey.
    pub fn has_second_factor(&self) -> bool {
        self.totp_secret.is_some() || self.passkeys > 0
    }
}

const SELECT: &str =
    "SELECT u.id, u.org_id, o.kind AS org_kind, o.name AS org_name, u.email, u.name, \
     u.role, u.status, u.password_hash, u.totp_secret, u.totp_last_step, u.created_at, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM passkeys k WHERE k.user_id = u.id) AS passkeys \
     FROM users u JOIN organisations o ON o.id = u.org_id";

fn from_row(row: &AnyRow) -> Result<User> {
    let bad = |what: &str, v: &str| StoreError::Database(format!("unknown {what} {v}"));
    let role: String = row.try_get("role")?;
    let status: String = row.try_get("status")?;
    let kind: String = row.try_get("org_kind")?;
    Ok(User {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org_kind: OrgKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        org_name: row.try_get("org_name")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| bad("role", &role))?,
        status: UserStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        password_hash: row.try_get("password_hash")?,
        totp_secret: row.try_get("totp_secret")?,
        totp_last_step: opt_i64(row, "totp_last_step")?,
        passkeys: row.try_get("passkeys")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Creates a pending account with an activation token (stored hashed).
pub async fn insert(
    tx: &mut WriteTx,
    org_id: i64,
    user: &NewUser,
    activation_hash: &str,
    activation_expires_at: Millis,
    now: Millis,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO users (org_id, email, name, role, status, activation_hash, activation_expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org_id)
    .bind(user.email.as_str())
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(UserStatus::Pending.as_str())
    .bind(activation_hash)
    .bind(activation_expires_at)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(store: &Store, id: i64) -> Result<User> {
    let row = sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Reads a user inside a write transaction (for checks that must see the latest state).
pub async fn get_in(tx: &mut WriteTx, id: i64) -> Result<User> {
    let row = sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn by_email(store: &Store, email: &str) -> Result<User> {
    let row = sqlx::query(&format!("{SELECT} WHERE u.email = $1"))
        .bind(email.trim().to_lowercase())
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The pending account an activation token belongs to, if the token is still valid.
pub async fn by_activation(store: &Store, activation_hash: &str, now: Millis) -> Result<User> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE u.activation_hash = $1 AND u.activation_expires_at > $2 AND u.status = 'pending'"
    ))
    .bind(activation_hash)
    .bind(now)
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn list_by_org(store: &Store, org_id: i64) -> Result<Vec<User>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE u.org_id = $1 ORDER BY u.name"))
        .bind(org_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(store: &Store) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// Sets the password of a pending account and makes it active. Fails with `NotFound`
/// when the token was used or expired in the meantime.
pub async fn activate(
    tx: &mut WriteTx,
    activation_hash: &str,
    password_hash: &str,
    now: Millis,
) -> Result<i64> {
    let row = sqlx::query(
        "UPDATE users SET password_hash = $1, status = 'active', activation_hash = NULL, activation_expires_at = NULL \
         WHERE activation_hash = $2 AND activation_expires_at > $3 AND status = 'pending' RETURNING id",
    )
    .bind(password_hash)
    .bind(activation_hash)
    .bind(now)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("id")?)
}

/// Activates a pending account at its first single sign-on: the organisation's provider
/// vouched for its address, as the activation link would have. It gets no password.
/// Returns whether it was pending.
pub async fn activate_by_sso(tx: &mut WriteTx, id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET status = 'active', activation_hash = NULL, activation_expires_at = NULL \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts an account back to pending with a new activation token: password, second
/// factor, recovery codes and the link to a single sign-on subject are cleared, all
/// sessions end.
pub async fn reset(
    tx: &mut WriteTx,
    id: i64,
    activation_hash: &str,
    expires_at: Millis,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE users SET status = 'pending', password_hash = NULL, totp_secret = NULL, totp_last_step = NULL, \
         sso_issuer = NULL, sso_subject = NULL, activation_hash = $1, activation_expires_at = $2 WHERE id = $3",
    )
    .bind(activation_hash)
    .bind(expires_at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    super::passkeys::delete_all(tx, id).await?;
    super::sessions::delete_all_for_user(tx, id).await?;
    Ok(())
}

/// Blocks an account and ends all its sessions.
pub async fn disable(tx: &mut WriteTx, id: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE users SET status = 'disabled', activation_hash = NULL, activation_expires_at = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::sessions::delete_all_for_user(tx, id).await?;
    Ok(())
}

/// A blocked account may sign in again (its password and second factor are unchanged).
pub async fn enable(tx: &mut WriteTx, id: i64) -> Result<()> {
    let done =
        sqlx::query("UPDATE users SET status = 'active' WHERE id = $1 AND status = 'disabled'")
            .bind(id)
            .execute(tx.conn())
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Gives the person another role and ends their sessions.
pub async fn set_role(tx: &mut WriteTx, id: i64, role: Role) -> Result<()> {
    let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::sessions::delete_all_for_user(tx, id).await?;
    Ok(())
}

pub async fn set_password(tx: &mut WriteTx, id: i64, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Stores the second factor and replaces the recovery codes (given hashed).
pub async fn enrol_second_factor(
    tx: &mut WriteTx,
    id: i64,
    totp_secret: &str,
    used_step: i64,
    recovery_code_hashes: &[String],
) -> Result<()> {
    sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
        .bind(totp_secret)
        .bind(used_step)
        .bind(id)
        .execute(tx.conn())
        .await?;
    set_recovery_codes(tx, id, recovery_code_hashes).await
}

/// Replaces the account's recovery codes (hashes).
pub async fn set_recovery_codes(
    tx: &mut WriteTx,
    id: i64,
    recovery_code_hashes: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    for h in recovery_code_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id)
            .bind(h)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Records the TOTP step just used, but only if it is newer than the stored one.
/// Returns false when another request used this step (or a newer one) first: a replay.
pub async fn claim_totp_step(tx: &mut WriteTx, id: i64, step: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses up a recovery code; false when it is unknown or used.
pub async fn use_recovery_code(
    tx: &mut WriteTx,
    user_id: i64,
    code_hash: &str,
    now: Millis,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(code_hash)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_recovery_codes(store: &Store, user_id: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(store.pool())
    .await?;
    Ok(row.try_get("n")?)
}
