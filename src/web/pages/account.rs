//! The person's own account: details, second factor, password, sessions.

use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::audit::AuditAction;
use crate::domain::policy::Action;
use crate::service::{accounts, ServiceError};
use crate::store::users::User;
use crate::store::{sessions, users};
use crate::web::ctx::Page;
use crate::web::error::{Failure, PageError};
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    errors: FieldErrors,
    notice: Option<&'static str>,
    user: User,
    role: &'static str,
    recovery_left: i64,
    session_count: i64,
    password_fields: [(&'static str, &'static str, &'static str); 3],
}

#[derive(Deserialize)]
pub struct AccountQuery {
    gewijzigd: Option<String>,
}

async fn page(
    p: &Page,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<AccountPage, PageError> {
    p.authorize(Action::ViewOwnAccount).await?;
    let store = &p.state.store;
    p.record_view(
        AuditAction::ViewedOwnAccount,
        "user",
        p.user.id,
        Some(p.user.org_id),
    )
    .await?;
    Ok(AccountPage {
        layout: p.layout(p.tr.t("account_title")),
        errors,
        notice,
        user: p.user.clone(),
        role: if p.tr.is_en() {
            p.user.role.label_en()
        } else {
            p.user.role.label_nl()
        },
        recovery_left: users::unused_recovery_codes(store, p.user.id).await?,
        session_count: sessions::count_for_user(store, p.user.id).await?,
        password_fields: [
            ("current_password", "current_password", "current-password"),
            ("new_password", "new_password", "new-password"),
            ("password_repeat", "repeat_password", "new-password"),
        ],
    })
}

pub async fn show(p: Page, Query(q): Query<AccountQuery>) -> Result<Response, PageError> {
    let notice = q.gewijzigd.is_some().then(|| p.tr.t("password_changed"));
    render(&page(&p, FieldErrors::default(), notice).await?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    password_repeat: String,
}

pub async fn change_password(p: Page, Form(f): Form<PasswordForm>) -> Result<Response, PageError> {
    p.authorize(Action::ChangeOwnAccount).await?;
    let result = accounts::change_password(
        &p.state.store,
        &p.ctx(),
        p.user.id,
        &p.session.id_hash,
        &f.current_password,
        &f.new_password,
        &f.password_repeat,
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/account?gewijzigd=1").into_response()),
        Err(ServiceError::Invalid { field, message }) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&p, FieldErrors::message(&p.tr, field, &message), None).await?,
        ),
        Err(e) => Err(PageError(Failure::from(e))),
    }
}
