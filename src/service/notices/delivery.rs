//! A message on its way: what the outbox reports (sent, failed, bounced), a submission
//! through a platform's web form, and a bounce recorded by hand. The clock for the
//! platform's answer starts when the message reached the platform.

use serde_json::json;

use super::dispatch::record_for_notice;
use super::refusals::{audit_refusal, not_found};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::{CaseEventKind, CaseStatus};
use crate::domain::message::Message;
use crate::domain::notice::{Delivery, NoticeChannel, NoticeEventKind};
use crate::domain::Millis;
use crate::service::history::{change_status, Move};
use crate::service::{Ctx, Result, ServiceError, Settings};
use crate::store::cases;
use crate::store::notices::{self, Notice};
use crate::store::notify::OutboxMail;
use crate::store::{audit, notify, Store, WriteTx};

/// The notice left for the platform (the channel accepted it, or the analyst submitted
/// it through the web form): the clock for the answer starts.
async fn reached_platform(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    n: &Notice,
    delivery: Delivery,
) -> Result<()> {
    // Only a platform is asked to answer; a withdrawal or referral has no deadline.
    let due = n
        .kind
        .goes_to_platform()
        .then(|| settings.answer_deadlines.due(n.urgency, ctx.now));
    notices::set_delivery(tx, n.id, delivery, Some(ctx.now), due, None).await?;
    let kind_of_event = if delivery == Delivery::Sent {
        NoticeEventKind::Sent
    } else {
        NoticeEventKind::SubmittedWebForm
    };
    notices::add_event(tx, n.id, kind_of_event, None, ctx.now).await?;
    let note = format!("{}: {}", n.reference, delivery.label_nl());
    for case_id in record_for_notice(tx, ctx, n.id, CaseEventKind::NoticeSent, &note).await? {
        let case = cases::get_locked(tx, case_id).await?;
        if n.kind.goes_to_platform() && case.status == CaseStatus::Decided {
            change_status(
                tx,
                ctx,
                case_id,
                Move::workflow(CaseStatus::Decided, CaseStatus::NoticeSent),
                CaseEventKind::StatusChanged,
                Some(&n.reference),
            )
            .await?;
        }
    }
    Ok(())
}

