//! Signing in through the organisation's own identity provider (OpenID Connect single
//! sign-on): the e-mail address, the hand-over to the provider, and the way back.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::signin::next_step;
use super::{render, render_status};
use crate::domain::redirect::local_target;
use crate::service::sso::{self, Answer, Binding, Finished};
use crate::service::{auth, ServiceError};
use crate::web::cookies::cookie;
use crate::web::ctx::{sso_cookie_name, Visitor};
use crate::web::error::{Failure, PageError};
use crate::web::extract::Query;
use crate::web::forms::{FieldErrors, Form};
use crate::web::hand_over::hand_over;
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "sso.html")]
struct SsoPage {
    layout: Layout,
    errors: FieldErrors,
    email: String,
}

fn page(v: &Visitor, errors: FieldErrors, email: &str) -> SsoPage {
    SsoPage {
        layout: v.layout(v.tr.t("sso_title")),
        errors,
        email: email.to_string(),
    }
}

pub async fn show(v: Visitor) -> Result<Response, PageError> {
    render(&page(&v, FieldErrors::default(), ""))
}

#[derive(Deserialize)]
pub struct SsoForm {
    #[serde(default)]
    email: String,
}

/// Sends the person to their organisation's provider. The hand-over is a page that moves
/// on by itself (and has a link): a form's redirect to another site would need the
/// provider in every page's `form-action`.
pub async fn begin(v: Visitor, Form(f): Form<SsoForm>) -> Result<Response, PageError> {
    let email = f.email.trim();
    if email.len() > 254 {
        let errors = FieldErrors::message(
            &v.tr,
            "email",
            &crate::domain::message::Message::new("sso.email_invalid"),
        );
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&v, errors, ""));
    }
    match sso::begin(&v.state.store, &v.ctx(), &v.state.sso, email).await {
        Ok(begun) => {
            let mut res = hand_over(v.tr, &v.csrf, begun.authorize_url)?;
            let max_age = crate::domain::sso::LOGIN_MS / 1000;
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(
                    sso_cookie_name(v.secure),
                    &begun.browser_token,
                    v.secure,
                    Some(max_age),
                ),
            );
            Ok(res)
        }
        Err(ServiceError::Invalid { field, message }) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&v, FieldErrors::message(&v.tr, field, &message), email),
        ),
        Err(ServiceError::Unprocessable(message)) => render_status(
            StatusCode::BAD_GATEWAY,
            &page(&v, FieldErrors::message(&v.tr, "email", &message), email),
        ),
        Err(e) => Err(PageError(Failure::from(e))),
    }
}

#[derive(Deserialize)]
pub struct AnswerQuery {
    state: Option<String>,
    code: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

/// The provider's answer. Whatever it holds, the sign-in it belongs to is used up and its
/// cookie removed; a refusal is shown on the page where one begins again.
pub async fn answer(v: Visitor, Query(q): Query<AnswerQuery>) -> Result<Response, PageError> {
    let answer = Answer {
        state: q.state.as_deref(),
        code: q.code.as_deref(),
        iss: q.iss.as_deref(),
        error: q.error.as_deref(),
    };
    let result = sso::finish(
        &v.state.store,
        &v.ctx(),
        &v.state.sso,
        &answer,
        Binding {
            browser_token: v.sso_login.as_deref(),
            session_hash: v.session.as_ref().map(|(s, _)| s.id_hash.as_str()),
        },
        v.device.as_deref(),
    )
    .await;
    let mut res = match result {
        Ok(Finished::SignedIn(session)) => {
            // Any earlier session of this browser ends: the new one has a fresh id.
            if let Some((old, user)) = &v.session {
                let _ = auth::sign_out(&v.state.store, &v.ctx(), old, user, false).await;
            }
            v.start_session(&session, next_step(session.stage))
        }
        Ok(Finished::Confirmed { return_to }) => {
            let to = local_target(&return_to).unwrap_or_else(|_| "/start".into());
            Redirect::to(&to).into_response()
        }
        Err(ServiceError::Unprocessable(message)) => render_status(
            StatusCode::BAD_REQUEST,
            &page(&v, FieldErrors::message(&v.tr, "email", &message), ""),
        )?,
        Err(e) => return Err(PageError(Failure::from(e))),
    };
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(sso_cookie_name(v.secure), "", v.secure, Some(0)),
    );
    Ok(res)
}
