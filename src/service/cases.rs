//! The central team's work on cases: the queue, taking a case up, moving it through
//! its lifecycle, and telling the reporting municipalities.

use serde_json::json;

use super::intake::IntakeSettings;
use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::case::{prioritise, transition, CaseStatus, Mover, QueueEntry};
use crate::domain::link::Platform;
use crate::domain::report::{Category, ReportStatus};
use crate::domain::Millis;
use crate::store::cases::{self, Case, CaseEventKind, NewCaseEvent};
use crate::store::WriteTx;
use crate::store::{audit, notify, reports, Store, StoreError};

/// Most cases the queue considers at once.
const QUEUE_LIMIT: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeliness {
    OnTime,
    Late,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    pub platform: Option<Platform>,
    /// Reported by this municipality (organisation id).
    pub org_id: Option<i64>,
    pub category: Option<Category>,
    /// One status; none means every open status.
    pub status: Option<CaseStatus>,
    pub timeliness: Option<Timeliness>,
}

/// The queue: matching cases, most pressing first.
pub async fn queue(store: &Store, filter: &QueueFilter, now: Millis) -> Result<Vec<Case>> {
    let statuses: Vec<CaseStatus> = match filter.status {
        Some(s) => vec![s],
        None => CaseStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect(),
    };
    let mut found = cases::list(store, &statuses, QUEUE_LIMIT).await?;
    if let Some(org) = filter.org_id {
        let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
        let reporting = cases::reporting_orgs(store, &ids).await?;
        found.retain(|c| {
            reporting
                .iter()
                .any(|(case, o, _)| *case == c.id && *o == org)
        });
    }
    found.retain(|c| {
        let entry = entry(c);
        filter.platform.is_none_or(|p| c.platform == p)
            && filter.category.is_none_or(|k| c.categories.contains(&k))
            && match filter.timeliness {
                None => true,
                Some(Timeliness::Late) => entry.is_overdue(now),
                Some(Timeliness::OnTime) => !entry.is_overdue(now),
            }
    });
    let mut entries: Vec<QueueEntry> = found.iter().map(entry).collect();
    prioritise(&mut entries, now);
    let mut ordered = Vec::with_capacity(found.len());
    for e in entries {
        if let Some(pos) = found.iter().position(|c| c.id == e.case_id) {
            ordered.push(found.swap_remove(pos));
        }
    }
    Ok(ordered)
}

pub fn entry(c: &Case) -> QueueEntry {
    QueueEntry {
        case_id: c.id,
        status: c.status,
        platform: c.platform,
        urgency: c.urgency,
        deadline_at: c.deadline_at,
        expected_start_at: c.expected_start_at,
        municipality_count: c.municipality_count,
        first_reported_at: c.first_reported_at,
    }
}

/// Appends to a case's history, as the one acting in `ctx`.
pub(crate) async fn record(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case_id: i64,
    kind: CaseEventKind,
    from_status: Option<CaseStatus>,
    to_status: Option<CaseStatus>,
    note: Option<&str>,
) -> Result<()> {
    let event = NewCaseEvent {
        case_id,
        actor_user_id: ctx.actor_user_id,
        actor_label: &ctx.actor_label,
        kind,
        from_status,
        to_status,
        note,
    };
    cases::append_event(tx, &event, ctx.now).await?;
    Ok(())
}

/// Moves a case from `from` to `to` (the caller has checked the move) and records it.
pub(crate) async fn change_status(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case_id: i64,
    from: CaseStatus,
    to: CaseStatus,
    kind: CaseEventKind,
    note: Option<&str>,
) -> Result<()> {
    cases::set_status(tx, case_id, to, ctx.now).await?;
    record(tx, ctx, case_id, kind, Some(from), Some(to), note).await
}

fn not_found(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound => ServiceError::NotFound,
        e => e.into(),
    }
}

