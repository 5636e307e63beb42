//! Throttling of failed sign-ins.
//!
//! Three counters, each a row in the database so that every instance sees them:
//! - per address: slows one machine guessing many accounts;
//! - per account *and* address: slows guessing one account from one place;
//! - per account from everywhere: slows a distributed attack, but is skipped for
//!   addresses this account signed in from before, so nobody can lock out the real user.
//!
//! A throttle only ever delays (at most 15 minutes); it never locks an account.

use super::Millis;

/// Which counter a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleKind {
    Address,
    AccountAtAddress,
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures allowed without delay.
    pub free_failures: i64,
    /// Delay after the first failure beyond the free ones; doubles with each further failure.
    pub base_delay_ms: Millis,
    pub max_delay_ms: Millis,
}

/// Counters forget failures older than this.
pub const FAILURE_MEMORY_MS: Millis = 60 * 60 * 1000;

pub fn rule(kind: ThrottleKind) -> ThrottleRule {
    match kind {
        ThrottleKind::Address => ThrottleRule {
            free_failures: 20,
            base_delay_ms: 1_000,
            max_delay_ms: 15 * 60 * 1000,
        },
        ThrottleKind::AccountAtAddress => ThrottleRule {
            free_failures: 5,
            base_delay_ms: 2_000,
            max_delay_ms: 15 * 60 * 1000,
        },
        ThrottleKind::Account => ThrottleRule {
            free_failures: 10,
            base_delay_ms: 5_000,
            max_delay_ms: 5 * 60 * 1000,
        },
    }
}

/// The counter key stored in the database.
pub fn key(kind: ThrottleKind, account: &str, address: &str) -> String {
    match kind {
        ThrottleKind::Address => format!("addr:{address}"),
        ThrottleKind::AccountAtAddress => format!("acct-addr:{account}|{address}"),
        ThrottleKind::Account => format!("acct:{account}"),
    }
}

/// A counter as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub last_failure_at: Millis,
}

/// The moment before which no new attempt is considered, given a counter.
pub fn blocked_until(kind: ThrottleKind, c: &Counter, now: Millis) -> Option<Millis> {
    if now - c.last_failure_at >= FAILURE_MEMORY_MS {
        return None;
    }
    let r = rule(kind);
    // After `free_failures` failures the next attempt waits; each further failure doubles the wait.
    let over = c.failures - r.free_failures;
    if over < 0 {
        return None;
    }
    let doublings = over.min(20) as u32;
    let delay = r
        .base_delay_ms
        .saturating_mul(1i64 << doublings)
        .min(r.max_delay_ms);
    let until = c.last_failure_at + delay;
    (until > now).then_some(until)
}

/// The counter after one more failure at `now`.
pub fn after_failure(c: Option<Counter>, now: Millis) -> Counter {
    match c {
        Some(c) if now - c.last_failure_at < FAILURE_MEMORY_MS => Counter {
            failures: c.failures + 1,
            last_failure_at: now,
        },
        _ => Counter {
            failures: 1,
            last_failure_at: now,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(n: i64, now: Millis) -> Counter {
        let mut c = None;
        for _ in 0..n {
            c = Some(after_failure(c, now));
        }
        c.unwrap()
    }

    #[test]
    fn the_first_failures_at_an_address_cost_nothing() {
        let c = after(4, 1_000);
        assert_eq!(
            blocked_until(ThrottleKind::AccountAtAddress, &c, 1_000),
            None
        );
        let c = after(5, 1_000);
        assert_eq!(
            blocked_until(ThrottleKind::AccountAtAddress, &c, 1_000),
            Some(3_000)
        );
    }

    #[test]
    fn each_further_failure_doubles_the_wait_up_to_a_cap() {
        let now = 10_000_000;
        assert_eq!(
            blocked_until(ThrottleKind::AccountAtAddress, &after(6, now), now),
            Some(now + 4_000)
        );
        assert_eq!(
            blocked_until(ThrottleKind::AccountAtAddress, &after(7, now), now),
            Some(now + 8_000)
        );
        assert_eq!(
            blocked_until(ThrottleKind::AccountAtAddress, &after(100, now), now),
            Some(now + 15 * 60 * 1000)
        );
    }

    #[test]
    fn the_wait_passes_and_old_failures_are_forgotten() {
        let c = after(5, 0);
        assert_eq!(
            blocked_until(ThrottleKind::AccountAtAddress, &c, 2_000),
            None
        );
        let later = after_failure(Some(after(50, 0)), FAILURE_MEMORY_MS);
        assert_eq!(later.failures, 1);
    }
}
