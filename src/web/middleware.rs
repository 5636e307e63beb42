//! Cross-cutting request handling: security headers, metrics, client address and language.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::i18n::Lang;
use super::AppState;

/// The network address a request came from, as recorded in the audit trail.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// Pages allow only own styles, images and scripts (one script, `passkey.js`, on the pages
/// that offer a passkey; no inline script anywhere), no framing, no plugins.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.uses_tls() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

/// Per request: a request id (`X-Request-Id`), one structured log line and the
/// Prometheus counters. The route label is the route pattern, never the raw path.
pub async fn observe(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| {
            let mut bytes = [0u8; 8];
            rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
            hex::encode(bytes)
        });
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let route = res
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| {
            if path.starts_with("/api/") {
                "/api/unmatched".into()
            } else {
                "unmatched".into()
            }
        });
    let status = res.status().as_u16();
    let elapsed = start.elapsed();
    tracing::info!(
        request.id = %request_id,
        request.method = %method,
        request.route = %route,
        response.status = status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("meldpunt_http_requests_total", &labels).increment(1);
    metrics::histogram!("meldpunt_http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// The id of this request, also sent back as `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Copies the matched route pattern into the response, for [`observe`] (which runs
/// before routing and so cannot see it on the request).
pub async fn remember_route(req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let mut res = next.run(req).await;
    if let Some(m) = matched {
        res.extensions_mut().insert(m);
    }
    res
}

/// Works out who is asking (address) and in which language to answer.
pub async fn client_context(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let forwarded = state
        .config
        .trust_forwarded_for
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_string())
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        })
        .flatten();
    let addr = forwarded.unwrap_or_else(|| {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    });
    let lang = Lang::from_headers(req.headers());
    req.extensions_mut().insert(ClientAddr(addr));
    req.extensions_mut().insert(lang);
    let res = storage_failures(&state, next.run(req).await);
    super::error::word(res, lang)
}

/// A request that failed because storage was unavailable counts in the store's health (one
/// ERROR line per episode, a counter, `/readyz` not ready for a while) and tells the client
/// when to try again.
fn storage_failures(state: &AppState, mut res: Response) -> Response {
    if let Some(super::error::StorageFailed(detail)) = res.extensions_mut().remove() {
        let health = state.store.health();
        health.write_failed(&detail);
        if let Ok(v) = HeaderValue::from_str(&health.retry_after_s().to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    res
}
