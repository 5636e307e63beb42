-- Single sign-on with an organisation's own OpenID Connect provider (issue 16).
-- One provider per organisation. The client secret is never stored here: secret_ref names
-- it in the configuration (MELDPUNT_SSO_SECRET_<ref> or [sso_secrets] in the file).
CREATE TABLE identity_providers (
    org_id BIGINT PRIMARY KEY REFERENCES organisations(id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    secret_ref TEXT NOT NULL,
    mfa_acr TEXT,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users(id)
);
-- The e-mail domains whose people sign in through an organisation's provider; a domain
-- belongs to one organisation.
CREATE TABLE identity_provider_domains (
    domain TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES identity_providers(org_id)
);
CREATE INDEX identity_provider_domains_org ON identity_provider_domains(org_id);
-- A sign-in sent to a provider and not back yet: found by the hash of its state, used once,
-- bound to the browser that began it by the hash of a cookie, with its nonce and PKCE
-- verifier. Ten minutes at most.
CREATE TABLE sso_logins (
    state_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES identity_providers(org_id),
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- A re-check of a signed-in session (prompt=none): the session's hash and where the
    -- person was going.
    recheck_session_hash TEXT,
    return_to TEXT
);
-- The provider's subject an account is linked to at its first single sign-on.
ALTER TABLE users ADD COLUMN sso_issuer TEXT;
ALTER TABLE users ADD COLUMN sso_subject TEXT;
CREATE UNIQUE INDEX users_sso_subject ON users(sso_issuer, sso_subject);
-- A session begun by single sign-on: the organisation whose provider vouched for it, and when
-- the provider last confirmed that the person may still sign in.
ALTER TABLE sessions ADD COLUMN sso_org_id BIGINT;
ALTER TABLE sessions ADD COLUMN sso_checked_at BIGINT;
