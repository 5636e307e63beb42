//! Headers, CSRF, bad input, errors, operations endpoints and the API, through the real router.

use axum::http::{header, Method, StatusCode};
use meldpunt::domain::user::Role;
use meldpunt::service::tokens as token_service;
use meldpunt::store::{audit, reports, tokens};

use crate::support::*;

async fn app() -> (TestDb, TestApp) {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let app = TestApp::new(&db.store);
    (db, app)
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let (_db, app) = app().await;
    let mut c = app.client();
    for path in [
        "/aanmelden",
        "/bestaat-niet",
        "/assets/meldpunt.css",
        "/healthz",
        "/api/v1/openapi.json",
    ] {
        let r = c.get(path).await;
        let csp = r
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline")
                && csp.contains("default-src 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(
            r.headers.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert!(r.headers.get("referrer-policy").is_some(), "{path}");
        assert!(
            r.headers.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP: {path}"
        );
    }
}

#[tokio::test]
async fn over_tls_pages_send_hsts() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let config = meldpunt::config::Config {
        public_url: "https://meldpunt.example".into(),
        ..test_config()
    };
    let app = TestApp::with_config(&db.store, config);
    let r = app.client().get("/aanmelden").await;
    assert!(r
        .headers
        .get("strict-transport-security")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("max-age="));
    let cookie = r.set_cookies().join("\n");
    assert!(
        cookie.contains("__Host-meldpunt_csrf=")
            && cookie.contains("Secure")
            && cookie.contains("HttpOnly")
    );
}

