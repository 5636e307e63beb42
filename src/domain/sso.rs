//! Single sign-on rules (OpenID Connect): what makes an organisation's provider settings
//! valid, which e-mail domain a person belongs to, and when the provider's sign-in counts as
//! multi-factor, so that meldpunt does not ask for its own second factor again.

use super::message::Message;
use super::text::has_hidden;

/// How long a sign-in sent to a provider may take to come back.
pub const LOGIN_MS: super::Millis = 10 * 60 * 1000;

/// How often the provider confirms a session it vouched for (a silent `prompt=none` round
/// trip at the next page the person opens): a person blocked at the provider loses access
/// within this time.
pub const RECHECK_MS: super::Millis = 15 * 60 * 1000;

/// Whether a session the provider last confirmed at `checked_at` is due for confirmation.
pub fn recheck_due(checked_at: super::Millis, now: super::Millis) -> bool {
    now - checked_at >= RECHECK_MS
}

/// An organisation's provider, as an administrator registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// The issuer identifier: `https://…` (http only for a provider on this machine).
    pub issuer: String,
    pub client_id: String,
    /// The name of the client secret in meldpunt's configuration
    /// (`MELDPUNT_SSO_SECRET_<name>`); the secret itself is never stored in the database.
    pub secret_ref: String,
    /// The e-mail domains whose people sign in through this provider, lower case.
    pub email_domains: Vec<String>,
    /// An `acr` value that means multi-factor at this provider, if it says so that way.
    pub mfa_acr: Option<String>,
}

/// The fields of the settings form as typed.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub secret_ref: &'a str,
    pub email_domains: &'a str,
    pub mfa_acr: &'a str,
}

pub const MAX_DOMAINS: usize = 20;

/// The settings, or the first field that breaks a rule and why.
pub fn check_settings(input: &SettingsInput) -> Result<ProviderSettings, (&'static str, Message)> {
    let issuer = input.issuer.trim();
    check_issuer(issuer).map_err(|m| ("issuer", m))?;
    let client_id = input.client_id.trim();
    if client_id.is_empty() || client_id.len() > 255 || has_hidden(client_id) {
        return Err(("client_id", Message::new("sso.client_id_invalid")));
    }
    let secret_ref = input.secret_ref.trim();
    if !is_secret_ref(secret_ref) {
        return Err(("secret_ref", Message::new("sso.secret_ref_invalid")));
    }
    let mut email_domains = Vec::new();
    for d in input
        .email_domains
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|d| !d.is_empty())
    {
        let d = d.trim_start_matches('@').to_ascii_lowercase();
        if !is_domain_name(&d) {
            return Err((
                "email_domains",
                Message::new("sso.domain_invalid").with("domain", d),
            ));
        }
        if !email_domains.contains(&d) {
            email_domains.push(d);
        }
    }
    if email_domains.is_empty() || email_domains.len() > MAX_DOMAINS {
        return Err(("email_domains", Message::new("sso.domains_count")));
    }
    let mfa_acr = input.mfa_acr.trim();
    if mfa_acr.len() > 255 || has_hidden(mfa_acr) {
        return Err(("mfa_acr", Message::new("sso.acr_invalid")));
    }
    Ok(ProviderSettings {
        issuer: issuer.to_string(),
        client_id: client_id.to_string(),
        secret_ref: secret_ref.to_string(),
        email_domains,
        mfa_acr: (!mfa_acr.is_empty()).then(|| mfa_acr.to_string()),
    })
}

/// An issuer is an `https` URL without query or fragment; plain `http` only for a provider
/// on this machine (a test or development provider).
fn check_issuer(issuer: &str) -> Result<(), Message> {
    let bad = || Message::new("sso.issuer_invalid");
    let url = url::Url::parse(issuer).map_err(|_| bad())?;
    if url.query().is_some() || url.fragment().is_some() || issuer.len() > 500 {
        return Err(bad());
    }
    let local = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if local => Ok(()),
        "http" => Err(Message::new("sso.issuer_not_https")),
        _ => Err(bad()),
    }
}

