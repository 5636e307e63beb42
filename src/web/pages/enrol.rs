//! Setting up the second factor: an authenticator app (QR code, first code) or a passkey;
//! recovery codes shown once.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::credentials::totp_url;
use crate::domain::session::SessionStage;
use crate::service::passkeys::{self, Added, Registration};
use crate::service::{auth, ServiceError};
use crate::store::sessions::Session;
use crate::store::users::User;
use crate::web::ctx::Visitor;
use crate::web::error::{Failure, PageError};
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    layout: Layout,
    errors: FieldErrors,
    required: bool,
    renewing: bool,
    qr_svg: String,
    secret_display: String,
    /// The options for adding a passkey (JSON), where passkeys can work.
    passkey_options: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
}

/// Enrolment is open to a sign-in that must enrol, and to anyone fully signed in (to link
/// a new phone).
fn enrolling(v: &Visitor) -> Result<(Session, User), Redirect> {
    match &v.session {
        Some((s, u))
            if matches!(
                s.stage,
                SessionStage::MustEnrolSecondFactor | SessionStage::SignedIn
            ) =>
        {
            Ok((s.clone(), u.clone()))
        }
        Some((s, _)) if s.stage == SessionStage::AwaitingSecondFactor => {
            Err(Redirect::to("/aanmelden/tweede-factor"))
        }
        _ => Err(Redirect::to("/aanmelden?sessie=verlopen")),
    }
}

/// The QR code as inline SVG (no script, no external request).
fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build();
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn page(
    v: &Visitor,
    session: &Session,
    user: &User,
    errors: FieldErrors,
) -> Result<EnrolPage, PageError> {
    let secret = auth::enrolment_secret(&v.state.store, session).await?;
    let url = totp_url(&secret, &user.email).unwrap_or_default();
    let passkey_options = match &v.state.webauthn {
        Some(wa) => {
            let options = passkeys::begin_registration(&v.state.store, wa, session, user).await?;
            Some(serde_json::to_string(&options).map_err(|_| PageError(Failure::Internal))?)
        }
        None => None,
    };
    Ok(EnrolPage {
        layout: layout_for(v, v.tr.t("enrol_title")),
        errors,
        required: session.stage == SessionStage::MustEnrolSecondFactor,
        renewing: user.has_second_factor(),
        qr_svg: qr_svg(&url),
        secret_display: grouped(&secret),
        passkey_options,
    })
}

fn layout_for(v: &Visitor, title: &str) -> Layout {
    match &v.session {
        Some((s, u)) if s.stage == SessionStage::SignedIn => {
            let actor = crate::domain::policy::Actor {
                user_id: u.id,
                org_id: u.org_id,
                org_kind: u.org_kind,
                role: u.role,
            };
            Layout::signed_in(v.tr, title, &v.csrf, u, &actor, 0)
        }
        _ => v.layout(title),
    }
}

pub async fn show(v: Visitor) -> Result<Response, PageError> {
    let (session, user) = match enrolling(&v) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response()),
    };
    render(&page(&v, &session, &user, FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    current_password: String,
}

pub async fn submit(v: Visitor, Form(f): Form<EnrolForm>) -> Result<Response, PageError> {
    let (session, user) = match enrolling(&v) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response()),
    };
    match auth::finish_enrolment(
        &v.state.store,
        &v.ctx(),
        &session,
        &user,
        &f.code,
        &f.current_password,
        v.device.as_deref(),
    )
    .await
    {
        Ok((new, codes)) => {
            let res = render(&RecoveryCodesPage {
                layout: v.layout(v.tr.t("codes_title")),
                codes,
            })?;
            Ok(v.with_session_cookies(res, &new))
        }
        Err(ServiceError::Invalid { field, message }) => {
            let p = page(
                &v,
                &session,
                &user,
                FieldErrors::message(&v.tr, field, &message),
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(PageError(Failure::from(e))),
    }
}

#[derive(Deserialize)]
pub struct PasskeyForm {
    #[serde(default)]
    credential: String,
    #[serde(default)]
    passkey_name: String,
    #[serde(default)]
    passkey_password: String,
}

/// Adds a passkey: the browser's answer, posted by `passkey.js`. The first second factor
/// completes the sign-in and shows the recovery codes; another one goes back to the account.
pub async fn add_passkey(v: Visitor, Form(f): Form<PasskeyForm>) -> Result<Response, PageError> {
    let (session, user) = match enrolling(&v) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response()),
    };
    let Some(wa) = v.state.webauthn.clone() else {
        return Err(PageError(Failure::NotFound));
    };
    let registration = Registration {
        credential: &f.credential,
        name: &f.passkey_name,
        current_password: &f.passkey_password,
    };
    let result = passkeys::finish_registration(
        &v.state.store,
        &wa,
        &v.ctx(),
        &session,
        &user,
        &registration,
        v.device.as_deref(),
    )
    .await;
    match result {
        Ok(Added::First {
            session: new,
            recovery_codes,
        }) => {
            let res = render(&RecoveryCodesPage {
                layout: v.layout(v.tr.t("codes_title")),
                codes: recovery_codes,
            })?;
            Ok(v.with_session_cookies(res, &new))
        }
        Ok(Added::Another) => Ok(Redirect::to("/account?passkey=toegevoegd").into_response()),
        Err(ServiceError::Invalid { field, message }) => {
            // The passkey form's own fields.
            let field = match field {
                "current_password" => "passkey_password",
                "name" => "passkey_name",
                other => other,
            };
            let p = page(
                &v,
                &session,
                &user,
                FieldErrors::message(&v.tr, field, &message),
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(PageError(Failure::from(e))),
    }
}
