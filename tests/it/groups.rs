//! One decision for many copies, on both backends: three copies of one call on two platforms,
//! reported by three municipalities, grouped in their situation, assessed once, approved once,
//! sent as one notice per platform listing every URL, answered per URL — and every refusal the
//! issue names (content decided differently, a stale group version, four eyes) clear, changing
//! nothing, and audited.

use meldpunt::domain::assessment::{AssessmentDraft, Review};
use meldpunt::domain::case::CaseStatus;
use meldpunt::domain::notice::{NoticeKind, Outcome};
use meldpunt::domain::org::{NewOrganisation, OrgKind};
use meldpunt::domain::situation::SituationDraft;
use meldpunt::domain::user::Role;
use meldpunt::domain::{parse_dutch_local, Millis};
use meldpunt::service::notice_setup::{self, PlatformForm, SettingsForm};
use meldpunt::service::notices::{self as notice_service, AnswerInput, GroupVerdict, Reviewer};
use meldpunt::service::{now_ms, orgs as org_service, situations, Ctx, ServiceError, Settings};
use meldpunt::store::{assessments, cases, notices, platforms, users, Store};

use crate::both_backends;
use crate::support::*;

pub const TELEGRAM: &str = "https://t.me/rellen_nl/4417";
pub const TIKTOK_1: &str = "https://www.tiktok.com/@rellen_avond/video/7300000000000000011";
pub const TIKTOK_2: &str = "https://www.tiktok.com/@oproep_nl/video/7300000000000000012";

async fn ctx_for(store: &Store, p: &Person) -> Ctx {
    Ctx::anonymous("127.0.0.1", now_ms()).acting_as(&users::get(store, p.id).await.unwrap())
}

fn at(date: &str, time: &str) -> Millis {
    parse_dutch_local(&format!("{date}T{time}")).unwrap()
}

pub fn group_draft() -> AssessmentDraft {
    AssessmentDraft {
        class: "illegal".into(),
        provisions: vec!["art-131-sr".into()],
        facts: "Dezelfde afbeelding roept in drie steden op om zaterdag 20:00 de politie aan te vallen.".into(),
        locating: "De afbeelding bovenaan het bericht".into(),
        risk_time: "zaterdag 20:00".into(),
        risk_place: "Rotterdam, Amsterdam, Utrecht".into(),
        risk_reach: "Gedeeld in tientallen groepen".into(),
        phase: "mobilisation".into(),
        no_protected_speech: true,
        rights_reasoning: "Geen politieke boodschap of betoging: alleen een oproep tot geweld.".into(),
        lighter_steps: vec!["monitoring".into()],
        proportionality: "Volgen volstaat niet: de oproep wordt snel gedeeld.".into(),
        decision: "dsa-art16-notice".into(),
        category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY".into(),
        keywords: vec![],
        reasons: "Openbare, concrete oproep tot geweld tegen het openbaar gezag.".into(),
        ..Default::default()
    }
}

