//! The command line, run as a real process against real databases.

use std::process::Command;

use meldpunt::store::{audit, orgs, users};

use crate::audit_chain::{drop_guards, tamper};
use crate::both_backends;
use crate::support::*;

pub fn meldpunt(db: &TestDb, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .env_remove("MELDPUNT_CONFIG")
        .env_remove("MELDPUNT_DATABASE_URL")
        // Evidence files (the demo's screenshot) outside the working tree.
        .env(
            "MELDPUNT_DATA_DIR",
            std::env::temp_dir().join("meldpunt-cli-test-data"),
        )
        .output()
        .expect("run meldpunt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

both_backends!(
    org_import_loads_342_municipalities_and_a_second_run_changes_nothing,
    |db: TestDb| async move {
        let (code, out, err) = meldpunt(&db, &["org", "import"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("342 municipalities added"), "{out}");
        let (code, out, _) = meldpunt(&db, &["org", "import"]);
        assert_eq!(code, 0);
        assert!(out.contains("0 municipalities added"), "{out}");
        assert_eq!(orgs::count(&db.store).await.unwrap(), 342);
    }
);

both_backends!(
    user_add_prints_an_activation_link_and_refuses_bad_input,
    |db: TestDb| async move {
        meldpunt(
            &db,
            &[
                "org",
                "add",
                "--kind",
                "central_team",
                "--code",
                "MELDPUNT",
                "--name",
                "Meldpunt",
            ],
        );
        let (code, out, err) = meldpunt(
            &db,
            &[
                "user",
                "add",
                "--org",
                "MELDPUNT",
                "--email",
                "ana@meldpunt.nl",
                "--name",
                "Ana",
                "--role",
                "analyst",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("http://127.0.0.1:8080/activeren/"), "{out}");
        let (code, _, err) = meldpunt(
            &db,
            &[
                "user", "add", "--org", "GM9999", "--email", "x@y.nl", "--name", "X", "--role",
                "reporter",
            ],
        );
        assert_eq!(code, 1);
        assert!(err.contains("no organisation with code GM9999"), "{err}");
        let (code, _, err) = meldpunt(
            &db,
            &[
                "user",
                "add",
                "--org",
                "MELDPUNT",
                "--email",
                "ana@meldpunt.nl",
                "--name",
                "Ana",
                "--role",
                "analyst",
            ],
        );
        assert_eq!(code, 1);
        assert!(err.contains("ana@meldpunt.nl"), "{err}");
        assert_eq!(users::count(&db.store).await.unwrap(), 1);
        let (code, out, _) = meldpunt(&db, &["user", "disable", "--email", "ana@meldpunt.nl"]);
        assert_eq!(code, 0, "{out}");
        let (code, out, _) = meldpunt(&db, &["user", "reset", "--email", "ana@meldpunt.nl"]);
        assert_eq!(code, 0);
        assert!(out.contains("/activeren/"));
    }
);

both_backends!(
    audit_verify_names_tampering_and_checks_an_exported_head,
    |db: TestDb| async move {
        let o = seed_orgs(&db.store).await;
        make_person(
            &db.store,
            o.amsterdam,
            "a@amsterdam.nl",
            meldpunt::domain::user::Role::Reporter,
        )
        .await;
        let (code, out, _) = meldpunt(&db, &["audit", "verify"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.starts_with("OK: 6 entries verified"), "{out}");
        let (_, head, _) = meldpunt(&db, &["audit", "head"]);
        let head = head.trim().to_string();
        assert!(head.starts_with("6:"), "{head}");
        let (code, out, _) = meldpunt(&db, &["audit", "verify", "--head", &head]);
        assert_eq!(code, 0, "{out}");

        drop_guards(&db).await;
        tamper(
            &db,
            "UPDATE audit_log SET origin = '10.0.0.1' WHERE seq = 2",
        )
        .await;
        let (code, out, _) = meldpunt(&db, &["audit", "verify"]);
        assert_eq!(code, 2);
        assert!(out.contains("TAMPERED: entry 2 was edited"), "{out}");
        let (code, _, err) = meldpunt(&db, &["audit", "verify", "--head", "nonsense"]);
        assert_eq!(code, 1);
        assert!(err.contains("--head"), "{err}");
    }
);

#[tokio::test]
async fn backup_writes_a_consistent_copy_of_a_running_sqlite_database() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let o = seed_orgs(&db.store).await;
    // Keep writing while the backup runs.
    let store = db.store.clone();
    let writer = tokio::spawn(async move {
        for i in 0..30 {
            make_person(
                &store,
                o.amsterdam,
                &format!("p{i}@amsterdam.nl"),
                meldpunt::domain::user::Role::Reporter,
            )
            .await;
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("kopie.db");
    let (code, out, err) = meldpunt(&db, &["backup", target.to_str().unwrap()]);
    writer.await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let copy = meldpunt::store::Store::connect(&meldpunt::store::sqlite_url(&target))
        .await
        .unwrap();
    let verified = audit::verify(&copy, None)
        .await
        .unwrap()
        .expect("the copy's chain is intact");
    let people = users::count(&copy).await.unwrap();
    // Every account in the copy has its audit entry, and no entry lacks its account.
    let filter = audit::AuditFilter {
        action: Some("user.created".into()),
        ..Default::default()
    };
    let created = audit::list(
        &copy,
        meldpunt::domain::policy::AuditScope::All,
        &filter,
        1000,
        None,
    )
    .await
    .unwrap();
    assert_eq!(created.len() as i64, people);
    assert!(verified.entries >= 4 && people <= 30);
    let (code, _, err) = meldpunt(&db, &["backup", target.to_str().unwrap()]);
    assert_eq!(code, 1, "an existing file is never overwritten");
    assert!(err.contains("exists already"), "{err}");
}

both_backends!(
    audit_verify_names_a_deleted_and_a_swapped_entry,
    |db: TestDb| async move {
        let o = seed_orgs(&db.store).await;
        make_person(
            &db.store,
            o.amsterdam,
            "a@amsterdam.nl",
            meldpunt::domain::user::Role::Reporter,
        )
        .await;
        drop_guards(&db).await;
        tamper(&db, "UPDATE audit_log SET seq = 100 WHERE seq = 2").await;
        tamper(&db, "UPDATE audit_log SET seq = 2 WHERE seq = 5").await;
        tamper(&db, "UPDATE audit_log SET seq = 5 WHERE seq = 100").await;
        let (code, out, _) = meldpunt(&db, &["audit", "verify"]);
        assert_eq!(code, 2);
        assert!(out.contains("TAMPERED: entry 2 is out of order"), "{out}");
        tamper(&db, "UPDATE audit_log SET seq = 100 WHERE seq = 2").await;
        tamper(&db, "UPDATE audit_log SET seq = 2 WHERE seq = 5").await;
        tamper(&db, "UPDATE audit_log SET seq = 5 WHERE seq = 100").await;
        assert_eq!(meldpunt(&db, &["audit", "verify"]).0, 0, "restored");
        tamper(&db, "DELETE FROM audit_log WHERE seq = 3").await;
        let (code, out, _) = meldpunt(&db, &["audit", "verify"]);
        assert_eq!(code, 2);
        assert!(
            out.contains("TAMPERED: entry 4: one or more entries before it were deleted"),
            "{out}"
        );
    }
);

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let port = crate::multi_instance::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args([
            "--database-url",
            &db.url,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || {
        let s = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        (s, err)
    })
    .await
    .unwrap();
    assert!(status.0.success(), "exit: {:?}", status.0);
    assert!(
        status.1.contains("finishing requests in flight"),
        "{}",
        status.1
    );
}

both_backends!(
    token_add_prints_a_token_once_that_the_api_accepts_until_revoked,
    |db: TestDb| async move {
        seed_orgs(&db.store).await;
        let (code, token, err) = meldpunt(
            &db,
            &[
                "token",
                "add",
                "--org",
                "GM0363",
                "--name",
                "Gemeentesysteem",
            ],
        );
        assert_eq!(code, 0, "{err}");
        let token = token.trim().to_string();
        assert!(token.starts_with("mp_"), "{token}");
        let stored = meldpunt::store::tokens::by_hash(
            &db.store,
            &meldpunt::domain::credentials::sha256_hex(&token),
        )
        .await
        .unwrap()
        .expect("a live token");
        let (code, _, err) = meldpunt(&db, &["token", "add", "--org", "GM9999", "--name", "X"]);
        assert_eq!(code, 1);
        assert!(err.contains("GM9999"));
        let (code, out, _) = meldpunt(&db, &["token", "revoke", "--id", &stored.id.to_string()]);
        assert_eq!(code, 0, "{out}");
        assert!(meldpunt::store::tokens::by_hash(
            &db.store,
            &meldpunt::domain::credentials::sha256_hex(&token)
        )
        .await
        .unwrap()
        .is_none());
    }
);

both_backends!(
    org_list_and_user_list_show_what_is_there_and_user_list_is_audited,
    |db: TestDb| async move {
        let o = seed_orgs(&db.store).await;
        make_person(
            &db.store,
            o.amsterdam,
            "lijst@amsterdam.nl",
            meldpunt::domain::user::Role::Reporter,
        )
        .await;
        let (code, out, _) = meldpunt(&db, &["org", "list", "--kind", "municipality"]);
        assert_eq!(code, 0);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("GM0363\tmunicipality\tAmsterdam"), "{out}");
        let (code, out, _) = meldpunt(&db, &["org", "list", "--search", "politie"]);
        assert_eq!(code, 0);
        assert!(out.starts_with("POL-AMS\t"), "{out}");
        let before = audit::count(&db.store).await.unwrap();
        let (code, out, _) = meldpunt(&db, &["user", "list", "--org", "GM0363"]);
        assert_eq!(code, 0);
        assert!(
            out.starts_with("lijst@amsterdam.nl\treporter\tactive\ttotp"),
            "{out}"
        );
        assert_eq!(
            audit::count(&db.store).await.unwrap(),
            before + 1,
            "viewing people is recorded"
        );
        let (code, _, err) = meldpunt(&db, &["user", "list", "--org", "GM0000"]);
        assert_eq!(code, 1);
        assert!(err.contains("GM0000"));
    }
);

both_backends!(
    demo_seeds_every_role_once_and_records_each_change,
    |db: TestDb| async move {
        let (code, out, err) = meldpunt(&db, &["demo"]);
        assert_eq!(code, 0, "{err}");
        for role in [
            "Melder",
            "Analist",
            "Supervisor",
            "Auditor",
            "Beheerder",
            "Functionaris gegevensbescherming",
        ] {
            assert!(out.contains(role), "{role} missing in {out}");
        }
        assert!(out.contains("meldpunt-demo-2026"));
        let accounts = meldpunt::service::demo::DEMO_ACCOUNTS.len() as i64;
        assert_eq!(accounts, 9);
        assert_eq!(users::count(&db.store).await.unwrap(), accounts);
        let filter = audit::AuditFilter {
            action: Some("user.created".into()),
            ..Default::default()
        };
        let created = audit::list(
            &db.store,
            meldpunt::domain::policy::AuditScope::All,
            &filter,
            100,
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            created.len() as i64,
            accounts,
            "one audit entry per demo account"
        );
        // Work in progress for every page to show: a screenshot, an assessment waiting for
        // a supervisor, one decided without action.
        let all = meldpunt::domain::case::CaseStatus::ALL.to_vec();
        let cases = meldpunt::store::cases::list(&db.store, &all, 100)
            .await
            .unwrap();
        let statuses: Vec<&str> = cases.iter().map(|c| c.status.as_str()).collect();
        assert!(
            statuses.contains(&"in_assessment") && statuses.contains(&"decided"),
            "{statuses:?}"
        );
        assert_eq!(
            meldpunt::store::assessments::awaiting_approval(&db.store)
                .await
                .unwrap()
                .len(),
            1
        );
        let with_screenshot = cases
            .iter()
            .find(|c| c.status.as_str() == "in_assessment")
            .unwrap();
        let files = meldpunt::store::reports::evidence_of_case(&db.store, with_screenshot.id)
            .await
            .unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].kind.media_type(), "image/png");
        let (code, out, _) = meldpunt(&db, &["demo"]);
        assert_eq!(code, 0);
        assert!(out.contains("already has accounts"), "{out}");
        assert_eq!(
            users::count(&db.store).await.unwrap(),
            accounts,
            "a second run adds nothing"
        );
        assert_eq!(meldpunt(&db, &["audit", "verify"]).0, 0);
    }
);

both_backends!(
    demo_cases_fills_a_scale_data_set_through_the_real_intake,
    |db: TestDb| async move {
        let (code, out, err) = meldpunt(&db, &["demo", "--cases", "400"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("400 reports added"), "{out}");
        assert!(err.contains("400/400 reports"), "a progress bar: {err}");
        let all: Vec<meldpunt::domain::case::CaseStatus> =
            meldpunt::domain::case::CaseStatus::ALL.to_vec();
        let cases = meldpunt::store::cases::list(&db.store, &all, 10_000)
            .await
            .unwrap();
        // Some reports are copies of a link another municipality reported: one case each.
        assert!((300..400).contains(&cases.len()), "{} cases", cases.len());
        assert!(cases.iter().any(|c| c.municipality_count > 1));
        assert!(cases
            .iter()
            .any(|c| c.urgency == meldpunt::domain::report::Urgency::Acute));
        // Every report is in the audit trail, and the chain verifies.
        assert!(audit::count(&db.store).await.unwrap() > 400);
        assert!(audit::verify(&db.store, None).await.unwrap().is_ok());
    }
);
