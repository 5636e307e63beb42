//! Test harness: real databases (SQLite in a temporary directory, PostgreSQL in a fresh
//! database per test), the real router driven in-process, and helpers to create people.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use meldpunt::config::Config;
use meldpunt::domain::credentials::totp_code_at;
use meldpunt::domain::org::{NewOrganisation, OrgKind};
use meldpunt::domain::user::{NewUser, Role};
use meldpunt::service::{accounts, auth, now_ms, orgs as org_service, Ctx};
use meldpunt::store::{sessions, users, Store};
use meldpunt::web::{router, AppState};
use tower::ServiceExt;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that lives as long as the test.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    /// The SQLite directory; PostgreSQL test databases are removed by scripts/test.sh.
    dir: Option<Arc<tempfile::TempDir>>,
}

impl TestDb {
    /// Keeps the SQLite directory alive while a test body runs: an `async move` block
    /// captures only the fields it uses, so `db.store` alone would let the directory go.
    pub fn guard(&self) -> Option<Arc<tempfile::TempDir>> {
        self.dir.clone()
    }
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("MELDPUNT_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A test whose prerequisite (PostgreSQL, Chromium, the test servers) is missing. Under CI
/// (`CI` set) that is a failure, never a pass. Elsewhere the test returns early and says so:
/// a `SKIPPED` line on the terminal (written past the test harness's output capture) and one
/// in the file `MELDPUNT_TEST_SKIP_LOG`, which scripts/test.sh counts in its summary.
pub fn skip(reason: &str) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_string();
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{test}: prerequisite missing under CI: {reason}");
    }
    let line = format!("SKIPPED {test}: {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(path) = std::env::var_os("MELDPUNT_TEST_SKIP_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Opens a fresh, migrated database; `None` (with a printed line) when PostgreSQL is
/// wanted but not configured.
pub async fn test_db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = meldpunt::store::sqlite_url(&dir.path().join("meldpunt.db"));
            let store = Store::connect(&url).await.expect("open sqlite");
            store.migrate().await.expect("migrate sqlite");
            Some(TestDb {
                store,
                url,
                dir: Some(Arc::new(dir)),
            })
        }
        Backend::Postgres => {
            let Some(admin) = postgres_admin_url() else {
                skip("PostgreSQL: MELDPUNT_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)");
                return None;
            };
            let name = format!("meldpunt_t_{}", uuid_like());
            let admin_store = sqlx::PgPool::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin_store)
                .await
                .expect("create test database");
            admin_store.close().await;
            let url = replace_db_name(&admin, &name);
            let store = Store::connect(&url).await.expect("open postgres");
            store.migrate().await.expect("migrate postgres");
            Some(TestDb {
                store,
                url,
                dir: None,
            })
        }
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| char::from(b'a' + rng.gen_range(0..26)))
        .collect()
}

/// `postgres://host/db?x` with another database name.
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// Runs one SQL statement on a connection of its own, as someone with access to the
/// database would (meldpunt itself runs SQL only inside `src/store`).
pub async fn sql(db: &TestDb, statement: &str) -> Result<(), sqlx::Error> {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::AnyConnection::connect(&db.url).await?;
    let done = conn.execute(statement).await.map(|_| ());
    conn.close().await?;
    done
}

/// Runs a test body on both backends. The PostgreSQL run is skipped (see [`skip`]: a
/// failure under CI) only when no PostgreSQL is configured.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let db = $crate::support::test_db($crate::support::Backend::Sqlite)
                    .await
                    .unwrap();
                let _guard = db.guard();
                ($body)(db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(db) = $crate::support::test_db($crate::support::Backend::Postgres).await
                {
                    let _guard = db.guard();
                    ($body)(db).await;
                }
            }
        }
    };
}

pub fn cli_ctx() -> Ctx {
    Ctx::cli(now_ms())
}

/// The common organisations of a test: two municipalities, the central team, a police unit.
pub struct Orgs {
    pub amsterdam: i64,
    pub rotterdam: i64,
    pub central: i64,
}

