//! A report (melding): what a municipality sends about online content, and the rules
//! a report must meet before anything is stored.

use crate::domain::message::Message;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use super::link::{canonicalise, CanonicalLink};
use super::Millis;

/// Most links one report may carry.
pub const MAX_LINKS: usize = 10;
/// Most evidence files one report may carry.
pub const MAX_FILES: usize = 10;

/// What the reported content does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    CallToGather,
    ThreatOrDoxing,
    Incitement,
    Disinformation,
    Other,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::CallToGather,
        Category::ThreatOrDoxing,
        Category::Incitement,
        Category::Disinformation,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::CallToGather => "call_to_gather",
            Category::ThreatOrDoxing => "threat_or_doxing",
            Category::Incitement => "incitement",
            Category::Disinformation => "disinformation",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            Category::CallToGather => "Oproep tot samenkomen of rellen",
            Category::ThreatOrDoxing => {
                "Bedreiging of doxing (bestuurders, politie, journalisten, groepen)"
            }
            Category::Incitement => "Opruiing tot geweld",
            Category::Disinformation => "Desinformatie die onrust voedt",
            Category::Other => "Anders",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Category::CallToGather => "Call to gather or riot",
            Category::ThreatOrDoxing => "Threat or doxing (officials, police, journalists, groups)",
            Category::Incitement => "Incitement to violence",
            Category::Disinformation => "Disinformation feeding unrest",
            Category::Other => "Other",
        }
    }
}

/// How fast the central team must handle a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Urgency {
    /// Within hours.
    Acute,
    /// Within a day.
    High,
    Normal,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Acute, Urgency::High, Urgency::Normal];

    /// Whether a report of this urgency must say in one line why (acute and high jump the
    /// queue, so the team needs the reason; normal is the default and needs none).
    pub fn needs_justification(self) -> bool {
        matches!(self, Urgency::Acute | Urgency::High)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Acute => "acute",
            Urgency::High => "high",
            Urgency::Normal => "normal",
        }
    }

    pub fn parse(s: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|u| u.as_str() == s)
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            Urgency::Acute => "Acuut — binnen enkele uren",
            Urgency::High => "Hoog — binnen een dag",
            Urgency::Normal => "Normaal",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Urgency::Acute => "Acute — within hours",
            Urgency::High => "High — within a day",
            Urgency::Normal => "Normal",
        }
    }

    /// 0 is most urgent.
    pub fn rank(self) -> u8 {
        match self {
            Urgency::Acute => 0,
            Urgency::High => 1,
            Urgency::Normal => 2,
        }
    }
}

/// How long the central team has per urgency (configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandlingDeadlines {
    pub acute_minutes: i64,
    pub high_minutes: i64,
    pub normal_minutes: i64,
}

impl Default for HandlingDeadlines {
    fn default() -> HandlingDeadlines {
        HandlingDeadlines {
            acute_minutes: 60,
            high_minutes: 24 * 60,
            normal_minutes: 72 * 60,
        }
    }
}

impl HandlingDeadlines {
    pub fn deadline(&self, urgency: Urgency, reported_at: Millis) -> Millis {
        let minutes = match urgency {
            Urgency::Acute => self.acute_minutes,
            Urgency::High => self.high_minutes,
            Urgency::Normal => self.normal_minutes,
        };
        reported_at + minutes * 60_000
    }
}

/// Whether a report still counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    Active,
    Withdrawn,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Active => "active",
            ReportStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ReportStatus> {
        [ReportStatus::Active, ReportStatus::Withdrawn]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

crate::vocabulary! {
    /// A report's one status as its municipality sees it (the receipt and *Mijn meldingen*):
    /// withdrawn, or else how far the least advanced of its cases is.
    pub enum ReporterStatus {
        Received => ("received", "Ontvangen", "Received"),
        InProgress => ("in_progress", "In behandeling", "Being assessed"),
        Decided => ("decided", "Besluit genomen", "Decided"),
        Withdrawn => ("withdrawn", "Ingetrokken", "Withdrawn"),
    }
}

/// The one status of a report whose links are in cases of `case_statuses`.
pub fn reporter_status(
    report: ReportStatus,
    case_statuses: &[crate::domain::case::CaseStatus],
) -> ReporterStatus {
    use crate::domain::case::CaseStatus as C;
    if report == ReportStatus::Withdrawn {
        return ReporterStatus::Withdrawn;
    }
    let of = |s: C| match s {
        C::Received => ReporterStatus::Received,
        C::InTriage | C::InAssessment => ReporterStatus::InProgress,
        C::Decided | C::NoticeSent | C::PlatformAnswered | C::Closed | C::Withdrawn => {
            ReporterStatus::Decided
        }
    };
    // A case someone has picked up makes the report "in progress" even when another of its
    // cases is untouched; the report is decided only when every case is.
    let each: Vec<ReporterStatus> = case_statuses.iter().map(|s| of(*s)).collect();
    if each.is_empty() || each.iter().all(|s| *s == ReporterStatus::Received) {
        ReporterStatus::Received
    } else if each.iter().all(|s| *s == ReporterStatus::Decided) {
        ReporterStatus::Decided
    } else {
        ReporterStatus::InProgress
    }
}

/// How the report came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    WebForm,
    Api,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WebForm => "form",
            Channel::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::WebForm, Channel::Api]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// The longest content text a link may carry (characters): a long post, not a document.
