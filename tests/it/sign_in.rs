//! Signing in and out through the pages: password, second factor, enrolment,
//! sessions, time-outs and throttling.

use axum::http::StatusCode;
use meldpunt::domain::credentials::totp_code_at;
use meldpunt::domain::user::Role;
use meldpunt::service::now_ms;
use meldpunt::store::{sessions, users};

use crate::support::*;

async fn setup() -> (TestDb, Orgs) {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let o = seed_orgs(&db.store).await;
    (db, o)
}

#[tokio::test]
async fn a_reporter_signs_in_with_a_password_and_gets_a_new_session_id() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let mut c = app.client();
    let old = session_for(&db.store, &p).await;
    c.cookies.insert(SESSION_COOKIE.into(), old.clone());
    let r = c.sign_in(&p).await;
    assert_eq!(r.location(), "/start");
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(SESSION_COOKIE))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let new = c.cookies.get(SESSION_COOKIE).unwrap().clone();
    assert_ne!(new, old, "sign-in issues a fresh session id");
    let hash = meldpunt::domain::credentials::sha256_hex(&old);
    assert!(
        sessions::get(&db.store, &hash).await.unwrap().is_none(),
        "the earlier session is gone"
    );
    let start = c.get("/start").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(
        start.body.contains("Welkom, Test Persoon") && start.body.contains("Amsterdam"),
        "{}",
        start.body
    );
}

