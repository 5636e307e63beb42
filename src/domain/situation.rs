//! Situations: an expected or ongoing disturbance at a place and time, which the cases about
//! it are linked to. Its phase moves by the rules here; suggestions of which cases belong
//! together are computed here (a person confirms or dismisses each one).
//!
//! The five phases are meldpunt's own working model (`../shared/reference/scenarios.md`,
//! "Shape of an escalation"), not an official CCV model.

use std::collections::{BTreeMap, BTreeSet};

use super::message::Message;
use super::report::FieldError;
use super::Millis;

crate::vocabulary! {
    /// Where a disturbance stands.
    pub enum Phase {
        Signal => ("signal", "Signaal", "Signal"),
        Mobilisation => ("mobilisation", "Mobilisatie", "Mobilisation"),
        Escalation => ("escalation", "Escalatie", "Escalation"),
        Disorder => ("disorder", "Verstoring", "Disorder"),
        Aftermath => ("aftermath", "Nazorg", "Aftermath"),
        Closed => ("closed", "Gesloten", "Closed"),
    }
}

impl Phase {
    /// The five phases a disturbance goes through, in order (not `Closed`).
    pub const ACTIVE: [Phase; 5] = [
        Phase::Signal,
        Phase::Mobilisation,
        Phase::Escalation,
        Phase::Disorder,
        Phase::Aftermath,
    ];

    pub fn is_open(self) -> bool {
        self != Phase::Closed
    }

    /// The position in the model; `Closed` comes after everything.
    fn rank(self) -> usize {
        Phase::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// Which way a phase change goes: the history says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseDirection {
    Forward,
    Back,
    Closing,
    Reopening,
}

/// The shortest reason a phase change accepts (a word or two is not a reason).
pub const MIN_REASON_CHARS: usize = 10;
pub const MAX_REASON_CHARS: usize = 2000;

/// Why a phase change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhaseRefused {
    #[error("the situation is already in this phase")]
    Same,
    #[error("a phase change needs a reason")]
    ReasonMissing,
    #[error("going back to an earlier phase needs a reason of its own")]
    BackWithoutReason,
}

impl PhaseRefused {
    pub fn message(self) -> Message {
        Message::new(match self {
            PhaseRefused::Same => "situation.phase_same",
            PhaseRefused::ReasonMissing => "situation.phase_reason_required",
            PhaseRefused::BackWithoutReason => "situation.phase_back_reason_required",
        })
    }
}

/// Decides a phase change. Every change has a reason (it is what the history and the
/// mayor read); any phase may follow any other — disorder can break out without warning —
/// but going back, closing and reopening are said as such.
pub fn change_phase(from: Phase, to: Phase, reason: &str) -> Result<PhaseDirection, PhaseRefused> {
    if from == to {
        return Err(PhaseRefused::Same);
    }
    let direction = match (from, to) {
        (Phase::Closed, _) => PhaseDirection::Reopening,
        (_, Phase::Closed) => PhaseDirection::Closing,
        _ if to.rank() > from.rank() => PhaseDirection::Forward,
        _ => PhaseDirection::Back,
    };
    let n = reason.trim().chars().count();
    if !(MIN_REASON_CHARS..=MAX_REASON_CHARS).contains(&n) {
        return Err(if direction == PhaseDirection::Back {
            PhaseRefused::BackWithoutReason
        } else {
            PhaseRefused::ReasonMissing
        });
    }
    Ok(direction)
}

crate::vocabulary! {
    /// How many people are expected.
    #[derive(Default)]
    pub enum ExpectedSize {
        #[default]
        Unknown => ("unknown", "Onbekend", "Unknown"),
        Small => ("small", "Tot 50 mensen", "Up to 50 people"),
        Medium => ("medium", "50 tot 500 mensen", "50 to 500 people"),
        Large => ("large", "500 tot 5.000 mensen", "500 to 5,000 people"),
        VeryLarge => ("very_large", "Meer dan 5.000 mensen", "More than 5,000 people"),
    }
}

/// A situation as typed in.
#[derive(Debug, Clone, Default)]
pub struct SituationDraft {
    pub title: String,
    pub municipality_codes: Vec<String>,
    pub place: String,
    /// Start and end of the time window, already read as moments (`None`: missing or unreadable).
    pub window_start: Option<Millis>,
    pub window_end: Option<Millis>,
    pub size: String,
}

/// A situation that meets the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSituation {
    pub title: String,
    /// Distinct, in the order given.
    pub municipality_codes: Vec<String>,
    pub place: Option<String>,
    pub window_start: Millis,
    pub window_end: Millis,
    pub size: ExpectedSize,
}

/// The longest time window a situation may have: a disturbance is a matter of days.
pub const MAX_WINDOW_MS: Millis = 14 * 24 * 3_600_000;
pub const MAX_MUNICIPALITIES: usize = 60;

