//! Administration of notices: the platform directory and the notice settings.

use crate::web::extract::{Path, Query};
use crate::web::i18n::Tr;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::render_status;
use crate::domain::assessment::DecisionRefused;
use crate::domain::notice::ContactChannel;
use crate::domain::platform::PlatformEntry;
use crate::domain::policy::Action;
use crate::service::notice_setup::{self, PlatformForm, SettingsForm};
use crate::service::ServiceError;
use crate::store::platforms::{self, NoticeSettings};
use crate::store::StoreError;
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::{local_time, Layout};

pub struct PlatformRow {
    id: i64,
    name: String,
    hosts: String,
    channel: &'static str,
    contact: String,
    configured: bool,
    updated: String,
}

/// The notice settings' three jobs, each on its own page with the same sub-navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Who messages come from, and the addresses besides the platforms'.
    Sender,
    /// What a removal order (DSA art. 9) needs before one can be given.
    Orders,
    /// The platform directory: points of contact.
    Platforms,
}

impl Section {
    const ALL: [Section; 3] = [Section::Sender, Section::Orders, Section::Platforms];

    fn href(self) -> &'static str {
        match self {
            Section::Sender => "/beheer/berichten",
            Section::Orders => "/beheer/berichten/bevelen",
            Section::Platforms => "/beheer/platforms",
        }
    }

    fn label_key(self) -> &'static str {
        match self {
            Section::Sender => "setup_sender",
            Section::Orders => "setup_orders",
            Section::Platforms => "platforms",
        }
    }
}

#[derive(Template)]
#[template(path = "admin_notices.html")]
struct SetupPage {
    layout: Layout,
    section: Section,
    /// The sub-navigation: label, link, current.
    sections: Vec<(&'static str, &'static str, bool)>,
    errors: FieldErrors,
    /// What was just saved, said at the top of the page it was saved on.
    saved: Option<String>,
    /// The platform just saved (its row is marked).
    saved_platform: Option<i64>,
    s: NoticeSettings,
    art9_available: bool,
    art9_unavailable: String,
    rows: Vec<PlatformRow>,
    /// The platforms no message can go to yet.
    missing: Vec<String>,
    f: PlatformFormView,
    channels: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "admin_platform.html")]
struct PlatformPage {
    layout: Layout,
    errors: FieldErrors,
    id: i64,
    f: PlatformFormView,
    channels: Vec<(&'static str, &'static str)>,
}

/// The platform form's values, for showing again.
#[derive(Default, Clone)]
pub struct PlatformFormView {
    name: String,
    hosts: String,
    channel: String,
    contact_email: String,
    web_form_url: String,
    languages: String,
    notes: String,
}

impl PlatformFormView {
    fn of(e: &PlatformEntry) -> PlatformFormView {
        PlatformFormView {
            name: e.name.clone(),
            hosts: e.hosts.clone(),
            channel: e.channel.as_str().into(),
            contact_email: e.contact_email.clone().unwrap_or_default(),
            web_form_url: e.web_form_url.clone().unwrap_or_default(),
            languages: e.languages.clone(),
            notes: e.notes.clone().unwrap_or_default(),
        }
    }
}

fn channels(en: bool) -> Vec<(&'static str, &'static str)> {
    ContactChannel::ALL
        .iter()
        .map(|c| (c.as_str(), c.label(en)))
        .collect()
}

async fn setup_page(
    p: &Page,
    section: Section,
    errors: FieldErrors,
    saved: Option<String>,
    s: Option<NoticeSettings>,
    new: PlatformFormView,
) -> Result<SetupPage, PageError> {
    let en = p.tr.is_en();
    let s = match s {
        Some(s) => s,
        None => platforms::settings(&p.state.store).await?,
    };
    let rows: Vec<PlatformRow> = platforms::list(&p.state.store)
        .await?
        .into_iter()
        .map(|e| PlatformRow {
            // The rule approval applies: a message can go there.
            configured: crate::service::notices::contact_point_problem(Some(&e), &e.name).is_none(),
            contact: match e.channel {
                ContactChannel::Email => e.contact_email.clone().unwrap_or_default(),
                ContactChannel::WebForm => e.web_form_url.clone().unwrap_or_default(),
                ContactChannel::Unconfigured => String::new(),
            },
            id: e.id,
            name: e.name,
            hosts: e.hosts,
            channel: e.channel.label(en),
            updated: if e.updated_at > 0 {
                local_time(e.updated_at)
            } else {
                String::new()
            },
        })
        .collect();
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| !r.configured)
        .map(|r| r.name.clone())
        .collect();
    Ok(SetupPage {
        saved_platform: None,
        section,
        sections: Section::ALL
            .iter()
            .map(|x| (p.tr.t(x.label_key()), x.href(), *x == section))
            .collect(),
        missing,
        layout: p.layout(&format!(
            "{} — {}",
            p.tr.t(section.label_key()),
            p.tr.t("notice_setup")
        )),
        errors,
        saved,
        art9_available: crate::service::notices::options(&s).art9_available,
        art9_unavailable: p.tr.message(&DecisionRefused::Art9Unavailable.message()),
        s,
        rows,
        f: new,
        channels: channels(en),
    })
}

