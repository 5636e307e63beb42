//! Nothing acknowledged is lost: accounts created through the pages while the server
//! is killed with SIGKILL are all there after a restart, none twice, and the audit
//! chain still verifies.

use std::collections::HashSet;
use std::sync::Arc;

use meldpunt::domain::user::Role;
use meldpunt::store::{audit, users};

use crate::multi_instance::start_server;
use crate::support::*;

async fn kill_during_writes(db: TestDb) {
    let o = seed_orgs(&db.store).await;
    let admin = make_person(
        &db.store,
        o.central,
        "beheer@meldpunt.nl",
        Role::Administrator,
    )
    .await;
    let session = session_for(&db.store, &admin).await;
    let server = start_server(&db.url, &[]).await;
    let base = server.base.clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let csrf = "durability-test-csrf-token-0123456789";
    let cookie = Arc::new(format!("{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}"));
    let acknowledged = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (http, base, cookie, acknowledged) = (
            http.clone(),
            base.clone(),
            cookie.clone(),
            acknowledged.clone(),
        );
        let org = o.amsterdam;
        workers.push(tokio::spawn(async move {
            for i in 0..200 {
                let email = format!("w{w}-{i}@amsterdam.nl");
                let res = http
                    .post(format!("{base}/beheer/organisaties/{org}/gebruikers"))
                    .header("cookie", cookie.as_str())
                    .form(&[
                        ("name", "Melder"),
                        ("email", email.as_str()),
                        ("role", "reporter"),
                        ("csrf", csrf),
                    ])
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 200 => acknowledged.lock().await.push(email),
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    // Let some writes land, then pull the plug.
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if acknowledged.lock().await.len() >= 20 {
            break;
        }
    }
    drop(server); // SIGKILL
    for w in workers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().await.clone();
    assert!(acknowledged.len() >= 20);

    // Restart and check with a fresh connection.
    let restarted = start_server(&db.url, &[]).await;
    drop(restarted);
    let store = meldpunt::store::Store::connect(&db.url).await.unwrap();
    let people = users::list_by_org(&store, o.amsterdam).await.unwrap();
    let emails: HashSet<_> = people.iter().map(|u| u.email.clone()).collect();
    assert_eq!(emails.len(), people.len(), "no account twice");
    for e in &acknowledged {
        assert!(emails.contains(e), "acknowledged account {e} is missing");
    }
    let verified = audit::verify(&store, None)
        .await
        .unwrap()
        .expect("the audit chain verifies after the crash");
    let filter = audit::AuditFilter {
        action: Some("user.created".into()),
        org_id: Some(o.amsterdam),
        ..Default::default()
    };
    let created = audit::list(
        &store,
        meldpunt::domain::policy::AuditScope::All,
        &filter,
        10_000,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        created.len(),
        people.len(),
        "every account has exactly its audit entry"
    );
    assert!(verified.entries > acknowledged.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_acknowledged_before_a_sigkill_survive_on_sqlite() {
    kill_during_writes(test_db(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_acknowledged_before_a_sigkill_survive_on_postgres() {
    if let Some(db) = test_db(Backend::Postgres).await {
        kill_during_writes(db).await;
    }
}

/// A burst of API reports, SIGKILL in the middle: every report answered 201 is there
/// after a restart, intact and once; retries of acknowledged requests create nothing.
async fn kill_during_intake(db: TestDb) {
    use meldpunt::store::reports;
    let o = seed_orgs(&db.store).await;
    let (_, token) =
        meldpunt::service::tokens::create(&db.store, &cli_ctx(), o.amsterdam, "systeem")
            .await
            .unwrap();
    let server = start_server(&db.url, &[]).await;
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let acknowledged = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for w in 0..8 {
        let (http, base, token, acknowledged) = (
            http.clone(),
            base.clone(),
            token.clone(),
            acknowledged.clone(),
        );
        workers.push(tokio::spawn(async move {
            for i in 0..400 {
                let link = format!("https://example.nl/oproep/{w}-{i}");
                let key = format!("sleutel-{w}-{i}");
                let body = serde_json::json!({
                    "links": [{"url": link}], "categorie": "call_to_gather", "urgentie": "acute",
                    "onderbouwing": "Vanavond", "namens": "De burgemeester"
                });
                let res = http
                    .post(format!("{base}/api/v1/meldingen"))
                    .bearer_auth(&token)
                    .header("idempotency-key", &key)
                    .json(&body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 201 => {
                        let v: serde_json::Value = match r.json().await {
                            Ok(v) => v,
                            Err(_) => break, // cut off mid-answer: not acknowledged
                        };
                        let reference = v["referentie"].as_str().unwrap().to_string();
                        acknowledged.lock().await.push((reference, link, key, body));
                    }
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => break,
                }
            }
        }));
    }
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if acknowledged.lock().await.len() >= 100 {
            break;
        }
    }
    drop(server); // SIGKILL
    for w in workers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().await.clone();
    println!(
        "{} reports acknowledged before the kill",
        acknowledged.len()
    );

    let restarted = start_server(&db.url, &[]).await;
    // Retrying acknowledged requests after the crash returns the first answer.
    for (reference, _, key, body) in acknowledged.iter().take(20) {
        let r = http
            .post(format!("{}/api/v1/meldingen", restarted.base))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["idempotent-replayed"], "true");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["referentie"].as_str().unwrap(), reference);
    }
    drop(restarted);

    let store = meldpunt::store::Store::connect(&db.url).await.unwrap();
    for (reference, link, _, _) in &acknowledged {
        let r = reports::by_reference(&store, reference)
            .await
            .unwrap_or_else(|_| panic!("acknowledged report {reference} is missing"));
        let links = reports::links(&store, r.id).await.unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(&links[0].submitted_url, link, "{reference} intact");
    }
    let total = reports::count(&store).await.unwrap();
    let all = meldpunt::domain::case::CaseStatus::ALL.to_vec();
    let cases = meldpunt::store::cases::list(&store, &all, 100_000)
        .await
        .unwrap();
    assert_eq!(cases.len() as i64, total, "one case per link");
    assert!(cases.iter().all(|c| c.report_count == 1), "no report twice");
    audit::verify(&store, None)
        .await
        .unwrap()
        .expect("the audit chain verifies after the crash");
    let submitted = trail(&store, "report.submitted").await;
    assert_eq!(
        submitted.len() as i64,
        total,
        "every report has its audit entry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_acknowledged_before_a_sigkill_survive_on_sqlite() {
    kill_during_intake(test_db(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_acknowledged_before_a_sigkill_survive_on_postgres() {
    if let Some(db) = test_db(Backend::Postgres).await {
        kill_during_intake(db).await;
    }
}
