//! Retention that deletes: the run every `serve` process makes (safe with several at once:
//! each item is erased in its own transaction by a conditional update, so the second instance
//! finds nothing and writes no second record), and legal holds, which stop it for a case.
//!
//! The order: evidence first (it has the shortest period), then cases, then the short-lived
//! records. Evidence objects go after their rows' transaction has committed, and only after a
//! delay in which no row came to hold the same file again.

use serde_json::json;

use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::message::Message;
use crate::domain::retention::{case_kind, DataKind, Schedule};
use crate::domain::Millis;
use crate::objects::EvidenceStore;
use crate::store::{audit, cases, retention, Store, StoreError};

/// Ids looked at per page while looking for what is due.
const PAGE: i64 = 1_000;

/// Longest reason for a hold.
pub const HOLD_REASON_MAX: usize = 1_000;

/// What one run removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub evidence: u64,
    pub cases: u64,
    pub records: u64,
    pub objects: u64,
    /// Audit entries whose personal fields were erased along with a case.
    pub audit_erased: u64,
}

impl RunReport {
    pub fn total(&self) -> u64 {
        self.evidence + self.cases + self.records + self.objects
    }
}

/// Removes everything due at `now` by `schedule`. A failure on one item stops the run (the
/// next run begins again; what was done stays done).
pub async fn run_once(
    store: &Store,
    objects: &EvidenceStore,
    schedule: &Schedule,
    now: Millis,
) -> Result<RunReport> {
    let mut report = RunReport::default();
    let rule = schedule.rule(DataKind::Evidence);
    let mut after = 0;
    loop {
        let (page, next) = due_evidence(store, schedule, now, after).await?;
        for e in page {
            let mut tx = store.begin_write().await?;
            if retention::delete_evidence(&mut tx, &e, &rule, now).await? {
                report.evidence += 1;
            }
            tx.commit().await?;
        }
        match next {
            Some(id) => after = id,
            None => break,
        }
    }
    let mut after = 0;
    loop {
        let (page, next) = due_cases(store, schedule, now, after).await?;
        for (c, kind) in page {
            let mut tx = store.begin_write().await?;
            if let Some(done) =
                retention::erase_case(&mut tx, c.id, kind, &schedule.rule(kind), now).await?
            {
                report.cases += 1;
                report.audit_erased += done.audit_erased as u64;
            }
            tx.commit().await?;
        }
        match next {
            Some(id) => after = id,
            None => break,
        }
    }
    // Short-lived records, each kind in one transaction.
    for kind in [DataKind::Notifications, DataKind::SignInRecords] {
        let before = schedule.period(kind).before(now);
        let mut tx = store.begin_write().await?;
        report.records +=
            retention::purge_records(&mut tx, kind, before, &schedule.rule(kind), now).await?;
        tx.commit().await?;
    }
    report.objects = remove_objects(store, objects, now).await?;
    Ok(report)
}

/// Evidence due at `at` among the next page of evidence rows after id `after` — of reports
/// whose cases are all closed, the evidence period counted from the latest closure — and the
/// id to go on after (`None` when this was the last page).
async fn due_evidence(
    store: &Store,
    schedule: &Schedule,
    at: Millis,
    after: i64,
) -> Result<(Vec<retention::ClosedEvidence>, Option<i64>)> {
    let (last, full) = retention::evidence_page_end(store, after, PAGE).await?;
    let before = schedule.earliest_cutoff(&[DataKind::Evidence], at);
    let due = retention::closed_evidence(store, before, after, last - after)
        .await?
        .into_iter()
        .filter(|e| schedule.is_due(DataKind::Evidence, e.closed_at, at))
        .collect();
    Ok((due, full.then_some(last)))
}

