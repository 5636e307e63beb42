//! *Zoeken*: one search box for the team (every case) and for reporters (their
//! organisation's reports), by reference, link, account, website or words.

use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::paging::{page_number, Paging};
use super::reports::status_label;
use super::{render, render_status};
use crate::domain::message::Message;
use crate::domain::policy::SearchScope;
use crate::domain::search::MAX_QUERY_CHARS;
use crate::service::search::{self as search_service, SEARCH_PAGE};
use crate::service::ServiceError;
use crate::web::ctx::Page;
use crate::web::error::{Failure, PageError};
use crate::web::forms::FieldErrors;
use crate::web::layout::{local_time, Layout};

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    pagina: String,
}

pub struct ResultRow {
    href: String,
    reference: String,
    /// The case a reporter's report belongs to, or the report a team hit was found in.
    also: String,
    url: String,
    platform: &'static str,
    found_in: &'static str,
    status: &'static str,
    reported: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    errors: FieldErrors,
    q: String,
    max_chars: usize,
    team: bool,
    searched: bool,
    rows: Vec<ResultRow>,
    counts: String,
    paging: Paging,
}

pub async fn search(p: Page, Query(q): Query<SearchQuery>) -> Result<Response, PageError> {
    let scope = p.search_scope().await?;
    let team = scope == SearchScope::AllCases;
    let input = q.q.clone().unwrap_or_default();
    let page = page_number(&q.pagina);
    let mut view = SearchPage {
        layout: p.layout(p.tr.t("search_title")),
        errors: FieldErrors::default(),
        q: input.chars().take(MAX_QUERY_CHARS * 2).collect(),
        max_chars: MAX_QUERY_CHARS,
        team,
        searched: false,
        rows: Vec::new(),
        counts: String::new(),
        paging: Paging::none(),
    };
    // The page without a query is the empty search box.
    if q.q.is_none() {
        return render(&view);
    }
    let found = match search_service::search(&p.state.store, scope, &input, page).await {
        Ok(found) => found,
        Err(ServiceError::Invalid { field, message }) => {
            view.errors = FieldErrors::message(&p.tr, field, &message);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
        Err(e) => return Err(PageError(Failure::from(e))),
    };
    view.searched = true;
    view.rows = found
        .hits
        .iter()
        .map(|h| {
            let (href, reference, also) = match (&h.report, team) {
                (Some((id, r)), false) => (
                    format!("/meldingen/{id}"),
                    r.clone(),
                    h.case_reference.clone(),
                ),
                (report, _) => (
                    format!("/zaken/{}", h.case_id),
                    h.case_reference.clone(),
                    report.as_ref().map(|(_, r)| r.clone()).unwrap_or_default(),
                ),
            };
            ResultRow {
                href,
                reference,
                also,
                url: h.canonical_url.clone(),
                platform: h.platform.label(),
                found_in: match h.source {
                    Some(s) if p.tr.is_en() => s.label_en(),
                    Some(s) => s.label_nl(),
                    None => p.tr.t("search_found_by_reference"),
                },
                status: status_label(&p.tr, h.status),
                reported: local_time(h.reported_at),
            }
        })
        .collect();
    view.counts = p.tr.message(
        &Message::new(if found.more {
            "web.search_counts_more"
        } else {
            "web.search_counts"
        })
        .with("total", found.total),
    );
    view.paging = Paging::new(&p.tr, page, found.total, SEARCH_PAGE, |n| {
        format!("/zoeken?q={}&pagina={n}", urlencoding::encode(&input))
    });
    render(&view)
}
