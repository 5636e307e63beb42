//! Throttling of failed sign-ins: which counters an attempt counts against, and how long
//! a counter makes the next attempt wait.
//!
//! The model follows OWASP's "device cookies": a browser that completed a sign-in for an
//! account gets a device cookie (a random 256-bit secret; only its hash is stored, bound to
//! that account). An attempt from such a *known device* counts only against that device's
//! own counter, so nobody else's failures — from anywhere, or from the same address behind
//! a proxy — ever delay it. Every other attempt counts against three counters, each a row in
//! the database so that every instance sees them:
//! - per address: slows one machine guessing many accounts;
//! - per account *and* address: slows guessing one account from one place;
//! - per account from everywhere: slows a distributed attack on one account.
//!
//! A throttle only ever delays, and every delay is bounded (at most
//! [`LONGEST_DELAY_MS`]); it never locks an account or an address.

use super::Millis;

/// Which counter a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleKind {
    Address,
    AccountAtAddress,
    Account,
    /// One known device of one account.
    Device,
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

/// The longest any counter makes anyone wait.
pub const LONGEST_DELAY_MS: Millis = 5 * 60 * 1000;

/// How long a device counts as known after its last completed sign-in (the device cookie
/// lives as long).
pub const KNOWN_DEVICE_MS: Millis = 90 * 24 * 60 * 60 * 1000;

pub fn rule(kind: ThrottleKind) -> ThrottleRule {
    match kind {
        // Many people may share one address (an office behind a proxy): generous, and short.
        ThrottleKind::Address => ThrottleRule {
            free_failures: 30,
            base_delay_ms: 1_000,
            max_delay_ms: 60 * 1000,
        },
        ThrottleKind::AccountAtAddress => ThrottleRule {
            free_failures: 5,
            base_delay_ms: 2_000,
            max_delay_ms: LONGEST_DELAY_MS,
        },
        // What a person on a new device waits at most while their account is under attack.
        ThrottleKind::Account => ThrottleRule {
            free_failures: 10,
            base_delay_ms: 5_000,
            max_delay_ms: 2 * 60 * 1000,
        },
        ThrottleKind::Device => ThrottleRule {
            free_failures: 5,
            base_delay_ms: 2_000,
            max_delay_ms: LONGEST_DELAY_MS,
        },
    }
}

/// One sign-in attempt, as far as throttling is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// The account as typed (lower-cased e-mail address).
    pub account: &'a str,
    /// The client's address.
    pub address: &'a str,
    /// The hash of the device cookie, when the device is known to this account.
    pub known_device: Option<&'a str>,
}

/// The counters an attempt is checked against and, on failure, counts against: a known
/// device only its own; anything else the address, the account at the address and the
/// account from everywhere.
pub fn counters(a: &Attempt) -> Vec<(ThrottleKind, String)> {
    match a.known_device {
        Some(device) => vec![(ThrottleKind::Device, format!("device:{device}"))],
        None => vec![
            (ThrottleKind::Address, format!("addr:{}", a.address)),
            (
                ThrottleKind::AccountAtAddress,
                format!("acct-addr:{}|{}", a.account, a.address),
            ),
            (ThrottleKind::Account, format!("acct:{}", a.account)),
        ],
    }
}

/// The counters a completed sign-in clears, of those it was checked against: the
/// account's or the device's own, never the address's (which other accounts' failures share).
pub fn cleared_on_success(counters: &[(ThrottleKind, String)]) -> Vec<&str> {
    counters
        .iter()
        .filter(|(kind, _)| *kind != ThrottleKind::Address)
        .map(|(_, key)| key.as_str())
        .collect()
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
            Some(now + LONGEST_DELAY_MS)
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

    const KINDS: [ThrottleKind; 4] = [
        ThrottleKind::Address,
        ThrottleKind::AccountAtAddress,
        ThrottleKind::Account,
        ThrottleKind::Device,
    ];

    #[test]
    fn a_known_device_counts_only_against_itself() {
        let known = Attempt {
            account: "a@x.nl",
            address: "10.0.0.1",
            known_device: Some("abc"),
        };
        assert_eq!(
            counters(&known),
            vec![(ThrottleKind::Device, "device:abc".to_string())]
        );
        let unknown = Attempt {
            known_device: None,
            ..known
        };
        let kinds: Vec<_> = counters(&unknown).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            [
                ThrottleKind::Address,
                ThrottleKind::AccountAtAddress,
                ThrottleKind::Account
            ]
        );
        // The address's counter is shared with other accounts: a success does not reset it.
        assert_eq!(
            cleared_on_success(&counters(&unknown)),
            ["acct-addr:a@x.nl|10.0.0.1", "acct:a@x.nl"]
        );
        assert_eq!(cleared_on_success(&counters(&known)), ["device:abc"]);
    }

    #[test]
    fn every_wait_is_bounded_even_when_an_attacker_keeps_it_up() {
        for kind in KINDS {
            let cap = rule(kind).max_delay_ms;
            assert!(cap <= LONGEST_DELAY_MS, "{kind:?}");
            // One failure each time the wait has passed, for a day: the wait never grows past its cap.
            let mut now = 0;
            let mut c = None;
            let mut longest = 0;
            while now < 24 * 60 * 60 * 1000 {
                let counter = after_failure(c, now);
                if let Some(until) = blocked_until(kind, &counter, now) {
                    longest = longest.max(until - now);
                    now = until;
                } else {
                    now += 1;
                }
                c = Some(counter);
            }
            assert_eq!(longest, cap, "{kind:?}");
        }
        // Many people share an office's address: its wait is short.
        assert!(rule(ThrottleKind::Address).max_delay_ms <= 60 * 1000);
    }
}
