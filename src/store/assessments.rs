//! Assessment versions and their four-eyes reviews. Both tables are append-only.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::search::{self, NewText};
use super::{opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::assessment::{
    Assessment, Decision, DsaCategory, DsaKeyword, LegalClass, LighterStep, Phase, ProtectedSpeech,
    Provision, Verdict, Version,
};
use crate::domain::group::GroupVersion;
use crate::domain::search::{self as search_words, SearchSource};
use crate::domain::Millis;

fn join<T: Copy>(items: &[T], id: impl Fn(T) -> &'static str) -> String {
    items.iter().map(|i| id(*i)).collect::<Vec<_>>().join(",")
}

fn split<T>(s: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| parse(x).ok_or_else(|| StoreError::Database(format!("unknown value {x}"))))
        .collect()
}

fn one<T>(s: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| StoreError::Database(format!("unknown value {s}")))
}

const SELECT: &str =
    "SELECT a.id, a.case_id, a.version, a.author_user_id, a.author_name, a.created_at, \
     a.class, a.provisions, a.facts, a.locating, a.risk_time, a.risk_place, a.risk_reach, a.phase, \
     a.protected_speech, a.rights_reasoning, a.lighter_steps, a.proportionality, a.decision, \
     a.category, a.keywords, a.reasons, r.verdict, r.reviewer_user_id, r.reviewer_name, \
     r.reason AS review_reason, r.at AS review_at, a.group_id, a.group_version \
     FROM assessments a LEFT JOIN assessment_reviews r ON r.assessment_id = a.id";

fn from_row(row: &AnyRow) -> Result<Version> {
    let category: Option<String> = row.try_get("category")?;
    let verdict: Option<String> = row.try_get("verdict")?;
    Ok(Version {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        version: row.try_get("version")?,
        author_user_id: row.try_get("author_user_id")?,
        author_name: row.try_get("author_name")?,
        created_at: row.try_get("created_at")?,
        a: Assessment {
            class: one(&row.try_get::<String, _>("class")?, LegalClass::parse)?,
            provisions: split(&row.try_get::<String, _>("provisions")?, Provision::parse)?,
            facts: row.try_get("facts")?,
            locating: row.try_get("locating")?,
            risk_time: row.try_get("risk_time")?,
            risk_place: row.try_get("risk_place")?,
            risk_reach: row.try_get("risk_reach")?,
            phase: one(&row.try_get::<String, _>("phase")?, Phase::parse)?,
            protected_speech: split(
                &row.try_get::<String, _>("protected_speech")?,
                ProtectedSpeech::parse,
            )?,
            rights_reasoning: row.try_get("rights_reasoning")?,
            lighter_steps: split(
                &row.try_get::<String, _>("lighter_steps")?,
                LighterStep::parse,
            )?,
            proportionality: row.try_get("proportionality")?,
            decision: one(&row.try_get::<String, _>("decision")?, Decision::parse)?,
            category: category
                .as_deref()
                .map(|c| one(c, DsaCategory::parse))
                .transpose()?,
            keywords: split(&row.try_get::<String, _>("keywords")?, DsaKeyword::parse)?,
            reasons: row.try_get("reasons")?,
        },
        group: match (opt_i64(row, "group_id")?, opt_i64(row, "group_version")?) {
            (Some(group_id), Some(version)) => Some(GroupVersion { group_id, version }),
            _ => None,
        },
        verdict: match verdict {
            None => None,
            Some(v) => Some(Verdict {
                approved: v == "approved",
                reviewer_user_id: row.try_get("reviewer_user_id")?,
                reviewer_name: row.try_get("reviewer_name")?,
                reason: row.try_get("review_reason")?,
                at: row.try_get("review_at")?,
            }),
        },
    })
}