/// Checks a situation; returns every broken field at once. `known` says whether a code is a
/// municipality of the shipped list.
pub fn validate(
    d: &SituationDraft,
    known: impl Fn(&str) -> bool,
) -> Result<ValidSituation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, key: &'static str| {
        errors.push(FieldError {
            field: field.to_string(),
            message: Message::new(key),
        })
    };
    let title = d.title.trim();
    if !(3..=200).contains(&title.chars().count()) || title.chars().any(char::is_control) {
        fail("title", "situation.title_required");
    }
    let mut codes: Vec<String> = Vec::new();
    for code in &d.municipality_codes {
        let code = code.trim().to_ascii_uppercase();
        if code.is_empty() || codes.contains(&code) {
            continue;
        }
        codes.push(code);
    }
    if codes.is_empty() || codes.len() > MAX_MUNICIPALITIES {
        fail("municipalities", "situation.municipalities_required");
    } else if codes.iter().any(|c| !known(c)) {
        fail("municipalities", "situation.municipality_unknown");
    }
    let place = d.place.trim();
    if place.chars().count() > 300 || place.chars().any(char::is_control) {
        fail("place", "situation.place_too_long");
    }
    match (d.window_start, d.window_end) {
        (Some(start), Some(end)) => {
            if end <= start {
                fail("window_end", "situation.window_order");
            } else if end - start > MAX_WINDOW_MS {
                fail("window_end", "situation.window_too_long");
            }
        }
        (start, end) => {
            if start.is_none() {
                fail("window_start", "situation.window_start_required");
            }
            if end.is_none() {
                fail("window_end", "situation.window_end_required");
            }
        }
    }
    let size = if d.size.trim().is_empty() {
        Some(ExpectedSize::Unknown)
    } else {
        ExpectedSize::parse(d.size.trim())
    };
    if size.is_none() {
        fail("size", "situation.size_unknown");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidSituation {
        title: title.to_string(),
        municipality_codes: codes,
        place: (!place.is_empty()).then(|| place.to_string()),
        window_start: d.window_start.unwrap_or_default(),
        window_end: d.window_end.unwrap_or_default(),
        size: size.unwrap_or_default(),
    })
}

/// What meldpunt knows of where and when an open case's disturbance is expected: from its
/// reports (the municipality and the moment the reporters gave).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSignal {
    pub case_id: i64,
    /// The municipalities the reports name as the place of the disturbance.
    pub municipality_codes: BTreeSet<String>,
    /// The expected moments the reports give (start of the expected disturbance).
    pub expected_at: Vec<Millis>,
}

/// An open situation as the suggestions see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SituationScope {
    pub situation_id: i64,
    pub municipality_codes: BTreeSet<String>,
    pub window_start: Millis,
    pub window_end: Millis,
}

/// How far before a situation's window an expected moment still counts as the same
/// disturbance (people gather before the announced time).
pub const FIT_MARGIN_MS: Millis = 6 * 3_600_000;

impl SituationScope {
    /// Whether a case fits: it names one of the situation's municipalities and a moment
    /// inside the time window (or just before it).
    pub fn fits(&self, case: &CaseSignal) -> bool {
        !self
            .municipality_codes
            .is_disjoint(&case.municipality_codes)
            && case
                .expected_at
                .iter()
                .any(|t| *t >= self.window_start - FIT_MARGIN_MS && *t <= self.window_end)
    }
}

/// A suggestion: either a new situation for open cases that share a municipality and a date,
/// or linking a case to an open situation it fits. Its key is what a dismissal records, so
/// the same suggestion is not made again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suggestion {
    NewSituation {
        municipality_code: String,
        /// The Dutch calendar date, `YYYY-MM-DD`.
        date: String,
        case_ids: Vec<i64>,
    },
    Link {
        situation_id: i64,
        case_id: i64,
    },
}

impl Suggestion {
    /// The stable key a confirmation or dismissal is recorded under.
    pub fn key(&self) -> String {
        match self {
            Suggestion::NewSituation {
                municipality_code,
                date,
                ..
            } => format!("new:{municipality_code}:{date}"),
            Suggestion::Link {
                situation_id,
                case_id,
            } => format!("link:{situation_id}:{case_id}"),
        }
    }
}

