//! One outgoing message: its text, delivery record, web-form submission and the
//! platform's answer; and re-checks of a case's content.

use crate::domain::message::Message;
use crate::domain::notice::NoticeChannel;
use crate::web::error::refusal_message;
use crate::web::extract::Path;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::cases::{again_with, load_case};
use super::render_status;
use crate::domain::audit::AuditAction;
use crate::domain::notice::{time_to_action_label, Delivery, Outcome};
use crate::domain::policy::Action;
use crate::domain::{dutch_local_input, parse_dutch_local};
use crate::service::notices::{self as notice_service, AnswerInput};
use crate::service::{now_ms, ServiceError};
use crate::store::notices::{self, Notice};
use crate::store::{cases, StoreError};
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::forms::{FieldErrors, Form, Pairs};
use crate::web::layout::{local_time, Layout};

pub struct AnswerRow {
    url: String,
    outcome: &'static str,
    eu: &'static str,
    reason: String,
    received: String,
    time_to_action: String,
    recorder: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    layout: Layout,
    errors: FieldErrors,
    n: Notice,
    /// The cases the message is about: (id, reference).
    cases: Vec<(i64, String)>,
    kind: &'static str,
    delivery: &'static str,
    sent: String,
    due: String,
    overdue: bool,
    reminded: String,
    escalated: String,
    events: Vec<(String, String, String)>,
    answers: Vec<AnswerRow>,
    can_answer: bool,
    awaits_web_form: bool,
    can_mark_bounced: bool,
    bounced: bool,
    links_to_case: bool,
    outcomes: Vec<(&'static str, &'static str)>,
    now_input: String,
}

async fn load(p: &Page, id: i64) -> Result<Notice, PageError> {
    notices::get(&p.state.store, id).await.map_err(|e| match e {
        StoreError::NotFound => PageError::not_found(),
        e => e.into(),
    })
}

async fn page(p: &Page, n: Notice, errors: FieldErrors) -> Result<NoticePage, PageError> {
    let en = p.tr.is_en();
    let store = &p.state.store;
    // Every case the message is about (a group's notice lists several copies).
    let mut listed = Vec::new();
    for (case_id, _) in notices::cases_of(store, n.id).await? {
        listed.push((case_id, cases::get(store, case_id).await?.reference));
    }
    let events = notices::events(store, n.id)
        .await?
        .into_iter()
        .map(|e| {
            (
                local_time(e.at),
                e.kind.label(en).to_string(),
                e.detail.unwrap_or_default(),
            )
        })
        .collect();
    let answers = notices::answers_of_notice(store, n.id)
        .await?
        .into_iter()
        .map(|a| AnswerRow {
            url: a.url,
            outcome: a.outcome.label(en),
            eu: a.outcome.eu_identifier().unwrap_or(""),
            reason: a.platform_reason.unwrap_or_default(),
            received: local_time(a.received_at),
            time_to_action: n
                .sent_at
                .map(|s| time_to_action_label(s, a.received_at))
                .unwrap_or_default(),
            recorder: a.recorder_name,
        })
        .collect();
    let now = now_ms();
    let works = p.may(Action::WorkOnCases);
    Ok(NoticePage {
        layout: p.layout(&n.reference),
        errors,
        cases: listed,
        kind: n.kind.label(en),
        delivery: n.delivery.label(en),
        sent: n.sent_at.map(local_time).unwrap_or_default(),
        due: n.due_at.map(local_time).unwrap_or_default(),
        overdue: n.due_at.is_some_and(|d| d < now),
        reminded: n.reminded_at.map(local_time).unwrap_or_default(),
        escalated: n.escalated_at.map(local_time).unwrap_or_default(),
        events,
        answers,
        can_answer: works && crate::domain::notice::answer_can_be_recorded(n.kind, n.delivery),
        awaits_web_form: works && n.delivery == Delivery::AwaitingWebForm,
        can_mark_bounced: works
            && n.channel == NoticeChannel::Email
            && n.delivery == Delivery::Sent,
        bounced: works && n.delivery == Delivery::Bounced,
        links_to_case: p.may(Action::ViewCases),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.label(en)))
            .collect(),
        now_input: dutch_local_input(now),
        n,
    })
}