/// Closed cases due at `at` among the next page of candidates after id `after`, with their
/// kind, and the id to go on after (`None` when this was the last page).
async fn due_cases(
    store: &Store,
    schedule: &Schedule,
    at: Millis,
    after: i64,
) -> Result<(Vec<(retention::ClosedCase, DataKind)>, Option<i64>)> {
    let before = retention::ClosedBefore {
        without_message: schedule.earliest_cutoff(&[case_kind(false)], at),
        with_message: schedule.earliest_cutoff(&[case_kind(true)], at),
    };
    let candidates = retention::closed_cases(store, before, after, PAGE).await?;
    let next = match candidates.last() {
        Some(last) if candidates.len() as i64 == PAGE => Some(last.id),
        _ => None,
    };
    let due = candidates
        .into_iter()
        .map(|c| {
            let kind = case_kind(c.has_message);
            (c, kind)
        })
        .filter(|(c, kind)| schedule.is_due(*kind, c.closed_at, at))
        .collect();
    Ok((due, next))
}

/// What falls due by `at` (the schedule page shows the next 30 days): evidence files and
/// cases per kind. Held cases and open ones are not counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Upcoming {
    pub evidence: u64,
    pub cases_without_action: u64,
    pub cases_with_notice: u64,
}

pub async fn upcoming(store: &Store, schedule: &Schedule, at: Millis) -> Result<Upcoming> {
    let mut u = Upcoming::default();
    let mut after = 0;
    loop {
        let (page, next) = due_evidence(store, schedule, at, after).await?;
        u.evidence += page.len() as u64;
        match next {
            Some(id) => after = id,
            None => break,
        }
    }
    let mut after = 0;
    loop {
        let (page, next) = due_cases(store, schedule, at, after).await?;
        for (_, kind) in page {
            match kind {
                DataKind::CaseWithNotice => u.cases_with_notice += 1,
                _ => u.cases_without_action += 1,
            }
        }
        match next {
            Some(id) => after = id,
            None => break,
        }
    }
    Ok(u)
}

/// Removes the evidence objects whose rows are gone and whose delay has passed.
pub async fn remove_objects(store: &Store, objects: &EvidenceStore, now: Millis) -> Result<u64> {
    let mut n = 0;
    for sha in retention::objects_to_remove(store, now).await? {
        match objects.delete(&sha).await {
            Ok(()) => n += 1,
            Err(crate::objects::ObjectError::NotFound) => {}
            Err(e) => return Err(StoreError::Unavailable(e.to_string()).into()),
        }
        retention::forget_removal(store, &sha).await?;
    }
    Ok(n)
}

/// Places a legal hold on a case: its data are kept, whatever the schedule says, until the
/// hold is lifted. A reason is required.
pub async fn place_hold(store: &Store, ctx: &Ctx, case_id: i64, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::Invalid {
            field: "reason",
            message: Message::new("legal_hold.reason_missing"),
        });
    }
    if reason.chars().count() > HOLD_REASON_MAX {
        return Err(ServiceError::Invalid {
            field: "reason",
            message: Message::new("legal_hold.reason_too_long").with("max", HOLD_REASON_MAX),
        });
    }
    let case = cases::get(store, case_id).await?;
    if case.erased_at.is_some() {
        return Err(ServiceError::refused("legal_hold.case_erased"));
    }
    let mut tx = store.begin_write().await?;
    if !retention::place_hold(&mut tx, case_id, reason, ctx.actor_user_id, ctx.now).await? {
        return Err(ServiceError::refused("legal_hold.already_held"));
    }
    audit::append(
        &mut tx,
        &ctx.event(
            AuditAction::LegalHoldPlaced,
            "case",
            case_id,
            None,
            Outcome::Success,
            json!({ "reference": case.reference, "reason": reason }),
        ),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Lifts a case's legal hold; its retention runs again from its closure.
pub async fn lift_hold(store: &Store, ctx: &Ctx, case_id: i64) -> Result<()> {
    let case = cases::get(store, case_id).await?;
    let mut tx = store.begin_write().await?;
    let Some(reason) = retention::lift_hold(&mut tx, case_id).await? else {
        return Err(ServiceError::refused("legal_hold.not_held"));
    };
    audit::append(
        &mut tx,
        &ctx.event(
            AuditAction::LegalHoldLifted,
            "case",
            case_id,
            None,
            Outcome::Success,
            json!({ "reference": case.reference, "reason": reason }),
        ),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
