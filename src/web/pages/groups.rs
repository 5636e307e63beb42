//! Groups of a situation's copies (one decision for many): making a group, a group's page
//! (members, the group assessment, the supervisor's approval with the messages it would send),
//! the group assessment form, adding a later copy. The central team's pages only.

use crate::web::extract::Path;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::assessment::{aside_for, assessment_form, draft_from, draft_of, Target};
use super::case_view::PreviewView;
use super::{render, render_status};
use crate::domain::assessment::{AssessmentDraft, Review};
use crate::domain::message::Message;
use crate::domain::policy::Action;
use crate::service::notices::{self as notice_service, GroupFile, GroupVerdict, Reviewer};
use crate::service::ServiceError;
use crate::store::cases::{self, Case};
use crate::store::groups;
use crate::web::ctx::Page;
use crate::web::error::{refusal_message, PageError};
use crate::web::forms::{FieldErrors, Form, Pairs};
use crate::web::layout::{local_time, Layout};

fn not_found(e: ServiceError) -> PageError {
    match e {
        ServiceError::NotFound => PageError::not_found(),
        e => e.into(),
    }
}

/// The group, if it belongs to the situation in the address.
async fn load(p: &Page, situation_id: i64, group_id: i64) -> Result<GroupFile, PageError> {
    let file = notice_service::group_file(&p.state.store, group_id)
        .await
        .map_err(not_found)?;
    if file.group.situation_id != situation_id {
        return Err(PageError::not_found());
    }
    Ok(file)
}

pub struct MemberRow {
    id: i64,
    reference: String,
    platform: &'static str,
    url: String,
    status: &'static str,
    status_id: &'static str,
    deadline: String,
    standing: &'static str,
    review: &'static str,
    /// The case's newest version is the group's newest version.
    current: bool,
}

pub struct VersionRow {
    number: i64,
    state: &'static str,
    decision: &'static str,
    author: String,
    when: String,
}

/// The group's newest version as the page shows it.
pub struct NewestView {
    number: i64,
    state: &'static str,
    awaiting: bool,
    decision: &'static str,
    class: &'static str,
    provisions: String,
    facts: String,
    rights_reasoning: String,
    proportionality: String,
    reasons: String,
    author: String,
    mine: bool,
    when: String,
}

/// The messages approval would send, each with the URLs it lists — or why they cannot leave.
type Previews = Option<Result<Vec<(PreviewView, Vec<String>)>, String>>;

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    layout: Layout,
    errors: FieldErrors,
    situation_id: i64,
    situation: String,
    group_id: i64,
    number: i64,
    title: String,
    created: String,
    members: Vec<MemberRow>,
    /// The situation's cases in no group: (id, reference, platform).
    candidates: Vec<(i64, String, &'static str)>,
    newest: Option<NewestView>,
    versions: Vec<VersionRow>,
    /// The messages approval would send (or, `Err`, why they cannot be sent now).
    previews: Previews,
    can_review: bool,
    closed: bool,
}