pub async fn show(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::ViewNotice).await?;
    let n = load(&p, id).await?;
    // The message names the content and what it says about it.
    p.record_view(AuditAction::ViewedNotice, "notice", n.id, None)
        .await?;
    render_status(StatusCode::OK, &page(&p, n, FieldErrors::default()).await?)
}

async fn again(p: &Page, id: i64, field: &str, e: ServiceError) -> Result<Response, PageError> {
    let message = refusal_message(e)?;
    let n = load(p, id).await?;
    let page = page(p, n, FieldErrors::message(&p.tr, field, &message)).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Deserialize, Default)]
pub struct WebFormForm {
    #[serde(default)]
    platform_reference: String,
}

pub async fn web_form(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<WebFormForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load(&p, id).await?;
    match notice_service::record_web_form(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        &f.platform_reference,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/kennisgevingen/{id}")).into_response()),
        Err(e) => again(&p, id, "platform_reference", e).await,
    }
}

/// The answer form: `received_at`, and per URL (numbered from 0) `outcome_N`,
/// `reason_N`; URLs left without an outcome get no answer this time.
pub async fn answer(p: Page, Path(id): Path<i64>, f: Pairs) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    let n = load(&p, id).await?;
    let Some(received_at) = parse_dutch_local(&f.one("received_at")) else {
        return again(
            &p,
            id,
            "received_at",
            ServiceError::invalid("received_at", Message::new("answer.received_at_required")),
        )
        .await;
    };
    let mut answers = Vec::new();
    for (i, url) in n.urls.iter().enumerate() {
        let raw = f.one(&format!("outcome_{i}"));
        if raw.is_empty() {
            continue;
        }
        let Some(outcome) = Outcome::parse(&raw) else {
            return again(
                &p,
                id,
                "outcome",
                ServiceError::invalid("outcome", Message::new("answer.outcome_unknown")),
            )
            .await;
        };
        answers.push(AnswerInput {
            url: url.clone(),
            outcome,
            reason: f.one(&format!("reason_{i}")),
        });
    }
    match notice_service::record_answer(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        &answers,
        received_at,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/kennisgevingen/{id}")).into_response()),
        Err(e) => again(&p, id, "outcome", e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct RecheckForm {
    #[serde(default)]
    checked_at: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    note: String,
}

pub async fn recheck(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<RecheckForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load_case(&p, id).await?;
    let still_online = match f.result.as_str() {
        "online" => true,
        "offline" => false,
        _ => {
            return again_with(
                &p,
                id,
                "recheck",
                ServiceError::invalid("result", Message::new("recheck.result_required")),
            )
            .await
        }
    };
    let Some(checked_at) = parse_dutch_local(&f.checked_at) else {
        return again_with(
            &p,
            id,
            "recheck",
            ServiceError::invalid("checked_at", Message::new("recheck.checked_at_required")),
        )
        .await;
    };
    match notice_service::recheck(
        &p.state.store,
        &p.ctx(),
        id,
        checked_at,
        still_online,
        &f.note,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}#hercontrole")).into_response()),
        Err(e) => again_with(&p, id, "recheck", e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct BounceForm {
    #[serde(default)]
    detail: String,
}

pub async fn bounce(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<BounceForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load(&p, id).await?;
    match notice_service::record_bounce(&p.state.store, &p.ctx(), id, &f.detail).await {
        Ok(()) => Ok(Redirect::to(&format!("/kennisgevingen/{id}")).into_response()),
        Err(e) => again(&p, id, "bounce", e).await,
    }
}

pub async fn resend(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load(&p, id).await?;
    match notice_service::resend(&p.state.store, &p.ctx(), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/kennisgevingen/{id}")).into_response()),
        Err(e) => again(&p, id, "resend", e).await,
    }
}
