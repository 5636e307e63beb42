//! The analysts' queue and the case page.

use crate::domain::message::Message;
use crate::web::error::refusal_message;
use crate::web::extract::{Path, Query};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::case_view::case_page;
use super::paging::{page_number, Paging};
use super::reports::{category_label, status_label, urgency_label};
use super::{render, render_status};
use crate::domain::audit::AuditAction;
use crate::domain::case::{CaseStatus, QueueSort};
use crate::domain::link::Platform;
use crate::domain::policy::Action;
use crate::domain::report::{Category, Urgency};
use crate::service::cases::{self as case_service, entry, QueueFilter, QueueView, Timeliness};
use crate::service::{now_ms, ServiceError};
use crate::store::cases::{self, Case};
use crate::store::{assessments, notices, orgs, StoreError};
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::forms::{FieldErrors, Form};
use crate::web::i18n::Tr;
use crate::web::layout::{local_time, Layout};

/// "1 u 20 min", "3 d 4 u": time left (or overdue) for people.
pub fn duration_label(tr: &Tr, ms: i64) -> String {
    let minutes = ms.abs() / 60_000;
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let text = if d > 0 {
        format!("{d} d {h} {}", if tr.is_en() { "h" } else { "u" })
    } else if h > 0 {
        format!("{h} {} {m} min", if tr.is_en() { "h" } else { "u" })
    } else {
        format!("{m} min")
    };
    if ms < 0 {
        format!("{} {text}", tr.t("overdue_by"))
    } else {
        text
    }
}

