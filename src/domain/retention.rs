//! How long meldpunt keeps each kind of data: the retention schedule, its periods in calendar
//! units (ISO 8601 durations such as `P5Y`, `P6M`, `P30D`), and when an item falls due.
//!
//! Periods are added in calendar units in Dutch time, never as a number of days: five years
//! after 29 February 2028 is 28 February 2033 (the day does not exist, so the last day of that
//! month), and "five years" is never 1,461 days (that is four).

use super::Millis;

/// A retention period: years, months and days, all at least zero and not all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub years: u16,
    pub months: u16,
    pub days: u16,
}

/// Why a period was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    /// Not of the form `P…Y…M…D` (also: a negative period, or weeks or hours).
    Malformed,
    /// Zero: keeping nothing at all is not a retention period.
    Zero,
    /// Longer than 100 years.
    TooLong,
}

impl Period {
    pub const fn years(n: u16) -> Period {
        Period {
            years: n,
            months: 0,
            days: 0,
        }
    }
    pub const fn months(n: u16) -> Period {
        Period {
            years: 0,
            months: n,
            days: 0,
        }
    }
    pub const fn days(n: u16) -> Period {
        Period {
            years: 0,
            months: 0,
            days: n,
        }
    }

    /// Reads `P5Y`, `P6M`, `P30D`, `P1Y6M`, … (upper or lower case).
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim().to_ascii_uppercase();
        let Some(rest) = s.strip_prefix('P') else {
            return Err(PeriodError::Malformed);
        };
        if rest.is_empty() {
            return Err(PeriodError::Malformed);
        }
        let mut p = Period::days(0);
        let mut number = String::new();
        let mut last = 0; // Y = 1, M = 2, D = 3: each at most once, in this order
        for c in rest.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let place = match c {
                'Y' => 1,
                'M' => 2,
                'D' => 3,
                _ => return Err(PeriodError::Malformed),
            };
            if number.is_empty() || place <= last {
                return Err(PeriodError::Malformed);
            }
            let n: u32 = number.parse().map_err(|_| PeriodError::TooLong)?;
            let n = u16::try_from(n).map_err(|_| PeriodError::TooLong)?;
            match place {
                1 => p.years = n,
                2 => p.months = n,
                _ => p.days = n,
            }
            last = place;
            number.clear();
        }
        if !number.is_empty() {
            return Err(PeriodError::Malformed);
        }
        if p.years == 0 && p.months == 0 && p.days == 0 {
            return Err(PeriodError::Zero);
        }
        if u32::from(p.years) * 366 + u32::from(p.months) * 31 + u32::from(p.days) > 100 * 366 {
            return Err(PeriodError::TooLong);
        }
        Ok(p)
    }

    /// The moment this period after `from`, in calendar units in Dutch time.
    pub fn after(self, from: Millis) -> Option<Millis> {
        let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").ok()?;
        let start = jiff::Timestamp::from_millisecond(from).ok()?.to_zoned(tz);
        let span = jiff::Span::new()
            .try_years(i64::from(self.years))
            .ok()?
            .try_months(i64::from(self.months))
            .ok()?
            .try_days(i64::from(self.days))
            .ok()?;
        Some(start.checked_add(span).ok()?.timestamp().as_millisecond())
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P")?;
        if self.years > 0 {
            write!(f, "{}Y", self.years)?;
        }
        if self.months > 0 {
            write!(f, "{}M", self.months)?;
        }
        if self.days > 0 {
            write!(f, "{}D", self.days)?;
        }
        Ok(())
    }
}

/// The kinds of data the schedule sets a period for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// A case closed without any message leaving meldpunt: counted from its closure.
    CaseWithoutAction,
    /// A case that led to a notice or other message: counted from its closure.
    CaseWithNotice,
    /// Evidence files of a closed case: counted from its closure (the platform's copy and
    /// the hash are what count afterwards).
    Evidence,
    /// Sessions and sign-in records (addresses, throttling counters).
    SignInRecords,
    /// Notifications and the bodies of sent e-mail: counted from delivery.
    Notifications,
}

impl DataKind {
    pub const ALL: [DataKind; 5] = [
        DataKind::CaseWithoutAction,
        DataKind::CaseWithNotice,
        DataKind::Evidence,
        DataKind::SignInRecords,
        DataKind::Notifications,
    ];

