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

use crate::edges::Background;
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

/// `meldpunt serve` on a database in `dir`, as a process whose files cannot grow beyond
/// `max_file_bytes` (`RLIMIT_FSIZE`; the signal a too-large write raises is ignored, as a
/// full disk raises none), with its log written into the same directory.
fn serve_on_a_small_disk(
    dir: &std::path::Path,
    url: &str,
    port: u16,
    max_file_bytes: u64,
) -> Background {
    use std::io::Write;
    // The log has nearly filled its share of the disk already.
    let mut log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let line = "earlier log line ........................................................\n";
    for _ in 0..(max_file_bytes - 20_000) / line.len() as u64 {
        log.write_all(line.as_bytes()).unwrap();
    }
    let child = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; exec prlimit --fsize=\"$0\":unlimited -- \"$@\"")
        .arg(max_file_bytes.to_string())
        .arg(env!("CARGO_BIN_EXE_meldpunt"))
        .args(["--database-url", url, "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .env_remove("MELDPUNT_CONFIG")
        .env("MELDPUNT_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("MELDPUNT_DATA_DIR", dir)
        .env("MELDPUNT_METRICS_TOKEN", "metrics-secret")
        .env("RUST_LOG", "debug,sqlx=debug")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start meldpunt serve");
    Background(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_with_the_log_on_it_answers_503_keeps_liveness_and_recovers_within_seconds() {
    if which("prlimit").is_none() {
        skip("prlimit (util-linux) is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, token) = seeded_sqlite(dir.path()).await;
    let size = std::fs::metadata(dir.path().join("meldpunt.db"))
        .unwrap()
        .len();
    let port = crate::multi_instance::free_port();
    let server = serve_on_a_small_disk(dir.path(), &url, port, size + 2_000_000);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_until_up(&http, &base).await;
    let post = |n: usize| {
        let http = http.clone();
        let base = base.clone();
        let token = token.clone();
        async move {
            http.post(format!("{base}/api/v1/meldingen"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .header("idempotency-key", format!("disk-{n}"))
                .body(report(n))
                .send()
                .await
        }
    };
    let healthz = || http.get(format!("{base}/healthz")).send();

    // Report until the disk is full: every answer is 201 or 503, and liveness holds.
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    let mut n = 0;
    let started = Instant::now();
    while refused < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(120) && n < 20_000,
            "the disk never filled ({n} reports)"
        );
        let r = post(n)
            .await
            .expect("an answer, also while the disk is full");
        match r.status().as_u16() {
            201 => {
                let doc: Value = r.json().await.unwrap();
                acknowledged.push(doc["referentie"].as_str().unwrap().to_string());
            }
            503 => {
                refused += 1;
                assert!(r.headers().contains_key("retry-after"));
                let doc: Value = r.json().await.unwrap();
                assert_eq!(doc["type"], "urn:meldpunt:problem:unavailable");
            }
            other => panic!("report {n}: {other} {}", r.text().await.unwrap_or_default()),
        }
        if n % 25 == 0 {
            assert_eq!(healthz().await.expect("healthz answers").status(), 200);
        }
        n += 1;
    }
    assert_eq!(healthz().await.unwrap().status(), 200);
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);

    // Space again: writes within 5 s.
    let pid = server.0.id().to_string();
    let lifted = std::process::Command::new("prlimit")
        .args(["--pid", &pid, "--fsize=unlimited:unlimited"])
        .status()
        .unwrap();
    assert!(lifted.success());
    let t = Instant::now();
    loop {
        let r = post(n).await.unwrap();
        if r.status() == 201 {
            let doc: Value = r.json().await.unwrap();
            acknowledged.push(doc["referentie"].as_str().unwrap().to_string());
            break;
        }
        assert_eq!(r.status(), 503);
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "no write 5 s after space was freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered_in = t.elapsed();
    for m in n + 1..n + 20 {
        assert_eq!(post(m).await.unwrap().status(), 201);
    }
    assert_eq!(
        http.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = served_metrics(&http, &base).await;
    assert!(
        counter(&metrics, "meldpunt_storage_failures_total") >= 10.0,
        "{metrics}"
    );
    assert!(
        counter(&metrics, "meldpunt_log_write_failures_total") >= 1.0,
        "{metrics}"
    );

    // Nothing acknowledged is lost; the audit chain verifies.
    for reference in &acknowledged {
        let r = http
            .get(format!("{base}/api/v1/meldingen/{reference}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{reference} lost");
    }
    drop(server);
    // One episode, told once each way — not once per refused request. (The ERROR line that
    // opened it went to the full disk, so it may be among the lines that could not be written.)
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert!(
        log.matches("storage writes are failing").count() <= 1,
        "{log}"
    );
    assert_eq!(log.matches("storage writes work again").count(), 1);
    let store = meldpunt::store::Store::connect(&url).await.unwrap();
    assert!(audit::verify(&store, None).await.unwrap().is_ok());
    println!(
        "full disk: {} acknowledged, {refused} refused, writes again {:.2} s after space was freed",
        acknowledged.len(),
        recovered_in.as_secs_f64()
    );
}

/// A migrated SQLite database in `dir` with the usual organisations, and an API token of
/// Amsterdam: (database URL, token).
async fn seeded_sqlite(dir: &std::path::Path) -> (String, String) {
    let url = meldpunt::store::sqlite_url(&dir.join("meldpunt.db"));
    let store = meldpunt::store::Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let o = seed_orgs(&store).await;
    let token = meldpunt::service::tokens::create(&store, &cli_ctx(), o.amsterdam, "systeem")
        .await
        .unwrap()
        .1;
    store.close().await;
    (url, token)
}

async fn wait_until_up(http: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("meldpunt serve did not start");
}

async fn served_metrics(http: &reqwest::Client, base: &str) -> String {
    http.get(format!("{base}/metrics"))
        .bearer_auth("metrics-secret")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(program))
        .find(|p| p.exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_cut_during_a_burst_lose_nothing_and_writes_resume_within_seconds() {
    let Some(db) = test_db(Backend::Postgres).await else {
        return;
    };
    let o = seed_orgs(&db.store).await;
    let token = meldpunt::service::tokens::create(&db.store, &cli_ctx(), o.amsterdam, "systeem")
        .await
        .unwrap()
        .1;
    let server = crate::multi_instance::start_server(&db.url, &[]).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Eight clients report as fast as they are answered.
    let mut clients = Vec::new();
    for c in 0..8usize {
        let (http, base, token, stop, answered) = (
            http.clone(),
            server.base.clone(),
            token.clone(),
            stop.clone(),
            answered.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut unavailable = 0;
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 5_000 {
                let n = 100_000 * (c + 1) + i;
                i += 1;
                let r = http
                    .post(format!("{base}/api/v1/meldingen"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .header("idempotency-key", format!("cut-{n}"))
                    .body(report(n))
                    .send()
                    .await
                    .expect("an answer");
                match r.status().as_u16() {
                    201 => {
                        let doc: Value = r.json().await.unwrap();
                        acknowledged.push(doc["referentie"].as_str().unwrap().to_string());
                        answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    503 => {
                        assert!(r.headers().contains_key("retry-after"));
                        unavailable += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    other => panic!("{other}: {}", r.text().await.unwrap_or_default()),
                }
            }
            (acknowledged, unavailable)
        }));
    }
    // Cut every connection of meldpunt's database, three times during the burst: each cut
    // only once the clients have had 20 more reports acknowledged, so every cut falls in the
    // middle of writing however slow this machine is today.
    let admin = sqlx::PgPool::connect(&db.url).await.unwrap();
    let mut cut = 0;
    for round in 1..=3usize {
        let waiting = Instant::now();
        while answered.load(std::sync::atomic::Ordering::Relaxed) < 20 * round {
            assert!(
                waiting.elapsed() < Duration::from_secs(60),
                "no reports acknowledged for a minute before cut {round}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let rows = sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&admin)
        .await
        .unwrap();
        cut += rows.len();
    }
    assert!(cut >= 3, "cut only {cut} connections");
    // Writes work again within 5 s of the last cut.
    let last_cut = Instant::now();
    let mut n = 900_000;
    loop {
        n += 1;
        let r = http
            .post(format!("{}/api/v1/meldingen", server.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("idempotency-key", format!("after-{n}"))
            .body(report(n))
            .send()
            .await
            .unwrap();
        if r.status() == 201 {
            break;
        }
        assert_eq!(r.status(), 503);
        assert!(
            last_cut.elapsed() < Duration::from_secs(5),
            "no write 5 s after the cut"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    let mut unavailable = 0;
    for c in clients {
        let (a, u) = c.await.unwrap();
        acknowledged.extend(a);
        unavailable += u;
    }
    assert!(
        acknowledged.len() >= 60,
        "only {} reports acknowledged",
        acknowledged.len()
    );
    for reference in &acknowledged {
        let r = http
            .get(format!("{}/api/v1/meldingen/{reference}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{reference} lost");
    }
    assert!(audit::verify(&db.store, None).await.unwrap().is_ok());
    println!(
        "postgres: {} acknowledged, {unavailable} answered 503, {cut} connections cut",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_pipe_closed_by_its_reader_never_stops_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let (url, token) = seeded_sqlite(dir.path()).await;
    let port = crate::multi_instance::free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args(["--database-url", &url, "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .env_remove("MELDPUNT_CONFIG")
        .env("MELDPUNT_DATA_DIR", dir.path())
        .env("MELDPUNT_METRICS_TOKEN", "metrics-secret")
        .env("RUST_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader of the log goes away: every later log line meets a closed pipe.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let server = Background(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_until_up(&http, &base).await;
    for n in 0..20 {
        assert_eq!(
            http.get(format!("{base}/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let r = http
            .post(format!("{base}/api/v1/meldingen"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(report(n))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let metrics = served_metrics(&http, &base).await;
    assert!(
        counter(&metrics, "meldpunt_log_write_failures_total") >= 20.0,
        "{metrics}"
    );
    drop(server);
}
