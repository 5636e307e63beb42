//! Cookies: reading one from a request, and writing one with meldpunt's attributes
//! (`HttpOnly; SameSite=Lax; Path=/`, and `Secure` with the `__Host-` prefix wherever
//! browsers accept it).

use axum::http::{header, HeaderMap, HeaderValue};

/// Reads a cookie by name from the request headers.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value with meldpunt's cookie attributes.
pub fn cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Path=/"))
}

/// Whether cookies get `Secure` and the `__Host-` prefix: when meldpunt is served over
/// TLS (its public address is https), and on loopback addresses, which browsers treat
/// as secure contexts. Over plain HTTP elsewhere browsers would drop such cookies, so
/// they are sent without (and meldpunt warns at start-up).
pub fn secure_cookies(public_url_is_https: bool, headers: &HeaderMap) -> bool {
    if public_url_is_https {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}
