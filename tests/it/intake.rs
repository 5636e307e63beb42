//! Intake through the real pages and API: one case per piece of content, what each
//! municipality may see, evidence, withdrawal, the queue and its notifications.

use axum::http::{Method, StatusCode};
use meldpunt::domain::case::CaseStatus;
use meldpunt::domain::report::Urgency;
use meldpunt::domain::user::Role;
use meldpunt::service::tokens as token_service;
use meldpunt::store::{audit, cases, notify, reports};
use serde_json::{json, Value};

use crate::both_backends;
use crate::support::*;

pub struct Cast {
    pub o: Orgs,
    pub ams: Person,
    pub rdam: Person,
    pub analyst: Person,
    pub analyst2: Person,
}

pub async fn cast(db: &TestDb) -> Cast {
    let o = seed_orgs(&db.store).await;
    Cast {
        ams: make_person(
            &db.store,
            o.amsterdam,
            "melder@amsterdam.nl",
            Role::Reporter,
        )
        .await,
        rdam: make_person(
            &db.store,
            o.rotterdam,
            "melder@rotterdam.nl",
            Role::Reporter,
        )
        .await,
        analyst: make_person(&db.store, o.central, "analist@meldpunt.nl", Role::Analyst).await,
        analyst2: make_person(&db.store, o.central, "analist2@meldpunt.nl", Role::Analyst).await,
        o,
    }
}

/// The fields of a valid report form with one link.
pub fn form<'a>(link: &'a str, urgency: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("link_url_1", link),
        ("link_remark_1", "Oproep met tijd en plaats"),
        ("category", "call_to_gather"),
        ("urgency", urgency),
        ("justification", "Oproep voor vanavond op het Stationsplein"),
        ("on_behalf_of", "De burgemeester"),
        ("municipality", ""),
    ]
}

/// Submits the form and returns the new report's id from the redirect.
pub async fn report(
    c: &mut Client<'_>,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> i64 {
    let r = c.post_multipart("/meldingen/nieuw", fields, files).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location().to_string();
    assert!(loc.ends_with("?ontvangen=1"), "{loc}");
    loc.trim_start_matches("/meldingen/")
        .trim_end_matches("?ontvangen=1")
        .parse()
        .unwrap()
}

/// The signature and header of a PNG that declares 100000 × 100000 pixels.
const BOMB_HEADER: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x06\x00\x00\x00\xa8\x52\x0b\xc8";

const PLAIN: &str = "https://www.tiktok.com/@feest.haren/video/7301234567890123456";
const SHARED: &str = "https://m.tiktok.com/@feest.haren/video/7301234567890123456?_t=8kZ&_r=1&is_from_webapp=1&sender_device=pc&utm_source=copy";

both_backends!(
    two_municipalities_reporting_one_video_make_one_case_that_tops_the_queue,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        let mut ams = app.signed_in(&cast.ams).await;
        let mut rdam = app.signed_in(&cast.rdam).await;
        let mut analyst = app.signed_in(&cast.analyst).await;

        // An older, normal report about other content.
        report(&mut ams, &form("https://example.nl/forum/1", "normal"), &[]).await;
        let a = report(
            &mut ams,
            &form(PLAIN, "acute"),
            &[("evidence_1", "scherm.png", PNG)],
        )
        .await;
        let b = report(&mut rdam, &form(SHARED, "high"), &[]).await;

        let queue = cases_of(&db).await;
        assert_eq!(queue.len(), 2, "two pieces of content, two cases");
        let case = queue
            .iter()
            .find(|c| {
                c.canonical_url == "https://tiktok.com/@feest.haren/video/7301234567890123456"
            })
            .expect("the video's case");
        assert_eq!((case.report_count, case.municipality_count), (2, 2));
        assert_eq!(case.urgency, Urgency::Acute);
        assert_eq!(case.status, CaseStatus::Received);

        // The queue page lists the acute case first.
        let page = analyst.get("/zaken").await;
        assert_eq!(page.status, StatusCode::OK);
        let first = page.body.find(&case.reference).expect("case in queue");
        let other = queue.iter().find(|c| c.id != case.id).unwrap();
        assert!(
            first < page.body.find(&other.reference).unwrap(),
            "acute case first"
        );
        assert!(page.body.contains("2 (2 meldingen)"));

        // Each reporter sees their own report and its case status, never the other's.
        let own = ams.get(&format!("/meldingen/{a}")).await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(own.body.contains("Ontvangen") && own.body.contains("scherm.png"));
        let foreign = ams.get(&format!("/meldingen/{b}")).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        let missing = ams.get("/meldingen/999999").await;
        assert_eq!(
            foreign.body, missing.body,
            "refused looks exactly like missing"
        );
        assert!(!foreign.body.contains("melder@rotterdam.nl"));
        let list = rdam.get("/meldingen").await;
        let b_ref = reports::get(&db.store, b).await.unwrap().reference;
        let a_ref = reports::get(&db.store, a).await.unwrap().reference;
        assert!(list.body.contains(&b_ref) && !list.body.contains(&a_ref));
        // Nor another municipality's evidence.
        let ev = reports::evidence_of_report(&db.store, a).await.unwrap();
        assert_eq!(
            rdam.get(&format!("/bewijs/{}", ev[0].id)).await.status,
            StatusCode::NOT_FOUND
        );
        // The case page is for the central team only.
        assert_eq!(
            ams.get(&format!("/zaken/{}", case.id)).await.status,
            StatusCode::FORBIDDEN
        );
        let case_page = analyst.get(&format!("/zaken/{}", case.id)).await;
        assert!(case_page.body.contains(&a_ref) && case_page.body.contains(&b_ref));
        assert!(case_page.body.contains("Amsterdam") && case_page.body.contains("Rotterdam"));
    }
);

