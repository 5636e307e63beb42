//! Passkeys (WebAuthn, via webauthn-rs) as a second factor for every account: adding one
//! (the first one instead of an authenticator app, or another one later), signing in with
//! one after the password, and removing one.
//!
//! A ceremony's state (its challenge) is kept with the session it belongs to and can be
//! finished once, on any instance. A passkey belongs to one account: its credential id is
//! unique, and one presented for another account is refused and audited. Passkeys need a
//! relying party with a domain name (`public_url` such as `https://meldpunt.example` or
//! `http://localhost:8080`); with an IP address in `public_url` they are not offered.

use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Uuid, Webauthn,
    WebauthnBuilder, WebauthnError,
};

use super::auth::{self, NewSession};
use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::credentials::verify_password;
use crate::domain::message::Message;
use crate::domain::text::has_hidden;
use crate::store::passkeys::{self, NewPasskey, StoredPasskey};
use crate::store::sessions::{self, Session};
use crate::store::users::{self, User};
use crate::store::{audit, Store};

/// The longest name a person may give a passkey.
const MAX_NAME_CHARS: usize = 60;

/// The relying party for `public_url`, or `None` when passkeys cannot work there (no
/// domain name).
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let origin = Url::parse(public_url).ok()?;
    let domain = origin.domain()?.to_string();
    WebauthnBuilder::new(&domain, &origin)
        .ok()?
        .rp_name("meldpunt")
        .build()
        .ok()
}

/// A ceremony under way, as kept with the session.
#[derive(Serialize, Deserialize)]
enum Ceremony {
    /// Adding a passkey, for the account's WebAuthn user handle.
    Register {
        state: PasskeyRegistration,
        user_handle: String,
    },
    SignIn(PasskeyAuthentication),
}

fn invalid(key: &'static str) -> ServiceError {
    ServiceError::invalid("passkey", Message::new(key))
}

async fn keep(store: &Store, session: &Session, ceremony: &Ceremony) -> Result<()> {
    let state = serde_json::to_string(ceremony)
        .map_err(|e| ServiceError::Internal(format!("passkey state: {e}")))?;
    let mut tx = store.begin_write().await?;
    sessions::set_webauthn_state(&mut tx, &session.id_hash, &state).await?;
    tx.commit().await?;
    Ok(())
}

async fn take(tx: &mut crate::store::WriteTx, session: &Session) -> Result<Option<Ceremony>> {
    Ok(sessions::take_webauthn_state(tx, &session.id_hash)
        .await?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

fn stored_credential(p: &StoredPasskey) -> Result<Passkey> {
    serde_json::from_str(&p.credential)
        .map_err(|e| ServiceError::Internal(format!("stored passkey {}: {e}", p.id)))
}

/// The account's passkeys that can be read; an unreadable one is logged and left out, so
/// it never stands in the way of the app or a recovery code.
fn readable(stored: &[StoredPasskey]) -> Vec<Passkey> {
    stored
        .iter()
        .filter_map(|p| match stored_credential(p) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "passkey left out");
                None
            }
        })
        .collect()
}

fn credential_id(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

/// Starts adding a passkey to the account: the options for `navigator.credentials.create`.
pub async fn begin_registration(
    store: &Store,
    webauthn: &Webauthn,
    session: &Session,
    user: &User,
) -> Result<CreationChallengeResponse> {
    let existing = passkeys::of_user(store, user.id).await?;
    let handle = match existing.first() {
        Some(p) => Uuid::parse_str(&p.user_handle)
            .map_err(|e| ServiceError::Internal(format!("passkey user handle: {e}")))?,
        None => Uuid::new_v4(),
    };
    let exclude = readable(&existing)
        .iter()
        .map(|c| c.cred_id().clone())
        .collect();
    let (options, state) = webauthn
        .start_passkey_registration(handle, &user.email, &user.name, Some(exclude))
        .map_err(|e| ServiceError::Internal(format!("passkey registration: {e}")))?;
    let ceremony = Ceremony::Register {
        state,
        user_handle: handle.to_string(),
    };
    keep(store, session, &ceremony).await?;
    Ok(options)
}

/// What adding a passkey led to.
#[derive(Debug)]
pub enum Added {
    /// The account's first second factor: the sign-in is complete, with recovery codes to
    /// show once.
    First {
        session: NewSession,
        recovery_codes: Vec<String>,
    },
    /// Another passkey for an account that had a second factor already.
    Another,
}

/// What the person sent to finish adding a passkey.
pub struct Registration<'a> {
    /// The `PublicKeyCredential` from `navigator.credentials.create`, as JSON.
    pub credential: &'a str,
    pub name: &'a str,
    /// Needed when the account has a second factor already.
    pub current_password: &'a str,
}