#[tokio::test]
async fn cookies_are_secure_host_cookies_on_loopback_and_plain_only_on_other_http_hosts() {
    let (_db, app) = app().await;
    let r = app.client().get("/aanmelden").await;
    let cookie = r.set_cookies().join("\n");
    assert!(
        cookie.starts_with("__Host-meldpunt_csrf=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    let r = app
        .client()
        .send(
            Method::GET,
            "/aanmelden",
            None,
            &[("host", "meldpunt.intern:8080")],
        )
        .await;
    let cookie = r.set_cookies().join("\n");
    assert!(
        cookie.starts_with("meldpunt_csrf=") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn pages_contain_no_script_and_have_landmarks_and_a_skip_link() {
    let (_db, app) = app().await;
    let r = app.client().get("/aanmelden").await;
    assert!(!r.body.contains("<script"));
    assert!(r.body.contains("href=\"#inhoud\"") && r.body.contains("<main id=\"inhoud\""));
    assert!(r
        .body
        .contains("<label class=\"utrecht-form-label\" for=\"email\">E-mailadres</label>"));
    assert!(r.body.contains("lang=\"nl\""));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let p = make_person(&db.store, o.amsterdam, "m@amsterdam.nl", Role::Reporter).await;
    let before = audit::count(&db.store).await.unwrap();
    let mut c = app.client();
    c.get("/aanmelden").await;
    let r = c
        .post_raw(
            "/aanmelden",
            &[
                ("email".into(), p.email.clone()),
                ("password".into(), PASSWORD.into()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Formulier verlopen"));
    let r = c
        .post_raw(
            "/aanmelden",
            &[
                ("email".into(), p.email.clone()),
                ("password".into(), PASSWORD.into()),
                ("csrf".into(), "vervalst-token-van-elders-123".into()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!c.cookies.contains_key(SESSION_COOKIE));
    assert_eq!(
        audit::count(&db.store).await.unwrap(),
        before,
        "nothing happened"
    );
}

/// Finding L5 of the security review: the report form posted its token in the address
/// (`/meldingen/nieuw?csrf=…`), so it landed in logs and browser history.
#[tokio::test]
async fn a_form_with_files_carries_its_token_as_its_first_field_never_in_the_address() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let mut c = app.signed_in(&p).await;
    let form = c.get("/meldingen/nieuw").await;
    assert!(
        form.body.contains(r#"action="/meldingen/nieuw""#),
        "{}",
        form.body
    );
    assert!(!form.body.contains("?csrf="));
    let token = c.csrf();
    let fields = crate::intake::form("https://www.tiktok.com/@feest.haren/video/1", "high");
    let with = |first: bool| {
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        if first {
            f.insert(0, ("csrf", token.as_str()));
        } else {
            f.push(("csrf", token.as_str()));
        }
        multipart_body(&f, &[("evidence_1", "s.png", PNG)])
    };
    // In the address only: refused.
    let (ct, body) = multipart_body(&fields, &[]);
    let r = c
        .post_multipart_raw(&format!("/meldingen/nieuw?csrf={token}"), &ct, body)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // After a file: refused, the files are not read to find it.
    let (ct, body) = with(false);
    let r = c.post_multipart_raw("/meldingen/nieuw", &ct, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A wrong one first: refused.
    let (ct, body) = multipart_body(&[("csrf", "vervalst-token-van-elders-123")], &[]);
    let r = c.post_multipart_raw("/meldingen/nieuw", &ct, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(reports::count(&db.store).await.unwrap(), 0);
    // The first field, as the form sends it: the report is made, its file with it.
    let (ct, body) = with(true);
    let r = c.post_multipart_raw("/meldingen/nieuw", &ct, body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(reports::count(&db.store).await.unwrap(), 1);
    // A script may send it in the header instead.
    let (ct, body) = multipart_body(&[], &[]);
    let r = c
        .send_body(
            Method::POST,
            "/taal",
            axum::body::Body::from(body),
            &[
                ("content-type", ct.as_str()),
                ("x-csrf-token", token.as_str()),
            ],
        )
        .await;
    assert_ne!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused_even_with_the_token() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let p = make_person(&db.store, o.amsterdam, "m@amsterdam.nl", Role::Reporter).await;
    let mut c = app.client();
    c.get("/aanmelden").await;
    let body = format!(
        "email={}&password={}&csrf={}",
        urlencoding::encode(&p.email),
        urlencoding::encode(PASSWORD),
        c.csrf()
    );
    let r = c
        .send(
            Method::POST,
            "/aanmelden",
            Some(body),
            &[
                ("origin", "https://kwaadwillend.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_oversized_form_gets_413_and_a_malformed_one_400() {
    let (_db, app) = app().await;
    let mut c = app.client();
    c.get("/aanmelden").await;
    let big = "x".repeat(200 * 1024);
    let r = c
        .post("/aanmelden", &[("email", &big), ("password", "y")])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Verzoek te groot"));
    let csrf = c.csrf();
    let r = c
        .send(Method::POST, "/taal", Some(format!("csrf={csrf}")), &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("onvolledig of onjuist"));
}

#[tokio::test]
async fn an_unknown_page_is_a_dutch_404() {
    let (_db, app) = app().await;
    let r = app.client().get("/bestaat-niet").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Pagina niet gevonden"));
}

#[tokio::test]
async fn the_language_switch_shows_english() {
    let (_db, app) = app().await;
    let mut c = app.client();
    let page = c.get("/aanmelden?afgemeld=1").await;
    assert!(
        page.body
            .contains("name=\"terug\" value=\"/aanmelden?afgemeld=1\""),
        "{}",
        page.body
    );
    let r = c
        .post(
            "/taal",
            &[("lang", "en"), ("terug", "/aanmelden?afgemeld=1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        "/aanmelden?afgemeld=1",
        "back to the same page"
    );
    let r = c
        .post(
            "/taal",
            &[("lang", "en"), ("terug", "//kwaadwillend.example/x")],
        )
        .await;
    assert_eq!(r.location(), "/", "never to another site");
    let r = c.get("/aanmelden").await;
    assert!(
        r.body.contains("lang=\"en\"") && r.body.contains("E-mail address"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn health_and_readiness_answer_and_metrics_need_their_token() {
    let (_db, app) = app().await;
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(c.get("/readyz").await.status, StatusCode::OK);
    assert_eq!(c.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    let r = c
        .send(
            Method::GET,
            "/metrics",
            None,
            &[("authorization", "Bearer wrong")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = c
        .send(
            Method::GET,
            "/metrics",
            None,
            &[("authorization", "Bearer metrics-secret")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("meldpunt_http_requests_total"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let (db, app) = app().await;
    db.store.close().await;
    let r = app.client().get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn the_api_speaks_problem_json_with_a_version_header() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let mut c = app.client();
    let r = c.get("/api/v1/organisatie").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(r.headers.get("api-version").unwrap(), "1.0.0");
    let problem: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(problem["status"], 401);
    let r = c.get("/api/v1/bestaat-niet").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), "application/problem+json");

    let (_, token) = token_service::create(&db.store, &cli_ctx(), o.amsterdam, "Gemeentesysteem")
        .await
        .unwrap();
    let auth = format!("Bearer {token}");
    let r = c
        .send(
            Method::GET,
            "/api/v1/organisatie",
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["code"], "GM0363");
    assert_eq!(r.headers.get("api-version").unwrap(), "1.0.0");
    let listed = tokens::list_by_org(&db.store, o.amsterdam).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "last use is recorded");
    assert!(
        !format!("{listed:?}").contains(&token),
        "the token itself is not stored"
    );

    token_service::revoke(&db.store, &cli_ctx(), &listed[0])
        .await
        .unwrap();
    let r = c
        .send(
            Method::GET,
            "/api/v1/organisatie",
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_method_gets_405_as_problem_json_on_the_api_and_a_page_elsewhere() {
    let (_db, app) = app().await;
    let mut c = app.client();
    let r = c
        .send(Method::DELETE, "/api/v1/organisatie", None, &[])
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.content_type(), "application/problem+json");
    let r = c.send(Method::PUT, "/healthz", None, &[]).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = c.send(Method::GET, "/afmelden", None, &[]).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.body.contains("Handeling niet mogelijk"));
}

#[tokio::test]
async fn the_openapi_document_is_public_and_valid_json() {
    let (_db, app) = app().await;
    let r = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/organisatie"]["get"].is_object());
}

#[tokio::test]
async fn assets_are_served_with_their_type_and_unknown_ones_are_404() {
    let (_db, app) = app().await;
    let mut c = app.client();
    let r = c.get("/assets/utrecht-component-library.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/css"));
    assert_eq!(
        c.get("/assets/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn when_the_database_is_gone_pages_and_the_api_answer_503_and_save_nothing() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let p = make_person(&db.store, o.amsterdam, "m@amsterdam.nl", Role::Reporter).await;
    let session = session_for(&db.store, &p).await;
    let (_, token) = token_service::create(&db.store, &cli_ctx(), o.amsterdam, "Systeem")
        .await
        .unwrap();
    db.store.close().await;
    let mut c = app.client().with_session(&session);
    let r = c.get("/start").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.body.contains("Tijdelijk niet beschikbaar") && r.body.contains("Er is niets opgeslagen")
    );
    let auth = format!("Bearer {token}");
    let r = c
        .send(
            Method::GET,
            "/api/v1/organisatie",
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.content_type(), "application/problem+json");
}

#[tokio::test]
async fn viewing_pages_with_personal_data_is_recorded() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let admin = make_person(
        &db.store,
        o.central,
        "beheer@meldpunt.nl",
        Role::Administrator,
    )
    .await;
    let mut c = app
        .client()
        .with_session(&session_for(&db.store, &admin).await);
    for (path, action) in [
        (
            format!("/beheer/organisaties/{}", o.amsterdam),
            "view.users",
        ),
        ("/account".to_string(), "view.own_account"),
        ("/start".to_string(), "view.own_account"),
    ] {
        let before = audit::count(&db.store).await.unwrap();
        assert_eq!(c.get(&path).await.status, StatusCode::OK);
        let newest = audit::list(
            &db.store,
            meldpunt::domain::policy::AuditScope::All,
            &Default::default(),
            1,
            None,
        )
        .await
        .unwrap();
        assert_eq!(audit::count(&db.store).await.unwrap(), before + 1, "{path}");
        assert_eq!(newest[0].action, action, "{path}");
        assert_eq!(newest[0].actor_user_id, Some(admin.id));
        assert_eq!(newest[0].origin, "127.0.0.1");
        // NEN 7513: why, and on whose behalf.
        let details: serde_json::Value = serde_json::from_str(&newest[0].details).unwrap();
        let purpose = if action == "view.own_account" {
            "own_account"
        } else {
            "administration"
        };
        assert_eq!(details["purpose"], purpose, "{path}");
        assert_eq!(details["acting_for_org"], o.central, "{path}");
    }
}

#[tokio::test]
async fn an_audit_export_is_itself_audited() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let auditor = make_person(&db.store, o.central, "audit@meldpunt.nl", Role::Auditor).await;
    let mut c = app
        .client()
        .with_session(&session_for(&db.store, &auditor).await);
    let r = c
        .get("/audit/export.csv?handeling=organisation.created")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(
        r.body.lines().count(),
        5,
        "header and four organisations:\n{}",
        r.body
    );
    let r = c.get("/audit/export.json").await;
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "export.audit_trail"));
    let r = c.get("/audit?van=gisteren").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("jjjj-mm-dd"));
}

#[tokio::test]
async fn an_administrator_cannot_reset_or_block_their_own_account() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let admin = make_person(
        &db.store,
        o.central,
        "beheer@meldpunt.nl",
        Role::Administrator,
    )
    .await;
    let mut c = app
        .client()
        .with_session(&session_for(&db.store, &admin).await);
    // Another person: both actions ask first, and asking changes nothing.
    let other = make_person(&db.store, o.central, "ander@meldpunt.nl", Role::Analyst).await;
    for (action, consequence) in [
        ("reset", "worden gewist"),
        ("blokkeren", "kan niet meer inloggen"),
    ] {
        let r = c
            .get(&format!("/beheer/gebruikers/{}/{action}", other.id))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{action}");
        assert!(r.body.contains(consequence), "{}", r.body);
        assert!(r.body.contains("mp-danger"));
        assert!(r.body.contains(&format!(
            "action=\"/beheer/gebruikers/{}/{action}\"",
            other.id
        )));
        let user = meldpunt::store::users::get(&db.store, other.id)
            .await
            .unwrap();
        assert_eq!(user.status, meldpunt::domain::user::UserStatus::Active);
    }
    for action in ["reset", "blokkeren"] {
        let before = audit::count(&db.store).await.unwrap();
        let r = c
            .post(&format!("/beheer/gebruikers/{}/{action}", admin.id), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{action}");
        assert!(r.body.contains("eigen account"), "{}", r.body);
        let user = meldpunt::store::users::get(&db.store, admin.id)
            .await
            .unwrap();
        assert_eq!(user.status, meldpunt::domain::user::UserStatus::Active);
        assert_eq!(
            audit::count(&db.store).await.unwrap(),
            before,
            "nothing recorded as done"
        );
    }
}

#[tokio::test]
async fn an_administrator_changes_a_role_and_unblocks_an_account() {
    use meldpunt::domain::user::UserStatus;
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let admin = make_person(
        &db.store,
        o.central,
        "beheer@meldpunt.nl",
        Role::Administrator,
    )
    .await;
    let mut c = app
        .client()
        .with_session(&session_for(&db.store, &admin).await);
    let other = make_person(&db.store, o.central, "ander@meldpunt.nl", Role::Analyst).await;
    let theirs = session_for(&db.store, &other).await;

    // The person's page offers the roles of their organisation only.
    let page = c.get(&format!("/beheer/gebruikers/{}", other.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("value=\"supervisor\"") && !page.body.contains("value=\"reporter\"")
    );
    // A role of another kind of organisation is refused and changes nothing.
    let r = c
        .post(
            &format!("/beheer/gebruikers/{}/rol", other.id),
            &[("role", "reporter")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<title>Fout: "));
    let user = meldpunt::store::users::get(&db.store, other.id)
        .await
        .unwrap();
    assert_eq!(user.role, Role::Analyst);
    // A supervisor now: recorded, and their sessions end so the new role holds at once.
    let r = c
        .post(
            &format!("/beheer/gebruikers/{}/rol", other.id),
            &[("role", "supervisor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers["location"],
        format!("/beheer/gebruikers/{}?gedaan=rol", other.id)
    );
    let user = meldpunt::store::users::get(&db.store, other.id)
        .await
        .unwrap();
    assert_eq!(user.role, Role::Supervisor);
    let changed = trail(&db.store, "user.role_changed").await;
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0].details.contains("\"from\":\"analyst\"")
            && changed[0].details.contains("\"to\":\"supervisor\"")
    );
    let gone = app.client().with_session(&theirs).get("/start").await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "the old session ended");
    let page = c
        .get(&format!("/beheer/gebruikers/{}?gedaan=rol", other.id))
        .await;
    assert!(page.body.contains("De rol is gewijzigd"));
    // Nobody changes their own role.
    let r = c
        .post(
            &format!("/beheer/gebruikers/{}/rol", admin.id),
            &[("role", "auditor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("eigen account"));

    // Blocked, then unblocked: the person signs in again with their own password.
    let r = c
        .post(&format!("/beheer/gebruikers/{}/blokkeren", other.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = c.get(&format!("/beheer/gebruikers/{}", other.id)).await;
    assert!(page.body.contains("/deblokkeren"), "unblocking offered");
    let r = c
        .post(&format!("/beheer/gebruikers/{}/deblokkeren", other.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let user = meldpunt::store::users::get(&db.store, other.id)
        .await
        .unwrap();
    assert_eq!(user.status, UserStatus::Active);
    assert_eq!(trail(&db.store, "user.enabled").await.len(), 1);

    // An account blocked before it was activated has no password: it needs a new link.
    let pending = meldpunt::service::accounts::create_user(
        &db.store,
        &cli_ctx(),
        o.central,
        &meldpunt::domain::user::NewUser::new("nieuw@meldpunt.nl", "Nieuw", Role::Analyst).unwrap(),
    )
    .await
    .unwrap();
    c.post(
        &format!("/beheer/gebruikers/{}/blokkeren", pending.user_id),
        &[],
    )
    .await;
    let r = c
        .post(
            &format!("/beheer/gebruikers/{}/deblokkeren", pending.user_id),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Opnieuw laten activeren"), "{}", r.body);
    let user = meldpunt::store::users::get(&db.store, pending.user_id)
        .await
        .unwrap();
    assert_eq!(user.status, UserStatus::Disabled);
}

/// Security review L3, L4 and I2: a return address with a control or bidirectional-override
/// character gets a clear 400 page (not a framework 500, not a redirect a browser would
/// read as `//evil.example`), and the language cookie is protected like the session's.
#[tokio::test]
async fn the_language_switch_refuses_hidden_characters_and_sets_a_protected_cookie() {
    let (_db, app) = app().await;
    let mut c = app.client();
    c.get("/aanmelden").await;
    for bad in [
        "/\t/evil.example",
        "/x\r\nSet-Cookie: a=b",
        "/x\n",
        "/x\u{0}",
        "/x\u{7f}",
        "/\u{202e}lmth.live",
    ] {
        let r = c.post("/taal", &[("lang", "en"), ("terug", bad)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.body);
        assert!(r.content_type().starts_with("text/html"), "{bad:?}");
        assert!(r.body.contains("onzichtbaar teken"), "{bad:?}: {}", r.body);
        assert!(r.header("location").is_empty());
        assert!(r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .all(|v| !v.to_str().unwrap_or("").contains("meldpunt_lang")));
    }
    let r = c
        .post("/taal", &[("lang", "en"), ("terug", "/\\/evil.example")])
        .await;
    assert_eq!(r.location(), "/");
    // Over a secure context (here loopback) the cookie has the __Host- prefix and Secure.
    let r = c
        .post("/taal", &[("lang", "en"), ("terug", "/aanmelden")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let set: Vec<&str> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.contains("meldpunt_lang"))
        .collect();
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(set[0].starts_with("__Host-meldpunt_lang=en;"), "{}", set[0]);
    for attr in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(set[0].contains(attr), "{attr} in {}", set[0]);
    }
    assert!(c.get("/aanmelden").await.body.contains("E-mail address"));
}

/// Security review I1: a path or query that does not parse gets meldpunt's own page in Dutch,
/// never the framework's text.
#[tokio::test]
async fn unparsable_paths_and_queries_get_a_dutch_page_not_framework_text() {
    let (db, app) = app().await;
    let o = seed_orgs(&db.store).await;
    let reporter = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let mut c = app.signed_in(&reporter).await;
    for path in [
        "/meldingen/abc",
        "/meldingen/99999999999999999999999",
        "/bewijs/-x",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.content_type().starts_with("text/html"), "{path}");
        assert!(
            r.body.contains("Pagina niet gevonden"),
            "{path}: {}",
            r.body
        );
        assert!(!r.body.contains("Cannot parse"), "{path}");
    }
    let r = c.get("/meldingen?pagina=twee").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("onjuiste keuze"), "{}", r.body);
    assert!(!r.body.contains("Failed to deserialize"));
}