/// The team's mailbox, and e-mail contact points for TikTok and Telegram.
pub async fn set_contacts(store: &Store, admin: &Person) {
    let admin = ctx_for(store, admin).await;
    notice_setup::save_settings(
        store,
        &admin,
        &SettingsForm {
            sender_name: "Centraal team meldvoorziening".into(),
            sender_email: "meldpunt@meldpunt.nl".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for (key, name, hosts, contact) in [
        (
            "tiktok",
            "TikTok",
            "tiktok.com",
            "dsa-notices@tiktok.example",
        ),
        (
            "telegram",
            "Telegram",
            "t.me telegram.org",
            "abuse@telegram.example",
        ),
    ] {
        let id = platforms::list(store)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.key == key)
            .unwrap()
            .id;
        notice_setup::save_platform(
            store,
            &admin,
            Some(id),
            &PlatformForm {
                name: name.into(),
                hosts: hosts.into(),
                channel: "email".into(),
                contact_email: contact.into(),
                languages: "nl en".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
}

pub struct Scene {
    pub orgs: Orgs,
    pub utrecht: i64,
    pub reporters: [Person; 3],
    pub analyst: Person,
    pub supervisor: Person,
    pub admin: Person,
    /// Telegram (Rotterdam), TikTok (Amsterdam), TikTok (Utrecht).
    pub cases: [i64; 3],
    pub situation_id: i64,
}

/// Three copies of one call on two platforms, reported by three municipalities, linked to
/// one situation.
pub async fn scene(store: &Store) -> Scene {
    let orgs = seed_orgs(store).await;
    let utrecht = org_service::create(
        store,
        &cli_ctx(),
        &NewOrganisation::new(OrgKind::Municipality, "GM0344", "Utrecht", None).unwrap(),
    )
    .await
    .unwrap();
    let reporters = [
        make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await,
        make_person(store, orgs.amsterdam, "a@amsterdam.nl", Role::Reporter).await,
        make_person(store, utrecht, "u@utrecht.nl", Role::Reporter).await,
    ];
    let analyst = make_person(store, orgs.central, "an@meldpunt.nl", Role::Analyst).await;
    let supervisor = make_person(store, orgs.central, "sup@meldpunt.nl", Role::Supervisor).await;
    let admin = make_person(
        store,
        orgs.central,
        "beheer@meldpunt.nl",
        Role::Administrator,
    )
    .await;
    set_contacts(store, &admin).await;
    let day = situations::dutch_date(now_ms() + 3 * 24 * 3_600_000);
    let mut cases = [0; 3];
    for (i, (org, code, url)) in [
        (orgs.rotterdam, "GM0599", TELEGRAM),
        (orgs.amsterdam, "GM0363", TIKTOK_1),
        (utrecht, "GM0344", TIKTOK_2),
    ]
    .into_iter()
    .enumerate()
    {
        cases[i] = submit_report_about(store, org, &reporters[i], url, Some((code, &day, "20:00")))
            .await
            .1;
    }
    let ctx = ctx_for(store, &analyst).await;
    let situation_id = situations::create(
        store,
        &ctx,
        &SituationDraft {
            title: "Oproep aanval politie zaterdag".into(),
            municipality_codes: vec!["GM0599".into(), "GM0363".into(), "GM0344".into()],
            place: "Stations".into(),
            window_start: Some(at(&day, "18:00")),
            window_end: Some(at(&day, "23:59")),
            size: "large".into(),
        },
        &cases,
        None,
    )
    .await
    .unwrap();
    Scene {
        orgs,
        utrecht,
        reporters,
        analyst,
        supervisor,
        admin,
        cases,
        situation_id,
    }
}

/// The scene's supervisor approves version `version` of the group.
async fn approve(
    store: &Store,
    ctx: &Ctx,
    s: &Scene,
    group: i64,
    version: i64,
) -> Result<(), ServiceError> {
    notice_service::review_group(
        store,
        &Settings::default(),
        ctx,
        boss(s),
        GroupVerdict {
            group_id: group,
            version,
            approve: true,
            reason: "",
        },
    )
    .await
}

fn boss(s: &Scene) -> Reviewer {
    Reviewer {
        user_id: s.supervisor.id,
        is_supervisor: true,
    }
}

async fn refusals(store: &Store, action: &str) -> usize {
    trail(store, action)
        .await
        .iter()
        .filter(|e| e.outcome != "success")
        .count()
}

both_backends!(
    one_group_assessment_and_one_approval_send_one_notice_per_platform_with_every_url,
    |db: TestDb| async move {
        let store = &db.store;
        let settings = Settings::default();
        let s = scene(store).await;
        let analyst = ctx_for(store, &s.analyst).await;
        let boss_ctx = ctx_for(store, &s.supervisor).await;

        let group = notice_service::create_group(
            store,
            &analyst,
            s.situation_id,
            "Afbeelding 'zaterdag 20:00'",
            &s.cases,
        )
        .await
        .unwrap();
        let version =
            notice_service::assess_group(store, &settings, &analyst, group, &group_draft())
                .await
                .unwrap();
        assert_eq!(version, 1);
        // Every member has the group's version, waiting for a supervisor; none may be approved
        // on its own (one notice per platform).
        for c in s.cases {
            let v = assessments::versions(store, c).await.unwrap();
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].group.map(|g| g.version), Some(1));
            assert_eq!(v[0].review(1), Review::AwaitingApproval);
            let alone = notice_service::review(
                store,
                &settings,
                &boss_ctx,
                boss(&s),
                notice_service::Verdict {
                    case_id: c,
                    assessment_id: v[0].id,
                    approve: true,
                    reason: "",
                },
            )
            .await;
            assert!(
                matches!(alone, Err(ServiceError::Unprocessable(_))),
                "{alone:?}"
            );
        }
        // On a member's case page the supervisor is sent to the group: no approval form there.
        let app = TestApp::new(store);
        let mut sup = app.signed_in(&s.supervisor).await;
        let v = assessments::versions(store, s.cases[1]).await.unwrap()[0].id;
        let page = sup.get(&format!("/zaken/{}", s.cases[1])).await;
        assert!(page.body.contains("hoort bij een groep"), "{}", page.body);
        assert!(page.body.contains(&format!(
            "/situaties/{}/groepen/{group}#goedkeuring",
            s.situation_id
        )));
        assert!(!page.body.contains(&format!(
            "/zaken/{}/beoordeling/{v}/goedkeuring",
            s.cases[1]
        )));
        // The group page shows both messages and every URL before approval.
        let page = sup
            .get(&format!("/situaties/{}/groepen/{group}", s.situation_id))
            .await;
        for text in [
            "dsa-notices@tiktok.example",
            "abuse@telegram.example",
            TELEGRAM,
            TIKTOK_1,
            TIKTOK_2,
        ] {
            assert!(page.body.contains(text), "{text} on the group page");
        }
        // The preview shows the two messages that would leave.
        let preview = notice_service::group_approval_preview(store, &settings, &boss_ctx, group)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(preview.len(), 2);

        // The analyst cannot approve their own work.
        let own = notice_service::review_group(
            store,
            &settings,
            &analyst,
            Reviewer {
                user_id: s.analyst.id,
                is_supervisor: false,
            },
            GroupVerdict {
                group_id: group,
                version: 1,
                approve: true,
                reason: "",
            },
        )
        .await;
        assert!(matches!(own, Err(ServiceError::Denied(_))), "{own:?}");

        approve(store, &boss_ctx, &s, group, 1).await.unwrap();

        // One notice per platform, each listing every URL of that platform's copies.
        let mut sent = Vec::new();
        for c in s.cases {
            assert_eq!(
                cases::get(store, c).await.unwrap().status,
                CaseStatus::Decided
            );
            let of_case = notices::list_by_case(store, c).await.unwrap();
            assert_eq!(of_case.len(), 1, "one message about case {c}");
            sent.push(of_case[0].clone());
        }
        assert_eq!(
            sent[1].id, sent[2].id,
            "the two TikTok copies share one notice"
        );
        assert_ne!(sent[0].id, sent[1].id, "Telegram gets its own notice");
        let lists = |n: &notices::Notice, url: &str| n.urls.iter().any(|u| u == url);
        assert!(lists(&sent[0], TELEGRAM) && !lists(&sent[0], TIKTOK_1));
        assert!(
            lists(&sent[1], TIKTOK_1) && lists(&sent[1], TIKTOK_2) && !lists(&sent[1], TELEGRAM)
        );
        assert_eq!(sent[1].kind, NoticeKind::Art16Notice);
        assert!(sent[1].body.contains(TIKTOK_1) && sent[1].body.contains(TIKTOK_2));
        for c in &s.cases[1..] {
            let reference = cases::get(store, *c).await.unwrap().reference;
            assert!(
                sent[1].body.contains(&reference),
                "{reference} named in the notice"
            );
        }
        assert!(sent[0].body.contains(TELEGRAM) && !sent[0].body.contains(TIKTOK_1));
        assert_eq!(trail(store, "notice.queued").await.len(), 2);
        // A refused retry of the same verdict changes nothing.
        let again = approve(store, &boss_ctx, &s, group, 1).await;
        assert!(again.is_err());
        assert_eq!(trail(store, "notice.queued").await.len(), 2);

        // The platform answers per URL: each case gets its own outcome.
        let tiktok = &sent[1];
        // The outbox delivers both: every member case is "request sent".
        let mails = crate::notices::deliver_all(store).await;
        let to: Vec<&str> = mails
            .iter()
            .filter(|m| m.notice_id.is_some())
            .map(|m| m.to_addr.as_str())
            .collect();
        assert!(
            to.contains(&"dsa-notices@tiktok.example") && to.contains(&"abuse@telegram.example")
        );
        for c in s.cases {
            assert_eq!(
                cases::get(store, c).await.unwrap().status,
                CaseStatus::NoticeSent
            );
        }
        notice_service::record_answer(
            store,
            &settings,
            &boss_ctx,
            tiktok.id,
            &[
                AnswerInput {
                    url: TIKTOK_1.into(),
                    outcome: Outcome::Removed,
                    reason: String::new(),
                },
                AnswerInput {
                    url: TIKTOK_2.into(),
                    outcome: Outcome::DisabledInNl,
                    reason: String::new(),
                },
            ],
            now_ms(),
        )
        .await
        .unwrap();
        let amsterdam = notice_service::outcome_lines(store, s.cases[1])
            .await
            .unwrap();
        let utrecht = notice_service::outcome_lines(store, s.cases[2])
            .await
            .unwrap();
        let rotterdam = notice_service::outcome_lines(store, s.cases[0])
            .await
            .unwrap();
        assert!(amsterdam
            .iter()
            .any(|l| l.contains("Besluit van het centrale team")));
        assert_eq!(
            amsterdam
                .iter()
                .filter(|l| l.contains("antwoord van"))
                .count(),
            1,
            "{amsterdam:?}"
        );
        assert!(amsterdam
            .iter()
            .any(|l| l.starts_with(Outcome::Removed.plain_dutch())));
        assert!(utrecht
            .iter()
            .any(|l| l.starts_with(Outcome::DisabledInNl.plain_dutch())));
        assert!(
            !rotterdam.iter().any(|l| l.contains("antwoord van")),
            "{rotterdam:?}"
        );
        let api = notice_service::case_outcome(store, s.cases[2])
            .await
            .unwrap();
        assert_eq!(api.answers.len(), 1);
        assert_eq!(api.answers[0].0, TIKTOK_2);
        // An answer for a URL the notice does not list is refused.
        let foreign = notice_service::record_answer(
            store,
            &settings,
            &boss_ctx,
            tiktok.id,
            &[AnswerInput {
                url: TELEGRAM.into(),
                outcome: Outcome::Removed,
                reason: String::new(),
            }],
            now_ms(),
        )
        .await;
        assert!(foreign.is_err());
        for c in &s.cases[1..] {
            assert_eq!(
                cases::get(store, *c).await.unwrap().status,
                CaseStatus::PlatformAnswered
            );
        }
        // The poster of Utrecht's copy objects; upheld, the request is withdrawn for that
        // copy's URLs only — Amsterdam's copy on the same notice stands.
        use meldpunt::domain::notice::{ObjectionSource, ObjectionVerdict};
        use meldpunt::service::redress;
        let objection = redress::record_objection(
            store,
            &analyst,
            s.cases[2],
            &redress::ObjectionInput {
                source: ObjectionSource::Poster,
                notice_id: Some(tiktok.id),
                received_at: now_ms(),
                summary: "Dit is een ander bericht dan de oproep.",
            },
        )
        .await
        .unwrap();
        let mut no_action = group_draft();
        no_action.decision = "no-action".into();
        notice_service::assess(store, &settings, &analyst, s.cases[2], &no_action)
            .await
            .unwrap();
        redress::decide_objection(
            store,
            &settings,
            &boss_ctx,
            s.cases[2],
            redress::ObjectionDecision {
                objection_id: objection,
                verdict: ObjectionVerdict::Upheld,
                reasons: "Bij nader inzien geen oproep tot geweld.",
                withdraw: true,
            },
        )
        .await
        .unwrap();
        let withdrawals: Vec<_> = notices::list_by_case(store, s.cases[2])
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == NoticeKind::Withdrawal)
            .collect();
        assert_eq!(withdrawals.len(), 1);
        assert!(withdrawals[0].urls.iter().all(|u| u.contains("@oproep_nl")));
        assert!(!withdrawals[0].body.contains("@rellen_avond"));
        assert!(notices::list_by_case(store, s.cases[1])
            .await
            .unwrap()
            .iter()
            .all(|n| n.kind != NoticeKind::Withdrawal));
        let original = notices::get(store, tiktok.id).await.unwrap();
        assert_eq!(original.withdrawn_at, None, "Amsterdam's copy still stands");
        let _ = (&s.orgs, s.utrecht, &s.reporters, &s.admin);
    }
);

both_backends!(
    groups_refuse_mixed_decisions_stale_versions_and_reporters_and_a_later_copy_waits_for_approval,
    |db: TestDb| async move {
        let store = &db.store;
        let settings = Settings::default();
        let s = scene(store).await;
        let analyst = ctx_for(store, &s.analyst).await;
        let boss_ctx = ctx_for(store, &s.supervisor).await;

        // The Telegram copy was decided on its own (its notice went out); the Utrecht copy was
        // decided "no action": content decided differently is not one message.
        notice_service::assess(store, &settings, &analyst, s.cases[0], &group_draft())
            .await
            .unwrap();
        let v = assessments::versions(store, s.cases[0]).await.unwrap()[0].id;
        notice_service::review(
            store,
            &settings,
            &boss_ctx,
            boss(&s),
            notice_service::Verdict {
                case_id: s.cases[0],
                assessment_id: v,
                approve: true,
                reason: "",
            },
        )
        .await
        .unwrap();
        assert_eq!(trail(store, "notice.queued").await.len(), 1);
        let mut no_action = group_draft();
        no_action.decision = "no-action".into();
        notice_service::assess(store, &settings, &analyst, s.cases[2], &no_action)
            .await
            .unwrap();
        let before = refusals(store, "situation.group_created").await;
        let mixed =
            notice_service::create_group(store, &analyst, s.situation_id, "Kopieën", &s.cases)
                .await;
        match mixed {
            Err(ServiceError::Unprocessable(m)) => {
                assert_eq!(m.key, "group.decided_differently")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(refusals(store, "situation.group_created").await, before + 1);
        assert!(meldpunt::store::groups::of_situation(store, s.situation_id)
            .await
            .unwrap()
            .is_empty());
        // One case is too few; a case outside the situation is refused.
        let one =
            notice_service::create_group(store, &analyst, s.situation_id, "Eén", &s.cases[..1])
                .await;
        assert!(matches!(one, Err(ServiceError::Unprocessable(_))));

        let group =
            notice_service::create_group(store, &analyst, s.situation_id, "Kopieën", &s.cases[..2])
                .await
                .unwrap();
        // Adding the case decided differently is refused too.
        let add = notice_service::add_to_group(store, &settings, &analyst, group, s.cases[2]).await;
        assert!(
            matches!(add, Err(ServiceError::Unprocessable(_))),
            "{add:?}"
        );

        notice_service::assess_group(store, &settings, &analyst, group, &group_draft())
            .await
            .unwrap();
        let v2 = notice_service::assess_group(store, &settings, &analyst, group, &group_draft())
            .await
            .unwrap();
        assert_eq!(v2, 2);
        // A verdict on the stale version 1 is refused, audited, and sends nothing.
        let before = refusals(store, "assessment.approved").await;
        let stale = approve(store, &boss_ctx, &s, group, 1).await;
        match stale {
            Err(ServiceError::Conflict(m)) => assert_eq!(m.key, "group.stale_version"),
            other => panic!("{other:?}"),
        }
        assert_eq!(refusals(store, "assessment.approved").await, before + 1);
        assert!(notices::list_by_case(store, s.cases[1])
            .await
            .unwrap()
            .is_empty());

        // A supervisor who reported one of the copies may not approve the group.
        let reporter_as_boss = notice_service::review_group(
            store,
            &settings,
            &boss_ctx,
            Reviewer {
                user_id: s.reporters[0].id,
                is_supervisor: true,
            },
            GroupVerdict {
                group_id: group,
                version: 2,
                approve: true,
                reason: "",
            },
        )
        .await;
        assert!(
            matches!(reporter_as_boss, Err(ServiceError::Denied(_))),
            "{reporter_as_boss:?}"
        );

        approve(store, &boss_ctx, &s, group, 2).await.unwrap();
        // Only the TikTok copy still needed its message; Telegram's went out before.
        assert_eq!(trail(store, "notice.queued").await.len(), 2);
        assert_eq!(
            notices::list_by_case(store, s.cases[0])
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            notices::list_by_case(store, s.cases[1])
                .await
                .unwrap()
                .len(),
            1
        );

        // A copy reported later: linked to the situation and the group, it gets the group's
        // decision proposed — waiting for a supervisor, nothing sent yet.
        let day = situations::dutch_date(now_ms() + 3 * 24 * 3_600_000);
        let (_, late) = submit_report_about(
            store,
            s.orgs.amsterdam,
            &s.reporters[1],
            "https://www.tiktok.com/@derde/video/7300000000000000099",
            Some(("GM0363", &day, "20:00")),
        )
        .await;
        situations::link_case(store, &analyst, s.situation_id, late, None)
            .await
            .unwrap();
        let proposed = notice_service::add_to_group(store, &settings, &analyst, group, late)
            .await
            .unwrap();
        assert!(proposed);
        let v = assessments::versions(store, late).await.unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].review(1), Review::AwaitingApproval);
        assert_eq!(v[0].a.decision.as_str(), "dsa-art16-notice");
        assert!(notices::list_by_case(store, late).await.unwrap().is_empty());
        assert_eq!(trail(store, "notice.queued").await.len(), 2);
        // The supervisor approves the copy on the group page: its own notice leaves.
        approve(store, &boss_ctx, &s, group, 2).await.unwrap();
        let of_late = notices::list_by_case(store, late).await.unwrap();
        assert_eq!(of_late.len(), 1);
        assert!(of_late[0]
            .urls
            .iter()
            .all(|u| u.contains("@derde/video/7300000000000000099")));
        assert_eq!(trail(store, "notice.queued").await.len(), 3);
    }
);
