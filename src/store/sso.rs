//! Single sign-on: each organisation's OpenID Connect provider with its e-mail domains, the
//! sign-ins sent to a provider and not back yet, and the provider subject of an account.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Result, Store, WriteTx};
use crate::domain::sso::ProviderSettings;
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct IdentityProvider {
    pub org_id: i64,
    pub org_name: String,
    pub settings: ProviderSettings,
    pub updated_at: Millis,
}

async fn domains_of(store: &Store, org_id: i64) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT domain FROM identity_provider_domains WHERE org_id = $1 ORDER BY domain",
    )
    .bind(org_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("domain")?))
        .collect()
}

async fn from_row(store: &Store, r: &AnyRow) -> Result<IdentityProvider> {
    let org_id: i64 = r.try_get("org_id")?;
    Ok(IdentityProvider {
        org_id,
        org_name: r.try_get("org_name")?,
        settings: ProviderSettings {
            issuer: r.try_get("issuer")?,
            client_id: r.try_get("client_id")?,
            secret_ref: r.try_get("secret_ref")?,
            email_domains: domains_of(store, org_id).await?,
            mfa_acr: r.try_get("mfa_acr")?,
        },
        updated_at: r.try_get("updated_at")?,
    })
}

const SELECT: &str = "SELECT p.org_id, o.name AS org_name, p.issuer, p.client_id, \
     p.secret_ref, p.mfa_acr, p.updated_at \
     FROM identity_providers p JOIN organisations o ON o.id = p.org_id";

/// The provider of an organisation, if it has one.
pub async fn of_org(store: &Store, org_id: i64) -> Result<Option<IdentityProvider>> {
    let row = sqlx::query(&format!("{SELECT} WHERE p.org_id = $1"))
        .bind(org_id)
        .fetch_optional(store.pool())
        .await?;
    match row {
        Some(r) => Ok(Some(from_row(store, &r).await?)),
        None => Ok(None),
    }
}

/// The provider through which people of this e-mail domain sign in, if any.
pub async fn by_domain(store: &Store, domain: &str) -> Result<Option<IdentityProvider>> {
    let row = sqlx::query(&format!(
        "{SELECT} JOIN identity_provider_domains d ON d.org_id = p.org_id WHERE d.domain = $1"
    ))
    .bind(domain)
    .fetch_optional(store.pool())
    .await?;
    match row {
        Some(r) => Ok(Some(from_row(store, &r).await?)),
        None => Ok(None),
    }
}

/// Registers or replaces an organisation's provider and its domains. A domain that belongs
/// to another organisation's provider is a `Conflict`.
pub async fn put(
    tx: &mut WriteTx,
    org_id: i64,
    settings: &ProviderSettings,
    by: Option<i64>,
    now: Millis,
) -> Result<()> {
    sqlx::query("DELETE FROM identity_provider_domains WHERE org_id = $1")
        .bind(org_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO identity_providers (org_id, issuer, client_id, secret_ref, mfa_acr, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id, \
         secret_ref = excluded.secret_ref, mfa_acr = excluded.mfa_acr, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(org_id)
    .bind(&settings.issuer)
    .bind(&settings.client_id)
    .bind(&settings.secret_ref)
    .bind(settings.mfa_acr.as_deref())
    .bind(now)
    .bind(by)
    .execute(tx.conn())
    .await?;
    for domain in &settings.email_domains {
        sqlx::query("INSERT INTO identity_provider_domains (domain, org_id) VALUES ($1, $2)")
            .bind(domain)
            .bind(org_id)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Removes an organisation's provider, its domains and its sign-ins under way; the sessions
/// it vouched for go on as ordinary ones. Returns whether there was one.
pub async fn remove(tx: &mut WriteTx, org_id: i64) -> Result<bool> {
    super::sessions::clear_sso_of_org(tx, org_id).await?;
    for table in ["sso_logins", "identity_provider_domains"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE org_id = $1"))
            .bind(org_id)
            .execute(tx.conn())
            .await?;
    }
    let done = sqlx::query("DELETE FROM identity_providers WHERE org_id = $1")
        .bind(org_id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A sign-in sent to a provider and not back yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingLogin {
    pub state_hash: String,
    pub org_id: i64,
    /// Hash of the cookie that binds it to the browser that began it.
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The address the person typed (the provider's `login_hint`).
    pub email: String,
    pub created_at: Millis,
    /// A re-check of a signed-in session (its hash), not a sign-in.
    pub recheck_session_hash: Option<String>,
    /// Where a re-checked person goes back to.
    pub return_to: Option<String>,
}

pub async fn insert_login(tx: &mut WriteTx, l: &PendingLogin) -> Result<()> {
    sqlx::query(
        "INSERT INTO sso_logins (state_hash, org_id, browser_hash, nonce, pkce_verifier, email, created_at, \
         recheck_session_hash, return_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&l.state_hash)
    .bind(l.org_id)
    .bind(&l.browser_hash)
    .bind(&l.nonce)
    .bind(&l.pkce_verifier)
    .bind(&l.email)
    .bind(l.created_at)
    .bind(l.recheck_session_hash.as_deref())
    .bind(l.return_to.as_deref())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes the sign-in with this state out: a state is used once, whatever follows.
pub async fn take_login(tx: &mut WriteTx, state_hash: &str) -> Result<Option<PendingLogin>> {
    let row = sqlx::query(
        "DELETE FROM sso_logins WHERE state_hash = $1 \
         RETURNING state_hash, org_id, browser_hash, nonce, pkce_verifier, email, created_at, \
         recheck_session_hash, return_to",
    )
    .bind(state_hash)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| {
        Ok(PendingLogin {
            state_hash: r.try_get("state_hash")?,
            org_id: r.try_get("org_id")?,
            browser_hash: r.try_get("browser_hash")?,
            nonce: r.try_get("nonce")?,
            pkce_verifier: r.try_get("pkce_verifier")?,
            email: r.try_get("email")?,
            created_at: r.try_get("created_at")?,
            recheck_session_hash: r.try_get("recheck_session_hash")?,
            return_to: r.try_get("return_to")?,
        })
    })
    .transpose()
}

/// Removes sign-ins begun before `before` that never came back.
pub async fn purge_logins(tx: &mut WriteTx, before: Millis) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sso_logins WHERE created_at < $1")
        .bind(before)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// The account linked to this provider subject, if any.
pub async fn user_by_subject(store: &Store, issuer: &str, subject: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM users WHERE sso_issuer = $1 AND sso_subject = $2")
        .bind(issuer)
        .bind(subject)
        .fetch_optional(store.pool())
        .await?;
    row.map(|r| Ok(r.try_get("id")?)).transpose()
}

/// The provider subject an account is linked to: (issuer, subject).
pub async fn subject_of(store: &Store, user_id: i64) -> Result<Option<(String, String)>> {
    let row = sqlx::query("SELECT sso_issuer, sso_subject FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(store.pool())
        .await?;
    let Some(r) = row else { return Ok(None) };
    let issuer: Option<String> = r.try_get("sso_issuer")?;
    let subject: Option<String> = r.try_get("sso_subject")?;
    Ok(issuer.zip(subject))
}

/// Links an account to a provider subject (at its first single sign-on).
pub async fn link_subject(
    tx: &mut WriteTx,
    user_id: i64,
    issuer: &str,
    subject: &str,
) -> Result<()> {
    sqlx::query("UPDATE users SET sso_issuer = $1, sso_subject = $2 WHERE id = $3")
        .bind(issuer)
        .bind(subject)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
