//! Organisations: adding one, importing the official municipality list.

use serde_json::json;

use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::message::Message;
use crate::domain::org::{mayor_name, municipalities_2025, NewOrganisation, OrgError};
use crate::store::{audit, orgs, Store, StoreError};

pub async fn create(store: &Store, ctx: &Ctx, org: &NewOrganisation) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let id = match orgs::insert(&mut tx, org, ctx.now).await {
        Ok(id) => id,
        Err(StoreError::Conflict) => {
            return Err(ServiceError::Conflict(
                Message::new("org.code_taken").with("code", &org.code),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let event = ctx.event(
        AuditAction::OrganisationCreated,
        "organisation",
        id,
        Some(id),
        Outcome::Success,
        json!({"code": org.code.as_str(), "kind": org.kind.as_str(), "name": org.name}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Loads all 342 municipalities of 2025; existing ones are left untouched, so running
/// it again changes nothing (and records nothing).
pub async fn import_municipalities(store: &Store, ctx: &Ctx) -> Result<usize> {
    let list: Vec<NewOrganisation> = municipalities_2025()
        .map_err(|e| {
            ServiceError::invalid("file", Message::new("org.list_broken").with("detail", e))
        })?
        .into_iter()
        .map(NewOrganisation::from)
        .collect();
    let mut tx = store.begin_write().await?;
    let added = orgs::insert_missing(&mut tx, &list, ctx.now).await?;
    if added > 0 {
        let event = ctx.event(
            AuditAction::MunicipalitiesImported,
            "organisation",
            "gemeenten-2025",
            None,
            Outcome::Success,
            json!({"added": added, "source": "CBS Gebiedsindelingen 2025"}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
    }
    tx.commit().await?;
    Ok(added)
}

/// The form field and message for an organisation that breaks a rule.
pub fn org_error(e: OrgError) -> ServiceError {
    let (field, key) = match e {
        OrgError::InvalidCbsCode => ("code", "org.cbs_code_invalid"),
        OrgError::InvalidCode => ("code", "org.code_invalid"),
        OrgError::InvalidName => ("name", "org.name_invalid"),
        OrgError::InvalidMayor => ("mayor", "org.mayor_too_long"),
    };
    ServiceError::invalid(field, Message::new(key))
}

/// Sets (or, with an empty name, clears) the mayor of an organisation.
pub async fn set_mayor(store: &Store, ctx: &Ctx, org_id: i64, raw: &str) -> Result<()> {
    let mayor = mayor_name(Some(raw)).map_err(org_error)?;
    let mayor = mayor.as_deref();
    let mut tx = store.begin_write().await?;
    orgs::set_mayor(&mut tx, org_id, mayor)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ServiceError::NotFound,
            e => e.into(),
        })?;
    let event = ctx.event(
        AuditAction::OrganisationUpdated,
        "organisation",
        org_id,
        Some(org_id),
        Outcome::Success,
        json!({"mayor": mayor}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}