    /// The identifier in configuration (`retention.<id>`, `MELDPUNT_RETENTION_<ID>`) and in
    /// deletion records.
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::CaseWithoutAction => "case_without_action",
            DataKind::CaseWithNotice => "case_with_notice",
            DataKind::Evidence => "evidence",
            DataKind::SignInRecords => "sign_in_records",
            DataKind::Notifications => "notifications",
        }
    }

    pub fn parse(s: &str) -> Option<DataKind> {
        DataKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the kind is, in English when `en`, else in Dutch.
    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (DataKind::CaseWithoutAction, false) => {
                "Zaak gesloten zonder bericht aan een platform of burgemeester"
            }
            (DataKind::CaseWithoutAction, true) => {
                "Case closed without a message to a platform or mayor"
            }
            (DataKind::CaseWithNotice, false) => {
                "Zaak die tot een kennisgeving of ander bericht leidde"
            }
            (DataKind::CaseWithNotice, true) => "Case that led to a notice or other message",
            (DataKind::Evidence, false) => "Bewijsbestanden (schermafbeeldingen, bijlagen)",
            (DataKind::Evidence, true) => "Evidence files (screenshots, attachments)",
            (DataKind::SignInRecords, false) => {
                "Inlogregistraties (bekende adressen, inlogpogingen)"
            }
            (DataKind::SignInRecords, true) => {
                "Sign-in records (known addresses, sign-in attempts)"
            }
            (DataKind::Notifications, false) => "Berichten aan medewerkers en verzonden e-mail",
            (DataKind::Notifications, true) => "Notifications to staff and sent e-mail",
        }
    }

    /// The default period, from the reference's sources (Selectielijst gemeenten 2020:
    /// requests rejected or aborted 1 year, granted 5 years, login data 6 months).
    pub fn default_period(self) -> Period {
        match self {
            DataKind::CaseWithoutAction => Period::years(1),
            DataKind::CaseWithNotice => Period::years(5),
            DataKind::Evidence => Period::days(30),
            DataKind::SignInRecords => Period::months(6),
            DataKind::Notifications => Period::days(30),
        }
    }
}

/// The retention schedule: a period per kind of data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    periods: Vec<(DataKind, Period)>,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            periods: DataKind::ALL
                .iter()
                .map(|&k| (k, k.default_period()))
                .collect(),
        }
    }
}

impl Schedule {
    /// The defaults with some periods set otherwise; every given value must be a valid period.
    pub fn with(overrides: &[(DataKind, &str)]) -> Result<Schedule, (DataKind, PeriodError)> {
        let mut s = Schedule::default();
        for &(kind, text) in overrides {
            let p = Period::parse(text).map_err(|e| (kind, e))?;
            if let Some(slot) = s.periods.iter_mut().find(|(k, _)| *k == kind) {
                slot.1 = p;
            }
        }
        Ok(s)
    }

    pub fn period(&self, kind: DataKind) -> Period {
        self.periods
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(kind.default_period(), |(_, p)| *p)
    }

    pub fn periods(&self) -> &[(DataKind, Period)] {
        &self.periods
    }

    /// When an item of `kind` that started its period at `from` falls due.
    pub fn due(&self, kind: DataKind, from: Millis) -> Option<Millis> {
        self.period(kind).after(from)
    }

    /// Whether an item of `kind` whose period started at `from` is due at `now`.
    pub fn is_due(&self, kind: DataKind, from: Millis, now: Millis) -> bool {
        self.due(kind, from).is_some_and(|due| due <= now)
    }

    /// The rule an item is deleted by, as the deletion record names it: `evidence P30D`.
    pub fn rule(&self, kind: DataKind) -> String {
        format!("{} {}", kind.as_str(), self.period(kind))
    }

    /// The latest start of a period that is over at `now` for the shortest of `kinds`: a
    /// preselection for the store (what started later cannot be due yet); which items are
    /// due is decided by [`Schedule::is_due`].
    pub fn earliest_cutoff(&self, kinds: &[DataKind], now: Millis) -> Millis {
        kinds
            .iter()
            .map(|&k| self.period(k).before(now))
            .max()
            .unwrap_or(now)
    }
}

/// The kind of retention a closed case falls under.
pub fn case_kind(has_outgoing_message: bool) -> DataKind {
    if has_outgoing_message {
        DataKind::CaseWithNotice
    } else {
        DataKind::CaseWithoutAction
    }
}

