//! The administrator's part of notices: the platform directory and the notice settings.

use crate::domain::message::Message;
use serde_json::json;

use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::notice::ContactChannel;
use crate::domain::report::FieldError;
use crate::store::platforms::{self, NoticeSettings, PlatformChange};
use crate::store::{audit, Store, StoreError};

fn err(field: &str, message: Message) -> FieldError {
    FieldError {
        field: field.into(),
        message,
    }
}

fn valid_email(s: &str) -> bool {
    s.parse::<lettre::Address>().is_ok()
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A platform entry as typed in.
#[derive(Debug, Clone, Default)]
pub struct PlatformForm {
    pub name: String,
    pub hosts: String,
    pub channel: String,
    pub contact_email: String,
    pub web_form_url: String,
    pub languages: String,
    pub notes: String,
}

/// Checks an entry; names every broken field.
pub fn check_platform(f: &PlatformForm) -> std::result::Result<PlatformChange, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = f.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(err("name", Message::new("platform.name_required")));
    }
    let mut hosts: Vec<String> = Vec::new();
    for h in f
        .hosts
        .split([' ', ',', '\n', '\r', '\t'])
        .map(|h| h.trim().trim_start_matches("www.").to_lowercase())
        .filter(|h| !h.is_empty())
    {
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    let host_ok = |h: &String| {
        h.contains('.')
            && h.len() <= 253
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    if hosts.is_empty() || !hosts.iter().all(host_ok) {
        errors.push(err("hosts", Message::new("platform.hosts_required")));
    }
    let channel = ContactChannel::parse(f.channel.trim());
    let contact_email = optional(&f.contact_email);
    let web_form_url = optional(&f.web_form_url);
    match channel {
        None => errors.push(err("channel", Message::new("platform.channel_required"))),
        Some(ContactChannel::Email) if !contact_email.as_deref().is_some_and(valid_email) => errors
            .push(err(
                "contact_email",
                Message::new("platform.contact_email_required"),
            )),
        Some(ContactChannel::WebForm)
            if !web_form_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://") && u.len() <= 500) =>
        {
            errors.push(err(
                "web_form_url",
                Message::new("platform.web_form_url_required"),
            ))
        }
        _ => {}
    }
    if contact_email.as_deref().is_some_and(|m| !valid_email(m)) {
        errors.push(err("contact_email", Message::new("field.email_invalid")));
    }
    let languages: Vec<String> = f
        .languages
        .split([' ', ','])
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    if languages.is_empty()
        || !languages
            .iter()
            .all(|l| l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()))
    {
        errors.push(err(
            "languages",
            Message::new("platform.languages_required"),
        ));
    }
    if f.notes.chars().count() > 2000 {
        errors.push(err("notes", Message::new("field.max_2000")));
    }
    match (errors.is_empty(), channel) {
        (true, Some(channel)) => Ok(PlatformChange {
            name,
            hosts: hosts.join(" "),
            channel,
            contact_email,
            web_form_url,
            languages: languages.join(" "),
            notes: optional(&f.notes),
        }),
        _ => Err(errors),
    }
}

