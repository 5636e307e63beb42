//! Storage faults: a database that fills up, and database connections that are cut. Nothing
//! acknowledged is lost, the client hears 503 with `Retry-After` while writes fail, liveness
//! answers throughout, and meldpunt writes again within seconds once the cause is gone.
//!
//! SQLite's `max_page_count` (`Store::set_sqlite_size_limit`) stands in for a full disk in
//! process; `full_disk_*` runs a real server whose files cannot grow (`RLIMIT_FSIZE`, so
//! no root is needed), which makes the commit itself fail as on a full disk, with the log on
//! the same "disk".

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use meldpunt::store::audit;
use serde_json::{json, Value};

use crate::intake::{api_token, cast};
use crate::support::*;

fn report(n: usize) -> String {
    json!({
        "links": [{"url": format!("https://www.tiktok.com/@oproep/video/{}", 7_400_000_000_000_000_000u64 + n as u64)}],
        "categorie": "call_to_gather",
        "urgentie": "high",
        "onderbouwing": "Oproep om zaterdag samen te komen op het plein, met een lijst van wapens",
        "namens": "De burgemeester van Amsterdam",
        "verwachteVerstoring": {"gemeente": "GM0363", "plaats": "Stationsplein"}
    })
    .to_string()
}

async fn post_report(c: &mut Client<'_>, token: &str, n: usize) -> Resp {
    let auth = format!("Bearer {token}");
    let key = format!("fault-{n}");
    c.send(
        Method::POST,
        "/api/v1/meldingen",
        Some(report(n)),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
            ("idempotency-key", key.as_str()),
        ],
    )
    .await
}

async fn metrics_body(c: &mut Client<'_>) -> String {
    c.send(
        Method::GET,
        "/metrics",
        None,
        &[("authorization", "Bearer metrics-secret")],
    )
    .await
    .body
}

fn reference(r: &Resp) -> String {
    let doc: Value = serde_json::from_str(&r.body).unwrap();
    doc["referentie"].as_str().unwrap().to_string()
}

/// The value of a Prometheus counter in a `/metrics` body (0 when absent).
pub fn counter(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(name) && !l.starts_with('#'))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_database_answers_503_loses_nothing_and_writes_again_once_there_is_room() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let _guard = db.guard();
    let cast = cast(&db).await;
    let token = api_token(&db, cast.o.amsterdam).await;
    let app = TestApp::new(&db.store);
    let mut c = app.client();
    let failures_before = counter(
        &metrics_body(&mut c).await,
        "meldpunt_storage_failures_total",
    );

    let mut acknowledged = Vec::new();
    for n in 0..5 {
        let r = post_report(&mut c, &token, n).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        acknowledged.push(reference(&r));
    }

    // The database is full: it may not grow beyond its present size.
    db.store.set_sqlite_size_limit(Some(0));
    let mut refused = 0;
    let mut n = 5;
    while refused < 5 {
        assert!(n < 2_000, "the database never filled up");
        let r = post_report(&mut c, &token, n).await;
        match r.status {
            StatusCode::CREATED => acknowledged.push(reference(&r)),
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert_eq!(r.content_type(), "application/problem+json", "{}", r.body);
                assert!(
                    r.body.contains("urn:meldpunt:problem:unavailable"),
                    "{}",
                    r.body
                );
                let retry: u64 = r.header("retry-after").parse().unwrap();
                assert!((1..=10).contains(&retry), "Retry-After {retry}");
            }
            other => panic!("report {n}: {other} {}", r.body),
        }
        n += 1;
    }
    // Liveness answers, readiness does not, reads keep working, and a page says it plainly.
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    let ready = c.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.header("retry-after").parse::<u64>().is_ok());
    let auth = format!("Bearer {token}");
    let first = &acknowledged[0];
    let read = c
        .send(
            Method::GET,
            &format!("/api/v1/meldingen/{first}"),
            None,
            &[("authorization", auth.as_str())],
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    // A person signing in while the disk is full reads a plain page saying so (a sign-in
    // writes a session, which may still fit in a page's free space a few times).
    let mut page = None;
    for _ in 0..500 {
        let r = app
            .client()
            .post(
                "/aanmelden",
                &[("email", &cast.ams.email), ("password", PASSWORD)],
            )
            .await;
        if r.status != StatusCode::SEE_OTHER {
            page = Some(r);
            break;
        }
    }
    let page = page.expect("sign-ins kept fitting into a full database");
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Tijdelijk niet beschikbaar"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Er is niets opgeslagen"),
        "{}",
        page.body
    );
    assert!(page.header("retry-after").parse::<u64>().is_ok());
    let failures = counter(
        &metrics_body(&mut c).await,
        "meldpunt_storage_failures_total",
    );
    assert!(
        failures >= failures_before + 5.0,
        "{failures_before} → {failures}"
    );

    // Room again: the next write succeeds within seconds, and the process is ready again.
    db.store.set_sqlite_size_limit(None);
    let lifted = Instant::now();
    loop {
        let r = post_report(&mut c, &token, n).await;
        if r.status == StatusCode::CREATED {
            acknowledged.push(reference(&r));
            break;
        }
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert!(
            lifted.elapsed() < Duration::from_secs(5),
            "still failing after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(lifted.elapsed() < Duration::from_secs(5));
    assert_eq!(c.get("/readyz").await.status, StatusCode::OK);
    for n in n + 1..n + 20 {
        let r = post_report(&mut c, &token, n).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        acknowledged.push(reference(&r));
    }

    // Every acknowledged report is there, and the audit chain verifies.
    for reference in &acknowledged {
        let r = c
            .send(
                Method::GET,
                &format!("/api/v1/meldingen/{reference}"),
                None,
                &[("authorization", auth.as_str())],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{reference} lost: {}", r.body);
    }
    assert!(audit::verify(&db.store, None).await.unwrap().is_ok());
}
