//! One mapping from errors to HTTP: a Dutch (and English) page for people, and
//! `application/problem+json` (RFC 9457) for the API. Internal details are logged,
//! never shown.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::domain::policy::Denied;
use crate::service::ServiceError;
use crate::store::StoreError;

/// What went wrong, independent of how it is shown.
#[derive(Debug)]
pub enum Failure {
    /// Not signed in (pages redirect to the sign-in page).
    Unauthenticated,
    /// Signed in but not allowed; used for pages that are not about one object.
    Forbidden,
    /// Missing — or present but not allowed, which must look the same.
    NotFound,
    /// The path exists, but not for this HTTP method.
    MethodNotAllowed,
    BadRequest(String),
    Conflict(String),
    /// Understood but refused in the current state (422).
    Unprocessable(String),
    /// Several fields broke rules (400); the API lists them as `invalidParams`.
    Invalid(Vec<crate::domain::report::FieldError>),
    TooLarge,
    Csrf,
    Throttled {
        retry_after_s: i64,
    },
    Unavailable,
    Internal,
}

impl Failure {
    fn status(&self) -> StatusCode {
        match self {
            Failure::Unauthenticated => StatusCode::UNAUTHORIZED,
            Failure::Forbidden | Failure::Csrf => StatusCode::FORBIDDEN,
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Invalid(_) => StatusCode::BAD_REQUEST,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// (title, explanation) in Dutch.
    fn dutch(&self) -> (String, String) {
        match self {
            Failure::Unauthenticated => ("U bent niet aangemeld".into(), "Meld u aan om verder te gaan.".into()),
            Failure::Forbidden => (
                "Geen toegang".into(),
                "U heeft met uw rol geen toegang tot deze pagina.".into(),
            ),
            Failure::NotFound => (
                "Pagina niet gevonden".into(),
                "Deze pagina bestaat niet of u heeft er geen toegang toe.".into(),
            ),
            Failure::MethodNotAllowed => (
                "Handeling niet mogelijk".into(),
                "Dit adres ondersteunt deze handeling (HTTP-methode) niet.".into(),
            ),
            Failure::BadRequest(m) => ("Het verzoek klopt niet".into(), m.clone()),
            Failure::Conflict(m) => ("Bestaat al".into(), m.clone()),
            Failure::Unprocessable(m) => ("Niet mogelijk".into(), m.clone()),
            Failure::Invalid(errors) => (
                "De invoer klopt niet".into(),
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Failure::TooLarge => (
                "Verzoek te groot".into(),
                "Wat u verstuurde is groter dan meldpunt aanneemt.".into(),
            ),
            Failure::Csrf => (
                "Formulier verlopen".into(),
                "Het formulier is verlopen of kwam niet van meldpunt. Ga terug, laad de pagina opnieuw en probeer het nog eens.".into(),
            ),
            Failure::Throttled { retry_after_s } => (
                "Te veel pogingen".into(),
                format!("Er waren te veel mislukte pogingen. Probeer het over {retry_after_s} seconden opnieuw."),
            ),
            Failure::Unavailable => (
                "Tijdelijk niet beschikbaar".into(),
                "meldpunt kan de database nu niet bereiken. Er is niets opgeslagen. Probeer het over een minuut opnieuw.".into(),
            ),
            Failure::Internal => (
                "Er ging iets mis".into(),
                "Er ging iets mis bij meldpunt. Er is niets opgeslagen. Probeer het opnieuw; blijft het misgaan, neem dan contact op met de beheerder.".into(),
            ),
        }
    }

    fn english(&self) -> &'static str {
        match self {
            Failure::Unauthenticated => "Not signed in.",
            Failure::Forbidden => "Your role has no access to this page.",
            Failure::NotFound => "This page does not exist or you have no access to it.",
            Failure::MethodNotAllowed => "This address does not support this HTTP method.",
            Failure::BadRequest(_) => "The request is not valid.",
            Failure::Conflict(_) => "This already exists.",
            Failure::Unprocessable(_) => "This cannot be done in the current state.",
            Failure::Invalid(_) => "Some fields are not valid.",
            Failure::TooLarge => "The request is too large.",
            Failure::Csrf => {
                "The form expired or did not come from meldpunt. Reload the page and try again."
            }
            Failure::Throttled { .. } => "Too many failed attempts; try again later.",
            Failure::Unavailable => {
                "The database is unavailable; nothing was saved. Try again in a minute."
            }
            Failure::Internal => "Something went wrong; nothing was saved.",
        }
    }

    fn problem_type(&self) -> &'static str {
        match self {
            Failure::Unauthenticated => "unauthenticated",
            Failure::Forbidden => "forbidden",
            Failure::NotFound => "not-found",
            Failure::MethodNotAllowed => "method-not-allowed",
            Failure::BadRequest(_) => "bad-request",
            Failure::Conflict(_) => "conflict",
            Failure::Unprocessable(_) => "unprocessable",
            Failure::Invalid(_) => "invalid-input",
            Failure::TooLarge => "payload-too-large",
            Failure::Csrf => "csrf",
            Failure::Throttled { .. } => "too-many-requests",
            Failure::Unavailable => "unavailable",
            Failure::Internal => "internal",
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::NotFound => Failure::NotFound,
            StoreError::Conflict => Failure::Conflict("Dit bestaat al.".into()),
            StoreError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "database unavailable");
                Failure::Unavailable
            }
            StoreError::Database(msg) => {
                tracing::error!(error = %msg, "database error");
                Failure::Internal
            }
        }
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Failure {
        match e {
            ServiceError::Invalid { message, .. } => Failure::BadRequest(message),
            ServiceError::Conflict(m) => Failure::Conflict(m),
            ServiceError::Rejected(errors) => Failure::Invalid(errors),
            ServiceError::Unprocessable(m) => Failure::Unprocessable(m),
            ServiceError::NotFound => Failure::NotFound,
            ServiceError::Throttled { retry_after_s } => Failure::Throttled { retry_after_s },
            ServiceError::BadCredentials => Failure::Unauthenticated,
            ServiceError::Store(s) => s.into(),
        }
    }
}

