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
    /// Register, change or remove an organisation's identity provider (single sign-on).
    /// The central team's administrators only: a provider decides who signs in to the
    /// accounts of its e-mail domains, which the central team verifies first.
    ManageSingleSignOn,
    ViewAuditTrail,
    ExportAuditTrail,
    /// Send a report for one's municipality.
    SubmitReport,
    /// See the reports of one's own municipality ("Mijn meldingen").
    ListOwnReports,
    /// See one report (of the municipality `org_id`).
    ViewReport {
        org_id: i64,
    },
    /// Withdraw a report of the municipality `org_id`.
    WithdrawReport {
        org_id: i64,
    },
    /// Download an evidence file of a report of the municipality `org_id`.
    DownloadEvidence {
        org_id: i64,
    },
    /// The analysts' queue and case pages.
    ViewCases,
    /// Take up, release and move cases.
    WorkOnCases,
    /// One's own notifications.
    ViewNotifications,
    /// Approve or send back an assessment (four eyes; the author check is in
    /// `domain::assessment::check_four_eyes`).
    ReviewAssessments,
    /// Edit the platform directory and the notice settings.
    ManageNoticeSetup,
    /// Read the corrections register (notices that proved wrong).
    ViewCorrections,
    /// Read an outgoing message and its delivery record (the team, and central auditors).
    ViewNotice,
    /// Create situations, move their phase, link and unlink cases, decide suggestions.
    WorkOnSituations,
    /// Place or lift a legal hold on a case (stops its erasure by the retention schedule).
    PlaceLegalHold,
    /// See the retention schedule, what falls due, the holds and the deletion records.
    ViewRetention,
    /// Find what meldpunt holds about a person, export it (GDPR art. 15) and list who
    /// consulted it.
    HandleAccessRequests,
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

    fn reports_for(&self, org_id: i64) -> bool {
        self.role == Role::Reporter
            && self.org_kind == OrgKind::Municipality
            && self.org_id == org_id
    }

    fn handles_cases(&self) -> bool {
        self.is_central() && matches!(self.role, Role::Analyst | Role::Supervisor)
    }

    fn administers(&self, org_id: i64) -> bool {
        self.role == Role::Administrator && (self.is_central() || self.org_id == org_id)
    }
}

/// Decides whether `actor` may perform `action`.
pub fn authorize(actor: &Actor, action: Action) -> Result<(), Denied> {
    let allowed = match action {
        Action::ViewStartPage | Action::ViewOwnAccount | Action::ChangeOwnAccount => true,
        Action::ListOrganisations
        | Action::CreateOrganisation
        | Action::ImportMunicipalities
        | Action::ManageSingleSignOn => actor.role == Role::Administrator && actor.is_central(),
        Action::ViewOrganisation { org_id }
        | Action::ManageUsers { org_id }
        | Action::ManageApiTokens { org_id } => actor.administers(org_id),
        Action::ViewAuditTrail | Action::ExportAuditTrail => actor.role == Role::Auditor,
        Action::SubmitReport | Action::ListOwnReports => actor.reports_for(actor.org_id),
        Action::WithdrawReport { org_id } => actor.reports_for(org_id),
        // The central team sees every report (it assesses them); a municipality its own.
        Action::ViewReport { org_id } | Action::DownloadEvidence { org_id } => {
            actor.reports_for(org_id) || actor.handles_cases()
        }
        Action::ViewCases | Action::WorkOnCases => actor.handles_cases(),
        Action::ViewNotifications => true,
        Action::ReviewAssessments => actor.is_central() && actor.role == Role::Supervisor,
        Action::ManageNoticeSetup => actor.is_central() && actor.role == Role::Administrator,
        Action::ViewNotice => {
            actor.handles_cases() || (actor.is_central() && actor.role == Role::Auditor)
        }
        Action::WorkOnSituations => actor.handles_cases(),
        Action::PlaceLegalHold => actor.is_central() && actor.role == Role::Supervisor,
        Action::ViewRetention => {
            actor.is_central()
                && matches!(
                    actor.role,
                    Role::Administrator | Role::Auditor | Role::Supervisor | Role::PrivacyOfficer
                )
        }
        Action::HandleAccessRequests => actor.is_central() && actor.role == Role::PrivacyOfficer,
        Action::ViewCorrections => {
            actor.is_central()
                && matches!(actor.role, Role::Auditor | Role::Analyst | Role::Supervisor)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied)
    }
}

