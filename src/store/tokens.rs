//! API tokens for system-to-system calls: per organisation, stored hashed.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::org::OrgKind;
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    /// The kind of the organisation the token belongs to.
    pub org_kind: OrgKind,
}

fn from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: row.try_get("created_at")?,
        revoked_at: opt_i64(row, "revoked_at")?,
        last_used_at: opt_i64(row, "last_used_at")?,
        org_kind: {
            let kind: String = row.try_get("org_kind")?;
            OrgKind::parse(&kind)
                .ok_or_else(|| StoreError::Database(format!("unknown kind {kind}")))?
        },
    })
}

const COLUMNS: &str = "t.id, t.org_id, t.name, t.prefix, t.created_at, t.revoked_at, \
     t.last_used_at, o.kind AS org_kind";
const FROM: &str = "api_tokens t JOIN organisations o ON o.id = t.org_id";

pub async fn insert(
    tx: &mut WriteTx,
    org_id: i64,
    name: &str,
    token_hash: &str,
    prefix: &str,
    created_by: Option<i64>,
    now: Millis,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO api_tokens (org_id, name, token_hash, prefix, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org_id)
    .bind(name)
    .bind(token_hash)
    .bind(prefix)
    .bind(created_by)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn list_by_org(store: &Store, org_id: i64) -> Result<Vec<ApiToken>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE t.org_id = $1 ORDER BY t.created_at DESC"
    ))
    .bind(org_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(store: &Store, id: i64) -> Result<ApiToken> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The live (unrevoked) token with this hash.
pub async fn by_hash(store: &Store, token_hash: &str) -> Result<Option<ApiToken>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn revoke(tx: &mut WriteTx, id: i64, now: Millis) -> Result<()> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(tx.conn())
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn mark_used(tx: &mut WriteTx, id: i64, now: Millis) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
