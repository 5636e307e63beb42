//! The analyst's answers to proposed copies on the case page: confirm, reject, and — for a
//! recognised re-upload — propose the earlier case's decision (`service::notices::copies`).

use crate::web::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use super::cases::again_with;
use crate::domain::policy::Action;
use crate::service::copies as service;
use crate::service::ServiceError;
use crate::web::ctx::Page;
use crate::web::error::PageError;

pub async fn confirm(
    p: Page,
    Path((id, proposal_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    match service::confirm_copy(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        proposal_id,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/zaken/{id}#kopieen")).into_response()),
        Err(ServiceError::NotFound) => Err(PageError::not_found()),
        Err(e) => again_with(&p, id, &format!("kopie_{proposal_id}"), e).await,
    }
}

pub async fn reject(
    p: Page,
    Path((id, proposal_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    match service::reject_copy(&p.state.store, &p.ctx(), id, proposal_id).await {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}#kopieen")).into_response()),
        Err(ServiceError::NotFound) => Err(PageError::not_found()),
        Err(e) => again_with(&p, id, &format!("kopie_{proposal_id}"), e).await,
    }
}

pub async fn propose_earlier(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    match service::propose_earlier_decision(&p.state.store, &p.state.intake_settings, &p.ctx(), id)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/zaken/{id}#beoordeling")).into_response()),
        Err(ServiceError::NotFound) => Err(PageError::not_found()),
        Err(e) => again_with(&p, id, "herplaatsing", e).await,
    }
}