/// An error answered with a page.
#[derive(Debug)]
pub struct PageError(pub Failure);

impl PageError {
    pub fn csrf() -> PageError {
        PageError(Failure::Csrf)
    }
    pub fn too_large() -> PageError {
        PageError(Failure::TooLarge)
    }
    pub fn not_found() -> PageError {
        PageError(Failure::NotFound)
    }
    pub fn forbidden() -> PageError {
        PageError(Failure::Forbidden)
    }
    pub fn bad_request(msg: impl Into<String>) -> PageError {
        PageError(Failure::BadRequest(msg.into()))
    }
}

impl<E: Into<Failure>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl From<Denied> for Failure {
    fn from(_: Denied) -> Failure {
        Failure::Forbidden
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    english: &'a str,
    status: u16,
    sign_in: bool,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let failure = self.0;
        if matches!(failure, Failure::Unauthenticated) {
            return axum::response::Redirect::to("/aanmelden").into_response();
        }
        let status = failure.status();
        let (title, message) = failure.dutch();
        let page = ErrorPage {
            title: &title,
            message: &message,
            english: failure.english(),
            status: status.as_u16(),
            sign_in: matches!(
                failure,
                Failure::Csrf | Failure::NotFound | Failure::Forbidden
            ),
        };
        let body = page.render().unwrap_or_else(|_| title.clone());
        let mut res = (status, Html(body)).into_response();
        if let Failure::Throttled { retry_after_s } = failure {
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

/// An error answered with `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub Failure);

impl<E: Into<Failure>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let failure = self.0;
        let status = failure.status();
        let (title, detail) = failure.dutch();
        let mut body = json!({
            "type": format!("urn:meldpunt:problem:{}", failure.problem_type()),
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        });
        if let Failure::Invalid(errors) = &failure {
            body["invalidParams"] = errors
                .iter()
                .map(|e| json!({"name": e.field, "reason": e.message}))
                .collect();
        }
        let mut res = (status, body.to_string()).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        h.insert(
            "api-version",
            HeaderValue::from_static(super::api::API_VERSION),
        );
        if matches!(failure, Failure::Unauthenticated) {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"meldpunt\""),
            );
        }
        if let Failure::Throttled { retry_after_s } = failure {
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                h.insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}
