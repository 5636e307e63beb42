//! The assessment form of a case and the supervisor's review (four eyes).

use crate::domain::message::Message;
use crate::web::extract::Path;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::cases::{again_with, load_case};
use super::render_status;
use super::reports::{categories_label, urgency_label};
use crate::domain::assessment::{
    AssessmentDraft, Decision, DecisionRefused, DsaCategory, DsaKeyword, LegalClass, LighterStep,
    Phase, ProtectedSpeech, Provision,
};
use crate::domain::policy::Action;
use crate::domain::Millis;
use crate::service::notices::{self as notice_service, Reviewer, Verdict};
use crate::service::ServiceError;
use crate::store::cases::Case;
use crate::store::{assessment_drafts, assessments, platforms, reports};
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::forms::{FieldErrors, Form, Pairs};
use crate::web::layout::local_time;
use crate::web::layout::Layout;

/// One choice in a group of radio buttons or checkboxes.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
    /// Extra lines under the label (the elements of a provision).
    pub details: Vec<&'static str>,
    pub disabled: bool,
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    id: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    chosen: &[String],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: id(*v),
            label: label(*v),
            checked: chosen.iter().any(|c| c == id(*v)),
            details: Vec::new(),
            disabled: false,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "assessment_form.html")]
pub(super) struct FormPage {
    layout: Layout,
    errors: FieldErrors,
    /// What is assessed: a case, or a group of copies.
    target: Target,
    d: AssessmentDraft,
    classes: Vec<Choice>,
    provisions: Vec<Choice>,
    phases: Vec<Choice>,
    speech: Vec<Choice>,
    steps: Vec<Choice>,
    decisions: Vec<Choice>,
    categories: Vec<Choice>,
    keywords: Vec<Choice>,
    art9_available: bool,
    art9_reason: String,
    /// Why a message to the content's platform could not leave now, told before work starts.
    contact_warning: Option<String>,
    /// When this person's draft was saved, if the form shows it.
    draft_saved: String,
    /// The content and reports, beside the form.
    aside: Aside,
}

/// What an assessment form is about, and where it goes.
pub(super) struct Target {
    /// The page's heading.
    pub heading: String,
    /// The breadcrumb trail below the queue: (link, text).
    pub crumbs: Vec<(String, String)>,
    /// Where the form is posted, and where "back" leads.
    pub action: String,
    pub back: String,
    /// Whether a draft can be kept (a case's form; a group's version is written at once).
    pub drafts: bool,
}

/// One piece of content as the form's side panel shows it.
pub(super) struct AsideContent {
    pub url: String,
    pub platform: &'static str,
    pub urgency: &'static str,
    pub categories: String,
    pub deadline: String,
}

/// What the form's side panel shows while the analyst writes.
pub(super) struct Aside {
    pub contents: Vec<AsideContent>,
    /// Each report: its reference, municipality, and what it says (summary, remark).
    pub reports: Vec<(String, String, String)>,
}

/// The side panel for these cases: their content, and their active reports.
pub(super) async fn aside_for(p: &Page, cases: &[Case]) -> Result<Aside, PageError> {
    let mut aside = Aside {
        contents: Vec::new(),
        reports: Vec::new(),
    };
    for c in cases {
        aside.contents.push(AsideContent {
            url: c.canonical_url.clone(),
            platform: c.platform.label(),
            urgency: urgency_label(&p.tr, c.urgency),
            categories: categories_label(&p.tr, &c.categories),
            deadline: local_time(c.deadline_at),
        });
        for (r, link) in reports::list_by_case(&p.state.store, c.id).await? {
            if r.status != crate::domain::report::ReportStatus::Active {
                continue;
            }
            let words = [
                r.summary.unwrap_or_default(),
                link.remark.unwrap_or_default(),
            ]
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" — ");
            aside.reports.push((r.reference, r.org_name, words));
        }
    }
    Ok(aside)
}

impl FormPage {
    /// A field's label, marked when what is entered goes to the platform.
    fn label(&self, key: &str, field: &str) -> String {
        let label = self.layout.tr.t(key);
        if crate::domain::assessment::SENT_TO_PLATFORM.contains(&field) {
            format!("{label} ({})", self.layout.tr.t("goes_to_platform"))
        } else {
            label.to_string()
        }
    }
}

