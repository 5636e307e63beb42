//! Signing in and out: password, second factor (TOTP or a recovery code), enrolment,
//! throttling of failures, session loading and time-outs.

use crate::domain::message::Message;
use rand::rngs::OsRng;
use serde_json::json;

use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::credentials::{
    check_totp, dummy_hash, new_recovery_codes, new_totp_secret, normalise_recovery_code,
    random_secret, sha256_hex, verify_password, TotpRejection,
};
use crate::domain::session::{check_session, SessionLimits, SessionStage, SessionValidity};
use crate::domain::throttle::{self, after_failure, blocked_until, Attempt, ThrottleKind};
use crate::domain::user::UserStatus;
use crate::store::sessions::Session;
use crate::store::users::User;
use crate::store::{audit, sessions, throttle as counters, users, Store, StoreError};

/// A session just created: `token` goes into the cookie, never into the database.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub stage: SessionStage,
    /// When the sign-in is complete: the device cookie to (re)set, which makes this browser
    /// a known device of the account (`domain::throttle`).
    pub device: Option<String>,
}

pub(super) async fn new_session(
    tx: &mut crate::store::WriteTx,
    user_id: i64,
    stage: SessionStage,
    ctx: &Ctx,
) -> Result<NewSession> {
    let token = random_secret(32, &mut OsRng);
    sessions::insert(
        tx,
        &sha256_hex(&token),
        user_id,
        stage,
        &ctx.origin,
        ctx.now,
    )
    .await?;
    Ok(NewSession {
        token,
        stage,
        device: None,
    })
}