pub const MAX_CONTENT_TEXT: usize = crate::domain::text_match::MAX_CHARS;

/// A report as typed in (form or API), before any rule is checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportDraft {
    pub links: Vec<LinkDraft>,
    pub category: String,
    pub summary: String,
    /// CBS code of the municipality where trouble is expected; empty: unknown.
    pub municipality: String,
    pub place: String,
    /// `YYYY-MM-DD`, empty when unknown.
    pub date: String,
    /// `HH:MM`, empty when unknown.
    pub time_from: String,
    pub time_to: String,
    /// Expected number of people, empty when unknown.
    pub size: String,
    pub urgency: String,
    pub justification: String,
    pub on_behalf_of: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkDraft {
    pub url: String,
    pub remark: String,
    /// The content's text as the reporter saw it (pasted), compared to find copies.
    pub content_text: String,
}

/// The disturbance the reporter expects, as far as known.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpectedDisturbance {
    pub municipality_code: Option<String>,
    pub place: Option<String>,
    pub date: Option<Date>,
    pub time_from: Option<Time>,
    pub time_to: Option<Time>,
    pub size: Option<i64>,
}

impl ExpectedDisturbance {
    /// When it is expected to start (Europe/Amsterdam), if the date is known.
    pub fn starts_at(&self) -> Option<Millis> {
        let date = self.date?;
        let time = self.time_from.unwrap_or(Time::midnight());
        let tz = TimeZone::get("Europe/Amsterdam").ok()?;
        date.to_datetime(time)
            .to_zoned(tz)
            .ok()
            .map(|z| z.timestamp().as_millisecond())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidLink {
    pub submitted: String,
    pub canonical: CanonicalLink,
    pub remark: Option<String>,
    pub content_text: Option<String>,
}

/// A report that meets every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport {
    pub links: Vec<ValidLink>,
    pub category: Category,
    pub summary: Option<String>,
    pub expected: ExpectedDisturbance,
    pub urgency: Urgency,
    pub justification: String,
    pub on_behalf_of: String,
}

/// One broken rule, tied to a form field (`link_url_2`, `date`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Message,
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// Checks a draft. `known_municipality` says whether a CBS code exists; `now` decides
/// what "in the past" means (dates are Dutch calendar dates).
pub fn validate(
    draft: &ReportDraft,
    known_municipality: &dyn Fn(&str) -> bool,
    now: Millis,
) -> Result<ValidReport, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: Message| {
        errors.push(FieldError {
            field: field.to_string(),
            message,
        })
    };

    // Review L7: no hidden characters in any text field (`domain::text`).
    let mut texts: Vec<(String, &str)> = vec![
        ("category".into(), &draft.category),
        ("summary".into(), &draft.summary),
        ("municipality".into(), &draft.municipality),
        ("place".into(), &draft.place),
        ("date".into(), &draft.date),
        ("time_from".into(), &draft.time_from),
        ("time_to".into(), &draft.time_to),
        ("size".into(), &draft.size),
        ("urgency".into(), &draft.urgency),
        ("justification".into(), &draft.justification),
        ("on_behalf_of".into(), &draft.on_behalf_of),
    ];
    for (i, l) in draft.links.iter().enumerate() {
        let n = i + 1;
        texts.push((format!("link_url_{n}"), &l.url));
        texts.push((format!("link_remark_{n}"), &l.remark));
        texts.push((format!("link_text_{n}"), &l.content_text));
    }
    for (field, text) in &texts {
        if super::text::has_hidden(text) {
            err(field, Message::new("field.hidden_characters"));
        }
    }