async fn cases_of(db: &TestDb) -> Vec<cases::Case> {
    let all: Vec<CaseStatus> = CaseStatus::ALL.to_vec();
    cases::list(&db.store, &all, 100).await.unwrap()
}

both_backends!(
    bad_reports_get_clear_messages_and_store_nothing,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let mut config = test_config();
        config.evidence_max_bytes = 2_000;
        let app = TestApp::with_config(&db.store, config);
        let mut ams = app.signed_in(&cast.ams).await;
        let before = audit::count(&db.store).await.unwrap();

        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (
                form("javascript:alert(1)", "acute"),
                "Alleen links die met http:// of https://",
            ),
            (form("niet een link", "acute"), "geen geldige link"),
            (
                [form(PLAIN, "acute"), vec![("date", "2020-01-01")]].concat(),
                "in het verleden",
            ),
            (vec![("link_url_1", PLAIN)], "Kies wat de inhoud doet"),
            (
                [form(PLAIN, "acute"), vec![("municipality", "GM9999")]].concat(),
                "Kies een bestaande gemeente",
            ),
        ];
        for (fields, message) in cases {
            let r = ams.post_multipart("/meldingen/nieuw", &fields, &[]).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
            assert!(r.body.contains(message), "{message}: {}", r.body);
            assert!(r.body.contains("aria-invalid=\"true\"") || r.body.contains("-fout"));
        }
        // A file whose content is not allowed, whatever its name.
        let r = ams
            .post_multipart(
                "/meldingen/nieuw",
                &form(PLAIN, "acute"),
                &[(
                    "evidence_1",
                    "scherm.png",
                    b"<html><script>alert(1)</script></html>",
                )],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("geen PNG, JPEG, WebP, PDF of MP4"),
            "{}",
            r.body
        );
        assert!(r.body.contains("Voeg de bestanden opnieuw toe"));
        // A file over the configured size.
        let big = [PNG, &vec![0u8; 3_000]].concat();
        let r = ams
            .post_multipart(
                "/meldingen/nieuw",
                &form(PLAIN, "acute"),
                &[("evidence_1", "groot.png", &big)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("te groot"), "{}", r.body);
        // A body over the upload limit is refused before it is read.
        let huge = vec![0u8; 4 * 2_000 + 1_048_576 + 10];
        let r = ams
            .post_multipart(
                "/meldingen/nieuw",
                &form(PLAIN, "acute"),
                &[("evidence_1", "x.png", &huge)],
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

        // Finding L6: a PNG declaring 100000 × 100000 pixels (a decompression bomb) was
        // accepted. It is refused from its header, before anything decodes it.
        let bomb = [BOMB_HEADER, &PNG[33..]].concat();
        let r = ams
            .post_multipart(
                "/meldingen/nieuw",
                &form(PLAIN, "acute"),
                &[("evidence_1", "bom.png", &bomb)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("100000 × 100000 pixels") && r.body.contains("50 megapixel"),
            "{}",
            r.body
        );

        // Too many files in one report.
        let files: Vec<(&str, &str, &[u8])> =
            (0..11).map(|_| ("evidence_1", "s.png", PNG)).collect();
        let r = ams
            .post_multipart("/meldingen/nieuw", &form(PLAIN, "acute"), &files)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("hoogstens 10 bestanden"), "{}", r.body);
        // A file field that belongs to no row.
        let r = ams
            .post_multipart(
                "/meldingen/nieuw",
                &form(PLAIN, "acute"),
                &[("evidence_9", "s.png", PNG)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);

        assert_eq!(
            reports::count(&db.store).await.unwrap(),
            0,
            "nothing stored"
        );
        assert!(cases_of(&db).await.is_empty());
        // Refusals change nothing, not even the audit trail.
        assert_eq!(audit::count(&db.store).await.unwrap(), before);
    }
);

/// A body that arrives in `chunks` pieces of 64 KiB after `head`, counting how many pieces
/// the server pulled.
fn counted_stream(
    head: &str,
    chunks: usize,
) -> (
    axum::body::Body,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let pulled = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let head = head.as_bytes().to_vec();
    let pieces = (0..=chunks).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::convert::Infallible>(if i == 0 {
            axum::body::Bytes::from(head.clone())
        } else {
            axum::body::Bytes::from(vec![b'a'; 65_536])
        })
    });
    (
        axum::body::Body::from_stream(futures_util::stream::iter(pieces)),
        pulled,
    )
}

