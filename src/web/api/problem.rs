//! The API's errors: `application/problem+json` (RFC 9457), worded in the language the
//! client asks for (`Accept-Language`, Dutch by default) by [`word_problems`], the API
//! router's outermost layer.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::API_VERSION;
use crate::web::error::{with_retry_after, Failure};
use crate::web::i18n::{Lang, Tr};

/// A failure waiting to be worded as a problem document ([`word_problems`]).
#[derive(Debug, Clone)]
struct PendingProblem(Failure);

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
        let mut res = failure.status().into_response();
        let h = res.headers_mut();
        h.insert("api-version", HeaderValue::from_static(API_VERSION));
        if matches!(failure, Failure::Unauthenticated) {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"meldpunt\""),
            );
        }
        with_retry_after(&mut res, &failure);
        res.extensions_mut().insert(PendingProblem(failure));
        res
    }
}

/// Words the problem document of a failed API request in the language it asked for.
pub async fn word_problems(req: Request, next: Next) -> Response {
    let lang = Lang::from_accept_language(req.headers());
    let mut res = next.run(req).await;
    let Some(PendingProblem(failure)) = res.extensions_mut().remove::<PendingProblem>() else {
        return res;
    };
    let (parts, _) = res.into_parts();
    let mut res = Response::from_parts(parts, problem(&failure, lang).into_response().into_body());
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    res
}

/// The problem document (RFC 9457) in `lang`.
pub fn problem(failure: &Failure, lang: Lang) -> String {
    let tr = Tr::new(lang);
    let (title, detail) = failure.words(tr);
    let mut body = json!({
        "type": format!("urn:meldpunt:problem:{}", failure.kind_id()),
        "title": title,
        "status": failure.status().as_u16(),
        "detail": detail,
    });
    if let Failure::Invalid(errors) = failure {
        body["invalidParams"] = errors
            .iter()
            .map(|e| json!({"name": e.field, "reason": tr.message(&e.message)}))
            .collect();
    }
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_a_problem_document_in_both_languages() {
        for f in Failure::examples() {
            for lang in [Lang::Nl, Lang::En] {
                let doc: serde_json::Value = serde_json::from_str(&problem(&f, lang)).unwrap();
                let (title, detail) = f.words(Tr::new(lang));
                assert_eq!(doc["title"], title.as_str());
                assert_eq!(doc["detail"], detail.as_str());
                assert_eq!(doc["status"], f.status().as_u16());
                assert_eq!(doc["type"], format!("urn:meldpunt:problem:{}", f.kind_id()));
            }
        }
    }
}