pub async fn seed_orgs(store: &Store) -> Orgs {
    let ctx = cli_ctx();
    let mut ids = Vec::new();
    for (kind, code, name) in [
        (OrgKind::Municipality, "GM0363", "Amsterdam"),
        (OrgKind::Municipality, "GM0599", "Rotterdam"),
        (OrgKind::CentralTeam, "MELDPUNT", "Meldpunt"),
        (OrgKind::PoliceUnit, "POL-AMS", "Politie Amsterdam"),
    ] {
        let org = NewOrganisation::new(kind, code, name, None).unwrap();
        ids.push(org_service::create(store, &ctx, &org).await.unwrap());
    }
    Orgs {
        amsterdam: ids[0],
        rotterdam: ids[1],
        central: ids[2],
    }
}

pub const PASSWORD: &str = "een lang genoeg wachtwoord";

/// A person with a password (and, for staff roles, a second factor).
#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub totp_secret: Option<String>,
}

pub async fn make_person(store: &Store, org_id: i64, email: &str, role: Role) -> Person {
    let ctx = cli_ctx();
    let new = NewUser::new(email, "Test Persoon", role).unwrap();
    let activation = accounts::create_user(store, &ctx, org_id, &new)
        .await
        .unwrap();
    accounts::activate(store, &ctx, &activation.token, PASSWORD, PASSWORD)
        .await
        .unwrap();
    // Every account has a second factor (reporters too).
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ".to_string();
    let mut tx = store.begin_write().await.unwrap();
    users::enrol_second_factor(&mut tx, activation.user_id, &secret, 0, &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let totp_secret = Some(secret);
    Person {
        id: activation.user_id,
        email: email.to_string(),
        totp_secret,
    }
}

/// A fully signed-in session token for a person, made through the real sign-in service.
pub async fn session_for(store: &Store, p: &Person) -> String {
    let ctx = Ctx {
        origin: "127.0.0.1".into(),
        ..cli_ctx()
    };
    let first = auth::sign_in_password(store, &ctx, &p.email, PASSWORD, None)
        .await
        .unwrap();
    match &p.totp_secret {
        None => first.token,
        Some(secret) => {
            let hash = meldpunt::domain::credentials::sha256_hex(&first.token);
            let session = sessions::get(store, &hash).await.unwrap().unwrap();
            let user = users::get(store, p.id).await.unwrap();
            // Each sign-in needs a fresh time step: pretend later and later moments.
            let now = next_totp_moment(&user);
            let code = totp_code_at(secret, (now / 1000) as u64).unwrap();
            let ctx = Ctx { now, ..ctx };
            auth::sign_in_second_factor(
                store,
                &ctx,
                &session,
                &user,
                auth::SecondFactor::Totp,
                &code,
                None,
            )
            .await
            .unwrap()
            .token
        }
    }
}

/// A moment whose TOTP step is newer than any the user has used.
fn next_totp_moment(user: &users::User) -> i64 {
    let now = now_ms();
    let last = user.totp_last_step.unwrap_or(0);
    let now_step = now / 30_000;
    if now_step > last {
        now
    } else {
        (last + 1) * 30_000 + 1_000
    }
}

pub fn test_config() -> Config {
    Config {
        metrics_token: Some("metrics-secret".into()),
        // Content-addressed, so tests may share one directory.
        data_dir: std::env::temp_dir().join("meldpunt-test-data"),
        ..Config::default()
    }
}

/// The real router, called in-process.
pub struct TestApp {
    pub router: Router,
    pub store: Store,
}

impl TestApp {
    pub fn new(store: &Store) -> TestApp {
        Self::with_config(store, test_config())
    }

    pub fn with_config(store: &Store, config: Config) -> TestApp {
        TestApp {
            router: router(AppState::new(store.clone(), config).expect("app state")),
            store: store.clone(),
        }
    }

    /// A client signed in as `p` through the real sign-in service.
    pub async fn signed_in(&self, p: &Person) -> Client<'_> {
        self.client()
            .with_session(&session_for(&self.store, p).await)
    }

    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            cookies: HashMap::new(),
            addr: "127.0.0.1:40000".parse().unwrap(),
        }
    }
}