/// A secret's name in the configuration: capitals, digits and `_`, at most 64.
pub fn is_secret_ref(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A domain name of two or more labels (`gemeente.nl`, `utrecht.nl`), lower case.
fn is_domain_name(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    d.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The domain of an e-mail address, lower case (`Jan@Utrecht.NL` → `utrecht.nl`).
pub fn email_domain(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.to_ascii_lowercase();
    (!local.is_empty() && is_domain_name(&domain)).then_some(domain)
}

/// The kind of factor an authentication method reference (RFC 8176) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FactorKind {
    Knowledge,
    Possession,
    Inherence,
}

fn factor_kind(amr: &str) -> Option<FactorKind> {
    match amr {
        "pwd" | "pin" | "kba" => Some(FactorKind::Knowledge),
        "hwk" | "swk" | "otp" | "sms" | "tel" | "sc" | "pop" => Some(FactorKind::Possession),
        "fpt" | "face" | "iris" | "retina" | "vbm" | "user" => Some(FactorKind::Inherence),
        _ => None,
    }
}

/// Whether the provider says the person signed in with more than one factor: `amr` holds
/// `mfa`, or methods of two different kinds (a password and a one-time code), or `acr` is the
/// value the administrator named as multi-factor at this provider.
pub fn asserts_multi_factor(amr: &[String], acr: Option<&str>, mfa_acr: Option<&str>) -> bool {
    if amr.iter().any(|m| m == "mfa") {
        return true;
    }
    let mut kinds: Vec<FactorKind> = amr.iter().filter_map(|m| factor_kind(m)).collect();
    kinds.sort_by_key(|k| *k as u8);
    kinds.dedup();
    if kinds.len() >= 2 {
        return true;
    }
    matches!((acr, mfa_acr), (Some(a), Some(m)) if a == m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(issuer: &'a str, domains: &'a str) -> SettingsInput<'a> {
        SettingsInput {
            issuer,
            client_id: "meldpunt",
            secret_ref: "UTRECHT",
            email_domains: domains,
            mfa_acr: "",
        }
    }

    fn field(r: Result<ProviderSettings, (&'static str, Message)>) -> &'static str {
        r.err().map(|(f, _)| f).unwrap_or("accepted")
    }

    #[test]
    fn an_entra_id_issuer_and_its_domains_are_accepted_in_lower_case() {
        let s = check_settings(&input(
            "https://login.microsoftonline.com/0c4a6d7e-1b2c-4d5e-8f90-123456789abc/v2.0",
            "Utrecht.nl, @gemeente-utrecht.nl\nutrecht.nl",
        ))
        .unwrap();
        assert_eq!(s.email_domains, ["utrecht.nl", "gemeente-utrecht.nl"]);
        assert_eq!(s.mfa_acr, None);
    }

    #[test]
    fn plain_http_is_only_for_a_provider_on_this_machine() {
        assert_eq!(
            field(check_settings(&input("http://localhost:4000", "a.nl"))),
            "accepted"
        );
        assert_eq!(
            field(check_settings(&input("http://127.0.0.1:4000", "a.nl"))),
            "accepted"
        );
        let far = check_settings(&input("http://idp.example.nl", "a.nl"));
        assert_eq!(far.unwrap_err().1.key, "sso.issuer_not_https");
        assert_eq!(
            field(check_settings(&input("http://10.0.0.1", "a.nl"))),
            "issuer"
        );
        assert_eq!(
            field(check_settings(&input("ftp://idp.nl", "a.nl"))),
            "issuer"
        );
        assert_eq!(
            field(check_settings(&input("https://idp.nl/?x=1", "a.nl"))),
            "issuer"
        );
        assert_eq!(field(check_settings(&input("idp.nl", "a.nl"))), "issuer");
    }

    #[test]
    fn domains_secret_names_and_client_ids_must_be_well_formed() {
        let ok = "https://idp.nl";
        assert_eq!(field(check_settings(&input(ok, ""))), "email_domains");
        assert_eq!(field(check_settings(&input(ok, "nl"))), "email_domains");
        assert_eq!(field(check_settings(&input(ok, "a_b.nl"))), "email_domains");
        assert_eq!(field(check_settings(&input(ok, "-a.nl"))), "email_domains");
        let many: Vec<String> = (0..21).map(|i| format!("d{i}.nl")).collect();
        assert_eq!(
            field(check_settings(&input(ok, &many.join(",")))),
            "email_domains"
        );
        let mut i = input(ok, "a.nl");
        i.secret_ref = "utrecht";
        assert_eq!(field(check_settings(&i)), "secret_ref");
        i.secret_ref = "UTRECHT";
        i.client_id = "meld\u{202e}punt";
        assert_eq!(field(check_settings(&i)), "client_id");
        i.client_id = " ";
        assert_eq!(field(check_settings(&i)), "client_id");
    }

    #[test]
    fn the_provider_confirms_a_session_every_quarter_of_an_hour() {
        assert!(!recheck_due(0, RECHECK_MS - 1));
        assert!(recheck_due(0, RECHECK_MS));
    }

    #[test]
    fn an_email_address_belongs_to_its_domain() {
        assert_eq!(
            email_domain("Jan@Utrecht.NL").as_deref(),
            Some("utrecht.nl")
        );
        assert_eq!(
            email_domain("a@b@utrecht.nl").as_deref(),
            Some("utrecht.nl")
        );
        assert_eq!(email_domain("utrecht.nl"), None);
        assert_eq!(email_domain("@utrecht.nl"), None);
        assert_eq!(email_domain("jan@localhost"), None);
    }

    #[test]
    fn multi_factor_is_mfa_or_two_kinds_of_factor_or_the_named_acr() {
        let amr = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(asserts_multi_factor(&amr(&["pwd", "mfa"]), None, None));
        assert!(asserts_multi_factor(&amr(&["pwd", "otp"]), None, None));
        assert!(asserts_multi_factor(&amr(&["hwk", "face"]), None, None));
        assert!(!asserts_multi_factor(&amr(&["pwd"]), None, None));
        assert!(!asserts_multi_factor(&amr(&["pwd", "pin"]), None, None));
        assert!(!asserts_multi_factor(&amr(&["otp", "sms"]), None, None));
        assert!(!asserts_multi_factor(&[], None, None));
        let loa = "http://eidas.europa.eu/LoA/substantial";
        assert!(asserts_multi_factor(&[], Some(loa), Some(loa)));
        assert!(!asserts_multi_factor(&[], Some(loa), None));
        assert!(!asserts_multi_factor(&[], Some("low"), Some(loa)));
    }
}
