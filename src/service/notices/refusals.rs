//! Refused requests on record: every refusal of a request that would change something is
//! itself audited (outcome `failure`, or `denied` when a rule on who may act refused it), in
//! a transaction of its own after the refused one rolled back: nothing changes, but the
//! attempt is in the audit trail.

use serde_json::json;

use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::service::{Ctx, Result, ServiceError};
use crate::store::{audit, Store, StoreError};

pub(crate) fn not_found(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound => ServiceError::NotFound,
        e => e.into(),
    }
}

/// Records a refused attempt and returns the refusal.
pub(crate) async fn refused<T>(
    store: &Store,
    ctx: &Ctx,
    action: AuditAction,
    object: (&str, i64),
    outcome: AuditOutcome,
    error: ServiceError,
) -> Result<T> {
    // The refusal's kind and fields (`review.four_eyes_author`, …), in no person's language.
    let why = match &error {
        ServiceError::Unprocessable(m) | ServiceError::Conflict(m) | ServiceError::Denied(m) => {
            m.to_string()
        }
        ServiceError::Invalid { field, message } => format!("{field}: {message}"),
        ServiceError::Rejected(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        e => e.to_string(),
    };
    let mut tx = store.begin_write().await?;
    let event = ctx.event(
        action,
        object.0,
        object.1,
        None,
        outcome,
        json!({ "refused": why }),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Err(error)
}

/// Passes `result` on; a refusal (bad input, or a state that does not allow the request) is
/// first recorded in the audit trail as a failed attempt on `object`.
pub(crate) async fn audit_refusal<T>(
    store: &Store,
    ctx: &Ctx,
    action: AuditAction,
    object: (&str, i64),
    result: Result<T>,
) -> Result<T> {
    match result {
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Rejected(_)
            | ServiceError::Unprocessable(_)),
        ) => refused(store, ctx, action, object, AuditOutcome::Failure, e).await,
        Err(e @ ServiceError::Denied(_)) => {
            refused(store, ctx, action, object, AuditOutcome::Denied, e).await
        }
        other => other,
    }
}