    let filled: Vec<(usize, &LinkDraft)> = draft
        .links
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            !l.url.trim().is_empty()
                || !l.remark.trim().is_empty()
                || !l.content_text.trim().is_empty()
        })
        .collect();
    let mut links = Vec::new();
    if filled.is_empty() {
        err("link_url_1", Message::new("report.link_required"));
    } else if filled.len() > MAX_LINKS {
        err(
            "link_url_1",
            Message::new("report.too_many_links").with("max", MAX_LINKS),
        );
    }
    for (i, l) in filled.iter().take(MAX_LINKS) {
        let n = i + 1;
        match canonicalise(&l.url) {
            Ok(canonical) => {
                if links
                    .iter()
                    .any(|v: &ValidLink| v.canonical.url == canonical.url)
                {
                    err(
                        &format!("link_url_{n}"),
                        Message::new("report.duplicate_link").with("n", n),
                    );
                }
                links.push(ValidLink {
                    submitted: l.url.trim().to_string(),
                    canonical,
                    remark: optional(&l.remark),
                    content_text: optional(&l.content_text),
                });
            }
            Err(e) => err(
                &format!("link_url_{n}"),
                Message::new("report.link_invalid")
                    .with("n", n)
                    .nested("reason", e.message()),
            ),
        }
        if too_long(&l.remark, 1000) {
            err(
                &format!("link_remark_{n}"),
                Message::new("report.remark_too_long").with("n", n),
            );
        }
        if too_long(&l.content_text, MAX_CONTENT_TEXT) {
            err(
                &format!("link_text_{n}"),
                Message::new("report.content_text_too_long")
                    .with("n", n)
                    .with("max", MAX_CONTENT_TEXT),
            );
        }
    }

    let category = Category::parse(draft.category.trim());
    if category.is_none() {
        err("category", Message::new("report.category_required"));
    }
    let summary = optional(&draft.summary);
    if category == Some(Category::Other) && summary.is_none() {
        err("summary", Message::new("report.summary_required_for_other"));
    }
    if too_long(&draft.summary, 2000) {
        err("summary", Message::new("field.explanation_too_long"));
    }

    let municipality_code = optional(&draft.municipality).map(|c| c.to_ascii_uppercase());
    if let Some(code) = &municipality_code {
        if !known_municipality(code) {
            err("municipality", Message::new("report.municipality_unknown"));
        }
    }
    let place = optional(&draft.place);
    if too_long(&draft.place, 200) {
        err("place", Message::new("report.place_too_long"));
    }
    let today = jiff::Timestamp::from_millisecond(now).ok().and_then(|t| {
        TimeZone::get("Europe/Amsterdam")
            .ok()
            .map(|tz| t.to_zoned(tz).date())
    });
    let date = match optional(&draft.date) {
        None => None,
        Some(d) => match d.parse::<Date>() {
            Ok(date) if today.is_some_and(|t| date < t) => {
                err("date", Message::new("report.date_in_past"));
                None
            }
            Ok(date)
                if today.is_some_and(|t| date > t.saturating_add(jiff::Span::new().years(1))) =>
            {
                err("date", Message::new("report.date_too_far"));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                err("date", Message::new("report.date_format"));
                None
            }
        },
    };
    let mut time = |field: &str, raw: &str| -> Option<Time> {
        let raw = optional(raw)?;
        match Time::strptime("%H:%M", &raw).or_else(|_| raw.parse::<Time>()) {
            Ok(t) => Some(t),
            Err(_) => {
                err(field, Message::new("report.time_format"));
                None
            }
        }
    };
    let time_from = time("time_from", &draft.time_from);
    let time_to = time("time_to", &draft.time_to);
    if (time_from.is_some() || time_to.is_some())
        && date.is_none()
        && optional(&draft.date).is_none()
    {
        err("date", Message::new("report.date_required_with_time"));
    }
    let size = match optional(&draft.size) {
        None => None,
        Some(s) => match s.replace('.', "").parse::<i64>() {
            Ok(n) if (1..=10_000_000).contains(&n) => Some(n),
            _ => {
                err("size", Message::new("report.size_format"));
                None
            }
        },
    };

    let urgency = Urgency::parse(draft.urgency.trim());
    if urgency.is_none() {
        err("urgency", Message::new("report.urgency_required"));
    }
    let justification = draft.justification.trim().to_string();
    if justification.is_empty() && urgency.is_some_and(Urgency::needs_justification) {
        err(
            "justification",
            Message::new("report.justification_required"),
        );
    } else if too_long(&justification, 300) || justification.contains('\n') {
        err(
            "justification",
            Message::new("report.justification_too_long"),
        );
    }
    let on_behalf_of = draft.on_behalf_of.trim().to_string();
    if on_behalf_of.is_empty() {
        err("on_behalf_of", Message::new("report.on_behalf_of_required"));
    } else if too_long(&on_behalf_of, 200) {
        err("on_behalf_of", Message::new("report.on_behalf_of_too_long"));
    }

    match (category, urgency, errors.is_empty()) {
        (Some(category), Some(urgency), true) => Ok(ValidReport {
            links,
            category,
            summary,
            expected: ExpectedDisturbance {
                municipality_code,
                place,
                date,
                time_from,
                time_to,
                size,
            },
            urgency,
            justification,
            on_behalf_of,
        }),
        _ => Err(errors),
    }
}

