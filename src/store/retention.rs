//! Retention: legal holds, the cases and evidence that may fall due, their erasure (one
//! transaction per item, conditional, so a second instance finds nothing left to do), the
//! deletion records and the short-lived records removed in bulk.
//!
//! Which items are due is decided in `domain::retention`; the SQL here only preselects by
//! the shortest period and never restates one.

use sqlx::Row;

use super::{audit, opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::audit::AuditAction;
use crate::domain::retention::DataKind;
use crate::domain::Millis;

/// The statuses a case can be erased in (closed for good or withdrawn).
fn closed_statuses() -> String {
    crate::domain::case::CaseStatus::ALL
        .iter()
        .filter(|s| !s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A legal hold on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalHold {
    pub case_id: i64,
    pub reference: String,
    pub reason: String,
    pub placed_by: Option<i64>,
    pub placed_at: Millis,
}

pub async fn hold(store: &Store, case_id: i64) -> Result<Option<LegalHold>> {
    let row = sqlx::query(
        "SELECT h.case_id, c.reference, h.reason, h.placed_by, h.placed_at FROM legal_holds h \
         JOIN cases c ON c.id = h.case_id WHERE h.case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| hold_from_row(&r)).transpose()
}

fn hold_from_row(r: &sqlx::any::AnyRow) -> Result<LegalHold> {
    Ok(LegalHold {
        case_id: r.try_get("case_id")?,
        reference: r.try_get("reference")?,
        reason: r.try_get("reason")?,
        placed_by: opt_i64(r, "placed_by")?,
        placed_at: r.try_get("placed_at")?,
    })
}

/// Every hold, newest first.
pub async fn holds(store: &Store) -> Result<Vec<LegalHold>> {
    let rows = sqlx::query(
        "SELECT h.case_id, c.reference, h.reason, h.placed_by, h.placed_at FROM legal_holds h \
         JOIN cases c ON c.id = h.case_id ORDER BY h.placed_at DESC, h.case_id DESC",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(hold_from_row).collect()
}

/// Places a hold; false when the case has one already (the reason stays as it was).
pub async fn place_hold(
    tx: &mut WriteTx,
    case_id: i64,
    reason: &str,
    by: Option<i64>,
    now: Millis,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO legal_holds (case_id, reason, placed_by, placed_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(case_id)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Lifts a hold; returns it, or None when there was none.
pub async fn lift_hold(tx: &mut WriteTx, case_id: i64) -> Result<Option<String>> {
    let row = sqlx::query("DELETE FROM legal_holds WHERE case_id = $1 RETURNING reason")
        .bind(case_id)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| r.try_get("reason").map_err(Into::into))
        .transpose()
}

/// When case `c` was closed (`cases.closed_at`, set with its status by
/// `cases::set_status`; NULL while it is open).
const CLOSED_AT: &str = "c.closed_at";

/// 1 when any message left meldpunt for case `c` (a notice, a referral, advice, also for a
/// group it is in), else 0.
const HAS_MESSAGE: &str = "CASE WHEN EXISTS (SELECT 1 FROM notices n WHERE n.case_id = c.id) \
     OR EXISTS (SELECT 1 FROM notice_cases nc WHERE nc.case_id = c.id) THEN 1 ELSE 0 END";

/// Where a case stands for retention: when it was closed (`None` while it is open) and
/// whether a message left meldpunt for it (which sets its period).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closure {
    pub closed_at: Option<Millis>,
    pub has_message: bool,
}

pub async fn closure(store: &Store, case_id: i64) -> Result<Closure> {
    let row = sqlx::query(&format!(
        "SELECT CASE WHEN c.status IN ({}) THEN {CLOSED_AT} END AS closed_at, \
           {HAS_MESSAGE} AS has_message FROM cases c WHERE c.id = $1",
        closed_statuses()
    ))
    .bind(case_id)
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(Closure {
        closed_at: opt_i64(&row, "closed_at")?,
        has_message: row.try_get::<i64, _>("has_message")? == 1,
    })
}

/// A closed case that is not erased or held, with when it was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedCase {
    pub id: i64,
    pub reference: String,
    pub closed_at: Millis,
    /// Whether any message left meldpunt for it (a notice, a referral, advice, …).
    pub has_message: bool,
}

/// The latest closure a case may have to be a candidate, per kind: a preselection (the
/// retention schedule decides, `Schedule::is_due`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosedBefore {
    pub without_message: Millis,
    pub with_message: Millis,
}

/// Closed cases without a hold that were closed at or before `closed_before`, the first
/// `limit` with ids above `after_id` in id order (a caller pages on with the last id). The
/// closure is when the case last moved to its current, closed status, so a reopened and
/// closed again case counts from its last closure; the `cases_closed` index finds them.
pub async fn closed_cases(
    store: &Store,
    closed_before: ClosedBefore,
    after_id: i64,
    limit: i64,
) -> Result<Vec<ClosedCase>> {
    let sql = format!(
        "SELECT c.id, c.reference, {CLOSED_AT} AS closed_at, {HAS_MESSAGE} AS has_message \
         FROM cases c \
         WHERE c.closed_at IS NOT NULL AND c.erased_at IS NULL AND c.closed_at <= $5 \
           AND c.id > $1 AND c.status IN ({statuses}) \
           AND ((c.closed_at <= $3 AND {HAS_MESSAGE} = 0) OR (c.closed_at <= $4 AND {HAS_MESSAGE} = 1)) \
           AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id) \
         ORDER BY c.id LIMIT $2",
        statuses = closed_statuses()
    );
    let rows = sqlx::query(&sql)
        .bind(after_id)
        .bind(limit)
        .bind(closed_before.without_message)
        .bind(closed_before.with_message)
        .bind(
            closed_before
                .without_message
                .max(closed_before.with_message),
        )
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ClosedCase {
                id: r.try_get("id")?,
                reference: r.try_get("reference")?,
                closed_at: r.try_get("closed_at")?,
                has_message: r.try_get::<i64, _>("has_message")? == 1,
            })
        })
        .collect()
}