/// The suggestions for open cases that are in no situation yet. `date_of` gives the Dutch
/// calendar date of a moment; `settled` says whether a key was already confirmed or dismissed.
/// A new situation is suggested when at least two such cases name the same municipality and
/// date and no open situation covers them already (then linking is suggested instead).
pub fn suggest(
    unlinked: &[CaseSignal],
    open_situations: &[SituationScope],
    date_of: impl Fn(Millis) -> String,
    settled: impl Fn(&str) -> bool,
) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let mut by_place_and_date: BTreeMap<(String, String), BTreeSet<i64>> = BTreeMap::new();
    for case in unlinked {
        let fitting: Vec<&SituationScope> =
            open_situations.iter().filter(|s| s.fits(case)).collect();
        for s in &fitting {
            out.push(Suggestion::Link {
                situation_id: s.situation_id,
                case_id: case.case_id,
            });
        }
        if !fitting.is_empty() {
            continue;
        }
        for code in &case.municipality_codes {
            for t in &case.expected_at {
                by_place_and_date
                    .entry((code.clone(), date_of(*t)))
                    .or_default()
                    .insert(case.case_id);
            }
        }
    }
    for ((municipality_code, date), ids) in by_place_and_date {
        if ids.len() >= 2 {
            out.push(Suggestion::NewSituation {
                municipality_code,
                date,
                case_ids: ids.into_iter().collect(),
            });
        }
    }
    out.retain(|s| !settled(&s.key()));
    out.sort();
    out
}

crate::vocabulary! {
    /// What a timeline entry is about; entries at the same moment keep this order.
    pub enum TimelineKind {
        Report => ("report", "Melding", "Report"),
        CaseLinked => ("case_linked", "Gekoppeld", "Linked"),
        CaseUnlinked => ("case_unlinked", "Ontkoppeld", "Unlinked"),
        Grouped => ("grouped", "Zelfde bericht", "Same message"),
        PhaseChanged => ("phase_changed", "Fase", "Phase"),
        Decision => ("decision", "Besluit", "Decision"),
        NoticeSent => ("notice_sent", "Verzoek", "Request"),
        Answer => ("answer", "Antwoord", "Answer"),
    }
}

/// One line of a situation's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub at: Millis,
    pub kind: TimelineKind,
    pub text: String,
    pub link: Option<String>,
}

/// Puts the entries in time order (earliest first); entries at the same moment keep the order
/// of their kinds, so a report comes before the decision it led to.
pub fn timeline(mut entries: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    entries.sort_by(|a, b| a.at.cmp(&b.at).then(a.kind.cmp(&b.kind)));
    entries
}

