//! The pure core of meldpunt: types, rules and decisions.
//!
//! Nothing in here does I/O, reads the clock or draws random numbers on its own:
//! time and randomness are handed in by the caller. Errors are plain enums.

pub mod assessment;
pub mod audit;
pub mod case;
pub mod credentials;
pub mod evidence;
pub mod link;
pub mod notice;
pub mod notice_text;
pub mod org;
pub mod policy;
pub mod report;
pub mod session;
pub mod throttle;
pub mod user;
pub mod vocab;

/// Milliseconds since the Unix epoch (UTC). All stored times use this unit.
pub type Millis = i64;
