//! In-process benchmark of the situation pages: the real router called with `oneshot` (no
//! socket), one request at a time, on a database filled beforehand with
//! `meldpunt demo --cases 11000 --situations 200`, as a signed-in analyst.
//!
//!   C=$(scripts/bench-signin.sh http://127.0.0.1:18613 "--data-dir /tmp/bench13")
//!   MELDPUNT_BENCH_DB=/tmp/bench13 MELDPUNT_BENCH_COOKIE="$C" cargo bench --bench situation_pages
//!   MELDPUNT_BENCH_DB=postgres://…/meldpunt_bench13 MELDPUNT_BENCH_COOKIE="$C" cargo bench --bench situation_pages
//!
//! Prints p50 / p95 / p99 per page over MELDPUNT_BENCH_REQUESTS requests (default 200).
//! Results and method: docs/BENCHMARKS.md. No timing is asserted in tests.

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use meldpunt::config::Config;
use meldpunt::store::Store;
use meldpunt::web::{router, AppState};
use tower::ServiceExt;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (Ok(db), Ok(cookie)) = (
        std::env::var("MELDPUNT_BENCH_DB"),
        std::env::var("MELDPUNT_BENCH_COOKIE"),
    ) else {
        eprintln!("set MELDPUNT_BENCH_DB and MELDPUNT_BENCH_COOKIE (see the file's header)");
        return;
    };
    let n: usize = std::env::var("MELDPUNT_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let store = if db.starts_with("postgres") {
        Store::connect(&db).await.unwrap()
    } else {
        Store::open_sqlite_dir(std::path::Path::new(&db))
            .await
            .unwrap()
    };
    let largest = meldpunt::store::situations::list(&store, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .max_by_key(|s| s.case_count)
        .map(|s| s.id)
        .unwrap_or(1);
    let group = meldpunt::store::groups::of_situation(&store, largest)
        .await
        .unwrap()
        .first()
        .map(|g| g.id)
        .unwrap_or(1);
    let config = Config {
        data_dir: if db.starts_with("postgres") {
            Config::default().data_dir
        } else {
            std::path::PathBuf::from(&db)
        },
        ..Config::default()
    };
    let app = router(AppState::new(store, config).unwrap());
    for path in [
        "/kaart".to_string(),
        "/kaart?venster=24u&fase=escalation".to_string(),
        format!("/situaties/{largest}"),
        format!("/situaties/{largest}/groepen/{group}"),
        "/situaties".to_string(),
    ] {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let mut req = Request::get(&path)
                .header(header::COOKIE, &cookie)
                // A loopback host, as the sign-in had: the cookie names match.
                .header(header::HOST, "127.0.0.1")
                .body(Body::empty())
                .unwrap();
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
            let started = Instant::now();
            let res = app.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(
                status,
                StatusCode::OK,
                "{path}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{path}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms ({n} requests)",
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            percentile(&times, 0.99)
        );
    }
}
