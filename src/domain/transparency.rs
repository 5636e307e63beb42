//! The published figures — the transparency page, its open data and the trusted-flagger year
//! report — from facts to tables whose small counts are withheld.
//!
//! The store hands over compact, non-personal facts of one calendar year (Amsterdam time);
//! [`figures`] counts them per quarter with the year as the quarters' margin, builds every
//! table published together on one [`Sheet`] and withholds through `disclosure`, so the page,
//! the CSV, the JSON and the year report show one and the same pattern.
//!
//! Counting rules (also stated on the page):
//! - a report counts when received, a case when its content was first reported;
//! - a decision counts when it was taken (approved, or written when it needs no approval),
//!   under its legal class and decision; a later version of the same case counts again;
//! - a message counts when issued, under its kind; withdrawals of a notice are counted as
//!   corrections, not as messages;
//! - an art. 16 notice about several links counts once, under the strongest action the
//!   platform took on any of them (the order of `Outcome::ALL`), or as pending without an
//!   answer; the time to action runs from sending (or issuing, for a web form not yet
//!   submitted) to the first answer that acted, in hours;
//! - an objection counts when received, and as upheld in that same period once upheld.

use super::assessment::{decided_at, Decision, DsaCategory, LegalClass};
use super::disclosure::{Series, Sheet};
use super::notice::{NoticeKind, Outcome};
use super::Millis;

/// The earliest and latest year the figures can be asked for.
pub const FIRST_YEAR: i16 = 2000;
pub const LAST_YEAR: i16 = 9998;

/// A calendar year in the Netherlands, cut into quarters at Amsterdam midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year {
    pub year: i16,
    /// Starts of Q1…Q4 and of the next year.
    starts: [Millis; 5],
}

impl Year {
    pub fn new(year: i16) -> Option<Year> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return None;
        }
        let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").ok()?;
        let start = |y: i16, m: i8| -> Option<Millis> {
            let d = jiff::civil::Date::new(y, m, 1).ok()?;
            Some(d.to_zoned(tz.clone()).ok()?.timestamp().as_millisecond())
        };
        Some(Year {
            year,
            starts: [
                start(year, 1)?,
                start(year, 4)?,
                start(year, 7)?,
                start(year, 10)?,
                start(year + 1, 1)?,
            ],
        })
    }

    /// The year a moment falls in, Amsterdam time.
    pub fn containing(at: Millis) -> Option<Year> {
        let day = super::dutch_day(at)?;
        Year::new(day.year())
    }

    pub fn from(&self) -> Millis {
        self.starts[0]
    }

    /// The first moment after the year.
    pub fn to(&self) -> Millis {
        self.starts[4]
    }

    /// The quarters as `[from, to)` in milliseconds, for a store that counts per quarter.
    pub fn quarter_bounds(&self) -> [(Millis, Millis); 4] {
        [0, 1, 2, 3].map(|q| (self.starts[q], self.starts[q + 1]))
    }

    /// Which quarter (0–3) a moment falls in, if in this year.
    pub fn quarter(&self, at: Millis) -> Option<usize> {
        (0..4).find(|&q| at >= self.starts[q] && at < self.starts[q + 1])
    }

    /// The quarters that have begun at `now` (all four once the year is over).
    pub fn quarters_begun(&self, now: Millis) -> usize {
        (0..4).filter(|&q| now >= self.starts[q]).count()
    }

    pub fn has_ended(&self, now: Millis) -> bool {
        now >= self.to()
    }
}

/// The periods of a year's tables, in column order.
pub const PERIODS: [&str; 5] = ["Q1", "Q2", "Q3", "Q4", "year"];

/// The identifier of a period in open data: `2026-Q1` … `2026-Q4`, `2026`.
pub fn period_id(year: i16, period: usize) -> String {
    if period == 4 {
        year.to_string()
    } else {
        format!("{year}-{}", PERIODS[period])
    }
}

/// A decided assessment version (or one that may be: the rule decides).
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentFact {
    pub created_at: Millis,
    pub class: LegalClass,
    pub decision: Decision,
    /// The supervisor's verdict: approved or not, and when.
    pub verdict: Option<(bool, Millis)>,
}

/// A message meldpunt issued.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeFact {
    pub kind: NoticeKind,
    /// When meldpunt issued it: the period it counts in.
    pub issued_at: Millis,
    /// When it left (sent, or submitted through a web form); the issuing time while it has
    /// not. The time to action runs from here.
    pub sent_at: Millis,
    /// The platform's name as the directory has it; `None` for any other.
    pub platform: Option<String>,
    pub category: Option<DsaCategory>,
    /// The platform's answers, each with when it was received.
    pub answers: Vec<(Outcome, Millis)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectionFact {
    pub received_at: Millis,
    pub upheld: bool,
}

