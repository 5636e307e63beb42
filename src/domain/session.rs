//! Session rules: how long a session lives and what a half-finished sign-in may do.

use super::Millis;

/// How far a session has come through sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password accepted; the TOTP code (or a recovery code) is still due.
    AwaitingSecondFactor,
    /// Password accepted; the role needs a second factor that is not set up yet.
    MustEnrolSecondFactor,
    /// Fully signed in.
    SignedIn,
}

impl SessionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::AwaitingSecondFactor => "awaiting_second_factor",
            SessionStage::MustEnrolSecondFactor => "must_enrol_second_factor",
            SessionStage::SignedIn => "signed_in",
        }
    }

    pub fn parse(s: &str) -> Option<SessionStage> {
        [
            SessionStage::AwaitingSecondFactor,
            SessionStage::MustEnrolSecondFactor,
            SessionStage::SignedIn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Time-outs, configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session ends after this long without a request.
    pub idle_ms: Millis,
    /// A session ends this long after sign-in, active or not.
    pub absolute_ms: Millis,
    /// A half-finished sign-in (second factor pending) ends after this long.
    pub pending_ms: Millis,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle_ms: 30 * 60 * 1000,
            absolute_ms: 12 * 60 * 60 * 1000,
            pending_ms: 10 * 60 * 1000,
        }
    }
}

/// Whether a stored session may still be used at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionValidity {
    Valid,
    IdleExpired,
    AbsoluteExpired,
}

pub fn check_session(
    stage: SessionStage,
    created_at: Millis,
    last_seen_at: Millis,
    now: Millis,
    limits: &SessionLimits,
) -> SessionValidity {
    let absolute = if stage == SessionStage::SignedIn {
        limits.absolute_ms
    } else {
        limits.pending_ms
    };
    if now - created_at >= absolute {
        SessionValidity::AbsoluteExpired
    } else if now - last_seen_at >= limits.idle_ms {
        SessionValidity::IdleExpired
    } else {
        SessionValidity::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;

    #[test]
    fn a_session_ends_after_thirty_idle_minutes_or_twelve_hours_in_all() {
        let l = SessionLimits::default();
        let s = SessionStage::SignedIn;
        assert_eq!(check_session(s, 0, 0, 29 * MIN, &l), SessionValidity::Valid);
        assert_eq!(
            check_session(s, 0, 0, 30 * MIN, &l),
            SessionValidity::IdleExpired
        );
        assert_eq!(
            check_session(s, 0, 719 * MIN, 720 * MIN, &l),
            SessionValidity::AbsoluteExpired
        );
    }

    #[test]
    fn a_half_finished_sign_in_lasts_ten_minutes() {
        let l = SessionLimits::default();
        let s = SessionStage::AwaitingSecondFactor;
        assert_eq!(
            check_session(s, 0, 9 * MIN, 9 * MIN, &l),
            SessionValidity::Valid
        );
        assert_eq!(
            check_session(s, 0, 9 * MIN, 10 * MIN, &l),
            SessionValidity::AbsoluteExpired
        );
    }
}
