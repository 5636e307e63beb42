//! Assessing a case and the four-eyes review: a new version of the assessment, and a
//! supervisor's verdict on it, which on approval issues the message.

use serde_json::json;

use super::dispatch::{draft, issue, platform_of, Draft, Numbering, Subject};
use super::refusals::{audit_refusal, not_found, refused};
use crate::domain::assessment::{
    assessment_open, check_decision, check_four_eyes, validate, Assessment, AssessmentDraft,
    AssessmentOptions, Review, Version,
};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::{CaseEventKind, CaseStatus};
use crate::domain::group::GroupVersion;
use crate::domain::message::Message;
use crate::domain::notice::NoticeKind;
use crate::domain::notice_text::Art9Basis;
use crate::service::history::{change_status, inform_reporters, record, Move};
use crate::service::{Ctx, Result, ServiceError, Settings};
use crate::store::assessments;
use crate::store::cases::{self, Case};
use crate::store::notices::{self};
use crate::store::platforms::{self, NoticeSettings};
use crate::store::reports;
use crate::store::{audit, notify, Store, StoreError, WriteTx};

pub(super) fn art9_basis(s: &NoticeSettings) -> Option<Art9Basis> {
    let basis = s.art9_legal_basis.as_deref().map(str::trim).unwrap_or("");
    if basis.is_empty() {
        return None;
    }
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_default();
    Some(Art9Basis {
        legal_basis: basis.to_string(),
        authority: or_unknown(&s.art9_authority),
        redress_platform: or_unknown(&s.art9_redress_platform),
        redress_poster: or_unknown(&s.art9_redress_poster),
    })
}

/// What the organisation's configuration allows in an assessment.
pub fn options(s: &NoticeSettings) -> AssessmentOptions {
    AssessmentOptions {
        art9_available: art9_basis(s).is_some(),
    }
}

/// Saves a new version of a case's assessment. Returns its version number.
pub async fn assess(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    draft: &AssessmentDraft,
) -> Result<i64> {
    let object = ("case", case_id);
    audit_refusal(
        store,
        ctx,
        AuditAction::AssessmentSaved,
        object,
        assess_tx(store, settings, ctx, case_id, draft).await,
    )
    .await
}