/// Everything the figures of one year are made from; nothing in it identifies a person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Reports received, per quarter (the store counts them in [`Year::quarter_bounds`]).
    pub reports: [u64; 4],
    /// Cases first reported, per quarter.
    pub cases: [u64; 4],
    pub assessments: Vec<AssessmentFact>,
    pub notices: Vec<NoticeFact>,
    pub objections: Vec<ObjectionFact>,
    /// Entries of the corrections register, per quarter.
    pub corrections: [u64; 4],
}

impl Facts {
    /// Nothing at all happened in the year.
    pub fn is_empty(&self) -> bool {
        self.reports == [0; 4]
            && self.cases == [0; 4]
            && self.assessments.is_empty()
            && self.notices.is_empty()
            && self.objections.is_empty()
            && self.corrections == [0; 4]
    }
}

/// What the platform did with an art. 16 notice, for dimension (c) of art. 22(3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeAction {
    Taken(Outcome),
    /// No answer recorded yet.
    Pending,
}

impl NoticeAction {
    /// The strongest answer about any of the notice's links.
    pub fn of(answers: &[(Outcome, Millis)]) -> NoticeAction {
        Outcome::ALL
            .iter()
            .find(|o| answers.iter().any(|(a, _)| a == *o))
            .map_or(NoticeAction::Pending, |&o| NoticeAction::Taken(o))
    }

    pub fn is_action(self) -> bool {
        matches!(self, NoticeAction::Taken(o) if o.is_action())
    }

    /// The stable identifier in open data.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeAction::Taken(o) => o.as_str(),
            NoticeAction::Pending => "pending",
        }
    }

    /// The identifier of the EU templates: the DSA Transparency Database's
    /// `DECISION_VISIBILITY_*` (and account suspension), `NO_ACTION` or `PENDING`.
    pub fn eu_identifier(self) -> &'static str {
        match self {
            NoticeAction::Taken(o) => o.eu_identifier().unwrap_or(match o {
                Outcome::NoAnswer => "PENDING",
                _ => "NO_ACTION",
            }),
            NoticeAction::Pending => "PENDING",
        }
    }

    pub fn label(self, en: bool) -> &'static str {
        match self {
            NoticeAction::Taken(o) => o.label(en),
            NoticeAction::Pending if en => "No answer recorded yet",
            NoticeAction::Pending => "Nog geen antwoord vastgelegd",
        }
    }

    pub fn all() -> impl Iterator<Item = NoticeAction> {
        Outcome::ALL
            .iter()
            .map(|&o| NoticeAction::Taken(o))
            .chain(std::iter::once(NoticeAction::Pending))
    }
}

/// Hours from issuing a notice to the first answer that acted, with one decimal.
pub fn hours_to_action(n: &NoticeFact) -> Option<f64> {
    let first = n
        .answers
        .iter()
        .filter(|(o, _)| o.is_action())
        .map(|&(_, at)| at)
        .min()?;
    let ms = (first - n.sent_at).max(0) as f64;
    Some(round1(ms / 3_600_000.0))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The median, with one decimal; `None` for no values.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let m = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Some(round1(m))
}

/// One published count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    /// Withheld: a count from 1 to 4, or one that would let such a count be calculated.
    /// Both look the same, so that which is which cannot be told.
    Withheld,
}

impl Shown {
    pub fn count(self) -> Option<u64> {
        match self {
            Shown::Count(n) => Some(n),
            Shown::Withheld => None,
        }
    }
}

/// One line of a table: a count per period (Q1–Q4, year).
pub type Line = [Shown; 5];

/// The first-level lines of the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverviewItem {
    Reports,
    Cases,
    ObjectionsReceived,
    ObjectionsUpheld,
    /// Entries in the corrections register: notices withdrawn or corrected.
    Corrections,
}

impl OverviewItem {
    pub const ALL: [OverviewItem; 5] = [
        OverviewItem::Reports,
        OverviewItem::Cases,
        OverviewItem::ObjectionsReceived,
        OverviewItem::ObjectionsUpheld,
        OverviewItem::Corrections,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OverviewItem::Reports => "reports",
            OverviewItem::Cases => "cases",
            OverviewItem::ObjectionsReceived => "objections-received",
            OverviewItem::ObjectionsUpheld => "objections-upheld",
            OverviewItem::Corrections => "corrections",
        }
    }
}

/// Where a notice's platform stands in the figures: a directory entry by name, or every other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlatformName {
    Named(String),
    Other,
}

impl PlatformName {
    pub fn id(&self) -> &str {
        match self {
            PlatformName::Named(n) => n,
            PlatformName::Other => "other",
        }
    }
}

