//! Sign-in with e-mail address and password, and signing out.

use crate::domain::message::Message;
use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::session::SessionStage;
use crate::service::{auth, ServiceError};
use crate::web::ctx::Visitor;
use crate::web::error::{Failure, PageError};
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    layout: Layout,
    errors: FieldErrors,
    email: String,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    afgemeld: Option<String>,
    geactiveerd: Option<String>,
    sessie: Option<String>,
}

pub async fn show(v: Visitor, Query(q): Query<SignInQuery>) -> Result<Response, PageError> {
    if let Some((s, _)) = &v.session {
        if s.stage == SessionStage::SignedIn {
            return Ok(Redirect::to("/start").into_response());
        }
    }
    let notice = if q.afgemeld.as_deref() == Some("overal") {
        Some(v.tr.t("signed_out_everywhere"))
    } else if q.afgemeld.is_some() {
        Some(v.tr.t("signed_out"))
    } else if q.geactiveerd.is_some() {
        Some(v.tr.t("activated"))
    } else if q.sessie.is_some() {
        Some(v.tr.t("session_ended"))
    } else {
        None
    };
    render(&SignInPage {
        layout: v.layout(v.tr.t("signin_title")),
        errors: FieldErrors::default(),
        email: String::new(),
        notice,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(v: Visitor, Form(f): Form<SignInForm>) -> Result<Response, PageError> {
    let again = |errors: FieldErrors, status: StatusCode| {
        render_status(
            status,
            &SignInPage {
                layout: v.layout(v.tr.t("signin_title")),
                errors,
                email: f.email.trim().to_string(),
                notice: None,
            },
        )
    };
    if f.email.trim().is_empty()
        || f.password.is_empty()
        || f.email.len() > 254
        || f.password.len() > 1024
    {
        return again(
            FieldErrors::single("email", v.tr.t("signin_failed")),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match auth::sign_in_password(
        &v.state.store,
        &v.ctx(),
        &f.email,
        &f.password,
        v.device.as_deref(),
    )
    .await
    {
        Ok(session) => {
            // Any earlier session of this browser ends: the new one has a fresh id.
            if let Some((old, user)) = &v.session {
                let _ = auth::sign_out(&v.state.store, &v.ctx(), old, user, false).await;
            }
            Ok(v.start_session(&session, next_step(session.stage)))
        }
        Err(ServiceError::BadCredentials) => again(
            FieldErrors::single("email", v.tr.t("signin_failed")),
            StatusCode::UNAUTHORIZED,
        ),
        Err(ServiceError::Throttled { retry_after_s }) => {
            let msg = v
                .tr
                .message(&Message::new("failure.too-many-requests").with("seconds", retry_after_s));
            let mut res = again(
                FieldErrors::single("email", msg),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            if let Ok(h) = retry_after_s.to_string().parse() {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, h);
            }
            Ok(res)
        }
        Err(e) => Err(PageError(Failure::from(e))),
    }
}

/// Where a new session goes next: the start page, or the second step still due.
pub fn next_step(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::SignedIn => "/start",
        SessionStage::AwaitingSecondFactor => "/aanmelden/tweede-factor",
        SessionStage::MustEnrolSecondFactor => "/aanmelden/tweede-factor/instellen",
    }
}

pub async fn sign_out(v: Visitor) -> Result<Response, PageError> {
    if let Some((session, user)) = &v.session {
        auth::sign_out(&v.state.store, &v.ctx(), session, user, false).await?;
    }
    Ok(v.end_session("/aanmelden?afgemeld=1"))
}

pub async fn sign_out_everywhere(v: Visitor) -> Result<Response, PageError> {
    if let Some((session, user)) = &v.session {
        auth::sign_out(&v.state.store, &v.ctx(), session, user, true).await?;
    }
    Ok(v.end_session("/aanmelden?afgemeld=overal"))
}
