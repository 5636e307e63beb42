//! Page handlers, one module per area. Each handler: extract the context, ask the
//! policy, call a service or the store, render one template.

pub mod account;
pub mod activate;
pub mod admin;
pub mod assessment;
pub mod audit;
pub mod case_view;
pub mod cases;
pub mod copies;
pub mod enrol;
pub mod groups;
pub mod home;
pub mod notice_setup;
pub mod notices;
pub mod notifications;
pub mod paging;
pub mod privacy;
pub mod redress;
pub mod reports;
pub mod retention;
pub mod search;
pub mod second_factor;
pub mod signin;
pub mod situations;
pub mod sso;
pub mod transparency;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use super::error::{Failure, PageError};

/// Renders a template into an HTML response.
pub fn render(t: &impl Template) -> Result<Response, PageError> {
    match t.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            Err(PageError(Failure::Internal))
        }
    }
}

/// A file to save, not to show: its type and the name it is saved under.
pub fn download(body: impl Into<axum::body::Body>, mime: &'static str, name: &str) -> Response {
    let mut res = Response::new(body.into());
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(mime),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Renders with a given status (for a form shown again with its errors).
pub fn render_status(
    status: axum::http::StatusCode,
    t: &impl Template,
) -> Result<Response, PageError> {
    let mut res = render(t)?;
    *res.status_mut() = status;
    Ok(res)
}