/// Evidence of reports whose every case is closed (not held, not erased): with the latest
/// closure among them, from which the evidence period runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedEvidence {
    pub id: i64,
    pub report_reference: String,
    pub created_at: Millis,
    pub closed_at: Millis,
}

/// As [`closed_cases`], for evidence ids in `after_id + 1 ..= after_id + span`.
pub async fn closed_evidence(
    store: &Store,
    closed_before: Millis,
    after_id: i64,
    span: i64,
) -> Result<Vec<ClosedEvidence>> {
    let closed = closed_statuses();
    let sql = format!(
        "SELECT id, reference, created_at, closed_at FROM ( \
           SELECT ev.id, r.reference, ev.created_at, \
             (SELECT MAX({CLOSED_AT}) FROM report_links l JOIN cases c ON c.id = l.case_id \
              WHERE l.report_id = ev.report_id) AS closed_at \
           FROM evidence ev JOIN reports r ON r.id = ev.report_id \
           WHERE ev.id > $1 AND ev.id <= $1 + $2 \
             AND NOT EXISTS (SELECT 1 FROM report_links l JOIN cases c ON c.id = l.case_id \
               WHERE l.report_id = ev.report_id AND (c.status NOT IN ({closed}) \
                 OR EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id))) \
         ) page WHERE closed_at IS NOT NULL AND closed_at <= $3 ORDER BY id"
    );
    let rows = sqlx::query(&sql)
        .bind(after_id)
        .bind(span)
        .bind(closed_before)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ClosedEvidence {
                id: r.try_get("id")?,
                report_reference: r.try_get("reference")?,
                created_at: r.try_get("created_at")?,
                closed_at: r.try_get("closed_at")?,
            })
        })
        .collect()
}

/// The id that ends the page of (at most) `limit` evidence rows after `after_id`, and
/// whether the page is full (more may follow): evidence is paged by its rows, so ids that
/// are gone cost nothing.
pub async fn evidence_page_end(store: &Store, after_id: i64, limit: i64) -> Result<(i64, bool)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(MAX(id), $1) AS BIGINT) AS last, CAST(COUNT(*) AS BIGINT) AS n \
         FROM (SELECT id FROM evidence WHERE id > $1 ORDER BY id LIMIT $2) page",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_one(store.pool())
    .await?;
    Ok((row.try_get("last")?, row.try_get::<i64, _>("n")? == limit))
}

/// How long a removed evidence file's object waits before it goes (an upload of the same
/// file meanwhile gives it a row again, and then it stays).
pub const OBJECT_REMOVAL_DELAY_MS: Millis = 60 * 60 * 1000;