/// A human reference such as `MLD-2026-000123`.
pub fn reference(prefix: &str, year: i16, number: i64) -> String {
    format!("{prefix}-{year}-{number:06}")
}

/// The calendar year in the Netherlands at `now`.
pub fn dutch_year(now: Millis) -> i16 {
    jiff::Timestamp::from_millisecond(now)
        .ok()
        .and_then(|t| {
            TimeZone::get("Europe/Amsterdam")
                .ok()
                .map(|tz| t.to_zoned(tz).year())
        })
        .unwrap_or(1970)
}

/// Why a withdrawal was refused.
pub fn check_withdrawal_reason(reason: &str) -> Result<String, FieldError> {
    let r = reason.trim();
    if r.is_empty() || too_long(r, 1000) {
        return Err(FieldError {
            field: "reason".into(),
            message: Message::new("report.withdrawal_reason_required"),
        });
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_in_any_text_field_are_refused_field_by_field() {
        let draft = ReportDraft {
            links: vec![LinkDraft {
                url: "https://example.nl/oproep".into(),
                remark: "gezien\u{7f}".into(),
                content_text: String::new(),
            }],
            category: "call_to_gather".into(),
            summary: "Oproep\u{0}".into(),
            place: "\u{202E}maD".into(),
            urgency: "normal".into(),
            ..Default::default()
        };
        let errors = validate(&draft, &|_| true, 1_790_000_000_000).unwrap_err();
        let hidden: Vec<&str> = errors
            .iter()
            .filter(|e| e.message == Message::new("field.hidden_characters"))
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(hidden, vec!["summary", "place", "link_remark_1"]);
    }

    // 2026-11-29 12:00 in Amsterdam.
    const NOW: Millis = 1_795_950_000_000;

    fn draft() -> ReportDraft {
        ReportDraft {
            links: vec![LinkDraft {
                url: "https://vm.tiktok.com/ZMabc/".into(),
                remark: "Oproep voor vanavond".into(),
                ..Default::default()
            }],
            category: "call_to_gather".into(),
            urgency: "acute".into(),
            justification: "Oproep voor vanavond 21:00 op het Stationsplein".into(),
            on_behalf_of: "Burgemeester Jansen".into(),
            ..Default::default()
        }
    }

    fn known(code: &str) -> bool {
        code == "GM0363"
    }

    fn fields(r: Result<ValidReport, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_minimal_report_is_valid() {
        let v = validate(&draft(), &known, NOW).unwrap();
        assert_eq!(v.links.len(), 1);
        assert_eq!(v.urgency, Urgency::Acute);
        assert_eq!(v.expected, ExpectedDisturbance::default());
    }

    #[test]
    fn missing_required_fields_are_each_named() {
        let d = ReportDraft::default();
        assert_eq!(
            fields(validate(&d, &known, NOW)),
            vec!["link_url_1", "category", "urgency", "on_behalf_of"]
        );
    }

    #[test]
    fn links_are_checked_one_by_one() {
        let mut d = draft();
        d.links.push(LinkDraft {
            url: "javascript:alert(1)".into(),
            remark: String::new(),
            ..Default::default()
        });
        d.links.push(LinkDraft {
            url: "https://www.tiktok.com/@a/video/1?_t=x".into(),
            remark: String::new(),
            ..Default::default()
        });
        d.links.push(LinkDraft {
            url: "https://tiktok.com/@a/video/1".into(),
            remark: String::new(),
            ..Default::default()
        });
        assert_eq!(
            fields(validate(&d, &known, NOW)),
            vec!["link_url_2", "link_url_4"]
        );
    }

    #[test]
    fn the_content_text_is_optional_bounded_and_kept_apart_from_the_remark() {
        let mut d = draft();
        d.links[0].content_text = "  Zaterdag 20:00 allemaal naar het station  ".into();
        let v = validate(&d, &known, NOW).unwrap();
        assert_eq!(
            v.links[0].content_text.as_deref(),
            Some("Zaterdag 20:00 allemaal naar het station")
        );
        assert_eq!(v.links[0].remark.as_deref(), Some("Oproep voor vanavond"));
        d.links[0].content_text = "   ".into();
        assert_eq!(
            validate(&d, &known, NOW).unwrap().links[0].content_text,
            None
        );
        // 20,000 characters (here emoji of four bytes each) are allowed, one more is not.
        d.links[0].content_text = "🔥".repeat(MAX_CONTENT_TEXT);
        assert!(validate(&d, &known, NOW).is_ok());
        d.links[0].content_text = "🔥".repeat(MAX_CONTENT_TEXT + 1);
        assert_eq!(fields(validate(&d, &known, NOW)), vec!["link_text_1"]);
        // A text without its link asks for the link.
        d.links[0].content_text = "tekst".into();
        d.links.push(LinkDraft {
            content_text: "een tekst zonder link".into(),
            ..Default::default()
        });
        assert_eq!(fields(validate(&d, &known, NOW)), vec!["link_url_2"]);
    }

    #[test]
    fn too_many_links_are_refused() {
        let mut d = draft();
        d.links = (0..11)
            .map(|i| LinkDraft {
                url: format!("https://example.nl/{i}"),
                remark: String::new(),
                ..Default::default()
            })
            .collect();
        assert_eq!(fields(validate(&d, &known, NOW)), vec!["link_url_1"]);
    }

    #[test]
    fn the_expected_disturbance_is_checked() {
        let mut d = draft();
        d.date = "2026-11-28".into();
        assert_eq!(fields(validate(&d, &known, NOW)), vec!["date"]);
        d.date = "2026-11-29".into();
        d.time_from = "21:00".into();
        d.time_to = "23:30".into();
        d.municipality = "gm0363".into();
        d.size = "200".into();
        let v = validate(&d, &known, NOW).unwrap();
        assert_eq!(v.expected.municipality_code.as_deref(), Some("GM0363"));
        assert_eq!(v.expected.size, Some(200));
        // 21:00 Amsterdam = 20:00 UTC in winter.
        assert_eq!(v.expected.starts_at(), Some(NOW + 9 * 3_600_000));
        d.municipality = "GM9999".into();
        d.time_to = "25:00".into();
        d.size = "veel".into();
        assert_eq!(
            fields(validate(&d, &known, NOW)),
            vec!["municipality", "time_to", "size"]
        );
        d = draft();
        d.time_from = "21:00".into();
        assert_eq!(fields(validate(&d, &known, NOW)), vec!["date"]);
    }

    #[test]
    fn other_needs_a_description_and_justification_is_one_line() {
        let mut d = draft();
        d.category = "other".into();
        d.justification = "regel een\nregel twee".into();
        assert_eq!(
            fields(validate(&d, &known, NOW)),
            vec!["summary", "justification"]
        );
    }

    #[test]
    fn references_and_deadlines() {
        assert_eq!(reference("MLD", 2026, 123), "MLD-2026-000123");
        assert_eq!(dutch_year(NOW), 2026);
        let d = HandlingDeadlines::default();
        assert_eq!(d.deadline(Urgency::Acute, 0), 3_600_000);
        assert_eq!(d.deadline(Urgency::High, 0), 24 * 3_600_000);
        assert_eq!(d.deadline(Urgency::Normal, 0), 72 * 3_600_000);
    }

    #[test]
    fn a_justification_is_needed_only_for_acute_and_high() {
        for (urgency, needed) in [("acute", true), ("high", true), ("normal", false)] {
            let mut d = draft();
            d.urgency = urgency.into();
            d.justification = "  ".into();
            let fields: Vec<String> = match validate(&d, &known, NOW) {
                Ok(_) => Vec::new(),
                Err(errors) => errors.into_iter().map(|e| e.field).collect(),
            };
            assert_eq!(
                fields.contains(&"justification".to_string()),
                needed,
                "{urgency}"
            );
            assert_eq!(fields.is_empty(), !needed, "{urgency}: {fields:?}");
        }
    }

    #[test]
    fn a_report_has_one_plain_status_from_its_cases() {
        use crate::domain::case::CaseStatus as C;
        let s = |cases: &[C]| reporter_status(ReportStatus::Active, cases);
        assert_eq!(s(&[C::Received, C::Received]), ReporterStatus::Received);
        assert_eq!(
            s(&[C::Received, C::InAssessment]),
            ReporterStatus::InProgress
        );
        assert_eq!(s(&[C::Decided, C::Received]), ReporterStatus::InProgress);
        assert_eq!(s(&[C::NoticeSent, C::Closed]), ReporterStatus::Decided);
        assert_eq!(
            reporter_status(ReportStatus::Withdrawn, &[C::Decided]),
            ReporterStatus::Withdrawn
        );
    }
}
