//! Benchmark of a retention run on a database with a million closed reports (filled with
//! `scripts/bench-fill-retention.py`): at each chosen "now", what the schedule page reads
//! (`service::retention::upcoming`, 30 days ahead) and a whole `run_once` (what every `serve`
//! runs every ten minutes), with what it erased. The first "now"s find nothing due (the cost
//! of looking through a million cases); the later ones one day's closures each.
//!
//!   MELDPUNT_BENCH_DB=/tmp/bench-ret cargo bench --bench retention
//!   MELDPUNT_BENCH_DB=postgres://postgres@127.0.0.1:5432/benchret cargo bench --bench retention
//!
//! MELDPUNT_BENCH_NOWS: comma-separated Dutch local times (default below). Results and
//! method: docs/BENCHMARKS.md. No timing is asserted in tests.

use std::time::Instant;

use meldpunt::domain::parse_dutch_local;
use meldpunt::domain::retention::Schedule;
use meldpunt::objects::EvidenceStore;
use meldpunt::service::retention;
use meldpunt::store::Store;

const NOWS: &str = "2025-06-30T12:00,2025-06-30T12:00,2025-06-30T12:00,\
                    2025-07-01T12:00,2025-07-02T12:00,2025-07-03T12:00";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Ok(db) = std::env::var("MELDPUNT_BENCH_DB") else {
        eprintln!("set MELDPUNT_BENCH_DB (see the file's header)");
        return;
    };
    let nows = std::env::var("MELDPUNT_BENCH_NOWS").unwrap_or_else(|_| NOWS.replace(' ', ""));
    let t = Instant::now();
    let store = if db.starts_with("postgres") {
        Store::connect(&db).await.unwrap()
    } else {
        Store::open_sqlite_dir(std::path::Path::new(&db))
            .await
            .unwrap()
    };
    // The migrations a database made by an older meldpunt still needs (0019 sets every closed
    // case's closure time from its history).
    store.migrate().await.unwrap();
    println!("opened and migrated in {:.2} s", t.elapsed().as_secs_f64());
    let dir = tempfile::tempdir().unwrap();
    let objects = EvidenceStore::open("", dir.path()).unwrap();
    let schedule = Schedule::default();
    for now in nows.split(',').filter(|s| !s.is_empty()) {
        let at = parse_dutch_local(now.trim()).expect("a Dutch local time");
        let t = Instant::now();
        let soon = retention::upcoming(&store, &schedule, at + 30 * 86_400_000)
            .await
            .unwrap();
        let page = t.elapsed();
        let t = Instant::now();
        let r = retention::run_once(&store, &objects, &schedule, at)
            .await
            .unwrap();
        let run = t.elapsed();
        println!(
            "now {now}: upcoming (30 days: {} cases) {:.2} s; run {:.2} s erased {} cases, {} evidence, {} records{}",
            soon.cases_without_action + soon.cases_with_notice,
            page.as_secs_f64(),
            run.as_secs_f64(),
            r.cases,
            r.evidence,
            r.records,
            if r.cases > 0 {
                format!(" ({:.1} ms per case)", run.as_secs_f64() * 1000.0 / r.cases as f64)
            } else {
                String::new()
            }
        );
    }
}
