//! The analysts' queue and the case page.

use crate::domain::message::Message;
use crate::web::error::refusal_message;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::reports::{category_label, status_label, urgency_label};
use super::{render, render_status};
use crate::domain::assessment::Review;
use crate::domain::audit::AuditAction;
use crate::domain::case::{team_moves, CaseStatus};
use crate::domain::dutch_local_input;
use crate::domain::link::Platform;
use crate::domain::notice::ContactChannel;
use crate::domain::policy::Action;
use crate::domain::report::{Category, ReportStatus, Urgency};
use crate::service::cases::{self as case_service, entry, QueueFilter, Timeliness};
use crate::service::{now_ms, ServiceError};
use crate::store::cases::{self, Case};
use crate::store::{assessments, notices, orgs, platforms, redress, reports, StoreError};
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
    q: QueueQuery,
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
    };
    let now = now_ms();
    let found = case_service::queue(store, &filter, now).await?;
    let awaiting = assessments::awaiting_approval(store).await?;
    let escalated = notices::escalated_cases(store).await?;
    let rows = found
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
                time_left: duration_label(&p.tr, c.deadline_at - now),
                overdue: e.is_overdue(now),
                awaits: c.status.awaits_decision(),
                expected: c.expected_start_at.map(local_time).unwrap_or_default(),
                municipalities: c.municipality_count,
                reports: c.report_count,
                assignee: c.assignee_name.clone().unwrap_or_default(),
                awaiting_approval: awaiting.contains(&c.id),
                escalated: escalated.contains(&c.id),
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
    municipalities.sort_by(|a, b| a.1.cmp(&b.1));
    render(&QueuePage {
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
        q,
    })
}

pub struct CaseReportRow {
    id: i64,
    reference: String,
    org: String,
    reporter: String,
    when: String,
    urgency: &'static str,
    category: &'static str,
    justification: String,
    submitted_url: String,
    remark: String,
    withdrawn: bool,
    expected: String,
    evidence: Vec<(i64, String)>,
}

