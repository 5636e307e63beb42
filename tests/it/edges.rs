//! The edges against real servers: evidence on an S3-compatible store (moto) and mail
//! through a real SMTP server (aiosmtpd). scripts/test.sh installs both into
//! `target/test-tools-venv`; without them these tests say SKIPPED.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use meldpunt::domain::user::Role;
use meldpunt::mail::{deliver_due, Mailer};
use meldpunt::objects::{EvidenceStore, ObjectError};
use meldpunt::service::tokens as token_service;
use meldpunt::service::Clock;
use meldpunt::store::notify;
use serde_json::json;

use crate::multi_instance::{free_port, start_server};
use crate::support::*;

/// The directory with `moto_server` and a Python that has `aiosmtpd`.
pub fn tools() -> Option<PathBuf> {
    let dir = std::env::var("MELDPUNT_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-tools-venv/bin")
        });
    if dir.join("moto_server").exists() && dir.join("python").exists() {
        Some(dir)
    } else {
        crate::support::skip("moto and aiosmtpd are not installed (scripts/test.sh installs them)");
        None
    }
}

/// A child process killed when dropped.
pub struct Background(pub Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on port {port}");
}

/// A local S3 server with one bucket; returns the server and its address.
pub async fn start_s3(tools: &std::path::Path, bucket: &str) -> (Background, String) {
    let port = free_port();
    let child = Command::new(tools.join("moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let server = Background(child);
    wait_for_port(port).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let r = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "create bucket: {}", r.status());
    (server, endpoint)
}

/// A local SMTP server that writes every message it receives to a maildir.
pub async fn start_smtp(tools: &std::path::Path) -> (Background, u16, tempfile::TempDir) {
    let port = free_port();
    let maildir = tempfile::tempdir().unwrap();
    let child = Command::new(tools.join("python"))
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir.path().join("mail"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    let server = Background(child);
    wait_for_port(port).await;
    (server, port, maildir)
}

/// The messages that arrived, as text.
pub fn received(maildir: &tempfile::TempDir) -> Vec<String> {
    let dir = maildir.path().join("mail/new");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    out.sort();
    out
}

fn s3_options(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("aws_endpoint", endpoint.to_string()),
        ("aws_allow_http", "true".into()),
        ("aws_access_key_id", "test".into()),
        ("aws_secret_access_key", "test".into()),
        ("aws_region", "us-east-1".into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_stored_by_hash_on_an_s3_compatible_server() {
    let Some(tools) = tools() else { return };
    let (_s3, endpoint) = start_s3(&tools, "meldpunt-bewijs").await;
    let options = s3_options(&endpoint);
    let options: Vec<(&str, &str)> = options.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    let store =
        EvidenceStore::open_with("s3://meldpunt-bewijs/bewijs", dir.path(), &options).unwrap();
    let sha = meldpunt::domain::credentials::sha256_hex_bytes(PNG);
    store.put(&sha, PNG.to_vec().into()).await.unwrap();
    store
        .put(&sha, PNG.to_vec().into())
        .await
        .expect("the same content again is harmless");
    assert_eq!(store.get(&sha).await.unwrap().as_ref(), PNG);
    assert!(matches!(
        store.get(&"0".repeat(64)).await,
        Err(ObjectError::NotFound)
    ));
    // It really is on the S3 server: another client with no local state finds it.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = EvidenceStore::open_with("s3://meldpunt-bewijs/bewijs", elsewhere.path(), &options)
        .unwrap();
    assert_eq!(other.get(&sha).await.unwrap().as_ref(), PNG);
    let wrong_prefix =
        EvidenceStore::open_with("s3://meldpunt-bewijs/elders", elsewhere.path(), &options)
            .unwrap();
    assert!(matches!(
        wrong_prefix.get(&sha).await,
        Err(ObjectError::NotFound)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_api_evidence_on_s3_when_configured() {
    let Some(tools) = tools() else { return };
    let (_s3, endpoint) = start_s3(&tools, "bewijs").await;
    let db = test_db(Backend::Sqlite).await.unwrap();
    let o = seed_orgs(&db.store).await;
    let (_, token) = token_service::create(&db.store, &cli_ctx(), o.amsterdam, "systeem")
        .await
        .unwrap();
    let env = s3_options(&endpoint);
    let mut extra: Vec<(&str, &str)> = vec![("MELDPUNT_EVIDENCE_STORE", "s3://bewijs")];
    let upper: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_uppercase(), v.clone()))
        .collect();
    extra.extend(upper.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let server = start_server(&db.url, &extra).await;
    let body = json!({
        "links": [{"url": "https://t.me/s/oproep/12"}],
        "categorie": "call_to_gather", "urgentie": "normal",
        "onderbouwing": "Oproep voor zaterdag", "namens": "De burgemeester",
        "bewijs": [{"bestandsnaam": "scherm.png", "inhoud": base64::engine::general_purpose::STANDARD.encode(PNG), "link": 1}]
    });
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/meldingen", server.base))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let sha = meldpunt::domain::credentials::sha256_hex_bytes(PNG);
    let options: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    let s3 = EvidenceStore::open_with("s3://bewijs", dir.path(), &options).unwrap();
    assert_eq!(s3.get(&sha).await.expect("the file is on S3").as_ref(), PNG);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_from_the_outbox_arrives_at_a_real_smtp_server_once() {
    let Some(tools) = tools() else { return };
    let (_smtp, port, maildir) = start_smtp(&tools).await;
    let db = test_db(Backend::Sqlite).await.unwrap();
    let o = seed_orgs(&db.store).await;
    let reporter = make_person(
        &db.store,
        o.amsterdam,
        "melder@amsterdam.nl",
        Role::Reporter,
    )
    .await;
    make_person(&db.store, o.central, "analist@meldpunt.nl", Role::Analyst).await;
    let app = TestApp::new(&db.store);
    let mut c = app.signed_in(&reporter).await;
    let r = c
        .post_multipart(
            "/meldingen/nieuw",
            &crate::intake::form("https://www.tiktok.com/@a/video/1", "acute"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let pending = notify::pending_mail(&db.store).await.unwrap();
    assert_eq!(pending.len(), 1);

    // While the SMTP server is unreachable, the message waits; nothing is lost.
    let settings = meldpunt::service::Settings::default();
    let down = Mailer::new(
        &format!("smtp://127.0.0.1:{}", free_port()),
        "meldpunt <meldpunt@example.org>",
        120,
    )
    .unwrap();
    assert_eq!(
        deliver_due(&db.store, &settings, &down, Clock::SYSTEM)
            .await
            .unwrap(),
        0
    );
    let waiting = notify::pending_mail(&db.store).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].attempts, 1);
    // Not retried before the back-off has passed …
    let mailer = Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "meldpunt <meldpunt@example.org>",
        120,
    )
    .unwrap();
    assert_eq!(
        deliver_due(&db.store, &settings, &mailer, Clock::SYSTEM)
            .await
            .unwrap(),
        0
    );
    // … and sent once it has (the retry comes after a minute).
    let later = Clock::ahead(2 * 60_000);

    assert_eq!(
        deliver_due(&db.store, &settings, &mailer, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        deliver_due(&db.store, &settings, &mailer, later)
            .await
            .unwrap(),
        0,
        "sent once"
    );
    assert!(notify::pending_mail(&db.store).await.unwrap().is_empty());
    let arrived = received(&maildir);
    assert_eq!(arrived.len(), 1);
    let m = &arrived[0];
    assert!(m.contains("To: analist@meldpunt.nl"), "{m}");
    assert!(m.contains("From: meldpunt <meldpunt@example.org>"), "{m}");
    assert!(m.contains("Subject: [meldpunt] Acute melding MLD-"), "{m}");
    assert!(
        m.contains(&format!(
            "Message-ID: <outbox-{}@example.org>",
            pending[0].id
        )),
        "{m}"
    );
    assert!(
        m.contains("Open de zaak: http://127.0.0.1:8080/zaken/"),
        "{m}"
    );
}