/// A browser-like client: keeps cookies, comes from one address.
pub struct Client<'a> {
    app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub addr: SocketAddr,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (for downloads).
    pub raw: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
}

pub const SESSION_COOKIE: &str = "__Host-meldpunt_session";
pub const CSRF_COOKIE: &str = "__Host-meldpunt_csrf";

impl<'a> Client<'a> {
    pub fn at_addr(mut self, addr: &str) -> Self {
        self.addr = addr.parse().unwrap();
        self
    }

    pub fn with_session(mut self, token: &str) -> Self {
        self.cookies.insert(SESSION_COOKIE.into(), token.into());
        self
    }

    pub fn csrf(&self) -> String {
        self.cookies.get(CSRF_COOKIE).cloned().unwrap_or_default()
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<String>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let default_type = body.is_some()
            && !extra
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .chain(form.iter().filter(|_| default_type))
            .copied()
            .collect();
        let body = body.map(Body::from).unwrap_or_else(Body::empty);
        self.send_body(method, path, body, &extra).await
    }

    /// Sends any body (a stream, for instance) with exactly the headers in `extra`.
    pub async fn send_body(
        &mut self,
        method: Method,
        path: &str,
        body: Body,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req = req.header(header::HOST, "127.0.0.1:8080");
        }
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie.join("; "));
        }
        for (k, v) in extra {
            // An empty Content-Type stands for "send none".
            if k.eq_ignore_ascii_case("content-type") && v.is_empty() {
                continue;
            }
            req = req.header(*k, *v);
        }
        let mut req = req.body(body).unwrap();
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let res = self.app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            raw: bytes.to_vec(),
        };
        for c in resp.set_cookies() {
            let first = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        resp
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None, &[]).await
    }

    /// Posts a form with the CSRF token of this client (fetching a page first if needed).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        if !self.cookies.contains_key(CSRF_COOKIE) {
            self.get("/aanmelden").await;
        }
        let mut all: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.push(("csrf".into(), self.csrf()));
        self.post_raw(path, &all).await
    }

    pub async fn post_raw(&mut self, path: &str, fields: &[(String, String)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// Posts `multipart/form-data` as a browser does for the report form: the CSRF token
    /// is its first field.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        if !self.cookies.contains_key(CSRF_COOKIE) {
            self.get("/aanmelden").await;
        }
        let csrf = self.csrf();
        let fields: Vec<(&str, &str)> = [("csrf", csrf.as_str())]
            .into_iter()
            .chain(fields.iter().copied())
            .collect();
        let (content_type, body) = multipart_body(&fields, files);
        self.post_multipart_raw(path, &content_type, body).await
    }

    /// Posts a multipart body exactly as given (no token added).
    pub async fn post_multipart_raw(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, content_type);
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        req = req.header(header::COOKIE, cookie.join("; "));
        let mut req = req.body(Body::from(body)).unwrap();
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let res = self.app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            raw: bytes.to_vec(),
        }
    }

    /// Signs in through the pages (password, then TOTP when the person has one).
    pub async fn sign_in(&mut self, p: &Person) -> Resp {
        let r = self
            .post("/aanmelden", &[("email", &p.email), ("password", PASSWORD)])
            .await;
        if let Some(secret) = &p.totp_secret {
            assert_eq!(r.location(), "/aanmelden/tweede-factor", "{}", r.body);
            let user = users::get(&self.app.store, p.id).await.unwrap();
            let now = next_totp_moment(&user);
            if now > now_ms() {
                tokio::time::sleep(std::time::Duration::from_millis((now - now_ms()) as u64)).await;
            }
            let code = totp_code_at(secret, (now_ms() / 1000) as u64).unwrap();
            return self
                .post("/aanmelden/tweede-factor", &[("code", &code)])
                .await;
        }
        r
    }
}

