//! Passkeys: the store on both backends, and every bad input at the passkey steps (a
//! malformed answer, an unknown passkey, another account's passkey, no ceremony under way,
//! a server without a domain name, removing the last second factor). A real passkey
//! ceremony, with Chromium's virtual authenticator, is in `browser.rs`.

use axum::http::StatusCode;
use meldpunt::domain::user::Role;
use meldpunt::store::passkeys::{self, NewPasskey};
use meldpunt::store::users;

use crate::both_backends;
use crate::support::*;

async fn add(store: &meldpunt::store::Store, user_id: i64, credential_id: &str) -> i64 {
    add_passkey(store, user_id, credential_id, "Laptop").await
}

/// A database with the organisations and a reporter of Amsterdam.
async fn setup() -> (TestDb, Orgs, Person) {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let o = seed_orgs(&db.store).await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    (db, o, p)
}

both_backends!(
    a_passkey_belongs_to_one_account_and_goes_with_a_reset,
    |db: TestDb| async move {
        let store = &db.store;
        let o = seed_orgs(store).await;
        let a = make_person(store, o.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let b = make_person(store, o.amsterdam, "b@amsterdam.nl", Role::Reporter).await;
        add(store, a.id, "cred-a-1").await;
        add(store, a.id, "cred-a-2").await;
        let of_b = add(store, b.id, "cred-b-1").await;
        assert_eq!(users::get(store, a.id).await.unwrap().passkeys, 2);
        let found = passkeys::by_credential_id(store, "cred-b-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.user_id, b.id);
        // One credential, one account.
        let mut tx = store.begin_write().await.unwrap();
        let twice = passkeys::insert(
            &mut tx,
            &NewPasskey {
                user_id: a.id,
                user_handle: "x",
                credential_id: "cred-b-1",
                credential: "{}",
                name: "Copy",
            },
            2_000,
        )
        .await;
        assert!(twice.is_err());
        drop(tx);
        // Nobody removes another's passkey.
        let mut tx = store.begin_write().await.unwrap();
        assert!(!passkeys::delete(&mut tx, a.id, of_b).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(passkeys::of_user(store, b.id).await.unwrap().len(), 1);
        // A reset clears every second factor, passkeys too.
        meldpunt::service::accounts::reset_user(store, &cli_ctx(), a.id)
            .await
            .unwrap();
        let a_now = users::get(store, a.id).await.unwrap();
        assert_eq!(a_now.passkeys, 0);
        assert!(!a_now.has_second_factor());
    }
);

/// A server whose public address has a domain name, so passkeys are offered.
fn with_passkeys(store: &meldpunt::store::Store) -> TestApp {
    TestApp::with_config(
        store,
        meldpunt::config::Config {
            public_url: "https://meldpunt.example".into(),
            ..test_config()
        },
    )
}

/// A credential as a browser would post it, for a credential id.
fn answer(raw_id: &str) -> String {
    serde_json::json!({
        "id": raw_id,
        "rawId": raw_id,
        "type": "public-key",
        "extensions": {},
        "response": {
            "authenticatorData": "AAAA",
            "clientDataJSON": "AAAA",
            "signature": "AAAA",
            "userHandle": null
        }
    })
    .to_string()
}

#[tokio::test]
async fn bad_answers_at_the_passkey_step_are_refused_audited_and_throttled() {
    let (db, o, p) = setup().await;
    let other = make_person(&db.store, o.rotterdam, "ander@rotterdam.nl", Role::Reporter).await;
    add(&db.store, p.id, "cHJvcHJl").await;
    add(&db.store, other.id, "dmFuLWVlbg").await;
    let app = with_passkeys(&db.store);
    let mut c = app.client();
    let r = c
        .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.location(), "/aanmelden/tweede-factor");
    // (The page with the passkey button, and a real answer, are in browser.rs: the stored
    // passkeys here are not real ones.)

    let cases = [
        ("geen json", "onleesbaar", "malformed"),
        (
            answer("b25iZWtlbmQ").as_str(),
            "kent meldpunt niet",
            "unknown_passkey",
        ),
        (
            answer("dmFuLWVlbg").as_str(),
            "hoort bij een ander account",
            "other_account",
        ),
    ]
    .map(|(a, m, r)| (a.to_string(), m, r));
    for (body, message, reason) in &cases {
        let r = c.post("/aanmelden/passkey", &[("credential", body)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}");
        assert!(r.body.contains(message), "{reason}: {}", r.body);
        let failures = trail(&db.store, "sign_in.passkey").await;
        assert!(
            failures
                .iter()
                .any(|e| e.outcome == "failure" && e.details.contains(reason)),
            "{reason} audited"
        );
    }
    // Still at the second step: nothing was signed in.
    assert_eq!(c.get("/start").await.location(), "/aanmelden/tweede-factor");
    // Bad answers count like wrong codes: after five the step waits.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = c.post("/aanmelden/passkey", &[("credential", "x")]).await;
        statuses.push(r.status.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn adding_a_passkey_without_a_ceremony_or_where_passkeys_cannot_work_changes_nothing() {
    let (db, _, p) = setup().await;
    let app = with_passkeys(&db.store);
    let mut c = app.signed_in(&p).await;
    // No set-up page was opened, so no ceremony is under way.
    let r = c
        .post(
            "/aanmelden/passkey/toevoegen",
            &[
                ("credential", answer("bmlldXc").as_str()),
                ("passkey_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("verlopen"), "{}", r.body);
    // A name with a hidden character is refused before anything else.
    let r = c
        .post(
            "/aanmelden/passkey/toevoegen",
            &[
                ("credential", "x"),
                ("passkey_name", "Laptop\u{202e}"),
                ("passkey_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // Without the password of an account that has a second factor: refused.
    c.get("/aanmelden/tweede-factor/instellen").await;
    let r = c
        .post(
            "/aanmelden/passkey/toevoegen",
            &[("credential", answer("bmlldXc").as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Het huidige wachtwoord klopt niet"),
        "{}",
        r.body
    );
    // A malformed answer to a real ceremony: refused and audited.
    c.get("/aanmelden/tweede-factor/instellen").await;
    let r = c
        .post(
            "/aanmelden/passkey/toevoegen",
            &[("credential", "{}"), ("passkey_password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("onleesbaar"), "{}", r.body);
    // A name longer than 60 characters.
    c.get("/aanmelden/tweede-factor/instellen").await;
    let long = "L".repeat(61);
    let r = c
        .post(
            "/aanmelden/passkey/toevoegen",
            &[
                ("credential", "{}"),
                ("passkey_name", long.as_str()),
                ("passkey_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("hoogstens 60 tekens"), "{}", r.body);
    // Every refusal is in the audit trail, with its reason.
    let refusals = trail(&db.store, "passkey.added").await;
    assert!(refusals.iter().all(|e| e.outcome == "failure"));
    for reason in ["no_ceremony", "wrong_password", "malformed", "name_invalid"] {
        assert!(
            refusals.iter().any(|e| e.details.contains(reason)),
            "{reason} audited"
        );
    }
    assert!(passkeys::of_user(&db.store, p.id).await.unwrap().is_empty());

    // Where the public address is an IP address, passkeys are not offered at all.
    let plain = TestApp::new(&db.store);
    let mut c = plain.signed_in(&p).await;
    let page = c.get("/aanmelden/tweede-factor/instellen").await;
    assert!(!page.body.contains("data-passkey"));
    assert!(!page.body.contains("<script"));
    let r = c
        .post("/aanmelden/passkey/toevoegen", &[("credential", "{}")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_last_second_factor_cannot_be_removed() {
    let (db, _, p) = setup().await;
    let app = with_passkeys(&db.store);
    let mut c = app.signed_in(&p).await;
    let first = add(&db.store, p.id, "ZWVyc3Rl").await;
    let second = add(&db.store, p.id, "dHdlZWRl").await;
    // With the app beside them, a passkey can go.
    let r = c
        .post(&format!("/account/passkeys/{first}/verwijderen"), &[])
        .await;
    assert_eq!(r.location(), "/account?passkey=verwijderd");
    assert_eq!(trail(&db.store, "passkey.removed").await.len(), 1);
    // Without the app the last passkey is the only second factor: it stays.
    sql(
        &db,
        &format!("UPDATE users SET totp_secret = NULL WHERE id = {}", p.id),
    )
    .await
    .unwrap();
    let r = c
        .post(&format!("/account/passkeys/{second}/verwijderen"), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("enige tweede factor"), "{}", r.body);
    assert!(trail(&db.store, "passkey.removed")
        .await
        .iter()
        .any(|e| e.outcome == "failure" && e.details.contains("last_factor")));
    assert_eq!(passkeys::of_user(&db.store, p.id).await.unwrap().len(), 1);
    // The account page lists it.
    let page = c.get("/account").await;
    assert!(page.body.contains("Laptop"), "{}", page.body);
}
