//! The real pages in headless Chromium (Debian's chromium + chromium-driver), and an
//! axe-core check (WCAG 2.1 AA) of every page. Skipped, with a line saying so, only
//! when chromedriver is not installed; scripts/test.sh and .ci/run install it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use meldpunt::domain::credentials::totp_code_at;
use meldpunt::service::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use meldpunt::service::now_ms;
use serde_json::Value;
use thirtyfour::prelude::*;
use thirtyfour::ChromiumLikeCapabilities;

use crate::multi_instance::{free_port, start_server, Server};

const AXE: &str = include_str!("../vendor/axe.min.js");

struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver_path() -> Option<&'static str> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

async fn start_driver() -> Option<Driver> {
    let Some(path) = chromedriver_path() else {
        crate::support::skip(
            "browser: chromedriver is not installed (apt-get install chromium chromium-driver)",
        );
        return None;
    };
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if reqwest::get(format!("{}/status", driver.url)).await.is_ok() {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(driver: &Driver) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").unwrap();
    let profile = tempfile::tempdir().unwrap().keep();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))
        .unwrap();
    WebDriver::new(&driver.url, caps)
        .await
        .expect("start chromium")
}

/// A demo server on SQLite in a fresh directory.
async fn demo_server() -> (Server, tempfile::TempDir) {
    demo_server_with(&[]).await
}