both_backends!(
    an_api_report_is_bounded_while_it_arrives,
    |db: TestDb| async move {
        use std::sync::atomic::Ordering;
        let cast = cast(&db).await;
        let token = api_token(&db, cast.o.amsterdam).await;
        let auth = format!("Bearer {token}");
        let app = TestApp::new(&db.store);
        let mut c = app.client();
        let before = audit::count(&db.store).await.unwrap();

        // Finding L2: 2 MB of text and no files was read to the end, then refused with 400.
        let mut body = api_report(PLAIN);
        body["toelichting"] = json!("a".repeat(2_000_000));
        let r = api_post(&mut c, &token, None, &body).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_eq!(r.content_type(), "application/problem+json");

        // 30 MB of text without a declared length: cut off after about a megabyte.
        let (stream, pulled) = counted_stream(r#"{"toelichting":""#, 480);
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        let r = c
            .send_body(Method::POST, "/api/v1/meldingen", stream, &headers)
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        let read = pulled.load(Ordering::SeqCst);
        assert!(read <= 20, "{read} of 481 pieces read");

        // A declared length over the bound: refused before anything is read.
        let (stream, pulled) = counted_stream("{}", 3);
        let length = (200 * 1024 * 1024).to_string();
        let mut declared = headers.to_vec();
        declared.push(("content-length", length.as_str()));
        let r = c
            .send_body(Method::POST, "/api/v1/meldingen", stream, &declared)
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(pulled.load(Ordering::SeqCst), 0, "nothing read");
        assert_eq!(reports::count(&db.store).await.unwrap(), 0);
        assert_eq!(audit::count(&db.store).await.unwrap(), before);

        // The longest valid report (every field full of four-byte characters) fits.
        let fire = |n: usize| "🔥".repeat(n);
        let links: Vec<Value> = (0..10)
            .map(|i| {
                let url = format!("https://voorbeeld.nl/{i}/");
                json!({
                    "url": format!("{url}{}", "a".repeat(2048 - url.len())),
                    "opmerking": fire(1000),
                    "inhoudTekst": fire(20_000),
                })
            })
            .collect();
        let longest = json!({
            "links": links,
            "categorie": "threat_or_doxing",
            "toelichting": fire(2000),
            "urgentie": "high",
            "onderbouwing": fire(300),
            "namens": fire(200),
            "verwachteVerstoring": {"gemeente": "GM0363", "plaats": fire(200)}
        });
        assert!(longest.to_string().len() > 850_000);
        let r = api_post(&mut c, &token, None, &longest).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        // Evidence far beyond the text's bound is evidence, and fine.
        let png = [PNG, &vec![0u8; 1_500_000]].concat();
        let mut with_file = api_report("https://www.tiktok.com/@feest.haren/video/2");
        with_file["bewijs"] = json!([{
            "bestandsnaam": "schermafbeelding.png",
            "inhoud": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &png),
            "link": 1
        }]);
        let r = api_post(&mut c, &token, None, &with_file).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(reports::count(&db.store).await.unwrap(), 2);
    }
);

pub async fn api_token(db: &TestDb, org: i64) -> String {
    token_service::create(&db.store, &cli_ctx(), org, "gemeentesysteem")
        .await
        .unwrap()
        .1
}

fn api_report(link: &str) -> Value {
    json!({
        "links": [{"url": link, "opmerking": "Gedeeld in groepsapp"}],
        "categorie": "threat_or_doxing",
        "urgentie": "high",
        "onderbouwing": "Adres van de wethouder staat erbij",
        "namens": "De burgemeester van Amsterdam",
        "verwachteVerstoring": {"gemeente": "GM0363", "plaats": "Dam"}
    })
}

