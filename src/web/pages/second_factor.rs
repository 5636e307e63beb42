//! The second sign-in step: a TOTP code or a recovery code.

use crate::domain::message::Message;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::session::SessionStage;
use crate::service::auth::{self, SecondFactor};
use crate::service::ServiceError;
use crate::store::sessions::Session;
use crate::store::users::User;
use crate::web::ctx::Visitor;
use crate::web::error::{Failure, PageError};
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    layout: Layout,
    errors: FieldErrors,
}

/// The half-finished sign-in of this browser, or where to go instead.
fn pending(v: &Visitor) -> Result<(Session, User), Redirect> {
    match &v.session {
        Some((s, u)) if s.stage == SessionStage::AwaitingSecondFactor => Ok((s.clone(), u.clone())),
        Some((s, _)) if s.stage == SessionStage::SignedIn => Err(Redirect::to("/start")),
        Some((s, _)) if s.stage == SessionStage::MustEnrolSecondFactor => {
            Err(Redirect::to("/aanmelden/tweede-factor/instellen"))
        }
        _ => Err(Redirect::to("/aanmelden?sessie=verlopen")),
    }
}

pub async fn show(v: Visitor) -> Result<Response, PageError> {
    if let Err(r) = pending(&v) {
        return Ok(r.into_response());
    }
    render(&SecondFactorPage {
        layout: v.layout(v.tr.t("tf_title")),
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct RecoveryForm {
    #[serde(default)]
    recovery_code: String,
}

async fn attempt(
    v: Visitor,
    kind: SecondFactor,
    code: &str,
    field: &str,
) -> Result<Response, PageError> {
    let (session, user) = match pending(&v) {
        Ok(p) => p,
        Err(r) => return Ok(r.into_response()),
    };
    let result = auth::sign_in_second_factor(
        &v.state.store,
        &v.ctx(),
        &session,
        &user,
        kind,
        code,
        v.device.as_deref(),
    )
    .await;
    let message = match result {
        Ok(new) => return Ok(v.start_session(&new, "/start")),
        Err(ServiceError::Invalid { .. }) if kind == SecondFactor::RecoveryCode => {
            v.tr.message(&Message::new("second_factor.recovery_code_wrong"))
        }
        Err(ServiceError::Invalid { message, .. }) => v.tr.message(&message),
        Err(ServiceError::Throttled { retry_after_s }) => {
            v.tr.message(&Message::new("failure.too-many-requests").with("seconds", retry_after_s))
        }
        Err(e) => return Err(PageError(Failure::from(e))),
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &SecondFactorPage {
            layout: v.layout(v.tr.t("tf_title")),
            errors: FieldErrors::single(field, message),
        },
    )
}

pub async fn submit(v: Visitor, Form(f): Form<CodeForm>) -> Result<Response, PageError> {
    attempt(v, SecondFactor::Totp, &f.code, "code").await
}

pub async fn submit_recovery(
    v: Visitor,
    Form(f): Form<RecoveryForm>,
) -> Result<Response, PageError> {
    attempt(
        v,
        SecondFactor::RecoveryCode,
        &f.recovery_code,
        "recovery_code",
    )
    .await
}
