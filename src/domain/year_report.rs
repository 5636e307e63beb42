//! The trusted-flagger year report (DSA art. 22(3)): art. 16 notices of one calendar year by
//! (a) hosting provider, (b) type of allegedly illegal content, (c) action taken by the
//! provider, as CSV in the shape of the templates of Implementing Regulation (EU) 2024/2835
//! and as a printable page with the explanation of independence.
//!
//! The report is the year column of the same withheld figures as the transparency page
//! (`transparency::figures`), so the two never show different patterns. Nothing in it
//! depends on when it was made except the edition, which is stored: the same data gives the
//! same bytes.

use askama::Template;
use sha2::{Digest, Sha256};

use super::transparency::{csv_bytes, Figures, Line, PlatformLine, Shown};
use super::Millis;

/// The CSV files of the report, in order, with their columns.
pub const FILES: [(&str, &[&str]); 4] = [
    (
        "notices.csv",
        &[
            "Service",
            "Reporting period",
            "Category of illegal content",
            "Description of sub-category \"Other\"",
            "Action taken by the provider",
            "Action (meldpunt)",
            "Number of notices",
        ],
    ),
    (
        "notices-by-provider.csv",
        &[
            "Service",
            "Reporting period",
            "Number of notices",
            "Number of notices acted upon",
            "Share of notices acted upon",
            "Median time to take action (hours)",
        ],
    ),
    (
        "notices-by-category.csv",
        &[
            "Reporting period",
            "Category of illegal content",
            "Number of notices",
        ],
    ),
    (
        "notices-by-action.csv",
        &[
            "Reporting period",
            "Action taken by the provider",
            "Action (meldpunt)",
            "Number of notices",
        ],
    ),
];

/// The name of the printable page.
pub const PAGE: &str = "report.html";

/// `2026-01-01/2026-12-31`: the reporting period as an ISO 8601 interval of dates.
pub fn reporting_period(year: i16) -> String {
    format!("{year}-01-01/{year}-12-31")
}

fn count_text(s: Shown) -> String {
    match s {
        Shown::Count(n) => n.to_string(),
        Shown::Withheld => String::new(),
    }
}

fn provider_row(service: &str, period: &str, l: &PlatformLine) -> Vec<String> {
    vec![
        service.to_string(),
        period.to_string(),
        count_text(l.notices[4]),
        count_text(l.acted[4]),
        l.share_acted[4].map_or(String::new(), |s| format!("{:.3}", s)),
        l.median_hours[4].map_or(String::new(), |h| format!("{h:.1}")),
    ]
}

fn year(line: &Line) -> String {
    count_text(line[4])
}

/// The rows of each CSV file, in the order of [`FILES`].
pub fn tables(f: &Figures) -> [Vec<Vec<String>>; 4] {
    let period = reporting_period(f.year);
    let n = &f.notices;
    let cells = n
        .cells
        .iter()
        .map(|c| {
            vec![
                c.platform.id().to_string(),
                period.clone(),
                c.category.as_str().to_string(),
                String::new(),
                c.action.eu_identifier().to_string(),
                c.action.as_str().to_string(),
                year(&c.counts),
            ]
        })
        .collect();
    let mut providers: Vec<Vec<String>> = n
        .by_platform
        .iter()
        .map(|(p, l)| provider_row(p.id(), &period, l))
        .collect();
    providers.push(provider_row("TOTAL", &period, &n.total));
    let mut categories: Vec<Vec<String>> = n
        .by_category
        .iter()
        .map(|(c, l)| vec![period.clone(), c.as_str().to_string(), year(l)])
        .collect();
    categories.push(vec![period.clone(), "TOTAL".into(), year(&n.total.notices)]);
    // Several of meldpunt's outcomes share one EU identifier (NO_ACTION): a line per
    // outcome, with both names.
    let mut actions: Vec<Vec<String>> = n
        .by_action
        .iter()
        .map(|(a, l)| {
            vec![
                period.clone(),
                a.eu_identifier().to_string(),
                a.as_str().to_string(),
                year(l),
            ]
        })
        .collect();
    actions.push(vec![
        period.clone(),
        "TOTAL".into(),
        String::new(),
        year(&n.total.notices),
    ]);
    [cells, providers, categories, actions]
}

/// Which edition a report is, as printed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    pub number: i64,
    pub created_at: Millis,
    /// The edition this one corrects: its number and date.
    pub replaces: Option<(i64, Millis)>,
}

/// The content of the CSV files as one text, the same on every run over the same data: what
/// an edition is recognised by.
pub fn content(f: &Figures) -> String {
    let mut out = String::new();
    for ((name, header), rows) in FILES.iter().zip(tables(f)) {
        out.push_str(name);
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&csv_bytes(header, &rows)));
    }
    out
}

