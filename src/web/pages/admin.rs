//! Administration: organisations, their people and their API tokens.

use crate::domain::message::Message;
use crate::web::extract::{Path, Query};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::audit::AuditAction;
use crate::domain::org::{NewOrganisation, OrgError, OrgKind};
use crate::domain::policy::{roles_for, Action};
use crate::domain::sso::SettingsInput;
use crate::domain::user::{NewUser, Role, UserStatus};
use crate::service::{accounts, orgs as org_service, sso, tokens as token_service, ServiceError};
use crate::store::orgs::Organisation;
use crate::store::{orgs, sso as sso_store, tokens, users, StoreError};
use crate::web::ctx::Page;
use crate::web::error::{Failure, PageError};
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::{kind_label, local_time, Layout};

const PAGE_SIZE: i64 = 50;

pub struct OrgRow {
    id: i64,
    name: String,
    code: String,
    kind: &'static str,
    province: String,
    region: String,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct OrgsPage {
    layout: Layout,
    errors: FieldErrors,
    notice: Option<String>,
    q: String,
    soort: String,
    kind_options: Vec<(&'static str, &'static str)>,
    rows: Vec<OrgRow>,
    prev_href: Option<String>,
    next_href: Option<String>,
    form_kind: String,
    org_fields: [(&'static str, &'static str, String); 3],
}

#[derive(Deserialize, Default)]
pub struct OrgsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    soort: String,
    #[serde(default)]
    pagina: Option<i64>,
    #[serde(default)]
    toegevoegd: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct NewOrgForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mayor: String,
}

async fn orgs_page(
    p: &Page,
    q: &OrgsQuery,
    form: &NewOrgForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<OrgsPage, PageError> {
    let kind = OrgKind::parse(&q.soort);
    let page = q.pagina.unwrap_or(1).max(1);
    let mut list = orgs::list(
        &p.state.store,
        kind,
        &q.q,
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let has_next = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    let href = |n: i64| {
        format!(
            "/beheer/organisaties?q={}&soort={}&pagina={n}",
            urlencoding::encode(&q.q),
            urlencoding::encode(&q.soort)
        )
    };
    Ok(OrgsPage {
        layout: p.layout(p.tr.t("orgs_title")),
        errors,
        notice,
        q: q.q.clone(),
        soort: q.soort.clone(),
        kind_options: OrgKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(&p.tr, *k)))
            .collect(),
        rows: list
            .into_iter()
            .map(|o| OrgRow {
                id: o.id,
                kind: kind_label(&p.tr, o.kind),
                province: o.province.unwrap_or_default(),
                region: o.safety_region.unwrap_or_default(),
                name: o.name,
                code: o.code,
            })
            .collect(),
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: has_next.then(|| href(page + 1)),
        form_kind: if form.kind.is_empty() {
            "municipality".into()
        } else {
            form.kind.clone()
        },
        org_fields: [
            ("code", "code", form.code.clone()),
            ("name", "name", form.name.clone()),
            ("mayor", "mayor", form.mayor.clone()),
        ],
    })
}

pub async fn list_orgs(p: Page, Query(q): Query<OrgsQuery>) -> Result<Response, PageError> {
    p.authorize(Action::ListOrganisations).await?;
    let notice = q
        .toegevoegd
        .map(|n| format!("{n} {}", p.tr.t("orgs_imported")));
    render(
        &orgs_page(
            &p,
            &q,
            &NewOrgForm::default(),
            FieldErrors::default(),
            notice,
        )
        .await?,
    )
}

