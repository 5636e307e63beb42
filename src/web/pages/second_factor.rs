//! The second sign-in step: a TOTP code, a passkey or a recovery code.

use crate::domain::message::Message;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::session::SessionStage;
use crate::service::auth::{self, SecondFactor};
use crate::service::passkeys;
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
    /// Whether the account has an authenticator app.
    has_totp: bool,
    /// The options of a passkey sign-in (JSON), when the account has passkeys and they can
    /// work here.
    passkey_options: Option<String>,
}

/// The page, with a fresh passkey ceremony when the account has passkeys.
async fn page(
    v: &Visitor,
    session: &Session,
    user: &User,
    errors: FieldErrors,
) -> Result<SecondFactorPage, PageError> {
    let passkey_options = match &v.state.webauthn {
        Some(wa) if user.passkeys > 0 => {
            match passkeys::begin_sign_in(&v.state.store, wa, session, user).await {
                Ok(options) => Some(
                    serde_json::to_string(&options).map_err(|_| PageError(Failure::Internal))?,
                ),
                // None of them can be read: the app and the recovery codes remain.
                Err(ServiceError::Invalid { .. }) => None,
                Err(e) => return Err(PageError(Failure::from(e))),
            }
        }
        _ => None,
    };
    Ok(SecondFactorPage {
        layout: v.layout(v.tr.t("tf_title")),
        errors,
        has_totp: user.totp_secret.is_some(),
        passkey_options,
    })
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
    let (session, user) = match pending(&v) {
        Ok(p) => p,
        Err(r) => return Ok(r.into_response()),
    };
    render(&page(&v, &session, &user, FieldErrors::default()).await?)
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
            return again_later(&v, &session, &user, field, retry_after_s).await
        }
        Err(e) => return Err(PageError(Failure::from(e))),
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&v, &session, &user, FieldErrors::single(field, message)).await?,
    )
}

/// The page again while the throttle says wait: 429 with `Retry-After`.
async fn again_later(
    v: &Visitor,
    session: &Session,
    user: &User,
    field: &str,
    retry_after_s: i64,
) -> Result<Response, PageError> {
    let message =
        v.tr.message(&Message::new("failure.too-many-requests").with("seconds", retry_after_s));
    let mut res = render_status(
        StatusCode::TOO_MANY_REQUESTS,
        &page(v, session, user, FieldErrors::single(field, message)).await?,
    )?;
    if let Ok(h) = retry_after_s.to_string().parse() {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, h);
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct PasskeyForm {
    #[serde(default)]
    credential: String,
}

/// The second step with a passkey: the browser's answer, posted by `passkey.js`.
pub async fn submit_passkey(v: Visitor, Form(f): Form<PasskeyForm>) -> Result<Response, PageError> {
    let (session, user) = match pending(&v) {
        Ok(p) => p,
        Err(r) => return Ok(r.into_response()),
    };
    let Some(wa) = v.state.webauthn.clone() else {
        return Err(PageError(Failure::NotFound));
    };
    let result = passkeys::finish_sign_in(
        &v.state.store,
        &wa,
        &v.ctx(),
        &session,
        &user,
        &f.credential,
        v.device.as_deref(),
    )
    .await;
    let message = match result {
        Ok(new) => return Ok(v.start_session(&new, "/start")),
        Err(ServiceError::Invalid { message, .. }) => v.tr.message(&message),
        Err(ServiceError::Throttled { retry_after_s }) => {
            return again_later(&v, &session, &user, "passkey", retry_after_s).await
        }
        Err(e) => return Err(PageError(Failure::from(e))),
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&v, &session, &user, FieldErrors::single("passkey", message)).await?,
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
