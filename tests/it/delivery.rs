//! Notices on their way out, against a real SMTP server: every DSA art. 16 element in
//! the message that arrives, bounces noted, exactly one delivery after a SIGKILL in the
//! middle of sending, and exactly one when two instances race for the same outbox rows.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use meldpunt::domain::assessment::AssessmentDraft;
use meldpunt::domain::notice::Delivery;
use meldpunt::domain::notice_text::{GOOD_FAITH_EN, GOOD_FAITH_NL};
use meldpunt::mail::{deliver_due, Mailer};
use meldpunt::service::notice_setup::{self, PlatformForm, SettingsForm};
use meldpunt::service::notices::{self as notice_service, Reviewer, Verdict};
use meldpunt::service::Settings;
use meldpunt::service::{now_ms, Clock, Ctx};
use meldpunt::store::{assessments, notices, notify, users, Store};
use serde_json::Value;

use crate::both_backends;
use crate::edges::{tools, Background};
use crate::multi_instance::{free_port, start_server};
use crate::notices::{team, tiktok_id, Team};
use crate::support::*;

pub const CONTACT: &str = "dsa-notices@tiktok.example";

async fn ctx_for(store: &Store, p: &Person) -> Ctx {
    Ctx::anonymous("127.0.0.1", now_ms()).acting_as(&users::get(store, p.id).await.unwrap())
}

fn draft() -> AssessmentDraft {
    AssessmentDraft {
        class: "illegal".into(),
        provisions: vec!["art-131-sr".into()],
        facts: "De video roept op zaterdag om 21:00 bij het station van Ede de politie met stenen te bekogelen.".into(),
        locating: "Oproep vanaf 0:12 in de video".into(),
        risk_time: "zaterdag 21:00".into(),
        risk_place: "Ede".into(),
        risk_reach: "12.000 weergaven".into(),
        phase: "mobilisation".into(),
        no_protected_speech: true,
        rights_reasoning: "Geen politieke boodschap; een oproep tot geweld.".into(),
        lighter_steps: vec!["monitoring".into()],
        proportionality: "Volgen volstaat niet: de oproep wordt snel gedeeld.".into(),
        decision: "dsa-art16-notice".into(),
        category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY".into(),
        keywords: vec![],
        reasons: "Openbare, concrete oproep tot geweld tegen het openbaar gezag.".into(),
        ..Default::default()
    }
}

