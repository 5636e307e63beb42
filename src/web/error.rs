//! One mapping from errors to HTTP: a page in the person's language for people, and
//! `application/problem+json` (RFC 9457) for the API. Internal details are logged, never
//! shown.
//!
//! A handler's error becomes a response that carries its [`Failure`] (in the response's
//! extensions) and no text yet; [`word`], run by the language middleware, writes the page in
//! the person's language (`web::i18n`), and `web::api::problem` does the same for problem
//! documents. So every failure is worded in one place per medium, in Dutch or English, and
//! never by the layer that failed.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Lang, Tr};
use crate::domain::message::Message;
use crate::domain::policy::Denied;
use crate::domain::report::FieldError;
use crate::service::ServiceError;
use crate::store::StoreError;

/// What went wrong, independent of how it is shown.
#[derive(Debug, Clone)]
pub enum Failure {
    /// Not signed in (pages redirect to the sign-in page).
    Unauthenticated,
    /// Signed in but not allowed; used for pages that are not about one object.
    Forbidden,
    /// Missing — or present but not allowed, which must look the same.
    NotFound,
    /// The path exists, but not for this HTTP method.
    MethodNotAllowed,
    BadRequest(Message),
    Conflict(Message),
    /// Understood but refused in the current state (422).
    Unprocessable(Message),
    /// Several fields broke rules (400); the API lists them as `invalidParams`.
    Invalid(Vec<FieldError>),
    TooLarge,
    /// The body is not in a media type the route accepts (415).
    UnsupportedMediaType,
    Csrf,
    Throttled {
        retry_after_s: i64,
    },
    /// Temporarily unavailable (503 with `Retry-After`). With the storage failure's detail
    /// (logged, never shown) when the database could not be written or reached: that also
    /// counts in the process's storage health (`store::health`).
    Unavailable(Option<String>),
    Internal,
}

impl Failure {
    /// Every kind, for the test that words each one in both languages.
    #[cfg(test)]
    pub(crate) fn examples() -> Vec<Failure> {
        let m = || Message::new("failure.exists");
        vec![
            Failure::Unauthenticated,
            Failure::Forbidden,
            Failure::NotFound,
            Failure::MethodNotAllowed,
            Failure::BadRequest(m()),
            Failure::Conflict(m()),
            Failure::Unprocessable(m()),
            Failure::Invalid(vec![FieldError {
                field: "x".into(),
                message: m(),
            }]),
            Failure::TooLarge,
            Failure::UnsupportedMediaType,
            Failure::Csrf,
            Failure::Throttled { retry_after_s: 30 },
            Failure::Unavailable(None),
            Failure::Internal,
        ]
    }

    pub fn status(&self) -> StatusCode {
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
            Failure::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Failure::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable identifier of the kind (`urn:meldpunt:problem:{id}`, the message keys
    /// `failure.{id}` and `failure.{id}.title`).
    pub fn kind_id(&self) -> &'static str {
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
            Failure::UnsupportedMediaType => "unsupported-media-type",
            Failure::Csrf => "csrf",
            Failure::Throttled { .. } => "too-many-requests",
            Failure::Unavailable(_) => "unavailable",
            Failure::Internal => "internal",
        }
    }

    /// (title, explanation) in the language of `tr`.
    pub fn words(&self, tr: Tr) -> (String, String) {
        let title = tr.message(&Message::new(title_key(self)));
        let detail = match self {
            Failure::BadRequest(m) | Failure::Conflict(m) | Failure::Unprocessable(m) => {
                tr.message(m)
            }
            Failure::Invalid(errors) => errors
                .iter()
                .map(|e| tr.message(&e.message))
                .collect::<Vec<_>>()
                .join(" "),
            Failure::Throttled { retry_after_s } => tr
                .message(&Message::new("failure.too-many-requests").with("seconds", retry_after_s)),
            other => tr.message(&Message::new(detail_key(other))),
        };
        (title, detail)
    }
}

fn title_key(f: &Failure) -> &'static str {
    match f {
        Failure::Unauthenticated => "failure.unauthenticated.title",
        Failure::Forbidden => "failure.forbidden.title",
        Failure::NotFound => "failure.not-found.title",
        Failure::MethodNotAllowed => "failure.method-not-allowed.title",
        Failure::BadRequest(_) => "failure.bad-request.title",
        Failure::Conflict(_) => "failure.conflict.title",
        Failure::Unprocessable(_) => "failure.unprocessable.title",
        Failure::Invalid(_) => "failure.invalid-input.title",
        Failure::TooLarge => "failure.payload-too-large.title",
        Failure::UnsupportedMediaType => "failure.unsupported-media-type.title",
        Failure::Csrf => "failure.csrf.title",
        Failure::Throttled { .. } => "failure.too-many-requests.title",
        Failure::Unavailable(_) => "failure.unavailable.title",
        Failure::Internal => "failure.internal.title",
    }
}