/// The outbox delivered `mail`: marks it sent and, for a notice, records delivery.
pub async fn mail_sent(
    store: &Store,
    settings: &Settings,
    mail: &OutboxMail,
    now: Millis,
) -> Result<()> {
    let ctx = Ctx::system(now);
    let mut tx = store.begin_write().await?;
    notify::mark_sent_in(&mut tx, mail.id, now).await?;
    if let Some(notice_id) = mail.notice_id {
        let n = notices::get_locked(&mut tx, notice_id).await?;
        if n.delivery == Delivery::Queued {
            reached_platform(&mut tx, settings, &ctx, &n, Delivery::Sent).await?;
            let event = ctx.event(
                AuditAction::NoticeSent,
                "notice",
                n.id,
                None,
                AuditOutcome::Success,
                json!({"reference": n.reference, "to": mail.to_addr, "mail": mail.id}),
            );
            audit::append(&mut tx, &event, now).await?;
        } else if n.delivery == Delivery::Sent || n.delivery == Delivery::SubmittedViaWebForm {
            // A reminder for this notice went out.
            notices::add_event(&mut tx, n.id, NoticeEventKind::ReminderSent, None, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The outbox could not deliver `mail`. A permanent refusal (a bounce at submission)
/// ends the attempts and is reported to the team; otherwise it is retried at `retry_at`.
pub async fn mail_failed(
    store: &Store,
    mail: &OutboxMail,
    error: &str,
    permanent: bool,
    retry_at: Millis,
    now: Millis,
) -> Result<()> {
    let ctx = Ctx::system(now);
    let mut tx = store.begin_write().await?;
    notify::mark_failed_in(&mut tx, mail.id, error, retry_at, permanent.then_some(now)).await?;
    if let Some(notice_id) = mail.notice_id {
        let n = notices::get_locked(&mut tx, notice_id).await?;
        if permanent && n.delivery == Delivery::Queued {
            notices::set_delivery(&mut tx, n.id, Delivery::Bounced, None, None, Some(error))
                .await?;
            notices::add_event(&mut tx, n.id, NoticeEventKind::Bounced, Some(error), now).await?;
            record_for_notice(
                &mut tx,
                &ctx,
                n.id,
                CaseEventKind::NoticeFailed,
                &format!("{}: {error}", n.reference),
            )
            .await?;
            let people = notify::case_handlers(&mut tx).await?;
            notify::notify_each(
                &mut tx,
                &people,
                    &format!(
                        "{} kon niet worden afgeleverd bij {}: controleer het contactpunt van het platform.",
                        n.reference, n.recipient
                    ),
                    &format!("/kennisgevingen/{}", n.id),
                    now,
            )
            .await?;
            let event = ctx.event(
                AuditAction::NoticeDeliveryFailed,
                "notice",
                n.id,
                None,
                AuditOutcome::Failure,
                json!({"reference": n.reference, "error": error, "permanent": true}),
            );
            audit::append(&mut tx, &event, now).await?;
        } else {
            notices::add_event(
                &mut tx,
                n.id,
                NoticeEventKind::AttemptFailed,
                Some(error),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The analyst submitted a notice through the platform's web form.
pub async fn record_web_form(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    notice_id: i64,
    platform_reference: &str,
) -> Result<()> {
    let platform_reference = platform_reference.trim();
    let result = async {
        if platform_reference.is_empty() || platform_reference.chars().count() > 200 {
            return Err(ServiceError::invalid(
                "platform_reference",
                Message::new("notice.platform_reference_required"),
            ));
        }
        let mut tx = store.begin_write().await?;
        let n = notices::get_locked(&mut tx, notice_id)
            .await
            .map_err(not_found)?;
        if n.delivery != Delivery::AwaitingWebForm {
            return Err(ServiceError::refused("notice.not_awaiting_web_form"));
        }
        notices::set_platform_reference(&mut tx, n.id, platform_reference).await?;
        reached_platform(&mut tx, settings, ctx, &n, Delivery::SubmittedViaWebForm).await?;
        let event = ctx.event(
            AuditAction::NoticeSubmittedViaWebForm,
            "notice",
            n.id,
            None,
            AuditOutcome::Success,
            json!({"reference": n.reference, "platform_reference": platform_reference}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    audit_refusal(
        store,
        ctx,
        AuditAction::NoticeSubmittedViaWebForm,
        ("notice", notice_id),
        result,
    )
    .await
}

/// A bounce that arrived later (a delivery-status notification in the team's mailbox):
/// the analyst records it, and the notice can be sent again once the address is fixed.
pub async fn record_bounce(store: &Store, ctx: &Ctx, notice_id: i64, detail: &str) -> Result<()> {
    let detail = detail.trim();
    let result = async {
        if !(5..=2000).contains(&detail.chars().count()) {
            return Err(ServiceError::invalid(
                "bounce",
                Message::new("notice.bounce_detail_required"),
            ));
        }
        let mut tx = store.begin_write().await?;
        let n = notices::get_locked(&mut tx, notice_id)
            .await
            .map_err(not_found)?;
        if n.channel != NoticeChannel::Email || n.delivery != Delivery::Sent {
            return Err(ServiceError::refused("notice.bounce_only_sent_email"));
        }
        if notices::answers_of_notice_in(&mut tx, n.id).await? > 0 {
            return Err(ServiceError::refused("notice.bounce_after_answer"));
        }
        notices::set_delivery(&mut tx, n.id, Delivery::Bounced, None, None, Some(detail)).await?;
        notices::add_event(
            &mut tx,
            n.id,
            NoticeEventKind::Bounced,
            Some(detail),
            ctx.now,
        )
        .await?;
        record_for_notice(
            &mut tx,
            ctx,
            n.id,
            CaseEventKind::NoticeFailed,
            &format!("{}: {detail}", n.reference),
        )
        .await?;
        let event = ctx.event(
            AuditAction::NoticeDeliveryFailed,
            "notice",
            n.id,
            None,
            AuditOutcome::Failure,
            json!({"reference": n.reference, "error": detail, "recorded_by_hand": true}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    audit_refusal(
        store,
        ctx,
        AuditAction::NoticeDeliveryFailed,
        ("notice", notice_id),
        result,
    )
    .await
}
