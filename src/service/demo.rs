//! Demo data: the municipality list, a central team, a police unit and one account per
//! role, each with a known password (and TOTP secret for staff), printed at start.

use rand::rngs::OsRng;
use serde_json::json;

use super::{orgs as org_service, Ctx, Result};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::credentials::{hash_password, new_recovery_codes, sha256_hex};
use crate::domain::org::{NewOrganisation, OrgKind};
use crate::domain::user::{NewUser, Role};
use crate::store::{audit, orgs, users, Store};

/// The password of every demo account. Demo databases are for trying meldpunt only.
pub const DEMO_PASSWORD: &str = "meldpunt-demo-2026";

/// One TOTP secret shared by the demo staff accounts, so one authenticator entry
/// (or `meldpunt totp-code`) serves them all.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub org_code: &'static str,
}

pub const DEMO_ACCOUNTS: [DemoAccount; 7] = [
    DemoAccount {
        email: "melder@amsterdam.demo",
        name: "Mila de Vries",
        role: Role::Reporter,
        org_code: "GM0363",
    },
    DemoAccount {
        email: "melder@rotterdam.demo",
        name: "Ruben Jansen",
        role: Role::Reporter,
        org_code: "GM0599",
    },
    DemoAccount {
        email: "analist@meldpunt.demo",
        name: "Anouk Bakker",
        role: Role::Analyst,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "supervisor@meldpunt.demo",
        name: "Sander Visser",
        role: Role::Supervisor,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "auditor@meldpunt.demo",
        name: "Aylin Yilmaz",
        role: Role::Auditor,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "beheer@meldpunt.demo",
        name: "Bram Smit",
        role: Role::Administrator,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "beheer@amsterdam.demo",
        name: "Fatima El Amrani",
        role: Role::Administrator,
        org_code: "GM0363",
    },
];

/// Seeds demo data when the database has no people yet; returns false when it had.
pub async fn seed(store: &Store, ctx: &Ctx) -> Result<bool> {
    if users::count(store).await? > 0 {
        return Ok(false);
    }
    org_service::import_municipalities(store, ctx).await?;
    let mut tx = store.begin_write().await?;
    for (kind, code, name) in [
        (
            OrgKind::CentralTeam,
            "MELDPUNT",
            "Meldpunt openbare orde (demo)",
        ),
        (
            OrgKind::PoliceUnit,
            "POL-AMS",
            "Politie-eenheid Amsterdam (demo)",
        ),
    ] {
        let org = NewOrganisation::new(kind, code, name, None)
            .map_err(|e| super::ServiceError::invalid("code", e.to_string()))?;
        if orgs::by_code(store, code).await.is_err() {
            let id = orgs::insert(&mut tx, &org, ctx.now).await?;
            let event = ctx.event(
                AuditAction::OrganisationCreated,
                "organisation",
                id,
                Some(id),
                Outcome::Success,
                json!({"code": code, "kind": kind.as_str(), "name": name, "demo": true}),
            );
            audit::append(&mut tx, &event, ctx.now).await?;
        }
    }
    tx.commit().await?;
    let mut tx = store.begin_write().await?;
    // Fictional mayors: demo data never names real people.
    for (code, mayor) in [
        ("GM0363", "J. de Vries (demo)"),
        ("GM0599", "M. Bakker (demo)"),
    ] {
        let org = orgs::by_code(store, code).await?;
        orgs::set_mayor(&mut tx, org.id, Some(mayor)).await?;
        let event = ctx.event(
            AuditAction::OrganisationUpdated,
            "organisation",
            org.id,
            Some(org.id),
            Outcome::Success,
            json!({"mayor": mayor, "demo": true}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
    }
    let password_hash = hash_password(DEMO_PASSWORD, &mut OsRng);
    for a in DEMO_ACCOUNTS.iter() {
        let org = orgs::by_code(store, a.org_code).await?;
        let new = NewUser::new(a.email, a.name, a.role)
            .map_err(|e| super::ServiceError::invalid("email", e.to_string()))?;
        let activation = sha256_hex(a.email);
        users::insert(&mut tx, org.id, &new, &activation, ctx.now + 1, ctx.now).await?;
        let id = users::activate(&mut tx, &activation, &password_hash, ctx.now).await?;
        if a.role.requires_second_factor() {
            let codes: Vec<String> = new_recovery_codes(&mut OsRng)
                .iter()
                .map(|c| sha256_hex(c))
                .collect();
            users::enrol_second_factor(&mut tx, id, DEMO_TOTP_SECRET, 0, &codes).await?;
        }
        let event = ctx.event(
            AuditAction::UserCreated,
            "user",
            id,
            Some(org.id),
            Outcome::Success,
            json!({"email": a.email, "role": a.role.as_str(), "demo": true}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
    }
    let event = ctx.event(
        AuditAction::DemoSeeded,
        "database",
        "demo",
        None,
        Outcome::Success,
        json!({"accounts": DEMO_ACCOUNTS.len()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(true)
}