pub async fn create_org(p: Page, Form(f): Form<NewOrgForm>) -> Result<Response, PageError> {
    p.authorize(Action::CreateOrganisation).await?;
    let mayor = Some(f.mayor.as_str()).filter(|m| !m.trim().is_empty());
    let new = OrgKind::parse(&f.kind)
        .ok_or(OrgError::InvalidCode)
        .and_then(|kind| NewOrganisation::new(kind, &f.code, &f.name, mayor));
    let result = match new {
        Ok(org) => org_service::create(&p.state.store, &p.ctx(), &org).await,
        Err(e) => Err(org_service::org_error(e)),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/beheer/organisaties/{id}")).into_response()),
        Err(ServiceError::Invalid { field, message }) => {
            let page = orgs_page(
                &p,
                &OrgsQuery::default(),
                &f,
                FieldErrors::message(&p.tr, field, &message),
                None,
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ServiceError::Conflict(message)) => {
            let page = orgs_page(
                &p,
                &OrgsQuery::default(),
                &f,
                FieldErrors::message(&p.tr, "code", &message),
                None,
            )
            .await?;
            render_status(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(PageError(Failure::from(e))),
    }
}

pub async fn import_orgs(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::ImportMunicipalities).await?;
    let added = org_service::import_municipalities(&p.state.store, &p.ctx()).await?;
    Ok(Redirect::to(&format!(
        "/beheer/organisaties?soort=municipality&toegevoegd={added}"
    ))
    .into_response())
}

pub struct PersonRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    status: &'static str,
    second_factor: bool,
    disabled: bool,
    is_self: bool,
}

pub struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    status: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "admin_org.html")]
struct OrgPage {
    layout: Layout,
    errors: FieldErrors,
    notice: Option<&'static str>,
    secret: Option<String>,
    org: Organisation,
    kind: &'static str,
    is_municipality: bool,
    mayor: String,
    people: Vec<PersonRow>,
    /// Who has not set up a second factor yet (blocked accounts left out), and a sentence
    /// that says how many.
    without_second_factor: Vec<(i64, String)>,
    without_second_factor_intro: String,
    role_options: Vec<(&'static str, &'static str)>,
    form_name: String,
    form_email: String,
    tokens: Vec<TokenRow>,
    /// Single sign-on: whether this person may change it, what is registered, the
    /// redirect URI to give the provider, and the form's values.
    can_manage_sso: bool,
    sso: Option<SsoRow>,
    sso_redirect_uri: String,
    sso_form: SsoForm,
}

struct SsoRow {
    issuer: String,
    client_id: String,
    secret_name: String,
    domains: String,
    mfa_acr: String,
    updated: String,
}

/// What the organisation page shows besides its standing content.
#[derive(Default)]
struct OrgPageExtras {
    errors: FieldErrors,
    notice: Option<&'static str>,
    secret: Option<String>,
    form_name: String,
    form_email: String,
    /// The single sign-on form as submitted, when it was refused.
    sso_form: Option<SsoForm>,
}

async fn org_page(p: &Page, org_id: i64, extras: OrgPageExtras) -> Result<OrgPage, PageError> {
    p.authorize_object(Action::ViewOrganisation { org_id })
        .await?;
    let store = &p.state.store;
    let org = orgs::get(store, org_id).await?;
    let people = users::list_by_org(store, org_id).await?;
    p.record_view(
        AuditAction::ViewedUsers,
        "organisation",
        org_id,
        Some(org_id),
    )
    .await?;
    let en = p.tr.is_en();
    let tokens = tokens::list_by_org(store, org_id).await?;
    let people: Vec<PersonRow> = people.into_iter().map(|u| person_row(p, u)).collect();
    let without_second_factor: Vec<(i64, String)> = people
        .iter()
        .filter(|u| !u.second_factor && !u.disabled)
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let provider = sso_store::of_org(store, org_id).await?;
    let sso_form = extras.sso_form.unwrap_or_else(|| match &provider {
        Some(pr) => SsoForm {
            issuer: pr.settings.issuer.clone(),
            client_id: pr.settings.client_id.clone(),
            secret_ref: pr.settings.secret_ref.clone(),
            email_domains: pr.settings.email_domains.join(", "),
            mfa_acr: pr.settings.mfa_acr.clone().unwrap_or_default(),
        },
        None => SsoForm::default(),
    });
    let sso = provider.map(|pr| SsoRow {
        secret_name: format!("{}{}", sso::SECRET_ENV_PREFIX, pr.settings.secret_ref),
        issuer: pr.settings.issuer,
        client_id: pr.settings.client_id,
        domains: pr.settings.email_domains.join(", "),
        mfa_acr: pr.settings.mfa_acr.unwrap_or_default(),
        updated: local_time(pr.updated_at),
    });
    let without_second_factor_intro = p.tr.message(
        &Message::new("account.without_second_factor")
            .with("n", without_second_factor.len())
            .with("total", people.iter().filter(|u| !u.disabled).count()),
    );
    Ok(OrgPage {
        layout: p.layout(&org.name),
        errors: extras.errors,
        notice: extras.notice,
        secret: extras.secret,
        kind: kind_label(&p.tr, org.kind),
        is_municipality: org.kind == OrgKind::Municipality,
        mayor: org.mayor.clone().unwrap_or_default(),
        people,
        without_second_factor,
        without_second_factor_intro,
        role_options: roles_for(org.kind)
            .iter()
            .map(|r| (r.as_str(), if en { r.label_en() } else { r.label_nl() }))
            .collect(),
        form_name: extras.form_name,
        form_email: extras.form_email,
        can_manage_sso: p.may(Action::ManageSingleSignOn),
        sso,
        sso_redirect_uri: p.state.sso.redirect_url().to_string(),
        sso_form,
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                created: local_time(t.created_at),
                last_used: t
                    .last_used_at
                    .map(local_time)
                    .unwrap_or_else(|| p.tr.t("never").into()),
                status: if t.revoked_at.is_some() {
                    p.tr.t("revoked")
                } else {
                    p.tr.t("active")
                },
                active: t.revoked_at.is_none(),
                name: t.name,
                prefix: t.prefix,
            })
            .collect(),
        org,
    })
}

