//! Benchmark of the published figures on a database with a million notices (filled with
//! `scripts/bench-fill-notices.py`): counting a year from the store (what the transparency
//! page does at most every ten minutes per process, and the year report once), and the page
//! itself through the real router with `oneshot` (no socket) once the figures are counted.
//!
//!   MELDPUNT_BENCH_DB=/tmp/bench15 cargo bench --bench transparency
//!   MELDPUNT_BENCH_DB=postgres://postgres@127.0.0.1:5432/bench15 cargo bench --bench transparency
//!
//! MELDPUNT_BENCH_YEAR (default 2025), MELDPUNT_BENCH_RUNS counts (default 3),
//! MELDPUNT_BENCH_REQUESTS page requests (default 200). Results and method:
//! docs/BENCHMARKS.md. No timing is asserted in tests.

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use meldpunt::config::Config;
use meldpunt::domain::transparency::Year;
use meldpunt::store::Store;
use meldpunt::web::{router, AppState};
use tower::ServiceExt;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Ok(db) = std::env::var("MELDPUNT_BENCH_DB") else {
        eprintln!("set MELDPUNT_BENCH_DB (see the file's header)");
        return;
    };
    let year: i16 = env_or("MELDPUNT_BENCH_YEAR", 2025);
    let runs: usize = env_or("MELDPUNT_BENCH_RUNS", 3);
    let requests: usize = env_or("MELDPUNT_BENCH_REQUESTS", 200);
    let store = if db.starts_with("postgres") {
        Store::connect(&db).await.unwrap()
    } else {
        Store::open_sqlite_dir(std::path::Path::new(&db))
            .await
            .unwrap()
    };
    let y = Year::new(year).unwrap();
    for run in 1..=runs {
        let t = Instant::now();
        let facts = meldpunt::store::transparency::facts(&store, &y)
            .await
            .unwrap();
        let read = t.elapsed();
        let f = meldpunt::domain::transparency::figures(&y, &facts);
        let total = t.elapsed();
        let rows = meldpunt::domain::transparency::open_data(&f).len();
        println!(
            "count {year} run {run}: {} notices read in {:.2} s, counted and withheld in {:.2} s more ({} open-data rows)",
            facts.notices.len(),
            read.as_secs_f64(),
            (total - read).as_secs_f64(),
            rows
        );
    }
    let config = Config {
        data_dir: std::env::temp_dir().join("meldpunt-bench-transparency"),
        ..Config::default()
    };
    let state = AppState::new(store.clone(), config).unwrap();
    let app = router(state.clone());
    let addr: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let path = format!("/transparantie?jaar={year}");
    let get = |app: axum::Router, path: String| async move {
        let mut req = Request::get(&path).body(Body::empty()).unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let res = app.oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.into_body().collect().await.unwrap().to_bytes().len()
    };
    if db.starts_with("postgres") {
        // A cold page counts the year inside the request (within the 30 s request timeout on
        // PostgreSQL; on SQLite a million notices take longer, which is why `serve` counts
        // this year and the last ahead of its visitors).
        let t = Instant::now();
        let size = get(app.clone(), path.clone()).await;
        println!(
            "page {path}: first request (counts the year) {:.2} s, {size} bytes",
            t.elapsed().as_secs_f64()
        );
    } else {
        state
            .published
            .year(&store, year as i64, meldpunt::service::now_ms())
            .await
            .unwrap();
    }
    let mut ms: Vec<f64> = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t = Instant::now();
        get(app.clone(), path.clone()).await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "page {path} (counted): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms over {requests}",
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99)
    );
}
