//! Redress: objections from the person who posted the content or from the platform, the
//! decision on them, withdrawal of a notice that proved wrong, and the corrections register.

use serde_json::json;

use super::history::{change_status, inform_reporters, record, Move};
use super::notices::refusals::{audit_refusal, not_found};
use super::notices::{by, queue_message, route_to};
use super::{Ctx, Result, ServiceError, Settings};
use crate::domain::assessment::check_four_eyes;
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::{transition, CaseEventKind, CaseStatus, Mover};
use crate::domain::message::Message;
use crate::domain::notice::{NoticeEventKind, NoticeKind, ObjectionSource, ObjectionVerdict};
use crate::domain::notice_text::{self, Extra, NoticeFacts, Sender, WithdrawalFacts};
use crate::domain::report::{dutch_year, reference};
use crate::domain::{dutch_time, Millis};
use crate::store::cases;
use crate::store::notices::{self, NewNotice};
use crate::store::{assessments, audit, notify, platforms, redress, reports, Store};

/// An objection as typed in.
#[derive(Debug, Clone)]
pub struct ObjectionInput<'a> {
    pub source: ObjectionSource,
    /// The notice objected to, if the objection names one.
    pub notice_id: Option<i64>,
    pub received_at: Millis,
    pub summary: &'a str,
}

/// Records an objection and reopens the assessment of the case.
pub async fn record_objection(
    store: &Store,
    ctx: &Ctx,
    case_id: i64,
    input: &ObjectionInput<'_>,
) -> Result<i64> {
    let result = record_objection_tx(store, ctx, case_id, input).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::ObjectionRecorded,
        ("case", case_id),
        result,
    )
    .await
}

async fn record_objection_tx(
    store: &Store,
    ctx: &Ctx,
    case_id: i64,
    input: &ObjectionInput<'_>,
) -> Result<i64> {
    let summary = input.summary.trim();
    let n = summary.chars().count();
    if !(10..=5000).contains(&n) {
        return Err(ServiceError::invalid(
            "summary",
            Message::new("objection.summary_required"),
        ));
    }
    if input.received_at > ctx.now + 60_000 {
        return Err(ServiceError::invalid(
            "received_at",
            Message::new("objection.received_in_future"),
        ));
    }
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let sent = notices::list_by_case_in(&mut tx, case_id).await?;
    if let Some(id) = input.notice_id {
        if !sent.iter().any(|n| n.id == id) {
            return Err(ServiceError::invalid(
                "notice",
                Message::new("objection.notice_not_of_case"),
            ));
        }
    }
    if sent.is_empty() {
        return Err(ServiceError::refused("objection.nothing_sent"));
    }
    let id = redress::insert(
        &mut tx,
        case_id,
        input.notice_id,
        input.source,
        input.received_at,
        summary,
        by(ctx),
    )
    .await?;
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::ObjectionRecorded,
        Some(&format!("{}: {summary}", input.source.label_nl())),
    )
    .await?;
    if case.status != CaseStatus::InAssessment
        && transition(case.status, CaseStatus::InAssessment, Mover::Workflow).is_ok()
    {
        change_status(
            &mut tx,
            ctx,
            case_id,
            Move::workflow(case.status, CaseStatus::InAssessment),
            CaseEventKind::StatusChanged,
            Some("Herbeoordeling na bezwaar"),
        )
        .await?;
    }
    let people = notify::supervisors(&mut tx).await?;
    notify::notify_each(
        &mut tx,
        &people,
        &format!(
            "Bezwaar bij {} ({}): herbeoordeling nodig.",
            case.reference,
            input.source.label_nl().to_lowercase()
        ),
        &format!("/zaken/{case_id}#bezwaar"),
        ctx.now,
    )
    .await?;
    let event = ctx.event(
        AuditAction::ObjectionRecorded,
        "objection",
        id,
        None,
        AuditOutcome::Success,
        json!({"case": case.reference, "source": input.source.as_str(), "notice": input.notice_id}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(id)
}

/// A supervisor's decision on an objection.
#[derive(Debug, Clone, Copy)]
pub struct ObjectionDecision<'a> {
    pub objection_id: i64,
    pub verdict: ObjectionVerdict,
    pub reasons: &'a str,
    /// Withdraw the case's notices that reached a platform (only with `Upheld`).
    pub withdraw: bool,
}

pub async fn decide_objection(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    d: ObjectionDecision<'_>,
) -> Result<()> {
    audit_refusal(
        store,
        ctx,
        AuditAction::ObjectionDecided,
        ("objection", d.objection_id),
        decide_tx(store, settings, ctx, case_id, d).await,
    )
    .await
}