pub async fn show_org(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    render(&org_page(&p, id, OrgPageExtras::default()).await?)
}

#[derive(Deserialize)]
pub struct MayorForm {
    #[serde(default)]
    mayor: String,
}

pub async fn set_mayor(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<MayorForm>,
) -> Result<Response, PageError> {
    p.authorize_object(Action::ManageUsers { org_id: id })
        .await?;
    let result = org_service::set_mayor(&p.state.store, &p.ctx(), id, &f.mayor).await;
    org_page_after(&p, id, result, "mayor_saved", None).await
}

/// The organisation page after one of its forms: a refusal next to its field (422, with
/// what was typed in the single sign-on form, `sso_form`), or the page with the notice.
async fn org_page_after(
    p: &Page,
    id: i64,
    result: Result<(), ServiceError>,
    notice: &'static str,
    sso_form: Option<SsoForm>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => {
            let extras = OrgPageExtras {
                notice: Some(p.tr.t(notice)),
                ..Default::default()
            };
            render(&org_page(p, id, extras).await?)
        }
        Err(ServiceError::Invalid { field, message }) => {
            let extras = OrgPageExtras {
                errors: FieldErrors::message(&p.tr, field, &message),
                sso_form,
                ..Default::default()
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &org_page(p, id, extras).await?,
            )
        }
        Err(e) => Err(PageError(Failure::from(e))),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct SsoForm {
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    secret_ref: String,
    #[serde(default)]
    email_domains: String,
    #[serde(default)]
    mfa_acr: String,
}

/// Registers or changes the organisation's identity provider; the provider is asked for
/// its discovery document first, and a refusal keeps what was typed.
pub async fn save_sso(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<SsoForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::ManageSingleSignOn).await?;
    let input = SettingsInput {
        issuer: &f.issuer,
        client_id: &f.client_id,
        secret_ref: &f.secret_ref,
        email_domains: &f.email_domains,
        mfa_acr: &f.mfa_acr,
    };
    let result = sso::configure(&p.state.store, &p.ctx(), &p.state.sso, id, &input)
        .await
        .map(|_| ());
    org_page_after(&p, id, result, "sso_saved", Some(f)).await
}

