//! The page handlers' path and query extractors: axum's, with a refusal in the person's
//! language instead of the framework's text (review I1: `/zaken/abc` answered "Cannot parse
//! `abc` to a `i64`"). A path that does not parse names nothing, so it is "not found"; a
//! query that does not parse is a bad request with a message of meldpunt's own.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::message::Message;
use crate::web::error::{Failure, PageError};

/// Like `axum::extract::Path`; a segment that does not parse is a 404 page.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(PageError::not_found()),
        }
    }
}

/// Like `axum::extract::Query`; a query that does not parse is a 400 page.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(_) => Err(PageError(Failure::BadRequest(Message::new(
                "web.query_malformed",
            )))),
        }
    }
}
