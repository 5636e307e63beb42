//! Operations endpoints: liveness, readiness and Prometheus metrics.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;
use crate::domain::credentials::secrets_equal;

/// The process-wide metrics recorder, installed once.
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => {
                // Present (at 0) from the start, so an alert on their increase works at once.
                metrics::describe_counter!(
                    "meldpunt_storage_failures_total",
                    "Requests and background writes refused because storage was unavailable"
                );
                metrics::counter!("meldpunt_storage_failures_total").increment(0);
                metrics::describe_counter!(
                    "meldpunt_log_write_failures_total",
                    "Log lines that could not be written"
                );
                metrics::counter!("meldpunt_log_write_failures_total").absolute(0);
                Some(h)
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .clone()
}

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers, and writes have not failed in the last
/// few seconds (`store::health`). While they fail, the answer is 503 with `Retry-After`, so
/// a load balancer sends traffic to another instance until this one can write again.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let health = state.store.health();
    let why = if health.degraded() {
        Some("storage writes are failing")
    } else if !state.store.ping().await {
        Some("database unavailable")
    } else {
        None
    };
    match why {
        None => (StatusCode::OK, "ready").into_response(),
        Some(why) => {
            let mut res = (StatusCode::SERVICE_UNAVAILABLE, why).into_response();
            if let Ok(v) = HeaderValue::from_str(&health.retry_after_s().to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    }
}

/// Prometheus metrics, only with the configured bearer token; without one it is off.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !secrets_equal(presented, expected) {
        let mut res = StatusCode::UNAUTHORIZED.into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return res;
    }
    metrics::counter!("meldpunt_log_write_failures_total")
        .absolute(crate::logging::failed_writes());
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    res
}
