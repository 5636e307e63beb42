//! The one authorisation policy: who may do what to which object.
//!
//! Every page and API handler asks this module; no handler decides on its own.
//! The web layer turns a denial of an object-level action into "not found", so a
//! denial never reveals whether the object exists.

use super::org::OrgKind;
use super::user::Role;

/// Who is acting: a signed-in person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub org_id: i64,
    pub org_kind: OrgKind,
    pub role: Role,
}

/// Everything a person can ask to do. Object-level actions carry the object's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewStartPage,
    ViewOwnAccount,
    ChangeOwnAccount,
    ListOrganisations,
    CreateOrganisation,
    ImportMunicipalities,
    /// See an organisation's details and people.
    ViewOrganisation {
        org_id: i64,
    },
    /// Add, reset and disable people of an organisation.
    ManageUsers {
        org_id: i64,
    },
    /// Create and revoke API tokens of an organisation.
    ManageApiTokens {
        org_id: i64,
    },
    ViewAuditTrail,
    ExportAuditTrail,
}

/// The request was refused. Deliberately carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not allowed")]
pub struct Denied;

/// Which audit entries an auditor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    /// The whole trail (auditors of the central team).
    All,
    /// Only entries about this organisation (auditors of other organisations).
    Organisation(i64),
}

impl Actor {
    fn is_central(&self) -> bool {
        self.org_kind == OrgKind::CentralTeam
    }

    fn administers(&self, org_id: i64) -> bool {
        self.role == Role::Administrator && (self.is_central() || self.org_id == org_id)
    }
}

/// Decides whether `actor` may perform `action`.
pub fn authorize(actor: &Actor, action: Action) -> Result<(), Denied> {
    let allowed = match action {
        Action::ViewStartPage | Action::ViewOwnAccount | Action::ChangeOwnAccount => true,
        Action::ListOrganisations | Action::CreateOrganisation | Action::ImportMunicipalities => {
            actor.role == Role::Administrator && actor.is_central()
        }
        Action::ViewOrganisation { org_id }
        | Action::ManageUsers { org_id }
        | Action::ManageApiTokens { org_id } => actor.administers(org_id),
        Action::ViewAuditTrail | Action::ExportAuditTrail => actor.role == Role::Auditor,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied)
    }
}

/// The part of the audit trail an actor may read, if any.
pub fn audit_scope(actor: &Actor) -> Result<AuditScope, Denied> {
    authorize(actor, Action::ViewAuditTrail)?;
    Ok(if actor.is_central() {
        AuditScope::All
    } else {
        AuditScope::Organisation(actor.org_id)
    })
}

/// Which roles an administrator may hand out in an organisation of this kind.
/// Municipalities have reporters (and their own administrator); the central team has
/// analysts, supervisors, auditors and administrators; police units have auditors and
/// administrators only until later features give them a task.
pub fn roles_for(kind: OrgKind) -> &'static [Role] {
    match kind {
        OrgKind::Municipality => &[Role::Reporter, Role::Administrator, Role::Auditor],
        OrgKind::PoliceUnit => &[Role::Administrator, Role::Auditor],
        OrgKind::CentralTeam => &[
            Role::Analyst,
            Role::Supervisor,
            Role::Auditor,
            Role::Administrator,
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(kind: OrgKind, role: Role) -> Actor {
        Actor {
            user_id: 1,
            org_id: 10,
            org_kind: kind,
            role,
        }
    }

    const OWN: i64 = 10;
    const FOREIGN: i64 = 20;

    #[test]
    fn only_central_administrators_manage_the_organisation_list() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let expected = kind == OrgKind::CentralTeam && role == Role::Administrator;
                for action in [
                    Action::ListOrganisations,
                    Action::CreateOrganisation,
                    Action::ImportMunicipalities,
                ] {
                    assert_eq!(
                        authorize(&actor(kind, role), action).is_ok(),
                        expected,
                        "{kind:?} {role:?} {action:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn administrators_of_other_organisations_manage_only_their_own_people() {
        let admin = actor(OrgKind::Municipality, Role::Administrator);
        assert!(authorize(&admin, Action::ManageUsers { org_id: OWN }).is_ok());
        assert_eq!(
            authorize(&admin, Action::ManageUsers { org_id: FOREIGN }),
            Err(Denied)
        );
        assert_eq!(
            authorize(&admin, Action::ManageApiTokens { org_id: FOREIGN }),
            Err(Denied)
        );
        let central = actor(OrgKind::CentralTeam, Role::Administrator);
        assert!(authorize(&central, Action::ManageUsers { org_id: FOREIGN }).is_ok());
    }

    #[test]
    fn no_role_but_administrator_manages_people() {
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Administrator) {
            for kind in OrgKind::ALL {
                assert_eq!(
                    authorize(&actor(kind, role), Action::ManageUsers { org_id: OWN }),
                    Err(Denied)
                );
            }
        }
    }

    #[test]
    fn only_auditors_read_the_audit_trail_and_outside_the_team_only_their_own_part() {
        for role in Role::ALL {
            let a = actor(OrgKind::CentralTeam, role);
            assert_eq!(
                authorize(&a, Action::ViewAuditTrail).is_ok(),
                role == Role::Auditor
            );
        }
        assert_eq!(
            audit_scope(&actor(OrgKind::CentralTeam, Role::Auditor)),
            Ok(AuditScope::All)
        );
        assert_eq!(
            audit_scope(&actor(OrgKind::Municipality, Role::Auditor)),
            Ok(AuditScope::Organisation(OWN))
        );
        assert_eq!(
            audit_scope(&actor(OrgKind::CentralTeam, Role::Administrator)),
            Err(Denied)
        );
    }

    #[test]
    fn everyone_signed_in_sees_their_start_page_and_own_account() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let a = actor(kind, role);
                assert!(authorize(&a, Action::ViewStartPage).is_ok());
                assert!(authorize(&a, Action::ViewOwnAccount).is_ok());
            }
        }
    }
}
