//! The start page per role, the language switch and "not found".

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::render;
use crate::domain::audit::AuditAction;
use crate::domain::org::OrgKind;
use crate::domain::policy::{authorize, Action};
use crate::domain::user::Role;
use crate::store::orgs::Organisation;
use crate::store::{audit, orgs, users};
use crate::web::ctx::{language_cookie, Page, Visitor};
use crate::web::error::PageError;
use crate::web::forms::Form;
use crate::web::i18n::Lang;
use crate::web::layout::{kind_label, local_time, Layout};
use crate::web::AppState;

pub async fn root(v: Visitor) -> Response {
    match v.session {
        Some(_) => Redirect::to("/start").into_response(),
        None => Redirect::to("/aanmelden").into_response(),
    }
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    layout: Layout,
    name: String,
    role: &'static str,
    tasks_key: &'static str,
    org: Organisation,
    org_kind: &'static str,
    show_admin: bool,
    central_admin: bool,
    admin_href: String,
    org_count: i64,
    user_count: i64,
    show_audit: bool,
    show_privacy: bool,
    audit_count: i64,
    sign_ins: Vec<(String, String, &'static str)>,
    show_report: bool,
    /// (open cases, overdue) for the central team's case handlers.
    queue: Option<(i64, i64)>,
    /// The open situations this person sees: for a municipality those of its safety region.
    situations: Option<Vec<super::situations::Concern>>,
}

pub async fn start(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::ViewStartPage).await?;
    let store = &p.state.store;
    // The page shows the person's own details and sign-in addresses.
    p.record_view(
        AuditAction::ViewedOwnAccount,
        "start",
        p.user.id,
        Some(p.user.org_id),
    )
    .await?;
    let org = orgs::get(store, p.user.org_id).await?;
    let central_admin = authorize(&p.actor, Action::ListOrganisations).is_ok();
    let show_admin = central_admin
        || authorize(
            &p.actor,
            Action::ManageUsers {
                org_id: p.actor.org_id,
            },
        )
        .is_ok();
    let show_audit = authorize(&p.actor, Action::ViewAuditTrail).is_ok();
    let (org_count, user_count) = if show_admin {
        if central_admin {
            (orgs::count(store).await?, users::count(store).await?)
        } else {
            (1, users::list_by_org(store, org.id).await?.len() as i64)
        }
    } else {
        (0, 0)
    };
    let audit_count = if show_audit {
        audit::count(store).await?
    } else {
        0
    };
    let sign_ins =
        audit::recent_for_user(store, p.user.id, AuditAction::SignInPassword.as_str(), 5)
            .await?
            .into_iter()
            .map(|r| {
                let outcome = match r.outcome.as_str() {
                    "success" => p.tr.t("outcome_success"),
                    "denied" => p.tr.t("outcome_denied"),
                    _ => p.tr.t("outcome_failure"),
                };
                (local_time(r.at), r.origin, outcome)
            })
            .collect();
    let queue = if authorize(&p.actor, Action::ViewCases).is_ok() {
        let now = crate::service::now_ms();
        let (open, overdue) = crate::service::cases::open_counts(store, now).await?;
        Some((open, overdue))
    } else {
        None
    };
    let situations = match crate::domain::policy::situation_view(&p.actor) {
        Ok(crate::domain::policy::SituationView::Municipality(_)) => Some(
            super::situations::concerning(
                &p,
                Some(crate::domain::org::safety_region_of(&org.code)),
                Some(org.id),
            )
            .await?,
        ),
        Ok(crate::domain::policy::SituationView::Team) => {
            Some(super::situations::concerning(&p, None, None).await?)
        }
        Err(_) => None,
    };
    let tasks_key = match p.user.role {
        Role::Reporter => "reporter_tasks",
        Role::Analyst => "analyst_tasks",
        Role::Supervisor => "supervisor_tasks",
        Role::Auditor => "auditor_tasks",
        Role::Administrator => "admin_tasks",
        Role::PrivacyOfficer => "privacy_officer_tasks",
    };
    render(&StartPage {
        layout: p.layout(p.tr.t("start_title")),
        name: p.user.name.clone(),
        role: if p.tr.is_en() {
            p.user.role.label_en()
        } else {
            p.user.role.label_nl()
        },
        tasks_key,
        org_kind: kind_label(&p.tr, org.kind),
        org,
        show_admin,
        central_admin,
        admin_href: if central_admin {
            "/beheer/organisaties".into()
        } else {
            format!("/beheer/organisaties/{}", p.actor.org_id)
        },
        org_count,
        user_count,
        show_audit,
        show_privacy: authorize(&p.actor, Action::HandleAccessRequests).is_ok(),
        audit_count,
        sign_ins,
        show_report: authorize(&p.actor, Action::SubmitReport).is_ok(),
        queue,
        situations,
    })
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    terug: String,
}

/// Switches the interface language and goes back to the page it was chosen on (a path on
/// this site only, `domain::redirect::local_target`); the choice is kept in a cookie with the
/// same protection as the session's.
pub async fn set_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LanguageForm>,
) -> Result<Response, PageError> {
    let lang = if f.lang == "en" { Lang::En } else { Lang::Nl };
    let to = crate::domain::redirect::local_target(&f.terug)
        .map_err(|e| PageError(crate::web::error::Failure::BadRequest(e.message())))?;
    let secure = crate::web::cookies::secure_cookies(state.config.uses_tls(), &headers);
    let mut res = Redirect::to(&to).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, language_cookie(lang, secure));
    Ok(res)
}

pub async fn not_found() -> PageError {
    PageError::not_found()
}

pub async fn method_not_allowed() -> PageError {
    PageError(crate::web::error::Failure::MethodNotAllowed)
}

/// Organisation kinds in the order forms list them.
pub fn kinds() -> [OrgKind; 3] {
    OrgKind::ALL
}
