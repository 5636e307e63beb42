//! Objections to notices and the corrections register.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::notices::RecordedBy;
use super::{opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::notice::{ObjectionSource, ObjectionVerdict};
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Objection {
    pub id: i64,
    pub case_id: i64,
    pub notice_id: Option<i64>,
    pub source: ObjectionSource,
    pub received_at: Millis,
    pub summary: String,
    pub recorded_at: Millis,
    pub recorder_name: String,
    pub verdict: Option<ObjectionVerdict>,
    pub reasons: Option<String>,
    pub decided_at: Option<Millis>,
    pub decider_name: Option<String>,
}

impl Objection {
    /// Still waiting for a decision.
    pub fn is_open(&self) -> bool {
        self.verdict.is_none()
    }
}

const SELECT: &str = "SELECT id, case_id, notice_id, source, received_at, summary, recorded_at, \
     recorder_name, verdict, reasons, decided_at, decider_name FROM objections";

fn from_row(row: &AnyRow) -> Result<Objection> {
    let source: String = row.try_get("source")?;
    let verdict: Option<String> = row.try_get("verdict")?;
    Ok(Objection {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        notice_id: opt_i64(row, "notice_id")?,
        source: ObjectionSource::parse(&source)
            .ok_or_else(|| StoreError::Database(format!("unknown source {source}")))?,
        received_at: row.try_get("received_at")?,
        summary: row.try_get("summary")?,
        recorded_at: row.try_get("recorded_at")?,
        recorder_name: row.try_get("recorder_name")?,
        verdict: match verdict {
            None => None,
            Some(v) => Some(
                ObjectionVerdict::parse(&v)
                    .ok_or_else(|| StoreError::Database(format!("unknown verdict {v}")))?,
            ),
        },
        reasons: row.try_get("reasons")?,
        decided_at: opt_i64(row, "decided_at")?,
        decider_name: row.try_get("decider_name")?,
    })
}

pub async fn insert(
    tx: &mut WriteTx,
    case_id: i64,
    notice_id: Option<i64>,
    source: ObjectionSource,
    received_at: Millis,
    summary: &str,
    by: RecordedBy<'_>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO objections (case_id, notice_id, source, received_at, summary, recorded_at, \
         recorded_by, recorder_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(case_id)
    .bind(notice_id)
    .bind(source.as_str())
    .bind(received_at)
    .bind(summary)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

pub async fn of_case(store: &Store, case_id: i64) -> Result<Vec<Objection>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE case_id = $1 ORDER BY id"))
        .bind(case_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The objection, locked for the rest of `tx` (PostgreSQL).
pub async fn get_locked(tx: &mut WriteTx, id: i64) -> Result<Objection> {
    let sql = format!("{SELECT} WHERE id = $1{}", tx.for_update());
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Whether the case has an objection still waiting for a decision.
pub async fn has_open(tx: &mut WriteTx, case_id: i64) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) FROM objections WHERE case_id = $1 AND verdict IS NULL")
        .bind(case_id)
        .fetch_one(tx.conn())
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Records the decision; `Conflict` when it was already decided.
pub async fn decide(
    tx: &mut WriteTx,
    id: i64,
    verdict: ObjectionVerdict,
    reasons: &str,
    by: RecordedBy<'_>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE objections SET verdict = $1, reasons = $2, decided_at = $3, decided_by = $4, \
         decider_name = $5 WHERE id = $6 AND verdict IS NULL",
    )
    .bind(verdict.as_str())
    .bind(reasons)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .bind(id)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// One line of the corrections register.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub id: i64,
    pub case_id: i64,
    pub case_reference: String,
    pub notice_id: i64,
    pub notice_reference: String,
    pub withdrawal_id: Option<i64>,
    pub withdrawal_reference: Option<String>,
    pub objection_id: Option<i64>,
    pub what_was_wrong: String,
    pub recorded_at: Millis,
    pub recorder_name: String,
}

pub async fn add_correction(
    tx: &mut WriteTx,
    case_id: i64,
    notice_id: i64,
    objection_id: Option<i64>,
    withdrawal_notice_id: Option<i64>,
    what_was_wrong: &str,
    by: RecordedBy<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO corrections (case_id, notice_id, objection_id, withdrawal_notice_id, \
         what_was_wrong, recorded_at, recorded_by, recorder_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(case_id)
    .bind(notice_id)
    .bind(objection_id)
    .bind(withdrawal_notice_id)
    .bind(what_was_wrong)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The register, newest first.
pub async fn corrections(store: &Store, limit: i64) -> Result<Vec<Correction>> {
    let rows = sqlx::query(
        "SELECT k.id, k.case_id, c.reference AS case_reference, k.notice_id, \
         n.reference AS notice_reference, k.withdrawal_notice_id, w.reference AS withdrawal_reference, k.objection_id, k.what_was_wrong, k.recorded_at, \
         k.recorder_name FROM corrections k JOIN cases c ON c.id = k.case_id \
         JOIN notices n ON n.id = k.notice_id LEFT JOIN notices w ON w.id = k.withdrawal_notice_id \
         ORDER BY k.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Correction {
                id: r.try_get("id")?,
                case_id: r.try_get("case_id")?,
                case_reference: r.try_get("case_reference")?,
                notice_id: r.try_get("notice_id")?,
                notice_reference: r.try_get("notice_reference")?,
                withdrawal_id: opt_i64(r, "withdrawal_notice_id")?,
                withdrawal_reference: r.try_get("withdrawal_reference")?,
                objection_id: opt_i64(r, "objection_id")?,
                what_was_wrong: r.try_get("what_was_wrong")?,
                recorded_at: r.try_get("recorded_at")?,
                recorder_name: r.try_get("recorder_name")?,
            })
        })
        .collect()
}

/// Marks a notice as withdrawn.
pub async fn mark_withdrawn(tx: &mut WriteTx, notice_id: i64, at: Millis) -> Result<()> {
    sqlx::query("UPDATE notices SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL")
        .bind(at)
        .bind(notice_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
