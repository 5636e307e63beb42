//! The page that sends the browser on to an organisation's identity provider by itself (a
//! meta refresh, and a link for whoever's browser does not follow it). A redirect would be
//! refused by the browser where it follows a form (CSP `form-action 'self'`). Used by the
//! sign-in through the organisation (`pages::sso`) and the provider's periodic confirmation
//! of a session (`ctx::Page`).

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::web::error::{Failure, PageError};
use crate::web::i18n::Tr;
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "sso_redirect.html")]
struct HandOverPage {
    layout: Layout,
    to: String,
}

/// The hand-over page to `to`, the provider's authorization request.
pub fn hand_over(tr: Tr, csrf: &str, to: String) -> Result<Response, PageError> {
    let page = HandOverPage {
        layout: Layout::anonymous(tr, tr.t("sso_redirect_title"), csrf),
        to,
    };
    match page.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            Err(PageError(Failure::Internal))
        }
    }
}
