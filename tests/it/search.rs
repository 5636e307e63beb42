//! Search: the team finds every case by reference, link (any spelling), account, host and
//! Dutch words; a reporter finds only their organisation's reports, and never the team's
//! notes; bad queries get a reason, never a 500. On both backends.

use axum::http::StatusCode;
use meldpunt::domain::policy::SearchScope;
use meldpunt::domain::search;
use meldpunt::store::{cases, reports, search as store_search};

use crate::both_backends;
use crate::intake::{cast, report};
use crate::support::*;

const VIDEO: &str = "https://www.tiktok.com/@feest.haren/video/7301234567890123456";
const VIDEO_SHARED: &str =
    "https://m.tiktok.com/@feest.haren/video/7301234567890123456?_t=8kZ&is_from_webapp=1";
const FORUM: &str = "https://forum.example.nl/t/verzamelen/991";

fn fields<'a>(link: &'a str, remark: &'a str, justification: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("link_url_1", link),
        ("link_remark_1", remark),
        ("category", "call_to_gather"),
        ("urgency", "high"),
        ("justification", justification),
        ("on_behalf_of", "De burgemeester"),
        ("municipality", ""),
    ]
}

/// The case references (team) or report references (reporter) on a results page, in order.
fn found(body: &str, prefix: &str) -> Vec<String> {
    body.match_indices(&format!(">{prefix}-"))
        .map(|(i, _)| {
            body[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        })
        .collect()
}

both_backends!(
    the_team_finds_a_case_by_reference_link_account_host_and_words_a_reporter_only_their_own,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        let mut ams = app.signed_in(&cast.ams).await;
        let mut rdam = app.signed_in(&cast.rdam).await;
        let mut team = app.signed_in(&cast.analyst).await;

        let a = report(
            &mut ams,
            &fields(
                VIDEO,
                "Datum en plaats in beeld",
                "Oproep tot rellen op het Malieveld, zaterdag",
            ),
            &[],
        )
        .await;
        let b = report(
            &mut rdam,
            &fields(FORUM, "", "Relschoppers verzamelen zich bij het station"),
            &[],
        )
        .await;
        let a_ref = reports::get(&db.store, a).await.unwrap().reference;
        let b_ref = reports::get(&db.store, b).await.unwrap().reference;
        let video_case = reports::links(&db.store, a).await.unwrap()[0].case_id;
        let forum_case = reports::links(&db.store, b).await.unwrap()[0].case_id;
        let video = cases::get(&db.store, video_case).await.unwrap().reference;
        let forum = cases::get(&db.store, forum_case).await.unwrap().reference;

        // A note of the team on the video's case: searchable by the team only.
        let moved = team
            .post(
                &format!("/zaken/{video_case}/status"),
                &[
                    ("status", "in_triage"),
                    ("note", "Politie meldt vuurwerkbommen"),
                ],
            )
            .await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);

        let q = |s: &str| format!("/zoeken?q={}", urlencoding::encode(s));
        for (query, expected) in [
            (video.to_lowercase(), vec![video.clone()]),
            (b_ref.replace('-', " "), vec![forum.clone()]),
            (VIDEO_SHARED.to_string(), vec![video.clone()]),
            ("@Feest.Haren".to_string(), vec![video.clone()]),
            ("www.example.nl".to_string(), vec![forum.clone()]),
            // Dutch words in another form and case: "Oproep" is found as "oproepen".
            ("oproepen".to_string(), vec![video.clone()]),
            ("Verzameling stations".to_string(), vec![forum.clone()]),
            ("Vuurwerkbommen".to_string(), vec![video.clone()]),
            ("malieveld station".to_string(), vec![]),
        ] {
            let r = team.get(&q(&query)).await;
            assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
            let mut hits = found(&r.body, "ZAAK");
            hits.dedup();
            assert_eq!(hits, expected, "team searching {query:?}");
        }
        let note = team.get(&q("vuurwerkbommen")).await;
        assert!(note.body.contains("Notitie in de zaak"), "{}", note.body);

        // A reporter finds their own report, and links to its page…
        let own = ams.get(&q("rellen")).await;
        assert_eq!(own.status, StatusCode::OK);
        assert_eq!(found(&own.body, "MLD"), vec![a_ref.clone()]);
        assert!(
            own.body.contains(&format!("href=\"/meldingen/{a}\"")),
            "{}",
            own.body
        );
        assert!(
            !own.body.contains("href=\"/zaken/"),
            "no case pages for reporters"
        );
        for query in [
            a_ref.clone(),
            video.clone(),
            VIDEO_SHARED.into(),
            "@feest.haren".into(),
        ] {
            let r = ams.get(&q(&query)).await;
            assert_eq!(found(&r.body, "MLD"), vec![a_ref.clone()], "{query}");
        }
        // …but nothing of another municipality, nor the team's notes on its own case.
        for query in [
            b_ref.clone(),
            forum.clone(),
            FORUM.into(),
            "example.nl".into(),
            "relschoppers".into(),
            "vuurwerkbommen".into(),
        ] {
            let r = ams.get(&q(&query)).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(found(&r.body, "MLD").is_empty(), "{query}: {}", r.body);
            assert!(r.body.contains("Niets gevonden"), "{query}");
        }

        // Bad input: a reason on the field, or simply nothing found — never a 500.
        let empty = team.get("/zoeken?q=++").await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            empty.body.contains("Typ waarop u wilt zoeken"),
            "{}",
            empty.body
        );
        assert!(empty.body.contains("<title>Fout: Zoeken"));
        let long = team.get(&q(&"rellen ".repeat(1500))).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(long.body.contains("hoogstens 200 tekens"), "{}", long.body);
        for hostile in [
            "rel* OR \"station\" NEAR(a b)",
            "') OR 1=1; DROP TABLE cases; --",
            "rel & !station | x:*",
            "\u{0}\u{202e}rel",
            "MLD-2026-99999999999999999",
            "https://",
            "@",
        ] {
            let r = team.get(&q(hostile)).await;
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                "{hostile:?}: {}",
                r.status
            );
        }
        let beyond = team.get(&format!("{}&pagina=40", q("oproep"))).await;
        assert_eq!(beyond.status, StatusCode::OK);
        assert!(beyond.body.contains("Deze pagina bestaat niet"));
        // The empty search box.
        let start = team.get("/zoeken").await;
        assert_eq!(start.status, StatusCode::OK);
        assert!(!start.body.contains("Niets gevonden"));
        assert!(cases::get(&db.store, forum_case).await.is_ok());
    }
);