#[tokio::test]
async fn over_tls_the_session_cookie_is_a_secure_host_cookie() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let config = meldpunt::config::Config {
        public_url: "https://meldpunt.example".into(),
        ..test_config()
    };
    let app = TestApp::with_config(&db.store, config);
    let mut c = app.client();
    let page = c.get("/aanmelden").await;
    let csrf = page.set_cookies().join(";");
    let token = csrf
        .split("__Host-meldpunt_csrf=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = format!(
        "email={}&password={}&csrf={token}",
        urlencoding::encode(&p.email),
        urlencoding::encode(PASSWORD)
    );
    let r = c
        .send(
            axum::http::Method::POST,
            "/aanmelden",
            Some(body),
            &[("cookie", &format!("__Host-meldpunt_csrf={token}"))],
        )
        .await;
    assert_eq!(r.location(), "/aanmelden/tweede-factor", "{}", r.body);
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-meldpunt_session="))
        .unwrap();
    for attr in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(
        !cookie.contains("Domain="),
        "a __Host- cookie has no Domain"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_dutch_message_tied_to_the_field() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let mut c = app.client();
    let r = c
        .post(
            "/aanmelden",
            &[("email", &p.email), ("password", "verkeerd wachtwoord")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r
        .body
        .contains("Het e-mailadres of het wachtwoord klopt niet."));
    assert!(r.body.contains("aria-describedby=\"email-fout\""));
    assert!(!c.cookies.contains_key(SESSION_COOKIE));
    let r = c
        .post(
            "/aanmelden",
            &[("email", "onbekend@amsterdam.nl"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "an unknown account looks the same"
    );
}

#[tokio::test]
async fn staff_need_a_totp_code_that_works_only_once() {
    let (db, o) = setup().await;
    let p = make_person(&db.store, o.central, "analist@meldpunt.nl", Role::Analyst).await;
    let secret = p.totp_secret.clone().unwrap();
    let app = TestApp::new(&db.store);
    let mut c = app.client();
    let r = c
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.location(), "/aanmelden/tweede-factor");
    assert_eq!(
        c.get("/start").await.location(),
        "/aanmelden/tweede-factor",
        "no way around the second step"
    );
    let r = c
        .post("/aanmelden/tweede-factor", &[("code", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Deze code klopt niet"));
    let code = totp_code_at(&secret, (now_ms() / 1000) as u64).unwrap();
    let r = c.post("/aanmelden/tweede-factor", &[("code", &code)]).await;
    assert_eq!(r.location(), "/start", "{}", r.body);
    assert_eq!(c.get("/start").await.status, StatusCode::OK);

    // The same code again, in a second browser: refused as reused.
    let mut other = app.client().at_addr("127.0.0.1:40001");
    other
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    let r = other
        .post("/aanmelden/tweede-factor", &[("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("al gebruikt"), "{}", r.body);
}

#[tokio::test]
async fn staff_without_a_second_factor_must_enrol_and_get_recovery_codes_that_work_once() {
    let (db, o) = setup().await;
    // An auditor created without TOTP (as after a reset).
    let ctx = cli_ctx();
    let new =
        meldpunt::domain::user::NewUser::new("audit@meldpunt.nl", "Aud", Role::Auditor).unwrap();
    let a = meldpunt::service::accounts::create_user(&db.store, &ctx, o.central, &new)
        .await
        .unwrap();
    meldpunt::service::accounts::activate(&db.store, &ctx, &a.token, PASSWORD, PASSWORD)
        .await
        .unwrap();
    let app = TestApp::new(&db.store);
    let mut c = app.client();
    let r = c
        .post(
            "/aanmelden",
            &[("email", "audit@meldpunt.nl"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.location(), "/aanmelden/tweede-factor/instellen");
    assert_eq!(
        c.get("/audit").await.location(),
        "/aanmelden/tweede-factor/instellen"
    );
    let page = c.get("/aanmelden/tweede-factor/instellen").await;
    assert!(page.body.contains("<svg"), "a QR code is shown");
    let hash = meldpunt::domain::credentials::sha256_hex(c.cookies.get(SESSION_COOKIE).unwrap());
    let secret = sessions::get(&db.store, &hash)
        .await
        .unwrap()
        .unwrap()
        .enrol_secret
        .unwrap();
    assert!(
        page.body.contains(&secret[..4]),
        "the key is shown for manual entry"
    );
    let code = totp_code_at(&secret, (now_ms() / 1000) as u64).unwrap();
    let r = c
        .post("/aanmelden/tweede-factor/instellen", &[("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let codes: Vec<String> = r
        .body
        .split("<li>")
        .skip(1)
        .map(|s| s.split("</li>").next().unwrap().to_string())
        .filter(|s| s.len() == 11 && s.contains('-'))
        .collect();
    assert_eq!(codes.len(), 10, "{}", r.body);
    assert_eq!(
        c.get("/audit").await.status,
        StatusCode::OK,
        "signed in after enrolment"
    );

    // A recovery code signs in once.
    let mut other = app.client().at_addr("127.0.0.1:40002");
    other
        .post(
            "/aanmelden",
            &[("email", "audit@meldpunt.nl"), ("password", PASSWORD)],
        )
        .await;
    let r = other
        .post(
            "/aanmelden/herstelcode",
            &[("recovery_code", &codes[0].to_uppercase())],
        )
        .await;
    assert_eq!(r.location(), "/start", "{}", r.body);
    let mut third = app.client().at_addr("127.0.0.1:40003");
    third
        .post(
            "/aanmelden",
            &[("email", "audit@meldpunt.nl"), ("password", PASSWORD)],
        )
        .await;
    let r = third
        .post("/aanmelden/herstelcode", &[("recovery_code", &codes[0])])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("herstelcode klopt niet of is al gebruikt"));
}

#[tokio::test]
async fn after_sign_out_the_session_is_dead() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let mut c = app.client();
    c.sign_in(&p).await;
    let token = c.cookies.get(SESSION_COOKIE).unwrap().clone();
    let r = c.post("/afmelden", &[]).await;
    assert_eq!(r.location(), "/aanmelden?afgemeld=1");
    assert!(
        !c.cookies.contains_key(SESSION_COOKIE),
        "the cookie is removed"
    );
    let mut replay = app.client().with_session(&token);
    let r = replay.get("/start").await;
    assert!(
        r.location().starts_with("/aanmelden"),
        "the old id no longer works"
    );
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_person() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let laptop = session_for(&db.store, &p).await;
    let phone = session_for(&db.store, &p).await;
    let mut c = app.client().with_session(&laptop);
    c.get("/start").await;
    let r = c.post("/afmelden/overal", &[]).await;
    assert_eq!(r.location(), "/aanmelden?afgemeld=overal");
    let mut other = app.client().with_session(&phone);
    assert!(other
        .get("/start")
        .await
        .location()
        .starts_with("/aanmelden"));
    assert_eq!(sessions::count_for_user(&db.store, p.id).await.unwrap(), 0);
}

#[tokio::test]
async fn an_idle_or_forged_session_sends_the_person_to_sign_in() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let token = session_for(&db.store, &p).await;
    let long_ago = now_ms() - 31 * 60 * 1000;
    sql(
        &db,
        &format!("UPDATE sessions SET last_seen_at = {long_ago}"),
    )
    .await
    .unwrap();
    let mut c = app.client().with_session(&token);
    let r = c.get("/start").await;
    assert_eq!(r.location(), "/aanmelden?sessie=verlopen");
    assert_eq!(
        sessions::count_for_user(&db.store, p.id).await.unwrap(),
        0,
        "the idle session was removed"
    );
    let mut forged = app.client().with_session("dit-is-geen-echte-sessie");
    assert!(forged
        .get("/account")
        .await
        .location()
        .starts_with("/aanmelden"));
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_even_when_active() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let token = session_for(&db.store, &p).await;
    let created = now_ms() - 12 * 3600 * 1000 - 1;
    sql(&db, &format!("UPDATE sessions SET created_at = {created}"))
        .await
        .unwrap();
    let r = app.client().with_session(&token).get("/start").await;
    assert_eq!(r.location(), "/aanmelden?sessie=verlopen");
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_its_sessions_end() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let token = session_for(&db.store, &p).await;
    meldpunt::service::accounts::disable_user(&db.store, &cli_ctx(), p.id)
        .await
        .unwrap();
    assert!(app
        .client()
        .with_session(&token)
        .get("/start")
        .await
        .location()
        .starts_with("/aanmelden"));
    let r = app
        .client()
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// The device cookie a response sets, with its attributes.
fn device_cookie(r: &Resp) -> Option<String> {
    r.set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-meldpunt_device="))
}

/// Fails to sign in as `email` once, from a browser of its own at `addr`; returns the status.
async fn wrong_password(app: &TestApp, addr: &str, email: &str) -> Resp {
    app.client()
        .at_addr(addr)
        .post(
            "/aanmelden",
            &[("email", email), ("password", "raden raden raden")],
        )
        .await
}

fn details(e: &meldpunt::domain::audit::AuditRecord) -> serde_json::Value {
    serde_json::from_str(&e.details).unwrap()
}

fn retry_after(r: &Resp) -> i64 {
    r.header("retry-after").parse().unwrap()
}

#[tokio::test]
async fn a_hundred_wrong_passwords_from_one_address_are_throttled_but_the_real_user_gets_in() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    // The real user signed in on their office computer before.
    let mut office = app.client().at_addr("10.1.1.1:5000");
    assert_eq!(office.sign_in(&p).await.location(), "/start");
    office.cookies.remove(SESSION_COOKIE);
    let mut attacker = app.client().at_addr("203.0.113.9:5000");
    let mut throttled = 0;
    for _ in 0..100 {
        let r = attacker
            .post(
                "/aanmelden",
                &[("email", &p.email), ("password", "raden raden raden")],
            )
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            throttled += 1;
            assert!(r.headers.get("retry-after").is_some());
            assert!(r.body.contains("Te veel mislukte pogingen"));
        } else {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
    }
    assert!(throttled >= 90, "only {throttled} of 100 throttled");
    // Even the right password from the attacker's browser waits.
    let r = attacker
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        office.sign_in(&p).await.location(),
        "/start",
        "the real user is not locked out"
    );
}

#[tokio::test]
async fn wrong_passwords_from_twenty_addresses_are_throttled_but_the_real_user_gets_in() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let mut office = app.client().at_addr("10.1.1.1:5000");
    assert_eq!(office.sign_in(&p).await.location(), "/start");
    office.cookies.remove(SESSION_COOKIE);
    let mut throttled = 0;
    for i in 0..100 {
        let addr = format!("198.51.100.{}:5000", i % 20);
        if wrong_password(&app, &addr, &p.email).await.status == StatusCode::TOO_MANY_REQUESTS {
            throttled += 1;
        }
    }
    assert!(throttled >= 80, "only {throttled} of 100 throttled");
    assert_eq!(
        office.sign_in(&p).await.location(),
        "/start",
        "the real user is not locked out"
    );
}

/// Finding M2 of the security review, first half: 30 wrong passwords for one account from 30
/// addresses made the correct password from anywhere wait, up to 300 s and for as long as
/// the attacker kept going.
#[tokio::test]
async fn an_attack_on_one_account_from_many_addresses_does_not_keep_its_owner_out() {
    let (db, o) = setup().await;
    // An analyst: the password and then a valid second factor.
    let p = make_person(&db.store, o.central, "analist@meldpunt.nl", Role::Analyst).await;
    let app = TestApp::new(&db.store);
    let mut laptop = app.client().at_addr("10.1.1.1:5000");
    let r = laptop.sign_in(&p).await;
    assert_eq!(r.location(), "/start");
    let cookie = device_cookie(&r).expect("a completed sign-in makes a known device");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("Secure")
            && cookie.contains("Max-Age=7776000"),
        "{cookie}"
    );
    laptop.cookies.remove(SESSION_COOKIE);

    let mut statuses = Vec::new();
    for i in 0..30 {
        let r = wrong_password(&app, &format!("198.51.100.{i}:5000"), &p.email).await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(
        &statuses[..10],
        &[401; 10],
        "ten free failures for the account"
    );
    assert!(statuses[10..].contains(&429), "{statuses:?}");

    // A browser that never signed in waits, however right its password, and briefly.
    let mut new_phone = app.client().at_addr("192.0.2.77:5000");
    let r = new_phone
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=120).contains(&retry_after(&r)), "{}", retry_after(&r));
    // A made-up device cookie is no known device.
    new_phone
        .cookies
        .insert("__Host-meldpunt_device".into(), "A".repeat(43));
    let r = new_phone
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // The owner's laptop, now at home on another address: password and second factor pass.
    laptop.addr = "192.0.2.10:6000".parse().unwrap();
    assert_eq!(laptop.sign_in(&p).await.location(), "/start");
    let refused: Vec<_> = trail(&db.store, "sign_in.password")
        .await
        .into_iter()
        .filter(|e| details(e)["reason"] == "wrong_password")
        .collect();
    assert!(refused.len() >= 10, "{}", refused.len());
    assert!(refused.iter().all(|e| details(e)["known_device"] == false));
}

/// Finding M2, second half: about 25 failures from one address made every account's correct
/// password from that address wait up to 512 s — behind a proxy, the whole organisation.
#[tokio::test]
async fn failures_from_an_office_address_do_not_keep_its_colleagues_out() {
    let (db, o) = setup().await;
    let colleague = make_person(
        &db.store,
        o.amsterdam,
        "collega@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let newcomer = make_person(&db.store, o.amsterdam, "nieuw@amsterdam.nl", Role::Reporter).await;
    let app = TestApp::new(&db.store);
    let proxy = "145.12.0.1";
    let mut desk = app.client().at_addr(&format!("{proxy}:5000"));
    assert_eq!(desk.sign_in(&colleague).await.location(), "/start");
    desk.cookies.remove(SESSION_COOKIE);

    // Someone behind the same proxy tries many accounts.
    let mut last = None;
    for i in 0..40 {
        last = Some(
            wrong_password(
                &app,
                &format!("{proxy}:7000"),
                &format!("gok{i}@amsterdam.nl"),
            )
            .await,
        );
    }
    let last = last.unwrap();
    assert_eq!(
        last.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is slowed"
    );
    assert!(retry_after(&last) <= 60, "{}", retry_after(&last));

    // Someone who never signed in on this computer waits, at most a minute ...
    let r = app
        .client()
        .at_addr(&format!("{proxy}:5001"))
        .post(
            "/aanmelden",
            &[("email", &newcomer.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&r)), "{}", retry_after(&r));
    // ... and a colleague on a computer that signed in before is not held up at all.
    assert_eq!(desk.sign_in(&colleague).await.location(), "/start");
}

#[tokio::test]
async fn failures_on_a_known_device_slow_that_device_only() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let mut laptop = app.client().at_addr("10.1.1.1:5000");
    let mut phone = app.client().at_addr("10.1.1.2:5000");
    for c in [&mut laptop, &mut phone] {
        assert_eq!(c.sign_in(&p).await.location(), "/start");
        c.cookies.remove(SESSION_COOKIE);
    }
    // Someone with the laptop guesses: after five failures the laptop waits.
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = laptop
            .post(
                "/aanmelden",
                &[("email", &p.email), ("password", "raden raden raden")],
            )
            .await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(statuses[5], 429);
    let r = laptop
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The phone is another device, and the account's other counters were not touched.
    assert_eq!(phone.sign_in(&p).await.location(), "/start");
    assert_eq!(
        wrong_password(&app, "192.0.2.1:5000", &p.email)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let refused: Vec<_> = trail(&db.store, "sign_in.password")
        .await
        .into_iter()
        .filter(|e| details(e)["reason"] == "wrong_password")
        .map(|e| details(&e)["known_device"] == true)
        .collect();
    assert_eq!(refused.iter().filter(|known| **known).count(), 5);
    assert_eq!(refused.iter().filter(|known| !**known).count(), 1);
}

#[tokio::test]
async fn an_administrator_creates_an_account_whose_owner_activates_it_and_signs_in() {
    let (db, o) = setup().await;
    let admin = make_person(
        &db.store,
        o.central,
        "beheer@meldpunt.nl",
        Role::Administrator,
    )
    .await;
    let app = TestApp::new(&db.store);
    let mut c = app
        .client()
        .with_session(&session_for(&db.store, &admin).await);
    let r = c
        .post(
            &format!("/beheer/organisaties/{}/gebruikers", o.amsterdam),
            &[
                ("name", "Nieuwe Melder"),
                ("email", "nieuw@amsterdam.nl"),
                ("role", "reporter"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let link = r
        .body
        .split("/activeren/")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    // A duplicate is refused with a message at the e-mail field.
    let dup = c
        .post(
            &format!("/beheer/organisaties/{}/gebruikers", o.amsterdam),
            &[
                ("name", "Nog een"),
                ("email", "NIEUW@amsterdam.nl"),
                ("role", "reporter"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup
        .body
        .contains("Er bestaat al een account met e-mailadres nieuw@amsterdam.nl"));

    let mut newcomer = app.client().at_addr("127.0.0.1:41000");
    let page = newcomer.get(&format!("/activeren/{link}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Nieuwe Melder"));
    let r = newcomer
        .post(
            &format!("/activeren/{link}"),
            &[("password", "kort"), ("password_repeat", "kort")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("minstens 12 tekens"));
    // Review M1: twelve characters of a common password are not enough.
    for weak in ["123456789012", "password1234", "NieuweMelder1"] {
        let r = newcomer
            .post(
                &format!("/activeren/{link}"),
                &[("password", weak), ("password_repeat", weak)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        assert!(
            r.body.contains("te makkelijk te raden"),
            "{weak}: {}",
            r.body
        );
    }
    let r = newcomer
        .post(
            &format!("/activeren/{link}"),
            &[("password", PASSWORD), ("password_repeat", PASSWORD)],
        )
        .await;
    assert_eq!(r.location(), "/aanmelden?geactiveerd=1");
    assert_eq!(
        newcomer.get(&format!("/activeren/{link}")).await.status,
        StatusCode::NOT_FOUND,
        "the link works once"
    );
    let r = newcomer
        .post(
            "/aanmelden",
            &[("email", "nieuw@amsterdam.nl"), ("password", PASSWORD)],
        )
        .await;
    // A reporter too sets up a second factor before anything else (review L8).
    assert_eq!(r.location(), "/aanmelden/tweede-factor/instellen");
    assert_eq!(
        newcomer.get("/start").await.location(),
        "/aanmelden/tweede-factor/instellen"
    );
    let page = newcomer.get("/aanmelden/tweede-factor/instellen").await;
    assert!(page.body.contains("Bij elk account hoort een tweede stap"));
    let secret: String = page
        .body
        .split("id=\"totp-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .split_whitespace()
        .collect();
    let code = totp_code_at(&secret, (now_ms() / 1000) as u64).unwrap();
    let r = newcomer
        .post("/aanmelden/tweede-factor/instellen", &[("code", &code)])
        .await;
    assert!(r.body.contains("id=\"herstelcodes\""), "{}", r.body);
    assert_eq!(newcomer.get("/start").await.status, StatusCode::OK);
    let user = users::by_email(&db.store, "nieuw@amsterdam.nl")
        .await
        .unwrap();
    assert_eq!(user.org_id, o.amsterdam);
}

#[tokio::test]
async fn replacing_a_second_factor_needs_the_current_password() {
    let (db, o) = setup().await;
    let p = make_person(&db.store, o.central, "analist@meldpunt.nl", Role::Analyst).await;
    let app = TestApp::new(&db.store);
    let mut c = app.client().with_session(&session_for(&db.store, &p).await);
    let page = c.get("/aanmelden/tweede-factor/instellen").await;
    assert!(
        page.body.contains("id=\"current_password\""),
        "{}",
        page.body
    );
    let hash = meldpunt::domain::credentials::sha256_hex(c.cookies.get(SESSION_COOKIE).unwrap());
    let secret = sessions::get(&db.store, &hash)
        .await
        .unwrap()
        .unwrap()
        .enrol_secret
        .unwrap();
    let code = totp_code_at(&secret, (now_ms() / 1000) as u64).unwrap();
    let r = c
        .post(
            "/aanmelden/tweede-factor/instellen",
            &[
                ("code", &code),
                ("current_password", "niet mijn wachtwoord"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Het huidige wachtwoord klopt niet."));
    assert_eq!(
        users::get(&db.store, p.id).await.unwrap().totp_secret,
        p.totp_secret,
        "unchanged"
    );
    let r = c
        .post(
            "/aanmelden/tweede-factor/instellen",
            &[("code", &code), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        users::get(&db.store, p.id).await.unwrap().totp_secret,
        Some(secret)
    );
}

#[tokio::test]
async fn an_organisation_administrator_sees_who_has_no_second_factor_yet() {
    use meldpunt::domain::user::NewUser;
    use meldpunt::service::accounts;
    let (db, o) = setup().await;
    let admin = make_person(
        &db.store,
        o.amsterdam,
        "beheer@amsterdam.nl",
        Role::Administrator,
    )
    .await;
    make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let ctx = cli_ctx();
    // Invited, not activated yet.
    let new = NewUser::new("nieuw@amsterdam.nl", "Nieuwe Collega", Role::Reporter).unwrap();
    accounts::create_user(&db.store, &ctx, o.amsterdam, &new)
        .await
        .unwrap();
    // A reporter with only a password, from before every account needed a second factor.
    let old = NewUser::new("oud@amsterdam.nl", "Oude Melder", Role::Reporter).unwrap();
    let a = accounts::create_user(&db.store, &ctx, o.amsterdam, &old)
        .await
        .unwrap();
    accounts::activate(&db.store, &ctx, &a.token, PASSWORD, PASSWORD)
        .await
        .unwrap();
    // Another organisation's account is not this administrator's concern.
    make_person(&db.store, o.central, "analist@meldpunt.nl", Role::Analyst).await;
    let app = TestApp::new(&db.store);
    let mut c = app.signed_in(&admin).await;
    let page = c
        .get(&format!("/beheer/organisaties/{}", o.amsterdam))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let list = page
        .body
        .split("id=\"zonder-tweede-factor\"")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .expect("a list of who has no second factor");
    assert!(list.contains("2 van de 4 accounts"), "{list}");
    assert!(
        list.contains("Nieuwe Collega") && list.contains("Oude Melder"),
        "{list}"
    );
    assert!(!list.contains("Test Persoon"), "{list}");
    assert!(page.body.contains("Nog niet ingesteld"));

    // The old reporter's next sign-in sets one up before anything else.
    let mut oud = app.client();
    let r = oud
        .post(
            "/aanmelden",
            &[("email", "oud@amsterdam.nl"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.location(), "/aanmelden/tweede-factor/instellen");
    assert_eq!(
        oud.get("/meldingen/nieuw").await.location(),
        "/aanmelden/tweede-factor/instellen"
    );
}

#[tokio::test]
async fn a_device_cookie_meldpunt_did_not_issue_is_replaced_not_adopted() {
    let (db, o) = setup().await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let app = TestApp::new(&db.store);
    let mut c = app.client();
    // A value planted in the browser (or made up by it).
    let planted = "B".repeat(43);
    c.cookies
        .insert("__Host-meldpunt_device".into(), planted.clone());
    c.sign_in(&p).await;
    let issued = c.cookies.get("__Host-meldpunt_device").unwrap().clone();
    assert_ne!(issued, planted, "a new device cookie");
    // The issued one is kept at the next sign-in on this browser.
    c.cookies.remove(SESSION_COOKIE);
    c.sign_in(&p).await;
    assert_eq!(c.cookies.get("__Host-meldpunt_device"), Some(&issued));
}
