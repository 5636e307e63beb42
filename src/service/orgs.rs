//! Organisations: adding one, importing the official municipality list.

use serde_json::json;

use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::org::{mayor_name, municipalities_2025, NewOrganisation, OrgError};
use crate::store::{audit, orgs, Store, StoreError};

pub async fn create(store: &Store, ctx: &Ctx, org: &NewOrganisation) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let id = match orgs::insert(&mut tx, org, ctx.now).await {
        Ok(id) => id,
        Err(StoreError::Conflict) => {
            return Err(ServiceError::Conflict(format!(
                "Er bestaat al een organisatie met code {}.",
                org.code
            )))
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
        .map_err(|e| ServiceError::invalid("file", e))?
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

/// The form field and Dutch message for an organisation that breaks a rule.
pub fn org_error(e: OrgError) -> ServiceError {
    let (field, message) = match e {
        OrgError::InvalidCbsCode => (
            "code",
            "Vul de CBS-code van de gemeente in, bijvoorbeeld GM0363.",
        ),
        OrgError::InvalidCode => (
            "code",
            "Vul een code in van 2 tot 20 letters, cijfers of streepjes, bijvoorbeeld POL-AMS. \
             Alleen gemeenten hebben een code die met GM begint.",
        ),
        OrgError::InvalidName => (
            "name",
            "Vul de naam van de organisatie in (hoogstens 200 tekens).",
        ),
        OrgError::InvalidMayor => (
            "mayor",
            "De naam van de burgemeester is te lang (hoogstens 200 tekens).",
        ),
    };
    ServiceError::invalid(field, message)
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