/// Keeps the form as this person's draft of the case's assessment, unchecked, so that work
/// can stop and resume (for instance while a platform's contact point is still missing).
/// Only while a new version may be written; the draft is seen by its writer alone.
pub async fn save_draft(
    store: &Store,
    ctx: &Ctx,
    case_id: i64,
    draft: &AssessmentDraft,
) -> Result<()> {
    let author = ctx.actor_user_id.ok_or(ServiceError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    may_write_version(&mut tx, &case).await?;
    crate::store::assessment_drafts::save(&mut tx, case_id, author, draft, ctx.now).await?;
    let event = ctx.event(
        AuditAction::AssessmentDraftSaved,
        "case",
        case_id,
        None,
        AuditOutcome::Success,
        json!({"case": case.reference}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses when no new version of the case's assessment may be written now
/// (`domain::assessment::assessment_open`, with what the transaction reads).
pub(crate) async fn may_write_version(tx: &mut WriteTx, case: &Case) -> Result<()> {
    let message_sent = !notices::list_by_case_in(tx, case.id).await?.is_empty();
    let open_objection = crate::store::redress::has_open(tx, case.id).await?;
    assessment_open(case.status, message_sent, open_objection)
        .map_err(|e| ServiceError::Unprocessable(e.message()))
}

async fn assess_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    draft: &AssessmentDraft,
) -> Result<i64> {
    ctx.actor_user_id.ok_or(ServiceError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let config = platforms::settings_in(&mut tx).await?;
    let a = validate(draft, options(&config)).map_err(ServiceError::Rejected)?;
    may_write_version(&mut tx, &case).await?;
    if a.decision.goes_to_platform() {
        platform_of(&mut tx, &case).await?;
    }
    let (_, version, review) = write_version(&mut tx, settings, ctx, &case, &a, None).await?;
    if review == Review::AwaitingApproval {
        tell_supervisors(
            &mut tx,
            ctx,
            &format!(
                "Beoordeling van {} wacht op uw goedkeuring: {}",
                case.reference,
                a.decision.label_nl()
            ),
            &format!("/zaken/{case_id}#goedkeuring"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(version)
}

/// Tells every supervisor but the author that a version waits for their approval.
pub(crate) async fn tell_supervisors(
    tx: &mut WriteTx,
    ctx: &Ctx,
    text: &str,
    link: &str,
) -> Result<()> {
    for (supervisor, _) in notify::supervisors(tx).await? {
        if Some(supervisor) != ctx.actor_user_id {
            notify::notify(tx, supervisor, text, link, ctx.now).await?;
        }
    }
    Ok(())
}

/// Writes version `a` of the case's assessment by the acting person (the caller holds the
/// case lock and has checked [`may_write_version`]): the version, the case's status, its
/// history and the audit entry; a decision that needs no approval decides the case at once
/// and tells the reporters. Returns (assessment id, version number, review).
pub(crate) async fn write_version(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    case: &Case,
    a: &Assessment,
    group: Option<GroupVersion>,
) -> Result<(i64, i64, Review)> {
    let author = ctx.actor_user_id.ok_or(ServiceError::NotFound)?;
    let case_id = case.id;
    let (assessment_id, version) =
        assessments::insert(tx, case_id, author, &ctx.actor_label, a, group, ctx.now).await?;
    // The author's draft has become this version.
    crate::store::assessment_drafts::delete(tx, case_id, author).await?;
    if case.status != CaseStatus::InAssessment {
        change_status(
            tx,
            ctx,
            case_id,
            Move::workflow(case.status, CaseStatus::InAssessment),
            CaseEventKind::StatusChanged,
            None,
        )
        .await?;
    }
    let review = Review::initial(a.decision);
    let of_group = group
        .map(|g| format!(" (groepsbeoordeling, versie {})", g.version))
        .unwrap_or_default();
    record(
        tx,
        ctx,
        case_id,
        CaseEventKind::Assessed,
        Some(&format!(
            "Versie {version}{of_group}: {} — {}",
            a.decision.label_nl(),
            review.label(false)
        )),
    )
    .await?;
    let event = ctx.event(
        AuditAction::AssessmentSaved,
        "assessment",
        assessment_id,
        None,
        AuditOutcome::Success,
        json!({"case": case.reference, "version": version, "class": a.class.as_str(),
               "decision": a.decision.as_str(),
               "group": group.map(|g| g.group_id), "group_version": group.map(|g| g.version),
               "provisions": a.provisions.iter().map(|p| p.as_str()).collect::<Vec<_>>()}),
    );
    audit::append(tx, &event, ctx.now).await?;
    if review == Review::NotNeeded {
        change_status(
            tx,
            ctx,
            case_id,
            Move::workflow(CaseStatus::InAssessment, CaseStatus::Decided),
            CaseEventKind::StatusChanged,
            Some(a.decision.label_nl()),
        )
        .await?;
        let line = format!(
            "is beoordeeld door het centrale team. Besluit: {}.",
            a.decision.label_nl().to_lowercase()
        );
        inform_reporters(tx, settings, case_id, &line, ctx.now).await?;
    }
    Ok((assessment_id, version, review))
}

/// The reviewer, as far as the four-eyes rule needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Reviewer {
    pub user_id: i64,
    pub is_supervisor: bool,
}

/// A supervisor's verdict on one version of a case's assessment.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    pub case_id: i64,
    pub assessment_id: i64,
    pub approve: bool,
    /// Required when sending back.
    pub reason: &'a str,
}

/// A supervisor's verdict on the newest version of a case's assessment.
pub async fn review(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    reviewer: Reviewer,
    verdict: Verdict<'_>,
) -> Result<()> {
    let Verdict {
        assessment_id,
        approve,
        ..
    } = verdict;
    let result = review_tx(store, settings, ctx, reviewer, verdict).await;
    verdict_refusal(store, ctx, approve, ("assessment", assessment_id), result).await
}

/// Passes a verdict's result on; a refusal — also a conflict (a newer version, one already
/// reviewed) — is first recorded in the audit trail as a failed (or denied) approval or
/// sending back of `object`.
pub(crate) async fn verdict_refusal(
    store: &Store,
    ctx: &Ctx,
    approve: bool,
    object: (&str, i64),
    result: Result<()>,
) -> Result<()> {
    let action = if approve {
        AuditAction::AssessmentApproved
    } else {
        AuditAction::AssessmentSentBack
    };
    match result {
        Err(e @ (ServiceError::Store(_) | ServiceError::NotFound)) => Err(e),
        Err(e) => {
            let outcome = match e {
                ServiceError::Denied(_) => AuditOutcome::Denied,
                _ => AuditOutcome::Failure,
            };
            refused(store, ctx, action, object, outcome, e).await
        }
        Ok(()) => Ok(()),
    }
}

/// What approving the version that awaits approval would send — made by the function that
/// sends it (`dispatch::draft`), so the four eyes see the message itself — or why it could not
/// be sent now (no contact point, no sender address, …). `None` when no version awaits
/// approval or its decision sends nothing. Nothing is written: the transaction is not
/// committed, and the notice number shown is the one the message would get now.
pub async fn approval_preview(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
) -> Result<Option<std::result::Result<Draft, Message>>> {
    let case = cases::get(store, case_id).await.map_err(not_found)?;
    let mut tx = store.begin_write().await?;
    let Some(v) = assessments::newest_in(&mut tx, case_id).await? else {
        return Ok(None);
    };
    // A group's version sends one message per platform: its page shows those.
    if v.review(v.version) != Review::AwaitingApproval || v.group.is_some() {
        return Ok(None);
    }
    let config = platforms::settings_in(&mut tx).await?;
    if let Err(e) = check_decision(
        v.a.class,
        &v.a.provisions,
        v.a.decision,
        v.a.category,
        options(&config),
    ) {
        return Ok(Some(Err(e.message())));
    }
    let subject = Subject::load(&mut tx, case).await?;
    let made = draft(
        &mut tx,
        settings,
        ctx,
        std::slice::from_ref(&subject),
        &v,
        &config,
        Numbering::Show,
    )
    .await;
    drop(tx);
    match made {
        Ok(Some(d)) => Ok(Some(Ok(d))),
        Ok(None) => Ok(None),
        Err(ServiceError::Unprocessable(m)) => Ok(Some(Err(m))),
        Err(e) => Err(e),
    }
}

async fn review_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    reviewer: Reviewer,
    verdict: Verdict<'_>,
) -> Result<()> {
    let Verdict {
        case_id,
        assessment_id,
        approve,
        reason,
    } = verdict;
    let reason = check_review_reason(approve, reason)?;
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let v = assessments::newest_in(&mut tx, case_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if v.id != assessment_id {
        return Err(ServiceError::Conflict(Message::new("review.newer_version")));
    }
    if v.group.is_some() {
        // A group's versions are approved together, so that one notice per platform leaves.
        return Err(ServiceError::refused("review.group_version"));
    }
    awaiting(&v)?;
    let sources = reports::case_sources(&mut tx, case_id).await?;
    let reporters: Vec<i64> = sources.iter().filter_map(|s| s.reporter_user_id).collect();
    check_four_eyes(
        reviewer.user_id,
        reviewer.is_supervisor,
        v.author_user_id,
        &reporters,
    )
    .map_err(|e| ServiceError::Denied(e.message()))?;
    if !approve {
        send_back_version(&mut tx, ctx, reviewer, &case, &v, reason).await?;
        notify::notify(
            &mut tx,
            v.author_user_id,
            &format!(
                "Uw beoordeling van {} (versie {}) is teruggestuurd: {reason}",
                case.reference, v.version
            ),
            &format!("/zaken/{case_id}#beoordeling"),
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let config = platforms::settings_in(&mut tx).await?;
    approvable(&case, &v, &config)?;
    approve_version(&mut tx, ctx, reviewer, &case, &v, reason).await?;
    let subject = Subject { case, sources };
    let notice = issue(
        &mut tx,
        settings,
        ctx,
        std::slice::from_ref(&subject),
        &v,
        &config,
    )
    .await?;
    decided(&mut tx, settings, ctx, &subject.case, &v, notice).await?;
    tx.commit().await?;
    Ok(())
}

/// The reason given with a verdict, trimmed: required when sending back, bounded always.
pub(crate) fn check_review_reason(approve: bool, reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if !approve && reason.chars().count() < 5 {
        return Err(ServiceError::invalid(
            "reason",
            Message::new("review.reason_required"),
        ));
    }
    if reason.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "reason",
            Message::new("field.explanation_too_long"),
        ));
    }
    Ok(reason)
}

/// Refuses unless `v` (the newest version of its case) waits for a supervisor.
pub(crate) fn awaiting(v: &Version) -> Result<()> {
    match v.review(v.version) {
        Review::AwaitingApproval => Ok(()),
        Review::NotNeeded => Err(ServiceError::refused("review.not_needed")),
        _ => Err(ServiceError::Conflict(Message::new(
            "review.already_reviewed",
        ))),
    }
}

/// Refuses the approval of `v` when its case is not in assessment or its decision does not
/// hold under the organisation's configuration now.
pub(crate) fn approvable(case: &Case, v: &Version, config: &NoticeSettings) -> Result<()> {
    if case.status != CaseStatus::InAssessment {
        return Err(ServiceError::Unprocessable(
            Message::new("review.case_not_in_assessment").label(
                "status",
                case.status.label_nl(),
                case.status.label_en(),
            ),
        ));
    }
    check_decision(
        v.a.class,
        &v.a.provisions,
        v.a.decision,
        v.a.category,
        options(config),
    )
    .map_err(|e| ServiceError::Unprocessable(e.message()))
}

/// Records the supervisor's approval of `v`: the verdict, the case's history, the audit entry.
pub(crate) async fn approve_version(
    tx: &mut WriteTx,
    ctx: &Ctx,
    reviewer: Reviewer,
    case: &Case,
    v: &Version,
    reason: &str,
) -> Result<()> {
    assessments::review(
        tx,
        v.id,
        true,
        reviewer.user_id,
        &ctx.actor_label,
        (!reason.is_empty()).then_some(reason),
        ctx.now,
    )
    .await
    .map_err(already_reviewed)?;
    record(
        tx,
        ctx,
        case.id,
        CaseEventKind::Approved,
        Some(&format!(
            "Versie {}: {}",
            v.version,
            v.a.decision.label_nl()
        )),
    )
    .await?;
    let event = ctx.event(
        AuditAction::AssessmentApproved,
        "assessment",
        v.id,
        None,
        AuditOutcome::Success,
        json!({"case": case.reference, "version": v.version, "author": v.author_user_id,
               "decision": v.a.decision.as_str(),
               "group": v.group.map(|g| g.group_id), "group_version": v.group.map(|g| g.version)}),
    );
    audit::append(tx, &event, ctx.now).await?;
    Ok(())
}

/// Records that the supervisor sent `v` back, with the reason.
pub(crate) async fn send_back_version(
    tx: &mut WriteTx,
    ctx: &Ctx,
    reviewer: Reviewer,
    case: &Case,
    v: &Version,
    reason: &str,
) -> Result<()> {
    assessments::review(
        tx,
        v.id,
        false,
        reviewer.user_id,
        &ctx.actor_label,
        Some(reason),
        ctx.now,
    )
    .await
    .map_err(already_reviewed)?;
    record(
        tx,
        ctx,
        case.id,
        CaseEventKind::SentBack,
        Some(&format!("Versie {}: {reason}", v.version)),
    )
    .await?;
    let event = ctx.event(
        AuditAction::AssessmentSentBack,
        "assessment",
        v.id,
        None,
        AuditOutcome::Success,
        json!({"case": case.reference, "version": v.version, "reason": reason,
               "group": v.group.map(|g| g.group_id), "group_version": v.group.map(|g| g.version)}),
    );
    audit::append(tx, &event, ctx.now).await?;
    Ok(())
}

/// After approval and the message: the case is decided, and its reporters are told what
/// was sent.
pub(crate) async fn decided(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    case: &Case,
    v: &Version,
    notice: Option<NoticeKind>,
) -> Result<()> {
    change_status(
        tx,
        ctx,
        case.id,
        Move::workflow(CaseStatus::InAssessment, CaseStatus::Decided),
        CaseEventKind::StatusChanged,
        Some(v.a.decision.label_nl()),
    )
    .await?;
    let line = match notice {
        Some(NoticeKind::Art16Notice) => {
            "is beoordeeld: het centrale team vraagt het platform de inhoud te verwijderen of in Nederland ontoegankelijk te maken."
        }
        Some(NoticeKind::TosReferral) => {
            "is beoordeeld: het centrale team vraagt het platform de inhoud te toetsen aan zijn gebruiksvoorwaarden."
        }
        Some(NoticeKind::Art9Order) => {
            "is beoordeeld: het platform krijgt een bevel om op te treden tegen de inhoud."
        }
        Some(NoticeKind::PoliceReferral) => {
            "is beoordeeld: het centrale team verwijst de inhoud door naar politie en Openbaar Ministerie."
        }
        Some(NoticeKind::MayorAdvice) => {
            "is beoordeeld: het centrale team stuurt de burgemeester een advies (zie e-mail)."
        }
        Some(NoticeKind::Withdrawal) | None => "",
    };
    if !line.is_empty() {
        inform_reporters(tx, settings, case.id, line, ctx.now).await?;
    }
    Ok(())
}

fn already_reviewed(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict => ServiceError::Conflict(Message::new("review.already_reviewed")),
        e => e.into(),
    }
}
