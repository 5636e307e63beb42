//! A real OpenID provider for the single sign-on tests: `oidc-provider` (OpenID Certified)
//! from npm, run by `tests/tools/oidc/provider.mjs` as a child process (scripts/test.sh
//! installs it). It signs in at once as the authorization request's `login_hint`, so a test
//! only follows its redirects.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::multi_instance::free_port;

pub const CLIENT_ID: &str = "meldpunt-test";
pub const CLIENT_SECRET: &str = "test-client-secret-8d2f";
/// Where the provider sends people back: the test app's public address and the callback.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/aanmelden/organisatie/terug";

pub struct Provider {
    child: Child,
    pub port: u16,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The provider script, when its npm package is installed.
fn script() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MELDPUNT_TEST_OIDC_PROVIDER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools/oidc");
    dir.join("node_modules/oidc-provider")
        .is_dir()
        .then(|| dir.join("provider.mjs"))
}

/// The provider's clients: meldpunt's test client, and any given.
pub fn clients(extra: &[(&str, &str)]) -> String {
    let mut all = vec![serde_json::json!({
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [REDIRECT_URI],
    })];
    for (id, secret) in extra {
        all.push(serde_json::json!({
            "client_id": id, "client_secret": secret, "redirect_uris": [REDIRECT_URI],
        }));
    }
    serde_json::Value::Array(all).to_string()
}

impl Provider {
    /// Starts the provider on a free port (or `port`) with these settings (`AMR`, `KEY_ID`,
    /// `ISSUER`, `ID_TOKEN_TTL`, `CLIENTS`; see provider.mjs). `None` (after [`skip`], a
    /// failure under CI) when the provider is not installed.
    ///
    /// [`skip`]: crate::support::skip
    pub fn start(port: Option<u16>, settings: &[(&str, &str)]) -> Option<Provider> {
        let Some(script) = script() else {
            crate::support::skip(
                "OpenID provider: run `npm ci` in tests/tools/oidc (scripts/test.sh does)",
            );
            return None;
        };
        // A start that does not report within its time is stopped (never left running) and
        // tried once more, on a new port unless the port was given.
        for attempt in 1..=2 {
            let port = port.unwrap_or_else(free_port);
            if let Some(p) = Self::spawn(&script, port, settings) {
                return Some(p);
            }
            eprintln!("the OpenID provider did not start on port {port} (attempt {attempt})");
        }
        panic!("the OpenID provider did not start twice");
    }

    fn spawn(script: &std::path::Path, port: u16, settings: &[(&str, &str)]) -> Option<Provider> {
        let mut cmd = Command::new("node");
        cmd.arg(script)
            .env("PORT", port.to_string())
            .env("CLIENTS", clients(&[]))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in settings {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("node runs the OpenID provider");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("listening") {
                    let _ = tx.send(());
                }
            }
        });
        let provider = Provider { child, port };
        // Dropped (and so stopped) when it does not report in time.
        rx.recv_timeout(Duration::from_secs(45))
            .ok()
            .map(|_| provider)
    }

    /// The issuer it names itself by default.
    pub fn issuer(&self) -> String {
        format!("http://localhost:{}", self.port)
    }
}

/// The authorization request on meldpunt's hand-over page (the link's address).
pub fn authorize_url(page: &str) -> String {
    let start = page
        .find("id=\"naar-organisatie\" href=\"")
        .unwrap_or_else(|| panic!("no hand-over link in {page}"))
        + "id=\"naar-organisatie\" href=\"".len();
    let end = start + page[start..].find('"').unwrap();
    unescape(&page[start..end])
}

/// Undoes HTML escaping: the named entities and numeric ones (`&#38;`, `&#x2f;`).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A browser's side at the provider: its cookies (the provider's own session) kept.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

impl Provider {
    /// Blocks an account at the provider.
    pub async fn block(&self, account: &str) {
        let url = format!(
            "http://127.0.0.1:{}/test/block?account={account}",
            self.port
        );
        let r = reqwest::Client::new().post(url).send().await.unwrap();
        assert_eq!(r.status(), 204);
    }
}

/// Follows the provider's redirects from an authorization request to its answer for
/// meldpunt, as a new browser would. Returns the answer's path and query at meldpunt.
pub async fn through_provider(authorize_url: &str) -> String {
    through_provider_with(&browser(), authorize_url).await
}

/// [`through_provider`] in a browser that was at the provider before.
pub async fn through_provider_with(http: &reqwest::Client, authorize_url: &str) -> String {
    let mut url = url::Url::parse(authorize_url).expect("an absolute authorization URL");
    for _ in 0..10 {
        let res = http
            .get(url.clone())
            .send()
            .await
            .expect("provider answers");
        let status = res.status();
        let Some(location) = res.headers().get("location").cloned() else {
            panic!(
                "provider: {status} without a redirect: {}",
                res.text().await.unwrap()
            );
        };
        let next = url.join(location.to_str().unwrap()).unwrap();
        if next.as_str().starts_with(REDIRECT_URI) {
            return format!("{}?{}", next.path(), next.query().unwrap_or_default());
        }
        url = next;
    }
    panic!("the provider never sent the person back");
}