/// Saves a new version of the case's assessment (the caller holds the case lock);
/// returns (id, version number).
pub async fn insert(
    tx: &mut WriteTx,
    case_id: i64,
    author_user_id: i64,
    author_name: &str,
    a: &Assessment,
    group: Option<GroupVersion>,
    now: Millis,
) -> Result<(i64, i64)> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM assessments WHERE case_id = $1")
        .bind(case_id)
        .fetch_one(tx.conn())
        .await?;
    let version: i64 = row.try_get::<i64, _>(0)? + 1;
    let row = sqlx::query(
        "INSERT INTO assessments (case_id, version, author_user_id, author_name, created_at, class, \
         provisions, facts, locating, risk_time, risk_place, risk_reach, phase, protected_speech, \
         rights_reasoning, lighter_steps, proportionality, decision, category, keywords, reasons, \
         group_id, group_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
         RETURNING id",
    )
    .bind(case_id)
    .bind(version)
    .bind(author_user_id)
    .bind(author_name)
    .bind(now)
    .bind(a.class.as_str())
    .bind(join(&a.provisions, Provision::as_str))
    .bind(&a.facts)
    .bind(&a.locating)
    .bind(&a.risk_time)
    .bind(&a.risk_place)
    .bind(&a.risk_reach)
    .bind(a.phase.as_str())
    .bind(join(&a.protected_speech, ProtectedSpeech::as_str))
    .bind(&a.rights_reasoning)
    .bind(join(&a.lighter_steps, LighterStep::as_str))
    .bind(&a.proportionality)
    .bind(a.decision.as_str())
    .bind(a.category.map(|c| c.as_str()))
    .bind(join(&a.keywords, DsaKeyword::as_str))
    .bind(&a.reasons)
    .bind(group.map(|g| g.group_id))
    .bind(group.map(|g| g.version))
    .fetch_one(tx.conn())
    .await?;
    let text = NewText {
        case_id,
        report_id: None,
        org_id: None,
        source: SearchSource::Assessment,
        words: search_words::assessment_document(
            &a.facts,
            &a.rights_reasoning,
            &a.proportionality,
            &a.reasons,
        ),
    };
    search::add(tx, &[text]);
    Ok((row.try_get(0)?, version))
}

/// Every version of a case's assessment, oldest first.
pub async fn versions(store: &Store, case_id: i64) -> Result<Vec<Version>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE a.case_id = $1 ORDER BY a.version"))
        .bind(case_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// [`versions`] inside `tx`.
pub async fn versions_in(tx: &mut WriteTx, case_id: i64) -> Result<Vec<Version>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE a.case_id = $1 ORDER BY a.version"))
        .bind(case_id)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The newest version, inside `tx` (the caller holds the case lock).
pub async fn newest_in(tx: &mut WriteTx, case_id: i64) -> Result<Option<Version>> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE a.case_id = $1 ORDER BY a.version DESC LIMIT 1"
    ))
    .bind(case_id)
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records a verdict. Fails with `Conflict` when the version already has one.
pub async fn review(
    tx: &mut WriteTx,
    assessment_id: i64,
    approved: bool,
    reviewer_user_id: i64,
    reviewer_name: &str,
    reason: Option<&str>,
    now: Millis,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO assessment_reviews (assessment_id, verdict, reviewer_user_id, reviewer_name, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (assessment_id) DO NOTHING",
    )
    .bind(assessment_id)
    .bind(if approved { "approved" } else { "sent_back" })
    .bind(reviewer_user_id)
    .bind(reviewer_name)
    .bind(reason)
    .bind(now)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Case ids whose newest version awaits a supervisor (for the queue).
pub async fn awaiting_approval(store: &Store) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT a.case_id, a.decision FROM assessments a \
         LEFT JOIN assessment_reviews r ON r.assessment_id = a.id \
         WHERE r.id IS NULL AND a.version = (SELECT MAX(b.version) FROM assessments b WHERE b.case_id = a.case_id)",
    )
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let d: String = r.try_get(1)?;
        if Decision::parse(&d).is_some_and(|d| d.is_outgoing()) {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// The newest version number written for a group, if any.
pub async fn newest_group_version_in(tx: &mut WriteTx, group_id: i64) -> Result<Option<i64>> {
    let row =
        sqlx::query("SELECT MAX(group_version) AS newest FROM assessments WHERE group_id = $1")
            .bind(group_id)
            .fetch_one(tx.conn())
            .await?;
    opt_i64(&row, "newest")
}

/// The member versions of a group's version, by case.
pub async fn of_group_version_in(tx: &mut WriteTx, g: GroupVersion) -> Result<Vec<Version>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE a.group_id = $1 AND a.group_version = $2 ORDER BY a.case_id"
    ))
    .bind(g.group_id)
    .bind(g.version)
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every version written for a group, oldest first (for the group page).
pub async fn of_group(store: &Store, group_id: i64) -> Result<Vec<Version>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE a.group_id = $1 ORDER BY a.group_version, a.case_id"
    ))
    .bind(group_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}
