//! Single sign-on with an organisation's own OpenID Connect provider (Microsoft Entra ID or
//! any other): the administrator's registration of the provider, and the sign-in — the
//! authorization code flow with PKCE, state and nonce, the ID token checked by
//! `openidconnect` (signature with the provider's current keys, issuer, audience, expiry,
//! nonce), and the match to a meldpunt account of that organisation. Roles never come from
//! the provider: an account exists in meldpunt first, with the roles an administrator gave.
//!
//! The provider's discovery document and keys are fetched at every step, so a provider's
//! new signing key (key rotation) is used at once and no instance holds a stale copy.

use std::collections::BTreeMap;
use std::time::Duration;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJsonWebKey, CoreJsonWebKeySet,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    reqwest, AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, DiscoveryError, IdToken, IdTokenVerifier, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope,
};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{complete_sign_in, device_to_keep, NewSession};
use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::credentials::{random_secret, sha256_hex};
use crate::domain::message::Message;
use crate::domain::session::SessionStage;
use crate::domain::sso::{
    asserts_multi_factor, check_settings, email_domain, SettingsInput, LOGIN_MS,
};
use crate::domain::user::UserStatus;
use crate::store::sessions::{self, SsoMark};
use crate::store::sso::{self as store_sso, IdentityProvider, PendingLogin};
use crate::store::users::User;
use crate::store::{audit, users, Store, StoreError};

/// Where a provider sends people back; registered at the provider as the redirect URI.
pub const CALLBACK_PATH: &str = "/aanmelden/organisatie/terug";

/// The environment variables that hold client secrets: this prefix and the secret's name.
pub const SECRET_ENV_PREFIX: &str = "MELDPUNT_SSO_SECRET_";

/// What single sign-on needs from the process: an HTTP client that follows no redirects
/// (as `openidconnect` requires, against request forgery), the redirect URI, and the client
/// secrets by name.
#[derive(Clone)]
pub struct Sso {
    http: reqwest::Client,
    redirect_url: RedirectUrl,
    secrets: BTreeMap<String, String>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("redirect_url", &self.redirect_url.as_str())
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Sso {
    /// `secrets` by name (from the configuration file); a name not there is looked up as
    /// the environment variable `MELDPUNT_SSO_SECRET_<name>`.
    pub fn new(public_url: &str, secrets: BTreeMap<String, String>) -> anyhow::Result<Sso> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()?;
        let redirect_url = format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/'));
        Ok(Sso {
            http,
            redirect_url: RedirectUrl::new(redirect_url)?,
            secrets,
        })
    }

    /// The redirect URI to register at the provider.
    pub fn redirect_url(&self) -> &str {
        self.redirect_url.as_str()
    }

    fn secret(&self, name: &str) -> Option<String> {
        self.secrets
            .get(name)
            .cloned()
            .or_else(|| std::env::var(format!("{SECRET_ENV_PREFIX}{name}")).ok())
            .filter(|s| !s.is_empty())
    }

    /// Whether a client secret of this name is configured.
    pub fn has_secret(&self, name: &str) -> bool {
        self.secret(name).is_some()
    }

    async fn discover(&self, issuer: &str) -> std::result::Result<CoreProviderMetadata, Refusal> {
        let url = IssuerUrl::new(issuer.to_string()).map_err(|_| Refusal::DiscoveryMalformed)?;
        CoreProviderMetadata::discover_async(url, &self.http)
            .await
            .map_err(|e| match e {
                DiscoveryError::Request(_) => Refusal::ProviderUnreachable,
                DiscoveryError::Response(status, _, _) if status.is_server_error() => {
                    Refusal::ProviderUnreachable
                }
                DiscoveryError::Validation(_) => Refusal::IssuerMismatch,
                _ => Refusal::DiscoveryMalformed,
            })
    }
}

