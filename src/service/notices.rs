//! Assessment, four-eyes review, outgoing notices, delivery, the platforms' answers and
//! the follow-up of unanswered notices.
//!
//! Every refusal of a request that would change something is itself audited (with the
//! outcome `failure` or `denied`) in a transaction of its own, after the refused one
//! has been rolled back: nothing changes, but the attempt is on record.

use serde_json::json;

use super::cases::{change_status, inform_reporters, record};
use super::intake::IntakeSettings;
use super::{Ctx, Result, ServiceError};
use crate::domain::assessment::{
    check_decision, check_four_eyes, validate, AssessmentDraft, AssessmentOptions, Review,
};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::{transition, CaseStatus, Mover};
use crate::domain::notice::{
    check_answer, follow_up as next_follow_up, ContactChannel, Delivery, FollowUp, NoticeKind,
    Outcome,
};
use crate::domain::notice_text::{self, Art9Basis, Extra, NoticeFacts, Sender};
use crate::domain::report::{dutch_year, reference};
use crate::domain::{dutch_time, Millis};
use crate::store::assessments::{self, Version};
use crate::store::cases::{self, Case, CaseEventKind};
use crate::store::notices::{self, NewNotice, Notice};
use crate::store::notify::{self, OutboxMail};
use crate::store::platforms::{self, NoticeSettings};
use crate::store::{audit, reports, Store, StoreError, WriteTx};

pub(crate) fn not_found(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound => ServiceError::NotFound,
        e => e.into(),
    }
}

/// Records a refused attempt and returns the refusal.
pub(crate) async fn refused<T>(
    store: &Store,
    ctx: &Ctx,
    action: AuditAction,
    object: (&str, i64),
    outcome: AuditOutcome,
    error: ServiceError,
) -> Result<T> {
    let why = match &error {
        ServiceError::Unprocessable(m) | ServiceError::Conflict(m) => m.clone(),
        ServiceError::Invalid { message, .. } => message.clone(),
        ServiceError::Rejected(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        e => e.to_string(),
    };
    let mut tx = store.begin_write().await?;
    let event = ctx.event(
        action,
        object.0,
        object.1,
        None,
        outcome,
        json!({ "refused": why }),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Err(error)
}

/// Passes `result` on; a refusal (bad input, or a state that does not allow the request) is
/// first recorded in the audit trail as a failed attempt on `object`.
pub(crate) async fn audit_refusal<T>(
    store: &Store,
    ctx: &Ctx,
    action: AuditAction,
    object: (&str, i64),
    result: Result<T>,
) -> Result<T> {
    match result {
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Rejected(_)
            | ServiceError::Unprocessable(_)),
        ) => refused(store, ctx, action, object, AuditOutcome::Failure, e).await,
        other => other,
    }
}

