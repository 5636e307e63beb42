//! The data protection officer's pages: access requests (GDPR art. 15) with their copy as a
//! page and as JSON, and the view log ("who consulted this case / this person").
//!
//! The person asked about is sent in a form body (never in the address, which ends up in
//! logs and browser history); a case's reference may be in the address.

use crate::web::extract::Query;
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{download, render, render_status};
use crate::domain::access_request::{platforms_with_accounts, Subject, SubjectError};
use crate::domain::policy::Action;
use crate::service::access_requests::{self as service, Export, ViewEntry};
use crate::service::ServiceError;
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::Layout;

/// What the request form sends.
#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    platform: String,
}

#[derive(Template)]
#[template(path = "privacy_request.html")]
struct RequestPage {
    layout: Layout,
    errors: FieldErrors,
    v: RequestForm,
    platforms: Vec<(&'static str, &'static str)>,
    /// The copy, once looked up.
    export: Option<Export>,
}

fn request_page(
    p: &Page,
    v: RequestForm,
    errors: FieldErrors,
    export: Option<Export>,
) -> RequestPage {
    let title = if export.is_some() {
        p.tr.t("access_request_result")
    } else {
        p.tr.t("access_request")
    };
    RequestPage {
        layout: p.layout(title),
        errors,
        platforms: platforms_with_accounts()
            .map(|pl| (pl.as_str(), pl.label()))
            .collect(),
        v,
        export,
    }
}

pub async fn form(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::HandleAccessRequests).await?;
    render(&request_page(
        &p,
        RequestForm::default(),
        FieldErrors::default(),
        None,
    ))
}

/// Reads the form into the person asked about, or the form again with what is wrong.
fn subject_of(p: &Page, f: &RequestForm) -> Result<Subject, Box<Response>> {
    Subject::parse(&f.kind, &f.value, &f.platform).map_err(|e: SubjectError| {
        let errors = FieldErrors::message(&p.tr, e.field(), &e.message());
        match render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &request_page(p, f.clone(), errors, None),
        ) {
            Ok(r) => Box::new(r),
            Err(e) => Box::new(e.into_response()),
        }
    })
}

/// Looks up the person the form names and records it as a search or, with `exported`, an
/// export; a form that names nobody is answered with the form again (`Err`).
async fn copy_for(
    p: &Page,
    f: &RequestForm,
    exported: bool,
) -> Result<Result<Export, Response>, PageError> {
    p.authorize(Action::HandleAccessRequests).await?;
    let subject = match subject_of(p, f) {
        Ok(s) => s,
        Err(page) => return Ok(Err(*page)),
    };
    let export = service::find(
        &p.state.store,
        &p.ctx(),
        &p.state.intake_settings.retention,
        &subject,
        p.tr.is_en(),
        exported,
    )
    .await?;
    Ok(Ok(export))
}

/// The copy on a page (nothing held is an answer too).
pub async fn search(p: Page, Form(f): Form<RequestForm>) -> Result<Response, PageError> {
    match copy_for(&p, &f, false).await? {
        Ok(export) => render(&request_page(&p, f, FieldErrors::default(), Some(export))),
        Err(page) => Ok(page),
    }
}

/// The copy as a JSON file to hand to the person; never kept in a cache.
pub async fn export(p: Page, Form(f): Form<RequestForm>) -> Result<Response, PageError> {
    let export = match copy_for(&p, &f, true).await? {
        Ok(export) => export,
        Err(page) => return Ok(page),
    };
    let body = serde_json::to_string_pretty(&export)
        .map_err(|_| PageError(crate::web::error::Failure::Internal))?;
    let mut res = download(
        body,
        "application/json; charset=utf-8",
        "meldpunt-inzage.json",
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "privacy_views.html")]
struct ViewsPage {
    layout: Layout,
    errors: FieldErrors,
    /// What the listing is about: a case's reference or the person.
    about: String,
    reference: String,
    entries: Option<Vec<ViewEntry>>,
}

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    zaak: String,
}

/// Who consulted a case's data: the form, and with `?zaak=` the listing.
pub async fn case_views(p: Page, Query(q): Query<CaseQuery>) -> Result<Response, PageError> {
    p.authorize(Action::HandleAccessRequests).await?;
    let reference = q.zaak.trim().to_uppercase();
    let mut page = ViewsPage {
        layout: p.layout(p.tr.t("view_log")),
        errors: FieldErrors::default(),
        about: reference.clone(),
        reference: reference.clone(),
        entries: None,
    };
    if reference.is_empty() {
        return render(&page);
    }
    match service::view_log_of_case(&p.state.store, &p.ctx(), &reference, p.tr.is_en()).await {
        Ok((case, entries)) => {
            page.about = case.reference;
            page.entries = Some(entries);
            render(&page)
        }
        Err(ServiceError::NotFound) => {
            page.errors = FieldErrors::single("zaak", p.tr.t("view_log_no_case"));
            render_status(StatusCode::NOT_FOUND, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// Who consulted a person's data (the form fields of the access request).
pub async fn person_views(p: Page, Form(f): Form<RequestForm>) -> Result<Response, PageError> {
    p.authorize(Action::HandleAccessRequests).await?;
    let subject = match subject_of(&p, &f) {
        Ok(s) => s,
        Err(page) => return Ok(*page),
    };
    let entries = service::view_log(
        &p.state.store,
        &p.ctx(),
        &p.state.intake_settings.retention,
        &subject,
        p.tr.is_en(),
    )
    .await?;
    render(&ViewsPage {
        layout: p.layout(p.tr.t("view_log")),
        errors: FieldErrors::default(),
        about: subject.describe(),
        reference: String::new(),
        entries: Some(entries),
    })
}
