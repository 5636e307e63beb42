//! Load benchmark of the intake API over loopback: accepted reports per second with
//! durable commits, and latency percentiles.
//!
//!   cargo bench --bench intake_load                                  # SQLite
//!   MELDPUNT_TEST_POSTGRES_URL=postgres://… cargo bench --bench intake_load   # also PostgreSQL
//!   MELDPUNT_BENCH_SECONDS=20 MELDPUNT_BENCH_CLIENTS=64 cargo bench --bench intake_load
//!   MELDPUNT_INTAKE_BATCH_MAX=1 cargo bench --bench intake_load     # one commit per report
//!
//! The real router is served on 127.0.0.1 by axum; clients are HTTP/1.1 connections
//! from the same process (reqwest), each sending `POST /api/v1/meldingen` with a new
//! link, an Idempotency-Key and an organisation API token, one request at a time.
//! SQLite runs with WAL and `synchronous=FULL` (meldpunt refuses anything else).
//! Results and method: docs/BENCHMARKS.md. No timing is asserted in tests.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meldpunt::config::Config;
use meldpunt::domain::org::{NewOrganisation, OrgKind};
use meldpunt::service::{now_ms, orgs as org_service, tokens, Ctx};
use meldpunt::store::{reports, Store};
use meldpunt::web::{router, AppState};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the machine can do without meldpunt's work: GET /healthz over the same
/// connections (HTTP, routing, middleware, no database).
async fn baseline(addr: SocketAddr, clients: u64, seconds: u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for _ in 0..clients {
        let (stop, done) = (stop.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let r = http
                    .get(format!("http://{addr}/healthz"))
                    .send()
                    .await
                    .unwrap();
                let _ = r.bytes().await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.await.unwrap();
    }
    println!(
        "baseline: {clients} clients, GET /healthz: {:.0} requests/s",
        done.load(Ordering::Relaxed) as f64 / seconds as f64
    );
}

async fn run(label: &str, store: Store, data_dir: &std::path::Path) {
    let ctx = Ctx::cli(now_ms());
    let org = NewOrganisation::new(OrgKind::Municipality, "GM0363", "Amsterdam", None).unwrap();
    let org_id = org_service::create(&store, &ctx, &org).await.unwrap();
    let (_, token) = tokens::create(&store, &ctx, org_id, "bench").await.unwrap();
    let config = Config {
        data_dir: data_dir.to_path_buf(),
        intake_batch_max: env_or("MELDPUNT_INTAKE_BATCH_MAX", 128) as usize,
        ..Config::default()
    };
    let app = router(AppState::new(store.clone(), config).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });

    let clients = env_or("MELDPUNT_BENCH_CLIENTS", 64);
    let seconds = env_or("MELDPUNT_BENCH_SECONDS", 10);
    if label == "SQLite" {
        baseline(addr, clients, 5).await;
    }
    let warmup = Duration::from_secs(2);
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for c in 0..clients {
        let (stop, measuring, accepted, token) = (
            stop.clone(),
            measuring.clone(),
            accepted.clone(),
            token.clone(),
        );
        handles.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let mut latencies = Vec::new();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let body = serde_json::json!({
                    "links": [{"url": format!("https://www.tiktok.com/@bench/video/{c}{i:09}?_t=x")}],
                    "categorie": "call_to_gather", "urgentie": "high",
                    "onderbouwing": "Oproep voor vanavond", "namens": "De burgemeester",
                    "verwachteVerstoring": {"gemeente": "GM0363", "plaats": "Dam"}
                });
                let started = Instant::now();
                let r = http
                    .post(format!("http://{addr}/api/v1/meldingen"))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("bench-{c}-{i}"))
                    .json(&body)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(r.status(), 201);
                let _ = r.bytes().await;
                if measuring.load(Ordering::Relaxed) {
                    latencies.push(started.elapsed());
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(warmup).await;
    measuring.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    let n = accepted.load(Ordering::Relaxed);
    println!(
        "{label}: {clients} clients, {:.1} s: {n} reports accepted = {:.0} reports/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} reports stored in all",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        all.last().unwrap().as_secs_f64() * 1000.0,
        reports::count(&store).await.unwrap(),
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_dir(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    println!("SQLite: {}", store.durability().await.unwrap());
    run("SQLite", store, dir.path()).await;

    match std::env::var("MELDPUNT_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("meldpunt_bench_{}", std::process::id());
            let admin_pool = sqlx::PgPool::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin_pool)
                .await
                .unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            let store = Store::connect(&format!("{base}/{name}")).await.unwrap();
            store.migrate().await.unwrap();
            println!("PostgreSQL: {}", store.durability().await.unwrap());
            run("PostgreSQL", store.clone(), dir.path()).await;
            store.close().await;
            let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&admin_pool)
                .await;
        }
        _ => println!("PostgreSQL SKIPPED: set MELDPUNT_TEST_POSTGRES_URL"),
    }
}
