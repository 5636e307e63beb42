//! Unanswered notices: a reminder to the platform after the requested handling time, an
//! escalation to the supervisors after as long again.

use serde_json::json;

use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::CaseEventKind;
use crate::domain::notice::{
    follow_up as next_follow_up, FollowUp, NoticeChannel, NoticeEventKind,
};
use crate::domain::{dutch_time, Millis};
use crate::service::{Ctx, Result};
use crate::store::notices::{self, Notice};
use crate::store::{audit, notify, Store, WriteTx};

/// Reminds platforms of overdue notices and escalates those still unanswered; safe to
/// run from several instances at once (each notice is re-read under its lock).
pub async fn follow_up(store: &Store, now: Millis) -> Result<usize> {
    let ctx = Ctx::system(now);
    let mut done = 0;
    for candidate in notices::overdue(store, now).await? {
        let mut tx = store.begin_write().await?;
        let n = notices::get_locked(&mut tx, candidate.id).await?;
        let (Some(sent_at), Some(due_at)) = (n.sent_at, n.due_at) else {
            continue;
        };
        let answered = false; // `overdue` lists unanswered notices; answers only add.
        let Some(step) = next_follow_up(
            sent_at,
            due_at,
            answered,
            n.reminded_at.is_some(),
            n.escalated_at.is_some(),
            now,
        ) else {
            continue;
        };
        match step {
            FollowUp::Remind => {
                notices::set_reminded(&mut tx, n.id, now).await?;
                if n.channel == NoticeChannel::Email {
                    let body = format!(
                        "HERINNERING — wij ontvingen nog geen antwoord op onze melding {r} van {sent}.\n\
                         REMINDER — we have not yet received an answer to our notice {r} of {sent}.\n\n\
                         ----------------------------------------------------------------------\n\n{}",
                        n.body,
                        r = n.reference,
                        sent = dutch_time(sent_at),
                    );
                    let mail_id = notify::enqueue_mail(
                        &mut tx,
                        &n.recipient,
                        &format!("Herinnering / Reminder: {}", n.subject),
                        &body,
                        now,
                    )
                    .await?;
                    notices::tag_mail(&mut tx, n.id, mail_id).await?;
                } else {
                    let people = notify::case_handlers(&mut tx).await?;
                    notify::notify_each(
                        &mut tx,
                        &people,
                            &format!(
                                "Geen antwoord op {}: stuur het platform een herinnering via het webformulier.",
                                n.reference
                            ),
                            &format!("/kennisgevingen/{}", n.id),
                            now,
                    )
                    .await?;
                }
                follow_up_recorded(&mut tx, &ctx, &n, FollowUp::Remind).await?;
            }
            FollowUp::Escalate => {
                notices::set_escalated(&mut tx, n.id, now).await?;
                let people = notify::supervisors(&mut tx).await?;
                notify::notify_each(
                    &mut tx,
                    &people,
                        &format!(
                            "Geëscaleerd: het platform antwoordde niet op {} (ook niet na een herinnering).",
                            n.reference
                        ),
                        &format!("/kennisgevingen/{}", n.id),
                        now,
                )
                .await?;
                follow_up_recorded(&mut tx, &ctx, &n, FollowUp::Escalate).await?;
            }
        }
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}

/// The delivery record, case history and audit entry of a reminder or escalation.
async fn follow_up_recorded(tx: &mut WriteTx, ctx: &Ctx, n: &Notice, step: FollowUp) -> Result<()> {
    let (event, kind, action) = match step {
        FollowUp::Remind => (
            NoticeEventKind::Reminder,
            CaseEventKind::Reminded,
            AuditAction::NoticeReminded,
        ),
        FollowUp::Escalate => (
            NoticeEventKind::Escalated,
            CaseEventKind::Escalated,
            AuditAction::NoticeEscalated,
        ),
    };
    notices::add_event(tx, n.id, event, None, ctx.now).await?;
    super::dispatch::record_for_notice(tx, ctx, n.id, kind, &n.reference).await?;
    let audit_event = ctx.event(
        action,
        "notice",
        n.id,
        None,
        AuditOutcome::Success,
        json!({"reference": n.reference, "due_at": n.due_at}),
    );
    audit::append(tx, &audit_event, ctx.now).await?;
    Ok(())
}
