//! Single sign-on through an organisation's own OpenID Connect provider, against a real
//! provider (`oidc.rs`): registration checked by discovery (a provider that is down, a
//! malformed discovery document, another issuer, a missing secret, a domain of another
//! organisation), the sign-in with and without multi-factor at the provider, and every bad
//! answer — a replayed state, another browser, an error from the provider, an expired
//! token, a token from another organisation's provider, a rotated key, an unknown person,
//! a blocked account. Each refusal changes nothing and is audited. The ID token's own
//! checks (foreign audience, other issuer, unknown key) are in `service::sso`'s unit tests.

use axum::http::StatusCode;
use meldpunt::config::Config;
use meldpunt::domain::sso::SettingsInput;
use meldpunt::domain::user::Role;
use meldpunt::service::{now_ms, sso, Ctx};
use meldpunt::store::sso as sso_store;
use meldpunt::store::{users, Store};

use crate::both_backends;
use crate::oidc::{self, Provider, CLIENT_ID, CLIENT_SECRET};
use crate::support::*;

fn config() -> Config {
    Config {
        sso_secrets: [
            ("AMSTERDAM".to_string(), CLIENT_SECRET.to_string()),
            ("ROTTERDAM".to_string(), CLIENT_SECRET.to_string()),
        ]
        .into(),
        ..test_config()
    }
}

fn app(store: &Store) -> TestApp {
    TestApp::with_config(store, config())
}

fn settings<'a>(issuer: &'a str, secret_ref: &'a str, domains: &'a str) -> SettingsInput<'a> {
    SettingsInput {
        issuer,
        client_id: CLIENT_ID,
        secret_ref,
        email_domains: domains,
        mfa_acr: "",
    }
}

fn the_sso() -> sso::Sso {
    sso::Sso::new(&config().public_url, config().sso_secrets).unwrap()
}

/// Registers `provider` for Amsterdam (amsterdam.nl).
async fn register(store: &Store, org_id: i64, issuer: &str, secret: &str, domain: &str) {
    sso::configure(
        store,
        &cli_ctx(),
        &the_sso(),
        org_id,
        &settings(issuer, secret, domain),
    )
    .await
    .expect("provider registered");
}