/// The names of the fields a problem document says are invalid.
fn invalid_params(body: &str) -> Vec<String> {
    let problem: Value = serde_json::from_str(body).unwrap();
    problem["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

pub async fn api_post(c: &mut Client<'_>, token: &str, key: Option<&str>, body: &Value) -> Resp {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    if let Some(k) = key {
        headers.push(("idempotency-key", k));
    }
    c.send(
        Method::POST,
        "/api/v1/meldingen",
        Some(body.to_string()),
        &headers,
    )
    .await
}

both_backends!(
    the_api_is_idempotent_and_answers_problems_as_problem_json,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        let token = api_token(&db, cast.o.amsterdam).await;
        let mut c = app.client();

        let first = api_post(&mut c, &token, Some("key-1"), &api_report(SHARED)).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        assert_eq!(first.headers["api-version"], "1.0.0");
        let body: Value = serde_json::from_str(&first.body).unwrap();
        let reference = body["referentie"].as_str().unwrap().to_string();
        assert!(reference.starts_with("MLD-20"), "{reference}");
        assert_eq!(body["links"][0]["platform"], "tiktok");
        assert_eq!(body["links"][0]["zaak"]["status"], "received");
        assert_eq!(first.location(), format!("/api/v1/meldingen/{reference}"));

        // A retry gets the first answer; nothing new is stored.
        let again = api_post(&mut c, &token, Some("key-1"), &api_report(SHARED)).await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        let again: Value = serde_json::from_str(&again.body).unwrap();
        assert_eq!(again["referentie"], reference.as_str());
        assert_eq!(reports::count(&db.store).await.unwrap(), 1);
        // The same key with another request is refused.
        let other = api_post(&mut c, &token, Some("key-1"), &api_report(PLAIN)).await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.content_type(), "application/problem+json");

        // Many concurrent retries of one request: still one report.
        let mut handles = Vec::new();
        for _ in 0..16 {
            let app = TestApp::new(&db.store);
            let token = token.clone();
            handles.push(tokio::spawn(async move {
                let mut c = app.client();
                let r = api_post(&mut c, &token, Some("key-burst"), &api_report(PLAIN)).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                serde_json::from_str::<Value>(&r.body).unwrap()["referentie"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }));
        }
        let mut refs = Vec::new();
        for h in handles {
            refs.push(h.await.unwrap());
        }
        refs.dedup();
        assert_eq!(refs.len(), 1, "{refs:?}");
        assert_eq!(reports::count(&db.store).await.unwrap(), 2);

        // Status by reference; another municipality's token cannot see it.
        let auth = format!("Bearer {token}");
        let got = c
            .send(
                Method::GET,
                &format!("/api/v1/meldingen/{reference}"),
                None,
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(got.status, StatusCode::OK);
        let rdam_token = api_token(&db, cast.o.rotterdam).await;
        let auth_r = format!("Bearer {rdam_token}");
        let foreign = c
            .send(
                Method::GET,
                &format!("/api/v1/meldingen/{reference}"),
                None,
                &[("authorization", &auth_r)],
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(foreign.content_type(), "application/problem+json");

        // Bad input: every broken field named, nothing stored.
        let bad = api_post(
            &mut c,
            &token,
            None,
            &json!({"links": [{"url": "ftp://x.nl/a"}], "categorie": "x", "urgentie": "acute",
                "onderbouwing": "", "namens": "B", "verwachteVerstoring": {"datum": "2001-01-01"}}),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.content_type(), "application/problem+json");
        let names = invalid_params(&bad.body);
        assert_eq!(
            names,
            vec![
                "links[0].url",
                "categorie",
                "verwachteVerstoring.datum",
                "onderbouwing"
            ]
        );
        let eleven: Vec<Value> = (0..11)
            .map(|i| json!({"url": format!("https://example.nl/{i}")}))
            .collect();
        let mut many = api_report(PLAIN);
        many["links"] = json!(eleven);
        let r = api_post(&mut c, &token, None, &many).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("hoogstens 10 links"));
        let r = c
            .send(
                Method::POST,
                "/api/v1/meldingen",
                Some("{not json".into()),
                &[
                    ("authorization", &auth),
                    ("content-type", "application/json"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.content_type(), "application/problem+json");
        // A JSON body sent as something else, or without saying what it is (review L1): 415.
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "",
        ] {
            let r = c
                .send(
                    Method::POST,
                    "/api/v1/meldingen",
                    Some(api_report(PLAIN).to_string()),
                    &[("authorization", &auth), ("content-type", content_type)],
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{content_type:?}"
            );
            assert_eq!(r.content_type(), "application/problem+json");
            assert!(
                r.body.contains("Content-Type: application/json"),
                "{}",
                r.body
            );
        }
        let with_charset = c
            .send(
                Method::POST,
                "/api/v1/meldingen",
                Some("{not json".into()),
                &[
                    ("authorization", &auth),
                    ("content-type", "Application/JSON; charset=utf-8"),
                ],
            )
            .await;
        assert_eq!(
            with_charset.status,
            StatusCode::BAD_REQUEST,
            "JSON with parameters is JSON"
        );
        assert!(
            with_charset.body.contains("regel 1, teken 2"),
            "{}",
            with_charset.body
        );
        // Review I1: what does not fit the schema is said in meldpunt's words.
        let mut unknown = api_report(PLAIN);
        unknown["kleur"] = json!("rood");
        let mut wrong = api_report(PLAIN);
        wrong["links"] = json!("geen lijst");
        for (body, says) in [
            (json!(null), "moet een JSON-object zijn"),
            (json!([1, 2]), "moet een JSON-object zijn"),
            (unknown, "Het veld kleur bestaat niet"),
            (wrong, "Een veld heeft een waarde van de verkeerde soort"),
        ] {
            let r = api_post(&mut c, &token, None, &body).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
            assert!(r.body.contains(says), "{body}: {}", r.body);
            for framework in ["ReportBody", "expected struct", "invalid type", "at line"] {
                assert!(!r.body.contains(framework), "{framework} in {}", r.body);
            }
        }
        // Review L7: hidden characters in a text field are refused with a clear message.
        let mut hidden = api_report(PLAIN);
        hidden["toelichting"] = json!("Oproep\u{0000} voor vanavond");
        hidden["verwachteVerstoring"]["plaats"] = json!("\u{202E}maD");
        let r = api_post(&mut c, &token, None, &hidden).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("onzichtbaar teken"), "{}", r.body);
        assert_eq!(
            invalid_params(&r.body),
            vec!["toelichting", "verwachteVerstoring.plaats"]
        );
        let mut evil = api_report(PLAIN);
        evil["bewijs"] = json!([{"bestandsnaam": "a.png", "inhoud": "PGh0bWw+PC9odG1sPg=="}]);
        let r = api_post(&mut c, &token, None, &evil).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("bewijs[0]"), "{}", r.body);
        let r = c
            .send(
                Method::POST,
                "/api/v1/meldingen",
                Some(api_report(PLAIN).to_string()),
                &[("content-type", "application/json")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.content_type(), "application/problem+json");
        // The central team does not report.
        let central_token = api_token(&db, cast.o.central).await;
        let r = api_post(&mut c, &central_token, None, &api_report(PLAIN)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            reports::count(&db.store).await.unwrap(),
            2,
            "bad input stored nothing"
        );
    }
);

both_backends!(
    evidence_is_kept_by_hash_in_the_trail_and_only_ever_downloaded,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        let mut ams = app.signed_in(&cast.ams).await;
        let mut analyst = app.signed_in(&cast.analyst).await;
        let id = report(
            &mut ams,
            &form(PLAIN, "normal"),
            &[("evidence_1", "../../scherm <1>.png", PNG)],
        )
        .await;
        let ev = reports::evidence_of_report(&db.store, id).await.unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].file_name, "scherm 1.png");
        let sha = meldpunt::domain::credentials::sha256_hex_bytes(PNG);
        assert_eq!(ev[0].sha256, sha);

        let stored = trail(&db.store, "evidence.stored").await;
        assert_eq!(stored.len(), 1);
        assert!(stored[0].details.contains(&sha) && stored[0].details.contains("image/png"));
        assert_eq!(stored[0].actor_label, "melder@amsterdam.nl");

        let r = analyst.get(&format!("/bewijs/{}", ev[0].id)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"));
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        // Review L6: a PNG called `.html` is stored and offered as `.png`.
        let html = report(
            &mut ams,
            &form("https://example.nl/factuur", "normal"),
            &[("evidence_1", "../../invoice.html", PNG)],
        )
        .await;
        let html_ev = reports::evidence_of_report(&db.store, html).await.unwrap();
        assert_eq!(html_ev[0].file_name, "invoice.png");
        let got = analyst.get(&format!("/bewijs/{}", html_ev[0].id)).await;
        let disposition = got.headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition.contains("filename=\"invoice.png\""),
            "{disposition}"
        );
        assert!(!disposition.contains("html"), "{disposition}");
        assert!(r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert_eq!(r.raw, PNG);
        // Files belong to their form row, counted among the rows that were filled in.
        let mut fields = form(PLAIN, "normal");
        fields.push(("link_url_3", "https://t.me/s/oproepkanaal/77"));
        let two = report(
            &mut ams,
            &fields,
            &[("evidence_3", "kanaal.pdf", b"%PDF-1.7\n%\xe2\xe3\n")],
        )
        .await;
        let ev2 = reports::evidence_of_report(&db.store, two).await.unwrap();
        assert_eq!(ev2[0].link_position, Some(2));
        assert_eq!(ev2[0].kind, meldpunt::domain::evidence::EvidenceKind::Pdf);
        let links = reports::links(&db.store, two).await.unwrap();
        assert_eq!(links[1].canonical_url, "https://t.me/oproepkanaal/77");

        let downloads = trail(&db.store, "evidence.downloaded").await;
        assert_eq!(downloads.len(), 2, "the screenshot and the renamed file");
        assert_eq!(downloads[0].actor_label, "analist@meldpunt.nl");

        // The evidence page: the fingerprint lives here (not on the receipt), with a preview
        // that is a fresh PNG made from the pixels, never the uploaded bytes.
        let receipt = ams.get(&format!("/meldingen/{id}")).await;
        assert!(!receipt.body.contains(&sha), "no hash on the receipt");
        // It says what happens next and by when, with one plain status.
        assert!(receipt.body.contains("Wat gebeurt er nu?"));
        assert!(receipt.body.contains("uiterlijk"), "{}", receipt.body);
        assert!(receipt.body.contains("mp-status--received\">Ontvangen<"));
        assert!(!receipt.body.contains("Actief"));
        assert!(receipt
            .body
            .contains(&format!("/bewijs/{}/gegevens", ev[0].id)));
        let page = analyst.get(&format!("/bewijs/{}/gegevens", ev[0].id)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&sha));
        assert!(page
            .body
            .contains(&format!("src=\"/bewijs/{}/voorbeeld\"", ev[0].id)));
        let preview = analyst
            .get(&format!("/bewijs/{}/voorbeeld", ev[0].id))
            .await;
        assert_eq!(preview.status, StatusCode::OK);
        assert_eq!(preview.headers["content-type"], "image/png");
        assert!(preview.headers.get("content-disposition").is_none());
        assert!(preview.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert!(preview.raw.starts_with(b"\x89PNG") && preview.raw != PNG);
        // A PDF has a page but no preview.
        let pdf = analyst
            .get(&format!("/bewijs/{}/gegevens", ev2[0].id))
            .await;
        assert!(pdf.body.contains("geen voorbeeld"), "{}", pdf.body);
        let none = analyst
            .get(&format!("/bewijs/{}/voorbeeld", ev2[0].id))
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
        assert_eq!(trail(&db.store, "view.evidence").await.len(), 3);
    }
);

