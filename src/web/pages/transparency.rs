//! `/transparantie`: the public figures of a year, their charts and tables, and the open data
//! (`/transparantie/{year}/cijfers.csv`, `…/cijfers.json`). No sign-in; nothing on it
//! identifies a person.

use crate::web::extract::{Path, Query};
use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::render;
use crate::domain::message::Message;
use crate::domain::transparency::{
    open_data, period_id, Line, PlatformLine, PlatformName, Shown, OPEN_DATA_COLUMNS,
};
use crate::service::transparency::{self as published, open_data_csv, open_data_json, YearFigures};
use crate::service::{now_ms, ServiceError};
use crate::web::chart_svg::{bars, Bar};
use crate::web::ctx::Visitor;
use crate::web::error::{Failure, PageError};
use crate::web::i18n::Tr;
use crate::web::layout::{local_time, Layout};

/// One cell of a table.
pub struct Cell {
    pub text: String,
    pub withheld: bool,
}

pub struct RowView {
    pub label: String,
    pub cells: Vec<Cell>,
}

/// A table of the page: caption, column heads, rows, and its totals row.
pub struct TableView {
    pub id: &'static str,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<RowView>,
    pub total: Option<RowView>,
}

/// A count as Dutch (1.234) or English (1,234) readers write it.
pub fn number(n: u64, tr: &Tr) -> String {
    let digits = n.to_string();
    let sep = if tr.is_en() { ',' } else { '.' };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn decimal(x: f64, tr: &Tr) -> String {
    let s = format!("{x:.1}");
    if tr.is_en() {
        s
    } else {
        s.replace('.', ",")
    }
}

fn count_cell(s: Shown, tr: &Tr) -> Cell {
    match s {
        Shown::Count(n) => Cell {
            text: number(n, tr),
            withheld: false,
        },
        Shown::Withheld => Cell {
            text: "x".into(),
            withheld: true,
        },
    }
}

fn line_row(label: String, line: &Line, tr: &Tr) -> RowView {
    RowView {
        label,
        cells: line.iter().map(|s| count_cell(*s, tr)).collect(),
    }
}

fn period_head(year: i16, tr: &Tr) -> Vec<String> {
    let q = tr.t("transparency_quarter_short");
    (0..4)
        .map(|i| format!("{q}{} {year}", i + 1))
        .chain(std::iter::once(format!(
            "{} {year}",
            tr.t("transparency_year")
        )))
        .collect()
}

fn platform_label(p: &PlatformName, tr: &Tr) -> String {
    match p {
        PlatformName::Named(n) => n.clone(),
        PlatformName::Other => tr.t("transparency_other_platforms").to_string(),
    }
}

/// A platform's year in one row: notices, acted upon, share, median hours.
fn platform_row(label: String, l: &PlatformLine, tr: &Tr) -> RowView {
    let mut cells = vec![count_cell(l.notices[4], tr), count_cell(l.acted[4], tr)];
    let withheld = l.notices[4] == Shown::Withheld || l.acted[4] == Shown::Withheld;
    cells.push(match l.share_acted[4] {
        Some(s) => Cell {
            text: format!("{} %", decimal(s * 100.0, tr)),
            withheld: false,
        },
        None => Cell {
            text: if withheld { "x".into() } else { "–".into() },
            withheld,
        },
    });
    cells.push(match l.median_hours[4] {
        Some(h) => Cell {
            text: decimal(h, tr),
            withheld: false,
        },
        None => Cell {
            text: if l.acted[4] == Shown::Withheld {
                "x".into()
            } else {
                "–".into()
            },
            withheld: l.acted[4] == Shown::Withheld,
        },
    });
    RowView { label, cells }
}

#[derive(Template)]
#[template(path = "transparency.html")]
struct TransparencyPage {
    layout: Layout,
    year: i16,
    years: Vec<i16>,
    empty: bool,
    complete: bool,
    counted_at: String,
    overview: TableView,
    by_class: TableView,
    by_decision: TableView,
    by_kind: TableView,
    by_category: TableView,
    by_action: TableView,
    platforms: TableView,
    cube: TableView,
    platform_chart: String,
    decision_chart: String,
    reports_chart: String,
    columns: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize)]
