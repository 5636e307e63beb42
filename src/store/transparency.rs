//! The facts of a calendar year for the published figures: times, kinds, platforms,
//! categories and outcomes only — never a text, a link, a name or an address.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use sqlx::Row;

use super::{opt_i64, Result, Store, StoreError};
use crate::domain::assessment::{Decision, DsaCategory, LegalClass};
use crate::domain::notice::{NoticeKind, ObjectionVerdict, Outcome};
use crate::domain::transparency::{AssessmentFact, Facts, NoticeFact, ObjectionFact, Year};
use crate::domain::Millis;

fn unknown(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} {value}"))
}

/// A count per quarter: `sql` counts the rows in `[$1, $2)`.
async fn per_quarter(store: &Store, sql: &str, year: &Year) -> Result<[u64; 4]> {
    let mut out = [0u64; 4];
    for (q, (from, to)) in year.quarter_bounds().into_iter().enumerate() {
        let row = sqlx::query(sql)
            .bind(from)
            .bind(to)
            .fetch_one(store.pool())
            .await?;
        out[q] = u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0);
    }
    Ok(out)
}

/// Everything the figures of `year` are counted from. The rows are streamed, not held all at
/// once, and read without joins (a year of a million notices is read in index order).
pub async fn facts(store: &Store, year: &Year) -> Result<Facts> {
    let reports = per_quarter(
        store,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM reports WHERE created_at >= $1 AND created_at < $2",
        year,
    )
    .await?;
    let cases = per_quarter(
        store,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM cases \
         WHERE first_reported_at >= $1 AND first_reported_at < $2",
        year,
    )
    .await?;
    let corrections = per_quarter(
        store,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM corrections \
         WHERE recorded_at >= $1 AND recorded_at < $2",
        year,
    )
    .await?;

    // Versions written or reviewed in the year; whether and when each was decided is the
    // domain's rule (`assessment::decided_at`). Two range reads, each by its own index, that
    // do not overlap: written in the year, and written before it but reviewed in it.
    let mut assessments = Vec::new();
    let mut categories: HashMap<i64, Option<DsaCategory>> = HashMap::new();
    for sql in [
        "SELECT a.id, a.created_at, a.class, a.decision, a.category, r.verdict, r.at AS review_at \
         FROM assessments a LEFT JOIN assessment_reviews r ON r.assessment_id = a.id \
         WHERE a.created_at >= $1 AND a.created_at < $2",
        "SELECT a.id, a.created_at, a.class, a.decision, a.category, r.verdict, r.at AS review_at \
         FROM assessment_reviews r JOIN assessments a ON a.id = r.assessment_id \
         WHERE r.at >= $1 AND r.at < $2 AND a.created_at < $1",
    ] {
        let mut rows = sqlx::query(sql)
            .bind(year.from())
            .bind(year.to())
            .fetch(store.pool());
        while let Some(r) = rows.try_next().await? {
            let id: i64 = r.try_get("id")?;
            let class: String = r.try_get("class")?;
            let decision: String = r.try_get("decision")?;
            let verdict: Option<String> = r.try_get("verdict")?;
            let category: Option<String> = r.try_get("category")?;
            categories.insert(
                id,
                match category {
                    None => None,
                    Some(c) => Some(DsaCategory::parse(&c).ok_or_else(|| unknown("category", &c))?),
                },
            );
            assessments.push(AssessmentFact {
                created_at: r.try_get("created_at")?,
                class: LegalClass::parse(&class).ok_or_else(|| unknown("class", &class))?,
                decision: Decision::parse(&decision)
                    .ok_or_else(|| unknown("decision", &decision))?,
                verdict: match (verdict, opt_i64(&r, "review_at")?) {
                    (Some(v), Some(at)) => Some((v == "approved", at)),
                    _ => None,
                },
            });
        }
    }

    // Platforms by id: the directory is small.
    let mut platforms: HashMap<i64, String> = HashMap::new();
    let mut rows = sqlx::query("SELECT id, name FROM platforms").fetch(store.pool());
    while let Some(r) = rows.try_next().await? {
        platforms.insert(r.try_get("id")?, r.try_get("name")?);
    }
    drop(rows);

    let mut notices = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut missing_assessments: Vec<(usize, i64)> = Vec::new();
    let mut rows = sqlx::query(
        "SELECT id, kind, created_at, COALESCE(sent_at, created_at) AS sent_at, platform_id, \
         assessment_id FROM notices WHERE created_at >= $1 AND created_at < $2 AND kind <> $3",
    )
    .bind(year.from())
    .bind(year.to())
    .bind(NoticeKind::Withdrawal.as_str())
    .fetch(store.pool());
    while let Some(r) = rows.try_next().await? {
        let kind: String = r.try_get("kind")?;
        let assessment = opt_i64(&r, "assessment_id")?;
        let category = match assessment {
            Some(a) => match categories.get(&a) {
                Some(c) => *c,
                None => {
                    missing_assessments.push((notices.len(), a));
                    None
                }
            },
            None => None,
        };
        index.insert(r.try_get("id")?, notices.len());
        notices.push(NoticeFact {
            kind: NoticeKind::parse(&kind).ok_or_else(|| unknown("kind", &kind))?,
            issued_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            platform: opt_i64(&r, "platform_id")?.and_then(|p| platforms.get(&p).cloned()),
            category,
            answers: Vec::new(),
        });
    }
    drop(rows);
    // A notice of this year about a decision of an earlier year: its category, one by one
    // (few: a decision is normally sent within hours).
    for (i, a) in missing_assessments {
        let row = sqlx::query("SELECT category FROM assessments WHERE id = $1")
            .bind(a)
            .fetch_optional(store.pool())
            .await?;
        if let Some(r) = row {
            let c: Option<String> = r.try_get("category")?;
            notices[i].category = c.as_deref().and_then(DsaCategory::parse);
        }
    }

    // The answers to these notices, read by the range of their ids.
    if let (Some(&first), Some(&last)) = (index.keys().min(), index.keys().max()) {
        let mut rows = sqlx::query(
            "SELECT notice_id, outcome, received_at FROM notice_answers \
             WHERE notice_id >= $1 AND notice_id <= $2",
        )
        .bind(first)
        .bind(last)
        .fetch(store.pool());
        while let Some(r) = rows.try_next().await? {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("notice_id")?) {
                if notices[i].kind != NoticeKind::Art16Notice {
                    continue;
                }
                let outcome: String = r.try_get("outcome")?;
                let outcome =
                    Outcome::parse(&outcome).ok_or_else(|| unknown("outcome", &outcome))?;
                notices[i]
                    .answers
                    .push((outcome, r.try_get("received_at")?));
            }
        }
    }

    let mut objections = Vec::new();
    let mut rows = sqlx::query(
        "SELECT received_at, verdict FROM objections WHERE received_at >= $1 AND received_at < $2",
    )
    .bind(year.from())
    .bind(year.to())
    .fetch(store.pool());
    while let Some(r) = rows.try_next().await? {
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

/// When the first report came in, if any (one `MIN`, so that SQLite reads it from the index).
pub async fn first_report_at(store: &Store) -> Result<Option<Millis>> {
    let row = sqlx::query("SELECT MIN(created_at) AS first FROM reports")
        .fetch_one(store.pool())
        .await?;
    opt_i64(&row, "first")
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
