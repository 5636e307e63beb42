//! Access requests (GDPR art. 15) and the view log, through the pages of the data protection
//! officer on both databases: exactly the person's data are found, other people's names and
//! addresses are redacted, every consultation is listed with its purpose, "nothing held" is
//! an answer, bad input changes nothing, and every search, export and listing is recorded.

use meldpunt::domain::user::Role;
use meldpunt::store::cases;

use crate::both_backends;
use crate::delivery::{queue_notices, set_contact};
use crate::notices::team;
use crate::support::*;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The central team's data protection officer.
async fn officer(store: &meldpunt::store::Store, central: i64) -> Person {
    make_person(store, central, "fg@meldpunt.nl", Role::PrivacyOfficer).await
}

fn references(export: &serde_json::Value) -> Vec<String> {
    export["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap().to_string())
        .collect()
}

both_backends!(
    an_access_request_finds_exactly_the_accounts_content_with_other_people_redacted,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        set_contact(store, &t, "notices@tiktok.example").await;
        // Two videos of @rellen that led to notices, and one of another account whose name
        // contains theirs.
        let notices = queue_notices(store, &t, 1, 2).await;
        let mut own = Vec::new();
        for id in &notices {
            let n = meldpunt::store::notices::get(store, *id).await.unwrap();
            own.push(cases::get(store, n.case_id).await.unwrap().reference);
        }
        let (_, other_case) = submit_report(
            store,
            t.cast.o.amsterdam,
            &t.cast.ams,
            "https://www.tiktok.com/@rellen_fan/video/5",
        )
        .await;
        let other = cases::get(store, other_case).await.unwrap().reference;
        // The analyst looks at the first case: a consultation.
        let app = TestApp::new(store);
        let first = cases::by_reference(store, &own[0]).await.unwrap();
        let mut analyst = app.signed_in(&t.cast.analyst).await;
        assert_eq!(
            analyst.get(&format!("/zaken/{}", first.id)).await.status,
            200
        );

        let fg = officer(store, t.cast.o.central).await;
        let mut c = app.signed_in(&fg).await;
        let form = c.get("/privacy/inzage").await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("Inzageverzoek"), "{}", form.body);
        // A link to the account's profile, typed without scheme and in other letters.
        let request = [("kind", "content"), ("value", "tiktok.com/@Rellen")];
        let page = c.post("/privacy/inzage", &request).await;
        assert_eq!(page.status, 200, "{}", page.body);
        for r in &own {
            assert!(page.body.contains(r.as_str()), "{r} missing");
        }
        assert!(
            !page.body.contains(other.as_str()),
            "another account's case"
        );
        assert!(!page.body.contains("analist@meldpunt.nl"));
        assert!(!page.body.contains("melder@amsterdam.nl"));
        assert!(page.body.contains("[afgeschermd]"));
        assert!(page.body.contains("Behandeling van de zaak"));

        let file = c.post("/privacy/inzage/export", &request).await;
        assert_eq!(file.status, 200);
        assert!(file.content_type().starts_with("application/json"));
        assert!(file.header("content-disposition").contains("attachment"));
        let x = json(&file.body);
        assert_eq!(x["format"], "meldpunt-inzage-v1");
        assert_eq!(x["subject_kind"], "content");
        let mut found = references(&x);
        found.sort();
        let mut want = own.clone();
        want.sort();
        assert_eq!(found, want);
        // Staff names and addresses are nowhere in the copy (every test person is called
        // "Test Persoon"); the person's own content is.
        for secret in [
            "Test Persoon",
            "analist@meldpunt.nl",
            "melder@amsterdam.nl",
            "supervisor@meldpunt.nl",
        ] {
            assert!(!file.body.contains(secret), "{secret} in the copy");
        }
        assert!(file.body.contains("tiktok.com/@rellen/video/"));
        assert_eq!(x["recipients"]["platforms"], serde_json::json!(["TikTok"]));
        assert_eq!(
            x["recipients"]["organisations"],
            serde_json::json!(["Amsterdam"])
        );
        let rules: Vec<&str> = x["retention"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"case_with_notice P5Y"), "{rules:?}");
        let views = x["consultations"].as_array().unwrap();
        let case_view = views
            .iter()
            .find(|v| v["event"] == "view.case")
            .expect("the analyst's view");
        assert_eq!(case_view["purpose"], "Behandeling van de zaak");
        assert_eq!(case_view["on_behalf_of"], "Meldpunt");
        assert!(case_view.get("who").is_none());
        let assessments = x["cases"][0]["assessments"].as_array().unwrap();
        assert_eq!(assessments[0]["author"], "[afgeschermd]");
        assert_eq!(assessments[0]["review"]["by"], "[afgeschermd]");
        assert_eq!(x["reports"][0]["on_behalf_of"], "[afgeschermd]");
        assert_eq!(x["reports"][0]["reporter"], "[afgeschermd]");

        assert_eq!(trail(store, "access_request.searched").await.len(), 1);
        let exported = trail(store, "access_request.exported").await;
        assert_eq!(exported.len(), 1);
        assert!(exported[0].details.contains("@rellen"));

        // Who looked: for the officer, with the person, and the listing is recorded.
        let who = c.post("/privacy/raadplegingen", &request).await;
        assert_eq!(who.status, 200);
        assert!(who.body.contains("analist@meldpunt.nl"), "{}", who.body);
        let of_case = c
            .get(&format!(
                "/privacy/raadplegingen?zaak={}",
                own[0].to_lowercase()
            ))
            .await;
        assert_eq!(of_case.status, 200);
        assert!(of_case.body.contains("analist@meldpunt.nl"));
        assert!(of_case.body.contains("view.case"));
        assert_eq!(trail(store, "view.view_log").await.len(), 2);
        let missing = c.get("/privacy/raadplegingen?zaak=ZAAK-1999-000001").await;
        assert_eq!(missing.status, 404);
        assert!(missing.body.contains("Er is geen zaak met dit kenmerk"));
        assert_eq!(trail(store, "view.view_log").await.len(), 2);
    }
);