/// Changes a platform entry (`id`) or adds one (`None`). Returns its id.
pub async fn save_platform(
    store: &Store,
    ctx: &Ctx,
    id: Option<i64>,
    form: &PlatformForm,
) -> Result<i64> {
    let by = ctx.actor_user_id.ok_or(ServiceError::NotFound)?;
    let change = check_platform(form).map_err(ServiceError::Rejected)?;
    let mut tx = store.begin_write().await?;
    let id = match id {
        Some(id) => {
            platforms::update(&mut tx, id, &change, by, ctx.now)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => ServiceError::NotFound,
                    e => e.into(),
                })?;
            id
        }
        None => {
            let key: String = change
                .name
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            platforms::insert(&mut tx, &format!("custom-{key}"), &change, by, ctx.now)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict => ServiceError::Rejected(vec![err(
                        "name",
                        Message::new("platform.name_taken"),
                    )]),
                    e => e.into(),
                })?
        }
    };
    let event = ctx.event(
        AuditAction::PlatformUpdated,
        "platform",
        id,
        None,
        Outcome::Success,
        json!({"name": change.name, "channel": change.channel.as_str(),
               "contact_email": change.contact_email, "web_form_url": change.web_form_url,
               "hosts": change.hosts}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The notice settings as typed in.
#[derive(Debug, Clone, Default)]
pub struct SettingsForm {
    pub sender_name: String,
    pub sender_email: String,
    pub trusted_flagger: bool,
    pub police_email: String,
    pub art9_legal_basis: String,
    pub art9_authority: String,
    pub art9_redress_platform: String,
    pub art9_redress_poster: String,
    /// The year report's explanation of how the team stays independent.
    pub independence_statement: String,
}

/// The longest explanation of independence the year report prints.
pub const INDEPENDENCE_MAX_CHARS: usize = 10_000;

pub async fn save_settings(store: &Store, ctx: &Ctx, f: &SettingsForm) -> Result<()> {
    let mut errors = Vec::new();
    let sender_name = f.sender_name.trim().to_string();
    if sender_name.is_empty() || sender_name.chars().count() > 200 {
        errors.push(err(
            "sender_name",
            Message::new("settings.sender_name_required"),
        ));
    }
    let sender_email = f.sender_email.trim().to_string();
    if !valid_email(&sender_email) {
        errors.push(err(
            "sender_email",
            Message::new("settings.sender_email_required"),
        ));
    }
    let police_email = optional(&f.police_email);
    if police_email.as_deref().is_some_and(|m| !valid_email(m)) {
        errors.push(err("police_email", Message::new("field.email_invalid")));
    }
    let basis = optional(&f.art9_legal_basis);
    let authority = optional(&f.art9_authority);
    let redress_platform = optional(&f.art9_redress_platform);
    let redress_poster = optional(&f.art9_redress_poster);
    if basis.is_some() {
        for (field, v, key) in [
            (
                "art9_authority",
                &authority,
                "settings.art9_authority_required",
            ),
            (
                "art9_redress_platform",
                &redress_platform,
                "settings.art9_redress_platform_required",
            ),
            (
                "art9_redress_poster",
                &redress_poster,
                "settings.art9_redress_poster_required",
            ),
        ] {
            if v.is_none() {
                errors.push(err(field, Message::new(key)));
            }
        }
    }
    for (field, v) in [
        ("art9_legal_basis", &basis),
        ("art9_authority", &authority),
        ("art9_redress_platform", &redress_platform),
        ("art9_redress_poster", &redress_poster),
    ] {
        if v.as_deref().is_some_and(|x| x.chars().count() > 1000) {
            errors.push(err(field, Message::new("field.max_1000")));
        }
    }
    let independence_statement = optional(&f.independence_statement);
    if independence_statement
        .as_deref()
        .is_some_and(|x| x.chars().count() > INDEPENDENCE_MAX_CHARS)
    {
        errors.push(err(
            "independence_statement",
            Message::new("settings.independence_too_long"),
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Rejected(errors));
    }
    let mut tx = store.begin_write().await?;
    let before = platforms::settings_in(&mut tx).await?;
    let s = NoticeSettings {
        sender_name,
        sender_email,
        trusted_flagger: f.trusted_flagger,
        art9_legal_basis: basis,
        art9_authority: authority,
        art9_redress_platform: redress_platform,
        art9_redress_poster: redress_poster,
        police_email,
        independence_statement,
        updated_at: ctx.now,
        updated_by: ctx.actor_user_id,
    };
    platforms::save_settings(&mut tx, &s, ctx.actor_user_id, ctx.now).await?;
    let event = ctx.event(
        AuditAction::NoticeSettingsUpdated,
        "notice_settings",
        1,
        None,
        Outcome::Success,
        json!({"sender_email": s.sender_email, "trusted_flagger": s.trusted_flagger,
               "art9_configured": s.art9_legal_basis.is_some(),
               "art9_was_configured": before.art9_legal_basis.is_some(),
               "police_email": s.police_email,
               "independence_statement_changed": s.independence_statement != before.independence_statement}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PlatformForm {
        PlatformForm {
            name: "TikTok".into(),
            hosts: "tiktok.com, www.tiktok.com".into(),
            channel: "email".into(),
            contact_email: "dsa-contact@tiktok.example".into(),
            languages: "nl en".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_email_channel_needs_an_address_and_a_web_form_an_https_url() {
        let ok = check_platform(&form()).unwrap();
        assert_eq!(ok.hosts, "tiktok.com");
        let mut f = form();
        f.contact_email.clear();
        let e = check_platform(&f).unwrap_err();
        assert_eq!(e[0].field, "contact_email");
        f.channel = "web-form".into();
        f.web_form_url = "http://x".into();
        assert_eq!(check_platform(&f).unwrap_err()[0].field, "web_form_url");
        f.web_form_url = "https://www.tiktok.com/legal/report".into();
        assert_eq!(check_platform(&f).unwrap().channel, ContactChannel::WebForm);
        f.channel = "unconfigured".into();
        assert!(check_platform(&f).is_ok());
    }

    #[test]
    fn hosts_and_languages_are_checked() {
        let mut f = form();
        f.hosts = "not a host!".into();
        f.languages = "dutch".into();
        let fields: Vec<String> = check_platform(&f)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["hosts", "languages"]);
    }
}
