//! What came back: the platform's answer per URL, and "still online?" re-checks.

use serde_json::json;

use super::refusals::{audit_refusal, not_found};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::{CaseEventKind, CaseStatus};
use crate::domain::message::Message;
use crate::domain::notice::{check_answer, NoticeEventKind, Outcome};
use crate::domain::{dutch_time, Millis};
use crate::service::history::{change_status, inform_reporters, record, Move};
use crate::service::{Ctx, Result, ServiceError, Settings};
use crate::store::cases;
use crate::store::notices::{self};
use crate::store::{audit, Store};

pub(crate) fn by(ctx: &Ctx) -> notices::RecordedBy<'_> {
    notices::RecordedBy {
        user_id: ctx.actor_user_id,
        name: &ctx.actor_label,
        at: ctx.now,
    }
}

/// One URL's answer as typed in.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerInput {
    pub url: String,
    pub outcome: Outcome,
    pub reason: String,
}

/// Records the platform's answer (per URL) to a notice and tells the municipalities.
pub async fn record_answer(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    notice_id: i64,
    answers: &[AnswerInput],
    received_at: Millis,
) -> Result<()> {
    audit_refusal(
        store,
        ctx,
        AuditAction::NoticeAnswerRecorded,
        ("notice", notice_id),
        record_answer_tx(store, settings, ctx, notice_id, answers, received_at).await,
    )
    .await
}

async fn record_answer_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    notice_id: i64,
    answers: &[AnswerInput],
    received_at: Millis,
) -> Result<()> {
    if answers.is_empty() {
        return Err(ServiceError::invalid(
            "outcome",
            Message::new("answer.outcome_required"),
        ));
    }
    let mut tx = store.begin_write().await?;
    let n = notices::get_locked(&mut tx, notice_id)
        .await
        .map_err(not_found)?;
    // Each URL belongs to one of the cases the notice lists.
    let listed = notices::cases_of_in(&mut tx, n.id).await?;
    let mut answered: Vec<(i64, &AnswerInput)> = Vec::new();
    for a in answers {
        let Some((case_id, _)) = listed.iter().find(|(_, urls)| urls.contains(&a.url)) else {
            return Err(ServiceError::invalid(
                "outcome",
                Message::new("answer.url_not_in_notice").with("url", &a.url),
            ));
        };
        answered.push((*case_id, a));
        if a.reason.chars().count() > 2000 {
            return Err(ServiceError::invalid(
                "reason",
                Message::new("answer.reason_too_long"),
            ));
        }
        check_answer(
            n.kind,
            n.delivery,
            n.sent_at,
            a.outcome,
            &a.reason,
            received_at,
            ctx.now,
        )
        .map_err(|e| ServiceError::Unprocessable(e.message()))?;
    }
    for (case_id, a) in &answered {
        let reason = a.reason.trim();
        notices::add_answer(
            &mut tx,
            n.id,
            *case_id,
            &a.url,
            a.outcome,
            (!reason.is_empty()).then_some(reason),
            received_at,
            by(ctx),
        )
        .await?;
    }
    let summary = |of: Option<i64>| -> String {
        answered
            .iter()
            .filter(|(c, _)| of.is_none_or(|o| o == *c))
            .map(|(_, a)| format!("{}: {}", a.url, a.outcome.label_nl()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    notices::add_event(
        &mut tx,
        n.id,
        NoticeEventKind::Answered,
        Some(&summary(None)),
        ctx.now,
    )
    .await?;
    let mut cases_answered: Vec<i64> = answered.iter().map(|(c, _)| *c).collect();
    cases_answered.sort_unstable();
    cases_answered.dedup();
    for case_id in &cases_answered {
        record(
            &mut tx,
            ctx,
            *case_id,
            CaseEventKind::AnswerRecorded,
            Some(&format!("{}: {}", n.reference, summary(Some(*case_id)))),
        )
        .await?;
        let case = cases::get_locked(&mut tx, *case_id).await?;
        if case.status == CaseStatus::NoticeSent {
            change_status(
                &mut tx,
                ctx,
                *case_id,
                Move::workflow(CaseStatus::NoticeSent, CaseStatus::PlatformAnswered),
                CaseEventKind::StatusChanged,
                None,
            )
            .await?;
        }
    }
    let event = ctx.event(
        AuditAction::NoticeAnswerRecorded,
        "notice",
        n.id,
        None,
        AuditOutcome::Success,
        json!({"reference": n.reference,
               "answers": answers.iter().map(|a| json!({"url": a.url, "outcome": a.outcome.as_str(),
                   "eu": a.outcome.eu_identifier()})).collect::<Vec<_>>(),
               "received_at": received_at,
               "time_to_answer_ms": n.sent_at.map(|s| received_at - s)}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    for case_id in &cases_answered {
        let mut outcomes: Vec<&'static str> = answered
            .iter()
            .filter(|(c, _)| c == case_id)
            .map(|(_, a)| a.outcome.plain_dutch())
            .collect();
        outcomes.dedup();
        let line = format!("— antwoord van het platform: {}", outcomes.join(" "));
        inform_reporters(&mut tx, settings, *case_id, &line, ctx.now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records a "still online?" check of a case's content.
pub async fn recheck(
    store: &Store,
    ctx: &Ctx,
    case_id: i64,
    checked_at: Millis,
    still_online: bool,
    note: &str,
) -> Result<()> {
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "note",
            Message::new("field.explanation_too_long"),
        ));
    }
    if checked_at > ctx.now + 60_000 {
        return Err(ServiceError::invalid(
            "checked_at",
            Message::new("recheck.in_future"),
        ));
    }
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    notices::add_recheck(
        &mut tx,
        case_id,
        checked_at,
        still_online,
        (!note.is_empty()).then_some(note),
        by(ctx),
    )
    .await?;
    let result = if still_online {
        "nog online"
    } else {
        "niet meer bereikbaar"
    };
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::Rechecked,
        Some(&format!("{}: {result}", dutch_time(checked_at))),
    )
    .await?;
    let event = ctx.event(
        AuditAction::CaseRechecked,
        "case",
        case_id,
        None,
        AuditOutcome::Success,
        json!({"reference": case.reference, "checked_at": checked_at, "still_online": still_online}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}