/// A platform's line in the notices table.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformLine {
    pub notices: Line,
    /// Notices the platform acted upon.
    pub acted: Line,
    /// Acted upon ÷ notices, where both are published and there were notices.
    pub share_acted: [Option<f64>; 5],
    /// Median hours to action, where the number acted upon is published (so at least 5).
    pub median_hours: [Option<f64>; 5],
}

/// One cell of the art. 16 notices by platform × category × action.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeCell {
    pub platform: PlatformName,
    pub category: DsaCategory,
    pub action: NoticeAction,
    pub counts: Line,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NoticeFigures {
    pub cells: Vec<NoticeCell>,
    pub by_platform: Vec<(PlatformName, PlatformLine)>,
    pub by_category: Vec<(DsaCategory, Line)>,
    pub by_action: Vec<(NoticeAction, Line)>,
    pub total: PlatformLine,
}

/// A year's published figures, withheld where needed.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub year: i16,
    pub overview: Vec<(OverviewItem, Line)>,
    pub by_class: Vec<(LegalClass, Line)>,
    pub by_decision: Vec<(Decision, Line)>,
    /// Decisions taken, the margin of both tables above.
    pub decided: Line,
    pub by_kind: Vec<(NoticeKind, Line)>,
    pub messages: Line,
    pub notices: NoticeFigures,
}

/// The message kinds counted as messages (a withdrawal is a correction).
pub fn counted_kinds() -> impl Iterator<Item = NoticeKind> {
    NoticeKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != NoticeKind::Withdrawal)
}

fn per_quarter<T>(year: &Year, items: &[T], at: impl Fn(&T) -> Option<Millis>) -> [u64; 4] {
    let mut q = [0u64; 4];
    for item in items {
        if let Some(i) = at(item).and_then(|t| year.quarter(t)) {
            q[i] += 1;
        }
    }
    q
}

/// Counts a year's facts and withholds what must be withheld.
pub fn figures(year: &Year, facts: &Facts) -> Figures {
    counted(year, facts).0
}