/// Takes a case up ("in behandeling bij …"). Taking over from a colleague must be
/// asked for explicitly, so two analysts never both think they hold it.
pub async fn claim(store: &Store, ctx: &Ctx, case_id: i64, take_over: bool) -> Result<()> {
    let user_id = ctx.actor_user_id.ok_or(ServiceError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    if case.assignee_user_id == Some(user_id) {
        return Ok(());
    }
    if let (Some(_), false) = (case.assignee_user_id, take_over) {
        return Err(ServiceError::Conflict(format!(
            "Deze zaak is al in behandeling bij {}. Kies 'Overnemen' als u de zaak wilt overnemen.",
            case.assignee_name.unwrap_or_default()
        )));
    }
    cases::set_assignee(&mut tx, case_id, Some(user_id), ctx.now).await?;
    let note = case
        .assignee_name
        .as_ref()
        .map(|n| format!("Overgenomen van {n}"));
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::Claimed,
        None,
        None,
        note.as_deref(),
    )
    .await?;
    let event = ctx.event(
        AuditAction::CaseClaimed,
        "case",
        case_id,
        None,
        Outcome::Success,
        json!({"reference": case.reference, "took_over_from": case.assignee_user_id}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a case back to the queue.
pub async fn release(store: &Store, ctx: &Ctx, case_id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    if case.assignee_user_id.is_none() {
        return Ok(());
    }
    cases::set_assignee(&mut tx, case_id, None, ctx.now).await?;
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::Released,
        None,
        None,
        None,
    )
    .await?;
    let event = ctx.event(
        AuditAction::CaseReleased,
        "case",
        case_id,
        None,
        Outcome::Success,
        json!({"reference": case.reference}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a case to `to`, if the lifecycle allows it, and tells every municipality with
/// an active report in it (in the application and by e-mail).
pub async fn move_case(
    store: &Store,
    settings: &IntakeSettings,
    ctx: &Ctx,
    case_id: i64,
    to: CaseStatus,
    note: &str,
) -> Result<()> {
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "note",
            "De toelichting is te lang (hoogstens 2000 tekens).",
        ));
    }
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    transition(case.status, to, Mover::Team).map_err(|e| ServiceError::Unprocessable(e.dutch()))?;
    change_status(
        &mut tx,
        ctx,
        case_id,
        case.status,
        to,
        CaseEventKind::StatusChanged,
        (!note.is_empty()).then_some(note),
    )
    .await?;
    let event = ctx.event(
        AuditAction::CaseStatusChanged,
        "case",
        case_id,
        None,
        Outcome::Success,
        json!({"reference": case.reference, "from": case.status.as_str(), "to": to.as_str()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tell_reporters(&mut tx, settings, case_id, to, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

async fn tell_reporters(
    tx: &mut crate::store::WriteTx,
    settings: &IntakeSettings,
    case_id: i64,
    to: CaseStatus,
    now: Millis,
) -> Result<()> {
    let line = format!("heeft een nieuwe status: {}.", to.label_nl());
    inform_reporters(tx, settings, case_id, &line, now).await
}

/// Tells every municipality with an active report in the case what happened, in the
/// application and by e-mail: "Uw melding MLD-… {line}".
pub(crate) async fn inform_reporters(
    tx: &mut crate::store::WriteTx,
    settings: &IntakeSettings,
    case_id: i64,
    line: &str,
    now: Millis,
) -> Result<()> {
    for report in reports::active_in_case(tx, case_id).await? {
        let Some(user_id) = report.reporter_user_id else {
            continue;
        };
        if report.status != ReportStatus::Active {
            continue;
        }
        let link = format!("/meldingen/{}", report.id);
        let text = format!("Uw melding {} {line}", report.reference);
        notify::notify(tx, user_id, &text, &link, now).await?;
        if let Some(email) = &report.reporter_email {
            let body = format!(
                "Beste {},\n\nUw melding {} {line}\n\n\
                 Bekijk de melding: {}{link}\n\n\
                 Dit bericht is automatisch verstuurd door meldpunt.",
                report.reporter_name.as_deref().unwrap_or("melder"),
                report.reference,
                settings.public_url.trim_end_matches('/'),
            );
            notify::enqueue_mail(
                tx,
                email,
                &format!("[meldpunt] Nieuws over melding {}", report.reference),
                &body,
                now,
            )
            .await?;
        }
    }
    Ok(())
}