/// Finishes adding a passkey. Bad input (a name too long, a wrong password, no ceremony under
/// way, a malformed or refused credential, one registered already) changes nothing and is
/// audited.
pub async fn finish_registration(
    store: &Store,
    webauthn: &Webauthn,
    ctx: &Ctx,
    session: &Session,
    user: &User,
    r: &Registration<'_>,
    device_cookie: Option<&str>,
) -> Result<Added> {
    // Every refusal is audited and changes nothing.
    let refused = |reason: &'static str, error: ServiceError| async move {
        record(
            store,
            ctx,
            user,
            AuditAction::PasskeyAdded,
            Outcome::Failure,
            reason,
        )
        .await?;
        Err::<Added, _>(error)
    };
    let name = r.name.trim();
    if name.chars().count() > MAX_NAME_CHARS || has_hidden(name) {
        let message = Message::new("passkey.name_invalid").with("max", MAX_NAME_CHARS);
        return refused("name_invalid", ServiceError::invalid("name", message)).await;
    }
    let first = !user.has_second_factor();
    if !first {
        let ok = user
            .password_hash
            .as_deref()
            .is_some_and(|h| verify_password(r.current_password, h));
        if !ok {
            let message = Message::new("account.current_password_wrong");
            return refused(
                "wrong_password",
                ServiceError::invalid("current_password", message),
            )
            .await;
        }
    }
    let mut tx = store.begin_write().await?;
    let taken = take(&mut tx, session).await?;
    // The state is used up either way.
    tx.commit().await?;
    let Some(Ceremony::Register {
        state,
        user_handle: handle,
    }) = taken
    else {
        return refused("no_ceremony", invalid("passkey.expired")).await;
    };
    let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(r.credential) else {
        return refused("malformed", invalid("passkey.malformed")).await;
    };
    let passkey = match webauthn.finish_passkey_registration(&credential, &state) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(error = %e, "passkey registration refused");
            return refused("refused", invalid("passkey.refused")).await;
        }
    };
    let id = credential_id(passkey.cred_id().as_ref());
    if passkeys::by_credential_id(store, &id).await?.is_some() {
        return refused("registered_already", invalid("passkey.registered_already")).await;
    }
    let existing = passkeys::of_user(store, user.id).await?;
    let name = if name.is_empty() {
        format!("Passkey {}", existing.len() + 1)
    } else {
        name.to_string()
    };
    let stored = serde_json::to_string(&passkey)
        .map_err(|e| ServiceError::Internal(format!("passkey: {e}")))?;
    let device = auth::device_to_keep(store, device_cookie).await?;
    let mut tx = store.begin_write().await?;
    passkeys::insert(
        &mut tx,
        &NewPasskey {
            user_id: user.id,
            user_handle: &handle,
            credential_id: &id,
            credential: &stored,
            name: &name,
        },
        ctx.now,
    )
    .await?;
    let added = if first {
        let (codes, hashes) = auth::recovery_codes();
        users::set_recovery_codes(&mut tx, user.id, &hashes).await?;
        Added::First {
            session: auth::complete_sign_in(&mut tx, ctx, user, Some(session), device).await?,
            recovery_codes: codes,
        }
    } else {
        Added::Another
    };
    let actor = ctx.acting_as(user);
    let event = actor.event(
        AuditAction::PasskeyAdded,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({"name": name, "first_factor": first}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(added)
}

async fn record(
    store: &Store,
    ctx: &Ctx,
    user: &User,
    action: AuditAction,
    outcome: Outcome,
    reason: &str,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let actor = ctx.acting_as(user);
    let event = actor.event(
        action,
        "user",
        user.id,
        Some(user.org_id),
        outcome,
        json!({"reason": reason}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts the second step with a passkey: the options for `navigator.credentials.get`.
pub async fn begin_sign_in(
    store: &Store,
    webauthn: &Webauthn,
    session: &Session,
    user: &User,
) -> Result<RequestChallengeResponse> {
    let credentials = readable(&passkeys::of_user(store, user.id).await?);
    if credentials.is_empty() {
        return Err(invalid("passkey.none"));
    }
    let (options, state) = webauthn
        .start_passkey_authentication(&credentials)
        .map_err(|e| ServiceError::Internal(format!("passkey sign-in: {e}")))?;
    keep(store, session, &Ceremony::SignIn(state)).await?;
    Ok(options)
}

/// Finishes the second step with a passkey (throttled and audited as the code is). On
/// success the half-finished session is replaced by a signed-in one.
pub async fn finish_sign_in(
    store: &Store,
    webauthn: &Webauthn,
    ctx: &Ctx,
    session: &Session,
    user: &User,
    credential_json: &str,
    device_cookie: Option<&str>,
) -> Result<NewSession> {
    let keys = auth::applicable_keys(store, ctx, &user.email, Some(user), device_cookie).await?;
    auth::check_throttle(store, ctx, &keys, &user.email).await?;
    let mut tx = store.begin_write().await?;
    let state = take(&mut tx, session).await?;
    tx.commit().await?;
    let fail = |reason: &'static str, key: &'static str| {
        let keys = keys.clone();
        async move {
            auth::record_failure(
                store,
                ctx,
                &keys,
                &user.email,
                Some(user),
                AuditAction::SignInPasskey,
                reason,
            )
            .await?;
            Err::<NewSession, _>(invalid(key))
        }
    };
    let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(credential_json) else {
        return fail("malformed", "passkey.malformed").await;
    };
    // Whose passkey it is comes first: another account's is refused as such.
    let id = credential_id(credential.raw_id.as_ref());
    let stored = match passkeys::by_credential_id(store, &id).await? {
        Some(p) if p.user_id == user.id => p,
        Some(_) => return fail("other_account", "passkey.other_account").await,
        None => return fail("unknown_passkey", "passkey.unknown").await,
    };
    let Some(Ceremony::SignIn(state)) = state else {
        return fail("no_ceremony", "passkey.expired").await;
    };
    let result = match webauthn.finish_passkey_authentication(&credential, &state) {
        Ok(r) => r,
        Err(WebauthnError::UserNotVerified) => {
            return fail("not_verified", "passkey.not_verified").await
        }
        Err(e) => {
            tracing::info!(error = %e, "passkey sign-in refused");
            return fail("refused", "passkey.refused").await;
        }
    };
    let mut passkey = stored_credential(&stored)?;
    passkey.update_credential(&result);
    let updated = serde_json::to_string(&passkey)
        .map_err(|e| ServiceError::Internal(format!("passkey: {e}")))?;
    let device = auth::device_to_keep(store, device_cookie).await?;
    let mut tx = store.begin_write().await?;
    passkeys::record_use(&mut tx, stored.id, &updated, ctx.now).await?;
    auth::clear_counters(&mut tx, &keys).await?;
    let new = auth::complete_sign_in(&mut tx, ctx, user, Some(session), device).await?;
    let actor = ctx.acting_as(user);
    let event = actor.event(
        AuditAction::SignInPasskey,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({"passkey": stored.name}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(new)
}

/// Removes one of the person's own passkeys, unless it is their only second factor.
pub async fn remove(store: &Store, ctx: &Ctx, user: &User, passkey_id: i64) -> Result<()> {
    let own = passkeys::of_user(store, user.id).await?;
    let Some(p) = own.iter().find(|p| p.id == passkey_id) else {
        return Err(ServiceError::NotFound);
    };
    if user.totp_secret.is_none() && own.len() == 1 {
        record(
            store,
            ctx,
            user,
            AuditAction::PasskeyRemoved,
            Outcome::Failure,
            "last_factor",
        )
        .await?;
        return Err(invalid("passkey.last_factor"));
    }
    let mut tx = store.begin_write().await?;
    passkeys::delete(&mut tx, user.id, p.id).await?;
    let actor = ctx.acting_as(user);
    let event = actor.event(
        AuditAction::PasskeyRemoved,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({"name": p.name}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}