impl Period {
    /// A moment from which this period ends at or before `now`, conservatively: one day
    /// later than the calendar subtraction, so month-end clamping never hides an item that
    /// is due (the exact decision is [`Schedule::is_due`]).
    pub fn before(self, now: Millis) -> Millis {
        let Ok(tz) = jiff::tz::TimeZone::get("Europe/Amsterdam") else {
            return now;
        };
        let Ok(t) = jiff::Timestamp::from_millisecond(now) else {
            return now;
        };
        let back = jiff::Span::new()
            .try_years(-i64::from(self.years))
            .and_then(|s| s.try_months(-i64::from(self.months)))
            .and_then(|s| s.try_days(-i64::from(self.days)));
        let moved = back
            .and_then(|sp| t.to_zoned(tz).checked_add(sp))
            .and_then(|z| z.checked_add(jiff::Span::new().days(1)));
        match moved {
            Ok(z) => z.timestamp().as_millisecond().min(now),
            Err(_) => now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Millis {
        let d: jiff::civil::DateTime = s.parse().unwrap();
        d.in_tz("Europe/Amsterdam")
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    #[test]
    fn periods_are_read_as_iso_8601_and_zero_negative_or_odd_ones_are_refused() {
        assert_eq!(Period::parse("P5Y"), Ok(Period::years(5)));
        assert_eq!(Period::parse("p6m"), Ok(Period::months(6)));
        assert_eq!(
            Period::parse("P1Y6M10D"),
            Ok(Period {
                years: 1,
                months: 6,
                days: 10
            })
        );
        assert_eq!(Period::parse("P0D"), Err(PeriodError::Zero));
        assert_eq!(Period::parse("P0Y0M"), Err(PeriodError::Zero));
        for bad in [
            "-P1Y", "P-1Y", "1Y", "P", "P1W", "PT6H", "P6M1Y", "P1Y1Y", "P1.5Y", "",
        ] {
            assert_eq!(Period::parse(bad), Err(PeriodError::Malformed), "{bad}");
        }
        assert_eq!(Period::parse("P101Y"), Err(PeriodError::TooLong));
        assert_eq!(Period::parse("P99999999999Y"), Err(PeriodError::TooLong));
        assert_eq!(Period::parse("P1Y6M10D").unwrap().to_string(), "P1Y6M10D");
    }

    #[test]
    fn periods_run_in_calendar_units_across_leap_days_and_year_ends() {
        // 29 February plus a year: the last day of February.
        assert_eq!(
            Period::years(1).after(at("2028-02-29T10:00")),
            Some(at("2029-02-28T10:00"))
        );
        // Five years from a leap day to a leap day's year: 29 February exists again.
        assert_eq!(
            Period::years(4).after(at("2028-02-29T10:00")),
            Some(at("2032-02-29T10:00"))
        );
        // Five years are not 1,461 days.
        assert_eq!(
            Period::years(5).after(at("2026-03-01T00:00")),
            Some(at("2031-03-01T00:00"))
        );
        assert_ne!(
            Period::years(5).after(at("2026-03-01T00:00")),
            Some(at("2026-03-01T00:00") + 1461 * 86_400_000)
        );
        // Six months from 31 August: the end of February.
        assert_eq!(
            Period::months(6).after(at("2026-08-31T12:00")),
            Some(at("2027-02-28T12:00"))
        );
        // Over New Year's Eve and a change to summer time, the wall-clock time stays.
        assert_eq!(
            Period::days(30).after(at("2026-12-31T23:30")),
            Some(at("2027-01-30T23:30"))
        );
        assert_eq!(
            Period::days(1).after(at("2027-03-27T12:00")),
            Some(at("2027-03-28T12:00"))
        );
    }

    #[test]
    fn due_is_decided_on_the_calendar_and_the_preselection_never_misses_a_due_item() {
        let s = Schedule::default();
        let closed = at("2027-02-28T09:00");
        // A year after 28 February 2027 is 28 February 2028, not 29 February.
        assert!(!s.is_due(DataKind::CaseWithoutAction, closed, at("2028-02-28T08:59")));
        assert!(s.is_due(DataKind::CaseWithoutAction, closed, at("2028-02-28T09:00")));
        let leap = at("2028-02-29T09:00");
        assert!(!s.is_due(DataKind::CaseWithoutAction, leap, at("2029-02-28T08:59")));
        assert!(s.is_due(DataKind::CaseWithoutAction, leap, at("2029-02-28T09:00")));
        assert_eq!(s.rule(DataKind::Evidence), "evidence P30D");
        assert_eq!(case_kind(true), DataKind::CaseWithNotice);
        assert_eq!(case_kind(false), DataKind::CaseWithoutAction);
        // Everything due has started before the cutoff, for every start in three years.
        let now = at("2029-03-01T00:00");
        for kind in DataKind::ALL {
            let cutoff = s.earliest_cutoff(&[kind], now);
            let mut from = at("2026-01-01T00:00");
            while from < now {
                if s.is_due(kind, from, now) {
                    assert!(from <= cutoff, "{kind:?} {from}");
                }
                from += 7 * 3_600_000;
            }
        }
    }

    #[test]
    fn the_schedule_has_the_reference_defaults_and_takes_valid_overrides_only() {
        let s = Schedule::default();
        assert_eq!(s.period(DataKind::CaseWithoutAction), Period::years(1));
        assert_eq!(s.period(DataKind::CaseWithNotice), Period::years(5));
        assert_eq!(s.period(DataKind::SignInRecords), Period::months(6));
        let s = Schedule::with(&[(DataKind::Evidence, "P14D")]).unwrap();
        assert_eq!(s.period(DataKind::Evidence), Period::days(14));
        assert_eq!(
            Schedule::with(&[(DataKind::Notifications, "P0D")]),
            Err((DataKind::Notifications, PeriodError::Zero))
        );
        for k in DataKind::ALL {
            assert_eq!(DataKind::parse(k.as_str()), Some(k));
        }
    }
}
