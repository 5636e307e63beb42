-- Passkeys (WebAuthn) as a second factor for every account (issue 16). The credential is
-- kept as webauthn-rs serialises it (public key, counter; no secret). A ceremony's state
-- (challenge) lives in the session it belongs to, so any instance can finish it.
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    user_handle TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    credential TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX passkeys_user ON passkeys(user_id);

ALTER TABLE sessions ADD COLUMN webauthn_state TEXT;
