//! Benchmark: how long `meldpunt audit verify` takes over a large trail.
//!
//!   cargo bench --bench audit_verify                 # 1,000,000 entries on SQLite
//!   MELDPUNT_BENCH_ENTRIES=200000 cargo bench --bench audit_verify
//!   MELDPUNT_TEST_POSTGRES_URL=postgres://… cargo bench --bench audit_verify   # also PostgreSQL
//!
//! Results and method: docs/BENCHMARKS.md. No timing is asserted anywhere in the tests.

use std::time::Instant;

use meldpunt::domain::audit::{entry_hash, HashInput, GENESIS_HASH};
use meldpunt::store::{audit, Store};
use sqlx::{Connection, Executor};

/// Writes `n` chained entries straight into the database at `url` (on a connection of its
/// own: meldpunt's own SQL lives only in `src/store`).
async fn fill(url: &str, n: i64) {
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let mut prev = GENESIS_HASH.to_string();
    let mut seq = 0i64;
    while seq < n {
        let mut tx = conn.begin().await.unwrap();
        let mut values = Vec::new();
        for _ in 0..1000 {
            if seq >= n {
                break;
            }
            seq += 1;
            let at = 1_790_000_000_000 + seq;
            let label = format!("analist{}@meldpunt.nl", seq % 50);
            let object_id = (seq % 10_000).to_string();
            let hash = entry_hash(&HashInput {
                prev_hash: &prev,
                at,
                actor_user_id: Some(seq % 50),
                actor_label: &label,
                org_id: Some(1),
                action: "view.users",
                object_type: "organisation",
                object_id: &object_id,
                outcome: "success",
                origin: "192.0.2.10",
                details: "{}",
            });
            values.push(format!(
                "({seq}, {at}, {}, '{label}', 1, 'view.users', 'organisation', '{object_id}', 'success', '192.0.2.10', '{{}}', '{prev}', '{hash}')",
                seq % 50
            ));
            prev = hash;
        }
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor_user_id, actor_label, org_id, action, object_type, object_id, \
             outcome, origin, details, prev_hash, hash) VALUES {}",
            values.join(", ")
        );
        tx.execute(sql.as_str()).await.unwrap();
        tx.commit().await.unwrap();
    }
    conn.execute(
        format!("UPDATE audit_head SET seq = {seq}, hash = '{prev}' WHERE id = 1").as_str(),
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
}

async fn run(name: &str, store: Store, url: &str, n: i64) {
    let t = Instant::now();
    fill(url, n).await;
    let filled = t.elapsed();
    let t = Instant::now();
    let result = audit::verify(&store, None).await.unwrap();
    let took = t.elapsed();
    let verified = result.expect("the generated chain verifies");
    println!(
        "{name}: filled {n} entries in {:.1} s; verified {} entries in {:.2} s ({:.0} entries/s)",
        filled.as_secs_f64(),
        verified.entries,
        took.as_secs_f64(),
        verified.entries as f64 / took.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let n: i64 = std::env::var("MELDPUNT_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = meldpunt::store::sqlite_url(&dir.path().join("bench.db"));
    let sqlite = Store::connect(&sqlite_url).await.unwrap();
    sqlite.migrate().await.unwrap();
    run("sqlite", sqlite, &sqlite_url, n).await;
    if let Ok(admin) = std::env::var("MELDPUNT_TEST_POSTGRES_URL") {
        let name = "meldpunt_bench_audit";
        let pool = sqlx::PgPool::connect(&admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => admin.clone(),
        };
        let pg = Store::connect(&url).await.unwrap();
        pg.migrate().await.unwrap();
        run("postgres", pg.clone(), &url, n).await;
        pg.close().await;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&pool)
            .await
            .unwrap();
    } else {
        println!("postgres: SKIPPED (set MELDPUNT_TEST_POSTGRES_URL)");
    }
}