/// Deletes evidence rows (the prints keep their PDQ hash without the row) and queues their
/// objects for removal.
async fn delete_evidence_rows(tx: &mut WriteTx, ids: &[i64], now: Millis) -> Result<()> {
    for &id in ids {
        sqlx::query("UPDATE content_prints SET evidence_id = NULL WHERE evidence_id = $1")
            .bind(id)
            .execute(tx.conn())
            .await?;
        let row = sqlx::query("DELETE FROM evidence WHERE id = $1 RETURNING sha256")
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
        if let Some(row) = row {
            let sha: String = row.try_get("sha256")?;
            sqlx::query(
                "INSERT INTO evidence_object_removals (sha256, due_at) VALUES ($1, $2) \
                 ON CONFLICT (sha256) DO UPDATE SET due_at = excluded.due_at",
            )
            .bind(sha)
            .bind(now + OBJECT_REMOVAL_DELAY_MS)
            .execute(tx.conn())
            .await?;
        }
    }
    Ok(())
}

/// A deletion record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    pub kind: DataKind,
    pub reference: String,
    pub item_count: i64,
    pub item_created_at: Option<Millis>,
    pub deleted_at: Millis,
    pub rule: String,
}

async fn record_deletion(tx: &mut WriteTx, d: &Deletion) -> Result<()> {
    sqlx::query(
        "INSERT INTO retention_deletions (kind, reference, item_count, item_created_at, deleted_at, rule) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(d.kind.as_str())
    .bind(&d.reference)
    .bind(d.item_count)
    .bind(d.item_created_at)
    .bind(d.deleted_at)
    .bind(&d.rule)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The newest deletion records.
pub async fn deletions(store: &Store, limit: i64) -> Result<Vec<Deletion>> {
    let rows = sqlx::query(
        "SELECT kind, reference, item_count, item_created_at, deleted_at, rule \
         FROM retention_deletions ORDER BY deleted_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(Deletion {
                kind: DataKind::parse(&kind).ok_or_else(|| {
                    super::StoreError::Database(format!("unknown retention kind {kind}"))
                })?,
                reference: r.try_get("reference")?,
                item_count: r.try_get("item_count")?,
                item_created_at: opt_i64(r, "item_created_at")?,
                deleted_at: r.try_get("deleted_at")?,
                rule: r.try_get("rule")?,
            })
        })
        .collect()
}

/// Deletes one evidence file's row if it is still there, with its deletion record and audit
/// entry, inside `tx`. False when another instance was first.
pub async fn delete_evidence(
    tx: &mut WriteTx,
    e: &ClosedEvidence,
    rule: &str,
    now: Millis,
) -> Result<bool> {
    let exists = sqlx::query("SELECT id FROM evidence WHERE id = $1")
        .bind(e.id)
        .fetch_optional(tx.conn())
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let (_, _) = audit::erase(tx, &[("evidence", vec![e.id])], rule, now).await?;
    delete_evidence_rows(tx, &[e.id], now).await?;
    let reference = format!("{}#evidence-{}", e.report_reference, e.id);
    record_deletion(
        tx,
        &Deletion {
            kind: DataKind::Evidence,
            reference: reference.clone(),
            item_count: 1,
            item_created_at: Some(e.created_at),
            deleted_at: now,
            rule: rule.to_string(),
        },
    )
    .await?;
    audit::append(
        tx,
        &retention_event("evidence", e.id, &reference, rule),
        now,
    )
    .await?;
    Ok(true)
}

fn retention_event(
    object_type: &str,
    id: i64,
    reference: &str,
    rule: &str,
) -> crate::domain::audit::AuditEvent {
    crate::domain::audit::AuditEvent {
        actor_user_id: None,
        actor_label: "meldpunt".into(),
        org_id: None,
        action: AuditAction::RetentionDeleted,
        object_type: object_type.into(),
        object_id: id.to_string(),
        outcome: crate::domain::audit::Outcome::Success,
        origin: "retention".into(),
        details: serde_json::json!({ "reference": reference, "rule": rule }).to_string(),
    }
}