/// A `multipart/form-data` body: (content type with boundary, bytes).
pub fn multipart_body(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----meldpunt-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A valid 1×1 PNG.
/// A real 1 × 1 PNG (it decodes, so it has a preview).
pub const PNG: &[u8] = b"\x89PNG\x0d\x0a\x1a\x0a\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0dIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82";

/// Stores a report of `url` for municipality `org_id` through the real intake service,
/// with a PNG as evidence; returns (report id, case id).
pub async fn submit_report(store: &Store, org_id: i64, reporter: &Person, url: &str) -> (i64, i64) {
    submit_report_about(store, org_id, reporter, url, None).await
}

/// Where and when a report expects the disturbance: CBS code, date (`YYYY-MM-DD`), time.
pub type Expected<'a> = Option<(&'a str, &'a str, &'a str)>;

/// `submit_report`, with the expected disturbance filled in.
pub async fn submit_report_about(
    store: &Store,
    org_id: i64,
    reporter: &Person,
    url: &str,
    expected: Expected<'_>,
) -> (i64, i64) {
    use meldpunt::domain::report::{Channel, LinkDraft, ReportDraft};
    use meldpunt::objects::EvidenceStore;
    use meldpunt::service::intake::{self, Intake, Submission, Upload};
    use meldpunt::service::Settings;
    let settings = Settings {
        public_url: "http://127.0.0.1:8080".into(),
        ..Default::default()
    };
    let (municipality, date, time_from) = expected.unwrap_or_default();
    let draft = ReportDraft {
        municipality: municipality.into(),
        date: date.into(),
        time_from: time_from.into(),
        links: vec![LinkDraft {
            url: url.into(),
            ..Default::default()
        }],
        category: "call_to_gather".into(),
        urgency: "high".into(),
        justification: "Oproep voor morgen".into(),
        on_behalf_of: "De burgemeester".into(),
        ..Default::default()
    };
    let valid = intake::check(&draft, now_ms()).expect("valid draft");
    let objects = EvidenceStore::open("", &test_config().data_dir).unwrap();
    let evidence = intake::store_evidence(
        &objects,
        vec![Upload {
            field: "evidence_1".into(),
            file_name: "scherm.png".into(),
            bytes: PNG.to_vec().into(),
            link_position: Some(1),
        }],
        1_000_000,
    )
    .await
    .unwrap();
    let user = users::get(store, reporter.id).await.unwrap();
    let ctx = Ctx::anonymous("127.0.0.1", now_ms()).acting_as(&user);
    let receipt = Intake::start(store.clone(), settings)
        .submit(
            &ctx,
            Submission {
                org_id,
                reporter_user_id: Some(reporter.id),
                api_token_id: None,
                channel: Channel::WebForm,
                report: valid,
                evidence,
                idempotency: None,
            },
        )
        .await
        .unwrap();
    let links = meldpunt::store::reports::links(store, receipt.report_id)
        .await
        .unwrap();
    (receipt.report_id, links[0].case_id)
}

/// The audit entries with this action (newest first).
pub async fn trail(store: &Store, action: &str) -> Vec<meldpunt::domain::audit::AuditRecord> {
    let filter = meldpunt::store::audit::AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    meldpunt::store::audit::list(
        store,
        meldpunt::domain::policy::AuditScope::All,
        &filter,
        100_000,
        None,
    )
    .await
    .unwrap()
}

/// A stored passkey of the account, made up (its credential is read only by a real passkey
/// step, which `browser.rs` drives with a real authenticator).
pub async fn add_passkey(store: &Store, user_id: i64, credential_id: &str, name: &str) -> i64 {
    let mut tx = store.begin_write().await.unwrap();
    let id = meldpunt::store::passkeys::insert(
        &mut tx,
        &meldpunt::store::passkeys::NewPasskey {
            user_id,
            user_handle: "7c7b8f52-58c8-4a8e-9a55-0d2d86b0a1f1",
            credential_id,
            credential: "{}",
            name,
        },
        1_795_950_000_000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}