/// Why a single sign-on step was refused: recorded in the audit trail as `reason`, and
/// worded for the person by [`Refusal::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The provider (discovery document, keys or token endpoint) cannot be reached.
    ProviderUnreachable,
    /// The discovery document is not a valid OpenID provider description.
    DiscoveryMalformed,
    /// The discovery document names another issuer than the one registered.
    IssuerMismatch,
    /// The client secret named in the registration is not in the configuration.
    SecretMissing,
    /// No organisation signs in through a provider for this e-mail domain.
    NoProviderForDomain,
    /// The state is unknown: made up, or used before (a replay).
    StateUnknown,
    /// The sign-in was begun in another browser.
    OtherBrowser,
    /// The sign-in took longer than ten minutes.
    LoginExpired,
    /// The provider answered with an error (the person cancelled, or is blocked there).
    ProviderRefused,
    /// The answer names another issuer than the provider of the sign-in (RFC 9207: a mix-up).
    WrongIssuer,
    /// The provider did not give tokens for the code.
    CodeRejected,
    /// The ID token is missing, malformed, or not signed by one of the provider's keys.
    TokenInvalid,
    TokenExpired,
    TokenWrongIssuer,
    /// The ID token is for another client (a foreign audience).
    TokenWrongAudience,
    TokenWrongNonce,
    /// The provider does not vouch for the e-mail address.
    EmailNotVerified,
    /// The address is outside the provider's e-mail domains.
    DomainNotAllowed,
    /// No meldpunt account of the provider's organisation matches.
    NoAccount,
    AccountNotActive,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::ProviderUnreachable => "provider_unreachable",
            Refusal::DiscoveryMalformed => "discovery_malformed",
            Refusal::IssuerMismatch => "issuer_mismatch",
            Refusal::SecretMissing => "secret_missing",
            Refusal::NoProviderForDomain => "no_provider_for_domain",
            Refusal::StateUnknown => "state_unknown",
            Refusal::OtherBrowser => "other_browser",
            Refusal::LoginExpired => "login_expired",
            Refusal::ProviderRefused => "provider_refused",
            Refusal::WrongIssuer => "wrong_issuer",
            Refusal::CodeRejected => "code_rejected",
            Refusal::TokenInvalid => "token_invalid",
            Refusal::TokenExpired => "token_expired",
            Refusal::TokenWrongIssuer => "token_wrong_issuer",
            Refusal::TokenWrongAudience => "token_wrong_audience",
            Refusal::TokenWrongNonce => "token_wrong_nonce",
            Refusal::EmailNotVerified => "email_not_verified",
            Refusal::DomainNotAllowed => "domain_not_allowed",
            Refusal::NoAccount => "no_account",
            Refusal::AccountNotActive => "account_not_active",
        }
    }

    /// What the person is told.
    pub fn message(self) -> Message {
        match self {
            Refusal::ProviderUnreachable => Message::new("sso.provider_unreachable"),
            Refusal::DiscoveryMalformed | Refusal::IssuerMismatch | Refusal::SecretMissing => {
                Message::new("sso.provider_misconfigured")
            }
            Refusal::NoProviderForDomain => Message::new("sso.no_provider"),
            Refusal::StateUnknown | Refusal::OtherBrowser | Refusal::LoginExpired => {
                Message::new("sso.start_again")
            }
            Refusal::ProviderRefused => Message::new("sso.provider_refused"),
            Refusal::WrongIssuer
            | Refusal::CodeRejected
            | Refusal::TokenInvalid
            | Refusal::TokenExpired
            | Refusal::TokenWrongIssuer
            | Refusal::TokenWrongAudience
            | Refusal::TokenWrongNonce => Message::new("sso.answer_rejected"),
            Refusal::EmailNotVerified | Refusal::DomainNotAllowed | Refusal::NoAccount => {
                Message::new("sso.no_account")
            }
            Refusal::AccountNotActive => Message::new("sso.account_not_active"),
        }
    }
}

/// Records a refused step and returns the error that tells the person.
async fn refuse(
    store: &Store,
    ctx: &Ctx,
    action: AuditAction,
    subject: (&str, String),
    org_id: Option<i64>,
    refusal: Refusal,
    details: serde_json::Value,
) -> ServiceError {
    let mut d = json!({"reason": refusal.reason()});
    if let (Some(d), serde_json::Value::Object(more)) = (d.as_object_mut(), details) {
        d.extend(more);
    }
    let event = ctx.event(action, subject.0, subject.1, org_id, Outcome::Failure, d);
    if let Err(e) = audit::record(store, &event, ctx.now).await {
        return e.into();
    }
    ServiceError::Unprocessable(refusal.message())
}

// ---------------------------------------------------------------------------------------
// Registration by an administrator

