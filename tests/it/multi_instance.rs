//! Several `meldpunt serve` processes on one PostgreSQL database work side by side:
//! a session made through one is honoured by the other, and throttling counters are shared.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use meldpunt::domain::user::Role;

use crate::support::*;

pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `meldpunt serve` on a free port and waits until it answers /readyz.
pub async fn start_server(database_url: &str, extra_env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meldpunt"));
    cmd.args([
        "--database-url",
        database_url,
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
    ])
    .env_remove("MELDPUNT_CONFIG")
    .env("MELDPUNT_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
    .env(
        "MELDPUNT_DATA_DIR",
        std::env::temp_dir().join("meldpunt-test-data"),
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    // `{port}` in a value stands for the port the server listens on.
    for (k, v) in extra_env {
        cmd.env(k, v.replace("{port}", &port.to_string()));
    }
    let child = cmd.spawn().expect("start meldpunt serve");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await {
            if r.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("meldpunt serve did not become ready");
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgresql_database_serve_the_same_session() {
    let Some(db) = test_db(Backend::Postgres).await else {
        return;
    };
    let o = seed_orgs(&db.store).await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let a = start_server(&db.url, &[]).await;
    let b = start_server(&db.url, &[]).await;
    let http = no_redirects();

    // Sign in through server A.
    let page = http
        .get(format!("{}/aanmelden", a.base))
        .send()
        .await
        .unwrap();
    let csrf = cookie_value(&page, CSRF_COOKIE).unwrap();
    let res = http
        .post(format!("{}/aanmelden", a.base))
        .header("cookie", format!("{CSRF_COOKIE}={csrf}"))
        .form(&[
            ("email", p.email.as_str()),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let half = cookie_value(&res, SESSION_COOKIE).expect("a session cookie");
    // The second step, on server A too.
    let code = meldpunt::domain::credentials::totp_code_at(
        p.totp_secret.as_deref().unwrap(),
        (meldpunt::service::now_ms() / 1000) as u64,
    )
    .unwrap();
    let res = http
        .post(format!("{}/aanmelden/tweede-factor", a.base))
        .header(
            "cookie",
            format!("{CSRF_COOKIE}={csrf}; {SESSION_COOKIE}={half}"),
        )
        .form(&[("code", code.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let session = cookie_value(&res, SESSION_COOKIE).expect("a session cookie");

    // Server B knows the session.
    let res = http
        .get(format!("{}/start", b.base))
        .header("cookie", format!("{SESSION_COOKIE}={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Welkom, Test Persoon"));

    // Signing out through B ends it for A too.
    let res = http
        .post(format!("{}/afmelden", b.base))
        .header(
            "cookie",
            format!("{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}"),
        )
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = http
        .get(format!("{}/start", a.base))
        .header("cookie", format!("{SESSION_COOKIE}={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the session is gone on A as well");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_counts_failures_across_servers() {
    let Some(db) = test_db(Backend::Postgres).await else {
        return;
    };
    let o = seed_orgs(&db.store).await;
    let p = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    let servers = [
        start_server(&db.url, &[]).await,
        start_server(&db.url, &[]).await,
    ];
    let http = no_redirects();
    let page = http
        .get(format!("{}/aanmelden", servers[0].base))
        .send()
        .await
        .unwrap();
    let csrf = cookie_value(&page, CSRF_COOKIE).unwrap();
    let mut statuses = Vec::new();
    for i in 0..10 {
        let base = &servers[i % 2].base;
        let res = http
            .post(format!("{base}/aanmelden"))
            .header("cookie", format!("{CSRF_COOKIE}={csrf}"))
            .form(&[
                ("email", p.email.as_str()),
                ("password", "verkeerd verkeerd"),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    // Five free failures in all, then waiting: the two servers share one counter.
    assert_eq!(&statuses[..5], &[401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
}

/// A new API token of the organisation `org_id` (the bearer secret).
async fn api_token(db: &TestDb, org_id: i64) -> String {
    meldpunt::service::tokens::create(&db.store, &cli_ctx(), org_id, "test")
        .await
        .unwrap()
        .1
}

/// Two servers on one PostgreSQL database take reports of the same content from two
/// municipalities at once: one case, every report counted, references unique, audit
/// chain intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_racing_reports_of_one_video_make_one_case() {
    use meldpunt::domain::case::CaseStatus;
    use meldpunt::store::{audit, cases, reports};
    let Some(db) = test_db(Backend::Postgres).await else {
        return;
    };
    let o = seed_orgs(&db.store).await;
    let ams = api_token(&db, o.amsterdam).await;
    let rdam = api_token(&db, o.rotterdam).await;
    let one = start_server(&db.url, &[]).await;
    let two = start_server(&db.url, &[]).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let base = if i % 2 == 0 {
            one.base.clone()
        } else {
            two.base.clone()
        };
        let token = if i % 4 < 2 { ams.clone() } else { rdam.clone() };
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "links": [{"url": format!("https://m.tiktok.com/@a/video/123?_t={i}")}],
                "categorie": "call_to_gather", "urgentie": "acute",
                "onderbouwing": "Vanavond", "namens": "De burgemeester"
            });
            let r = reqwest::Client::new()
                .post(format!("{base}/api/v1/meldingen"))
                .bearer_auth(token)
                .header("idempotency-key", format!("k{i}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            r.json::<serde_json::Value>().await.unwrap()["referentie"]
                .as_str()
                .unwrap()
                .to_string()
        }));
    }
    let mut refs = Vec::new();
    for t in tasks {
        refs.push(t.await.unwrap());
    }
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 40, "every report has its own reference");
    let all = CaseStatus::ALL.to_vec();
    let found = cases::list(&db.store, &all, 10).await.unwrap();
    assert_eq!(found.len(), 1, "one case");
    assert_eq!(
        (found[0].report_count, found[0].municipality_count),
        (40, 2)
    );
    assert_eq!(reports::count(&db.store).await.unwrap(), 40);
    audit::verify(&db.store, None)
        .await
        .unwrap()
        .expect("chain intact");
}

/// A client retries one request with one `Idempotency-Key` many times at once, on both
/// servers: one report, and every answer is 201 with its reference (the first request's
/// answer, replayed); the same key with another body is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_retried_at_once_on_two_servers_makes_one_report() {
    use meldpunt::store::{audit, reports};
    let Some(db) = test_db(Backend::Postgres).await else {
        return;
    };
    let o = seed_orgs(&db.store).await;
    let ams = api_token(&db, o.amsterdam).await;
    let one = start_server(&db.url, &[]).await;
    let two = start_server(&db.url, &[]).await;
    let body = serde_json::json!({
        "links": [{"url": "https://www.tiktok.com/@a/video/777"}],
        "categorie": "call_to_gather", "urgentie": "high",
        "onderbouwing": "Vanavond", "namens": "De burgemeester"
    });
    let post = |base: String, body: serde_json::Value, token: String| async move {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/v1/meldingen"))
            .bearer_auth(token)
            .header("idempotency-key", "retry-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<serde_json::Value>().await.unwrap())
    };
    for round in 0..3 {
        let mut tasks = Vec::new();
        for i in 0..24 {
            let base = [&one.base, &two.base][i % 2].clone();
            tasks.push(tokio::spawn(post(base, body.clone(), ams.clone())));
        }
        let mut refs = Vec::new();
        for t in tasks {
            let (status, answer) = t.await.unwrap();
            assert!(status == 201 || status == 200, "{status} {answer}");
            refs.push(answer["referentie"].as_str().unwrap().to_string());
        }
        refs.dedup();
        assert_eq!(
            refs.len(),
            1,
            "round {round}: one reference for every answer"
        );
        assert_eq!(reports::count(&db.store).await.unwrap(), 1);
    }
    let mut other = body.clone();
    other["onderbouwing"] = "Iets anders".into();
    let (status, _) = post(one.base.clone(), other, ams.clone()).await;
    assert_eq!(status, 422);
    assert_eq!(reports::count(&db.store).await.unwrap(), 1);
    audit::verify(&db.store, None)
        .await
        .unwrap()
        .expect("chain intact");
}
