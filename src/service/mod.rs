//! Use cases shared by the web layer and the command line. Each one runs in a single
//! write transaction that also appends the audit entry recording it, so a change is
//! never without its record and a failed change leaves neither.
//!
//! Authorisation is not decided here: callers ask `domain::policy` first.

pub mod access_requests;
pub mod accounts;
pub mod auth;
pub mod cases;
pub mod copies;
pub mod demo;
pub mod history;
pub mod housekeeping;
pub mod image_hash;
pub mod intake;
pub mod matching;
pub mod notice_setup;
pub mod notices;
pub mod orgs;
pub mod passkeys;
pub mod redress;
pub mod retention;
pub mod search;
mod settings;
pub mod situations;
pub mod sso;
pub mod thumbnail;
pub mod tokens;
pub mod transparency;
pub mod year_report;

pub use settings::Settings;

use crate::domain::audit::{AuditAction, AuditEvent, Outcome};
use crate::domain::message::Message;
use crate::domain::Millis;
use crate::store::StoreError;

/// Who is acting, from where, and when: everything an audit entry needs.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub actor_org_id: Option<i64>,
    pub origin: String,
    pub now: Millis,
}

impl Ctx {
    /// The command line, acting as the operator of the machine.
    pub fn cli(now: Millis) -> Ctx {
        Ctx {
            actor_user_id: None,
            actor_label: "cli".into(),
            actor_org_id: None,
            origin: "cli".into(),
            now,
        }
    }

    /// meldpunt itself, for what its background jobs do (the outbox, the follow-up, matching).
    pub fn system(now: Millis) -> Ctx {
        Ctx {
            actor_user_id: None,
            actor_label: "meldpunt".into(),
            actor_org_id: None,
            origin: "system".into(),
            now,
        }
    }

    /// Someone not signed in (or a system caller before it is identified), at `origin`.
    pub fn anonymous(origin: &str, now: Millis) -> Ctx {
        Ctx {
            actor_user_id: None,
            actor_label: "anonymous".into(),
            actor_org_id: None,
            origin: origin.to_string(),
            now,
        }
    }

    /// The same moment and origin, acting as `user`.
    pub fn acting_as(&self, user: &crate::store::users::User) -> Ctx {
        Ctx {
            actor_user_id: Some(user.id),
            actor_label: user.email.clone(),
            actor_org_id: Some(user.org_id),
            ..self.clone()
        }
    }

    /// An audit event by this actor about an object of organisation `org_id`.
    pub fn event(
        &self,
        action: AuditAction,
        object_type: &str,
        object_id: impl ToString,
        org_id: Option<i64>,
        outcome: Outcome,
        details: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            actor_user_id: self.actor_user_id,
            actor_label: self.actor_label.clone(),
            org_id: org_id.or(self.actor_org_id),
            action,
            object_type: object_type.into(),
            object_id: object_id.to_string(),
            outcome,
            origin: self.origin.clone(),
            details: details.to_string(),
        }
    }
}

/// Why a use case did not happen. Each variant maps to one HTTP status; what a person
/// reads is a [`Message`] (a kind with fields) that the web layer words in their language.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that breaks a rule, tied to a form field.
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: Message,
    },
    /// A unique value is taken, or the object changed meanwhile.
    #[error("conflict: {0}")]
    Conflict(Message),
    /// Input that breaks several rules at once (a report form), each tied to a field.
    #[error("invalid input")]
    Rejected(Vec<crate::domain::report::FieldError>),
    /// Well-formed, but cannot be done in the current state (a refused transition, a
    /// reused idempotency key with another request, a missing contact point).
    #[error("cannot be processed: {0}")]
    Unprocessable(Message),
    /// A rule on *who* may do this refused it (four eyes: not the author, not the reporter,
    /// a supervisor). Audited as `denied`, not as a failure.
    #[error("denied: {0}")]
    Denied(Message),
    #[error("not found")]
    NotFound,
    /// Too many failed attempts: try again after this many seconds.
    #[error("throttled for {retry_after_s} s")]
    Throttled { retry_after_s: i64 },
    /// Wrong credentials; deliberately vague.
    #[error("sign-in failed")]
    BadCredentials,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something meldpunt itself got wrong (logged; the person sees a general error).
    #[error("internal: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: Message) -> ServiceError {
        ServiceError::Invalid { field, message }
    }

    /// `Unprocessable` with a message that has no fields.
    pub fn refused(key: &'static str) -> ServiceError {
        ServiceError::Unprocessable(Message::new(key))
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// A background job (the outbox, the follow-up of notices, housekeeping) failed. A storage
/// outage counts in the store's health (logged once per episode, not once per round); any
/// other failure is logged.
pub fn background_failure(store: &crate::store::Store, job: &'static str, e: &ServiceError) {
    match e {
        ServiceError::Store(StoreError::Unavailable(detail)) => store.health().write_failed(detail),
        e => tracing::warn!(job, error = %e, "background job failed"),
    }
}

/// The current time in milliseconds; the only clock read in meldpunt outside tests.
pub fn now_ms() -> Millis {
    jiff::Timestamp::now().as_millisecond()
}

/// Where a long-running worker reads the time: the system clock, or the system clock moved
/// forward by a fixed amount (tests of back-off, retention and deadlines move time so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    ahead_ms: Millis,
}

impl Clock {
    /// The system clock.
    pub const SYSTEM: Clock = Clock { ahead_ms: 0 };

    /// The system clock, `ms` milliseconds ahead.
    pub fn ahead(ms: Millis) -> Clock {
        Clock { ahead_ms: ms }
    }

    pub fn now(&self) -> Millis {
        now_ms() + self.ahead_ms
    }
}