pub struct EventRow {
    when: String,
    who: String,
    what: &'static str,
    change: String,
    note: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    errors: FieldErrors,
    c: Case,
    platform: &'static str,
    status: &'static str,
    urgency: &'static str,
    categories: String,
    deadline: String,
    time_left: String,
    overdue: bool,
    expected: String,
    first: String,
    last: String,
    assignee: String,
    mine: bool,
    reports: Vec<CaseReportRow>,
    events: Vec<EventRow>,
    moves: Vec<(&'static str, &'static str)>,
    versions: Vec<VersionView>,
    awaiting: Option<VersionView>,
    can_review: bool,
    can_assess: bool,
    notices: Vec<NoticeRow>,
    rechecks: Vec<(String, &'static str, String, String)>,
    now_input: String,
    channel: String,
    objections: Vec<ObjectionView>,
    notice_options: Vec<(i64, String)>,
}

pub struct ObjectionView {
    id: i64,
    source: &'static str,
    received: String,
    summary: String,
    notice: String,
    open: bool,
    decision: String,
}

/// One version of the assessment, for reading.
#[derive(Clone)]
pub struct VersionView {
    id: i64,
    version: i64,
    author: String,
    mine: bool,
    when: String,
    class: &'static str,
    provisions: Vec<&'static str>,
    facts: String,
    locating: String,
    risk: String,
    phase: &'static str,
    speech: String,
    rights_reasoning: String,
    steps: String,
    proportionality: String,
    decision: &'static str,
    category: String,
    reasons: String,
    review: &'static str,
    review_note: String,
}

pub struct NoticeRow {
    id: i64,
    reference: String,
    kind: &'static str,
    recipient: String,
    delivery: &'static str,
    sent: String,
    answer: String,
    escalated: bool,
}

fn version_view(
    tr: &Tr,
    v: &crate::domain::assessment::Version,
    newest: i64,
    me: i64,
) -> VersionView {
    let en = tr.is_en();
    let a = &v.a;
    let join = |items: Vec<&'static str>| items.join(", ");
    VersionView {
        id: v.id,
        version: v.version,
        author: v.author_name.clone(),
        mine: v.author_user_id == me,
        when: local_time(v.created_at),
        class: a.class.label(en),
        provisions: a.provisions.iter().map(|p| p.label(en)).collect(),
        facts: a.facts.clone(),
        locating: a.locating.clone(),
        risk: format!("{} · {} · {}", a.risk_time, a.risk_place, a.risk_reach),
        phase: a.phase.label(en),
        speech: if a.protected_speech.is_empty() {
            tr.t("assess_no_speech").to_string()
        } else {
            join(a.protected_speech.iter().map(|s| s.label(en)).collect())
        },
        rights_reasoning: a.rights_reasoning.clone(),
        steps: join(a.lighter_steps.iter().map(|s| s.label(en)).collect()),
        proportionality: a.proportionality.clone(),
        decision: a.decision.label(en),
        category: a
            .category
            .map(|c| format!("{} ({})", c.label(en), c.as_str()))
            .unwrap_or_default(),
        reasons: a.reasons.clone(),
        review: v.review(newest).label(en),
        review_note: v
            .verdict
            .as_ref()
            .map(|r| {
                format!(
                    "{} — {}{}",
                    r.reviewer_name,
                    local_time(r.at),
                    r.reason
                        .as_ref()
                        .map(|x| format!(": {x}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default(),
    }
}

async fn case_page(p: &Page, c: Case, errors: FieldErrors) -> Result<CasePage, PageError> {
    let store = &p.state.store;
    let now = now_ms();
    let mut rows = Vec::new();
    for (r, link) in reports::list_by_case(store, c.id).await? {
        let evidence = reports::evidence_of_report(store, r.id)
            .await?
            .into_iter()
            .filter(|e| e.link_position.is_none_or(|n| n == link.position))
            .map(|e| (e.id, e.file_name))
            .collect();
        let mut expected = Vec::new();
        if let Some(code) = &r.exp_municipality_code {
            expected.push(
                crate::service::intake::municipality_name(code)
                    .unwrap_or(code)
                    .to_string(),
            );
        }
        if let Some(pl) = &r.exp_place {
            expected.push(pl.clone());
        }
        if let Some(dt) = &r.exp_date {
            expected.push(format!(
                "{dt} {}{}",
                r.exp_time_from.clone().unwrap_or_default(),
                r.exp_time_to
                    .as_ref()
                    .map(|t| format!("–{t}"))
                    .unwrap_or_default()
            ));
        }
        if let Some(n) = r.exp_size {
            expected.push(format!("{n} {}", p.tr.t("persons")));
        }
        rows.push(CaseReportRow {
            id: r.id,
            reference: r.reference,
            org: r.org_name,
            reporter: r.reporter_name.unwrap_or_else(|| "API".into()),
            when: local_time(r.created_at),
            urgency: urgency_label(&p.tr, r.urgency),
            category: category_label(&p.tr, r.category),
            justification: r.justification,
            submitted_url: link.submitted_url,
            remark: link.remark.unwrap_or_default(),
            withdrawn: r.status == ReportStatus::Withdrawn,
            expected: expected.join(" · "),
            evidence,
        });
    }
    let events = cases::events(store, c.id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            when: local_time(e.at),
            who: e.actor_label,
            what: if p.tr.is_en() {
                e.kind.label_en()
            } else {
                e.kind.label_nl()
            },
            change: match (e.from_status, e.to_status) {
                (Some(f), Some(t)) => {
                    format!("{} → {}", status_label(&p.tr, f), status_label(&p.tr, t))
                }
                (None, Some(t)) => status_label(&p.tr, t).to_string(),
                _ => String::new(),
            },
            note: e.note.unwrap_or_default(),
        })
        .collect();
    let e = entry(&c);
    let en = p.tr.is_en();
    let all_versions = assessments::versions(store, c.id).await?;
    let newest = all_versions.last().map(|v| v.version).unwrap_or(0);
    let versions: Vec<VersionView> = all_versions
        .iter()
        .rev()
        .map(|v| version_view(&p.tr, v, newest, p.user.id))
        .collect();
    let awaiting = all_versions
        .last()
        .filter(|v| v.review(newest) == Review::AwaitingApproval)
        .map(|v| version_view(&p.tr, v, newest, p.user.id));
    let answers = notices::answers_of_case(store, c.id).await?;
    let notice_rows = notices::list_by_case(store, c.id)
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            answer: answers
                .iter()
                .filter(|a| a.notice_id == n.id)
                .map(|a| a.outcome.label(en))
                .collect::<Vec<_>>()
                .join(", "),
            escalated: n.escalated_at.is_some(),
            id: n.id,
            reference: n.reference,
            kind: n.kind.label(en),
            recipient: n.recipient,
            delivery: n.delivery.label(en),
            sent: n.sent_at.map(local_time).unwrap_or_default(),
        })
        .collect();
    let rechecks = notices::rechecks(store, c.id)
        .await?
        .into_iter()
        .map(|r| {
            (
                local_time(r.checked_at),
                if r.still_online {
                    p.tr.t("recheck_online")
                } else {
                    p.tr.t("recheck_offline")
                },
                r.note.unwrap_or_default(),
                r.recorder_name,
            )
        })
        .collect();
    let directory = platforms::list(store).await?;
    let channel = match crate::domain::platform::pick(&directory, c.platform.as_str(), &c.domain) {
        Some(x) => format!("{}: {}", x.name, x.channel.label(en)),
        None => format!("{}: {}", c.domain, ContactChannel::Unconfigured.label(en)),
    };
    let notice_list = notices::list_by_case(store, c.id).await?;
    let objections: Vec<ObjectionView> = redress::of_case(store, c.id)
        .await?
        .into_iter()
        .map(|o| ObjectionView {
            id: o.id,
            source: o.source.label(en),
            received: local_time(o.received_at),
            summary: o.summary,
            notice: o
                .notice_id
                .and_then(|id| notice_list.iter().find(|n| n.id == id))
                .map(|n| n.reference.clone())
                .unwrap_or_default(),
            open: o.verdict.is_none(),
            decision: match (o.verdict, o.reasons, o.decider_name, o.decided_at) {
                (Some(v), r, who, at) => format!(
                    "{} — {} ({}, {})",
                    v.label(en),
                    r.unwrap_or_default(),
                    who.unwrap_or_default(),
                    at.map(local_time).unwrap_or_default()
                ),
                _ => String::new(),
            },
        })
        .collect();
    let open_objection = objections.iter().any(|o: &ObjectionView| o.open);
    let notice_options = notice_list
        .iter()
        .filter(|n| n.kind.goes_to_platform())
        .map(|n| (n.id, format!("{} — {}", n.reference, n.kind.label(en))))
        .collect();
    Ok(CasePage {
        objections,
        notice_options,
        versions,
        awaiting,
        can_review: p.may(Action::ReviewAssessments),
        // Once something was sent, only an objection reopens the assessment.
        can_assess: matches!(
            c.status,
            CaseStatus::Received
                | CaseStatus::InTriage
                | CaseStatus::InAssessment
                | CaseStatus::Decided
        ) && (notice_list.is_empty() || open_objection)
            && p.may(Action::WorkOnCases),
        notices: notice_rows,
        rechecks,
        now_input: dutch_local_input(now_ms()),
        channel,
        layout: p.layout(&c.reference),
        errors,
        platform: c.platform.label(),
        status: status_label(&p.tr, c.status),
        urgency: urgency_label(&p.tr, c.urgency),
        categories: c
            .categories
            .iter()
            .map(|k| category_label(&p.tr, *k))
            .collect::<Vec<_>>()
            .join(", "),
        deadline: local_time(c.deadline_at),
        time_left: duration_label(&p.tr, c.deadline_at - now),
        overdue: e.is_overdue(now),
        expected: c.expected_start_at.map(local_time).unwrap_or_default(),
        first: local_time(c.first_reported_at),
        last: local_time(c.last_reported_at),
        assignee: c.assignee_name.clone().unwrap_or_default(),
        mine: c.assignee_user_id == Some(p.user.id),
        moves: team_moves(c.status)
            .into_iter()
            .map(|s| (s.as_str(), status_label(&p.tr, s)))
            .collect(),
        reports: rows,
        events,
        c,
    })
}

pub(crate) async fn load_case(p: &Page, id: i64) -> Result<Case, PageError> {
    cases::get(&p.state.store, id).await.map_err(|e| match e {
        StoreError::NotFound => PageError::not_found(),
        e => e.into(),
    })
}

pub async fn show(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::ViewCases).await?;
    let c = load_case(&p, id).await?;
    // The page shows reporters' names and remarks.
    p.record_view(AuditAction::ViewedCase, "case", c.id, None)
        .await?;
    render(&case_page(&p, c, FieldErrors::default()).await?)
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
    let page = case_page(p, c, FieldErrors::message(&p.tr, field, &message)).await?;
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