/// The figures with the sheet they were withheld on and which of its cells were withheld.
fn counted(year: &Year, facts: &Facts) -> (Figures, Sheet, Vec<bool>) {
    let mut sheet = Sheet::default();

    // Overview: each line stands alone (its year is the sum of its quarters).
    let overview_series: Vec<(OverviewItem, Series)> = OverviewItem::ALL
        .iter()
        .map(|&item| {
            let q = match item {
                OverviewItem::Reports => facts.reports,
                OverviewItem::Cases => facts.cases,
                OverviewItem::ObjectionsReceived => {
                    per_quarter(year, &facts.objections, |o| Some(o.received_at))
                }
                OverviewItem::ObjectionsUpheld => per_quarter(year, &facts.objections, |o| {
                    o.upheld.then_some(o.received_at)
                }),
                OverviewItem::Corrections => facts.corrections,
            };
            (item, sheet.series(q))
        })
        .collect();

    // Decisions by legal class and by decision, with one margin.
    let decided_at_of = |a: &AssessmentFact| decided_at(a.decision, a.created_at, a.verdict);
    let class_series: Vec<(LegalClass, Series)> = LegalClass::ALL
        .iter()
        .map(|&c| {
            let q = per_quarter(year, &facts.assessments, |a| {
                (a.class == c).then(|| decided_at_of(a)).flatten()
            });
            (c, sheet.series(q))
        })
        .collect();
    let decision_series: Vec<(Decision, Series)> = Decision::ALL
        .iter()
        .map(|&d| {
            let q = per_quarter(year, &facts.assessments, |a| {
                (a.decision == d).then(|| decided_at_of(a)).flatten()
            });
            (d, sheet.series(q))
        })
        .collect();
    let decided = sheet.margin(&class_series.iter().map(|(_, s)| *s).collect::<Vec<_>>());
    sheet.sum_of(
        decided,
        &decision_series.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
    );

    // Art. 16 notices: platform × category × action, and their margins.
    let art16: Vec<&NoticeFact> = facts
        .notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Art16Notice && year.quarter(n.issued_at).is_some())
        .collect();
    let key = |n: &NoticeFact| {
        (
            n.platform
                .clone()
                .map_or(PlatformName::Other, PlatformName::Named),
            n.category.unwrap_or(DsaCategory::NotSpecified),
            NoticeAction::of(&n.answers),
        )
    };
    // One pass over the notices: counts per cell and quarter, hours to action per platform.
    type CellKey = (PlatformName, DsaCategory, NoticeAction);
    let mut cube: std::collections::BTreeMap<CellKey, [u64; 4]> = Default::default();
    let mut hours: std::collections::BTreeMap<PlatformName, [Vec<f64>; 5]> = Default::default();
    let mut all_hours: [Vec<f64>; 5] = Default::default();
    for n in &art16 {
        let Some(q) = year.quarter(n.issued_at) else {
            continue;
        };
        let k = key(n);
        if let Some(h) = hours_to_action(n) {
            let per = hours.entry(k.0.clone()).or_default();
            per[q].push(h);
            per[4].push(h);
            all_hours[q].push(h);
            all_hours[4].push(h);
        }
        cube.entry(k).or_default()[q] += 1;
    }
    let keys: Vec<CellKey> = cube.keys().cloned().collect();
    let cell_series: Vec<Series> = cube.values().map(|q| sheet.series(*q)).collect();
    let lines_where = |pred: &dyn Fn(&(PlatformName, DsaCategory, NoticeAction)) -> bool| {
        keys.iter()
            .zip(&cell_series)
            .filter(|(k, _)| pred(k))
            .map(|(_, s)| *s)
            .collect::<Vec<Series>>()
    };
    let mut platforms: Vec<PlatformName> = keys.iter().map(|k| k.0.clone()).collect();
    platforms.dedup();
    let platform_series: Vec<(PlatformName, Series, Series)> = platforms
        .into_iter()
        .map(|p| {
            let all = sheet.margin(&lines_where(&|k| k.0 == p));
            let acted = sheet.margin(&lines_where(&|k| k.0 == p && k.2.is_action()));
            (p, all, acted)
        })
        .collect();
    let total = sheet.margin(
        &platform_series
            .iter()
            .map(|(_, s, _)| *s)
            .collect::<Vec<_>>(),
    );
    let total_acted = sheet.margin(
        &platform_series
            .iter()
            .map(|(_, _, a)| *a)
            .collect::<Vec<_>>(),
    );
    let mut categories: Vec<DsaCategory> = keys.iter().map(|k| k.1).collect();
    categories.sort();
    categories.dedup();
    let category_series: Vec<(DsaCategory, Series)> = categories
        .into_iter()
        .map(|c| (c, sheet.margin(&lines_where(&|k| k.1 == c))))
        .collect();
    sheet.sum_of(
        total,
        &category_series.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
    );
    let mut actions: Vec<NoticeAction> = keys.iter().map(|k| k.2).collect();
    actions.sort();
    actions.dedup();
    let action_series: Vec<(NoticeAction, Series)> = actions
        .into_iter()
        .map(|a| (a, sheet.margin(&lines_where(&|k| k.2 == a))))
        .collect();
    sheet.sum_of(
        total,
        &action_series.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
    );
    sheet.sum_of(
        total_acted,
        &action_series
            .iter()
            .filter(|(a, _)| a.is_action())
            .map(|(_, s)| *s)
            .collect::<Vec<_>>(),
    );

    // Messages by kind; the art. 16 line is the notices' total.
    let kind_series: Vec<(NoticeKind, Series)> = counted_kinds()
        .map(|k| {
            if k == NoticeKind::Art16Notice {
                return (k, total);
            }
            let q = per_quarter(year, &facts.notices, |n| {
                (n.kind == k).then_some(n.issued_at)
            });
            (k, sheet.series(q))
        })
        .collect();
    let messages = sheet.margin(&kind_series.iter().map(|(_, s)| *s).collect::<Vec<_>>());

    let hidden = sheet.suppressed();
    let shown = |s: Series| -> Line {
        s.map(|i| {
            if hidden[i] {
                Shown::Withheld
            } else {
                Shown::Count(sheet.cells[i])
            }
        })
    };
    let medians = |values: Option<&[Vec<f64>; 5]>| -> [Option<f64>; 5] {
        let mut out = [None; 5];
        if let Some(v) = values {
            for (p, o) in out.iter_mut().enumerate() {
                *o = median(&mut v[p].clone());
            }
        }
        out
    };
    let line = |all: Series, acted: Series, hours: Option<&[Vec<f64>; 5]>| {
        let notices = shown(all);
        let acted_shown = shown(acted);
        let raw_medians = medians(hours);
        let mut share_acted = [None; 5];
        let mut median_hours = [None; 5];
        for p in 0..5 {
            if let (Shown::Count(n), Shown::Count(a)) = (notices[p], acted_shown[p]) {
                if n > 0 {
                    share_acted[p] = Some(a as f64 / n as f64);
                }
                if a >= super::disclosure::THRESHOLD {
                    median_hours[p] = raw_medians[p];
                }
            }
        }
        PlatformLine {
            notices,
            acted: acted_shown,
            share_acted,
            median_hours,
        }
    };
    let notices = NoticeFigures {
        cells: keys
            .iter()
            .zip(&cell_series)
            .map(|((p, c, a), s)| NoticeCell {
                platform: p.clone(),
                category: *c,
                action: *a,
                counts: shown(*s),
            })
            .collect(),
        by_platform: platform_series
            .iter()
            .map(|(p, all, acted)| (p.clone(), line(*all, *acted, hours.get(p))))
            .collect(),
        by_category: category_series
            .iter()
            .map(|(c, s)| (*c, shown(*s)))
            .collect(),
        by_action: action_series.iter().map(|(a, s)| (*a, shown(*s))).collect(),
        total: line(total, total_acted, Some(&all_hours)),
    };
    let figures = Figures {
        year: year.year,
        overview: overview_series
            .iter()
            .map(|(i, s)| (*i, shown(*s)))
            .collect(),
        by_class: class_series.iter().map(|(c, s)| (*c, shown(*s))).collect(),
        by_decision: decision_series
            .iter()
            .map(|(d, s)| (*d, shown(*s)))
            .collect(),
        decided: shown(decided),
        by_kind: kind_series.iter().map(|(k, s)| (*k, shown(*s))).collect(),
        messages: shown(messages),
        notices,
    };
    (figures, sheet, hidden)
}

