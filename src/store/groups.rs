//! Groups of a situation's cases marked as the same message (`case_groups`, and the
//! `group_id` of `situation_cases`). Their assessments are versions in `assessments`
//! (`store::assessments::of_group_version_in`).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::notices::RecordedBy;
use super::{Result, Store, StoreError, WriteTx};
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub situation_id: i64,
    /// "Groep 2" within its situation.
    pub number: i64,
    pub title: String,
    pub created_at: Millis,
    pub creator_name: String,
}

const SELECT: &str =
    "SELECT id, situation_id, number, title, created_at, creator_name FROM case_groups";

fn from_row(r: &AnyRow) -> Result<Group> {
    Ok(Group {
        id: r.try_get("id")?,
        situation_id: r.try_get("situation_id")?,
        number: r.try_get("number")?,
        title: r.try_get("title")?,
        created_at: r.try_get("created_at")?,
        creator_name: r.try_get("creator_name")?,
    })
}

/// A new group in the situation (the caller holds the situation's lock); returns its id.
pub async fn insert(
    tx: &mut WriteTx,
    situation_id: i64,
    title: &str,
    by: RecordedBy<'_>,
) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(number), 0) + 1 AS next FROM case_groups WHERE situation_id = $1",
    )
    .bind(situation_id)
    .fetch_one(tx.conn())
    .await?;
    let number: i64 = row.try_get("next")?;
    let row = sqlx::query(
        "INSERT INTO case_groups (situation_id, number, title, created_at, created_by, creator_name) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(situation_id)
    .bind(number)
    .bind(title)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

/// Puts a case linked to the group's situation, and in no group yet, into the group.
/// `Conflict` when the case is not linked to that situation or is already in a group.
pub async fn add_member(
    tx: &mut WriteTx,
    group_id: i64,
    situation_id: i64,
    case_id: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE situation_cases SET group_id = $1 \
         WHERE case_id = $2 AND situation_id = $3 AND group_id IS NULL",
    )
    .bind(group_id)
    .bind(case_id)
    .bind(situation_id)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

pub async fn get(store: &Store, id: i64) -> Result<Group> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn get_in(tx: &mut WriteTx, id: i64) -> Result<Group> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The situation's groups, in the order they were made.
pub async fn of_situation(store: &Store, situation_id: i64) -> Result<Vec<Group>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE situation_id = $1 ORDER BY number"))
        .bind(situation_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

const MEMBERS: &str = "SELECT case_id FROM situation_cases WHERE group_id = $1 ORDER BY case_id";

/// The cases in the group now.
pub async fn members(store: &Store, group_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(MEMBERS)
        .bind(group_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// [`members`] inside `tx`.
pub async fn members_in(tx: &mut WriteTx, group_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(MEMBERS)
        .bind(group_id)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

const OF_CASE: &str =
    "SELECT g.id, g.situation_id, g.number, g.title, g.created_at, g.creator_name \
     FROM situation_cases sc JOIN case_groups g ON g.id = sc.group_id WHERE sc.case_id = $1";

/// The group the case is in, if any.
pub async fn of_case(store: &Store, case_id: i64) -> Result<Option<Group>> {
    let row = sqlx::query(OF_CASE)
        .bind(case_id)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// [`of_case`] inside `tx`.
pub async fn of_case_in(tx: &mut WriteTx, case_id: i64) -> Result<Option<Group>> {
    let row = sqlx::query(OF_CASE)
        .bind(case_id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The cases of the situation that are in a group.
pub async fn grouped_in(store: &Store, situation_id: i64) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT case_id, group_id FROM situation_cases WHERE situation_id = $1 AND group_id IS NOT NULL",
    )
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