/// Turns single sign-on off for the organisation.
pub async fn remove_sso(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::ManageSingleSignOn).await?;
    let result = sso::remove(&p.state.store, &p.ctx(), id).await.map(|_| ());
    org_page_after(&p, id, result, "sso_removed", None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn create_user(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<NewUserForm>,
) -> Result<Response, PageError> {
    p.authorize_object(Action::ManageUsers { org_id: id })
        .await?;
    let result = match Role::parse(&f.role) {
        None => Err(ServiceError::invalid(
            "role",
            Message::new("account.role_required"),
        )),
        Some(role) => match NewUser::new(&f.email, &f.name, role) {
            Ok(new) => accounts::create_user(&p.state.store, &p.ctx(), id, &new).await,
            Err(e) => Err(accounts::user_error(e)),
        },
    };
    let again = |field: &str, message: Message| OrgPageExtras {
        errors: FieldErrors::message(&p.tr, field, &message),
        form_name: f.name.clone(),
        form_email: f.email.clone(),
        ..Default::default()
    };
    match result {
        Ok(activation) => {
            let extras = OrgPageExtras {
                notice: Some(p.tr.t("user_created")),
                secret: Some(activation.link(&p.state.config.public_url)),
                ..Default::default()
            };
            render(&org_page(&p, id, extras).await?)
        }
        Err(ServiceError::Invalid { field, message }) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &org_page(&p, id, again(field, message)).await?,
        ),
        Err(ServiceError::Conflict(message)) => render_status(
            StatusCode::CONFLICT,
            &org_page(&p, id, again("email", message)).await?,
        ),
        Err(e) => Err(PageError(Failure::from(e))),
    }
}

/// Loads a person and checks that the administrator may manage them; a person of
/// another organisation looks exactly like a missing one.
async fn managed_user(p: &Page, id: i64) -> Result<users::User, PageError> {
    let user = match users::get(&p.state.store, id).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => {
            // Record the attempt like a refusal, so probing for ids leaves a trace.
            crate::web::ctx::record_denial(&p.state, &p.ctx(), &format!("ManageUsers user {id}"))
                .await;
            return Err(PageError::not_found());
        }
        Err(e) => return Err(e.into()),
    };
    p.authorize_object(Action::ManageUsers {
        org_id: user.org_id,
    })
    .await?;
    Ok(user)
}

/// A page that asks before an administrator's action that cannot be undone with one click.
#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    layout: Layout,
    title: String,
    consequence: String,
    confirm: &'static str,
    action: String,
    back: String,
    back_label: String,
}

/// Asks before `action` on `user`: the same authorisation as the action itself.
async fn confirm_user_action(
    p: &Page,
    id: i64,
    action: &str,
    label: &'static str,
    consequence: &'static str,
) -> Result<Response, PageError> {
    let user = managed_user(p, id).await?;
    let org = orgs::get(&p.state.store, user.org_id).await?;
    let title = format!("{}: {}", p.tr.t(label), user.name);
    render(&ConfirmPage {
        layout: p.layout(&title),
        consequence: p.tr.t(consequence).replace("{name}", &user.name),
        confirm: p.tr.t(label),
        title,
        action: format!("/beheer/gebruikers/{}/{action}", user.id),
        back: format!("/beheer/organisaties/{}", org.id),
        back_label: org.name,
    })
}

pub async fn confirm_reset_user(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    confirm_user_action(&p, id, "reset", "user_reset", "user_reset_consequence").await
}

pub async fn confirm_disable_user(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    confirm_user_action(
        &p,
        id,
        "blokkeren",
        "user_disable",
        "user_disable_consequence",
    )
    .await
}

pub async fn reset_user(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let user = managed_user(&p, id).await?;
    let activation = accounts::reset_user(&p.state.store, &p.ctx(), user.id).await?;
    let extras = OrgPageExtras {
        notice: Some(p.tr.t("user_reset_done")),
        secret: Some(activation.link(&p.state.config.public_url)),
        ..Default::default()
    };
    render(&org_page(&p, user.org_id, extras).await?)
}

pub async fn disable_user(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let user = managed_user(&p, id).await?;
    accounts::disable_user(&p.state.store, &p.ctx(), user.id).await?;
    let extras = OrgPageExtras {
        notice: Some(p.tr.t("user_disabled")),
        ..Default::default()
    };
    render(&org_page(&p, user.org_id, extras).await?)
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    token_name: String,
}

pub async fn create_token(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<NewTokenForm>,
) -> Result<Response, PageError> {
    p.authorize_object(Action::ManageApiTokens { org_id: id })
        .await?;
    match token_service::create(&p.state.store, &p.ctx(), id, &f.token_name).await {
        Ok((_, token)) => {
            let extras = OrgPageExtras {
                notice: Some(p.tr.t("token_created")),
                secret: Some(token),
                ..Default::default()
            };
            render(&org_page(&p, id, extras).await?)
        }
        Err(ServiceError::Invalid { message, .. }) => {
            let extras = OrgPageExtras {
                errors: FieldErrors::message(&p.tr, "token_name", &message),
                ..Default::default()
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &org_page(&p, id, extras).await?,
            )
        }
        Err(e) => Err(PageError(Failure::from(e))),
    }
}