/// Registers (or changes) an organisation's provider after checking it: the settings' own
/// rules, the client secret present in the configuration, the e-mail domains free, and the
/// discovery document fetched and valid for this issuer. Anything refused changes nothing
/// and is audited.
pub async fn configure(
    store: &Store,
    ctx: &Ctx,
    sso: &Sso,
    org_id: i64,
    input: &SettingsInput<'_>,
) -> Result<IdentityProvider> {
    let org = crate::store::orgs::get(store, org_id).await?;
    let fail = |field: &'static str, message: Message, reason: &str| {
        let event = ctx.event(
            AuditAction::SsoConfigured,
            "organisation",
            org_id,
            Some(org_id),
            Outcome::Failure,
            json!({"reason": reason, "field": field, "issuer": input.issuer.trim()}),
        );
        async move {
            if let Err(e) = audit::record(store, &event, ctx.now).await {
                return e.into();
            }
            ServiceError::invalid(field, message)
        }
    };
    let settings = match check_settings(input) {
        Ok(s) => s,
        Err((field, message)) => return Err(fail(field, message, "invalid_settings").await),
    };
    if !sso.has_secret(&settings.secret_ref) {
        let m = Message::new("sso.secret_not_configured").with(
            "name",
            format!("{SECRET_ENV_PREFIX}{}", settings.secret_ref),
        );
        return Err(fail("secret_ref", m, Refusal::SecretMissing.reason()).await);
    }
    for domain in &settings.email_domains {
        if let Some(other) = store_sso::by_domain(store, domain).await? {
            if other.org_id != org_id {
                let m = Message::new("sso.domain_taken")
                    .with("domain", domain)
                    .with("org", &other.org_name);
                return Err(fail("email_domains", m, "domain_taken").await);
            }
        }
    }
    if let Err(refusal) = sso.discover(&settings.issuer).await {
        let m = match refusal {
            Refusal::ProviderUnreachable => Message::new("sso.discovery_unreachable"),
            Refusal::IssuerMismatch => Message::new("sso.discovery_other_issuer"),
            _ => Message::new("sso.discovery_malformed"),
        };
        return Err(fail("issuer", m, refusal.reason()).await);
    }
    let mut tx = store.begin_write().await?;
    match store_sso::put(&mut tx, org_id, &settings, ctx.actor_user_id, ctx.now).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            drop(tx);
            let m = Message::new("sso.domain_taken_now");
            return Err(fail("email_domains", m, "domain_taken").await);
        }
        Err(e) => return Err(e.into()),
    }
    let event = ctx.event(
        AuditAction::SsoConfigured,
        "organisation",
        org.id,
        Some(org.id),
        Outcome::Success,
        json!({
            "issuer": settings.issuer,
            "client_id": settings.client_id,
            "secret_ref": settings.secret_ref,
            "email_domains": settings.email_domains,
            "mfa_acr": settings.mfa_acr,
        }),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    store_sso::of_org(store, org_id)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Removes an organisation's provider: its people sign in with their meldpunt password
/// (and second factor) again. Removing when there is none changes nothing (a form sent
/// twice); returns whether there was one.
pub async fn remove(store: &Store, ctx: &Ctx, org_id: i64) -> Result<bool> {
    crate::store::orgs::get(store, org_id).await?;
    let mut tx = store.begin_write().await?;
    if !store_sso::remove(&mut tx, org_id).await? {
        return Ok(false);
    }
    let event = ctx.event(
        AuditAction::SsoRemoved,
        "organisation",
        org_id,
        Some(org_id),
        Outcome::Success,
        json!({}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------
// Signing in

/// A sign-in sent to the provider: the browser goes to `authorize_url`, carrying
/// `browser_token` in a cookie, which binds the answer to this browser.
#[derive(Debug, Clone)]
pub struct Begun {
    pub authorize_url: String,
    pub browser_token: String,
}

type ConfiguredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn client(
    provider: &IdentityProvider,
    metadata: CoreProviderMetadata,
    secret: String,
    sso: &Sso,
) -> ConfiguredClient {
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.settings.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(sso.redirect_url.clone())
}

/// Begins single sign-on for the person with this e-mail address: finds their
/// organisation's provider by the address's domain and makes the authorization request
/// (code flow, PKCE S256, state, nonce, the address as `login_hint`).
pub async fn begin(store: &Store, ctx: &Ctx, sso: &Sso, email: &str) -> Result<Begun> {
    let email = email.trim().to_lowercase();
    let Some(domain) = email_domain(&email) else {
        return Err(ServiceError::invalid(
            "email",
            Message::new("sso.email_invalid"),
        ));
    };
    let mut ctx = ctx.clone();
    ctx.actor_label = email.clone();
    let Some(provider) = store_sso::by_domain(store, &domain).await? else {
        refuse(
            store,
            &ctx,
            AuditAction::SignInSso,
            ("account", email.clone()),
            None,
            Refusal::NoProviderForDomain,
            json!({"step": "begin"}),
        )
        .await;
        return Err(ServiceError::invalid(
            "email",
            Message::new("sso.no_provider").with("domain", domain),
        ));
    };
    let step = |r| {
        refuse(
            store,
            &ctx,
            AuditAction::SignInSso,
            ("account", email.clone()),
            Some(provider.org_id),
            r,
            json!({"step": "begin", "issuer": provider.settings.issuer}),
        )
    };
    let request = match authorization_request(sso, &provider, &email, false).await {
        Ok(r) => r,
        Err(r) => return Err(step(r).await),
    };
    let browser_token = random_secret(32, &mut OsRng);
    let mut tx = store.begin_write().await?;
    store_sso::insert_login(
        &mut tx,
        &request.pending(
            &provider,
            &sha256_hex(&browser_token),
            &email,
            None,
            ctx.now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Begun {
        authorize_url: request.url,
        browser_token,
    })
}

/// An authorization request made for a provider: its URL and what the answer is checked
/// against.
struct AuthorizationRequest {
    url: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

impl AuthorizationRequest {
    fn pending(
        &self,
        provider: &IdentityProvider,
        browser_hash: &str,
        email: &str,
        recheck: Option<(&str, &str)>,
        now: crate::domain::Millis,
    ) -> PendingLogin {
        PendingLogin {
            state_hash: sha256_hex(self.state.secret()),
            org_id: provider.org_id,
            browser_hash: browser_hash.to_string(),
            nonce: self.nonce.secret().clone(),
            pkce_verifier: self.verifier.secret().clone(),
            email: email.to_string(),
            created_at: now,
            recheck_session_hash: recheck.map(|(h, _)| h.to_string()),
            return_to: recheck.map(|(_, r)| r.to_string()),
        }
    }
}

/// The authorization request (code flow, PKCE S256, state, nonce, the address as
/// `login_hint`; `silent`: `prompt=none`, the provider answers without showing anything).
async fn authorization_request(
    sso: &Sso,
    provider: &IdentityProvider,
    email: &str,
    silent: bool,
) -> std::result::Result<AuthorizationRequest, Refusal> {
    let secret = sso
        .secret(&provider.settings.secret_ref)
        .ok_or(Refusal::SecretMissing)?;
    let metadata = sso.discover(&provider.settings.issuer).await?;
    let client = client(provider, metadata, secret, sso);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .set_login_hint(openidconnect::LoginHint::new(email.to_string()));
    if silent {
        request = request.add_prompt(openidconnect::core::CoreAuthPrompt::None);
    }
    let (url, state, nonce) = request.url();
    Ok(AuthorizationRequest {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    })
}

/// Asks the provider, silently, whether the person of this single sign-on session may
/// still sign in: `Some` is the round trip to send the browser on (bound to this session),
/// `None` when there is nothing to ask — the session is no single sign-on's, or the
/// provider cannot be asked now, in which case the question waits for the next check (an
/// outage at the provider does not stop the team's work; it is audited).
pub async fn begin_recheck(
    store: &Store,
    ctx: &Ctx,
    sso: &Sso,
    session: &crate::store::sessions::Session,
    user: &User,
    return_to: &str,
) -> Result<Option<String>> {
    let Some(mark) = session.sso else {
        return Ok(None);
    };
    let Some(provider) = store_sso::of_org(store, mark.org_id).await? else {
        return Ok(None);
    };
    let ctx = ctx.acting_as(user);
    match authorization_request(sso, &provider, &user.email, true).await {
        Ok(request) => {
            let recheck = Some((session.id_hash.as_str(), return_to));
            let pending =
                request.pending(&provider, &session.id_hash, &user.email, recheck, ctx.now);
            let mut tx = store.begin_write().await?;
            store_sso::insert_login(&mut tx, &pending).await?;
            tx.commit().await?;
            Ok(Some(request.url))
        }
        Err(refusal) => {
            let mut tx = store.begin_write().await?;
            let later = crate::store::sessions::SsoMark {
                checked_at: ctx.now,
                ..mark
            };
            crate::store::sessions::mark_sso(&mut tx, &session.id_hash, later).await?;
            let event = ctx.event(
                AuditAction::SignInSso,
                "user",
                user.id,
                Some(user.org_id),
                Outcome::Failure,
                json!({"reason": refusal.reason(), "step": "recheck", "postponed": true}),
            );
            audit::append(&mut tx, &event, ctx.now).await?;
            tx.commit().await?;
            Ok(None)
        }
    }
}

/// The provider's answer at the redirect URI, as query parameters.
#[derive(Debug, Clone, Default)]
pub struct Answer<'a> {
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The issuer of the answer (RFC 9207), when the provider names it.
    pub iss: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// The extra claims meldpunt reads: Microsoft Entra ID says with `xms_edov` that the
/// domain of `email` is verified by the tenant, where other providers send
/// `email_verified`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xms_edov: Option<serde_json::Value>,
}
impl AdditionalClaims for ExtraClaims {}

type MeldpuntIdToken = IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// What meldpunt takes from a checked ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// The provider vouches for the address (`email_verified`, or Entra's `xms_edov`).
    pub email_verified: bool,
    pub amr: Vec<String>,
    pub acr: Option<String>,
}

/// The signatures accepted on an ID token: the provider's own keys, never a shared secret
/// (no `HS…`) and never none.
const ASYMMETRIC_ALGORITHMS: [CoreJwsSigningAlgorithm; 10] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Checks an ID token (a compact JWT) with `openidconnect`: signed by one of `keys` with
/// an asymmetric algorithm, issued by `issuer` for `client_id`, not expired at `now`, with
/// this sign-in's nonce.
pub fn check_id_token(
    token: &str,
    issuer: &str,
    client_id: &str,
    keys: &CoreJsonWebKeySet,
    nonce: &str,
    now: crate::domain::Millis,
) -> std::result::Result<Identity, Refusal> {
    let token: MeldpuntIdToken = token.parse().map_err(|_| Refusal::TokenInvalid)?;
    let issuer = IssuerUrl::new(issuer.to_string()).map_err(|_| Refusal::TokenWrongIssuer)?;
    let at = chrono::DateTime::from_timestamp_millis(now).ok_or(Refusal::TokenInvalid)?;
    let verifier: IdTokenVerifier<CoreJsonWebKey> =
        IdTokenVerifier::new_public_client(ClientId::new(client_id.into()), issuer, keys.clone())
            .set_allowed_algs(ASYMMETRIC_ALGORITHMS)
            .set_time_fn(move || at);
    let claims = token
        .claims(&verifier, &Nonce::new(nonce.to_string()))
        .map_err(|e| match e {
            ClaimsVerificationError::Expired(_) => Refusal::TokenExpired,
            ClaimsVerificationError::InvalidIssuer(_) => Refusal::TokenWrongIssuer,
            ClaimsVerificationError::InvalidAudience(_) => Refusal::TokenWrongAudience,
            ClaimsVerificationError::InvalidNonce(_) => Refusal::TokenWrongNonce,
            _ => Refusal::TokenInvalid,
        })?;
    let edov = matches!(
        &claims.additional_claims().xms_edov,
        Some(serde_json::Value::Bool(true))
    ) || matches!(&claims.additional_claims().xms_edov, Some(serde_json::Value::String(s)) if s == "1" || s == "true");
    Ok(Identity {
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string().to_lowercase()),
        email_verified: claims.email_verified() == Some(true) || edov,
        amr: claims
            .auth_method_refs()
            .map(|v| v.iter().map(|m| m.to_string()).collect())
            .unwrap_or_default(),
        acr: claims.auth_context_ref().map(|a| a.to_string()),
    })
}

/// The meldpunt account a checked identity signs in to: the one linked to its subject, or
/// else — the first time — the account of the provider's organisation with the verified
/// address in one of the provider's domains, not linked to another subject yet.
async fn match_account(
    store: &Store,
    provider: &IdentityProvider,
    identity: &Identity,
) -> std::result::Result<(User, bool), Refusal> {
    let issuer = &provider.settings.issuer;
    let linked = store_sso::user_by_subject(store, issuer, &identity.subject)
        .await
        .map_err(|_| Refusal::ProviderUnreachable)?;
    if let Some(id) = linked {
        let user = users::get(store, id)
            .await
            .map_err(|_| Refusal::NoAccount)?;
        return if user.org_id == provider.org_id {
            Ok((user, false))
        } else {
            Err(Refusal::NoAccount)
        };
    }
    let email = identity.email.as_deref().ok_or(Refusal::EmailNotVerified)?;
    if !identity.email_verified {
        return Err(Refusal::EmailNotVerified);
    }
    let in_domain =
        email_domain(email).is_some_and(|d| provider.settings.email_domains.contains(&d));
    if !in_domain {
        return Err(Refusal::DomainNotAllowed);
    }
    let user = match users::by_email(store, email).await {
        Ok(u) if u.org_id == provider.org_id => u,
        _ => return Err(Refusal::NoAccount),
    };
    let other_subject = store_sso::subject_of(store, user.id)
        .await
        .map_err(|_| Refusal::ProviderUnreachable)?;
    if other_subject.is_some() {
        // Linked to another subject (at this or an earlier provider): an address that moved
        // to another person at the provider does not take the account over.
        return Err(Refusal::NoAccount);
    }
    Ok((user, true))
}

/// Records a refused answer from a provider (for the sign-in it belongs to, if known).
async fn fail_sign_in(
    store: &Store,
    ctx: &Ctx,
    login: Option<&PendingLogin>,
    refusal: Refusal,
    details: serde_json::Value,
) -> ServiceError {
    let mut ctx = ctx.clone();
    let label = login.map(|l| l.email.clone()).unwrap_or_default();
    ctx.actor_label = label.clone();
    let subject = ("account", label);
    let org = login.map(|l| l.org_id);
    refuse(
        store,
        &ctx,
        AuditAction::SignInSso,
        subject,
        org,
        refusal,
        details,
    )
    .await
}

/// What binds an answer to the browser it is for: the single sign-on cookie set at
/// [`begin`], and the session cookie's hash (for a re-check, [`begin_recheck`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Binding<'a> {
    pub browser_token: Option<&'a str>,
    pub session_hash: Option<&'a str>,
}

/// What an accepted answer did.
#[derive(Debug, Clone)]
pub enum Finished {
    /// A sign-in: the new session.
    SignedIn(NewSession),
    /// A re-check: the provider confirmed the session; the person goes on to `return_to`.
    Confirmed { return_to: String },
}

/// Finishes single sign-on with the provider's answer. The state is used up whatever
/// follows. A sign-in: when the provider asserts a multi-factor sign-in the session is
/// signed in at once; otherwise meldpunt's own second factor is still due (or set up now).
/// A re-check: confirmed, the session goes on; refused, it ends.
pub async fn finish(
    store: &Store,
    ctx: &Ctx,
    sso: &Sso,
    answer: &Answer<'_>,
    binding: Binding<'_>,
    device_cookie: Option<&str>,
) -> Result<Finished> {
    let taken = match answer.state {
        Some(state) => {
            let mut tx = store.begin_write().await?;
            let login = store_sso::take_login(&mut tx, &sha256_hex(state)).await?;
            tx.commit().await?;
            login
        }
        None => None,
    };
    let Some(login) = taken else {
        return Err(fail_sign_in(store, ctx, None, Refusal::StateUnknown, json!({})).await);
    };
    let login = &login;
    let bound = match &login.recheck_session_hash {
        Some(hash) => binding.session_hash == Some(hash.as_str()),
        None => binding
            .browser_token
            .is_some_and(|t| sha256_hex(t) == login.browser_hash),
    };
    if !bound {
        return Err(fail_sign_in(store, ctx, Some(login), Refusal::OtherBrowser, json!({})).await);
    }
    if ctx.now - login.created_at > LOGIN_MS {
        return Err(fail_sign_in(store, ctx, Some(login), Refusal::LoginExpired, json!({})).await);
    }
    let Some(provider) = store_sso::of_org(store, login.org_id).await? else {
        return Err(fail_sign_in(store, ctx, Some(login), Refusal::StateUnknown, json!({})).await);
    };
    let checked = identity_from_answer(sso, &provider, login, answer, ctx.now).await;
    if let (Some(hash), Some(return_to)) = (&login.recheck_session_hash, &login.return_to) {
        return confirm(store, ctx, &provider, hash, return_to, checked).await;
    }
    let identity = match checked {
        Ok(i) => i,
        Err((r, more)) => return Err(fail_sign_in(store, ctx, Some(login), r, more).await),
    };
    let session = sign_in_as(store, ctx, &provider, login, &identity, device_cookie).await?;
    Ok(Finished::SignedIn(session))
}

/// The identity in a provider's answer, checked: no error, the right issuer (RFC 9207),
/// tokens for the code and the PKCE verifier, and an ID token that passes
/// [`check_id_token`] with the provider's keys as published now. A refusal comes with the
/// details to audit.
async fn identity_from_answer(
    sso: &Sso,
    provider: &IdentityProvider,
    login: &PendingLogin,
    answer: &Answer<'_>,
    now: crate::domain::Millis,
) -> std::result::Result<Identity, (Refusal, serde_json::Value)> {
    let issuer = &provider.settings.issuer;
    if let Some(error) = answer.error {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        return Err((Refusal::ProviderRefused, json!({"error": error})));
    }
    if let Some(iss) = answer.iss.filter(|iss| iss != issuer) {
        let iss: String = iss.chars().take(200).collect();
        return Err((Refusal::WrongIssuer, json!({"iss": iss})));
    }
    let none = |r: Refusal| (r, json!({}));
    let code = answer.code.ok_or(none(Refusal::CodeRejected))?;
    let secret = sso
        .secret(&provider.settings.secret_ref)
        .ok_or(none(Refusal::SecretMissing))?;
    let metadata = sso.discover(issuer).await.map_err(none)?;
    let keys = metadata.jwks().clone();
    let client = client(provider, metadata, secret, sso);
    let request = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|_| none(Refusal::DiscoveryMalformed))?;
    let tokens = request
        .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
        .request_async(&sso.http)
        .await
        .map_err(|e| match e {
            openidconnect::RequestTokenError::Request(_) => none(Refusal::ProviderUnreachable),
            _ => none(Refusal::CodeRejected),
        })?;
    let id_token = tokens
        .extra_fields()
        .id_token()
        .ok_or(none(Refusal::TokenInvalid))?;
    check_id_token(
        &id_token.to_string(),
        issuer,
        &provider.settings.client_id,
        &keys,
        &login.nonce,
        now,
    )
    .map_err(none)
}

/// Signs in the account a checked identity belongs to ([`match_account`]).
async fn sign_in_as(
    store: &Store,
    ctx: &Ctx,
    provider: &IdentityProvider,
    login: &PendingLogin,
    identity: &Identity,
    device_cookie: Option<&str>,
) -> Result<NewSession> {
    let issuer = &provider.settings.issuer;
    let (user, first_link) = match match_account(store, provider, identity).await {
        Ok(u) => u,
        Err(r) => {
            let more = json!({"subject": identity.subject, "email": identity.email});
            return Err(fail_sign_in(store, ctx, Some(login), r, more).await);
        }
    };
    // A pending account is activated by its first single sign-on: the provider vouched
    // for the address, as the activation link would have.
    let activates = first_link && user.status == UserStatus::Pending;
    if user.status != UserStatus::Active && !activates {
        let more = json!({"user_id": user.id});
        return Err(fail_sign_in(store, ctx, Some(login), Refusal::AccountNotActive, more).await);
    }
    let multi_factor = asserts_multi_factor(
        &identity.amr,
        identity.acr.as_deref(),
        provider.settings.mfa_acr.as_deref(),
    );
    let device = device_to_keep(store, device_cookie).await?;
    let mut tx = store.begin_write().await?;
    if first_link {
        store_sso::link_subject(&mut tx, user.id, issuer, &identity.subject).await?;
    }
    if activates && users::activate_by_sso(&mut tx, user.id).await? {
        let event = ctx.acting_as(&user).event(
            AuditAction::AccountActivated,
            "user",
            user.id,
            Some(user.org_id),
            Outcome::Success,
            json!({"via": "single_sign_on", "issuer": issuer}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
    }
    let session = if multi_factor {
        complete_sign_in(&mut tx, ctx, &user, None, device).await?
    } else {
        let stage = if user.has_second_factor() {
            SessionStage::AwaitingSecondFactor
        } else {
            SessionStage::MustEnrolSecondFactor
        };
        super::auth::new_session(&mut tx, user.id, stage, ctx).await?
    };
    let mark = SsoMark {
        org_id: provider.org_id,
        checked_at: ctx.now,
    };
    sessions::mark_sso(&mut tx, &sha256_hex(&session.token), mark).await?;
    let ctx = ctx.acting_as(&user);
    let event = ctx.event(
        AuditAction::SignInSso,
        "user",
        user.id,
        Some(user.org_id),
        Outcome::Success,
        json!({
            "issuer": issuer,
            "multi_factor": multi_factor,
            "amr": identity.amr,
            "linked_now": first_link,
            "next": session.stage.as_str(),
        }),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(session)
}

/// The end of a re-check. Confirmed — the identity is still the account's own — the session
/// goes on, checked now. The provider unreachable: it goes on, and is asked again at the
/// next check. Anything else (blocked at the provider, signed out there, another person):
/// the session ends, audited.
async fn confirm(
    store: &Store,
    ctx: &Ctx,
    provider: &IdentityProvider,
    session_hash: &str,
    return_to: &str,
    checked: std::result::Result<Identity, (Refusal, serde_json::Value)>,
) -> Result<Finished> {
    let session = sessions::get(store, session_hash)
        .await?
        .ok_or(ServiceError::Unprocessable(Message::new("sso.start_again")))?;
    let user = users::get(store, session.user_id).await?;
    let ctx = ctx.acting_as(&user);
    let outcome = match checked {
        Ok(identity) => {
            let linked =
                store_sso::user_by_subject(store, &provider.settings.issuer, &identity.subject)
                    .await?;
            if linked == Some(user.id) {
                Ok(())
            } else {
                Err((Refusal::NoAccount, json!({"subject": identity.subject})))
            }
        }
        Err(e) => Err(e),
    };
    let mut tx = store.begin_write().await?;
    let result = match outcome {
        Ok(()) | Err((Refusal::ProviderUnreachable, _)) => {
            let mark = SsoMark {
                org_id: provider.org_id,
                checked_at: ctx.now,
            };
            sessions::mark_sso(&mut tx, session_hash, mark).await?;
            Ok(Finished::Confirmed {
                return_to: return_to.to_string(),
            })
        }
        Err((refusal, more)) => {
            sessions::delete(&mut tx, session_hash).await?;
            let mut details = json!({"reason": "provider_refused", "refusal": refusal.reason()});
            if let (Some(d), serde_json::Value::Object(more)) = (details.as_object_mut(), more) {
                d.extend(more);
            }
            let event = ctx.event(
                AuditAction::SessionExpired,
                "user",
                user.id,
                Some(user.org_id),
                Outcome::Success,
                details,
            );
            audit::append(&mut tx, &event, ctx.now).await?;
            Err(ServiceError::Unprocessable(Message::new(
                "sso.signed_out_by_provider",
            )))
        }
    };
    tx.commit().await?;
    result
}

#[cfg(test)]
mod tests {
    //! The ID-token check on tokens made here, signed with test keys: what a real provider
    //! cannot be made to send (another audience, another issuer, an unknown key). The whole
    //! flow against a real provider is in `tests/it/sso.rs`.
    use super::*;
    use openidconnect::core::{CoreIdToken, CoreIdTokenClaims, CoreRsaPrivateSigningKey};
    use openidconnect::{
        Audience, AuthenticationMethodReference, EmptyAdditionalClaims, EndUserEmail, JsonWebKeyId,
        PrivateSigningKey, StandardClaims, SubjectIdentifier,
    };

    const ISSUER: &str = "https://login.example.nl/tenant/v2.0";
    const CLIENT: &str = "meldpunt";
    const NONCE: &str = "nonce-1";
    const NOW: i64 = 1_790_000_000_000;

    fn key(n: u8) -> CoreRsaPrivateSigningKey {
        let pem = match n {
            1 => include_str!("../../tests/fixtures/oidc/test-key-1.pem"),
            _ => include_str!("../../tests/fixtures/oidc/test-key-2.pem"),
        };
        CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(format!("key-{n}"))))
            .unwrap()
    }

    struct Token {
        issuer: &'static str,
        audience: &'static str,
        expires_at: i64,
        nonce: &'static str,
        key: u8,
        amr: &'static [&'static str],
        alg: CoreJwsSigningAlgorithm,
    }

    fn token() -> Token {
        Token {
            issuer: ISSUER,
            audience: CLIENT,
            expires_at: NOW + 3_600_000,
            nonce: NONCE,
            key: 1,
            amr: &["pwd", "mfa"],
            alg: CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        }
    }

    fn signed(t: &Token) -> String {
        let at = |ms| chrono::DateTime::from_timestamp_millis(ms).unwrap();
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(t.issuer.into()).unwrap(),
            vec![Audience::new(t.audience.into())],
            at(t.expires_at),
            at(NOW - 1000),
            StandardClaims::new(SubjectIdentifier::new("sub-123".into()))
                .set_email(Some(EndUserEmail::new("Jan@Amsterdam.nl".into())))
                .set_email_verified(Some(true)),
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new(t.nonce.into())))
        .set_auth_method_refs(Some(
            t.amr
                .iter()
                .map(|m| AuthenticationMethodReference::new(m.to_string()))
                .collect(),
        ));
        CoreIdToken::new(claims, &key(t.key), t.alg.clone(), None, None)
            .unwrap()
            .to_string()
    }

    /// The provider's published keys: only key 1.
    fn keys() -> CoreJsonWebKeySet {
        CoreJsonWebKeySet::new(vec![key(1).as_verification_key()])
    }

    fn check(t: &Token) -> std::result::Result<Identity, Refusal> {
        check_id_token(&signed(t), ISSUER, CLIENT, &keys(), NONCE, NOW)
    }

    #[test]
    fn a_valid_token_gives_subject_address_and_methods() {
        let id = check(&token()).unwrap();
        assert_eq!(id.subject, "sub-123");
        assert_eq!(id.email.as_deref(), Some("jan@amsterdam.nl"));
        assert!(id.email_verified);
        assert_eq!(id.amr, ["pwd", "mfa"]);
    }

    #[test]
    fn a_token_for_another_client_is_a_foreign_audience() {
        let t = Token {
            audience: "another-app",
            ..token()
        };
        assert_eq!(check(&t), Err(Refusal::TokenWrongAudience));
    }

    #[test]
    fn a_token_from_another_issuer_is_refused() {
        let t = Token {
            issuer: "https://login.example.nl/other-tenant/v2.0",
            ..token()
        };
        assert_eq!(check(&t), Err(Refusal::TokenWrongIssuer));
    }

    #[test]
    fn a_token_is_refused_once_it_has_expired() {
        let t = Token {
            expires_at: NOW - 1,
            ..token()
        };
        assert_eq!(check(&t), Err(Refusal::TokenExpired));
        // The same token, checked while it was still valid.
        let valid = signed(&Token {
            expires_at: NOW + 60_000,
            ..token()
        });
        assert!(check_id_token(&valid, ISSUER, CLIENT, &keys(), NONCE, NOW).is_ok());
        assert_eq!(
            check_id_token(&valid, ISSUER, CLIENT, &keys(), NONCE, NOW + 61_000),
            Err(Refusal::TokenExpired)
        );
    }

    #[test]
    fn a_token_of_another_sign_in_has_another_nonce() {
        let t = Token {
            nonce: "nonce-of-another-sign-in",
            ..token()
        };
        assert_eq!(check(&t), Err(Refusal::TokenWrongNonce));
    }

    #[test]
    fn a_token_signed_by_a_key_the_provider_does_not_publish_is_refused() {
        let t = Token { key: 2, ..token() };
        assert_eq!(check(&t), Err(Refusal::TokenInvalid));
        // Once the provider publishes the new key (a rotation), the token is good.
        let rotated = CoreJsonWebKeySet::new(vec![
            key(1).as_verification_key(),
            key(2).as_verification_key(),
        ]);
        assert!(check_id_token(&signed(&t), ISSUER, CLIENT, &rotated, NONCE, NOW).is_ok());
    }

    #[test]
    fn other_asymmetric_algorithms_pass_and_a_token_without_a_signature_does_not() {
        let claims = signed(&token());
        // RS512 with the same key.
        let t = Token {
            alg: CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
            ..token()
        };
        assert!(check(&t).is_ok());
        // `alg: none`: the claims of a valid token with its signature taken off.
        let parts: Vec<&str> = claims.split('.').collect();
        let header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"alg":"none"}"#,
        );
        let unsigned = format!("{header}.{}.", parts[1]);
        assert_eq!(
            check_id_token(&unsigned, ISSUER, CLIENT, &keys(), NONCE, NOW),
            Err(Refusal::TokenInvalid)
        );
    }

    #[test]
    fn a_tampered_or_malformed_token_is_refused() {
        let good = signed(&token());
        let mut parts: Vec<String> = good.split('.').map(String::from).collect();
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"iss":"https://login.example.nl/tenant/v2.0","aud":"meldpunt","sub":"someone-else","exp":9999999999,"iat":1,"nonce":"nonce-1"}"#,
        );
        let tampered = parts.join(".");
        let check = |t: &str| check_id_token(t, ISSUER, CLIENT, &keys(), NONCE, NOW);
        assert_eq!(check(&tampered), Err(Refusal::TokenInvalid));
        assert_eq!(check("not-a-token"), Err(Refusal::TokenInvalid));
        assert_eq!(check(""), Err(Refusal::TokenInvalid));
    }
}