async fn group_page(
    p: &Page,
    file: GroupFile,
    errors: FieldErrors,
) -> Result<GroupPage, PageError> {
    let en = p.tr.is_en();
    let store = &p.state.store;
    let members = file
        .members
        .iter()
        .map(|m| MemberRow {
            id: m.case.id,
            reference: m.case.reference.clone(),
            platform: m.case.platform.label(),
            url: m.case.canonical_url.clone(),
            status: if en {
                m.case.status.label_en()
            } else {
                m.case.status.label_nl()
            },
            status_id: m.case.status.as_str(),
            deadline: local_time(m.case.deadline_at),
            standing: m.standing.map(|d| d.label(en)).unwrap_or("–"),
            review: m.newest.map(|(r, _)| r.label(en)).unwrap_or("–"),
            current: m.newest.is_some_and(|(_, current)| current),
        })
        .collect();
    let grouped = groups::grouped_in(store, file.situation.id).await?;
    let candidates = cases::in_situation(store, file.situation.id)
        .await?
        .into_iter()
        .filter(|c| !grouped.iter().any(|(id, _)| *id == c.id))
        .map(|c| (c.id, c.reference.clone(), c.platform.label()))
        .collect();
    let newest = file.newest.as_ref().map(|(n, state, v)| NewestView {
        number: *n,
        state: state.label(en),
        awaiting: *state == Review::AwaitingApproval,
        decision: v.a.decision.label(en),
        class: v.a.class.label(en),
        provisions: v
            .a
            .provisions
            .iter()
            .map(|p| p.label(en))
            .collect::<Vec<_>>()
            .join(", "),
        facts: v.a.facts.clone(),
        rights_reasoning: v.a.rights_reasoning.clone(),
        proportionality: v.a.proportionality.clone(),
        reasons: v.a.reasons.clone(),
        author: v.author_name.clone(),
        mine: v.author_user_id == p.user.id,
        when: local_time(v.created_at),
    });
    let awaiting = newest.as_ref().is_some_and(|n| n.awaiting)
        || file.members.iter().any(|m| {
            m.newest
                .is_some_and(|(r, current)| current && r == Review::AwaitingApproval)
        });
    let previews = if awaiting {
        notice_service::group_approval_preview(
            store,
            &p.state.intake_settings,
            &p.ctx(),
            file.group.id,
        )
        .await?
        .map(|made| match made {
            Ok(drafts) => Ok(drafts
                .into_iter()
                .map(|d| {
                    (
                        PreviewView {
                            kind: d.kind.label(en),
                            recipient: d.route.recipient.clone(),
                            subject: d.subject,
                            body: d.body,
                        },
                        d.urls,
                    )
                })
                .collect()),
            Err(m) => Err(p.tr.message(&m)),
        })
    } else {
        None
    };
    let versions = file
        .versions
        .iter()
        .rev()
        .map(|(n, state, v)| VersionRow {
            number: *n,
            state: state.label(en),
            decision: v.a.decision.label(en),
            author: v.author_name.clone(),
            when: local_time(v.created_at),
        })
        .collect();
    Ok(GroupPage {
        layout: p.layout(&format!(
            "{} {} — {}",
            p.tr.t("group"),
            file.group.number,
            file.group.title
        )),
        errors,
        situation_id: file.situation.id,
        situation: format!("{} {}", file.situation.reference, file.situation.title),
        group_id: file.group.id,
        number: file.group.number,
        title: file.group.title.clone(),
        created: format!(
            "{} ({})",
            local_time(file.group.created_at),
            file.group.creator_name
        ),
        members,
        candidates,
        newest,
        versions,
        previews,
        can_review: p.may(Action::ReviewAssessments),
        closed: !file.situation.phase.is_open(),
    })
}

pub async fn show(
    p: Page,
    Path((situation_id, group_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    let file = load(&p, situation_id, group_id).await?;
    render(&group_page(&p, file, FieldErrors::default()).await?)
}

/// The group page again, with the refusal at `field`.
async fn again(
    p: &Page,
    situation_id: i64,
    group_id: i64,
    field: &str,
    e: ServiceError,
) -> Result<Response, PageError> {
    let errors = match e {
        ServiceError::Rejected(list) => FieldErrors::rejected(&p.tr, &list),
        e => FieldErrors::message(&p.tr, field, &refusal_message(e)?),
    };
    let file = load(p, situation_id, group_id).await?;
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &group_page(p, file, errors).await?,
    )
}

/// Makes a group of the chosen cases (`case`, repeated) named `title`.
pub async fn create(
    p: Page,
    Path(situation_id): Path<i64>,
    f: Pairs,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    let case_ids: Vec<i64> = f
        .all("case")
        .iter()
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    match notice_service::create_group(
        &p.state.store,
        &p.ctx(),
        situation_id,
        &f.one("title"),
        &case_ids,
    )
    .await
    {
        Ok(group_id) => Ok(
            Redirect::to(&format!("/situaties/{situation_id}/groepen/{group_id}")).into_response(),
        ),
        Err(ServiceError::NotFound) => Err(PageError::not_found()),
        Err(e) => {
            let field = match &e {
                ServiceError::Invalid { .. } => "group_title",
                _ => "group_cases",
            };
            super::situations::again(&p, situation_id, field, e).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    case: String,
}

/// Adds a copy of the situation to the group.
pub async fn add(
    p: Page,
    Path((situation_id, group_id)): Path<(i64, i64)>,
    Form(f): Form<AddForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    load(&p, situation_id, group_id).await?;
    let Ok(case_id) = f.case.trim().parse::<i64>() else {
        return again(
            &p,
            situation_id,
            group_id,
            "case",
            ServiceError::invalid("case", Message::new("group.choose_case")),
        )
        .await;
    };
    match notice_service::add_to_group(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        group_id,
        case_id,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/situaties/{situation_id}/groepen/{group_id}#leden"
        ))
        .into_response()),
        Err(e) => again(&p, situation_id, group_id, "case", e).await,
    }
}

