//! A case's history and status: the one writer of `case_events` and of a case's status,
//! and the one place that tells the reporting municipalities what happened.
//!
//! Every status change goes through [`change_status`], which asks
//! `domain::case::transition` first: no caller can skip the lifecycle.

use super::{Ctx, Result, ServiceError, Settings};
use crate::domain::case::{transition, CaseEventKind, CaseStatus, Mover};
use crate::domain::report::ReportStatus;
use crate::domain::Millis;
use crate::store::cases::{self, NewCaseEvent};
use crate::store::{notify, reports, WriteTx};

/// Appends to a case's history, as the one acting in `ctx`.
pub(crate) async fn record(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case_id: i64,
    kind: CaseEventKind,
    note: Option<&str>,
) -> Result<()> {
    append(tx, ctx, case_id, kind, None, note).await
}

/// The first entry of a new case's history: opened, as received, by `report_reference`.
pub(crate) async fn opened(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case_id: i64,
    report_reference: &str,
) -> Result<()> {
    let event = NewCaseEvent {
        case_id,
        actor_user_id: ctx.actor_user_id,
        actor_label: &ctx.actor_label,
        kind: CaseEventKind::Opened,
        from_status: None,
        to_status: Some(CaseStatus::Received),
        note: Some(report_reference),
    };
    cases::append_event(tx, &event, ctx.now).await?;
    Ok(())
}

async fn append(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case_id: i64,
    kind: CaseEventKind,
    moved: Option<(CaseStatus, CaseStatus)>,
    note: Option<&str>,
) -> Result<()> {
    let event = NewCaseEvent {
        case_id,
        actor_user_id: ctx.actor_user_id,
        actor_label: &ctx.actor_label,
        kind,
        from_status: moved.map(|m| m.0),
        to_status: moved.map(|m| m.1),
        note,
    };
    cases::append_event(tx, &event, ctx.now).await?;
    Ok(())
}

/// A move of a case through its lifecycle, as `domain::case::transition` judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Move {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub by: Mover,
}

impl Move {
    /// A move made by the workflow (assessment, approval, delivery, answers, objections).
    pub fn workflow(from: CaseStatus, to: CaseStatus) -> Move {
        Move {
            from,
            to,
            by: Mover::Workflow,
        }
    }
}

/// Moves a case from `m.from` to `m.to` — only when the lifecycle allows that move for
/// `m.by` — and records it in the case's history as `kind`.
pub(crate) async fn change_status(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case_id: i64,
    m: Move,
    kind: CaseEventKind,
    note: Option<&str>,
) -> Result<()> {
    transition(m.from, m.to, m.by).map_err(|e| ServiceError::Unprocessable(e.message()))?;
    cases::set_status(tx, case_id, m.from, m.to, ctx.now).await?;
    append(tx, ctx, case_id, kind, Some((m.from, m.to)), note).await
}

/// Tells every municipality with an active report in the case what happened, in the
/// application and by e-mail: "Uw melding MLD-… {line}".
pub(crate) async fn inform_reporters(
    tx: &mut WriteTx,
    settings: &Settings,
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