/// The explanation of a failure that carries no message of its own.
fn detail_key(f: &Failure) -> &'static str {
    match f {
        Failure::Unauthenticated => "failure.unauthenticated",
        Failure::Forbidden => "failure.forbidden",
        Failure::NotFound => "failure.not-found",
        Failure::MethodNotAllowed => "failure.method-not-allowed",
        Failure::TooLarge => "failure.payload-too-large",
        Failure::UnsupportedMediaType => "failure.unsupported-media-type",
        Failure::Csrf => "failure.csrf",
        Failure::Throttled { .. } => "failure.too-many-requests",
        Failure::Unavailable(_) => "failure.unavailable",
        _ => "failure.internal",
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::NotFound => Failure::NotFound,
            StoreError::Conflict => Failure::Conflict(Message::new("failure.exists")),
            // Logged once per episode by the storage health, not once per request.
            StoreError::Unavailable(msg) => Failure::Unavailable(Some(msg)),
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
            ServiceError::Unprocessable(m) | ServiceError::Denied(m) => Failure::Unprocessable(m),
            ServiceError::NotFound => Failure::NotFound,
            ServiceError::Throttled { retry_after_s } => Failure::Throttled { retry_after_s },
            ServiceError::BadCredentials => Failure::Unauthenticated,
            ServiceError::Store(s) => s.into(),
            ServiceError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Failure::Internal
            }
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
    pub fn bad_request(message: Message) -> PageError {
        PageError(Failure::BadRequest(message))
    }
}

/// The message of a refusal a page shows beside the form it came from (a refused state,
/// a conflict, a field); any other failure becomes the error page.
pub fn refusal_message(e: ServiceError) -> Result<Message, PageError> {
    match e {
        ServiceError::Conflict(m) | ServiceError::Unprocessable(m) | ServiceError::Denied(m) => {
            Ok(m)
        }
        ServiceError::Invalid { message, .. } => Ok(message),
        e => Err(e.into()),
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
    lang: &'static str,
    title: &'a str,
    message: &'a str,
    other_lang: &'static str,
    other_message: &'a str,
    home: &'a str,
    sign_in_label: &'a str,
    skip: &'a str,
    tagline: &'a str,
    status: u16,
    sign_in: bool,
}

/// A failure waiting to be worded as a page ([`word`]).
#[derive(Debug, Clone)]
struct PendingPage(Failure);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let failure = self.0;
        if matches!(failure, Failure::Unauthenticated) {
            return axum::response::Redirect::to("/aanmelden").into_response();
        }
        let mut res = failure.status().into_response();
        with_retry_after(&mut res, &failure);
        res.extensions_mut().insert(PendingPage(failure));
        res
    }
}

/// A response that failed because storage was unavailable; `storage_failures` (in the
/// language middleware) records it in the store's health and sets `Retry-After`.
#[derive(Debug, Clone)]
pub struct StorageFailed(pub String);

/// `Retry-After` for a throttled request, and the storage-failure mark for a 503.
pub(crate) fn with_retry_after(res: &mut Response, failure: &Failure) {
    match failure {
        Failure::Throttled { retry_after_s } => {
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        Failure::Unavailable(detail) => {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            if let Some(d) = detail {
                res.extensions_mut().insert(StorageFailed(d.clone()));
            }
        }
        _ => {}
    }
}

/// Writes the page of a failed page request in the person's language. Responses without a
/// pending failure pass unchanged. (The API words its problem documents the same way, in
/// `web::api::problem`.)
pub fn word(mut res: Response, lang: Lang) -> Response {
    if let Some(PendingPage(failure)) = res.extensions_mut().remove::<PendingPage>() {
        let (parts, _) = res.into_parts();
        let body = page(&failure, lang);
        let mut res = Response::from_parts(parts, Html(body).into_response().into_body());
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return res;
    }
    res
}

/// The error page: the explanation in the person's language, and once more in the other.
pub fn page(failure: &Failure, lang: Lang) -> String {
    let tr = Tr::new(lang);
    let other = Tr::new(match lang {
        Lang::Nl => Lang::En,
        Lang::En => Lang::Nl,
    });
    let (title, message) = failure.words(tr);
    let (_, other_message) = failure.words(other);
    let page = ErrorPage {
        lang: tr.code(),
        title: &title,
        message: &message,
        other_lang: other.code(),
        other_message: &other_message,
        home: tr.t("error_home"),
        sign_in_label: tr.t("error_sign_in"),
        skip: tr.t("skip"),
        tagline: tr.t("site_tagline"),
        status: failure.status().as_u16(),
        sign_in: matches!(
            failure,
            Failure::Csrf | Failure::NotFound | Failure::Forbidden
        ),
    };
    page.render().unwrap_or(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_is_worded_in_both_languages() {
        for f in Failure::examples() {
            let (nl_title, nl) = f.words(Tr::new(Lang::Nl));
            let (en_title, en) = f.words(Tr::new(Lang::En));
            for t in [&nl_title, &nl, &en_title, &en] {
                assert!(!t.is_empty() && !t.contains('{') && t != "??", "{f:?}: {t}");
            }
            assert_ne!(nl_title, en_title, "{f:?} has no English title");
            let page = page(&f, Lang::En);
            assert!(
                page.contains(&en_title) && page.contains("lang=\"en\""),
                "{page}"
            );
        }
    }
}