fn target(p: &Page, file: &GroupFile) -> Target {
    let next = file.newest.as_ref().map(|(n, _, _)| n + 1).unwrap_or(1);
    let link = format!("/situaties/{}/groepen/{}", file.situation.id, file.group.id);
    Target {
        heading: format!(
            "{} {} {} — {} {next}",
            p.tr.t("group_assessment"),
            p.tr.t("group").to_lowercase(),
            file.group.number,
            p.tr.t("version")
        ),
        crumbs: vec![
            (
                format!("/situaties/{}", file.situation.id),
                file.situation.reference.clone(),
            ),
            (
                link.clone(),
                format!("{} {}", p.tr.t("group"), file.group.number),
            ),
        ],
        action: format!("{link}/beoordeling"),
        back: link,
        drafts: false,
    }
}

async fn form(
    p: &Page,
    file: &GroupFile,
    d: AssessmentDraft,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let cases: Vec<Case> = file.members.iter().map(|m| m.case.clone()).collect();
    let aside = aside_for(p, &cases).await?;
    let mut warnings = Vec::new();
    for c in &cases {
        let entry = crate::service::cases::platform_entry(&p.state.store, c).await?;
        if let Some(m) = notice_service::contact_point_problem(entry.as_ref(), &c.domain) {
            let text = p.tr.message(&m);
            if !warnings.contains(&text) {
                warnings.push(text);
            }
        }
    }
    let warning = (!warnings.is_empty()).then(|| warnings.join(" "));
    let page = assessment_form(p, target(p, file), d, errors, aside, warning, None).await?;
    render_status(status, &page)
}

pub async fn assessment(
    p: Page,
    Path((situation_id, group_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    let file = load(&p, situation_id, group_id).await?;
    let d = file
        .newest
        .as_ref()
        .map(|(_, _, v)| draft_of(v))
        .unwrap_or_default();
    form(&p, &file, d, FieldErrors::default()).await
}

pub async fn assess(
    p: Page,
    Path((situation_id, group_id)): Path<(i64, i64)>,
    f: Pairs,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    let file = load(&p, situation_id, group_id).await?;
    let d = draft_from(&f);
    let result = notice_service::assess_group(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        group_id,
        &d,
    )
    .await;
    let errors = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!(
                "/situaties/{situation_id}/groepen/{group_id}#beoordeling"
            ))
            .into_response())
        }
        Err(ServiceError::Rejected(list)) => FieldErrors::rejected(&p.tr, &list),
        Err(e @ (ServiceError::Unprocessable(_) | ServiceError::Invalid { .. })) => {
            FieldErrors::message(&p.tr, "decision", &refusal_message(e)?)
        }
        Err(e) => return Err(e.into()),
    };
    form(&p, &file, d, errors).await
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

pub async fn review(
    p: Page,
    Path((situation_id, group_id)): Path<(i64, i64)>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::ReviewAssessments).await?;
    load(&p, situation_id, group_id).await?;
    let approve = match f.verdict.as_str() {
        "approve" => true,
        "send_back" => false,
        _ => {
            return again(
                &p,
                situation_id,
                group_id,
                "verdict",
                ServiceError::invalid("verdict", Message::new("review.verdict_required")),
            )
            .await
        }
    };
    let Ok(version) = f.version.trim().parse::<i64>() else {
        let stale = ServiceError::Conflict(Message::new("group.stale_version"));
        return again(&p, situation_id, group_id, "verdict", stale).await;
    };
    let reviewer = Reviewer {
        user_id: p.user.id,
        is_supervisor: p.may(Action::ReviewAssessments),
    };
    match notice_service::review_group(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        reviewer,
        GroupVerdict {
            group_id,
            version,
            approve,
            reason: &f.reason,
        },
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/situaties/{situation_id}/groepen/{group_id}#beoordeling"
        ))
        .into_response()),
        Err(e) => again(&p, situation_id, group_id, "verdict", e).await,
    }
}
