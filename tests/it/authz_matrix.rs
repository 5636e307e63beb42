//! Every route, called as every role from its own and from a foreign organisation,
//! against the one policy. A refusal about an object looks exactly like a missing one.

use axum::http::StatusCode;
use meldpunt::domain::user::Role;
use meldpunt::service::tokens as token_service;

use crate::support::*;

/// Who asks: a role in an organisation.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Reporter,
    MunicipalAdmin,
    MunicipalAuditor,
    Analyst,
    Supervisor,
    CentralAuditor,
    CentralAdmin,
    PrivacyOfficer,
}

const EVERYONE: [Who; 8] = [
    Who::Reporter,
    Who::MunicipalAdmin,
    Who::MunicipalAuditor,
    Who::Analyst,
    Who::Supervisor,
    Who::CentralAuditor,
    Who::CentralAdmin,
    Who::PrivacyOfficer,
];

impl Who {
    fn role(self) -> Role {
        match self {
            Who::Reporter => Role::Reporter,
            Who::MunicipalAdmin | Who::CentralAdmin => Role::Administrator,
            Who::MunicipalAuditor | Who::CentralAuditor => Role::Auditor,
            Who::Analyst => Role::Analyst,
            Who::Supervisor => Role::Supervisor,
            Who::PrivacyOfficer => Role::PrivacyOfficer,
        }
    }
    fn central(self) -> bool {
        matches!(
            self,
            Who::Analyst
                | Who::Supervisor
                | Who::CentralAuditor
                | Who::CentralAdmin
                | Who::PrivacyOfficer
        )
    }
}

/// Whose object a route is about, seen from the asker.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Owner {
    None,
    Own,
    Foreign,
}

struct World {
    db: TestDb,
    amsterdam: i64,
    rotterdam: i64,
    central: i64,
    people: Vec<(Who, Person)>,
    rotterdam_reporter: Person,
}

impl World {
    fn own_org(&self, who: Who) -> i64 {
        if who.central() {
            self.central
        } else {
            self.amsterdam
        }
    }
    fn foreign_org(&self, who: Who) -> i64 {
        if who.central() {
            self.amsterdam
        } else {
            self.rotterdam
        }
    }
}

async fn world() -> World {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let o = seed_orgs(&db.store).await;
    let mut people = Vec::new();
    for (i, who) in EVERYONE.iter().enumerate() {
        let org = if who.central() {
            o.central
        } else {
            o.amsterdam
        };
        let p = make_person(
            &db.store,
            org,
            &format!(
                "p{i}@{}.nl",
                if who.central() {
                    "meldpunt"
                } else {
                    "amsterdam"
                }
            ),
            who.role(),
        )
        .await;
        people.push((*who, p));
    }
    let rotterdam_reporter = make_person(
        &db.store,
        o.rotterdam,
        "melder@rotterdam.nl",
        Role::Reporter,
    )
    .await;
    World {
        rotterdam_reporter,
        db,
        amsterdam: o.amsterdam,
        rotterdam: o.rotterdam,
        central: o.central,
        people,
    }
}