/// Points TikTok's e-mail channel at `contact` (and sets the team's mailbox).
pub async fn set_contact(store: &Store, t: &Team, contact: &str) {
    let admin = ctx_for(store, &t.admin).await;
    notice_setup::save_settings(
        store,
        &admin,
        &SettingsForm {
            sender_name: "Centraal team meldvoorziening".into(),
            sender_email: "meldpunt@meldpunt.nl".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    notice_setup::save_platform(
        store,
        &admin,
        Some(tiktok_id(store).await),
        &PlatformForm {
            name: "TikTok".into(),
            hosts: "tiktok.com".into(),
            channel: "email".into(),
            contact_email: contact.into(),
            languages: "nl en".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// Reports, assesses and approves `n` videos (by different people, through the real
/// services); returns the ids of the queued notices.
pub async fn queue_notices(store: &Store, t: &Team, first: u64, n: u64) -> Vec<i64> {
    let settings = Settings::default();
    let analyst = ctx_for(store, &t.cast.analyst).await;
    let boss = ctx_for(store, &t.supervisor).await;
    let mut ids = Vec::new();
    for i in first..first + n {
        let url = format!(
            "https://www.tiktok.com/@rellen/video/{}",
            7_300_000_000_000_000_000 + i
        );
        let (_, case_id) = submit_report(store, t.cast.o.amsterdam, &t.cast.ams, &url).await;
        notice_service::assess(store, &settings, &analyst, case_id, &draft())
            .await
            .unwrap();
        let v = assessments::versions(store, case_id).await.unwrap()[0].id;
        notice_service::review(
            store,
            &settings,
            &boss,
            Reviewer {
                user_id: t.supervisor.id,
                is_supervisor: true,
            },
            Verdict {
                case_id,
                assessment_id: v,
                approve: true,
                reason: "",
            },
        )
        .await
        .unwrap();
        ids.push(notices::list_by_case(store, case_id).await.unwrap()[0].id);
    }
    ids
}

/// Marks every message that is not a notice as sent, so only notices are left.
async fn only_notices_left(db: &TestDb) {
    sql(
        db,
        "UPDATE mail_outbox SET sent_at = 1 WHERE notice_id IS NULL",
    )
    .await
    .unwrap();
}

/// tests/tools/smtp_sink.py on a free port.
pub fn start_sink(tools: &Path, delay: f64) -> (Background, u16, tempfile::TempDir) {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/smtp_sink.py");
    let child = Command::new(tools.join("python"))
        .args([
            script,
            "--port",
            &port.to_string(),
            "--delay",
            &delay.to_string(),
            "--dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start smtp_sink.py");
    let server = Background(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (server, port, dir);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("smtp_sink.py did not start");
}

/// The messages that arrived (headers and decoded body), oldest first.
pub fn arrived(dir: &tempfile::TempDir) -> Vec<Value> {
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

fn to_platform(dir: &tempfile::TempDir) -> Vec<Value> {
    arrived(dir)
        .into_iter()
        .filter(|m| m["to"].as_str().unwrap_or_default().contains(CONTACT))
        .collect()
}

fn events(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(dir.path().join("events.log")).unwrap_or_default()
}

both_backends!(
    a_sent_notice_arrives_with_every_dsa_article_16_element,
    |db: TestDb| async move {
        let Some(tools) = tools() else { return };
        let t = team(&db).await;
        set_contact(&db.store, &t, CONTACT).await;
        let ids = queue_notices(&db.store, &t, 0, 1).await;
        let (_sink, port, dir) = start_sink(&tools, 0.0);
        let mailer = Mailer::new(
            &format!("smtp://127.0.0.1:{port}"),
            "meldpunt <meldpunt@meldpunt.nl>",
            120,
        )
        .unwrap();
        deliver_due(&db.store, &Settings::default(), &mailer, Clock::SYSTEM)
            .await
            .unwrap();
        let n = notices::get(&db.store, ids[0]).await.unwrap();
        assert_eq!(n.delivery, Delivery::Sent);
        let got = to_platform(&dir);
        assert_eq!(got.len(), 1, "{got:?}");
        let m = &got[0];
        let subject = m["subject"].as_str().unwrap();
        assert!(
            subject.contains("DSA art. 16") && subject.contains(&n.reference),
            "{subject}"
        );
        let body = m["body"].as_str().unwrap();
        // (a) a substantiated explanation naming the provision and the facts;
        for needle in [
            "Waarom de inhoud illegaal is",
            "art. 131 Sr (opruiing)",
            "art. 131 Dutch Criminal Code (incitement)",
            "de politie met stenen te bekogelen",
            "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
            // (b) the exact location: every URL, and extra locating information;
            "https://tiktok.com/@rellen/video/7300000000000000000",
            "https://www.tiktok.com/@rellen/video/7300000000000000000",
            "Oproep vanaf 0:12 in de video",
            // (c) the sender's name and e-mail;
            "Centraal team meldvoorziening, meldpunt@meldpunt.nl",
            // (d) the good-faith statement, in both languages;
            GOOD_FAITH_NL,
            GOOD_FAITH_EN,
            // meldpunt's reference, urgency and requested handling time, flagger status.
            &format!("Referentie meldpunt: {}", n.reference),
            &format!("meldpunt reference: {}", n.reference),
            "Urgentie: hoog",
            "Urgency: high",
            "(Europe/Amsterdam)",
            "Betrouwbare flagger: nee",
            "Trusted flagger: no",
            "territoriale reikwijdte: NL",
        ] {
            assert!(body.contains(needle), "missing {needle:?} in\n{body}");
        }
        assert!(m["message_id"].as_str().unwrap().contains("@meldpunt.nl>"));
        assert_eq!(trail(&db.store, "notice.sent").await.len(), 1);

        // A platform address that refuses for good: the notice is marked bounced, the
        // team is told, and it is not tried again.
        set_contact(&db.store, &t, "bounce@tiktok.example").await;
        let ids = queue_notices(&db.store, &t, 1, 1).await;
        deliver_due(&db.store, &Settings::default(), &mailer, Clock::SYSTEM)
            .await
            .unwrap();
        let n = notices::get(&db.store, ids[0]).await.unwrap();
        assert_eq!(n.delivery, Delivery::Bounced);
        assert!(n.delivery_error.unwrap_or_default().contains("550"));
        assert!(notify::pending_mail(&db.store)
            .await
            .unwrap()
            .iter()
            .all(|m| m.notice_id != Some(n.id)));
        assert_eq!(
            events(&dir).matches("rcpt bounce@tiktok.example").count(),
            1
        );
        // Past every back-off (the longest is an hour), a bounce is still never sent again.
        for hours in [1, 2, 5] {
            deliver_due(
                &db.store,
                &Settings::default(),
                &mailer,
                Clock::ahead(hours * 3_600_000 + 60_000),
            )
            .await
            .unwrap();
        }
        assert_eq!(
            events(&dir).matches("rcpt bounce@tiktok.example").count(),
            1,
            "a bounced notice was sent to the platform again"
        );
        assert_eq!(
            notices::get(&db.store, ids[0]).await.unwrap().delivery,
            Delivery::Bounced
        );
        assert!(notify::list(&db.store, t.cast.analyst.id, 50)
            .await
            .unwrap()
            .iter()
            .any(|x| x.text.contains("kon niet worden afgeleverd")));
        let failed = trail(&db.store, "notice.delivery_failed").await;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].outcome, "failure");

        // With the address corrected, the analyst sends it again: it arrives once.
        set_contact(&db.store, &t, CONTACT).await;
        let analyst = ctx_for(&db.store, &t.cast.analyst).await;
        notice_service::resend(&db.store, &analyst, n.id)
            .await
            .unwrap();
        assert!(notice_service::resend(&db.store, &analyst, n.id)
            .await
            .is_err());
        deliver_due(&db.store, &Settings::default(), &mailer, Clock::SYSTEM)
            .await
            .unwrap();
        let n = notices::get(&db.store, n.id).await.unwrap();
        assert_eq!(n.delivery, Delivery::Sent);
        assert_eq!(n.recipient, CONTACT);
        assert_eq!(
            to_platform(&dir)
                .iter()
                .filter(|m| m["subject"].as_str().unwrap().contains(&n.reference))
                .count(),
            1
        );
    }
);

both_backends!(
    an_outbox_row_claimed_by_eight_senders_at_once_goes_to_one,
    |db: TestDb| async move {
        let t = team(&db).await;
        set_contact(&db.store, &t, CONTACT).await;
        queue_notices(&db.store, &t, 0, 1).await;
        only_notices_left(&db).await;
        let now = now_ms();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                notify::claim_mail(&store, now, 60_000).await
            }));
        }
        let mut won = 0;
        for task in tasks {
            // On SQLite a sender may find the database busy; that is a lost race, not a win.
            if let Ok(Some(_)) = task.await.unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 1);
    }
);

async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    for _ in 0..secs * 10 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn sigkill_while_sending(db: TestDb) {
    let Some(tools) = tools() else { return };
    let t = team(&db).await;
    set_contact(&db.store, &t, CONTACT).await;
    let ids = queue_notices(&db.store, &t, 0, 1).await;
    only_notices_left(&db).await;
    // Each recipient command takes 3 s: time enough to kill the sender mid-conversation.
    let (_sink, port, dir) = start_sink(&tools, 3.0);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let env = [
        ("MELDPUNT_SMTP_URL", smtp.as_str()),
        ("MELDPUNT_MAIL_FROM", "meldpunt <meldpunt@meldpunt.nl>"),
        ("MELDPUNT_MAIL_LEASE_SECONDS", "10"),
    ];
    let server = start_server(&db.url, &env).await;
    wait_until("the server to start sending", 20, || {
        events(&dir).contains(&format!("rcpt {CONTACT}"))
    })
    .await;
    drop(server); // SIGKILL in the middle of the SMTP conversation
    assert!(to_platform(&dir).is_empty(), "nothing was delivered yet");
    let n = notices::get(&db.store, ids[0]).await.unwrap();
    assert_eq!(n.delivery, Delivery::Queued);

    let _server = start_server(&db.url, &env).await;
    wait_until("the notice to arrive after the restart", 40, || {
        to_platform(&dir).len() == 1
    })
    .await;
    // Give a second copy every chance to appear.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(to_platform(&dir).len(), 1, "delivered exactly once");
    let mut delivered = false;
    for _ in 0..50 {
        if notices::get(&db.store, ids[0]).await.unwrap().delivery == Delivery::Sent {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered, "the notice is recorded as sent");
    assert!(notify::pending_mail(&db.store).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_while_sending_delivers_the_notice_exactly_once_on_sqlite() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let _guard = db.guard();
    sigkill_while_sending(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_while_sending_delivers_the_notice_exactly_once_on_postgres() {
    if let Some(db) = test_db(Backend::Postgres).await {
        let _guard = db.guard();
        sigkill_while_sending(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_racing_for_the_outbox_deliver_each_notice_once() {
    let Some(db) = test_db(Backend::Postgres).await else {
        return;
    };
    let _guard = db.guard();
    let Some(tools) = tools() else { return };
    let t = team(&db).await;
    set_contact(&db.store, &t, CONTACT).await;
    let ids = queue_notices(&db.store, &t, 0, 10).await;
    only_notices_left(&db).await;
    let (_sink, port, dir) = start_sink(&tools, 0.3);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let env = [
        ("MELDPUNT_SMTP_URL", smtp.as_str()),
        ("MELDPUNT_MAIL_FROM", "meldpunt <meldpunt@meldpunt.nl>"),
    ];
    let (_a, _b) = tokio::join!(start_server(&db.url, &env), start_server(&db.url, &env));
    wait_until("all ten notices to arrive", 60, || {
        to_platform(&dir).len() >= 10
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let got = to_platform(&dir);
    let mut message_ids: Vec<&str> = got
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    message_ids.sort();
    message_ids.dedup();
    assert_eq!(got.len(), 10, "no notice twice");
    assert_eq!(message_ids.len(), 10);
    for id in ids {
        let n = notices::get(&db.store, id).await.unwrap();
        assert_eq!(n.delivery, Delivery::Sent, "{}", n.reference);
        assert_eq!(
            got.iter()
                .filter(|m| m["subject"].as_str().unwrap().contains(&n.reference))
                .count(),
            1
        );
    }
}

both_backends!(
    housekeeping_still_runs_when_a_notices_mail_is_older_than_the_purge_age,
    |db: TestDb| async move {
        use meldpunt::domain::session::SessionLimits;
        use meldpunt::service::housekeeping;
        use meldpunt::service::retention;
        use meldpunt::store::sessions;
        let t = team(&db).await;
        set_contact(&db.store, &t, CONTACT).await;
        let ids = queue_notices(&db.store, &t, 0, 1).await;
        // The outbox delivers every message (the notice and the notifications around it).
        let settings = Settings::default();
        let now = now_ms();
        while let Some(mail) = notify::claim_mail(&db.store, now, 60_000).await.unwrap() {
            notice_service::mail_sent(&db.store, &settings, &mail, now)
                .await
                .unwrap();
        }
        assert!(notify::pending_mail(&db.store).await.unwrap().is_empty());
        let sent = notices::get(&db.store, ids[0]).await.unwrap();
        assert_eq!(sent.delivery, Delivery::Sent);
        assert!(sent.mail_id.is_some());
        let _session = session_for(&db.store, &t.cast.ams).await;
        assert_eq!(
            sessions::count_for_user(&db.store, t.cast.ams.id)
                .await
                .unwrap(),
            1
        );

        // A month and a day later, housekeeping removes the expired session and retention the
        // sent mail (notifications: 30 days), and the notice keeps its delivery record.
        let later = now + 31 * 24 * 3_600_000;
        let removed = housekeeping::run_once(&db.store, &SessionLimits::default(), later)
            .await
            .expect("housekeeping must not fail");
        assert!(removed >= 1, "removed {removed}");
        let objects = meldpunt::objects::EvidenceStore::open("", &test_config().data_dir).unwrap();
        let ran = retention::run_once(&db.store, &objects, &settings.retention, later)
            .await
            .expect("retention must not fail on a notice's mail");
        assert!(ran.records >= 1, "{ran:?}");
        assert_eq!(
            sessions::count_for_user(&db.store, t.cast.ams.id)
                .await
                .unwrap(),
            0
        );
        let kept = notices::get(&db.store, ids[0]).await.unwrap();
        assert_eq!(kept.delivery, Delivery::Sent);
        assert_eq!(kept.body, sent.body);
        assert!(kept.mail_id.is_none());
        assert!(!notices::events(&db.store, ids[0]).await.unwrap().is_empty());
        // And it keeps running on later rounds.
        housekeeping::run_once(&db.store, &SessionLimits::default(), later + 600_000)
            .await
            .unwrap();
    }
);