async fn form_page(
    p: &Page,
    c: Case,
    d: AssessmentDraft,
    errors: FieldErrors,
    draft_saved: Option<Millis>,
) -> Result<FormPage, PageError> {
    let aside = aside_for(p, std::slice::from_ref(&c)).await?;
    let next_version = assessments::versions(&p.state.store, c.id).await?.len() as i64 + 1;
    let entry = crate::service::cases::platform_entry(&p.state.store, &c).await?;
    let contact_warning =
        notice_service::contact_point_problem(entry.as_ref(), &c.domain).map(|m| p.tr.message(&m));
    let target = Target {
        heading: format!(
            "{} {} — {} {next_version}",
            p.tr.t("assessment"),
            c.reference,
            p.tr.t("version")
        ),
        crumbs: vec![(format!("/zaken/{}", c.id), c.reference.clone())],
        action: format!("/zaken/{}/beoordeling", c.id),
        back: format!("/zaken/{}", c.id),
        drafts: true,
    };
    assessment_form(p, target, d, errors, aside, contact_warning, draft_saved).await
}

/// The assessment form for `target`, with `d` filled in.
pub(super) async fn assessment_form(
    p: &Page,
    target: Target,
    d: AssessmentDraft,
    errors: FieldErrors,
    aside: Aside,
    contact_warning: Option<String>,
    draft_saved: Option<Millis>,
) -> Result<FormPage, PageError> {
    let en = p.tr.is_en();
    let settings = platforms::settings(&p.state.store).await?;
    let art9_available = notice_service::options(&settings).art9_available;
    let one = |s: &str| vec![s.to_string()];
    let mut provisions = choices(
        Provision::ALL,
        Provision::as_str,
        |v| v.label(en),
        &d.provisions,
    );
    for (choice, prov) in provisions.iter_mut().zip(Provision::ALL) {
        choice.details = prov.elements_nl().to_vec();
    }
    let mut decisions = choices(
        Decision::ALL,
        Decision::as_str,
        |v| v.label(en),
        &one(&d.decision),
    );
    for choice in decisions.iter_mut() {
        if choice.value == Decision::Art9Order.as_str() && !art9_available {
            choice.disabled = true;
            choice.checked = false;
        }
    }
    Ok(FormPage {
        aside,
        draft_saved: draft_saved.map(local_time).unwrap_or_default(),
        contact_warning,
        layout: p.layout(&target.heading),
        errors,
        classes: choices(
            LegalClass::ALL,
            LegalClass::as_str,
            |v| v.label(en),
            &one(&d.class),
        ),
        provisions,
        phases: choices(Phase::ALL, Phase::as_str, |v| v.label(en), &one(&d.phase)),
        speech: choices(
            ProtectedSpeech::ALL,
            ProtectedSpeech::as_str,
            |v| v.label(en),
            &d.protected_speech,
        ),
        steps: choices(
            LighterStep::ALL,
            LighterStep::as_str,
            |v| v.label(en),
            &d.lighter_steps,
        ),
        decisions,
        categories: choices(
            DsaCategory::ALL,
            DsaCategory::as_str,
            |v| v.label(en),
            &one(&d.category),
        ),
        keywords: choices(
            DsaKeyword::ALL,
            DsaKeyword::as_str,
            |v| v.label(en),
            &d.keywords,
        ),
        art9_available,
        art9_reason: p.tr.message(&DecisionRefused::Art9Unavailable.message()),
        target,
        d,
    })
}

