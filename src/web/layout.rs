//! What every page shows around its content: header with navigation, footer.

use super::i18n::Tr;
use crate::domain::org::OrgKind;
use crate::domain::policy::{authorize, Action, Actor};
use crate::store::users::User;

pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    /// A count shown next to the label (unread notifications).
    pub badge: Option<i64>,
}

pub struct UserBar {
    pub name: String,
    pub role: &'static str,
    pub org: String,
}

pub struct Layout {
    pub tr: Tr,
    pub title: String,
    pub csrf: String,
    pub user: Option<UserBar>,
    pub nav: Vec<NavItem>,
    /// Where the language switch returns to (this page, when it was a GET).
    pub return_to: String,
}

impl Layout {
    pub fn anonymous(tr: Tr, title: &str, csrf: &str) -> Layout {
        Layout {
            tr,
            title: title.to_string(),
            csrf: csrf.to_string(),
            user: None,
            nav: Vec::new(),
            return_to: "/".into(),
        }
    }

    /// The navigation shows only what the policy lets this person open.
    pub fn signed_in(
        tr: Tr,
        title: &str,
        csrf: &str,
        user: &User,
        actor: &Actor,
        unread: i64,
    ) -> Layout {
        let mut nav = vec![NavItem {
            href: "/start".into(),
            label: tr.t("nav_start"),
            badge: None,
        }];
        if authorize(actor, Action::SubmitReport).is_ok() {
            nav.push(NavItem {
                href: "/meldingen/nieuw".into(),
                label: tr.t("nav_new_report"),
                badge: None,
            });
            nav.push(NavItem {
                href: "/meldingen".into(),
                label: tr.t("nav_reports"),
                badge: None,
            });
        }
        if authorize(actor, Action::ViewCases).is_ok() {
            nav.push(NavItem {
                href: "/zaken".into(),
                label: tr.t("nav_queue"),
                badge: None,
            });
        }
        if crate::domain::policy::situation_view(actor).is_ok() {
            nav.push(NavItem {
                href: "/situaties".into(),
                label: tr.t("situations"),
                badge: None,
            });
            nav.push(NavItem {
                href: "/kaart".into(),
                label: tr.t("map"),
                badge: None,
            });
        }
        if crate::domain::policy::search_scope(actor).is_ok() {
            nav.push(NavItem {
                href: "/zoeken".into(),
                label: tr.t("nav_search"),
                badge: None,
            });
        }
        nav.push(NavItem {
            href: "/berichten".into(),
            label: tr.t("nav_notifications"),
            badge: (unread > 0).then_some(unread),
        });
        if authorize(actor, Action::ListOrganisations).is_ok() {
            nav.push(NavItem {
                href: "/beheer/organisaties".into(),
                label: tr.t("nav_orgs"),
                badge: None,
            });
        } else if authorize(
            actor,
            Action::ManageUsers {
                org_id: actor.org_id,
            },
        )
        .is_ok()
        {
            nav.push(NavItem {
                href: format!("/beheer/organisaties/{}", actor.org_id),
                label: tr.t("nav_my_org"),
                badge: None,
            });
        }
        if authorize(actor, Action::ViewCorrections).is_ok() {
            nav.push(NavItem {
                href: "/correcties".into(),
                label: tr.t("corrections"),
                badge: None,
            });
        }
        if authorize(actor, Action::ManageNoticeSetup).is_ok() {
            nav.push(NavItem {
                href: "/beheer/berichten".into(),
                label: tr.t("notice_setup"),
                badge: None,
            });
        }
        if authorize(actor, Action::HandleAccessRequests).is_ok() {
            nav.push(NavItem {
                href: "/privacy/inzage".into(),
                label: tr.t("nav_privacy"),
                badge: None,
            });
        }
        if authorize(actor, Action::ViewRetention).is_ok() {
            nav.push(NavItem {
                href: "/beheer/bewaartermijnen".into(),
                label: tr.t("nav_retention"),
                badge: None,
            });
        }
        if authorize(actor, Action::ViewAuditTrail).is_ok() {
            nav.push(NavItem {
                href: "/audit".into(),
                label: tr.t("nav_audit"),
                badge: None,
            });
        }
        nav.push(NavItem {
            href: "/account".into(),
            label: tr.t("nav_account"),
            badge: None,
        });
        Layout {
            tr,
            title: title.to_string(),
            csrf: csrf.to_string(),
            user: Some(UserBar {
                name: user.name.clone(),
                role: if tr.is_en() {
                    user.role.label_en()
                } else {
                    user.role.label_nl()
                },
                org: user.org_name.clone(),
            }),
            nav,
            return_to: "/".into(),
        }
    }

    /// Sets the page the language switch returns to.
    pub fn returning_to(mut self, path: &str) -> Layout {
        self.return_to = path.to_string();
        self
    }
}

/// Dutch or English label of an organisation kind.
pub fn kind_label(tr: &Tr, kind: OrgKind) -> &'static str {
    if tr.is_en() {
        kind.label_en()
    } else {
        kind.label_nl()
    }
}

/// A time for people: Europe/Amsterdam, `29-11-2026 14:03`.
pub fn local_time(ms: i64) -> String {
    crate::domain::dutch_time(ms)
}
