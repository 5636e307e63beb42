//! CSRF protection for every state-changing page request.
//!
//! Two independent checks, both in this one middleware so no handler can forget them:
//! 1. the browser's own word: a cross-site `Sec-Fetch-Site` or a foreign `Origin` is refused;
//! 2. a token: a random value in the `__Host-` cookie that must be echoed in the form
//!    field `csrf` (double submit). The cookie cannot be set by another site or subdomain.
//!
//! The API (`/api/v1`) is not covered: it authenticates with bearer tokens, not cookies.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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
            // Other bodies (file uploads) are streamed, not read here: their token comes
            // in the `X-CSRF-Token` header or the `csrf` query parameter of the form action.
            let presented = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or_else(|| {
                    parts
                        .uri
                        .query()
                        .and_then(|q| form_field(q.as_bytes(), FIELD))
                })
                .unwrap_or_default();
            if !secrets_equal(&presented, expected) {
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
