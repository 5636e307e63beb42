//! Accounts: creating, activating, resetting and disabling people.

use crate::domain::message::Message;
use rand::rngs::OsRng;
use serde_json::json;

use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::credentials::{hash_password, random_secret, sha256_hex, verify_password};
use crate::domain::org::OrgKind;
use crate::domain::policy::roles_for;
use crate::domain::user::{
    can_be_unblocked, check_new_password, NewUser, Role, UserError, UserStatus,
};
use crate::store::{audit, orgs, sessions, users, Store, StoreError};

/// How long an activation link stays valid.
pub const ACTIVATION_VALID_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// A new account waiting for its owner: the link is shown once and never stored.
#[derive(Debug, Clone)]
pub struct Activation {
    pub user_id: i64,
    pub token: String,
}

impl Activation {
    pub fn link(&self, public_url: &str) -> String {
        format!(
            "{}/activeren/{}",
            public_url.trim_end_matches('/'),
            self.token
        )
    }
}

/// The form field and message for an account detail that breaks a rule.
pub fn user_error_message(e: &UserError) -> (&'static str, Message) {
    let (field, key) = match e {
        UserError::InvalidEmail => ("email", "account.email_invalid"),
        UserError::InvalidName => ("name", "account.name_invalid"),
        UserError::PasswordTooShort => ("password", "account.password_too_short"),
        UserError::PasswordTooLong => ("password", "account.password_too_long"),
        UserError::PasswordsDiffer => ("password_repeat", "account.passwords_differ"),
        UserError::PasswordTooCommon => ("password", "account.password_too_common"),
    };
    (field, Message::new(key))
}

/// An account detail that breaks a rule, as the refusal of a use case (like `orgs::org_error`).
pub fn user_error(e: UserError) -> ServiceError {
    let (field, message) = user_error_message(&e);
    ServiceError::invalid(field, message)
}

/// Refuses a role an organisation of this kind does not hand out (`policy::roles_for`).
fn role_fits(role: Role, kind: OrgKind) -> Result<()> {
    if roles_for(kind).contains(&role) {
        return Ok(());
    }
    Err(ServiceError::invalid(
        "role",
        Message::new("account.role_not_for_org")
            .label("role", role.label_nl(), role.label_en())
            .label("kind", kind.label_nl(), kind.label_en()),
    ))
}