async fn demo_server_with(env: &[(&str, &str)]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = meldpunt::store::sqlite_url(&dir.path().join("meldpunt.db"));
    // The demo's evidence and the server's in the same place, the test's own directory.
    let data = dir.path().to_string_lossy().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args(["--database-url", &url, "demo"])
        .env_remove("MELDPUNT_CONFIG")
        .env("MELDPUNT_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut all: Vec<(&str, &str)> = vec![("MELDPUNT_DATA_DIR", &data)];
    all.extend_from_slice(env);
    (start_server(&url, &all).await, dir)
}

async fn fill(b: &WebDriver, id: &str, text: &str) {
    let e = b.find(By::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Submits a form and waits until the next page has loaded (every form navigates).
async fn submit(b: &WebDriver, form_action: &str) {
    b.execute("window.__meldpuntOldPage = true;", vec![])
        .await
        .unwrap();
    b.find(By::Css(format!(
        "form[action='{form_action}'] button[type='submit']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_new_page(b).await;
}

async fn wait_for_new_page(b: &WebDriver) {
    // Up to 20 s: a CI machine running the whole suite on two cores can be slow.
    wait_until(
        b,
        "return window.__meldpuntOldPage !== true && document.readyState === 'complete';",
    )
    .await;
}

async fn text(b: &WebDriver) -> String {
    b.find(By::Tag("main")).await.unwrap().text().await.unwrap()
}

/// Signs in through the form, with the current TOTP code (every account has one).
async fn sign_in(b: &WebDriver, base: &str, email: &str) {
    b.goto(format!("{base}/aanmelden")).await.unwrap();
    fill(b, "email", email).await;
    fill(b, "password", DEMO_PASSWORD).await;
    submit(b, "/aanmelden").await;
    second_factor(b).await;
    let url = b.current_url().await.unwrap();
    assert!(
        url.as_str().ends_with("/start"),
        "{email} did not reach the start page: {url} {}",
        text(b).await
    );
}

/// The second step of a sign-in: the demo's TOTP code.
async fn second_factor(b: &WebDriver) {
    {
        let url = b.current_url().await.unwrap();
        assert!(
            url.as_str().ends_with("/aanmelden/tweede-factor"),
            "{url}: {}",
            text(b).await
        );
        // A code works once: a second sign-in of the same person within one 30-second
        // step uses the next step's code (accepted for clock skew), or waits for it.
        for attempt in 0..4u64 {
            let at = (now_ms() / 1000) as u64 + if attempt % 2 == 1 { 30 } else { 0 };
            let code = totp_code_at(DEMO_TOTP_SECRET, at).unwrap();
            fill(b, "code", &code).await;
            submit(b, "/aanmelden/tweede-factor").await;
            if !text(b).await.contains("al gebruikt") {
                break;
            }
            if attempt == 1 {
                tokio::time::sleep(Duration::from_secs(31)).await;
            }
        }
    }
}

async fn sign_out(b: &WebDriver) {
    submit(b, "/afmelden").await;
}

/// Runs axe-core (WCAG 2.0/2.1 A and AA) on the current page; returns serious and
/// critical violations.
async fn axe_violations(b: &WebDriver) -> Vec<String> {
    b.execute(AXE, vec![]).await.unwrap();
    let result = b
        .execute(
            "return axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}, resultTypes: ['violations']})",
            vec![],
        )
        .await
        .unwrap();
    let json: &Value = result.json();
    json["violations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            let targets: Vec<String> = v["nodes"]
                .as_array()
                .map(|n| n.iter().map(|x| x["target"].to_string()).collect())
                .unwrap_or_default();
            format!("{}: {} {:?}", v["id"], v["help"], targets)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_member_signs_in_with_password_and_totp_and_sees_their_start_page() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (server, _dir) = demo_server().await;
    let b = browser(&driver).await;
    sign_in(&b, &server.base, "analist@meldpunt.demo").await;
    let main = text(&b).await;
    assert!(main.contains("Welkom, Anouk Bakker"), "{main}");
    assert!(main.contains("Meldpunt openbare orde (demo)"));
    // Without JavaScript nothing is lost: the page has no script at all.
    assert!(!b.source().await.unwrap().contains("<script"));
    sign_out(&b).await;
    assert!(text(&b).await.contains("U bent afgemeld."));
    b.goto(format!("{}/start", server.base)).await.unwrap();
    assert!(b
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("/aanmelden"));
    b.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_creates_a_user_who_activates_the_account_and_signs_in() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (server, _dir) = demo_server().await;
    let b = browser(&driver).await;
    sign_in(&b, &server.base, "beheer@amsterdam.demo").await;
    b.execute("window.__meldpuntOldPage = true;", vec![])
        .await
        .unwrap();
    b.find(By::LinkText("Mijn organisatie"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_new_page(&b).await;
    assert!(text(&b).await.contains("Amsterdam"));
    fill(&b, "name", "Noor Melder").await;
    fill(&b, "email", "noor@amsterdam.demo").await;
    let action = b
        .find(By::Css("form[action$='/gebruikers']"))
        .await
        .unwrap()
        .attr("action")
        .await
        .unwrap()
        .unwrap();
    submit(&b, &action).await;
    let link = b
        .find(By::Id("eenmalig-geheim"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(link.contains("/activeren/"), "{link}");
    sign_out(&b).await;

    b.goto(&link).await.unwrap();
    assert!(text(&b).await.contains("Noor Melder"));
    fill(&b, "password", "te kort").await;
    fill(&b, "password_repeat", "te kort").await;
    let action = link.split(&server.base).nth(1).unwrap().to_string();
    submit(&b, &action).await;
    assert!(text(&b).await.contains("minstens 12 tekens"));
    fill(&b, "password", "lente in de stad aan het IJ").await;
    fill(&b, "password_repeat", "lente in de stad aan het IJ").await;
    submit(&b, &action).await;
    assert!(text(&b).await.contains("Uw account is geactiveerd"));
    fill(&b, "email", "noor@amsterdam.demo").await;
    fill(&b, "password", "lente in de stad aan het IJ").await;
    submit(&b, "/aanmelden").await;
    // A reporter too sets up a second factor at the first sign-in (review L8).
    assert!(
        b.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/aanmelden/tweede-factor/instellen"),
        "{}",
        text(&b).await
    );
    let page = text(&b).await;
    assert!(
        page.contains("Bij elk account hoort een tweede stap"),
        "{page}"
    );
    let secret: String = b
        .find(By::Id("totp-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .split_whitespace()
        .collect();
    let code = totp_code_at(&secret, (now_ms() / 1000) as u64).unwrap();
    fill(&b, "code", &code).await;
    submit(&b, "/aanmelden/tweede-factor/instellen").await;
    assert!(
        b.find(By::Id("herstelcodes")).await.is_ok(),
        "{}",
        text(&b).await
    );
    click_and_wait(&b, "a[href='/start']").await;
    let main = text(&b).await;
    assert!(
        main.contains("Welkom, Noor Melder") && main.contains("Melder"),
        "{main}"
    );
    b.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_core_without_serious_or_critical_violations() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (server, _dir) = demo_server().await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    let mut problems = Vec::new();
    let mut check = |page: &str, v: Vec<String>| {
        for x in v {
            problems.push(format!("{page}: {x}"));
        }
    };

    b.goto(format!("{base}/aanmelden")).await.unwrap();
    check("sign-in", axe_violations(&b).await);
    // The sign-in form with an error shown.
    fill(&b, "email", "niemand@example.org").await;
    fill(&b, "password", "fout fout fout").await;
    submit(&b, "/aanmelden").await;
    check("sign-in with error", axe_violations(&b).await);
    b.goto(format!("{base}/bestaat-niet")).await.unwrap();
    check("404", axe_violations(&b).await);

    // The second step.
    fill_sign_in_first_step(&b, &base, "auditor@meldpunt.demo").await;
    check("second factor", axe_violations(&b).await);
    let code = totp_code_at(DEMO_TOTP_SECRET, (now_ms() / 1000) as u64).unwrap();
    fill(&b, "code", &code).await;
    submit(&b, "/aanmelden/tweede-factor").await;
    for path in [
        "/start",
        "/account",
        "/audit",
        "/audit/controle",
        "/beheer/bewaartermijnen",
        "/aanmelden/tweede-factor/instellen",
    ] {
        b.goto(format!("{base}{path}")).await.unwrap();
        check(&format!("auditor {path}"), axe_violations(&b).await);
    }
    sign_out(&b).await;

    sign_in(&b, &base, "beheer@meldpunt.demo").await;
    check("admin /start", axe_violations(&b).await);
    b.goto(format!("{base}/beheer/organisaties")).await.unwrap();
    check("organisations", axe_violations(&b).await);
    // The add-organisation form with an error.
    fill(&b, "code", "G").await;
    submit(&b, "/beheer/organisaties").await;
    check("organisations with error", axe_violations(&b).await);
    b.execute("window.__meldpuntOldPage = true;", vec![])
        .await
        .unwrap();
    b.find(By::LinkText("Meldpunt openbare orde (demo)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_new_page(&b).await;
    check("organisation", axe_violations(&b).await);
    // Blocking someone asks first, on a page of its own with a danger button.
    let org_page = b.current_url().await.unwrap();
    click_and_wait(&b, "a[href$='/blokkeren']").await;
    assert!(b.find(By::Css("button.mp-danger")).await.is_ok());
    check("confirm blocking", axe_violations(&b).await);
    b.goto(org_page.as_str()).await.unwrap();
    fill(&b, "token_name", "Koppeling gemeentesysteem").await;
    let action = b
        .find(By::Css("form[action$='/tokens']"))
        .await
        .unwrap()
        .attr("action")
        .await
        .unwrap()
        .unwrap();
    submit(&b, &action).await;
    check("organisation with new token", axe_violations(&b).await);
    sign_out(&b).await;

    // The data protection officer answers an access request.
    sign_in(&b, &base, "privacy@meldpunt.demo").await;
    check("privacy officer /start", axe_violations(&b).await);
    b.goto(format!("{base}/privacy/inzage")).await.unwrap();
    check("access request form", axe_violations(&b).await);
    submit(&b, "/privacy/inzage").await;
    assert!(text(&b).await.contains("Kies over wie het verzoek gaat"));
    check("access request with error", axe_violations(&b).await);
    click(&b, "kind-content").await;
    fill(
        &b,
        "value",
        "https://www.tiktok.com/@voorbeeld_demo/video/7000000000000000001",
    )
    .await;
    submit(&b, "/privacy/inzage").await;
    let page = text(&b).await;
    assert!(page.contains("Wat meldpunt bewaart"), "{page}");
    assert!(page.contains("@voorbeeld_demo"), "{page}");
    check("access request result", axe_violations(&b).await);
    click_and_wait(&b, "form[action='/privacy/raadplegingen'] button").await;
    check("view log of a person", axe_violations(&b).await);
    b.goto(format!(
        "{base}/privacy/raadplegingen?zaak=ZAAK-1999-000001"
    ))
    .await
    .unwrap();
    assert!(text(&b).await.contains("Er is geen zaak met dit kenmerk"));
    check("view log with error", axe_violations(&b).await);
    sign_out(&b).await;

    sign_in(&b, &base, "melder@amsterdam.demo").await;
    check("reporter /start", axe_violations(&b).await);
    b.goto(format!("{base}/account")).await.unwrap();
    check("reporter /account", axe_violations(&b).await);
    b.goto(format!("{base}/aanmelden/tweede-factor/instellen"))
        .await
        .unwrap();
    check("reporter enrolment", axe_violations(&b).await);
    b.quit().await.unwrap();
    assert!(
        problems.is_empty(),
        "axe-core found:\n{}",
        problems.join("\n")
    );
}

async fn fill_sign_in_first_step(b: &WebDriver, base: &str, email: &str) {
    b.goto(format!("{base}/aanmelden")).await.unwrap();
    fill(b, "email", email).await;
    fill(b, "password", DEMO_PASSWORD).await;
    submit(b, "/aanmelden").await;
}

/// Clicks a radio button or link by id and waits for nothing (no navigation).
async fn click(b: &WebDriver, id: &str) {
    b.find(By::Id(id)).await.unwrap().click().await.unwrap();
}

async fn click_and_wait(b: &WebDriver, css: &str) {
    let e = b.find(By::Css(css)).await.unwrap();
    click_element_and_wait(b, e).await;
}

/// Clicks an element found already and waits until the next page has loaded.
async fn click_element_and_wait(b: &WebDriver, e: thirtyfour::WebElement) {
    b.execute("window.__meldpuntOldPage = true;", vec![])
        .await
        .unwrap();
    e.click().await.unwrap();
    wait_for_new_page(b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_with_a_screenshot_reaches_the_queue_and_its_new_status_reaches_the_reporter() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let Some(tools) = crate::edges::tools() else {
        return;
    };
    let (_smtp, smtp_port, maildir) = crate::edges::start_smtp(&tools).await;
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let (server, _dir) = demo_server_with(&[
        ("MELDPUNT_SMTP_URL", &smtp_url),
        ("MELDPUNT_MAIL_FROM", "meldpunt <meldpunt@example.org>"),
    ])
    .await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    let mut problems = Vec::new();
    let screenshot = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(screenshot.path(), crate::support::PNG).unwrap();

    // The reporter: the form, first with a mistake, then complete with a screenshot.
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(format!("{base}/meldingen/nieuw")).await.unwrap();
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("report form: {v}")),
    );
    fill(&b, "link_url_1", "geen link").await;
    click_and_wait(&b, "form[action^='/meldingen/nieuw'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(
        page.contains("geen geldige link") && page.contains("Kies wat de inhoud doet"),
        "{page}"
    );
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("report form with errors: {v}")),
    );
    let link = "https://m.tiktok.com/@feest.haren/video/7301234567890999999?_t=8kZ&_r=1";
    fill(&b, "link_url_1", link).await;
    fill(&b, "link_remark_1", "Gedeeld in een groepsapp").await;
    b.find(By::Id("evidence_1"))
        .await
        .unwrap()
        .send_keys(screenshot.path().to_str().unwrap())
        .await
        .unwrap();
    click(&b, "category-call_to_gather").await;
    click(&b, "urgency-acute").await;
    fill(
        &b,
        "justification",
        "Oproep voor vanavond 21:00 op het Stationsplein",
    )
    .await;
    click_and_wait(&b, "form[action^='/meldingen/nieuw'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(
        page.contains("Uw melding is ontvangen onder kenmerk MLD-"),
        "{page}"
    );
    assert!(page.contains("tiktok.com/@feest.haren/video/7301234567890999999"));
    assert!(page.contains(".png"), "the screenshot is listed: {page}");
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("receipt: {v}")),
    );
    let report_url = b
        .current_url()
        .await
        .unwrap()
        .as_str()
        .replace("?ontvangen=1", "");
    let reference = page
        .split_whitespace()
        .find(|w| w.starts_with("MLD-"))
        .unwrap()
        .trim_end_matches('.')
        .to_string();
    b.goto(format!("{base}/meldingen")).await.unwrap();
    assert!(text(&b).await.contains(&reference));
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("my reports: {v}")),
    );
    // The reporter searches for the report by the video's account, through the search box.
    b.goto(format!("{base}/zoeken")).await.unwrap();
    b.find(By::Id("q"))
        .await
        .unwrap()
        .send_keys("@feest.haren")
        .await
        .unwrap();
    click_and_wait(&b, "form.mp-search button[type='submit']").await;
    assert!(text(&b).await.contains(&reference), "{}", text(&b).await);
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("search results: {v}")),
    );
    sign_out(&b).await;

    // The analyst: the acute case in the queue, taken up and moved on.
    sign_in(&b, &base, "analist@meldpunt.demo").await;
    b.goto(format!("{base}/zaken")).await.unwrap();
    let queue = text(&b).await;
    assert!(
        queue.contains("tiktok.com/@feest.haren/video/7301234567890999999"),
        "{queue}"
    );
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("queue: {v}")),
    );
    // A page beyond the last: said so, with the way back (the pagination links).
    b.goto(format!("{base}/zaken?pagina=2")).await.unwrap();
    assert!(text(&b).await.contains("Deze pagina bestaat niet"));
    b.find(By::Css("nav.mp-pagination a[rel='prev']"))
        .await
        .expect("a link to the previous page");
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("queue page 2: {v}")),
    );
    // A search that cannot be done says why, on the field.
    b.goto(format!("{base}/zoeken?q=+")).await.unwrap();
    assert!(text(&b).await.contains("Typ waarop u wilt zoeken"));
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("search refused: {v}")),
    );
    b.goto(format!("{base}/berichten")).await.unwrap();
    assert!(text(&b)
        .await
        .contains(&format!("Acute melding {reference}")));
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("notifications: {v}")),
    );
    b.goto(format!("{base}/zaken")).await.unwrap();
    click_and_wait(&b, "table.mp-queue tbody tr:first-child a").await;
    let case_url = b.current_url().await.unwrap().to_string();
    assert!(
        text(&b).await.contains(&reference),
        "the acute case tops the queue"
    );
    problems.extend(
        axe_violations(&b)
            .await
            .into_iter()
            .map(|v| format!("case: {v}")),
    );
    click_and_wait(&b, "form[action$='/oppakken'] button").await;
    assert!(text(&b).await.contains("In behandeling bij"));
    // The next step is the assessment; a status change by hand is under "Andere acties".
    assert!(!b
        .find(By::Id("status-in_triage"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    b.find(By::Css("#andere-acties > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&b, "status-in_triage").await;
    fill(&b, "note", "Wordt bekeken").await;
    click_and_wait(&b, "form[action$='/status'] button").await;
    assert_eq!(b.current_url().await.unwrap().to_string(), case_url);
    assert!(text(&b).await.contains("In triage"));
    sign_out(&b).await;

    // The reporter sees the new status and was told so.
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(&report_url).await.unwrap();
    assert!(text(&b).await.contains("In behandeling"));
    b.goto(format!("{base}/berichten")).await.unwrap();
    assert!(text(&b).await.contains(&format!(
        "Uw melding {reference} heeft een nieuwe status: In behandeling"
    )));
    b.quit().await.unwrap();

    // And the e-mail arrived at the SMTP server (the outbox sends every few seconds).
    let mut arrived = Vec::new();
    for _ in 0..100 {
        arrived = crate::edges::received(&maildir);
        if arrived
            .iter()
            .any(|m| m.contains("To: melder@amsterdam.demo") && m.contains(&reference))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // (The demo's own decisions mailed the reporter before: this is the one about this report.)
    let to_reporter = arrived
        .iter()
        .find(|m| m.contains("To: melder@amsterdam.demo") && m.contains(&reference))
        .expect("status mail to the reporter");
    assert!(to_reporter.contains(&format!(
        "Subject: [meldpunt] Nieuws over melding {reference}"
    )));
    assert!(to_reporter.contains("In behandeling"));
    assert!(arrived
        .iter()
        .any(|m| m.contains("To: analist@meldpunt.demo") && m.contains("Acute melding")));
    assert!(
        problems.is_empty(),
        "axe-core found:\n{}",
        problems.join("\n")
    );
}

async fn axe_on(b: &WebDriver, page: &str, problems: &mut Vec<String>) {
    problems.extend(
        axe_violations(b)
            .await
            .into_iter()
            .map(|v| format!("{page}: {v}")),
    );
}

async fn choose(b: &WebDriver, select: &str, value: &str) {
    b.find(By::Css(format!("#{select} option[value='{value}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The whole path of issue 4 in the browser, by four people: an administrator fills in
/// TikTok's point of contact, a municipality reports, an analyst assesses, a supervisor
/// approves, the notice reaches the platform's mailbox, the analyst records the answer
/// and the municipality reads the outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_assessed_approved_sent_and_answered_and_the_municipality_sees_the_outcome() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let Some(tools) = crate::edges::tools() else {
        return;
    };
    let (_smtp, smtp_port, sink) = crate::delivery::start_sink(&tools, 0.0);
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let (server, _dir) = demo_server_with(&[
        ("MELDPUNT_SMTP_URL", &smtp_url),
        ("MELDPUNT_MAIL_FROM", "meldpunt <meldpunt@meldpunt.demo>"),
    ])
    .await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    let mut problems = Vec::new();
    let contact = "dsa-meldingen@tiktok.example";

    // The administrator fills in TikTok's point of contact.
    sign_in(&b, &base, "beheer@meldpunt.demo").await;
    // The settings' three pages, each with its own job.
    b.goto(format!("{base}/beheer/berichten")).await.unwrap();
    assert!(text(&b).await.contains("Afzender en adressen"));
    axe_on(&b, "notice setup: sender", &mut problems).await;
    b.goto(format!("{base}/beheer/berichten/bevelen"))
        .await
        .unwrap();
    assert!(text(&b)
        .await
        .contains("geen wettelijke grondslag ingesteld"));
    axe_on(&b, "notice setup: orders", &mut problems).await;
    b.goto(format!("{base}/beheer/platforms")).await.unwrap();
    let page = text(&b).await;
    assert!(page.contains("Nog niet ingesteld"), "{page}");
    axe_on(&b, "notice setup: platforms", &mut problems).await;
    // Go to TikTok's entry by its link text.
    b.execute("window.__meldpuntOldPage = true;", vec![])
        .await
        .unwrap();
    b.find(By::XPath("//a[normalize-space()='TikTok']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_new_page(&b).await;
    axe_on(&b, "platform", &mut problems).await;
    click(&b, "channel-email").await;
    fill(&b, "contact_email", contact).await;
    click_and_wait(
        &b,
        "form[action^='/beheer/platforms/'] button[type='submit']",
    )
    .await;
    assert!(text(&b).await.contains(contact));
    sign_out(&b).await;

    // The municipality reports a TikTok video.
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(format!("{base}/meldingen/nieuw")).await.unwrap();
    fill(
        &b,
        "link_url_1",
        "https://www.tiktok.com/@rellen.ede/video/7301234567890111111",
    )
    .await;
    click(&b, "category-incitement").await;
    click(&b, "urgency-acute").await;
    fill(
        &b,
        "justification",
        "Oproep tot geweld tegen de politie, zaterdag",
    )
    .await;
    click_and_wait(&b, "form[action^='/meldingen/nieuw'] button[type='submit']").await;
    let report_url = b
        .current_url()
        .await
        .unwrap()
        .as_str()
        .replace("?ontvangen=1", "");
    sign_out(&b).await;

    // The analyst writes the assessment, first forgetting everything.
    sign_in(&b, &base, "analist@meldpunt.demo").await;
    b.goto(&report_url).await.unwrap();
    click_and_wait(&b, "main a[href^='/zaken/']").await;
    let case_url = b.current_url().await.unwrap().to_string();
    click_and_wait(&b, "a[href$='/beoordeling']").await;
    axe_on(&b, "assessment form", &mut problems).await;
    click_and_wait(&b, "form[action$='/beoordeling'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(
        page.contains("Schrijf de redenen voor het besluit op"),
        "{page}"
    );
    axe_on(&b, "assessment form with errors", &mut problems).await;
    // The form at work: the case's content in a panel that stays in view, a provision's
    // elements only once it is ticked, text areas as wide as the column.
    let elements_shown = "const e = document.getElementById('provisions-art-131-sr').parentElement.nextElementSibling; \
                          return e.classList.contains('mp-elements') && getComputedStyle(e).display !== 'none';";
    let shown = b.execute(elements_shown, vec![]).await.unwrap();
    assert_eq!(shown.json(), &serde_json::json!(false));
    let looks = b
        .execute(
            "const a = document.querySelector('aside.mp-aside'); const t = document.getElementById('facts'); \
             return [getComputedStyle(a).position, a.textContent.includes('tiktok.com'), \
                     Math.abs(t.getBoundingClientRect().width - t.closest('form').getBoundingClientRect().width) < 2, \
                     document.querySelectorAll('.mp-section-index a').length];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(looks.json(), &serde_json::json!(["sticky", true, true, 5]));
    click(&b, "class-illegal").await;
    click(&b, "provisions-art-131-sr").await;
    let shown = b.execute(elements_shown, vec![]).await.unwrap();
    assert_eq!(shown.json(), &serde_json::json!(true));
    fill_assessment(
        &b,
        "De video roept op zaterdag om 21:00 bij het station de politie met stenen te bekogelen.",
        (
            "Vanaf 0:12",
            "zaterdag 21:00",
            "Ede, station",
            "12.000 weergaven",
        ),
    )
    .await;
    click_and_wait(&b, "form[action$='/beoordeling'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(page.contains("Wacht op goedkeuring"), "{page}");
    axe_on(&b, "case awaiting approval", &mut problems).await;
    sign_out(&b).await;

    // A supervisor approves.
    sign_in(&b, &base, "supervisor@meldpunt.demo").await;
    b.goto(&case_url).await.unwrap();
    axe_on(&b, "case for the supervisor", &mut problems).await;
    click(&b, "verdict-approve").await;
    click_and_wait(&b, "form[action$='/goedkeuring'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(page.contains("Goedgekeurd"), "{page}");
    // A legal hold: without a reason it is refused, with one it shows on the case and on
    // the retention page, and it can be lifted.
    b.goto(&case_url).await.unwrap();
    click_and_wait(&b, "form[action$='/bewaarplicht'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(page.contains("Geef de reden van de bewaarplicht"), "{page}");
    axe_on(&b, "case with a refused legal hold", &mut problems).await;
    fill(
        &b,
        "reason",
        "Lopend strafrechtelijk onderzoek (OM Oost-Nederland)",
    )
    .await;
    click_and_wait(&b, "form[action$='/bewaarplicht'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(
        page.contains("Deze zaak valt onder een bewaarplicht"),
        "{page}"
    );
    assert!(page.contains("OM Oost-Nederland"), "{page}");
    b.goto(format!("{base}/beheer/bewaartermijnen"))
        .await
        .unwrap();
    let page = text(&b).await;
    assert!(page.contains("OM Oost-Nederland"), "{page}");
    assert!(page.contains("5 jaar"), "{page}");
    axe_on(&b, "retention schedule", &mut problems).await;
    b.goto(&case_url).await.unwrap();
    click_and_wait(
        &b,
        "form[action$='/bewaarplicht/opheffen'] button[type='submit']",
    )
    .await;
    let page = text(&b).await;
    assert!(page.contains("Geen bewaarplicht"), "{page}");
    sign_out(&b).await;

    // The notice reaches TikTok's mailbox.
    let mut to_tiktok = Vec::new();
    for _ in 0..100 {
        to_tiktok = crate::delivery::arrived(&sink)
            .into_iter()
            .filter(|m| m["to"].as_str().unwrap_or_default().contains(contact))
            .collect();
        if !to_tiktok.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(to_tiktok.len(), 1);
    let body = to_tiktok[0]["body"].as_str().unwrap();
    assert!(body.contains("art. 131 Sr (opruiing)"));
    assert!(body.contains("tiktok.com/@rellen.ede/video/7301234567890111111"));
    assert!(body.contains("meldpunt@meldpunt.demo"));

    // The analyst records TikTok's answer.
    sign_in(&b, &base, "analist@meldpunt.demo").await;
    b.goto(&case_url).await.unwrap();
    assert!(text(&b).await.contains("Verstuurd"));
    click_and_wait(&b, "a[href^='/kennisgevingen/']").await;
    axe_on(&b, "notice", &mut problems).await;
    choose(&b, "outcome_0", "removed").await;
    click_and_wait(&b, "form[action$='/antwoord'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(page.contains("Verwijderd"), "{page}");
    sign_out(&b).await;

    // The municipality reads the outcome.
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(&report_url).await.unwrap();
    let page = text(&b).await;
    assert!(
        page.contains("Het platform heeft de inhoud verwijderd."),
        "{page}"
    );
    axe_on(&b, "report with outcome", &mut problems).await;
    b.goto(format!("{base}/berichten")).await.unwrap();
    assert!(text(&b).await.contains("antwoord van het platform"));
    b.quit().await.unwrap();
    assert!(
        problems.is_empty(),
        "axe-core found:\n{}",
        problems.join("\n")
    );
}

/// The computed font family of the first element `css` finds, and whether a font face of its
/// first family was loaded from meldpunt (not a fallback the system supplies).
async fn typeface_of(b: &WebDriver, css: &str) -> (String, bool) {
    let ret = b
        .execute(
            "const e = document.querySelector(arguments[0]); \
             if (!e) { return ['missing: ' + arguments[0], false]; } \
             const f = getComputedStyle(e).fontFamily; \
             const first = f.split(',')[0].replace(/[\"']/g, '').trim(); \
             return document.fonts.load('1em ' + f).then(() => [f, \
               [...document.fonts].some(x => x.family.replace(/[\"']/g, '') === first && x.status === 'loaded')]);",
            vec![Value::String(css.to_string())],
        )
        .await
        .unwrap();
    let v = ret.json();
    (
        v[0].as_str().unwrap_or_default().to_string(),
        v[1].as_bool().unwrap_or(false),
    )
}

/// How much wider than the window the page is, in CSS pixels (0: no horizontal scrolling).
async fn overflow(b: &WebDriver) -> i64 {
    b.execute(
        "return document.documentElement.scrollWidth - window.innerWidth;",
        vec![],
    )
    .await
    .unwrap()
    .json()
    .as_i64()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shipped_typeface_and_an_error_summary_that_takes_focus() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (server, _dir) = demo_server().await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(format!("{base}/meldingen/nieuw")).await.unwrap();
    // Sent empty: the error summary.
    click_and_wait(&b, "form[action^='/meldingen/nieuw'] button[type='submit']").await;
    let title = b.title().await.unwrap();
    assert!(title.starts_with("Fout: "), "{title}");
    let focused = b
        .execute(
            "return document.activeElement.className + ' / ' + document.activeElement.textContent;",
            vec![],
        )
        .await
        .unwrap();
    let focused = focused.json().as_str().unwrap_or_default().to_string();
    assert!(
        focused.starts_with("mp-error-summary") && focused.contains("Er is een probleem"),
        "focus on: {focused}"
    );
    // Its heading above its list, on one line at a phone's width.
    b.set_window_rect(0, 0, 390, 844).await.unwrap();
    let layout = b
        .execute(
            "const h = document.querySelector('.mp-error-summary__title').getBoundingClientRect(); \
             const l = document.querySelector('.mp-error-summary__list').getBoundingClientRect(); \
             const line = parseFloat(getComputedStyle(document.querySelector('.mp-error-summary__title')).lineHeight); \
             return [h.bottom <= l.top, Math.round(h.height / line)];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        layout.json(),
        &serde_json::json!([true, 1]),
        "heading above list, one line"
    );
    // One typeface everywhere, the shipped one, loaded: body text, headings, legends, help
    // texts, error messages, data lists, summaries, form controls.
    for css in [
        "body",
        "h1",
        "legend",
        ".utrecht-form-field-description",
        ".mp-error-text",
        ".mp-error-summary__list a",
        ".mp-add-link .utrecht-form-label",
        "select",
        "input[type='file']",
        "button",
    ] {
        let (family, loaded) = typeface_of(&b, css).await;
        assert!(
            family.starts_with("\"Noto Sans\"") && loaded,
            "{css}: {family} (loaded: {loaded})"
        );
    }
    // Selects show their chevron; form groups have no browser border (the legend heads them).
    let looks = b
        .execute(
            "return [getComputedStyle(document.querySelector('select')).backgroundImage.includes('svg'), \
                     getComputedStyle(document.querySelector('fieldset')).borderTopStyle];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(looks.json(), &serde_json::json!([true, "none"]));
    // "Call 112" appears when acute is chosen, and not before.
    let call = b.find(By::Id("bel-112")).await.unwrap();
    assert!(!call.is_displayed().await.unwrap());
    b.find(By::Css("label[for='urgency-acute']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(call.is_displayed().await.unwrap());
    assert!(call.text().await.unwrap().contains("Bel 112"));
    b.set_window_rect(0, 0, 1280, 1000).await.unwrap();
    b.goto(format!("{base}/start")).await.unwrap();
    for css in ["body", ".mp-stat", "dd", "summary"] {
        if b.find(By::Css(css)).await.is_err() {
            continue;
        }
        let (family, loaded) = typeface_of(&b, css).await;
        assert!(
            family.starts_with("\"Noto Sans\"") && loaded,
            "/start {css}: {family} (loaded: {loaded})"
        );
    }
    // A reporter's pages on a phone and on a desktop: no horizontal scrolling.
    b.goto(format!("{base}/meldingen")).await.unwrap();
    let report = b
        .find(By::Css("td a[href^='/meldingen/']"))
        .await
        .expect("a report in the demo data")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let mut wide = Vec::new();
    for (w, h) in [(390, 844), (1280, 1000)] {
        b.set_window_rect(0, 0, w, h).await.unwrap();
        for page in [
            "/start",
            "/meldingen",
            "/meldingen/nieuw",
            report.as_str(),
            "/account",
        ] {
            b.goto(format!("{base}{page}")).await.unwrap();
            let over = overflow(&b).await;
            if over > 0 {
                wide.push(format!("{page} at {w} px: {over} px too wide"));
            }
        }
    }
    assert!(wide.is_empty(), "{wide:#?}");
    b.quit().await.unwrap();
}

/// Who signs in (staff or not) and which pages (file name, path) are taken.
type Shots = (&'static str, &'static [(&'static str, &'static str)]);

/// Not a test: writes screenshots of the main pages at a phone's and a desktop's width to
/// `docs/screenshots/` (run by `scripts/screenshots.sh`, which needs chromium).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/screenshots; run scripts/screenshots.sh"]
async fn write_screenshots_of_the_main_pages() {
    let driver = start_driver().await.expect("chromedriver");
    let (server, _dir) = demo_server().await;
    let base = server.base.clone();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&out).unwrap();
    // A fresh demo: case 1 is the copied invitation, case 2 the weapons list (with a
    // screenshot, its assessment awaiting approval); report 1 is Amsterdam's first.
    let shots: [Shots; 4] = [
        (
            "melder@amsterdam.demo",
            &[
                ("reporter-start", "/start"),
                ("reporter-new-report", "/meldingen/nieuw"),
                ("reporter-my-reports", "/meldingen"),
                ("reporter-receipt", "/meldingen/1"),
                ("reporter-situation", "/situaties/1"),
            ],
        ),
        (
            "analist@meldpunt.demo",
            &[
                ("analyst-start", "/start"),
                ("analyst-queue", "/zaken"),
                ("analyst-case", "/zaken/1"),
                ("analyst-assessment-form", "/zaken/1/beoordeling"),
                ("analyst-search", "/zoeken?q=oproep"),
                ("analyst-situation", "/situaties/1"),
                ("analyst-map", "/kaart"),
            ],
        ),
        (
            "supervisor@meldpunt.demo",
            &[("supervisor-approval", "/zaken/2#volgende-stap")],
        ),
        (
            "beheer@meldpunt.demo",
            &[
                ("admin-platforms", "/beheer/platforms"),
                ("admin-organisations", "/beheer/organisaties"),
            ],
        ),
    ];
    for (email, pages) in shots {
        let b = browser(&driver).await;
        b.goto(format!("{base}/aanmelden")).await.unwrap();
        b.screenshot(&out.join("sign-in-1280.png")).await.unwrap();
        sign_in(&b, &base, email).await;
        for (w, h) in [(390, 844), (1280, 1000)] {
            b.set_window_rect(0, 0, w, h).await.unwrap();
            for (name, page) in pages {
                b.goto(format!("{base}{page}")).await.unwrap();
                b.screenshot(&out.join(format!("{name}-{w}.png")))
                    .await
                    .unwrap();
            }
        }
        b.quit().await.unwrap();
    }
}

/// Every page meldpunt has, as the person who uses it sees it on the demo data.
struct Visit {
    who: Option<&'static str>,
    paths: Vec<String>,
}

/// The demo's objects the pages are about, read from its database.
async fn demo_ids(url: &str) -> (i64, i64, i64, i64, i64, i64, i64, i64) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let one = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get::<i64, _>(0)
                .unwrap()
        }
    };
    (
        // Amsterdam's first report, Rotterdam's report of the weapons list and its case.
        one("SELECT MIN(r.id) FROM reports r JOIN organisations o ON o.id = r.org_id WHERE o.code = 'GM0363'").await,
        one("SELECT r.id FROM reports r JOIN evidence e ON e.report_id = r.id").await,
        one("SELECT id FROM cases WHERE platform = 'telegram'").await,
        one("SELECT MIN(id) FROM evidence").await,
        one("SELECT id FROM organisations WHERE code = 'MELDPUNT'").await,
        one("SELECT id FROM organisations WHERE code = 'GM0363'").await,
        one("SELECT id FROM users WHERE email = 'analist@meldpunt.demo'").await,
        one("SELECT id FROM platforms WHERE key = 'telegram'").await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_a_desktop_and_passes_axe_core() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (server, dir) = demo_server().await;
    let url = meldpunt::store::sqlite_url(&dir.path().join("meldpunt.db"));
    let (ams_report, rdam_report, case, evidence, central, ams, analyst, telegram) =
        demo_ids(&url).await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    let p = |s: &str| s.to_string();
    let visits = [
        Visit {
            who: None,
            paths: vec![
                p("/aanmelden"),
                p("/bestaat-niet"),
                p("/transparantie"),
                p("/transparantie?jaar=2019"),
            ],
        },
        Visit {
            who: Some("melder@amsterdam.demo"),
            paths: vec![
                p("/start"),
                p("/meldingen/nieuw"),
                p("/meldingen"),
                format!("/meldingen/{ams_report}"),
                format!("/meldingen/{ams_report}/intrekken"),
                p("/zoeken?q=evenement"),
                p("/berichten"),
                p("/account"),
                p("/situaties"),
                p("/situaties/1"),
                p("/kaart"),
            ],
        },
        Visit {
            who: Some("melder@rotterdam.demo"),
            paths: vec![
                format!("/meldingen/{rdam_report}"),
                format!("/bewijs/{evidence}/gegevens"),
            ],
        },
        Visit {
            who: Some("analist@meldpunt.demo"),
            paths: vec![
                p("/start"),
                p("/zaken"),
                p("/zaken?zaken=mijn"),
                p("/zaken?sorteer=termijn"),
                format!("/zaken/{case}"),
                p("/zaken/1"),
                p("/zaken/1/beoordeling"),
                format!("/meldingen/{rdam_report}"),
                format!("/bewijs/{evidence}/gegevens"),
                p("/zoeken?q=oproep"),
                p("/correcties"),
                p("/berichten"),
                p("/situaties"),
                p("/situaties/1"),
                p("/situaties/nieuw?gemeente=GM0599"),
                p("/kaart"),
                p("/kaart?venster=24u&fase=mobilisation"),
            ],
        },
        Visit {
            who: Some("supervisor@meldpunt.demo"),
            paths: vec![p("/zaken?zaken=goedkeuring"), format!("/zaken/{case}")],
        },
        Visit {
            who: Some("beheer@meldpunt.demo"),
            paths: vec![
                p("/start"),
                p("/beheer/organisaties"),
                format!("/beheer/organisaties/{central}"),
                format!("/beheer/gebruikers/{analyst}"),
                format!("/beheer/gebruikers/{analyst}/reset"),
                format!("/beheer/gebruikers/{analyst}/blokkeren"),
                p("/beheer/berichten"),
                p("/beheer/berichten/bevelen"),
                p("/beheer/platforms"),
                format!("/beheer/platforms/{telegram}"),
            ],
        },
        Visit {
            who: Some("beheer@amsterdam.demo"),
            paths: vec![p("/start"), format!("/beheer/organisaties/{ams}")],
        },
        Visit {
            who: Some("auditor@meldpunt.demo"),
            paths: vec![p("/start"), p("/audit"), p("/audit/controle")],
        },
        Visit {
            who: Some("privacy@meldpunt.demo"),
            paths: vec![
                p("/start"),
                p("/privacy/inzage"),
                p("/privacy/raadplegingen?zaak=ZAAK-2026-000001"),
                p("/beheer/bewaartermijnen"),
            ],
        },
    ];
    let mut wide = Vec::new();
    let mut hidden = Vec::new();
    let mut problems = Vec::new();
    let mut serif = Vec::new();
    let mut seen = 0;
    for v in &visits {
        if let Some(email) = v.who {
            sign_in(&b, &base, email).await;
        }
        for (w, h) in [(390, 844), (1280, 1000)] {
            b.set_window_rect(0, 0, w, h).await.unwrap();
            for page in &v.paths {
                b.goto(format!("{base}{page}")).await.unwrap();
                seen += 1;
                let over = overflow(&b).await;
                if over > 0 {
                    let culprits = b
                        .execute(
                            "return [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.mp-table-wrap')).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('; ');",
                            vec![],
                        )
                        .await
                        .unwrap();
                    wide.push(format!(
                        "{page} at {w} px: {over} px too wide ({})",
                        culprits.json()
                    ));
                }
                // The start page's main action is on the first screen.
                if page == "/start" {
                    let below = b
                        .execute(
                            "const a = document.querySelector('.mp-main-action'); \
                             return a ? a.getBoundingClientRect().bottom - window.innerHeight : 9999;",
                            vec![],
                        )
                        .await
                        .unwrap();
                    if below.json().as_f64().unwrap_or(9999.0) > 0.0 {
                        hidden.push(format!("{:?} /start at {w} px", v.who));
                    }
                }
                if w == 1280 {
                    axe_on(&b, &format!("{:?} {page}", v.who), &mut problems).await;
                    // One typeface: every element with text of its own is in Noto Sans
                    // (code in monospace), never a serif fallback.
                    let other = b
                        .execute(
                            "return [...document.querySelectorAll('body *')].filter(e => \
                             [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) \
                             && e.getClientRects().length \
                             && !/^\"?Noto Sans/.test(getComputedStyle(e).fontFamily) \
                             && !/monospace/.test(getComputedStyle(e).fontFamily)) \
                             .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + getComputedStyle(e).fontFamily).join('; ');",
                            vec![],
                        )
                        .await
                        .unwrap();
                    let other = other.json().as_str().unwrap_or("").to_string();
                    if !other.is_empty() {
                        serif.push(format!("{page}: {other}"));
                    }
                }
            }
        }
        if v.who.is_some() {
            sign_out(&b).await;
        }
    }
    // The supervisor approves; the notice's page is the last page there is.
    sign_in(&b, &base, "supervisor@meldpunt.demo").await;
    b.goto(format!("{base}/zaken/{case}")).await.unwrap();
    click(&b, "verdict-approve").await;
    click_and_wait(&b, "form[action$='/goedkeuring'] button").await;
    click_and_wait(&b, "a[href^='/kennisgevingen/']").await;
    for (w, h) in [(390, 844), (1280, 1000)] {
        b.set_window_rect(0, 0, w, h).await.unwrap();
        b.refresh().await.unwrap();
        let over = overflow(&b).await;
        if over > 0 {
            wide.push(format!("notice page at {w} px: {over} px too wide"));
        }
    }
    axe_on(&b, "notice page", &mut problems).await;
    b.quit().await.unwrap();
    assert!(seen > 80, "{seen} page views");
    assert!(wide.is_empty(), "{wide:#?}");
    assert!(serif.is_empty(), "not in the one typeface: {serif:#?}");
    assert!(
        hidden.is_empty(),
        "main action below the first screen: {hidden:#?}"
    );
    assert!(
        problems.is_empty(),
        "axe-core found:\n{}",
        problems.join("\n")
    );
}

/// Presses Tab (in the focused element) until the focus is on an element `css` matches.
async fn tab_to(b: &WebDriver, css: &str) {
    for _ in 0..300 {
        let here = b
            .execute(
                "return document.activeElement.matches(arguments[0]);",
                vec![Value::String(css.to_string())],
            )
            .await
            .unwrap();
        if here.json().as_bool() == Some(true) {
            return;
        }
        b.action_chain()
            .send_keys(Key::Tab)
            .perform()
            .await
            .unwrap();
    }
    panic!("Tab never reached {css}");
}

/// Types into the focused element.
async fn type_text(b: &WebDriver, text: &str) {
    b.action_chain().send_keys(text).perform().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_sends_two_links_and_a_screenshot_with_the_keyboard_only() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (server, _dir) = demo_server().await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    let screenshot = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(screenshot.path(), crate::support::PNG).unwrap();
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(format!("{base}/meldingen/nieuw")).await.unwrap();
    tab_to(&b, "#link_url_1").await;
    type_text(
        &b,
        "https://www.tiktok.com/@toetsenbord/video/7301234567890000001",
    )
    .await;
    // The screenshot: the file field takes the path typed to it (the keyboard's way of
    // choosing a file in WebDriver).
    tab_to(&b, "#evidence_1").await;
    b.active_element()
        .await
        .unwrap()
        .send_keys(screenshot.path().to_str().unwrap())
        .await
        .unwrap();
    // The second link appears when "Nog een link toevoegen" is ticked with the space bar;
    // before that it cannot be reached.
    assert!(!b
        .find(By::Id("link_url_2"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    tab_to(&b, "#add-link-2").await;
    b.action_chain()
        .send_keys(Key::Space)
        .perform()
        .await
        .unwrap();
    tab_to(&b, "#link_url_2").await;
    assert!(!b
        .find(By::Id("link_url_3"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    type_text(&b, "https://x.com/toetsenbord/status/1790000000000000002").await;
    // Radio groups: Tab into the group, the arrow keys choose.
    tab_to(&b, "input[name='category']").await;
    b.action_chain()
        .send_keys(Key::Space)
        .perform()
        .await
        .unwrap();
    tab_to(&b, "input[name='urgency']").await;
    for _ in 0..4 {
        let acute = b
            .execute(
                "return document.getElementById('urgency-acute').checked;",
                vec![],
            )
            .await
            .unwrap();
        if acute.json().as_bool() == Some(true) {
            break;
        }
        b.action_chain()
            .send_keys(Key::Down)
            .perform()
            .await
            .unwrap();
    }
    tab_to(&b, "#justification").await;
    type_text(&b, "Oproep voor vanavond 21:00 op het Stationsplein").await;
    tab_to(&b, "form[action^='/meldingen/nieuw'] button[type='submit']").await;
    b.execute("window.__meldpuntOldPage = true;", vec![])
        .await
        .unwrap();
    b.action_chain()
        .send_keys(Key::Enter)
        .perform()
        .await
        .unwrap();
    wait_for_new_page(&b).await;
    let page = text(&b).await;
    assert!(
        page.contains("Uw melding is ontvangen onder kenmerk MLD-"),
        "{page}"
    );
    assert!(
        page.contains("tiktok.com/@toetsenbord/video/7301234567890000001"),
        "{page}"
    );
    assert!(
        page.contains("x.com/toetsenbord/status/1790000000000000002"),
        "{page}"
    );
    assert!(page.contains(".png"), "the screenshot is listed: {page}");
    b.quit().await.unwrap();
}

/// Fills in the rest of an assessment form (class and provision already chosen): the facts,
/// where in the content, the risk (time, place, reach), the rights and proportionality test,
/// and a DSA art. 16 notice as the decision with its category and reasons.
async fn fill_assessment(
    b: &WebDriver,
    facts: &str,
    (locating, time, place, reach): (&str, &str, &str, &str),
) {
    fill(b, "facts", facts).await;
    fill(b, "locating", locating).await;
    fill(b, "risk_time", time).await;
    fill(b, "risk_place", place).await;
    fill(b, "risk_reach", reach).await;
    click(b, "phase-mobilisation").await;
    click(b, "no_protected_speech").await;
    fill(
        b,
        "rights_reasoning",
        "Geen politieke boodschap; alleen een oproep tot geweld.",
    )
    .await;
    click(b, "lighter_steps-monitoring").await;
    fill(
        b,
        "proportionality",
        "Volgen volstaat niet: de oproep wordt snel gedeeld.",
    )
    .await;
    click(b, "decision-dsa-art16-notice").await;
    choose(b, "category", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY").await;
    fill(
        b,
        "reasons",
        "Concrete oproep tot geweld tegen de politie, met tijd en plaats.",
    )
    .await;
}

/// Sets a platform's e-mail point of contact through its page, as the administrator.
async fn set_contact(b: &WebDriver, base: &str, platform: &str, contact: &str) {
    b.goto(format!("{base}/beheer/platforms")).await.unwrap();
    b.execute("window.__meldpuntOldPage = true;", vec![])
        .await
        .unwrap();
    b.find(By::XPath(format!("//a[normalize-space()='{platform}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_new_page(b).await;
    click(b, "channel-email").await;
    fill(b, "contact_email", contact).await;
    click_and_wait(
        b,
        "form[action^='/beheer/platforms/'] button[type='submit']",
    )
    .await;
    assert!(text(b).await.contains(contact));
}

/// Reports one link through the form as the reporter; returns the report's address.
async fn report_link(b: &WebDriver, base: &str, email: &str, url: &str) -> String {
    sign_in(b, base, email).await;
    b.goto(format!("{base}/meldingen/nieuw")).await.unwrap();
    fill(b, "link_url_1", url).await;
    click(b, "category-incitement").await;
    click(b, "urgency-acute").await;
    fill(
        b,
        "justification",
        "Oproep om zaterdag de politie aan te vallen",
    )
    .await;
    click_and_wait(b, "form[action^='/meldingen/nieuw'] button[type='submit']").await;
    let report_url = b
        .current_url()
        .await
        .unwrap()
        .as_str()
        .replace("?ontvangen=1", "");
    sign_out(b).await;
    report_url
}

/// Waits until the SMTP test server holds `n` messages to `to`; returns them.
async fn mail_to(sink: &tempfile::TempDir, to: &str, n: usize) -> Vec<Value> {
    for _ in 0..150 {
        let got: Vec<Value> = crate::delivery::arrived(sink)
            .into_iter()
            .filter(|m| m["to"].as_str().unwrap_or_default().contains(to))
            .collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message to {to} arrived");
}

/// One decision for many copies, in the browser (issue 13): three copies of one call on two
/// platforms, reported by three municipalities → one situation → one group assessment → one
/// approval → one notice per platform (both arrive at the SMTP test server with every URL) →
/// the platforms' answers → each municipality reads its own outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_copies_get_one_group_decision_and_one_notice_per_platform() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let Some(tools) = crate::edges::tools() else {
        return;
    };
    let (_smtp, smtp_port, sink) = crate::delivery::start_sink(&tools, 0.0);
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let (server, _dir) = demo_server_with(&[
        ("MELDPUNT_SMTP_URL", &smtp_url),
        ("MELDPUNT_MAIL_FROM", "meldpunt <meldpunt@meldpunt.demo>"),
    ])
    .await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    let mut problems = Vec::new();
    let (tiktok, telegram) = ("dsa-meldingen@tiktok.example", "abuse@telegram.example");
    let telegram_url = "https://t.me/oproep_zaterdag/5120";
    let tiktok_1 = "https://www.tiktok.com/@oproep.zaterdag/video/7301234567890222221";
    let tiktok_2 = "https://www.tiktok.com/@rellen.nl/video/7301234567890222222";

    sign_in(&b, &base, "beheer@meldpunt.demo").await;
    set_contact(&b, &base, "TikTok", tiktok).await;
    set_contact(&b, &base, "Telegram", telegram).await;
    sign_out(&b).await;

    // Three municipalities report three copies.
    let reports = [
        report_link(&b, &base, "melder@rotterdam.demo", telegram_url).await,
        report_link(&b, &base, "melder@amsterdam.demo", tiktok_1).await,
        report_link(&b, &base, "melder@utrecht.demo", tiktok_2).await,
    ];

    // The analyst links the three cases to the demo's situation and marks them as one
    // message.
    sign_in(&b, &base, "analist@meldpunt.demo").await;
    let mut case_ids = Vec::new();
    for r in &reports {
        b.goto(r).await.unwrap();
        click_and_wait(&b, "main a[href^='/zaken/']").await;
        let url = b.current_url().await.unwrap();
        case_ids.push(url.path().trim_start_matches("/zaken/").to_string());
    }
    b.goto(format!("{base}/situaties/1")).await.unwrap();
    assert!(text(&b).await.contains("avondklok"));
    for id in &case_ids {
        fill(&b, "case", id).await;
        click_and_wait(&b, "form:has(#case) button[type='submit']").await;
    }
    let page = text(&b).await;
    assert!(page.contains("Groepen: hetzelfde bericht"), "{page}");
    axe_on(&b, "situation with groups", &mut problems).await;
    for id in &case_ids {
        click(&b, &format!("group_case_{id}")).await;
    }
    fill(
        &b,
        "group_title",
        "Afbeelding 'zaterdag 20:00, neem stenen mee'",
    )
    .await;
    submit(&b, "/situaties/1/groepen").await;
    let group_url = b.current_url().await.unwrap().to_string();
    assert!(group_url.contains("/situaties/1/groepen/"), "{group_url}");
    let page = text(&b).await;
    for host in ["t.me/oproep_zaterdag", "@oproep.zaterdag", "@rellen.nl"] {
        assert!(page.contains(host), "{host} in the group: {page}");
    }
    axe_on(&b, "group", &mut problems).await;

    // One group assessment.
    click_and_wait(&b, "main a[href$='/beoordeling']").await;
    axe_on(&b, "group assessment form", &mut problems).await;
    click(&b, "class-illegal").await;
    click(&b, "provisions-art-131-sr").await;
    fill_assessment(
        &b,
        "Dezelfde afbeelding roept in drie steden op om zaterdag 20:00 de politie met stenen aan te vallen.",
        (
            "De afbeelding bovenaan het bericht",
            "zaterdag 20:00",
            "Rotterdam, Amsterdam, Utrecht",
            "In tientallen groepen gedeeld",
        ),
    )
    .await;
    click_and_wait(&b, "form[action$='/beoordeling'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(page.contains("Wacht op goedkeuring"), "{page}");
    sign_out(&b).await;

    // One approval: the supervisor reads both messages first.
    sign_in(&b, &base, "supervisor@meldpunt.demo").await;
    b.goto(&group_url).await.unwrap();
    let page = text(&b).await;
    assert!(page.contains(tiktok) && page.contains(telegram), "{page}");
    axe_on(&b, "group for the supervisor", &mut problems).await;
    click(&b, "verdict-approve").await;
    click_and_wait(&b, "form[action$='/goedkeuring'] button[type='submit']").await;
    let page = text(&b).await;
    assert!(page.contains("Goedgekeurd"), "{page}");
    sign_out(&b).await;

    // One notice per platform, each with every URL of that platform.
    let to_tiktok = mail_to(&sink, tiktok, 1).await;
    let to_telegram = mail_to(&sink, telegram, 1).await;
    assert_eq!(to_tiktok.len(), 1);
    assert_eq!(to_telegram.len(), 1);
    let body = to_tiktok[0]["body"].as_str().unwrap();
    assert!(body.contains("@oproep.zaterdag/video/7301234567890222221"));
    assert!(body.contains("@rellen.nl/video/7301234567890222222"));
    assert!(!body.contains("t.me/"));
    let body = to_telegram[0]["body"].as_str().unwrap();
    assert!(body.contains("t.me/oproep_zaterdag/5120"));
    assert!(!body.contains("tiktok.com"));

    // The analyst records the answers: Telegram removed; TikTok removed one, disabled the
    // other in the Netherlands.
    sign_in(&b, &base, "analist@meldpunt.demo").await;
    for (i, id) in case_ids.iter().enumerate().take(2) {
        b.goto(format!("{base}/zaken/{id}")).await.unwrap();
        click_and_wait(&b, "a[href^='/kennisgevingen/']").await;
        if i == 1 {
            axe_on(&b, "group notice", &mut problems).await;
        }
        // Each URL of the notice gets an answer; the first copy's URLs "removed", the
        // second's "disabled in NL".
        let urls: Vec<String> = {
            let mut out = Vec::new();
            for label in b
                .find_all(By::Css("form[action$='/antwoord'] legend"))
                .await
                .unwrap()
            {
                out.push(label.text().await.unwrap());
            }
            out
        };
        assert!(!urls.is_empty(), "the answer form lists the notice's URLs");
        for (n, url) in urls.iter().enumerate() {
            let outcome = if url.contains("@rellen.nl") {
                "disabled-nl"
            } else {
                "removed"
            };
            choose(&b, &format!("outcome_{n}"), outcome).await;
        }
        click_and_wait(&b, "form[action$='/antwoord'] button[type='submit']").await;
    }
    sign_out(&b).await;

    // Each municipality reads its own outcome.
    for (email, report, expect) in [
        (
            "melder@rotterdam.demo",
            &reports[0],
            "Het platform heeft de inhoud verwijderd.",
        ),
        (
            "melder@amsterdam.demo",
            &reports[1],
            "Het platform heeft de inhoud verwijderd.",
        ),
        (
            "melder@utrecht.demo",
            &reports[2],
            "Het platform heeft de inhoud in Nederland onbereikbaar gemaakt.",
        ),
    ] {
        sign_in(&b, &base, email).await;
        b.goto(report).await.unwrap();
        let page = text(&b).await;
        assert!(page.contains(expect), "{email}: {page}");
        sign_out(&b).await;
    }
    b.quit().await.unwrap();
    assert!(
        problems.is_empty(),
        "axe-core found:\n{}",
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_copy_is_proposed_on_the_case_page_and_confirming_it_joins_the_group() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (server, _dir) = demo_server().await;
    let base = server.base.clone();
    let b = browser(&driver).await;
    let mut problems = Vec::new();

    // A municipality reports the demo's weapons list once more, re-typed, on Snapchat.
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(format!("{base}/meldingen/nieuw")).await.unwrap();
    axe_on(&b, "report form with content text", &mut problems).await;
    fill(&b, "link_url_1", "https://www.snapchat.com/add/rellen_demo").await;
    fill(
        &b,
        "link_text_1",
        "morgen 20:00 Rotterdam-Zuid Beijerlandselaan!!! avondklok? WIJ NIET. neem mee: stenen, vuurwerk, bivakmuts 🔥 deel dit in je groepen",
    )
    .await;
    click(&b, "category-incitement").await;
    click(&b, "urgency-high").await;
    fill(&b, "justification", "Zelfde wapenlijst, nu op Snapchat").await;
    click_and_wait(&b, "form[action^='/meldingen/nieuw'] button[type='submit']").await;
    let report_page = b.current_url().await.unwrap().to_string();
    assert!(
        report_page.contains("?ontvangen=1"),
        "{report_page}: {}",
        text(&b).await
    );
    sign_out(&b).await;

    // The analyst sees the proposals side by side, with their similarity; nothing is linked.
    sign_in(&b, &base, "analist@meldpunt.demo").await;
    b.goto(report_page.replace("?ontvangen=1", ""))
        .await
        .unwrap();
    click_and_wait(&b, "main a[href^='/zaken/']").await;
    let page = text(&b).await;
    assert!(page.contains("Mogelijke kopieën"), "{page}");
    assert!(page.contains("Mogelijke kopie van ZAAK-"), "{page}");
    assert!(page.contains("tekst 0,"), "{page}");
    assert!(page.contains("Tekst van de inhoud"), "{page}");
    assert!(!page.contains("Toegevoegd aan groep"), "{page}");
    axe_on(&b, "case page with proposed copies", &mut problems).await;

    // Confirming the copy of the grouped Telegram message adds the case to that group.
    let telegram = b
        .find(thirtyfour::By::XPath(
            "//section[starts-with(@id,'kopie-')][.//text()[contains(.,'Telegram')]]//form[contains(@action,'/bevestigen')]//button",
        ))
        .await
        .unwrap();
    click_element_and_wait(&b, telegram).await;
    let page = text(&b).await;
    assert!(page.contains("Bevestigd als kopie"), "{page}");
    assert!(page.contains("Toegevoegd aan groep"), "{page}");
    assert!(
        page.contains("Beide zaken staan al in dezelfde groep"),
        "{page}"
    );
    axe_on(&b, "case page after confirming a copy", &mut problems).await;
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A WebDriver virtual authenticator: a passkey on this device with a fingerprint reader,
/// as Chromium offers for tests (W3C WebAuthn, "Add Virtual Authenticator").
#[derive(Debug)]
struct VirtualAuthenticator;

impl thirtyfour::common::command::FormatRequestData for VirtualAuthenticator {
    fn format_request(&self, session_id: &thirtyfour::SessionId) -> thirtyfour::RequestData {
        thirtyfour::RequestData::new(
            axum::http::Method::POST,
            format!("session/{session_id}/webauthn/authenticator"),
        )
        .add_body(serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true
        }))
    }
}

/// Whether the virtual authenticator confirms the person (fingerprint) from now on.
#[derive(Debug)]
struct UserVerified(String, bool);

impl thirtyfour::common::command::FormatRequestData for UserVerified {
    fn format_request(&self, session_id: &thirtyfour::SessionId) -> thirtyfour::RequestData {
        thirtyfour::RequestData::new(
            axum::http::Method::POST,
            format!("session/{session_id}/webauthn/authenticator/{}/uv", self.0),
        )
        .add_body(serde_json::json!({ "isUserVerified": self.1 }))
    }
}

/// Clicks the element with this id.
async fn click_id(b: &WebDriver, id: &str) {
    b.find(By::Id(id)).await.unwrap().click().await.unwrap();
}

/// Waits until a script's value is true (up to 20 s).
async fn wait_until(b: &WebDriver, script: &str) {
    for _ in 0..800 {
        if let Ok(r) = b.execute(script, vec![]).await {
            if r.json().as_bool() == Some(true) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("waited in vain for {script}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_adds_a_passkey_signs_in_with_it_and_another_accounts_passkey_is_refused() {
    let Some(driver) = start_driver().await else {
        return;
    };
    // Passkeys need a domain name: the server's public address is localhost.
    let (server, dir) =
        demo_server_with(&[("MELDPUNT_PUBLIC_URL", "http://localhost:{port}")]).await;
    let base = server.base.replace("127.0.0.1", "localhost");
    let b = browser(&driver).await;
    let added = b.handle.cmd(VirtualAuthenticator).await.unwrap();
    let authenticator = added.body["value"].as_str().unwrap().to_string();
    let mut problems = Vec::new();

    // A reporter adds a passkey to an account that has an app already.
    sign_in(&b, &base, "melder@amsterdam.demo").await;
    b.goto(format!("{base}/aanmelden/tweede-factor/instellen"))
        .await
        .unwrap();
    let form = b
        .find(By::Css("form[action='/aanmelden/passkey/toevoegen']"))
        .await
        .unwrap();
    assert!(
        form.is_displayed().await.unwrap(),
        "the script shows the passkey form"
    );
    axe_on(&b, "enrolment with a passkey", &mut problems).await;
    fill(&b, "passkey_name", "Laptop op kantoor").await;
    fill(&b, "passkey_password", DEMO_PASSWORD).await;
    submit(&b, "/aanmelden/passkey/toevoegen").await;
    let page = text(&b).await;
    assert!(page.contains("De passkey is toegevoegd."), "{page}");
    assert!(page.contains("Laptop op kantoor"), "{page}");
    axe_on(&b, "account with a passkey", &mut problems).await;
    sign_out(&b).await;

    // The next sign-in: the password, then the passkey instead of a code. Its answer is
    // kept to try it on another account below.
    b.goto(format!("{base}/aanmelden")).await.unwrap();
    fill(&b, "email", "melder@amsterdam.demo").await;
    fill(&b, "password", DEMO_PASSWORD).await;
    submit(&b, "/aanmelden").await;
    assert!(text(&b)
        .await
        .contains("Bevestig de aanmelding met uw passkey"));
    axe_on(&b, "second step with a passkey", &mut problems).await;
    // The person does not confirm (no fingerprint): the page says so and stays.
    b.handle
        .cmd(UserVerified(authenticator.clone(), false))
        .await
        .unwrap();
    click_id(&b, "passkey").await;
    wait_until(
        &b,
        "const m = document.querySelector('[data-passkey-cancelled]'); return !!m && !m.hidden;",
    )
    .await;
    assert!(text(&b).await.contains("De passkey is niet gebruikt"));
    axe_on(&b, "second step, passkey not confirmed", &mut problems).await;
    b.handle
        .cmd(UserVerified(authenticator.clone(), true))
        .await
        .unwrap();
    b.execute(
        "const send = HTMLFormElement.prototype.submit;\
         HTMLFormElement.prototype.submit = function () {\
           sessionStorage.setItem('passkeyAnswer', this.elements.credential.value);\
           window.__meldpuntOldPage = true;\
           send.call(this);\
         };",
        vec![],
    )
    .await
    .unwrap();
    click_id(&b, "passkey").await;
    wait_until(
        &b,
        "return location.pathname === '/start' && document.readyState === 'complete';",
    )
    .await;
    // The answer was kept (in this tab's session storage) before the page went.
    let answer = b
        .execute(
            "return sessionStorage.getItem('passkeyAnswer') || '';",
            vec![],
        )
        .await
        .unwrap()
        .json()
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(answer.contains("authenticatorData"), "{answer}");
    assert!(
        text(&b).await.contains("Welkom"),
        "signed in with the passkey"
    );
    sign_out(&b).await;

    // An analyst half-way through signing in presents the reporter's passkey: refused, and
    // the analyst is still at the second step.
    b.goto(format!("{base}/aanmelden")).await.unwrap();
    fill(&b, "email", "analist@meldpunt.demo").await;
    fill(&b, "password", DEMO_PASSWORD).await;
    submit(&b, "/aanmelden").await;
    b.execute(
        "window.__meldpuntOldPage = true;\
         const f = document.createElement('form');\
         f.method = 'post'; f.action = '/aanmelden/passkey';\
         for (const [k, v] of [['csrf', document.querySelector('input[name=csrf]').value], ['credential', arguments[0]]]) {\
           const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);\
         }\
         document.body.appendChild(f); f.submit();",
        vec![serde_json::Value::String(answer)],
    )
    .await
    .unwrap();
    wait_for_new_page(&b).await;
    let page = text(&b).await;
    assert!(
        page.contains("Deze passkey hoort bij een ander account"),
        "{page}"
    );
    assert!(b
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("/aanmelden/passkey"));
    b.goto(format!("{base}/aanmelden/tweede-factor"))
        .await
        .unwrap();
    second_factor(&b).await;
    assert!(
        text(&b).await.contains("Welkom"),
        "the analyst's own code still works"
    );
    sign_out(&b).await;

    // A new reporter chooses a passkey as the first second factor, without an app.
    let db = meldpunt::store::sqlite_url(&dir.path().join("meldpunt.db"));
    let out = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args(["--database-url", &db, "user", "add", "--org", "GM0363"])
        .args(["--email", "sanne@amsterdam.demo", "--name", "Sanne Melder"])
        .args(["--role", "reporter"])
        .env_remove("MELDPUNT_CONFIG")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let token = printed
        .split("/activeren/")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or_else(|| panic!("no activation link: {printed}"))
        .to_string();
    b.goto(format!("{base}/activeren/{token}")).await.unwrap();
    fill(&b, "password", "lente in de stad aan het IJ").await;
    fill(&b, "password_repeat", "lente in de stad aan het IJ").await;
    submit(&b, &format!("/activeren/{token}")).await;
    fill(&b, "email", "sanne@amsterdam.demo").await;
    fill(&b, "password", "lente in de stad aan het IJ").await;
    submit(&b, "/aanmelden").await;
    assert!(b
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("/aanmelden/tweede-factor/instellen"));
    axe_on(&b, "first set-up with a passkey", &mut problems).await;
    submit(&b, "/aanmelden/passkey/toevoegen").await;
    assert!(
        b.find(By::Id("herstelcodes")).await.is_ok(),
        "{}",
        text(&b).await
    );
    click_and_wait(&b, "a[href='/start']").await;
    assert!(text(&b).await.contains("Welkom, Sanne Melder"));
    sign_out(&b).await;
    // Her next sign-in: the password and the passkey, no app at all.
    b.goto(format!("{base}/aanmelden")).await.unwrap();
    fill(&b, "email", "sanne@amsterdam.demo").await;
    fill(&b, "password", "lente in de stad aan het IJ").await;
    submit(&b, "/aanmelden").await;
    assert!(
        b.find(By::Id("code")).await.is_err(),
        "no app code without an app"
    );
    submit(&b, "/aanmelden/passkey").await;
    assert!(text(&b).await.contains("Welkom, Sanne Melder"));
    b.quit().await.unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Single sign-on in the browser, against the real test provider: the central
/// administrator registers Amsterdam's provider (a refusal first), a reporter signs in
/// through it and comes back signed in (the provider asserted multi-factor), and signs out.
/// axe-core on every new page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_through_their_organisations_provider() {
    use crate::oidc::{Provider, CLIENT_ID, CLIENT_SECRET};
    let Some(driver) = start_driver().await else {
        return;
    };
    // The client secret reaches the server as an environment variable, by its name.
    let (server, dir) = demo_server_with(&[("MELDPUNT_SSO_SECRET_AMSTERDAM", CLIENT_SECRET)]).await;
    let base = server.base.clone();
    let clients = serde_json::json!([{
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [format!("{base}/aanmelden/organisatie/terug")],
    }])
    .to_string();
    let Some(provider) = Provider::start(None, &[("AMR", "pwd,mfa"), ("CLIENTS", &clients)]) else {
        return;
    };
    let store = meldpunt::store::Store::connect(&meldpunt::store::sqlite_url(
        &dir.path().join("meldpunt.db"),
    ))
    .await
    .unwrap();
    let amsterdam = meldpunt::store::orgs::by_code(&store, "GM0363")
        .await
        .unwrap()
        .id;
    let b = browser(&driver).await;
    let mut problems = Vec::new();

    // The central administrator registers the provider; a typing error is refused first.
    sign_in(&b, &base, "beheer@meldpunt.demo").await;
    b.goto(format!("{base}/beheer/organisaties/{amsterdam}"))
        .await
        .unwrap();
    axe_on(&b, "organisation page with single sign-on", &mut problems).await;
    let action = format!("/beheer/organisaties/{amsterdam}/sso");
    fill(&b, "issuer", &provider.issuer()).await;
    fill(&b, "client_id", CLIENT_ID).await;
    fill(&b, "secret_ref", "AMSTERDAM").await;
    fill(&b, "email_domains", "amsterdam_demo").await;
    submit(&b, &action).await;
    let page = text(&b).await;
    assert!(page.contains("is geen domeinnaam"), "{page}");
    axe_on(&b, "single sign-on refused", &mut problems).await;
    fill(&b, "email_domains", "amsterdam.demo").await;
    submit(&b, &action).await;
    let page = text(&b).await;
    assert!(page.contains("gecontroleerd en opgeslagen"), "{page}");
    assert!(page.contains("MELDPUNT_SSO_SECRET_AMSTERDAM"), "{page}");
    axe_on(&b, "single sign-on registered", &mut problems).await;
    sign_out(&b).await;

    // A reporter chooses the organisation on the sign-in page and comes back signed in.
    b.goto(format!("{base}/aanmelden")).await.unwrap();
    click_id(&b, "via-organisatie").await;
    wait_until(&b, "return location.pathname === '/aanmelden/organisatie';").await;
    axe_on(&b, "sign-in through the organisation", &mut problems).await;
    fill(&b, "email", "melder@amsterdam.demo").await;
    // The hand-over page moves on at once; to check it, it is fetched and shown here
    // without its refresh.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = http
        .get(format!("{base}/aanmelden/organisatie"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let html = http
        .post(format!("{base}/aanmelden/organisatie"))
        .form(&[("csrf", csrf.as_str()), ("email", "melder@amsterdam.demo")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("<meta http-equiv=\"refresh\"", "<meta name=\"was-refresh\"");
    b.execute(
        "document.open(); document.write(arguments[0]); document.close();",
        vec![serde_json::Value::String(html)],
    )
    .await
    .unwrap();
    assert!(text(&b).await.contains("Doorsturen naar uw organisatie"));
    axe_on(&b, "hand-over to the provider", &mut problems).await;
    b.goto(format!("{base}/aanmelden/organisatie"))
        .await
        .unwrap();
    fill(&b, "email", "melder@amsterdam.demo").await;
    submit(&b, "/aanmelden/organisatie").await;
    // The hand-over page moves on by itself, through the provider, back to meldpunt.
    wait_until(
        &b,
        "return location.pathname === '/start' && document.readyState === 'complete';",
    )
    .await;
    assert!(
        text(&b).await.contains("Welkom"),
        "signed in through the provider"
    );
    axe_on(&b, "start page after single sign-on", &mut problems).await;
    sign_out(&b).await;
    // An address of a domain without a provider gets a clear answer on the same page.
    b.goto(format!("{base}/aanmelden/organisatie"))
        .await
        .unwrap();
    fill(&b, "email", "iemand@zaanstad.demo").await;
    submit(&b, "/aanmelden/organisatie").await;
    let page = text(&b).await;
    assert!(
        page.contains("Voor zaanstad.demo is geen aanmelding via de organisatie ingesteld"),
        "{page}"
    );
    axe_on(
        &b,
        "sign-in through the organisation, refused",
        &mut problems,
    )
    .await;
    assert!(b
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("/aanmelden"));
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
    drop(provider);
}
