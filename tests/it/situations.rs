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
        let (_, _c3) =
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

/// The (code, cases, situations) numbers of the map's SVG paths that carry numbers.
fn svg_numbers(body: &str) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    for part in body.split("<path ").skip(1) {
        let part = part.split("</path>").next().unwrap();
        let attr = |name: &str| {
            part.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        };
        if let (Some(code), Some(cases), Some(situations)) = (
            attr("data-code"),
            attr("data-cases"),
            attr("data-situations"),
        ) {
            let (cases, situations): (i64, i64) =
                (cases.parse().unwrap(), situations.parse().unwrap());
            if cases > 0 || situations > 0 {
                out.push((code, cases, situations));
            }
        }
    }
    out.sort();
    out
}

/// The same numbers from the table twin.
fn table_numbers(body: &str) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    for part in body
        .split("<tr class=\"utrecht-table__row\" data-code=\"")
        .skip(1)
    {
        let code = part.split('"').next().unwrap().to_string();
        let cases = part
            .split("data-cases=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let situations = part
            .split("data-situations=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        out.push((code, cases.parse().unwrap(), situations.parse().unwrap()));
    }
    out.sort();
    out
}

both_backends!(
    the_map_and_its_table_tell_the_same_numbers_and_a_municipality_sees_only_its_region,
    |db: TestDb| async move {
        let orgs = seed_orgs(&db.store).await;
        let ams = make_person(&db.store, orgs.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let rdam = make_person(&db.store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let analyst = make_person(&db.store, orgs.central, "an@meldpunt.nl", Role::Analyst).await;
        let day = next_week();
        let (_, c1) = submit_report_about(
            &db.store,
            orgs.amsterdam,
            &ams,
            "https://t.me/oproep/1",
            Some(("GM0363", &day, "20:00")),
        )
        .await;
        // Rotterdam reports a copy placed in Amsterdam, and its own call.
        let (rdam_report, c2) = submit_report_about(
            &db.store,
            orgs.rotterdam,
            &rdam,
            "https://www.tiktok.com/@x/video/77",
            Some(("GM0363", &day, "20:30")),
        )
        .await;
        let (_, _c3) =
            submit_report(&db.store, orgs.rotterdam, &rdam, "https://x.com/r/status/5").await;
        let user = meldpunt::store::users::get(&db.store, analyst.id)
            .await
            .unwrap();
        let ctx = cli_ctx().acting_as(&user);
        let sid = situations::create(&db.store, &ctx, &draft(&["GM0363"], &day), &[c1, c2], None)
            .await
            .unwrap();
        let app = TestApp::new(&db.store);

        // The team: Amsterdam 2 cases and 1 situation, Rotterdam 1 case; the table agrees.
        let mut team = app.signed_in(&analyst).await;
        let map = team.get("/kaart").await;
        assert_eq!(map.status, axum::http::StatusCode::OK);
        let drawn = svg_numbers(&map.body);
        assert_eq!(
            drawn,
            vec![("GM0363".into(), 2, 1), ("GM0599".into(), 1, 0)]
        );
        assert_eq!(drawn, table_numbers(&map.body));
        assert!(map.body.contains("Bron: CBS / PDOK"));
        // Filters are links, and each keeps the map and table in step.
        let tiktok = team.get("/kaart?platform=tiktok&venster=24u").await;
        assert_eq!(svg_numbers(&tiktok.body), vec![("GM0363".into(), 1, 1)]);
        assert_eq!(svg_numbers(&tiktok.body), table_numbers(&tiktok.body));
        let disorder = team.get("/kaart?fase=disorder").await;
        assert!(svg_numbers(&disorder.body).is_empty());
        assert!(table_numbers(&disorder.body).is_empty());

        // Amsterdam's reporter: only the safety region Amsterdam-Amstelland has numbers.
        let mut amsterdam = app.signed_in(&ams).await;
        let own_map = amsterdam.get("/kaart").await;
        assert_eq!(svg_numbers(&own_map.body), vec![("GM0363".into(), 2, 1)]);
        assert_eq!(svg_numbers(&own_map.body), table_numbers(&own_map.body));
        assert!(!own_map.body.contains("data-code=\"GM0599\""));

        // The situation page shows Amsterdam what happened, never Rotterdam's report itself.
        let page = amsterdam.get(&format!("/situaties/{sid}")).await;
        assert_eq!(page.status, axum::http::StatusCode::OK);
        let rdam_reference = meldpunt::store::reports::get(&db.store, rdam_report)
            .await
            .unwrap()
            .reference;
        assert!(page.body.contains("Rotterdam"), "the municipality is named");
        assert!(page.body.contains("1 andere gemeente"));
        assert!(
            page.body.contains("Wacht nog op een besluit: 2"),
            "nothing decided yet"
        );
        for secret in [
            rdam_reference.as_str(),
            "r@rotterdam.nl",
            "tiktok.com/@x",
            "/zaken/",
            "an@meldpunt.nl",
        ] {
            assert!(!page.body.contains(secret), "{secret} leaked");
        }
        assert!(
            !page.body.contains("/situaties/{sid}/fase"),
            "no team forms"
        );
        // Once the team decides a case, the municipality reads what was decided.
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let no_action = meldpunt::domain::assessment::AssessmentDraft {
        class: "undesirable".into(),
        facts: "Het bericht noemt geen tijd of plaats en roept niet op tot geweld.".into(),
        risk_time: "onbekend".into(),
        risk_place: "onbekend".into(),
        risk_reach: "Weinig gedeeld".into(),
        phase: "signal".into(),
        no_protected_speech: true,
        rights_reasoning:
            "Ingrijpen zou de vrijheid van meningsuiting raken zonder dat er een verstoring dreigt."
                .into(),
        lighter_steps: owned(&["monitoring"]),
        proportionality: "Volgen volstaat: er is geen aanwijzing voor een verstoring.".into(),
        decision: "no-action".into(),
        reasons: "Geen oproep tot verstoring.".into(),
        ..Default::default()
    };
        meldpunt::service::notices::assess(&db.store, &Settings::default(), &ctx, c1, &no_action)
            .await
            .unwrap();
        let page = amsterdam.get(&format!("/situaties/{sid}")).await;
        assert!(
            page.body.contains("Geen actie: 1"),
            "the decision is counted"
        );
        assert!(page.body.contains("Wacht nog op een besluit: 1"));
        // And the start page lists the situation.
        let start = amsterdam.get("/start").await;
        assert!(start.body.contains(&format!("/situaties/{sid}")));

        // Rotterdam reported into it, so it sees the situation too; a situation in Rotterdam's
        // region it has no part in stays out of Amsterdam's sight.
        let mut rotterdam = app.signed_in(&rdam).await;
        assert_eq!(
            rotterdam.get(&format!("/situaties/{sid}")).await.status,
            axum::http::StatusCode::OK
        );
        let listed = format!("/situaties/{sid}\"");
        assert!(rotterdam.get("/situaties").await.body.contains(&listed));
        assert!(rotterdam.get("/start").await.body.contains(&listed));
        let other = situations::create(&db.store, &ctx, &draft(&["GM0599"], &day), &[], None)
            .await
            .unwrap();
        assert_eq!(
            amsterdam.get(&format!("/situaties/{other}")).await.status,
            axum::http::StatusCode::NOT_FOUND
        );
        let list = amsterdam.get("/situaties").await;
        assert!(list.body.contains(&format!("/situaties/{sid}\"")));
        assert!(!list.body.contains(&format!("/situaties/{other}\"")));
        // The team's page has the team's tools and the links.
        let team_page = team.get(&format!("/situaties/{sid}")).await;
        assert!(team_page.body.contains(&format!("/situaties/{sid}/fase")));
        assert!(team_page.body.contains(&format!("/zaken/{c1}")));

        // A new case that fits the situation is proposed on its own page; confirming links it
        // and returns to the case.
        let (_, c4) = submit_report_about(
            &db.store,
            orgs.amsterdam,
            &ams,
            "https://www.instagram.com/p/KOPIE4/",
            Some(("GM0363", &day, "21:00")),
        )
        .await;
        let case_page = team.get(&format!("/zaken/{c4}")).await;
        assert!(
            case_page.body.contains("meldpunt stelt voor"),
            "suggested on the case page"
        );
        let key = Suggestion::Link {
            situation_id: sid,
            case_id: c4,
        }
        .key();
        assert!(case_page.body.contains(&key));
        let back = format!("/zaken/{c4}");
        let linked = team
            .post(
                &format!("/situaties/{sid}/zaken"),
                &[
                    ("case", &c4.to_string()),
                    ("suggestion", &key),
                    ("back", &back),
                ],
            )
            .await;
        assert_eq!(linked.status, axum::http::StatusCode::SEE_OTHER);
        assert_eq!(linked.location(), back);
        let after = team.get(&back).await;
        assert!(after.body.contains(&format!("href=\"/situaties/{sid}\"")));
        assert!(!after.body.contains("meldpunt stelt voor"));
        // A form cannot send anyone elsewhere.
        let elsewhere = team
            .post(
                "/situaties/suggesties/afwijzen",
                &[("key", "link:999:999"), ("back", "//evil.example")],
            )
            .await;
        assert_eq!(elsewhere.location(), "/situaties");
    }
);