/// Median of a list of durations (ms); `None` when empty. Even counts take the mean of the
/// two middle values.
pub fn median(mut values: Vec<Millis>) -> Option<Millis> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REASON: &str = "Oproep met tijd en plaats gedeeld";

    #[test]
    fn every_phase_change_needs_a_reason_and_says_which_way_it_goes() {
        use Phase::*;
        assert_eq!(
            change_phase(Signal, Mobilisation, REASON),
            Ok(PhaseDirection::Forward)
        );
        assert_eq!(
            change_phase(Signal, Disorder, REASON),
            Ok(PhaseDirection::Forward)
        );
        assert_eq!(
            change_phase(Escalation, Mobilisation, REASON),
            Ok(PhaseDirection::Back)
        );
        assert_eq!(
            change_phase(Disorder, Closed, REASON),
            Ok(PhaseDirection::Closing)
        );
        assert_eq!(
            change_phase(Closed, Aftermath, REASON),
            Ok(PhaseDirection::Reopening)
        );
        assert_eq!(
            change_phase(Signal, Signal, REASON),
            Err(PhaseRefused::Same)
        );
        assert_eq!(
            change_phase(Signal, Mobilisation, "  "),
            Err(PhaseRefused::ReasonMissing)
        );
        assert_eq!(
            change_phase(Signal, Mobilisation, "kort"),
            Err(PhaseRefused::ReasonMissing)
        );
        assert_eq!(
            change_phase(Disorder, Signal, ""),
            Err(PhaseRefused::BackWithoutReason)
        );
        assert_eq!(
            change_phase(Aftermath, Closed, ""),
            Err(PhaseRefused::ReasonMissing)
        );
    }

    #[test]
    fn the_phases_are_in_the_order_of_the_model() {
        let ranks: Vec<usize> = Phase::ALL.iter().map(|p| p.rank()).collect();
        assert_eq!(ranks, (0..Phase::ALL.len()).collect::<Vec<_>>());
        assert!(Phase::ACTIVE.iter().all(|p| p.is_open()));
        assert!(!Phase::Closed.is_open());
    }

    fn draft() -> SituationDraft {
        SituationDraft {
            title: "Oproep rellen Beijerlandselaan".into(),
            municipality_codes: vec!["gm0599".into(), "GM0599".into(), "GM0363".into()],
            place: "Beijerlandselaan".into(),
            window_start: Some(1_000_000),
            window_end: Some(1_000_000 + 3_600_000),
            size: "medium".into(),
        }
    }

    #[test]
    fn a_situation_is_checked_field_by_field() {
        let ok = validate(&draft(), |c| c.starts_with("GM")).unwrap();
        assert_eq!(ok.municipality_codes, vec!["GM0599", "GM0363"]);
        assert_eq!(ok.size, ExpectedSize::Medium);
        assert_eq!(ok.place.as_deref(), Some("Beijerlandselaan"));

        let bad = SituationDraft {
            title: " x ".into(),
            municipality_codes: vec![],
            place: "a\u{0}b".into(),
            window_start: Some(10),
            window_end: Some(5),
            size: "huge".into(),
        };
        let fields: Vec<String> = validate(&bad, |_| true)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["title", "municipalities", "place", "window_end", "size"]
        );

        let unknown = validate(&draft(), |c| c == "GM0599").unwrap_err();
        assert_eq!(unknown[0].message.key, "situation.municipality_unknown");

        let long = SituationDraft {
            window_end: Some(1_000_000 + MAX_WINDOW_MS + 1),
            ..draft()
        };
        assert_eq!(
            validate(&long, |_| true).unwrap_err()[0].message.key,
            "situation.window_too_long"
        );
        let missing = SituationDraft {
            window_start: None,
            window_end: None,
            ..draft()
        };
        assert_eq!(validate(&missing, |_| true).unwrap_err().len(), 2);
    }

    const HOUR: Millis = 3_600_000;

    fn signal(id: i64, codes: &[&str], at: &[Millis]) -> CaseSignal {
        CaseSignal {
            case_id: id,
            municipality_codes: codes.iter().map(|c| c.to_string()).collect(),
            expected_at: at.to_vec(),
        }
    }

    fn day(t: Millis) -> String {
        format!("d{}", t / (24 * HOUR))
    }

    #[test]
    fn cases_sharing_a_municipality_and_date_suggest_a_new_situation() {
        let d = 100 * 24 * HOUR;
        let cases = [
            signal(1, &["GM0599"], &[d + 19 * HOUR]),
            signal(2, &["GM0599", "GM0363"], &[d + 20 * HOUR]),
            signal(3, &["GM0363"], &[d + 44 * HOUR]),
            signal(4, &["GM0599"], &[]),
        ];
        let got = suggest(&cases, &[], day, |_| false);
        assert_eq!(
            got,
            vec![Suggestion::NewSituation {
                municipality_code: "GM0599".into(),
                date: day(d),
                case_ids: vec![1, 2]
            }]
        );
        assert_eq!(got[0].key(), format!("new:GM0599:{}", day(d)));
        // Dismissed once, not suggested again.
        let key = got[0].key();
        assert!(suggest(&cases, &[], day, |k| k == key).is_empty());
    }

    #[test]
    fn a_case_that_fits_an_open_situation_is_suggested_for_it_and_not_for_a_new_one() {
        let d = 100 * 24 * HOUR;
        let situation = SituationScope {
            situation_id: 7,
            municipality_codes: ["GM0599".to_string()].into(),
            window_start: d + 19 * HOUR,
            window_end: d + 23 * HOUR,
        };
        let cases = [
            signal(1, &["GM0599"], &[d + 14 * HOUR]), // just before the window: fits
            signal(2, &["GM0599"], &[d + 20 * HOUR]),
            signal(3, &["GM0599"], &[d + 12 * HOUR]), // too early
            signal(4, &["GM0363"], &[d + 20 * HOUR]), // elsewhere
            signal(5, &["GM0599"], &[d + 23 * HOUR + HOUR / 2]), // after
        ];
        let got = suggest(&cases, std::slice::from_ref(&situation), day, |_| false);
        assert_eq!(
            got,
            vec![
                Suggestion::NewSituation {
                    municipality_code: "GM0599".into(),
                    date: day(d),
                    case_ids: vec![3, 5]
                },
                Suggestion::Link {
                    situation_id: 7,
                    case_id: 1
                },
                Suggestion::Link {
                    situation_id: 7,
                    case_id: 2
                },
            ]
        );
        assert!(!situation.fits(&signal(6, &["GM0599"], &[])));
    }

    #[test]
    fn the_timeline_is_in_time_order_and_the_median_is_the_middle() {
        let e = |at, kind| TimelineEntry {
            at,
            kind,
            text: String::new(),
            link: None,
        };
        let got = timeline(vec![
            e(5, TimelineKind::Answer),
            e(1, TimelineKind::Decision),
            e(1, TimelineKind::Report),
        ]);
        let kinds: Vec<TimelineKind> = got.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                TimelineKind::Report,
                TimelineKind::Decision,
                TimelineKind::Answer
            ]
        );
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3, 1, 2]), Some(2));
        assert_eq!(median(vec![4, 1, 2, 3]), Some(2));
    }
}
