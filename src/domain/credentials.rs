//! Secrets: password hashes (Argon2id), TOTP codes, recovery codes, session ids and
//! API tokens. Randomness is passed in by the caller.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{CryptoRng, Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::TOTP;

/// Argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password as a PHC string (`$argon2id$v=19$...`).
pub fn hash_password(password: &str, rng: &mut (impl RngCore + CryptoRng)) -> String {
    let salt = SaltString::generate(rng);
    match argon2().hash_password(password.as_bytes(), &salt) {
        Ok(h) => h.to_string(),
        // Only reachable with invalid parameters, which are constants above.
        Err(e) => panic!("argon2 parameters are invalid: {e}"),
    }
}

/// Checks a password against a stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A PHC hash of a random password, verified against when the account does not
/// exist, so a wrong e-mail address costs as much time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x6d65_6c64);
        hash_password("no account has this password", &mut rng)
    });
    &DUMMY
}

/// SHA-256 of a high-entropy secret (session id, token, recovery code), hex-encoded.
/// Used where the secret is random enough that a slow hash adds nothing.
pub fn sha256_hex(secret: &str) -> String {
    sha256_hex_bytes(secret.as_bytes())
}

/// SHA-256 of some bytes, as lower-case hex.
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A random URL-safe secret of `bytes` random bytes.
pub fn random_secret(bytes: usize, rng: &mut impl Rng) -> String {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf[..]);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, buf)
}

/// A new API token: `mp_` + 32 random bytes. Returns the token and its display prefix.
pub fn new_api_token(rng: &mut impl Rng) -> (String, String) {
    let token = format!("mp_{}", random_secret(32, rng));
    let prefix = token.chars().take(10).collect();
    (token, prefix)
}

/// Ten recovery codes of the form `abcde-fghij` (50 bits each), lower-case letters
/// and digits without look-alikes.
pub fn new_recovery_codes(rng: &mut impl Rng) -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..10)
        .map(|_| {
            let mut s = String::with_capacity(11);
            for i in 0..10 {
                if i == 5 {
                    s.push('-');
                }
                s.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
            }
            s
        })
        .collect()
}

/// Normalises what a person typed as a recovery code.
pub fn normalise_recovery_code(input: &str) -> String {
    let compact: String = input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if compact.len() == 10 {
        format!("{}-{}", &compact[..5], &compact[5..])
    } else {
        compact
    }
}

/// Length of one TOTP time step, in seconds.
pub const TOTP_STEP_SECONDS: u64 = 30;

/// A new random TOTP secret (160 bits), base32-encoded as authenticator apps expect.
pub fn new_totp_secret(rng: &mut impl Rng) -> String {
    let mut buf = [0u8; 20];
    rng.fill(&mut buf[..]);
    totp_rs::Secret::Raw(buf.to_vec()).to_encoded().to_string()
}

fn totp(secret_b32: &str, account: &str) -> Option<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .ok()?;
    TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        TOTP_STEP_SECONDS,
        bytes,
        Some("meldpunt".to_string()),
        account.to_string(),
    )
    .ok()
}

/// The `otpauth://` URL an authenticator app reads from the QR code.
pub fn totp_url(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account).map(|t| t.get_url())
}

/// The code for a given Unix time (used by tests and by nothing else in production).
pub fn totp_code_at(secret_b32: &str, unix_seconds: u64) -> Option<String> {
    totp(secret_b32, "x").map(|t| t.generate(unix_seconds))
}

/// Why a TOTP code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpRejection {
    Wrong,
    /// The code was right but its time step was already used: a replay.
    Reused,
}

/// Checks a TOTP code at `unix_seconds`, allowing one step of clock drift either way.
/// A code is accepted once: its step must be newer than `last_used_step`.
/// Returns the step that was used, to be stored as the new `last_used_step`.
pub fn check_totp(
    secret_b32: &str,
    code: &str,
    unix_seconds: u64,
    last_used_step: Option<i64>,
) -> Result<i64, TotpRejection> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(TotpRejection::Wrong);
    }
    let t = totp(secret_b32, "x").ok_or(TotpRejection::Wrong)?;
    let now_step = (unix_seconds / TOTP_STEP_SECONDS) as i64;
    for step in [now_step - 1, now_step, now_step + 1] {
        if step < 0 {
            continue;
        }
        let expected = t.generate(step as u64 * TOTP_STEP_SECONDS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            return match last_used_step {
                Some(last) if step <= last => Err(TotpRejection::Reused),
                _ => Ok(step),
            };
        }
    }
    Err(TotpRejection::Wrong)
}

/// Constant-time comparison of two secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn a_password_verifies_only_against_its_own_argon2id_hash() {
        let mut rng = StdRng::seed_from_u64(1);
        let h = hash_password("correct horse battery", &mut rng);
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn a_totp_code_is_accepted_once_within_one_step_of_drift() {
        let mut rng = StdRng::seed_from_u64(2);
        let secret = new_totp_secret(&mut rng);
        let now = 1_800_000_000;
        let code = totp_code_at(&secret, now).unwrap();
        let step = check_totp(&secret, &code, now, None).unwrap();
        assert_eq!(
            check_totp(&secret, &code, now, Some(step)),
            Err(TotpRejection::Reused)
        );
        let previous = totp_code_at(&secret, now - 30).unwrap();
        assert!(check_totp(&secret, &previous, now, None).is_ok());
        let old = totp_code_at(&secret, now - 90).unwrap();
        assert_eq!(
            check_totp(&secret, &old, now, None),
            Err(TotpRejection::Wrong)
        );
        assert_eq!(
            check_totp(&secret, "12a456", now, None),
            Err(TotpRejection::Wrong)
        );
    }

    #[test]
    fn an_older_code_is_refused_after_a_newer_one_was_used() {
        let mut rng = StdRng::seed_from_u64(3);
        let secret = new_totp_secret(&mut rng);
        let now = 1_800_000_000;
        let current = totp_code_at(&secret, now).unwrap();
        let step = check_totp(&secret, &current, now, None).unwrap();
        let previous = totp_code_at(&secret, now - 30).unwrap();
        assert_eq!(
            check_totp(&secret, &previous, now, Some(step)),
            Err(TotpRejection::Reused)
        );
    }

    #[test]
    fn recovery_codes_are_ten_distinct_codes_and_typing_variants_normalise() {
        let mut rng = StdRng::seed_from_u64(4);
        let codes = new_recovery_codes(&mut rng);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let c = &codes[0];
        assert_eq!(
            normalise_recovery_code(&c.to_uppercase().replace('-', " ")),
            *c
        );
    }

    #[test]
    fn api_tokens_are_long_and_shown_by_prefix() {
        let mut rng = StdRng::seed_from_u64(5);
        let (token, prefix) = new_api_token(&mut rng);
        assert!(token.starts_with("mp_") && token.len() > 40);
        assert!(token.starts_with(&prefix));
    }
}
