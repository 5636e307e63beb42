//! Situations on both backends: creating, linking (one situation per case), phases with their
//! reasons, suggestions confirmed and dismissed, the mayor told, and the map's counts.

use meldpunt::domain::situation::{Phase, SituationDraft, Suggestion};
use meldpunt::domain::user::Role;
use meldpunt::domain::{parse_dutch_local, Millis};
use meldpunt::service::{now_ms, situations, ServiceError, Settings};
use meldpunt::store::situations::{self as store, SituationEventKind, SituationFilter};
use meldpunt::store::{audit, cases};

use crate::both_backends;
use crate::support::*;

/// A date a week from now, `YYYY-MM-DD` (reports may not name a date in the past).
fn next_week() -> String {
    meldpunt::service::situations::dutch_date(now_ms() + 7 * 24 * 3_600_000)
}

fn at(date: &str, time: &str) -> Millis {
    parse_dutch_local(&format!("{date}T{time}")).unwrap()
}

fn draft(codes: &[&str], date: &str) -> SituationDraft {
    SituationDraft {
        title: "Oproep rellen avondklok".into(),
        municipality_codes: codes.iter().map(|c| c.to_string()).collect(),
        place: "Beijerlandselaan".into(),
        window_start: Some(at(date, "18:00")),
        window_end: Some(at(date, "23:59")),
        size: "medium".into(),
    }
}