/// The draft the newest version would be, to start a revision from.
pub(super) fn draft_of(v: &crate::domain::assessment::Version) -> AssessmentDraft {
    let a = &v.a;
    AssessmentDraft {
        class: a.class.as_str().into(),
        provisions: a.provisions.iter().map(|p| p.as_str().into()).collect(),
        facts: a.facts.clone(),
        locating: a.locating.clone(),
        risk_time: a.risk_time.clone(),
        risk_place: a.risk_place.clone(),
        risk_reach: a.risk_reach.clone(),
        phase: a.phase.as_str().into(),
        protected_speech: a
            .protected_speech
            .iter()
            .map(|p| p.as_str().into())
            .collect(),
        no_protected_speech: a.protected_speech.is_empty(),
        rights_reasoning: a.rights_reasoning.clone(),
        lighter_steps: a.lighter_steps.iter().map(|p| p.as_str().into()).collect(),
        proportionality: a.proportionality.clone(),
        decision: a.decision.as_str().into(),
        category: a.category.map(|c| c.as_str().into()).unwrap_or_default(),
        keywords: a.keywords.iter().map(|p| p.as_str().into()).collect(),
        reasons: a.reasons.clone(),
    }
}

pub async fn show(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    let c = load_case(&p, id).await?;
    // This person's draft first; else the newest version, to start a revision from.
    let (draft, saved_at) = match assessment_drafts::get(&p.state.store, id, p.user.id).await? {
        Some(saved) => (saved.draft, Some(saved.saved_at)),
        None => (
            assessments::versions(&p.state.store, id)
                .await?
                .last()
                .map(draft_of)
                .unwrap_or_default(),
            None,
        ),
    };
    let page = form_page(&p, c, draft, FieldErrors::default(), saved_at).await?;
    render_status(StatusCode::OK, &page)
}

pub(super) fn draft_from(f: &Pairs) -> AssessmentDraft {
    AssessmentDraft {
        class: f.one("class"),
        provisions: f.all("provisions"),
        facts: f.one("facts"),
        locating: f.one("locating"),
        risk_time: f.one("risk_time"),
        risk_place: f.one("risk_place"),
        risk_reach: f.one("risk_reach"),
        phase: f.one("phase"),
        protected_speech: f.all("protected_speech"),
        no_protected_speech: f.has("no_protected_speech"),
        rights_reasoning: f.one("rights_reasoning"),
        lighter_steps: f.all("lighter_steps"),
        proportionality: f.one("proportionality"),
        decision: f.one("decision"),
        category: f.one("category"),
        keywords: f.all("keywords"),
        reasons: f.one("reasons"),
    }
}

pub async fn save(p: Page, Path(id): Path<i64>, f: Pairs) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnCases).await?;
    let c = load_case(&p, id).await?;
    let draft = draft_from(&f);
    if f.one("intent") == "concept" {
        return match notice_service::save_draft(&p.state.store, &p.ctx(), id, &draft).await {
            Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}/beoordeling#concept")).into_response()),
            Err(ServiceError::Unprocessable(m)) => {
                let errors = FieldErrors::message(&p.tr, "decision", &m);
                let page = form_page(&p, c, draft, errors, None).await?;
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            Err(e) => Err(e.into()),
        };
    }
    let result = notice_service::assess(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        &draft,
    )
    .await;
    let errors = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/zaken/{id}#beoordeling")).into_response()),
        Err(ServiceError::Rejected(list)) => FieldErrors::rejected(&p.tr, &list),
        Err(ServiceError::Unprocessable(m)) => FieldErrors::message(&p.tr, "decision", &m),
        Err(e) => return Err(e.into()),
    };
    let page = form_page(&p, c, draft, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    p: Page,
    Path((id, assessment_id)): Path<(i64, i64)>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::ReviewAssessments).await?;
    load_case(&p, id).await?;
    let approve = match f.verdict.as_str() {
        "approve" => true,
        "send_back" => false,
        _ => {
            return again_with(
                &p,
                id,
                "verdict",
                ServiceError::invalid("verdict", Message::new("review.verdict_required")),
            )
            .await
        }
    };
    let reviewer = Reviewer {
        user_id: p.user.id,
        is_supervisor: p.may(Action::ReviewAssessments),
    };
    match notice_service::review(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        reviewer,
        Verdict {
            case_id: id,
            assessment_id,
            approve,
            reason: &f.reason,
        },
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{id}#beoordeling")).into_response()),
        Err(e) => again_with(&p, id, "verdict", e).await,
    }
}
