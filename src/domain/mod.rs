//! The pure core of meldpunt: types, rules and decisions.
//!
//! Nothing in here does I/O, reads the clock or draws random numbers on its own:
//! time and randomness are handed in by the caller. Errors are plain enums.

pub mod access_request;
pub mod assessment;
pub mod audit;
pub mod case;
pub mod credentials;
pub mod disclosure;
pub mod evidence;
pub mod group;
pub mod image_index;
pub mod link;
pub mod map;
pub mod matching;
pub mod message;
pub mod next_step;
pub mod notice;
pub mod notice_text;
pub mod org;
pub mod pdq;
pub mod platform;
pub mod policy;
pub mod redirect;
pub mod report;
pub mod report_body;
pub mod retention;
pub mod search;
pub mod session;
pub mod situation;
pub mod sso;
pub mod text;
pub mod text_match;
pub mod throttle;
pub mod transparency;
pub mod user;
pub mod vocab;
pub mod year_report;

/// Milliseconds since the Unix epoch (UTC). All stored times use this unit.
pub type Millis = i64;

/// A moment as systems read it: RFC 3339 in UTC (`2026-11-29T13:05:00Z`).
pub fn iso_time(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A moment as Dutch people read it: `29-11-2026 14:05`, Amsterdam time.
pub fn dutch_time(ms: Millis) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let Ok(tz) = jiff::tz::TimeZone::get("Europe/Amsterdam") else {
        return ts.to_string();
    };
    ts.to_zoned(tz).strftime("%d-%m-%Y %H:%M").to_string()
}

/// The calendar date in the Netherlands at a moment (Europe/Amsterdam).
pub fn dutch_day(ms: Millis) -> Option<jiff::civil::Date> {
    let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").ok()?;
    Some(ts.to_zoned(tz).date())
}

/// Reads a `datetime-local` form value (`2026-11-29T14:05`) as Amsterdam time.
pub fn parse_dutch_local(s: &str) -> Option<Millis> {
    let dt: jiff::civil::DateTime = s.trim().parse().ok()?;
    let zoned = dt.in_tz("Europe/Amsterdam").ok()?;
    Some(zoned.timestamp().as_millisecond())
}

/// The `datetime-local` form value for a moment, Amsterdam time.
pub fn dutch_local_input(ms: Millis) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let Ok(tz) = jiff::tz::TimeZone::get("Europe/Amsterdam") else {
        return String::new();
    };
    ts.to_zoned(tz).strftime("%Y-%m-%dT%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dutch_times_round_trip() {
        let ms = super::parse_dutch_local("2026-11-29T14:05").unwrap();
        assert_eq!(super::dutch_time(ms), "29-11-2026 14:05");
        assert_eq!(super::dutch_local_input(ms), "2026-11-29T14:05");
        assert_eq!(super::parse_dutch_local("gisteren"), None);
    }
}