pub async fn revoke_token(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let token = match tokens::get(&p.state.store, id).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return Err(PageError::not_found()),
        Err(e) => return Err(e.into()),
    };
    p.authorize_object(Action::ManageApiTokens {
        org_id: token.org_id,
    })
    .await?;
    match token_service::revoke(&p.state.store, &p.ctx(), &token).await {
        Ok(()) | Err(ServiceError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let extras = OrgPageExtras {
        notice: Some(p.tr.t("token_revoked")),
        ..Default::default()
    };
    render(&org_page(&p, token.org_id, extras).await?)
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    layout: Layout,
    errors: FieldErrors,
    done: Option<&'static str>,
    u: PersonRow,
    org: Organisation,
    role_value: &'static str,
    role_options: Vec<(&'static str, &'static str)>,
    created: String,
}

#[derive(Deserialize, Default)]
pub struct UserQuery {
    /// What was just done (`rol`, `deblokkeerd`), said at the top of the page.
    #[serde(default)]
    gedaan: String,
}

async fn user_page(
    p: &Page,
    id: i64,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<UserPage, PageError> {
    let user = managed_user(p, id).await?;
    let org = orgs::get(&p.state.store, user.org_id).await?;
    p.record_view(AuditAction::ViewedUsers, "user", user.id, Some(user.org_id))
        .await?;
    let en = p.tr.is_en();
    Ok(UserPage {
        layout: p.layout(&user.name),
        errors,
        done,
        role_value: user.role.as_str(),
        role_options: roles_for(org.kind)
            .iter()
            .map(|r| (r.as_str(), if en { r.label_en() } else { r.label_nl() }))
            .collect(),
        created: local_time(user.created_at),
        u: person_row(p, user),
        org,
    })
}

/// One person as the administrator's pages show them.
fn person_row(p: &Page, u: users::User) -> PersonRow {
    let en = p.tr.is_en();
    PersonRow {
        id: u.id,
        role: if en {
            u.role.label_en()
        } else {
            u.role.label_nl()
        },
        status: if en {
            u.status.label_en()
        } else {
            u.status.label_nl()
        },
        second_factor: u.has_second_factor(),
        disabled: u.status == UserStatus::Disabled,
        is_self: u.id == p.user.id,
        name: u.name,
        email: u.email,
    }
}

/// A person's page for administrators: who they are, their role (to change), and the
/// actions on their account.
pub async fn show_user(
    p: Page,
    Path(id): Path<i64>,
    Query(q): Query<UserQuery>,
) -> Result<Response, PageError> {
    let done = match q.gedaan.as_str() {
        "rol" => Some(p.tr.t("user_role_changed")),
        "deblokkeerd" => Some(p.tr.t("user_enabled")),
        _ => None,
    };
    render(&user_page(&p, id, FieldErrors::default(), done).await?)
}

#[derive(Deserialize, Default)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// The page again with the refusal on `field`, or the failure as it is.
async fn user_refused(p: &Page, id: i64, e: ServiceError) -> Result<Response, PageError> {
    match e {
        ServiceError::Invalid { field, message } => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &user_page(p, id, FieldErrors::message(&p.tr, field, &message), None).await?,
        ),
        e => Err(PageError(Failure::from(e))),
    }
}

pub async fn change_role(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, PageError> {
    let user = managed_user(&p, id).await?;
    let result = match Role::parse(&f.role) {
        None => Err(ServiceError::invalid(
            "role",
            Message::new("account.role_required"),
        )),
        Some(role) => accounts::change_role(&p.state.store, &p.ctx(), user.id, role).await,
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/beheer/gebruikers/{id}?gedaan=rol")).into_response()),
        Err(e) => user_refused(&p, id, e).await,
    }
}

pub async fn enable_user(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let user = managed_user(&p, id).await?;
    match accounts::enable_user(&p.state.store, &p.ctx(), user.id).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/beheer/gebruikers/{id}?gedaan=deblokkeerd")).into_response(),
        ),
        Err(e) => user_refused(&p, id, e).await,
    }
}