pub struct QueueRow {
    id: i64,
    reference: String,
    platform: &'static str,
    url: String,
    urgency: &'static str,
    acute: bool,
    status: &'static str,
    status_id: &'static str,
    time_left: String,
    overdue: bool,
    awaits: bool,
    expected: String,
    municipalities: i64,
    reports: i64,
    assignee: String,
    /// Awaiting a supervisor's approval; a notice escalated for want of an answer.
    awaiting_approval: bool,
    escalated: bool,
    /// Copies content a platform took down after a notice.
    reupload: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<QueueRow>,
    platforms: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    municipalities: Vec<(String, String)>,
    urgencies: Vec<(&'static str, &'static str)>,
    q: QueueQuery,
    /// "n open cases, m of them late" for this selection, exact.
    counts: String,
    /// "Page 2 of 7", and the links to the pages before and after (filters kept).
    paging: Paging,
    /// The views of the queue (label, link, current), filters kept.
    views: Vec<(&'static str, String, bool)>,
    sorts: Vec<SortLink>,
}

/// A sortable column's header: the link to its order (filters kept, back to page 1).
pub struct SortLink {
    /// The column's label key.
    column: &'static str,
    href: String,
    /// What the order is, said to everyone (and to screen readers).
    label: &'static str,
    current: bool,
    /// The `aria-sort` of the column while it is the current order.
    aria_sort: &'static str,
}

impl QueuePage {
    fn sort_for(&self, column: &str) -> Option<&SortLink> {
        self.sorts.iter().find(|s| s.column == column)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct QueueQuery {
    #[serde(default)]
    platform: String,
    #[serde(default)]
    gemeente: String,
    #[serde(default)]
    categorie: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    termijn: String,
    #[serde(default)]
    urgentie: String,
    /// `mijn`: the viewer's own cases; `goedkeuring`: awaiting approval; else every case.
    #[serde(default)]
    zaken: String,
    /// The order (`QueueSort`'s identifier); anything else is the queue's own.
    #[serde(default)]
    sorteer: String,
    /// The page, from 1; anything else is page 1.
    #[serde(default)]
    pagina: String,
}

impl QueueQuery {
    /// The query string of the filter (without the page), for the page links.
    fn query_string(&self) -> String {
        [
            ("platform", &self.platform),
            ("gemeente", &self.gemeente),
            ("categorie", &self.categorie),
            ("status", &self.status),
            ("termijn", &self.termijn),
            ("urgentie", &self.urgentie),
            ("zaken", &self.zaken),
            ("sorteer", &self.sorteer),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", urlencoding::encode(v)))
        .collect()
    }

    fn page(&self) -> i64 {
        page_number(&self.pagina)
    }
}

pub async fn queue(p: Page, Query(q): Query<QueueQuery>) -> Result<Response, PageError> {
    p.authorize(Action::ViewCases).await?;
    let store = &p.state.store;
    let org = match q.gemeente.trim() {
        "" => None,
        code => orgs::by_code(store, code)
            .await
            .ok()
            .map(|o| o.id)
            .or(Some(-1)),
    };
    let filter = QueueFilter {
        platform: Platform::parse(&q.platform),
        org_id: org,
        category: Category::parse(&q.categorie),
        status: CaseStatus::parse(&q.status),
        timeliness: match q.termijn.as_str() {
            "op-tijd" => Some(Timeliness::OnTime),
            "te-laat" => Some(Timeliness::Late),
            _ => None,
        },
        urgency: Urgency::parse(&q.urgentie),
        view: match q.zaken.as_str() {
            "mijn" => QueueView::Mine(p.user.id),
            "goedkeuring" => QueueView::AwaitingApproval,
            _ => QueueView::All,
        },
        sort: QueueSort::parse(&q.sorteer).unwrap_or_default(),
    };
    let now = now_ms();
    // The sortable columns: each header a link to its order, the current one marked.
    let sorts: Vec<SortLink> = [
        ("case", QueueSort::Newest),
        ("report_urgency", QueueSort::Pressing),
        ("time_left", QueueSort::Deadline),
        ("municipalities", QueueSort::Spread),
    ]
    .into_iter()
    .map(|(column, sort)| SortLink {
        column,
        href: format!(
            "/zaken?{}",
            QueueQuery {
                sorteer: sort.as_str().to_string(),
                pagina: String::new(),
                ..q.clone()
            }
            .query_string()
            .trim_end_matches('&')
        ),
        label: sort.label(p.tr.is_en()),
        current: sort == filter.sort,
        aria_sort: match sort {
            QueueSort::Pressing => "other",
            QueueSort::Deadline => "ascending",
            QueueSort::Newest | QueueSort::Spread => "descending",
        },
    })
    .collect();
    let page = q.page();
    let found = case_service::queue(store, &filter, now, page - 1).await?;
    let paging = Paging::new(&p.tr, page, found.total, case_service::QUEUE_PAGE, |n| {
        format!("/zaken?{}pagina={n}", q.query_string())
    });
    let awaiting = assessments::awaiting_approval(store).await?;
    let escalated = notices::escalated_cases(store).await?;
    let rows = found
        .cases
        .iter()
        .map(|c| {
            let e = entry(c);
            QueueRow {
                id: c.id,
                reference: c.reference.clone(),
                platform: c.platform.label(),
                url: c.canonical_url.clone(),
                urgency: urgency_label(&p.tr, c.urgency),
                acute: c.urgency == Urgency::Acute,
                status: status_label(&p.tr, c.status),
                status_id: c.status.as_str(),
                time_left: duration_label(&p.tr, c.deadline_at - now),
                overdue: e.is_overdue(now),
                awaits: c.status.awaits_decision(),
                expected: c.expected_start_at.map(local_time).unwrap_or_default(),
                municipalities: c.municipality_count,
                reports: c.report_count,
                assignee: c.assignee_name.clone().unwrap_or_default(),
                awaiting_approval: awaiting.contains(&c.id),
                escalated: escalated.contains(&c.id),
                reupload: c.reupload_of.is_some(),
            }
        })
        .collect();
    let mut municipalities: Vec<(String, String)> = orgs::list(
        store,
        Some(crate::domain::org::OrgKind::Municipality),
        "",
        1000,
        0,
    )
    .await?
    .into_iter()
    .map(|o| (o.code, o.name))
    .collect();
    crate::domain::org::sort_by_name(&mut municipalities);
    let views = [
        ("", "queue_view_all"),
        ("mijn", "queue_view_mine"),
        ("goedkeuring", "queue_view_approval"),
    ]
    .into_iter()
    .map(|(value, label)| {
        let rest = QueueQuery {
            zaken: value.to_string(),
            ..q.clone()
        };
        let current = match q.zaken.as_str() {
            "mijn" | "goedkeuring" => q.zaken == value,
            _ => value.is_empty(),
        };
        (
            p.tr.t(label),
            format!("/zaken?{}", rest.query_string()),
            current,
        )
    })
    .collect();
    render(&QueuePage {
        sorts,
        views,
        layout: p.layout(p.tr.t("queue_title")),
        rows,
        platforms: Platform::ALL
            .iter()
            .map(|x| (x.as_str(), x.label()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), category_label(&p.tr, *c)))
            .collect(),
        statuses: CaseStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(&p.tr, *s)))
            .collect(),
        municipalities,
        urgencies: Urgency::ALL
            .iter()
            .map(|u| (u.as_str(), urgency_label(&p.tr, *u)))
            .collect(),
        counts: p.tr.message(
            &Message::new("web.queue_counts")
                .with("total", found.total)
                .with("overdue", found.overdue),
        ),
        paging,
        q,
    })
}

pub(crate) async fn load_case(p: &Page, id: i64) -> Result<Case, PageError> {
    cases::get(&p.state.store, id).await.map_err(|e| match e {
        StoreError::NotFound => PageError::not_found(),
        e => e.into(),
    })
}

/// The case file with the message that approval would send (see `approval_preview`).
async fn with_preview(
    p: &Page,
    mut file: case_service::CaseFile,
) -> Result<case_service::CaseFile, PageError> {
    file.approval_preview = crate::service::notices::approval_preview(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        file.case.id,
    )
    .await?;
    Ok(file)
}

pub async fn show(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::ViewCases).await?;
    let c = load_case(&p, id).await?;
    // The page shows reporters' names and remarks.
    p.record_view(AuditAction::ViewedCase, "case", c.id, None)
        .await?;
    let file = with_preview(&p, case_service::case_file(&p.state.store, c).await?).await?;
    render(&case_page(&p, file, FieldErrors::default(), now_ms()))
}