/// Why `actor` consults personal data when recording `action` (a `view.*` action): the
/// purpose of use their role gives. Looking at one's own account is always that.
pub fn purpose_of_use(actor: &Actor, action: super::audit::AuditAction) -> super::audit::Purpose {
    use super::audit::{AuditAction, Purpose};
    if action == AuditAction::ViewedOwnAccount {
        return Purpose::OwnAccount;
    }
    match actor.role {
        Role::Reporter => Purpose::OwnReports,
        Role::Analyst | Role::Supervisor => Purpose::CaseHandling,
        Role::Auditor => Purpose::Oversight,
        Role::Administrator => Purpose::Administration,
        Role::PrivacyOfficer => Purpose::AccessRequest,
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

/// How much of the situation picture (the map, the situations, a situation's page) an actor
/// sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SituationView {
    /// The team: every situation, case and report.
    Team,
    /// A municipality's reporters: the situations and counts of their own municipality and
    /// its safety region — never another municipality's reports or reporters. Carries the
    /// organisation's id.
    Municipality(i64),
}

/// Whether an actor may see the situation picture, and how much of it.
pub fn situation_view(actor: &Actor) -> Result<SituationView, Denied> {
    if actor.handles_cases() {
        return Ok(SituationView::Team);
    }
    if actor.reports_for(actor.org_id) {
        return Ok(SituationView::Municipality(actor.org_id));
    }
    Err(Denied)
}

/// What an actor's search may find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchScope {
    /// The team: every case, and every text of it.
    AllCases,
    /// A municipality's reporters: the organisation's own reports, and only their text.
    OwnReports(i64),
}

/// Whether an actor may search, and what they may find: the team searches what its queue
/// shows; a reporter what *Mijn meldingen* shows.
pub fn search_scope(actor: &Actor) -> Result<SearchScope, Denied> {
    if authorize(actor, Action::ViewCases).is_ok() {
        return Ok(SearchScope::AllCases);
    }
    authorize(actor, Action::ListOwnReports)?;
    Ok(SearchScope::OwnReports(actor.org_id))
}

/// A system calling the API with an organisation's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiCaller {
    pub org_id: i64,
    pub org_kind: OrgKind,
}

/// What a system may ask through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiAction {
    /// Send a report for the token's municipality.
    SubmitReport,
    /// Read a report of the organisation `org_id`.
    ViewReport { org_id: i64 },
}

/// Decides whether an API caller may perform `action`: only municipalities report, and
/// a token reads only its own organisation's reports.
pub fn authorize_api(caller: &ApiCaller, action: ApiAction) -> Result<(), Denied> {
    let allowed = match action {
        ApiAction::SubmitReport => caller.org_kind == OrgKind::Municipality,
        ApiAction::ViewReport { org_id } => caller.org_id == org_id,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied)
    }
}