pub struct YearQuery {
    jaar: Option<String>,
}

fn parse_year(s: &str) -> Result<i64, PageError> {
    s.trim().parse::<i64>().map_err(|_| {
        PageError(Failure::BadRequest(
            Message::new("transparency.year_invalid").with("year", s),
        ))
    })
}

async fn year_figures(v: &Visitor, year: i64) -> Result<std::sync::Arc<YearFigures>, PageError> {
    Ok(v.state
        .published
        .year(&v.state.store, year, now_ms())
        .await?)
}

pub async fn show(v: Visitor, Query(q): Query<YearQuery>) -> Result<Response, PageError> {
    let now = now_ms();
    let year = match q.jaar.as_deref() {
        Some(s) if !s.trim().is_empty() => parse_year(s)?,
        _ => crate::domain::transparency::Year::containing(now).map_or(2026, |y| y.year as i64),
    };
    let y = year_figures(&v, year).await?;
    let years = published::years(&v.state.store, now).await?;
    let tr = v.tr;
    let f = &y.figures;
    let head = period_head(f.year, &tr);
    let overview = TableView {
        id: "overzicht",
        caption: tr.t("transparency_overview").into(),
        head: head.clone(),
        rows: f
            .overview
            .iter()
            .map(|(item, line)| {
                line_row(
                    tr.t(&format!(
                        "transparency_item_{}",
                        item.as_str().replace('-', "_")
                    ))
                    .into(),
                    line,
                    &tr,
                )
            })
            .collect(),
        total: None,
    };
    let by_class = TableView {
        id: "beoordeling-klasse",
        caption: tr.t("transparency_by_class").into(),
        head: head.clone(),
        rows: f
            .by_class
            .iter()
            .map(|(c, l)| line_row(c.label(tr.is_en()).into(), l, &tr))
            .collect(),
        total: Some(line_row(
            tr.t("transparency_decided").into(),
            &f.decided,
            &tr,
        )),
    };
    let by_decision = TableView {
        id: "beoordeling-besluit",
        caption: tr.t("transparency_by_decision").into(),
        head: head.clone(),
        rows: f
            .by_decision
            .iter()
            .map(|(d, l)| line_row(d.label(tr.is_en()).into(), l, &tr))
            .collect(),
        total: Some(line_row(
            tr.t("transparency_decided").into(),
            &f.decided,
            &tr,
        )),
    };
    let by_kind = TableView {
        id: "berichten",
        caption: tr.t("transparency_by_kind").into(),
        head: head.clone(),
        rows: f
            .by_kind
            .iter()
            .map(|(k, l)| line_row(k.label(tr.is_en()).into(), l, &tr))
            .collect(),
        total: Some(line_row(
            tr.t("transparency_total").into(),
            &f.messages,
            &tr,
        )),
    };
    let n = &f.notices;
    let by_category = TableView {
        id: "verzoeken-categorie",
        caption: tr.t("transparency_by_category").into(),
        head: head.clone(),
        rows: n
            .by_category
            .iter()
            .map(|(c, l)| line_row(format!("{} ({})", c.label(tr.is_en()), c.as_str()), l, &tr))
            .collect(),
        total: Some(line_row(
            tr.t("transparency_total").into(),
            &n.total.notices,
            &tr,
        )),
    };
    let by_action = TableView {
        id: "verzoeken-actie",
        caption: tr.t("transparency_by_action").into(),
        head: head.clone(),
        rows: n
            .by_action
            .iter()
            .map(|(a, l)| line_row(a.label(tr.is_en()).into(), l, &tr))
            .collect(),
        total: Some(line_row(
            tr.t("transparency_total").into(),
            &n.total.notices,
            &tr,
        )),
    };
    let platforms = TableView {
        id: "verzoeken-platform",
        caption: format!("{} {}", tr.t("transparency_by_platform"), f.year),
        head: vec![
            tr.t("transparency_notices").into(),
            tr.t("transparency_acted").into(),
            tr.t("transparency_share_acted").into(),
            tr.t("transparency_median_hours").into(),
        ],
        rows: n
            .by_platform
            .iter()
            .map(|(p, l)| platform_row(platform_label(p, &tr), l, &tr))
            .collect(),
        total: Some(platform_row(
            tr.t("transparency_total").into(),
            &n.total,
            &tr,
        )),
    };
    let cube = TableView {
        id: "verzoeken-alles",
        caption: format!("{} {}", tr.t("transparency_cube"), f.year),
        head: vec![
            tr.t("transparency_category").into(),
            tr.t("transparency_action").into(),
            tr.t("transparency_notices").into(),
        ],
        rows: n
            .cells
            .iter()
            .map(|c| RowView {
                label: platform_label(&c.platform, &tr),
                cells: vec![
                    Cell {
                        text: c.category.label(tr.is_en()).into(),
                        withheld: false,
                    },
                    Cell {
                        text: c.action.label(tr.is_en()).into(),
                        withheld: false,
                    },
                    count_cell(c.counts[4], &tr),
                ],
            })
            .collect(),
        total: None,
    };
    let withheld = tr.t("transparency_withheld_short");
    let num = |x: u64| number(x, &tr);
    let platform_chart = bars(
        &n.by_platform
            .iter()
            .map(|(p, l)| Bar {
                label: platform_label(p, &tr),
                value: l.notices[4].count(),
            })
            .collect::<Vec<_>>(),
        "verzoeken-platform-titel",
        withheld,
        num,
    );
    let decision_chart = bars(
        &f.by_decision
            .iter()
            .map(|(d, l)| Bar {
                label: d.label(tr.is_en()).into(),
                value: l[4].count(),
            })
            .collect::<Vec<_>>(),
        "beoordeling-besluit-titel",
        withheld,
        num,
    );
    let reports = &f.overview[0].1;
    let reports_chart = bars(
        &(0..4)
            .map(|q| Bar {
                label: head[q].clone(),
                value: reports[q].count(),
            })
            .collect::<Vec<_>>(),
        "overzicht-titel",
        withheld,
        num,
    );
    let columns = OPEN_DATA_COLUMNS
        .iter()
        .map(|(c, nl, en)| (*c, if tr.is_en() { *en } else { *nl }))
        .collect();
    render(&TransparencyPage {
        layout: v.layout(tr.t("transparency_title")),
        year: f.year,
        years,
        empty: y.empty,
        complete: y.complete,
        counted_at: local_time(y.counted_at),
        overview,
        by_class,
        by_decision,
        by_kind,
        by_category,
        by_action,
        platforms,
        cube,
        platform_chart,
        decision_chart,
        reports_chart,
        columns,
    })
}

/// `/transparantie/{year}/cijfers.csv` and `…/cijfers.json`.
pub async fn open_data_file(
    v: Visitor,
    Path((year, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let year = parse_year(&year)?;
    let json = match file.as_str() {
        "cijfers.csv" => false,
        "cijfers.json" => true,
        _ => return Err(PageError(Failure::NotFound)),
    };
    let y = year_figures(&v, year).await?;
    if y.empty {
        return Err(PageError::from(ServiceError::Unprocessable(
            Message::new("transparency.year_empty").with("year", year),
        )));
    }
    let rows = open_data(&y.figures);
    let name = format!(
        "meldpunt-cijfers-{}.{}",
        period_id(y.figures.year, 4),
        if json { "json" } else { "csv" }
    );
    let (body, kind) = if json {
        (open_data_json(&y, &rows), "application/json")
    } else {
        (
            open_data_csv(&rows),
            "text/csv; charset=utf-8; header=present",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
