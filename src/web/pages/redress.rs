//! Objections on the case page and the corrections register.

use crate::domain::message::Message;
use crate::web::extract::Path;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::cases::{again_with, load_case};
use super::render_status;
use crate::domain::notice::{ObjectionSource, ObjectionVerdict};
use crate::domain::parse_dutch_local;
use crate::domain::policy::Action;
use crate::service::redress::{self as redress_service, ObjectionDecision, ObjectionInput};
use crate::service::ServiceError;
use crate::store::redress::{self, Correction};
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::forms::Form;
use crate::web::layout::{local_time, Layout};

#[derive(Deserialize, Default)]
pub struct ObjectionForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    summary: String,
}

pub async fn record(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load_case(&p, id).await?;
    let Some(source) = ObjectionSource::parse(&f.source) else {
        return again_with(
            &p,
            id,
            "objection",
            ServiceError::invalid("source", Message::new("objection.source_required")),
        )
        .await;
    };
    let Some(received_at) = parse_dutch_local(&f.received_at) else {
        return again_with(
            &p,
            id,
            "objection",
            ServiceError::invalid(
                "received_at",
                Message::new("objection.received_at_required"),
            ),
        )
        .await;
    };
    let input = ObjectionInput {
        source,
        notice_id: f.notice.parse().ok(),
        received_at,
        summary: &f.summary,
    };
    match redress_service::record_objection(&p.state.store, &p.ctx(), id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/zaken/{id}#bezwaar")).into_response()),
        Err(e) => again_with(&p, id, "objection", e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    withdraw: Option<String>,
}

pub async fn decide(
    p: Page,
    Path((id, objection_id)): Path<(i64, i64)>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::ReviewAssessments).await?;
    load_case(&p, id).await?;
    let Some(verdict) = ObjectionVerdict::parse(&f.verdict) else {
        return again_with(
            &p,
            id,
            "objection",
            ServiceError::invalid("verdict", Message::new("objection.verdict_required")),
        )
        .await;
    };
    let d = ObjectionDecision {
        objection_id,
        verdict,
        reasons: &f.reasons,
        withdraw: f.withdraw.is_some(),
    };
    match redress_service::decide_objection(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        d,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}#bezwaar")).into_response()),
        Err(e) => again_with(&p, id, "objection", e).await,
    }
}

pub struct CorrectionRow {
    case_id: i64,
    case_reference: String,
    notice_id: i64,
    notice: String,
    withdrawal_id: Option<i64>,
    withdrawal: String,
    what: String,
    when: String,
    who: String,
}

#[derive(Template)]
#[template(path = "corrections.html")]
struct CorrectionsPage {
    layout: Layout,
    rows: Vec<CorrectionRow>,
    links_to_cases: bool,
}

pub async fn register(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::ViewCorrections).await?;
    let rows = redress::corrections(&p.state.store, 1_000)
        .await?
        .into_iter()
        .map(|c: Correction| CorrectionRow {
            case_id: c.case_id,
            case_reference: c.case_reference,
            notice_id: c.notice_id,
            notice: c.notice_reference,
            withdrawal_id: c.withdrawal_id,
            withdrawal: c.withdrawal_reference.unwrap_or_default(),
            what: c.what_was_wrong,
            when: local_time(c.recorded_at),
            who: c.recorder_name,
        })
        .collect();
    let page = CorrectionsPage {
        layout: p.layout(p.tr.t("corrections")),
        rows,
        links_to_cases: p.may(Action::ViewCases),
    };
    render_status(StatusCode::OK, &page)
}