#[derive(Deserialize, Default)]
pub struct ClaimForm {
    #[serde(default)]
    overnemen: Option<String>,
}

pub(crate) async fn again_with(
    p: &Page,
    id: i64,
    field: &str,
    e: ServiceError,
) -> Result<Response, PageError> {
    let message = refusal_message(e)?;
    let c = load_case(p, id).await?;
    let file = with_preview(p, case_service::case_file(&p.state.store, c).await?).await?;
    let page = case_page(
        p,
        file,
        FieldErrors::message(&p.tr, field, &message),
        now_ms(),
    );
    render_status(StatusCode::CONFLICT, &page)
}

pub async fn claim(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<ClaimForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load_case(&p, id).await?;
    match case_service::claim(&p.state.store, &p.ctx(), id, f.overnemen.is_some()).await {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}")).into_response()),
        Err(e) => again_with(&p, id, "oppakken", e).await,
    }
}

pub async fn release(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load_case(&p, id).await?;
    case_service::release(&p.state.store, &p.ctx(), id).await?;
    Ok(Redirect::to(&format!("/zaken/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct MoveForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn move_case(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    load_case(&p, id).await?;
    let Some(to) = CaseStatus::parse(&f.status) else {
        return again_with(
            &p,
            id,
            "status",
            ServiceError::invalid("status", Message::new("case.status_required")),
        )
        .await;
    };
    match case_service::move_case(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        to,
        &f.note,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}")).into_response()),
        Err(e) => again_with(&p, id, "status", e).await,
    }
}