async fn decide_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    d: ObjectionDecision<'_>,
) -> Result<()> {
    let reasons = d.reasons.trim();
    if !(10..=5000).contains(&reasons.chars().count()) {
        return Err(ServiceError::invalid(
            "reasons",
            Message::new("objection.reasons_required"),
        ));
    }
    if d.withdraw && d.verdict != ObjectionVerdict::Upheld {
        return Err(ServiceError::invalid(
            "withdraw",
            Message::new("objection.withdraw_only_upheld"),
        ));
    }
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let objection = redress::get_locked(&mut tx, d.objection_id)
        .await
        .map_err(not_found)?;
    if objection.case_id != case_id {
        return Err(ServiceError::NotFound);
    }
    // Reassess first; then someone other than the reassessment's author decides (four eyes).
    let reassessment = assessments::newest_in(&mut tx, case_id)
        .await?
        .filter(|v| v.created_at >= objection.recorded_at);
    let Some(reassessment) = reassessment else {
        return Err(ServiceError::refused("objection.reassess_first"));
    };
    let reporters: Vec<i64> = reports::case_sources(&mut tx, case_id)
        .await?
        .iter()
        .filter_map(|s| s.reporter_user_id)
        .collect();
    check_four_eyes(
        ctx.actor_user_id.unwrap_or_default(),
        true,
        reassessment.author_user_id,
        &reporters,
    )
    .map_err(|e| ServiceError::Denied(e.message()))?;
    redress::decide(&mut tx, objection.id, d.verdict, reasons, by(ctx))
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict => {
                ServiceError::Conflict(Message::new("objection.already_decided"))
            }
            e => e.into(),
        })?;
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::ObjectionDecided,
        Some(&format!("{}: {reasons}", d.verdict.label_nl())),
    )
    .await?;
    let event = ctx.event(
        AuditAction::ObjectionDecided,
        "objection",
        objection.id,
        None,
        AuditOutcome::Success,
        json!({"case": case.reference, "verdict": d.verdict.as_str(), "withdraw": d.withdraw}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    if d.withdraw {
        let config = platforms::settings_in(&mut tx).await?;
        let of_case = notices::list_by_case_in(&mut tx, case_id).await?;
        // A group's notice is withdrawn for this case's URLs only; the other copies stand.
        let withdrawn_for_case: Vec<i64> = of_case
            .iter()
            .filter_map(|n| n.withdraws_notice_id)
            .collect();
        let targets: Vec<_> = of_case
            .into_iter()
            .filter(|n| {
                n.kind.goes_to_platform()
                    && n.delivery.reached_platform()
                    && n.withdrawn_at.is_none()
                    && !withdrawn_for_case.contains(&n.id)
                    && objection.notice_id.is_none_or(|id| id == n.id)
            })
            .collect();
        if targets.is_empty() {
            return Err(ServiceError::refused("withdrawal.nothing_to_withdraw"));
        }
        for original in targets {
            let listed = notices::cases_of_in(&mut tx, original.id).await?;
            let urls: Vec<String> = listed
                .iter()
                .find(|(id, _)| *id == case_id)
                .map(|(_, urls)| urls.clone())
                .unwrap_or_else(|| original.urls.clone());
            // The original is withdrawn once the request is withdrawn for every case it lists.
            let mut all_withdrawn = true;
            for (other, _) in listed.iter().filter(|(id, _)| *id != case_id) {
                let theirs = notices::list_by_case_in(&mut tx, *other).await?;
                if !theirs
                    .iter()
                    .any(|n| n.withdraws_notice_id == Some(original.id))
                {
                    all_withdrawn = false;
                }
            }
            let entry = match original.platform_id {
                Some(id) => platforms::get_in(&mut tx, id).await?,
                None => return Err(ServiceError::refused("withdrawal.platform_unknown")),
            };
            let route = route_to(&entry)?;
            let number =
                cases::next_number(&mut tx, &format!("notice-{}", dutch_year(ctx.now))).await?;
            let reference = reference("KG", dutch_year(ctx.now), number);
            let facts = NoticeFacts {
                reference: reference.clone(),
                case_reference: case.reference.clone(),
                platform_name: entry.name.clone(),
                urls: urls.clone(),
                locating: String::new(),
                provisions: Vec::new(),
                facts: String::new(),
                reasons: reasons.to_string(),
                category: None,
                keywords: Vec::new(),
                urgency: original.urgency,
                respond_by: String::new(),
                municipalities: Vec::new(),
                sender: Sender {
                    name: config.sender_name.clone(),
                    email: config.sender_email.clone(),
                    trusted_flagger: config.trusted_flagger,
                },
            };
            let w = WithdrawalFacts {
                original_reference: original.reference.clone(),
                original_sent: original.sent_at.map(dutch_time).unwrap_or_default(),
                reason: reasons.to_string(),
            };
            let rendered =
                notice_text::render(NoticeKind::Withdrawal, &facts, Extra::Withdrawal(&w))
                    .map_err(|_| ServiceError::refused("withdrawal.cannot_render"))?;
            let withdrawal_id = queue_message(
                &mut tx,
                ctx,
                &case,
                &NewNotice {
                    reference: &reference,
                    case_id,
                    assessment_id: None,
                    kind: NoticeKind::Withdrawal,
                    platform_id: Some(entry.id),
                    route: &route,
                    subject: &rendered.subject,
                    body: &rendered.body,
                    urls: &urls,
                    cases: &[(case_id, urls.clone())],
                    urgency: original.urgency,
                    withdraws_notice_id: Some(original.id),
                },
            )
            .await?;
            if all_withdrawn {
                redress::mark_withdrawn(&mut tx, original.id, ctx.now).await?;
            }
            redress::add_correction(
                &mut tx,
                case_id,
                original.id,
                Some(objection.id),
                Some(withdrawal_id),
                reasons,
                by(ctx),
            )
            .await?;
            notices::add_event(
                &mut tx,
                original.id,
                NoticeEventKind::Withdrawn,
                Some(&reference),
                ctx.now,
            )
            .await?;
            record(
                &mut tx,
                ctx,
                case_id,
                CaseEventKind::NoticeWithdrawn,
                Some(&format!(
                    "{} ingetrokken met {reference}",
                    original.reference
                )),
            )
            .await?;
            let event = ctx.event(
                AuditAction::NoticeWithdrawn,
                "notice",
                original.id,
                None,
                AuditOutcome::Success,
                json!({"reference": original.reference, "withdrawal": reference,
                       "objection": objection.id, "reasons": reasons}),
            );
            audit::append(&mut tx, &event, ctx.now).await?;
        }
        inform_reporters(
            &mut tx,
            settings,
            case_id,
            "— na een gegrond bezwaar heeft het centrale team het verzoek aan het platform ingetrokken.",
            ctx.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