/// The hash of a device cookie as presented, when it is well-formed (anything else counts
/// as no cookie).
fn device_hash(cookie: Option<&str>) -> Option<String> {
    cookie
        .filter(|c| {
            (32..=64).contains(&c.len())
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(sha256_hex)
}

/// The device cookie to keep after a completed sign-in: the one the browser presented when
/// meldpunt issued it (one browser may be known to several accounts), else a new one — a
/// value the browser made up, or one planted in it, is never adopted.
pub(super) async fn device_to_keep(store: &Store, cookie: Option<&str>) -> Result<String> {
    if let (Some(c), Some(hash)) = (cookie, device_hash(cookie)) {
        if counters::is_issued_device(store, &hash).await? {
            return Ok(c.to_string());
        }
    }
    Ok(random_secret(32, &mut OsRng))
}

/// Completes a sign-in in `tx`: the half-finished session (if the sign-in had one) ends, a
/// signed-in one begins, and the browser becomes a known device of the account, with the
/// cookie from [`device_to_keep`].
pub(super) async fn complete_sign_in(
    tx: &mut crate::store::WriteTx,
    ctx: &Ctx,
    user: &User,
    half_finished: Option<&Session>,
    device: String,
) -> Result<NewSession> {
    if let Some(s) = half_finished {
        sessions::delete(tx, &s.id_hash).await?;
    }
    let mut new = new_session(tx, user.id, SessionStage::SignedIn, ctx).await?;
    // A sign-in begun by single sign-on stays one (the provider keeps confirming it).
    if let Some(mark) = half_finished.and_then(|s| s.sso) {
        sessions::mark_sso(tx, &sha256_hex(&new.token), mark).await?;
    }
    counters::remember_device(tx, user.id, &sha256_hex(&device), ctx.now).await?;
    new.device = Some(device);
    Ok(new)
}

/// Ten new recovery codes (to show once) and their hashes (to store).
pub(super) fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes = new_recovery_codes(&mut OsRng);
    let hashes = codes.iter().map(|c| sha256_hex(c)).collect();
    (codes, hashes)
}

/// The throttle counters that apply to an attempt on `account` from the context's address
/// and the browser with this device cookie (`domain::throttle::counters`).
pub(super) async fn applicable_keys(
    store: &Store,
    ctx: &Ctx,
    account: &str,
    user: Option<&User>,
    device_cookie: Option<&str>,
) -> Result<Vec<(ThrottleKind, String)>> {
    let known_device = match (user, device_hash(device_cookie)) {
        (Some(u), Some(hash)) => counters::is_known_device(store, u.id, &hash)
            .await?
            .then_some(hash),
        _ => None,
    };
    Ok(throttle::counters(&Attempt {
        account,
        address: &ctx.origin,
        known_device: known_device.as_deref(),
    }))
}

/// Refuses the attempt while any applicable counter says wait.
pub(super) async fn check_throttle(
    store: &Store,
    ctx: &Ctx,
    keys: &[(ThrottleKind, String)],
    account: &str,
) -> Result<()> {
    let mut until = None;
    for (kind, key) in keys {
        if let Some(c) = counters::get(store, key).await? {
            if let Some(u) = blocked_until(*kind, &c, ctx.now) {
                until = Some(until.map_or(u, |x: i64| x.max(u)));
            }
        }
    }
    if let Some(until) = until {
        let retry_after_s = ((until - ctx.now) + 999) / 1000;
        let mut tx = store.begin_write().await?;
        let mut ctx = ctx.clone();
        ctx.actor_label = account.to_string();
        let event = ctx.event(
            AuditAction::SignInThrottled,
            "account",
            account,
            None,
            Outcome::Denied,
            json!({"retry_after_s": retry_after_s}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
        return Err(ServiceError::Throttled { retry_after_s });
    }
    Ok(())
}

pub(super) async fn record_failure(
    store: &Store,
    ctx: &Ctx,
    keys: &[(ThrottleKind, String)],
    account: &str,
    user: Option<&User>,
    action: AuditAction,
    reason: &str,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    for (_, key) in keys {
        let c = counters::get(store, key).await?;
        counters::put(&mut tx, key, &after_failure(c, ctx.now)).await?;
    }
    let mut ctx = ctx.clone();
    ctx.actor_user_id = user.map(|u| u.id);
    ctx.actor_label = account.to_string();
    let event = ctx.event(
        action,
        "account",
        user.map(|u| u.id.to_string())
            .unwrap_or_else(|| account.to_string()),
        user.map(|u| u.org_id),
        Outcome::Failure,
        json!({
            "reason": reason,
            "known_device": keys.iter().any(|(kind, _)| *kind == ThrottleKind::Device),
        }),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn clear_counters(
    tx: &mut crate::store::WriteTx,
    keys: &[(ThrottleKind, String)],
) -> Result<()> {
    for key in throttle::cleared_on_success(keys) {
        counters::clear(tx, key).await?;
    }
    Ok(())
}

/// First step: e-mail address and password. On success a session is created whose
/// stage says what is still due. `device_cookie` is the browser's device cookie, if any.
pub async fn sign_in_password(
    store: &Store,
    ctx: &Ctx,
    email: &str,
    password: &str,
    device_cookie: Option<&str>,
) -> Result<NewSession> {
    let account = email.trim().to_lowercase();
    let user = match users::by_email(store, &account).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let keys = applicable_keys(store, ctx, &account, user.as_ref(), device_cookie).await?;
    check_throttle(store, ctx, &keys, &account).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = verify_password(password, hash.as_deref().unwrap_or(dummy_hash()));
    let user = match user {
        Some(u) if password_ok && hash.is_some() && u.status == UserStatus::Active => u,
        other => {
            let reason = match &other {
                None => "unknown_account",
                Some(u) if u.status != UserStatus::Active => "account_not_active",
                _ => "wrong_password",
            };
            record_failure(
                store,
                ctx,
                &keys,
                &account,
                other.as_ref(),
                AuditAction::SignInPassword,
                reason,
            )
            .await?;
            return Err(ServiceError::BadCredentials);
        }
    };
    // Every account has a second factor, reporters too (review L8): one not set up yet is
    // set up now.
    let stage = if user.has_second_factor() {
        SessionStage::AwaitingSecondFactor
    } else {
        SessionStage::MustEnrolSecondFactor
    };
    let mut tx = store.begin_write().await?;
    clear_counters(&mut tx, &keys).await?;
    // The device becomes known once the second factor is done too.
    let session = new_session(&mut tx, user.id, stage, ctx).await?;
    let ctx = ctx.acting_as(&user);
    let event = ctx.event(
        AuditAction::SignInPassword,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({"next": stage.as_str()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(session)
}

/// Which second factor the person typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    Totp,
    RecoveryCode,
}

/// Second step: a TOTP code (once per time step) or an unused recovery code. On
/// success the half-finished session is replaced by a new, signed-in one.
pub async fn sign_in_second_factor(
    store: &Store,
    ctx: &Ctx,
    session: &Session,
    user: &User,
    kind: SecondFactor,
    code: &str,
    device_cookie: Option<&str>,
) -> Result<NewSession> {
    let keys = applicable_keys(store, ctx, &user.email, Some(user), device_cookie).await?;
    check_throttle(store, ctx, &keys, &user.email).await?;
    let secret = user
        .totp_secret
        .clone()
        .ok_or(ServiceError::BadCredentials)?;
    let device = device_to_keep(store, device_cookie).await?;
    let unix = (ctx.now / 1000) as u64;
    let mut tx = store.begin_write().await?;
    let (accepted, action, reason) = match kind {
        SecondFactor::Totp => match check_totp(&secret, code, unix, user.totp_last_step) {
            Ok(step) => {
                // The conditional update is what makes a code single-use under races.
                let claimed = users::claim_totp_step(&mut tx, user.id, step).await?;
                (claimed, AuditAction::SignInSecondFactor, "reused_code")
            }
            Err(TotpRejection::Reused) => (false, AuditAction::SignInSecondFactor, "reused_code"),
            Err(TotpRejection::Wrong) => (false, AuditAction::SignInSecondFactor, "wrong_code"),
        },
        SecondFactor::RecoveryCode => {
            let hash = sha256_hex(&normalise_recovery_code(code));
            let used = users::use_recovery_code(&mut tx, user.id, &hash, ctx.now).await?;
            (used, AuditAction::SignInRecoveryCode, "wrong_recovery_code")
        }
    };
    if !accepted {
        drop(tx);
        record_failure(store, ctx, &keys, &user.email, Some(user), action, reason).await?;
        return Err(if reason == "reused_code" {
            ServiceError::invalid("code", Message::new("second_factor.code_used"))
        } else {
            ServiceError::invalid("code", Message::new("second_factor.code_wrong"))
        });
    }
    clear_counters(&mut tx, &keys).await?;
    let new = complete_sign_in(&mut tx, ctx, user, Some(session), device).await?;
    let ctx = ctx.acting_as(user);
    let event = ctx.event(
        action,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(new)
}

/// The TOTP secret being set up in this session, created on first ask.
pub async fn enrolment_secret(store: &Store, session: &Session) -> Result<String> {
    if let Some(s) = &session.enrol_secret {
        return Ok(s.clone());
    }
    let secret = new_totp_secret(&mut OsRng);
    let mut tx = store.begin_write().await?;
    sessions::set_enrol_secret(&mut tx, &session.id_hash, &secret).await?;
    tx.commit().await?;
    Ok(secret)
}

/// Finishes setting up the second factor with a first code from the app. Returns the
/// new session and ten recovery codes, to be shown once. Replacing a second factor that
/// is already set up also needs the current password, so a borrowed session alone
/// cannot move someone's second factor to another phone.
pub async fn finish_enrolment(
    store: &Store,
    ctx: &Ctx,
    session: &Session,
    user: &User,
    code: &str,
    current_password: &str,
    device_cookie: Option<&str>,
) -> Result<(NewSession, Vec<String>)> {
    if user.has_second_factor() {
        let ok = user
            .password_hash
            .as_deref()
            .is_some_and(|h| verify_password(current_password, h));
        if !ok {
            return Err(ServiceError::invalid(
                "current_password",
                Message::new("account.current_password_wrong"),
            ));
        }
    }
    let secret = session
        .enrol_secret
        .clone()
        .ok_or_else(|| ServiceError::invalid("code", Message::new("second_factor.reload")))?;
    let step = check_totp(&secret, code, (ctx.now / 1000) as u64, None).map_err(|_| {
        ServiceError::invalid("code", Message::new("second_factor.code_wrong_check_time"))
    })?;
    let (codes, hashes) = recovery_codes();
    let device = device_to_keep(store, device_cookie).await?;
    let mut tx = store.begin_write().await?;
    users::enrol_second_factor(&mut tx, user.id, &secret, step, &hashes).await?;
    let new = complete_sign_in(&mut tx, ctx, user, Some(session), device).await?;
    let ctx = ctx.acting_as(user);
    let event = ctx.event(
        AuditAction::SecondFactorEnrolled,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({"recovery_codes": codes.len()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok((new, codes))
}

/// Looks up the session behind a cookie token. Ends it (and records why) when it has
/// timed out or its account is no longer active.
pub async fn load_session(
    store: &Store,
    ctx: &Ctx,
    token: &str,
    limits: &SessionLimits,
) -> Result<Option<(Session, User)>> {
    let hash = sha256_hex(token);
    let Some(session) = sessions::get(store, &hash).await? else {
        return Ok(None);
    };
    let user = match users::get(store, session.user_id).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let validity = check_session(
        session.stage,
        session.created_at,
        session.last_seen_at,
        ctx.now,
        limits,
    );
    if validity != SessionValidity::Valid || user.status != UserStatus::Active {
        let mut tx = store.begin_write().await?;
        if sessions::delete(&mut tx, &hash).await? {
            let ctx = ctx.acting_as(&user);
            let reason = match validity {
                SessionValidity::IdleExpired => "idle",
                SessionValidity::AbsoluteExpired => "absolute",
                SessionValidity::Valid => "account_not_active",
            };
            let event = ctx.event(
                AuditAction::SessionExpired,
                "user",
                user.id,
                Some(user.org_id),
                Outcome::Success,
                json!({"reason": reason}),
            );
            audit::append(&mut tx, &event, ctx.now).await?;
        }
        tx.commit().await?;
        return Ok(None);
    }
    // Refresh the idle clock at most once a minute, to spare the database.
    if ctx.now - session.last_seen_at > 60_000 {
        sessions::touch(store, &hash, ctx.now).await?;
    }
    Ok(Some((session, user)))
}

/// Ends this session, or all of the person's sessions.
pub async fn sign_out(
    store: &Store,
    ctx: &Ctx,
    session: &Session,
    user: &User,
    everywhere: bool,
) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    let ended = if everywhere {
        sessions::delete_all_for_user(&mut tx, user.id).await?
    } else {
        u64::from(sessions::delete(&mut tx, &session.id_hash).await?)
    };
    let ctx = ctx.acting_as(user);
    let action = if everywhere {
        AuditAction::SignOutEverywhere
    } else {
        AuditAction::SignOut
    };
    let event = ctx.event(
        action,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({"sessions_ended": ended}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(ended)
}
