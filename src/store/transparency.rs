//! The facts of a calendar year for the published figures: times, kinds, platforms,
//! categories and outcomes only — never a text, a link, a name or an address.

use std::collections::HashMap;

use sqlx::Row;

use super::{opt_i64, Result, Store, StoreError};
use crate::domain::assessment::{Decision, DsaCategory, LegalClass};
use crate::domain::notice::{NoticeKind, ObjectionVerdict, Outcome};
use crate::domain::transparency::{AssessmentFact, Facts, NoticeFact, ObjectionFact, Year};
use crate::domain::Millis;

fn unknown(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} {value}"))
}

async fn times(store: &Store, sql: &str, year: &Year) -> Result<Vec<Millis>> {
    let rows = sqlx::query(sql)
        .bind(year.from())
        .bind(year.to())
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

/// Everything the figures of `year` are counted from.
pub async fn facts(store: &Store, year: &Year) -> Result<Facts> {
    let reports = times(
        store,
        "SELECT created_at FROM reports WHERE created_at >= $1 AND created_at < $2",
        year,
    )
    .await?;
    let cases = times(
        store,
        "SELECT first_reported_at FROM cases WHERE first_reported_at >= $1 AND first_reported_at < $2",
        year,
    )
    .await?;
    let corrections = times(
        store,
        "SELECT recorded_at FROM corrections WHERE recorded_at >= $1 AND recorded_at < $2",
        year,
    )
    .await?;

    // Versions written or reviewed in the year; whether and when each was decided is the
    // domain's rule (`assessment::decided_at`).
    let rows = sqlx::query(
        "SELECT a.created_at, a.class, a.decision, r.verdict, r.at AS review_at \
         FROM assessments a LEFT JOIN assessment_reviews r ON r.assessment_id = a.id \
         WHERE (a.created_at >= $1 AND a.created_at < $2) OR (r.at >= $1 AND r.at < $2)",
    )
    .bind(year.from())
    .bind(year.to())
    .fetch_all(store.pool())
    .await?;
    let mut assessments = Vec::with_capacity(rows.len());
    for r in &rows {
        let class: String = r.try_get("class")?;
        let decision: String = r.try_get("decision")?;
        let verdict: Option<String> = r.try_get("verdict")?;
        assessments.push(AssessmentFact {
            created_at: r.try_get("created_at")?,
            class: LegalClass::parse(&class).ok_or_else(|| unknown("class", &class))?,
            decision: Decision::parse(&decision).ok_or_else(|| unknown("decision", &decision))?,
            verdict: match (verdict, opt_i64(r, "review_at")?) {
                (Some(v), Some(at)) => Some((v == "approved", at)),
                _ => None,
            },
        });
    }

    let rows = sqlx::query(
        "SELECT n.id, n.kind, n.created_at, COALESCE(n.sent_at, n.created_at) AS sent_at, \
         p.name AS platform, a.category FROM notices n \
         LEFT JOIN platforms p ON p.id = n.platform_id \
         LEFT JOIN assessments a ON a.id = n.assessment_id \
         WHERE n.created_at >= $1 AND n.created_at < $2 AND n.kind <> $3",
    )
    .bind(year.from())
    .bind(year.to())
    .bind(NoticeKind::Withdrawal.as_str())
    .fetch_all(store.pool())
    .await?;
    let mut notices = Vec::with_capacity(rows.len());
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get("kind")?;
        let category: Option<String> = r.try_get("category")?;
        index.insert(r.try_get("id")?, notices.len());
        notices.push(NoticeFact {
            kind: NoticeKind::parse(&kind).ok_or_else(|| unknown("kind", &kind))?,
            issued_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            platform: r.try_get("platform")?,
            category: match category {
                None => None,
                Some(c) => Some(DsaCategory::parse(&c).ok_or_else(|| unknown("category", &c))?),
            },
            answers: Vec::new(),
        });
    }
    let rows = sqlx::query(
        "SELECT na.notice_id, na.outcome, na.received_at FROM notice_answers na \
         JOIN notices n ON n.id = na.notice_id \
         WHERE n.created_at >= $1 AND n.created_at < $2 AND n.kind = $3",
    )
    .bind(year.from())
    .bind(year.to())
    .bind(NoticeKind::Art16Notice.as_str())
    .fetch_all(store.pool())
    .await?;
    for r in &rows {
        let outcome: String = r.try_get("outcome")?;
        let outcome = Outcome::parse(&outcome).ok_or_else(|| unknown("outcome", &outcome))?;
        if let Some(&i) = index.get(&r.try_get::<i64, _>("notice_id")?) {
            notices[i]
                .answers
                .push((outcome, r.try_get("received_at")?));
        }
    }

    let rows = sqlx::query(
        "SELECT received_at, verdict FROM objections WHERE received_at >= $1 AND received_at < $2",
    )
    .bind(year.from())
    .bind(year.to())
    .fetch_all(store.pool())
    .await?;
    let mut objections = Vec::with_capacity(rows.len());
    for r in &rows {
        let verdict: Option<String> = r.try_get("verdict")?;
        objections.push(ObjectionFact {
            received_at: r.try_get("received_at")?,
            upheld: verdict.as_deref().and_then(ObjectionVerdict::parse)
                == Some(ObjectionVerdict::Upheld),
        });
    }
    Ok(Facts {
        reports,
        cases,
        assessments,
        notices,
        objections,
        corrections,
    })
}

/// The calendar years (Amsterdam) in which anything was reported, newest first.
pub async fn years_with_reports(store: &Store) -> Result<Option<(Millis, Millis)>> {
    let row = sqlx::query("SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM reports")
        .fetch_one(store.pool())
        .await?;
    Ok(match (opt_i64(&row, "first")?, opt_i64(&row, "last")?) {
        (Some(f), Some(l)) => Some((f, l)),
        _ => None,
    })
}

/// One stored edition of a year report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditionRow {
    pub year: i64,
    pub edition: i64,
    pub digest: String,
    pub content: String,
    pub created_at: Millis,
}

/// The newest edition of a year's report (`number` `None`), or the one with that number.
pub async fn edition(
    tx: &mut super::WriteTx,
    year: i64,
    number: Option<i64>,
) -> Result<Option<EditionRow>> {
    let row = sqlx::query(
        "SELECT year, edition, digest, content, created_at FROM year_report_editions \
         WHERE year = $1 AND ($2 < 0 OR edition = $2) ORDER BY edition DESC LIMIT 1",
    )
    .bind(year)
    .bind(number.unwrap_or(-1))
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| {
        Ok(EditionRow {
            year: r.try_get("year")?,
            edition: r.try_get("edition")?,
            digest: r.try_get("digest")?,
            content: r.try_get("content")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
}

/// Stores a new edition; `Conflict` when another run stored that number first.
pub async fn insert_edition(tx: &mut super::WriteTx, e: &EditionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO year_report_editions (year, edition, digest, content, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(e.year)
    .bind(e.edition)
    .bind(&e.digest)
    .bind(&e.content)
    .bind(e.created_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}
