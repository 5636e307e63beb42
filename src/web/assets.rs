//! Static assets, compiled into the binary. The NL Design System files are copied from
//! pinned npm packages by `scripts/vendor-assets.sh` (see assets/package.json).

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A vendored font file: its name, its bytes, its media type.
macro_rules! font {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../../assets/vendor/", $name)),
            "font/woff2",
        )
    };
}

const FILES: &[(&str, &[u8], &str)] = &[
    (
        "utrecht-component-library.css",
        include_bytes!("../../assets/vendor/utrecht-component-library.css"),
        "text/css; charset=utf-8",
    ),
    (
        "voorbeeld-theme.css",
        include_bytes!("../../assets/vendor/voorbeeld-theme.css"),
        "text/css; charset=utf-8",
    ),
    (
        "meldpunt.css",
        include_bytes!("../../assets/meldpunt.css"),
        "text/css; charset=utf-8",
    ),
    // Only on the pages that offer a passkey (`assets/passkey.js`).
    (
        "passkey.js",
        include_bytes!("../../assets/passkey.js"),
        "text/javascript; charset=utf-8",
    ),
    // Noto Sans, SIL Open Font License 1.1 (assets/vendor/noto-sans-OFL.txt).
    font!("noto-sans-latin-400-normal.woff2"),
    font!("noto-sans-latin-400-italic.woff2"),
    font!("noto-sans-latin-700-normal.woff2"),
    font!("noto-sans-latin-ext-400-normal.woff2"),
    font!("noto-sans-latin-ext-400-italic.woff2"),
    font!("noto-sans-latin-ext-700-normal.woff2"),
    (
        "noto-sans-OFL.txt",
        include_bytes!("../../assets/vendor/noto-sans-OFL.txt"),
        "text/plain; charset=utf-8",
    ),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, bytes, mime)) => {
            let mut res = (StatusCode::OK, *bytes).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            res
        }
        None => super::error::PageError::not_found().into_response(),
    }
}