/// Begins single sign-on on the pages; returns the authorization request.
async fn begin(c: &mut Client<'_>, email: &str) -> String {
    let page = c.post("/aanmelden/organisatie", &[("email", email)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("http-equiv=\"refresh\""));
    oidc::authorize_url(&page.body)
}

/// Signs in through the provider on the pages; returns meldpunt's answer to the callback.
async fn sign_in_via(c: &mut Client<'_>, email: &str) -> Resp {
    let url = begin(c, email).await;
    let back = oidc::through_provider(&url).await;
    c.get(&back).await
}

/// Amsterdam with its own provider (started with these settings) registered for
/// amsterdam.nl, and Jan, a reporter there.
async fn amsterdam_with_provider(
    settings: &[(&str, &str)],
) -> Option<(Provider, TestDb, Orgs, Person)> {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let (provider, o, p) = amsterdam_with_provider_on(&db, settings).await?;
    Some((provider, db, o, p))
}

/// [`amsterdam_with_provider`] on this database.
async fn amsterdam_with_provider_on(
    db: &TestDb,
    settings: &[(&str, &str)],
) -> Option<(Provider, Orgs, Person)> {
    let provider = Provider::start(None, settings)?;
    let store = &db.store;
    let o = seed_orgs(store).await;
    let p = make_person(store, o.amsterdam, "jan@amsterdam.nl", Role::Reporter).await;
    register(
        store,
        o.amsterdam,
        &provider.issuer(),
        "AMSTERDAM",
        "amsterdam.nl",
    )
    .await;
    Some((provider, o, p))
}

fn reasons(records: &[meldpunt::domain::audit::AuditRecord]) -> Vec<String> {
    // Oldest first (the trail lists the newest first).
    records
        .iter()
        .rev()
        .filter(|r| r.outcome == "failure")
        .map(|r| {
            let d: serde_json::Value = serde_json::from_str(&r.details).unwrap();
            d["reason"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

both_backends!(
    providers_domains_and_pending_sign_ins_are_kept_per_organisation,
    |db: TestDb| async move {
        use meldpunt::domain::sso::ProviderSettings;
        use meldpunt::store::sso::PendingLogin;
        let store = &db.store;
        let o = seed_orgs(store).await;
        let s = |issuer: &str, domains: &[&str]| ProviderSettings {
            issuer: issuer.into(),
            client_id: "c".into(),
            secret_ref: "S".into(),
            email_domains: domains.iter().map(|d| d.to_string()).collect(),
            mfa_acr: None,
        };
        let mut tx = store.begin_write().await.unwrap();
        sso_store::put(
            &mut tx,
            o.amsterdam,
            &s("https://a.nl", &["amsterdam.nl"]),
            None,
            1,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Changing it replaces the domains.
        let mut tx = store.begin_write().await.unwrap();
        let two = s("https://a2.nl", &["amsterdam.nl", "gemeente-amsterdam.nl"]);
        sso_store::put(&mut tx, o.amsterdam, &two, None, 2)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let got = sso_store::by_domain(store, "gemeente-amsterdam.nl")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.org_id, got.settings.issuer.as_str()),
            (o.amsterdam, "https://a2.nl")
        );
        assert_eq!(got.org_name, "Amsterdam");
        // A domain belongs to one organisation.
        let mut tx = store.begin_write().await.unwrap();
        let taken = sso_store::put(
            &mut tx,
            o.rotterdam,
            &s("https://r.nl", &["amsterdam.nl"]),
            None,
            3,
        )
        .await;
        assert!(
            matches!(taken, Err(meldpunt::store::StoreError::Conflict)),
            "{taken:?}"
        );
        drop(tx);
        assert!(sso_store::of_org(store, o.rotterdam)
            .await
            .unwrap()
            .is_none());
        // A pending sign-in is taken once.
        let login = PendingLogin {
            state_hash: "h1".into(),
            org_id: o.amsterdam,
            browser_hash: "b".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            email: "a@amsterdam.nl".into(),
            created_at: 10,
            recheck_session_hash: Some("session-hash".into()),
            return_to: Some("/zaken".into()),
        };
        let mut tx = store.begin_write().await.unwrap();
        sso_store::insert_login(&mut tx, &login).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        assert_eq!(
            sso_store::take_login(&mut tx, "h1").await.unwrap(),
            Some(login)
        );
        assert_eq!(sso_store::take_login(&mut tx, "h1").await.unwrap(), None);
        tx.commit().await.unwrap();
        // A subject links to one account.
        let a = make_person(store, o.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let b = make_person(store, o.amsterdam, "b@amsterdam.nl", Role::Reporter).await;
        let mut tx = store.begin_write().await.unwrap();
        sso_store::link_subject(&mut tx, a.id, "https://a2.nl", "sub-a")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        assert!(
            sso_store::link_subject(&mut tx, b.id, "https://a2.nl", "sub-a")
                .await
                .is_err()
        );
        drop(tx);
        assert_eq!(
            sso_store::user_by_subject(store, "https://a2.nl", "sub-a")
                .await
                .unwrap(),
            Some(a.id)
        );
        // Removing the provider removes its domains and pending sign-ins.
        let mut tx = store.begin_write().await.unwrap();
        sso_store::insert_login(
            &mut tx,
            &PendingLogin {
                state_hash: "h2".into(),
                ..login_of(o.amsterdam)
            },
        )
        .await
        .unwrap();
        assert!(sso_store::remove(&mut tx, o.amsterdam).await.unwrap());
        assert!(sso_store::take_login(&mut tx, "h2")
            .await
            .unwrap()
            .is_none());
        tx.commit().await.unwrap();
        assert!(sso_store::by_domain(store, "amsterdam.nl")
            .await
            .unwrap()
            .is_none());
    }
);

fn login_of(org_id: i64) -> meldpunt::store::sso::PendingLogin {
    meldpunt::store::sso::PendingLogin {
        state_hash: String::new(),
        org_id,
        browser_hash: "b".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        email: "x@amsterdam.nl".into(),
        created_at: 10,
        recheck_session_hash: None,
        return_to: None,
    }
}

async fn post_form(c: &mut Client<'_>, path: &str, mut f: Vec<(String, String)>) -> Resp {
    f.push(("csrf".into(), c.csrf()));
    c.post_raw(path, &f).await
}

/// A tiny HTTP server that answers every request with this body (a broken provider).
async fn serve_always(body: &'static str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let res = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(res.as_bytes()).await;
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_registers_a_provider_only_after_meldpunt_has_checked_it() {
    let Some(provider) = Provider::start(None, &[]) else {
        return;
    };
    let db = test_db(Backend::Sqlite).await.unwrap();
    let store = &db.store;
    let o = seed_orgs(store).await;
    let admin = make_person(store, o.central, "beheer@meldpunt.nl", Role::Administrator).await;
    let app = app(store);
    let mut c = app.signed_in(&admin).await;
    let path = format!("/beheer/organisaties/{}/sso", o.amsterdam);
    let form = |issuer: &str, secret: &str, domains: &str| {
        vec![
            ("issuer".to_string(), issuer.to_string()),
            ("client_id".to_string(), CLIENT_ID.to_string()),
            ("secret_ref".to_string(), secret.to_string()),
            ("email_domains".to_string(), domains.to_string()),
            ("mfa_acr".to_string(), String::new()),
        ]
    };
    c.get(&format!("/beheer/organisaties/{}", o.amsterdam))
        .await;

    // A provider that is down.
    let down = format!("http://127.0.0.1:{}", crate::multi_instance::free_port());
    let r = post_form(&mut c, &path, form(&down, "AMSTERDAM", "amsterdam.nl")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("niet bereikbaar"), "{}", r.body);
    assert!(r.body.contains(&down), "what was typed stays");
    // A malformed discovery document.
    let junk = serve_always(r#"{"issuer": 5, "authorization_endpoint": []}"#).await;
    let r = post_form(
        &mut c,
        &path,
        form(
            &format!("http://127.0.0.1:{junk}"),
            "AMSTERDAM",
            "amsterdam.nl",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("geen geldige OpenID Connect-beschrijving"),
        "{}",
        r.body
    );
    // The provider names itself differently (the issuer typed is not its issuer).
    let other_name = format!("http://127.0.0.1:{}", provider.port);
    let r = post_form(
        &mut c,
        &path,
        form(&other_name, "AMSTERDAM", "amsterdam.nl"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("andere issuer-URL"), "{}", r.body);
    // A secret the server does not have.
    let r = post_form(
        &mut c,
        &path,
        form(&provider.issuer(), "ZAANSTAD", "amsterdam.nl"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("MELDPUNT_SSO_SECRET_ZAANSTAD"),
        "{}",
        r.body
    );
    // Plain http to another machine.
    let r = post_form(
        &mut c,
        &path,
        form("http://idp.example.nl", "AMSTERDAM", "amsterdam.nl"),
    )
    .await;
    assert!(r.body.contains("via https"), "{}", r.body);
    assert!(
        sso_store::of_org(store, o.amsterdam)
            .await
            .unwrap()
            .is_none(),
        "nothing saved"
    );

    // Checked and saved.
    let r = post_form(
        &mut c,
        &path,
        form(&provider.issuer(), "AMSTERDAM", "Amsterdam.nl"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("gecontroleerd en opgeslagen"));
    assert!(r.body.contains("MELDPUNT_SSO_SECRET_AMSTERDAM"));
    assert!(
        r.body.contains(oidc::REDIRECT_URI),
        "the redirect URI to register is shown"
    );
    assert!(!r.body.contains(CLIENT_SECRET), "the secret is never shown");
    let saved = sso_store::of_org(store, o.amsterdam)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.settings.email_domains, ["amsterdam.nl"]);

    // Rotterdam cannot take Amsterdam's domain.
    let path_r = format!("/beheer/organisaties/{}/sso", o.rotterdam);
    let mut f = form(
        &provider.issuer(),
        "ROTTERDAM",
        "rotterdam.nl, amsterdam.nl",
    );
    f.push(("csrf".into(), c.csrf()));
    let r = c.post_raw(&path_r, &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("amsterdam.nl hoort al bij de aanmeldvoorziening van Amsterdam"),
        "{}",
        r.body
    );
    assert!(sso_store::of_org(store, o.rotterdam)
        .await
        .unwrap()
        .is_none());

    let records = trail(store, "sso.configured").await;
    assert_eq!(
        reasons(&records),
        [
            "provider_unreachable",
            "discovery_malformed",
            "issuer_mismatch",
            "secret_missing",
            "invalid_settings",
            "domain_taken"
        ]
    );
    assert_eq!(records.iter().filter(|r| r.outcome == "success").count(), 1);

    // A municipality's own administrator sees the state but may not change it.
    let local = make_person(
        store,
        o.amsterdam,
        "beheer@amsterdam.nl",
        Role::Administrator,
    )
    .await;
    let mut l = app.signed_in(&local).await;
    let page = l
        .get(&format!("/beheer/organisaties/{}", o.amsterdam))
        .await;
    assert!(page.body.contains(&provider.issuer()));
    assert!(!page.body.contains(&format!("action=\"{path}\"")));
    let r = l
        .post(
            &path,
            &form(&provider.issuer(), "AMSTERDAM", "a.nl")
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Turning it off.
    let r = c
        .post(
            &format!("/beheer/organisaties/{}/sso/verwijderen", o.amsterdam),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(sso_store::of_org(store, o.amsterdam)
        .await
        .unwrap()
        .is_none());
    assert_eq!(trail(store, "sso.removed").await.len(), 1);
}

both_backends!(
    staff_come_back_signed_in_and_skip_meldpunts_second_step_when_the_provider_did_mfa,
    |db: TestDb| async move {
        let Some((provider, _, p)) = amsterdam_with_provider_on(&db, &[("AMR", "pwd,mfa")]).await
        else {
            return;
        };
        let store = &db.store;
        let app = app(store);
        let mut c = app.client();
        let back = sign_in_via(&mut c, "Jan@Amsterdam.nl").await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
        assert_eq!(back.location(), "/start");
        let cleared = back
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("__Host-meldpunt_sso=;"));
        assert!(cleared, "the sign-in's cookie goes");
        let start = c.get("/start").await;
        assert_eq!(start.status, StatusCode::OK, "signed in");
        // Linked by its verified address the first time, by subject afterwards.
        assert_eq!(
            sso_store::user_by_subject(store, &provider.issuer(), "jan@amsterdam.nl")
                .await
                .unwrap(),
            Some(p.id)
        );
        let records = trail(store, "sign_in.sso").await;
        let ok: Vec<serde_json::Value> = records
            .iter()
            .filter(|r| r.outcome == "success")
            .map(|r| serde_json::from_str(&r.details).unwrap())
            .collect();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0]["multi_factor"], true);
        assert_eq!(ok[0]["linked_now"], true);
        // Signing out ends the meldpunt session.
        let out = c.post("/afmelden", &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(c.get("/start").await.status, StatusCode::SEE_OTHER);
        // Again: by subject now; a blocked account in meldpunt no longer gets in.
        let again = sign_in_via(&mut c, "jan@amsterdam.nl").await;
        assert_eq!(again.location(), "/start");
        let mut tx = store.begin_write().await.unwrap();
        users::disable(&mut tx, p.id).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            c.get("/start").await.status,
            StatusCode::SEE_OTHER,
            "the session ended"
        );
        let blocked = sign_in_via(&mut c, "jan@amsterdam.nl").await;
        assert_eq!(blocked.status, StatusCode::BAD_REQUEST);
        assert!(blocked.body.contains("niet actief"), "{}", blocked.body);
        assert_eq!(
            reasons(&trail(store, "sign_in.sso").await),
            ["account_not_active"]
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mfa_at_the_provider_meldpunt_asks_its_own_second_factor() {
    let Some((_provider, db, _, p)) = amsterdam_with_provider(&[("AMR", "pwd")]).await else {
        return;
    };
    let store = &db.store;
    let app = app(store);
    let mut c = app.client();
    let back = sign_in_via(&mut c, "jan@amsterdam.nl").await;
    assert_eq!(back.location(), "/aanmelden/tweede-factor");
    assert_eq!(
        c.get("/start").await.status,
        StatusCode::SEE_OTHER,
        "not signed in yet"
    );
    let page = c.get("/aanmelden/tweede-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    let d: serde_json::Value =
        serde_json::from_str(&trail(store, "sign_in.sso").await[0].details).unwrap();
    assert_eq!(d["multi_factor"], false);
    assert_eq!(d["next"], "awaiting_second_factor");
    // The code from the app completes it; the provider keeps confirming the session.
    let secret = p.totp_secret.clone().unwrap();
    let code =
        meldpunt::domain::credentials::totp_code_at(&secret, (now_ms() / 1000) as u64).unwrap();
    let done = c.post("/aanmelden/tweede-factor", &[("code", &code)]).await;
    assert_eq!(done.location(), "/start", "{}", done.body);
    let sessions = meldpunt::store::sessions::count_for_user(store, p.id)
        .await
        .unwrap();
    assert_eq!(sessions, 1);
    let signed_in = c.get("/start").await;
    assert_eq!(signed_in.status, StatusCode::OK);
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    conn.execute("UPDATE sessions SET sso_checked_at = sso_checked_at - 960000")
        .await
        .unwrap();
    let asked = c.get("/start").await;
    assert!(
        oidc::authorize_url(&asked.body).contains("prompt=none"),
        "a second step does not make it an ordinary session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_is_used_once_and_only_in_the_browser_that_began_it() {
    let Some((_provider, db, _, _p)) = amsterdam_with_provider(&[("AMR", "pwd,mfa")]).await else {
        return;
    };
    let store = &db.store;
    let app = app(store);

    // Replayed: the second use of an answer is refused.
    let mut c = app.client();
    let url = begin(&mut c, "jan@amsterdam.nl").await;
    let mut replayer = app.client();
    let (k, v) = c
        .cookies
        .iter()
        .find(|(k, _)| k.ends_with("meldpunt_sso"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("the sign-in's cookie");
    replayer.cookies.insert(k, v);
    let back = oidc::through_provider(&url).await;
    assert_eq!(c.get(&back).await.location(), "/start");
    let replay = replayer.get(&back).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay.body.contains("Begin opnieuw"), "{}", replay.body);
    assert_eq!(replayer.get("/start").await.status, StatusCode::SEE_OTHER);

    // Another browser: an answer fished from someone's sign-in does not sign the fisher in,
    // and the state is spent.
    let mut victim = app.client();
    let url = begin(&mut victim, "jan@amsterdam.nl").await;
    let back = oidc::through_provider(&url).await;
    let mut other = app.client();
    let r = other.get(&back).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(other.get("/start").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        victim.get(&back).await.status,
        StatusCode::BAD_REQUEST,
        "spent"
    );

    // A made-up state, and none at all.
    assert_eq!(
        c.get("/aanmelden/organisatie/terug?state=verzonnen&code=x")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        c.get("/aanmelden/organisatie/terug").await.status,
        StatusCode::BAD_REQUEST
    );
    // The provider's error (the person cancelled or is blocked there).
    let mut d = app.client();
    let url = begin(&mut d, "jan@amsterdam.nl").await;
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let r = d
        .get(&format!(
            "/aanmelden/organisatie/terug?state={state}&error=access_denied"
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("niet toegestaan"), "{}", r.body);

    assert_eq!(
        reasons(&trail(store, "sign_in.sso").await),
        [
            "state_unknown",
            "other_browser",
            "state_unknown",
            "state_unknown",
            "state_unknown",
            "provider_refused"
        ]
    );
    assert_eq!(
        trail(store, "sign_in.sso")
            .await
            .iter()
            .filter(|r| r.outcome == "success")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused() {
    let Some((provider, db, _, _)) =
        amsterdam_with_provider(&[("AMR", "pwd,mfa"), ("ID_TOKEN_TTL", "60")]).await
    else {
        return;
    };
    let store = &db.store;
    let the_sso = the_sso();
    // meldpunt's clock two hours on: the provider's one-minute token has expired by then.
    let later = Ctx::anonymous("127.0.0.1", now_ms() + 2 * 3_600_000);
    let begun = sso::begin(store, &later, &the_sso, "jan@amsterdam.nl")
        .await
        .unwrap();
    let back = oidc::through_provider(&begun.authorize_url).await;
    let q: std::collections::HashMap<String, String> = url::Url::parse(&format!("http://x{back}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let answer = sso::Answer {
        state: q.get("state").map(String::as_str),
        code: q.get("code").map(String::as_str),
        iss: q.get("iss").map(String::as_str),
        error: None,
    };
    let r = sso::finish(
        store,
        &later,
        &the_sso,
        &answer,
        sso::Binding {
            browser_token: Some(&begun.browser_token),
            session_hash: None,
        },
        None,
    )
    .await;
    assert!(
        matches!(r, Err(meldpunt::service::ServiceError::Unprocessable(_))),
        "{r:?}"
    );
    assert_eq!(
        reasons(&trail(store, "sign_in.sso").await),
        ["token_expired"]
    );
    assert!(
        sso_store::user_by_subject(store, &provider.issuer(), "jan@amsterdam.nl")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_from_another_organisations_provider_is_refused() {
    let Some(a) = Provider::start(None, &[("AMR", "pwd,mfa")]) else {
        return;
    };
    let Some(b) = Provider::start(None, &[("AMR", "pwd,mfa")]) else {
        return;
    };
    let db = test_db(Backend::Sqlite).await.unwrap();
    let store = &db.store;
    let o = seed_orgs(store).await;
    make_person(store, o.amsterdam, "jan@amsterdam.nl", Role::Reporter).await;
    make_person(store, o.rotterdam, "piet@rotterdam.nl", Role::Reporter).await;
    register(store, o.amsterdam, &a.issuer(), "AMSTERDAM", "amsterdam.nl").await;
    register(store, o.rotterdam, &b.issuer(), "ROTTERDAM", "rotterdam.nl").await;
    let app = app(store);
    // Begun at Amsterdam's provider; answered with a code from Rotterdam's.
    let mut c = app.client();
    let url_a = begin(&mut c, "jan@amsterdam.nl").await;
    let state_a = url::Url::parse(&url_a)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let mut other = app.client();
    let url_b = begin(&mut other, "piet@rotterdam.nl").await;
    let back_b = oidc::through_provider(&url_b).await;
    let q: std::collections::HashMap<String, String> =
        url::Url::parse(&format!("http://x{back_b}"))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    // With the provider's name in the answer (RFC 9207): a mix-up, refused before any call.
    let mixed = format!(
        "/aanmelden/organisatie/terug?state={state_a}&code={}&iss={}",
        q["code"],
        urlencoding::encode(&q["iss"])
    );
    let r = c.get(&mixed).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("niet geldig"), "{}", r.body);
    // Without it: Amsterdam's provider does not know Rotterdam's code.
    let url_a = begin(&mut c, "jan@amsterdam.nl").await;
    let state_a = url::Url::parse(&url_a)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let r = c
        .get(&format!(
            "/aanmelden/organisatie/terug?state={state_a}&code={}",
            q["code"]
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(c.get("/start").await.status, StatusCode::SEE_OTHER);
    // A person of Rotterdam typing an Amsterdam address at Rotterdam's provider is not let
    // into Amsterdam: the address decides the provider, and the provider's organisation the
    // account.
    let mut p = app.client();
    let url = begin(&mut p, "piet@amsterdam.nl").await;
    assert!(
        url.starts_with(&a.issuer()),
        "amsterdam.nl goes to Amsterdam's provider"
    );
    let back = oidc::through_provider(&url).await;
    let r = p.get(&back).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "no such account at Amsterdam"
    );
    assert!(r.body.contains("geen actief account"), "{}", r.body);
    assert_eq!(
        reasons(&trail(store, "sign_in.sso").await),
        ["wrong_issuer", "code_rejected", "no_account"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_rotates_its_key_or_goes_down_is_followed_at_the_next_sign_in() {
    let port = crate::multi_instance::free_port();
    let Some(first) = Provider::start(Some(port), &[("AMR", "pwd,mfa"), ("KEY_ID", "key-1")])
    else {
        return;
    };
    let db = test_db(Backend::Sqlite).await.unwrap();
    let store = &db.store;
    let o = seed_orgs(store).await;
    make_person(store, o.amsterdam, "jan@amsterdam.nl", Role::Reporter).await;
    register(
        store,
        o.amsterdam,
        &first.issuer(),
        "AMSTERDAM",
        "amsterdam.nl",
    )
    .await;
    let app = app(store);
    let mut c = app.client();
    assert_eq!(
        sign_in_via(&mut c, "jan@amsterdam.nl").await.location(),
        "/start"
    );
    // The provider restarts with a new signing key: the next token is checked with it.
    drop(first);
    let Some(second) = Provider::start(Some(port), &[("AMR", "pwd,mfa"), ("KEY_ID", "key-2")])
    else {
        return;
    };
    let mut c = app.client();
    assert_eq!(
        sign_in_via(&mut c, "jan@amsterdam.nl").await.location(),
        "/start"
    );
    // Begun, then the provider goes down before the answer is checked.
    let mut c = app.client();
    let url = begin(&mut c, "jan@amsterdam.nl").await;
    let back = oidc::through_provider(&url).await;
    drop(second);
    let r = c.get(&back).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("niet bereikbaar"), "{}", r.body);
    // And down at the start.
    let r = c
        .post("/aanmelden/organisatie", &[("email", "jan@amsterdam.nl")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(r.body.contains("niet bereikbaar"), "{}", r.body);
    assert_eq!(
        reasons(&trail(store, "sign_in.sso").await),
        ["provider_unreachable", "provider_unreachable"]
    );
    assert_eq!(
        trail(store, "sign_in.sso")
            .await
            .iter()
            .filter(|r| r.outcome == "success")
            .count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_domain_or_person_gets_a_clear_answer_and_no_account_is_made() {
    let Some(provider) = Provider::start(None, &[("AMR", "pwd,mfa")]) else {
        return;
    };
    let db = test_db(Backend::Sqlite).await.unwrap();
    let store = &db.store;
    let o = seed_orgs(store).await;
    register(
        store,
        o.amsterdam,
        &provider.issuer(),
        "AMSTERDAM",
        "amsterdam.nl",
    )
    .await;
    let app = app(store);
    let mut c = app.client();
    let page = c.get("/aanmelden/organisatie").await;
    assert_eq!(page.status, StatusCode::OK);
    let r = c
        .post("/aanmelden/organisatie", &[("email", "iemand@zaanstad.nl")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Voor zaanstad.nl is geen aanmelding via de organisatie ingesteld"),
        "{}",
        r.body
    );
    let r = c
        .post("/aanmelden/organisatie", &[("email", "geen-adres")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Signed in at the provider, but nobody at meldpunt: no account appears, no role.
    let before = users::list_by_org(store, o.amsterdam).await.unwrap().len();
    let r = sign_in_via(&mut c, "nieuw@amsterdam.nl").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("geen actief account van uw organisatie"),
        "{}",
        r.body
    );
    assert_eq!(
        users::list_by_org(store, o.amsterdam).await.unwrap().len(),
        before
    );
    assert_eq!(
        reasons(&trail(store, "sign_in.sso").await),
        ["no_provider_for_domain", "no_account"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_not_activated_yet_is_activated_by_its_first_single_sign_on() {
    use meldpunt::domain::user::{NewUser, UserStatus};
    use meldpunt::service::accounts;
    let Some(provider) = Provider::start(None, &[("AMR", "pwd")]) else {
        return;
    };
    let db = test_db(Backend::Sqlite).await.unwrap();
    let store = &db.store;
    let o = seed_orgs(store).await;
    let new = NewUser::new("nieuw@amsterdam.nl", "Nieuwe Collega", Role::Reporter).unwrap();
    let created = accounts::create_user(store, &cli_ctx(), o.amsterdam, &new)
        .await
        .unwrap();
    register(
        store,
        o.amsterdam,
        &provider.issuer(),
        "AMSTERDAM",
        "amsterdam.nl",
    )
    .await;
    let app = app(store);
    let mut c = app.client();
    let back = sign_in_via(&mut c, "nieuw@amsterdam.nl").await;
    // No second factor at the provider and none set up yet: set it up now.
    assert_eq!(back.location(), "/aanmelden/tweede-factor/instellen");
    let user = users::by_email(store, "nieuw@amsterdam.nl").await.unwrap();
    assert_eq!(user.status, UserStatus::Active);
    assert!(user.password_hash.is_none(), "no password was made up");
    let activated = trail(store, "account.activated").await;
    assert_eq!(activated.len(), 1);
    assert!(activated[0].details.contains("single_sign_on"));
    // The old activation link no longer works.
    let r = accounts::activate(store, &cli_ctx(), &created.token, PASSWORD, PASSWORD).await;
    assert!(r.is_err());
    // A reset by an administrator unlinks the provider subject, so the next sign-in links
    // again by the verified address.
    let admin = make_person(store, o.central, "beheer@meldpunt.nl", Role::Administrator).await;
    let actor = users::get(store, admin.id).await.unwrap();
    let ctx = cli_ctx().acting_as(&actor);
    accounts::reset_user(store, &ctx, user.id).await.unwrap();
    assert!(sso_store::subject_of(store, user.id)
        .await
        .unwrap()
        .is_none());
    let back = sign_in_via(&mut app.client(), "nieuw@amsterdam.nl").await;
    assert_eq!(back.location(), "/aanmelden/tweede-factor/instellen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_confirms_a_session_every_quarter_of_an_hour_and_who_is_blocked_there_is_signed_out(
) {
    let Some((provider, db, _, _p)) = amsterdam_with_provider(&[("AMR", "pwd,mfa")]).await else {
        return;
    };
    let store = &db.store;
    let app = app(store);
    let mut c = app.client();
    let at_provider = oidc::browser();
    let url = begin(&mut c, "jan@amsterdam.nl").await;
    let back = oidc::through_provider_with(&at_provider, &url).await;
    assert_eq!(c.get(&back).await.location(), "/start");
    let sixteen_minutes_on = |db: &TestDb| {
        let db = db.url.clone();
        async move {
            let stmt = "UPDATE sessions SET sso_checked_at = sso_checked_at - 960000";
            use sqlx::{Connection, Executor};
            let mut conn = sqlx::AnyConnection::connect(&db).await.unwrap();
            conn.execute(stmt).await.unwrap();
        }
    };
    assert_eq!(c.get("/start").await.status, StatusCode::OK, "not due yet");

    // Sixteen minutes on: the next page asks the provider silently first, and comes back.
    sixteen_minutes_on(&db).await;
    let asked = c.get("/meldingen").await;
    assert_eq!(asked.status, StatusCode::OK);
    let url = oidc::authorize_url(&asked.body);
    assert!(url.contains("prompt=none"), "{url}");
    let back = oidc::through_provider_with(&at_provider, &url).await;
    let confirmed = c.get(&back).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    assert_eq!(confirmed.location(), "/meldingen");
    assert_eq!(
        c.get("/meldingen").await.status,
        StatusCode::OK,
        "confirmed now"
    );

    // The provider cannot be asked: the session goes on and is asked at the next check.
    let port = provider.port;
    drop(provider);
    sixteen_minutes_on(&db).await;
    assert_eq!(
        c.get("/start").await.status,
        StatusCode::OK,
        "an outage stops nobody"
    );
    let postponed = trail(store, "sign_in.sso").await;
    assert!(
        postponed[0].details.contains("\"postponed\":true"),
        "{}",
        postponed[0].details
    );

    // Back up (a fresh provider, without the person's session there): sign in again, and the
    // next check passes while the person may still sign in there.
    let Some(provider) = Provider::start(Some(port), &[("AMR", "pwd,mfa")]) else {
        return;
    };
    let url = begin(&mut c, "jan@amsterdam.nl").await;
    let back = oidc::through_provider_with(&at_provider, &url).await;
    assert_eq!(c.get(&back).await.location(), "/start");
    sixteen_minutes_on(&db).await;
    let asked = c.get("/start").await;
    let back = oidc::through_provider_with(&at_provider, &oidc::authorize_url(&asked.body)).await;
    assert_eq!(c.get(&back).await.location(), "/start", "confirmed");

    // Blocked at the organisation: at the next check the session ends.
    provider.block("jan@amsterdam.nl").await;
    sixteen_minutes_on(&db).await;
    let asked = c.get("/start").await;
    let url = oidc::authorize_url(&asked.body);
    let back = oidc::through_provider_with(&at_provider, &url).await;
    let out = c.get(&back).await;
    assert_eq!(out.status, StatusCode::BAD_REQUEST, "{}", out.body);
    assert!(
        out.body.contains("bevestigt uw aanmelding niet meer"),
        "{}",
        out.body
    );
    assert_eq!(
        c.get("/start").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    let ended = trail(store, "session.expired").await;
    let d: serde_json::Value = serde_json::from_str(&ended[0].details).unwrap();
    assert_eq!(d["reason"], "provider_refused");
    assert_eq!(
        d["refusal"], "provider_refused",
        "the provider said no: {d}"
    );
    assert!(d["error"].as_str().is_some_and(|e| !e.is_empty()), "{d}");
    // And a new sign-in is refused by the provider.
    let mut again = app.client();
    let url = begin(&mut again, "jan@amsterdam.nl").await;
    let back = oidc::through_provider(&url).await;
    let r = again.get(&back).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("niet toegestaan"), "{}", r.body);
}