/// The policy's expected answer, independent of the implementation.
fn expected(route: &str, who: Who, owner: Owner) -> StatusCode {
    use StatusCode as S;
    let admin_of = |owner: Owner| {
        matches!(
            (who, owner),
            (Who::CentralAdmin, _) | (Who::MunicipalAdmin, Owner::Own)
        )
    };
    let handler = matches!(who, Who::Analyst | Who::Supervisor);
    match route {
        "start" | "account" => S::OK,
        // One's own passkey only; another person's is not there.
        "passkey_remove" => {
            if owner == Owner::Own {
                S::SEE_OTHER
            } else {
                S::NOT_FOUND
            }
        }
        "orgs" => {
            if who == Who::CentralAdmin {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        // An incomplete registration: refused by its rules (422), never by the policy.
        "sso_save" => {
            if who == Who::CentralAdmin {
                S::UNPROCESSABLE_ENTITY
            } else {
                S::FORBIDDEN
            }
        }
        "sso_remove" => {
            if who == Who::CentralAdmin {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "org_create" | "org_import" => {
            if who == Who::CentralAdmin {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        "org_show"
        | "user_create"
        | "token_create"
        | "mayor"
        | "user_reset"
        | "user_disable"
        | "user_reset_confirm"
        | "user_disable_confirm"
        | "user_show"
        | "token_revoke" => {
            if admin_of(owner) {
                S::OK
            } else {
                S::NOT_FOUND
            }
        }
        "user_role" | "user_enable" => {
            if admin_of(owner) {
                S::SEE_OTHER
            } else {
                S::NOT_FOUND
            }
        }
        "audit" | "audit_csv" | "audit_json" => {
            if matches!(who, Who::CentralAuditor | Who::MunicipalAuditor) {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "audit_verify" => {
            if who == Who::CentralAuditor {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        // The team searches every case, a reporter their organisation's reports.
        "search" => {
            if matches!(who, Who::Reporter | Who::Analyst | Who::Supervisor) {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "report_form" | "report_list" => {
            if who == Who::Reporter {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "report_submit" => {
            if who == Who::Reporter {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        "report_show" | "evidence" | "evidence_page" | "evidence_preview" => {
            if (who == Who::Reporter && owner == Owner::Own) || handler {
                S::OK
            } else {
                S::NOT_FOUND
            }
        }
        "report_withdraw_confirm" => {
            if who == Who::Reporter && owner == Owner::Own {
                S::OK
            } else {
                S::NOT_FOUND
            }
        }
        "report_withdraw" => {
            if who == Who::Reporter && owner == Owner::Own {
                S::SEE_OTHER
            } else {
                S::NOT_FOUND
            }
        }
        "queue" | "case_show" => {
            if handler {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "case_claim" | "case_release" | "case_move" => {
            if handler {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        // Answering a proposed copy is the team's; so is proposing a re-upload's earlier
        // decision (refused here: the case is no re-upload).
        "case_copy_confirm" | "case_copy_reject" => {
            if handler {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        "case_reupload_decision" => {
            if handler {
                S::CONFLICT
            } else {
                S::FORBIDDEN
            }
        }
        "notifications" => S::OK,
        "notifications_read" => S::SEE_OTHER,
        "assess_form" => {
            if handler {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        // An empty assessment: refused as incomplete for the team, forbidden otherwise.
        "assess_save" => {
            if handler {
                S::UNPROCESSABLE_ENTITY
            } else {
                S::FORBIDDEN
            }
        }
        // Only supervisors reach the review; the case has no assessment to review.
        "review" => {
            if who == Who::Supervisor {
                S::NOT_FOUND
            } else {
                S::FORBIDDEN
            }
        }
        "recheck" => {
            if handler {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        // No such notice: the team gets 404, everyone else may not look at all.
        "notice_show" => {
            if matches!(who, Who::Analyst | Who::Supervisor | Who::CentralAuditor) {
                S::NOT_FOUND
            } else {
                S::FORBIDDEN
            }
        }
        "notice_answer" | "notice_bounce" | "notice_resend" | "notice_web_form" => {
            if handler {
                S::NOT_FOUND
            } else {
                S::FORBIDDEN
            }
        }
        "notice_setup" | "platform_show" | "notice_orders" | "platforms" => {
            if who == Who::CentralAdmin {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "notice_settings" | "notice_orders_save" | "platform_save" | "platform_add" => {
            if who == Who::CentralAdmin {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        // No source chosen: the team gets the case page with the error.
        "objection_record" => {
            if handler {
                S::CONFLICT
            } else {
                S::FORBIDDEN
            }
        }
        "objection_decide" => {
            if who == Who::Supervisor {
                S::NOT_FOUND
            } else {
                S::FORBIDDEN
            }
        }
        // Legal holds are a supervisor's; the lift of a case without one is refused.
        "case_hold" => {
            if who == Who::Supervisor {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        "case_hold_lift" => {
            if who == Who::Supervisor {
                S::CONFLICT
            } else {
                S::FORBIDDEN
            }
        }
        "retention" => {
            if matches!(
                who,
                Who::Supervisor | Who::CentralAuditor | Who::CentralAdmin | Who::PrivacyOfficer
            ) {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        // Access requests and the view log are the data protection officer's alone.
        "privacy_form"
        | "privacy_search"
        | "privacy_export"
        | "privacy_views"
        | "privacy_person_views" => {
            if who == Who::PrivacyOfficer {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "corrections" => {
            if matches!(who, Who::Analyst | Who::Supervisor | Who::CentralAuditor) {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        // The team and municipalities' reporters see the situation picture.
        "situations" | "map" => {
            if handler || who == Who::Reporter {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        // A reporter sees situations of their own safety region only; outside it the
        // situation looks missing.
        "situation_show" => {
            if handler || (who == Who::Reporter && owner == Owner::Own) {
                S::OK
            } else if who == Who::Reporter {
                S::NOT_FOUND
            } else {
                S::FORBIDDEN
            }
        }
        "situation_form" => {
            if handler {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "situation_create" | "situation_phase" | "situation_link" | "situation_unlink"
        | "suggestion_dismiss" | "case_situation" => {
            if handler {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        // Groups of copies are the team's working tool; approving is a supervisor's.
        "group_show" | "group_assess_form" => {
            if handler {
                S::OK
            } else {
                S::FORBIDDEN
            }
        }
        "group_create" | "group_add" | "group_assess_save" => {
            if handler {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        // The group has no version yet: the supervisor's verdict is refused as stale.
        "group_review" => {
            if who == Who::Supervisor {
                S::UNPROCESSABLE_ENTITY
            } else {
                S::FORBIDDEN
            }
        }
        other => panic!("unknown route {other}"),
    }
}

/// A case of Amsterdam linked to the situation.
async fn linked_case(w: &World, situation_id: i64, url: &str) -> i64 {
    let (_, case_id) = submit_report(&w.db.store, w.amsterdam, &w.people[0].1, url).await;
    meldpunt::service::situations::link_case(&w.db.store, &cli_ctx(), situation_id, case_id, None)
        .await
        .unwrap();
    case_id
}

/// A situation in Amsterdam with a group of two copies; returns (situation id, group id).
async fn group_in(w: &World, n: usize) -> (i64, i64) {
    let (id, first) = situation_in(w, Owner::Own, n).await;
    let second = linked_case(w, id, &format!("https://example.nl/kopie/{n}")).await;
    let group = meldpunt::service::notices::create_group(
        &w.db.store,
        &cli_ctx(),
        id,
        "Kopieën",
        &[first, second],
    )
    .await
    .unwrap();
    (id, group)
}

/// A situation in Amsterdam (`own` for Amsterdam's people and the team) or Rotterdam, with
/// one case linked to it; returns (situation id, linked case id).
async fn situation_in(w: &World, owner: Owner, n: usize) -> (i64, i64) {
    use meldpunt::domain::situation::SituationDraft;
    let (code, muni, reporter) = if owner == Owner::Foreign {
        ("GM0599", w.rotterdam, &w.rotterdam_reporter)
    } else {
        ("GM0363", w.amsterdam, &w.people[0].1)
    };
    let (_, case_id) = submit_report(
        &w.db.store,
        muni,
        reporter,
        &format!("https://example.nl/situatie/{n}"),
    )
    .await;
    let now = meldpunt::service::now_ms();
    let draft = SituationDraft {
        title: format!("Oproep {n}"),
        municipality_codes: vec![code.into()],
        place: String::new(),
        window_start: Some(now),
        window_end: Some(now + 3_600_000),
        size: String::new(),
    };
    let id =
        meldpunt::service::situations::create(&w.db.store, &cli_ctx(), &draft, &[case_id], None)
            .await
            .unwrap();
    (id, case_id)
}

/// Calls one route as `who`, about an object of `owner`; returns the status and body.
async fn call(
    w: &World,
    app: &TestApp,
    who: Who,
    session: &str,
    route: &str,
    owner: Owner,
    n: usize,
) -> (StatusCode, String) {
    let org = match owner {
        Owner::Own => w.own_org(who),
        Owner::Foreign => w.foreign_org(who),
        Owner::None => 0,
    };
    let mut c = app.client().with_session(session);
    // A victim and a token in the target organisation, for the object routes.
    let victim = if org > 0 && route.starts_with("user_") && route != "user_create" {
        let role = if org == w.central {
            Role::Analyst
        } else {
            Role::Reporter
        };
        Some(make_person(&w.db.store, org, &format!("slachtoffer{n}@{org}.nl"), role).await)
    } else {
        None
    };
    let token_id = if org > 0 && route == "token_revoke" {
        Some(
            token_service::create(&w.db.store, &cli_ctx(), org, "Koppeling")
                .await
                .unwrap()
                .0,
        )
    } else {
        None
    };
    // A report (with evidence) of Amsterdam ("own" for municipal people) or Rotterdam.
    let report = if route.starts_with("report_show")
        || route.starts_with("report_withdraw")
        || route.starts_with("evidence")
        || route.starts_with("case_")
        || route.starts_with("assess_")
        || route == "review"
        || route == "recheck"
        || route.starts_with("objection_")
        || route == "privacy_views"
    {
        let (muni, reporter) = if owner == Owner::Foreign {
            (w.rotterdam, &w.rotterdam_reporter)
        } else {
            (w.amsterdam, &w.people[0].1)
        };
        Some(
            submit_report(
                &w.db.store,
                muni,
                reporter,
                &format!("https://example.nl/bericht/{n}"),
            )
            .await,
        )
    } else {
        None
    };
    let situation = if (route.starts_with("situation_")
        || route == "case_situation"
        || route == "group_create")
        && route != "situation_form"
        && route != "situation_create"
    {
        Some(
            situation_in(
                w,
                if owner == Owner::None {
                    Owner::Own
                } else {
                    owner
                },
                n,
            )
            .await,
        )
    } else {
        None
    };
    let r = match route {
        "situations" => c.get("/situaties").await,
        "map" => c.get("/kaart?venster=24u").await,
        "situation_form" => c.get("/situaties/nieuw?gemeente=GM0363").await,
        "situation_create" => {
            let title = format!("Situatie {n}");
            c.post(
                "/situaties",
                &[
                    ("title", &title),
                    ("municipalities", "GM0363"),
                    ("window_start", "2030-01-01T18:00"),
                    ("window_end", "2030-01-01T23:00"),
                    ("size", "small"),
                ],
            )
            .await
        }
        "situation_show" => c.get(&format!("/situaties/{}", situation.unwrap().0)).await,
        "situation_phase" => {
            c.post(
                &format!("/situaties/{}/fase", situation.unwrap().0),
                &[
                    ("phase", "mobilisation"),
                    ("reason", "Kopieën op een tweede platform"),
                ],
            )
            .await
        }
        "situation_link" => {
            let (_, other) = submit_report(
                &w.db.store,
                w.amsterdam,
                &w.people[0].1,
                &format!("https://example.nl/koppel/{n}"),
            )
            .await;
            let case = other.to_string();
            c.post(
                &format!("/situaties/{}/zaken", situation.unwrap().0),
                &[("case", &case)],
            )
            .await
        }
        "situation_unlink" => {
            let (id, case_id) = situation.unwrap();
            c.post(
                &format!("/situaties/{id}/zaken/{case_id}/ontkoppelen"),
                &[("reason", "Gaat over iets anders")],
            )
            .await
        }
        "case_situation" => {
            let (id, _) = situation.unwrap();
            let (_, other) = submit_report(
                &w.db.store,
                w.amsterdam,
                &w.people[0].1,
                &format!("https://example.nl/vanuit-zaak/{n}"),
            )
            .await;
            let sid = id.to_string();
            c.post(&format!("/zaken/{other}/situatie"), &[("situation", &sid)])
                .await
        }
        "group_create" => {
            let (id, first) = situation.unwrap();
            let second = linked_case(w, id, &format!("https://example.nl/groep/{n}")).await;
            let (a, b) = (first.to_string(), second.to_string());
            c.post(
                &format!("/situaties/{id}/groepen"),
                &[("case", &a), ("case", &b), ("title", "Kopieën")],
            )
            .await
        }
        "group_show" => {
            let (id, g) = group_in(w, n).await;
            c.get(&format!("/situaties/{id}/groepen/{g}")).await
        }
        "group_add" => {
            let (id, g) = group_in(w, n).await;
            let third = linked_case(w, id, &format!("https://example.nl/derde/{n}")).await;
            let case = third.to_string();
            c.post(
                &format!("/situaties/{id}/groepen/{g}/zaken"),
                &[("case", &case)],
            )
            .await
        }
        "group_assess_form" => {
            let (id, g) = group_in(w, n).await;
            c.get(&format!("/situaties/{id}/groepen/{g}/beoordeling"))
                .await
        }
        "group_assess_save" => {
            let (id, g) = group_in(w, n).await;
            let fields = crate::notices::with(&crate::notices::assessment(), "decision", "monitor");
            crate::notices::post_fields(
                &mut c,
                &format!("/situaties/{id}/groepen/{g}/beoordeling"),
                &fields,
            )
            .await
        }
        "group_review" => {
            let (id, g) = group_in(w, n).await;
            c.post(
                &format!("/situaties/{id}/groepen/{g}/goedkeuring"),
                &[("verdict", "approve"), ("version", "1")],
            )
            .await
        }
        "suggestion_dismiss" => {
            let key = format!("link:{n}:{n}");
            c.post("/situaties/suggesties/afwijzen", &[("key", &key)])
                .await
        }
        "report_form" => c.get("/meldingen/nieuw").await,
        "report_list" => c.get("/meldingen").await,
        "report_submit" => {
            let link = format!("https://example.nl/nieuw/{n}");
            c.post_multipart(
                "/meldingen/nieuw",
                &[
                    ("link_url_1", &link),
                    ("category", "incitement"),
                    ("urgency", "normal"),
                    ("justification", "Geen haast"),
                    ("on_behalf_of", "De burgemeester"),
                ],
                &[],
            )
            .await
        }
        "report_show" => c.get(&format!("/meldingen/{}", report.unwrap().0)).await,
        "report_withdraw" => {
            c.post(
                &format!("/meldingen/{}/intrekken", report.unwrap().0),
                &[("reason", "Dubbel gemeld")],
            )
            .await
        }
        "report_withdraw_confirm" => {
            c.get(&format!("/meldingen/{}/intrekken", report.unwrap().0))
                .await
        }
        "evidence" | "evidence_page" | "evidence_preview" => {
            let ev = meldpunt::store::reports::evidence_of_report(&w.db.store, report.unwrap().0)
                .await
                .unwrap();
            let suffix = match route {
                "evidence_page" => "/gegevens",
                "evidence_preview" => "/voorbeeld",
                _ => "",
            };
            c.get(&format!("/bewijs/{}{suffix}", ev[0].id)).await
        }
        "queue" => c.get("/zaken?termijn=op-tijd").await,
        "search" => c.get("/zoeken?q=oproep").await,
        "case_show" => c.get(&format!("/zaken/{}", report.unwrap().1)).await,
        "case_claim" => {
            c.post(&format!("/zaken/{}/oppakken", report.unwrap().1), &[])
                .await
        }
        "case_copy_confirm" | "case_copy_reject" => {
            let case_id = report.unwrap().1;
            let (_, other) = submit_report(
                &w.db.store,
                w.amsterdam,
                &w.people[0].1,
                &format!("https://example.nl/kopie/{n}"),
            )
            .await;
            let (low, high) = meldpunt::domain::matching::pair(case_id, other).unwrap();
            let mut tx = w.db.store.begin_write().await.unwrap();
            let proposal = meldpunt::store::matching::propose(
                &mut tx,
                low,
                high,
                meldpunt::domain::matching::Likeness {
                    text_similarity: Some(0.9),
                    image_distance: None,
                },
                None,
                meldpunt::service::now_ms(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            let verb = if route == "case_copy_confirm" {
                "bevestigen"
            } else {
                "afwijzen"
            };
            c.post(&format!("/zaken/{case_id}/kopieen/{proposal}/{verb}"), &[])
                .await
        }
        "case_reupload_decision" => {
            c.post(
                &format!("/zaken/{}/herplaatsing/besluit", report.unwrap().1),
                &[],
            )
            .await
        }
        "case_release" => {
            c.post(&format!("/zaken/{}/vrijgeven", report.unwrap().1), &[])
                .await
        }
        "case_move" => {
            c.post(
                &format!("/zaken/{}/status", report.unwrap().1),
                &[("status", "in_triage")],
            )
            .await
        }
        "notifications" => c.get("/berichten").await,
        "notifications_read" => c.post("/berichten/gelezen", &[]).await,
        "assess_form" => {
            c.get(&format!("/zaken/{}/beoordeling", report.unwrap().1))
                .await
        }
        "assess_save" => {
            c.post(
                &format!("/zaken/{}/beoordeling", report.unwrap().1),
                &[("class", "")],
            )
            .await
        }
        "review" => {
            c.post(
                &format!("/zaken/{}/beoordeling/1/goedkeuring", report.unwrap().1),
                &[("verdict", "approve")],
            )
            .await
        }
        "recheck" => {
            c.post(
                &format!("/zaken/{}/hercontrole", report.unwrap().1),
                &[("result", "online"), ("checked_at", "2026-01-01T10:00")],
            )
            .await
        }
        "notice_show" => c.get("/kennisgevingen/999999").await,
        "notice_bounce" => {
            c.post(
                "/kennisgevingen/999999/onbestelbaar",
                &[("detail", "550 user unknown")],
            )
            .await
        }
        "notice_resend" => c.post("/kennisgevingen/999999/opnieuw", &[]).await,
        "notice_web_form" => {
            c.post(
                "/kennisgevingen/999999/webformulier",
                &[("platform_reference", "CASE-123")],
            )
            .await
        }
        "platform_add" => {
            let name = format!("Platform {n}");
            let host = format!("platform{n}.example");
            c.post(
                "/beheer/platforms",
                &[
                    ("name", &name),
                    ("hosts", &host),
                    ("channel", "unconfigured"),
                    ("languages", "nl en"),
                ],
            )
            .await
        }
        "objection_record" => {
            c.post(
                &format!("/zaken/{}/bezwaar", report.unwrap().1),
                &[("summary", "Bezwaar van de plaatser")],
            )
            .await
        }
        "objection_decide" => {
            c.post(
                &format!("/zaken/{}/bezwaar/999999/besluit", report.unwrap().1),
                &[
                    ("verdict", "rejected"),
                    ("reasons", "Geen reden om in te trekken"),
                ],
            )
            .await
        }
        "corrections" => c.get("/correcties").await,
        "case_hold" => {
            c.post(
                &format!("/zaken/{}/bewaarplicht", report.unwrap().1),
                &[("reason", "Lopend onderzoek")],
            )
            .await
        }
        "case_hold_lift" => {
            c.post(
                &format!("/zaken/{}/bewaarplicht/opheffen", report.unwrap().1),
                &[],
            )
            .await
        }
        "retention" => c.get("/beheer/bewaartermijnen").await,
        "privacy_form" => c.get("/privacy/inzage").await,
        "privacy_search" => {
            c.post(
                "/privacy/inzage",
                &[("kind", "staff"), ("value", "melder@rotterdam.nl")],
            )
            .await
        }
        "privacy_export" => {
            c.post(
                "/privacy/inzage/export",
                &[("kind", "content"), ("value", "https://x.com/iemand")],
            )
            .await
        }
        "privacy_views" => {
            let case = meldpunt::store::cases::get(&w.db.store, report.unwrap().1)
                .await
                .unwrap();
            c.get(&format!("/privacy/raadplegingen?zaak={}", case.reference))
                .await
        }
        "privacy_person_views" => {
            c.post(
                "/privacy/raadplegingen",
                &[("kind", "staff"), ("value", "melder@rotterdam.nl")],
            )
            .await
        }
        "notice_answer" => {
            c.post(
                "/kennisgevingen/999999/antwoord",
                &[
                    ("outcome_0", "removed"),
                    ("received_at", "2026-01-01T10:00"),
                ],
            )
            .await
        }
        "notice_setup" => c.get("/beheer/berichten").await,
        "notice_orders" => c.get("/beheer/berichten/bevelen").await,
        "platforms" => c.get("/beheer/platforms").await,
        "notice_orders_save" => {
            c.post(
                "/beheer/berichten/bevelen",
                &[("art9_legal_basis", ""), ("art9_authority", "")],
            )
            .await
        }
        "platform_show" => c.get("/beheer/platforms/1").await,
        "notice_settings" => {
            c.post(
                "/beheer/berichten/instellingen",
                &[
                    ("sender_name", "Centraal team"),
                    ("sender_email", "meldpunt@meldpunt.nl"),
                ],
            )
            .await
        }
        "platform_save" => {
            c.post(
                "/beheer/platforms/1",
                &[
                    ("name", "Facebook"),
                    ("hosts", "facebook.com"),
                    ("channel", "unconfigured"),
                    ("languages", "nl en"),
                ],
            )
            .await
        }
        "start" => c.get("/start").await,
        "account" => c.get("/account").await,
        "passkey_remove" => {
            // One's own passkey (beside the app, so not the last second factor), or the
            // Rotterdam reporter's.
            let me = w.people.iter().find(|(x, _)| *x == who).unwrap().1.id;
            let owner_id = if owner == Owner::Own {
                me
            } else {
                w.rotterdam_reporter.id
            };
            let id = add_passkey(&w.db.store, owner_id, &format!("matrix-{n}"), "Laptop").await;
            c.post(&format!("/account/passkeys/{id}/verwijderen"), &[])
                .await
        }
        "orgs" => c.get("/beheer/organisaties").await,
        "org_create" => {
            let code = format!("ORG-{n}");
            c.post(
                "/beheer/organisaties",
                &[
                    ("kind", "police_unit"),
                    ("code", &code),
                    ("name", "Eenheid"),
                ],
            )
            .await
        }
        "org_import" => c.post("/beheer/organisaties/import", &[]).await,
        "org_show" => c.get(&format!("/beheer/organisaties/{org}")).await,
        "sso_save" => {
            c.post(
                &format!("/beheer/organisaties/{org}/sso"),
                &[("issuer", "https://idp.example.nl"), ("client_id", "")],
            )
            .await
        }
        "sso_remove" => {
            c.post(&format!("/beheer/organisaties/{org}/sso/verwijderen"), &[])
                .await
        }
        "user_create" => {
            let email = format!("nieuw{n}@x.nl");
            let role = if org == w.central {
                "analyst"
            } else {
                "reporter"
            };
            c.post(
                &format!("/beheer/organisaties/{org}/gebruikers"),
                &[("name", "N"), ("email", &email), ("role", role)],
            )
            .await
        }
        "token_create" => {
            c.post(
                &format!("/beheer/organisaties/{org}/tokens"),
                &[("token_name", "Systeem")],
            )
            .await
        }
        "mayor" => {
            c.post(
                &format!("/beheer/organisaties/{org}/burgemeester"),
                &[("mayor", "B. Meester")],
            )
            .await
        }
        "user_reset_confirm" => {
            c.get(&format!(
                "/beheer/gebruikers/{}/reset",
                victim.as_ref().unwrap().id
            ))
            .await
        }
        "user_disable_confirm" => {
            c.get(&format!(
                "/beheer/gebruikers/{}/blokkeren",
                victim.as_ref().unwrap().id
            ))
            .await
        }
        "user_show" => {
            c.get(&format!(
                "/beheer/gebruikers/{}",
                victim.as_ref().unwrap().id
            ))
            .await
        }
        "user_role" => {
            c.post(
                &format!("/beheer/gebruikers/{}/rol", victim.as_ref().unwrap().id),
                &[("role", "auditor")],
            )
            .await
        }
        "user_enable" => {
            c.post(
                &format!(
                    "/beheer/gebruikers/{}/deblokkeren",
                    victim.as_ref().unwrap().id
                ),
                &[],
            )
            .await
        }
        "user_reset" => {
            c.post(
                &format!("/beheer/gebruikers/{}/reset", victim.as_ref().unwrap().id),
                &[],
            )
            .await
        }
        "user_disable" => {
            c.post(
                &format!(
                    "/beheer/gebruikers/{}/blokkeren",
                    victim.as_ref().unwrap().id
                ),
                &[],
            )
            .await
        }
        "token_revoke" => {
            c.post(
                &format!("/beheer/tokens/{}/intrekken", token_id.unwrap()),
                &[],
            )
            .await
        }
        "audit" => c.get("/audit").await,
        "audit_csv" => c.get("/audit/export.csv").await,
        "audit_json" => c.get("/audit/export.json").await,
        "audit_verify" => c.get("/audit/controle").await,
        other => panic!("unknown route {other}"),
    };
    (r.status, r.body)
}

/// Every signed-in route: (name in `call`, method and path as in the route table, about an
/// object of an organisation). `every_route_of_the_router_is_in_the_matrix` keeps this
/// list complete.
const ROUTES: [(&str, &str, bool); 88] = [
    (
        "passkey_remove",
        "POST /account/passkeys/{id}/verwijderen",
        true,
    ),
    ("privacy_form", "GET /privacy/inzage", false),
    ("privacy_search", "POST /privacy/inzage", false),
    ("privacy_export", "POST /privacy/inzage/export", false),
    ("privacy_views", "GET /privacy/raadplegingen", false),
    ("privacy_person_views", "POST /privacy/raadplegingen", false),
    ("case_hold", "POST /zaken/{id}/bewaarplicht", false),
    (
        "case_hold_lift",
        "POST /zaken/{id}/bewaarplicht/opheffen",
        false,
    ),
    ("retention", "GET /beheer/bewaartermijnen", false),
    ("group_create", "POST /situaties/{id}/groepen", false),
    (
        "group_show",
        "GET /situaties/{id}/groepen/{group_id}",
        false,
    ),
    (
        "group_add",
        "POST /situaties/{id}/groepen/{group_id}/zaken",
        false,
    ),
    (
        "group_assess_form",
        "GET /situaties/{id}/groepen/{group_id}/beoordeling",
        false,
    ),
    (
        "group_assess_save",
        "POST /situaties/{id}/groepen/{group_id}/beoordeling",
        false,
    ),
    (
        "group_review",
        "POST /situaties/{id}/groepen/{group_id}/goedkeuring",
        false,
    ),
    ("case_situation", "POST /zaken/{id}/situatie", false),
    (
        "case_copy_confirm",
        "POST /zaken/{id}/kopieen/{proposal_id}/bevestigen",
        false,
    ),
    (
        "case_copy_reject",
        "POST /zaken/{id}/kopieen/{proposal_id}/afwijzen",
        false,
    ),
    (
        "case_reupload_decision",
        "POST /zaken/{id}/herplaatsing/besluit",
        false,
    ),
    ("situations", "GET /situaties", false),
    ("map", "GET /kaart", false),
    ("situation_form", "GET /situaties/nieuw", false),
    ("situation_create", "POST /situaties", false),
    ("situation_show", "GET /situaties/{id}", true),
    ("situation_phase", "POST /situaties/{id}/fase", false),
    ("situation_link", "POST /situaties/{id}/zaken", false),
    (
        "situation_unlink",
        "POST /situaties/{id}/zaken/{case_id}/ontkoppelen",
        false,
    ),
    (
        "suggestion_dismiss",
        "POST /situaties/suggesties/afwijzen",
        false,
    ),
    ("report_form", "GET /meldingen/nieuw", false),
    ("report_list", "GET /meldingen", false),
    ("report_submit", "POST /meldingen/nieuw", false),
    ("report_show", "GET /meldingen/{id}", true),
    ("report_withdraw", "POST /meldingen/{id}/intrekken", true),
    ("evidence", "GET /bewijs/{id}", true),
    ("queue", "GET /zaken", false),
    ("search", "GET /zoeken", false),
    ("case_show", "GET /zaken/{id}", false),
    ("case_claim", "POST /zaken/{id}/oppakken", false),
    ("case_release", "POST /zaken/{id}/vrijgeven", false),
    ("case_move", "POST /zaken/{id}/status", false),
    ("notifications", "GET /berichten", false),
    ("notifications_read", "POST /berichten/gelezen", false),
    ("start", "GET /start", false),
    ("account", "GET /account", false),
    ("orgs", "GET /beheer/organisaties", false),
    ("org_create", "POST /beheer/organisaties", false),
    ("org_import", "POST /beheer/organisaties/import", false),
    ("org_show", "GET /beheer/organisaties/{id}", true),
    ("sso_save", "POST /beheer/organisaties/{id}/sso", true),
    (
        "sso_remove",
        "POST /beheer/organisaties/{id}/sso/verwijderen",
        true,
    ),
    (
        "user_create",
        "POST /beheer/organisaties/{id}/gebruikers",
        true,
    ),
    (
        "token_create",
        "POST /beheer/organisaties/{id}/tokens",
        true,
    ),
    ("mayor", "POST /beheer/organisaties/{id}/burgemeester", true),
    (
        "user_reset_confirm",
        "GET /beheer/gebruikers/{id}/reset",
        true,
    ),
    (
        "user_disable_confirm",
        "GET /beheer/gebruikers/{id}/blokkeren",
        true,
    ),
    ("user_reset", "POST /beheer/gebruikers/{id}/reset", true),
    (
        "user_disable",
        "POST /beheer/gebruikers/{id}/blokkeren",
        true,
    ),
    ("token_revoke", "POST /beheer/tokens/{id}/intrekken", true),
    ("audit", "GET /audit", false),
    ("audit_csv", "GET /audit/export.csv", false),
    ("audit_json", "GET /audit/export.json", false),
    ("audit_verify", "GET /audit/controle", false),
    ("assess_form", "GET /zaken/{id}/beoordeling", false),
    ("assess_save", "POST /zaken/{id}/beoordeling", false),
    (
        "review",
        "POST /zaken/{id}/beoordeling/{aid}/goedkeuring",
        false,
    ),
    ("recheck", "POST /zaken/{id}/hercontrole", false),
    ("notice_show", "GET /kennisgevingen/{id}", false),
    ("notice_answer", "POST /kennisgevingen/{id}/antwoord", false),
    ("notice_setup", "GET /beheer/berichten", false),
    ("platform_show", "GET /beheer/platforms/{id}", false),
    (
        "notice_settings",
        "POST /beheer/berichten/instellingen",
        false,
    ),
    ("platform_save", "POST /beheer/platforms/{id}", false),
    ("objection_record", "POST /zaken/{id}/bezwaar", false),
    (
        "objection_decide",
        "POST /zaken/{id}/bezwaar/{oid}/besluit",
        false,
    ),
    ("corrections", "GET /correcties", false),
    (
        "notice_bounce",
        "POST /kennisgevingen/{id}/onbestelbaar",
        false,
    ),
    ("notice_resend", "POST /kennisgevingen/{id}/opnieuw", false),
    (
        "notice_web_form",
        "POST /kennisgevingen/{id}/webformulier",
        false,
    ),
    ("platform_add", "POST /beheer/platforms", false),
    (
        "report_withdraw_confirm",
        "GET /meldingen/{id}/intrekken",
        true,
    ),
    ("evidence_page", "GET /bewijs/{id}/gegevens", true),
    ("evidence_preview", "GET /bewijs/{id}/voorbeeld", true),
    ("user_show", "GET /beheer/gebruikers/{id}", true),
    ("user_role", "POST /beheer/gebruikers/{id}/rol", true),
    (
        "user_enable",
        "POST /beheer/gebruikers/{id}/deblokkeren",
        true,
    ),
    ("notice_orders", "GET /beheer/berichten/bevelen", false),
    (
        "notice_orders_save",
        "POST /beheer/berichten/bevelen",
        false,
    ),
    ("platforms", "GET /beheer/platforms", false),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_the_policy_says() {
    let w = world().await;
    let app = TestApp::new(&w.db.store);
    let mut n = 0;
    let mut failures = Vec::new();
    for (who, person) in &w.people {
        let session = session_for(&w.db.store, person).await;
        for (route, _, object) in ROUTES {
            let owners: &[Owner] = if object {
                &[Owner::Own, Owner::Foreign]
            } else {
                &[Owner::None]
            };
            for owner in owners {
                n += 1;
                let (status, _) = call(&w, &app, *who, &session, route, *owner, n).await;
                let want = expected(route, *who, *owner);
                if status != want {
                    failures.push(format!(
                        "{who:?} {route} {owner:?}: got {status}, want {want}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_from_every_page() {
    let w = world().await;
    let app = TestApp::new(&w.db.store);
    let mut c = app.client();
    for path in [
        "/start",
        "/account",
        "/beheer/organisaties",
        "/beheer/organisaties/1",
        "/audit",
        "/audit/export.csv",
        "/audit/controle",
        "/meldingen",
        "/meldingen/nieuw",
        "/meldingen/1",
        "/bewijs/1",
        "/zaken",
        "/zaken/1",
        "/berichten",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), "/aanmelden", "{path}");
    }
    let r = c.post("/beheer/organisaties/import", &[]).await;
    assert_eq!(r.location(), "/aanmelden");
}

#[tokio::test]
async fn a_refused_object_looks_exactly_like_a_missing_one() {
    let w = world().await;
    let app = TestApp::new(&w.db.store);
    let admin = &w
        .people
        .iter()
        .find(|(who, _)| *who == Who::MunicipalAdmin)
        .unwrap()
        .1;
    let mut c = app
        .client()
        .with_session(&session_for(&w.db.store, admin).await);
    let foreign = c
        .get(&format!("/beheer/organisaties/{}", w.rotterdam))
        .await;
    let missing = c.get("/beheer/organisaties/999999").await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.status, missing.status);
    assert_eq!(foreign.body, missing.body);
    let victim = make_person(&w.db.store, w.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
    let foreign = c
        .post(&format!("/beheer/gebruikers/{}/blokkeren", victim.id), &[])
        .await;
    let missing = c.post("/beheer/gebruikers/999999/blokkeren", &[]).await;
    assert_eq!(
        (foreign.status, &foreign.body),
        (missing.status, &missing.body)
    );
    let still = meldpunt::store::users::get(&w.db.store, victim.id)
        .await
        .unwrap();
    assert_eq!(
        still.status,
        meldpunt::domain::user::UserStatus::Active,
        "nothing changed"
    );
}

#[tokio::test]
async fn a_municipal_auditor_never_sees_another_municipality_in_the_trail() {
    let w = world().await;
    let app = TestApp::new(&w.db.store);
    make_person(
        &w.db.store,
        w.rotterdam,
        "geheim@rotterdam.nl",
        Role::Reporter,
    )
    .await;
    let auditor = &w
        .people
        .iter()
        .find(|(who, _)| *who == Who::MunicipalAuditor)
        .unwrap()
        .1;
    let mut c = app
        .client()
        .with_session(&session_for(&w.db.store, auditor).await);
    for path in [
        "/audit",
        "/audit/export.csv",
        "/audit/export.json",
        "/audit?door=geheim",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            !r.body.contains("geheim@rotterdam.nl"),
            "{path} leaks another municipality"
        );
    }
    let central = &w
        .people
        .iter()
        .find(|(who, _)| *who == Who::CentralAuditor)
        .unwrap()
        .1;
    let mut c = app
        .client()
        .with_session(&session_for(&w.db.store, central).await);
    assert!(c
        .get("/audit?door=geheim")
        .await
        .body
        .contains("geheim@rotterdam.nl"));
}

#[tokio::test]
async fn the_navigation_shows_only_what_the_role_may_open() {
    let w = world().await;
    let app = TestApp::new(&w.db.store);
    for (who, person) in &w.people {
        let mut c = app
            .client()
            .with_session(&session_for(&w.db.store, person).await);
        let body = c.get("/start").await.body;
        assert_eq!(
            body.contains("href=\"/beheer/organisaties\""),
            *who == Who::CentralAdmin,
            "{who:?}"
        );
        assert_eq!(
            body.contains("href=\"/audit\""),
            matches!(who, Who::CentralAuditor | Who::MunicipalAuditor),
            "{who:?}"
        );
    }
}

/// Routes that are not in the matrix, and why: nobody needs to be signed in for them, or
/// they are the API (bearer tokens, tested in `intake.rs` and `http_basics.rs`).
const OPEN_ROUTES: &[(&str, &str)] = &[
    ("GET /", "redirects to sign-in or the start page"),
    ("GET /aanmelden", "sign-in"),
    ("POST /aanmelden", "sign-in"),
    (
        "GET /aanmelden/organisatie",
        "single sign-on, first step (sso.rs)",
    ),
    (
        "POST /aanmelden/organisatie",
        "single sign-on, first step (sso.rs)",
    ),
    (
        "GET /aanmelden/organisatie/terug",
        "single sign-on, the provider's answer (sso.rs)",
    ),
    ("GET /aanmelden/tweede-factor", "sign-in, second step"),
    ("POST /aanmelden/tweede-factor", "sign-in, second step"),
    (
        "POST /aanmelden/herstelcode",
        "sign-in with a recovery code",
    ),
    (
        "GET /aanmelden/tweede-factor/instellen",
        "enrolment during sign-in",
    ),
    (
        "POST /aanmelden/tweede-factor/instellen",
        "enrolment during sign-in",
    ),
    ("GET /activeren/{token}", "activation link"),
    ("POST /activeren/{token}", "activation link"),
    ("POST /afmelden", "sign-out ends one's own session"),
    ("POST /afmelden/overal", "sign-out ends one's own sessions"),
    (
        "POST /account/wachtwoord",
        "one's own password (sign_in.rs)",
    ),
    (
        "POST /aanmelden/passkey",
        "sign-in, second step with a passkey (passkeys.rs, browser.rs)",
    ),
    (
        "POST /aanmelden/passkey/toevoegen",
        "adding a passkey during sign-in or to one's own account (passkeys.rs, browser.rs)",
    ),
    ("POST /taal", "language choice, a cookie"),
    (
        "GET /transparantie",
        "public figures without personal data (transparency.rs)",
    ),
    (
        "GET /transparantie/{year}/{file}",
        "public open data without personal data (transparency.rs)",
    ),
    ("GET /assets/{file}", "style sheets"),
    ("GET /healthz", "operations"),
    ("GET /readyz", "operations"),
    ("GET /metrics", "operations, with its own bearer token"),
    ("GET /api/v1/openapi.json", "API"),
    ("GET /api/v1/organisatie", "API"),
    ("POST /api/v1/meldingen", "API"),
    ("GET /api/v1/meldingen/{referentie}", "API"),
];

/// `METHOD /path` of every route in the route tables (`src/web/mod.rs`, with the API's
/// table in `src/web/api/mod.rs` under `/api/v1`), read from the source.
fn routes_in_router() -> Vec<String> {
    let mut found = Vec::new();
    for (file, prefix) in [("src/web/mod.rs", ""), ("src/web/api/mod.rs", "/api/v1")] {
        let text =
            std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        for part in text.split(".route(").skip(1) {
            let Some(path) = part
                .trim_start()
                .strip_prefix('"')
                .and_then(|p| p.split('"').next())
            else {
                continue;
            };
            // The handlers of this route: up to the next `.route(` (already split off); a
            // method router is `get(…)`, `post(…)`, … after a space, `(` or `.`.
            let chain = part.split(".fallback(").next().unwrap();
            for method in ["get", "post", "put", "patch", "delete"] {
                let needle = format!("{method}(");
                let called = chain.match_indices(&needle).any(|(i, _)| {
                    i == 0 || matches!(chain.as_bytes()[i - 1], b' ' | b'(' | b'.' | b'\n')
                });
                if called {
                    found.push(format!("{} {prefix}{path}", method.to_uppercase()));
                }
            }
        }
    }
    found
}

#[test]
fn every_route_of_the_router_is_in_the_matrix() {
    let routes = routes_in_router();
    assert!(
        routes.len() > 60,
        "found only {} routes: {routes:?}",
        routes.len()
    );
    let missing: Vec<&String> = routes
        .iter()
        .filter(|r| {
            !ROUTES.iter().any(|(_, m, _)| m == r) && !OPEN_ROUTES.iter().any(|(m, _)| m == r)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorisation matrix: {missing:?}"
    );
    let stale: Vec<&str> = ROUTES
        .iter()
        .map(|(_, m, _)| *m)
        .chain(OPEN_ROUTES.iter().map(|(m, _)| *m))
        .filter(|m| !routes.iter().any(|r| r == m))
        .collect();
    assert!(
        stale.is_empty(),
        "matrix rows for routes the router does not have: {stale:?}"
    );
}