/// The personal columns of a case's rows, blanked by an erasure: `(table, SET …, WHERE …)`
/// with `$1` the case id. What stays is what the figures and the proof of the work need:
/// times, statuses, legal classes, decisions, platforms, outcomes.
const ERASE_CASE: &[&str] = &[
    "UPDATE report_links SET submitted_url = '', remark = NULL, content_text = NULL \
     WHERE case_id = $1",
    "UPDATE case_events SET actor_label = '', note = NULL WHERE case_id = $1",
    "UPDATE assessments SET author_name = '', facts = '', locating = '', risk_time = '', \
     risk_place = '', risk_reach = '', rights_reasoning = '', proportionality = '', reasons = '' \
     WHERE case_id = $1",
    "UPDATE assessment_reviews SET reviewer_name = '', reason = NULL \
     WHERE assessment_id IN (SELECT id FROM assessments WHERE case_id = $1)",
    "UPDATE notices SET subject = '', body = '', urls = '', delivery_error = NULL WHERE case_id = $1",
    "UPDATE notice_events SET detail = NULL \
     WHERE notice_id IN (SELECT id FROM notices WHERE case_id = $1)",
    "UPDATE notice_answers SET url = '', platform_reason = NULL, recorder_name = '' \
     WHERE notice_id IN (SELECT id FROM notices WHERE case_id = $1)",
    "UPDATE rechecks SET note = NULL, recorder_name = '' WHERE case_id = $1",
    "UPDATE objections SET summary = '', reasons = NULL, recorder_name = '', decider_name = NULL \
     WHERE case_id = $1",
    "UPDATE corrections SET what_was_wrong = '', recorder_name = '' WHERE case_id = $1",
    "UPDATE match_proposals SET decider_name = NULL WHERE low_case_id = $1 OR high_case_id = $1",
    "DELETE FROM assessment_drafts WHERE case_id = $1",
    "DELETE FROM search_texts WHERE case_id = $1",
];

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub reference: String,
    /// Audit entries whose personal fields were erased, and those that could not be
    /// (written before erasure existed).
    pub audit_erased: usize,
    pub audit_kept_v1: u64,
}

/// Erases a closed case's personal data inside `tx`, if it is still closed, not held and not
/// erased (a conditional update: of two instances one finds nothing): its links, the reports
/// all of whose cases are erased (and their evidence), history notes, assessment texts,
/// message bodies, answers, objections, corrections, search words and the personal fields of
/// the audit entries about them; then the deletion record and the audit entry.
pub async fn erase_case(
    tx: &mut WriteTx,
    case_id: i64,
    kind: DataKind,
    rule: &str,
    now: Millis,
) -> Result<Option<Erased>> {
    let sql = format!(
        "UPDATE cases SET erased_at = $2, canonical_url = 'erased:' || reference, domain = '', \
         assignee_user_id = NULL WHERE id = $1 AND erased_at IS NULL AND status IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = cases.id) \
         RETURNING reference, first_reported_at",
        closed_statuses()
    );
    let Some(row) = sqlx::query(&sql)
        .bind(case_id)
        .bind(now)
        .fetch_optional(tx.conn())
        .await?
    else {
        return Ok(None);
    };
    let reference: String = row.try_get("reference")?;
    let first_reported_at: Millis = row.try_get("first_reported_at")?;
    sqlx::query("INSERT INTO erasure_permits (case_id) VALUES ($1)")
        .bind(case_id)
        .execute(tx.conn())
        .await?;
    for statement in ERASE_CASE {
        sqlx::query(statement)
            .bind(case_id)
            .execute(tx.conn())
            .await?;
    }
    // Reports all of whose links now point to erased cases.
    let reports: Vec<i64> = sqlx::query(
        "SELECT DISTINCT l.report_id FROM report_links l WHERE l.case_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM report_links o JOIN cases c ON c.id = o.case_id \
           WHERE o.report_id = l.report_id AND c.erased_at IS NULL) ORDER BY l.report_id",
    )
    .bind(case_id)
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| r.try_get("report_id"))
    .collect::<std::result::Result<_, _>>()?;
    let mut evidence = Vec::new();
    for &report in &reports {
        sqlx::query(
            "UPDATE reports SET summary = NULL, exp_place = NULL, justification = '', \
             on_behalf_of = '', withdraw_reason = NULL, reporter_user_id = NULL WHERE id = $1",
        )
        .bind(report)
        .execute(tx.conn())
        .await?;
        sqlx::query("DELETE FROM search_texts WHERE report_id = $1")
            .bind(report)
            .execute(tx.conn())
            .await?;
        for r in sqlx::query("SELECT id FROM evidence WHERE report_id = $1")
            .bind(report)
            .fetch_all(tx.conn())
            .await?
        {
            evidence.push(r.try_get::<i64, _>("id")?);
        }
    }
    delete_evidence_rows(tx, &evidence, now).await?;
    let mut objects: Vec<(&str, Vec<i64>)> = vec![("case", vec![case_id]), ("report", reports)];
    for (object_type, sql) in [
        ("notice", "SELECT id FROM notices WHERE case_id = $1"),
        (
            "assessment",
            "SELECT id FROM assessments WHERE case_id = $1",
        ),
        ("objection", "SELECT id FROM objections WHERE case_id = $1"),
    ] {
        let found = sqlx::query(sql)
            .bind(case_id)
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<Vec<i64>, _>>()?;
        objects.push((object_type, found));
    }
    objects.push(("evidence", evidence));
    let (erased, kept_v1) = audit::erase(tx, &objects, rule, now).await?;
    sqlx::query("DELETE FROM erasure_permits WHERE case_id = $1")
        .bind(case_id)
        .execute(tx.conn())
        .await?;
    record_deletion(
        tx,
        &Deletion {
            kind,
            reference: reference.clone(),
            item_count: 1,
            item_created_at: Some(first_reported_at),
            deleted_at: now,
            rule: rule.to_string(),
        },
    )
    .await?;
    audit::append(tx, &retention_event("case", case_id, &reference, rule), now).await?;
    Ok(Some(Erased {
        reference,
        audit_erased: erased.len(),
        audit_kept_v1: kept_v1,
    }))
}

