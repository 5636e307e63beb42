//! People and their roles.

use std::fmt;

/// What a person does in meldpunt. A person has exactly one role in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Municipal staff reporting content on behalf of the mayor.
    Reporter,
    /// Central-team analyst who triages and assesses reports.
    Analyst,
    /// Central-team supervisor who approves outgoing notices (four eyes).
    Supervisor,
    /// Read-only oversight, including the audit trail.
    Auditor,
    /// Manages organisations, people and API tokens.
    Administrator,
    /// The data protection officer (functionaris gegevensbescherming): answers access
    /// requests (GDPR art. 15) and reads who consulted whose personal data.
    PrivacyOfficer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Reporter,
        Role::Analyst,
        Role::Supervisor,
        Role::Auditor,
        Role::Administrator,
        Role::PrivacyOfficer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
            Role::PrivacyOfficer => "privacy_officer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            Role::Reporter => "Melder",
            Role::Analyst => "Analist",
            Role::Supervisor => "Supervisor",
            Role::Auditor => "Auditor",
            Role::Administrator => "Beheerder",
            Role::PrivacyOfficer => "Functionaris gegevensbescherming",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Reporter => "Reporter",
            Role::Analyst => "Analyst",
            Role::Supervisor => "Supervisor",
            Role::Auditor => "Auditor",
            Role::Administrator => "Administrator",
            Role::PrivacyOfficer => "Data protection officer",
        }
    }
}

/// Whether a blocked account can simply be unblocked: it still has what signing in takes (a
/// password and a second factor — every account needs one, reporters too). An account
/// blocked before it was fully set up has not; it needs a new activation link instead.
pub fn can_be_unblocked(has_password: bool, has_second_factor: bool) -> bool {
    has_password && has_second_factor
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an account is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Created; waiting for the person to follow the activation link and set a password.
    Pending,
    Active,
    /// Cannot sign in; all sessions ended.
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Pending => "pending",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<UserStatus> {
        [
            UserStatus::Pending,
            UserStatus::Active,
            UserStatus::Disabled,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            UserStatus::Pending => "Wacht op activering",
            UserStatus::Active => "Actief",
            UserStatus::Disabled => "Geblokkeerd",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            UserStatus::Pending => "Awaiting activation",
            UserStatus::Active => "Active",
            UserStatus::Disabled => "Disabled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("not a valid e-mail address")]
    InvalidEmail,
    #[error("the name is empty or longer than 200 characters")]
    InvalidName,
    #[error("the password must have at least 12 characters")]
    PasswordTooShort,
    #[error("the password may have at most 256 characters")]
    PasswordTooLong,
    #[error("the two passwords differ")]
    PasswordsDiffer,
    #[error("the password is too easy to guess")]
    PasswordTooCommon,
}

/// A normalised e-mail address (trimmed, lower-case), used as the sign-in name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, UserError> {
        let s = raw.trim().to_lowercase();
        let (local, domain) = s.split_once('@').ok_or(UserError::InvalidEmail)?;
        let ok = !local.is_empty()
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
            && !domain.contains('@');
        if ok {
            Ok(Email(s))
        } else {
            Err(UserError::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person to create. The account starts `Pending` until activated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
}

impl NewUser {
    pub fn new(email: &str, name: &str, role: Role) -> Result<NewUser, UserError> {
        let email = Email::parse(email)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(UserError::InvalidName);
        }
        Ok(NewUser {
            email,
            name: name.to_string(),
            role,
        })
    }
}

/// Checks a new password against the policy (NIST SP 800-63B style: length, not composition).
/// The least strength a new password needs, as `zxcvbn` estimates it: 3 of 4, "safely
/// unguessable" (about 10^10 guesses). Below it are the common and breached passwords
/// (`123456789012`, `password1234`), keyboard walks, repeats, dates, and passwords made
/// of the person's own name or address.
const MIN_STRENGTH: u8 = 3;

/// The rules for a new password: 12 to 256 characters, typed twice alike, and not easy to
/// guess (`user_inputs`: the person's e-mail address and name, which a guesser tries first).
pub fn check_new_password(
    password: &str,
    repeated: &str,
    user_inputs: &[&str],
) -> Result<(), UserError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(UserError::PasswordTooShort);
    }
    if n > 256 {
        return Err(UserError::PasswordTooLong);
    }
    if password != repeated {
        return Err(UserError::PasswordsDiffer);
    }
    // A guesser tries the address and the name whole, run together and in parts.
    let joined: Vec<String> = user_inputs
        .iter()
        .map(|s| s.chars().filter(|c| c.is_alphanumeric()).collect())
        .collect();
    let mut inputs: Vec<&str> = user_inputs.to_vec();
    inputs.extend(joined.iter().map(String::as_str));
    inputs.extend(
        user_inputs
            .iter()
            .flat_map(|s| s.split(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.len() >= 3),
    );
    inputs.extend(["meldpunt", "melding", "wachtwoord", "gemeente", "welkom"]);
    if (zxcvbn::zxcvbn(password, &inputs).score() as u8) < MIN_STRENGTH {
        return Err(UserError::PasswordTooCommon);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Jan@Gemeente.NL ").unwrap().as_str(),
            "jan@gemeente.nl"
        );
        for bad in [
            "",
            "jan",
            "jan@",
            "@gemeente.nl",
            "jan@gemeente",
            "jan @x.nl",
            "a@b@c.nl",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_must_match() {
        assert_eq!(
            check_new_password("kort", "kort", &[]),
            Err(UserError::PasswordTooShort)
        );
        assert_eq!(
            check_new_password("lang genoeg wachtwoord", "lang genoeg wachtwoorD", &[]),
            Err(UserError::PasswordsDiffer)
        );
        assert!(
            check_new_password("lang genoeg wachtwoord", "lang genoeg wachtwoord", &[]).is_ok()
        );
        // Review M1: common and breached passwords of 12 characters are refused, and so is
        // one made of the person's own name.
        for weak in [
            "123456789012",
            "password1234",
            "qwertyuiop12",
            "aaaaaaaaaaaa",
            "Welkom123456",
            "wachtwoord12",
        ] {
            assert_eq!(
                check_new_password(weak, weak, &[]),
                Err(UserError::PasswordTooCommon),
                "{weak}"
            );
        }
        assert_eq!(
            check_new_password(
                "janjansen2026",
                "janjansen2026",
                &["jan.jansen@amsterdam.nl", "Jan Jansen"]
            ),
            Err(UserError::PasswordTooCommon)
        );
        for strong in [
            "lente in de stad aan het IJ",
            "een lang genoeg wachtwoord",
            "Fietsen-langs-de-Amstel-7",
        ] {
            assert!(check_new_password(strong, strong, &[]).is_ok(), "{strong}");
        }
    }

    #[test]
    fn only_an_account_that_can_still_sign_in_is_unblocked() {
        assert!(can_be_unblocked(true, true));
        // Reporters too need their second factor (review L8).
        assert!(!can_be_unblocked(true, false));
        assert!(!can_be_unblocked(false, false));
    }
}