fn art9_basis(s: &NoticeSettings) -> Option<Art9Basis> {
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
    settings: &IntakeSettings,
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

async fn assess_tx(
    store: &Store,
    settings: &IntakeSettings,
    ctx: &Ctx,
    case_id: i64,
    draft: &AssessmentDraft,
) -> Result<i64> {
    let author = ctx.actor_user_id.ok_or(ServiceError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let config = platforms::settings_in(&mut tx).await?;
    let a = validate(draft, options(&config)).map_err(ServiceError::Rejected)?;
    if case.status != CaseStatus::InAssessment
        && transition(case.status, CaseStatus::InAssessment, Mover::Workflow).is_err()
    {
        return Err(ServiceError::Unprocessable(format!(
            "Een zaak met status '{}' kan niet (opnieuw) worden beoordeeld.",
            case.status.label_nl()
        )));
    }
    if !notices::list_by_case_in(&mut tx, case_id).await?.is_empty()
        && !crate::store::redress::has_open(&mut tx, case_id).await?
    {
        return Err(ServiceError::Unprocessable(
            "Bij deze zaak is al een bericht verstuurd. Een nieuwe beoordeling volgt op een bezwaar: \
             leg eerst het bezwaar vast."
                .into(),
        ));
    }
    if a.decision.goes_to_platform() {
        channel_of(&mut tx, &case).await?;
    }
    let (assessment_id, version) =
        assessments::insert(&mut tx, case_id, author, &ctx.actor_label, &a, ctx.now).await?;
    if case.status != CaseStatus::InAssessment {
        change_status(
            &mut tx,
            ctx,
            case_id,
            case.status,
            CaseStatus::InAssessment,
            CaseEventKind::StatusChanged,
            None,
        )
        .await?;
    }
    let review = Review::initial(a.decision);
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::Assessed,
        None,
        None,
        Some(&format!(
            "Versie {version}: {} — {}",
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
               "provisions": a.provisions.iter().map(|p| p.as_str()).collect::<Vec<_>>()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    if review == Review::AwaitingApproval {
        for (supervisor, _) in notify::supervisors(&mut tx).await? {
            if supervisor != author {
                notify::notify(
                    &mut tx,
                    supervisor,
                    &format!(
                        "Beoordeling van {} wacht op uw goedkeuring: {}",
                        case.reference,
                        a.decision.label_nl()
                    ),
                    &format!("/zaken/{case_id}#goedkeuring"),
                    ctx.now,
                )
                .await?;
            }
        }
    } else {
        change_status(
            &mut tx,
            ctx,
            case_id,
            CaseStatus::InAssessment,
            CaseStatus::Decided,
            CaseEventKind::StatusChanged,
            Some(a.decision.label_nl()),
        )
        .await?;
        let line = format!(
            "is beoordeeld door het centrale team. Besluit: {}.",
            a.decision.label_nl().to_lowercase()
        );
        inform_reporters(&mut tx, settings, case_id, &line, ctx.now).await?;
    }
    tx.commit().await?;
    Ok(version)
}

/// How the platform hosting the case's content takes notices; refuses when it is not set.
async fn channel_of(
    tx: &mut WriteTx,
    case: &Case,
) -> Result<crate::store::platforms::PlatformEntry> {
    let entry = platforms::for_content(tx, case.platform.as_str(), &case.domain).await?;
    let name = entry
        .as_ref()
        .map(|e| e.name.clone())
        .unwrap_or_else(|| case.domain.clone());
    match entry {
        Some(e)
            if (e.channel == ContactChannel::Email
                && e.contact_email.as_deref().is_some_and(|m| !m.is_empty()))
                || e.channel == ContactChannel::WebForm =>
        {
            Ok(e)
        }
        _ => Err(ServiceError::Unprocessable(format!(
            "Voor {name} is geen meldkanaal ingesteld: een bericht kan daar niet heen. \
             Een beheerder van het centrale team vult het contactpunt in onder Beheer → Platforms."
        ))),
    }
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
    settings: &IntakeSettings,
    ctx: &Ctx,
    reviewer: Reviewer,
    verdict: Verdict<'_>,
) -> Result<()> {
    let Verdict {
        assessment_id,
        approve,
        ..
    } = verdict;
    let action = if approve {
        AuditAction::AssessmentApproved
    } else {
        AuditAction::AssessmentSentBack
    };
    match review_tx(store, settings, ctx, reviewer, verdict).await {
        Err(ServiceError::Store(e)) => Err(ServiceError::Store(e)),
        Err(ServiceError::NotFound) => Err(ServiceError::NotFound),
        Err(e) => {
            let outcome = match e {
                ServiceError::Invalid { .. } => AuditOutcome::Failure,
                ServiceError::Unprocessable(ref m) if m.starts_with("Vier ogen") => {
                    AuditOutcome::Denied
                }
                _ => AuditOutcome::Failure,
            };
            refused(
                store,
                ctx,
                action,
                ("assessment", assessment_id),
                outcome,
                e,
            )
            .await
        }
        Ok(()) => Ok(()),
    }
}

async fn review_tx(
    store: &Store,
    settings: &IntakeSettings,
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
    let reason = reason.trim();
    if !approve && reason.chars().count() < 5 {
        return Err(ServiceError::invalid(
            "reason",
            "Schrijf op waarom u de beoordeling terugstuurt.",
        ));
    }
    if reason.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "reason",
            "De toelichting is te lang (hoogstens 2000 tekens).",
        ));
    }
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let v = assessments::newest_in(&mut tx, case_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if v.id != assessment_id {
        return Err(ServiceError::Conflict(
            "Er is inmiddels een nieuwere versie van deze beoordeling. Bekijk die eerst.".into(),
        ));
    }
    match v.review(v.version) {
        Review::AwaitingApproval => {}
        Review::NotNeeded => {
            return Err(ServiceError::Unprocessable(
                "Voor dit besluit is geen goedkeuring nodig: er gaat niets naar buiten.".into(),
            ))
        }
        _ => {
            return Err(ServiceError::Conflict(
                "Deze versie is al beoordeeld.".into(),
            ))
        }
    }
    let sources = reports::case_sources(&mut tx, case_id).await?;
    let reporters: Vec<i64> = sources.iter().filter_map(|s| s.reporter_user_id).collect();
    check_four_eyes(
        reviewer.user_id,
        reviewer.is_supervisor,
        v.author_user_id,
        &reporters,
    )
    .map_err(|e| ServiceError::Unprocessable(e.dutch().into()))?;
    let reviewer_name = ctx.actor_label.clone();
    if !approve {
        assessments::review(
            &mut tx,
            v.id,
            false,
            reviewer.user_id,
            &reviewer_name,
            Some(reason),
            ctx.now,
        )
        .await
        .map_err(already_reviewed)?;
        record(
            &mut tx,
            ctx,
            case_id,
            CaseEventKind::SentBack,
            None,
            None,
            Some(&format!("Versie {}: {reason}", v.version)),
        )
        .await?;
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
        let event = ctx.event(
            AuditAction::AssessmentSentBack,
            "assessment",
            v.id,
            None,
            AuditOutcome::Success,
            json!({"case": case.reference, "version": v.version, "reason": reason}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
        return Ok(());
    }
    if case.status != CaseStatus::InAssessment {
        return Err(ServiceError::Unprocessable(format!(
            "De zaak staat niet meer in beoordeling (status: {}); schrijf zo nodig een nieuwe versie.",
            case.status.label_nl()
        )));
    }
    let config = platforms::settings_in(&mut tx).await?;
    check_decision(
        v.a.class,
        &v.a.provisions,
        v.a.decision,
        v.a.category,
        options(&config),
    )
    .map_err(|e| ServiceError::Unprocessable(e.dutch().into()))?;
    assessments::review(
        &mut tx,
        v.id,
        true,
        reviewer.user_id,
        &reviewer_name,
        (!reason.is_empty()).then_some(reason),
        ctx.now,
    )
    .await
    .map_err(already_reviewed)?;
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::Approved,
        None,
        None,
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
               "decision": v.a.decision.as_str()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    let notice = issue(&mut tx, settings, ctx, &case, &v, &config, &sources).await?;
    change_status(
        &mut tx,
        ctx,
        case_id,
        CaseStatus::InAssessment,
        CaseStatus::Decided,
        CaseEventKind::StatusChanged,
        Some(v.a.decision.label_nl()),
    )
    .await?;
    if let Some(kind) = notice {
        let line = match kind {
            NoticeKind::Art16Notice => {
                "is beoordeeld: het centrale team vraagt het platform de inhoud te verwijderen of in Nederland ontoegankelijk te maken."
            }
            NoticeKind::TosReferral => {
                "is beoordeeld: het centrale team vraagt het platform de inhoud te toetsen aan zijn gebruiksvoorwaarden."
            }
            NoticeKind::Art9Order => {
                "is beoordeeld: het platform krijgt een bevel om op te treden tegen de inhoud."
            }
            NoticeKind::PoliceReferral => {
                "is beoordeeld: het centrale team verwijst de inhoud door naar politie en Openbaar Ministerie."
            }
            NoticeKind::MayorAdvice => {
                "is beoordeeld: het centrale team stuurt de burgemeester een advies (zie e-mail)."
            }
            NoticeKind::Withdrawal => "",
        };
        if !line.is_empty() {
            inform_reporters(&mut tx, settings, case_id, line, ctx.now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

fn already_reviewed(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict => ServiceError::Conflict("Deze versie is al beoordeeld.".into()),
        e => e.into(),
    }
}

/// Renders and stores the message of an approved version; queues e-mail in the outbox.
async fn issue(
    tx: &mut WriteTx,
    settings: &IntakeSettings,
    ctx: &Ctx,
    case: &Case,
    v: &Version,
    config: &NoticeSettings,
    sources: &[reports::CaseSource],
) -> Result<Option<NoticeKind>> {
    let Some(kind) = NoticeKind::for_decision(v.a.decision) else {
        return Ok(None);
    };
    if config.sender_email.trim().is_empty() {
        return Err(ServiceError::Unprocessable(
            "Het functionele e-mailadres van het centrale team is niet ingesteld; zonder afzender \
             gaat er geen bericht uit. Een beheerder stelt het in onder Beheer → Berichtinstellingen."
                .into(),
        ));
    }
    let (platform_id, platform_name, channel, recipient) = if kind.goes_to_platform() {
        let e = channel_of(tx, case).await?;
        match e.channel {
            ContactChannel::Email => (
                Some(e.id),
                e.name.clone(),
                "email",
                e.contact_email.clone().unwrap_or_default(),
            ),
            _ => (
                Some(e.id),
                e.name.clone(),
                "web-form",
                e.web_form_url.clone().unwrap_or_else(|| e.name.clone()),
            ),
        }
    } else if kind == NoticeKind::PoliceReferral {
        let to = config
            .police_email
            .clone()
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| {
                ServiceError::Unprocessable(
                    "Er is geen e-mailadres voor doorverwijzingen naar politie / OM ingesteld. \
                     Een beheerder stelt het in onder Beheer → Berichtinstellingen."
                        .into(),
                )
            })?;
        (None, case.platform.label().to_string(), "email", to)
    } else {
        (
            None,
            case.platform.label().to_string(),
            "in-app",
            "gemeenten".to_string(),
        )
    };
    let mut urls = vec![case.canonical_url.clone()];
    let mut municipalities = Vec::new();
    for s in sources.iter().filter(|s| s.active) {
        if !urls.contains(&s.submitted_url) {
            urls.push(s.submitted_url.clone());
        }
        if !municipalities.contains(&s.org_name) {
            municipalities.push(s.org_name.clone());
        }
    }
    let number = cases::next_number(tx, &format!("notice-{}", dutch_year(ctx.now))).await?;
    let reference = reference("KG", dutch_year(ctx.now), number);
    let respond_by = format!(
        "{} (Europe/Amsterdam)",
        dutch_time(settings.answer_deadlines.due(case.urgency, ctx.now))
    );
    let facts = NoticeFacts {
        reference: reference.clone(),
        case_reference: case.reference.clone(),
        platform_name,
        urls: urls.clone(),
        locating: v.a.locating.clone(),
        provisions: v.a.provisions.clone(),
        facts: v.a.facts.clone(),
        reasons: v.a.reasons.clone(),
        category: v.a.category,
        keywords: v.a.keywords.clone(),
        urgency: case.urgency,
        respond_by,
        municipalities,
        sender: Sender {
            name: config.sender_name.clone(),
            email: config.sender_email.clone(),
            trusted_flagger: config.trusted_flagger,
        },
    };
    let basis = art9_basis(config);
    let extra = match (&basis, kind) {
        (Some(b), NoticeKind::Art9Order) => Extra::Art9(b),
        _ => Extra::None,
    };
    let rendered = notice_text::render(kind, &facts, extra).map_err(|_| {
        ServiceError::Unprocessable(
            crate::domain::assessment::DecisionRefused::Art9Unavailable
                .dutch()
                .into(),
        )
    })?;
    queue_message(
        tx,
        ctx,
        case,
        &NewNotice {
            reference: &reference,
            case_id: case.id,
            assessment_id: Some(v.id),
            kind,
            platform_id,
            channel,
            recipient: &recipient,
            subject: &rendered.subject,
            body: &rendered.body,
            urls: &urls,
            urgency: case.urgency,
            delivery: Delivery::Queued,
            withdraws_notice_id: None,
        },
    )
    .await?;
    Ok(Some(kind))
}

/// Stores a rendered message and starts it on its way: e-mail into the outbox, a web-form
/// message to the analysts, advice to the municipalities. `m.delivery` is set here from
/// the channel. Returns the notice id.
pub(crate) async fn queue_message(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case: &Case,
    m: &NewNotice<'_>,
) -> Result<i64> {
    let (reference, channel, recipient, kind) = (m.reference, m.channel, m.recipient, m.kind);
    let delivery = match channel {
        "email" => Delivery::Queued,
        "web-form" => Delivery::AwaitingWebForm,
        _ => Delivery::Delivered,
    };
    let notice_id = notices::insert(tx, &NewNotice { delivery, ..*m }, ctx.now).await?;
    match channel {
        "email" => {
            let mail_id = notify::enqueue_mail(tx, recipient, m.subject, m.body, ctx.now).await?;
            notices::attach_mail(tx, notice_id, mail_id).await?;
            notices::add_event(tx, notice_id, "queued", Some(recipient), ctx.now).await?;
        }
        "web-form" => {
            notices::add_event(tx, notice_id, "awaiting-web-form", Some(recipient), ctx.now)
                .await?;
            let people = notify::case_handlers(tx).await?;
            notify::notify_each(
                tx,
                &people,
                &format!(
                    "{reference} ({}) moet via het webformulier van het platform worden ingediend.",
                    case.reference
                ),
                &format!("/kennisgevingen/{notice_id}"),
                ctx.now,
            )
            .await?;
        }
        _ => {
            notices::set_delivery(
                tx,
                notice_id,
                Delivery::Delivered,
                Some(ctx.now),
                None,
                None,
            )
            .await?;
            notices::add_event(tx, notice_id, "delivered", None, ctx.now).await?;
            for report in reports::active_in_case(tx, case.id).await? {
                if let Some(email) = &report.reporter_email {
                    notify::enqueue_mail(tx, email, m.subject, m.body, ctx.now).await?;
                }
            }
        }
    }
    record(
        tx,
        ctx,
        case.id,
        CaseEventKind::NoticeQueued,
        None,
        None,
        Some(&format!("{reference}: {}", kind.label_nl())),
    )
    .await?;
    let event = ctx.event(
        AuditAction::NoticeQueued,
        "notice",
        notice_id,
        None,
        AuditOutcome::Success,
        json!({"reference": reference, "case": case.reference, "kind": kind.as_str(),
               "channel": channel, "recipient": recipient}),
    );
    audit::append(tx, &event, ctx.now).await?;
    Ok(notice_id)
}

pub(crate) fn by(ctx: &Ctx) -> notices::RecordedBy<'_> {
    notices::RecordedBy {
        user_id: ctx.actor_user_id,
        name: &ctx.actor_label,
        at: ctx.now,
    }
}

/// meldpunt itself, for what the outbox and the follow-up do.
fn system(now: Millis) -> Ctx {
    Ctx {
        actor_user_id: None,
        actor_label: "meldpunt".into(),
        actor_org_id: None,
        origin: "system".into(),
        now,
    }
}

/// The notice left for the platform (the channel accepted it, or the analyst submitted
/// it through the web form): the clock for the answer starts.
async fn reached_platform(
    tx: &mut WriteTx,
    settings: &IntakeSettings,
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
    let case = cases::get_locked(tx, n.case_id).await?;
    let kind_of_event = if delivery == Delivery::Sent {
        "sent"
    } else {
        "submitted-web-form"
    };
    notices::add_event(tx, n.id, kind_of_event, None, ctx.now).await?;
    record(
        tx,
        ctx,
        n.case_id,
        CaseEventKind::NoticeSent,
        None,
        None,
        Some(&format!("{}: {}", n.reference, delivery.label_nl())),
    )
    .await?;
    if n.kind.goes_to_platform() && case.status == CaseStatus::Decided {
        change_status(
            tx,
            ctx,
            n.case_id,
            CaseStatus::Decided,
            CaseStatus::NoticeSent,
            CaseEventKind::StatusChanged,
            Some(&n.reference),
        )
        .await?;
    }
    Ok(())
}

/// The outbox delivered `mail`: marks it sent and, for a notice, records delivery.
pub async fn mail_sent(
    store: &Store,
    settings: &IntakeSettings,
    mail: &OutboxMail,
    now: Millis,
) -> Result<()> {
    let ctx = system(now);
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
            notices::add_event(&mut tx, n.id, "reminder-sent", None, now).await?;
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
    let ctx = system(now);
    let mut tx = store.begin_write().await?;
    notify::mark_failed_in(&mut tx, mail.id, error, retry_at, permanent.then_some(now)).await?;
    if let Some(notice_id) = mail.notice_id {
        let n = notices::get_locked(&mut tx, notice_id).await?;
        if permanent && n.delivery == Delivery::Queued {
            notices::set_delivery(&mut tx, n.id, Delivery::Bounced, None, None, Some(error))
                .await?;
            notices::add_event(&mut tx, n.id, "bounced", Some(error), now).await?;
            record(
                &mut tx,
                &ctx,
                n.case_id,
                CaseEventKind::NoticeFailed,
                None,
                None,
                Some(&format!("{}: {error}", n.reference)),
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
            notices::add_event(&mut tx, n.id, "attempt-failed", Some(error), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The analyst submitted a notice through the platform's web form.
pub async fn record_web_form(
    store: &Store,
    settings: &IntakeSettings,
    ctx: &Ctx,
    notice_id: i64,
    platform_reference: &str,
) -> Result<()> {
    let platform_reference = platform_reference.trim();
    let result = async {
        if platform_reference.is_empty() || platform_reference.chars().count() > 200 {
            return Err(ServiceError::invalid(
                "platform_reference",
                "Vul het kenmerk in dat het platform na het indienen gaf (hoogstens 200 tekens).",
            ));
        }
        let mut tx = store.begin_write().await?;
        let n = notices::get_locked(&mut tx, notice_id)
            .await
            .map_err(not_found)?;
        if n.delivery != Delivery::AwaitingWebForm {
            return Err(ServiceError::Unprocessable(
                "Dit bericht wacht niet op indiening via een webformulier.".into(),
            ));
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
    settings: &IntakeSettings,
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
    settings: &IntakeSettings,
    ctx: &Ctx,
    notice_id: i64,
    answers: &[AnswerInput],
    received_at: Millis,
) -> Result<()> {
    if answers.is_empty() {
        return Err(ServiceError::invalid(
            "outcome",
            "Kies voor ten minste één URL wat het platform deed.",
        ));
    }
    let mut tx = store.begin_write().await?;
    let n = notices::get_locked(&mut tx, notice_id)
        .await
        .map_err(not_found)?;
    for a in answers {
        if !n.urls.contains(&a.url) {
            return Err(ServiceError::invalid(
                "outcome",
                format!("{} staat niet in deze melding.", a.url),
            ));
        }
        if a.reason.chars().count() > 2000 {
            return Err(ServiceError::invalid(
                "reason",
                "De reden is te lang (hoogstens 2000 tekens).",
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
        .map_err(|e| ServiceError::Unprocessable(e.dutch().into()))?;
    }
    for a in answers {
        let reason = a.reason.trim();
        notices::add_answer(
            &mut tx,
            n.id,
            &a.url,
            a.outcome,
            (!reason.is_empty()).then_some(reason),
            received_at,
            by(ctx),
        )
        .await?;
    }
    let summary: Vec<String> = answers
        .iter()
        .map(|a| format!("{}: {}", a.url, a.outcome.label_nl()))
        .collect();
    notices::add_event(
        &mut tx,
        n.id,
        "answered",
        Some(&summary.join("; ")),
        ctx.now,
    )
    .await?;
    record(
        &mut tx,
        ctx,
        n.case_id,
        CaseEventKind::AnswerRecorded,
        None,
        None,
        Some(&format!("{}: {}", n.reference, summary.join("; "))),
    )
    .await?;
    let case = cases::get_locked(&mut tx, n.case_id).await?;
    if case.status == CaseStatus::NoticeSent {
        change_status(
            &mut tx,
            ctx,
            n.case_id,
            CaseStatus::NoticeSent,
            CaseStatus::PlatformAnswered,
            CaseEventKind::StatusChanged,
            None,
        )
        .await?;
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
    let mut outcomes: Vec<&'static str> = answers.iter().map(|a| a.outcome.plain_dutch()).collect();
    outcomes.dedup();
    let line = format!("— antwoord van het platform: {}", outcomes.join(" "));
    inform_reporters(&mut tx, settings, n.case_id, &line, ctx.now).await?;
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
            "De toelichting is te lang (hoogstens 2000 tekens).",
        ));
    }
    if checked_at > ctx.now + 60_000 {
        return Err(ServiceError::invalid(
            "checked_at",
            "Een controle kan niet in de toekomst liggen.",
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
        None,
        None,
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

/// Reminds platforms of overdue notices and escalates those still unanswered; safe to
/// run from several instances at once (each notice is re-read under its lock).
pub async fn follow_up(store: &Store, now: Millis) -> Result<usize> {
    let ctx = system(now);
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
                if n.channel == "email" {
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
            "reminder",
            CaseEventKind::Reminded,
            AuditAction::NoticeReminded,
        ),
        FollowUp::Escalate => (
            "escalated",
            CaseEventKind::Escalated,
            AuditAction::NoticeEscalated,
        ),
    };
    notices::add_event(tx, n.id, event, None, ctx.now).await?;
    record(tx, ctx, n.case_id, kind, None, None, Some(&n.reference)).await?;
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

/// What a reporting municipality is told about a case's outcome, in plain Dutch:
/// the team's decision, what was sent, and what each platform did.
pub async fn outcome_lines(store: &Store, case_id: i64) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    let versions = assessments::versions(store, case_id).await?;
    if let Some(v) = decided_version(&versions) {
        lines.push(format!(
            "Besluit van het centrale team: {}.",
            v.a.decision.label_nl()
        ));
    }
    let answers = notices::answers_of_case(store, case_id).await?;
    for n in notices::list_by_case(store, case_id).await? {
        if n.kind == NoticeKind::MayorAdvice {
            if let Some(v) = versions.iter().find(|v| Some(v.id) == n.assessment_id) {
                lines.push(format!("Advies van het centrale team: {}", v.a.reasons));
            }
            continue;
        }
        if n.kind == NoticeKind::Withdrawal {
            if let Some(at) = n.sent_at {
                lines.push(format!(
                    "De melding is ingetrokken bij het platform op {}.",
                    dutch_time(at)
                ));
            }
            continue;
        }
        if !n.kind.goes_to_platform() {
            continue;
        }
        match n.sent_at {
            Some(at) => lines.push(format!(
                "{} verstuurd aan het platform op {}.",
                n.kind.label_nl(),
                dutch_time(at)
            )),
            None => lines.push(format!("{}: {}.", n.kind.label_nl(), n.delivery.label_nl())),
        }
        // The newest answer per URL counts.
        let mut seen: Vec<&str> = Vec::new();
        for a in answers.iter().rev().filter(|a| a.notice_id == n.id) {
            if seen.contains(&a.url.as_str()) {
                continue;
            }
            seen.push(&a.url);
            lines.push(format!(
                "{} (antwoord van {})",
                a.outcome.plain_dutch(),
                dutch_time(a.received_at)
            ));
        }
    }
    Ok(lines)
}

/// A bounce that arrived later (a delivery-status notification in the team's mailbox):
/// the analyst records it, and the notice can be sent again once the address is fixed.
pub async fn record_bounce(store: &Store, ctx: &Ctx, notice_id: i64, detail: &str) -> Result<()> {
    let detail = detail.trim();
    let result = async {
        if !(5..=2000).contains(&detail.chars().count()) {
            return Err(ServiceError::invalid(
                "bounce",
                "Neem de foutmelding over die terugkwam (5 tot 2000 tekens).",
            ));
        }
        let mut tx = store.begin_write().await?;
        let n = notices::get_locked(&mut tx, notice_id)
            .await
            .map_err(not_found)?;
        if n.channel != "email" || n.delivery != Delivery::Sent {
            return Err(ServiceError::Unprocessable(
                "Alleen een verstuurde e-mail kan als onbestelbaar worden gemarkeerd.".into(),
            ));
        }
        if notices::answers_of_notice_in(&mut tx, n.id).await? > 0 {
            return Err(ServiceError::Unprocessable(
                "Het platform heeft al geantwoord: het bericht is aangekomen.".into(),
            ));
        }
        notices::set_delivery(&mut tx, n.id, Delivery::Bounced, None, None, Some(detail)).await?;
        notices::add_event(&mut tx, n.id, "bounced", Some(detail), ctx.now).await?;
        record(
            &mut tx,
            ctx,
            n.case_id,
            CaseEventKind::NoticeFailed,
            None,
            None,
            Some(&format!("{}: {detail}", n.reference)),
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

/// Sends a bounced message again, through the platform's channel as it is configured now.
pub async fn resend(store: &Store, ctx: &Ctx, notice_id: i64) -> Result<()> {
    let result = async {
        let mut tx = store.begin_write().await?;
        let n = notices::get_locked(&mut tx, notice_id)
            .await
            .map_err(not_found)?;
        if n.delivery != Delivery::Bounced {
            return Err(ServiceError::Unprocessable(
                "Alleen een onbestelbaar bericht wordt opnieuw verstuurd.".into(),
            ));
        }
        let (channel, recipient) = match n.platform_id {
            Some(id) => {
                let e = platforms::get_in(&mut tx, id).await?;
                match e.channel {
                    ContactChannel::Email if e.contact_email.is_some() => {
                        ("email", e.contact_email.unwrap_or_default())
                    }
                    ContactChannel::WebForm => (
                        "web-form",
                        e.web_form_url.unwrap_or_else(|| e.name.clone()),
                    ),
                    _ => {
                        return Err(ServiceError::Unprocessable(format!(
                            "Voor {} is geen meldkanaal ingesteld.",
                            e.name
                        )))
                    }
                }
            }
            None => ("email", n.recipient.clone()),
        };
        notices::set_route(&mut tx, n.id, channel, &recipient).await?;
        if channel == "email" {
            let mail_id =
                notify::enqueue_mail(&mut tx, &recipient, &n.subject, &n.body, ctx.now).await?;
            notices::attach_mail(&mut tx, n.id, mail_id).await?;
            notices::set_delivery(&mut tx, n.id, Delivery::Queued, None, None, None).await?;
        } else {
            notices::set_delivery(&mut tx, n.id, Delivery::AwaitingWebForm, None, None, None)
                .await?;
        }
        notices::add_event(&mut tx, n.id, "resent", Some(&recipient), ctx.now).await?;
        record(
            &mut tx,
            ctx,
            n.case_id,
            CaseEventKind::NoticeQueued,
            None,
            None,
            Some(&format!("{} opnieuw naar {recipient}", n.reference)),
        )
        .await?;
        let event = ctx.event(
            AuditAction::NoticeQueued,
            "notice",
            n.id,
            None,
            AuditOutcome::Success,
            json!({"reference": n.reference, "resent": true, "channel": channel, "recipient": recipient}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    audit_refusal(
        store,
        ctx,
        AuditAction::NoticeQueued,
        ("notice", notice_id),
        result,
    )
    .await
}

/// The version whose decision stands: the newest one approved or needing no approval.
fn decided_version(versions: &[Version]) -> Option<&Version> {
    let newest = versions.last().map(|v| v.version).unwrap_or(0);
    versions
        .iter()
        .rev()
        .find(|v| matches!(v.review(newest), Review::Approved | Review::NotNeeded))
}

/// A case's outcome for systems (the API): the decision that stands and the platforms'
/// answers, newest per URL.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseOutcome {
    pub decision: Option<crate::domain::assessment::Decision>,
    pub answers: Vec<(String, Outcome, Millis)>,
}

pub async fn case_outcome(store: &Store, case_id: i64) -> Result<CaseOutcome> {
    let versions = assessments::versions(store, case_id).await?;
    let decision = decided_version(&versions).map(|v| v.a.decision);
    let mut answers: Vec<(String, Outcome, Millis)> = Vec::new();
    for a in notices::answers_of_case(store, case_id)
        .await?
        .into_iter()
        .rev()
    {
        if !answers.iter().any(|(u, _, _)| *u == a.url) {
            answers.push((a.url, a.outcome, a.received_at));
        }
    }
    answers.reverse();
    Ok(CaseOutcome { decision, answers })
}
