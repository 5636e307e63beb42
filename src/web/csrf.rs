//! CSRF protection for every state-changing page request.
//!
//! Two independent checks, both in this one middleware so no handler can forget them:
//! 1. the browser's own word: a cross-site `Sec-Fetch-Site` or a foreign `Origin` is refused;
//! 2. a token: a random value in the `__Host-` cookie that must be echoed in the form
//!    field `csrf` (double submit). The cookie cannot be set by another site or subdomain.
//!    A form with files (`multipart/form-data`) carries it as its *first* field: only that
//!    field is read here, the files stream on to the handler. Never in the address, where it
//!    would land in logs and browser history (review L5).
//!
//! The API (`/api/v1`) is not covered: it authenticates with bearer tokens, not cookies.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use rand::rngs::OsRng;

use super::cookies::{cookie, read_cookie, secure_cookies};
use super::error::PageError;
use super::AppState;
use crate::domain::credentials::{random_secret, secrets_equal};

/// The token for this request's forms (from the cookie, or new).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub const FIELD: &str = "csrf";

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-meldpunt_csrf"
    } else {
        "meldpunt_csrf"
    }
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site == "cross-site" || site == "same-site" {
            return true;
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin == "null" || origin_host != host {
            return true;
        }
    }
    false
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&').filter_map(|pair| {
        let pair = std::str::from_utf8(pair).ok()?;
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            urlencoding::decode(&s.replace('+', " "))
                .ok()
                .map(|c| c.into_owned())
        };
        Some((decode(k)?, decode(v)?))
    })
}

/// How much of a form with files is read, at most, to find its first field.
const FIRST_FIELD_BYTES: usize = 4096;

/// Reads the beginning of a `multipart/form-data` body up to its first field; returns that
/// field's value when it is the token, and the body, whole again, for the handler.
async fn multipart_token(headers: &HeaderMap, body: Body) -> (Option<String>, Body) {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let mut stream = body.into_data_stream();
    let mut head = Vec::new();
    let mut broken = false;
    while head.len() < FIRST_FIELD_BYTES {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(_)) => {
                broken = true;
                break;
            }
            None => break,
        }
    }
    let head = Bytes::from(head);
    let token = match boundary {
        Some(b) if !broken => first_field_token(head.clone(), b).await,
        _ => None,
    };
    let whole = futures_util::stream::once(async move { Ok::<_, axum::Error>(head) }).chain(stream);
    (token, Body::from_stream(whole))
}

/// The value of the first field of a multipart body's beginning, if it is a complete,
/// short `csrf` text field.
async fn first_field_token(head: Bytes, boundary: String) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(head) });
    let limits = multer::Constraints::new().size_limit(multer::SizeLimit::new().per_field(256));
    let mut form = multer::Multipart::with_constraints(stream, boundary, limits);
    let field = form.next_field().await.ok()??;
    if field.name() != Some(FIELD) || field.file_name().is_some() {
        return None;
    }
    field.text().await.ok()
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = secure_cookies(state.config.uses_tls(), req.headers());
    let existing = read_cookie(req.headers(), cookie_name(secure)).filter(|v| v.len() >= 20);
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (parts, body) = req.into_parts();
    let mut req = if state_changing {
        if is_cross_site(&parts.headers) {
            return PageError::csrf().into_response();
        }
        let Some(expected) = existing.as_deref() else {
            return PageError::csrf().into_response();
        };
        let urlencoded = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if urlencoded {
            let bytes = match to_bytes(body, state.config.max_body_bytes).await {
                Ok(b) => b,
                Err(_) => return PageError::too_large().into_response(),
            };
            let presented = form_field(&bytes, FIELD).unwrap_or_default();
            if !secrets_equal(&presented, expected) {
                return PageError::csrf().into_response();
            }
            Request::from_parts(parts, Body::from(bytes))
        } else {
            // Anything else (a form with files) streams on: its token is the first field,
            // or the `X-CSRF-Token` header.
            let header_token = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let (presented, body) = match header_token {
                Some(t) => (Some(t), body),
                None => multipart_token(&parts.headers, body).await,
            };
            if !secrets_equal(&presented.unwrap_or_default(), expected) {
                return PageError::csrf().into_response();
            }
            Request::from_parts(parts, body)
        }
    } else {
        Request::from_parts(parts, body)
    };
    let (token, is_new) = match existing {
        Some(t) => (t, false),
        None => (random_secret(24, &mut OsRng), true),
    };
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if is_new {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie(cookie_name(secure), &token, secure, None),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn form_fields_are_decoded() {
        let body = b"email=a%40b.nl&csrf=abc+def&x";
        assert_eq!(form_field(body, "csrf").as_deref(), Some("abc def"));
        assert_eq!(form_field(body, "email").as_deref(), Some("a@b.nl"));
        assert_eq!(form_field(body, "missing"), None);
    }

    #[test]
    fn requests_from_other_sites_are_cross_site() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("meldpunt.example"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(is_cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://meldpunt.example"),
        );
        assert!(!is_cross_site(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(is_cross_site(&h));
    }
}
