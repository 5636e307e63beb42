//! Setting up the second factor: QR code, first code, recovery codes shown once.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::credentials::totp_url;
use crate::domain::session::SessionStage;
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
    Ok(EnrolPage {
        layout: layout_for(v, v.tr.t("enrol_title")),
        errors,
        required: session.stage == SessionStage::MustEnrolSecondFactor,
        renewing: user.has_second_factor(),
        qr_svg: qr_svg(&url),
        secret_display: grouped(&secret),
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
