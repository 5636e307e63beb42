//! Form handling: a `Form` extractor whose rejections are Dutch pages, and field errors
//! that templates tie to their inputs.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::error::{Failure, PageError};
use super::i18n::Tr;
use crate::domain::message::Message;
use crate::domain::report::FieldError;

/// Errors per form field, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn single(field: &str, message: impl Into<String>) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add(field, message);
        e
    }

    /// One field's message from the domain or a use case, worded in `tr`'s language.
    pub fn message(tr: &Tr, field: &str, message: &Message) -> FieldErrors {
        FieldErrors::single(field, tr.message(message))
    }

    /// Every broken rule of a rejected form, worded in `tr`'s language.
    pub fn rejected(tr: &Tr, list: &[FieldError]) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for e in list {
            errors.add(&e.field, tr.message(&e.message));
        }
        errors
    }
}

/// A form whose fields hold a hidden character (`domain::text`) is refused as a whole with a
/// 400 page that says so.
fn refuse_hidden(bytes: &[u8]) -> Result<(), PageError> {
    let hidden = url::form_urlencoded::parse(bytes)
        .any(|(k, v)| crate::domain::text::has_hidden(&k) || crate::domain::text::has_hidden(&v));
    if hidden {
        return Err(PageError::bad_request(Message::new(
            "field.hidden_characters",
        )));
    }
    Ok(())
}

/// `application/x-www-form-urlencoded` input; malformed input is a 400 page.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Read once to look for hidden characters (review L7), then hand the same request on.
        let (method, uri, headers) = (
            req.method().clone(),
            req.uri().clone(),
            req.headers().clone(),
        );
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| PageError(Failure::TooLarge))?;
        refuse_hidden(&bytes)?;
        let mut again = Request::new(axum::body::Body::from(bytes));
        *again.method_mut() = method;
        *again.uri_mut() = uri;
        *again.headers_mut() = headers;
        match axum::Form::<T>::from_request(again, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(FormRejection::BytesRejection(_)) => Err(PageError(Failure::TooLarge)),
            Err(e) => {
                tracing::debug!(error = %e, "malformed form");
                Err(PageError::bad_request(Message::new("web.form_malformed")))
            }
        }
    }
}

/// `application/x-www-form-urlencoded` input as name–value pairs, for forms with
/// repeated names (a group of checkboxes).
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, or "".
    pub fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }
}

impl<S> FromRequest<S> for Pairs
where
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| PageError(Failure::TooLarge))?;
        refuse_hidden(&bytes)?;
        Ok(Pairs(
            url::form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}