both_backends!(
    a_staff_members_copy_holds_their_account_reports_and_actions_but_not_other_peoples_content,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        let (report_id, _) = submit_report(
            store,
            t.cast.o.amsterdam,
            &t.cast.ams,
            "https://x.com/iemand/status/1",
        )
        .await;
        let report = meldpunt::store::reports::get(store, report_id)
            .await
            .unwrap();
        // The reporter signed in through the pages once: one known device.
        let app = TestApp::new(store);
        app.client().sign_in(&t.cast.ams).await;
        add_passkey(store, t.cast.ams.id, "aW56YWdl", "Telefoon van het werk").await;
        let mut tx = store.begin_write().await.unwrap();
        meldpunt::store::sso::link_subject(
            &mut tx,
            t.cast.ams.id,
            "https://idp.amsterdam.nl",
            "sub-4711",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let fg = officer(store, t.cast.o.central).await;
        let mut c = app.signed_in(&fg).await;
        let request = [("kind", "staff"), ("value", " Melder@Amsterdam.nl ")];
        let file = c.post("/privacy/inzage/export", &request).await;
        assert_eq!(file.status, 200);
        let x = json(&file.body);
        assert_eq!(x["account"]["email"], "melder@amsterdam.nl");
        assert_eq!(x["account"]["organisation"], "Amsterdam");
        // Their second factors and known devices are theirs too (no secret, no key).
        assert_eq!(x["account"]["authenticator_app"], true);
        assert_eq!(x["account"]["passkeys"][0]["name"], "Telefoon van het werk");
        assert!(x["account"]["passkeys"][0]["last_used_at"].is_null());
        assert!(!x["account"]["known_devices"].as_array().unwrap().is_empty());
        assert_eq!(x["account"]["single_sign_on"]["subject"], "sub-4711");
        assert_eq!(
            x["account"]["single_sign_on"]["issuer"],
            "https://idp.amsterdam.nl"
        );
        assert!(!file.body.contains("JBSWY3DP"), "no TOTP secret");
        assert!(!file.body.contains("aW56YWdl"), "no credential id");
        assert_eq!(x["reports"][0]["reference"], report.reference.as_str());
        // Their own name stays; the reported account is somebody else's.
        assert_eq!(x["reports"][0]["reporter"], "Test Persoon");
        assert_eq!(
            x["reports"][0]["links"][0]["submitted_url"],
            "[afgeschermd]"
        );
        assert!(!file.body.contains("x.com/iemand"));
        let actions: Vec<&str> = x["own_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"report.submitted"), "{actions:?}");
        assert!(x["cases"].as_array().unwrap().is_empty());

        // Nobody by that address: a clear answer, recorded like any search.
        let none = c
            .post(
                "/privacy/inzage",
                &[("kind", "staff"), ("value", "niemand@gemeente.nl")],
            )
            .await;
        assert_eq!(none.status, 200);
        assert!(none
            .body
            .contains("meldpunt bewaart geen gegevens over deze persoon"));
        assert_eq!(trail(store, "access_request.searched").await.len(), 1);
        let nothing = json(
            &c.post(
                "/privacy/inzage/export",
                &[
                    ("kind", "content"),
                    ("value", "https://example.nl/nooit-gemeld"),
                ],
            )
            .await
            .body,
        );
        assert!(nothing["reports"].as_array().unwrap().is_empty());
        assert!(nothing["account"].is_null());

        // Bad input: a clear message and nothing looked up or recorded.
        let before = trail(store, "access_request.searched").await.len()
            + trail(store, "access_request.exported").await.len();
        for (fields, message) in [
            (
                vec![("value", "melder@amsterdam.nl")],
                "Kies over wie het verzoek gaat",
            ),
            (
                vec![("kind", "staff"), ("value", "geen-adres")],
                "Vul een geldig e-mailadres in",
            ),
            (
                vec![("kind", "content"), ("value", "")],
                "Vul een e-mailadres, account of link in",
            ),
            (
                vec![("kind", "content"), ("value", "@rellen")],
                "Kies het platform van deze accountnaam",
            ),
            (
                vec![
                    ("kind", "content"),
                    ("value", "@rel len"),
                    ("platform", "tiktok"),
                ],
                "Een accountnaam bestaat uit letters",
            ),
            (
                vec![
                    ("kind", "content"),
                    ("value", "@rellen"),
                    ("platform", "website"),
                ],
                "Kies het platform van deze accountnaam",
            ),
            (
                vec![
                    ("kind", "content"),
                    ("value", "@rel!len"),
                    ("platform", "tiktok"),
                ],
                "Een accountnaam bestaat uit letters",
            ),
            (
                vec![("kind", "content"), ("value", "ftp://example.nl/x")],
                "Alleen links die met http:// of https:// beginnen",
            ),
        ] {
            for path in [
                "/privacy/inzage",
                "/privacy/inzage/export",
                "/privacy/raadplegingen",
            ] {
                let r = c.post(path, &fields).await;
                assert_eq!(r.status, 422, "{path} {fields:?}");
                assert!(r.body.contains(message), "{path} {fields:?}: {}", r.body);
            }
        }
        let after = trail(store, "access_request.searched").await.len()
            + trail(store, "access_request.exported").await.len();
        assert_eq!(before, after);
        assert!(trail(store, "view.view_log").await.is_empty());
        assert!(meldpunt::store::audit::verify(store, None)
            .await
            .unwrap()
            .is_ok());
    }
);