/// The columns of the open data, in order, with what each holds (Dutch, English); the page
/// and `docs/` list them from here.
pub const OPEN_DATA_COLUMNS: [(&str, &str, &str); 10] = [
    ("table", "Welke tabel: overview, decisions-by-class, decisions-by-decision, decisions, messages-by-kind, messages, notices, notices-by-platform, notices-by-category, notices-by-action, notices-total.", "Which table: overview, decisions-by-class, decisions-by-decision, decisions, messages-by-kind, messages, notices, notices-by-platform, notices-by-category, notices-by-action, notices-total."),
    ("period", "Kwartaal (2026-Q1 … 2026-Q4) of kalenderjaar (2026), tijd in Nederland.", "Quarter (2026-Q1 … 2026-Q4) or calendar year (2026), Dutch time."),
    ("item", "De regel binnen overview, decisions-by-class, decisions-by-decision en messages-by-kind (bijv. reports, illegal, no-action, dsa-art16-notice); anders leeg.", "The line within overview, decisions-by-class, decisions-by-decision and messages-by-kind (e.g. reports, illegal, no-action, dsa-art16-notice); empty otherwise."),
    ("platform", "Het platform zoals het in de platformlijst van meldpunt staat, of other.", "The platform as meldpunt's platform directory names it, or other."),
    ("category", "EU-categorie van de inhoud (STATEMENT_CATEGORY_*).", "EU category of the content (STATEMENT_CATEGORY_*)."),
    ("action", "Wat het platform deed (removed, disabled-nl, …, no-answer, pending).", "What the platform did (removed, disabled-nl, …, no-answer, pending)."),
    ("action_eu", "Dezelfde actie in de termen van de EU (DECISION_VISIBILITY_*, DECISION_ACCOUNT_SUSPENDED, NO_ACTION, PENDING).", "The same action in EU terms (DECISION_VISIBILITY_*, DECISION_ACCOUNT_SUSPENDED, NO_ACTION, PENDING)."),
    ("measure", "count (aantal), acted (aantal waarop het platform actie nam), share_acted (aandeel, 0–1) of median_hours_to_action (mediaan in uren).", "count, acted (number the platform acted upon), share_acted (share, 0–1) or median_hours_to_action (median in hours)."),
    ("value", "Het getal; leeg als het is afgeschermd of er niets te berekenen valt.", "The number; empty when withheld or when there is nothing to calculate."),
    ("withheld", "true als het getal is afgeschermd (een klein aantal, of een aantal waaruit een klein aantal te berekenen zou zijn), anders false.", "true when the number is withheld (a small count, or one from which a small count could be calculated), else false."),
];