both_backends!(
    results_come_in_pages_of_fifty_newest_first_with_the_count,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let mut cases_made = Vec::new();
        for i in 0..55 {
            let (_, case) = submit_report(
                &db.store,
                cast.o.amsterdam,
                &cast.ams,
                &format!("https://example.nl/oproep/{i}"),
            )
            .await;
            cases_made.push(case);
        }
        let query = search::parse("morgen").unwrap();
        let first = store_search::search(&db.store, &query, SearchScope::AllCases, 0, 50)
            .await
            .unwrap();
        assert_eq!((first.total, first.more), (55, false));
        assert_eq!(first.hits.len(), 50);
        let second = store_search::search(&db.store, &query, SearchScope::AllCases, 50, 50)
            .await
            .unwrap();
        let mut seen: Vec<i64> = first
            .hits
            .iter()
            .chain(&second.hits)
            .map(|h| h.case_id)
            .collect();
        let newest_first: Vec<i64> = cases_made.iter().rev().copied().collect();
        assert_eq!(seen, newest_first, "every case once, newest first");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 55);
        // The other municipality's reporters find none of it.
        let theirs = store_search::search(
            &db.store,
            &query,
            SearchScope::OwnReports(cast.o.rotterdam),
            0,
            50,
        )
        .await
        .unwrap();
        assert_eq!(theirs.total, 0);
        let app = TestApp::new(&db.store);
        let mut team = app.signed_in(&cast.analyst).await;
        let page = team.get("/zoeken?q=morgen").await;
        assert!(page.body.contains("55 gevonden."), "{}", page.body);
        assert!(page.body.contains("Pagina 1 van 2"));
        assert!(
            page.body.contains("href=\"/zoeken?q=morgen&#38;pagina=2\""),
            "{}",
            page.body
        );
    }
);

both_backends!(
    texts_written_before_the_index_existed_are_indexed_once_at_start_up,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let (_, case) = submit_report(
            &db.store,
            cast.o.amsterdam,
            &cast.ams,
            "https://example.nl/a",
        )
        .await;
        // As a database from before the upgrade: no index, no counter.
        sql(&db, "DELETE FROM search_texts").await.unwrap();
        sql(&db, "DELETE FROM counters WHERE name = 'search_index'")
            .await
            .unwrap();
        let query = search::parse("morgen").unwrap();
        let none = store_search::search(&db.store, &query, SearchScope::AllCases, 0, 50)
            .await
            .unwrap();
        assert_eq!(none.total, 0);
        db.store.migrate().await.unwrap();
        let found = store_search::search(&db.store, &query, SearchScope::AllCases, 0, 50)
            .await
            .unwrap();
        assert_eq!(
            found.hits.iter().map(|h| h.case_id).collect::<Vec<_>>(),
            vec![case]
        );
        // Once: a second start does not index again.
        db.store.migrate().await.unwrap();
        let again = store_search::search(&db.store, &query, SearchScope::AllCases, 0, 50)
            .await
            .unwrap();
        assert_eq!(again.total, 1);
        // Indexed by an older rule: indexed again, without doubles, and the reporter's own
        // search (which asks for the organisation's word) finds it.
        sql(
            &db,
            "UPDATE counters SET value = 1 WHERE name = 'search_index'",
        )
        .await
        .unwrap();
        db.store.migrate().await.unwrap();
        let redone = store_search::search(&db.store, &query, SearchScope::AllCases, 0, 50)
            .await
            .unwrap();
        assert_eq!(redone.total, 1);
        let own = store_search::search(
            &db.store,
            &query,
            SearchScope::OwnReports(cast.o.amsterdam),
            0,
            50,
        )
        .await
        .unwrap();
        assert_eq!(own.hits.len(), 1);
        assert!(own.hits[0].report.is_some());
    }
);