#[derive(Deserialize, Default)]
pub struct SetupQuery {
    /// Set after a save: `1` for settings, a platform's id for a platform.
    #[serde(default)]
    opgeslagen: Option<String>,
}

fn new_platform() -> PlatformFormView {
    PlatformFormView {
        channel: ContactChannel::Unconfigured.as_str().into(),
        languages: "nl en".into(),
        ..Default::default()
    }
}

async fn show_section(p: Page, section: Section, q: SetupQuery) -> Result<Response, PageError> {
    p.authorize(Action::ManageNoticeSetup).await?;
    let mut saved_platform = None;
    let saved = match (section, q.opgeslagen) {
        (_, None) => None,
        // A platform's id: its name in the message and its row marked (an unknown id, as in
        // an old bookmark, says nothing).
        (Section::Platforms, Some(id)) => match id.parse::<i64>() {
            Ok(id) => match platforms::get(&p.state.store, id).await {
                Ok(e) => {
                    saved_platform = Some(id);
                    Some(format!("{}: {}", e.name, p.tr.t("saved")))
                }
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            Err(_) => None,
        },
        (_, Some(_)) => Some(p.tr.t("saved").to_string()),
    };
    let mut page = setup_page(
        &p,
        section,
        FieldErrors::default(),
        saved,
        None,
        new_platform(),
    )
    .await?;
    page.saved_platform = saved_platform;
    render_status(StatusCode::OK, &page)
}

/// Who messages come from.
pub async fn show(p: Page, Query(q): Query<SetupQuery>) -> Result<Response, PageError> {
    show_section(p, Section::Sender, q).await
}

/// What a removal order needs.
pub async fn show_orders(p: Page, Query(q): Query<SetupQuery>) -> Result<Response, PageError> {
    show_section(p, Section::Orders, q).await
}

/// The platform directory.
pub async fn show_platforms(p: Page, Query(q): Query<SetupQuery>) -> Result<Response, PageError> {
    show_section(p, Section::Platforms, q).await
}

/// The settings a page's form sends: each page sends its own fields, and what it does not
/// send keeps its current value.
#[derive(Deserialize, Default)]
pub struct SettingsInput {
    #[serde(default)]
    sender_name: Option<String>,
    #[serde(default)]
    sender_email: Option<String>,
    #[serde(default)]
    trusted_flagger: Option<String>,
    #[serde(default)]
    police_email: Option<String>,
    #[serde(default)]
    art9_legal_basis: Option<String>,
    #[serde(default)]
    art9_authority: Option<String>,
    #[serde(default)]
    art9_redress_platform: Option<String>,
    #[serde(default)]
    art9_redress_poster: Option<String>,
    #[serde(default)]
    independence_statement: Option<String>,
}

fn field_errors(tr: &Tr, e: ServiceError) -> Result<FieldErrors, PageError> {
    match e {
        ServiceError::Rejected(list) => Ok(FieldErrors::rejected(tr, &list)),
        e => Err(e.into()),
    }
}

/// Saves the sender page's settings (the trusted-flagger box belongs to it).
pub async fn save_settings(p: Page, Form(f): Form<SettingsInput>) -> Result<Response, PageError> {
    save_section(p, Section::Sender, f).await
}

/// Saves the removal-order page's settings.
pub async fn save_orders(p: Page, Form(f): Form<SettingsInput>) -> Result<Response, PageError> {
    save_section(p, Section::Orders, f).await
}

async fn save_section(p: Page, section: Section, f: SettingsInput) -> Result<Response, PageError> {
    p.authorize(Action::ManageNoticeSetup).await?;
    let current = platforms::settings(&p.state.store).await?;
    let or = |sent: Option<String>, now: Option<String>| sent.or(now).unwrap_or_default();
    let form = SettingsForm {
        sender_name: f.sender_name.unwrap_or(current.sender_name),
        sender_email: f.sender_email.unwrap_or(current.sender_email),
        // A checkbox sends nothing when unticked: only the page that shows it decides.
        trusted_flagger: match section {
            Section::Sender => f.trusted_flagger.is_some(),
            _ => current.trusted_flagger,
        },
        police_email: or(f.police_email, current.police_email),
        art9_legal_basis: or(f.art9_legal_basis, current.art9_legal_basis),
        art9_authority: or(f.art9_authority, current.art9_authority),
        art9_redress_platform: or(f.art9_redress_platform, current.art9_redress_platform),
        art9_redress_poster: or(f.art9_redress_poster, current.art9_redress_poster),
        independence_statement: or(f.independence_statement, current.independence_statement),
    };
    match notice_setup::save_settings(&p.state.store, &p.ctx(), &form).await {
        Ok(()) => Ok(Redirect::to(&format!("{}?opgeslagen=1", section.href())).into_response()),
        Err(e) => {
            let errors = field_errors(&p.tr, e)?;
            let shown = NoticeSettings {
                sender_name: form.sender_name,
                sender_email: form.sender_email,
                trusted_flagger: form.trusted_flagger,
                art9_legal_basis: Some(form.art9_legal_basis),
                art9_authority: Some(form.art9_authority),
                art9_redress_platform: Some(form.art9_redress_platform),
                art9_redress_poster: Some(form.art9_redress_poster),
                police_email: Some(form.police_email),
                independence_statement: Some(form.independence_statement),
                updated_at: 0,
                updated_by: None,
            };
            let page = setup_page(
                &p,
                section,
                errors,
                None,
                Some(shown),
                PlatformFormView::default(),
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct PlatformInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    hosts: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    web_form_url: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    notes: String,
}

impl PlatformInput {
    fn form(&self) -> PlatformForm {
        PlatformForm {
            name: self.name.clone(),
            hosts: self.hosts.clone(),
            channel: self.channel.clone(),
            contact_email: self.contact_email.clone(),
            web_form_url: self.web_form_url.clone(),
            languages: self.languages.clone(),
            notes: self.notes.clone(),
        }
    }

    fn view(self) -> PlatformFormView {
        PlatformFormView {
            name: self.name,
            hosts: self.hosts,
            channel: self.channel,
            contact_email: self.contact_email,
            web_form_url: self.web_form_url,
            languages: self.languages,
            notes: self.notes,
        }
    }
}

pub async fn add_platform(p: Page, Form(f): Form<PlatformInput>) -> Result<Response, PageError> {
    p.authorize(Action::ManageNoticeSetup).await?;
    match notice_setup::save_platform(&p.state.store, &p.ctx(), None, &f.form()).await {
        Ok(id) => Ok(Redirect::to(&format!("/beheer/platforms?opgeslagen={id}")).into_response()),
        Err(e) => {
            let errors = field_errors(&p.tr, e)?;
            let page = setup_page(&p, Section::Platforms, errors, None, None, f.view()).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn load(p: &Page, id: i64) -> Result<PlatformEntry, PageError> {
    platforms::get(&p.state.store, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => PageError::not_found(),
            e => e.into(),
        })
}

pub async fn show_platform(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    p.authorize(Action::ManageNoticeSetup).await?;
    let e = load(&p, id).await?;
    let page = PlatformPage {
        layout: p.layout(&e.name),
        errors: FieldErrors::default(),
        id,
        f: PlatformFormView::of(&e),
        channels: channels(p.tr.is_en()),
    };
    render_status(StatusCode::OK, &page)
}

pub async fn save_platform(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<PlatformInput>,
) -> Result<Response, PageError> {
    p.authorize(Action::ManageNoticeSetup).await?;
    load(&p, id).await?;
    match notice_setup::save_platform(&p.state.store, &p.ctx(), Some(id), &f.form()).await {
        Ok(_) => Ok(Redirect::to(&format!("/beheer/platforms?opgeslagen={id}")).into_response()),
        Err(e) => {
            let errors = field_errors(&p.tr, e)?;
            let page = PlatformPage {
                layout: p.layout(&f.name),
                errors,
                id,
                f: f.view(),
                channels: channels(p.tr.is_en()),
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
