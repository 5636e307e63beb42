//! API tokens: created for an organisation, shown once, stored hashed, revocable.

use crate::domain::message::Message;
use rand::rngs::OsRng;
use serde_json::json;

use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::credentials::{new_api_token, sha256_hex};
use crate::store::tokens::ApiToken;
use crate::store::{audit, orgs, tokens, Store, StoreError};

/// Creates a token for `org_id`; returns its id and the token itself (shown once).
pub async fn create(store: &Store, ctx: &Ctx, org_id: i64, name: &str) -> Result<(i64, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::invalid(
            "name",
            Message::new("token.name_required"),
        ));
    }
    orgs::get(store, org_id).await.map_err(|e| match e {
        StoreError::NotFound => ServiceError::NotFound,
        e => e.into(),
    })?;
    let (token, prefix) = new_api_token(&mut OsRng);
    let mut tx = store.begin_write().await?;
    let id = tokens::insert(
        &mut tx,
        org_id,
        name,
        &sha256_hex(&token),
        &prefix,
        ctx.actor_user_id,
        ctx.now,
    )
    .await?;
    let event = ctx.event(
        AuditAction::ApiTokenCreated,
        "api_token",
        id,
        Some(org_id),
        Outcome::Success,
        json!({"name": name, "prefix": prefix}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok((id, token))
}

pub async fn revoke(store: &Store, ctx: &Ctx, token: &ApiToken) -> Result<()> {
    let mut tx = store.begin_write().await?;
    tokens::revoke(&mut tx, token.id, ctx.now)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ServiceError::NotFound,
            e => e.into(),
        })?;
    let event = ctx.event(
        AuditAction::ApiTokenRevoked,
        "api_token",
        token.id,
        Some(token.org_id),
        Outcome::Success,
        json!({"prefix": token.prefix}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// How precisely the last use of a token is recorded.
const LAST_USED_PRECISION_MS: i64 = 60_000;

/// The live token behind a bearer value; records its use (to the minute).
pub async fn authenticate(store: &Store, ctx: &Ctx, bearer: &str) -> Result<Option<ApiToken>> {
    let Some(token) = tokens::by_hash(store, &sha256_hex(bearer.trim())).await? else {
        return Ok(None);
    };
    // "Last used" is kept to the minute: a write (and an fsync) per API call would cap
    // the API's throughput for a figure nobody reads more precisely.
    if token
        .last_used_at
        .is_none_or(|t| ctx.now - t >= LAST_USED_PRECISION_MS)
    {
        let mut tx = store.begin_write().await?;
        tokens::mark_used(&mut tx, token.id, ctx.now).await?;
        tx.commit().await?;
    }
    Ok(Some(token))
}