/// CSV per RFC 4180 (CRLF line ends, quotes where needed), UTF-8: the one writer of every
/// published CSV file.
pub fn csv_bytes<R>(header: &[&str], rows: R) -> Vec<u8>
where
    R: IntoIterator,
    R::Item: IntoIterator,
    <R::Item as IntoIterator>::Item: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        w.write_record(header)?;
        for r in rows {
            w.write_record(r)?;
        }
        Ok(())
    };
    // Writing to memory fails only when out of memory; an empty file is then better than a panic.
    let ok = write(&mut w).is_ok();
    match (ok, w.into_inner()) {
        (true, Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

/// One row of the open data.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OpenRow {
    pub table: &'static str,
    pub period: String,
    pub item: &'static str,
    pub platform: String,
    pub category: &'static str,
    pub action: &'static str,
    pub action_eu: &'static str,
    pub measure: &'static str,
    pub value: Option<f64>,
    pub withheld: bool,
}

impl OpenRow {
    /// The value as written in the CSV: integers without a decimal point.
    pub fn value_text(&self) -> String {
        match self.value {
            None => String::new(),
            Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
            Some(v) => format!("{v}"),
        }
    }
}

/// Every published number of a year as rows, in a fixed order.
pub fn open_data(f: &Figures) -> Vec<OpenRow> {
    let mut rows = Vec::new();
    let blank = OpenRow {
        table: "",
        period: String::new(),
        item: "",
        platform: String::new(),
        category: "",
        action: "",
        action_eu: "",
        measure: "count",
        value: None,
        withheld: false,
    };
    let counts = |rows: &mut Vec<OpenRow>, template: &OpenRow, line: &Line| {
        for (p, s) in line.iter().enumerate() {
            rows.push(OpenRow {
                period: period_id(f.year, p),
                value: s.count().map(|n| n as f64),
                withheld: *s == Shown::Withheld,
                ..template.clone()
            });
        }
    };
    for (item, line) in &f.overview {
        let t = OpenRow {
            table: "overview",
            item: item.as_str(),
            ..blank.clone()
        };
        counts(&mut rows, &t, line);
    }
    for (class, line) in &f.by_class {
        let t = OpenRow {
            table: "decisions-by-class",
            item: class.as_str(),
            ..blank.clone()
        };
        counts(&mut rows, &t, line);
    }
    for (decision, line) in &f.by_decision {
        let t = OpenRow {
            table: "decisions-by-decision",
            item: decision.as_str(),
            ..blank.clone()
        };
        counts(&mut rows, &t, line);
    }
    counts(
        &mut rows,
        &OpenRow {
            table: "decisions",
            ..blank.clone()
        },
        &f.decided,
    );
    for (kind, line) in &f.by_kind {
        let t = OpenRow {
            table: "messages-by-kind",
            item: kind.as_str(),
            ..blank.clone()
        };
        counts(&mut rows, &t, line);
    }
    counts(
        &mut rows,
        &OpenRow {
            table: "messages",
            ..blank.clone()
        },
        &f.messages,
    );
    let n = &f.notices;
    for c in &n.cells {
        let t = OpenRow {
            table: "notices",
            platform: c.platform.id().to_string(),
            category: c.category.as_str(),
            action: c.action.as_str(),
            action_eu: c.action.eu_identifier(),
            ..blank.clone()
        };
        counts(&mut rows, &t, &c.counts);
    }
    let platform_line = |rows: &mut Vec<OpenRow>, t: &OpenRow, l: &PlatformLine| {
        counts(rows, t, &l.notices);
        counts(
            rows,
            &OpenRow {
                measure: "acted",
                ..t.clone()
            },
            &l.acted,
        );
        for p in 0..5 {
            let acted_withheld = l.acted[p] == Shown::Withheld;
            rows.push(OpenRow {
                period: period_id(f.year, p),
                measure: "share_acted",
                value: l.share_acted[p],
                withheld: l.share_acted[p].is_none()
                    && (acted_withheld || l.notices[p] == Shown::Withheld),
                ..t.clone()
            });
        }
        for p in 0..5 {
            rows.push(OpenRow {
                period: period_id(f.year, p),
                measure: "median_hours_to_action",
                value: l.median_hours[p],
                withheld: l.median_hours[p].is_none() && l.acted[p] == Shown::Withheld,
                ..t.clone()
            });
        }
    };
    for (platform, l) in &n.by_platform {
        let t = OpenRow {
            table: "notices-by-platform",
            platform: platform.id().to_string(),
            ..blank.clone()
        };
        platform_line(&mut rows, &t, l);
    }
    for (category, line) in &n.by_category {
        let t = OpenRow {
            table: "notices-by-category",
            category: category.as_str(),
            ..blank.clone()
        };
        counts(&mut rows, &t, line);
    }
    for (action, line) in &n.by_action {
        let t = OpenRow {
            table: "notices-by-action",
            action: action.as_str(),
            action_eu: action.eu_identifier(),
            ..blank.clone()
        };
        counts(&mut rows, &t, line);
    }
    platform_line(
        &mut rows,
        &OpenRow {
            table: "notices-total",
            ..blank.clone()
        },
        &n.total,
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(date: &str) -> Millis {
        let d: jiff::civil::DateTime = date.parse().unwrap();
        d.in_tz("Europe/Amsterdam")
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn notice(at: &str, platform: &str, answers: &[(Outcome, &str)]) -> NoticeFact {
        NoticeFact {
            kind: NoticeKind::Art16Notice,
            issued_at: ms(at),
            sent_at: ms(at),
            platform: Some(platform.into()),
            category: Some(DsaCategory::RiskForPublicSecurity),
            answers: answers.iter().map(|(o, t)| (*o, ms(t))).collect(),
        }
    }

    fn all_counts(f: &Figures) -> Vec<Shown> {
        let mut out: Vec<Shown> = Vec::new();
        let mut add = |l: &Line| out.extend(l.iter().copied());
        f.overview.iter().for_each(|(_, l)| add(l));
        f.by_class.iter().for_each(|(_, l)| add(l));
        f.by_decision.iter().for_each(|(_, l)| add(l));
        add(&f.decided);
        f.by_kind.iter().for_each(|(_, l)| add(l));
        add(&f.messages);
        f.notices.cells.iter().for_each(|c| add(&c.counts));
        for (_, p) in f.notices.by_platform.iter().chain(std::iter::once(&(
            PlatformName::Other,
            f.notices.total.clone(),
        ))) {
            add(&p.notices);
            add(&p.acted);
        }
        f.notices.by_category.iter().for_each(|(_, l)| add(l));
        f.notices.by_action.iter().for_each(|(_, l)| add(l));
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// On random years of notices and reports, nothing published is a count from 1 to 4
        /// and no withheld count from 1 to 4 can be recalculated from what is published.
        #[test]
        fn no_small_count_survives_on_random_years(
            notices in proptest::collection::vec((0usize..3, 0usize..2, 0usize..5, 0usize..4), 0..60),
            reports in proptest::collection::vec(0usize..4, 0..12),
        ) {
            let y = Year::new(2026).unwrap();
            let quarter_day = ["2026-02-10T10:00", "2026-05-10T10:00", "2026-08-10T10:00", "2026-11-10T10:00"];
            let outcomes = [Some(Outcome::Removed), Some(Outcome::DisabledInNl), Some(Outcome::NoAction), Some(Outcome::Labelled), None];
            let facts = Facts {
                reports: {
                    let mut r = [0u64; 4];
                    for &q in &reports {
                        r[q] += 1;
                    }
                    r
                },
                notices: notices
                    .iter()
                    .map(|&(p, c, o, q)| NoticeFact {
                        category: Some([DsaCategory::RiskForPublicSecurity, DsaCategory::Violence][c]),
                        answers: outcomes[o].map(|o| vec![(o, ms(quarter_day[q]))]).unwrap_or_default(),
                        ..notice(quarter_day[q], ["A", "B", "C"][p], &[])
                    })
                    .collect(),
                ..Facts::default()
            };
            let (f, sheet, hidden) = counted(&y, &facts);
            for s in all_counts(&f) {
                if let Shown::Count(n) = s {
                    proptest::prop_assert!(!super::super::disclosure::is_small(n));
                }
            }
            for i in super::super::disclosure::recoverable(&hidden, &sheet.constraints) {
                proptest::prop_assert!(!super::super::disclosure::is_small(sheet.cells[i]), "cell {} = {} recoverable", i, sheet.cells[i]);
            }
        }
    }

    #[test]
    fn quarters_start_at_amsterdam_midnight_and_a_leap_day_is_in_q1() {
        let y = Year::new(2028).unwrap();
        assert_eq!(y.quarter(ms("2028-02-29T12:00")), Some(0));
        assert_eq!(y.quarter(ms("2028-03-31T23:59:59")), Some(0));
        assert_eq!(y.quarter(ms("2028-04-01T00:00")), Some(1));
        assert_eq!(y.quarter(ms("2028-12-31T23:59:59")), Some(3));
        assert_eq!(y.quarter(ms("2029-01-01T00:00")), None);
        // New Year's Eve 23:30 in Amsterdam is still 2027 there, though 2027-12-31T22:30Z.
        assert_eq!(y.quarter(ms("2027-12-31T23:30")), None);
        assert_eq!(Year::containing(ms("2028-01-01T00:30")).unwrap().year, 2028);
        assert!(Year::new(1999).is_none() && Year::new(9999).is_none());
    }

    #[test]
    fn the_strongest_action_counts_and_time_runs_to_the_first_answer_that_acted() {
        let n = notice(
            "2026-03-01T10:00",
            "TikTok",
            &[
                (Outcome::NoAction, "2026-03-01T11:00"),
                (Outcome::DisabledInNl, "2026-03-02T10:00"),
                (Outcome::Removed, "2026-03-03T10:00"),
            ],
        );
        assert_eq!(
            NoticeAction::of(&n.answers),
            NoticeAction::Taken(Outcome::Removed)
        );
        assert_eq!(hours_to_action(&n), Some(24.0));
        assert_eq!(NoticeAction::of(&[]), NoticeAction::Pending);
        assert_eq!(NoticeAction::Pending.eu_identifier(), "PENDING");
        assert_eq!(
            NoticeAction::Taken(Outcome::CannotComplyManifestError).eu_identifier(),
            "NO_ACTION"
        );
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn no_count_from_one_to_four_is_published_and_none_can_be_recalculated() {
        // One platform with two notices, one municipality's single report.
        let y = Year::new(2026).unwrap();
        let facts = Facts {
            reports: [0, 1, 0, 0],
            cases: [0, 1, 0, 0],
            notices: vec![
                notice(
                    "2026-05-02T09:00",
                    "Rare",
                    &[(Outcome::Removed, "2026-05-02T12:00")],
                ),
                notice("2026-05-03T09:00", "Rare", &[]),
            ]
            .into_iter()
            .chain((0..12).map(|i| {
                notice(
                    &format!("2026-0{}-10T09:00", 1 + i % 3),
                    "Big",
                    &[(Outcome::Removed, "2026-04-01T09:00")],
                )
            }))
            .collect(),
            ..Facts::default()
        };
        let f = figures(&y, &facts);
        for s in all_counts(&f) {
            if let Shown::Count(n) = s {
                assert!(!super::super::disclosure::is_small(n), "published {n}");
            }
        }
        // The big platform's year total is large but would reveal the small one's through
        // the total, so one of the two is withheld too.
        let total = f.notices.total.notices[4];
        let rare = &f
            .notices
            .by_platform
            .iter()
            .find(|(p, _)| p.id() == "Rare")
            .unwrap()
            .1;
        assert_eq!(rare.notices[4], Shown::Withheld);
        assert!(rare.median_hours.iter().all(Option::is_none));
        let big = &f
            .notices
            .by_platform
            .iter()
            .find(|(p, _)| p.id() == "Big")
            .unwrap()
            .1;
        assert!(total == Shown::Withheld || big.notices[4] == Shown::Withheld);
    }

    #[test]
    fn large_counts_are_published_with_share_and_median() {
        let y = Year::new(2026).unwrap();
        let mut notices: Vec<NoticeFact> = (0..10)
            .map(|i| {
                notice(
                    &format!("2026-02-{:02}T08:00", i + 1),
                    "Big",
                    &[(
                        Outcome::Removed,
                        &format!("2026-02-{:02}T{:02}:00", i + 1, 9 + i),
                    )],
                )
            })
            .collect();
        notices.extend((0..10).map(|i| {
            notice(
                &format!("2026-02-{:02}T08:00", i + 1),
                "Big",
                &[(Outcome::NoAction, "2026-03-01T08:00")],
            )
        }));
        let f = figures(
            &y,
            &Facts {
                notices,
                ..Facts::default()
            },
        );
        let big = &f.notices.by_platform[0].1;
        assert_eq!(big.notices[0], Shown::Count(20));
        assert_eq!(big.notices[4], Shown::Count(20));
        assert_eq!(big.acted[4], Shown::Count(10));
        assert_eq!(big.share_acted[4], Some(0.5));
        // 1, 2, …, 10 hours: median 5.5.
        assert_eq!(big.median_hours[4], Some(5.5));
        assert_eq!(big.median_hours[1], None, "no notices in Q2");
        let kinds: Vec<_> = f.by_kind.iter().map(|(k, _)| *k).collect();
        assert!(!kinds.contains(&NoticeKind::Withdrawal));
        assert_eq!(f.messages[4], Shown::Count(20));
    }

    #[test]
    fn a_decision_counts_when_taken_and_a_version_sent_back_not_at_all() {
        let y = Year::new(2026).unwrap();
        let a = |created: &str, decision, verdict: Option<(bool, &str)>| AssessmentFact {
            created_at: ms(created),
            class: LegalClass::Illegal,
            decision,
            verdict: verdict.map(|(ok, t)| (ok, ms(t))),
        };
        // Written in 2025, approved in 2026 Q1: counts in 2026 Q1.
        let mut assessments: Vec<AssessmentFact> = (0..5)
            .map(|_| {
                a(
                    "2025-12-31T10:00",
                    Decision::Art16Notice,
                    Some((true, "2026-01-02T10:00")),
                )
            })
            .collect();
        assessments.push(a(
            "2026-02-01T10:00",
            Decision::Art16Notice,
            Some((false, "2026-02-02T10:00")),
        ));
        assessments.push(a("2026-02-01T10:00", Decision::Art16Notice, None));
        assessments.extend((0..6).map(|_| a("2026-01-05T10:00", Decision::NoAction, None)));
        let f = figures(
            &y,
            &Facts {
                assessments,
                ..Facts::default()
            },
        );
        assert_eq!(f.decided[0], Shown::Count(11));
        assert_eq!(
            f.decided[1],
            Shown::Count(0),
            "sent back and waiting: not decided"
        );
        let no_action = f
            .by_decision
            .iter()
            .find(|(d, _)| *d == Decision::NoAction)
            .unwrap()
            .1;
        assert_eq!(no_action[0], Shown::Count(6));
        let notice = f
            .by_decision
            .iter()
            .find(|(d, _)| *d == Decision::Art16Notice)
            .unwrap()
            .1;
        assert_eq!(notice[0], Shown::Count(5));
    }
}
