//! Activation: the owner of a new (or reset) account sets a password.

use crate::web::extract::Path;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::credentials::sha256_hex;
use crate::service::{accounts, ServiceError};
use crate::store::users;
use crate::web::ctx::Visitor;
use crate::web::error::{Failure, PageError};
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "activate.html")]
struct ActivatePage {
    layout: Layout,
    errors: FieldErrors,
    token: String,
    name: String,
    email: String,
}

async fn page(v: &Visitor, token: &str, errors: FieldErrors) -> Result<ActivatePage, PageError> {
    // An unknown, used or expired link is simply "not found".
    let user = users::by_activation(&v.state.store, &sha256_hex(token), v.ctx().now).await?;
    Ok(ActivatePage {
        layout: v.layout(v.tr.t("activate_title")),
        errors,
        token: token.to_string(),
        name: user.name,
        email: user.email,
    })
}

pub async fn show(v: Visitor, Path(token): Path<String>) -> Result<Response, PageError> {
    render(&page(&v, &token, FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_repeat: String,
}

pub async fn submit(
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Form<ActivateForm>,
) -> Result<Response, PageError> {
    match accounts::activate(
        &v.state.store,
        &v.ctx(),
        &token,
        &f.password,
        &f.password_repeat,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/aanmelden?geactiveerd=1").into_response()),
        Err(ServiceError::Invalid { field, message }) => {
            let p = page(&v, &token, FieldErrors::message(&v.tr, field, &message)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(PageError(Failure::from(e))),
    }
}