both_backends!(
    a_situation_gathers_cases_moves_through_phases_and_tells_the_municipalities,
    |db: TestDb| async move {
        let orgs = seed_orgs(&db.store).await;
        let rdam = make_person(&db.store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let ams = make_person(&db.store, orgs.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let analyst = make_person(&db.store, orgs.central, "an@meldpunt.nl", Role::Analyst).await;
        let user = meldpunt::store::users::get(&db.store, analyst.id)
            .await
            .unwrap();
        let ctx = cli_ctx().acting_as(&user);
        let day = next_week();
        let (_, c1) = submit_report_about(
            &db.store,
            orgs.rotterdam,
            &rdam,
            "https://t.me/rellen/1",
            Some(("GM0599", &day, "19:00")),
        )
        .await;
        let (_, c2) = submit_report_about(
            &db.store,
            orgs.amsterdam,
            &ams,
            "https://www.tiktok.com/@rel/video/2",
            Some(("GM0599", &day, "20:00")),
        )
        .await;
        let (_, c3) =
            submit_report(&db.store, orgs.amsterdam, &ams, "https://x.com/a/status/3").await;

        // Two open cases name Rotterdam on the same date: a new situation is suggested.
        let suggested = situations::suggestions(&db.store).await.unwrap();
        let new = Suggestion::NewSituation {
            municipality_code: "GM0599".into(),
            date: day.clone(),
            case_ids: vec![c1, c2],
        };
        assert_eq!(suggested, vec![new.clone()]);

        // Confirmed: the situation is made with both cases, and the suggestion is gone.
        let id = situations::create(
            &db.store,
            &ctx,
            &draft(&["GM0599"], &day),
            &[c1, c2],
            Some(&new.key()),
        )
        .await
        .unwrap();
        assert!(situations::suggestions(&db.store).await.unwrap().is_empty());
        let s = store::get(&db.store, id).await.unwrap();
        assert_eq!(s.phase, Phase::Signal);
        assert_eq!(s.case_count, 2);
        assert_eq!(s.municipality_codes, vec!["GM0599"]);
        assert!(s.reference.starts_with("SIT-"), "{}", s.reference);
        let linked: Vec<i64> = cases::in_situation(&db.store, id)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(linked, vec![c1, c2]);
        assert_eq!(trail(&db.store, "situation.created").await.len(), 1);

        // A case belongs to one situation at a time: a second situation cannot take c1.
        let other = situations::create(&db.store, &ctx, &draft(&["GM0363"], &day), &[], None)
            .await
            .unwrap();
        let entries = audit::count(&db.store).await.unwrap();
        let twice = situations::link_case(&db.store, &ctx, other, c1, None).await;
        assert!(
            matches!(&twice, Err(ServiceError::Unprocessable(m)) if m.key == "situation.case_in_other_situation"),
            "{twice:?}"
        );
        assert_eq!(store::get(&db.store, other).await.unwrap().case_count, 0);
        assert_eq!(
            audit::count(&db.store).await.unwrap(),
            entries + 1,
            "the refusal is audited and nothing else is written"
        );

        // A phase change needs a reason; going back without one is refused and changes nothing.
        let settings = Settings {
            public_url: "https://meldpunt.example".into(),
            ..Default::default()
        };
        let no_reason =
            situations::change_phase(&db.store, &settings, &ctx, id, Phase::Mobilisation, "").await;
        assert!(matches!(
            no_reason,
            Err(ServiceError::Invalid {
                field: "reason",
                ..
            })
        ));
        situations::change_phase(
            &db.store,
            &settings,
            &ctx,
            id,
            Phase::Escalation,
            "Wapenlijst en tijdstip gedeeld in tien groepen",
        )
        .await
        .unwrap();
        let back =
            situations::change_phase(&db.store, &settings, &ctx, id, Phase::Signal, "").await;
        assert!(
            matches!(&back, Err(ServiceError::Invalid { message, .. }) if message.key == "situation.phase_back_reason_required")
        );
        assert_eq!(
            store::get(&db.store, id).await.unwrap().phase,
            Phase::Escalation
        );
        assert_eq!(trail(&db.store, "situation.phase_changed").await.len(), 3);

        // The Rotterdam reporter is told, in meldpunt and by e-mail; Amsterdam's is not.
        let told = meldpunt::store::notify::list(&db.store, rdam.id, 50)
            .await
            .unwrap();
        assert!(
            told.iter()
                .any(|n| n.text.contains("fase Escalatie") && n.link == format!("/situaties/{id}")),
            "{told:?}"
        );
        let not_told = meldpunt::store::notify::list(&db.store, ams.id, 50)
            .await
            .unwrap();
        assert!(!not_told.iter().any(|n| n.text.contains("Situatie")));
        let mail = meldpunt::store::notify::pending_mail(&db.store)
            .await
            .unwrap();
        assert!(mail.iter().any(|m| m.to_addr == "r@rotterdam.nl"
            && m.body.contains("Wapenlijst en tijdstip")
            && m.body
                .contains(&format!("https://meldpunt.example/situaties/{id}"))));

        // Unlinking needs a reason and is not suggested again.
        let short = situations::unlink_case(&db.store, &ctx, id, c2, "nee").await;
        assert!(matches!(
            short,
            Err(ServiceError::Invalid {
                field: "reason",
                ..
            })
        ));
        situations::unlink_case(&db.store, &ctx, id, c2, "Gaat over een ander evenement")
            .await
            .unwrap();
        assert_eq!(store::get(&db.store, id).await.unwrap().case_count, 1);
        let after = situations::suggestions(&db.store).await.unwrap();
        assert!(
            !after.contains(&Suggestion::Link {
                situation_id: id,
                case_id: c2
            }),
            "{after:?}"
        );
        let kinds: Vec<SituationEventKind> = store::events(&db.store, id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![
                SituationEventKind::Created,
                SituationEventKind::CaseLinked,
                SituationEventKind::CaseLinked,
                SituationEventKind::PhaseChanged,
                SituationEventKind::CaseUnlinked,
            ]
        );

        // The map counts open cases where their reports place them: c1 and c2 in Rotterdam
        // (named), c3 in Amsterdam (the reporting municipality, no place named).
        let all = store::open_cases_per_municipality(&db.store, &SituationFilter::default())
            .await
            .unwrap();
        assert_eq!(all.get("GM0599"), Some(&2));
        assert_eq!(all.get("GM0363"), Some(&1));
        let escalating = store::open_cases_per_municipality(
            &db.store,
            &SituationFilter {
                phase: Some(Phase::Escalation),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            escalating.get("GM0599"),
            Some(&1),
            "only c1 is still linked"
        );
        assert_eq!(escalating.get("GM0363"), None);
        let on_tiktok = store::open_cases_per_municipality(
            &db.store,
            &SituationFilter {
                platform: Some(meldpunt::domain::link::Platform::TikTok),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            on_tiktok.into_iter().collect::<Vec<_>>(),
            vec![("GM0599".into(), 1)]
        );
        let later = store::open_cases_per_municipality(
            &db.store,
            &SituationFilter {
                since: Some(now_ms() + 60_000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(later.is_empty());
        let _ = c3;

        // A closed situation takes no cases until it is reopened.
        situations::change_phase(
            &db.store,
            &settings,
            &ctx,
            id,
            Phase::Closed,
            "Avond rustig verlopen, geen nieuwe oproepen",
        )
        .await
        .unwrap();
        let closed = situations::link_case(&db.store, &ctx, id, c2, None).await;
        assert!(
            matches!(&closed, Err(ServiceError::Unprocessable(m)) if m.key == "situation.closed")
        );
        let open = store::list(
            &db.store,
            &SituationFilter {
                open_only: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(open.iter().map(|s| s.id).collect::<Vec<_>>(), vec![other]);
    }
);

both_backends!(
    a_dismissed_suggestion_is_not_made_again_and_a_fitting_case_is_proposed_for_its_situation,
    |db: TestDb| async move {
        let orgs = seed_orgs(&db.store).await;
        let rdam = make_person(&db.store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let analyst = make_person(&db.store, orgs.central, "an@meldpunt.nl", Role::Analyst).await;
        let user = meldpunt::store::users::get(&db.store, analyst.id)
            .await
            .unwrap();
        let ctx = cli_ctx().acting_as(&user);
        let day = next_week();
        let id = situations::create(&db.store, &ctx, &draft(&["GM0599"], &day), &[], None)
            .await
            .unwrap();
        let (_, c1) = submit_report_about(
            &db.store,
            orgs.rotterdam,
            &rdam,
            "https://t.me/rellen/9",
            Some(("GM0599", &day, "19:30")),
        )
        .await;
        let link = Suggestion::Link {
            situation_id: id,
            case_id: c1,
        };
        assert_eq!(
            situations::suggestions(&db.store).await.unwrap(),
            vec![link.clone()]
        );
        situations::dismiss_suggestion(&db.store, &ctx, &link.key())
            .await
            .unwrap();
        assert!(situations::suggestions(&db.store).await.unwrap().is_empty());
        let again = situations::dismiss_suggestion(&db.store, &ctx, &link.key()).await;
        assert!(matches!(again, Err(ServiceError::Conflict(_))));
        let bogus = situations::dismiss_suggestion(&db.store, &ctx, "link:x:y").await;
        assert!(matches!(bogus, Err(ServiceError::Invalid { .. })));
        assert_eq!(
            trail(&db.store, "situation.suggestion_dismissed")
                .await
                .len(),
            2,
            "the dismissal and the refused bogus key"
        );
        // Linking by hand still works after a dismissal.
        situations::link_case(&db.store, &ctx, id, c1, None)
            .await
            .unwrap();
        assert_eq!(store::get(&db.store, id).await.unwrap().case_count, 1);
    }
);
