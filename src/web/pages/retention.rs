//! Retention on the pages: placing and lifting a legal hold on the case page, and the
//! schedule page for administrators, auditors and supervisors (what is kept how long, what
//! falls due in the next 30 days, the holds, and the records of what was deleted).

use crate::web::extract::Path;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::cases::{again_with, load_case};
use super::render_status;
use crate::domain::message::Message;
use crate::domain::policy::Action;
use crate::domain::retention::{DataKind, Period};
use crate::domain::Millis;
use crate::service::retention as retention_service;
use crate::store::retention;
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::forms::Form;
use crate::web::i18n::Tr;
use crate::web::layout::{local_time, Layout};

/// How far ahead the schedule page looks.
const LOOK_AHEAD_DAYS: i64 = 30;
/// Deletion records the page lists.
const DELETIONS_SHOWN: i64 = 100;

#[derive(Deserialize, Default)]
pub struct HoldForm {
    #[serde(default)]
    reason: String,
}

pub async fn place_hold(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<HoldForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::PlaceLegalHold).await?;
    load_case(&p, id).await?;
    match retention_service::place_hold(&p.state.store, &p.ctx(), id, &f.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}#bewaarplicht")).into_response()),
        Err(e @ crate::service::ServiceError::Invalid { .. }) => {
            again_with(&p, id, "reason", e).await
        }
        Err(e) => again_with(&p, id, "hold", e).await,
    }
}

pub async fn lift_hold(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::PlaceLegalHold).await?;
    load_case(&p, id).await?;
    match retention_service::lift_hold(&p.state.store, &p.ctx(), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}#bewaarplicht")).into_response()),
        Err(e) => again_with(&p, id, "hold", e).await,
    }
}

struct ScheduleRow {
    kind: &'static str,
    period: String,
    code: String,
    from: &'static str,
    basis: &'static str,
}

struct HoldRow {
    case_id: i64,
    reference: String,
    reason: String,
    since: String,
}

struct DeletionRow {
    kind: &'static str,
    reference: String,
    items: i64,
    created: String,
    deleted: String,
    rule: String,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    layout: Layout,
    schedule: Vec<ScheduleRow>,
    until: String,
    upcoming: Vec<(&'static str, u64)>,
    holds: Vec<HoldRow>,
    links_to_cases: bool,
    deletions: Vec<DeletionRow>,
}

pub async fn show(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::ViewRetention).await?;
    let store = &p.state.store;
    let schedule = &p.state.intake_settings.retention;
    let now = p.ctx().now;
    let until: Millis = now + LOOK_AHEAD_DAYS * 86_400_000;
    let soon = retention_service::upcoming(store, schedule, until).await?;
    let tr = &p.tr;
    let page = RetentionPage {
        layout: p.layout(tr.t("retention")),
        schedule: schedule
            .periods()
            .iter()
            .map(|&(kind, period)| ScheduleRow {
                kind: kind_label(tr, kind),
                period: period_label(tr, period),
                code: period.to_string(),
                from: tr.t(match kind {
                    DataKind::CaseWithoutAction | DataKind::CaseWithNotice => {
                        "retention_from_closure"
                    }
                    DataKind::Evidence => "retention_from_last_closure",
                    DataKind::SignInRecords => "retention_from_sign_in",
                    DataKind::Notifications => "retention_from_creation",
                }),
                basis: tr.t(match kind {
                    DataKind::CaseWithoutAction => "retention_basis_case_without_action",
                    DataKind::CaseWithNotice => "retention_basis_case_with_notice",
                    DataKind::Evidence => "retention_basis_evidence",
                    DataKind::SignInRecords => "retention_basis_sign_in_records",
                    DataKind::Notifications => "retention_basis_notifications",
                }),
            })
            .collect(),
        until: local_time(until),
        upcoming: vec![
            (
                kind_label(tr, DataKind::CaseWithoutAction),
                soon.cases_without_action,
            ),
            (
                kind_label(tr, DataKind::CaseWithNotice),
                soon.cases_with_notice,
            ),
            (kind_label(tr, DataKind::Evidence), soon.evidence),
        ],
        holds: retention::holds(store)
            .await?
            .into_iter()
            .map(|h| HoldRow {
                case_id: h.case_id,
                reference: h.reference,
                reason: h.reason,
                since: local_time(h.placed_at),
            })
            .collect(),
        links_to_cases: p.may(Action::ViewCases),
        deletions: retention::deletions(store, DELETIONS_SHOWN)
            .await?
            .into_iter()
            .map(|d| DeletionRow {
                kind: kind_label(tr, d.kind),
                reference: d.reference,
                items: d.item_count,
                created: d.item_created_at.map(local_time).unwrap_or_default(),
                deleted: local_time(d.deleted_at),
                rule: d.rule,
            })
            .collect(),
    };
    render_status(StatusCode::OK, &page)
}

/// The kind of data in the person's language.
pub fn kind_label(tr: &Tr, kind: DataKind) -> &'static str {
    kind.label(tr.is_en())
}

/// A period in words: "1 jaar en 6 maanden", "30 days".
pub fn period_label(tr: &Tr, p: Period) -> String {
    let part = |n: u16, one: &'static str, many: &'static str| {
        (n > 0).then(|| tr.message(&Message::new(if n == 1 { one } else { many }).with("n", n)))
    };
    let parts: Vec<String> = [
        part(p.years, "retention.year", "retention.years"),
        part(p.months, "retention.month", "retention.months"),
        part(p.days, "retention.day", "retention.days"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let and = format!(" {} ", tr.message(&Message::new("retention.and")));
    match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{}{and}{last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    #[test]
    fn periods_read_as_words_in_both_languages() {
        let nl = Tr::new(Lang::Nl);
        let en = Tr::new(Lang::En);
        assert_eq!(period_label(&nl, Period::years(5)), "5 jaar");
        assert_eq!(period_label(&en, Period::years(1)), "1 year");
        assert_eq!(period_label(&en, Period::days(30)), "30 days");
        let p = Period::parse("P1Y6M2D").unwrap();
        assert_eq!(period_label(&nl, p), "1 jaar, 6 maanden en 2 dagen");
        assert_eq!(period_label(&en, p), "1 year, 6 months and 2 days");
        assert_eq!(period_label(&nl, Period::months(1)), "1 maand");
    }
}