/// Which roles an administrator may hand out in an organisation of this kind.
/// Municipalities have reporters (and their own administrator); the central team has
/// analysts, supervisors, auditors and administrators; police units have auditors and
/// administrators only until later features give them a task. The data protection officer
/// works in the central team, where the data are.
pub fn roles_for(kind: OrgKind) -> &'static [Role] {
    match kind {
        OrgKind::Municipality => &[Role::Reporter, Role::Administrator, Role::Auditor],
        OrgKind::PoliceUnit => &[Role::Administrator, Role::Auditor],
        OrgKind::CentralTeam => &[
            Role::Analyst,
            Role::Supervisor,
            Role::Auditor,
            Role::Administrator,
            Role::PrivacyOfficer,
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
    fn only_the_central_administrators_register_identity_providers() {
        let central = actor(OrgKind::CentralTeam, Role::Administrator);
        assert!(authorize(&central, Action::ManageSingleSignOn).is_ok());
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let allowed = authorize(&actor(kind, role), Action::ManageSingleSignOn).is_ok();
                assert_eq!(
                    allowed,
                    kind == OrgKind::CentralTeam && role == Role::Administrator,
                    "{kind:?} {role:?}"
                );
            }
        }
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
    fn only_reporters_of_a_municipality_report_and_only_for_their_own() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let a = actor(kind, role);
                let reporter = kind == OrgKind::Municipality && role == Role::Reporter;
                assert_eq!(authorize(&a, Action::SubmitReport).is_ok(), reporter);
                assert_eq!(
                    authorize(&a, Action::WithdrawReport { org_id: OWN }).is_ok(),
                    reporter
                );
                assert!(authorize(&a, Action::WithdrawReport { org_id: FOREIGN }).is_err());
            }
        }
    }

    #[test]
    fn the_team_searches_every_case_a_reporter_only_their_organisations_reports() {
        assert_eq!(
            search_scope(&actor(OrgKind::Municipality, Role::Reporter)),
            Ok(SearchScope::OwnReports(OWN))
        );
        for kind in [
            OrgKind::Municipality,
            OrgKind::CentralTeam,
            OrgKind::PoliceUnit,
        ] {
            for role in Role::ALL {
                let expected = match (kind, role) {
                    (OrgKind::CentralTeam, Role::Analyst | Role::Supervisor) => {
                        Ok(SearchScope::AllCases)
                    }
                    (OrgKind::Municipality, Role::Reporter) => Ok(SearchScope::OwnReports(OWN)),
                    _ => Err(Denied),
                };
                assert_eq!(
                    search_scope(&actor(kind, role)),
                    expected,
                    "{kind:?} {role:?}"
                );
            }
        }
    }

    #[test]
    fn a_municipality_never_sees_another_municipalitys_report_but_the_team_sees_all() {
        let reporter = actor(OrgKind::Municipality, Role::Reporter);
        assert!(authorize(&reporter, Action::ViewReport { org_id: OWN }).is_ok());
        assert!(authorize(&reporter, Action::ViewReport { org_id: FOREIGN }).is_err());
        assert!(authorize(&reporter, Action::DownloadEvidence { org_id: FOREIGN }).is_err());
        assert!(authorize(&reporter, Action::ViewCases).is_err());
        for role in Role::ALL {
            let a = actor(OrgKind::CentralTeam, role);
            let handler = matches!(role, Role::Analyst | Role::Supervisor);
            assert_eq!(
                authorize(&a, Action::ViewReport { org_id: FOREIGN }).is_ok(),
                handler
            );
            assert_eq!(
                authorize(&a, Action::DownloadEvidence { org_id: FOREIGN }).is_ok(),
                handler
            );
            assert_eq!(authorize(&a, Action::ViewCases).is_ok(), handler);
            assert_eq!(authorize(&a, Action::WorkOnCases).is_ok(), handler);
        }
        for role in Role::ALL {
            assert!(authorize(&actor(OrgKind::PoliceUnit, role), Action::ViewCases).is_err());
            assert!(authorize(&actor(OrgKind::Municipality, role), Action::ViewCases).is_err());
        }
    }

    #[test]
    fn only_central_supervisors_review_and_only_central_administrators_set_up_notices() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let a = actor(kind, role);
                let central = kind == OrgKind::CentralTeam;
                assert_eq!(
                    authorize(&a, Action::ReviewAssessments).is_ok(),
                    central && role == Role::Supervisor,
                    "{kind:?} {role:?}"
                );
                assert_eq!(
                    authorize(&a, Action::ManageNoticeSetup).is_ok(),
                    central && role == Role::Administrator,
                    "{kind:?} {role:?}"
                );
                assert_eq!(
                    authorize(&a, Action::ViewNotice).is_ok(),
                    central && matches!(role, Role::Auditor | Role::Analyst | Role::Supervisor),
                    "{kind:?} {role:?}"
                );
                assert_eq!(
                    authorize(&a, Action::ViewCorrections).is_ok(),
                    central && matches!(role, Role::Auditor | Role::Analyst | Role::Supervisor),
                    "{kind:?} {role:?}"
                );
            }
        }
    }

    #[test]
    fn through_the_api_only_municipalities_report_and_each_reads_only_its_own() {
        for kind in OrgKind::ALL {
            let caller = ApiCaller {
                org_id: OWN,
                org_kind: kind,
            };
            assert_eq!(
                authorize_api(&caller, ApiAction::SubmitReport).is_ok(),
                kind == OrgKind::Municipality
            );
            assert!(authorize_api(&caller, ApiAction::ViewReport { org_id: OWN }).is_ok());
            assert_eq!(
                authorize_api(&caller, ApiAction::ViewReport { org_id: FOREIGN }),
                Err(Denied)
            );
        }
    }

    #[test]
    fn every_view_has_the_purpose_its_role_gives() {
        use crate::domain::audit::{AuditAction, Purpose};
        let case = AuditAction::ViewedCase;
        let of = |kind, role| purpose_of_use(&actor(kind, role), case);
        assert_eq!(
            of(OrgKind::CentralTeam, Role::Analyst),
            Purpose::CaseHandling
        );
        assert_eq!(
            of(OrgKind::CentralTeam, Role::Supervisor),
            Purpose::CaseHandling
        );
        assert_eq!(
            of(OrgKind::Municipality, Role::Reporter),
            Purpose::OwnReports
        );
        assert_eq!(of(OrgKind::Municipality, Role::Auditor), Purpose::Oversight);
        assert_eq!(
            of(OrgKind::CentralTeam, Role::Administrator),
            Purpose::Administration
        );
        for role in Role::ALL {
            let a = actor(OrgKind::Municipality, role);
            assert_eq!(
                purpose_of_use(&a, AuditAction::ViewedOwnAccount),
                Purpose::OwnAccount
            );
        }
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn only_the_central_privacy_officer_handles_access_requests() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let a = actor(kind, role);
                let officer = kind == OrgKind::CentralTeam && role == Role::PrivacyOfficer;
                assert_eq!(
                    authorize(&a, Action::HandleAccessRequests).is_ok(),
                    officer,
                    "{kind:?} {role:?}"
                );
                if officer {
                    assert!(authorize(&a, Action::ViewRetention).is_ok());
                    assert!(authorize(&a, Action::ViewCases).is_err());
                    assert!(authorize(&a, Action::ViewAuditTrail).is_err());
                    assert_eq!(
                        purpose_of_use(&a, crate::domain::audit::AuditAction::ViewedCase),
                        crate::domain::audit::Purpose::AccessRequest
                    );
                }
            }
        }
        assert!(!roles_for(OrgKind::Municipality).contains(&Role::PrivacyOfficer));
        assert!(roles_for(OrgKind::CentralTeam).contains(&Role::PrivacyOfficer));
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

    #[test]
    fn the_team_works_on_situations_and_a_municipality_sees_its_own_picture() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let a = actor(kind, role);
                let team = kind == OrgKind::CentralTeam
                    && matches!(role, Role::Analyst | Role::Supervisor);
                let reporter = kind == OrgKind::Municipality && role == Role::Reporter;
                assert_eq!(
                    authorize(&a, Action::WorkOnSituations).is_ok(),
                    team,
                    "{kind:?} {role:?}"
                );
                let expected = if team {
                    Ok(SituationView::Team)
                } else if reporter {
                    Ok(SituationView::Municipality(OWN))
                } else {
                    Err(Denied)
                };
                assert_eq!(situation_view(&a), expected, "{kind:?} {role:?}");
            }
        }
    }
}
