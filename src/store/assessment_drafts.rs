//! Unfinished assessments: one per person and case, the form as it was left. Seen only by
//! the person who wrote it; removed when that person saves the version.

use sqlx::Row;

use super::{Result, Store, StoreError, WriteTx};
use crate::domain::assessment::AssessmentDraft;
use crate::domain::Millis;

/// A saved draft and when it was saved.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedDraft {
    pub draft: AssessmentDraft,
    pub saved_at: Millis,
}

/// Keeps `draft` as this person's draft of the case, replacing an earlier one.
pub async fn save(
    tx: &mut WriteTx,
    case_id: i64,
    user_id: i64,
    draft: &AssessmentDraft,
    now: Millis,
) -> Result<()> {
    let body =
        serde_json::to_string(draft).map_err(|e| StoreError::Database(format!("draft: {e}")))?;
    sqlx::query(
        "INSERT INTO assessment_drafts (case_id, user_id, body, saved_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_id, user_id) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
    )
    .bind(case_id)
    .bind(user_id)
    .bind(body)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// This person's draft of the case, if any.
pub async fn get(store: &Store, case_id: i64, user_id: i64) -> Result<Option<SavedDraft>> {
    let row = sqlx::query(
        "SELECT body, saved_at FROM assessment_drafts WHERE case_id = $1 AND user_id = $2",
    )
    .bind(case_id)
    .bind(user_id)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let body: String = row.try_get("body")?;
    let draft = serde_json::from_str(&body)
        .map_err(|e| StoreError::Database(format!("stored draft: {e}")))?;
    Ok(Some(SavedDraft {
        draft,
        saved_at: row.try_get("saved_at")?,
    }))
}

/// Removes this person's draft of the case (once the version is saved).
pub async fn delete(tx: &mut WriteTx, case_id: i64, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM assessment_drafts WHERE case_id = $1 AND user_id = $2")
        .bind(case_id)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
