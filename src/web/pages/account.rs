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
use crate::store::{passkeys, sessions, users};
use crate::web::ctx::Page;
use crate::web::error::{Failure, PageError};
use crate::web::extract::Path;
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::{local_time, Layout};

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
    passkeys: Vec<PasskeyRow>,
}

pub struct PasskeyRow {
    id: i64,
    name: String,
    added: String,
    last_used: String,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    gewijzigd: Option<String>,
    passkey: Option<String>,
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
        passkeys: passkeys::of_user(store, p.user.id)
            .await?
            .into_iter()
            .map(|k| PasskeyRow {
                id: k.id,
                name: k.name,
                added: local_time(k.created_at),
                last_used: k
                    .last_used_at
                    .map(local_time)
                    .unwrap_or_else(|| p.tr.t("never").into()),
            })
            .collect(),
        session_count: sessions::count_for_user(store, p.user.id).await?,
        password_fields: [
            ("current_password", "current_password", "current-password"),
            ("new_password", "new_password", "new-password"),
            ("password_repeat", "repeat_password", "new-password"),
        ],
    })
}

pub async fn show(p: Page, Query(q): Query<AccountQuery>) -> Result<Response, PageError> {
    let notice = match (q.gewijzigd.is_some(), q.passkey.as_deref()) {
        (true, _) => Some(p.tr.t("password_changed")),
        (_, Some("toegevoegd")) => Some(p.tr.t("passkey_added")),
        (_, Some("verwijderd")) => Some(p.tr.t("passkey_removed")),
        _ => None,
    };
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

/// Removes one of the person's own passkeys (not the last second factor).
pub async fn remove_passkey(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::ChangeOwnAccount).await?;
    match crate::service::passkeys::remove(&p.state.store, &p.ctx(), &p.user, id).await {
        Ok(()) => Ok(Redirect::to("/account?passkey=verwijderd").into_response()),
        Err(ServiceError::Invalid { field, message }) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&p, FieldErrors::message(&p.tr, field, &message), None).await?,
        ),
        Err(e) => Err(PageError(Failure::from(e))),
    }
}