/// Removes short-lived records of `kind` created at or before `before`, with one deletion
/// record for the lot; returns how many went.
pub async fn purge_records(
    tx: &mut WriteTx,
    kind: DataKind,
    before: Millis,
    rule: &str,
    now: Millis,
) -> Result<u64> {
    let (n, oldest) = match kind {
        DataKind::Notifications => {
            let oldest = min_of(
                tx,
                "SELECT MIN(at) AS m FROM notifications WHERE at <= $1",
                before,
            )
            .await?;
            let a = sqlx::query("DELETE FROM notifications WHERE at <= $1")
                .bind(before)
                .execute(tx.conn())
                .await?
                .rows_affected();
            let b = super::notify::purge_sent_mail(tx, before).await?;
            (a + b, oldest)
        }
        DataKind::SignInRecords => {
            let oldest = min_of(
                tx,
                "SELECT MIN(last_success_at) AS m FROM known_devices WHERE last_success_at <= $1",
                before,
            )
            .await?;
            let a = sqlx::query("DELETE FROM known_devices WHERE last_success_at <= $1")
                .bind(before)
                .execute(tx.conn())
                .await?
                .rows_affected();
            // The sign-in entries of the audit trail keep what happened, not who from where.
            let seqs: Vec<i64> = sqlx::query(&format!(
                "SELECT seq FROM audit_log WHERE action IN ({}) AND at <= $1 \
                 AND erased_at IS NULL AND hash_version = 2 ORDER BY seq",
                AuditAction::ALL
                    .iter()
                    .filter(|a| a.is_sign_in_record())
                    .map(|a| format!("'{}'", a.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .bind(before)
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| r.try_get("seq"))
            .collect::<std::result::Result<_, _>>()?;
            let b = audit::erase_entries(tx, seqs, rule, now).await? as u64;
            (a + b, oldest)
        }
        DataKind::CaseWithoutAction | DataKind::CaseWithNotice | DataKind::Evidence => {
            return Ok(0)
        }
    };
    if n > 0 {
        record_deletion(
            tx,
            &Deletion {
                kind,
                reference: format!(
                    "{} up to {}",
                    kind.as_str(),
                    crate::domain::iso_time(before)
                ),
                item_count: n as i64,
                item_created_at: oldest,
                deleted_at: now,
                rule: rule.to_string(),
            },
        )
        .await?;
    }
    Ok(n)
}

async fn min_of(tx: &mut WriteTx, sql: &str, before: Millis) -> Result<Option<Millis>> {
    let row = sqlx::query(sql).bind(before).fetch_one(tx.conn()).await?;
    opt_i64(&row, "m")
}

/// Evidence objects whose removal is due, that no evidence row holds any more.
pub async fn objects_to_remove(store: &Store, now: Millis) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT sha256 FROM evidence_object_removals r WHERE due_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.sha256 = r.sha256) ORDER BY sha256 LIMIT 1000",
    )
    .bind(now)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| r.try_get("sha256").map_err(Into::into))
        .collect()
}

/// Forgets queued removals: of objects removed, and of hashes a row holds again.
pub async fn forget_removal(store: &Store, sha256: &str) -> Result<()> {
    sqlx::query("DELETE FROM evidence_object_removals WHERE sha256 = $1")
        .bind(sha256)
        .execute(store.pool())
        .await?;
    Ok(())
}