/// Gives a person another role of their organisation. Their sessions end, so that the new
/// role (more or less access) holds from their next sign-in on.
pub async fn change_role(store: &Store, ctx: &Ctx, user_id: i64, role: Role) -> Result<()> {
    refuse_self(ctx, user_id)?;
    let user = users::get(store, user_id).await.map_err(not_found)?;
    let org = orgs::get(store, user.org_id).await.map_err(not_found)?;
    role_fits(role, org.kind)?;
    if user.role == role {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    users::set_role(&mut tx, user_id, role).await?;
    let event = ctx.event(
        AuditAction::UserRoleChanged,
        "user",
        user_id,
        Some(user.org_id),
        Outcome::Success,
        json!({"email": user.email, "from": user.role.as_str(), "to": role.as_str()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Lifts a block: the person signs in again with their own password and second factor.
/// An account blocked before it was activated has neither: it needs a new activation link
/// (`reset_user`) instead.
pub async fn enable_user(store: &Store, ctx: &Ctx, user_id: i64) -> Result<()> {
    refuse_self(ctx, user_id)?;
    let user = users::get(store, user_id).await.map_err(not_found)?;
    if user.status != UserStatus::Disabled {
        return Ok(());
    }
    if !can_be_unblocked(user.password_hash.is_some(), user.has_second_factor()) {
        return Err(ServiceError::invalid(
            "user",
            Message::new("account.enable_needs_activation"),
        ));
    }
    let mut tx = store.begin_write().await?;
    users::enable(&mut tx, user_id).await?;
    let event = ctx.event(
        AuditAction::UserEnabled,
        "user",
        user_id,
        Some(user.org_id),
        Outcome::Success,
        json!({"email": user.email}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a pending account in organisation `org_id`.
pub async fn create_user(
    store: &Store,
    ctx: &Ctx,
    org_id: i64,
    user: &NewUser,
) -> Result<Activation> {
    let org = match orgs::get(store, org_id).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return Err(ServiceError::NotFound),
        Err(e) => return Err(e.into()),
    };
    role_fits(user.role, org.kind)?;
    let token = random_secret(32, &mut OsRng);
    let mut tx = store.begin_write().await?;
    let user_id = match users::insert(
        &mut tx,
        org_id,
        user,
        &sha256_hex(&token),
        ctx.now + ACTIVATION_VALID_MS,
        ctx.now,
    )
    .await
    {
        Ok(id) => id,
        Err(StoreError::Conflict) => {
            return Err(ServiceError::Conflict(
                Message::new("account.email_taken").with("email", &user.email),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let event = ctx.event(
        AuditAction::UserCreated,
        "user",
        user_id,
        Some(org_id),
        Outcome::Success,
        json!({"email": user.email.as_str(), "role": user.role.as_str()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(Activation { user_id, token })
}

/// Nobody resets or blocks their own account: that takes a second administrator.
fn refuse_self(ctx: &Ctx, user_id: i64) -> Result<()> {
    if ctx.actor_user_id == Some(user_id) {
        return Err(ServiceError::invalid(
            "user",
            Message::new("account.not_yourself"),
        ));
    }
    Ok(())
}

/// Clears password and second factor and issues a new activation link.
pub async fn reset_user(store: &Store, ctx: &Ctx, user_id: i64) -> Result<Activation> {
    refuse_self(ctx, user_id)?;
    let user = users::get(store, user_id).await.map_err(not_found)?;
    let token = random_secret(32, &mut OsRng);
    let mut tx = store.begin_write().await?;
    users::reset(
        &mut tx,
        user_id,
        &sha256_hex(&token),
        ctx.now + ACTIVATION_VALID_MS,
    )
    .await?;
    let event = ctx.event(
        AuditAction::UserReset,
        "user",
        user_id,
        Some(user.org_id),
        Outcome::Success,
        json!({"email": user.email}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(Activation { user_id, token })
}

/// Blocks an account and ends its sessions.
pub async fn disable_user(store: &Store, ctx: &Ctx, user_id: i64) -> Result<()> {
    refuse_self(ctx, user_id)?;
    let user = users::get(store, user_id).await.map_err(not_found)?;
    if user.status == UserStatus::Disabled {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    users::disable(&mut tx, user_id).await?;
    let event = ctx.event(
        AuditAction::UserDisabled,
        "user",
        user_id,
        Some(user.org_id),
        Outcome::Success,
        json!({"email": user.email}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner of an activation link sets their password.
pub async fn activate(
    store: &Store,
    ctx: &Ctx,
    token: &str,
    password: &str,
    repeated: &str,
) -> Result<i64> {
    let hash = sha256_hex(token);
    let user = users::by_activation(store, &hash, ctx.now)
        .await
        .map_err(not_found)?;
    check_new_password(password, repeated, &[&user.email, &user.name]).map_err(user_error)?;
    let password_hash = hash_password(password, &mut OsRng);
    let mut tx = store.begin_write().await?;
    let user_id = users::activate(&mut tx, &hash, &password_hash, ctx.now)
        .await
        .map_err(not_found)?;
    let mut ctx = ctx.clone();
    ctx.actor_user_id = Some(user_id);
    ctx.actor_label = user.email.clone();
    let event = ctx.event(
        AuditAction::AccountActivated,
        "user",
        user_id,
        Some(user.org_id),
        Outcome::Success,
        json!({}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// A signed-in person changes their own password; other sessions end.
pub async fn change_password(
    store: &Store,
    ctx: &Ctx,
    user_id: i64,
    current_session_hash: &str,
    current: &str,
    new: &str,
    repeated: &str,
) -> Result<()> {
    let user = users::get(store, user_id).await.map_err(not_found)?;
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| verify_password(current, h));
    if !ok {
        return Err(ServiceError::invalid(
            "current_password",
            Message::new("account.current_password_wrong"),
        ));
    }
    check_new_password(new, repeated, &[&user.email, &user.name]).map_err(|e| {
        let (field, msg) = user_error_message(&e);
        ServiceError::invalid(
            if field == "password" {
                "new_password"
            } else {
                field
            },
            msg,
        )
    })?;
    let hash = hash_password(new, &mut OsRng);
    let mut tx = store.begin_write().await?;
    users::set_password(&mut tx, user_id, &hash).await?;
    let ended = sessions::delete_others(&mut tx, user_id, current_session_hash).await?;
    let event = ctx.event(
        AuditAction::PasswordChanged,
        "user",
        user_id,
        Some(user.org_id),
        Outcome::Success,
        json!({"sessions_ended": ended}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

fn not_found(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound => ServiceError::NotFound,
        e => e.into(),
    }
}
