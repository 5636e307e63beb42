//! Organisations.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Result, Store, StoreError, WriteTx};
use crate::domain::org::{NewOrganisation, OrgKind};
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: i64,
    pub kind: OrgKind,
    pub code: String,
    pub name: String,
    pub mayor: Option<String>,
    pub province: Option<String>,
    pub safety_region: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

const COLUMNS: &str = "id, kind, code, name, mayor, province, safety_region, lat, lon";

fn from_row(row: &AnyRow) -> Result<Organisation> {
    let kind: String = row.try_get("kind")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        kind: OrgKind::parse(&kind)
            .ok_or_else(|| StoreError::Database(format!("unknown kind {kind}")))?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        mayor: row.try_get("mayor")?,
        province: row.try_get("province")?,
        safety_region: row.try_get("safety_region")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
    })
}

/// Inserts an organisation; `Conflict` when its code is taken.
pub async fn insert(tx: &mut WriteTx, org: &NewOrganisation, now: Millis) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO organisations (kind, code, name, mayor, province, safety_region, lat, lon, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(org.kind.as_str())
    .bind(org.code.as_str())
    .bind(&org.name)
    .bind(&org.mayor)
    .bind(&org.province)
    .bind(&org.safety_region)
    .bind(org.lat)
    .bind(org.lon)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get("id")?)
}

/// Inserts the organisations whose code is not present yet; returns how many were new.
/// Existing rows are left as they are (an administrator may have added the mayor).
pub async fn insert_missing(
    tx: &mut WriteTx,
    orgs: &[NewOrganisation],
    now: Millis,
) -> Result<usize> {
    let mut added = 0;
    for org in orgs {
        let exists = sqlx::query("SELECT id FROM organisations WHERE code = $1")
            .bind(org.code.as_str())
            .fetch_optional(tx.conn())
            .await?
            .is_some();
        if !exists {
            insert(tx, org, now).await?;
            added += 1;
        }
    }
    Ok(added)
}

pub async fn get(store: &Store, id: i64) -> Result<Organisation> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn by_code(store: &Store, code: &str) -> Result<Organisation> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations WHERE code = $1"
    ))
    .bind(code.trim().to_ascii_uppercase())
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Organisations matching `query` (name or code), optionally of one kind, by name.
pub async fn list(
    store: &Store,
    kind: Option<OrgKind>,
    query: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Organisation>> {
    let pattern = format!("%{}%", query.trim().to_lowercase().replace(['%', '_'], ""));
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations \
         WHERE ($1 = '' OR kind = $1) AND (LOWER(name) LIKE $2 OR LOWER(code) LIKE $2) \
         ORDER BY kind, name LIMIT $3 OFFSET $4"
    ))
    .bind(kind.map(|k| k.as_str()).unwrap_or(""))
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(store: &Store) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// Sets or clears the mayor of a municipality.
pub async fn set_mayor(tx: &mut WriteTx, id: i64, mayor: Option<&str>) -> Result<()> {
    let done = sqlx::query("UPDATE organisations SET mayor = $1 WHERE id = $2")
        .bind(mayor)
        .bind(id)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