both_backends!(
    withdrawal_needs_a_reason_and_withdraws_a_case_nobody_else_reported,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        let mut ams = app.signed_in(&cast.ams).await;
        let mut rdam = app.signed_in(&cast.rdam).await;
        let only = report(&mut ams, &form("https://example.nl/alleen", "normal"), &[]).await;
        let shared = report(&mut ams, &form(PLAIN, "normal"), &[]).await;
        report(&mut rdam, &form(SHARED, "normal"), &[]).await;

        // Withdrawing asks first, on a page of its own with what it means.
        let page = ams.get(&format!("/meldingen/{only}")).await;
        assert!(page
            .body
            .contains(&format!("href=\"/meldingen/{only}/intrekken\"")));
        assert!(
            !page.body.contains("name=\"reason\""),
            "no withdraw form on the receipt"
        );
        let confirm = ams.get(&format!("/meldingen/{only}/intrekken")).await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.body.contains("mp-danger") && confirm.body.contains("name=\"reason\""));
        assert!(confirm.body.contains("niet ongedaan maken"));

        let r = ams
            .post(&format!("/meldingen/{only}/intrekken"), &[("reason", "  ")])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("Geef een reden"));
        assert!(
            r.body.contains("<title>Fout: "),
            "the title says there is an error"
        );
        let r = rdam
            .post(
                &format!("/meldingen/{only}/intrekken"),
                &[("reason", "mag niet")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "another municipality cannot withdraw"
        );

        for id in [only, shared] {
            let r = ams
                .post(
                    &format!("/meldingen/{id}/intrekken"),
                    &[("reason", "Bericht was al verwijderd")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let all = cases_of(&db).await;
        let alone = all
            .iter()
            .find(|c| c.canonical_url == "https://example.nl/alleen")
            .unwrap();
        assert_eq!(alone.status, CaseStatus::Withdrawn);
        let video = all
            .iter()
            .find(|c| c.platform == meldpunt::domain::link::Platform::TikTok)
            .unwrap();
        assert_eq!(
            video.status,
            CaseStatus::Received,
            "Rotterdam's report still stands"
        );
        assert_eq!((video.report_count, video.municipality_count), (1, 1));
        let page = ams.get(&format!("/meldingen/{only}")).await;
        assert!(
            page.body.contains("Ingetrokken") && page.body.contains("Bericht was al verwijderd")
        );
        let r = ams
            .post(
                &format!("/meldingen/{only}/intrekken"),
                &[("reason", "nog eens")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("al ingetrokken"));
        // A new report of the withdrawn content reopens its case.
        report(
            &mut rdam,
            &form("https://example.nl/alleen?utm_source=x", "high"),
            &[],
        )
        .await;
        let reopened = cases::get(&db.store, alone.id).await.unwrap();
        assert_eq!(reopened.status, CaseStatus::Received);
        assert_eq!(reopened.urgency, Urgency::High);
    }
);

both_backends!(
    analysts_take_cases_up_move_them_and_reporters_hear_of_it,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        let mut ams = app.signed_in(&cast.ams).await;
        let mut a1 = app.signed_in(&cast.analyst).await;
        let mut a2 = app.signed_in(&cast.analyst2).await;
        let id = report(&mut ams, &form(PLAIN, "acute"), &[]).await;
        let case = cases_of(&db).await.remove(0);

        // Acute: every analyst hears at once, in the application and by mail.
        for p in [&cast.analyst, &cast.analyst2] {
            let n = notify::list(&db.store, p.id, 10).await.unwrap();
            assert_eq!(n.len(), 1);
            assert!(n[0].text.starts_with("Acute melding MLD-"), "{}", n[0].text);
            assert_eq!(n[0].link, format!("/zaken/{}", case.id));
        }
        let mail = notify::pending_mail(&db.store).await.unwrap();
        assert_eq!(mail.len(), 2);
        assert!(mail
            .iter()
            .any(|m| m.to_addr == "analist@meldpunt.nl" && m.subject.contains("Acute melding")));
        let page = a1.get("/berichten").await;
        assert!(page.body.contains("Acute melding"));
        let start = a1.get("/start").await.body;
        assert!(start.contains("mp-badge") && start.contains("Open zaken"));
        // Marking them read clears the badge, for this person only.
        a2.post("/berichten/gelezen", &[]).await;
        assert!(!a2.get("/start").await.body.contains("mp-badge"));
        assert!(a1.get("/start").await.body.contains("mp-badge"));
        assert!(ams
            .get("/start")
            .await
            .body
            .contains("href=\"/meldingen/nieuw\""));

        // Take up; a colleague sees who holds it and must take over explicitly.
        let r = a1.post(&format!("/zaken/{}/oppakken", case.id), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = a2.post(&format!("/zaken/{}/oppakken", case.id), &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("al in behandeling bij Test Persoon"),
            "{}",
            r.body
        );
        assert!(a2.get("/zaken").await.body.contains("Test Persoon"));
        let r = a2
            .post(
                &format!("/zaken/{}/oppakken", case.id),
                &[("overnemen", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            cases::get(&db.store, case.id)
                .await
                .unwrap()
                .assignee_user_id,
            Some(cast.analyst2.id)
        );

        // The lifecycle refuses a jump and allows the next step.
        let r = a2
            .post(
                &format!("/zaken/{}/status", case.id),
                &[("status", "decided")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("kan niet naar"));
        let r = a2
            .post(
                &format!("/zaken/{}/status", case.id),
                &[("status", "in_triage"), ("note", "Eerste blik")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let history = cases::events(&db.store, case.id).await.unwrap();
        let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec!["opened", "claimed", "claimed", "status_changed"]
        );
        let reference = reports::get(&db.store, id).await.unwrap().reference;
        assert_eq!(
            history[0].note.as_deref(),
            Some(reference.as_str()),
            "opened by this report"
        );

        // The reporter sees the new status and gets a notification and an e-mail.
        // The status a municipality sees is the plain one, the same on every page and in
        // every message: "In behandeling" for a case in triage.
        let page = ams.get(&format!("/meldingen/{id}")).await;
        assert!(page.body.contains("In behandeling"), "{}", page.body);
        assert!(!page.body.contains("In triage"), "{}", page.body);
        let mine = ams.get("/meldingen").await;
        assert!(
            mine.body.contains("In behandeling"),
            "Mijn meldingen shows the plain status"
        );
        let n = notify::list(&db.store, cast.ams.id, 10).await.unwrap();
        assert!(
            n[0].text.contains("nieuwe status: In behandeling"),
            "{}",
            n[0].text
        );
        let mail = notify::pending_mail(&db.store).await.unwrap();
        assert!(mail
            .iter()
            .any(|m| m.to_addr == "melder@amsterdam.nl" && m.body.contains("In behandeling")));
        // A move inside the team's own steps is no news to the municipality.
        let told = notify::list(&db.store, cast.ams.id, 50)
            .await
            .unwrap()
            .len();
        let r = a2
            .post(
                &format!("/zaken/{}/status", case.id),
                &[("status", "in_assessment")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            notify::list(&db.store, cast.ams.id, 50)
                .await
                .unwrap()
                .len(),
            told
        );
        let r = a2
            .post(
                &format!("/zaken/{}/status", case.id),
                &[("status", "in_triage")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // Filters.
        assert!(a1
            .get("/zaken?termijn=te-laat")
            .await
            .body
            .contains("Er zijn geen zaken"));
        assert!(a1
            .get("/zaken?platform=tiktok&gemeente=GM0363&categorie=call_to_gather")
            .await
            .body
            .contains(&case.reference));
        assert!(!a1
            .get("/zaken?gemeente=GM0599")
            .await
            .body
            .contains(&case.reference));
        assert!(!a1
            .get("/zaken?status=received")
            .await
            .body
            .contains(&case.reference));
    }
);

both_backends!(
    case_history_cannot_be_edited_or_deleted,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let (_, case_id) = submit_report(&db.store, cast.o.amsterdam, &cast.ams, PLAIN).await;
        for sql in [
            format!("UPDATE case_events SET note = 'anders' WHERE case_id = {case_id}"),
            format!("DELETE FROM case_events WHERE case_id = {case_id}"),
        ] {
            assert!(crate::support::sql(&db, &sql).await.is_err(), "{sql}");
        }
        assert_eq!(cases::events(&db.store, case_id).await.unwrap().len(), 1);
    }
);

both_backends!(
    idempotency_keys_and_sent_mail_are_kept_only_for_a_while,
    |db: TestDb| async move {
        use meldpunt::domain::session::SessionLimits;
        use meldpunt::service::{housekeeping, now_ms};
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        let token = api_token(&db, cast.o.amsterdam).await;
        let mut c = app.client();
        let first = api_post(&mut c, &token, Some("oud"), &api_report(PLAIN)).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let eight_days_ago = now_ms() - 8 * 24 * 3_600_000;
        crate::support::sql(
            &db,
            &format!("UPDATE idempotency_keys SET created_at = {eight_days_ago}"),
        )
        .await
        .unwrap();
        let long_ago = now_ms() - 31 * 24 * 3_600_000;
        let mut tx = db.store.begin_write().await.unwrap();
        let id = notify::enqueue_mail(&mut tx, "a@b.nl", "oud", "oud", long_ago)
            .await
            .unwrap();
        notify::enqueue_mail(&mut tx, "c@d.nl", "wacht", "wacht", long_ago)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        crate::support::sql(
            &db,
            &format!("UPDATE mail_outbox SET sent_at = {long_ago} WHERE id = {id}"),
        )
        .await
        .unwrap();
        let removed = housekeeping::run_once(&db.store, &SessionLimits::default(), now_ms())
            .await
            .unwrap();
        assert_eq!(removed, 1, "the old key");
        // Sent mail goes by the retention schedule (notifications, 30 days).
        let r = crate::retention::run(&db.store, now_ms()).await;
        assert_eq!(r.records, 1, "the old sent message");
        let waiting = notify::pending_mail(&db.store).await.unwrap();
        assert_eq!(waiting.len(), 1, "unsent mail is never dropped");
        // A week later the key is free again: the same request is a new report.
        let again = api_post(&mut c, &token, Some("oud"), &api_report(PLAIN)).await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert!(again.headers.get("idempotent-replayed").is_none());
        assert_eq!(reports::count(&db.store).await.unwrap(), 2);
    }
);

both_backends!(
    refusals_are_worded_in_the_language_of_the_page_or_of_the_api_client,
    |db: TestDb| async move {
        let cast = cast(&db).await;
        let app = TestApp::new(&db.store);
        // Pages: the person's language (the language cookie).
        let mut c = app.client();
        c.sign_in(&cast.ams).await;
        for (lang, want, other) in [
            (
                "nl",
                "Het huidige wachtwoord klopt niet.",
                "The current password",
            ),
            (
                "en",
                "The current password is not correct.",
                "Het huidige wachtwoord",
            ),
        ] {
            c.post("/taal", &[("lang", lang), ("terug", "/account")])
                .await;
            let r = c
                .post(
                    "/account/wachtwoord",
                    &[
                        ("current_password", "niet mijn wachtwoord"),
                        ("new_password", "een heel nieuw wachtwoord"),
                        ("password_repeat", "een heel nieuw wachtwoord"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.body.contains(want), "{lang}: {}", r.body);
            assert!(!r.body.contains(other), "{lang}: {}", r.body);
            // An error page, too: the heading in the person's language.
            let r = c.get("/zaken").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            let title = if lang == "en" {
                "No access"
            } else {
                "Geen toegang"
            };
            assert!(
                r.body
                    .contains(&format!("<h1 class=\"utrecht-heading-1\">{title}</h1>")),
                "{}",
                r.body
            );
            assert!(r.body.contains(&format!("lang=\"{lang}\"")));
        }
        // The API: the language the client asks for, Dutch by default.
        let token = api_token(&db, cast.o.amsterdam).await;
        let mut bad = api_report("niet een link");
        bad["urgentie"] = json!("");
        for (accept, lang, want) in [
            (None, "nl", "Kies de urgentie."),
            (Some("en-GB,en;q=0.9,nl;q=0.5"), "en", "Choose the urgency."),
            (Some("nl-NL"), "nl", "Kies de urgentie."),
        ] {
            let auth = format!("Bearer {token}");
            let mut headers = vec![
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ];
            if let Some(a) = accept {
                headers.push(("accept-language", a));
            }
            let r = c
                .send(
                    Method::POST,
                    "/api/v1/meldingen",
                    Some(bad.to_string()),
                    &headers,
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
            assert_eq!(r.header("content-language"), lang);
            let doc: Value = serde_json::from_str(&r.body).unwrap();
            let reasons: Vec<&str> = doc["invalidParams"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["reason"].as_str().unwrap())
                .collect();
            assert!(reasons.contains(&want), "{accept:?}: {reasons:?}");
        }
    }
);