pub fn digest(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// Lines of `now` that were not in `before` and lines of `before` no longer in `now`.
pub fn changes(before: &str, now: &str) -> (Vec<String>, Vec<String>) {
    let b: Vec<&str> = before.lines().collect();
    let n: Vec<&str> = now.lines().collect();
    let added = n
        .iter()
        .filter(|l| !b.contains(l))
        .map(|l| l.to_string())
        .collect();
    let removed = b
        .iter()
        .filter(|l| !n.contains(l))
        .map(|l| l.to_string())
        .collect();
    (added, removed)
}

struct TableOut {
    name: &'static str,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "year_report.html")]
struct ReportPage<'a> {
    year: i16,
    period: String,
    organisation: &'a str,
    edition: &'a Edition,
    edition_date: String,
    replaces_date: String,
    independence: &'a str,
    tables: Vec<TableOut>,
    added: Vec<String>,
    removed: Vec<String>,
    draft: bool,
}

/// Every file of the report: the CSV files and the printable page.
pub fn files(
    f: &Figures,
    organisation: &str,
    independence: &str,
    edition: &Edition,
    previous_content: Option<&str>,
    draft: bool,
) -> Result<Vec<(&'static str, Vec<u8>)>, askama::Error> {
    let tables = tables(f);
    let mut out: Vec<(&'static str, Vec<u8>)> = FILES
        .iter()
        .zip(tables.iter())
        .map(|((name, header), rows)| (*name, csv_bytes(header, rows)))
        .collect();
    let (added, removed) = previous_content
        .map(|p| changes(p, &content(f)))
        .unwrap_or_default();
    let date = |ms: Millis| super::dutch_day(ms).map_or(String::new(), |d| d.to_string());
    let page = ReportPage {
        year: f.year,
        period: reporting_period(f.year),
        organisation,
        edition,
        edition_date: date(edition.created_at),
        replaces_date: edition.replaces.map_or(String::new(), |(_, at)| date(at)),
        independence,
        tables: FILES
            .iter()
            .zip(tables)
            .map(|((name, header), rows)| TableOut {
                name,
                header: header.to_vec(),
                rows,
            })
            .collect(),
        added,
        removed,
        draft,
    };
    out.push((PAGE, page.render()?.into_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assessment::DsaCategory;
    use crate::domain::notice::{NoticeKind, Outcome};
    use crate::domain::transparency::{figures, Facts, NoticeFact, Year};

    fn facts(n: usize) -> Facts {
        let y = Year::new(2026).unwrap();
        Facts {
            notices: (0..n)
                .map(|i| NoticeFact {
                    kind: NoticeKind::Art16Notice,
                    issued_at: y.from() + i as i64 * 3_600_000,
                    sent_at: y.from() + i as i64 * 3_600_000,
                    platform: Some("TikTok".into()),
                    category: Some(DsaCategory::Violence),
                    answers: vec![(
                        Outcome::Removed,
                        y.from() + i as i64 * 3_600_000 + 7_200_000,
                    )],
                })
                .collect(),
            ..Facts::default()
        }
    }

    #[test]
    fn the_same_figures_give_the_same_bytes_and_other_figures_another_digest() {
        let y = Year::new(2026).unwrap();
        let f = figures(&y, &facts(10));
        let e = Edition {
            number: 1,
            created_at: y.to() + 86_400_000,
            replaces: None,
        };
        let a = files(&f, "Team", "Onafhankelijk.", &e, None, false).unwrap();
        let b = files(&f, "Team", "Onafhankelijk.", &e, None, false).unwrap();
        assert_eq!(a, b);
        let csv = String::from_utf8(a[1].1.clone()).unwrap();
        assert!(csv.starts_with("Service,Reporting period,Number of notices,"));
        assert!(
            csv.contains("TikTok,2026-01-01/2026-12-31,10,10,1.000,2.0\r\n"),
            "{csv}"
        );
        let other = figures(&y, &facts(11));
        assert_ne!(digest(&content(&f)), digest(&content(&other)));
        let (added, removed) = changes(&content(&f), &content(&other));
        assert!(added.iter().any(|l| l.contains(",11,")) && !removed.is_empty());
    }

    #[test]
    fn a_corrected_edition_says_so_and_what_changed() {
        let y = Year::new(2026).unwrap();
        let before = figures(&y, &facts(10));
        let now = figures(&y, &facts(12));
        let e = Edition {
            number: 2,
            created_at: y.to() + 10 * 86_400_000,
            replaces: Some((1, y.to() + 86_400_000)),
        };
        let out = files(
            &now,
            "Team",
            "Onafhankelijk.",
            &e,
            Some(&content(&before)),
            false,
        )
        .unwrap();
        let page = String::from_utf8(out.last().unwrap().1.clone()).unwrap();
        assert!(page.contains("Gecorrigeerde editie 2"), "{page}");
        assert!(page.contains("vervangt editie 1 van 2027-01-02"));
        assert!(page.contains("TikTok,2026-01-01/2026-12-31,12,12"));
        assert!(page.contains("Onafhankelijk."));
    }

    #[test]
    fn docs_list_every_column() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/transparency.md"))
                .unwrap();
        for (column, _, _) in crate::domain::transparency::OPEN_DATA_COLUMNS {
            assert!(
                doc.contains(&format!("| `{column}` |")),
                "docs/transparency.md lacks {column}"
            );
        }
        for (file, header) in FILES {
            let section = doc
                .split(&format!("### `{file}`"))
                .nth(1)
                .unwrap_or_else(|| panic!("docs/transparency.md lacks {file}"));
            let section = section.split("###").next().unwrap();
            for h in header {
                assert!(
                    section.contains(&format!("- `{h}`")),
                    "{file}: {h} missing in the docs"
                );
            }
        }
    }
}
